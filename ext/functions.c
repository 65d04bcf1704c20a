/*
 * functions.c -- the lmdb_* SQL functions and the lmdb_stat table-valued
 * function, registered from tables (aFunc[], aModule[]).
 *
 *   lmdb_version()                 text: lmdbvt, LMDB and SQLite versions
 *   lmdb_debug()                   text: versions, build flags, assertions
 *   lmdb_create_index(table, index, 'col [ASC|DESC], ...' [, unique])
 *                                  NULL; builds an index over the rows
 *   lmdb_drop_index(table, index)  NULL; removes one
 *   lmdb_integrity_check(table [, max])
 *                                  'ok', or one line per problem
 *   lmdb_backup([table,] dest_dir) text: the path of a compacted copy
 *   SELECT * FROM lmdb_stat(['table'])
 *                                  one row per B-tree (see lmdb_stat below)
 *
 * A table is named by its SQL name, optionally qualified by its schema
 * ('aux.t'); an unqualified name is looked up as SQLite does (temp, main,
 * then attached databases).  Errors name the function and the argument,
 * table or index, with the SQLite code that fits: SQLITE_MISMATCH for an
 * argument of the wrong type, SQLITE_CONSTRAINT_UNIQUE with SQLite's own
 * wording ("UNIQUE constraint failed: t.col") for a duplicate, the core's
 * code otherwise (lvt_glue_error).  SQLite itself refuses a wrong number
 * of arguments.
 *
 * Functions that change something (schema changes, files) are
 * SQLITE_DIRECTONLY: they cannot run from a trigger, a view or a schema
 * definition.  None is DETERMINISTIC: all read the live environment.
 */
#include "lvt_glue.h"

#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

SQLITE_EXTENSION_INIT3

/* ------------------------------------------------------------ helpers -- */

/* Make the function fail with code rc and a formatted message. */
static void fnError(sqlite3_context *ctx, int rc, const char *zFmt, ...)
{
  va_list ap;
  char *z;

  va_start(ap, zFmt);
  z = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (z == NULL || rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
  }
  sqlite3_free(z);
}

/* The SQL type name of a value, for messages. */
static const char *fnTypeName(sqlite3_value *pVal)
{
  switch (sqlite3_value_type(pVal)) {
  case SQLITE_INTEGER: return "an integer";
  case SQLITE_FLOAT:   return "a real";
  case SQLITE_BLOB:    return "a blob";
  case SQLITE_NULL:    return "NULL";
  default:             return "text";
  }
}

/* Argument pVal of zFunc as non-empty text in *pz.  SQLITE_OK; else
 * SQLITE_MISMATCH (a value of another type) or SQLITE_ERROR (empty text)
 * with *pzErr (sqlite3_malloc'd) naming the argument zArg. */
static int fnTextArg(sqlite3_value *pVal, const char *zFunc, const char *zArg,
                     const char **pz, char **pzErr)
{
  int rc = SQLITE_OK;

  *pzErr = NULL;
  *pz = NULL;
  if (sqlite3_value_type(pVal) != SQLITE_TEXT) {
    rc = SQLITE_MISMATCH;
    *pzErr = sqlite3_mprintf("%s: %s must be text, not %s", zFunc, zArg, fnTypeName(pVal));
  } else if ((*pz = (const char *)sqlite3_value_text(pVal)) == NULL) {
    return SQLITE_NOMEM;
  } else if ((*pz)[0] == '\0') {
    rc = SQLITE_ERROR;
    *pzErr = sqlite3_mprintf("%s: %s must not be empty", zFunc, zArg);
  }
  return rc != SQLITE_OK && *pzErr == NULL ? SQLITE_NOMEM : rc;
}

/* fnTextArg for a scalar function: the text, or NULL after failing the
 * call. */
static const char *fnText(sqlite3_context *ctx, sqlite3_value *pVal,
                          const char *zFunc, const char *zArg)
{
  const char *z;
  char *zErr;
  int rc = fnTextArg(pVal, zFunc, zArg, &z, &zErr);

  if (rc != SQLITE_OK) fnError(ctx, rc, "%s", zErr ? zErr : "");
  sqlite3_free(zErr);
  return rc == SQLITE_OK ? z : NULL;
}

/* Find the lmdb table named by zArg: "table", or "schema.table" when no
 * table has the whole text as its name.  SQLITE_OK; else an SQLite code
 * (SQLITE_ERROR when there is no such lmdb table) and *pzErr
 * (sqlite3_malloc'd) "zFunc: no lmdb table named 'x'", or the reason. */
static int fnLookupTable(sqlite3 *db, const char *zFunc, const char *zArg,
                         lvt_glue_tab *pTab, char **pzErr)
{
  const char *zDot = strchr(zArg, '.');
  char *zErr = NULL, *zErr2 = NULL, *zDb;
  int rc = lvt_glue_find_table(db, NULL, zArg, pTab, &zErr);

  *pzErr = NULL;
  if (rc == SQLITE_NOTFOUND && zDot && zDot > zArg && zDot[1]) {
    zDb = sqlite3_mprintf("%.*s", (int)(zDot - zArg), zArg);
    rc = zDb ? lvt_glue_find_table(db, zDb, zDot + 1, pTab, &zErr2) : SQLITE_NOMEM;
    sqlite3_free(zDb);
    if (rc == SQLITE_NOTFOUND) {
      sqlite3_free(zErr2);
    } else {
      sqlite3_free(zErr);
      zErr = zErr2;
    }
  }
  if (rc == SQLITE_NOTFOUND) rc = SQLITE_ERROR;
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    *pzErr = sqlite3_mprintf("%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
    if (*pzErr == NULL) rc = SQLITE_NOMEM;
  }
  sqlite3_free(zErr);
  return rc;
}

/* fnLookupTable for a scalar function: on failure the call fails with the
 * message, and the SQLite code is returned. */
static int fnFindTable(sqlite3_context *ctx, const char *zFunc, const char *zArg,
                       lvt_glue_tab *pTab)
{
  char *zErr = NULL;
  int rc = fnLookupTable(sqlite3_context_db_handle(ctx), zFunc, zArg, pTab, &zErr);

  if (rc != SQLITE_OK) fnError(ctx, rc, "%s", zErr ? zErr : "");
  sqlite3_free(zErr);
  return rc;
}

/* Fail the call with the error of a core call (rc, an LVT_* code) on
 * pTab's table: constraint failures in SQLite's words, others prefixed
 * with the function's name. */
static void fnCoreError(sqlite3_context *ctx, const char *zFunc,
                        const lvt_glue_tab *pTab, int rc)
{
  char *zMsg = NULL;
  int src = lvt_glue_error(pTab, rc, &zMsg);

  if ((src & 0xff) == SQLITE_CONSTRAINT) fnError(ctx, src, "%s", zMsg ? zMsg : "");
  else fnError(ctx, src, "%s: %s", zFunc, zMsg ? zMsg : "");
  sqlite3_free(zMsg);
}

/* ------------------------------------------------------- lmdb_version -- */

/* lmdb_version(): "lmdbvt X.Y.Z (LMDB a.b.c, SQLite d.e.f)", with the LMDB
 * and SQLite versions actually linked at run time. */
static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  int maj, min, pat;
  char *z;

  (void)argc; (void)argv;
  mdb_version(&maj, &min, &pat);
  z = sqlite3_mprintf("lmdbvt %s (LMDB %d.%d.%d, SQLite %s)",
                      LVT_VERSION_STRING, maj, min, pat, sqlite3_libversion());
  if (z == NULL) { sqlite3_result_error_nomem(ctx); return; }
  sqlite3_result_text(ctx, z, -1, sqlite3_free);
}

/* ---------------------------------------------------------- lmdb_debug -- */

/* lmdb_debug(): what a bug report needs, one "key: value" line each: the
 * lmdbvt version, the build's sanitizers and whether assertions are
 * compiled in, LMDB and SQLite as linked and as compiled against, and the
 * compiler. */
static void fn_debug(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  static const char zFlags[] = LVT_BUILD_FLAGS;
  int maj, min, pat;
  char *z;

  (void)argc; (void)argv;
  mdb_version(&maj, &min, &pat);
  z = sqlite3_mprintf("lmdbvt %s\n"
                      "build flags: %s\n"
                      "assertions: %s\n"
                      "LMDB: %d.%d.%d (compiled against %d.%d.%d)\n"
                      "SQLite: %s (compiled against %s)\n"
                      "compiler: %s",
                      LVT_VERSION_STRING,
                      zFlags[0] == ' ' ? zFlags + 1 : zFlags[0] ? zFlags : "none",
#ifdef NDEBUG
                      "off (NDEBUG)",
#else
                      "on",
#endif
                      maj, min, pat, MDB_VERSION_MAJOR, MDB_VERSION_MINOR, MDB_VERSION_PATCH,
                      sqlite3_libversion(), SQLITE_VERSION,
#if defined(__clang__)
                      "clang " __clang_version__
#elif defined(__GNUC__)
                      "gcc " __VERSION__
#else
                      "unknown"
#endif
                      );
  if (z == NULL) { sqlite3_result_error_nomem(ctx); return; }
  sqlite3_result_text(ctx, z, -1, sqlite3_free);
}

/* --------------------------------------------- lmdb_create/drop_index -- */

/* A new index being built (lmdb_create_index), and what the core said. */
typedef struct FnIndex {
  lvt_index_def def;
  int *aCol;
  unsigned char *aDesc;
  int rc;                  /* LVT_* code of the core call */
} FnIndex;

/* Read one name or keyword of a column list at *pz into *pzOut
 * (sqlite3_malloc'd, unquoted): a bare word of letters, digits, '_' and
 * '$', or a name in "", ``, [] or ''.  NULL in *pzOut at the end of the
 * list or at a character that starts no name (left at *pz). */
static int fnListWord(const char **pz, char **pzOut)
{
  const char *z = *pz;
  sqlite3_str *pStr;

  *pzOut = NULL;
  while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
  *pz = z;
  if (*z == '"' || *z == '`' || *z == '[' || *z == '\'') {
    char cEnd = *z == '[' ? ']' : *z;
    pStr = sqlite3_str_new(NULL);
    for (z++; *z; z++) {
      if (*z == cEnd && cEnd != ']' && z[1] == cEnd) { sqlite3_str_appendchar(pStr, 1, cEnd); z++; continue; }
      if (*z == cEnd) break;
      sqlite3_str_appendchar(pStr, 1, *z);
    }
    if (*z != cEnd) { sqlite3_free(sqlite3_str_finish(pStr)); return SQLITE_ERROR; }
    *pz = z + 1;
  } else {
    const char *zStart = z;
    while ((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') || (*z >= '0' && *z <= '9')
           || *z == '_' || *z == '$' || (unsigned char)*z >= 0x80)
      z++;
    if (z == zStart) return SQLITE_OK;
    pStr = sqlite3_str_new(NULL);
    sqlite3_str_append(pStr, zStart, (int)(z - zStart));
    *pz = z;
  }
  if (sqlite3_str_errcode(pStr) != SQLITE_OK) {   /* out of memory, not "" */
    sqlite3_free(sqlite3_str_finish(pStr));
    return SQLITE_NOMEM;
  }
  *pzOut = sqlite3_str_finish(pStr);
  if (*pzOut == NULL) *pzOut = sqlite3_mprintf("%s", "");
  return *pzOut ? SQLITE_OK : SQLITE_NOMEM;
}

/* Parse the column list zList, "col [ASC|DESC], ...", against tbl into
 * x->def (cols, desc, ncol).  On failure the call fails with a message
 * naming the offending word, and an SQLite code is returned. */
static int fnParseColumns(sqlite3_context *ctx, const char *zList, const lvt_table *tbl,
                          const char *zTab, FnIndex *x)
{
  static const char zFunc[] = "lmdb_create_index";
  const char *z = zList;
  char *zWord = NULL;
  int rc = SQLITE_OK, nAlloc = 0, iCol;

  for (;;) {
    rc = fnListWord(&z, &zWord);
    if (rc == SQLITE_ERROR) { fnError(ctx, rc, "%s: unterminated quoted name in column list '%s'", zFunc, zList); break; }
    if (rc != SQLITE_OK) { sqlite3_result_error_nomem(ctx); break; }
    if (zWord == NULL) {
      rc = SQLITE_ERROR;
      if (*z == '\0' && x->def.ncol == 0) fnError(ctx, rc, "%s: the column list is empty", zFunc);
      else if (*z) fnError(ctx, rc, "%s: expected a column name at '%s' in column list '%s'", zFunc, z, zList);
      else fnError(ctx, rc, "%s: expected a column name at the end of column list '%s'", zFunc, zList);
      break;
    }
    iCol = lvt_table_column(tbl, zWord);
    if (iCol < 0) {
      rc = SQLITE_ERROR;
      fnError(ctx, rc, "%s: table %s has no column named '%s'", zFunc, zTab, zWord);
      break;
    }
    if (x->def.ncol == nAlloc) {
      int n = nAlloc ? 2 * nAlloc : 8;
      int *a = sqlite3_realloc64(x->aCol, (sqlite3_uint64)n * sizeof *a);
      unsigned char *d = a ? sqlite3_realloc64(x->aDesc, (sqlite3_uint64)n) : NULL;
      if (a) x->aCol = a;
      if (d) x->aDesc = d;
      if (a == NULL || d == NULL) { rc = SQLITE_NOMEM; sqlite3_result_error_nomem(ctx); break; }
      nAlloc = n;
    }
    x->aCol[x->def.ncol] = iCol;
    x->aDesc[x->def.ncol] = 0;
    sqlite3_free(zWord);
    rc = fnListWord(&z, &zWord);
    if (rc == SQLITE_OK && zWord && (sqlite3_stricmp(zWord, "ASC") == 0 || sqlite3_stricmp(zWord, "DESC") == 0)) {
      x->aDesc[x->def.ncol] = sqlite3_stricmp(zWord, "DESC") == 0;
      sqlite3_free(zWord);
      rc = fnListWord(&z, &zWord);
    }
    x->def.ncol++;
    if (rc == SQLITE_OK && zWord == NULL) {
      while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
      if (*z == '\0') break;
      if (*z == ',') { z++; continue; }
    }
    if (rc == SQLITE_NOMEM) { sqlite3_result_error_nomem(ctx); break; }
    rc = SQLITE_ERROR;
    fnError(ctx, rc, "%s: expected ',' or the end after column '%s' in column list '%s'",
            zFunc, lvt_table_schema(tbl)->cols[iCol].name, zList);
    break;
  }
  sqlite3_free(zWord);
  x->def.cols = x->aCol;
  x->def.desc = x->aDesc;
  return rc;
}

/* lvt_glue_schema_change callback of lmdb_create_index. */
static int fnCreateIndexFn(lvt_txn *txn, lvt_table *tbl, void *pCtx)
{
  FnIndex *x = (FnIndex *)pCtx;
  x->rc = lvt_index_create(txn, tbl, &x->def);
  return x->rc;
}

/* lmdb_create_index(table, index, 'col [ASC|DESC], ...' [, unique]):
 * build index `index` over the existing rows of `table`, in the current
 * transaction (see lvt_glue_schema_change); NULL.  `unique` is 0 (default)
 * or 1.  A duplicate under unique fails with SQLite's "UNIQUE constraint
 * failed: t.col" (SQLITE_CONSTRAINT_UNIQUE) and leaves nothing behind. */
static void fn_create_index(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  static const char zFunc[] = "lmdb_create_index";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTab, *zIdx, *zList;
  lvt_glue_tab tab;
  FnIndex x;
  char *zErr = NULL;
  int rc;

  memset(&x, 0, sizeof x);
  if ((zTab = fnText(ctx, argv[0], zFunc, "table")) == NULL) return;
  if ((zIdx = fnText(ctx, argv[1], zFunc, "index")) == NULL) return;
  if ((zList = fnText(ctx, argv[2], zFunc, "column list")) == NULL) return;
  if (argc > 3) {
    if (sqlite3_value_type(argv[3]) != SQLITE_INTEGER) {
      fnError(ctx, SQLITE_MISMATCH, "%s: unique must be 0 or 1, not %s", zFunc, fnTypeName(argv[3]));
      return;
    }
    if (sqlite3_value_int64(argv[3]) != 0 && sqlite3_value_int64(argv[3]) != 1) {
      fnError(ctx, SQLITE_ERROR, "%s: unique must be 0 or 1, not %lld", zFunc,
              (long long)sqlite3_value_int64(argv[3]));
      return;
    }
    x.def.unique = sqlite3_value_int(argv[3]);
  }
  if (fnFindTable(ctx, zFunc, zTab, &tab) != SQLITE_OK) return;
  x.def.name = zIdx;
  rc = fnParseColumns(ctx, zList, tab.pTbl, tab.zName, &x);
  if (rc == SQLITE_OK) {
    rc = lvt_glue_schema_change(db, &tab, fnCreateIndexFn, &x, &zErr);
    if (rc != SQLITE_OK && x.rc != LVT_OK) fnCoreError(ctx, zFunc, &tab, x.rc);
    else if (rc != SQLITE_OK) fnError(ctx, rc, "%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
    else sqlite3_result_null(ctx);
  }
  sqlite3_free(zErr);
  sqlite3_free(x.aCol);
  sqlite3_free(x.aDesc);
}

/* An index being dropped (lmdb_drop_index), and what the core said. */
typedef struct FnDrop {
  const char *zIdx;
  int rc;
} FnDrop;

/* lvt_glue_schema_change callback of lmdb_drop_index. */
static int fnDropIndexFn(lvt_txn *txn, lvt_table *tbl, void *pCtx)
{
  FnDrop *d = (FnDrop *)pCtx;
  d->rc = lvt_index_drop(txn, tbl, d->zIdx);
  return d->rc;
}

/* lmdb_drop_index(table, index): remove index `index` of `table` and its
 * entries, in the current transaction; NULL.  The primary-key index of a
 * table whose key is not its rowid cannot be dropped. */
static void fn_drop_index(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  static const char zFunc[] = "lmdb_drop_index";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTab;
  lvt_glue_tab tab;
  FnDrop d;
  char *zErr = NULL;
  int rc;

  (void)argc;
  d.rc = LVT_OK;
  if ((zTab = fnText(ctx, argv[0], zFunc, "table")) == NULL) return;
  if ((d.zIdx = fnText(ctx, argv[1], zFunc, "index")) == NULL) return;
  if (fnFindTable(ctx, zFunc, zTab, &tab) != SQLITE_OK) return;
  rc = lvt_glue_schema_change(db, &tab, fnDropIndexFn, &d, &zErr);
  if (rc != SQLITE_OK && d.rc == LVT_NOINDEX)
    fnError(ctx, SQLITE_ERROR, "%s: table %s has no index named '%s'", zFunc, tab.zName, d.zIdx);
  else if (rc != SQLITE_OK && d.rc == LVT_MISUSE)
    fnError(ctx, SQLITE_ERROR, "%s: index %s is the primary key of table %s and cannot be "
            "dropped", zFunc, d.zIdx, tab.zName);
  else if (rc != SQLITE_OK && d.rc != LVT_OK) fnCoreError(ctx, zFunc, &tab, d.rc);
  else if (rc != SQLITE_OK) fnError(ctx, rc, "%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
  else sqlite3_result_null(ctx);
  sqlite3_free(zErr);
}

/* ------------------------------------------------ lmdb_integrity_check -- */

/* What the check of one table collects (lmdb_integrity_check). */
typedef struct FnCheck {
  lvt_table *pTbl;
  sqlite3_str *pOut;        /* problems, one line each */
  int nMax;                 /* stop after this many */
  int nFound;
} FnCheck;

/* lvt_check_fn: append one problem line; stop at the limit. */
static int fnCheckLine(void *pCtx, const char *zProblem)
{
  FnCheck *c = (FnCheck *)pCtx;
  if (c->nFound++) sqlite3_str_appendchar(c->pOut, 1, '\n');
  sqlite3_str_appendall(c->pOut, zProblem);
  return c->nFound >= c->nMax;
}

/* lvt_glue_read callback: run the core check. */
static int fnCheckFn(lvt_txn *txn, void *pCtx)
{
  FnCheck *c = (FnCheck *)pCtx;
  return lvt_check_table(txn, c->pTbl, fnCheckLine, c, NULL);
}

/* lmdb_integrity_check(table [, max]): 'ok', or the problems found in the
 * table and its indexes (lvt_check_table), one line each, at most max
 * (default 100) of them.  Reads what the connection sees: its open
 * transaction's writes included. */
static void fn_integrity_check(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  static const char zFunc[] = "lmdb_integrity_check";
  const char *zTab;
  lvt_glue_tab tab;
  FnCheck c;
  char *zOut;
  int rc;

  memset(&c, 0, sizeof c);
  c.nMax = 100;
  if ((zTab = fnText(ctx, argv[0], zFunc, "table")) == NULL) return;
  if (argc > 1) {
    if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
      fnError(ctx, SQLITE_MISMATCH, "%s: max must be an integer, not %s", zFunc, fnTypeName(argv[1]));
      return;
    }
    if (sqlite3_value_int64(argv[1]) < 1 || sqlite3_value_int64(argv[1]) > 1000000) {
      fnError(ctx, SQLITE_ERROR, "%s: max must be between 1 and 1000000, not %lld", zFunc,
              (long long)sqlite3_value_int64(argv[1]));
      return;
    }
    c.nMax = sqlite3_value_int(argv[1]);
  }
  if (fnFindTable(ctx, zFunc, zTab, &tab) != SQLITE_OK) return;
  c.pTbl = tab.pTbl;
  c.pOut = sqlite3_str_new(sqlite3_context_db_handle(ctx));
  rc = lvt_glue_read(&tab, fnCheckFn, &c);
  zOut = sqlite3_str_finish(c.pOut);
  if (rc != LVT_OK) fnCoreError(ctx, zFunc, &tab, rc);
  else if (c.nFound == 0) sqlite3_result_text(ctx, "ok", -1, SQLITE_STATIC);
  else if (zOut == NULL) sqlite3_result_error_nomem(ctx);
  else { sqlite3_result_text(ctx, zOut, -1, sqlite3_free); zOut = NULL; }
  sqlite3_free(zOut);
}

/* --------------------------------------------------------- lmdb_backup -- */

/* The directory a relative backup destination means: relative to the
 * directory of the database file of schema zDb (as the env option is), or
 * to the current directory when that database has no file.  sqlite3_free
 * the result; NULL when out of memory. */
static char *fnBackupPath(sqlite3 *db, const char *zDb, const char *zDest)
{
  const char *zFile = sqlite3_db_filename(db, zDb);
  const char *zSlash = zFile && zFile[0] ? strrchr(zFile, '/') : NULL;

  if (zDest[0] == '/' || zSlash == NULL) return sqlite3_mprintf("%s", zDest);
  return sqlite3_mprintf("%.*s/%s", (int)(zSlash - zFile), zFile, zDest);
}

/* The one environment of the connection's lmdb tables, for
 * lmdb_backup(dest): *pTab is a table of it.  SQLite code; on failure the
 * call fails. */
static int fnOnlyEnv(sqlite3_context *ctx, lvt_glue_tab *pTab)
{
  static const char zFunc[] = "lmdb_backup";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_str *pEnvs = sqlite3_str_new(db);
  lvt_env **aEnv = NULL;
  char **azName = NULL, *zErr = NULL, *zEnvs;
  int rc, nName = 0, nEnv = 0, i, j;
  lvt_glue_tab tab;

  rc = lvt_glue_list_tables(db, &azName, &nName);
  if (rc == SQLITE_OK && nName > 0) {
    aEnv = sqlite3_malloc64((sqlite3_uint64)nName * sizeof *aEnv);
    if (aEnv == NULL) rc = SQLITE_NOMEM;
  }
  for (i = 0; rc == SQLITE_OK && i < nName; i++) {
    rc = lvt_glue_find_table(db, azName[2 * i], azName[2 * i + 1], &tab, &zErr);
    if (rc != SQLITE_OK) break;
    for (j = 0; j < nEnv && aEnv[j] != tab.pEnv; j++) {}
    if (j < nEnv) continue;
    if (nEnv == 0) *pTab = tab;
    aEnv[nEnv++] = tab.pEnv;
    sqlite3_str_appendf(pEnvs, "%s%s", nEnv > 1 ? ", " : "", lvt_env_path(tab.pEnv));
  }
  zEnvs = sqlite3_str_finish(pEnvs);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOTFOUND) rc = SQLITE_ERROR;
    if (zErr || rc != SQLITE_NOMEM) fnError(ctx, rc, "%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
    else sqlite3_result_error_nomem(ctx);
  } else if (nEnv == 0) {
    rc = SQLITE_ERROR;
    fnError(ctx, rc, "%s: this connection has no lmdb table, so no environment to copy", zFunc);
  } else if (nEnv > 1) {
    rc = SQLITE_ERROR;
    fnError(ctx, rc, "%s: the lmdb tables of this connection use %d environments (%s); "
            "name a table of the one to copy: lmdb_backup(table, dest_dir)", zFunc, nEnv,
            zEnvs ? zEnvs : "");
  }
  sqlite3_free(zEnvs);
  sqlite3_free(zErr);
  sqlite3_free(aEnv);
  sqlite3_free(azName);
  return rc;
}

/* lmdb_backup(dest_dir) or lmdb_backup(table, dest_dir): a consistent,
 * compacted copy of an environment (lvt_env_backup) into dest_dir, which
 * must not hold one already (it is created if missing; its parent must
 * exist).  The environment is the one of `table`, or with one argument
 * the only one this connection's lmdb tables use.  A relative dest_dir is
 * taken relative to the directory of the table's database file, as the
 * env option is.  The copy holds what was committed when it started:
 * writers go on meanwhile, and an open transaction's writes are not in it.
 * Returns the path of the copy. */
static void fn_backup(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  static const char zFunc[] = "lmdb_backup";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTab = NULL, *zDest;
  lvt_glue_tab tab;
  char *zPath = NULL, *zMsg = NULL;
  int rc;

  if (argc == 2 && (zTab = fnText(ctx, argv[0], zFunc, "table")) == NULL) return;
  if ((zDest = fnText(ctx, argv[argc - 1], zFunc, "dest_dir")) == NULL) return;
  rc = zTab ? fnFindTable(ctx, zFunc, zTab, &tab) : fnOnlyEnv(ctx, &tab);
  if (rc != SQLITE_OK) return;
  zPath = fnBackupPath(db, tab.zSchema, zDest);
  if (zPath == NULL) { sqlite3_result_error_nomem(ctx); return; }
  rc = lvt_env_backup(tab.pEnv, zPath);
  if (rc == LVT_OK) {
    sqlite3_result_text(ctx, zPath, -1, sqlite3_free);
    return;
  }
  if (rc == LVT_NOMEM) {
    sqlite3_result_error_nomem(ctx);
  } else {
    int src = lvt_glue_error(&tab, rc, &zMsg);
    if (rc == LVT_NOTFOUND || rc == LVT_IOERR) src = SQLITE_CANTOPEN;
    fnError(ctx, src, "%s: %s", zFunc, zMsg ? zMsg : lvt_strerror(rc));
  }
  sqlite3_free(zMsg);
  sqlite3_free(zPath);
}

/* ----------------------------------------------------------- lmdb_stat -- */
/*
 * SELECT * FROM lmdb_stat('table'), SELECT * FROM lmdb_stat(): an
 * eponymous-only virtual table (module "lmdb_stat") whose hidden column
 * `target` takes the argument.  One row per LMDB B-tree of the table: the
 * table itself (kind 'table': its rows by rowid), then each index in its
 * order, of kind 'primary key', 'unique index' or 'index'.  Without an
 * argument, the rows of every lmdb table declared in the connection's
 * schemas (temp, main, attached), table by table.  Each row also describes
 * the environment the B-tree lives in (the same values on every row of one
 * environment): its directory, map size, bytes in use and reader slots in
 * use (all processes).  Counts are read through what the connection sees:
 * its open write transaction (uncommitted rows included) or a fresh read
 * snapshot.
 */
#define STAT_TARGET 14           /* the hidden argument column */

/* One row of lmdb_stat. */
typedef struct StatRow {
  char *zTbl, *zName, *zSchema, *zEnv;   /* sqlite3_malloc'd */
  const char *zKind;
  lvt_stat st;
  lvt_env_info info;
} StatRow;

/* The table object: SQLite hands a virtual table no connection handle
 * later, so it keeps the one xConnect got. */
typedef struct StatVtab {
  sqlite3_vtab base;
  sqlite3 *db;
} StatVtab;

typedef struct StatCursor {
  sqlite3_vtab_cursor base;
  StatRow *aRow;
  int nRow, nAlloc, iRow;
} StatCursor;

/* xConnect: declare the columns. */
static int statConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                       sqlite3_vtab **ppVtab, char **pzErr)
{
  StatVtab *pVtab;
  int rc;

  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(tbl TEXT, name TEXT, kind TEXT, "
                            "entries INTEGER, depth INTEGER, branch_pages INTEGER, "
                            "leaf_pages INTEGER, overflow_pages INTEGER, bytes INTEGER, "
                            "schema TEXT, env TEXT, map_size INTEGER, map_used INTEGER, "
                            "readers INTEGER, target HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  pVtab = sqlite3_malloc(sizeof *pVtab);
  if (pVtab == NULL) return SQLITE_NOMEM;
  memset(pVtab, 0, sizeof *pVtab);
  pVtab->db = db;
  *ppVtab = &pVtab->base;
  return SQLITE_OK;
}

/* xDisconnect */
static int statDisconnect(sqlite3_vtab *pVtab)
{
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xBestIndex: idxNum 1 when target = ? is given (one table), 0 for every
 * table.  A target constraint that cannot be used yet (a join order that
 * would give it no value) is refused, so SQLite picks another order. */
static int statBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
  int i;

  (void)pVtab;
  pInfo->idxNum = 0;
  pInfo->estimatedCost = 1000;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if (c->iColumn != STAT_TARGET || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c->usable) return SQLITE_CONSTRAINT;
    pInfo->aConstraintUsage[i].argvIndex = 1;
    pInfo->aConstraintUsage[i].omit = 1;
    pInfo->idxNum = 1;
    pInfo->estimatedCost = 10;
    break;
  }
  return SQLITE_OK;
}

/* xOpen */
static int statOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
  StatCursor *pCsr = sqlite3_malloc(sizeof *pCsr);

  (void)pVtab;
  if (pCsr == NULL) return SQLITE_NOMEM;
  memset(pCsr, 0, sizeof *pCsr);
  *ppCursor = &pCsr->base;
  return SQLITE_OK;
}

/* Free the rows of a cursor. */
static void statReset(StatCursor *pCsr)
{
  int i;

  for (i = 0; i < pCsr->nRow; i++) {
    sqlite3_free(pCsr->aRow[i].zTbl);
    sqlite3_free(pCsr->aRow[i].zName);
    sqlite3_free(pCsr->aRow[i].zSchema);
    sqlite3_free(pCsr->aRow[i].zEnv);
  }
  sqlite3_free(pCsr->aRow);
  pCsr->aRow = NULL;
  pCsr->nRow = pCsr->nAlloc = pCsr->iRow = 0;
}

/* xClose */
static int statClose(sqlite3_vtab_cursor *pCursor)
{
  statReset((StatCursor *)pCursor);
  sqlite3_free(pCursor);
  return SQLITE_OK;
}

/* What statTableFn reads for one table. */
typedef struct StatCtx {
  StatCursor *pCsr;
  const lvt_glue_tab *pTab;
} StatCtx;

/* Append a row for B-tree `index` (-1: the table) of c->pTab; LVT_* code. */
static int statAddRow(StatCtx *c, lvt_txn *txn, int index, const lvt_env_info *info)
{
  StatCursor *pCsr = c->pCsr;
  const lvt_glue_tab *pTab = c->pTab;
  StatRow *r;
  int rc;

  if (pCsr->nRow == pCsr->nAlloc) {
    int n = pCsr->nAlloc ? 2 * pCsr->nAlloc : 8;
    StatRow *a = sqlite3_realloc64(pCsr->aRow, (sqlite3_uint64)n * sizeof *a);
    if (a == NULL) return LVT_NOMEM;
    pCsr->aRow = a;
    pCsr->nAlloc = n;
  }
  r = &pCsr->aRow[pCsr->nRow];
  memset(r, 0, sizeof *r);
  rc = lvt_table_stat(txn, pTab->pTbl, index, &r->st);
  if (rc != LVT_OK) return rc;
  if (index < 0) {
    r->zKind = "table";
    r->zName = sqlite3_mprintf("%s", pTab->zName);
  } else {
    const lvt_index_def *x = &lvt_table_schema(pTab->pTbl)->idx[index];
    r->zKind = x->primary ? "primary key" : x->unique ? "unique index" : "index";
    r->zName = sqlite3_mprintf("%s", x->name);
  }
  r->zTbl = sqlite3_mprintf("%s", pTab->zName);
  r->zSchema = sqlite3_mprintf("%s", pTab->zSchema);
  r->zEnv = sqlite3_mprintf("%s", lvt_env_path(pTab->pEnv));
  r->info = *info;
  pCsr->nRow++;
  if (!r->zName || !r->zTbl || !r->zSchema || !r->zEnv) return LVT_NOMEM;
  return LVT_OK;
}

/* lvt_glue_read callback: the rows of one table.  The table's own row
 * comes first: reading its statistics brings the handle's list of indexes
 * up to date with txn. */
static int statTableFn(lvt_txn *txn, void *pCtx)
{
  StatCtx *c = (StatCtx *)pCtx;
  lvt_env_info info;
  int k, rc = lvt_env_info_get(c->pTab->pEnv, &info);

  if (rc == LVT_OK) rc = statAddRow(c, txn, -1, &info);
  for (k = 0; rc == LVT_OK && k < lvt_table_schema(c->pTab->pTbl)->nidx; k++)
    rc = statAddRow(c, txn, k, &info);
  return rc;
}

/* Add the rows of lmdb table zName (schema zDb, or NULL to search) to the
 * cursor; on failure set the table's error message. */
static int statTable(StatCursor *pCsr, const char *zDb, const char *zName)
{
  static const char zFunc[] = "lmdb_stat";
  sqlite3_vtab *pVtab = pCsr->base.pVtab;
  sqlite3 *db = ((StatVtab *)pVtab)->db;
  lvt_glue_tab tab;
  StatCtx c;
  char *zErr = NULL, *zMsg = NULL;
  int rc;

  if (zDb) {
    rc = lvt_glue_find_table(db, zDb, zName, &tab, &zErr);
    if (rc != SQLITE_OK) {
      char *z = sqlite3_mprintf("%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
      sqlite3_free(zErr);
      zErr = z;
      if (rc == SQLITE_NOTFOUND) rc = SQLITE_ERROR;
    }
  } else {
    rc = fnLookupTable(db, zFunc, zName, &tab, &zErr);
  }
  if (rc == SQLITE_OK) {
    c.pCsr = pCsr;
    c.pTab = &tab;
    rc = lvt_glue_read(&tab, statTableFn, &c);
    if (rc != LVT_OK) {
      rc = lvt_glue_error(&tab, rc, &zMsg);
      zErr = sqlite3_mprintf("%s: %s: %s", zFunc, tab.zName, zMsg ? zMsg : "");
    }
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = zErr;
    zErr = NULL;
  }
  sqlite3_free(zErr);
  sqlite3_free(zMsg);
  return rc;
}

/* xFilter: collect every row now (a few per table). */
static int statFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv)
{
  StatCursor *pCsr = (StatCursor *)pCursor;
  sqlite3_vtab *pVtab = pCursor->pVtab;
  char **azName = NULL;
  int rc = SQLITE_OK, nName = 0, i;

  (void)idxStr;
  statReset(pCsr);
  if (idxNum == 1 && argc == 1) {
    const char *zTab;
    char *zErr;
    rc = fnTextArg(argv[0], "lmdb_stat", "table", &zTab, &zErr);
    if (rc != SQLITE_OK) {
      sqlite3_free(pVtab->zErrMsg);
      pVtab->zErrMsg = zErr;
      return rc;
    }
    return statTable(pCsr, NULL, zTab);
  }
  rc = lvt_glue_list_tables(((StatVtab *)pVtab)->db, &azName, &nName);
  for (i = 0; rc == SQLITE_OK && i < nName; i++)
    rc = statTable(pCsr, azName[2 * i], azName[2 * i + 1]);
  sqlite3_free(azName);
  return rc;
}

/* xNext */
static int statNext(sqlite3_vtab_cursor *pCursor)
{
  ((StatCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

/* xEof */
static int statEof(sqlite3_vtab_cursor *pCursor)
{
  StatCursor *pCsr = (StatCursor *)pCursor;
  return pCsr->iRow >= pCsr->nRow;
}

/* xColumn */
static int statColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i)
{
  StatCursor *pCsr = (StatCursor *)pCursor;
  const StatRow *r = &pCsr->aRow[pCsr->iRow];
  sqlite3_int64 nPages = (sqlite3_int64)(r->st.branch_pages + r->st.leaf_pages + r->st.overflow_pages);

  switch (i) {
  case 0:  sqlite3_result_text(ctx, r->zTbl, -1, SQLITE_TRANSIENT); break;
  case 1:  sqlite3_result_text(ctx, r->zName, -1, SQLITE_TRANSIENT); break;
  case 2:  sqlite3_result_text(ctx, r->zKind, -1, SQLITE_STATIC); break;
  case 3:  sqlite3_result_int64(ctx, (sqlite3_int64)r->st.entries); break;
  case 4:  sqlite3_result_int64(ctx, r->st.depth); break;
  case 5:  sqlite3_result_int64(ctx, (sqlite3_int64)r->st.branch_pages); break;
  case 6:  sqlite3_result_int64(ctx, (sqlite3_int64)r->st.leaf_pages); break;
  case 7:  sqlite3_result_int64(ctx, (sqlite3_int64)r->st.overflow_pages); break;
  case 8:  sqlite3_result_int64(ctx, nPages * (sqlite3_int64)r->st.psize); break;
  case 9:  sqlite3_result_text(ctx, r->zSchema, -1, SQLITE_TRANSIENT); break;
  case 10: sqlite3_result_text(ctx, r->zEnv, -1, SQLITE_TRANSIENT); break;
  case 11: sqlite3_result_int64(ctx, (sqlite3_int64)r->info.mapsize); break;
  case 12: sqlite3_result_int64(ctx, (sqlite3_int64)r->info.used); break;
  case 13: sqlite3_result_int64(ctx, r->info.readers); break;
  default: sqlite3_result_null(ctx); break;   /* target */
  }
  return SQLITE_OK;
}

/* xRowid: the row's position. */
static int statRowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid)
{
  *pRowid = ((StatCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

/* Eponymous only (no xCreate): SELECT ... FROM lmdb_stat(...). */
static const sqlite3_module statModule = {
  .iVersion = 0,
  .xCreate = NULL,  /* eponymous only */
  .xConnect = statConnect,
  .xBestIndex = statBestIndex,
  .xDisconnect = statDisconnect,
  .xOpen = statOpen,
  .xClose = statClose,
  .xFilter = statFilter,
  .xNext = statNext,
  .xEof = statEof,
  .xColumn = statColumn,
  .xRowid = statRowid,
};

/* ------------------------------------------------------- registration -- */

static const struct {
  const char *name;
  int nArg;
  int flags;
  void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
} aFunc[] = {
  /* Not DETERMINISTIC: the answers depend on the libraries loaded. */
  { "lmdb_version",      0, SQLITE_UTF8 | SQLITE_INNOCUOUS,  fn_version },
  { "lmdb_debug",        0, SQLITE_UTF8 | SQLITE_INNOCUOUS,  fn_debug },
  /* Schema changes: never from triggers, views or the schema. */
  { "lmdb_create_index", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn_create_index },
  { "lmdb_create_index", 4, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn_create_index },
  { "lmdb_drop_index",   2, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn_drop_index },
  /* Writes files. */
  { "lmdb_backup",       1, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn_backup },
  { "lmdb_backup",       2, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn_backup },
  /* Read-only, but not DETERMINISTIC (the data changes) nor INNOCUOUS (it
   * reads every row of a table: not for untrusted schemas). */
  { "lmdb_integrity_check", 1, SQLITE_UTF8, fn_integrity_check },
  { "lmdb_integrity_check", 2, SQLITE_UTF8, fn_integrity_check },
};

static const struct {
  const char *name;
  const sqlite3_module *pModule;
} aModule[] = {
  { "lmdb_stat", &statModule },
};

/* Register every function of aFunc[] and module of aModule[] on db. */
int lvt_glue_register_functions(sqlite3 *db)
{
  size_t i;
  int rc = SQLITE_OK;

  for (i = 0; rc == SQLITE_OK && i < sizeof aFunc / sizeof aFunc[0]; i++) {
    rc = sqlite3_create_function_v2(db, aFunc[i].name, aFunc[i].nArg,
                                    aFunc[i].flags, NULL, aFunc[i].xFunc,
                                    NULL, NULL, NULL);
  }
  for (i = 0; rc == SQLITE_OK && i < sizeof aModule / sizeof aModule[0]; i++)
    rc = sqlite3_create_module(db, aModule[i].name, aModule[i].pModule, NULL);
  return rc;
}
