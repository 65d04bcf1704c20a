/*
 * crashloop.c -- kill -9 a writer again and again; nothing committed may be
 * lost and nothing half-committed may ever be seen (issue #7).
 *
 *   crashloop                 the test (run by make check)
 *   crashloop --writer DB SEED       (internal) the writer, reports on fd 3
 *   crashloop --hold-reader DB       (internal) holds a read snapshot, then waits
 *   crashloop --open DB              (internal) opens the database and reads
 *
 * Environment: CRASHLOOP_ITERATIONS (default 50), CRASHLOOP_SEED (default
 * the time; printed, so a failure can be replayed), CRASHLOOP_MAXDELAY_MS
 * (default 25), top_builddir or LVT_EXT (the module).
 *
 * Workload.  One file database, default environment (DB-lmdb), sync=full,
 * mapsize 256KB (so the map grows by itself, kills included):
 *   t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, tag TEXT NOT NULL UNIQUE,
 *     v INTEGER, pad TEXT, INDEX t_k (k), INDEX t_v (v))
 *   ledger(k INTEGER PRIMARY KEY, nrows INTEGER, sumv INTEGER)
 * Transaction k is BEGIN; 1..12 operations (insert, update of v and k,
 * update of the UNIQUE tag, delete by rowid, delete of a v range through
 * the t_v index, an insert that violates UNIQUE and is rolled back as a
 * statement); INSERT INTO ledger (k, count(*), sum(v)); COMMIT.  The
 * operations come from a PRNG seeded with (SEED, k); the rows they touch
 * are found by queries whose answer depends only on the committed state
 * (smallest live id >= x).  So the state after transaction k is a pure
 * function of (SEED, k), and the parent recomputes it with an in-memory
 * model.  The writer writes k to the pipe only after COMMIT returned
 * SQLITE_OK, and starts at max(ledger.k) + 1.
 *
 * After every SIGKILL the parent reads every report (R = the last one),
 * opens the database and requires: max(ledger.k) = K with K = R or R + 1
 * (a commit may land just before the kill, unreported); the whole of t
 * equal, row by row and column by column, to the model after K
 * transactions (so no transaction is partly there, and none is lost);
 * ledger rows 1..K exactly as the model says; lmdb_integrity_check('t')
 * and ('ledger') = 'ok'; and no reader slot of a dead process left once
 * the database is opened.  The next writer must commit within 10 s; the
 * time from spawn to its first commit is measured.
 *
 * A last phase kills a process that holds a read snapshot while a
 * long-lived process keeps writing, and measures how far the data file
 * grows before some process opens the environment again (LMDB frees
 * slots of dead processes only in mdb_reader_check, which lmdbvt calls when
 * a process opens the environment).
 */
#include "proc_util.h"

#define MAX_OPS 12
#define TAGLEN 32

/* ------------------------------------------------------------- ops -- */

enum { OP_INSERT, OP_UPD_V, OP_UPD_TAG, OP_DEL_ID, OP_DEL_RANGE, OP_DUP_TAG };

typedef struct {
  int kind;
  uint64_t pick;      /* chooses the target row */
  int64_t v;          /* new value / range start */
  int padlen;
} op_t;

/* The operations of transaction k. */
static int gen_ops(uint64_t seed, int64_t k, op_t *ops)
{
  pu_rng r;
  int n, j;
  pu_rng_seed(&r, seed * 0x100000001B3ULL + (uint64_t)k);
  n = 1 + (int)pu_below(&r, MAX_OPS);
  for (j = 0; j < n; j++) {
    int x = (int)pu_below(&r, 100);
    ops[j].kind = x < 45 ? OP_INSERT : x < 65 ? OP_UPD_V : x < 72 ? OP_UPD_TAG
                : x < 85 ? OP_DEL_ID : x < 92 ? OP_DEL_RANGE : OP_DUP_TAG;
    ops[j].pick = pu_rand(&r);
    ops[j].v = (int64_t)pu_below(&r, 1000);
    ops[j].padlen = (int)pu_below(&r, 200);
  }
  return n;
}

/* The pad text of row (k, j): padlen letters. */
static void make_pad(char *buf, int64_t k, int j, int padlen)
{
  int i;
  for (i = 0; i < padlen; i++) buf[i] = (char)('a' + (int)((k * 31 + j * 7 + i * 13) % 26));
  buf[padlen] = 0;
}

/* ----------------------------------------------------------- model -- */

typedef struct {
  int live;
  int64_t k, v;
  int64_t padk;       /* the pad is make_pad(padk, padj, padlen) */
  int padj, padlen;
  char tag[TAGLEN];
} mrow;

typedef struct {
  mrow *rows;         /* indexed by id, 1..cap-1 */
  int64_t cap;
  int64_t maxid;      /* largest live id (0: none) */
  int64_t nlive, sumv;
  int64_t k;          /* transactions applied */
  int64_t *led_n, *led_sum;   /* ledger after each k (index k) */
  int64_t led_cap;
} model_t;

static int64_t model_pick(const model_t *m, uint64_t pick)
{
  int64_t id;
  if (m->maxid == 0) return 0;
  for (id = (int64_t)(pick % (uint64_t)(m->maxid + 1)); id <= m->maxid; id++)
    if (id > 0 && m->rows[id].live) return id;
  return 0;
}

static void model_apply(model_t *m, uint64_t seed)
{
  op_t ops[MAX_OPS];
  int64_t k = m->k + 1, id;
  int n = gen_ops(seed, k, ops), j;
  for (j = 0; j < n; j++) {
    op_t *o = &ops[j];
    mrow *r;
    switch (o->kind) {
    case OP_INSERT:
      id = m->maxid + 1;
      if (id >= m->cap) {
        int64_t nc = m->cap ? m->cap * 2 : 1024;
        m->rows = realloc(m->rows, (size_t)nc * sizeof *m->rows);
        if (!m->rows) pu_die("out of memory");
        memset(m->rows + m->cap, 0, (size_t)(nc - m->cap) * sizeof *m->rows);
        m->cap = nc;
      }
      r = &m->rows[id];
      r->live = 1; r->k = k; r->v = o->v; r->padk = k; r->padj = j; r->padlen = o->padlen;
      snprintf(r->tag, TAGLEN, "k%lld-%d", (long long)k, j);
      m->maxid = id;
      m->nlive++;
      m->sumv += o->v;
      break;
    case OP_UPD_V:
      if ((id = model_pick(m, o->pick)) == 0) break;
      m->sumv += o->v - m->rows[id].v;
      m->rows[id].v = o->v;
      m->rows[id].k = k;
      break;
    case OP_UPD_TAG:
      if ((id = model_pick(m, o->pick)) == 0) break;
      snprintf(m->rows[id].tag, TAGLEN, "u%lld-%d", (long long)k, j);
      break;
    case OP_DEL_ID:
      if ((id = model_pick(m, o->pick)) == 0) break;
      m->rows[id].live = 0;
      m->nlive--;
      m->sumv -= m->rows[id].v;
      break;
    case OP_DEL_RANGE:
      for (id = 1; id <= m->maxid; id++) {
        r = &m->rows[id];
        if (r->live && r->v >= o->v && r->v <= o->v + 2) {
          r->live = 0;
          m->nlive--;
          m->sumv -= r->v;
        }
      }
      break;
    case OP_DUP_TAG:
      break;            /* fails with UNIQUE, changes nothing */
    }
    while (m->maxid > 0 && !m->rows[m->maxid].live) m->maxid--;
  }
  if (k >= m->led_cap) {
    int64_t nc = m->led_cap ? m->led_cap * 2 : 1024;
    m->led_n = realloc(m->led_n, (size_t)nc * sizeof *m->led_n);
    m->led_sum = realloc(m->led_sum, (size_t)nc * sizeof *m->led_sum);
    if (!m->led_n || !m->led_sum) pu_die("out of memory");
    m->led_cap = nc;
  }
  m->led_n[k] = m->nlive;
  m->led_sum[k] = m->sumv;
  m->k = k;
}

/* ---------------------------------------------------------- writer -- */

typedef struct {
  int64_t k;
  double first_ms;     /* writer-side: start to first commit (first record) */
} report_t;

#define SCHEMA \
  "CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, k INTEGER NOT NULL," \
  " tag TEXT NOT NULL UNIQUE, v INTEGER, pad TEXT, INDEX t_k (k), INDEX t_v (v), sync = full," \
  " mapsize = '256KB');" \
  "CREATE VIRTUAL TABLE ledger USING lmdb(k INTEGER PRIMARY KEY, nrows INTEGER, sumv INTEGER," \
  " sync = full, mapsize = '256KB');"

static void must_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) pu_die("%s: %s (%d)", what, sqlite3_errmsg(db), sqlite3_extended_errcode(db));
  sqlite3_reset(st);
}

static int64_t writer_pick(sqlite3 *db, sqlite3_stmt *maxid, sqlite3_stmt *ge, uint64_t pick)
{
  int64_t m = 0, id = 0;
  if (sqlite3_step(maxid) == SQLITE_ROW) m = sqlite3_column_int64(maxid, 0);
  else pu_die("max(id): %s", sqlite3_errmsg(db));
  sqlite3_reset(maxid);
  if (m == 0) return 0;
  sqlite3_bind_int64(ge, 1, (int64_t)(pick % (uint64_t)(m + 1)));
  if (sqlite3_step(ge) == SQLITE_ROW) id = sqlite3_column_int64(ge, 0);
  sqlite3_reset(ge);
  return id;
}

static int run_writer(const char *dbpath, uint64_t seed)
{
  double t0 = pu_now_ms();
  sqlite3 *db;
  sqlite3_stmt *ins, *upd_v, *upd_tag, *del_id, *del_rng, *maxid, *ge, *tagof, *led, *peek;
  int64_t k;
  int first = 1;
  char pad[256], tag[TAGLEN];

  pu_name = "crashloop-writer";
  signal(SIGPIPE, SIG_DFL);
  db = pu_open(dbpath, 5000);
  k = pu_int(db, "SELECT coalesce(max(k), 0) FROM ledger", 0);
  ins = pu_prepare(db, "INSERT INTO t(id, k, tag, v, pad) VALUES(NULL, ?1, ?2, ?3, ?4)");
  upd_v = pu_prepare(db, "UPDATE t SET v = ?1, k = ?2 WHERE id = ?3");
  upd_tag = pu_prepare(db, "UPDATE t SET tag = ?1 WHERE id = ?2");
  del_id = pu_prepare(db, "DELETE FROM t WHERE id = ?1");
  del_rng = pu_prepare(db, "DELETE FROM t WHERE v BETWEEN ?1 AND ?1 + 2");
  maxid = pu_prepare(db, "SELECT coalesce(max(id), 0) FROM t");
  ge = pu_prepare(db, "SELECT id FROM t WHERE id >= ?1 ORDER BY id LIMIT 1");
  tagof = pu_prepare(db, "SELECT tag FROM t WHERE id = ?1");
  led = pu_prepare(db, "INSERT INTO ledger VALUES(?1, (SELECT count(*) FROM t), (SELECT total(v) FROM t))");
  peek = pu_prepare(db, "SELECT count(*) FROM t WHERE v >= 0");
  for (;;) {
    op_t ops[MAX_OPS];
    int n, j, rc;
    k++;
    n = gen_ops(seed, k, ops);
    pu_exec(db, "BEGIN");
    for (j = 0; j < n; j++) {
      op_t *o = &ops[j];
      int64_t id;
      switch (o->kind) {
      case OP_INSERT:
        snprintf(tag, sizeof tag, "k%lld-%d", (long long)k, j);
        make_pad(pad, k, j, o->padlen);
        sqlite3_bind_int64(ins, 1, k);
        sqlite3_bind_text(ins, 2, tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, o->v);
        sqlite3_bind_text(ins, 4, pad, -1, SQLITE_TRANSIENT);
        must_step_done(db, ins, "insert");
        break;
      case OP_UPD_V:
        if ((id = writer_pick(db, maxid, ge, o->pick)) == 0) break;
        sqlite3_bind_int64(upd_v, 1, o->v);
        sqlite3_bind_int64(upd_v, 2, k);
        sqlite3_bind_int64(upd_v, 3, id);
        must_step_done(db, upd_v, "update v");
        break;
      case OP_UPD_TAG:
        if ((id = writer_pick(db, maxid, ge, o->pick)) == 0) break;
        snprintf(tag, sizeof tag, "u%lld-%d", (long long)k, j);
        sqlite3_bind_text(upd_tag, 1, tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(upd_tag, 2, id);
        must_step_done(db, upd_tag, "update tag");
        break;
      case OP_DEL_ID:
        if ((id = writer_pick(db, maxid, ge, o->pick)) == 0) break;
        sqlite3_bind_int64(del_id, 1, id);
        must_step_done(db, del_id, "delete");
        break;
      case OP_DEL_RANGE:
        sqlite3_bind_int64(del_rng, 1, o->v);
        must_step_done(db, del_rng, "delete range");
        break;
      case OP_DUP_TAG:
        if ((id = writer_pick(db, maxid, ge, o->pick)) == 0) break;
        sqlite3_bind_int64(tagof, 1, id);
        if (sqlite3_step(tagof) != SQLITE_ROW) pu_die("tag of %lld: %s", (long long)id, sqlite3_errmsg(db));
        snprintf(tag, sizeof tag, "%s", (const char *)sqlite3_column_text(tagof, 0));
        sqlite3_reset(tagof);
        sqlite3_bind_int64(ins, 1, k);
        sqlite3_bind_text(ins, 2, tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, o->v);
        sqlite3_bind_text(ins, 4, "dup", -1, SQLITE_STATIC);
        rc = sqlite3_step(ins);
        if (rc != SQLITE_CONSTRAINT || sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_UNIQUE)
          pu_die("duplicate tag %s: expected SQLITE_CONSTRAINT_UNIQUE, got %d/%d (%s)", tag, rc,
                 sqlite3_extended_errcode(db), sqlite3_errmsg(db));
        sqlite3_reset(ins);
        if (sqlite3_get_autocommit(db)) pu_die("a UNIQUE failure ended the transaction");
        break;
      }
    }
    sqlite3_bind_int64(led, 1, k);
    must_step_done(db, led, "ledger");
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) pu_die("COMMIT of transaction %lld: %s (%d)", (long long)k,
                                sqlite3_errmsg(db), sqlite3_extended_errcode(db));
    {
      report_t rep = { k, first ? pu_now_ms() - t0 : 0 };
      pu_write_all(3, &rep, sizeof rep);
      first = 0;
    }
    if (k % 4 == 0) {     /* a read snapshot outside any transaction */
      if (sqlite3_step(peek) != SQLITE_ROW) pu_die("peek: %s", sqlite3_errmsg(db));
      sqlite3_reset(peek);
    }
  }
}

/* A process that holds a read snapshot (a SELECT stepped once) and waits
 * to be killed. */
static int run_hold_reader(const char *dbpath)
{
  sqlite3 *db;
  sqlite3_stmt *st;
  char c = 'r';
  pu_name = "crashloop-reader";
  db = pu_open(dbpath, 5000);
  st = pu_prepare(db, "SELECT id FROM t");
  if (sqlite3_step(st) != SQLITE_ROW) pu_die("hold: %s", sqlite3_errmsg(db));
  pu_write_all(3, &c, 1);
  for (;;) pause();
}

/* A process that opens the database, reads, and exits. */
static int run_open(const char *dbpath)
{
  sqlite3 *db;
  pu_name = "crashloop-open";
  db = pu_open(dbpath, 5000);
  (void)pu_int(db, "SELECT count(*) FROM ledger", 0);
  pu_close(db);
  return 0;
}

/* ----------------------------------------------------------- check -- */

/* The state of the database must be the model after exactly K
 * transactions, K = R or R + 1. */
static int64_t check_state(const char *dbpath, model_t *m, uint64_t seed, int64_t R,
                           int iter, int64_t *readers_left)
{
  sqlite3 *db = pu_open(dbpath, 5000);
  sqlite3_stmt *st;
  int64_t K, id, want, n;
  char pad[256];
  int rc;

  K = pu_int(db, "SELECT coalesce(max(k), 0) FROM ledger", 0);
  if (K < R)
    pu_die("iteration %d: commit %lld was reported but max(ledger.k) is %lld: a committed "
           "transaction is lost", iter, (long long)R, (long long)K);
  if (K > R + 1)
    pu_die("iteration %d: max(ledger.k) = %lld but the last report was %lld", iter,
           (long long)K, (long long)R);
  if (K < m->k) pu_die("iteration %d: ledger went back from %lld to %lld", iter,
                       (long long)m->k, (long long)K);
  while (m->k < K) model_apply(m, seed);

  /* the ledger, row by row */
  st = pu_prepare(db, "SELECT k, nrows, sumv FROM ledger ORDER BY k");
  want = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t k = sqlite3_column_int64(st, 0);
    if (k != want) pu_die("iteration %d: ledger row %lld missing (found %lld)", iter,
                          (long long)want, (long long)k);
    if (sqlite3_column_int64(st, 1) != m->led_n[k] || sqlite3_column_int64(st, 2) != m->led_sum[k])
      pu_die("iteration %d: ledger row %lld is (%lld, %lld), expected (%lld, %lld)", iter,
             (long long)k, (long long)sqlite3_column_int64(st, 1),
             (long long)sqlite3_column_int64(st, 2), (long long)m->led_n[k],
             (long long)m->led_sum[k]);
    want++;
  }
  if (rc != SQLITE_DONE) pu_die("ledger scan: %s", sqlite3_errmsg(db));
  if (want != K + 1) pu_die("iteration %d: ledger has %lld rows, expected %lld", iter,
                            (long long)want - 1, (long long)K);
  sqlite3_finalize(st);

  /* the table, row by row and column by column */
  st = pu_prepare(db, "SELECT id, k, tag, v, pad FROM t ORDER BY id");
  id = 1;
  n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t got = sqlite3_column_int64(st, 0);
    mrow *r;
    while (id < got && id <= m->maxid) {
      if (m->rows[id].live)
        pu_die("iteration %d (K=%lld): row %lld (tag %s) missing", iter, (long long)K,
               (long long)id, m->rows[id].tag);
      id++;
    }
    if (got > m->maxid || !m->rows[got].live)
      pu_die("iteration %d (K=%lld): row %lld (tag %s, k %lld) should not exist: part of a "
             "transaction that is not (wholly) there?", iter, (long long)K, (long long)got,
             (const char *)sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 1));
    r = &m->rows[got];
    make_pad(pad, r->padk, r->padj, r->padlen);
    if (sqlite3_column_int64(st, 1) != r->k || sqlite3_column_int64(st, 3) != r->v
        || strcmp((const char *)sqlite3_column_text(st, 2), r->tag)
        || strcmp((const char *)sqlite3_column_text(st, 4), pad))
      pu_die("iteration %d (K=%lld): row %lld is (k %lld, tag %s, v %lld), expected "
             "(k %lld, tag %s, v %lld) or its pad differs", iter, (long long)K, (long long)got,
             (long long)sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
             (long long)sqlite3_column_int64(st, 3), (long long)r->k, r->tag, (long long)r->v);
    id = got + 1;
    n++;
  }
  if (rc != SQLITE_DONE) pu_die("table scan: %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  for (; id <= m->maxid; id++)
    if (m->rows[id].live) pu_die("iteration %d (K=%lld): row %lld (tag %s) missing", iter,
                                 (long long)K, (long long)id, m->rows[id].tag);
  if (n != m->nlive) pu_die("iteration %d: %lld rows, expected %lld", iter, (long long)n,
                            (long long)m->nlive);
  /* the indexes answer as the table does */
  if (pu_int(db, "SELECT count(*) FROM t WHERE v >= 0", -1) != m->nlive
      || pu_int(db, "SELECT count(*) FROM t WHERE k >= 0", -1) != m->nlive
      || pu_int(db, "SELECT count(*) FROM t WHERE tag >= ''", -1) != m->nlive)
    pu_die("iteration %d: an index scan does not count %lld rows", iter, (long long)m->nlive);
  pu_check_integrity(db, "t");
  pu_check_integrity(db, "ledger");
  /* this open ran mdb_reader_check: only our own snapshot may be left */
  *readers_left = pu_int(db, "SELECT readers FROM lmdb_stat('t') LIMIT 1", -1);
  pu_close(db);
  return K;
}

/* --------------------------------------------------- stale reader -- */

static void stat_env(sqlite3 *db, int64_t *used, int64_t *readers)
{
  sqlite3_stmt *st = pu_prepare(db, "SELECT map_used, readers FROM lmdb_stat('t') LIMIT 1");
  if (sqlite3_step(st) != SQLITE_ROW) pu_die("lmdb_stat: %s", sqlite3_errmsg(db));
  *used = sqlite3_column_int64(st, 0);
  *readers = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
}

/* n transactions that rewrite every pad (copy-on-write: each frees pages). */
static void churn(sqlite3 *db, int n)
{
  int i;
  for (i = 0; i < n; i++) {
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE t SET pad = substr(pad || '%c', 2)", 'a' + i % 26);
    pu_exec(db, sql);
  }
}

static void stale_reader_phase(const char *dbpath)
{
  int64_t used0, used1, used2, used3, r0, r1, r2, rw;
  int fds[2], status;
  char c;
  pid_t pid;
  char *args[4];
  sqlite3 *db;
  const int N = 30;

  /* baseline growth with no stale reader */
  db = pu_open(dbpath, 5000);
  churn(db, 5);
  stat_env(db, &used0, &r0);
  churn(db, N);
  stat_env(db, &used1, &r0);
  pu_close(db);

  /* a process dies holding a snapshot */
  pu_pipe(fds);
  args[0] = "crashloop"; args[1] = "--hold-reader"; args[2] = (char *)dbpath; args[3] = NULL;
  pid = pu_spawn(args, fds[1]);
  close(fds[1]);
  if (pu_read_full(fds[0], &c, 1, 10000) != 1) pu_die("the snapshot holder did not start");
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  close(fds[0]);

  /* a process that had the environment open before that: its slot stays */
  db = pu_open(dbpath, 5000);
  (void)pu_int(db, "SELECT count(*) FROM ledger", 0);   /* opens: reader check */
  stat_env(db, &used1, &r1);
  /* the open above cleared the slot; kill one more holder now that this
   * process has the environment open, and write on */
  pu_pipe(fds);
  pid = pu_spawn(args, fds[1]);
  close(fds[1]);
  if (pu_read_full(fds[0], &c, 1, 10000) != 1) pu_die("the snapshot holder did not start");
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  close(fds[0]);
  stat_env(db, &used1, &r1);             /* r1: with the stale slot */
  churn(db, N);
  stat_env(db, &used2, &rw);             /* the writer may free it when the map
                                            is half full (env.c grow-ahead) */
  /* another process opens the environment: mdb_reader_check frees the slot */
  args[1] = "--open";
  pid = pu_spawn(args, -1);
  pu_wait_ok(pid, "opener");
  stat_env(db, &used2, &r2);
  churn(db, N);
  stat_env(db, &used3, &r2);
  pu_close(db);
  pu_log("stale reader: %d rewrites of the table grow the map by %lld KiB with no stale "
         "slot; by %lld KiB while a killed process's slot pins a snapshot (readers %lld, "
         "after the rewrites %lld); by %lld KiB after another process opened the "
         "environment (readers %lld)",
         N, (long long)(used1 - used0) / 1024, (long long)(used2 - used1) / 1024,
         (long long)r1, (long long)rw, (long long)(used3 - used2) / 1024, (long long)r2);
  if (r2 >= r1)
    pu_die("opening the environment in a new process did not free the dead process's "
           "reader slot (readers %lld before, %lld after)", (long long)r1, (long long)r2);
}

/* ------------------------------------------------------------ main -- */

int main(int argc, char **argv)
{
  long iters = pu_env_long("CRASHLOOP_ITERATIONS", 50);
  long maxdelay = pu_env_long("CRASHLOOP_MAXDELAY_MS", 25);
  uint64_t seed;
  char *dir, dbpath[PATH_MAX];
  model_t m;
  pu_rng rng;
  int64_t R = 0, K = 0, readers_max = 0;
  double tstart, first_max = 0, first_sum = 0, wfirst_max = 0;
  long nfirst = 0, kills = 0, early = 0, unreported = 0, iter;
  sqlite3 *db;

  pu_name = "crashloop";
  signal(SIGPIPE, SIG_IGN);
  pu_find_ext();
  if (argc == 4 && !strcmp(argv[1], "--writer")) return run_writer(argv[2], strtoull(argv[3], NULL, 0));
  if (argc == 3 && !strcmp(argv[1], "--hold-reader")) return run_hold_reader(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "--open")) return run_open(argv[2]);
  if (argc != 1) {
    fprintf(stderr, "usage: crashloop (env: CRASHLOOP_ITERATIONS, CRASHLOOP_SEED)\n");
    return 2;
  }
  seed = (uint64_t)pu_env_long("CRASHLOOP_SEED", (long)time(NULL));
  pu_rng_seed(&rng, seed ^ 0xC0FFEE);
  pu_hang_guard((unsigned)(120 + iters * 2));
  tstart = pu_now_ms();
  memset(&m, 0, sizeof m);
  dir = pu_tmpdir("crashloop");
  snprintf(dbpath, sizeof dbpath, "%s/crash.db", dir);
  pu_log("seed %llu (CRASHLOOP_SEED), %ld iterations, kill delay 0..%ld ms, %s",
         (unsigned long long)seed, iters, maxdelay, dbpath);
  db = pu_open(dbpath, 5000);
  pu_exec(db, SCHEMA);
  pu_close(db);

  for (iter = 1; iter <= iters; iter++) {
    int fds[2], status;
    char seedbuf[32], b[64];
    char *args[5];
    pid_t pid;
    double t0, delay;
    report_t rep;
    int64_t readers_left;
    int r;

    R = K;
    pu_pipe(fds);
    snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
    args[0] = "crashloop"; args[1] = "--writer"; args[2] = dbpath; args[3] = seedbuf; args[4] = NULL;
    t0 = pu_now_ms();
    pid = pu_spawn(args, fds[1]);
    close(fds[1]);
    if (pu_below(&rng, 8) == 0) {
      /* kill at any moment of its life, start-up included */
      early++;
      pu_sleep_ms((double)pu_below(&rng, 12000) / 1000.0);
    } else {
      /* wait for the first commit, then kill after a random delay */
      r = pu_read_full(fds[0], &rep, sizeof rep, 10000);
      if (r != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        pu_die("iteration %d: the writer %s (%s)", (int)iter,
               r == 0 ? "died before its first commit" : "made no commit within 10 s (blocked?)",
               pu_status(status, b, sizeof b));
      }
      {
        double ms = pu_now_ms() - t0;
        if (ms > first_max) first_max = ms;
        if (rep.first_ms > wfirst_max) wfirst_max = rep.first_ms;
        first_sum += ms;
        nfirst++;
      }
      if (rep.k != K + 1)
        pu_die("iteration %d: first commit is %lld, after %lld", (int)iter,
               (long long)rep.k, (long long)K);
      R = rep.k;
      delay = (double)pu_below(&rng, (uint64_t)maxdelay * 1000 + 1) / 1000.0;
      pu_sleep_ms(delay);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
      pu_die("iteration %d: the writer ended by itself with %s before the kill", (int)iter,
             pu_status(status, b, sizeof b));
    kills++;
    /* every report of this round, in order: K + 1, K + 2, ... */
    while ((r = pu_read_full(fds[0], &rep, sizeof rep, 10000)) == 1) {
      if (rep.k != R + 1)
        pu_die("iteration %d: report %lld after %lld", (int)iter, (long long)rep.k, (long long)R);
      R = rep.k;
    }
    if (r < 0) pu_die("iteration %d: the killed writer's pipe did not close", (int)iter);
    close(fds[0]);
    K = check_state(dbpath, &m, seed, R, (int)iter, &readers_left);
    if (K == R + 1) unreported++;
    if (readers_left > readers_max) readers_max = readers_left;
    if (readers_left > 1)
      pu_die("iteration %d: %lld reader slots in use after opening, where only this "
             "process's own snapshot should be (a dead process's slot not freed?)",
             (int)iter, (long long)readers_left);
  }
  pu_log("%ld kills (%ld during start-up or at a random moment), %lld transactions "
         "committed, %ld committed but killed before reporting, %lld rows; every check passed",
         kills, early, (long long)K, unreported, (long long)m.nlive);
  pu_log("time from spawn to first commit after a kill: mean %.1f ms, max %.1f ms "
         "(writer-side max %.1f ms); reader slots left after open: max %lld",
         nfirst ? first_sum / nfirst : 0.0, first_max, wfirst_max, (long long)readers_max);
  db = pu_open(dbpath, 5000);
  pu_log("map: created with mapsize 256KB, now %lld KiB (grown by itself under the kills), "
         "%lld KiB used", (long long)pu_int(db, "SELECT map_size FROM lmdb_stat('t') LIMIT 1", -1) / 1024,
         (long long)pu_int(db, "SELECT map_used FROM lmdb_stat('t') LIMIT 1", -1) / 1024);
  pu_close(db);
  stale_reader_phase(dbpath);
  pu_log("PASS in %.1f s", (pu_now_ms() - tstart) / 1000);
  pu_rmtree(dir);
  free(dir);
  free(m.rows);
  free(m.led_n);
  free(m.led_sum);
  return 0;
}
