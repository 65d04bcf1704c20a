-- Bad-input catalogue (issue #7), part 3: a 100 MB blob.  Large, but an
-- ordinary value: it is stored (one LMDB overflow run), read back whole,
-- replaced and deleted; a blob over SQLite's 1 GB limit fails in SQLite
-- itself with SQLITE_TOOBIG before the module sees it.  sync = off keeps
-- the test quick (the fsync of 100 MB is not what is tested).
.bail off
.headers off
CREATE VIRTUAL TABLE big USING lmdb(id INTEGER PRIMARY KEY, b BLOB, t TEXT, sync = off);
INSERT INTO big(id, b) VALUES (1, zeroblob(100000000));
SELECT id, length(b), typeof(b), hex(substr(b, 99999999)) FROM big;
INSERT INTO big(id, t) VALUES (2, printf('%.1000000c', 'x'));
SELECT id, length(t), substr(t, 999999) FROM big WHERE id = 2;
UPDATE big SET b = zeroblob(10) WHERE id = 1;
SELECT id, length(b) FROM big WHERE id = 1;
DELETE FROM big;
SELECT count(*) FROM big;
INSERT INTO big(id, b) VALUES (3, zeroblob(1000000001));
SELECT lmdb_integrity_check('big');
