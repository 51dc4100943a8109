#!/usr/bin/env bash
# How often each schedule-perturbation strategy finds the rare-interleaving scenarios, and what each
# costs on correct lock-heavy scenarios. docs/injectors.md records the numbers and explains the columns.
#
# Every run is one `gridlock __trial --scenario NAME --seed S` process (the runner's child command) with
# GRIDLOCK_STRATEGY=none|random|pct|controlled and GRIDLOCK_SEED=S, run one at a time so runs do not
# perturb each other. A run finds the scenario when it prints its target finding on stderr (a line starting
# "gridlock: KIND "): for the ABBA-style scenarios the target is the actual `deadlock` (exit code 86),
# not the lock-order-cycle prediction every run makes.
#
# usage: bench/strategy_finds.sh [BUILD_DIR]        (default: build)
#   SEEDS=n          seeds per scenario and strategy (default 40; the docs use 40)
#   STRATEGIES=...   (default: "none random pct controlled"); a pct variant may name its d and k:
#                    "pct:d=2:k=20"
#   COST_SEEDS=n     seeds per cost measurement (default 20); COST_SEEDS=0 skips it
#   TIMEOUT=sec      per run (default 20); a run that times out counts as not found and is reported
#   GRIDLOCK_PCT_DEPTH / GRIDLOCK_PCT_STEPS pass through to the runs (pct's d and k)
set -euo pipefail

build=${1:-build}
gridlock="$build/bin/gridlock"
seeds=${SEEDS:-40}
strategies=${STRATEGIES:-"none random pct controlled"}
cost_seeds=${COST_SEEDS:-20}
timeout_s=${TIMEOUT:-20}
[[ -x "$gridlock" ]] || { echo "no $gridlock: build first (cmake ... && ninja -C $build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scenario:target kind:which seeds. The built-in scenarios use their seed to pick a setup too
# (scenarios::context::pick); "I/N=V" keeps the seeds whose I-th pick(N) is V ("!=" the others), so that
# only the interleaving decides: lost-wakeup's fast receiver (the others are held back on purpose and
# lose the wakeup whatever the strategy), abba's overlapping threads (the others run one after the
# other and cannot deadlock), dining-philosophers without the seeded 500 us pause between forks.
cases=(
  "narrow-window-abba-deadlock:deadlock:all"
  "phase-dependent-inversion:deadlock:all"
  "lost-wakeup:all-threads-blocked:1/3=0"
  "abba:deadlock:2/4=0"
  "dining-philosophers:deadlock:3/4!=0"
)
cost_scenarios=${COST_SCENARIOS:-"thread-pool bank-transfer-ordered dining-philosophers-ordered"}

# The I-th pick(N) of scenarios::context for seed s (xorshift64 from s * golden + 1), in bash's signed
# 64-bit arithmetic: >> is made logical by masking, % unsigned by adding back 2^64 mod N.
nth_pick() {
  local s=$1 i=$2 n=$3 x r k
  x=$(( s * -7046029254386353131 + 1 ))  # 0x9e3779b97f4a7c15 as a signed 64-bit number
  for ((k = 0; k < i; ++k)); do
    x=$(( x ^ (x << 13) ))
    x=$(( x ^ ((x >> 7) & 0x01ffffffffffffff) ))
    x=$(( x ^ (x << 17) ))
  done
  if (( x >= 0 )); then echo $(( x % n )); return; fi
  # x < 0 stands for x + 2^64; 2^64 mod N == (2 * (2^63 mod N)) mod N.
  local two63=$(( (0x7fffffffffffffff % n + 1) % n ))
  r=$(( (x % n + n) % n ))
  echo $(( (r + 2 * two63) % n ))
}

seed_list() {  # which seeds: all | I/N=V | I/N!=V
  local which=$1 s=1 out=() p
  if [[ $which != all && ! $which =~ ^([0-9]+)/([0-9]+)(!?=)([0-9]+)$ ]]; then
    echo "bad seed filter '$which'" >&2; exit 2
  fi
  while (( ${#out[@]} < seeds )); do
    if [[ $which == all ]]; then
      out+=("$s")
    else
      p=$(nth_pick "$s" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
      if [[ ${BASH_REMATCH[3]} == '!=' ]]; then
        (( p != BASH_REMATCH[4] )) && out+=("$s")
      else
        (( p == BASH_REMATCH[4] )) && out+=("$s")
      fi
    fi
    s=$((s + 1))
  done
  echo "${out[@]}"
}

# One trial of `scenario` under `strategy` ("random", "pct", "pct:d=2:k=20"...) with `seed`; stderr to $2.
trial() {
  local scenario=$1 err=$2 strategy=$3 seed=$4 name opt
  local -a env=()
  IFS=: read -r name opt <<<"$strategy"
  while [[ -n $opt ]]; do
    case ${opt%%:*} in
      d=*) env+=("GRIDLOCK_PCT_DEPTH=${opt%%:*}"); env[-1]=${env[-1]/=d=/=} ;;
      k=*) env+=("GRIDLOCK_PCT_STEPS=${opt%%:*}"); env[-1]=${env[-1]/=k=/=} ;;
      *) echo "bad strategy option in '$strategy'" >&2; exit 2 ;;
    esac
    [[ $opt == *:* ]] && opt=${opt#*:} || opt=
  done
  env "${env[@]}" GRIDLOCK_STRATEGY="$name" GRIDLOCK_SEED="$seed" timeout "$timeout_s" \
    "$gridlock" __trial --scenario "$scenario" --seed "$seed" >/dev/null 2>"$err"
}

# One run: prints 1 if it made the target finding, 0 if not, t if it timed out.
run_one() {
  local scenario=$1 kind=$2 strategy=$3 seed=$4 rc=0
  trial "$scenario" "$work/err" "$strategy" "$seed" || rc=$?
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
    label=$scenario; [[ $which != all ]] && label="$scenario (seeds: pick $which)"
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
      trial "$scenario" /dev/null "$strategy" "$seed" || true
    done
    end=$(date +%s.%N)
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
    [[ -z $base ]] && base=$secs
    echo "| $scenario | $strategy | $secs | $(awk -v a="$secs" -v b="$base" 'BEGIN { printf "%.2f", a / b }') |"
  done
done
