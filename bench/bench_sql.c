/*
 * bench_sql.c -- the users table through SQL: over the lmdb virtual table,
 * and as a native SQLite table (WAL or rollback journal).
 *
 * The three share one implementation; only the schema and the pragmas
 * differ.  Every statement is prepared once when the store opens and then
 * bound, stepped and reset.  Reads run in autocommit (one statement, one
 * read transaction), as an application would issue them; the bulk load, the
 * updates and the deletes are one BEGIN ... COMMIT each; the insert loop is
 * one autocommit INSERT per row.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Kinds of SQL store. */
enum sql_kind { SQL_LMDB, SQL_NATIVE_WAL, SQL_NATIVE_JOURNAL };

/* Statements, prepared once. */
enum {
  ST_INSERT, ST_GET, ST_GET_SEC, ST_KEY_RANGE, ST_INDEX_RANGE, ST_SCAN,
  ST_UPDATE, ST_DELETE, ST_BEGIN, ST_COMMIT, ST_COUNT
};

static const char *const sql_text[ST_COUNT] = {
  [ST_INSERT] = "INSERT INTO users(id, email, name, age) VALUES (?1, ?2, ?3, ?4)",
  [ST_GET] = "SELECT name, age FROM users WHERE id = ?1",
  [ST_GET_SEC] = "SELECT name, age FROM users WHERE email = ?1",
  [ST_KEY_RANGE] = "SELECT name, age FROM users WHERE id BETWEEN ?1 AND ?2",
  [ST_INDEX_RANGE] = "SELECT name, age FROM users WHERE age >= ?1 "
                     "ORDER BY age LIMIT ?2",
  [ST_SCAN] = "SELECT name, age FROM users",
  [ST_UPDATE] = "UPDATE users SET name = ?2, age = ?3 WHERE id = ?1",
  [ST_DELETE] = "DELETE FROM users WHERE id = ?1",
  [ST_BEGIN] = "BEGIN",
  [ST_COMMIT] = "COMMIT",
};

/* An open store. */
typedef struct sql_store {
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  sqlite3_stmt *in_id, *in_email;   /* IN (...) of `nin` parameters */
  size_t nin;
} sql_store;

/* Set *err from the connection's message and return -1. */
static int sql_fail(sql_store *s, const char *what, char **err)
{
  *err = bench_strf("%s: %s", what, sqlite3_errmsg(s->db));
  return -1;
}

/* Run a statement text that returns no rows. */
static int sql_exec(sql_store *s, const char *sql, char **err)
{
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    *err = bench_strf("%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

/* Create the schema and the pragmas of the kind. */
static int sql_schema(sql_store *s, int kind, char **err)
{
  static const char native[] =
    "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
    " name TEXT, age INTEGER);"
    "CREATE INDEX users_age ON users(age);";
  char lmdb[512];
  const char *pragmas;

  switch (kind) {
  case SQL_NATIVE_WAL:
    if (sql_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err))
      return -1;
    return sql_exec(s, native, err);
  case SQL_NATIVE_JOURNAL:
    if (sql_exec(s, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;", err))
      return -1;
    return sql_exec(s, native, err);
  default:
    /* The database holding the virtual table's schema gets the pragmas of
     * native_wal: every statement still opens a read transaction on it
     * (SQLite checks the schema cookie), so its file locking costs the same
     * on both sides.  BENCH_LMDB_PRAGMAS overrides them. */
    pragmas = getenv("BENCH_LMDB_PRAGMAS");
    if (sql_exec(s, pragmas ? pragmas : "PRAGMA journal_mode=WAL; "
                 "PRAGMA synchronous=FULL;", err))
      return -1;
    if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, NULL)
        != SQLITE_OK)
      return sql_fail(s, "enable load_extension", err);
    {
      char *msg = NULL;
      if (sqlite3_load_extension(s->db, bench_ext_path, NULL, &msg) != SQLITE_OK) {
        *err = bench_strf("load %s: %s", bench_ext_path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
      }
    }
    snprintf(lmdb, sizeof lmdb,
             "CREATE VIRTUAL TABLE users USING lmdb(id INTEGER PRIMARY KEY,"
             " email TEXT NOT NULL UNIQUE, name TEXT, age INTEGER,"
             " INDEX users_age (age), mapsize = '%zuMB')",
             BENCH_MAPSIZE >> 20);
    return sql_exec(s, lmdb, err);
  }
}

/* Open an empty store in dir: database dir/bench.db (the lmdb table's
 * environment is then dir/bench.db-lmdb). */
static void *sql_open(const char *dir, const void *arg, char **err)
{
  int kind = *(const int *)arg;
  sql_store *s = calloc(1, sizeof *s);
  char *path = bench_strf("%s/bench.db", dir);

  if (!s) { *err = bench_strf("out of memory"); free(path); return NULL; }
  if (sqlite3_open(path, &s->db) != SQLITE_OK) {
    sql_fail(s, path, err);
    goto fail;
  }
  if (sql_schema(s, kind, err)) goto fail;
  for (int i = 0; i < ST_COUNT; i++) {
    if (sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
                           &s->st[i], NULL) != SQLITE_OK) {
      sql_fail(s, sql_text[i], err);
      goto fail;
    }
  }
  free(path);
  return s;
fail:
  free(path);
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
  sqlite3_close(s->db);
  free(s);
  return NULL;
}

/* Close the store. */
static void sql_close(void *h)
{
  sql_store *s = h;
  if (!s) return;
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
  sqlite3_finalize(s->in_id);
  sqlite3_finalize(s->in_email);
  sqlite3_close(s->db);
  free(s);
}

/* Step a statement that returns no rows, then reset it. */
static int sql_step_done(sql_store *s, sqlite3_stmt *st, char **err)
{
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return sql_fail(s, sqlite3_sql(st), err);
  return 0;
}

/* Step a query to its end, consuming (name, age) of every row; reset it. */
static int sql_consume(sql_store *s, sqlite3_stmt *st, uint64_t *sink, char **err)
{
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const unsigned char *name = sqlite3_column_text(st, 0);
    bench_consume(sink, name, (size_t)sqlite3_column_bytes(st, 0),
                  sqlite3_column_int64(st, 1));
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return sql_fail(s, sqlite3_sql(st), err);
  return 0;
}

/* End the transaction an operation began: COMMIT after success (rc == 0),
 * else ROLLBACK (its own failure is ignored: *err already says why).
 * Returns 0 or -1. */
static int sql_end(sql_store *s, int rc, char **err)
{
  if (rc == 0) return sql_step_done(s, s->st[ST_COMMIT], err);
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* Bind a row to the INSERT and step it. */
static int sql_insert_row(sql_store *s, const bench_row *r, char **err)
{
  sqlite3_stmt *st = s->st[ST_INSERT];
  sqlite3_bind_int64(st, 1, r->id);
  sqlite3_bind_text(st, 2, r->email, (int)r->nemail, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, r->name, (int)r->nname, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, r->age);
  return sql_step_done(s, st, err);
}

/* Insert every row in one transaction (bulk load and restore). */
static int sql_bulk_insert(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  (void)sink;
  int rc = 0;
  if (sql_step_done(s, s->st[ST_BEGIN], err)) return -1;
  for (size_t i = 0; i < w->n && rc == 0; i++)
    rc = sql_insert_row(s, &w->rows[i], err);
  return sql_end(s, rc, err);
}

/* Insert each row in autocommit. */
static int sql_insert_loop(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  (void)sink;
  for (size_t i = 0; i < w->n; i++)
    if (sql_insert_row(s, &w->rows[i], err)) return -1;
  return 0;
}

/* SELECT ... WHERE id = ?, one statement per key. */
static int sql_get(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_GET];
  for (size_t i = 0; i < w->n; i++) {
    sqlite3_bind_int64(st, 1, w->keys[i]);
    if (sql_consume(s, st, sink, err)) return -1;
  }
  return 0;
}

/* SELECT ... WHERE email = ?, one statement per key. */
static int sql_get_sec(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_GET_SEC];
  for (size_t i = 0; i < w->n; i++) {
    sqlite3_bind_text(st, 1, w->rows[i].email, (int)w->rows[i].nemail,
                      SQLITE_STATIC);
    if (sql_consume(s, st, sink, err)) return -1;
  }
  return 0;
}

/* Make sure the IN (...) statements have `n` parameters. */
static int sql_prepare_in(sql_store *s, size_t n, char **err)
{
  static const char *const head[2] = {
    "SELECT name, age FROM users WHERE id IN (",
    "SELECT name, age FROM users WHERE email IN (",
  };
  sqlite3_stmt **out[2] = { &s->in_id, &s->in_email };

  if (s->nin == n && s->in_id) return 0;
  sqlite3_finalize(s->in_id);
  sqlite3_finalize(s->in_email);
  s->in_id = s->in_email = NULL;
  for (int k = 0; k < 2; k++) {
    size_t cap = strlen(head[k]) + 2 * n + 4, len;
    char *sql = malloc(cap);
    if (!sql) { *err = bench_strf("out of memory"); return -1; }
    len = (size_t)snprintf(sql, cap, "%s", head[k]);
    for (size_t i = 0; i < n; i++) {
      sql[len++] = i ? ',' : '?';
      if (i) sql[len++] = '?';
    }
    sql[len++] = ')';
    sql[len] = 0;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out[k],
                           NULL) != SQLITE_OK) {
      sql_fail(s, sql, err);
      free(sql);
      return -1;
    }
    free(sql);
  }
  s->nin = n;
  return 0;
}

/* SELECT ... WHERE id IN (batch keys). */
static int sql_get_many(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  if (sql_prepare_in(s, w->batch, err)) return -1;
  for (size_t i = 0; i + w->batch <= w->n; i += w->batch) {
    for (size_t j = 0; j < w->batch; j++)
      sqlite3_bind_int64(s->in_id, (int)j + 1, w->keys[i + j]);
    if (sql_consume(s, s->in_id, sink, err)) return -1;
  }
  return 0;
}

/* SELECT ... WHERE email IN (batch emails). */
static int sql_get_many_sec(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  if (sql_prepare_in(s, w->batch, err)) return -1;
  for (size_t i = 0; i + w->batch <= w->n; i += w->batch) {
    for (size_t j = 0; j < w->batch; j++)
      sqlite3_bind_text(s->in_email, (int)j + 1, w->rows[i + j].email,
                        (int)w->rows[i + j].nemail, SQLITE_STATIC);
    if (sql_consume(s, s->in_email, sink, err)) return -1;
  }
  return 0;
}

/* SELECT ... WHERE id BETWEEN k AND k + width - 1. */
static int sql_key_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_KEY_RANGE];
  for (size_t i = 0; i < w->n; i++) {
    sqlite3_bind_int64(st, 1, w->keys[i]);
    sqlite3_bind_int64(st, 2, w->keys[i] + (int64_t)w->width - 1);
    if (sql_consume(s, st, sink, err)) return -1;
  }
  return 0;
}

/* SELECT ... WHERE age >= a ORDER BY age LIMIT width. */
static int sql_index_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_INDEX_RANGE];
  for (size_t i = 0; i < w->n; i++) {
    sqlite3_bind_int64(st, 1, w->ages[i]);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)w->width);
    if (sql_consume(s, st, sink, err)) return -1;
  }
  return 0;
}

/* SELECT name, age FROM users, reps times. */
static int sql_full_scan(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  for (size_t r = 0; r < w->reps; r++)
    if (sql_consume(s, s->st[ST_SCAN], sink, err)) return -1;
  return 0;
}

/* UPDATE ... SET name, age WHERE id, in one transaction. */
static int sql_update(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_UPDATE];
  int rc = 0;
  (void)sink;
  if (sql_step_done(s, s->st[ST_BEGIN], err)) return -1;
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    sqlite3_bind_int64(st, 1, w->rows[i].id);
    sqlite3_bind_text(st, 2, w->rows[i].name, (int)w->rows[i].nname,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->rows[i].age);
    rc = sql_step_done(s, st, err);
  }
  return sql_end(s, rc, err);
}

/* DELETE ... WHERE id, in one transaction. */
static int sql_delete(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  sql_store *s = h;
  sqlite3_stmt *st = s->st[ST_DELETE];
  int rc = 0;
  (void)sink;
  if (sql_step_done(s, s->st[ST_BEGIN], err)) return -1;
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    sqlite3_bind_int64(st, 1, w->keys[i]);
    rc = sql_step_done(s, st, err);
  }
  return sql_end(s, rc, err);
}

/* Append the EXPLAIN QUERY PLAN of sql to *out (a malloc'ed string). */
static void sql_plan(sql_store *s, const char *sql, char **out)
{
  sqlite3_stmt *st;
  char *eqp = bench_strf("EXPLAIN QUERY PLAN %s", sql), *plan = strdup("");
  if (sqlite3_prepare_v2(s->db, eqp, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      char *p = bench_strf("%s%s%s", plan, *plan ? "; " : "",
                           (const char *)sqlite3_column_text(st, 3));
      free(plan);
      plan = p;
    }
    sqlite3_finalize(st);
  } else {
    free(plan);
    plan = bench_strf("(%s)", sqlite3_errmsg(s->db));
  }
  {
    char *o = bench_strf("%s- `%s`: %s\n", *out, sql, plan);
    free(*out);
    *out = o;
  }
  free(plan);
  free(eqp);
}

/* The query plans of the store's read statements, as Markdown list items
 * (malloc'ed). */
char *bench_sql_explain(void *h)
{
  static const int reads[] = { ST_GET, ST_GET_SEC, ST_KEY_RANGE, ST_INDEX_RANGE,
                               ST_SCAN, ST_UPDATE, ST_DELETE };
  sql_store *s = h;
  char *out = strdup("");
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
    sql_plan(s, sql_text[reads[i]], &out);
  sql_plan(s, "SELECT name, age FROM users WHERE id IN (?1, ?2, ?3)", &out);
  sql_plan(s, "SELECT name, age FROM users WHERE email IN (?1, ?2, ?3)", &out);
  return out;
}

/* The read operations again, inside one BEGIN ... COMMIT: one read
 * transaction for the whole batch, as the C sides have, instead of one per
 * statement. */
#define SQL_IN_TXN(op)                                                        \
  static int op##_txn(void *h, const bench_work *w, uint64_t *sink, char **err) \
  {                                                                           \
    sql_store *s = h;                                                         \
    if (sql_step_done(s, s->st[ST_BEGIN], err)) return -1;                    \
    return sql_end(s, op(h, w, sink, err), err);                              \
  }
SQL_IN_TXN(sql_get)
SQL_IN_TXN(sql_get_many)
SQL_IN_TXN(sql_get_sec)
SQL_IN_TXN(sql_get_many_sec)
SQL_IN_TXN(sql_key_range)
SQL_IN_TXN(sql_index_range)
SQL_IN_TXN(sql_full_scan)

#define SQL_TXN_OPS                             \
  .op = {                                       \
    [OP_GET] = sql_get_txn,                     \
    [OP_GET_MANY] = sql_get_many_txn,           \
    [OP_GET_SEC] = sql_get_sec_txn,             \
    [OP_GET_MANY_SEC] = sql_get_many_sec_txn,   \
    [OP_KEY_RANGE] = sql_key_range_txn,         \
    [OP_INDEX_RANGE] = sql_index_range_txn,     \
    [OP_FULL_SCAN] = sql_full_scan_txn,         \
  }

static const int kind_lmdb = SQL_LMDB;
static const int kind_wal = SQL_NATIVE_WAL;
static const int kind_journal = SQL_NATIVE_JOURNAL;

#define SQL_OPS                                 \
  .open = sql_open,                             \
  .close = sql_close,                           \
  .op = {                                       \
    [OP_BULK_INSERT] = sql_bulk_insert,         \
    [OP_INSERT_LOOP] = sql_insert_loop,         \
    [OP_GET] = sql_get,                         \
    [OP_GET_MANY] = sql_get_many,               \
    [OP_GET_SEC] = sql_get_sec,                 \
    [OP_GET_MANY_SEC] = sql_get_many_sec,       \
    [OP_KEY_RANGE] = sql_key_range,             \
    [OP_INDEX_RANGE] = sql_index_range,         \
    [OP_FULL_SCAN] = sql_full_scan,             \
    [OP_UPDATE] = sql_update,                   \
    [OP_DELETE] = sql_delete,                   \
    [OP_RESTORE] = sql_bulk_insert,             \
  }

const bench_impl bench_impl_sql_lmdb = {
  .name = "sql_lmdb",
  .what = "SQL over the lmdb virtual table (default sync=full; the database "
          "holding its schema in WAL, synchronous=FULL as native_wal), prepared "
          "statements; reads in autocommit, bulk/update/delete in one "
          "transaction, insert loop in autocommit",
  .arg = &kind_lmdb,
  SQL_OPS,
};

const bench_impl bench_impl_sql_lmdb_txn = {
  .name = "sql_lmdb_txn",
  .what = "sql_lmdb's store and statements, reads of a batch inside one "
          "BEGIN ... COMMIT",
  .share = "sql_lmdb",
  SQL_TXN_OPS,
};

const bench_impl bench_impl_native_wal_txn = {
  .name = "native_wal_txn",
  .what = "native_wal's store and statements, reads of a batch inside one "
          "BEGIN ... COMMIT",
  .share = "native_wal",
  SQL_TXN_OPS,
};

const bench_impl bench_impl_native_wal = {
  .name = "native_wal",
  .what = "native SQLite table, same indexes, journal_mode=WAL, "
          "synchronous=FULL; same statements",
  .arg = &kind_wal,
  SQL_OPS,
};

const bench_impl bench_impl_native_journal = {
  .name = "native_journal",
  .what = "native SQLite table, same indexes, default rollback journal "
          "(DELETE), synchronous=FULL; same statements",
  .arg = &kind_journal,
  SQL_OPS,
};
