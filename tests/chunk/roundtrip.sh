#!/usr/bin/env bash
# NDJSON/CSV -> chunk -> NDJSON/CSV round trips through bk-cat, byte for byte, for
# every codec, through a pipe and through a file; -j1 against -j4; and concatenated
# chunk files (cat a.bkc b.bkc | bk-cat), with --verify and --stats on them.
# Usage: roundtrip.sh BIN_DIR
source "$(dirname "$0")/lib.sh"

# ---- inputs ---------------------------------------------------------------------

# Every type, written the way bk-cat writes it, so a round trip must give it back
# exactly: int64 extremes; floats that take the decimal encoding (d) and that do not
# (f: -0.0, 1e+308, 5e-324, 0.1+0.2; z: decimals but for -0.0); empty strings;
# unicode and escapes; nested JSON; a row of nulls in every type; a null column.
cat >types.ndjson <<'NDJSON'
{"n":null,"b":true,"i":-9223372036854775808,"d":7.416,"f":-0.0,"z":-0.0,"s":"","u":"hé☃ 😀 \"q\" \\ \n\t\r\u0001\u001f","j":{"x":[1,2],"y":{"z":null}}}
{"n":null,"b":false,"i":9223372036854775807,"d":12.5,"f":1e+308,"z":1.5,"s":"x","u":"é","j":[1,{"a":"b"}]}
{"n":null,"b":null,"i":null,"d":null,"f":null,"z":null,"s":null,"u":null,"j":null}
{"n":null,"b":true,"i":0,"d":-3.25,"f":5e-324,"z":0.0,"s":"","u":"","j":{}}
{"n":null,"b":false,"i":-1,"d":100.0,"f":0.30000000000000004,"z":2.25,"s":"a,b\"c","u":"\u0000","j":[]}
NDJSON
echo '{"only":1}' >one.ndjson
: >empty.ndjson
# A 1 MB string, an empty one, a short one.
{
  printf '{"s":"'
  head -c 1048576 /dev/zero | tr '\0' 'q'
  printf '"}\n{"s":""}\n{"s":"short"}\n'
} >long.ndjson
# 4000 rows, ~330 KB: sequential ints (delta), pseudo-random ints (frame of reference),
# few distinct strings (dictionary), many distinct strings, decimal floats; from row
# 2500 on a new field appears and "kind" turns from int64 to string.
awk 'BEGIN {
  x = 12345
  for (i = 0; i < 4000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    printf "{\"seq\":%d,\"rnd\":%d,\"dev\":\"dev-%d\",\"id\":\"r-%d\",\"v\":%d.%03d,", 1000000 + i, x - 1073741824, x % 5, x, x % 1000, x % 997
    if (i < 2500) printf "\"kind\":%d}\n", x % 3
    else printf "\"kind\":\"k%d\",\"extra\":%s}\n", x % 3, (i % 7 ? "true" : "null")
  }
}' >big.ndjson

# ---- NDJSON round trips ---------------------------------------------------------

check "types: bk-cat prints the input as written" "" "$("$CAT" types.ndjson | cmp - types.ndjson 2>&1)"
check "empty input: no output" 0 "$("$CAT" empty.ndjson | wc -c)"

codec_byte() { case $1 in none) echo 0 ;; zstd) echo 1 ;; zlib) echo 2 ;; esac; }

for codec in zstd zlib none; do
  for f in types one empty long big; do
    for bytes in default 200 20000; do
      [ $f != big ] && [ $bytes != default ] && continue
      name="$f, $codec, blocks $bytes"
      if [ $bytes == default ]; then unset BK_BLOCK_BYTES; else export BK_BLOCK_BYTES=$bytes; fi
      # The records as bk-cat prints them straight, cut into the same blocks (a field
      # whose type changes within a block is widened there, see batch.hpp).
      "$CAT" $f.ndjson >$f.direct
      # Through a pipe.
      "$CAT" $f.ndjson -O chunk --codec $codec | "$CAT" >out.pipe
      check "$name, pipe: status" 0 "$?"
      check_file "$name, pipe" $f.direct out.pipe
      # Through a file.
      rm -f x.bkc
      "$CAT" $f.ndjson -O chunk --codec $codec -o x.bkc
      check "$name, file: status" 0 "$?"
      check "$name: chunk magic" "89424b430d0a1a0a" "$(head -c 8 x.bkc | od -An -tx1 | tr -d ' \n')"
      check "$name: trailer magic" "BKC-END" "$(tail -c 8 x.bkc | head -c 7)"
      if [ $f != empty ]; then check "$name: codec byte of block 1" "$(codec_byte $codec)" "$(uint_at x.bkc $((16 + 32)) 1)"; fi
      "$CAT" x.bkc >out.file
      check_file "$name, file" $f.direct out.file
      # Chunk to chunk keeps every record too.
      "$CAT" x.bkc -O chunk --codec zstd | "$CAT" >out.rechunk
      check_file "$name, chunk -> chunk" $f.direct out.rechunk
    done
  done
done
unset BK_BLOCK_BYTES

# Block counts: the small-block encodings really made many blocks.
BK_BLOCK_BYTES=200 "$CAT" big.ndjson -O chunk -o big200.bkc
blocks=$("$CAT" big200.bkc --verify | sed -n 's/.*ok (\([0-9]*\) blocks, 4000 rows)$/\1/p')
check "big, blocks of 200 bytes: more than 100 blocks" yes "$([ "${blocks:-0}" -gt 100 ] && echo yes || echo "no (${blocks:-?})")"
"$CAT" big200.bkc --schema >schema.out
check "big: schema change between blocks" \
  '{"fields":[{"name":"seq","type":"int64"},{"name":"rnd","type":"int64"},{"name":"dev","type":"string"},{"name":"id","type":"string"},{"name":"v","type":"float64"},{"name":"kind","type":"string"},{"name":"extra","type":"bool"}],"time_field":null}' \
  "$(cat schema.out)"

# The empty input: a valid chunk file of a header and a footer, no blocks.
"$CAT" empty.ndjson -O chunk -o empty.bkc
check "empty: file header + footer (80 bytes)" 80 "$(wc -c <empty.bkc)"
check "empty: --verify" "empty.bkc: ok (0 blocks, 0 rows)" "$("$CAT" empty.bkc --verify)"
check "empty: --stats" '{"file":"empty.bkc","bytes":80,"blocks":0,"rows":0,"columns":[]}' "$("$CAT" empty.bkc --stats)"
check "one row: --verify" "<stdin>: ok (1 block, 1 row)" "$("$CAT" one.ndjson -O chunk | "$CAT" --verify)"

# ---- CSV ------------------------------------------------------------------------

printf 'id,name,score,flag,note\n1,"Smith, J.",7.416,true,"say ""hi"""\n2,,0.1,false,""\n3,"multi\nline",-0.0,,plain\n,"",1e308,true,é☃\n' >in.csv
"$CAT" in.csv -O csv >csv.direct
for codec in zstd zlib none; do
  "$CAT" in.csv -O chunk --codec $codec | "$CAT" -O csv >csv.out
  check_file "CSV -> chunk -> CSV ($codec)" csv.direct csv.out
done
check "CSV: the quoted cells survive" '1,"Smith, J.",7.416,true,"say ""hi"""' "$(sed -n 2p csv.out)"

# ---- -j1 against -j4 ------------------------------------------------------------

for bytes in 200 20000; do
  BK_BLOCK_BYTES=$bytes "$CAT" big.ndjson >big.direct
  BK_BLOCK_BYTES=$bytes "$CAT" big.ndjson -O chunk -j1 -o j1.bkc
  BK_BLOCK_BYTES=$bytes "$CAT" big.ndjson -O chunk -j4 -o j4.bkc
  check_file "-j1 and -j4 write the same chunk file (blocks of $bytes)" j1.bkc j4.bkc
  "$CAT" j1.bkc -j1 >j1.out
  "$CAT" j1.bkc -j4 >j4.out
  check_file "-j1 and -j4 read the same records (blocks of $bytes)" j1.out j4.out
  check_file "and they are the input's records (blocks of $bytes)" big.direct j4.out
done

# ---- concatenation --------------------------------------------------------------

BK_BLOCK_BYTES=200 "$CAT" types.ndjson -O chunk -o a.bkc
BK_BLOCK_BYTES=200 "$CAT" big.ndjson -O chunk --codec zlib -o b.bkc
"$CAT" types.ndjson >ab.direct
BK_BLOCK_BYTES=200 "$CAT" big.ndjson >>ab.direct
cat a.bkc b.bkc | "$CAT" >ab.out
check_file "cat a.bkc b.bkc | bk-cat" ab.direct ab.out
cat a.bkc empty.bkc b.bkc | "$CAT" >ab.out
check_file "cat a.bkc empty.bkc b.bkc | bk-cat" ab.direct ab.out
cat a.bkc b.bkc >ab.bkc
"$CAT" ab.bkc -j1 >ab.out
check_file "bk-cat ab.bkc (concatenated file)" ab.direct ab.out
"$CAT" a.bkc b.bkc >ab.out
check_file "bk-cat a.bkc b.bkc" ab.direct ab.out

na=$("$CAT" a.bkc --verify | sed -n 's/.*ok (\([0-9]*\) blocks\{0,1\}, .*/\1/p')
nb=$("$CAT" b.bkc --verify | sed -n 's/.*ok (\([0-9]*\) blocks\{0,1\}, .*/\1/p')
check "a.bkc has several blocks" 1 "$((na > 1))"
check "concatenation: --verify" "<stdin>: ok ($((na + nb)) blocks, 4005 rows)" "$(cat a.bkc b.bkc | "$CAT" --verify)"
check "concatenation: --verify status" 0 "$?"
# --stats of a concatenation = --stats of one file holding the same blocks.
BK_BLOCK_BYTES=200 "$CAT" types.ndjson big.ndjson -O chunk -o one.bkc
strip() { sed 's/^{"file":"[^"]*","bytes":[0-9]*,//'; }
check "concatenation: --stats status" 0 "$(cat a.bkc b.bkc | "$CAT" --stats >cat.stats; echo $?)"
check "concatenation: --stats = one file's --stats" "$("$CAT" one.bkc --stats | strip)" "$(strip <cat.stats)"
check_has "concatenation: --stats counts" "\"blocks\":$((na + nb)),\"rows\":4005," cat.stats

finish
