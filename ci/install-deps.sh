#!/usr/bin/env bash
# Installs everything Gridlock needs to build, test and write reports, from Debian 12 packages only.
# With --runtime, only what an already built gridlock needs to run and the CI workflow's report steps
# (ci/gridlock.yml's shard and report jobs, which get gridlock from the build job).
# Idempotent: apt-get skips what is already there. Run as root on a fresh Debian 12 machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
runtime=(
  libtbb12 libboost-program-options1.74.0 libdw1  # the gridlock executable's shared libraries
  jq                                              # the CI workflow prints each failure's reproduce line from report.json
)
build=(
  cmake ninja-build g++ git
  libgtest-dev libgmock-dev libbenchmark-dev      # tests and benchmarks
  libtbb-dev                                      # parallel trials in the runner
  libboost-program-options-dev                    # the CLI
  libdw-dev                                       # symbolization (elfutils: DWARF file:line, thread unwinding)
  nlohmann-json3-dev                              # JSON reports and the child->parent finding stream
  libxml2-utils                                   # xmllint: tests validate the JUnit report against tests/data/junit.xsd
  chromium                                        # tests render the HTML report in headless Chromium (no console errors)
  libyaml-cpp-dev                                 # tests parse the CI workflow (tests/workflow_test.cpp)
  clang libc++-dev libc++abi-dev                  # tests build programs with clang and libc++ too
  libabsl-dev                                     # tests build a program on absl::Mutex, which the interposer hooks
)
case "${1:-}" in
  --runtime) packages=("${runtime[@]}") ;;
  "") packages=("${runtime[@]}" "${build[@]}") ;;
  *) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
