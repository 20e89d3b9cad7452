#!/usr/bin/env bash
# Installs what is needed, builds, generates sample meter readings and shows them
# through bk-cat.
set -euo pipefail
cd "$(dirname "$0")/.."

BK_WITH_FUZZ=0 packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBK_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
export PATH="$PWD/build/bin:$PATH"

demo=build/demo
mkdir -p "$demo"
bk-bench-gen 10000 "$demo/readings.ndjson" "$demo/devices.ndjson" 100

run() { printf '\n$ %s\n' "$*"; eval "$@"; }
run "bk cat $demo/readings.ndjson --head 3"
run "bk cat $demo/readings.ndjson --select device,ts,value,status -O csv --head 5"
run "bk cat $demo/readings.ndjson -O csv -o $demo/readings.csv && gzip -kf $demo/readings.csv"
run "bk cat $demo/readings.csv.gz --select ts,device,temp --head 3 -O tsv"
run "bk cat $demo/devices.ndjson $demo/devices.ndjson --head 2 | bk cat -O csv"
run "bk cat $demo/readings.ndjson -O chunk -o $demo/readings.bkc && ls -l $demo/readings.ndjson $demo/readings.bkc"
run "bk cat $demo/readings.bkc --stats"
run "bk cat $demo/readings.bkc --where 'status != \"ok\" and value > 9' --set 'day = trunc(ts, \"day\")' --select device,day,status,value --head 5 -O csv"
run "bk cat $demo/readings.bkc --verify"
