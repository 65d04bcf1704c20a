-- compare.sql -- native SQLite table against the lmdb virtual table, side by
-- side in the sqlite3 shell with .timer on: bulk load, point lookups,
-- secondary (unique email) lookups, IN lists, key ranges, index ranges, a
-- full scan, updates and deletes.  Each step runs the same statement on the
-- native table `nat` and then on the lmdb table `lm`; compare the "Run Time"
-- lines (real = wall clock).
--
-- Run it in an empty directory (it creates bench.db, bench.db-wal and the
-- lmdb environment bench.db-lmdb), from the top of a built tree:
--
--   d=$(mktemp -d) && sqlite3 $d/bench.db '.load ext/.libs/lmdbvt' \
--     '.read bench/compare.sql'; rm -rf "$d"
--
-- Durability is the same on both sides: the native table in WAL mode with
-- synchronous=FULL, the lmdb table with its default sync=full.  The number
-- of rows is set in the `cfg` table just below (default 100000).
.bail on
.headers off
.mode list
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TEMP TABLE cfg AS SELECT 100000 AS n, 20000 AS lookups, 1000 AS ranges;

.print '== setup (not timed): source rows and random keys in temp tables'
CREATE TEMP TABLE src AS
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
                          WHERE i < (SELECT n FROM cfg))
  SELECT i AS id,
         printf('%08x.%d@example.com', (i * 2654435761) % 4294967296, i % 7) AS email,
         'user ' || ((i * 40503) % 1000) AS name,
         18 + (i * 7919) % 63 AS age
  FROM c;
CREATE TEMP TABLE keys(b INTEGER, k INTEGER, email TEXT);
INSERT INTO keys
  SELECT (row_number() OVER () - 1) / 100, s.id, s.email
  FROM (SELECT 1 + abs(random()) % (SELECT n FROM cfg) AS k
        FROM src LIMIT (SELECT lookups FROM cfg)) r
  JOIN src s ON s.id = r.k;
CREATE INDEX keys_b ON keys(b);
CREATE TEMP TABLE rk AS
  SELECT 1 + abs(random()) % ((SELECT n FROM cfg) - 100) AS lo
  FROM src LIMIT (SELECT ranges FROM cfg);
CREATE TABLE nat(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                 name TEXT, age INTEGER);
CREATE INDEX nat_age ON nat(age);
CREATE VIRTUAL TABLE lm USING lmdb(id INTEGER PRIMARY KEY,
                                   email TEXT NOT NULL UNIQUE, name TEXT,
                                   age INTEGER, INDEX lm_age (age));
.timer on

.print
.print '== bulk load: INSERT ... SELECT of every row, one transaction'
.print '-- native'
INSERT INTO nat SELECT * FROM src;
.print '-- lmdb'
INSERT INTO lm SELECT * FROM src;

.print
.print '== point lookups by primary key (one per row of keys)'
.print '-- native'
SELECT count(*), sum(length(t.name) + t.age) FROM keys JOIN nat t ON t.id = keys.k;
.print '-- lmdb'
SELECT count(*), sum(length(t.name) + t.age) FROM keys JOIN lm t ON t.id = keys.k;

.print
.print '== lookups by the unique secondary key (email)'
.print '-- native'
SELECT count(*), sum(length(t.name) + t.age) FROM keys JOIN nat t ON t.email = keys.email;
.print '-- lmdb'
SELECT count(*), sum(length(t.name) + t.age) FROM keys JOIN lm t ON t.email = keys.email;

.print
.print '== get_many: id IN (100 keys), one statement per batch of keys'
.print '-- native'
SELECT count(*), sum((SELECT sum(length(name) + age) FROM nat
                      WHERE id IN (SELECT k FROM keys WHERE b = g.value)))
FROM generate_series(0, (SELECT max(b) FROM keys)) g;
.print '-- lmdb'
SELECT count(*), sum((SELECT sum(length(name) + age) FROM lm
                      WHERE id IN (SELECT k FROM keys WHERE b = g.value)))
FROM generate_series(0, (SELECT max(b) FROM keys)) g;

.print
.print '== get_many by the secondary key: email IN (100 emails), per batch'
.print '-- native'
SELECT count(*), sum((SELECT sum(length(name) + age) FROM nat
                      WHERE email IN (SELECT email FROM keys WHERE b = g.value)))
FROM generate_series(0, (SELECT max(b) FROM keys)) g;
.print '-- lmdb'
SELECT count(*), sum((SELECT sum(length(name) + age) FROM lm
                      WHERE email IN (SELECT email FROM keys WHERE b = g.value)))
FROM generate_series(0, (SELECT max(b) FROM keys)) g;

.print
.print '== key ranges: id BETWEEN lo AND lo + 99, one per row of rk'
.print '-- native'
SELECT count(*), sum(length(t.name) + t.age) FROM rk JOIN nat t
  ON t.id BETWEEN rk.lo AND rk.lo + 99;
.print '-- lmdb'
SELECT count(*), sum(length(t.name) + t.age) FROM rk JOIN lm t
  ON t.id BETWEEN rk.lo AND rk.lo + 99;

.print
.print '== index range: age BETWEEN 30 AND 34 through the age index'
.print '-- native'
SELECT count(*), sum(length(name) + age) FROM nat WHERE age BETWEEN 30 AND 34;
.print '-- lmdb'
SELECT count(*), sum(length(name) + age) FROM lm WHERE age BETWEEN 30 AND 34;

.print
.print '== index range with ORDER BY and LIMIT: first 100 rows with age >= 40'
.print '-- native'
SELECT count(*), sum(length(name) + age) FROM
  (SELECT name, age FROM nat WHERE age >= 40 ORDER BY age LIMIT 100);
.print '-- lmdb'
SELECT count(*), sum(length(name) + age) FROM
  (SELECT name, age FROM lm WHERE age >= 40 ORDER BY age LIMIT 100);

.print
.print '== full scan'
.print '-- native'
SELECT count(*), sum(length(name) + age) FROM nat;
.print '-- lmdb'
SELECT count(*), sum(length(name) + age) FROM lm;

.print
.print '== update by key: SET age, name for the keys (one transaction)'
.print '-- native'
UPDATE nat SET age = age + 1, name = name || '.' WHERE id IN (SELECT k FROM keys);
.print '-- lmdb'
UPDATE lm SET age = age + 1, name = name || '.' WHERE id IN (SELECT k FROM keys);

.print
.print '== delete by key: the keys (one transaction)'
.print '-- native'
DELETE FROM nat WHERE id IN (SELECT k FROM keys);
.print '-- lmdb'
DELETE FROM lm WHERE id IN (SELECT k FROM keys);

.print
.print '== both tables still hold the same rows (expect 0 differences)'
.timer off
SELECT count(*) FROM (SELECT * FROM nat EXCEPT SELECT * FROM lm);
SELECT count(*) FROM (SELECT * FROM lm EXCEPT SELECT * FROM nat);
