-- SELECT * FROM lmdb_stat('table'): one row per LMDB B-tree of the table
-- (the table, then each index, with its kind), counted through what the
-- connection sees; SELECT * FROM lmdb_stat(): the same for every lmdb
-- table of the connection's schemas.  Every row also describes its
-- environment: directory, map size, bytes used, reader slots in use.
.headers on
.nullvalue NULL
CREATE VIRTUAL TABLE users USING lmdb(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
  age INT, INDEX users_age (age));
CREATE VIRTUAL TABLE kv USING lmdb(k TEXT PRIMARY KEY, v, env = 'second.lmdb');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO users SELECT i, 'user' || i || '@example.com', 18 + i % 60 FROM n;
INSERT INTO kv VALUES('a', 1), ('b', x'00ff');
.print -- one table: its B-trees, in order
SELECT tbl, name, kind, entries, depth >= 2 AS deep, branch_pages >= 1 AS branches,
       leaf_pages > 10 AS leaves, overflow_pages, schema, env FROM lmdb_stat('users');
SELECT name, bytes = (branch_pages + leaf_pages + overflow_pages)
                     * (SELECT bytes FROM lmdb_stat('kv') LIMIT 1) AS bytes_are_pages,
       map_size >= map_used AND map_used > 0 AS map_ok, readers >= 1 AS readers_ok
  FROM lmdb_stat('users');
SELECT tbl, name, kind, entries, depth, branch_pages, leaf_pages, overflow_pages, bytes > 0,
       schema, env, map_size, map_used > 0, readers >= 1 FROM lmdb_stat('kv');
.print -- every table; the argument as a column (table-valued function)
SELECT tbl, name, kind, entries, env FROM lmdb_stat();
SELECT m.name, s.name, s.entries FROM sqlite_schema AS m, lmdb_stat(m.name) AS s
 WHERE m.name = 'kv';
SELECT name FROM lmdb_stat WHERE target = 'main.kv';
SELECT count(DISTINCT env), count(DISTINCT map_size) >= 1 FROM lmdb_stat();
.print -- what the connection sees: its uncommitted writes, a new index
BEGIN;
DELETE FROM users WHERE id > 100;
SELECT lmdb_create_index('kv', 'kv_v', 'v');
SELECT name, kind, entries FROM lmdb_stat();
ROLLBACK;
SELECT name, kind, entries FROM lmdb_stat();
.print -- another schema, a private environment (a :memory: database)
ATTACH ':memory:' AS mem;
CREATE VIRTUAL TABLE mem.m USING lmdb(x INTEGER PRIMARY KEY, y UNIQUE);
INSERT INTO mem.m VALUES(1, 'one');
SELECT tbl, name, kind, entries, schema, env LIKE '%/lmdbvt-mem-%' AS private FROM lmdb_stat('mem.m');
SELECT schema, tbl, name FROM lmdb_stat();
DETACH mem;
DROP TABLE kv;
SELECT tbl, name FROM lmdb_stat();
.print -- errors
SELECT * FROM lmdb_stat('nosuch');
SELECT * FROM lmdb_stat('kv');
CREATE TABLE native(a);
SELECT * FROM lmdb_stat('native');
SELECT * FROM lmdb_stat(NULL);
SELECT * FROM lmdb_stat(42);
SELECT * FROM lmdb_stat('');
SELECT * FROM lmdb_stat('users', 'more');
