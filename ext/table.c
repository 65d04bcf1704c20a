/*
 * table.c -- table handles, row writes with every constraint check, and
 * index maintenance.  The SQL virtual table is glue over these functions.
 *
 * Storage (lmdbvt.h top comment).  Every table is a rowid table:
 *   table sub-database "t<id>":   key  = lvt_key_rowid_put(rowid)  (8 bytes)
 *                                 data = lvt_rec_encode(all columns)
 *     (an INTEGER PRIMARY KEY column holds the rowid in the record too);
 *   index sub-database "t<id>.i<k>":
 *                                 key  = lvt_key_encode(col) for each index
 *                                        column (its DESC flag, the column's
 *                                        collation), then the 8-byte rowid
 *                                 data = empty
 * so duplicates and NULLs need no DUPSORT, a range of leading columns is a
 * cursor walk, and a unique index is checked by one prefix seek
 * (MDB_SET_RANGE on the encoded columns: an entry that starts with them and
 * carries another rowid is a conflict; a NULL column never conflicts).
 *
 * A write goes in two phases.  Checking: the INTEGER PRIMARY KEY's type
 * (LVT_MISMATCH), NOT NULL, affinity (strict: LVT_MISMATCH), the rowid
 * (integer, or max + 1), every index entry (size, NaN), the record, then
 * conflicts on the rowid and on every unique index.  Writing starts only
 * when all of that passed, so a failed operation changes nothing.
 *
 * Check order.  When several checks would fail, the one reported is the
 * one SQLite reports for an ordinary table with the same constraints,
 * because SQLite checks in this order and stops at the first failure:
 *   1. the new rowid must be an integer (SQLite's OP_MustBeInt runs before
 *      any constraint, so this is "datatype mismatch" in every conflict
 *      mode, OR IGNORE included);
 *   2. NOT NULL, column by column in declaration order (under REPLACE
 *      the columns without a DEFAULT first: tab_notnull), and only then
 *      a STRICT table's types;
 *   3. the rowid (INTEGER PRIMARY KEY) uniqueness;
 *   4. the unique indexes in the order of SQLite's list of the table's
 *      indexes, which is the reverse of their creation order: SQLite puts
 *      every new index at the head of the list, so the constraint declared
 *      last in CREATE TABLE (and an index created later still) is checked
 *      first.  The catalog keeps indexes in creation order (the SQL glue
 *      declares them in argument order, as CREATE TABLE creates them), so
 *      they are checked from the last to the first.  CREATE TABLE also
 *      drops a UNIQUE or PRIMARY KEY constraint whose columns repeat an
 *      earlier one (sort order aside): the earlier index takes its place
 *      and, for a PRIMARY KEY, its code.  Here both exist; the later one is
 *      not checked on its own, the earlier one is checked in its place and
 *      fails as a primary key if either is one (tab_check_order).
 * Under REPLACE the rows in the way are collected in that same order.
 * Conflict resolution:
 *   LVT_CONFLICT_ABORT    LVT_PRIMARYKEY for the rowid and the primary-key
 *                         index, LVT_UNIQUE for other unique indexes, worded
 *                         as SQLite: "UNIQUE constraint failed: t.a, t.b";
 *   LVT_CONFLICT_REPLACE  every conflicting row (on the rowid, on each unique
 *                         index: possibly several different rows) is deleted
 *                         with its index entries, then the row is written.
 *                         A NOT NULL violation is still an error: SQLite's
 *                         REPLACE substitutes the column DEFAULT, which the
 *                         SQL glue does before calling here;
 *   LVT_CONFLICT_IGNORE   nothing is written, LVT_IGNORED is returned; as in
 *                         SQLite this covers NOT NULL too (not type errors).
 * Errors that are not conflicts (types, sizes, NaN) fail in every mode.
 *
 * Other decisions, where lmdbvt.h leaves room:
 *  - NaN: SQLite stores a NaN as NULL, and so does this file, except in a
 *    column that is part of an index, where a C caller gets LVT_NAN.
 *  - rowids: NULL gets max + 1 (1 in an empty table), never a random one;
 *    at INT64_MAX that is LVT_FULL "database or disk is full".  A rowid
 *    given as a REAL with an integral value or as numeric TEXT is taken
 *    (INTEGER affinity); anything else is LVT_MISMATCH "datatype mismatch".
 *    An update that sets the INTEGER PRIMARY KEY to NULL is a "datatype
 *    mismatch" too, as in SQLite, unless new_rowid says where the row goes.
 *  - lookups (lvt_get_by_index, cursor bounds) convert their values as
 *    SQLite converts the operand of a comparison with the column, and a
 *    NULL key matches NULL entries (index order, not SQL's "=").
 *  - an update writes only the index entries whose bytes change (so under
 *    NOCASE, 'abc' -> 'ABC' rewrites the record and no entry).
 *
 * All writes go through lvt_txn_put / lvt_txn_del (env.c logs them to grow
 * the map and replay): after one, pointers into the map are stale and the
 * MDB_txn may be a new one, so cursors kept during an operation are dropped
 * when the replay generation (lvt_txn_gen) or lvt_txn_mdb() changes (LMDB
 * freed them with the old transaction).
 */
#include "table_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MODE_MASK 0xff

static const unsigned char empty_val[1];

/* ------------------------------------------------------------ scratch -- */

/* Free the scratch arrays of t (sized for its current schema). */
static void tab_free_scratch(lvt_table *t, int ncol, int nidx)
{
  int i;

  for (i = 0; t->conv && i < ncol; i++) lvt_buf_free(&t->conv[i]);
  for (i = 0; t->inew && i < nidx; i++) lvt_buf_free(&t->inew[i]);
  for (i = 0; t->iold && i < nidx; i++) lvt_buf_free(&t->iold[i]);
  lvt_free(t->vals);
  lvt_free(t->ovals);
  lvt_free(t->conv);
  lvt_free(t->inew);
  lvt_free(t->iold);
  lvt_free(t->ichg);
  lvt_free(t->uorder);
  lvt_free(t->upk);
  lvt_free(t->victims);
  lvt_free(t->curs);
  lvt_free(t->idbi);
  lvt_free(t->indexed);
  t->indexed = NULL;
  t->vals = t->ovals = NULL;
  t->conv = t->inew = t->iold = NULL;
  t->ichg = NULL;
  t->uorder = NULL;
  t->upk = NULL;
  t->nuorder = 0;
  t->victims = NULL;
  t->curs = NULL;
  t->idbi = NULL;
}

/* Do unique indexes a and b have the same key columns in the same order?
 * (SQLite's test for a redundant constraint; ASC/DESC does not count, and
 * an index column always has its column's collation here.) */
static int same_key(const lvt_index_def *a, const lvt_index_def *b)
{
  int j;

  if (a->ncol != b->ncol) return 0;
  for (j = 0; j < a->ncol; j++)
    if (a->cols[j] != b->cols[j]) return 0;
  return 1;
}

/* Fill t->uorder with the unique indexes in the order SQLite checks them
 * (top of this file): from the last created to the first, an index whose
 * key repeats an earlier one's left out (the earlier one stands for it),
 * and t->upk[k] set when index k, or one it stands for, is the primary
 * key. */
static void tab_check_order(lvt_table *t)
{
  const lvt_table_def *d = &t->s->def;
  int k, j, dup;

  t->nuorder = 0;
  for (k = d->nidx - 1; k >= 0; k--) {
    if (!d->idx[k].unique) continue;
    for (j = dup = 0; j < k && !dup; j++)
      dup = d->idx[j].unique && same_key(&d->idx[j], &d->idx[k]);
    if (dup) continue;
    t->upk[k] = (unsigned char)(d->idx[k].primary != 0);
    for (j = k + 1; j < d->nidx; j++)
      if (d->idx[j].unique && d->idx[j].primary && same_key(&d->idx[j], &d->idx[k]))
        t->upk[k] = 1;
    t->uorder[t->nuorder++] = k;
  }
}

/* Allocate the scratch arrays for the current schema.  No cursor may be
 * open (they are per operation, and schemas change between operations). */
static int tab_alloc(lvt_table *t)
{
  const lvt_table_def *d = &t->s->def;
  size_t nc = (size_t)d->ncol, ni = (size_t)d->nidx;
  int k, j;

  t->vals = lvt_calloc(nc, sizeof *t->vals);
  t->ovals = lvt_calloc(nc, sizeof *t->ovals);
  t->conv = lvt_calloc(nc, sizeof *t->conv);
  t->inew = lvt_calloc(ni + 1, sizeof *t->inew);
  t->iold = lvt_calloc(ni + 1, sizeof *t->iold);
  t->ichg = lvt_calloc(ni + 1, 1);
  t->uorder = lvt_calloc(ni + 1, sizeof *t->uorder);
  t->upk = lvt_calloc(ni + 1, 1);
  t->victims = lvt_calloc(ni + 1, sizeof *t->victims);
  t->curs = lvt_calloc(ni + 1, sizeof *t->curs);
  t->idbi = lvt_calloc(ni + 1, sizeof *t->idbi);
  t->indexed = lvt_calloc(nc, 1);
  t->ncol_alloc = (int)nc;
  t->nidx_alloc = (int)ni;
  if (!t->vals || !t->ovals || !t->conv || !t->inew || !t->iold || !t->ichg ||
      !t->uorder || !t->upk || !t->victims || !t->curs || !t->idbi || !t->indexed)
    return lvt_err_set(LVT_NOMEM, "out of memory");
  tab_check_order(t);
  for (k = 0; k < d->nidx; k++)
    for (j = 0; j < d->idx[k].ncol; j++) t->indexed[d->idx[k].cols[j]] = 1;
  return LVT_OK;
}

/* Make s the schema of t.  The previous one is kept until close, since the
 * caller may hold pointers from lvt_table_schema(). */
static int tab_install(lvt_table *t, lvt_schema *s)
{
  lvt_schema **old;

  if (t->s) {
    old = lvt_realloc(t->old, ((size_t)t->nold + 1) * sizeof *old);
    if (old == NULL) {
      lvt_schema_free(s);
      return lvt_err_set(LVT_NOMEM, "out of memory");
    }
    t->old = old;
    t->old[t->nold++] = t->s;
    tab_free_scratch(t, t->ncol_alloc, t->nidx_alloc);
  }
  t->s = s;
  return tab_alloc(t);
}

/* ------------------------------------------------- freshness (sync) -- */

/* Fetch the sub-database handles of t in txn. */
static int tab_dbis(lvt_txn *txn, lvt_table *t)
{
  char name[LVT_CAT_DBNAME];
  int k, rc;

  lvt_cat_dbname(name, t->s->id, -1);
  rc = lvt_txn_dbi(txn, name, 0, &t->dbi);
  for (k = 0; rc == LVT_OK && k < t->s->def.nidx; k++) {
    lvt_cat_dbname(name, t->s->id, t->s->idx_id[k]);
    rc = lvt_txn_dbi(txn, name, 0, &t->idbi[k]);
  }
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(LVT_CORRUPT, "sub-database %s of table %s is missing",
                       name, t->s->def.name);
  return rc;
}

/* Read the definition of t again (generation gen); keep the current one
 * when the catalog record is byte for byte the same. */
static int tab_reload(lvt_txn *txn, lvt_table *t, uint64_t gen)
{
  lvt_schema *ns = NULL;
  int rc = lvt_cat_load(txn, NULL, t->s->id, &ns);

  if (rc == LVT_NOTABLE)
    return lvt_err_set(rc, "no such table: %s (dropped)", t->s->def.name);
  if (rc != LVT_OK) return rc;
  ns->gen = gen;
  if (ns->nraw == t->s->nraw && memcmp(ns->raw, t->s->raw, ns->nraw) == 0) {
    t->s->gen = gen;
    lvt_schema_free(ns);
    return LVT_OK;
  }
  return tab_install(t, ns);
}

/* The slow path of lvt_tab_sync: read the catalog generation, reload the
 * definition when it moved (or when it was read inside a transaction that
 * changed schemas and may have aborted since), refresh the handles. */
static int tab_resync(lvt_txn *txn, lvt_table *t, MDB_txn *mt)
{
  uint64_t changes = atomic_load(&lvt_cat_changes), gen;
  size_t id = mdb_txn_id(mt);
  unsigned g = lvt_txn_gen(txn);
  int same = txn == t->chk_txn && mt == t->chk_mtxn && id == t->chk_id &&
             g == t->chk_gen;
  /* The handles resolved by the last successful check, made in a read
   * transaction, stay valid for a new read transaction when the generation
   * did not move: a read transaction only resolves published handles, and
   * only a committed schema change (which moves the generation) retires
   * one.  (After a write transaction, a handle it opened may have died
   * with an abort: look them up again.)  A read transaction on the very
   * snapshot that check read (same LMDB txn id: nothing committed since)
   * has the same catalog, so its generation need not be read again. */
  int keep = t->chk_mtxn != NULL && !t->chk_write && lvt_txn_readonly(txn);
  int rc;

  if (lvt_txn_env(txn) != t->env)
    return lvt_err_set(LVT_MISUSE, "table %s used with a transaction of "
                       "another environment", t->s->def.name);
  t->chk_mtxn = NULL;
  if (keep && id == t->chk_id) {
    gen = t->s->gen;
    rc = LVT_OK;
  } else {
    rc = lvt_cat_gen(txn, &gen);
  }
  if (rc == LVT_OK && (gen != t->s->gen || (t->tentative && !same))) {
    rc = tab_reload(txn, t, gen);
    same = keep = 0;
  }
  if (rc == LVT_OK && !same && !keep) rc = tab_dbis(txn, t);
  if (rc != LVT_OK) return rc;
  t->chk_txn = txn;
  t->chk_mtxn = mt;
  t->chk_id = id;
  t->chk_gen = g;
  t->chk_changes = changes;
  t->chk_write = !lvt_txn_readonly(txn);
  t->tentative = t->chk_write && id == atomic_load(&lvt_cat_dirty_txnid);
  return LVT_OK;
}

/* Make t usable in txn (table_int.h).  The fast path compares a few words;
 * the catalog is read once per transaction, and at every operation of a
 * transaction that changed schemas. */
int lvt_tab_sync(lvt_txn *txn, lvt_table *t)
{
  MDB_txn *mt;

  if (txn == NULL || t == NULL)
    return lvt_err_set(LVT_MISUSE, "NULL transaction or table handle");
  mt = lvt_txn_mdb(txn);
  if (mt == NULL)
    return lvt_err_set(LVT_BUSY, "the transaction was lost (another process "
                       "committed while the map grew): abort it and retry");
  if (mt == t->chk_mtxn && txn == t->chk_txn && lvt_txn_gen(txn) == t->chk_gen &&
      atomic_load_explicit(&lvt_cat_changes, memory_order_relaxed) == t->chk_changes &&
      mdb_txn_id(mt) == t->chk_id &&
      !(t->chk_write &&
        t->chk_id == atomic_load_explicit(&lvt_cat_dirty_txnid, memory_order_relaxed)))
    return LVT_OK;
  return tab_resync(txn, t, mt);
}

/* Sync t to txn and require a write transaction. */
static int tab_sync_write(lvt_txn *txn, lvt_table *t)
{
  int rc = lvt_tab_sync(txn, t);
  if (rc != LVT_OK) return rc;
  if (lvt_txn_readonly(txn))
    return lvt_err_set(LVT_READONLY, "attempt to write a readonly database");
  return LVT_OK;
}

/* ------------------------------------------------------ tables (API) -- */

/* Create a table (catalog entry and sub-databases) in txn. */
int lvt_table_create(lvt_txn *txn, const lvt_table_def *def)
{
  if (txn == NULL || def == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_table_create: NULL argument");
  return lvt_cat_create(txn, def);
}

/* Drop a table with its indexes and data. */
int lvt_table_drop(lvt_txn *txn, const char *name)
{
  if (txn == NULL || name == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_table_drop: NULL argument");
  return lvt_cat_drop(txn, name);
}

/* Rename a table; only the catalog changes. */
int lvt_table_rename(lvt_txn *txn, const char *from, const char *to)
{
  if (txn == NULL || from == NULL || to == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_table_rename: NULL argument");
  return lvt_cat_rename(txn, from, to);
}

/* Open a handle on table `name`; the caller owns *tblp (lvt_table_close). */
int lvt_table_open(lvt_txn *txn, const char *name, lvt_table **tblp)
{
  lvt_schema *s = NULL;
  lvt_table *t;
  int rc;

  if (tblp) *tblp = NULL;
  if (txn == NULL || name == NULL || tblp == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_table_open: NULL argument");
  rc = lvt_cat_load(txn, name, 0, &s);
  if (rc != LVT_OK) return rc;
  t = lvt_calloc(1, sizeof *t);
  if (t == NULL) {
    lvt_schema_free(s);
    return lvt_err_set(LVT_NOMEM, "out of memory");
  }
  t->env = lvt_txn_env(txn);
  rc = tab_install(t, s);
  if (rc == LVT_OK) rc = lvt_tab_sync(txn, t);
  if (rc != LVT_OK) {
    lvt_table_close(t);
    return rc;
  }
  *tblp = t;
  return LVT_OK;
}

/* Release a handle and everything it owns (NULL: nothing). */
void lvt_table_close(lvt_table *t)
{
  int i;

  if (t == NULL) return;
  if (t->s) tab_free_scratch(t, t->ncol_alloc, t->nidx_alloc);
  for (i = 0; i < t->nold; i++) lvt_schema_free(t->old[i]);
  lvt_free(t->old);
  lvt_schema_free(t->s);
  lvt_buf_free(&t->rec);
  lvt_buf_free(&t->vrec);
  lvt_buf_free(&t->ent);
  lvt_buf_free(&t->probe);
  lvt_buf_free(&t->pconv);
  lvt_buf_free(&t->kscratch);
  lvt_free(t);
}

/* The current definition; owned by the handle (valid until close). */
const lvt_table_def *lvt_table_schema(const lvt_table *t)
{
  return t ? &t->s->def : NULL;
}

/* Column number of `name`, or -1. */
int lvt_table_column(const lvt_table *t, const char *name)
{
  int i;
  if (t == NULL || name == NULL) return -1;
  for (i = 0; i < t->s->def.ncol; i++)
    if (lvt_name_eq(t->s->def.cols[i].name, name)) return i;
  return -1;
}

/* Index number of `name`, or -1. */
int lvt_table_index(const lvt_table *t, const char *name)
{
  int i;
  if (t == NULL || name == NULL) return -1;
  for (i = 0; i < t->s->def.nidx; i++)
    if (lvt_name_eq(t->s->def.idx[i].name, name)) return i;
  return -1;
}

/* ------------------------------------------------ operation cursors -- */

/* Forget cursors of an MDB_txn that was replaced (LMDB freed them).  The
 * replay generation tells, not the pointer: LMDB reuses MDB_txn objects. */
static void tab_curs_check(lvt_txn *txn, lvt_table *t)
{
  MDB_txn *mt = lvt_txn_mdb(txn);
  unsigned g = lvt_txn_gen(txn);

  if (t->curs_txn != mt || t->curs_gen != g) {
    memset(t->curs, 0, ((size_t)t->nidx_alloc + 1) * sizeof *t->curs);
    t->curs_txn = mt;
    t->curs_gen = g;
  }
}

/* Cursor on index k (k == nidx: the table) for the current operation;
 * tab_curs_done closes it. */
static int tab_cursor(lvt_txn *txn, lvt_table *t, int k, MDB_cursor **out)
{
  int mrc;

  tab_curs_check(txn, t);
  if (t->curs[k] == NULL) {
    MDB_dbi dbi = k == t->s->def.nidx ? t->dbi : t->idbi[k];
    mrc = mdb_cursor_open(t->curs_txn, dbi, &t->curs[k]);
    if (mrc != 0) {
      t->curs[k] = NULL;
      return lvt_err_mdb(mrc, "mdb_cursor_open");
    }
  }
  *out = t->curs[k];
  return LVT_OK;
}

/* Close the cursors of the operation that ends. */
static void tab_curs_done(lvt_txn *txn, lvt_table *t)
{
  int k;

  if (t->curs_txn == lvt_txn_mdb(txn) && t->curs_gen == lvt_txn_gen(txn))
    for (k = 0; k <= t->nidx_alloc; k++)
      if (t->curs[k]) mdb_cursor_close(t->curs[k]);
  memset(t->curs, 0, ((size_t)t->nidx_alloc + 1) * sizeof *t->curs);
  t->curs_txn = NULL;
}

/* ------------------------------------------------------------ writes -- */

/* Put key -> val; every row and index write goes through here (cur: a
 * cursor of this operation on dbi, see lvt_txn_cursor_put, or NULL). */
static int tab_put_at(lvt_txn *txn, MDB_cursor *cur, MDB_dbi dbi, const void *k,
                      size_t nk, const void *v, size_t nv, unsigned flags)
{
  MDB_val key = { nk, (void *)k }, val = { nv, (void *)(v ? v : empty_val) };
  lvt_tab_wseq++;
  return lvt_txn_cursor_put(txn, cur, dbi, &key, &val, flags);
}

static int tab_put(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk,
                   const void *v, size_t nv, unsigned flags)
{
  return tab_put_at(txn, NULL, dbi, k, nk, v, nv, flags);
}

/* The cursor of this operation on index k (k == nidx: the table) if one
 * was opened in the current MDB_txn (by a conflict probe), else NULL. */
static MDB_cursor *tab_open_cursor(lvt_txn *txn, lvt_table *t, int k)
{
  if (t->curs_txn == NULL || t->curs_txn != lvt_txn_mdb(txn) ||
      t->curs_gen != lvt_txn_gen(txn))
    return NULL;
  return t->curs[k];
}

/* Delete key; a missing key is no error (an entry already gone). */
static int tab_del(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk)
{
  MDB_val key = { nk, (void *)k };
  int rc;

  lvt_tab_wseq++;
  rc = lvt_txn_del(txn, dbi, &key);
  return rc == LVT_NOTFOUND ? LVT_OK : rc;
}

/* ------------------------------------------------- row preparation -- */

/* The column type a STRICT message names: the declared type when it is
 * one of STRICT's six (as SQLite spells them), else the affinity's name. */
static const char *strict_type(const lvt_column_def *c)
{
  static const char *const std[] = { "ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT" };
  size_t i;

  for (i = 0; c->decltype && i < sizeof std / sizeof std[0]; i++)
    if (lvt_name_eq(c->decltype, std[i])) return std[i];
  switch (c->affinity) {
  case LVT_AFF_INTEGER: return "INTEGER";
  case LVT_AFF_REAL:    return "REAL";
  case LVT_AFF_TEXT:    return "TEXT";
  case LVT_AFF_NUMERIC: return "NUMERIC";
  default:              return "ANY";
  }
}

/* Convert column i's value v by the column affinity (text made goes to
 * t->conv[i]): SQLite's storage rules, including NaN -> NULL, except that
 * a NaN for an indexed column is refused (LVT_NAN), as a C caller gets no
 * silent NULL in a key.  On a strict table a value the column's type does
 * not take is LVT_MISMATCH, worded as SQLite's STRICT tables word it; a
 * STRICT "BLOB" column takes only BLOBs, as there. */
static int tab_affinity(lvt_table *t, int i, lvt_value *v)
{
  const lvt_table_def *d = &t->s->def;
  const lvt_column_def *c = &d->cols[i];
  int rc;

  if (v->type < LVT_INTEGER || v->type > LVT_NULL)
    return lvt_err_set(LVT_MISUSE, "bad value type %d for column %s.%s", v->type,
                       d->name, c->name);
  if (v->type == LVT_NULL) return LVT_OK;
  if (v->type == LVT_REAL && isnan(v->u.r) && t->indexed[i])
    return lvt_err_set(LVT_NAN, "NaN cannot be stored in indexed column %s.%s",
                       d->name, c->name);
  lvt_buf_reset(&t->conv[i]);
  rc = lvt_value_apply_affinity(v, c->affinity, &t->conv[i]);
  if (rc == LVT_NOMEM) return lvt_err_set(rc, "out of memory");
  if (rc != LVT_OK && rc != -1) return rc;
  if (d->strict && rc == 0 && c->affinity == LVT_AFF_BLOB &&
      v->type != LVT_BLOB && v->type != LVT_NULL && !strcmp(strict_type(c), "BLOB"))
    rc = -1;
  if (rc == -1 && d->strict)
    return lvt_err_set(LVT_MISMATCH, "cannot store %s value in %s column %s.%s",
                       v->type == LVT_INTEGER ? "INT" : lvt_value_typename(v->type),
                       strict_type(c), d->name, c->name);
  return LVT_OK;
}

/* Nonzero when affinity aff stores v exactly as it is (the common case on
 * the bulk path, decided without a call): an INTEGER under INTEGER or
 * NUMERIC, TEXT under TEXT, anything but a REAL under BLOB, a REAL other
 * than 0 and NaN under REAL.  NULL is not covered (NOT NULL is checked on
 * the slow path), nor a strict BLOB column (which takes only BLOBs). */
static int aff_keeps(int aff, const lvt_value *v)
{
  switch (v->type) {
  case LVT_INTEGER: return aff == LVT_AFF_INTEGER || aff == LVT_AFF_NUMERIC ||
                           aff == LVT_AFF_BLOB;
  case LVT_TEXT:    return aff == LVT_AFF_TEXT || aff == LVT_AFF_BLOB;
  case LVT_BLOB:    return aff == LVT_AFF_BLOB;
  case LVT_REAL:    return aff == LVT_AFF_REAL && v->u.r != 0.0 && !isnan(v->u.r);
  default:          return 0;
  }
}

/* Nonzero when v is stored as NULL: NULL, or a NaN (SQLite stores a NaN
 * as NULL; see tab_affinity for indexed columns). */
static int stores_null(const lvt_value *v)
{
  return v->type == LVT_NULL || (v->type == LVT_REAL && isnan(v->u.r));
}

/* NOT NULL, in SQLite's order: column by column, before the STRICT type
 * checks and the uniqueness checks (IGNORE: LVT_IGNORED).  Under REPLACE,
 * SQLite first substitutes the DEFAULT into a NULL column that has one
 * (the SQL glue did that here) and fails on the columns without one, then
 * checks the columns with a DEFAULT again (a DEFAULT NULL still fails):
 * so the columns without a DEFAULT come first.  The INTEGER PRIMARY KEY
 * is not checked (NULL means a new rowid). */
static int tab_notnull(lvt_table *t, const lvt_value *vals, int mode)
{
  const lvt_table_def *d = &t->s->def;
  int pass, i;

  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < d->ncol; i++) {
      const lvt_column_def *c = &d->cols[i];
      if (!c->notnull || i == d->ipk || !stores_null(&vals[i])) continue;
      if (mode == LVT_CONFLICT_REPLACE && (c->has_default != 0) != pass) continue;
      if (mode == LVT_CONFLICT_IGNORE) return LVT_IGNORED;
      return lvt_err_set(LVT_NOTNULL, "NOT NULL constraint failed: %s.%s",
                         d->name, c->name);
    }
    if (mode != LVT_CONFLICT_REPLACE) break;
  }
  return LVT_OK;
}

/* Copy vals into t->vals with each column's affinity applied, after the
 * NOT NULL checks (tab_notnull).  The INTEGER PRIMARY KEY is left to
 * tab_new_rowid / tab_moved_rowid. */
static int tab_prep(lvt_table *t, const lvt_value *vals, int mode)
{
  const lvt_table_def *d = &t->s->def;
  int i, rc = tab_notnull(t, vals, mode);

  if (rc != LVT_OK) return rc;
  for (i = 0; i < d->ncol; i++) {
    t->vals[i] = vals[i];
    if (i == d->ipk) continue;
    if (aff_keeps(d->cols[i].affinity, &vals[i]) &&
        !(d->strict && d->cols[i].affinity == LVT_AFF_BLOB))
      continue;
    rc = tab_affinity(t, i, &t->vals[i]);
    if (rc != LVT_OK) return rc;
  }
  return LVT_OK;
}

/* The rowid that value v stands for: an INTEGER, or what INTEGER affinity
 * makes an INTEGER of (a REAL with an integral value, numeric text). */
static int tab_value_rowid(lvt_table *t, const lvt_value *v, int64_t *out)
{
  lvt_value x = *v;
  int rc;

  if (x.type == LVT_INTEGER) { *out = x.u.i; return LVT_OK; }
  if (x.type >= LVT_INTEGER && x.type <= LVT_BLOB) {
    lvt_buf_reset(&t->pconv);
    rc = lvt_value_apply_affinity(&x, LVT_AFF_INTEGER, &t->pconv);
    if (rc == LVT_NOMEM) return lvt_err_set(rc, "out of memory");
  }
  if (x.type != LVT_INTEGER) return lvt_err_set(LVT_MISMATCH, "datatype mismatch");
  *out = x.u.i;
  return LVT_OK;
}

/* The first check of a write, before NOT NULL and in every conflict mode
 * (SQLite's OP_MustBeInt runs before its constraint checks, so even
 * INSERT OR IGNORE fails): an INTEGER PRIMARY KEY value must stand for a
 * rowid, else "datatype mismatch".  NULL passes for an insert (a new rowid
 * is chosen) and for an update only when the caller gives the new rowid. */
static int tab_check_key(lvt_table *t, const lvt_value *vals, int update,
                         const int64_t *new_rowid)
{
  const lvt_table_def *d = &t->s->def;
  int64_t r;

  if (d->ipk < 0) return LVT_OK;
  if (vals[d->ipk].type == LVT_NULL) {
    if (!update || new_rowid) return LVT_OK;
    return lvt_err_set(LVT_MISMATCH, "datatype mismatch");
  }
  return tab_value_rowid(t, &vals[d->ipk], &r);
}

/* Encode t->vals as the record in t->rec. */
static int tab_record(lvt_table *t)
{
  int rc;

  lvt_buf_reset(&t->rec);
  rc = lvt_rec_encode(&t->rec, t->vals, t->s->def.ncol);
  if (rc == LVT_OK && t->rec.oom) rc = LVT_NOMEM;
  return rc == LVT_NOMEM ? lvt_err_set(rc, "out of memory") : rc;
}

/* Decode every column of record rec into out (TEXT and BLOB point into
 * rec); absent trailing columns read as their DEFAULT. */
static int tab_decode(lvt_table *t, const void *rec, size_t n, lvt_value *out,
                      int64_t rowid)
{
  const lvt_table_def *d = &t->s->def;
  int i, rc;

  for (i = 0; i < d->ncol; i++) {
    rc = lvt_rec_column(rec, n, i, &out[i]);
    if (rc == LVT_NOTFOUND) {
      out[i] = d->cols[i].dflt;
      if (!d->cols[i].has_default) out[i].type = LVT_NULL;
    } else if (rc != LVT_OK) {
      return lvt_err_set(LVT_CORRUPT, "malformed record of row %" PRId64
                         " in table %s", rowid, d->name);
    }
  }
  return LVT_OK;
}

/* ----------------------------------------------------- index entries -- */

/* Encode the entry of index x for the row vals with rowid into out. */
static int tab_entry(lvt_table *t, const lvt_index_def *x, const lvt_value *vals,
                     int64_t rowid, lvt_buf *out)
{
  const lvt_table_def *d = &t->s->def;
  unsigned char rk[LVT_ROWID_SIZE];
  int j, rc;

  lvt_buf_reset(out);
  for (j = 0; j < x->ncol; j++) {
    const lvt_column_def *c = &d->cols[x->cols[j]];
    rc = lvt_key_encode(out, &vals[x->cols[j]], x->desc ? x->desc[j] : 0,
                        c->collation);
    if (rc == LVT_NAN)
      return lvt_err_set(rc, "NaN cannot be stored in indexed column %s.%s "
                         "(index %s)", d->name, c->name, x->name);
    if (rc != LVT_OK) return rc == LVT_NOMEM ? lvt_err_set(rc, "out of memory") : rc;
    if (out->n + LVT_ROWID_SIZE > LVT_MAX_KEY)
      return lvt_err_set(LVT_TOOBIG, "index entry too big for index %s at "
                         "column %s.%s: over %zu bytes, LMDB keys hold at most %d",
                         x->name, d->name, c->name, out->n + LVT_ROWID_SIZE,
                         LVT_MAX_KEY);
  }
  lvt_key_rowid_put(rk, rowid);
  lvt_buf_append(out, rk, sizeof rk);
  return out->oom ? lvt_err_set(LVT_NOMEM, "out of memory") : LVT_OK;
}

/* tab_entry for check.c (table_int.h), so that the integrity check expects
 * exactly what writes produce. */
int lvt_tab_entry(lvt_table *t, int k, const lvt_value *vals, int64_t rowid, lvt_buf *out)
{
  return tab_entry(t, &t->s->def.idx[k], vals, rowid, out);
}

/* Encode the entries of every index for the row vals into bufs[]. */
static int tab_entries(lvt_table *t, const lvt_value *vals, int64_t rowid,
                       lvt_buf *bufs)
{
  int k, rc;

  for (k = 0; k < t->s->def.nidx; k++) {
    rc = tab_entry(t, &t->s->def.idx[k], vals, rowid, &bufs[k]);
    if (rc != LVT_OK) return rc;
  }
  return LVT_OK;
}

/* Nonzero when a key column of x is NULL in vals (no unique conflict). */
static int tab_has_null(const lvt_index_def *x, const lvt_value *vals)
{
  int j;
  for (j = 0; j < x->ncol; j++)
    if (vals[x->cols[j]].type == LVT_NULL) return 1;
  return 0;
}

/* --------------------------------------------------------- conflicts -- */

/* With cursor c on a unique index, look for an entry with the key columns
 * of entry e (all of e but its rowid) and another rowid than `self` (when
 * has_self).  *found tells; *hit gets the rowid. */
static int probe_cursor(MDB_cursor *c, const lvt_buf *e, int has_self,
                        int64_t self, int64_t *hit, int *found)
{
  size_t plen = e->n - LVT_ROWID_SIZE;
  MDB_val key = { plen, e->p }, data;
  int op = MDB_SET_RANGE, mrc;
  int64_t r;

  *found = 0;
  for (;;) {
    mrc = mdb_cursor_get(c, &key, &data, (MDB_cursor_op)op);
    if (mrc == MDB_NOTFOUND) return LVT_OK;
    if (mrc != 0) return lvt_err_mdb(mrc, "unique index lookup");
    if (key.mv_size != e->n || memcmp(key.mv_data, e->p, plen) != 0) return LVT_OK;
    r = lvt_key_rowid_get((const unsigned char *)key.mv_data + plen);
    if (!has_self || r != self) {
      *hit = r;
      *found = 1;
      return LVT_OK;
    }
    op = MDB_NEXT;
  }
}

/* "UNIQUE constraint failed: t.a, t.b" for index x, as SQLite words it;
 * LVT_PRIMARYKEY when `primary` (the primary-key index, or one that stands
 * for it: tab_check_order), else LVT_UNIQUE. */
static int tab_unique_err(lvt_table *t, const lvt_index_def *x, int primary)
{
  const lvt_table_def *d = &t->s->def;
  char cols[400];
  size_t n = 0;
  int j, w;

  cols[0] = '\0';
  for (j = 0; j < x->ncol && n < sizeof cols; j++) {
    w = snprintf(cols + n, sizeof cols - n, "%s%s.%s", j ? ", " : "", d->name,
                 d->cols[x->cols[j]].name);
    if (w < 0) break;
    n += (size_t)w;
  }
  return lvt_err_set(primary ? LVT_PRIMARYKEY : LVT_UNIQUE,
                     "UNIQUE constraint failed: %s", cols);
}

/* A rowid conflict: SQLite says "UNIQUE constraint failed: t.id" naming the
 * INTEGER PRIMARY KEY, or t.rowid without one. */
static int tab_rowid_err(lvt_table *t)
{
  const lvt_table_def *d = &t->s->def;
  return lvt_err_set(LVT_PRIMARYKEY, "UNIQUE constraint failed: %s.%s", d->name,
                     d->ipk >= 0 ? d->cols[d->ipk].name : "rowid");
}

/* Add row r to the rows REPLACE deletes (once). */
static void victim_add(lvt_table *t, int *nv, int64_t r)
{
  int i;
  for (i = 0; i < *nv; i++)
    if (t->victims[i] == r) return;
  t->victims[(*nv)++] = r;
}

/* Resolve one conflict with row r by mode: ABORT fails (on unique index
 * k, or on the rowid when k < 0), IGNORE gives LVT_IGNORED, REPLACE notes
 * r for deletion. */
static int tab_conflict(lvt_table *t, int mode, int64_t r, int *nv, int k)
{
  if (mode == LVT_CONFLICT_IGNORE) return LVT_IGNORED;
  if (mode == LVT_CONFLICT_REPLACE) {
    victim_add(t, nv, r);
    return LVT_OK;
  }
  return k >= 0 ? tab_unique_err(t, &t->s->def.idx[k], t->upk[k]) : tab_rowid_err(t);
}

/* Check the row in t->vals / t->inew (rowid `rowid`) against existing rows:
 * the rowid when check_rowid, then each unique index whose entry is new
 * (for an update, t->ichg; the row's own entries, rowid `self`, do not
 * count), in SQLite's order (t->uorder, see the top of this file).
 * REPLACE leaves the rows in the way in t->victims[0..*nv-1]. */
static int tab_conflicts(lvt_txn *txn, lvt_table *t, int64_t rowid,
                         int check_rowid, int has_self, int64_t self, int mode,
                         int *nv)
{
  const lvt_table_def *d = &t->s->def;
  unsigned char rk[LVT_ROWID_SIZE];
  MDB_val key = { sizeof rk, rk }, val;
  MDB_cursor *c;
  int64_t hit;
  int i, k, found, rc;

  *nv = 0;
  if (check_rowid) {             /* through a cursor: tab_write puts there */
    lvt_key_rowid_put(rk, rowid);
    rc = tab_cursor(txn, t, d->nidx, &c);
    if (rc == LVT_OK) {
      int mrc = mdb_cursor_get(c, &key, &val, MDB_SET);
      if (mrc == 0) rc = tab_conflict(t, mode, rowid, nv, -1);
      else if (mrc != MDB_NOTFOUND) rc = lvt_err_mdb(mrc, "rowid lookup");
    }
    if (rc != LVT_OK) return rc;
  }
  for (i = 0; i < t->nuorder; i++) {
    const lvt_index_def *x = &d->idx[k = t->uorder[i]];
    if ((has_self && !t->ichg[k]) || tab_has_null(x, t->vals)) continue;
    rc = tab_cursor(txn, t, k, &c);
    if (rc == LVT_OK) rc = probe_cursor(c, &t->inew[k], has_self, self, &hit, &found);
    if (rc == LVT_OK && found) rc = tab_conflict(t, mode, hit, nv, k);
    if (rc != LVT_OK) return rc;
  }
  return LVT_OK;
}

/* ------------------------------------------------- writing rows -- */

/* Delete row `rowid` and its index entries.  LVT_NOTFOUND if absent.  The
 * record is copied first: map pointers go stale at the first write. */
static int tab_remove(lvt_txn *txn, lvt_table *t, int64_t rowid)
{
  const lvt_table_def *d = &t->s->def;
  unsigned char rk[LVT_ROWID_SIZE];
  MDB_val key = { sizeof rk, rk }, val;
  int k, rc;

  lvt_key_rowid_put(rk, rowid);
  rc = lvt_txn_get(txn, t->dbi, &key, &val);
  if (rc != LVT_OK) return rc;
  lvt_buf_reset(&t->vrec);
  lvt_buf_append(&t->vrec, val.mv_data, val.mv_size);
  if (t->vrec.oom) return lvt_err_set(LVT_NOMEM, "out of memory");
  rc = tab_decode(t, t->vrec.p, t->vrec.n, t->ovals, rowid);
  for (k = 0; rc == LVT_OK && k < d->nidx; k++) {
    rc = tab_entry(t, &d->idx[k], t->ovals, rowid, &t->ent);
    if (rc == LVT_OK) rc = tab_del(txn, t->idbi[k], t->ent.p, t->ent.n);
  }
  if (rc == LVT_OK) rc = tab_del(txn, t->dbi, rk, sizeof rk);
  return rc;
}

/* Delete the rows REPLACE collected. */
static int tab_remove_victims(lvt_txn *txn, lvt_table *t, int nv)
{
  int i, rc;

  for (i = 0; i < nv; i++) {
    rc = tab_remove(txn, t, t->victims[i]);
    if (rc != LVT_OK && rc != LVT_NOTFOUND) return rc;
  }
  return LVT_OK;
}

/* Write t->rec under rowid (putflags: 0 or MDB_APPEND), then the entries
 * t->inew[k] of every index (all) or of those with t->ichg[k]. */
static int tab_write(lvt_txn *txn, lvt_table *t, int64_t rowid,
                     unsigned putflags, int all)
{
  unsigned char rk[LVT_ROWID_SIZE];
  int k, rc;

  /* Where a conflict probe left a cursor on the insertion point, put
   * through it: LMDB then searches that leaf page only. */
  lvt_key_rowid_put(rk, rowid);
  rc = tab_put_at(txn, putflags & MDB_APPEND ? NULL : tab_open_cursor(txn, t, t->s->def.nidx),
                  t->dbi, rk, sizeof rk, t->rec.p, t->rec.n, putflags);
  for (k = 0; rc == LVT_OK && k < t->s->def.nidx; k++)
    if (all || t->ichg[k])
      rc = tab_put_at(txn, tab_open_cursor(txn, t, k), t->idbi[k], t->inew[k].p,
                      t->inew[k].n, NULL, 0, 0);
  return rc;
}

/* ------------------------------------------------------------ insert -- */

/* What lvt_put_many knows of the table: its largest rowid, read once. */
typedef struct bulk {
  int known;       /* max/empty are exact (or max too high: still safe) */
  int empty;
  int64_t max;
} bulk;

/* The largest rowid of t (*empty when it has no rows). */
static int tab_maxrowid(lvt_txn *txn, lvt_table *t, int64_t *max, int *empty)
{
  MDB_cursor *c;
  MDB_val key, val;
  int mrc, rc = tab_cursor(txn, t, t->s->def.nidx, &c);

  if (rc != LVT_OK) return rc;
  mrc = mdb_cursor_get(c, &key, &val, MDB_LAST);
  *empty = mrc == MDB_NOTFOUND;
  *max = 0;
  if (mrc == MDB_NOTFOUND) return LVT_OK;
  if (mrc != 0) return lvt_err_mdb(mrc, "mdb_cursor_get");
  if (key.mv_size != LVT_ROWID_SIZE)
    return lvt_err_set(LVT_CORRUPT, "malformed rowid key in table %s", t->s->def.name);
  *max = lvt_key_rowid_get(key.mv_data);
  return LVT_OK;
}

/* Choose the rowid of a new row: the INTEGER PRIMARY KEY value, else
 * *given, else (NULL) max + 1 (LVT_FULL when max is INT64_MAX: no random
 * rowids, writes stay deterministic).  *fresh: the rowid is past the last
 * one, so it cannot conflict and MDB_APPEND applies. */
static int tab_new_rowid(lvt_txn *txn, lvt_table *t, const int64_t *given,
                         bulk *b, int64_t *rowid, int *fresh)
{
  const lvt_table_def *d = &t->s->def;
  bulk one = { 0 }, *m = b ? b : &one;
  int have = 0, rc;

  if (d->ipk >= 0 && t->vals[d->ipk].type != LVT_NULL) {
    rc = tab_value_rowid(t, &t->vals[d->ipk], rowid);
    if (rc != LVT_OK) return rc;
    have = 1;
  } else if (given) {
    *rowid = *given;
    have = 1;
  }
  if (!m->known && (!have || b)) {
    rc = tab_maxrowid(txn, t, &m->max, &m->empty);
    if (rc != LVT_OK) return rc;
    m->known = 1;
  }
  if (!have) {
    if (!m->empty && m->max == INT64_MAX)
      return lvt_err_set(LVT_FULL, "database or disk is full");
    *rowid = m->empty ? 1 : m->max + 1;
  }
  *fresh = m->known && (m->empty || *rowid > m->max);
  if (d->ipk >= 0) {
    t->vals[d->ipk].type = LVT_INTEGER;
    t->vals[d->ipk].u.i = *rowid;
  }
  return LVT_OK;
}

/* Insert one row: every check (in SQLite's order: top of this file), then
 * the writes.  b: lvt_put_many's state (NULL for a single insert). */
static int tab_insert(lvt_txn *txn, lvt_table *t, const lvt_value *vals,
                      const int64_t *given, int mode, bulk *b, int64_t *out)
{
  int64_t rowid = 0;
  int fresh = 0, nv = 0;
  int rc = tab_check_key(t, vals, 0, NULL);

  if (rc == LVT_OK) rc = tab_prep(t, vals, mode);
  if (rc == LVT_OK) rc = tab_new_rowid(txn, t, given, b, &rowid, &fresh);
  if (rc == LVT_OK) rc = tab_entries(t, t->vals, rowid, t->inew);
  if (rc == LVT_OK) rc = tab_record(t);
  if (rc == LVT_OK) rc = tab_conflicts(txn, t, rowid, !fresh, 0, 0, mode, &nv);
  if (rc != LVT_OK) return rc;
  rc = tab_remove_victims(txn, t, nv);
  if (rc == LVT_OK) rc = tab_write(txn, t, rowid, fresh ? MDB_APPEND : 0, 1);
  if (rc != LVT_OK) return rc;
  if (b && nv) b->known = 0;
  if (b && b->known && (b->empty || rowid > b->max)) {
    b->max = rowid;
    b->empty = 0;
  }
  if (out) *out = rowid;
  return LVT_OK;
}

/* Check the arguments shared by the write calls. */
static int tab_write_args(lvt_txn *txn, lvt_table *t, const void *vals,
                          unsigned flags, const char *fn)
{
  if (txn == NULL || t == NULL || vals == NULL)
    return lvt_err_set(LVT_MISUSE, "%s: NULL argument", fn);
  if ((flags & MODE_MASK) > LVT_CONFLICT_IGNORE)
    return lvt_err_set(LVT_MISUSE, "%s: unknown conflict mode %u", fn,
                       flags & MODE_MASK);
  return tab_sync_write(txn, t);
}

/* Insert one row (lmdbvt.h). */
int lvt_insert(lvt_txn *txn, lvt_table *t, const lvt_value *vals,
               int64_t *rowid, unsigned flags)
{
  int64_t given = 0, out = 0;
  int rc = tab_write_args(txn, t, vals, flags, "lvt_insert");

  if (rc != LVT_OK) return rc;
  if (flags & LVT_ROWID_GIVEN) {
    if (rowid == NULL)
      return lvt_err_set(LVT_MISUSE, "lvt_insert: LVT_ROWID_GIVEN without a rowid");
    given = *rowid;
  }
  rc = tab_insert(txn, t, vals, (flags & LVT_ROWID_GIVEN) ? &given : NULL,
                  (int)(flags & MODE_MASK), NULL, &out);
  tab_curs_done(txn, t);
  if (rc == LVT_OK && rowid) *rowid = out;
  return rc;
}

/* Insert n rows; the bulk-load path.  The table's last rowid is read once;
 * rows past it need no conflict check on the rowid and are appended with
 * MDB_APPEND; buffers and cursors are reused from row to row. */
int lvt_put_many(lvt_txn *txn, lvt_table *t, const lvt_value *vals, size_t n,
                 unsigned flags, size_t *done)
{
  bulk b = { 0 };
  size_t i = 0, ncol;
  int rc;

  if (done) *done = 0;
  if (flags & LVT_ROWID_GIVEN)
    return lvt_err_set(LVT_MISUSE, "lvt_put_many: LVT_ROWID_GIVEN is not allowed");
  if (n == 0) return LVT_OK;
  rc = tab_write_args(txn, t, vals, flags, "lvt_put_many");
  if (rc != LVT_OK) return rc;
  ncol = (size_t)t->s->def.ncol;
  for (; i < n; i++) {
    if (lvt_txn_mdb(txn) != t->chk_mtxn || lvt_txn_gen(txn) != t->chk_gen) {
      rc = lvt_tab_sync(txn, t);
      if (rc != LVT_OK) break;
    }
    rc = tab_insert(txn, t, vals + i * ncol, NULL, (int)(flags & MODE_MASK), &b, NULL);
    if (rc == LVT_IGNORED) rc = LVT_OK;
    if (rc != LVT_OK) break;
  }
  tab_curs_done(txn, t);
  if (done) *done = i;
  return rc;
}

/* ------------------------------------------------------------ update -- */

/* Read row `rowid` for an update: its index entries into t->iold (before
 * any write, while the record's map pointers are good). */
static int tab_load_old(lvt_txn *txn, lvt_table *t, int64_t rowid)
{
  unsigned char rk[LVT_ROWID_SIZE];
  MDB_val key = { sizeof rk, rk }, val;
  int rc;

  lvt_key_rowid_put(rk, rowid);
  rc = lvt_txn_get(txn, t->dbi, &key, &val);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(rc, "no row with rowid %" PRId64 " in table %s", rowid,
                       t->s->def.name);
  if (rc == LVT_OK) rc = tab_decode(t, val.mv_data, val.mv_size, t->ovals, rowid);
  if (rc == LVT_OK) rc = tab_entries(t, t->ovals, rowid, t->iold);
  return rc;
}

/* The rowid of the updated row: the INTEGER PRIMARY KEY value (NULL is a
 * "datatype mismatch", as in SQLite, unless new_rowid is given), else
 * *new_rowid, else the old one. */
static int tab_moved_rowid(lvt_table *t, int64_t old, const int64_t *new_rowid,
                           int64_t *nr)
{
  const lvt_table_def *d = &t->s->def;
  int rc;

  *nr = new_rowid ? *new_rowid : old;
  if (d->ipk < 0) return LVT_OK;
  if (t->vals[d->ipk].type != LVT_NULL) {
    rc = tab_value_rowid(t, &t->vals[d->ipk], nr);
    if (rc != LVT_OK) return rc;
    if (new_rowid && *new_rowid != *nr)
      return lvt_err_set(LVT_MISUSE, "lvt_update: new rowid %" PRId64 " differs "
                         "from %s.%s = %" PRId64, *new_rowid, d->name,
                         d->cols[d->ipk].name, *nr);
  } else if (new_rowid == NULL) {
    return lvt_err_set(LVT_MISMATCH, "datatype mismatch");
  }
  t->vals[d->ipk].type = LVT_INTEGER;
  t->vals[d->ipk].u.i = *nr;
  return LVT_OK;
}

/* Update row `rowid`: checks (in SQLite's order: top of this file), then
 * the writes, touching only the index entries that change (all of them
 * when the rowid moves). */
static int tab_update(lvt_txn *txn, lvt_table *t, int64_t rowid,
                      const int64_t *new_rowid, const lvt_value *vals, int mode)
{
  const lvt_table_def *d = &t->s->def;
  unsigned char rk[LVT_ROWID_SIZE];
  int64_t nr = rowid;
  int k, nv = 0, moved;
  int rc = tab_load_old(txn, t, rowid);

  if (rc == LVT_OK) rc = tab_check_key(t, vals, 1, new_rowid);
  if (rc == LVT_OK) rc = tab_prep(t, vals, mode);
  if (rc == LVT_OK) rc = tab_moved_rowid(t, rowid, new_rowid, &nr);
  if (rc == LVT_OK) rc = tab_entries(t, t->vals, nr, t->inew);
  if (rc == LVT_OK) rc = tab_record(t);
  if (rc != LVT_OK) return rc;
  moved = nr != rowid;
  for (k = 0; k < d->nidx; k++)
    t->ichg[k] = moved || t->inew[k].n != t->iold[k].n ||
                 memcmp(t->inew[k].p, t->iold[k].p, t->inew[k].n) != 0;
  rc = tab_conflicts(txn, t, nr, moved, 1, rowid, mode, &nv);
  if (rc == LVT_OK) rc = tab_remove_victims(txn, t, nv);
  if (rc == LVT_OK && moved) {
    lvt_key_rowid_put(rk, rowid);
    rc = tab_del(txn, t->dbi, rk, sizeof rk);
  }
  for (k = 0; rc == LVT_OK && k < d->nidx; k++)
    if (t->ichg[k]) rc = tab_del(txn, t->idbi[k], t->iold[k].p, t->iold[k].n);
  if (rc == LVT_OK) rc = tab_write(txn, t, nr, 0, 0);
  return rc;
}

/* Replace row `rowid` (lmdbvt.h). */
int lvt_update(lvt_txn *txn, lvt_table *t, int64_t rowid,
               const int64_t *new_rowid, const lvt_value *vals, unsigned flags)
{
  int rc = tab_write_args(txn, t, vals, flags, "lvt_update");

  if (rc != LVT_OK) return rc;
  rc = tab_update(txn, t, rowid, new_rowid, vals, (int)(flags & MODE_MASK));
  tab_curs_done(txn, t);
  return rc;
}

/* Delete row `rowid` and its index entries. */
int lvt_delete(lvt_txn *txn, lvt_table *t, int64_t rowid)
{
  int rc = tab_sync_write(txn, t);

  if (rc != LVT_OK) return rc;
  rc = tab_remove(txn, t, rowid);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(rc, "no row with rowid %" PRId64 " in table %s", rowid,
                       t->s->def.name);
  return rc;
}

/* ------------------------------------------------------------- reads -- */

/* Point row at the record of rowid (row->rec NULL and LVT_NOTFOUND when
 * there is none; no message: callers word it). */
static int tab_fetch(lvt_txn *txn, lvt_table *t, int64_t rowid, lvt_row *row)
{
  unsigned char rk[LVT_ROWID_SIZE];
  MDB_val key = { sizeof rk, rk }, val;
  int rc;

  lvt_key_rowid_put(rk, rowid);
  rc = lvt_txn_get(txn, t->dbi, &key, &val);
  row->rowid = rowid;
  row->tbl = t;
  row->rec = rc == LVT_OK ? val.mv_data : NULL;
  row->nrec = rc == LVT_OK ? val.mv_size : 0;
  return rc;
}

/* Get a row by rowid. */
int lvt_get(lvt_txn *txn, lvt_table *t, int64_t rowid, lvt_row *row)
{
  int rc;

  if (row == NULL) return lvt_err_set(LVT_MISUSE, "lvt_get: NULL row");
  row->rec = NULL;
  rc = lvt_tab_sync(txn, t);
  if (rc == LVT_OK) rc = tab_fetch(txn, t, rowid, row);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(rc, "no row with rowid %" PRId64 " in table %s", rowid,
                       t->s->def.name);
  return rc;
}

/* Get n rows by rowid; missing ones have rec == NULL. */
int lvt_get_many(lvt_txn *txn, lvt_table *t, const int64_t *rowids, size_t n,
                 lvt_row *rows, size_t *found)
{
  size_t i, nfound = 0;
  int rc;

  if (found) *found = 0;
  if (n && (rowids == NULL || rows == NULL))
    return lvt_err_set(LVT_MISUSE, "lvt_get_many: NULL argument");
  rc = lvt_tab_sync(txn, t);
  for (i = 0; rc == LVT_OK && i < n; i++) {
    rc = tab_fetch(txn, t, rowids[i], &rows[i]);
    if (rc == LVT_OK) nfound++;
    if (rc == LVT_NOTFOUND) rc = LVT_OK;
  }
  if (found) *found = nfound;
  return rc;
}

/* The affinity SQLite applies to a value compared with a column of
 * affinity aff: NUMERIC for the numeric ones (REAL affinity would round
 * 2^53 + 1 to a double, and SQLite compares it exactly), TEXT for TEXT,
 * none for BLOB. */
static int cmp_affinity(int aff)
{
  return aff == LVT_AFF_REAL || aff == LVT_AFF_INTEGER ? LVT_AFF_NUMERIC : aff;
}

/* Encode the first n key columns of index k as a lookup prefix, each value
 * converted as SQLite converts the operand of a comparison with the column
 * (cmp_affinity). */
int lvt_tab_probe(lvt_table *t, int k, const lvt_value *vals, int n, lvt_buf *out)
{
  const lvt_table_def *d = &t->s->def;
  const lvt_index_def *x = &d->idx[k];
  int j, rc = LVT_OK;

  if (n < 1 || n > x->ncol || vals == NULL)
    return lvt_err_set(LVT_MISUSE, "index %s has %d columns; %d key values given",
                       x->name, x->ncol, n);
  lvt_buf_reset(out);
  for (j = 0; j < n && rc == LVT_OK; j++) {
    const lvt_column_def *c = &d->cols[x->cols[j]];
    lvt_value v = vals[j];
    if (v.type < LVT_INTEGER || v.type > LVT_NULL)
      return lvt_err_set(LVT_MISUSE, "bad value type %d for column %s.%s",
                         v.type, d->name, c->name);
    lvt_buf_reset(&t->pconv);
    if (v.type != LVT_NULL &&
        lvt_value_apply_affinity(&v, cmp_affinity(c->affinity), &t->pconv) == LVT_NOMEM)
      return lvt_err_set(LVT_NOMEM, "out of memory");
    rc = lvt_key_encode(out, &v, x->desc ? x->desc[j] : 0, c->collation);
    if (rc == LVT_NAN)
      return lvt_err_set(rc, "NaN is no key value for column %s.%s", d->name, c->name);
    /* A probe may be longer than any LMDB key: no entry then starts with
     * it (tab_lookup finds none), and a range bound of that length is
     * sought by its first LVT_MAX_KEY bytes (cursor.c, cur_seek). */
  }
  if (rc == LVT_OK && out->oom) rc = LVT_NOMEM;
  return rc == LVT_NOMEM ? lvt_err_set(rc, "out of memory") : rc;
}

/* Check an index number of t. */
static int tab_index_arg(lvt_table *t, int index)
{
  if (index < 0 || index >= t->s->def.nidx)
    return lvt_err_set(LVT_NOINDEX, "table %s has no index number %d",
                       t->s->def.name, index);
  return LVT_OK;
}

/* With cursor c on index k, find the first entry starting with the lookup
 * prefix in t->probe and fetch its row. */
static int tab_lookup(lvt_txn *txn, lvt_table *t, int k, MDB_cursor *c,
                      lvt_row *row)
{
  MDB_val key = { t->probe.n, t->probe.p }, data;
  int64_t rowid;
  int mrc, rc;

  row->rec = NULL;
  row->tbl = t;
  if (t->probe.n + LVT_ROWID_SIZE > LVT_MAX_KEY) return LVT_NOTFOUND;  /* no such entry */
  mrc = mdb_cursor_get(c, &key, &data, MDB_SET_RANGE);
  if (mrc == MDB_NOTFOUND) return LVT_NOTFOUND;
  if (mrc != 0) return lvt_err_mdb(mrc, "index lookup");
  if (key.mv_size < t->probe.n + LVT_ROWID_SIZE ||
      memcmp(key.mv_data, t->probe.p, t->probe.n) != 0)
    return LVT_NOTFOUND;
  rowid = lvt_key_rowid_get((const unsigned char *)key.mv_data + key.mv_size -
                            LVT_ROWID_SIZE);
  rc = tab_fetch(txn, t, rowid, row);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(LVT_CORRUPT, "index %s of table %s has an entry for "
                       "missing row %" PRId64, t->s->def.idx[k].name,
                       t->s->def.name, rowid);
  return rc;
}

/* Get the first row whose leading index columns equal key[0..nkey-1]. */
int lvt_get_by_index(lvt_txn *txn, lvt_table *t, int index,
                     const lvt_value *key, int nkey, lvt_row *row)
{
  MDB_cursor *c;
  int rc;

  if (row == NULL) return lvt_err_set(LVT_MISUSE, "lvt_get_by_index: NULL row");
  row->rec = NULL;
  rc = lvt_tab_sync(txn, t);
  if (rc == LVT_OK) rc = tab_index_arg(t, index);
  if (rc == LVT_OK) rc = lvt_tab_probe(t, index, key, nkey, &t->probe);
  if (rc == LVT_OK) rc = tab_cursor(txn, t, index, &c);
  if (rc == LVT_OK) rc = tab_lookup(txn, t, index, c, row);
  tab_curs_done(txn, t);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(rc, "no row with that key in index %s of table %s",
                       t->s->def.idx[index].name, t->s->def.name);
  return rc;
}

/* lvt_get_by_index for n keys, one cursor for all. */
int lvt_get_many_by_index(lvt_txn *txn, lvt_table *t, int index,
                          const lvt_value *keys, int nkey, size_t n,
                          lvt_row *rows, size_t *found)
{
  MDB_cursor *c = NULL;
  size_t i, nfound = 0;
  int rc;

  if (found) *found = 0;
  if (n && (keys == NULL || rows == NULL))
    return lvt_err_set(LVT_MISUSE, "lvt_get_many_by_index: NULL argument");
  rc = lvt_tab_sync(txn, t);
  if (rc == LVT_OK) rc = tab_index_arg(t, index);
  if (rc == LVT_OK && n) rc = tab_cursor(txn, t, index, &c);
  for (i = 0; rc == LVT_OK && i < n; i++) {
    rc = lvt_tab_probe(t, index, keys + i * (size_t)nkey, nkey, &t->probe);
    if (rc == LVT_OK) rc = tab_lookup(txn, t, index, c, &rows[i]);
    if (rc == LVT_OK) nfound++;
    if (rc == LVT_NOTFOUND) rc = LVT_OK;
  }
  tab_curs_done(txn, t);
  if (found) *found = nfound;
  return rc;
}

/* Column col of a row: O(1) through the record codec; a column the record
 * does not have (added later) reads as its DEFAULT. */
int lvt_row_column(const lvt_row *row, int col, lvt_value *out)
{
  const lvt_table_def *d;
  int rc;

  if (row == NULL || row->tbl == NULL || out == NULL)
    return lvt_err_set(LVT_MISUSE, "lvt_row_column: NULL argument");
  if (row->rec == NULL) return lvt_err_set(LVT_NOTFOUND, "lvt_row_column: no row");
  d = &row->tbl->s->def;
  if (col < 0 || col >= d->ncol)
    return lvt_err_set(LVT_NOCOLUMN, "table %s has no column number %d", d->name, col);
  rc = lvt_rec_column(row->rec, row->nrec, col, out);
  if (rc == LVT_NOTFOUND) {
    *out = d->cols[col].dflt;
    if (!d->cols[col].has_default) out->type = LVT_NULL;
    return LVT_OK;
  }
  if (rc != LVT_OK)
    return lvt_err_set(LVT_CORRUPT, "malformed record of row %" PRId64
                       " in table %s", row->rowid, d->name);
  return LVT_OK;
}

/* B-tree statistics of the table (index -1) or of an index. */
int lvt_table_stat(lvt_txn *txn, lvt_table *t, int index, lvt_stat *st)
{
  MDB_stat ms;
  int mrc, rc;

  if (st == NULL) return lvt_err_set(LVT_MISUSE, "lvt_table_stat: NULL argument");
  rc = lvt_tab_sync(txn, t);
  if (rc == LVT_OK && index != -1) rc = tab_index_arg(t, index);
  if (rc != LVT_OK) return rc;
  mrc = mdb_stat(lvt_txn_mdb(txn), index < 0 ? t->dbi : t->idbi[index], &ms);
  if (mrc != 0) return lvt_err_mdb(mrc, "mdb_stat");
  st->entries = ms.ms_entries;
  st->depth = ms.ms_depth;
  st->branch_pages = ms.ms_branch_pages;
  st->leaf_pages = ms.ms_leaf_pages;
  st->overflow_pages = ms.ms_overflow_pages;
  st->psize = ms.ms_psize;
  return LVT_OK;
}

/* ----------------------------------------------------------- indexes -- */

/* Add the entry of index x for one row (record rec) to sub-database dbi,
 * refusing a duplicate under a unique index (ic: cursor on dbi). */
static int tab_build_row(lvt_txn *txn, lvt_table *t, const lvt_index_def *x,
                         MDB_dbi dbi, MDB_cursor *ic, const MDB_val *rec,
                         int64_t rowid)
{
  int64_t hit;
  int found = 0;
  int rc = tab_decode(t, rec->mv_data, rec->mv_size, t->ovals, rowid);

  if (rc == LVT_OK) rc = tab_entry(t, x, t->ovals, rowid, &t->ent);
  if (rc == LVT_OK && x->unique && !tab_has_null(x, t->ovals))
    rc = probe_cursor(ic, &t->ent, 1, rowid, &hit, &found);
  if (rc == LVT_OK && found) rc = tab_unique_err(t, x, x->primary);
  if (rc == LVT_OK) rc = tab_put(txn, dbi, t->ent.p, t->ent.n, NULL, 0, 0);
  return rc;
}

/* (Re)open the two cursors of an index build on the current MDB_txn. */
static int tab_build_cursors(lvt_txn *txn, lvt_table *t, MDB_dbi dbi,
                             unsigned *gen, MDB_cursor **tc, MDB_cursor **ic)
{
  MDB_txn *mt = lvt_txn_mdb(txn);
  int mrc;

  *gen = lvt_txn_gen(txn);
  *tc = *ic = NULL;
  if (mt == NULL) return lvt_err_set(LVT_BUSY, "the transaction was lost");
  mrc = mdb_cursor_open(mt, t->dbi, tc);
  if (mrc == 0) mrc = mdb_cursor_open(mt, dbi, ic);
  return mrc ? lvt_err_mdb(mrc, "mdb_cursor_open") : LVT_OK;
}

/* Fill sub-database dbi with the entries of index x for every row, in
 * rowid order.  When a write replaced the MDB_txn (map growth), the
 * cursors are reopened and the scan goes on after the last rowid. */
static int tab_build(lvt_txn *txn, lvt_table *t, const lvt_index_def *x,
                     MDB_dbi dbi)
{
  unsigned char rk[LVT_ROWID_SIZE];
  unsigned gen = 0;
  MDB_cursor *tc = NULL, *ic = NULL;
  MDB_val key, val;
  int64_t rowid = INT64_MIN;
  int mrc, rc = LVT_OK, started = 0;

  for (;;) {
    if (tc == NULL || gen != lvt_txn_gen(txn)) {
      rc = tab_build_cursors(txn, t, dbi, &gen, &tc, &ic);
      if (rc != LVT_OK || (started && rowid == INT64_MAX)) break;
      lvt_key_rowid_put(rk, started ? rowid + 1 : INT64_MIN);
      key.mv_size = sizeof rk;
      key.mv_data = rk;
      mrc = mdb_cursor_get(tc, &key, &val, MDB_SET_RANGE);
    } else {
      mrc = mdb_cursor_get(tc, &key, &val, MDB_NEXT);
    }
    if (mrc == MDB_NOTFOUND) break;
    if (mrc != 0 || key.mv_size != LVT_ROWID_SIZE) {
      rc = mrc ? lvt_err_mdb(mrc, "index build") : LVT_CORRUPT;
      break;
    }
    rowid = lvt_key_rowid_get(key.mv_data);
    started = 1;
    rc = tab_build_row(txn, t, x, dbi, ic, &val, rowid);
    if (rc != LVT_OK) break;
  }
  if (gen == lvt_txn_gen(txn)) {
    if (tc) mdb_cursor_close(tc);
    if (ic) mdb_cursor_close(ic);
  }
  return rc;
}

/* Build a new index over the existing rows (lmdbvt.h).  On failure the new
 * sub-database is dropped again and the catalog is untouched: nothing is
 * kept and txn stays usable. */
int lvt_index_create(lvt_txn *txn, lvt_table *t, const lvt_index_def *def)
{
  char name[LVT_CAT_DBNAME], msg[512];
  MDB_dbi dbi;
  int rc;

  if (def == NULL) return lvt_err_set(LVT_MISUSE, "lvt_index_create: NULL index");
  rc = tab_sync_write(txn, t);
  if (rc == LVT_OK) rc = lvt_cat_index_check(txn, t->s, def);
  if (rc != LVT_OK) return rc;
  lvt_cat_dbname(name, t->s->id, t->s->next_idx_id);
  rc = lvt_txn_dbi(txn, name, 1, &dbi);
  if (rc != LVT_OK) return rc;
  rc = tab_build(txn, t, def, dbi);
  if (rc == LVT_OK) rc = lvt_cat_index_add(txn, t->s, def);
  if (rc != LVT_OK) {
    snprintf(msg, sizeof msg, "%s", lvt_errmsg());
    lvt_tab_wseq++;
    lvt_txn_drop(txn, dbi, 1);
    return lvt_err_set(rc, "%s", msg);
  }
  return lvt_tab_sync(txn, t);
}

/* Drop an index and its entries (not the primary key's). */
int lvt_index_drop(lvt_txn *txn, lvt_table *t, const char *name)
{
  int k, rc;

  if (name == NULL) return lvt_err_set(LVT_MISUSE, "lvt_index_drop: NULL name");
  rc = tab_sync_write(txn, t);
  if (rc != LVT_OK) return rc;
  k = lvt_table_index(t, name);
  if (k < 0)
    return lvt_err_set(LVT_NOINDEX, "no such index: %s (on table %s)", name,
                       t->s->def.name);
  if (t->s->def.idx[k].primary)
    return lvt_err_set(LVT_MISUSE, "index %s is the primary key of table %s "
                       "and cannot be dropped", name, t->s->def.name);
  rc = lvt_cat_index_remove(txn, t->s, k);
  if (rc == LVT_OK) rc = lvt_tab_sync(txn, t);
  return rc;
}
