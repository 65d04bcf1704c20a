/*
 * proc_util.h -- helpers shared by the process tests (crashloop,
 * concurrency, shared_env): failing with a message, loading the module,
 * running SQL, spawning this same program in another mode, temporary
 * directories, a per-caller PRNG and a monotonic clock.
 *
 * The programs load the built module ($top_builddir/ext/.libs/lmdbvt, or
 * $LVT_EXT), like tests/difftest, and link only libsqlite3.  LMDB must not
 * cross fork(): a child always exec()s this program again (through
 * /proc/self/exe) before it opens anything, and the parent has no
 * environment open when it forks.
 */
#ifndef LVT_PROC_UTIL_H
#define LVT_PROC_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1          /* pipe2, nftw, strsignal */
#endif

/* Every helper is static; a program uses only some of them. */
#define PU_FN static __attribute__((unused))

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *pu_name = "proc";     /* program name, for messages */
static char pu_ext[PATH_MAX];            /* the module, without suffix */

/* Print "name: FAIL: ..." and exit 1. */
static void pu_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn, unused));
PU_FN void pu_die(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s[%d]: FAIL: ", pu_name, (int)getpid());
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  exit(1);
}

static void pu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
PU_FN void pu_log(const char *fmt, ...)
{
  va_list ap;
  printf("%s: ", pu_name);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* Monotonic milliseconds. */
PU_FN double pu_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

PU_FN void pu_sleep_ms(double ms)
{
  struct timespec ts;
  if (ms <= 0) return;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ------------------------------------------------------------ PRNG -- */

/* xorshift64* with explicit state (threads each keep their own). */
typedef struct { uint64_t s; } pu_rng;

PU_FN void pu_rng_seed(pu_rng *r, uint64_t seed)
{
  /* splitmix64 of the seed, so nearby seeds give unrelated streams */
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  r->s = z ? z : 0x9E3779B97F4A7C15ULL;
}

PU_FN uint64_t pu_rand(pu_rng *r)
{
  uint64_t x = r->s;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). */
PU_FN uint64_t pu_below(pu_rng *r, uint64_t n)
{
  return n ? pu_rand(r) % n : 0;
}

/* --------------------------------------------------- environment -- */

/* An integer from the environment, or dflt. */
PU_FN long pu_env_long(const char *name, long dflt)
{
  const char *z = getenv(name);
  return z && *z ? strtol(z, NULL, 0) : dflt;
}

/* Find the module; exit 77 (skip) when it is not built. */
PU_FN void pu_find_ext(void)
{
  const char *z = getenv("LVT_EXT");
  char so[PATH_MAX + 8];
  struct stat st;
  if (z && *z) {
    snprintf(pu_ext, sizeof pu_ext, "%s", z);
  } else {
    const char *top = getenv("top_builddir");
    snprintf(pu_ext, sizeof pu_ext, "%s/ext/.libs/lmdbvt", top && *top ? top : ".");
  }
  snprintf(so, sizeof so, "%s.so", pu_ext);
  if (stat(pu_ext, &st) != 0 && stat(so, &st) != 0) {
    fprintf(stderr, "%s: SKIP: module %s not found (set top_builddir or LVT_EXT)\n",
            pu_name, pu_ext);
    exit(77);
  }
}

/* ------------------------------------------------------------- SQL -- */

/* Open a database file and load the module; die on failure. */
PU_FN sqlite3 *pu_open(const char *path, int busy_ms)
{
  sqlite3 *db = NULL;
  char *zerr = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) pu_die("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  sqlite3_enable_load_extension(db, 1);
  rc = sqlite3_load_extension(db, pu_ext, NULL, &zerr);
  if (rc != SQLITE_OK) pu_die("loading %s: %s", pu_ext, zerr ? zerr : sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, busy_ms);
  return db;
}

PU_FN void pu_close(sqlite3 *db)
{
  int rc = sqlite3_close(db);
  if (rc != SQLITE_OK) pu_die("sqlite3_close: %s", sqlite3_errstr(rc));
}

/* Run SQL; return the result code, the message in *pzErr when asked. */
PU_FN int pu_exec_rc(sqlite3 *db, const char *sql)
{
  return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Run SQL, die on any error. */
PU_FN void pu_exec(sqlite3 *db, const char *sql)
{
  char *zerr = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &zerr);
  if (rc != SQLITE_OK)
    pu_die("SQL failed (%d, extended %d): %s\n  in: %s", rc, sqlite3_extended_errcode(db),
           zerr ? zerr : sqlite3_errstr(rc), sql);
  sqlite3_free(zerr);
}

PU_FN sqlite3_stmt *pu_prepare(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    pu_die("prepare failed: %s\n  in: %s", sqlite3_errmsg(db), sql);
  return st;
}

/* The first column of the first row of sql as an integer (dflt when there
 * is no row); die on error. */
PU_FN int64_t pu_int(sqlite3 *db, const char *sql, int64_t dflt)
{
  sqlite3_stmt *st = pu_prepare(db, sql);
  int rc = sqlite3_step(st);
  int64_t v = dflt;
  if (rc == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE) pu_die("step failed: %s\n  in: %s", sqlite3_errmsg(db), sql);
  sqlite3_finalize(st);
  return v;
}

/* The first column of the first row as text, malloc'ed ("" when none). */
PU_FN char *pu_text(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = pu_prepare(db, sql);
  int rc = sqlite3_step(st);
  char *z;
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
    z = strdup((const char *)sqlite3_column_text(st, 0));
  else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    z = strdup("");
  else
    pu_die("step failed: %s\n  in: %s", sqlite3_errmsg(db), sql);
  sqlite3_finalize(st);
  return z;
}

/* lmdb_integrity_check(table) must say ok. */
PU_FN void pu_check_integrity(sqlite3 *db, const char *table)
{
  char sql[256];
  char *z;
  snprintf(sql, sizeof sql, "SELECT lmdb_integrity_check('%s')", table);
  z = pu_text(db, sql);
  if (strcmp(z, "ok") != 0) pu_die("lmdb_integrity_check('%s') says:\n%s", table, z);
  free(z);
}

/* ---------------------------------------------------- processes -- */

/* Spawn this program again with argv (NULL-terminated, argv[0] included);
 * child_fd (or -1) becomes fd 3 of the child.  Every other descriptor the
 * parent created with O_CLOEXEC stays behind. */
PU_FN pid_t pu_spawn(char *const argv[], int child_fd)
{
  pid_t pid;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) pu_die("fork: %s", strerror(errno));
  if (pid == 0) {
    if (child_fd >= 0) {
      if (child_fd == 3) {
        int fl = fcntl(3, F_GETFD);
        fcntl(3, F_SETFD, fl & ~FD_CLOEXEC);
      } else if (dup2(child_fd, 3) < 0) {
        _exit(126);
      }
    }
    execv("/proc/self/exe", argv);
    fprintf(stderr, "%s: exec /proc/self/exe: %s\n", pu_name, strerror(errno));
    _exit(127);
  }
  return pid;
}

/* A pipe whose ends are both close-on-exec. */
PU_FN void pu_pipe(int fds[2])
{
  if (pipe2(fds, O_CLOEXEC) != 0) pu_die("pipe2: %s", strerror(errno));
}

/* Write all of buf; die on error (EPIPE kills us by SIGPIPE first). */
PU_FN void pu_write_all(int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) pu_die("write to pipe: %s", strerror(errno));
    p += w;
    n -= (size_t)w;
  }
}

/* Read exactly n bytes within timeout_ms: 1 read, 0 EOF (before any
 * byte), -1 timeout.  Dies on a short record or an error. */
PU_FN int pu_read_full(int fd, void *buf, size_t n, double timeout_ms)
{
  char *p = buf;
  size_t got = 0;
  double end = pu_now_ms() + timeout_ms;
  while (got < n) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    double left = end - pu_now_ms();
    int r;
    ssize_t k;
    if (left <= 0) return -1;
    r = poll(&pfd, 1, (int)(left + 1));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) pu_die("poll: %s", strerror(errno));
    if (r == 0) continue;
    k = read(fd, p + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) pu_die("read from pipe: %s", strerror(errno));
    if (k == 0) {
      if (got == 0) return 0;
      pu_die("short record on pipe (%zu of %zu bytes)", got, n);
    }
    got += (size_t)k;
  }
  return 1;
}

/* Describe a wait status. */
PU_FN const char *pu_status(int status, char *buf, size_t n)
{
  if (WIFEXITED(status)) snprintf(buf, n, "exit %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) snprintf(buf, n, "signal %d (%s)", WTERMSIG(status),
                                         strsignal(WTERMSIG(status)));
  else snprintf(buf, n, "status 0x%x", status);
  return buf;
}

/* Wait for pid; die unless it exits 0. */
PU_FN void pu_wait_ok(pid_t pid, const char *what)
{
  int status;
  char b[64];
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) pu_die("waitpid %s: %s", what, strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    pu_die("%s (pid %d) ended with %s", what, (int)pid, pu_status(status, b, sizeof b));
}

/* ------------------------------------------------ temporary dirs -- */

PU_FN char *pu_tmpdir(const char *tag)
{
  const char *base = getenv("TMPDIR");
  char *path;
  if (!base || !*base) base = "/tmp";
  path = malloc(strlen(base) + strlen(tag) + 32);
  if (path == NULL) pu_die("out of memory");
  sprintf(path, "%s/lvt-%s-XXXXXX", base, tag);
  if (mkdtemp(path) == NULL) pu_die("mkdtemp %s: %s", path, strerror(errno));
  return path;
}

PU_FN int pu_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

PU_FN void pu_rmtree(const char *path)
{
  if (path && !getenv("LVT_KEEP_TMP")) nftw(path, pu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The hang guard: SIGALRM after secs kills the program with a message. */
PU_FN void pu_alarm_handler(int sig)
{
  static const char msg[] = ": FAIL: hang guard (alarm) fired: something blocked\n";
  (void)sig;
  if (write(2, pu_name, strlen(pu_name)) < 0) {}
  if (write(2, msg, sizeof msg - 1) < 0) {}
  _exit(2);
}

PU_FN void pu_hang_guard(unsigned secs)
{
  signal(SIGALRM, pu_alarm_handler);
  alarm(secs);
}

#endif /* LVT_PROC_UTIL_H */
