/*
 * lmdbvt.h -- typed tables in LMDB, readable and writable from C without SQL.
 *
 * lmdbvt stores typed tables in an LMDB environment.  The SQLite extension
 * (module "lmdb") exposes them to SQL; this header is the zero-copy C API over
 * the very same tables.  Tables created from SQL are opened here by name (the
 * schema comes from the catalog inside the environment) and vice versa.
 *
 * Conventions, as in lmdb.h:
 *  - handles are opaque; every function returns an int status, LVT_OK (0) on
 *    success or one of the LVT_* codes below (never a bare errno);
 *  - lvt_strerror(rc) describes a code; lvt_errmsg() gives the detailed message
 *    of the last failure of the calling thread (it names the table, column or
 *    argument), valid until that thread's next lvt_* call that fails;
 *  - text and blob values handed *out* (row views, cursor rows) point straight
 *    into LMDB's memory map: no malloc, no memcpy.  They stay valid until the
 *    transaction ends or the next write in that transaction;
 *  - values handed *in* are only read during the call;
 *  - every lvt_*_close / lvt_*_free accepts NULL and does nothing.
 *
 * Data model.  Every table is a rowid table, as an ordinary SQLite table is:
 * rows are keyed by a 64-bit integer rowid.  A column declared
 * "INTEGER PRIMARY KEY" is that rowid.  Any other primary key (one column of
 * another type, or several columns) is kept as a unique index named
 * "<table>_pk" flagged as the primary key, so lookups by primary key are one
 * index seek and one row get, as in SQLite.
 */
#ifndef LMDBVT_H
#define LMDBVT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LVT_VERSION_MAJOR 0
#define LVT_VERSION_MINOR 1
#define LVT_VERSION_PATCH 0
#define LVT_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------- codes -- */

/* Status codes.  Errors are negative, in a range of their own (LMDB uses
 * -30800..-30780); LVT_IGNORED is a positive "nothing done" outcome. */
#define LVT_OK          0
#define LVT_IGNORED     1      /* LVT_CONFLICT_IGNORE skipped the row */
#define LVT_ERROR       (-30900) /* unexpected failure; see lvt_errmsg() */
#define LVT_NOMEM       (-30899) /* out of memory */
#define LVT_NOTFOUND    (-30898) /* no such row, or a cursor ran off its range */
#define LVT_NOTABLE     (-30897) /* no such table in the environment */
#define LVT_NOCOLUMN    (-30896) /* no such column */
#define LVT_NOINDEX     (-30895) /* no such index */
#define LVT_EXISTS      (-30894) /* table or index already exists */
#define LVT_UNIQUE      (-30893) /* UNIQUE constraint failed */
#define LVT_PRIMARYKEY  (-30892) /* PRIMARY KEY / rowid constraint failed */
#define LVT_NOTNULL     (-30891) /* NOT NULL constraint failed */
#define LVT_MISMATCH    (-30890) /* strict table: value of the wrong type */
#define LVT_TOOBIG      (-30889) /* key or index entry over LMDB's 511 bytes */
#define LVT_NAN         (-30888) /* NaN where a key needs an ordered value */
#define LVT_BUSY        (-30887) /* another writer holds the environment */
#define LVT_FULL        (-30886) /* disk full, or the map cannot grow */
#define LVT_CORRUPT     (-30885) /* undecodable key, record or catalog entry */
#define LVT_VERSION     (-30884) /* catalog written by an unknown format version */
#define LVT_MISUSE      (-30883) /* API used wrongly (bad argument, wrong txn) */
#define LVT_READONLY    (-30882) /* write attempted in a read-only transaction */
#define LVT_SCHEMA      (-30881) /* invalid table or index definition */
#define LVT_IOERR       (-30880) /* I/O or permission error from the OS */
#define LVT_RANGE       (-30879) /* value out of range (e.g. rowid space exhausted) */

/* Describe a status code in one line.  Never NULL; the string is static. */
const char *lvt_strerror(int rc);

/* The detailed message of the calling thread's last failure, e.g.
 * "UNIQUE constraint failed: users.email".  Never NULL; "" if none.  The
 * string is thread-local and valid until the next failing lvt_* call. */
const char *lvt_errmsg(void);

/* --------------------------------------------------------------- memory -- */

/* The allocator of lmdbvt's storage core, modeled on SQLITE_CONFIG_MALLOC.
 * xMalloc and xRealloc return NULL when out of memory (the call then fails
 * with LVT_NOMEM, or SQLITE_NOMEM through SQL, and changes nothing); they
 * are never asked for 0 bytes, xRealloc never gets NULL, xFree never gets
 * NULL.  ctx is passed to each.  The methods must be thread-safe when
 * lmdbvt is used from several threads. */
typedef struct lvt_mem_methods {
  void *(*xMalloc)(void *ctx, size_t n);
  void *(*xRealloc)(void *ctx, void *p, size_t n);
  void (*xFree)(void *ctx, void *p);
  void *ctx;
} lvt_mem_methods;

/* Route every allocation of the core (this API, and the extension's tables,
 * cursors and write logs) through *m; NULL restores libc's malloc, realloc
 * and free.  The methods are copied.  Call it first, before any other lvt_*
 * call and before the extension is used, as sqlite3_config comes before
 * sqlite3_initialize: once the core has allocated anything it fails with
 * LVT_MISUSE and changes nothing (memory must be freed by the allocator that
 * gave it).  Also LVT_MISUSE when a method is missing.  The SQL glue
 * allocates with sqlite3_malloc, which SQLITE_CONFIG_MALLOC hooks; LMDB's
 * own small allocations always use libc. */
int lvt_config_malloc(const lvt_mem_methods *m);

/* --------------------------------------------------------------- values -- */

/* Storage classes; the numbers are SQLite's (SQLITE_INTEGER .. SQLITE_NULL). */
#define LVT_INTEGER 1
#define LVT_REAL    2
#define LVT_TEXT    3
#define LVT_BLOB    4
#define LVT_NULL    5

/* One value.  TEXT is UTF-8 of length u.s.n (it may contain NUL bytes and is
 * not NUL-terminated when it comes out of a row); BLOB likewise. */
typedef struct lvt_value {
  int type;
  union {
    int64_t i;
    double r;
    struct { const void *p; size_t n; } s;
  } u;
} lvt_value;

/* Column affinities, as SQLite derives them from the declared type. */
#define LVT_AFF_BLOB    0  /* BLOB or no type: values stored as given */
#define LVT_AFF_TEXT    1
#define LVT_AFF_NUMERIC 2
#define LVT_AFF_INTEGER 3
#define LVT_AFF_REAL    4

/* Collating sequences for TEXT comparisons (SQLite's built-in three). */
#define LVT_COLL_BINARY 0
#define LVT_COLL_NOCASE 1
#define LVT_COLL_RTRIM  2

/* SQLite's affinity rules for a declared type name ("VARCHAR(16)" -> TEXT,
 * "BIGINT" -> INTEGER, NULL or "" -> BLOB ...). */
int lvt_affinity(const char *decltype);

/* ---------------------------------------------------------------- schema -- */

/* Column definition. */
typedef struct lvt_column_def {
  const char *name;      /* required, unique in the table (case-insensitive) */
  const char *decltype;  /* declared type as written, NULL or "" for none */
  int affinity;          /* LVT_AFF_*; lvt_affinity(decltype) */
  int notnull;           /* NOT NULL */
  int collation;         /* LVT_COLL_* */
  int has_default;       /* DEFAULT given */
  lvt_value dflt;        /* the DEFAULT literal's value */
} lvt_column_def;

/* Index definition: columns in key order, each ASC or DESC. */
typedef struct lvt_index_def {
  const char *name;            /* unique in the environment */
  int unique;                  /* UNIQUE (NULLs never conflict, as in SQL) */
  int primary;                 /* this index is the declared primary key */
  int ncol;
  const int *cols;             /* column numbers, 0-based */
  const unsigned char *desc;   /* ncol flags, 1 = DESC; NULL = all ASC */
} lvt_index_def;

/* Table definition. */
typedef struct lvt_table_def {
  const char *name;            /* name inside the environment */
  int ncol;
  const lvt_column_def *cols;
  int ipk;                     /* column that is the rowid (INTEGER PRIMARY KEY), or -1 */
  int nidx;
  const lvt_index_def *idx;    /* includes the primary-key index, if any */
  int strict;                  /* reject values that do not convert losslessly */
} lvt_table_def;

/* ------------------------------------------------------ environment/txn -- */

typedef struct lvt_env lvt_env;
typedef struct lvt_txn lvt_txn;
typedef struct lvt_table lvt_table;
typedef struct lvt_cursor lvt_cursor;

/* Durability, from the option sync = full | normal | off. */
#define LVT_SYNC_FULL   0  /* fsync data and meta page at every commit */
#define LVT_SYNC_NORMAL 1  /* MDB_NOMETASYNC: last commit may be lost on OS crash */
#define LVT_SYNC_OFF    2  /* MDB_NOSYNC: recent commits may be lost on OS crash */

/* lvt_env_opts.flags */
#define LVT_ENV_CREATE   0x1  /* create the directory if missing */
#define LVT_ENV_RDONLY   0x2  /* open read-only */

typedef struct lvt_env_opts {
  size_t mapsize;        /* initial map size in bytes, 0 = 64 MiB; grows by itself.
                            An existing environment keeps the larger of its
                            stored size and this one; ignored when the
                            environment is already open in the process. */
  int sync;              /* LVT_SYNC_* */
  unsigned flags;        /* LVT_ENV_* */
} lvt_env_opts;

/* Open (or share) the environment in directory `path`.  One MDB_env per
 * directory per process: opening the same directory again (by any spelling,
 * symlinks included; keyed by device and inode) returns the same environment
 * with its reference count raised.  opts may be NULL (defaults).
 * LVT_ENV_CREATE creates the directory (one level, mode 0777 & ~umask) and
 * the LMDB files; LVT_ENV_RDONLY opens read-only (MDB_RDONLY).  Opening an
 * environment already open with a different sync option, or read-only
 * versus read-write, fails with LVT_MISUSE.  Errors: LVT_NOTFOUND (no
 * directory and no LVT_ENV_CREATE; or read-only and no data.mdb),
 * LVT_IOERR (not a directory, permissions), LVT_CORRUPT (not an LMDB file),
 * LVT_VERSION (written by an incompatible LMDB), LVT_NOMEM.  The catalog
 * format is checked when tables are opened, not here.  The caller owns
 * *envp and releases it with lvt_env_close(). */
int lvt_env_open(const char *path, const lvt_env_opts *opts, lvt_env **envp);

/* Drop one reference; the last one closes the MDB_env (flushing it first
 * when sync is normal or off).  All transactions, cursors and tables of the
 * environment must be closed first (if not, it is kept open, unreferenced). */
void lvt_env_close(lvt_env *env);

/* The directory the environment was opened with (as first given). */
const char *lvt_env_path(const lvt_env *env);

/* Environment statistics. */
typedef struct lvt_env_info {
  size_t mapsize;        /* current map size in bytes */
  size_t used;           /* bytes in use ((last page number + 1) * page size) */
  unsigned readers;      /* reader slots holding a snapshot (all processes) */
  unsigned maxreaders;
  unsigned psize;        /* page size */
} lvt_env_info;
int lvt_env_info_get(lvt_env *env, lvt_env_info *info);

/* Consistent, compacted copy of the environment into directory `dest`
 * (created if missing, one level).  Runs while other transactions go on.
 * Errors: LVT_EXISTS (dest already holds a data.mdb), LVT_NOTFOUND (parent
 * of dest missing), LVT_IOERR, LVT_FULL. */
int lvt_env_backup(lvt_env *env, const char *dest);

/* lvt_txn_begin flags */
#define LVT_TXN_RDONLY 0x1

/* Begin a transaction.  A read-only transaction sees one consistent snapshot
 * and never blocks.  A write transaction: at most one per environment per
 * process at a time (LMDB has one writer); if another is active, wait up to
 * timeout_ms milliseconds (0 = do not wait, <0 = wait forever) and then fail
 * with LVT_BUSY.  A thread that already holds the write transaction gets
 * LVT_BUSY after the timeout instead of deadlocking (at once when
 * timeout_ms < 0).  `parent` (a write transaction) makes a nested
 * transaction (a savepoint): its changes go to the parent when committed and
 * vanish when aborted; timeout_ms is then ignored.
 * A parent with an open nested transaction must not be used (operations go
 * to the nested one).  Across processes, LMDB's own lock serialises writers
 * and a write begin blocks until the other process's writer ends.
 * The map grows by itself as the transaction writes: growing needs every
 * other transaction of the process to end first, and waits for that up to
 * max(timeout_ms, 5 s); if they do not, the write fails with LVT_FULL and
 * the transaction goes on.  If another process commits while the map grows,
 * the transaction is lost (LVT_BUSY from then on): abort and retry it.
 * A write transaction keeps a copy of everything it writes in memory (to
 * replay it into a grown map) until it ends.
 * Errors: LVT_BUSY, LVT_READONLY (write in a read-only environment),
 * LVT_MISUSE, LVT_NOMEM, LVT_IOERR.
 * The caller owns *txnp and must end it with lvt_txn_commit() or
 * lvt_txn_abort().  A transaction is used by one thread at a time; a write
 * transaction stays in the thread that began it (LMDB's rule), a read-only
 * one may move between threads. */
int lvt_txn_begin(lvt_env *env, lvt_txn *parent, unsigned flags, int timeout_ms,
                  lvt_txn **txnp);

/* Commit and free the transaction.  On failure the transaction is aborted
 * and freed all the same.  Errors: LVT_FULL (disk full, or the map could not
 * grow), LVT_IOERR, LVT_NOMEM, LVT_BUSY (lost, see lvt_txn_begin);
 * LVT_MISUSE when txn is NULL or has an open nested transaction (then
 * nothing is done and both stay open). */
int lvt_txn_commit(lvt_txn *txn);

/* Abandon and free the transaction, and its open nested transactions.
 * Never fails. */
void lvt_txn_abort(lvt_txn *txn);

/* The environment of a transaction. */
lvt_env *lvt_txn_env(const lvt_txn *txn);

/* ----------------------------------------------------------------- tables -- */

/* Create a table and its indexes: catalog entry plus LMDB sub-databases, in
 * txn (a write transaction).  Errors: LVT_EXISTS, LVT_SCHEMA (the message names
 * the offending column or index), LVT_READONLY, LVT_MISUSE (the environment is
 * open with another sync option than its existing tables were created with:
 * the first table records it, and every table of an environment agrees). */
int lvt_table_create(lvt_txn *txn, const lvt_table_def *def);

/* Remove a table, its indexes and all their data. */
int lvt_table_drop(lvt_txn *txn, const char *name);

/* Rename a table (its indexes keep their names). */
int lvt_table_rename(lvt_txn *txn, const char *from, const char *to);

/* Open a table handle by name, reading the schema from the catalog through
 * txn.  The handle stays usable in later transactions of the same environment
 * until lvt_table_close().  Errors: LVT_NOTABLE, LVT_CORRUPT, LVT_VERSION. */
int lvt_table_open(lvt_txn *txn, const char *name, lvt_table **tblp);

/* Release a table handle. */
void lvt_table_close(lvt_table *tbl);

/* The schema of an open table; owned by the handle, valid until it closes or
 * the next lvt_index_create / lvt_index_drop through it. */
const lvt_table_def *lvt_table_schema(const lvt_table *tbl);

/* Column number of `name` (case-insensitive), or -1. */
int lvt_table_column(const lvt_table *tbl, const char *name);

/* Index number (position in lvt_table_schema()->idx) of `name`, or -1. */
int lvt_table_index(const lvt_table *tbl, const char *name);

/* Build a new index over the existing rows, in txn.  Errors: LVT_EXISTS,
 * LVT_NOCOLUMN, LVT_UNIQUE (duplicate under unique; nothing is kept),
 * LVT_TOOBIG. */
int lvt_index_create(lvt_txn *txn, lvt_table *tbl, const lvt_index_def *def);

/* Remove an index and its entries.  Errors: LVT_NOINDEX, LVT_MISUSE (the
 * primary-key index cannot be dropped). */
int lvt_index_drop(lvt_txn *txn, lvt_table *tbl, const char *name);

/* B-tree statistics of the table (index = -1) or of one index. */
typedef struct lvt_stat {
  uint64_t entries;
  unsigned depth;
  uint64_t branch_pages, leaf_pages, overflow_pages;
  unsigned psize;
} lvt_stat;
int lvt_table_stat(lvt_txn *txn, lvt_table *tbl, int index, lvt_stat *st);

/* -------------------------------------------------------------- integrity -- */

/* Receives each problem lvt_check_table finds, as one line of text (valid
 * during the call only).  Return 0 to go on, nonzero to stop the check. */
typedef int (*lvt_check_fn)(void *ctx, const char *problem);

/* Check table tbl and its indexes, reading through txn (which must not
 * write meanwhile):
 *  - the sub-databases the catalog names for them exist, and no record has
 *    more columns than the catalog defines;
 *  - every table key is a rowid and every record decodes; NOT NULL columns
 *    hold no NULL; an INTEGER PRIMARY KEY column holds its row's rowid;
 *  - every row has its entry in every index ("row 5 missing from index
 *    t_a");
 *  - every index entry decodes, belongs to a row that exists ("index t_a
 *    has an entry for row 9, which is not in table t") and is the entry
 *    that row makes; a unique index has no two entries with the same key
 *    columns, NULLs aside ("non-unique entry in index t_u: rows 3 and 4").
 * Each problem is passed to fn (NULL: only counted).  Returns LVT_OK when
 * the check ran, whatever it found, with the number of problems in
 * *nproblems (if not NULL); an error when it could not run: LVT_MISUSE,
 * LVT_NOMEM, LVT_NOTABLE (dropped), LVT_BUSY (lost transaction), LVT_IOERR.
 * It reads every row and every entry once and looks each row's entries
 * up: O((rows + entries) log n) time, memory for one row. */
int lvt_check_table(lvt_txn *txn, lvt_table *tbl, lvt_check_fn fn, void *ctx,
                    unsigned long *nproblems);

/* ------------------------------------------------------------------- rows -- */

/* A row view.  Filled by lvt_get*, lvt_cursor_row; the caller provides the
 * struct (on its stack, say).  It points into LMDB's map: valid until the
 * transaction ends or the next write in it. */
typedef struct lvt_row {
  int64_t rowid;
  const lvt_table *tbl;
  const void *rec;       /* encoded record; NULL when the row was not found */
  size_t nrec;
} lvt_row;

/* Column `col` of a row, in O(1) without decoding the others.  TEXT and BLOB
 * point into the map.  A column added to the schema after the row was written
 * reads as its DEFAULT.  Errors: LVT_NOCOLUMN, LVT_CORRUPT. */
int lvt_row_column(const lvt_row *row, int col, lvt_value *out);

/* Conflict resolution for writes (SQL's ON CONFLICT). */
#define LVT_CONFLICT_ABORT   0  /* fail with LVT_UNIQUE / LVT_PRIMARYKEY / ...; nothing written */
#define LVT_CONFLICT_REPLACE 1  /* delete the rows in the way, then write */
#define LVT_CONFLICT_IGNORE  2  /* skip the row, return LVT_IGNORED */

/* lvt_insert flags (ORed with one LVT_CONFLICT_* value) */
#define LVT_ROWID_GIVEN 0x100  /* *rowid holds the rowid to use */

/* Insert one row.  vals holds one value per column, converted by the column's
 * affinity (or rejected with LVT_MISMATCH on a strict table).  The rowid is
 * the INTEGER PRIMARY KEY column if the table has one, else *rowid when
 * LVT_ROWID_GIVEN, else (NULL key) one more than the largest rowid.  On
 * success *rowid (if not NULL) receives the rowid written.  All constraints
 * (NOT NULL, primary key, UNIQUE, key sizes, strict types) are checked before
 * anything is written: a failed insert changes nothing. */
int lvt_insert(lvt_txn *txn, lvt_table *tbl, const lvt_value *vals,
               int64_t *rowid, unsigned flags);

/* Insert n rows (vals is n * ncol values, row after row) in txn, as n calls
 * of lvt_insert with the same flags (LVT_ROWID_GIVEN is not allowed).  Keys
 * that ascend past the table's last key are appended with MDB_APPEND.  On an
 * error, rows before the failing one stay written in txn and *done (if not
 * NULL) tells how many were processed; abort txn to discard them. */
int lvt_put_many(lvt_txn *txn, lvt_table *tbl, const lvt_value *vals, size_t n,
                 unsigned flags, size_t *done);

/* Replace the row `rowid` with vals (one per column).  If new_rowid is not
 * NULL (or the table has an INTEGER PRIMARY KEY whose value changed) the row
 * moves to that rowid.  Only indexes whose columns changed are touched.
 * flags: one LVT_CONFLICT_* value.  Errors: LVT_NOTFOUND and the insert ones. */
int lvt_update(lvt_txn *txn, lvt_table *tbl, int64_t rowid,
               const int64_t *new_rowid, const lvt_value *vals, unsigned flags);

/* Delete row `rowid` and its index entries.  Errors: LVT_NOTFOUND. */
int lvt_delete(lvt_txn *txn, lvt_table *tbl, int64_t rowid);

/* Get a row by rowid.  Errors: LVT_NOTFOUND. */
int lvt_get(lvt_txn *txn, lvt_table *tbl, int64_t rowid, lvt_row *row);

/* Get the first row whose leading index columns equal key[0..nkey-1] (for a
 * unique index with nkey = its column count, the row).  index is a position in
 * lvt_table_schema()->idx.  A key too long for any index entry finds
 * nothing (LVT_NOTFOUND), as no such row can exist; range bounds may be that
 * long too.  Errors: LVT_NOTFOUND, LVT_NOINDEX. */
int lvt_get_by_index(lvt_txn *txn, lvt_table *tbl, int index,
                     const lvt_value *key, int nkey, lvt_row *row);

/* Get n rows by rowid under one transaction; rows[i].rec is NULL for a
 * missing rowid.  Returns the number found in *found (if not NULL). */
int lvt_get_many(lvt_txn *txn, lvt_table *tbl, const int64_t *rowids, size_t n,
                 lvt_row *rows, size_t *found);

/* lvt_get_by_index for n keys of nkey values each (keys holds n * nkey). */
int lvt_get_many_by_index(lvt_txn *txn, lvt_table *tbl, int index,
                          const lvt_value *keys, int nkey, size_t n,
                          lvt_row *rows, size_t *found);

/* ---------------------------------------------------------------- cursors -- */

/* One end of a range: the first n key columns of the index (or the rowid,
 * n = 1, for the table), inclusive or not.  n = 0 means unbounded.  Bounds are
 * in the order the index stores entries: for a DESC column a larger value
 * comes first, so "age > 5" on a DESC column is an upper bound. */
typedef struct lvt_bound {
  const lvt_value *vals;
  int n;
  int inclusive;
} lvt_bound;

/* Open a cursor over the table in rowid order (index = -1) or over an index.
 * The cursor is positioned nowhere until lvt_cursor_range().  It belongs to
 * txn and must be closed before txn ends. */
int lvt_cursor_open(lvt_txn *txn, lvt_table *tbl, int index, lvt_cursor **curp);

/* Position the cursor on the first entry of [lo, hi] (lo and hi may be NULL
 * for unbounded), or on the last one when reverse.  Returns LVT_OK when an
 * entry is there, LVT_NOTFOUND when the range is empty. */
int lvt_cursor_range(lvt_cursor *cur, const lvt_bound *lo, const lvt_bound *hi,
                     int reverse);

/* Step to the next entry of the range (backwards when reverse).  Returns
 * LVT_NOTFOUND past the end.  Safe when the same transaction wrote in
 * between: the cursor goes on from the last key it returned. */
int lvt_cursor_next(lvt_cursor *cur);

/* The row under the cursor (for an index cursor, the row the entry points
 * to).  Errors: LVT_NOTFOUND if not positioned, LVT_CORRUPT for an index
 * entry without its row. */
int lvt_cursor_row(lvt_cursor *cur, lvt_row *row);

/* The rowid under the cursor, without reading the row. */
int lvt_cursor_rowid(lvt_cursor *cur, int64_t *rowid);

/* Close a cursor. */
void lvt_cursor_close(lvt_cursor *cur);

#ifdef __cplusplus
}
#endif
#endif /* LMDBVT_H */
