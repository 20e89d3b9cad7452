#!/usr/bin/env python3
"""Checks the water-billing example's result another way: every bill recomputed in
Python from the raw inbox files, the customers and the tariffs (exact decimals), and
every inbox record accounted for (billed, or set aside with a reason).

    check.py DATA_DIR OUT_DIR
"""
import csv
import glob
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timezone
from fractions import Fraction


def parse_ts(s):
    try:
        return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def main():
    data, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(data, "customers.csv")) as f:
        by_meter = {r["meter"]: r for r in csv.DictReader(f)}
    tariffs = defaultdict(list)
    with open(os.path.join(data, "tariffs.csv")) as f:
        for r in csv.DictReader(f):
            tariffs[r["plan"]].append((parse_ts(r["valid_from"]), Fraction(r["price_m3"])))
    for steps in tariffs.values():
        steps.sort()

    expected = defaultdict(lambda: [Fraction(0), Fraction(0), 0])  # (customer, month) -> m3, bill, n
    bad = 0
    records = 0
    for path in sorted(glob.glob(os.path.join(data, "inbox", "*.ndjson"))):
        with open(path) as f:
            for line in f:
                records += 1
                r = json.loads(line)
                ts = parse_ts(r.get("ts"))
                if ts is None or not isinstance(r.get("m3"), (int, float)) or r.get("meter") not in by_meter:
                    bad += 1
                    continue
                cust = by_meter[r["meter"]]
                # The tariff in force: the latest step at or before the reading.
                price = None
                for valid_from, p in tariffs[cust["plan"]]:
                    if valid_from <= ts:
                        price = p
                m3 = Fraction(repr(r["m3"]))
                e = expected[(cust["customer"], ts.strftime("%Y-%m"))]
                e[0] += m3
                e[1] += m3 * price
                e[2] += 1

    problems = []
    with open(os.path.join(out, "bills.csv")) as f:
        got = {(r["customer"], r["month"]): r for r in csv.DictReader(f)}
    if set(got) != set(expected):
        problems.append(f"groups differ: {len(got)} billed, {len(expected)} expected")
    for key, (m3, bill, n) in sorted(expected.items()):
        r = got.get(key)
        if r is None:
            continue
        if Fraction(r["m3"]) != m3:  # sums of 3-decimal readings are exact
            problems.append(f"{key}: m3 {r['m3']} != {float(m3)}")
        if abs(Fraction(r["bill"]) - bill) > bill * Fraction(1, 10**12):
            problems.append(f"{key}: bill {r['bill']} != {float(bill)}")
        if int(r["readings"]) != n:
            problems.append(f"{key}: {r['readings']} readings != {n}")
    with open(os.path.join(out, "rejects.ndjson")) as f:
        rejected = sum(1 for _ in f)
    with open(os.path.join(out, "unpriced.ndjson")) as f:
        unpriced = sum(1 for _ in f)
    billed = sum(int(r["readings"]) for r in got.values())
    if billed + rejected + unpriced != records or rejected != bad or unpriced:
        problems.append(f"{records} records: {billed} billed + {rejected} rejected + {unpriced} unpriced "
                        f"(expected {bad} bad, none unpriced)")

    for p in problems[:20]:
        print("check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    total = sum(b for _, b, _ in expected.values())
    print(f"check: {len(expected)} bills reconcile with readings x tariffs "
          f"({records} records: {billed} billed, {rejected} set aside; total {float(total):.2f})")


if __name__ == "__main__":
    main()
