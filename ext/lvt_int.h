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
 *   buf.c       lvt_buf_*     growable byte buffer with a sticky OOM flag
 *   error.c     lvt_err_*     thread-local error message; lvt_strerror
 *   value.c     lvt_value_*   affinity conversion and comparison, SQLite rules
 *   keycodec.c  lvt_key_*     order-preserving key encoding
 *   record.c    lvt_rec_*     row record encoding with O(1) column access
 *   env.c       lvt_env_*, lvt_txn_*   environment registry, transactions
 *   catalog.c   lvt_cat_*     table/index definitions stored in the env
 *   table.c     lvt_table_*, lvt_insert ...  table operations, index upkeep
 *   cursor.c    lvt_cursor_*  range scans
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

/* ------------------------------------------------------------ env.c -- */
/*
 * What catalog.c, table.c and cursor.c use of transactions.  Every write to
 * LMDB goes through lvt_txn_put / lvt_txn_del / lvt_txn_drop: they log the
 * operation so that, when the map fills (MDB_MAP_FULL kills an LMDB
 * transaction), env.c can abort, grow the map and replay the log, invisibly
 * to the caller.  After such a replay the MDB_txn is a new one, so:
 *  - never keep an MDB_txn* or MDB_cursor* across a call that may write;
 *    fetch lvt_txn_mdb(txn) again, and compare lvt_txn_gen(txn) to know
 *    whether cursors must be reopened (lvt_cursor re-seeks from its saved
 *    key when the generation changed);
 *  - data pointers obtained from LMDB before a write are invalid after it
 *    (as in plain LMDB).
 */

/* The current MDB_txn of txn (innermost nested level). */
LVT_HIDDEN MDB_txn *lvt_txn_mdb(lvt_txn *txn);
/* Nonzero for a read-only transaction. */
LVT_HIDDEN int lvt_txn_readonly(const lvt_txn *txn);
/* Changes whenever the underlying MDB_txn was replaced (grow and replay). */
LVT_HIDDEN unsigned lvt_txn_gen(const lvt_txn *txn);
/* Open the named sub-database, creating it if `create` (write txn only).
 * LVT_NOTFOUND if it does not exist and !create.  Handles are cached per
 * environment; a handle created in a transaction that aborts is forgotten. */
LVT_HIDDEN int lvt_txn_dbi(lvt_txn *txn, const char *name, int create, MDB_dbi *dbi);
/* mdb_put (flags: 0, MDB_NOOVERWRITE, MDB_APPEND), logged for replay. */
LVT_HIDDEN int lvt_txn_put(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key,
                           const MDB_val *val, unsigned flags);
/* mdb_del of a key (no DUPSORT here), logged.  LVT_NOTFOUND if absent. */
LVT_HIDDEN int lvt_txn_del(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key);
/* mdb_drop: empty the sub-database (del = 0) or delete it (del = 1), logged;
 * a deleted handle leaves the cache. */
LVT_HIDDEN int lvt_txn_drop(lvt_txn *txn, MDB_dbi dbi, int del);
/* mdb_get through the current MDB_txn; LVT_NOTFOUND if absent. */
LVT_HIDDEN int lvt_txn_get(lvt_txn *txn, MDB_dbi dbi, const MDB_val *key, MDB_val *val);
/* The transaction's environment's MDB_env. */
LVT_HIDDEN MDB_env *lvt_env_mdb(lvt_env *env);

#endif /* LVT_INT_H */
