-- Query planning: EXPLAIN QUERY PLAN names the access path in words
-- (INDEX <n>:<path> (<terms>)), indexes serve =, IS, IS NULL, IN, ranges
-- and an equality prefix followed by a range; ORDER BY on the rowid or an
-- index needs no sort; LIMIT/OFFSET go to the scan when all else is
-- consumed.  Every plan is also run, so the rows show it is right.
.headers off
CREATE VIRTUAL TABLE users USING lmdb(
  id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT COLLATE NOCASE,
  age INTEGER, score REAL,
  INDEX users_age (age), INDEX users_name_age (name, age DESC), INDEX users_score (score DESC));
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 50)
INSERT INTO users SELECT i, 'u' || i || '@x', CASE i % 3 WHEN 0 THEN 'Ann' WHEN 1 THEN 'bob' ELSE 'CID' END,
                         CASE WHEN i % 10 = 0 THEN NULL ELSE 20 + i % 7 END, i / 4.0 FROM r;
.print -- rowid: lookup, IN list, range, order
EXPLAIN QUERY PLAN SELECT * FROM users WHERE id = 7;
SELECT id, email FROM users WHERE id = 7;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE rowid IN (3, 1, 99, 3);
SELECT id FROM users WHERE rowid IN (3, 1, 99, 3);
EXPLAIN QUERY PLAN SELECT * FROM users WHERE id BETWEEN 10 AND 12;
SELECT id FROM users WHERE id BETWEEN 10 AND 12;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE id > 47.5 ORDER BY id DESC;
SELECT id FROM users WHERE id > 47.5 ORDER BY id DESC;
.print -- secondary index: =, IS, IS NULL, IN, ranges
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age = 22;
SELECT id FROM users WHERE age = 22;
SELECT id FROM users WHERE age = '22';
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age IS NULL;
SELECT id FROM users WHERE age IS NULL;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age IN (21, 26);
SELECT id FROM users WHERE age IN (21, 26, NULL);
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age > 25;
SELECT id FROM users WHERE age > 25;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age < 21;
SELECT id FROM users WHERE age < 21;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age BETWEEN 21 AND 22;
SELECT count(*) FROM users WHERE age BETWEEN 21 AND 22;
.print -- unique lookup, equality prefix then range, DESC column
EXPLAIN QUERY PLAN SELECT * FROM users WHERE email = 'u5@x';
SELECT id FROM users WHERE email = 'u5@x';
EXPLAIN QUERY PLAN SELECT * FROM users WHERE name = 'ann' AND age > 23;
SELECT id, name, age FROM users WHERE name = 'ann' AND age > 23;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE name = 'ANN' AND age = 24;
SELECT id FROM users WHERE name = 'ANN' AND age = 24;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE score > 11 AND score <= 12;
SELECT id FROM users WHERE score > 11 AND score <= 12;
.print -- ORDER BY served by the scan: no TEMP B-TREE
EXPLAIN QUERY PLAN SELECT id FROM users ORDER BY id DESC;
EXPLAIN QUERY PLAN SELECT id, age FROM users WHERE age > 24 ORDER BY age;
SELECT id, age FROM users WHERE age > 24 ORDER BY age, id LIMIT 4;
EXPLAIN QUERY PLAN SELECT id, age FROM users WHERE age > 24 ORDER BY age DESC;
EXPLAIN QUERY PLAN SELECT name, age FROM users WHERE name = 'bob' ORDER BY age;
SELECT name, age FROM users WHERE name = 'bob' ORDER BY age LIMIT 3;
EXPLAIN QUERY PLAN SELECT score FROM users ORDER BY score;
SELECT score FROM users ORDER BY score LIMIT 3;
EXPLAIN QUERY PLAN SELECT age FROM users GROUP BY age;
SELECT age, count(*) FROM users GROUP BY age;
.print -- ORDER BY the scan cannot serve: SQLite sorts
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age IN (21, 22) ORDER BY age;
EXPLAIN QUERY PLAN SELECT * FROM users ORDER BY email DESC, id;
.print -- LIMIT and OFFSET: pushed down only when everything else is consumed,
.print -- and only by SQLite 3.46 or newer (older ones also offer them when a
.print -- WHERE term they do not pass remains; SQLite applies them then)
EXPLAIN QUERY PLAN SELECT id FROM users WHERE age > 20 ORDER BY age LIMIT 3 OFFSET 2;
SELECT id, age FROM users WHERE age > 20 ORDER BY age LIMIT 3 OFFSET 2;
EXPLAIN QUERY PLAN SELECT id FROM users LIMIT 2;
SELECT id FROM users LIMIT 2 OFFSET 48;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE score * 2 > 3 LIMIT 2;
SELECT id FROM users WHERE score * 2 > 3 LIMIT 2;
SELECT id FROM users WHERE age = id LIMIT 1;
SELECT count(*) FROM users AS u WHERE NOT EXISTS (SELECT 1 FROM users AS z WHERE z.age = z.id);
.print -- constraints the index cannot serve: full scan, SQLite filters
EXPLAIN QUERY PLAN SELECT * FROM users WHERE email = 'U5@X' COLLATE NOCASE;
SELECT id FROM users WHERE email = 'U5@X' COLLATE NOCASE;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE age != 22;
EXPLAIN QUERY PLAN SELECT * FROM users WHERE score + 0 = 1;
.print -- joins use the index of the inner table
CREATE TABLE wanted(age INTEGER);
INSERT INTO wanted VALUES(21), (26);
EXPLAIN QUERY PLAN SELECT u.id FROM wanted w JOIN users u ON u.age = w.age;
SELECT count(*) FROM wanted w JOIN users u ON u.age = w.age;
EXPLAIN QUERY PLAN SELECT u.id FROM wanted w, users u WHERE u.age > w.age AND w.age = 26;
