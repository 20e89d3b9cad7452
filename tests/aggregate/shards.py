#!/usr/bin/env python3
"""Partial states and --merge: sharded runs give byte for byte the output of one run.

    shards.py BIN_DIR DATA_DIR

For queries using every aggregate function (approx_distinct and approx_quantile
included: their sketches merge exactly), the input is split
  - into 1, 2 and 7 contiguous line ranges, merged in order (ties of first/last
    across shards are broken by the order of the partial files), and
  - by a hash of the device into 2 and 7 shards (a device's records stay together),
    merged in order and in reverse order,
and one bk-aggregate --partial per shard, then --merge, must print exactly the bytes
of one run over the whole input (NDJSON and CSV). Merges of merges (--merge
--partial) too, an empty shard among them, and the partial files themselves must not
depend on -j or the block size.
"""
import os
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import expected  # noqa: E402


def every_item_text():
    items = [("n", None, None, None)] + expected.every("value", "value") + expected.every("n", "n", qs=(0.1,), aqs=(0.75,)) \
        + expected.every("fval", "fval", qs=(0.333,), aqs=(0.2,))
    text = expected.a_flag(items, {"n": "count()"})
    return text + (", min(status), max(status), first(status), last(status), count_distinct(status), "
                   "approx_distinct(status), tmin = min(parse_time(ts)), used = last(value) - first(value), "
                   "avg_bill = sum(value * 2.5) / count()")


# name: (flags, grouped by device: the device-hash shards hold whole groups, so
# first/last ties never cross shards and any merge order gives the same output).
QUERIES = {
    "every-by-device": (True, ["-g", "device", "--time", "ts", "-a", every_item_text()]),
    "every-no-keys": (False, ["--time", "ts", "-a", every_item_text()]),
    "computed-keys-window": (False, ["-g", "site, big = value > 100", "--window", "week", "--tz", "Europe/Berlin",
                             "--time", "ts", "--where", "status is not null",
                             "-a", "n = count(), s = sum(value), m = mean(fval), q = median(n), "
                                   "aq = approx_quantile(value, 0.9), ad = approx_distinct(n), f = first(seq), l = last(seq)"]),
}


class Run:
    def __init__(self, bin_dir, tmp):
        self.bin = os.path.join(bin_dir, "bk-aggregate")
        self.tmp = tmp
        self.checks = 0
        self.failures = []

    def bk(self, args, env=None, threads=4):
        e = dict(os.environ, LC_ALL="C", TZ="UTC", **(env or {}))
        p = subprocess.run([self.bin] + args + ["-j", str(threads)], capture_output=True, env=e)
        if p.returncode != 0:
            raise RuntimeError(f"bk-aggregate {' '.join(args)}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p.stdout

    def cat(self, path):
        p = subprocess.run([os.path.join(os.path.dirname(self.bin), "bk-cat"), path, "-O", "ndjson"],
                           capture_output=True)
        if p.returncode != 0:
            raise RuntimeError(f"bk-cat {path}: {p.stderr.decode(errors='replace')}")
        return p.stdout

    def same(self, a, b, what):
        self.checks += 1
        if a != b:
            al, bl = a.splitlines(), b.splitlines()
            first = next((i for i, (x, y) in enumerate(zip(al, bl)) if x != y), min(len(al), len(bl)))
            show = lambda lines: lines[first][:300] if first < len(lines) else "(no line)"
            self.failures.append(f"{what}: differs at line {first + 1}:\n    one run: {show(al)!r}\n    merged:  {show(bl)!r}")


def write_shards(lines, groups, tmp, tag):
    paths = []
    for k, g in enumerate(groups):
        p = os.path.join(tmp, f"{tag}-{k}.ndjson")
        with open(p, "wb") as f:
            f.writelines(lines[i] for i in g)
        paths.append(p)
    return paths


def contiguous(n, k):
    bounds = [n * i // k for i in range(k + 1)]
    return [range(bounds[i], bounds[i + 1]) for i in range(k)]


def device_hash_split(lines, k):
    import json
    groups = [[] for _ in range(k)]
    for i, line in enumerate(lines):
        d = json.loads(line).get("device")
        h = zlib.crc32(b"\xffnull" if d is None else d.encode("utf-8"))
        groups[h % k].append(i)
    return groups


def main(bin_dir, data_dir):
    data = os.path.join(data_dir, "readings.ndjson")
    with open(data, "rb") as f:
        lines = f.readlines()
    with tempfile.TemporaryDirectory() as tmp:
        r = Run(bin_dir, tmp)
        # The shards: contiguous line ranges, and by hash of the device.
        splits = {}
        for k in (1, 2, 7):
            splits[f"lines{k}"] = (write_shards(lines, contiguous(len(lines), k), tmp, f"lines{k}"), False)
        for k in (2, 7):
            splits[f"device{k}"] = (write_shards(lines, device_hash_split(lines, k), tmp, f"device{k}"), True)
        empty = os.path.join(tmp, "empty.ndjson")
        open(empty, "wb").close()

        for qname, (by_device, args) in QUERIES.items():
            try:
                run_query(r, tmp, data, splits, empty, qname, by_device, args)
            except RuntimeError as e:
                r.failures.append(f"{qname}: {e}")

        for f in r.failures:
            print("FAIL", f)
        print(f"shards.py: {len(QUERIES)} queries, {r.checks} checks, {len(r.failures)} failed")
        return 1 if r.failures else 0


def run_query(r, tmp, data, splits, empty, qname, by_device, args):
    ref = r.bk([data] + args)
    ref_csv = r.bk([data] + args + ["-O", "csv"])
    r.same(ref, r.bk([data] + args, threads=1), f"{qname}: -j1 vs -j4")
    r.same(ref, r.bk([data] + args, {"BK_BLOCK_BYTES": "64"}), f"{qname}: BK_BLOCK_BYTES=64")
    for sname, (shards, any_order) in splits.items():
        if any_order and not by_device:
            continue  # groups across device shards: ties of first/last follow the shard order
        parts = []
        for k, s in enumerate(shards):
            p = os.path.join(tmp, f"{qname}-{sname}-{k}.bkc")
            r.bk([s] + args + ["--partial", "-o", p])
            parts.append(p)
            if sname == "lines7" and k == 3:
                # The partial file itself does not depend on the threads.
                one = os.path.join(tmp, "one.bkc")
                r.bk([s] + args + ["--partial", "-o", one], threads=1)
                r.same(open(p, "rb").read(), open(one, "rb").read(), f"{qname}: partial -j1 vs -j4")
                # Tiny input blocks: states that merge into the same output (their
                # bytes may differ: a first/last keeps its record's block number).
                tiny = os.path.join(tmp, "tiny.bkc")
                r.bk([s] + args + ["--partial", "-o", tiny], {"BK_BLOCK_BYTES": "64"})
                tiny_parts = [os.path.join(tmp, f"{qname}-{sname}-{j}.bkc") for j in range(k)] + [tiny]
                tiny_parts += [os.path.join(tmp, f"{qname}-{sname}-{j}.bkc") for j in range(k + 1, 7)]
        r.same(ref, r.bk(["--merge"] + parts), f"{qname}: {sname}: --merge")
        if sname == "lines7":
            r.same(ref, r.bk(["--merge"] + tiny_parts),
                   f"{qname}: {sname}: --merge with shard 3's partial made with BK_BLOCK_BYTES=64")
        r.same(ref_csv, r.bk(["--merge"] + parts + ["-O", "csv"]), f"{qname}: {sname}: --merge -O csv")
        r.same(ref, r.bk(["--merge"] + parts, {"BK_BLOCK_BYTES": "64"}, threads=1),
               f"{qname}: {sname}: --merge BK_BLOCK_BYTES=64 -j1")
        if any_order and len(parts) > 1:
            r.same(ref, r.bk(["--merge"] + parts[::-1]), f"{qname}: {sname}: --merge in reverse order")
        if len(parts) == 7:
            # Merges of merges: (0-2) (3-6), and ((0-1) 2) (3 (4-6)).
            m1, m2 = os.path.join(tmp, "m1.bkc"), os.path.join(tmp, "m2.bkc")
            r.bk(["--merge", "--partial"] + parts[:3] + ["-o", m1])
            r.bk(["--merge", "--partial"] + parts[3:] + ["-o", m2])
            r.same(ref, r.bk(["--merge", m1, m2]), f"{qname}: {sname}: merge of merges (0-2)(3-6)")
            m3, m4, m5 = (os.path.join(tmp, f"m{k}.bkc") for k in (3, 4, 5))
            r.bk(["--merge", "--partial"] + parts[:2] + ["-o", m3])
            r.bk(["--merge", "--partial", m3, parts[2], "-o", m4])
            r.bk(["--merge", "--partial"] + parts[4:] + ["-o", m5])
            r.same(ref, r.bk(["--merge", m4, parts[3], m5]), f"{qname}: {sname}: merge of merges ((0-1)2)3(4-6)")
    # An empty shard's partial changes nothing.
    pe = os.path.join(tmp, "empty.bkc")
    r.bk([empty] + args + ["--partial", "-o", pe])
    parts = [os.path.join(tmp, f"{qname}-lines2-{k}.bkc") for k in range(2)]
    r.same(ref, r.bk(["--merge", parts[0], pe, parts[1]]), f"{qname}: an empty shard among the partial files")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
