#!/bin/sh
# Hostile database files (issue #7).  A database file's schema can declare
# lmdb tables with any `env` path: '../..' escapes, absolute paths, symbolic
# links, missing directories, a plain file, a FIFO, an LMDB environment of
# another program, an environment whose lock.mdb is a symbolic link.  Opening
# such a file and using its tables must create, change and read nothing but
# lmdbvt environments: xConnect opens only an existing directory holding a
# data.mdb with lmdbvt's catalog, and fails otherwise with a message naming
# the table and the path.  The test snapshots the temporary root (every
# path, type, size, mode, link target, and the checksum of every regular
# file) before and after, and compares every statement's output with the
# expected text below.  It then shows PRAGMA trusted_schema = OFF keeping
# lmdb tables out of views and triggers of an untrusted file, and damaged
# copies of an environment (meta pages, a short file, a record) giving
# SQLITE_CORRUPT or a clear error, never a crash.
#
# Exit 0: pass; 77: skipped (no sqlite3 shell); 1: failed (diff shown).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
SQLITE3=${SQLITE3:-sqlite3}
ext="$top_builddir/ext/.libs/lmdbvt"
command -v "$SQLITE3" >/dev/null 2>&1 || { echo "SKIP: no sqlite3 shell"; exit 77; }
test -f "$ext.so" || { echo "FAIL: $ext.so not built"; exit 1; }
root=$(mktemp -d "${TMPDIR:-/tmp}/lvt-hostile-XXXXXX") || exit 1
# An absolute path outside the root that a '../..' path in the schema
# names; it must never appear.
outside="${TMPDIR:-/tmp}/lvt-hostile-never-${root##*-}"
trap 'rm -rf "$root" "$outside"' EXIT
out="$root/out.txt"

sq() { "$SQLITE3" -batch "$@"; }
# run DB SQL...: one statement per process, as a fresh program opening an
# untrusted file would; output (stderr too) and any death by signal logged.
run() {
  db=$1; shift
  for s in "$@"; do
    echo "> $s" >> "$out"
    (cd "$root/app" && sq "$db" ".load $ext" "$s") >> "$out" 2>&1
    rc=$?
    test $rc -lt 128 || echo "!! killed by signal $((rc - 128))" >> "$out"
  done
}
snapshot() {
  (cd "$root" && find . \( -path ./out.txt -o -path './snap*' \) -prune -o \
     -printf '%p %y %s %m %l\n' | sort
   cd "$root" && find . -type f ! -name out.txt ! -path './real/lock.mdb' \
     ! -path './snap*' -exec cksum {} + | sort -k3)
}

# ------------------------------------------------------------- setup --
mkdir "$root/app" "$root/empty" "$root/fifo" "$root/locklink" || exit 1
echo precious > "$root/precious"
echo "not a directory" > "$root/afile"
mkfifo "$root/fifo/data.mdb" || exit 1
ln -s nowhere "$root/dangling"
ln -s empty "$root/link_empty"
ln -s real "$root/link_real"
# A genuine lmdbvt environment (real) made by CREATE VIRTUAL TABLE.
(cd "$root" && sq maker.db ".load $ext" \
  "CREATE VIRTUAL TABLE t USING lmdb(a, env = 'real')" "INSERT INTO t VALUES (42)") || exit 1
# A copy of its data.mdb beside a lock.mdb that links to another file.
cp "$root/real/data.mdb" "$root/locklink/data.mdb"
ln -s ../precious "$root/locklink/lock.mdb"
# An LMDB environment of some other program (no lmdbvt catalog).
have_load=0
if command -v mdb_load >/dev/null 2>&1; then
  mkdir "$root/foreign"
  printf 'key\nvalue\n' | mdb_load -T "$root/foreign" && have_load=1
fi
test $have_load = 1 || { mkdir -p "$root/foreign"; echo "(mdb_load missing: foreign env is empty)"; }

# The hostile file: written without the extension, through writable_schema.
decl() {  # name, arguments
  printf "INSERT INTO sqlite_schema VALUES('table','%s','%s',0,'CREATE VIRTUAL TABLE %s USING lmdb(%s)');\n" \
    "$1" "$1" "$1" "$(printf '%s' "$2" | sed "s/'/''/g")"
}
{
  echo "PRAGMA writable_schema = ON;"
  decl t_up     "a, env = '../../../../../../../../../../../../../..$outside/deeper'"
  decl t_rel    "a, env = '../missing/deeper'"
  decl t_abs    "a, env = '$root/empty'"
  decl t_dflt   "a"
  decl t_dot    "a, env = '.'"
  decl t_file   "a, env = '../afile'"
  decl t_foreign "a, env = '../foreign'"
  decl t_fifo   "a, env = '../fifo'"
  decl t_locklink "a, env = '../locklink', table = 't'"
  decl t_dangling "a, env = '../dangling'"
  decl t_link_empty "a, env = '../link_empty'"
  decl t_real   "a, env = '../real', table = 't'"
  decl t_link_real "a, env = '../link_real', table = 't'"
  decl t_nosuch "a, env = '../real', table = 'nosuch'"
  echo "PRAGMA writable_schema = OFF;"
  echo "CREATE VIEW v_real AS SELECT a FROM t_real;"
  echo "CREATE TABLE log(x);"
  echo "CREATE TRIGGER log_ins AFTER INSERT ON log BEGIN INSERT INTO t_real VALUES (new.x); END;"
} > "$root/hostile.sql"
(cd "$root/app" && sq h.db ".read $root/hostile.sql") || exit 1

# ------------------------------------------- hostile tables, snapshot --
snapshot > "$root/snap.before"
for t in t_up t_rel t_abs t_dflt t_dot t_file t_foreign t_fifo t_locklink t_dangling \
         t_link_empty t_nosuch; do
  run h.db "SELECT * FROM $t" "INSERT INTO $t VALUES (1)"
done
run h.db "SELECT * FROM t_real" "SELECT * FROM t_link_real" \
  "SELECT tbl, entries FROM lmdb_stat('t_real')" "DROP TABLE t_abs"
# An untrusted file's views and triggers cannot reach lmdb tables once
# trusted_schema is off (lmdb tables are not SQLITE_VTAB_INNOCUOUS).
run h.db "PRAGMA trusted_schema = OFF; SELECT * FROM v_real" \
  "PRAGMA trusted_schema = OFF; INSERT INTO log VALUES (7)"
snapshot > "$root/snap.after"
if ! diff -u "$root/snap.before" "$root/snap.after" > "$root/snap.diff"; then
  echo "FAIL: the filesystem changed:"; cat "$root/snap.diff"; exit 1
fi
test ! -e "$outside" || { echo "FAIL: $outside was created"; exit 1; }
test "$(cat "$root/precious")" = precious || { echo "FAIL: precious changed"; exit 1; }

# With trusted_schema on (SQLite's default), the view and trigger work.
run h.db "SELECT * FROM v_real" "INSERT INTO log VALUES (7)" "SELECT * FROM t_real"
# A backup (data.mdb only) is a genuine environment: connecting it creates
# its lock.mdb, as LMDB must.
(cd "$root" && sq maker.db ".load $ext" "SELECT lmdb_backup('t', 'restored') IS NOT NULL") >> "$out" 2>&1
cp "$root/app/h.db" "$root/app/r.db"
sq "$root/app/r.db" "PRAGMA writable_schema = ON" \
  "UPDATE sqlite_schema SET sql = replace(sql, '../real', '../restored') WHERE name = 't_real'"
run r.db "SELECT * FROM t_real"
test -f "$root/restored/lock.mdb" && echo "restored/lock.mdb created" >> "$out"

# ------------------------------------------------ damaged environments --
# Copies of real, each damaged one way, declared in their own file.
(cd "$root" && sq maker.db ".load $ext" \
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
   INSERT INTO t SELECT 'MARKER' || printf('%04d', i) FROM n") || exit 1
damage() {  # name, then a python3 statement on bytearray d (page size ps)
  rm -rf "$root/$1"; mkdir "$root/$1"; cp "$root/real/data.mdb" "$root/$1/"
  python3 -c "
import sys
f = '$root/$1/data.mdb'; d = bytearray(open(f, 'rb').read()); ps = 4096
$2
open(f, 'wb').write(d)" || exit 1
  cp "$root/app/h.db" "$root/app/$1.db"
  sq "$root/app/$1.db" "PRAGMA writable_schema = ON" \
    "UPDATE sqlite_schema SET sql = replace(sql, '../real', '../$1') WHERE name = 't_real'"
  run "$1.db" "SELECT count(*) FROM t_real" "SELECT max(a) FROM t_real"
}
if command -v python3 >/dev/null 2>&1; then
  damage meta_zero   "d[0:2 * ps] = bytes(2 * ps)"
  damage meta_junk   "d[0:2 * ps] = bytes((i * 7 + 3) % 256 for i in range(2 * ps))"
  damage short       "d = d[:ps + 100]"
  damage record      "i = d.find(b'MARKER0150'); d[i - 3:i + 10] = b'\xff' * 13"
else
  echo "(python3 missing: damaged environments not tested)" >> "$out"
fi

# ------------------------------------------------------------ compare --
sed -e "s#$outside#\$OUTSIDE#g" -e "s#$root#\$ROOT#g" \
  "$out" > "$root/out.norm"
cat > "$root/expected" <<'END'
> SELECT * FROM t_up
Error: in prepare, lmdb: environment $ROOT/app/../../../../../../../../../../../../../..$OUTSIDE/deeper does not exist
> INSERT INTO t_up VALUES (1)
Error: in prepare, lmdb: environment $ROOT/app/../../../../../../../../../../../../../..$OUTSIDE/deeper does not exist
> SELECT * FROM t_rel
Error: in prepare, lmdb: environment $ROOT/app/../missing/deeper does not exist
> INSERT INTO t_rel VALUES (1)
Error: in prepare, lmdb: environment $ROOT/app/../missing/deeper does not exist
> SELECT * FROM t_abs
Error: in prepare, lmdb: table t_abs: $ROOT/empty is not an lmdbvt environment ($ROOT/empty/data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> INSERT INTO t_abs VALUES (1)
Error: in prepare, lmdb: table t_abs: $ROOT/empty is not an lmdbvt environment ($ROOT/empty/data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> SELECT * FROM t_dflt
Error: in prepare, lmdb: environment $ROOT/app/h.db-lmdb does not exist
> INSERT INTO t_dflt VALUES (1)
Error: in prepare, lmdb: environment $ROOT/app/h.db-lmdb does not exist
> SELECT * FROM t_dot
Error: in prepare, lmdb: table t_dot: $ROOT/app/. is not an lmdbvt environment ($ROOT/app/./data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> INSERT INTO t_dot VALUES (1)
Error: in prepare, lmdb: table t_dot: $ROOT/app/. is not an lmdbvt environment ($ROOT/app/./data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> SELECT * FROM t_file
Error: in prepare, lmdb: table t_file: environment $ROOT/app/../afile is not a directory (14)
> INSERT INTO t_file VALUES (1)
Error: in prepare, lmdb: table t_file: environment $ROOT/app/../afile is not a directory (14)
> SELECT * FROM t_foreign
Error: in prepare, lmdb: table t_foreign: $ROOT/app/../foreign is not an lmdbvt environment (its LMDB database has no lmdbvt catalog) (14)
> INSERT INTO t_foreign VALUES (1)
Error: in prepare, lmdb: table t_foreign: $ROOT/app/../foreign is not an lmdbvt environment (its LMDB database has no lmdbvt catalog) (14)
> SELECT * FROM t_fifo
Error: in prepare, lmdb: table t_fifo: $ROOT/app/../fifo is not an lmdbvt environment ($ROOT/app/../fifo/data.mdb is not a regular file); only CREATE VIRTUAL TABLE creates one (14)
> INSERT INTO t_fifo VALUES (1)
Error: in prepare, lmdb: table t_fifo: $ROOT/app/../fifo is not an lmdbvt environment ($ROOT/app/../fifo/data.mdb is not a regular file); only CREATE VIRTUAL TABLE creates one (14)
> SELECT * FROM t_locklink
Error: in prepare, lmdb: table t_locklink: $ROOT/app/../locklink/lock.mdb is not a regular file; refusing to open environment $ROOT/app/../locklink (14)
> INSERT INTO t_locklink VALUES (1)
Error: in prepare, lmdb: table t_locklink: $ROOT/app/../locklink/lock.mdb is not a regular file; refusing to open environment $ROOT/app/../locklink (14)
> SELECT * FROM t_dangling
Error: in prepare, lmdb: environment $ROOT/app/../dangling does not exist
> INSERT INTO t_dangling VALUES (1)
Error: in prepare, lmdb: environment $ROOT/app/../dangling does not exist
> SELECT * FROM t_link_empty
Error: in prepare, lmdb: table t_link_empty: $ROOT/app/../link_empty is not an lmdbvt environment ($ROOT/app/../link_empty/data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> INSERT INTO t_link_empty VALUES (1)
Error: in prepare, lmdb: table t_link_empty: $ROOT/app/../link_empty is not an lmdbvt environment ($ROOT/app/../link_empty/data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> SELECT * FROM t_nosuch
Error: in prepare, lmdb: no table nosuch in environment $ROOT/app/../real
> INSERT INTO t_nosuch VALUES (1)
Error: in prepare, lmdb: no table nosuch in environment $ROOT/app/../real
> SELECT * FROM t_real
42
> SELECT * FROM t_link_real
42
> SELECT tbl, entries FROM lmdb_stat('t_real')
t_real|1
> DROP TABLE t_abs
Error: in prepare, lmdb: table t_abs: $ROOT/empty is not an lmdbvt environment ($ROOT/empty/data.mdb does not exist); only CREATE VIRTUAL TABLE creates one (14)
> PRAGMA trusted_schema = OFF; SELECT * FROM v_real
Error: in prepare, unsafe use of virtual table "t_real"
> PRAGMA trusted_schema = OFF; INSERT INTO log VALUES (7)
Error: in prepare, unsafe use of virtual table "t_real"
> SELECT * FROM v_real
42
> INSERT INTO log VALUES (7)
> SELECT * FROM t_real
42
7
1
> SELECT * FROM t_real
42
7
restored/lock.mdb created
> SELECT count(*) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../meta_zero is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT max(a) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../meta_zero is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT count(*) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../meta_junk is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT max(a) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../meta_junk is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT count(*) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../short is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT max(a) FROM t_real
Error: in prepare, lmdb: table t_real: environment $ROOT/app/../short is damaged: MDB_INVALID: File is not an LMDB file (11)
> SELECT count(*) FROM t_real
302
> SELECT max(a) FROM t_real
Error: stepping, malformed record of row 152 in table t (11)
END
if diff -u "$root/expected" "$root/out.norm"; then
  echo "PASS: hostile database files (no file created or changed; damaged environments refused)"
  exit 0
fi
echo "FAIL: hostile.sh output differs from the expected text (diff above)"
exit 1
