/*
 * fuzz_keycodec.c -- fuzz target for the key decoder (ext/keycodec.c).
 *
 * Input: byte 0 says which columns are DESC (column k uses bit k % 8) and,
 * in its low two bits, too, which collation the order law below uses; the
 * rest is a composite key, decoded value after value (lvt_key_decode) until
 * it ends or a value does not decode.  Laws, from keycodec.c's header:
 *
 *  - the decoder never reads past the key and fails only with LVT_CORRUPT
 *    (and a message); a value consumes at least one byte;
 *  - it is canonical: "the decoder accepts only what the encoder writes",
 *    so a decoded value encodes again (lvt_key_encode, same DESC flag) to
 *    exactly the bytes it was decoded from.  The collation is the one the
 *    key was written with: BINARY, except for TEXT that only NOCASE writes
 *    (its embedded-NUL tail); RTRIM and NOCASE keys without such a tail
 *    are also BINARY keys of the decoded text;
 *  - order: for any two decoded values, the memcmp order of their ASC
 *    encodings under a collation is the order lvt_value_compare gives
 *    (the law of the key codec, checked on decoder-made values);
 *  - lvt_key_prefix_successor of every column-boundary prefix sorts after
 *    the whole key; rowid keys round-trip.
 *
 * Inputs whose NOCASE tail (the count of bytes after an embedded NUL, which
 * the decoder materialises as NULs) exceeds 64 KiB are cut there: the key
 * codec refuses such tails (LVT_CORRUPT when decoding, LVT_TOOBIG when
 * encoding), which tests/check_keycodec.c checks.
 */
#include "lvt_int.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_VALUES 8
#define TAIL_LIMIT 65536u

/* A decoded value with its own copy of TEXT/BLOB bytes. */
typedef struct kept {
  lvt_value v;
  unsigned char *mem;
} kept;

/* memcmp then length, as LMDB compares keys. */
static int key_cmp(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
  int c = memcmp(a, b, na < nb ? na : nb);
  if (c) return c < 0 ? -1 : 1;
  return (na > nb) - (na < nb);
}

static int sign(int x) { return (x > 0) - (x < 0); }

/* Nonzero if the TEXT/BLOB value starting at p[0] (its tag) carries a
 * NOCASE tail longer than TAIL_LIMIT.  Walks the escapes as the decoder
 * does; anything malformed is left to the decoder. */
static int huge_tail(const unsigned char *p, size_t n, unsigned char mask)
{
  size_t off = 1;

  while (off + 1 < n) {
    if (p[off] != mask) { off++; continue; }
    switch (p[off + 1] ^ mask) {
    case 0xFF: off += 2; continue;
    case 0xFE:
      if (off + 6 <= n) {
        uint32_t t = 0;
        int k;
        for (k = 0; k < 4; k++) t = (t << 8) | (unsigned char)(p[off + 2 + k] ^ mask);
        return t > TAIL_LIMIT;
      }
      return 0;
    default: return 0;
    }
  }
  return 0;
}

/* Encode v (desc, collation) into a fresh buffer; the law is that this
 * works for every decoded value. */
static void encode(lvt_buf *b, const lvt_value *v, int desc, int coll)
{
  int rc;

  lvt_buf_reset(b);
  rc = lvt_key_encode(b, v, desc, coll);
  FUZZ_CHECK(rc == LVT_OK, "lvt_key_encode of a decoded value failed: %d %s",
             rc, lvt_errmsg());
}

/* The canonical law for one value decoded from enc[0..n-1]. */
static void check_reencode(const lvt_value *v, int desc,
                           const unsigned char *enc, size_t n, lvt_buf *b)
{
  encode(b, v, desc, LVT_COLL_BINARY);
  if (b->n == n && memcmp(b->p, enc, n) == 0) return;
  if (v->type == LVT_TEXT) {
    encode(b, v, desc, LVT_COLL_NOCASE);
    if (b->n == n && memcmp(b->p, enc, n) == 0) return;
  }
  fuzz_hex("decoded from", enc, n);
  fuzz_hex("encodes to", b->p, b->n);
  FUZZ_CHECK(0, "decoded value (type %d, desc %d) does not encode back", v->type, desc);
}

/* The order law for every pair of kept values under collation coll. */
static void check_order(const kept *k, int nk, int coll)
{
  lvt_buf a = { 0 }, b = { 0 };
  int i, j;

  for (i = 0; i < nk; i++) {
    encode(&a, &k[i].v, 0, coll);
    for (j = i; j < nk; j++) {
      int by_key, by_value;
      encode(&b, &k[j].v, 0, coll);
      by_key = key_cmp(a.p, a.n, b.p, b.n);
      by_value = sign(lvt_value_compare(&k[i].v, &k[j].v, coll));
      if (by_key != by_value) {
        fuzz_hex("key i", a.p, a.n);
        fuzz_hex("key j", b.p, b.n);
      }
      FUZZ_CHECK(by_key == by_value, "values %d and %d (types %d, %d, collation %d): "
                 "keys compare %d, values %d", i, j, k[i].v.type, k[j].v.type,
                 coll, by_key, by_value);
    }
  }
  lvt_buf_free(&a);
  lvt_buf_free(&b);
}

/* Successor of each column-boundary prefix sorts after the whole key and
 * after the prefix itself. */
static void check_successor(const unsigned char *key, size_t n,
                            const size_t *ends, int nends)
{
  lvt_buf s = { 0 };
  int i;

  for (i = 0; i < nends; i++) {
    lvt_buf_reset(&s);
    lvt_buf_append(&s, key, ends[i]);
    if (s.oom) break;
    if (lvt_key_prefix_successor(&s) != LVT_OK) {
      size_t k;
      for (k = 0; k < ends[i]; k++)
        FUZZ_CHECK(key[k] == 0xFF, "no successor for a prefix that is not all FF");
      continue;
    }
    FUZZ_CHECK(key_cmp(s.p, s.n, key, n) > 0, "successor of prefix %zu does not "
               "sort after the key", ends[i]);
  }
  lvt_buf_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  lvt_buf scratch = { 0 }, enc = { 0 };
  kept keep[MAX_VALUES];
  size_t ends[MAX_VALUES];
  const unsigned char *key;
  size_t n, off = 0;
  unsigned descmask;
  int nkeep = 0, col;

  if (size < 1) return 0;
  descmask = data[0];
  key = data + 1;
  n = size - 1;

  for (col = 0; off < n; col++) {
    int desc = (descmask >> (col % 8)) & 1;
    unsigned char mask = desc ? 0xFF : 0x00;
    size_t used = 0, before = scratch.n;
    lvt_value v;
    int rc;

    if (huge_tail(key + off, n - off, mask)) break;
    memset(&v, 0, sizeof v);
    lvt_err_clear();
    rc = lvt_key_decode(key + off, n - off, desc, &v, &used, &scratch);
    if (rc != LVT_OK) {
      FUZZ_CHECK(rc == LVT_CORRUPT, "lvt_key_decode returned %d", rc);
      FUZZ_CHECK(lvt_errmsg()[0] != 0, "LVT_CORRUPT without a message");
      FUZZ_CHECK(scratch.n == before, "a failed decode left %zu bytes in scratch",
                 scratch.n - before);
      break;
    }
    FUZZ_CHECK(used >= 1 && used <= n - off, "used %zu of %zu bytes", used, n - off);
    FUZZ_CHECK(v.type >= LVT_INTEGER && v.type <= LVT_NULL, "type %d", v.type);
    if (v.type == LVT_TEXT || v.type == LVT_BLOB) {
      const unsigned char *vp = v.u.s.p;
      FUZZ_CHECK(v.u.s.n == 0 || (vp >= scratch.p && vp + v.u.s.n <= scratch.p + scratch.n),
                 "decoded bytes outside scratch");
    }
    check_reencode(&v, desc, key + off, used, &enc);

    if (nkeep < MAX_VALUES) {
      kept *k = &keep[nkeep];
      k->v = v;
      k->mem = NULL;
      if (v.type == LVT_TEXT || v.type == LVT_BLOB) {
        k->mem = malloc(v.u.s.n ? v.u.s.n : 1);
        if (k->mem == NULL) break;
        if (v.u.s.n) memcpy(k->mem, v.u.s.p, v.u.s.n);
        k->v.u.s.p = k->mem;
      }
      ends[nkeep] = off + used;
      nkeep++;
    }
    lvt_buf_reset(&scratch);
    off += used;
  }

  check_order(keep, nkeep, descmask & 3 ? (int)(descmask & 3) - 1 : LVT_COLL_BINARY);
  check_successor(key, n, ends, nkeep);

  if (n >= LVT_ROWID_SIZE) {
    unsigned char back[LVT_ROWID_SIZE];
    int64_t r = lvt_key_rowid_get(key);
    lvt_key_rowid_put(back, r);
    FUZZ_CHECK(memcmp(back, key, LVT_ROWID_SIZE) == 0, "rowid key does not round-trip");
  }

  while (nkeep > 0) free(keep[--nkeep].mem);
  lvt_buf_free(&scratch);
  lvt_buf_free(&enc);
  return 0;
}
