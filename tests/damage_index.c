/*
 * damage_index.c -- damage an index on purpose, below the API, so that the
 * SQL tests can show lmdb_integrity_check() finding it (sql/functions_check.sql).
 *
 *   tests/damage_index ENV_DIR TABLE INDEX
 *
 * In one write transaction of the environment in ENV_DIR, deletes the
 * first entry of index INDEX of table TABLE (its row is then missing from
 * the index) and adds a copy of its last entry that names row 999999,
 * which does not exist.  Prints what it did; exit status 0 on success.
 * Not a tool: it exists for the tests, and uses the core's internals.
 */
#include "table_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Report a failed call and return 1. */
static int fail(const char *what, int rc)
{
  fprintf(stderr, "damage_index: %s: %s (%s)\n", what, lvt_strerror(rc), lvt_errmsg());
  return 1;
}

int main(int argc, char **argv)
{
  unsigned char first[LVT_MAX_KEY], last[LVT_MAX_KEY];
  lvt_env *env = NULL;
  lvt_txn *txn = NULL;
  lvt_table *t = NULL;
  MDB_cursor *cur = NULL;
  MDB_val key, val, k;
  size_t nfirst, nlast;
  int rc, idx;

  if (argc != 4) {
    fprintf(stderr, "usage: damage_index ENV_DIR TABLE INDEX\n");
    return 2;
  }
  if ((rc = lvt_env_open(argv[1], NULL, &env)) != LVT_OK) return fail("lvt_env_open", rc);
  if ((rc = lvt_txn_begin(env, NULL, 0, 5000, &txn)) != LVT_OK) return fail("lvt_txn_begin", rc);
  if ((rc = lvt_table_open(txn, argv[2], &t)) != LVT_OK) return fail("lvt_table_open", rc);
  if ((idx = lvt_table_index(t, argv[3])) < 0) return fail("lvt_table_index", LVT_NOINDEX);
  if ((rc = lvt_tab_sync(txn, t)) != LVT_OK) return fail("lvt_tab_sync", rc);
  if (mdb_cursor_open(lvt_txn_mdb(txn), t->idbi[idx], &cur) != 0
      || mdb_cursor_get(cur, &key, &val, MDB_FIRST) != 0)
    return fail("reading the index", LVT_NOTFOUND);
  nfirst = key.mv_size;
  memcpy(first, key.mv_data, nfirst);
  if (mdb_cursor_get(cur, &key, &val, MDB_LAST) != 0) return fail("reading the index", LVT_NOTFOUND);
  nlast = key.mv_size;
  memcpy(last, key.mv_data, nlast);
  mdb_cursor_close(cur);

  k.mv_size = nfirst;
  k.mv_data = first;
  if ((rc = lvt_txn_del(txn, t->idbi[idx], &k)) != LVT_OK) return fail("lvt_txn_del", rc);
  lvt_key_rowid_put(last + nlast - LVT_ROWID_SIZE, 999999);
  k.mv_size = nlast;
  k.mv_data = last;
  val.mv_size = 0;
  val.mv_data = last;
  if ((rc = lvt_txn_put(txn, t->idbi[idx], &k, &val, 0)) != LVT_OK) return fail("lvt_txn_put", rc);
  if ((rc = lvt_txn_commit(txn)) != LVT_OK) return fail("lvt_txn_commit", rc);
  printf("damage_index: deleted the entry of row %" PRId64 " from %s, added one for row 999999\n",
         lvt_key_rowid_get(first + nfirst - LVT_ROWID_SIZE), argv[3]);
  lvt_table_close(t);
  lvt_env_close(env);
  return 0;
}
