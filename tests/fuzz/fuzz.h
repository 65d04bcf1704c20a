/*
 * fuzz.h -- what the fuzz targets in tests/fuzz share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput (and, when it needs
 * per-process setup, LLVMFuzzerInitialize).  The same file is linked
 * either with libFuzzer (`make fuzz`, clang -fsanitize=fuzzer,...) or with
 * tests/fuzz/replay.c (`make check`), which calls it on every saved input.
 *
 * A target states the laws of the code it drives with FUZZ_CHECK: a broken
 * law prints where and why and aborts, which libFuzzer reports as a crash
 * (and saves the input) and which fails the replay under make check.
 */
#ifndef LVT_FUZZ_H
#define LVT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#ifdef __cplusplus
}
#endif

/* Abort with a message when a law does not hold.  Never compiled away
 * (unlike assert under NDEBUG): the check is the point of the target. */
#define FUZZ_CHECK(cond, ...)                                              \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: law broken: %s\n  ", __FILE__, __LINE__,    \
              #cond);                                                      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
      abort();                                                             \
    }                                                                      \
  } while (0)

/* Print n bytes as hex into stderr (for messages about keys and records). */
static inline void fuzz_hex(const char *label, const void *p, size_t n)
{
  const unsigned char *b = p;
  size_t i;

  fprintf(stderr, "%s (%zu bytes):", label, n);
  for (i = 0; i < n && i < 256; i++) fprintf(stderr, " %02x", b[i]);
  fprintf(stderr, "%s\n", n > 256 ? " ..." : "");
}

#endif /* LVT_FUZZ_H */
