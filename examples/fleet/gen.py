#!/usr/bin/env python3
"""Sample data for the fleet example: per-second driving telemetry of a few vehicles
over three months, one inbox file per vehicle and day driven.

    gen.py DIR [--vehicles N] [--days D] [--seed S]

Writes DIR/inbox/<vehicle>-<day>.ndjson with {ts, vehicle, speed_kmh, accel_ms2}, one
record per second while a vehicle drives (two trips a day). Hard stops (accel_ms2
below -3.5) happen now and then. The same arguments always give the same bytes.
"""
import argparse
import os
import random
from datetime import datetime, timedelta, timezone


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--vehicles", type=int, default=4)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--trip-seconds", type=int, default=240)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "inbox"), exist_ok=True)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for v in range(a.vehicles):
        vid = f"TRK-{v + 1:02d}"
        for d in range(a.days):
            if rng.random() < 0.2:
                continue  # not driven that day
            day = start + timedelta(days=d)
            lines = []
            for hour in (7, 16):
                t = day + timedelta(hours=hour, minutes=rng.randrange(50))
                speed = 0.0
                for s in range(a.trip_seconds + rng.randrange(a.trip_seconds)):
                    if rng.random() < 0.004 and speed > 30:
                        accel = -round(rng.uniform(3.6, 7.0), 2)  # harsh braking
                    else:
                        target = 50 + 40 * ((s // 120) % 2)
                        accel = round(max(-3.0, min(2.5, (target - speed) / 10 + rng.gauss(0, 0.6))), 2)
                    speed = max(0.0, speed + accel * 3.6)
                    ts = (t + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
                    lines.append(f'{{"ts":"{ts}","vehicle":"{vid}","speed_kmh":{round(speed, 1)},"accel_ms2":{accel}}}')
            with open(os.path.join(a.dir, "inbox", f"{vid}-{day:%Y-%m-%d}.ndjson"), "w") as f:
                f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
