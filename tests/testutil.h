/*
 * testutil.h -- small helpers shared by the Check suites (the core's
 * environment, transaction and value fixtures: coreutil.h).
 *
 * LMDB must not be used across fork(): suites open environments in checked
 * fixtures or inside the test functions (which run in the forked child), each
 * in its own mkdtemp directory under $TMPDIR, never under the source tree.
 */
#ifndef LVT_TESTUTIL_H
#define LVT_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Deterministic PRNG (xorshift64*).  The seed comes from $LVT_SEED when set,
 * so a failure printed with its seed can be reproduced. */
static uint64_t tu_rng_state = 0x9E3779B97F4A7C15ULL;

static inline void tu_seed(uint64_t s)
{
  tu_rng_state = s ? s : 0x9E3779B97F4A7C15ULL;
}

static inline uint64_t tu_seed_from_env(uint64_t dflt)
{
  const char *z = getenv("LVT_SEED");
  uint64_t s = (z && *z) ? strtoull(z, NULL, 0) : dflt;
  tu_seed(s);
  return s;
}

static inline uint64_t tu_rand(void)
{
  uint64_t x = tu_rng_state;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  tu_rng_state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). */
static inline uint64_t tu_below(uint64_t n)
{
  return n ? tu_rand() % n : 0;
}

/* Make a fresh temporary directory; the caller frees the string and removes
 * the directory with tu_rmtree(). */
static inline char *tu_tmpdir(const char *tag)
{
  const char *base = getenv("TMPDIR");
  char *path;
  if (!base || !*base) base = "/tmp";
  path = malloc(strlen(base) + strlen(tag) + 32);
  ck_assert_ptr_nonnull(path);
  sprintf(path, "%s/lvt-%s-XXXXXX", base, tag);
  ck_assert_ptr_nonnull(mkdtemp(path));
  return path;
}

static int tu_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

/* Remove a directory tree (no-op for NULL). */
static inline void tu_rmtree(const char *path)
{
  if (path) nftw(path, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run a suite, print Check's summary, return a process exit status. */
static inline int tu_run(Suite *s)
{
  SRunner *sr = srunner_create(s);
  int nfail;
  srunner_run_all(sr, CK_ENV);
  nfail = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* LVT_TESTUTIL_H */
