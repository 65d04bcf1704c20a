/*
 * keycodec.c -- order-preserving key encoding (lvt_key_*).
 *
 * LMDB compares keys with memcmp (then length: a proper prefix sorts first).
 * Every table key, index entry and range bound is built here so that memcmp
 * order is exactly SQLite's order of the values, column after column.
 *
 * Byte layout of one value (all multi-byte numbers big-endian):
 *
 *   NULL    10
 *   NUMBER  20  m[8]                 |d| <  2^53
 *           20  m[8]  s[2]           |d| >= 2^53 (infinities included)
 *   TEXT    30  escaped bytes  00 00
 *   BLOB    40  escaped bytes  00 00
 *
 *   Escaping: a 0x00 byte of the value is written 00 FF; every other byte as
 *   is.  00 00 ends the value.  Under NOCASE only, 00 FE marks SQLite's
 *   embedded-NUL rule (below).
 *
 * Why it sorts right:
 *
 *  - Type tags.  SQLite orders NULL < numbers < TEXT < BLOB across storage
 *    classes, so the first byte decides between classes.  The tags are
 *    neither 00 nor FF, nor is their inversion (for DESC).
 *
 *  - NUMBER.  Integers and reals share one tag and one order, as SQLite
 *    compares them by value.  d is the value as a double: a REAL as is (NaN
 *    is refused with LVT_NAN; -0.0 is written as +0.0, SQLite says they are
 *    equal), an INTEGER i rounded to nearest as (double)i does.  m is the
 *    IEEE-754 bit pattern of d transformed so that unsigned big-endian order
 *    is numeric order: a negative d has all 64 bits flipped, a positive d
 *    only its sign bit.  Rounding is monotonic, so x < y implies
 *    d(x) <= d(y): m alone orders every pair whose doubles differ.  Doubles are exact for
 *    |d| < 2^53, so below that equal d means equal value.  From 2^53 up the
 *    doubles are all integers but several int64 values may round to the same
 *    d, so s = diff + 0x8000 is appended, diff = i - exact(d) for an integer
 *    (0 for a real).  It ties d in the order of the exact values, and puts a
 *    real d exactly among the integers around it: INT64_MAX (which rounds to
 *    2^63, itself no int64) gets diff -1 and sorts below the real 2^63.  A
 *    half ulp is at most 512 for doubles below 2^63, so |diff| <= 512.  The
 *    suffix depends only on d, so all encodings of one d have one length and
 *    the code stays prefix-free.  INTEGER 5 and REAL 5.0 encode identically.
 *
 *  - TEXT and BLOB.  SQLite's BINARY collation and blob comparison are
 *    memcmp then length.  Escaping keeps the order of the bytes (00 FF sorts
 *    after the terminator 00 00 and before any non-zero byte), so "a" < "a\0"
 *    < "ab", and the terminator makes the code prefix-free, so the next
 *    column of a composite key is compared only when this one is equal.
 *    Collations apply to TEXT:
 *      RTRIM   trailing spaces (0x20) are dropped, then BINARY.
 *      NOCASE  ASCII A-Z are folded to a-z (SQLite folds nothing else; it
 *              folds to lower case, so '_' < 'a' and 'A' sorts as 'a').
 *              SQLite's NOCASE also stops comparing at a NUL byte that both
 *              values have at the same place and then orders by length only
 *              ('a\0b' = 'a\0c' COLLATE NOCASE).  So the folded bytes up to
 *              the first NUL are written, and if there is a NUL: 00 FE, then
 *              4 bytes of the number of bytes after it, then 00 00.  00 FE
 *              sorts after 00 00 (a shorter value) and before any byte of
 *              text; equal prefixes then compare by length, as in SQLite.
 *
 *  - DESC.  Every byte of that column's encoding is inverted (x ^ 0xFF).
 *    Two different prefix-free codes differ at a byte inside both, and
 *    inversion flips that byte's order: the column's order reverses and the
 *    code stays prefix-free.
 *
 * Decoding returns the value the key represents, not the one stored: a
 * number comes back canonical (an integral value within int64 as INTEGER,
 * anything else as REAL, so REAL 5.0 decodes as INTEGER 5); NOCASE text comes
 * back folded, with the bytes after an embedded NUL as NULs; RTRIM text comes
 * back without its trailing spaces.  The record, not the key, keeps the
 * storage class and the text as written.
 *
 * The decoder accepts only what the encoder writes, so a damaged key is
 * LVT_CORRUPT rather than a wrong value: it rejects a truncated value, a
 * tag other than the four, 0x00 followed by anything but 00/FF (or FE in
 * TEXT, unescaped and unfolded before it), NaN, -0.0, and integer offsets
 * that do not round to their double.  TEXT and BLOB values longer than
 * 10^9 bytes (SQLite's default SQLITE_MAX_LENGTH) are refused with
 * LVT_TOOBIG, and so is NOCASE text with more than KEY_NOCASE_TAIL_MAX
 * (64 KiB) bytes after its first NUL: the decoder materialises that tail as
 * NULs, so the bound keeps a damaged length field from making it allocate
 * up to 10^9 bytes (the tail is not in the key, so the key's own size
 * cannot bound it); a longer tail is LVT_CORRUPT.
 *
 * Rowid keys (table keys, and the tail of each index entry) are the 8 bytes
 * of the int64 big-endian with the sign bit flipped.
 */
#include "lvt_int.h"

#include <math.h>

#define TAG_NULL   0x10
#define TAG_NUMBER 0x20
#define TAG_TEXT   0x30
#define TAG_BLOB   0x40

#define SIGN64       0x8000000000000000ULL
#define TWO53        9007199254740992.0     /* 2^53 */
#define TWO63        9223372036854775808.0  /* 2^63 */
#define INT_TWO53    ((int64_t)1 << 53)
#define SUFFIX_BIAS  0x8000
#define DIFF_MAX     1024                   /* bound on |diff|; 512 is reached */
#define NUM_SMALL    9                      /* tag + 8 */
#define NUM_BIG      11                     /* tag + 8 + suffix */
#define ESC_NUL      0xFF                   /* 00 FF: a NUL byte */
#define ESC_NOCASE   0xFE                   /* 00 FE: NOCASE embedded-NUL tail */
#define TAIL_SIZE    4

/* Longest TEXT or BLOB a key accepts: SQLite's default SQLITE_MAX_LENGTH.
 * Longer values exceed LMDB's key limit anyway, except NOCASE text whose
 * tail after a NUL is kept only as a length; the bound keeps that length in
 * 4 bytes and keeps a corrupt key from asking the decoder for more. */
#define KEY_TEXT_MAX 1000000000u

/* Longest NOCASE tail (bytes after the first NUL) a key stands for.  Such
 * a key is short whatever the tail, but decoding it materialises the tail,
 * so encoder and decoder agree on this bound (a value with a longer tail is
 * LVT_TOOBIG, like any text too long for a key; a key claiming one is
 * LVT_CORRUPT). */
#define KEY_NOCASE_TAIL_MAX 65536u

/* ------------------------------------------------------------ encoding -- */

/* Write v big-endian into out[0..7]. */
static void put_be64(unsigned char *out, uint64_t v)
{
  int k;
  for (k = 7; k >= 0; k--) { out[k] = (unsigned char)v; v >>= 8; }
}

/* The difference i - exact(d) for d = (double)i, |d| >= 2^53.  Computed
 * without overflow: 2^63 (where INT64_MAX and its neighbours round) is not
 * an int64, so it is reached as INT64_MAX + 1. */
static int int_diff(int64_t i, double d)
{
  if (d >= TWO63) return (int)(i - INT64_MAX) - 1;
  return (int)(i - (int64_t)d);
}

/* Append the NUMBER encoding of d (not NaN, not -0.0) with integer offset
 * diff (0 for a real).  One reservation, no other allocation: this is the
 * bulk-insert path. */
static void put_number(lvt_buf *out, double d, int diff)
{
  uint64_t u;
  unsigned char *q;
  int big = fabs(d) >= TWO53;
  size_t len = big ? NUM_BIG : NUM_SMALL;

  if ((out->oom || out->cap - out->n < len) && lvt_buf_reserve(out, len)) return;
  memcpy(&u, &d, sizeof u);
  u = (u & SIGN64) ? ~u : (u | SIGN64);
  q = out->p + out->n;
  q[0] = TAG_NUMBER;
  put_be64(q + 1, u);
  if (big) {
    unsigned s = (unsigned)(diff + SUFFIX_BIAS);
    q[9] = (unsigned char)(s >> 8);
    q[10] = (unsigned char)s;
  }
  out->n += len;
}

/* Append an INTEGER: its double, plus the exact offset from 2^53 up. */
static void put_integer(lvt_buf *out, int64_t i)
{
  double d = (double)i;
  int diff = 0;

  if (i >= INT_TWO53 || i <= -INT_TWO53) diff = int_diff(i, d);
  assert(diff >= -DIFF_MAX && diff <= DIFF_MAX);
  put_number(out, d, diff);
}

/* Append tag, the bytes of p[0..n-1] with each NUL escaped as 00 FF, and the
 * terminator 00 00.  Copies runs between NULs in one append each. */
static void put_escaped(lvt_buf *out, unsigned char tag,
                        const unsigned char *p, size_t n)
{
  static const unsigned char esc[2] = { 0x00, ESC_NUL };
  static const unsigned char term[2] = { 0x00, 0x00 };

  lvt_buf_byte(out, tag);
  while (n > 0) {
    const unsigned char *z = memchr(p, 0, n);
    size_t run = z ? (size_t)(z - p) : n;
    lvt_buf_append(out, p, run);
    if (z == NULL) break;
    lvt_buf_append(out, esc, 2);
    p = z + 1;
    n -= run + 1;
  }
  lvt_buf_append(out, term, 2);
}

/* Append TEXT under NOCASE: ASCII folded to lower case up to the first NUL;
 * then, if there is a NUL, 00 FE and the count of bytes after it (SQLite's
 * NOCASE ignores their content).  n <= KEY_TEXT_MAX. */
static void put_nocase(lvt_buf *out, const unsigned char *p, size_t n)
{
  const unsigned char *z = n ? memchr(p, 0, n) : NULL;
  size_t k = z ? (size_t)(z - p) : n;
  size_t i;
  unsigned char *q;

  if (lvt_buf_reserve(out, 1 + k + 2 + TAIL_SIZE + 2)) return;
  q = out->p + out->n;
  *q++ = TAG_TEXT;
  for (i = 0; i < k; i++) {
    unsigned char c = p[i];
    *q++ = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
  }
  if (z != NULL) {
    uint32_t tail = (uint32_t)(n - k - 1);
    *q++ = 0x00;
    *q++ = ESC_NOCASE;
    for (i = 0; i < TAIL_SIZE; i++)
      *q++ = (unsigned char)(tail >> (8 * (TAIL_SIZE - 1 - i)));
  }
  *q++ = 0x00;
  *q++ = 0x00;
  out->n = (size_t)(q - out->p);
}

/* Append a TEXT or BLOB value, applying the collation to TEXT. */
static int put_string(lvt_buf *out, const lvt_value *v, int collation)
{
  const unsigned char *p = v->u.s.p;
  size_t n = v->u.s.n;

  if (n > KEY_TEXT_MAX)
    return lvt_err_set(LVT_TOOBIG, "%s value of %zu bytes is too long for a key",
                       v->type == LVT_TEXT ? "TEXT" : "BLOB", n);
  if (v->type == LVT_BLOB) {
    put_escaped(out, TAG_BLOB, p, n);
  } else if (collation == LVT_COLL_NOCASE) {
    const unsigned char *z = n ? memchr(p, 0, n) : NULL;
    if (z && n - (size_t)(z - p) - 1 > KEY_NOCASE_TAIL_MAX)
      return lvt_err_set(LVT_TOOBIG, "TEXT value of %zu bytes with %zu bytes after a NUL "
                         "byte is too long for a NOCASE key (at most %u after the NUL)",
                         n, n - (size_t)(z - p) - 1, KEY_NOCASE_TAIL_MAX);
    put_nocase(out, p, n);
  } else {
    if (collation == LVT_COLL_RTRIM)
      while (n > 0 && p[n - 1] == ' ') n--;
    put_escaped(out, TAG_TEXT, p, n);
  }
  return LVT_OK;
}

/* Append the key encoding of *v to out (layout above); desc inverts it.
 * Returns LVT_OK, LVT_NAN, LVT_TOOBIG, LVT_MISUSE (unknown type) or
 * LVT_NOMEM; on an error out->n may have grown but the caller must not use
 * the partial bytes.  The caller keeps owning out and *v. */
int lvt_key_encode(lvt_buf *out, const lvt_value *v, int desc, int collation)
{
  size_t start = out->n, k;
  int rc = LVT_OK;

  switch (v->type) {
  case LVT_NULL:
    lvt_buf_byte(out, TAG_NULL);
    break;
  case LVT_INTEGER:
    put_integer(out, v->u.i);
    break;
  case LVT_REAL:
    if (isnan(v->u.r)) return lvt_err_set(LVT_NAN, "NaN cannot be part of a key");
    put_number(out, v->u.r == 0.0 ? 0.0 : v->u.r, 0);
    break;
  case LVT_TEXT:
  case LVT_BLOB:
    rc = put_string(out, v, collation);
    if (rc != LVT_OK) return rc;
    break;
  default:
    return lvt_err_set(LVT_MISUSE, "key value of unknown type %d", v->type);
  }
  if (out->oom) return lvt_err_set(LVT_NOMEM, "out of memory encoding a key");
  if (desc)
    for (k = start; k < out->n; k++) out->p[k] ^= 0xFF;
  return LVT_OK;
}

/* ------------------------------------------------------------ decoding -- */

/* Read 8 bytes big-endian, each XORed with mask. */
static uint64_t get_be64(const unsigned char *p, unsigned char mask)
{
  uint64_t v = 0;
  int k;
  for (k = 0; k < 8; k++) v = (v << 8) | (unsigned char)(p[k] ^ mask);
  return v;
}

/* Report a malformed key: what was wrong and at which byte offset (from the
 * start of the value being decoded). */
static int corrupt(const char *what, size_t off)
{
  return lvt_err_set(LVT_CORRUPT, "malformed key: %s at byte %zu", what, off);
}

/* Canonical value of a double without integer offset: INTEGER when
 * integral within int64, else REAL.  (The cast is defined inside the range;
 * no libm needed.) */
static void number_value(double d, lvt_value *v)
{
  if (d >= -TWO63 && d < TWO63 && (double)(int64_t)d == d) {
    v->type = LVT_INTEGER;
    v->u.i = (int64_t)d;
  } else {
    v->type = LVT_REAL;
    v->u.r = d;
  }
}

/* The integer exact(d) + diff (diff != 0), d integral and |d| >= 2^53.
 * Refuses offsets no encoder writes: outside int64, or an integer that
 * does not round to d.  Never overflows. */
static int offset_value(double d, int diff, lvt_value *v)
{
  int64_t base, i;

  if (d == TWO63) {
    if (diff > -1) return corrupt("integer offset above INT64_MAX", 9);
    i = INT64_MAX + (diff + 1);
  } else if (d >= -TWO63 && d < TWO63) {
    base = (int64_t)d;
    if ((diff < 0 && base < INT64_MIN - diff) || (diff > 0 && base > INT64_MAX - diff))
      return corrupt("integer offset outside int64", 9);
    i = base + diff;
  } else {
    return corrupt("integer offset on a number outside int64", 9);
  }
  if ((double)i != d) return corrupt("integer offset does not round to its number", 9);
  v->type = LVT_INTEGER;
  v->u.i = i;
  return LVT_OK;
}

/* Decode a NUMBER at p[0..n-1] (p[0] is its tag). */
static int get_number(const unsigned char *p, size_t n, unsigned char mask,
                      lvt_value *v, size_t *used)
{
  uint64_t u;
  double d;
  int diff;

  if (n < NUM_SMALL) return corrupt("truncated NUMBER", n);
  u = get_be64(p + 1, mask);
  u = (u & SIGN64) ? (u ^ SIGN64) : ~u;
  memcpy(&d, &u, sizeof d);
  if (isnan(d)) return corrupt("NaN in NUMBER", 1);
  if (d == 0.0 && signbit(d)) return corrupt("negative zero in NUMBER", 1);
  if (fabs(d) < TWO53) {
    number_value(d, v);
    *used = NUM_SMALL;
    return LVT_OK;
  }
  if (n < NUM_BIG) return corrupt("truncated NUMBER offset", n);
  diff = (((p[9] ^ mask) << 8) | (p[10] ^ mask)) - SUFFIX_BIAS;
  if (diff < -DIFF_MAX || diff > DIFF_MAX) return corrupt("integer offset out of range", 9);
  *used = NUM_BIG;
  if (diff == 0) {
    number_value(d, v);
    return LVT_OK;
  }
  if (isinf(d)) return corrupt("integer offset on an infinity", 9);
  return offset_value(d, diff, v);
}

/* Decode the NOCASE tail that follows 00 FE at p[off-2..off-1]: 4 bytes of
 * length, then 00 00.  Appends the NUL and that many NULs to scratch. */
static int get_nocase_tail(const unsigned char *p, size_t n, size_t off,
                           unsigned char mask, lvt_buf *scratch, size_t *used)
{
  uint32_t tail = 0;
  size_t k;

  if (n - off < TAIL_SIZE + 2) return corrupt("truncated NOCASE tail", n);
  for (k = 0; k < TAIL_SIZE; k++) tail = (tail << 8) | (unsigned char)(p[off + k] ^ mask);
  if (tail > KEY_NOCASE_TAIL_MAX) return corrupt("NOCASE tail length too large", off);
  off += TAIL_SIZE;
  if ((p[off] ^ mask) != 0 || (p[off + 1] ^ mask) != 0)
    return corrupt("missing terminator after NOCASE tail", off);
  if (lvt_buf_reserve(scratch, (size_t)tail + 1) == 0) {
    memset(scratch->p + scratch->n, 0, (size_t)tail + 1);
    scratch->n += (size_t)tail + 1;
  }
  *used = off + 2;
  return LVT_OK;
}

/* Append the run p[0..n-1] to scratch, undoing the DESC inversion. */
static void append_run(lvt_buf *scratch, const unsigned char *p, size_t n,
                       unsigned char mask)
{
  size_t k, start = scratch->n;

  lvt_buf_append(scratch, p, n);
  if (mask && !scratch->oom)
    for (k = start; k < scratch->n; k++) scratch->p[k] ^= mask;
}

/* Nonzero if scratch[start..] holds an ASCII upper-case letter: text
 * before a NOCASE tail was folded, so one means the key is not ours. */
static int has_upper(const lvt_buf *scratch, size_t start)
{
  size_t k;

  for (k = start; !scratch->oom && k < scratch->n; k++)
    if (scratch->p[k] >= 'A' && scratch->p[k] <= 'Z') return 1;
  return 0;
}

/* Decode an escaped TEXT or BLOB at p[0..n-1] (p[0] is its tag) into
 * scratch; sets *used.  The encoded NUL byte is `mask` (0x00, or 0xFF under
 * DESC), found with memchr. */
static int get_string(const unsigned char *p, size_t n, unsigned char mask,
                      int is_text, lvt_buf *scratch, size_t *used)
{
  size_t off = 1, start = scratch->n;
  int escaped = 0;

  for (;;) {
    const unsigned char *z = off < n ? memchr(p + off, mask, n - off) : NULL;
    unsigned char e;
    if (z == NULL) return corrupt("unterminated TEXT or BLOB", n);
    append_run(scratch, p + off, (size_t)(z - (p + off)), mask);
    off = (size_t)(z - p);
    if (off + 1 >= n) return corrupt("truncated escape", n);
    e = p[off + 1] ^ mask;
    if (e == 0x00) { *used = off + 2; return LVT_OK; }
    if (e == ESC_NUL) {
      lvt_buf_byte(scratch, 0x00);
      escaped = 1;
      off += 2;
      continue;
    }
    if (e == ESC_NOCASE && is_text && !escaped) {
      if (has_upper(scratch, start))
        return corrupt("upper-case letter before a NOCASE tail", off);
      return get_nocase_tail(p, n, off + 2, mask, scratch, used);
    }
    return corrupt("bad escape after a 0x00 byte", off + 1);
  }
}

/* Decode one value from p[0..n-1] (layout above), reading nothing past
 * p + n.  TEXT and BLOB bytes are appended to scratch and v points into it:
 * the caller owns scratch, and v stays valid until scratch next grows.
 * *used receives the bytes consumed.  Errors: LVT_CORRUPT (truncated,
 * bad tag, bad escape, a number no encoder writes), LVT_NOMEM. */
int lvt_key_decode(const unsigned char *p, size_t n, int desc,
                   lvt_value *v, size_t *used, lvt_buf *scratch)
{
  unsigned char mask = desc ? 0xFF : 0x00;
  size_t start = scratch->n;
  int rc, tag;

  if (n == 0) return corrupt("empty key", 0);
  tag = p[0] ^ mask;
  switch (tag) {
  case TAG_NULL:
    v->type = LVT_NULL;
    *used = 1;
    return LVT_OK;
  case TAG_NUMBER:
    return get_number(p, n, mask, v, used);
  case TAG_TEXT:
  case TAG_BLOB:
    break;
  default:
    return lvt_err_set(LVT_CORRUPT, "malformed key: bad type tag 0x%02x at byte 0", tag);
  }
  rc = get_string(p, n, mask, tag == TAG_TEXT, scratch, used);
  if (rc != LVT_OK) {
    if (!scratch->oom) scratch->n = start;  /* drop the partial value */
    return rc;
  }
  if (scratch->oom) return lvt_err_set(LVT_NOMEM, "out of memory decoding a key");
  v->type = tag == TAG_TEXT ? LVT_TEXT : LVT_BLOB;
  v->u.s.p = scratch->p ? (const void *)(scratch->p + start) : (const void *)"";
  v->u.s.n = scratch->n - start;
  return LVT_OK;
}

/* -------------------------------------------------------- rowids, bounds -- */

/* Write a rowid key: big-endian with the sign bit flipped, so that memcmp
 * order is integer order.  The caller owns out. */
void lvt_key_rowid_put(unsigned char out[LVT_ROWID_SIZE], int64_t rowid)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t u = __builtin_bswap64((uint64_t)rowid ^ SIGN64);  /* hot: one store */
  memcpy(out, &u, sizeof u);
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  uint64_t u = (uint64_t)rowid ^ SIGN64;
  memcpy(out, &u, sizeof u);
#else
  put_be64(out, (uint64_t)rowid ^ SIGN64);
#endif
}

/* Read a rowid key written by lvt_key_rowid_put(). */
int64_t lvt_key_rowid_get(const unsigned char in[LVT_ROWID_SIZE])
{
  uint64_t u;
  int64_t r;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(&u, in, sizeof u);  /* hot: one load and a byte swap */
  u = __builtin_bswap64(u) ^ SIGN64;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  memcpy(&u, in, sizeof u);
  u ^= SIGN64;
#else
  u = get_be64(in, 0) ^ SIGN64;
#endif
  memcpy(&r, &u, sizeof r);  /* two's complement, without implementation-defined casts */
  return r;
}

/* Turn the key prefix in b into the smallest byte string greater than every
 * key that starts with it: trailing FF bytes are dropped and the last byte
 * left is incremented.  A cursor seeks to it for "past every key with this
 * prefix" (exclusive lower / inclusive upper bound on a prefix).  Returns
 * LVT_OK, or LVT_NOTFOUND when no such string exists (b empty or all FF;
 * the range is then unbounded above) -- b is then empty.  In place; the
 * caller keeps owning b. */
int lvt_key_prefix_successor(lvt_buf *b)
{
  while (b->n > 0 && b->p[b->n - 1] == 0xFF) b->n--;
  if (b->n == 0) return LVT_NOTFOUND;
  b->p[b->n - 1]++;
  return LVT_OK;
}
