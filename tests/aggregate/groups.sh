#!/usr/bin/env bash
# bk-aggregate over many groups (40,000 from 200,000 rows: about 625 in each of the 64
# hash partitions, past the 512 at which a partition's index first grows): every
# aggregate that looks at rows one by one against Python — first and last with ties
# in time (input order decides, also between batches added by different threads),
# strings and numbers for min and max, nulls, exact decimal sums, count_distinct; -j1,
# -j4 and -j4 with 4 KB blocks print the same bytes, and --partial over 3 shards +
# --merge too.
#
#   tests/aggregate/groups.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/suite.sh"
suite_start "BIN_DIR" bk-aggregate "$@"

python3 - "$tmp" <<'EOF'
import json, random, sys
rnd = random.Random(20261122)
times = [f"2026-03-{d:02d}T0{h}:00:00Z" for d in (1, 2) for h in (0, 5)]  # 4 times: many ties
with open(f"{sys.argv[1]}/in.ndjson", "w") as f:
    for i in range(200000):
        r = {"g": rnd.randrange(40000), "t": rnd.choice(times), "i": i}
        if rnd.random() > 0.1:
            r["v"] = rnd.randrange(-500, 500) / 10
        if rnd.random() > 0.1:
            r["s"] = rnd.choice("abcdefgh") * rnd.randrange(1, 4)
        f.write(json.dumps(r) + "\n")
EOF
aggs='n = count(), c = count(v), s = sum(v), mn = min(v), mx = max(v), f = first(v), l = last(v), fi = first(i), li = last(i), smin = min(s), smax = max(s), d = count_distinct(s)'
run() { "$bin/bk-aggregate" "$tmp/in.ndjson" -g g --time t -a "$aggs" "$@"; }

rc=0
run -j1 -o "$tmp/j1.ndjson"
run -j4 -o "$tmp/j4.ndjson"
BK_BLOCK_BYTES=4096 run -j4 -o "$tmp/small.ndjson"
for f in j4 small; do
  if cmp -s "$tmp/j1.ndjson" "$tmp/$f.ndjson"; then echo "ok   -j1 = $f"; else echo "FAIL -j1 and $f differ"; rc=1; fi
done
# Shards by line: each --partial, then --merge, the same bytes as one run.
split -n l/3 -d "$tmp/in.ndjson" "$tmp/shard-"
for s in "$tmp"/shard-0?; do
  "$bin/bk-aggregate" "$s" -g g --time t -a "$aggs" --partial -o "$s.bkc"
done
"$bin/bk-aggregate" --merge "$tmp"/shard-0?.bkc -o "$tmp/merged.ndjson"
if cmp -s "$tmp/j1.ndjson" "$tmp/merged.ndjson"; then echo "ok   3 shards merged = one run"; else echo "FAIL 3 shards merged differ from one run"; rc=1; fi

if python3 - "$tmp/in.ndjson" "$tmp/j1.ndjson" <<'EOF'; then echo "ok   the values are Python's"; else rc=1; fi
import json, sys
from decimal import Decimal
rows = [json.loads(l, parse_float=Decimal) for l in open(sys.argv[1])]
got = [json.loads(l, parse_float=Decimal) for l in open(sys.argv[2])]
groups = {}
for r in rows:
    groups.setdefault(r["g"], []).append(r)
def pick(rs, field, last):
    rs = [r for r in rs if r.get(field) is not None]
    if not rs:
        return None
    key = lambda r: (r["t"], r["i"])  # equal times: input order
    return (max if last else min)(rs, key=key)[field]
want = []
for g in sorted(groups):
    rs = groups[g]
    vs = [r["v"] for r in rs if "v" in r]
    ss = [r["s"] for r in rs if "s" in r]
    want.append({"g": g, "n": len(rs), "c": len(vs), "s": sum(vs) if vs else None,
                 "mn": min(vs) if vs else None, "mx": max(vs) if vs else None,
                 "f": pick(rs, "v", False), "l": pick(rs, "v", True),
                 "fi": pick(rs, "i", False), "li": pick(rs, "i", True),
                 "smin": min(ss) if ss else None, "smax": max(ss) if ss else None, "d": len(set(ss))})
if len(got) != len(want):
    sys.exit(f"FAIL {len(got)} groups, want {len(want)}")
bad = [(a, b) for a, b in zip(got, want) if a != b]
for a, b in bad[:5]:
    print(f"FAIL got  {a}\n     want {b}")
sys.exit(1 if bad else 0)
EOF
exit $rc
