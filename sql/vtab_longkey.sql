-- Lookups by values too long for any LMDB key (over 511 bytes encoded) on
-- indexed columns answer as a native table does: an equality finds no row
-- (no such value can be stored in the index), ranges and IN lists work
-- (the scan seeks by the bound's first 511 bytes).  Each line: lmdb, native.
.headers off
CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, b TEXT, c BLOB,
  INDEX t_b (b), INDEX t_cb (c DESC, b));
CREATE TABLE n(id INTEGER PRIMARY KEY, b TEXT, c BLOB);
CREATE INDEX n_b ON n(b);
CREATE INDEX n_cb ON n(c DESC, b);
INSERT INTO t VALUES (1, 'a', x'01'), (2, 'z', x'02'), (3, printf('%.490c', 'm'), x'03'),
  (4, printf('%.495c', 'm') || 'n', x'04'), (5, printf('%.495c', 'm'), x'05');
INSERT INTO n SELECT * FROM t;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE b > printf('%.600c', 'm');
SELECT 'eq', (SELECT count(*) FROM t WHERE b = printf('%.600c', 'x')),
             (SELECT count(*) FROM n WHERE b = printf('%.600c', 'x'));
SELECT 'gt', (SELECT group_concat(id) FROM t WHERE b > printf('%.600c', 'm')),
             (SELECT group_concat(id) FROM n WHERE b > printf('%.600c', 'm'));
SELECT 'lt', (SELECT group_concat(id) FROM (SELECT id FROM t WHERE b < printf('%.600c', 'm') ORDER BY b)),
             (SELECT group_concat(id) FROM (SELECT id FROM n WHERE b < printf('%.600c', 'm') ORDER BY b));
SELECT 'lt desc', (SELECT group_concat(id) FROM (SELECT id FROM t WHERE b < printf('%.600c', 'm') ORDER BY b DESC)),
                  (SELECT group_concat(id) FROM (SELECT id FROM n WHERE b < printf('%.600c', 'm') ORDER BY b DESC));
SELECT 'ge desc', (SELECT group_concat(id) FROM (SELECT id FROM t WHERE b >= printf('%.600c', 'm') ORDER BY b DESC)),
                  (SELECT group_concat(id) FROM (SELECT id FROM n WHERE b >= printf('%.600c', 'm') ORDER BY b DESC));
SELECT 'in', (SELECT group_concat(id) FROM t WHERE b IN ('a', printf('%.600c', 'm'))),
             (SELECT group_concat(id) FROM n WHERE b IN ('a', printf('%.600c', 'm')));
SELECT 'between', (SELECT group_concat(id) FROM t WHERE b BETWEEN printf('%.600c', 'a') AND printf('%.600c', 'n')),
                  (SELECT group_concat(id) FROM n WHERE b BETWEEN printf('%.600c', 'a') AND printf('%.600c', 'n'));
SELECT 'composite', (SELECT group_concat(id) FROM t WHERE c = x'03' AND b > printf('%.700c', 'a')),
                    (SELECT group_concat(id) FROM n WHERE c = x'03' AND b > printf('%.700c', 'a'));
SELECT 'blob', (SELECT group_concat(id) FROM t WHERE c < zeroblob(600)),
               (SELECT group_concat(id) FROM n WHERE c < zeroblob(600));
