#!/usr/bin/env bash
# Trial throughput of `gridlock run`: trials per second for one trivial scenario on 1 and 2 jobs. Every
# trial is a fresh `gridlock __trial` process, so this measures what the runner pays per trial: spawn,
# stream, reap, symbolize, report. docs/performance.md records the numbers.
#
# usage: bench/trial_throughput.sh [BUILD_DIR]      (default: build)
#   SCENARIO=name  the scenario to run (default: recursive-mutex-relock, clean and short)
#   TRIALS=n       trials per measurement (default: 200)
set -euo pipefail

build=${1:-build}
gridlock="$build/bin/gridlock"
scenario=${SCENARIO:-recursive-mutex-relock}
trials=${TRIALS:-200}
[[ -x "$gridlock" ]] || { echo "no $gridlock: build first (cmake ... && ninja -C $build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Exit code 1 (a verdict other than expected) still measures the runner; 2 means a bad invocation.
run() {
  local rc=0
  "$gridlock" run --scenario "$scenario" --seeds "$1" --jobs "$2" --json "$work/report.json" >/dev/null 2>&1 || rc=$?
  if ((rc == 2)); then echo "gridlock run failed: is '$scenario' a scenario? (gridlock list)" >&2; exit 2; fi
}

run 10 1  # warm-up: the binary and its libraries into the page cache

echo "scenario: $scenario, $trials trials per row, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
printf '%-5s %9s %13s\n' jobs seconds trials/second
for jobs in 1 2; do
  start=$(date +%s.%N)
  run "$trials" "$jobs"
  end=$(date +%s.%N)
  awk -v j="$jobs" -v n="$trials" -v s="$start" -v e="$end" 'BEGIN { printf "%-5d %9.2f %13.1f\n", j, e - s, n / (e - s) }'
done
