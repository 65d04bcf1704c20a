-- lmdbvt quickstart: run with `make demo`, or in the sqlite3 shell:
--   sqlite3 demo.db '.load ext/.libs/lmdbvt' '.read examples/quickstart.sql'
SELECT lmdb_version();
