-- Bad-input catalogue (issue #7), part 1: CREATE VIRTUAL TABLE arguments
-- that sql/vtab_args.sql does not cover.  Every failing CREATE names the
-- argument, column or table, and creates nothing (no environment directory
-- appears: the checks below run before any table succeeds).
.bail off
.headers off
-- A type word SQLite's parser refuses: the column is named (issue #7, 3b).
CREATE VIRTUAL TABLE a1 USING lmdb(x INT, a SELECT);
CREATE VIRTUAL TABLE a2 USING lmdb(x INT, a TEXT FROM);
-- Names the catalog cannot hold: empty, over 255 bytes.
CREATE VIRTUAL TABLE a3 USING lmdb("" INT);
CREATE VIRTUAL TABLE a4 USING lmdb(xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx INT);
CREATE VIRTUAL TABLE a5 USING lmdb(x INT, INDEX iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii (x));
-- A map larger than a 64-bit address space can reserve (was: "out of
-- memory", leaving an environment behind).
CREATE VIRTUAL TABLE a6 USING lmdb(x INT, mapsize = '100TB');
CREATE VIRTUAL TABLE a7 USING lmdb(x INT, mapsize = '99999999999999999999');
-- Empty index column lists, table constraints lmdb does not support.
CREATE VIRTUAL TABLE a8 USING lmdb(x INT, INDEX i ());
CREATE VIRTUAL TABLE a9 USING lmdb(x INT, PRIMARY KEY ());
CREATE VIRTUAL TABLE a10 USING lmdb(x INT, table = '');
CREATE VIRTUAL TABLE a11 USING lmdb(x INT DEFAULT 0x1FFFFFFFFFFFFFFFF);
CREATE VIRTUAL TABLE a12 USING lmdb(x INT COLLATE);
CREATE VIRTUAL TABLE a13 USING lmdb(x 'it''s');
CREATE VIRTUAL TABLE a16 USING lmdb(x INT, CHECK (x > 0));
CREATE VIRTUAL TABLE a17 USING lmdb(x INT, FOREIGN KEY (x) REFERENCES t(y));
-- env naming a plain file, or a directory whose parent is missing.
.shell echo "not a directory" > afile
CREATE VIRTUAL TABLE a14 USING lmdb(x INT, env = 'afile');
CREATE VIRTUAL TABLE a15 USING lmdb(x INT, env = 'no/such/parent');
.shell test -e test.db-lmdb || test -e no || echo "nothing created"
-- A type with the word HIDDEN: a visible column, as on a native table
-- (issue #7, 3a); SQLite would hide it in a virtual table's declaration.
CREATE VIRTUAL TABLE h USING lmdb(a TEXT HIDDEN, b HIDDEN, c hidden INT, d INT);
CREATE TABLE nh(a TEXT HIDDEN, b HIDDEN, c hidden INT, d INT);
INSERT INTO h VALUES ('1', '2', '3', 4);
INSERT INTO nh VALUES ('1', '2', '3', 4);
SELECT * FROM h;
SELECT * FROM nh;
SELECT typeof(a), typeof(b), typeof(c), typeof(d) FROM h;
SELECT typeof(a), typeof(b), typeof(c), typeof(d) FROM nh;
SELECT name, hidden FROM pragma_table_xinfo('h');
SELECT name, hidden FROM pragma_table_xinfo('nh');
