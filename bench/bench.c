/*
 * bench.c -- the benchmark driver: the same users table, the same operations
 * and the same data in every implementation (bench.h), in one process.
 *
 * For each size the driver builds the dataset in memory (not timed), then,
 * operation by operation, runs every implementation `runs` times, rotating
 * the order of the implementations at each run so that drift of a shared,
 * noisy machine hits all alike.  Each figure is the median of the runs,
 * divided by the units of work of one run (rows, lookups, batches,
 * ranges).  The checksums of the rows each implementation read are compared
 * run by run: they must agree.
 *
 * Output (directory --out, default bench/results): results.csv, summary.md,
 * gnuplot data files (*.dat) and, if gnuplot is installed, PNG charts drawn
 * by bench/charts.gnuplot.
 *
 * Environment: BENCH_SIZES=10,100 (comma list), BENCH_FULL=1 (adds 100000
 * and 1000000), BENCH_RUNS (default 5, at least 5 unless BENCH_QUICK=1),
 * BENCH_IMPLS / BENCH_OPS (comma lists of names to keep), BENCH_DIR (where
 * the data directory is made; default /tmp, or /var/tmp when /tmp is tmpfs),
 * BENCH_EXT (path of the module), BENCH_LMDB_PRAGMAS (pragmas of the database
 * that holds the lmdb table's schema; default those of native_wal).
 *
 * `bench --profile OP --impl NAME [--size N] [--reps R]` instead loads one
 * store and runs one operation R times inside bench_profile_region(), the
 * function that `make profile` (bench/profile.sh) records.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_EXT
#define BENCH_EXT "ext/.libs/lmdbvt"
#endif
#ifndef BENCH_SRCDIR
#define BENCH_SRCDIR "bench"
#endif

const char *bench_ext_path = BENCH_EXT;

/* ------------------------------------------------------------ constants -- */

#define MAX_SIZES 16
#define NIMPL 8
#define EXTRA_ROWS 100       /* rows of the insert loop, per run */
#define LOOKUPS 5000         /* get / get_sec per run */
#define BATCHES 50           /* get_many / get_many_sec batches per run */
#define BATCH 100            /* keys per batch */
#define RANGES 200           /* key_range / index_range per run */
#define WIDTH 100            /* rows per range */
#define SCAN_ROWS 100000     /* rows scanned per full_scan run, at least */
#define WRITES 1000          /* rows updated / deleted per run, at most */
#define AGE_MIN 18
#define AGE_SPAN 63

static const bench_impl *const impls[NIMPL] = {
  &bench_impl_raw, &bench_impl_capi, &bench_impl_capi_bulk,
  &bench_impl_sql_lmdb, &bench_impl_sql_lmdb_txn,
  &bench_impl_native_wal, &bench_impl_native_wal_txn,
  &bench_impl_native_journal,
};
enum { I_RAW, I_CAPI, I_CAPI_BULK, I_SQL, I_SQL_TXN, I_WAL, I_WAL_TXN, I_JOURNAL };

/* Names and units of the operations (OP_RESTORE is never reported). */
static const struct {
  const char *name, *unit;
} opinfo[OP_COUNT] = {
  [OP_BULK_INSERT] = { "bulk_insert", "row (all rows, one txn)" },
  [OP_INSERT_LOOP] = { "insert_loop", "row (one txn each)" },
  [OP_GET] = { "get", "lookup" },
  [OP_GET_MANY] = { "get_many", "batch of 100 keys" },
  [OP_GET_SEC] = { "get_sec", "lookup by email" },
  [OP_GET_MANY_SEC] = { "get_many_sec", "batch of 100 emails" },
  [OP_KEY_RANGE] = { "key_range", "range of 100 rows" },
  [OP_INDEX_RANGE] = { "index_range", "range of 100 rows" },
  [OP_FULL_SCAN] = { "full_scan", "row scanned" },
  [OP_UPDATE] = { "update", "row (one txn)" },
  [OP_DELETE] = { "delete", "row (one txn)" },
  [OP_RESTORE] = { "restore", "row" },
};

/* ---------------------------------------------------------------- utils -- */

/* malloc'ed printf; exits on out-of-memory. */
char *bench_strf(const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0) { perror("bench"); exit(2); }
  va_end(ap);
  return s;
}

/* calloc that exits on failure. */
static void *xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size);
  if (!p) { fprintf(stderr, "bench: out of memory\n"); exit(2); }
  return p;
}

/* Monotonic time in nanoseconds. */
static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* splitmix64: a bijection on 64-bit integers, used to derive the data. */
static uint64_t mix64(uint64_t x)
{
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* The work lists' PRNG (xorshift64*). */
static uint64_t rng_state;

/* Seed the PRNG from the size, the operation and the run. */
static void rng_seed(size_t size, int op, int run)
{
  rng_state = mix64(((uint64_t)size << 20) ^ ((uint64_t)op << 8) ^ (uint64_t)run) | 1;
}

/* Uniform in [0, n). */
static uint64_t rng_below(uint64_t n)
{
  uint64_t x = rng_state;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  rng_state = x;
  return n ? (x * 0x2545F4914F6CDD1DULL) % n : 0;
}

/* nftw callback removing one entry. */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
  (void)st; (void)flag; (void)f;
  return remove(path);
}

/* Remove a directory tree (ignoring errors). */
static void rmtree(const char *path)
{
  nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Compare doubles for qsort. */
static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Is `name` in the comma list `list` (NULL or "" = everything)? */
static int in_list(const char *list, const char *name)
{
  size_t n = strlen(name);
  const char *p = list;
  if (!list || !*list) return 1;
  while ((p = strstr(p, name)) != NULL) {
    if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    p += n;
  }
  return 0;
}

/* -------------------------------------------------------------- dataset -- */

static const char *const first_names[] = {
  "Ada", "Alan", "Barbara", "Brian", "Claude", "Dennis", "Donald", "Edsger",
  "Frances", "Grace", "Hedy", "John", "Ken", "Leslie", "Linus", "Margaret",
  "Niklaus", "Radia", "Richard", "Shafi", "Sophie", "Tim", "Tony", "Yukihiro",
};
static const char *const last_names[] = {
  "Lovelace", "Turing", "Liskov", "Kernighan", "Shannon", "Ritchie", "Knuth",
  "Dijkstra", "Allen", "Hopper", "Lamarr", "McCarthy", "Thompson", "Lamport",
  "Torvalds", "Hamilton", "Wirth", "Perlman", "Stallman", "Goldwasser",
  "Wilson", "Berners-Lee", "Hoare", "Matsumoto",
};
#define NFIRST (sizeof first_names / sizeof first_names[0])
#define NLAST (sizeof last_names / sizeof last_names[0])

/* The rows of one size: ids 1..total, total = n + EXTRA_ROWS (the insert
 * loop's rows come after the loaded ones).  Each row has two versions of
 * (name, age); ver[] tracks which one every store holds now. */
typedef struct dataset {
  size_t n, total;
  bench_row *rows[2];     /* rows[v][id - 1] */
  unsigned char *ver;     /* current version of each row */
  char *arena;
  int64_t *perm;          /* 1..n, shuffled piecewise for distinct batches */
} dataset;

/* Write name version v of row `id` to p; returns its length. */
static size_t make_name(char *p, uint64_t id, int v)
{
  uint64_t h = mix64(id * 2 + (uint64_t)v + 0x51ED);
  return (size_t)sprintf(p, "%s %s", first_names[h % NFIRST],
                         last_names[(h >> 32) % NLAST]);
}

/* Build the dataset of n rows: emails are unique (hex of a bijection of the
 * id, so their order is unrelated to the ids'), names and ages vary. */
static void dataset_build(dataset *d, size_t n)
{
  size_t total = n + EXTRA_ROWS, used = 0;
  d->n = n;
  d->total = total;
  d->arena = xcalloc(total, 96);
  d->ver = xcalloc(total, 1);
  d->perm = xcalloc(n, sizeof *d->perm);
  for (int v = 0; v < 2; v++) d->rows[v] = xcalloc(total, sizeof(bench_row));
  for (size_t i = 0; i < total; i++) {
    uint64_t id = i + 1;
    char *email = d->arena + used;
    size_t ne = (size_t)sprintf(email, "%016llx@example.com",
                                (unsigned long long)mix64(id));
    used += ne;
    for (int v = 0; v < 2; v++) {
      bench_row *r = &d->rows[v][i];
      r->id = (int64_t)id;
      r->email = email;
      r->nemail = ne;
      r->name = d->arena + used;
      r->nname = make_name(d->arena + used, id, v);
      used += r->nname;
      r->age = AGE_MIN + (int64_t)((mix64(id ^ 0xA9E) + (uint64_t)v * 29) % AGE_SPAN);
    }
  }
  for (size_t i = 0; i < n; i++) d->perm[i] = (int64_t)i + 1;
}

/* Free a dataset. */
static void dataset_free(dataset *d)
{
  for (int v = 0; v < 2; v++) free(d->rows[v]);
  free(d->arena);
  free(d->ver);
  free(d->perm);
  memset(d, 0, sizeof *d);
}

/* The current version of row `id`. */
static const bench_row *dataset_row(const dataset *d, int64_t id)
{
  return &d->rows[d->ver[id - 1]][id - 1];
}

/* Fill keys[0..k) with distinct random ids of 1..n (partial shuffle). */
static void distinct_keys(dataset *d, int64_t *keys, size_t k)
{
  for (size_t i = 0; i < k; i++) {
    size_t j = i + (size_t)rng_below(d->n - i);
    int64_t t = d->perm[i];
    d->perm[i] = d->perm[j];
    d->perm[j] = t;
    keys[i] = d->perm[i];
  }
}

/* --------------------------------------------------------------- work -- */

/* The work of one run of one operation, and the cleanup after it. */
typedef struct work {
  bench_work w;           /* what the timed operation does */
  bench_work undo;        /* untimed, after each implementation */
  int undo_op;            /* OP_DELETE, OP_RESTORE or -1 */
  double units;           /* units of work in w */
  bench_row *rows;        /* storage for w.rows / undo.rows */
  int64_t *keys;          /* storage for w.keys / undo.keys / w.ages */
} work;

/* The work of the read operations: random keys, emails, range starts. */
static void work_reads(work *k, dataset *d, int op)
{
  size_t n = d->n;
  switch (op) {
  case OP_GET:
  case OP_GET_SEC:
    for (size_t i = 0; i < LOOKUPS; i++) {
      k->keys[i] = 1 + (int64_t)rng_below(n);
      k->rows[i] = *dataset_row(d, k->keys[i]);
    }
    k->w.n = LOOKUPS;
    break;
  case OP_GET_MANY:
  case OP_GET_MANY_SEC:
    k->w.batch = n < BATCH ? n : BATCH;
    for (size_t b = 0; b < BATCHES; b++)
      distinct_keys(d, k->keys + b * k->w.batch, k->w.batch);
    k->w.n = BATCHES * k->w.batch;
    for (size_t i = 0; i < k->w.n; i++) k->rows[i] = *dataset_row(d, k->keys[i]);
    k->units = BATCHES;
    break;
  case OP_KEY_RANGE:
    k->w.width = WIDTH;
    for (size_t i = 0; i < RANGES; i++)
      k->keys[i] = 1 + (int64_t)rng_below(n > WIDTH ? n - WIDTH + 1 : 1);
    k->w.n = RANGES;
    break;
  case OP_INDEX_RANGE:
    k->w.width = WIDTH;
    for (size_t i = 0; i < RANGES; i++)
      k->keys[i] = AGE_MIN + (int64_t)rng_below(AGE_SPAN);
    k->w.ages = k->keys;
    k->w.n = RANGES;
    break;
  case OP_FULL_SCAN:
    k->w.reps = (SCAN_ROWS + n - 1) / n;
    k->units = (double)(k->w.reps * n);
    break;
  }
}

/* The work of the write operations, with the untimed undo that puts the
 * stores back as they were (the insert loop's rows deleted, the deleted
 * rows restored; an update is kept, and recorded by work_commit). */
static void work_writes(work *k, dataset *d, int op)
{
  size_t n = d->n;
  switch (op) {
  case OP_BULK_INSERT:
    k->w.rows = d->rows[0];
    k->w.n = n;
    break;
  case OP_INSERT_LOOP:
    k->w.rows = d->rows[0] + n;
    k->w.n = EXTRA_ROWS;
    for (size_t i = 0; i < EXTRA_ROWS; i++) k->keys[i] = (int64_t)(n + i + 1);
    k->undo.keys = k->keys;
    k->undo.n = EXTRA_ROWS;
    k->undo_op = OP_DELETE;
    break;
  case OP_UPDATE:
  case OP_DELETE:
    k->w.n = n < WRITES ? n : WRITES;
    distinct_keys(d, k->keys, k->w.n);
    for (size_t i = 0; i < k->w.n; i++) {
      int64_t id = k->keys[i];
      int v = d->ver[id - 1] ^ (op == OP_UPDATE);
      k->rows[i] = d->rows[v][id - 1];
    }
    if (op == OP_DELETE) {
      k->undo.rows = k->rows;
      k->undo.n = k->w.n;
      k->undo_op = OP_RESTORE;
    }
    break;
  }
}

/* Build the work of run `run` of `op` for dataset d. */
static void work_build(work *k, dataset *d, int op, int run)
{
  size_t cap = LOOKUPS + WRITES + EXTRA_ROWS + BATCHES * BATCH;
  memset(k, 0, sizeof *k);
  k->undo_op = -1;
  k->rows = xcalloc(cap, sizeof *k->rows);
  k->keys = xcalloc(cap, sizeof *k->keys);
  rng_seed(d->n, op, run);
  work_reads(k, d, op);
  work_writes(k, d, op);
  if (!k->w.rows) k->w.rows = k->rows;
  if (!k->w.keys) k->w.keys = k->keys;
  if (!k->units) k->units = (double)k->w.n;
}

/* After every implementation ran an update: the stores now hold the other
 * version of the updated rows. */
static void work_commit(work *k, dataset *d, int op)
{
  if (op == OP_UPDATE)
    for (size_t i = 0; i < k->w.n; i++) d->ver[k->w.rows[i].id - 1] ^= 1;
}

/* Free a work. */
static void work_free(work *k)
{
  free(k->rows);
  free(k->keys);
}

/* ------------------------------------------------------------- results -- */

/* The figure of one (size, operation, implementation). */
typedef struct result {
  int runs;               /* runs measured */
  double ns[64];          /* ns per unit of each run */
  double median, min, max;
  double units;
  uint64_t sum;           /* checksum of the last run */
  int mismatch;           /* some run's checksum differed from the reference */
  char *err;              /* first error, if any */
} result;

static size_t sizes[MAX_SIZES];
static int nsizes;
static result res[MAX_SIZES][OP_COUNT][NIMPL];
static int runs = 5;
static const char *impl_filter, *op_filter;
static char *plans[NIMPL];   /* query plans of the SQL sides, largest size */

/* Is implementation i measured in this run of the driver? */
static int impl_on(int i)
{
  return in_list(impl_filter, impls[i]->name);
}

/* Is operation op measured? */
static int op_on(int op)
{
  return op != OP_RESTORE && in_list(op_filter, opinfo[op].name);
}

/* Median and extremes of a result's runs. */
static void result_finish(result *r)
{
  double v[64];
  if (r->runs == 0) return;
  memcpy(v, r->ns, sizeof(double) * (size_t)r->runs);
  qsort(v, (size_t)r->runs, sizeof v[0], cmp_double);
  r->min = v[0];
  r->max = v[r->runs - 1];
  r->median = r->runs % 2 ? v[r->runs / 2]
                          : (v[r->runs / 2 - 1] + v[r->runs / 2]) / 2;
}

/* ---------------------------------------------------------------- stores -- */

/* The open stores of the current size. */
typedef struct stores {
  const char *base;       /* data directory */
  void *h[NIMPL];
  char *dir[NIMPL];
  int gen;
  char *broken[NIMPL];    /* why an implementation cannot run at this size */
} stores;

/* The implementation whose store implementation i uses: itself, or the
 * one named by its `share`. */
static int store_of(int i)
{
  if (impls[i]->share)
    for (int j = 0; j < NIMPL; j++)
      if (!strcmp(impls[j]->name, impls[i]->share)) return j;
  return i;
}

/* Replace implementation i's store with a fresh empty one (not timed). */
static int store_fresh(stores *s, int i)
{
  char *err = NULL;
  impls[i]->close(s->h[i]);
  s->h[i] = NULL;
  if (s->dir[i]) { rmtree(s->dir[i]); free(s->dir[i]); }
  s->dir[i] = bench_strf("%s/%s.%d", s->base, impls[i]->name, s->gen++);
  if (mkdir(s->dir[i], 0755) != 0) {
    s->broken[i] = bench_strf("mkdir %s: %s", s->dir[i], strerror(errno));
    return -1;
  }
  s->h[i] = impls[i]->open(s->dir[i], impls[i]->arg, &err);
  if (!s->h[i]) {
    s->broken[i] = err;
    return -1;
  }
  return 0;
}

/* Close and remove every store. */
static void stores_close(stores *s)
{
  for (int i = 0; i < NIMPL; i++) {
    if (s->h[i]) impls[i]->close(s->h[i]);
    if (s->dir[i]) { rmtree(s->dir[i]); free(s->dir[i]); }
    free(s->broken[i]);
  }
  memset(s->h, 0, sizeof s->h);
}

/* Run one timed operation of implementation i, then its untimed undo. */
static void run_one(stores *s, int si, int op, int i, work *k, uint64_t *sink)
{
  result *r = &res[si][op][i];
  char *err = NULL;
  double t0, t1;
  int rc;

  if (op == OP_BULK_INSERT && store_fresh(s, i) != 0) {
    r->err = strdup(s->broken[i]);
    return;
  }
  *sink = 0;
  t0 = now_ns();
  rc = impls[i]->op[op](s->h[store_of(i)], &k->w, sink, &err);
  t1 = now_ns();
  if (rc == 0 && k->undo_op >= 0 && impls[i]->op[k->undo_op]) {
    uint64_t junk = 0;
    rc = impls[i]->op[k->undo_op](s->h[store_of(i)], &k->undo, &junk, &err);
  }
  if (rc != 0) {
    if (!r->err) r->err = err ? err : strdup("failed");
    else free(err);
    if (op == OP_BULK_INSERT && !s->broken[i])
      s->broken[i] = bench_strf("bulk load failed: %s", r->err);
    return;
  }
  r->ns[r->runs++] = (t1 - t0) / k->units;
  r->units = k->units;
  r->sum = *sink;
}

/* Can implementation i run op at size si?  (One that shares a store needs
 * that store loaded.) */
static int can_run(stores *s, int si, int op, int i)
{
  int j = store_of(i);
  return impl_on(i) && impls[i]->op[op] && !s->broken[i] && !res[si][op][i].err
         && (j == i || (impl_on(j) && s->h[j] && !s->broken[j]));
}

/* Run every measured operation at size index si. */
static void run_size(stores *s, int si, dataset *d)
{
  for (int op = 0; op < OP_COUNT; op++) {
    /* The stores are loaded by the bulk insert even when it is not shown. */
    int nrun = op_on(op) ? runs : 1;
    if (!op_on(op) && op != OP_BULK_INSERT) continue;
    for (int run = 0; run < nrun; run++) {
      uint64_t sink[NIMPL] = { 0 };
      int ref = -1;
      work k;
      work_build(&k, d, op, run);
      for (int j = 0; j < NIMPL; j++) {
        int i = (j + run) % NIMPL;
        if (can_run(s, si, op, i)) run_one(s, si, op, i, &k, &sink[i]);
      }
      work_commit(&k, d, op);
      for (int i = 0; i < NIMPL; i++) {
        result *r = &res[si][op][i];
        if (!r->runs || r->err || !impl_on(i) || !impls[i]->op[op]) continue;
        if (ref < 0) ref = i;
        else if (sink[i] != sink[ref]) r->mismatch = 1;
      }
      work_free(&k);
    }
    for (int i = 0; i < NIMPL; i++) result_finish(&res[si][op][i]);
    fprintf(stderr, ".");
  }
  for (int i = I_SQL; i <= I_WAL; i += I_WAL - I_SQL) {
    free(plans[i]);
    plans[i] = s->h[i] ? bench_sql_explain(s->h[i]) : NULL;
  }
}

/* -------------------------------------------------------------- machine -- */

static char machine_line[8192];
static char data_base[4096];
static char fs_type[64];

/* Name of a filesystem type from statfs(2). */
static const char *fs_name(long type)
{
  switch ((unsigned long)type) {
  case 0xEF53: return "ext4";
  case 0x01021994: return "tmpfs";
  case 0x58465342: return "xfs";
  case 0x9123683E: return "btrfs";
  case 0x794C7630: return "overlayfs";
  case 0x2FC12FC1: return "zfs";
  case 0x6969: return "nfs";
  case 0x65735546: return "fuse";
  case 0xF2F52010: return "f2fs";
  default: return "unknown";
  }
}

/* Filesystem type of path into fs_type; returns nonzero for tmpfs. */
static int probe_fs(const char *path)
{
  struct statfs sf;
  if (statfs(path, &sf) != 0) {
    snprintf(fs_type, sizeof fs_type, "?");
    return 0;
  }
  snprintf(fs_type, sizeof fs_type, "%s", fs_name((long)sf.f_type));
  return (unsigned long)sf.f_type == 0x01021994;
}

/* Make the data directory: a mkdtemp under $BENCH_DIR, else /tmp, else
 * /var/tmp when /tmp is tmpfs (a RAM disk would hide the cost of fsync). */
static void make_data_dir(void)
{
  const char *base = getenv("BENCH_DIR");
  if (!base || !*base) {
    base = "/tmp";
    if (probe_fs(base) && !probe_fs("/var/tmp")) base = "/var/tmp";
  }
  snprintf(data_base, sizeof data_base, "%s/benchdata-lmdbvt.XXXXXX", base);
  if (!mkdtemp(data_base)) {
    fprintf(stderr, "bench: mkdtemp %s: %s\n", data_base, strerror(errno));
    exit(2);
  }
  if (probe_fs(data_base))
    fprintf(stderr, "bench: WARNING: %s is tmpfs: fsync costs nothing there; "
            "set BENCH_DIR to a disk\n", data_base);
}

/* The CPU model from /proc/cpuinfo. */
static void cpu_model(char *out, size_t n)
{
  char line[512];
  FILE *f = fopen("/proc/cpuinfo", "r");
  snprintf(out, n, "unknown CPU");
  while (f && fgets(line, sizeof line, f)) {
    char *c = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && c) {
      c += 2;
      c[strcspn(c, "\n")] = 0;
      snprintf(out, n, "%s", c);
      break;
    }
  }
  if (f) fclose(f);
}

/* Median cost in ns of a trivial system call, and of a 4 KiB write plus
 * fdatasync() in the data directory: what commits and per-statement locking
 * cost on this machine (syscalls are slow in many VMs). */
static void probe_costs(double *syscall_ns, double *sync_ns)
{
  double t[15];
  char *path = bench_strf("%s/probe", data_base), page[4096] = { 0 };
  int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
  for (int r = 0; r < 15; r++) {
    double t0 = now_ns();
    for (int i = 0; i < 1000; i++) (void)getppid();
    t[r] = (now_ns() - t0) / 1000;
  }
  qsort(t, 15, sizeof t[0], cmp_double);
  *syscall_ns = t[7];
  for (int r = 0; r < 15 && fd >= 0; r++) {
    double t0 = now_ns();
    if (pwrite(fd, page, sizeof page, (off_t)r * 4096) < 0 || fdatasync(fd) != 0)
      break;
    t[r] = now_ns() - t0;
  }
  qsort(t, 15, sizeof t[0], cmp_double);
  *sync_ns = fd >= 0 ? t[7] : -1;
  if (fd >= 0) close(fd);
  unlink(path);
  free(path);
}

/* Describe the machine in one line. */
static void describe_machine(void)
{
  char cpu[256];
  struct utsname u;
  int maj, min, pat;
  double sc, sy;
  cpu_model(cpu, sizeof cpu);
  uname(&u);
  mdb_version(&maj, &min, &pat);
  probe_costs(&sc, &sy);
  snprintf(machine_line, sizeof machine_line,
           "%s, %ld cores, %s %s; data in %s (%s); system call %.0f ns, "
           "4 KiB write + fdatasync %.2f ms; SQLite %s, LMDB %d.%d.%d",
           cpu, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
           data_base, fs_type, sc, sy / 1e6, sqlite3_libversion(), maj, min, pat);
}

static const char durability_line[] =
  "LMDB sides: sync=full (MDB default flags: fsync of data and meta page at "
  "every commit); native_wal: journal_mode=WAL, synchronous=FULL; "
  "native_journal: journal_mode=DELETE, synchronous=FULL";

/* --------------------------------------------------------------- output -- */

static const char *out_dir = "bench/results";

/* Open out_dir/name for writing; exits on failure. */
static FILE *out_open(const char *name)
{
  char *path = bench_strf("%s/%s", out_dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { fprintf(stderr, "bench: %s: %s\n", path, strerror(errno)); exit(2); }
  free(path);
  return f;
}

/* The median of (si, op, i), or -1 when there is none. */
static double fig(int si, int op, int i)
{
  const result *r = &res[si][op][i];
  return r->runs && !r->err && impl_on(i) ? r->median : -1;
}

/* Ratio of (si, op, i) to (si, op, ref), or -1. */
static double ratio(int si, int op, int i, int ref)
{
  double a = fig(si, op, i), b = fig(si, op, ref);
  return a > 0 && b > 0 ? a / b : -1;
}

/* The native side implementation i is compared with: native_wal_txn for
 * the two that read inside one transaction, else native_wal. */
static int native_of(int i)
{
  return i == I_SQL_TXN || i == I_WAL_TXN ? I_WAL_TXN : I_WAL;
}

/* Ratio of (si, op, i) to its native side, or -1. */
static double ratio_native(int si, int op, int i)
{
  return ratio(si, op, i, native_of(i));
}

/* Format nanoseconds readably into buf. */
static const char *fmt_ns(char *buf, size_t n, double ns)
{
  if (ns < 0) snprintf(buf, n, "–");
  else if (ns < 1e3) snprintf(buf, n, "%.0f ns", ns);
  else if (ns < 1e6) snprintf(buf, n, "%.2f µs", ns / 1e3);
  else if (ns < 1e9) snprintf(buf, n, "%.2f ms", ns / 1e6);
  else snprintf(buf, n, "%.2f s", ns / 1e9);
  return buf;
}

/* Write results.csv: one line per (size, op, implementation). */
static void write_csv(void)
{
  FILE *f = out_open("results.csv");
  fprintf(f, "size,op,impl,unit,units_per_run,runs,median_ns,min_ns,max_ns,"
          "ratio_native,ratio_lmdb_raw,checksum,checksum_ok,error\n");
  for (int si = 0; si < nsizes; si++)
    for (int op = 0; op < OP_COUNT; op++) {
      if (!op_on(op)) continue;
      for (int i = 0; i < NIMPL; i++) {
        const result *r = &res[si][op][i];
        if (!impl_on(i) || !impls[i]->op[op]) continue;
        fprintf(f, "%zu,%s,%s,\"%s\",%.0f,%d,%.1f,%.1f,%.1f,%.3f,%.3f,%llu,%d,\"",
                sizes[si], opinfo[op].name, impls[i]->name, opinfo[op].unit,
                r->units, r->runs, fig(si, op, i), r->runs ? r->min : -1,
                r->runs ? r->max : -1, ratio_native(si, op, i),
                ratio(si, op, i, I_RAW), (unsigned long long)r->sum,
                !r->mismatch);
        for (const char *p = r->err; p && *p; p++)
          fputs(*p == '"' ? "\"\"" : (char[2]){ *p, 0 }, f);
        fputs("\"\n", f);
      }
    }
  fclose(f);
}

/* One Markdown table for size si: the times, or the ratios to `ref`. */
static void md_table(FILE *f, int si, int ref)
{
  char buf[64];
  fprintf(f, "| op | unit |");
  for (int i = 0; i < NIMPL; i++) if (impl_on(i)) fprintf(f, " %s |", impls[i]->name);
  fprintf(f, "\n| --- | --- |");
  for (int i = 0; i < NIMPL; i++) if (impl_on(i)) fprintf(f, " ---: |");
  fprintf(f, "\n");
  for (int op = 0; op < OP_COUNT; op++) {
    if (!op_on(op)) continue;
    fprintf(f, "| %s | %s |", opinfo[op].name, opinfo[op].unit);
    for (int i = 0; i < NIMPL; i++) {
      const result *r = &res[si][op][i];
      if (!impl_on(i)) continue;
      if (!impls[i]->op[op]) fprintf(f, " |");
      else if (r->err) fprintf(f, " error |");
      else if (ref < 0) fprintf(f, " %s%s |", fmt_ns(buf, sizeof buf, fig(si, op, i)),
                                r->mismatch ? " **≠**" : "");
      else {
        double x = ref == I_WAL ? ratio_native(si, op, i) : ratio(si, op, i, ref);
        if (x < 0) fprintf(f, " – |");
        else fprintf(f, " %.2f× |", x);
      }
    }
    fprintf(f, "\n");
  }
}

/* A target: SQL or C API side over a reference side, at most `limit`. */
typedef struct target {
  const char *what;
  int op, impl, alt, ref;   /* alt: a second form of the same side, or -1 */
  double limit;
} target;

static const target targets[] = {
  { "SQL/native bulk insert", OP_BULK_INSERT, I_SQL, -1, I_WAL, 0.8 },
  { "SQL/native get by key", OP_GET, I_SQL, -1, I_WAL, 0.7 },
  { "SQL/native get by unique secondary key", OP_GET_SEC, I_SQL, -1, I_WAL, 0.5 },
  { "SQL/native get_many 100 keys", OP_GET_MANY, I_SQL, -1, I_WAL, 0.6 },
  { "SQL/native key range 100 rows", OP_KEY_RANGE, I_SQL, -1, I_WAL, 1.0 },
  { "SQL/native full scan", OP_FULL_SCAN, I_SQL, -1, I_WAL, 1.0 },
  { "same, reads in one transaction: get by key", OP_GET, I_SQL_TXN, -1,
    I_WAL_TXN, 0.7 },
  { "same, reads in one transaction: get by unique secondary key", OP_GET_SEC,
    I_SQL_TXN, -1, I_WAL_TXN, 0.5 },
  { "same, reads in one transaction: get_many 100 keys", OP_GET_MANY,
    I_SQL_TXN, -1, I_WAL_TXN, 0.6 },
  { "same, reads in one transaction: key range 100 rows", OP_KEY_RANGE,
    I_SQL_TXN, -1, I_WAL_TXN, 1.0 },
  { "same, reads in one transaction: full scan", OP_FULL_SCAN, I_SQL_TXN, -1,
    I_WAL_TXN, 1.0 },
  { "C API/raw LMDB bulk insert (best of capi, capi_bulk)", OP_BULK_INSERT,
    I_CAPI, I_CAPI_BULK, I_RAW, 1.2 },
  { "C API/raw LMDB get by key", OP_GET, I_CAPI, -1, I_RAW, 1.2 },
};

/* The Targets section: at 100k and 1M rows when measured, else at the
 * largest size measured. */
static void md_targets(FILE *f)
{
  int big = 0;
  for (int si = 0; si < nsizes; si++) big |= sizes[si] >= 100000;
  fprintf(f, "## Targets\n\n");
  if (!big)
    fprintf(f, "The targets are set for 100k and 1M rows; this run stopped at "
            "%zu rows (run with BENCH_FULL=1 for the real check), so they are "
            "shown at %zu rows.\n\n", sizes[nsizes - 1], sizes[nsizes - 1]);
  fprintf(f, "| target | rows | limit | measured | holds |\n"
             "| --- | ---: | ---: | ---: | --- |\n");
  for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
    const target *g = &targets[t];
    if (!op_on(g->op)) continue;
    for (int si = 0; si < nsizes; si++) {
      double r, r2;
      if (big ? sizes[si] < 100000 : si != nsizes - 1) continue;
      r = ratio(si, g->op, g->impl, g->ref);
      r2 = g->alt >= 0 ? ratio(si, g->op, g->alt, g->ref) : -1;
      if (r2 > 0 && (r < 0 || r2 < r)) r = r2;
      if (r < 0) fprintf(f, "| %s | %zu | %.1f× | – | not measured |\n",
                         g->what, sizes[si], g->limit);
      else fprintf(f, "| %s | %zu | %.1f× | %.2f× | %s |\n", g->what, sizes[si],
                   g->limit, r, r <= g->limit ? "yes" : "**no**");
    }
  }
  fprintf(f, "\n");
}

/* The head of the summary: machine, durability, method, implementations,
 * targets. */
static void md_head(FILE *f)
{
  fprintf(f, "# lmdbvt benchmark\n\nMachine: %s\n\nDurability: %s\n\n"
          "Method: every figure is the median of %d runs (min and max in "
          "results.csv), per unit of work; implementations alternate within "
          "each run so that drift of the machine hits all alike; building the "
          "data and opening stores are not timed.  Reads run in one read "
          "transaction per batch on the C sides and in autocommit (one "
          "transaction per statement) on the SQL sides.  **≠** marks a checksum "
          "that differs from lmdb_raw's (other rows were returned).\n\n"
          "## Implementations\n\n", machine_line, durability_line, runs);
  for (int i = 0; i < NIMPL; i++)
    if (impl_on(i)) fprintf(f, "- `%s`: %s\n", impls[i]->name, impls[i]->what);
  fprintf(f, "\n");
  md_targets(f);
}

/* The section of size si: times, ratios to native and to raw, errors. */
static void md_size(FILE *f, int si)
{
  fprintf(f, "## %zu rows\n\nTime per unit (median):\n\n", sizes[si]);
  md_table(f, si, -1);
  fprintf(f, "\nRatio to native_wal (below 1 = faster than native SQLite):\n\n");
  md_table(f, si, I_WAL);
  fprintf(f, "\nRatio to lmdb_raw (the floor; the overhead of each layer):\n\n");
  md_table(f, si, I_RAW);
  fprintf(f, "\n");
  for (int op = 0; op < OP_COUNT; op++)
    for (int i = 0; i < NIMPL; i++)
      if (op_on(op) && impl_on(i) && res[si][op][i].err)
        fprintf(f, "- error: %s %s: %s\n", impls[i]->name, opinfo[op].name,
                res[si][op][i].err);
  fprintf(f, "\n");
}

/* Write summary.md: the head, every size, the query plans. */
static void write_md(void)
{
  FILE *f = out_open("summary.md");
  md_head(f);
  for (int si = 0; si < nsizes; si++) md_size(f, si);
  fprintf(f, "## Query plans (EXPLAIN QUERY PLAN at %zu rows)\n\n",
          sizes[nsizes - 1]);
  for (int i = 0; i < NIMPL; i++)
    if (plans[i]) fprintf(f, "%s:\n\n%s\n", impls[i]->name, plans[i]);
  fclose(f);
}

/* Write one gnuplot data file: a header line (`first` and the
 * implementation names), then one line per row: its label and its values,
 * NaN where missing.  Implementations with no value at all are left out,
 * since a column of NaN upsets gnuplot's clustered histograms. */
static void dat_write(const char *name, const char *first, int nrow,
                      char labels[][32], double vals[][NIMPL])
{
  FILE *f = out_open(name);
  int keep[NIMPL];
  for (int i = 0; i < NIMPL; i++) {
    keep[i] = 0;
    for (int r = 0; r < nrow; r++) keep[i] |= vals[r][i] > 0;
  }
  fprintf(f, "%s", first);
  for (int i = 0; i < NIMPL; i++) if (keep[i]) fprintf(f, " %s", impls[i]->name);
  fprintf(f, "\n");
  for (int r = 0; r < nrow; r++) {
    fprintf(f, "%s", labels[r]);
    for (int i = 0; i < NIMPL; i++)
      if (keep[i]) fprintf(f, vals[r][i] > 0 ? " %.4g" : " NaN", vals[r][i]);
    fprintf(f, "\n");
  }
  fclose(f);
}

/* Write the gnuplot data files: per size the times and both ratios (rows =
 * operations), per operation the scaling (rows = sizes). */
static void write_dat(void)
{
  static const char *const kinds[3] = { "times", "ratio_native", "ratio_raw" };
  char labels[MAX_SIZES > OP_COUNT ? MAX_SIZES : OP_COUNT][32], name[64];
  double vals[MAX_SIZES > OP_COUNT ? MAX_SIZES : OP_COUNT][NIMPL];
  int nrow;

  for (int si = 0; si < nsizes; si++)
    for (int k = 0; k < 3; k++) {
      nrow = 0;
      for (int op = 0; op < OP_COUNT; op++) {
        if (!op_on(op)) continue;
        snprintf(labels[nrow], sizeof labels[0], "%s", opinfo[op].name);
        for (int i = 0; i < NIMPL; i++)
          vals[nrow][i] = k == 0 ? fig(si, op, i)
                          : k == 1 ? ratio_native(si, op, i) : ratio(si, op, i, I_RAW);
        nrow++;
      }
      snprintf(name, sizeof name, "%s_%zu.dat", kinds[k], sizes[si]);
      dat_write(name, "op", nrow, labels, vals);
    }
  for (int op = 0; op < OP_COUNT; op++) {
    if (!op_on(op)) continue;
    for (int si = 0; si < nsizes; si++) {
      snprintf(labels[si], sizeof labels[0], "%zu", sizes[si]);
      for (int i = 0; i < NIMPL; i++) vals[si][i] = fig(si, op, i);
    }
    snprintf(name, sizeof name, "scaling_%s.dat", opinfo[op].name);
    dat_write(name, "size", nsizes, labels, vals);
  }
}

/* Draw the PNG charts with gnuplot (its messages go to charts.log), or say
 * loudly that it is missing. */
static void draw_charts(void)
{
  char sz[256] = "", ops[512] = "";
  char *cmd;
  int n = 0;
  for (int si = 0; si < nsizes; si++)
    snprintf(sz + strlen(sz), sizeof sz - strlen(sz), "%s%zu", si ? " " : "", sizes[si]);
  for (int op = 0; op < OP_COUNT; op++)
    if (op_on(op))
      snprintf(ops + strlen(ops), sizeof ops - strlen(ops), "%s%s", n++ ? " " : "",
               opinfo[op].name);
  if (system("gnuplot --version >/dev/null 2>&1") != 0) {
    fprintf(stderr,
            "\n*** bench: gnuplot NOT FOUND: no PNG charts were drawn. ***\n"
            "*** Install it (Debian: apt-get install gnuplot-nox); results.csv "
            "and summary.md are written. ***\n\n");
    return;
  }
  cmd = bench_strf("gnuplot -e \"dir='%s'; sizes='%s'; ops='%s'\" "
                   "'%s/charts.gnuplot' 2>'%s/charts.log'", out_dir, sz, ops,
                   BENCH_SRCDIR, out_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "bench: WARNING: gnuplot failed (see %s/charts.log): %s\n",
            out_dir, cmd);
  free(cmd);
}

/* -------------------------------------------------------------- profile -- */

/* Tell a `perf record --control fd:CTL,ACK -D -1` parent to start or stop
 * sampling, when BENCH_PERF_CTL and BENCH_PERF_ACK name those fds. */
static void perf_control(const char *what)
{
  const char *c = getenv("BENCH_PERF_CTL"), *a = getenv("BENCH_PERF_ACK");
  char ack[16];
  if (!c || !a) return;
  if (write(atoi(c), what, strlen(what)) < 0 || read(atoi(a), ack, sizeof ack) < 0)
    fprintf(stderr, "bench: perf control: %s\n", strerror(errno));
}

/* The profiled region: `reps` runs of op on one store.  Kept out of line so
 * that callgrind can collect this function only (--toggle-collect). */
__attribute__((noinline)) void bench_profile_region(stores *s, int i, dataset *d,
                                                    int op, int reps);
__attribute__((noinline)) void bench_profile_region(stores *s, int i, dataset *d,
                                                    int op, int reps)
{
  for (int run = 0; run < reps; run++) {
    work k;
    uint64_t sink = 0;
    char *err = NULL;
    work_build(&k, d, op, run);
    if (impls[i]->op[op](s->h[store_of(i)], &k.w, &sink, &err) != 0) {
      fprintf(stderr, "bench: %s %s: %s\n", impls[i]->name, opinfo[op].name, err);
      exit(1);
    }
    if (k.undo_op >= 0 && impls[i]->op[k.undo_op])
      impls[i]->op[k.undo_op](s->h[store_of(i)], &k.undo, &sink, &err);
    work_commit(&k, d, op);
    work_free(&k);
  }
}

/* --profile: load implementation `impl` with n rows (unless op is the bulk
 * insert itself) and run op `reps` times inside bench_profile_region(). */
static int profile(const char *opname, const char *implname, size_t n, int reps)
{
  stores s = { 0 };
  dataset d;
  int op, i, j;
  for (op = 0; op < OP_RESTORE && strcmp(opinfo[op].name, opname); op++) {}
  for (i = 0; i < NIMPL && strcmp(impls[i]->name, implname); i++) {}
  if (op == OP_RESTORE || i == NIMPL || !impls[i]->op[op]) {
    fprintf(stderr, "bench: no operation %s for implementation %s\n", opname, implname);
    return 2;
  }
  make_data_dir();
  s.base = data_base;
  dataset_build(&d, n);
  j = store_of(i);
  if (store_fresh(&s, j) != 0) {
    fprintf(stderr, "bench: %s: %s\n", impls[j]->name, s.broken[j]);
    return 1;
  }
  if (op != OP_BULK_INSERT) {
    work k;
    uint64_t sink = 0;
    char *err = NULL;
    work_build(&k, &d, OP_BULK_INSERT, 0);
    if (impls[j]->op[OP_BULK_INSERT](s.h[j], &k.w, &sink, &err) != 0) {
      fprintf(stderr, "bench: load: %s\n", err);
      return 1;
    }
    work_free(&k);
  } else {
    reps = 1;
  }
  fprintf(stderr, "bench: profiling %s of %s, %zu rows, %d runs\n", opname,
          implname, n, reps);
  perf_control("enable\n");
  bench_profile_region(&s, i, &d, op, reps);
  perf_control("disable\n");
  stores_close(&s);
  rmdir(data_base);
  dataset_free(&d);
  return 0;
}

/* ----------------------------------------------------------------- main -- */

/* Parse a comma list of sizes into sizes[]. */
static void parse_sizes(const char *list)
{
  nsizes = 0;
  for (const char *p = list; *p && nsizes < MAX_SIZES; ) {
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p) break;
    if (*end == 'k' || *end == 'K') { v *= 1000; end++; }
    else if (*end == 'M') { v *= 1000000; end++; }
    if (v > 0) sizes[nsizes++] = (size_t)v;
    p = *end == ',' ? end + 1 : end;
  }
}

/* Print usage and exit. */
static void usage(void)
{
  fprintf(stderr,
          "usage: bench [--out DIR] [--sizes 10,100,...] [--runs N]\n"
          "             [--impls a,b] [--ops a,b] [--no-charts]\n"
          "       bench --profile OP --impl NAME [--size N] [--reps R]\n"
          "environment: BENCH_SIZES, BENCH_FULL=1, BENCH_RUNS, BENCH_IMPLS,\n"
          "             BENCH_OPS, BENCH_DIR, BENCH_EXT (module path)\n");
  exit(2);
}

/* Print the head of the summary and the largest size to stdout. */
static void print_summary(void)
{
  md_head(stdout);
  md_size(stdout, nsizes - 1);
  fflush(stdout);
}

/* Run the benchmark (or, with --profile, one profiled operation). */
int main(int argc, char **argv)
{
  const char *prof_op = NULL, *prof_impl = "sql_lmdb", *e;
  size_t prof_size = 100000;
  int prof_reps = 20, charts = 1;
  stores s = { 0 };

  parse_sizes(getenv("BENCH_FULL") && atoi(getenv("BENCH_FULL"))
                ? "10,100,500,1000,5000,100000,1000000" : "10,100,500,1000,5000");
  if ((e = getenv("BENCH_SIZES")) && *e) parse_sizes(e);
  if ((e = getenv("BENCH_RUNS")) && *e) runs = atoi(e);
  if ((e = getenv("BENCH_EXT")) && *e) bench_ext_path = e;
  impl_filter = getenv("BENCH_IMPLS");
  op_filter = getenv("BENCH_OPS");
  for (int a = 1; a < argc; a++) {
    const char *v = a + 1 < argc ? argv[a + 1] : NULL;
    if (!strcmp(argv[a], "--no-charts")) { charts = 0; continue; }
    if (!v) usage();
    if (!strcmp(argv[a], "--out")) out_dir = v;
    else if (!strcmp(argv[a], "--sizes")) parse_sizes(v);
    else if (!strcmp(argv[a], "--runs")) runs = atoi(v);
    else if (!strcmp(argv[a], "--impls")) impl_filter = v;
    else if (!strcmp(argv[a], "--ops")) op_filter = v;
    else if (!strcmp(argv[a], "--profile")) prof_op = v;
    else if (!strcmp(argv[a], "--impl")) prof_impl = v;
    else if (!strcmp(argv[a], "--size")) prof_size = strtoull(v, NULL, 10);
    else if (!strcmp(argv[a], "--reps")) prof_reps = atoi(v);
    else usage();
    a++;
  }
  if (prof_op) return profile(prof_op, prof_impl, prof_size, prof_reps);
  if (runs < 1 || runs > 64 || nsizes == 0) usage();
  if (runs < 5 && !getenv("BENCH_QUICK"))
    fprintf(stderr, "bench: note: %d runs (medians want at least 5)\n", runs);
  mkdir(out_dir, 0755);
  make_data_dir();
  describe_machine();
  fprintf(stderr, "bench: %s\nbench: %s\n", machine_line, durability_line);
  s.base = data_base;
  for (int si = 0; si < nsizes; si++) {
    dataset d;
    double t0 = now_ns();
    fprintf(stderr, "bench: %zu rows ", sizes[si]);
    dataset_build(&d, sizes[si]);
    run_size(&s, si, &d);
    stores_close(&s);
    memset(s.dir, 0, sizeof s.dir);
    memset(s.broken, 0, sizeof s.broken);
    dataset_free(&d);
    fprintf(stderr, " %.1f s\n", (now_ns() - t0) / 1e9);
  }
  rmdir(data_base);
  write_csv();
  write_md();
  write_dat();
  if (charts) draw_charts();
  print_summary();
  fprintf(stderr, "bench: results in %s/ (results.csv, summary.md%s)\n", out_dir,
          charts ? ", *.png" : "");
  return 0;
}
