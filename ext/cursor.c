/*
 * cursor.c -- range scans over a table (rowid order) or an index.
 *
 * A range is kept as two byte strings over the sub-database's keys: a start
 * S (the range holds keys >= S) and an end E (keys < E), each optional.  A
 * bound on the first n index columns encodes them as a prefix P (affinity
 * and collation applied, DESC columns inverted, by lvt_tab_probe); every
 * entry whose leading columns equal the bound starts with P, so
 *   lower inclusive  S = P          lower exclusive  S = succ(P)
 *   upper inclusive  E = succ(P)    upper exclusive  E = P
 * where succ(P), lvt_key_prefix_successor, is the smallest string above
 * every string that starts with P.  On the table a bound is a rowid: it is
 * made an integer (INTEGER affinity; a fractional REAL rounds inwards, NULL
 * sorts before every rowid, TEXT and BLOB after) and S, E are rowid keys.
 *
 * Writes during a scan.  The cursor keeps a copy of the last key it
 * returned.  When the same transaction wrote since (lvt_tab_wseq moved) or
 * its MDB_txn was replaced (map growth, lvt_txn_gen), the next step seeks
 * again from that key, strictly past it in the scan's direction: the scan
 * never crashes, never returns a key twice, and ends.  A row moved ahead of
 * the cursor by an update may be met again under its new key, as with a
 * native SQLite index scan; SQLite's glue guards against that where SQL
 * needs it.
 *
 * Savepoints.  When a nested transaction begins or ends, lvt_txn_mdb()
 * changes and the cursor follows by reopening its MDB cursor on the new
 * level and seeking again.  It tells levels apart by MDB_txn pointer and
 * replay generation, and env.c keeps the generation across nested begins
 * and ends, so a nested MDB_txn allocated where an ended one was looks the
 * same.  Rule: a cursor stepped inside a savepoint is closed (or not used
 * again) once that savepoint has ended and another has begun.
 */
#include "table_int.h"

#include <stdlib.h>

struct lvt_cursor {
  lvt_txn *txn;
  lvt_table *tbl;
  int rdonly;             /* txn is read-only: its MDB_txn never changes and
                             nothing is written through it, so mc and data
                             stay good for the cursor's whole life */
  int index;              /* -1: the table; else the index's current number */
  uint32_t idx_id;        /* sub-database number: finds the index after a reload */
  MDB_cursor *mc;
  MDB_txn *mtxn;          /* the MDB_txn mc belongs to */
  unsigned tgen;          /* lvt_txn_gen(txn) when mc was opened */
  MDB_dbi dbi;            /* mc's sub-database */
  uint64_t wseq;          /* lvt_tab_wseq when the cursor last moved */
  lvt_buf lo, hi;         /* S and E */
  int has_lo, has_hi;
  int reverse;
  int on;                 /* positioned on an entry */
  lvt_buf key;            /* copy of the current key */
  MDB_val data;           /* its data, valid while the cursor is fresh */
  lvt_buf scratch;        /* text made by converting rowid bounds */
};

/* ------------------------------------------------------- MDB cursor -- */

/* Nonzero when nothing was written since the cursor last moved: mc and
 * data are still good. */
static int cur_fresh(const lvt_cursor *c)
{
  if (c->rdonly) return c->mc != NULL;
  return c->mc && c->mtxn == lvt_txn_mdb(c->txn) && c->tgen == lvt_txn_gen(c->txn) &&
         c->wseq == lvt_tab_wseq;
}

/* Close mc when its transaction is still the current one; otherwise LMDB
 * freed it with the old MDB_txn (or frees it when that one ends). */
static void cur_drop_mc(lvt_cursor *c)
{
  if (c->mc && c->mtxn == lvt_txn_mdb(c->txn) && c->tgen == lvt_txn_gen(c->txn))
    mdb_cursor_close(c->mc);
  c->mc = NULL;
}

/* Bring the table handle up to date and (re)open mc on the right
 * sub-database: after a reload the index may have another number, or be
 * gone (LVT_NOINDEX). */
static int cur_attach(lvt_cursor *c)
{
  lvt_table *t = c->tbl;
  MDB_dbi dbi;
  int k, mrc, rc = lvt_tab_sync(c->txn, t);

  if (rc != LVT_OK) return rc;
  dbi = t->dbi;
  if (c->index >= 0) {
    for (k = 0; k < t->s->def.nidx && t->s->idx_id[k] != c->idx_id; k++)
      ;
    if (k == t->s->def.nidx)
      return lvt_err_set(LVT_NOINDEX, "the index scanned on table %s was dropped",
                         t->s->def.name);
    c->index = k;
    dbi = t->idbi[k];
  }
  if (c->mc && c->mtxn == lvt_txn_mdb(c->txn) && c->tgen == lvt_txn_gen(c->txn) &&
      c->dbi == dbi)
    return LVT_OK;
  cur_drop_mc(c);
  c->mtxn = lvt_txn_mdb(c->txn);
  c->tgen = lvt_txn_gen(c->txn);
  c->dbi = dbi;
  mrc = mdb_cursor_open(c->mtxn, dbi, &c->mc);
  if (mrc != 0) {
    c->mc = NULL;
    return lvt_err_mdb(mrc, "mdb_cursor_open");
  }
  return LVT_OK;
}

/* Open a cursor over the table (index -1) or index `index`. */
int lvt_cursor_open(lvt_txn *txn, lvt_table *t, int index, lvt_cursor **curp)
{
  return lvt_cursor_reopen(txn, t, index, NULL, curp);
}

/* Keep c for lvt_cursor_reopen: its MDB cursor is closed (so this must
 * happen before its txn ends, like lvt_cursor_close), its buffers stay. */
void lvt_cursor_park(lvt_cursor *c)
{
  if (c == NULL) return;
  cur_drop_mc(c);
  c->txn = NULL;
  c->tbl = NULL;
  c->on = 0;
}

/* lvt_cursor_open reusing the parked cursor *spare when there is one (it
 * is taken: *spare becomes NULL), so that a scan per statement does not
 * allocate its cursor and key buffers again. */
int lvt_cursor_reopen(lvt_txn *txn, lvt_table *t, int index, lvt_cursor **spare,
                      lvt_cursor **curp)
{
  lvt_cursor *c, keep;
  int rc;

  if (curp) *curp = NULL;
  if (txn == NULL || t == NULL || curp == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_cursor_open: NULL argument");
  rc = lvt_tab_sync(txn, t);
  if (rc != LVT_OK) return rc;
  if (index < -1 || index >= t->s->def.nidx)
    return lvt_err_set(LVT_NOINDEX, "table %s has no index number %d",
                       t->s->def.name, index);
  if (spare != NULL && *spare != NULL) {
    c = *spare;                         /* keep its buffers, emptied */
    *spare = NULL;
    keep = *c;
    memset(c, 0, sizeof *c);
    c->lo = keep.lo;
    c->hi = keep.hi;
    c->key = keep.key;
    c->scratch = keep.scratch;
    lvt_buf_reset(&c->lo);
    lvt_buf_reset(&c->hi);
    lvt_buf_reset(&c->key);
    lvt_buf_reset(&c->scratch);
  } else if ((c = lvt_calloc(1, sizeof *c)) == NULL) {
    return lvt_err_set(LVT_NOMEM, "out of memory");
  }
  c->txn = txn;
  c->tbl = t;
  c->rdonly = lvt_txn_readonly(txn);
  c->index = index;
  c->idx_id = index >= 0 ? t->s->idx_id[index] : 0;
  rc = cur_attach(c);
  if (rc != LVT_OK) {
    lvt_cursor_close(c);
    return rc;
  }
  *curp = c;
  return LVT_OK;
}

/* Close a cursor (NULL: nothing).  Must happen before its txn ends. */
void lvt_cursor_close(lvt_cursor *c)
{
  if (c == NULL) return;
  cur_drop_mc(c);
  lvt_buf_free(&c->lo);
  lvt_buf_free(&c->hi);
  lvt_buf_free(&c->key);
  lvt_buf_free(&c->scratch);
  lvt_free(c);
}

/* ------------------------------------------------------------ bounds -- */

/* Where a rowid bound v falls: 0 with *out the key's rowid (the first
 * rowid in range for a lower bound, the first one past it for an upper
 * one), 1 when it does not limit, -1 when nothing can be in range. */
static int rowid_bound(lvt_cursor *c, lvt_value v, int upper, int incl,
                       int64_t *out)
{
  double r;
  int64_t t, fl, ce;

  lvt_buf_reset(&c->scratch);
  if (v.type != LVT_NULL &&
      lvt_value_apply_affinity(&v, LVT_AFF_INTEGER, &c->scratch) == LVT_NOMEM)
    return lvt_err_set(LVT_NOMEM, "out of memory");
  switch (v.type) {
  case LVT_NULL:                        /* NULL sorts before every rowid */
    return upper ? -1 : 1;
  case LVT_INTEGER:
    if (upper == incl && v.u.i == INT64_MAX) return upper ? 1 : -1;
    *out = upper == incl ? v.u.i + 1 : v.u.i;
    return 0;
  case LVT_REAL:                        /* not integral, or out of range */
    r = v.u.r;
    if (r >= 9223372036854775808.0) return upper ? 1 : -1;
    if (r < -9223372036854775808.0) return upper ? -1 : 1;
    t = (int64_t)r;                     /* truncated: exact in this range */
    fl = t - ((double)t > r);
    ce = t + ((double)t < r);
    if (upper) *out = incl ? fl + 1 : ce;
    else *out = ce + (!incl && (double)ce == r);
    return 0;
  default:                              /* TEXT and BLOB sort after */
    return upper ? 1 : -1;
  }
}

/* Set one end of the range from bound b (upper: E, else S).  Returns 0
 * (set or unbounded, *has tells), -1 for an empty range, or an error. */
static int cur_bound(lvt_cursor *c, const lvt_bound *b, int upper,
                     lvt_buf *out, int *has)
{
  unsigned char rk[LVT_ROWID_SIZE];
  int64_t rowid = 0;
  int rc;

  *has = 0;
  lvt_buf_reset(out);
  if (b == NULL || b->n == 0) return 0;
  if (c->index < 0) {
    if (b->n != 1 || b->vals == NULL)
      return lvt_err_set(LVT_MISUSE, "a rowid bound has one value, not %d", b->n);
    rc = rowid_bound(c, b->vals[0], upper, b->inclusive != 0, &rowid);
    if (rc != 0) return rc == 1 ? 0 : rc;
    lvt_key_rowid_put(rk, rowid);
    lvt_buf_append(out, rk, sizeof rk);
  } else {
    rc = lvt_tab_probe(c->tbl, c->index, b->vals, b->n, out);
    if (rc != LVT_OK) return rc;
    if (upper == (b->inclusive != 0) && lvt_key_prefix_successor(out) != LVT_OK)
      return upper ? 0 : -1;
  }
  if (out->oom) return lvt_err_set(LVT_NOMEM, "out of memory");
  *has = 1;
  return 0;
}

/* ------------------------------------------------------- positioning -- */

/* Compare key k with the byte string in b. */
static int key_cmp(const MDB_val *k, const lvt_buf *b)
{
  size_t n = k->mv_size < b->n ? k->mv_size : b->n;
  int d = n ? memcmp(k->mv_data, b->p, n) : 0;
  if (d) return d;
  return (k->mv_size > b->n) - (k->mv_size < b->n);
}

/* Finish a move: mrc is the LMDB result.  Inside [S, E) the cursor is on
 * the entry (key copied: the copy is what a re-seek after a write starts
 * from, and the map pointer may die with that write; the copy goes
 * straight into the buffer when it fits, as it does after the first row);
 * outside or past the end it is off the range. */
static int cur_land(lvt_cursor *c, int mrc, const MDB_val *k, const MDB_val *d)
{
  c->on = 0;
  if (!c->rdonly) c->wseq = lvt_tab_wseq;
  if (mrc == MDB_NOTFOUND) return LVT_NOTFOUND;
  if (mrc != 0) return lvt_err_mdb(mrc, "cursor step");
  if ((c->has_lo && key_cmp(k, &c->lo) < 0) || (c->has_hi && key_cmp(k, &c->hi) >= 0))
    return LVT_NOTFOUND;
  if (k->mv_size < LVT_ROWID_SIZE || (c->index < 0 && k->mv_size != LVT_ROWID_SIZE))
    return lvt_err_set(LVT_CORRUPT, "malformed key in table %s", c->tbl->s->def.name);
  if (k->mv_size == LVT_ROWID_SIZE && c->key.cap >= LVT_ROWID_SIZE) {
    memcpy(c->key.p, k->mv_data, LVT_ROWID_SIZE);     /* a table key: inlined */
    c->key.n = LVT_ROWID_SIZE;
  } else if (k->mv_size <= c->key.cap) {
    memcpy(c->key.p, k->mv_data, k->mv_size);
    c->key.n = k->mv_size;
  } else {
    lvt_buf_reset(&c->key);
    lvt_buf_append(&c->key, k->mv_data, k->mv_size);
    if (c->key.oom) return lvt_err_set(LVT_NOMEM, "out of memory");
  }
  c->data = *d;
  c->on = 1;
  return LVT_OK;
}

/* Seek to the first key >= target (or, with before, the last key <
 * target); target NULL: the first (last) key of the sub-database. */
static int cur_seek(lvt_cursor *c, const lvt_buf *target, int before)
{
  MDB_val k, d;
  int mrc;

  if (target == NULL) {
    mrc = mdb_cursor_get(c->mc, &k, &d, before ? MDB_LAST : MDB_FIRST);
    return cur_land(c, mrc, &k, &d);
  }
  /* A bound longer than LMDB's largest key (a lookup value too long for
   * any entry) is sought by its first LVT_MAX_KEY bytes: every key at or
   * after that prefix and below the bound equals the prefix, so at most one
   * step finds the first key at or after the bound. */
  k.mv_size = target->n < LVT_MAX_KEY ? target->n : LVT_MAX_KEY;
  k.mv_data = target->p;
  mrc = mdb_cursor_get(c->mc, &k, &d, MDB_SET_RANGE);
  while (mrc == 0 && key_cmp(&k, target) < 0) mrc = mdb_cursor_get(c->mc, &k, &d, MDB_NEXT);
  if (before) {
    if (mrc == 0) mrc = mdb_cursor_get(c->mc, &k, &d, MDB_PREV);
    else if (mrc == MDB_NOTFOUND) mrc = mdb_cursor_get(c->mc, &k, &d, MDB_LAST);
  }
  return cur_land(c, mrc, &k, &d);
}

/* Go on from the saved key after writes: strictly past it. */
static int cur_reseek(lvt_cursor *c)
{
  MDB_val k, d;
  int mrc, rc = cur_attach(c);

  if (rc != LVT_OK) return rc;
  if (c->reverse) return cur_seek(c, &c->key, 1);
  k.mv_size = c->key.n;
  k.mv_data = c->key.p;
  mrc = mdb_cursor_get(c->mc, &k, &d, MDB_SET_RANGE);
  if (mrc == 0 && key_cmp(&k, &c->key) == 0)
    mrc = mdb_cursor_get(c->mc, &k, &d, MDB_NEXT);
  return cur_land(c, mrc, &k, &d);
}

/* Position on the first entry of [lo, hi] (the last when reverse). */
int lvt_cursor_range(lvt_cursor *c, const lvt_bound *lo, const lvt_bound *hi,
                     int reverse)
{
  int rc;

  if (c == NULL) return lvt_err_set(LVT_MISUSE, "lvt_cursor_range: NULL cursor");
  c->on = 0;
  c->reverse = reverse != 0;
  rc = cur_attach(c);
  if (rc == LVT_OK) rc = cur_bound(c, lo, 0, &c->lo, &c->has_lo);
  if (rc == 0) rc = cur_bound(c, hi, 1, &c->hi, &c->has_hi);
  if (rc == -1) return LVT_NOTFOUND;
  if (rc != LVT_OK) return rc;
  if (c->has_lo && c->has_hi) {
    MDB_val lo_key = { c->lo.n, c->lo.p };
    if (key_cmp(&lo_key, &c->hi) >= 0) return LVT_NOTFOUND;
  }
  if (c->reverse) return cur_seek(c, c->has_hi ? &c->hi : NULL, 1);
  return cur_seek(c, c->has_lo ? &c->lo : NULL, 0);
}

/* Step to the next entry of the range. */
int lvt_cursor_next(lvt_cursor *c)
{
  MDB_val k, d;
  int mrc;

  if (c == NULL) return lvt_err_set(LVT_MISUSE, "lvt_cursor_next: NULL cursor");
  if (!c->on) return LVT_NOTFOUND;
  if (!cur_fresh(c)) return cur_reseek(c);
  mrc = mdb_cursor_get(c->mc, &k, &d, c->reverse ? MDB_PREV : MDB_NEXT);
  return cur_land(c, mrc, &k, &d);
}

/* ---------------------------------------------------------- the row -- */

/* The rowid under the cursor: the table key, or an index entry's tail. */
int lvt_cursor_rowid(lvt_cursor *c, int64_t *rowid)
{
  if (c == NULL || rowid == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_cursor_rowid: NULL argument");
  if (!c->on) return lvt_err_set(LVT_NOTFOUND, "the cursor is not on an entry");
  *rowid = lvt_key_rowid_get(c->key.p + c->key.n - LVT_ROWID_SIZE);
  return LVT_OK;
}

/* The row under the cursor.  Straight from the cursor when nothing was
 * written since it moved; else looked up again (LVT_NOTFOUND if the row
 * was deleted meanwhile). */
int lvt_cursor_row(lvt_cursor *c, lvt_row *row)
{
  int64_t rowid;
  int rc, fresh;

  if (row) row->rec = NULL;
  rc = lvt_cursor_rowid(c, &rowid);
  if (rc != LVT_OK || row == NULL) return rc != LVT_OK ? rc :
      lvt_err_set(LVT_MISUSE, "lvt_cursor_row: NULL row");
  fresh = cur_fresh(c);
  if (c->index < 0 && fresh) {
    row->rowid = rowid;
    row->tbl = c->tbl;
    row->rec = c->data.mv_data;
    row->nrec = c->data.mv_size;
    return LVT_OK;
  }
  rc = lvt_get(c->txn, c->tbl, rowid, row);
  if (rc == LVT_NOTFOUND && fresh && c->index >= 0)
    return lvt_err_set(LVT_CORRUPT, "index %s of table %s has an entry for "
                       "missing row %lld", c->tbl->s->def.idx[c->index].name,
                       c->tbl->s->def.name, (long long)rowid);
  return rc;
}
