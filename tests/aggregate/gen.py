#!/usr/bin/env python3
"""Deterministic readings for the bk-aggregate tests (NDJSON on stdout).

    gen.py [ROWS] [SEED]        (defaults: 3000 rows, seed 20240229)

Each line: seq (the line number, from 0: DuckDB breaks first/last ties with it),
device (string; sometimes null or absent), site (strings incl. UTF-8 and letter case),
value (short decimals with 0-3 digits after the point, as written: 12, 12.0, -0.583,
7.416; some null, some negative, some repeated), n (int64, some null, a few near
2^55), fval (binary doubles written with repr, mixed with a few short decimals, some
null), ts (RFC 3339, mostly Z, some with offsets, some with fractions, some repeated
exactly: ties), status (string, some null).

The times fall in stretches around the month ends, the leap day 2024-02-29, the DST
changes of Europe/Berlin (2024-03-31, 2024-10-27) and America/New_York (2024-03-10,
2024-11-03), and the turn of the year. Only random.Random(seed).random() and
randrange() are used, whose sequences Python keeps stable, so the bytes are the same
on every machine (check.sh checks the SHA-256 against duckdb/DATA.sha256).
"""
import sys
from datetime import datetime, timedelta, timezone

import random

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20240229
rnd = random.Random(SEED)

DEVICES = ["heat-01", "heat-02", "heat-10", "water-01", "water-02", "water-03",
           "gas-7", "gas-77", "Gas-8", "elec-a", "elec-b", "elec-\u00e9"]
SITES = ["north", "south", "East", "east", "Z\u00fcrich"]
STATUSES = ["ok", "ok", "ok", "warn", "error", "OK"]

# (start, hours): stretches of time the readings fall in.
STRETCHES = [
    ("2023-12-30T18:00:00Z", 36),   # the turn of 2023 to 2024
    ("2024-02-27T20:00:00Z", 80),   # 28 Feb, the leap day, 1 Mar
    ("2024-03-09T12:00:00Z", 48),   # New York springs forward 2024-03-10 07:00Z
    ("2024-03-30T12:00:00Z", 60),   # Berlin springs forward 2024-03-31 01:00Z; Q1 -> Q2
    ("2024-10-26T12:00:00Z", 48),   # Berlin falls back 2024-10-27 01:00Z
    ("2024-10-31T20:00:00Z", 12),   # October -> November
    ("2024-11-02T12:00:00Z", 48),   # New York falls back 2024-11-03 06:00Z
    ("2024-12-31T12:00:00Z", 24),   # the turn of 2024 to 2025
]
OFFSETS = [("+01:00", 60), ("-05:00", -300), ("+05:30", 330), ("-00:00", 0), ("+14:00", 840)]


def pick(seq):
    return seq[rnd.randrange(len(seq))]


def decimal_text(max_abs_units, k):
    """A short decimal with exactly k digits after the point (k = 0: an integer)."""
    m = rnd.randrange(max_abs_units * 10 ** k + 1)
    if rnd.random() < 0.12:
        m = -m
    if k == 0:
        return str(m)
    sign = "-" if m < 0 else ""
    m = abs(m)
    s = f"{sign}{m // 10 ** k}.{m % 10 ** k:0{k}d}"
    return "0" + s[1:] if s.startswith("-") and m == 0 else s  # no "-0.00"


def time_text(dt):
    """RFC 3339: mostly Z; sometimes an offset (the same instant); sometimes a fraction."""
    us = rnd.randrange(1000) * 1000 if rnd.random() < 0.15 else 0
    if rnd.random() < 0.03:
        us = rnd.randrange(1000000)
    dt = dt.replace(microsecond=us)
    frac = ""
    if dt.microsecond:
        frac = f".{dt.microsecond:06d}".rstrip("0") if rnd.random() < 0.5 else f".{dt.microsecond:06d}"
    if rnd.random() < 0.2:
        name, minutes = pick(OFFSETS)
        local = dt + timedelta(minutes=minutes)
        return local.strftime("%Y-%m-%dT%H:%M:%S") + frac + name
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def main():
    out = []
    value_pool = []  # values seen, so some repeat (count_distinct < count)
    times = []
    for seq in range(ROWS):
        rec = {"seq": seq}
        # device: 3% null, 1% absent
        r = rnd.random()
        if r < 0.03:
            rec["device"] = None
        elif r >= 0.04:
            rec["device"] = pick(DEVICES)
        rec["site"] = pick(SITES)
        # value: 6% null; 15% a repeat; else a fresh decimal with 0-3 digits
        r = rnd.random()
        if r < 0.06:
            value = "null"
        elif r < 0.21 and value_pool:
            value = pick(value_pool)
        else:
            big = rnd.random() < 0.03
            value = decimal_text(1000000 if big else 500, rnd.randrange(4))
            value_pool.append(value)
        # n: int, 5% null, 1% large
        r = rnd.random()
        if r < 0.05:
            n = "null"
        elif r < 0.06:
            n = str(rnd.randrange(2 ** 55) - 2 ** 54)
        else:
            n = str(rnd.randrange(-1000, 100000))
        # fval: binary doubles (repr), 10% short decimals, 7% null
        r = rnd.random()
        if r < 0.07:
            fval = "null"
        elif r < 0.17:
            fval = decimal_text(100, 1 + rnd.randrange(2))
        else:
            x = (rnd.random() - 0.3) * 10 ** rnd.randrange(4)
            fval = repr(x)
            if "e" in fval or "E" in fval:  # keep to plain notation
                fval = "0.5"
        # ts: a random second in a random stretch; 6% the time of an earlier record
        if times and rnd.random() < 0.06:
            ts = pick(times)
        else:
            start, hours = pick(STRETCHES)
            t0 = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            ts = time_text(t0 + timedelta(seconds=rnd.randrange(hours * 3600)))
            times.append(ts)
        status = "null" if rnd.random() < 0.04 else '"%s"' % pick(STATUSES)
        dev = rec.get("device", "absent")
        fields = [f'"seq":{seq}']
        if dev != "absent":
            fields.append('"device":null' if dev is None else f'"device":"{dev}"')
        fields += [f'"site":"{rec["site"]}"', f'"value":{value}', f'"n":{n}', f'"fval":{fval}',
                   f'"ts":"{ts}"', f'"status":{status}']
        out.append("{" + ",".join(fields) + "}\n")
    sys.stdout.buffer.write("".join(out).encode("utf-8"))


if __name__ == "__main__":
    main()
