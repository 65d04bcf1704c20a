-- A read-only database (sqlite3 -readonly, SQLITE_OPEN_READONLY,
-- ?mode=ro): SQLite refuses writes to its lmdb tables, and the functions
-- that change a table refuse too, naming the table; the reading ones work.
.headers off
CREATE VIRTUAL TABLE u USING lmdb(id INTEGER PRIMARY KEY, a INT, b TEXT, INDEX u_a (a));
INSERT INTO u VALUES (1, 10, 'x'), (2, 20, 'y');
.output ro.sql
.print "INSERT INTO u VALUES (3, 30, 'z');"
.print "UPDATE u SET a = 0;"
.print "DELETE FROM u;"
.print "SELECT lmdb_create_index('u', 'u_b', 'b', 0);"
.print "SELECT lmdb_drop_index('u', 'u_a');"
.print "SELECT lmdb_integrity_check('u');"
.print "SELECT name, kind, entries FROM lmdb_stat('u');"
.print "SELECT * FROM u WHERE a = 20;"
.output stdout
.print -- the same database opened read-only (in another process)
.shell sqlite3 -readonly -batch test.db ".load $top_builddir/ext/.libs/lmdbvt" ".read ro.sql" 2>&1
.print -- nothing changed: both rows, the index u_a, no u_b
SELECT name, kind, entries FROM lmdb_stat('u');
SELECT count(*) FROM u;
