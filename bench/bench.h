/*
 * bench.h -- the interface between the benchmark driver (bench.c) and the
 * implementations it compares (bench_raw.c, bench_capi.c, bench_sql.c).
 *
 * Every implementation stores the same table
 *
 *   users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT,
 *         age INTEGER, INDEX users_age (age))
 *
 * in a directory of its own, and implements the operations of bench_op on
 * it.  The driver owns the data and the work lists; an operation only reads
 * them.  Each read operation consumes every row it gets the same way,
 * bench_consume(), so that all implementations do the same work and their
 * checksums can be compared: a mismatch means one of them returned other
 * rows.
 */
#ifndef LVT_BENCH_H
#define LVT_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* One row of the dataset, as the driver hands it to an operation.  The
 * strings are not NUL-terminated in general: use the lengths. */
typedef struct bench_row {
  int64_t id;
  const char *email;
  size_t nemail;
  const char *name;
  size_t nname;
  int64_t age;
} bench_row;

/* The operations, in the order they run. */
enum bench_op {
  OP_BULK_INSERT,   /* rows[0..n) into an empty table, one transaction, ascending ids */
  OP_INSERT_LOOP,   /* rows[0..n), one transaction each (autocommit in SQL) */
  OP_GET,           /* keys[0..n): get by primary key */
  OP_GET_MANY,      /* keys in batches of `batch` distinct keys (IN for SQL) */
  OP_GET_SEC,       /* rows[0..n).email: get by the unique secondary key */
  OP_GET_MANY_SEC,  /* rows[].email in batches of `batch` (IN for SQL) */
  OP_KEY_RANGE,     /* keys[0..n) = low ends of ranges id BETWEEN k AND k+width-1 */
  OP_INDEX_RANGE,   /* ages[0..n): the first `width` rows with age >= a, age order */
  OP_FULL_SCAN,     /* every row, `reps` times */
  OP_UPDATE,        /* rows[0..n): SET name, age WHERE id, one transaction */
  OP_DELETE,        /* keys[0..n): DELETE WHERE id, one transaction */
  OP_RESTORE,       /* untimed: put rows[0..n) back, one transaction, any order */
  OP_COUNT
};

/* What one run of an operation does.  Unused fields are zero. */
typedef struct bench_work {
  const bench_row *rows;
  const int64_t *keys;
  const int64_t *ages;
  size_t n;         /* rows, keys or ages */
  size_t batch;     /* keys per get_many batch */
  size_t width;     /* rows per range */
  size_t reps;      /* full scans */
} bench_work;

/* Fold one row read by an operation into the checksum: the length of name,
 * its first byte (so the bytes are really touched) and age. */
static inline void bench_consume(uint64_t *sink, const void *name, size_t nname,
                                 int64_t age)
{
  *sink += (uint64_t)nname + (uint64_t)age
           + (nname ? ((const unsigned char *)name)[0] : 0u);
}

/* An implementation.  open() creates an empty store in the existing empty
 * directory `dir` and returns a handle (NULL with a malloc'ed message in *err
 * on failure); close() releases it (NULL is fine).  An implementation with
 * `share` set runs its operations on another one's store instead.  op[k] is NULL when the
 * implementation has no form of its own for operation k.  An operation
 * returns 0, or -1 with a malloc'ed message in *err. */
typedef struct bench_impl {
  const char *name;
  const char *what;   /* one line for the summary */
  const char *share;  /* NULL, or the name of the implementation whose store
                         this one uses (it has no open/close/bulk insert) */
  void *(*open)(const char *dir, const void *arg, char **err);
  void (*close)(void *h);
  const void *arg;    /* passed to open() */
  int (*op[OP_COUNT])(void *h, const bench_work *w, uint64_t *sink, char **err);
} bench_impl;

/* malloc'ed printf, for error messages; never NULL. */
char *bench_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Initial map size of every LMDB environment (the same for all sides, and
 * large enough that no run has to grow it). */
#define BENCH_MAPSIZE ((size_t)4 << 30)

/* The implementations (each file defines its own). */
extern const bench_impl bench_impl_raw;
extern const bench_impl bench_impl_capi;
extern const bench_impl bench_impl_capi_bulk;
extern const bench_impl bench_impl_sql_lmdb;
extern const bench_impl bench_impl_sql_lmdb_txn;
extern const bench_impl bench_impl_native_wal;
extern const bench_impl bench_impl_native_wal_txn;
extern const bench_impl bench_impl_native_journal;

/* The query plans of an SQL store's statements, as Markdown list items
 * (malloc'ed; bench_sql.c). */
char *bench_sql_explain(void *h);

/* Path of the lmdbvt module for sqlite3_load_extension (bench.c sets it). */
extern const char *bench_ext_path;

#endif /* LVT_BENCH_H */
