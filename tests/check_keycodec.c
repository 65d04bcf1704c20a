/*
 * check_keycodec.c -- Check suite for ext/keycodec.c (lvt_key_*).
 *
 * The law of the key codec: memcmp (then length) of two encodings orders
 * exactly as SQLite compares the two values.  The ground truth is the real
 * SQLite: every pair is compared by a prepared statement with the values
 * bound by sqlite3_bind_*.  Values come from a seeded generator biased
 * toward edge cases; LVT_SEED=<n> in the environment reproduces a run, and a
 * failure prints the seed, the pair and both encodings.
 */
#include "lvt_int.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>

#include "testutil.h"

#define DEFAULT_SEED 0x6b6579636f646563ULL  /* "keycodec" */
#define TV_MAX 8192                       /* bytes of one generated value */
#define MAX_COLS 4

#define TWO53 9007199254740992.0
#define TWO62 4611686018427387904.0
#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

static uint64_t g_seed;

/* ck_assert for hot loops: Check records every *passing* ck_assert (one
 * write to its log pipe each), which would dominate the run time. */
#define REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* Seed the PRNG for one test (each runs in its own forked child). */
static void seed_test(void)
{
  g_seed = tu_seed_from_env(DEFAULT_SEED);
}

/* ------------------------------------------------------------ values -- */

/* A generated value with its own storage. */
typedef struct tval {
  lvt_value v;
  unsigned char buf[TV_MAX];
} tval;

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static double bitsd(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* The neighbouring double of d toward +inf (dir > 0) or -inf; infinities
 * stay.  Bit arithmetic, so no libm. */
static double neighbour(double d, int dir)
{
  uint64_t u = dbits(d);
  if (d != d || d - d != 0.0) return d;  /* NaN or infinity */
  if (d == 0.0) return dir > 0 ? 5e-324 : -5e-324;
  if ((d > 0) == (dir > 0)) u++; else u--;
  return bitsd(u);
}

static void set_int(tval *t, int64_t i) { t->v.type = LVT_INTEGER; t->v.u.i = i; }
static void set_real(tval *t, double r) { t->v.type = LVT_REAL; t->v.u.r = r; }

/* Set t to TEXT or BLOB holding p[0..n-1] (n <= TV_MAX). */
static void set_bytes(tval *t, int type, const void *p, size_t n)
{
  if (n > TV_MAX) n = TV_MAX;
  memmove(t->buf, p, n);
  t->v.type = type;
  t->v.u.s.p = t->buf;
  t->v.u.s.n = n;
}

/* Integers biased to the places where the encoding has to be careful. */
static int64_t gen_int(void)
{
  static const int64_t edge[] = {
    0, 1, -1, 2, -2, 5, 100, -100, INT64_MAX, INT64_MAX - 1, INT64_MIN,
    INT64_MIN + 1, (INT64_C(1) << 53), (INT64_C(1) << 53) + 1,
    (INT64_C(1) << 53) - 1, -(INT64_C(1) << 53), -(INT64_C(1) << 53) - 1,
    INT64_C(9007199254740993), INT64_C(9007199254740995),
    (INT64_C(1) << 62), (INT64_C(1) << 62) + 512, (INT64_C(1) << 62) - 512,
    INT64_MAX - 511, INT64_MAX - 512, INT64_MAX - 1023, INT64_MIN + 512,
  };
  switch (tu_below(8)) {
  case 0: case 1: return edge[tu_below(sizeof edge / sizeof edge[0])];
  case 2: return (int64_t)tu_below(21) - 10;
  case 3: return (INT64_C(1) << 53) + (int64_t)tu_below(9) - 4
                 - (tu_below(2) ? (INT64_C(1) << 54) : 0);
  case 4: return INT64_MAX - (int64_t)tu_below(2100);
  case 5: return INT64_MIN + (int64_t)tu_below(2100);
  case 6: return (int64_t)(tu_rand() >> tu_below(64));
  default: return (int64_t)tu_rand();
  }
}

/* Reals: signed zeros, infinities, extremes, integral values near 2^53 and
 * 2^63, random bit patterns (NaN excluded), small fractions. */
static double gen_real(void)
{
  static const double edge[] = {
    0.0, -0.0, 1.0 / 0.0, -1.0 / 0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
    1.7976931348623157e308, -1.7976931348623157e308, 0.5, -0.5, 1.0, -1.0,
    5.0, TWO53, TWO53 + 2.0, TWO53 - 1.0, -TWO53, TWO62, TWO63, -TWO63,
    TWO64, -TWO64, 9007199254740992.0, (double)INT64_MAX, 1e300, -1e300,
    1e-300, 3.14159, 9223372036854774784.0,
  };
  uint64_t u;

  switch (tu_below(7)) {
  case 0: case 1: return edge[tu_below(sizeof edge / sizeof edge[0])];
  case 2: return (double)gen_int();
  case 3: return neighbour((double)gen_int(), tu_below(2) ? 1 : -1);
  case 4: return ((double)(int64_t)tu_below(2001) - 1000.0) / 8.0;
  default:
    do u = tu_rand(); while (bitsd(u) != bitsd(u));
    return bitsd(u);
  }
}

/* Text made of pieces chosen to stress collations and escaping: case pairs,
 * spaces, NULs, bytes between 'Z' and 'a', multi-byte UTF-8. */
static void gen_text(tval *t)
{
  static const char *const piece[] = {
    "a", "b", "z", "A", "B", "Z", " ", " ", "\0", "_", "`", "[", "\x7f",
    "\xc3\xa9", "\xc3\x89", "\xc3\x9f", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
    "0", "9", "aa", "\x01",
  };
  static const size_t plen[] = { 1,1,1,1,1,1,1,1,1,1,1,1,1, 2,2,2,3,4, 1,1,2,1 };
  size_t n = 0, k, count = tu_below(100) < 2 ? 500 + tu_below(3000) : tu_below(9);

  for (k = 0; k < count; k++) {
    size_t i = tu_below(sizeof plen / sizeof plen[0]);
    if (n + plen[i] > TV_MAX) break;
    memcpy(t->buf + n, piece[i], plen[i]);
    n += plen[i];
  }
  set_bytes(t, LVT_TEXT, t->buf, n);
}

/* Blobs: bytes biased to 00, FF, 01, FE; empty; sometimes several KB. */
static void gen_blob(tval *t)
{
  static const unsigned char pick[] = { 0x00, 0xFF, 0x01, 0xFE, 0x7F, 0x80 };
  size_t n = tu_below(100) < 2 ? 2000 + tu_below(4000) : tu_below(13), k;

  for (k = 0; k < n; k++)
    t->buf[k] = tu_below(2) ? pick[tu_below(6)] : (unsigned char)tu_rand();
  set_bytes(t, LVT_BLOB, t->buf, n);
}

/* A random value; text_bias in percent raises the share of TEXT. */
static void gen_value(tval *t, unsigned text_bias)
{
  uint64_t r = tu_below(100);

  if (r < text_bias) { gen_text(t); return; }
  r = tu_below(100);
  if (r < 5) t->v.type = LVT_NULL;
  else if (r < 35) set_int(t, gen_int());
  else if (r < 60) set_real(t, gen_real());
  else if (r < 85) gen_text(t);
  else gen_blob(t);
}

/* Change TEXT or BLOB b (a copy of a) a little: case, trailing spaces or
 * NULs, one byte more or less, or the other storage class. */
static void perturb_bytes(tval *b)
{
  size_t n = b->v.u.s.n;
  unsigned char *p = b->buf;

  switch (tu_below(7)) {
  case 0:
    if (n) { size_t i = tu_below(n); if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') p[i] ^= 0x20; }
    break;
  case 1: if (n + 2 <= TV_MAX) { p[n++] = ' '; if (tu_below(2)) p[n++] = ' '; } break;
  case 2: while (n && p[n - 1] == ' ') n--; break;
  case 3: if (n < TV_MAX) p[n++] = tu_below(2) ? 0x00 : (unsigned char)tu_rand(); break;
  case 4: if (n) n--; break;
  case 5: b->v.type = b->v.type == LVT_TEXT ? LVT_BLOB : LVT_TEXT; break;
  default: break;  /* equal */
  }
  b->v.u.s.n = n;
}

/* Make b a value close to a: the same number as the other storage class,
 * a neighbouring integer or double, or a slightly changed string. */
static void gen_related(tval *b, const tval *a)
{
  const lvt_value *v = &a->v;

  if (v->type == LVT_INTEGER) {
    switch (tu_below(4)) {
    case 0: set_real(b, (double)v->u.i); break;
    case 1: set_real(b, neighbour((double)v->u.i, tu_below(2) ? 1 : -1)); break;
    default: {
      int64_t k = (int64_t)tu_below(7) - 3;
      int64_t i = v->u.i;
      if ((k > 0 && i > INT64_MAX - k) || (k < 0 && i < INT64_MIN - k)) k = 0;
      set_int(b, i + k);
    } }
  } else if (v->type == LVT_REAL) {
    double r = v->u.r;
    if (tu_below(2) && r >= -TWO63 && r < TWO63) {
      int64_t i = (int64_t)r, k = (int64_t)tu_below(3) - 1;
      if ((k > 0 && i == INT64_MAX) || (k < 0 && i == INT64_MIN)) k = 0;
      set_int(b, i + k);
    } else {
      set_real(b, tu_below(3) ? neighbour(r, tu_below(2) ? 1 : -1) : -r);
    }
  } else if (v->type == LVT_TEXT || v->type == LVT_BLOB) {
    set_bytes(b, v->type, a->buf, v->u.s.n);
    perturb_bytes(b);
  } else {
    gen_value(b, 0);
  }
}

/* A pair: independent, or b derived from a (half the time). */
static void gen_pair(tval *a, tval *b, unsigned text_bias)
{
  gen_value(a, text_bias);
  if (tu_below(2)) gen_related(b, a); else gen_value(b, text_bias);
}

/* ----------------------------------------------------- SQLite oracle -- */

static const char *const coll_name[3] = { "BINARY", "NOCASE", "RTRIM" };

typedef struct oracle {
  sqlite3 *db;
  sqlite3_stmt *cmp[3];  /* ?1 < ?2, ?1 = ?2 under each collation */
  sqlite3_stmt *ord[3];  /* NULL-safe: IS, and which sorts first */
} oracle;

/* Open an in-memory SQLite and prepare the statements; the caller closes
 * it with oracle_close(). */
static void oracle_open(oracle *o)
{
  int c;
  char sql[256];

  ck_assert_int_eq(sqlite3_open(":memory:", &o->db), SQLITE_OK);
  for (c = 0; c < 3; c++) {
    if (c == LVT_COLL_BINARY)
      snprintf(sql, sizeof sql, "SELECT ?1 < ?2, ?1 = ?2");
    else
      snprintf(sql, sizeof sql, "SELECT ?1 < ?2 COLLATE %s, ?1 = ?2 COLLATE %s",
               coll_name[c], coll_name[c]);
    ck_assert_int_eq(sqlite3_prepare_v2(o->db, sql, -1, &o->cmp[c], NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "SELECT ?1 IS ?2, (SELECT k FROM (SELECT 1 AS k, ?1 AS x UNION ALL"
             " SELECT 2, ?2) ORDER BY x COLLATE %s, k LIMIT 1)", coll_name[c]);
    ck_assert_int_eq(sqlite3_prepare_v2(o->db, sql, -1, &o->ord[c], NULL), SQLITE_OK);
  }
}

static void oracle_close(oracle *o)
{
  int c;
  for (c = 0; c < 3; c++) {
    sqlite3_finalize(o->cmp[c]);
    sqlite3_finalize(o->ord[c]);
  }
  sqlite3_close(o->db);
}

/* Bind v as parameter i, keeping NULs inside text (explicit length). */
static void bind_value(sqlite3_stmt *st, int i, const lvt_value *v)
{
  int rc = SQLITE_OK;

  switch (v->type) {
  case LVT_NULL:    rc = sqlite3_bind_null(st, i); break;
  case LVT_INTEGER: rc = sqlite3_bind_int64(st, i, v->u.i); break;
  case LVT_REAL:    rc = sqlite3_bind_double(st, i, v->u.r); break;
  case LVT_TEXT:    rc = sqlite3_bind_text(st, i, v->u.s.p, (int)v->u.s.n, SQLITE_STATIC); break;
  case LVT_BLOB:    rc = sqlite3_bind_blob(st, i, v->u.s.p, (int)v->u.s.n, SQLITE_STATIC); break;
  default: ck_abort_msg("bad type %d", v->type);
  }
  REQUIRE(rc == SQLITE_OK, "bind failed: %d", rc);
}

/* SQLite's comparison of a and b under collation coll: -1, 0 or 1.  Pairs
 * without NULL use the operators; a NULL makes them NULL, so those pairs
 * ask ORDER BY (NULLs first) and IS. */
static int oracle_cmp(oracle *o, const lvt_value *a, const lvt_value *b, int coll)
{
  int has_null = a->type == LVT_NULL || b->type == LVT_NULL;
  sqlite3_stmt *st = has_null ? o->ord[coll] : o->cmp[coll];
  int r0, r1;

  bind_value(st, 1, a);
  bind_value(st, 2, b);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW, "step: %s", sqlite3_errmsg(o->db));
  REQUIRE(sqlite3_column_type(st, 0) != SQLITE_NULL, "NULL comparison");
  r0 = sqlite3_column_int(st, 0);
  r1 = sqlite3_column_int(st, 1);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (has_null) return r0 ? 0 : (r1 == 1 ? -1 : 1);
  return r0 ? -1 : (r1 ? 0 : 1);
}

/* -------------------------------------------------------- key helpers -- */

/* memcmp, then length: LMDB's default order.  -1, 0 or 1. */
static int key_cmp(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
  int c = memcmp(a, b, na < nb ? na : nb);
  if (c == 0) return na < nb ? -1 : na > nb;
  return c < 0 ? -1 : 1;
}

/* Encode v into b (reset first); the encoding must succeed. */
static void enc1(lvt_buf *b, const lvt_value *v, int desc, int coll)
{
  lvt_buf_reset(b);
  REQUIRE(lvt_key_encode(b, v, desc, coll) == LVT_OK, "encode failed: %s", lvt_errmsg());
}

/* Describe a value for a failure message (one of two rotating buffers). */
static const char *describe(const lvt_value *v)
{
  static char out[2][400];
  static int which;
  char *z = out[which ^= 1];
  size_t k, n, len = 0;
  const unsigned char *p;

  switch (v->type) {
  case LVT_NULL: return "NULL";
  case LVT_INTEGER: snprintf(z, 400, "INTEGER %" PRId64, v->u.i); return z;
  case LVT_REAL: snprintf(z, 400, "REAL %.17g", v->u.r); return z;
  default: break;
  }
  p = v->u.s.p;
  n = v->u.s.n;
  len = (size_t)snprintf(z, 400, "%s(%zu) x'", v->type == LVT_TEXT ? "TEXT" : "BLOB", n);
  for (k = 0; k < n && k < 64; k++) len += (size_t)snprintf(z + len, 400 - len, "%02x", p[k]);
  snprintf(z + len, 400 - len, "%s'", n > 64 ? "..." : "");
  return z;
}

/* Hex of a key for a failure message (rotating buffers). */
static const char *hexkey(const unsigned char *p, size_t n)
{
  static char out[2][200];
  static int which;
  char *z = out[which ^= 1];
  size_t k, len = 0;

  for (k = 0; k < n && k < 48; k++) len += (size_t)snprintf(z + len, 200 - len, "%02x", p[k]);
  snprintf(z + len, 200 - len, "%s", n > 48 ? "..." : "");
  return z;
}

/* Check the law for one pair under coll, ascending and descending. */
static void check_pair(oracle *o, lvt_buf *ka, lvt_buf *kb,
                       const lvt_value *a, const lvt_value *b, int coll)
{
  int want = oracle_cmp(o, a, b, coll), got, desc;

  for (desc = 0; desc <= 1; desc++) {
    enc1(ka, a, desc, coll);
    enc1(kb, b, desc, coll);
    got = key_cmp(ka->p, ka->n, kb->p, kb->n);
    if (got != (desc ? -want : want))
      ck_abort_msg("LVT_SEED=%" PRIu64 ": %s vs %s COLLATE %s%s: SQLite says %d, "
                   "keys %s vs %s say %d", g_seed, describe(a), describe(b),
                   coll_name[coll], desc ? " DESC" : "", want,
                   hexkey(ka->p, ka->n), hexkey(kb->p, kb->n), desc ? -got : got);
  }
}

/* --------------------------------------------------------------- law -- */

/* 100,000 random pairs of mixed types under BINARY. */
START_TEST(test_law_binary)
{
  static tval a, b;
  lvt_buf ka = {0}, kb = {0};
  oracle o;
  int k;

  seed_test();
  oracle_open(&o);
  for (k = 0; k < 100000; k++) {
    gen_pair(&a, &b, 0);
    check_pair(&o, &ka, &kb, &a.v, &b.v, LVT_COLL_BINARY);
  }
  oracle_close(&o);
  lvt_buf_free(&ka);
  lvt_buf_free(&kb);
}
END_TEST

/* Text-heavy pairs under NOCASE and RTRIM (non-text values too, which the
 * collation must leave alone). */
START_TEST(test_law_collations)
{
  static tval a, b;
  lvt_buf ka = {0}, kb = {0};
  oracle o;
  int k, coll;

  seed_test();
  oracle_open(&o);
  for (coll = LVT_COLL_NOCASE; coll <= LVT_COLL_RTRIM; coll++) {
    for (k = 0; k < 40000; k++) {
      gen_pair(&a, &b, 80);
      check_pair(&o, &ka, &kb, &a.v, &b.v, coll);
    }
  }
  oracle_close(&o);
  lvt_buf_free(&ka);
  lvt_buf_free(&kb);
}
END_TEST

/* Hand-picked pairs that a plausible wrong design gets wrong. */
START_TEST(test_law_edges)
{
  static tval a, b;
  static const struct { int ta; int64_t ia; double ra; int tb; int64_t ib; double rb; } num[] = {
    { LVT_INTEGER, INT64_C(9007199254740993), 0, LVT_REAL, 0, 9007199254740992.0 },
    { LVT_INTEGER, INT64_MAX, 0, LVT_REAL, 0, (double)INT64_MAX },
    { LVT_INTEGER, INT64_MAX - 511, 0, LVT_REAL, 0, 9223372036854774784.0 },
    { LVT_INTEGER, INT64_MIN, 0, LVT_REAL, 0, -TWO63 },
    { LVT_INTEGER, 0, 0, LVT_REAL, 0, -0.0 },
    { LVT_INTEGER, 5, 0, LVT_REAL, 0, 5.0 },
    { LVT_INTEGER, INT64_MAX, 0, LVT_REAL, 0, 1.0 / 0.0 },
    { LVT_INTEGER, INT64_MIN, 0, LVT_REAL, 0, -1.0 / 0.0 },
    { LVT_REAL, 0, TWO64, LVT_INTEGER, INT64_MAX, 0 },
  };
  static const char *const txt[][2] = {
    { "a", "a\0" }, { "a\0", "ab" }, { "A", "a" }, { "_", "a" }, { "_", "A" },
    { "a ", "a" }, { "a\0b", "a\0c" }, { "a\0b", "a\0cc" }, { "A\0", "a\0" },
    { "", " " }, { "", "\0" }, { "\xc3\x89", "\xc3\xa9" }, { "a\0 ", "a\0" },
  };
  static const size_t tlen[][2] = {
    { 1, 2 }, { 2, 2 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 2, 1 }, { 3, 3 }, { 3, 4 },
    { 2, 2 }, { 0, 1 }, { 0, 1 }, { 2, 2 }, { 3, 2 },
  };
  lvt_buf ka = {0}, kb = {0};
  oracle o;
  size_t k;
  int coll;

  seed_test();  /* for the seed in messages; the pairs are fixed */
  oracle_open(&o);
  for (k = 0; k < sizeof num / sizeof num[0]; k++) {
    if (num[k].ta == LVT_INTEGER) set_int(&a, num[k].ia); else set_real(&a, num[k].ra);
    if (num[k].tb == LVT_INTEGER) set_int(&b, num[k].ib); else set_real(&b, num[k].rb);
    check_pair(&o, &ka, &kb, &a.v, &b.v, LVT_COLL_BINARY);
    check_pair(&o, &ka, &kb, &b.v, &a.v, LVT_COLL_BINARY);
  }
  for (k = 0; k < sizeof tlen / sizeof tlen[0]; k++) {
    set_bytes(&a, LVT_TEXT, txt[k][0], tlen[k][0]);
    set_bytes(&b, LVT_TEXT, txt[k][1], tlen[k][1]);
    for (coll = 0; coll < 3; coll++) {
      check_pair(&o, &ka, &kb, &a.v, &b.v, coll);
      check_pair(&o, &ka, &kb, &b.v, &a.v, coll);
    }
  }
  oracle_close(&o);
  lvt_buf_free(&ka);
  lvt_buf_free(&kb);
}
END_TEST

/* --------------------------------------------------------- composite -- */

typedef struct tkey {
  int ncol;
  tval col[MAX_COLS];
} tkey;

typedef struct tshape {
  int ncol;
  int desc[MAX_COLS];
  int coll[MAX_COLS];
} tshape;

/* Concatenate the column encodings of key under shape into out. */
static void enc_key(lvt_buf *out, const tkey *key, const tshape *sh)
{
  int c;

  lvt_buf_reset(out);
  for (c = 0; c < sh->ncol; c++)
    REQUIRE(lvt_key_encode(out, &key->col[c].v, sh->desc[c], sh->coll[c]) == LVT_OK,
            "encode failed: %s", lvt_errmsg());
}

/* Column-by-column comparison through SQLite; the first difference decides. */
static int oracle_key_cmp(oracle *o, const tkey *a, const tkey *b, const tshape *sh)
{
  int c, r;

  for (c = 0; c < sh->ncol; c++) {
    r = oracle_cmp(o, &a->col[c].v, &b->col[c].v, sh->coll[c]);
    if (r != 0) return sh->desc[c] ? -r : r;
  }
  return 0;
}

static void gen_shape(tshape *sh)
{
  int c;
  sh->ncol = 1 + (int)tu_below(MAX_COLS);
  for (c = 0; c < sh->ncol; c++) {
    sh->desc[c] = (int)tu_below(2);
    sh->coll[c] = (int)tu_below(3);
  }
}

/* Two keys of one shape; b's columns are copies of a's (so that later
 * columns decide), neighbours, or independent. */
static void gen_keys(tkey *a, tkey *b, const tshape *sh)
{
  int c;

  a->ncol = b->ncol = sh->ncol;
  for (c = 0; c < sh->ncol; c++) {
    gen_value(&a->col[c], 30);
    switch (tu_below(3)) {
    case 0:
      b->col[c] = a->col[c];
      if (b->col[c].v.type == LVT_TEXT || b->col[c].v.type == LVT_BLOB)
        b->col[c].v.u.s.p = b->col[c].buf;
      break;
    case 1: gen_related(&b->col[c], &a->col[c]); break;
    default: gen_value(&b->col[c], 30); break;
    }
  }
}

/* 20,000 pairs of composite keys with random ASC/DESC and collations. */
START_TEST(test_law_composite)
{
  static tkey a, b;
  tshape sh;
  lvt_buf ka = {0}, kb = {0};
  oracle o;
  int k, want, got;

  seed_test();
  oracle_open(&o);
  for (k = 0; k < 20000; k++) {
    gen_shape(&sh);
    gen_keys(&a, &b, &sh);
    want = oracle_key_cmp(&o, &a, &b, &sh);
    enc_key(&ka, &a, &sh);
    enc_key(&kb, &b, &sh);
    got = key_cmp(ka.p, ka.n, kb.p, kb.n);
    if (got != want) {
      int c;
      for (c = 0; c < sh.ncol; c++)
        fprintf(stderr, "  col %d %s %s: %s vs %s\n", c, coll_name[sh.coll[c]],
                sh.desc[c] ? "DESC" : "ASC", describe(&a.col[c].v), describe(&b.col[c].v));
      ck_abort_msg("LVT_SEED=%" PRIu64 ": composite pair %d (%d columns, above): "
                   "SQLite says %d, keys %s vs %s say %d", g_seed, k, sh.ncol, want,
                   hexkey(ka.p, ka.n), hexkey(kb.p, kb.n), got);
    }
  }
  oracle_close(&o);
  lvt_buf_free(&ka);
  lvt_buf_free(&kb);
}
END_TEST

/* -------------------------------------------------------- round trip -- */

/* The value a key represents: canonical numbers, folded text. */
static void canonical(const tval *in, int coll, tval *out)
{
  const lvt_value *v = &in->v;
  size_t n, k;

  if (v->type == LVT_REAL) {
    double r = v->u.r;
    if (r >= -TWO63 && r < TWO63 && (double)(int64_t)r == r) set_int(out, (int64_t)r);
    else set_real(out, r);
    return;
  }
  if (v->type != LVT_TEXT || coll == LVT_COLL_BINARY) {
    *out = *in;
    if (v->type == LVT_TEXT || v->type == LVT_BLOB) out->v.u.s.p = out->buf;
    return;
  }
  set_bytes(out, LVT_TEXT, in->buf, v->u.s.n);
  n = v->u.s.n;
  if (coll == LVT_COLL_RTRIM) {
    while (n && out->buf[n - 1] == ' ') n--;
  } else {
    for (k = 0; k < n && out->buf[k]; k++)
      if (out->buf[k] >= 'A' && out->buf[k] <= 'Z') out->buf[k] += 'a' - 'A';
    if (k < n) memset(out->buf + k, 0, n - k);
  }
  out->v.u.s.n = n;
}

/* Exact equality of two values (REAL by bit pattern). */
static int same_value(const lvt_value *a, const lvt_value *b)
{
  if (a->type != b->type) return 0;
  switch (a->type) {
  case LVT_NULL: return 1;
  case LVT_INTEGER: return a->u.i == b->u.i;
  case LVT_REAL: return dbits(a->u.r) == dbits(b->u.r);
  default:
    return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
  }
}

/* Decode p[0..n-1] from an exact-size heap copy (so ASan sees any read past
 * the end); returns the rc, fills v/used/scratch. */
static int decode_copy(const unsigned char *p, size_t n, int desc, lvt_value *v,
                       size_t *used, lvt_buf *scratch, unsigned char **copy)
{
  free(*copy);
  *copy = malloc(n ? n : 1);
  REQUIRE(*copy != NULL, "out of memory");
  if (n) memcpy(*copy, p, n);
  return lvt_key_decode(*copy, n, desc, v, used, scratch);
}

/* decode(encode(x)) == canonical(x), consuming exactly the encoding, and
 * re-encoding the result gives the same bytes. */
START_TEST(test_roundtrip_single)
{
  static tval x, want;
  lvt_buf key = {0}, scratch = {0}, again = {0};
  unsigned char *copy = NULL;
  lvt_value got;
  size_t used;
  int k, desc, coll;

  seed_test();
  for (k = 0; k < 100000; k++) {
    gen_value(&x, 10);
    desc = (int)tu_below(2);
    coll = (int)tu_below(3);
    enc1(&key, &x.v, desc, coll);
    canonical(&x, coll, &want);
    lvt_buf_reset(&scratch);
    REQUIRE(decode_copy(key.p, key.n, desc, &got, &used, &scratch, &copy) == LVT_OK,
                  "LVT_SEED=%" PRIu64 ": decode of %s failed: %s", g_seed, describe(&x.v), lvt_errmsg());
    REQUIRE(used == key.n && same_value(&got, &want.v),
                  "LVT_SEED=%" PRIu64 ": %s %s%s decodes as %s (used %zu of %zu)", g_seed,
                  describe(&x.v), coll_name[coll], desc ? " DESC" : "", describe(&got), used, key.n);
    enc1(&again, &got, desc, coll);
    REQUIRE(key_cmp(key.p, key.n, again.p, again.n) == 0,
                  "LVT_SEED=%" PRIu64 ": re-encoding %s differs", g_seed, describe(&got));
  }
  free(copy);
  lvt_buf_free(&key);
  lvt_buf_free(&scratch);
  lvt_buf_free(&again);
}
END_TEST

/* Composite keys decode column by column, each with its own direction, and
 * the columns consume exactly the whole key. */
START_TEST(test_roundtrip_composite)
{
  static tkey a, b;
  static tval want;
  tshape sh;
  lvt_buf key = {0}, scratch[MAX_COLS] = {{0}};
  unsigned char *copy = NULL;
  lvt_value got;
  size_t off, used;
  int k, c;

  seed_test();
  for (k = 0; k < 20000; k++) {
    gen_shape(&sh);
    gen_keys(&a, &b, &sh);
    enc_key(&key, &a, &sh);
    copy = malloc(key.n);
    REQUIRE(copy != NULL, "out of memory");
    memcpy(copy, key.p, key.n);
    for (c = 0, off = 0; c < sh.ncol; c++) {
      lvt_buf_reset(&scratch[c]);
      REQUIRE(lvt_key_decode(copy + off, key.n - off, sh.desc[c], &got, &used,
                             &scratch[c]) == LVT_OK, "column %d: %s", c, lvt_errmsg());
      canonical(&a.col[c], sh.coll[c], &want);
      REQUIRE(same_value(&got, &want.v), "LVT_SEED=%" PRIu64 ": column %d: %s decodes as %s",
                    g_seed, c, describe(&a.col[c].v), describe(&got));
      off += used;
    }
    REQUIRE(off == key.n, "decoded %zu of %zu bytes", off, key.n);
    free(copy);
  }
  lvt_buf_free(&key);
  for (c = 0; c < MAX_COLS; c++) lvt_buf_free(&scratch[c]);
}
END_TEST

/* --------------------------------------------------- fixed encodings -- */

/* The byte layout written at the top of keycodec.c, pinned. */
START_TEST(test_vectors)
{
  static const struct {
    int type; int64_t i; double r; const char *s; size_t n; int desc, coll;
    const char *hex;
  } vec[] = {
    { LVT_NULL, 0, 0, NULL, 0, 0, 0, "10" },
    { LVT_NULL, 0, 0, NULL, 0, 1, 0, "ef" },
    { LVT_INTEGER, 0, 0, NULL, 0, 0, 0, "208000000000000000" },
    { LVT_REAL, 0, -0.0, NULL, 0, 0, 0, "208000000000000000" },
    { LVT_INTEGER, 1, 0, NULL, 0, 0, 0, "20bff0000000000000" },
    { LVT_REAL, 0, 1.0, NULL, 0, 0, 0, "20bff0000000000000" },
    { LVT_INTEGER, -1, 0, NULL, 0, 0, 0, "20400fffffffffffff" },
    { LVT_INTEGER, INT64_C(9007199254740993), 0, NULL, 0, 0, 0, "20c3400000000000008001" },
    { LVT_REAL, 0, TWO53, NULL, 0, 0, 0, "20c3400000000000008000" },
    { LVT_INTEGER, INT64_MAX, 0, NULL, 0, 0, 0, "20c3e00000000000007fff" },
    { LVT_REAL, 0, TWO63, NULL, 0, 0, 0, "20c3e0000000000000" "8000" },
    { LVT_INTEGER, INT64_MIN, 0, NULL, 0, 0, 0, "203c1fffffffffffff8000" },
    { LVT_REAL, 0, 1.0 / 0.0, NULL, 0, 0, 0, "20fff00000000000008000" },
    { LVT_REAL, 0, -1.0 / 0.0, NULL, 0, 0, 0, "20000fffffffffffff8000" },
    { LVT_TEXT, 0, 0, "", 0, 0, 0, "300000" },
    { LVT_TEXT, 0, 0, "a", 1, 0, 0, "30610000" },
    { LVT_TEXT, 0, 0, "a", 1, 1, 0, "cf9effff" },
    { LVT_TEXT, 0, 0, "a\0b", 3, 0, 0, "306100ff620000" },
    { LVT_TEXT, 0, 0, "Ab  ", 4, 0, LVT_COLL_RTRIM, "304162" "0000" },
    { LVT_TEXT, 0, 0, "Ab_", 3, 0, LVT_COLL_NOCASE, "3061625f0000" },
    { LVT_TEXT, 0, 0, "A\0xY", 4, 0, LVT_COLL_NOCASE, "306100fe000000020000" },
    { LVT_BLOB, 0, 0, "", 0, 0, 0, "400000" },
    { LVT_BLOB, 0, 0, "\0\xff", 2, 0, 0, "4000ffff0000" },
  };
  lvt_buf b = {0};
  size_t k;

  for (k = 0; k < sizeof vec / sizeof vec[0]; k++) {
    lvt_value v;
    v.type = vec[k].type;
    if (v.type == LVT_INTEGER) v.u.i = vec[k].i;
    else if (v.type == LVT_REAL) v.u.r = vec[k].r;
    else { v.u.s.p = vec[k].s; v.u.s.n = vec[k].n; }
    enc1(&b, &v, vec[k].desc, vec[k].coll);
    ck_assert_msg(strcmp(hexkey(b.p, b.n), vec[k].hex) == 0,
                  "vector %zu (%s): got %s, want %s", k, describe(&v), hexkey(b.p, b.n), vec[k].hex);
  }
  lvt_buf_free(&b);
}
END_TEST

/* ------------------------------------------------------ malformed input -- */

/* Decoding p[0..n-1] must fail with LVT_CORRUPT and a message with an offset. */
static void expect_corrupt(const unsigned char *p, size_t n, int desc, const char *what)
{
  lvt_buf scratch = {0};
  unsigned char *copy = NULL;
  lvt_value v;
  size_t used = 0;
  int rc = decode_copy(p, n, desc, &v, &used, &scratch, &copy);

  REQUIRE(rc == LVT_CORRUPT, "%s: %s%s gave %d, not LVT_CORRUPT", what,
                hexkey(p, n), desc ? " (desc)" : "", rc);
  REQUIRE(strstr(lvt_errmsg(), "at byte") != NULL, "message without offset: %s", lvt_errmsg());
  REQUIRE(scratch.n == 0, "failed decode left %zu bytes in scratch", scratch.n);
  free(copy);
  lvt_buf_free(&scratch);
}

/* Every proper prefix of a valid encoding is refused. */
START_TEST(test_truncations)
{
  static tval x;
  lvt_buf key = {0};
  size_t cut;
  int k, desc, coll;

  seed_test();
  for (k = 0; k < 3000; k++) {
    gen_value(&x, 10);
    if (x.v.type == LVT_TEXT || x.v.type == LVT_BLOB) {
      if (x.v.u.s.n > 64) x.v.u.s.n = 64;  /* quadratic otherwise */
    }
    desc = (int)tu_below(2);
    coll = (int)tu_below(3);
    enc1(&key, &x.v, desc, coll);
    for (cut = 0; cut < key.n; cut++) expect_corrupt(key.p, cut, desc, "truncation");
  }
  lvt_buf_free(&key);
}
END_TEST

/* Bad tags, bad escapes and numbers no encoder writes. */
START_TEST(test_bad_bytes)
{
  static const char *const bad[] = {
    "00", "ff", "11", "1f", "21", "2f", "50", "30610001", "306100fe", "30610080",
    "406100fe000000000000",      /* 00 FE is TEXT-only */
    "3000ff00fe000000000000",    /* 00 FE after an escaped NUL */
    "304100fe000000000000",      /* upper case before a NOCASE tail */
    "306100fe000000000001",      /* tail not terminated by 00 00 */
    "306100fe7fffffff0000",      /* tail length over the bound */
    "20fff8000000000000",        /* NaN */
    "207fffffffffffffff",        /* -0.0 */
    "20c3400000000000008401",    /* offset 1025 */
    "20c3400000000000007bff",    /* offset -1025 */
    "20fff00000000000008001",    /* offset on +inf */
    "20c3e00000000000008001",    /* 2^63 + 1 is no int64 */
    "20c3f00000000000007fff",    /* offset on 2^64 */
    "203c1fffffffffffff7fff",    /* INT64_MIN - 1 */
    "20c3400000000000008002",    /* 2^53 + 2 is a double: offset must be 0 */
    "20c3500000000000008003",    /* 2^54 + 3 rounds to 2^54 + 4 */
  };
  unsigned char p[64];
  size_t k, n, i;
  int desc;

  for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    n = strlen(bad[k]) / 2;
    for (desc = 0; desc <= 1; desc++) {
      for (i = 0; i < n; i++) {
        unsigned x;
        sscanf(bad[k] + 2 * i, "%2x", &x);
        p[i] = (unsigned char)(desc ? x ^ 0xFF : x);
      }
      expect_corrupt(p, n, desc, bad[k]);
    }
  }
  for (i = 0; i < 256; i++) {  /* every tag byte but the four */
    if (i == 0x10 || i == 0x20 || i == 0x30 || i == 0x40) continue;
    memset(p, 0, 16);
    p[0] = (unsigned char)i;
    expect_corrupt(p, 16, 0, "bad tag");
    memset(p, 0xFF, 16);
    p[0] = (unsigned char)(i ^ 0xFF);
    expect_corrupt(p, 16, 1, "bad tag");
  }
}
END_TEST

/* The NOCASE tail (bytes after an embedded NUL) is kept in the key only as
 * a 4-byte length, which the decoder materialises as NULs: a damaged length
 * must not make it allocate (issue #7: 10^9 bytes), so encoder and decoder
 * share a 64 KiB bound.  At the bound: a round trip; one past it: TOOBIG on
 * encoding, CORRUPT on decoding, with no more than the key's worth of
 * scratch allocated, ASC and DESC. */
START_TEST(test_nocase_tail_bound)
{
  static const uint32_t bad_tail[] = { 65537u, 1000000u, 999999999u, 1000000000u, 0xFFFFFFFFu };
  const size_t limit = 65536;
  unsigned char *text = calloc(1, limit + 3), key[16];
  lvt_buf b = {0}, scratch = {0};
  lvt_value v, out;
  size_t used, k, i;
  int desc;

  ck_assert_ptr_nonnull(text);
  text[0] = 'A';                        /* 'A', NUL, then `limit` bytes */
  memset(text + 2, 'x', limit);
  v.type = LVT_TEXT;
  v.u.s.p = text;
  for (desc = 0; desc <= 1; desc++) {
    v.u.s.n = limit + 2;
    lvt_buf_reset(&b);
    ck_assert_int_eq(lvt_key_encode(&b, &v, desc, LVT_COLL_NOCASE), LVT_OK);
    ck_assert_uint_eq(b.n, 10);
    lvt_buf_reset(&scratch);
    ck_assert_int_eq(lvt_key_decode(b.p, b.n, desc, &out, &used, &scratch), LVT_OK);
    ck_assert_uint_eq(used, b.n);
    ck_assert_uint_eq(out.u.s.n, limit + 2);
    ck_assert_int_eq(((const unsigned char *)out.u.s.p)[0], 'a');
    v.u.s.n = limit + 3;                /* one byte past the bound */
    lvt_buf_reset(&b);
    ck_assert_int_eq(lvt_key_encode(&b, &v, desc, LVT_COLL_NOCASE), LVT_TOOBIG);
    ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "NOCASE"));
    ck_assert_int_eq(lvt_key_encode(&b, &v, desc, LVT_COLL_BINARY), LVT_OK);
    for (k = 0; k < sizeof bad_tail / sizeof bad_tail[0]; k++) {
      static const unsigned char head[4] = { 0x30, 0x61, 0x00, 0xFE };
      memcpy(key, head, 4);
      for (i = 0; i < 4; i++) key[4 + i] = (unsigned char)(bad_tail[k] >> (8 * (3 - i)));
      key[8] = key[9] = 0x00;
      if (desc) for (i = 0; i < 10; i++) key[i] ^= 0xFF;
      lvt_buf_free(&scratch);
      ck_assert_int_eq(lvt_key_decode(key, 10, desc, &out, &used, &scratch), LVT_CORRUPT);
      REQUIRE(scratch.cap <= 64, "tail %u: %zu bytes of scratch allocated", bad_tail[k],
              scratch.cap);
    }
  }
  free(text);
  lvt_buf_free(&b);
  lvt_buf_free(&scratch);
}
END_TEST

/* Random garbage: LVT_OK or LVT_CORRUPT, never a crash or an over-read; an
 * accepted key is exactly the encoding of what it decodes to (under BINARY
 * or NOCASE, the one collation the decoder cannot tell from the bytes). */
START_TEST(test_garbage)
{
  static const unsigned char pick[] = { 0x00, 0xFF, 0xFE, 0x10, 0x20, 0x30, 0x40, 0x61, 0x41, 0x80, 0xc3 };
  unsigned char p[48], *copy = NULL;
  lvt_buf scratch = {0}, again = {0};
  lvt_value v;
  size_t n, i, used;
  int k, desc, rc, nok = 0;

  seed_test();
  for (k = 0; k < 200000; k++) {
    n = tu_below(sizeof p + 1);
    desc = (int)tu_below(2);
    for (i = 0; i < n; i++)
      p[i] = tu_below(2) ? pick[tu_below(sizeof pick)] : (unsigned char)tu_rand();
    if (n && tu_below(2)) p[0] = (unsigned char)((0x10 * (1 + tu_below(4))) ^ (desc ? 0xFF : 0));
    lvt_buf_reset(&scratch);
    rc = decode_copy(p, n, desc, &v, &used, &scratch, &copy);
    REQUIRE(rc == LVT_OK || rc == LVT_CORRUPT, "garbage gave rc %d", rc);
    if (rc != LVT_OK) continue;
    nok++;
    REQUIRE(used <= n, "used %zu of %zu", used, n);
    enc1(&again, &v, desc, LVT_COLL_BINARY);
    if (key_cmp(again.p, again.n, p, used) != 0) enc1(&again, &v, desc, LVT_COLL_NOCASE);
    REQUIRE(key_cmp(again.p, again.n, p, used) == 0,
                  "LVT_SEED=%" PRIu64 ": accepted %s is not canonical (%s)", g_seed,
                  hexkey(p, used), describe(&v));
  }
  ck_assert_int_gt(nok, 1000);  /* the generator does reach valid keys */
  free(copy);
  lvt_buf_free(&scratch);
  lvt_buf_free(&again);
}
END_TEST

/* --------------------------------------------------- NaN, rowids, misc -- */

START_TEST(test_nan)
{
  lvt_buf b = {0};
  lvt_value v;
  int desc;

  v.type = LVT_REAL;
  for (desc = 0; desc <= 1; desc++) {
    v.u.r = bitsd(0x7ff8000000000000ULL);
    ck_assert_int_eq(lvt_key_encode(&b, &v, desc, 0), LVT_NAN);
    v.u.r = bitsd(0xfff0000000000001ULL);
    ck_assert_int_eq(lvt_key_encode(&b, &v, desc, 0), LVT_NAN);
    ck_assert_uint_eq(b.n, 0);
  }
  ck_assert_ptr_nonnull(strstr(lvt_errmsg(), "NaN"));
  v.type = 99;
  ck_assert_int_eq(lvt_key_encode(&b, &v, 0, 0), LVT_MISUSE);
  lvt_buf_free(&b);
}
END_TEST

/* Rowid keys round-trip and sort as integers, bounds included. */
START_TEST(test_rowid)
{
  static const int64_t edge[] = { INT64_MIN, INT64_MIN + 1, -2, -1, 0, 1, 2,
                                  INT64_MAX - 1, INT64_MAX };
  unsigned char ka[LVT_ROWID_SIZE], kb[LVT_ROWID_SIZE];
  int64_t a, b;
  size_t i, j;
  int k;

  seed_test();
  for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    lvt_key_rowid_put(ka, edge[i]);
    ck_assert_int_eq(lvt_key_rowid_get(ka), edge[i]);
    for (j = 0; j < sizeof edge / sizeof edge[0]; j++) {
      lvt_key_rowid_put(kb, edge[j]);
      ck_assert_int_eq(key_cmp(ka, 8, kb, 8), (edge[i] > edge[j]) - (edge[i] < edge[j]));
    }
  }
  lvt_key_rowid_put(ka, INT64_MIN);
  ck_assert_int_eq(ka[0], 0x00);
  lvt_key_rowid_put(ka, INT64_MAX);
  ck_assert_int_eq(ka[7], 0xFF);
  for (k = 0; k < 100000; k++) {
    a = (int64_t)tu_rand() >> tu_below(64);
    b = tu_below(4) ? (int64_t)tu_rand() >> tu_below(64) : a;
    lvt_key_rowid_put(ka, a);
    lvt_key_rowid_put(kb, b);
    REQUIRE(lvt_key_rowid_get(ka) == a, "rowid %" PRId64 " round trip", a);
    REQUIRE(key_cmp(ka, 8, kb, 8) == (a > b) - (a < b),
            "rowids %" PRId64 " and %" PRId64 " out of order", a, b);
  }
}
END_TEST

/* The successor of a prefix: fixed cases, then the law on composite keys:
 * P <= K < succ(P) for every K starting with P, and any other K lies
 * outside [P, succ(P)). */
START_TEST(test_prefix_successor)
{
  static tkey a, b;
  tshape sh;
  lvt_buf pre = {0}, full = {0}, other = {0};
  unsigned char x[3] = { 0x01, 0x02, 0xFF };
  int k, c, j, starts, below;

  lvt_buf_append(&pre, x, 2);
  ck_assert_int_eq(lvt_key_prefix_successor(&pre), LVT_OK);
  ck_assert(pre.n == 2 && pre.p[0] == 0x01 && pre.p[1] == 0x03);
  lvt_buf_reset(&pre);
  lvt_buf_append(&pre, x, 3);
  ck_assert_int_eq(lvt_key_prefix_successor(&pre), LVT_OK);
  ck_assert(pre.n == 2 && pre.p[1] == 0x03);
  lvt_buf_reset(&pre);
  lvt_buf_append(&pre, x + 2, 1);
  ck_assert_int_eq(lvt_key_prefix_successor(&pre), LVT_NOTFOUND);
  ck_assert_uint_eq(pre.n, 0);
  ck_assert_int_eq(lvt_key_prefix_successor(&pre), LVT_NOTFOUND);

  seed_test();
  for (k = 0; k < 20000; k++) {
    gen_shape(&sh);
    gen_keys(&a, &b, &sh);
    enc_key(&full, &a, &sh);
    enc_key(&other, &b, &sh);
    lvt_buf_reset(&pre);
    j = (int)tu_below((uint64_t)sh.ncol + 1);
    for (c = 0; c < j; c++)
      REQUIRE(lvt_key_encode(&pre, &a.col[c].v, sh.desc[c], sh.coll[c]) == LVT_OK, "encode");
    REQUIRE(key_cmp(pre.p, pre.n, full.p, full.n) <= 0, "prefix above its key");
    starts = other.n >= pre.n && (pre.n == 0 || memcmp(other.p, pre.p, pre.n) == 0);
    below = key_cmp(other.p, other.n, pre.p, pre.n) < 0;
    if (lvt_key_prefix_successor(&pre) == LVT_NOTFOUND) continue;
    REQUIRE(key_cmp(full.p, full.n, pre.p, pre.n) < 0, "LVT_SEED=%" PRIu64 ": key %s not below "
            "successor %s", g_seed, hexkey(full.p, full.n), hexkey(pre.p, pre.n));
    REQUIRE(starts == (!below && key_cmp(other.p, other.n, pre.p, pre.n) < 0),
            "LVT_SEED=%" PRIu64 ": key %s vs prefix range up to %s", g_seed,
            hexkey(other.p, other.n), hexkey(pre.p, pre.n));
  }
  lvt_buf_free(&pre);
  lvt_buf_free(&full);
  lvt_buf_free(&other);
}
END_TEST

/* ------------------------------------------------------------- suite -- */

static Suite *keycodec_suite(void)
{
  Suite *s = suite_create("keycodec");
  TCase *law = tcase_create("law");
  TCase *rt = tcase_create("roundtrip");
  TCase *bad = tcase_create("malformed");
  TCase *misc = tcase_create("misc");

  tcase_set_timeout(law, 120);
  tcase_set_timeout(rt, 120);
  tcase_set_timeout(bad, 120);
  tcase_set_timeout(misc, 60);
  tcase_add_test(law, test_law_edges);
  tcase_add_test(law, test_law_binary);
  tcase_add_test(law, test_law_collations);
  tcase_add_test(law, test_law_composite);
  tcase_add_test(rt, test_vectors);
  tcase_add_test(rt, test_roundtrip_single);
  tcase_add_test(rt, test_roundtrip_composite);
  tcase_add_test(bad, test_truncations);
  tcase_add_test(bad, test_bad_bytes);
  tcase_add_test(bad, test_garbage);
  tcase_add_test(bad, test_nocase_tail_bound);
  tcase_add_test(misc, test_nan);
  tcase_add_test(misc, test_rowid);
  tcase_add_test(misc, test_prefix_successor);
  suite_add_tcase(s, law);
  suite_add_tcase(s, rt);
  suite_add_tcase(s, bad);
  suite_add_tcase(s, misc);
  return s;
}

int main(void)
{
  return tu_run(keycodec_suite());
}
