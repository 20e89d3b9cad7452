#!/usr/bin/env python3
"""Sample data for the water-billing example: customers, tariffs and a year of daily
meter readings, one inbox file per month (as a utility's export would drop them).

    gen.py DIR [--customers N] [--months M] [--seed S]

Writes DIR/customers.csv, DIR/tariffs.csv and DIR/inbox/readings-2026-MM.ndjson. The
same arguments always give the same bytes. Two records are bad on purpose (a reading
that is not a number, a date that does not exist): bk-ingest sets them aside.
"""
import argparse
import os
import random

PLANS = {
    # plan: [(valid_from, price per m³)] — prices change mid-year
    "residential": [("2026-01-01T00:00:00Z", "1.85"), ("2026-07-01T00:00:00Z", "2.05")],
    "business": [("2026-01-01T00:00:00Z", "1.60"), ("2026-04-01T00:00:00Z", "1.72"),
                 ("2026-10-01T00:00:00Z", "1.80")],
}
DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--customers", type=int, default=40)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "inbox"), exist_ok=True)

    customers = []
    with open(os.path.join(a.dir, "customers.csv"), "w") as f:
        f.write("customer,name,plan,meter\n")
        for i in range(a.customers):
            plan = "business" if i % 5 == 0 else "residential"
            c = (f"C{1000 + i}", f"Customer {i + 1}", plan, f"WM-{rng.randrange(10**6):06d}-{i}")
            customers.append(c)
            f.write(",".join(c) + "\n")
    with open(os.path.join(a.dir, "tariffs.csv"), "w") as f:
        f.write("plan,valid_from,price_m3\n")
        for plan, steps in PLANS.items():
            for valid_from, price in steps:
                f.write(f"{plan},{valid_from},{price}\n")

    for m in range(a.months):
        path = os.path.join(a.dir, "inbox", f"readings-2026-{m + 1:02d}.ndjson")
        with open(path, "w") as f:
            for d in range(DAYS[m]):
                for cust, _, plan, meter in customers:
                    base = 0.9 if plan == "business" else 0.35
                    m3 = round(base * rng.uniform(0.4, 1.8), 3)
                    # Readings arrive once a day; on tariff change days one at midnight sharp.
                    hh = 0 if d == 0 else rng.randrange(5, 9)
                    mm = 0 if d == 0 else rng.randrange(60)
                    ts = f"2026-{m + 1:02d}-{d + 1:02d}T{hh:02d}:{mm:02d}:00Z"
                    f.write(f'{{"ts":"{ts}","meter":"{meter}","m3":{m3}}}\n')
            if m == 1:
                f.write('{"ts":"2026-02-30T06:00:00Z","meter":"%s","m3":0.5}\n' % customers[1][3])
            if m == 2:
                f.write('{"ts":"2026-03-15T06:00:00Z","meter":"%s","m3":"n/a"}\n' % customers[2][3])


if __name__ == "__main__":
    main()
