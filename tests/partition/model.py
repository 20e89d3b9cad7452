#!/usr/bin/env python3
"""bk-partition against an independent model of where every record belongs.

    model.py BIN_DIR WORK_DIR

Written from man/bk-partition.1 (HASHING, TIME, FOLDER NAMES, FILES AND RUNS), not from
the code: for each record the model computes its folder path (XXH3-64 of the documented
key bytes, the local hour/day/month/year in the zone by zoneinfo, the escaped value),
and the file name (part-<id> from the inputs' absolute paths). Then, for each --by
configuration, run at -j1 and -j4 with the default block size and with 64-byte blocks:

  * every record is in exactly one file, the one the model names, and the records of
    all files together are the input, value for value (by their canonical text, since
    types widen per block) and in input order within each file;
  * the files are byte-identical for -j1 and -j4 (at each block size);
  * the manifest lists exactly the files there are, and bk-cat --verify agrees;
  * 10,000 distinct values with --max-open 16 under a limit of 48 open files.

Exits 1 and says what differs on the first failure of each check.
"""
import json
import math
import os
import random
import re
import resource
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chunk"))
from reference_reader import XXH3_64  # noqa: E402  (the chunk format's reader: XXH3 via libxxhash)

failures = 0


def fail(what):
    global failures
    failures += 1
    print("FAIL:", what, file=sys.stderr)


# ---- the model: canonical text, hash, time, names ---------------------------------------

NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")


def number_text(x):
    """A float by its value: a whole number in the int64 range as an integer."""
    if x == math.floor(x) and -2**63 <= x < 2**63:
        return str(int(x))
    return repr(x)  # Python's repr is the shortest round-trip form, as C++'s to_chars


def canonical(v):
    """The canonical text of a JSON value (man bk-partition, HASHING); None for null."""
    if v is None:
        return None
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if -2**63 <= v < 2**63 else number_text(float(v))
    if isinstance(v, float):
        return number_text(v)
    if isinstance(v, str):
        if NUMBER.match(v):
            if re.match(r"-?(0|[1-9][0-9]*)\Z", v) and -2**63 <= int(v) < 2**63:
                return str(int(v))
            return number_text(float(v))
        return v
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def key_bytes(values):
    out = b""
    for v in values:
        t = canonical(v)
        if t is None:
            out += b"\x00"
        else:
            b = t.encode()
            out += b"\x01" + len(b).to_bytes(8, "little") + b
    return out


def bucket_name(values, n):
    b = XXH3_64(key_bytes(values)) % n
    return "bucket=" + str(b).zfill(len(str(n - 1)))


PLAIN = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+,@")


def utf8_length(lead):
    return 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2 if lead >= 0xC0 else 1


def escape(text, key):
    """FOLDER NAMES: percent-encoding, markers, the cut with a hash."""
    raw = text.encode()
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    out, cut, i = b"", 0, 0
    while i < len(raw):
        c = raw[i]
        n = utf8_length(c) if c >= 0x80 and valid else 1
        c1 = c == 0xC2 and n == 2 and raw[i + 1] < 0xA0
        hidden = i == 0 and (c == ord(".") or (key and c == ord("_")))
        if (c in PLAIN and not hidden) or (n > 1 and not c1):
            out += raw[i:i + n]
        else:
            out += b"".join(b"%%%02X" % x for x in raw[i:i + n])
        i += n
        if len(out) <= 100:
            cut = len(out)
    if not key and out in (b"__null__", b"__empty__"):
        out = b"%5F" + out[1:]
    if len(out) > 120:
        out = out[:cut] + b"~" + b"%016x" % XXH3_64(raw)
    return out.decode()


def value_name(field, v):
    t = canonical(v)
    name = "__null__" if t is None else "__empty__" if t == "" else escape(t, False)
    return escape(field, True) + "=" + name


TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?([Zz]|[+-]\d\d:?\d\d)?\Z")


def parse_time(s, zone):
    m = TIME.match(s)
    y, mo, d, h, mi = (int(m.group(k)) for k in range(1, 6))
    sec = int(m.group(6) or 0)
    frac = int((m.group(7) or "0").ljust(6, "0")[:6])
    off = m.group(8)
    if off is None:
        return datetime(y, mo, d, h, mi, sec, frac, tzinfo=zone)
    if off in ("Z", "z"):
        return datetime(y, mo, d, h, mi, sec, frac, tzinfo=timezone.utc)
    sign = -1 if off[0] == "-" else 1
    hh, mm = int(off[1:3]), int(off[-2:])
    return datetime(y, mo, d, h, mi, sec, frac, tzinfo=timezone(sign * timedelta(hours=hh, minutes=mm)))


def time_name(s, unit, zone):
    local = parse_time(s, zone).astimezone(zone)
    fmt = {"hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[unit]
    return unit + "=" + local.strftime(fmt)


def folder(record, levels, zone):
    parts = []
    for level in levels:
        kind, rest = level.split(":", 1)
        if kind == "hash":
            fields, n = rest.rsplit(":", 1)
            parts.append(bucket_name([record.get(f) for f in fields.split(",")], int(n)))
        elif kind == "time":
            field, unit = rest.rsplit(":", 1)
            parts.append(time_name(record[field], unit, zone))
        else:
            parts.append(value_name(rest, record.get(rest)))
    return "/".join(parts)


def run_id(paths):
    text = b"".join(os.path.realpath(p).encode() + b"\0" for p in paths)
    return "%016x" % XXH3_64(text)


# ---- data ------------------------------------------------------------------------------

HOSTILE = ["../x", "a/b", "", None, "Zürich", "line\nbreak", "x" * 300, "x" * 299 + "y", "__null__", ".", "..",
           "%2F", "a=b", "~", "_meta", " lead", "東京", "tab\there", "c1\u0085x", "y" * 120, "y" * 121,
           "z" * 99 + "/" * 10, "z" * 98 + "東" * 5]
NUMBERS = [7, 7.0, "7", "7.0", 1.5, "1.50", -0.0, 0, "007", 12345678901234, True, "true", [1, "a"], {"k": 1}]


def make_records(rng, n):
    berlin = ZoneInfo("Europe/Berlin")
    # Around the Berlin DST changes, month ends and a year end; in Z, with offsets, and local.
    starts = [datetime(2026, 3, 29, 0, 0, tzinfo=timezone.utc), datetime(2026, 10, 24, 23, 0, tzinfo=timezone.utc),
              datetime(2026, 12, 31, 21, 0, tzinfo=timezone.utc), datetime(2026, 2, 28, 22, 0, tzinfo=timezone.utc)]
    out = []
    for i in range(n):
        t = rng.choice(starts) + timedelta(seconds=rng.randrange(6 * 3600))
        form = rng.randrange(4)
        if form == 0:
            ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif form == 1:
            ts = t.astimezone(timezone(timedelta(hours=5, minutes=30))).strftime("%Y-%m-%dT%H:%M:%S+05:30")
        elif form == 2:
            ts = t.astimezone(berlin).strftime("%Y-%m-%dT%H:%M:%S")  # local in --tz (the earlier of a repeat)
            t = parse_time(ts, berlin)
        else:
            ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % rng.randrange(10**6)
        r = {"i": i, "ts": ts}
        pick = rng.random()
        if pick < 0.15:
            r["device"] = rng.choice(HOSTILE)
        elif pick < 0.3:
            r["device"] = rng.choice(NUMBERS)
        elif pick > 0.97:
            pass  # no device field at all: null
        else:
            r["device"] = "m-%03d" % rng.randrange(60)
        if rng.random() < 0.9:
            r["site"] = "s-%d" % rng.randrange(5)
        r["value"] = rng.choice([rng.randrange(1000) / 8, rng.randrange(100), None])
        out.append(r)
    return out


# ---- running and reading ---------------------------------------------------------------

def run(bin_dir, args, threads, block=None, limit=None):
    env = dict(os.environ, BK_THREADS=str(threads))
    if block:
        env["BK_BLOCK_BYTES"] = str(block)
    pre = None
    if limit:
        pre = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))  # noqa: E731
    p = subprocess.run([os.path.join(bin_dir, "bk-partition")] + args, env=env, capture_output=True, text=True,
                       preexec_fn=pre)
    return p.returncode, p.stderr


def tree(root):
    """Every file under root: relative path -> bytes (the lock file aside)."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            if rel != "_lock":
                with open(path, "rb") as fh:
                    out[rel] = fh.read()
    return out


def records_of(bin_dir, root, rel, data):
    if rel.endswith(".ndjson"):
        text = data.decode()
    else:
        text = subprocess.run([os.path.join(bin_dir, "bk-cat"), os.path.join(root, rel)], capture_output=True,
                              text=True, check=True).stdout
    return [json.loads(line) for line in text.split("\n") if line]  # not splitlines(): U+0085 is data


def same_record(got, want):
    keys = set(got) | set(want)
    return all(canonical(got.get(k)) == canonical(want.get(k)) for k in keys)


def check_config(bin_dir, work, name, levels, extra, inputs, records, zone, ext):
    failed_before = failures
    expected = {}
    for r in records:
        expected.setdefault(folder(r, levels, zone), []).append(r)
    rid = run_id(inputs)
    by = sum((["--by", lv] for lv in levels), [])
    trees = {}
    for threads, block in ((1, None), (4, None), (1, 64), (4, 64)):
        out = os.path.join(work, "%s-j%d-b%s" % (name, threads, block or 0))
        rc, err = run(bin_dir, inputs + by + extra + ["-d", out], threads, block)
        if rc != 0:
            fail("%s -j%d block %s: exit %d: %s" % (name, threads, block, rc, err.strip()))
            return
        files = tree(out)
        trees[(threads, block)] = files
        manifest = json.loads(files.pop("_manifest.json"))
        listed = {f["name"]: f["rows"] for f in manifest["files"]}
        if set(listed) != set(files):
            fail("%s: the manifest lists %s, the folders hold %s" % (name, sorted(listed), sorted(files)))
        want_files = {"%s/part-%s.%s" % (path, rid, ext) for path in expected}
        if set(files) != want_files:
            fail("%s -j%d block %s: files %s, the model says %s" % (name, threads, block, sorted(set(files) - want_files)[:5],
                                                                     sorted(want_files - set(files))[:5]))
            continue
        for rel, data in files.items():
            got = records_of(bin_dir, out, rel, data)
            want = expected[rel.rsplit("/", 1)[0]]
            if listed.get(rel) != len(got):
                fail("%s: the manifest says %s rows for %s, it holds %d" % (name, listed.get(rel), rel, len(got)))
            if [g.get("i") for g in got] != [w["i"] for w in want]:
                fail("%s -j%d block %s: %s holds records %s, the model says %s" %
                     (name, threads, block, rel, [g.get("i") for g in got][:10], [w["i"] for w in want][:10]))
                break
            bad = [w["i"] for g, w in zip(got, want) if not same_record(g, w)]
            if bad:
                fail("%s: records %s of %s differ from the input" % (name, bad[:5], rel))
                break
        verify = subprocess.run([os.path.join(bin_dir, "bk-cat"), "--verify", out], capture_output=True, text=True)
        if verify.returncode != 0 or verify.stderr:
            fail("%s: bk-cat --verify: %s" % (name, (verify.stderr or verify.stdout).strip()[:300]))
    for block in (None, 64):
        if trees.get((1, block)) != trees.get((4, block)):
            diff = [k for k in set(trees[(1, block)]) | set(trees[(4, block)])
                    if k != "_manifest.json" and trees[(1, block)].get(k) != trees[(4, block)].get(k)]
            fail("%s block %s: -j1 and -j4 wrote different files: %s" % (name, block, sorted(diff)[:5]))
    total = sum(len(v) for v in expected.values())
    print("%s %-28s %5d records in %4d partitions, -j1/-j4, default and 64-byte blocks" %
          ("ok  " if failures == failed_before else "FAIL", name, total, len(expected)))


def check_many_values(bin_dir, work):
    """10,000 distinct values, --max-open 16, at most 48 files open in all."""
    failed_before = failures
    path = os.path.join(work, "many.ndjson")
    with open(path, "w") as f:
        for i in range(20000):
            f.write(json.dumps({"i": i, "k": "v%05d" % (i % 10000)}) + "\n")
    results = {}
    for threads in (1, 4):
        out = os.path.join(work, "many-j%d" % threads)
        rc, err = run(bin_dir, [path, "--by", "value:k", "--max-open", "16", "-O", "ndjson", "-d", out], threads,
                      limit=48)
        if rc != 0:
            fail("10,000 values with --max-open 16 and 48 open files at most: exit %d: %s" % (rc, err.strip()))
            return
        results[threads] = tree(out)
    files = results[1]
    files.pop("_manifest.json")
    if len(files) != 10000:
        fail("10,000 values: %d files" % len(files))
    rid = run_id([path])
    for k in range(10000):
        rel = "k=v%05d/part-%s.ndjson" % (k, rid)
        got = [json.loads(x)["i"] for x in files.get(rel, b"").decode().split("\n") if x]
        if got != [k, k + 10000]:
            fail("10,000 values: %s holds %s, not [%d, %d]" % (rel, got, k, k + 10000))
            break
    results[4].pop("_manifest.json")
    if results[4] != files:
        fail("10,000 values: -j1 and -j4 wrote different files")
    print("%s 10,000 values in 10,000 partitions with --max-open 16 (48 files open at most), -j1 = -j4" %
          ("ok  " if failures == failed_before else "FAIL"))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if XXH3_64 is None:
        print("model.py: needs XXH3: the xxhash module or libxxhash (packaging/install-deps.sh)", file=sys.stderr)
        return 2
    bin_dir, work = argv
    rng = random.Random(20260301)
    records = make_records(rng, 3000)
    a, b = os.path.join(work, "a.ndjson"), os.path.join(work, "b.ndjson")
    for path, part in ((a, records[:1800]), (b, records[1800:])):
        with open(path, "w") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    berlin, utc = ZoneInfo("Europe/Berlin"), timezone.utc
    configs = [
        ("hash-device-16", ["hash:device:16"], [], berlin, "ndjson"),
        ("hash-site-device-7", ["hash:site,device:7"], [], berlin, "ndjson"),
        ("value-device", ["value:device"], [], berlin, "ndjson"),
        ("day-berlin", ["time:ts:day"], ["--tz", "Europe/Berlin"], berlin, "ndjson"),
        ("hour-berlin", ["time:ts:hour"], ["--tz", "Europe/Berlin"], berlin, "ndjson"),
        ("month-hash-site", ["time:ts:month", "hash:device:8", "value:site"], [], utc, "ndjson"),
        ("year-chunk", ["time:ts:year", "value:device"], [], utc, "bkc"),
    ]
    for name, levels, extra, zone, ext in configs:
        fmt = ["-O", "ndjson"] if ext == "ndjson" else []
        check_config(bin_dir, work, name, levels, extra + fmt, [a, b], records, zone, ext)
    check_many_values(bin_dir, work)
    print("%s" % ("all agree" if failures == 0 else "%d failures" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
