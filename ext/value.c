/*
 * value.c -- SQLite's value rules without SQLite (lvt_value_*, lvt_affinity).
 *
 * Three things a table of SQLite must agree on with SQLite itself:
 *
 *  - Affinity from a declared type name (datatype3.html, section 3.1).
 *
 *  - What is stored when a value goes into a column of an ordinary table
 *    with a given affinity, down to the bit: which TEXT counts as a number
 *    (SQLite's own grammar, not strtod's: no hex, no "inf", no "nan"), which
 *    double such a text becomes (SQLite's own long double arithmetic, which
 *    is not always the correctly rounded one), and how a REAL is written as
 *    TEXT (SQLite's "%!.15g": 15 significant digits, again computed in long
 *    double, always with a ".0" or more).  The target is SQLite 3.40; later
 *    releases (3.43+) changed both the text-to-real and the real-to-text
 *    arithmetic.  The algorithms below reproduce the 3.40 results; the code
 *    is our own.
 *
 *  - Comparison across storage classes: NULL < INTEGER/REAL < TEXT < BLOB,
 *    numbers by exact value, TEXT by collation, BLOB by memcmp.
 *
 * A STRICT table runs the same affinity conversion and then refuses a value
 * whose storage class is still not the column's; lvt_value_apply_affinity
 * reports that as -1 (the cases are listed above that function).
 */
#include "lvt_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* ----------------------------------------------------------- affinity -- */

/* Nonzero if `word` (upper case ASCII) occurs in z, ignoring ASCII case. */
static int has_word(const char *z, const char *word)
{
  size_t i, k, n = strlen(word);

  for (i = 0; z[i]; i++) {
    for (k = 0; k < n; k++) {
      unsigned char c = (unsigned char)z[i + k];
      if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 'a' + 'A');
      if (c != (unsigned char)word[k]) break;   /* also stops at the NUL */
    }
    if (k == n) return 1;
  }
  return 0;
}

/* SQLite's affinity rules for a declared type, in their order of
 * precedence: "INT" anywhere gives INTEGER ("POINT" too, as in SQLite);
 * then "CHAR", "CLOB" or "TEXT" gives TEXT; then "BLOB" gives BLOB; then
 * "REAL", "FLOA" or "DOUB" gives REAL; anything else NUMERIC.  NULL or ""
 * (no type at all) gives BLOB.  Nothing is owned by anyone. */
int lvt_affinity(const char *decltype)
{
  if (decltype == NULL || decltype[0] == '\0') return LVT_AFF_BLOB;
  if (has_word(decltype, "INT")) return LVT_AFF_INTEGER;
  if (has_word(decltype, "CHAR") || has_word(decltype, "CLOB")
      || has_word(decltype, "TEXT"))
    return LVT_AFF_TEXT;
  if (has_word(decltype, "BLOB")) return LVT_AFF_BLOB;
  if (has_word(decltype, "REAL") || has_word(decltype, "FLOA")
      || has_word(decltype, "DOUB"))
    return LVT_AFF_REAL;
  return LVT_AFF_NUMERIC;
}

/* Name of a storage class ("INTEGER", "REAL", "TEXT", "BLOB", "NULL"); a
 * static string, "UNKNOWN" for a number that is no storage class.  Note that
 * SQLite's own STRICT message says "INT" for an integer value; no case below
 * ever rejects an integer, so that spelling never arises here. */
const char *lvt_value_typename(int type)
{
  switch (type) {
  case LVT_INTEGER: return "INTEGER";
  case LVT_REAL:    return "REAL";
  case LVT_TEXT:    return "TEXT";
  case LVT_BLOB:    return "BLOB";
  case LVT_NULL:    return "NULL";
  default:          return "UNKNOWN";
  }
}

/* ------------------------------------------------------ text to number -- */

/* SQLite's isspace: tab, newline, vertical tab, form feed, return, space. */
static int is_space(unsigned char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ASCII digits only: SQLite reads no other digits as numbers. */
static int is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

/* A number in text, as SQLite's scanner takes it apart:
 * value = (neg ? -1 : 1) * sig * 10^exp10.  The significand keeps digits
 * until it reaches SIG_FULL; integer digits after that only raise exp10,
 * fraction digits after that are dropped. */
typedef struct numtext {
  int neg;
  int64_t sig;
  int exp10;
} numtext;

#define SIG_FULL ((INT64_MAX - 9) / 10)

/* Scan an exponent after its 'e': optional sign, then digits (capped at
 * 10000 as SQLite caps them).  Advances *zp; returns 1 if a digit came. */
static int scan_exponent(const unsigned char **zp, const unsigned char *end,
                         int *exp10)
{
  const unsigned char *z = *zp;
  int neg = 0, e = 0, any = 0;

  if (z < end && (*z == '-' || *z == '+')) neg = (*z++ == '-');
  for (; z < end && is_digit(*z); z++) {
    e = e < 10000 ? e * 10 + (*z - '0') : 10000;
    any = 1;
  }
  *exp10 += neg ? -e : e;
  *zp = z;
  return any;
}

/* Decide whether z[0..n-1] is a number by SQLite's grammar:
 *   [space] [+|-] digits [. [digits]] [(e|E) [+|-] digits] [space]
 *   [space] [+|-] . digits [(e|E) [+|-] digits] [space]
 * Returns 1 for a plain integer, 2 or 3 when a '.' and/or an exponent is
 * there, 0 when the text is not (wholly) a number.  Fills *nt. */
static int num_scan(const unsigned char *z, size_t n, numtext *nt)
{
  const unsigned char *end;
  int kind = 1, ndigit = 0, exp_ok = 1;

  memset(nt, 0, sizeof *nt);
  if (n == 0) return 0;
  end = z + n;
  while (z < end && is_space(*z)) z++;
  if (z == end) return 0;
  if (*z == '-' || *z == '+') nt->neg = (*z++ == '-');
  for (; z < end && is_digit(*z); z++) {
    if (nt->sig >= SIG_FULL) { nt->exp10++; continue; }
    nt->sig = nt->sig * 10 + (*z - '0');
    ndigit++;
  }
  if (z < end && *z == '.') {
    kind++;
    for (z++; z < end && is_digit(*z); z++) {
      if (nt->sig >= SIG_FULL) continue;
      nt->sig = nt->sig * 10 + (*z - '0');
      nt->exp10--;
      ndigit++;
    }
  }
  if (z < end && (*z == 'e' || *z == 'E')) {
    kind++;
    z++;
    exp_ok = scan_exponent(&z, end, &nt->exp10);
  }
  while (z < end && is_space(*z)) z++;
  return (z == end && ndigit > 0 && exp_ok) ? kind : 0;
}

/* 10^e in long double by repeated squaring, multiplying in the same order
 * SQLite 3.40 does, so the rounding is the same. */
static long double ten_to_the(int e)
{
  long double x = 10.0, r = 1.0;

  for (;;) {
    if (e & 1) r *= x;
    e >>= 1;
    if (e == 0) break;
    x *= x;
  }
  return r;
}

/* The double SQLite 3.40 makes of s * 10^e (s != 0, sign included): scaled
 * in long double and rounded once to double; beyond 10^307 in two steps;
 * beyond 10^341 straight to zero or infinity. */
static double scale_by_ten(int64_t s, int e)
{
  int mag = e < 0 ? -e : e;
  double r;

  if (mag >= 342) return e < 0 ? 0.0 * (double)s : INFINITY * (double)s;
  if (mag > 307) {
    long double f = ten_to_the(mag - 308);
    r = e < 0 ? (double)((long double)s / f) : (double)((long double)s * f);
    return e < 0 ? r / 1.0e308 : r * 1.0e308;
  }
  if (e < 0) return (double)((long double)s / ten_to_the(mag));
  return (double)((long double)s * ten_to_the(mag));
}

/* The double value of a scanned number, as SQLite 3.40 computes it: powers
 * of ten are first moved into the significand while that stays exact. */
static double num_value(const numtext *nt)
{
  int64_t s = nt->sig;
  int e = nt->exp10;

  if (s == 0) return nt->neg ? -0.0 : 0.0;
  while (e > 0 && s < INT64_MAX / 10) { s *= 10; e--; }
  while (e < 0 && s % 10 == 0) { s /= 10; e++; }
  if (nt->neg) s = -s;
  if (e == 0) return (double)s;
  return scale_by_ten(s, e);
}

/* Exact int64 value of a text that num_scan() called a plain integer
 * (spaces, sign, digits, spaces).  Returns 1 and sets *out if it fits in
 * int64 (-9223372036854775808 does), 0 if it overflows. */
static int text_exact_int(const unsigned char *z, size_t n, int64_t *out)
{
  const unsigned char *end = z + n;
  uint64_t u = 0, lim;
  int neg = 0;

  while (z < end && is_space(*z)) z++;
  if (z < end && (*z == '-' || *z == '+')) neg = (*z++ == '-');
  lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; z < end && is_digit(*z); z++) {
    unsigned d = (unsigned)(*z - '0');
    if (u > (lim - d) / 10) return 0;
    u = u * 10 + d;
  }
  *out = neg ? (u == 0 ? 0 : -(int64_t)(u - 1) - 1) : (int64_t)u;
  return 1;
}

/* SQLite's "integer affinity" test for a REAL: r becomes the INTEGER *out
 * when it is a whole number strictly between -2^63 and 2^63 (-0.0 gives 0;
 * NaN and infinities never qualify).  Returns 1 if so. */
static int real_is_int(double r, int64_t *out)
{
  int64_t i;

  if (!(r > -9223372036854775808.0 && r < 9223372036854775808.0)) return 0;
  i = (int64_t)r;
  if ((double)i != r) return 0;
  *out = i;
  return 1;
}

/* Make *v the INTEGER i (any text it pointed to is simply dropped). */
static void set_int(lvt_value *v, int64_t i)
{
  v->type = LVT_INTEGER;
  v->u.i = i;
}

/* Make *v the REAL r. */
static void set_real(lvt_value *v, double r)
{
  v->type = LVT_REAL;
  v->u.r = r;
}

/* NUMERIC/INTEGER affinity: numeric TEXT becomes INTEGER when it is a plain
 * integer within int64 or a number with an integral value within int64,
 * else REAL; a REAL with an integral value in range becomes INTEGER.  BLOB,
 * NULL, INTEGER and non-numeric TEXT are left alone. */
static void to_numeric(lvt_value *v)
{
  numtext nt;
  int64_t i;
  int kind;

  if (v->type == LVT_REAL) {
    if (real_is_int(v->u.r, &i)) set_int(v, i);
    return;
  }
  if (v->type != LVT_TEXT) return;
  kind = num_scan(v->u.s.p, v->u.s.n, &nt);
  if (kind == 0) return;
  if (kind == 1 && text_exact_int(v->u.s.p, v->u.s.n, &i)) {
    set_int(v, i);
    return;
  }
  set_real(v, num_value(&nt));
  if (real_is_int(v->u.r, &i)) set_int(v, i);
}

/* ------------------------------------------------------ number to text -- */

/* Bring v (> 0) into [1, 10), counting the decimal exponent in *exp, the
 * way SQLite's printf does in long double.  Returns 1 for an infinity. */
static int real_normalize(long double *v, int *exp)
{
  long double scale = 1.0;
  int e = 0;

  while (*v >= 1e100 * scale && e <= 350) { scale *= 1e100; e += 100; }
  while (*v >= 1e10 * scale && e <= 350) { scale *= 1e10; e += 10; }
  while (*v >= 10.0 * scale && e <= 350) { scale *= 10.0; e++; }
  *v /= scale;
  while (*v < 1e-8) { *v *= 1e8; e -= 8; }
  while (*v < 1.0) { *v *= 10.0; e--; }
  *exp = e;
  return e > 350;
}

/* Next decimal digit of v, leaving the remainder scaled up by ten. */
static char take_digit(long double *v)
{
  int d = (int)*v;

  *v = (*v - d) * 10.0;
  return (char)('0' + d);
}

/* Drop trailing zeros after the point, keeping at least one digit there. */
static char *trim_zeros(char *p)
{
  while (p[-1] == '0') p--;
  if (p[-1] == '.') *p++ = '0';
  return p;
}

/* 15 significant digits of v in [1, 10) at decimal exponent exp, written
 * at p as SQLite's "%!.15g" writes them; returns the end. */
static char *put_digits(char *p, long double *v, int exp)
{
  int k, frac;

  if (exp < -4 || exp > 14) {              /* d.ddd...e+XX */
    *p++ = take_digit(v);
    *p++ = '.';
    for (k = 0; k < 14; k++) *p++ = take_digit(v);
    p = trim_zeros(p);
    *p++ = 'e';
    *p++ = exp < 0 ? '-' : '+';
    if (exp < 0) exp = -exp;
    if (exp >= 100) { *p++ = (char)('0' + exp / 100); exp %= 100; }
    *p++ = (char)('0' + exp / 10);
    *p++ = (char)('0' + exp % 10);
    return p;
  }
  frac = 14 - exp;                         /* digits after the point */
  if (exp < 0) *p++ = '0';
  for (k = 0; k <= exp; k++) *p++ = take_digit(v);
  *p++ = '.';
  for (k = exp + 1; k < 0; k++, frac--) *p++ = '0';
  for (; frac > 0; frac--) *p++ = take_digit(v);
  return trim_zeros(p);
}

/* Write r (not NaN) as SQLite 3.40 writes a REAL as TEXT; returns the
 * length.  -0.0 gives "0.0" and the infinities "Inf" and "-Inf", as there. */
static size_t real_to_text(double r, char *out)
{
  long double v = r;
  double rounder = 5.0e-05;
  char *p = out;
  int exp = 0;

  rounder *= 1.0e-10;                      /* half a unit in the 15th digit */
  if (v < 0.0) {
    v = -v;
    *p++ = '-';
  }
  if (v > 0.0 && real_normalize(&v, &exp)) {
    memcpy(p, "Inf", 3);
    return (size_t)(p + 3 - out);
  }
  v += rounder;
  if (v >= 10.0) {
    v *= 0.1;
    exp++;
  }
  return (size_t)(put_digits(p, &v, exp) - out);
}

/* TEXT affinity: an INTEGER or REAL becomes its SQLite text, appended to
 * *scratch with v pointing at it.  Returns 0 or LVT_NOMEM. */
static int to_text(lvt_value *v, lvt_buf *scratch)
{
  char tmp[LVT_VALUE_TEXT_MAX];
  size_t n, off;

  if (v->type == LVT_INTEGER)
    n = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
  else if (v->type == LVT_REAL)
    n = real_to_text(v->u.r, tmp);
  else
    return 0;
  if (scratch == NULL) return LVT_MISUSE;
  off = scratch->n;
  lvt_buf_append(scratch, tmp, n);
  if (scratch->oom) return LVT_NOMEM;
  v->type = LVT_TEXT;
  v->u.s.p = scratch->p + off;
  v->u.s.n = n;
  return 0;
}

/* -------------------------------------------------------- application -- */

/* Whether a STRICT column of the type that goes with `affinity` takes v
 * (already converted): INTEGER takes only INTEGER, REAL only REAL, TEXT only
 * TEXT; BLOB (ANY) and NUMERIC take everything; NULL is always taken (NOT
 * NULL is checked elsewhere). */
static int strict_takes(int affinity, const lvt_value *v)
{
  if (v->type == LVT_NULL) return 1;
  switch (affinity) {
  case LVT_AFF_INTEGER: return v->type == LVT_INTEGER;
  case LVT_AFF_REAL:    return v->type == LVT_REAL;
  case LVT_AFF_TEXT:    return v->type == LVT_TEXT;
  default:              return 1;
  }
}

/* Convert *v in place as SQLite does when storing into a column of an
 * ordinary table with this affinity, so that the storage class and value
 * are what SELECT returns there:
 *   TEXT     INTEGER -> its decimal text; REAL -> SQLite's "%!.15g" text
 *            (1.0 -> "1.0", 1e100 -> "1.0e+100", -0.0 -> "0.0").
 *   NUMERIC, INTEGER
 *            numeric TEXT (leading/trailing space allowed; no hex, no
 *            embedded NUL, nothing else after it) -> INTEGER if it is a
 *            plain integer within int64 or has an integral value strictly
 *            inside (-2^63, 2^63) ("1e3" -> 1000, "3.0" -> 3), else REAL
 *            ("1.5", "1e400" -> Inf, 9223372036854775808 -> REAL);
 *            REAL with an integral value in that range -> INTEGER.
 *   REAL     INTEGER -> REAL; numeric TEXT -> REAL (the same number as
 *            NUMERIC gives, as a double); -0.0 -> 0.0 (SQLite stores an
 *            integral REAL as an integer and reads it back).
 *   BLOB     nothing.
 * BLOB and NULL are never converted; non-numeric TEXT stays TEXT.  A REAL
 * NaN becomes NULL under every affinity (sqlite3_bind_double does that).
 * Text made here is appended to *scratch (never reset; at most
 * LVT_VALUE_TEXT_MAX bytes) and v points into it: reserve room first when
 * earlier values still point into the same scratch.
 *
 * Returns 0, or -1 when a STRICT table refuses the value, exactly where
 * SQLite 3.40 says "cannot store X value in T column t.c", X being the type
 * *after* conversion (lvt_value_typename(v->type)):
 *   INTEGER  TEXT that is not a number; TEXT or REAL whose value is not
 *            integral or not inside (-2^63, 2^63) (v is REAL then); BLOB;
 *   REAL     TEXT that is not a number; BLOB;
 *   TEXT     BLOB;
 *   BLOB, NUMERIC  never (BLOB stands for STRICT's ANY; SQLite's STRICT BLOB
 *            columns, which refuse non-BLOBs, and its lack of a STRICT
 *            NUMERIC are the caller's business).
 * Even on -1, *v holds what an ordinary table would store.  LVT_NOMEM when
 * scratch cannot grow, LVT_MISUSE for a bad affinity or a NULL scratch where
 * text had to be made. */
int lvt_value_apply_affinity(lvt_value *v, int affinity, lvt_buf *scratch)
{
  int rc;

  if (v == NULL || affinity < LVT_AFF_BLOB || affinity > LVT_AFF_REAL)
    return LVT_MISUSE;
  if (v->type == LVT_REAL && isnan(v->u.r)) v->type = LVT_NULL;
  switch (affinity) {
  case LVT_AFF_TEXT:
    rc = to_text(v, scratch);
    if (rc) return rc;
    break;
  case LVT_AFF_NUMERIC:
  case LVT_AFF_INTEGER:
    to_numeric(v);
    break;
  case LVT_AFF_REAL:
    to_numeric(v);
    if (v->type == LVT_INTEGER) set_real(v, (double)v->u.i);
    break;
  default:
    break;
  }
  return strict_takes(affinity, v) ? 0 : -1;
}

/* --------------------------------------------------------- comparison -- */

/* Exact comparison of an integer with a double, no rounding of i: 2^53+1
 * is above 2^53 as a REAL.  A NaN (SQLite never stores one) sorts below
 * every number. */
static int cmp_int_real(int64_t i, double r)
{
  int64_t t;

  if (isnan(r)) return 1;
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  t = (int64_t)r;                          /* exact: |r| < 2^63, truncated */
  if (i != t) return i < t ? -1 : 1;
  if ((double)t < r) return -1;            /* r has a positive fraction */
  if ((double)t > r) return 1;
  return 0;
}

/* Compare two numbers (INTEGER or REAL) by value; -0.0 equals 0.0. */
static int cmp_numbers(const lvt_value *a, const lvt_value *b)
{
  if (a->type == LVT_INTEGER && b->type == LVT_INTEGER)
    return (a->u.i > b->u.i) - (a->u.i < b->u.i);
  if (a->type == LVT_INTEGER) return cmp_int_real(a->u.i, b->u.r);
  if (b->type == LVT_INTEGER) return -cmp_int_real(b->u.i, a->u.r);
  if (isnan(a->u.r) || isnan(b->u.r))
    return (int)!isnan(a->u.r) - (int)!isnan(b->u.r);
  return (a->u.r > b->u.r) - (a->u.r < b->u.r);
}

/* memcmp over the common length, then the shorter first (BINARY, BLOB). */
static int cmp_bytes(const void *a, size_t na, const void *b, size_t nb)
{
  int c = memcmp(a, b, na < nb ? na : nb);

  if (c != 0) return c < 0 ? -1 : 1;
  return (na > nb) - (na < nb);
}

/* NOCASE folding: ASCII A-Z to a-z, every other byte as is. */
static unsigned char fold(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* NOCASE as SQLite has it: ASCII A-Z fold to a-z; comparing stops at a NUL
 * of a that b also has there (then only the lengths count) and the shorter
 * value sorts first when one is a prefix of the other. */
static int cmp_nocase(const unsigned char *a, size_t na,
                      const unsigned char *b, size_t nb)
{
  size_t k, n = na < nb ? na : nb;

  for (k = 0; k < n; k++) {
    if (a[k] == 0) {
      if (b[k] != 0) return -1;
      break;
    }
    if (fold(a[k]) != fold(b[k])) return fold(a[k]) < fold(b[k]) ? -1 : 1;
  }
  return (na > nb) - (na < nb);
}

/* Compare two TEXT values under a collation (LVT_COLL_*; BINARY if not
 * one of them).  RTRIM ignores trailing spaces (0x20 only). */
static int cmp_text(const lvt_value *a, const lvt_value *b, int collation)
{
  const unsigned char *pa = a->u.s.p, *pb = b->u.s.p;
  size_t na = a->u.s.n, nb = b->u.s.n;

  if (collation == LVT_COLL_NOCASE) return cmp_nocase(pa, na, pb, nb);
  if (collation == LVT_COLL_RTRIM) {
    while (na > 0 && pa[na - 1] == ' ') na--;
    while (nb > 0 && pb[nb - 1] == ' ') nb--;
  }
  if (na == 0 || nb == 0) return (na > nb) - (na < nb);
  return cmp_bytes(pa, na, pb, nb);
}

/* Rank of a storage class in SQLite's cross-class order. */
static int class_rank(int type)
{
  switch (type) {
  case LVT_NULL:    return 0;
  case LVT_INTEGER:
  case LVT_REAL:    return 1;
  case LVT_TEXT:    return 2;
  default:          return 3;              /* BLOB */
  }
}

/* Compare a and b as SQLite orders values (ORDER BY, indexes): NULL <
 * numbers < TEXT < BLOB; numbers by exact value; TEXT by `collation`; BLOB
 * by memcmp then length; NULL equals NULL.  Returns -1, 0 or 1. */
int lvt_value_compare(const lvt_value *a, const lvt_value *b, int collation)
{
  int ra = class_rank(a->type), rb = class_rank(b->type);

  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
  case 0:  return 0;
  case 1:  return cmp_numbers(a, b);
  case 2:  return cmp_text(a, b, collation);
  default:
    if (a->u.s.n == 0 || b->u.s.n == 0)
      return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
  }
}
