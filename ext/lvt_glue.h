/*
 * lvt_glue.h -- internal interfaces of the SQLite glue (module, functions,
 * entry point).  Only glue files include sqlite3ext.h; each of them starts
 * with SQLITE_EXTENSION_INIT3 so they share the entry point's sqlite3_api.
 */
#ifndef LVT_GLUE_H
#define LVT_GLUE_H

#include "config.h"

#include <sqlite3ext.h>

#include "lmdbvt.h"

#if defined(__GNUC__)
#define LVT_GLUE __attribute__((visibility("hidden")))
#else
#define LVT_GLUE
#endif

/* Register the SQL functions (functions.c). */
LVT_GLUE int lvt_glue_register_functions(sqlite3 *db);

/* Register the "lmdb" virtual-table module on db (vtab.c).  The module's
 * client data holds this connection's per-environment transaction state;
 * it is freed when the connection closes. */
LVT_GLUE int lvt_glue_register_module(sqlite3 *db);

/* ------------------------------------------------------ vtab_args.c -- */

/* The arguments of CREATE VIRTUAL TABLE ... USING lmdb(...), parsed and
 * checked.  def points into the arrays below; everything is owned by the
 * struct and freed by lvt_args_free(). */
typedef struct lvt_args {
  lvt_table_def def;       /* name: the table option, else the SQL name */
  lvt_column_def *aCol;    /* def.cols */
  lvt_index_def *aIdx;     /* def.idx */
  int nColAlloc, nIdxAlloc;
  char *zName;             /* def.name */
  char *zEnv;              /* env option as written, or NULL */
  char *zTable;            /* table option, or NULL */
  size_t mapsize;          /* mapsize option in bytes, 0 = default */
  int sync;                /* LVT_SYNC_*, LVT_SYNC_FULL by default */
} lvt_args;

/* Parse nArg arguments (azArg) of virtual table zSqlName.  On success
 * *ppArgs is the caller's (free with lvt_args_free); on SQLITE_ERROR *pzErr
 * (sqlite3_malloc'd) names the argument and the problem.  Nothing outside
 * the arguments is looked at. */
LVT_GLUE int lvt_args_parse(int nArg, const char *const *azArg,
                            const char *zSqlName, lvt_args **ppArgs,
                            char **pzErr);
LVT_GLUE void lvt_args_free(lvt_args *pArgs);

/* "CREATE TABLE x(...)" for sqlite3_declare_vtab from a definition: names,
 * declared types, NOT NULL and collations.  sqlite3_free() the result;
 * NULL when out of memory. */
LVT_GLUE char *lvt_args_declare(const lvt_table_def *def);

/* ------------------------------------- vtab.c: the SQL functions' access -- */

/* An lmdb virtual table of a connection, as the SQL functions reach it.
 * Everything points into the virtual table's own objects: valid until the
 * connection runs another statement that could reconnect the table (a
 * schema change, a schema reload). */
typedef struct lvt_glue_tab {
  void *pVtab;              /* the module's table object */
  lvt_table *pTbl;          /* its handle (owned by the virtual table) */
  lvt_env *pEnv;            /* its environment */
  const char *zSchema;      /* "main", "temp" or an attached database */
  const char *zName;        /* SQL name */
  const char *zLvtName;     /* name inside the environment */
} lvt_glue_tab;

/* Find the lmdb virtual table zName (case-insensitive) in schema zDb, or
 * when zDb is NULL in the first schema that has a table of that name
 * (temp, main, then attached ones: SQLite's order), making SQLite connect
 * it if it has not yet.  SQLITE_OK and *pOut; else an SQLite code and
 * *pzErr (sqlite3_malloc'd, without the function's name): SQLITE_NOTFOUND
 * with "no lmdb table named 'x'"; SQLITE_ERROR with "'x' is not an lmdb
 * table"; or what connecting it failed with. */
LVT_GLUE int lvt_glue_find_table(sqlite3 *db, const char *zDb, const char *zName,
                                 lvt_glue_tab *pOut, char **pzErr);

/* The lmdb virtual tables declared in every schema of db (whether
 * connected or not), by schema in SQLite's order then by name:
 * (*pazName)[2i] is the schema, (*pazName)[2i+1] the table, for i below
 * *pnName.  One allocation: sqlite3_free(*pazName).  SQLite code. */
LVT_GLUE int lvt_glue_list_tables(sqlite3 *db, char ***pazName, int *pnName);

/* The SQLite code for a failed core call (rc, an LVT_* code) on pTab's
 * table, and its message in *pzMsg (sqlite3_malloc'd; the table named by
 * its SQL name, e.g. "UNIQUE constraint failed: users.email"). */
LVT_GLUE int lvt_glue_error(const lvt_glue_tab *pTab, int rc, char **pzMsg);

/* Run fn(txn, ctx) in a transaction of pTab's environment that sees what
 * this connection sees: its write transaction (uncommitted writes
 * included) when there is one, else a short read-only one.  Returns fn's
 * LVT_* code, or the one that kept the transaction from beginning. */
LVT_GLUE int lvt_glue_read(const lvt_glue_tab *pTab, int (*fn)(lvt_txn *, void *),
                           void *pCtx);

/* Run fn(txn, tbl, ctx) as a schema change of pTab's table (tbl is the
 * virtual table's own handle): inside the connection's write transaction
 * of that environment, so that BEGIN ... ROLLBACK undoes it (the table
 * joins the SQLite transaction first if needed), else in a transaction of
 * its own, committed at once.  On success every prepared statement of db
 * is expired (they plan again with the new indexes).  SQLITE_OK, or an
 * SQLite code with *pzErr (sqlite3_malloc'd).  *pTab is updated when the
 * table object changed on the way. */
LVT_GLUE int lvt_glue_schema_change(sqlite3 *db, lvt_glue_tab *pTab,
                                    int (*fn)(lvt_txn *, lvt_table *, void *),
                                    void *pCtx, char **pzErr);

#endif /* LVT_GLUE_H */
