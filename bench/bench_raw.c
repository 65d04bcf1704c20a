/*
 * bench_raw.c -- the floor: the users table in LMDB written by hand.
 *
 * What a careful C programmer would write for this one table, with nothing
 * general about it:
 *
 *   sub-db "users"        key  8 bytes: id big-endian, sign bit flipped
 *                         data age (8 bytes, host order) | u16 email length |
 *                              u16 name length | email | name
 *   sub-db "users_email"  key  email bytes            data the 8-byte id key
 *   sub-db "users_age"    key  age big-endian, sign bit flipped (8 bytes) |
 *                              the 8-byte id key      data empty
 *
 * The bulk load appends the rows in id order with MDB_APPEND and sorts the
 * entries of both indexes first so that they are appended too (an APPEND of
 * a key equal to the previous one fails, so the email index still refuses
 * duplicates).  Reads use one read-only transaction per batch of work;
 * writes keep the indexes up to date by hand, touching only what changed.
 */
#include "config.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* An open store. */
typedef struct raw_store {
  MDB_env *env;
  MDB_dbi main, email, age;
} raw_store;

/* Encoded key of an id or an age: big-endian with the sign bit flipped, so
 * memcmp order is integer order. */
static void raw_int_key(unsigned char out[8], int64_t v)
{
  uint64_t u = (uint64_t)v ^ ((uint64_t)1 << 63);
  for (int i = 7; i >= 0; i--) { out[i] = (unsigned char)u; u >>= 8; }
}

/* Encode the record of r into buf (which must hold 12 + emails + name
 * bytes); returns its size. */
static size_t raw_encode(unsigned char *buf, const bench_row *r)
{
  uint16_t ne = (uint16_t)r->nemail, nn = (uint16_t)r->nname;
  memcpy(buf, &r->age, 8);
  memcpy(buf + 8, &ne, 2);
  memcpy(buf + 10, &nn, 2);
  memcpy(buf + 12, r->email, ne);
  memcpy(buf + 12 + ne, r->name, nn);
  return 12 + (size_t)ne + nn;
}

/* The parts of an encoded record: pointers into it. */
typedef struct raw_rec {
  int64_t age;
  const char *email;
  size_t nemail;
  const char *name;
  size_t nname;
} raw_rec;

/* Split an encoded record into *out (pointers into v). */
static void raw_decode(const MDB_val *v, raw_rec *out)
{
  const unsigned char *p = v->mv_data;
  uint16_t ne, nn;
  memcpy(&out->age, p, 8);
  memcpy(&ne, p + 8, 2);
  memcpy(&nn, p + 10, 2);
  out->email = (const char *)p + 12;
  out->nemail = ne;
  out->name = (const char *)p + 12 + ne;
  out->nname = nn;
}

/* Consume a record the way every implementation does. */
static void raw_consume(const MDB_val *v, uint64_t *sink)
{
  raw_rec r;
  raw_decode(v, &r);
  bench_consume(sink, r.name, r.nname, r.age);
}

/* Set *err from an LMDB code and return -1. */
static int raw_fail(int rc, const char *what, char **err)
{
  *err = bench_strf("%s: %s", what, mdb_strerror(rc));
  return -1;
}

/* Open an empty store in dir. */
static void *raw_open(const char *dir, const void *arg, char **err)
{
  raw_store *s = calloc(1, sizeof *s);
  MDB_txn *txn = NULL;
  int rc;

  (void)arg;
  if (!s) { *err = bench_strf("out of memory"); return NULL; }
  if ((rc = mdb_env_create(&s->env)) != 0) goto fail;
  mdb_env_set_maxdbs(s->env, 4);
  mdb_env_set_mapsize(s->env, BENCH_MAPSIZE);
  if ((rc = mdb_env_open(s->env, dir, 0, 0644)) != 0) goto fail;
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) goto fail;
  if ((rc = mdb_dbi_open(txn, "users", MDB_CREATE, &s->main)) != 0 ||
      (rc = mdb_dbi_open(txn, "users_email", MDB_CREATE, &s->email)) != 0 ||
      (rc = mdb_dbi_open(txn, "users_age", MDB_CREATE, &s->age)) != 0) {
    mdb_txn_abort(txn);
    goto fail;
  }
  if ((rc = mdb_txn_commit(txn)) != 0) goto fail;
  return s;
fail:
  *err = bench_strf("raw LMDB open %s: %s", dir, mdb_strerror(rc));
  if (s->env) mdb_env_close(s->env);
  free(s);
  return NULL;
}

/* Close the store. */
static void raw_close(void *h)
{
  raw_store *s = h;
  if (!s) return;
  mdb_env_close(s->env);
  free(s);
}

/* Put the row and its index entries with flags (0 or MDB_NOOVERWRITE). */
static int raw_put_row(raw_store *s, MDB_txn *txn, const bench_row *r,
                       unsigned char *buf, char **err)
{
  unsigned char k[8], ak[16];
  MDB_val key = { 8, k }, val, ek, ik, empty = { 0, NULL };
  int rc;

  raw_int_key(k, r->id);
  val.mv_data = buf;
  val.mv_size = raw_encode(buf, r);
  if ((rc = mdb_put(txn, s->main, &key, &val, MDB_NOOVERWRITE)) != 0)
    return raw_fail(rc, "put users", err);
  ek.mv_data = (void *)r->email;
  ek.mv_size = r->nemail;
  if ((rc = mdb_put(txn, s->email, &ek, &key, MDB_NOOVERWRITE)) != 0)
    return raw_fail(rc, "put users_email", err);
  raw_int_key(ak, r->age);
  memcpy(ak + 8, k, 8);
  ik.mv_data = ak;
  ik.mv_size = 16;
  if ((rc = mdb_put(txn, s->age, &ik, &empty, 0)) != 0)
    return raw_fail(rc, "put users_age", err);
  return 0;
}

/* A pending index entry of the bulk load. */
typedef struct raw_ent {
  const void *p;          /* key bytes, or NULL for k */
  size_t n;
  int64_t id;
  unsigned char k[16];    /* the age index key */
} raw_ent;

/* The key bytes of an entry: p, or its own k when p is NULL. */
static const void *raw_ent_key(const raw_ent *e)
{
  return e->p ? e->p : e->k;
}

/* memcmp order, shorter first on a tie: LMDB's default key order. */
static int raw_ent_cmp(const void *a, const void *b)
{
  const raw_ent *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(raw_ent_key(x), raw_ent_key(y), n);
  if (c) return c;
  return (x->n > y->n) - (x->n < y->n);
}

/* Append the sorted entries ents[0..n) to dbi; data is the id key when
 * with_id, else empty. */
static int raw_append_sorted(MDB_txn *txn, MDB_dbi dbi, raw_ent *ents, size_t n,
                             int with_id, char **err)
{
  MDB_cursor *c;
  unsigned char k[8];
  int rc;

  qsort(ents, n, sizeof *ents, raw_ent_cmp);
  if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
    return raw_fail(rc, "cursor", err);
  for (size_t i = 0; i < n; i++) {
    MDB_val key = { ents[i].n, (void *)raw_ent_key(&ents[i]) }, val = { 0, NULL };
    if (with_id) {
      raw_int_key(k, ents[i].id);
      val.mv_size = 8;
      val.mv_data = k;
    }
    if ((rc = mdb_cursor_put(c, &key, &val, MDB_APPEND)) != 0) {
      mdb_cursor_close(c);
      return raw_fail(rc, "append index", err);
    }
  }
  mdb_cursor_close(c);
  return 0;
}

/* Bulk load: rows in id order with MDB_APPEND, then both indexes sorted and
 * appended. */
static int raw_bulk_insert(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  MDB_cursor *c;
  raw_ent *ents = malloc((w->n ? w->n : 1) * sizeof *ents);
  unsigned char buf[1 << 16 | 64], k[8];
  int rc;
  size_t i;

  (void)sink;
  if (!ents) { *err = bench_strf("out of memory"); return -1; }
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
    free(ents);
    return raw_fail(rc, "begin", err);
  }
  if ((rc = mdb_cursor_open(txn, s->main, &c)) != 0) goto fail;
  for (i = 0; i < w->n; i++) {
    MDB_val key = { 8, k }, val = { 0, buf };
    raw_int_key(k, w->rows[i].id);
    val.mv_size = raw_encode(buf, &w->rows[i]);
    if ((rc = mdb_cursor_put(c, &key, &val, MDB_APPEND)) != 0) {
      mdb_cursor_close(c);
      goto fail;
    }
  }
  mdb_cursor_close(c);
  for (i = 0; i < w->n; i++) {
    ents[i].p = w->rows[i].email;
    ents[i].n = w->rows[i].nemail;
    ents[i].id = w->rows[i].id;
  }
  if (raw_append_sorted(txn, s->email, ents, w->n, 1, err)) goto out;
  for (i = 0; i < w->n; i++) {
    raw_int_key(ents[i].k, w->rows[i].age);
    raw_int_key(ents[i].k + 8, w->rows[i].id);
    ents[i].p = NULL;
    ents[i].n = 16;
  }
  if (raw_append_sorted(txn, s->age, ents, w->n, 0, err)) goto out;
  free(ents);
  if ((rc = mdb_txn_commit(txn)) != 0) return raw_fail(rc, "commit", err);
  return 0;
fail:
  raw_fail(rc, "bulk put users", err);
out:
  mdb_txn_abort(txn);
  free(ents);
  return -1;
}

/* Insert each row in a transaction of its own. */
static int raw_insert_loop(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  unsigned char buf[1 << 16 | 64];
  int rc;

  (void)sink;
  for (size_t i = 0; i < w->n; i++) {
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
      return raw_fail(rc, "begin", err);
    if (raw_put_row(s, txn, &w->rows[i], buf, err)) {
      mdb_txn_abort(txn);
      return -1;
    }
    if ((rc = mdb_txn_commit(txn)) != 0) return raw_fail(rc, "commit", err);
  }
  return 0;
}

/* Put rows back (any order), one transaction. */
static int raw_restore(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  unsigned char buf[1 << 16 | 64];
  MDB_txn *txn;
  int rc;

  (void)sink;
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  for (size_t i = 0; i < w->n; i++) {
    if (raw_put_row(s, txn, &w->rows[i], buf, err)) {
      mdb_txn_abort(txn);
      return -1;
    }
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return raw_fail(rc, "commit", err);
  return 0;
}

/* Get by id: one read transaction for the whole batch. */
static int raw_get(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  unsigned char k[8];
  int rc;

  if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  for (size_t i = 0; i < w->n; i++) {
    MDB_val key = { 8, k }, val;
    raw_int_key(k, w->keys[i]);
    rc = mdb_get(txn, s->main, &key, &val);
    if (rc == 0) raw_consume(&val, sink);
    else if (rc != MDB_NOTFOUND) break;
  }
  mdb_txn_abort(txn);
  return rc && rc != MDB_NOTFOUND ? raw_fail(rc, "get", err) : 0;
}

/* Get by email through the hand-made index. */
static int raw_get_sec(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  int rc;

  if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  for (size_t i = 0; i < w->n; i++) {
    MDB_val ek = { w->rows[i].nemail, (void *)w->rows[i].email }, id, val;
    rc = mdb_get(txn, s->email, &ek, &id);
    if (rc == 0) rc = mdb_get(txn, s->main, &id, &val);
    if (rc == 0) raw_consume(&val, sink);
    else if (rc != MDB_NOTFOUND) break;
  }
  mdb_txn_abort(txn);
  return rc && rc != MDB_NOTFOUND ? raw_fail(rc, "get by email", err) : 0;
}

/* Ranges of ids [k, k + width - 1] with a cursor. */
static int raw_key_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  MDB_cursor *c;
  unsigned char k[8], hi[8];
  int rc;

  if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  if ((rc = mdb_cursor_open(txn, s->main, &c)) != 0) {
    mdb_txn_abort(txn);
    return raw_fail(rc, "cursor", err);
  }
  for (size_t i = 0; i < w->n; i++) {
    MDB_val key = { 8, k }, val;
    raw_int_key(k, w->keys[i]);
    raw_int_key(hi, w->keys[i] + (int64_t)w->width - 1);
    for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
         rc == 0 && memcmp(key.mv_data, hi, 8) <= 0;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT))
      raw_consume(&val, sink);
  }
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  return 0;
}

/* The first `width` rows with age >= a, through the age index. */
static int raw_index_range(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  MDB_cursor *c;
  unsigned char k[8];
  int rc = 0;

  if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  if ((rc = mdb_cursor_open(txn, s->age, &c)) != 0) {
    mdb_txn_abort(txn);
    return raw_fail(rc, "cursor", err);
  }
  for (size_t i = 0; i < w->n && rc != -1; i++) {
    MDB_val key = { 8, k }, val;
    size_t got = 0;
    raw_int_key(k, w->ages[i]);
    for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
         rc == 0 && got < w->width;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT), got++) {
      MDB_val id = { 8, (unsigned char *)key.mv_data + 8 }, row;
      if (mdb_get(txn, s->main, &id, &row) != 0) {
        *err = bench_strf("index entry without its row");
        rc = -1;
        break;
      }
      raw_consume(&row, sink);
    }
  }
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  return rc == -1 ? -1 : 0;
}

/* Scan every row, reps times. */
static int raw_full_scan(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  MDB_cursor *c;
  int rc;

  if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  if ((rc = mdb_cursor_open(txn, s->main, &c)) != 0) {
    mdb_txn_abort(txn);
    return raw_fail(rc, "cursor", err);
  }
  for (size_t r = 0; r < w->reps; r++) {
    MDB_val key, val;
    for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT))
      raw_consume(&val, sink);
  }
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  return 0;
}

/* SET name, age WHERE id: rewrite the row in place through a cursor and
 * move its age index entry if the age changed (the email did not). */
static int raw_update(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  MDB_cursor *c;
  unsigned char buf[1 << 16 | 64], k[8], ak[16];
  int rc;

  (void)sink;
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  if ((rc = mdb_cursor_open(txn, s->main, &c)) != 0) goto fail;
  for (size_t i = 0; i < w->n; i++) {
    const bench_row *r = &w->rows[i];
    MDB_val key = { 8, k }, val, ik = { 16, ak }, empty = { 0, NULL };
    raw_rec old;
    bench_row nr;
    raw_int_key(k, r->id);
    if ((rc = mdb_cursor_get(c, &key, &val, MDB_SET_KEY)) != 0) break;
    raw_decode(&val, &old);
    nr = *r;
    nr.email = old.email;
    nr.nemail = old.nemail;
    val.mv_size = raw_encode(buf, &nr);
    val.mv_data = buf;
    if (old.age != r->age) {
      raw_int_key(ak, old.age);
      memcpy(ak + 8, k, 8);
      if ((rc = mdb_del(txn, s->age, &ik, NULL)) != 0) break;
      raw_int_key(ak, r->age);
      if ((rc = mdb_put(txn, s->age, &ik, &empty, 0)) != 0) break;
    }
    /* key points into the page after the get; a put that resizes the node
     * moves the page's contents, so hand it our own copy. */
    key.mv_data = k;
    if ((rc = mdb_cursor_put(c, &key, &val, MDB_CURRENT)) != 0) break;
  }
  mdb_cursor_close(c);
  if (rc) goto fail;
  if ((rc = mdb_txn_commit(txn)) != 0) return raw_fail(rc, "commit", err);
  return 0;
fail:
  mdb_txn_abort(txn);
  return raw_fail(rc, "update", err);
}

/* DELETE WHERE id: the row and both index entries. */
static int raw_delete(void *h, const bench_work *w, uint64_t *sink, char **err)
{
  raw_store *s = h;
  MDB_txn *txn;
  unsigned char k[8], ak[16], email[1 << 16];
  int rc = 0;

  (void)sink;
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
    return raw_fail(rc, "begin", err);
  for (size_t i = 0; i < w->n && rc == 0; i++) {
    MDB_val key = { 8, k }, val, ek, ik = { 16, ak };
    raw_rec old;
    raw_int_key(k, w->keys[i]);
    if ((rc = mdb_get(txn, s->main, &key, &val)) != 0) break;
    raw_decode(&val, &old);
    memcpy(email, old.email, old.nemail);
    ek.mv_data = email;
    ek.mv_size = old.nemail;
    raw_int_key(ak, old.age);
    memcpy(ak + 8, k, 8);
    if ((rc = mdb_del(txn, s->email, &ek, NULL)) == 0 &&
        (rc = mdb_del(txn, s->age, &ik, NULL)) == 0)
      rc = mdb_del(txn, s->main, &key, NULL);
  }
  if (rc) {
    mdb_txn_abort(txn);
    return raw_fail(rc, "delete", err);
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return raw_fail(rc, "commit", err);
  return 0;
}

const bench_impl bench_impl_raw = {
  .name = "lmdb_raw",
  .what = "LMDB by hand: hand-encoded keys and records, index sub-dbs kept by "
          "hand, MDB_APPEND (indexes sorted first) for the bulk load",
  .open = raw_open,
  .close = raw_close,
  .op = {
    [OP_BULK_INSERT] = raw_bulk_insert,
    [OP_INSERT_LOOP] = raw_insert_loop,
    [OP_GET] = raw_get,
    [OP_GET_MANY] = raw_get,
    [OP_GET_SEC] = raw_get_sec,
    [OP_GET_MANY_SEC] = raw_get_sec,
    [OP_KEY_RANGE] = raw_key_range,
    [OP_INDEX_RANGE] = raw_index_range,
    [OP_FULL_SCAN] = raw_full_scan,
    [OP_UPDATE] = raw_update,
    [OP_DELETE] = raw_delete,
    [OP_RESTORE] = raw_restore,
  },
};
