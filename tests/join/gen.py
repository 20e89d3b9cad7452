#!/usr/bin/env python3
"""Deterministic random inputs for bk-join's tests: gen.py DIR writes DIR/left.ndjson
and DIR/right.ndjson (the same bytes every time).

Both sides have duplicate keys and null keys, so every join type has pairs, records
without a match and records that cannot match:
  k   a text key from a small alphabet; 8% null; a few keys only one side has
  n   a second key: int64 on the left, float64 on the right (2 on one side equals
      2.0 on the other); 10% null; the right has 2.5, which nothing equals
  t   an RFC 3339 time on a 10-minute grid (ties on both sides), some written with
      an offset (+01:00, -05:00) and some null; neither side sorted
  x   a number for numeric as-of joins: int64 on the left, float64 on the right
  v   a float on both sides (the right's becomes v_right)
  id, id_r  the record's number on its side; w  a text only the right has
"""
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

LEFT_ROWS = 1200
RIGHT_ROWS = 200
KEYS = [f"k{i:02d}" for i in range(40)]
BASE = datetime(2026, 3, 1, tzinfo=timezone.utc)
OFFSETS = [timezone.utc] * 6 + [timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]


def rfc3339(rng, minutes_max):
    """A time on the 10-minute grid, in a random zone, as text; sometimes null."""
    if rng.random() < 0.05:
        return None
    t = BASE + timedelta(minutes=10 * rng.randrange(minutes_max // 10))
    z = rng.choice(OFFSETS)
    s = t.astimezone(z).isoformat()
    return s.replace("+00:00", "Z")


def key(rng, pool):
    return None if rng.random() < 0.08 else rng.choice(pool)


def left_record(rng, i):
    return {
        "id": i,
        "k": key(rng, KEYS[:36]),  # k36..k39: only the right has them
        "n": None if rng.random() < 0.1 else rng.randrange(4),
        "t": rfc3339(rng, 24 * 60),
        "x": None if rng.random() < 0.05 else rng.randrange(1000),
        "v": round(rng.uniform(-100, 100), rng.randrange(4)),
    }


def right_record(rng, i):
    n = None if rng.random() < 0.1 else rng.choice([0.0, 1.0, 2.0, 3.0, 2.5])
    return {
        "id_r": i,
        "k": key(rng, KEYS[4:]),  # k00..k03: only the left has them
        "n": n,
        "t": rfc3339(rng, 24 * 60),
        "x": None if rng.random() < 0.05 else float(rng.randrange(0, 1000, 5)),
        "v": round(rng.uniform(0, 10), 3),
        "w": rng.choice(["alpha", "beta", "gamma", "delta", "ε-unicode", 'quote"d']),
    }


def write(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            # Floats always with a point (2.0), so a float column stays float.
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261121)
    write(os.path.join(out, "left.ndjson"), [left_record(rng, i) for i in range(LEFT_ROWS)])
    write(os.path.join(out, "right.ndjson"), [right_record(rng, i) for i in range(RIGHT_ROWS)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
