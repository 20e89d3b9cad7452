#!/usr/bin/env bash
# A small chunk file (3 blocks, 800 bytes, a schema change in the last) cut at every
# byte offset and with every byte flipped in turn (XOR 0x01): bk-cat never crashes or
# hangs, exits 1 naming the file (and the block, for damage inside one), and prints
# exactly the records of the intact blocks before the damage.
#
# Usage: damage.sh BIN_DIR truncate|flip|short-prefixes
#   truncate        every prefix from 8 bytes (the magic) on
#   flip            every byte flipped
#   short-prefixes  the prefixes of 1-7 bytes, shorter than the chunk magic; these are
#                   not detected as chunk input today (a known bug, see tests/CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
export BK_THREADS=1  # a thousand short runs: one thread starts faster

# One block per input file; in the third a field appears and "id" becomes a string.
for k in 1 2 3; do
  for i in 1 2 3; do echo "{\"id\":$((k * 10 + i)),\"v\":$i.5}"; done >s$k.ndjson
done
echo '{"id":"x","v":1,"dev":"new"}' >>s3.ndjson
"$CAT" s1.ndjson s2.ndjson s3.ndjson -O chunk -o small.bkc
"$CAT" small.bkc >all.out
size=$(wc -c <small.bkc)

# Block boundaries and the records each prefix of blocks holds.
mapfile -t blocks < <(blocks_of small.bkc)
check "small.bkc has 3 blocks" 3 "${#blocks[@]}"
starts=() ends=() rows_before=(0)
for b in "${blocks[@]}"; do
  read -r start end rows <<<"$b"
  starts+=("$start")
  ends+=("$end")
  rows_before+=($((${rows_before[-1]} + rows)))
done
check "the blocks hold every record" "$(wc -l <all.out)" "${rows_before[3]}"
footer=${ends[2]}
for k in 0 1 2 3; do head -n "${rows_before[$k]}" all.out >first$k.out; done

first=()
for k in 0 1 2 3; do IFS= read -r -d '' "first[$k]" <first$k.out; done

# intact_in P: sets k to the number of whole blocks in the first P bytes.
intact_in() {
  k=0
  while [ $k -lt 3 ] && [ "${ends[$k]}" -le "$1" ]; do k=$((k + 1)); done
}
# block_at O: sets b to the block (1-based) holding byte offset O, or 0 outside the blocks.
block_at() {
  local j
  b=0
  for j in 0 1 2; do
    if [ "$1" -ge "${starts[$j]}" ] && [ "$1" -lt "${ends[$j]}" ]; then b=$((j + 1)); fi
  done
}

mode=${2:?usage: damage.sh BIN_DIR truncate|flip|short-prefixes}
if [ "$mode" == short-prefixes ]; then
  for ((p = 1; p < 8; p++)); do
    head -c $p small.bkc >cut.bkc
    timeout 10 "$CAT" cut.bkc >out 2>err
    check "prefix of $p bytes: status" 1 "$?"
    check_has "prefix of $p bytes: names the file" "bk-cat: error: cut.bkc: " err
    check "prefix of $p bytes: no records" 0 "$(wc -c <out)"
  done
  finish
fi

# ---- truncation -----------------------------------------------------------------

if [ "$mode" == truncate ]; then
for ((p = 8; p < size; p++)); do
  head -c $p small.bkc >cut.bkc
  intact_in $p
  timeout 10 "$CAT" cut.bkc >out 2>err
  check "prefix of $p bytes: status" 1 "$?"
  check_has "prefix of $p bytes: names the file" "bk-cat: error: cut.bkc: truncated: " err
  check_text "prefix of $p bytes: the records of its $k whole blocks" "${first[$k]}" out
  # --stats reads no payloads, but still finds the file cut short (every 5th offset).
  if [ $((p % 5)) -eq 0 ]; then
    timeout 10 "$CAT" cut.bkc --stats >out 2>err
    check "prefix of $p bytes, --stats: status" 1 "$?"
    check_has "prefix of $p bytes, --stats: names the file" "bk-cat: error: cut.bkc: truncated: " err
  fi
done
# Through a pipe, at the edges of each block.
for p in 16 "${starts[1]}" $((${starts[1]} + 3)) $((${starts[2]} + 50)) $footer $((size - 1)); do
  head -c $p small.bkc | timeout 10 "$CAT" >out 2>err
  check "piped prefix of $p bytes: status" 1 "$?"
  check_has "piped prefix of $p bytes: names stdin" "bk-cat: error: <stdin>: truncated: " err
  intact_in $p
  check_text "piped prefix of $p bytes: records" "${first[$k]}" out
done
finish
fi

# ---- one flipped byte anywhere ---------------------------------------------------

mapfile -t bytes < <(od -An -v -tu1 -w1 small.bkc)
check "od read every byte" "$size" "${#bytes[@]}"
for ((o = 0; o < size; o++)); do
  cp small.bkc bad.bkc
  printf -v octal '\\%03o' $((bytes[o] ^ 1))
  printf "$octal" >flipped
  dd if=flipped of=bad.bkc bs=1 seek=$o conv=notrunc status=none
  block_at $o
  if [ $o -lt 16 ]; then where="file header"; elif [ $b -gt 0 ]; then where="block $b"; else where="footer"; fi
  name="byte $o ($where) flipped"
  timeout 10 "$CAT" bad.bkc >out 2>err
  check "$name: status" 1 "$?"
  check_has "$name: names the file" "bk-cat: error: bad.bkc: " err
  if [ $b -gt 0 ]; then
    check_has "$name: names the block" "block $b " err
    check_text "$name: the records before the block" "${first[$((b - 1))]}" out
  elif [ $o -ge 16 ]; then
    check_text "$name: every record (the blocks are intact)" "${first[3]}" out
  else
    check "$name: no records" 0 "$(wc -c <out)"
  fi
  # --verify the same, at every block header byte and every 4th byte elsewhere.
  if [ $b -gt 0 ] && [ $((o - ${starts[$((b - 1))]})) -lt 48 ] || [ $((o % 4)) -eq 0 ]; then
    timeout 10 "$CAT" bad.bkc --verify >out 2>err
    check "$name, --verify: status" 1 "$?"
    check_has "$name, --verify: names the file" "bk-cat: error: bad.bkc: " err
    if [ $b -gt 0 ]; then check_has "$name, --verify: names the block" "block $b " err; fi
  fi
done

finish
