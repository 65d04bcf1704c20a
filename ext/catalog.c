/*
 * catalog.c -- table and index definitions stored in the environment.
 *
 * Layout.  One sub-database, "lmdbvt.catalog", created by the first
 * lvt_table_create and never on a read path: an environment without it is
 * not an lmdbvt environment and has no tables.  Keys are ASCII, values are
 * records of the record codec (layout: top of record.c):
 *
 *   "format"               [INTEGER]   catalog format version (LVT_CAT_FORMAT)
 *   "gen"                  [INTEGER]   generation: changes at every schema change
 *   "nextid"               [INTEGER]   next table id (ids are never reused)
 *   "sync"                 [INTEGER]   the sync option (LVT_SYNC_*) its tables
 *                                      were created with; they all agree on it
 *   "n:" lower(table)      [INTEGER]   table name -> table id
 *   "t:" id, 8 bytes BE    table record (below)
 *   "x:" lower(index)      [INTEGER]   index name -> table id; index names are
 *                                      unique in the environment
 *
 * Names compare case-insensitively (ASCII), as SQLite identifiers do: keys
 * hold them folded to lower case, the table record as spelled.
 *
 * Table record: one flat list of values.
 *
 *   0 id INTEGER   1 name TEXT   2 strict   3 ipk (-1: none)   4 ncol
 *   5 nidx   6 next index sub-database number            (all INTEGER but 1)
 *   then per column, 7 values:
 *     name TEXT, decltype TEXT (NULL when none), affinity, notnull,
 *     collation, has_default (INTEGERs), default value (any; NULL if none)
 *   then per index, 6 + ncol values:
 *     sub-database number, name TEXT, unique, primary, ncol (INTEGERs),
 *     ncol column numbers (INTEGERs), DESC flags (BLOB of ncol bytes 0/1)
 *
 * Table `id` keeps its rows in sub-database "t<id>" and the index with
 * sub-database number k in "t<id>.i<k>", so renaming a table or an index
 * rewrites only catalog entries, and an index dropped and created again
 * under the same name gets a fresh sub-database.
 *
 * A format version newer than LVT_CAT_FORMAT is refused with LVT_VERSION.
 * Every schema change sets "gen" to a value larger than both its old value
 * and any generation this process wrote before (lvt_cat_hiwater; see
 * table_int.h for why), and tells open handles through lvt_cat_changes.
 */
#include "table_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

_Atomic uint64_t lvt_cat_changes;
_Atomic size_t lvt_cat_dirty_txnid;
_Atomic uint64_t lvt_cat_hiwater;
_Thread_local uint64_t lvt_tab_wseq;

#define NAME_MAX_LEN 255        /* table, column and index names */
#define MAX_COLUMNS 2000        /* SQLite's default SQLITE_MAX_COLUMN */
#define MAX_INDEXES 1000
#define MAX_INDEX_COLUMNS 250   /* each column takes >= 2 key bytes */
#define TAB_FIELDS 7
#define COL_FIELDS 7
#define IDX_FIELDS 6            /* plus ncol */

static const unsigned char zero_flags[MAX_INDEX_COLUMNS];

/* -------------------------------------------------------------- keys -- */

/* Set b to prefix followed by name folded to ASCII lower case. */
static void key_name(lvt_buf *b, const char *prefix, const char *name)
{
  lvt_buf_reset(b);
  lvt_buf_append(b, prefix, strlen(prefix));
  for (; *name; name++) {
    unsigned char c = (unsigned char)*name;
    lvt_buf_byte(b, (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c);
  }
}

/* Fill out with the key of table record `id`: "t:" and 8 bytes BE. */
static void key_table(unsigned char out[10], uint64_t id)
{
  int i;
  out[0] = 't';
  out[1] = ':';
  for (i = 0; i < 8; i++) out[2 + i] = (unsigned char)(id >> (56 - 8 * i));
}

/* Nonzero when a and b are equal ignoring ASCII case (identifiers, as
 * SQLite compares them). */
int lvt_name_eq(const char *a, const char *b)
{
  for (;; a++, b++) {
    unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 0;
    if (x == 0) return 1;
  }
}

/* Sub-database name of a table (idx_id < 0) or of one of its indexes. */
void lvt_cat_dbname(char out[LVT_CAT_DBNAME], uint64_t id, int64_t idx_id)
{
  if (idx_id < 0)
    snprintf(out, LVT_CAT_DBNAME, "t%" PRIu64, id);
  else
    snprintf(out, LVT_CAT_DBNAME, "t%" PRIu64 ".i%" PRId64, id, idx_id);
}

/* --------------------------------------------------- small key values -- */

/* Write key -> value: every catalog write goes through here. */
static int cat_put(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk,
                   const void *v, size_t nv)
{
  MDB_val key = { nk, (void *)k }, val = { nv, (void *)v };
  lvt_tab_wseq++;
  return lvt_txn_put(txn, dbi, &key, &val, 0);
}

/* Delete key; a missing key is not an error. */
static int cat_del(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk)
{
  MDB_val key = { nk, (void *)k };
  int rc;
  lvt_tab_wseq++;
  rc = lvt_txn_del(txn, dbi, &key);
  return rc == LVT_NOTFOUND ? LVT_OK : rc;
}

/* Read the one-INTEGER record under key.  LVT_NOTFOUND when absent,
 * LVT_CORRUPT when it is not such a record. */
static int cat_get_int(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk,
                       int64_t *out)
{
  MDB_val key = { nk, (void *)k }, val;
  lvt_value v;
  int rc = lvt_txn_get(txn, dbi, &key, &val);

  if (rc != LVT_OK) return rc;
  rc = lvt_rec_column(val.mv_data, val.mv_size, 0, &v);
  if (rc != LVT_OK || v.type != LVT_INTEGER)
    return lvt_err_set(LVT_CORRUPT, "malformed catalog entry \"%.*s\"",
                       (int)nk, (const char *)k);
  *out = v.u.i;
  return LVT_OK;
}

/* Write the one-INTEGER record `x` under key. */
static int cat_put_int(lvt_txn *txn, MDB_dbi dbi, const void *k, size_t nk,
                       int64_t x)
{
  lvt_value v;
  lvt_buf b = { 0 };
  int rc;

  v.type = LVT_INTEGER;
  v.u.i = x;
  rc = lvt_rec_encode(&b, &v, 1);
  if (rc == LVT_OK && b.oom) rc = LVT_NOMEM;
  if (rc == LVT_OK) rc = cat_put(txn, dbi, k, nk, b.p, b.n);
  lvt_buf_free(&b);
  return rc;
}

/* ---------------------------------------------------- catalog access -- */

/* Check the format version of an open catalog. */
static int cat_format(lvt_txn *txn, MDB_dbi dbi)
{
  int64_t v;
  int rc = cat_get_int(txn, dbi, "format", 6, &v);

  if (rc == LVT_NOTFOUND)
    return lvt_err_set(LVT_CORRUPT, "the lmdbvt catalog has no format version");
  if (rc != LVT_OK) return rc;
  if (v > LVT_CAT_FORMAT)
    return lvt_err_set(LVT_VERSION, "this environment has lmdbvt catalog format "
                       "version %" PRId64 "; lmdbvt %s reads versions up to %d",
                       v, LVT_VERSION_STRING, LVT_CAT_FORMAT);
  if (v < 1)
    return lvt_err_set(LVT_CORRUPT, "bad lmdbvt catalog format version %" PRId64, v);
  return LVT_OK;
}

/* Open the catalog and check its format.  Read path (create = 0): no
 * catalog gives LVT_NOTFOUND, and nothing is created.  Write path: create
 * the catalog with its counters when missing. */
static int cat_open(lvt_txn *txn, int create, MDB_dbi *dbi)
{
  int rc = lvt_txn_dbi(txn, LVT_CAT_DBI, 0, dbi);

  if (rc == LVT_NOTFOUND && create) {
    rc = lvt_txn_dbi(txn, LVT_CAT_DBI, 1, dbi);
    if (rc == LVT_OK) rc = cat_put_int(txn, *dbi, "format", 6, LVT_CAT_FORMAT);
    if (rc == LVT_OK) rc = cat_put_int(txn, *dbi, "gen", 3, 0);
    if (rc == LVT_OK) rc = cat_put_int(txn, *dbi, "nextid", 6, 1);
    return rc;
  }
  if (rc != LVT_OK) return rc;
  return cat_format(txn, *dbi);
}

/* Open the catalog for a schema change in txn; create it only when asked
 * (creating a table), else no catalog means no such table. */
static int cat_open_write(lvt_txn *txn, int create, const char *tname,
                          MDB_dbi *dbi)
{
  int rc;

  if (lvt_txn_readonly(txn))
    return lvt_err_set(LVT_READONLY, "attempt to write a readonly database");
  rc = cat_open(txn, create, dbi);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(LVT_NOTABLE, "no such table: %s", tname);
  return rc;
}

/* Record a schema change: a new generation, and the process-wide notes
 * that open handles compare against (table_int.h). */
static int cat_bump(lvt_txn *txn, MDB_dbi dbi)
{
  int64_t gen;
  uint64_t g, hi;
  int rc = cat_get_int(txn, dbi, "gen", 3, &gen);

  if (rc != LVT_OK) return rc;
  hi = atomic_load(&lvt_cat_hiwater);
  g = ((uint64_t)gen > hi ? (uint64_t)gen : hi) + 1;
  rc = cat_put_int(txn, dbi, "gen", 3, (int64_t)g);
  if (rc != LVT_OK) return rc;
  while (hi < g && !atomic_compare_exchange_weak(&lvt_cat_hiwater, &hi, g))
    ;
  atomic_store(&lvt_cat_dirty_txnid, mdb_txn_id(lvt_txn_mdb(txn)));
  atomic_fetch_add(&lvt_cat_changes, 1);
  return LVT_OK;
}

/* Refuse an environment of a future format; no catalog is fine. */
int lvt_cat_check(lvt_txn *txn)
{
  MDB_dbi dbi;
  int rc = cat_open(txn, 0, &dbi);
  return rc == LVT_NOTFOUND ? LVT_OK : rc;
}

/* The catalog generation; 0 without a catalog. */
int lvt_cat_gen(lvt_txn *txn, uint64_t *gen)
{
  MDB_dbi dbi;
  int64_t g = 0;
  int rc = lvt_txn_dbi(txn, LVT_CAT_DBI, 0, &dbi);

  if (rc == LVT_OK) rc = cat_get_int(txn, dbi, "gen", 3, &g);
  if (rc == LVT_NOTFOUND) { g = 0; rc = LVT_OK; }
  *gen = (uint64_t)g;
  return rc;
}

/* Look up the id of table `name`.  LVT_NOTFOUND when there is none. */
static int cat_table_id(lvt_txn *txn, MDB_dbi dbi, const char *name,
                        uint64_t *id)
{
  lvt_buf k = { 0 };
  int64_t v = 0;
  int rc;

  key_name(&k, "n:", name);
  rc = k.oom ? LVT_NOMEM : cat_get_int(txn, dbi, k.p, k.n, &v);
  lvt_buf_free(&k);
  *id = (uint64_t)v;
  return rc;
}

/* LVT_OK when index `name` exists in the environment, else LVT_NOTFOUND. */
static int cat_index_exists(lvt_txn *txn, MDB_dbi dbi, const char *name)
{
  lvt_buf k = { 0 };
  int64_t v;
  int rc;

  key_name(&k, "x:", name);
  rc = k.oom ? LVT_NOMEM : cat_get_int(txn, dbi, k.p, k.n, &v);
  lvt_buf_free(&k);
  return rc;
}

/* Put (put != 0) or delete the name entry prefix+name -> id. */
static int cat_name_entry(lvt_txn *txn, MDB_dbi dbi, const char *prefix,
                          const char *name, uint64_t id, int put)
{
  lvt_buf k = { 0 };
  int rc;

  key_name(&k, prefix, name);
  if (k.oom) rc = LVT_NOMEM;
  else if (put) rc = cat_put_int(txn, dbi, k.p, k.n, (int64_t)id);
  else rc = cat_del(txn, dbi, k.p, k.n);
  lvt_buf_free(&k);
  return rc;
}

/* -------------------------------------------------------- validation -- */

/* Check a table, column or index name: present, not too long. */
static int check_name(const char *what, const char *owner, const char *name)
{
  if (name == NULL || *name == '\0')
    return lvt_err_set(LVT_SCHEMA, "%s%s%s has no name", what,
                       owner ? " of table " : "", owner ? owner : "");
  if (strlen(name) > NAME_MAX_LEN)
    return lvt_err_set(LVT_SCHEMA, "%s name too long (over %d bytes): %.40s...",
                       what, NAME_MAX_LEN, name);
  return LVT_OK;
}

/* Check column i of d: name, uniqueness, affinity, collation, default. */
static int check_column(const lvt_table_def *d, int i)
{
  const lvt_column_def *c = &d->cols[i];
  int rc = check_name("column", d->name, c->name), j;

  if (rc != LVT_OK) return rc;
  for (j = 0; j < i; j++)
    if (lvt_name_eq(d->cols[j].name, c->name))
      return lvt_err_set(LVT_SCHEMA, "duplicate column name: %s", c->name);
  if (c->affinity < LVT_AFF_BLOB || c->affinity > LVT_AFF_REAL)
    return lvt_err_set(LVT_SCHEMA, "column %s.%s: unknown affinity %d",
                       d->name, c->name, c->affinity);
  if (c->collation < LVT_COLL_BINARY || c->collation > LVT_COLL_RTRIM)
    return lvt_err_set(LVT_SCHEMA, "column %s.%s: unknown collation %d",
                       d->name, c->name, c->collation);
  if (!c->has_default) return LVT_OK;
  if (c->dflt.type < LVT_INTEGER || c->dflt.type > LVT_NULL)
    return lvt_err_set(LVT_SCHEMA, "column %s.%s: DEFAULT of unknown type %d",
                       d->name, c->name, c->dflt.type);
  if ((c->dflt.type == LVT_TEXT || c->dflt.type == LVT_BLOB) &&
      c->dflt.u.s.n > 0 && c->dflt.u.s.p == NULL)
    return lvt_err_set(LVT_SCHEMA, "column %s.%s: DEFAULT points nowhere",
                       d->name, c->name);
  return LVT_OK;
}

/* Check index x of table d (not its name's uniqueness).  A column number
 * out of range gives `nocol` (LVT_SCHEMA in a table definition,
 * LVT_NOCOLUMN for lvt_index_create). */
static int check_index(const lvt_table_def *d, const lvt_index_def *x, int nocol)
{
  int rc = check_name("index", d->name, x->name), j;

  if (rc != LVT_OK) return rc;
  if (x->ncol < 1 || x->ncol > MAX_INDEX_COLUMNS || x->cols == NULL)
    return lvt_err_set(LVT_SCHEMA, "index %s: %d columns (1 to %d allowed)",
                       x->name, x->ncol, MAX_INDEX_COLUMNS);
  for (j = 0; j < x->ncol; j++)
    if (x->cols[j] < 0 || x->cols[j] >= d->ncol)
      return lvt_err_set(nocol, "index %s: table %s has no column number %d",
                         x->name, d->name, x->cols[j]);
  if (x->primary && !x->unique)
    return lvt_err_set(LVT_SCHEMA, "index %s: a primary-key index must be unique",
                       x->name);
  if (x->primary && d->ipk >= 0)
    return lvt_err_set(LVT_SCHEMA, "table %s has more than one primary key",
                       d->name);
  return LVT_OK;
}

/* Check the indexes of d: each valid, names distinct, one primary key. */
static int check_indexes(const lvt_table_def *d)
{
  int i, j, rc, nprimary = 0;

  if (d->nidx < 0 || d->nidx > MAX_INDEXES || (d->nidx > 0 && d->idx == NULL))
    return lvt_err_set(LVT_SCHEMA, "table %s: %d indexes (0 to %d allowed)",
                       d->name, d->nidx, MAX_INDEXES);
  for (i = 0; i < d->nidx; i++) {
    rc = check_index(d, &d->idx[i], LVT_SCHEMA);
    if (rc != LVT_OK) return rc;
    for (j = 0; j < i; j++)
      if (lvt_name_eq(d->idx[j].name, d->idx[i].name))
        return lvt_err_set(LVT_SCHEMA, "index %s already exists", d->idx[i].name);
    nprimary += d->idx[i].primary != 0;
  }
  if (nprimary > 1)
    return lvt_err_set(LVT_SCHEMA, "table %s has more than one primary key", d->name);
  return LVT_OK;
}

/* Check a table definition; LVT_SCHEMA names what is wrong. */
int lvt_cat_validate(const lvt_table_def *d)
{
  int i, rc;

  if (d == NULL) return lvt_err_set(LVT_MISUSE, "no table definition");
  rc = check_name("table", NULL, d->name);
  if (rc != LVT_OK) return rc;
  if (d->ncol < 1 || d->ncol > MAX_COLUMNS || d->cols == NULL)
    return lvt_err_set(LVT_SCHEMA, "table %s: %d columns (1 to %d allowed)",
                       d->name, d->ncol, MAX_COLUMNS);
  for (i = 0; i < d->ncol; i++) {
    rc = check_column(d, i);
    if (rc != LVT_OK) return rc;
  }
  if (d->ipk < -1 || d->ipk >= d->ncol)
    return lvt_err_set(LVT_SCHEMA, "table %s: INTEGER PRIMARY KEY column number "
                       "%d out of range", d->name, d->ipk);
  if (d->ipk >= 0 && d->cols[d->ipk].affinity != LVT_AFF_INTEGER)
    return lvt_err_set(LVT_SCHEMA, "table %s: INTEGER PRIMARY KEY column %s "
                       "must have INTEGER affinity", d->name, d->cols[d->ipk].name);
  return check_indexes(d);
}

/* ----------------------------------------------------- table records -- */

static void v_int(lvt_value *v, int64_t i) { v->type = LVT_INTEGER; v->u.i = i; }

static void v_text(lvt_value *v, const char *s)
{
  if (s == NULL) { v->type = LVT_NULL; return; }
  v->type = LVT_TEXT;
  v->u.s.p = s;
  v->u.s.n = strlen(s);
}

/* Number of values in the record of d. */
static size_t rec_nvals(const lvt_table_def *d)
{
  size_t n = TAB_FIELDS + (size_t)COL_FIELDS * (size_t)d->ncol;
  int i;
  for (i = 0; i < d->nidx; i++) n += IDX_FIELDS + (size_t)d->idx[i].ncol;
  return n;
}

/* Append the values of index x (sub-database number sub) at v. */
static lvt_value *put_index(lvt_value *v, const lvt_index_def *x, uint32_t sub)
{
  int j;
  v_int(v++, sub);
  v_text(v++, x->name);
  v_int(v++, x->unique != 0);
  v_int(v++, x->primary != 0);
  v_int(v++, x->ncol);
  for (j = 0; j < x->ncol; j++) v_int(v++, x->cols[j]);
  v->type = LVT_BLOB;
  v->u.s.p = x->desc ? x->desc : zero_flags;
  v->u.s.n = (size_t)x->ncol;
  return v + 1;
}

/* Append the table record of d (table id, index sub-database numbers
 * idx_id[], next number) to out.  The caller owns out. */
static int cat_encode(lvt_buf *out, const lvt_table_def *d, uint64_t id,
                      const uint32_t *idx_id, uint32_t next_idx)
{
  size_t n = rec_nvals(d);
  lvt_value *vals = lvt_calloc(n, sizeof *vals), *v = vals;
  int i, rc;

  if (vals == NULL) return lvt_err_set(LVT_NOMEM, "out of memory");
  v_int(v++, (int64_t)id);
  v_text(v++, d->name);
  v_int(v++, d->strict != 0);
  v_int(v++, d->ipk);
  v_int(v++, d->ncol);
  v_int(v++, d->nidx);
  v_int(v++, next_idx);
  for (i = 0; i < d->ncol; i++) {
    const lvt_column_def *c = &d->cols[i];
    v_text(v++, c->name);
    v_text(v++, c->decltype);
    v_int(v++, c->affinity);
    v_int(v++, c->notnull != 0);
    v_int(v++, c->collation);
    v_int(v++, c->has_default != 0);
    if (c->has_default) *v++ = c->dflt; else (v++)->type = LVT_NULL;
  }
  for (i = 0; i < d->nidx; i++) v = put_index(v, &d->idx[i], idx_id[i]);
  assert((size_t)(v - vals) == n);
  rc = lvt_rec_encode(out, vals, (int)n);
  if (rc == LVT_OK && out->oom) rc = LVT_NOMEM;
  lvt_free(vals);
  return rc == LVT_NOMEM ? lvt_err_set(rc, "out of memory") : rc;
}

/* Encode d and store it as the record of table id. */
static int cat_put_table(lvt_txn *txn, MDB_dbi dbi, const lvt_table_def *d,
                         uint64_t id, const uint32_t *idx_id, uint32_t next_idx)
{
  unsigned char k[10];
  lvt_buf b = { 0 };
  int rc = cat_encode(&b, d, id, idx_id, next_idx);

  key_table(k, id);
  if (rc == LVT_OK) rc = cat_put(txn, dbi, k, sizeof k, b.p, b.n);
  lvt_buf_free(&b);
  return rc;
}

/* ----------------------------------------------------- record parser -- */

/* Sequential reader of a table record, and the block the definition is
 * built in (one allocation, sized from the record before parsing). */
typedef struct rd {
  const void *rec;
  size_t n;
  int pos, count;
  unsigned char *blk;
  size_t used, cap;
} rd;

/* Take n bytes aligned to `align` from the block; NULL if it is full
 * (cannot happen with the bound computed in cat_parse). */
static void *rd_take(rd *r, size_t n, size_t align)
{
  size_t off = (r->used + align - 1) & ~(align - 1);
  if (off > r->cap || n > r->cap - off) return NULL;
  r->used = off + n;
  return r->blk + off;
}

/* Copy n bytes into the block, NUL-terminated. */
static void *rd_copy(rd *r, const void *p, size_t n)
{
  unsigned char *q = rd_take(r, n + 1, 1);
  if (q == NULL) return NULL;
  if (n) memcpy(q, p, n);
  q[n] = 0;
  return q;
}

/* The next value of the record. */
static int rd_val(rd *r, lvt_value *v)
{
  if (r->pos >= r->count) return LVT_CORRUPT;
  return lvt_rec_column(r->rec, r->n, r->pos++, v) == LVT_OK ? LVT_OK : LVT_CORRUPT;
}

/* The next value, which must be an INTEGER in [lo, hi]. */
static int rd_int(rd *r, int64_t lo, int64_t hi, int64_t *out)
{
  lvt_value v;
  if (rd_val(r, &v) != LVT_OK || v.type != LVT_INTEGER || v.u.i < lo || v.u.i > hi)
    return LVT_CORRUPT;
  *out = v.u.i;
  return LVT_OK;
}

/* The next value, a TEXT without NUL bytes (or NULL when nullable), copied
 * into the block. */
static int rd_text(rd *r, int nullable, const char **out)
{
  lvt_value v;
  if (rd_val(r, &v) != LVT_OK) return LVT_CORRUPT;
  if (v.type == LVT_NULL && nullable) { *out = NULL; return LVT_OK; }
  if (v.type != LVT_TEXT || (v.u.s.n && memchr(v.u.s.p, 0, v.u.s.n)))
    return LVT_CORRUPT;
  *out = rd_copy(r, v.u.s.p, v.u.s.n);
  return *out ? LVT_OK : LVT_CORRUPT;
}

/* Parse the 7 values of one column definition. */
static int rd_column(rd *r, lvt_column_def *c)
{
  int64_t aff, nn, coll, hasd;
  lvt_value v;

  if (rd_text(r, 0, &c->name) || rd_text(r, 1, &c->decltype) ||
      rd_int(r, LVT_AFF_BLOB, LVT_AFF_REAL, &aff) || rd_int(r, 0, 1, &nn) ||
      rd_int(r, LVT_COLL_BINARY, LVT_COLL_RTRIM, &coll) ||
      rd_int(r, 0, 1, &hasd) || rd_val(r, &v))
    return LVT_CORRUPT;
  if (v.type == LVT_TEXT || v.type == LVT_BLOB) {
    v.u.s.p = rd_copy(r, v.u.s.p, v.u.s.n);
    if (v.u.s.p == NULL) return LVT_CORRUPT;
  }
  c->affinity = (int)aff;
  c->notnull = (int)nn;
  c->collation = (int)coll;
  c->has_default = (int)hasd;
  c->dflt = v;
  return LVT_OK;
}

/* Parse one index definition (6 + ncol values) of a table of ncol columns. */
static int rd_index(rd *r, int ncol, lvt_index_def *x, uint32_t *sub)
{
  int64_t s, u, p, n, c;
  int *cols, j;
  lvt_value v;

  if (rd_int(r, 0, UINT32_MAX, &s) || rd_text(r, 0, &x->name) ||
      rd_int(r, 0, 1, &u) || rd_int(r, 0, 1, &p) ||
      rd_int(r, 1, MAX_INDEX_COLUMNS, &n))
    return LVT_CORRUPT;
  cols = rd_take(r, (size_t)n * sizeof *cols, _Alignof(int));
  if (cols == NULL) return LVT_CORRUPT;
  for (j = 0; j < n; j++) {
    if (rd_int(r, 0, ncol - 1, &c)) return LVT_CORRUPT;
    cols[j] = (int)c;
  }
  if (rd_val(r, &v) || v.type != LVT_BLOB || v.u.s.n != (size_t)n) return LVT_CORRUPT;
  x->desc = rd_copy(r, v.u.s.p, v.u.s.n);
  if (x->desc == NULL) return LVT_CORRUPT;
  x->cols = cols;
  x->ncol = (int)n;
  x->unique = (int)u;
  x->primary = (int)p;
  *sub = (uint32_t)s;
  return LVT_OK;
}

/* Read the fixed fields 0 and 2..6 of a table record. */
static int rd_head(rd *r, int64_t h[TAB_FIELDS])
{
  r->pos = 0;
  if (rd_int(r, 1, INT64_MAX, &h[0])) return LVT_CORRUPT;
  r->pos = 2;
  if (rd_int(r, 0, 1, &h[2]) || rd_int(r, -1, MAX_COLUMNS - 1, &h[3]) ||
      rd_int(r, 1, MAX_COLUMNS, &h[4]) || rd_int(r, 0, MAX_INDEXES, &h[5]) ||
      rd_int(r, 0, UINT32_MAX, &h[6]))
    return LVT_CORRUPT;
  if ((size_t)r->count < TAB_FIELDS + (size_t)COL_FIELDS * (size_t)h[4] +
                         (size_t)IDX_FIELDS * (size_t)h[5])
    return LVT_CORRUPT;
  return LVT_OK;
}

/* Parse columns and indexes into s, whose arrays are in the block. */
static int rd_body(rd *r, lvt_schema *s, lvt_column_def *cols,
                   lvt_index_def *idx, uint32_t *sub)
{
  int i;

  r->pos = 1;
  if (rd_text(r, 0, &s->def.name)) return LVT_CORRUPT;
  r->pos = TAB_FIELDS;
  for (i = 0; i < s->def.ncol; i++)
    if (rd_column(r, &cols[i])) return LVT_CORRUPT;
  for (i = 0; i < s->def.nidx; i++)
    if (rd_index(r, s->def.ncol, &idx[i], &sub[i])) return LVT_CORRUPT;
  if (r->pos != r->count) return LVT_CORRUPT;
  s->raw = rd_copy(r, r->rec, r->n);
  return s->raw ? LVT_OK : LVT_CORRUPT;
}

/* Parse a table record into a new schema block owned by the caller. */
static int cat_parse(const void *rec, size_t nrec, lvt_schema **out)
{
  rd r = { 0 };
  int64_t h[TAB_FIELDS];
  lvt_schema *s;
  lvt_column_def *cols;
  lvt_index_def *idx;
  uint32_t *sub;
  int rc;

  r.rec = rec;
  r.n = nrec;
  r.count = lvt_rec_count(rec, nrec);
  if (r.count < TAB_FIELDS || rd_head(&r, h)) return LVT_CORRUPT;
  r.cap = sizeof *s + (size_t)h[4] * sizeof *cols +
          (size_t)h[5] * (sizeof *idx + sizeof *sub + 16) +
          (size_t)r.count * (sizeof(int) + 1) + 2 * nrec + 128;
  r.blk = lvt_calloc(1, r.cap);
  if (r.blk == NULL) return LVT_NOMEM;
  s = rd_take(&r, sizeof *s, _Alignof(lvt_schema));
  cols = rd_take(&r, (size_t)h[4] * sizeof *cols, _Alignof(lvt_column_def));
  idx = rd_take(&r, (size_t)h[5] * sizeof *idx + 1, _Alignof(lvt_index_def));
  sub = rd_take(&r, (size_t)h[5] * sizeof *sub + 1, _Alignof(uint32_t));
  s->id = (uint64_t)h[0];
  s->def.strict = (int)h[2];
  s->def.ipk = (int)h[3];
  s->def.ncol = (int)h[4];
  s->def.nidx = (int)h[5];
  s->next_idx_id = (uint32_t)h[6];
  s->def.cols = cols;
  s->def.idx = idx;
  s->idx_id = sub;
  s->nraw = nrec;
  rc = rd_body(&r, s, cols, idx, sub);
  if (rc == LVT_OK && lvt_cat_validate(&s->def) != LVT_OK) rc = LVT_CORRUPT;
  if (rc != LVT_OK) { lvt_free(r.blk); return rc; }
  *out = s;
  return LVT_OK;
}

/* Free a schema block (NULL: nothing). */
void lvt_schema_free(lvt_schema *s)
{
  lvt_free(s);
}

/* ------------------------------------------------------------- reads -- */

/* Read the record of table id and parse it; the caller owns *out. */
static int cat_read_table(lvt_txn *txn, MDB_dbi dbi, uint64_t id,
                          const char *name, lvt_schema **out)
{
  unsigned char k[10];
  MDB_val key = { sizeof k, k }, val;
  int rc;

  key_table(k, id);
  rc = lvt_txn_get(txn, dbi, &key, &val);
  if (rc == LVT_NOTFOUND) {
    if (name) return lvt_err_set(LVT_CORRUPT, "catalog: table %s has no record", name);
    return lvt_err_set(LVT_NOTABLE, "no such table (id %" PRIu64 "): it was dropped", id);
  }
  if (rc != LVT_OK) return rc;
  rc = cat_parse(val.mv_data, val.mv_size, out);
  if (rc == LVT_CORRUPT)
    return lvt_err_set(rc, "malformed catalog record of table %s (id %" PRIu64 ")",
                       name ? name : "?", id);
  if (rc == LVT_NOMEM) return lvt_err_set(rc, "out of memory");
  return rc;
}

/* Read a table definition by name, or by id when name is NULL. */
int lvt_cat_load(lvt_txn *txn, const char *name, uint64_t id, lvt_schema **out)
{
  MDB_dbi dbi;
  uint64_t gen;
  int rc;

  *out = NULL;
  rc = cat_open(txn, 0, &dbi);
  if (rc == LVT_NOTFOUND)
    return lvt_err_set(LVT_NOTABLE, "no such table: %s (the environment has "
                       "no lmdbvt catalog)", name ? name : "?");
  if (rc != LVT_OK) return rc;
  if (name) {
    rc = cat_table_id(txn, dbi, name, &id);
    if (rc == LVT_NOTFOUND) return lvt_err_set(LVT_NOTABLE, "no such table: %s", name);
    if (rc != LVT_OK) return rc;
  }
  rc = lvt_cat_gen(txn, &gen);
  if (rc == LVT_OK) rc = cat_read_table(txn, dbi, id, name, out);
  if (rc == LVT_OK) (*out)->gen = gen;
  return rc;
}

/* ------------------------------------------------------------ writes -- */

/* Refuse names of d that are taken: the table's, its indexes'. */
static int cat_names_free(lvt_txn *txn, MDB_dbi dbi, const lvt_table_def *d)
{
  uint64_t id;
  int i, rc = cat_table_id(txn, dbi, d->name, &id);

  if (rc == LVT_OK) return lvt_err_set(LVT_EXISTS, "table %s already exists", d->name);
  if (rc != LVT_NOTFOUND) return rc;
  for (i = 0; i < d->nidx; i++) {
    rc = cat_index_exists(txn, dbi, d->idx[i].name);
    if (rc == LVT_OK)
      return lvt_err_set(LVT_EXISTS, "index %s already exists", d->idx[i].name);
    if (rc != LVT_NOTFOUND) return rc;
  }
  return LVT_OK;
}

/* Create the sub-databases of table id (indexes numbered 1..nidx) and the
 * name entries. */
static int cat_create_dbs(lvt_txn *txn, MDB_dbi cat, const lvt_table_def *d,
                          uint64_t id)
{
  char name[LVT_CAT_DBNAME];
  MDB_dbi dbi;
  int i, rc;

  lvt_cat_dbname(name, id, -1);
  rc = lvt_txn_dbi(txn, name, 1, &dbi);
  for (i = 0; rc == LVT_OK && i < d->nidx; i++) {
    lvt_cat_dbname(name, id, i + 1);
    rc = lvt_txn_dbi(txn, name, 1, &dbi);
    if (rc == LVT_OK) rc = cat_name_entry(txn, cat, "x:", d->idx[i].name, id, 1);
  }
  if (rc == LVT_OK) rc = cat_name_entry(txn, cat, "n:", d->name, id, 1);
  return rc;
}

/* Create a table: validate, allocate an id, create the sub-databases, write
 * the catalog entries, bump the generation. */
/* The tables of one environment agree on its durability: the first table
 * created records the sync option the environment is open with, and a
 * table created while it is open with another one is refused.  (An
 * environment from before this record gets it now.) */
static int cat_sync_agree(lvt_txn *txn, MDB_dbi dbi, const char *name)
{
  static const char *const azName[] = { "full", "normal", "off" };
  int64_t v;
  int cur = lvt_env_sync_mode(lvt_txn_env(txn));
  int rc = cat_get_int(txn, dbi, "sync", 4, &v);

  if (rc == LVT_NOTFOUND) return cat_put_int(txn, dbi, "sync", 4, cur);
  if (rc != LVT_OK) return rc;
  if (v < LVT_SYNC_FULL || v > LVT_SYNC_OFF)
    return lvt_err_set(LVT_CORRUPT, "malformed catalog entry \"sync\"");
  if (v != cur)
    return lvt_err_set(LVT_MISUSE, "table %s: the tables of this environment use "
                       "sync=%s and it is open with sync=%s; every table of an "
                       "environment must give the same sync option", name,
                       azName[v], azName[cur]);
  return LVT_OK;
}

int lvt_cat_create(lvt_txn *txn, const lvt_table_def *d)
{
  MDB_dbi dbi;
  int64_t id;
  uint32_t *sub = NULL;
  int i, rc = lvt_cat_validate(d);

  if (rc == LVT_OK) rc = cat_open_write(txn, 1, d->name, &dbi);
  if (rc == LVT_OK) rc = cat_names_free(txn, dbi, d);
  if (rc == LVT_OK) rc = cat_sync_agree(txn, dbi, d->name);
  if (rc == LVT_OK) rc = cat_get_int(txn, dbi, "nextid", 6, &id);
  if (rc != LVT_OK) return rc == LVT_NOTFOUND ? LVT_CORRUPT : rc;
  sub = lvt_malloc(((size_t)d->nidx + 1) * sizeof *sub);
  if (sub == NULL) return lvt_err_set(LVT_NOMEM, "out of memory");
  for (i = 0; i < d->nidx; i++) sub[i] = (uint32_t)i + 1;
  rc = cat_put_int(txn, dbi, "nextid", 6, id + 1);
  if (rc == LVT_OK) rc = cat_create_dbs(txn, dbi, d, (uint64_t)id);
  if (rc == LVT_OK)
    rc = cat_put_table(txn, dbi, d, (uint64_t)id, sub, (uint32_t)d->nidx + 1);
  if (rc == LVT_OK) rc = cat_bump(txn, dbi);
  lvt_free(sub);
  return rc;
}

/* Delete sub-database `name` and its data; a missing one is fine. */
static int cat_drop_db(lvt_txn *txn, const char *name)
{
  MDB_dbi dbi;
  int rc = lvt_txn_dbi(txn, name, 0, &dbi);

  if (rc == LVT_NOTFOUND) return LVT_OK;
  if (rc != LVT_OK) return rc;
  lvt_tab_wseq++;
  return lvt_txn_drop(txn, dbi, 1);
}

/* Drop a table: its sub-databases, its index names, its entries. */
int lvt_cat_drop(lvt_txn *txn, const char *tname)
{
  char name[LVT_CAT_DBNAME];
  unsigned char k[10];
  lvt_schema *s = NULL;
  MDB_dbi dbi;
  int i, rc = cat_open_write(txn, 0, tname, &dbi);

  if (rc == LVT_OK) rc = lvt_cat_load(txn, tname, 0, &s);
  for (i = 0; rc == LVT_OK && i < s->def.nidx; i++) {
    lvt_cat_dbname(name, s->id, s->idx_id[i]);
    rc = cat_drop_db(txn, name);
    if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "x:", s->def.idx[i].name, 0, 0);
  }
  if (rc == LVT_OK) {
    lvt_cat_dbname(name, s->id, -1);
    rc = cat_drop_db(txn, name);
  }
  if (rc == LVT_OK) {
    key_table(k, s->id);
    rc = cat_del(txn, dbi, k, sizeof k);
  }
  if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "n:", s->def.name, 0, 0);
  if (rc == LVT_OK) rc = cat_bump(txn, dbi);
  lvt_schema_free(s);
  return rc;
}

/* Rename a table: its record and its name entry; data stays in place. */
int lvt_cat_rename(lvt_txn *txn, const char *from, const char *to)
{
  lvt_schema *s = NULL;
  lvt_table_def d;
  MDB_dbi dbi;
  uint64_t id;
  int rc = check_name("table", NULL, to);

  if (rc == LVT_OK) rc = cat_open_write(txn, 0, from, &dbi);
  if (rc == LVT_OK) rc = lvt_cat_load(txn, from, 0, &s);
  if (rc == LVT_OK && !lvt_name_eq(from, to)) {
    rc = cat_table_id(txn, dbi, to, &id);
    if (rc == LVT_OK)
      rc = lvt_err_set(LVT_EXISTS, "there is already another table or index "
                       "with this name: %s", to);
    else if (rc == LVT_NOTFOUND)
      rc = LVT_OK;
  }
  if (rc == LVT_OK) {
    d = s->def;
    d.name = to;
    rc = cat_put_table(txn, dbi, &d, s->id, s->idx_id, s->next_idx_id);
  }
  if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "n:", from, 0, 0);
  if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "n:", to, s->id, 1);
  if (rc == LVT_OK) rc = cat_bump(txn, dbi);
  lvt_schema_free(s);
  return rc;
}

/* --------------------------------------------------------- indexes -- */

/* Check one more index x for table s before its data is built. */
int lvt_cat_index_check(lvt_txn *txn, const lvt_schema *s, const lvt_index_def *x)
{
  MDB_dbi dbi;
  int i, rc;

  if (x == NULL) return lvt_err_set(LVT_MISUSE, "no index definition");
  rc = check_index(&s->def, x, LVT_NOCOLUMN);
  if (rc != LVT_OK) return rc;
  if (s->def.nidx >= MAX_INDEXES)
    return lvt_err_set(LVT_SCHEMA, "table %s has too many indexes", s->def.name);
  for (i = 0; i < s->def.nidx; i++)
    if (x->primary && s->def.idx[i].primary)
      return lvt_err_set(LVT_SCHEMA, "table %s has more than one primary key",
                         s->def.name);
  rc = cat_open_write(txn, 0, s->def.name, &dbi);
  if (rc == LVT_OK) rc = cat_index_exists(txn, dbi, x->name);
  if (rc == LVT_OK) return lvt_err_set(LVT_EXISTS, "index %s already exists", x->name);
  return rc == LVT_NOTFOUND ? LVT_OK : rc;
}

/* Rewrite the record of table s with the index list idx[0..nidx-1] (their
 * sub-database numbers in sub[]). */
static int cat_put_indexes(lvt_txn *txn, MDB_dbi dbi, const lvt_schema *s,
                           const lvt_index_def *idx, const uint32_t *sub,
                           int nidx, uint32_t next)
{
  lvt_table_def d = s->def;

  d.idx = idx;
  d.nidx = nidx;
  return cat_put_table(txn, dbi, &d, s->id, sub, next);
}

/* Append index x, whose entries are already in sub-database number
 * s->next_idx_id, to table s. */
int lvt_cat_index_add(lvt_txn *txn, const lvt_schema *s, const lvt_index_def *x)
{
  int n = s->def.nidx;
  lvt_index_def *idx = lvt_malloc(((size_t)n + 1) * sizeof *idx);
  uint32_t *sub = lvt_malloc(((size_t)n + 1) * sizeof *sub);
  MDB_dbi dbi;
  int rc = LVT_OK;

  if (idx == NULL || sub == NULL) rc = lvt_err_set(LVT_NOMEM, "out of memory");
  if (rc == LVT_OK) rc = cat_open_write(txn, 0, s->def.name, &dbi);
  if (rc == LVT_OK) {
    if (n) memcpy(idx, s->def.idx, (size_t)n * sizeof *idx);
    if (n) memcpy(sub, s->idx_id, (size_t)n * sizeof *sub);
    idx[n] = *x;
    sub[n] = s->next_idx_id;
    rc = cat_put_indexes(txn, dbi, s, idx, sub, n + 1, s->next_idx_id + 1);
  }
  if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "x:", x->name, s->id, 1);
  if (rc == LVT_OK) rc = cat_bump(txn, dbi);
  lvt_free(idx);
  lvt_free(sub);
  return rc;
}

/* Remove index k of table s: record, name entry, sub-database. */
int lvt_cat_index_remove(lvt_txn *txn, const lvt_schema *s, int k)
{
  char name[LVT_CAT_DBNAME];
  int n = s->def.nidx;
  lvt_index_def *idx = lvt_malloc((size_t)n * sizeof *idx);
  uint32_t *sub = lvt_malloc((size_t)n * sizeof *sub);
  MDB_dbi dbi;
  int rc = LVT_OK;

  assert(k >= 0 && k < n);
  if (idx == NULL || sub == NULL) rc = lvt_err_set(LVT_NOMEM, "out of memory");
  if (rc == LVT_OK) rc = cat_open_write(txn, 0, s->def.name, &dbi);
  if (rc == LVT_OK) {
    memcpy(idx, s->def.idx, (size_t)n * sizeof *idx);
    memcpy(sub, s->idx_id, (size_t)n * sizeof *sub);
    memmove(idx + k, idx + k + 1, (size_t)(n - k - 1) * sizeof *idx);
    memmove(sub + k, sub + k + 1, (size_t)(n - k - 1) * sizeof *sub);
    rc = cat_put_indexes(txn, dbi, s, idx, sub, n - 1, s->next_idx_id);
  }
  if (rc == LVT_OK) rc = cat_name_entry(txn, dbi, "x:", s->def.idx[k].name, 0, 0);
  if (rc == LVT_OK) {
    lvt_cat_dbname(name, s->id, s->idx_id[k]);
    rc = cat_drop_db(txn, name);
  }
  if (rc == LVT_OK) rc = cat_bump(txn, dbi);
  lvt_free(idx);
  lvt_free(sub);
  return rc;
}
