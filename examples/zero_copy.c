/*
 * zero_copy.c -- the lmdbvt C API in one page.
 *
 * The same tables that SQL sees through the "lmdb" virtual table can be read
 * and written from C without SQL.  This program:
 *
 *   1. opens (creates) an environment: a directory holding an LMDB database;
 *   2. creates a table, as SQL would declare it:
 *        CREATE VIRTUAL TABLE users USING lmdb(
 *          id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, age INTEGER,
 *          INDEX users_age (age));
 *   3. loads 100,000 rows with one lvt_put_many in one write transaction
 *      (the bulk path: sorted rowids are appended, nothing is allocated per
 *      row);
 *   4. reads rows back by rowid, many at once, by a unique key, and scans an
 *      index range -- all inside one read transaction, and without copying:
 *      a TEXT column comes back as a pointer into LMDB's memory map, valid
 *      until the transaction ends.
 *
 * Usage: zero_copy [DIR]   (default: a temporary directory, removed at exit)
 * Build: cc zero_copy.c $(pkg-config --cflags --libs lmdbvt) after
 *        `make install`; in this tree: make examples/zero_copy
 */
#include "lmdbvt.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NROWS 100000

/* Stop with lmdbvt's message when a call fails.  Every lvt_* function
 * returns LVT_OK (0) or an LVT_* code; lvt_errmsg() says what went wrong,
 * naming the table, column or index. */
#define CHECK(call)                                                          \
  do {                                                                       \
    int rc_ = (call);                                                        \
    if (rc_ != LVT_OK) {                                                     \
      fprintf(stderr, "%s:%d: %s\n  -> %s: %s\n", __FILE__, __LINE__, #call,  \
              lvt_strerror(rc_), lvt_errmsg());                              \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

/* Seconds since some fixed point, for timings. */
static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Value constructors: lvt_value is a tagged union, as sqlite3_value is. */
static lvt_value integer(int64_t i)
{
  lvt_value v;
  v.type = LVT_INTEGER;
  v.u.i = i;
  return v;
}

static lvt_value text(const char *s)
{
  lvt_value v;
  v.type = LVT_TEXT;
  v.u.s.p = s;
  v.u.s.n = strlen(s);
  return v;
}

static lvt_value null(void)
{
  lvt_value v;
  v.type = LVT_NULL;
  return v;
}

/* Remove the temporary environment directory (its files, then itself). */
static void remove_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[4096];

  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

/* The table: four columns, the rowid is "id", two indexes. */
static const lvt_column_def users_cols[] = {
  /* name     declared type  affinity         notnull collation       default */
  { "id",    "INTEGER",     LVT_AFF_INTEGER, 0,      LVT_COLL_BINARY, 0, { LVT_NULL, { 0 } } },
  { "email", "TEXT",        LVT_AFF_TEXT,    0,      LVT_COLL_BINARY, 0, { LVT_NULL, { 0 } } },
  { "name",  "TEXT",        LVT_AFF_TEXT,    0,      LVT_COLL_BINARY, 0, { LVT_NULL, { 0 } } },
  { "age",   "INTEGER",     LVT_AFF_INTEGER, 0,      LVT_COLL_BINARY, 0, { LVT_NULL, { 0 } } },
};
enum { ID, EMAIL, NAME, AGE, NCOL };
static const int email_col[] = { EMAIL }, age_col[] = { AGE };
static const lvt_index_def users_idx[] = {
  /* name          unique primary ncol cols       desc (NULL: all ASC) */
  { "users_email", 1,     0,      1,   email_col, NULL },
  { "users_age",   0,     0,      1,   age_col,   NULL },
};
static const lvt_table_def users_def = {
  "users", NCOL, users_cols, ID /* INTEGER PRIMARY KEY */, 2, users_idx, 0 /* not strict */
};

/* Load NROWS rows in one transaction with lvt_put_many. */
static void load(lvt_env *env)
{
  lvt_value *rows = calloc((size_t)NROWS * NCOL, sizeof *rows);
  char *strings = malloc((size_t)NROWS * 48);   /* the text the values point to */
  lvt_txn *txn;
  lvt_table *users;
  size_t i, done = 0;
  double t0;
  int rc;

  if (rows == NULL || strings == NULL) exit(1);
  for (i = 0; i < NROWS; i++) {
    char *email = strings + i * 48, *name = email + 32;
    lvt_value *r = rows + i * NCOL;
    snprintf(email, 32, "user%06zu@example.com", i + 1);
    snprintf(name, 16, "User %zu", i + 1);
    r[ID] = null();                  /* NULL rowid: max + 1, so 1, 2, 3, ... */
    r[EMAIL] = text(email);
    r[NAME] = text(name);
    r[AGE] = integer((int64_t)(18 + (i * 7919) % 63));
  }

  t0 = now();
  CHECK(lvt_txn_begin(env, NULL, 0, 1000, &txn));     /* a write transaction */
  rc = lvt_table_drop(txn, "users");                  /* from an earlier run */
  if (rc != LVT_NOTABLE) CHECK(rc);
  CHECK(lvt_table_create(txn, &users_def));
  CHECK(lvt_table_open(txn, "users", &users));
  CHECK(lvt_put_many(txn, users, rows, NROWS, LVT_CONFLICT_ABORT, &done));
  CHECK(lvt_txn_commit(txn));                         /* one LMDB commit */
  printf("put_many   %d rows in one transaction: %.3f s (%.0f rows/s)\n", NROWS,
         now() - t0, NROWS / (now() - t0));
  lvt_table_close(users);     /* a handle outlives transactions; close it last */
  free(rows);
  free(strings);
}

/* Point lookups by rowid, and one row printed straight from the map. */
static void get_by_key(lvt_txn *txn, lvt_table *users)
{
  lvt_row row;
  lvt_value email, age;
  int64_t sum = 0;
  int i;
  double t0 = now();

  for (i = 0; i < NROWS; i++) {
    int64_t rowid = 1 + (int64_t)(((uint64_t)i * 2654435761u) % NROWS);
    CHECK(lvt_get(txn, users, rowid, &row));
    CHECK(lvt_row_column(&row, AGE, &age));         /* O(1), no decoding */
    sum += age.u.i;
  }
  printf("get        %d random rowids: %.3f s (%.0f gets/s, age sum %" PRId64 ")\n",
         NROWS, now() - t0, NROWS / (now() - t0), sum);

  CHECK(lvt_get(txn, users, 42, &row));
  CHECK(lvt_row_column(&row, EMAIL, &email));
  /* email.u.s.p points into LMDB's memory map: not NUL-terminated, not
   * copied, valid until this transaction ends (or writes). */
  printf("row 42     email = %.*s (zero-copy pointer %p)\n", (int)email.u.s.n,
         (const char *)email.u.s.p, email.u.s.p);
}

/* Many rowids in one call; then a lookup by the unique email index. */
static void get_many(lvt_txn *txn, lvt_table *users)
{
  enum { N = 1000 };
  int64_t rowids[N];
  lvt_row rows[N], row;
  lvt_value key = text("user054321@example.com"), id;
  size_t found = 0, i;
  double t0;

  for (i = 0; i < N; i++) rowids[i] = (int64_t)(i * 97 + 1);
  rowids[N - 1] = NROWS + 5;                        /* one that does not exist */
  t0 = now();
  CHECK(lvt_get_many(txn, users, rowids, N, rows, &found));
  printf("get_many   %d rowids: %zu found, %.6f s\n", N, found, now() - t0);

  CHECK(lvt_get_by_index(txn, users, lvt_table_index(users, "users_email"), &key, 1, &row));
  CHECK(lvt_row_column(&row, ID, &id));
  printf("by email   %.*s -> id %" PRId64 "\n", (int)key.u.s.n, (const char *)key.u.s.p,
         id.u.i);
}

/* Scan the age index for 30 <= age < 40, in index order. */
static void scan_age(lvt_txn *txn, lvt_table *users)
{
  lvt_value lo_val = integer(30), hi_val = integer(40);
  lvt_bound lo = { &lo_val, 1, 1 };     /* age >= 30 (inclusive) */
  lvt_bound hi = { &hi_val, 1, 0 };     /* age < 40 (exclusive) */
  lvt_cursor *cur;
  lvt_row row;
  lvt_value age;
  size_t n = 0;
  int rc;
  double t0 = now();

  CHECK(lvt_cursor_open(txn, users, lvt_table_index(users, "users_age"), &cur));
  for (rc = lvt_cursor_range(cur, &lo, &hi, 0); rc == LVT_OK; rc = lvt_cursor_next(cur)) {
    CHECK(lvt_cursor_row(cur, &row));       /* the row the index entry names */
    CHECK(lvt_row_column(&row, AGE, &age));
    if (age.u.i < 30 || age.u.i >= 40) exit(1);
    n++;
  }
  if (rc != LVT_NOTFOUND) CHECK(rc);        /* LVT_NOTFOUND: end of range */
  lvt_cursor_close(cur);                    /* before the transaction ends */
  printf("scan       users_age in [30, 40): %zu rows, %.3f s\n", n, now() - t0);
}

int main(int argc, char **argv)
{
  char tmpl[] = "/tmp/lmdbvt-zero-copy-XXXXXX";
  const char *dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
  lvt_env_opts opts = { 0, LVT_SYNC_NORMAL, LVT_ENV_CREATE };
  lvt_env *env;
  lvt_txn *txn;
  lvt_table *users;

  if (dir == NULL) {
    perror("mkdtemp");
    return 1;
  }
  printf("environment %s\n", dir);
  CHECK(lvt_env_open(dir, &opts, &env));

  load(env);

  /* Readers never block and are never blocked: one snapshot for all reads. */
  CHECK(lvt_txn_begin(env, NULL, LVT_TXN_RDONLY, 0, &txn));
  CHECK(lvt_table_open(txn, "users", &users));   /* schema from the catalog */
  get_by_key(txn, users);
  get_many(txn, users);
  scan_age(txn, users);
  lvt_txn_abort(txn);                           /* ends a read transaction */
  lvt_table_close(users);

  lvt_env_close(env);
  if (argc <= 1) remove_dir(dir);
  return 0;
}
