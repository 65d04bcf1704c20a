-- lmdb_create_index(table, index, 'col [ASC|DESC], ...' [, unique]) builds
-- an index over the rows already there, and lmdb_drop_index(table, index)
-- removes one; both return NULL.  They take part in the transaction they
-- run in (BEGIN ... ROLLBACK undoes them), are kept in the environment's
-- catalog, and statements prepared afterwards plan with the new set of
-- indexes (EXPLAIN QUERY PLAN shows it).
.headers off
.nullvalue NULL
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b INT, c REAL);
INSERT INTO t VALUES(1, 'x', 10, 0.5), (2, 'Y', 20, 1.5), (3, 'X', 30, 2.5), (4, NULL, 20, NULL), (5, NULL, 10, 3.5);
.print -- a plain index: used at once, maintained by later writes
EXPLAIN QUERY PLAN SELECT id FROM t WHERE a = 'x';
SELECT lmdb_create_index('t', 't_a', 'a');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE a = 'x';
SELECT id FROM t WHERE a = 'x' ORDER BY id;
INSERT INTO t VALUES(6, 'x', 40, 4.5);
SELECT id FROM t WHERE a = 'X' ORDER BY id;
.print -- inside a transaction: ROLLBACK undoes it, COMMIT keeps it
BEGIN;
SELECT lmdb_create_index('t', 't_b', 'b');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 10;
SELECT id FROM t WHERE b = 10 ORDER BY id;
ROLLBACK;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 10;
SELECT id FROM t WHERE b = 10 ORDER BY id;
BEGIN;
INSERT INTO t VALUES(9, 'w', 10, 9.5);
SELECT lmdb_create_index('t', 't_b', 'b');
INSERT INTO t VALUES(10, 'v', 10, 10.5);
COMMIT;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 10;
SELECT id FROM t WHERE b = 10 ORDER BY id;
BEGIN;
SAVEPOINT s1;
SELECT lmdb_drop_index('t', 't_b');
ROLLBACK TO s1;
SELECT lmdb_create_index('t', 't_sp', 'c DESC');
RELEASE s1;
COMMIT;
SELECT name FROM lmdb_stat('t');
.print -- drop: plans go back to a scan (also after a ROLLBACK of a drop)
SELECT lmdb_drop_index('t', 't_b');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 10;
SELECT id FROM t WHERE b = 10 ORDER BY id;
BEGIN;
SELECT lmdb_drop_index('t', 't_a');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE a = 'x';
ROLLBACK;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE a = 'x';
SELECT id FROM t WHERE a = 'x' ORDER BY id;
.print -- composite, DESC and quoted column names: the scan gives the order
SELECT lmdb_create_index('t', 't_bc', ' "b" ASC , [c] desc ');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 20 ORDER BY c DESC;
SELECT id FROM t WHERE b = 20 ORDER BY c DESC;
SELECT name, kind, entries FROM lmdb_stat('t');
.print -- unique: a duplicate fails with SQLite's words and leaves nothing
SELECT lmdb_create_index('t', 't_au', 'a', 1);
SELECT lmdb_create_index('t', 't_bu', 'b, c', 1);
SELECT name FROM lmdb_stat('t');
SELECT lmdb_create_index('t', 't_cu', 'c', 1);
INSERT INTO t VALUES(7, 'z', 50, 0.5);
INSERT INTO t VALUES(7, 'z', 50, NULL), (8, 'z', 50, NULL);
SELECT count(*) FROM t WHERE c IS NULL;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE c = 2.5;
SELECT id FROM t WHERE c = 2.5;
SELECT lmdb_drop_index('t', 'T_CU');
INSERT INTO t VALUES(11, 'u', 60, 0.5);
SELECT id FROM t WHERE c = 0.5 ORDER BY id;
SELECT name, kind FROM lmdb_stat('t');
SELECT lmdb_integrity_check('t');
.print -- another schema, a table= name, the primary-key index
ATTACH 'aux.db' AS aux;
CREATE VIRTUAL TABLE aux.kv USING lmdb(k TEXT PRIMARY KEY, v INT, table = 'store');
INSERT INTO aux.kv VALUES('a', 1), ('b', 1);
SELECT lmdb_create_index('aux.kv', 'kv_v', 'v', 1);
SELECT lmdb_create_index('aux.kv', 'kv_v', 'v');
EXPLAIN QUERY PLAN SELECT k FROM aux.kv WHERE v = 1;
SELECT lmdb_drop_index('kv', 'kv_v');
SELECT lmdb_drop_index('kv', 'store_pk');
DETACH aux;
.print -- kept in the catalog: another process sees the indexes
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "EXPLAIN QUERY PLAN SELECT id FROM t WHERE a = 'x'" "SELECT id FROM t WHERE a = 'x' ORDER BY id" "EXPLAIN QUERY PLAN SELECT id FROM t WHERE b = 20 ORDER BY c DESC" 2>&1 || true
.print -- errors: arguments, names, column lists
SELECT lmdb_create_index('t', 'i');
SELECT lmdb_create_index('t', 'i', 'a', 0, 1);
SELECT lmdb_drop_index('t');
SELECT lmdb_create_index(NULL, 'i', 'a');
SELECT lmdb_create_index('t', 1, 'a');
SELECT lmdb_create_index('t', 'i', x'00');
SELECT lmdb_create_index('t', '', 'a');
SELECT lmdb_create_index('t', 'i', 'a', 2);
SELECT lmdb_create_index('t', 'i', 'a', 'yes');
SELECT lmdb_create_index('t', 'i', 'a', NULL);
SELECT lmdb_create_index('nosuch', 'i', 'a');
SELECT lmdb_create_index('nosuch.t', 'i', 'a');
CREATE TABLE native(a);
CREATE VIEW v AS SELECT * FROM t;
SELECT lmdb_create_index('native', 'i', 'a');
SELECT lmdb_create_index('v', 'i', 'a');
SELECT lmdb_create_index('t', 'i', 'nosuch');
SELECT lmdb_create_index('t', 'i', '   ');
SELECT lmdb_create_index('t', 'i', 'a,');
SELECT lmdb_create_index('t', 'i', 'a b');
SELECT lmdb_create_index('t', 'i', 'a COLLATE NOCASE');
SELECT lmdb_create_index('t', 'i', '"a');
SELECT lmdb_create_index('t', 'i', 'a, (b)');
SELECT lmdb_create_index('t', 't_a', 'b');
CREATE VIRTUAL TABLE t2 USING lmdb(x);
SELECT lmdb_create_index('t2', 'T_A', 'x');
SELECT lmdb_drop_index('t2', 't_a');
SELECT lmdb_drop_index(NULL, 'i');
SELECT lmdb_drop_index('t', 2);
SELECT lmdb_drop_index('nosuch', 'i');
SELECT lmdb_drop_index('t', 'nosuch');
.print -- not from triggers or views (SQLITE_DIRECTONLY)
CREATE TABLE log(x);
CREATE TRIGGER log_ins AFTER INSERT ON log BEGIN SELECT lmdb_create_index('t', 'trig', 'b'); END;
INSERT INTO log VALUES(1);
CREATE VIEW dropper AS SELECT lmdb_drop_index('t', 't_a');
SELECT * FROM dropper;
SELECT name FROM lmdb_stat('t');
