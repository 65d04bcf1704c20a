-- INSERT, UPDATE and DELETE on lmdb tables: rowids, INTEGER PRIMARY KEY,
-- DEFAULT, NOT NULL, UNIQUE, composite primary keys, strict tables, and the
-- errors, each with SQLite's wording and extended code.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT 'dflt',
                                  b INT UNIQUE, c);
-- NULL into the INTEGER PRIMARY KEY: the largest rowid + 1.
INSERT INTO t(b) VALUES(1);
INSERT INTO t(id, b) VALUES(10, 2);
INSERT INTO t(b) VALUES(3);
INSERT INTO t(id, b) VALUES(NULL, 4);
SELECT id, a, b, c, last_insert_rowid() FROM t;
-- The key converts as a native INTEGER PRIMARY KEY does.
INSERT INTO t(id, b) VALUES('20', 5), (30.0, 6);
SELECT id, typeof(id) FROM t WHERE id >= 20;
INSERT INTO t(id, b) VALUES('abc', 7);
INSERT INTO t(id, b) VALUES(2.5, 7);
INSERT INTO t(rowid, b) VALUES(40, 7);
SELECT rowid, id FROM t WHERE b = 7;
-- Constraint errors: SQLite's messages; nothing of the failed row is left.
INSERT INTO t(id, b) VALUES(10, 99);
INSERT INTO t(b) VALUES(1);
INSERT INTO t(a, b) VALUES(NULL, 99);
SELECT count(*) FROM t WHERE b = 99;
-- An omitted column gets its DEFAULT.  SQLite hands a virtual table no column
-- list, so an explicit NULL into a column with a DEFAULT stores the DEFAULT too.
INSERT INTO t(b, c) VALUES(8, 'x');
SELECT a FROM t WHERE b = 8;
-- UPDATE of any column, of the key and of the rowid.
UPDATE t SET c = b * 10 WHERE b <= 2;
UPDATE t SET id = 100 WHERE b = 3;
UPDATE t SET rowid = 200 WHERE b = 4;
SELECT rowid, id, b, c FROM t ORDER BY id;
UPDATE t SET id = 1 WHERE b = 2;
UPDATE t SET b = 1 WHERE b = 2;
UPDATE t SET a = NULL WHERE b = 2;
UPDATE t SET id = 'x' WHERE b = 2;
UPDATE t SET rowid = 'x' WHERE b = 2;
SELECT rowid, id, a, b FROM t WHERE b = 2;
-- UPDATE that changes nothing, and of rows that match nothing.
UPDATE t SET c = c WHERE b = 1;
UPDATE t SET c = 0 WHERE b = 12345;
SELECT changes();
-- DELETE.
DELETE FROM t WHERE b >= 7;
DELETE FROM t WHERE id = 100;
SELECT group_concat(id) FROM t;
DELETE FROM t;
SELECT count(*) FROM t;
INSERT INTO t(b) VALUES(1);
SELECT id FROM t;
-- A table without INTEGER PRIMARY KEY has a rowid of its own.
CREATE VIRTUAL TABLE r USING lmdb(x, y);
INSERT INTO r VALUES('a', 1), ('b', 2);
INSERT INTO r(rowid, x) VALUES(10, 'c');
INSERT INTO r(rowid, x) VALUES(10, 'd');
INSERT INTO r(rowid, x) VALUES('z', 'd');
UPDATE r SET rowid = rowid + 100 WHERE x = 'a';
UPDATE r SET rowid = 10 WHERE x = 'b';
SELECT rowid, x, y FROM r;
-- Composite primary key: a unique index; NULLs never conflict, as natively.
CREATE VIRTUAL TABLE p USING lmdb(a TEXT, b INT, v, PRIMARY KEY (a, b));
INSERT INTO p VALUES('x', 1, 'one'), ('x', 2, 'two'), (NULL, 1, 'n1'), (NULL, 1, 'n2');
INSERT INTO p VALUES('x', 1, 'again');
UPDATE p SET b = 1 WHERE v = 'two';
SELECT a, b, v FROM p ORDER BY rowid;
-- Strict tables reject values that do not convert losslessly.
CREATE VIRTUAL TABLE s USING lmdb(i INTEGER, r REAL, t TEXT, b BLOB, n, strict = 1);
INSERT INTO s VALUES(1, 2, 'x', x'00', 'any');
INSERT INTO s VALUES('12', '2.5', 3, x'01', 4);
SELECT typeof(i), typeof(r), typeof(t), typeof(b), typeof(n) FROM s;
INSERT INTO s(i) VALUES('abc');
INSERT INTO s(r) VALUES(x'00');
SELECT count(*) FROM s;
-- Types are stored as SQLite stores them: large integers exact, -0.0, text
-- that looks like a number in a NUMERIC column.
CREATE VIRTUAL TABLE v USING lmdb(i INTEGER, r REAL, n NUMERIC, x);
INSERT INTO v VALUES(9223372036854775807, -0.0, '1e3', '00012');
INSERT INTO v VALUES(-9223372036854775808, 1e308, '12.0', 12.0);
SELECT i, r, n, typeof(n), x, typeof(x) FROM v;
SELECT count(*) FROM v WHERE r = 0;
-- Long keys: LMDB's 511-byte limit is an error, never truncation.
CREATE VIRTUAL TABLE k USING lmdb(s TEXT UNIQUE);
INSERT INTO k VALUES(printf('%.600c', 'x'));
SELECT count(*) FROM k;
