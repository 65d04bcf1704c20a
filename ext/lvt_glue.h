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

#endif /* LVT_GLUE_H */
