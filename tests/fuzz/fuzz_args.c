/*
 * fuzz_args.c -- fuzz target for the CREATE VIRTUAL TABLE argument parser
 * (ext/vtab_args.c: lvt_args_parse, lvt_args_declare, lvt_args_free).
 *
 * vtab_args.c is compiled with SQLITE_CORE here, so its sqlite3_malloc /
 * mprintf calls go straight to the linked libsqlite3 (sqlite3ext.h then
 * defines no sqlite3_api indirection).  Byte 0 of the input picks how the
 * rest reaches the parser:
 *
 *   even  directly: the rest split at NUL bytes into at most 64 arguments,
 *         any bytes at all (unterminated quotes, lone operators ...);
 *   odd   through SQLite: "CREATE VIRTUAL TABLE t USING fuzzargs(<rest>)"
 *         in an in-memory database, where SQLite's own parser splits the
 *         arguments exactly as it does for the lmdb module.  The module's
 *         xCreate parses them and declares the schema as vtab.c does; the
 *         table is dropped again afterwards.
 *
 * Laws: no crash, no leak (LeakSanitizer), and either
 *  - SQLITE_OK with a definition whose every field is consistent (columns
 *    named, distinct, affinity from the declared type; the rowid column an
 *    INTEGER; indexes named, distinct, with valid column numbers; at most
 *    one primary key), which lvt_args_declare turns into a CREATE TABLE
 *    text and, when SQLite accepts it, into exactly ncol visible columns;
 *  - or SQLITE_ERROR with a message "lmdb: ..." and nothing to free.
 */
#include "config.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

#include "lvt_glue.h"
#include "fuzz.h"

#define MAX_ARGS 64

static sqlite3 *g_db;
static int g_ncol;          /* columns of the last successful parse */

/* Every field of a successful parse of table zSqlName is consistent. */
static void check_args(const lvt_args *a, const char *zSqlName)
{
  const lvt_table_def *d = &a->def;
  int i, j, nprimary = 0;

  FUZZ_CHECK(d->name && strcmp(d->name, a->zTable ? a->zTable : zSqlName) == 0,
             "table name %s", d->name ? d->name : "(null)");
  FUZZ_CHECK(d->ncol >= 1 && d->cols == a->aCol, "ncol %d", d->ncol);
  FUZZ_CHECK(d->nidx >= 0 && (d->nidx == 0 || d->idx == a->aIdx), "nidx %d", d->nidx);
  FUZZ_CHECK(a->sync >= LVT_SYNC_FULL && a->sync <= LVT_SYNC_OFF, "sync %d", a->sync);
  FUZZ_CHECK(d->strict == 0 || d->strict == 1, "strict %d", d->strict);
  FUZZ_CHECK(a->zEnv == NULL || a->zEnv[0], "empty env accepted");
  for (i = 0; i < d->ncol; i++) {
    const lvt_column_def *c = &d->cols[i];
    FUZZ_CHECK(c->name != NULL, "column %d has no name", i);
    for (j = 0; j < i; j++)
      FUZZ_CHECK(sqlite3_stricmp(c->name, d->cols[j].name) != 0,
                 "duplicate column %s", c->name);
    FUZZ_CHECK(c->affinity == lvt_affinity(c->decltype), "column %s: affinity %d",
               c->name, c->affinity);
    FUZZ_CHECK(c->collation >= LVT_COLL_BINARY && c->collation <= LVT_COLL_RTRIM,
               "column %s: collation %d", c->name, c->collation);
    FUZZ_CHECK(c->notnull == 0 || c->notnull == 1, "notnull %d", c->notnull);
    if (c->has_default) {
      FUZZ_CHECK(c->dflt.type >= LVT_INTEGER && c->dflt.type <= LVT_NULL,
                 "column %s: DEFAULT of type %d", c->name, c->dflt.type);
      if (c->dflt.type == LVT_TEXT || c->dflt.type == LVT_BLOB)
        FUZZ_CHECK(c->dflt.u.s.p != NULL, "DEFAULT points nowhere");
    }
  }
  FUZZ_CHECK(d->ipk >= -1 && d->ipk < d->ncol, "ipk %d", d->ipk);
  if (d->ipk >= 0)
    FUZZ_CHECK(d->cols[d->ipk].decltype
               && sqlite3_stricmp(d->cols[d->ipk].decltype, "INTEGER") == 0,
               "rowid column %s is not declared INTEGER", d->cols[d->ipk].name);
  for (i = 0; i < d->nidx; i++) {
    const lvt_index_def *x = &d->idx[i];
    FUZZ_CHECK(x->name && x->name[0], "index %d has no name", i);
    FUZZ_CHECK(x->ncol >= 1 && x->cols && x->desc, "index %s: %d columns", x->name, x->ncol);
    for (j = 0; j < x->ncol; j++) {
      FUZZ_CHECK(x->cols[j] >= 0 && x->cols[j] < d->ncol, "index %s: column %d",
                 x->name, x->cols[j]);
      FUZZ_CHECK(x->desc[j] <= 1, "index %s: desc %d", x->name, x->desc[j]);
    }
    for (j = 0; j < i; j++)
      FUZZ_CHECK(sqlite3_stricmp(x->name, d->idx[j].name) != 0, "index name %s twice",
                 x->name);
    FUZZ_CHECK(!x->primary || x->unique, "primary index %s not unique", x->name);
    nprimary += x->primary != 0;
  }
  FUZZ_CHECK(nprimary + (d->ipk >= 0) <= 1, "%d primary keys", nprimary + (d->ipk >= 0));
}

/* Parse, check the laws, declare the schema when db is given.  Returns the
 * SQLite code for xCreate; *pzErr as xCreate wants it. */
static int parse_and_check(sqlite3 *db, int nArg, const char *const *azArg,
                           const char *zSqlName, char **pzErr)
{
  lvt_args *a = (lvt_args *)1;
  char *zErr = (char *)1, *zDecl;
  int rc;

  rc = lvt_args_parse(nArg, azArg, zSqlName, &a, &zErr);
  if (rc != SQLITE_OK) {
    FUZZ_CHECK(rc == SQLITE_ERROR, "lvt_args_parse returned %d", rc);
    FUZZ_CHECK(a == NULL, "arguments left after an error");
    FUZZ_CHECK(zErr != NULL && strncmp(zErr, "lmdb: ", 6) == 0, "error message \"%s\"",
               zErr ? zErr : "(null)");
    if (pzErr) *pzErr = zErr; else sqlite3_free(zErr);
    return rc;
  }
  FUZZ_CHECK(a != NULL && zErr == NULL, "success without arguments, or with a message");
  check_args(a, zSqlName);
  g_ncol = a->def.ncol;
  zDecl = lvt_args_declare(&a->def);
  FUZZ_CHECK(zDecl != NULL && strncmp(zDecl, "CREATE TABLE x(", 15) == 0,
             "declaration \"%s\"", zDecl ? zDecl : "(null)");
  if (db) {
    rc = sqlite3_declare_vtab(db, zDecl);
    if (rc != SQLITE_OK && pzErr)
      *pzErr = sqlite3_mprintf("declare_vtab: %s: %s", sqlite3_errmsg(db), zDecl);
  }
  sqlite3_free(zDecl);
  lvt_args_free(a);
  return rc;
}

/* -------------------------------------------- the capturing module -- */

/* The capturing module: xCreate/xConnect parse and declare as vtab.c
 * does; the table can be created and dropped, nothing more. */
typedef struct FuzzVtab {
  sqlite3_vtab base;
} FuzzVtab;

static int fzCreate(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                    sqlite3_vtab **ppVtab, char **pzErr)
{
  FuzzVtab *p;
  int rc;

  (void)pAux;
  *ppVtab = NULL;
  rc = parse_and_check(db, argc - 3, argv + 3, argv[2], pzErr);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof *p);
  if (p == NULL) return SQLITE_NOMEM;
  memset(p, 0, sizeof *p);
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int fzDisconnect(sqlite3_vtab *pVtab)
{
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int fzBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
  (void)pVtab;
  pInfo->estimatedCost = 1e6;
  return SQLITE_OK;
}

static int fzOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur)
{
  (void)pVtab; (void)ppCur;
  return SQLITE_ERROR;
}

static const sqlite3_module fzModule = {
  0, fzCreate, fzCreate, fzBestIndex, fzDisconnect, fzDisconnect, fzOpen,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL
};

/* --------------------------------------------------------- entries -- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc; (void)argv;
  if (g_db) return 0;
  if (sqlite3_open(":memory:", &g_db) != SQLITE_OK
      || sqlite3_create_module(g_db, "fuzzargs", &fzModule, NULL) != SQLITE_OK) {
    fprintf(stderr, "fuzz_args: cannot set up an in-memory database\n");
    abort();
  }
  return 0;
}

/* Directly: NUL-separated arguments. */
static void run_direct(const uint8_t *data, size_t size)
{
  char *buf = malloc(size + 1);
  const char *azArg[MAX_ARGS];
  int nArg = 0;
  size_t i, start = 0;

  if (buf == NULL) return;
  memcpy(buf, data, size);
  buf[size] = 0;
  for (i = 0; i <= size && nArg < MAX_ARGS; i++) {
    if (buf[i] == 0) { azArg[nArg++] = buf + start; start = i + 1; }
  }
  parse_and_check(NULL, nArg, azArg, "t", NULL);
  free(buf);
}

/* Through SQLite's parser and the capturing module. */
static void run_sql(const uint8_t *data, size_t size)
{
  char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE t USING fuzzargs(%.*s)",
                               (int)size, (const char *)data);
  sqlite3_stmt *pStmt = NULL;
  int rc, nCol;

  if (zSql == NULL) return;
  rc = sqlite3_prepare_v2(g_db, zSql, -1, &pStmt, NULL);
  if (rc == SQLITE_OK && pStmt) rc = sqlite3_step(pStmt);
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  if (rc != SQLITE_DONE) return;

  /* Created: the declaration gave exactly the parsed columns. */
  rc = sqlite3_prepare_v2(g_db, "SELECT count(*) FROM pragma_table_xinfo('t')", -1, &pStmt, NULL);
  FUZZ_CHECK(rc == SQLITE_OK, "%s", sqlite3_errmsg(g_db));
  FUZZ_CHECK(sqlite3_step(pStmt) == SQLITE_ROW, "%s", sqlite3_errmsg(g_db));
  nCol = sqlite3_column_int(pStmt, 0);
  sqlite3_finalize(pStmt);
  FUZZ_CHECK(nCol == g_ncol, "declared table has %d columns, parsed %d", nCol, g_ncol);
  rc = sqlite3_exec(g_db, "DROP TABLE t", NULL, NULL, NULL);
  FUZZ_CHECK(rc == SQLITE_OK, "DROP TABLE t: %s", sqlite3_errmsg(g_db));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (g_db == NULL) LLVMFuzzerInitialize(NULL, NULL);
  if (size < 1) return 0;
  if (data[0] & 1) run_sql(data + 1, size - 1);
  else run_direct(data + 1, size - 1);
  return 0;
}
