/*
 * check_value.c -- Check suite for ext/value.c, differential against SQLite.
 *
 * The law: for every value and every affinity, lvt_value_apply_affinity()
 * yields exactly what the linked SQLite stores in an ordinary table (same
 * typeof(), same integer, same bits of a REAL, same bytes of a TEXT), and
 * returns -1 exactly when a STRICT table refuses the value, with SQLite's
 * message; lvt_affinity() agrees with SQLite on declared types;
 * lvt_value_compare() agrees with SQLite's <, = and > under BINARY, NOCASE
 * and RTRIM.  Values are edge cases plus tens of thousands of random ones
 * (numeric-looking text of every shape, random doubles, integers near the
 * limits).  SQLite runs in an in-memory database inside each test.
 * LVT_SEED=n reproduces a run; every failure message carries the seed.
 */
#include "lvt_int.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <sqlite3.h>

#include "testutil.h"

static uint64_t seed;

/* Re-seed at the start of every test, so each one replays alone. */
static void reseed(void)
{
  tu_seed(seed);
}

/* Fail with a formatted message that names the seed. */
static void failf(const char *fmt, ...) LVT_PRINTF(1, 2);
static void failf(const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ck_abort_msg("%s (LVT_SEED=%" PRIu64 ")", msg, seed);
}

/* ------------------------------------------------------------ values -- */

/* A test value that owns its bytes.  Never copy one by assignment: v.u.s.p
 * points into buf. */
typedef struct tval {
  lvt_value v;
  unsigned char buf[80];
} tval;

/* Constructors: NULL, INTEGER, REAL. */
static void tv_null(tval *t)
{
  t->v.type = LVT_NULL;
}

static void tv_int(tval *t, int64_t i)
{
  t->v.type = LVT_INTEGER;
  t->v.u.i = i;
}

static void tv_real(tval *t, double r)
{
  t->v.type = LVT_REAL;
  t->v.u.r = r;
}

/* TEXT or BLOB of n bytes copied from p (n <= sizeof buf). */
static void tv_bytes(tval *t, int type, const void *p, size_t n)
{
  ck_assert_uint_le(n, sizeof t->buf);
  memcpy(t->buf, p, n);
  t->v.type = type;
  t->v.u.s.p = t->buf;
  t->v.u.s.n = n;
}

/* TEXT from a C string. */
static void tv_text(tval *t, const char *z)
{
  tv_bytes(t, LVT_TEXT, z, strlen(z));
}

/* Printable description of v into out (bytes escaped), for messages. */
static const char *describe(const lvt_value *v, char *out, size_t cap)
{
  size_t k, n = 0;
  const unsigned char *p;

  switch (v->type) {
  case LVT_NULL: snprintf(out, cap, "NULL"); return out;
  case LVT_INTEGER: snprintf(out, cap, "INTEGER %" PRId64, v->u.i); return out;
  case LVT_REAL:
    snprintf(out, cap, "REAL %.17g (%a)", v->u.r, v->u.r);
    return out;
  default: break;
  }
  p = v->u.s.p;
  n = (size_t)snprintf(out, cap, "%s '", v->type == LVT_TEXT ? "TEXT" : "BLOB");
  for (k = 0; k < v->u.s.n && n + 8 < cap; k++) {
    if (p[k] >= 0x20 && p[k] < 0x7f && p[k] != '\\')
      out[n++] = (char)p[k];
    else
      n += (size_t)snprintf(out + n, cap - n, "\\x%02x", p[k]);
  }
  snprintf(out + n, cap - n, "' (%zu bytes)", v->u.s.n);
  return out;
}

/* Exactly the same value: storage class, integer, REAL bits, bytes. */
static int same_value(const lvt_value *a, const lvt_value *b)
{
  if (a->type != b->type) return 0;
  switch (a->type) {
  case LVT_NULL:    return 1;
  case LVT_INTEGER: return a->u.i == b->u.i;
  case LVT_REAL:    return memcmp(&a->u.r, &b->u.r, sizeof(double)) == 0;
  default:
    return a->u.s.n == b->u.s.n
        && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
  }
}

/* ------------------------------------------------------------ sqlite -- */

/* A fresh in-memory SQLite database; the caller closes it. */
static sqlite3 *db_open(void)
{
  sqlite3 *db = NULL;

  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  return db;
}

/* Run SQL that must succeed. */
static void db_exec(sqlite3 *db, const char *sql)
{
  char *err = NULL;

  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
    failf("%s: %s", sql, err ? err : "?");
}

/* Prepare SQL that must compile; the caller finalizes the statement. */
static sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    failf("prepare %s: %s", sql, sqlite3_errmsg(db));
  return st;
}

/* Bind v to parameter i exactly (TEXT with its NULs, an empty BLOB as a
 * BLOB, not as NULL). */
static void db_bind(sqlite3_stmt *st, int i, const lvt_value *v)
{
  static const char empty[1];
  int rc;

  switch (v->type) {
  case LVT_INTEGER: rc = sqlite3_bind_int64(st, i, v->u.i); break;
  case LVT_REAL:    rc = sqlite3_bind_double(st, i, v->u.r); break;
  case LVT_TEXT:
    rc = sqlite3_bind_text(st, i, v->u.s.n ? v->u.s.p : (const void *)empty,
                           (int)v->u.s.n, SQLITE_TRANSIENT);
    break;
  case LVT_BLOB:
    rc = sqlite3_bind_blob(st, i, v->u.s.n ? v->u.s.p : (const void *)empty,
                           (int)v->u.s.n, SQLITE_TRANSIENT);
    break;
  default:          rc = sqlite3_bind_null(st, i); break;
  }
  ck_assert_int_eq(rc, SQLITE_OK);
}

/* Column i of the current row as an lvt_value (TEXT/BLOB point into the
 * statement, valid until the next step or reset). */
static void db_column(sqlite3_stmt *st, int i, lvt_value *v)
{
  v->type = sqlite3_column_type(st, i);
  switch (v->type) {
  case SQLITE_INTEGER: v->u.i = sqlite3_column_int64(st, i); break;
  case SQLITE_FLOAT:   v->u.r = sqlite3_column_double(st, i); break;
  case SQLITE_TEXT:
    v->u.s.p = sqlite3_column_text(st, i);
    v->u.s.n = (size_t)sqlite3_column_bytes(st, i);
    break;
  case SQLITE_BLOB:
    v->u.s.p = sqlite3_column_blob(st, i);
    v->u.s.n = (size_t)sqlite3_column_bytes(st, i);
    break;
  default: v->type = LVT_NULL; break;
  }
}

/* --------------------------------------------------------- generators -- */

static const char *const space_chars = " \t\n\v\f\r";

/* Append a few of SQLite's spaces, now and then. */
static void put_spaces(char *z, size_t *n)
{
  uint64_t k = tu_below(4) == 0 ? tu_below(3) + 1 : 0;

  while (k-- > 0) z[(*n)++] = space_chars[tu_below(tu_below(3) ? 1 : 6)];
}

/* Append up to `max` random digits, sometimes with leading zeros. */
static void put_digits(char *z, size_t *n, unsigned max)
{
  uint64_t k = tu_below(max + 1);

  if (tu_below(6) == 0) {
    uint64_t zeros = tu_below(4) + 1;
    while (zeros-- > 0) z[(*n)++] = '0';
  }
  while (k-- > 0) z[(*n)++] = (char)('0' + tu_below(10));
}

/* Something that is not part of a number, to land in a random place. */
static void put_garbage(char *z, size_t *n)
{
  static const char *const junk[] = {
    "x", "a", "e", "E", "\0", "..", "+", "-", "0x", "\xd9\xa3", "\xef\xbc\x91",
    ",", "_", " ", "inf", "nan", "\xc2\xa0", "#"
  };
  const char *j = junk[tu_below(sizeof junk / sizeof junk[0])];
  size_t len = j[0] ? strlen(j) : 1;

  memcpy(z + *n, j, len);
  *n += len;
}

/* Numeric-looking text of every shape: spaces, sign, digits, point,
 * fraction, exponent (small, large, huge), spaces, now and then garbage. */
static void gen_numeric_text(tval *t)
{
  char z[80];
  size_t n = 0;

  put_spaces(z, &n);
  if (tu_below(3) == 0) z[n++] = tu_below(2) ? '-' : '+';
  if (tu_below(12) == 0) { memcpy(z + n, "0x", 2); n += 2; }
  if (tu_below(10) == 0) {                /* 19 digits near the limits */
    n += (size_t)sprintf(z + n, "%" PRIu64 "e%d",
                         (uint64_t)(tu_rand() % 9000000000000000000ULL
                                    + 1000000000000000000ULL),
                         (int)tu_below(60) + 290 - (tu_below(2) ? 0 : 640));
    tv_bytes(t, LVT_TEXT, z, n);
    return;
  }
  put_digits(z, &n, tu_below(4) ? 8 : 24);
  if (tu_below(2)) {
    z[n++] = '.';
    put_digits(z, &n, tu_below(4) ? 6 : 22);
  }
  if (tu_below(3) == 0) {
    z[n++] = tu_below(2) ? 'e' : 'E';
    if (tu_below(2)) z[n++] = tu_below(2) ? '-' : '+';
    n += (size_t)sprintf(z + n, "%u", (unsigned)(tu_below(4) ? tu_below(30)
                                                : tu_below(700)));
    if (tu_below(20) == 0) n--;          /* maybe no exponent digits left */
  }
  put_spaces(z, &n);
  if (tu_below(8) == 0) {
    size_t at = (size_t)tu_below(n + 1), tail = n - at;
    char rest[80];
    memcpy(rest, z + at, tail);
    n = at;
    put_garbage(z, &n);
    memcpy(z + n, rest, tail);
    n += tail;
  }
  tv_bytes(t, LVT_TEXT, z, n);
}

/* Random text or blob of up to 12 bytes. */
static void gen_bytes(tval *t, int type)
{
  unsigned char z[12];
  size_t k, n = (size_t)tu_below(sizeof z + 1);

  for (k = 0; k < n; k++) z[k] = (unsigned char)tu_rand();
  tv_bytes(t, type, z, n);
}

/* The double with bit pattern u. */
static double bits_to_double(uint64_t u)
{
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* Random doubles: any bit pattern, short decimals, powers of ten,
 * integers as doubles, values near 2^53 and 2^63. */
static double gen_double(void)
{
  static const double near[] = {
    9007199254740992.0, 9223372036854775808.0, 1e15, 1e16, 1e17, 0.1, 1.0
  };
  double d;
  int k;

  switch (tu_below(6)) {
  case 0: return bits_to_double(tu_rand());
  case 1: return (double)(int64_t)(tu_rand() >> tu_below(64))
                 / pow(10.0, (double)tu_below(20));
  case 2: return pow(10.0, (double)((int)tu_below(640) - 325))
                 * (tu_below(2) ? 1 : -1);
  case 3: return (double)((int64_t)tu_rand() >> tu_below(64));
  case 4:
    d = near[tu_below(sizeof near / sizeof near[0])];
    for (k = (int)tu_below(4); k > 0; k--)
      d = nextafter(d, tu_below(2) ? INFINITY : 0.0);
    return tu_below(2) ? d : -d;
  default: return (double)tu_below(2000) / 8.0 - 125.0;
  }
}

/* Random integers: any, small, near the int64 limits, near +-2^53. */
static int64_t gen_int64(void)
{
  int64_t k = (int64_t)tu_below(4);

  switch (tu_below(4)) {
  case 0: return (int64_t)tu_rand();
  case 1: return (int64_t)tu_rand() >> tu_below(64);
  case 2: return tu_below(2) ? INT64_MAX - k : INT64_MIN + k;
  default: return (((int64_t)1 << 53) + k - 2) * (tu_below(2) ? 1 : -1);
  }
}

/* One random value of any storage class, weighted towards the conversions. */
static void gen_value(tval *t)
{
  switch (tu_below(20)) {
  case 0: tv_null(t); break;
  case 1: gen_bytes(t, LVT_BLOB); break;
  case 2: case 3: gen_bytes(t, LVT_TEXT); break;
  case 4: case 5: case 6: case 7: tv_int(t, gen_int64()); break;
  case 8: case 9: case 10: case 11: case 12: tv_real(t, gen_double()); break;
  default: gen_numeric_text(t); break;
  }
}

/* ------------------------------------------------------- edge values -- */

/* Text edge cases, written with explicit lengths where they hold NULs. */
static const struct { const char *z; size_t n; } edge_texts[] = {
#define T(s) { s, sizeof(s) - 1 }
  T(""), T(" "), T("  "), T("\t\n\v\f\r"), T("0"), T("-0"), T("+0"),
  T("-0.0"), T("0.0"), T("00"), T(".5"), T("5."), T("-.5"), T("+.5e1"),
  T("."), T("-"), T("+"), T("e5"), T(".e5"), T("1e"), T("1e+"), T("1e-"),
  T("1e3"), T("1E3"), T("1e-3"), T("1e+05"), T("1.e5"), T("1e400"),
  T("-1e400"), T("1e-400"), T("-1e-400"), T("1e308"), T("1e309"),
  T("1.7976931348623157e308"), T("1.7976931348623159e308"), T("4.9e-324"),
  T("2.4e-324"), T("2.2250738585072014e-308"), T("0x10"), T("0X1F"),
  T("0x"), T("  12  "), T("\t12\n"), T("\v12\f"), T("12\r"), T("1 2"),
  T("1.5"), T("3.0"), T("3.00000000000000000001"), T("2.5e-1"),
  T("9223372036854775807"), T("9223372036854775808"),
  T("-9223372036854775808"), T("-9223372036854775809"),
  T("9223372036854775807.0"), T("9223372036854775807e0"),
  T("18446744073709551616"), T("123456789012345678901234567890"),
  T("000000000000000000000000000012"), T("0.1"), T("1e15"), T("1e16"),
  T("123456789012345678.0"), T("9007199254740993"), T("9007199254740993.0"),
  T("2251799813685248"), T("2251799813685247.0"), T("inf"), T("Infinity"),
  T("-inf"), T("NaN"), T("nan"), T("1,5"), T("1_000"),
  T("\xd9\xa1\xd9\xa2\xd9\xa3"), T("\xef\xbc\x91\xef\xbc\x92"), T("12abc"),
  T("abc"), T("1\0"), T("\0"), T("1\0 2"), T("\0" "1"), T("- 1"), T("+-1"),
  T("--1"), T("1..5"), T("1.5.5"), T("1e5.5"), T("1e5e5"), T(" 1e 5"),
  T("1.0e+100"), T("1.23456789012346e+17"), T("1e10000000000"),
  T("0.000000000000000000000000000000000000000000000000001e51"),
  T("1000000000000000000000e-3"), T("100000000000000000000000000000e-10"),
  T("9000000000000000001e-342"), T("-9000000000000000001e-342"),
  T("9000000000000000001e-341"), T("9000000000000000001e-325"), T("1e341"),
  T("1e342"), T("0.0000001e342"), T("99999999999999999999e-360"),
#undef T
};

static const double edge_reals[] = {
  0.0, 0.1, 0.5, 1.0, -1.0, 1.5, 3.0, 1e15, 1e16, 1e17, 123456789012345678.0,
  1e100, 1e-100, 1e308, -1e308, DBL_MAX, DBL_MIN, 4.9e-324, 1e-5, 1e-4,
  0.0001, 0.00001, 123456.789, 99999999999999.9, 999999999999999.9,
  9.999999999999999e14, 0.30000000000000004, 1e21, 1e22, 1e23,
  9007199254740992.0, 9007199254740994.0, 9223372036854775808.0,
  -9223372036854775808.0, 9223372036854774784.0, -9223372036854774784.0,
  18446744073709551616.0, 2251799813685248.0, 1e-7, 0.999999999999999,
  0.9999999999999999, 9.9999999999999995, 99.99999999999999, 1e14, 1e-4,
  5e-15, 1.0 / 3, 2.0 / 3, 100.0, 1e-320
};

static const int64_t edge_ints[] = {
  0, 1, -1, 10, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
  (int64_t)1 << 53, ((int64_t)1 << 53) + 1, -(((int64_t)1 << 53) + 1),
  (int64_t)1 << 62, 1000000000000000, 10000000000000000, 140737488355328,
  140737488355327, -140737488355328, -140737488355329
};

/* Number of edge values: texts, reals, -0/Inf/-Inf/NaN, ints, NULL, blobs. */
static size_t n_edges(void)
{
  return sizeof edge_texts / sizeof edge_texts[0]
       + sizeof edge_reals / sizeof edge_reals[0] + 4
       + sizeof edge_ints / sizeof edge_ints[0] + 3;
}

/* Edge value number i (0 <= i < n_edges()) into *t. */
static void edge_value(size_t i, tval *t)
{
  size_t nt = sizeof edge_texts / sizeof edge_texts[0];
  size_t nr = sizeof edge_reals / sizeof edge_reals[0];
  size_t ni = sizeof edge_ints / sizeof edge_ints[0];
  static const unsigned char blob[] = { 0x31, 0x00, 0xff };

  if (i < nt) { tv_bytes(t, LVT_TEXT, edge_texts[i].z, edge_texts[i].n); return; }
  i -= nt;
  if (i < nr) { tv_real(t, edge_reals[i]); return; }
  i -= nr;
  switch (i) {
  case 0: tv_real(t, -0.0); return;
  case 1: tv_real(t, INFINITY); return;
  case 2: tv_real(t, -INFINITY); return;
  case 3: tv_real(t, NAN); return;
  default: i -= 4;
  }
  if (i < ni) { tv_int(t, edge_ints[i]); return; }
  i -= ni;
  if (i == 0) tv_null(t);
  else if (i == 1) tv_bytes(t, LVT_BLOB, blob, sizeof blob);
  else tv_bytes(t, LVT_BLOB, blob, 0);
}

/* ------------------------------------------------- fixed expectations -- */

/* "INTEGER 1000", "REAL 1.5", "TEXT 1.0e+100", "BLOB 3", "NULL". */
static const char *brief(const lvt_value *v, char *out, size_t cap)
{
  switch (v->type) {
  case LVT_INTEGER: snprintf(out, cap, "INTEGER %" PRId64, v->u.i); break;
  case LVT_REAL:    snprintf(out, cap, "REAL %.17g", v->u.r); break;
  case LVT_TEXT:
    snprintf(out, cap, "TEXT %.*s", (int)v->u.s.n, (const char *)v->u.s.p);
    break;
  case LVT_BLOB:    snprintf(out, cap, "BLOB %zu", v->u.s.n); break;
  default:          snprintf(out, cap, "NULL"); break;
  }
  return out;
}

/* Input kind: 't' text, 'i' integer (in), 'r' real (rn). */
static const struct {
  char kind; const char *text; int64_t in; double rn;
  int aff; const char *want; int rc;
} fixed[] = {
  { 'r', NULL, 0, 1.0,     LVT_AFF_TEXT,    "TEXT 1.0", 0 },
  { 'r', NULL, 0, 1e100,   LVT_AFF_TEXT,    "TEXT 1.0e+100", 0 },
  { 'r', NULL, 0, 0.1,     LVT_AFF_TEXT,    "TEXT 0.1", 0 },
  { 'r', NULL, 0, 1.0 / 3, LVT_AFF_TEXT,    "TEXT 0.333333333333333", 0 },
  { 'r', NULL, 0, -0.0,    LVT_AFF_TEXT,    "TEXT 0.0", 0 },
  { 'r', NULL, 0, 123456789012345678.0, LVT_AFF_TEXT,
    "TEXT 1.23456789012346e+17", 0 },
  { 'r', NULL, 0, 1e15,    LVT_AFF_TEXT,    "TEXT 1.0e+15", 0 },
  { 'r', NULL, 0, 1e14,    LVT_AFF_TEXT,    "TEXT 100000000000000.0", 0 },
  { 'r', NULL, 0, 1e-5,    LVT_AFF_TEXT,    "TEXT 1.0e-05", 0 },
  { 'r', NULL, 0, INFINITY, LVT_AFF_TEXT,   "TEXT Inf", 0 },
  { 'r', NULL, 0, -INFINITY, LVT_AFF_TEXT,  "TEXT -Inf", 0 },
  { 'i', NULL, INT64_MIN, 0, LVT_AFF_TEXT,  "TEXT -9223372036854775808", 0 },
  { 't', "1e3", 0, 0,      LVT_AFF_NUMERIC, "INTEGER 1000", 0 },
  { 't', "3.0", 0, 0,      LVT_AFF_INTEGER, "INTEGER 3", 0 },
  { 't', "0x10", 0, 0,     LVT_AFF_NUMERIC, "TEXT 0x10", 0 },
  { 't', "0x10", 0, 0,     LVT_AFF_INTEGER, "TEXT 0x10", -1 },
  { 't', "  12  ", 0, 0,   LVT_AFF_INTEGER, "INTEGER 12", 0 },
  { 't', "1.5", 0, 0,      LVT_AFF_NUMERIC, "REAL 1.5", 0 },
  { 't', "1.5", 0, 0,      LVT_AFF_INTEGER, "REAL 1.5", -1 },
  { 't', "1.5", 0, 0,      LVT_AFF_REAL,    "REAL 1.5", 0 },
  { 't', "12", 0, 0,       LVT_AFF_REAL,    "REAL 12", 0 },
  { 't', "abc", 0, 0,      LVT_AFF_REAL,    "TEXT abc", -1 },
  { 't', "9223372036854775808", 0, 0, LVT_AFF_NUMERIC,
    "REAL 9.2233720368547758e+18", 0 },
  { 't', "-9223372036854775808", 0, 0, LVT_AFF_INTEGER,
    "INTEGER -9223372036854775808", 0 },
  { 't', "12abc", 0, 0,    LVT_AFF_NUMERIC, "TEXT 12abc", 0 },
  { 't', "1e400", 0, 0,    LVT_AFF_NUMERIC, "REAL inf", 0 },
  { 't', "", 0, 0,         LVT_AFF_INTEGER, "TEXT ", -1 },
  { 't', "x", 0, 0,        LVT_AFF_TEXT,    "TEXT x", 0 },
  { 't', "5", 0, 0,        LVT_AFF_BLOB,    "TEXT 5", 0 },
  { 'r', NULL, 0, 2.0,     LVT_AFF_INTEGER, "INTEGER 2", 0 },
  { 'r', NULL, 0, 2.5,     LVT_AFF_INTEGER, "REAL 2.5", -1 },
  { 'r', NULL, 0, 9223372036854775808.0, LVT_AFF_INTEGER,
    "REAL 9.2233720368547758e+18", -1 },
  { 'r', NULL, 0, -9223372036854775808.0, LVT_AFF_NUMERIC,
    "REAL -9.2233720368547758e+18", 0 },
  { 'r', NULL, 0, NAN,     LVT_AFF_INTEGER, "NULL", 0 },
  { 'i', NULL, 7, 0,       LVT_AFF_REAL,    "REAL 7", 0 },
  { 'i', NULL, 7, 0,       LVT_AFF_NUMERIC, "INTEGER 7", 0 },
};

/* The brief's examples, pinned without SQLite. */
START_TEST(test_fixed_cases)
{
  lvt_buf scratch = {0};
  char got[128];
  tval t;
  size_t k;
  int rc;

  for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
    if (fixed[k].kind == 't') tv_text(&t, fixed[k].text);
    else if (fixed[k].kind == 'i') tv_int(&t, fixed[k].in);
    else tv_real(&t, fixed[k].rn);
    rc = lvt_value_apply_affinity(&t.v, fixed[k].aff, &scratch);
    brief(&t.v, got, sizeof got);
    if (strcmp(got, fixed[k].want) != 0 || rc != fixed[k].rc)
      failf("case %zu: got %s rc %d, want %s rc %d", k, got, rc,
           fixed[k].want, fixed[k].rc);
  }
  lvt_buf_free(&scratch);
}
END_TEST

/* Scratch handling: text is appended, earlier text stays put when room was
 * reserved, OOM gives LVT_NOMEM, bad arguments LVT_MISUSE. */
START_TEST(test_scratch_and_misuse)
{
  lvt_buf scratch = {0};
  lvt_value a = { .type = LVT_INTEGER, .u.i = 42 };
  lvt_value b = { .type = LVT_REAL, .u.r = 2.5 };
  lvt_value c = { .type = LVT_INTEGER, .u.i = 1 };

  ck_assert_int_eq(lvt_buf_reserve(&scratch, 2 * LVT_VALUE_TEXT_MAX), 0);
  ck_assert_int_eq(lvt_value_apply_affinity(&a, LVT_AFF_TEXT, &scratch), 0);
  ck_assert_int_eq(lvt_value_apply_affinity(&b, LVT_AFF_TEXT, &scratch), 0);
  ck_assert_int_eq(a.type, LVT_TEXT);
  ck_assert_mem_eq(a.u.s.p, "42", 2);
  ck_assert_uint_eq(a.u.s.n, 2);
  ck_assert_mem_eq(b.u.s.p, "2.5", 3);
  ck_assert_uint_eq(scratch.n, 5);

  scratch.oom = 1;
  ck_assert_int_eq(lvt_value_apply_affinity(&c, LVT_AFF_TEXT, &scratch),
                   LVT_NOMEM);
  ck_assert_int_eq(lvt_value_apply_affinity(&c, LVT_AFF_TEXT, NULL),
                   LVT_MISUSE);
  ck_assert_int_eq(lvt_value_apply_affinity(&c, 99, &scratch), LVT_MISUSE);
  ck_assert_int_eq(lvt_value_apply_affinity(NULL, LVT_AFF_TEXT, &scratch),
                   LVT_MISUSE);
  /* nothing to render: no scratch needed */
  ck_assert_int_eq(lvt_value_apply_affinity(&a, LVT_AFF_TEXT, NULL), 0);
  ck_assert_int_eq(c.type, LVT_INTEGER);
  lvt_buf_free(&scratch);
}
END_TEST

/* The storage class names used in messages. */
START_TEST(test_typename)
{
  ck_assert_str_eq(lvt_value_typename(LVT_INTEGER), "INTEGER");
  ck_assert_str_eq(lvt_value_typename(LVT_REAL), "REAL");
  ck_assert_str_eq(lvt_value_typename(LVT_TEXT), "TEXT");
  ck_assert_str_eq(lvt_value_typename(LVT_BLOB), "BLOB");
  ck_assert_str_eq(lvt_value_typename(LVT_NULL), "NULL");
  ck_assert_str_eq(lvt_value_typename(0), "UNKNOWN");
}
END_TEST

/* ---------------------------------------------------------- affinity -- */

/* SQLite's affinity for a non-empty type name, from CAST (which applies
 * the declared-type rules to its type name): '1.5' and '1' cast to it give
 * integer+integer (INTEGER), real+integer (NUMERIC), real+real (REAL),
 * text (TEXT) or blob (BLOB). */
static int sqlite_affinity(sqlite3 *db, const char *type)
{
  char *sql = sqlite3_mprintf(
      "SELECT typeof(CAST('1.5' AS \"%w\")), typeof(CAST('1' AS \"%w\"))",
      type, type);
  sqlite3_stmt *st = db_prepare(db, sql);
  const char *a, *b;
  int aff = -1;

  sqlite3_free(sql);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  a = (const char *)sqlite3_column_text(st, 0);
  b = (const char *)sqlite3_column_text(st, 1);
  if (!strcmp(a, "integer")) aff = LVT_AFF_INTEGER;
  else if (!strcmp(a, "text")) aff = LVT_AFF_TEXT;
  else if (!strcmp(a, "blob")) aff = LVT_AFF_BLOB;
  else if (!strcmp(a, "real"))
    aff = !strcmp(b, "integer") ? LVT_AFF_NUMERIC : LVT_AFF_REAL;
  sqlite3_finalize(st);
  return aff;
}

/* The affinity a column declared `type` (NULL: no type) has in an ordinary
 * table, from what it stores: '1' stays text under TEXT/BLOB, integer 1
 * becomes text under TEXT only, '1.0' becomes real under REAL only. */
static int column_affinity(sqlite3 *db, const char *type)
{
  char *sql = type ? sqlite3_mprintf("CREATE TABLE a(c \"%w\")", type)
                   : sqlite3_mprintf("CREATE TABLE a(c)");
  sqlite3_stmt *st;
  char got[64] = "";
  int aff = -1;

  db_exec(db, sql);
  sqlite3_free(sql);
  db_exec(db, "INSERT INTO a VALUES('1'), (1), ('1.0')");
  st = db_prepare(db, "SELECT group_concat(typeof(c), ',') FROM a");
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  snprintf(got, sizeof got, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  db_exec(db, "DROP TABLE a");
  if (!strcmp(got, "text,text,text")) aff = LVT_AFF_TEXT;
  else if (!strcmp(got, "text,integer,text")) aff = LVT_AFF_BLOB;
  else if (!strcmp(got, "real,real,real")) aff = LVT_AFF_REAL;
  else if (!strcmp(got, "integer,integer,integer")) aff = LVT_AFF_NUMERIC;
  return aff;
}

static const struct { const char *type; int aff; } decltypes[] = {
  { "INT", LVT_AFF_INTEGER }, { "INTEGER", LVT_AFF_INTEGER },
  { "TINYINT", LVT_AFF_INTEGER }, { "BIGINT", LVT_AFF_INTEGER },
  { "UNSIGNED BIG INT", LVT_AFF_INTEGER }, { "INT2", LVT_AFF_INTEGER },
  { "int8", LVT_AFF_INTEGER }, { "CHARINT", LVT_AFF_INTEGER },
  { "FLOATING POINT", LVT_AFF_INTEGER }, { "point", LVT_AFF_INTEGER },
  { "VARCHAR(16)", LVT_AFF_TEXT }, { "CHARACTER(20)", LVT_AFF_TEXT },
  { "NATIVE CHARACTER(70)", LVT_AFF_TEXT }, { "NVARCHAR(100)", LVT_AFF_TEXT },
  { "TEXT", LVT_AFF_TEXT }, { "clob", LVT_AFF_TEXT },
  { "BLOBTEXT", LVT_AFF_TEXT }, { "TEXTBLOB", LVT_AFF_TEXT },
  { "BLOB", LVT_AFF_BLOB }, { "blob(10)", LVT_AFF_BLOB },
  { "REALBLOB", LVT_AFF_BLOB }, { "BLOBREAL", LVT_AFF_BLOB },
  { "REAL", LVT_AFF_REAL }, { "DOUBLE", LVT_AFF_REAL },
  { "DOUBLE PRECISION", LVT_AFF_REAL }, { "FLOAT", LVT_AFF_REAL },
  { "float8", LVT_AFF_REAL }, { "NUMERIC", LVT_AFF_NUMERIC },
  { "DECIMAL(10,5)", LVT_AFF_NUMERIC }, { "BOOLEAN", LVT_AFF_NUMERIC },
  { "DATE", LVT_AFF_NUMERIC }, { "DATETIME", LVT_AFF_NUMERIC },
  { "ANY", LVT_AFF_NUMERIC }, { "STRING", LVT_AFF_NUMERIC },
  { "IN T", LVT_AFF_NUMERIC }, { "BLO B", LVT_AFF_NUMERIC },
  { "\xc3\xa9int", LVT_AFF_INTEGER }, { "INT\xc3\xa9", LVT_AFF_INTEGER },
};

/* Named declared types: the expected affinity, SQLite's CAST and an
 * ordinary table's column all agree with lvt_affinity(). */
START_TEST(test_affinity_names)
{
  sqlite3 *db = db_open();
  size_t k;

  ck_assert_int_eq(lvt_affinity(NULL), LVT_AFF_BLOB);
  ck_assert_int_eq(lvt_affinity(""), LVT_AFF_BLOB);
  ck_assert_int_eq(column_affinity(db, NULL), LVT_AFF_BLOB);
  for (k = 0; k < sizeof decltypes / sizeof decltypes[0]; k++) {
    const char *ty = decltypes[k].type;
    int mine = lvt_affinity(ty), cast = sqlite_affinity(db, ty);
    int col = column_affinity(db, ty);
    int want = decltypes[k].aff;
    if (mine != want || cast != want
        || col != (want == LVT_AFF_INTEGER ? LVT_AFF_NUMERIC : want))
      failf("type '%s': lvt %d, expected %d, CAST %d, column %d", ty, mine,
           want, cast, col);
  }
  sqlite3_close(db);
}
END_TEST

/* Random type names built from the magic fragments, letters, digits,
 * spaces and parentheses, in random case, against SQLite's CAST. */
START_TEST(test_affinity_random)
{
  static const char *const frag[] = {
    "INT", "CHAR", "CLOB", "TEXT", "BLOB", "REAL", "FLOA", "DOUB", "IN",
    "CHA", "BLO", "REA", "FLO", "DOU", "T", "B", "X", " ", "(", ")", "1",
    ",", "N", "E", "\xc3\x89"
  };
  sqlite3 *db = db_open();
  char type[64];
  int round;

  reseed();
  for (round = 0; round < 4000; round++) {
    size_t n = 0, k, parts = (size_t)tu_below(5) + 1;
    for (k = 0; k < parts; k++) {
      const char *f = frag[tu_below(sizeof frag / sizeof frag[0])];
      size_t j;
      for (j = 0; f[j]; j++)
        type[n++] = (char)(tu_below(2) && f[j] >= 'A' && f[j] <= 'Z'
                           ? f[j] + 32 : f[j]);
    }
    type[n] = '\0';
    if (lvt_affinity(type) != sqlite_affinity(db, type))
      failf("type '%s': lvt %d, SQLite %d", type, lvt_affinity(type),
           sqlite_affinity(db, type));
  }
  sqlite3_close(db);
}
END_TEST

/* -------------------------------------------- affinity, differential -- */

static const int col_aff[6] = {
  LVT_AFF_INTEGER, LVT_AFF_REAL, LVT_AFF_TEXT, LVT_AFF_NUMERIC, LVT_AFF_BLOB,
  LVT_AFF_BLOB
};
static const char *const col_name[6] = { "i", "r", "x", "n", "b", "nt" };

/* Store t in all six columns of t(...) and compare what SQLite stored with
 * lvt_value_apply_affinity for each column's affinity. */
static void check_ordinary(sqlite3 *db, sqlite3_stmt *ins, sqlite3_stmt *sel,
                           const tval *t, lvt_buf *scratch)
{
  char d1[256], d2[256], d3[256];
  int c;

  for (c = 1; c <= 6; c++) db_bind(ins, c, &t->v);
  if (sqlite3_step(ins) != SQLITE_DONE) failf("insert: %s", sqlite3_errmsg(db));
  sqlite3_reset(ins);
  sqlite3_bind_int64(sel, 1, sqlite3_last_insert_rowid(db));
  ck_assert_int_eq(sqlite3_step(sel), SQLITE_ROW);
  for (c = 0; c < 6; c++) {
    lvt_value want, got = t->v;
    int rc;
    db_column(sel, c, &want);
    lvt_buf_reset(scratch);
    rc = lvt_value_apply_affinity(&got, col_aff[c], scratch);
    if (rc != 0 && rc != -1) failf("apply_affinity returned %d", rc);
    if (!same_value(&got, &want))
      failf("%s into column %s: SQLite stores %s, lvt gives %s",
           describe(&t->v, d1, sizeof d1), col_name[c],
           describe(&want, d2, sizeof d2), describe(&got, d3, sizeof d3));
  }
  sqlite3_reset(sel);
}

/* Edge values and 40000 random ones into every affinity of an ordinary
 * table. */
START_TEST(test_affinity_differential)
{
  sqlite3 *db = db_open();
  sqlite3_stmt *ins, *sel;
  lvt_buf scratch = {0};
  size_t k;
  tval t;

  reseed();
  db_exec(db, "CREATE TABLE t(i INTEGER, r REAL, x TEXT, n NUMERIC, b BLOB, nt)");
  db_exec(db, "BEGIN");
  ins = db_prepare(db, "INSERT INTO t VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  sel = db_prepare(db, "SELECT i, r, x, n, b, nt FROM t WHERE rowid = ?1");
  for (k = 0; k < n_edges(); k++) {
    edge_value(k, &t);
    check_ordinary(db, ins, sel, &t, &scratch);
  }
  for (k = 0; k < 40000; k++) {
    gen_value(&t);
    check_ordinary(db, ins, sel, &t, &scratch);
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(sel);
  db_exec(db, "COMMIT");
  sqlite3_close(db);
  lvt_buf_free(&scratch);
}
END_TEST

/* ---------------------------------------------- strict, differential -- */

static const int strict_aff[4] = {
  LVT_AFF_INTEGER, LVT_AFF_REAL, LVT_AFF_TEXT, LVT_AFF_BLOB
};
static const char *const strict_col[4] = { "i", "r", "x", "a" };
static const char *const strict_type[4] = { "INTEGER", "REAL", "TEXT", "ANY" };

/* Store t in column c of the STRICT table s alone; SQLite's refusal must be
 * lvt's -1 with the same message, its acceptance lvt's 0 with the same
 * stored value. */
static void check_strict_col(sqlite3 *db, sqlite3_stmt *ins, sqlite3_stmt *sel,
                             int c, const tval *t, lvt_buf *scratch)
{
  char d1[256], d2[256], d3[256], msg[300];
  lvt_value got = t->v, want;
  int rc, src;

  lvt_buf_reset(scratch);
  rc = lvt_value_apply_affinity(&got, strict_aff[c], scratch);
  db_bind(ins, 1, &t->v);
  src = sqlite3_step(ins);
  sqlite3_reset(ins);
  if (src != SQLITE_DONE) {
    snprintf(msg, sizeof msg, "cannot store %s value in %s column s.%s",
             lvt_value_typename(got.type), strict_type[c], strict_col[c]);
    if (sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_DATATYPE || rc != -1
        || strcmp(sqlite3_errmsg(db), msg) != 0)
      failf("%s into STRICT %s: SQLite says '%s', lvt rc %d ('%s')",
           describe(&t->v, d1, sizeof d1), strict_type[c],
           sqlite3_errmsg(db), rc, msg);
    return;
  }
  if (rc != 0)
    failf("%s into STRICT %s: SQLite takes it, lvt rc %d",
         describe(&t->v, d1, sizeof d1), strict_type[c], rc);
  sqlite3_bind_int64(sel, 1, sqlite3_last_insert_rowid(db));
  ck_assert_int_eq(sqlite3_step(sel), SQLITE_ROW);
  db_column(sel, 0, &want);
  if (!same_value(&got, &want))
    failf("%s into STRICT %s: SQLite stores %s, lvt gives %s",
         describe(&t->v, d1, sizeof d1), strict_type[c],
         describe(&want, d2, sizeof d2), describe(&got, d3, sizeof d3));
  sqlite3_reset(sel);
}

/* Edge values and 20000 random ones into every column of a STRICT table. */
START_TEST(test_strict_differential)
{
  sqlite3 *db = db_open();
  sqlite3_stmt *ins[4], *sel[4];
  lvt_buf scratch = {0};
  size_t k;
  int c;
  tval t;

  reseed();
  db_exec(db, "CREATE TABLE s(i INTEGER, r REAL, x TEXT, a ANY) STRICT");
  db_exec(db, "BEGIN");
  for (c = 0; c < 4; c++) {
    char sql[80];
    snprintf(sql, sizeof sql, "INSERT INTO s(%s) VALUES(?1)", strict_col[c]);
    ins[c] = db_prepare(db, sql);
    snprintf(sql, sizeof sql, "SELECT %s FROM s WHERE rowid = ?1", strict_col[c]);
    sel[c] = db_prepare(db, sql);
  }
  for (k = 0; k < n_edges() + 20000; k++) {
    if (k < n_edges()) edge_value(k, &t);
    else gen_value(&t);
    for (c = 0; c < 4; c++) check_strict_col(db, ins[c], sel[c], c, &t, &scratch);
  }
  for (c = 0; c < 4; c++) {
    sqlite3_finalize(ins[c]);
    sqlite3_finalize(sel[c]);
  }
  db_exec(db, "COMMIT");
  sqlite3_close(db);
  lvt_buf_free(&scratch);
}
END_TEST

/* --------------------------------------------- compare, differential -- */

/* A value from small domains, so that pairs collide and tie often. */
static void gen_cmp_value(tval *t)
{
  static const unsigned char alpha[] = "aAbBzZ_ \0" "1\xc3\xa9";
  unsigned char z[6];
  size_t k, n;

  switch (tu_below(10)) {
  case 0: tv_null(t); return;
  case 1: case 2:
    tv_int(t, tu_below(2) ? (int64_t)tu_below(7) - 3 : gen_int64());
    return;
  case 3: case 4:
    tv_real(t, tu_below(2) ? (double)tu_below(13) / 2 - 3 : gen_double());
    if (isnan(t->v.u.r)) t->v.u.r = 0.0;
    return;
  default: break;
  }
  n = (size_t)tu_below(5);
  for (k = 0; k < n; k++) z[k] = alpha[tu_below(sizeof alpha - 1)];
  tv_bytes(t, tu_below(5) ? LVT_TEXT : LVT_BLOB, z, n);
}

/* b made from a by a small change: the same number in the other class, a
 * neighbour, a case flip, a trailing space or NUL, one byte less. */
static void mutate(const tval *a, tval *b)
{
  const lvt_value *v = &a->v;
  int64_t d = (int64_t)tu_below(3) - 1;

  if (v->type == LVT_TEXT || v->type == LVT_BLOB) {
    unsigned char z[80];
    size_t n = v->u.s.n, at = n ? (size_t)tu_below(n) : 0;
    memcpy(z, v->u.s.p, n);
    switch (tu_below(5)) {
    case 0: if (n) z[at] ^= 0x20; break;
    case 1: z[n++] = ' '; break;
    case 2: z[n++] = 0; break;
    case 3: if (n) n--; break;
    default: break;
    }
    tv_bytes(b, tu_below(6) ? v->type : LVT_TEXT + LVT_BLOB - v->type, z, n);
  } else if (v->type == LVT_INTEGER) {
    if ((d > 0 && v->u.i == INT64_MAX) || (d < 0 && v->u.i == INT64_MIN)) d = -d;
    if (tu_below(2)) tv_real(b, (double)v->u.i);
    else tv_int(b, v->u.i + d);
  } else if (v->type == LVT_REAL) {
    if (tu_below(2) && v->u.r > -9e18 && v->u.r < 9e18)
      tv_int(b, (int64_t)v->u.r + d);
    else if (tu_below(2))
      tv_real(b, -v->u.r);
    else
      tv_real(b, nextafter(v->u.r, tu_below(2) ? INFINITY : -INFINITY));
  } else {
    gen_cmp_value(b);
  }
}

static const char *const cmp_sql[3] = {
  "SELECT ?1 < ?2, ?1 = ?2, ?1 > ?2",
  "SELECT ?1 < ?2 COLLATE NOCASE, ?1 = ?2 COLLATE NOCASE, ?1 > ?2 COLLATE NOCASE",
  "SELECT ?1 < ?2 COLLATE RTRIM, ?1 = ?2 COLLATE RTRIM, ?1 > ?2 COLLATE RTRIM",
};

/* Check lvt_value_compare(a, b, coll) against SQLite (or, with a NULL, the
 * NULL-first rule), and antisymmetry. */
static void check_pair(sqlite3_stmt *st, const lvt_value *a, const lvt_value *b,
                       int coll)
{
  char d1[256], d2[256];
  int c = lvt_value_compare(a, b, coll), r = lvt_value_compare(b, a, coll);
  int lt, eq, gt;

  if (c != -r || c < -1 || c > 1)
    failf("compare not antisymmetric: %s vs %s: %d and %d",
         describe(a, d1, sizeof d1), describe(b, d2, sizeof d2), c, r);
  if (a->type == LVT_NULL || b->type == LVT_NULL) {
    int want = (b->type == LVT_NULL) - (a->type == LVT_NULL);
    if (c != want)
      failf("NULL order: %s vs %s gives %d", describe(a, d1, sizeof d1),
            describe(b, d2, sizeof d2), c);
    return;
  }
  db_bind(st, 1, a);
  db_bind(st, 2, b);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  lt = sqlite3_column_int(st, 0);
  eq = sqlite3_column_int(st, 1);
  gt = sqlite3_column_int(st, 2);
  sqlite3_reset(st);
  if (lt != (c < 0) || eq != (c == 0) || gt != (c > 0))
    failf("collation %d: %s vs %s: SQLite says <%d =%d >%d, lvt %d", coll,
         describe(a, d1, sizeof d1), describe(b, d2, sizeof d2), lt, eq, gt, c);
}

/* 100000 random pairs (half of them near-twins) under the three
 * collations. */
START_TEST(test_compare_differential)
{
  sqlite3 *db = db_open();
  sqlite3_stmt *st[3];
  tval a, b;
  int k, coll;

  reseed();
  for (coll = 0; coll < 3; coll++) st[coll] = db_prepare(db, cmp_sql[coll]);
  for (k = 0; k < 100000; k++) {
    gen_cmp_value(&a);
    if (tu_below(2)) mutate(&a, &b);
    else gen_cmp_value(&b);
    check_pair(st[0], &a.v, &b.v, LVT_COLL_BINARY);
    if (a.v.type == LVT_TEXT && b.v.type == LVT_TEXT) {
      check_pair(st[1], &a.v, &b.v, LVT_COLL_NOCASE);
      check_pair(st[2], &a.v, &b.v, LVT_COLL_RTRIM);
    } else if (lvt_value_compare(&a.v, &b.v, LVT_COLL_NOCASE)
                   != lvt_value_compare(&a.v, &b.v, LVT_COLL_BINARY)
               || lvt_value_compare(&a.v, &b.v, LVT_COLL_RTRIM)
                   != lvt_value_compare(&a.v, &b.v, LVT_COLL_BINARY)) {
      failf("a collation changed the order of non-TEXT values");
    }
  }
  for (coll = 0; coll < 3; coll++) sqlite3_finalize(st[coll]);
  sqlite3_close(db);
}
END_TEST

/* Named cases of the comparison rules, independent of SQLite. */
START_TEST(test_compare_rules)
{
  tval a, b;

  tv_int(&a, 9007199254740993);
  tv_real(&b, 9007199254740992.0);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), 1);
  tv_int(&a, INT64_MAX);
  tv_real(&b, 9223372036854775808.0);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), -1);
  tv_real(&a, -0.0);
  tv_int(&b, 0);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), 0);
  tv_real(&b, 0.0);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), 0);
  tv_real(&a, INFINITY);
  tv_text(&b, "");
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), -1);
  tv_bytes(&a, LVT_BLOB, "", 0);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), 1);
  tv_null(&a);
  tv_null(&b);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), 0);
  tv_text(&a, "ABC");
  tv_text(&b, "abc ");
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, LVT_COLL_BINARY), -1);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, LVT_COLL_NOCASE), -1);
  tv_text(&a, "abc");
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, LVT_COLL_RTRIM), 0);
  tv_bytes(&a, LVT_TEXT, "a\0x", 3);
  tv_bytes(&b, LVT_TEXT, "A\0y", 3);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, LVT_COLL_NOCASE), 0);
  tv_real(&a, NAN);
  tv_real(&b, -INFINITY);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), -1);
  tv_int(&b, INT64_MIN);
  ck_assert_int_eq(lvt_value_compare(&a.v, &b.v, 0), -1);
}
END_TEST

/* ------------------------------------------------------------- suite -- */

/* One test case; the differential tests need more than Check's default 4 s
 * under sanitizers. */
static Suite *value_suite(void)
{
  Suite *s = suite_create("value");
  TCase *tc = tcase_create("value");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fixed_cases);
  tcase_add_test(tc, test_scratch_and_misuse);
  tcase_add_test(tc, test_typename);
  tcase_add_test(tc, test_affinity_names);
  tcase_add_test(tc, test_affinity_random);
  tcase_add_test(tc, test_affinity_differential);
  tcase_add_test(tc, test_strict_differential);
  tcase_add_test(tc, test_compare_rules);
  tcase_add_test(tc, test_compare_differential);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  seed = tu_seed_from_env(0x5EEDC0DE2024ULL);
  printf("check_value: LVT_SEED=%" PRIu64 "\n", seed);
  return tu_run(value_suite());
}
