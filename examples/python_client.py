#!/usr/bin/env python3
"""lmdbvt from Python's standard sqlite3 module.

    python3 examples/python_client.py [path/to/ext/.libs/lmdbvt] [workdir]

Loads the extension into a connection (enable_load_extension), creates a
table stored in LMDB, bulk-loads it in one transaction, queries it by
primary and secondary keys, shows constraint errors as the usual
sqlite3.IntegrityError, and what a second connection sees: committed rows
only, and SQLITE_BUSY ("database is locked") after its busy timeout while
the first one writes.  make check runs it through tests/python.sh.
"""
import os
import sqlite3
import sys
import tempfile
import time


def connect(db_path, ext_path, timeout=5.0):
    """Open db_path with the extension loaded.  isolation_level=None: the
    script says BEGIN and COMMIT itself."""
    con = sqlite3.connect(db_path, timeout=timeout, isolation_level=None)
    con.enable_load_extension(True)
    con.load_extension(ext_path)
    con.enable_load_extension(False)
    return con


def main():
    ext = sys.argv[1] if len(sys.argv) > 1 else "ext/.libs/lmdbvt"
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="lmdbvt-py-")
    db = os.path.join(work, "app.db")

    con = connect(db, ext)
    print(con.execute("SELECT lmdb_version() LIKE 'lmdbvt %'").fetchone()[0])
    con.execute("""
        CREATE VIRTUAL TABLE IF NOT EXISTS users USING lmdb(
          id INTEGER PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          name TEXT,
          age INTEGER DEFAULT 0,
          INDEX users_age (age))""")

    # Bulk load: one transaction, one LMDB commit.
    rows = [("u%d@example.com" % i, "name%d" % i, 20 + i % 50) for i in range(1, 5001)]
    con.execute("BEGIN")
    con.executemany("INSERT INTO users(email, name, age) VALUES(?, ?, ?)", rows)
    con.execute("COMMIT")
    print("rows", con.execute("SELECT count(*) FROM users").fetchone()[0])

    # Lookups by key, by a UNIQUE column, by a secondary index; parameters
    # are compared as SQLite compares them ('42' matches the INTEGER 42).
    print("by id", con.execute("SELECT email FROM users WHERE id = ?", (42,)).fetchone())
    print("by email", con.execute("SELECT id FROM users WHERE email = ?",
                                  ("u4999@example.com",)).fetchone())
    print("age 42", con.execute("SELECT count(*) FROM users WHERE age = ?", ("42",)).fetchone()[0])
    plan = con.execute("EXPLAIN QUERY PLAN SELECT * FROM users WHERE age BETWEEN ? AND ?",
                       (30, 31)).fetchall()
    print("plan", plan[0][3])
    print("range", con.execute("SELECT count(*) FROM users WHERE age BETWEEN 30 AND 31").fetchone()[0])

    # Constraint errors are sqlite3.IntegrityError with SQLite's message.
    try:
        con.execute("INSERT INTO users(email) VALUES('u1@example.com')")
    except sqlite3.IntegrityError as e:
        print("IntegrityError:", e)

    # A second connection: reads only committed data, never blocks on the
    # writer, and gets "database is locked" when it tries to write too.
    other = connect(db, ext, timeout=0.2)
    con.execute("BEGIN")
    con.execute("UPDATE users SET age = 99 WHERE id = 1")
    print("other sees", other.execute("SELECT age FROM users WHERE id = 1").fetchone()[0])
    t0 = time.time()
    try:
        other.execute("INSERT INTO users(email) VALUES('late@example.com')")
    except sqlite3.OperationalError as e:
        print("OperationalError:", e, "(waited %s)" % ("about 0.2 s" if time.time() - t0 >= 0.15 else "less"))
    con.execute("COMMIT")
    print("other sees", other.execute("SELECT age FROM users WHERE id = 1").fetchone()[0])
    other.execute("INSERT INTO users(email) VALUES('late@example.com')")
    print("rows", con.execute("SELECT count(*) FROM users").fetchone()[0])
    other.close()
    con.close()


if __name__ == "__main__":
    main()
