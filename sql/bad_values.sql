-- Bad-input catalogue (issue #7), part 2: values.  Each lmdb statement is
-- followed by the same statement on a native table, so the error codes and
-- messages can be compared line by line (the shell prints the primary code
-- in parentheses; it omits it for SQLITE_ERROR).
.bail off
.headers off
-- ---------------------------------------------------- strict = 1 types --
CREATE VIRTUAL TABLE s USING lmdb(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, a ANY, strict = 1);
CREATE TABLE ns(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, a ANY) STRICT;
INSERT INTO s(i) VALUES ('abc');
INSERT INTO ns(i) VALUES ('abc');
INSERT INTO s(i) VALUES (1.5);
INSERT INTO ns(i) VALUES (1.5);
INSERT INTO s(i) VALUES ('9223372036854775808');
INSERT INTO ns(i) VALUES ('9223372036854775808');
INSERT INTO s(r) VALUES (x'00');
INSERT INTO ns(r) VALUES (x'00');
INSERT INTO s(b) VALUES ('x');
INSERT INTO ns(b) VALUES ('x');
INSERT INTO s(i, r, t, a) VALUES ('12', '1.5', 12, x'01');
INSERT INTO ns(i, r, t, a) VALUES ('12', '1.5', 12, x'01');
UPDATE s SET i = 'zz';
UPDATE ns SET i = 'zz';
INSERT INTO s(id) VALUES ('abc');
INSERT INTO ns(id) VALUES ('abc');
SELECT typeof(i), typeof(r), typeof(t), typeof(a) FROM s;
SELECT typeof(i), typeof(r), typeof(t), typeof(a) FROM ns;
-- ------------------------------- keys over LMDB's 511 bytes: SQLITE_TOOBIG --
CREATE VIRTUAL TABLE k USING lmdb(id INTEGER PRIMARY KEY, e TEXT UNIQUE, n TEXT COLLATE NOCASE, c, d, INDEX k_cd (c, d), INDEX k_n (n));
INSERT INTO k(e) VALUES (printf('%.490c', 'e'));
INSERT INTO k(e) VALUES (printf('%.600c', 'e'));
INSERT INTO k(e) VALUES (zeroblob(600));
INSERT INTO k(c, d) VALUES (printf('%.300c', 'c'), printf('%.300c', 'd'));
UPDATE k SET e = printf('%.600c', 'u') WHERE id = 1;
-- NOCASE text with a NUL keeps only the length after the NUL in its key;
-- that length is bounded (64 KiB) so that a damaged key cannot make the
-- decoder allocate 1 GB.
INSERT INTO k(n) VALUES ('a' || char(0) || printf('%.65536c', 'x'));
INSERT INTO k(n) VALUES ('a' || char(0) || printf('%.65537c', 'x'));
CREATE VIRTUAL TABLE kp USING lmdb(k TEXT PRIMARY KEY, v);
INSERT INTO kp VALUES (printf('%.600c', 'k'), 1);
SELECT id, length(e) FROM k;
SELECT lmdb_integrity_check('k');
-- ------------------------------------------- NaN, -0.0 and infinities --
CREATE VIRTUAL TABLE f USING lmdb(id INTEGER PRIMARY KEY, x REAL UNIQUE);
CREATE TABLE nf(id INTEGER PRIMARY KEY, x REAL UNIQUE);
INSERT INTO f(x) VALUES (-0.0), (9e999), (-9e999);
INSERT INTO nf(x) VALUES (-0.0), (9e999), (-9e999);
INSERT INTO f(x) VALUES (0.0);
INSERT INTO nf(x) VALUES (0.0);
INSERT INTO f(x) VALUES (9e999 - 9e999);
INSERT INTO nf(x) VALUES (9e999 - 9e999);
SELECT id, x, typeof(x) FROM f ORDER BY x;
SELECT id, x, typeof(x) FROM nf ORDER BY x;
SELECT id FROM f WHERE x = 0.0 UNION ALL SELECT id FROM f WHERE x = -9e999 UNION ALL SELECT id FROM f WHERE x IS NULL;
SELECT id FROM nf WHERE x = 0.0 UNION ALL SELECT id FROM nf WHERE x = -9e999 UNION ALL SELECT id FROM nf WHERE x IS NULL;
INSERT INTO f VALUES (-0.0, 1);
INSERT INTO nf VALUES (-0.0, 1);
INSERT INTO f VALUES (9e999, 2);
INSERT INTO nf VALUES (9e999, 2);
SELECT id, x FROM f WHERE id = 0;
SELECT id, x FROM nf WHERE id = 0;
-- ------------------------------------------------------- INT64 bounds --
CREATE VIRTUAL TABLE r USING lmdb(id INTEGER PRIMARY KEY, v INTEGER, INDEX r_v (v));
CREATE TABLE nr(id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER);
INSERT INTO r VALUES (9223372036854775807, -9223372036854775808), (-9223372036854775808, 9223372036854775807);
INSERT INTO nr VALUES (9223372036854775807, -9223372036854775808), (-9223372036854775808, 9223372036854775807);
-- max(rowid) + 1 overflows: SQLITE_FULL, as a native AUTOINCREMENT table
-- (lmdbvt never picks a random rowid).
INSERT INTO r(v) VALUES (1);
INSERT INTO nr(v) VALUES (1);
INSERT INTO r VALUES (9223372036854775808, 1);
INSERT INTO nr VALUES (9223372036854775808, 1);
SELECT id, v FROM r ORDER BY v;
SELECT id, v FROM nr ORDER BY v;
SELECT id FROM r WHERE v = 9223372036854775807 UNION ALL SELECT id FROM r WHERE v < -9223372036854775807;
SELECT id FROM nr WHERE v = 9223372036854775807 UNION ALL SELECT id FROM nr WHERE v < -9223372036854775807;
SELECT count(*) FROM r WHERE v > 9223372036854775807.0 OR v >= 9.3e18 OR v < -9.3e18;
SELECT count(*) FROM nr WHERE v > 9223372036854775807.0 OR v >= 9.3e18 OR v < -9.3e18;
-- ----------------------------------------------- NUL bytes inside text --
CREATE VIRTUAL TABLE z USING lmdb(id INTEGER PRIMARY KEY, t TEXT UNIQUE, n TEXT COLLATE NOCASE, v, INDEX z_n (n));
CREATE TABLE nz(id INTEGER PRIMARY KEY, t TEXT UNIQUE, n TEXT COLLATE NOCASE, v);
CREATE INDEX nz_n ON nz(n);
INSERT INTO z VALUES (1, 'a' || char(0) || 'b', 'A' || char(0) || 'b', 'x' || char(0) || 'y');
INSERT INTO nz VALUES (1, 'a' || char(0) || 'b', 'A' || char(0) || 'b', 'x' || char(0) || 'y');
INSERT INTO z VALUES (2, 'a' || char(0) || 'c', 'a' || char(0) || 'c', char(0));
INSERT INTO nz VALUES (2, 'a' || char(0) || 'c', 'a' || char(0) || 'c', char(0));
INSERT INTO z VALUES (3, 'a', 'a' || char(0) || 'bc', '');
INSERT INTO nz VALUES (3, 'a', 'a' || char(0) || 'bc', '');
INSERT INTO z(t) VALUES ('a' || char(0) || 'b');
INSERT INTO nz(t) VALUES ('a' || char(0) || 'b');
SELECT id, hex(t), hex(n), hex(v), length(v), typeof(v) FROM z ORDER BY t;
SELECT id, hex(t), hex(n), hex(v), length(v), typeof(v) FROM nz ORDER BY t;
SELECT id FROM z WHERE n = 'a' || char(0) || 'zz' ORDER BY id;
SELECT id FROM nz WHERE n = 'a' || char(0) || 'zz' ORDER BY id;
SELECT id FROM z WHERE t = 'a' || char(0) || 'c';
SELECT id FROM nz WHERE t = 'a' || char(0) || 'c';
SELECT group_concat(id) FROM (SELECT id FROM z ORDER BY n, id);
SELECT group_concat(id) FROM (SELECT id FROM nz ORDER BY n, id);
SELECT lmdb_integrity_check('z');
