#!/usr/bin/env bash
# The order of bk-aggregate's output over many groups, against Python's sort: keys that
# share long prefixes, keys longer than the 24 bytes that are sorted as numbers (the rest
# breaks ties), multibyte and control characters, negative numbers and nulls (last),
# more than 16,384 groups (the radix sort's parallel buckets); -j1 and -j4 give the same
# bytes, and the counts are Python's.
#
#   tests/aggregate/order.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/suite.sh"
suite_start "BIN_DIR" bk-aggregate "$@"

python3 - "$tmp/in.ndjson" <<'EOF'
import json, random, sys
rnd = random.Random(20261121)
stems = ["", "m-0000", "a" * 23, "a" * 24, "a" * 30, "é" * 13, "~\u0001x"]
with open(sys.argv[1], "w") as f:
    for i in range(60000):
        s = rnd.choice(stems) + "".join(rnd.choice("ab\u0001é~") for _ in range(rnd.randrange(7)))
        n = None if rnd.random() < 0.05 else rnd.randrange(-3, 4)
        f.write(json.dumps({"s": s, "n": n}) + "\n")
EOF

rc=0
for keys in "s" "n, s"; do
  for j in 1 4; do
    "$bin/bk-aggregate" -j"$j" "$tmp/in.ndjson" -g "$keys" -a 'c = count()' -o "$tmp/out-$j.ndjson"
  done
  if ! cmp -s "$tmp/out-1.ndjson" "$tmp/out-4.ndjson"; then
    echo "FAIL -g '$keys': -j1 and -j4 differ"; rc=1; continue
  fi
  if python3 - "$tmp/in.ndjson" "$tmp/out-1.ndjson" "$keys" <<'EOF'; then echo "ok   -g '$keys'"; else rc=1; fi
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
names = [k.strip() for k in sys.argv[3].split(",")]
def order(r):  # numbers numerically with nulls last, strings by their UTF-8 bytes
    key = []
    for k in names:
        v = r.get(k)
        key.append((1, 0) if v is None else (0, v.encode() if isinstance(v, str) else v))
    return key
want = collections.Counter(tuple(r.get(k) for k in names) for r in rows)
want_rows = sorted(({**dict(zip(names, k)), "c": c} for k, c in want.items()), key=order)
got_rows = [{k: r.get(k) for k in names + ["c"]} for r in out]
if len(want) < 16384:
    sys.exit(f"FAIL -g '{sys.argv[3]}': only {len(want)} groups, the test wants more than 16,384")
if got_rows != want_rows:
    bad = next(i for i, (a, b) in enumerate(zip(got_rows, want_rows)) if a != b) if len(got_rows) == len(want_rows) else -1
    sys.exit(f"FAIL -g '{sys.argv[3]}': {len(got_rows)} groups, want {len(want_rows)}; first difference at {bad}: "
             f"{got_rows[bad] if bad >= 0 else ''} vs {want_rows[bad] if bad >= 0 else ''}")
EOF
done
exit $rc
