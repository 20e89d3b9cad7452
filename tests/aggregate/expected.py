#!/usr/bin/env python3
"""bk-aggregate's answers, computed independently in Python, and the queries they answer.

Every query of the suite is defined once, here: its bk-aggregate flags, a model of
what it must print (computed with fractions, sorting and zoneinfo, without any of
batchkit's code), and the same query in DuckDB's SQL (duckdb_compare.py runs that one).

The model follows the semantics of bk-aggregate (man bk-aggregate):
  - groups sorted by key: numbers numerically (5 and 5.0 one key), strings bytewise,
    false before true, null keys last;
  - sum of int64 values exact int64; sum of floats the exact decimal sum of the values
    as written when every value of the group is a short decimal (at most 9 digits after
    the point), else the exact sum of the binary doubles; either rounded once; mean that
    exact sum / count, rounded once; so they are compared bit for bit (repr). A computed
    value counts as the short decimal its double reads as, if any (man bk-aggregate,
    EXACTNESS: sum(value * 0.5) sums decimals);
  - var and stddev the sample ones (n - 1), within 1e-12 relative of exact fractions;
  - first/last: the non-null value of the earliest/latest record by event time, ties
    by input order;
  - quantile(x, q): linear interpolation between the values around rank q*(n-1)
    (DuckDB's quantile_cont), computed with the same double operations, so exact;
  - approx_distinct within 3% of the exact distinct count; approx_quantile within 0.5%
    relative of the value at rank floor(q*(n-1)).

    expected.py check BIN_DIR DATA_DIR [NAME...]   runs the queries (-j1, -j4, and
        BK_BLOCK_BYTES=64; all three must print the same bytes) and compares each with
        the model and with DuckDB's recorded answer (duckdb/<query>.ndjson)
    expected.py list                                the queries' names
"""
import json
import math
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from duckdb_node import Checker  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ---- data -----------------------------------------------------------------------------


class Num:
    """A number as written in the input: its text, and whether it is an integer."""
    __slots__ = ("text", "isint", "py")

    def __init__(self, text, isint):
        self.text = text
        self.isint = isint
        self.py = int(text) if isint else float(text)

    def short_decimal(self):
        if self.isint:
            return True
        if "e" in self.text or "E" in self.text:
            return False
        return len(self.text.split(".", 1)[1]) <= 9


RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def parse_time(s):
    """RFC 3339 text -> microseconds since the epoch (UTC)."""
    m = RFC3339.match(s)
    if not m:
        raise ValueError(f"not RFC 3339: {s}")
    y, mo, d, h, mi, se = (int(m.group(k)) for k in range(1, 7))
    frac = m.group(7) or ""
    us = int((frac[1:] + "000000")[:6]) if frac else 0
    off = m.group(8)
    minutes = 0
    if off not in ("Z", "z"):
        minutes = (int(off[1:3]) * 60 + int(off[4:6])) * (1 if off[0] == "+" else -1)
    dt = datetime(y, mo, d, h, mi, se, tzinfo=UTC) - timedelta(minutes=minutes)
    return to_us(dt) + us


def to_us(dt):
    td = dt - EPOCH
    return (td.days * 86400 + td.seconds) * 1000000 + td.microseconds


def from_us(us):
    return EPOCH + timedelta(microseconds=us)


def load(path):
    recs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line, parse_int=lambda s: Num(s, True), parse_float=lambda s: Num(s, False))
            r["_t"] = parse_time(r["ts"])
            r["_seq"] = r["seq"].py
            recs.append(r)
    return recs


class TS:
    """A timestamp value (µs since the epoch), printed as RFC 3339 with Z."""
    __slots__ = ("us",)

    def __init__(self, us):
        self.us = us

    def __eq__(self, o):
        return isinstance(o, TS) and o.us == self.us

    def __lt__(self, o):
        return self.us < o.us

    def __hash__(self):
        return hash(("ts", self.us))

    def __repr__(self):
        return fmt_ts(self.us)


def fmt_ts(us):
    dt = from_us(us)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "") + "Z"


def py(v):
    """A record's value as the Python value the model computes with."""
    return v.py if isinstance(v, Num) else v


def field(name):
    return lambda r: r.get(name)


# ---- expression helpers (null-propagating, typed like bk-expr) --------------------------


def is_float(v):
    return isinstance(v, float) or (isinstance(v, Num) and not v.isint)


def add(a, b):
    return None if a is None or b is None else a + b


def sub(a, b):
    return None if a is None or b is None else a - b


def mul(a, b):
    return None if a is None or b is None else a * b


def div(a, b):  # always float64; by zero: null
    if a is None or b is None or b == 0:
        return None
    return float(a) / float(b)


def cmp(op, a, b):
    if a is None or b is None:
        return None
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


def and3(*xs):
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def or3(*xs):
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def substr(s, start, length=None):  # 1-based, in characters; SQL-like for start < 1
    if s is None:
        return None
    end = None if length is None else start + length
    start = max(start, 1)
    if end is not None:
        return s[start - 1:max(end - 1, start - 1)]
    return s[start - 1:]


def local(us, tz):
    return from_us(us).astimezone(ZoneInfo(tz))


# ---- cells: an expected value and how to compare it ----------------------------------------


class Cell:
    """kind: 'exact' (ints equal, floats bit for bit, strings, bools, None, TS),
    'rel' (floats within tol relative; 0 exactly), 'ad' (an approximate distinct
    count: within 3% of v, at least 1), 'aq' (an approximate quantile: within 0.5%
    relative of v, the value at rank floor(q*(n-1)))."""
    __slots__ = ("kind", "v", "tol")

    def __init__(self, kind, v, tol=0.0):
        self.kind, self.v, self.tol = kind, v, tol

    def __repr__(self):
        return repr(self.v) if self.kind == "exact" else f"{self.kind}~{self.v!r}"


def E(v):
    return Cell("exact", v)


def same_value(want, got):
    """Exact comparison of a model value with a value parsed from bk's NDJSON."""
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, TS):
        return isinstance(got, str) and got.endswith("Z") and parse_time(got) == want.us
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, float):
        return isinstance(got, float) and repr(want) == repr(got)
    if isinstance(want, int):
        return type(got) is int and want == got
    return want == got


def cell_ok(cell, got):
    if cell.kind == "exact":
        return same_value(cell.v, got)
    if cell.v is None or got is None:
        return cell.v is None and got is None
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if cell.kind == "rel":
        if cell.v == 0:
            return got == 0
        return abs(got - cell.v) <= cell.tol * abs(cell.v)
    if cell.kind == "ad":
        return type(got) is int and abs(got - cell.v) <= max(1, 0.03 * cell.v)
    if cell.kind == "aq":
        return isinstance(got, float) and abs(got - cell.v) <= 0.005 * abs(cell.v) * (1 + 1e-9)
    raise ValueError(cell.kind)


# ---- a group and its aggregates ------------------------------------------------------------


class Group:
    def __init__(self, q, rows):
        self.q = q          # the query (for the types an argument has in the whole input)
        self.rows = rows    # the group's records, in input order
        self._memo = {}

    def _vals(self, arg):
        f = field(arg) if isinstance(arg, str) else arg
        return [(r, v) for r in self.rows for v in [f(r)] if v is not None]

    def _float_typed(self, arg):
        # The result type of sum/min/max/first/last: float64 when the argument is a
        # float64 anywhere in the input (the field's type), else its own type.
        return self.q.arg_is_float(arg)

    def _num(self, arg, v):
        v = py(v)
        return float(v) if self._float_typed(arg) and isinstance(v, int) and not isinstance(v, bool) else v

    def count(self, arg=None):
        return len(self.rows) if arg is None else len(self._vals(arg))

    def exact_sum(self, arg):
        """(exact Fraction, n) of the non-null values, decimal or binary as bk sums them."""
        vals = [v for _, v in self._vals(arg)]
        if all(isinstance(v, Num) and v.short_decimal() for v in vals):
            total = sum((Fraction(v.text) for v in vals), Fraction(0))
        else:
            total = sum((Fraction(py(v)) for v in vals), Fraction(0))
        return total, len(vals)

    def sum(self, arg):
        total, n = self.exact_sum(arg)
        if n == 0:
            return None
        if not self._float_typed(arg):
            assert total.denominator == 1
            return int(total)
        return float(total)

    def mean(self, arg):
        total, n = self.exact_sum(arg)
        return None if n == 0 else float(total / n)

    def min(self, arg):
        vals = [self._num(arg, v) for _, v in self._vals(arg)]
        return min(vals) if vals else None

    def max(self, arg):
        vals = [self._num(arg, v) for _, v in self._vals(arg)]
        return max(vals) if vals else None

    def var(self, arg):
        xs = [Fraction(float(py(v))) for _, v in self._vals(arg)]
        n = len(xs)
        if n < 2:
            return None
        s1, s2 = sum(xs, Fraction(0)), sum((x * x for x in xs), Fraction(0))
        return (s2 - s1 * s1 / n) / (n - 1)

    def first(self, arg):
        rv = self._vals(arg)
        if not rv:
            return None
        r, v = min(rv, key=lambda p: (p[0]["_t"], p[0]["_seq"]))
        return self._num(arg, v)

    def last(self, arg):
        rv = self._vals(arg)
        if not rv:
            return None
        r, v = max(rv, key=lambda p: (p[0]["_t"], p[0]["_seq"]))
        return self._num(arg, v)

    def count_distinct(self, arg):
        return len({py(v) for _, v in self._vals(arg)})

    def sorted_doubles(self, arg):
        return sorted(float(py(v)) for _, v in self._vals(arg))

    def quantile(self, arg, q):
        v = self.sorted_doubles(arg)
        if not v:
            return None
        pos = q * float(len(v) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(v) - 1)
        d = pos - lo
        if d == 0 or v[lo] == v[hi]:
            return v[lo]
        return v[lo] + (v[hi] - v[lo]) * d

    def rank_value(self, arg, q):
        v = self.sorted_doubles(arg)
        return v[math.floor(q * float(len(v) - 1))] if v else None


# Cell makers for the -a items: A.sum("value") -> a function of a Group giving a Cell.
class A:
    @staticmethod
    def count(arg=None):
        return lambda g: E(g.count(arg))

    @staticmethod
    def sum(arg):
        return lambda g: E(g.sum(arg))

    @staticmethod
    def mean(arg):
        return lambda g: E(g.mean(arg))

    @staticmethod
    def min(arg):
        return lambda g: E(g.min(arg))

    @staticmethod
    def max(arg):
        return lambda g: E(g.max(arg))

    @staticmethod
    def var(arg):
        return lambda g: Cell("rel", None if g.var(arg) is None else float(g.var(arg)), 1e-12)

    @staticmethod
    def stddev(arg):
        def f(g):
            v = g.var(arg)
            return Cell("rel", None if v is None else math.sqrt(float(v)), 1e-12)
        return f

    @staticmethod
    def first(arg):
        return lambda g: E(g.first(arg))

    @staticmethod
    def last(arg):
        return lambda g: E(g.last(arg))

    @staticmethod
    def count_distinct(arg):
        return lambda g: E(g.count_distinct(arg))

    @staticmethod
    def approx_distinct(arg):
        return lambda g: Cell("ad", g.count_distinct(arg))

    @staticmethod
    def quantile(arg, q):
        return lambda g: E(g.quantile(arg, q))

    @staticmethod
    def approx_quantile(arg, q):
        return lambda g: Cell("aq", g.rank_value(arg, q))

    @staticmethod
    def expr(f, kind="exact", tol=0.0):
        return lambda g: Cell(kind, f(g), tol)


# The comparison kind of each column against DuckDB (duckdb.py): DuckDB sums in binary,
# so sums and means are compared within 1e-9 relative there.
DUCK_KIND = {"key": "exact", "count": "exact", "sum": "float", "mean": "float", "min": "exact",
             "max": "exact", "var": "float", "stddev": "float", "first": "exact", "last": "exact",
             "count_distinct": "exact", "approx_distinct": "ad", "quantile": "q", "approx_quantile": "aq",
             "expr": "float", "int": "exact"}

# The usual items over one argument, with their DuckDB SQL. (bk text, kind, model, SQL)


# DuckDB's own approximations, recorded beside its exact answers ("duckdb:NAME"):
# approx_count_distinct (HyperLogLog) and approx_quantile (T-Digest).
DUCK_APPROX = {"approx_distinct(device)": "approx_count_distinct(device)"}


def every(arg, sql_arg, qs=(0.9, 0.25), aqs=(0.5, 0.99)):
    DUCK_APPROX[f"approx_distinct({arg})"] = f"approx_count_distinct({sql_arg})"
    for q in aqs:
        DUCK_APPROX[f"approx_quantile({arg},{q})"] = f"approx_quantile({sql_arg}, {q})"
    items = [
        (f"count({arg})", "count", A.count(arg), f"count({sql_arg})"),
        (f"sum({arg})", "sum", A.sum(arg), f"sum({sql_arg})"),
        (f"mean({arg})", "mean", A.mean(arg), f"avg({sql_arg})"),
        (f"avg({arg})", "mean", A.mean(arg), f"avg({sql_arg})"),
        (f"min({arg})", "min", A.min(arg), f"min({sql_arg})"),
        (f"max({arg})", "max", A.max(arg), f"max({sql_arg})"),
        (f"var({arg})", "var", A.var(arg), f"var_samp({sql_arg})"),
        (f"stddev({arg})", "stddev", A.stddev(arg), f"stddev_samp({sql_arg})"),
        (f"first({arg})", "first", A.first(arg),
         f"arg_min({sql_arg}, struct_pack(a := t, b := seq)) FILTER (WHERE {sql_arg} IS NOT NULL)"),
        (f"last({arg})", "last", A.last(arg),
         f"arg_max({sql_arg}, struct_pack(a := t, b := seq)) FILTER (WHERE {sql_arg} IS NOT NULL)"),
        (f"count_distinct({arg})", "count_distinct", A.count_distinct(arg), f"count(DISTINCT {sql_arg})"),
        (f"approx_distinct({arg})", "approx_distinct", A.approx_distinct(arg), f"count(DISTINCT {sql_arg})"),
        (f"median({arg})", "quantile", A.quantile(arg, 0.5), f"median({sql_arg})"),
    ]
    for q in qs:
        items.append((f"quantile({arg},{q})", "quantile", A.quantile(arg, q), f"quantile_cont({sql_arg}, {q})"))
    for q in aqs:
        items.append((f"approx_quantile({arg},{q})", "approx_quantile", A.approx_quantile(arg, q), rank_sql(sql_arg, q)))
    return items


def rank_sql(x, q):
    """The value at rank floor(q*(n-1)) (0-based) in DuckDB: what approx_quantile approximates."""
    return (f"list_sort(list({x}) FILTER (WHERE {x} IS NOT NULL))"
            f"[CAST(floor({q}::DOUBLE * (count({x}) - 1)) AS BIGINT) + 1]")


# ---- queries ---------------------------------------------------------------------------------


class Query:
    """name; args: bk-aggregate's flags (the input is added: readings.ndjson, or
    readings.bkc when chunk=True); keys: [(name, fn(record) -> value)]; window:
    (size, tz) or None; where: fn(record) -> bool/None; items: [(name, kind, fn(Group)
    -> Cell, SQL or None)]; having: fn(Group, {name: value}) -> bool/None; sql: the
    SELECT's FROM/WHERE/GROUP BY part (or None: no DuckDB check); sql_keys: the keys'
    SQL expressions."""

    def __init__(self, name, args, items, keys=(), window=None, where=None, having=None,
                 sql_keys=(), sql_where=None, sql_having=None, chunk=False, duck=True, xfail=None):
        self.name, self.args, self.items = name, args, items
        self.keys, self.window, self.where, self.having = list(keys), window, where, having
        self.sql_keys, self.sql_where, self.sql_having = list(sql_keys), sql_where, sql_having
        self.chunk, self.duck = chunk, duck
        self.xfail = xfail  # a known bug, one line: reported, not failed, until it passes (then XPASS fails)
        self.recs = None
        self._types = {}

    def arg_is_float(self, arg):
        if arg not in self._types:
            f = field(arg) if isinstance(arg, str) else arg
            self._types[arg] = any(is_float(f(r)) for r in self.recs)
        return self._types[arg]

    def columns(self):
        names = [k for k, _ in self.keys]
        if self.window:
            names += ["window_start", "window_end"]
        return names + [name for name, *_ in self.items]

    def expected(self, recs):
        """The rows bk-aggregate must print: [[Cell, ...], ...] in output order."""
        self.recs = recs
        self._types = {}
        rows = [r for r in recs if self.where is None or self.where(r) is True]
        groups = {}
        for r in rows:
            key = tuple(py(f(r)) for _, f in self.keys)
            if self.window:
                key += window_of(r["_t"], *self.window)
            groups.setdefault(key, []).append(r)
        if not self.keys and not self.window and not groups:
            groups[()] = []  # no keys: one row, even for no records
        # A key mixing int and float prints as float (5 and 5.0 are one key: 5.0).
        nkeys = len(self.keys)
        key_float = [any(is_float(f(r)) for r in recs) for _, f in self.keys]
        out = []
        for key in sorted(groups, key=sort_key):
            g = Group(self, groups[key])
            cells = []
            for k, v in enumerate(key):
                if k < nkeys and key_float[k] and isinstance(v, int) and not isinstance(v, bool):
                    v = float(v)
                cells.append(E(v))
            named = {}
            for name, _, f, _ in self.items:
                c = f(g)
                named[name] = c.v
                cells.append(c)
            if self.having and self.having(g, named) is not True:
                continue
            out.append(cells)
        return out

    def bk_args(self, data_dir):
        src = os.path.join(data_dir, "readings.bkc" if self.chunk else "readings.ndjson")
        return [src] + self.args

    def sql(self, table):
        """The DuckDB query (ordered as bk-aggregate orders), or None."""
        if not self.duck:
            return None
        sel, group = [], []
        for (name, _), expr in zip(self.keys, self.sql_keys):
            sel.append(f'{expr} AS "{name}"')
            group.append(f'"{name}"')
        if self.window:
            ws, we = window_sql(*self.window)
            sel += [f'{ws} AS window_start', f'{we} AS window_end']
            group += ["window_start", "window_end"]
        for name, kind, _, s in self.items:
            sel.append(f'{s} AS "{name}"')
        for name, kind, _, s in self.items:
            if name in DUCK_APPROX:
                sel.append(f'{DUCK_APPROX[name]} AS "duckdb:{name}"')
        q = f"SELECT {', '.join(sel)} FROM {table}"
        if self.sql_where:
            q += f" WHERE {self.sql_where}"
        if group:
            q += f" GROUP BY {', '.join(group)}"
        if self.sql_having:
            q += f" HAVING {self.sql_having}"
        if group:
            q += " ORDER BY " + ", ".join(f"{g} ASC NULLS LAST" for g in group)
        return q


def sort_key(key):
    # Nulls last; numbers together; bools false < true; strings by code point (= UTF-8 bytes).
    return tuple((1, 0) if v is None else (0, v.us if isinstance(v, TS) else v) for v in key)


UNITS = {"m": 60, "h": 3600, "d": 86400}


def window_of(us, size, tz):
    """(window_start, window_end) of the event time `us` as TS values."""
    m = re.fullmatch(r"(\d+)([mhd])", size)
    if m:
        width = int(m.group(1)) * UNITS[m.group(2)] * 1000000
        start = us // width * width
        return TS(start), TS(start + width)
    d = local(us, tz)
    z = ZoneInfo(tz)
    if size == "day":
        s = datetime(d.year, d.month, d.day, tzinfo=z)
        e = s.date() + timedelta(days=1)
        e = datetime(e.year, e.month, e.day, tzinfo=z)
    elif size == "week":
        s0 = d.date() - timedelta(days=d.weekday())
        e0 = s0 + timedelta(days=7)
        s, e = (datetime(x.year, x.month, x.day, tzinfo=z) for x in (s0, e0))
    elif size == "month":
        s = datetime(d.year, d.month, 1, tzinfo=z)
        e = datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=z)
    elif size == "quarter":
        m0 = (d.month - 1) // 3 * 3 + 1
        s = datetime(d.year, m0, 1, tzinfo=z)
        e = datetime(d.year + (m0 == 10), (m0 + 2) % 12 + 1, 1, tzinfo=z)
    elif size == "year":
        s = datetime(d.year, 1, 1, tzinfo=z)
        e = datetime(d.year + 1, 1, 1, tzinfo=z)
    else:
        raise ValueError(size)
    return TS(to_us(s.astimezone(UTC))), TS(to_us(e.astimezone(UTC)))


def window_sql(size, tz):
    m = re.fullmatch(r"(\d+)([mhd])", size)
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        iv = f"INTERVAL '{m.group(1)} {unit}'"
        return f"time_bucket({iv}, t)", f"time_bucket({iv}, t) + {iv}"
    loc = f"date_trunc('{size}', timezone('{tz}', t))"
    return f"timezone('{tz}', {loc})", f"timezone('{tz}', {loc} + INTERVAL '1 {size}')"


def month_utc(r, tz="UTC"):
    return local(r["_t"], tz).month


ITEMS_VALUE = [("n", "count", A.count(), "count(*)")] + every("value", "value")
ITEMS_INT = [("n", "count", A.count(), "count(*)")] + every("n", "n", qs=(0.1,), aqs=(0.75,))
ITEMS_FVAL = every("fval", "fval", qs=(0.333,), aqs=(0.2,))


def a_flag(items, named=()):
    """The -a text: unnamed items are written as their text ("sum(value)"), the
    others as NAME = EXPR (named maps a name to its expression)."""
    parts = []
    for name, *_ in items:
        parts.append(f"{name} = {named[name]}" if name in named else name.replace(",", ", "))
    return ", ".join(parts)


def queries():
    Q = []

    # Every function over short decimals (with nulls, negatives, repeats, 5 and 5.0),
    # by a string key with nulls (absent fields are null too).
    Q.append(Query("value-by-device", ["-g", "device", "--time", "ts", "-a",
                                       a_flag(ITEMS_VALUE, {"n": "count()"})],
                   ITEMS_VALUE, keys=[("device", field("device"))], sql_keys=["device"]))
    # Every function over int64 (a few values near 2^55), by two keys.
    Q.append(Query("int-by-site-device", ["-g", "site, device", "--time", "ts", "-a",
                                          a_flag(ITEMS_INT, {"n": "count()"})],
                   ITEMS_INT, keys=[("site", field("site")), ("device", field("device"))],
                   sql_keys=["site", "device"]))
    # Binary doubles (repr), some short decimals among them: exact binary sums.
    Q.append(Query("binary-by-site", ["-g", "site", "--time", "ts", "-a", a_flag(ITEMS_FVAL)],
                   ITEMS_FVAL, keys=[("site", field("site"))], sql_keys=["site"]))
    # The same three from the chunk file bk-ingest made (decimal columns, typed times).
    for q in list(Q):
        Q.append(Query(q.name + "-from-chunk", q.args, q.items, keys=q.keys, chunk=True, duck=False))
    # No keys: one row; every function over value, n and fval.
    items = [("n", "count", A.count(), "count(*)")] + every("value", "value") + every("n", "n", qs=(0.5,), aqs=(0.5,)) \
        + every("fval", "fval", qs=(0.75,), aqs=(0.9,))
    Q.append(Query("no-keys", ["--time", "ts", "-a", a_flag(items, {"n": "count()"})], items))
    # No keys and nothing passes --where: one row, count 0, the others null.
    items = [("n", "count", A.count(), "count(*)")] + every("value", "value", qs=(0.5,), aqs=(0.5,)) \
        + [("s", "sum", A.sum("n"), "sum(n)"), ("d", "count_distinct", A.count_distinct("device"), "count(DISTINCT device)")]
    Q.append(Query("no-keys-empty", ["--time", "ts", "--where", "seq < 0", "-a",
                                     a_flag(items, {"n": "count()", "s": "sum(n)", "d": "count_distinct(device)"})],
                   items, where=lambda r: r["_seq"] < 0, sql_where="seq < 0"))
    # Keys with records, but none passes --where: no rows.
    Q.append(Query("keys-empty", ["-g", "device", "--where", "value > 1e9", "-a", "n = count(), s = sum(value)"],
                   [("n", "count", A.count(), "count(*)"), ("s", "sum", A.sum("value"), "sum(value)")],
                   keys=[("device", field("device"))], sql_keys=["device"],
                   where=lambda r: cmp(">", py(r.get("value")), 1e9), sql_where="value > 1e9"))
    # Computed keys (month of the time, a substring, a bool), --where with null logic.
    items = [("n", "count", A.count(), "count(*)"), ("s", "sum", A.sum("value"), "sum(value)"),
             ("hi", "max", A.max("value"), "max(value)"), ("lo_n", "min", A.min("n"), "min(n)")]
    Q.append(Query("computed-keys",
                   ["-g", "site, m = month(ts), dev = substr(device, 1, 3), big = value > 100",
                    "--where", 'status == "ok" or status is null', "-a", "n = count(), s = sum(value), hi = max(value), lo_n = min(n)"],
                   items,
                   keys=[("site", field("site")), ("m", lambda r: month_utc(r)),
                         ("dev", lambda r: substr(r.get("device"), 1, 3)),
                         ("big", lambda r: cmp(">", py(r.get("value")), 100))],
                   sql_keys=["site", "month(t)", "substr(device, 1, 3)", "value > 100"],
                   where=lambda r: or3(cmp("==", r.get("status"), "ok"), r.get("status") is None),
                   sql_where="status = 'ok' OR status IS NULL"))
    # A day as written (a string key) and month/day/hour in Europe/Berlin (--tz).
    items = [("n", "count", A.count(), "count(*)"), ("s", "sum", A.sum("fval"), "sum(fval)"),
             ("f", "first", A.first("seq"), "arg_min(seq, struct_pack(a := t, b := seq))")]
    berlin = lambda r: local(r["_t"], "Europe/Berlin")
    Q.append(Query("tz-calendar-keys",
                   ["-g", "m = month(ts), d = day(ts), h = hour(ts)", "--tz", "Europe/Berlin", "--time", "ts",
                    "--where", 'site == "north"', "-a", "n = count(), s = sum(fval), f = first(seq)"],
                   items,
                   keys=[("m", lambda r: berlin(r).month), ("d", lambda r: berlin(r).day), ("h", lambda r: berlin(r).hour)],
                   sql_keys=["month(timezone('Europe/Berlin', t))", "day(timezone('Europe/Berlin', t))",
                             "hour(timezone('Europe/Berlin', t))"],
                   where=lambda r: r["site"] == "north", sql_where="site = 'north'"))
    # Null keys in two places: status and device.
    items = [("n", "count", A.count(), "count(*)"), ("cd", "count", A.count("device"), "count(device)"),
             ("cv", "count", A.count("value"), "count(value)")]
    Q.append(Query("null-keys", ["-g", "status, device", "-a", "n = count(), cd = count(device), cv = count(value)"],
                   items, keys=[("status", field("status")), ("device", field("device"))],
                   sql_keys=["status", "device"]))
    # A key of ints and floats: 12 and 12.0 are one group, printed 12.0.
    items = [("n", "count", A.count(), "count(*)"), ("first_seq", "int", lambda g: E(min(r["_seq"] for r in g.rows)), "min(seq)")]
    Q.append(Query("number-key", ["-g", "value", "-a", "n = count(), first_seq = min(seq)"],
                   items, keys=[("value", field("value"))], sql_keys=["value"]))
    # Strings and timestamps: min/max bytewise and by time; distinct strings.
    items = [("min(device)", "min", A.min("device"), "min(device)"),
             ("max(device)", "max", A.max("device"), "max(device)"),
             ("min(status)", "min", A.min("status"), "min(status)"),
             ("max(status)", "max", A.max("status"), "max(status)"),
             ("first(device)", "first", A.first("device"),
              "arg_min(device, struct_pack(a := t, b := seq)) FILTER (WHERE device IS NOT NULL)"),
             ("last(status)", "last", A.last("status"),
              "arg_max(status, struct_pack(a := t, b := seq)) FILTER (WHERE status IS NOT NULL)"),
             ("count_distinct(device)", "count_distinct", A.count_distinct("device"), "count(DISTINCT device)"),
             ("approx_distinct(device)", "approx_distinct", A.approx_distinct("device"), "count(DISTINCT device)"),
             ("count_distinct(status)", "count_distinct", A.count_distinct("status"), "count(DISTINCT status)"),
             ("tmin", "min", lambda g: E(TS(min(r["_t"] for r in g.rows))), "min(t)"),
             ("tmax", "max", lambda g: E(TS(max(r["_t"] for r in g.rows))), "max(t)"),
             ("smin", "min", lambda g: E(min(r["ts"] for r in g.rows)), "min(ts)")]
    Q.append(Query("strings-and-times",
                   ["-g", "site", "--time", "ts", "-a",
                    "min(device), max(device), min(status), max(status), first(device), last(status), "
                    "count_distinct(device), approx_distinct(device), count_distinct(status), "
                    "tmin = min(parse_time(ts)), tmax = max(parse_time(ts)), smin = min(ts)"],
                   items, keys=[("site", field("site"))], sql_keys=["site"]))
    # Expressions over aggregates, and --having over outputs, keys and aggregate calls.
    def spread(g):
        return sub(g.max("value"), g.min("value"))
    items = [("n", "count", A.count(), "count(*)"),
             ("spread", "expr", A.expr(spread), "max(value) - min(value)"),
             ("used", "expr", A.expr(lambda g: sub(g.last("value"), g.first("value"))),
              "arg_max(value, struct_pack(a := t, b := seq)) FILTER (WHERE value IS NOT NULL) - "
              "arg_min(value, struct_pack(a := t, b := seq)) FILTER (WHERE value IS NOT NULL)"),
             ("avg_bill", "expr", A.expr(lambda g: div(bin_sum(g, lambda r: mul(py(r.get("value")), 2.5)), g.count())),
              "sum(value * 2.5) / count(*)"),
             ("mix", "int", A.expr(lambda g: add(g.sum("n"), g.count("value"))), "sum(n) + count(value)"),
             ("cv", "expr", A.expr(lambda g: div(g.sum("value"), g.count("value"))), "sum(value) / count(value)")]
    Q.append(Query("having-and-exprs",
                   ["-g", "device", "--time", "ts", "-a",
                    "n = count(), spread = max(value) - min(value), used = last(value) - first(value), "
                    "avg_bill = sum(value * 2.5) / count(), mix = sum(n) + count(value), cv = sum(value) / count(value)",
                    "--having", 'n >= 220 and spread > 900000 and count_distinct(site) == 5 and device != "gas-7"'],
                   items, keys=[("device", field("device"))], sql_keys=["device"],
                   having=lambda g, o: and3(cmp(">=", o["n"], 220), cmp(">", o["spread"], 900000),
                                            g.count_distinct("site") == 5, cmp("!=", g.rows[0].get("device"), "gas-7")),
                   sql_having="count(*) >= 220 AND max(value) - min(value) > 900000 AND count(DISTINCT site) = 5 "
                              "AND device <> 'gas-7'"))
    # Sums of computed values: decimals where every value reads as one, else doubles.
    times1 = lambda r: mul(py(r.get("value")), 1)
    neg = lambda r: None if r.get("value") is None else -py(r.get("value"))
    items = [("s1", "sum", A.expr(lambda g: bin_sum(g, times1)), "sum(value * 1)"),
             ("s2", "sum", A.expr(lambda g: bin_sum(g, neg)), "sum(-value)"),
             ("m1", "mean", A.expr(lambda g: bin_mean(g, times1)), "avg(value * 1)")]
    Q.append(Query("computed-arg-sums", ["-g", "site", "-a", "s1 = sum(value * 1), s2 = sum(-value), m1 = mean(value * 1)"],
                   items, keys=[("site", field("site"))], sql_keys=["site"]))
    # The event time from a chunk file made by bk-ingest --time ts (no --time flag).
    items = [("first(value)", "first", A.first("value"),
              "arg_min(value, struct_pack(a := t, b := seq)) FILTER (WHERE value IS NOT NULL)"),
             ("last(value)", "last", A.last("value"),
              "arg_max(value, struct_pack(a := t, b := seq)) FILTER (WHERE value IS NOT NULL)"),
             ("first(seq)", "first", A.first("seq"), "arg_min(seq, struct_pack(a := t, b := seq))"),
             ("last(seq)", "last", A.last("seq"), "arg_max(seq, struct_pack(a := t, b := seq))"),
             ("min(ts)", "min", lambda g: E(TS(min(r["_t"] for r in g.rows))), "min(t)"),
             ("max(ts)", "max", lambda g: E(TS(max(r["_t"] for r in g.rows))), "max(t)"),
             ("sum(value)", "sum", A.sum("value"), "sum(value)")]
    Q.append(Query("chunk-event-time", ["-g", "device", "-a", a_flag(items)], items,
                   keys=[("device", field("device"))], sql_keys=["device"], chunk=True))
    # Windows: fixed ones (UTC, aligned to the epoch) by site, calendar ones in three zones.
    items = [("n", "count", A.count(), "count(*)"), ("s", "sum", A.sum("value"), "sum(value)"),
             ("first(seq)", "first", A.first("seq"), "arg_min(seq, struct_pack(a := t, b := seq))"),
             ("last(seq)", "last", A.last("seq"), "arg_max(seq, struct_pack(a := t, b := seq))")]
    for size in ("15m", "1h", "1d"):
        Q.append(Query(f"window-{size}", ["-g", "site", "--window", size, "--time", "ts", "-a",
                                          "n = count(), s = sum(value), first(seq), last(seq)"],
                       items, keys=[("site", field("site"))], sql_keys=["site"], window=(size, "UTC")))
    items = [("n", "count", A.count(), "count(*)"), ("s", "sum", A.sum("value"), "sum(value)"),
             ("m", "mean", A.mean("n"), "avg(n)"),
             ("last(seq)", "last", A.last("seq"), "arg_max(seq, struct_pack(a := t, b := seq))")]
    for tz in ("UTC", "Europe/Berlin", "America/New_York"):
        for size in ("day", "week", "month", "quarter", "year"):
            args = ["--window", size, "--time", "ts", "-a", "n = count(), s = sum(value), m = mean(n), last(seq)"]
            if tz != "UTC":
                args += ["--tz", tz]
            Q.append(Query(f"window-{size}-{tz.replace('/', '-')}", args, items, window=(size, tz)))
    return Q


def read_as_decimal(x):
    """The decimal with at most 9 digits after the point (the fewest) whose double is x,
    as a Fraction; None when there is none. man bk-aggregate, EXACTNESS: a value counts
    as a short decimal when it is the double that such a decimal reads as, whatever made
    it (text, a chunk file, an expression)."""
    if isinstance(x, int):
        return Fraction(x)
    if not math.isfinite(x):
        return None
    fx = Fraction(x)
    for d in range(10):
        m = round(fx * 10 ** d)
        if float(Fraction(m, 10 ** d)) == x:
            return Fraction(m, 10 ** d)
    return None


def computed_sum(g, f):
    """(exact sum, n) of computed values: the decimals they read as when every value
    reads as one, else their doubles."""
    vals = [v for v in (f(r) for r in g.rows) if v is not None]
    decs = [read_as_decimal(v) for v in vals]
    if all(d is not None for d in decs):
        return sum(decs, Fraction(0)), len(vals)
    return sum((Fraction(v) for v in vals), Fraction(0)), len(vals)


def bin_sum(g, f):
    total, n = computed_sum(g, f)
    return float(total) if n else None


def bin_mean(g, f):
    total, n = computed_sum(g, f)
    return float(total / n) if n else None


# ---- running and comparing ------------------------------------------------------------------


def run_bk(bin_dir, args, env_extra, threads):
    env = dict(os.environ, LC_ALL="C", TZ="UTC", **env_extra)
    cmd = [os.path.join(bin_dir, "bk-aggregate")] + args + ["-j", str(threads)]
    p = subprocess.run(cmd, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr


def parse_ndjson(data):
    rows = []
    for line in data.decode("utf-8").splitlines():
        rows.append(list(json.loads(line, object_pairs_hook=lambda kv: kv)))
    return rows


def compare_rows(chk, name, columns, want_rows, got_rows, ok_cell, limit=int(os.environ.get("BK_AGG_SHOW", "12"))):
    """want_rows: [[x, ...]]; got_rows: [[(name, value), ...]]; ok_cell(col, want, got)."""
    bad = 0
    if not chk.check(len(want_rows) == len(got_rows),
                     f"{name}: {len(got_rows)} rows, expected {len(want_rows)}"):
        bad += 1
    for i, (w, g) in enumerate(zip(want_rows, got_rows)):
        names = [k for k, _ in g]
        if not chk.check(names == columns, f"{name}: row {i}: columns {names}, expected {columns}"):
            bad += 1
            continue
        for col, want, (_, got) in zip(columns, w, g):
            if not chk.check(ok_cell(col, want, got), f"{name}: row {i} ({g[0][0]}={g[0][1]!r}): "
                             f"{col} = {got!r}, expected {want!r}"):
                bad += 1
        if bad >= limit:
            chk.failures.append(f"{name}: (more differences not shown)")
            break
    return bad == 0


def main_check(bin_dir, data_dir, names):
    import duckdb_compare
    recs = load(os.path.join(data_dir, "readings.ndjson"))
    chk = Checker()
    ran = 0
    xfails = []
    for q in queries():
        if names and not any(n in q.name for n in names):
            continue
        ran += 1
        before = len(chk.failures)
        args = q.bk_args(data_dir)
        rc1, out1, err1 = run_bk(bin_dir, args, {}, 1)
        if not chk.check(rc1 == 0, f"{q.name}: exit {rc1}: {err1.decode(errors='replace').strip()}"):
            continue
        rc4, out4, _ = run_bk(bin_dir, args, {}, 4)
        chk.check(rc4 == 0 and out4 == out1, f"{q.name}: -j4 prints other bytes than -j1")
        rct, outt, _ = run_bk(bin_dir, args, {"BK_BLOCK_BYTES": "64"}, 4)
        chk.check(rct == 0 and outt == out1, f"{q.name}: BK_BLOCK_BYTES=64 -j4 prints other bytes than -j1")
        got = parse_ndjson(out1)
        want = q.expected(recs)
        compare_rows(chk, q.name, q.columns(), want, got, lambda col, c, v: cell_ok(c, v))
        # DuckDB's answer, as recorded in duckdb/<name>.ndjson.
        if q.duck:
            duckdb_compare.compare_recorded(chk, q, got)
        if q.xfail:
            mine = chk.failures[before:]
            del chk.failures[before:]
            if mine:
                xfails.append(f"xfail {q.name}: {q.xfail} ({len(mine)} differences, e.g. {mine[0]})")
            else:
                chk.failures.append(f"XPASS {q.name}: passes now; remove its xfail ({q.xfail})")
    for x in xfails:
        print(x)
    for f in chk.failures:
        print("FAIL", f)
    print(f"expected.py: {ran} queries, {chk.checks} checks, {len(chk.failures)} failed"
          + (f", {len(xfails)} expected failures (known bugs, above)" if xfails else ""))
    return 1 if chk.failures or ran == 0 else 0


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    if len(sys.argv) >= 2 and sys.argv[1] == "list":
        for q in queries():
            print(q.name)
        sys.exit(0)
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        sys.exit(main_check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
