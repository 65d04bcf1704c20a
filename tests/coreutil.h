/*
 * coreutil.h -- fixtures shared by the Check suites of the storage core
 * (check_table, check_cursor, check_catalog, check_check): an environment
 * in a temporary directory, transactions, assertions on LVT codes and
 * value constructors.
 *
 * Everything here is static inline or a macro, so a suite that uses only
 * part of it gets no unused-function warnings.  Include after the core's
 * own header (lvt_int.h or table_int.h).
 */
#ifndef LVT_COREUTIL_H
#define LVT_COREUTIL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmdbvt.h"
#include "testutil.h"

/* The suite's seed: main sets it (tu_seed_from_env) and prints it; fx_open
 * restarts the generator from it, so that every test draws the same
 * numbers whether or not it runs in a fork. */
static uint64_t seed;

/* ---------------------------------------------------------- assertions -- */

/* expr returns LVT_OK.  (Only a failing check calls into Check: a passing
 * ck_assert writes a checkpoint record, which would dominate the time of
 * the model and property tests.) */
#define ck_ok(expr) \
  do { \
    int rc_ = (expr); \
    if (rc_ != LVT_OK) ck_abort_msg("%s: %d (%s)", #expr, rc_, lvt_errmsg()); \
  } while (0)

/* expr returns code, and lvt_errmsg() contains frag. */
#define ck_err(expr, code, frag)                                              \
  do {                                                                        \
    int rc_ = (expr);                                                         \
    ck_assert_msg(rc_ == (code), "%s: got %d (%s), want %d", #expr, rc_,      \
                  lvt_errmsg(), (code));                                      \
    ck_assert_msg(strstr(lvt_errmsg(), (frag)) != NULL,                       \
                  "%s: message \"%s\" lacks \"%s\"", #expr, lvt_errmsg(),     \
                  (frag));                                                    \
  } while (0)

/* Cheap assertions for hot loops (no checkpoint when they pass). */
#define REQ(cond) \
  do { if (!(cond)) ck_abort_msg("failed: %s (%s)", #cond, lvt_errmsg()); } while (0)
#define REQ_EQ(a, b) \
  do { \
    intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b); \
    if (a_ != b_) \
      ck_abort_msg("failed: %s == %s (%jd != %jd) [%s]", #a, #b, a_, b_, lvt_errmsg()); \
  } while (0)

/* ------------------------------------------------------------ fixture -- */

/* A test's environment and its directory. */
typedef struct fx {
  char *dir;
  lvt_env *env;
} fx;

/* Open a new environment (map size mapsize, 0: the default) in a fresh
 * temporary directory named after tag; reseed the generator. */
static inline void fx_open_map(fx *f, const char *tag, size_t mapsize)
{
  lvt_env_opts o = { mapsize, LVT_SYNC_OFF, LVT_ENV_CREATE };
  tu_seed(seed);
  f->dir = tu_tmpdir(tag);
  ck_ok(lvt_env_open(f->dir, &o, &f->env));
}

static inline void fx_open(fx *f, const char *tag)
{
  fx_open_map(f, tag, 0);
}

/* Close and reopen the environment (default map size). */
static inline void fx_reopen(fx *f)
{
  lvt_env_opts o = { 0, LVT_SYNC_OFF, LVT_ENV_CREATE };
  lvt_env_close(f->env);
  ck_ok(lvt_env_open(f->dir, &o, &f->env));
}

static inline void fx_close(fx *f)
{
  lvt_env_close(f->env);
  tu_rmtree(f->dir);
  free(f->dir);
}

static inline lvt_txn *wtxn(fx *f)
{
  lvt_txn *t = NULL;
  ck_ok(lvt_txn_begin(f->env, NULL, 0, -1, &t));
  return t;
}

static inline lvt_txn *rtxn(fx *f)
{
  lvt_txn *t = NULL;
  ck_ok(lvt_txn_begin(f->env, NULL, LVT_TXN_RDONLY, -1, &t));
  return t;
}

/* ------------------------------------------------------------- values -- */

static inline lvt_value I(int64_t i) { lvt_value v; v.type = LVT_INTEGER; v.u.i = i; return v; }
static inline lvt_value R(double r) { lvt_value v; v.type = LVT_REAL; v.u.r = r; return v; }
static inline lvt_value N(void) { lvt_value v; v.type = LVT_NULL; return v; }

static inline lvt_value B(const void *p, size_t n)
{
  lvt_value v;
  v.type = LVT_BLOB;
  v.u.s.p = p;
  v.u.s.n = n;
  return v;
}

/* TEXT of n bytes (may hold NULs); T: of a C string. */
static inline lvt_value TN(const char *s, size_t n)
{
  lvt_value v = B(s, n);
  v.type = LVT_TEXT;
  return v;
}

static inline lvt_value T(const char *s) { return TN(s, strlen(s)); }

#endif /* LVT_COREUTIL_H */
