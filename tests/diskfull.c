/*
 * diskfull.c -- a full disk, and a map that cannot grow (issue #7).
 *
 * A real full disk needs a small file system, which a test cannot mount;
 * RLIMIT_FSIZE gives the same failure per process: with SIGXFSZ ignored, a
 * write past the limit fails with EFBIG (and a write that straddles it is
 * short, then EFBIG).  Each scenario runs in a child process (LMDB never
 * crosses a fork: the parent has closed everything before forking), on an
 * environment the parent populated and committed:
 *
 *  1. autocommit: INSERTs of 16 KB rows until one fails;
 *  2. one transaction: BEGIN, INSERTs, COMMIT fails;
 *  3. the map cannot grow: RLIMIT_AS leaves no address space for a bigger
 *     map, in one transaction (skipped under AddressSanitizer, which needs
 *     terabytes of address space).
 *
 * Laws: the failing statement fails with SQLITE_FULL and a message that
 * says the database or disk is full and names the table; the connection
 * stays usable (it reads exactly the committed rows, with no transaction
 * left open, and a further write fails the same way); and afterwards,
 * without the limit, a new connection finds every committed row and no
 * other, lmdb_integrity_check says ok, and writing works again.
 *
 * The module is linked in and registered with sqlite3_auto_extension.
 * Exit 0 pass, 1 failure, 77 skip.
 */
#include "config.h"

#include <sqlite3.h>

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static char g_dir[4096], g_db[4200], g_env[4200];
static const char *g_scenario = "setup";

static void fail(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "diskfull: FAIL (%s): ", g_scenario);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static int ext_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi)
{
  return sqlite3_lmdbvt_init(db, pzErr, pApi);
}

static sqlite3 *db_open(void)
{
  sqlite3 *db = NULL;
  if (sqlite3_open(g_db, &db) != SQLITE_OK) fail("open %s: %s", g_db, sqlite3_errmsg(db));
  sqlite3_extended_result_codes(db, 1);
  return db;
}

/* Run SQL; returns the (extended) code. */
static int exec(sqlite3 *db, const char *zSql)
{
  return sqlite3_exec(db, zSql, NULL, NULL, NULL);
}

static void ok(sqlite3 *db, const char *zSql)
{
  int rc = exec(db, zSql);
  if (rc != SQLITE_OK) fail("%s: %d %s", zSql, rc, sqlite3_errmsg(db));
}

static long long one(sqlite3 *db, const char *zSql)
{
  sqlite3_stmt *st = NULL;
  long long v;
  if (sqlite3_prepare_v2(db, zSql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
    fail("%s: %s", zSql, sqlite3_errmsg(db));
  v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void text_is(sqlite3 *db, const char *zSql, const char *zWant)
{
  sqlite3_stmt *st = NULL;
  const char *z;
  if (sqlite3_prepare_v2(db, zSql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
    fail("%s: %s", zSql, sqlite3_errmsg(db));
  z = (const char *)sqlite3_column_text(st, 0);
  if (z == NULL || strcmp(z, zWant) != 0) fail("%s: got '%s', want '%s'", zSql, z ? z : "NULL", zWant);
  sqlite3_finalize(st);
}

static off_t file_size(const char *path)
{
  struct stat sb;
  return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* The failure must be SQLITE_FULL, say so, and name the table. */
static void check_full(sqlite3 *db, int rc, const char *zWhat)
{
  const char *zMsg = sqlite3_errmsg(db);
  if ((rc & 0xff) != SQLITE_FULL)
    fail("%s failed with %d (%s), expected SQLITE_FULL", zWhat, rc, zMsg);
  if (strstr(zMsg, "full") == NULL || strstr(zMsg, "big") == NULL)
    fail("%s: SQLITE_FULL with message \"%s\": it should say full and name table big",
         zWhat, zMsg);
  printf("diskfull: %s: %s -> SQLITE_FULL (%d) \"%s\"\n", g_scenario, zWhat, rc, zMsg);
}

/* After the failure: no transaction open, exactly `rows` rows readable. */
static void check_after(sqlite3 *db, long long rows)
{
  long long n;
  if (!sqlite3_get_autocommit(db)) fail("a transaction is still open after the failure");
  n = one(db, "SELECT count(*) FROM big");
  if (n != rows) fail("the connection reads %lld rows after the failure, %lld committed", n, rows);
}

/* ------------------------------------------------------- scenarios -- */

#define ROW "INSERT INTO big(v) VALUES (randomblob(16000))"

/* 1: autocommit INSERTs until one fails. */
static void child_autocommit(long long rows)
{
  sqlite3 *db = db_open();
  int i, rc = SQLITE_OK;

  for (i = 0; i < 100000; i++) {
    if ((rc = exec(db, ROW)) != SQLITE_OK) break;
    rows++;
  }
  if (rc == SQLITE_OK) fail("100000 rows of 16 KB fitted under the file size limit");
  check_full(db, rc, "INSERT");
  check_after(db, rows);
  check_full(db, exec(db, ROW), "a second INSERT");
  check_after(db, rows);
  if (sqlite3_close(db) != SQLITE_OK) fail("close: %s", sqlite3_errmsg(db));
  printf("diskfull: %s: %d rows committed before the limit\n", g_scenario, i);
  exit(i > 0 ? 0 : 1);
}

/* 2 and 3: one transaction; the failure may come from an INSERT (the map
 * cannot grow) or from the COMMIT (the file cannot grow). */
static void child_txn(long long rows)
{
  sqlite3 *db = db_open();
  int i, rc = SQLITE_OK;
  const char *zWhat = "COMMIT";

  ok(db, "BEGIN");
  for (i = 0; i < 20000; i++)
    if ((rc = exec(db, ROW)) != SQLITE_OK) { zWhat = "INSERT in the transaction"; break; }
  if (rc == SQLITE_OK) rc = exec(db, "COMMIT");
  if (rc == SQLITE_OK) fail("the transaction of %d rows of 16 KB committed", i);
  check_full(db, rc, zWhat);
  if (!sqlite3_get_autocommit(db)) ok(db, "ROLLBACK");
  check_after(db, rows);
  if (sqlite3_close(db) != SQLITE_OK) fail("close: %s", sqlite3_errmsg(db));
  exit(0);
}

/* Run fn in a child under the limits; the parent checks afterwards. */
static int run_child(const char *name, void (*fn)(long long), long long rows,
                     rlim_t fsize, rlim_t as)
{
  pid_t pid;
  int status;

  g_scenario = name;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) fail("fork: %s", strerror(errno));
  if (pid == 0) {
    struct rlimit rl;
    signal(SIGXFSZ, SIG_IGN);
    if (fsize) {
      rl.rlim_cur = rl.rlim_max = fsize;
      if (setrlimit(RLIMIT_FSIZE, &rl) != 0) fail("setrlimit(RLIMIT_FSIZE): %s", strerror(errno));
    }
    if (as) {
      rl.rlim_cur = rl.rlim_max = as;
      if (setrlimit(RLIMIT_AS, &rl) != 0) fail("setrlimit(RLIMIT_AS): %s", strerror(errno));
    }
    fn(rows);
    _exit(1);
  }
  if (waitpid(pid, &status, 0) != pid) fail("waitpid: %s", strerror(errno));
  if (WIFSIGNALED(status)) fail("the child died of signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) != 0) fail("the child failed (status %d)", WEXITSTATUS(status));
  return 0;
}

/* Without limits: the committed rows (at least `least`; exactly `exact`
 * when >= 0), integrity ok, and a write works.  Returns the row count. */
static long long verify(long long least, long long exact)
{
  sqlite3 *db = db_open();
  long long n = one(db, "SELECT count(*) FROM big");

  if (n < least || (exact >= 0 && n != exact))
    fail("after the child: %lld rows, expected %s%lld", n, exact >= 0 ? "" : "at least ",
         exact >= 0 ? exact : least);
  if (one(db, "SELECT count(*) FROM big WHERE length(v) <> 16000 OR id <> rowid") != 0)
    fail("after the child: rows of the wrong size");
  text_is(db, "SELECT lmdb_integrity_check('big')", "ok");
  ok(db, "INSERT INTO big(v) VALUES (randomblob(16000)); DELETE FROM big WHERE id = last_insert_rowid()");
  if (sqlite3_close(db) != SQLITE_OK) fail("close: %s", sqlite3_errmsg(db));
  return n;
}

/* Address space in use now (bytes), from /proc/self/statm. */
static rlim_t vm_size(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%lu", &pages) != 1) pages = 0;
  fclose(f);
  return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

int main(void)
{
  const char *zTmp = getenv("TMPDIR");
  sqlite3 *db;
  long long rows;
  off_t size;
  struct rlimit rl;

  if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (64 << 20))) {
    printf("diskfull: RLIMIT_FSIZE cannot be used here; skipping\n");
    return 77;
  }
  snprintf(g_dir, sizeof g_dir, "%s/lvt-diskfull-XXXXXX", zTmp && *zTmp ? zTmp : "/tmp");
  if (mkdtemp(g_dir) == NULL) { perror("diskfull: mkdtemp"); return 1; }
  snprintf(g_db, sizeof g_db, "%s/t.db", g_dir);
  snprintf(g_env, sizeof g_env, "%s/t.db-lmdb/data.mdb", g_dir);
  sqlite3_auto_extension((void (*)(void))ext_init);

  /* Populate and commit: 100 rows of 16 KB, a small map that must grow. */
  db = db_open();
  ok(db, "CREATE VIRTUAL TABLE big USING lmdb(id INTEGER PRIMARY KEY, v BLOB, "
         "mapsize = '1MB')");
  ok(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
         "INSERT INTO big(v) SELECT randomblob(16000) FROM n");
  if (sqlite3_close(db) != SQLITE_OK) fail("close");
  rows = 100;
  size = file_size(g_env);
  if (size <= 0) fail("no %s", g_env);
  printf("diskfull: populated: %lld rows, data.mdb %lld bytes\n", rows, (long long)size);

  /* 1: room for about 60 more rows. */
  run_child("autocommit", child_autocommit, rows, (rlim_t)size + (1 << 20), 0);
  g_scenario = "after autocommit";
  rows = verify(rows + 1, -1);
  size = file_size(g_env);

  /* 2: a transaction bigger than the room left. */
  run_child("transaction", child_txn, rows, (rlim_t)size + (1 << 20), 0);
  g_scenario = "after transaction";
  verify(rows, rows);

  /* 3: the map cannot grow. */
  if (LVT_UNDER_ASAN) {
    printf("diskfull: map growth scenario skipped under AddressSanitizer\n");
  } else {
    rlim_t as = vm_size();
    if (as == 0) {
      printf("diskfull: no /proc/self/statm; map growth scenario skipped\n");
    } else {
      run_child("map cannot grow", child_txn, rows, 0, as + ((rlim_t)96 << 20));
      g_scenario = "after map cannot grow";
      verify(rows, rows);
    }
  }

  nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  printf("diskfull: PASS\n");
  return 0;
}
