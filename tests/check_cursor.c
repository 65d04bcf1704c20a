/*
 * check_cursor.c -- Check suite for range scans (ext/cursor.c).
 *
 * The law: a cursor over [lo, hi] returns exactly the entries whose leading
 * columns lie within the bounds, in index order (reversed when asked), as a
 * brute-force filter and sort of the rows with lvt_value_compare says.
 * That is checked for thousands of random bounds -- inclusive, exclusive,
 * one or two columns, a DESC column, a NOCASE column, NULLs -- on the rowid
 * and on indexes.  Then rowid bounds of every type (fractional REALs, NULL,
 * TEXT, the int64 extremes), empty ranges, and scans with writes in the
 * same transaction: deleting, inserting ahead and behind, moving rows past
 * the end, dropping the index, and growing the map (the MDB_txn is then
 * replaced): a scan never returns a key twice and always ends.
 */
#include "table_int.h"

#include <inttypes.h>
#include <math.h>

#include "coreutil.h"

/* ------------------------------------------------------------ helpers -- */

/* t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT COLLATE NOCASE, c BLOB)
 * indexes t_a(a), t_ab(a DESC, b), t_b(b DESC). */
enum { C_ID, C_A, C_B, C_C, NCOL };
enum { X_A, X_AB, X_B, NIDX };
static const int ca[] = { C_A }, cab[] = { C_A, C_B }, cb[] = { C_B };
static const unsigned char d10[] = { 1, 0 }, d1[] = { 1 };
static const lvt_column_def tcols[] = {
  { "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "b", "TEXT", LVT_AFF_TEXT, 0, LVT_COLL_NOCASE, 0, { LVT_NULL, { 0 } } },
  { "c", "BLOB", LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } },
};
static const lvt_index_def tidx[] = {
  { "t_a", 0, 0, 1, ca, NULL },
  { "t_ab", 0, 0, 2, cab, d10 },
  { "t_b", 0, 0, 1, cb, d1 },
};

static const char *const bvals[] = { "apple", "Apple", "b", "B ", "cherry", "", "Zz" };
#define NB (sizeof bvals / sizeof bvals[0])

/* In-memory copy of the rows, for the brute force. */
typedef struct trow {
  int64_t id;
  lvt_value v[NCOL];
} trow;

/* Create t with n rows: ids spread out (some negative), a in 0..9 or
 * NULL, b from bvals or NULL.  rows[] gets a copy. */
static lvt_table *make_table(lvt_txn *txn, trow *rows, int n)
{
  lvt_table_def d = { "t", NCOL, tcols, C_ID, NIDX, tidx, 0 };
  lvt_table *t = NULL;
  int i;

  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "t", &t));
  for (i = 0; i < n; i++) {
    trow *r = &rows[i];
    r->id = (int64_t)i * 3 - 60;
    r->v[C_ID] = I(r->id);
    r->v[C_A] = tu_below(8) == 0 ? N() : I((int64_t)tu_below(10));
    r->v[C_B] = tu_below(8) == 0 ? N() : T(bvals[tu_below(NB)]);
    r->v[C_C] = N();
    ck_ok(lvt_insert(txn, t, r->v, NULL, 0));
  }
  return t;
}

/* Compare the first n key columns of row values rv with vals, in the order
 * of index k (-1: the rowid), as the brute force sees it. */
static int key_cmp(int k, const trow *r, const lvt_value *vals, int n)
{
  int j, d;

  if (k < 0) {
    lvt_value id = I(r->id);
    return lvt_value_compare(&id, &vals[0], LVT_COLL_BINARY);
  }
  for (j = 0; j < n; j++) {
    int c = tidx[k].cols[j];
    d = lvt_value_compare(&r->v[c], &vals[j], tcols[c].collation);
    if (tidx[k].desc && tidx[k].desc[j]) d = -d;
    if (d) return d;
  }
  return 0;
}

static int sort_index;   /* the index qsort orders by */

static int row_order(const void *a, const void *b)
{
  const trow *x = *(const trow *const *)a, *y = *(const trow *const *)b;
  int d = 0, j;

  for (j = 0; sort_index >= 0 && j < tidx[sort_index].ncol && !d; j++) {
    int c = tidx[sort_index].cols[j];
    d = lvt_value_compare(&x->v[c], &y->v[c], tcols[c].collation);
    if (tidx[sort_index].desc && tidx[sort_index].desc[j]) d = -d;
  }
  if (d) return d;
  return (x->id > y->id) - (x->id < y->id);
}

/* The rowids a scan of index k over [lo, hi] must return, in order. */
static int64_t *expect(trow *rows, int n, int k, const lvt_bound *lo,
                       const lvt_bound *hi, int reverse, int *count)
{
  trow **sel = malloc((size_t)n * sizeof *sel);
  int64_t *ids = malloc((size_t)n * sizeof *ids + 1);
  int i, m = 0, d;

  REQ(sel && ids);
  for (i = 0; i < n; i++) {
    if (lo && lo->n) {
      d = key_cmp(k, &rows[i], lo->vals, lo->n);
      if (d < 0 || (d == 0 && !lo->inclusive)) continue;
    }
    if (hi && hi->n) {
      d = key_cmp(k, &rows[i], hi->vals, hi->n);
      if (d > 0 || (d == 0 && !hi->inclusive)) continue;
    }
    sel[m++] = &rows[i];
  }
  sort_index = k;
  qsort(sel, (size_t)m, sizeof *sel, row_order);
  for (i = 0; i < m; i++) ids[i] = sel[reverse ? m - 1 - i : i]->id;
  free(sel);
  *count = m;
  return ids;
}

/* Run a scan and check it returns exactly want[0..nwant-1]; each row
 * fetched through the cursor has the rowid the entry names. */
static void scan_is(lvt_txn *txn, lvt_table *t, int k, const lvt_bound *lo,
                    const lvt_bound *hi, int reverse, const int64_t *want, int nwant)
{
  lvt_cursor *cur = NULL;
  lvt_row row;
  int64_t id;
  int i = 0, rc;

  ck_ok(lvt_cursor_open(txn, t, k, &cur));
  for (rc = lvt_cursor_range(cur, lo, hi, reverse); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    ck_ok(lvt_cursor_rowid(cur, &id));
    if (i >= nwant) ck_abort_msg("index %d: extra rowid %" PRId64 " after %d", k, id, i);
    if (id != want[i])
      ck_abort_msg("index %d rev %d: entry %d is %" PRId64 ", want %" PRId64, k, reverse,
                   i, id, want[i]);
    ck_ok(lvt_cursor_row(cur, &row));
    REQ_EQ(row.rowid, id);
    i++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  REQ_EQ(lvt_cursor_next(cur), LVT_NOTFOUND);     /* stays ended */
  if (i != nwant) ck_abort_msg("index %d: %d entries, want %d", k, i, nwant);
  lvt_cursor_close(cur);
}

/* Scan and compare with the brute force. */
static void check_range(lvt_txn *txn, lvt_table *t, trow *rows, int n, int k,
                        const lvt_bound *lo, const lvt_bound *hi, int reverse)
{
  int m = 0;
  int64_t *ids = expect(rows, n, k, lo, hi, reverse, &m);
  scan_is(txn, t, k, lo, hi, reverse, ids, m);
  free(ids);
}

/* A random key value for column c. */
static lvt_value rand_key(int c)
{
  static const char *const extra[] = { "a", "c", "APPLE", "b" };
  if (tu_below(6) == 0) return N();
  if (c == C_A) return I(-1 + (int64_t)tu_below(12));
  if (tu_below(3) == 0) return T(extra[tu_below(4)]);
  return T(bvals[tu_below(NB)]);
}

/* Random bound for index k (-1: rowid) into b/vals; NULL when unbounded. */
static const lvt_bound *rand_bound(int k, lvt_bound *b, lvt_value vals[2])
{
  int j;

  if (tu_below(4) == 0) return NULL;
  b->inclusive = (int)tu_below(2);
  b->vals = vals;
  if (k < 0) {
    b->n = 1;
    switch (tu_below(5)) {
    case 0: vals[0] = R(-62.5 + (double)tu_below(700) / 2); break;
    case 1: vals[0] = tu_below(4) ? N() : T("zzz"); break;
    default: vals[0] = I(-70 + (int64_t)tu_below(700)); break;
    }
    return b;
  }
  b->n = 1 + (int)tu_below((uint64_t)tidx[k].ncol);
  for (j = 0; j < b->n; j++) vals[j] = rand_key(tidx[k].cols[j]);
  return b;
}

/* -------------------------------------------------------------- tests -- */

enum { NROWS = 300 };

/* Thousands of random ranges on the rowid and on each index. */
START_TEST(test_random_ranges)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  lvt_bound lb, hb;
  lvt_value lv[2], hv[2];
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  int i;

  fx_open(&f, "cur-rand");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  for (i = 0; i < 4000; i++) {
    int k = (int)tu_below(NIDX + 1) - 1;
    const lvt_bound *lo = rand_bound(k, &lb, lv);
    const lvt_bound *hi = rand_bound(k, &hb, hv);
    check_range(txn, t, rows, NROWS, k, lo, hi, (int)tu_below(2));
  }
  /* unbounded, both directions, everywhere */
  for (i = -1; i < NIDX; i++) {
    check_range(txn, t, rows, NROWS, i, NULL, NULL, 0);
    check_range(txn, t, rows, NROWS, i, NULL, NULL, 1);
  }
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

/* Rowid bounds of every type. */
START_TEST(test_rowid_bounds)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  lvt_value v;
  lvt_bound b = { &v, 1, 1 }, e = { &v, 1, 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_cursor *cur = NULL;
  int64_t id;
  int64_t extremes[2] = { INT64_MIN, INT64_MAX };

  fx_open(&f, "cur-rowid");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  ck_ok(lvt_cursor_open(txn, t, -1, &cur));
  v = R(-4.5);                            /* ids are -60, -57, ..., multiples of 3 */
  ck_ok(lvt_cursor_range(cur, &b, NULL, 0));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ_EQ(id, -3);
  v = T(" 3 ");                           /* numeric text: INTEGER affinity */
  ck_ok(lvt_cursor_range(cur, &e, NULL, 0));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ_EQ(id, 6);
  v = R(3.0);
  ck_ok(lvt_cursor_range(cur, NULL, &b, 1));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ_EQ(id, 3);
  ck_ok(lvt_cursor_range(cur, NULL, &e, 1));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ_EQ(id, 0);
  v = N();                                /* NULL: below every rowid */
  REQ_EQ(lvt_cursor_range(cur, NULL, &b, 0), LVT_NOTFOUND);
  ck_ok(lvt_cursor_range(cur, &e, NULL, 0));
  v = T("x");                             /* TEXT: above every rowid */
  REQ_EQ(lvt_cursor_range(cur, &b, NULL, 0), LVT_NOTFOUND);
  ck_ok(lvt_cursor_range(cur, NULL, &e, 1));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ_EQ(id, (NROWS - 1) * 3 - 60);
  v = R(1e300);
  REQ_EQ(lvt_cursor_range(cur, &b, NULL, 0), LVT_NOTFOUND);
  ck_ok(lvt_cursor_range(cur, NULL, &b, 0));
  v = R(-1e300);
  REQ_EQ(lvt_cursor_range(cur, NULL, &b, 0), LVT_NOTFOUND);
  /* the int64 extremes */
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(INT64_MIN), N(), N(), N() }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(INT64_MAX), N(), N(), N() }, NULL, 0));
  v = I(INT64_MAX);
  ck_ok(lvt_cursor_range(cur, &b, NULL, 0));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ(id == INT64_MAX);
  REQ_EQ(lvt_cursor_next(cur), LVT_NOTFOUND);
  REQ_EQ(lvt_cursor_range(cur, &e, NULL, 0), LVT_NOTFOUND);
  ck_ok(lvt_cursor_range(cur, NULL, &b, 1));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ(id == INT64_MAX);
  v = I(INT64_MIN);
  ck_ok(lvt_cursor_range(cur, NULL, &b, 0));
  ck_ok(lvt_cursor_rowid(cur, &id));
  REQ(id == INT64_MIN);
  REQ_EQ(lvt_cursor_range(cur, NULL, &e, 0), LVT_NOTFOUND);
  scan_is(txn, t, -1, &(lvt_bound){ (lvt_value[]){ I(INT64_MAX - 1) }, 1, 0 }, NULL, 0,
          &extremes[1], 1);
  scan_is(txn, t, -1, NULL, &(lvt_bound){ (lvt_value[]){ I(INT64_MIN + 1) }, 1, 0 }, 1,
          &extremes[0], 1);
  /* bad bounds */
  REQ_EQ(lvt_cursor_range(cur, &(lvt_bound){ &v, 2, 1 }, NULL, 0), LVT_MISUSE);
  lvt_cursor_close(cur);
  REQ_EQ(lvt_cursor_open(txn, t, 3, &cur), LVT_NOINDEX);
  ck_ok(lvt_cursor_open(txn, t, X_A, &cur));
  REQ_EQ(lvt_cursor_range(cur, &(lvt_bound){ (lvt_value[]){ I(1), I(2) }, 2, 1 }, NULL, 0),
         LVT_MISUSE);
  REQ_EQ(lvt_cursor_rowid(cur, &id), LVT_NOTFOUND);
  lvt_cursor_close(cur);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

/* Empty ranges, DESC order, prefix bounds on a composite index. */
START_TEST(test_index_bounds)
{
  static const lvt_column_def cols[] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  static const int c01[] = { 0, 1 };
  static const unsigned char desc[] = { 1, 0 };
  lvt_index_def x = { "d_ab", 0, 0, 2, c01, desc };
  lvt_table_def d = { "d", 2, cols, -1, 1, &x, 0 };
  int64_t all_desc[9], five[3] = { 4, 5, 6 }, five_b[2] = { 5, 6 }, none[1] = { 0 };
  fx f;
  lvt_txn *txn;
  lvt_table *t = NULL;
  int i;

  fx_open(&f, "cur-idx");
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "d", &t));
  /* rowid r: a = (r - 1) / 3 + 4, b = "x", "y", "z" */
  for (i = 1; i <= 9; i++) {
    static const char *const bs[] = { "x", "y", "z" };
    ck_ok(lvt_insert(txn, t, (lvt_value[]){ I((i - 1) / 3 + 4), T(bs[(i - 1) % 3]) }, NULL, 0));
  }
  /* ascending index order: a DESC, then b ASC */
  for (i = 0; i < 9; i++) all_desc[i] = (int64_t[]){ 7, 8, 9, 4, 5, 6, 1, 2, 3 }[i];
  scan_is(txn, t, 0, NULL, NULL, 0, all_desc, 9);
  /* a = 5, a prefix bound inclusive on both ends */
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 1 },
          &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 1 }, 0, five, 3);
  /* a = 5 and b > 'x' */
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ I(5), T("x") }, 2, 0 },
          &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 1 }, 0, five_b, 2);
  /* "a > 5" is an upper bound on a DESC column */
  scan_is(txn, t, 0, NULL, &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 0 }, 0, all_desc, 3);
  /* empty: lo above hi; equal exclusive; between two keys */
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ I(4) }, 1, 1 },
          &(lvt_bound){ (lvt_value[]){ I(6) }, 1, 1 }, 0, none, 0);
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 0 },
          &(lvt_bound){ (lvt_value[]){ I(5) }, 1, 1 }, 1, none, 0);
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ I(5), T("xa") }, 2, 1 },
          &(lvt_bound){ (lvt_value[]){ I(5), T("xz") }, 2, 1 }, 0, none, 0);
  scan_is(txn, t, 0, &(lvt_bound){ (lvt_value[]){ R(5.5) }, 1, 1 },
          &(lvt_bound){ (lvt_value[]){ R(5.25) }, 1, 1 }, 0, none, 0);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  fx_close(&f);
}
END_TEST

/* ------------------------------------------------ writes during a scan -- */

/* Scan the table deleting each row met: every row once, then the end. */
START_TEST(test_delete_while_scanning)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_cursor *cur = NULL;
  lvt_stat st;
  int64_t id, last = INT64_MIN;
  int rc, n = 0, rev;

  fx_open(&f, "cur-del");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  for (rev = 0; rev < 2; rev++) {
    ck_ok(lvt_cursor_open(txn, t, rev ? X_AB : -1, &cur));
    for (rc = lvt_cursor_range(cur, NULL, NULL, rev), n = 0; rc == LVT_OK;
         rc = lvt_cursor_next(cur)) {
      lvt_row row;
      ck_ok(lvt_cursor_rowid(cur, &id));
      if (!rev) REQ(id > last);
      last = id;
      ck_ok(lvt_cursor_row(cur, &row));
      if (n % 2 == 0 || rev) ck_ok(lvt_delete(txn, t, id));
      REQ_EQ(lvt_cursor_row(cur, &row), (n % 2 == 0 || rev) ? LVT_NOTFOUND : LVT_OK);
      n++;
    }
    REQ_EQ(rc, LVT_NOTFOUND);
    REQ_EQ(n, rev ? NROWS / 2 : NROWS);
    lvt_cursor_close(cur);
  }
  ck_ok(lvt_table_stat(txn, t, -1, &st));
  REQ_EQ(st.entries, 0);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

/* Inserting ahead of and behind a scan, and moving the rows met past the
 * end of an index range: no key twice, always an end. */
START_TEST(test_insert_update_while_scanning)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  lvt_bound hi = { (lvt_value[]){ I(9) }, 1, 1 };
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_cursor *cur = NULL;
  int64_t id, last = INT64_MIN, behind = -1000, seen = 0;
  int rc, n = 0, moved = 0, before;

  fx_open(&f, "cur-ins");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  /* forward over the rowids, inserting one row behind and one ahead */
  ck_ok(lvt_cursor_open(txn, t, -1, &cur));
  for (rc = lvt_cursor_range(cur, NULL, &(lvt_bound){ (lvt_value[]){ I(2000) }, 1, 1 }, 0);
       rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    ck_ok(lvt_cursor_rowid(cur, &id));
    REQ(id > last);
    last = id;
    ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(behind--), N(), N(), N() }, NULL, 0));
    if (id < 900)                        /* the originals (ids up to 837) */
      ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(id + 1000), N(), N(), N() }, NULL, 0));
    n++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  REQ_EQ(n, 2 * NROWS);                 /* the originals and the ahead ones */
  lvt_cursor_close(cur);
  /* an index scan of a in [.., 9] that moves each row met to a + 100 */
  ck_ok(lvt_cursor_open(txn, t, X_A, &cur));
  before = 0;
  for (id = 0; id < NROWS; id++) before += rows[id].v[C_A].type == LVT_INTEGER;
  for (rc = lvt_cursor_range(cur, NULL, &hi, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    lvt_row row;
    lvt_value v[NCOL];
    int c;
    ck_ok(lvt_cursor_row(cur, &row));
    for (c = 0; c < NCOL; c++) ck_ok(lvt_row_column(&row, c, &v[c]));
    seen++;
    if (v[C_A].type != LVT_INTEGER) continue;
    v[C_A].u.i += 100;
    ck_ok(lvt_update(txn, t, row.rowid, NULL, v, 0));
    moved++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  REQ_EQ(moved, before);
  lvt_cursor_close(cur);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

/* An index dropped during a scan of it: an error, not a crash. */
START_TEST(test_index_dropped_while_scanning)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  fx f;
  lvt_txn *txn;
  lvt_table *t, *t2 = NULL;
  lvt_cursor *cur = NULL;

  fx_open(&f, "cur-drop");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  ck_ok(lvt_table_open(txn, "t", &t2));
  ck_ok(lvt_cursor_open(txn, t, X_B, &cur));
  ck_ok(lvt_cursor_range(cur, NULL, NULL, 0));
  ck_ok(lvt_cursor_next(cur));
  ck_ok(lvt_index_drop(txn, t2, "t_a"));      /* another index: the scan goes on */
  ck_ok(lvt_cursor_next(cur));
  ck_ok(lvt_index_drop(txn, t2, "t_b"));
  REQ_EQ(lvt_cursor_next(cur), LVT_NOINDEX);
  lvt_cursor_close(cur);
  lvt_table_close(t2);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

/* Writes that grow the map under a scan: the MDB_txn is replaced and the
 * cursor goes on from its saved key. */
START_TEST(test_map_growth_while_scanning)
{
  enum { BIG = 64 * 1024 };
  trow *rows = calloc(NROWS, sizeof *rows);
  unsigned char *blob = calloc(1, BIG);
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  lvt_cursor *cur = NULL;
  lvt_env_info info0, info1;
  unsigned gen0;
  int64_t id, last = INT64_MIN;
  int rc, n = 0;

  fx_open_map(&f, "cur-grow", (size_t)1 << 20);
  ck_ok(lvt_env_info_get(f.env, &info0));
  txn = wtxn(&f);
  gen0 = lvt_txn_gen(txn);
  t = make_table(txn, rows, NROWS);
  ck_ok(lvt_cursor_open(txn, t, X_A, &cur));
  for (rc = lvt_cursor_range(cur, NULL, NULL, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    lvt_row row;
    lvt_value v[NCOL];
    int c;
    ck_ok(lvt_cursor_rowid(cur, &id));
    REQ(id != last);
    last = id;
    ck_ok(lvt_cursor_row(cur, &row));
    for (c = 0; c < NCOL; c++) ck_ok(lvt_row_column(&row, c, &v[c]));
    blob[0] = (unsigned char)n;
    v[C_C].type = LVT_BLOB;
    v[C_C].u.s.p = blob;
    v[C_C].u.s.n = BIG;
    ck_ok(lvt_update(txn, t, id, NULL, v, 0));
    n++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  REQ_EQ(n, NROWS);
  lvt_cursor_close(cur);
  ck_ok(lvt_env_info_get(f.env, &info1));
  ck_assert_msg(lvt_txn_gen(txn) != gen0 || info1.mapsize > info0.mapsize,
                "the map did not grow (%zu bytes)", info1.mapsize);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  free(blob);
  fx_close(&f);
}
END_TEST

/* A scan across savepoints: the cursor follows the current nesting level
 * (lvt_txn_mdb changes) and goes on from its key; rows inserted in an
 * aborted savepoint vanish, those of a released one stay. */
START_TEST(test_savepoints)
{
  trow *rows = calloc(NROWS, sizeof *rows);
  fx f;
  lvt_txn *txn, *sp;
  lvt_table *t;
  lvt_cursor *cur = NULL;
  lvt_stat st;
  int64_t id, last = INT64_MIN;
  int rc, n = 0;

  fx_open(&f, "cur-sp");
  txn = wtxn(&f);
  t = make_table(txn, rows, NROWS);
  ck_ok(lvt_cursor_open(txn, t, -1, &cur));
  for (rc = lvt_cursor_range(cur, NULL, NULL, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    ck_ok(lvt_cursor_rowid(cur, &id));
    REQ(id > last);
    last = id;
    if (n % 50 == 10) {
      ck_ok(lvt_txn_begin(f.env, txn, 0, 0, &sp));
      ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(id + 1), I(1), N(), N() }, NULL, 0));
      ck_ok(lvt_cursor_next(cur));               /* inside the savepoint */
      ck_ok(lvt_cursor_rowid(cur, &id));
      REQ_EQ(id, last + 1);
      last = id;
      if (n % 100 == 10) lvt_txn_abort(sp);
      else ck_ok(lvt_txn_commit(sp));
    }
    n++;
  }
  REQ_EQ(rc, LVT_NOTFOUND);
  lvt_cursor_close(cur);
  ck_ok(lvt_table_stat(txn, t, -1, &st));
  REQ_EQ(st.entries, NROWS + 3);                  /* 6 savepoints, 3 released */
  ck_ok(lvt_table_stat(txn, t, X_A, &st));
  REQ_EQ(st.entries, NROWS + 3);
  lvt_table_close(t);
  ck_ok(lvt_txn_commit(txn));
  free(rows);
  fx_close(&f);
}
END_TEST

static Suite *cursor_suite(void)
{
  Suite *s = suite_create("cursor");
  TCase *tc = tcase_create("ranges");
  TCase *tw = tcase_create("writes");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_random_ranges);
  tcase_add_test(tc, test_rowid_bounds);
  tcase_add_test(tc, test_index_bounds);
  suite_add_tcase(s, tc);
  tcase_set_timeout(tw, 60);
  tcase_add_test(tw, test_delete_while_scanning);
  tcase_add_test(tw, test_insert_update_while_scanning);
  tcase_add_test(tw, test_index_dropped_while_scanning);
  tcase_add_test(tw, test_map_growth_while_scanning);
  tcase_add_test(tw, test_savepoints);
  suite_add_tcase(s, tw);
  return s;
}

int main(void)
{
  seed = tu_seed_from_env(20240602);
  printf("check_cursor: LVT_SEED=%" PRIu64 "\n", seed);
  return tu_run(cursor_suite());
}
