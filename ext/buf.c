/*
 * buf.c -- growable byte buffer with a sticky out-of-memory flag.
 *
 * Encoders append freely and check `oom` once at the end; after the first
 * failed allocation every append is ignored, so no partial garbage is ever
 * mistaken for a complete encoding.
 */
#include "lvt_int.h"

#include <stdlib.h>

/* Make room for `extra` more bytes.  Returns 0, or -1 with b->oom set. */
int lvt_buf_reserve(lvt_buf *b, size_t extra)
{
  size_t need, cap;
  unsigned char *p;

  if (b->oom) return -1;
  if (extra > SIZE_MAX - b->n) { b->oom = 1; return -1; }
  need = b->n + extra;
  if (need <= b->cap) return 0;
  cap = b->cap ? b->cap : 64;
  while (cap < need) cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
  p = lvt_realloc(b->p, cap);
  if (p == NULL) { b->oom = 1; return -1; }
  b->p = p;
  b->cap = cap;
  return 0;
}

/* Append n bytes from p (p may be NULL when n is 0). */
void lvt_buf_append(lvt_buf *b, const void *p, size_t n)
{
  if (n == 0 || lvt_buf_reserve(b, n)) return;
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

/* Append one byte. */
void lvt_buf_byte(lvt_buf *b, unsigned char c)
{
  if (b->n < b->cap && !b->oom) { b->p[b->n++] = c; return; }
  if (lvt_buf_reserve(b, 1)) return;
  b->p[b->n++] = c;
}

/* Empty the buffer and clear the OOM flag, keeping the allocation. */
void lvt_buf_reset(lvt_buf *b)
{
  b->n = 0;
  b->oom = 0;
}

/* Free the memory; the buffer is a zeroed (empty, usable) buffer again. */
void lvt_buf_free(lvt_buf *b)
{
  lvt_free(b->p);
  memset(b, 0, sizeof *b);
}
