#!/usr/bin/env bash
# Installs, with apt-get, whichever of batchkit's build and test dependencies are missing.
# Run as root (or it uses sudo). Safe to run again: it installs nothing that is present.
set -euo pipefail

packages=(
  cmake g++ ninja-build pkg-config    # build
  libcli11-dev libsimdjson-dev zlib1g-dev libxxhash-dev libtbb-dev libzstd-dev
  doctest-dev                         # unit tests
  man-db groff-base gzip python3      # man page tests, gzip inputs, the chunk reference reader
  tzdata                              # time zones (/usr/share/zoneinfo), read by libcore/src/time.cpp
  mosquitto mosquitto-clients         # bk-ingest's MQTT test: a broker, mosquitto_sub and mosquitto_pub
  make                                # the examples' Makefiles
)
# The chunk-reader fuzz target needs clang and its libFuzzer runtime.
if [[ ${BK_WITH_FUZZ:-1} == 1 ]]; then packages+=(clang libclang-rt-14-dev); fi
# bk-report's HTML page is checked in headless Chromium (tests/report/chromium.sh), with
# a font to paint its text.
if [[ ${BK_WITH_CHROMIUM:-1} == 1 ]]; then packages+=(chromium fonts-dejavu-core); fi
# The Slurm example runs on a real single-node Slurm cluster (tests/examples/slurm.sh).
if [[ ${BK_WITH_SLURM:-1} == 1 ]]; then packages+=(slurm-wlm munge); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
