/*
 * shared_env.c -- two SQLite databases on one LMDB environment (issue #5).
 *
 *   shared_env                      the test (run by make check)
 *   shared_env --xfail              only the table= attach checks (which
 *                                   every run does first)
 *   shared_env --writer DIR N SECS  (internal) commits through a.db, posts k on fd 3
 *   shared_env --reader DIR         (internal) reads through b.db, k from fd 3
 *
 * Environment: SHARED_COMMITS (default 300), SHARED_SECONDS (default 3: the
 * writer stops at whichever comes first), top_builddir or LVT_EXT.
 *
 * Layout: DIR/a.db declares t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL,
 * note TEXT, INDEX t_k (k)) and head(id INTEGER PRIMARY KEY, k INTEGER)
 * with env = 'DIR/shared.lmdb'; DIR/b.db declares t2 and head2 with the same
 * columns, the same env and table = 't' / table = 'head'.
 *
 * Part 1.  A writer process commits transactions through a.db: transaction
 * k inserts M(k) = 1 + k % 5 rows tagged k (note 'new'), sets the notes of
 * the rows of k - 1 to 'upd<k>' (through the t_k index) and sets head.k =
 * k; after COMMIT returns SQLITE_OK it posts k on a pipe.  A reader process
 * that only opens b.db polls, in one statement, head2.k, count(*), sum(k),
 * max(k) and the number of updated notes of t2, and requires the exact
 * values of a state after a whole number of transactions (never part of
 * one); after each posted k it polls until it sees k (at most 5 s) and
 * counts the polls that still saw an older state.
 *
 * Part 2.  Option conflicts on one environment, in one process: a second
 * table (same connection, and another connection to another database)
 * asking for another sync must fail with a message naming sync and create
 * nothing; a database that declares a table of the environment with
 * another sync than the environment's tables, opened in a fresh session,
 * must fail the same way; different mapsize values are accepted (the map
 * grows by itself; mapsize is only the initial size).
 *
 * --xfail (run first by every run).  README: table = 'name' maps one LMDB
 * table into several SQLite databases.  CREATE VIRTUAL TABLE t2 USING
 * lmdb(<same columns>, env = E, table = 't') in a second database, where E
 * already holds t, attaches to it, and a declaration that does not match
 * is refused with "does not match".
 */
#include "proc_util.h"

#define T_COLS "id INTEGER PRIMARY KEY, k INTEGER NOT NULL, note TEXT"
#define H_COLS "id INTEGER PRIMARY KEY, k INTEGER NOT NULL"

static int64_t M(int64_t k) { return 1 + k % 5; }

/* Rows, sum of k and notes expected after K transactions. */
static void expect(int64_t K, int64_t *count, int64_t *sumk, int64_t *upd)
{
  int64_t j;
  *count = *sumk = 0;
  for (j = 1; j <= K; j++) { *count += M(j); *sumk += j * M(j); }
  *upd = K > 0 ? *count - M(K) : 0;
}

static void make_a(const char *dir)
{
  char path[PATH_MAX], sql[2 * PATH_MAX];
  sqlite3 *db;
  snprintf(path, sizeof path, "%s/a.db", dir);
  db = pu_open(path, 5000);
  snprintf(sql, sizeof sql,
           "CREATE VIRTUAL TABLE t USING lmdb(" T_COLS ", INDEX t_k (k), env = '%s/shared.lmdb');"
           "CREATE VIRTUAL TABLE head USING lmdb(" H_COLS ", env = '%s/shared.lmdb');"
           "INSERT INTO head VALUES(1, 0);", dir, dir);
  pu_exec(db, sql);
  pu_close(db);
}

/* Declare b.db's tables: by CREATE VIRTUAL TABLE (returns its result code,
 * message in zErr), or through writable_schema (bSchema). */
static int make_b(const char *dir, int bSchema, char *zErr, size_t nErr)
{
  char path[PATH_MAX], t2[PATH_MAX + 256], h2[PATH_MAX + 256], sql[4 * PATH_MAX];
  char *z = NULL;
  sqlite3 *db;
  int rc;
  snprintf(path, sizeof path, "%s/b.db", dir);
  snprintf(t2, sizeof t2, "CREATE VIRTUAL TABLE t2 USING lmdb(" T_COLS
           ", env = '%s/shared.lmdb', table = 't')", dir);
  snprintf(h2, sizeof h2, "CREATE VIRTUAL TABLE head2 USING lmdb(" H_COLS
           ", env = '%s/shared.lmdb', table = 'head')", dir);
  db = pu_open(path, 5000);
  if (bSchema) {
    sqlite3_stmt *st;
    int i;
    pu_exec(db, "CREATE TABLE IF NOT EXISTS dummy(x)");   /* a schema to write into */
    pu_exec(db, "PRAGMA writable_schema = ON");
    st = pu_prepare(db, "INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) "
                        "VALUES('table', ?1, ?1, 0, ?2)");
    for (i = 0; i < 2; i++) {
      sqlite3_bind_text(st, 1, i ? "head2" : "t2", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, i ? h2 : t2, -1, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) pu_die("writable_schema insert: %s", sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    pu_exec(db, "PRAGMA writable_schema = OFF");
    pu_exec(db, "DROP TABLE dummy");
    pu_close(db);
    return SQLITE_OK;
  }
  snprintf(sql, sizeof sql, "%s; %s;", t2, h2);
  rc = sqlite3_exec(db, sql, NULL, NULL, &z);
  snprintf(zErr, nErr, "%s", z ? z : "");
  sqlite3_free(z);
  pu_close(db);
  return rc;
}

/* ------------------------------------------------------------ writer -- */

static int run_writer(const char *dir, int64_t n, double secs)
{
  char path[PATH_MAX];
  sqlite3 *db;
  sqlite3_stmt *ins, *upd, *head;
  int64_t k, i;
  double end = pu_now_ms() + secs * 1000;

  pu_name = "shared_env-writer";
  snprintf(path, sizeof path, "%s/a.db", dir);
  db = pu_open(path, 5000);
  ins = pu_prepare(db, "INSERT INTO t(k, note) VALUES(?1, 'new')");
  upd = pu_prepare(db, "UPDATE t SET note = 'upd' || ?1 WHERE k = ?1 - 1");
  head = pu_prepare(db, "UPDATE head SET k = ?1 WHERE id = 1");
  for (k = 1; k <= n && pu_now_ms() < end; k++) {
    pu_exec(db, "BEGIN");
    for (i = 0; i < M(k); i++) {
      sqlite3_bind_int64(ins, 1, k);
      if (sqlite3_step(ins) != SQLITE_DONE) pu_die("insert: %s", sqlite3_errmsg(db));
      sqlite3_reset(ins);
    }
    sqlite3_bind_int64(upd, 1, k);
    if (sqlite3_step(upd) != SQLITE_DONE) pu_die("update: %s", sqlite3_errmsg(db));
    if (sqlite3_changes(db) != (k > 1 ? M(k - 1) : 0))
      pu_die("update of the rows of %lld changed %d rows", (long long)k - 1, sqlite3_changes(db));
    sqlite3_reset(upd);
    sqlite3_bind_int64(head, 1, k);
    if (sqlite3_step(head) != SQLITE_DONE) pu_die("head: %s", sqlite3_errmsg(db));
    sqlite3_reset(head);
    pu_exec(db, "COMMIT");
    pu_write_all(3, &k, sizeof k);
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(upd);
  sqlite3_finalize(head);
  pu_close(db);
  return 0;
}

/* ------------------------------------------------------------ reader -- */

typedef struct {
  sqlite3 *db;
  sqlite3_stmt *q;
  int64_t polls;
} rd_t;

/* One consistent look at t2 and head2; returns K. */
static int64_t poll_b(rd_t *r)
{
  int64_t K, c, s, mx, u, ec, es, eu;
  if (sqlite3_step(r->q) != SQLITE_ROW) pu_die("poll: %s", sqlite3_errmsg(r->db));
  K = sqlite3_column_int64(r->q, 0);
  c = sqlite3_column_int64(r->q, 1);
  s = sqlite3_column_int64(r->q, 2);
  mx = sqlite3_column_int64(r->q, 3);
  u = sqlite3_column_int64(r->q, 4);
  sqlite3_reset(r->q);
  expect(K, &ec, &es, &eu);
  if (mx != K || c != ec || s != es || u != eu)
    pu_die("b.db sees head %lld but (count %lld, sum %lld, max %lld, updated %lld); a whole "
           "transaction %lld gives (%lld, %lld, %lld, %lld): part of a transaction is visible",
           (long long)K, (long long)c, (long long)s, (long long)mx, (long long)u, (long long)K,
           (long long)ec, (long long)es, (long long)K, (long long)eu);
  r->polls++;
  return K;
}

static int run_reader(const char *dir)
{
  char path[PATH_MAX];
  rd_t r;
  int64_t seen = 0, posted = 0, stale = 0, k;
  double maxwait = 0;
  int rc;

  pu_name = "shared_env-reader";
  snprintf(path, sizeof path, "%s/b.db", dir);
  r.db = pu_open(path, 5000);
  r.polls = 0;
  r.q = pu_prepare(r.db, "SELECT (SELECT k FROM head2 WHERE id = 1), count(*), coalesce(sum(k), 0), "
                         "coalesce(max(k), 0), coalesce(sum(note = 'upd' || (k + 1)), 0) FROM t2");
  for (;;) {
    int64_t now = poll_b(&r);
    if (now < seen) pu_die("b.db went back from %lld to %lld", (long long)seen, (long long)now);
    seen = now;
    rc = pu_read_full(3, &k, sizeof k, 1);
    if (rc == 0) break;
    if (rc < 0) continue;
    if (k != posted + 1) pu_die("posted %lld after %lld", (long long)k, (long long)posted);
    posted = k;
    {
      double t0 = pu_now_ms(), w;
      int first = 1;
      while ((seen = poll_b(&r)) < posted) {
        if (first) { stale++; first = 0; }
        if (pu_now_ms() - t0 > 5000)
          pu_die("commit %lld was posted but b.db still sees %lld after 5 s", (long long)posted,
                 (long long)seen);
        pu_sleep_ms(1);
      }
      w = pu_now_ms() - t0;
      if (w > maxwait) maxwait = w;
    }
  }
  if ((seen = poll_b(&r)) != posted)
    pu_die("at the end b.db sees %lld, the writer posted %lld", (long long)seen, (long long)posted);
  if (pu_int(r.db, "SELECT count(*) FROM t2 WHERE k = (SELECT max(k) FROM t2)", -1) != M(posted))
    pu_die("the t_k index through b.db does not find the rows of the last transaction");
  sqlite3_finalize(r.q);
  pu_close(r.db);
  printf("shared_env: reader (b.db): %lld commits seen, %lld consistent polls, %lld posts not "
         "visible at the first poll, longest wait %.1f ms\n", (long long)posted,
         (long long)r.polls, (long long)stale, maxwait);
  fflush(stdout);
  if (stale) pu_die("%lld commits were posted (after COMMIT returned) but not visible to a new "
                    "statement in the other process", (long long)stale);
  return 0;
}

/* --------------------------------------------------------- conflicts -- */

/* Run sql, which must fail with a message containing every needle. */
static void must_fail(sqlite3 *db, const char *sql, const char *what, const char *n1,
                      const char *n2, const char *n3)
{
  char *z = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &z);
  if (rc == SQLITE_OK) pu_die("%s: succeeded, should fail\n  %s", what, sql);
  if (!z || !strstr(z, n1) || (n2 && !strstr(z, n2)) || (n3 && !strstr(z, n3)))
    pu_die("%s: the message does not name the option and values (%s%s%s%s%s): %s", what, n1,
           n2 ? ", " : "", n2 ? n2 : "", n3 ? ", " : "", n3 ? n3 : "", z ? z : "(none)");
  pu_log("%s: refused: %s", what, z);
  sqlite3_free(z);
}

static void part_conflicts(const char *dir)
{
  char pa[PATH_MAX], pc[PATH_MAX], pd[PATH_MAX], sql[2 * PATH_MAX];
  sqlite3 *a, *c, *d;

  snprintf(pa, sizeof pa, "%s/a.db", dir);
  snprintf(pc, sizeof pc, "%s/c.db", dir);
  snprintf(pd, sizeof pd, "%s/d.db", dir);

  /* the same connection: a second table with another sync */
  a = pu_open(pa, 5000);
  (void)pu_int(a, "SELECT count(*) FROM t", 0);
  snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE u USING lmdb(x, env = '%s/shared.lmdb', "
           "sync = off)", dir);
  must_fail(a, sql, "second table, same connection, sync=off", "sync", "off", "full");
  if (pu_int(a, "SELECT count(*) FROM sqlite_master WHERE name = 'u'", -1) != 0)
    pu_die("the refused table u was declared anyway");
  /* another connection of the process, another database */
  c = pu_open(pc, 5000);
  snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE w USING lmdb(x, env = '%s/shared.lmdb', "
           "sync = normal)", dir);
  must_fail(c, sql, "another database, same process, sync=normal", "sync", "normal", "full");
  if (pu_int(c, "SELECT count(*) FROM sqlite_master WHERE name = 'w'", -1) != 0)
    pu_die("the refused table w was declared anyway");
  pu_close(c);
  pu_close(a);

  /* a fresh session (the environment closed) asking for another sync */
  d = pu_open(pd, 5000);
  snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE v USING lmdb(x, env = '%s/shared.lmdb', "
           "sync = off)", dir);
  must_fail(d, sql, "fresh session, sync=off on an environment whose tables use full",
            "sync", "off", "full");
  if (pu_int(d, "SELECT count(*) FROM sqlite_master WHERE name = 'v'", -1) != 0)
    pu_die("the refused table v was declared anyway");

  /* mapsize: only the initial size, so different values are accepted */
  snprintf(sql, sizeof sql,
           "CREATE VIRTUAL TABLE m1 USING lmdb(x, env = '%s/maps.lmdb', mapsize = '1MB');"
           "CREATE VIRTUAL TABLE m2 USING lmdb(x, env = '%s/maps.lmdb', mapsize = '8MB');"
           "INSERT INTO m1 VALUES(1); INSERT INTO m2 VALUES(2);", dir, dir);
  pu_exec(d, sql);
  if (pu_int(d, "SELECT (SELECT x FROM m1) + (SELECT x FROM m2)", -1) != 3)
    pu_die("tables with different mapsize on one environment do not work");
  pu_log("different mapsize on one environment: accepted (map_size %lld bytes: the first "
         "opener's)", (long long)pu_int(d, "SELECT map_size FROM lmdb_stat('m2') LIMIT 1", -1));
  pu_close(d);
}

/* -------------------------------------------------------------- xfail -- */

static int run_xfail(void)
{
  char *dir = pu_tmpdir("shared-xfail"), err[1024], path[PATH_MAX];
  int rc, bad = 0;
  sqlite3 *db;

  pu_name = "shared_env (table=)";
  make_a(dir);
  rc = make_b(dir, 0, err, sizeof err);
  if (rc != SQLITE_OK) {
    printf("%s: FAIL: CREATE VIRTUAL TABLE t2 USING lmdb(<the columns of t>, env = <t's "
           "environment>, table = 't') in a second database fails: %s\n", pu_name, err);
    bad = 1;
  } else {
    snprintf(path, sizeof path, "%s/b.db", dir);
    db = pu_open(path, 5000);
    if (pu_int(db, "SELECT k FROM head2", -1) != 0) {
      printf("%s: FAIL: head2 does not show head's row\n", pu_name);
      bad = 1;
    }
    {
      char sql[2 * PATH_MAX], *z = NULL;
      snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t3 USING lmdb(id INTEGER PRIMARY KEY, "
               "k TEXT, env = '%s/shared.lmdb', table = 't')", dir);
      rc = sqlite3_exec(db, sql, NULL, NULL, &z);
      if (rc == SQLITE_OK || !z || !strstr(z, "does not match")) {
        printf("%s: FAIL: a mismatched declaration of t: %s\n", pu_name,
               rc == SQLITE_OK ? "accepted" : z);
        bad = 1;
      }
      sqlite3_free(z);
    }
    pu_close(db);
  }
  pu_rmtree(dir);
  free(dir);
  if (!bad) printf("%s: CREATE with table= attaches; a mismatch is refused\n", pu_name);
  return bad;
}

/* --------------------------------------------------------------- main -- */

int main(int argc, char **argv)
{
  int64_t n = pu_env_long("SHARED_COMMITS", 300);
  double secs = (double)pu_env_long("SHARED_SECONDS", 3);
  char *dir, err[1024], nbuf[32], sbuf[32];
  int fds[2], rc;
  pid_t w, r;
  double t0 = pu_now_ms();

  pu_name = "shared_env";
  signal(SIGPIPE, SIG_IGN);
  pu_find_ext();
  if (argc == 5 && !strcmp(argv[1], "--writer")) {
    pu_hang_guard(120);
    return run_writer(argv[2], strtoll(argv[3], NULL, 0), atof(argv[4]));
  }
  if (argc == 3 && !strcmp(argv[1], "--reader")) {
    pu_hang_guard(120);
    return run_reader(argv[2]);
  }
  if (argc == 2 && !strcmp(argv[1], "--xfail")) return run_xfail();
  if (argc != 1) {
    fprintf(stderr, "usage: shared_env [--xfail] (env: SHARED_COMMITS, SHARED_SECONDS)\n");
    return 2;
  }
  pu_hang_guard((unsigned)secs + 120);
  if (run_xfail() != 0) return 1;
  pu_name = "shared_env";
  dir = pu_tmpdir("shared");
  make_a(dir);
  rc = make_b(dir, 0, err, sizeof err);
  if (rc != SQLITE_OK) {
    pu_log("note: CREATE VIRTUAL TABLE ... table = 't' in b.db is refused (%s); b.db "
           "declares its tables through writable_schema (see --xfail)", err);
    make_b(dir, 1, err, sizeof err);
  }

  /* part 1: writer process through a.db, reader process through b.db */
  pu_pipe(fds);
  snprintf(nbuf, sizeof nbuf, "%lld", (long long)n);
  snprintf(sbuf, sizeof sbuf, "%g", secs);
  {
    char *args[] = { "shared_env", "--reader", dir, NULL };
    r = pu_spawn(args, fds[0]);
  }
  {
    char *args[] = { "shared_env", "--writer", dir, nbuf, sbuf, NULL };
    w = pu_spawn(args, fds[1]);
  }
  close(fds[0]);
  close(fds[1]);
  pu_wait_ok(w, "the writer (a.db)");
  pu_wait_ok(r, "the reader (b.db)");
  {
    char path[PATH_MAX];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/b.db", dir);
    db = pu_open(path, 5000);
    pu_check_integrity(db, "t2");
    pu_check_integrity(db, "head2");
    pu_close(db);
  }

  /* part 2: option conflicts */
  part_conflicts(dir);

  pu_log("PASS in %.1f s", (pu_now_ms() - t0) / 1000);
  pu_rmtree(dir);
  free(dir);
  return 0;
}
