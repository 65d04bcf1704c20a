/*
 * check_check.c -- Check suite for the integrity check (ext/check.c).
 *
 * A table with an INTEGER PRIMARY KEY, a NOCASE unique column, a NOT NULL
 * column, a composite index with a DESC column and a column with a DEFAULT
 * is filled through the API and checked: no problem.  Then each kind of
 * damage is done to it on purpose, below the API (lvt_txn_put and
 * lvt_txn_del on its sub-databases, as a bug or a stray writer would), in
 * a write transaction of its own that is aborted afterwards, and the check
 * must name exactly that damage: an index entry deleted, one for a row
 * that does not exist, one that does not match its row, a duplicate in a
 * unique index, undecodable keys, records and entries, a record with more
 * columns than the catalog, a NULL in a NOT NULL column, an INTEGER
 * PRIMARY KEY that is not the rowid, an index sub-database gone from under
 * the catalog.  The callback can stop the check; misuse is refused.
 *
 * The property test runs random inserts, updates (moving rows too),
 * deletes and REPLACEs through the API, with every storage class, and
 * checks after each batch that the check finds nothing: what table.c
 * writes is exactly what check.c expects.  LVT_SEED=n replays a run.
 */
#include "table_int.h"

#include <inttypes.h>
#include <math.h>

#include "coreutil.h"

/* ------------------------------------------------------------ helpers -- */

/* The table: t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE,
 * b INT NOT NULL, c REAL, d DEFAULT 'dflt', INDEX t_bc(b, c DESC),
 * INDEX t_d(d)). */
enum { C_ID, C_NAME, C_B, C_C, C_D, NCOL };
enum { X_NAME, X_BC, X_D, NIDX };

static lvt_table *make_table(lvt_txn *txn)
{
  static const int c_name[] = { C_NAME }, c_bc[] = { C_B, C_C }, c_d[] = { C_D };
  static const unsigned char d01[] = { 0, 1 };
  lvt_column_def cols[NCOL];
  lvt_index_def idx[NIDX] = {
    { "t_name", 1, 0, 1, c_name, NULL },
    { "t_bc", 0, 0, 2, c_bc, d01 },
    { "t_d", 0, 0, 1, c_d, NULL },
  };
  lvt_table_def d = { "t", NCOL, cols, C_ID, NIDX, idx, 0 };
  lvt_table *t = NULL;

  memset(cols, 0, sizeof cols);
  cols[C_ID] = (lvt_column_def){ "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { 0 } };
  cols[C_NAME] = (lvt_column_def){ "name", "TEXT", LVT_AFF_TEXT, 0, LVT_COLL_NOCASE, 0, { 0 } };
  cols[C_B] = (lvt_column_def){ "b", "INT", LVT_AFF_INTEGER, 1, 0, 0, { 0 } };
  cols[C_C] = (lvt_column_def){ "c", "REAL", LVT_AFF_REAL, 0, 0, 0, { 0 } };
  cols[C_D] = (lvt_column_def){ "d", NULL, LVT_AFF_BLOB, 0, 0, 1, T("dflt") };
  ck_ok(lvt_table_create(txn, &d));
  ck_ok(lvt_table_open(txn, "t", &t));
  return t;
}

/* Rows 1..n: name "n<i>", b = i % 5, c = i / 4.0, d = "dflt". */
static void fill(lvt_txn *txn, lvt_table *t, int n)
{
  char name[32];
  int i;
  for (i = 1; i <= n; i++) {
    int64_t rowid = 0;
    snprintf(name, sizeof name, "n%d", i);
    ck_ok(lvt_insert(txn, t, (lvt_value[]){ I(i), T(name), I(i % 5), R(i / 4.0), T("dflt") },
                     &rowid, 0));
  }
}

/* The problems of one check, joined by newlines. */
typedef struct found {
  char text[8192];
  size_t n;
  int count;
  int stop_after;           /* callback returns nonzero at this count (0: never) */
} found;

static int collect(void *ctx, const char *problem)
{
  found *f = ctx;
  int w = snprintf(f->text + f->n, sizeof f->text - f->n, "%s%s", f->count ? "\n" : "", problem);
  if (w > 0 && f->n + (size_t)w < sizeof f->text) f->n += (size_t)w;
  f->count++;
  return f->stop_after && f->count >= f->stop_after;
}

/* Run the check and return its findings (the struct is static). */
static found *check(lvt_txn *txn, lvt_table *t)
{
  static found f;
  unsigned long n = 0;
  memset(&f, 0, sizeof f);
  ck_ok(lvt_check_table(txn, t, collect, &f, &n));
  ck_assert_uint_eq(n, (unsigned long)f.count);
  return &f;
}

/* Assert the check found exactly `count` problems, one containing frag. */
#define ck_found(txn, t, want, frag)                                           \
  do {                                                                        \
    found *f_ = check((txn), (t));                                            \
    ck_assert_msg(f_->count == (want), "want %d problems, got %d:\n%s",       \
                  (want), f_->count, f_->text);                               \
    ck_assert_msg(strstr(f_->text, (frag)) != NULL,                           \
                  "problems lack \"%s\":\n%s", (frag), f_->text);             \
  } while (0)

#define ck_clean(txn, t)                                                      \
  do {                                                                        \
    found *f_ = check((txn), (t));                                            \
    ck_assert_msg(f_->count == 0, "problems:\n%s", f_->text);                 \
  } while (0)

/* First entry of index k (or of the table, k = -1): copied to out. */
static size_t first_key(lvt_txn *txn, lvt_table *t, int k, unsigned char *out, size_t cap)
{
  MDB_cursor *c;
  MDB_val key, val;
  ck_ok(lvt_tab_sync(txn, t));
  ck_assert_int_eq(mdb_cursor_open(lvt_txn_mdb(txn), k < 0 ? t->dbi : t->idbi[k], &c), 0);
  ck_assert_int_eq(mdb_cursor_get(c, &key, &val, MDB_FIRST), 0);
  ck_assert_uint_le(key.mv_size, cap);
  memcpy(out, key.mv_data, key.mv_size);
  mdb_cursor_close(c);
  return key.mv_size;
}

/* Raw put / delete in index k (-1: the table). */
static void raw_put(lvt_txn *txn, lvt_table *t, int k, const void *key, size_t nkey,
                    const void *val, size_t nval)
{
  MDB_val mk = { nkey, (void *)key }, mv = { nval, (void *)(val ? val : "") };
  ck_ok(lvt_txn_put(txn, k < 0 ? t->dbi : t->idbi[k], &mk, &mv, 0));
}

static void raw_del(lvt_txn *txn, lvt_table *t, int k, const void *key, size_t nkey)
{
  MDB_val mk = { nkey, (void *)key };
  ck_ok(lvt_txn_del(txn, k < 0 ? t->dbi : t->idbi[k], &mk));
}

/* Replace the record of row `rowid` with the encoding of n values. */
static void raw_record(lvt_txn *txn, lvt_table *t, int64_t rowid, const lvt_value *vals, int n)
{
  unsigned char rk[LVT_ROWID_SIZE];
  lvt_buf rec = { 0 };
  lvt_key_rowid_put(rk, rowid);
  ck_ok(lvt_rec_encode(&rec, vals, n));
  raw_put(txn, t, -1, rk, sizeof rk, rec.p, rec.n);
  lvt_buf_free(&rec);
}

/* An environment with the table filled and committed; the caller gets a
 * write transaction to damage. */
static lvt_table *setup(fx *f, const char *tag, lvt_txn **txnp)
{
  lvt_txn *txn;
  lvt_table *t;
  fx_open(f, tag);
  txn = wtxn(f);
  t = make_table(txn);
  fill(txn, t, 40);
  ck_ok(lvt_txn_commit(txn));
  *txnp = wtxn(f);
  return t;
}

/* -------------------------------------------------------------- cases -- */

START_TEST(test_clean)
{
  fx f;
  lvt_txn *txn, *r;
  lvt_table *t = setup(&f, "chk-clean", &txn);
  unsigned long n = 99;

  ck_clean(txn, t);
  /* NULLs, blobs, text in the REAL column, a negative zero: still clean */
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), N(), I(-3), N(), N() }, NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), B("\0\1", 2), I(7), T("abc"), B("x\0y", 3) },
                   NULL, 0));
  ck_ok(lvt_insert(txn, t, (lvt_value[]){ N(), T("MiXeD"), I(0), R(-0.0), R(1e300) }, NULL, 0));
  ck_clean(txn, t);
  ck_ok(lvt_txn_commit(txn));
  /* a read-only transaction, no callback: only the count */
  ck_ok(lvt_txn_begin(f.env, NULL, LVT_TXN_RDONLY, -1, &r));
  ck_ok(lvt_check_table(r, t, NULL, NULL, &n));
  ck_assert_uint_eq(n, 0);
  ck_ok(lvt_check_table(r, t, NULL, NULL, NULL));
  lvt_txn_abort(r);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

START_TEST(test_misuse)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-misuse", &txn);
  unsigned long n = 7;

  ck_assert_int_eq(lvt_check_table(NULL, t, NULL, NULL, &n), LVT_MISUSE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(lvt_check_table(txn, NULL, NULL, NULL, NULL), LVT_MISUSE);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "lvt_check_table"));
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* An entry deleted from an index: the row is missing from it. */
START_TEST(test_entry_deleted)
{
  unsigned char k[LVT_MAX_KEY];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-del", &txn);
  size_t n = first_key(txn, t, X_BC, k, sizeof k);
  int64_t rowid = lvt_key_rowid_get(k + n - LVT_ROWID_SIZE);
  char want[64];

  raw_del(txn, t, X_BC, k, n);
  snprintf(want, sizeof want, "row %" PRId64 " missing from index t_bc", rowid);
  ck_found(txn, t, 1, want);
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* An entry for a row that does not exist. */
START_TEST(test_entry_no_row)
{
  unsigned char k[LVT_MAX_KEY];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-norow", &txn);
  size_t n = first_key(txn, t, X_D, k, sizeof k);

  lvt_key_rowid_put(k + n - LVT_ROWID_SIZE, 999999);
  raw_put(txn, t, X_D, k, n, NULL, 0);
  ck_found(txn, t, 1, "index t_d has an entry for row 999999, which is not in table t");
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* A stale entry: the key of one row with the rowid of another. */
START_TEST(test_entry_mismatch)
{
  unsigned char k[LVT_MAX_KEY];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-mism", &txn);
  size_t n = first_key(txn, t, X_BC, k, sizeof k);
  int64_t rowid = lvt_key_rowid_get(k + n - LVT_ROWID_SIZE);
  int64_t other = rowid == 1 ? 2 : rowid - 1;
  char want[80];

  lvt_key_rowid_put(k + n - LVT_ROWID_SIZE, other);
  raw_put(txn, t, X_BC, k, n, NULL, 0);
  snprintf(want, sizeof want, "index t_bc has an entry for row %" PRId64 " that does not match",
           other);
  ck_found(txn, t, 1, want);
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* Two rows with one key in a unique index. */
START_TEST(test_entry_duplicate)
{
  unsigned char k[LVT_MAX_KEY];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-dup", &txn);
  size_t n = first_key(txn, t, X_NAME, k, sizeof k);
  int64_t rowid = lvt_key_rowid_get(k + n - LVT_ROWID_SIZE);
  char want[80];
  found *fd;

  /* the same name under another row (which now also has two entries) */
  lvt_key_rowid_put(k + n - LVT_ROWID_SIZE, rowid + 1);
  raw_put(txn, t, X_NAME, k, n, NULL, 0);
  snprintf(want, sizeof want, "non-unique entry in index t_name: rows %" PRId64 " and %" PRId64,
           rowid, rowid + 1);
  fd = check(txn, t);
  ck_assert_msg(fd->count == 2 && strstr(fd->text, want) && strstr(fd->text, "does not match"),
                "%s", fd->text);
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* Keys, records and entries that do not decode. */
START_TEST(test_undecodable)
{
  static const unsigned char junk[] = { 0xff, 0xfe, 0x00, 0x42, 0x99 };
  unsigned char k[LVT_MAX_KEY], bad[LVT_ROWID_SIZE + 2];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-undec", &txn);

  /* a table key that is no rowid */
  raw_put(txn, t, -1, "abc", 3, junk, sizeof junk);
  ck_found(txn, t, 1, "undecodable key of 3 bytes in table t");
  lvt_txn_abort(txn);

  /* a record that does not decode: reported once (its entries are not
   * blamed on the index) */
  txn = wtxn(&f);
  lvt_key_rowid_put(k, 7);
  raw_put(txn, t, -1, k, LVT_ROWID_SIZE, junk, sizeof junk);
  ck_found(txn, t, 1, "undecodable record of row 7 in table t");
  lvt_txn_abort(txn);

  /* an index entry that does not decode, and one too short for a rowid */
  txn = wtxn(&f);
  bad[0] = 0xee;
  bad[1] = 0xee;
  lvt_key_rowid_put(bad + 2, 3);
  raw_put(txn, t, X_D, bad, sizeof bad, NULL, 0);
  ck_found(txn, t, 1, "undecodable entry in index t_d (for row 3)");
  raw_put(txn, t, X_BC, "\x01", 1, NULL, 0);
  ck_found(txn, t, 2, "undecodable entry of 1 bytes in index t_bc");
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* Records that break the catalog's definition or the constraints. */
START_TEST(test_record_rules)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-rules", &txn);
  found *fd;

  /* one column more than the catalog defines */
  raw_record(txn, t, 5, (lvt_value[]){ I(5), T("n5"), I(0), R(1.25), T("dflt"), I(1) }, NCOL + 1);
  ck_found(txn, t, 1, "row 5 of table t has 6 columns; the catalog defines 5");
  lvt_txn_abort(txn);

  /* NULL in the NOT NULL column b (the entry in t_bc no longer matches) */
  txn = wtxn(&f);
  raw_record(txn, t, 6, (lvt_value[]){ I(6), T("n6"), N(), R(1.5), T("dflt") }, NCOL);
  fd = check(txn, t);
  ck_assert_msg(fd->count == 3 && strstr(fd->text, "NULL value in t.b (row 6)")
                && strstr(fd->text, "row 6 missing from index t_bc")
                && strstr(fd->text, "index t_bc has an entry for row 6 that does not match"),
                "%s", fd->text);
  lvt_txn_abort(txn);

  /* an INTEGER PRIMARY KEY that is not the rowid */
  txn = wtxn(&f);
  raw_record(txn, t, 8, (lvt_value[]){ I(80), T("n8"), I(3), R(2.0), T("dflt") }, NCOL);
  ck_found(txn, t, 1, "INTEGER PRIMARY KEY t.id of row 8 does not hold its rowid");
  lvt_txn_abort(txn);

  /* a record without its last column reads the DEFAULT: entries match */
  txn = wtxn(&f);
  raw_record(txn, t, 9, (lvt_value[]){ I(9), T("n9"), I(4), R(2.25) }, NCOL - 1);
  ck_clean(txn, t);
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* An index sub-database dropped behind the catalog's back. */
START_TEST(test_catalog_mismatch)
{
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-cat", &txn);

  ck_ok(lvt_tab_sync(txn, t));
  ck_ok(lvt_txn_drop(txn, t->idbi[X_D], 1));
  ck_ok(lvt_txn_commit(txn));
  txn = wtxn(&f);
  ck_found(txn, t, 1, "catalog: sub-database t1.i");
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* The callback stops the check at the first problem. */
START_TEST(test_stop)
{
  unsigned char k[LVT_MAX_KEY];
  fx f;
  lvt_txn *txn;
  lvt_table *t = setup(&f, "chk-stop", &txn);
  found fd;
  unsigned long n = 0;
  int i;

  for (i = 0; i < 3; i++) {
    size_t nk = first_key(txn, t, X_D, k, sizeof k);
    raw_del(txn, t, X_D, k, nk);
  }
  memset(&fd, 0, sizeof fd);
  fd.stop_after = 1;
  ck_ok(lvt_check_table(txn, t, collect, &fd, &n));
  ck_assert_int_eq(fd.count, 1);
  ck_assert_uint_eq(n, 1);
  ck_found(txn, t, 3, "missing from index t_d");
  lvt_txn_abort(txn);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* Property: whatever the API writes, the check finds nothing. */
START_TEST(test_api_writes_are_clean)
{
  static const char *const names[] = { "a", "A", "b", "B ", "c", "", "\xc3\xa9" };
  fx f;
  lvt_txn *txn;
  lvt_table *t;
  int step, i;

  fx_open(&f, "chk-prop");
  txn = wtxn(&f);
  t = make_table(txn);
  for (step = 0; step < 60; step++) {
    for (i = 0; i < 40; i++) {
      lvt_value v[NCOL];
      unsigned op = (unsigned)tu_below(4);
      int64_t rowid = (int64_t)tu_below(60) + 1, nr = (int64_t)tu_below(60) + 1;
      unsigned char blob[3] = { (unsigned char)tu_below(3), 0, (unsigned char)tu_below(256) };
      char name[16];
      int rc;
      v[C_ID] = tu_below(4) ? I(rowid) : N();
      if (tu_below(3) == 0) {
        v[C_NAME] = T(names[tu_below(sizeof names / sizeof names[0])]);
      } else if (tu_below(4) == 0) {
        v[C_NAME] = N();
      } else {
        snprintf(name, sizeof name, "k%d", (int)tu_below(100));
        v[C_NAME] = T(name);
      }
      v[C_B] = tu_below(8) ? I((int64_t)tu_below(5) - 2) : T("7");
      switch (tu_below(5)) {
      case 0:  v[C_C] = N(); break;
      case 1:  v[C_C] = I((int64_t)tu_below(10)); break;
      case 2:  v[C_C] = T(tu_below(2) ? "2.5" : "x"); break;
      case 3:  v[C_C] = B(blob, sizeof blob); break;
      default: v[C_C] = R((double)tu_below(1000) / 7.0); break;
      }
      v[C_D] = tu_below(3) ? N() : tu_below(2) ? I((int64_t)tu_below(3)) : B(blob, sizeof blob);
      switch (op) {
      case 0:
        rc = lvt_insert(txn, t, v, NULL, tu_below(2) ? LVT_CONFLICT_REPLACE : LVT_CONFLICT_ABORT);
        break;
      case 1:
        v[C_ID] = I(nr);
        rc = lvt_update(txn, t, rowid, tu_below(2) ? &nr : NULL, v,
                        tu_below(2) ? LVT_CONFLICT_REPLACE : LVT_CONFLICT_IGNORE);
        break;
      case 2:
        rc = lvt_delete(txn, t, rowid);
        break;
      default:
        rc = lvt_insert(txn, t, v, NULL, LVT_CONFLICT_IGNORE);
        break;
      }
      ck_assert_msg(rc == LVT_OK || rc == LVT_IGNORED || rc == LVT_NOTFOUND || rc == LVT_UNIQUE
                    || rc == LVT_PRIMARYKEY, "step %d op %u: %d %s", step, op, rc, lvt_errmsg());
    }
    ck_clean(txn, t);
    if (step % 10 == 9) {
      ck_ok(lvt_txn_commit(txn));
      txn = wtxn(&f);
    }
  }
  ck_ok(lvt_txn_commit(txn));
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

static Suite *check_suite(void)
{
  Suite *s = suite_create("check");
  TCase *tc = tcase_create("damage");
  TCase *tp = tcase_create("property");

  tcase_add_test(tc, test_clean);
  tcase_add_test(tc, test_misuse);
  tcase_add_test(tc, test_entry_deleted);
  tcase_add_test(tc, test_entry_no_row);
  tcase_add_test(tc, test_entry_mismatch);
  tcase_add_test(tc, test_entry_duplicate);
  tcase_add_test(tc, test_undecodable);
  tcase_add_test(tc, test_record_rules);
  tcase_add_test(tc, test_catalog_mismatch);
  tcase_add_test(tc, test_stop);
  suite_add_tcase(s, tc);
  tcase_set_timeout(tp, 60);
  tcase_add_test(tp, test_api_writes_are_clean);
  suite_add_tcase(s, tp);
  return s;
}

int main(void)
{
  seed = tu_seed_from_env(20240901);
  printf("check_check: LVT_SEED=%" PRIu64 "\n", seed);
  return tu_run(check_suite());
}
