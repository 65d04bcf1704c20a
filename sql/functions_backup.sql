-- lmdb_backup(dest_dir) and lmdb_backup(table, dest_dir): a consistent,
-- compacted copy of an environment, taken while writers go on; it holds
-- what was committed when it started.  Returns the copy's path (a relative
-- one is taken relative to the database file's directory, as env is).
-- Restoring: the SQLite file (VACUUM INTO) beside the copy, where its
-- declarations expect their environment.
.headers off
CREATE VIRTUAL TABLE users USING lmdb(id INTEGER PRIMARY KEY, email TEXT UNIQUE, age INT,
  INDEX users_age (age));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO users SELECT i, 'u' || i || '@x', i % 50 FROM n;
SELECT lmdb_backup('copy1');
.print -- a copy made while this connection writes: without its open transaction
BEGIN;
INSERT INTO users VALUES(1000, 'late@x', 7);
SELECT lmdb_backup('users', 'restore.db-lmdb');
.print -- ... and by another process meanwhile: the writer does not block it
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT lmdb_backup('copy2')" "SELECT count(*) FROM users" 2>&1 || true
COMMIT;
SELECT count(*) FROM users;
.print -- restore: the SQLite file beside the copy, then query it
VACUUM INTO 'restore.db';
ATTACH 'restore.db' AS r;
SELECT count(*), max(id) FROM r.users;
EXPLAIN QUERY PLAN SELECT id FROM r.users WHERE age = 7;
SELECT count(*) FROM r.users WHERE age = 7;
SELECT lmdb_integrity_check('r.users');
SELECT name, entries FROM lmdb_stat('r.users');
INSERT INTO r.users VALUES(2000, 'restored@x', 1);
SELECT count(*) FROM r.users;
SELECT count(*) FROM users;
DETACH r;
.shell sqlite3 restore.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*), max(id) FROM users" 2>&1 || true
.print -- errors
SELECT lmdb_backup('copy1');
SELECT lmdb_backup('users', 'no/such/dir');
SELECT lmdb_backup('test.db');
SELECT lmdb_backup();
SELECT lmdb_backup('users', 'a', 'b');
SELECT lmdb_backup(NULL);
SELECT lmdb_backup('');
SELECT lmdb_backup(1, 'x');
SELECT lmdb_backup('nosuch', 'x');
CREATE VIRTUAL TABLE kv USING lmdb(k, env = 'second.lmdb');
SELECT lmdb_backup('copy3');
SELECT lmdb_backup('kv', 'copy3');
DROP TABLE kv;
DROP TABLE users;
SELECT lmdb_backup('copy4');
.print -- not from triggers or views (SQLITE_DIRECTONLY)
CREATE TABLE native(a);
CREATE TRIGGER never AFTER INSERT ON native BEGIN SELECT lmdb_backup('x'); END;
INSERT INTO native VALUES(1);
