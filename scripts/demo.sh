#!/usr/bin/env bash
# Installs what is needed, builds, generates sample meter readings, ingests them into
# a dataset (a bad record set aside, a re-run ingesting nothing twice), shows them
# through bk-cat, joins them with the device table, bills them per region and month,
# shows a bk-report table; then runs one workflow end to end (examples/bottling-plant:
# OEE per production batch) and prints its report.
set -euo pipefail
cd "$(dirname "$0")/.."

BK_WITH_FUZZ=0 BK_WITH_CHROMIUM=0 BK_WITH_SLURM=0 packaging/install-deps.sh
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
rm -rf "$demo/inbox" "$demo/raw" && mkdir -p "$demo/inbox"
head -n 5000 "$demo/readings.ndjson" >"$demo/inbox/00.ndjson"
{ tail -n +5001 "$demo/readings.ndjson"; echo '{"ts":"2026-02-30T25:00:00Z","device":"m-broken","value":1}'; } >"$demo/inbox/01.ndjson"
run "bk ingest $demo/inbox -d $demo/raw --time ts --rejects $demo/rejects.ndjson --stats $demo/stats.json && cat $demo/stats.json $demo/rejects.ndjson"
run "bk ingest $demo/inbox -d $demo/raw --time ts --stats $demo/stats.json && cat $demo/stats.json"
run "ls $demo/raw && bk cat $demo/raw --verify"
run "bk cat $demo/raw --where 'ts >= \"2026-03-01\"' --select device,ts,value --head 3 -O csv"
run "bk join $demo/raw $demo/devices.ndjson --on device | head -n 3"
run "bk join $demo/raw $demo/devices.ndjson --on device -O chunk | bk aggregate -g region --window month -a 'n = count(), bill = round(sum(value * tariff), 2)' -O csv | head -n 7"
run "bk aggregate $demo/raw -g site --window quarter -a 'n = count(), kwh = sum(value), peak = max(value), med = median(value)' --having 'site <= \"s-01\"' -O csv"
run "bk aggregate $demo/raw -g site --window quarter -a 'n = count(), kwh = sum(value)' --having 'site <= \"s-03\"' | bk report --columns site,window_start,n,kwh --subtotal site --total n,kwh --group-digits --title 'Consumption per site and quarter'"

# One workflow end to end (examples/bottling-plant): machine events of 24 production
# batches → ingest → join with the lines' ideal rates → OEE per batch → its report.
bottling="$PWD/$demo/bottling"
rm -rf "$bottling"
run "make -s -C examples/bottling-plant DATA=$bottling/data OUT=$bottling/out BK=bk && cat $bottling/out/report.txt"
