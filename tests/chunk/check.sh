#!/usr/bin/env bash
# Checks man/bk-chunk.5 against the code: reference_reader.py (written from the man
# page alone) must print exactly what bk-cat prints (records, and --schema) for chunk
# files written by bk-cat with --codec none, zlib and zstd; must find the same block
# index by seeking from the end as by streaming; must agree with the footer
# statistics; and must fail, after the same records, wherever bk-cat fails on a
# damaged file. Timestamps and the event-time field, which no text reader produces
# yet, come from make_timestamps.cpp, built here against the build's libbkcore.a.
#
#   tests/chunk/check.sh [BUILD_DIR]        (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "$root" && realpath "${1:-build}")
bkcat=$build/bin/bk-cat
reader="$here/reference_reader.py"
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0

# Inputs: NDJSON texts that exercise every type, encoding and null pattern.
python3 - "$tmp" <<'EOF'
import json, random, sys
d = sys.argv[1]
rnd = random.Random(7)
def w(name, lines):
    with open(f"{d}/{name}.ndjson", "w") as f:
        f.write("".join(l + "\n" for l in lines))
w("tiny", ['{"a":1}', '{"a":2,"b":"x"}'])
w("bools", ['{"ok":true,"n":1}', '{"ok":false}', '{"ok":null,"n":3}', '{"n":4}'] * 9 + ['{"ok":true}'])
w("nulls", [json.dumps({"i": None if k % 3 == 0 else k * 1000 - 7,
                        "f": None if k % 4 == 1 else k / 8,
                        "s": None if k % 5 == 2 else "v%d" % (k % 3),
                        "z": None}) for k in range(200)])
w("bools_no_nulls", ['{"b":%s}' % ("true" if k % 3 else "false") for k in range(70)])
w("allnull_lead", ['{"x":null,"y":null}'] * 5 + ['{"x":5,"y":"s"}', '{"x":null,"y":null}', '{"x":-9,"y":""}'])
w("numbers", [json.dumps({"big": rnd.choice([-2**63, 2**63 - 1, 0, rnd.randrange(-2**62, 2**62)]),
                          "w1": rnd.randrange(200), "w2": rnd.randrange(60000), "w4": rnd.randrange(2**31),
                          "ctr": 1000 + 3 * k, "raw": rnd.random() * 1e6, "dec": round(rnd.uniform(-50, 50), 3),
                          "neg0": -0.0 if k == 5 else 1.25, "tiny": 5e-324 if k == 3 else 1e-300,
                          "huge": 1.5e300 if k % 2 else -1e22, "rawnull": None if k % 5 == 0 else rnd.random(),
                          "d4": k * 2**40 + rnd.randrange(2**20)})
                 for k in range(300)])
w("strings", [json.dumps({"dict": rnd.choice(["ok", "warn", "fail", ""]),
                          "uniq": "u%06d" % k + "\u00e9\t\"\\\n\x01" * (k % 2),
                          "long": "L" * (60 + k % 10), "obj": {"k": k, "a": [1, None, "x"]} if k % 7 else None,
                          "arr": [k, k + 1] if k % 2 else None, "mixed": k if k % 2 else "s%d" % k,
                          "jdict": {"level": k % 3}, "jdn": [k % 2] if k % 4 else None})
                 for k in range(500)])
# Blocks whose schemas differ: the first block is the first 64 KiB.
lines = ['{"a":%d}' % k for k in range(9000)]
lines += ['{"a":%d,"b":"x%d","c":%s}' % (k, k % 4, "true" if k % 3 else "null") for k in range(9000, 9400)]
lines += ['{"b":"only b","a":1.5}'] * 50
w("schema_change", lines)
EOF
head -3000 /tmp/benchdata/readings.ndjson > "$tmp/readings.ndjson" 2>/dev/null || true

compare() {  # name file.bkc: records, index and statistics
  local name=$1 f=$2
  "$bkcat" "$f" > "$tmp/want" 2>&1 || { echo "FAIL $name: bk-cat failed"; fails=$((fails + 1)); return; }
  if ! python3 "$reader" --check-stats "$f" > "$tmp/got" 2> "$tmp/err"; then
    echo "FAIL $name: the reference reader failed: $(cat "$tmp/err")"; fails=$((fails + 1)); return
  fi
  if ! cmp -s "$tmp/want" "$tmp/got"; then
    echo "FAIL $name: records differ"; diff "$tmp/want" "$tmp/got" | head -5; fails=$((fails + 1)); return
  fi
  "$bkcat" --schema "$f" > "$tmp/want.schema"
  python3 "$reader" --schema "$f" > "$tmp/got.schema"
  if ! cmp -s "$tmp/want.schema" "$tmp/got.schema"; then
    echo "FAIL $name: schemas differ"; diff "$tmp/want.schema" "$tmp/got.schema" | head -5; fails=$((fails + 1)); return
  fi
  python3 "$reader" --index "$f" > "$tmp/seek"
  python3 "$reader" --stream-index "$f" > "$tmp/stream"
  if ! cmp -s "$tmp/seek" "$tmp/stream"; then
    echo "FAIL $name: the seeking and the streaming reader find different blocks"; fails=$((fails + 1)); return
  fi
  echo "ok   $name ($(wc -l < "$tmp/want") records, $(python3 -c 'import json,sys; print(sum(len(s["blocks"]) for s in json.load(open(sys.argv[1]))))' "$tmp/seek") blocks)"
}

timestamps=
if g++ -std=c++20 -I"$root/libcore/include" "$here/make_timestamps.cpp" "$build/libbkcore.a" \
     -lxxhash -lzstd -lz -ltbb -lsimdjson -o "$tmp/make_timestamps" 2> "$tmp/cc.err"; then
  timestamps=$tmp/make_timestamps
else
  echo "skip timestamps: make_timestamps.cpp does not build here: $(head -3 "$tmp/cc.err")"
fi

for codec in none zlib zstd; do
  for input in "$tmp"/*.ndjson; do
    name=$(basename "$input" .ndjson)
    BK_BLOCK_BYTES=4000 "$bkcat" "$input" -O chunk --codec "$codec" -o "$tmp/$name.$codec.bkc"
    compare "$name/$codec" "$tmp/$name.$codec.bkc"
  done
  if [ -n "$timestamps" ]; then
    "$timestamps" "$codec" > "$tmp/timestamps.$codec.bkc"
    compare "timestamps/$codec" "$tmp/timestamps.$codec.bkc"
  fi
  # Concatenated segments, and an empty segment among them.
  printf '' | "$bkcat" -O chunk --codec "$codec" > "$tmp/empty.$codec.bkc"
  compare "empty/$codec" "$tmp/empty.$codec.bkc"
  cat "$tmp/tiny.$codec.bkc" "$tmp/empty.$codec.bkc" "$tmp/nulls.$codec.bkc" "$tmp/schema_change.$codec.bkc" \
    > "$tmp/concat.$codec.bkc"
  compare "concat/$codec" "$tmp/concat.$codec.bkc"
done

# Damage: both readers fail, after the same records.
python3 - "$tmp" <<'EOF'
import struct, sys
d = sys.argv[1]
data = open(f"{d}/schema_change.none.bkc", "rb").read()
blocks, p = [], 16
while data[p:p + 4] == b"BKBL":
    s, pl = struct.unpack_from("<IQ", data, p + 4)
    blocks.append(p)
    p += 48 + s + pl
def put(name, b):
    open(f"{d}/damaged_{name}.bkc", "wb").write(bytes(b))
def flip(at):
    b = bytearray(data); b[at] ^= 0x10; return b
put("payload_bit", flip(blocks[2] + 200))
put("reserved_block_byte", flip(blocks[1] + 35))
put("codec", flip(blocks[1] + 32))
put("header_reserved", flip(12))
put("magic", flip(5))
put("version", flip(8))
put("cut_in_block", data[:blocks[3] + 100])
put("cut_before_footer", data[:p])
put("cut_in_footer", data[:len(data) - 30])
put("footer_bit", flip(p + 30))
put("trailer_length", flip(len(data) - 16))
put("trailer_magic", flip(len(data) - 3))
put("junk_after", data + b"junk")
put("truncated_then_concatenated", data[:blocks[2]] + data)
EOF
for f in "$tmp"/damaged_*.bkc; do
  name=$(basename "$f" .bkc)
  s1=0; s2=0
  "$bkcat" "$f" > "$tmp/want" 2> "$tmp/want.err" || s1=$?
  python3 "$reader" "$f" > "$tmp/got" 2> "$tmp/got.err" || s2=$?
  if [ "$s1" = 0 ] || [ "$s2" = 0 ] || ! cmp -s "$tmp/want" "$tmp/got"; then
    echo "FAIL $name: bk-cat exit $s1, reference reader exit $s2 (records $(wc -l < "$tmp/want") vs $(wc -l < "$tmp/got"))"
    fails=$((fails + 1))
  else
    echo "ok   $name: $(wc -l < "$tmp/got") records, then: $(sed 's/^reference_reader: error: [^:]*: //' "$tmp/got.err")"
  fi
done

if [ "$fails" -gt 0 ]; then echo "$fails failed"; exit 1; fi
echo "all passed"
