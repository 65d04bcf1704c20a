-- Environment options: the tables of one environment agree on sync; mapsize
-- is only a starting size (the larger one wins, and the map grows anyway).
.headers off
CREATE VIRTUAL TABLE a USING lmdb(x, sync = 'off');
.print -- another sync while the environment is open in this process
CREATE VIRTUAL TABLE b USING lmdb(x, sync = 'full');
.print -- ... and while it is closed: the first table recorded sync=off
.open test.db
.shell sqlite3 -batch test.db ".load $top_builddir/ext/.libs/lmdbvt" "CREATE VIRTUAL TABLE c USING lmdb(x)" 2>&1
.print -- the same sync is fine; mapsize differs freely
.shell sqlite3 -batch test.db ".load $top_builddir/ext/.libs/lmdbvt" "CREATE VIRTUAL TABLE d USING lmdb(x, sync = 'OFF', mapsize = '1MB')" "INSERT INTO d SELECT zeroblob(1000) FROM generate_series(1, 3000)" "SELECT count(*) FROM d" "SELECT map_size > 3000000 FROM lmdb_stat() WHERE name = 'd'" 2>&1
.shell sqlite3 -batch test.db ".load $top_builddir/ext/.libs/lmdbvt" "SELECT name FROM sqlite_schema ORDER BY 1" "SELECT count(*) FROM a" 2>&1
