/*
 * check_table.c -- Check suite for row operations and index maintenance
 * (ext/table.c).
 *
 * Cases: insert/get/update/delete; affinity and STRICT refusals with
 * SQLite's exact wording; NOT NULL; UNIQUE (NULLs never conflict, composite
 * keys, NOCASE); rowid conflicts; REPLACE deleting several rows; IGNORE;
 * oversized index entries and NaN; rowid allocation (max + 1, exhaustion,
 * non-integer rowids); put_many on the append path and out of order;
 * get_many and lookups by index; building and dropping indexes (a unique
 * build that fails keeps nothing and leaves the transaction usable); a
 * second handle, as another connection would hold, picking up an index
 * made through the first and maintaining it.
 *
 * The model test runs thousands of random inserts, put_manys, updates and
 * deletes in every conflict mode against a table with a NOCASE unique
 * column, a composite index with a DESC column and a composite unique
 * index, commits or aborts now and then, and after every step compares the
 * table with an in-memory model; every index is checked entry by entry
 * against the rows periodically and at the end.  LVT_SEED=n replays a run.
 */
#include "table_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>

#include "coreutil.h"

/* ------------------------------------------------------------ helpers -- */

/* Column col of row as a value; fails the test on error. */
static lvt_value col(const lvt_row *row, int c)
{
  lvt_value v;
  ck_ok(lvt_row_column(row, c, &v));
  return v;
}

static void is_int(lvt_value v, int64_t i)
{
  ck_assert_msg(v.type == LVT_INTEGER && v.u.i == i, "want INTEGER %" PRId64
                ", got type %d (%" PRId64 ")", i, v.type, v.type == LVT_INTEGER ? v.u.i : 0);
}

static void is_text(lvt_value v, const char *s)
{
  ck_assert_msg(v.type == LVT_TEXT && v.u.s.n == strlen(s) &&
                memcmp(v.u.s.p, s, v.u.s.n) == 0, "want TEXT '%s', got type %d '%.*s'",
                s, v.type, v.type == LVT_TEXT ? (int)v.u.s.n : 0,
                v.type == LVT_TEXT ? (const char *)v.u.s.p : "");
}

static void is_real(lvt_value v, double r)
{
  ck_assert_msg(v.type == LVT_REAL && v.u.r == r, "want REAL %g, got type %d", r, v.type);
}

static void is_null(lvt_value v)
{
  ck_assert_msg(v.type == LVT_NULL, "want NULL, got type %d", v.type);
}

/* Number of entries in the table (index -1) or index k. */
static uint64_t entries(lvt_txn *txn, lvt_table *t, int k)
{
  lvt_stat st;
  ck_ok(lvt_table_stat(txn, t, k, &st));
  return st.entries;
}

/* users(id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT,
 *       age INTEGER, score REAL, nick TEXT COLLATE NOCASE)
 * unique users_email(email), users_age(age), users_name(name),
 * unique users_nick(nick). */
static const int c_email[] = { 1 }, c_age[] = { 3 }, c_name[] = { 2 }, c_nick[] = { 5 };
static const lvt_column_def users_cols[] = {
  { "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "email", "TEXT", LVT_AFF_TEXT, 1, 0, 0, { LVT_NULL, { 0 } } },
  { "name", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "age", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "score", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "nick", "TEXT", LVT_AFF_TEXT, 0, LVT_COLL_NOCASE, 0, { LVT_NULL, { 0 } } },
};
static const lvt_index_def users_idx[] = {
  { "users_email", 1, 0, 1, c_email, NULL },
  { "users_age", 0, 0, 1, c_age, NULL },
  { "users_name", 0, 0, 1, c_name, NULL },
  { "users_nick", 1, 0, 1, c_nick, NULL },
};
enum { U_ID, U_EMAIL, U_NAME, U_AGE, U_SCORE, U_NICK, U_NCOL };
enum { X_EMAIL, X_AGE, X_NAME, X_NICK };

/* Create users (strict or not) and open it; the caller closes. */
static lvt_table *users(lvt_txn *txn, int strict)
{
  lvt_table_def d = { "users", U_NCOL, users_cols, 0, 4, users_idx, strict };
  lvt_table *t = NULL;
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "users", &t));
  return t;
}

/* Insert a users row; returns the rowid. */
static int64_t add(lvt_txn *txn, lvt_table *t, lvt_value id, const char *email,
                   const char *name, lvt_value age)
{
  lvt_value v[U_NCOL] = { id, email ? T(email) : N(), name ? T(name) : N(), age, N(), N() };
  int64_t rowid = 0;
  ck_ok(lvt_insert(txn, t, v, &rowid, 0));
  return rowid;
}

/* Check every index of t against its rows: each row has exactly its
 * entries and there is no other entry (raw cursor over each index). */
static void verify_indexes(lvt_txn *txn, lvt_table *t);

/* An encoded index entry (for verify_indexes). */
typedef struct ent {
  unsigned char *p;
  size_t n;
} ent;

static int ent_cmp(const void *a, const void *b)
{
  const ent *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int d = memcmp(x->p, y->p, n);
  return d ? d : (x->n > y->n) - (x->n < y->n);
}

/* The expected entries of index k: one per row, made from its columns. */
static ent *expected_entries(lvt_txn *txn, lvt_table *t, int k, size_t *count)
{
  const lvt_table_def *d = lvt_table_schema(t);
  const lvt_index_def *x = &d->idx[k];
  lvt_cursor *cur = NULL;
  size_t n = 0, cap = 64;
  ent *e = malloc(cap * sizeof *e);
  int rc, j;

  REQ(e != NULL);
  ck_ok(lvt_cursor_open(txn, t, -1, &cur));
  for (rc = lvt_cursor_range(cur, NULL, NULL, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    lvt_row row;
    lvt_buf b = { 0 };
    unsigned char rk[LVT_ROWID_SIZE];
    ck_ok(lvt_cursor_row(cur, &row));
    for (j = 0; j < x->ncol; j++) {
      lvt_value v = col(&row, x->cols[j]);
      ck_ok(lvt_key_encode(&b, &v, x->desc ? x->desc[j] : 0, d->cols[x->cols[j]].collation));
    }
    lvt_key_rowid_put(rk, row.rowid);
    lvt_buf_append(&b, rk, sizeof rk);
    REQ(!b.oom);
    if (n == cap) {
      cap *= 2;
      e = realloc(e, cap * sizeof *e);
      REQ(e != NULL);
    }
    e[n].p = b.p;
    e[n].n = b.n;
    n++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  lvt_cursor_close(cur);
  qsort(e, n, sizeof *e, ent_cmp);
  *count = n;
  return e;
}

static void verify_indexes(lvt_txn *txn, lvt_table *t)
{
  int k;

  ck_ok(lvt_tab_sync(txn, t));
  for (k = 0; k < t->s->def.nidx; k++) {
    size_t n = 0, i = 0, j;
    ent *e = expected_entries(txn, t, k, &n);
    MDB_cursor *mc;
    MDB_val key, val;
    int mrc;

    REQ_EQ(mdb_cursor_open(lvt_txn_mdb(txn), t->idbi[k], &mc), 0);
    for (mrc = mdb_cursor_get(mc, &key, &val, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(mc, &key, &val, MDB_NEXT), i++) {
      ent got = { key.mv_data, key.mv_size };
      if (i >= n) ck_abort_msg("index %s: extra entry (%zu entries, %zu rows)",
                               t->s->def.idx[k].name, i + 1, n);
      if (ent_cmp(&got, &e[i]) != 0)
        ck_abort_msg("index %s: entry %zu differs from the row's", t->s->def.idx[k].name, i);
      REQ_EQ(val.mv_size, 0);
    }
    REQ_EQ(mrc, MDB_NOTFOUND);
    mdb_cursor_close(mc);
    if (i != n) ck_abort_msg("index %s: %zu entries for %zu rows", t->s->def.idx[k].name, i, n);
    for (j = 0; j < n; j++) free(e[j].p);
    free(e);
  }
}

/* -------------------------------------------------------------- basics -- */

/* Insert, get, update, delete; the INTEGER PRIMARY KEY holds the rowid. */
START_TEST(test_crud)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  lvt_value v[U_NCOL];
  lvt_value out;
  int64_t a, b;

  fx_open(&f, "tab-crud");
  txn = wtxn(&f);
  t = users(txn, 0);
  a = add(txn, t, N(), "a@x", "Ann", I(30));
  b = add(txn, t, N(), "b@x", "Bob", I(40));
  REQ_EQ(a, 1);
  REQ_EQ(b, 2);
  ck_ok(lvt_get(txn, t, 2, &row));
  REQ_EQ(row.rowid, 2);
  ck_assert_ptr_eq(row.tbl, t);
  is_int(col(&row, U_ID), 2);
  is_text(col(&row, U_EMAIL), "b@x");
  is_text(col(&row, U_NAME), "Bob");
  is_int(col(&row, U_AGE), 40);
  is_null(col(&row, U_SCORE));
  ck_err(lvt_row_column(&row, 6, &out), LVT_NOCOLUMN, "users");
  ck_err(lvt_row_column(&row, -1, &out), LVT_NOCOLUMN, "users");
  ck_err(lvt_get(txn, t, 3, &row), LVT_NOTFOUND, "rowid 3");
  ck_assert_ptr_null(row.rec);
  v[U_ID] = I(2); v[U_EMAIL] = T("b@y"); v[U_NAME] = T("Bobby"); v[U_AGE] = I(41);
  v[U_SCORE] = R(1.5); v[U_NICK] = N();
  ck_ok(lvt_update(txn, t, 2, NULL, v, 0));
  ck_ok(lvt_get(txn, t, 2, &row));
  is_text(col(&row, U_EMAIL), "b@y");
  is_real(col(&row, U_SCORE), 1.5);
  ck_err(lvt_update(txn, t, 9, NULL, v, 0), LVT_NOTFOUND, "rowid 9");
  ck_ok(lvt_delete(txn, t, 1));
  ck_err(lvt_delete(txn, t, 1), LVT_NOTFOUND, "rowid 1");
  ck_err(lvt_get(txn, t, 1, &row), LVT_NOTFOUND, "users");
  REQ_EQ(entries(txn, t, -1), 1);
  verify_indexes(txn, t);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  /* the data outlives the transaction and the handle */
  txn = rtxn(&f);
  ck_ok(lvt_table_open(txn, "users", &t));
  ck_ok(lvt_get(txn, t, 2, &row));
  is_text(col(&row, U_NAME), "Bobby");
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_READONLY, "readonly");
  ck_err(lvt_delete(txn, t, 2), LVT_READONLY, "readonly");
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* Affinity, as an ordinary SQLite table applies it. */
START_TEST(test_affinity)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  lvt_value v[U_NCOL] = { N(), I(5), T("n"), T(" 42 "), I(3), R(2.5) };
  int64_t id = 0;

  fx_open(&f, "tab-aff");
  txn = wtxn(&f);
  t = users(txn, 0);
  ck_ok(lvt_insert(txn, t, v, &id, 0));
  ck_ok(lvt_get(txn, t, id, &row));
  is_text(col(&row, U_EMAIL), "5");        /* INTEGER into TEXT */
  is_int(col(&row, U_AGE), 42);            /* numeric TEXT into INTEGER */
  is_real(col(&row, U_SCORE), 3.0);        /* INTEGER into REAL */
  is_text(col(&row, U_NICK), "2.5");       /* REAL into TEXT */
  v[U_EMAIL] = T("e2"); v[U_AGE] = T("old"); v[U_SCORE] = T("1e2"); v[U_NICK] = N();
  ck_ok(lvt_insert(txn, t, v, &id, 0));
  ck_ok(lvt_get(txn, t, id, &row));
  is_text(col(&row, U_AGE), "old");        /* not a number: stays TEXT */
  is_real(col(&row, U_SCORE), 100.0);
  v[U_EMAIL] = T("e3"); v[U_AGE] = R(7.0); v[U_SCORE] = R(NAN);
  ck_ok(lvt_insert(txn, t, v, &id, 0));
  ck_ok(lvt_get(txn, t, id, &row));
  is_int(col(&row, U_AGE), 7);             /* integral REAL into INTEGER */
  is_null(col(&row, U_SCORE));             /* NaN, unindexed: NULL as in SQLite */
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* STRICT tables refuse lossy values with SQLite's wording. */
START_TEST(test_strict)
{
  static const lvt_column_def cols[] = {
    { "i", "INT", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "r", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "t", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "BLOB", LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "a", "ANY", LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_table_def d = { "s", 5, cols, -1, 0, NULL, 1 };
  lvt_value ok[5] = { T("12"), I(3), I(4), B("x", 1), T("any") };
  lvt_value v[5];
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;
  lvt_row row;
  int64_t id = 0;

  fx_open(&f, "tab-strict");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "s", &t));
  ck_ok(lvt_insert(txn, t, ok, &id, 0));
  ck_ok(lvt_get(txn, t, id, &row));
  is_int(col(&row, 0), 12);
  is_real(col(&row, 1), 3.0);
  is_text(col(&row, 2), "4");
  is_text(col(&row, 4), "any");
  memcpy(v, ok, sizeof v); v[0] = T("abc");
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_MISMATCH, "cannot store TEXT value in INT column s.i");
  memcpy(v, ok, sizeof v); v[0] = R(1.5);
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_MISMATCH, "cannot store REAL value in INT column s.i");
  memcpy(v, ok, sizeof v); v[1] = T("x");
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_MISMATCH, "cannot store TEXT value in REAL column s.r");
  memcpy(v, ok, sizeof v); v[2] = B("x", 1);
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_MISMATCH, "cannot store BLOB value in TEXT column s.t");
  memcpy(v, ok, sizeof v); v[3] = I(1);
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_MISMATCH, "cannot store INT value in BLOB column s.b");
  memcpy(v, ok, sizeof v); v[0] = N(); v[3] = N();
  ck_ok(lvt_insert(txn, t, v, NULL, 0));             /* NULL fits any column */
  REQ_EQ(entries(txn, t, -1), 2);
  /* an update is checked the same way and changes nothing on failure */
  memcpy(v, ok, sizeof v); v[1] = B("y", 1);
  ck_err(lvt_update(txn, t, id, NULL, v, 0), LVT_MISMATCH, "cannot store BLOB value in REAL column s.r");
  ck_ok(lvt_get(txn, t, id, &row));
  is_real(col(&row, 1), 3.0);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* NOT NULL: an error in ABORT and REPLACE, a skipped row in IGNORE. */
START_TEST(test_notnull)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_value v[U_NCOL] = { N(), N(), T("n"), I(1), N(), N() };
  int64_t id = 0;

  fx_open(&f, "tab-nn");
  txn = wtxn(&f);
  t = users(txn, 0);
  ck_err(lvt_insert(txn, t, v, NULL, LVT_CONFLICT_ABORT), LVT_NOTNULL,
         "NOT NULL constraint failed: users.email");
  ck_err(lvt_insert(txn, t, v, NULL, LVT_CONFLICT_REPLACE), LVT_NOTNULL,
         "NOT NULL constraint failed: users.email");
  REQ_EQ(lvt_insert(txn, t, v, NULL, LVT_CONFLICT_IGNORE), LVT_IGNORED);
  REQ_EQ(entries(txn, t, -1), 0);
  v[U_EMAIL] = T("e");
  ck_ok(lvt_insert(txn, t, v, &id, 0));
  v[U_EMAIL] = N();
  /* a NULL INTEGER PRIMARY KEY comes first: "datatype mismatch" */
  ck_err(lvt_update(txn, t, id, NULL, v, 0), LVT_MISMATCH, "datatype mismatch");
  v[U_ID] = I(id);
  ck_err(lvt_update(txn, t, id, NULL, v, 0), LVT_NOTNULL, "users.email");
  REQ_EQ(entries(txn, t, X_EMAIL), 1);
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* ----------------------------------------------------------- conflicts -- */

/* UNIQUE: duplicates refused with SQLite's words; NULLs never conflict;
 * NOCASE uniqueness ignores case. */
START_TEST(test_unique)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_value v[U_NCOL] = { N(), T("a@x"), N(), N(), N(), N() };
  lvt_row row;
  int64_t id = 0;

  fx_open(&f, "tab-uniq");
  txn = wtxn(&f);
  t = users(txn, 0);
  ck_ok(lvt_insert(txn, t, v, &id, 0));
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_UNIQUE, "UNIQUE constraint failed: users.email");
  REQ_EQ(lvt_insert(txn, t, v, NULL, LVT_CONFLICT_IGNORE), LVT_IGNORED);
  /* nick is NULL in every row so far: no conflict */
  v[U_EMAIL] = T("b@x");
  ck_ok(lvt_insert(txn, t, v, NULL, 0));
  v[U_EMAIL] = T("c@x"); v[U_NICK] = T("Zed");
  ck_ok(lvt_insert(txn, t, v, NULL, 0));
  v[U_EMAIL] = T("d@x"); v[U_NICK] = T("zED");
  ck_err(lvt_insert(txn, t, v, NULL, 0), LVT_UNIQUE, "UNIQUE constraint failed: users.nick");
  v[U_NICK] = T("zed ");
  ck_ok(lvt_insert(txn, t, v, NULL, 0));         /* NOCASE keeps spaces */
  /* emails are BINARY: case matters */
  v[U_EMAIL] = T("A@X"); v[U_NICK] = N();
  ck_ok(lvt_insert(txn, t, v, NULL, 0));
  REQ_EQ(entries(txn, t, -1), 5);
  /* an update into a taken key fails and changes nothing */
  v[U_EMAIL] = T("b@x");
  ck_err(lvt_update(txn, t, id, NULL, (lvt_value[]){ I(id), T("b@x"), N(), N(), N(), N() }, 0),
         LVT_UNIQUE, "users.email");
  ck_ok(lvt_get(txn, t, id, &row));
  is_text(col(&row, U_EMAIL), "a@x");
  /* updating a row to its own key is no conflict */
  ck_ok(lvt_update(txn, t, id, NULL, (lvt_value[]){ I(id), T("a@x"), T("x"), N(), N(), N() }, 0));
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* A composite unique index: the tuple must be unique; any NULL escapes. */
START_TEST(test_composite_unique)
{
  static const lvt_column_def cols[] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int ab[] = { 0, 1 };
  static const unsigned char desc[] = { 1, 0 };
  lvt_index_def x = { "t_ab", 1, 0, 2, ab, desc };
  lvt_table_def d = { "t", 2, cols, -1, 1, &x, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;

  fx_open(&f, "tab-cuniq");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "t", &t));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(1), T("x") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(1), T("y") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(2), T("x") }, NULL, 0));
  ck_err(lvt_insert(txn, t, (lvt_value[]){ I(1), T("x") }, NULL, 0), LVT_UNIQUE,
         "UNIQUE constraint failed: t.a, t.b");
  ck_err(lvt_insert(txn, t, (lvt_value[]){ R(1.0), T("x") }, NULL, 0), LVT_UNIQUE, "t.a, t.b");
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(1), N() }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(1), N() }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), N() }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), N() }, NULL, 0));
  REQ_EQ(entries(txn, t, 0), 7);
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* Rowid conflicts: LVT_PRIMARYKEY naming the INTEGER PRIMARY KEY, or
 * "rowid"; a primary-key index is LVT_PRIMARYKEY too. */
START_TEST(test_rowid_conflict)
{
  static const lvt_column_def cols[] = {
    { "a", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int ab[] = { 0, 1 };
  lvt_index_def pk = { "p_pk", 1, 1, 2, ab, NULL };
  lvt_table_def d = { "p", 2, cols, -1, 1, &pk, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t, *p = NULL;
  int64_t id = 5;

  fx_open(&f, "tab-pk");
  txn = wtxn(&f);
  t = users(txn, 0);
  add(txn, t, I(7), "a", NULL, N());
  ck_err(lvt_insert(txn, t, (lvt_value[]){ I(7), T("b"), N(), N(), N(), N() }, NULL, 0),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: users.id");
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "p", &p));
  ck_ok(lvt_insert(txn, p, (lvt_value[]){ T("k"), I(1) }, &id, LVT_ROWID_GIVEN));
  REQ_EQ(id, 5);
  ck_err(lvt_insert(txn, p, (lvt_value[]){ T("j"), I(1) }, &id, LVT_ROWID_GIVEN),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: p.rowid");
  ck_err(lvt_insert(txn, p, (lvt_value[]){ T("k"), I(1) }, NULL, 0),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: p.a, p.b");
  ck_err(lvt_index_drop(txn, p, "p_pk"), LVT_MISUSE, "primary key");
  lvt_table_close(p);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* REPLACE removes every row in the way -- here three different rows (one
 * by rowid, two by unique keys) -- with their index entries. */
START_TEST(test_replace_many)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  int64_t id = 0;

  fx_open(&f, "tab-repl");
  txn = wtxn(&f);
  t = users(txn, 0);
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(1), T("e1"), T("x"), I(1), N(), T("n1") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(2), T("e2"), T("x"), I(2), N(), T("n2") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(3), T("e3"), T("x"), I(3), N(), T("n3") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(4), T("e4"), T("x"), I(4), N(), T("n4") }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(3), T("e1"), T("new"), I(9), N(), T("N2") },
                   &id, LVT_CONFLICT_REPLACE));
  REQ_EQ(id, 3);
  REQ_EQ(entries(txn, t, -1), 2);
  ck_err(lvt_get(txn, t, 1, &row), LVT_NOTFOUND, "");
  ck_err(lvt_get(txn, t, 2, &row), LVT_NOTFOUND, "");
  ck_ok(lvt_get(txn, t, 3, &row));
  is_text(col(&row, U_NAME), "new");
  verify_indexes(txn, t);
  /* REPLACE on update: the row takes row 4's email and moves onto rowid 10 */
  ck_ok(lvt_update(txn, t, 3, NULL, (lvt_value[]){ I(10), T("e4"), T("m"), N(), N(), N() },
                   LVT_CONFLICT_REPLACE));
  REQ_EQ(entries(txn, t, -1), 1);
  ck_ok(lvt_get(txn, t, 10, &row));
  is_text(col(&row, U_EMAIL), "e4");
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* IGNORE writes nothing and says so. */
START_TEST(test_ignore)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  uint64_t before;

  fx_open(&f, "tab-ign");
  txn = wtxn(&f);
  t = users(txn, 0);
  add(txn, t, I(1), "e1", "a", I(1));
  add(txn, t, I(2), "e2", "b", I(2));
  before = lvt_tab_wseq;
  REQ_EQ(lvt_insert(txn, t, (lvt_value[]){ I(1), T("zz"), N(), N(), N(), N() }, NULL,
                    LVT_CONFLICT_IGNORE), LVT_IGNORED);
  REQ_EQ(lvt_insert(txn, t, (lvt_value[]){ N(), T("e2"), N(), N(), N(), N() }, NULL,
                    LVT_CONFLICT_IGNORE), LVT_IGNORED);
  REQ_EQ(lvt_update(txn, t, 1, NULL, (lvt_value[]){ I(2), T("e1"), N(), N(), N(), N() },
                    LVT_CONFLICT_IGNORE), LVT_IGNORED);
  REQ_EQ(lvt_update(txn, t, 1, NULL, (lvt_value[]){ I(1), T("e2"), N(), N(), N(), N() },
                    LVT_CONFLICT_IGNORE), LVT_IGNORED);
  REQ_EQ(lvt_tab_wseq, before);                  /* not a single write */
  ck_ok(lvt_get(txn, t, 1, &row));
  is_text(col(&row, U_EMAIL), "e1");
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* When several checks fail, the one reported is SQLite's: the INTEGER
 * PRIMARY KEY's type first (in every mode), then NOT NULL, the rowid, and
 * the unique indexes from the last created to the first, an index that
 * repeats an earlier one's key checked in the earlier one's place (and
 * failing as a primary key if either is one), as in native SQLite:
 *   CREATE TABLE q(a, b, c, UNIQUE(a), UNIQUE(b), PRIMARY KEY(a DESC),
 *                  UNIQUE(b, c));  CREATE UNIQUE INDEX q_late ON q(c); */
START_TEST(test_check_order)
{
  static const lvt_column_def ocols[] = {
    { "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "a", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", NULL, LVT_AFF_BLOB, 1, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const lvt_column_def qcols[] = {
    { "a", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "c", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int o_a[] = { 1 }, o_b[] = { 2 };
  static const int q_a[] = { 0 }, q_b[] = { 1 }, q_bc[] = { 1, 2 }, q_c[] = { 2 };
  static const unsigned char desc1[] = { 1 };
  const lvt_index_def oidx[] = {
    { "o_a", 1, 0, 1, o_a, NULL },
    { "o_b", 1, 0, 1, o_b, NULL },
  };
  const lvt_index_def qidx[] = {
    { "q_a", 1, 0, 1, q_a, NULL },
    { "q_b", 1, 0, 1, q_b, NULL },
    { "q_pk", 1, 1, 1, q_a, desc1 },
    { "q_bc", 1, 0, 2, q_bc, NULL },
  };
  const lvt_index_def late = { "q_late", 1, 0, 1, q_c, NULL };
  lvt_table_def od = { "o", 3, ocols, 0, 2, oidx, 0 };
  lvt_table_def qd = { "q", 3, qcols, -1, 4, qidx, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *o = NULL, *q = NULL;
  int mode;

  fx_open(&f, "tab-order");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &od));
  ck_ok(lvt_table_open(txn, "o", &o));
  ck_ok(lvt_insert(txn, o, (lvt_value[]){ I(1), I(1), I(1) }, NULL, 0));
  /* rowid before the unique indexes; the last index before the first */
  ck_err(lvt_insert(txn, o, (lvt_value[]){ I(1), I(1), I(1) }, NULL, 0),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: o.id");
  ck_err(lvt_insert(txn, o, (lvt_value[]){ I(2), I(1), I(1) }, NULL, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: o.b");
  ck_err(lvt_insert(txn, o, (lvt_value[]){ I(2), I(1), I(2) }, NULL, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: o.a");
  /* NOT NULL before the rowid */
  ck_err(lvt_insert(txn, o, (lvt_value[]){ I(1), I(1), N() }, NULL, 0),
         LVT_NOTNULL, "NOT NULL constraint failed: o.b");
  /* the key's type before NOT NULL, in every mode, and with a message */
  for (mode = LVT_CONFLICT_ABORT; mode <= LVT_CONFLICT_IGNORE; mode++) {
    lvt_err_set(LVT_ERROR, "stale");
    ck_err(lvt_insert(txn, o, (lvt_value[]){ T("x"), I(1), N() }, NULL, (unsigned)mode),
           LVT_MISMATCH, "datatype mismatch");
    ck_err(lvt_insert(txn, o, (lvt_value[]){ R(2.5), I(1), I(1) }, NULL, (unsigned)mode),
           LVT_MISMATCH, "datatype mismatch");
    ck_err(lvt_update(txn, o, 1, NULL, (lvt_value[]){ T("y"), I(1), N() }, (unsigned)mode),
           LVT_MISMATCH, "datatype mismatch");
    ck_err(lvt_update(txn, o, 1, NULL, (lvt_value[]){ N(), I(1), N() }, (unsigned)mode),
           LVT_MISMATCH, "datatype mismatch");
  }
  REQ_EQ(lvt_insert(txn, o, (lvt_value[]){ I(2), I(2), N() }, NULL, LVT_CONFLICT_IGNORE),
         LVT_IGNORED);
  REQ_EQ(entries(txn, o, -1), 1);

  ck_ok(lvt_table_create(txn, &qd));
  ck_ok(lvt_table_open(txn, "q", &q));
  ck_ok(lvt_insert(txn, q, (lvt_value[]){ I(1), I(1), I(1) }, NULL, 0));
  ck_err(lvt_insert(txn, q, (lvt_value[]){ I(1), I(1), I(1) }, NULL, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: q.b, q.c");
  ck_err(lvt_insert(txn, q, (lvt_value[]){ I(1), I(1), I(2) }, NULL, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: q.b");
  /* q_pk repeats q_a: checked in q_a's place, failing as the primary key */
  ck_err(lvt_insert(txn, q, (lvt_value[]){ I(1), I(2), I(2) }, NULL, 0),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: q.a");
  ck_err(lvt_update(txn, q, 1, NULL, (lvt_value[]){ I(1), I(1), I(1) }, 0), LVT_OK, "");
  ck_ok(lvt_insert(txn, q, (lvt_value[]){ I(2), I(2), I(2) }, NULL, 0));
  ck_err(lvt_update(txn, q, 2, NULL, (lvt_value[]){ I(1), I(1), I(1) }, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: q.b, q.c");
  ck_err(lvt_update(txn, q, 2, NULL, (lvt_value[]){ I(1), I(2), I(2) }, 0),
         LVT_PRIMARYKEY, "UNIQUE constraint failed: q.a");
  /* an index created later is checked first */
  ck_ok(lvt_index_create(txn, q, &late));
  ck_err(lvt_insert(txn, q, (lvt_value[]){ I(1), I(1), I(1) }, NULL, 0),
         LVT_UNIQUE, "UNIQUE constraint failed: q.c");
  /* REPLACE removes every row in the way, whatever the order */
  ck_ok(lvt_insert(txn, q, (lvt_value[]){ I(1), I(2), I(3) }, NULL, LVT_CONFLICT_REPLACE));
  REQ_EQ(entries(txn, q, -1), 1);
  verify_indexes(txn, o);
  verify_indexes(txn, q);
  lvt_table_close(o);
  lvt_table_close(q);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* ------------------------------------------------------- keys, rowids -- */

/* An index entry over 511 bytes: LVT_TOOBIG naming index and column. */
START_TEST(test_toobig)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  char big[700];
  lvt_value key;
  lvt_row row;
  int64_t id = 0;

  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = 0;
  fx_open(&f, "tab-big");
  txn = wtxn(&f);
  t = users(txn, 0);
  ck_err(lvt_insert(txn, t, (lvt_value[]){ N(), T("e"), T(big), N(), N(), N() }, NULL, 0),
         LVT_TOOBIG, "index users_name at column users.name");
  ck_err(lvt_insert(txn, t, (lvt_value[]){ N(), T("e"), T(big), N(), N(), N() }, NULL,
                    LVT_CONFLICT_IGNORE), LVT_TOOBIG, "users.name");
  REQ_EQ(entries(txn, t, -1), 0);
  REQ_EQ(entries(txn, t, X_EMAIL), 0);
  big[490] = 0;                                   /* fits */
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), T("e"), T(big), N(), N(), N() }, &id, 0));
  big[490] = 'q';
  ck_err(lvt_update(txn, t, id, NULL, (lvt_value[]){ I(id), T("e"), T(big), N(), N(), N() }, 0),
         LVT_TOOBIG, "users.name");
  key = T(big);
  /* a lookup value too long for any entry finds nothing, as in SQLite */
  ck_err(lvt_get_by_index(txn, t, X_NAME, &key, 1, &row), LVT_NOTFOUND, "users_name");
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* NaN for an indexed column is refused (LVT_NAN, column named). */
START_TEST(test_nan)
{
  static const lvt_column_def cols[] = {
    { "r", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int c0[] = { 0 }, c1[] = { 1 };
  lvt_index_def x[2] = { { "t_r", 0, 0, 1, c0, NULL }, { "t_b", 1, 0, 1, c1, NULL } };
  lvt_table_def d = { "t", 2, cols, -1, 2, x, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;

  fx_open(&f, "tab-nan");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "t", &t));
  ck_err(lvt_insert(txn, t, (lvt_value[]){ R(NAN), N() }, NULL, 0), LVT_NAN, "t.r");
  ck_err(lvt_insert(txn, t, (lvt_value[]){ R(1), R(NAN) }, NULL, LVT_CONFLICT_REPLACE),
         LVT_NAN, "t.b");
  REQ_EQ(entries(txn, t, -1), 0);
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ R(INFINITY), R(-INFINITY) }, NULL, 0));
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* NULL rowids get max + 1, deterministic; a full rowid space is LVT_FULL;
 * a rowid must be an integer. */
START_TEST(test_rowids)
{
  static const lvt_column_def cols[] = {
    { "x", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_table_def d = { "r", 1, cols, -1, 0, NULL, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t, *r = NULL;
  lvt_value x = N();
  int64_t id = 0;

  fx_open(&f, "tab-rowid");
  txn = wtxn(&f);
  t = users(txn, 0);
  REQ_EQ(add(txn, t, N(), "a", NULL, N()), 1);
  REQ_EQ(add(txn, t, I(-5), "b", NULL, N()), -5);
  REQ_EQ(add(txn, t, N(), "c", NULL, N()), 2);
  REQ_EQ(add(txn, t, R(10.0), "d", NULL, N()), 10);
  REQ_EQ(add(txn, t, T(" 12 "), "e", NULL, N()), 12);
  REQ_EQ(add(txn, t, N(), "f", NULL, N()), 13);
  ck_err(lvt_insert(txn, t, (lvt_value[]){ R(2.5), T("g"), N(), N(), N(), N() }, NULL, 0),
         LVT_MISMATCH, "datatype mismatch");
  ck_err(lvt_insert(txn, t, (lvt_value[]){ T("x"), T("g"), N(), N(), N(), N() }, NULL, 0),
         LVT_MISMATCH, "datatype mismatch");
  ck_err(lvt_insert(txn, t, (lvt_value[]){ B("1", 1), T("g"), N(), N(), N(), N() }, NULL, 0),
         LVT_MISMATCH, "datatype mismatch");
  REQ_EQ(add(txn, t, I(INT64_MAX), "h", NULL, N()), INT64_MAX);
  ck_err(lvt_insert(txn, t, (lvt_value[]){ N(), T("i"), N(), N(), N(), N() }, NULL, 0),
         LVT_FULL, "database or disk is full");
  ck_ok(lvt_delete(txn, t, INT64_MAX));
  REQ_EQ(add(txn, t, N(), "i", NULL, N()), 14);
  REQ_EQ(add(txn, t, I(INT64_MIN), "j", NULL, N()), INT64_MIN);
  verify_indexes(txn, t);
  /* no INTEGER PRIMARY KEY: LVT_ROWID_GIVEN, or max + 1 */
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "r", &r));
  id = -3;
  ck_ok(lvt_insert(txn, r, &x, &id, LVT_ROWID_GIVEN));
  REQ_EQ(id, -3);
  ck_ok(lvt_insert(txn, r, &x, &id, 0));
  REQ_EQ(id, -2);
  ck_err(lvt_insert(txn, r, &x, NULL, LVT_ROWID_GIVEN), LVT_MISUSE, "rowid");
  ck_err(lvt_insert(txn, r, &x, NULL, 7), LVT_MISUSE, "conflict mode");
  lvt_table_close(r);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* Updates: only the changed index entries are written; the rowid moves. */
START_TEST(test_update_diff)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  uint64_t w;

  fx_open(&f, "tab-upd");
  txn = wtxn(&f);
  t = users(txn, 0);
  add(txn, t, I(1), "e1", "a", I(1));
  add(txn, t, I(2), "e2", "b", I(2));
  w = lvt_tab_wseq;
  ck_ok(lvt_update(txn, t, 1, NULL, (lvt_value[]){ I(1), T("e1"), T("a"), I(1), R(9), N() }, 0));
  REQ_EQ(lvt_tab_wseq - w, 1);                    /* the record only */
  w = lvt_tab_wseq;
  ck_ok(lvt_update(txn, t, 1, NULL, (lvt_value[]){ I(1), T("e1"), T("a"), I(5), R(9), N() }, 0));
  REQ_EQ(lvt_tab_wseq - w, 3);                    /* record, age del + put */
  w = lvt_tab_wseq;
  ck_ok(lvt_update(txn, t, 1, NULL, (lvt_value[]){ I(7), T("e1"), T("a"), I(5), R(9), N() }, 0));
  REQ_EQ(lvt_tab_wseq - w, 2 + 2 * 4);            /* moved: all 4 indexes */
  ck_err(lvt_get(txn, t, 1, &row), LVT_NOTFOUND, "");
  ck_ok(lvt_get(txn, t, 7, &row));
  is_int(col(&row, U_ID), 7);
  is_int(col(&row, U_AGE), 5);
  ck_err(lvt_update(txn, t, 7, NULL, (lvt_value[]){ I(2), T("e1"), N(), N(), N(), N() }, 0),
         LVT_PRIMARYKEY, "users.id");
  /* new_rowid moves the row as well; it must agree with the IPK */
  ck_ok(lvt_update(txn, t, 7, &(int64_t){ 8 }, (lvt_value[]){ N(), T("e1"), N(), N(), N(), N() }, 0));
  ck_ok(lvt_get(txn, t, 8, &row));
  is_int(col(&row, U_ID), 8);
  ck_err(lvt_update(txn, t, 8, &(int64_t){ 9 }, (lvt_value[]){ I(3), T("e1"), N(), N(), N(), N() }, 0),
         LVT_MISUSE, "differs");
  ck_err(lvt_update(txn, t, 8, NULL, (lvt_value[]){ N(), T("e1"), N(), N(), N(), N() }, 0),
         LVT_MISMATCH, "datatype mismatch");
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* A record with fewer columns than the schema reads DEFAULTs. */
START_TEST(test_trailing_default)
{
  static const lvt_column_def cols[] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 1, { LVT_TEXT, { .s = { "dflt", 4 } } } },
    { "c", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_table_def d = { "t", 3, cols, -1, 0, NULL, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;
  lvt_buf rec = { 0 };
  lvt_value one = I(1);
  unsigned char rk[LVT_ROWID_SIZE];
  MDB_val key = { sizeof rk, rk }, val;
  lvt_row row;

  fx_open(&f, "tab-dflt");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "t", &t));
  ck_ok(lvt_rec_encode(&rec, &one, 1));
  lvt_key_rowid_put(rk, 5);
  val.mv_size = rec.n;
  val.mv_data = rec.p;
  ck_ok(lvt_txn_put(txn, t->dbi, &key, &val, 0));
  ck_ok(lvt_get(txn, t, 5, &row));
  is_int(col(&row, 0), 1);
  is_text(col(&row, 1), "dflt");
  is_null(col(&row, 2));
  lvt_buf_free(&rec);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* --------------------------------------------------------------- bulk -- */

/* Fill n rows of users values: NULL id (or id = ids[i]), email "e<i>",
 * name "n<i % 7>", age i % 50.  Strings live in store. */
static lvt_value *bulk_rows(size_t n, size_t first, const int64_t *ids, char (*store)[2][16])
{
  lvt_value *v = calloc(n * U_NCOL, sizeof *v);
  size_t i;

  REQ(v != NULL);
  for (i = 0; i < n; i++) {
    lvt_value *r = v + i * U_NCOL;
    snprintf(store[i][0], 16, "e%zu", first + i);
    snprintf(store[i][1], 16, "n%zu", (first + i) % 7);
    r[U_ID] = ids ? I(ids[i]) : N();
    r[U_EMAIL] = T(store[i][0]);
    r[U_NAME] = T(store[i][1]);
    r[U_AGE] = I((int64_t)((first + i) % 50));
    r[U_SCORE] = R((double)i / 4);
    r[U_NICK] = N();
  }
  return v;
}

/* put_many: ascending NULL ids (the append path), then explicit ids in and
 * out of order, then a conflict part-way. */
START_TEST(test_put_many)
{
  enum { NB = 5000 };
  char (*store)[2][16] = calloc(NB, sizeof *store);
  int64_t ids[6] = { NB + 10, 3, NB + 20, NB + 11, -7, NB + 12 };
  lvt_value *v;
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  size_t done = 0;
  int64_t id = 0;

  fx_open(&f, "tab-many");
  txn = wtxn(&f);
  t = users(txn, 0);
  v = bulk_rows(NB, 0, NULL, store);
  ck_ok(lvt_put_many(txn, t, v, NB, 0, &done));
  REQ_EQ(done, NB);
  REQ_EQ(entries(txn, t, -1), NB);
  ck_ok(lvt_get(txn, t, NB, &row));
  is_text(col(&row, U_EMAIL), "e4999");
  ck_ok(lvt_get(txn, t, 1, &row));
  is_text(col(&row, U_EMAIL), "e0");
  free(v);
  /* id 3 collides (rowid): REPLACE it; the others append or fill in */
  v = bulk_rows(6, NB, ids, store);
  ck_ok(lvt_put_many(txn, t, v, 6, LVT_CONFLICT_REPLACE, &done));
  REQ_EQ(done, 6);
  REQ_EQ(entries(txn, t, -1), NB + 5);
  ck_ok(lvt_get(txn, t, 3, &row));
  is_text(col(&row, U_EMAIL), "e5001");
  ck_ok(lvt_get(txn, t, -7, &row));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), T("next"), N(), N(), N(), N() }, &id, 0));
  REQ_EQ(id, NB + 21);
  free(v);
  /* an ABORT conflict at row 2 (email e5): rows 0 and 1 stay */
  v = bulk_rows(4, 9000, NULL, store);
  v[2 * U_NCOL + U_EMAIL] = T("e5");
  ck_err(lvt_put_many(txn, t, v, 4, 0, &done), LVT_UNIQUE, "users.email");
  REQ_EQ(done, 2);
  REQ_EQ(entries(txn, t, -1), NB + 8);
  /* IGNORE skips it and goes on; the first two now collide too */
  ck_ok(lvt_put_many(txn, t, v, 4, LVT_CONFLICT_IGNORE, &done));
  REQ_EQ(done, 4);
  REQ_EQ(entries(txn, t, -1), NB + 9);
  ck_err(lvt_put_many(txn, t, v, 4, LVT_ROWID_GIVEN, &done), LVT_MISUSE, "LVT_ROWID_GIVEN");
  free(v);
  verify_indexes(txn, t);
  ck_ok(lvt_txn_commit(txn));
  /* put_many into a table that already has rows, in a new transaction */
  txn = wtxn(&f);
  v = bulk_rows(100, 20000, NULL, store);
  ck_ok(lvt_put_many(txn, t, v, 100, 0, &done));
  ck_ok(lvt_get(txn, t, NB + 25, &row));          /* after NB + 22..24 */
  is_text(col(&row, U_EMAIL), "e20000");
  free(v);
  verify_indexes(txn, t);
  ck_ok(lvt_txn_commit(txn));
  lvt_table_close(t);
  free(store);
  fx_close(&f);
}
END_TEST

/* get_many and get_many_by_index; lookups apply the column's affinity and
 * match leading columns. */
START_TEST(test_get_many)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row rows[5], row;
  int64_t ids[5] = { 2, 99, 1, 3, -1 };
  lvt_value keys[4] = { T("e3"), T("nope"), T("e1"), I(5) };
  lvt_value k;
  size_t found = 9;

  fx_open(&f, "tab-gm");
  txn = wtxn(&f);
  t = users(txn, 0);
  add(txn, t, N(), "e1", "ann", I(30));
  add(txn, t, N(), "e2", "bob", I(40));
  add(txn, t, N(), "e3", "cy", I(30));
  add(txn, t, N(), "5", "five", N());
  ck_ok(lvt_get_many(txn, t, ids, 5, rows, &found));
  REQ_EQ(found, 3);
  REQ_EQ(rows[0].rowid, 2);
  is_text(col(&rows[0], U_EMAIL), "e2");
  ck_assert_ptr_null(rows[1].rec);
  REQ_EQ(rows[1].rowid, 99);
  is_text(col(&rows[2], U_EMAIL), "e1");
  ck_assert_ptr_null(rows[4].rec);
  ck_ok(lvt_get_many_by_index(txn, t, X_EMAIL, keys, 1, 4, rows, &found));
  REQ_EQ(found, 3);
  REQ_EQ(rows[0].rowid, 3);
  ck_assert_ptr_null(rows[1].rec);
  REQ_EQ(rows[2].rowid, 1);
  REQ_EQ(rows[3].rowid, 4);                       /* 5 -> '5' by TEXT affinity */
  k = T("30");                                    /* '30' -> 30 by INTEGER affinity */
  ck_ok(lvt_get_by_index(txn, t, X_AGE, &k, 1, &row));
  REQ_EQ(row.rowid, 1);
  k = R(40.0);
  ck_ok(lvt_get_by_index(txn, t, X_AGE, &k, 1, &row));
  REQ_EQ(row.rowid, 2);
  k = I(41);
  ck_err(lvt_get_by_index(txn, t, X_AGE, &k, 1, &row), LVT_NOTFOUND, "users_age");
  ck_assert_ptr_null(row.rec);
  k = N();
  ck_ok(lvt_get_by_index(txn, t, X_AGE, &k, 1, &row));   /* NULL matches NULL here */
  REQ_EQ(row.rowid, 4);
  ck_err(lvt_get_by_index(txn, t, 9, &k, 1, &row), LVT_NOINDEX, "index number 9");
  ck_err(lvt_get_by_index(txn, t, X_AGE, &k, 2, &row), LVT_MISUSE, "1 columns; 2");
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* A lookup converts its key as SQLite converts a comparison operand:
 * NUMERIC affinity on a REAL column, so 2^53 + 1 is compared exactly and
 * does not match the REAL 2^53 stored for it. */
START_TEST(test_probe_affinity)
{
  static const lvt_column_def cols[] = {
    { "r", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "t", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int c0[] = { 0 }, c1[] = { 1 };
  lvt_index_def x[2] = { { "p_r", 0, 0, 1, c0, (const unsigned char[]){ 1 } },
                         { "p_t", 0, 0, 1, c1, NULL } };
  lvt_table_def d = { "p", 2, cols, -1, 2, x, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;
  lvt_row row;
  lvt_value k;

  fx_open(&f, "tab-probe");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "p", &t));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(9007199254740993LL), I(12) }, NULL, 0));
  ck_ok(lvt_get(txn, t, 1, &row));
  is_real(col(&row, 0), 9007199254740992.0);
  k = I(9007199254740993LL);
  ck_err(lvt_get_by_index(txn, t, 0, &k, 1, &row), LVT_NOTFOUND, "p_r");
  k = I(9007199254740992LL);
  ck_ok(lvt_get_by_index(txn, t, 0, &k, 1, &row));
  k = T("9007199254740992");                      /* numeric text: a number */
  ck_ok(lvt_get_by_index(txn, t, 0, &k, 1, &row));
  k = I(12);                                      /* TEXT column: '12' */
  ck_ok(lvt_get_by_index(txn, t, 1, &k, 1, &row));
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* ------------------------------------------------------------ indexes -- */

/* Build indexes over existing rows; a unique build that meets a duplicate
 * fails with LVT_UNIQUE, keeps nothing, and the transaction goes on. */
START_TEST(test_index_create)
{
  static const int c_name_age[] = { U_NAME, U_AGE };
  static const unsigned char d01[] = { 0, 1 };
  lvt_index_def by_na = { "users_na", 0, 0, 2, c_name_age, d01 };
  lvt_index_def uniq_name = { "users_uname", 1, 0, 1, c_name, NULL };
  lvt_index_def uniq_score = { "users_uscore", 1, 0, 1, (const int[]){ U_SCORE }, NULL };
  enum { NB = 3000 };
  char (*store)[2][16] = calloc(NB, sizeof *store);
  const lvt_table_def *before;
  lvt_value *v, k[2];
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  MDB_dbi dbi;

  fx_open(&f, "tab-icr");
  txn = wtxn(&f);
  t = users(txn, 0);
  v = bulk_rows(NB, 0, NULL, store);
  ck_ok(lvt_put_many(txn, t, v, NB, 0, NULL));
  free(v);
  ck_ok(lvt_index_create(txn, t, &by_na));
  REQ_EQ(lvt_table_schema(t)->nidx, 5);
  REQ_EQ(lvt_table_index(t, "users_na"), 4);
  REQ_EQ(entries(txn, t, 4), NB);
  k[0] = T("n3");
  k[1] = I(10);
  ck_ok(lvt_get_by_index(txn, t, 4, k, 2, &row));
  is_text(col(&row, U_NAME), "n3");
  is_int(col(&row, U_AGE), 10);
  /* unique over duplicates: refused, nothing kept */
  before = lvt_table_schema(t);
  ck_err(lvt_index_create(txn, t, &uniq_name), LVT_UNIQUE,
         "UNIQUE constraint failed: users.name");
  ck_assert_ptr_eq(lvt_table_schema(t), before);
  REQ_EQ(lvt_table_index(t, "users_uname"), -1);
  REQ_EQ(lvt_txn_dbi(txn, "t1.i6", 0, &dbi), LVT_NOTFOUND);
  /* the transaction is fine: writes go on and maintain the new index */
  add(txn, t, N(), "after", "n3", I(10));
  REQ_EQ(entries(txn, t, 4), NB + 1);
  /* unique over distinct values (and NULLs) succeeds */
  add(txn, t, N(), "after2", "x", N());
  ck_ok(lvt_index_create(txn, t, &uniq_score));
  ck_err(lvt_insert(txn, t, (lvt_value[]){ N(), T("s"), N(), N(), R(0.25), N() }, NULL, 0),
         LVT_UNIQUE, "users.score");
  verify_indexes(txn, t);
  ck_ok(lvt_txn_commit(txn));
  /* drop: entries gone, writes no longer touch it */
  txn = wtxn(&f);
  ck_ok(lvt_index_drop(txn, t, "users_na"));
  REQ_EQ(lvt_table_index(t, "users_na"), -1);
  REQ_EQ(lvt_txn_dbi(txn, "t1.i5", 0, &dbi), LVT_NOTFOUND);
  add(txn, t, N(), "after3", "n3", I(10));
  verify_indexes(txn, t);
  ck_ok(lvt_txn_commit(txn));
  lvt_table_close(t);
  free(store);
  fx_close(&f);
}
END_TEST

/* A second handle (another connection) sees an index made through the
 * first -- in the same transaction, in a later one, and when the change
 * comes from "another process" (the process-wide counter does not move) --
 * and maintains it on writes. */
START_TEST(test_second_handle)
{
  lvt_index_def by_name = { "users_byname2", 0, 0, 1, c_name, NULL };
  lvt_index_def by_age = { "users_byage2", 0, 0, 1, c_age, NULL };
  fx f;
  lvt_txn *txn;
  lvt_table *a, *b = NULL;
  uint64_t saved;

  fx_open(&f, "tab-2h");
  txn = wtxn(&f);
  a = users(txn, 0);
  ck_ok(lvt_table_open(txn, "users", &b));
  add(txn, a, N(), "e1", "x", I(1));
  ck_ok(lvt_txn_commit(txn));
  /* same transaction: b creates, a writes */
  txn = wtxn(&f);
  add(txn, a, N(), "e2", "y", I(2));
  ck_ok(lvt_index_create(txn, b, &by_name));
  add(txn, a, N(), "e3", "z", I(3));
  REQ_EQ(lvt_table_schema(a)->nidx, 5);
  REQ_EQ(entries(txn, b, 4), 3);
  verify_indexes(txn, a);
  ck_ok(lvt_txn_commit(txn));
  /* "another process": b adds an index, the process counter is put back */
  txn = wtxn(&f);
  add(txn, a, N(), "e4", "w", I(4));              /* a is checked in this txn */
  ck_ok(lvt_txn_commit(txn));
  saved = atomic_load(&lvt_cat_changes);
  txn = wtxn(&f);
  ck_ok(lvt_index_create(txn, b, &by_age));
  ck_ok(lvt_txn_commit(txn));
  atomic_store(&lvt_cat_changes, saved);
  txn = wtxn(&f);
  add(txn, a, N(), "e5", "v", I(5));
  REQ_EQ(lvt_table_schema(a)->nidx, 6);
  REQ_EQ(entries(txn, b, 5), 5);
  verify_indexes(txn, a);
  ck_ok(lvt_txn_commit(txn));
  /* b drops one: a stops maintaining it and does not fail */
  txn = wtxn(&f);
  ck_ok(lvt_index_drop(txn, b, "users_byname2"));
  ck_ok(lvt_txn_commit(txn));
  txn = wtxn(&f);
  add(txn, a, N(), "e6", "u", I(6));
  REQ_EQ(lvt_table_schema(a)->nidx, 5);
  verify_indexes(txn, b);
  ck_ok(lvt_txn_commit(txn));
  /* an index created in an aborted transaction is forgotten by both */
  txn = wtxn(&f);
  ck_ok(lvt_index_create(txn, b, &by_name));
  add(txn, a, N(), "e7", "t", I(7));
  REQ_EQ(lvt_table_schema(a)->nidx, 6);
  lvt_txn_abort(txn);
  txn = wtxn(&f);
  add(txn, a, N(), "e7", "t", I(7));
  REQ_EQ(lvt_table_schema(a)->nidx, 5);
  REQ_EQ(entries(txn, b, -1), 7);                 /* b syncs at its next use */
  REQ_EQ(lvt_table_schema(b)->nidx, 5);
  verify_indexes(txn, a);
  ck_ok(lvt_txn_commit(txn));
  lvt_table_close(a);
  lvt_table_close(b);
  fx_close(&f);
}
END_TEST

/* -------------------------------------------------------------- model -- */

/* m(id INTEGER PRIMARY KEY, u TEXT COLLATE NOCASE, a INTEGER,
 *   b TEXT COLLATE NOCASE, c REAL)
 * unique m_u(u), m_ab(a DESC, b), unique m_ac(a, c DESC). */
enum { M_ID, M_U, M_A, M_B, M_C, M_NCOL };
#define M_LO (-50)                 /* rowids in the model: [M_LO, M_HI) */
#define M_HI 8000

typedef struct mrow {
  int on;
  int u_null, a_null, b_null, c_null;
  char u[8], b[8];
  int64_t a;
  double c;
} mrow;

typedef struct model {
  mrow *rows;                      /* indexed by rowid - M_LO */
  mrow *saved;                     /* state when the transaction began */
  int64_t n;
} model;

static mrow *mget(model *m, int64_t id)
{
  REQ(id >= M_LO && id < M_HI);
  return &m->rows[id - M_LO];
}

/* ASCII case-insensitive equality (NOCASE). */
static int nocase_eq(const char *x, const char *y)
{
  for (; *x && *y; x++, y++)
    if (tolower((unsigned char)*x) != tolower((unsigned char)*y)) return 0;
  return *x == *y;
}

/* A random row: few distinct values, so conflicts are frequent. */
static void rand_row(mrow *r)
{
  static const char *const bs[] = { "x", "X", "y", "Y", "zz", "Zz" };
  memset(r, 0, sizeof *r);
  r->on = 1;
  r->u_null = tu_below(4) == 0;
  if (!r->u_null) snprintf(r->u, sizeof r->u, "%ck%d", tu_below(2) ? 'k' : 'K', (int)tu_below(40));
  r->a_null = tu_below(7) == 0;
  r->a = (int64_t)tu_below(8);
  r->b_null = tu_below(5) == 0;
  if (!r->b_null) snprintf(r->b, sizeof r->b, "%s", bs[tu_below(6)]);
  r->c_null = tu_below(5) == 0;
  r->c = 0.5 * (double)tu_below(6);
}

/* The values of model row r with rowid value id, for the API. */
static void row_vals(const mrow *r, lvt_value id, lvt_value *v)
{
  v[M_ID] = id;
  v[M_U] = r->u_null ? N() : T(r->u);
  v[M_A] = r->a_null ? N() : I(r->a);
  v[M_B] = r->b_null ? N() : T(r->b);
  v[M_C] = r->c_null ? N() : R(r->c);
}

/* Largest rowid in the model (*empty when there are no rows). */
static int64_t mmax(model *m, int *empty)
{
  int64_t id;
  for (id = M_HI - 1; id >= M_LO; id--)
    if (mget(m, id)->on) { *empty = 0; return id; }
  *empty = 1;
  return 0;
}

/* Which rows (other than self) a row r at rowid `id` conflicts with:
 * the rowid (when check_rowid), then m_u and m_ac (table.c checks m_ac
 * first, test_check_order shows that; here both give LVT_UNIQUE).  Returns the number of distinct rows in out[]; *first is the
 * error the first conflict gives in ABORT mode. */
static int mconflicts(model *m, const mrow *r, int64_t id, int check_rowid,
                      int64_t self, int64_t out[3], int *first)
{
  int n = 0, i;
  int64_t x, hit[2] = { INT64_MIN, INT64_MIN };

  *first = LVT_OK;
  if (check_rowid && mget(m, id)->on) { out[n++] = id; *first = LVT_PRIMARYKEY; }
  for (x = M_LO; x < M_HI; x++) {
    const mrow *o = mget(m, x);
    if (!o->on || x == self) continue;
    if (!r->u_null && !o->u_null && nocase_eq(r->u, o->u)) hit[0] = x;
    if (!r->a_null && !r->c_null && !o->a_null && !o->c_null && r->a == o->a && r->c == o->c)
      hit[1] = x;
  }
  for (i = 0; i < 2; i++) {
    if (hit[i] == INT64_MIN) continue;
    if (*first == LVT_OK) *first = LVT_UNIQUE;
    if ((n < 1 || out[0] != hit[i]) && (n < 2 || out[1] != hit[i])) out[n++] = hit[i];
  }
  return n;
}

/* Apply an insert to the model as lvt_insert would; returns the rc. */
static int minsert(model *m, const mrow *r, int has_id, int64_t id, int mode, int64_t *rid)
{
  int64_t out[3];
  int empty, first, n, i;

  if (!has_id) {
    id = mmax(m, &empty);
    id = empty ? 1 : id + 1;
  }
  n = mconflicts(m, r, id, 1, INT64_MIN, out, &first);
  if (n && mode == LVT_CONFLICT_ABORT) return first;
  if (n && mode == LVT_CONFLICT_IGNORE) return LVT_IGNORED;
  for (i = 0; i < n; i++) mget(m, out[i])->on = 0;
  *mget(m, id) = *r;
  *rid = id;
  return LVT_OK;
}

/* Apply an update of row `id` to row r at rowid nid; returns the rc. */
static int mupdate(model *m, int64_t id, const mrow *r, int64_t nid, int mode)
{
  int64_t out[3];
  int first, n, i;

  if (id < M_LO || id >= M_HI || !mget(m, id)->on) return LVT_NOTFOUND;
  n = mconflicts(m, r, nid, nid != id, id, out, &first);
  if (n && mode == LVT_CONFLICT_ABORT) return first;
  if (n && mode == LVT_CONFLICT_IGNORE) return LVT_IGNORED;
  for (i = 0; i < n; i++) mget(m, out[i])->on = 0;
  mget(m, id)->on = 0;
  *mget(m, nid) = *r;
  return LVT_OK;
}

/* Compare the table with the model: the same rowids, the same values. */
static void mcheck(lvt_txn *txn, lvt_table *t, model *m)
{
  lvt_cursor *cur = NULL;
  lvt_row row;
  int64_t id = M_LO;
  int rc;

  ck_ok(lvt_cursor_open(txn, t, -1, &cur));
  for (rc = lvt_cursor_range(cur, NULL, NULL, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    const mrow *r;
    lvt_value v;
    ck_ok(lvt_cursor_row(cur, &row));
    for (; id < row.rowid; id++)
      if (mget(m, id)->on) ck_abort_msg("row %" PRId64 " missing from the table", id);
    r = mget(m, row.rowid);
    if (!r->on) ck_abort_msg("row %" PRId64 " should not be in the table", row.rowid);
    v = col(&row, M_ID);
    REQ(v.type == LVT_INTEGER && v.u.i == row.rowid);
    v = col(&row, M_U);
    if (r->u_null) REQ(v.type == LVT_NULL);
    else REQ(v.type == LVT_TEXT && v.u.s.n == strlen(r->u) && !memcmp(v.u.s.p, r->u, v.u.s.n));
    v = col(&row, M_A);
    if (r->a_null) REQ(v.type == LVT_NULL);
    else REQ(v.type == LVT_INTEGER && v.u.i == r->a);
    v = col(&row, M_B);
    if (r->b_null) REQ(v.type == LVT_NULL);
    else REQ(v.type == LVT_TEXT && v.u.s.n == strlen(r->b) && !memcmp(v.u.s.p, r->b, v.u.s.n));
    v = col(&row, M_C);
    if (r->c_null) REQ(v.type == LVT_NULL);
    else REQ(v.type == LVT_REAL && v.u.r == r->c);
    id = row.rowid + 1;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  for (; id < M_HI; id++)
    if (mget(m, id)->on) ck_abort_msg("row %" PRId64 " missing from the table", id);
  lvt_cursor_close(cur);
}

/* A rowid to update or delete: mostly an existing row. */
static int64_t mpick(model *m)
{
  int empty;
  int64_t max = mmax(m, &empty), id, k;

  id = -20 + (int64_t)tu_below((uint64_t)(max + 42));
  if (empty || tu_below(5) == 0) return id;
  for (k = 0; k < M_HI - M_LO; k++, id++) {
    if (id >= M_HI) id = M_LO;
    if (mget(m, id)->on) return id;
  }
  return id;
}

/* One random insert, checked against the model. */
static void step_insert(lvt_txn *txn, lvt_table *t, model *m, int mode)
{
  mrow r;
  lvt_value v[M_NCOL];
  int64_t id = -20 + (int64_t)tu_below(420), rid = 0, mrid = 0;
  int has_id = tu_below(2), rc, want;

  rand_row(&r);
  row_vals(&r, has_id ? I(id) : N(), v);
  rc = lvt_insert(txn, t, v, &rid, (unsigned)mode);
  want = minsert(m, &r, has_id, id, mode, &mrid);
  REQ_EQ(rc, want);
  if (rc == LVT_OK) REQ_EQ(rid, mrid);
}

/* A random put_many of 1 to 4 rows, checked against the model. */
static void step_put_many(lvt_txn *txn, lvt_table *t, model *m, int mode)
{
  mrow r[4];
  lvt_value v[4 * M_NCOL];
  int64_t rid;
  size_t n = 1 + tu_below(4), i, done = 99, wdone = 0;
  int rc, want = LVT_OK, w;

  for (i = 0; i < n; i++) {
    int has_id = tu_below(3) == 0;
    int64_t id = -20 + (int64_t)tu_below(420);
    rand_row(&r[i]);
    row_vals(&r[i], has_id ? I(id) : N(), v + i * M_NCOL);
  }
  rc = lvt_put_many(txn, t, v, n, (unsigned)mode, &done);
  for (i = 0; i < n; i++) {
    int has_id = v[i * M_NCOL].type == LVT_INTEGER;
    w = minsert(m, &r[i], has_id, has_id ? v[i * M_NCOL].u.i : 0, mode, &rid);
    if (w != LVT_OK && w != LVT_IGNORED) { want = w; break; }
  }
  wdone = i;
  REQ_EQ(rc, want);
  REQ_EQ(done, wdone);
}

/* A random update (often moving the row), checked against the model. */
static void step_update(lvt_txn *txn, lvt_table *t, model *m, int mode)
{
  mrow r;
  lvt_value v[M_NCOL];
  int64_t id = mpick(m), nid = tu_below(10) < 7 ? id : -20 + (int64_t)tu_below(420);
  int rc, want;

  rand_row(&r);
  row_vals(&r, I(nid), v);
  rc = lvt_update(txn, t, id, NULL, v, (unsigned)mode);
  want = mupdate(m, id, &r, nid, mode);
  REQ_EQ(rc, want);
}

/* A random delete, checked against the model. */
static void step_delete(lvt_txn *txn, lvt_table *t, model *m)
{
  int64_t id = mpick(m);
  int on = id >= M_LO && id < M_HI && mget(m, id)->on;
  int rc = lvt_delete(txn, t, id);

  REQ_EQ(rc, on ? LVT_OK : LVT_NOTFOUND);
  if (on) mget(m, id)->on = 0;
}

/* The model test (see the top of the file). */
START_TEST(test_model)
{
  enum { STEPS = 20000 };
  static const int c_u[] = { M_U }, c_ab[] = { M_A, M_B }, c_ac[] = { M_A, M_C };
  static const unsigned char d10[] = { 1, 0 }, d01[] = { 0, 1 };
  static const lvt_column_def cols[] = {
    { "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "u", "TEXT", LVT_AFF_TEXT, 0, LVT_COLL_NOCASE, 0, { LVT_NULL, { 0 } } },
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, LVT_COLL_NOCASE, 0, { LVT_NULL, { 0 } } },
    { "c", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  const lvt_index_def idx[] = {
    { "m_u", 1, 0, 1, c_u, NULL },
    { "m_ab", 0, 0, 2, c_ab, d10 },
    { "m_ac", 1, 0, 2, c_ac, d01 },
  };
  lvt_table_def d = { "m", M_NCOL, cols, 0, 3, idx, 0 };
  size_t msize = (size_t)(M_HI - M_LO) * sizeof(mrow);
  model m;
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;
  int step, op, mode;

  fx_open(&f, "tab-model");
  m.rows = calloc(1, msize);
  m.saved = calloc(1, msize);
  REQ(m.rows && m.saved);
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "m", &t));
  ck_ok(lvt_txn_commit(txn));
  txn = wtxn(&f);
  for (step = 0; step < STEPS; step++) {
    op = (int)tu_below(100);
    mode = (int)tu_below(3);
    if (op < 40) step_insert(txn, t, &m, mode);
    else if (op < 50) step_put_many(txn, t, &m, mode);
    else if (op < 78) step_update(txn, t, &m, mode);
    else step_delete(txn, t, &m);
    mcheck(txn, t, &m);
    if (step % 500 == 499) verify_indexes(txn, t);
    if (step % 300 == 299) {
      if (tu_below(7) == 0) {
        lvt_txn_abort(txn);
        memcpy(m.rows, m.saved, msize);
      } else {
        ck_ok(lvt_txn_commit(txn));
        memcpy(m.saved, m.rows, msize);
      }
      txn = wtxn(&f);
      mcheck(txn, t, &m);
    }
  }
  verify_indexes(txn, t);
  ck_ok(lvt_txn_commit(txn));
  lvt_table_close(t);
  /* a fresh handle in a read transaction sees the same */
  txn = rtxn(&f);
  ck_ok(lvt_table_open(txn, "m", &t));
  mcheck(txn, t, &m);
  verify_indexes(txn, t);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  free(m.rows);
  free(m.saved);
  fx_close(&f);
}
END_TEST

static Suite *table_suite(void)
{
  Suite *s = suite_create("table");
  TCase *tc = tcase_create("rows");
  TCase *tm = tcase_create("model");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_crud);
  tcase_add_test(tc, test_affinity);
  tcase_add_test(tc, test_strict);
  tcase_add_test(tc, test_notnull);
  tcase_add_test(tc, test_unique);
  tcase_add_test(tc, test_composite_unique);
  tcase_add_test(tc, test_rowid_conflict);
  tcase_add_test(tc, test_replace_many);
  tcase_add_test(tc, test_ignore);
  tcase_add_test(tc, test_check_order);
  tcase_add_test(tc, test_toobig);
  tcase_add_test(tc, test_nan);
  tcase_add_test(tc, test_rowids);
  tcase_add_test(tc, test_update_diff);
  tcase_add_test(tc, test_trailing_default);
  tcase_add_test(tc, test_put_many);
  tcase_add_test(tc, test_get_many);
  tcase_add_test(tc, test_probe_affinity);
  tcase_add_test(tc, test_index_create);
  tcase_add_test(tc, test_second_handle);
  suite_add_tcase(s, tc);
  tcase_set_timeout(tm, 120);
  tcase_add_test(tm, test_model);
  suite_add_tcase(s, tm);
  return s;
}

int main(void)
{
  seed = tu_seed_from_env(20240601);
  printf("check_table: LVT_SEED=%" PRIu64 "\n", seed);
  return tu_run(table_suite());
}
