#!/usr/bin/env python3
"""Checks that readings files have gen.py's shape, and prints their statistics side by side.

usage: check-gen.py READINGS.ndjson [MORE.ndjson ...]

Every line must parse as a JSON object with the keys ts, device, site, value, temp, status,
seq in that order and with gen.py's types and formats; value and temp must be written as
Python writes repr(round(x, 3)) and repr(round(x, 1)). Give it bk-bench-gen's output and
gen.py's to compare the rates (temp nulls ~2%, status ok 97% / warn 2.4% / fault 0.6%).
Exits 1 on the first record that breaks the shape.
"""
import collections
import json
import re
import sys

KEYS = ("ts", "device", "site", "value", "temp", "status", "seq")
TS = re.compile(r"2026-(\d\d)-\d\dT\d\d:\d\d:\d\dZ")
RAW = re.compile(r'"value":([^,]*),"temp":([^,]*),')


def check(path):
    rows = nulls = 0
    status = collections.Counter()
    months = collections.Counter()
    devices = set()
    value_sum = temp_sum = 0.0
    with open(path) as f:
        for i, line in enumerate(f):
            where = f"{path}:{i + 1}"
            r = json.loads(line)
            assert tuple(r) == KEYS, f"{where}: keys {tuple(r)}"
            assert r["seq"] == i, f"{where}: seq {r['seq']}"
            m = TS.fullmatch(r["ts"])
            assert m, f"{where}: ts {r['ts']!r}"
            assert re.fullmatch(r"m-\d{6,}", r["device"]), f"{where}: device {r['device']!r}"
            assert r["site"] == "s-%02d" % (int(r["device"][2:]) % 50), f"{where}: site {r['site']!r}"
            assert r["status"] in ("ok", "warn", "fault"), f"{where}: status {r['status']!r}"
            v, t = r["value"], r["temp"]
            raw_v, raw_t = RAW.search(line).groups()
            assert isinstance(v, float) and 0 <= v <= 10 and raw_v == repr(round(v, 3)), f"{where}: value {raw_v}"
            assert t is None or (isinstance(t, float) and 15 <= t <= 25 and raw_t == repr(round(t, 1))), \
                f"{where}: temp {raw_t}"
            rows += 1
            months[m.group(1)] += 1
            devices.add(r["device"])
            status[r["status"]] += 1
            value_sum += v
            if t is None:
                nulls += 1
            else:
                temp_sum += t
    return {
        "rows": rows,
        "temp null rate": round(nulls / rows, 4),
        "status ok/warn/fault": "/".join(f"{status[s] / rows:.4f}" for s in ("ok", "warn", "fault")),
        "distinct devices": len(devices),
        "months (min..max rows)": f"{len(months)} ({min(months.values())}..{max(months.values())})",
        "mean value": round(value_sum / rows, 3),
        "mean temp": round(temp_sum / (rows - nulls), 3),
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    try:
        results = [check(p) for p in sys.argv[1:]]
    except AssertionError as e:
        sys.exit(f"check-gen: error: {e}")
    cells = sys.argv[1:] + [str(v) for r in results for v in r.values()]
    width = max(map(len, cells)) + 2
    print(f"{'':24}" + "".join(f"{p:>{width}}" for p in sys.argv[1:]))
    for key in results[0]:
        print(f"{key:24}" + "".join(f"{str(r[key]):>{width}}" for r in results))


if __name__ == "__main__":
    main()
