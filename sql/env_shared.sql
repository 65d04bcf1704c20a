-- Shared environments: table = 'name' maps an existing LMDB table into a
-- second SQLite database (two .db files, one environment).  CREATE attaches
-- to the table when it exists (the declaration must match the catalog) and
-- creates it otherwise; DROP TABLE of a mapped table removes only that
-- declaration.  tests/shared_env runs a writer and a reader process on it.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, name TEXT, INDEX t_name (name),
  env = 'shared.lmdb');
INSERT INTO t VALUES (1, 'one'), (2, 'two');
ATTACH 'b.db' AS b;
CREATE VIRTUAL TABLE b.t2 USING lmdb(id INTEGER PRIMARY KEY, name TEXT, INDEX t_name (name),
  env = 'shared.lmdb', table = 't');
SELECT * FROM b.t2 WHERE name = 'two';
.print -- a declaration that does not match the catalog is refused
CREATE VIRTUAL TABLE b.t3 USING lmdb(id INTEGER PRIMARY KEY, name INT, env = 'shared.lmdb',
  table = 't');
.print -- writes through either database are one table
INSERT INTO b.t2 VALUES (3, 'three');
SELECT count(*) FROM t;
.print -- another process reading only b.db sees them
.shell sqlite3 -batch b.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT group_concat(name) FROM (SELECT name FROM t2 ORDER BY id)" 2>&1
.print -- DROP of the mapped table leaves the data to a.db
DROP TABLE b.t2;
SELECT count(*) FROM t;
SELECT count(*) FROM b.sqlite_schema;
.print -- table= naming a table that does not exist yet creates it
CREATE VIRTUAL TABLE b.fresh USING lmdb(id INTEGER PRIMARY KEY, v, env = 'shared.lmdb',
  table = 'f');
INSERT INTO b.fresh VALUES (1, 'x');
SELECT name, kind, entries FROM lmdb_stat() ORDER BY name;
