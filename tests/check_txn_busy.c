/*
 * check_txn_busy.c -- SQLite's commit and the LMDB commit agree when
 * SQLite's side is busy.
 *
 * In rollback-journal mode a connection that holds a read transaction
 * (a SHARED lock) makes another connection's commit fail with SQLITE_BUSY
 * once it has to write the database file.  lmdbvt commits LMDB in xSync,
 * before SQLite's own commit; these tests prove that a busy SQLite commit
 * never leaves the LMDB half committed:
 *   - CREATE VIRTUAL TABLE, DROP TABLE and ALTER TABLE RENAME fail with
 *     SQLITE_BUSY and change nothing in the environment; they work once
 *     the reader is gone;
 *   - a transaction over lmdb tables only, or over an lmdb table and a
 *     native table, whose COMMIT is busy keeps both halves open: ROLLBACK then undoes both, a retried
 *     COMMIT commits both;
 *   - in WAL mode the same transaction commits at once beside a reader.
 * The module is linked in and registered with sqlite3_auto_extension.
 */
#include "config.h"

#include "testutil.h"

#include <sqlite3.h>

int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static char *g_dir;
static char g_path[4096];

static int ext_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi)
{
  return sqlite3_lmdbvt_init(db, pzErr, pApi);
}

static void setup(void)
{
  sqlite3_auto_extension((void (*)(void))ext_init);
  g_dir = tu_tmpdir("busy");
  snprintf(g_path, sizeof g_path, "%s/t.db", g_dir);
}

static void teardown(void)
{
  tu_rmtree(g_dir);
  free(g_dir);
  g_dir = NULL;
  sqlite3_reset_auto_extension();
}

static sqlite3 *db_open(void)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open(g_path, &db), SQLITE_OK);
  return db;
}

/* Run SQL that must succeed. */
static void ok(sqlite3 *db, const char *zSql)
{
  char *zErr = NULL;
  int rc = sqlite3_exec(db, zSql, NULL, NULL, &zErr);
  ck_assert_msg(rc == SQLITE_OK, "%s: %d %s", zSql, rc, zErr ? zErr : "");
}

/* Run SQL that must fail with code rc; returns nothing. */
static void fails(sqlite3 *db, const char *zSql, int rcWant)
{
  char *zErr = NULL;
  int rc = sqlite3_exec(db, zSql, NULL, NULL, &zErr);
  ck_assert_msg((rc & 0xff) == rcWant, "%s: want %d, got %d %s", zSql, rcWant, rc,
                zErr ? zErr : "");
  sqlite3_free(zErr);
}

/* The single integer a query returns. */
static sqlite3_int64 one(sqlite3 *db, const char *zSql)
{
  sqlite3_stmt *pStmt = NULL;
  sqlite3_int64 v;
  ck_assert_msg(sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL) == SQLITE_OK, "%s: %s", zSql,
                sqlite3_errmsg(db));
  ck_assert_msg(sqlite3_step(pStmt) == SQLITE_ROW, "%s: %s", zSql, sqlite3_errmsg(db));
  v = sqlite3_column_int64(pStmt, 0);
  sqlite3_finalize(pStmt);
  return v;
}

/* The number of tables in the environment (lmdb_stat() lists them). */
static sqlite3_int64 env_tables(sqlite3 *db)
{
  return one(db, "SELECT count(*) FROM lmdb_stat() WHERE kind = 'table'");
}

/* A reader: BEGIN and a read, so that it holds a SHARED lock. */
static sqlite3 *reader(void)
{
  sqlite3 *r = db_open();
  ok(r, "BEGIN; SELECT count(*) FROM sqlite_schema;");
  return r;
}

START_TEST(test_create_busy)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE t0 USING lmdb(id INTEGER PRIMARY KEY, v)");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  fails(a, "CREATE VIRTUAL TABLE t1 USING lmdb(id INTEGER PRIMARY KEY, v)", SQLITE_BUSY);
  ck_assert_int_eq(env_tables(a), 1);          /* no orphan t1 in LMDB */
  ok(b, "COMMIT");
  ok(a, "CREATE VIRTUAL TABLE t1 USING lmdb(id INTEGER PRIMARY KEY, v)");
  ok(a, "INSERT INTO t1 VALUES (1, 'x')");
  ck_assert_int_eq(one(a, "SELECT count(*) FROM t1"), 1);
  ck_assert_int_eq(env_tables(a), 2);
  sqlite3_close(b);
  sqlite3_close(a);
}
END_TEST

START_TEST(test_drop_busy)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE t0 USING lmdb(id INTEGER PRIMARY KEY, v);"
        "INSERT INTO t0 VALUES (1, 'one'), (2, 'two');");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  fails(a, "DROP TABLE t0", SQLITE_BUSY);
  ck_assert_int_eq(one(a, "SELECT count(*) FROM t0"), 2);   /* rows kept */
  ck_assert_int_eq(one(b, "SELECT count(*) FROM t0"), 2);
  ok(b, "COMMIT");
  ok(a, "DROP TABLE t0");
  ck_assert_int_eq(env_tables(a), 0);
  sqlite3_close(b);
  sqlite3_close(a);
}
END_TEST

START_TEST(test_rename_busy)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE t0 USING lmdb(id INTEGER PRIMARY KEY, v);"
        "INSERT INTO t0 VALUES (1, 'one');");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  fails(a, "ALTER TABLE t0 RENAME TO r0", SQLITE_BUSY);
  ck_assert_int_eq(one(a, "SELECT count(*) FROM t0"), 1);
  ok(b, "COMMIT");
  sqlite3_close(b);
  ok(a, "ALTER TABLE t0 RENAME TO r0");
  ck_assert_int_eq(one(a, "SELECT count(*) FROM r0"), 1);
  sqlite3_close(a);
  a = db_open();                                /* the new name survives */
  ck_assert_int_eq(one(a, "SELECT count(*) FROM r0"), 1);
  sqlite3_close(a);
}
END_TEST

/* A transaction over an lmdb table and a native one: COMMIT busy, then
 * ROLLBACK (bRetry 0) or COMMIT again once the reader is gone (1). */
static void mixed(int bRetry)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE l USING lmdb(id INTEGER PRIMARY KEY, v);"
        "CREATE TABLE n(id INTEGER PRIMARY KEY, v);");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  ok(a, "BEGIN; INSERT INTO l VALUES (1, 'a'); INSERT INTO n VALUES (1, 'a');");
  fails(a, "COMMIT", SQLITE_BUSY);
  ck_assert_int_eq(sqlite3_get_autocommit(a), 0);           /* still open */
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);    /* nothing leaked */
  ok(b, "COMMIT");
  if (bRetry) {
    ok(a, "COMMIT");
    ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 1);
    ck_assert_int_eq(one(b, "SELECT count(*) FROM n"), 1);
  } else {
    ok(a, "ROLLBACK");
    ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);
    ck_assert_int_eq(one(b, "SELECT count(*) FROM n"), 0);
  }
  /* the environment's writer slot is free again */
  ok(b, "INSERT INTO l VALUES (2, 'b')");
  sqlite3_close(b);
  sqlite3_close(a);
}

START_TEST(test_mixed_busy_rollback) { mixed(0); }
END_TEST

START_TEST(test_mixed_busy_retry) { mixed(1); }
END_TEST

/* A transaction over lmdb tables only: SQLite's commit still takes its
 * EXCLUSIVE lock in rollback-journal mode, so it may be busy too; the
 * COMMIT must then report busy with nothing committed. */
START_TEST(test_lmdb_only_busy)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE l USING lmdb(id INTEGER PRIMARY KEY, v)");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  ok(a, "BEGIN; INSERT INTO l VALUES (1, 'a');");
  fails(a, "COMMIT", SQLITE_BUSY);
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);
  ok(a, "ROLLBACK");
  ok(b, "COMMIT");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);
  b = (sqlite3_close(b), reader());
  fails(a, "INSERT INTO l VALUES (2, 'b')", SQLITE_BUSY);   /* autocommit */
  ok(b, "COMMIT");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);
  ok(a, "INSERT INTO l VALUES (2, 'b')");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 1);
  sqlite3_close(b);
  sqlite3_close(a);
}
END_TEST

/* An autocommit statement that writes both (a native trigger writing the
 * lmdb table): busy at commit rolls both back. */
START_TEST(test_mixed_autocommit_busy)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "CREATE VIRTUAL TABLE l USING lmdb(id INTEGER PRIMARY KEY, v);"
        "CREATE TABLE n(id INTEGER PRIMARY KEY, v);"
        "CREATE TRIGGER n_ai AFTER INSERT ON n BEGIN INSERT INTO l VALUES (new.id, new.v); END;");
  b = reader();
  ok(a, "PRAGMA busy_timeout = 50");
  fails(a, "INSERT INTO n VALUES (1, 'a')", SQLITE_BUSY);
  ck_assert_int_eq(sqlite3_get_autocommit(a), 1);
  ok(b, "COMMIT");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 0);
  ck_assert_int_eq(one(b, "SELECT count(*) FROM n"), 0);
  ok(a, "INSERT INTO n VALUES (1, 'a')");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 1);
  ck_assert_int_eq(one(b, "SELECT count(*) FROM n"), 1);
  sqlite3_close(b);
  sqlite3_close(a);
}
END_TEST

/* WAL: a reader does not make the commit busy; DDL works beside it. */
START_TEST(test_wal_beside_reader)
{
  sqlite3 *a = db_open(), *b;
  ok(a, "PRAGMA journal_mode = wal;"
        "CREATE VIRTUAL TABLE l USING lmdb(id INTEGER PRIMARY KEY, v);"
        "CREATE TABLE n(id INTEGER PRIMARY KEY, v);");
  b = reader();
  ok(a, "BEGIN; INSERT INTO l VALUES (1, 'a'); INSERT INTO n VALUES (1, 'a'); COMMIT;");
  ok(a, "CREATE VIRTUAL TABLE t2 USING lmdb(x)");
  ok(a, "ALTER TABLE t2 RENAME TO t3");
  ok(a, "DROP TABLE t3");
  ok(b, "COMMIT");
  ck_assert_int_eq(one(b, "SELECT count(*) FROM l"), 1);
  ck_assert_int_eq(one(b, "SELECT count(*) FROM n"), 1);
  ck_assert_int_eq(env_tables(b), 1);
  sqlite3_close(b);
  sqlite3_close(a);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("txn_busy");
  TCase *tc = tcase_create("busy");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_create_busy);
  tcase_add_test(tc, test_drop_busy);
  tcase_add_test(tc, test_rename_busy);
  tcase_add_test(tc, test_mixed_busy_rollback);
  tcase_add_test(tc, test_mixed_busy_retry);
  tcase_add_test(tc, test_lmdb_only_busy);
  tcase_add_test(tc, test_mixed_autocommit_busy);
  tcase_add_test(tc, test_wal_beside_reader);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run(suite());
}
