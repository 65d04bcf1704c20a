/*
 * check_catalog.c -- Check suite for the catalog (ext/catalog.c) and the
 * table-level schema calls of ext/table.c.
 *
 * What is tested: a definition round-trips field by field through the
 * catalog and an environment close/reopen; rename and drop touch what they
 * should (drop deletes the sub-databases); an environment without a catalog
 * is not given one by reads; a catalog of a future format is refused with
 * both versions in the message; names are unique (tables, and indexes
 * across the environment), case-insensitively; invalid definitions fail
 * with LVT_SCHEMA naming the culprit; the generation moves with every
 * schema change and never repeats after an abort.  Every test opens its
 * environment in its own temporary directory, inside the forked child.
 */
#include "lvt_int.h"

#include <inttypes.h>
#include <math.h>

#include "coreutil.h"

/* ------------------------------------------------------------ helpers -- */

static void commit(lvt_txn *t)
{
  ck_assert_int_eq(lvt_txn_commit(t), LVT_OK);
}

/* ------------------------------------------------- a rich definition -- */

static const int users_age_cols[] = { 4 };
static const int users_name_cols[] = { 2, 4 };
static const unsigned char users_name_desc[] = { 0, 1 };
static const int users_email_cols[] = { 1 };
static const char text_default[] = "a\0b";
static const unsigned char blob_default[] = { 0, 0xFF, 7 };

static lvt_column_def users_cols[7];
static lvt_index_def users_idx[3];

/* users(id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE,
 *       name VARCHAR(16) DEFAULT 'a\0b' COLLATE RTRIM, score REAL DEFAULT 1.5,
 *       age INT DEFAULT 0, data BLOB DEFAULT x'00FF07', misc DEFAULT NULL)
 * with a unique index on email, an index on (name, age DESC), one on age. */
static lvt_table_def users_def(int strict)
{
  lvt_table_def d;
  lvt_column_def c[7] = {
    { "id", "INTEGER", LVT_AFF_INTEGER, 0, LVT_COLL_BINARY, 0, { LVT_NULL, { 0 } } },
    { "email", "TEXT", LVT_AFF_TEXT, 1, LVT_COLL_NOCASE, 0, { LVT_NULL, { 0 } } },
    { "name", "VARCHAR(16)", LVT_AFF_TEXT, 0, LVT_COLL_RTRIM, 1, { LVT_NULL, { 0 } } },
    { "score", "REAL", LVT_AFF_REAL, 0, LVT_COLL_BINARY, 1, { LVT_NULL, { 0 } } },
    { "age", "INT", LVT_AFF_INTEGER, 0, LVT_COLL_BINARY, 1, { LVT_NULL, { 0 } } },
    { "data", "BLOB", LVT_AFF_BLOB, 0, LVT_COLL_BINARY, 1, { LVT_NULL, { 0 } } },
    { "misc", NULL, LVT_AFF_BLOB, 0, LVT_COLL_BINARY, 1, { LVT_NULL, { 0 } } },
  };
  lvt_index_def x[3] = {
    { "users_email", 1, 0, 1, users_email_cols, NULL },
    { "users_name_age", 0, 0, 2, users_name_cols, users_name_desc },
    { "users_age", 0, 0, 1, users_age_cols, NULL },
  };
  c[2].dflt = TN(text_default, 3);
  c[3].dflt = R(1.5);
  c[4].dflt = I(0);
  c[5].dflt = B(blob_default, sizeof blob_default);
  c[6].dflt = N();
  memcpy(users_cols, c, sizeof c);
  memcpy(users_idx, x, sizeof x);
  d.name = "Users";
  d.ncol = 7;
  d.cols = users_cols;
  d.ipk = 0;
  d.nidx = 3;
  d.idx = users_idx;
  d.strict = strict;
  return d;
}

/* Compare two values exactly (type, bits, bytes). */
static void same_value(const lvt_value *a, const lvt_value *b)
{
  ck_assert_int_eq(a->type, b->type);
  switch (a->type) {
  case LVT_INTEGER: ck_assert(a->u.i == b->u.i); break;
  case LVT_REAL: ck_assert(memcmp(&a->u.r, &b->u.r, sizeof a->u.r) == 0); break;
  case LVT_TEXT:
  case LVT_BLOB:
    ck_assert_uint_eq(a->u.s.n, b->u.s.n);
    ck_assert(a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
    break;
  default: break;
  }
}

/* Assert that d equals want, field by field. */
static void same_def(const lvt_table_def *d, const lvt_table_def *want)
{
  int i, j;

  ck_assert_str_eq(d->name, want->name);
  ck_assert_int_eq(d->ncol, want->ncol);
  ck_assert_int_eq(d->ipk, want->ipk);
  ck_assert_int_eq(d->nidx, want->nidx);
  ck_assert_int_eq(!!d->strict, !!want->strict);
  for (i = 0; i < d->ncol; i++) {
    const lvt_column_def *a = &d->cols[i], *b = &want->cols[i];
    ck_assert_str_eq(a->name, b->name);
    if (b->decltype == NULL) ck_assert_ptr_null(a->decltype);
    else ck_assert_str_eq(a->decltype, b->decltype);
    ck_assert_int_eq(a->affinity, b->affinity);
    ck_assert_int_eq(!!a->notnull, !!b->notnull);
    ck_assert_int_eq(a->collation, b->collation);
    ck_assert_int_eq(!!a->has_default, !!b->has_default);
    if (b->has_default) same_value(&a->dflt, &b->dflt);
  }
  for (i = 0; i < d->nidx; i++) {
    const lvt_index_def *a = &d->idx[i], *b = &want->idx[i];
    ck_assert_str_eq(a->name, b->name);
    ck_assert_int_eq(!!a->unique, !!b->unique);
    ck_assert_int_eq(!!a->primary, !!b->primary);
    ck_assert_int_eq(a->ncol, b->ncol);
    for (j = 0; j < a->ncol; j++) {
      ck_assert_int_eq(a->cols[j], b->cols[j]);
      ck_assert_int_eq(a->desc ? a->desc[j] : 0, b->desc ? b->desc[j] : 0);
    }
  }
}

/* Whether sub-database `name` exists. */
static int db_exists(fx *f, const char *name)
{
  lvt_txn *t = rtxn(f);
  MDB_dbi dbi;
  int rc = lvt_txn_dbi(t, name, 0, &dbi);
  lvt_txn_abort(t);
  ck_assert(rc == LVT_OK || rc == LVT_NOTFOUND);
  return rc == LVT_OK;
}

/* The catalog generation, read in a fresh read transaction. */
static uint64_t gen_now(fx *f)
{
  lvt_txn *t = rtxn(f);
  uint64_t g = 0;
  ck_assert_int_eq(lvt_cat_gen(t, &g), LVT_OK);
  lvt_txn_abort(t);
  return g;
}

/* -------------------------------------------------------------- tests -- */

/* Every field survives create, commit, env close and reopen. */
START_TEST(test_roundtrip)
{
  fx f;
  lvt_table_def d = users_def(1);
  lvt_table *t = NULL;
  lvt_txn *txn;

  fx_open(&f, "cat-rt");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "users", &t), LVT_OK);
  same_def(lvt_table_schema(t), &d);
  lvt_table_close(t);
  commit(txn);
  fx_reopen(&f);
  txn = rtxn(&f);
  ck_assert_int_eq(lvt_table_open(txn, "USERS", &t), LVT_OK);
  same_def(lvt_table_schema(t), &d);
  ck_assert_int_eq(lvt_table_column(t, "EMAIL"), 1);
  ck_assert_int_eq(lvt_table_column(t, "nope"), -1);
  ck_assert_int_eq(lvt_table_index(t, "Users_Age"), 2);
  ck_assert_int_eq(lvt_table_index(t, "nope"), -1);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  ck_assert(db_exists(&f, "t1"));
  ck_assert(db_exists(&f, "t1.i1") && db_exists(&f, "t1.i2") && db_exists(&f, "t1.i3"));
  fx_close(&f);
}
END_TEST

/* A second table gets the next id; a non-strict, no-ipk, no-index table. */
START_TEST(test_minimal_table)
{
  fx f;
  lvt_column_def c = { "x", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } };
  lvt_table_def d = { "m", 1, &c, -1, 0, NULL, 0 }, u = users_def(0);
  lvt_table *t = NULL;
  lvt_txn *txn;

  fx_open(&f, "cat-min");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &u), LVT_OK);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  commit(txn);
  txn = rtxn(&f);
  ck_assert_int_eq(lvt_table_open(txn, "m", &t), LVT_OK);
  same_def(lvt_table_schema(t), &d);
  lvt_table_close(t);
  lvt_txn_abort(txn);
  ck_assert(db_exists(&f, "t2"));
  fx_close(&f);
}
END_TEST

/* The tables of an environment agree on sync: the first one records the
 * option the environment is open with; a table created while it is open
 * with another one is refused, naming the table and both options. */
START_TEST(test_sync_agree)
{
  fx f;
  lvt_column_def c = { "x", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } };
  lvt_table_def d1 = { "one", 1, &c, -1, 0, NULL, 0 }, d2 = d1;
  lvt_env_opts o = { 0, LVT_SYNC_FULL, 0 };
  lvt_txn *txn;

  d2.name = "two";
  fx_open(&f, "cat-sync");               /* opened with LVT_SYNC_OFF */
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d1));
  commit(txn);
  lvt_env_close(f.env);
  ck_ok(lvt_env_open(f.dir, &o, &f.env));
  txn = wtxn(&f);
  ck_err(lvt_table_create(txn, &d2), LVT_MISUSE,
         "table two: the tables of this environment use sync=off and it is open with sync=full");
  lvt_txn_abort(txn);
  fx_reopen(&f);                         /* LVT_SYNC_OFF again */
  txn = wtxn(&f);
  ck_ok(lvt_table_create(txn, &d2));
  commit(txn);
  fx_close(&f);
}
END_TEST

/* Rename: the old name is gone, the data stays, indexes keep their names. */
START_TEST(test_rename)
{
  fx f;
  lvt_table_def d = users_def(0);
  lvt_column_def c = { "x", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } };
  lvt_table_def o = { "other", 1, &c, -1, 0, NULL, 0 };
  lvt_value row[7] = { N(), TN("a@b", 3), TN("n", 1), R(2),
                       I(3), N(), N() };
  lvt_table *t = NULL;
  lvt_row r;
  lvt_txn *txn;
  int64_t id = 0;

  fx_open(&f, "cat-ren");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  ck_assert_int_eq(lvt_table_create(txn, &o), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "users", &t), LVT_OK);
  ck_assert_int_eq(lvt_insert(txn, t, row, &id, 0), LVT_OK);
  lvt_table_close(t);
  ck_err(lvt_table_rename(txn, "users", "OTHER"), LVT_EXISTS, "other");
  ck_err(lvt_table_rename(txn, "nobody", "x"), LVT_NOTABLE, "nobody");
  ck_assert_int_eq(lvt_table_rename(txn, "users", "people"), LVT_OK);
  commit(txn);
  txn = wtxn(&f);
  ck_err(lvt_table_open(txn, "users", &t), LVT_NOTABLE, "no such table: users");
  ck_assert_int_eq(lvt_table_open(txn, "People", &t), LVT_OK);
  ck_assert_str_eq(lvt_table_schema(t)->name, "people");
  ck_assert_str_eq(lvt_table_schema(t)->idx[0].name, "users_email");
  ck_assert_int_eq(lvt_get(txn, t, id, &r), LVT_OK);
  lvt_table_close(t);
  /* a rename that changes only the case */
  ck_assert_int_eq(lvt_table_rename(txn, "people", "PEOPLE"), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "people", &t), LVT_OK);
  ck_assert_str_eq(lvt_table_schema(t)->name, "PEOPLE");
  lvt_table_close(t);
  commit(txn);
  ck_assert(db_exists(&f, "t1"));
  fx_close(&f);
}
END_TEST

/* Drop deletes the table's and the indexes' sub-databases and names. */
START_TEST(test_drop)
{
  fx f;
  lvt_table_def d = users_def(0);
  lvt_table *t = NULL, *t2 = NULL;
  lvt_txn *txn;

  fx_open(&f, "cat-drop");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  commit(txn);
  ck_assert(db_exists(&f, "t1") && db_exists(&f, "t1.i2"));
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_open(txn, "users", &t), LVT_OK);
  commit(txn);
  txn = wtxn(&f);
  ck_err(lvt_table_drop(txn, "nobody"), LVT_NOTABLE, "nobody");
  ck_assert_int_eq(lvt_table_drop(txn, "users"), LVT_OK);
  commit(txn);
  ck_assert(!db_exists(&f, "t1"));
  ck_assert(!db_exists(&f, "t1.i1") && !db_exists(&f, "t1.i2") && !db_exists(&f, "t1.i3"));
  /* an open handle notices in its next transaction */
  txn = rtxn(&f);
  ck_err(lvt_table_stat(txn, t, -1, &(lvt_stat){ 0 }), LVT_NOTABLE, "no such table: Users");
  lvt_txn_abort(txn);
  lvt_table_close(t);
  /* the names are free again; the new table gets a new id */
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "users", &t2), LVT_OK);
  lvt_table_close(t2);
  commit(txn);
  ck_assert(db_exists(&f, "t2") && !db_exists(&f, "t1"));
  fx_close(&f);
}
END_TEST

/* Reads of an environment without a catalog do not create one. */
START_TEST(test_no_catalog)
{
  fx f;
  lvt_table *t = NULL;
  lvt_txn *txn;
  uint64_t g = 99;

  fx_open(&f, "cat-none");
  txn = wtxn(&f);
  ck_err(lvt_table_open(txn, "users", &t), LVT_NOTABLE, "users");
  ck_assert_ptr_null(t);
  ck_err(lvt_table_drop(txn, "users"), LVT_NOTABLE, "users");
  ck_err(lvt_table_rename(txn, "users", "x"), LVT_NOTABLE, "users");
  ck_assert_int_eq(lvt_cat_check(txn), LVT_OK);
  ck_assert_int_eq(lvt_cat_gen(txn, &g), LVT_OK);
  ck_assert(g == 0);
  commit(txn);
  ck_assert(!db_exists(&f, LVT_CAT_DBI));
  fx_close(&f);
}
END_TEST

/* Write format version v into the catalog directly. */
static void set_format(fx *f, int64_t v)
{
  lvt_txn *txn = wtxn(f);
  lvt_value x = I(v);
  lvt_buf b = { 0 };
  MDB_val key = { 6, (void *)"format" }, val;
  MDB_dbi dbi;

  ck_assert_int_eq(lvt_txn_dbi(txn, LVT_CAT_DBI, 0, &dbi), LVT_OK);
  ck_assert_int_eq(lvt_rec_encode(&b, &x, 1), LVT_OK);
  val.mv_size = b.n;
  val.mv_data = b.p;
  ck_assert_int_eq(lvt_txn_put(txn, dbi, &key, &val, 0), LVT_OK);
  commit(txn);
  lvt_buf_free(&b);
}

/* A catalog of a future format is refused, naming both versions. */
START_TEST(test_future_version)
{
  fx f;
  lvt_table_def d = users_def(0);
  lvt_env_opts o = { 0, LVT_SYNC_OFF, 0 };
  lvt_table *t = NULL;
  lvt_txn *txn;
  char want[64];
  int rc;

  fx_open(&f, "cat-ver");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  commit(txn);
  set_format(&f, 99);
  snprintf(want, sizeof want, "up to %d", LVT_CAT_FORMAT);
  txn = rtxn(&f);
  ck_err(lvt_cat_check(txn), LVT_VERSION, "version 99");
  ck_err(lvt_table_open(txn, "users", &t), LVT_VERSION, want);
  lvt_txn_abort(txn);
  txn = wtxn(&f);
  ck_err(lvt_table_create(txn, &(lvt_table_def){ "u2", 7, users_cols, 0, 0, NULL, 0 }),
         LVT_VERSION, "99");
  ck_err(lvt_table_drop(txn, "users"), LVT_VERSION, "99");
  lvt_txn_abort(txn);
  /* the environment itself may be refused at open (env.c checks too) */
  lvt_env_close(f.env);
  f.env = NULL;
  rc = lvt_env_open(f.dir, &o, &f.env);
  ck_assert_msg(rc == LVT_OK || rc == LVT_VERSION, "open: %d %s", rc, lvt_errmsg());
  if (rc == LVT_VERSION) ck_assert(strstr(lvt_errmsg(), "99") != NULL);
  fx_close(&f);
}
END_TEST

/* Table names and index names are unique (case-insensitive). */
START_TEST(test_duplicates)
{
  fx f;
  lvt_table_def d = users_def(0), d2;
  lvt_column_def c = { "x", NULL, LVT_AFF_BLOB, 0, 0, 0, { LVT_NULL, { 0 } } };
  static const int col0[] = { 0 };
  lvt_index_def x = { "USERS_AGE", 0, 0, 1, col0, NULL };
  lvt_table *t = NULL;
  lvt_txn *txn;

  fx_open(&f, "cat-dup");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  d.name = "USERS";
  ck_err(lvt_table_create(txn, &d), LVT_EXISTS, "table USERS already exists");
  d2 = (lvt_table_def){ "t2", 1, &c, -1, 1, &x, 0 };
  ck_err(lvt_table_create(txn, &d2), LVT_EXISTS, "index USERS_AGE already exists");
  d2.nidx = 0;
  ck_assert_int_eq(lvt_table_create(txn, &d2), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "t2", &t), LVT_OK);
  ck_err(lvt_index_create(txn, t, &x), LVT_EXISTS, "index USERS_AGE already exists");
  x.name = "t2_x";
  ck_assert_int_eq(lvt_index_create(txn, t, &x), LVT_OK);
  ck_err(lvt_index_create(txn, t, &x), LVT_EXISTS, "t2_x");
  lvt_table_close(t);
  commit(txn);
  fx_close(&f);
}
END_TEST

/* Invalid definitions: LVT_SCHEMA with a message naming the culprit. */
START_TEST(test_validation)
{
  static const int c0[] = { 0 }, c9[] = { 9 }, c01[] = { 0, 1 };
  lvt_column_def good[2] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_column_def dup[2] = {
    { "a", NULL, 0, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "A", NULL, 0, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_column_def noname[1] = { { "", NULL, 0, 0, 0, 0, { LVT_NULL, { 0 } } } };
  lvt_column_def badaff[1] = { { "a", NULL, 9, 0, 0, 0, { LVT_NULL, { 0 } } } };
  lvt_column_def badcoll[1] = { { "a", NULL, 0, 0, 7, 0, { LVT_NULL, { 0 } } } };
  lvt_column_def baddflt[1] = { { "a", NULL, 0, 0, 0, 1, { 42, { 0 } } } };
  lvt_index_def i_nocol = { "i1", 0, 0, 0, c0, NULL };
  lvt_index_def i_badcol = { "i2", 0, 0, 1, c9, NULL };
  lvt_index_def i_noname = { NULL, 0, 0, 1, c0, NULL };
  lvt_index_def i_pk_notunique = { "i3", 0, 1, 1, c0, NULL };
  lvt_index_def i_pk = { "pk", 1, 1, 1, c0, NULL };
  lvt_index_def two_pk[2] = { { "p1", 1, 1, 1, c0, NULL }, { "p2", 1, 1, 2, c01, NULL } };
  lvt_index_def same[2] = { { "ix", 0, 0, 1, c0, NULL }, { "IX", 0, 0, 1, c0, NULL } };
  struct { lvt_table_def d; const char *frag; } cases[] = {
    { { NULL, 2, good, -1, 0, NULL, 0 }, "table has no name" },
    { { "", 2, good, -1, 0, NULL, 0 }, "table has no name" },
    { { "t", 0, good, -1, 0, NULL, 0 }, "0 columns" },
    { { "t", 2, dup, -1, 0, NULL, 0 }, "duplicate column name: A" },
    { { "t", 1, noname, -1, 0, NULL, 0 }, "column of table t has no name" },
    { { "t", 1, badaff, -1, 0, NULL, 0 }, "column t.a: unknown affinity 9" },
    { { "t", 1, badcoll, -1, 0, NULL, 0 }, "column t.a: unknown collation 7" },
    { { "t", 1, baddflt, -1, 0, NULL, 0 }, "column t.a: DEFAULT of unknown type" },
    { { "t", 2, good, 2, 0, NULL, 0 }, "INTEGER PRIMARY KEY column number 2" },
    { { "t", 2, good, 1, 0, NULL, 0 }, "column b must have INTEGER affinity" },
    { { "t", 2, good, -1, 1, &i_nocol, 0 }, "index i1: 0 columns" },
    { { "t", 2, good, -1, 1, &i_badcol, 0 }, "index i2: table t has no column number 9" },
    { { "t", 2, good, -1, 1, &i_noname, 0 }, "index of table t has no name" },
    { { "t", 2, good, -1, 1, &i_pk_notunique, 0 }, "index i3: a primary-key index must be unique" },
    { { "t", 2, good, 0, 1, &i_pk, 0 }, "table t has more than one primary key" },
    { { "t", 2, good, -1, 2, two_pk, 0 }, "table t has more than one primary key" },
    { { "t", 2, good, -1, 2, same, 0 }, "index IX already exists" },
    { { "t", 2, good, -1, -1, NULL, 0 }, "-1 indexes" },
  };
  fx f;
  lvt_txn *txn;
  size_t i;

  fx_open(&f, "cat-val");
  txn = wtxn(&f);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = lvt_table_create(txn, &cases[i].d);
    ck_assert_msg(rc == LVT_SCHEMA, "case %zu: rc %d (%s)", i, rc, lvt_errmsg());
    ck_assert_msg(strstr(lvt_errmsg(), cases[i].frag) != NULL,
                  "case %zu: \"%s\" lacks \"%s\"", i, lvt_errmsg(), cases[i].frag);
  }
  /* a valid one still goes through: the failures left nothing behind */
  ck_assert_int_eq(lvt_table_create(txn, &(lvt_table_def){ "t", 2, good, 0, 1, &same[0], 0 }),
                   LVT_OK);
  commit(txn);
  fx_close(&f);
}
END_TEST

/* Index definitions checked by lvt_index_create. */
START_TEST(test_index_validation)
{
  static const int c0[] = { 0 }, c5[] = { 5 };
  lvt_column_def good[2] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_index_def badcol = { "ib", 0, 0, 1, c5, NULL };
  lvt_index_def pk = { "pk", 1, 1, 1, c0, NULL };
  lvt_table *t = NULL;
  lvt_txn *txn;
  fx f;

  fx_open(&f, "cat-ival");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &(lvt_table_def){ "t", 2, good, 0, 0, NULL, 0 }),
                   LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "t", &t), LVT_OK);
  ck_err(lvt_index_create(txn, t, &badcol), LVT_NOCOLUMN, "no column number 5");
  ck_err(lvt_index_create(txn, t, &pk), LVT_SCHEMA, "more than one primary key");
  ck_err(lvt_index_drop(txn, t, "nothing"), LVT_NOINDEX, "no such index: nothing");
  lvt_table_close(t);
  commit(txn);
  fx_close(&f);
}
END_TEST

/* The generation moves with every schema change, and an aborted change's
 * generation is never seen again. */
START_TEST(test_generation)
{
  static const int c1[] = { 1 };
  lvt_column_def good[2] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_index_def ib = { "ib", 0, 0, 1, c1, NULL };
  lvt_table_def d = { "t", 2, good, 0, 0, NULL, 0 };
  lvt_table *t = NULL;
  lvt_txn *txn;
  uint64_t g0, g1, g2, g3, g4, ga;
  fx f;

  fx_open(&f, "cat-gen");
  g0 = gen_now(&f);
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  commit(txn);
  g1 = gen_now(&f);
  ck_assert(g1 > g0);
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_open(txn, "t", &t), LVT_OK);
  ck_assert_int_eq(lvt_index_create(txn, t, &ib), LVT_OK);
  ck_assert_int_eq(lvt_cat_gen(txn, &ga), LVT_OK);
  lvt_txn_abort(txn);                      /* ga was never committed */
  ck_assert(gen_now(&f) == g1);
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_schema(t) != NULL, 1);
  ck_assert_int_eq(lvt_index_create(txn, t, &ib), LVT_OK);   /* the handle reloaded */
  ck_assert_int_eq(lvt_table_schema(t)->nidx, 1);
  commit(txn);
  g2 = gen_now(&f);
  ck_assert(g2 > g1 && g2 != ga);
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_index_drop(txn, t, "IB"), LVT_OK);
  ck_assert_int_eq(lvt_table_schema(t)->nidx, 0);
  commit(txn);
  g3 = gen_now(&f);
  ck_assert(g3 > g2);
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_rename(txn, "t", "u"), LVT_OK);
  commit(txn);
  g4 = gen_now(&f);
  ck_assert(g4 > g3);
  lvt_table_close(t);
  fx_close(&f);
}
END_TEST

/* An index dropped and created again gets a fresh sub-database. */
START_TEST(test_index_subdbs)
{
  static const int c1[] = { 1 };
  lvt_column_def good[2] = {
    { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
    { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  };
  lvt_index_def ib = { "ib", 0, 0, 1, c1, NULL };
  lvt_table_def d = { "t", 2, good, 0, 1, &ib, 0 };
  lvt_table *t = NULL;
  lvt_txn *txn;
  fx f;

  fx_open(&f, "cat-sub");
  txn = wtxn(&f);
  ck_assert_int_eq(lvt_table_create(txn, &d), LVT_OK);
  ck_assert_int_eq(lvt_table_open(txn, "t", &t), LVT_OK);
  ck_assert_int_eq(lvt_index_drop(txn, t, "ib"), LVT_OK);
  ck_assert_int_eq(lvt_index_create(txn, t, &ib), LVT_OK);
  commit(txn);
  ck_assert(!db_exists(&f, "t1.i1"));
  ck_assert(db_exists(&f, "t1.i2"));
  fx_reopen(&f);
  txn = rtxn(&f);
  lvt_table_close(t);
  ck_assert_int_eq(lvt_table_open(txn, "t", &t), LVT_OK);
  ck_assert_int_eq(lvt_table_schema(t)->nidx, 1);
  ck_assert_str_eq(lvt_table_schema(t)->idx[0].name, "ib");
  lvt_table_close(t);
  lvt_txn_abort(txn);
  fx_close(&f);
}
END_TEST

/* A write in a read-only transaction. */
START_TEST(test_readonly)
{
  fx f;
  lvt_table_def d = users_def(0);
  lvt_txn *txn;

  fx_open(&f, "cat-ro");
  txn = rtxn(&f);
  ck_err(lvt_table_create(txn, &d), LVT_READONLY, "readonly");
  lvt_txn_abort(txn);
  ck_assert(!db_exists(&f, LVT_CAT_DBI));
  fx_close(&f);
}
END_TEST

static Suite *catalog_suite(void)
{
  Suite *s = suite_create("catalog");
  TCase *tc = tcase_create("catalog");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_roundtrip);
  tcase_add_test(tc, test_minimal_table);
  tcase_add_test(tc, test_rename);
  tcase_add_test(tc, test_drop);
  tcase_add_test(tc, test_no_catalog);
  tcase_add_test(tc, test_future_version);
  tcase_add_test(tc, test_duplicates);
  tcase_add_test(tc, test_validation);
  tcase_add_test(tc, test_index_validation);
  tcase_add_test(tc, test_generation);
  tcase_add_test(tc, test_index_subdbs);
  tcase_add_test(tc, test_readonly);
  tcase_add_test(tc, test_sync_agree);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_run(catalog_suite());
}
