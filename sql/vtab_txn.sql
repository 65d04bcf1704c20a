-- Transactions: one LMDB write transaction per SQLite transaction and
-- environment, savepoints as nested transactions, read-your-writes,
-- transactional CREATE, DROP and RENAME, readers in other processes.
.headers off
CREATE VIRTUAL TABLE a USING lmdb(id INTEGER PRIMARY KEY, v TEXT UNIQUE);
CREATE VIRTUAL TABLE b USING lmdb(id INTEGER PRIMARY KEY, v TEXT);
CREATE VIRTUAL TABLE c USING lmdb(id INTEGER PRIMARY KEY, v TEXT, env = 'other.lmdb');
-- Two tables of one environment and one of another, committed together.
BEGIN;
INSERT INTO a VALUES(1, 'a1');
INSERT INTO b VALUES(1, 'b1');
INSERT INTO c VALUES(1, 'c1');
SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b), (SELECT count(*) FROM c);
COMMIT;
SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b), (SELECT count(*) FROM c);
-- ROLLBACK undoes every table.
BEGIN;
INSERT INTO a VALUES(2, 'a2');
DELETE FROM b;
UPDATE c SET v = 'changed';
ROLLBACK;
SELECT (SELECT group_concat(v) FROM a), (SELECT group_concat(v) FROM b), (SELECT group_concat(v) FROM c);
-- Savepoints, nested; ROLLBACK TO keeps the savepoint open.
BEGIN;
INSERT INTO a VALUES(2, 'a2');
SAVEPOINT s1;
INSERT INTO a VALUES(3, 'a3');
SAVEPOINT s2;
INSERT INTO a VALUES(4, 'a4');
INSERT INTO b VALUES(4, 'b4');
ROLLBACK TO s2;
SELECT group_concat(id) FROM a;
INSERT INTO a VALUES(5, 'a5');
RELEASE s2;
ROLLBACK TO s1;
SELECT group_concat(id) FROM a;
INSERT INTO a VALUES(6, 'a6');
RELEASE s1;
COMMIT;
SELECT group_concat(id) FROM a;
SELECT group_concat(id) FROM b;
-- A savepoint used as the transaction.
SAVEPOINT outer1;
INSERT INTO a VALUES(7, 'a7');
ROLLBACK TO outer1;
INSERT INTO a VALUES(8, 'a8');
RELEASE outer1;
SELECT group_concat(id) FROM a;
-- A multi-row statement failing half-way inside BEGIN leaves nothing of
-- itself; the transaction goes on and commits the rest.
BEGIN;
INSERT INTO a VALUES(9, 'a9');
INSERT INTO a SELECT id + 100, CASE WHEN id = 6 THEN 'a1' ELSE v || 'x' END FROM a;
SELECT count(*) FROM a;
INSERT INTO a SELECT id + 100, v || 'x' FROM a;
COMMIT;
SELECT count(*) FROM a;
-- A table created in a transaction that rolls back leaves nothing behind:
-- it can be created again.
BEGIN;
CREATE VIRTUAL TABLE d USING lmdb(x UNIQUE);
INSERT INTO d VALUES(1);
ROLLBACK;
SELECT count(*) FROM sqlite_master WHERE name = 'd';
CREATE VIRTUAL TABLE d USING lmdb(x UNIQUE);
INSERT INTO d VALUES(1);
SELECT * FROM d;
-- DROP TABLE removes the data: a table of the same name starts empty.
DROP TABLE d;
CREATE VIRTUAL TABLE d USING lmdb(x UNIQUE);
SELECT count(*) FROM d;
-- ALTER TABLE RENAME renames the table in the environment too.
ALTER TABLE d RENAME TO e;
INSERT INTO e VALUES(2);
SELECT * FROM e;
CREATE VIRTUAL TABLE d USING lmdb(y);
SELECT count(*) FROM d;
-- ... unless the table option gave the environment's table its own name.
CREATE VIRTUAL TABLE f USING lmdb(z UNIQUE, table = 'f_data');
INSERT INTO f VALUES(1);
ALTER TABLE f RENAME TO g;
SELECT * FROM g;
INSERT INTO g VALUES(1);
-- Another process reads the committed state while this one writes.
BEGIN;
INSERT INTO a VALUES(1000, 'uncommitted');
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*), max(id) FROM a"
SELECT count(*), max(id) FROM a;
COMMIT;
.shell sqlite3 test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT count(*), max(id) FROM a"
-- Renaming onto a name the environment already has fails and changes nothing.
CREATE VIRTUAL TABLE h USING lmdb(z, table = 'taken');
CREATE VIRTUAL TABLE taken2 USING lmdb(z);
ALTER TABLE taken2 RENAME TO taken;
SELECT name FROM sqlite_master WHERE name LIKE 'taken%' ORDER BY name;
INSERT INTO taken2 VALUES(1);
SELECT count(*) FROM taken2;
-- A table that joins the transaction late is told of an old savepoint: a
-- rollback to it still undoes what the other tables of its environment
-- wrote after it.
BEGIN;
SAVEPOINT sp;
UPDATE a SET v = v || '' WHERE id < 0;
INSERT INTO a VALUES(2000, 'late1');
INSERT INTO b VALUES(2000, 'late2');
ROLLBACK TO sp;
SELECT (SELECT count(*) FROM a WHERE id = 2000), (SELECT count(*) FROM b WHERE id = 2000);
COMMIT;
