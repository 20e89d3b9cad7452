#!/usr/bin/env bash
# Benchmark driver: runs each workload with batchkit and with DuckDB (the reference a user
# would otherwise pick) on the same data and machine, and reports batchkit as a ratio to
# DuckDB. batchkit is timed as a whole process (start-up included); DuckDB by the query's
# own wall time as duck.sh reports it (Node.js start-up excluded), as in
# shared/bench/README.md. RUNS rounds, each running batchkit then DuckDB; the best and
# median of each side are reported, and the median of the rounds' ratios.
#
# Prints a table and writes it as JSON lines to build/bench-results.ndjson (overwritten
# each run). See tests/bench/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Run the batchkit benchmark workloads beside DuckDB and print batchkit/DuckDB ratios.
Usage: tests/bench/run.sh [-n RUNS] [-r ROWS] [-d DATA_DIR] [--no-duckdb] [WORKLOAD...]

  -n RUNS       runs per workload and tool (default 3)
  -r ROWS       readings to generate (default 2000000, about 235 MB)
  -d DATA_DIR   where readings.ndjson and devices.ndjson live; generated with
                bk-bench-gen when missing or of another row count (default build/bench-data)
  --no-duckdb   time batchkit only
  WORKLOAD      ids to run (default: all known)

Environment: BK_BIN (binaries, default build/bin), BK_SHARED (the shared/ folder with
bench/duck.sh, default ../shared beside the repository).

Examples:
  tests/bench/run.sh                    every workload, 3 runs, 2M rows
  tests/bench/run.sh -n 5 w0            w0 only, 5 runs
  tests/bench/run.sh -r 200000 --no-duckdb
EOF
}

# The workloads: id, the batchkit tool it needs, and the batchkit command. The command is
# evaluated with $BIN (binaries), $DATA (data directory) and $OUT (an output directory
# kept between workloads). Its DuckDB twin is `duck.sh ID`. Add a workload with one line.
# shellcheck disable=SC2016  # expanded later, by eval
# id, the DuckDB workload it is compared with (- for none), the tool, the command.
# Workloads run in this order: w6 and c2n read the chunk file w5 wrote. w4 starts from an
# empty directory each run, as DuckDB's does (its rm is timed here, not there).
WORKLOADS=(
  'w0  w0 bk-cat "$BIN/bk-cat" "$DATA/readings.ndjson" -O csv -o "$OUT/w0.csv"'
  'w0f -  bk-cat "$BIN/bk-cat" "$DATA/readings.ndjson" --where "status == \"ok\" and value > 5" -O csv -o "$OUT/w0f.csv"'
  'w1  w1 bk-aggregate "$BIN/bk-aggregate" "$DATA/readings.ndjson" -g "device, month = substr(ts, 1, 7)" -a "n = count(), s = sum(value), a = mean(value), mn = min(value), mx = max(value)" -O csv -o "$OUT/w1.csv"'
  'w2  w2 bk-join "$BIN/bk-join" "$DATA/readings.ndjson" "$DATA/devices.ndjson" --on device -o "$OUT/w2.ndjson"'
  'w3  w3 bk-join "$BIN/bk-join" "$DATA/readings.ndjson" "$DATA/devices.ndjson" --on device -O chunk | "$BIN/bk-aggregate" -g "region, month = substr(ts, 1, 7)" -a "bill = sum(value * tariff), n = count()" -O csv -o "$OUT/w3.csv"'
  'w4  w4 bk-partition rm -rf "$OUT/w4" && "$BIN/bk-partition" "$DATA/readings.ndjson" --by hash:device:16 -d "$OUT/w4"'
  'w5  w5 bk-cat "$BIN/bk-cat" "$DATA/readings.ndjson" -O chunk -o "$OUT/w5.bkc"'
  'w5i w5 bk-ingest "$BIN/bk-ingest" "$DATA/readings.ndjson" --time ts -o "$OUT/w5i.bkc"'
  'w6  w6 bk-aggregate "$BIN/bk-aggregate" "$OUT/w5.bkc" -g "device, month = substr(ts, 1, 7)" -a "n = count(), s = sum(value), a = mean(value), mn = min(value), mx = max(value)" -O csv -o "$OUT/w6.csv"'
  'n2n -  bk-cat "$BIN/bk-cat" "$DATA/readings.ndjson" >/dev/null'
  'c2n -  bk-cat "$BIN/bk-cat" "$OUT/w5.bkc" >/dev/null'
)

die() { echo "run.sh: error: $*" >&2; exit 2; }

# --- Options ---------------------------------------------------------------------------
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=3 rows=2000000 data=$repo/build/bench-data duckdb=1 selected=()
while (($#)); do
  case $1 in
    -n) [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number of runs"; runs=$2; shift 2 ;;
    -r) [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "-r needs a positive number of rows"; rows=$2; shift 2 ;;
    -d) [[ -n ${2-} ]] || die "-d needs a directory"; data=$2; shift 2 ;;
    --no-duckdb) duckdb=0; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (see run.sh --help)" ;;
    *) selected+=("$1"); shift ;;
  esac
done

declare -A tool_of command_of duck_of
ids=()
for line in "${WORKLOADS[@]}"; do
  read -r id duck_id tool command <<<"$line"
  ids+=("$id") tool_of[$id]=$tool command_of[$id]=$command duck_of[$id]=$duck_id
done
((${#selected[@]})) || selected=("${ids[@]}")
for id in "${selected[@]}"; do
  [[ -n ${tool_of[$id]-} ]] || die "unknown workload '$id' (known: ${ids[*]})"
done

BIN=$(cd "${BK_BIN:-$repo/build/bin}" 2>/dev/null && pwd) || die "no binaries in ${BK_BIN:-$repo/build/bin} (build first)"
shared=${BK_SHARED:-$repo/../shared}
duck=$shared/bench/duck.sh
if ((duckdb)) && [[ ! -x $duck ]]; then
  die "no $duck (set BK_SHARED to the shared/ folder, or use --no-duckdb)"
fi
results=$repo/build/bench-results.ndjson
OUT=$repo/build/bench-out/batchkit
duck_out=$repo/build/bench-out/duckdb
mkdir -p "$data" "$OUT" "$duck_out" "$(dirname "$results")"
DATA=$(cd "$data" && pwd)

# --- Data: generate when missing or of another size ------------------------------------
readings=$DATA/readings.ndjson devices=$DATA/devices.ndjson
if [[ ! -f $readings || ! -f $devices || $(wc -l <"$readings") -ne $rows ]]; then
  [[ -x $BIN/bk-bench-gen ]] || die "no $BIN/bk-bench-gen to generate the data (build first)"
  echo "generating $rows rows into $DATA ..."
  "$BIN/bk-bench-gen" "$rows" "$readings" "$devices"
fi
input_bytes=$(stat -c %s "$readings")
cat "$readings" "$devices" >/dev/null  # warm the page cache so run 1 is not the odd one out

# --- Timing helpers --------------------------------------------------------------------
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }  # seconds from $1 to $2
# best and median of the numbers on stdin, one a line
best_median() {
  sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m }'
}
fmt() { [[ $1 == - ]] && echo - || printf '%.3f' "$1"; }
json_num() { [[ $1 == - ]] && echo null || echo "$1"; }

# --- The machine -----------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
cores=$(nproc)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The DuckDB package duck.sh installed; known once it has (its first run installs it).
duck_version=-
read_duck_version() {
  local pkg=${BK_ANCHOR_CACHE:-$HOME/.cache/bk-anchor}/node_modules/@duckdb/node-api/package.json
  if ((duckdb)) && [[ -f $pkg ]]; then
    duck_version=$(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' "$pkg" | head -1)
  fi
}
read_duck_version
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

echo "machine:  $cores cores, ${cpu:-unknown CPU}"
echo "data:     $rows rows, $(awk -v b="$input_bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($readings)"
echo "runs:     $runs per workload and tool; batchkit $commit (whole process)$( ((duckdb)) && echo ", DuckDB node-api $duck_version (query time)")"
echo

# --- The workloads ---------------------------------------------------------------------
print_row() { printf '%-8s %9s %9s %11s %7s %9s %11s %6s %9s\n' "$@"; }
print_row workload bk_best bk_median rows/s MB/s duck_best duck_median ratio pair_med
tmp_results=$results.tmp-$$
trap 'rm -f "$tmp_results"' EXIT
: >"$tmp_results"
failed=0
for id in "${selected[@]}"; do
  tool=${tool_of[$id]}
  if [[ ! -x $BIN/$tool ]]; then
    printf '%-8s skipped: %s is not built yet\n' "$id" "$tool"
    printf '{"workload":"%s","skipped":"%s is not built yet"}\n' "$id" "$tool" >>"$tmp_results"
    continue
  fi

  # RUNS rounds, each batchkit then DuckDB, so a change of load on the machine falls on
  # both sides alike. batchkit: whole-process wall time; DuckDB: the query's own time
  # from duck.sh's stderr.
  times=() dtimes=() ptimes=() ratios=() log=$OUT/$id.log dlog=$duck_out/$id.log
  with_duck=0
  ((duckdb)) && [[ ${duck_of[$id]} != - ]] && with_duck=1
  for ((i = 0; i < runs; i++)); do
    t0=$(now)
    if ! eval "${command_of[$id]}" >"$log" 2>&1; then
      printf '%-8s failed: batchkit exited non-zero; see %s\n' "$id" "$log"
      tail -5 "$log" >&2
      printf '{"workload":"%s","failed":"see %s"}\n' "$id" "$log" >>"$tmp_results"
      failed=1
      continue 2
    fi
    t1=$(now)
    times+=("$(elapsed "$t0" "$t1")")
    ((with_duck)) || continue
    t0=$(now)
    if ! "$duck" "${duck_of[$id]}" "$DATA" "$duck_out" >"$dlog" 2>&1; then
      echo "  $id: duck.sh failed; see $dlog" >&2
      tail -5 "$dlog" >&2
      with_duck=0 dtimes=() ptimes=() ratios=()
      continue
    fi
    t1=$(now)
    dtimes+=("$(sed -n 's/^duckdb_query_seconds=//p' "$dlog" | tail -1)")
    if ! [[ ${dtimes[-1]} =~ ^[0-9.]+$ ]] || awk -v d="${dtimes[-1]}" 'BEGIN { exit !(d <= 0) }'; then
      echo "  $id: duck.sh gave no query time; see $dlog" >&2
      with_duck=0 dtimes=() ptimes=() ratios=()
      continue
    fi
    ptimes+=("$(elapsed "$t0" "$t1")")
    ratios+=("$(awk -v b="${times[-1]}" -v d="${dtimes[-1]}" 'BEGIN { print b / d }')")
  done
  read -r bk_best bk_median < <(printf '%s\n' "${times[@]}" | best_median)
  duck_best=- duck_median=- duck_proc_best=- pair_median=-
  read_duck_version
  if ((${#dtimes[@]})); then
    read -r duck_best duck_median < <(printf '%s\n' "${dtimes[@]}" | best_median)
    read -r duck_proc_best _ < <(printf '%s\n' "${ptimes[@]}" | best_median)
    read -r _ pair_median < <(printf '%s\n' "${ratios[@]}" | best_median)
  fi

  read -r rps mbps ratio < <(awk -v t="$bk_best" -v r="$rows" -v b="$input_bytes" -v d="$duck_best" \
    'BEGIN { printf "%.0f %.1f %s\n", r / t, b / t / 1e6, d == "-" ? "-" : sprintf("%.2f", t / d) }')
  print_row "$id" "$(fmt "$bk_best")" "$(fmt "$bk_median")" "$rps" "$mbps" \
    "$(fmt "$duck_best")" "$(fmt "$duck_median")" "$ratio" "$([[ $pair_median == - ]] && echo - || printf '%.2f' "$pair_median")"
  printf '{"workload":"%s","rows":%s,"input_bytes":%s,"runs":%s,"bk_best_s":%s,"bk_median_s":%s,"rows_per_s":%s,"mb_per_s":%s,"duckdb_best_s":%s,"duckdb_median_s":%s,"duckdb_process_best_s":%s,"ratio":%s,"pair_ratio_median":%s,"nproc":%s,"cpu":"%s","commit":"%s","duckdb_version":%s,"date":"%s"}\n' \
    "$id" "$rows" "$input_bytes" "$runs" "$bk_best" "$bk_median" "$rps" "$mbps" "$(json_num "$duck_best")" \
    "$(json_num "$duck_median")" "$(json_num "$duck_proc_best")" "$(json_num "$ratio")" "$(json_num "$pair_median")" "$cores" "${cpu//\"/\\\"}" \
    "$commit" "$([[ $duck_version == - ]] && echo null || echo "\"$duck_version\"")" "$started" >>"$tmp_results"
done
mv "$tmp_results" "$results"
echo
echo "ratio = batchkit best (whole process) / DuckDB best (query only); below 1 means batchkit is faster."
echo "pair_med = the median of each round's batchkit time / DuckDB time (the two run back to back)."
echo "results: $results"
exit $failed
