#!/usr/bin/env python3
"""proc_repro_commit_busy.py BUILDDIR -- reproduction, not a test.

A COMMIT that returns SQLITE_BUSY ("database is locked") although its lmdb
transaction is already committed and durable.  The LMDB commit runs in
xSync, before SQLite commits its own database file; in rollback-journal
mode that commit then takes an EXCLUSIVE lock on the .db file, and when
another connection holds a SHARED lock on it (any read transaction) it
waits busy_timeout and fails.  The application is told the transaction did
not commit; ROLLBACK cannot undo it; a retry applies it twice.
Exit 1 when reproduced, 0 when the COMMIT succeeded or its writes are gone.
Reproduces with HEAD d34f5c4 and with the working tree of 2026-11-24.  Needs
a python3 whose sqlite3 module can load extensions (Debian's /usr/bin/python3).
`tests/concurrency --xfail` checks the same from C.
"""
import os, sqlite3, sys, tempfile, shutil

ext = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "ext/.libs/lmdbvt")
d = tempfile.mkdtemp(prefix="lvt-repro-")
db = os.path.join(d, "r.db")

def conn():
    c = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(ext)
    return c

a, b = conn(), conn()
a.execute("CREATE VIRTUAL TABLE t USING lmdb(x INTEGER PRIMARY KEY)")
b.execute("BEGIN")
b.execute("SELECT count(*) FROM sqlite_master").fetchall()   # b holds SHARED on r.db
a.execute("BEGIN")
a.execute("INSERT INTO t VALUES(1)")
try:
    a.execute("COMMIT")
    print("COMMIT succeeded")
    rc = 0
except sqlite3.OperationalError as e:
    print("COMMIT failed:", e)
    a.execute("ROLLBACK")
    b.execute("COMMIT")
    n = conn().execute("SELECT count(*) FROM t").fetchone()[0]
    print("rows in t after the failed COMMIT and ROLLBACK:", n)
    rc = 1 if n == 1 else 0
shutil.rmtree(d)
sys.exit(rc)
