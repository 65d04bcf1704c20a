#!/bin/sh
# profile.sh -- record where the time goes in the SQL bulk insert and the SQL
# point lookup over the lmdb virtual table, and print the top functions.
#
#   sh bench/profile.sh BENCH_PROGRAM OUT_DIR       (what `make profile` runs)
#
# The program (bench/bench --profile OP --impl NAME) loads a store untimed,
# then runs the operation inside bench_profile_region(); only that region is
# recorded:
#  - with perf when hardware counters work here (`perf stat -e instructions
#    true` counts), sampling started and stopped through perf's --control
#    fifo;
#  - otherwise with valgrind --tool=callgrind, collecting
#    bench_profile_region only (--toggle-collect): instruction counts, exact
#    and repeatable on a noisy machine, but blind to time spent in the
#    kernel (system calls, fsync, page faults); PROFILER=perf then samples
#    the cpu-clock software event instead, which sees it.
# Environment: PROFILER=perf|callgrind (force one), PROFILE_SIZE (rows,
# default 100000), PROFILE_CASES (default "bulk_insert:sql_lmdb
# get:sql_lmdb"; add e.g. get:native_wal or get:capi to compare),
# PROFILE_REPS (runs of a read operation, default 5), PROFILE_TOP (lines).
set -eu

bench=${1:?usage: profile.sh BENCH_PROGRAM OUT_DIR}
out=${2:?usage: profile.sh BENCH_PROGRAM OUT_DIR}
size=${PROFILE_SIZE:-100000}
cases=${PROFILE_CASES:-"bulk_insert:sql_lmdb get:sql_lmdb"}
reps=${PROFILE_REPS:-5}
top=${PROFILE_TOP:-30}
mkdir -p "$out"

# Does perf count hardware events here?  (In many VMs and containers it
# prints "<not supported>" or is forbidden by perf_event_paranoid.)
perf_works() {
  command -v perf >/dev/null 2>&1 || return 1
  n=$(perf stat -x, -e instructions true 2>&1 >/dev/null | cut -d, -f1 | head -n 1)
  case "$n" in ''|*[!0-9]*) return 1 ;; esac
}

profiler=${PROFILER:-auto}
if [ "$profiler" = auto ]; then
  if perf_works; then profiler=perf
  elif command -v valgrind >/dev/null 2>&1; then profiler=callgrind
  else
    echo "profile: neither perf with hardware counters nor valgrind is usable here" >&2
    echo "profile: install linux-perf or valgrind (Debian packages)" >&2
    exit 1
  fi
fi
echo "profile: using $profiler; $size rows; cases: $cases"

# Record one case with perf; print the top functions by self time.
run_perf() {
  op=$1 impl=$2 data="$out/perf.$1.$2.data"
  ctl="$out/perf.ctl" ack="$out/perf.ack"
  rm -f "$ctl" "$ack"
  mkfifo "$ctl" "$ack"
  exec 8<>"$ctl" 9<>"$ack"
  event=cycles
  perf_works || event=cpu-clock
  BENCH_PERF_CTL=8 BENCH_PERF_ACK=9 \
    perf record -q -e "$event" -g --control fd:8,9 -D -1 -o "$data" -- \
    "$bench" --profile "$op" --impl "$impl" --size "$size" --reps "$reps"
  exec 8>&- 9>&-
  rm -f "$ctl" "$ack"
  echo "--- $op / $impl: top functions, self time (perf report) ---"
  perf report -i "$data" --stdio --no-children --sort symbol,dso \
    --percent-limit 0.5 -g none 2>/dev/null | grep -v '^#' | grep -v '^$' |
    sed 's/[ -]*$//' | head -n "$top"
}

# Record one case with callgrind; print the top functions by self and by
# inclusive instruction count.
run_callgrind() {
  op=$1 impl=$2 data="$out/callgrind.$1.$2.out"
  valgrind --tool=callgrind --callgrind-out-file="$data" \
    --toggle-collect=bench_profile_region -q \
    "$bench" --profile "$op" --impl "$impl" --size "$size" --reps "$reps"
  echo "--- $op / $impl: top functions, self instructions (callgrind) ---"
  annotate no "$data"
  echo "--- $op / $impl: top functions, inclusive instructions ---"
  annotate yes "$data"
}

# The function table of callgrind_annotate (inclusive = yes|no), without
# its preamble.
annotate() {
  callgrind_annotate --threshold=100 --inclusive="$1" "$2" 2>/dev/null |
    awk '/PROGRAM TOTALS/ { print } f && NF && !/^-+$/ && !skip($0) { print }
         /file:function/ { f = 1 }
         function skip(l) {
           return l ~ /\(below main\)|libc_start|ld-linux|:main \[|bench_profile_region/
         }' |
    sed 's| \[/[^]]*/\([^]/]*\)\]$| [\1]|' | head -n "$top"
}

for c in $cases; do
  op=${c%%:*} impl=${c#*:}
  echo
  "run_$profiler" "$op" "$impl"
done
echo
echo "profile: raw data in $out/ (perf report -i FILE, or callgrind_annotate FILE)"
