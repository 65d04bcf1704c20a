/*
 * check_env.c -- the environment registry and transactions (ext/env.c).
 *
 * Every test opens its environments itself (Check runs it in a forked
 * child), each in its own tu_tmpdir.  Tests that need another process fork
 * before opening anything and use raw LMDB there, never lvt_env_open (the
 * child inherits the parent's registry).  LVT_LONG_TESTS=1 adds a 1 GiB
 * bulk load into a 1 MiB map.
 */
#include "lvt_int.h"
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* ----------------------------------------------------------- helpers -- */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* "<dir>/<leaf>", malloc'd. */
static char *path_join(const char *dir, const char *leaf)
{
  char *p = malloc(strlen(dir) + strlen(leaf) + 2);
  ck_assert_ptr_nonnull(p);
  sprintf(p, "%s/%s", dir, leaf);
  return p;
}

/* Open (creating) an environment; fails the test on error. */
static lvt_env *env_at(const char *path, size_t mapsize, int sync)
{
  lvt_env_opts o = { mapsize, sync, LVT_ENV_CREATE };
  lvt_env *env = NULL;
  int rc = lvt_env_open(path, &o, &env);
  ck_assert_msg(rc == LVT_OK, "lvt_env_open %s: %s", path, lvt_errmsg());
  return env;
}

static lvt_txn *begin(lvt_env *env, lvt_txn *parent, unsigned flags)
{
  lvt_txn *t = NULL;
  int rc = lvt_txn_begin(env, parent, flags, 1000, &t);
  ck_assert_msg(rc == LVT_OK, "lvt_txn_begin: %s (%s)", lvt_strerror(rc), lvt_errmsg());
  return t;
}

static void commit(lvt_txn *t)
{
  int rc = lvt_txn_commit(t);
  ck_assert_msg(rc == LVT_OK, "lvt_txn_commit: %s (%s)", lvt_strerror(rc), lvt_errmsg());
}

static MDB_dbi dbi_of(lvt_txn *t, const char *name, int create)
{
  MDB_dbi d = 0;
  int rc = lvt_txn_dbi(t, name, create, &d);
  ck_assert_msg(rc == LVT_OK, "lvt_txn_dbi %s: %s (%s)", name, lvt_strerror(rc), lvt_errmsg());
  return d;
}

/* Value size and bytes of key k: 2000..5999 bytes derived from k. */
static size_t vlen_of(uint64_t k)
{
  return 2000 + (size_t)((k * 7919u) % 4000u);
}

static void fill_val(unsigned char *buf, uint64_t k, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++) buf[i] = (unsigned char)(k * 31u + i * 7u + (i >> 8));
}

static void key_of(unsigned char out[8], uint64_t k)
{
  int i;
  for (i = 7; i >= 0; i--, k >>= 8) out[i] = (unsigned char)k;
}

/* Put key k with its value into dbi; returns the LVT code. */
static int put_k(lvt_txn *t, MDB_dbi dbi, uint64_t k)
{
  static unsigned char buf[8192];
  unsigned char kb[8];
  MDB_val key = { 8, kb }, val;

  key_of(kb, k);
  val.mv_size = vlen_of(k);
  val.mv_data = buf;
  fill_val(buf, k, val.mv_size);
  return lvt_txn_put(t, dbi, &key, &val, 0);
}

static void put_ok(lvt_txn *t, MDB_dbi dbi, uint64_t k)
{
  int rc = put_k(t, dbi, k);
  ck_assert_msg(rc == LVT_OK, "put %llu: %s (%s)", (unsigned long long)k,
                lvt_strerror(rc), lvt_errmsg());
}

/* 1 when key k is present with the right value, 0 when absent. */
static int has_k(lvt_txn *t, MDB_dbi dbi, uint64_t k)
{
  static unsigned char buf[8192];
  unsigned char kb[8];
  MDB_val key = { 8, kb }, val;
  int rc;

  key_of(kb, k);
  rc = lvt_txn_get(t, dbi, &key, &val);
  if (rc == LVT_NOTFOUND) return 0;
  ck_assert_msg(rc == LVT_OK, "get %llu: %s", (unsigned long long)k, lvt_errmsg());
  ck_assert_uint_eq(val.mv_size, vlen_of(k));
  fill_val(buf, k, val.mv_size);
  ck_assert_msg(memcmp(buf, val.mv_data, val.mv_size) == 0, "value of %llu differs",
                (unsigned long long)k);
  return 1;
}

/* Small string put/get. */
static void put_s(lvt_txn *t, MDB_dbi dbi, const char *k, const char *v)
{
  MDB_val key = { strlen(k), (void *)k }, val = { strlen(v), (void *)v };
  int rc = lvt_txn_put(t, dbi, &key, &val, 0);
  ck_assert_msg(rc == LVT_OK, "put %s: %s", k, lvt_errmsg());
}

/* The value of k as a string in a per-thread buffer, or NULL when absent. */
static const char *get_s(lvt_txn *t, MDB_dbi dbi, const char *k)
{
  static _Thread_local char out[256];   /* readers of two threads call this at once */
  MDB_val key = { strlen(k), (void *)k }, val;
  int rc = lvt_txn_get(t, dbi, &key, &val);
  if (rc == LVT_NOTFOUND) return NULL;
  ck_assert_int_eq(rc, LVT_OK);
  ck_assert_uint_lt(val.mv_size, sizeof out);
  memcpy(out, val.mv_data, val.mv_size);
  out[val.mv_size] = '\0';
  return out;
}

static size_t mapsize_of(lvt_env *env)
{
  lvt_env_info info;
  ck_assert_int_eq(lvt_env_info_get(env, &info), LVT_OK);
  return info.mapsize;
}

/* ---------------------------------------------------------- registry -- */

START_TEST(test_same_env_spellings)
{
  char *dir = tu_tmpdir("env"), *abs = path_join(dir, "e");
  lvt_env *a, *b, *c, *d, *e;
  lvt_txn *t;
  MDB_dbi dbi;

  ck_assert_int_eq(chdir(dir), 0);
  a = env_at(abs, 0, LVT_SYNC_FULL);
  ck_assert_int_eq(symlink("e", "link"), 0);
  b = env_at("e", 0, LVT_SYNC_FULL);
  c = env_at("./e", 0, LVT_SYNC_FULL);
  d = env_at("e/", 0, LVT_SYNC_FULL);
  e = env_at("link", 0, LVT_SYNC_FULL);
  ck_assert_ptr_eq(a, b);
  ck_assert_ptr_eq(a, c);
  ck_assert_ptr_eq(a, d);
  ck_assert_ptr_eq(a, e);
  ck_assert_str_eq(lvt_env_path(e), abs);
  t = begin(a, NULL, 0);
  dbi = dbi_of(t, "d", 1);
  put_s(t, dbi, "k", "v");
  commit(t);
  lvt_env_close(a); lvt_env_close(b); lvt_env_close(c); lvt_env_close(d);
  t = begin(e, NULL, LVT_TXN_RDONLY);    /* still open after four closes */
  ck_assert_str_eq(get_s(t, dbi_of(t, "d", 0), "k"), "v");
  lvt_txn_abort(t);
  lvt_env_close(e);                      /* the last one closes it */
  a = env_at("link/", 0, LVT_SYNC_FULL); /* a fresh open sees the data */
  ck_assert_str_eq(lvt_env_path(a), "link/");
  t = begin(a, NULL, LVT_TXN_RDONLY);
  ck_assert_str_eq(get_s(t, dbi_of(t, "d", 0), "k"), "v");
  lvt_txn_abort(t);
  lvt_env_close(a);
  lvt_env_close(NULL);
  tu_rmtree(dir);
  free(abs);
  free(dir);
}
END_TEST

START_TEST(test_open_errors)
{
  char *dir = tu_tmpdir("env"), *p = path_join(dir, "missing");
  char *file = path_join(dir, "file");
  lvt_env_opts ro = { 0, LVT_SYNC_FULL, LVT_ENV_RDONLY };
  lvt_env_opts bad = { 0, 7, 0 };
  lvt_env *env = (lvt_env *)1;
  FILE *f;

  ck_assert_int_eq(lvt_env_open(p, NULL, &env), LVT_NOTFOUND);
  ck_assert_ptr_null(env);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), p));
  ck_assert_int_eq(access(p, F_OK), -1);          /* nothing created */
  ck_assert_int_eq(mkdir(p, 0777), 0);
  ck_assert_int_eq(lvt_env_open(p, &ro, &env), LVT_NOTFOUND); /* no data.mdb */
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), p));
  f = fopen(file, "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  ck_assert_int_eq(lvt_env_open(file, NULL, &env), LVT_IOERR);
  ck_assert_int_eq(lvt_env_open(NULL, NULL, &env), LVT_MISUSE);
  ck_assert_int_eq(lvt_env_open(p, NULL, NULL), LVT_MISUSE);
  ck_assert_int_eq(lvt_env_open(p, &bad, &env), LVT_MISUSE);
  tu_rmtree(dir);
  free(p);
  free(file);
  free(dir);
}
END_TEST

START_TEST(test_sync_and_mode_conflicts)
{
  char *dir = tu_tmpdir("env");
  lvt_env_opts normal = { 0, LVT_SYNC_NORMAL, LVT_ENV_CREATE };
  lvt_env_opts ro = { 0, LVT_SYNC_FULL, LVT_ENV_RDONLY };
  lvt_env *a = env_at(dir, 0, LVT_SYNC_FULL), *b = NULL;
  lvt_txn *t = NULL;

  ck_assert_int_eq(lvt_env_open(dir, &normal, &b), LVT_MISUSE);
  ck_assert_ptr_null(b);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "sync=full"));
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "sync=normal"));
  ck_assert_int_eq(lvt_env_open(dir, &ro, &b), LVT_MISUSE);
  lvt_env_close(a);
  ck_assert_int_eq(lvt_env_open(dir, &ro, &b), LVT_OK);   /* now it is free */
  ck_assert_int_eq(lvt_txn_begin(b, NULL, 0, 0, &t), LVT_READONLY);
  ck_assert_ptr_null(t);
  t = begin(b, NULL, LVT_TXN_RDONLY);
  lvt_txn_abort(t);
  lvt_env_close(b);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ----------------------------------------------------------- writers -- */

typedef struct writer_arg {
  lvt_env *env;
  sem_t began, go, done;
  int rc;
} writer_arg;

/* Hold the write transaction until told to commit. */
static void *writer_thread(void *p)
{
  writer_arg *w = p;
  lvt_txn *t = NULL;

  w->rc = lvt_txn_begin(w->env, NULL, 0, 0, &t);
  sem_post(&w->began);
  sem_wait(&w->go);
  sleep_ms(200);
  if (w->rc == LVT_OK) w->rc = lvt_txn_commit(t);
  sem_post(&w->done);
  return NULL;
}

START_TEST(test_two_writers_threads)
{
  char *dir = tu_tmpdir("env");
  writer_arg w;
  pthread_t th;
  lvt_txn *t = NULL;
  double t0, dt;
  int rc;

  w.env = env_at(dir, 0, LVT_SYNC_OFF);
  sem_init(&w.began, 0, 0);
  sem_init(&w.go, 0, 0);
  sem_init(&w.done, 0, 0);
  ck_assert_int_eq(pthread_create(&th, NULL, writer_thread, &w), 0);
  sem_wait(&w.began);
  ck_assert_int_eq(w.rc, LVT_OK);
  t0 = now_ms();
  rc = lvt_txn_begin(w.env, NULL, 0, 300, &t);
  dt = now_ms() - t0;
  ck_assert_int_eq(rc, LVT_BUSY);
  ck_assert_msg(dt >= 250 && dt < 3000, "BUSY after %.0f ms, expected ~300", dt);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), dir));
  t0 = now_ms();
  sem_post(&w.go);                       /* the holder commits in ~200 ms */
  rc = lvt_txn_begin(w.env, NULL, 0, 10000, &t);
  dt = now_ms() - t0;
  ck_assert_msg(rc == LVT_OK, "%s", lvt_errmsg());
  ck_assert_msg(dt >= 150 && dt < 5000, "got the writer after %.0f ms", dt);
  sem_wait(&w.done);
  ck_assert_int_eq(w.rc, LVT_OK);
  commit(t);
  pthread_join(th, NULL);
  lvt_env_close(w.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_same_thread_twice)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, 0, LVT_SYNC_OFF);
  lvt_txn *w = begin(env, NULL, 0), *t = NULL, *r;
  double t0, dt;

  t0 = now_ms();
  ck_assert_int_eq(lvt_txn_begin(env, NULL, 0, 200, &t), LVT_BUSY);
  dt = now_ms() - t0;
  ck_assert_msg(dt >= 150 && dt < 3000, "BUSY after %.0f ms, expected ~200", dt);
  t0 = now_ms();
  ck_assert_int_eq(lvt_txn_begin(env, NULL, 0, 0, &t), LVT_BUSY);
  ck_assert_double_lt(now_ms() - t0, 100);
  t0 = now_ms();                         /* "forever" cannot end here */
  ck_assert_int_eq(lvt_txn_begin(env, NULL, 0, -1, &t), LVT_BUSY);
  ck_assert_double_lt(now_ms() - t0, 100);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "this thread"));
  ck_assert_ptr_null(t);
  r = begin(env, NULL, LVT_TXN_RDONLY);  /* readers are not blocked */
  lvt_txn_abort(r);
  lvt_txn_abort(w);
  t = begin(env, NULL, 0);               /* the slot was released */
  commit(t);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ------------------------------------------------------------ nested -- */

START_TEST(test_nested)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, 0, LVT_SYNC_OFF);
  lvt_txn *root = begin(env, NULL, 0), *c1, *c2, *g, *r, *x = NULL;
  MDB_dbi d = dbi_of(root, "n", 1), d2;

  put_s(root, d, "k1", "root");
  c1 = begin(env, root, 0);
  put_s(c1, d, "k2", "c1");
  ck_assert_str_eq(get_s(c1, d, "k1"), "root");
  g = begin(env, c1, 0);
  d2 = dbi_of(g, "made-in-g", 1);
  put_s(g, d2, "g", "g");
  put_s(g, d, "k1", "g");                /* overwrite in the grandchild */
  ck_assert_int_eq(lvt_txn_commit(c1), LVT_MISUSE);   /* child still open */
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "nested"));
  ck_assert_int_eq(lvt_txn_begin(env, c1, 0, 0, &x), LVT_MISUSE);
  ck_assert_str_eq(get_s(root, d, "k1"), "g");        /* reads go to the top */
  commit(g);
  ck_assert_str_eq(get_s(c1, d, "k1"), "g");
  commit(c1);
  c2 = begin(env, root, 0);
  put_s(c2, d, "k3", "c2");
  put_s(c2, dbi_of(c2, "made-in-c2", 1), "x", "y");
  lvt_txn_abort(c2);
  ck_assert_ptr_null(get_s(root, d, "k3"));
  ck_assert_int_eq(lvt_txn_dbi(root, "made-in-c2", 0, &d2), LVT_NOTFOUND);
  c2 = begin(env, root, 0);              /* abort of a parent ends children */
  (void)begin(env, c2, 0);
  lvt_txn_abort(c2);
  ck_assert_int_eq(lvt_txn_begin(env, root, LVT_TXN_RDONLY, 0, &x), LVT_MISUSE);
  commit(root);
  r = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_int_eq(lvt_txn_begin(env, r, 0, 0, &x), LVT_MISUSE);
  ck_assert_str_eq(get_s(r, d, "k1"), "g");
  ck_assert_str_eq(get_s(r, d, "k2"), "c1");
  ck_assert_ptr_null(get_s(r, d, "k3"));
  ck_assert_str_eq(get_s(r, dbi_of(r, "made-in-g", 0), "g"), "g");
  ck_assert_int_eq(lvt_txn_dbi(r, "made-in-c2", 0, &d2), LVT_NOTFOUND);
  lvt_txn_abort(r);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_misuse)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, 0, LVT_SYNC_OFF);
  lvt_txn *r = begin(env, NULL, LVT_TXN_RDONLY), *w;
  MDB_val k = { 1, "k" }, v = { 1, "v" };
  MDB_dbi d;
  lvt_txn *t = NULL;

  ck_assert_int_eq(lvt_txn_commit(NULL), LVT_MISUSE);
  lvt_txn_abort(NULL);
  ck_assert_int_eq(lvt_txn_begin(NULL, NULL, 0, 0, &t), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_begin(env, NULL, 0x80, 0, &t), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_begin(env, NULL, 0, 0, NULL), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_dbi(r, "nope", 1, &d), LVT_READONLY);
  ck_assert_int_eq(lvt_txn_dbi(r, "nope", 0, &d), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_txn_dbi(r, NULL, 0, &d), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_put(r, 2, &k, &v, 0), LVT_READONLY);
  ck_assert_int_eq(lvt_txn_del(r, 2, &k), LVT_READONLY);
  ck_assert_int_eq(lvt_txn_put(NULL, 2, &k, &v, 0), LVT_MISUSE);
  w = begin(env, NULL, 0);
  d = dbi_of(w, "d", 1);
  ck_assert_int_eq(lvt_txn_put(w, d, &k, &v, MDB_RESERVE), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_put(w, d, NULL, &v, 0), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_drop(w, 1, 1), LVT_MISUSE);
  ck_assert_int_eq(lvt_txn_put(w, d, &k, &v, 0), LVT_OK);
  ck_assert_int_eq(lvt_txn_put(w, d, &k, &v, MDB_NOOVERWRITE), LVT_EXISTS);
  ck_assert_int_eq(lvt_txn_del(w, d, &v), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_txn_del(w, d, &k), LVT_OK);
  ck_assert_ptr_eq(lvt_txn_env(w), env);
  ck_assert_ptr_eq(lvt_env_mdb(env), mdb_txn_env(lvt_txn_mdb(w)));
  ck_assert_int_eq(lvt_txn_readonly(w), 0);
  ck_assert_int_eq(lvt_txn_readonly(r), 1);
  commit(w);
  ck_assert_int_eq(lvt_txn_commit(r), LVT_OK);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* --------------------------------------------------------------- dbis -- */

START_TEST(test_dbi_visibility)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, 0, LVT_SYNC_OFF);
  lvt_txn *w = begin(env, NULL, 0), *r0, *r1;
  MDB_dbi d, d1;

  r0 = begin(env, NULL, LVT_TXN_RDONLY);
  d1 = dbi_of(w, "t1", 1);
  put_s(w, d1, "a", "1");
  ck_assert_int_eq(lvt_txn_dbi(r0, "t1", 0, &d), LVT_NOTFOUND);
  commit(w);
  ck_assert_int_eq(lvt_txn_dbi(r0, "t1", 0, &d), LVT_NOTFOUND);   /* snapshot */
  lvt_txn_abort(r0);
  r1 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_uint_eq(dbi_of(r1, "t1", 0), d1);
  ck_assert_str_eq(get_s(r1, d1, "a"), "1");

  w = begin(env, NULL, 0);               /* created in a txn that aborts */
  d = dbi_of(w, "t2", 1);
  put_s(w, d, "b", "2");
  lvt_txn_abort(w);
  w = begin(env, NULL, 0);
  ck_assert_int_eq(lvt_txn_dbi(w, "t2", 0, &d), LVT_NOTFOUND);
  d = dbi_of(w, "t2", 1);
  ck_assert_ptr_null(get_s(w, d, "b"));
  put_s(w, d, "b", "3");
  commit(w);
  lvt_txn_abort(r1);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_dbi_drop)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, 0, LVT_SYNC_OFF);
  lvt_txn *w = begin(env, NULL, 0), *r1, *r2;
  MDB_dbi d, d1;
  MDB_stat st;
  size_t before;

  d1 = dbi_of(w, "t1", 1);
  put_s(w, d1, "a", "1");
  put_s(w, dbi_of(w, "t2", 1), "b", "3");
  commit(w);
  r1 = begin(env, NULL, LVT_TXN_RDONLY);
  w = begin(env, NULL, 0);               /* a drop that aborts */
  ck_assert_int_eq(lvt_txn_drop(w, d1, 1), LVT_OK);
  ck_assert_int_eq(lvt_txn_dbi(w, "t1", 0, &d), LVT_NOTFOUND);
  lvt_txn_abort(w);
  r2 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_str_eq(get_s(r2, dbi_of(r2, "t1", 0), "a"), "1");
  lvt_txn_abort(r2);

  w = begin(env, NULL, 0);               /* drop, revive, drop, commit */
  ck_assert_int_eq(lvt_txn_drop(w, d1, 1), LVT_OK);
  ck_assert_uint_eq(dbi_of(w, "t1", 1), d1);
  ck_assert_ptr_null(get_s(w, d1, "a"));
  ck_assert_int_eq(lvt_txn_drop(w, d1, 1), LVT_OK);
  ck_assert_int_eq(lvt_txn_dbi(w, "t1", 0, &d), LVT_NOTFOUND);
  commit(w);
  r2 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_int_eq(lvt_txn_dbi(r2, "t1", 0, &d), LVT_NOTFOUND);
  ck_assert_int_eq(mdb_stat(lvt_txn_mdb(r2), 1, &st), 0);
  before = st.ms_entries;
  lvt_txn_abort(r2);
  ck_assert_uint_eq(dbi_of(r1, "t1", 0), d1);   /* r1 began before the drop */
  ck_assert_str_eq(get_s(r1, d1, "a"), "1");
  w = begin(env, NULL, 0);               /* an uncommitted revival */
  ck_assert_uint_eq(dbi_of(w, "t1", 1), d1);
  r2 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_int_eq(lvt_txn_dbi(r2, "t1", 0, &d), LVT_NOTFOUND);
  lvt_txn_abort(r2);
  lvt_txn_abort(w);

  commit(begin(env, NULL, 0));           /* r1 open: the tombstone stays */
  lvt_txn_abort(r1);
  commit(begin(env, NULL, 0));           /* now it is purged */
  r2 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_int_eq(mdb_stat(lvt_txn_mdb(r2), 1, &st), 0);
  ck_assert_uint_eq(st.ms_entries, before - 1);
  ck_assert_int_eq(lvt_txn_dbi(r2, "t1", 0, &d), LVT_NOTFOUND);
  ck_assert_str_eq(get_s(r2, dbi_of(r2, "t2", 0), "b"), "3");
  lvt_txn_abort(r2);
  w = begin(env, NULL, 0);               /* the name can be made again */
  d = dbi_of(w, "t1", 1);
  ck_assert_ptr_null(get_s(w, d, "a"));
  commit(w);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ------------------------------------------------------------ growth -- */

/* Put keys [lo, hi) into dbi. */
static void put_range(lvt_txn *t, MDB_dbi dbi, uint64_t lo, uint64_t hi)
{
  for (; lo < hi; lo++) put_ok(t, dbi, lo);
}

/* Check keys [lo, hi) are all present (want 1) or all absent (want 0). */
static void check_range(lvt_txn *t, MDB_dbi dbi, uint64_t lo, uint64_t hi, int want)
{
  for (; lo < hi; lo++)
    ck_assert_msg(has_k(t, dbi, lo) == want, "key %llu: expected %s",
                  (unsigned long long)lo, want ? "present" : "absent");
}

START_TEST(test_growth_nested_200mb)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  lvt_txn *w, *c1, *c2, *c3, *g, *r;
  MDB_dbi a, b, old, c;
  unsigned gen0;
  const uint64_t S = 10000;              /* ~40 MB per segment */

  w = begin(env, NULL, 0);               /* a sub-database from before */
  old = dbi_of(w, "old", 1);
  put_s(w, old, "x", "y");
  commit(w);
  w = begin(env, NULL, 0);
  gen0 = lvt_txn_gen(w);
  a = dbi_of(w, "a", 1);
  put_range(w, a, 0, S);
  ck_assert_int_eq(lvt_txn_drop(w, old, 1), LVT_OK);  /* deleted, mid-load */
  c1 = begin(env, w, 0);
  b = dbi_of(c1, "b", 1);
  put_range(c1, b, S, 2 * S);
  commit(c1);
  c2 = begin(env, w, 0);                 /* grows inside, then aborts */
  put_range(c2, a, 2 * S, 3 * S);
  put_ok(c2, dbi_of(c2, "aborted", 1), 7);
  lvt_txn_abort(c2);
  c3 = begin(env, w, 0);
  put_range(c3, a, 3 * S, 3 * S + S / 2);
  g = begin(env, c3, 0);
  c = dbi_of(g, "c", 1);
  put_range(g, c, 3 * S + S / 2, 4 * S);
  commit(g);
  commit(c3);
  put_range(w, b, 4 * S, 5 * S);
  ck_assert_uint_ne(lvt_txn_gen(w), gen0);
  check_range(w, a, 0, 100, 1);          /* readable inside, after growing */
  commit(w);
  ck_assert_uint_gt(mapsize_of(env), (size_t)150 << 20);

  r = begin(env, NULL, LVT_TXN_RDONLY);
  check_range(r, a, 0, S, 1);
  check_range(r, b, S, 2 * S, 1);
  check_range(r, a, 2 * S, 3 * S, 0);
  check_range(r, a, 3 * S, 3 * S + S / 2, 1);
  check_range(r, c, 3 * S + S / 2, 4 * S, 1);
  check_range(r, b, 4 * S, 5 * S, 1);
  ck_assert_int_eq(lvt_txn_dbi(r, "aborted", 0, &old), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_txn_dbi(r, "old", 0, &old), LVT_NOTFOUND);
  lvt_txn_abort(r);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_growth_across_txns)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  lvt_txn *w, *r;
  MDB_dbi d = 0;
  size_t grown;
  uint64_t i;

  for (i = 0; i < 20; i++) {             /* ~2 MB each */
    w = begin(env, NULL, 0);
    d = dbi_of(w, "d", 1);
    put_range(w, d, i * 500, (i + 1) * 500);
    commit(w);
  }
  r = begin(env, NULL, LVT_TXN_RDONLY);
  check_range(r, d, 0, 20 * 500, 1);
  lvt_txn_abort(r);
  grown = mapsize_of(env);
  ck_assert_uint_gt(grown, (size_t)40 << 20);
  lvt_env_close(env);
  env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);   /* keeps the larger */
  ck_assert_uint_ge(mapsize_of(env), grown);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* Fill a 1 MiB map to just below, at and past its last page, so that some
 * commit finds the map full while saving the sub-database records (with
 * 4 KiB pages: 247 values of 3000 bytes); every commit must succeed. */
START_TEST(test_commit_at_map_boundary)
{
  static unsigned char buf[3000];
  char *dir = tu_tmpdir("env"), *p;
  lvt_env *env;
  lvt_txn *w;
  MDB_dbi d;
  unsigned char kb[4];
  MDB_val key = { 4, kb }, val = { sizeof buf, buf }, out;
  int k, j;

  for (k = 236; k < 260; k++) {
    p = path_join(dir, "x");
    env = env_at(p, (size_t)1 << 20, LVT_SYNC_OFF);
    w = begin(env, NULL, 0);
    put_s(w, dbi_of(w, "d", 1), "a", "b");
    commit(w);
    w = begin(env, NULL, 0);
    d = dbi_of(w, "d", 0);
    for (j = 0; j < k; j++) {
      kb[0] = kb[1] = 0; kb[2] = (unsigned char)(j >> 8); kb[3] = (unsigned char)j;
      memset(buf, j, sizeof buf);
      ck_assert_int_eq(lvt_txn_put(w, d, &key, &val, 0), LVT_OK);
    }
    commit(w);
    w = begin(env, NULL, LVT_TXN_RDONLY);
    for (j = 0; j < k; j++) {
      kb[2] = (unsigned char)(j >> 8); kb[3] = (unsigned char)j;
      ck_assert_int_eq(lvt_txn_get(w, d, &key, &out), LVT_OK);
      ck_assert_uint_eq(out.mv_size, sizeof buf);
      ck_assert_uint_eq(((unsigned char *)out.mv_data)[2999], (unsigned char)j);
    }
    lvt_txn_abort(w);
    lvt_env_close(env);
    tu_rmtree(p);
    free(p);
  }
  tu_rmtree(dir);
  free(dir);
}
END_TEST

typedef struct reader_arg {
  lvt_env *env;
  int hold_ms;
  sem_t began;
  int rc;
} reader_arg;

/* Hold a read transaction for hold_ms. */
static void *reader_thread(void *p)
{
  reader_arg *a = p;
  lvt_txn *t = NULL;

  a->rc = lvt_txn_begin(a->env, NULL, LVT_TXN_RDONLY, 0, &t);
  sem_post(&a->began);
  sleep_ms(a->hold_ms);
  lvt_txn_abort(t);
  return NULL;
}

START_TEST(test_growth_waits_for_reader)
{
  char *dir = tu_tmpdir("env");
  reader_arg ra;
  pthread_t th;
  lvt_txn *w, *r;
  MDB_dbi d;
  double t0, dt;

  ra.env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  ra.hold_ms = 700;
  sem_init(&ra.began, 0, 0);
  ck_assert_int_eq(pthread_create(&th, NULL, reader_thread, &ra), 0);
  sem_wait(&ra.began);
  ck_assert_int_eq(ra.rc, LVT_OK);
  t0 = now_ms();
  w = begin(ra.env, NULL, 0);
  d = dbi_of(w, "d", 1);
  put_range(w, d, 0, 2000);              /* ~8 MB: must grow */
  dt = now_ms() - t0;
  commit(w);
  pthread_join(th, NULL);
  ck_assert_msg(dt >= 400 && dt < 5000, "growth took %.0f ms; the reader held "
                "for 700 ms", dt);
  ck_assert_uint_gt(mapsize_of(ra.env), (size_t)8 << 20);
  r = begin(ra.env, NULL, LVT_TXN_RDONLY);
  check_range(r, d, 0, 2000, 1);
  lvt_txn_abort(r);
  lvt_env_close(ra.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_growth_blocked_by_own_reader)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  lvt_txn *mine = begin(env, NULL, LVT_TXN_RDONLY), *w, *r;
  MDB_dbi d;
  uint64_t k;
  double t0;
  int rc = LVT_OK;

  w = begin(env, NULL, 0);
  d = dbi_of(w, "d", 1);
  t0 = now_ms();
  for (k = 0; k < 2000 && rc == LVT_OK; k++) rc = put_k(w, d, k);
  ck_assert_int_eq(rc, LVT_FULL);        /* fails at once, no deadlock */
  ck_assert_double_lt(now_ms() - t0, 3000);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "this thread"));
  k -= 1;                                /* the failed key */
  ck_assert_uint_gt(k, 10);
  check_range(w, d, 0, k, 1);            /* the transaction goes on */
  ck_assert_int_eq(has_k(w, d, k), 0);
  lvt_txn_abort(mine);                   /* (a commit may need to grow too) */
  commit(w);
  r = begin(env, NULL, LVT_TXN_RDONLY);
  check_range(r, d, 0, k, 1);
  lvt_txn_abort(r);
  w = begin(env, NULL, 0);               /* alone now: it grows */
  put_range(w, d, k, 2000);
  commit(w);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

typedef struct busy_arg {
  lvt_env *env;
  MDB_dbi dbi;
  volatile int stop;
  int bad, reads;
} busy_arg;

/* Short read transactions in a loop, each checking key 0, while the map is
 * remapped under them. */
static void *busy_reader(void *p)
{
  busy_arg *a = p;
  lvt_txn *t;

  while (!a->stop) {
    if (lvt_txn_begin(a->env, NULL, LVT_TXN_RDONLY, 0, &t) != LVT_OK) { a->bad++; continue; }
    if (!has_k(t, a->dbi, 0)) a->bad++;
    __atomic_add_fetch(&a->reads, 1, __ATOMIC_RELAXED);
    lvt_txn_abort(t);
  }
  return NULL;
}

START_TEST(test_growth_with_busy_readers)
{
  char *dir = tu_tmpdir("env");
  busy_arg a = { NULL, 0, 0, 0, 0 };
  pthread_t th[3];
  lvt_txn *w;
  int i;

  a.env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  w = begin(a.env, NULL, 0);
  a.dbi = dbi_of(w, "d", 1);
  put_ok(w, a.dbi, 0);
  commit(w);
  for (i = 0; i < 3; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, busy_reader, &a), 0);
  for (i = 0; i < 5; i++) {              /* ~30 MB in all, many remaps */
    w = begin(a.env, NULL, 0);
    put_range(w, a.dbi, 1 + (uint64_t)i * 1500, 1 + (uint64_t)(i + 1) * 1500);
    commit(w);
  }
  a.stop = 1;
  for (i = 0; i < 3; i++) pthread_join(th[i], NULL);
  ck_assert_int_eq(a.bad, 0);
  ck_assert_int_gt(a.reads, 100);
  ck_assert_uint_gt(mapsize_of(a.env), (size_t)30 << 20);
  lvt_env_close(a.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ---------------------------------------------------------- snapshots -- */

typedef struct snap_arg {
  lvt_env *env;
  volatile int stop;
  int bad, reads;
} snap_arg;

/* Read x and y (which every commit keeps summing to 1000) until told to
 * stop; a transaction must see them consistent and unchanging. */
static void *snap_reader(void *p)
{
  snap_arg *a = p;
  lvt_txn *t;
  MDB_dbi d;
  char x1[32], y1[32];
  const char *s;
  int i;

  while (!a->stop) {
    if (lvt_txn_begin(a->env, NULL, LVT_TXN_RDONLY, 0, &t) != LVT_OK) { a->bad++; break; }
    if (lvt_txn_dbi(t, "s", 0, &d) != LVT_OK) { a->bad++; lvt_txn_abort(t); break; }
    s = get_s(t, d, "x"); snprintf(x1, sizeof x1, "%s", s ? s : "?");
    s = get_s(t, d, "y"); snprintf(y1, sizeof y1, "%s", s ? s : "?");
    if (atoi(x1) + atoi(y1) != 1000) a->bad++;
    for (i = 0; i < 3; i++) {
      sleep_ms(1);
      s = get_s(t, d, "x");
      if (s == NULL || strcmp(s, x1) != 0) a->bad++;
    }
    a->reads++;
    lvt_txn_abort(t);
  }
  return NULL;
}

START_TEST(test_snapshot_while_writer_commits)
{
  char *dir = tu_tmpdir("env");
  snap_arg a = { NULL, 0, 0, 0 };
  pthread_t th[2];
  lvt_txn *w;
  MDB_dbi d;
  char buf[32];
  int i;

  a.env = env_at(dir, 0, LVT_SYNC_OFF);
  w = begin(a.env, NULL, 0);
  d = dbi_of(w, "s", 1);
  put_s(w, d, "x", "500");
  put_s(w, d, "y", "500");
  commit(w);
  for (i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, snap_reader, &a), 0);
  for (i = 0; i < 200; i++) {
    w = begin(a.env, NULL, 0);
    snprintf(buf, sizeof buf, "%d", i);
    put_s(w, d, "x", buf);
    snprintf(buf, sizeof buf, "%d", 1000 - i);
    put_s(w, d, "y", buf);
    commit(w);
    sleep_ms(1);
  }
  a.stop = 1;
  for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
  ck_assert_int_eq(a.bad, 0);
  ck_assert_int_gt(a.reads, 10);
  lvt_env_close(a.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ------------------------------------------------------ info, backup -- */

START_TEST(test_info)
{
  char *dir = tu_tmpdir("env");
  lvt_env *env = env_at(dir, (size_t)8 << 20, LVT_SYNC_OFF);
  lvt_env_info info;
  lvt_txn *r1, *r2, *w;

  ck_assert_int_eq(lvt_env_info_get(env, &info), LVT_OK);
  ck_assert_uint_ge(info.mapsize, (size_t)8 << 20);
  ck_assert_uint_eq(info.psize, (unsigned)sysconf(_SC_PAGESIZE));
  ck_assert_uint_gt(info.used, 0);
  ck_assert_uint_le(info.used, info.mapsize);
  ck_assert_uint_eq(info.readers, 0);
  ck_assert_uint_ge(info.maxreaders, 100);
  r1 = begin(env, NULL, LVT_TXN_RDONLY);
  r2 = begin(env, NULL, LVT_TXN_RDONLY);
  ck_assert_int_eq(lvt_env_info_get(env, &info), LVT_OK);
  ck_assert_uint_eq(info.readers, 2);
  lvt_txn_abort(r1);
  lvt_txn_abort(r2);
  w = begin(env, NULL, 0);
  put_range(w, dbi_of(w, "d", 1), 0, 200);
  commit(w);
  ck_assert_int_eq(lvt_env_info_get(env, &info), LVT_OK);
  ck_assert_uint_eq(info.readers, 0);
  ck_assert_uint_gt(info.used, (size_t)200 * 2000);
  ck_assert_int_eq(lvt_env_info_get(NULL, &info), LVT_MISUSE);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_backup)
{
  char *dir = tu_tmpdir("env"), *src = path_join(dir, "src");
  char *dst = path_join(dir, "dst"), *bad = path_join(dir, "no/such/dir");
  lvt_env *env = env_at(src, 0, LVT_SYNC_OFF), *copy;
  lvt_txn *w, *r;
  MDB_dbi d;

  w = begin(env, NULL, 0);
  d = dbi_of(w, "d", 1);
  put_range(w, d, 0, 300);
  put_s(w, dbi_of(w, "small", 1), "k", "v");
  commit(w);
  w = begin(env, NULL, 0);               /* backups run beside a writer */
  put_range(w, d, 1000, 1010);
  ck_assert_int_eq(lvt_env_backup(env, dst), LVT_OK);
  commit(w);
  ck_assert_int_eq(lvt_env_backup(env, dst), LVT_EXISTS);
  ck_assert_int_eq(lvt_env_backup(env, bad), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_env_backup(NULL, dst), LVT_MISUSE);
  copy = env_at(dst, 0, LVT_SYNC_FULL);
  ck_assert_ptr_ne(copy, env);
  r = begin(copy, NULL, LVT_TXN_RDONLY);
  d = dbi_of(r, "d", 0);
  check_range(r, d, 0, 300, 1);
  check_range(r, d, 1000, 1010, 0);      /* not committed at backup time */
  ck_assert_str_eq(get_s(r, dbi_of(r, "small", 0), "k"), "v");
  lvt_txn_abort(r);
  lvt_env_close(copy);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(src);
  free(dst);
  free(bad);
  free(dir);
}
END_TEST

/* --------------------------------------------------- other processes -- */

/* In a forked child, with raw LMDB: open dir, write `n` values into
 * sub-database `name`, commit.  Returns an exit status. */
static int raw_writer(const char *dir, const char *name, uint64_t lo, uint64_t n)
{
  static unsigned char buf[8192];
  MDB_env *e;
  MDB_txn *t;
  MDB_dbi d;
  unsigned char kb[8];
  MDB_val k = { 8, kb }, v;
  uint64_t i;

  if (mdb_env_create(&e) || mdb_env_set_maxdbs(e, 16) ||
      mdb_env_set_mapsize(e, (size_t)256 << 20) || mdb_env_open(e, dir, 0, 0666))
    return 2;
  if (mdb_txn_begin(e, NULL, 0, &t) || mdb_dbi_open(t, name, MDB_CREATE, &d)) return 3;
  for (i = lo; i < lo + n; i++) {
    key_of(kb, i);
    v.mv_size = vlen_of(i);
    v.mv_data = buf;
    fill_val(buf, i, v.mv_size);
    if (mdb_put(t, d, &k, &v, 0)) return 4;
  }
  if (mdb_txn_commit(t)) return 5;
  mdb_env_close(e);
  return 0;
}

/* Fork a child that waits for a byte on a pipe, then runs raw_writer. */
static pid_t spawn_writer(int *go_fd, const char *dir, const char *name,
                          uint64_t lo, uint64_t n)
{
  int fds[2];
  pid_t pid;
  char c;

  ck_assert_int_eq(pipe(fds), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1) _exit(1);
    _exit(raw_writer(dir, name, lo, n));
  }
  close(fds[0]);
  *go_fd = fds[1];
  return pid;
}

static int wait_child(pid_t pid)
{
  int st = 0;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

START_TEST(test_other_process_creates_and_grows)
{
  char *dir = tu_tmpdir("env");
  int go;
  pid_t pid = spawn_writer(&go, dir, "ext", 0, 10000);   /* ~40 MB */
  lvt_env *env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  lvt_txn *r, *w;
  MDB_dbi d;

  r = begin(env, NULL, LVT_TXN_RDONLY);  /* env exists, empty */
  ck_assert_int_eq(lvt_txn_dbi(r, "ext", 0, &d), LVT_NOTFOUND);
  lvt_txn_abort(r);
  ck_assert_int_eq(write(go, "g", 1), 1);
  ck_assert_int_eq(wait_child(pid), 0);
  close(go);
  r = begin(env, NULL, LVT_TXN_RDONLY);  /* MAP_RESIZED, then a refresh */
  d = dbi_of(r, "ext", 0);
  check_range(r, d, 0, 10000, 1);
  lvt_txn_abort(r);
  w = begin(env, NULL, 0);
  put_range(w, d, 10000, 10010);
  commit(w);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(test_lost_when_other_process_commits)
{
  char *dir = tu_tmpdir("env");
  int go, rc = LVT_OK;
  pid_t pid = spawn_writer(&go, dir, "theirs", 0, 3);
  reader_arg ra;
  pthread_t th;
  lvt_txn *w, *r;
  MDB_dbi d, t2;
  uint64_t k;

  ra.env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  ra.hold_ms = 1500;
  sem_init(&ra.began, 0, 0);
  w = begin(ra.env, NULL, 0);
  d = dbi_of(w, "mine", 1);
  ck_assert_int_eq(write(go, "g", 1), 1);  /* the child waits for LMDB's lock */
  sleep_ms(300);
  ck_assert_int_eq(pthread_create(&th, NULL, reader_thread, &ra), 0);
  sem_wait(&ra.began);
  for (k = 0; k < 2000 && rc == LVT_OK; k++) rc = put_k(w, d, k);
  ck_assert_int_eq(rc, LVT_BUSY);        /* it committed while we grew */
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "another process"));
  ck_assert_ptr_null(lvt_txn_mdb(w));
  ck_assert_int_eq(put_k(w, d, 1), LVT_BUSY);
  ck_assert_int_eq(lvt_txn_commit(w), LVT_BUSY);
  pthread_join(th, NULL);
  ck_assert_int_eq(wait_child(pid), 0);
  close(go);
  r = begin(ra.env, NULL, LVT_TXN_RDONLY);
  t2 = dbi_of(r, "theirs", 0);
  check_range(r, t2, 0, 3, 1);
  ck_assert_int_eq(lvt_txn_dbi(r, "mine", 0, &d), LVT_NOTFOUND);
  lvt_txn_abort(r);
  w = begin(ra.env, NULL, 0);            /* the writer slot was released */
  commit(w);
  lvt_env_close(ra.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* --------------------------------------------------------- long test -- */

START_TEST(test_long_1gib_load)
{
  const char *z = getenv("LVT_LONG_TESTS");
  char *dir;
  lvt_env *env;
  lvt_txn *w, *r;
  struct rusage ru;
  MDB_dbi d;
  uint64_t k, n = 0;
  size_t bytes = 0;
  double t0, t1, t2;

  if (z == NULL || strcmp(z, "1") != 0) {
    printf("check_env: 1 GiB load skipped (set LVT_LONG_TESTS=1 to run it)\n");
    fflush(stdout);
    return;
  }
  dir = tu_tmpdir("env");
  env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  t0 = now_ms();
  w = begin(env, NULL, 0);
  d = dbi_of(w, "big", 1);
  for (k = 0; bytes < ((size_t)1 << 30); k++, n++) {
    put_ok(w, d, k);
    bytes += vlen_of(k) + 8;
  }
  commit(w);
  t1 = now_ms();
  r = begin(env, NULL, LVT_TXN_RDONLY);
  for (k = 0; k < n; k += 1 + tu_below(64)) ck_assert_int_eq(has_k(r, d, k), 1);
  ck_assert_int_eq(has_k(r, d, n), 0);
  lvt_txn_abort(r);
  t2 = now_ms();
  getrusage(RUSAGE_SELF, &ru);
  printf("check_env: 1 GiB load: %llu values, %zu bytes into a 1 MiB map: "
         "load+commit %.1f s, sampled verify %.1f s, final map %zu MiB, "
         "peak RSS %ld MiB\n", (unsigned long long)n, bytes, (t1 - t0) / 1e3,
         (t2 - t1) / 1e3, mapsize_of(env) >> 20, ru.ru_maxrss / 1024);
  fflush(stdout);
  lvt_env_close(env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ------------------------------------------------ read transaction pool -- */

/* Reset read transactions are pooled and renewed (env.c, "Read
 * transaction pool").  Readers in several threads check that every
 * transaction sees one snapshot, all through its life, while a writer
 * commits pairs of values that always sum to 1000000 and, now and then, a
 * large value that makes the map grow (the pool is emptied at every
 * remap).  Each reader copies into buffers of its own (no shared static
 * buffer: two threads copying through one would report false mismatches).
 * At the end no reader slot may still hold a snapshot. */
typedef struct pool_arg {
  lvt_env *env;
  volatile int stop;
  int bad, reads, begins_failed;
} pool_arg;

static int pool_get(lvt_txn *t, MDB_dbi d, const char *k, long *out)
{
  char buf[32];
  MDB_val key = { strlen(k), (void *)k }, val;
  int rc = lvt_txn_get(t, d, &key, &val);

  if (rc != LVT_OK || val.mv_size >= sizeof buf) return -1;
  memcpy(buf, val.mv_data, val.mv_size);
  buf[val.mv_size] = '\0';
  *out = atol(buf);
  return 0;
}

static void *pool_reader(void *p)
{
  pool_arg *a = p;
  lvt_txn *t;
  MDB_dbi d;
  long x, y, x2;
  int i, n = 0, rc;

  while (!a->stop) {
    rc = lvt_txn_begin(a->env, NULL, LVT_TXN_RDONLY, 0, &t);
    if (rc != LVT_OK) { __atomic_add_fetch(&a->begins_failed, 1, __ATOMIC_RELAXED); continue; }
    if (lvt_txn_dbi(t, "p", 0, &d) != LVT_OK || pool_get(t, d, "x", &x) ||
        pool_get(t, d, "y", &y) || x + y != 1000000) {
      __atomic_add_fetch(&a->bad, 1, __ATOMIC_RELAXED);
    } else {
      for (i = 0; i < 2; i++) {
        if ((n++ & 7) == 0) sleep_ms(1); else sched_yield();
        if (pool_get(t, d, "x", &x2) || x2 != x || pool_get(t, d, "y", &y) || x + y != 1000000)
          __atomic_add_fetch(&a->bad, 1, __ATOMIC_RELAXED);
      }
    }
    __atomic_add_fetch(&a->reads, 1, __ATOMIC_RELAXED);
    if (n & 1) lvt_txn_abort(t);
    else ck_assert_int_eq(lvt_txn_commit(t), LVT_OK);
  }
  return NULL;
}

START_TEST(test_read_pool_stress)
{
  char *dir = tu_tmpdir("env");
  pool_arg a = { NULL, 0, 0, 0, 0 };
  pthread_t th[4];
  lvt_env_info info;
  lvt_txn *w;
  MDB_dbi d;
  char buf[32];
  size_t map0;
  int i, rounds = getenv("LVT_POOL_ROUNDS") ? atoi(getenv("LVT_POOL_ROUNDS")) : 400;

  a.env = env_at(dir, (size_t)1 << 20, LVT_SYNC_OFF);
  map0 = mapsize_of(a.env);
  w = begin(a.env, NULL, 0);
  d = dbi_of(w, "p", 1);
  put_s(w, d, "x", "500000");
  put_s(w, d, "y", "500000");
  commit(w);
  for (i = 0; i < 4; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, pool_reader, &a), 0);
  for (i = 0; i < rounds; i++) {
    w = begin(a.env, NULL, 0);
    snprintf(buf, sizeof buf, "%d", i * 997 % 1000000);
    put_s(w, d, "x", buf);
    if (i % 40 == 7) put_range(w, d, (uint64_t)i * 100, (uint64_t)i * 100 + 60);
    snprintf(buf, sizeof buf, "%d", 1000000 - i * 997 % 1000000);
    put_s(w, d, "y", buf);
    commit(w);
    if (i % 3 == 0) sched_yield();
  }
  a.stop = 1;
  for (i = 0; i < 4; i++) pthread_join(th[i], NULL);
  ck_assert_int_eq(a.bad, 0);
  ck_assert_int_gt(a.reads, 50);
  ck_assert_uint_gt(mapsize_of(a.env), map0);       /* it did grow */
  ck_assert_int_eq(lvt_env_info_get(a.env, &info), LVT_OK);
  ck_assert_uint_eq(info.readers, 0);               /* pooled slots are idle */
  lvt_env_close(a.env);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

/* ------------------------------------------------------------- suite -- */

static Suite *env_suite(void)
{
  Suite *s = suite_create("env");
  TCase *tc = tcase_create("registry");
  TCase *tt = tcase_create("transactions");
  TCase *tg = tcase_create("growth");
  TCase *tl = tcase_create("long");

  tcase_add_test(tc, test_same_env_spellings);
  tcase_add_test(tc, test_open_errors);
  tcase_add_test(tc, test_sync_and_mode_conflicts);
  tcase_add_test(tc, test_info);
  tcase_add_test(tc, test_backup);
  suite_add_tcase(s, tc);
  tcase_set_timeout(tt, 30);
  tcase_add_test(tt, test_two_writers_threads);
  tcase_add_test(tt, test_same_thread_twice);
  tcase_add_test(tt, test_nested);
  tcase_add_test(tt, test_misuse);
  tcase_add_test(tt, test_dbi_visibility);
  tcase_add_test(tt, test_dbi_drop);
  tcase_add_test(tt, test_snapshot_while_writer_commits);
  tcase_add_test(tt, test_read_pool_stress);
  suite_add_tcase(s, tt);
  tcase_set_timeout(tg, 120);
  tcase_add_test(tg, test_growth_nested_200mb);
  tcase_add_test(tg, test_growth_across_txns);
  tcase_add_test(tg, test_commit_at_map_boundary);
  tcase_add_test(tg, test_growth_waits_for_reader);
  tcase_add_test(tg, test_growth_blocked_by_own_reader);
  tcase_add_test(tg, test_growth_with_busy_readers);
  tcase_add_test(tg, test_other_process_creates_and_grows);
  tcase_add_test(tg, test_lost_when_other_process_commits);
  suite_add_tcase(s, tg);
  tcase_set_timeout(tl, 1800);
  tcase_add_test(tl, test_long_1gib_load);
  suite_add_tcase(s, tl);
  return s;
}

int main(void)
{
  tu_seed_from_env(42);
  return tu_run(env_suite());
}
