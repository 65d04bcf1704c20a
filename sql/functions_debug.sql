-- lmdb_debug(): for bug reports, one "key: value" line each: the lmdbvt
-- version, the sanitizers it was built with, whether assertions are on,
-- LMDB and SQLite as linked and as compiled against, the compiler.
SELECT lmdb_debug() GLOB 'lmdbvt 0.1.0
build flags: *
assertions: *
LMDB: 0.9.* (compiled against 0.9.*)
SQLite: * (compiled against 3.*)
compiler: *';
SELECT instr(lmdb_debug(), 'SQLite: ' || sqlite_version() || ' (') > 0;
SELECT lmdb_debug() GLOB '*assertions: on*' OR lmdb_debug() GLOB '*assertions: off (NDEBUG)*';
SELECT lmdb_debug() GLOB '*build flags: none*' OR lmdb_debug() GLOB '*build flags: *san*';
SELECT length(lmdb_debug()) - length(replace(lmdb_debug(), char(10), '')) AS newlines;
SELECT lmdb_debug(1);
