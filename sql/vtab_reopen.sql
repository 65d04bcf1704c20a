-- A file database reopened (here by a second process, which loads the
-- extension afresh) shows the same tables, rows and indexes; xConnect reads
-- the schema from the environment's catalog, never creates anything, and
-- reports a declaration that no longer matches the catalog.
.headers off
CREATE VIRTUAL TABLE users USING lmdb(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
  name TEXT COLLATE NOCASE, age INT, INDEX users_age (age), UNIQUE users_name_age (name, age DESC));
CREATE VIRTUAL TABLE other USING lmdb(k TEXT PRIMARY KEY, v, env = 'second.lmdb', table = 'kv');
INSERT INTO users VALUES(1, 'a@x', 'Ann', 30), (2, 'b@x', 'Bob', 25), (3, 'c@x', 'ann', 41);
INSERT INTO other VALUES('one', 1), ('two', 2);
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT * FROM users ORDER BY id" "SELECT * FROM other ORDER BY k" "EXPLAIN QUERY PLAN SELECT * FROM users WHERE age = 30" "EXPLAIN QUERY PLAN SELECT * FROM users WHERE name = 'ANN' ORDER BY age DESC" "SELECT id FROM users WHERE name = 'ANN' ORDER BY age DESC" "EXPLAIN QUERY PLAN SELECT * FROM other WHERE k = 'two'" "INSERT INTO users(email, name) VALUES('d@x', 'Dee')" "INSERT INTO users(email) VALUES('b@x')" 2>&1 || true
-- This connection sees what the other process wrote.
SELECT id, email FROM users WHERE id > 3;
-- A declaration changed behind the catalog's back is refused on connect.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, 'age INT,', 'age TEXT,') WHERE name = 'users';
UPDATE sqlite_master SET sql = replace(sql, 'kv', 'nosuch') WHERE name = 'other';
CREATE VIRTUAL TABLE gone USING lmdb(x, env = 'gone.lmdb');
UPDATE sqlite_master SET sql = replace(sql, 'gone.lmdb', 'never.lmdb') WHERE name = 'gone';
PRAGMA writable_schema = OFF;
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*) FROM users" 2>&1 || true
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*) FROM other" 2>&1 || true
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*) FROM gone" 2>&1 || true
.shell test -e never.lmdb || echo never.lmdb was not created
