#!/usr/bin/env bash
# Whole-program overhead of the LD_PRELOAD interposer on a lock-heavy, correct std:: program
# (tests/programs/std_lock_heavy.cpp: a thread pool, sharded std::mutex counters, a std::shared_mutex,
# condition variables). Prints bare and preloaded wall times and their ratio; asserts nothing.
#
# Usage: bench/preload_overhead.sh [build-dir] [tasks] [threads] [runs]
#   build-dir  a configured and built tree (default: build); needs bin/std_lock_heavy and
#              lib/libgridlock_preload.so (ninja -C <build-dir> std_lock_heavy gridlock_preload)
#   tasks      tasks for the pool (default 4000; each does 200 lock operations plus queue traffic)
#   threads    worker threads (default: the program's own default, hardware threads up to 8)
#   runs       runs per configuration (default 10)
# Uses hyperfine when it is installed, else a loop timed with date +%s.%N.
# With OTHER_LIB set to another build's libgridlock_preload.so (an earlier commit's), its runs are
# interleaved with the others and printed as "other": an A/B of two libraries on one machine state.
set -euo pipefail

build=${1:-build}
tasks=${2:-4000}
threads=${3:-}
runs=${4:-10}
program="$build/bin/std_lock_heavy"
lib="$(cd "$build/lib" 2>/dev/null && pwd)/libgridlock_preload.so"
other=${OTHER_LIB:-}
for f in "$program" "$lib" ${other:+"$other"}; do
  if [[ ! -e "$f" ]]; then
    echo "missing $f: build it with ninja -C $build std_lock_heavy gridlock_preload" >&2
    exit 1
  fi
done
args=("$tasks")
[[ -n "$threads" ]] && args+=("$threads")
cmd="$program ${args[*]}"
# Findings would go to stderr and a JSON file; a correct program has none, and GRIDLOCK_QUIET keeps
# the measurement free of any output cost.
export GRIDLOCK_QUIET=1
unset GRIDLOCK_JSON GRIDLOCK_STREAM_FD

echo "program:  $cmd"
echo "machine:  $(nproc) hardware threads, $(uname -m), $(uname -r)"
echo "output:   $($cmd | tr -d '\n')"

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 2 --runs "$runs" --export-json /tmp/preload_overhead.$$.json \
    -n bare "$cmd" -n preloaded "env LD_PRELOAD=$lib $cmd" ${other:+-n other "env LD_PRELOAD=$other $cmd"}
  python3 - /tmp/preload_overhead.$$.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, p = r["bare"]["mean"], r["preloaded"]["mean"]
print(f"bare      {b*1000:9.1f} ms (mean)\npreloaded {p*1000:9.1f} ms (mean)\nratio     {p/b:9.2f}x")
if "other" in r:
    o = r["other"]["mean"]
    print(f"other     {o*1000:9.1f} ms (mean)\nratio     {o/b:9.2f}x")
PY
  rm -f /tmp/preload_overhead.$$.json
  exit 0
fi

# One run's wall time in seconds.
time_once() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l 2>/dev/null || awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

# Median and mean of a list of numbers.
summary() {
  sort -g | awk '{ v[NR] = $1; s += $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6f %.6f\n", m, s / NR }'
}

"$program" "${args[@]}" >/dev/null                    # warm-up: page cache, binaries
env LD_PRELOAD="$lib" "$program" "${args[@]}" >/dev/null
bare_times=() pre_times=() other_times=()
for ((i = 0; i < runs; ++i)); do                     # interleaved, so drift hits all alike
  bare_times+=("$(time_once "$program" "${args[@]}")")
  pre_times+=("$(time_once env LD_PRELOAD="$lib" "$program" "${args[@]}")")
  [[ -n "$other" ]] && other_times+=("$(time_once env LD_PRELOAD="$other" "$program" "${args[@]}")")
done
read -r bare_median bare_mean < <(printf '%s\n' "${bare_times[@]}" | summary)
echo "runs      $runs each (interleaved)"
# One configuration's line and its ratio to bare.
report() {
  read -r median mean < <(printf '%s\n' "${@:2}" | summary)
  awk -v name="$1" -v bm="$bare_median" -v ba="$bare_mean" -v m="$median" -v a="$mean" 'BEGIN {
    printf "%-9s %9.1f ms median, %9.1f ms mean\n", name, m * 1000, a * 1000
    if (name != "bare") printf "ratio     %9.2fx (medians), %.2fx (means)\n", m / bm, a / ba }'
}
report bare "${bare_times[@]}"
report preloaded "${pre_times[@]}"
[[ -n "$other" ]] && report other "${other_times[@]}"
exit 0
