-- ON CONFLICT on lmdb tables behaves as on native tables: REPLACE deletes
-- the rows in the way, IGNORE skips the row, FAIL keeps the rows before it,
-- ABORT undoes the statement, ROLLBACK the transaction.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, u TEXT UNIQUE, n INT NOT NULL DEFAULT 5,
                                  m INT NOT NULL);
INSERT INTO t VALUES(1, 'a', 1, 1), (2, 'b', 2, 2), (3, 'c', 3, 3);
-- REPLACE: both the key and the UNIQUE conflict go.
INSERT OR REPLACE INTO t VALUES(1, 'b', 10, 10);
SELECT * FROM t ORDER BY id;
SELECT changes();
REPLACE INTO t VALUES(4, 'c', 4, 4);
SELECT * FROM t ORDER BY id;
-- REPLACE with NULL into NOT NULL: the DEFAULT if there is one, else an error.
UPDATE OR REPLACE t SET n = NULL WHERE id = 4;
SELECT n FROM t WHERE id = 4;
UPDATE OR REPLACE t SET m = NULL WHERE id = 4;
UPDATE OR REPLACE t SET u = 'b' WHERE id = 4;
SELECT * FROM t ORDER BY id;
-- IGNORE: the conflicting rows are skipped and not counted.
INSERT INTO t VALUES(1, 'x', 1, 1);
INSERT OR IGNORE INTO t VALUES(1, 'x', 1, 1), (5, 'b', 5, 5), (6, 'f', 6, 6), (7, 'g', 7, NULL);
SELECT changes();
SELECT * FROM t ORDER BY id;
UPDATE OR IGNORE t SET u = 'f' WHERE id IN (4, 6);
SELECT * FROM t ORDER BY id;
-- FAIL: the rows before the failing one stay.
INSERT OR FAIL INTO t VALUES(10, 'j', 1, 1), (11, 'f', 1, 1), (12, 'l', 1, 1);
SELECT id FROM t ORDER BY id;
-- ABORT (the default): the statement leaves nothing.
INSERT INTO t VALUES(20, 'p', 1, 1), (21, 'f', 1, 1);
INSERT INTO t SELECT id + 100, u || '2', n, m FROM t UNION ALL SELECT 200, 'f', 1, 1;
SELECT count(*) FROM t WHERE id >= 20;
-- Inside a transaction the failed statement is undone and the transaction
-- goes on.
BEGIN;
INSERT INTO t VALUES(30, 'q', 1, 1);
INSERT INTO t VALUES(31, 'r', 1, 1), (32, 'f', 1, 1);
UPDATE t SET m = m + 100;
UPDATE t SET u = 'same';
INSERT OR FAIL INTO t VALUES(33, 's', 1, 1), (34, 'f', 1, 1);
COMMIT;
SELECT id, m FROM t ORDER BY id;
-- ROLLBACK: the whole transaction goes.
BEGIN;
INSERT INTO t VALUES(40, 'v', 1, 1);
INSERT OR ROLLBACK INTO t VALUES(41, 'f', 1, 1);
SELECT count(*) FROM t WHERE id >= 40;
COMMIT;
-- A constraint clause on the column is not a conflict policy: the statement's
-- OR clause decides.
SELECT id, u FROM t ORDER BY id;
