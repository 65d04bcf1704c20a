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

#endif /* LVT_GLUE_H */
