/*
 * check_record.c -- Check suite for the record codec (ext/record.c).
 *
 * Laws tested: decode(encode(row)) gives back every column bit-exact, read
 * in any order, TEXT/BLOB as views inside the record; the byte layout is the
 * one written at the top of record.c (pinned by exact-byte tables); and on
 * any bytes at all -- truncations, flips, garbage -- the readers return
 * LVT_OK with views inside the record, LVT_NOTFOUND past the count, or
 * LVT_CORRUPT with a message, never reading outside the record.  Records
 * under test are copied into exact-size mallocs so that ASan catches an
 * overread.  LVT_SEED=n reproduces a run.
 */
#include "lvt_int.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "testutil.h"

static uint64_t seed;

/* Assertions for the hot loops: a passing ck_assert writes a checkpoint
 * record, which would dominate the run time; these only act on failure
 * (ck_abort_msg still reports file and line). */
#define REQ(cond) \
  do { if (!(cond)) ck_abort_msg("failed: %s", #cond); } while (0)
#define REQ_EQ(a, b) \
  do { \
    intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b); \
    if (a_ != b_) \
      ck_abort_msg("failed: %s == %s (%jd != %jd)", #a, #b, a_, b_); \
  } while (0)

/* Re-seed at the start of every test, so each one replays alone. */
static void reseed(void)
{
  tu_seed(seed);
}

/* An exact-size heap copy of p[0..n-1] (NULL when n is 0); caller frees. */
static unsigned char *exact_copy(const void *p, size_t n)
{
  unsigned char *q;

  if (n == 0) return NULL;
  q = malloc(n);
  REQ(q != NULL);
  memcpy(q, p, n);
  return q;
}

/* Encode vals[0..n-1] alone; the caller frees the returned exact copy. */
static unsigned char *encode(const lvt_value *vals, int n, size_t *len)
{
  lvt_buf b = {0};
  unsigned char *rec;

  REQ_EQ(lvt_rec_encode(&b, vals, n), LVT_OK);
  REQ(!b.oom);
  rec = exact_copy(b.p, b.n);
  *len = b.n;
  lvt_buf_free(&b);
  return rec;
}

static lvt_value vint(int64_t i)
{
  lvt_value v = { .type = LVT_INTEGER, .u.i = i };
  return v;
}

static lvt_value vreal_bits(uint64_t bits)
{
  lvt_value v = { .type = LVT_REAL };
  memcpy(&v.u.r, &bits, sizeof bits);
  return v;
}

static lvt_value vbytes(int type, const void *p, size_t n)
{
  lvt_value v = { .type = type, .u.s = { p, n } };
  return v;
}

static lvt_value vnull(void)
{
  lvt_value v = { .type = LVT_NULL };
  return v;
}

/* Assert that got equals want bit for bit, and that a TEXT/BLOB view lies
 * inside rec[0..n-1]. */
static void assert_same(const lvt_value *got, const lvt_value *want,
                        const unsigned char *rec, size_t n, int k)
{
  uint64_t a, b;

  if (got->type != want->type)
    ck_abort_msg("column %d: type %d, want %d", k, got->type, want->type);
  switch (want->type) {
  case LVT_INTEGER:
    if (got->u.i != want->u.i)
      ck_abort_msg("column %d: %" PRId64 " != %" PRId64, k, got->u.i,
                   want->u.i);
    break;
  case LVT_REAL:
    memcpy(&a, &got->u.r, 8);
    memcpy(&b, &want->u.r, 8);
    if (a != b)
      ck_abort_msg("column %d: bits %016" PRIx64 " != %016" PRIx64, k, a, b);
    break;
  case LVT_TEXT:
  case LVT_BLOB:
    REQ_EQ(got->u.s.n, want->u.s.n);
    REQ((const unsigned char *)got->u.s.p >= rec);
    REQ((const unsigned char *)got->u.s.p + got->u.s.n <= rec + n);
    if (want->u.s.n)
      REQ(memcmp(got->u.s.p, want->u.s.p, want->u.s.n) == 0);
    break;
  }
}

/* Shuffle perm[0..n-1] = 0..n-1. */
static void shuffle(int *perm, int n)
{
  int i, j, t;

  for (i = 0; i < n; i++) perm[i] = i;
  for (i = n - 1; i > 0; i--) {
    j = (int)tu_below((uint64_t)i + 1);
    t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
}

/* Check a valid record against the values it was made from: whole-record
 * check, count, every column in random order, NOTFOUND past the count. */
static void assert_row(const unsigned char *rec, size_t n,
                       const lvt_value *vals, int ncol)
{
  int *perm = malloc(sizeof(int) * (size_t)(ncol + 1));
  lvt_value got;
  int i;

  REQ(perm != NULL);
  if (lvt_rec_check(rec, n) != LVT_OK) ck_abort_msg("check: %s", lvt_errmsg());
  REQ_EQ(lvt_rec_count(rec, n), ncol);
  shuffle(perm, ncol);
  for (i = 0; i < ncol; i++) {
    memset(&got, 0xA5, sizeof got);
    REQ_EQ(lvt_rec_column(rec, n, perm[i], &got), LVT_OK);
    assert_same(&got, &vals[perm[i]], rec, n, perm[i]);
  }
  REQ_EQ(lvt_rec_column(rec, n, ncol, &got), LVT_NOTFOUND);
  REQ_EQ(lvt_rec_column(rec, n, ncol + 7, &got), LVT_NOTFOUND);
  REQ_EQ(lvt_rec_column(rec, n, INT_MAX, &got), LVT_NOTFOUND);
  free(perm);
}

/* --------------------------------------------------- random rows -- */

static const int64_t int_edges[] = {
  0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769,
  8388607, 8388608, -8388608, -8388609, INT32_MAX, (int64_t)INT32_MAX + 1,
  INT32_MIN, (int64_t)INT32_MIN - 1, (INT64_C(1) << 47) - 1,
  INT64_C(1) << 47, -(INT64_C(1) << 47), -(INT64_C(1) << 47) - 1,
  INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1
};

static const uint64_t real_edges[] = {
  0x0000000000000000u, 0x8000000000000000u,     /* +0.0, -0.0 */
  0x7FF0000000000000u, 0xFFF0000000000000u,     /* +Inf, -Inf */
  0x7FF8000000000000u, 0xFFF8000000000000u,     /* quiet NaNs */
  0x7FF0000000000001u, 0x7FF4000000000123u,     /* signalling NaNs */
  0xFFFFFFFFFFFFFFFFu, 0x0000000000000001u,     /* NaN, least subnormal */
  0x7FEFFFFFFFFFFFFFu, 0x3FF0000000000000u      /* DBL_MAX, 1.0 */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A random integer: an edge value or a random value of random bit length. */
static int64_t rand_int(void)
{
  uint64_t u;

  if (tu_below(3) == 0) return int_edges[tu_below(NELEM(int_edges))];
  u = tu_rand() >> tu_below(64);
  return tu_below(2) ? (int64_t)u : -(int64_t)(u >> 1);
}

/* Fill p[0..n-1] with random bytes, NULs frequent. */
static void rand_bytes(unsigned char *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    p[i] = tu_below(4) == 0 ? 0 : (unsigned char)tu_rand();
}

/* A random value; TEXT/BLOB bytes are carved from *arena (room for
 * maxlen bytes is the caller's business). */
static lvt_value rand_value(unsigned char **arena, size_t maxlen)
{
  size_t len;
  int type = 1 + (int)tu_below(5);

  switch (type) {
  case LVT_INTEGER: return vint(rand_int());
  case LVT_REAL:
    return vreal_bits(tu_below(3) == 0 ? real_edges[tu_below(NELEM(real_edges))]
                                       : tu_rand());
  case LVT_NULL: return vnull();
  default:
    len = tu_below(5) == 0 ? 0 : tu_below(tu_below(20) == 0 ? maxlen + 1 : 17);
    rand_bytes(*arena, len);
    *arena += len;
    return vbytes(type, *arena - len, len);
  }
}

/* Build a random row of ncol columns; *arena_out (free it) holds the bytes. */
static lvt_value *rand_row(int ncol, size_t maxlen, unsigned char **arena_out)
{
  lvt_value *vals = malloc(sizeof *vals * (size_t)(ncol ? ncol : 1));
  unsigned char *arena = malloc((size_t)ncol * maxlen + 1);
  unsigned char *at = arena;
  int k;

  REQ(vals != NULL && arena != NULL);
  for (k = 0; k < ncol; k++) vals[k] = rand_value(&at, maxlen);
  *arena_out = arena;
  return vals;
}

/* Random rows of 1..200 columns of every type round-trip, columns read
 * independently in random order; appending after existing bytes works. */
START_TEST(test_roundtrip_random)
{
  lvt_buf b = {0};
  unsigned char *arena, *rec;
  lvt_value *vals;
  int iter, ncol;

  reseed();
  for (iter = 0; iter < 3000; iter++) {
    ncol = 1 + (int)tu_below(200);
    vals = rand_row(ncol, 300, &arena);
    lvt_buf_reset(&b);
    lvt_buf_append(&b, "xyz", (size_t)(iter % 4));
    ck_assert_int_eq(lvt_rec_encode(&b, vals, ncol), LVT_OK);
    ck_assert(b.n > (size_t)(iter % 4));
    rec = exact_copy(b.p + iter % 4, b.n - (size_t)(iter % 4));
    assert_row(rec, b.n - (size_t)(iter % 4), vals, ncol);
    free(rec);
    free(vals);
    free(arena);
  }
  lvt_buf_free(&b);
}
END_TEST

/* Every integer width boundary encodes in its minimal width and back. */
START_TEST(test_int_widths)
{
  static const struct { int64_t v; unsigned width; } cases[] = {
    { 0, 0 }, { 1, 1 }, { -1, 1 }, { 127, 1 }, { -128, 1 }, { 128, 2 },
    { -129, 2 }, { 32767, 2 }, { -32768, 2 }, { 32768, 3 }, { -32769, 3 },
    { 8388607, 3 }, { -8388608, 3 }, { 8388608, 4 }, { -8388609, 4 },
    { INT32_MAX, 4 }, { INT32_MIN, 4 }, { (int64_t)INT32_MAX + 1, 6 },
    { (int64_t)INT32_MIN - 1, 6 }, { (INT64_C(1) << 47) - 1, 6 },
    { -(INT64_C(1) << 47), 6 }, { INT64_C(1) << 47, 8 },
    { -(INT64_C(1) << 47) - 1, 8 }, { INT64_MAX, 8 }, { INT64_MIN, 8 },
  };
  size_t i, n;
  unsigned char *rec;
  lvt_value v;

  for (i = 0; i < NELEM(cases); i++) {
    v = vint(cases[i].v);
    rec = encode(&v, 1, &n);
    ck_assert_msg(n == 3 + cases[i].width, "%" PRId64 ": %zu bytes",
                  cases[i].v, n);
    ck_assert_uint_eq(rec[2], cases[i].width);     /* the end offset */
    assert_row(rec, n, &v, 1);
    free(rec);
  }
}
END_TEST

/* -0.0, infinities and NaN bit patterns come back bit-exact. */
START_TEST(test_real_bits)
{
  lvt_value vals[NELEM(real_edges)], got;
  unsigned char *rec;
  size_t i, n;

  for (i = 0; i < NELEM(real_edges); i++) vals[i] = vreal_bits(real_edges[i]);
  rec = encode(vals, (int)NELEM(vals), &n);
  assert_row(rec, n, vals, (int)NELEM(vals));
  ck_assert_int_eq(lvt_rec_column(rec, n, 1, &got), LVT_OK);
  ck_assert(signbit(got.u.r) && got.u.r == 0.0);              /* -0.0 */
  ck_assert_int_eq(lvt_rec_column(rec, n, 4, &got), LVT_OK);
  ck_assert(isnan(got.u.r));
  free(rec);
}
END_TEST

/* ------------------------------------------------- pinned layouts -- */

static const unsigned char ab0[] = { 'a', 0, 'b' };
static const unsigned char ff[] = { 0xFF };

/* Exact bytes of a few records, as documented at the top of record.c. */
START_TEST(test_layout_table)
{
  static const struct {
    const char *what;
    int n;
    lvt_value vals[5];
    size_t len;
    unsigned char bytes[32];
  } cases[] = {
    { "no columns", 0, { { 0 } }, 1, { 0x00 } },
    { "integer 0", 1, { { LVT_INTEGER, { .i = 0 } } },
      3, { 0x04, 0x01, 0x00 } },
    { "null", 1, { { LVT_NULL, { 0 } } }, 3, { 0x04, 0x05, 0x00 } },
    { "doc example", 5,
      { { LVT_INTEGER, { .i = 1 } }, { LVT_TEXT, { .s = { "ab", 2 } } },
        { LVT_NULL, { 0 } }, { LVT_REAL, { .r = 1.0 } },
        { LVT_BLOB, { .s = { ff, 1 } } } },
      21, { 0x14, 0x31, 0x25, 0x04, 0x01, 0x03, 0x03, 0x0b, 0x0c,
            0x01, 0x61, 0x62, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0xff } },
    { "small integers", 3,
      { { LVT_INTEGER, { .i = -1 } }, { LVT_INTEGER, { .i = 128 } },
        { LVT_INTEGER, { .i = -129 } } },
      11, { 0x0c, 0x11, 0x01, 0x01, 0x03, 0x05,
            0xff, 0x80, 0x00, 0x7f, 0xff } },
    { "wide integers", 3,
      { { LVT_INTEGER, { .i = INT64_C(1) << 23 } },
        { LVT_INTEGER, { .i = INT64_C(1) << 31 } },
        { LVT_INTEGER, { .i = INT64_MIN } } },
      24, { 0x0c, 0x11, 0x01, 0x04, 0x0a, 0x12,
            0x00, 0x00, 0x80, 0x00,  0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
            0, 0, 0, 0, 0, 0, 0, 0x80 } },
    { "real -0.0", 1, { { LVT_REAL, { .r = -0.0 } } },
      11, { 0x04, 0x02, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x80 } },
    { "text with NUL", 1, { { LVT_TEXT, { .s = { ab0, 3 } } } },
      6, { 0x04, 0x03, 0x03, 0x61, 0x00, 0x62 } },
    { "empty blob, empty text", 2,
      { { LVT_BLOB, { .s = { NULL, 0 } } }, { LVT_TEXT, { .s = { "", 0 } } } },
      4, { 0x08, 0x34, 0x00, 0x00 } },
  };
  lvt_buf b = {0};
  size_t i;

  for (i = 0; i < NELEM(cases); i++) {
    lvt_buf_reset(&b);
    ck_assert_int_eq(lvt_rec_encode(&b, cases[i].vals, cases[i].n), LVT_OK);
    ck_assert_msg(b.n == cases[i].len, "%s: %zu bytes", cases[i].what, b.n);
    ck_assert_mem_eq(b.p, cases[i].bytes, cases[i].len);
    assert_row(b.p, b.n, cases[i].vals, cases[i].n);
  }
  lvt_buf_free(&b);
}
END_TEST

/* The column count: in the header byte up to 61, then 1 byte, then 2. */
START_TEST(test_layout_count)
{
  static const struct {
    int n;
    unsigned char head[3];
    size_t nhead;
  } cases[] = {
    { 2, { 0x08 }, 1 }, { 61, { 0xf4 }, 1 }, { 62, { 0xf8, 62 }, 2 },
    { 255, { 0xf8, 0xff }, 2 }, { 256, { 0xfc, 0x00, 0x01 }, 3 },
    { 2000, { 0xfc, 0xd0, 0x07 }, 3 }, { 65535, { 0xfc, 0xff, 0xff }, 3 },
  };
  lvt_value *vals = malloc(sizeof *vals * 65536);
  unsigned char *rec;
  size_t i, n, ntypes;

  ck_assert_ptr_nonnull(vals);
  for (i = 0; i < 65536; i++) vals[i] = vnull();
  for (i = 0; i < NELEM(cases); i++) {
    rec = encode(vals, cases[i].n, &n);
    ntypes = ((size_t)cases[i].n + 1) / 2;
    ck_assert_uint_eq(n, cases[i].nhead + ntypes + (size_t)cases[i].n);
    ck_assert_mem_eq(rec, cases[i].head, cases[i].nhead);
    ck_assert_uint_eq(rec[cases[i].nhead], 0x55);              /* NULL, NULL */
    ck_assert_uint_eq(rec[cases[i].nhead + ntypes - 1],
                      cases[i].n % 2 ? 0x05 : 0x55);           /* padding */
    assert_row(rec, n, vals, cases[i].n);
    free(rec);
  }
  free(vals);
}
END_TEST

/* The offset width switches from 1 to 2 to 4 bytes as the payload passes
 * 255 and 65535 bytes, whether one column or several make it up. */
START_TEST(test_offset_width)
{
  static const struct { size_t a, b; unsigned wcode; } cases[] = {
    { 0, 0, 0 }, { 255, 0, 0 }, { 128, 127, 0 }, { 256, 0, 1 },
    { 128, 128, 1 }, { 65535, 0, 1 }, { 40000, 25535, 1 }, { 65536, 0, 2 },
    { 32768, 32768, 2 }, { 100000, 1, 2 },
  };
  unsigned char *data = malloc(200001), *rec;
  lvt_value vals[3];
  size_t i, n, width;

  ck_assert_ptr_nonnull(data);
  reseed();
  rand_bytes(data, 200001);
  for (i = 0; i < NELEM(cases); i++) {
    vals[0] = vbytes(LVT_BLOB, data, cases[i].a);
    vals[1] = vnull();
    vals[2] = vbytes(LVT_TEXT, data + 100000, cases[i].b);
    rec = encode(vals, 3, &n);
    width = (size_t)1 << cases[i].wcode;
    ck_assert_uint_eq(rec[0], 0x0c | cases[i].wcode);
    ck_assert_uint_eq(n, 1 + 2 + 3 * width + cases[i].a + cases[i].b);
    assert_row(rec, n, vals, 3);
    free(rec);
  }
  free(data);
}
END_TEST

/* A 16 MiB blob among small columns: 4-byte offsets, read as a view. */
START_TEST(test_big_blob)
{
  const size_t big = (size_t)16 << 20;
  unsigned char *data = malloc(big), *rec;
  lvt_value vals[4], got;
  size_t n;

  ck_assert_ptr_nonnull(data);
  reseed();
  rand_bytes(data, big);
  vals[0] = vint(42);
  vals[1] = vbytes(LVT_BLOB, data, big);
  vals[2] = vbytes(LVT_TEXT, "tail", 4);
  vals[3] = vint(-7);
  rec = encode(vals, 4, &n);
  ck_assert_uint_eq(rec[0], 0x10 | 2);
  ck_assert_uint_eq(n, 1 + 2 + 4 * 4 + 1 + big + 4 + 1);
  assert_row(rec, n, vals, 4);
  ck_assert_int_eq(lvt_rec_column(rec, n, 1, &got), LVT_OK);
  ck_assert_ptr_eq(got.u.s.p, rec + 1 + 2 + 16 + 1);
  free(rec);
  free(data);
}
END_TEST

/* Reading at or past the stored count is LVT_NOTFOUND (the DEFAULT case),
 * a negative column is misuse. */
START_TEST(test_notfound)
{
  lvt_value vals[3] = { vint(5), vbytes(LVT_TEXT, "x", 1), vnull() }, got;
  unsigned char *rec, empty = 0x00;
  size_t n;

  rec = encode(vals, 3, &n);
  ck_assert_int_eq(lvt_rec_column(rec, n, 3, &got), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_rec_column(rec, n, 4, &got), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_rec_column(rec, n, -1, &got), LVT_MISUSE);
  ck_assert_int_eq(lvt_rec_column(&empty, 1, 0, &got), LVT_NOTFOUND);
  ck_assert_int_eq(lvt_rec_count(&empty, 1), 0);
  ck_assert_int_eq(lvt_rec_check(&empty, 1), LVT_OK);
  free(rec);
}
END_TEST

/* Encoder errors: out-of-memory flag, too many columns, a payload over
 * 4 GiB (never read: sizes are summed first), bad types.  Nothing is
 * appended on error. */
START_TEST(test_encode_errors)
{
  static const unsigned char dummy[1];
  lvt_value vals[2] = { vint(1), vint(2) };
  lvt_buf b = {0};

  lvt_buf_append(&b, "ab", 2);
  b.oom = 1;
  ck_assert_int_eq(lvt_rec_encode(&b, vals, 2), LVT_NOMEM);
  ck_assert_uint_eq(b.n, 2);
  lvt_buf_reset(&b);
  ck_assert_int_eq(lvt_rec_encode(&b, vals, -1), LVT_MISUSE);
  ck_assert_int_eq(lvt_rec_encode(&b, NULL, 1), LVT_MISUSE);
  ck_assert_int_eq(lvt_rec_encode(&b, vals, 65536), LVT_TOOBIG);
  vals[1].type = 6;
  ck_assert_int_eq(lvt_rec_encode(&b, vals, 2), LVT_MISUSE);
  vals[1].type = 0;
  ck_assert_int_eq(lvt_rec_encode(&b, vals, 2), LVT_MISUSE);
  vals[0] = vbytes(LVT_BLOB, dummy, (size_t)1 << 31);
  vals[1] = vbytes(LVT_BLOB, dummy, (size_t)1 << 31);
  ck_assert_int_eq(lvt_rec_encode(&b, vals, 2), LVT_TOOBIG);
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "too big"));
  if (SIZE_MAX > UINT32_MAX) {
    vals[0] = vbytes(LVT_TEXT, dummy, (size_t)((uint64_t)UINT32_MAX + 1));
    ck_assert_int_eq(lvt_rec_encode(&b, vals, 1), LVT_TOOBIG);
  }
  ck_assert_uint_eq(b.n, 0);
  ck_assert(!b.oom);
  ck_assert_int_eq(lvt_rec_encode(&b, NULL, 0), LVT_OK);
  ck_assert_uint_eq(b.n, 1);
  lvt_buf_free(&b);
}
END_TEST

/* ----------------------------------------------- malformed records -- */

static volatile unsigned sink;

/* A record that lvt_rec_check accepts decodes to values that encode to a
 * record decoding to the same values (whatever non-canonical form the
 * original used). */
static void assert_reencodes(const unsigned char *rec, size_t n, int cnt)
{
  lvt_value *vals = malloc(sizeof *vals * (size_t)(cnt + 1));
  lvt_buf b = {0};
  int k;

  REQ(vals != NULL);
  for (k = 0; k < cnt; k++) REQ_EQ(lvt_rec_column(rec, n, k, &vals[k]), LVT_OK);
  REQ_EQ(lvt_rec_encode(&b, vals, cnt), LVT_OK);
  REQ(b.n <= n);              /* the writer's forms are the shortest */
  assert_row(b.p, b.n, vals, cnt);
  lvt_buf_free(&b);
  free(vals);
}

/* Run every reader over rec[0..n-1] (any bytes): each outcome must be
 * LVT_OK with a view inside rec (whose bytes are touched, for ASan),
 * LVT_NOTFOUND only past the count, or LVT_CORRUPT with a message; and
 * lvt_rec_check accepts exactly when every column reads. */
static void probe(const unsigned char *rec, size_t n)
{
  int cnt, chk, rc, k, bad = 0;
  lvt_value v;
  size_t i;

  lvt_err_clear();
  chk = lvt_rec_check(rec, n);
  REQ(chk == LVT_OK || (chk == LVT_CORRUPT && lvt_errmsg()[0]));
  cnt = lvt_rec_count(rec, n);
  if (cnt < 0) {
    REQ_EQ(cnt, LVT_CORRUPT);
    REQ_EQ(chk, LVT_CORRUPT);
    REQ_EQ(lvt_rec_column(rec, n, 0, &v), LVT_CORRUPT);
    return;
  }
  for (k = 0; k <= cnt + 1; k++) {
    lvt_err_clear();
    rc = lvt_rec_column(rec, n, k, &v);
    if (k >= cnt) { REQ_EQ(rc, LVT_NOTFOUND); continue; }
    if (rc != LVT_OK) {
      REQ_EQ(rc, LVT_CORRUPT);
      REQ(lvt_errmsg()[0] != '\0');
      bad = 1;
      continue;
    }
    REQ(v.type >= LVT_INTEGER && v.type <= LVT_NULL);
    if (v.type != LVT_TEXT && v.type != LVT_BLOB) continue;
    REQ((const unsigned char *)v.u.s.p >= rec);
    REQ((const unsigned char *)v.u.s.p + v.u.s.n <= rec + n);
    for (i = 0; i < v.u.s.n; i++) sink += ((const unsigned char *)v.u.s.p)[i];
  }
  if (chk == LVT_OK && bad) ck_abort_msg("check passed, a column failed");
  if (chk == LVT_OK) assert_reencodes(rec, n, cnt);
}

/* A random valid record of up to maxcol columns (exact copy; caller frees). */
static unsigned char *rand_record(int maxcol, size_t maxlen, size_t *n)
{
  int ncol = (int)tu_below((uint64_t)maxcol + 1);
  unsigned char *arena, *rec;
  lvt_value *vals = rand_row(ncol, maxlen, &arena);

  rec = encode(vals, ncol, n);
  free(vals);
  free(arena);
  return rec;
}

/* Check every proper prefix of the valid record rec[0..n-1] (for a big one,
 * the header prefixes and a sample of the others): lvt_rec_check says
 * LVT_CORRUPT and every reader stays safe. */
static void assert_truncations(const unsigned char *rec, size_t n)
{
  unsigned char *cut;
  size_t len;

  for (len = 0; len < n; len++) {
    if (n > 4096 && len > 64 && tu_below(500) != 0) continue;
    cut = exact_copy(rec, len);
    REQ_EQ(lvt_rec_check(cut, len), LVT_CORRUPT);
    probe(cut, len);
    free(cut);
  }
  REQ_EQ(lvt_rec_check(rec, n), LVT_OK);
  probe(rec, n);
}

/* Every proper prefix of a valid record is LVT_CORRUPT for lvt_rec_check
 * and safe for every reader: random records, and the wide forms (1- and
 * 2-byte counts, 2- and 4-byte offsets). */
START_TEST(test_truncations)
{
  static const unsigned char ten[10] = "012345678";
  unsigned char *data = calloc(70000, 1), *rec;
  lvt_value vals[300];
  size_t n;
  int iter, k;

  ck_assert_ptr_nonnull(data);
  reseed();
  for (k = 0; k < 300; k++)
    vals[k] = k % 3 ? vint(k * 1000) : vbytes(LVT_BLOB, ten, 10);
  rec = encode(vals, 70, &n);                  /* 1-byte count, 2-byte ends */
  assert_truncations(rec, n);
  free(rec);
  for (k = 0; k < 300; k++) vals[k] = vint(k % 7);
  rec = encode(vals, 300, &n);                 /* 2-byte count, 2-byte ends */
  assert_truncations(rec, n);
  free(rec);
  vals[0] = vbytes(LVT_BLOB, data, 70000);
  rec = encode(vals, 2, &n);                   /* 4-byte ends */
  assert_truncations(rec, n);
  free(rec);
  for (iter = 0; iter < 1000; iter++) {
    rec = rand_record(12, iter % 10 == 0 ? 400 : 40, &n);
    assert_truncations(rec, n);
    free(rec);
  }
  free(data);
}
END_TEST

/* Random byte changes in valid records never make a reader misbehave. */
START_TEST(test_byte_flips)
{
  unsigned char *rec;
  size_t n, at;
  int iter, j, nflip;

  reseed();
  for (iter = 0; iter < 60000; iter++) {
    rec = rand_record(10, 40, &n);
    nflip = 1 + (int)tu_below(3);
    for (j = 0; j < nflip; j++) {
      at = (size_t)tu_below(n);
      if (tu_below(2)) rec[at] ^= (unsigned char)(1u << tu_below(8));
      else rec[at] = (unsigned char)tu_rand();
    }
    probe(rec, n);
    free(rec);
  }
}
END_TEST

/* Random garbage, biased towards headers that parse, is handled safely. */
START_TEST(test_garbage)
{
  unsigned char *rec;
  size_t n, i;
  int iter;

  reseed();
  for (iter = 0; iter < 100000; iter++) {
    n = (size_t)tu_below(48);
    rec = n ? malloc(n) : NULL;
    for (i = 0; i < n; i++) rec[i] = (unsigned char)tu_rand();
    if (n && tu_below(2))                /* few columns, a valid width code */
      rec[0] = (unsigned char)(tu_below(8) << 2 | tu_below(3));
    for (i = 1; i < n && tu_below(2); i++)
      rec[i] = (unsigned char)tu_below(16);
    probe(rec, n);
    free(rec);
  }
}
END_TEST

/* Each kind of malformation is reported as LVT_CORRUPT by lvt_rec_check
 * with a message saying what is wrong; lvt_rec_column on column 0 gives
 * the listed outcome (it validates only what it touches). */
START_TEST(test_malformed_table)
{
  static const struct {
    size_t len;
    unsigned char bytes[12];
    const char *msg;
    int col0;
  } cases[] = {
    { 0, { 0 }, "empty", LVT_CORRUPT },
    { 1, { 0x07 }, "width code 3", LVT_CORRUPT },
    { 1, { 0xf8 }, "truncated in the column count", LVT_CORRUPT },
    { 2, { 0xfc, 0x01 }, "truncated in the column count", LVT_CORRUPT },
    { 2, { 0x04, 0x01 }, "header", LVT_CORRUPT },
    { 3, { 0x04, 0x06, 0x00 }, "type code 6", LVT_CORRUPT },
    { 3, { 0x04, 0x00, 0x00 }, "type code 0", LVT_CORRUPT },
    { 6, { 0x08, 0x11, 0x02, 0x01, 0x05, 0x06 }, "offsets decrease", LVT_OK },
    { 4, { 0x04, 0x03, 0x05, 'a' }, "past the end", LVT_CORRUPT },
    { 8, { 0x04, 0x01, 0x05, 1, 2, 3, 4, 5 }, "INTEGER column 0 has a 5-byte",
      LVT_CORRUPT },
    { 12, { 0x04, 0x01, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "INTEGER",
      LVT_CORRUPT },
    { 10, { 0x04, 0x02, 0x07, 1, 2, 3, 4, 5, 6, 7 }, "REAL column 0",
      LVT_CORRUPT },
    { 12, { 0x04, 0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "REAL column 0",
      LVT_CORRUPT },
    { 10, { 0x04, 0x01, 0x07, 1, 2, 3, 4, 5, 6, 7 }, "7-byte", LVT_CORRUPT },
    { 4, { 0x04, 0x05, 0x01, 0x00 }, "NULL column 0", LVT_CORRUPT },
    { 5, { 0x04, 0x03, 0x01, 'a', 'b' }, "1 trailing bytes", LVT_OK },
    { 4, { 0x04, 0x53, 0x01, 'a' }, "padding nibble", LVT_OK },
    { 2, { 0x00, 0x00 }, "trailing", LVT_NOTFOUND },
  };
  unsigned char *rec;
  lvt_value v;
  size_t i;

  for (i = 0; i < NELEM(cases); i++) {
    rec = exact_copy(cases[i].bytes, cases[i].len);
    lvt_err_clear();
    ck_assert_int_eq(lvt_rec_check(rec, cases[i].len), LVT_CORRUPT);
    ck_assert_msg(strstr(lvt_errmsg(), cases[i].msg) != NULL,
                  "case %zu: message \"%s\" lacks \"%s\"", i, lvt_errmsg(),
                  cases[i].msg);
    ck_assert_msg(lvt_rec_column(rec, cases[i].len, 0, &v) == cases[i].col0,
                  "case %zu: column 0", i);
    probe(rec, cases[i].len);
    free(rec);
  }
}
END_TEST

static Suite *record_suite(void)
{
  Suite *s = suite_create("record");
  TCase *tc = tcase_create("codec");
  TCase *bad = tcase_create("malformed");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_layout_table);
  tcase_add_test(tc, test_layout_count);
  tcase_add_test(tc, test_int_widths);
  tcase_add_test(tc, test_real_bits);
  tcase_add_test(tc, test_offset_width);
  tcase_add_test(tc, test_notfound);
  tcase_add_test(tc, test_encode_errors);
  tcase_add_test(tc, test_roundtrip_random);
  tcase_add_test(tc, test_big_blob);
  suite_add_tcase(s, tc);
  tcase_set_timeout(bad, 60);
  tcase_add_test(bad, test_malformed_table);
  tcase_add_test(bad, test_truncations);
  tcase_add_test(bad, test_byte_flips);
  tcase_add_test(bad, test_garbage);
  suite_add_tcase(s, bad);
  return s;
}

int main(void)
{
  seed = tu_seed_from_env(0x5EC0DE5EEDULL);
  printf("check_record: LVT_SEED=0x%" PRIx64 "\n", seed);
  return tu_run(record_suite());
}
