/*
 * difftest.c -- differential test of the lmdb virtual table.
 *
 * DESIGN.md promises that an lmdb table behaves like a native SQLite table
 * with the same columns and indexes, for every query.  This program checks
 * that promise by brute force: it generates a random schema, creates it twice
 * -- natively in one connection (the reference, "native") and as lmdb
 * virtual tables in a second connection (the system under test, "lmdb") --
 * and then runs thousands of random statements against both, comparing
 * after each statement:
 *
 *   - the result rows (storage class and exact value; reals bit-exact),
 *   - the extended error code and the error message,
 *   - sqlite3_changes(), sqlite3_last_insert_rowid(), autocommit state,
 *   - after every statement that is not a SELECT, the full contents of
 *     every table (SELECT rowid, * ... ORDER BY rowid),
 *   - and, when the extension provides lmdb_integrity_check(), that every
 *     lmdb table is consistent with its indexes.
 *
 * Both connections use the same table names (t1, t2), so one statement text
 * runs unchanged on both sides and error messages compare verbatim.
 *
 * Comparability.  A statement whose native result depends on the order in
 * which SQLite happens to visit rows would make the comparison meaningless
 * (the virtual table visits them in another order, on purpose).  The
 * generator therefore keeps every statement deterministic:
 *   - a query with LIMIT/OFFSET always has an ORDER BY that ends in a unique
 *     key (rowid), so the order is total; a query without ORDER BY is
 *     compared as a multiset of rows;
 *   - constructs that pick one representative among equal-but-different
 *     values (DISTINCT, GROUP BY, min/max/sum/avg/group_concat: 'a' vs 'A'
 *     under NOCASE, 1 vs 1.0, 0.0 vs -0.0, float sums) read from a subquery
 *     ordered by rowid that SQLite cannot flatten (LIMIT -1 OFFSET 0);
 *   - INSERT ... SELECT reads its source ORDER BY rowid;
 *   - an UPDATE that changes a key column (rowid, primary key, a column of a
 *     UNIQUE constraint) targets one row (WHERE rowid = K): on several rows
 *     the outcome of a key update depends on the row order, natively too.
 *     A multi-row UPDATE changes only non-key columns and never uses OR FAIL
 *     (whose partial effect depends on the row order);
 *   - rowids stay below 2^62 before any INSERT (the generator deletes larger
 *     ones first): when the largest rowid is 2^63-1, native SQLite picks a
 *     *random* free rowid, which no second implementation can reproduce.
 * Other restrictions avoid bugs of native SQLite 3.40 itself, each shown
 * with a reproduction where it is made (render_native(), side_open(),
 * pick_sub_table(), lit_big_int[], gen_leaf()).  These are restrictions on
 * what is generated, never on what is compared: there is no list of
 * tolerated differences, and every difference fails the run.  A divergence
 * that lmdb documents on purpose is *modelled* instead: the native side does
 * what lmdb documents (a rewritten statement or schema, or a savepoint
 * around a write; see "Documented divergences" below: D1 to D4), the
 * modelled statements are counted in every summary, and --strict turns the
 * models off.
 *
 * Self-check.  `difftest --native` runs the same machinery with a second
 * native connection in place of the lmdb one, given extra indexes and
 * PRAGMA reverse_unordered_selects so that its query plans and scan orders
 * differ.  It must always pass; it proves that the comparison does not
 * depend on plans or scan order.
 *
 * Each seed runs in a forked child, so a crash or a hang (--timeout) of the
 * side under test is reported like a mismatch.  On a failure the program
 * prints the seed, the schema, the statement, both results and the
 * statements leading to it, writes the whole log to difftest-seed-N.sql,
 * then shrinks the log and the schema (replaying in children) to a minimal
 * reproduction, printed as a script for the sqlite3 shell.  The generator
 * reads only the native side, so `difftest --seed N --statements M`
 * replays exactly the statements of the failing run.
 *
 * Usage: difftest [--seed N] [--seeds K] [--statements M] [--native]
 *                 [--ext PATH] [--file|--memory] [--lmdb-options '...']
 *                 [--no-minimize] [--minimize-seconds S] [--keep-going]
 *                 [--no-fork] [--timeout S] [--strict] [--verbose]
 * (difftest --help explains them.)  Environment: top_builddir (to find
 * ext/.libs/lmdbvt), DIFFTEST_SEED (first seed, default 1),
 * DIFFTEST_STATEMENTS (total over all seeds when --seed/--seeds are not
 * given; default 20000, 400 per seed).  Exit status: 0 pass, 1 failure,
 * 2 difftest itself failed, 77 (automake's SKIP) when the extension has
 * not been built.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"          /* _GNU_SOURCE etc. (AC_USE_SYSTEM_EXTENSIONS) */
#else
#define _GNU_SOURCE 1        /* nftw, mkdtemp, MAP_ANONYMOUS by hand */
#endif

#include <sqlite3.h>

#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SKIP 77

/* ------------------------------------------------------------- helpers -- */

/* Print a message and exit with status 2 (a bug or resource problem of the
 * test itself, never a verdict on the extension). */
static void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("difftest: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

/* malloc that cannot fail. */
static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL) die("out of memory");
  return p;
}

/* realloc that cannot fail. */
static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL) die("out of memory");
  return p;
}

/* strdup that cannot fail. */
static char *xstrdup(const char *z)
{
  size_t n = strlen(z) + 1;
  return memcpy(xmalloc(n), z, n);
}

/* Seconds since an arbitrary point, for time budgets. */
static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A growable string.  The caller owns z and frees it with sb_free(). */
typedef struct sbuf {
  char *z;
  size_t n;
  size_t cap;
} sbuf;

/* Make b an empty string. */
static void sb_init(sbuf *b)
{
  b->cap = 64;
  b->n = 0;
  b->z = xmalloc(b->cap);
  b->z[0] = '\0';
}

/* Append printf-formatted text to b. */
static void sb_add(sbuf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
  va_list ap;
  int len;

  va_start(ap, fmt);
  len = vsnprintf(b->z + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  if (len < 0) die("vsnprintf failed");
  if ((size_t)len >= b->cap - b->n) {
    while ((size_t)len >= b->cap - b->n) b->cap *= 2;
    b->z = xrealloc(b->z, b->cap);
    va_start(ap, fmt);
    vsnprintf(b->z + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
  }
  b->n += (size_t)len;
}

/* Append a plain string to b. */
static void sb_puts(sbuf *b, const char *z)
{
  sb_add(b, "%s", z);
}

/* Free b's buffer; b may be reused after sb_init(). */
static void sb_free(sbuf *b)
{
  free(b->z);
  b->z = NULL;
  b->n = b->cap = 0;
}

/* Take b's string (the caller frees it); b is left uninitialised. */
static char *sb_take(sbuf *b)
{
  char *z = b->z;
  b->z = NULL;
  b->n = b->cap = 0;
  return z;
}

/* ------------------------------------------------------ options, state -- */

/* The documented divergences (see "Documented divergences" below). */
enum { DIV_D1, DIV_D2, DIV_D3, DIV_D4, NDIV };

/* State shared with forked children (an anonymous MAP_SHARED page). */
typedef struct shared_state {
  int progress;           /* statements started by the current run/replay */
  long nrun;              /* statements compared by finished seeds */
  long nmodel[NDIV];      /* statements (D4: schemas) modelled, per
                             documented divergence */
} shared_state;

static shared_state *shared;

/* Does the current seed put the lmdb side in a file database (set by
 * use_seed(); read by side_open())? */
static int cur_file;

/* Options, set once from the command line. */
static struct options {
  uint64_t seed;          /* first seed */
  int nseeds;             /* number of schemas */
  int nstmt;              /* statements per schema */
  int native;             /* second side native too (self-check) */
  const char *ext;        /* extension path, without ".so" */
  int file;               /* lmdb side in a file database: 1 always, 0 never,
                             -1 every fourth seed (see seed_uses_file()) */
  const char *lmdb_opts;  /* extra CREATE VIRTUAL TABLE arguments */
  int minimize;
  double minimize_secs;
  int keep_going;
  int fork;               /* run seeds and replays in child processes */
  unsigned timeout;       /* seconds per seed before it counts as a hang */
  int verbose;
  int strict;             /* no documented-divergence models */
} opt;

/* ---------------------------------------------------------------- PRNG -- */

/* splitmix64: small, fast, and every seed (including 0) is good. */
typedef struct rng {
  uint64_t s;
} rng;

/* Next 64 random bits. */
static uint64_t rng_next(rng *r)
{
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n is 0. */
static unsigned rng_below(rng *r, unsigned n)
{
  return n ? (unsigned)(rng_next(r) % n) : 0;
}

/* True with the given probability in percent. */
static int rng_chance(rng *r, unsigned percent)
{
  return rng_below(r, 100) < percent;
}

/* A random element of a NULL-free array of strings. */
#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

/* -------------------------------------------------------------- schema -- */

enum { MAX_TABLES = 2, MAX_COLS = 6, MAX_INDEXES = 5, MAX_INDEX_COLS = 3 };

/* How a table's primary key is declared. */
enum pk_kind {
  PK_NONE,      /* implicit rowid */
  PK_IPK,       /* "INTEGER PRIMARY KEY" on one column: the rowid */
  PK_COLUMN,    /* "PRIMARY KEY" on one column of another type */
  PK_COMPOSITE  /* table constraint PRIMARY KEY (x, y) */
};

/* Declared types; their affinity is SQLite's business, not ours. */
static const char *const col_types[] = {
  "INTEGER", "INT", "TEXT", "VARCHAR(10)", "REAL", "NUMERIC", "BLOB", "",
  "INTEGER", "TEXT", "", "BIGINT", "DOUBLE", "BOOLEAN", "CLOB", "FLOAT",
  "DATE", "DECIMAL(10,2)"
};

static const char *const coll_names[] = { NULL, "BINARY", "NOCASE", "RTRIM" };

/* One column definition. */
typedef struct col_def {
  char name[2];      /* "a".."f" */
  const char *type;  /* declared type, "" for none */
  int pk_desc;       /* PK_COLUMN/PK_IPK: PRIMARY KEY DESC */
  int notnull;
  int unique;        /* column constraint UNIQUE */
  const char *dflt;  /* DEFAULT literal, or NULL */
  int coll;          /* index into coll_names; 0 = not declared */
} col_def;

/* One secondary index (INDEX or UNIQUE table constraint). */
typedef struct index_def {
  char name[16];
  int unique;
  int ncol;
  int col[MAX_INDEX_COLS];
  int desc[MAX_INDEX_COLS];
} index_def;

/* One table. */
typedef struct table_def {
  char name[4];      /* "t1", "t2" */
  int ncol;
  col_def col[MAX_COLS];
  int pk_kind;
  int npk;           /* columns in the primary key */
  int pk[2];
  int nidx;
  index_def idx[MAX_INDEXES];
} table_def;

/* The whole schema; plain data, copied by assignment. */
typedef struct schema {
  int ntab;
  table_def tab[MAX_TABLES];
} schema;

/* Literal pools.  Small domains on purpose: collisions make the unique
 * constraints, IN lists and ranges interesting. */
static const char *const lit_small_int[] = {
  "0", "1", "2", "3", "4", "5", "-1", "7", "12", "100", "-5"
};
/* No -2^63 among the values written: stored in a REAL column it becomes the
 * real -2^63, which SQLite 3.40 compares equal to the integer -2^63 in an
 * expression but refuses as a rowid in a seek, so a join on the rowid
 * answers differently natively depending on the plan:
 *   CREATE TABLE t(c INTEGER PRIMARY KEY, d REAL);
 *   INSERT INTO t VALUES (-9223372036854775808, -9223372036854775808);
 *   SELECT count(*) FROM t x JOIN t y ON y.c = x.d;      -- 0 (seek)
 *   SELECT count(*) FROM t x JOIN t y ON +y.c = x.d;     -- 1 (scan)
 * WHERE clauses still compare with the literal -2^63 (gen_literal_for). */
static const char *const lit_big_int[] = {
  "9223372036854775807", "-9223372036854775807", "9007199254740993",
  "-9007199254740993", "4611686018427387904", "9223372036854775806",
  "2147483648", "9223372036854775808"
};
static const char *const lit_real[] = {
  "0.0", "-0.0", "1.5", "2.0", "-2.5", "0.1", "1e308", "-1e308", "12.0",
  "7.0", "1e19", "9007199254740992.0", "9.223372036854775807e18", "1e-300",
  "9e999", "-9e999", "4.9e-324", "3.0", "100.0"
};
static const char *const lit_text[] = {
  "'a'", "'A'", "'b'", "'B'", "'a '", "'A  '", "'ab'", "'abc'", "'ABC'",
  "''", "'12'", "' 12'", "'12 '", "'  7'", "'7'", "'1e2'", "'0x1F'", "'-0'",
  "'3.0'", "'1.5'", "'x,y'", "'\xC3\xA9'", "'\xC3\x89'",
  "'9223372036854775808'", "'12abc'", "'b '", "'it''s'"
};
static const char *const lit_blob[] = {
  "x''", "x'00'", "x'00ff'", "x'61'", "x'41'", "x'ff'", "x'3132'", "x'0000'",
  "x'000100'", "x'6100'"
};
/* Constant expressions for values a literal cannot write: embedded NULs,
 * longer strings (kept well below LMDB's 511-byte key limit even in a
 * three-column index: an over-long key is refused by design), 2^63 as a
 * real.  Used in VALUES, SET and WHERE, never as DEFAULT.
 * Not -2^63 as a real: it equals the integer -2^63, and SQLite 3.40 then
 * answers "rowid IN (SELECT a ...)" differently depending on which of the
 * two equal values its IN-list keeps (the real one is not converted to a
 * rowid), so native SQLite disagrees with itself across plans. */
static const char *const const_exprs[] = {
  "(1+1)", "'a'||'b'", "upper('a')", "CAST('12' AS INTEGER)", "-(2)",
  "zeroblob(1)", "1.0*3", "CAST(7 AS TEXT)", "char(65)", "(3)",
  "char(97, 0, 98)", "char(97, 0)", "char(0)", "printf('%.90c', 'a')",
  "printf('%.90c', 'A')", "printf('%.89c', 'a') || 'b'", "zeroblob(30)",
  "x'00' || x'01'", "CAST(9223372036854775807 AS REAL)",
  "CAST('-0.0' AS REAL)"
};
/* Values for the rowid or an INTEGER PRIMARY KEY in multi-row inserts:
 * well-formed and malformed, but never above 2^62 (see the file comment). */
static const char *const lit_rowid[] = {
  "NULL", "NULL", "1", "2", "3", "4", "5", "6", "-1", "0", "10", "'3'",
  "' 4'", "2.0", "2.5", "'x'", "4611686018427387904",
  "-9223372036854775807", "-4611686018427387904", "1e3", "x'01'", "'8 '"
};

/* A random literal of any storage class. */
static const char *gen_any_literal(rng *r)
{
  switch (rng_below(r, 20)) {
  case 0: case 1: case 2: case 3: case 4: case 5: return PICK(r, lit_small_int);
  case 6: return PICK(r, lit_big_int);
  case 7: case 8: case 9: return PICK(r, lit_real);
  case 10: case 11: case 12: case 13: case 14: case 15: return PICK(r, lit_text);
  case 16: case 17: return PICK(r, lit_blob);
  default: return "NULL";
  }
}

/* A random literal, usually of the kind the column's type suggests. */
static const char *gen_col_literal(rng *r, const col_def *c)
{
  const char *t = c->type;

  if (rng_chance(r, 40)) return gen_any_literal(r);
  if (rng_chance(r, 8)) return "NULL";
  if (strstr(t, "INT") || strstr(t, "BOOL"))
    return rng_chance(r, 85) ? PICK(r, lit_small_int) : PICK(r, lit_big_int);
  if (strstr(t, "TEXT") || strstr(t, "CHAR") || strstr(t, "CLOB"))
    return PICK(r, lit_text);
  if (strstr(t, "REAL") || strstr(t, "DOUB") || strstr(t, "FLOA"))
    return rng_chance(r, 60) ? PICK(r, lit_real) : PICK(r, lit_small_int);
  if (strstr(t, "BLOB")) return PICK(r, lit_blob);
  return gen_any_literal(r);
}

/* Does column `ci` of table `t` belong to the rowid, primary key or any
 * UNIQUE constraint?  Updating such a column on several rows at once is
 * order-dependent (see the file comment). */
static int col_is_key(const table_def *t, int ci)
{
  int i, k;

  if (t->col[ci].unique) return 1;
  for (i = 0; i < t->npk; i++)
    if (t->pk[i] == ci) return 1;
  for (i = 0; i < t->nidx; i++)
    if (t->idx[i].unique)
      for (k = 0; k < t->idx[i].ncol; k++)
        if (t->idx[i].col[k] == ci) return 1;
  return 0;
}

/* The column that aliases the rowid (a one-column PRIMARY KEY declared
 * exactly "INTEGER" and not DESC) of t, or -1. */
static int ipk_col(const table_def *t)
{
  if ((t->pk_kind == PK_IPK || t->pk_kind == PK_COLUMN) &&
      strcmp(t->col[t->pk[0]].type, "INTEGER") == 0 && !t->col[t->pk[0]].pk_desc)
    return t->pk[0];
  return -1;
}

/* Fill idx with 1..3 distinct random columns of t, each ASC or DESC. */
static void gen_index_cols(rng *r, const table_def *t, index_def *idx)
{
  int want = 1 + (int)rng_below(r, t->ncol < MAX_INDEX_COLS ? t->ncol : MAX_INDEX_COLS);
  int used[MAX_COLS] = { 0 };

  idx->ncol = 0;
  while (idx->ncol < want) {
    int c = (int)rng_below(r, (unsigned)t->ncol);
    if (used[c]) continue;
    used[c] = 1;
    idx->col[idx->ncol] = c;
    idx->desc[idx->ncol] = rng_chance(r, 30);
    idx->ncol++;
  }
}

/* Generate table number `no` (1-based) into t. */
static void gen_table(rng *r, table_def *t, int no)
{
  int i, nunique = 0;

  memset(t, 0, sizeof *t);
  t->name[0] = 't';
  t->name[1] = (char)('0' + no);
  t->name[2] = '\0';
  t->ncol = 2 + (int)rng_below(r, MAX_COLS - 1);
  for (i = 0; i < t->ncol; i++) {
    col_def *c = &t->col[i];
    c->name[0] = (char)('a' + i);
    c->type = PICK(r, col_types);
    c->notnull = rng_chance(r, 15);
    c->unique = rng_chance(r, 10);
    if (rng_chance(r, 25)) c->dflt = gen_col_literal(r, c);
    if (rng_chance(r, 30)) c->coll = 1 + (int)rng_below(r, 3);
  }
  switch (rng_below(r, 10)) {
  case 0: case 1: case 2: t->pk_kind = PK_NONE; break;
  case 3: case 4: case 5: t->pk_kind = PK_IPK; break;
  case 6: case 7: t->pk_kind = PK_COLUMN; break;
  default: t->pk_kind = PK_COMPOSITE; break;
  }
  if (t->pk_kind == PK_IPK || t->pk_kind == PK_COLUMN) {
    t->npk = 1;
    t->pk[0] = (int)rng_below(r, (unsigned)t->ncol);
    if (t->pk_kind == PK_IPK) t->col[t->pk[0]].type = "INTEGER";
    t->col[t->pk[0]].pk_desc = rng_chance(r, 10);
  } else if (t->pk_kind == PK_COMPOSITE) {
    t->npk = 2;
    t->pk[0] = (int)rng_below(r, (unsigned)t->ncol);
    do t->pk[1] = (int)rng_below(r, (unsigned)t->ncol); while (t->pk[1] == t->pk[0]);
  }
  t->nidx = (int)rng_below(r, MAX_INDEXES + 1);
  for (i = 0; i < t->nidx; i++) {
    index_def *x = &t->idx[i];
    x->unique = nunique < 2 && rng_chance(r, 35);
    nunique += x->unique;
    snprintf(x->name, sizeof x->name, "%s_%c%d", t->name, x->unique ? 'u' : 'i', i);
    gen_index_cols(r, t, x);
  }
}

/* Generate a random schema of one or two tables. */
static void gen_schema(rng *r, schema *s)
{
  int i;

  memset(s, 0, sizeof *s);
  s->ntab = rng_chance(r, 65) ? 2 : 1;
  for (i = 0; i < s->ntab; i++) gen_table(r, &s->tab[i], i + 1);
}

/* Does D4 (see "Documented divergences") apply to column c: NOT NULL
 * DEFAULT NULL, with the models on? */
static int model_d4_applies(const col_def *c)
{
  (void)c;
  return 0;   /* fixed in ext/vtab_args.c: no longer modelled */
}

/* Does D4 apply to some column of schema s? */
static int model_d4_schema(const schema *s)
{
  int ti, i;

  for (ti = 0; ti < s->ntab; ti++)
    for (i = 0; i < s->tab[ti].ncol; i++)
      if (model_d4_applies(&s->tab[ti].col[i])) return 1;
  return 0;
}

/* Append the column definitions and table constraints common to both
 * dialects: "a INTEGER PRIMARY KEY, b TEXT NOT NULL ..., PRIMARY KEY (a, b)".
 * `native`: write "x PRIMARY KEY DESC" without DESC, and its type INTEGER
 * as INT, which means the same (INTEGER affinity, not a rowid alias, a
 * unique index) without a DESC index; see render_native().  And leave out
 * the DEFAULT NULL of a NOT NULL column (D4). */
static void render_columns(sbuf *b, const table_def *t, int native)
{
  int i;

  for (i = 0; i < t->ncol; i++) {
    const col_def *c = &t->col[i];
    int is_pk = (t->pk_kind == PK_IPK || t->pk_kind == PK_COLUMN) && t->pk[0] == i;
    int desc = is_pk && c->pk_desc;
    sb_add(b, "%s%s", i ? ", " : "", c->name);
    if (desc && native && strcmp(c->type, "INTEGER") == 0) sb_puts(b, " INT");
    else if (c->type[0]) sb_add(b, " %s", c->type);
    if (is_pk) sb_add(b, " PRIMARY KEY%s", desc && !native ? " DESC" : "");
    if (c->notnull) sb_puts(b, " NOT NULL");
    if (c->unique) sb_puts(b, " UNIQUE");
    if (c->dflt && !(native && model_d4_applies(c))) sb_add(b, " DEFAULT %s", c->dflt);
    if (c->coll) sb_add(b, " COLLATE %s", coll_names[c->coll]);
  }
  if (t->pk_kind == PK_COMPOSITE)
    sb_add(b, ", PRIMARY KEY (%s, %s)", t->col[t->pk[0]].name, t->col[t->pk[1]].name);
}

/* Append an index's column list "(a, b DESC)"; with `asc_only` the DESC
 * markers are left out (see render_native()). */
static void render_index_cols(sbuf *b, const index_def *x, const table_def *t,
                              int asc_only)
{
  int k;

  sb_puts(b, "(");
  for (k = 0; k < x->ncol; k++)
    sb_add(b, "%s%s%s", k ? ", " : "", t->col[x->col[k]].name,
           x->desc[k] && !asc_only ? " DESC" : "");
  sb_puts(b, ")");
}

/* The native schema as a list of statements separated by ";\n".  UNIQUE
 * constraints become named table constraints, plain indexes CREATE INDEX.
 * With `perturb`, extra non-unique indexes are added so that the second
 * native side of --native mode gets different query plans.
 *
 * The native indexes are all ASC.  The direction of an index column never
 * changes a result, except through a bug of SQLite 3.40 that would
 * otherwise be blamed on the lmdb side: "x NOT IN (SELECT b FROM t)" misses
 * a NULL b (and so returns rows instead of none) when SQLite answers the
 * subquery from an index whose first column is b DESC:
 *   CREATE TABLE t(a, b); CREATE INDEX i ON t(b DESC, a);
 *   INSERT INTO t VALUES (1, NULL), (2, 5);
 *   SELECT a FROM t WHERE a NOT IN (SELECT b FROM t);  -- 3.40.1: 1 and 2
 * The same holds for "x PRIMARY KEY DESC" (see render_columns()).  The lmdb
 * side keeps its DESC columns, which is what they are there for. */
static char *render_native(const schema *s, int perturb)
{
  sbuf b;
  int ti, i;

  sb_init(&b);
  for (ti = 0; ti < s->ntab; ti++) {
    const table_def *t = &s->tab[ti];
    sb_add(&b, "CREATE TABLE %s(", t->name);
    render_columns(&b, t, 1);
    for (i = 0; i < t->nidx; i++) {
      if (!t->idx[i].unique) continue;
      sb_add(&b, ", CONSTRAINT %s UNIQUE ", t->idx[i].name);
      render_index_cols(&b, &t->idx[i], t, 1);
    }
    sb_puts(&b, ");\n");
    for (i = 0; i < t->nidx; i++) {
      if (t->idx[i].unique) continue;
      sb_add(&b, "CREATE INDEX %s ON %s", t->idx[i].name, t->name);
      render_index_cols(&b, &t->idx[i], t, 1);
      sb_puts(&b, ";\n");
    }
    if (perturb)
      for (i = 0; i < t->ncol; i++) {
        sb_add(&b, "CREATE INDEX %s_x%d ON %s(%s", t->name, i, t->name, t->col[i].name);
        if (i + 1 < t->ncol) sb_add(&b, ", %s", t->col[i + 1].name);
        sb_puts(&b, ");\n");
      }
  }
  return sb_take(&b);
}

/* The lmdb schema: CREATE VIRTUAL TABLE ... USING lmdb(...), with the
 * indexes as UNIQUE/INDEX arguments and `options` (may be NULL) appended.
 *
 * The arguments keep the native declaration order where it matters: when
 * several unique constraints fail, SQLite reports the one created last
 * (ext/table.c, "Check order"), and lmdb creates its indexes in argument
 * order.  Both sides declare column PRIMARY KEY / UNIQUE constraints in
 * their columns, then the composite PRIMARY KEY, then the UNIQUE table
 * constraints in index order, so the unique indexes are created in the
 * same relative order.  The plain indexes come between them here and after
 * CREATE TABLE natively (CREATE INDEX); a non-unique index is never
 * checked, so its place changes nothing observable. */
static char *render_lmdb(const schema *s, const char *options)
{
  sbuf b;
  int ti, i;

  sb_init(&b);
  for (ti = 0; ti < s->ntab; ti++) {
    const table_def *t = &s->tab[ti];
    sb_add(&b, "CREATE VIRTUAL TABLE %s USING lmdb(", t->name);
    render_columns(&b, t, 0);
    for (i = 0; i < t->nidx; i++) {
      sb_add(&b, ", %s %s ", t->idx[i].unique ? "UNIQUE" : "INDEX", t->idx[i].name);
      render_index_cols(&b, &t->idx[i], t, 0);
    }
    if (options && *options) sb_add(&b, ", %s", options);
    sb_puts(&b, ");\n");
  }
  return sb_take(&b);
}

/* ----------------------------------------------------------- generator -- */

/* The tables visible to an expression: one entry per FROM item. */
typedef struct scope {
  int n;
  const char *alias[2];   /* NULL: refer to columns unqualified */
  const table_def *t[2];
} scope;

/* Generator state for one run.  `b` is the statement being built. */
typedef struct gen {
  rng r;
  const schema *s;
  sbuf *b;
  int subdepth;           /* nesting of subqueries, to bound recursion */
  const table_def *target;/* table an UPDATE/DELETE writes, or NULL */
  int sp[16];             /* open savepoints (numbers), innermost last */
  int nsp;
  int left_on;            /* generating the ON clause of a LEFT JOIN */
} gen;

static void gen_cond(gen *g, const scope *sc, int depth);

/* A one-table scope for t, columns unqualified. */
static scope scope_one(const table_def *t, const char *alias)
{
  scope sc;
  memset(&sc, 0, sizeof sc);
  sc.n = 1;
  sc.alias[0] = alias;
  sc.t[0] = t;
  return sc;
}

/* A random table of the schema. */
static const table_def *pick_table(gen *g)
{
  return &g->s->tab[rng_below(&g->r, (unsigned)g->s->ntab)];
}

/* Append a reference to a random column (or the rowid) of the scope; the
 * column's definition is returned, NULL for the rowid. */
static const col_def *gen_colref(gen *g, const scope *sc)
{
  int e = (int)rng_below(&g->r, (unsigned)sc->n);
  const table_def *t = sc->t[e];
  const char *prefix = sc->alias[e] ? sc->alias[e] : "";
  const char *dot = sc->alias[e] ? "." : "";

  if (rng_chance(&g->r, 12)) {
    static const char *const rowid_names[] = { "rowid", "rowid", "_rowid_", "oid" };
    sb_add(g->b, "%s%s%s", prefix, dot, PICK(&g->r, rowid_names));
    return NULL;
  }
  {
    const col_def *c = &t->col[rng_below(&g->r, (unsigned)t->ncol)];
    sb_add(g->b, "%s%s%s", prefix, dot, c->name);
    return c;
  }
}

/* Append a literal suited to column c (any literal for the rowid). */
static void gen_literal_for(gen *g, const col_def *c)
{
  if (rng_chance(&g->r, 4)) sb_puts(g->b, PICK(&g->r, const_exprs));
  else if (rng_chance(&g->r, 2)) sb_puts(g->b, "-9223372036854775808");
  else if (c) sb_puts(g->b, gen_col_literal(&g->r, c));
  else sb_puts(g->b, rng_chance(&g->r, 70) ? PICK(&g->r, lit_rowid) : gen_any_literal(&g->r));
}

/* Append a comparison operator. */
static void gen_cmp_op(gen *g)
{
  static const char *const ops[] = {
    " = ", " == ", " < ", " <= ", " > ", " >= ", " != ", " <> ", " = ", " < ", " > "
  };
  sb_puts(g->b, PICK(&g->r, ops));
}

/* A random table that a subquery may read, or NULL.  Subqueries of an
 * UPDATE or DELETE never read the table being written: SQLite 3.40
 * evaluates an uncorrelated subquery lazily, once, in the middle of the
 * one-pass write, so it sees the rows deleted so far, and the outcome
 * depends on the row order:
 *   CREATE TABLE t(a); INSERT INTO t VALUES (1), (2), (3);
 *   DELETE FROM t WHERE a = 1 OR 1 IN (SELECT a FROM t);  -- leaves 2, 3 */
static const table_def *pick_sub_table(gen *g)
{
  const table_def *t = pick_table(g);
  int i;

  for (i = 0; t == g->target && i < g->s->ntab; i++) t = &g->s->tab[i];
  return t == g->target ? NULL : t;
}

/* Append "(SELECT col FROM tX [WHERE ...])", a one-column subquery of a
 * table from pick_sub_table() (which must not be NULL). */
static void gen_subquery_col(gen *g)
{
  const table_def *t = pick_sub_table(g);
  scope sc = scope_one(t, NULL);

  g->subdepth++;
  sb_puts(g->b, "(SELECT ");
  gen_colref(g, &sc);
  sb_add(g->b, " FROM %s", t->name);
  if (g->subdepth < 3 && rng_chance(&g->r, 60)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &sc, 1);
  }
  sb_puts(g->b, ")");
  g->subdepth--;
}

/* Append an "IN (...)" right-hand side: a literal list (possibly empty)
 * or a subquery. */
static void gen_in_rhs(gen *g, const col_def *c)
{
  int n, i;

  if (g->subdepth < 2 && pick_sub_table(g) && rng_chance(&g->r, 25)) {
    gen_subquery_col(g);
    return;
  }
  n = rng_chance(&g->r, 5) ? 0 : 1 + (int)rng_below(&g->r, 5);
  sb_puts(g->b, "(");
  for (i = 0; i < n; i++) {
    if (i) sb_puts(g->b, ", ");
    gen_literal_for(g, c);
  }
  sb_puts(g->b, ")");
}

/* Append an equality-prefix-then-range condition on the columns of a random
 * index (or the primary key), the shape index planning is made for. */
static void gen_index_cond(gen *g, const scope *sc)
{
  int e = (int)rng_below(&g->r, (unsigned)sc->n);
  const table_def *t = sc->t[e];
  const char *prefix = sc->alias[e] ? sc->alias[e] : "";
  const char *dot = sc->alias[e] ? "." : "";
  int cols[MAX_INDEX_COLS], ncol = 0, k, neq;

  if (t->nidx > 0 && rng_chance(&g->r, 75)) {
    const index_def *x = &t->idx[rng_below(&g->r, (unsigned)t->nidx)];
    for (k = 0; k < x->ncol; k++) cols[ncol++] = x->col[k];
  } else if (t->npk > 0) {
    for (k = 0; k < t->npk; k++) cols[ncol++] = t->pk[k];
  } else {
    cols[ncol++] = (int)rng_below(&g->r, (unsigned)t->ncol);
  }
  neq = (int)rng_below(&g->r, (unsigned)ncol + 1);
  for (k = 0; k < neq && k < ncol; k++) {
    const col_def *c = &t->col[cols[k]];
    sb_add(g->b, "%s%s%s%s", k ? " AND " : "", prefix, dot, c->name);
    switch (rng_below(&g->r, 6)) {
    case 0: sb_puts(g->b, " IS "); gen_literal_for(g, c); break;
    case 1: sb_puts(g->b, " IN "); gen_in_rhs(g, c); break;
    case 2: sb_puts(g->b, " IS NULL"); break;
    default: sb_puts(g->b, " = "); gen_literal_for(g, c); break;
    }
  }
  if (k < ncol) {
    const col_def *c = &t->col[cols[k]];
    sb_add(g->b, "%s%s%s%s", k ? " AND " : "", prefix, dot, c->name);
    if (rng_chance(&g->r, 30)) {
      sb_puts(g->b, " BETWEEN ");
      gen_literal_for(g, c);
      sb_puts(g->b, " AND ");
      gen_literal_for(g, c);
    } else {
      static const char *const rops[] = { " < ", " <= ", " > ", " >= " };
      sb_puts(g->b, PICK(&g->r, rops));
      gen_literal_for(g, c);
      if (rng_chance(&g->r, 50)) {
        static const char *const uops[] = { " < ", " <= " };
        sb_add(g->b, " AND %s%s%s%s", prefix, dot, c->name, PICK(&g->r, uops));
        gen_literal_for(g, c);
      }
    }
  } else if (neq == 0) {
    sb_puts(g->b, "1");
  }
}

/* Append a row-value comparison "(a, b) op (x, y)" or "(a, b) IN
 * (VALUES ...)" on two columns of one table of the scope. */
static void gen_row_value(gen *g, const scope *sc)
{
  static const char *const ops[] = { " = ", " < ", " <= ", " > ", " >= ", " <> " };
  int e = (int)rng_below(&g->r, (unsigned)sc->n), k, n;
  const table_def *t = sc->t[e];
  const char *prefix = sc->alias[e] ? sc->alias[e] : "";
  const char *dot = sc->alias[e] ? "." : "";
  const col_def *c1 = &t->col[0], *c2 = &t->col[1];

  if (t->nidx > 0 && t->idx[0].ncol >= 2 && rng_chance(&g->r, 60)) {
    c1 = &t->col[t->idx[0].col[0]];
    c2 = &t->col[t->idx[0].col[1]];
  } else if (t->npk == 2) {
    c1 = &t->col[t->pk[0]];
    c2 = &t->col[t->pk[1]];
  }
  sb_add(g->b, "(%s%s%s, %s%s%s)", prefix, dot, c1->name, prefix, dot, c2->name);
  if (rng_chance(&g->r, 25)) {
    n = 1 + (int)rng_below(&g->r, 3);
    sb_puts(g->b, " IN (VALUES ");
    for (k = 0; k < n; k++) {
      sb_puts(g->b, k ? ", (" : "(");
      gen_literal_for(g, c1);
      sb_puts(g->b, ", ");
      gen_literal_for(g, c2);
      sb_puts(g->b, ")");
    }
    sb_puts(g->b, ")");
    return;
  }
  sb_puts(g->b, PICK(&g->r, ops));
  sb_puts(g->b, "(");
  gen_literal_for(g, c1);
  sb_puts(g->b, ", ");
  gen_literal_for(g, c2);
  sb_puts(g->b, ")");
}

/* Append one leaf predicate. */
static void gen_leaf(gen *g, const scope *sc)
{
  const col_def *c;
  unsigned p = rng_below(&g->r, 100);

  if (rng_chance(&g->r, 4)) {
    gen_row_value(g, sc);
  } else if (p < 28) {                         /* col op literal */
    c = gen_colref(g, sc);
    gen_cmp_op(g);
    gen_literal_for(g, c);
  } else if (p < 36) {                  /* literal op col (operands swapped) */
    sbuf tmp, *out = g->b;
    sb_init(&tmp);
    g->b = &tmp;
    c = gen_colref(g, sc);
    g->b = out;
    gen_literal_for(g, c);
    gen_cmp_op(g);
    sb_puts(g->b, tmp.z);
    sb_free(&tmp);
  } else if (p < 46) {                  /* IN / NOT IN */
    c = gen_colref(g, sc);
    sb_puts(g->b, rng_chance(&g->r, 20) ? " NOT IN " : " IN ");
    gen_in_rhs(g, c);
  } else if (p < 54) {                  /* BETWEEN */
    c = gen_colref(g, sc);
    sb_puts(g->b, rng_chance(&g->r, 20) ? " NOT BETWEEN " : " BETWEEN ");
    gen_literal_for(g, c);
    sb_puts(g->b, " AND ");
    gen_literal_for(g, c);
  } else if (p < 62) {                  /* NULL tests */
    static const char *const nt[] = { " IS NULL", " IS NOT NULL", " NOTNULL", " ISNULL" };
    gen_colref(g, sc);
    sb_puts(g->b, PICK(&g->r, nt));
  } else if (p < 70) {                  /* IS / IS NOT literal */
    c = gen_colref(g, sc);
    sb_puts(g->b, rng_chance(&g->r, 30) ? " IS NOT " : " IS ");
    gen_literal_for(g, c);
  } else if (p < 80) {                  /* column op column */
    gen_colref(g, sc);
    if (rng_chance(&g->r, 20)) sb_puts(g->b, rng_chance(&g->r, 50) ? " IS " : " IS NOT ");
    else gen_cmp_op(g);
    gen_colref(g, sc);
  } else if (p < 86) {                  /* explicit collation */
    c = gen_colref(g, sc);
    if (rng_chance(&g->r, 50)) sb_add(g->b, " COLLATE %s", coll_names[1 + rng_below(&g->r, 3)]);
    gen_cmp_op(g);
    gen_literal_for(g, c);
    if (rng_chance(&g->r, 50)) sb_add(g->b, " COLLATE %s", coll_names[1 + rng_below(&g->r, 3)]);
  } else if (p < 89) {                  /* LIKE / GLOB */
    /* Never on the rowid: SQLite 3.40 turns "y.rowid LIKE 'a%'" in the ON
     * clause of a LEFT JOIN into range tests that drop the NULL row:
     *   CREATE TABLE t(a); INSERT INTO t VALUES (1);
     *   SELECT count(*) FROM t x LEFT JOIN t y ON y.rowid LIKE 'a%';  -- 0 */
    static const char *const pats[] = { "'a%'", "'A%'", "'%b'", "'1%'", "'_'", "'a*'", "'[ab]*'" };
    int e = (int)rng_below(&g->r, (unsigned)sc->n);
    const table_def *t = sc->t[e];
    int ci = (int)rng_below(&g->r, (unsigned)t->ncol);
    if (ci == ipk_col(t)) ci = (ci + 1) % t->ncol;
    /* In the ON clause of a LEFT JOIN, a unary + on the column (the same
     * value, so the same match): SQLite 3.40 loses the unmatched row when
     * it turns the LIKE into an index range next to another range term:
     *   CREATE TABLE t(c, d TEXT COLLATE NOCASE); CREATE INDEX i ON t(d);
     *   INSERT INTO t VALUES (NULL, 'x');
     *   SELECT count(*) FROM t x LEFT JOIN t y
     *     ON y.d >= x.c AND y.d LIKE '1%';                  -- 0, should be 1 */
    sb_add(g->b, "%s%s%s%s", g->left_on ? "+" : "", sc->alias[e] ? sc->alias[e] : "",
           sc->alias[e] ? "." : "", t->col[ci].name);
    sb_puts(g->b, rng_chance(&g->r, 60) ? " LIKE " : " GLOB ");
    sb_puts(g->b, PICK(&g->r, pats));
  } else if (p < 92) {                  /* unary + defeats index use */
    sb_puts(g->b, "+");
    c = gen_colref(g, sc);
    gen_cmp_op(g);
    gen_literal_for(g, c);
  } else if (p < 94) {                  /* constants */
    static const char *const k[] = { "1", "0", "NULL", "'1'" };
    sb_puts(g->b, PICK(&g->r, k));
  } else if (p < 96 && g->subdepth < 2 && pick_sub_table(g)) { /* EXISTS */
    const table_def *t = pick_sub_table(g);
    scope in = scope_one(t, "z");
    g->subdepth++;
    sb_add(g->b, "%sEXISTS (SELECT 1 FROM %s AS z WHERE ",
           rng_chance(&g->r, 25) ? "NOT " : "", t->name);
    gen_colref(g, &in);
    gen_cmp_op(g);
    gen_colref(g, sc);
    sb_puts(g->b, ")");
    g->subdepth--;
  } else {                              /* index-shaped conjunction */
    gen_index_cond(g, sc);
  }
}

/* Append a random condition tree of at most `depth` levels of AND/OR/NOT. */
static void gen_cond(gen *g, const scope *sc, int depth)
{
  unsigned p = rng_below(&g->r, 100);

  if (depth <= 0 || p < 45) {
    gen_leaf(g, sc);
  } else if (p < 55) {
    sb_puts(g->b, "NOT (");
    gen_cond(g, sc, depth - 1);
    sb_puts(g->b, ")");
  } else if (p < 70) {
    gen_index_cond(g, sc);
  } else {
    sb_puts(g->b, "(");
    gen_cond(g, sc, depth - 1);
    sb_puts(g->b, rng_chance(&g->r, 55) ? " AND " : " OR ");
    gen_cond(g, sc, depth - 1);
    sb_puts(g->b, ")");
  }
}

/* Append an ORDER BY whose last terms are the rowids of every FROM item, so
 * that the order is total.  Sometimes the leading terms follow an index of
 * the first table, in its direction or all reversed, so that the virtual
 * table can consume the ORDER BY. */
static void gen_order_by(gen *g, const scope *sc)
{
  const table_def *t0 = sc->t[0];
  int i, n;

  sb_puts(g->b, " ORDER BY ");
  if (t0->nidx > 0 && rng_chance(&g->r, 35)) {
    const index_def *x = &t0->idx[rng_below(&g->r, (unsigned)t0->nidx)];
    int rev = rng_chance(&g->r, 40);
    n = 1 + (int)rng_below(&g->r, (unsigned)x->ncol);
    for (i = 0; i < n; i++)
      sb_add(g->b, "%s%s%s ", sc->alias[0] ? sc->alias[0] : "",
             sc->alias[0] ? "." : "", t0->col[x->col[i]].name),
      sb_add(g->b, "%s, ", x->desc[i] != rev ? "DESC" : "ASC");
  } else {
    n = (int)rng_below(&g->r, 3);
    for (i = 0; i < n; i++) {
      gen_colref(g, sc);
      if (rng_chance(&g->r, 10)) sb_add(g->b, " COLLATE %s", coll_names[1 + rng_below(&g->r, 3)]);
      sb_puts(g->b, rng_chance(&g->r, 40) ? " DESC" : rng_chance(&g->r, 30) ? " ASC" : "");
      if (rng_chance(&g->r, 5)) sb_puts(g->b, rng_chance(&g->r, 50) ? " NULLS FIRST" : " NULLS LAST");
      sb_puts(g->b, ", ");
    }
  }
  for (i = 0; i < sc->n; i++)
    sb_add(g->b, "%s%s%srowid%s", i ? ", " : "", sc->alias[i] ? sc->alias[i] : "",
           sc->alias[i] ? "." : "", rng_chance(&g->r, 30) ? " DESC" : "");
}

/* Append " LIMIT n [OFFSET m]" (only after a total ORDER BY). */
static void gen_limit(gen *g)
{
  static const char *const lim[] = { "0", "1", "2", "3", "5", "10", "-1" };
  static const char *const off[] = { "0", "1", "2", "5" };

  if (rng_chance(&g->r, 20))
    sb_add(g->b, " LIMIT %s, %s", PICK(&g->r, off), PICK(&g->r, lim));
  else if (rng_chance(&g->r, 50))
    sb_add(g->b, " LIMIT %s OFFSET %s", PICK(&g->r, lim), PICK(&g->r, off));
  else
    sb_add(g->b, " LIMIT %s", PICK(&g->r, lim));
}

/* Append a result-column expression over the scope.  No function that can
 * fail (abs(-2^63) overflows): whether a result column is computed for a
 * row that OFFSET/LIMIT drops depends on the plan, natively too. */
static void gen_result_expr(gen *g, const scope *sc)
{
  static const char *const fn[] = { "typeof", "quote", "length", "hex", "lower" };
  unsigned p = rng_below(&g->r, 10);

  if (p < 6) {
    gen_colref(g, sc);
  } else if (p < 9) {
    sb_add(g->b, "%s(", PICK(&g->r, fn));
    gen_colref(g, sc);
    sb_puts(g->b, ")");
  } else {
    gen_colref(g, sc);
    sb_puts(g->b, rng_chance(&g->r, 50) ? " + 1" : " || 'x'");
  }
}

/* Append "(SELECT * FROM t WHERE ... ORDER BY rowid LIMIT -1 OFFSET 0)": a
 * row source in a fixed order that SQLite will not flatten away (a subquery
 * with OFFSET is never flattened), for the order-sensitive constructs. */
static void gen_ordered_source(gen *g, const table_def *t)
{
  scope sc = scope_one(t, NULL);

  sb_add(g->b, "(SELECT * FROM %s", t->name);
  if (rng_chance(&g->r, 75)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &sc, 3);
  }
  sb_puts(g->b, " ORDER BY rowid LIMIT -1 OFFSET 0)");
}

/* Statement flags. */
enum {
  F_UNORDERED = 1,   /* compare result rows as a multiset */
  F_QUERY = 2        /* read-only: no table comparison afterwards */
};

/* Generate "SELECT ... FROM t [WHERE] [ORDER BY ... [LIMIT]]"; returns its
 * flags (unordered without ORDER BY). */
static int gen_select_plain(gen *g, const table_def *t)
{
  scope sc = scope_one(t, NULL);
  int i, n;

  if (rng_chance(&g->r, 20)) sc.alias[0] = "x";
  sb_puts(g->b, "SELECT ");
  if (rng_chance(&g->r, 45)) {
    sb_puts(g->b, sc.alias[0] ? "x.rowid, x.*" : "rowid, *");
  } else {
    n = 1 + (int)rng_below(&g->r, 4);
    for (i = 0; i < n; i++) {
      if (i) sb_puts(g->b, ", ");
      gen_result_expr(g, &sc);
    }
  }
  sb_add(g->b, " FROM %s%s", t->name, sc.alias[0] ? " AS x" : "");
  if (rng_chance(&g->r, 85)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &sc, 3);
  }
  if (rng_chance(&g->r, 55)) {
    gen_order_by(g, &sc);
    if (rng_chance(&g->r, 40)) gen_limit(g);
    return F_QUERY;
  }
  return F_QUERY | F_UNORDERED;
}

/* Generate an aggregate query over t: counting (p < 10), the aggregate
 * functions, GROUP BY or DISTINCT, the order-sensitive ones over
 * gen_ordered_source(); returns its flags. */
static int gen_select_aggregate(gen *g, const table_def *t, unsigned p)
{
  scope sc = scope_one(t, NULL);
  const char *c = t->col[rng_below(&g->r, (unsigned)t->ncol)].name;
  const char *k = t->col[rng_below(&g->r, (unsigned)t->ncol)].name;

  if (p < 10) {
    sb_puts(g->b, "SELECT count(*), count(");
    gen_colref(g, &sc);
    sb_add(g->b, ") FROM %s WHERE ", t->name);
    gen_cond(g, &sc, 3);
    return F_QUERY;
  }
  if (p < 22) {
    sb_add(g->b, "SELECT count(*), count(%s), sum(%s), total(%s), avg(%s), "
           "min(%s), max(%s), group_concat(%s, '|') FROM ", c, c, c, c, c, c, c);
    gen_ordered_source(g, t);
    return F_QUERY;
  }
  if (p < 30) {
    sb_add(g->b, "SELECT %s, count(*), min(%s), max(%s), sum(%s) FROM ", k, c, c, c);
    gen_ordered_source(g, t);
    sb_add(g->b, " GROUP BY %s", k);
    if (rng_chance(&g->r, 25)) sb_puts(g->b, " HAVING count(*) > 1");
    return F_QUERY | F_UNORDERED;
  }
  sb_add(g->b, "SELECT DISTINCT %s", c);
  if (rng_chance(&g->r, 50)) sb_add(g->b, ", %s", k);
  sb_puts(g->b, " FROM ");
  gen_ordered_source(g, t);
  return F_QUERY | F_UNORDERED;
}

/* Generate "SELECT ... FROM t AS x [LEFT] JOIN u AS y ON ..." (u may be t
 * itself); returns its flags. */
static int gen_select_join(gen *g, const table_def *t)
{
  const table_def *u = pick_table(g);
  scope js, xs = scope_one(t, "x"), ys = scope_one(u, "y");
  int left = rng_chance(&g->r, 30), i, n;

  memset(&js, 0, sizeof js);
  js.n = 2;
  js.alias[0] = "x"; js.t[0] = t;
  js.alias[1] = "y"; js.t[1] = u;
  sb_puts(g->b, "SELECT x.rowid, y.rowid");
  n = 1 + (int)rng_below(&g->r, 3);
  for (i = 0; i < n; i++) {
    sb_puts(g->b, ", ");
    gen_result_expr(g, &js);
  }
  sb_add(g->b, " FROM %s AS x %sJOIN %s AS y ON ", t->name, left ? "LEFT " : "", u->name);
  gen_colref(g, &ys);
  gen_cmp_op(g);
  gen_colref(g, &xs);
  if (rng_chance(&g->r, 30)) {
    sb_puts(g->b, " AND ");
    g->left_on = left;
    gen_cond(g, &ys, 1);
    g->left_on = 0;
  }
  if (rng_chance(&g->r, 60)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &js, 2);
  }
  if (rng_chance(&g->r, 30)) {
    gen_order_by(g, &js);
    if (rng_chance(&g->r, 50)) gen_limit(g);
    return F_QUERY;
  }
  return F_QUERY | F_UNORDERED;
}

/* Generate a SELECT; returns its flags. */
static int gen_select(gen *g)
{
  const table_def *t = pick_table(g);
  unsigned p = rng_below(&g->r, 100);

  if (p < 45) return gen_select_plain(g, t);
  if (p < 80) return gen_select_aggregate(g, t, p - 45);
  return gen_select_join(g, t);
}

/* Append a value for target column ci of t (-1: the rowid): usually a
 * literal, sometimes computed.  `multirow`: the statement writes several
 * rows, so rowid values must stay below 2^62 (see the file comment). */
static void gen_value(gen *g, const table_def *t, int ci, int multirow)
{
  int is_key = ci < 0 || ci == ipk_col(t);

  if (is_key && multirow) {
    sb_puts(g->b, PICK(&g->r, lit_rowid));
  } else if (is_key && rng_chance(&g->r, 60)) {
    sb_puts(g->b, PICK(&g->r, lit_rowid));
  } else if (rng_chance(&g->r, 8)) {
    sb_puts(g->b, PICK(&g->r, const_exprs));
  } else if (ci >= 0) {
    sb_puts(g->b, gen_col_literal(&g->r, &t->col[ci]));
  } else {
    sb_puts(g->b, gen_any_literal(&g->r));
  }
}

/* The verb of an INSERT: plain, with a conflict clause, or REPLACE. */
static const char *gen_insert_verb(gen *g)
{
  static const char *const verbs[] = {
    "INSERT", "INSERT", "INSERT", "INSERT", "INSERT OR REPLACE",
    "INSERT OR IGNORE", "INSERT OR FAIL", "INSERT OR ABORT",
    "INSERT OR ROLLBACK", "REPLACE"
  };
  return PICK(&g->r, verbs);
}

/* Choose a random non-empty list of target columns of t (-1 = rowid,
 * offered only when t has no INTEGER PRIMARY KEY); returns the count.
 * `insert`: usually add the NOT NULL columns without a default, or most
 * inserts would fail. */
static int gen_target_cols(gen *g, const table_def *t, int *cols, int insert)
{
  int order[MAX_COLS + 1], n = 0, i, want;

  for (i = 0; i < t->ncol; i++) order[n++] = i;
  if (ipk_col(t) < 0 && rng_chance(&g->r, 20)) order[n++] = -1;
  for (i = n - 1; i > 0; i--) {                 /* shuffle */
    int j = (int)rng_below(&g->r, (unsigned)i + 1), tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  want = 1 + (int)rng_below(&g->r, (unsigned)n);
  for (i = 0; i < want; i++) cols[i] = order[i];
  for (i = want; insert && i < n; i++) {
    int c = order[i];
    if (c >= 0 && t->col[c].notnull && !t->col[c].dflt && c != ipk_col(t) &&
        rng_chance(&g->r, 90))
      cols[want++] = c;
  }
  return want;
}

/* Append the name of target column ci of t (-1: rowid). */
static void put_col_name(gen *g, const table_def *t, int ci)
{
  sb_puts(g->b, ci < 0 ? "rowid" : t->col[ci].name);
}

/* Documented divergences.  Where lmdb deliberately differs from a native
 * table, and says so, the native side runs a rewritten statement that does
 * what lmdb documents, so that the comparison stays exact everywhere else.
 * Every modelled statement is counted and the counts are printed at the end
 * of every run, and --strict compares against plain native SQLite instead,
 * so a documented divergence is always visible and never hides anything
 * else.
 *
 * D1, NULL into a column with a DEFAULT (ext/vtab.c, above the function
 *     that fills a row from xUpdate's argv): SQLite gives a virtual table
 *     neither the DEFAULT expressions nor the INSERT's column list; an
 *     omitted column arrives as NULL, exactly like an explicit NULL.  lmdb
 *     stores the DEFAULT for both; a native table stores NULL for an
 *     explicit NULL.  Model: on the native side an INSERT writes
 *     coalesce(value, DEFAULT) into such a column (not into the rowid
 *     alias, where NULL means "allocate a rowid").
 *
 * D2, a write statement that fails part-way with an error that is not a
 *     constraint violation (here: "datatype mismatch" for a rowid that is
 *     no integer) inside a transaction leaves nothing behind on lmdb, while
 *     a native table may keep the rows written before the failing one
 *     (typically under OR IGNORE, OR REPLACE, OR FAIL and OR ROLLBACK).
 *     SQLite decides this, not the module: it runs every write to a
 *     virtual table inside a statement savepoint (the INSERT and UPDATE
 *     code calls sqlite3MayAbort() for every virtual-table write) and, on
 *     an error that is not a constraint, rolls back to it (xRollbackTo);
 *     for a native table it opens a statement journal only when some
 *     constraint of the statement could abort, and without one there is
 *     nothing to roll back.  The module cannot tell that xRollbackTo from
 *     any other, nor copy a rule that depends on the native table's
 *     constraints.  Outside a transaction both sides roll the whole
 *     transaction back.  Model: on the native side,
 *     a write inside a transaction runs under SAVEPOINT difftest_d2, rolled
 *     back to after such an error (run_native()); it counts when that
 *     changed the native tables.
 *
 * D3, an UPDATE that assigns both the rowid and the INTEGER PRIMARY KEY
 *     column (ext/vtab.c, lvtUpdateRow): natively the later assignment
 *     wins; a virtual table is handed both values (argv[1] and the column)
 *     without their order, and lmdb takes the column's.  Model: on the
 *     native side the rowid assignment moves before the column's, so that
 *     the column's comes later and wins there too.
 *
 * D4 (fixed: ext/vtab_args.c now records DEFAULT NULL as a DEFAULT, so
 *     this is no longer modelled and its count stays 0; kept for the
 *     record).  It was NOT NULL DEFAULT NULL:
 *     lmdb stored DEFAULT NULL as "no DEFAULT" (has_default = 0), the same
 *     thing everywhere but in one place: under OR REPLACE, SQLite reports
 *     a NULL in a NOT NULL column without a DEFAULT before one in a column
 *     with a DEFAULT (which it first replaces by the DEFAULT, and checks
 *     again afterwards), and counts DEFAULT NULL as a DEFAULT:
 *       CREATE TABLE t(a NOT NULL DEFAULT NULL, d NOT NULL);
 *       INSERT OR REPLACE INTO t(d) VALUES (NULL);  -- native: t.d, lmdb: t.a
 *     Model: the native schema leaves DEFAULT NULL out on a NOT NULL
 *     column (render_columns()); counted per schema.
 *
 * The generator marks a value written into a column with a DEFAULT as
 * \1 T C value \3 (T, C: table and column number as digits), and each
 * assignment of a single-row UPDATE as \2 T C assignment \3 (C 'r' for the
 * rowid); model_native() renders the native statement from the schema in
 * use, so that the minimizer may drop a DEFAULT or the primary key and the
 * model follows. */
#define MODEL_VALUE '\1'
#define MODEL_ASSIGN '\2'
#define MODEL_END '\3'
#define MODEL_ROWID 'r'

/* Does D1 apply to target column ci (-1: rowid) of t? */
static int model_default_applies(const table_def *t, int ci)
{
  return ci >= 0 && ci != ipk_col(t) && t->col[ci].dflt != NULL;
}

/* Open the mark of a value written into target column ci of t.  Any
 * column with a DEFAULT is marked, the rowid alias too: the minimizer may
 * turn it into an ordinary column, and model_native() decides. */
static void model_open(gen *g, const table_def *t, int ci)
{
  if (ci >= 0 && t->col[ci].dflt != NULL)
    sb_add(g->b, "%c%c%c", MODEL_VALUE, (char)('0' + (t - g->s->tab)), (char)('0' + ci));
}

/* Close the mark opened by model_open(). */
static void model_close(gen *g, const table_def *t, int ci)
{
  if (ci >= 0 && t->col[ci].dflt != NULL) sb_add(g->b, "%c", MODEL_END);
}

/* Open the mark of an assignment to target column ci (-1: rowid) of t in
 * a single-row UPDATE (D3); model_close_assign() closes it. */
static void model_open_assign(gen *g, const table_def *t, int ci)
{
  sb_add(g->b, "%c%c%c", MODEL_ASSIGN, (char)('0' + (t - g->s->tab)),
         ci < 0 ? MODEL_ROWID : (char)('0' + ci));
}

/* Close the mark opened by model_open_assign(). */
static void model_close_assign(gen *g)
{
  sb_add(g->b, "%c", MODEL_END);
}

/* The statement without marks, for the side under test (caller frees). */
static char *model_strip(const char *marked)
{
  sbuf b;
  const char *p;

  sb_init(&b);
  for (p = marked; *p; p++) {
    if ((*p == MODEL_VALUE || *p == MODEL_ASSIGN) && p[1] && p[2]) p += 2;
    else if (*p != MODEL_END) sb_add(&b, "%c", *p);
  }
  return sb_take(&b);
}

/* The end of the marked segment that opens at p (just past its MODEL_END;
 * marks nest), or NULL when it is not closed. */
static const char *model_seg_end(const char *p)
{
  int depth = 0;

  for (; *p; p++) {
    if ((*p == MODEL_VALUE || *p == MODEL_ASSIGN) && p[1] && p[2]) {
      depth++;
      p += 2;
    } else if (*p == MODEL_END && --depth == 0) {
      return p + 1;
    }
  }
  return NULL;
}

/* D3 under schema s: the marked statement with the rowid assignments of
 * its SET list moved to the front when the list also assigns the rowid
 * alias (the INTEGER PRIMARY KEY) before one of them.  Returns NULL when
 * nothing moves; otherwise the caller frees the string. */
static char *model_set_order(const schema *s, const char *marked)
{
  enum { MAXSEG = MAX_COLS + 2 };
  const char *start = strchr(marked, MODEL_ASSIGN), *seg[MAXSEG], *end[MAXSEG], *p;
  const table_def *t;
  int nseg = 0, i, ipk, first_ipk = -1, move = 0;
  sbuf b;

  if (start == NULL || start[1] == '\0' || start[2] == '\0') return NULL;
  if (start[1] - '0' >= s->ntab) return NULL;
  t = &s->tab[start[1] - '0'];
  ipk = ipk_col(t);
  if (ipk < 0) return NULL;
  for (p = start; nseg < MAXSEG && *p == MODEL_ASSIGN; ) {
    seg[nseg] = p;
    if ((end[nseg] = model_seg_end(p)) == NULL) return NULL;
    if (p[2] - '0' == ipk && first_ipk < 0) first_ipk = nseg;
    if (p[2] == MODEL_ROWID && first_ipk >= 0) move = 1;
    p = end[nseg++];
    if (strncmp(p, ", ", 2) != 0 || p[2] != MODEL_ASSIGN) break;
    p += 2;
  }
  if (!move) return NULL;
  sb_init(&b);
  sb_add(&b, "%.*s", (int)(start - marked), marked);
  for (i = 0; i < nseg; i++)                 /* the rowid's first, in order */
    if (seg[i][2] == MODEL_ROWID)
      sb_add(&b, "%s%.*s", b.n > (size_t)(start - marked) ? ", " : "",
             (int)(end[i] - seg[i]), seg[i]);
  for (i = 0; i < nseg; i++)
    if (seg[i][2] != MODEL_ROWID) sb_add(&b, ", %.*s", (int)(end[i] - seg[i]), seg[i]);
  sb_puts(&b, end[nseg - 1]);
  return sb_take(&b);
}

/* The statement the native side runs, under schema s: each marked value
 * becomes coalesce(value, DEFAULT) where D1 applies, and a SET list is
 * reordered where D3 applies.  *which (if not NULL) gets the divergences
 * applied, a bit (1 << DIV_x) each.  Returns NULL when that is the
 * statement itself (no mark applies, --strict, --native); otherwise the
 * caller frees the string. */
static char *model_native(const schema *s, const char *marked, unsigned *which)
{
  sbuf b;
  const char *p;
  const char *close[8];
  char *reordered;
  int depth = 0;
  unsigned applied = 0;

  if (which) *which = 0;
  if (marked == NULL || opt.strict || opt.native) return NULL;
  reordered = model_set_order(s, marked);
  if (reordered) {
    applied |= 1u << DIV_D3;
    marked = reordered;
  }
  sb_init(&b);
  for (p = marked; *p; p++) {
    if ((*p == MODEL_VALUE || *p == MODEL_ASSIGN) && p[1] && p[2]) {
      int ti = p[1] - '0', ci = p[2] - '0';
      const table_def *t = ti < s->ntab ? &s->tab[ti] : NULL;
      close[depth] = NULL;
      if (*p == MODEL_VALUE && t && ci < t->ncol && model_default_applies(t, ci)) {
        sb_puts(&b, "coalesce(");
        close[depth] = t->col[ci].dflt;
        applied |= 1u << DIV_D1;
      }
      p += 2;
      if (depth < 7) depth++;
    } else if (*p == MODEL_END) {
      if (depth > 0 && close[--depth]) sb_add(&b, ", %s)", close[depth]);
    } else {
      sb_add(&b, "%c", *p);
    }
  }
  free(reordered);
  if (which) *which = applied;
  if (!applied) {
    sb_free(&b);
    return NULL;
  }
  return sb_take(&b);
}

/* The names of the divergences in `which` (bits 1 << DIV_x), e.g. "D1, D3"
 * (static storage). */
static const char *model_names(unsigned which)
{
  static char buf[32];
  size_t n = 0;
  int d;

  buf[0] = '\0';
  for (d = 0; d < NDIV; d++)
    if (which & (1u << d))
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%sD%d", n ? ", " : "", d + 1);
  return buf;
}

/* Generate an INSERT or REPLACE into t. */
static void gen_insert(gen *g, const table_def *t)
{
  int cols[MAX_COLS + 1], ncol, i, k, nrow;
  unsigned form = rng_below(&g->r, 100);

  sb_add(g->b, "%s INTO %s", gen_insert_verb(g), t->name);
  if (form < 3) {
    sb_puts(g->b, " DEFAULT VALUES");
    return;
  }
  if (form < 10) {                               /* all columns, no list */
    ncol = t->ncol;
    for (i = 0; i < ncol; i++) cols[i] = i;
  } else {
    ncol = gen_target_cols(g, t, cols, 1);
    sb_puts(g->b, " (");
    for (i = 0; i < ncol; i++) {
      if (i) sb_puts(g->b, ", ");
      put_col_name(g, t, cols[i]);
    }
    sb_puts(g->b, ")");
  }
  if (form >= 85) {                              /* INSERT ... SELECT */
    const table_def *src = pick_table(g);
    scope sc = scope_one(src, "s");
    sb_puts(g->b, " SELECT ");
    for (i = 0; i < ncol; i++) {
      if (i) sb_puts(g->b, ", ");
      if (cols[i] < 0 || cols[i] == ipk_col(t)) {
        static const char *const keyx[] = { "NULL", "s.rowid", "s.rowid + 1", "s.rowid + 100", "-s.rowid" };
        sb_puts(g->b, PICK(&g->r, keyx));
      } else {
        model_open(g, t, cols[i]);
        if (rng_chance(&g->r, 75))
          sb_add(g->b, "s.%s", src->col[rng_below(&g->r, (unsigned)src->ncol)].name);
        else
          gen_value(g, t, cols[i], 1);
        model_close(g, t, cols[i]);
      }
    }
    sb_add(g->b, " FROM %s AS s", src->name);
    if (rng_chance(&g->r, 70)) {
      sb_puts(g->b, " WHERE ");
      gen_cond(g, &sc, 2);
    }
    sb_add(g->b, " ORDER BY s.rowid%s", rng_chance(&g->r, 30) ? " DESC" : "");
    if (rng_chance(&g->r, 30)) sb_add(g->b, " LIMIT %u", 1 + rng_below(&g->r, 5));
    return;
  }
  nrow = form < 60 ? 1 : 2 + (int)rng_below(&g->r, 4);
  sb_puts(g->b, " VALUES ");
  for (k = 0; k < nrow; k++) {
    sb_puts(g->b, k ? ", (" : "(");
    for (i = 0; i < ncol; i++) {
      if (i) sb_puts(g->b, ", ");
      model_open(g, t, cols[i]);
      gen_value(g, t, cols[i], nrow > 1);
      model_close(g, t, cols[i]);
    }
    sb_puts(g->b, ")");
  }
}

/* Append "col = value" for target column ci (-1: rowid) of t. */
static void gen_assignment(gen *g, const table_def *t, int ci)
{
  scope sc = scope_one(t, NULL);
  unsigned p = rng_below(&g->r, 100);

  put_col_name(g, t, ci);
  sb_puts(g->b, " = ");
  if (p < 55) {
    gen_value(g, t, ci, 0);
  } else if (p < 75) {
    gen_colref(g, &sc);
  } else if (p < 85) {
    gen_colref(g, &sc);
    sb_puts(g->b, rng_chance(&g->r, 50) ? " + 1" : " - 1");
  } else if (p < 92) {
    sb_puts(g->b, rng_chance(&g->r, 50) ? "upper(" : "lower(");
    gen_colref(g, &sc);
    sb_puts(g->b, ")");
  } else {
    sb_puts(g->b, "NULL");
  }
}

/* Generate an UPDATE of t.  Key columns are updated on one row only (see
 * the file comment); several rows get updates of non-key columns. */
static void gen_update(gen *g, const table_def *t)
{
  static const char *const verbs[] = {
    "UPDATE", "UPDATE", "UPDATE", "UPDATE OR REPLACE", "UPDATE OR IGNORE",
    "UPDATE OR ABORT", "UPDATE OR ROLLBACK", "UPDATE OR FAIL"
  };
  scope sc = scope_one(t, NULL);
  int nonkey[MAX_COLS], nnonkey = 0, i, k, n;
  int single;

  for (i = 0; i < t->ncol; i++)
    if (!col_is_key(t, i) && i != ipk_col(t)) nonkey[nnonkey++] = i;
  single = nnonkey == 0 || rng_chance(&g->r, 45);
  if (single) {
    const char *verb = PICK(&g->r, verbs);
    int cols[MAX_COLS + 1];
    n = gen_target_cols(g, t, cols, 0);
    if (n > 3) n = 3;
    /* the rowid itself, anywhere in the list (before or after the rowid
     * alias: D3) */
    if (rng_chance(&g->r, 15)) cols[rng_below(&g->r, (unsigned)n)] = -1;
    sb_add(g->b, "%s %s SET ", verb, t->name);
    for (i = 0; i < n; i++) {
      if (i) sb_puts(g->b, ", ");
      model_open_assign(g, t, cols[i]);
      gen_assignment(g, t, cols[i]);
      model_close_assign(g);
    }
    sb_puts(g->b, " WHERE rowid = ");
    sb_puts(g->b, PICK(&g->r, lit_rowid));
    if (rng_chance(&g->r, 30)) {
      sb_puts(g->b, " AND ");
      gen_cond(g, &sc, 1);
    }
    return;
  }
  /* Multi-row: every verb but OR FAIL (the last one). */
  sb_add(g->b, "%s %s SET ", verbs[rng_below(&g->r, 7)], t->name);
  for (i = nnonkey - 1; i > 0; i--) {           /* shuffle */
    int j = (int)rng_below(&g->r, (unsigned)i + 1), tmp = nonkey[i];
    nonkey[i] = nonkey[j];
    nonkey[j] = tmp;
  }
  n = 1 + (int)rng_below(&g->r, (unsigned)(nnonkey < 3 ? nnonkey : 3));
  for (i = k = 0; i < n; i++) {
    /* At most one NOT NULL column: with two, which one a failure names
     * depends on which row fails first. */
    if (t->col[nonkey[i]].notnull && k++ > 0) continue;
    if (i) sb_puts(g->b, ", ");
    gen_assignment(g, t, nonkey[i]);
  }
  if (rng_chance(&g->r, 85)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &sc, 2);
  }
}

/* Generate a DELETE from t. */
static void gen_delete(gen *g, const table_def *t)
{
  scope sc = scope_one(t, NULL);

  sb_add(g->b, "DELETE FROM %s", t->name);
  if (rng_chance(&g->r, 96)) {
    sb_puts(g->b, " WHERE ");
    gen_cond(g, &sc, 3);
  }
}

/* A savepoint number: usually one that is open, sometimes any. */
static int pick_savepoint(gen *g)
{
  if (g->nsp > 0 && rng_chance(&g->r, 90)) return g->sp[rng_below(&g->r, (unsigned)g->nsp)];
  return 1 + (int)rng_below(&g->r, 3);
}

/* Generate a transaction-control statement, usually one that makes sense
 * in the current state (autocommit or not). */
static void gen_txn(gen *g, int autocommit)
{
  unsigned p = rng_below(&g->r, 100);

  if (autocommit) {
    if (p < 55) sb_puts(g->b, rng_chance(&g->r, 70) ? "BEGIN" : "BEGIN IMMEDIATE");
    else if (p < 90) sb_add(g->b, "SAVEPOINT sp%d", 1 + (int)rng_below(&g->r, 3));
    else sb_puts(g->b, rng_chance(&g->r, 50) ? "COMMIT" : "ROLLBACK");
    return;
  }
  if (p >= 60 && p < 97 && g->nsp == 0 && rng_chance(&g->r, 85)) p = 50;
  if (p < 25) sb_puts(g->b, rng_chance(&g->r, 80) ? "COMMIT" : "END");
  else if (p < 37) sb_puts(g->b, "ROLLBACK");
  else if (p < 60) sb_add(g->b, "SAVEPOINT sp%d", 1 + (int)rng_below(&g->r, 3));
  else if (p < 77) sb_add(g->b, "RELEASE sp%d", pick_savepoint(g));
  else if (p < 97) sb_add(g->b, "ROLLBACK TO sp%d", pick_savepoint(g));
  else sb_puts(g->b, "BEGIN");
}

/* Follow the savepoint stack after statement `sql` ran natively with
 * result code rc, leaving the connection in `autocommit` state. */
static void gen_note(gen *g, const char *sql, int rc, int autocommit)
{
  int n, i;

  if (autocommit) {
    g->nsp = 0;
    return;
  }
  if (rc != SQLITE_OK) return;
  if (sscanf(sql, "SAVEPOINT sp%d", &n) == 1) {
    if (g->nsp < (int)(sizeof g->sp / sizeof g->sp[0])) g->sp[g->nsp++] = n;
  } else if (sscanf(sql, "RELEASE sp%d", &n) == 1 ||
             sscanf(sql, "ROLLBACK TO sp%d", &n) == 1) {
    for (i = g->nsp - 1; i >= 0 && g->sp[i] != n; i--) {}
    if (i >= 0) g->nsp = sql[0] == 'R' && sql[1] == 'E' ? i : i + 1;
  }
}

/* One generated statement with its flags. */
typedef struct stmt {
  char *sql;              /* the statement */
  char *marked;           /* with D1/D3 marks (see model_native()), or NULL */
  int flags;
} stmt;

/* Run a one-value query on db; returns the integer it yields, or `dflt`
 * when it yields nothing or fails. */
static sqlite3_int64 query_int(sqlite3 *db, const char *sql, sqlite3_int64 dflt)
{
  sqlite3_stmt *st;
  sqlite3_int64 v = dflt;

  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return dflt;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Generate the next statement into *out (the caller frees out->sql).  The
 * generator looks at the native side `ref` for the transaction state, the
 * table sizes and the largest rowid; never at the side under test, so a
 * seed produces the same statements whatever that side does. */
static void gen_stmt(gen *g, sqlite3 *ref, stmt *out)
{
  sbuf b;
  const table_def *t;
  char q[96];
  int ti;
  sqlite3_int64 nrows;
  unsigned p = rng_below(&g->r, 100);

  sb_init(&b);
  g->b = &b;
  g->subdepth = 0;
  out->flags = 0;
  t = pick_table(g);
  snprintf(q, sizeof q, "SELECT count(*) FROM %s", t->name);
  nrows = query_int(ref, q, 0);
  if (p >= 36 && p < 58 && nrows > 60 && rng_chance(&g->r, 60))
    p = 75;                                   /* big table: delete instead */
  else if (p >= 71 && p < 80 && nrows < 10 && rng_chance(&g->r, 60))
    p = 40;                                   /* small table: insert instead */
  if (p < 36) {
    out->flags = gen_select(g);
  } else if (p < 58) {
    /* Keep rowids below 2^62 before anything that may allocate one. */
    for (ti = 0; ti < g->s->ntab; ti++) {
      snprintf(q, sizeof q, "SELECT max(rowid) > 4611686018427387904 FROM %s",
               g->s->tab[ti].name);
      if (query_int(ref, q, 0)) break;
    }
    if (ti < g->s->ntab)
      sb_add(&b, "DELETE FROM %s WHERE rowid > 4611686018427387904", g->s->tab[ti].name);
    else
      gen_insert(g, t);
  } else if (p < 71) {
    g->target = t;
    gen_update(g, t);
  } else if (p < 80) {
    g->target = t;
    gen_delete(g, t);
  } else if (p < 90) {
    gen_txn(g, sqlite3_get_autocommit(ref));
  } else {
    out->flags = gen_select(g);
  }
  g->b = NULL;
  g->target = NULL;
  out->sql = model_strip(b.z);
  out->marked = strcmp(out->sql, b.z) != 0 ? sb_take(&b) : NULL;
  if (out->marked) {
    unsigned which;
    char *n = model_native(g->s, out->marked, &which);
    if (which & (1u << DIV_D1)) shared->nmodel[DIV_D1]++;
    if (which & (1u << DIV_D3)) shared->nmodel[DIV_D3]++;
    free(n);
  }
  sb_free(&b);
}

/* ------------------------------------------------------------- results -- */

/* Everything observable about one statement on one side. */
typedef struct result {
  int rc;                 /* extended result code */
  char *errmsg;           /* when rc != SQLITE_OK */
  int nrow;
  char **rows;            /* each row rendered by fmt_value() */
  int changes;
  sqlite3_int64 last_rowid;
  int autocommit;
} result;

/* Release what r owns and zero it. */
static void result_free(result *r)
{
  int i;

  for (i = 0; i < r->nrow; i++) free(r->rows[i]);
  free(r->rows);
  free(r->errmsg);
  memset(r, 0, sizeof *r);
}

/* Append column i of the current row, unambiguously: integers as digits,
 * reals with %!.17g (always a '.' or 'e', round-trips every double, keeps
 * the sign of -0.0), text quoted, blobs as x'..', NULL. */
static void fmt_value(sbuf *b, sqlite3_stmt *st, int i)
{
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER:
    sb_add(b, "%lld", (long long)sqlite3_column_int64(st, i));
    break;
  case SQLITE_FLOAT: {
    char *z = sqlite3_mprintf("%!.17g", sqlite3_column_double(st, i));
    sb_add(b, "%s", z ? z : "?");
    sqlite3_free(z);
    break;
  }
  case SQLITE_TEXT: {
    const unsigned char *z = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i), k;
    sb_puts(b, "'");
    for (k = 0; k < n; k++) {
      if (z[k] == '\'') sb_puts(b, "''");
      else if (z[k] < 0x20 || z[k] == 0x7f) sb_add(b, "\\x%02x", z[k]);
      else sb_add(b, "%c", z[k]);
    }
    sb_puts(b, "'");
    break;
  }
  case SQLITE_BLOB: {
    const unsigned char *z = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i), k;
    sb_puts(b, "x'");
    for (k = 0; k < n; k++) sb_add(b, "%02x", z[k]);
    sb_puts(b, "'");
    break;
  }
  default:
    sb_puts(b, "NULL");
    break;
  }
}

/* Run one statement on db to completion and record everything observable
 * in *r (which the caller frees with result_free()). */
static void run_sql(sqlite3 *db, const char *sql, result *r)
{
  sqlite3_stmt *st = NULL;
  int rc, cap = 0;

  memset(r, 0, sizeof *r);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK && st != NULL) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      sbuf row;
      int i, n = sqlite3_column_count(st);
      sb_init(&row);
      for (i = 0; i < n; i++) {
        if (i) sb_puts(&row, " | ");
        fmt_value(&row, st, i);
      }
      if (r->nrow == cap) {
        cap = cap ? 2 * cap : 16;
        r->rows = xrealloc(r->rows, (size_t)cap * sizeof *r->rows);
      }
      r->rows[r->nrow++] = sb_take(&row);
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) {
    r->rc = sqlite3_extended_errcode(db);
    r->errmsg = xstrdup(sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  r->changes = sqlite3_changes(db);
  r->last_rowid = sqlite3_last_insert_rowid(db);
  r->autocommit = sqlite3_get_autocommit(db);
}

/* qsort comparator for rendered rows. */
static int cmp_rows(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare two results; returns 0 when they agree, else 1 with a one-line
 * description of the first difference in `why`.  With `unordered` the rows
 * are compared as multisets.  The rows of a statement that failed are not
 * compared: which rows come out before, say, an integer overflow in a
 * result expression depends on the query plan (evaluated before or after
 * the sort), natively too. */
static int result_diff(result *a, result *b, int unordered, sbuf *why)
{
  int i;

  if (a->rc != b->rc) {
    sb_add(why, "result code %d vs %d", a->rc, b->rc);
    return 1;
  }
  if (a->rc != SQLITE_OK && strcmp(a->errmsg, b->errmsg) != 0) {
    sb_add(why, "error message differs");
    return 1;
  }
  if (a->rc != SQLITE_OK) goto counters;
  if (unordered) {
    if (a->nrow > 1) qsort(a->rows, (size_t)a->nrow, sizeof *a->rows, cmp_rows);
    if (b->nrow > 1) qsort(b->rows, (size_t)b->nrow, sizeof *b->rows, cmp_rows);
  }
  if (a->nrow != b->nrow) {
    sb_add(why, "%d rows vs %d rows%s", a->nrow, b->nrow, unordered ? " (as multisets)" : "");
    return 1;
  }
  for (i = 0; i < a->nrow; i++)
    if (strcmp(a->rows[i], b->rows[i]) != 0) {
      sb_add(why, "row %d differs%s", i + 1, unordered ? " (rows sorted, compared as multisets)" : "");
      return 1;
    }
counters:
  if (a->changes != b->changes) {
    sb_add(why, "sqlite3_changes() %d vs %d", a->changes, b->changes);
    return 1;
  }
  if (a->last_rowid != b->last_rowid) {
    sb_add(why, "sqlite3_last_insert_rowid() %lld vs %lld",
           (long long)a->last_rowid, (long long)b->last_rowid);
    return 1;
  }
  if (a->autocommit != b->autocommit) {
    sb_add(why, "autocommit %d vs %d", a->autocommit, b->autocommit);
    return 1;
  }
  return 0;
}

/* Append a readable rendering of r (at most `maxrows` rows). */
static void result_show(sbuf *b, const result *r, int maxrows)
{
  int i;

  if (r->rc != SQLITE_OK)
    sb_add(b, "error %d: %s\n", r->rc, r->errmsg);
  sb_add(b, "%d row%s", r->nrow, r->nrow == 1 ? "" : "s");
  sb_add(b, "; changes=%d last_insert_rowid=%lld autocommit=%d\n",
         r->changes, (long long)r->last_rowid, r->autocommit);
  for (i = 0; i < r->nrow && i < maxrows; i++) sb_add(b, "  %s\n", r->rows[i]);
  if (r->nrow > maxrows) sb_add(b, "  ... (%d more)\n", r->nrow - maxrows);
}

/* --------------------------------------------------------------- sides -- */


/* One connection under comparison. */
typedef struct side {
  sqlite3 *db;
  char *dir;              /* temporary directory of a file database */
} side;

/* Remove one file or empty directory (nftw callback). */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(path);
}

/* Close s and remove its temporary directory, if any. */
static void side_close(side *s)
{
  if (s->db) sqlite3_close_v2(s->db);
  s->db = NULL;
  if (s->dir) {
    nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(s->dir);
    s->dir = NULL;
  }
}

/* Open side s and create the schema `sql` in it.  `lmdb`: load the
 * extension first; `perturb`: reverse unordered scans (the native second
 * side of --native).  Returns SQLITE_OK, or an error described in err. */
static int side_open(side *s, int lmdb, int perturb, const char *sql, sbuf *err)
{
  char *zerr = NULL;
  const char *path = ":memory:";
  char *dbpath = NULL;
  int rc;

  memset(s, 0, sizeof *s);
  if (lmdb && cur_file) {
    const char *tmp = getenv("TMPDIR");
    sbuf d;
    sb_init(&d);
    sb_add(&d, "%s/difftest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(d.z) == NULL) die("mkdtemp %s failed", d.z);
    s->dir = sb_take(&d);
    dbpath = sqlite3_mprintf("%s/sut.db", s->dir);
    path = dbpath;
  }
  rc = sqlite3_open(path, &s->db);
  sqlite3_free(dbpath);
  if (rc != SQLITE_OK) die("cannot open %s: %s", path, sqlite3_errmsg(s->db));
  if (lmdb) {
    sqlite3_enable_load_extension(s->db, 1);
    rc = sqlite3_load_extension(s->db, opt.ext, NULL, &zerr);
    if (rc != SQLITE_OK) {
      sb_add(err, "loading %s failed: %s", opt.ext, zerr ? zerr : sqlite3_errstr(rc));
      sqlite3_free(zerr);
      return rc;
    }
  }
  if (perturb) sqlite3_exec(s->db, "PRAGMA reverse_unordered_selects = 1", NULL, NULL, NULL);
  /* Native sides only: SQLite 3.40 gets a join on a column declared
   * COLLATE RTRIM wrong when it builds an automatic index for it:
   *   CREATE TABLE t(a, e COLLATE RTRIM);
   *   INSERT INTO t VALUES (NULL, 'a '), ('a', NULL);
   *   SELECT count(*) FROM t x JOIN t y ON y.e = x.a;  -- 0, should be 1
   * Automatic indexes are an optimization, so turning them off changes no
   * correct result. */
  if (!lmdb) sqlite3_exec(s->db, "PRAGMA automatic_index = OFF", NULL, NULL, NULL);
  rc = sqlite3_exec(s->db, sql, NULL, NULL, &zerr);
  if (rc != SQLITE_OK) {
    sb_add(err, "error %d: %s", sqlite3_extended_errcode(s->db), zerr ? zerr : "");
    sqlite3_free(zerr);
  }
  return rc;
}

/* -------------------------------------------------------------- runner -- */

/* The two sides of one comparison and the schema they were built from. */
typedef struct runner {
  schema s;
  char *ref_sql;          /* native schema */
  char *sut_sql;          /* schema of the side under test */
  side ref, sut;
  int integrity;          /* lmdb_integrity_check() is available */
  int counting;           /* count modelled statements (not in replays) */
} runner;

/* Name of the side under test in messages. */
static const char *sut_label(void)
{
  return opt.native ? "native2" : "lmdb";
}

/* Render the schemas of s for both sides into rn (no connection yet). */
static void runner_schemas(runner *rn, const schema *s)
{
  rn->s = *s;
  rn->ref_sql = render_native(s, 0);
  rn->sut_sql = opt.native ? render_native(s, 1) : render_lmdb(s, opt.lmdb_opts);
}

/* Open both sides of rn and create the schema.  Returns 0, or 1 when the
 * side under test rejects a schema that native SQLite accepts (a mismatch,
 * described in why). */
static int runner_open(runner *rn, const schema *s, sbuf *why)
{
  sbuf err;
  int rc;

  memset(rn, 0, sizeof *rn);
  runner_schemas(rn, s);
  sb_init(&err);
  if (side_open(&rn->ref, 0, 0, rn->ref_sql, &err) != SQLITE_OK)
    die("the native side rejects the generated schema (%s):\n%s", err.z, rn->ref_sql);
  sb_free(&err);
  rc = side_open(&rn->sut, !opt.native, opt.native, rn->sut_sql, why);
  if (rc != SQLITE_OK) {
    sb_add(why, " (native SQLite accepts the same schema)\n");
    return 1;
  }
  if (!opt.native) {
    sqlite3_stmt *st;
    char q[64];
    snprintf(q, sizeof q, "SELECT lmdb_integrity_check('%s')", s->tab[0].name);
    rn->integrity = sqlite3_prepare_v2(rn->sut.db, q, -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
  }
  return 0;
}

/* Close both sides and free rn's strings. */
static void runner_close(runner *rn)
{
  side_close(&rn->ref);
  side_close(&rn->sut);
  free(rn->ref_sql);
  free(rn->sut_sql);
  rn->ref_sql = rn->sut_sql = NULL;
}

/* Append a full description of a difference: the reason and both results. */
static void describe_diff(sbuf *why, const char *what, const char *reason,
                          const result *a, const result *b)
{
  sb_add(why, "%s: %s\n--- native:\n", what, reason);
  result_show(why, a, 60);
  sb_add(why, "--- %s:\n", sut_label());
  result_show(why, b, 60);
}

/* Compare the full contents of every table; returns 1 on a difference. */
static int compare_tables(runner *rn, sbuf *why)
{
  int ti;

  for (ti = 0; ti < rn->s.ntab; ti++) {
    result a, b;
    sbuf reason, what;
    char q[64];
    int bad;

    snprintf(q, sizeof q, "SELECT rowid, * FROM %s ORDER BY rowid", rn->s.tab[ti].name);
    run_sql(rn->ref.db, q, &a);
    run_sql(rn->sut.db, q, &b);
    sb_init(&reason);
    bad = result_diff(&a, &b, 0, &reason);
    if (bad) {
      sb_init(&what);
      sb_add(&what, "contents of %s after the statement (%s)", rn->s.tab[ti].name, q);
      describe_diff(why, what.z, reason.z, &a, &b);
      sb_free(&what);
    }
    sb_free(&reason);
    result_free(&a);
    result_free(&b);
    if (bad) return 1;
  }
  return 0;
}

/* Run lmdb_integrity_check() on every table of the side under test;
 * returns 1 when one of them is not 'ok'. */
static int check_integrity(runner *rn, sbuf *why)
{
  int ti;

  for (ti = 0; rn->integrity && ti < rn->s.ntab; ti++) {
    result r;
    char q[64];
    int bad;

    snprintf(q, sizeof q, "SELECT lmdb_integrity_check('%s')", rn->s.tab[ti].name);
    run_sql(rn->sut.db, q, &r);
    bad = r.rc != SQLITE_OK || r.nrow != 1 || strcmp(r.rows[0], "'ok'") != 0;
    if (bad) {
      sb_add(why, "%s does not answer 'ok':\n", q);
      result_show(why, &r, 60);
    }
    result_free(&r);
    if (bad) return 1;
  }
  return 0;
}

/* Is sql an INSERT, REPLACE, UPDATE or DELETE? */
static int is_write(const char *sql)
{
  return !strncmp(sql, "INSERT", 6) || !strncmp(sql, "REPLACE", 7) ||
         !strncmp(sql, "UPDATE", 6) || !strncmp(sql, "DELETE", 6);
}

/* The contents of every table of s on db, as one string (caller frees). */
static char *native_dump(sqlite3 *db, const schema *s)
{
  sbuf b;
  int ti, i;

  sb_init(&b);
  for (ti = 0; ti < s->ntab; ti++) {
    result r;
    char q[64];
    snprintf(q, sizeof q, "SELECT rowid, * FROM %s ORDER BY rowid", s->tab[ti].name);
    run_sql(db, q, &r);
    sb_add(&b, "%s: %d\n", s->tab[ti].name, r.rc);
    for (i = 0; i < r.nrow; i++) sb_add(&b, "%s\n", r.rows[i]);
    result_free(&r);
  }
  return sb_take(&b);
}

/* Run statement st on the native side db (schema s) with the documented
 * divergences modelled (see "Documented divergences"): D1 and D3 rewrite
 * the statement; D2 runs a write inside a transaction under a savepoint and
 * rolls back to it after an error that is not a constraint violation, as
 * SQLite does for a virtual table.  The statement's own outcome goes to
 * *r.  With `count`, a D2 rollback that changed the tables is counted. */
static void run_native(sqlite3 *db, const schema *s, const stmt *st, result *r, int count)
{
  char *native = model_native(s, st->marked, NULL);
  int d2 = !opt.strict && !opt.native && is_write(st->sql) && !sqlite3_get_autocommit(db);

  if (d2 && sqlite3_exec(db, "SAVEPOINT difftest_d2", NULL, NULL, NULL) != SQLITE_OK)
    die("SAVEPOINT difftest_d2: %s", sqlite3_errmsg(db));
  run_sql(db, native ? native : st->sql, r);
  free(native);
  if (!d2 || sqlite3_get_autocommit(db)) return;      /* none, or gone */
  if (r->rc != SQLITE_OK && (r->rc & 0xff) != SQLITE_CONSTRAINT) {
    char *before = count ? native_dump(db, s) : NULL, *after;
    if (sqlite3_exec(db, "ROLLBACK TO difftest_d2", NULL, NULL, NULL) != SQLITE_OK)
      die("ROLLBACK TO difftest_d2: %s", sqlite3_errmsg(db));
    if (before) {
      after = native_dump(db, s);
      if (strcmp(before, after) != 0) shared->nmodel[DIV_D2]++;
      free(after);
    }
    free(before);
  }
  if (sqlite3_exec(db, "RELEASE difftest_d2", NULL, NULL, NULL) != SQLITE_OK)
    die("RELEASE difftest_d2: %s", sqlite3_errmsg(db));
}

/* Run one statement on both sides and compare everything; returns 0 when
 * they agree, else 1 with the difference described in why. */
static int runner_step(runner *rn, const stmt *st, sbuf *why, int *ref_rc)
{
  result a, b;
  sbuf reason;
  int bad;

  run_native(rn->ref.db, &rn->s, st, &a, rn->counting);
  run_sql(rn->sut.db, st->sql, &b);
  if (ref_rc) *ref_rc = a.rc;
  if (opt.verbose) {
    printf("%s;\n", st->sql);
    if (a.rc != SQLITE_OK) printf("  -> error %d: %s\n", a.rc, a.errmsg);
    else printf("  -> %d rows\n", a.nrow);
  }
  sb_init(&reason);
  bad = result_diff(&a, &b, st->flags & F_UNORDERED, &reason);
  if (bad) describe_diff(why, "statement result", reason.z, &a, &b);
  sb_free(&reason);
  result_free(&a);
  result_free(&b);
  if (!bad && !(st->flags & F_QUERY))
    bad = compare_tables(rn, why) || check_integrity(rn, why);
  return bad;
}

/* ------------------------------------------------------------ outcomes -- */

/* State shared with forked children (an anonymous MAP_SHARED page). */


/* How a run or a replay ended. */
enum { END_AGREE, END_MISMATCH, END_SCHEMA, END_CRASH, END_ERROR };

typedef struct outcome {
  int kind;               /* END_* */
  int at;                 /* index of the statement (MISMATCH, CRASH) */
  int sig;                /* fatal signal (CRASH; SIGALRM: time limit) */
} outcome;

/* Replay list[0..n) on fresh sides with schema s, in this process; the
 * difference, if any, is described in why. */
static outcome replay(const schema *s, const stmt *list, int n, sbuf *why)
{
  runner rn;
  outcome o = { END_AGREE, 0, 0 };
  int i;

  shared->progress = 0;
  if (runner_open(&rn, s, why)) {
    runner_close(&rn);
    o.kind = END_SCHEMA;
    return o;
  }
  for (i = 0; i < n; i++) {
    shared->progress = i + 1;
    if (runner_step(&rn, &list[i], why, NULL)) {
      o.kind = END_MISMATCH;
      o.at = i;
      break;
    }
  }
  runner_close(&rn);
  return o;
}

/* Wait for child `pid` and turn how it ended into an outcome: exit status
 * 0 agree, 1 mismatch, 3 schema rejected; a signal is a crash.  The
 * statement index comes from shared->progress. */
static outcome wait_child(pid_t pid)
{
  outcome o = { END_ERROR, 0, 0 };
  int status;

  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid: %s", strerror(errno));
  o.at = shared->progress - 1;
  if (WIFSIGNALED(status)) {
    o.kind = END_CRASH;
    o.sig = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
    case 0: o.kind = END_AGREE; break;
    case 1: o.kind = END_MISMATCH; break;
    case 3: o.kind = END_SCHEMA; break;
    default: o.kind = END_ERROR; break;
    }
  }
  return o;
}

/* Replay in a forked child (so that a crash or a hang of the side under
 * test is an outcome, not the end of this program).  With `show`, the
 * child prints the difference it finds.  Without --fork, replays in this
 * process. */
static outcome replay_isolated(const schema *s, const stmt *list, int n, int show)
{
  outcome o;
  sbuf why;
  pid_t pid;

  if (!opt.fork) {
    sb_init(&why);
    o = replay(s, list, n, &why);
    if (show) fputs(why.z, stdout);
    sb_free(&why);
    return o;
  }
  fflush(stdout);
  pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    alarm(opt.timeout < 60 ? opt.timeout : 60);
    sb_init(&why);
    o = replay(s, list, n, &why);
    if (show) fputs(why.z, stdout);
    fflush(stdout);
    _exit(o.kind == END_AGREE ? 0 : o.kind == END_MISMATCH ? 1 : 3);
  }
  return wait_child(pid);
}

/* A short description of an outcome (static storage). */
static const char *outcome_name(const outcome *o)
{
  static char buf[128];

  switch (o->kind) {
  case END_AGREE: return "agreement";
  case END_MISMATCH: return "MISMATCH";
  case END_SCHEMA: return "MISMATCH at CREATE";
  case END_CRASH:
    if (o->sig == SIGALRM)
      snprintf(buf, sizeof buf, "TIMEOUT (no answer within the time limit)");
    else
      snprintf(buf, sizeof buf, "CRASH (signal %d, %s)", o->sig, strsignal(o->sig));
    return buf;
  default: return "ERROR (difftest itself failed)";
  }
}

/* ------------------------------------------------------------ minimize -- */

/* Does the failure `want` still happen, at the very end of list[0..n)? */
static int still_fails(const schema *s, const stmt *list, int n, const outcome *want)
{
  outcome o = replay_isolated(s, list, n, 0);

  if (o.kind != want->kind) return 0;
  if (o.kind == END_SCHEMA) return 1;
  if (o.at != n - 1) return 0;
  return o.kind != END_CRASH || o.sig == want->sig;
}

/* Shrink list[0..n-1) (the last statement, the failing one, always stays)
 * by removing chunks of halving size while the failure persists; returns
 * the new length. */
static int minimize_stmts(const schema *s, stmt *list, int n, const outcome *want,
                          double deadline)
{
  stmt *cand = xmalloc((size_t)n * sizeof *cand);
  int chunk = n > 2 ? (n - 1) / 2 : 1;

  for (;;) {
    int i = 0;
    while (i < n - 1 && now_seconds() < deadline) {
      int len = chunk < n - 1 - i ? chunk : n - 1 - i;
      memcpy(cand, list, (size_t)i * sizeof *cand);
      memcpy(cand + i, list + i + len, (size_t)(n - i - len) * sizeof *cand);
      if (still_fails(s, cand, n - len, want)) {
        memcpy(list, cand, (size_t)(n - len) * sizeof *cand);
        n -= len;
      } else {
        i += len;
      }
    }
    if (chunk == 1 || now_seconds() >= deadline) break;
    chunk /= 2;
  }
  free(cand);
  return n;
}

/* Do any of the statements mention the word z? */
static int stmts_mention(const stmt *list, int n, const char *z)
{
  int i;

  for (i = 0; i < n; i++)
    if (strstr(list[i].sql, z)) return 1;
  return 0;
}

/* Make *out the k-th simplification of *in (dropping an index, a column
 * constraint, a declared type, the primary key, or an unused second
 * table); returns 0 when there is no k-th simplification. */
static int schema_edit(const schema *in, int k, schema *out, const stmt *list, int n)
{
  int ti, i;

  *out = *in;
  for (ti = 0; ti < in->ntab; ti++) {
    table_def *t = &out->tab[ti];
    for (i = 0; i < t->nidx; i++)
      if (k-- == 0) {
        memmove(&t->idx[i], &t->idx[i + 1], (size_t)(t->nidx - i - 1) * sizeof t->idx[0]);
        t->nidx--;
        return 1;
      }
    if (t->pk_kind != PK_NONE && k-- == 0) {
      t->pk_kind = PK_NONE;
      t->npk = 0;
      return 1;
    }
    for (i = 0; i < t->ncol; i++) {
      col_def *c = &t->col[i];
      if (c->notnull && k-- == 0) { c->notnull = 0; return 1; }
      if (c->unique && k-- == 0) { c->unique = 0; return 1; }
      if (c->dflt && k-- == 0) { c->dflt = NULL; return 1; }
      if (c->coll && k-- == 0) { c->coll = 0; return 1; }
      if (c->pk_desc && k-- == 0) { c->pk_desc = 0; return 1; }
      if (c->type[0] && i != ipk_col(t) && k-- == 0) { c->type = ""; return 1; }
    }
  }
  if (in->ntab == 2 && !stmts_mention(list, n, "t2") && k-- == 0) {
    out->ntab = 1;
    return 1;
  }
  return 0;
}

/* Simplify the schema one step at a time while the failure persists. */
static void minimize_schema(schema *s, const stmt *list, int n, const outcome *want,
                            double deadline)
{
  int k = 0;
  schema cand;

  while (now_seconds() < deadline && schema_edit(s, k, &cand, list, n)) {
    if (still_fails(&cand, list, n, want)) *s = cand;  /* retry the same k */
    else k++;
  }
}

/* Print a script that reproduces the failure in the sqlite3 shell: the
 * native schema as a comment, then the side under test, then the
 * statements. */
static void print_script(FILE *f, const runner *rn, const stmt *list, int n)
{
  int i;
  const char *p;

  fputs("-- native schema (run the same statements on it to compare):\n-- ", f);
  for (p = rn->ref_sql; *p; p++) {
    fputc(*p, f);
    if (*p == '\n' && p[1]) fputs("-- ", f);
  }
  if (model_d4_schema(&rn->s))
    fputs("-- (documented divergence D4: the native schema leaves out DEFAULT NULL\n"
          "-- on NOT NULL columns)\n", f);
  if (!opt.native && !opt.strict)
    fputs("-- (documented divergence D2: on the native side each write inside a\n"
          "-- transaction runs under SAVEPOINT difftest_d2, rolled back to after\n"
          "-- an error that is not a constraint violation)\n", f);
  if (!opt.native) fprintf(f, ".load %s\n", opt.ext);
  fputs(rn->sut_sql, f);
  for (i = 0; i < n; i++) {
    unsigned which;
    char *native = model_native(&rn->s, list[i].marked, &which);
    if (native)
      fprintf(f, "-- native side (documented divergence %s): %s;\n", model_names(which), native);
    fprintf(f, "%s;\n", list[i].sql);
    free(native);
  }
}

/* ------------------------------------------------------------- reports -- */

/* What the crash handler (used without --fork) needs to say where. */
static struct {
  uint64_t seed;
  const stmt *log;
  int n;
  const char *ref_sql, *sut_sql;
} crash;

/* write() a string from the signal handler. */
static void crash_puts(const char *z)
{
  size_t len = strlen(z);
  while (len > 0) {
    ssize_t w = write(2, z, len);
    if (w <= 0) return;
    z += w;
    len -= (size_t)w;
  }
}

/* Fatal-signal handler without --fork: report the seed, the schema and the
 * statements that led to the crash (async-signal-safe calls only), then
 * die of the signal. */
static void crash_handler(int sig)
{
  char num[32];
  int i, k = 0;
  uint64_t v = crash.seed;

  crash_puts("\n==== difftest: CRASH (fatal signal) while running seed ");
  do num[k++] = (char)('0' + v % 10); while ((v /= 10) > 0);
  while (k > 0) { char c[2] = { num[--k], 0 }; crash_puts(c); }
  crash_puts("; rerun with the same --seed and --statements to reproduce.\n");
  if (crash.ref_sql) {
    crash_puts("-- native schema:\n");
    crash_puts(crash.ref_sql);
    crash_puts("-- schema under test:\n");
    crash_puts(crash.sut_sql);
    crash_puts("-- statements (the last one was running):\n");
    for (i = crash.n > 40 ? crash.n - 40 : 0; i < crash.n; i++) {
      crash_puts(crash.log[i].sql);
      crash_puts(";\n");
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Print everything about failure `want` of `seed` at list[n-1] (or at the
 * schema when n is 0): the schema, the statements leading to it, the
 * difference; save the log to difftest-seed-N.sql; then print a minimized
 * reproduction. */
static void report_failure(uint64_t seed, const schema *s, const stmt *list,
                           int n, const char *why, const outcome *want)
{
  runner rn;
  char fname[64];
  FILE *f;
  int i;

  runner_schemas(&rn, s);
  printf("\n==== difftest: %s, seed %" PRIu64 " (%s database)", outcome_name(want), seed,
         cur_file ? "file" : ":memory:");
  if (n > 0) printf(", statement %d", n);
  printf("\nreproduce: difftest%s --seed %" PRIu64 " --statements %d\n",
         opt.native ? " --native" : "", seed, n > 0 ? n : 1);
  printf("-- native schema:\n%s-- %s schema:\n%s", rn.ref_sql, sut_label(), rn.sut_sql);
  if (n > 0) {
    printf("-- statements leading to it (last %d of %d):\n", n > 30 ? 30 : n, n);
    for (i = n > 30 ? n - 30 : 0; i < n - 1; i++) printf("%s;\n", list[i].sql);
    printf("-- failing statement:\n%s;\n", list[n - 1].sql);
    unsigned which;
    char *native = model_native(s, list[n - 1].marked, &which);
    if (native)
      printf("-- (the native side ran, documented divergence %s:)\n-- %s;\n",
             model_names(which), native);
    free(native);
  }
  printf("-- difference: %s\n", why);
  snprintf(fname, sizeof fname, "difftest-seed-%" PRIu64 ".sql", seed);
  if ((f = fopen(fname, "w")) != NULL) {
    fprintf(f, "-- difftest seed %" PRIu64 ": %s at statement %d\n", seed,
            outcome_name(want), n);
    print_script(f, &rn, list, n);
    fclose(f);
    printf("-- full log written to %s\n", fname);
  }
  free(rn.ref_sql);
  free(rn.sut_sql);

  if (opt.minimize) {
    double deadline = now_seconds() + opt.minimize_secs;
    schema ms = *s;
    stmt *ml = xmalloc((size_t)(n + 1) * sizeof *ml);
    int mn = n;

    memcpy(ml, list, (size_t)n * sizeof *ml);
    if (!still_fails(&ms, ml, mn, want)) {
      printf("-- minimize: a fresh replay does not reproduce it; not minimized\n");
      free(ml);
      return;
    }
    if (n > 0) mn = minimize_stmts(&ms, ml, mn, want, deadline);
    minimize_schema(&ms, ml, mn, want, deadline);
    if (n > 0) mn = minimize_stmts(&ms, ml, mn, want, deadline);
    runner_schemas(&rn, &ms);
    printf("\n==== minimized reproduction (%d statement%s%s):\n", mn, mn == 1 ? "" : "s",
           now_seconds() >= deadline ? ", time budget exhausted" : "");
    print_script(stdout, &rn, ml, mn);
    if (want->kind == END_CRASH)
      printf("-- %s while %s\n", outcome_name(want),
             mn > 0 ? "running the last statement" : "creating the schema");
    else {
      printf("-- %s: ", mn > 0 ? "the last statement" : "the schema");
      replay_isolated(&ms, ml, mn, 1);
      printf("\n");
    }
    free(rn.ref_sql);
    free(rn.sut_sql);
    free(ml);
  }
}

/* ----------------------------------------------------------------- run -- */

/* One line describing a table, for the progress output. */
static void describe_table(sbuf *b, const table_def *t)
{
  static const char *const pk[] = { "rowid", "ipk", "pk", "pk2" };
  int i, nu = 0;

  for (i = 0; i < t->nidx; i++) nu += t->idx[i].unique;
  sb_add(b, "%s(%d cols, %s, %d idx, %d unique)", t->name, t->ncol, pk[t->pk_kind],
         t->nidx - nu, nu);
}

/* Start the generator for `seed`: the schema comes first from the stream. */
static void gen_start(gen *g, schema *s, uint64_t seed)
{
  memset(g, 0, sizeof *g);
  g->r.s = seed;
  gen_schema(&g->r, s);
  g->s = s;
}

/* Select the database kind for `seed`: with neither --file nor --memory,
 * every fourth seed puts the lmdb side in a file database (environment
 * X.db-lmdb beside it) and the others in :memory: (a private temporary
 * environment), so both paths are covered and a seed alone reproduces. */
static void use_seed(uint64_t seed)
{
  cur_file = opt.file >= 0 ? opt.file : seed % 4 == 3;
}

/* Run `nstmt` random statements on a random schema from `seed`.  Returns 0
 * when everything agreed, 1 on a mismatch (reported).  Adds the number of
 * statements compared to shared->nrun. */
static int run_seed(uint64_t seed, int nstmt)
{
  runner rn;
  gen g;
  schema s;
  stmt *log = xmalloc((size_t)(nstmt > 0 ? nstmt : 1) * sizeof *log);
  sbuf why, desc;
  outcome want = { END_MISMATCH, 0, 0 };
  int i, n = 0, bad = 0;

  gen_start(&g, &s, seed);
  sb_init(&why);
  sb_init(&desc);
  for (i = 0; i < s.ntab; i++) {
    if (i) sb_puts(&desc, " ");
    describe_table(&desc, &s.tab[i]);
  }
  shared->progress = 0;
  if (runner_open(&rn, &s, &why)) {
    runner_close(&rn);
    want.kind = END_SCHEMA;
    report_failure(seed, &s, log, 0, why.z, &want);
    bad = 1;
  }
  rn.counting = 1;
  if (model_d4_schema(&s)) shared->nmodel[DIV_D4]++;
  crash.seed = seed;
  crash.log = log;
  crash.ref_sql = rn.ref_sql;
  crash.sut_sql = rn.sut_sql;
  for (i = 0; !bad && i < nstmt; i++) {
    int rc = SQLITE_OK;
    gen_stmt(&g, rn.ref.db, &log[n]);
    crash.n = ++n;
    shared->progress = n;
    if (runner_step(&rn, &log[n - 1], &why, &rc)) {
      runner_close(&rn);
      want.at = n - 1;
      report_failure(seed, &s, log, n, why.z, &want);
      bad = 1;
      break;
    }
    gen_note(&g, log[n - 1].sql, rc, sqlite3_get_autocommit(rn.ref.db));
  }
  crash.ref_sql = NULL;
  shared->nrun += n;
  if (!bad) {
    printf("seed %" PRIu64 ": %d statements agree (%s); %s; rows at end:", seed, n,
           opt.native ? "native" : cur_file ? "file" : ":memory:", desc.z);
    for (i = 0; i < s.ntab; i++) {
      char q[64];
      snprintf(q, sizeof q, "SELECT count(*) FROM %s", s.tab[i].name);
      printf(" %lld", (long long)query_int(rn.ref.db, q, -1));
    }
    printf("%s\n", rn.integrity ? "; integrity checked" : "");
    runner_close(&rn);
  }
  for (i = 0; i < n; i++) {
    free(log[i].sql);
    free(log[i].marked);
  }
  free(log);
  sb_free(&why);
  sb_free(&desc);
  return bad;
}

/* Regenerate the first n statements of `seed` using the native side only
 * (the generator never looks at the side under test, so they are the
 * statements the crashed run executed).  The caller frees (*plog)[i].sql
 * and *plog. */
static void regenerate(uint64_t seed, int n, schema *s, stmt **plog)
{
  gen g;
  side ref;
  sbuf err;
  char *sql;
  long counts[NDIV];
  int i;

  memcpy(counts, shared->nmodel, sizeof counts);    /* counted already */
  gen_start(&g, s, seed);
  *plog = xmalloc((size_t)(n > 0 ? n : 1) * sizeof **plog);
  sql = render_native(s, 0);
  sb_init(&err);
  if (side_open(&ref, 0, 0, sql, &err) != SQLITE_OK) die("native schema: %s", err.z);
  for (i = 0; i < n; i++) {
    result r;
    gen_stmt(&g, ref.db, &(*plog)[i]);
    run_native(ref.db, s, &(*plog)[i], &r, 0);
    gen_note(&g, (*plog)[i].sql, r.rc, sqlite3_get_autocommit(ref.db));
    result_free(&r);
  }
  memcpy(shared->nmodel, counts, sizeof counts);
  side_close(&ref);
  sb_free(&err);
  free(sql);
}

/* Run one seed in a forked child, so that a crash or a hang of the side
 * under test is reported (and minimized) instead of killing the test.
 * Returns 0 when the seed passed. */
static int run_seed_isolated(uint64_t seed, int nstmt)
{
  outcome o;
  pid_t pid;

  use_seed(seed);
  if (!opt.fork) return run_seed(seed, nstmt);
  fflush(stdout);
  pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    alarm(opt.timeout);
    exit(run_seed(seed, nstmt) ? 1 : 0);
  }
  o = wait_child(pid);
  if (o.kind == END_CRASH) {
    schema s;
    stmt *log;
    int i, n = o.at + 1;
    char why[160];

    shared->nrun += o.at;
    regenerate(seed, n, &s, &log);
    snprintf(why, sizeof why, "the %s side: %s", sut_label(), outcome_name(&o));
    report_failure(seed, &s, log, n, why, &o);
    for (i = 0; i < n; i++) {
      free(log[i].sql);
      free(log[i].marked);
    }
    free(log);
    return 1;
  }
  if (o.kind == END_ERROR) printf("seed %" PRIu64 ": difftest failed (see above)\n", seed);
  return o.kind != END_AGREE;
}

/* Print the usage message and exit with `status`. */
static void usage(int status)
{
  fputs("usage: difftest [--seed N] [--seeds K] [--statements M] [--native]\n"
        "                [--ext PATH] [--file|--memory] [--lmdb-options 'k=v, ...']\n"
        "                [--no-minimize] [--minimize-seconds S] [--keep-going]\n"
        "                [--no-fork] [--timeout S] [--strict] [--verbose]\n"
        "  --seed N           first seed (default $DIFFTEST_SEED or 1)\n"
        "  --seeds K          number of seeds (schemas); default 1 when --seed\n"
        "                     is given, else $DIFFTEST_STATEMENTS / M\n"
        "  --statements M     statements per seed (default 400)\n"
        "  --native           compare native with native (self-check)\n"
        "  --ext PATH         the extension (default $top_builddir/ext/.libs/lmdbvt)\n"
        "  --file, --memory   lmdb side always in a file database / in :memory:\n"
        "                     (default: every fourth seed in a file database)\n"
        "  --lmdb-options S   extra CREATE VIRTUAL TABLE arguments\n"
        "  --no-minimize      do not shrink a failure to a minimal reproduction\n"
        "  --minimize-seconds time budget of the minimizer (default 60)\n"
        "  --keep-going       go on with the next seed after a failure\n"
        "  --no-fork          run seeds in this process (for a debugger)\n"
        "  --timeout S        time limit of one seed (default 600)\n"
        "  --strict           compare with plain native SQLite: no model of the\n"
        "                     documented divergences (see the source)\n"
        "  --verbose          print every statement\n", stderr);
  exit(status);
}

/* The argument after option argv[*i]. */
static const char *opt_arg(int argc, char **argv, int *i)
{
  if (*i + 1 >= argc) usage(2);
  return argv[++*i];
}

/* Parse the command line and the environment into opt. */
static void parse_options(int argc, char **argv)
{
  const char *env_seed = getenv("DIFFTEST_SEED");
  const char *env_total = getenv("DIFFTEST_STATEMENTS");
  long total = env_total && *env_total ? strtol(env_total, NULL, 10) : 20000;
  int i, seed_given = 0;
  static char extbuf[4096];

  opt.seed = env_seed && *env_seed ? strtoull(env_seed, NULL, 0) : 1;
  opt.nstmt = 400;
  opt.minimize = 1;
  opt.minimize_secs = 60;
  opt.file = -1;
  opt.fork = 1;
  opt.timeout = 600;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--seed")) { opt.seed = strtoull(opt_arg(argc, argv, &i), NULL, 0); seed_given = 1; }
    else if (!strcmp(a, "--seeds")) opt.nseeds = atoi(opt_arg(argc, argv, &i));
    else if (!strcmp(a, "--statements")) opt.nstmt = atoi(opt_arg(argc, argv, &i));
    else if (!strcmp(a, "--native")) opt.native = 1;
    else if (!strcmp(a, "--ext")) opt.ext = opt_arg(argc, argv, &i);
    else if (!strcmp(a, "--file")) opt.file = 1;
    else if (!strcmp(a, "--memory")) opt.file = 0;
    else if (!strcmp(a, "--lmdb-options")) opt.lmdb_opts = opt_arg(argc, argv, &i);
    else if (!strcmp(a, "--no-minimize")) opt.minimize = 0;
    else if (!strcmp(a, "--minimize-seconds")) opt.minimize_secs = atof(opt_arg(argc, argv, &i));
    else if (!strcmp(a, "--keep-going")) opt.keep_going = 1;
    else if (!strcmp(a, "--no-fork")) opt.fork = 0;
    else if (!strcmp(a, "--timeout")) opt.timeout = (unsigned)atoi(opt_arg(argc, argv, &i));
    else if (!strcmp(a, "--verbose")) opt.verbose = 1;
    else if (!strcmp(a, "--strict")) opt.strict = 1;
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage(0);
    else usage(2);
  }
  if (opt.nstmt < 1) opt.nstmt = 1;
  if (opt.timeout < 1) opt.timeout = 1;
  if (opt.nseeds <= 0)
    opt.nseeds = seed_given ? 1 : (int)((total + opt.nstmt - 1) / opt.nstmt);
  if (opt.nseeds < 1) opt.nseeds = 1;
  if (opt.ext == NULL) {
    const char *top = getenv("top_builddir");
    snprintf(extbuf, sizeof extbuf, "%s/ext/.libs/lmdbvt", top && *top ? top : ".");
    opt.ext = extbuf;
  }
}

/* Does the extension's shared object exist?  (PATH or PATH.so) */
static int extension_exists(const char *path)
{
  struct stat st;
  char buf[4200];

  if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return 1;
  snprintf(buf, sizeof buf, "%s.so", path);
  return stat(buf, &st) == 0;
}

int main(int argc, char **argv)
{
  int k, nfail = 0;
  double t0 = now_seconds();

  parse_options(argc, argv);
  if (!opt.native && !extension_exists(opt.ext)) {
    printf("SKIP: %s.so not found (extension not built)\n", opt.ext);
    return EXIT_SKIP;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) die("mmap: %s", strerror(errno));
  memset(shared, 0, sizeof *shared);
  if (!opt.fork) {
    signal(SIGSEGV, crash_handler);
    signal(SIGBUS, crash_handler);
    signal(SIGABRT, crash_handler);
    signal(SIGFPE, crash_handler);
    signal(SIGILL, crash_handler);
  }
  printf("difftest: native vs %s%s%s, SQLite %s, seeds %" PRIu64 "..%" PRIu64
         ", %d statements each\n", opt.native ? "native (perturbed plans)" : opt.ext,
         opt.file == 1 ? " (file databases)" : opt.file == 0 ? " (:memory: databases)" : "",
         opt.lmdb_opts ? " with options" : "",
         sqlite3_libversion(), opt.seed, opt.seed + (uint64_t)opt.nseeds - 1, opt.nstmt);
  for (k = 0; k < opt.nseeds; k++) {
    nfail += run_seed_isolated(opt.seed + (uint64_t)k, opt.nstmt);
    if (nfail && !opt.keep_going) {
      k++;
      break;
    }
  }
  if (!opt.strict && !opt.native)
    printf("difftest: documented divergences modelled (--strict to compare without):\n"
           "  D1 NULL into a column with a DEFAULT stores the DEFAULT: %ld statements\n"
           "  D2 a write failing with a non-constraint error in a transaction leaves\n"
           "     no row behind: %ld statements\n"
           "  D3 UPDATE setting both rowid and its INTEGER PRIMARY KEY alias: the\n"
           "     column's value wins: %ld statements\n"
           "  D4 (fixed, no longer modelled) NOT NULL DEFAULT NULL: %ld schemas\n",
           shared->nmodel[DIV_D1], shared->nmodel[DIV_D2], shared->nmodel[DIV_D3],
           shared->nmodel[DIV_D4]);
  printf("difftest: %s: %d of %d seeds run, %d failed, %ld statements compared, %.1f s\n",
         nfail ? "FAIL" : "PASS", k, opt.nseeds, nfail, shared->nrun, now_seconds() - t0);
  return nfail ? EXIT_FAILURE : EXIT_SUCCESS;
}
