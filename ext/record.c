/*
 * record.c -- the row record: the LMDB value of one table row.
 *
 * A record holds every column of a row; the rowid is the LMDB key and is not
 * repeated here.  Column k is reached in O(1): its type and its byte range
 * sit in fixed-size slots, so nothing before it is decoded, and TEXT/BLOB
 * come back as views into the record bytes (no copy).
 *
 * Layout, byte by byte (multi-byte numbers are little-endian):
 *
 *   header   1 byte  H = (C << 2) | W
 *              W, bits 0-1: width of each end offset: 0 -> 1 byte,
 *                 1 -> 2 bytes, 2 -> 4 bytes; 3 is invalid.  The writer
 *                 picks the smallest width that holds the payload size.
 *              C, bits 2-7: the column count N when C <= 61;
 *                 C = 62: N is the next byte (u8);
 *                 C = 63: N is the next 2 bytes (u16), so N <= 65535.
 *              The writer uses the shortest form; readers accept any.
 *   types    ceil(N/2) bytes, a 4-bit type code per column: column k in
 *            byte k/2, the low nibble for even k, the high nibble for odd k;
 *            for odd N the last high nibble is 0.  The codes are lmdbvt.h's
 *            storage classes: 1 INTEGER, 2 REAL, 3 TEXT, 4 BLOB, 5 NULL.
 *   ends     N end offsets of W bytes: column k occupies payload bytes
 *            [end(k-1), end(k)), with end(-1) = 0; end(N-1) is exactly the
 *            payload size (so truncation and trailing bytes are detected).
 *   payload  the columns' bytes, back to back:
 *              NULL       0 bytes
 *              INTEGER    0, 1, 2, 3, 4, 6 or 8 bytes of two's complement,
 *                         the fewest that hold the value (0 is 0 bytes)
 *              REAL       8 bytes, the IEEE-754 bit pattern (-0.0, the
 *                         infinities and NaN payloads are kept bit-exact)
 *              TEXT/BLOB  the raw bytes (NULs allowed), no terminator
 *
 * Example, the row (1, 'ab', NULL, 1.0, x'FF'), 21 bytes:
 *   14 | 31 25 04 | 01 03 03 0b 0c | 01 61 62 00 00 00 00 00 00 f0 3f ff
 *   N=5, W=1 | types 1,3 5,2 4,pad | ends | 1 'a''b' (NULL) 1.0 x'FF'
 * A row (int, short text, short text, int) costs 7 bytes of header (1 + 2 +
 * 4) plus its payload.
 *
 * Why this shape: offsets are relative to the payload, so most rows use
 * 1-byte offsets; nibble types halve the per-column type cost; most tables
 * have at most 61 columns, so the count lives in the header byte.  A record
 * may store fewer columns than the table schema now has: reading a column at
 * or past the stored count gives LVT_NOTFOUND and the caller substitutes the
 * column's DEFAULT (how columns added later read in old rows).  The payload
 * is at most 4 GiB - 1 bytes (u32 offsets); bigger rows are LVT_TOOBIG.
 *
 * Reading never trusts the bytes: lvt_rec_column validates what it touches
 * (header, two offsets, the column's type and length) and lvt_rec_check all
 * of it; neither reads outside rec[0..n-1] whatever the bytes are.
 */
#include "lvt_int.h"

#include <inttypes.h>

#define REC_COUNT_U8    62          /* C: the count follows in 1 byte */
#define REC_COUNT_U16   63          /* C: the count follows in 2 bytes */
#define REC_MAX_COLUMNS 65535
#define REC_MAX_PAYLOAD UINT32_MAX

/* Record a "malformed record" message and yield LVT_CORRUPT; the constant
 * result lets the compiler see that the failure paths return nonzero. */
#define REC_CORRUPT(...) (lvt_err_set(LVT_CORRUPT, __VA_ARGS__), LVT_CORRUPT)

/* Bit i set when an INTEGER payload of i bytes is valid. */
#define REC_INT_SIZES ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | \
                       (1u << 4) | (1u << 6) | (1u << 8))

/* Where the parts of a record start, from its header. */
typedef struct rec_hdr {
  unsigned ncol;     /* columns stored */
  unsigned wcode;    /* offset width is 1 << wcode bytes */
  size_t types;      /* position of the type nibbles */
  size_t ends;       /* position of the end offsets */
  size_t payload;    /* position of the payload */
} rec_hdr;

/* ------------------------------------------------------ little-endian -- */

/* Read 2, 4 or 8 little-endian bytes at p (unaligned). */
static inline uint32_t rd16(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t rd32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const unsigned char *p)
{
  return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Write the low `len` bytes of u at p, least significant first. */
static inline void wr_le(unsigned char *p, uint64_t u, unsigned len)
{
  unsigned i;

  for (i = 0; i < len; i++) p[i] = (unsigned char)(u >> (8 * i));
}

/* ------------------------------------------------------------ reading -- */

/* Parse the header of rec[0..n-1] into *h, checking that the type and
 * offset arrays fit inside the record.  LVT_OK or LVT_CORRUPT. */
static inline int rec_header(const unsigned char *p, size_t n, rec_hdr *h)
{
  unsigned c;
  size_t at = 1;

  if (n == 0)
    return REC_CORRUPT("malformed record: empty, no header byte");
  h->wcode = p[0] & 3u;
  if (h->wcode == 3)
    return REC_CORRUPT("malformed record: header byte 0x%02x has the "
                       "invalid offset width code 3", p[0]);
  c = p[0] >> 2;
  if (c >= REC_COUNT_U8) {
    at = c == REC_COUNT_U8 ? 2 : 3;
    if (n < at)
      return REC_CORRUPT("malformed record: truncated in the column "
                         "count (%zu of %zu bytes)", n, at);
    c = c == REC_COUNT_U8 ? p[1] : rd16(p + 1);
  }
  h->ncol = c;
  h->types = at;
  h->ends = at + (c + 1) / 2;
  h->payload = h->ends + ((size_t)c << h->wcode);
  if (h->payload > n)
    return REC_CORRUPT("malformed record: %zu bytes, shorter than the "
                       "%zu-byte header of %u columns", n, h->payload, c);
  return LVT_OK;
}

/* End offset of column k (k < ncol), relative to the payload. */
static inline size_t rec_end(const unsigned char *p, const rec_hdr *h,
                             unsigned k)
{
  const unsigned char *e = p + h->ends;

  switch (h->wcode) {
  case 0:  return e[k];
  case 1:  return rd16(e + 2 * (size_t)k);
  default: return rd32(e + 4 * (size_t)k);
  }
}

/* Type nibble of column k (k < ncol); not validated here. */
static inline int rec_type(const unsigned char *p, const rec_hdr *h,
                           unsigned k)
{
  return (p[h->types + k / 2] >> ((k & 1) * 4)) & 0xF;
}

/* Byte range of column k (k < ncol) in a record of n bytes: *start from the
 * payload start and *len.  LVT_CORRUPT when the offsets decrease or run past
 * the end of the record. */
static inline int rec_range(const unsigned char *p, size_t n, const rec_hdr *h,
                            unsigned k, size_t *start, size_t *len)
{
  size_t s = k ? rec_end(p, h, k - 1) : 0;
  size_t e = rec_end(p, h, k);

  if (e < s)
    return REC_CORRUPT("malformed record: column %u ends at %zu, before "
                       "its start %zu (offsets decrease)", k, e, s);
  if (e > n - h->payload)
    return REC_CORRUPT("malformed record: column %u ends at %zu, past "
                       "the end of the %zu-byte payload", k, e,
                       n - h->payload);
  *start = s;
  *len = e - s;
  return LVT_OK;
}

/* Sign-extend the low `len` bytes (1..8) of u. */
static inline int64_t rec_sext(uint64_t u, unsigned len)
{
  uint64_t sign = (uint64_t)1 << (8 * len - 1);

  if (len < 8) u = (u ^ sign) - sign;
  return (int64_t)u;
}

/* Decode an INTEGER payload of len bytes (already checked to be valid). */
static inline int64_t rec_int(const unsigned char *v, size_t len)
{
  switch (len) {
  case 0:  return 0;
  case 1:  return rec_sext(v[0], 1);
  case 2:  return rec_sext(rd16(v), 2);
  case 3:  return rec_sext(rd16(v) | (uint32_t)v[2] << 16, 3);
  case 4:  return rec_sext(rd32(v), 4);
  case 6:  return rec_sext(rd32(v) | (uint64_t)rd16(v + 4) << 32, 6);
  default: return (int64_t)rd64(v);
  }
}

/* Report a payload length that column k's type does not allow. */
static int rec_bad_len(unsigned k, int type, size_t len)
{
  const char *name = type == LVT_INTEGER ? "INTEGER"
                   : type == LVT_REAL ? "REAL" : "NULL";
  const char *allowed = type == LVT_INTEGER ? "0, 1, 2, 3, 4, 6 or 8"
                      : type == LVT_REAL ? "8" : "0";

  return REC_CORRUPT("malformed record: %s column %u has a "
                     "%zu-byte payload (allowed: %s)", name, k, len, allowed);
}

/* Turn column k's bytes v[0..len-1] of type code `type` into *out (TEXT and
 * BLOB point at v).  LVT_CORRUPT for an unknown type or a length that the
 * type does not allow; *out is then untouched. */
static inline int rec_value(int type, const unsigned char *v, size_t len,
                            unsigned k, lvt_value *out)
{
  uint64_t bits;

  switch (type) {
  case LVT_INTEGER:
    if (len > 8 || !(REC_INT_SIZES >> len & 1))
      return rec_bad_len(k, type, len);
    out->u.i = rec_int(v, len);
    break;
  case LVT_REAL:
    if (len != 8) return rec_bad_len(k, type, len);
    bits = rd64(v);
    memcpy(&out->u.r, &bits, sizeof bits);
    break;
  case LVT_TEXT:
  case LVT_BLOB:
    out->u.s.p = v;
    out->u.s.n = len;
    break;
  case LVT_NULL:
    if (len != 0) return rec_bad_len(k, type, len);
    break;
  default:
    return REC_CORRUPT("malformed record: column %u has the invalid "
                       "type code %d", k, type);
  }
  out->type = type;
  return LVT_OK;
}

/* Number of columns stored in rec[0..n-1], or LVT_CORRUPT when the header
 * is malformed or does not fit. */
int lvt_rec_count(const void *rec, size_t n)
{
  rec_hdr h;
  int rc;

  rc = rec_header(rec, n, &h);
  if (rc != LVT_OK) return rc;
  return (int)h.ncol;
}

/* Column k of the record rec[0..n-1], in O(1).  On LVT_OK, *out holds the
 * value; TEXT and BLOB point into rec (the caller keeps rec alive while it
 * uses them).  LVT_NOTFOUND (no message) when k is at or past the stored
 * count, so that the caller substitutes the DEFAULT; LVT_MISUSE for k < 0;
 * LVT_CORRUPT when what this column needs is malformed.  Only the header,
 * the column's two offsets, its type and its bytes are read. */
int lvt_rec_column(const void *rec, size_t n, int k, lvt_value *out)
{
  const unsigned char *p = rec;
  size_t start, len;
  rec_hdr h;
  int rc;

  rc = rec_header(p, n, &h);
  if (rc != LVT_OK) return rc;
  if (k < 0)
    return lvt_err_set(LVT_MISUSE, "record column %d: negative column "
                       "number", k);
  if ((unsigned)k >= h.ncol) return LVT_NOTFOUND;
  rc = rec_range(p, n, &h, (unsigned)k, &start, &len);
  if (rc != LVT_OK) return rc;
  return rec_value(rec_type(p, &h, (unsigned)k), p + h.payload + start, len,
                   (unsigned)k, out);
}

/* Validate the whole record rec[0..n-1]: header, every type code, every
 * offset and length, the padding nibble, and that the last column ends
 * exactly at the end of the record.  LVT_OK or LVT_CORRUPT with a message
 * naming the first problem. */
int lvt_rec_check(const void *rec, size_t n)
{
  const unsigned char *p = rec;
  size_t start = 0, len = 0;
  lvt_value v;
  rec_hdr h;
  unsigned k;
  int rc;

  rc = rec_header(p, n, &h);
  if (rc != LVT_OK) return rc;
  if ((h.ncol & 1) && (p[h.ends - 1] >> 4) != 0)
    return REC_CORRUPT("malformed record: the padding nibble after the "
                       "type of the last column %u is not 0", h.ncol - 1);
  for (k = 0; k < h.ncol; k++) {
    rc = rec_range(p, n, &h, k, &start, &len);
    if (rc != LVT_OK) return rc;
    rc = rec_value(rec_type(p, &h, k), p + h.payload + start, len, k, &v);
    if (rc != LVT_OK) return rc;
  }
  if (h.payload + start + len != n)
    return REC_CORRUPT("malformed record: %zu trailing bytes after the "
                       "last column", n - (h.payload + start + len));
  return LVT_OK;
}

/* ------------------------------------------------------------ writing -- */

/* Fewest bytes (0, 1, 2, 3, 4, 6 or 8) that hold v in two's complement. */
static unsigned rec_int_width(int64_t v)
{
  if (v == 0) return 0;
  if (v >= INT8_MIN && v <= INT8_MAX) return 1;
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= -(INT64_C(1) << 23) && v < (INT64_C(1) << 23)) return 3;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  if (v >= -(INT64_C(1) << 47) && v < (INT64_C(1) << 47)) return 6;
  return 8;
}

/* Payload bytes of vals[k] into *len.  LVT_MISUSE for an unknown type. */
static int rec_value_size(const lvt_value *v, int k, uint64_t *len)
{
  switch (v->type) {
  case LVT_INTEGER: *len = rec_int_width(v->u.i); return LVT_OK;
  case LVT_REAL:    *len = 8; return LVT_OK;
  case LVT_TEXT:
  case LVT_BLOB:    *len = v->u.s.n; return LVT_OK;
  case LVT_NULL:    *len = 0; return LVT_OK;
  default:
    return lvt_err_set(LVT_MISUSE, "record column %d: invalid value type %d",
                       k, v->type);
  }
}

/* Total payload size of vals[0..n-1] into *size.  LVT_TOOBIG past 4 GiB - 1
 * bytes (the offsets are at most 32 bits), LVT_MISUSE for a bad type. */
static int rec_payload_size(const lvt_value *vals, int n, uint64_t *size)
{
  uint64_t total = 0, len = 0;
  int k, rc;

  for (k = 0; k < n; k++) {
    rc = rec_value_size(&vals[k], k, &len);
    if (rc != LVT_OK) return rc;
    if (len > REC_MAX_PAYLOAD - total)
      return lvt_err_set(LVT_TOOBIG, "record too big: column %d brings the "
                         "row past %" PRIu32 " bytes", k, REC_MAX_PAYLOAD);
    total += len;
  }
  *size = total;
  return LVT_OK;
}

/* Bytes before the payload for n columns with offset width code wcode. */
static size_t rec_header_size(int n, unsigned wcode)
{
  size_t count = n < REC_COUNT_U8 ? 1 : n <= 255 ? 2 : 3;

  return count + ((size_t)n + 1) / 2 + ((size_t)n << wcode);
}

/* Write the header byte and the column count of n columns at p; returns
 * where the type nibbles start. */
static unsigned char *rec_put_count(unsigned char *p, int n, unsigned wcode)
{
  if (n < REC_COUNT_U8) {
    p[0] = (unsigned char)(n << 2 | wcode);
    return p + 1;
  }
  if (n <= 255) {
    p[0] = (unsigned char)(REC_COUNT_U8 << 2 | wcode);
    p[1] = (unsigned char)n;
    return p + 2;
  }
  p[0] = (unsigned char)(REC_COUNT_U16 << 2 | wcode);
  wr_le(p + 1, (uint64_t)n, 2);
  return p + 3;
}

/* Write the payload of one value at p; returns its length. */
static size_t rec_put_value(unsigned char *p, const lvt_value *v)
{
  uint64_t bits;
  unsigned w;

  switch (v->type) {
  case LVT_INTEGER:
    w = rec_int_width(v->u.i);
    wr_le(p, (uint64_t)v->u.i, w);
    return w;
  case LVT_REAL:
    memcpy(&bits, &v->u.r, sizeof bits);
    wr_le(p, bits, 8);
    return 8;
  case LVT_TEXT:
  case LVT_BLOB:
    if (v->u.s.n) memcpy(p, v->u.s.p, v->u.s.n);
    return v->u.s.n;
  default:
    return 0;
  }
}

/* Write the record of vals[0..n-1] at p (room already made: header size
 * for wcode plus the payload). */
static void rec_write(unsigned char *p, const lvt_value *vals, int n,
                      unsigned wcode)
{
  unsigned char *types = rec_put_count(p, n, wcode);
  unsigned char *ends = types + ((size_t)n + 1) / 2;
  unsigned char *payload = ends + ((size_t)n << wcode);
  size_t at = 0, width = (size_t)1 << wcode;
  int k;

  memset(types, 0, ((size_t)n + 1) / 2);
  for (k = 0; k < n; k++) {
    types[k / 2] |= (unsigned char)(vals[k].type << ((k & 1) * 4));
    at += rec_put_value(payload + at, &vals[k]);
    wr_le(ends + (size_t)k * width, at, (unsigned)width);
  }
}

/* Append the record of vals[0..n-1] to out (layout: top of this file).  The
 * values are only read; TEXT and BLOB bytes are copied.  Errors: LVT_NOMEM
 * (out->oom, now or from before), LVT_TOOBIG (more than 65535 columns or a
 * payload over 4 GiB - 1), LVT_MISUSE (n < 0 or a value of unknown type).
 * On error nothing is appended. */
int lvt_rec_encode(lvt_buf *out, const lvt_value *vals, int n)
{
  uint64_t psize = 0;
  size_t nhead;
  unsigned wcode;
  int rc;

  if (n < 0 || (n > 0 && vals == NULL))
    return lvt_err_set(LVT_MISUSE, "record: bad column array (%d columns)", n);
  if (n > REC_MAX_COLUMNS)
    return lvt_err_set(LVT_TOOBIG, "record too big: %d columns, at most %d",
                       n, REC_MAX_COLUMNS);
  rc = rec_payload_size(vals, n, &psize);
  if (rc != LVT_OK) return rc;
  wcode = psize <= 0xFF ? 0 : psize <= 0xFFFF ? 1 : 2;
  nhead = rec_header_size(n, wcode);
  if (psize > SIZE_MAX - nhead)
    return lvt_err_set(LVT_TOOBIG, "record too big for this address space");
  if (lvt_buf_reserve(out, nhead + (size_t)psize))
    return lvt_err_set(LVT_NOMEM, "out of memory encoding a record of %"
                       PRIu64 " bytes", nhead + psize);
  rec_write(out->p + out->n, vals, n, wcode);
  out->n += nhead + (size_t)psize;
  return LVT_OK;
}
