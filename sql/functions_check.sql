-- lmdb_integrity_check(table [, max]): 'ok', or one line per problem found
-- in the table and its indexes (at most max lines, default 100).  Tables
-- written only through SQL are always 'ok', whatever was done to them;
-- damage done below the API (here by tests/damage_index, in another
-- process) is found and named.  Every kind of damage is covered by
-- tests/check_check.c.
.headers off
.nullvalue NULL
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE,
  b INT NOT NULL DEFAULT 0, c REAL, d, INDEX t_bc (b, c DESC), UNIQUE t_d (d));
SELECT lmdb_integrity_check('t');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO t(name, b, c, d) SELECT 'n' || i, i % 7, CASE WHEN i % 5 THEN i / 3.0 END,
  CASE i % 4 WHEN 0 THEN i WHEN 1 THEN 'd' || i WHEN 2 THEN x'00' || i END FROM n;
SELECT lmdb_integrity_check('t');
UPDATE t SET name = upper(name), c = -c WHERE id % 3 = 0;
UPDATE t SET id = id + 1000 WHERE id % 11 = 0;
DELETE FROM t WHERE id % 13 = 0;
INSERT OR REPLACE INTO t(id, name, b) VALUES(1, 'N2', 1), (5000, 'n4', 2);
SELECT lmdb_integrity_check('T');
SELECT count(*) FROM t;
.print -- inside a transaction: its own writes are checked
BEGIN;
DELETE FROM t WHERE b = 3;
SELECT lmdb_create_index('t', 't_c', 'c', 0);
SELECT lmdb_integrity_check('t', 5);
ROLLBACK;
SELECT lmdb_integrity_check('main.t', 1);
.print -- an index damaged below the API
.shell $top_builddir/tests/damage_index test.db-lmdb t t_bc
SELECT lmdb_integrity_check('t');
SELECT lmdb_integrity_check('t', 1);
SELECT lmdb_integrity_check('t_bc');
.print -- errors
SELECT lmdb_integrity_check();
SELECT lmdb_integrity_check('t', 1, 2);
SELECT lmdb_integrity_check(NULL);
SELECT lmdb_integrity_check(x'74');
SELECT lmdb_integrity_check('nosuch');
CREATE TABLE native(a);
SELECT lmdb_integrity_check('native');
SELECT lmdb_integrity_check('t', 0);
SELECT lmdb_integrity_check('t', '5');
SELECT lmdb_integrity_check('t', 2.5);
