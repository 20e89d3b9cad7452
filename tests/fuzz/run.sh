#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz, makes their seed
# corpora, and fuzzes each for SECONDS (default 60): the chunk reader, the expression
# language, then bk-ingest's readers and transforms, then the exact aggregation states. Installs nothing. Exits non-zero when a fuzzer finds a crash,
# a leak, a sanitizer report or a timeout; the input that did it is left in
# build-fuzz/fuzz-artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/../.."
build=build-fuzz

CXX=${CXX:-clang++} cmake -S . -B "$build" -G Ninja -DBK_FUZZ=ON -DBK_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" bk-chunk-fuzz bk-expr-fuzz bk-ingest-fuzz bk-exact-fuzz bk-cat >/dev/null

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# fuzz NAME SEEDS_DIR: runs bk-NAME-fuzz over a working corpus plus the seeds.
fuzz() {
  local corpus=$build/fuzz-corpus-$1
  mkdir -p "$corpus"
  echo "fuzzing $1 for ${seconds}s ($(ls "$2" | wc -l) seeds, corpus in $corpus)"
  # New inputs go to the first directory (the working corpus); the seeds are only read.
  "$build/bin/bk-$1-fuzz" "$corpus" "$2" -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/$1-"
}

seeds=$build/fuzz-seeds-chunk
rm -rf "$seeds"
tests/fuzz/make-corpus.sh "$build/bin" "$seeds"
fuzz chunk "$seeds"

# Expression seeds: one expression per file, then a few records.
seeds=$build/fuzz-seeds-expr
rm -rf "$seeds"
mkdir -p "$seeds"
records='{"ts":"2026-03-29T01:30:00Z","device":"m-1","value":7.416,"temp":null,"status":"ok","seq":1}
{"ts":"2026-10-25T00:30:00+00:00","device":"m-2","value":-2,"temp":21.5,"status":"warn","seq":2}
{"ts":"bad","device":null,"value":1e300,"temp":0,"status":"","seq":-9223372036854775808}'
n=0
while IFS= read -r expr; do
  n=$((n + 1))
  printf '%s\n%s\n' "$expr" "$records" >"$seeds/e$n"
done <<'EXPRS'
status == "ok" and value > 5
not (temp is null) or seq % 2 == 0 and device in ("m-1", "m-2")
kwh = value / 1000
round(value * 1.5, 2) + abs(-3) - floor(temp) * ceil(2.5)
substr(upper(device) || "-" || to_string(seq), 2, 3)
split_part(ts, "-", 2) != replace(lower(status), "o", "0")
coalesce(temp, to_float("1.5"), 0) >= if(value < 0, 1, 2)
trunc(ts, "day") < parse_time(ts) + 1h30m
strftime(bucket(ts, 15m), "%Y-%m-%d %H:%M %z") == "x"
year(ts) * 100 + month(ts) + day(ts) + hour(ts) + weekday(ts) + epoch_s(ts) + epoch_ms(ts)
epoch_s(seq) > "2026-01-01T00:00:00Z" and length(device) between
`odd name` is not null
EXPRS
fuzz expr "$seeds"

# bk-ingest seeds: a knob byte (format, --time, --dedup, a schema, --where, --rename),
# then records with good and bad lines of each format.
seeds=$build/fuzz-seeds-ingest
rm -rf "$seeds"
mkdir -p "$seeds"
nd='{"ts":"2026-03-01T00:00:00+02:00","a":2,"b":1.5,"c":"x","d":true,"e":[1],"x":{"y":{"z":1}}}
{"ts":1772323200000,"a":"3","b":"2.5","c":7,"d":"false","e":1,"x":null}
{bad
[1,2]
{"ts":"2026-02-30T00:00:00Z","a":2,"b":1e300,"c":"\u00e9","d":1,"e":{"k":"v"}}
{"ts":null,"a":null}'
csv='ts,a,b,c,d,e
2026-03-01 00:00:00,2,1.5,x,true,1
"2026-03-01T00:00:00Z","3","2,5",y,false,
1772323200000,4,oops,z
"unclosed,1,2,3,4,5'
tsv=$(printf 'ts\ta\tb\tc\n2026-03-01\t1\t2.5\tx\\ty\nbad\t2\n2026-03-02T00:00:00Z\t\t\t\n')
k=0
for knobs in 1 5 29 61 125 253 2 6 30 62 3 7 31 0 4 20; do
  k=$((k + 1))
  case $((knobs & 3)) in 2) body=$csv ;; 3) body=$tsv ;; *) body=$nd ;; esac
  { printf "\\$(printf '%03o' "$knobs")"; printf '%s\n' "$body"; } >"$seeds/i$k"
done
fuzz ingest "$seeds"

# Exact-state seeds: a kind byte (0 ExactSum, 1 DecimalSum, 2 HyperLogLog, 3 DDSketch,
# 4 doubles to add in several orders), then the saved bytes of a small state.
seeds=$build/fuzz-seeds-exact
rm -rf "$seeds"
mkdir -p "$seeds"
printf '\000\000\001\376\377\377\377\003\000\000\000\000\000\000\000' >"$seeds/x1"  # 0.75
printf '\000\012\002\316\373\377\377\001\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000' >"$seeds/x2"
printf '\001\000\300\015\307\334\001\000\000\000\000\000\000\000\000\000\000\000' >"$seeds/x3"  # 7.999
printf '\002\000\002\000\005\000\003\200\000\001' >"$seeds/x4"
printf '\003\002\000\000\000\000\000\000\000\001\000\000\000\012\000\000\000\003\000\000\000\000\000\000\000\001\000\000\000\106\000\000\000\001\000\000\000\000\000\000\000' >"$seeds/x5"
printf '\004\232\231\231\231\231\231\271\077\232\231\231\231\231\231\311\277\000\000\000\000\000\000\360\177\001\000\000\000\000\000\000\000' >"$seeds/x6"
fuzz exact "$seeds"
