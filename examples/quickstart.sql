-- lmdbvt quickstart: run with `make demo`, or in the sqlite3 shell:
--   sqlite3 demo.db '.load ext/.libs/lmdbvt' '.read examples/quickstart.sql'
--
-- A table stored in LMDB (in the directory demo.db-lmdb next to demo.db),
-- used with plain SQL.
SELECT lmdb_version();

-- Columns as in CREATE TABLE; a UNIQUE column, a secondary index and a
-- composite one; the rowid is the INTEGER PRIMARY KEY.
CREATE VIRTUAL TABLE users USING lmdb(
  id     INTEGER PRIMARY KEY,
  email  TEXT NOT NULL UNIQUE,
  name   TEXT COLLATE NOCASE,
  age    INTEGER DEFAULT 0,
  score  REAL,
  INDEX users_age (age),
  INDEX users_name_age (name, age DESC)
);

-- A bulk load is one LMDB write transaction: BEGIN ... COMMIT around it
-- (or a single INSERT ... SELECT) makes one commit, whatever the row count.
.timer on
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO users(email, name, age, score)
  SELECT 'user' || i || '@example.com',
         char(65 + i % 26) || 'name' || (i % 1000),
         18 + i % 60,
         (i * 7919 % 10000) / 100.0
  FROM n;
COMMIT;
.timer off
SELECT count(*) AS users FROM users;

-- Lookups by secondary keys use the LMDB indexes: EXPLAIN QUERY PLAN names
-- the index and the terms it serves.
.headers on
EXPLAIN QUERY PLAN SELECT * FROM users WHERE email = 'user4242@example.com';
SELECT id, email, name, age FROM users WHERE email = 'user4242@example.com';

EXPLAIN QUERY PLAN SELECT count(*) FROM users WHERE age = 30;
SELECT count(*) AS age_30 FROM users WHERE age = 30;

EXPLAIN QUERY PLAN SELECT id, age FROM users WHERE age IN (20, 40) LIMIT 3;
SELECT id, age FROM users WHERE age IN (20, 40) LIMIT 3;

-- An equality prefix then a range, delivered in index order: no sort step.
EXPLAIN QUERY PLAN
  SELECT id, name, age FROM users WHERE name = 'zNAME995' AND age > 70 ORDER BY age DESC;
SELECT id, name, age FROM users WHERE name = 'zNAME995' AND age > 70 ORDER BY age DESC;

-- A range on the rowid, newest first: a reverse cursor walk, no sort step.
EXPLAIN QUERY PLAN SELECT id, email FROM users WHERE id > 99990 ORDER BY id DESC LIMIT 3;
SELECT id, email FROM users WHERE id > 99990 ORDER BY id DESC LIMIT 3;

-- Constraints behave as on a native table (a plain INSERT here would fail
-- with "UNIQUE constraint failed: users.email").
INSERT OR IGNORE INTO users(email) VALUES('user1@example.com');
SELECT changes() AS inserted;
INSERT OR REPLACE INTO users(id, email, name) VALUES(100001, 'user1@example.com', 'new');
SELECT id, email, name, age FROM users WHERE email = 'user1@example.com';
UPDATE users SET age = age + 1 WHERE id = 100001;
SELECT id, age FROM users WHERE id = 100001;
