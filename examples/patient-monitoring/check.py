#!/usr/bin/env python3
"""Checks the patient-monitoring example another way: weekly means and episode counts
recomputed in Python from the inbox files (exact fractions, weeks from Monday in the
zone), and each episode's week averages.

    check.py DATA_DIR OUT_DIR ZONE
"""
import csv
import glob
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo


def main():
    data, out, zone = sys.argv[1], sys.argv[2], ZoneInfo(sys.argv[3])
    weeks = defaultdict(list)  # (patient, local Monday) -> [(sys, dia)]
    episodes = []
    records = 0
    for path in sorted(glob.glob(os.path.join(data, "inbox", "*.ndjson"))):
        with open(path) as f:
            for line in f:
                records += 1
                r = json.loads(line)
                t = datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=ZoneInfo("UTC"))
                local = t.astimezone(zone)
                monday = (local - timedelta(days=local.weekday())).date()
                weeks[(r["patient"], monday)].append((r["systolic"], r["diastolic"]))
                if r["systolic"] >= 160 or r["diastolic"] >= 100:
                    episodes.append((r["patient"], r["ts"], r["systolic"], monday))

    def mean(xs):
        return float(Fraction(sum(xs), len(xs)))

    problems = []
    flagged = {p for p, _, _, _ in episodes}
    with open(os.path.join(out, "weeks-flagged.csv")) as f:
        got = {(r["patient"], r["week"]): r for r in csv.DictReader(f)}
    want = {(p, str(m)): v for (p, m), v in weeks.items() if p in flagged}
    if set(got) != set(want):
        problems.append(f"flagged weeks differ: {sorted(set(got) ^ set(want))[:5]}")
    n_ep = defaultdict(int)
    for p, _, _, m in episodes:
        n_ep[(p, str(m))] += 1
    for key, vals in want.items():
        r = got.get(key)
        if r is None:
            continue
        if int(r["readings"]) != len(vals) or float(r["sys_mean"]) != mean([s for s, _ in vals]) \
                or float(r["dia_mean"]) != mean([d for _, d in vals]) or int(r["episodes"]) != n_ep[key]:
            problems.append(f"{key}: {dict(r)} != n={len(vals)} sys={mean([s for s, _ in vals])} episodes={n_ep[key]}")

    with open(os.path.join(out, "episodes.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(episodes):
        problems.append(f"{len(rows)} episodes listed, {len(episodes)} expected")
    monday_of = {(p, ts): m for p, ts, _, m in episodes}  # one week per patient and time
    got_eps = sorted((r["patient"], r["ts"], int(r["systolic"])) for r in rows)
    if got_eps != sorted((p, ts, s) for p, ts, s, _ in episodes):
        problems.append("the episodes listed are not the readings of 160/100 and above")
    for r in rows:
        monday = monday_of.get((r["patient"], r["ts"]))
        if monday is None:
            continue
        week_mean = mean([x for x, _ in weeks[(r["patient"], monday)]])
        if float(r["sys_mean"]) != week_mean or float(r["above_week"]) != int(r["systolic"]) - week_mean:
            problems.append(f"episode {r['patient']} {r['ts']}: week mean {r['sys_mean']} != {week_mean}")
    for p in problems[:20]:
        print("check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check: {records} readings; {len(want)} weeks of {len(flagged)} patients with "
          f"{len(episodes)} episodes, each beside its week's mean, as recomputed")


if __name__ == "__main__":
    main()
