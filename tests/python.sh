#!/bin/sh
# Run examples/python_client.py with Python's standard sqlite3 module and
# compare its output; then check that a :memory: database's private LMDB
# environment is removed when the connection closes.  Skipped (exit 77)
# when no python3 here can load extensions (some builds of Python disable
# enable_load_extension).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
ext="$top_builddir/ext/.libs/lmdbvt"
py=""
for cand in "${PYTHON3:-}" python3 /usr/bin/python3; do
  test -n "$cand" || continue
  if "$cand" -c 'import sqlite3, sys; sys.exit(0 if hasattr(sqlite3.Connection, "enable_load_extension") else 1)' 2>/dev/null; then
    py=$cand; break
  fi
done
if test -z "$py"; then
  echo "SKIP: no python3 with sqlite3 enable_load_extension"; exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lvt-py-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/expected" <<'END'
1
rows 5000
by id ('u42@example.com',)
by email (4999,)
age 42 100
plan SCAN users VIRTUAL TABLE INDEX 3:users_age (age>=? AND age<=?)
range 200
IntegrityError: UNIQUE constraint failed: users.email
other sees 21
OperationalError: database is locked (waited about 0.2 s)
other sees 99
rows 5001
END
"$py" "$top_srcdir/examples/python_client.py" "$ext" "$tmp" > "$tmp/out" 2>&1
if ! diff -u "$tmp/expected" "$tmp/out"; then echo "FAIL: python_client.py"; exit 1; fi
echo "PASS: python_client.py ($py)"
mkdir "$tmp/t"
TMPDIR="$tmp/t" "$py" - "$ext" "$tmp/t" <<'END'
import glob, os, sqlite3, sys
ext, tdir = sys.argv[1], sys.argv[2]
con = sqlite3.connect(":memory:", isolation_level=None)
con.enable_load_extension(True)
con.load_extension(ext)
con.execute("CREATE VIRTUAL TABLE m USING lmdb(a UNIQUE)")
con.execute("CREATE VIRTUAL TABLE temp.t USING lmdb(b)")
con.execute("INSERT INTO m VALUES(1), (2)")
con.execute("INSERT INTO t SELECT a FROM m")
n = len(glob.glob(os.path.join(tdir, "lmdbvt-mem-*")))
rows = con.execute("SELECT count(*) FROM m JOIN t ON a = b").fetchone()[0]
con.close()
left = glob.glob(os.path.join(tdir, "lmdbvt-mem-*"))
print("private environments while open:", n, "rows:", rows, "left after close:", len(left))
sys.exit(0 if n == 2 and rows == 2 and not left else 1)
END
rc=$?
if test $rc -ne 0; then echo "FAIL: private environments"; exit 1; fi
echo "PASS: private environments removed at close"
# A SELECT that is still stepping while the same connection writes the same
# table, commits, rolls back and uses savepoints: every row once, and it ends.
"$py" - "$ext" "$tmp/scan.db" <<'END'
import sqlite3, sys
con = sqlite3.connect(sys.argv[2], isolation_level=None)
con.enable_load_extension(True)
con.load_extension(sys.argv[1])
con.execute("CREATE VIRTUAL TABLE t USING lmdb(id INTEGER PRIMARY KEY, k INT, s TEXT, "
            "INDEX t_k (k), INDEX t_s (s DESC))")
con.execute("BEGIN")
con.executemany("INSERT INTO t(k, s) VALUES(?, ?)", [(i % 10, "s%03d" % (i % 37)) for i in range(300)])
con.execute("COMMIT")
def mutate(n, row):
    if n % 17 == 3: con.execute("DELETE FROM t WHERE id = ?", (row[0],))
    if n == 20: con.execute("COMMIT")
    if n == 40: con.execute("BEGIN"); con.execute("UPDATE t SET k = k WHERE id < 5")
    if n == 60: con.execute("ROLLBACK")
    if n % 13 == 5:
        con.execute("SAVEPOINT x"); con.execute("UPDATE t SET k = k + 0 WHERE id % 11 = 0")
        con.execute("ROLLBACK TO x"); con.execute("RELEASE x")
ok = True
for sql in ("SELECT id FROM t WHERE k >= 3 ORDER BY k, id", "SELECT id FROM t WHERE s < 's030' ORDER BY s DESC",
            "SELECT id FROM t WHERE id > 10 ORDER BY id DESC", "SELECT id FROM t WHERE k IN (1, 5, 7)"):
    con.execute("BEGIN"); con.execute("INSERT INTO t(k, s) VALUES(-1, 'zzz')")
    seen = []
    for n, row in enumerate(con.execute(sql)):
        seen.append(row[0]); mutate(n, row)
    if not con.in_transaction: pass
    else: con.execute("COMMIT")
    ok = ok and len(seen) == len(set(seen)) and len(seen) > 0
print("scans while writing:", "ok" if ok else "duplicates")
sys.exit(0 if ok else 1)
END
if test $? -ne 0; then echo "FAIL: scans while writing"; exit 1; fi
echo "PASS: scans while writing"
