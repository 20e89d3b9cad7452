#!/usr/bin/env python3
"""Sample data for the bottling-plant example: the machine events of each production
batch (running and stopped spells, bottles filled, bottles rejected), and the lines'
ideal rates.

    gen.py DIR [--batches N] [--seed S]

Writes DIR/lines.csv (line, ideal_per_min) and DIR/inbox/events-<day>.ndjson with
{ts, line, batch, state, seconds, bottles, rejects}: one record per spell. The same
arguments always give the same bytes.
"""
import argparse
import os
import random
from datetime import datetime, timedelta, timezone

LINES = [("L1", 120), ("L2", 90), ("L3", 150)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--batches", type=int, default=24)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "inbox"), exist_ok=True)
    with open(os.path.join(a.dir, "lines.csv"), "w") as f:
        f.write("line,ideal_per_min\n")
        for line, rate in LINES:
            f.write(f"{line},{rate}\n")
    days = {}
    for b in range(a.batches):
        line, rate = LINES[b % len(LINES)]
        t = datetime(2026, 5, 4, 6, tzinfo=timezone.utc) + timedelta(hours=8 * (b // len(LINES)))
        end = t + timedelta(hours=rng.choice([4, 6, 8]))
        speed = rng.uniform(0.78, 0.97)    # performance: slower than ideal
        scrap = rng.uniform(0.002, 0.03)   # quality: share rejected
        while t < end:
            running = rng.random() < 0.85
            secs = min(rng.randrange(300, 2400) if running else rng.randrange(60, 900), int((end - t).total_seconds()))
            bottles = int(secs / 60 * rate * speed * rng.uniform(0.95, 1.05)) if running else 0
            rejects = sum(1 for _ in range(bottles) if rng.random() < scrap) if bottles else 0
            rec = (f'{{"ts":"{t.strftime("%Y-%m-%dT%H:%M:%SZ")}","line":"{line}","batch":"B{b + 1:03d}",'
                   f'"state":"{"run" if running else "stop"}","seconds":{secs},"bottles":{bottles},"rejects":{rejects}}}')
            days.setdefault(t.strftime("%Y-%m-%d"), []).append(rec)
            t += timedelta(seconds=secs)
    for day, recs in sorted(days.items()):
        with open(os.path.join(a.dir, "inbox", f"events-{day}.ndjson"), "w") as f:
            f.write("\n".join(recs) + "\n")


if __name__ == "__main__":
    main()
