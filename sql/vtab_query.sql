-- Query results equal a native table's: the same comparisons across storage
-- classes, NULL semantics, collations, affinity of the compared value,
-- large integers, -0.0.  Each query runs on the lmdb table t and on the
-- native table n with the same columns and indexes; "ok" means equal rows.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(i INTEGER, r REAL, x TEXT, y TEXT COLLATE NOCASE,
  z TEXT COLLATE RTRIM, a, INDEX t_i (i), INDEX t_r (r DESC), INDEX t_x (x),
  INDEX t_y (y), INDEX t_z (z), INDEX t_a (a), INDEX t_ia (i, a));
CREATE TABLE n(i INTEGER, r REAL, x TEXT, y TEXT COLLATE NOCASE, z TEXT COLLATE RTRIM, a);
CREATE INDEX n_i ON n(i); CREATE INDEX n_r ON n(r DESC); CREATE INDEX n_x ON n(x);
CREATE INDEX n_y ON n(y); CREATE INDEX n_z ON n(z); CREATE INDEX n_a ON n(a);
CREATE INDEX n_ia ON n(i, a);
CREATE TABLE v(val);
INSERT INTO v VALUES(NULL), (0), (1), (-1), (2), (2.5), (-0.0), (1e100), (-1e100),
  (9223372036854775807), (-9223372036854775808), (9007199254740993), (9007199254740992.0),
  ('1'), ('2'), (' 2'), ('2.0'), ('abc'), ('ABC'), ('abc '), ('Abd'), (''), ('x'),
  (x''), (x'00'), (x'0102'), ('0x10'), ('1e2');
INSERT INTO n SELECT val, val, val, val, val, val FROM v;
INSERT INTO t SELECT * FROM n;
-- Stored classes follow affinity.
SELECT count(*) FROM (SELECT typeof(i), typeof(r), typeof(x), typeof(y), typeof(z), typeof(a) FROM t
                      EXCEPT SELECT typeof(i), typeof(r), typeof(x), typeof(y), typeof(z), typeof(a) FROM n);
-- Every column compared with every value and operator: the rows of t and n
-- must be the same.  (The RHS is a column of v: no affinity of its own.)
CREATE TABLE ops(op);
INSERT INTO ops VALUES('='), ('<'), ('<='), ('>'), ('>='), ('IS'), ('IS NOT'), ('!=');
CREATE TABLE cols(c);
INSERT INTO cols VALUES('i'), ('r'), ('x'), ('y'), ('z'), ('a'), ('rowid');
.print -- mismatches below, one line each (none expected):
SELECT 'mismatch' FROM (SELECT 1) WHERE 0;
.mode list
.output query_checks.sql
SELECT printf('SELECT %Q WHERE (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE %s %s %s ORDER BY rowid)) IS NOT (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE %s %s %s ORDER BY rowid));',
              c || ' ' || op || ' ' || quote(val), c, op, quote(val), c, op, quote(val))
  FROM cols, ops, v;
.output stdout
.read query_checks.sql
-- IN lists, with NULLs and mixed classes.
SELECT 'IN mismatch ' || c FROM cols WHERE
  (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE i IN (1, '2', NULL, 'abc', x'00') ORDER BY rowid))
  IS NOT (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE i IN (1, '2', NULL, 'abc', x'00') ORDER BY rowid))
  AND c = 'i';
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE y IN ('ABC', 'abd') ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE y IN ('ABC', 'abd') ORDER BY rowid));
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE x IN (1, 2.5, 'abc') ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE x IN (1, 2.5, 'abc') ORDER BY rowid));
-- Ranges across classes, BETWEEN, a collation other than the column's.
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE a BETWEEN 1 AND 'abc' ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE a BETWEEN 1 AND 'abc' ORDER BY rowid));
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE y = 'abc' COLLATE BINARY ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE y = 'abc' COLLATE BINARY ORDER BY rowid));
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE x > 'ABC' COLLATE NOCASE ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE x > 'ABC' COLLATE NOCASE ORDER BY rowid));
SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM t WHERE i = 1 AND a > 0 ORDER BY rowid))
    IS (SELECT group_concat(rowid) FROM (SELECT rowid FROM n WHERE i = 1 AND a > 0 ORDER BY rowid));
-- ORDER BY on every column gives the same sequence as natively (ties by rowid).
SELECT (SELECT group_concat(quote(r), ' ') FROM (SELECT r FROM t ORDER BY r))
    IS (SELECT group_concat(quote(r), ' ') FROM (SELECT r FROM n ORDER BY r));
SELECT (SELECT group_concat(quote(a), ' ') FROM (SELECT a FROM t ORDER BY a DESC))
    IS (SELECT group_concat(quote(a), ' ') FROM (SELECT a FROM n ORDER BY a DESC));
SELECT (SELECT group_concat(lower(quote(y)), ' ') FROM (SELECT y FROM t ORDER BY y))
    IS (SELECT group_concat(lower(quote(y)), ' ') FROM (SELECT y FROM n ORDER BY y));
-- Values come back exactly.
SELECT count(*) FROM (SELECT i, r, x, y, z, a FROM t EXCEPT SELECT i, r, x, y, z, a FROM n);
SELECT quote(a) FROM t WHERE a = 9007199254740993;
SELECT quote(r) FROM t WHERE r = -0.0 ORDER BY rowid;
-- Joins with a native table, both directions.
SELECT (SELECT count(*) FROM v JOIN t ON t.a = v.val) IS (SELECT count(*) FROM v JOIN n ON n.a = v.val);
SELECT (SELECT count(*) FROM t JOIN n ON t.i = n.i) IS (SELECT count(*) FROM n AS n1 JOIN n ON n1.i = n.i);
-- Aggregates, DISTINCT, GROUP BY, subqueries.
SELECT (SELECT group_concat(c) FROM (SELECT count(*) c FROM t GROUP BY y ORDER BY 1))
    IS (SELECT group_concat(c) FROM (SELECT count(*) c FROM n GROUP BY y ORDER BY 1));
SELECT (SELECT count(DISTINCT z) FROM t) IS (SELECT count(DISTINCT z) FROM n);
SELECT (SELECT max(i) FROM t WHERE i < 100) IS (SELECT max(i) FROM n WHERE i < 100);
-- Rowid ranges against large REAL values compare exactly (no rounding).
CREATE VIRTUAL TABLE rk USING lmdb(k INTEGER PRIMARY KEY, x);
CREATE TABLE nk(k INTEGER PRIMARY KEY, x);
INSERT INTO nk VALUES(-4611686018427387904, 1), (-4611686018427387903, 2), (9007199254740993, 3),
                     (9007199254740992, 4), (9223372036854775807, 5);
INSERT INTO rk SELECT * FROM nk;
SELECT (SELECT group_concat(k) FROM rk WHERE k > -4611686018427387904.0) IS (SELECT group_concat(k) FROM nk WHERE k > -4611686018427387904.0),
       (SELECT group_concat(k) FROM rk WHERE k >= 9007199254740993.0) IS (SELECT group_concat(k) FROM nk WHERE k >= 9007199254740993.0),
       (SELECT group_concat(k) FROM rk WHERE k < 9007199254740993.0) IS (SELECT group_concat(k) FROM nk WHERE k < 9007199254740993.0),
       (SELECT group_concat(k) FROM rk WHERE k <= -4611686018427387903.5) IS (SELECT group_concat(k) FROM nk WHERE k <= -4611686018427387903.5),
       (SELECT group_concat(k) FROM rk WHERE k > 9.3e18) IS (SELECT group_concat(k) FROM nk WHERE k > 9.3e18),
       (SELECT group_concat(k) FROM rk WHERE k >= 9223372036854775807.0) IS (SELECT group_concat(k) FROM nk WHERE k >= 9223372036854775807.0),
       (SELECT group_concat(k) FROM rk WHERE k IN (9007199254740992.0, 2.5, '-4611686018427387904')) IS (SELECT group_concat(k) FROM nk WHERE k IN (9007199254740992.0, 2.5, '-4611686018427387904'));
-- A TEXT column compared with a number from a column of another table (its
-- affinity decides) and an untyped one likewise: rows as natively.
CREATE TABLE nums(i INTEGER, r REAL, u);
INSERT INTO nums VALUES(12, 12.0, 12), (5, 5.5, '5');
SELECT (SELECT count(*) FROM nums JOIN t ON t.x > nums.i) IS (SELECT count(*) FROM nums JOIN n ON n.x > nums.i),
       (SELECT count(*) FROM nums JOIN t ON t.x = nums.u) IS (SELECT count(*) FROM nums JOIN n ON n.x = nums.u),
       (SELECT count(*) FROM nums JOIN t ON t.a = nums.i) IS (SELECT count(*) FROM nums JOIN n ON n.a = nums.i),
       (SELECT count(*) FROM nums JOIN t ON t.a < nums.r) IS (SELECT count(*) FROM nums JOIN n ON n.a < nums.r),
       (SELECT count(*) FROM nums JOIN t ON t.y <= nums.u) IS (SELECT count(*) FROM nums JOIN n ON n.y <= nums.u);
