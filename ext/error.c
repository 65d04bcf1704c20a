/*
 * error.c -- status codes and the thread-local detailed message.
 *
 * Core functions return LVT_* codes; the message that names the table,
 * column or argument goes to a thread-local buffer read by lvt_errmsg()
 * (like dlerror(), but not cleared by reading).
 */
#include "lvt_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errbuf[512];

/* Describe a status code.  Static strings; never NULL. */
const char *lvt_strerror(int rc)
{
  switch (rc) {
  case LVT_OK:         return "not an error";
  case LVT_IGNORED:    return "row ignored because of a constraint conflict";
  case LVT_ERROR:      return "unexpected error";
  case LVT_NOMEM:      return "out of memory";
  case LVT_NOTFOUND:   return "not found";
  case LVT_NOTABLE:    return "no such table";
  case LVT_NOCOLUMN:   return "no such column";
  case LVT_NOINDEX:    return "no such index";
  case LVT_EXISTS:     return "already exists";
  case LVT_UNIQUE:     return "UNIQUE constraint failed";
  case LVT_PRIMARYKEY: return "PRIMARY KEY constraint failed";
  case LVT_NOTNULL:    return "NOT NULL constraint failed";
  case LVT_MISMATCH:   return "value of the wrong type for a strict column";
  case LVT_TOOBIG:     return "key or index entry larger than LMDB's 511-byte limit";
  case LVT_NAN:        return "NaN cannot be stored in a key";
  case LVT_BUSY:       return "environment busy: another write transaction is active";
  case LVT_FULL:       return "database or disk is full";
  case LVT_CORRUPT:    return "malformed key, record or catalog entry";
  case LVT_VERSION:    return "environment written by an unknown lmdbvt format version";
  case LVT_MISUSE:     return "API misuse";
  case LVT_READONLY:   return "attempt to write in a read-only transaction or environment";
  case LVT_SCHEMA:     return "invalid table or index definition";
  case LVT_IOERR:      return "I/O error";
  case LVT_RANGE:      return "value out of range";
  default:             return "unknown error code";
  }
}

/* The calling thread's last detailed message ("" if none). */
const char *lvt_errmsg(void)
{
  return errbuf;
}

/* Record a formatted message for lvt_errmsg() and return rc. */
int lvt_err_set(int rc, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof errbuf, fmt, ap);
  va_end(ap);
  return rc;
}

/* Forget the last message. */
void lvt_err_clear(void)
{
  errbuf[0] = '\0';
}

/* Map an LMDB return code or errno to an LVT code and record a message that
 * says what was being done. */
int lvt_err_mdb(int mdbrc, const char *what)
{
  int rc;

  switch (mdbrc) {
  case 0:                  return LVT_OK;
  case MDB_NOTFOUND:       rc = LVT_NOTFOUND; break;
  case MDB_MAP_FULL:       rc = LVT_FULL; break;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID:        rc = LVT_CORRUPT; break;
  case MDB_VERSION_MISMATCH: rc = LVT_VERSION; break;
  case MDB_BAD_VALSIZE:    rc = LVT_TOOBIG; break;
  case MDB_READERS_FULL:
  case MDB_TXN_FULL:
  case MDB_CURSOR_FULL:
  case MDB_DBS_FULL:       rc = LVT_FULL; break;
  case ENOMEM:             rc = LVT_NOMEM; break;
  case ENOSPC:
  case EDQUOT:
  case EFBIG:              rc = LVT_FULL; break;
  case EACCES:
  case EPERM:
  case EROFS:              rc = LVT_READONLY; break;
  case ENOENT:             rc = LVT_NOTFOUND; break;
  case EBUSY:
  case EAGAIN:             rc = LVT_BUSY; break;
  case EINVAL:             rc = LVT_MISUSE; break;
  default:                 rc = mdbrc > 0 ? LVT_IOERR : LVT_ERROR; break;
  }
  return lvt_err_set(rc, "%s: %s", what, mdb_strerror(mdbrc));
}
