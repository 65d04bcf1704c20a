-- CREATE VIRTUAL TABLE ... USING lmdb(...): arguments, declared schema,
-- generated index names, and every argument error.  A bad argument creates
-- nothing: no table, no environment directory.
.headers off
CREATE VIRTUAL TABLE users USING lmdb(
  id     INTEGER PRIMARY KEY,
  email  TEXT NOT NULL UNIQUE,
  name   VARCHAR(16) COLLATE NOCASE,
  age    INTEGER DEFAULT 0,
  score  DOUBLE PRECISION,
  blob1,
  dec    DECIMAL(10, 2) COLLATE RTRIM,
  INDEX users_age (age),
  UNIQUE users_name_age (name, age DESC),
  env = 'app.lmdb', mapsize = '64MB', sync = normal
);
-- The declared schema carries types, NOT NULL and collations.
SELECT cid, name, type, "notnull" FROM pragma_table_info('users');
-- Affinity follows the declared type, as on a native table.
INSERT INTO users(email, name, age, score, blob1, dec)
  VALUES('a@x', 'Ann', '42', '1.5', '7', '3.10');
SELECT typeof(id), typeof(email), typeof(name), typeof(age), typeof(score),
       typeof(blob1), typeof(dec) FROM users;
-- Collations declared on the columns apply to comparisons.
SELECT count(*) FROM users WHERE name = 'ANN';
SELECT count(*) FROM users WHERE dec = '3.1  ';
-- The env option is relative to the database file's directory.
.shell ls -d app.lmdb
-- Unnamed UNIQUE and INDEX constraints get names from the table and columns;
-- a non-INTEGER primary key is the index <table>_pk.
CREATE VIRTUAL TABLE t2 USING lmdb(a TEXT PRIMARY KEY, b UNIQUE, c, UNIQUE (b, c),
                                   INDEX (c DESC), INDEX t2_c (a));
EXPLAIN QUERY PLAN SELECT * FROM t2 WHERE a = 'x';
EXPLAIN QUERY PLAN SELECT * FROM t2 WHERE b = 'x';
EXPLAIN QUERY PLAN SELECT * FROM t2 WHERE b = 1 AND c = 2;
EXPLAIN QUERY PLAN SELECT * FROM t2 WHERE c > 2 ORDER BY c DESC;
-- PRIMARY KEY (col) of one INTEGER column is the rowid, even DESC as a table
-- constraint; INTEGER PRIMARY KEY DESC on the column is not (as in SQLite).
CREATE VIRTUAL TABLE t3 USING lmdb(k INTEGER, v, PRIMARY KEY (k DESC));
INSERT INTO t3 VALUES(5, 'five');
SELECT rowid, k, v FROM t3;
CREATE VIRTUAL TABLE t4 USING lmdb(k INTEGER PRIMARY KEY DESC, v);
INSERT INTO t4 VALUES(5, 'five');
SELECT rowid, k, v FROM t4;
CREATE VIRTUAL TABLE t5 USING lmdb(k INT PRIMARY KEY, v, CONSTRAINT named UNIQUE (v));
INSERT INTO t5 VALUES(5, 'five');
SELECT rowid, k, v FROM t5;
EXPLAIN QUERY PLAN SELECT * FROM t5 WHERE k = 5;
-- Quoted identifiers, DEFAULT literals of every kind.
CREATE VIRTUAL TABLE "odd name" USING lmdb("a b" TEXT DEFAULT 'it''s', [c] INT DEFAULT -5,
  `d` REAL DEFAULT +1.5e1, e BLOB DEFAULT x'CAFE', f DEFAULT TRUE, g DEFAULT (NULL));
INSERT INTO "odd name"("g") VALUES(1);
SELECT "a b", c, d, hex(e), f, g FROM "odd name";
-- Errors: each names the argument and the problem; nothing is created.
CREATE VIRTUAL TABLE bad USING lmdb(x, foo = 1);
CREATE VIRTUAL TABLE bad USING lmdb(x, x);
CREATE VIRTUAL TABLE bad USING lmdb(x, X INT);
CREATE VIRTUAL TABLE bad USING lmdb(x, INDEX i (y));
CREATE VIRTUAL TABLE bad USING lmdb(x, UNIQUE (x, nope DESC));
CREATE VIRTUAL TABLE bad USING lmdb(x INTEGER PRIMARY KEY, y PRIMARY KEY);
CREATE VIRTUAL TABLE bad USING lmdb(x, y, PRIMARY KEY (x), PRIMARY KEY (y));
CREATE VIRTUAL TABLE bad USING lmdb(x INT(abc));
CREATE VIRTUAL TABLE bad USING lmdb(x INT(1,2,3));
CREATE VIRTUAL TABLE bad USING lmdb(x 123);
CREATE VIRTUAL TABLE bad USING lmdb(x, mapsize = 'lots');
CREATE VIRTUAL TABLE bad USING lmdb(x, mapsize = '0MB');
CREATE VIRTUAL TABLE bad USING lmdb(x, sync = 'sometimes');
CREATE VIRTUAL TABLE bad USING lmdb(x, strict = 2);
CREATE VIRTUAL TABLE bad USING lmdb(x, env = '');
CREATE VIRTUAL TABLE bad USING lmdb(x, env = 'e1', env = 'e2');
CREATE VIRTUAL TABLE bad USING lmdb(x DEFAULT (1+2));
CREATE VIRTUAL TABLE bad USING lmdb(x DEFAULT CURRENT_TIME);
CREATE VIRTUAL TABLE bad USING lmdb(x COLLATE french);
CREATE VIRTUAL TABLE bad USING lmdb(x CHECK (x > 0));
CREATE VIRTUAL TABLE bad USING lmdb(x REFERENCES users(id));
CREATE VIRTUAL TABLE bad USING lmdb(x NOT);
CREATE VIRTUAL TABLE bad USING lmdb(x INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE VIRTUAL TABLE bad USING lmdb(x, UNIQUE u (x), INDEX u (x));
CREATE VIRTUAL TABLE bad USING lmdb(x TEXT, INDEX (x COLLATE NOCASE));
CREATE VIRTUAL TABLE bad USING lmdb(x, INDEX i (x) junk);
CREATE VIRTUAL TABLE bad USING lmdb(x, %);
CREATE VIRTUAL TABLE bad USING lmdb(x, = 1);
CREATE VIRTUAL TABLE bad USING lmdb(x DEFAULT 'a' DEFAULT);
CREATE VIRTUAL TABLE bad USING lmdb(env = 'e1');
CREATE VIRTUAL TABLE bad USING lmdb();
SELECT count(*) FROM sqlite_master WHERE name = 'bad';
.shell ls -d *lmdb*
-- Errors from the environment: a table or index name already taken there
-- (table = names an existing table only to map it: see sql/env_shared.sql),
-- an environment already open with another sync option.
CREATE VIRTUAL TABLE x1 USING lmdb(a, table = 'shared');
CREATE VIRTUAL TABLE shared USING lmdb(a);
CREATE VIRTUAL TABLE x2 USING lmdb(a, b, table = 'shared');
CREATE VIRTUAL TABLE x3 USING lmdb(a, INDEX t2_pk (a));
CREATE VIRTUAL TABLE s1 USING lmdb(a, env = 'syncdir', sync = off);
CREATE VIRTUAL TABLE s2 USING lmdb(a, env = 'syncdir', sync = full);
SELECT name FROM sqlite_master WHERE name IN ('x1', 'x2', 'x3', 's1', 's2') ORDER BY name;
