/*
 * oom.c -- out-of-memory sweep over a scripted SQL workload (issue #7).
 *
 * One counting allocator sees every allocation of SQLite (installed with
 * SQLITE_CONFIG_MALLOC, wrapping the default methods that
 * SQLITE_CONFIG_GETMALLOC returns) and of lmdbvt's core (lvt_config_malloc);
 * LMDB's own few mallocs are not visible.  A reference run records, for
 * each unit of the workload (one statement, or one BEGIN ... COMMIT block),
 * its result code, its output rows and the database state after it.  Then,
 * for N = 1, 2, ... until a run no longer reaches allocation N, the
 * workload runs in a fresh directory with allocation N failing ("once"
 * mode), and again with N and every allocation after it failing ("persist"
 * mode).  Laws:
 *  - a unit either behaves as in the reference run (same code, same rows,
 *    same state after) or fails with SQLITE_NOMEM (also accepted: an error
 *    whose message says "out of memory");
 *  - after a failure (faults off, an open transaction rolled back) the
 *    state, read through the same connection and through a new one, is
 *    exactly the state before the unit or after it, and every table passes
 *    lmdb_integrity_check; when it is the state before, running the unit
 *    again succeeds as in the reference run (no orphan, no stale cache);
 *  - closing the connections gives back every allocation: the live count
 *    of SQLite and of lvt allocations is what it was before the run.
 * A state is: sqlite_schema, every lmdb table's rows by rowid, and each
 * table's B-trees with their entry counts (lmdb_stat), so a half-built or
 * half-dropped index shows.
 *
 * The module is linked in and registered with sqlite3_auto_extension.
 * Run length.  By default (make check) once mode tries every N and persist
 * mode every 3rd N; under AddressSanitizer, every 5th and every 15th (a
 * point costs about six times more there).  Environment: OOM_FULL=1 runs a
 * bigger workload (more rows, a longer script) at every N in both modes;
 * OOM_STRIDE=k tries every k-th N in both modes; OOM_ROWS=n sets the row
 * count; OOM_KNOWN=1 adds the units that show known bugs (with
 * OOM_FULL=1: ALTER TABLE RENAME); OOM_MODE=once|persist runs one mode;
 * OOM_ONLY=N runs the single fault point N and prints every unit
 * (gdb -ex 'break oom_injected' shows where it fails); OOM_NOTES=1 prints
 * every "out of memory" reported under another code.  Directories go under
 * $TMPDIR, else /dev/shm, else /tmp.  Exit 0 pass, 1 failure, 77 skip.
 */
#include "config.h"

#include <sqlite3.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lmdbvt.h"

int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

/* ------------------------------------------------------- allocator -- */

static struct {
  long count;          /* allocations asked for while armed */
  long count_lvt;      /* of which by the lvt core */
  long fail_at;        /* 0: never fail */
  int persist;         /* fail every allocation after fail_at too */
  int armed;
  long fired;          /* failures injected in this run */
  long live_sq, live_lvt;    /* outstanding blocks */
  long long bytes_sq, bytes_lvt;
} F;

/* Called at each injected failure: a place for a debugger's breakpoint
 * (gdb -ex 'break oom_injected' with OOM_ONLY=N). */
__attribute__((noinline)) void oom_injected(long n);
__attribute__((noinline)) void oom_injected(long n)
{
  __asm__ volatile("" ::"r"(n) : "memory");
}

static int fault(void)
{
  if (!F.armed) return 0;
  F.count++;
  if (F.fail_at && (F.count == F.fail_at || (F.persist && F.count > F.fail_at))) {
    F.fired++;
    oom_injected(F.count);
    return 1;
  }
  return 0;
}

static sqlite3_mem_methods g_def;   /* SQLite's default methods */

static void *sq_malloc(int n)
{
  void *p;
  if (fault()) return NULL;
  p = g_def.xMalloc(n);
  if (p) { F.live_sq++; F.bytes_sq += g_def.xSize(p); }
  return p;
}

static void sq_free(void *p)
{
  if (p == NULL) return;
  F.live_sq--;
  F.bytes_sq -= g_def.xSize(p);
  g_def.xFree(p);
}

static void *sq_realloc(void *p, int n)
{
  int old;
  void *q;
  if (fault()) return NULL;
  old = g_def.xSize(p);
  q = g_def.xRealloc(p, n);
  if (q) F.bytes_sq += g_def.xSize(q) - old;
  return q;
}

static int sq_size(void *p) { return g_def.xSize(p); }
static int sq_roundup(int n) { return g_def.xRoundup(n); }
static int sq_init(void *x) { return g_def.xInit(x); }
static void sq_shutdown(void *x) { g_def.xShutdown(x); }

/* lvt blocks carry their size in a 16-byte header (keeps max alignment). */
#define HDR 16

static void *lv_malloc(void *ctx, size_t n)
{
  unsigned char *h;
  (void)ctx;
  F.count_lvt += F.armed;
  if (fault()) return NULL;
  if ((h = malloc(n + HDR)) == NULL) return NULL;
  memcpy(h, &n, sizeof n);
  F.live_lvt++;
  F.bytes_lvt += (long long)n;
  return h + HDR;
}

static void *lv_realloc(void *ctx, void *p, size_t n)
{
  unsigned char *h = (unsigned char *)p - HDR, *q;
  size_t old;
  (void)ctx;
  F.count_lvt += F.armed;
  if (fault()) return NULL;
  memcpy(&old, h, sizeof old);
  if ((q = realloc(h, n + HDR)) == NULL) return NULL;
  memcpy(q, &n, sizeof n);
  F.bytes_lvt += (long long)n - (long long)old;
  return q + HDR;
}

static void lv_free(void *ctx, void *p)
{
  unsigned char *h = (unsigned char *)p - HDR;
  size_t n;
  (void)ctx;
  memcpy(&n, h, sizeof n);
  F.live_lvt--;
  F.bytes_lvt -= (long long)n;
  free(h);
}

/* ---------------------------------------------------------- helpers -- */

/* A growable string in libc memory (the test's own, never counted). */
typedef struct Str {
  char *p;
  size_t n, cap;
} Str;

static void str_add(Str *s, const void *p, size_t n)
{
  if (s->n + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->n + n + 1) cap *= 2;
    s->p = realloc(s->p, cap);
    if (s->p == NULL) { fprintf(stderr, "oom: test out of memory\n"); exit(99); }
    s->cap = cap;
  }
  if (n) memcpy(s->p + s->n, p, n);
  s->n += n;
  s->p[s->n] = '\0';
}

static void str_printf(Str *s, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  str_add(s, buf, n < 0 ? 0 : (size_t)n >= sizeof buf ? sizeof buf - 1 : (size_t)n);
}

static void str_free(Str *s) { free(s->p); memset(s, 0, sizeof *s); }

static int str_eq(const Str *a, const Str *b)
{
  return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static char *xstrdup(const char *z)
{
  char *p = strdup(z ? z : "");
  if (p == NULL) { fprintf(stderr, "oom: test out of memory\n"); exit(99); }
  return p;
}

/* Append one row, each value with its type, without conversions (so no
 * allocation: TEXT is read as bytes). */
static void put_row(Str *out, sqlite3_stmt *st)
{
  int i, n = sqlite3_column_count(st);

  for (i = 0; i < n; i++) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      str_printf(out, "i%lld", (long long)sqlite3_column_int64(st, i));
      break;
    case SQLITE_FLOAT:
      str_printf(out, "r%.17g", sqlite3_column_double(st, i));
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const void *p = sqlite3_column_blob(st, i);
      int nb = sqlite3_column_bytes(st, i);
      str_printf(out, "%c%d:", sqlite3_column_type(st, i) == SQLITE_TEXT ? 't' : 'b', nb);
      if (p && nb > 0) str_add(out, p, (size_t)nb);
      break;
    }
    default:
      str_add(out, "n", 1);
    }
    str_add(out, i + 1 < n ? "|" : "\n", 1);
  }
}

static char g_msg[1024];           /* message of the last failing run_sql */

/* Run every statement of zSql, appending result rows to out (may be
 * NULL).  Returns the first error (primary code), its message in g_msg. */
static int run_sql(sqlite3 *db, const char *zSql, Str *out)
{
  const char *tail = zSql;
  int rc = SQLITE_OK;

  g_msg[0] = '\0';
  while (tail && *tail) {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
    if (rc != SQLITE_OK) {
      snprintf(g_msg, sizeof g_msg, "%s", sqlite3_errmsg(db));
      break;
    }
    if (st == NULL) continue;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      if (out) put_row(out, st);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    if (rc != SQLITE_OK) snprintf(g_msg, sizeof g_msg, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) break;
  }
  return rc & 0xff;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

static void rmtree(const char *path)
{
  if (path) nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --------------------------------------------------------- workload -- */

#define MAXUNITS 64
static const char *g_unit[MAXUNITS];
static int g_nunit;
static char g_bulk[512], g_bulk2[512];

static void add(const char *z)
{
  if (g_nunit == MAXUNITS) { fprintf(stderr, "oom: too many units\n"); exit(99); }
  g_unit[g_nunit++] = z;
}

/* The script.  Tables use sync = off (a fault test, not a durability
 * test) and a small map, so that the map grows (and the write log is
 * replayed) during the bulk load. */
static void build_workload(int rows, int full, int known)
{
  add("CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, a TEXT NOT NULL UNIQUE, "
      "b INTEGER, c REAL, d BLOB, INDEX t_b (b), sync = off, mapsize = '64KB')");
  snprintf(g_bulk, sizeof g_bulk,
           "INSERT INTO t(a, b, c, d) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
           "SELECT i + 1 FROM n WHERE i < %d) SELECT 'k' || i, i %% 7, i * 0.5, "
           "CAST(printf('blob%%04d', i) AS BLOB) FROM n", rows);
  add(g_bulk);
  add("SELECT lmdb_create_index('t', 't_c', 'c DESC', 0)");
  add("SELECT lmdb_create_index('t', 't_ba', 'b, a', 1)");
  add("SELECT id, a, b, c, d FROM t WHERE a = 'k7'");
  add("SELECT count(*), sum(b), total(c) FROM t WHERE b BETWEEN 2 AND 4");
  add("SELECT id, b FROM t WHERE b IN (1, 3, 5) ORDER BY b DESC, id");
  add("SELECT a, c FROM t WHERE c > 3 ORDER BY c DESC LIMIT 5");
  add("UPDATE t SET b = b + 10 WHERE id % 3 = 0");
  add("UPDATE t SET a = a || 'x', d = NULL WHERE b = 1");
  add("UPDATE t SET id = id + 1000 WHERE id > 4 AND id < 9");
  add("DELETE FROM t WHERE id % 5 = 0");
  add("BEGIN; INSERT INTO t(a, b) VALUES ('n1', 1), ('n2', 2); SAVEPOINT s; "
      "UPDATE t SET c = -1 WHERE b = 2; ROLLBACK TO s; RELEASE s; "
      "INSERT OR REPLACE INTO t(id, a, b) VALUES (2, 'k2', 99); COMMIT");
  add("INSERT INTO t(a) VALUES ('k3')");                  /* UNIQUE fails */
  add("SELECT lmdb_integrity_check('t')");
  add("SELECT lmdb_drop_index('t', 't_c')");
  add("CREATE VIRTUAL TABLE u USING lmdb(k TEXT PRIMARY KEY, v, sync = off)");
  add("INSERT INTO u SELECT a, b FROM t WHERE id < 10");
  add("SELECT t.id, u.v FROM t JOIN u ON u.k = t.a ORDER BY 1");
  if (full) {
    snprintf(g_bulk2, sizeof g_bulk2,
             "BEGIN; INSERT INTO t(a, b, c) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
             "SELECT i + 1 FROM n WHERE i < %d) SELECT 'm' || i, i %% 13, -i FROM n; "
             "UPDATE t SET c = c * 2 WHERE b > 5; DELETE FROM t WHERE b = 0; COMMIT", rows);
    add(g_bulk2);
    add("SELECT b, count(*), min(a), max(c) FROM t GROUP BY b ORDER BY b");
    add("INSERT OR REPLACE INTO t(a, b) SELECT a, -b FROM t WHERE b = 3");
    if (known) {
      /* Known bug (OOM_KNOWN=1): SQLite reloads its schema after xRename,
       * which has committed the rename in LMDB; a failure there leaves
       * SQLite with the old name and LMDB with the new one. */
      add("ALTER TABLE u RENAME TO u2");
      add("SELECT * FROM u2 ORDER BY k DESC");
    }
  }
  add("DROP TABLE t");
  add("SELECT count(*) FROM lmdb_stat()");
}

/* ----------------------------------------------------------- states -- */

/* The state the connection sees: schema, rows, B-trees.  Faults must be
 * off.  Integrity problems go to *bad (a message), else it is left NULL. */
static int dump(sqlite3 *db, Str *out, char **bad)
{
  sqlite3_stmt *st = NULL;
  char *names[16];
  int n = 0, i, rc;

  *bad = NULL;
  rc = run_sql(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name", out);
  if (rc) return rc;
  rc = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                          "AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name", -1, &st, NULL);
  if (rc) return rc;
  while (sqlite3_step(st) == SQLITE_ROW && n < 16)
    names[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  for (i = 0; i < n && rc == SQLITE_OK; i++) {
    char sql[256];
    Str chk = {0};
    str_printf(out, "== %s\n", names[i]);
    snprintf(sql, sizeof sql, "SELECT rowid, * FROM \"%s\" ORDER BY rowid", names[i]);
    rc = run_sql(db, sql, out);
    snprintf(sql, sizeof sql, "SELECT name, kind, entries FROM lmdb_stat('%s')", names[i]);
    if (rc == SQLITE_OK) rc = run_sql(db, sql, out);
    snprintf(sql, sizeof sql, "SELECT lmdb_integrity_check('%s')", names[i]);
    if (rc == SQLITE_OK) rc = run_sql(db, sql, &chk);
    if (rc == SQLITE_OK && strcmp(chk.p ? chk.p : "", "t2:ok\n") != 0 && *bad == NULL) {
      Str m = {0};
      str_printf(&m, "lmdb_integrity_check('%s'): %s", names[i], chk.p ? chk.p : "");
      *bad = m.p;
    }
    str_free(&chk);
  }
  for (i = 0; i < n; i++) free(names[i]);
  return rc;
}

static int open_db(const char *path, sqlite3 **db)
{
  int rc = sqlite3_open(path, db);
  if (rc == SQLITE_OK) rc = run_sql(*db, "PRAGMA synchronous = OFF", NULL);
  return rc;
}

/* ------------------------------------------------------------ sweep -- */

static const char *g_top;
static Str g_model[MAXUNITS + 1];   /* state before unit 0, after each unit */
static Str g_out[MAXUNITS];         /* reference rows */
static int g_rc[MAXUNITS];          /* reference codes */
static char *g_refmsg[MAXUNITS];

static long g_findings;
static int g_verbose;

static void finding(long n, int persist, int unit, const char *fmt, ...)
{
  va_list ap;
  g_findings++;
  if (g_findings > 30) return;
  fprintf(stderr, "oom: FAIL at N=%ld (%s), unit %d [%.60s%s]: ", n,
          persist ? "persist" : "once", unit, unit >= 0 ? g_unit[unit] : "",
          unit >= 0 && strlen(g_unit[unit]) > 60 ? "..." : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

typedef struct Tally {
  long points;        /* fault points run */
  long nomem;         /* units failing with SQLITE_NOMEM */
  long bymsg;         /* ... with another code and "out of memory" */
  long before, after; /* state found after a failure */
  long absorbed;      /* fault hit, unit behaved as in the reference */
} Tally;

/* The state must be model[unit] or model[unit + 1]: 0, 1 or -1. */
static int which_state(sqlite3 *db, long n, int persist, int unit, const char *how)
{
  Str s = {0};
  char *bad = NULL;
  int rc = dump(db, &s, &bad), r = -1;

  if (rc != SQLITE_OK)
    finding(n, persist, unit, "%s: reading the state failed: %d %s", how, rc, g_msg);
  else if (bad)
    finding(n, persist, unit, "%s: %s", how, bad);
  else if (str_eq(&s, &g_model[unit]))
    r = 0;
  else if (str_eq(&s, &g_model[unit + 1]))
    r = 1;
  else {
    finding(n, persist, unit, "%s: the state is neither the one before nor the one "
            "after the unit", how);
    if (g_verbose)
      fprintf(stderr, "--- found\n%s--- before\n%s--- after\n%s", s.p ? s.p : "",
              g_model[unit].p ? g_model[unit].p : "",
              g_model[unit + 1].p ? g_model[unit + 1].p : "");
  }
  free(bad);
  str_free(&s);
  return r;
}

/* Whether which_state's answer r is "the state after unit u" (which is
 * also the state before when the unit changes nothing). */
static int is_after(int r, int u)
{
  return r == 1 || (r == 0 && str_eq(&g_model[u], &g_model[u + 1]));
}

/* Run the workload with fault point n (0: the reference run, which
 * records the model).  Returns the number of failures injected. */
static long run_point(long n, int persist, Tally *t)
{
  char dir[4096], path[4200];
  sqlite3 *db = NULL, *db2 = NULL;
  long base_sq = F.live_sq, base_lvt = F.live_lvt;
  int u, rc, ok = 1;

  snprintf(dir, sizeof dir, "%s/p%ld%s", g_top, n, persist ? "p" : "o");
  if (mkdir(dir, 0700) != 0) { perror(dir); exit(99); }
  snprintf(path, sizeof path, "%s/t.db", dir);
  if (open_db(path, &db) != SQLITE_OK) {
    fprintf(stderr, "oom: cannot open %s\n", path);
    exit(99);
  }
  F.count = F.count_lvt = 0;
  F.fired = 0;
  F.fail_at = n;
  F.persist = persist;
  if (n == 0) {
    char *bad = NULL;
    if (dump(db, &g_model[0], &bad) != SQLITE_OK) { fprintf(stderr, "oom: dump\n"); exit(99); }
  }
  for (u = 0; u < g_nunit && ok; u++) {
    Str out = {0};
    long fired0 = F.fired;
    F.armed = 1;
    rc = run_sql(db, g_unit[u], &out);
    F.armed = 0;
    if (g_verbose)
      fprintf(stderr, "  N=%ld unit %d: rc %d%s%s (fired %ld)\n", n, u, rc,
              rc ? ": " : "", rc ? g_msg : "", F.fired - fired0);
    if (n == 0) {
      char *bad = NULL;
      g_rc[u] = rc;
      g_out[u] = out;
      g_refmsg[u] = xstrdup(g_msg);
      if (dump(db, &g_model[u + 1], &bad) != SQLITE_OK || bad) {
        fprintf(stderr, "oom: reference run: unit %d: %s\n", u, bad ? bad : g_msg);
        exit(1);
      }
      continue;
    }
    /* As in the reference run.  SQLite itself may lose an error's message
     * to the fault, leaving its generic text ("constraint failed"). */
    if (rc == g_rc[u] && (rc != SQLITE_OK || str_eq(&out, &g_out[u]))
        && (rc == SQLITE_OK || strcmp(g_msg, g_refmsg[u]) == 0
            || (F.fired > fired0 && strcmp(g_msg, sqlite3_errstr(rc)) == 0))) {
      /* As in the reference run; if a fault was absorbed, check the state. */
      if (F.fired > fired0) {
        t->absorbed++;
        if (!is_after(which_state(db, n, persist, u, "after an absorbed fault"), u)) {
          finding(n, persist, u, "a fault was absorbed but the state is not the one after");
          ok = 0;
        }
      }
      str_free(&out);
      continue;
    }
    str_free(&out);
    ok = 0;
    if (rc == SQLITE_OK) {
      finding(n, persist, u, "succeeded with other rows than the reference run");
    } else if (rc == SQLITE_NOMEM || strstr(g_msg, "out of memory")) {
      int s;
      if (rc == SQLITE_NOMEM) t->nomem++;
      else {
        t->bymsg++;
        if (t->bymsg <= 5 || getenv("OOM_NOTES"))
          fprintf(stderr, "oom: note: N=%ld unit %d: out of memory reported as code %d (%s)\n",
                  n, u, rc, g_msg);
      }
      if (F.fired == fired0)
        finding(n, persist, u, "out of memory (%d %s) without an injected failure", rc, g_msg);
      if (!sqlite3_get_autocommit(db) && run_sql(db, "ROLLBACK", NULL) != SQLITE_OK)
        finding(n, persist, u, "ROLLBACK after the failure failed: %s", g_msg);
      s = which_state(db, n, persist, u, "same connection");
      if (s >= 0) {
        int s2 = -1;
        if (open_db(path, &db2) == SQLITE_OK)
          s2 = which_state(db2, n, persist, u, "new connection");
        else
          finding(n, persist, u, "reopening failed: %s", sqlite3_errmsg(db2));
        sqlite3_close(db2);
        db2 = NULL;
        if (s2 >= 0 && s2 != s)
          finding(n, persist, u, "the new connection sees the state %s, this one %s",
                  s2 ? "after" : "before", s ? "after" : "before");
        if (s == 0) t->before++;
        else t->after++;
      }
      if (s == 0) {
        /* Run the unit again, faults off: as in the reference run. */
        Str again = {0};
        rc = run_sql(db, g_unit[u], &again);
        if (rc != g_rc[u] || (rc == SQLITE_OK && !str_eq(&again, &g_out[u])))
          finding(n, persist, u, "run again after the failure: code %d (%s), reference %d",
                  rc, g_msg, g_rc[u]);
        else if (!sqlite3_get_autocommit(db))
          finding(n, persist, u, "run again: a transaction stayed open");
        else if (!is_after(which_state(db, n, persist, u, "run again"), u))
          finding(n, persist, u, "run again: the state is not the one after the unit");
        str_free(&again);
      }
    } else {
      finding(n, persist, u, "failed with code %d (%s); the reference run gave %d (%s)",
              rc, g_msg, g_rc[u], g_refmsg[u]);
      if (!sqlite3_get_autocommit(db)) run_sql(db, "ROLLBACK", NULL);
    }
  }
  if (n > 0 && ok && u == g_nunit)
    (void)which_state(db, n, persist, g_nunit - 1, "end of the workload");
  rc = sqlite3_close(db);
  if (rc != SQLITE_OK)
    finding(n, persist, -1, "sqlite3_close: %d %s", rc, sqlite3_errmsg(db));
  if (F.live_sq != base_sq || F.live_lvt != base_lvt)
    finding(n, persist, -1, "leak: %ld SQLite and %ld lvt allocations outstanding "
            "after closing (%lld and %lld bytes)", F.live_sq - base_sq,
            F.live_lvt - base_lvt, F.bytes_sq, F.bytes_lvt);
  rmtree(dir);
  return F.fired;
}

static int ext_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi)
{
  return sqlite3_lmdbvt_init(db, pzErr, pApi);
}

int main(void)
{
  static const lvt_mem_methods lv = { lv_malloc, lv_realloc, lv_free, NULL };
  sqlite3_mem_methods sq;
  const char *zTmp = getenv("TMPDIR"), *z;
  char top[4096];
  int full = (z = getenv("OOM_FULL")) != NULL && atoi(z) > 0;
  int rows = full ? 200 : 12, mode, rc;
  long only = 0, stride = 0, strides[2];
  double t0 = now();

  setvbuf(stdout, NULL, _IOLBF, 0);
  if ((z = getenv("OOM_ROWS")) && atoi(z) > 0) rows = atoi(z);
  if ((z = getenv("OOM_ONLY")) && atol(z) > 0) { only = atol(z); g_verbose = 1; }
  if ((z = getenv("OOM_STRIDE")) && atol(z) > 0) stride = atol(z);
  strides[0] = stride ? stride : full ? 1 : LVT_UNDER_ASAN ? 5 : 1;
  strides[1] = stride ? stride : full ? 1 : LVT_UNDER_ASAN ? 15 : 3;
  if (zTmp == NULL || *zTmp == '\0')
    zTmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";

  /* Both hooks first, before anything allocates. */
  if ((rc = lvt_config_malloc(&lv)) != LVT_OK) {
    fprintf(stderr, "oom: lvt_config_malloc: %s\n", lvt_errmsg());
    return 1;
  }
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_def) != SQLITE_OK) {
    fprintf(stderr, "oom: SQLITE_CONFIG_GETMALLOC failed; skipping\n");
    return 77;
  }
  sq = g_def;
  sq.xMalloc = sq_malloc;
  sq.xFree = sq_free;
  sq.xRealloc = sq_realloc;
  sq.xSize = sq_size;
  sq.xRoundup = sq_roundup;
  sq.xInit = sq_init;
  sq.xShutdown = sq_shutdown;
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sq) != SQLITE_OK) {
    fprintf(stderr, "oom: SQLITE_CONFIG_MALLOC refused (SQLite already initialised); skipping\n");
    return 77;
  }
  if (sqlite3_initialize() != SQLITE_OK) { fprintf(stderr, "oom: sqlite3_initialize\n"); return 1; }
  sqlite3_auto_extension((void (*)(void))ext_init);

  snprintf(top, sizeof top, "%s/lvt-oom-XXXXXX", zTmp);
  if (mkdtemp(top) == NULL) { perror("oom: mkdtemp"); return 99; }
  g_top = top;
  build_workload(rows, full, (z = getenv("OOM_KNOWN")) != NULL && atoi(z) > 0);

  {
    Tally ref = {0};
    run_point(0, 0, &ref);
    if (g_findings) goto done;
    /* Without faults and without dumps in between: the same results and
     * states; counts the allocations of the workload. */
    run_point(LONG_MAX, 0, &ref);
    if (g_findings) goto done;
    printf("oom: workload of %d units, %d rows: %ld allocations, %ld of them by the lvt core\n",
           g_nunit, rows, F.count, F.count_lvt);
  }

  for (mode = 0; mode < 2; mode++) {
    Tally t = {0};
    double t1 = now();
    long n, step = strides[mode], last = 0;
    const char *m = getenv("OOM_MODE");
    if (m && strcmp(m, mode ? "persist" : "once") != 0) continue;
    for (n = only ? only : 1;; n += step) {
      long fired = run_point(n, mode, &t);
      if (fired == 0) break;
      t.points++;
      last = n;
      if (only || g_findings > 30) break;
    }
    printf("oom: %s mode: %ld fault points (N = %ld..%ld, step %ld): %ld failed with "
           "SQLITE_NOMEM, %ld with \"out of memory\" under another code; state after "
           "failure: %ld before, %ld after; %ld faults absorbed; %.1f s\n",
           mode ? "persist" : "once", t.points, only ? only : 1, last, step,
           t.nomem, t.bymsg, t.before, t.after,
           t.absorbed, now() - t1);
    fflush(stdout);
    if (g_findings > 30) break;
  }

  /* The allocator cannot change any more. */
  if (lvt_config_malloc(NULL) != LVT_MISUSE)
    finding(0, 0, -1, "lvt_config_malloc after use did not fail with LVT_MISUSE");

done:
  rmtree(top);
  {
    int u;
    for (u = 0; u <= g_nunit; u++) str_free(&g_model[u]);
    for (u = 0; u < g_nunit; u++) { str_free(&g_out[u]); free(g_refmsg[u]); }
  }
  sqlite3_reset_auto_extension();
  if (g_findings) {
    printf("oom: FAIL: %ld findings (%.1f s)\n", g_findings, now() - t0);
    return 1;
  }
  printf("oom: PASS (%.1f s)\n", now() - t0);
  return 0;
}
