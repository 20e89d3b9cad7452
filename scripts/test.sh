#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test; then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs every test again.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

packaging/install-deps.sh

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
echo "== tests (release)"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBK_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== tests (sanitizers)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzzing (libFuzzer, clang, ASan + UBSan)"
tests/fuzz/run.sh "${BK_FUZZ_SECONDS:-60}"

# Every step above stops the script on a failure, so reaching here means all passed.
count() { ctest --test-dir "$1" -N | sed -n 's/^Total Tests: //p'; }
echo "summary: $(($(count build) + $(count build-asan) + 4)) passed, 0 failed"  # + the four fuzz targets
