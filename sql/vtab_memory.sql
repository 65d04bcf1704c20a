-- :memory: and temporary databases get a private temporary environment,
-- shared by their tables, that lives as long as the connection (it survives
-- SQLite disconnecting and reconnecting tables when it reloads a schema).
.headers off
ATTACH ':memory:' AS mem;
CREATE VIRTUAL TABLE mem.m1 USING lmdb(id INTEGER PRIMARY KEY, v TEXT UNIQUE);
CREATE VIRTUAL TABLE mem.m2 USING lmdb(id INTEGER PRIMARY KEY, w);
CREATE VIRTUAL TABLE temp.t1 USING lmdb(a, INDEX t1_a (a));
INSERT INTO m1 VALUES(1, 'one'), (2, 'two');
INSERT INTO m2 VALUES(1, 'x');
INSERT INTO t1 VALUES(10), (20);
BEGIN;
INSERT INTO m1 VALUES(3, 'three');
INSERT INTO m2 VALUES(2, 'y');
INSERT INTO t1 VALUES(30);
COMMIT;
SELECT (SELECT count(*) FROM m1), (SELECT count(*) FROM m2), (SELECT count(*) FROM t1);
-- A rolled-back schema change makes SQLite reload the schema and reconnect
-- every table; the data is still there.
BEGIN;
CREATE VIRTUAL TABLE mem.m3 USING lmdb(z);
ROLLBACK;
SELECT group_concat(v) FROM m1;
SELECT group_concat(a) FROM t1 WHERE a > 15;
EXPLAIN QUERY PLAN SELECT * FROM t1 WHERE a > 15;
-- Constraint messages name the table.
INSERT INTO m1 VALUES(4, 'one');
DROP TABLE m1;
DROP TABLE m2;
CREATE VIRTUAL TABLE mem.m1 USING lmdb(id INTEGER PRIMARY KEY, v TEXT UNIQUE);
SELECT count(*) FROM m1;
-- The main database is a file: its tables live in test.db-lmdb.
CREATE VIRTUAL TABLE f USING lmdb(x);
.shell ls -d test.db-lmdb
