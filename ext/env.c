/*
 * env.c -- the environment registry and transactions.
 *
 * Registry.  One MDB_env per environment directory per process, keyed by
 * the directory's (st_dev, st_ino), so every spelling of it ("dir", "./dir",
 * "dir/", a symlink) shares one handle: LMDB's POSIX locks break when one
 * process opens the same lock file twice.  A global mutex guards the list;
 * handles are reference-counted.  Environments are opened with MDB_NOTLS, so
 * a read transaction is not tied to the thread that began it.
 *
 * Locks of one environment (env->mu and one condition variable, env->cv):
 *  - the in-process writer slot: at most one write transaction per
 *    environment per process.  It is taken before mdb_txn_begin, waiting up
 *    to the caller's timeout, so a second writer of the process (the same
 *    thread included) gets LVT_BUSY instead of blocking forever on LMDB's
 *    writer mutex.  Across processes LMDB's own mutex serialises writers:
 *    mdb_txn_begin blocks until the other process's write transaction ends.
 *  - the count (and list) of open read transactions, so that
 *    mdb_env_set_mapsize -- which unmaps the file -- runs only when no
 *    transaction of the process is alive.  While a remap waits for them
 *    (env->exclusive), new read transactions wait for the remap.
 *
 * Map growth.  A write transaction does not see MDB_MAP_FULL:
 *  - at write begin, when the used size (last page times page size) passes
 *    half the map and no read transaction is open, the map doubles;
 *  - every write goes through lvt_txn_put / _del / _drop / _dbi, which append
 *    the operation (kind, dbi, flags, key bytes, value bytes; layout at
 *    lvt_rec) to the log of the current nesting level.  A committed child's
 *    log is appended to its parent's, an aborted child's is freed.  When
 *    LMDB says MDB_MAP_FULL (from a write, or from mdb_txn_commit) the whole
 *    LMDB transaction chain is aborted, the map grows to at least twice its
 *    size and at least the used size plus four times the logged bytes, a
 *    fresh LMDB transaction is begun for every nesting level, each level's
 *    log is replayed into it, and the failed operation is retried.  The
 *    generation (lvt_txn_gen) changes: cursors and data pointers died.
 *  - the remap waits until no other transaction of the process is open, up
 *    to max(the write transaction's timeout, LVT_GROW_WAIT_MS); it fails at
 *    once when the calling thread itself holds a read transaction.  When the
 *    map cannot grow the operation fails with LVT_FULL and the transaction
 *    goes on at the old size (replayed), to be rolled back or committed.
 *  - while the map grows, LMDB's writer lock is released.  If another
 *    process commits in that window the snapshot the transaction was built
 *    on is gone: the transaction is lost with LVT_BUSY (retry it, as after
 *    SQLITE_BUSY); lvt_txn_mdb() then returns NULL and every operation but
 *    commit/abort repeats the error.
 *  - MDB_MAP_RESIZED (another process grew the map) is handled at begin by
 *    mdb_env_set_mapsize(env, 0) with no transaction open, then a retry.
 *  - a data file that cannot grow (ENOSPC, EFBIG, EDQUOT) fails the commit
 *    with LVT_FULL; LMDB has then written nothing visible.
 *  Memory: the log holds a copy of every key and value written, plus 24
 *  bytes per operation, until the transaction ends: a 1 GiB bulk load keeps
 *  about 1 GiB of log.
 *
 * Read transaction pool.  mdb_txn_begin of a read transaction allocates
 * and zeroes arrays sized by maxdbs and takes LMDB's reader-table mutex for
 * a slot; a statement in autocommit begins one every time.  So an ended
 * read transaction is mdb_txn_reset (its snapshot released: mr_txnid = -1,
 * so writers no longer keep its pages; the slot stays ours, MDB_NOTLS) and
 * kept in env->pool (at most LVT_POOL_MAX), and the next read transaction
 * of any thread takes it and calls mdb_txn_renew, which takes a new
 * snapshot exactly as mdb_txn_begin would (same code in LMDB,
 * mdb_txn_renew0: the handle count and flags are copied from the
 * environment again, every sub-database record is marked stale).  Safety:
 *  - a pooled MDB_txn belongs to nobody: it enters the pool only after
 *    mdb_txn_reset, when its lvt_txn is done with it, and leaves it under
 *    env->mu into exactly one lvt_txn (pop and push both hold env->mu);
 *    so no two transactions ever share a reader slot, whose mr_txnid is
 *    what protects a snapshot's pages from the writer;
 *  - it leaves the pool in env_reader_enter, under the same lock that
 *    counts the reader in, so a remap (which waits for the count to be 0)
 *    never runs between the pop and the renew; the pool is emptied before
 *    every remap and at close (env_pool_drain);
 *  - a renew that fails (MDB_MAP_RESIZED, MDB_BAD_RSLOT after fork) aborts
 *    the pooled transaction and falls back to mdb_txn_begin;
 *  - an idle pooled slot shows txnid "-" in mdb_reader_list, which
 *    lvt_env_info_get does not count as a reader.
 *
 * Sub-database handles (DBIs).  LMDB: mdb_dbi_open must not be called by two
 * transactions that overlap in time; a handle becomes visible to other
 * transactions when the one that opened it commits; aborting it closes the
 * handle.  The rules here:
 *  1. only write transactions (one at a time, by the writer slot) and the
 *     short "refresh" read transaction, run while holding the writer slot,
 *     call mdb_dbi_open.  Ordinary read transactions never do.
 *  2. opening an environment opens every existing sub-database (refresh), so
 *     readers find their handles.  A read transaction whose snapshot has
 *     more sub-databases than there are handles (another process created
 *     some) refreshes first, when the writer slot is free.
 *  3. a read transaction uses a cached handle only when LMDB says it is valid
 *     in that transaction (mdb_dbi_flags), i.e. published before it began.
 *     Otherwise: LVT_NOTFOUND when the name is not in its snapshot, LVT_BUSY
 *     (retry in a new transaction) in the rare case where it is but its
 *     handle was published later.
 *  4. a handle opened by a write transaction belongs to the nesting level
 *     that opened it until the outermost commit publishes it; aborting that
 *     level forgets it (LMDB closed it).
 *  5. deleting a sub-database (lvt_txn_drop, del = 1) empties it and leaves a
 *     tombstone; the sub-database record and its handle are removed later by
 *     a small write transaction of its own, run at the start of a write
 *     transaction once no read transaction that could still see the
 *     sub-database is open.  So no handle is closed while a write
 *     transaction is alive, and a replay gets the same handle numbers.
 */
#include "lvt_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define LVT_MAXDBS 512                 /* handles per environment */
#define LVT_MAPSIZE_DEFAULT ((size_t)64 << 20)
#define LVT_GROW_WAIT_MS 5000          /* least wait for readers to go */
#define LVT_GROW_TRIES 8               /* remaps for one operation */
#define LVT_LOG_CHUNK_MIN ((size_t)4 << 10)
#define LVT_LOG_CHUNK_MAX ((size_t)1 << 20)
#define LVT_MIB ((size_t)1 << 20)
#define LVT_POOL_MAX 8                 /* reset read transactions kept */

/* ------------------------------------------------------------ types -- */

/* One block of the write log. */
typedef struct lvt_chunk {
  struct lvt_chunk *next;
  size_t used;                 /* bytes of whole records */
  size_t cap;
  unsigned char data[];
} lvt_chunk;

/* The log of one nesting level: records back to back in chunks. */
typedef struct lvt_log {
  lvt_chunk *head, *tail;
  size_t bytes;                /* sum of record sizes */
} lvt_log;

/* Record kinds. */
enum { LOG_PUT = 1, LOG_DEL, LOG_DROP, LOG_OPEN };

/* Record header, copied (unaligned) in front of the key bytes and value
 * bytes.  LOG_PUT: dbi, mdb_put flags, key, value.  LOG_DEL: dbi, key.
 * LOG_DROP: dbi (always emptied, never deleted: rule 5).  LOG_OPEN: the
 * handle number LMDB gave, mdb_dbi_open flags, key = name with its NUL. */
typedef struct lvt_rec {
  uint32_t kind, dbi, flags, klen;
  uint64_t vlen;
} lvt_rec;

/* One operation, as logged and applied. */
typedef struct lvt_op {
  unsigned kind;
  MDB_dbi dbi;                 /* LOG_OPEN: set by op_apply */
  unsigned flags;
  MDB_val key, val;
  MDB_cursor *cur;             /* LOG_PUT: put through this cursor of the
                                  current MDB_txn on dbi (never logged; NULL
                                  once the MDB_txn was replaced) */
  int mrc;                     /* LMDB's result */
} lvt_op;

/* A cached handle; the slot number is its index in env->dbis. */
typedef struct lvt_dbient {
  char *name;                  /* NULL: slot not ours */
  lvt_txn *owner;              /* level that opened it; NULL once published */
  lvt_txn *dropper;            /* level that dropped it, not yet committed */
  int tomb;                    /* dropped by a committed transaction */
  int wtomb;                   /* tomb as the write transaction sees it
                                  (0 once it created the name again) */
  uint64_t tomb_epoch;         /* env->epoch of that commit */
} lvt_dbient;

/* The state of a handle before a level dropped or revived it. */
typedef struct lvt_undo {
  MDB_dbi dbi;
  lvt_txn *dropper;
  int wtomb;
} lvt_undo;

struct lvt_env {
  lvt_env *next;               /* registry list */
  dev_t dev;
  ino_t ino;
  char *path;
  int refs;
  MDB_env *menv;
  int sync;
  unsigned flags;
  unsigned psize;
  MDB_dbi main_dbi;            /* the unnamed database: sub-database names */
  int broken;                  /* a remap failed: LMDB has no map */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int writer;                  /* writer slot taken */
  pthread_t writer_thread;     /* by this thread */
  int exclusive;               /* a remap is waiting or running */
  unsigned nreaders;           /* open read transactions */
  lvt_txn *readers;            /* list of the ones begun by lvt_txn_begin */
  uint64_t epoch;              /* counts commits that dropped sub-databases */
  int refresh_wanted;
  unsigned nknown;             /* published handles (tombstones included) */
  unsigned nskip;              /* main-database keys a refresh could not open */
  MDB_txn *pool[LVT_POOL_MAX]; /* reset read transactions (see txn_pool_take) */
  unsigned npool;
  lvt_dbient dbis[LVT_MAXDBS];
};

struct lvt_txn {
  lvt_env *env;
  lvt_txn *root, *parent, *child;
  MDB_txn *mtxn;
  int rdonly;
  /* read-only */
  uint64_t epoch;              /* env->epoch before it began */
  pthread_t thread;
  lvt_txn *rnext, *rprev;
  /* write, each level */
  lvt_log log;
  lvt_undo *undo;
  size_t nundo, capundo;
  /* write, root only */
  unsigned gen;
  int timeout_ms;
  size_t txnid;
  int dead;                    /* LVT code once the transaction is lost */
  char dead_msg[240];
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static lvt_env *registry;
static atomic_uint gen_seq;    /* generations, unique in the process */

/* ---------------------------------------------------------- helpers -- */

/* An absolute CLOCK_MONOTONIC time `ms` milliseconds from now, for
 * pthread_cond_timedwait on env->cv (created with that clock). */
static void deadline_in(struct timespec *ts, int ms)
{
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* a + b, or SIZE_MAX on overflow. */
static size_t sat_add(size_t a, size_t b)
{
  return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* a * k, or SIZE_MAX on overflow. */
static size_t sat_mul(size_t a, size_t k)
{
  return k && a > SIZE_MAX / k ? SIZE_MAX : a * k;
}

/* n rounded up to a whole MiB (saturating). */
static size_t round_mib(size_t n)
{
  size_t r = sat_add(n, LVT_MIB - 1);
  return r == SIZE_MAX ? SIZE_MAX & ~(LVT_MIB - 1) : r & ~(LVT_MIB - 1);
}

/* Nonzero when `size` bytes of address space can be mapped right now: a
 * remap that fails leaves LMDB without a map, so ask the kernel first. */
static int map_possible(size_t size)
{
  void *p = mmap(NULL, size, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return 0;
  munmap(p, size);
  return 1;
}

/* The innermost open level of the chain txn belongs to: writes and reads
 * through any level of a chain go to its current savepoint. */
static lvt_txn *txn_top(lvt_txn *txn)
{
  while (txn->child) txn = txn->child;
  return txn;
}

/* The sync option's name, for messages. */
static const char *sync_name(int sync)
{
  return sync == LVT_SYNC_FULL ? "full" : sync == LVT_SYNC_NORMAL ? "normal" : "off";
}

/* -------------------------------------------------------------- log -- */

/* Make room for one record of n bytes at the tail of log.  0, or -1 when
 * out of memory (log unchanged).  Chunks grow from 4 KiB to 1 MiB, so a
 * small transaction costs little; a bigger record gets a chunk its size. */
static int log_reserve(lvt_log *log, size_t n)
{
  lvt_chunk *c;
  size_t cap = log->tail ? log->tail->cap * 2 : LVT_LOG_CHUNK_MIN;

  if (log->tail && log->tail->cap - log->tail->used >= n) return 0;
  if (cap > LVT_LOG_CHUNK_MAX) cap = LVT_LOG_CHUNK_MAX;
  if (cap < n) cap = n;
  c = lvt_malloc(sizeof *c + cap);
  if (c == NULL) return -1;
  c->next = NULL;
  c->used = 0;
  c->cap = cap;
  if (log->tail) log->tail->next = c;
  else log->head = c;
  log->tail = c;
  return 0;
}

/* Copy op into the space log_reserve made, without counting it yet.
 * Returns the record's address. */
static unsigned char *log_stage(lvt_log *log, const lvt_op *op)
{
  unsigned char *p = log->tail->data + log->tail->used;
  lvt_rec h;

  h.kind = op->kind;
  h.dbi = op->dbi;
  h.flags = op->flags;
  h.klen = (uint32_t)op->key.mv_size;
  h.vlen = op->val.mv_size;
  memcpy(p, &h, sizeof h);
  if (op->key.mv_size) memcpy(p + sizeof h, op->key.mv_data, op->key.mv_size);
  if (op->val.mv_size)
    memcpy(p + sizeof h + op->key.mv_size, op->val.mv_data, op->val.mv_size);
  return p;
}

/* Read the record at p into op (key and value point into the log); its
 * size goes to *n. */
static void log_read(const unsigned char *p, lvt_op *op, size_t *n)
{
  lvt_rec h;

  memcpy(&h, p, sizeof h);
  op->cur = NULL;
  op->kind = h.kind;
  op->dbi = h.dbi;
  op->flags = h.flags;
  op->key.mv_size = h.klen;
  op->key.mv_data = (void *)(p + sizeof h);
  op->val.mv_size = (size_t)h.vlen;
  op->val.mv_data = (void *)(p + sizeof h + h.klen);
  *n = sizeof h + h.klen + (size_t)h.vlen;
}

/* Count the staged record at rec (n bytes) as logged, with the handle
 * number the operation used. */
static void log_keep(lvt_log *log, unsigned char *rec, size_t n, MDB_dbi dbi)
{
  uint32_t d = dbi;
  memcpy(rec + offsetof(lvt_rec, dbi), &d, sizeof d);
  log->tail->used += n;
  log->bytes += n;
}

/* Append every record of `from` after those of `to` (a committed child's
 * log into its parent's); `from` is left empty. */
static void log_splice(lvt_log *to, lvt_log *from)
{
  if (from->head == NULL) return;
  if (to->tail) to->tail->next = from->head;
  else to->head = from->head;
  to->tail = from->tail;
  to->bytes += from->bytes;
  memset(from, 0, sizeof *from);
}

/* Free a log's memory; it is an empty log again. */
static void log_free(lvt_log *log)
{
  lvt_chunk *c = log->head, *next;

  for (; c; c = next) {
    next = c->next;
    lvt_free(c);
  }
  memset(log, 0, sizeof *log);
}

/* Apply op to the LMDB transaction m; returns LMDB's code.  LOG_OPEN sets
 * op->dbi. */
static int op_apply(MDB_txn *m, lvt_op *op)
{
  MDB_val v = op->val;

  switch (op->kind) {
  case LOG_PUT:  return op->cur ? mdb_cursor_put(op->cur, &op->key, &v, op->flags)
                                : mdb_put(m, op->dbi, &op->key, &v, op->flags);
  case LOG_DEL:  return mdb_del(m, op->dbi, &op->key, NULL);
  case LOG_DROP: return mdb_drop(m, op->dbi, 0);
  case LOG_OPEN: return mdb_dbi_open(m, op->key.mv_data, op->flags, &op->dbi);
  default:       return EINVAL;
  }
}

/* Replay t's log into t->mtxn.  Returns 0 or LMDB's code (MDB_MAP_FULL:
 * the map is still too small; MDB_BAD_DBI: a handle came back with another
 * number, which rule 5 of the header comment rules out). */
static int log_replay(lvt_txn *t)
{
  lvt_chunk *c;
  lvt_op op;
  size_t off, n;
  MDB_dbi want;
  int mrc;

  for (c = t->log.head; c; c = c->next) {
    for (off = 0; off < c->used; off += n) {
      log_read(c->data + off, &op, &n);
      want = op.dbi;
      mrc = op_apply(t->mtxn, &op);
      if (mrc == 0 && op.dbi != want) mrc = MDB_BAD_DBI;
      if (mrc) return mrc;
    }
  }
  return 0;
}

/* ---------------------------------------------------------- readers -- */

/* Count a read transaction in (t may be NULL for internal ones), waiting
 * out a remap.  t records the epoch and its thread, and takes a reset
 * MDB_txn from the pool into t->mtxn when there is one (see the top). */
static void env_reader_enter(lvt_env *env, lvt_txn *t)
{
  pthread_mutex_lock(&env->mu);
  while (env->exclusive) pthread_cond_wait(&env->cv, &env->mu);
  env->nreaders++;
  if (t) {
    t->mtxn = env->npool > 0 ? env->pool[--env->npool] : NULL;
    t->epoch = env->epoch;
    t->thread = pthread_self();
    t->rprev = NULL;
    t->rnext = env->readers;
    if (env->readers) env->readers->rprev = t;
    env->readers = t;
  }
  pthread_mutex_unlock(&env->mu);
}

/* Count a read transaction out and wake a remap that waits.  keep: a
 * reset MDB_txn (mdb_txn_reset done, nothing of it used any more) that
 * goes back to the pool, or is aborted when the pool is full. */
static void env_reader_leave(lvt_env *env, lvt_txn *t, MDB_txn *keep)
{
  pthread_mutex_lock(&env->mu);
  env->nreaders--;
  if (t) {
    if (t->rprev) t->rprev->rnext = t->rnext;
    else env->readers = t->rnext;
    if (t->rnext) t->rnext->rprev = t->rprev;
  }
  if (keep && env->npool < LVT_POOL_MAX && !env->broken) {
    env->pool[env->npool++] = keep;
    keep = NULL;
  }
  pthread_cond_broadcast(&env->cv);
  pthread_mutex_unlock(&env->mu);
  if (keep) mdb_txn_abort(keep);
}

/* With env->mu held: abort every pooled read transaction (before a remap
 * and at close; a reset MDB_txn holds no pointer into the map, but the
 * pool is emptied anyway so that nothing of it outlives the old map). */
static void env_pool_drain(lvt_env *env)
{
  while (env->npool > 0) mdb_txn_abort(env->pool[--env->npool]);
}

/* With env->mu held: wait up to wait_ms for every read transaction of the
 * process to end.  0 when none is left, 1 when the calling thread holds one
 * (waiting would only time out), 2 on timeout. */
static int env_wait_readers(lvt_env *env, int wait_ms)
{
  struct timespec dl;
  pthread_t self = pthread_self();
  lvt_txn *r;

  deadline_in(&dl, wait_ms);
  while (env->nreaders > 0) {
    for (r = env->readers; r; r = r->rnext)
      if (pthread_equal(r->thread, self)) return 1;
    if (pthread_cond_timedwait(&env->cv, &env->mu, &dl) == ETIMEDOUT)
      return env->nreaders > 0 ? 2 : 0;
  }
  return 0;
}

/* ------------------------------------------------------ writer slot -- */

/* Take the in-process writer slot, waiting up to timeout_ms (0: no wait,
 * <0: forever, except when the calling thread holds it: that wait could
 * never end).  Nonzero when taken; the caller releases it. */
static int env_writer_acquire(lvt_env *env, int timeout_ms)
{
  struct timespec dl;
  int got = 0;

  if (timeout_ms > 0) deadline_in(&dl, timeout_ms);
  pthread_mutex_lock(&env->mu);
  if (env->writer && timeout_ms < 0 && pthread_equal(env->writer_thread, pthread_self()))
    timeout_ms = 0;
  while (env->writer && timeout_ms != 0) {
    if (timeout_ms < 0) pthread_cond_wait(&env->cv, &env->mu);
    else if (pthread_cond_timedwait(&env->cv, &env->mu, &dl) == ETIMEDOUT) break;
  }
  if (!env->writer) {
    env->writer = got = 1;
    env->writer_thread = pthread_self();
  }
  pthread_mutex_unlock(&env->mu);
  return got;
}

/* Release the writer slot and wake whoever waits for it. */
static void env_writer_release(lvt_env *env)
{
  pthread_mutex_lock(&env->mu);
  env->writer = 0;
  pthread_cond_broadcast(&env->cv);
  pthread_mutex_unlock(&env->mu);
}

/* ------------------------------------------------------------ remap -- */

/* With env->mu held and no transaction of the process alive: remap to size
 * bytes (0: the size the file's meta page records).  A failure inside LMDB
 * leaves it without a map, so the environment is then marked broken. */
static int env_set_mapsize(lvt_env *env, size_t size)
{
  int mrc;

  if (size && !map_possible(size))
    return lvt_err_set(LVT_FULL, "%s: the map cannot grow to %zu bytes: "
                       "no address space left", env->path, size);
  env_pool_drain(env);
  mrc = mdb_env_set_mapsize(env->menv, size);
  if (mrc == 0) return LVT_OK;
  env->broken = 1;
  return lvt_err_set(LVT_IOERR, "%s: remapping to %zu bytes failed (%s); the "
                     "environment is unusable until it is closed and reopened",
                     env->path, size, mdb_strerror(mrc));
}

/* Remap to `size` bytes (0: adopt the size another process set, after
 * MDB_MAP_RESIZED).  The caller holds the writer slot and no LMDB
 * transaction of env.  Waits up to wait_ms for the process's read
 * transactions to end.  LVT_OK, or LVT_FULL (growing) / LVT_BUSY (adopting)
 * with a message saying why. */
static int env_remap(lvt_env *env, size_t size, int wait_ms)
{
  int w, rc = LVT_OK;
  unsigned n;

  pthread_mutex_lock(&env->mu);
  env->exclusive = 1;
  w = env_wait_readers(env, wait_ms);
  n = env->nreaders;
  if (w == 0) rc = env_set_mapsize(env, size);
  env->exclusive = 0;
  pthread_cond_broadcast(&env->cv);
  pthread_mutex_unlock(&env->mu);
  if (w == 0) return rc;
  if (size == 0)
    return lvt_err_set(LVT_BUSY, "%s: another process grew the map; it can be "
                       "remapped only when no transaction of this process is "
                       "open, and %u still %s", env->path, n,
                       w == 1 ? "is, in this thread" : "are (timed out)");
  return lvt_err_set(LVT_FULL, "%s: the map is full and could not grow to %zu "
                     "bytes while %u other transaction(s) of this process %s "
                     "open; end them and retry", env->path, size, n,
                     w == 1 ? "are (this thread holds a read transaction)"
                            : "stayed (timed out)");
}

/* Grow the map ahead of a write transaction when more than half of it is
 * used and no read transaction is open; no waiting.  Caller holds the
 * writer slot.  Best effort. */
static void env_grow_ahead(lvt_env *env)
{
  MDB_envinfo info;
  size_t used, target;

  pthread_mutex_lock(&env->mu);
  if (env->nreaders == 0 && mdb_env_info(env->menv, &info) == 0) {
    used = sat_mul((size_t)info.me_last_pgno + 1, env->psize);
    if (used > info.me_mapsize / 2) {
      /* A reader slot of a process that died pins its snapshot's pages,
       * so writes take new pages and the file grows: free such slots
       * before growing (LMDB otherwise clears them only at open). */
      int dead = 0;
      mdb_reader_check(env->menv, &dead);
      target = round_mib(sat_mul(info.me_mapsize > used ? info.me_mapsize : used, 2));
      (void)env_set_mapsize(env, target);
    }
  }
  pthread_mutex_unlock(&env->mu);
}

/* ------------------------------------------------------- DBI cache -- */

/* With env->mu held: the cache entry named `name`, or NULL. */
static lvt_dbient *dbi_find(lvt_env *env, const char *name, MDB_dbi *slot)
{
  MDB_dbi i;

  for (i = 0; i < LVT_MAXDBS; i++) {
    if (env->dbis[i].name && strcmp(env->dbis[i].name, name) == 0) {
      *slot = i;
      return &env->dbis[i];
    }
  }
  return NULL;
}

/* With env->mu held: forget entry e (its handle is closed or never was). */
static void dbi_forget(lvt_env *env, lvt_dbient *e)
{
  if (e->owner == NULL) env->nknown--;
  lvt_free(e->name);
  memset(e, 0, sizeof *e);
}

/* Make room for n more undo records in level t.  0, or -1 out of memory. */
static int undo_reserve(lvt_txn *t, size_t n)
{
  lvt_undo *u;
  size_t cap = t->capundo ? t->capundo : 8;

  if (t->nundo + n <= t->capundo) return 0;
  while (cap < t->nundo + n) cap *= 2;
  u = lvt_realloc(t->undo, cap * sizeof *u);
  if (u == NULL) return -1;
  t->undo = u;
  t->capundo = cap;
  return 0;
}

/* With env->mu held and room reserved: remember entry `slot`'s drop state
 * in level t before t changes it. */
static void undo_push(lvt_txn *t, lvt_env *env, MDB_dbi slot)
{
  lvt_undo *u = &t->undo[t->nundo++];

  u->dbi = slot;
  u->dropper = env->dbis[slot].dropper;
  u->wtomb = env->dbis[slot].wtomb;
}

/* Level t ends without its changes (abort, or a lost transaction): undo
 * its drops and revivals, forget the handles it opened (LMDB closed them). */
static void dbi_level_abort(lvt_txn *t)
{
  lvt_env *env = t->env;
  lvt_dbient *e;
  MDB_dbi i;

  pthread_mutex_lock(&env->mu);
  while (t->nundo > 0) {
    lvt_undo *u = &t->undo[--t->nundo];
    e = &env->dbis[u->dbi];
    e->dropper = u->dropper;
    e->wtomb = u->wtomb;
  }
  for (i = 0; i < LVT_MAXDBS; i++)
    if (env->dbis[i].name && env->dbis[i].owner == t) dbi_forget(env, &env->dbis[i]);
  pthread_mutex_unlock(&env->mu);
}

/* Committed child c hands its handles, drops and undo records to its
 * parent (room for the records was reserved before the commit). */
static void dbi_child_commit(lvt_txn *c)
{
  lvt_env *env = c->env;
  lvt_txn *p = c->parent;
  MDB_dbi i;

  pthread_mutex_lock(&env->mu);
  for (i = 0; i < LVT_MAXDBS; i++) {
    if (env->dbis[i].owner == c) env->dbis[i].owner = p;
    if (env->dbis[i].dropper == c) env->dbis[i].dropper = p;
  }
  if (c->nundo) memcpy(p->undo + p->nundo, c->undo, c->nundo * sizeof *c->undo);
  p->nundo += c->nundo;
  c->nundo = 0;
  pthread_mutex_unlock(&env->mu);
}

/* The outermost level r committed: its handles are published, its drops
 * become tombstones of a new epoch, its revivals of tombstones stand. */
static void dbi_root_commit(lvt_txn *r)
{
  lvt_env *env = r->env;
  lvt_dbient *e;
  MDB_dbi i;
  int dropped = 0;

  pthread_mutex_lock(&env->mu);
  for (i = 0; i < LVT_MAXDBS; i++) {
    e = &env->dbis[i];
    if (e->name == NULL) continue;
    if (e->owner == r) {
      e->owner = NULL;
      env->nknown++;
    }
    if (e->dropper == r) {
      e->dropper = NULL;
      e->tomb = e->wtomb = 1;
      e->tomb_epoch = env->epoch + 1;
      dropped = 1;
    }
    e->tomb = e->wtomb;
  }
  if (dropped) env->epoch++;
  r->nundo = 0;
  pthread_mutex_unlock(&env->mu);
}

/* ---------------------------------------------------------- refresh -- */

/* List the names in the main database of m that have no cached handle
 * (NUL-free keys only).  The caller frees the array and its strings. */
static int refresh_names(lvt_env *env, MDB_txn *m, char ***out, size_t *nout)
{
  MDB_cursor *cur;
  MDB_val k, v;
  MDB_dbi slot;
  char **names = NULL, **nn, *s;
  size_t n = 0;
  int mrc, rc = LVT_OK;

  mrc = mdb_cursor_open(m, env->main_dbi, &cur);
  if (mrc) return lvt_err_mdb(mrc, "listing sub-databases");
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && rc == LVT_OK;
       mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (memchr(k.mv_data, 0, k.mv_size)) continue;
    if ((s = lvt_malloc(k.mv_size + 1)) == NULL) { rc = LVT_NOMEM; break; }
    memcpy(s, k.mv_data, k.mv_size);
    s[k.mv_size] = '\0';
    pthread_mutex_lock(&env->mu);
    if (dbi_find(env, s, &slot)) { lvt_free(s); s = NULL; }
    pthread_mutex_unlock(&env->mu);
    if (s == NULL) continue;
    if ((nn = lvt_realloc(names, (n + 1) * sizeof *nn)) == NULL) { lvt_free(s); rc = LVT_NOMEM; break; }
    names = nn;
    names[n++] = s;
  }
  mdb_cursor_close(cur);
  *out = names;
  *nout = n;
  return rc == LVT_NOMEM ? lvt_err_set(rc, "%s: out of memory listing sub-databases",
                                       env->path) : rc;
}

/* Open every name of names[0..n-1] in m; slots[i] gets the handle, or
 * LVT_MAXDBS when the key is not a sub-database or no handle is left.
 * Returns the number of keys that could not be opened. */
static unsigned refresh_open(MDB_txn *m, char **names, size_t n, MDB_dbi *slots)
{
  size_t i;
  unsigned skipped = 0;
  int mrc = 0;

  for (i = 0; i < n; i++) {
    slots[i] = LVT_MAXDBS;
    if (mrc != MDB_DBS_FULL) mrc = mdb_dbi_open(m, names[i], 0, &slots[i]);
    if (mrc || slots[i] >= LVT_MAXDBS) {
      slots[i] = LVT_MAXDBS;
      skipped++;
    }
  }
  return skipped;
}

/* Publish the handles a committed refresh opened (names move into the
 * cache; the rest are freed). */
static void refresh_publish(lvt_env *env, char **names, size_t n,
                            const MDB_dbi *slots, unsigned skipped)
{
  size_t i;

  pthread_mutex_lock(&env->mu);
  for (i = 0; i < n; i++) {
    if (slots[i] < LVT_MAXDBS && env->dbis[slots[i]].name == NULL) {
      env->dbis[slots[i]].name = names[i];
      env->nknown++;
    } else {
      lvt_free(names[i]);
    }
  }
  env->nskip = skipped;
  env->refresh_wanted = 0;
  pthread_mutex_unlock(&env->mu);
}

/* Open a handle for every sub-database that has none yet, in a short read
 * transaction that commits, so the handles are published for every
 * transaction that begins afterwards (rule 2).  mdb_dbi_open(NULL) also
 * sets the main database's comparator, which mdb_get on it needs.  The caller holds the writer
 * slot, or is lvt_env_open before anyone else can see env. */
static int env_refresh(lvt_env *env)
{
  MDB_txn *m = NULL;
  MDB_dbi *slots = NULL;
  char **names = NULL;
  size_t n = 0;
  unsigned skipped;
  int mrc, rc;

  env_reader_enter(env, NULL);
  mrc = mdb_txn_begin(env->menv, NULL, MDB_RDONLY, &m);
  if (mrc == 0) mrc = mdb_dbi_open(m, NULL, 0, &env->main_dbi);
  if (mrc) {
    if (m) mdb_txn_abort(m);
    env_reader_leave(env, NULL, NULL);
    return lvt_err_mdb(mrc, "beginning a read transaction to open sub-databases");
  }
  rc = refresh_names(env, m, &names, &n);
  if (rc == LVT_OK && n && (slots = lvt_malloc(n * sizeof *slots)) == NULL)
    rc = lvt_err_set(LVT_NOMEM, "%s: out of memory opening sub-databases", env->path);
  skipped = rc == LVT_OK ? refresh_open(m, names, n, slots) : 0;
  mdb_txn_commit(m);               /* a read-only commit keeps the handles */
  env_reader_leave(env, NULL, NULL);
  if (rc == LVT_OK) refresh_publish(env, names, n, slots, skipped);
  else while (n > 0) lvt_free(names[--n]);
  lvt_free(names);
  lvt_free(slots);
  return rc;
}

/* Nonzero when read transaction m sees sub-databases without a handle. */
static int refresh_needed(lvt_env *env, MDB_txn *m)
{
  MDB_stat st;
  int need;

  if (mdb_stat(m, env->main_dbi, &st) != 0) return 0;
  pthread_mutex_lock(&env->mu);
  need = env->refresh_wanted || st.ms_entries > (size_t)env->nknown + env->nskip;
  pthread_mutex_unlock(&env->mu);
  return need;
}

/* ------------------------------------------------------------ purge -- */

/* With env->mu held: the tombstones no open read transaction can still
 * see (each reader began after the drop committed), into slots. */
static size_t purge_candidates(lvt_env *env, MDB_dbi *slots)
{
  uint64_t oldest = UINT64_MAX;
  lvt_txn *r;
  size_t n = 0;
  MDB_dbi i;

  for (r = env->readers; r; r = r->rnext)
    if (r->epoch < oldest) oldest = r->epoch;
  for (i = 0; i < LVT_MAXDBS; i++)
    if (env->dbis[i].name && env->dbis[i].tomb && env->dbis[i].tomb_epoch <= oldest)
      slots[n++] = i;
  return n;
}

/* Delete the tombstoned sub-databases that nobody can see any more, in a
 * small write transaction of their own (rule 5).  Runs at write begin with
 * the writer slot held.  Best effort: on failure they stay, empty, and are
 * tried again later. */
static void env_purge(lvt_env *env)
{
  MDB_dbi slots[LVT_MAXDBS];
  MDB_txn *m;
  size_t n, i, done = 0;
  int mrc = 0;

  pthread_mutex_lock(&env->mu);
  n = purge_candidates(env, slots);
  pthread_mutex_unlock(&env->mu);
  if (n == 0 || mdb_txn_begin(env->menv, NULL, 0, &m) != 0) return;
  for (i = 0; i < n && mrc == 0; i++)
    if ((mrc = mdb_drop(m, slots[i], 1)) == 0) done++;
  if (mrc) mdb_txn_abort(m);
  else mrc = mdb_txn_commit(m);
  pthread_mutex_lock(&env->mu);
  for (i = 0; i < done; i++)       /* mdb_drop closed these handles */
    dbi_forget(env, &env->dbis[slots[i]]);
  if (mrc) env->refresh_wanted = 1;
  pthread_mutex_unlock(&env->mu);
}

/* ----------------------------------------------------- environments -- */

/* Check that path is a directory, creating it (mode 0777 & ~umask) when
 * `create` and it is missing; *st receives its identity. */
static int env_dir(const char *path, int create, struct stat *st)
{
  if (stat(path, st) != 0) {
    if (errno != ENOENT)
      return lvt_err_set(LVT_IOERR, "cannot open environment %s: %s", path,
                         strerror(errno));
    if (!create)
      return lvt_err_set(LVT_NOTFOUND, "no environment directory %s (and "
                         "LVT_ENV_CREATE not given)", path);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      return lvt_err_set(errno == ENOENT ? LVT_NOTFOUND : LVT_IOERR,
                         "cannot create environment directory %s: %s", path,
                         strerror(errno));
    if (stat(path, st) != 0)
      return lvt_err_set(LVT_IOERR, "cannot open environment %s: %s", path,
                         strerror(errno));
  }
  if (!S_ISDIR(st->st_mode))
    return lvt_err_set(LVT_IOERR, "environment path %s is not a directory", path);
  return LVT_OK;
}

/* Describe a failed mdb_env_open of path. */
static int env_open_error(int mrc, const char *path, int rdonly)
{
  switch (mrc) {
  case ENOENT:
    return lvt_err_set(LVT_NOTFOUND, "no LMDB environment in %s%s", path,
                       rdonly ? " (opened read-only, so none is created)" : "");
  case EACCES: case EPERM: case EROFS:
    return lvt_err_set(LVT_IOERR, "cannot open environment %s: %s", path,
                       mdb_strerror(mrc));
  case MDB_INVALID:
    return lvt_err_set(LVT_CORRUPT, "%s/data.mdb is not an LMDB environment", path);
  case MDB_VERSION_MISMATCH:
    return lvt_err_set(LVT_VERSION, "%s was written by an incompatible LMDB "
                       "version (this is %s)", path, MDB_VERSION_STRING);
  default: {
    char what[300];
    snprintf(what, sizeof what, "opening environment %s", path);
    return lvt_err_mdb(mrc, what);
  }
  }
}

/* Set the map size after opening: the larger of the size stored in the
 * environment and the requested one (default LVT_MAPSIZE_DEFAULT). */
static int env_mapsize_init(lvt_env *env, size_t want)
{
  MDB_envinfo info;
  MDB_stat st;
  int mrc;

  if (want == 0) want = LVT_MAPSIZE_DEFAULT;
  mrc = mdb_env_stat(env->menv, &st);
  if (mrc == 0) mrc = mdb_env_info(env->menv, &info);
  if (mrc == 0) env->psize = st.ms_psize;
  if (mrc == 0 && want > info.me_mapsize) {
    want = sat_add(want, (size_t)st.ms_psize - 1) / st.ms_psize * st.ms_psize;
    mrc = mdb_env_set_mapsize(env->menv, want);
  }
  if (mrc == 0) return LVT_OK;
  return lvt_err_set(mrc == ENOMEM ? LVT_NOMEM : LVT_IOERR, "%s: cannot set the "
                     "map size to %zu bytes: %s", env->path, want, mdb_strerror(mrc));
}

/* Create and open the MDB_env of env (path, sync and flags already set). */
static int env_mdb_open(lvt_env *env, size_t mapsize)
{
  unsigned fl = MDB_NOTLS;
  int mrc, dead;

  if (env->sync == LVT_SYNC_NORMAL) fl |= MDB_NOMETASYNC;
  if (env->sync == LVT_SYNC_OFF) fl |= MDB_NOSYNC;
  if (env->flags & LVT_ENV_RDONLY) fl |= MDB_RDONLY;
  mrc = mdb_env_create(&env->menv);
  if (mrc) return lvt_err_mdb(mrc, "mdb_env_create");
  mrc = mdb_env_set_maxdbs(env->menv, LVT_MAXDBS);
  if (mrc == 0) mrc = mdb_env_open(env->menv, env->path, fl, 0666);
  if (mrc) {
    mdb_env_close(env->menv);
    env->menv = NULL;
    return env_open_error(mrc, env->path, env->flags & LVT_ENV_RDONLY);
  }
  mdb_reader_check(env->menv, &dead);    /* slots of crashed processes */
  return env_mapsize_init(env, mapsize);
}

/* Free env and close its MDB_env (no transaction may be open).  A NOSYNC
 * or NOMETASYNC environment is flushed to disk first. */
static void env_destroy(lvt_env *env)
{
  MDB_dbi i;

  env_pool_drain(env);
  if (env->menv) {
    if (env->sync != LVT_SYNC_FULL && !(env->flags & LVT_ENV_RDONLY) && !env->broken)
      mdb_env_sync(env->menv, 1);
    mdb_env_close(env->menv);
  }
  for (i = 0; i < LVT_MAXDBS; i++) lvt_free(env->dbis[i].name);
  pthread_cond_destroy(&env->cv);
  pthread_mutex_destroy(&env->mu);
  lvt_free(env->path);
  lvt_free(env);
}

/* Allocate an environment for directory path (identity st) and open it.
 * The caller holds registry_mu and owns *out. */
static int env_create(const char *path, const struct stat *st,
                      const lvt_env_opts *o, lvt_env **out)
{
  pthread_condattr_t ca;
  lvt_env *env = lvt_calloc(1, sizeof *env);
  int rc;

  if (env == NULL || (env->path = lvt_strdup(path)) == NULL) {
    lvt_free(env);
    return lvt_err_set(LVT_NOMEM, "out of memory opening environment %s", path);
  }
  env->dev = st->st_dev;
  env->ino = st->st_ino;
  env->refs = 1;
  env->sync = o->sync;
  env->flags = o->flags & LVT_ENV_RDONLY;
  pthread_mutex_init(&env->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&env->cv, &ca);
  pthread_condattr_destroy(&ca);
  rc = env_mdb_open(env, o->mapsize);
  if (rc == LVT_OK) rc = env_refresh(env);
  if (rc != LVT_OK) {
    env_destroy(env);
    return rc;
  }
  *out = env;
  return LVT_OK;
}

/* Share the already open env with one more opener, if its options agree. */
static int env_share(lvt_env *env, const lvt_env_opts *o, const char *path)
{
  if (env->sync != o->sync)
    return lvt_err_set(LVT_MISUSE, "environment %s is already open in this "
                       "process with sync=%s; it cannot be opened again (as %s) "
                       "with sync=%s", env->path, sync_name(env->sync), path,
                       sync_name(o->sync));
  if ((env->flags & LVT_ENV_RDONLY) != (o->flags & LVT_ENV_RDONLY))
    return lvt_err_set(LVT_MISUSE, "environment %s is already open in this "
                       "process %s; it cannot be opened again (as %s) %s",
                       env->path, env->flags & LVT_ENV_RDONLY ? "read-only" : "read-write",
                       path, env->flags & LVT_ENV_RDONLY ? "read-write" : "read-only");
  if (env->broken)
    return lvt_err_set(LVT_IOERR, "environment %s lost its map after a failed "
                       "remap; close every handle to it first", env->path);
  env->refs++;
  return LVT_OK;
}

/* Open (or share) the environment in directory path. */
int lvt_env_open(const char *path, const lvt_env_opts *opts, lvt_env **envp)
{
  static const lvt_env_opts dflt = { 0, LVT_SYNC_FULL, 0 };
  struct stat st;
  lvt_env *env;
  int rc;

  if (envp) *envp = NULL;
  if (path == NULL || *path == '\0' || envp == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_env_open: NULL or empty path, or NULL envp");
  if (opts == NULL) opts = &dflt;
  if (opts->sync < LVT_SYNC_FULL || opts->sync > LVT_SYNC_OFF ||
      (opts->flags & ~(unsigned)(LVT_ENV_CREATE | LVT_ENV_RDONLY)))
    return lvt_err_set(LVT_MISUSE, "lvt_env_open %s: invalid sync (%d) or flags "
                       "(0x%x)", path, opts->sync, opts->flags);
  pthread_mutex_lock(&registry_mu);
  rc = env_dir(path, (opts->flags & LVT_ENV_CREATE) != 0, &st);
  if (rc == LVT_OK) {
    for (env = registry; env; env = env->next)
      if (env->dev == st.st_dev && env->ino == st.st_ino) break;
    if (env) {
      rc = env_share(env, opts, path);
    } else if ((rc = env_create(path, &st, opts, &env)) == LVT_OK) {
      env->next = registry;
      registry = env;
    }
  }
  pthread_mutex_unlock(&registry_mu);
  if (rc == LVT_OK) *envp = env;
  return rc;
}

/* Drop one reference; the last one closes the MDB_env.  An environment
 * that still has open transactions (a caller's bug) is kept, unreferenced,
 * rather than freed under them; opening it again revives it. */
void lvt_env_close(lvt_env *env)
{
  lvt_env **pp;
  int busy;

  if (env == NULL) return;
  pthread_mutex_lock(&registry_mu);
  if (env->refs > 0 && --env->refs == 0) {
    pthread_mutex_lock(&env->mu);
    busy = env->writer || env->nreaders;
    pthread_mutex_unlock(&env->mu);
    if (!busy) {
      for (pp = &registry; *pp && *pp != env; pp = &(*pp)->next)
        ;
      if (*pp) *pp = env->next;
      env_destroy(env);
    }
  }
  pthread_mutex_unlock(&registry_mu);
}

/* The directory the environment was opened with (first spelling). */
const char *lvt_env_path(const lvt_env *env)
{
  return env ? env->path : NULL;
}

/* The MDB_env of an environment. */
MDB_env *lvt_env_mdb(lvt_env *env)
{
  return env ? env->menv : NULL;
}

/* mdb_reader_list callback: count the lines that describe a reader slot
 * holding a snapshot.  An idle slot (txnid "-": a reset transaction, such
 * as another process may keep for reuse) holds none and is not counted. */
static int count_reader(const char *msg, void *ctx)
{
  size_t n = strlen(msg);

  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  if (n > 0 && msg[n - 1] == '-') return 0;
  if (msg[0] != '(' && strstr(msg, "pid") == NULL) ++*(unsigned *)ctx;
  return 0;
}

/* Environment statistics. */
int lvt_env_info_get(lvt_env *env, lvt_env_info *info)
{
  MDB_envinfo mi;
  unsigned readers = 0;
  int mrc;

  if (env == NULL || info == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_env_info_get: NULL argument");
  pthread_mutex_lock(&env->mu);    /* no remap while reading the meta page */
  mrc = env->broken ? EIO : mdb_env_info(env->menv, &mi);
  pthread_mutex_unlock(&env->mu);
  if (mrc) return lvt_err_mdb(mrc, env->path);
  mdb_reader_list(env->menv, count_reader, &readers);
  info->mapsize = mi.me_mapsize;
  info->used = sat_mul((size_t)mi.me_last_pgno + 1, env->psize);
  info->readers = readers;
  info->maxreaders = mi.me_maxreaders;
  info->psize = env->psize;
  return LVT_OK;
}

/* Compacted copy of the environment into dest (created when missing).  The
 * copy reads through a read transaction of its own, counted as a reader so
 * that no remap happens under it. */
int lvt_env_backup(lvt_env *env, const char *dest)
{
  char file[4096];
  struct stat st;
  int mrc, created;

  if (env == NULL || dest == NULL || *dest == '\0')
    return lvt_err_set(LVT_MISUSE, "lvt_env_backup: NULL environment or destination");
  if ((size_t)snprintf(file, sizeof file, "%s/data.mdb", dest) >= sizeof file)
    return lvt_err_set(LVT_MISUSE, "backup destination path too long: %s", dest);
  created = mkdir(dest, 0777) == 0;
  if (!created && errno != EEXIST)
    return lvt_err_set(errno == ENOENT ? LVT_NOTFOUND : LVT_IOERR,
                       "cannot create backup directory %s: %s", dest, strerror(errno));
  if (stat(dest, &st) != 0 || !S_ISDIR(st.st_mode))
    return lvt_err_set(LVT_IOERR, "backup destination %s is not a directory", dest);
  if (access(file, F_OK) == 0)
    return lvt_err_set(LVT_EXISTS, "backup destination %s already holds an LMDB "
                       "environment (data.mdb)", dest);
  env_reader_enter(env, NULL);
  mrc = env->broken ? EIO : mdb_env_copy2(env->menv, dest, MDB_CP_COMPACT);
  env_reader_leave(env, NULL, NULL);
  if (mrc == 0) return LVT_OK;
  unlink(file);
  if (created) rmdir(dest);
  snprintf(file, sizeof file, "backup of %s into %s", env->path, dest);
  return lvt_err_mdb(mrc, file);
}

/* ------------------------------------------------ chain and growth -- */

/* Sum of the log sizes of every level of root's chain. */
static size_t chain_bytes(const lvt_txn *root)
{
  size_t n = 0;
  for (; root; root = root->child) n = sat_add(n, root->log.bytes);
  return n;
}

/* Abort the LMDB transactions of root's chain (the root's abort ends its
 * children); the lvt_txn levels stay, without MDB_txn. */
static void chain_abort_mdb(lvt_txn *root)
{
  lvt_txn *t;

  if (root->mtxn) mdb_txn_abort(root->mtxn);
  for (t = root; t; t = t->child) t->mtxn = NULL;
}

/* Begin fresh LMDB transactions for every level of root's chain and replay
 * each level's log.  LVT_OK; LVT_FULL with *full set when the map is still
 * too small; another LVT code with a message when the transaction is lost
 * (another process committed meanwhile: LVT_BUSY). */
static int chain_rebuild(lvt_txn *root, int *full)
{
  lvt_env *env = root->env;
  lvt_txn *t;
  int mrc;

  *full = 0;
  mrc = mdb_txn_begin(env->menv, NULL, 0, &root->mtxn);
  if (mrc) root->mtxn = NULL;
  if (mrc == MDB_MAP_RESIZED || (mrc == 0 && mdb_txn_id(root->mtxn) != root->txnid))
    return lvt_err_set(LVT_BUSY, "%s: another process committed while this "
                       "write transaction was growing the map; the transaction "
                       "is lost, abort and retry it", env->path);
  if (mrc) return lvt_err_mdb(mrc, "beginning the write transaction again after growing the map");
  for (t = root; t && mrc == 0; t = t->child) {
    if (t != root) mrc = mdb_txn_begin(env->menv, t->parent->mtxn, 0, &t->mtxn);
    if (mrc == 0) mrc = log_replay(t);
  }
  if (mrc == 0) return LVT_OK;
  if (mrc == MDB_MAP_FULL) {
    *full = 1;
    return lvt_err_set(LVT_FULL, "%s: the write log (%zu bytes) does not fit in "
                       "the grown map", env->path, chain_bytes(root));
  }
  return lvt_err_mdb(mrc, "replaying the write log after growing the map");
}

/* The transaction of root's chain is lost: no LMDB transaction, no
 * handles of its own, no log.  Every later operation repeats rc and the
 * current message; commit and abort free it. */
static int txn_kill(lvt_txn *root, int rc)
{
  lvt_txn *t;

  chain_abort_mdb(root);
  for (t = txn_top(root); t; t = t->parent) {
    dbi_level_abort(t);
    log_free(&t->log);
  }
  root->dead = rc;
  snprintf(root->dead_msg, sizeof root->dead_msg, "%s", lvt_errmsg());
  return rc;
}

/* The error of a lost transaction, again. */
static int txn_dead(lvt_txn *root)
{
  return lvt_err_set(root->dead, "%s", root->dead_msg);
}

/* The size to grow to so that `pending` more bytes of writes fit: at least
 * twice the map, at least the used size plus four times pending. */
static size_t grow_target(lvt_env *env, size_t pending)
{
  MDB_envinfo info;
  size_t used, a, b;

  if (mdb_env_info(env->menv, &info) != 0) return SIZE_MAX;
  used = sat_mul((size_t)info.me_last_pgno + 1, env->psize);
  a = sat_mul(info.me_mapsize, 2);
  b = sat_add(used, sat_mul(pending, 4));
  return round_mib(a > b ? a : b);
}

/* MDB_MAP_FULL in level t (or in the root's commit, with `extra` 0): abort
 * the LMDB chain, grow the map, rebuild and replay every level (see the
 * header comment).  LVT_OK: the chain is alive in a bigger map.  LVT_FULL:
 * the map could not grow, the chain is alive at the old size.  Anything
 * else: the transaction is lost (txn_kill). */
static int txn_grow(lvt_txn *t, size_t extra)
{
  lvt_txn *root = t->root;
  lvt_env *env = root->env;
  size_t target = grow_target(env, sat_add(chain_bytes(root), extra));
  int wait = root->timeout_ms > LVT_GROW_WAIT_MS ? root->timeout_ms : LVT_GROW_WAIT_MS;
  int rc, rrc, full, tries;
  char msg[512];

  chain_abort_mdb(root);
  root->gen = atomic_fetch_add(&gen_seq, 1) + 1;
  for (tries = 0;; tries++) {
    rc = env_remap(env, target, wait);
    snprintf(msg, sizeof msg, "%s", lvt_errmsg());
    rrc = chain_rebuild(root, &full);
    if (rrc == LVT_OK) return rc == LVT_OK ? rc : lvt_err_set(rc, "%s", msg);
    chain_abort_mdb(root);
    if (!full || rc != LVT_OK || tries == LVT_GROW_TRIES) break;
    target = round_mib(sat_mul(target, 2));
  }
  if (rc != LVT_OK) lvt_err_set(rc, "%s", msg);
  return txn_kill(root, rc != LVT_OK ? rc : rrc);
}

/* Run op in level t: log it and apply it, growing the map as often as
 * needed.  Returns LVT_OK when the operation ran (op->mrc says how it
 * went; only a success is logged), else an LVT code with a message. */
static int txn_run(lvt_txn *t, lvt_op *op)
{
  lvt_txn *root = t->root;
  size_t n = sizeof(lvt_rec) + op->key.mv_size + op->val.mv_size;
  unsigned char *rec;
  int rc, tries;

  if (root->dead) return txn_dead(root);
  if (log_reserve(&t->log, n))
    return lvt_err_set(LVT_NOMEM, "%s: out of memory for the write log (%zu bytes "
                       "logged)", t->env->path, chain_bytes(root));
  rec = log_stage(&t->log, op);
  for (tries = 0;; tries++) {
    op->mrc = op_apply(t->mtxn, op);
    if (op->mrc != MDB_MAP_FULL) break;
    if (tries == LVT_GROW_TRIES)
      return txn_kill(root, lvt_err_set(LVT_FULL, "%s: one write of %zu bytes "
                                        "does not fit even after growing the map",
                                        t->env->path, n));
    log_read(rec, op, &n);         /* the caller's bytes may be unmapped now */
    op->cur = NULL;                /* (log_read did; the cursor died too) */
    rc = txn_grow(t, n);
    if (rc != LVT_OK) return rc;
  }
  if (op->mrc == 0) log_keep(&t->log, rec, n, op->dbi);
  return LVT_OK;
}

/* An LMDB error of an operation on sub-database dbi of t. */
static int txn_err(lvt_txn *t, int mrc, const char *op, MDB_dbi dbi)
{
  char what[320];
  const char *name = dbi < LVT_MAXDBS ? t->env->dbis[dbi].name : NULL;

  snprintf(what, sizeof what, "%s: %s in sub-database %s", t->env->path, op,
           name ? name : "(unknown handle)");
  return lvt_err_mdb(mrc, what);
}

/* ----------------------------------------------------------- begin -- */

/* Begin the LMDB transaction of a read-only t, refreshing the handle cache
 * first when its snapshot shows new sub-databases and the writer slot is
 * free, and adopting another process's map size on MDB_MAP_RESIZED. */
static int txn_begin_read(lvt_env *env, lvt_txn *t)
{
  int mrc, rc, tries, refreshed = 0;

  for (tries = 0;; tries++) {
    env_reader_enter(env, t);
    mrc = t->mtxn ? mdb_txn_renew(t->mtxn) : MDB_BAD_TXN;
    if (mrc != 0 && t->mtxn) {        /* e.g. MDB_MAP_RESIZED: begin anew */
      mdb_txn_abort(t->mtxn);
      t->mtxn = NULL;
    }
    if (mrc != 0) mrc = mdb_txn_begin(env->menv, NULL, MDB_RDONLY, &t->mtxn);
    if (mrc == 0 && (refreshed || !refresh_needed(env, t->mtxn) ||
                     !env_writer_acquire(env, 0)))
      return LVT_OK;
    if (mrc == 0) {
      mdb_txn_abort(t->mtxn);
      t->mtxn = NULL;
      env_reader_leave(env, t, NULL);
      (void)env_refresh(env);
      env_writer_release(env);
      refreshed = 1;
      continue;
    }
    env_reader_leave(env, t, NULL);
    if (mrc != MDB_MAP_RESIZED || tries > 2) break;
    if (!env_writer_acquire(env, LVT_GROW_WAIT_MS))
      return lvt_err_set(LVT_BUSY, "%s: another process grew the map; remapping "
                         "waits for this process's write transaction", env->path);
    rc = env_remap(env, 0, LVT_GROW_WAIT_MS);
    env_writer_release(env);
    if (rc != LVT_OK) return rc;
  }
  t->mtxn = NULL;
  return lvt_err_mdb(mrc, "beginning a read transaction");
}

/* Begin the LMDB transaction of an outermost write transaction t: writer
 * slot, purge of old tombstones, growth ahead, MDB_MAP_RESIZED. */
static int txn_begin_write(lvt_env *env, int timeout_ms, lvt_txn *t)
{
  int mrc, rc, tries;
  int wait = timeout_ms > LVT_GROW_WAIT_MS ? timeout_ms : LVT_GROW_WAIT_MS;

  if (env->flags & LVT_ENV_RDONLY)
    return lvt_err_set(LVT_READONLY, "%s: environment opened read-only", env->path);
  if (!env_writer_acquire(env, timeout_ms)) {
    if (timeout_ms < 0)
      return lvt_err_set(LVT_BUSY, "%s: this thread already holds the write "
                         "transaction of this process; waiting would never end",
                         env->path);
    return lvt_err_set(LVT_BUSY, "%s: another write transaction of this process "
                       "is active (waited %d ms)", env->path, timeout_ms);
  }
  env_purge(env);
  env_grow_ahead(env);
  for (tries = 0;; tries++) {
    mrc = mdb_txn_begin(env->menv, NULL, 0, &t->mtxn);
    if (mrc != MDB_MAP_RESIZED || tries == 2) break;
    if ((rc = env_remap(env, 0, wait)) != LVT_OK) {
      env_writer_release(env);
      return rc;
    }
  }
  if (mrc) {
    t->mtxn = NULL;
    env_writer_release(env);
    return lvt_err_mdb(mrc, "beginning a write transaction");
  }
  t->txnid = mdb_txn_id(t->mtxn);
  t->timeout_ms = timeout_ms;
  return LVT_OK;
}

/* A nested level began or ended: the innermost MDB_txn changed, so cursors
 * opened on the old one must not be used again.  Give the chain a new
 * generation (lvt_txn_gen), which makes them reopen and re-seek. */
static void gen_bump(lvt_txn *root)
{
  root->gen = atomic_fetch_add(&gen_seq, 1) + 1;
}

/* Begin t as a nested transaction (savepoint) of parent. */
static int txn_begin_child(lvt_txn *parent, lvt_txn *t)
{
  int mrc;

  if (parent->rdonly)
    return lvt_err_set(LVT_MISUSE, "%s: nested transactions need a write parent",
                       parent->env->path);
  if (parent->child)
    return lvt_err_set(LVT_MISUSE, "%s: the parent transaction already has an "
                       "open nested transaction", parent->env->path);
  if (parent->root->dead) return txn_dead(parent->root);
  mrc = mdb_txn_begin(parent->env->menv, parent->mtxn, 0, &t->mtxn);
  if (mrc) {
    t->mtxn = NULL;
    return lvt_err_mdb(mrc, "beginning a nested transaction");
  }
  t->root = parent->root;
  t->parent = parent;
  parent->child = t;
  gen_bump(t->root);
  return LVT_OK;
}

/* Begin a transaction (lmdbvt.h). */
int lvt_txn_begin(lvt_env *env, lvt_txn *parent, unsigned flags, int timeout_ms,
                  lvt_txn **txnp)
{
  lvt_txn *t;
  int rc;

  if (txnp) *txnp = NULL;
  if (env == NULL || txnp == NULL || (flags & ~(unsigned)LVT_TXN_RDONLY))
    return lvt_err_set(LVT_MISUSE, "lvt_txn_begin: NULL environment or txnp, or "
                       "unknown flags 0x%x", flags);
  if (parent && (parent->env != env || (flags & LVT_TXN_RDONLY)))
    return lvt_err_set(LVT_MISUSE, "lvt_txn_begin: a nested transaction must be a "
                       "write transaction of its parent's environment");
  if (env->broken)
    return lvt_err_set(LVT_IOERR, "environment %s lost its map after a failed remap",
                       env->path);
  if ((t = lvt_calloc(1, sizeof *t)) == NULL)
    return lvt_err_set(LVT_NOMEM, "out of memory beginning a transaction");
  t->env = env;
  t->root = t;
  t->rdonly = (flags & LVT_TXN_RDONLY) != 0;
  t->gen = atomic_fetch_add(&gen_seq, 1) + 1;
  if (parent) rc = txn_begin_child(parent, t);
  else if (t->rdonly) rc = txn_begin_read(env, t);
  else rc = txn_begin_write(env, timeout_ms, t);
  if (rc != LVT_OK) {
    lvt_free(t);
    return rc;
  }
  *txnp = t;
  return LVT_OK;
}

/* ------------------------------------------------------------- end -- */

/* Free a level's memory (its LMDB transaction is already gone). */
static void txn_free(lvt_txn *t)
{
  log_free(&t->log);
  lvt_free(t->undo);
  lvt_free(t);
}

/* End a read transaction: its MDB_txn is reset (the snapshot released,
 * the reader slot kept) and pooled for the next one (see the top). */
static void txn_end_read(lvt_txn *t)
{
  if (t->mtxn) mdb_txn_reset(t->mtxn);
  env_reader_leave(t->env, t, t->mtxn);
  lvt_free(t);
}

/* End the outermost write transaction r: settle the handle cache,
 * refresh it when a reader asked, release the writer slot, free r. */
static void txn_end_root(lvt_txn *r, int committed)
{
  lvt_env *env = r->env;
  int refresh;

  if (r->mtxn) mdb_txn_abort(r->mtxn);
  r->mtxn = NULL;
  if (committed) dbi_root_commit(r);
  else dbi_level_abort(r);
  pthread_mutex_lock(&env->mu);
  refresh = env->refresh_wanted;
  pthread_mutex_unlock(&env->mu);
  if (refresh) (void)env_refresh(env);
  env_writer_release(env);
  txn_free(r);
}

/* Abort nested level c and free it. */
static void txn_abort_child(lvt_txn *c)
{
  if (c->mtxn) mdb_txn_abort(c->mtxn);
  c->mtxn = NULL;
  dbi_level_abort(c);
  c->parent->child = NULL;
  gen_bump(c->root);
  txn_free(c);
}

/* Commit nested level c into its parent and free it. */
static int txn_commit_child(lvt_txn *c)
{
  lvt_txn *p = c->parent;
  int mrc, rc;

  if (c->root->dead) {
    rc = txn_dead(c->root);
    txn_abort_child(c);
    return rc;
  }
  if (undo_reserve(p, c->nundo)) {
    txn_abort_child(c);
    return lvt_err_set(LVT_NOMEM, "out of memory committing a nested transaction");
  }
  mrc = mdb_txn_commit(c->mtxn);
  c->mtxn = NULL;
  if (mrc) {
    rc = lvt_err_mdb(mrc, "committing a nested transaction");
    txn_abort_child(c);
    return rc;
  }
  log_splice(&p->log, &c->log);
  dbi_child_commit(c);
  p->child = NULL;
  gen_bump(c->root);
  txn_free(c);
  return LVT_OK;
}

/* LMDB reports a short write of the data file as EIO ("short write,
 * filesystem full?"), which is how a full disk, a quota or a file size
 * limit (RLIMIT_FSIZE) usually shows: the write stops at the last byte that
 * fits.  Tell that apart from a real I/O error: the file reached the size
 * limit (EFBIG), or the file system has (almost) no free space left for us
 * (ENOSPC).  Other codes are returned as they are. */
static int commit_errno(lvt_env *env, int mrc)
{
  struct rlimit rl;
  struct statvfs vfs;
  struct stat sb;
  int fd = -1;

  if (mrc != EIO || mdb_env_get_fd(env->menv, &fd) != 0 || fstat(fd, &sb) != 0)
    return mrc;
  if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
      && (rlim_t)sb.st_size >= rl.rlim_cur)
    return EFBIG;
  if (fstatvfs(fd, &vfs) == 0
      && (geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * (uint64_t)vfs.f_frsize < LVT_MIB)
    return ENOSPC;
  return mrc;
}

/* Commit the outermost write transaction r, growing the map when the
 * commit itself finds it full; r is freed whatever happens. */
static int txn_commit_root(lvt_txn *r)
{
  int rc = LVT_OK, mrc = 0, tries;
  char what[300];

  if (r->dead) rc = txn_dead(r);
  for (tries = 0; rc == LVT_OK; tries++) {
    mrc = mdb_txn_commit(r->mtxn);
    r->mtxn = NULL;
    if (mrc != MDB_MAP_FULL || tries == LVT_GROW_TRIES) break;
    rc = txn_grow(r, 0);
  }
  if (rc == LVT_OK && mrc) {
    snprintf(what, sizeof what, "committing a write transaction in %s", r->env->path);
    rc = lvt_err_mdb(commit_errno(r->env, mrc), what);
  }
  txn_end_root(r, rc == LVT_OK);
  return rc;
}

/* Commit and free a transaction (lmdbvt.h). */
int lvt_txn_commit(lvt_txn *txn)
{
  if (txn == NULL) return lvt_err_set(LVT_MISUSE, "lvt_txn_commit: NULL transaction");
  if (txn->child)
    return lvt_err_set(LVT_MISUSE, "%s: commit of a transaction that has an open "
                       "nested transaction; end the nested one first (nothing "
                       "was done)", txn->env->path);
  if (txn->rdonly) {
    txn_end_read(txn);
    return LVT_OK;
  }
  if (txn->parent) return txn_commit_child(txn);
  return txn_commit_root(txn);
}

/* Abort and free a transaction and its open nested transactions. */
void lvt_txn_abort(lvt_txn *txn)
{
  if (txn == NULL) return;
  while (txn->child) lvt_txn_abort(txn_top(txn));
  if (txn->rdonly) txn_end_read(txn);
  else if (txn->parent) txn_abort_child(txn);
  else txn_end_root(txn, 0);
}

/* ------------------------------------------------------- accessors -- */

/* The environment's sync option. */
int lvt_env_sync_mode(const lvt_env *env)
{
  return env->sync;
}

/* The environment of a transaction. */
lvt_env *lvt_txn_env(const lvt_txn *txn)
{
  return txn ? txn->env : NULL;
}

/* The current MDB_txn of txn's chain (innermost level); NULL when lost. */
MDB_txn *lvt_txn_mdb(lvt_txn *txn)
{
  return txn ? txn_top(txn)->mtxn : NULL;
}

/* Nonzero for a read-only transaction. */
int lvt_txn_readonly(const lvt_txn *txn)
{
  return txn ? txn->rdonly : 1;
}

/* Generation of the chain's MDB_txn objects: new for every transaction and
 * every replay, never repeated in the process (barring wrap-around). */
unsigned lvt_txn_gen(const lvt_txn *txn)
{
  return txn ? txn->root->gen : 0;
}

/* ------------------------------------------------------ operations -- */

/* Common checks of a write through txn; *top receives the level written. */
static int txn_writable(lvt_txn *txn, const char *fn, lvt_txn **top)
{
  if (txn == NULL) return lvt_err_set(LVT_MISUSE, "%s: NULL transaction", fn);
  *top = txn_top(txn);
  if (txn->rdonly)
    return lvt_err_set(LVT_READONLY, "%s: %s in a read-only transaction",
                       txn->env->path, fn);
  if (txn->root->dead) return txn_dead(txn->root);
  return LVT_OK;
}

LVT_HIDDEN int lvt_txn_cursor_put(lvt_txn *txn, MDB_cursor *cur, MDB_dbi dbi,
                                  const MDB_val *key, const MDB_val *val,
                                  unsigned flags);

/* mdb_put, logged.  LVT_EXISTS (no message) when MDB_NOOVERWRITE finds
 * the key or MDB_APPEND gets a key out of order. */
int lvt_txn_put(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key,
                const MDB_val *val, unsigned flags)
{
  return lvt_txn_cursor_put(txn, NULL, dbi, key, val, flags);
}

/* lvt_txn_put through cur (table_int.h), or mdb_put when cur is NULL. */
int lvt_txn_cursor_put(lvt_txn *txn, MDB_cursor *cur, MDB_dbi dbi, const MDB_val *key,
                       const MDB_val *val, unsigned flags)
{
  lvt_txn *t;
  lvt_op op;
  int rc = txn_writable(txn, "lvt_txn_put", &t);

  if (rc != LVT_OK) return rc;
  if (key == NULL || val == NULL || (flags & ~(unsigned)(MDB_NOOVERWRITE | MDB_APPEND)))
    return lvt_err_set(LVT_MISUSE, "lvt_txn_put: NULL key or value, or flags 0x%x "
                       "(only MDB_NOOVERWRITE and MDB_APPEND)", flags);
  memset(&op, 0, sizeof op);
  op.kind = LOG_PUT;
  op.dbi = dbi;
  op.flags = flags;
  op.key = *key;
  op.val = *val;
  op.cur = cur;
  if ((rc = txn_run(t, &op)) != LVT_OK) return rc;
  if (op.mrc == MDB_KEYEXIST) return LVT_EXISTS;
  return op.mrc ? txn_err(t, op.mrc, "mdb_put", dbi) : LVT_OK;
}

/* mdb_del of a key, logged.  LVT_NOTFOUND (no message) when absent. */
int lvt_txn_del(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key)
{
  lvt_txn *t;
  lvt_op op;
  int rc = txn_writable(txn, "lvt_txn_del", &t);

  if (rc != LVT_OK) return rc;
  if (key == NULL) return lvt_err_set(LVT_MISUSE, "lvt_txn_del: NULL key");
  memset(&op, 0, sizeof op);
  op.kind = LOG_DEL;
  op.dbi = dbi;
  op.key = *key;
  if ((rc = txn_run(t, &op)) != LVT_OK) return rc;
  if (op.mrc == MDB_NOTFOUND) return LVT_NOTFOUND;
  return op.mrc ? txn_err(t, op.mrc, "mdb_del", dbi) : LVT_OK;
}

/* Empty sub-database dbi (del = 0) or delete it (del = 1: emptied now, a
 * tombstone at commit, removed later; rule 5).  Logged. */
int lvt_txn_drop(lvt_txn *txn, MDB_dbi dbi, int del)
{
  lvt_txn *t;
  lvt_env *env;
  lvt_op op;
  int rc = txn_writable(txn, "lvt_txn_drop", &t);

  if (rc != LVT_OK) return rc;
  env = t->env;
  if (dbi < 2 || dbi >= LVT_MAXDBS || env->dbis[dbi].name == NULL)
    return lvt_err_set(LVT_MISUSE, "%s: lvt_txn_drop of handle %u, which "
                       "lvt_txn_dbi did not give", env->path, (unsigned)dbi);
  if (del && undo_reserve(t, 1))
    return lvt_err_set(LVT_NOMEM, "out of memory dropping a sub-database");
  memset(&op, 0, sizeof op);
  op.kind = LOG_DROP;
  op.dbi = dbi;
  if ((rc = txn_run(t, &op)) != LVT_OK) return rc;
  if (op.mrc) return txn_err(t, op.mrc, "mdb_drop", dbi);
  if (del) {
    pthread_mutex_lock(&env->mu);
    undo_push(t, env, dbi);
    env->dbis[dbi].dropper = t;
    pthread_mutex_unlock(&env->mu);
  }
  return LVT_OK;
}

/* mdb_get through the current MDB_txn.  LVT_NOTFOUND (no message) when
 * absent. */
int lvt_txn_get(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key, MDB_val *val)
{
  lvt_txn *t;
  MDB_val k;
  int mrc;

  if (txn == NULL || key == NULL || val == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_txn_get: NULL argument");
  t = txn_top(txn);
  if (t->root->dead) return txn_dead(t->root);
  k = *key;
  mrc = mdb_get(t->mtxn, dbi, &k, val);
  if (mrc == MDB_NOTFOUND) return LVT_NOTFOUND;
  return mrc ? txn_err(t, mrc, "mdb_get", dbi) : LVT_OK;
}

/* ------------------------------------------------------------- dbis -- */

/* lvt_txn_dbi for a read transaction (rule 3). */
static int dbi_get_read(lvt_txn *t, const char *name, MDB_dbi *dbi)
{
  lvt_env *env = t->env;
  lvt_dbient *e;
  MDB_dbi slot = 0;
  MDB_val k, v;
  unsigned f;
  int usable, buried, mrc;

  pthread_mutex_lock(&env->mu);
  e = dbi_find(env, name, &slot);
  usable = e && e->owner == NULL && !(e->tomb && e->tomb_epoch <= t->epoch);
  buried = e && e->owner == NULL && !usable;   /* dropped before t began */
  pthread_mutex_unlock(&env->mu);
  if (usable && mdb_dbi_flags(t->mtxn, slot, &f) == 0) {
    *dbi = slot;
    return LVT_OK;
  }
  if (buried)
    return lvt_err_set(LVT_NOTFOUND, "%s: no sub-database %s", env->path, name);
  k.mv_size = strlen(name);
  k.mv_data = (void *)name;
  mrc = mdb_get(t->mtxn, env->main_dbi, &k, &v);
  if (mrc == MDB_NOTFOUND)
    return lvt_err_set(LVT_NOTFOUND, "%s: no sub-database %s", env->path, name);
  if (mrc) return lvt_err_mdb(mrc, "looking up a sub-database");
  pthread_mutex_lock(&env->mu);
  env->refresh_wanted = 1;
  pthread_mutex_unlock(&env->mu);
  return lvt_err_set(LVT_BUSY, "%s: sub-database %s has no handle that this read "
                     "transaction can use (it appeared after the transaction "
                     "began); retry in a new transaction", env->path, name);
}

/* With env->mu held: lvt_txn_dbi of write level t when name is cached.
 * Returns 1 when settled (*rc set), 0 when LMDB must open it. */
static int dbi_cached_write(lvt_txn *t, const char *name, int create,
                            MDB_dbi *dbi, int *rc)
{
  lvt_env *env = t->env;
  MDB_dbi slot;
  lvt_dbient *e = dbi_find(env, name, &slot);

  if (e == NULL) return 0;
  if (e->owner && e->owner->root != t->root) return 0;   /* cannot happen */
  *rc = LVT_OK;
  if (e->dropper || e->wtomb) {
    if (!create)
      *rc = lvt_err_set(LVT_NOTFOUND, "%s: no sub-database %s", env->path, name);
    else if (undo_reserve(t, 1))
      *rc = lvt_err_set(LVT_NOMEM, "out of memory opening a sub-database");
    else {                         /* revive the emptied sub-database */
      undo_push(t, env, slot);
      e->dropper = NULL;
      e->wtomb = 0;
    }
  }
  if (*rc == LVT_OK) *dbi = slot;
  return 1;
}

/* An LMDB error opening sub-database name. */
static int dbi_open_error(lvt_env *env, int mrc, const char *name)
{
  char what[320];

  if (mrc == MDB_DBS_FULL)
    snprintf(what, sizeof what, "%s: opening sub-database %s (an environment "
             "holds at most %d tables and indexes)", env->path, name, LVT_MAXDBS - 2);
  else
    snprintf(what, sizeof what, "%s: opening sub-database %s", env->path, name);
  return lvt_err_mdb(mrc, what);
}

/* lvt_txn_dbi for write level t: the cache, else mdb_dbi_open (logged). */
static int dbi_get_write(lvt_txn *t, const char *name, int create, MDB_dbi *dbi)
{
  lvt_env *env = t->env;
  lvt_op op;
  char *dup;
  int rc, hit;

  pthread_mutex_lock(&env->mu);
  hit = dbi_cached_write(t, name, create, dbi, &rc);
  pthread_mutex_unlock(&env->mu);
  if (hit) return rc;
  if ((dup = lvt_strdup(name)) == NULL)
    return lvt_err_set(LVT_NOMEM, "out of memory opening a sub-database");
  memset(&op, 0, sizeof op);
  op.kind = LOG_OPEN;
  op.flags = create ? MDB_CREATE : 0;
  op.key.mv_size = strlen(name) + 1;
  op.key.mv_data = dup;
  rc = txn_run(t, &op);
  if (rc == LVT_OK && op.mrc == MDB_NOTFOUND)
    rc = lvt_err_set(LVT_NOTFOUND, "%s: no sub-database %s", env->path, name);
  else if (rc == LVT_OK && op.mrc)
    rc = dbi_open_error(env, op.mrc, name);
  else if (rc == LVT_OK && (op.dbi >= LVT_MAXDBS || env->dbis[op.dbi].name))
    rc = lvt_err_set(LVT_ERROR, "%s: handle %u of %s is already in use",
                     env->path, (unsigned)op.dbi, name);
  if (rc != LVT_OK) {
    lvt_free(dup);
    return rc;
  }
  pthread_mutex_lock(&env->mu);
  env->dbis[op.dbi].name = dup;
  env->dbis[op.dbi].owner = t;
  pthread_mutex_unlock(&env->mu);
  *dbi = op.dbi;
  return LVT_OK;
}

/* Open the named sub-database in txn (lvt_int.h). */
int lvt_txn_dbi(lvt_txn *txn, const char *name, int create, MDB_dbi *dbi)
{
  lvt_txn *t;
  int rc;

  if (txn == NULL || name == NULL || *name == '\0' || dbi == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_txn_dbi: NULL or empty argument");
  t = txn_top(txn);
  if (t->root->dead) return txn_dead(t->root);
  if (!t->rdonly) return dbi_get_write(t, name, create, dbi);
  rc = dbi_get_read(t, name, dbi);
  if (rc == LVT_NOTFOUND && create)
    return lvt_err_set(LVT_READONLY, "%s: cannot create sub-database %s in a "
                       "read-only transaction", t->env->path, name);
  return rc;
}
