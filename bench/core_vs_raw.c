/*
 * core_vs_raw.c -- the storage core against hand-written LMDB, same work.
 *
 * A benchmark note, not a test: make builds it, nothing runs it.
 *
 *   bench/core_vs_raw [ROWS] [RUNS] [raw|core]
 *
 * (default 1000000 rows, 3 runs, both sides; naming one side runs only it,
 * for a profiler: perf record bench/core_vs_raw 1000000 1 core).
 *
 * The table: t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL) with a
 * secondary index on a.  Both sides load ROWS rows in one write
 * transaction, rowids ascending (appended), then get every row once by
 * rowid in a random order in one read transaction, reading column a.
 *
 *   core: lvt_put_many in batches of 10,000 rows (the values built per
 *         batch), lvt_get + lvt_row_column;
 *   raw:  what a C programmer writes for this one table: key = 8 bytes
 *         big-endian with the sign bit flipped, value = a | c | b packed
 *         by hand; index key = a (8 bytes, same transform) | rowid key,
 *         empty value; mdb_put(MDB_APPEND) on the table and mdb_put on
 *         the index per row; mdb_get and a memcpy to read a.
 *
 * Both environments are opened with a map large enough for the whole load
 * and without fsync (LVT_SYNC_OFF, MDB_NOSYNC), so the timings measure the
 * work and not the disk.  Each figure is the median of RUNS runs, each in a
 * fresh directory under $TMPDIR.  Times are process CPU time (user + system),
 * which a busy machine disturbs less than wall time; BENCH_WALL=1 measures
 * wall-clock time instead.
 */
#include "lmdbvt.h"

#include <lmdb.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAPSIZE ((size_t)4 << 30)
#define BATCH 10000

static size_t nrows = 1000000;
static char (*names)[16];          /* column b of every row */
static int64_t *order;             /* the random lookup order */

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)
#define LVT(call) do { int rc_ = (call); \
  if (rc_) DIE("%s: %s: %s", #call, lvt_strerror(rc_), lvt_errmsg()); } while (0)
#define MDB(call) do { int rc_ = (call); if (rc_) DIE("%s: %s", #call, mdb_strerror(rc_)); } while (0)

/* Time in seconds: CPU time of the process (the default: steadier on a
 * busy machine, and the work is all on one thread), or wall-clock time
 * when BENCH_WALL is set in the environment. */
static double now(void)
{
  static int wall = -1;
  struct timespec ts;

  if (wall < 0) wall = getenv("BENCH_WALL") != NULL;
  clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Column a of row i (spread, with duplicates, in no order). */
static int64_t col_a(size_t i)
{
  return (int64_t)((i * 2654435761u) % 100000);
}

/* A fresh directory; the caller removes it with rm_dir and frees it. */
static char *new_dir(void)
{
  const char *base = getenv("TMPDIR");
  char *p = malloc(4096);
  snprintf(p, 4096, "%s/lvt-bench-XXXXXX", base && *base ? base : "/tmp");
  if (mkdtemp(p) == NULL) DIE("mkdtemp failed");
  return p;
}

static void rm_dir(char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[4200];

  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  free(dir);
}

/* ------------------------------------------------------------------ raw -- */

static void key8(unsigned char out[8], int64_t v)
{
  uint64_t u = (uint64_t)v ^ ((uint64_t)1 << 63);
  int k;
  for (k = 7; k >= 0; k--) { out[k] = (unsigned char)u; u >>= 8; }
}

/* The raw load: every row appended to the table, its entry put in the
 * index, one transaction. */
static void raw_load(MDB_env *env)
{
  MDB_txn *txn;
  MDB_dbi tab, idx;
  unsigned char rec[64], k[8], ik[16];
  MDB_val key, val;
  size_t i;

  MDB(mdb_txn_begin(env, NULL, 0, &txn));
  MDB(mdb_dbi_open(txn, "t", MDB_CREATE, &tab));
  MDB(mdb_dbi_open(txn, "t_a", MDB_CREATE, &idx));
  for (i = 0; i < nrows; i++) {
    int64_t a = col_a(i);
    double c = (double)i * 0.5;
    size_t nb = strlen(names[i]);
    memcpy(rec, &a, 8);
    memcpy(rec + 8, &c, 8);
    memcpy(rec + 16, names[i], nb);
    key8(k, (int64_t)i + 1);
    key.mv_size = 8; key.mv_data = k;
    val.mv_size = 16 + nb; val.mv_data = rec;
    MDB(mdb_put(txn, tab, &key, &val, MDB_APPEND));
    key8(ik, a);
    memcpy(ik + 8, k, 8);
    key.mv_size = 16; key.mv_data = ik;
    val.mv_size = 0; val.mv_data = rec;
    MDB(mdb_put(txn, idx, &key, &val, 0));
  }
  MDB(mdb_txn_commit(txn));
}

/* The raw lookups: every rowid once, in random order, reading column a. */
static int64_t raw_get(MDB_env *env)
{
  MDB_txn *txn;
  MDB_dbi tab;
  unsigned char k[8];
  MDB_val key, val;
  size_t i;
  int64_t sum = 0, a;

  MDB(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
  MDB(mdb_dbi_open(txn, "t", 0, &tab));
  for (i = 0; i < nrows; i++) {
    key8(k, order[i]);
    key.mv_size = 8; key.mv_data = k;
    MDB(mdb_get(txn, tab, &key, &val));
    memcpy(&a, val.mv_data, 8);
    sum += a;
  }
  mdb_txn_abort(txn);
  return sum;
}

/* Load and look up with LMDB alone; times in *put, *get. */
static void run_raw(double *put, double *get)
{
  char *dir = new_dir();
  MDB_env *env;
  double t0;

  MDB(mdb_env_create(&env));
  MDB(mdb_env_set_maxdbs(env, 4));
  MDB(mdb_env_set_mapsize(env, MAPSIZE));
  MDB(mdb_env_open(env, dir, MDB_NOSYNC, 0644));
  t0 = now();
  raw_load(env);
  *put = now() - t0;
  t0 = now();
  if (raw_get(env) < 0) DIE("impossible");
  *get = now() - t0;
  mdb_env_close(env);
  rm_dir(dir);
}

/* ----------------------------------------------------------------- core -- */

static const lvt_column_def cols[] = {
  { "id", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "a", "INTEGER", LVT_AFF_INTEGER, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "b", "TEXT", LVT_AFF_TEXT, 0, 0, 0, { LVT_NULL, { 0 } } },
  { "c", "REAL", LVT_AFF_REAL, 0, 0, 0, { LVT_NULL, { 0 } } },
};
static const int col1[] = { 1 };
static const lvt_index_def idx_a = { "t_a", 0, 0, 1, col1, NULL };
static const lvt_table_def def = { "t", 4, cols, 0, 1, &idx_a, 0 };

/* The core load: lvt_put_many in batches, one transaction. */
static void core_load(lvt_env *env)
{
  lvt_value *v = malloc(BATCH * 4 * sizeof *v);
  lvt_txn *txn;
  lvt_table *t;
  size_t i, j, n;

  LVT(lvt_txn_begin(env, NULL, 0, -1, &txn));
  LVT(lvt_table_create(txn, &def));
  LVT(lvt_table_open(txn, "t", &t));
  for (i = 0; i < nrows; i += n) {
    n = nrows - i < BATCH ? nrows - i : BATCH;
    for (j = 0; j < n; j++) {
      lvt_value *r = v + j * 4;
      r[0].type = LVT_INTEGER; r[0].u.i = (int64_t)(i + j) + 1;
      r[1].type = LVT_INTEGER; r[1].u.i = col_a(i + j);
      r[2].type = LVT_TEXT; r[2].u.s.p = names[i + j]; r[2].u.s.n = strlen(names[i + j]);
      r[3].type = LVT_REAL; r[3].u.r = (double)(i + j) * 0.5;
    }
    LVT(lvt_put_many(txn, t, v, n, 0, NULL));
  }
  LVT(lvt_txn_commit(txn));
  lvt_table_close(t);
  free(v);
}

/* The core lookups: lvt_get and lvt_row_column for every rowid. */
static int64_t core_get(lvt_env *env)
{
  lvt_txn *txn;
  lvt_table *t;
  lvt_row row;
  lvt_value a;
  size_t i;
  int64_t sum = 0;

  LVT(lvt_txn_begin(env, NULL, LVT_TXN_RDONLY, -1, &txn));
  LVT(lvt_table_open(txn, "t", &t));
  for (i = 0; i < nrows; i++) {
    LVT(lvt_get(txn, t, order[i], &row));
    LVT(lvt_row_column(&row, 1, &a));
    sum += a.u.i;
  }
  lvt_txn_abort(txn);
  lvt_table_close(t);
  return sum;
}

/* Load and look up through the core API; times in *put, *get. */
static void run_core(double *put, double *get)
{
  char *dir = new_dir();
  lvt_env_opts o = { MAPSIZE, LVT_SYNC_OFF, LVT_ENV_CREATE };
  lvt_env *env;
  double t0;

  LVT(lvt_env_open(dir, &o, &env));
  t0 = now();
  core_load(env);
  *put = now() - t0;
  t0 = now();
  if (core_get(env) < 0) DIE("impossible");
  *get = now() - t0;
  lvt_env_close(env);
  rm_dir(dir);
}

/* ----------------------------------------------------------------- main -- */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *x, int n)
{
  qsort(x, (size_t)n, sizeof *x, cmp_double);
  return x[n / 2];
}

int main(int argc, char **argv)
{
  int runs = argc > 2 ? atoi(argv[2]) : 3, r;
  int raw = argc <= 3 || strcmp(argv[3], "core") != 0;
  int core = argc <= 3 || strcmp(argv[3], "raw") != 0;
  double rp[16], rg[16], cp[16], cg[16], p_raw, g_raw, p_core, g_core;
  size_t i;
  uint64_t x = 88172645463325252ULL;

  if (argc > 1) nrows = strtoull(argv[1], NULL, 10);
  if (runs < 1 || runs > 16 || nrows < 1) DIE("usage: core_vs_raw [ROWS] [RUNS<=16]");
  names = malloc(nrows * sizeof *names);
  order = malloc(nrows * sizeof *order);
  for (i = 0; i < nrows; i++) {
    snprintf(names[i], sizeof names[i], "name-%zu", i * 7);
    order[i] = (int64_t)i + 1;
  }
  for (i = nrows - 1; i > 0; i--) {           /* Fisher-Yates, xorshift64 */
    size_t k;
    int64_t tmp;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    k = (size_t)(x % (i + 1));
    tmp = order[i]; order[i] = order[k]; order[k] = tmp;
  }
  for (r = 0; r < runs; r++) {
    rp[r] = rg[r] = cp[r] = cg[r] = 0;
    if (raw) run_raw(&rp[r], &rg[r]);
    if (core) run_core(&cp[r], &cg[r]);
  }
  p_raw = median(rp, runs); g_raw = median(rg, runs);
  p_core = median(cp, runs); g_core = median(cg, runs);
  printf("rows %zu, median of %d runs, %s time\n", nrows, runs,
         getenv("BENCH_WALL") ? "wall-clock" : "CPU");
  printf("%-28s %10s %10s %8s\n", "operation", "raw s", "core s", "ratio");
  printf("%-28s %10.3f %10.3f %8.2f\n", "put_many (1 txn, 1 index)", p_raw, p_core, p_core / p_raw);
  printf("%-28s %10.3f %10.3f %8.2f\n", "get by key (random order)", g_raw, g_core, g_core / g_raw);
  free(names);
  free(order);
  return 0;
}
