#!/usr/bin/env bash
# Writes a few small, valid chunk files into DIR as a seed corpus for chunk_fuzz:
# every codec, every column type bk-cat can produce, nulls, a schema change between
# blocks, dictionary and delta encodings, an empty file and a concatenation.
# Usage: make-corpus.sh BIN_DIR DIR
set -euo pipefail
bin=$1
dir=$2
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat="$bin/bk-cat"

cat >"$tmp/a.ndjson" <<'NDJSON'
{"id":1,"dev":"a","v":7.416,"ok":true,"note":"x","j":{"k":[1,2]}}
{"id":2,"dev":"b","v":-0.0,"ok":false,"note":null,"j":null}
{"id":-9223372036854775808,"dev":"a","v":1e308,"ok":null,"note":"","j":[]}
NDJSON
cat >"$tmp/b.ndjson" <<'NDJSON'
{"id":"now a string","dev":"a","v":5e-324,"extra":1}
{"id":9223372036854775807,"dev":"c","v":0.30000000000000004,"extra":null}
NDJSON
# 80 rows: long enough for the dictionary (>= 64 rows) and delta paths.
for i in $(seq 1 80); do echo "{\"seq\":$((1000 + i)),\"dev\":\"d$((i % 3))\",\"r\":$(((i * 7919) % 1000)).25}"; done >"$tmp/c.ndjson"
printf 'a,b\n1,x\n,\n2.5,"q""u"\n' >"$tmp/d.csv"
: >"$tmp/empty.ndjson"

for codec in zstd zlib none; do
  "$cat" "$tmp/a.ndjson" "$tmp/b.ndjson" -O chunk --codec "$codec" -o "$dir/schema-change-$codec.bkc"
  "$cat" "$tmp/c.ndjson" -O chunk --codec "$codec" -o "$dir/dict-delta-$codec.bkc"
done
"$cat" "$tmp/d.csv" -O chunk --codec none -o "$dir/csv.bkc"
"$cat" "$tmp/empty.ndjson" -O chunk -o "$dir/empty.bkc"
cat "$dir/csv.bkc" "$dir/empty.bkc" "$dir/schema-change-none.bkc" >"$dir/concatenated.bkc"
