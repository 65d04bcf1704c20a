/*
 * fuzz_sql.c -- fuzz target for the lmdb virtual table: sequences of SQL
 * statements generated from the input bytes.
 *
 * The module is linked in (ext/lmdbvt.c, the glue and the core, built as
 * the extension is: through sqlite3_api) and registered on every new
 * connection with sqlite3_auto_extension, which hands it SQLite's API
 * table as sqlite3_load_extension would.  LMDB is never used across a
 * fork: libFuzzer runs inputs in one process (do not pass -fork/-jobs).
 *
 * Each process works in its own directory $TMPDIR/lvt-fuzz-XXXXXX (removed
 * at exit; TMPDIR=/dev/shm makes runs faster), exported as TMPDIR so that
 * private environments of :memory: databases go there too.  Every input
 * starts from nothing: its own subdirectory, removed afterwards.
 *
 * Input: byte 0 chooses the setup (bit 0: a database file, whose tables
 * live in "db-lmdb" beside it, rather than :memory:; bit 1: a second
 * connection to that file; bit 2: sync = normal rather than off).  Then each statement is drawn from the bytes
 * by a small grammar: CREATE VIRTUAL TABLE with random columns, types,
 * column and table constraints and options (a tiny mapsize makes the map
 * grow), INSERT [OR ...] VALUES / SELECT, UPDATE, DELETE, SELECT with
 * random WHERE, ORDER BY and LIMIT, a SELECT interleaved with writes on
 * the same connection, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE,
 * ROLLBACK TO, DROP TABLE, ALTER TABLE RENAME, closing and reopening the
 * connection, and switching to the second connection.  Values include
 * edge cases: big integers, -0.0, infinities, NUL bytes in text, keys
 * over LMDB's 511-byte limit.
 *
 * Laws (besides no crash, no sanitizer report, no leak):
 *  - no statement fails with a code that only a bug explains: CORRUPT,
 *    INTERNAL, MISUSE, NOMEM, IOERR, CANTOPEN, FULL (other than running out
 *    of rowids: "database or disk is full"), or a bare SQLITE_ERROR
 *    without a message (except from DROP TABLE: see is_fatal);
 *  - a CREATE of a name SQLite does not have never finds the table
 *    already in the environment (no orphan left by a CREATE, DROP or
 *    RENAME that SQLite undid);
 *  - after the sequence (committed), every table SQLite has is readable
 *    and keeps its constraints, read through a fresh connection when there
 *    is a file: no two rows equal on a UNIQUE column set (NULLs aside), no
 *    NULL in a NOT NULL column, an INTEGER PRIMARY KEY equal to the rowid;
 *    and lmdb_integrity_check() says "ok" (also whenever the generator
 *    calls it);
 *  - closing the connections releases everything: no file descriptor
 *    left open, no private environment directory left behind.
 *
 * FUZZ_SQL_TRACE=1 in the environment prints every statement and its
 * outcome (to read a reproduction).  FUZZ_SQL_NO_TXN_DDL=1 generates DROP
 * TABLE and ALTER TABLE RENAME only while no connection has a transaction
 * open, and CREATE only while the other connection has none, to fuzz past
 * known bugs there (tests/fuzz/known).
 */
#include "config.h"

#include <sqlite3.h>

#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#define NTAB        3       /* tables t0, t1, t2 */
#define MAXCOL      5
#define MAXUNIQ     8
#define MAXSTMT     48      /* statements per input */
#define MAXROWS     400     /* rows read per SELECT */
#define ARGS_MAX    1024

/* ------------------------------------------------------------ input -- */

typedef struct Src {
  const uint8_t *p;
  size_t n;
} Src;

/* A choice in [0, k): one input byte, 0 when the input is used up.
 * Choices are made one statement after the other, never two in one
 * argument list: C leaves the order of arguments unspecified, and an
 * input must mean the same under clang (fuzzing) and the compiler of the
 * replay build. */
static unsigned pick(Src *s, unsigned k)
{
  unsigned v;
  if (k <= 1 || s->n == 0) return 0;
  v = s->p[0];
  s->p++; s->n--;
  return v % k;
}

/* ------------------------------------------------------------ model -- */

/* What the generator knows of one table: enough to write statements that
 * mostly make sense, and the constraints the final check verifies. */
typedef struct Tab {
  char zName[16];            /* current SQL name */
  int bLive;                 /* exists (re-read from sqlite_schema) */
  char zArgs[ARGS_MAX];      /* the USING lmdb(...) text */
  int nCol;
  int aNotNull[MAXCOL];
  int iPk;                   /* INTEGER PRIMARY KEY column, or -1 */
  int nUniq;
  int aUniqN[MAXUNIQ];
  int aUniq[MAXUNIQ][MAXCOL];
} Tab;

typedef struct Fz {
  Src src;
  int bFile, bTwo;
  int bSyncNormal;           /* sync = normal rather than off */
  char zDir[600];            /* this input's directory */
  char zDb[640];             /* database file, or ":memory:" */
  sqlite3 *db, *db2, *cur;   /* connections; cur = the one in use */
  Tab aTab[NTAB];
  int nSave;                 /* savepoint names s0.. handed out */
  int bTrace;
  int bNoTxnDdl;             /* no DROP or RENAME inside a transaction */
} Fz;

static char g_base[512];     /* this process's directory */
static unsigned long g_input;

/* ------------------------------------------------------- utilities -- */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb; (void)flag; (void)ftw;
  return remove(p);
}

static void rmtree(const char *path)
{
  nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
  if (g_base[0]) rmtree(g_base);
}

/* Open file descriptors of this process. */
static int count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;   /* the directory stream itself */
}

/* Entries in a directory (-1 if it cannot be read); the first one's name
 * into zFirst. */
static int count_entries(const char *dir, char *zFirst, size_t nFirst)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (n++ == 0) snprintf(zFirst, nFirst, "%s", e->d_name);
  }
  closedir(d);
  return n;
}

/* A failure only a bug explains, of statement zSql (NULL: not known).
 * SQLite drops the message of a failing xDestroy (it goes to
 * sqlite3_log), so a DROP TABLE that the module refuses reads as a bare
 * "SQL logic error"; only there is that not counted. */
static int is_fatal(sqlite3 *db, int rc, const char *zSql)
{
  const char *zMsg = sqlite3_errmsg(db);
  switch (rc & 0xff) {
  case SQLITE_CORRUPT: case SQLITE_INTERNAL: case SQLITE_MISUSE:
  case SQLITE_NOMEM: case SQLITE_IOERR: case SQLITE_CANTOPEN:
    return 1;
  case SQLITE_FULL:
    /* A NULL key when the largest rowid is INT64_MAX: the module's
     * documented answer (table.c), in SQLite's words. */
    return strcmp(zMsg, "database or disk is full") != 0;
  case SQLITE_ERROR:
    if (zSql && sqlite3_strnicmp(zSql, "DROP TABLE", 10) == 0) return 0;
    return zMsg == NULL || zMsg[0] == 0 || strcmp(zMsg, "SQL logic error") == 0;
  default:
    return 0;
  }
}

/* Run every statement of zSql on db, reading at most MAXROWS rows from
 * each; returns the last result code.  A fatal code breaks the law. */
static int run(Fz *f, sqlite3 *db, const char *zSql)
{
  const char *zTail = zSql;
  int rc = SQLITE_OK;

  while (zTail && *zTail) {
    sqlite3_stmt *pStmt = NULL;
    int nRow = 0;
    rc = sqlite3_prepare_v2(db, zTail, -1, &pStmt, &zTail);
    if (rc != SQLITE_OK) {
      FUZZ_CHECK(!is_fatal(db, rc, zTail), "prepare: %s\n  %s", sqlite3_errmsg(db), zSql);
      if (f->bTrace) fprintf(stderr, "  -> prepare error %d: %s\n", rc, sqlite3_errmsg(db));
      return rc;
    }
    if (pStmt == NULL) break;
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW && ++nRow < MAXROWS) {}
    if (rc == SQLITE_ROW) rc = SQLITE_OK;
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    if (rc != SQLITE_OK) {
      FUZZ_CHECK(!is_fatal(db, rc, sqlite3_sql(pStmt)), "step (%d): %s\n  %s", rc, sqlite3_errmsg(db), zSql);
      if (f->bTrace) fprintf(stderr, "  -> error %d: %s\n", rc, sqlite3_errmsg(db));
    } else if (f->bTrace) {
      fprintf(stderr, "  -> ok, %d rows\n", nRow);
    }
    sqlite3_finalize(pStmt);
    if (rc != SQLITE_OK) return rc;
  }
  return rc;
}

/* Run a formatted statement on the connection in use. */
static int runf(Fz *f, const char *zFmt, ...)
{
  va_list ap;
  char *zSql;
  int rc;
  va_start(ap, zFmt);
  zSql = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (zSql == NULL) return SQLITE_NOMEM;
  if (f->bTrace) fprintf(stderr, "%s%s;\n", f->cur == f->db2 ? "[2] " : "", zSql);
  rc = run(f, f->cur, zSql);
  sqlite3_free(zSql);
  return rc;
}

/* One integer result of a query on db (-1 when it fails). */
static sqlite3_int64 query_int(sqlite3 *db, const char *zSql)
{
  sqlite3_stmt *pStmt = NULL;
  sqlite3_int64 v = -1;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) v = sqlite3_column_int64(pStmt, 0);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE && rc != SQLITE_OK)
    FUZZ_CHECK(!is_fatal(db, rc, zSql), "%s: %s", zSql, sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  return v;
}

/* -------------------------------------------------------- connection -- */

static sqlite3 *open_db(Fz *f)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(f->zDb, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  FUZZ_CHECK(rc == SQLITE_OK, "open %s: %s", f->zDb, db ? sqlite3_errmsg(db) : "?");
  return db;
}

/* Close a connection, finalizing what is left; closing must succeed. */
static void close_db(sqlite3 *db)
{
  sqlite3_stmt *p;
  int rc;
  if (db == NULL) return;
  while ((p = sqlite3_next_stmt(db, NULL)) != NULL) sqlite3_finalize(p);
  rc = sqlite3_close(db);
  FUZZ_CHECK(rc == SQLITE_OK, "sqlite3_close: %d", rc);
}

/* Nonzero if db's schema has table zName. */
static int has_table(sqlite3 *db, const char *zName)
{
  char *zSql = sqlite3_mprintf("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name=%Q", zName);
  int b = zSql && query_int(db, zSql) > 0;
  sqlite3_free(zSql);
  return b;
}

/* Re-read which model tables exist and under which name, t<i> or r<i>
 * (SQLite undoes a rolled-back CREATE, DROP or RENAME, the model not). */
static void resync(Fz *f)
{
  int i;
  for (i = 0; i < NTAB; i++) {
    Tab *t = &f->aTab[i];
    char zOther[16];
    if (t->zArgs[0] == 0) { t->bLive = 0; continue; }
    t->bLive = has_table(f->db, t->zName);
    if (t->bLive) continue;
    snprintf(zOther, sizeof zOther, "%c%d", t->zName[0] == 't' ? 'r' : 't', i);
    if (has_table(f->db, zOther)) {
      snprintf(t->zName, sizeof t->zName, "%s", zOther);
      t->bLive = 1;
    }
  }
}

/* -------------------------------------------------------- generation -- */

static const char *const azType[] = {
  "", "INTEGER", "INT", "TEXT", "REAL", "BLOB", "NUMERIC", "VARCHAR(8)", "BOOLEAN", "DOUBLE"
};

static const char *const azValue[] = {
  "NULL", "0", "1", "-1", "2", "7", "100", "-100",
  "9007199254740993", "9223372036854775807", "-9223372036854775808", "4611686018427387904",
  "0.0", "-0.0", "1.5", "-2.5", "1e308", "1e999", "-1e999", "9.2233720368547758e18",
  "4503599627370496.5", "''", "'a'", "'A'", "'b'", "'a '", "'abc'", "'1'",
  "' 2'", "'3.0'", "'1e5'", "'x''y'", "x''", "x'00'", "x'61'", "x'ff00'",
  "char(97,0,98)", "char(65,0,99)", "printf('%.600c','k')", "zeroblob(520)", "'0x10'", "'-0'",
  "cast(5 AS REAL)", "'9223372036854775808'"
};
#define NVALUE (sizeof azValue / sizeof azValue[0])

static void gen_value(Fz *f, sqlite3_str *s)
{
  sqlite3_str_appendall(s, azValue[pick(&f->src, NVALUE)]);
}

/* A value or, when iTab >= 0, sometimes an expression of its columns. */
static void gen_expr(Fz *f, sqlite3_str *s, const Tab *t)
{
  unsigned k = pick(&f->src, 8);
  unsigned c = t ? pick(&f->src, (unsigned)t->nCol) : 0;
  if (t == NULL || k < 5) { gen_value(f, s); return; }
  if (k == 5) sqlite3_str_appendf(s, "c%u + 1", c);
  else if (k == 6) sqlite3_str_appendf(s, "c%u || 'x'", c);
  else sqlite3_str_appendf(s, "-c%u", c);
}

static const char *gen_col(Fz *f, const Tab *t, char *buf)
{
  unsigned c = pick(&f->src, (unsigned)t->nCol + 1);
  if (c == (unsigned)t->nCol) return "rowid";
  sprintf(buf, "c%u", c);
  return buf;
}

/* One WHERE term on table t. */
static void gen_term(Fz *f, sqlite3_str *s, const Tab *t)
{
  static const char *const azOp[] = { "=", "<", "<=", ">", ">=", "IS", "IS NOT", "!=" };
  char buf[8];
  const char *zCol = gen_col(f, t, buf);
  switch (pick(&f->src, 6)) {
  case 0: case 1: case 2:
    sqlite3_str_appendf(s, "%s %s ", zCol, azOp[pick(&f->src, 8)]);
    gen_value(f, s);
    break;
  case 3:
    sqlite3_str_appendf(s, "%s IS NULL", zCol);
    break;
  case 4: {
    unsigned n = 1 + pick(&f->src, 4), i;
    sqlite3_str_appendf(s, "%s IN (", zCol);
    for (i = 0; i < n; i++) { if (i) sqlite3_str_appendall(s, ", "); gen_value(f, s); }
    sqlite3_str_appendall(s, ")");
    break;
  }
  default:
    sqlite3_str_appendf(s, "%s BETWEEN ", zCol);
    gen_value(f, s);
    sqlite3_str_appendall(s, " AND ");
    gen_value(f, s);
    break;
  }
}

static void gen_where(Fz *f, sqlite3_str *s, const Tab *t)
{
  unsigned n = pick(&f->src, 4), i;
  if (n == 0) return;
  sqlite3_str_appendall(s, " WHERE ");
  for (i = 0; i < n; i++) {
    if (i) sqlite3_str_appendall(s, pick(&f->src, 3) ? " AND " : " OR ");
    gen_term(f, s, t);
  }
}

/* A live table, or NULL. */
static Tab *live_table(Fz *f)
{
  unsigned i = pick(&f->src, NTAB), k;
  for (k = 0; k < NTAB; k++) {
    Tab *t = &f->aTab[(i + k) % NTAB];
    if (t->bLive) return t;
  }
  return NULL;
}

/* Remember a UNIQUE column set. */
static void add_uniq(Tab *t, const int *aCol, int n)
{
  if (t->nUniq == MAXUNIQ || n < 1) return;
  memcpy(t->aUniq[t->nUniq], aCol, (size_t)n * sizeof *aCol);
  t->aUniqN[t->nUniq++] = n;
}

/* "(c1 DESC, c0)" of 1..3 distinct columns; their numbers into aCol. */
static int gen_index_cols(Fz *f, sqlite3_str *s, int nCol, int *aCol)
{
  int n = 1 + (int)pick(&f->src, 3), i, k = 0, used = 0;
  sqlite3_str_appendall(s, "(");
  for (i = 0; i < n; i++) {
    int c = (int)pick(&f->src, (unsigned)nCol);
    if (used & (1 << c)) continue;
    used |= 1 << c;
    sqlite3_str_appendf(s, "%sc%d%s", k ? ", " : "", c, pick(&f->src, 3) == 0 ? " DESC" : "");
    aCol[k++] = c;
  }
  sqlite3_str_appendall(s, ")");
  return k;
}

/* DROP and RENAME are generated inside transactions too, unless
 * FUZZ_SQL_NO_TXN_DDL is set: then only when no connection has a
 * transaction open (to fuzz past known bugs there). */
static int ddl_ok(Fz *f)
{
  return !f->bNoTxnDdl
      || (sqlite3_get_autocommit(f->db) && (f->db2 == NULL || sqlite3_get_autocommit(f->db2)));
}

/* CREATE likewise, except that with FUZZ_SQL_NO_TXN_DDL only the other
 * connection's transaction matters. */
static int create_ok(Fz *f)
{
  sqlite3 *pOther = f->cur == f->db ? f->db2 : f->db;
  return !f->bNoTxnDdl || pOther == NULL || sqlite3_get_autocommit(pOther);
}

/* CREATE VIRTUAL TABLE for model table number i.  The model changes only
 * when a table is created: a CREATE of a name in use fails, or is a no-op
 * with IF NOT EXISTS. */
static void gen_create(Fz *f, int i)
{
  static Tab tNew;
  Tab *t = &tNew;
  sqlite3_str *s = sqlite3_str_new(NULL);
  int c, nIdx, k, bPk = 0, aCol[MAXCOL], rc;
  char *zArgs;

  if (!create_ok(f)) { sqlite3_free(sqlite3_str_finish(s)); return; }
  memset(t, 0, sizeof *t);
  if (f->aTab[i].bLive) snprintf(t->zName, sizeof t->zName, "%s", f->aTab[i].zName);
  else snprintf(t->zName, sizeof t->zName, "t%d", i);
  t->iPk = -1;
  t->nCol = 1 + (int)pick(&f->src, MAXCOL);
  for (c = 0; c < t->nCol; c++) {
    unsigned ty = pick(&f->src, sizeof azType / sizeof azType[0]);
    unsigned flags = pick(&f->src, 256);
    sqlite3_str_appendf(s, "%sc%d%s%s", c ? ", " : "", c, azType[ty][0] ? " " : "", azType[ty]);
    if ((flags & 7) == 0 && !bPk) {
      int bDesc = (flags & 8) != 0;
      sqlite3_str_appendall(s, bDesc ? " PRIMARY KEY DESC" : " PRIMARY KEY");
      bPk = 1;
      if (ty == 1 && !bDesc) t->iPk = c;
      else add_uniq(t, &c, 1);
    }
    if ((flags & 0x30) == 0x30) { sqlite3_str_appendall(s, " NOT NULL"); t->aNotNull[c] = 1; }
    if ((flags & 0xC0) == 0x40) { sqlite3_str_appendall(s, " UNIQUE"); add_uniq(t, &c, 1); }
    if ((flags & 0xC0) == 0x80) { sqlite3_str_appendall(s, " DEFAULT "); gen_value(f, s); }
    switch (pick(&f->src, 6)) {
    case 1: sqlite3_str_appendall(s, " COLLATE NOCASE"); break;
    case 2: sqlite3_str_appendall(s, " COLLATE RTRIM"); break;
    case 3: sqlite3_str_appendall(s, " COLLATE BINARY"); break;
    default: break;
    }
  }
  nIdx = (int)pick(&f->src, 4);
  for (k = 0; k < nIdx; k++) {
    unsigned kind = pick(&f->src, 3);
    int n;
    if (kind == 0 && !bPk) {
      sqlite3_str_appendall(s, ", PRIMARY KEY ");
      n = gen_index_cols(f, s, t->nCol, aCol);
      bPk = 1;
      add_uniq(t, aCol, n);   /* a lone INTEGER column is the rowid: unique too */
    } else if (kind == 1) {
      sqlite3_str_appendall(s, ", UNIQUE ");
      n = gen_index_cols(f, s, t->nCol, aCol);
      add_uniq(t, aCol, n);
    } else {
      sqlite3_str_appendall(s, ", INDEX ");
      gen_index_cols(f, s, t->nCol, aCol);
    }
  }
  switch (pick(&f->src, 6)) {
  case 0: sqlite3_str_appendall(s, ", mapsize = '64k'"); break;
  case 1: sqlite3_str_appendall(s, ", strict = 1"); break;
  case 2: if (f->bFile) sqlite3_str_appendall(s, ", env = 'other.lmdb'"); break;
  default: break;
  }
  /* fsync on every commit would make the fuzzer crawl; durability is not
   * what it tests.  One sync option for every table of the input: an
   * environment refuses a second one (documented). */
  sqlite3_str_appendall(s, f->bSyncNormal ? ", sync = normal" : ", sync = off");
  zArgs = sqlite3_str_finish(s);
  if (zArgs == NULL) { t->zArgs[0] = 0; return; }
  snprintf(t->zArgs, sizeof t->zArgs, "%s", zArgs);
  sqlite3_free(zArgs);
  rc = runf(f, "CREATE VIRTUAL TABLE %s%s USING lmdb(%s)", pick(&f->src, 4) ? "" : "IF NOT EXISTS ",
            t->zName, t->zArgs);
  /* SQLite has no table of that name, so neither may the environment:
   * one there is an orphan left by a CREATE or DROP that went wrong. */
  if (rc != SQLITE_OK && !f->aTab[i].bLive) {
    const char *zErr = sqlite3_errmsg(f->cur);
    FUZZ_CHECK(!(strstr(zErr, "cannot create table") && strstr(zErr, "exists")),
               "orphan table in the environment: %s", zErr);
  }
  if (rc == SQLITE_OK && !f->aTab[i].bLive) {
    f->aTab[i] = *t;
    f->aTab[i].bLive = 1;
  }
}

static const char *gen_conflict(Fz *f)
{
  static const char *const az[] = { "", "", "", " OR REPLACE", " OR IGNORE", " OR FAIL",
                                    " OR ABORT", " OR ROLLBACK" };
  return az[pick(&f->src, 8)];
}

static void gen_insert(Fz *f, Tab *t)
{
  sqlite3_str *s = sqlite3_str_new(NULL);
  unsigned nRow = 1 + pick(&f->src, 3), r;
  int c, nCol = t->nCol, bList = pick(&f->src, 2);
  char *z;
  sqlite3_str_appendf(s, "INSERT%s INTO %s", gen_conflict(f), t->zName);
  if (bList) {
    nCol = 1 + (int)pick(&f->src, (unsigned)t->nCol);
    sqlite3_str_appendall(s, "(");
    for (c = 0; c < nCol; c++) sqlite3_str_appendf(s, "%sc%d", c ? ", " : "", (c + t->nCol - nCol) % t->nCol);
    sqlite3_str_appendall(s, ")");
  }
  sqlite3_str_appendall(s, " VALUES ");
  for (r = 0; r < nRow; r++) {
    sqlite3_str_appendall(s, r ? ", (" : "(");
    for (c = 0; c < nCol; c++) { if (c) sqlite3_str_appendall(s, ", "); gen_value(f, s); }
    sqlite3_str_appendall(s, ")");
  }
  z = sqlite3_str_finish(s);
  if (z) runf(f, "%s", z);
  sqlite3_free(z);
}

/* INSERT ... SELECT from a (maybe the same) table: the bulk path. */
static void gen_insert_select(Fz *f, Tab *t)
{
  Tab *u = live_table(f);
  sqlite3_str *s;
  int c;
  char *z;
  if (u == NULL) return;
  s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(s, "INSERT%s INTO %s SELECT ", gen_conflict(f), t->zName);
  for (c = 0; c < t->nCol; c++) {
    if (c) sqlite3_str_appendall(s, ", ");
    if (c < u->nCol && pick(&f->src, 4)) sqlite3_str_appendf(s, "c%d", c);
    else gen_expr(f, s, u);
  }
  sqlite3_str_appendf(s, " FROM %s", u->zName);
  gen_where(f, s, u);
  sqlite3_str_appendf(s, " LIMIT %u", 1 + pick(&f->src, 64));
  z = sqlite3_str_finish(s);
  if (z) runf(f, "%s", z);
  sqlite3_free(z);
}

static void gen_update(Fz *f, Tab *t)
{
  sqlite3_str *s = sqlite3_str_new(NULL);
  unsigned n = 1 + pick(&f->src, 2), i;
  char *z, buf[8];
  sqlite3_str_appendf(s, "UPDATE%s %s SET ", gen_conflict(f), t->zName);
  for (i = 0; i < n; i++) {
    sqlite3_str_appendf(s, "%s%s = ", i ? ", " : "", gen_col(f, t, buf));
    gen_expr(f, s, t);
  }
  gen_where(f, s, t);
  z = sqlite3_str_finish(s);
  if (z) runf(f, "%s", z);
  sqlite3_free(z);
}

static void gen_delete(Fz *f, Tab *t)
{
  sqlite3_str *s = sqlite3_str_new(NULL);
  char *z;
  sqlite3_str_appendf(s, "DELETE FROM %s", t->zName);
  gen_where(f, s, t);
  z = sqlite3_str_finish(s);
  if (z) runf(f, "%s", z);
  sqlite3_free(z);
}

/* A SELECT on t (text only; the caller runs it). */
static char *gen_select(Fz *f, Tab *t)
{
  static const char *const azCols[] = { "*", "rowid, *", "count(*)", "c0", "max(c0), min(c0)" };
  sqlite3_str *s = sqlite3_str_new(NULL);
  Tab *u = pick(&f->src, 6) == 0 ? live_table(f) : NULL;
  char buf[8];
  if (u && u != t) {
    sqlite3_str_appendf(s, "SELECT * FROM %s AS a JOIN %s AS b ON a.c0 = b.c%u",
                        t->zName, u->zName, pick(&f->src, (unsigned)u->nCol));
    return sqlite3_str_finish(s);
  }
  sqlite3_str_appendf(s, "SELECT %s FROM %s", azCols[pick(&f->src, 5)], t->zName);
  gen_where(f, s, t);
  if (pick(&f->src, 2)) {
    const char *zCol = gen_col(f, t, buf);
    const char *zDir = pick(&f->src, 2) ? " DESC" : "";
    sqlite3_str_appendf(s, " ORDER BY %s%s", zCol, zDir);
    if (pick(&f->src, 2)) sqlite3_str_appendf(s, ", %s", gen_col(f, t, buf));
  }
  if (pick(&f->src, 3) == 0) {
    sqlite3_str_appendf(s, " LIMIT %u", pick(&f->src, 5));
    if (pick(&f->src, 2)) sqlite3_str_appendf(s, " OFFSET %u", pick(&f->src, 4));
  }
  return sqlite3_str_finish(s);
}

static void one_write(Fz *f, Tab *t);

/* The lmdb_* functions on table t (backups go to <input dir>-bk<n>).
 * Indexes made by lmdb_create_index are
 * named fx<n> and only those are dropped, so the constraints the model
 * knows stay in place (a UNIQUE index made here is not in the model: a
 * rollback may undo it). */
static void gen_functions(Fz *f, Tab *t)
{
  sqlite3_str *s;
  char *z, buf[8];
  int n, i;
  switch (pick(&f->src, 6)) {
  case 0: case 1:
    s = sqlite3_str_new(NULL);
    n = 1 + (int)pick(&f->src, 3);
    for (i = 0; i < n; i++) {
      const char *zCol = gen_col(f, t, buf);
      sqlite3_str_appendf(s, "%s%s%s", i ? ", " : "", zCol, pick(&f->src, 3) ? "" : " DESC");
    }
    z = sqlite3_str_finish(s);
    n = (int)pick(&f->src, 4);
    i = (int)pick(&f->src, 2);
    if (z) runf(f, "SELECT lmdb_create_index(%Q, 'fx%d', %Q, %d)", t->zName, n, z, i);
    sqlite3_free(z);
    break;
  case 2: runf(f, "SELECT lmdb_drop_index(%Q, 'fx%u')", t->zName, pick(&f->src, 4)); break;
  case 3: runf(f, "SELECT * FROM lmdb_stat(%Q)", t->zName); break;
  case 4: {
    char *zSql = sqlite3_mprintf("SELECT lmdb_integrity_check(%Q) = 'ok'", t->zName);
    sqlite3_int64 v = zSql ? query_int(f->cur, zSql) : 1;
    if (f->bTrace && zSql) fprintf(stderr, "%s;\n  -> %lld\n", zSql, (long long)v);
    FUZZ_CHECK(v != 0, "lmdb_integrity_check(%s) is not ok", t->zName);
    sqlite3_free(zSql);
    break;
  }
  default:
    z = sqlite3_mprintf("%s-bk%u", f->zDir, pick(&f->src, 4));
    if (z) runf(f, "SELECT lmdb_backup(%Q, %Q)", t->zName, z);
    sqlite3_free(z);
    break;
  }
}

/* A SELECT stepped part-way, a write (or transaction end) on the same
 * connection, then the rest of the SELECT. */
static void gen_interleaved(Fz *f, Tab *t)
{
  char *zSel = gen_select(f, t);
  sqlite3_stmt *pStmt = NULL;
  unsigned nFirst = 1 + pick(&f->src, 3), i;
  int rc, nRow = 0;
  if (zSel == NULL) return;
  if (f->bTrace) fprintf(stderr, "%s; -- stepped %u times, then:\n", zSel, nFirst);
  rc = sqlite3_prepare_v2(f->cur, zSel, -1, &pStmt, NULL);
  sqlite3_free(zSel);
  if (rc != SQLITE_OK) { FUZZ_CHECK(!is_fatal(f->cur, rc, NULL), "%s", sqlite3_errmsg(f->cur)); return; }
  for (i = 0; i < nFirst && (rc = sqlite3_step(pStmt)) == SQLITE_ROW; i++) {}
  if (rc == SQLITE_ROW) {
    switch (pick(&f->src, 6)) {
    case 0: runf(f, "COMMIT"); break;
    case 1: runf(f, "ROLLBACK"); break;
    default: {
      Tab *u = live_table(f);
      one_write(f, u ? u : t);
      break;
    }
    }
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW && ++nRow < MAXROWS) {}
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    FUZZ_CHECK(!is_fatal(f->cur, rc, NULL), "interleaved SELECT: %s", sqlite3_errmsg(f->cur));
  if (f->bTrace) fprintf(stderr, "  -> SELECT finished with %d\n", rc);
  sqlite3_finalize(pStmt);
}

static void one_write(Fz *f, Tab *t)
{
  switch (pick(&f->src, 5)) {
  case 0: case 1: gen_insert(f, t); break;
  case 2: gen_update(f, t); break;
  case 3: gen_delete(f, t); break;
  default: gen_insert_select(f, t); break;
  }
}

/* Close and reopen the connections (file databases only): the tables are
 * connected again from the catalog. */
static void reopen(Fz *f)
{
  if (f->bTrace) fprintf(stderr, "-- reopen\n");
  close_db(f->db2);
  close_db(f->db);
  f->db = open_db(f);
  f->db2 = f->bTwo ? open_db(f) : NULL;
  f->cur = f->db;
}

/* One statement drawn from the input. */
static void one_statement(Fz *f)
{
  unsigned k = pick(&f->src, 28);
  Tab *t = live_table(f);
  char *z;

  /* Without a table, everything but transaction control creates one. */
  if (t == NULL && !(k >= 10 && k <= 15) && k != 20) k = 0;
  switch (k) {
  case 0: {
    int i = (int)pick(&f->src, NTAB);
    if (!f->aTab[i].bLive || pick(&f->src, 4) == 0) gen_create(f, i);
    else gen_insert(f, &f->aTab[i]);
    break;
  }
  case 1: case 2: case 3: case 4: one_write(f, t); break;
  case 5: case 6: case 7:
    z = gen_select(f, t);
    if (z) runf(f, "%s", z);
    sqlite3_free(z);
    break;
  case 8: case 9: gen_interleaved(f, t); break;
  case 10: runf(f, "%s", pick(&f->src, 3) ? "BEGIN" : "BEGIN IMMEDIATE"); break;
  case 11: runf(f, "COMMIT"); break;
  case 12: runf(f, "ROLLBACK"); break;
  case 13: runf(f, "SAVEPOINT s%d", f->nSave++ % 4); break;
  case 14: runf(f, "RELEASE s%u", pick(&f->src, 4)); break;
  case 15: runf(f, "ROLLBACK TO s%u", pick(&f->src, 4)); break;
  case 16:
    if (pick(&f->src, 2) == 0 && ddl_ok(f)) runf(f, "DROP TABLE %s%s", pick(&f->src, 2) ? "" : "IF EXISTS ", t->zName);
    else one_write(f, t);
    break;
  case 17:
    if (pick(&f->src, 2) == 0 && ddl_ok(f)) {
      char zNew[16];
      snprintf(zNew, sizeof zNew, "r%d", (int)(t - f->aTab));
      if (strcmp(t->zName, zNew) == 0) snprintf(zNew, sizeof zNew, "t%d", (int)(t - f->aTab));
      if (runf(f, "ALTER TABLE %s RENAME TO %s", t->zName, zNew) == SQLITE_OK)
        snprintf(t->zName, sizeof t->zName, "%s", zNew);
    } else {
      gen_delete(f, t);
    }
    break;
  case 18:
    if (f->bFile) reopen(f);
    else gen_update(f, t);
    break;
  case 19:
    if (f->db2) {
      f->cur = f->cur == f->db ? f->db2 : f->db;
      if (f->bTrace) fprintf(stderr, "-- now on connection %d\n", f->cur == f->db ? 1 : 2);
    } else {
      gen_insert(f, t);
    }
    break;
  case 20: {
    int i = (int)pick(&f->src, NTAB);
    gen_create(f, i);
    break;
  }
  case 21: gen_functions(f, t); break;
  default: gen_update(f, t); break;
  }
  resync(f);
}

/* ------------------------------------------------------------ laws -- */

/* The constraints of model table t hold on db. */
static void check_table(Fz *f, sqlite3 *db, const Tab *t)
{
  sqlite3_str *s;
  char *z;
  int c, u, i;
  sqlite3_int64 v;

  /* SQLite has the table, so it must be readable (a DROP or RENAME that
   * SQLite rolled back must be undone in the environment too). */
  z = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", t->zName);
  if (z) {
    sqlite3_stmt *pStmt = NULL;
    int rc = sqlite3_prepare_v2(db, z, -1, &pStmt, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(pStmt);
    FUZZ_CHECK(rc == SQLITE_ROW, "%s: table unreadable: %s", t->zName, sqlite3_errmsg(db));
    sqlite3_finalize(pStmt);
    sqlite3_free(z);
  }
  for (c = 0; c < t->nCol; c++) {
    if (!t->aNotNull[c]) continue;
    z = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE c%d IS NULL", t->zName, c);
    v = z ? query_int(db, z) : 0;
    FUZZ_CHECK(v <= 0, "%s: %lld NULLs in NOT NULL column c%d", t->zName, (long long)v, c);
    sqlite3_free(z);
  }
  if (t->iPk >= 0) {
    z = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE c%d IS NOT rowid", t->zName, t->iPk);
    v = z ? query_int(db, z) : 0;
    FUZZ_CHECK(v <= 0, "%s: INTEGER PRIMARY KEY c%d differs from the rowid in %lld rows",
               t->zName, t->iPk, (long long)v);
    sqlite3_free(z);
  }
  for (u = 0; u < t->nUniq; u++) {
    s = sqlite3_str_new(NULL);
    sqlite3_str_appendf(s, "SELECT count(*) FROM (SELECT 1 FROM \"%w\" WHERE 1", t->zName);
    for (i = 0; i < t->aUniqN[u]; i++) sqlite3_str_appendf(s, " AND c%d IS NOT NULL", t->aUniq[u][i]);
    sqlite3_str_appendall(s, " GROUP BY ");
    for (i = 0; i < t->aUniqN[u]; i++) sqlite3_str_appendf(s, "%sc%d", i ? ", " : "", t->aUniq[u][i]);
    sqlite3_str_appendall(s, " HAVING count(*) > 1)");
    z = sqlite3_str_finish(s);
    v = z ? query_int(db, z) : 0;
    if (v > 0) fprintf(stderr, "%s\n", z);
    FUZZ_CHECK(v <= 0, "%s: UNIQUE constraint %d broken (%lld duplicate groups)",
               t->zName, u, (long long)v);
    sqlite3_free(z);
  }
  z = sqlite3_mprintf("SELECT lmdb_integrity_check(%Q)", t->zName);
  if (z) {
    sqlite3_stmt *pStmt = NULL;
    if (sqlite3_prepare_v2(db, z, -1, &pStmt, NULL) == SQLITE_OK
        && sqlite3_step(pStmt) == SQLITE_ROW) {
      const char *zRes = (const char *)sqlite3_column_text(pStmt, 0);
      FUZZ_CHECK(zRes && strcmp(zRes, "ok") == 0, "lmdb_integrity_check(%s): %s",
                 t->zName, zRes ? zRes : "NULL");
    }
    sqlite3_finalize(pStmt);
    sqlite3_free(z);
  }
  (void)f;
}

/* End the sequence: finish any transaction, then check every table
 * (through a fresh connection when there is a file). */
static void check_all(Fz *f)
{
  sqlite3 *db;
  int i;

  f->cur = f->db;
  if (f->db2 && !sqlite3_get_autocommit(f->db2)) run(f, f->db2, "COMMIT");
  if (!sqlite3_get_autocommit(f->db)) run(f, f->db, "COMMIT");
  if (!sqlite3_get_autocommit(f->db)) run(f, f->db, "ROLLBACK");
  resync(f);
  if (f->bFile) {
    close_db(f->db2);
    f->db2 = NULL;
    close_db(f->db);
    f->db = f->cur = open_db(f);
  }
  db = f->db;
  for (i = 0; i < NTAB; i++)
    if (f->aTab[i].bLive) check_table(f, db, &f->aTab[i]);
}

/* ------------------------------------------------------------ entry -- */

static int ext_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi)
{
  return sqlite3_lmdbvt_init(db, pzErr, pApi);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *zTmp = getenv("TMPDIR");
  (void)argc; (void)argv;
  if (g_base[0]) return 0;
  snprintf(g_base, sizeof g_base, "%s/lvt-fuzz-XXXXXX", zTmp && zTmp[0] ? zTmp : "/tmp");
  if (mkdtemp(g_base) == NULL) { perror("fuzz_sql: mkdtemp"); abort(); }
  atexit(remove_base);
  setenv("TMPDIR", g_base, 1);
  sqlite3_auto_extension((void (*)(void))ext_init);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Fz f;
  int nFd, nStmt = 0, nLeft, i;

  if (g_base[0] == 0) LLVMFuzzerInitialize(NULL, NULL);
  if (size < 1) return 0;
  memset(&f, 0, sizeof f);
  f.bTrace = getenv("FUZZ_SQL_TRACE") != NULL;
  f.bNoTxnDdl = getenv("FUZZ_SQL_NO_TXN_DDL") != NULL;
  f.src.p = data + 1;
  f.src.n = size - 1;
  f.bFile = data[0] & 1;
  f.bTwo = f.bFile && (data[0] & 2);
  f.bSyncNormal = (data[0] & 4) != 0;
  snprintf(f.zDir, sizeof f.zDir, "%s/i%lu", g_base, g_input++);
  if (mkdir(f.zDir, 0700) != 0) { perror("fuzz_sql: mkdir"); abort(); }
  if (f.bFile) snprintf(f.zDb, sizeof f.zDb, "%s/db", f.zDir);
  else snprintf(f.zDb, sizeof f.zDb, ":memory:");
  setenv("TMPDIR", f.zDir, 1);
  nFd = count_fds();

  f.db = open_db(&f);
  f.db2 = f.bTwo ? open_db(&f) : NULL;
  f.cur = f.db;
  if (f.bTrace) fprintf(stderr, "-- %s%s\n", f.bFile ? "file database" : ":memory:",
                        f.bTwo ? ", two connections" : "");
  while (f.src.n > 0 && nStmt++ < MAXSTMT) one_statement(&f);
  check_all(&f);
  close_db(f.db2);
  close_db(f.db);

  if (!f.bFile) {
    char zLeft[256] = "";
    nLeft = count_entries(f.zDir, zLeft, sizeof zLeft);
    FUZZ_CHECK(nLeft == 0, "%d entries left in %s after closing a :memory: database, "
               "%s first (a private environment was not removed)", nLeft, f.zDir, zLeft);
  }
  FUZZ_CHECK(count_fds() == nFd, "%d file descriptors open before, %d after closing "
             "every connection", nFd, count_fds());
  rmtree(f.zDir);
  for (i = 0; i < 4; i++) {
    char zBk[640];
    snprintf(zBk, sizeof zBk, "%s-bk%d", f.zDir, i);
    rmtree(zBk);
  }
  setenv("TMPDIR", g_base, 1);
  return 0;
}
