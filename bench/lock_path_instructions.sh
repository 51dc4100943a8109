#!/usr/bin/env bash
# Instructions per iteration of bench/lock_path_loop.cpp (one shared and one exclusive uncontended
# lock/unlock), bare and under the LD_PRELOAD interposer: callgrind's totals for two iteration counts,
# differenced, so start-up and exit cancel out. Deterministic, unlike wall time on a shared machine:
# the figure docs/performance.md tracks for the hooks' uncontended path. Asserts nothing.
#
# Usage: bench/lock_path_instructions.sh [build-dir]   (default: build)
#   needs valgrind, and bin/lock_path_loop and lib/libgridlock_preload.so in build-dir
#   (ninja -C <build-dir> lock_path_loop gridlock_preload)
# With OTHER_LIB set to another build's libgridlock_preload.so, its count is printed too.
set -euo pipefail

build=${1:-build}
loop="$build/bin/lock_path_loop"
lib="$(cd "$build/lib" 2>/dev/null && pwd)/libgridlock_preload.so"
other=${OTHER_LIB:-}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
for f in "$loop" "$lib" ${other:+"$other"}; do
  [[ -e "$f" ]] || { echo "missing $f: build it with ninja -C $build lock_path_loop gridlock_preload" >&2; exit 2; }
done
export GRIDLOCK_QUIET=1
unset GRIDLOCK_JSON GRIDLOCK_STREAM_FD

# Instructions callgrind counts for `iterations` iterations, under LD_PRELOAD=$1 (empty: bare).
count() {
  local preload=$1 iterations=$2
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null \
    env ${preload:+LD_PRELOAD="$preload"} "$loop" "$iterations" 2>&1 |
    awk '/Collected :/ { n = $NF } END { print n }'
}
# One configuration's line: the difference of 200,000 and 100,000 iterations, per iteration.
report() {
  local a b
  a=$(count "$2" 100000)
  b=$(count "$2" 200000)
  awk -v name="$1" -v a="$a" -v b="$b" 'BEGIN { printf "%-9s %6.1f instructions per iteration\n", name, (b - a) / 100000 }'
}
report bare ""
report preloaded "$lib"
[[ -n "$other" ]] && report other "$other"
exit 0
