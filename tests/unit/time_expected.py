#!/usr/bin/env python3
"""Expected values for tests/unit/time_test.cpp, computed independently of batchkit.

Python's zoneinfo reads the same system tzdata (/usr/share/zoneinfo) with its own TZif
reader and rule code. Run `python3 tests/unit/time_expected.py` and paste its output
into the kZoneCases table of time_test.cpp.

Definitions used here (the ones bk/time.hpp documents):
- local -> UTC: datetime(..., fold=0), i.e. a gap uses the offset before it, an overlap
  the earlier instant;
- trunc/next for day..year: the first instant (to the second) whose local date label is
  >= / > the label of t, found by bisection over instants;
- trunc/next for hour/minute: the latest / earliest "boundary" <= t / > t, where a
  boundary is an instant whose wall clock is a whole unit, or a transition that changes
  the unit's label; found by brute force over every second around t.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

E = datetime(1970, 1, 1, tzinfo=timezone.utc)


def instant(s):  # ISO with offset -> epoch seconds
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def local(z, t):
    return (E + timedelta(seconds=t)).astimezone(z)


def off(z, t):
    return int(local(z, t).utcoffset().total_seconds())


def iso(z, t):
    d = local(z, t)
    o = off(z, t)
    if o % 60:
        return (E + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.isoformat()


def label(z, t, unit):
    d = local(z, t).replace(tzinfo=None)
    if unit == "week":
        w = d.date() - timedelta(days=d.weekday())
        return (w.year, w.month, w.day)
    return {
        "minute": (d.year, d.month, d.day, d.hour, d.minute),
        "hour": (d.year, d.month, d.day, d.hour),
        "day": (d.year, d.month, d.day),
        "month": (d.year, d.month),
        "quarter": (d.year, (d.month - 1) // 3),
        "year": (d.year,),
    }[unit]


SPAN = {"day": 3 * 86400, "week": 9 * 86400, "month": 33 * 86400, "quarter": 95 * 86400, "year": 370 * 86400}
WIDTH = {"minute": 60, "hour": 3600}


def bisect(lo, hi, pred):  # first instant in (lo, hi] with pred true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


def boundary(z, u, unit):
    if (u + off(z, u)) % WIDTH[unit] == 0:
        return True
    return off(z, u - 1) != off(z, u) and label(z, u - 1, unit) != label(z, u, unit)


def trunc(z, t, unit):
    if unit in WIDTH:
        u = t
        while not boundary(z, u, unit):
            u -= 1
        return u
    lab = label(z, t, unit)
    return bisect(t - SPAN[unit], t, lambda u: label(z, u, unit) >= lab)


def next_(z, t, unit):
    if unit in WIDTH:
        u = t + 1
        while not boundary(z, u, unit):
            u += 1
        return u
    lab = label(z, t, unit)
    return bisect(t, t + SPAN[unit], lambda u: label(z, u, unit) > lab)


# (zone, operation, input): instants are ISO with an offset, local times without.
CASES = [
    # Europe/Berlin: LMT, the 1945 double summer time, 2026 both ways, the rule after 2100.
    ("Europe/Berlin", "offset", "1893-03-31T23:00:00Z"),
    ("Europe/Berlin", "offset", "1945-06-01T12:00:00Z"),
    ("Europe/Berlin", "offset", "1969-07-01T12:00:00Z"),
    ("Europe/Berlin", "offset", "2026-01-15T12:00:00Z"),
    ("Europe/Berlin", "offset", "2026-03-29T00:59:59Z"),
    ("Europe/Berlin", "offset", "2026-03-29T01:00:00Z"),
    ("Europe/Berlin", "offset", "2026-10-25T00:59:59Z"),
    ("Europe/Berlin", "offset", "2026-10-25T01:00:00Z"),
    ("Europe/Berlin", "offset", "2040-07-01T12:00:00Z"),
    ("Europe/Berlin", "offset", "2200-03-30T00:59:59Z"),
    ("Europe/Berlin", "offset", "2200-03-30T01:00:00Z"),
    ("Europe/Berlin", "offset", "2200-10-26T01:00:00Z"),
    ("Europe/Berlin", "abbr", "1893-03-31T23:00:00Z"),
    ("Europe/Berlin", "abbr", "1945-06-01T12:00:00Z"),
    ("Europe/Berlin", "abbr", "2026-01-15T12:00:00Z"),
    ("Europe/Berlin", "abbr", "2200-07-01T12:00:00Z"),
    ("Europe/Berlin", "local", "2026-03-29T01:59:59"),
    ("Europe/Berlin", "local", "2026-03-29T02:00:00"),
    ("Europe/Berlin", "local", "2026-03-29T02:30:00"),
    ("Europe/Berlin", "local", "2026-03-29T03:00:00"),
    ("Europe/Berlin", "local", "2026-10-25T01:59:59"),
    ("Europe/Berlin", "local", "2026-10-25T02:00:00"),
    ("Europe/Berlin", "local", "2026-10-25T02:30:00"),
    ("Europe/Berlin", "local", "2026-10-25T03:00:00"),
    ("Europe/Berlin", "local", "1945-05-24T02:30:00"),
    ("Europe/Berlin", "local", "2200-03-30T02:30:00"),
    ("Europe/Berlin", "local", "2200-10-26T02:30:00"),
    ("Europe/Berlin", "trunc-day", "2026-03-29T12:00:00Z"),
    ("Europe/Berlin", "next-day", "2026-03-29T12:00:00Z"),
    ("Europe/Berlin", "trunc-day", "2026-10-25T12:00:00Z"),
    ("Europe/Berlin", "next-day", "2026-10-25T12:00:00Z"),
    ("Europe/Berlin", "trunc-day", "2026-03-28T23:30:00Z"),
    ("Europe/Berlin", "trunc-week", "2026-03-29T12:00:00Z"),
    ("Europe/Berlin", "next-week", "2026-03-29T12:00:00Z"),
    ("Europe/Berlin", "trunc-week", "2026-10-28T12:00:00Z"),
    ("Europe/Berlin", "trunc-month", "2026-04-15T12:00:00Z"),
    ("Europe/Berlin", "next-month", "2026-03-15T12:00:00Z"),
    ("Europe/Berlin", "trunc-month", "2026-03-31T22:30:00Z"),
    ("Europe/Berlin", "trunc-quarter", "2026-05-10T00:00:00Z"),
    ("Europe/Berlin", "next-quarter", "2026-09-30T21:59:59Z"),
    ("Europe/Berlin", "trunc-year", "2026-07-01T00:00:00Z"),
    ("Europe/Berlin", "next-year", "2026-12-31T22:59:59Z"),
    ("Europe/Berlin", "trunc-year", "2026-12-31T23:00:00Z"),
    ("Europe/Berlin", "trunc-hour", "2026-03-29T01:30:00Z"),
    ("Europe/Berlin", "next-hour", "2026-03-29T00:30:00Z"),
    ("Europe/Berlin", "trunc-hour", "2026-10-25T00:30:00Z"),
    ("Europe/Berlin", "next-hour", "2026-10-25T00:30:00Z"),
    ("Europe/Berlin", "trunc-hour", "2026-10-25T01:30:00Z"),
    ("Europe/Berlin", "next-hour", "2026-10-25T01:30:00Z"),
    ("Europe/Berlin", "trunc-minute", "1893-04-01T00:00:00Z"),
    ("Europe/Berlin", "trunc-day", "1893-04-01T12:00:00Z"),
    ("Europe/Berlin", "trunc-day", "2200-03-30T12:00:00Z"),
    ("Europe/Berlin", "next-day", "2200-03-30T12:00:00Z"),
    # America/New_York: LMT until 1883, 1960s, 2026, after 2038.
    ("America/New_York", "offset", "1883-11-18T16:59:59Z"),
    ("America/New_York", "offset", "1883-11-18T17:00:00Z"),
    ("America/New_York", "offset", "1960-07-01T12:00:00Z"),
    ("America/New_York", "offset", "2026-03-08T06:59:59Z"),
    ("America/New_York", "offset", "2026-03-08T07:00:00Z"),
    ("America/New_York", "offset", "2026-11-01T05:59:59Z"),
    ("America/New_York", "offset", "2026-11-01T06:00:00Z"),
    ("America/New_York", "offset", "2050-07-01T12:00:00Z"),
    ("America/New_York", "offset", "2150-12-01T12:00:00Z"),
    ("America/New_York", "abbr", "2050-07-01T12:00:00Z"),
    ("America/New_York", "abbr", "1883-01-01T00:00:00Z"),
    ("America/New_York", "local", "2026-03-08T02:30:00"),
    ("America/New_York", "local", "2026-11-01T01:30:00"),
    ("America/New_York", "local", "2026-11-01T02:00:00"),
    ("America/New_York", "local", "1960-04-24T02:30:00"),
    ("America/New_York", "local", "2050-03-13T02:30:00"),
    ("America/New_York", "trunc-day", "2026-03-08T12:00:00Z"),
    ("America/New_York", "next-day", "2026-03-08T04:00:00Z"),
    ("America/New_York", "trunc-day", "2026-11-01T05:30:00Z"),
    ("America/New_York", "next-day", "2026-11-01T05:30:00Z"),
    ("America/New_York", "trunc-week", "2026-11-03T12:00:00Z"),
    ("America/New_York", "trunc-month", "2026-11-20T12:00:00Z"),
    ("America/New_York", "next-month", "2026-10-20T12:00:00Z"),
    ("America/New_York", "trunc-quarter", "2026-04-01T03:59:59Z"),
    ("America/New_York", "trunc-quarter", "2026-04-01T04:00:00Z"),
    ("America/New_York", "trunc-year", "1969-06-01T00:00:00Z"),
    ("America/New_York", "trunc-hour", "2026-11-01T05:30:00Z"),
    ("America/New_York", "trunc-hour", "2026-11-01T06:30:00Z"),
    ("America/New_York", "trunc-minute", "1883-11-18T16:59:30Z"),
    ("America/New_York", "next-minute", "1883-11-18T16:59:30Z"),
    # Australia/Lord_Howe: 30-minute daylight saving time.
    ("Australia/Lord_Howe", "offset", "2026-01-15T00:00:00Z"),
    ("Australia/Lord_Howe", "offset", "2026-07-15T00:00:00Z"),
    ("Australia/Lord_Howe", "abbr", "2026-07-15T00:00:00Z"),
    ("Australia/Lord_Howe", "local", "2026-10-04T02:00:00"),
    ("Australia/Lord_Howe", "local", "2026-10-04T02:15:00"),
    ("Australia/Lord_Howe", "local", "2026-10-04T02:30:00"),
    ("Australia/Lord_Howe", "local", "2026-04-05T01:29:59"),
    ("Australia/Lord_Howe", "local", "2026-04-05T01:45:00"),
    ("Australia/Lord_Howe", "local", "2026-04-05T02:00:00"),
    ("Australia/Lord_Howe", "trunc-hour", "2026-10-03T15:45:00Z"),
    ("Australia/Lord_Howe", "next-hour", "2026-10-03T15:15:00Z"),
    ("Australia/Lord_Howe", "trunc-hour", "2026-04-04T15:15:00Z"),
    ("Australia/Lord_Howe", "next-hour", "2026-04-04T14:45:00Z"),
    ("Australia/Lord_Howe", "trunc-day", "2026-10-04T12:00:00Z"),
    ("Australia/Lord_Howe", "next-day", "2026-10-03T12:00:00Z"),
    ("Australia/Lord_Howe", "trunc-month", "2026-04-20T00:00:00Z"),
    ("Australia/Lord_Howe", "offset", "2150-01-01T00:00:00Z"),
    # Asia/Kolkata: +05:30, and the +06:30 of the Second World War.
    ("Asia/Kolkata", "offset", "1943-01-01T00:00:00Z"),
    ("Asia/Kolkata", "offset", "2026-06-01T00:00:00Z"),
    ("Asia/Kolkata", "abbr", "2026-06-01T00:00:00Z"),
    ("Asia/Kolkata", "trunc-hour", "2026-06-01T00:10:00Z"),
    ("Asia/Kolkata", "next-hour", "2026-06-01T00:10:00Z"),
    ("Asia/Kolkata", "trunc-day", "2026-06-01T20:00:00Z"),
    ("Asia/Kolkata", "trunc-month", "2026-05-31T18:29:59Z"),
    ("Asia/Kolkata", "trunc-month", "2026-05-31T18:30:00Z"),
    ("Asia/Kolkata", "local", "2026-06-01T00:00:00"),
    # Pacific/Apia: skipped 2011-12-30; daylight saving time until 2021.
    ("Pacific/Apia", "offset", "2011-12-30T09:59:59Z"),
    ("Pacific/Apia", "offset", "2011-12-30T10:00:00Z"),
    ("Pacific/Apia", "offset", "2026-01-01T00:00:00Z"),
    ("Pacific/Apia", "abbr", "2011-12-30T09:59:59Z"),
    ("Pacific/Apia", "abbr", "2011-12-30T10:00:00Z"),
    ("Pacific/Apia", "local", "2011-12-29T23:59:59"),
    ("Pacific/Apia", "local", "2011-12-30T12:00:00"),
    ("Pacific/Apia", "local", "2011-12-31T00:00:00"),
    ("Pacific/Apia", "trunc-day", "2011-12-30T09:00:00Z"),
    ("Pacific/Apia", "next-day", "2011-12-30T09:00:00Z"),
    ("Pacific/Apia", "trunc-day", "2011-12-30T11:00:00Z"),
    ("Pacific/Apia", "trunc-week", "2011-12-31T12:00:00Z"),
    ("Pacific/Apia", "trunc-month", "2011-12-31T12:00:00Z"),
    ("Pacific/Apia", "next-year", "2011-12-30T09:00:00Z"),
    # America/Sao_Paulo: DST started at midnight; abolished in 2019.
    ("America/Sao_Paulo", "offset", "2018-11-04T02:59:59Z"),
    ("America/Sao_Paulo", "offset", "2018-11-04T03:00:00Z"),
    ("America/Sao_Paulo", "offset", "2019-02-17T01:59:59Z"),
    ("America/Sao_Paulo", "offset", "2019-02-17T02:00:00Z"),
    ("America/Sao_Paulo", "offset", "2019-12-01T12:00:00Z"),
    ("America/Sao_Paulo", "offset", "2040-01-01T12:00:00Z"),
    ("America/Sao_Paulo", "abbr", "2040-01-01T12:00:00Z"),
    ("America/Sao_Paulo", "local", "2018-11-04T00:30:00"),
    ("America/Sao_Paulo", "local", "2019-02-16T23:30:00"),
    ("America/Sao_Paulo", "trunc-day", "2018-11-04T12:00:00Z"),
    ("America/Sao_Paulo", "next-day", "2018-11-03T12:00:00Z"),
    ("America/Sao_Paulo", "trunc-day", "2019-02-17T02:30:00Z"),
    ("America/Sao_Paulo", "next-day", "2019-02-17T01:30:00Z"),
    ("America/Sao_Paulo", "trunc-month", "2018-11-20T12:00:00Z"),
    ("America/Sao_Paulo", "trunc-hour", "2019-02-17T02:30:00Z"),
    ("America/Sao_Paulo", "trunc-hour", "2018-11-04T03:30:00Z"),
]


def main():
    print("    // Generated by tests/unit/time_expected.py (Python zoneinfo, tzdata %s)." % tzdata_version())
    for zone, op, arg in CASES:
        z = ZoneInfo(zone)
        if op == "offset":
            exp = str(off(z, instant(arg)))
        elif op == "abbr":
            exp = local(z, instant(arg)).tzname()
        elif op == "local":
            d = datetime.fromisoformat(arg).replace(tzinfo=z, fold=0)
            exp = iso(z, int(d.timestamp()))
        else:
            kind, unit = op.split("-")
            t = instant(arg)
            exp = iso(z, trunc(z, t, unit) if kind == "trunc" else next_(z, t, unit))
        print('    {"%s", "%s", "%s", "%s"},' % (zone, op, arg, exp))


def tzdata_version():
    try:
        with open("/usr/share/zoneinfo/tzdata.zi") as f:
            return f.readline().split()[-1]
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
