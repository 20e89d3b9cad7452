#!/usr/bin/env python3
"""Checks the bottling-plant example another way: availability, performance, quality
and OEE of every batch recomputed in Python from the inbox files and the lines' ideal
rates (exact fractions, compared to 1e-12).

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
    with open(os.path.join(data, "lines.csv")) as f:
        rate = {r["line"]: int(r["ideal_per_min"]) for r in csv.DictReader(f)}
    batches = defaultdict(lambda: {"planned": 0, "run": 0, "bottles": 0, "rejects": 0, "line": None})
    records = 0
    for path in sorted(glob.glob(os.path.join(data, "inbox", "*.ndjson"))):
        with open(path) as f:
            for line in f:
                records += 1
                r = json.loads(line)
                b = batches[r["batch"]]
                b["line"] = r["line"]
                b["planned"] += r["seconds"]
                b["run"] += r["seconds"] if r["state"] == "run" else 0
                b["bottles"] += r["bottles"]
                b["rejects"] += r["rejects"]
    with open(os.path.join(out, "oee.csv")) as f:
        got = {r["batch"]: r for r in csv.DictReader(f)}
    problems = []
    if set(got) != set(batches):
        problems.append(f"batches differ: {sorted(set(got) ^ set(batches))}")
    for name, b in sorted(batches.items()):
        r = got.get(name)
        if r is None:
            continue
        ideal = rate[b["line"]]
        want = {
            "availability": Fraction(b["run"], b["planned"]),
            "performance": Fraction(b["bottles"] * 60, b["run"] * ideal),
            "quality": Fraction(b["bottles"] - b["rejects"], b["bottles"]),
        }
        want["oee"] = want["availability"] * want["performance"] * want["quality"]
        for k, v in want.items():
            if abs(Fraction(r[k]) - v) > v * Fraction(1, 10**12):
                problems.append(f"{name}: {k} {r[k]} != {float(v)}")
        if int(r["bottles"]) != b["bottles"] or int(r["good"]) != b["bottles"] - b["rejects"]:
            problems.append(f"{name}: bottles {r['bottles']}/{r['good']}")
    for p in problems[:20]:
        print("check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    best = max(batches, key=lambda n: Fraction(got[n]["oee"]))
    print(f"check: OEE of {len(batches)} batches ({records} events) as recomputed; best {best} {float(got[best]['oee']):.3f}")


if __name__ == "__main__":
    main()
