#!/usr/bin/env bash
# Installs everything Gridlock needs to build, test and write reports, from Debian 12 packages only.
# Idempotent: apt-get skips what is already there. Run as root on a fresh Debian 12 machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  cmake ninja-build g++ git
  libgtest-dev libgmock-dev libbenchmark-dev      # tests and benchmarks
  libtbb-dev                                      # parallel trials in the runner
  libboost-program-options-dev                    # the CLI
  libdw-dev                                       # symbolization (elfutils: DWARF file:line, thread unwinding)
  nlohmann-json3-dev                              # JSON reports and the child->parent finding stream
  libxml2-utils                                   # xmllint: tests validate the JUnit report against tests/data/junit.xsd
  chromium                                        # tests render the HTML report in headless Chromium (no console errors)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
