#!/usr/bin/env python3
"""Sample data for the patient-monitoring example: blood-pressure readings taken every
few hours at home, for eight weeks, one inbox file per week.

    gen.py DIR [--patients N] [--weeks W] [--seed S]

Writes DIR/inbox/bp-week-NN.ndjson with {ts, patient, systolic, diastolic, pulse}. Some
patients are hypertensive and have episodes (readings of 160/100 and above). The same
arguments always give the same bytes.
"""
import argparse
import os
import random
from datetime import datetime, timedelta, timezone

START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--patients", type=int, default=12)
    ap.add_argument("--weeks", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "inbox"), exist_ok=True)
    patients = [(f"P{i + 1:03d}", 150 if i % 3 == 0 else 122, 92 if i % 3 == 0 else 78) for i in range(a.patients)]
    for w in range(a.weeks):
        with open(os.path.join(a.dir, "inbox", f"bp-week-{w + 1:02d}.ndjson"), "w") as f:
            rows = []
            for pid, sys_base, dia_base in patients:
                t = START + timedelta(weeks=w, minutes=rng.randrange(60))
                end = START + timedelta(weeks=w + 1)
                while t < end:
                    drift = 4 * w if sys_base > 140 else 0  # the hypertensive get worse
                    s = int(rng.gauss(sys_base + drift, 9))
                    d = int(rng.gauss(dia_base + drift / 2, 6))
                    rows.append((t, pid, s, d, int(rng.gauss(72, 8))))
                    t += timedelta(hours=rng.choice([4, 6, 8]), minutes=rng.randrange(-20, 21))
            rows.sort()
            for t, pid, s, d, p in rows:
                ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
                f.write(f'{{"ts":"{ts}","patient":"{pid}","systolic":{s},"diastolic":{d},"pulse":{p}}}\n')


if __name__ == "__main__":
    main()
