-- DROP TABLE and ALTER TABLE RENAME of an lmdb table inside a transaction.
-- When another table of the same environment has joined the transaction,
-- the change is part of it and a ROLLBACK undoes it.  When none has, SQLite
-- would give the change no commit or rollback of its own, so lmdbvt refuses
-- it and nothing is lost.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(a);
CREATE VIRTUAL TABLE w USING lmdb(b);
INSERT INTO t VALUES(1);
-- Refused: nothing of the environment is in the transaction yet.
BEGIN;
DROP TABLE t;
ALTER TABLE t RENAME TO u;
ROLLBACK;
SELECT 'after refused DROP/RENAME', count(*) FROM t;
-- Part of the transaction once a table of the environment wrote.
BEGIN;
INSERT INTO w VALUES(1);
DROP TABLE t;
ROLLBACK;
SELECT 'after rolled-back DROP', count(*) FROM t;
BEGIN;
INSERT INTO w VALUES(2);
ALTER TABLE t RENAME TO u;
ROLLBACK;
SELECT 'after rolled-back RENAME', count(*) FROM t;
-- In autocommit both simply happen.
ALTER TABLE t RENAME TO u;
SELECT 'renamed', count(*) FROM u;
DROP TABLE u;
SELECT name FROM sqlite_master ORDER BY name;
