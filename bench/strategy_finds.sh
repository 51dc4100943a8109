#!/usr/bin/env bash
# How often each schedule-perturbation strategy finds the rare-interleaving scenarios, and what each
# costs on correct lock-heavy scenarios. docs/injectors.md records the numbers and explains the columns.
#
# Every run is one `gridlock __trial --scenario NAME --seed S` process (the runner's child command) with
# GRIDLOCK_STRATEGY=none|random|pct and GRIDLOCK_SEED=S, run one at a time so runs do not perturb each
# other. A run finds the scenario when it prints its target finding on stderr (a line starting
# "gridlock: KIND "): for the ABBA-style scenarios the target is the actual `deadlock` (exit code 86),
# not the lock-order-cycle prediction every run makes.
#
# usage: bench/strategy_finds.sh [BUILD_DIR]        (default: build)
#   SEEDS=n          seeds per scenario and strategy (default 40; the docs use 40)
#   STRATEGIES=...   (default: "none random pct")
#   COST_SEEDS=n     seeds per cost measurement (default 20); COST_SEEDS=0 skips it
#   TIMEOUT=sec      per run (default 20); a run that times out counts as not found and is reported
#   GRIDLOCK_PCT_DEPTH / GRIDLOCK_PCT_STEPS pass through to the runs (pct's d and k)
set -euo pipefail

build=${1:-build}
gridlock="$build/bin/gridlock"
seeds=${SEEDS:-40}
strategies=${STRATEGIES:-"none random pct"}
cost_seeds=${COST_SEEDS:-20}
timeout_s=${TIMEOUT:-20}
[[ -x "$gridlock" ]] || { echo "no $gridlock: build first (cmake ... && ninja -C $build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scenario:target kind:which seeds. "fast-receiver" keeps the lost-wakeup seeds whose setup leaves the
# receiver fast (scenarios::context::pick(3) == 0), where only the interleaving decides; the other seeds
# hold the receiver back on purpose and lose the wakeup with any strategy.
cases=(
  "narrow-window-abba-deadlock:deadlock:all"
  "phase-dependent-inversion:deadlock:all"
  "lost-wakeup:all-threads-blocked:fast-receiver"
  "abba:deadlock:all"
  "dining-philosophers:deadlock:all"
)
cost_scenarios=${COST_SCENARIOS:-"thread-pool bank-transfer-ordered dining-philosophers-ordered"}

# The first `pick(n)` of scenarios::context for seed s (xorshift64 of s * golden + 1), in bash's signed
# 64-bit arithmetic: >> is made logical by masking, % unsigned by adding back 2^64 mod n.
first_pick() {
  local s=$1 n=$2 x r
  x=$(( s * -7046029254386353131 + 1 ))  # 0x9e3779b97f4a7c15 as a signed 64-bit number
  x=$(( x ^ (x << 13) ))
  x=$(( x ^ ((x >> 7) & 0x01ffffffffffffff) ))
  x=$(( x ^ (x << 17) ))
  if (( x >= 0 )); then echo $(( x % n )); return; fi
  # x < 0 stands for x + 2^64; 2^64 mod n == ((2^63 mod n) * 2) mod n.
  local two63=$(( (0x7fffffffffffffff % n + 1) % n ))
  r=$(( (x % n + n) % n ))
  echo $(( (r + 2 * two63) % n ))
}

seed_list() {  # which seeds: all | fast-receiver
  local which=$1 s=1 out=()
  while (( ${#out[@]} < seeds )); do
    if [[ $which == all ]] || { [[ $which == fast-receiver ]] && (( $(first_pick "$s" 3) == 0 )); }; then out+=("$s"); fi
    s=$((s + 1))
  done
  echo "${out[@]}"
}

# One run: prints 1 if it made the target finding, 0 if not, t if it timed out.
run_one() {
  local scenario=$1 kind=$2 strategy=$3 seed=$4 rc=0
  GRIDLOCK_STRATEGY=$strategy GRIDLOCK_SEED=$seed timeout "$timeout_s" \
    "$gridlock" __trial --scenario "$scenario" --seed "$seed" >/dev/null 2>"$work/err" || rc=$?
  if ((rc == 124)); then echo t; return; fi
  if grep -q "^gridlock: $kind " "$work/err"; then echo 1; else echo 0; fi
}

# Median over starting seeds of the runs up to and including the first find, walking the seed list
# cyclically from each start; "-" if no run found it.
median_to_first() {
  awk '{ n = NF; for (i = 1; i <= n; ++i) f[i] = $i }
       END {
         found = 0; for (i = 1; i <= n; ++i) found += f[i]
         if (!found) { print "-"; exit }
         for (i = 1; i <= n; ++i) { for (d = 0; !f[(i - 1 + d) % n + 1]; ++d); r[i] = d + 1 }
         for (i = 2; i <= n; ++i) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; --j) r[j + 1] = r[j]; r[j + 1] = v }
         m = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
         print m }' <<<"$1"
}

echo "gridlock strategy finds: $seeds seeds per row, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
echo "pct: d=${GRIDLOCK_PCT_DEPTH:-default} k=${GRIDLOCK_PCT_STEPS:-default}"
echo
echo "| scenario | target | strategy | found | share | median runs to first find | timeouts |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for c in "${cases[@]}"; do
  IFS=: read -r scenario kind which <<<"$c"
  read -r -a list <<<"$(seed_list "$which")"
  for strategy in $strategies; do
    flags=() found=0 timeouts=0
    for seed in "${list[@]}"; do
      r=$(run_one "$scenario" "$kind" "$strategy" "$seed")
      if [[ $r == t ]]; then timeouts=$((timeouts + 1)); r=0; fi
      flags+=("$r")
      found=$((found + r))
    done
    share=$(awk -v f="$found" -v n="${#list[@]}" 'BEGIN { printf "%.0f%%", 100 * f / n }')
    label=$scenario; [[ $which != all ]] && label="$scenario ($which seeds)"
    echo "| $label | $kind | $strategy | $found/${#list[@]} | $share | $(median_to_first "${flags[*]}") | $timeouts |"
  done
done

(( cost_seeds > 0 )) || exit 0
echo
echo "Cost on correct scenarios: wall time of seeds 1..$cost_seeds run one after another, ratio to none"
echo
echo "| scenario | strategy | seconds | ratio to none |"
echo "| --- | --- | --- | --- |"
for scenario in $cost_scenarios; do
  base=
  for strategy in $strategies; do
    start=$(date +%s.%N)
    for ((seed = 1; seed <= cost_seeds; ++seed)); do
      GRIDLOCK_STRATEGY=$strategy GRIDLOCK_SEED=$seed timeout "$timeout_s" \
        "$gridlock" __trial --scenario "$scenario" --seed "$seed" >/dev/null 2>&1 || true
    done
    end=$(date +%s.%N)
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
    [[ -z $base ]] && base=$secs
    echo "| $scenario | $strategy | $secs | $(awk -v a="$secs" -v b="$base" 'BEGIN { printf "%.2f", a / b }') |"
  done
done
