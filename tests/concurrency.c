/*
 * concurrency.c -- readers and writers at the same time (issue #7).
 *
 *   concurrency                      the test (run by make check)
 *   concurrency --writer DB SECS SEED     (internal) one writer process
 *   concurrency --reader DB SECS ID       (internal) one reader process
 *   concurrency --xfail              only the busy-COMMIT check (which
 *                                    every run does first)
 *
 * Environment: CONCURRENCY_SECONDS (default 3), CONCURRENCY_READERS
 * (default 4), CONCURRENCY_SEED (default the time), CONCURRENCY_PARTS
 * (default "123": the parts below to run), top_builddir or LVT_EXT.
 *
 * Part 1, processes.  accounts(id INTEGER PRIMARY KEY, owner TEXT NOT NULL
 * UNIQUE, balance INTEGER NOT NULL, bucket INTEGER NOT NULL, INDEX
 * acc_bucket (bucket), INDEX acc_balance (balance)) with NACC rows whose
 * balances sum to TOTAL.  One writer process moves random amounts between
 * random rows for the whole time: single UPDATE statements in autocommit,
 * multi-statement transactions (one UPDATE per side, so every intermediate
 * state breaks the invariant), updates of the indexed bucket column and of
 * the UNIQUE owner, DELETE + re-INSERT of a row, a side found through the
 * owner index, and transactions rolled back.  Each reader process loops on
 * BEGIN; SELECT sum(balance), count(*) FROM accounts (full scan); the same
 * through the bucket index and through the balance index; one statement
 * with both sums as subqueries; COMMIT, and requires (TOTAL, NACC) from
 * every one of them.  Each reader reports its snapshots checked.  The
 * tables use sync = off so that commits are not bound by fsync and the
 * readers meet many more states (crash safety is tests/crashloop's job).
 *
 * Part 2, two connections of one thread, both writing: the second waits
 * its busy timeout (200 ms) and gets SQLITE_BUSY (never a hang: alarm()
 * guards); it reads the committed state meanwhile; busy_timeout = 0 fails
 * at once; after the first commits, the second writes.
 *
 * Part 3, threads: 4 threads, each with its own connection to the same
 * database (one LMDB environment in the process), mix read transactions
 * (invariant checked) and write transactions (a transfer plus a row in a
 * per-thread log) with busy_timeout 50 ms (CONCURRENCY_THREAD_BUSY_MS) and
 * retries on SQLITE_BUSY; a read transaction that meets SQLITE_BUSY (the
 * SQLite file's own lock, taken by a committing writer in rollback-journal
 * mode) is retried and counted too.  At the end
 * the sum is TOTAL and each thread's log holds exactly its commits.
 */
#include "proc_util.h"

#include <pthread.h>

#define NACC 100
#define START_BAL 1000
#define TOTAL ((int64_t)NACC * START_BAL)

typedef struct {
  int role;            /* 0 writer, 1 reader */
  int id;
  int64_t snapshots;   /* reader: statements checked */
  int64_t commits, rollbacks, busy;
} tally_t;

#define SCHEMA \
  "CREATE VIRTUAL TABLE accounts USING lmdb(id INTEGER PRIMARY KEY, owner TEXT NOT NULL UNIQUE," \
  " balance INTEGER NOT NULL, bucket INTEGER NOT NULL, INDEX acc_bucket (bucket)," \
  " INDEX acc_balance (balance), sync = off);" \
  "CREATE VIRTUAL TABLE tlog USING lmdb(th INTEGER NOT NULL, seq INTEGER NOT NULL," \
  " UNIQUE (th, seq), sync = off);"

static void setup(const char *dbpath)
{
  sqlite3 *db = pu_open(dbpath, 5000);
  char sql[200];
  int i;
  if (getenv("CONCURRENCY_WAL")) pu_exec(db, "PRAGMA journal_mode = WAL");
  pu_exec(db, SCHEMA);
  pu_exec(db, "BEGIN");
  for (i = 1; i <= NACC; i++) {
    snprintf(sql, sizeof sql, "INSERT INTO accounts VALUES(%d, 'acct-%d', %d, %d)", i, i,
             START_BAL, i % 10);
    pu_exec(db, sql);
  }
  pu_exec(db, "COMMIT");
  pu_close(db);
}

/* ------------------------------------------------------------ writer -- */

static void step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE)
    pu_die("%s: %s (%d)", what, sqlite3_errmsg(db), sqlite3_extended_errcode(db));
  if (sqlite3_changes(db) < 1) pu_die("%s: changed no row", what);
  sqlite3_reset(st);
}

static int run_writer(const char *dbpath, double secs, uint64_t seed)
{
  sqlite3 *db;
  sqlite3_stmt *move1, *add, *add_owner, *bucket, *owner_of, *get, *del, *ins, *rename;
  tally_t t = { 0, 0, 0, 0, 0, 0 };
  pu_rng r;
  double end;
  int64_t gen = 0;

  pu_name = "concurrency-writer";
  pu_rng_seed(&r, seed);
  db = pu_open(dbpath, 5000);
  move1 = pu_prepare(db, "UPDATE accounts SET balance = balance + CASE WHEN id = ?1 THEN -?3 "
                         "ELSE ?3 END WHERE id IN (?1, ?2)");
  add = pu_prepare(db, "UPDATE accounts SET balance = balance + ?2 WHERE id = ?1");
  add_owner = pu_prepare(db, "UPDATE accounts SET balance = balance + ?2 WHERE owner = ?1");
  bucket = pu_prepare(db, "UPDATE accounts SET bucket = ?2 WHERE id = ?1");
  owner_of = pu_prepare(db, "SELECT owner FROM accounts WHERE id = ?1");
  get = pu_prepare(db, "SELECT owner, balance, bucket FROM accounts WHERE id = ?1");
  del = pu_prepare(db, "DELETE FROM accounts WHERE id = ?1");
  ins = pu_prepare(db, "INSERT INTO accounts VALUES(?1, ?2, ?3, ?4)");
  rename = pu_prepare(db, "UPDATE accounts SET owner = ?2 WHERE id = ?1");
  end = pu_now_ms() + secs * 1000;
  while (pu_now_ms() < end) {
    int kind = (int)pu_below(&r, 10), n, i;
    int64_t a = 1 + (int64_t)pu_below(&r, NACC), b = 1 + (int64_t)pu_below(&r, NACC - 1);
    int64_t amt = 1 + (int64_t)pu_below(&r, 500);
    if (b >= a) b++;
    switch (kind) {
    case 0: case 1: case 2:       /* one statement, autocommit */
      sqlite3_bind_int64(move1, 1, a);
      sqlite3_bind_int64(move1, 2, b);
      sqlite3_bind_int64(move1, 3, amt);
      step_done(db, move1, "move");
      if (sqlite3_changes(db) != 2) pu_die("move changed %d rows", sqlite3_changes(db));
      t.commits++;
      break;
    case 3: case 4: case 5: case 6:   /* several transfers in one transaction */
    case 7:                           /* ... rolled back */
      pu_exec(db, "BEGIN");
      n = 1 + (int)pu_below(&r, 4);
      for (i = 0; i < n; i++) {
        a = 1 + (int64_t)pu_below(&r, NACC);
        b = 1 + (int64_t)pu_below(&r, NACC);
        amt = 1 + (int64_t)pu_below(&r, 500);
        sqlite3_bind_int64(add, 1, a);
        sqlite3_bind_int64(add, 2, -amt);
        step_done(db, add, "debit");
        if (pu_below(&r, 2)) {
          sqlite3_bind_int64(bucket, 1, a);
          sqlite3_bind_int64(bucket, 2, (int64_t)pu_below(&r, 50));
          step_done(db, bucket, "bucket");
        }
        if (kind == 6) {          /* the other side through the UNIQUE owner index */
          sqlite3_bind_int64(owner_of, 1, b);
          if (sqlite3_step(owner_of) != SQLITE_ROW) pu_die("owner of %lld", (long long)b);
          sqlite3_bind_text(add_owner, 1, (const char *)sqlite3_column_text(owner_of, 0), -1,
                            SQLITE_TRANSIENT);
          sqlite3_reset(owner_of);
          sqlite3_bind_int64(add_owner, 2, amt);
          step_done(db, add_owner, "credit by owner");
        } else {
          sqlite3_bind_int64(add, 1, b);
          sqlite3_bind_int64(add, 2, amt);
          step_done(db, add, "credit");
        }
      }
      if (kind == 7) { pu_exec(db, "ROLLBACK"); t.rollbacks++; }
      else { pu_exec(db, "COMMIT"); t.commits++; }
      break;
    case 8: {                     /* delete and re-insert, new bucket and owner */
      char owner[64];
      int64_t bal, bk;
      pu_exec(db, "BEGIN");
      sqlite3_bind_int64(get, 1, a);
      if (sqlite3_step(get) != SQLITE_ROW) pu_die("row %lld missing", (long long)a);
      bal = sqlite3_column_int64(get, 1);
      bk = sqlite3_column_int64(get, 2);
      sqlite3_reset(get);
      sqlite3_bind_int64(del, 1, a);
      step_done(db, del, "delete");
      snprintf(owner, sizeof owner, "acct-%lld-%lld", (long long)a, (long long)++gen);
      sqlite3_bind_int64(ins, 1, a);
      sqlite3_bind_text(ins, 2, owner, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 3, bal);
      sqlite3_bind_int64(ins, 4, (bk + 7) % 50);
      step_done(db, ins, "re-insert");
      pu_exec(db, "COMMIT");
      t.commits++;
      break;
    }
    case 9: {                     /* rename (UNIQUE owner), then a transfer */
      char owner[64];
      snprintf(owner, sizeof owner, "acct-%lld-%lld", (long long)a, (long long)++gen);
      pu_exec(db, "BEGIN");
      sqlite3_bind_int64(rename, 1, a);
      sqlite3_bind_text(rename, 2, owner, -1, SQLITE_TRANSIENT);
      step_done(db, rename, "rename");
      sqlite3_bind_int64(add, 1, a);
      sqlite3_bind_int64(add, 2, amt);
      step_done(db, add, "credit");
      sqlite3_bind_int64(add, 1, b);
      sqlite3_bind_int64(add, 2, -amt);
      step_done(db, add, "debit");
      pu_exec(db, "COMMIT");
      t.commits++;
      break;
    }
    }
  }
  sqlite3_finalize(move1); sqlite3_finalize(add); sqlite3_finalize(add_owner);
  sqlite3_finalize(bucket); sqlite3_finalize(owner_of); sqlite3_finalize(get);
  sqlite3_finalize(del); sqlite3_finalize(ins); sqlite3_finalize(rename);
  pu_close(db);
  pu_write_all(3, &t, sizeof t);
  return 0;
}

/* ------------------------------------------------------------ reader -- */

/* Run a query that returns (sum, count) or (sum, sum) and check it. */
static void check_pair(sqlite3 *db, sqlite3_stmt *st, int64_t want1, int64_t want2,
                       const char *what, int id)
{
  int rc = sqlite3_step(st);
  int64_t x, y;
  if (rc != SQLITE_ROW) pu_die("reader %d: %s: %s (%d)", id, what, sqlite3_errmsg(db), rc);
  x = sqlite3_column_int64(st, 0);
  y = sqlite3_column_int64(st, 1);
  if (x != want1 || y != want2)
    pu_die("reader %d: %s gave (%lld, %lld), expected (%lld, %lld): a snapshot that "
           "shows part of a transaction", id, what, (long long)x, (long long)y,
           (long long)want1, (long long)want2);
  sqlite3_reset(st);
}

static int run_reader(const char *dbpath, double secs, int id)
{
  sqlite3 *db;
  sqlite3_stmt *q_full, *q_bucket, *q_balance, *q_both;
  tally_t t = { 1, id, 0, 0, 0, 0 };
  double end;

  pu_name = "concurrency-reader";
  db = pu_open(dbpath, 5000);
  {
    sqlite3_stmt *st = pu_prepare(db, "EXPLAIN QUERY PLAN SELECT sum(balance), count(*) "
                                      "FROM accounts WHERE bucket >= 0");
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
      if (strstr((const char *)sqlite3_column_text(st, 3), "acc_bucket")) found = 1;
    sqlite3_finalize(st);
    if (!found) pu_die("the bucket query does not use its index acc_bucket");
  }
  q_full = pu_prepare(db, "SELECT sum(balance), count(*) FROM accounts");
  q_bucket = pu_prepare(db, "SELECT sum(balance), count(*) FROM accounts WHERE bucket >= 0");
  q_balance = pu_prepare(db, "SELECT sum(balance), count(*) FROM accounts "
                             "WHERE balance BETWEEN -1000000000 AND 1000000000");
  q_both = pu_prepare(db, "SELECT (SELECT sum(balance) FROM accounts WHERE bucket >= 0), "
                          "(SELECT sum(balance) FROM accounts WHERE balance >= -1000000000)");
  end = pu_now_ms() + secs * 1000;
  while (pu_now_ms() < end) {
    pu_exec(db, "BEGIN");
    check_pair(db, q_full, TOTAL, NACC, "full scan", id);
    check_pair(db, q_bucket, TOTAL, NACC, "bucket index scan", id);
    check_pair(db, q_balance, TOTAL, NACC, "balance index scan", id);
    check_pair(db, q_both, TOTAL, TOTAL, "two subqueries of one statement", id);
    pu_exec(db, "COMMIT");
    t.snapshots += 4;
  }
  sqlite3_finalize(q_full); sqlite3_finalize(q_bucket);
  sqlite3_finalize(q_balance); sqlite3_finalize(q_both);
  pu_close(db);
  pu_write_all(3, &t, sizeof t);
  return 0;
}

/* ---------------------------------------------- part 1: processes -- */

static void part_processes(const char *dbpath, double secs, int nreaders, uint64_t seed)
{
  pid_t pids[64];
  int fds[2], i, n = 0;
  char secbuf[32], idbuf[32], seedbuf[32];
  tally_t t;
  int64_t snaps = 0, commits = 0, rollbacks = 0;
  double t0 = pu_now_ms();
  sqlite3 *db;

  pu_pipe(fds);
  snprintf(secbuf, sizeof secbuf, "%g", secs);
  snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
  {
    char *args[] = { "concurrency", "--writer", (char *)dbpath, secbuf, seedbuf, NULL };
    pids[n++] = pu_spawn(args, fds[1]);
  }
  for (i = 0; i < nreaders; i++) {
    char *args[] = { "concurrency", "--reader", (char *)dbpath, secbuf, idbuf, NULL };
    snprintf(idbuf, sizeof idbuf, "%d", i + 1);
    pids[n++] = pu_spawn(args, fds[1]);
  }
  close(fds[1]);
  {
    /* wait for all of them, then report the first that failed */
    int bad = -1, st0 = 0, status;
    for (i = 0; i < n; i++) {
      while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR) {}
      if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && bad < 0) { bad = i; st0 = status; }
    }
    if (bad >= 0) {
      char b[64];
      pu_die("%s (pid %d) ended with %s", bad == 0 ? "the writer" : "a reader", (int)pids[bad],
             pu_status(st0, b, sizeof b));
    }
  }
  while ((i = pu_read_full(fds[0], &t, sizeof t, 5000)) == 1) {
    if (t.role == 1) {
      snaps += t.snapshots;
      pu_log("reader %d: %lld snapshots checked", t.id, (long long)t.snapshots);
      if (t.snapshots == 0) pu_die("reader %d checked nothing", t.id);
    } else {
      commits = t.commits;
      rollbacks = t.rollbacks;
    }
  }
  close(fds[0]);
  if (commits == 0) pu_die("the writer committed nothing");
  db = pu_open(dbpath, 5000);
  if (pu_int(db, "SELECT sum(balance) FROM accounts", -1) != TOTAL
      || pu_int(db, "SELECT count(*) FROM accounts", -1) != NACC)
    pu_die("final state: the sum or the count changed");
  pu_check_integrity(db, "accounts");
  pu_close(db);
  pu_log("processes: 1 writer (%lld commits, %lld rollbacks) and %d readers "
         "(%lld snapshots checked, all consistent) in %.1f s", (long long)commits,
         (long long)rollbacks, nreaders, (long long)snaps, (pu_now_ms() - t0) / 1000);
}

/* ---------------------------------- part 2: two writers, one thread -- */

static void part_one_thread(const char *dbpath)
{
  sqlite3 *c1 = pu_open(dbpath, 5000), *c2 = pu_open(dbpath, 200);
  double t0, ms, ms0;
  int rc;

  pu_hang_guard(30);
  pu_exec(c1, "BEGIN");
  pu_exec(c1, "UPDATE accounts SET balance = balance + 5 WHERE id = 1");
  /* c2 reads the committed state while c1 writes */
  if (pu_int(c2, "SELECT sum(balance) FROM accounts", -1) != TOTAL)
    pu_die("a second connection sees the first one's uncommitted write");
  if (pu_int(c1, "SELECT sum(balance) FROM accounts", -1) != TOTAL + 5)
    pu_die("a connection does not see its own write");
  /* c2 writes: busy timeout, then SQLITE_BUSY */
  t0 = pu_now_ms();
  rc = pu_exec_rc(c2, "UPDATE accounts SET bucket = bucket WHERE id = 2");
  ms = pu_now_ms() - t0;
  if (rc != SQLITE_BUSY)
    pu_die("second writer of the thread: expected SQLITE_BUSY, got %d (%s)", rc, sqlite3_errmsg(c2));
  if (ms < 180 || ms > 3000)
    pu_die("second writer: SQLITE_BUSY after %.0f ms, busy_timeout is 200 ms", ms);
  /* in an explicit transaction too; then it rolls back */
  pu_exec(c2, "BEGIN");
  rc = pu_exec_rc(c2, "INSERT INTO tlog VALUES(99, 1)");
  if (rc != SQLITE_BUSY) pu_die("second writer in BEGIN: expected SQLITE_BUSY, got %d", rc);
  pu_exec(c2, "ROLLBACK");
  /* busy_timeout = 0: at once */
  pu_exec(c2, "PRAGMA busy_timeout = 0");
  t0 = pu_now_ms();
  rc = pu_exec_rc(c2, "UPDATE accounts SET bucket = bucket WHERE id = 2");
  ms0 = pu_now_ms() - t0;
  if (rc != SQLITE_BUSY || ms0 > 100)
    pu_die("busy_timeout 0: expected SQLITE_BUSY at once, got %d after %.0f ms", rc, ms0);
  pu_exec(c1, "UPDATE accounts SET balance = balance - 5 WHERE id = 1");
  pu_exec(c1, "COMMIT");
  /* now c2 writes */
  pu_exec(c2, "PRAGMA busy_timeout = 200");
  pu_exec(c2, "BEGIN");
  pu_exec(c2, "UPDATE accounts SET balance = balance + 1 WHERE id = 2");
  pu_exec(c2, "UPDATE accounts SET balance = balance - 1 WHERE id = 3");
  pu_exec(c2, "COMMIT");
  if (pu_int(c1, "SELECT sum(balance) FROM accounts", -1) != TOTAL)
    pu_die("sum changed after the two connections' transactions");
  pu_close(c1);
  pu_close(c2);
  alarm(0);
  pu_log("one thread, two writing connections: SQLITE_BUSY after %.0f ms (busy_timeout 200), "
         "after %.1f ms with busy_timeout 0; no hang", ms, ms0);
}

/* ------------------------------------------------- part 3: threads -- */

#define NTHREADS 4

typedef struct {
  const char *dbpath;
  int th;
  double secs;
  int64_t commits, busy, reads, busy_commit, read_busy;
  char err[1024], last[256];
} thr_t;

/* Run sql; SQLITE_BUSY is returned, any other error is recorded. */
static int thr_exec(thr_t *T, sqlite3 *db, const char *sql)
{
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY && !T->err[0])
    snprintf(T->err, sizeof T->err, "thread %d: %s: %s (%d)", T->th, sql, sqlite3_errmsg(db),
             sqlite3_extended_errcode(db));
  return rc;
}

static void *thr_main(void *arg)
{
  thr_t *T = arg;
  sqlite3 *db = NULL;
  pu_rng r;
  double end = pu_now_ms() + T->secs * 1000;
  char sql[256];
  int64_t seq = 0;

  pu_rng_seed(&r, (uint64_t)T->th * 7919);
  if (sqlite3_open(T->dbpath, &db) != SQLITE_OK) {
    snprintf(T->err, sizeof T->err, "thread %d: open failed", T->th);
    return NULL;
  }
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, pu_ext, NULL, NULL) != SQLITE_OK) {
    snprintf(T->err, sizeof T->err, "thread %d: load failed", T->th);
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, (int)pu_env_long("CONCURRENCY_THREAD_BUSY_MS", 50));
  while (!T->err[0] && pu_now_ms() < end) {
    if (pu_below(&r, 10) < 4) {        /* read transaction */
      sqlite3_stmt *st = NULL;
      int64_t s = -1, c = -1;
      int rc = SQLITE_OK;
      if (thr_exec(T, db, "BEGIN")) break;
      if ((rc = sqlite3_prepare_v2(db, "SELECT sum(balance), count(*) FROM accounts "
                                   "WHERE bucket >= 0", -1, &st, NULL)) == SQLITE_OK
          && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        s = sqlite3_column_int64(st, 0);
        c = sqlite3_column_int64(st, 1);
      }
      if (s == -1 && rc == SQLITE_BUSY) {
        /* the SQLite database file's lock (rollback journal), held by a
         * committing writer for longer than the busy timeout: retry */
        sqlite3_finalize(st);
        if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        T->read_busy++;
        continue;
      }
      if (s != TOTAL || c != NACC) {
        snprintf(T->err, sizeof T->err, "thread %d: read (%lld, %lld), expected (%lld, %d)%s%s"
                 " (%s, code %d/%d, after %lld reads and %lld commits of this thread)",
                 T->th, (long long)s, (long long)c, (long long)TOTAL, NACC,
                 s == -1 ? ": the query failed: " : "", s == -1 ? sqlite3_errmsg(db) : "",
                 st ? "sqlite3_step" : "sqlite3_prepare", rc, sqlite3_extended_errcode(db),
                 (long long)T->reads, (long long)T->commits);
        sqlite3_finalize(st);
        break;
      }
      sqlite3_finalize(st);
      if (thr_exec(T, db, "COMMIT")) {
        if (T->err[0]) break;
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        T->read_busy++;
        continue;
      }
      T->reads++;
    } else {                            /* write transaction, retried when busy */
      int64_t a = 1 + (int64_t)pu_below(&r, NACC), b = 1 + (int64_t)pu_below(&r, NACC);
      int64_t amt = 1 + (int64_t)pu_below(&r, 100);
      int rc, step = 0, rrc = -1;
      for (;;) {
        char hist[256];
        step = 0;
        rc = thr_exec(T, db, "BEGIN");
        snprintf(sql, sizeof sql, "UPDATE accounts SET balance = balance - %lld WHERE id = %lld",
                 (long long)amt, (long long)a);
        if (rc == SQLITE_OK) { step = 1; rc = thr_exec(T, db, sql); }
        snprintf(sql, sizeof sql, "UPDATE accounts SET balance = balance + %lld, bucket = %d "
                 "WHERE id = %lld", (long long)amt, (int)pu_below(&r, 50), (long long)b);
        if (rc == SQLITE_OK) { step = 2; rc = thr_exec(T, db, sql); }
        snprintf(sql, sizeof sql, "INSERT INTO tlog VALUES(%d, %lld)", T->th, (long long)seq + 1);
        if (rc == SQLITE_OK) { step = 3; rc = thr_exec(T, db, sql); }
        if (rc == SQLITE_OK) { step = 4; rc = thr_exec(T, db, "COMMIT"); }
        if (rc == SQLITE_OK) { seq++; T->commits++; break; }
        rrc = -1;
        if (!sqlite3_get_autocommit(db)) rrc = sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(hist, sizeof hist, "; previous attempt of seq %lld: step %d (%s) gave %d (%s), "
                 "then ROLLBACK %d", (long long)seq + 1, step,
                 step == 4 ? "COMMIT" : step == 3 ? "INSERT" : step ? "UPDATE" : "BEGIN", rc,
                 sqlite3_errmsg(db), rrc);
        if (rc == SQLITE_BUSY && step == 4) {
          /* a COMMIT that failed must have committed nothing */
          sqlite3_stmt *q = NULL;
          char chk[128];
          snprintf(chk, sizeof chk, "SELECT count(*) FROM tlog WHERE th = %d AND seq = %lld",
                   T->th, (long long)seq + 1);
          if (sqlite3_prepare_v2(db, chk, -1, &q, NULL) == SQLITE_OK
              && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) != 0 && !T->err[0])
            snprintf(T->err, sizeof T->err, "thread %d: COMMIT returned SQLITE_BUSY (%s), and "
                     "after ROLLBACK its writes are there (tlog row %d,%lld): a failed COMMIT "
                     "committed (see tests/proc_repro_commit_busy.py)", T->th, sqlite3_errmsg(db),
                     T->th, (long long)seq + 1);
          sqlite3_finalize(q);
          T->busy_commit++;
        }
        if (T->err[0] && strlen(T->err) + strlen(hist) + strlen(T->last) + 16 < sizeof T->err) {
          strcat(T->err, hist);
          if (T->last[0]) { strcat(T->err, "; before that"); strcat(T->err, T->last); }
        }
        snprintf(T->last, sizeof T->last, "%s", hist);
        if (rc != SQLITE_BUSY || T->err[0]) break;
        T->busy++;
        pu_sleep_ms((double)pu_below(&r, 3000) / 1000.0);
        if (pu_now_ms() > end + 10000) {
          snprintf(T->err, sizeof T->err, "thread %d: busy for 10 s", T->th);
          break;
        }
      }
    }
  }
  sqlite3_close(db);
  return NULL;
}

static void part_threads(const char *dbpath, double secs)
{
  pthread_t tid[NTHREADS];
  thr_t T[NTHREADS];
  int i;
  int64_t commits = 0, busy = 0, reads = 0, read_busy = 0, busy_commit = 0;
  sqlite3 *db;

  pu_hang_guard((unsigned)secs + 60);
  memset(T, 0, sizeof T);
  for (i = 0; i < NTHREADS; i++) {
    T[i].dbpath = dbpath;
    T[i].th = i + 1;
    T[i].secs = secs;
    if (pthread_create(&tid[i], NULL, thr_main, &T[i]) != 0) pu_die("pthread_create");
  }
  for (i = 0; i < NTHREADS; i++) pthread_join(tid[i], NULL);
  alarm(0);
  for (i = 0; i < NTHREADS; i++) {
    if (T[i].err[0]) pu_die("%s", T[i].err);
    commits += T[i].commits;
    busy += T[i].busy;
    reads += T[i].reads;
    read_busy += T[i].read_busy;
    busy_commit += T[i].busy_commit;
  }
  db = pu_open(dbpath, 5000);
  if (pu_int(db, "SELECT sum(balance) FROM accounts", -1) != TOTAL
      || pu_int(db, "SELECT count(*) FROM accounts", -1) != NACC)
    pu_die("threads: final sum or count changed");
  for (i = 0; i < NTHREADS; i++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) || ',' || coalesce(max(seq), 0) FROM tlog "
             "WHERE th = %d", i + 1);
    {
      char *z = pu_text(db, sql), want[64];
      snprintf(want, sizeof want, "%lld,%lld", (long long)T[i].commits, (long long)T[i].commits);
      if (strcmp(z, want)) pu_die("thread %d: log has (count, max) %s, committed %lld", i + 1,
                                  z, (long long)T[i].commits);
      free(z);
    }
  }
  pu_check_integrity(db, "accounts");
  pu_check_integrity(db, "tlog");
  pu_close(db);
  if (commits == 0) pu_die("threads committed nothing");
  pu_log("threads: %d threads, %lld write commits, %lld read transactions, %lld SQLITE_BUSY "
         "retries of writes (%lld of them at COMMIT), %lld of reads; final state exact",
         NTHREADS, (long long)commits, (long long)reads, (long long)busy,
         (long long)busy_commit, (long long)read_busy);
}

/* A COMMIT while another connection of the thread holds a read
 * transaction (a SHARED lock on the database file) must either succeed, or
 * fail with nothing committed (it used to fail with SQLITE_BUSY after the
 * LMDB commit).  Run first by every run; --xfail runs only this. */
static int run_xfail(void)
{
  char *dir = pu_tmpdir("concurrency-xfail"), path[PATH_MAX];
  sqlite3 *a, *b;
  int rc, bad = 0;
  int64_t n;
  pu_name = "concurrency (busy commit)";
  snprintf(path, sizeof path, "%s/x.db", dir);
  a = pu_open(path, 100);
  b = pu_open(path, 100);
  pu_exec(a, "CREATE VIRTUAL TABLE t USING lmdb(x INTEGER PRIMARY KEY)");
  pu_exec(b, "BEGIN");
  (void)pu_int(b, "SELECT count(*) FROM t", 0);          /* b: a read transaction */
  pu_exec(a, "BEGIN");
  pu_exec(a, "INSERT INTO t VALUES(1)");
  rc = pu_exec_rc(a, "COMMIT");
  if (rc != SQLITE_OK) {
    pu_exec_rc(a, "ROLLBACK");
    pu_exec(b, "COMMIT");
    n = pu_int(a, "SELECT count(*) FROM t", -1);
    if (n != 0) {
      printf("%s: FAIL: COMMIT returned %d (%s) while another connection read, yet after "
             "ROLLBACK the row is in t (%lld rows)\n", pu_name, rc, sqlite3_errstr(rc), (long long)n);
      bad = 1;
    }
  } else {
    pu_exec(b, "COMMIT");
  }
  pu_close(a);
  pu_close(b);
  pu_rmtree(dir);
  free(dir);
  if (!bad) printf("%s: a COMMIT that fails busy commits nothing\n", pu_name);
  return bad;
}

int main(int argc, char **argv)
{
  double secs = (double)pu_env_long("CONCURRENCY_SECONDS", 3);
  int nreaders = (int)pu_env_long("CONCURRENCY_READERS", 4);
  uint64_t seed;
  char *dir, dbpath[PATH_MAX];
  double t0 = pu_now_ms();

  pu_name = "concurrency";
  signal(SIGPIPE, SIG_IGN);
  pu_find_ext();
  if (argc == 5 && !strcmp(argv[1], "--writer")) {
    pu_hang_guard((unsigned)atof(argv[3]) + 60);
    return run_writer(argv[2], atof(argv[3]), strtoull(argv[4], NULL, 0));
  }
  if (argc == 5 && !strcmp(argv[1], "--reader")) {
    pu_hang_guard((unsigned)atof(argv[3]) + 60);
    return run_reader(argv[2], atof(argv[3]), atoi(argv[4]));
  }
  if (argc == 2 && !strcmp(argv[1], "--xfail")) return run_xfail();
  if (argc != 1) {
    fprintf(stderr, "usage: concurrency (env: CONCURRENCY_SECONDS, CONCURRENCY_READERS)\n");
    return 2;
  }
  if (run_xfail() != 0) return 1;
  pu_name = "concurrency";
  if (nreaders < 1 || nreaders > 60) nreaders = 4;
  if (secs < 1) secs = 1;
  seed = (uint64_t)pu_env_long("CONCURRENCY_SEED", (long)time(NULL));
  dir = pu_tmpdir("concurrency");
  snprintf(dbpath, sizeof dbpath, "%s/acc.db", dir);
  pu_log("seed %llu (CONCURRENCY_SEED), %.0f s, %d readers", (unsigned long long)seed, secs,
         nreaders);
  setup(dbpath);
  pu_hang_guard((unsigned)secs + 90);
  {
    /* CONCURRENCY_PARTS: which parts to run (default "123") */
    const char *parts = getenv("CONCURRENCY_PARTS");
    if (!parts || !*parts) parts = "123";
    if (strchr(parts, '1')) part_processes(dbpath, secs, nreaders, seed);
    if (strchr(parts, '2')) part_one_thread(dbpath);
    if (strchr(parts, '3')) part_threads(dbpath, secs < 3 ? secs : secs / 2);
  }
  pu_log("PASS in %.1f s", (pu_now_ms() - t0) / 1000);
  pu_rmtree(dir);
  free(dir);
  return 0;
}
