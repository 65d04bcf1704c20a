#!/bin/sh
# Run each sql/*.sql script in the sqlite3 shell with the extension loaded,
# in a fresh temporary directory, and compare its output (stdout and stderr)
# with sql/NAME.expected.  Lines in the output that mention the temporary
# directory are normalised to "$TMP".
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
SQLITE3=${SQLITE3:-sqlite3}
ext="$top_builddir/ext/.libs/lmdbvt"
fail=0; n=0
for t in $SQL_TESTS; do
  n=$((n + 1))
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/lvt-sql-XXXXXX")
  exp="$top_srcdir/${t%.sql}.expected"
  (cd "$tmp" && "$SQLITE3" -batch test.db ".load $ext" ".read $top_srcdir/$t" 2>&1) \
    | sed "s#$tmp#\$TMP#g" > "$tmp/out.txt"
  if diff -u "$exp" "$tmp/out.txt" > "$tmp/diff.txt"; then
    echo "PASS: $t"
  else
    echo "FAIL: $t"; cat "$tmp/diff.txt"; fail=$((fail + 1))
  fi
  rm -rf "$tmp"
done
echo "sql: $n scripts, $fail failed"
test "$fail" -eq 0
