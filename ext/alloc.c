/*
 * alloc.c -- the core's one door to the heap.
 *
 * Every allocation of the storage core (buffers, schemas, table handles,
 * cursors, the write log, the environment registry) goes through
 * lvt_malloc / lvt_calloc / lvt_realloc / lvt_free / lvt_strdup, which call
 * the methods installed with lvt_config_malloc (lmdbvt.h), or libc when
 * none are.  The SQLite glue allocates with sqlite3_malloc, so an
 * application (or tests/oom.c) that hooks both sees every allocation of
 * lmdbvt except LMDB's own.
 *
 * The methods may change only before the first allocation: memory from one
 * allocator must never reach another's free.  g_used records that the core
 * has allocated (relaxed: lvt_config_malloc is documented as a call to make
 * before any other lvt_* call or any use of the extension, when no other
 * thread can be allocating, as with sqlite3_config).
 */
#include "lvt_int.h"

#include <stdatomic.h>
#include <stdlib.h>

static lvt_mem_methods g_mem;      /* xMalloc == NULL: libc */
static atomic_int g_used;

/* Install (m) or remove (NULL) the core's allocator (lmdbvt.h). */
int lvt_config_malloc(const lvt_mem_methods *m)
{
  if (atomic_load_explicit(&g_used, memory_order_relaxed))
    return lvt_err_set(LVT_MISUSE, "lvt_config_malloc: the allocator cannot "
                       "change after lmdbvt has allocated memory");
  if (m && (m->xMalloc == NULL || m->xRealloc == NULL || m->xFree == NULL))
    return lvt_err_set(LVT_MISUSE, "lvt_config_malloc: xMalloc, xRealloc and "
                       "xFree are all required");
  if (m) g_mem = *m;
  else memset(&g_mem, 0, sizeof g_mem);
  return LVT_OK;
}

static void mark_used(void)
{
  if (!atomic_load_explicit(&g_used, memory_order_relaxed))
    atomic_store_explicit(&g_used, 1, memory_order_relaxed);
}

/* malloc; n == 0 allocates one byte, so NULL always means out of memory. */
void *lvt_malloc(size_t n)
{
  mark_used();
  if (n == 0) n = 1;
  return g_mem.xMalloc ? g_mem.xMalloc(g_mem.ctx, n) : malloc(n);
}

/* calloc, overflow-checked. */
void *lvt_calloc(size_t n, size_t size)
{
  void *p;

  if (size && n > SIZE_MAX / size) return NULL;
  if (!g_mem.xMalloc) {
    mark_used();
    return calloc(n ? n : 1, size ? size : 1);
  }
  p = lvt_malloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

/* realloc; p == NULL allocates, n == 0 keeps one byte (never frees). */
void *lvt_realloc(void *p, size_t n)
{
  if (p == NULL) return lvt_malloc(n);
  if (n == 0) n = 1;
  return g_mem.xMalloc ? g_mem.xRealloc(g_mem.ctx, p, n) : realloc(p, n);
}

/* free; NULL does nothing. */
void lvt_free(void *p)
{
  if (p == NULL) return;
  if (g_mem.xMalloc) g_mem.xFree(g_mem.ctx, p);
  else free(p);
}

/* strdup through lvt_malloc. */
char *lvt_strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = lvt_malloc(n);

  if (p) memcpy(p, s, n);
  return p;
}
