/*
 * fuzz_record.c -- fuzz target for the record decoder (ext/record.c).
 *
 * Input: the bytes of one record.  Laws, from record.c's header:
 *
 *  - lvt_rec_count, lvt_rec_column and lvt_rec_check never read outside
 *    the record (ASan watches) and fail only with LVT_CORRUPT (and a
 *    message), lvt_rec_column also with LVT_NOTFOUND past the stored count
 *    and LVT_MISUSE for a negative column; TEXT/BLOB views point inside
 *    the record;
 *  - when lvt_rec_check accepts, every column reads OK, the count agrees,
 *    a proper prefix and a one-byte extension are rejected ("truncation
 *    and trailing bytes are detected"), and the values encode again
 *    (lvt_rec_encode) to a record that is accepted and decodes to the same
 *    values (REAL bit-exact), is no longer than the input (the writer picks
 *    the shortest forms) and encodes again to itself (canonical).
 */
#include "lvt_int.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Same storage class and same value; REAL compared bit for bit. */
static int same_value(const lvt_value *a, const lvt_value *b)
{
  if (a->type != b->type) return 0;
  switch (a->type) {
  case LVT_INTEGER: return a->u.i == b->u.i;
  case LVT_REAL:    return memcmp(&a->u.r, &b->u.r, sizeof a->u.r) == 0;
  case LVT_TEXT:
  case LVT_BLOB:
    return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
  default:          return 1;
  }
}

/* Read every column of rec[0..n-1] (count ncol) into vals; the record was
 * accepted by lvt_rec_check, so each must read. */
static void read_all(const unsigned char *rec, size_t n, int ncol, lvt_value *vals)
{
  lvt_value past;
  int k, rc;

  for (k = 0; k < ncol; k++) {
    rc = lvt_rec_column(rec, n, k, &vals[k]);
    FUZZ_CHECK(rc == LVT_OK, "column %d of an accepted record: %d %s", k, rc, lvt_errmsg());
  }
  rc = lvt_rec_column(rec, n, ncol, &past);
  FUZZ_CHECK(rc == LVT_NOTFOUND, "column %d past the count: %d", ncol, rc);
}

/* Probe columns of a record without trusting it: any outcome but a crash
 * or an out-of-range view is fine. */
static void probe(const unsigned char *rec, size_t n, int count)
{
  int k, limit = count < 0 ? 4 : count + 2;
  lvt_value v;

  if (limit > 4096) limit = 4096;
  for (k = -1; k < limit; k++) {
    int rc;
    memset(&v, 0, sizeof v);
    lvt_err_clear();
    rc = lvt_rec_column(rec, n, k, &v);
    if (count < 0) {
      FUZZ_CHECK(rc == LVT_CORRUPT, "column %d of a record without a valid header: %d", k, rc);
    } else if (k < 0) {
      FUZZ_CHECK(rc == LVT_MISUSE, "negative column: %d", rc);
    } else if (k >= count) {
      FUZZ_CHECK(rc == LVT_NOTFOUND, "column %d past the count %d: %d", k, count, rc);
    } else if (rc == LVT_OK) {
      FUZZ_CHECK(v.type >= LVT_INTEGER && v.type <= LVT_NULL, "type %d", v.type);
      if (v.type == LVT_TEXT || v.type == LVT_BLOB) {
        const unsigned char *vp = v.u.s.p;
        FUZZ_CHECK(vp >= rec && v.u.s.n <= n && vp + v.u.s.n <= rec + n,
                   "column %d's view is outside the record", k);
      }
    } else {
      FUZZ_CHECK(rc == LVT_CORRUPT && lvt_errmsg()[0], "column %d: %d", k, rc);
    }
  }
}

/* The laws for a record that lvt_rec_check accepted. */
static void check_accepted(const unsigned char *rec, size_t n, int ncol)
{
  lvt_value *vals, *again;
  lvt_buf out = { 0 }, out2 = { 0 };
  unsigned char *longer;
  int k, rc;

  FUZZ_CHECK(n > 0 && lvt_rec_check(rec, n - 1) == LVT_CORRUPT,
             "a proper prefix of an accepted record is accepted");
  longer = malloc(n + 1);
  if (longer == NULL) return;
  memcpy(longer, rec, n);
  longer[n] = 0;
  FUZZ_CHECK(lvt_rec_check(longer, n + 1) == LVT_CORRUPT,
             "an accepted record with one more byte is accepted");
  free(longer);

  vals = calloc((size_t)ncol + 1, sizeof *vals);
  again = calloc((size_t)ncol + 1, sizeof *again);
  if (vals == NULL || again == NULL) { free(vals); free(again); return; }
  read_all(rec, n, ncol, vals);

  rc = lvt_rec_encode(&out, vals, ncol);
  FUZZ_CHECK(rc == LVT_OK, "re-encoding %d columns: %d %s", ncol, rc, lvt_errmsg());
  FUZZ_CHECK(lvt_rec_check(out.p, out.n) == LVT_OK, "re-encoded record rejected: %s",
             lvt_errmsg());
  FUZZ_CHECK(lvt_rec_count(out.p, out.n) == ncol, "re-encoded count differs");
  FUZZ_CHECK(out.n <= n, "re-encoding is longer (%zu) than the input (%zu)", out.n, n);
  read_all(out.p, out.n, ncol, again);
  for (k = 0; k < ncol; k++)
    FUZZ_CHECK(same_value(&vals[k], &again[k]), "column %d differs after re-encoding "
               "(types %d, %d)", k, vals[k].type, again[k].type);

  rc = lvt_rec_encode(&out2, again, ncol);
  FUZZ_CHECK(rc == LVT_OK, "second encoding failed");
  if (out2.n != out.n || memcmp(out.p, out2.p, out.n) != 0) {
    fuzz_hex("first", out.p, out.n);
    fuzz_hex("second", out2.p, out2.n);
  }
  FUZZ_CHECK(out2.n == out.n && memcmp(out.p, out2.p, out.n) == 0,
             "encoding is not canonical");

  lvt_buf_free(&out);
  lvt_buf_free(&out2);
  free(vals);
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const unsigned char *rec;
  unsigned char *copy;
  int count, rc;

  /* An exact-size heap copy, so that ASan sees any read past the end. */
  copy = malloc(size ? size : 1);
  if (copy == NULL) return 0;
  if (size) memcpy(copy, data, size);
  rec = copy;

  count = lvt_rec_count(rec, size);
  FUZZ_CHECK(count >= 0 || count == LVT_CORRUPT, "lvt_rec_count returned %d", count);
  probe(rec, size, count);

  lvt_err_clear();
  rc = lvt_rec_check(rec, size);
  if (rc == LVT_OK) {
    FUZZ_CHECK(count >= 0, "accepted record without a valid count");
    check_accepted(rec, size, count);
  } else {
    FUZZ_CHECK(rc == LVT_CORRUPT && lvt_errmsg()[0], "lvt_rec_check returned %d", rc);
  }
  free(copy);
  return 0;
}
