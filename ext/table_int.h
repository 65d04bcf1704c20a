/*
 * table_int.h -- what catalog.c, table.c, cursor.c and check.c share, and nobody else.
 *
 * A table handle (struct lvt_table) holds the schema read from the catalog,
 * the sub-database handles valid in the transaction it was last checked in,
 * and scratch buffers sized for the schema so that row writes do not
 * allocate.  A handle is used by one thread at a time, like an SQLite
 * connection.
 *
 * Schema freshness.  Before each use a handle compares the identity of the
 * transaction (lvt_txn, MDB_txn, txn id, replay generation) and a process
 * counter of schema changes with what it saw last; when they differ it reads
 * the catalog generation (one mdb_get) and reloads its definition if the
 * generation moved.  So a handle notices, once per transaction, an index
 * added or dropped by another handle or process, and in the transaction that
 * changes a schema it checks at every operation.  Generations written by this
 * process only grow (lvt_cat_hiwater), so a transaction that aborted after a
 * schema change cannot leave a generation number that a later, different
 * schema reuses while a handle still trusts it.
 */
#ifndef LVT_TABLE_INT_H
#define LVT_TABLE_INT_H

#include "lvt_int.h"

#include <stdatomic.h>

/* Schema changes made by this process (any environment), the id of the last
 * write transaction that made one, and the highest generation written. */
extern LVT_HIDDEN _Atomic uint64_t lvt_cat_changes;
extern LVT_HIDDEN _Atomic size_t lvt_cat_dirty_txnid;
extern LVT_HIDDEN _Atomic uint64_t lvt_cat_hiwater;

/* Bumped by every write of this thread through catalog.c / table.c, so a
 * cursor knows whether it must re-seek from its saved key. */
extern LVT_HIDDEN _Thread_local uint64_t lvt_tab_wseq;

struct lvt_table {
  lvt_env *env;
  lvt_schema *s;            /* current definition */
  lvt_schema **old;         /* earlier definitions, freed at close, so that */
  int nold;                 /* pointers from lvt_table_schema stay valid */

  /* sub-database handles, valid in the transaction last checked */
  MDB_dbi dbi;
  MDB_dbi *idbi;

  /* identity of the transaction last checked */
  const lvt_txn *chk_txn;
  MDB_txn *chk_mtxn;
  size_t chk_id;
  unsigned chk_gen;
  uint64_t chk_changes;
  int chk_write;
  int tentative;            /* definition read in a txn with schema changes */

  /* scratch, sized for s (see tab_alloc in table.c) */
  int ncol_alloc, nidx_alloc;  /* what the arrays below are sized for */
  lvt_value *vals;          /* the row being written, affinity applied */
  lvt_value *ovals;         /* columns of a row being replaced or deleted */
  unsigned char *indexed;   /* per column: part of some index */
  lvt_buf *conv;            /* one per column: text made by conversions */
  lvt_buf rec;              /* encoded record */
  lvt_buf vrec;             /* copy of a record being deleted */
  lvt_buf ent;              /* one index entry of a row being deleted */
  lvt_buf *inew;            /* per index: entry of the row being written */
  lvt_buf *iold;            /* per index: entry of the row being replaced */
  lvt_buf probe;            /* encoded lookup keys */
  lvt_buf pconv;            /* text made by converting lookup values */
  lvt_buf kscratch;         /* text decoded from keys */
  unsigned char *ichg;      /* per index: entry changes */
  int *uorder;              /* unique indexes in SQLite's check order */
  int nuorder;              /* (see tab_check_order in table.c) */
  unsigned char *upk;       /* per index: its failure is a PRIMARY KEY one */
  int64_t *victims;         /* rows REPLACE deletes (nidx + 1) */
  MDB_cursor **curs;        /* per index + table: cursors of one operation */
  MDB_txn *curs_txn;        /* the MDB_txn they belong to, */
  unsigned curs_gen;        /* and its replay generation */
};

/* Make tbl usable in txn: same environment, schema current, handles valid.
 * Errors: LVT_MISUSE, LVT_NOTABLE (dropped meanwhile), LVT_CORRUPT, ... */
LVT_HIDDEN int lvt_tab_sync(lvt_txn *txn, lvt_table *tbl);

/* Encode the first n key columns of index k (each value converted as SQLite
 * converts the operand of a comparison with the column: NUMERIC affinity for
 * numeric columns, TEXT for TEXT ones; then the key codec with the column's
 * DESC flag and collation) into out (reset first).  Errors: LVT_NAN,
 * LVT_TOOBIG, LVT_MISUSE (n out of range), LVT_NOMEM. */
LVT_HIDDEN int lvt_tab_probe(lvt_table *tbl, int k, const lvt_value *vals,
                             int n, lvt_buf *out);

/* Build into out (reset first) the entry of index k that the row vals (all
 * columns, stored values) with rowid makes, exactly as writes store it: the
 * key columns through the key codec with their DESC flag and collation,
 * then the 8-byte rowid.  The schema is tbl's current one (lvt_tab_sync
 * first).  Errors, with lvt_errmsg() set: LVT_NAN, LVT_TOOBIG (over
 * LVT_MAX_KEY), LVT_NOMEM. */
LVT_HIDDEN int lvt_tab_entry(lvt_table *tbl, int k, const lvt_value *vals,
                             int64_t rowid, lvt_buf *out);

/* lvt_txn_put (env.c) through cur, a cursor on dbi opened in the current
 * MDB_txn of txn (lvt_txn_mdb, same lvt_txn_gen), so that LMDB inserts
 * from where the cursor stands (a conflict probe just left it on the
 * insertion point: no second descent of the tree); NULL: mdb_put.  The
 * log and any replay see a plain put. */
LVT_HIDDEN int lvt_txn_cursor_put(lvt_txn *txn, MDB_cursor *cur, MDB_dbi dbi,
                                  const MDB_val *key, const MDB_val *val,
                                  unsigned flags);

/* cursor.c, for the SQL glue (vtab.c declares them too): park a cursor
 * (MDB cursor closed, buffers kept) and open a cursor reusing a parked
 * one (*spare, taken; NULL or none: lvt_cursor_open). */
LVT_HIDDEN void lvt_cursor_park(lvt_cursor *c);
LVT_HIDDEN int lvt_cursor_reopen(lvt_txn *txn, lvt_table *t, int index,
                                 lvt_cursor **spare, lvt_cursor **curp);

#endif /* LVT_TABLE_INT_H */
