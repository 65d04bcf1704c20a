/*
 * lmdbvt.c -- the extension's entry point.
 *
 * `.load PATH/lmdbvt` in the sqlite3 shell (or sqlite3_load_extension from
 * any binding) calls sqlite3_lmdbvt_init, which registers the SQL functions
 * and the "lmdb" virtual-table module.
 */
#include "lvt_glue.h"

SQLITE_EXTENSION_INIT1

int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg,
                        const sqlite3_api_routines *pApi);

/* Entry point: check the SQLite version, register functions and module. */

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
int sqlite3_lmdbvt_init(sqlite3 *db, char **pzErrMsg,
                        const sqlite3_api_routines *pApi)
{
  int rc;

  SQLITE_EXTENSION_INIT2(pApi);
  if (sqlite3_libversion_number() < 3038000) {
    if (pzErrMsg)
      *pzErrMsg = sqlite3_mprintf("lmdbvt needs SQLite 3.38.0 or newer "
                                  "(sqlite3_vtab_in); this is %s",
                                  sqlite3_libversion());
    return SQLITE_ERROR;
  }
  rc = lvt_glue_register_functions(db);
  if (rc != SQLITE_OK && pzErrMsg)
    *pzErrMsg = sqlite3_mprintf("lmdbvt: registering functions failed: %s",
                                sqlite3_errstr(rc));
  if (rc == SQLITE_OK) {
    rc = lvt_glue_register_module(db);
    if (rc != SQLITE_OK && pzErrMsg)
      *pzErrMsg = sqlite3_mprintf("lmdbvt: registering module lmdb failed: %s",
                                  sqlite3_errstr(rc));
  }
  return rc;
}
