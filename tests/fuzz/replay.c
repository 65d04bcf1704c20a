/*
 * replay.c -- run a fuzz target on saved inputs, without libFuzzer.
 *
 * Linked with one tests/fuzz/fuzz_<name>.c by the ordinary compiler, so
 * that `make check` replays the saved corpus of every target (and any
 * reproduction saved there) on every build, sanitizers or not.
 *
 * Usage: replay_<name> [FILE|DIR]...
 *   With arguments, every file (and every file of every directory, in
 *   name order) is passed to LLVMFuzzerTestOneInput once.  Without, the
 *   corpus $top_srcdir/tests/fuzz/corpus/<name> is (top_srcdir defaults to
 *   "."), as make check does.  A broken law aborts; exit status 0 when all
 *   inputs ran, 77 (automake's SKIP) when there is no corpus, 2 when an
 *   input cannot be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "compile with -DFUZZ_NAME='\"<target>\"'"
#endif

#define EXIT_SKIP 77

/* Optional in a target. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int g_count;

/* Read a whole file into a malloc'd buffer of exactly its size (so ASan
 * catches reads past the input, as under libFuzzer). */
static int run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;

  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
      || fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "replay %s: cannot read %s\n", FUZZ_NAME, path);
    if (f) fclose(f);
    return -1;
  }
  buf = malloc(n ? (size_t)n : 1);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "replay %s: cannot read %s\n", FUZZ_NAME, path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  if (getenv("REPLAY_VERBOSE")) fprintf(stderr, "replay %s: %s\n", FUZZ_NAME, path);
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  g_count++;
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory, in name order (not recursive). */
static int run_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  int rc = 0;

  if (d == NULL) { fprintf(stderr, "replay %s: cannot open %s\n", FUZZ_NAME, dir); return -1; }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
      if (nn == NULL) { rc = -1; break; }
      names = nn;
    }
    names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
    if (names[n] == NULL) { rc = -1; break; }
    sprintf(names[n], "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (i = 0; i < n; i++) {
    struct stat st;
    if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) rc = run_file(names[i]);
    free(names[i]);
  }
  free(names);
  return rc;
}

static int run_path(const char *path)
{
  struct stat st;

  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay %s: no such file or directory: %s\n", FUZZ_NAME, path);
    return -1;
  }
  return S_ISDIR(st.st_mode) ? run_dir(path) : run_file(path);
}

int main(int argc, char **argv)
{
  int i, rc = 0;

  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  if (argc > 1) {
    for (i = 1; i < argc && rc == 0; i++) rc = run_path(argv[i]);
  } else {
    const char *top = getenv("top_srcdir");
    char *dir = malloc(strlen(top ? top : ".") + sizeof "/tests/fuzz/corpus/" + strlen(FUZZ_NAME));
    struct stat st;
    if (dir == NULL) return 2;
    sprintf(dir, "%s/tests/fuzz/corpus/%s", top ? top : ".", FUZZ_NAME);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      printf("replay %s: no corpus at %s, skipped\n", FUZZ_NAME, dir);
      free(dir);
      return EXIT_SKIP;
    }
    rc = run_dir(dir);
    free(dir);
  }
  printf("replay %s: %d inputs, %s\n", FUZZ_NAME, g_count, rc ? "stopped" : "all passed");
  return rc ? 2 : 0;
}
