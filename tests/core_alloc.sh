#!/bin/sh
# core_alloc.sh -- the storage core allocates only through lvt_malloc,
# lvt_calloc, lvt_realloc, lvt_free and lvt_strdup (ext/alloc.c), so that
# lvt_config_malloc() sees every allocation and tests/oom can fail each one.
# Checks every core source (ext/*.c but the SQLite glue and alloc.c) for a
# direct call of libc's allocator.  Exit 0 pass, 1 failure.
srcdir=${top_srcdir:-$(dirname "$0")/..}
bad=0
for f in "$srcdir"/ext/*.c; do
  case ${f##*/} in
    vtab.c|vtab_args.c|functions.c|lmdbvt.c|alloc.c) continue ;;
  esac
  # a call: the name not preceded by an identifier character, '.' or '>'
  hits=$(grep -nE '(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|free|strdup|strndup|asprintf|vasprintf)[[:space:]]*\(' "$f" |
         grep -vE '^[0-9]+:[[:space:]]*(/?\*|//)')
  if [ -n "$hits" ]; then
    echo "core_alloc: $f calls libc's allocator directly (use lvt_malloc & co., ext/alloc.c):"
    echo "$hits"
    bad=1
  fi
done
[ $bad = 0 ] && echo "core_alloc: PASS"
exit $bad
