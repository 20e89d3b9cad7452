#!/usr/bin/env python3
"""A reader of batchkit chunk files (.bkc), written from man/bk-chunk.5 alone.

It documents and tests the format description: if this reader and bk-cat disagree
about a file, the man page (or the code) is wrong. It follows the page's READING
section: a streaming reader that walks frames strictly forward (so it reads pipes),
checks every structure the page says a reader checks, stops at the first damage
after printing the records of the blocks before it, and exits 1.

    reference_reader.py [FILE]           the records as NDJSON, like `bk-cat FILE`
    reference_reader.py --index FILE     the block index as a seeking reader finds
                                         it from the end of FILE (one JSON line)
    reference_reader.py --stream-index [FILE]
                                         the same index as the streaming reader
                                         finds it (for comparing the two)
    reference_reader.py --schema [FILE]  the blocks' schemas unioned by name, like
                                         `bk-cat --schema FILE`

Options for the record mode:
    --check-stats   also compare each footer's column statistics with the decoded
                    blocks (the page's FOOTER rules; batchkit itself does not)

Codecs: none; zlib via Python's zlib module; zstd via the `zstandard` module if
importable, else via the system's libzstd through ctypes (if neither is there, a
zstd block is an error: write files for this reader with --codec none or zlib).

Checksums (XXH3-64, seed 0): through the `xxhash` module if importable, else
through the system's libxxhash via ctypes; if neither is available the checksums
are NOT verified (a warning goes to stderr once) and everything else still is.

The NDJSON text imitates bk-cat's (floats in the shortest form that reads back,
".0" added when integral, non-finite floats as null, timestamps as ISO 8601 UTC
strings); that is bk-cat's convention, not part of the chunk format.
"""

import ctypes
import ctypes.util
import json
import struct
import sys
import zlib
from decimal import Decimal

# ---- checksums ------------------------------------------------------------------

def _find_xxh3():
    try:
        import xxhash  # type: ignore
        return xxhash.xxh3_64_intdigest
    except ImportError:
        pass
    for name in ("libxxhash.so.0", ctypes.util.find_library("xxhash")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            fn = lib.XXH3_64bits
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_uint64
        fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        return lambda data: fn(bytes(data), len(data))
    return None


XXH3_64 = _find_xxh3()
_warned = False


def checksum_ok(data, stored):
    global _warned
    if XXH3_64 is None:
        if not _warned:
            print("reference_reader: no XXH3 (neither the xxhash module nor libxxhash): "
                  "checksums are not verified", file=sys.stderr)
            _warned = True
        return True
    return XXH3_64(data) == stored


# ---- constants from the man page --------------------------------------------------

FILE_MAGIC = b"\x89BKC\r\n\x1a\n"
BLOCK_TAG = b"BKBL"
FOOTER_TAG = b"BKFT"
END_MAGIC = b"BKC-END\n"
MAX_FRAME = 1 << 32
MAX_ROWS = 1 << 32
NULL, BOOL, INT64, FLOAT64, STRING, TIMESTAMP, JSON = range(7)
TYPE_NAMES = ["null", "bool", "int64", "float64", "string", "timestamp", "json"]


class Damage(Exception):
    pass


def s64(x):
    """Wraps an integer to a two's-complement i64."""
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >> 63 else x


class Cursor:
    """Bounds-checked little-endian reading of a schema, payload or footer body."""

    def __init__(self, data, past_end="a column runs past the end of its block"):
        self.d, self.p, self.past_end = data, 0, past_end

    def left(self):
        return len(self.d) - self.p

    def take(self, n):
        if n < 0 or n > self.left():
            raise Damage(self.past_end)
        r = self.d[self.p:self.p + n]
        self.p += n
        return r

    def get(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]


# ---- integer streams --------------------------------------------------------------

PACKED = {1: "B", 2: "H", 4: "I", 8: "Q"}


def packed(c, count, w):
    if w == 0:
        return [0] * count
    raw = c.take(count * w)
    return [v for (v,) in struct.iter_unpack("<" + PACKED[w], raw)]


def int_stream(c, n):
    mode, w = c.get("B"), c.get("B")
    if mode > 1 or w not in (0, 1, 2, 4, 8):
        raise Damage("unknown integer encoding")
    if mode == 0:
        base = c.get("q")
        return [s64(base + p) for p in packed(c, n, w)]
    first, dmin = c.get("q"), c.get("q")
    if n == 0:
        return []
    out, cur = [first], first
    for p in packed(c, n - 1, w):
        cur = s64(cur + dmin + p)
        out.append(cur)
    return out


# ---- blocks ---------------------------------------------------------------------

def parse_block_header(h):
    if h[:4] != BLOCK_TAG:
        raise Damage("bad block tag")
    schema_len, payload_len, raw_len, rows, codec = struct.unpack_from("<IQQQB", h, 4)
    if codec > 2:
        raise Damage("unknown codec")
    if schema_len > MAX_FRAME or payload_len > MAX_FRAME or raw_len > MAX_FRAME or rows > MAX_ROWS:
        raise Damage("implausible block sizes")
    return schema_len, payload_len, raw_len, rows, codec


def read_schema(c):
    ncols, time_field = c.get("I"), c.get("i")
    if ncols > c.left() // 16:
        raise Damage("implausible column count")
    if time_field < -1 or time_field >= ncols:
        raise Damage("bad event-time column")
    cols = []
    for _ in range(ncols):
        name = c.take(c.get("I"))
        typ, enc = c.get("B"), c.get("B")
        if typ > JSON:
            raise Damage("unknown column type")
        if enc > (2 if typ in (STRING, JSON) else 1 if typ == FLOAT64 else 0):
            raise Damage("unknown column encoding")
        c.get("H")  # reserved
        cols.append((name, typ, enc, c.get("Q")))
    return cols, time_field


def decompress(codec, data, raw_len):
    if codec == 0:
        if len(data) != raw_len:
            raise Damage("stored and raw lengths differ")
        return data
    if codec == 2:
        try:
            raw = zlib.decompress(data)
        except zlib.error:
            raise Damage("zlib data does not decompress")
        if len(raw) != raw_len:
            raise Damage("zlib data does not decompress")
        return raw
    raw = ZSTD_DECOMPRESS(data, raw_len)
    if raw is None or len(raw) != raw_len:
        raise Damage("zstd data does not decompress")
    return raw


def _find_zstd():
    """A function (data, raw_len) -> bytes, or None when the data does not decompress."""
    try:
        import zstandard  # type: ignore

        def via_module(data, raw_len):
            try:
                return zstandard.ZstdDecompressor().decompress(data, max_output_size=raw_len)
            except zstandard.ZstdError:
                return None
        return via_module
    except ImportError:
        pass
    for name in ("libzstd.so.1", ctypes.util.find_library("zstd")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.ZSTD_decompress.restype = ctypes.c_size_t
        lib.ZSTD_decompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
        lib.ZSTD_isError.restype = ctypes.c_uint
        lib.ZSTD_isError.argtypes = [ctypes.c_size_t]

        def via_lib(data, raw_len):
            buf = ctypes.create_string_buffer(max(raw_len, 1))
            n = lib.ZSTD_decompress(buf, raw_len, bytes(data), len(data))
            return None if lib.ZSTD_isError(n) else buf.raw[:n]
        return via_lib

    def unavailable(data, raw_len):
        sys.exit("reference_reader: a block is zstd-compressed, and neither the zstandard module "
                 "nor libzstd is available")
    return unavailable


ZSTD_DECOMPRESS = _find_zstd()


def bitmap(c, rows):
    b = c.take((rows + 7) // 8)
    return [(b[i >> 3] >> (i & 7)) & 1 == 1 for i in range(rows)]


def decode_column(c, typ, enc, nulls, rows):
    """The column's values, None for a null row."""
    if typ == NULL:
        if nulls != rows:
            raise Damage("a null column has values")
        return [None] * rows
    valid = bitmap(c, rows) if nulls > 0 else [True] * rows
    if valid.count(False) != nulls:
        raise Damage("null count does not match")
    if typ == BOOL:
        vals = bitmap(c, rows)
    elif typ in (INT64, TIMESTAMP):
        vals = int_stream(c, rows)
    elif typ == FLOAT64 and enc == 1:
        k = c.get("B")
        if k > 15:
            raise Damage("decimal scale out of range")
        scale = float(10 ** k)
        vals = [float(m) / scale for m in int_stream(c, rows)]
    elif typ == FLOAT64:
        vals = [v for (v,) in struct.iter_unpack("<d", c.take(8 * rows))]
    elif enc == 1:  # string or json, dictionary
        count = c.get("I")
        if count > c.left():
            raise Damage("dictionary larger than its block")
        lens = int_stream(c, count)
        entries = []
        for n in lens:
            if n < 0:
                raise Damage("negative string length")
            entries.append(c.take(n))
        idx = int_stream(c, rows)
        vals = []
        for i in range(rows):
            if valid[i] and not 0 <= idx[i] < count:
                raise Damage("dictionary index out of range")
            vals.append(entries[idx[i]] if valid[i] else None)
    elif enc == 2:  # string or json, fixed width, transposed (version 2)
        w = c.get("I")
        nvalid = rows - nulls
        if w == 0 or w > c.left() or nvalid > c.left() // w:
            raise Damage("fixed-width strings run past the end of their block")
        data = c.take(w * nvalid)
        fixed = iter([bytes(data[k * nvalid + j] for k in range(w)) for j in range(nvalid)])
        vals = [next(fixed) if valid[i] else None for i in range(rows)]
    else:  # string or json, plain
        lens = int_stream(c, rows)
        for i, n in enumerate(lens):
            if n < 0 or (not valid[i] and n != 0):
                raise Damage("bad string length")
        vals = []
        for n in lens:
            vals.append(c.take(n))
    return [v if ok else None for v, ok in zip(vals, valid)]


def decode_block(frame):
    """(rows, time_field, [(name, type, values)]) of one whole block frame."""
    if len(frame) < 48:
        raise Damage("block shorter than its header")
    schema_len, payload_len, raw_len, rows, codec = parse_block_header(frame)
    if 48 + schema_len + payload_len != len(frame):
        raise Damage("block lengths do not add up")
    (stored,) = struct.unpack_from("<Q", frame, 40)
    if not checksum_ok(frame[:40] + frame[48:], stored):
        raise Damage("checksum mismatch")
    cols, time_field = read_schema(Cursor(frame[48:48 + schema_len]))
    raw = decompress(codec, frame[48 + schema_len:], raw_len)
    c = Cursor(raw)
    out = []
    for name, typ, enc, nulls in cols:
        if nulls > rows:
            raise Damage("null count larger than the row count")
        out.append((name, typ, decode_column(c, typ, enc, nulls, rows)))
    if c.left():
        raise Damage("unused bytes after the last column")
    return rows, time_field, out


# ---- footer ---------------------------------------------------------------------

def decode_footer(header_and_body, stored):
    if not checksum_ok(header_and_body, stored):
        raise Damage("checksum mismatch")
    c = Cursor(header_and_body[16:], "its contents run past its end")
    nblocks, rows = c.get("Q"), c.get("Q")
    if nblocks > c.left() // 28:
        raise Damage("implausible block count")
    blocks = []
    for _ in range(nblocks):
        offset, frame_len, brows, ncols = c.get("Q"), c.get("Q"), c.get("Q"), c.get("I")
        if ncols > c.left() // 16:
            raise Damage("implausible column count")
        stats = []
        for _ in range(ncols):
            name = c.take(c.get("I"))
            typ, has = c.get("B"), c.get("B") != 0
            if typ > JSON:
                raise Damage("unknown column type")
            c.get("H")  # reserved
            s = {"name": name, "type": typ, "nulls": c.get("Q"), "minmax": None}
            if has:
                if typ == FLOAT64:
                    s["minmax"] = (c.get("d"), c.get("d"))
                elif typ in (STRING, JSON):
                    s["minmax"] = (c.take(c.get("I")), c.take(c.get("I")))
                else:
                    s["minmax"] = (c.get("q"), c.get("q"))
            stats.append(s)
        blocks.append({"offset": offset, "frame_len": frame_len, "rows": brows, "columns": stats})
    if c.left():
        raise Damage("unused bytes at its end")
    return {"rows": rows, "blocks": blocks}


def expected_stats(columns):
    """A block's column statistics as the man page defines them."""
    out = []
    for name, typ, vals in columns:
        present = [v for v in vals if v is not None]
        if typ == BOOL:
            present = [int(v) for v in present]
        if typ == FLOAT64:
            present = [v for v in present if v == v]  # NaN is ignored
        minmax = (min(present), max(present)) if present and typ != NULL else None
        if minmax and typ in (STRING, JSON) and max(len(minmax[0]), len(minmax[1])) > 64:
            minmax = None
        out.append({"name": name, "type": typ, "nulls": vals.count(None), "minmax": minmax})
    return out


# ---- the streaming reader (READING, "A streaming reader") -------------------------

class Stream:
    def __init__(self, f, name, check_stats=False):
        self.f, self.name, self.check_stats = f, name, check_stats
        self.pos = 0
        self.blocks = 0          # numbered from 1 across the stream
        self.open = False        # a segment is open (its footer not read yet)
        self.seg_start = 0
        self.seg_blocks = []     # (offset, frame_len, rows) of this segment's blocks
        self.seg_stats = []      # expected statistics, for --check-stats
        self.segments = []       # for --stream-index
        self.schemas = []        # ([(name, type)], time_field) of every block, for --schema

    def read(self, n, where):
        data = self.f.read(n)
        self.pos += len(data)
        if len(data) < n:
            raise Damage(f"truncated: the file ends inside {where}")
        return data

    def frames(self):
        """Yields (block number, offset, frame) for every block; checks the rest."""
        while True:
            at = self.pos
            tag = self.f.read(4)
            self.pos += len(tag)
            if not tag:
                if self.open:
                    raise Damage(f"truncated: no footer after block {self.blocks}")
                return
            if len(tag) < 4:
                raise Damage(f"truncated: the file ends inside the frame after block {self.blocks}")
            if tag == FILE_MAGIC[:4]:
                self.file_header(at, tag + self.read(12, "the file header"))
            elif not self.open:
                raise Damage(f"damaged: expected a chunk file header at byte {at}")
            elif tag == BLOCK_TAG:
                self.blocks += 1
                where = f"block {self.blocks}"
                header = tag + self.read(44, where)
                try:
                    schema_len, payload_len, _, rows, _ = parse_block_header(header)
                except Damage as e:
                    raise Damage(f"block {self.blocks} (byte {at}): damaged: {e}")
                frame = header + self.read(schema_len + payload_len, where)
                self.seg_blocks.append((at - self.seg_start, len(frame), rows))
                yield self.blocks, at, frame
            elif tag == FOOTER_TAG:
                self.footer(tag)
            else:
                raise Damage(f"damaged: unexpected bytes at byte {at} after block {self.blocks}")

    def file_header(self, at, h):
        if h[:8] != FILE_MAGIC:
            raise Damage(f"damaged file header at byte {at}")
        version, flags, reserved = struct.unpack_from("<HHI", h, 8)
        if version in (1, 2) and (flags or reserved):
            raise Damage(f"damaged file header at byte {at} (reserved bytes are not zero)")
        if version not in (1, 2):
            raise Damage(f"chunk format version {version} is not supported")
        if self.open:
            raise Damage(f"a new file starts at byte {at} before the footer of the one before")
        self.open, self.seg_start, self.seg_blocks, self.seg_stats = True, at, [], []

    def footer(self, tag):
        hb = tag + self.read(12, "the footer")
        (body_len,) = struct.unpack_from("<Q", hb, 8)
        if body_len > MAX_FRAME:
            raise Damage("damaged footer: implausible length")
        hb += self.read(body_len, "the footer")
        tail = self.read(32, "the footer")
        stored, footer_len, total = struct.unpack_from("<QQQ", tail)
        try:
            f = decode_footer(hb, stored)
        except Damage as e:
            raise Damage(f"damaged footer after block {self.blocks}: {e}")
        listed = [(b["offset"], b["frame_len"], b["rows"]) for b in f["blocks"]]
        if listed != self.seg_blocks or sum(b["rows"] for b in f["blocks"]) != f["rows"]:
            raise Damage(f"the footer after block {self.blocks} does not match the blocks before it")
        if (tail[24:] != END_MAGIC or total != self.pos - self.seg_start
                or footer_len != 16 + body_len + 32):
            raise Damage(f"damaged trailer after block {self.blocks}")
        if self.check_stats:
            for k, (b, want) in enumerate(zip(f["blocks"], self.seg_stats)):
                if b["columns"] != want:
                    raise Damage(f"footer statistics of block {k + 1} of the segment differ from its "
                                 f"data:\n  footer: {b['columns']}\n  data:   {want}")
        self.segments.append({"start": self.seg_start, "rows": f["rows"], "blocks": listed})
        self.open = False


# ---- the seeking reader (READING, "A seeking reader") -----------------------------

def seek_index(path):
    """The block index of every segment, found from the end of the file."""
    segments = []
    with open(path, "rb") as f:
        f.seek(0, 2)
        end = f.tell()
        while end > 0:
            if end < 16 + 48:
                raise Damage(f"{end} bytes cannot end in a segment")
            f.seek(end - 24)
            footer_len, seg_len, magic = struct.unpack("<QQ8s", f.read(24))
            if magic != END_MAGIC or seg_len > end or footer_len > seg_len - 16:
                raise Damage(f"damaged trailer ending at byte {end}")
            start = end - seg_len
            f.seek(start)
            if f.read(8) != FILE_MAGIC:
                raise Damage(f"no file header at byte {start}")
            # The footer, straight from the trailer.
            at = end - footer_len
            f.seek(at)
            head = f.read(16)
            if head[:4] != FOOTER_TAG:
                raise Damage(f"no footer at byte {at}")
            (body_len,) = struct.unpack_from("<Q", head, 8)
            if at + body_len + 48 != end:
                raise Damage(f"the footer at byte {at} does not end the segment")
            f.seek(at)
            hb = f.read(16 + body_len)
            (stored,) = struct.unpack("<Q", f.read(8))
            foot = decode_footer(hb, stored)
            listed = [(b["offset"], b["frame_len"], b["rows"]) for b in foot["blocks"]]
            # The blocks must tile the segment between its header and its footer.
            pos = 16
            for off, flen, _ in listed:
                if off != pos:
                    raise Damage(f"the footer at byte {at} does not match its blocks")
                pos += flen
            if start + pos != at:
                raise Damage(f"the footer at byte {at} does not match its blocks")
            segments.append({"start": start, "rows": foot["rows"], "blocks": listed})
            end = start
    return segments[::-1]


# ---- output like bk-cat's NDJSON --------------------------------------------------

def json_string(b):
    out = bytearray(b'"')
    for ch in b:
        if ch == 0x22:
            out += b'\\"'
        elif ch == 0x5C:
            out += b"\\\\"
        elif ch >= 0x20:
            out.append(ch)
        else:
            out += {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x08: b"\\b", 0x0C: b"\\f"}.get(
                ch, b"\\u00%02x" % ch)
    out += b'"'
    return bytes(out)


def shortest_double(x):
    """C++ std::to_chars(double) without a format: the shortest digits that read
    back, in fixed or scientific notation, whichever is shorter (fixed on a tie)."""
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(map(str, digits))
    # value = digits * 10^exp
    e10 = exp + len(digits) - 1
    sci = digits[0] + ("." + digits[1:] if len(digits) > 1 else "") + "e" + ("-" if e10 < 0 else "+") + "%02d" % abs(e10)
    if exp >= 0:
        fixed = digits + "0" * exp
    elif -exp < len(digits):
        fixed = digits[:exp] + "." + digits[exp:]
    else:
        fixed = "0." + "0" * (-exp - len(digits)) + digits
    s = fixed if len(fixed) <= len(sci) else sci
    return ("-" if sign else "") + s


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def timestamp_text(micros):
    secs, frac = divmod(micros, 1000000)
    days, sod = divmod(secs, 86400)
    y, m, d = civil_from_days(days)
    s = ("%04d" % y if 0 <= y <= 9999 else str(y)) + "-%02d-%02dT%02d:%02d:%02d" % (
        m, d, sod // 3600, sod // 60 % 60, sod % 60)
    if frac:
        s += "." + ("%06d" % frac)[:3 if frac % 1000 == 0 else 6]
    return s + "Z"


def value_json(typ, v):
    if v is None:
        return b"null"
    if typ == BOOL:
        return b"true" if v else b"false"
    if typ == INT64:
        return str(v).encode()
    if typ == FLOAT64:
        if v != v or v in (float("inf"), float("-inf")):
            return b"null"
        s = shortest_double(v)
        return (s if "." in s or "e" in s else s + ".0").encode()
    if typ == TIMESTAMP:
        return b'"' + timestamp_text(v).encode() + b'"'
    if typ == STRING:
        return json_string(v)
    return v  # json: its text


def unify(a, b):
    """The type of a column that has type a in some blocks and b in others."""
    if a == b or b == NULL:
        return a
    if a == NULL:
        return b
    return FLOAT64 if {a, b} == {INT64, FLOAT64} else STRING


def schema_json(schemas):
    names, types, time_name = [], [], None
    for fields, time_field in schemas:
        for name, typ in fields:
            if name in names:
                k = names.index(name)
                types[k] = unify(types[k], typ)
            else:
                names.append(name)
                types.append(typ)
        if time_field >= 0 and time_name is None:
            time_name = fields[time_field][0]
    parts = [b'{"name":' + json_string(n) + b',"type":"' + TYPE_NAMES[t].encode() + b'"}'
             for n, t in zip(names, types)]
    return (b'{"fields":[' + b",".join(parts) + b'],"time_field":' +
            (json_string(time_name) if time_name is not None else b"null") + b"}\n")


def write_records(out, columns, rows):
    keys = [json_string(name) + b":" for name, _, _ in columns]
    for i in range(rows):
        parts = [k + value_json(typ, vals[i]) for k, (_, typ, vals) in zip(keys, columns)]
        out.write(b"{" + b",".join(parts) + b"}\n")


# ---- main -----------------------------------------------------------------------

def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    path = args[0] if args else "-"
    name = "<stdin>" if path == "-" else path
    out = sys.stdout.buffer
    try:
        if "--index" in flags:
            print(json.dumps(seek_index(path)))
            return 0
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
        s = Stream(f, name, check_stats="--check-stats" in flags)
        for no, at, frame in s.frames():
            try:
                rows, time_field, columns = decode_block(frame)
            except Damage as e:
                msg = str(e)
                raise Damage(f"block {no} (byte {at}): " + (msg if msg == "checksum mismatch" else "damaged: " + msg))
            if s.check_stats:
                s.seg_stats.append(expected_stats(columns))
            s.schemas.append(([(n, t) for n, t, _ in columns], time_field))
            if "--stream-index" not in flags and "--schema" not in flags:
                write_records(out, columns, rows)
        if "--stream-index" in flags:
            print(json.dumps(s.segments))
        if "--schema" in flags:
            out.write(schema_json(s.schemas))
        return 0
    except Damage as e:
        out.flush()
        print(f"reference_reader: error: {name}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
