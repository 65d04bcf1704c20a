/*
 * functions.c -- the lmdb_* SQL functions, registered from a table.
 */
#include "lvt_glue.h"

#include <lmdb.h>
#include <stdio.h>

SQLITE_EXTENSION_INIT3

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

static const struct {
  const char *name;
  int nArg;
  int flags;
  void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
} aFunc[] = {
  /* Not DETERMINISTIC: the answer depends on the libraries loaded. */
  { "lmdb_version", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, fn_version },
};

/* Register every function of aFunc[] on db. */
int lvt_glue_register_functions(sqlite3 *db)
{
  size_t i;
  int rc = SQLITE_OK;

  for (i = 0; rc == SQLITE_OK && i < sizeof aFunc / sizeof aFunc[0]; i++) {
    rc = sqlite3_create_function_v2(db, aFunc[i].name, aFunc[i].nArg,
                                    aFunc[i].flags, NULL, aFunc[i].xFunc,
                                    NULL, NULL, NULL);
  }
  return rc;
}
