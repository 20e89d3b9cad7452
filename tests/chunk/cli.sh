#!/usr/bin/env bash
# bk-cat's chunk-file commands on a known file: --stats (exact rows, blocks, nulls,
# min and max per column, from the footer alone: a damaged payload does not change
# it), --schema, --verify; and the usage errors (binary to a terminal, a bad codec,
# --stats on NDJSON).
# Usage: cli.sh BIN_DIR [stats-unbounded]
#   stats-unbounded: only the known bug that a block whose strings are too long for
#   the footer's min/max is left out of the file's min/max (see tests/CMakeLists.txt).
source "$(dirname "$0")/lib.sh"

# Two blocks: "new" appears in the second; ints at the int64 edge, -0.0 and 1e308.
cat >k1.ndjson <<'NDJSON'
{"i":5,"f":2.5,"s":"pear","b":true}
{"i":-7,"f":null,"s":"apple","b":false}
{"i":null,"f":-0.0,"s":null,"b":null}
NDJSON
cat >k2.ndjson <<'NDJSON'
{"i":100,"f":1e308,"s":"zebra","b":true,"new":"x"}
{"i":0,"f":-3.75,"s":"","b":true,"new":null}
{"i":9223372036854775807,"f":0.1,"s":"mango","b":null,"new":"y"}
NDJSON

if [ "${2:-}" == stats-unbounded ]; then
  long=$(printf 'z%.0s' {1..70})
  printf '{"l":"short"}\n{"l":"short"}\n' >l1.ndjson
  printf '{"l":"%s"}\n{"l":"a"}\n' "$long" >l2.ndjson
  "$CAT" l1.ndjson l2.ndjson -O chunk -o l.bkc
  # The second block has no min/max (a value over 64 bytes), so the file's min/max
  # are unknown: null. Today they are the first block's, "short" and "short", which
  # a reader skipping blocks by min/max would trust.
  check "a block without min/max makes the file's unknown" \
    '{"file":"l.bkc","bytes":'"$(wc -c <l.bkc)"',"blocks":2,"rows":4,"columns":[{"name":"l","type":"string","nulls":0,"min":null,"max":null}]}' \
    "$("$CAT" l.bkc --stats)"
  finish
fi

"$CAT" k1.ndjson k2.ndjson -O chunk -o k.bkc
bytes=$(wc -c <k.bkc)

# ---- --stats ----------------------------------------------------------------------

want='{"file":"k.bkc","bytes":'$bytes',"blocks":2,"rows":6,"columns":['
want+='{"name":"i","type":"int64","nulls":1,"min":-7,"max":9223372036854775807},'
want+='{"name":"f","type":"float64","nulls":1,"min":-3.75,"max":1e+308},'
want+='{"name":"s","type":"string","nulls":1,"min":"","max":"zebra"},'
want+='{"name":"b","type":"bool","nulls":2,"min":false,"max":true},'
want+='{"name":"new","type":"string","nulls":4,"min":"x","max":"y"}]}'
check "--stats" "$want" "$("$CAT" k.bkc --stats)"
check "--stats: status" 0 "$?"
"$CAT" k1.ndjson -O chunk -o k1.bkc
check "--stats of the first block alone" \
  '{"file":"k1.bkc","bytes":'"$(wc -c <k1.bkc)"',"blocks":1,"rows":3,"columns":[{"name":"i","type":"int64","nulls":1,"min":-7,"max":5},{"name":"f","type":"float64","nulls":1,"min":-0.0,"max":2.5},{"name":"s","type":"string","nulls":1,"min":"apple","max":"pear"},{"name":"b","type":"bool","nulls":1,"min":false,"max":true}]}' \
  "$("$CAT" k1.bkc --stats)"
check "--stats of two files: a line each" 2 "$("$CAT" k.bkc k1.bkc --stats | wc -l)"
check "--stats -o FILE" "$want" "$("$CAT" k.bkc --stats -o stats.json && cat stats.json)"

# ---- --schema, --verify -------------------------------------------------------------

check "--schema" \
  '{"fields":[{"name":"i","type":"int64"},{"name":"f","type":"float64"},{"name":"s","type":"string"},{"name":"b","type":"bool"},{"name":"new","type":"string"}],"time_field":null}' \
  "$("$CAT" k.bkc --schema)"
check "--verify" "k.bkc: ok (2 blocks, 6 rows)" "$("$CAT" k.bkc --verify)"
check "--verify of two files" $'k.bkc: ok (2 blocks, 6 rows)\nk1.bkc: ok (1 block, 3 rows)' "$("$CAT" k.bkc k1.bkc --verify)"

# ---- a damaged payload: --stats reads the footer only, --verify decodes ------------

mapfile -t blocks < <(blocks_of k.bkc)
read -r start end rows <<<"${blocks[1]}"
mkdir -p damaged
cp k.bkc damaged/k.bkc
last=$((end - 1))  # the last payload byte of block 2
printf -v octal '\\%03o' $(($(uint_at k.bkc $last 1) ^ 0x10))
printf "$octal" | dd of=damaged/k.bkc bs=1 seek=$last conv=notrunc status=none
check "the copy is damaged" 1 "$(cmp -s k.bkc damaged/k.bkc; echo $?)"
cd damaged
check "damaged payload: --stats as before" "$want" "$("$CAT" k.bkc --stats 2>&1)"
check "damaged payload: --stats status" 0 "$("$CAT" k.bkc --stats >/dev/null 2>&1; echo $?)"
check "damaged payload: --schema as before" "$(cd .. && "$CAT" k.bkc --schema)" "$("$CAT" k.bkc --schema 2>&1)"
"$CAT" k.bkc --verify >out 2>err
check "damaged payload: --verify status" 1 "$?"
check "damaged payload: --verify message" \
  "bk-cat: error: k.bkc: block 2 (byte $start): checksum mismatch (the file is damaged; the blocks before this one are intact)" \
  "$(cat err)"
check "damaged payload: --verify prints no ok line" "" "$(cat out)"
"$CAT" k.bkc >out 2>err
check "damaged payload: reading status" 1 "$?"
check "damaged payload: the first block's records" "$("$CAT" ../k1.ndjson)" "$(cat out)"
check_has "damaged payload: reading names block 2" "k.bkc: block 2 (byte $start): checksum mismatch" err
"$CAT" ../k1.bkc k.bkc --verify >out 2>err
check "--verify of a good and a bad file: status" 1 "$?"
check "--verify of a good and a bad file: the good one is ok" "../k1.bkc: ok (1 block, 3 rows)" "$(cat out)"
cd ..

# ---- usage errors ---------------------------------------------------------------

"$CAT" k1.ndjson -O chunk --codec bogus >out 2>err
check "--codec bogus: status" 2 "$?"
check "--codec bogus: message" "bk-cat: error: --codec: unknown codec 'bogus' (use zstd, zlib or none)" "$(cat err)"
check "--codec bogus: no output" "" "$(cat out)"
"$CAT" k1.ndjson --stats >out 2>err
check "--stats on NDJSON: status" 1 "$?"
check "--stats on NDJSON: message" \
  "bk-cat: error: k1.ndjson: --stats reads chunk files; this is ndjson (convert it first with bk-cat -O chunk)" "$(cat err)"
"$CAT" k.bkc --stats --verify >/dev/null 2>err
check "--stats with --verify: status" 2 "$?"

if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  # `script` gives bk-cat a terminal for stdout.
  script -qec "'$CAT' k1.ndjson -O chunk" /dev/null >tty.out 2>&1
  check "-O chunk to a terminal: status" 2 "$?"
  check_has "-O chunk to a terminal: message" \
    "bk-cat: error: refusing to write binary chunk data to a terminal (redirect it to a file or a pipe, or use -o FILE)" tty.out
  script -qec "'$CAT' k1.ndjson -O chunk -o tty.bkc" /dev/null >tty.out 2>&1
  check "-O chunk -o FILE from a terminal: status" 0 "$?"
  check "-O chunk -o FILE from a terminal: the file" "k1.bkc: ok (1 block, 3 rows)" "$("$CAT" tty.bkc --verify | sed 's/^tty/k1/')"
else
  echo "SKIP: -O chunk to a terminal (no usable 'script' command to make a pty)"
fi

finish
