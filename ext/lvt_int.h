/*
 * lvt_int.h -- internal interfaces of the lmdbvt storage core.
 *
 * First include of every core .c file.  Nothing here includes SQLite: the
 * core (env, catalog, codecs, table operations, cursors) builds into a
 * convenience library that tests, bench and examples link without SQLite.
 * Functions shared between core files are LVT_HIDDEN: not exported from
 * lmdbvt.so (which exports sqlite3_lmdbvt_init and the public lvt_* API).
 *
 * Layers, one prefix per file:
 *   alloc.c     lvt_malloc ...  every core allocation (lvt_config_malloc)
 *   buf.c       lvt_buf_*     growable byte buffer with a sticky OOM flag
 *   error.c     lvt_err_*     thread-local error message; lvt_strerror
 *   value.c     lvt_value_*   affinity conversion and comparison, SQLite rules
 *   keycodec.c  lvt_key_*     order-preserving key encoding
 *   record.c    lvt_rec_*     row record encoding with O(1) column access
 *   env.c       lvt_env_*, lvt_txn_*   environment registry, transactions
 *   catalog.c   lvt_cat_*     table/index definitions stored in the env
 *   table.c     lvt_table_*, lvt_insert ...  table operations, index upkeep
 *   cursor.c    lvt_cursor_*  range scans
 *   check.c     lvt_check_*   integrity check of a table and its indexes
 */
#ifndef LVT_INT_H
#define LVT_INT_H

#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "lmdbvt.h"

#if defined(__GNUC__)
#define LVT_HIDDEN __attribute__((visibility("hidden")))
#define LVT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LVT_HIDDEN
#define LVT_PRINTF(f, a)
#endif

/* LMDB's default maximum key size; keys and index entries must fit. */
#define LVT_MAX_KEY 511

/* ---------------------------------------------------------- alloc.c -- */

/* The core allocates only through these (never libc's directly), so the
 * methods of lvt_config_malloc() see every allocation.  Same contracts as
 * libc's; lvt_free(NULL) does nothing. */
LVT_HIDDEN void *lvt_malloc(size_t n);
LVT_HIDDEN void *lvt_calloc(size_t n, size_t size);
LVT_HIDDEN void *lvt_realloc(void *p, size_t n);
LVT_HIDDEN void lvt_free(void *p);
LVT_HIDDEN char *lvt_strdup(const char *s);

/* ------------------------------------------------------------ buf.c -- */

/* A growable byte buffer.  Appends never fail: on out-of-memory the buffer
 * sets `oom` and ignores further appends, so a sequence of appends is
 * checked once at the end (lsm_vtab.c's lsm1_vblob).  A zeroed struct is an
 * empty buffer. */
typedef struct lvt_buf {
  unsigned char *p;
  size_t n;      /* bytes used */
  size_t cap;    /* bytes allocated */
  int oom;       /* sticky out-of-memory flag */
} lvt_buf;

LVT_HIDDEN int lvt_buf_reserve(lvt_buf *b, size_t extra); /* 0 ok, else sets oom */
LVT_HIDDEN void lvt_buf_append(lvt_buf *b, const void *p, size_t n);
LVT_HIDDEN void lvt_buf_byte(lvt_buf *b, unsigned char c);
LVT_HIDDEN void lvt_buf_reset(lvt_buf *b);  /* n = 0, oom = 0, keeps memory */
LVT_HIDDEN void lvt_buf_free(lvt_buf *b);   /* frees memory, back to zeroed */

/* ---------------------------------------------------------- error.c -- */

/* Record a detailed message for lvt_errmsg() and return rc, so that
 *   return lvt_err_set(LVT_UNIQUE, "UNIQUE constraint failed: %s.%s", t, c);
 * reads naturally. */
LVT_HIDDEN int lvt_err_set(int rc, const char *fmt, ...) LVT_PRINTF(2, 3);
/* Map an LMDB or errno code to an LVT code, recording mdb_strerror() and the
 * context `what` (e.g. "mdb_put users") as the message. */
LVT_HIDDEN int lvt_err_mdb(int mdbrc, const char *what);
LVT_HIDDEN void lvt_err_clear(void);

/* ---------------------------------------------------------- value.c -- */

/* Apply column affinity to *v in place, exactly as SQLite does when storing
 * into a column of that affinity (TEXT that looks numeric becomes a number
 * under NUMERIC/INTEGER/REAL; numbers become text under TEXT, using SQLite's
 * own formatting; REAL that is an exact integer becomes INTEGER under
 * NUMERIC/INTEGER).  Text produced by the conversion is written to *scratch
 * and *v points into it.  Returns 0, or -1 when the conversion is not lossless
 * (for strict tables: the caller reports LVT_MISMATCH), or LVT_NOMEM. */
LVT_HIDDEN int lvt_value_apply_affinity(lvt_value *v, int affinity, lvt_buf *scratch);
/* Most bytes one lvt_value_apply_affinity call appends to *scratch (the text
 * is appended, never reset): reserve n * this before converting n values
 * whose pointers must all stay valid. */
#define LVT_VALUE_TEXT_MAX 32

/* Compare two values as SQLite does with the given collation: NULL < numbers
 * < TEXT < BLOB, integers and reals by value (exact beyond 2^53).  Returns
 * <0, 0, >0.  NULL equals NULL here (index order, not SQL '='). */
LVT_HIDDEN int lvt_value_compare(const lvt_value *a, const lvt_value *b, int collation);

/* Name of a storage class as SQLite's messages spell it ("INTEGER", ...). */
LVT_HIDDEN const char *lvt_value_typename(int type);

/* ------------------------------------------------------- keycodec.c -- */

/* Append the key encoding of *v to out (byte layout: top of keycodec.c).
 * `desc` inverts the bytes for a DESC column; `collation` folds TEXT for
 * NOCASE/RTRIM before encoding.  Returns LVT_OK, LVT_NAN for a NaN REAL,
 * LVT_TOOBIG for TEXT/BLOB over 10^9 bytes, LVT_MISUSE for an unknown type,
 * or LVT_NOMEM (out->oom). */
LVT_HIDDEN int lvt_key_encode(lvt_buf *out, const lvt_value *v, int desc, int collation);

/* Decode one value from p[0..n-1], setting *used to the bytes consumed.
 * TEXT and BLOB are unescaped into *scratch (appended; v points into it, so
 * do not append to scratch again while v is in use... or reserve first).
 * Numbers decode canonically: an integral value within int64 as INTEGER,
 * anything else as REAL.  Returns LVT_OK or LVT_CORRUPT (truncated input,
 * bad tag, bad escape), never reading past p + n. */
LVT_HIDDEN int lvt_key_decode(const unsigned char *p, size_t n, int desc,
                              lvt_value *v, size_t *used, lvt_buf *scratch);

/* Rowid keys: 8 bytes, big-endian with the sign bit flipped, so memcmp order
 * is integer order.  Table keys are exactly this; index entries end with it. */
#define LVT_ROWID_SIZE 8
LVT_HIDDEN void lvt_key_rowid_put(unsigned char out[LVT_ROWID_SIZE], int64_t rowid);
LVT_HIDDEN int64_t lvt_key_rowid_get(const unsigned char in[LVT_ROWID_SIZE]);

/* Turn a key prefix into the smallest key greater than every key starting
 * with it (strip trailing 0xFF bytes, increment the last): the seek target
 * for an exclusive lower or inclusive upper bound on a prefix.  In place.
 * LVT_OK, or LVT_NOTFOUND (b left empty) when there is none: unbounded. */
LVT_HIDDEN int lvt_key_prefix_successor(lvt_buf *b);

/* --------------------------------------------------------- record.c -- */

/* Append the record encoding of vals[0..n-1] (layout: top of record.c). */
LVT_HIDDEN int lvt_rec_encode(lvt_buf *out, const lvt_value *vals, int n);

/* Number of columns stored in a record, or LVT_CORRUPT (<0). */
LVT_HIDDEN int lvt_rec_count(const void *rec, size_t n);

/* Column k of a record in O(1): TEXT/BLOB point into rec.  k beyond the
 * stored count gives LVT_NOTFOUND (the caller substitutes the DEFAULT).
 * Malformed records give LVT_CORRUPT, never a read outside rec[0..n-1]. */
LVT_HIDDEN int lvt_rec_column(const void *rec, size_t n, int k, lvt_value *out);

/* Validate a whole record (every offset and type), LVT_OK or LVT_CORRUPT. */
LVT_HIDDEN int lvt_rec_check(const void *rec, size_t n);

/* -------------------------------------------------------- catalog.c -- */
/*
 * The catalog sub-database (layout: top of catalog.c) describes every table
 * and index of an environment.  Table `id` keeps its rows in sub-database
 * "t<id>" and index k in "t<id>.i<idx_id[k]>", so a rename touches only the
 * catalog.  A generation counter changes with every schema change.
 */
#define LVT_CAT_FORMAT 1           /* catalog format written by this code */
#define LVT_CAT_DBI "lmdbvt.catalog"
#define LVT_CAT_DBNAME 48          /* room for any sub-database name */

/* A table definition read from the catalog, in one allocation: def and
 * every pointer in it point inside the block.  Free with lvt_schema_free. */
typedef struct lvt_schema {
  lvt_table_def def;
  uint64_t id;              /* table id */
  const uint32_t *idx_id;   /* def.nidx sub-database numbers */
  uint32_t next_idx_id;     /* next unused index sub-database number */
  uint64_t gen;             /* catalog generation seen when read */
  const void *raw;          /* the catalog record it was parsed from */
  size_t nraw;
} lvt_schema;

/* Refuse a catalog written by a newer format (LVT_VERSION, message with both
 * versions).  An environment without a catalog is fine (LVT_OK): the catalog
 * is created by the first lvt_table_create, never on a read path. */
LVT_HIDDEN int lvt_cat_check(lvt_txn *txn);
/* Current generation (0 when there is no catalog). */
LVT_HIDDEN int lvt_cat_gen(lvt_txn *txn, uint64_t *gen);
/* Read a table definition by name (name != NULL) or by id.  The caller owns
 * *out.  Errors: LVT_NOTABLE, LVT_CORRUPT, LVT_VERSION, LVT_NOMEM. */
LVT_HIDDEN int lvt_cat_load(lvt_txn *txn, const char *name, uint64_t id,
                            lvt_schema **out);
LVT_HIDDEN void lvt_schema_free(lvt_schema *s);
/* Check a definition (LVT_SCHEMA naming the column or index). */
LVT_HIDDEN int lvt_cat_validate(const lvt_table_def *def);
/* Check one more index for table s: columns, flags, name unused in the
 * environment.  Errors: LVT_SCHEMA, LVT_NOCOLUMN, LVT_EXISTS. */
LVT_HIDDEN int lvt_cat_index_check(lvt_txn *txn, const lvt_schema *s,
                                   const lvt_index_def *def);
/* Schema changes, each bumping the generation; write transaction only. */
LVT_HIDDEN int lvt_cat_create(lvt_txn *txn, const lvt_table_def *def);
LVT_HIDDEN int lvt_cat_drop(lvt_txn *txn, const char *name);
LVT_HIDDEN int lvt_cat_rename(lvt_txn *txn, const char *from, const char *to);
/* Record index def (its data already in sub-database number s->next_idx_id)
 * as the last index of table s. */
LVT_HIDDEN int lvt_cat_index_add(lvt_txn *txn, const lvt_schema *s,
                                 const lvt_index_def *def);
/* Forget index k of table s and delete its sub-database. */
LVT_HIDDEN int lvt_cat_index_remove(lvt_txn *txn, const lvt_schema *s, int k);
/* Sub-database name of table id (idx_id < 0) or of one of its indexes. */
/* Nonzero when identifiers a and b are equal ignoring ASCII case. */
LVT_HIDDEN int lvt_name_eq(const char *a, const char *b);
LVT_HIDDEN void lvt_cat_dbname(char out[LVT_CAT_DBNAME], uint64_t id,
                               int64_t idx_id);

/* ------------------------------------------------------------ env.c -- */
/*
 * What catalog.c, table.c and cursor.c use of transactions.  Every write to
 * LMDB goes through lvt_txn_put / lvt_txn_del / lvt_txn_drop / lvt_txn_dbi:
 * they log the operation so that, when the map fills (MDB_MAP_FULL kills an
 * LMDB transaction), env.c can abort, grow the map and replay the log,
 * invisibly to the caller.  After such a replay the MDB_txn is a new one, so:
 *  - never keep an MDB_txn* or MDB_cursor* across a call that may write;
 *    fetch lvt_txn_mdb(txn) again, and compare lvt_txn_gen(txn) to know
 *    whether cursors must be reopened (lvt_cursor re-seeks from its saved
 *    key when the generation changed).  Compare the generation, not the
 *    pointer: LMDB reuses one MDB_txn object for every outermost write
 *    transaction, and mdb_txn_id() stays the same across a replay;
 *  - data pointers obtained from LMDB before a write are invalid after it
 *    (as in plain LMDB).
 * Any level of a chain of nested transactions may be passed: reads and
 * writes go to the innermost open level (the current savepoint).  A
 * transaction can be lost (another process committed while the map grew:
 * LVT_BUSY); then lvt_txn_mdb() is NULL and every call but commit/abort
 * repeats the error.  Handle rules (who may open a DBI when): top of env.c.
 * Expected outcomes (LVT_NOTFOUND from get/del, LVT_EXISTS from put) set no
 * lvt_errmsg(), so that hot paths stay cheap.
 */

/* The current MDB_txn of txn (innermost nested level); NULL when lost. */
LVT_HIDDEN MDB_txn *lvt_txn_mdb(lvt_txn *txn);
/* Nonzero for a read-only transaction. */
LVT_HIDDEN int lvt_txn_readonly(const lvt_txn *txn);
/* Changes whenever the underlying MDB_txn was replaced (grow and replay);
 * unique in the process, so it also tells two transactions apart. */
LVT_HIDDEN unsigned lvt_txn_gen(const lvt_txn *txn);
/* Open the named sub-database, creating it if `create` (write txn only).
 * LVT_NOTFOUND if it does not exist and !create (LVT_READONLY when create
 * in a read txn).  Handles are cached per environment; a handle created in
 * a transaction that aborts is forgotten.  A read transaction only gets
 * handles published before it began: in the rare case that the name exists
 * in its snapshot but has none yet (created by another process meanwhile),
 * LVT_BUSY: retry in a new transaction.  At most 510 sub-databases. */
LVT_HIDDEN int lvt_txn_dbi(lvt_txn *txn, const char *name, int create, MDB_dbi *dbi);
/* mdb_put (flags: 0, MDB_NOOVERWRITE, MDB_APPEND), logged for replay.
 * LVT_EXISTS (no message) when MDB_NOOVERWRITE finds the key or MDB_APPEND
 * is given a key that does not sort after the last one; nothing written. */
LVT_HIDDEN int lvt_txn_put(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key,
                           const MDB_val *val, unsigned flags);
/* mdb_del of a key (no DUPSORT here), logged.  LVT_NOTFOUND if absent. */
LVT_HIDDEN int lvt_txn_del(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key);
/* mdb_drop: empty the sub-database (del = 0) or delete it (del = 1), logged.
 * A deleted one is NOTFOUND for lvt_txn_dbi in this transaction (create
 * gives it back, empty); its record and handle go after the commit. */
LVT_HIDDEN int lvt_txn_drop(lvt_txn *txn, MDB_dbi dbi, int del);
/* mdb_get through the current MDB_txn; LVT_NOTFOUND if absent. */
LVT_HIDDEN int lvt_txn_get(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key, MDB_val *val);
/* The transaction's environment's MDB_env. */
LVT_HIDDEN MDB_env *lvt_env_mdb(lvt_env *env);
/* The environment's sync option (LVT_SYNC_*) as it was opened. */
LVT_HIDDEN int lvt_env_sync_mode(const lvt_env *env);

#endif /* LVT_INT_H */
