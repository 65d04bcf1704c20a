/*
 * check.c -- integrity check of a table and its indexes (lvt_check_*).
 *
 * What is checked, against the storage layout of table.c (top of that
 * file) and the catalog's definition of the table:
 *
 *   catalog    the sub-databases the catalog names for the table and its
 *              indexes exist (lvt_tab_sync refuses the handle otherwise);
 *              no record has more columns than the definition;
 *   rows       every key of the table is an 8-byte rowid; every record
 *              decodes (lvt_rec_check); NOT NULL columns hold no NULL; an
 *              INTEGER PRIMARY KEY column holds the row's rowid;
 *   row->index every row has, in every index, the entry it makes: built
 *              by table.c's own builder (lvt_tab_entry: its key columns
 *              through the key codec with their DESC flag and collation,
 *              then the 8-byte rowid), so the check cannot drift from what
 *              writes produce;
 *   index->row every entry decodes (one key value per index column, then
 *              8 bytes), names a row that exists, and is the entry that
 *              row makes (so no stale entry survives an update);
 *              consecutive entries of a unique index never share their key
 *              columns unless one of them is NULL.
 *
 * Rows walk the table once and look each entry up (one mdb_get per row and
 * index); entries walk each index once and fetch their row.  Both walks
 * together prove the index is exactly the set of entries the rows make.
 * Nothing is written; the check reads through the caller's transaction
 * (which must not write while it runs).
 *
 * Problems are reported one line each, worded after SQLite's PRAGMA
 * integrity_check where there is an equivalent ("row 5 missing from index
 * t_a", "NULL value in t.b", "non-unique entry in index t_u").
 */
#include "table_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* One check in progress. */
typedef struct chk {
  lvt_txn *txn;
  lvt_table *t;
  const lvt_table_def *d;
  MDB_txn *mt;
  lvt_check_fn fn;
  void *ctx;
  unsigned long nproblems;
  int stop;                 /* fn asked to stop */
  lvt_value *vals;          /* columns of the current row */
  lvt_buf ent;              /* an entry built from a row (lvt_tab_entry) */
  lvt_buf prev;             /* previous entry of a unique index */
  lvt_buf scratch;          /* text decoded from keys */
} chk;

/* Report one problem (formatted); sets c->stop when fn says so. */
static void chk_report(chk *c, const char *fmt, ...) LVT_PRINTF(2, 3);
static void chk_report(chk *c, const char *fmt, ...)
{
  char line[640];
  va_list ap;

  if (c->stop) return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  c->nproblems++;
  if (c->fn && c->fn(c->ctx, line) != 0) c->stop = 1;
}

/* Decode the record rec of row rowid into c->vals (absent trailing columns
 * read as their DEFAULT).  LVT_OK, or LVT_CORRUPT after reporting why. */
static int chk_decode(chk *c, const MDB_val *rec, int64_t rowid, int report)
{
  const lvt_table_def *d = c->d;
  int n, i, rc;

  if (lvt_rec_check(rec->mv_data, rec->mv_size) != LVT_OK ||
      (n = lvt_rec_count(rec->mv_data, rec->mv_size)) < 0) {
    if (report)
      chk_report(c, "undecodable record of row %" PRId64 " in table %s", rowid, d->name);
    return LVT_CORRUPT;
  }
  if (n > d->ncol) {
    if (report)
      chk_report(c, "row %" PRId64 " of table %s has %d columns; the catalog defines %d",
                 rowid, d->name, n, d->ncol);
    return LVT_CORRUPT;
  }
  for (i = 0; i < d->ncol; i++) {
    rc = lvt_rec_column(rec->mv_data, rec->mv_size, i, &c->vals[i]);
    if (rc == LVT_NOTFOUND) {
      c->vals[i] = d->cols[i].dflt;
      if (!d->cols[i].has_default) c->vals[i].type = LVT_NULL;
    } else if (rc != LVT_OK) {
      if (report)
        chk_report(c, "undecodable column %s of row %" PRId64 " in table %s",
                   d->cols[i].name, rowid, d->name);
      return LVT_CORRUPT;
    }
  }
  return LVT_OK;
}

/* Check one row (key, record) and look its entries up in every index. */
static int chk_row(chk *c, const MDB_val *key, const MDB_val *rec)
{
  const lvt_table_def *d = c->d;
  MDB_val ek, ev;
  int64_t rowid;
  int i, k, mrc, rc;

  if (key->mv_size != LVT_ROWID_SIZE) {
    chk_report(c, "undecodable key of %zu bytes in table %s", key->mv_size, d->name);
    return LVT_OK;
  }
  rowid = lvt_key_rowid_get(key->mv_data);
  if (chk_decode(c, rec, rowid, 1) != LVT_OK) return LVT_OK;
  for (i = 0; i < d->ncol; i++)
    if (d->cols[i].notnull && i != d->ipk && c->vals[i].type == LVT_NULL)
      chk_report(c, "NULL value in %s.%s (row %" PRId64 ")", d->name, d->cols[i].name, rowid);
  if (d->ipk >= 0 && (c->vals[d->ipk].type != LVT_INTEGER || c->vals[d->ipk].u.i != rowid))
    chk_report(c, "INTEGER PRIMARY KEY %s.%s of row %" PRId64 " does not hold its rowid",
               d->name, d->cols[d->ipk].name, rowid);
  for (k = 0; k < d->nidx && !c->stop; k++) {
    rc = lvt_tab_entry(c->t, k, c->vals, rowid, &c->ent);
    if (rc == LVT_NOMEM) return rc;
    if (rc != LVT_OK) {
      chk_report(c, "row %" PRId64 " of table %s can have no entry in index %s: %s",
                 rowid, d->name, d->idx[k].name, lvt_errmsg());
      continue;
    }
    ek.mv_size = c->ent.n;
    ek.mv_data = c->ent.p;
    mrc = mdb_get(c->mt, c->t->idbi[k], &ek, &ev);
    if (mrc == MDB_NOTFOUND)
      chk_report(c, "row %" PRId64 " missing from index %s", rowid, d->idx[k].name);
    else if (mrc != 0)
      return lvt_err_mdb(mrc, "integrity check: index lookup");
  }
  return LVT_OK;
}

/* Walk the table: every row, and its entries. */
static int chk_rows(chk *c)
{
  MDB_cursor *cur = NULL;
  MDB_val key, val;
  int mrc, rc = LVT_OK;

  mrc = mdb_cursor_open(c->mt, c->t->dbi, &cur);
  if (mrc != 0) return lvt_err_mdb(mrc, "integrity check: mdb_cursor_open");
  for (mrc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); mrc == 0 && rc == LVT_OK && !c->stop;
       mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    rc = chk_row(c, &key, &val);
  mdb_cursor_close(cur);
  if (rc == LVT_OK && mrc != 0 && mrc != MDB_NOTFOUND)
    rc = lvt_err_mdb(mrc, "integrity check: reading the table");
  return rc;
}

/* Decode the key columns of entry p[0..n-1] of index x (which ends with a
 * rowid): *pnull tells whether one of them is NULL.  LVT_OK when the
 * columns take exactly the bytes before the rowid, LVT_NOMEM, else
 * LVT_CORRUPT. */
static int chk_decode_entry(chk *c, const lvt_index_def *x, const unsigned char *p,
                            size_t n, int *pnull)
{
  size_t off = 0, used;
  lvt_value v;
  int j, rc;

  *pnull = 0;
  if (n < LVT_ROWID_SIZE) return LVT_CORRUPT;
  n -= LVT_ROWID_SIZE;
  for (j = 0; j < x->ncol; j++) {
    lvt_buf_reset(&c->scratch);
    rc = lvt_key_decode(p + off, n - off, x->desc ? x->desc[j] : 0, &v, &used,
                        &c->scratch);
    if (rc != LVT_OK) return rc == LVT_NOMEM ? rc : LVT_CORRUPT;
    if (v.type == LVT_NULL) *pnull = 1;
    off += used;
  }
  return off == n ? LVT_OK : LVT_CORRUPT;
}

/* Check one entry of index k: it decodes, a unique index has no other
 * entry with its key columns just before it, its row exists and makes
 * exactly this entry. */
static int chk_entry_row(chk *c, int k, const MDB_val *key)
{
  const lvt_index_def *x = &c->d->idx[k];
  const unsigned char *p = key->mv_data;
  unsigned char kb[LVT_ROWID_SIZE];
  MDB_val rk, rec;
  int64_t rowid, prev_rowid;
  int mrc, rc, has_null;
  size_t plen;

  if ((rc = chk_decode_entry(c, x, p, key->mv_size, &has_null)) != LVT_OK) {
    if (rc == LVT_NOMEM) return rc;
    if (key->mv_size >= LVT_ROWID_SIZE)
      chk_report(c, "undecodable entry in index %s (for row %" PRId64 ")", x->name,
                 lvt_key_rowid_get(p + key->mv_size - LVT_ROWID_SIZE));
    else
      chk_report(c, "undecodable entry of %zu bytes in index %s", key->mv_size, x->name);
    lvt_buf_reset(&c->prev);
    return LVT_OK;
  }
  plen = key->mv_size - LVT_ROWID_SIZE;
  rowid = lvt_key_rowid_get(p + plen);
  if (x->unique && !has_null && c->prev.n == key->mv_size &&
      memcmp(c->prev.p, p, plen) == 0) {
    prev_rowid = lvt_key_rowid_get(c->prev.p + plen);
    chk_report(c, "non-unique entry in index %s: rows %" PRId64 " and %" PRId64,
               x->name, prev_rowid, rowid);
  }
  lvt_buf_reset(&c->prev);
  lvt_buf_append(&c->prev, p, key->mv_size);
  if (c->prev.oom) return lvt_err_set(LVT_NOMEM, "out of memory");

  lvt_key_rowid_put(kb, rowid);
  rk.mv_size = sizeof kb;
  rk.mv_data = kb;
  mrc = mdb_get(c->mt, c->t->dbi, &rk, &rec);
  if (mrc == MDB_NOTFOUND) {
    chk_report(c, "index %s has an entry for row %" PRId64 ", which is not in table %s",
               x->name, rowid, c->d->name);
    return LVT_OK;
  }
  if (mrc != 0) return lvt_err_mdb(mrc, "integrity check: row lookup");
  if (chk_decode(c, &rec, rowid, 0) != LVT_OK) return LVT_OK;   /* reported by chk_rows */
  rc = lvt_tab_entry(c->t, k, c->vals, rowid, &c->ent);
  if (rc == LVT_NOMEM) return rc;
  if (rc != LVT_OK) return LVT_OK;                                /* reported by chk_rows */
  if (c->ent.n != key->mv_size || memcmp(c->ent.p, p, key->mv_size) != 0)
    chk_report(c, "index %s has an entry for row %" PRId64 " that does not match the row",
               x->name, rowid);
  return LVT_OK;
}

/* Walk index k: every entry against its row. */
static int chk_index(chk *c, int k)
{
  MDB_cursor *cur = NULL;
  MDB_val key, val;
  int mrc, rc = LVT_OK;

  lvt_buf_reset(&c->prev);
  mrc = mdb_cursor_open(c->mt, c->t->idbi[k], &cur);
  if (mrc != 0) return lvt_err_mdb(mrc, "integrity check: mdb_cursor_open");
  for (mrc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); mrc == 0 && rc == LVT_OK && !c->stop;
       mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
    rc = chk_entry_row(c, k, &key);
  mdb_cursor_close(cur);
  if (rc == LVT_OK && mrc != 0 && mrc != MDB_NOTFOUND)
    rc = lvt_err_mdb(mrc, "integrity check: reading an index");
  return rc;
}

/* Check table t and its indexes through txn (lmdbvt.h). */
int lvt_check_table(lvt_txn *txn, lvt_table *t, lvt_check_fn fn, void *ctx,
                    unsigned long *nproblems)
{
  chk c;
  int k, rc;

  if (nproblems) *nproblems = 0;
  if (txn == NULL || t == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_check_table: NULL transaction or table");
  memset(&c, 0, sizeof c);
  c.txn = txn;
  c.t = t;
  c.fn = fn;
  c.ctx = ctx;
  rc = lvt_tab_sync(txn, t);
  if (rc == LVT_CORRUPT) {
    /* The catalog and the sub-databases disagree: that is the finding. */
    chk_report(&c, "catalog: %s", lvt_errmsg());
    if (nproblems) *nproblems = c.nproblems;
    return LVT_OK;
  }
  if (rc != LVT_OK) return rc;
  c.d = &t->s->def;
  c.mt = lvt_txn_mdb(txn);
  c.vals = lvt_calloc((size_t)c.d->ncol, sizeof *c.vals);
  if (c.vals == NULL) return lvt_err_set(LVT_NOMEM, "out of memory");
  rc = chk_rows(&c);
  for (k = 0; rc == LVT_OK && k < c.d->nidx && !c.stop; k++) rc = chk_index(&c, k);
  lvt_free(c.vals);
  lvt_buf_free(&c.ent);
  lvt_buf_free(&c.prev);
  lvt_buf_free(&c.scratch);
  if (nproblems) *nproblems = c.nproblems;
  return rc;
}
