-- lmdb_version() names lmdbvt, LMDB and SQLite with the linked versions.
SELECT lmdb_version() GLOB 'lmdbvt 0.1.0 (LMDB 0.9.*, SQLite 3.*)';
SELECT instr(lmdb_version(), sqlite_version()) > 0;
SELECT lmdb_version(1);
