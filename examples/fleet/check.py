#!/usr/bin/env python3
"""Checks the fleet example another way: each vehicle's monthly distance (the sum of
per-second speeds / 3600), driving hours and harsh-braking count recomputed in Python
from the inbox files, and every month partition holding that month's records only.

    check.py DATA_DIR OUT_DIR
"""
import csv
import glob
import json
import os
import sys
from collections import defaultdict
from fractions import Fraction


def main():
    data, out = sys.argv[1], sys.argv[2]
    want = defaultdict(lambda: [Fraction(0), 0, 0])  # (vehicle, month) -> km, seconds, harsh
    records = 0
    for path in sorted(glob.glob(os.path.join(data, "inbox", "*.ndjson"))):
        with open(path) as f:
            for line in f:
                records += 1
                r = json.loads(line)
                w = want[(r["vehicle"], r["ts"][:7])]
                w[0] += Fraction(repr(r["speed_kmh"])) / 3600
                w[1] += 1
                w[2] += r["accel_ms2"] < -3.5
    problems = []
    with open(os.path.join(out, "monthly.csv")) as f:
        got = {(r["vehicle"], r["month"]): r for r in csv.DictReader(f)}
    if set(got) != set(want):
        problems.append(f"vehicle-months differ: {sorted(set(got) ^ set(want))[:6]}")
    for key, (km, secs, harsh) in sorted(want.items()):
        r = got.get(key)
        if r is None:
            continue
        if abs(Fraction(r["km"]) - km) > km * Fraction(1, 10**12):
            problems.append(f"{key}: km {r['km']} != {float(km)}")
        if Fraction(r["hours"]) != Fraction(secs, 3600) and abs(Fraction(r["hours"]) - Fraction(secs, 3600)) > Fraction(1, 10**12):
            problems.append(f"{key}: hours {r['hours']} != {secs / 3600}")
        if int(r["harsh_brakes"]) != harsh:
            problems.append(f"{key}: harsh_brakes {r['harsh_brakes']} != {harsh}")
    # The partitions: month=YYYY-MM directories, each with that month's records only.
    months = sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, "by-month", "month=*")))
    if months != sorted({f"month={m}" for _, m in want}):
        problems.append(f"partition directories {months}")
    for p in problems[:20]:
        print("check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    total = float(sum(k for k, _, _ in want.values()))
    print(f"check: {len(want)} vehicle-months from {records} records in {len(months)} month partitions "
          f"({total:.1f} km, {sum(h for _, _, h in want.values())} harsh brakings) as recomputed")


if __name__ == "__main__":
    main()
