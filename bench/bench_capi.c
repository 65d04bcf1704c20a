/*
 * bench_capi.c -- the users table through the zero-copy C API (lmdbvt.h).
 *
 * Two implementations share this file:
 *  - capi: the loop forms, one call per row (lvt_insert, lvt_get,
 *    lvt_get_by_index, lvt_update, lvt_delete) and cursors for ranges and
 *    scans;
 *  - capi_bulk: the batch forms, for the operations that have one
 *    (lvt_put_many, lvt_get_many, lvt_get_many_by_index).
 * As on the raw LMDB side, reads use one read transaction per batch of work.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmdbvt.h"
#include "bench.h"

/* Column numbers of the users table. */
enum { C_ID, C_EMAIL, C_NAME, C_AGE, C_NCOL };

/* An open store. */
typedef struct capi_store {
  lvt_env *env;
  lvt_table *tbl;
  int ix_email, ix_age;
} capi_store;

/* Set *err from an lvt code and return -1. */
static int capi_fail(int rc, const char *what, char **err)
{
  const char *msg = lvt_errmsg();
  *err = bench_strf("%s: %s%s%s", what, lvt_strerror(rc), *msg ? ": " : "", msg);
  return -1;
}

/* Create the table in a new environment in dir and open it. */
static void *capi_open(const char *dir, const void *arg, char **err)
{
  static const lvt_column_def cols[C_NCOL] = {
    { .name = "id", .decltype = "INTEGER", .affinity = LVT_AFF_INTEGER },
    { .name = "email", .decltype = "TEXT", .affinity = LVT_AFF_TEXT, .notnull = 1 },
    { .name = "name", .decltype = "TEXT", .affinity = LVT_AFF_TEXT },
    { .name = "age", .decltype = "INTEGER", .affinity = LVT_AFF_INTEGER },
  };
  static const int email_col[] = { C_EMAIL }, age_col[] = { C_AGE };
  static const lvt_index_def idx[2] = {
    { .name = "users_email", .unique = 1, .ncol = 1, .cols = email_col },
    { .name = "users_age", .ncol = 1, .cols = age_col },
  };
  static const lvt_table_def def = {
    .name = "users", .ncol = C_NCOL, .cols = cols, .ipk = C_ID,
    .nidx = 2, .idx = idx,
  };
  lvt_env_opts opts = { .mapsize = BENCH_MAPSIZE, .sync = LVT_SYNC_FULL,
                        .flags = LVT_ENV_CREATE };
  capi_store *s = calloc(1, sizeof *s);
  lvt_txn *txn = NULL;
  int rc;

  (void)arg;
  if (!s) { *err = bench_strf("out of memory"); return NULL; }
  if ((rc = lvt_env_open(dir, &opts, &s->env)) != LVT_OK) {
    capi_fail(rc, "lvt_env_open", err);
    goto fail;
  }
  if ((rc = lvt_txn_begin(s->env, NULL, 0, -1, &txn)) != LVT_OK ||
      (rc = lvt_table_create(txn, &def)) != LVT_OK ||
      (rc = lvt_table_open(txn, "users", &s->tbl)) != LVT_OK) {
    capi_fail(rc, "create table users", err);
    lvt_txn_abort(txn);
    goto fail;
  }
  if ((rc = lvt_txn_commit(txn)) != LVT_OK) {
    capi_fail(rc, "commit", err);
    goto fail;
  }
  s->ix_email = lvt_table_index(s->tbl, "users_email");
  s->ix_age = lvt_table_index(s->tbl, "users_age");
  if (s->ix_email < 0 || s->ix_age < 0) {
    *err = bench_strf("indexes users_email/users_age not found after create");
    goto fail;
  }
  return s;
fail:
  lvt_table_close(s->tbl);
  lvt_env_close(s->env);
  free(s);
  return NULL;
}

/* Close the store. */
static void capi_close(void *h)
{
  capi_store *s = h;
  if (!s) return;
  lvt_table_close(s->tbl);
  lvt_env_close(s->env);
  free(s);
}

/* The values of a row, in column order. */
static void capi_vals(const bench_row *r, lvt_value v[C_NCOL])
{
  v[C_ID].type = LVT_INTEGER;
  v[C_ID].u.i = r->id;
  v[C_EMAIL].type = LVT_TEXT;
  v[C_EMAIL].u.s.p = r->email;
  v[C_EMAIL].u.s.n = r->nemail;
  v[C_NAME].type = LVT_TEXT;
  v[C_NAME].u.s.p = r->name;
  v[C_NAME].u.s.n = r->nname;
  v[C_AGE].type = LVT_INTEGER;
  v[C_AGE].u.i = r->age;
}

/* Consume a row view: name and age, read in O(1) each. */
static int capi_consume(const lvt_row *row, uint64_t *sink, char **err)
{
  lvt_value name, age;
  int rc;
  if ((rc = lvt_row_column(row, C_NAME, &name)) != LVT_OK ||
      (rc = lvt_row_column(row, C_AGE, &age)) != LVT_OK)
    return capi_fail(rc, "lvt_row_column", err);
  bench_consume(sink, name.type == LVT_TEXT ? name.u.s.p : NULL,
                name.type == LVT_TEXT ? name.u.s.n : 0,
                age.type == LVT_INTEGER ? age.u.i : 0);
  return 0;
}

/* Begin a transaction, read-only or not. */
static int capi_begin(capi_store *s, int rdonly, lvt_txn **txn, char **err)
{
  int rc = lvt_txn_begin(s->env, NULL, rdonly ? LVT_TXN_RDONLY : 0, -1, txn);
  return rc == LVT_OK ? 0 : capi_fail(rc, "lvt_txn_begin", err);
}

/* Commit a write transaction. */
static int capi_commit(lvt_txn *txn, char **err)
{
  int rc = lvt_txn_commit(txn);
  return rc == LVT_OK ? 0 : capi_fail(rc, "lvt_txn_commit", err);
}

/* Bulk load with lvt_insert per row, one transaction. */
static int capi_bulk_insert(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_value v[C_NCOL];
  int rc;

  (void)sink;
  if (capi_begin(s, 0, &txn, err)) return -1;
  for (size_t i = 0; i < w->n; i++) {
    capi_vals(&w->rows[i], v);
    if ((rc = lvt_insert(txn, s->tbl, v, NULL, LVT_CONFLICT_ABORT)) != LVT_OK) {
      lvt_txn_abort(txn);
      return capi_fail(rc, "lvt_insert", err);
    }
  }
  return capi_commit(txn, err);
}

/* Rows per lvt_put_many call: the value array is built a chunk at a time,
 * as a program streaming rows would. */
#define CAPI_CHUNK 1024

/* Bulk load with lvt_put_many, one transaction. */
static int capi_put_many(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_value *v = malloc(sizeof *v * C_NCOL * CAPI_CHUNK);
  int rc = LVT_OK;

  (void)sink;
  if (!v) { *err = bench_strf("out of memory"); return -1; }
  if (capi_begin(s, 0, &txn, err)) { free(v); return -1; }
  for (size_t i = 0; i < w->n && rc == LVT_OK; i += CAPI_CHUNK) {
    size_t n = w->n - i < CAPI_CHUNK ? w->n - i : CAPI_CHUNK;
    for (size_t j = 0; j < n; j++) capi_vals(&w->rows[i + j], v + j * C_NCOL);
    rc = lvt_put_many(txn, s->tbl, v, n, LVT_CONFLICT_ABORT, NULL);
  }
  free(v);
  if (rc != LVT_OK) {
    lvt_txn_abort(txn);
    return capi_fail(rc, "lvt_put_many", err);
  }
  return capi_commit(txn, err);
}

/* Insert each row in a transaction of its own. */
static int capi_insert_loop(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_value v[C_NCOL];
  int rc;

  (void)sink;
  for (size_t i = 0; i < w->n; i++) {
    lvt_txn *txn;
    if (capi_begin(s, 0, &txn, err)) return -1;
    capi_vals(&w->rows[i], v);
    if ((rc = lvt_insert(txn, s->tbl, v, NULL, LVT_CONFLICT_ABORT)) != LVT_OK) {
      lvt_txn_abort(txn);
      return capi_fail(rc, "lvt_insert", err);
    }
    if (capi_commit(txn, err)) return -1;
  }
  return 0;
}

/* lvt_get per key. */
static int capi_get(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_row row;
  int rc = 0;

  if (capi_begin(s, 1, &txn, err)) return -1;
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    int g = lvt_get(txn, s->tbl, w->keys[i], &row);
    if (g == LVT_OK) rc = capi_consume(&row, sink, err);
    else if (g != LVT_NOTFOUND) rc = capi_fail(g, "lvt_get", err);
  }
  lvt_txn_abort(txn);
  return rc;
}

/* lvt_get_many per batch. */
static int capi_get_many(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_row *rows = malloc(sizeof *rows * (w->batch ? w->batch : 1));
  int rc = 0;

  if (!rows) { *err = bench_strf("out of memory"); return -1; }
  if (capi_begin(s, 1, &txn, err)) { free(rows); return -1; }
  for (size_t i = 0; i + w->batch <= w->n && rc == 0; i += w->batch) {
    int g = lvt_get_many(txn, s->tbl, w->keys + i, w->batch, rows, NULL);
    if (g != LVT_OK) { rc = capi_fail(g, "lvt_get_many", err); break; }
    for (size_t j = 0; j < w->batch && rc == 0; j++)
      if (rows[j].rec) rc = capi_consume(&rows[j], sink, err);
  }
  lvt_txn_abort(txn);
  free(rows);
  return rc;
}

/* lvt_get_by_index on the email index per key. */
static int capi_get_sec(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_row row;
  lvt_value key;
  int rc = 0;

  if (capi_begin(s, 1, &txn, err)) return -1;
  key.type = LVT_TEXT;
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    int g;
    key.u.s.p = w->rows[i].email;
    key.u.s.n = w->rows[i].nemail;
    g = lvt_get_by_index(txn, s->tbl, s->ix_email, &key, 1, &row);
    if (g == LVT_OK) rc = capi_consume(&row, sink, err);
    else if (g != LVT_NOTFOUND) rc = capi_fail(g, "lvt_get_by_index", err);
  }
  lvt_txn_abort(txn);
  return rc;
}

/* lvt_get_many_by_index on the email index per batch. */
static int capi_get_many_sec(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  size_t nb = w->batch ? w->batch : 1;
  lvt_row *rows = malloc(sizeof *rows * nb);
  lvt_value *keys = malloc(sizeof *keys * nb);
  int rc = 0;

  if (!rows || !keys) {
    free(rows);
    free(keys);
    *err = bench_strf("out of memory");
    return -1;
  }
  if (capi_begin(s, 1, &txn, err)) { free(rows); free(keys); return -1; }
  for (size_t i = 0; i + w->batch <= w->n && rc == 0; i += w->batch) {
    int g;
    for (size_t j = 0; j < w->batch; j++) {
      keys[j].type = LVT_TEXT;
      keys[j].u.s.p = w->rows[i + j].email;
      keys[j].u.s.n = w->rows[i + j].nemail;
    }
    g = lvt_get_many_by_index(txn, s->tbl, s->ix_email, keys, 1, w->batch,
                              rows, NULL);
    if (g != LVT_OK) { rc = capi_fail(g, "lvt_get_many_by_index", err); break; }
    for (size_t j = 0; j < w->batch && rc == 0; j++)
      if (rows[j].rec) rc = capi_consume(&rows[j], sink, err);
  }
  lvt_txn_abort(txn);
  free(rows);
  free(keys);
  return rc;
}

/* Walk the cursor from its current entry for at most `limit` rows. */
static int capi_walk(lvt_cursor *cur, int rc, size_t limit, uint64_t *sink,
                     char **err)
{
  lvt_row row;
  for (size_t got = 0; rc == LVT_OK && got < limit; got++) {
    if ((rc = lvt_cursor_row(cur, &row)) != LVT_OK)
      return capi_fail(rc, "lvt_cursor_row", err);
    if (capi_consume(&row, sink, err)) return -1;
    rc = lvt_cursor_next(cur);
  }
  if (rc != LVT_OK && rc != LVT_NOTFOUND) return capi_fail(rc, "cursor", err);
  return 0;
}

/* One cursor, in one read transaction, over the table (index -1: ranges
 * of ids [k, k + width - 1]) or over the age index (the first `width` rows
 * with age >= a), re-positioned for each of the w->n ranges. */
static int capi_ranges(capi_store *s, int index, const bench_work *w,
                       uint64_t *sink, char **err)
{
  lvt_txn *txn;
  lvt_cursor *cur;
  int rc;

  if (capi_begin(s, 1, &txn, err)) return -1;
  if ((rc = lvt_cursor_open(txn, s->tbl, index, &cur)) != LVT_OK) {
    lvt_txn_abort(txn);
    return capi_fail(rc, "lvt_cursor_open", err);
  }
  rc = 0;
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    lvt_value lo, hi;
    lvt_bound blo = { &lo, 1, 1 }, bhi = { &hi, 1, 1 };
    lo.type = hi.type = LVT_INTEGER;
    if (index < 0) {
      lo.u.i = w->keys[i];
      hi.u.i = w->keys[i] + (int64_t)w->width - 1;
      rc = capi_walk(cur, lvt_cursor_range(cur, &blo, &bhi, 0), w->width,
                     sink, err);
    } else {
      lo.u.i = w->ages[i];
      rc = capi_walk(cur, lvt_cursor_range(cur, &blo, NULL, 0), w->width,
                     sink, err);
    }
  }
  lvt_cursor_close(cur);
  lvt_txn_abort(txn);
  return rc;
}

/* Key ranges with a table cursor. */
static int capi_key_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  return capi_ranges(h, -1, w, sink, err);
}

/* Age ranges with an index cursor. */
static int capi_index_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  return capi_ranges(s, s->ix_age, w, sink, err);
}

/* Every row, reps times, with a table cursor. */
static int capi_full_scan(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_cursor *cur;
  int rc;

  if (capi_begin(s, 1, &txn, err)) return -1;
  if ((rc = lvt_cursor_open(txn, s->tbl, -1, &cur)) != LVT_OK) {
    lvt_txn_abort(txn);
    return capi_fail(rc, "lvt_cursor_open", err);
  }
  rc = 0;
  for (size_t r = 0; r < w->reps && rc == 0; r++)
    rc = capi_walk(cur, lvt_cursor_range(cur, NULL, NULL, 0), SIZE_MAX, sink, err);
  lvt_cursor_close(cur);
  lvt_txn_abort(txn);
  return rc;
}

/* lvt_update per row (the whole row is given; only the age index moves). */
static int capi_update(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  lvt_value v[C_NCOL];
  int rc;

  (void)sink;
  if (capi_begin(s, 0, &txn, err)) return -1;
  for (size_t i = 0; i < w->n; i++) {
    capi_vals(&w->rows[i], v);
    rc = lvt_update(txn, s->tbl, w->rows[i].id, NULL, v, LVT_CONFLICT_ABORT);
    if (rc != LVT_OK) {
      lvt_txn_abort(txn);
      return capi_fail(rc, "lvt_update", err);
    }
  }
  return capi_commit(txn, err);
}

/* lvt_delete per key. */
static int capi_delete(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  capi_store *s = h;
  lvt_txn *txn;
  int rc;

  (void)sink;
  if (capi_begin(s, 0, &txn, err)) return -1;
  for (size_t i = 0; i < w->n; i++) {
    if ((rc = lvt_delete(txn, s->tbl, w->keys[i])) != LVT_OK) {
      lvt_txn_abort(txn);
      return capi_fail(rc, "lvt_delete", err);
    }
  }
  return capi_commit(txn, err);
}

const bench_impl bench_impl_capi = {
  .name = "capi",
  .what = "zero-copy C API, loop forms: lvt_insert, lvt_get, lvt_get_by_index, "
          "lvt_update, lvt_delete, cursors; one read transaction per batch",
  .open = capi_open,
  .close = capi_close,
  .op = {
    [OP_BULK_INSERT] = capi_bulk_insert,
    [OP_INSERT_LOOP] = capi_insert_loop,
    [OP_GET] = capi_get,
    [OP_GET_MANY] = capi_get,
    [OP_GET_SEC] = capi_get_sec,
    [OP_GET_MANY_SEC] = capi_get_sec,
    [OP_KEY_RANGE] = capi_key_range,
    [OP_INDEX_RANGE] = capi_index_range,
    [OP_FULL_SCAN] = capi_full_scan,
    [OP_UPDATE] = capi_update,
    [OP_DELETE] = capi_delete,
    [OP_RESTORE] = capi_put_many,
  },
};

const bench_impl bench_impl_capi_bulk = {
  .name = "capi_bulk",
  .what = "zero-copy C API, batch forms: lvt_put_many (chunks of 1024 rows, "
          "one transaction), lvt_get_many, lvt_get_many_by_index",
  .open = capi_open,
  .close = capi_close,
  .op = {
    [OP_BULK_INSERT] = capi_put_many,
    [OP_GET_MANY] = capi_get_many,
    [OP_GET_MANY_SEC] = capi_get_many_sec,
    [OP_RESTORE] = capi_put_many,
  },
};
