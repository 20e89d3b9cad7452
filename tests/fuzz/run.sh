#!/usr/bin/env bash
# Builds the chunk fuzz target (clang, libFuzzer + ASan + UBSan) in build-fuzz, makes
# a seed corpus, and fuzzes for SECONDS (default 60). Installs nothing. Exits non-zero
# when the fuzzer finds a crash, a leak, a sanitizer report or a timeout; the input
# that did it is left in build-fuzz/fuzz-artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/../.."
build=build-fuzz

CXX=${CXX:-clang++} cmake -S . -B "$build" -G Ninja -DBK_FUZZ=ON -DBK_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" bk-chunk-fuzz bk-cat >/dev/null

corpus=$build/fuzz-corpus
seeds=$build/fuzz-seeds
artifacts=$build/fuzz-artifacts
rm -rf "$seeds"
mkdir -p "$corpus" "$artifacts"
tests/fuzz/make-corpus.sh "$build/bin" "$seeds"

echo "fuzzing the chunk reader for ${seconds}s ($(ls "$seeds" | wc -l) seeds, corpus in $corpus)"
# New inputs go to the first directory (the working corpus); the seeds are only read.
"$build/bin/bk-chunk-fuzz" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/"
