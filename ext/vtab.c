/*
 * vtab.c -- the "lmdb" virtual-table module: SQL over lmdbvt tables.
 *
 * This file is glue.  It converts sqlite3_value <-> lvt_value, maps LVT_*
 * codes to SQLite codes and messages, plans queries for SQLite's query
 * planner and maps SQLite's transaction protocol onto LMDB transactions.
 * Encoding, constraint checks and index maintenance live in the core
 * (lmdbvt.h); nothing here duplicates them.
 *
 * Objects.
 *   LvtAux     one per connection (the module's client data): the list of
 *              LvtConn of that connection; freed when the connection closes.
 *   LvtConn    one per connection and environment: the shared write
 *              transaction with its savepoint stack, the shared read
 *              snapshot, the open cursors.  Every table of the environment
 *              on this connection uses it, so "BEGIN; ... COMMIT" over
 *              several tables is one LMDB commit.
 *   LvtVtab    one per table per connection (sqlite3_vtab).
 *   LvtCursor  one per scan (sqlite3_vtab_cursor).
 *
 * Transactions.  xBegin (the first write of a statement) begins the LMDB
 * write transaction of the environment if there is none, waiting up to the
 * connection's busy timeout (PRAGMA busy_timeout, read at each begin) and
 * then failing with SQLITE_BUSY.  xSync commits it (errors reach the user);
 * xCommit only cleans up, xRollback aborts.  A savepoint announced by
 * xSavepoint(N) is recorded at once but becomes a nested LMDB transaction
 * only when something is written after it, so statements that write nothing
 * cost nothing.  xRollbackTo(N) aborts the nested transactions above N; when
 * the module never saw savepoint N (it joined the transaction later), all it
 * wrote came after N and the whole LMDB transaction is aborted; the next
 * write begins a new one.  Reads see the write transaction when there is
 * one (read-your-writes); otherwise the cursors of this connection share one
 * read-only snapshot while any of them is open (as a native connection keeps
 * one read transaction while statements are active), and a commit by this
 * connection makes later cursors take a fresh one.
 *
 * Cursors in a write transaction read through its top level: the core
 * routes every operation to the innermost nested level and an lvt_cursor
 * re-seeks past its last key when that level changes, so savepoints do not
 * disturb a scan.  When the write transaction itself ends (COMMIT or
 * ROLLBACK while a SELECT of the same connection is still stepping), every
 * cursor reading through it is detached: its LMDB cursor is closed and its
 * position kept (the rowid, and for an index scan the key of its entry).
 * The next xNext re-seeks in a snapshot and goes on after that position, so
 * such a SELECT never touches a dead cursor and always terminates.
 *
 * Values.  xColumn decodes only the columns SQLite asks for (lvt_row_column
 * is O(1) per column), so colUsed needs no handling of its own; text and
 * blobs are returned with SQLITE_TRANSIENT because the map may move.
 */
#include "lvt_glue.h"

#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

SQLITE_EXTENSION_INIT3

typedef struct LvtAux LvtAux;
typedef struct LvtConn LvtConn;
typedef struct LvtSnap LvtSnap;
typedef struct LvtVtab LvtVtab;
typedef struct LvtCursor LvtCursor;

/* A savepoint: level N of xSavepoint(N) and its nested transaction, NULL
 * until something is written after it. */
typedef struct LvtSave {
  int iLevel;
  lvt_txn *pTxn;
} LvtSave;

/* A read-only snapshot shared by the cursors that opened while it was the
 * newest one; aborted when the last of them closes. */
struct LvtSnap {
  lvt_txn *pTxn;
  int nRef;
  uint64_t iCommitSeq;     /* LvtConn.iCommitSeq when it began */
};

struct LvtConn {
  LvtAux *pAux;
  LvtConn *pNext;
  lvt_env *pEnv;
  char *zPrivDir;          /* private temporary environment to remove, or NULL */
  char *zSchema;           /* schema name owning the private environment */
  char **azLive;           /* private: tables created and not dropped */
  int nLive;
  int nRef;                /* tables using it */
  lvt_txn *pWrite;         /* top-level write transaction, or NULL */
  LvtSave *aSave;          /* savepoint stack, innermost last */
  int nSave, nSaveAlloc;
  int nPart;               /* tables taking part in the SQLite transaction */
  LvtSnap *pSnap;          /* newest read snapshot, or NULL */
  LvtSnap *pSpareSnap;     /* a released LvtSnap kept for reuse, or NULL */
  LvtCursor *pCsrList;     /* every open cursor of this environment */
  unsigned iEpoch;         /* changes when the innermost write txn changes */
  uint64_t iWriteSeq;      /* changes at every write (row views go stale) */
  uint64_t iCommitSeq;     /* changes at every commit */
};

struct LvtAux {
  sqlite3 *db;
  LvtConn *pConnList;
  uint64_t nCall;          /* counts module calls: see lvtSavepoint */
};

/* Row-count statistics cached for the planner. */
typedef struct LvtStats {
  time_t tWhen;            /* 0: never read */
  double nRow;             /* entries in the table */
} LvtStats;

struct LvtVtab {
  sqlite3_vtab base;
  sqlite3 *db;
  LvtConn *pConn;
  lvt_table *pTbl;
  char *zSqlName;          /* the virtual table's SQL name */
  char *zLvtName;          /* the table's name in the environment */
  char *zDb;               /* the schema holding its declaration: main, temp, ... */
  int bOwnName;            /* no table= option: the LMDB name follows renames */
  int bInTrans;            /* in SQLite's list of tables in the transaction */
  int bJoinedLate;         /* xBegin found the write transaction open */
  uint64_t nCallBegin;     /* LvtAux.nCall at this table's last xBegin */
  LvtStats stats;
  LvtCursor *pSpare;       /* a closed cursor kept for the next xOpen */
};

/* cursor.c (declared in table_int.h, which only the core includes): a
 * closed cursor kept with its buffers, and an open that reuses it. */
__attribute__((visibility("hidden"))) void lvt_cursor_park(lvt_cursor *c);
__attribute__((visibility("hidden"))) int lvt_cursor_reopen(lvt_txn *txn, lvt_table *t, int index,
                                 lvt_cursor **spare, lvt_cursor **curp);

/* One key range of an index scan, as lvt_cursor_range takes it: the first
 * nLo (nHi) values of aLo (aHi) bound it, 0 = unbounded.  An IN list gives
 * one range per value; a comparison whose meaning depends on the affinity
 * of its right-hand side gives several (see lvtFilterIndex). */
typedef struct LvtSeg {
  lvt_value *aLo, *aHi;
  int nLo, nHi, bLoIncl, bHiIncl;
  int nValAlloc;           /* values aLo has room for (kept across scans) */
} LvtSeg;

/* Which row a cursor walks (see the plan encoding above lvtBestIndex). */
enum { SCAN_ROWID_RANGE, SCAN_ROWID_LIST, SCAN_INDEX };

struct LvtCursor {
  sqlite3_vtab_cursor base;
  LvtCursor *pNextCsr;     /* LvtConn.pCsrList */
  /* where it reads */
  LvtSnap *pSnap;          /* the snapshot, or NULL: the write transaction */
  lvt_txn *pTxn;           /* transaction of pCur and of lookups */
  unsigned iEpoch;         /* LvtConn.iEpoch when bound to the write txn */
  int bDetached;           /* pCur closed; position saved (see top) */
  int bAhead;              /* positioned on the successor of the saved entry */
  int bAheadEof;           /* ... and that successor is the end */
  int bSavedAhead;         /* the saved key is of an entry not returned yet */
  lvt_cursor *pCur;
  lvt_cursor *pCurSpare;   /* a parked pCur of an earlier scan (reused) */
  /* the plan */
  int eScan;
  int iIndex;              /* SCAN_INDEX: index position */
  int bReverse;
  LvtSeg *aSeg;            /* SCAN_INDEX: the key ranges, in scan order */
  int nSeg, nSegAlloc, iSeg;
  int64_t *aRowid;         /* SCAN_ROWID_LIST: rowids, ascending */
  int nRowid, iRowidPos, nRowidAlloc;
  int64_t iLoRowid, iHiRowid; /* SCAN_ROWID_RANGE: inclusive */
  sqlite3_int64 nLimit;    /* rows still to return, -1 = no limit */
  void *pOwned, *pOwnedBuf; /* memory the values above point into */
  int nOwnedAlloc;         /* their capacities: aSeg (with each segment's */
  size_t nOwnedBufAlloc;   /* values), aRowid, pOwned and pOwnedBuf are kept
                            * across scans and by the table's spare cursor
                            * (LvtVtab.pSpare), so a lookup does not allocate */
  /* the current entry */
  int bNoRows;             /* the constraints match nothing (x = NULL ...) */
  int bEof;
  int64_t iRowid;
  lvt_row row;
  int bRowValid;
  uint64_t iRowSeq;        /* LvtConn.iWriteSeq when row was read */
  uint64_t iPosSeq;        /* LvtConn.iWriteSeq when the cursor settled */
  lvt_value *aKey;         /* index scans in a write txn: the entry's key */
  void *pKeyMem;           /* what aKey points into (one allocation) */
};

/* ------------------------------------------------------------ errors -- */

/* The SQLite result code for an LVT_* code.  zMsg decides the one case the
 * code alone does not: a strict table's type error is a constraint
 * (SQLITE_CONSTRAINT_DATATYPE, "cannot store ..."), a non-integer rowid is
 * SQLITE_MISMATCH ("datatype mismatch"), as in SQLite. */
static int lvtSqliteCode(int rc, const char *zMsg)
{
  switch (rc) {
  case LVT_OK:         return SQLITE_OK;
  case LVT_UNIQUE:     return SQLITE_CONSTRAINT_UNIQUE;
  case LVT_PRIMARYKEY: return SQLITE_CONSTRAINT_PRIMARYKEY;
  case LVT_NOTNULL:    return SQLITE_CONSTRAINT_NOTNULL;
  case LVT_MISMATCH:
    return strncmp(zMsg, "cannot store", 12) == 0 ? SQLITE_CONSTRAINT_DATATYPE
                                                   : SQLITE_MISMATCH;
  case LVT_NAN:        return SQLITE_MISMATCH;
  case LVT_TOOBIG:     return SQLITE_TOOBIG;
  case LVT_BUSY:       return SQLITE_BUSY;
  case LVT_FULL:       return SQLITE_FULL;
  case LVT_RANGE:      return SQLITE_FULL;
  case LVT_CORRUPT:    return SQLITE_CORRUPT;
  case LVT_NOMEM:      return SQLITE_NOMEM;
  case LVT_READONLY:   return SQLITE_READONLY;
  case LVT_IOERR:      return SQLITE_IOERR;
  default:             return SQLITE_ERROR;
  }
}

/* The message for a failed core call: lvt_errmsg(), else lvt_strerror(),
 * with the environment's table name replaced by the SQL name when the table
 * option made them differ ("UNIQUE constraint failed: users.email").
 * sqlite3_malloc'd; NULL when out of memory. */
static char *lvtMessage(int rc, const char *zLvtName, const char *zSqlName)
{
  /* out of memory: the core often sets no message (a stale one may be left) */
  const char *zMsg = lvt_errmsg()[0] && rc != LVT_NOMEM ? lvt_errmsg() : lvt_strerror(rc);
  char *zOut, *zFind;
  size_t nLvt;
  if (zLvtName == NULL || zSqlName == NULL || strcmp(zLvtName, zSqlName) == 0)
    return sqlite3_mprintf("%s", zMsg);
  zOut = sqlite3_mprintf("%s", zMsg);
  nLvt = strlen(zLvtName);
  zFind = zOut;
  while (zOut && (zFind = strstr(zFind, zLvtName)) != NULL) {
    char *zNew;
    int iAt = (int)(zFind - zOut);
    if (zFind[nLvt] != '.' || (iAt > 0 && zFind[-1] != ' ')) { zFind += nLvt; continue; }
    zNew = sqlite3_mprintf("%.*s%s%s", iAt, zOut, zSqlName, zFind + nLvt);
    sqlite3_free(zOut);
    zOut = zNew;
    zFind = zOut ? zOut + iAt + strlen(zSqlName) : NULL;
  }
  return zOut;
}

/* Set pVtab's error message (freeing the old one) from a failed core call
 * and return the matching SQLite code. */
static int lvtVtabError(LvtVtab *pTab, int rc)
{
  char *zMsg = lvtMessage(rc, pTab->zLvtName, pTab->zSqlName);
  if (rc == LVT_FULL && zMsg && strncmp(zMsg, "database or disk is full", 24) != 0) {
    /* SQLite's words, and the table (a commit names only the environment) */
    char *z = sqlite3_mprintf("database or disk is full (table %s): %s", pTab->zSqlName, zMsg);
    sqlite3_free(zMsg);
    zMsg = z;
  }
  int src = lvtSqliteCode(rc, zMsg ? zMsg : "");
  size_t n = zMsg ? strlen(zMsg) : 0;
  /* A rowid that is no INTEGER PRIMARY KEY: SQLite says ..._ROWID. */
  if (src == SQLITE_CONSTRAINT_PRIMARYKEY && pTab->pTbl && lvt_table_schema(pTab->pTbl)->ipk < 0
      && n > 6 && strcmp(zMsg + n - 6, ".rowid") == 0)
    src = SQLITE_CONSTRAINT_ROWID;
  /* A key that is not an integer: SQLite's words. */
  if (src == SQLITE_MISMATCH && zMsg) {
    sqlite3_free(zMsg);
    zMsg = sqlite3_mprintf("datatype mismatch");
  }
  sqlite3_free(pTab->base.zErrMsg);
  pTab->base.zErrMsg = zMsg;
  return zMsg ? src : SQLITE_NOMEM;
}

/* Set pVtab's error message to a formatted text; returns rc. */
static int lvtVtabErrorMsg(LvtVtab *pTab, int rc, const char *zFmt, ...)
{
  va_list ap;
  char *z;
  va_start(ap, zFmt);
  z = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  sqlite3_free(pTab->base.zErrMsg);
  pTab->base.zErrMsg = z;
  return z ? rc : SQLITE_NOMEM;
}

/* ------------------------------------------------------------ values -- */

/* View a sqlite3_value as an lvt_value (pointers valid as long as the
 * sqlite3_value is unchanged). */
static void lvtValueFromSqlite(sqlite3_value *pVal, lvt_value *pOut)
{
  memset(pOut, 0, sizeof *pOut);
  switch (sqlite3_value_type(pVal)) {
  case SQLITE_INTEGER:
    pOut->type = LVT_INTEGER; pOut->u.i = sqlite3_value_int64(pVal); break;
  case SQLITE_FLOAT:
    pOut->type = LVT_REAL; pOut->u.r = sqlite3_value_double(pVal); break;
  case SQLITE_TEXT:
    pOut->type = LVT_TEXT;
    pOut->u.s.p = sqlite3_value_text(pVal);
    pOut->u.s.n = (size_t)sqlite3_value_bytes(pVal);
    if (pOut->u.s.p == NULL) pOut->u.s.p = "";
    break;
  case SQLITE_BLOB:
    pOut->type = LVT_BLOB;
    pOut->u.s.p = sqlite3_value_blob(pVal);
    pOut->u.s.n = (size_t)sqlite3_value_bytes(pVal);
    if (pOut->u.s.p == NULL) pOut->u.s.p = "";
    break;
  default:
    pOut->type = LVT_NULL; break;
  }
}

/* Hand an lvt_value to SQLite as a function result (text and blobs are
 * copied: they point into the map). */
static void lvtResultValue(sqlite3_context *ctx, const lvt_value *v)
{
  switch (v->type) {
  case LVT_INTEGER: sqlite3_result_int64(ctx, v->u.i); break;
  case LVT_REAL:    sqlite3_result_double(ctx, v->u.r); break;
  case LVT_TEXT:
    sqlite3_result_text64(ctx, (const char *)v->u.s.p, v->u.s.n,
                          SQLITE_TRANSIENT, SQLITE_UTF8);
    break;
  case LVT_BLOB:
    sqlite3_result_blob64(ctx, v->u.s.p, v->u.s.n, SQLITE_TRANSIENT);
    break;
  default:          sqlite3_result_null(ctx); break;
  }
}

/* ------------------------------------------------------- environments -- */

/* The environment directory for a table of schema zDb: the env option
 * (relative to the database file's directory), else "<database file>-lmdb".
 * NULL in *pzPath with SQLITE_OK means a private temporary environment
 * (":memory:" and temporary databases without an env option). */
static int lvtEnvPath(sqlite3 *db, const char *zDb, const char *zEnvOpt, char **pzPath)
{
  const char *zFile = sqlite3_db_filename(db, zDb);
  *pzPath = NULL;
  if (zEnvOpt && zEnvOpt[0] == '/') {
    *pzPath = sqlite3_mprintf("%s", zEnvOpt);
  } else if (zEnvOpt) {
    const char *zSlash = zFile && zFile[0] ? strrchr(zFile, '/') : NULL;
    if (zSlash) *pzPath = sqlite3_mprintf("%.*s/%s", (int)(zSlash - zFile), zFile, zEnvOpt);
    else *pzPath = sqlite3_mprintf("%s", zEnvOpt);
  } else if (zFile && zFile[0]) {
    *pzPath = sqlite3_mprintf("%s-lmdb", zFile);
  } else {
    return SQLITE_OK;
  }
  return *pzPath ? SQLITE_OK : SQLITE_NOMEM;
}

/* Remove a private environment directory and the files LMDB made in it. */
static void lvtRemoveDir(const char *zDir)
{
  static const char *const azFile[] = { "data.mdb", "lock.mdb" };
  size_t i;
  for (i = 0; i < sizeof azFile / sizeof azFile[0]; i++) {
    char *z = sqlite3_mprintf("%s/%s", zDir, azFile[i]);
    if (z) { unlink(z); sqlite3_free(z); }
  }
  rmdir(zDir);
}

/* The guard against hostile database files, and against damaged
 * environments, run before lvt_env_open.  A table declared in a database
 * file names its environment directory (any path), and SQLite connects it
 * (xConnect) as soon as a statement uses it.  Only CREATE VIRTUAL TABLE
 * (xCreate, bCreate) creates an environment; for xConnect zPath must
 * already be one of lmdbvt's: a directory holding a regular file data.mdb
 * whose main database has the catalog sub-database "lmdbvt.catalog"
 * (catalog.c).  Otherwise it fails naming table zTable and the path, and
 * nothing has been created: LMDB would create data.mdb and lock.mdb in any
 * directory.  In both modes a lock.mdb that is not a regular file (LMDB
 * would open a symbolic link's target read-write and truncate it) is
 * refused.
 *
 * The check opens data.mdb read-only without LMDB's lock file (MDB_RDONLY |
 * MDB_NOLOCK): it creates nothing, writes nothing, and takes no lock whose
 * release could disturb another opener in this process (LMDB's POSIX record
 * locks are on lock.mdb, which it does not open).  Reading without a reader
 * slot may in theory race with a writer that recycles pages (two commits
 * between reading the meta page and the main database's root); an
 * environment with a lock.mdb is therefore checked up to three times before
 * it is refused.  The real open
 * that follows (lvt_env_open) creates lock.mdb if it is missing, as after
 * restoring a backup: only in an environment that has lmdbvt's catalog. */
static int lvtEnvCheck(const char *zPath, const char *zTable, int bCreate, char **pzErr)
{
  struct stat st;
  MDB_env *menv = NULL;
  MDB_txn *mtxn = NULL;
  MDB_dbi dbi;
  char *zFile;
  int mrc, rc = SQLITE_OK, bInUse, nTry = 0;

  if (stat(zPath, &st) != 0) {
    if (errno == ENOENT && bCreate) return SQLITE_OK;
    if (errno == ENOENT) {
      *pzErr = sqlite3_mprintf("lmdb: environment %s does not exist", zPath);
      return SQLITE_ERROR;
    }
    *pzErr = sqlite3_mprintf("lmdb: table %s: cannot open environment %s: %s", zTable,
                             zPath, strerror(errno));
    return SQLITE_CANTOPEN;
  }
  if (!S_ISDIR(st.st_mode)) {
    *pzErr = sqlite3_mprintf("lmdb: table %s: environment %s is not a directory", zTable, zPath);
    return SQLITE_CANTOPEN;
  }
  zFile = sqlite3_mprintf("%s/lock.mdb", zPath);
  if (zFile == NULL) return SQLITE_NOMEM;
  if ((bInUse = lstat(zFile, &st) == 0) && !S_ISREG(st.st_mode)) {
    *pzErr = sqlite3_mprintf("lmdb: table %s: %s is not a regular file; refusing to open "
                             "environment %s", zTable, zFile, zPath);
    sqlite3_free(zFile);
    return SQLITE_CANTOPEN;
  }
  sqlite3_free(zFile);
  zFile = sqlite3_mprintf("%s/data.mdb", zPath);
  if (zFile == NULL) return SQLITE_NOMEM;
  if ((mrc = stat(zFile, &st)) != 0 || !S_ISREG(st.st_mode)) {
    if (mrc != 0 && bCreate) { sqlite3_free(zFile); return SQLITE_OK; }
    *pzErr = sqlite3_mprintf("lmdb: table %s: %s is not an lmdbvt environment (%s %s); only "
                             "CREATE VIRTUAL TABLE creates one", zTable, zPath, zFile,
                             mrc != 0 ? "does not exist" : "is not a regular file");
    sqlite3_free(zFile);
    return SQLITE_CANTOPEN;
  }
  sqlite3_free(zFile);
retry:
  menv = NULL;
  mtxn = NULL;
  mrc = mdb_env_create(&menv);
  if (mrc == 0) mrc = mdb_env_set_maxdbs(menv, 2);
  if (mrc == 0) mrc = mdb_env_open(menv, zPath, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0);
  /* No check of the file's size against the meta page's last page: a
   * valid environment may be shorter (a transaction's last pages can be
   * freed again before its commit, and LMDB then never writes them), so
   * that check refused sound environments.  A truncated data.mdb is
   * damage LMDB 0.9.24 does not detect (see the README, Reliability). */
  if (mrc == 0) mrc = mdb_txn_begin(menv, NULL, MDB_RDONLY, &mtxn);
  if (mrc == 0) mrc = mdb_dbi_open(mtxn, "lmdbvt.catalog", 0, &dbi);
  if (mtxn) mdb_txn_abort(mtxn);
  if (menv) mdb_env_close(menv);
  /* A lock.mdb may mean a writer is at work: what looked missing or
   * damaged may be a page it recycled under this unregistered reader. */
  if (bInUse && ++nTry < 3 && (mrc == MDB_NOTFOUND || mrc == MDB_CORRUPTED
                               || mrc == MDB_PAGE_NOTFOUND || mrc == MDB_INCOMPATIBLE)) {
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
    goto retry;
  }
  if ((mrc == MDB_NOTFOUND || mrc == MDB_INCOMPATIBLE) && bCreate) {
    rc = SQLITE_OK;              /* xCreate may add lmdbvt's catalog */
  } else if (mrc == MDB_NOTFOUND || mrc == MDB_INCOMPATIBLE) {
    *pzErr = sqlite3_mprintf("lmdb: table %s: %s is not an lmdbvt environment (its LMDB "
                             "database has no lmdbvt catalog)", zTable, zPath);
    rc = SQLITE_CANTOPEN;
  } else if (mrc == MDB_INVALID || mrc == MDB_CORRUPTED || mrc == MDB_PAGE_NOTFOUND) {
    *pzErr = sqlite3_mprintf("lmdb: table %s: environment %s is damaged: %s", zTable, zPath,
                             mdb_strerror(mrc));
    rc = SQLITE_CORRUPT;
  } else if (mrc == ENOMEM) {
    rc = SQLITE_NOMEM;
  } else if (mrc != 0) {
    *pzErr = sqlite3_mprintf("lmdb: table %s: cannot open environment %s: %s", zTable, zPath,
                             mdb_strerror(mrc));
    rc = SQLITE_CANTOPEN;
  }
  return rc;
}

/* Free an LvtConn that no table uses: abort what is left of its
 * transactions, close the environment, remove a private directory. */
static void lvtConnFree(LvtConn *p)
{
  LvtConn **pp;
  int i;
  for (pp = &p->pAux->pConnList; *pp; pp = &(*pp)->pNext)
    if (*pp == p) { *pp = p->pNext; break; }
  for (i = p->nSave - 1; i >= 0; i--) lvt_txn_abort(p->aSave[i].pTxn);
  lvt_txn_abort(p->pWrite);
  if (p->pSnap && p->pSnap->nRef == 0) { lvt_txn_abort(p->pSnap->pTxn); sqlite3_free(p->pSnap); }
  sqlite3_free(p->pSpareSnap);
  lvt_env_close(p->pEnv);
  if (p->zPrivDir) lvtRemoveDir(p->zPrivDir);
  for (i = 0; i < p->nLive; i++) sqlite3_free(p->azLive[i]);
  sqlite3_free(p->azLive);
  sqlite3_free(p->zPrivDir);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->aSave);
  sqlite3_free(p);
}

/* Make the directory of a private temporary environment under $TMPDIR
 * (or /tmp); *pzDir is the caller's. */
static int lvtPrivateDir(char **pzDir, char **pzErr)
{
  const char *zTmp = getenv("TMPDIR");
  char *z = sqlite3_mprintf("%s/lmdbvt-mem-XXXXXX", zTmp && zTmp[0] ? zTmp : "/tmp");
  if (z == NULL) return SQLITE_NOMEM;
  if (mkdtemp(z) == NULL) {
    *pzErr = sqlite3_mprintf("lmdb: cannot create a temporary environment %s: %s", z, strerror(errno));
    sqlite3_free(z);
    return SQLITE_CANTOPEN;
  }
  *pzDir = z;
  return SQLITE_OK;
}

/* Open (or find) the connection state of the environment at zPath, or of
 * the private environment of schema zDb when zPath is NULL.  bCreate allows
 * creating the directory (xCreate); xConnect never creates anything. */
/* Has this connection the environment in directory zPath open already
 * (by any spelling)?  Then it passed lvtEnvCheck or was created by this
 * connection, maybe in its still uncommitted write transaction, which a
 * check from outside could not see (a RENAME after CREATE in one BEGIN
 * reconnects the table). */
static int lvtConnHasEnv(LvtAux *pAux, const char *zPath)
{
  struct stat a, b;
  LvtConn *p;
  if (stat(zPath, &a) != 0) return 0;
  for (p = pAux->pConnList; p; p = p->pNext)
    if (p->zPrivDir == NULL && stat(lvt_env_path(p->pEnv), &b) == 0
        && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
      return 1;
  return 0;
}

static int lvtConnOpen(LvtAux *pAux, const char *zDb, const char *zPath,
                       const lvt_args *pArgs, int bCreate, LvtConn **ppConn,
                       char **pzErr)
{
  lvt_env_opts opts;
  lvt_env *pEnv = NULL;
  LvtConn *p;
  char *zPriv = NULL;
  int rc;

  *ppConn = NULL;
  for (p = pAux->pConnList; zPath == NULL && p; p = p->pNext)
    if (p->zPrivDir && sqlite3_stricmp(p->zSchema, zDb) == 0) { p->nRef++; *ppConn = p; return SQLITE_OK; }
  if (zPath == NULL) {
    if (!bCreate) {
      *pzErr = sqlite3_mprintf("lmdb: the temporary environment of database \"%s\" is gone", zDb);
      return SQLITE_ERROR;
    }
    if ((rc = lvtPrivateDir(&zPriv, pzErr)) != SQLITE_OK) return rc;
  }
  memset(&opts, 0, sizeof opts);
  opts.mapsize = pArgs->mapsize;
  opts.sync = pArgs->sync;
  opts.flags = bCreate ? LVT_ENV_CREATE : 0;
  rc = lvt_env_open(zPath ? zPath : zPriv, &opts, &pEnv);
  if (rc != LVT_OK) {
    if (rc == LVT_NOTFOUND && !bCreate)
      *pzErr = sqlite3_mprintf("lmdb: environment %s does not exist", zPath);
    else
      *pzErr = sqlite3_mprintf("lmdb: cannot open environment %s: %s", zPath ? zPath : zPriv,
                               lvt_errmsg()[0] ? lvt_errmsg() : lvt_strerror(rc));
    if (zPriv) { lvtRemoveDir(zPriv); sqlite3_free(zPriv); }
    return rc == LVT_NOMEM ? SQLITE_NOMEM : rc == LVT_NOTFOUND ? SQLITE_ERROR : SQLITE_CANTOPEN;
  }
  for (p = pAux->pConnList; p; p = p->pNext) {
    if (p->pEnv == pEnv) { lvt_env_close(pEnv); p->nRef++; *ppConn = p; return SQLITE_OK; }
  }
  p = sqlite3_malloc(sizeof *p);
  if (p) {
    memset(p, 0, sizeof *p);
    if (zPriv && (p->zSchema = sqlite3_mprintf("%s", zDb)) == NULL) { sqlite3_free(p); p = NULL; }
  }
  if (p == NULL) {
    lvt_env_close(pEnv);
    if (zPriv) { lvtRemoveDir(zPriv); sqlite3_free(zPriv); }
    return SQLITE_NOMEM;
  }
  p->pAux = pAux;
  p->pEnv = pEnv;
  p->zPrivDir = zPriv;
  p->nRef = 1;
  p->pNext = pAux->pConnList;
  pAux->pConnList = p;
  *ppConn = p;
  return SQLITE_OK;
}

/* Note that table zName of a private environment exists (bLive) or was
 * dropped.  SQLite disconnects and reconnects tables when it reloads a
 * schema, so a private environment must outlive its open tables: it goes
 * when its last table is dropped, or when the connection closes. */
static int lvtConnLive(LvtConn *p, const char *zName, int bLive)
{
  int i;
  if (p->zPrivDir == NULL) return SQLITE_OK;
  for (i = 0; i < p->nLive && sqlite3_stricmp(p->azLive[i], zName); i++) {}
  if (!bLive && i < p->nLive) {
    sqlite3_free(p->azLive[i]);
    p->azLive[i] = p->azLive[--p->nLive];
  } else if (bLive && i == p->nLive) {
    char **az = sqlite3_realloc64(p->azLive, (sqlite3_uint64)(p->nLive + 1) * sizeof(char *));
    if (az == NULL) return SQLITE_NOMEM;
    p->azLive = az;
    if ((az[p->nLive] = sqlite3_mprintf("%s", zName)) == NULL) return SQLITE_NOMEM;
    p->nLive++;
  }
  return SQLITE_OK;
}

/* A table stops using p.  The state goes with the last table, except for a
 * private environment that still has tables (see lvtConnLive). */
static void lvtConnRelease(LvtConn *p)
{
  if (p == NULL || --p->nRef > 0) return;
  if (p->zPrivDir && p->nLive > 0) return;
  lvtConnFree(p);
}

/* The connection's busy timeout in milliseconds (PRAGMA busy_timeout; 0
 * when it cannot be read) into *pMs.  SQLite has no C API to read it.
 * SQLITE_NOMEM when out of memory: SQLite then fails the running statement
 * whatever the module does, so the caller must not go on (and, say, commit
 * LMDB); else SQLITE_OK. */
static int lvtBusyTimeout(sqlite3 *db, int *pMs)
{
  sqlite3_stmt *pStmt = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA busy_timeout", -1, &pStmt, NULL);
  *pMs = 0;
  if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW)
    *pMs = sqlite3_column_int(pStmt, 0);
  if (rc == SQLITE_OK) rc = sqlite3_finalize(pStmt);
  else sqlite3_finalize(pStmt);
  return (rc & 0xff) == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
}

/* ------------------------------------------------------- transactions -- */

static void lvtCursorDetach(LvtCursor *pCsr);

/* Detach every cursor that reads through the write transaction, before the
 * innermost write transaction changes (see the top of the file). */
static void lvtConnDetachAll(LvtConn *p)
{
  LvtCursor *pCsr;
  for (pCsr = p->pCsrList; pCsr; pCsr = pCsr->pNextCsr)
    if (pCsr->pSnap == NULL && pCsr->pTxn != NULL) lvtCursorDetach(pCsr);
  p->iEpoch++;
}

/* The transaction reads and writes go through: the innermost nested
 * transaction that exists, else the top-level one (NULL: none). */
static lvt_txn *lvtConnInner(LvtConn *p)
{
  int i;
  for (i = p->nSave - 1; i >= 0; i--)
    if (p->aSave[i].pTxn) return p->aSave[i].pTxn;
  return p->pWrite;
}

/* Begin the top-level write transaction if there is none, waiting up to
 * the connection's busy timeout for another writer.  LVT_* code. */
static int lvtConnBegin(LvtConn *p, sqlite3 *db)
{
  int ms;
  if (p->pWrite) return LVT_OK;
  if (lvtBusyTimeout(db, &ms) != SQLITE_OK) return LVT_NOMEM;
  return lvt_txn_begin(p->pEnv, NULL, 0, ms, &p->pWrite);
}

/* The transaction to write in: begins the write transaction if needed and
 * turns the innermost announced savepoint into a nested transaction if
 * nothing was written since it was announced.  LVT_* code. */
static int lvtConnWriteTxn(LvtConn *p, sqlite3 *db, lvt_txn **ppTxn)
{
  int rc = lvtConnBegin(p, db);
  if (rc == LVT_OK && p->nSave > 0 && p->aSave[p->nSave - 1].pTxn == NULL)
    rc = lvt_txn_begin(p->pEnv, lvtConnInner(p), 0, 0, &p->aSave[p->nSave - 1].pTxn);
  *ppTxn = rc == LVT_OK ? lvtConnInner(p) : NULL;
  if (rc == LVT_OK) p->iWriteSeq++;
  return rc;
}

/* xSavepoint(N): record savepoint N (its nested transaction comes with the
 * first write after it).  A level already recorded is not recorded twice:
 * every table of the environment announces it. */
static int lvtConnSavepoint(LvtConn *p, int iLevel)
{
  if (p->nSave > 0 && p->aSave[p->nSave - 1].iLevel >= iLevel) return SQLITE_OK;
  if (p->nSave == p->nSaveAlloc) {
    int n = p->nSaveAlloc ? p->nSaveAlloc * 2 : 8;
    LvtSave *a = sqlite3_realloc(p->aSave, n * (int)sizeof *a);
    if (a == NULL) return SQLITE_NOMEM;
    p->aSave = a;
    p->nSaveAlloc = n;
  }
  p->aSave[p->nSave].iLevel = iLevel;
  p->aSave[p->nSave].pTxn = NULL;
  p->nSave++;
  return SQLITE_OK;
}

/* xRelease(N): savepoints N and above merge into their parents.  A
 * savepoint below that has no transaction yet (nothing was written between
 * it and the released one) takes the released transaction over instead:
 * what it holds was all written after that savepoint.  LVT_* code of the
 * first failing commit (its changes are lost). */
static int lvtConnReleaseTo(LvtConn *p, int iLevel)
{
  int rc = LVT_OK;
  if (p->nSave == 0 || p->aSave[p->nSave - 1].iLevel < iLevel) return LVT_OK;
  p->iWriteSeq++;
  while (p->nSave > 0 && p->aSave[p->nSave - 1].iLevel >= iLevel) {
    lvt_txn *pTxn = p->aSave[--p->nSave].pTxn;
    if (pTxn == NULL) continue;
    if (p->nSave > 0 && p->aSave[p->nSave - 1].pTxn == NULL) {
      p->aSave[p->nSave - 1].pTxn = pTxn;
    } else {
      int rc2 = lvt_txn_commit(pTxn);
      if (rc == LVT_OK) rc = rc2;
    }
  }
  return rc;
}

/* Abort the whole write transaction and forget every savepoint. */
static void lvtConnAbort(LvtConn *p)
{
  lvtConnDetachAll(p);
  while (p->nSave > 0) lvt_txn_abort(p->aSave[--p->nSave].pTxn);
  lvt_txn_abort(p->pWrite);
  p->pWrite = NULL;
  p->iWriteSeq++;
}

/* xRollbackTo(N): undo what was written since savepoint N, which stays.
 * If N was never announced to this environment, everything it wrote came
 * after N: the whole LMDB transaction goes (a later write begins anew). */
static void lvtConnRollbackTo(LvtConn *p, int iLevel)
{
  if (p->pWrite == NULL) { while (p->nSave > 0 && p->aSave[p->nSave - 1].iLevel > iLevel) p->nSave--; return; }
  while (p->nSave > 0 && p->aSave[p->nSave - 1].iLevel > iLevel)
    lvt_txn_abort(p->aSave[--p->nSave].pTxn);
  if (p->nSave > 0 && p->aSave[p->nSave - 1].iLevel == iLevel) {
    lvt_txn_abort(p->aSave[p->nSave - 1].pTxn);
    p->aSave[p->nSave - 1].pTxn = NULL;
  } else if (p->nSave == 0) {
    lvtConnDetachAll(p);
    lvt_txn_abort(p->pWrite);
    p->pWrite = NULL;
  }
  p->iWriteSeq++;
}

/* SQLite's commit must not fail with SQLITE_BUSY after the LMDB commit:
 * the LMDB change would be durable while SQLite rolls back its half (a
 * mixed transaction's native rows, the schema row of a CREATE or DROP),
 * and a COMMIT reported busy would have committed.  In rollback-journal
 * mode SQLite's commit takes an EXCLUSIVE lock on the database file, which
 * any reader's SHARED lock blocks.  So before the LMDB commit (xSync), and
 * before DDL touches LMDB (xCreate, xDestroy, xRename commit at once or
 * with the transaction), lmdbvt takes that EXCLUSIVE lock itself on the
 * database file of schema zDb, waiting up to the busy timeout as SQLite's
 * pager does.  The pager finds it held when it commits and releases it when
 * the transaction ends, by commit or rollback.  Not in WAL mode: there the
 * write lock SQLite already holds lets the commit through, and the file
 * lock must stay SHARED.  SQLITE_OK, or SQLITE_BUSY with nothing changed.
 */
static int lvtSqliteSchemaLock(sqlite3 *db, const char *zDb)
{
  sqlite3_file *pFile = NULL;
  sqlite3_stmt *pStmt = NULL;
  char *zSql;
  int rc, bWal = 0, ms, waited = 0;
  if (sqlite3_file_control(db, zDb, SQLITE_FCNTL_FILE_POINTER, &pFile) != SQLITE_OK
      || pFile == NULL || pFile->pMethods == NULL)
    return SQLITE_OK;                   /* no file: :memory:, temp not spilled */
  zSql = sqlite3_mprintf("PRAGMA \"%w\".journal_mode", zDb);
  if (zSql == NULL) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(pStmt, 0);
    bWal = z && sqlite3_stricmp(z, "wal") == 0;
  }
  if (rc == SQLITE_OK) rc = sqlite3_finalize(pStmt);
  else sqlite3_finalize(pStmt);
  if ((rc & 0xff) == SQLITE_NOMEM) return SQLITE_NOMEM;  /* see lvtBusyTimeout */
  if (bWal) return SQLITE_OK;
  if (lvtBusyTimeout(db, &ms) != SQLITE_OK) return SQLITE_NOMEM;
  for (;;) {
    rc = pFile->pMethods->xLock(pFile, SQLITE_LOCK_EXCLUSIVE);
    if (rc != SQLITE_BUSY || waited >= ms) break;
    sqlite3_sleep(waited < 10 ? 1 : 10);
    waited += waited < 10 ? 1 : 10;
  }
  return rc;
}

/* lvtSqliteSchemaLock for every schema in which this connection has a
 * write transaction (xSync). */
static int lvtSqliteCommitLock(sqlite3 *db)
{
  sqlite3_stmt *pStmt = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA database_list", -1, &pStmt, NULL);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zName = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 1));
    if (zName == NULL) rc = SQLITE_NOMEM;
    else if (sqlite3_txn_state(db, zName) == SQLITE_TXN_WRITE) rc = lvtSqliteSchemaLock(db, zName);
    sqlite3_free(zName);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Commit everything (xSync).  LVT_* code; on failure all is aborted. */
static int lvtConnCommit(LvtConn *p)
{
  int rc = LVT_OK;
  if (p->pWrite == NULL) { p->nSave = 0; return LVT_OK; }
  lvtConnDetachAll(p);
  while (p->nSave > 0 && rc == LVT_OK) {
    lvt_txn *pTxn = p->aSave[--p->nSave].pTxn;
    if (pTxn) rc = lvt_txn_commit(pTxn);
  }
  if (rc == LVT_OK) {
    rc = lvt_txn_commit(p->pWrite);
    p->pWrite = NULL;
  } else {
    lvtConnAbort(p);
  }
  p->iCommitSeq++;
  p->iWriteSeq++;
  return rc;
}

/* A read snapshot for a new cursor: the newest one if this connection has
 * not committed since it began, else a fresh read-only transaction. */
static int lvtConnSnapshot(LvtConn *p, LvtSnap **ppSnap)
{
  LvtSnap *pSnap = p->pSnap;
  int rc;
  if (pSnap && pSnap->iCommitSeq == p->iCommitSeq) { pSnap->nRef++; *ppSnap = pSnap; return LVT_OK; }
  if (p->pSpareSnap) { pSnap = p->pSpareSnap; p->pSpareSnap = NULL; }
  else if ((pSnap = sqlite3_malloc(sizeof *pSnap)) == NULL) return LVT_NOMEM;
  memset(pSnap, 0, sizeof *pSnap);
  rc = lvt_txn_begin(p->pEnv, NULL, LVT_TXN_RDONLY, 0, &pSnap->pTxn);
  if (rc != LVT_OK) { sqlite3_free(pSnap); return rc; }
  pSnap->nRef = 1;
  pSnap->iCommitSeq = p->iCommitSeq;
  p->pSnap = pSnap;
  *ppSnap = pSnap;
  return LVT_OK;
}

/* A cursor is done with its snapshot. */
static void lvtSnapRelease(LvtConn *p, LvtSnap *pSnap)
{
  if (pSnap == NULL || --pSnap->nRef > 0) return;
  lvt_txn_abort(pSnap->pTxn);
  if (p->pSnap == pSnap) p->pSnap = NULL;
  if (p->pSpareSnap == NULL) p->pSpareSnap = pSnap;
  else sqlite3_free(pSnap);
}

/* Would a schema change (DROP, RENAME) through lvtConnSchemaTxn commit at
 * once although SQLite has an explicit transaction open?  That happens when
 * no table of the environment has joined SQLite's transaction: no xSync or
 * xRollback would reach the change, so a ROLLBACK could not undo it (a
 * dropped table's rows would be gone while SQLite restores its
 * declaration).  Such changes are refused. */
static int lvtSchemaChangeUnsafe(LvtConn *p, sqlite3 *db)
{
  return p->nPart == 0 && !sqlite3_get_autocommit(db);
}

#define LVT_DDL_IN_TXN_MSG "lmdb: %s of lmdb table %s cannot be part of the open " \
  "transaction (no table of its environment has joined it, so it could not " \
  "be rolled back); run it outside BEGIN ... COMMIT, or write to a table of " \
  "the same environment first"

/* Run fn(pTxn) in a transaction of its own for a schema change made
 * outside SQLite's write protocol (xDestroy, xRename): nested in the
 * current write transaction when tables of this environment take part in
 * the SQLite transaction (it commits with them), else committed at once. */
static int lvtConnSchemaTxn(LvtConn *p, sqlite3 *db, int (*fn)(lvt_txn *, void *), void *pCtx)
{
  lvt_txn *pTxn = NULL;
  int rc;
  if (p->nPart > 0) {
    lvt_txn *pNest = NULL;
    rc = lvtConnWriteTxn(p, db, &pTxn);
    if (rc != LVT_OK) return rc;
    rc = lvt_txn_begin(p->pEnv, pTxn, 0, 0, &pNest);
    if (rc != LVT_OK) return rc;
    rc = fn(pNest, pCtx);
    if (rc == LVT_OK) rc = lvt_txn_commit(pNest);
    else lvt_txn_abort(pNest);
    return rc;
  }
  if (p->pWrite) lvtConnAbort(p);
  rc = lvtConnBegin(p, db);
  if (rc != LVT_OK) return rc;
  rc = fn(p->pWrite, pCtx);
  if (rc == LVT_OK) rc = lvtConnCommit(p);
  else lvtConnAbort(p);
  return rc;
}

/* ------------------------------------------------------------ tables -- */

/* A transaction to read the catalog or statistics through: the write
 * transaction when there is one, else a short read-only one (*pbTemp set:
 * the caller aborts it). */
static int lvtReadTxn(LvtConn *p, lvt_txn **ppTxn, int *pbTemp)
{
  *pbTemp = 0;
  *ppTxn = lvtConnInner(p);
  if (*ppTxn) return LVT_OK;
  *pbTemp = 1;
  return lvt_txn_begin(p->pEnv, NULL, LVT_TXN_RDONLY, 0, ppTxn);
}

/* The name of collation LVT_COLL_*, as SQLite spells it. */
static const char *lvtCollName(int iColl)
{
  return iColl == LVT_COLL_NOCASE ? "NOCASE" : iColl == LVT_COLL_RTRIM ? "RTRIM" : "BINARY";
}

/* Compare the table found in the catalog with the CREATE VIRTUAL TABLE
 * arguments: columns (name, declared type, NOT NULL, collation), the rowid
 * column and strictness.  Indexes may differ (lmdb_create_index and
 * lmdb_drop_index change them); the catalog's are used. */
static int lvtCheckSchema(const lvt_table_def *pCat, const lvt_table_def *pArg,
                          const char *zSqlName, const char *zEnv, char **pzErr)
{
  int i;
  if (pCat->ncol != pArg->ncol) {
    *pzErr = sqlite3_mprintf("lmdb: table %s does not match environment %s: "
                             "%d columns there, %d declared", zSqlName, zEnv, pCat->ncol, pArg->ncol);
    return SQLITE_ERROR;
  }
  for (i = 0; i < pCat->ncol; i++) {
    const lvt_column_def *a = &pCat->cols[i], *b = &pArg->cols[i];
    const char *zTa = a->decltype ? a->decltype : "", *zTb = b->decltype ? b->decltype : "";
    if (sqlite3_stricmp(a->name, b->name) || sqlite3_stricmp(zTa, zTb)
        || a->notnull != b->notnull || a->collation != b->collation) {
      *pzErr = sqlite3_mprintf("lmdb: table %s does not match environment %s: column %d is "
                               "\"%s %s%s COLLATE %s\" there, \"%s %s%s COLLATE %s\" declared",
                               zSqlName, zEnv, i + 1, a->name, zTa, a->notnull ? " NOT NULL" : "",
                               lvtCollName(a->collation), b->name, zTb, b->notnull ? " NOT NULL" : "",
                               lvtCollName(b->collation));
      return SQLITE_ERROR;
    }
  }
  if (pCat->ipk != pArg->ipk || (pCat->strict != 0) != (pArg->strict != 0)) {
    *pzErr = sqlite3_mprintf("lmdb: table %s does not match environment %s: %s differs",
                             zSqlName, zEnv, pCat->ipk != pArg->ipk ? "the INTEGER PRIMARY KEY" : "strict");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* xCreate's work: the table and its indexes, in a transaction nested in
 * the environment's write transaction, which commits in xSync as any
 * write (so a CREATE inside BEGIN ... ROLLBACK leaves nothing). */
static int lvtCreateTable(LvtVtab *pTab, const lvt_args *pArgs, char **pzErr)
{
  LvtConn *p = pTab->pConn;
  lvt_txn *pTxn = NULL, *pNest = NULL;
  int bBegan = p->pWrite == NULL;
  int rc = lvtSqliteSchemaLock(pTab->db, pTab->zDb);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("lmdb: cannot create table %s: %s", pArgs->def.name,
                             sqlite3_errstr(rc));
    return rc;
  }
  rc = lvtConnWriteTxn(p, pTab->db, &pTxn);
  if (rc == LVT_OK) rc = lvt_txn_begin(p->pEnv, pTxn, 0, 0, &pNest);
  if (rc == LVT_OK) {
    rc = lvt_table_create(pNest, &pArgs->def);
    if (rc == LVT_OK) rc = lvt_table_open(pNest, pArgs->def.name, &pTab->pTbl);
    if (rc == LVT_OK) rc = lvt_txn_commit(pNest);
    else lvt_txn_abort(pNest);
  }
  if (rc != LVT_OK) {
    char *zMsg = lvtMessage(rc, NULL, NULL);
    *pzErr = sqlite3_mprintf("lmdb: cannot create table %s in environment %s: %s",
                             pArgs->def.name, lvt_env_path(p->pEnv), zMsg ? zMsg : "");
    sqlite3_free(zMsg);
    lvt_table_close(pTab->pTbl);
    pTab->pTbl = NULL;
    if (bBegan && p->nPart == 0) lvtConnAbort(p);
    return rc == LVT_BUSY ? SQLITE_BUSY : rc == LVT_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  pTab->bInTrans = 1;
  p->nPart++;
  return SQLITE_OK;
}

/* xConnect's work: open the table from the catalog and check it against
 * the arguments.  Nothing is created. */
static int lvtOpenTable(LvtVtab *pTab, const lvt_args *pArgs, char **pzErr)
{
  LvtConn *p = pTab->pConn;
  lvt_txn *pTxn = NULL;
  int bTemp = 0, rc;
  rc = lvtReadTxn(p, &pTxn, &bTemp);
  if (rc == LVT_OK) rc = lvt_table_open(pTxn, pArgs->def.name, &pTab->pTbl);
  if (bTemp && pTxn) lvt_txn_abort(pTxn);
  if (rc == LVT_NOTABLE) {
    *pzErr = sqlite3_mprintf("lmdb: no table %s in environment %s", pArgs->def.name,
                             lvt_env_path(p->pEnv));
    return SQLITE_ERROR;
  }
  if (rc != LVT_OK) {
    char *zMsg = lvtMessage(rc, NULL, NULL);
    *pzErr = sqlite3_mprintf("lmdb: cannot open table %s in environment %s: %s",
                             pArgs->def.name, lvt_env_path(p->pEnv), zMsg ? zMsg : "");
    sqlite3_free(zMsg);
    return lvtSqliteCode(rc, "");
  }
  return lvtCheckSchema(lvt_table_schema(pTab->pTbl), &pArgs->def, pTab->zSqlName,
                        lvt_env_path(p->pEnv), pzErr);
}

/* Does the environment have pTab's table (LMDB name)?  SQLite code. */
static int lvtTableExists(LvtVtab *pTab, int *pbExists, char **pzErr)
{
  LvtConn *p = pTab->pConn;
  lvt_txn *pTxn = NULL;
  lvt_table *pTbl = NULL;
  int bTemp = 0, rc = lvtReadTxn(p, &pTxn, &bTemp);
  if (rc == LVT_OK) rc = lvt_table_open(pTxn, pTab->zLvtName, &pTbl);
  if (bTemp && pTxn) lvt_txn_abort(pTxn);
  lvt_table_close(pTbl);
  *pbExists = rc == LVT_OK;
  if (rc == LVT_OK || rc == LVT_NOTABLE) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("lmdb: cannot open table %s in environment %s: %s", pTab->zLvtName,
                           lvt_env_path(p->pEnv), lvt_errmsg());
  return lvtSqliteCode(rc, "");
}

/* The list of table objects that the SQL functions search, and keeping a
 * handle current (at the end of the file: the SQL functions' access). */
static int lvtRegistryAdd(LvtVtab *pTab, const char *zDb);
static void lvtRegistryRemove(LvtVtab *pTab);
static void lvtVtabRefresh(LvtVtab *pTab, lvt_txn *pTxn);

/* Free a table object (its handle, names, reference on the LvtConn). */
static void lvtCursorFree(LvtCursor *pCsr);

static void lvtVtabFree(LvtVtab *pTab, int bDropped)
{
  if (pTab == NULL) return;
  lvtRegistryRemove(pTab);
  lvtCursorFree(pTab->pSpare);
  lvt_table_close(pTab->pTbl);
  if (pTab->bInTrans) pTab->pConn->nPart--;
  if (bDropped && pTab->pConn) lvtConnLive(pTab->pConn, pTab->zLvtName, 0);
  lvtConnRelease(pTab->pConn);
  sqlite3_free(pTab->zSqlName);
  sqlite3_free(pTab->zLvtName);
  sqlite3_free(pTab->zDb);
  sqlite3_free(pTab->base.zErrMsg);
  sqlite3_free(pTab);
}

/* sqlite3_declare_vtab refused the declaration (db's message says why):
 * name the column, found by declaring each column alone in a scratch
 * in-memory database, e.g. a type word SQLite does not accept (`a SELECT`). */
static void lvtDeclareError(sqlite3 *db, const lvt_table_def *def, const char *zSqlName,
                            char **pzErr)
{
  char *zWhole = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  sqlite3 *probe = NULL;
  int i;
  if (sqlite3_open_v2(":memory:", &probe, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
    for (i = 0; i < def->ncol && *pzErr == NULL; i++) {
      lvt_table_def one = *def;
      sqlite3_stmt *pStmt = NULL;
      char *zOne;
      one.ncol = 1;
      one.cols = &def->cols[i];
      if ((zOne = lvt_args_declare(&one)) == NULL) break;
      if (sqlite3_prepare_v2(probe, zOne, -1, &pStmt, NULL) != SQLITE_OK)
        *pzErr = sqlite3_mprintf("lmdb: column %s of table %s: SQLite does not accept the "
                                 "declared type \"%s\": %s", def->cols[i].name, zSqlName,
                                 def->cols[i].decltype ? def->cols[i].decltype : "",
                                 sqlite3_errmsg(probe));
      sqlite3_finalize(pStmt);
      sqlite3_free(zOne);
    }
  }
  sqlite3_close(probe);
  if (*pzErr == NULL)
    *pzErr = sqlite3_mprintf("lmdb: cannot declare table %s to SQLite: %s", zSqlName,
                             zWhole ? zWhole : "out of memory");
  sqlite3_free(zWhole);
}

/* xCreate and xConnect: parse and check the arguments and declare the
 * schema before the environment is touched, then create (bCreate) or open
 * the table. */
static int lvtInit(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                   sqlite3_vtab **ppVtab, char **pzErr, int bCreate)
{
  lvt_args *pArgs = NULL;
  LvtVtab *pTab = NULL;
  char *zPath = NULL, *zDecl = NULL;
  int rc;

  *ppVtab = NULL;
  rc = lvt_args_parse(argc - 3, argv + 3, argv[2], &pArgs, pzErr);
  if (rc != SQLITE_OK) goto init_done;
  zDecl = lvt_args_declare(&pArgs->def);
  rc = zDecl ? sqlite3_declare_vtab(db, zDecl) : SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    if (rc != SQLITE_NOMEM) lvtDeclareError(db, &pArgs->def, argv[2], pzErr);
    goto init_done;
  }
  rc = lvtEnvPath(db, argv[1], pArgs->zEnv, &zPath);
  if (rc == SQLITE_OK && zPath && !lvtConnHasEnv((LvtAux *)pAux, zPath))
    rc = lvtEnvCheck(zPath, argv[2], bCreate, pzErr);
  if (rc != SQLITE_OK) goto init_done;
  pTab = sqlite3_malloc(sizeof *pTab);
  if (pTab == NULL) { rc = SQLITE_NOMEM; goto init_done; }
  memset(pTab, 0, sizeof *pTab);
  pTab->db = db;
  pTab->zSqlName = sqlite3_mprintf("%s", argv[2]);
  pTab->zLvtName = sqlite3_mprintf("%s", pArgs->def.name);
  pTab->zDb = sqlite3_mprintf("%s", argv[1]);
  pTab->bOwnName = pArgs->zTable == NULL;
  if (pTab->zSqlName == NULL || pTab->zLvtName == NULL || pTab->zDb == NULL) {
    rc = SQLITE_NOMEM;
    goto init_done;
  }
  rc = lvtConnOpen((LvtAux *)pAux, argv[1], zPath, pArgs, bCreate, &pTab->pConn, pzErr);
  if (rc != SQLITE_OK) goto init_done;
  if (bCreate && pArgs->zTable) {
    /* table= names a table that may exist already (declared by another
     * database on this environment): attach to it as xConnect does, the
     * declaration checked against the catalog; else create it. */
    int bExists = 0;
    rc = lvtTableExists(pTab, &bExists, pzErr);
    if (rc == SQLITE_OK) bCreate = !bExists;
  }
  if (rc == SQLITE_OK)
    rc = bCreate ? lvtCreateTable(pTab, pArgs, pzErr) : lvtOpenTable(pTab, pArgs, pzErr);
  if (rc == SQLITE_OK) rc = lvtConnLive(pTab->pConn, pTab->zLvtName, 1);
  if (rc == SQLITE_OK) rc = lvtRegistryAdd(pTab, argv[1]);
  if (rc != SQLITE_OK) goto init_done;
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  *ppVtab = &pTab->base;
  pTab = NULL;

init_done:
  lvtVtabFree(pTab, 0);
  lvt_args_free(pArgs);
  sqlite3_free(zDecl);
  sqlite3_free(zPath);
  return rc;
}

/* xCreate: CREATE VIRTUAL TABLE ... USING lmdb(...). */
static int lvtCreate(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                     sqlite3_vtab **ppVtab, char **pzErr)
{
  return lvtInit(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

/* xConnect: an existing table, from the catalog; never creates files. */
static int lvtConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr)
{
  return lvtInit(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

/* xDisconnect: the table object goes; the data stays. */
static int lvtDisconnect(sqlite3_vtab *pVtab)
{
  lvtVtabFree((LvtVtab *)pVtab, 0);
  return SQLITE_OK;
}

/* lvtConnSchemaTxn callbacks. */
static int lvtDropFn(lvt_txn *pTxn, void *pCtx)
{
  return lvt_table_drop(pTxn, (const char *)pCtx);
}
/* The rename, and the handle under the new name opened in the same
 * transaction: once it commits nothing may fail (SQLite would keep the old
 * name, and the table object would have no handle). */
typedef struct LvtRenameCtx {
  const char *zFrom, *zTo;
  lvt_table *pNew;
} LvtRenameCtx;
static int lvtKeepFn(lvt_txn *pTxn, void *pCtx)
{
  (void)pTxn; (void)pCtx;
  return LVT_OK;
}
static int lvtRenameFn(lvt_txn *pTxn, void *pCtx)
{
  LvtRenameCtx *r = (LvtRenameCtx *)pCtx;
  int rc = lvt_table_rename(pTxn, r->zFrom, r->zTo);
  if (rc == LVT_OK) rc = lvt_table_open(pTxn, r->zTo, &r->pNew);
  return rc;
}

/* xDestroy: DROP TABLE removes the table, its indexes and their data.  If
 * this table was the only one of its environment in the SQLite
 * transaction, SQLite will not call it again, so the drop (with what the
 * table wrote before it) commits now. */
static int lvtDestroy(sqlite3_vtab *pVtab)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  LvtConn *p = pTab->pConn;
  int rc;
  int bInTrans = pTab->bInTrans;
  if (bInTrans) { pTab->bInTrans = 0; p->nPart--; }
  if (lvtSchemaChangeUnsafe(p, pTab->db)) {
    if (bInTrans) { pTab->bInTrans = 1; p->nPart++; }
    /* SQLite drops an xDestroy error message and shows only the code's
     * text: SQLITE_LOCKED ("database table is locked"), the code SQLite
     * itself gives a DROP TABLE it cannot do now.  The reason goes to the
     * log (SQLITE_CONFIG_LOG). */
    sqlite3_log(SQLITE_LOCKED, LVT_DDL_IN_TXN_MSG, "DROP TABLE", pTab->zSqlName);
    return lvtVtabErrorMsg(pTab, SQLITE_LOCKED, LVT_DDL_IN_TXN_MSG, "DROP TABLE",
                           pTab->zSqlName);
  }
  rc = lvtSqliteSchemaLock(pTab->db, pTab->zDb);
  if (rc != SQLITE_OK) {
    if (bInTrans) { pTab->bInTrans = 1; p->nPart++; }
    return lvtVtabErrorMsg(pTab, rc, "%s", sqlite3_errstr(rc));
  }
  /* A table mapped with table= leaves the LMDB table to the databases
   * that may share it; the transaction still ends as for any DROP. */
  rc = lvtConnSchemaTxn(p, pTab->db, pTab->bOwnName ? lvtDropFn : lvtKeepFn, pTab->zLvtName);
  if (rc != LVT_OK && rc != LVT_NOTABLE) {
    if (bInTrans) { pTab->bInTrans = 1; p->nPart++; }
    return lvtVtabError(pTab, rc);
  }
  lvtVtabFree(pTab, pTab->bOwnName);
  return SQLITE_OK;
}

/* xRename: ALTER TABLE ... RENAME TO.  The table inside the environment is
 * renamed too unless the table option gave it a name of its own. */
static int lvtRename(sqlite3_vtab *pVtab, const char *zNew)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  char *zSql = sqlite3_mprintf("%s", zNew), *zLvt = NULL;
  LvtRenameCtx r;
  int rc = LVT_OK;
  if (zSql == NULL) return SQLITE_NOMEM;
  if (pTab->bOwnName && lvtSchemaChangeUnsafe(pTab->pConn, pTab->db)) {
    sqlite3_free(zSql);
    return lvtVtabErrorMsg(pTab, SQLITE_ERROR, LVT_DDL_IN_TXN_MSG, "ALTER TABLE RENAME",
                           pTab->zSqlName);
  }
  if (pTab->bOwnName) {
    rc = lvtSqliteSchemaLock(pTab->db, pTab->zDb);
    if (rc != SQLITE_OK) {
      sqlite3_free(zSql);
      return lvtVtabErrorMsg(pTab, rc, "%s", sqlite3_errstr(rc));
    }
    if ((zLvt = sqlite3_mprintf("%s", zNew)) == NULL) { sqlite3_free(zSql); return SQLITE_NOMEM; }
    r.zFrom = pTab->zLvtName; r.zTo = zNew; r.pNew = NULL;
    rc = lvtConnSchemaTxn(pTab->pConn, pTab->db, lvtRenameFn, &r);
    if (rc == LVT_OK) {
      lvt_table_close(pTab->pTbl);
      pTab->pTbl = r.pNew;
    } else {
      lvt_table_close(r.pNew);
    }
    if (rc != LVT_OK) { sqlite3_free(zSql); sqlite3_free(zLvt); return lvtVtabError(pTab, rc); }
    lvtConnLive(pTab->pConn, pTab->zLvtName, 0);
    lvtConnLive(pTab->pConn, zLvt, 1);
    sqlite3_free(pTab->zLvtName);
    pTab->zLvtName = zLvt;
  }
  sqlite3_free(pTab->zSqlName);
  pTab->zSqlName = zSql;
  return SQLITE_OK;
}

/* ------------------------------------------------------------ planning -- */
/*
 * Query plans: the idxNum/idxStr encoding.
 *
 * idxNum names the access path:
 *   1       the table in rowid order: a full scan, a rowid lookup, a rowid
 *           IN list or a rowid range
 *   k + 2   index k, its position in lvt_table_schema()->idx
 *   (0 is never produced: it is SQLite's default)
 *
 * idxStr says the rest in words, so that EXPLAIN QUERY PLAN reads
 *   SCAN users VIRTUAL TABLE INDEX 3:users_age (age=?)
 * and xFilter parses it back:
 *
 *   idxStr := path [" (" term {" AND " term} ")"] [" REVERSE"]
 *             [" LIMIT ?"] [" OFFSET ?"]
 *   path   := "rowid" | index name
 *   term   := column name, then one of
 *             "=?"  " IS ?"  " IN ?"  " IS NULL"  ">?"  ">=?"  "<?"  "<=?"
 *             then "*" if SQLite checks the term again (omit = 0)
 *
 * Terms come in key order: equality terms (=, IS, IN, IS NULL) on the
 * leading columns of the path, then at most one lower and one upper bound
 * on the next column.  On the rowid path the column is the INTEGER PRIMARY
 * KEY's name, or "rowid".  argv holds one value per term except IS NULL,
 * in that order, then the LIMIT and OFFSET values.  " IN ?" is a list
 * handed over whole (sqlite3_vtab_in): one xFilter call walks all its
 * values.  REVERSE walks the path backwards (ORDER BY ... DESC on an
 * ascending key, or ASC on a DESC one).  Names are matched as the exact
 * text of the schema, so they may contain anything; an index that went
 * away since the statement was prepared is reported as an error.
 *
 * What is consumed (omit = 1).  SQLite hands = and ranges to xFilter
 * without applying the column's affinity to the right-hand side (it does
 * for IN lists), and the module cannot see which affinity that side has.
 * For a column of INTEGER, REAL or NUMERIC affinity it does not matter:
 * SQLite gives the other side numeric affinity in every case, xFilter does
 * the same with SQLite's own conversions, and the key order is SQLite's
 * comparison order (NULL < numbers < TEXT < BLOB, with the column's
 * collation), so the scan returns exactly the rows that match: omit = 1.
 * For a TEXT or untyped column it matters when the right-hand side is a
 * number (a literal or parameter has no affinity: the number becomes text
 * for a TEXT column and stays a number for an untyped one; a column of
 * another table may have none: nothing converts; or a numeric one: the
 * column's numeric-looking text converts).  Unless the right-hand side is
 * a TEXT or BLOB literal, such a term and every term after it are "loose":
 * marked "*", left to SQLite (omit = 0), and xFilter scans ranges that
 * cover every reading (see ScanVals).  A constraint whose collation is
 * not the column's (x = 'a' COLLATE NOCASE on a BINARY column) is not
 * used.  LIMIT and OFFSET are taken only when every other constraint is
 * consumed and the ORDER BY, if any, is delivered by the scan (and SQLite
 * is recent enough to say so reliably: see planLimit).
 */

#define MAX_PLAN_COLS 32

enum { OP_NONE, OP_EQ, OP_IS, OP_IN, OP_ISNULL, OP_GT, OP_GE, OP_LT, OP_LE };

/* One candidate plan. */
typedef struct LvtPlan {
  int iPath;                         /* -1: rowid, else index position */
  int nEq;                           /* equality terms */
  int aEqCons[MAX_PLAN_COLS];        /* their constraints */
  unsigned char aEqOp[MAX_PLAN_COLS];
  int iLoCons, iHiCons;              /* bounds on the next column, or -1 */
  unsigned char aLoose[MAX_PLAN_COLS + 1]; /* see planTermLoose; [nEq]: bounds */
  int bReverse, bOrdered, bUnique, bIn;
  double rRows, rCost;
} LvtPlan;

/* Is constraint i on column iCol (-1: the rowid, which the INTEGER PRIMARY
 * KEY column also is)? */
static int consOnColumn(const sqlite3_index_info *pInfo, const lvt_table_def *d, int i, int iCol)
{
  int c = pInfo->aConstraint[i].iColumn;
  if (iCol < 0 || iCol == d->ipk) return c < 0 || (d->ipk >= 0 && c == d->ipk);
  return c == iCol;
}

/* Does constraint i compare with the collation of column iCol?  (Keys are
 * stored in the column's collation; the rowid is an integer.) */
static int consCollOk(sqlite3_index_info *pInfo, const lvt_table_def *d, int i, int iCol)
{
  const char *zColl;
  if (iCol < 0 || iCol == d->ipk) return 1;
  zColl = sqlite3_vtab_collation(pInfo, i);
  return sqlite3_stricmp(zColl ? zColl : "BINARY", lvtCollName(d->cols[iCol].collation)) == 0;
}

/* The best usable equality constraint on column iCol: = before IS before
 * IS NULL before an IN list (one IN list per plan).  Returns the constraint
 * and sets *pOp, or -1. */
static int findEq(sqlite3_index_info *pInfo, const lvt_table_def *d, int iCol, int bInOk, int *pOp)
{
  int i, iBest = -1, eBest = OP_NONE;
  static const int aRank[] = { 9, 0, 1, 3, 2 };   /* by OP_*: lower wins */
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int e = OP_NONE;
    if (!c->usable || !consOnColumn(pInfo, d, i, iCol) || !consCollOk(pInfo, d, i, iCol)) continue;
    if (c->op == SQLITE_INDEX_CONSTRAINT_EQ) e = sqlite3_vtab_in(pInfo, i, -1) ? OP_IN : OP_EQ;
    else if (c->op == SQLITE_INDEX_CONSTRAINT_IS) e = OP_IS;
    else if (c->op == SQLITE_INDEX_CONSTRAINT_ISNULL && iCol >= 0 && iCol != d->ipk) e = OP_ISNULL;
    if (e == OP_IN && !bInOk) e = OP_NONE;
    if (e != OP_NONE && aRank[e] < aRank[eBest]) { iBest = i; eBest = e; }
  }
  *pOp = eBest;
  return iBest;
}

/* The first usable lower (>, >=) and upper (<, <=) bounds on iCol. */
static void findRange(sqlite3_index_info *pInfo, const lvt_table_def *d, int iCol, int *piLo, int *piHi)
{
  int i;
  *piLo = *piHi = -1;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if (!c->usable || !consOnColumn(pInfo, d, i, iCol) || !consCollOk(pInfo, d, i, iCol)) continue;
    if ((c->op == SQLITE_INDEX_CONSTRAINT_GT || c->op == SQLITE_INDEX_CONSTRAINT_GE) && *piLo < 0) *piLo = i;
    if ((c->op == SQLITE_INDEX_CONSTRAINT_LT || c->op == SQLITE_INDEX_CONSTRAINT_LE) && *piHi < 0) *piHi = i;
  }
}

/* Column number of key column j of the plan's path (-1: rowid). */
static int planCol(const lvt_table_def *d, const LvtPlan *pPlan, int j)
{
  return pPlan->iPath < 0 ? -1 : d->idx[pPlan->iPath].cols[j];
}

/* Is key term j of the plan (j == nEq: its bounds) "loose": a comparison
 * of a TEXT or untyped column whose right-hand side may be a number, so
 * that what matches depends on that side's affinity (see ScanVals)?  A
 * literal TEXT or BLOB right-hand side is not.  Loose terms are left to
 * SQLite (omit = 0), and so is every term after one, because the scan may
 * then cover more than the key prefix. */
static int planTermLoose(const lvt_table_def *d, const LvtPlan *pPlan, int j, int eOp)
{
  (void)d; (void)eOp;
  return pPlan->aLoose[j];
}

/* Compute aLoose[j] for constraint iCons on key column j (see above). */
static int planLooseCons(sqlite3_index_info *pInfo, const lvt_table_def *d, const LvtPlan *pPlan,
                         int j, int iCons)
{
  sqlite3_value *pVal = NULL;
  int c = planCol(d, pPlan, j), t;
  if (iCons < 0 || c < 0 || c == d->ipk) return 0;
  if (d->cols[c].affinity != LVT_AFF_TEXT && d->cols[c].affinity != LVT_AFF_BLOB) return 0;
  if (pInfo->aConstraint[iCons].op == SQLITE_INDEX_CONSTRAINT_ISNULL) return 0;
  if (sqlite3_vtab_in(pInfo, iCons, -1)) return 1;
  if (sqlite3_vtab_rhs_value(pInfo, iCons, &pVal) != SQLITE_OK || pVal == NULL) return 1;
  t = sqlite3_value_type(pVal);
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

/* Is key column j fixed by an equality term (constant in the output, even
 * when the scan covers more: SQLite then keeps only equal rows)?  A loose
 * equality is not: rows of several stored values may survive it. */
static int planFixedAt(const lvt_table_def *d, const LvtPlan *pPlan, int j)
{
  return j < pPlan->nEq && pPlan->aEqOp[j] != OP_IN && !planTermLoose(d, pPlan, j, pPlan->aEqOp[j]);
}

/* Is ORDER BY term iCol fixed by an equality term of the plan? */
static int planFixes(const lvt_table_def *d, const LvtPlan *pPlan, int iCol)
{
  int j;
  for (j = 0; j < pPlan->nEq; j++) {
    int c = planCol(d, pPlan, j);
    if (planFixedAt(d, pPlan, j) && (c == iCol || (c < 0 && iCol == d->ipk))) return 1;
  }
  return 0;
}

/* Does the plan deliver the ORDER BY (forwards or, setting bReverse,
 * backwards)?  Terms on columns fixed by equality are skipped; the others
 * must follow the path's next key columns, then may end with the rowid
 * once every key column is fixed or ordered (every key ends with it,
 * ascending). */
static int planOrders(const sqlite3_index_info *pInfo, const lvt_table_def *d, LvtPlan *pPlan)
{
  int i, j = 0, nKey, eDir = -1;
  pPlan->bReverse = 0;
  if (pInfo->nOrderBy == 0 || pPlan->bIn) return 0;
  if (pPlan->bUnique) return 1;
  nKey = pPlan->iPath < 0 ? pPlan->nEq : d->idx[pPlan->iPath].ncol;
  for (i = 0; i < pInfo->nOrderBy; i++) {
    int c = pInfo->aOrderBy[i].iColumn, bDesc = pInfo->aOrderBy[i].desc, eThis;
    if (planFixes(d, pPlan, c)) continue;
    while (j < nKey && planFixedAt(d, pPlan, j)) j++;
    if ((c < 0 || c == d->ipk) && j == nKey) {
      eThis = bDesc;                           /* keys end with the rowid */
      if (eDir >= 0 && eThis != eDir) return 0;
      pPlan->bReverse = eThis;
      return 1;                                /* the rowid is unique */
    }
    if (j >= nKey || c != d->idx[pPlan->iPath].cols[j]) return 0;
    eThis = bDesc ^ (d->idx[pPlan->iPath].desc ? d->idx[pPlan->iPath].desc[j] : 0);
    if (eDir >= 0 && eThis != eDir) return 0;
    eDir = eThis;
    j++;
  }
  for (; j < pPlan->nEq; j++)                /* loose equalities left over */
    if (!planFixedAt(d, pPlan, j)) return 0;
  pPlan->bReverse = eDir > 0;
  return 1;
}

/* Entries in the table, for the planner: LMDB's own count, read at most
 * once a second (1000 when it cannot be read). */
static double lvtTableRows(LvtVtab *pTab)
{
  time_t now = time(NULL);
  if (pTab->stats.tWhen == 0 || now - pTab->stats.tWhen >= 1) {
    lvt_txn *pTxn = NULL;
    lvt_stat st;
    int bTemp = 0;
    pTab->stats.nRow = 1000;
    if (lvtReadTxn(pTab->pConn, &pTxn, &bTemp) == LVT_OK) {
      if (lvt_table_stat(pTxn, pTab->pTbl, -1, &st) == LVT_OK) pTab->stats.nRow = (double)st.entries;
      if (bTemp) lvt_txn_abort(pTxn);
    }
    pTab->stats.tWhen = now;
  }
  return pTab->stats.nRow;
}

/* Estimate rows and cost of a plan on a table of nRow rows.  A key seek
 * costs log2(N); a row read through an index costs two (the entry, then
 * the row); a full scan costs two per row plus a fixed start, so that even
 * on a small table an index lookup wins, as it does natively. */
static void planCost(LvtPlan *pPlan, const lvt_table_def *d, double nRow)
{
  double rRows = nRow < 1 ? 1 : nRow, rSeek = log2(nRow + 1) + 1, nIn = pPlan->bIn ? 4 : 1;
  int j, bAllEq = 1;
  for (j = 0; j < pPlan->nEq; j++) {
    rRows /= pPlan->aEqOp[j] == OP_ISNULL ? 2 : 10;
    if ((pPlan->aEqOp[j] != OP_EQ && pPlan->aEqOp[j] != OP_IN)
        || planTermLoose(d, pPlan, j, pPlan->aEqOp[j])) bAllEq = 0;
  }
  if (pPlan->iPath < 0) {
    pPlan->bUnique = pPlan->nEq == 1 && pPlan->aEqOp[0] == OP_EQ;
    if (pPlan->nEq == 1) rRows = 0.5;
  } else {
    const lvt_index_def *x = &d->idx[pPlan->iPath];
    pPlan->bUnique = x->unique && bAllEq && !pPlan->bIn && pPlan->nEq == x->ncol;
    if (x->unique && pPlan->nEq == x->ncol && bAllEq && rRows > 0.5) rRows = 0.5;
  }
  if (pPlan->iLoCons >= 0 && pPlan->iHiCons >= 0) rRows /= 8;
  else if (pPlan->iLoCons >= 0 || pPlan->iHiCons >= 0) rRows /= 3;
  rRows *= nIn;
  if (pPlan->nEq == 0 && pPlan->iLoCons < 0 && pPlan->iHiCons < 0)
    pPlan->rCost = (pPlan->iPath < 0 ? 2 : 3) * nRow + 10;
  else
    pPlan->rCost = nIn * rSeek + rRows * (pPlan->iPath < 0 ? 1 : 2);
  pPlan->rRows = rRows < 1 ? 1 : rRows;    /* fractions only ranked plans */
}

/* Fill the plan's key terms on path iPath: equalities on the leading
 * columns, then bounds on the next one. */
static void planBuild(sqlite3_index_info *pInfo, const lvt_table_def *d, int iPath, LvtPlan *pPlan)
{
  int j, nKey = iPath < 0 ? 1 : d->idx[iPath].ncol;
  memset(pPlan, 0, sizeof *pPlan);
  pPlan->iPath = iPath;
  pPlan->iLoCons = pPlan->iHiCons = -1;
  if (nKey > MAX_PLAN_COLS) nKey = MAX_PLAN_COLS;
  while (pPlan->nEq < nKey) {
    int e, i = findEq(pInfo, d, planCol(d, pPlan, pPlan->nEq), !pPlan->bIn, &e);
    if (i < 0) break;
    if (e == OP_IN) pPlan->bIn = 1;
    pPlan->aEqCons[pPlan->nEq] = i;
    pPlan->aEqOp[pPlan->nEq++] = (unsigned char)e;
  }
  if (pPlan->nEq < nKey) findRange(pInfo, d, planCol(d, pPlan, pPlan->nEq), &pPlan->iLoCons, &pPlan->iHiCons);
  for (j = 0; j < pPlan->nEq; j++) pPlan->aLoose[j] = (unsigned char)planLooseCons(pInfo, d, pPlan, j, pPlan->aEqCons[j]);
  if (pPlan->nEq < nKey)
    pPlan->aLoose[pPlan->nEq] = (unsigned char)(planLooseCons(pInfo, d, pPlan, pPlan->nEq, pPlan->iLoCons)
                                                 | planLooseCons(pInfo, d, pPlan, pPlan->nEq, pPlan->iHiCons));
}

/* The cost used to choose between plans: the plan's cost plus a sort when
 * it does not deliver the ORDER BY. */
static double planChoiceCost(const sqlite3_index_info *pInfo, const LvtPlan *pPlan)
{
  double r = pPlan->rCost;
  if (pInfo->nOrderBy > 0 && !pPlan->bOrdered) r += pPlan->rRows * log2(pPlan->rRows + 1);
  return r;
}

/* Append one term to the plan text (see the encoding above). */
static char *planText(char *z, int *pnTerm, const char *zCol, int eOp, int bCheck)
{
  static const char *const azOp[] = { "", "=?", " IS ?", " IN ?", " IS NULL", ">?", ">=?", "<?", "<=?" };
  char *zNew;
  if (z == NULL) return NULL;
  zNew = sqlite3_mprintf("%s%s%s%s%s", z, (*pnTerm)++ ? " AND " : " (", zCol, azOp[eOp],
                         bCheck ? "*" : "");
  sqlite3_free(z);
  return zNew;
}

/* The operator of a bound constraint as OP_*. */
static int boundOp(const sqlite3_index_info *pInfo, int i)
{
  switch (pInfo->aConstraint[i].op) {
  case SQLITE_INDEX_CONSTRAINT_GT: return OP_GT;
  case SQLITE_INDEX_CONSTRAINT_GE: return OP_GE;
  case SQLITE_INDEX_CONSTRAINT_LT: return OP_LT;
  default:                         return OP_LE;
  }
}

/* The name the plan text uses for key column j of the path. */
static const char *planColName(const lvt_table_def *d, int iPath, int j)
{
  if (iPath < 0) return d->ipk >= 0 ? d->cols[d->ipk].name : "rowid";
  return d->cols[d->idx[iPath].cols[j]].name;
}

/* SQLite before 3.46 offers LIMIT/OFFSET to a virtual table even when a
 * WHERE term it never passes to xBestIndex remains (one that compares two
 * columns of the table: "WHERE b = e LIMIT 1", as in EXISTS subqueries),
 * so a module cannot know that everything is consumed; SQLite's own
 * bestindexC.test covers the fix.  The push-down only saves SQLite's own
 * LIMIT/OFFSET steps (which skip rows without reading columns), so it is
 * simply not used there. */
#ifndef LVT_LIMIT_PUSHDOWN_VERSION
#define LVT_LIMIT_PUSHDOWN_VERSION 3046000
#endif

/* Hand LIMIT and OFFSET to the plan when everything else is consumed and
 * the ORDER BY, if any, is delivered.  Returns the next argv index. */
static int planLimit(sqlite3_index_info *pInfo, int iArg, int *pbLimit, int *pbOffset)
{
  int i, iLimit = -1, iOffset = -1;
  *pbLimit = *pbOffset = 0;
  if (sqlite3_libversion_number() < LVT_LIMIT_PUSHDOWN_VERSION) return iArg;
  if (pInfo->nOrderBy > 0 && !pInfo->orderByConsumed) return iArg;
  for (i = 0; i < pInfo->nConstraint; i++) {
    int op = pInfo->aConstraint[i].op;
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT) { if (pInfo->aConstraint[i].usable) iLimit = i; }
    else if (op == SQLITE_INDEX_CONSTRAINT_OFFSET) { if (pInfo->aConstraint[i].usable) iOffset = i; }
    else if (!pInfo->aConstraintUsage[i].omit) return iArg;
  }
  if (iLimit < 0) return iArg;
  pInfo->aConstraintUsage[iLimit].argvIndex = iArg++;
  pInfo->aConstraintUsage[iLimit].omit = 1;
  *pbLimit = 1;
  if (iOffset >= 0) {
    pInfo->aConstraintUsage[iOffset].argvIndex = iArg++;
    pInfo->aConstraintUsage[iOffset].omit = 1;
    *pbOffset = 1;
  }
  return iArg;
}

/* Write the chosen plan into pInfo: argv order, omit flags, IN lists taken
 * whole, the idxNum/idxStr encoding, estimates. */
static int planApply(sqlite3_index_info *pInfo, const lvt_table_def *d, const LvtPlan *pPlan)
{
  int j, iArg = 1, nTerm = 0, bLimit, bOffset, bOmit = 1;
  char *z = sqlite3_mprintf("%s", pPlan->iPath < 0 ? "rowid" : d->idx[pPlan->iPath].name);
  for (j = 0; j < pPlan->nEq; j++) {
    int i = pPlan->aEqCons[j];
    if (planTermLoose(d, pPlan, j, pPlan->aEqOp[j])) bOmit = 0;
    if (pPlan->aEqOp[j] != OP_ISNULL) pInfo->aConstraintUsage[i].argvIndex = iArg++;
    pInfo->aConstraintUsage[i].omit = (unsigned char)bOmit;
    if (pPlan->aEqOp[j] == OP_IN) sqlite3_vtab_in(pInfo, i, 1);
    z = planText(z, &nTerm, planColName(d, pPlan->iPath, j), pPlan->aEqOp[j], !bOmit);
  }
  if ((pPlan->iLoCons >= 0 || pPlan->iHiCons >= 0) && planTermLoose(d, pPlan, pPlan->nEq, OP_GT)) bOmit = 0;
  if (pPlan->iLoCons >= 0) {
    pInfo->aConstraintUsage[pPlan->iLoCons].argvIndex = iArg++;
    pInfo->aConstraintUsage[pPlan->iLoCons].omit = (unsigned char)bOmit;
    z = planText(z, &nTerm, planColName(d, pPlan->iPath, pPlan->nEq), boundOp(pInfo, pPlan->iLoCons), !bOmit);
  }
  if (pPlan->iHiCons >= 0) {
    pInfo->aConstraintUsage[pPlan->iHiCons].argvIndex = iArg++;
    pInfo->aConstraintUsage[pPlan->iHiCons].omit = (unsigned char)bOmit;
    z = planText(z, &nTerm, planColName(d, pPlan->iPath, pPlan->nEq), boundOp(pInfo, pPlan->iHiCons), !bOmit);
  }
  pInfo->orderByConsumed = pInfo->nOrderBy > 0 && pPlan->bOrdered;
  planLimit(pInfo, iArg, &bLimit, &bOffset);
  if (z) {
    char *zNew = sqlite3_mprintf("%s%s%s%s%s", z, nTerm ? ")" : "", pPlan->bOrdered && pPlan->bReverse ? " REVERSE" : "",
                                 bLimit ? " LIMIT ?" : "", bOffset ? " OFFSET ?" : "");
    sqlite3_free(z);
    z = zNew;
  }
  if (z == NULL) return SQLITE_NOMEM;
  pInfo->idxNum = pPlan->iPath + 2;
  pInfo->idxStr = z;
  pInfo->needToFreeIdxStr = 1;
  pInfo->estimatedCost = pPlan->rCost;
  pInfo->estimatedRows = (sqlite3_int64)pPlan->rRows;
  if (pPlan->bUnique) pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  return SQLITE_OK;
}

/* xBestIndex: consider the rowid path and every index, keep the cheapest
 * (counting a sort when the ORDER BY is not delivered).  A full scan is
 * always possible, so no constraint is ever required. */
static int lvtBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  const lvt_table_def *d;
  double nRow;
  LvtPlan best, cand;
  int k;
  pTab->pConn->pAux->nCall++;
  lvtVtabRefresh(pTab, NULL);
  d = lvt_table_schema(pTab->pTbl);
  nRow = lvtTableRows(pTab);

  planBuild(pInfo, d, -1, &best);
  planCost(&best, d, nRow);
  best.bOrdered = planOrders(pInfo, d, &best);
  for (k = 0; k < d->nidx; k++) {
    planBuild(pInfo, d, k, &cand);
    planCost(&cand, d, nRow);
    cand.bOrdered = planOrders(pInfo, d, &cand);
    if (cand.nEq == 0 && cand.iLoCons < 0 && cand.iHiCons < 0 && !cand.bOrdered) continue;
    if (planChoiceCost(pInfo, &cand) < planChoiceCost(pInfo, &best)) best = cand;
  }
  return planApply(pInfo, d, &best);
}

/* A plan as xFilter reads it back from idxNum/idxStr. */
typedef struct LvtScanPlan {
  int iPath;
  int nEq;
  unsigned char aEqOp[MAX_PLAN_COLS];
  unsigned char aCheck[MAX_PLAN_COLS + 1]; /* "*": SQLite checks it again */
  int eLoOp, eHiOp;            /* OP_GT/OP_GE, OP_LT/OP_LE, or OP_NONE */
  int bReverse, bLimit, bOffset;
} LvtScanPlan;

/* If z starts with zWord, skip it. */
static int planEat(const char **pz, const char *zWord)
{
  size_t n = strlen(zWord);
  if (strncmp(*pz, zWord, n) != 0) return 0;
  *pz += n;
  return 1;
}

/* One term "<column><op>" of key column j (see the encoding). */
static int planParseTerm(const char **pz, const lvt_table_def *d, LvtScanPlan *pOut)
{
  static const struct { const char *z; int e; } aOp[] = {
    { "=?", OP_EQ }, { " IS NULL", OP_ISNULL }, { " IS ?", OP_IS }, { " IN ?", OP_IN },
    { ">=?", OP_GE }, { ">?", OP_GT }, { "<=?", OP_LE }, { "<?", OP_LT },
  };
  size_t i;
  int nKey = pOut->iPath < 0 ? 1 : d->idx[pOut->iPath].ncol;
  if (pOut->nEq >= nKey || pOut->nEq >= MAX_PLAN_COLS) return -1;
  if (!planEat(pz, planColName(d, pOut->iPath, pOut->nEq))) return -1;
  for (i = 0; i < sizeof aOp / sizeof aOp[0]; i++) {
    if (!planEat(pz, aOp[i].z)) continue;
    if (aOp[i].e >= OP_GT) {
      if (aOp[i].e <= OP_GE) pOut->eLoOp = aOp[i].e; else pOut->eHiOp = aOp[i].e;
      pOut->aCheck[pOut->nEq] |= (unsigned char)planEat(pz, "*");
    } else {
      if (pOut->eLoOp || pOut->eHiOp) return -1;
      pOut->aCheck[pOut->nEq] = (unsigned char)planEat(pz, "*");
      pOut->aEqOp[pOut->nEq++] = (unsigned char)aOp[i].e;
    }
    return 0;
  }
  return -1;
}

/* Parse idxNum/idxStr against the current schema.  SQLITE_OK, or
 * SQLITE_SCHEMA when the index is not the one the plan was made for. */
static int planParse(int idxNum, const char *idxStr, const lvt_table_def *d, LvtScanPlan *pOut)
{
  const char *z = idxStr ? idxStr : "";
  memset(pOut, 0, sizeof *pOut);
  pOut->iPath = idxNum - 2;
  if (pOut->iPath < -1 || pOut->iPath >= d->nidx) return SQLITE_SCHEMA;
  if (!planEat(&z, pOut->iPath < 0 ? "rowid" : d->idx[pOut->iPath].name)) return SQLITE_SCHEMA;
  if (planEat(&z, " (")) {
    do {
      if (planParseTerm(&z, d, pOut)) return SQLITE_SCHEMA;
    } while (planEat(&z, " AND "));
    if (!planEat(&z, ")")) return SQLITE_SCHEMA;
  }
  pOut->bReverse = planEat(&z, " REVERSE");
  pOut->bLimit = planEat(&z, " LIMIT ?");
  pOut->bOffset = planEat(&z, " OFFSET ?");
  return *z ? SQLITE_SCHEMA : SQLITE_OK;
}

/* ------------------------------------------------------------- values -- */

/* A growing list of values whose text and blob bytes are copied into one
 * buffer; valListDone() turns the offsets into pointers. */
typedef struct ValList {
  lvt_value *a;
  int n, nAlloc;
  char *pBuf;
  size_t nBuf, nBufAlloc;
  int bOom;
} ValList;

/* Append a copy of *v. */
static void valListAdd(ValList *p, const lvt_value *v)
{
  lvt_value *pNew;
  if (p->bOom) return;
  if (p->n == p->nAlloc) {
    int n = p->nAlloc ? p->nAlloc * 2 : 16;
    lvt_value *a = sqlite3_realloc64(p->a, (sqlite3_uint64)n * sizeof *a);
    if (a == NULL) { p->bOom = 1; return; }
    p->a = a; p->nAlloc = n;
  }
  pNew = &p->a[p->n++];
  *pNew = *v;
  if (v->type == LVT_TEXT || v->type == LVT_BLOB) {
    if (p->nBuf + v->u.s.n + 1 > p->nBufAlloc) {
      size_t n = (p->nBufAlloc ? p->nBufAlloc * 2 : 256) + v->u.s.n + 1;
      char *b = sqlite3_realloc64(p->pBuf, n);
      if (b == NULL) { p->bOom = 1; return; }
      p->pBuf = b; p->nBufAlloc = n;
    }
    if (v->u.s.n) memcpy(p->pBuf + p->nBuf, v->u.s.p, v->u.s.n);
    p->pBuf[p->nBuf + v->u.s.n] = 0;
    pNew->u.s.p = (const void *)(uintptr_t)p->nBuf;
    p->nBuf += v->u.s.n + 1;
  }
}

/* Point text and blob values into the final buffer.  SQLITE_NOMEM if an
 * append failed (the memory is freed). */
static int valListDone(ValList *p)
{
  int i;
  if (p->bOom) {
    sqlite3_free(p->a); sqlite3_free(p->pBuf);
    memset(p, 0, sizeof *p);
    return SQLITE_NOMEM;
  }
  for (i = 0; i < p->n; i++)
    if (p->a[i].type == LVT_TEXT || p->a[i].type == LVT_BLOB)
      p->a[i].u.s.p = p->pBuf + (uintptr_t)p->a[i].u.s.p;
  return SQLITE_OK;
}

/* Append the right-hand side pVal of a comparison with column iCol,
 * converted as SQLite converts it when comparing with a column of that
 * affinity (numeric affinity for INTEGER/REAL/NUMERIC, numbers to text
 * for TEXT), using SQLite's own conversions on a copy. */
static void valListAddOperand(ValList *p, const lvt_table_def *d, int iCol, sqlite3_value *pVal)
{
  sqlite3_value *pCopy;
  int eAff = d->cols[iCol].affinity, eType = sqlite3_value_type(pVal);
  int bNum = eAff == LVT_AFF_INTEGER || eAff == LVT_AFF_REAL || eAff == LVT_AFF_NUMERIC;
  lvt_value v;
  if (bNum ? eType != SQLITE_TEXT
           : !(eAff == LVT_AFF_TEXT && (eType == SQLITE_INTEGER || eType == SQLITE_FLOAT))) {
    /* Nothing to convert (numeric affinity changes only TEXT; TEXT
     * affinity only numbers): no copy. */
    lvtValueFromSqlite(pVal, &v);
    valListAdd(p, &v);
    return;
  }
  pCopy = sqlite3_value_dup(pVal);
  if (pCopy == NULL) { p->bOom = 1; return; }
  if (eAff == LVT_AFF_INTEGER || eAff == LVT_AFF_REAL || eAff == LVT_AFF_NUMERIC) {
    sqlite3_value_numeric_type(pCopy);
    lvtValueFromSqlite(pCopy, &v);
  } else if (eAff == LVT_AFF_TEXT && (eType == SQLITE_INTEGER || eType == SQLITE_FLOAT)) {
    v.type = LVT_TEXT;
    v.u.s.p = sqlite3_value_text(pCopy);
    v.u.s.n = (size_t)sqlite3_value_bytes(pCopy);
    if (v.u.s.p == NULL) p->bOom = 1;
  } else {
    lvtValueFromSqlite(pCopy, &v);
  }
  if (!p->bOom) valListAdd(p, &v);
  sqlite3_value_free(pCopy);
}

/* Narrow the inclusive rowid range [*pLo, *pHi] by "rowid <op> pVal",
 * comparing as SQLite compares an INTEGER column (the value gets numeric
 * affinity; integers sort before text and blobs; NULL matches nothing).
 * Returns 0 when the range became empty, -1 when out of memory. */
static int rowidNarrow(sqlite3_value *pVal, int eOp, int64_t *pLo, int64_t *pHi)
{
  const double r63 = 9223372036854775808.0;
  /* Only TEXT converts (numeric affinity): copy just that. */
  sqlite3_value *pCopy = sqlite3_value_type(pVal) == SQLITE_TEXT ? sqlite3_value_dup(pVal) : pVal;
  int eType = pCopy ? sqlite3_value_numeric_type(pCopy) : SQLITE_NULL;
  if (pCopy == NULL) return -1;
  int64_t i = 0;
  double r = 0;
  if (eType == SQLITE_INTEGER) i = sqlite3_value_int64(pCopy);
  if (eType == SQLITE_FLOAT) r = sqlite3_value_double(pCopy);
  if (pCopy != pVal) sqlite3_value_free(pCopy);
  if (eType == SQLITE_NULL) return 0;
  if (eType == SQLITE_TEXT || eType == SQLITE_BLOB) return eOp == OP_LT || eOp == OP_LE;
  if (eType == SQLITE_FLOAT) {
    int bLow = eOp == OP_GT || eOp == OP_GE;
    int64_t iFloor, iCeil;
    /* beyond every rowid: only the bounds on the far side hold (an
     * equality never does) */
    if (r >= r63) return eOp == OP_LT || eOp == OP_LE;
    if (r < -r63) return bLow;
    iFloor = (int64_t)floor(r);        /* exact: floor and ceil of a double */
    iCeil = (int64_t)ceil(r);          /* in range are integers in range */
    if (eOp == OP_EQ || eOp == OP_IS) {
      if (iFloor != iCeil) return 0;
      i = iFloor;
    } else if (eOp == OP_GT) {
      i = iFloor;                      /* > r  is  > floor(r) */
    } else if (eOp == OP_GE) {
      i = iCeil;
    } else if (eOp == OP_LT) {
      i = iCeil;                       /* < r  is  < ceil(r) */
    } else {
      i = iFloor;
    }
  }
  switch (eOp) {
  case OP_EQ: case OP_IS: if (i > *pLo) *pLo = i; if (i < *pHi) *pHi = i; break;
  case OP_GT: if (i == INT64_MAX) return 0; if (i + 1 > *pLo) *pLo = i + 1; break;
  case OP_GE: if (i > *pLo) *pLo = i; break;
  case OP_LT: if (i == INT64_MIN) return 0; if (i - 1 < *pHi) *pHi = i - 1; break;
  default:    if (i < *pHi) *pHi = i; break;
  }
  return *pLo <= *pHi;
}

/* ------------------------------------------------------------ cursors -- */

/* xOpen: a cursor, listed on its environment so transaction changes can
 * detach it. */
static int lvtOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  LvtCursor *pCsr = pTab->pSpare, keep;
  pTab->pConn->pAux->nCall++;
  if (pCsr) {                      /* the spare: keep its buffers */
    pTab->pSpare = NULL;
    keep = *pCsr;
    memset(pCsr, 0, sizeof *pCsr);
    pCsr->aSeg = keep.aSeg; pCsr->nSegAlloc = keep.nSegAlloc;
    pCsr->aRowid = keep.aRowid; pCsr->nRowidAlloc = keep.nRowidAlloc;
    pCsr->pOwned = keep.pOwned; pCsr->nOwnedAlloc = keep.nOwnedAlloc;
    pCsr->pOwnedBuf = keep.pOwnedBuf; pCsr->nOwnedBufAlloc = keep.nOwnedBufAlloc;
    pCsr->pCurSpare = keep.pCurSpare;
  } else {
    if ((pCsr = sqlite3_malloc(sizeof *pCsr)) == NULL) return SQLITE_NOMEM;
    memset(pCsr, 0, sizeof *pCsr);
  }
  pCsr->nLimit = -1;
  pCsr->bEof = 1;
  pCsr->pNextCsr = pTab->pConn->pCsrList;
  pTab->pConn->pCsrList = pCsr;
  *ppCursor = &pCsr->base;
  return SQLITE_OK;
}

/* The table of a cursor. */
static LvtVtab *csrTab(LvtCursor *pCsr)
{
  return (LvtVtab *)pCsr->base.pVtab;
}

/* Forget the scan: close the LMDB cursor, free the plan's values, release
 * the snapshot.  The cursor can be filtered again. */
static void lvtCursorReset(LvtCursor *pCsr)
{
  LvtConn *p = csrTab(pCsr)->pConn;
  if (pCsr->pCur && pCsr->pCurSpare == NULL) {
    lvt_cursor_park(pCsr->pCur);             /* before the snapshot goes */
    pCsr->pCurSpare = pCsr->pCur;
  } else {
    lvt_cursor_close(pCsr->pCur);
  }
  pCsr->pCur = NULL;
  /* aSeg, aRowid, pOwned, pOwnedBuf stay allocated for the next scan */
  sqlite3_free(pCsr->aKey);
  sqlite3_free(pCsr->pKeyMem);
  lvtSnapRelease(p, pCsr->pSnap);
  pCsr->pKeyMem = NULL;
  pCsr->aKey = NULL;
  pCsr->nSeg = 0;
  pCsr->pSnap = NULL;
  pCsr->pTxn = NULL;
  pCsr->bEof = 1;
  pCsr->bDetached = pCsr->bAhead = pCsr->bAheadEof = pCsr->bRowValid = 0;
  pCsr->bNoRows = pCsr->bSavedAhead = 0;
  pCsr->iSeg = pCsr->nRowid = pCsr->iRowidPos = 0;
  pCsr->nLimit = -1;
}

/* Free a reset cursor and the buffers it keeps (NULL: nothing). */
static void lvtCursorFree(LvtCursor *pCsr)
{
  int i;
  if (pCsr == NULL) return;
  lvt_cursor_close(pCsr->pCurSpare);
  for (i = 0; i < pCsr->nSegAlloc; i++) sqlite3_free(pCsr->aSeg[i].aLo);
  sqlite3_free(pCsr->aSeg);
  sqlite3_free(pCsr->aRowid);
  sqlite3_free(pCsr->pOwned);
  sqlite3_free(pCsr->pOwnedBuf);
  sqlite3_free(pCsr);
}

/* xClose */
static int lvtClose(sqlite3_vtab_cursor *pCursor)
{
  LvtCursor *pCsr = (LvtCursor *)pCursor, **pp;
  LvtConn *p = csrTab(pCsr)->pConn;
  LvtVtab *pTab = csrTab(pCsr);
  lvtCursorReset(pCsr);
  for (pp = &p->pCsrList; *pp; pp = &(*pp)->pNextCsr)
    if (*pp == pCsr) { *pp = pCsr->pNextCsr; break; }
  if (pTab->pSpare == NULL) pTab->pSpare = pCsr;
  else lvtCursorFree(pCsr);
  return SQLITE_OK;
}

/* Read through the write transaction if there is one (read-your-writes),
 * else through the connection's shared snapshot. */
static int lvtCursorBind(LvtCursor *pCsr)
{
  LvtConn *p = csrTab(pCsr)->pConn;
  int rc = LVT_OK;
  if (p->pWrite) {
    lvtSnapRelease(p, pCsr->pSnap);
    pCsr->pSnap = NULL;
    pCsr->pTxn = p->pWrite;
    pCsr->iEpoch = p->iEpoch;
  } else if (pCsr->pSnap == NULL) {
    rc = lvtConnSnapshot(p, &pCsr->pSnap);
    pCsr->pTxn = rc == LVT_OK ? pCsr->pSnap->pTxn : NULL;
  }
  return rc;
}

/* Position an index or rowid-range cursor on the first entry of the
 * current range, going on to the next ranges while one is empty.
 * LVT_NOTFOUND when nothing is left. */
static int lvtCursorSeek(LvtCursor *pCsr)
{
  lvt_bound lo, hi;
  lvt_value vLo, vHi;
  int rc;
  if (pCsr->eScan == SCAN_ROWID_RANGE) {
    vLo.type = vHi.type = LVT_INTEGER;
    vLo.u.i = pCsr->iLoRowid; vHi.u.i = pCsr->iHiRowid;
    lo.vals = &vLo; hi.vals = &vHi;
    lo.n = hi.n = 1; lo.inclusive = hi.inclusive = 1;
    return lvt_cursor_range(pCsr->pCur, pCsr->iLoRowid == INT64_MIN ? NULL : &lo,
                            pCsr->iHiRowid == INT64_MAX ? NULL : &hi, pCsr->bReverse);
  }
  for (; pCsr->iSeg < pCsr->nSeg; pCsr->iSeg++) {
    const LvtSeg *g = &pCsr->aSeg[pCsr->iSeg];
    lo.vals = g->aLo; lo.n = g->nLo; lo.inclusive = g->bLoIncl;
    hi.vals = g->aHi; hi.n = g->nHi; hi.inclusive = g->bHiIncl;
    rc = lvt_cursor_range(pCsr->pCur, lo.n ? &lo : NULL, hi.n ? &hi : NULL, pCsr->bReverse);
    if (rc != LVT_NOTFOUND) return rc;
  }
  return LVT_NOTFOUND;
}

/* Move to the first (bFirst) or next entry of the scan.  Sets bEof and
 * iRowid; the row itself is read when a column is asked for.  LVT_* code. */
static int lvtCursorStep(LvtCursor *pCsr, int bFirst)
{
  LvtVtab *pTab = csrTab(pCsr);
  int rc;
  pCsr->bRowValid = 0;
  if (pCsr->eScan == SCAN_ROWID_LIST) {
    pCsr->iRowidPos = bFirst ? 0 : pCsr->iRowidPos + 1;
    for (; pCsr->iRowidPos < pCsr->nRowid; pCsr->iRowidPos++) {
      rc = lvt_get(pCsr->pTxn, pTab->pTbl, pCsr->aRowid[pCsr->iRowidPos], &pCsr->row);
      if (rc == LVT_NOTFOUND) continue;
      if (rc != LVT_OK) return rc;
      pCsr->iRowid = pCsr->aRowid[pCsr->iRowidPos];
      pCsr->bRowValid = 1;
      pCsr->iRowSeq = pTab->pConn->iWriteSeq;
      return LVT_OK;
    }
    pCsr->bEof = 1;
    return LVT_OK;
  }
  if (bFirst) {
    rc = lvtCursorSeek(pCsr);
  } else {
    rc = lvt_cursor_next(pCsr->pCur);
    if (rc == LVT_NOTFOUND && pCsr->eScan == SCAN_INDEX) { pCsr->iSeg++; rc = lvtCursorSeek(pCsr); }
  }
  if (rc == LVT_NOTFOUND) { pCsr->bEof = 1; return LVT_OK; }
  if (rc == LVT_OK) rc = lvt_cursor_rowid(pCsr->pCur, &pCsr->iRowid);
  return rc;
}

/* The current row, read now if needed: through the cursor right after it
 * moved, by rowid after a write (row views die with writes).  LVT_NOTFOUND
 * when the row was deleted meanwhile. */
static int lvtCursorRow(LvtCursor *pCsr, lvt_row **ppRow)
{
  LvtVtab *pTab = csrTab(pCsr);
  uint64_t iSeq = pTab->pConn->iWriteSeq;
  int rc;
  *ppRow = &pCsr->row;
  if (pCsr->bRowValid && pCsr->iRowSeq == iSeq) return LVT_OK;
  if (pCsr->pCur && !pCsr->bAhead && pCsr->iPosSeq == iSeq) rc = lvt_cursor_row(pCsr->pCur, &pCsr->row);
  else rc = lvt_get(pCsr->pTxn, pTab->pTbl, pCsr->iRowid, &pCsr->row);
  pCsr->bRowValid = rc == LVT_OK;
  pCsr->iRowSeq = iSeq;
  return rc;
}

/* Remember the key of the current index entry (its column values, copied),
 * so that a detached cursor can find its place again. */
static int lvtCursorSaveKey(LvtCursor *pCsr)
{
  const lvt_table_def *d = lvt_table_schema(csrTab(pCsr)->pTbl);
  const lvt_index_def *x = &d->idx[pCsr->iIndex];
  ValList vl;
  lvt_row *pRow;
  int j, rc = lvtCursorRow(pCsr, &pRow);
  if (rc != LVT_OK) return rc;
  memset(&vl, 0, sizeof vl);
  for (j = 0; j < x->ncol && rc == LVT_OK; j++) {
    lvt_value v;
    rc = lvt_row_column(pRow, x->cols[j], &v);
    if (rc == LVT_OK) valListAdd(&vl, &v);
  }
  if (rc != LVT_OK) { sqlite3_free(vl.a); sqlite3_free(vl.pBuf); return rc; }
  if (valListDone(&vl) != SQLITE_OK) return LVT_NOMEM;
  sqlite3_free(pCsr->aKey);
  sqlite3_free(pCsr->pKeyMem);
  pCsr->aKey = vl.a;
  pCsr->pKeyMem = vl.pBuf;
  return LVT_OK;
}

/* After a move: apply LIMIT and note the write sequence. */
static int lvtCursorSettle(LvtCursor *pCsr)
{
  pCsr->iPosSeq = csrTab(pCsr)->pConn->iWriteSeq;
  if (pCsr->bEof) return LVT_OK;
  if (pCsr->nLimit >= 0) {
    if (pCsr->nLimit == 0) { pCsr->bEof = 1; return LVT_OK; }
    pCsr->nLimit--;
  }
  return LVT_OK;
}

/* Detach a cursor reading through the write transaction, which is about
 * to end (see the top of the file): keep its position, close its LMDB
 * cursor.  An index scan keeps the key of its entry; when that row was
 * deleted it steps to the next entry first and keeps that one's key, as a
 * position it has not returned yet (bSavedAhead). */
static void lvtCursorDetach(LvtCursor *pCsr)
{
  pCsr->bRowValid = 0;
  if (pCsr->pTxn == NULL) return;
  if (!pCsr->bEof && !pCsr->bAhead && pCsr->eScan == SCAN_INDEX) {
    int rc = lvtCursorSaveKey(pCsr);
    if (rc == LVT_NOTFOUND) {
      rc = lvtCursorStep(pCsr, 0);
      if (rc == LVT_OK && pCsr->bEof) { pCsr->bEof = 0; pCsr->bAhead = pCsr->bAheadEof = 1; }
      else if (rc == LVT_OK) { rc = lvtCursorSaveKey(pCsr); pCsr->bSavedAhead = 1; }
    }
    if (rc != LVT_OK) { pCsr->bAhead = pCsr->bAheadEof = 1; }
  }
  lvt_cursor_close(pCsr->pCur);
  pCsr->pCur = NULL;
  pCsr->pTxn = NULL;
  if (!pCsr->bEof && !(pCsr->bAhead && pCsr->bAheadEof)) pCsr->bDetached = 1;
}

/* The rowid of the first entry of a range, or none (*pbFound = 0), with a
 * cursor of its own. */
static int lvtBoundaryRowid(LvtCursor *pCsr, const lvt_bound *pLo, const lvt_bound *pHi,
                            int64_t *piRowid, int *pbFound)
{
  lvt_cursor *pCur = NULL;
  int rc = lvt_cursor_open(pCsr->pTxn, csrTab(pCsr)->pTbl, pCsr->iIndex, &pCur);
  *pbFound = 0;
  if (rc == LVT_OK) rc = lvt_cursor_range(pCur, pLo, pHi, pCsr->bReverse);
  if (rc == LVT_OK) { rc = lvt_cursor_rowid(pCur, piRowid); *pbFound = rc == LVT_OK; }
  lvt_cursor_close(pCur);
  return rc == LVT_NOTFOUND ? LVT_OK : rc;
}

/* Find an index cursor's place again: on the saved entry (key aKey, rowid
 * iRowid) if it is still there, else on the entry after it.  Entries with
 * equal keys are ordered by rowid, so the walk starts at the first entry
 * with the saved key and stops at the first that is not before the saved
 * one, or at the first entry past the key (found by a second seek). */
static int lvtReseekIndex(LvtCursor *pCsr)
{
  const lvt_table_def *d = lvt_table_schema(csrTab(pCsr)->pTbl);
  lvt_bound key, keyX, lo, hi;
  int64_t iPast = 0, r;
  int bPast, rc;
  key.vals = keyX.vals = pCsr->aKey;
  key.n = keyX.n = d->idx[pCsr->iIndex].ncol;
  key.inclusive = 1; keyX.inclusive = 0;
  const LvtSeg *g = &pCsr->aSeg[pCsr->iSeg];
  lo.vals = g->aLo; lo.n = g->nLo; lo.inclusive = g->bLoIncl;
  hi.vals = g->aHi; hi.n = g->nHi; hi.inclusive = g->bHiIncl;
  if (!pCsr->bReverse) {
    rc = lvtBoundaryRowid(pCsr, &keyX, hi.n ? &hi : NULL, &iPast, &bPast);
    if (rc == LVT_OK) rc = lvt_cursor_range(pCsr->pCur, &key, hi.n ? &hi : NULL, 0);
  } else {
    rc = lvtBoundaryRowid(pCsr, lo.n ? &lo : NULL, &keyX, &iPast, &bPast);
    if (rc == LVT_OK) rc = lvt_cursor_range(pCsr->pCur, lo.n ? &lo : NULL, &key, 1);
  }
  while (rc == LVT_OK) {
    rc = lvt_cursor_rowid(pCsr->pCur, &r);
    if (rc != LVT_OK) break;
    if (bPast && r == iPast) { pCsr->bAhead = 1; return LVT_OK; }
    if (pCsr->bReverse ? r <= pCsr->iRowid : r >= pCsr->iRowid) {
      pCsr->bAhead = r != pCsr->iRowid;
      return LVT_OK;
    }
    rc = lvt_cursor_next(pCsr->pCur);
  }
  if (rc == LVT_NOTFOUND) { pCsr->iSeg++; rc = lvtCursorSeek(pCsr); }
  pCsr->bAhead = 1;
  if (rc == LVT_NOTFOUND) { pCsr->bAheadEof = 1; rc = LVT_OK; }
  return rc;
}

/* Attach a detached cursor to the current transaction and find its place
 * (the saved entry, or the one after it: bAhead). */
static int lvtCursorReattach(LvtCursor *pCsr)
{
  int rc = lvtCursorBind(pCsr);
  pCsr->bDetached = 0;
  pCsr->bAhead = pCsr->bAheadEof = 0;
  if (rc != LVT_OK || pCsr->eScan == SCAN_ROWID_LIST) return rc;
  rc = lvt_cursor_open(pCsr->pTxn, csrTab(pCsr)->pTbl,
                       pCsr->eScan == SCAN_INDEX ? pCsr->iIndex : -1, &pCsr->pCur);
  if (rc != LVT_OK) return rc;
  if (pCsr->eScan == SCAN_INDEX) {
    rc = lvtReseekIndex(pCsr);
    if (pCsr->bSavedAhead) pCsr->bAhead = 1;
    pCsr->bSavedAhead = 0;
    return rc;
  }
  if (pCsr->bReverse) pCsr->iHiRowid = pCsr->iRowid; else pCsr->iLoRowid = pCsr->iRowid;
  rc = lvtCursorSeek(pCsr);
  if (rc == LVT_OK) {
    int64_t r;
    rc = lvt_cursor_rowid(pCsr->pCur, &r);
    pCsr->bAhead = rc == LVT_OK && r != pCsr->iRowid;
  } else if (rc == LVT_NOTFOUND) {
    pCsr->bAhead = pCsr->bAheadEof = 1;
    rc = LVT_OK;
  }
  return rc;
}

/* Compare two rowids for qsort. */
static int rowidCmp(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Add the rowid "= pVal" means, if any, to the list. */
static int rowidListAdd(LvtCursor *pCsr, sqlite3_value *pVal)
{
  int *pnAlloc = &pCsr->nRowidAlloc;
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  int r = rowidNarrow(pVal, OP_EQ, &lo, &hi);
  if (r <= 0) return r < 0 ? SQLITE_NOMEM : SQLITE_OK;
  if (pCsr->nRowid == *pnAlloc) {
    int n = *pnAlloc ? *pnAlloc * 2 : 8;
    int64_t *a = sqlite3_realloc64(pCsr->aRowid, (sqlite3_uint64)n * sizeof *a);
    if (a == NULL) return SQLITE_NOMEM;
    pCsr->aRowid = a;
    *pnAlloc = n;
  }
  pCsr->aRowid[pCsr->nRowid++] = lo;
  return SQLITE_OK;
}

/* xFilter on the rowid path: a list of rowids (=, IS, IN) or a range. */
static int lvtFilterRowid(LvtCursor *pCsr, const LvtScanPlan *pPlan, sqlite3_value **argv, int *piArg)
{
  int rc = SQLITE_OK, i, n;
  if (pPlan->nEq == 1) {
    pCsr->eScan = SCAN_ROWID_LIST;
    if (pPlan->aEqOp[0] == OP_IN) {
      sqlite3_value *pList = argv[(*piArg)++], *pVal = NULL;
      for (rc = sqlite3_vtab_in_first(pList, &pVal); rc == SQLITE_OK && pVal;
           rc = sqlite3_vtab_in_next(pList, &pVal))
        if ((rc = rowidListAdd(pCsr, pVal)) != SQLITE_OK) return rc;
      if (rc != SQLITE_DONE) return rc;
      rc = SQLITE_OK;
    } else {
      rc = rowidListAdd(pCsr, argv[(*piArg)++]);
    }
    if (pCsr->nRowid > 1) qsort(pCsr->aRowid, (size_t)pCsr->nRowid, sizeof(int64_t), rowidCmp);
    for (i = n = 0; i < pCsr->nRowid; i++)
      if (n == 0 || pCsr->aRowid[n - 1] != pCsr->aRowid[i]) pCsr->aRowid[n++] = pCsr->aRowid[i];
    pCsr->nRowid = n;
    return rc;
  }
  pCsr->eScan = SCAN_ROWID_RANGE;
  pCsr->iLoRowid = INT64_MIN;
  pCsr->iHiRowid = INT64_MAX;
  if (pPlan->eLoOp && (n = rowidNarrow(argv[(*piArg)++], pPlan->eLoOp, &pCsr->iLoRowid, &pCsr->iHiRowid)) <= 0) {
    if (n < 0) return SQLITE_NOMEM;
    pCsr->bNoRows = 1;
  }
  if (pPlan->eHiOp && (n = rowidNarrow(argv[(*piArg)++], pPlan->eHiOp, &pCsr->iLoRowid, &pCsr->iHiRowid)) <= 0) {
    if (n < 0) return SQLITE_NOMEM;
    pCsr->bNoRows = 1;
  }
  return SQLITE_OK;
}

/* Append one key range to the scan: the first n values of aPre, then on
 * the next column (DESC or not) the value bounds pL and pU, each NULL for
 * none.  Value bounds become storage bounds: for a DESC column a larger
 * value comes first, so they swap.  A range with only an upper value bound
 * excludes NULLs, which sort below every value. */
static int segAdd(LvtCursor *pCsr, const lvt_value *aPre, int n, int bDesc,
                  const lvt_value *pL, int bLIncl, const lvt_value *pU, int bUIncl)
{
  static const lvt_value vNull = { LVT_NULL, { 0 } };
  LvtSeg *g;
  if (pL == NULL && pU != NULL) { pL = &vNull; bLIncl = 0; }
  if (bDesc) {
    const lvt_value *pT = pL; int bT = bLIncl;
    pL = pU; bLIncl = bUIncl; pU = pT; bUIncl = bT;
  }
  if (pCsr->nSeg == pCsr->nSegAlloc) {
    int nNew = pCsr->nSegAlloc ? pCsr->nSegAlloc * 2 : 4;
    LvtSeg *a = sqlite3_realloc64(pCsr->aSeg, (sqlite3_uint64)nNew * sizeof *a);
    if (a == NULL) return SQLITE_NOMEM;
    memset(a + pCsr->nSegAlloc, 0, (size_t)(nNew - pCsr->nSegAlloc) * sizeof *a);
    pCsr->aSeg = a;
    pCsr->nSegAlloc = nNew;
  }
  g = &pCsr->aSeg[pCsr->nSeg];
  if (g->nValAlloc < 2 * (n + 1)) {      /* slots keep their values' room */
    sqlite3_free(g->aLo);
    g->nValAlloc = 0;
    g->aLo = sqlite3_malloc64(2 * (sqlite3_uint64)(n + 1) * sizeof(lvt_value));
    if (g->aLo == NULL) return SQLITE_NOMEM;
    g->nValAlloc = 2 * (n + 1);
  }
  pCsr->nSeg++;
  g->aHi = g->aLo + n + 1;
  if (n) { memcpy(g->aLo, aPre, (size_t)n * sizeof(lvt_value)); memcpy(g->aHi, aPre, (size_t)n * sizeof(lvt_value)); }
  g->nLo = n + (pL != NULL);
  g->bLoIncl = pL ? bLIncl : 1;
  if (pL) g->aLo[n] = *pL;
  g->nHi = n + (pU != NULL);
  g->bHiIncl = pU ? bUIncl : 1;
  if (pU) g->aHi[n] = *pU;
  return SQLITE_OK;
}

/* The values of one index scan as xFilter collected them (converted as
 * SQLite converts a comparison operand), each with its "ambiguous" flag:
 * a number compared with a TEXT or untyped column, whose matches depend on
 * the affinity of the right-hand side, which a virtual table cannot see
 * (a literal or parameter has none: the number becomes text for a TEXT
 * column and stays a number for an untyped one; a column of another table
 * may have none, so nothing converts, or a numeric one, so the column's
 * numeric-looking text converts).  See lvtFilterIndex. */
typedef struct ScanVals {
  const lvt_index_def *x;
  const lvt_table_def *d;
  int nEq;
  lvt_value *aEq;            /* nEq values (the IN position: per value) */
  unsigned char *aAmb;       /* their flags */
  const lvt_value *pL, *pU;  /* range bounds on column nEq, or NULL */
  int bLIncl, bUIncl, bLAmb, bUAmb;
} ScanVals;

/* Is column iCol TEXT (1), untyped (2) or neither (0)? */
static int colTextOrUntyped(const lvt_table_def *d, int iCol)
{
  int a = d->cols[iCol].affinity;
  return a == LVT_AFF_TEXT ? 1 : a == LVT_AFF_BLOB ? 2 : 0;
}

/* All TEXT values of key column n after the prefix: the range where a
 * number compared with a TEXT or untyped column may also match. */
static int segTextRegion(LvtCursor *pCsr, const ScanVals *v, const lvt_value *aPre, int n)
{
  static const lvt_value vText = { LVT_TEXT, { 0 } }, vBlob = { LVT_BLOB, { 0 } };
  lvt_value t = vText, b = vBlob;
  t.u.s.p = b.u.s.p = "";
  return segAdd(pCsr, aPre, n, v->x->desc ? v->x->desc[n] : 0, &t, 1, &b, 0);
}

/* The ranges for a prefix of nEq equality values plus the bounds on the
 * next column.  With an ambiguous bound the exact range widens: on a TEXT
 * column to every non-NULL value; on an untyped one the TEXT values are
 * added (numbers sort before them, blobs after). */
static int segRanged(LvtCursor *pCsr, const ScanVals *v, const lvt_value *aPre)
{
  int n = v->nEq, bDesc, k, rc, nBefore = pCsr->nSeg;
  const lvt_value *pL = v->pL, *pU = v->pU;
  if (n >= v->x->ncol || (pL == NULL && pU == NULL))
    return segAdd(pCsr, aPre, n, 0, NULL, 0, NULL, 0);
  bDesc = v->x->desc ? v->x->desc[n] : 0;
  k = colTextOrUntyped(v->d, v->x->cols[n]);
  if (!(v->bLAmb || v->bUAmb) || k == 0)
    return segAdd(pCsr, aPre, n, bDesc, pL, v->bLIncl, pU, v->bUIncl);
  if (k == 1) return segAdd(pCsr, aPre, n, bDesc, NULL, 0, NULL, 0);
  if (pU == NULL || pU->type == LVT_BLOB)
    return segAdd(pCsr, aPre, n, bDesc, pL, v->bLIncl, pU, v->bUIncl);
  if (pU->type == LVT_TEXT) {                      /* hull up to the blobs */
    static const lvt_value vBlob = { LVT_BLOB, { 0 } };
    lvt_value b = vBlob;
    b.u.s.p = "";
    return segAdd(pCsr, aPre, n, bDesc, pL, v->bLIncl, &b, 0);
  }
  if (pL == NULL || pL->type == LVT_INTEGER || pL->type == LVT_REAL) {
    rc = segAdd(pCsr, aPre, n, bDesc, pL, v->bLIncl, pU, v->bUIncl);
    if (rc == SQLITE_OK) rc = segTextRegion(pCsr, v, aPre, n);
    if (rc == SQLITE_OK && (bDesc ^ pCsr->bReverse)) {   /* storage order */
      LvtSeg t = pCsr->aSeg[nBefore];
      pCsr->aSeg[nBefore] = pCsr->aSeg[nBefore + 1];
      pCsr->aSeg[nBefore + 1] = t;
    }
    return rc;
  }
  return segTextRegion(pCsr, v, aPre, n);
}

/* The ranges for one full prefix aPre (flags aAmb).  At the first
 * ambiguous equality j: on a TEXT column every TEXT value of column j
 * (they include the number's text); on an untyped one the exact ranges
 * (later ambiguities handled the same way) and then those TEXT values, in
 * storage order. */
static int segPrefix(LvtCursor *pCsr, const ScanVals *v, const lvt_value *aPre,
                     const unsigned char *aAmb)
{
  unsigned char aFlag[MAX_PLAN_COLS];
  int j, rc, nBefore = pCsr->nSeg;
  for (j = 0; j < v->nEq && !aAmb[j]; j++) {}
  if (j == v->nEq) return segRanged(pCsr, v, aPre);
  if (colTextOrUntyped(v->d, v->x->cols[j]) == 1) return segTextRegion(pCsr, v, aPre, j);
  memcpy(aFlag, aAmb, (size_t)v->nEq);
  aFlag[j] = 0;
  rc = segPrefix(pCsr, v, aPre, aFlag);
  if (rc == SQLITE_OK) rc = segTextRegion(pCsr, v, aPre, j);
  if (rc == SQLITE_OK && ((v->x->desc ? v->x->desc[j] : 0) ^ pCsr->bReverse)) {
    LvtSeg t = pCsr->aSeg[pCsr->nSeg - 1];             /* text region first */
    memmove(&pCsr->aSeg[nBefore + 1], &pCsr->aSeg[nBefore],
            (size_t)(pCsr->nSeg - 1 - nBefore) * sizeof(LvtSeg));
    pCsr->aSeg[nBefore] = t;
  }
  return rc;
}

/* The ranges of a scan with an IN list at position q: one set per value.
 * An ambiguous equality before q on a TEXT column: its TEXT region covers
 * everything.  Ambiguous IN values: the TEXT values of column q are
 * scanned once and the values they contain are skipped.  No ORDER BY is
 * served with an IN list, so the order of the ranges does not matter. */
static int segInList(LvtCursor *pCsr, ScanVals *v, int q, const lvt_value *aIn,
                     const unsigned char *aInAmb, int nIn)
{
  unsigned char aFlag[MAX_PLAN_COLS];
  int k, j, bAmbIn = 0, rc = SQLITE_OK, kind = colTextOrUntyped(v->d, v->x->cols[q]);
  for (k = 0; k < nIn; k++) bAmbIn |= aInAmb[k];
  for (j = 0; j < q && !v->aAmb[j]; j++) {}
  if (j < q && colTextOrUntyped(v->d, v->x->cols[j]) == 1) return segTextRegion(pCsr, v, v->aEq, j);
  memcpy(aFlag, v->aAmb, (size_t)v->nEq);
  if (j < q) aFlag[j] = 0;
  aFlag[q] = 0;
  for (k = 0; k < nIn && rc == SQLITE_OK; k++) {
    if (bAmbIn && (aIn[k].type == LVT_TEXT || (kind == 1 && aInAmb[k]))) continue;
    v->aEq[q] = aIn[k];
    rc = segPrefix(pCsr, v, v->aEq, aFlag);
  }
  if (rc == SQLITE_OK && bAmbIn) rc = segTextRegion(pCsr, v, v->aEq, q);
  if (rc == SQLITE_OK && j < q) rc = segTextRegion(pCsr, v, v->aEq, j);
  return rc;
}

/* Is a comparison of column iCol with pVal ambiguous (see ScanVals)? */
static int valAmbiguous(const lvt_table_def *d, int iCol, sqlite3_value *pVal)
{
  int t = sqlite3_value_type(pVal);
  return colTextOrUntyped(d, iCol) != 0 && (t == SQLITE_INTEGER || t == SQLITE_FLOAT);
}

/* Append the values of an IN list handed over whole (NULLs never match)
 * to pVl, converted for column iCol, with their ambiguity flags in
 * *paAmb (sqlite3_malloc'd, *pn of them). */
static int lvtInValues(sqlite3_value *pList, const lvt_table_def *d, int iCol, int bCheck,
                       ValList *pVl, unsigned char **paAmb, int *pn)
{
  sqlite3_value *pVal = NULL;
  int rc, nAlloc = 0;
  for (rc = sqlite3_vtab_in_first(pList, &pVal); rc == SQLITE_OK && pVal;
       rc = sqlite3_vtab_in_next(pList, &pVal)) {
    if (sqlite3_value_type(pVal) == SQLITE_NULL) continue;
    if (*pn == nAlloc) {
      unsigned char *a = sqlite3_realloc(*paAmb, nAlloc = nAlloc * 2 + 16);
      if (a == NULL) return SQLITE_NOMEM;
      *paAmb = a;
    }
    (*paAmb)[(*pn)++] = (unsigned char)(bCheck && valAmbiguous(d, iCol, pVal));
    valListAddOperand(pVl, d, iCol, pVal);
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* xFilter on an index: collect the equality values (one of them possibly
 * an IN list) and the bounds, converted as SQLite converts a comparison
 * operand, then turn them into key ranges.  Where the right-hand side's
 * affinity decides the answer (see ScanVals) the ranges cover every
 * reading; those constraints were left to SQLite (omit = 0), which keeps
 * the rows that match. */
static int lvtFilterIndex(LvtCursor *pCsr, const LvtScanPlan *pPlan, sqlite3_value **argv, int *piArg)
{
  const lvt_table_def *d = lvt_table_schema(csrTab(pCsr)->pTbl);
  const lvt_index_def *x = &d->idx[pPlan->iPath];
  static const lvt_value vNull = { LVT_NULL, { 0 } };
  lvt_value vColon;
  sqlite3_value *pList = NULL, *pVal = NULL;
  unsigned char aAmb[MAX_PLAN_COLS + 2], *aInAmb = NULL;
  int j, rc, nEq = pPlan->nEq, iRange = nEq < x->ncol ? x->cols[nEq] : 0, q = -1, nIn = 0;
  ScanVals v;
  ValList vl;
  memset(&vl, 0, sizeof vl);
  vl.a = pCsr->pOwned; vl.nAlloc = pCsr->nOwnedAlloc;           /* reuse */
  vl.pBuf = pCsr->pOwnedBuf; vl.nBufAlloc = pCsr->nOwnedBufAlloc;
  pCsr->pOwned = pCsr->pOwnedBuf = NULL;
  pCsr->nOwnedAlloc = 0;
  pCsr->nOwnedBufAlloc = 0;
  memset(aAmb, 0, sizeof aAmb);
  vColon.type = LVT_TEXT;
  vColon.u.s.p = ":";
  vColon.u.s.n = 1;
  pCsr->eScan = SCAN_INDEX;
  for (j = 0; j < nEq; j++) {
    if (pPlan->aEqOp[j] == OP_ISNULL) { valListAdd(&vl, &vNull); continue; }
    if (pPlan->aEqOp[j] == OP_IN) { pList = argv[(*piArg)++]; q = j; valListAdd(&vl, &vNull); continue; }
    pVal = argv[(*piArg)++];
    if (pPlan->aEqOp[j] == OP_EQ && sqlite3_value_type(pVal) == SQLITE_NULL) pCsr->bNoRows = 1;
    aAmb[j] = (unsigned char)(pPlan->aCheck[j] && valAmbiguous(d, x->cols[j], pVal));
    valListAddOperand(&vl, d, x->cols[j], pVal);
  }
  for (j = 0; j < 2; j++) {
    if ((j ? pPlan->eHiOp : pPlan->eLoOp) == OP_NONE) { valListAdd(&vl, &vNull); continue; }
    pVal = argv[(*piArg)++];
    if (sqlite3_value_type(pVal) == SQLITE_NULL) pCsr->bNoRows = 1;
    aAmb[nEq + j] = (unsigned char)(pPlan->aCheck[nEq] && valAmbiguous(d, iRange, pVal));
    valListAddOperand(&vl, d, iRange, pVal);
  }
  rc = pList ? lvtInValues(pList, d, x->cols[q], pPlan->aCheck[q], &vl, &aInAmb, &nIn) : SQLITE_OK;
  if (pList && nIn == 0) pCsr->bNoRows = 1;
  if (rc != SQLITE_OK) { sqlite3_free(vl.a); sqlite3_free(vl.pBuf); sqlite3_free(aInAmb); return rc; }
  if ((rc = valListDone(&vl)) != SQLITE_OK) { sqlite3_free(aInAmb); return rc; }
  pCsr->pOwned = vl.a;
  pCsr->pOwnedBuf = vl.pBuf;
  pCsr->nOwnedAlloc = vl.nAlloc;
  pCsr->nOwnedBufAlloc = vl.nBufAlloc;
  memset(&v, 0, sizeof v);
  v.x = x; v.d = d; v.nEq = nEq; v.aEq = vl.a; v.aAmb = aAmb;
  v.pL = pPlan->eLoOp ? &vl.a[nEq] : NULL; v.bLIncl = pPlan->eLoOp == OP_GE; v.bLAmb = aAmb[nEq];
  v.pU = pPlan->eHiOp ? &vl.a[nEq + 1] : NULL; v.bUIncl = pPlan->eHiOp == OP_LE; v.bUAmb = aAmb[nEq + 1];
  if (v.pU && pPlan->aCheck[nEq] && v.pU->type == LVT_TEXT && colTextOrUntyped(d, iRange)
      && (v.pU->u.s.n == 0 || *(const unsigned char *)v.pU->u.s.p < ':')) {
    /* A numeric right-hand side's column converts our numeric-looking
     * text, which then sorts below any text: such values start with a
     * space, sign, point or digit, all below ':'. */
    v.pU = &vColon;
    v.bUIncl = 0;
  }
  if (!pCsr->bNoRows)
    rc = q >= 0 ? segInList(pCsr, &v, q, vl.a + nEq + 2, aInAmb, nIn) : segPrefix(pCsr, &v, vl.a, aAmb);
  sqlite3_free(aInAmb);
  return rc;
}

/* Report a failed core call from a cursor method. */
static int lvtCursorError(LvtCursor *pCsr, int rc)
{
  return lvtVtabError(csrTab(pCsr), rc);
}

/* The work of xFilter: parse the plan, bind to a transaction, collect the
 * values, position on the first row (after OFFSET rows). */
static int lvtFilterScan(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                         int argc, sqlite3_value **argv)
{
  LvtCursor *pCsr = (LvtCursor *)pCursor;
  LvtVtab *pTab = csrTab(pCsr);
  LvtScanPlan plan;
  sqlite3_int64 nOffset = 0;
  int rc, iArg = 0;

  lvtCursorReset(pCsr);
  pTab->pConn->pAux->nCall++;
  if (lvtCursorBind(pCsr) == LVT_OK) lvtVtabRefresh(pTab, pCsr->pTxn);
  rc = planParse(idxNum, idxStr, lvt_table_schema(pTab->pTbl), &plan);
  if (rc != SQLITE_OK)
    return lvtVtabErrorMsg(pTab, SQLITE_SCHEMA, "lmdb: the indexes of %s changed since the "
                           "statement was prepared (plan \"%s\")", pTab->zSqlName, idxStr ? idxStr : "");
  pCsr->iIndex = plan.iPath;
  pCsr->bReverse = plan.bReverse;
  rc = plan.iPath < 0 ? lvtFilterRowid(pCsr, &plan, argv, &iArg)
                      : lvtFilterIndex(pCsr, &plan, argv, &iArg);
  if (rc != SQLITE_OK) return rc;
  if (plan.bLimit && iArg < argc) {
    pCsr->nLimit = sqlite3_value_int64(argv[iArg++]);
    if (pCsr->nLimit < 0) pCsr->nLimit = -1;
  }
  if (plan.bOffset && iArg < argc) nOffset = sqlite3_value_int64(argv[iArg++]);
  if (pCsr->bNoRows) return SQLITE_OK;
  rc = lvtCursorBind(pCsr);
  if (rc == LVT_OK && pCsr->eScan != SCAN_ROWID_LIST)
    rc = lvt_cursor_reopen(pCsr->pTxn, pTab->pTbl, pCsr->eScan == SCAN_INDEX ? pCsr->iIndex : -1,
                           &pCsr->pCurSpare, &pCsr->pCur);
  pCsr->bEof = 0;
  if (rc == LVT_OK) rc = lvtCursorStep(pCsr, 1);
  for (; rc == LVT_OK && nOffset > 0 && !pCsr->bEof; nOffset--) rc = lvtCursorStep(pCsr, 0);
  if (rc == LVT_OK) rc = lvtCursorSettle(pCsr);
  if (rc != LVT_OK) { pCsr->bEof = 1; return lvtCursorError(pCsr, rc); }
  return SQLITE_OK;
}

/* xFilter.  A cursor lives within one run of one statement (SQLite closes
 * it when the statement is reset), so a scan filtered again (the inner side
 * of a join) keeps reading the statement's snapshot: it is held across the
 * reset, and lvtConnSnapshot hands it out again unless this connection
 * committed since.  Besides keeping one snapshot per statement, that spares
 * a read transaction per inner scan. */
static int lvtFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv)
{
  LvtCursor *pCsr = (LvtCursor *)pCursor;
  LvtSnap *pKeep = pCsr->pSnap;
  int rc;
  if (pKeep) pKeep->nRef++;
  rc = lvtFilterScan(pCursor, idxNum, idxStr, argc, argv);
  lvtSnapRelease(csrTab(pCsr)->pConn, pKeep);
  return rc;
}

/* xNext: re-attach first if a transaction change detached the cursor. */
static int lvtNext(sqlite3_vtab_cursor *pCursor)
{
  LvtCursor *pCsr = (LvtCursor *)pCursor;
  int rc = LVT_OK;
  if (pCsr->bEof) return SQLITE_OK;
  if (pCsr->bDetached) rc = lvtCursorReattach(pCsr);
  if (rc == LVT_OK && pCsr->bAhead) {
    pCsr->bAhead = 0;
    pCsr->bRowValid = 0;
    if (pCsr->bAheadEof) pCsr->bEof = 1;
    else rc = lvt_cursor_rowid(pCsr->pCur, &pCsr->iRowid);
  } else if (rc == LVT_OK) {
    rc = lvtCursorStep(pCsr, 0);
  }
  if (rc == LVT_OK) rc = lvtCursorSettle(pCsr);
  if (rc != LVT_OK) { pCsr->bEof = 1; return lvtCursorError(pCsr, rc); }
  return SQLITE_OK;
}

/* xEof */
static int lvtEof(sqlite3_vtab_cursor *pCursor)
{
  return ((LvtCursor *)pCursor)->bEof;
}

/* xColumn: decode column i of the current row only (the rowid for the
 * INTEGER PRIMARY KEY).  A row deleted meanwhile reads as NULLs.  Short
 * TEXT without NUL bytes goes through a NUL-terminated copy on the stack
 * with length -1: SQLite then copies it with its terminator and marks it
 * terminated, instead of reallocating it later to add one (an explicit
 * length never counts as terminated).  Other text keeps its length. */
static int lvtColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i)
{
  LvtCursor *pCsr = (LvtCursor *)pCursor;
  const lvt_table_def *d = lvt_table_schema(csrTab(pCsr)->pTbl);
  lvt_row *pRow;
  lvt_value v;
  char aText[256];
  int rc = LVT_OK;
  if (i == d->ipk) {
    /* In an UPDATE that does not assign it, say so (see lvtUpdateRow). */
    if (!sqlite3_vtab_nochange(ctx)) sqlite3_result_int64(ctx, pCsr->iRowid);
    return SQLITE_OK;
  }
  if (pCsr->bDetached) rc = lvtCursorReattach(pCsr);
  if (rc == LVT_OK) rc = lvtCursorRow(pCsr, &pRow);
  if (rc == LVT_NOTFOUND) { sqlite3_result_null(ctx); return SQLITE_OK; }
  if (rc == LVT_OK) rc = lvt_row_column(pRow, i, &v);
  if (rc != LVT_OK) return lvtCursorError(pCsr, rc);
  if (v.type == LVT_TEXT && v.u.s.n < sizeof aText &&
      (v.u.s.n == 0 || memchr(v.u.s.p, 0, v.u.s.n) == NULL)) {
    if (v.u.s.n) memcpy(aText, v.u.s.p, v.u.s.n);
    aText[v.u.s.n] = '\0';
    sqlite3_result_text(ctx, aText, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  lvtResultValue(ctx, &v);
  return SQLITE_OK;
}

/* xRowid */
static int lvtRowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid)
{
  *pRowid = ((LvtCursor *)pCursor)->iRowid;
  return SQLITE_OK;
}

/* ------------------------------------------------------------- writes -- */

/* A rowid given by SQL (INSERT INTO t(rowid, ...), UPDATE t SET rowid =):
 * an integer, or text/real that converts to one exactly, as SQLite
 * requires of a rowid; otherwise "datatype mismatch". */
static int lvtRowidValue(sqlite3_value *pVal, int64_t *piRowid)
{
  const double r63 = 9223372036854775808.0;
  sqlite3_value *pCopy = sqlite3_value_dup(pVal);
  int eType, rc = SQLITE_MISMATCH;
  if (pCopy == NULL) return SQLITE_NOMEM;
  eType = sqlite3_value_numeric_type(pCopy);
  if (eType == SQLITE_INTEGER) { *piRowid = sqlite3_value_int64(pCopy); rc = SQLITE_OK; }
  else if (eType == SQLITE_FLOAT) {
    double r = sqlite3_value_double(pCopy);
    if (r == floor(r) && r >= -r63 && r < r63) { *piRowid = (int64_t)r; rc = SQLITE_OK; }
  }
  sqlite3_value_free(pCopy);
  return rc;
}

/* Fill vals[] from argv[2..] for INSERT/UPDATE.  SQLite gives a virtual
 * table neither the DEFAULT expressions nor the INSERT's column list (an
 * omitted column arrives as NULL), so on INSERT a NULL in a column with a
 * DEFAULT stores the DEFAULT; so does a NULL into a NOT NULL column under
 * OR REPLACE, as in SQLite.  Not for the INTEGER PRIMARY KEY: natively an
 * omitted one is a new rowid whatever its DEFAULT says. */
static void lvtRowValues(const lvt_table_def *d, sqlite3_value **argv, int bInsert,
                         int bReplace, lvt_value *vals)
{
  int i;
  for (i = 0; i < d->ncol; i++) {
    const lvt_column_def *c = &d->cols[i];
    lvtValueFromSqlite(argv[2 + i], &vals[i]);
    if (vals[i].type == LVT_NULL && c->has_default && i != d->ipk
        && (bInsert || (bReplace && c->notnull)))
      vals[i] = c->dflt;
  }
}

/* INSERT: the rowid is the INTEGER PRIMARY KEY's value, else argv[1]
 * (INSERT INTO t(rowid, ...)), else the core's max + 1. */
static int lvtInsert(LvtVtab *pTab, lvt_txn *pTxn, sqlite3_value **argv, lvt_value *vals,
                     unsigned flags, sqlite3_int64 *pRowid)
{
  const lvt_table_def *d = lvt_table_schema(pTab->pTbl);
  int64_t iRowid = 0;
  int rc;
  if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (d->ipk >= 0 && vals[d->ipk].type == LVT_NULL) {
      lvtValueFromSqlite(argv[1], &vals[d->ipk]);
    } else if (d->ipk < 0) {
      if ((rc = lvtRowidValue(argv[1], &iRowid)) != SQLITE_OK)
        return lvtVtabErrorMsg(pTab, rc, rc == SQLITE_MISMATCH ? "datatype mismatch" : "out of memory");
      flags |= LVT_ROWID_GIVEN;
    }
  }
  rc = lvt_insert(pTxn, pTab->pTbl, vals, &iRowid, flags);
  if (rc == LVT_OK) *pRowid = iRowid;
  return rc == LVT_OK || rc == LVT_IGNORED ? SQLITE_OK : lvtVtabError(pTab, rc);
}

/* UPDATE of row argv[0]; argv[1] is the new rowid (SET rowid = ...), which
 * for a table with an INTEGER PRIMARY KEY is that column. */
static int lvtUpdateRow(LvtVtab *pTab, lvt_txn *pTxn, sqlite3_value **argv, lvt_value *vals,
                        unsigned flags)
{
  const lvt_table_def *d = lvt_table_schema(pTab->pTbl);
  int64_t iOld = sqlite3_value_int64(argv[0]), iNew = 0;
  int bMoved = sqlite3_value_type(argv[1]) != SQLITE_INTEGER || sqlite3_value_int64(argv[1]) != iOld;
  int rc;
  if (d->ipk >= 0) {
    /* The key is the INTEGER PRIMARY KEY column, or the rowid when the
     * UPDATE does not assign the column (SQLite marks it "nochange": see
     * lvtColumn).  When both are assigned SQLite takes the later one,
     * which a virtual table cannot see; the column wins. */
    if (sqlite3_value_nochange(argv[2 + d->ipk])) lvtValueFromSqlite(argv[1], &vals[d->ipk]);
    bMoved = 0;
  } else if (bMoved && (rc = lvtRowidValue(argv[1], &iNew)) != SQLITE_OK) {
    return lvtVtabErrorMsg(pTab, rc, rc == SQLITE_MISMATCH ? "datatype mismatch" : "out of memory");
  }
  rc = lvt_update(pTxn, pTab->pTbl, iOld, bMoved ? &iNew : NULL, vals, flags);
  return rc == LVT_OK || rc == LVT_IGNORED || rc == LVT_NOTFOUND ? SQLITE_OK : lvtVtabError(pTab, rc);
}

/* xUpdate: DELETE (argc == 1), INSERT (argv[0] NULL) or UPDATE, in the
 * environment's write transaction.  ON CONFLICT REPLACE is done by the
 * core; for IGNORE, FAIL, ABORT and ROLLBACK the constraint error goes back
 * to SQLite (nothing was written: the core checks before it writes), which
 * skips the row or ends the statement or transaction as natively. */
static int lvtUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  const lvt_table_def *d = lvt_table_schema(pTab->pTbl);
  lvt_value aStack[16], *vals = aStack;
  lvt_txn *pTxn = NULL;
  unsigned flags;
  int rc = lvtConnWriteTxn(pTab->pConn, pTab->db, &pTxn);
  pTab->pConn->pAux->nCall++;
  if (rc != LVT_OK) return lvtVtabError(pTab, rc);
  if (argc == 1) {
    rc = lvt_delete(pTxn, pTab->pTbl, sqlite3_value_int64(argv[0]));
    pTab->pConn->iWriteSeq++;
    return rc == LVT_OK || rc == LVT_NOTFOUND ? SQLITE_OK : lvtVtabError(pTab, rc);
  }
  if (argc - 2 != d->ncol)
    return lvtVtabErrorMsg(pTab, SQLITE_ERROR, "lmdb: %s has %d columns, not %d",
                           pTab->zSqlName, d->ncol, argc - 2);
  if (d->ncol > 16 && (vals = sqlite3_malloc64((sqlite3_uint64)d->ncol * sizeof *vals)) == NULL)
    return SQLITE_NOMEM;
  flags = sqlite3_vtab_on_conflict(pTab->db) == SQLITE_REPLACE ? LVT_CONFLICT_REPLACE : LVT_CONFLICT_ABORT;
  lvtRowValues(d, argv, sqlite3_value_type(argv[0]) == SQLITE_NULL, flags == LVT_CONFLICT_REPLACE, vals);
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) rc = lvtInsert(pTab, pTxn, argv, vals, flags, pRowid);
  else rc = lvtUpdateRow(pTab, pTxn, argv, vals, flags);
  /* OR IGNORE: SQLite skips the row and keeps any message for the
   * statement's next error, even one it words itself ("datatype mismatch"
   * for a later row's rowid): a skipped row leaves none, as natively. */
  if ((rc & 0xff) == SQLITE_CONSTRAINT && sqlite3_vtab_on_conflict(pTab->db) == SQLITE_IGNORE) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = NULL;
  }
  pTab->pConn->iWriteSeq++;
  if (vals != aStack) sqlite3_free(vals);
  return rc;
}

/* ------------------------------------------------- transaction methods -- */

/* Note that pTab takes part in the SQLite transaction (xSync, xCommit or
 * xRollback will come for it). */
static void lvtJoin(LvtVtab *pTab)
{
  if (!pTab->bInTrans) { pTab->bInTrans = 1; pTab->pConn->nPart++; }
}

/* ... and that it no longer does. */
static void lvtLeave(LvtVtab *pTab)
{
  if (pTab->bInTrans) { pTab->bInTrans = 0; pTab->pConn->nPart--; }
}

/* xBegin: the first write of a transaction to this table.  Begins the
 * environment's write transaction, or SQLITE_BUSY ("database is locked")
 * once the busy timeout has passed. */
static int lvtBegin(sqlite3_vtab *pVtab)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  int rc;
  pTab->bJoinedLate = pTab->pConn->pWrite != NULL;
  pTab->nCallBegin = ++pTab->pConn->pAux->nCall;
  rc = lvtConnBegin(pTab->pConn, pTab->db);
  if (rc == LVT_BUSY) return lvtVtabErrorMsg(pTab, SQLITE_BUSY, "database is locked");
  if (rc != LVT_OK) return lvtVtabError(pTab, rc);
  lvtJoin(pTab);
  return SQLITE_OK;
}

/* xSync: the LMDB commit, so that its errors reach the user.  The first
 * table of an environment commits for all of them. */
static int lvtSync(sqlite3_vtab *pVtab)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  int rc;
  if (pTab->pConn->pWrite) {
    rc = lvtSqliteCommitLock(pTab->db);
    if (rc != SQLITE_OK) {
      /* Nothing committed: SQLite keeps the transaction open after a busy
       * COMMIT (it may be retried) and rolls back otherwise. */
      pTab->pConn->pAux->nCall++;
      return lvtVtabErrorMsg(pTab, rc, rc == SQLITE_BUSY ? "database is locked"
                             : "cannot write the database before the lmdb commit");
    }
  }
  rc = lvtConnCommit(pTab->pConn);
  pTab->pConn->pAux->nCall++;
  return rc == LVT_OK ? SQLITE_OK : lvtVtabError(pTab, rc);
}

/* xCommit: cannot fail.  Normally xSync committed already; a transaction
 * still open here (no xSync came) commits now, errors lost. */
static int lvtCommit(sqlite3_vtab *pVtab)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  if (pTab->pConn->pWrite) lvtConnCommit(pTab->pConn);
  pTab->pConn->pAux->nCall++;
  lvtLeave(pTab);
  return SQLITE_OK;
}

/* xRollback: abort everything.  Cannot fail. */
static int lvtRollback(sqlite3_vtab *pVtab)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  if (pTab->pConn->pWrite || pTab->pConn->nSave) lvtConnAbort(pTab->pConn);
  pTab->pConn->pAux->nCall++;
  lvtLeave(pTab);
  return SQLITE_OK;
}

/* xSavepoint(N).  Right after xBegin, SQLite announces the innermost
 * savepoint that already exists (it created it before this table joined).
 * When other tables of the environment joined earlier and N is not known
 * here, N is older than everything they wrote (they would have been told of
 * it otherwise): it is not recorded, so that ROLLBACK TO it undoes all.  A
 * module call in between shows a real new savepoint (LvtAux.nCall). */
static int lvtSavepoint(sqlite3_vtab *pVtab, int iSavepoint)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  LvtConn *p = pTab->pConn;
  int i, bAnnounce = p->pAux->nCall == pTab->nCallBegin;
  p->pAux->nCall++;
  if (bAnnounce && pTab->bJoinedLate) {
    for (i = 0; i < p->nSave && p->aSave[i].iLevel != iSavepoint; i++) {}
    if (i == p->nSave) return SQLITE_OK;     /* older than all we wrote */
  }
  return lvtConnSavepoint(p, iSavepoint);
}

/* xRelease */
static int lvtRelease(sqlite3_vtab *pVtab, int iSavepoint)
{
  LvtVtab *pTab = (LvtVtab *)pVtab;
  int rc = lvtConnReleaseTo(pTab->pConn, iSavepoint);
  pTab->pConn->pAux->nCall++;
  return rc == LVT_OK ? SQLITE_OK : lvtVtabError(pTab, rc);
}

/* xRollbackTo */
static int lvtRollbackTo(sqlite3_vtab *pVtab, int iSavepoint)
{
  ((LvtVtab *)pVtab)->pConn->pAux->nCall++;
  lvtConnRollbackTo(((LvtVtab *)pVtab)->pConn, iSavepoint);
  return SQLITE_OK;
}

/* ------------------------------------------------------------- module -- */

static const sqlite3_module lvtModule = {
  2,                /* iVersion: savepoints */
  lvtCreate, lvtConnect, lvtBestIndex, lvtDisconnect, lvtDestroy,
  lvtOpen, lvtClose, lvtFilter, lvtNext, lvtEof, lvtColumn, lvtRowid,
  lvtUpdate, lvtBegin, lvtSync, lvtCommit, lvtRollback,
  NULL,             /* xFindFunction */
  lvtRename, lvtSavepoint, lvtRelease, lvtRollbackTo,
  NULL,             /* xShadowName */
};

/* The module's client data goes when the connection closes (after every
 * table disconnected): close what is left, remove private environments. */
static void lvtAuxDestroy(void *p)
{
  LvtAux *pAux = (LvtAux *)p;
  while (pAux->pConnList) lvtConnFree(pAux->pConnList);
  sqlite3_free(pAux);
}

/* Register the "lmdb" module on db with a fresh per-connection state. */
int lvt_glue_register_module(sqlite3 *db)
{
  LvtAux *pAux = sqlite3_malloc(sizeof *pAux);
  if (pAux == NULL) return SQLITE_NOMEM;
  memset(pAux, 0, sizeof *pAux);
  pAux->db = db;
  return sqlite3_create_module_v2(db, "lmdb", &lvtModule, pAux, lvtAuxDestroy);
}

/* ------------------------------------------- the SQL functions' access -- */
/*
 * The lmdb_* SQL functions (functions.c) name a table by its SQL name and
 * need its table object on their own connection: the handle, the
 * environment's state on the connection and its write transaction.  Every
 * table object of the process is listed in lvtReg (a process-wide list
 * under a mutex, because SQLite gives a function no way to reach a
 * module's client data), with its connection and schema; a function finds
 * its table there after making SQLite connect it.
 *
 * A schema change made by a function (lmdb_create_index, lmdb_drop_index)
 * goes through lvtConnSchemaTxn, so it is part of the SQLite transaction
 * when one is open: inside BEGIN ... it commits or rolls back with it.  If
 * no table of the environment has joined that transaction yet, the table
 * joins it first (a write statement that writes nothing makes SQLite call
 * xBegin), so that COMMIT and ROLLBACK reach it.  Afterwards every
 * prepared statement of the connection is expired, as SQLite's own CREATE
 * INDEX does, so that statements prepared before plan again with the new
 * set of indexes; and before planning (xBestIndex) and before a scan
 * (xFilter) a table object brings its handle up to date with the
 * transaction it reads (lvtVtabRefresh), so that an index made or dropped
 * by another connection, or rolled back, is seen at once.
 */
typedef struct LvtReg LvtReg;
struct LvtReg {
  LvtReg *pNext;
  LvtVtab *pTab;
  char *zDb;               /* schema name: "main", "temp", attached name */
};

static pthread_mutex_t lvtRegMutex = PTHREAD_MUTEX_INITIALIZER;
static LvtReg *lvtRegList;

/* List table object pTab of schema zDb (xCreate, xConnect). */
static int lvtRegistryAdd(LvtVtab *pTab, const char *zDb)
{
  LvtReg *pReg = sqlite3_malloc(sizeof *pReg);
  if (pReg == NULL) return SQLITE_NOMEM;
  pReg->pTab = pTab;
  pReg->zDb = sqlite3_mprintf("%s", zDb);
  if (pReg->zDb == NULL) { sqlite3_free(pReg); return SQLITE_NOMEM; }
  pthread_mutex_lock(&lvtRegMutex);
  pReg->pNext = lvtRegList;
  lvtRegList = pReg;
  pthread_mutex_unlock(&lvtRegMutex);
  return SQLITE_OK;
}

/* Take pTab off the list (when it is freed); nothing if it is not there. */
static void lvtRegistryRemove(LvtVtab *pTab)
{
  LvtReg **pp, *pReg = NULL;
  pthread_mutex_lock(&lvtRegMutex);
  for (pp = &lvtRegList; *pp; pp = &(*pp)->pNext) {
    if ((*pp)->pTab == pTab) { pReg = *pp; *pp = pReg->pNext; break; }
  }
  pthread_mutex_unlock(&lvtRegMutex);
  if (pReg) { sqlite3_free(pReg->zDb); sqlite3_free(pReg); }
}

/* The table object of SQL table zDb.zName on db, or NULL.  Only db's own
 * objects are looked at beyond their db pointer. */
static LvtVtab *lvtRegistryFind(sqlite3 *db, const char *zDb, const char *zName,
                                const char **pzDb)
{
  LvtReg *pReg;
  LvtVtab *pTab = NULL;
  pthread_mutex_lock(&lvtRegMutex);
  for (pReg = lvtRegList; pReg && pTab == NULL; pReg = pReg->pNext) {
    if (pReg->pTab->db == db && sqlite3_stricmp(pReg->zDb, zDb) == 0
        && sqlite3_stricmp(pReg->pTab->zSqlName, zName) == 0) {
      pTab = pReg->pTab;
      if (pzDb) *pzDb = pReg->zDb;
    }
  }
  pthread_mutex_unlock(&lvtRegMutex);
  return pTab;
}

/* The transaction a scan would read now (as lvtCursorBind chooses): the
 * write transaction (innermost level), else the connection's current
 * snapshot, else a short read-only one (*pbTemp set: the caller aborts
 * it). */
static int lvtRefreshTxn(LvtConn *p, lvt_txn **ppTxn, int *pbTemp)
{
  if (p->pWrite == NULL && p->pSnap && p->pSnap->iCommitSeq == p->iCommitSeq) {
    *pbTemp = 0;
    *ppTxn = p->pSnap->pTxn;
    return LVT_OK;
  }
  return lvtReadTxn(p, ppTxn, pbTemp);
}

/* Bring pTab's handle up to date with transaction pTxn (NULL: the one a
 * scan would read now), so that lvt_table_schema() shows the indexes there
 * are in it (made or dropped by this connection or another one, or undone
 * by a rollback).  Cheap when nothing changed: the core compares a few
 * words, or reads the catalog generation once.  An error is left to the
 * operation that follows. */
static void lvtVtabRefresh(LvtVtab *pTab, lvt_txn *pTxn)
{
  lvt_stat st;
  int bTemp = 0;
  if (pTab->pTbl == NULL) return;
  if (pTxn == NULL && lvtRefreshTxn(pTab->pConn, &pTxn, &bTemp) != LVT_OK) return;
  (void)lvt_table_stat(pTxn, pTab->pTbl, -1, &st);
  if (bTemp) lvt_txn_abort(pTxn);
}

/* Make SQLite prepare every statement of db again before its next run, as
 * after a CREATE INDEX.  SQLite offers no call for just that; changing a
 * connection flag expires every statement (sqlite3_db_config), so one
 * whose only effect is on EXPLAIN QUERY PLAN output for triggers is
 * flipped and set back at once.  A statement that is running goes on
 * (if it opens another b-tree cursor afterwards, SQLite aborts it). */
static void lvtExpireStatements(sqlite3 *db)
{
  int bOn = 0;
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, -1, &bOn) != SQLITE_OK) return;
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, !bOn, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, bOn, (int *)NULL);
}

/* Run zSql (a statement built with sqlite3_mprintf, freed here); on error
 * *pzErr gets SQLite's message.  SQLITE_NOMEM when zSql is NULL. */
static int lvtExec(sqlite3 *db, char *zSql, char **pzErr)
{
  int rc;
  if (zSql == NULL) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  sqlite3_free(zSql);
  return rc;
}

/* Nonzero when schema zDb of db has a table (virtual or not) named zName.
 * Out of memory sets *pRc to SQLITE_NOMEM (other errors read as "no"). */
static int lvtSchemaHas(sqlite3 *db, const char *zDb, const char *zName, int *pRc)
{
  sqlite3_stmt *pStmt = NULL;
  char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_schema WHERE type = 'table' "
                               "AND name = ?1 COLLATE NOCASE", zDb);
  int bHas = 0, rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL) : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    bHas = rc == SQLITE_ROW;
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  if ((rc & 0xff) == SQLITE_NOMEM) *pRc = SQLITE_NOMEM;
  return bHas;
}

/* The schemas of db in the order SQLite searches them for an unqualified
 * name: temp, main, then attached ones.  *pazDb is one allocation of *pnDb
 * pointers and their strings (sqlite3_free it). */
static int lvtSchemaList(sqlite3 *db, char ***pazDb, int *pnDb)
{
  sqlite3_stmt *pStmt = NULL;
  sqlite3_str *pStr = sqlite3_str_new(db);
  char *zAll, **az, *z;
  int rc, n = 0, i;
  size_t nAll;
  *pazDb = NULL;
  *pnDb = 0;
  rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_database_list "
                          "ORDER BY seq = 1 DESC, seq", -1, &pStmt, NULL);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    sqlite3_str_appendf(pStr, "%s", (const char *)sqlite3_column_text(pStmt, 0));
    sqlite3_str_appendchar(pStr, 1, '\0');
    n++;
  }
  if (rc == SQLITE_OK) rc = sqlite3_finalize(pStmt);
  else sqlite3_finalize(pStmt);
  nAll = (size_t)sqlite3_str_length(pStr);
  zAll = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && n > 0 && zAll == NULL) rc = SQLITE_NOMEM;
  if (rc != SQLITE_OK || n == 0) { sqlite3_free(zAll); return rc; }
  az = sqlite3_malloc64((sqlite3_uint64)n * sizeof(char *) + nAll);
  if (az == NULL) { sqlite3_free(zAll); return SQLITE_NOMEM; }
  z = (char *)&az[n];
  memcpy(z, zAll, nAll);
  for (i = 0; i < n; i++) { az[i] = z; z += strlen(z) + 1; }
  sqlite3_free(zAll);
  *pazDb = az;
  *pnDb = n;
  return SQLITE_OK;
}

/* Fill *pOut from table object pTab of schema zDb. */
static void lvtGlueTab(LvtVtab *pTab, const char *zDb, lvt_glue_tab *pOut)
{
  pOut->pVtab = pTab;
  pOut->pTbl = pTab->pTbl;
  pOut->pEnv = pTab->pConn->pEnv;
  pOut->zSchema = zDb;
  pOut->zName = pTab->zSqlName;
  pOut->zLvtName = pTab->zLvtName;
}

/* Find lmdb table zName of schema zDb (NULL: the first schema that has a
 * table of that name, in SQLite's order), connecting it if SQLite has not
 * yet.  See lvt_glue.h. */
int lvt_glue_find_table(sqlite3 *db, const char *zDb, const char *zName,
                        lvt_glue_tab *pOut, char **pzErr)
{
  char **azDb = NULL;
  const char *zFound = NULL, *zRegDb = NULL;
  LvtVtab *pTab;
  int rc = SQLITE_OK, nDb = 0, i;

  memset(pOut, 0, sizeof *pOut);
  *pzErr = NULL;
  if (zDb == NULL) {
    rc = lvtSchemaList(db, &azDb, &nDb);
    for (i = 0; rc == SQLITE_OK && i < nDb && zFound == NULL; i++)
      if (lvtSchemaHas(db, azDb[i], zName, &rc)) zFound = azDb[i];
  } else if (lvtSchemaHas(db, zDb, zName, &rc)) {
    zFound = zDb;
  }
  if (rc != SQLITE_OK) goto find_done;
  if (zFound == NULL) {
    *pzErr = sqlite3_mprintf("no lmdb table named '%s'", zName);
    rc = *pzErr ? SQLITE_NOTFOUND : SQLITE_NOMEM;
    goto find_done;
  }
  pTab = lvtRegistryFind(db, zFound, zName, &zRegDb);
  if (pTab == NULL) {
    /* Not connected yet: preparing a statement that names it connects it. */
    sqlite3_stmt *pStmt = NULL;
    char *zSql = sqlite3_mprintf("SELECT 0 FROM \"%w\".\"%w\"", zFound, zName);
    if (zSql == NULL) { rc = SQLITE_NOMEM; goto find_done; }
    rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL);
    sqlite3_free(zSql);
    sqlite3_finalize(pStmt);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
      goto find_done;
    }
    pTab = lvtRegistryFind(db, zFound, zName, &zRegDb);
  }
  if (pTab == NULL) {
    *pzErr = sqlite3_mprintf("'%s' is not an lmdb table", zName);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    goto find_done;
  }
  lvtGlueTab(pTab, zRegDb, pOut);

find_done:
  sqlite3_free(azDb);
  return rc;
}

/* Read the next SQL token of *pz (a word, or a quoted name with its
 * quotes), skipping blanks and comments; *pn = 0 at the end. */
static const char *lvtSqlToken(const char **pz, size_t *pn)
{
  const char *z = *pz, *zTok;
  for (;;) {
    if (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r' || *z == '\f') {
      z++;
    } else if (z[0] == '-' && z[1] == '-') {
      while (*z && *z != '\n') z++;
    } else if (z[0] == '/' && z[1] == '*') {
      const char *zEnd = strstr(z + 2, "*/");
      z = zEnd ? zEnd + 2 : z + strlen(z);
    } else {
      break;
    }
  }
  zTok = z;
  if (*z == '"' || *z == '`' || *z == '\'' || *z == '[') {
    char cEnd = *z == '[' ? ']' : *z;
    for (z++; *z; z++) {
      if (*z != cEnd) continue;
      if (cEnd != ']' && z[1] == cEnd) { z++; continue; }   /* doubled quote */
      z++;
      break;
    }
  } else {
    while ((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') || (*z >= '0' && *z <= '9')
           || *z == '_' || *z == '$' || (unsigned char)*z >= 0x80)
      z++;
  }
  *pn = (size_t)(z - zTok);
  *pz = z;
  return zTok;
}

/* Nonzero when zSql, a CREATE VIRTUAL TABLE statement as SQLite stores it
 * ("CREATE VIRTUAL TABLE name USING module(...)"), names module lmdb. */
static int lvtSqlIsLmdb(const char *zSql)
{
  const char *z = zSql, *zTok = NULL;
  size_t n = 0;
  int i;
  if (z == NULL) return 0;
  for (i = 0; i < 6; i++) {        /* CREATE VIRTUAL TABLE name USING module */
    zTok = lvtSqlToken(&z, &n);
    if (n == 0) return 0;
  }
  if (n == 6 && (zTok[0] == '"' || zTok[0] == '`' || zTok[0] == '\'' || zTok[0] == '[')) {
    zTok++;
    n -= 2;
  }
  return n == 4 && sqlite3_strnicmp(zTok, "lmdb", 4) == 0;
}

/* Every lmdb table declared in the schemas of db (see lvt_glue.h). */
int lvt_glue_list_tables(sqlite3 *db, char ***pazName, int *pnName)
{
  sqlite3_str *pStr = sqlite3_str_new(db);
  char **azDb = NULL, *zAll = NULL, **az, *z;
  int rc, nDb = 0, n = 0, i;
  size_t nAll;

  *pazName = NULL;
  *pnName = 0;
  rc = lvtSchemaList(db, &azDb, &nDb);
  for (i = 0; rc == SQLITE_OK && i < nDb; i++) {
    sqlite3_stmt *pStmt = NULL;
    char *zSql = sqlite3_mprintf("SELECT name, sql FROM \"%w\".sqlite_schema WHERE type = 'table' "
                                 "AND sql LIKE 'CREATE VIRTUAL TABLE %%' ORDER BY name", azDb[i]);
    rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
      if (!lvtSqlIsLmdb((const char *)sqlite3_column_text(pStmt, 1))) continue;
      sqlite3_str_appendall(pStr, azDb[i]);
      sqlite3_str_appendchar(pStr, 1, '\0');
      sqlite3_str_appendall(pStr, (const char *)sqlite3_column_text(pStmt, 0));
      sqlite3_str_appendchar(pStr, 1, '\0');
      n++;
    }
    if (rc == SQLITE_OK) rc = sqlite3_finalize(pStmt);
  }
  nAll = (size_t)sqlite3_str_length(pStr);
  zAll = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && n > 0 && zAll == NULL) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && n > 0) {
    az = sqlite3_malloc64(2 * (sqlite3_uint64)n * sizeof(char *) + nAll);
    if (az == NULL) {
      rc = SQLITE_NOMEM;
    } else {
      z = (char *)&az[2 * n];
      memcpy(z, zAll, nAll);
      for (i = 0; i < 2 * n; i++) { az[i] = z; z += strlen(z) + 1; }
      *pazName = az;
      *pnName = n;
    }
  }
  sqlite3_free(zAll);
  sqlite3_free(azDb);
  return rc;
}

/* The SQLite code and message (sqlite3_malloc'd, naming the table by its
 * SQL name) for a failed core call on pTab's table. */
int lvt_glue_error(const lvt_glue_tab *pTab, int rc, char **pzMsg)
{
  LvtVtab *pVtab = (LvtVtab *)pTab->pVtab;
  *pzMsg = lvtMessage(rc, pVtab ? pVtab->zLvtName : NULL, pVtab ? pVtab->zSqlName : NULL);
  return *pzMsg ? lvtSqliteCode(rc, *pzMsg) : SQLITE_NOMEM;
}

/* Run fn(txn, ctx) in a transaction that reads what this connection sees
 * of pTab's environment: its write transaction when there is one (its own
 * uncommitted writes included), else a short read-only one.  LVT_* code. */
int lvt_glue_read(const lvt_glue_tab *pTab, int (*fn)(lvt_txn *, void *), void *pCtx)
{
  LvtVtab *pVtab = (LvtVtab *)pTab->pVtab;
  lvt_txn *pTxn = NULL;
  int bTemp = 0;
  int rc = lvtReadTxn(pVtab->pConn, &pTxn, &bTemp);
  if (rc != LVT_OK) return rc;
  rc = fn(pTxn, pCtx);
  if (bTemp) lvt_txn_abort(pTxn);
  return rc;
}

/* What lvtSchemaChangeFn calls. */
typedef struct LvtChange {
  int (*fn)(lvt_txn *, lvt_table *, void *);
  void *pCtx;
  lvt_table *pTbl;
} LvtChange;

/* lvtConnSchemaTxn callback for lvt_glue_schema_change. */
static int lvtSchemaChangeFn(lvt_txn *pTxn, void *pCtx)
{
  LvtChange *c = (LvtChange *)pCtx;
  return c->fn(pTxn, c->pTbl, c->pCtx);
}

/* Run fn(txn, tbl, ctx) as a schema change of pTab's table (see the top of
 * this section).  *pTab may be refreshed (the table joining the SQLite
 * transaction runs a statement).  On failure *pzErr says why: the SQLite
 * code is returned. */
int lvt_glue_schema_change(sqlite3 *db, lvt_glue_tab *pTab,
                           int (*fn)(lvt_txn *, lvt_table *, void *), void *pCtx,
                           char **pzErr)
{
  LvtVtab *pVtab = (LvtVtab *)pTab->pVtab;
  LvtChange c;
  int rc;

  *pzErr = NULL;
  if (sqlite3_db_readonly(db, pTab->zSchema) == 1) {
    /* SQLite refuses writes to the table itself there; so does this. */
    *pzErr = sqlite3_mprintf("table %s: database %s is read-only", pTab->zName, pTab->zSchema);
    return *pzErr ? SQLITE_READONLY : SQLITE_NOMEM;
  }
  if (!sqlite3_get_autocommit(db) && pVtab->pConn->nPart == 0) {
    char *zDb = sqlite3_mprintf("%s", pTab->zSchema);
    char *zName = sqlite3_mprintf("%s", pTab->zName);
    rc = zDb && zName ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK)
      rc = lvtExec(db, sqlite3_mprintf("DELETE FROM \"%w\".\"%w\" WHERE 0", zDb, zName), pzErr);
    if (rc == SQLITE_OK) {
      pVtab = lvtRegistryFind(db, zDb, zName, &pTab->zSchema);
      if (pVtab) lvtGlueTab(pVtab, pTab->zSchema, pTab);
      else rc = SQLITE_SCHEMA;
    }
    sqlite3_free(zDb);
    sqlite3_free(zName);
    if (rc != SQLITE_OK) return rc;
  }
  c.fn = fn;
  c.pCtx = pCtx;
  c.pTbl = pVtab->pTbl;
  rc = lvtConnSchemaTxn(pVtab->pConn, db, lvtSchemaChangeFn, &c);
  if (rc != LVT_OK) return lvt_glue_error(pTab, rc, pzErr);
  pVtab->stats.tWhen = 0;
  lvtExpireStatements(db);
  return SQLITE_OK;
}
