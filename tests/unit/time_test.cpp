// libcore/src/time.cpp: time units, zones (UTC, offsets, TZif), civil time, truncation,
// timestamp parsing and formatting, durations.
#include "bk/time.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bk/error.hpp"
#include "bk/text.hpp"
#include "helpers.hpp"

using namespace bk;
using namespace bk::test;

namespace {

constexpr int64_t kSec = 1000000;

std::string zoneinfo_dir() {
  const char* d = std::getenv("TZDIR");
  return d && *d ? d : "/usr/share/zoneinfo";
}

// A zone the tests need from the system's tzdata; fails clearly when it is missing.
std::shared_ptr<const TimeZone> zone(const std::string& name) {
  std::string path = zoneinfo_dir() + "/" + name;
  REQUIRE_MESSAGE(std::filesystem::exists(path),
                  "time zone data missing: " << path << " (install the tzdata package; packaging/install-deps.sh)");
  return TimeZone::load(name);
}

// An instant written with an explicit offset ("2026-03-01T12:00:00Z", "...+01:00").
int64_t at(std::string_view iso) {
  int64_t t = 0;
  REQUIRE_MESSAGE(parse_timestamp(iso, TimeZone::utc(), t), "cannot parse " << iso);
  return t;
}

// A wall-clock value: "2026-03-29T02:30:00" as micros since the local epoch.
int64_t wall(std::string_view iso) { return at(std::string(iso) + "Z"); }

std::string fmt(int64_t t, std::string_view f, const TimeZone& tz = TimeZone::utc()) {
  std::string out;
  REQUIRE_MESSAGE(format_time(t, f, tz, out), "bad format " << f);
  return out;
}

// An instant as "2026-03-29T00:00:00+01:00" in tz (UTC "Z" when the offset has seconds).
std::string show(int64_t t, const TimeZone& tz) {
  if (tz.offset_at(t) % 60) return fmt(t, "%FT%TZ");
  return fmt(t, "%FT%T%Ez", tz);
}

// TZif bytes: an empty version 1 block (as zic -b slim writes), then the version 2+
// block with 64-bit times and the footer. version '\0' writes a version 1 file instead.
struct TzifType {
  int32_t offset;
  bool dst;
  std::string abbr;
};
std::string tzif(char version, const std::vector<std::pair<int64_t, uint8_t>>& transitions,
                 const std::vector<TzifType>& types, const std::string& footer, int32_t leap = 0) {
  auto be = [](std::string& s, uint64_t v, int bytes) {
    for (int k = bytes - 1; k >= 0; --k) s += char((v >> (8 * k)) & 0xff);
  };
  std::string chars;
  std::vector<uint8_t> abbr_index;
  for (const auto& t : types) {
    abbr_index.push_back(static_cast<uint8_t>(chars.size()));
    chars += t.abbr;
    chars += '\0';
  }
  auto block = [&](int time_size) {
    std::string s = "TZif";
    s += version;
    s.append(15, '\0');
    for (int64_t c : {int64_t(0), int64_t(0), int64_t(leap), int64_t(transitions.size()), int64_t(types.size()),
                      int64_t(chars.size())})
      be(s, uint64_t(c), 4);
    for (const auto& [t, i] : transitions) be(s, uint64_t(t), time_size);
    for (const auto& [t, i] : transitions) s += char(i);
    for (size_t k = 0; k < types.size(); ++k) {
      be(s, uint32_t(types[k].offset), 4);
      s += char(types[k].dst);
      s += char(abbr_index[k]);
    }
    s += chars;
    for (int32_t k = 0; k < leap; ++k) be(s, 0, time_size), be(s, 0, 4);
    return s;
  };
  if (version == '\0') return block(4);
  std::string v1 = "TZif";
  v1 += version;
  v1.append(15, '\0');
  for (int c : {0, 0, 0, 0, 1, 1}) be(v1, uint32_t(c), 4);
  v1.append(6, '\0');  // one type: UT+0
  v1 += '\0';          // its abbreviation, ""
  return v1 + block(8) + "\n" + footer + "\n";
}

// A zone with no transitions and only a footer rule.
std::shared_ptr<const TimeZone> rule_zone(const std::string& rule) {
  return TimeZone::from_tzif(rule, tzif('2', {}, {{0, false, "X"}}, rule));
}

}  // namespace

TEST_CASE("time: units") {
  TimeUnit u;
  struct Case {
    std::string text;
    TimeUnit want;
  };
  const Case cases[] = {
      {"microsecond", TimeUnit::Microsecond},
      {"us", TimeUnit::Microsecond},
      {"ms", TimeUnit::Millisecond},
      {"milliseconds", TimeUnit::Millisecond},
      {"second", TimeUnit::Second},
      {"sec", TimeUnit::Second},
      {"s", TimeUnit::Second},
      {"minute", TimeUnit::Minute},
      {"min", TimeUnit::Minute},
      {"minutes", TimeUnit::Minute},
      {"hour", TimeUnit::Hour},
      {"h", TimeUnit::Hour},
      {"day", TimeUnit::Day},
      {"days", TimeUnit::Day},
      {"d", TimeUnit::Day},
      {"week", TimeUnit::Week},
      {"w", TimeUnit::Week},
      {"month", TimeUnit::Month},
      {"months", TimeUnit::Month},
      {"quarter", TimeUnit::Quarter},
      {"year", TimeUnit::Year},
      {"years", TimeUnit::Year},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    REQUIRE(parse_time_unit(c.text, u));
    CHECK(u == c.want);
  }
  for (std::string_view bad : {"", "m", "Day", "mon", "decade", "hour ", "y", "q"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time_unit(bad, u));
  }
  CHECK(time_unit_name(TimeUnit::Quarter) == "quarter");
  CHECK(time_unit_name(TimeUnit::Microsecond) == "microsecond");
}

TEST_CASE("time zone: UTC and fixed offsets") {
  const TimeZone& utc = TimeZone::utc();
  CHECK(utc.name() == "UTC");
  CHECK(utc.is_fixed());
  CHECK(utc.offset_at(0) == 0);
  CHECK(utc.offset_at(std::numeric_limits<int64_t>::min()) == 0);
  CHECK(utc.abbreviation_at(0) == "UTC");
  CHECK(TimeZone::load("UTC").get() == &utc);
  CHECK(TimeZone::load("Z").get() == &utc);
  CHECK(TimeZone::load("utc").get() == &utc);

  auto plus2 = TimeZone::load("+02:00");
  CHECK(plus2->name() == "+02:00");
  CHECK(plus2->is_fixed());
  CHECK(plus2->offset_at(0) == 7200);
  CHECK(plus2->abbreviation_at(0) == "+02:00");
  CHECK(plus2->utc_to_local(0) == 7200 * kSec);
  CHECK(plus2->local_to_utc(7200 * kSec) == 0);
  CHECK(TimeZone::load("+02:00").get() == plus2.get());  // cached

  auto minus530 = TimeZone::load("-0530");
  CHECK(minus530->name() == "-05:30");
  CHECK(minus530->offset_at(1772366400000000) == -19800);
  CHECK(TimeZone::load("+05")->offset_at(0) == 18000);
  CHECK(TimeZone::load("+23:59")->offset_at(0) == 86340);
  CHECK(TimeZone::fixed(-3600)->name() == "-01:00");
  CHECK(TimeZone::fixed(3661)->name() == "+01:01:01");
  CHECK(TimeZone::fixed(0).get() == &utc);

  for (std::string_view bad : {"+24:00", "+2", "+02:60", "+02:", "+020", "+02:000", "02:00", "+", "--01:00"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(TimeZone::load(bad), Error);
  }

  // to_civil in a fixed offset: 2026-03-01T20:00Z is 01:30 on March 2nd in +05:30.
  auto plus530 = TimeZone::load("+05:30");
  CivilTime c = to_civil(at("2026-03-01T20:00:00.25Z"), *plus530);
  CHECK(c.year == 2026);
  CHECK(c.month == 3);
  CHECK(c.day == 2);
  CHECK(c.hour == 1);
  CHECK(c.minute == 30);
  CHECK(c.second == 0);
  CHECK(c.micros == 250000);
  CHECK(c.weekday == 1);  // Monday
  CHECK(c.yday == 61);
}

TEST_CASE("time: to_civil") {
  // 1969-12-31T23:59:59.999999Z, a Wednesday: negative times floor.
  CivilTime c = to_civil(-1, TimeZone::utc());
  CHECK(c.year == 1969);
  CHECK(c.month == 12);
  CHECK(c.day == 31);
  CHECK(c.hour == 23);
  CHECK(c.minute == 59);
  CHECK(c.second == 59);
  CHECK(c.micros == 999999);
  CHECK(c.weekday == 3);
  CHECK(c.yday == 365);
  // Leap years: 2000 is one (divisible by 400), 1900 is not, 2024 is.
  CHECK(to_civil(951782400000000, TimeZone::utc()).day == 29);  // 2000-02-29
  CHECK(to_civil(951782400000000, TimeZone::utc()).yday == 60);
  CHECK(to_civil(at("2000-12-31T12:00:00Z"), TimeZone::utc()).yday == 366);
  CHECK(to_civil(at("1900-12-31T12:00:00Z"), TimeZone::utc()).yday == 365);
  CHECK(to_civil(at("2024-12-31T12:00:00Z"), TimeZone::utc()).yday == 366);
  CHECK(to_civil(at("1900-03-01T00:00:00Z"), TimeZone::utc()).yday == 60);
  CivilTime s = to_civil(at("2026-03-29T12:00:00Z"), *zone("Europe/Berlin"));
  CHECK(s.hour == 14);
  CHECK(s.weekday == 7);                                         // Sunday
  CivilTime old = to_civil(-2208988800000000, TimeZone::utc());  // 1900-01-01, a Monday
  CHECK(old.year == 1900);
  CHECK(old.weekday == 1);
  CHECK(old.yday == 1);
}

TEST_CASE("time: trunc_time and next_time in UTC and fixed offsets") {
  const TimeZone& utc = TimeZone::utc();
  int64_t t = at("2026-03-01T12:34:56.789012Z");  // a Sunday
  CHECK(trunc_time(t, TimeUnit::Microsecond, utc) == t);
  CHECK(trunc_time(t, TimeUnit::Millisecond, utc) == at("2026-03-01T12:34:56.789Z"));
  CHECK(trunc_time(t, TimeUnit::Second, utc) == at("2026-03-01T12:34:56Z"));
  CHECK(trunc_time(t, TimeUnit::Minute, utc) == at("2026-03-01T12:34:00Z"));
  CHECK(trunc_time(t, TimeUnit::Hour, utc) == at("2026-03-01T12:00:00Z"));
  CHECK(trunc_time(t, TimeUnit::Day, utc) == at("2026-03-01T00:00:00Z"));
  CHECK(trunc_time(t, TimeUnit::Week, utc) == at("2026-02-23T00:00:00Z"));
  CHECK(trunc_time(t, TimeUnit::Month, utc) == at("2026-03-01T00:00:00Z"));
  CHECK(trunc_time(t, TimeUnit::Quarter, utc) == at("2026-01-01T00:00:00Z"));
  CHECK(trunc_time(t, TimeUnit::Year, utc) == at("2026-01-01T00:00:00Z"));
  CHECK(next_time(t, TimeUnit::Microsecond, utc) == t + 1);
  CHECK(next_time(t, TimeUnit::Millisecond, utc) == at("2026-03-01T12:34:56.790Z"));
  CHECK(next_time(t, TimeUnit::Second, utc) == at("2026-03-01T12:34:57Z"));
  CHECK(next_time(t, TimeUnit::Minute, utc) == at("2026-03-01T12:35:00Z"));
  CHECK(next_time(t, TimeUnit::Hour, utc) == at("2026-03-01T13:00:00Z"));
  CHECK(next_time(t, TimeUnit::Day, utc) == at("2026-03-02T00:00:00Z"));
  CHECK(next_time(t, TimeUnit::Week, utc) == at("2026-03-02T00:00:00Z"));
  CHECK(next_time(t, TimeUnit::Month, utc) == at("2026-04-01T00:00:00Z"));
  CHECK(next_time(t, TimeUnit::Quarter, utc) == at("2026-04-01T00:00:00Z"));
  CHECK(next_time(t, TimeUnit::Year, utc) == at("2027-01-01T00:00:00Z"));
  CHECK(next_time(at("2026-12-15T00:00:00Z"), TimeUnit::Month, utc) == at("2027-01-01T00:00:00Z"));
  CHECK(next_time(at("2026-11-15T00:00:00Z"), TimeUnit::Quarter, utc) == at("2027-01-01T00:00:00Z"));
  // A Monday is the start of its own week.
  CHECK(trunc_time(at("2026-03-02T00:00:00Z"), TimeUnit::Week, utc) == at("2026-03-02T00:00:00Z"));

  // Before 1970: floors, not truncation toward zero.
  int64_t old = at("1969-12-31T23:59:59.5Z");
  CHECK(trunc_time(old, TimeUnit::Second, utc) == -kSec);
  CHECK(trunc_time(old, TimeUnit::Day, utc) == at("1969-12-31T00:00:00Z"));
  CHECK(trunc_time(old, TimeUnit::Week, utc) == at("1969-12-29T00:00:00Z"));
  CHECK(trunc_time(old, TimeUnit::Month, utc) == at("1969-12-01T00:00:00Z"));
  CHECK(trunc_time(at("1900-02-28T12:00:00Z"), TimeUnit::Day, utc) == at("1900-02-28T00:00:00Z"));
  CHECK(next_time(at("1900-02-28T12:00:00Z"), TimeUnit::Day, utc) == at("1900-03-01T00:00:00Z"));
  CHECK(next_time(at("2000-02-28T12:00:00Z"), TimeUnit::Day, utc) == at("2000-02-29T00:00:00Z"));
  CHECK(next_time(at("2024-02-29T12:00:00Z"), TimeUnit::Month, utc) == at("2024-03-01T00:00:00Z"));
  CHECK(trunc_time(at("2024-02-29T12:00:00Z"), TimeUnit::Year, utc) == at("2024-01-01T00:00:00Z"));

  // Fixed offsets: the day of 2026-03-01T20:00Z in +05:30 is March 2nd.
  auto ist = TimeZone::load("+05:30");
  CHECK(trunc_time(at("2026-03-01T20:00:00Z"), TimeUnit::Day, *ist) == at("2026-03-02T00:00:00+05:30"));
  CHECK(next_time(at("2026-03-01T20:00:00Z"), TimeUnit::Day, *ist) == at("2026-03-03T00:00:00+05:30"));
  CHECK(trunc_time(at("2026-03-01T20:10:00Z"), TimeUnit::Hour, *ist) == at("2026-03-01T19:30:00Z"));  // 01:00
  CHECK(trunc_time(at("2026-03-01T20:10:00Z"), TimeUnit::Week, *ist) == at("2026-03-02T00:00:00+05:30"));
  CHECK(trunc_time(at("2026-03-31T19:00:00Z"), TimeUnit::Quarter, *ist) == at("2026-04-01T00:00:00+05:30"));
  auto west = TimeZone::load("-10:00");
  CHECK(trunc_time(at("2027-01-01T05:00:00Z"), TimeUnit::Year, *west) == at("2026-01-01T00:00:00-10:00"));
  CHECK(next_time(at("2027-01-01T05:00:00Z"), TimeUnit::Year, *west) == at("2027-01-01T00:00:00-10:00"));
}

TEST_CASE("time: bucket_time") {
  CHECK(bucket_time(at("2026-03-01T12:34:56Z"), 15 * 60 * kSec) == at("2026-03-01T12:30:00Z"));
  CHECK(bucket_time(0, 10) == 0);
  CHECK(bucket_time(9, 10) == 0);
  CHECK(bucket_time(10, 10) == 10);
  CHECK(bucket_time(-1, 10) == -10);
  CHECK(bucket_time(-10, 10) == -10);
  CHECK(bucket_time(-11, 10) == -20);
  CHECK(bucket_time(at("1969-12-31T23:59:00Z"), 3600 * kSec) == at("1969-12-31T23:00:00Z"));
  CHECK(bucket_time(12345, 0) == 12345);
  CHECK(bucket_time(12345, -5) == 12345);
  CHECK(bucket_time(std::numeric_limits<int64_t>::min(), 7) == std::numeric_limits<int64_t>::min());
  CHECK(bucket_time(std::numeric_limits<int64_t>::max(), 1000) == 9223372036854775000);
}

// Zone cases: an operation on one zone, its input, and the value Python's zoneinfo gives.
struct ZoneCase {
  const char* zone;
  const char* op;        // offset, abbr, local, trunc-UNIT, next-UNIT
  const char* input;     // an instant with its offset, or a wall-clock time (local)
  const char* expected;  // seconds, an abbreviation, or an instant with its offset
};

const ZoneCase kZoneCases[] = {
    // Generated by tests/unit/time_expected.py (Python zoneinfo, tzdata 2025b).
    {"Europe/Berlin", "offset", "1893-03-31T23:00:00Z", "3208"},
    {"Europe/Berlin", "offset", "1945-06-01T12:00:00Z", "10800"},
    {"Europe/Berlin", "offset", "1969-07-01T12:00:00Z", "3600"},
    {"Europe/Berlin", "offset", "2026-01-15T12:00:00Z", "3600"},
    {"Europe/Berlin", "offset", "2026-03-29T00:59:59Z", "3600"},
    {"Europe/Berlin", "offset", "2026-03-29T01:00:00Z", "7200"},
    {"Europe/Berlin", "offset", "2026-10-25T00:59:59Z", "7200"},
    {"Europe/Berlin", "offset", "2026-10-25T01:00:00Z", "3600"},
    {"Europe/Berlin", "offset", "2040-07-01T12:00:00Z", "7200"},
    {"Europe/Berlin", "offset", "2200-03-30T00:59:59Z", "3600"},
    {"Europe/Berlin", "offset", "2200-03-30T01:00:00Z", "7200"},
    {"Europe/Berlin", "offset", "2200-10-26T01:00:00Z", "3600"},
    {"Europe/Berlin", "abbr", "1893-03-31T23:00:00Z", "LMT"},
    {"Europe/Berlin", "abbr", "1945-06-01T12:00:00Z", "CEMT"},
    {"Europe/Berlin", "abbr", "2026-01-15T12:00:00Z", "CET"},
    {"Europe/Berlin", "abbr", "2200-07-01T12:00:00Z", "CEST"},
    {"Europe/Berlin", "local", "2026-03-29T01:59:59", "2026-03-29T01:59:59+01:00"},
    {"Europe/Berlin", "local", "2026-03-29T02:00:00", "2026-03-29T03:00:00+02:00"},
    {"Europe/Berlin", "local", "2026-03-29T02:30:00", "2026-03-29T03:30:00+02:00"},
    {"Europe/Berlin", "local", "2026-03-29T03:00:00", "2026-03-29T03:00:00+02:00"},
    {"Europe/Berlin", "local", "2026-10-25T01:59:59", "2026-10-25T01:59:59+02:00"},
    {"Europe/Berlin", "local", "2026-10-25T02:00:00", "2026-10-25T02:00:00+02:00"},
    {"Europe/Berlin", "local", "2026-10-25T02:30:00", "2026-10-25T02:30:00+02:00"},
    {"Europe/Berlin", "local", "2026-10-25T03:00:00", "2026-10-25T03:00:00+01:00"},
    {"Europe/Berlin", "local", "1945-05-24T02:30:00", "1945-05-24T03:30:00+03:00"},
    {"Europe/Berlin", "local", "2200-03-30T02:30:00", "2200-03-30T03:30:00+02:00"},
    {"Europe/Berlin", "local", "2200-10-26T02:30:00", "2200-10-26T02:30:00+02:00"},
    {"Europe/Berlin", "trunc-day", "2026-03-29T12:00:00Z", "2026-03-29T00:00:00+01:00"},
    {"Europe/Berlin", "next-day", "2026-03-29T12:00:00Z", "2026-03-30T00:00:00+02:00"},
    {"Europe/Berlin", "trunc-day", "2026-10-25T12:00:00Z", "2026-10-25T00:00:00+02:00"},
    {"Europe/Berlin", "next-day", "2026-10-25T12:00:00Z", "2026-10-26T00:00:00+01:00"},
    {"Europe/Berlin", "trunc-day", "2026-03-28T23:30:00Z", "2026-03-29T00:00:00+01:00"},
    {"Europe/Berlin", "trunc-week", "2026-03-29T12:00:00Z", "2026-03-23T00:00:00+01:00"},
    {"Europe/Berlin", "next-week", "2026-03-29T12:00:00Z", "2026-03-30T00:00:00+02:00"},
    {"Europe/Berlin", "trunc-week", "2026-10-28T12:00:00Z", "2026-10-26T00:00:00+01:00"},
    {"Europe/Berlin", "trunc-month", "2026-04-15T12:00:00Z", "2026-04-01T00:00:00+02:00"},
    {"Europe/Berlin", "next-month", "2026-03-15T12:00:00Z", "2026-04-01T00:00:00+02:00"},
    {"Europe/Berlin", "trunc-month", "2026-03-31T22:30:00Z", "2026-04-01T00:00:00+02:00"},
    {"Europe/Berlin", "trunc-quarter", "2026-05-10T00:00:00Z", "2026-04-01T00:00:00+02:00"},
    {"Europe/Berlin", "next-quarter", "2026-09-30T21:59:59Z", "2026-10-01T00:00:00+02:00"},
    {"Europe/Berlin", "trunc-year", "2026-07-01T00:00:00Z", "2026-01-01T00:00:00+01:00"},
    {"Europe/Berlin", "next-year", "2026-12-31T22:59:59Z", "2027-01-01T00:00:00+01:00"},
    {"Europe/Berlin", "trunc-year", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00+01:00"},
    {"Europe/Berlin", "trunc-hour", "2026-03-29T01:30:00Z", "2026-03-29T03:00:00+02:00"},
    {"Europe/Berlin", "next-hour", "2026-03-29T00:30:00Z", "2026-03-29T03:00:00+02:00"},
    {"Europe/Berlin", "trunc-hour", "2026-10-25T00:30:00Z", "2026-10-25T02:00:00+02:00"},
    {"Europe/Berlin", "next-hour", "2026-10-25T00:30:00Z", "2026-10-25T02:00:00+01:00"},
    {"Europe/Berlin", "trunc-hour", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00+01:00"},
    {"Europe/Berlin", "next-hour", "2026-10-25T01:30:00Z", "2026-10-25T03:00:00+01:00"},
    {"Europe/Berlin", "trunc-minute", "1893-04-01T00:00:00Z", "1893-04-01T01:00:00+01:00"},
    {"Europe/Berlin", "trunc-day", "1893-04-01T12:00:00Z", "1893-04-01T00:06:32+01:00"},
    {"Europe/Berlin", "trunc-day", "2200-03-30T12:00:00Z", "2200-03-30T00:00:00+01:00"},
    {"Europe/Berlin", "next-day", "2200-03-30T12:00:00Z", "2200-03-31T00:00:00+02:00"},
    {"America/New_York", "offset", "1883-11-18T16:59:59Z", "-17762"},
    {"America/New_York", "offset", "1883-11-18T17:00:00Z", "-18000"},
    {"America/New_York", "offset", "1960-07-01T12:00:00Z", "-14400"},
    {"America/New_York", "offset", "2026-03-08T06:59:59Z", "-18000"},
    {"America/New_York", "offset", "2026-03-08T07:00:00Z", "-14400"},
    {"America/New_York", "offset", "2026-11-01T05:59:59Z", "-14400"},
    {"America/New_York", "offset", "2026-11-01T06:00:00Z", "-18000"},
    {"America/New_York", "offset", "2050-07-01T12:00:00Z", "-14400"},
    {"America/New_York", "offset", "2150-12-01T12:00:00Z", "-18000"},
    {"America/New_York", "abbr", "2050-07-01T12:00:00Z", "EDT"},
    {"America/New_York", "abbr", "1883-01-01T00:00:00Z", "LMT"},
    {"America/New_York", "local", "2026-03-08T02:30:00", "2026-03-08T03:30:00-04:00"},
    {"America/New_York", "local", "2026-11-01T01:30:00", "2026-11-01T01:30:00-04:00"},
    {"America/New_York", "local", "2026-11-01T02:00:00", "2026-11-01T02:00:00-05:00"},
    {"America/New_York", "local", "1960-04-24T02:30:00", "1960-04-24T03:30:00-04:00"},
    {"America/New_York", "local", "2050-03-13T02:30:00", "2050-03-13T03:30:00-04:00"},
    {"America/New_York", "trunc-day", "2026-03-08T12:00:00Z", "2026-03-08T00:00:00-05:00"},
    {"America/New_York", "next-day", "2026-03-08T04:00:00Z", "2026-03-08T00:00:00-05:00"},
    {"America/New_York", "trunc-day", "2026-11-01T05:30:00Z", "2026-11-01T00:00:00-04:00"},
    {"America/New_York", "next-day", "2026-11-01T05:30:00Z", "2026-11-02T00:00:00-05:00"},
    {"America/New_York", "trunc-week", "2026-11-03T12:00:00Z", "2026-11-02T00:00:00-05:00"},
    {"America/New_York", "trunc-month", "2026-11-20T12:00:00Z", "2026-11-01T00:00:00-04:00"},
    {"America/New_York", "next-month", "2026-10-20T12:00:00Z", "2026-11-01T00:00:00-04:00"},
    {"America/New_York", "trunc-quarter", "2026-04-01T03:59:59Z", "2026-01-01T00:00:00-05:00"},
    {"America/New_York", "trunc-quarter", "2026-04-01T04:00:00Z", "2026-04-01T00:00:00-04:00"},
    {"America/New_York", "trunc-year", "1969-06-01T00:00:00Z", "1969-01-01T00:00:00-05:00"},
    {"America/New_York", "trunc-hour", "2026-11-01T05:30:00Z", "2026-11-01T01:00:00-04:00"},
    {"America/New_York", "trunc-hour", "2026-11-01T06:30:00Z", "2026-11-01T01:00:00-05:00"},
    {"America/New_York", "trunc-minute", "1883-11-18T16:59:30Z", "1883-11-18T16:59:02Z"},
    {"America/New_York", "next-minute", "1883-11-18T16:59:30Z", "1883-11-18T12:00:00-05:00"},
    {"Australia/Lord_Howe", "offset", "2026-01-15T00:00:00Z", "39600"},
    {"Australia/Lord_Howe", "offset", "2026-07-15T00:00:00Z", "37800"},
    {"Australia/Lord_Howe", "abbr", "2026-07-15T00:00:00Z", "+1030"},
    {"Australia/Lord_Howe", "local", "2026-10-04T02:00:00", "2026-10-04T02:30:00+11:00"},
    {"Australia/Lord_Howe", "local", "2026-10-04T02:15:00", "2026-10-04T02:45:00+11:00"},
    {"Australia/Lord_Howe", "local", "2026-10-04T02:30:00", "2026-10-04T02:30:00+11:00"},
    {"Australia/Lord_Howe", "local", "2026-04-05T01:29:59", "2026-04-05T01:29:59+11:00"},
    {"Australia/Lord_Howe", "local", "2026-04-05T01:45:00", "2026-04-05T01:45:00+11:00"},
    {"Australia/Lord_Howe", "local", "2026-04-05T02:00:00", "2026-04-05T02:00:00+10:30"},
    {"Australia/Lord_Howe", "trunc-hour", "2026-10-03T15:45:00Z", "2026-10-04T02:30:00+11:00"},
    {"Australia/Lord_Howe", "next-hour", "2026-10-03T15:15:00Z", "2026-10-04T02:30:00+11:00"},
    {"Australia/Lord_Howe", "trunc-hour", "2026-04-04T15:15:00Z", "2026-04-05T01:00:00+11:00"},
    {"Australia/Lord_Howe", "next-hour", "2026-04-04T14:45:00Z", "2026-04-05T02:00:00+10:30"},
    {"Australia/Lord_Howe", "trunc-day", "2026-10-04T12:00:00Z", "2026-10-04T00:00:00+10:30"},
    {"Australia/Lord_Howe", "next-day", "2026-10-03T12:00:00Z", "2026-10-04T00:00:00+10:30"},
    {"Australia/Lord_Howe", "trunc-month", "2026-04-20T00:00:00Z", "2026-04-01T00:00:00+11:00"},
    {"Australia/Lord_Howe", "offset", "2150-01-01T00:00:00Z", "39600"},
    {"Asia/Kolkata", "offset", "1943-01-01T00:00:00Z", "23400"},
    {"Asia/Kolkata", "offset", "2026-06-01T00:00:00Z", "19800"},
    {"Asia/Kolkata", "abbr", "2026-06-01T00:00:00Z", "IST"},
    {"Asia/Kolkata", "trunc-hour", "2026-06-01T00:10:00Z", "2026-06-01T05:00:00+05:30"},
    {"Asia/Kolkata", "next-hour", "2026-06-01T00:10:00Z", "2026-06-01T06:00:00+05:30"},
    {"Asia/Kolkata", "trunc-day", "2026-06-01T20:00:00Z", "2026-06-02T00:00:00+05:30"},
    {"Asia/Kolkata", "trunc-month", "2026-05-31T18:29:59Z", "2026-05-01T00:00:00+05:30"},
    {"Asia/Kolkata", "trunc-month", "2026-05-31T18:30:00Z", "2026-06-01T00:00:00+05:30"},
    {"Asia/Kolkata", "local", "2026-06-01T00:00:00", "2026-06-01T00:00:00+05:30"},
    {"Pacific/Apia", "offset", "2011-12-30T09:59:59Z", "-36000"},
    {"Pacific/Apia", "offset", "2011-12-30T10:00:00Z", "50400"},
    {"Pacific/Apia", "offset", "2026-01-01T00:00:00Z", "46800"},
    {"Pacific/Apia", "abbr", "2011-12-30T09:59:59Z", "-10"},
    {"Pacific/Apia", "abbr", "2011-12-30T10:00:00Z", "+14"},
    {"Pacific/Apia", "local", "2011-12-29T23:59:59", "2011-12-29T23:59:59-10:00"},
    {"Pacific/Apia", "local", "2011-12-30T12:00:00", "2011-12-31T12:00:00+14:00"},
    {"Pacific/Apia", "local", "2011-12-31T00:00:00", "2011-12-31T00:00:00+14:00"},
    {"Pacific/Apia", "trunc-day", "2011-12-30T09:00:00Z", "2011-12-29T00:00:00-10:00"},
    {"Pacific/Apia", "next-day", "2011-12-30T09:00:00Z", "2011-12-31T00:00:00+14:00"},
    {"Pacific/Apia", "trunc-day", "2011-12-30T11:00:00Z", "2011-12-31T00:00:00+14:00"},
    {"Pacific/Apia", "trunc-week", "2011-12-31T12:00:00Z", "2011-12-26T00:00:00-10:00"},
    {"Pacific/Apia", "trunc-month", "2011-12-31T12:00:00Z", "2012-01-01T00:00:00+14:00"},
    {"Pacific/Apia", "next-year", "2011-12-30T09:00:00Z", "2012-01-01T00:00:00+14:00"},
    {"America/Sao_Paulo", "offset", "2018-11-04T02:59:59Z", "-10800"},
    {"America/Sao_Paulo", "offset", "2018-11-04T03:00:00Z", "-7200"},
    {"America/Sao_Paulo", "offset", "2019-02-17T01:59:59Z", "-7200"},
    {"America/Sao_Paulo", "offset", "2019-02-17T02:00:00Z", "-10800"},
    {"America/Sao_Paulo", "offset", "2019-12-01T12:00:00Z", "-10800"},
    {"America/Sao_Paulo", "offset", "2040-01-01T12:00:00Z", "-10800"},
    {"America/Sao_Paulo", "abbr", "2040-01-01T12:00:00Z", "-03"},
    {"America/Sao_Paulo", "local", "2018-11-04T00:30:00", "2018-11-04T01:30:00-02:00"},
    {"America/Sao_Paulo", "local", "2019-02-16T23:30:00", "2019-02-16T23:30:00-02:00"},
    {"America/Sao_Paulo", "trunc-day", "2018-11-04T12:00:00Z", "2018-11-04T01:00:00-02:00"},
    {"America/Sao_Paulo", "next-day", "2018-11-03T12:00:00Z", "2018-11-04T01:00:00-02:00"},
    {"America/Sao_Paulo", "trunc-day", "2019-02-17T02:30:00Z", "2019-02-16T00:00:00-02:00"},
    {"America/Sao_Paulo", "next-day", "2019-02-17T01:30:00Z", "2019-02-17T00:00:00-03:00"},
    {"America/Sao_Paulo", "trunc-month", "2018-11-20T12:00:00Z", "2018-11-01T00:00:00-03:00"},
    {"America/Sao_Paulo", "trunc-hour", "2019-02-17T02:30:00Z", "2019-02-16T23:00:00-03:00"},
    {"America/Sao_Paulo", "trunc-hour", "2018-11-04T03:30:00Z", "2018-11-04T01:00:00-02:00"},
};

TEST_CASE("time zone: IANA zones against Python's zoneinfo") {
  for (const ZoneCase& c : kZoneCases) {
    CAPTURE(std::string(c.zone));
    CAPTURE(std::string(c.op));
    CAPTURE(std::string(c.input));
    auto tz = zone(c.zone);
    std::string op = c.op;
    if (op == "offset") {
      CHECK(tz->offset_at(at(c.input)) == std::stoll(c.expected));
    } else if (op == "abbr") {
      CHECK(tz->abbreviation_at(at(c.input)) == c.expected);
    } else if (op == "local") {
      int64_t t = tz->local_to_utc(wall(c.input));
      CHECK(show(t, *tz) == c.expected);
      CHECK(t == at(c.expected));
    } else {
      TimeUnit u;
      REQUIRE(parse_time_unit(op.substr(op.find('-') + 1), u));
      int64_t t = at(c.input);
      int64_t r = op.rfind("trunc", 0) == 0 ? trunc_time(t, u, *tz) : next_time(t, u, *tz);
      CHECK(show(r, *tz) == c.expected);
      CHECK(r == at(c.expected));
    }
  }
}

TEST_CASE("time zone: the spring-forward gap and the fall-back overlap") {
  auto berlin = zone("Europe/Berlin");
  // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z). 02:30 does not exist: read with
  // the offset before the gap, it is 01:30Z, which shows as 03:30 CEST.
  CHECK(berlin->local_to_utc(wall("2026-03-29T02:30:00")) == at("2026-03-29T01:30:00Z"));
  CHECK(berlin->local_to_utc_start(wall("2026-03-29T02:30:00")) == at("2026-03-29T01:00:00Z"));
  CHECK(berlin->local_to_utc(wall("2026-03-29T01:59:59.999999")) == at("2026-03-29T00:59:59.999999Z"));
  CHECK(berlin->local_to_utc(wall("2026-03-29T03:00:00")) == at("2026-03-29T01:00:00Z"));
  // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z). 02:30 happens twice: the first.
  CHECK(berlin->local_to_utc(wall("2026-10-25T02:30:00")) == at("2026-10-25T00:30:00Z"));
  CHECK(berlin->local_to_utc_start(wall("2026-10-25T02:30:00")) == at("2026-10-25T00:30:00Z"));
  CHECK(berlin->local_to_utc(wall("2026-10-25T03:00:00")) == at("2026-10-25T02:00:00Z"));
  // Round trips away from transitions.
  for (int64_t t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z"); t += 7919 * kSec) {
    int64_t local = berlin->utc_to_local(t);
    int64_t back = berlin->local_to_utc(local);
    if (back != t) {
      // only in the repeated hour, where the earlier instant wins
      CHECK(berlin->utc_to_local(back) == local);
      CHECK(back == t - 3600 * kSec);
    }
  }
  // The spec's example: the day of 2026-03-29 in Berlin starts at 2026-03-28T23:00Z.
  CHECK(trunc_time(at("2026-03-29T12:00:00Z"), TimeUnit::Day, *berlin) == at("2026-03-28T23:00:00Z"));
  // A 23-hour and a 25-hour day.
  CHECK(next_time(at("2026-03-29T12:00:00Z"), TimeUnit::Day, *berlin) -
            trunc_time(at("2026-03-29T12:00:00Z"), TimeUnit::Day, *berlin) ==
        23 * 3600 * kSec);
  CHECK(next_time(at("2026-10-25T12:00:00Z"), TimeUnit::Day, *berlin) -
            trunc_time(at("2026-10-25T12:00:00Z"), TimeUnit::Day, *berlin) ==
        25 * 3600 * kSec);
}

TEST_CASE("time zone: trunc and next agree over two years in DST zones") {
  struct Range {
    const char* zone;
    const char* from;
  };
  for (const Range& r :
       {Range{"Europe/Berlin", "2011-01-01T00:00:00Z"}, Range{"America/New_York", "2011-01-01T00:00:00Z"},
        Range{"Australia/Lord_Howe", "2011-01-01T00:00:00Z"}, Range{"Asia/Kolkata", "1941-06-01T00:00:00Z"},
        Range{"Pacific/Apia", "2011-01-01T00:00:00Z"}, Range{"America/Sao_Paulo", "2018-01-01T00:00:00Z"},
        Range{"America/Goose_Bay", "2006-01-01T00:00:00Z"}, Range{"America/St_Johns", "2006-01-01T00:00:00Z"},
        Range{"Europe/Berlin", "2100-01-01T00:00:00Z"}}) {
    CAPTURE(std::string(r.zone));
    CAPTURE(std::string(r.from));
    auto tz = zone(r.zone);
    for (TimeUnit u : {TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day, TimeUnit::Week, TimeUnit::Month,
                       TimeUnit::Quarter, TimeUnit::Year}) {
      CAPTURE(time_unit_name(u));
      int64_t t = at(r.from), end = t + 2 * 366 * 86400 * kSec;
      int64_t step = u == TimeUnit::Minute ? 997 * kSec : 3607 * kSec;
      if (u == TimeUnit::Minute) end = t + 120 * 86400 * kSec;
      for (; t < end; t += step) {
        int64_t lo = trunc_time(t, u, *tz), hi = next_time(t, u, *tz);
        REQUIRE(lo <= t);
        REQUIRE(t < hi);
        REQUIRE(trunc_time(lo, u, *tz) == lo);
        REQUIRE(trunc_time(hi, u, *tz) == hi);
        REQUIRE(trunc_time(hi - 1, u, *tz) == lo);
        REQUIRE(next_time(lo, u, *tz) == hi);
      }
    }
  }
}

TEST_CASE("time zone: a date that recurs (America/Goose_Bay, 2007-11-04)") {
  // Goose Bay fell back at 00:01 ADT until 2011: November 4th began at 00:00 ADT
  // (03:00Z), and a minute later the clock showed 23:01 AST on November 3rd again. The
  // window of November 4th runs from its first instant, 03:00Z, to November 5th
  // 00:00 AST; the repeated hour of November 3rd lies in it. (Checked against a scan of
  // every second with Python's zoneinfo.)
  auto gb = zone("America/Goose_Bay");
  CHECK(trunc_time(at("2007-11-04T02:59:00Z"), TimeUnit::Day, *gb) == at("2007-11-03T00:00:00-03:00"));
  CHECK(next_time(at("2007-11-04T02:59:00Z"), TimeUnit::Day, *gb) == at("2007-11-04T00:00:00-03:00"));
  for (const char* t : {"2007-11-04T03:00:30Z", "2007-11-04T03:30:00Z", "2007-11-04T04:01:00Z"}) {
    CAPTURE(std::string(t));
    CHECK(trunc_time(at(t), TimeUnit::Day, *gb) == at("2007-11-04T00:00:00-03:00"));
    CHECK(next_time(at(t), TimeUnit::Day, *gb) == at("2007-11-05T00:00:00-04:00"));
  }
}

TEST_CASE("time zone: TZif files built here") {
  SUBCASE("version 1, 32-bit times, no footer") {
    auto z =
        TimeZone::from_tzif("v1", tzif('\0', {{-100, 1}, {1000, 0}}, {{3600, false, "AAA"}, {7200, true, "BBB"}}, ""));
    CHECK(z->offset_at(-101 * kSec) == 3600);
    CHECK(z->offset_at(-100 * kSec) == 7200);
    CHECK(z->abbreviation_at(0) == "BBB");
    CHECK(z->offset_at(1000 * kSec) == 3600);
    CHECK(z->offset_at(at("2200-01-01T00:00:00Z")) == 3600);
    CHECK_FALSE(z->is_fixed());
  }
  SUBCASE("a footer rule alone: US Eastern") {
    auto z = rule_zone("EST5EDT,M3.2.0,M11.1.0");
    CHECK(z->offset_at(at("2026-03-08T06:59:59Z")) == -18000);
    CHECK(z->offset_at(at("2026-03-08T07:00:00Z")) == -14400);
    CHECK(z->offset_at(at("2026-11-01T05:59:59Z")) == -14400);
    CHECK(z->offset_at(at("2026-11-01T06:00:00Z")) == -18000);
    CHECK(z->abbreviation_at(at("2026-07-01T00:00:00Z")) == "EDT");
    // After the table (2100) the rule is evaluated on the spot. Python's zoneinfo for
    // America/New_York: 2150-03-08T07:00Z and 2150-11-01T06:00Z.
    CHECK(z->offset_at(at("2150-03-08T06:59:59Z")) == -18000);
    CHECK(z->offset_at(at("2150-03-08T07:00:00Z")) == -14400);
    CHECK(z->local_to_utc(wall("2150-03-08T02:30:00")) == at("2150-03-08T07:30:00Z"));
    CHECK(z->local_to_utc(wall("2150-11-01T01:30:00")) == at("2150-11-01T05:30:00Z"));
    CHECK(trunc_time(at("2150-11-01T12:00:00Z"), TimeUnit::Day, *z) == at("2150-11-01T04:00:00Z"));
    CHECK(next_time(at("2150-11-01T12:00:00Z"), TimeUnit::Day, *z) == at("2150-11-02T05:00:00Z"));
    auto ny = zone("America/New_York");
    for (int64_t t = at("2007-01-01T00:00:00Z"); t < at("2300-01-01T00:00:00Z"); t += 86399 * kSec * 7)
      REQUIRE(z->offset_at(t) == ny->offset_at(t));
  }
  SUBCASE("Julian days, zero-based days, negative and 24+ hour times") {
    // Iran before 2022: J79/24 = 24:00 on March 20th (March 21st 00:00), J263/24 = 24:00 on
    // September 20th. J counts no February 29th, so in 2024 it is still March 20th.
    auto iran = rule_zone("<+0330>-3:30<+0430>,J79/24,J263/24");
    CHECK(iran->offset_at(at("2024-03-20T20:29:59Z")) == 12600);
    CHECK(iran->offset_at(at("2024-03-20T20:30:00Z")) == 16200);
    CHECK(iran->offset_at(at("2024-09-20T19:29:59Z")) == 16200);
    CHECK(iran->offset_at(at("2024-09-20T19:30:00Z")) == 12600);
    CHECK(iran->abbreviation_at(at("2024-06-01T00:00:00Z")) == "+0430");
    // Zero-based days count February 29th: day 59 is February 29th in 2024, March 1st in 2025.
    auto zero = rule_zone("AAA0BBB,59/0,300/0");
    CHECK(zero->offset_at(at("2024-02-28T23:59:59Z")) == 0);
    CHECK(zero->offset_at(at("2024-02-29T00:00:00Z")) == 3600);
    CHECK(zero->offset_at(at("2025-02-28T23:59:59Z")) == 0);
    CHECK(zero->offset_at(at("2025-03-01T00:00:00Z")) == 3600);
    // Greenland since 2023 (RFC 8536 version 3: a negative time). -1:00 on the last
    // Sunday of March is 23:00 on Saturday; Python's zoneinfo for America/Nuuk gives
    // 2026-03-29T01:00Z and 2026-10-25T01:00Z.
    auto nuuk = rule_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    CHECK(nuuk->offset_at(at("2026-03-29T00:59:59Z")) == -7200);
    CHECK(nuuk->offset_at(at("2026-03-29T01:00:00Z")) == -3600);
    CHECK(nuuk->offset_at(at("2026-10-25T00:59:59Z")) == -3600);
    CHECK(nuuk->offset_at(at("2026-10-25T01:00:00Z")) == -7200);
    // Daylight saving time all year (the tzdata idiom).
    auto always = rule_zone("EST5EDT,0/0,J365/25");
    for (std::string_view t : {"2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-12-31T23:59:59Z",
                               "2027-01-01T05:00:00Z", "2150-01-01T04:30:00Z", "2150-06-01T00:00:00Z"}) {
      CAPTURE(t);
      CHECK(always->offset_at(at(t)) == -14400);
    }
    // A standard-time-only footer and no transitions is a fixed zone.
    auto gmt5 = rule_zone("<-05>5");
    CHECK(gmt5->is_fixed());
    CHECK(gmt5->offset_at(0) == -18000);
    CHECK(gmt5->abbreviation_at(0) == "-05");
  }
  SUBCASE("a transition before the representable range sets the initial type") {
    int64_t big_bang = -(int64_t(1) << 59);
    auto z = TimeZone::from_tzif("bb", tzif('2', {{big_bang, 1}, {0, 2}},
                                            {{111, false, "LMT"}, {3600, false, "ONE"}, {7200, false, "TWO"}}, ""));
    CHECK(z->offset_at(std::numeric_limits<int64_t>::min()) == 3600);
    CHECK(z->offset_at(-1) == 3600);
    CHECK(z->offset_at(0) == 7200);
  }
  SUBCASE("damage is reported") {
    std::string good = tzif('2', {{0, 1}}, {{0, false, "AAA"}, {3600, true, "BBB"}}, "AAA0");
    CHECK_NOTHROW(TimeZone::from_tzif("good", good));
    CHECK(error_of([&] { TimeZone::from_tzif("Bad/Zone", "not a tzif file at all, no no no no no no no no"); }) ==
          "time zone 'Bad/Zone': not a valid TZif file: no TZif header (reinstall the tzdata package, or set TZDIR "
          "to an intact zoneinfo folder)");
    CHECK(error_of([&] { TimeZone::from_tzif("z", good.substr(0, good.size() - 10)); }).find("truncated") !=
          std::string::npos);
    CHECK(error_of([&] {
            TimeZone::from_tzif("z", tzif('2', {{0, 5}}, {{0, false, "A"}}, ""));
          }).find("bad type index") != std::string::npos);
    CHECK(error_of([&] {
            TimeZone::from_tzif("z", tzif('2', {{5, 0}, {5, 0}}, {{0, false, "A"}}, ""));
          }).find("out of order") != std::string::npos);
    CHECK(error_of([&] {
            TimeZone::from_tzif("z", tzif('2', {}, {{0, false, "A"}}, "A0B,M13.1.0,M1.1.0"));
          }).find("cannot read the rule 'A0B,M13.1.0,M1.1.0'") != std::string::npos);
    CHECK(error_of([&] {
            TimeZone::from_tzif("z", tzif('2', {}, {{0, false, "A"}}, "", 1));
          }) ==
          "time zone 'z' counts leap seconds, which batchkit timestamps do not (use the zone without the right/ "
          "prefix)");
    std::string no_footer = good.substr(0, good.rfind('\n', good.size() - 2));
    CHECK(error_of([&] { TimeZone::from_tzif("z", no_footer); }).find("footer") != std::string::npos);
  }
}

TEST_CASE("time zone: loading by name") {
  CHECK(error_of([] { TimeZone::load("Mars/Olympus_Mons"); }) ==
        "unknown time zone 'Mars/Olympus_Mons' (use an IANA name such as Europe/Berlin, or an offset such as "
        "+02:00; see " +
            zoneinfo_dir() + ")");
  try {
    TimeZone::load("Europe/Nowhere");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::Usage);
  }
  for (std::string_view bad : {"", "Europe", "Europe/", "/etc/passwd", "../zoneinfo/UTC", "Europe/../UTC",
                               "Europe/Berlin ", "Europe\\Berlin", "zone.tab"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(TimeZone::load(bad), Error);
  }
  auto a = zone("Europe/Berlin");
  CHECK(a->name() == "Europe/Berlin");
  CHECK(TimeZone::load("Europe/Berlin").get() == a.get());
  CHECK(zone("Etc/UTC")->is_fixed());
  CHECK(zone("Etc/GMT+5")->offset_at(0) == -18000);  // POSIX sign: GMT+5 is five hours west
  CHECK(zone("Etc/GMT+5")->is_fixed());
  CHECK_FALSE(a->is_fixed());
  if (std::filesystem::exists(zoneinfo_dir() + "/right/Europe/Berlin"))
    CHECK(error_of([] { TimeZone::load("right/Europe/Berlin"); }).find("leap seconds") != std::string::npos);

  // Many threads at once get the same zone.
  std::vector<std::thread> threads;
  std::vector<const TimeZone*> got(8);
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&got, k] { got[k] = TimeZone::load(k % 2 ? "America/New_York" : "Asia/Kolkata").get(); });
  for (auto& th : threads) th.join();
  for (int k = 2; k < 8; ++k) CHECK(got[k] == got[k % 2]);
}

TEST_CASE("time zone: TZDIR") {
  TempDir dir;
  dir.write("Test/Plus3", tzif('2', {}, {{10800, false, "+03"}}, "<+03>-3"));
  const char* old = std::getenv("TZDIR");
  std::string saved = old ? old : "";
  ::setenv("TZDIR", dir.path().c_str(), 1);
  auto z = TimeZone::load("Test/Plus3");
  CHECK(z->offset_at(0) == 10800);
  CHECK(z->abbreviation_at(0) == "+03");
  CHECK(error_of([] { TimeZone::load("Europe/Berlin"); }).find("unknown time zone 'Europe/Berlin'") == 0);
  ::setenv("TZDIR", (dir / "missing").c_str(), 1);
  CHECK(error_of([] { TimeZone::load("Europe/Berlin"); }) ==
        "unknown time zone 'Europe/Berlin': the zoneinfo folder " + (dir / "missing") +
            " does not exist (install the tzdata package, or set TZDIR to a zoneinfo folder)");
  if (old)
    ::setenv("TZDIR", saved.c_str(), 1);
  else
    ::unsetenv("TZDIR");
}

TEST_CASE("time: extreme instants do not overflow") {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::vector<std::shared_ptr<const TimeZone>> zones = {TimeZone::load("UTC"), TimeZone::load("+14:00"),
                                                        TimeZone::load("-12:00"), zone("Europe/Berlin"),
                                                        zone("Australia/Lord_Howe")};
  for (const auto& z : zones) {
    CAPTURE(z->name());
    for (int64_t t : {lo, lo + 1, hi, hi - 1, int64_t(-1) << 62, int64_t(1) << 62}) {
      CAPTURE(t);
      (void)z->offset_at(t);
      (void)z->utc_to_local(t);
      (void)z->local_to_utc(t);
      (void)to_civil(t, *z);
      for (TimeUnit u : {TimeUnit::Microsecond, TimeUnit::Second, TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day,
                         TimeUnit::Week, TimeUnit::Month, TimeUnit::Year}) {
        (void)trunc_time(t, u, *z);
        (void)next_time(t, u, *z);
      }
      std::string s;
      CHECK(format_time(t, "%F %T %z %Z %s %V %G %j", *z, s));
    }
  }
  // Within the documented range the results are exact.
  CHECK(fmt(at("9999-12-31T23:59:59.999999Z"), "%FT%T.%f") == "9999-12-31T23:59:59.999999");
  CHECK(fmt(253402300800000000, "%F") == "10000-01-01");
  CHECK(fmt(-62135596800000000 - 86400 * kSec, "%F") == "0000-12-31");
  CHECK(fmt(-62167219200000000 - 86400 * kSec, "%F") == "-1-12-31");
}

TEST_CASE("time: parse_timestamp accepts RFC 3339 and ISO 8601 forms") {
  const TimeZone& utc = TimeZone::utc();
  struct Case {
    const char* text;
    int64_t want;  // computed with Python's datetime
  };
  for (const Case& c : std::vector<Case>{
           {"2026-03-01T12:00:00Z", 1772366400000000},
           {"2026-03-01T12:00:00z", 1772366400000000},
           {"2026-03-01t12:00:00Z", 1772366400000000},
           {"2026-03-01 12:00:00Z", 1772366400000000},
           {"2026-03-01T12:00:00", 1772366400000000},  // local, and tz is UTC
           {"2026-03-01T12:00", 1772366400000000},
           {"2026-03-01T12:00Z", 1772366400000000},
           {"2026-03-01T12:00:00+00:00", 1772366400000000},
           {"2026-03-01T12:00:00-00:00", 1772366400000000},
           {"2026-03-01T12:00:00+02:00", 1772359200000000},
           {"2026-03-01T12:00:00+0200", 1772359200000000},
           {"2026-03-01T12:00:00+02", 1772359200000000},
           {"2026-03-01T06:30:00-05:30", 1772366400000000},
           {"2026-03-01", 1772323200000000},
           {"2026-03-01T12:00:00.123456Z", 1772366400123456},
           {"2026-03-01T12:00:00.123456789Z", 1772366400123456},  // truncated, not rounded
           {"2026-03-01T12:00:00.999999999Z", 1772366400999999},
           {"2026-03-01T12:00:00.5Z", 1772366400500000},
           {"2026-03-01T12:00:00.05+02:00", 1772359200050000},
           {"1969-12-31T23:59:59.999999Z", -1},
           {"1970-01-01T00:00:00-05:30", 19800000000},
           {"1900-01-01T00:00:00Z", -2208988800000000},
           {"2000-02-29", 951782400000000},
           {"2024-02-29T23:59:59Z", 1709251199000000},
           {"0001-01-01T00:00:00Z", -62135596800000000},
           {"9999-12-31T23:59:59.999999Z", 253402300799999999},
           {"2038-01-19T03:14:08Z", 2147483648000000},
           {"2016-12-31T23:59:60Z", 1483228799999999},  // a leap second folds into :59.999999
           {"2016-12-31T23:59:60.5Z", 1483228799999999},
       }) {
    CAPTURE(std::string(c.text));
    int64_t t = 0;
    REQUIRE(parse_timestamp(c.text, utc, t));
    CHECK(t == c.want);
  }
  // Without an offset the time is local in the zone given.
  auto berlin = zone("Europe/Berlin");
  int64_t t = 0;
  REQUIRE(parse_timestamp("2026-03-01", *berlin, t));
  CHECK(t == at("2026-02-28T23:00:00Z"));
  REQUIRE(parse_timestamp("2026-07-01 12:00:00", *berlin, t));
  CHECK(t == at("2026-07-01T10:00:00Z"));
  REQUIRE(parse_timestamp("2026-03-29T02:30:00", *berlin, t));  // in the gap
  CHECK(t == at("2026-03-29T01:30:00Z"));
  REQUIRE(parse_timestamp("2026-07-01T12:00:00Z", *berlin, t));  // an offset wins over the zone
  CHECK(t == at("2026-07-01T12:00:00Z"));
  REQUIRE(parse_timestamp("2026-03-01T12:00:00", *TimeZone::load("+05:30"), t));
  CHECK(t == at("2026-03-01T06:30:00Z"));
}

TEST_CASE("time: parse_timestamp rejects everything else") {
  for (std::string_view bad : {"",
                               "2026",
                               "2026-03",
                               "2026-3-01",
                               "2026-03-1",
                               "2026/03/01",
                               "+2026-03-01",
                               "-2026-03-01",
                               "20260-03-01",
                               "２０２６-03-01",
                               " 2026-03-01",
                               "2026-03-01 ",
                               "2026-03-01x",
                               "2026-03-01Z",
                               "2026-13-01",
                               "2026-00-01",
                               "2026-03-00",
                               "2026-03-32",
                               "2026-02-29",
                               "1900-02-29",
                               "2100-02-29",
                               "2026-04-31",
                               "2026-03-01T",
                               "2026-03-01T12",
                               "2026-03-01T12:",
                               "2026-03-01T12:0",
                               "2026-03-01T1:00",
                               "2026-03-01T12:00:",
                               "2026-03-01T12:00:0",
                               "2026-03-01T12:00:0Z",
                               "2026-03-01_12:00:00",
                               "2026-03-01  12:00:00",
                               "2026-03-01T1a:00:00",
                               "2026-03-01T24:00:00Z",
                               "2026-03-01T12:60:00Z",
                               "2026-03-01T12:00:61Z",
                               "2026-03-01T12:00:00.Z",
                               "2026-03-01T12:00:00.",
                               "2026-03-01T12:00:00.1234567890Z",
                               "2026-03-01T12:00:00,5Z",
                               "2026-03-01T12:00:00.5.5Z",
                               "2026-03-01T12:00:00ZZ",
                               "2026-03-01T12:00:00Z ",
                               "2026-03-01T12:00:00 Z",
                               "2026-03-01T12:00:00+2",
                               "2026-03-01T12:00:00+02:0",
                               "2026-03-01T12:00:00+020",
                               "2026-03-01T12:00:00+02:00:00",
                               "2026-03-01T12:00:00+24:00",
                               "2026-03-01T12:00:00+02:60",
                               "2026-03-01T12:00:00+02:00Z",
                               "2026-03-01T12:00:00UTC",
                               "2026-03-01T12:00:00-",
                               "2026-03-01T12:00+",
                               "2026-03-01T12:00:00\n"}) {
    CAPTURE(bad);
    int64_t t = 42;
    CHECK_FALSE(parse_timestamp(bad, TimeZone::utc(), t));
    CHECK(t == 42);
  }
  // Embedded NUL and a string_view that ends early.
  int64_t t = 0;
  CHECK_FALSE(parse_timestamp(std::string_view("2026-03-01\0", 11), TimeZone::utc(), t));
  CHECK(parse_timestamp(std::string_view("2026-03-01T12:00:00Zjunk", 20), TimeZone::utc(), t));
  CHECK(t == 1772366400000000);
}

TEST_CASE("time: parse_timestamp over a million strings") {
  // Correctness only (not timed): random instants from 1900 to 2100, written in the
  // forms parse_timestamp reads, each parsed back.
  std::mt19937_64 rng(20260301);
  std::uniform_int_distribution<int64_t> pick(at("1900-01-01T00:00:00Z"), at("2100-12-31T23:59:59Z"));
  auto plus530 = TimeZone::load("+05:30");
  auto minus8 = TimeZone::load("-08:00");
  std::string s;
  int64_t failures = 0;
  for (int k = 0; k < 1000000; ++k) {
    int64_t t = pick(rng), want = t, got = 0;
    s.clear();
    switch (k % 5) {
      case 0: append_timestamp(s, t); break;                       // ...T12:00:00.123456Z
      case 1: format_time(t, "%F %T.%6f%Ez", *plus530, s); break;  // space, +05:30
      case 2: format_time(t, "%FT%T.%9f%z", *minus8, s); break;    // 9 digits, -0800
      case 3:                                                      // no fraction
        format_time(t, "%FT%T", TimeZone::utc(), s);
        want = t - (t % kSec + kSec) % kSec;
        break;
      case 4:  // date only
        format_time(t, "%F", TimeZone::utc(), s);
        want = trunc_time(t, TimeUnit::Day, TimeZone::utc());
        break;
    }
    if (!parse_timestamp(s, TimeZone::utc(), got) || got != want) {
      if (++failures < 5) FAIL_CHECK(s << " -> " << got << ", want " << want);
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("time: parse_timestamp_format") {
  const TimeZone& utc = TimeZone::utc();
  auto berlin = zone("Europe/Berlin");
  struct Case {
    const char* text;
    const char* format;
    const char* want;  // the instant, as parse_timestamp reads it
  };
  for (const Case& c : std::vector<Case>{
           {"2026-03-01 12:34:56", "%Y-%m-%d %H:%M:%S", "2026-03-01T12:34:56Z"},
           {"20260301T123456Z", "%Y%m%dT%H%M%S%z", "2026-03-01T12:34:56Z"},
           {"01/03/2026 12:34", "%d/%m/%Y %H:%M", "2026-03-01T12:34:00Z"},
           {"3/1/26 7:05 PM", "%m/%d/%y %I:%M %p", "2026-03-01T19:05:00Z"},
           {"3/1/69", "%m/%d/%y", "1969-03-01T00:00:00Z"},
           {"12:00 am", "%I:%M %p", "1970-01-01T00:00:00Z"},
           {"12:00 PM", "%I:%M %p", "1970-01-01T12:00:00Z"},
           {"11 am", "%I %p", "1970-01-01T11:00:00Z"},
           {"Sun, 01 Mar 2026 12:34:56 +0100", "%a, %d %b %Y %H:%M:%S %z", "2026-03-01T11:34:56Z"},
           {"Sunday 1 MARCH 2026", "%A %e %B %Y", "2026-03-01T00:00:00Z"},
           {"Mar  1 2026", "%b %e %Y", "2026-03-01T00:00:00Z"},
           {"SEP 30 2026", "%b %d %Y", "2026-09-30T00:00:00Z"},
           {"2026-060", "%Y-%j", "2026-03-01T00:00:00Z"},
           {"2024-366", "%Y-%j", "2024-12-31T00:00:00Z"},
           {"2026-03-01 060", "%F %j", "2026-03-01T00:00:00Z"},
           {"2026-03-01T12:34:56.5Z", "%FT%T.%f%z", "2026-03-01T12:34:56.5Z"},
           {"2026-03-01T12:34:56.123456789+05:30", "%FT%T.%f%z", "2026-03-01T12:34:56.123456+05:30"},
           {"12:34:56.123", "%T.%3f", "1970-01-01T12:34:56.123Z"},
           {"1772366400", "%s", "2026-03-01T12:00:00Z"},
           {"1772366400.25", "%s.%f", "2026-03-01T12:00:00.25Z"},
           {"-1.5", "%s.%f", "1969-12-31T23:59:58.5Z"},
           {"2026-03-01 12:00 UTC", "%F %R %Z", "2026-03-01T12:00:00Z"},
           {"2026-03-01 12:00 GMT", "%F %R %Z", "2026-03-01T12:00:00Z"},
           {"2026-03-01 12:00:60", "%F %T", "2026-03-01T12:00:59.999999Z"},
           {"100%", "100%%", "1970-01-01T00:00:00Z"},
           {"2026-03-01\t12:00", "%F%t%R", "2026-03-01T12:00:00Z"},
           {"2026-03-0112:00", "%F %R", "2026-03-01T12:00:00Z"},  // a space matches none too
       }) {
    CAPTURE(std::string(c.text));
    CAPTURE(std::string(c.format));
    int64_t t = 0;
    REQUIRE(parse_timestamp_format(c.text, c.format, utc, t));
    CHECK(show(t, utc) == show(at(c.want), utc));
    CHECK(t == at(c.want));
  }
  // Local time in the zone unless an offset or a UTC name is given; other names are skipped.
  int64_t t = 0;
  REQUIRE(parse_timestamp_format("2026-07-01 12:00", "%F %R", *berlin, t));
  CHECK(t == at("2026-07-01T10:00:00Z"));
  REQUIRE(parse_timestamp_format("2026-07-01 12:00 CEST", "%F %R %Z", *berlin, t));
  CHECK(t == at("2026-07-01T10:00:00Z"));
  REQUIRE(parse_timestamp_format("2026-07-01 12:00 UTC", "%F %R %Z", *berlin, t));
  CHECK(t == at("2026-07-01T12:00:00Z"));
  REQUIRE(parse_timestamp_format("2026-07-01 12:00 +0000 CEST", "%F %R %z %Z", *berlin, t));
  CHECK(t == at("2026-07-01T12:00:00Z"));

  for (const Case& c : std::vector<Case>{
           {"2026-02-29", "%Y-%m-%d", ""},
           {"2026-13-01", "%Y-%m-%d", ""},
           {"2026-00-01", "%Y-%m-%d", ""},
           {"2026-01-00", "%Y-%m-%d", ""},
           {"2026-03-01 24:00", "%F %R", ""},
           {"2026-03-01 12:61", "%F %R", ""},
           {"2026-03-01 12:00:61", "%F %T", ""},
           {"13:00 PM", "%I:%M %p", ""},
           {"00:00 AM", "%I:%M %p", ""},
           {"12:00 XM", "%I:%M %p", ""},
           {"2026-366", "%Y-%j", ""},
           {"2026-000", "%Y-%j", ""},
           {"2026-03-01 061", "%F %j", ""},  // the day of year disagrees
           {"2026-03-01x", "%Y-%m-%d", ""},  // trailing input
           {"2026-03", "%Y-%m-%d", ""},      // input ends early
           {"2026/03/01", "%Y-%m-%d", ""},
           {"Mrz 1 2026", "%b %d %Y", ""},
           {"Sept 30 2026", "%b %d %Y", ""},  // "Sep", then "t" is no day
           {"2026-03-01 12:00 +25:00", "%F %R %z", ""},
           {"2026-03-01 12:00 +2", "%F %R %z", ""},
           {"12:34:56.12", "%T.%3f", ""},
           {"abc", "%s", ""},
           {"2026-03-01", "%Y-%m-%d %Q", ""},  // unknown directive
           {"2026-03-01", "%Y-%m-%d%", ""},
       }) {
    CAPTURE(std::string(c.text));
    CAPTURE(std::string(c.format));
    int64_t u = 7;
    CHECK_FALSE(parse_timestamp_format(c.text, c.format, utc, u));
  }
  CHECK_FALSE(parse_timestamp_format("12", "%Z", utc, t));  // %Z needs letters

  std::string bad;
  CHECK(validate_parse_format("%Y-%m-%dT%H:%M:%S.%f%z %Z %j %e %b %B %h %a %A %I %p %y %s %F %T %R %n %t %% %3f", bad));
  CHECK(bad.empty());
  CHECK_FALSE(validate_parse_format("%Y-%Q", bad));
  CHECK(bad == "%Q");
  CHECK_FALSE(validate_parse_format("%Y%", bad));
  CHECK(bad == "%");
  CHECK_FALSE(validate_parse_format("%V", bad));  // ISO weeks are written, not read
  CHECK(bad == "%V");
}

TEST_CASE("time: format_time, every directive") {
  auto berlin = zone("Europe/Berlin");
  int64_t t = at("2026-03-01T12:34:56.789012Z");  // 13:34:56 CET, a Sunday
  struct Case {
    const char* format;
    const char* want;  // strftime's answer from Python, except %s (Python's is off by the zone)
  };
  for (const Case& c : std::vector<Case>{
           {"%Y", "2026"},
           {"%m", "03"},
           {"%d", "01"},
           {"%H", "13"},
           {"%M", "34"},
           {"%S", "56"},
           {"%f", "789012"},
           {"%3f", "789"},
           {"%1f", "7"},
           {"%9f", "789012000"},
           {"%z", "+0100"},
           {"%Ez", "+01:00"},
           {"%:z", "+01:00"},
           {"%Z", "CET"},
           {"%j", "060"},
           {"%a", "Sun"},
           {"%A", "Sunday"},
           {"%b", "Mar"},
           {"%B", "March"},
           {"%h", "Mar"},
           {"%u", "7"},
           {"%w", "0"},
           {"%V", "09"},
           {"%G", "2026"},
           {"%g", "26"},
           {"%e", " 1"},
           {"%I", "01"},
           {"%p", "PM"},
           {"%P", "pm"},
           {"%y", "26"},
           {"%s", "1772368496"},
           {"%F", "2026-03-01"},
           {"%T", "13:34:56"},
           {"%R", "13:34"},
           {"%n", "\n"},
           {"%t", "\t"},
           {"%%", "%"},
           {"", ""},
           {"no directives", "no directives"},
           {"%FT%T.%3f%Ez", "2026-03-01T13:34:56.789+01:00"},
           {"[%d.%m.%Y %H:%M %Z]", "[01.03.2026 13:34 CET]"},
       }) {
    CAPTURE(std::string(c.format));
    CHECK(fmt(t, c.format, *berlin) == c.want);
  }
  // Summer time, UTC, fixed offsets, offsets with seconds (LMT).
  CHECK(fmt(at("2026-07-01T12:00:00Z"), "%T %z %Ez %Z", *berlin) == "14:00:00 +0200 +02:00 CEST");
  CHECK(fmt(at("2026-07-01T12:00:00Z"), "%T %z %Ez %Z") == "12:00:00 +0000 +00:00 UTC");
  CHECK(fmt(0, "%T %z %Ez %Z", *TimeZone::load("-05:30")) == "18:30:00 -0530 -05:30 -05:30");
  CHECK(fmt(at("1893-01-01T00:00:00Z"), "%T %z %Ez %Z", *berlin) == "00:53:28 +005328 +00:53:28 LMT");
  CHECK(fmt(0, "%Z", *zone("America/Sao_Paulo")) == "-03");
  // 12-hour clock and padding.
  CHECK(fmt(at("2026-03-01T00:05:00Z"), "%I %p %e") == "12 AM  1");
  CHECK(fmt(at("2026-03-01T12:05:00Z"), "%I %p") == "12 PM");
  CHECK(fmt(at("2026-03-31T23:05:00Z"), "%I %p %e %j") == "11 PM 31 090");
  // ISO weeks at the turn of the year (values from Python's isocalendar).
  CHECK(fmt(at("2027-01-01T00:00:00Z"), "%G-W%V-%u %j %a") == "2026-W53-5 001 Fri");
  CHECK(fmt(at("2021-01-03T00:00:00Z"), "%G-W%V-%u") == "2020-W53-7");
  CHECK(fmt(at("2024-12-30T00:00:00Z"), "%G-W%V-%u %j") == "2025-W01-1 365");
  CHECK(fmt(at("2020-12-31T00:00:00Z"), "%G-W%V-%u %j") == "2020-W53-4 366");
  CHECK(fmt(at("2008-12-29T00:00:00Z"), "%G %g-W%V") == "2009 09-W01");
  CHECK(fmt(at("2010-01-03T00:00:00Z"), "%G-W%V") == "2009-W53");
  // Before 1970, and years before 1000.
  CHECK(fmt(-1, "%F %T.%f %s") == "1969-12-31 23:59:59.999999 -1");
  CHECK(fmt(-1000001, "%s") == "-2");
  CHECK(fmt(at("0999-05-06T07:08:09Z"), "%Y %y %G") == "0999 99 0999");
  CHECK(fmt(at("1900-02-28T00:00:00Z"), "%F %A") == "1900-02-28 Wednesday");
  CHECK(fmt(at("2000-02-29T00:00:00Z"), "%F %A %j") == "2000-02-29 Tuesday 060");

  // format_time appends, and leaves out alone on failure.
  std::string out = "x=";
  CHECK(format_time(0, "%F", TimeZone::utc(), out));
  CHECK(out == "x=1970-01-01");
  CHECK_FALSE(format_time(0, "%F %Q", TimeZone::utc(), out));
  CHECK(out == "x=1970-01-01");
  CHECK_FALSE(format_time(0, "%F %", TimeZone::utc(), out));
  CHECK(out == "x=1970-01-01");

  std::string bad;
  CHECK(validate_time_format("%Y%m%d%H%M%S%f%3f%z%Ez%:z%Z%j%a%A%b%B%h%u%w%V%G%g%e%I%p%P%y%s%F%T%R%n%t%%", bad));
  CHECK(bad.empty());
  const std::pair<std::string, std::string> unknown[] = {{"%Y-%Q", "%Q"}, {"%", "%"},   {"abc%", "%"}, {"%E", "%E"},
                                                         {"%Ex", "%Ex"},  {"%:", "%:"}, {"%0f", "%0"}, {"%k", "%k"}};
  for (const auto& c : unknown) {
    CAPTURE(c.first);
    CHECK_FALSE(validate_time_format(c.first, bad));
    CHECK(bad == c.second);
    std::string o;
    CHECK_FALSE(format_time(0, c.first, TimeZone::utc(), o));
  }
}

TEST_CASE("time: durations") {
  constexpr int64_t m = 60 * kSec, h = 60 * m, d = 24 * h;
  for (const auto& c : std::vector<std::pair<std::string, int64_t>>{
           {"15m", 15 * m},
           {"1h", h},
           {"1d", d},
           {"2w", 14 * d},
           {"30s", 30 * kSec},
           {"500ms", 500000},
           {"100us", 100},
           {"100µs", 100},
           {"1h30m", 90 * m},
           {"1d12h", 36 * h},
           {"1w2d3h4m5s6ms7us", 7 * d + 2 * d + 3 * h + 4 * m + 5 * kSec + 6007},
           {"1h90m", 150 * m},
           {"1.5h", 90 * m},
           {"0.25s", 250000},
           {"0.5ms", 500},
           {"0s", 0},
           {"0", 0},
           {"-15m", -15 * m},
           {"+15m", 15 * m},
           {"-1h30m", -90 * m},
           {"106751991d", 106751991 * d},
           {"9223372036854775807us", std::numeric_limits<int64_t>::max()},
       }) {
    CAPTURE(c.first);
    int64_t got = 0;
    REQUIRE(parse_duration(c.first, got));
    CHECK(got == c.second);
  }
  for (std::string_view bad : {"",
                               "15",
                               "m",
                               "1mo",
                               "1y",
                               "1M",
                               "1H",
                               "1 h",
                               " 1h",
                               "1h ",
                               "1h1h",
                               "30m1h",
                               "1m1m",
                               "1ms1s",
                               "1us1µs",
                               "1..5h",
                               "1.h",
                               ".5h",
                               "1.5",
                               "0.1us",
                               "0.0000001s",
                               "--1h",
                               "-",
                               "1h-30m",
                               "106751992d",
                               "9223372036854775808us",
                               "99999999999999999999999h",
                               "1ns",
                               "1.0000000000000000001s"}) {
    CAPTURE(bad);
    int64_t got = 42;
    CHECK_FALSE(parse_duration(bad, got));
    CHECK(got == 42);
  }
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(90 * m) == "1h30m");
  CHECK(format_duration(d) == "1d");
  CHECK(format_duration(14 * d) == "14d");
  CHECK(format_duration(-500000) == "-500ms");
  CHECK(format_duration(1) == "1us");
  CHECK(format_duration(d + 1) == "1d1us");
  CHECK(format_duration(std::numeric_limits<int64_t>::min()) == "-106751991d4h54s775ms808us");
  // format_duration's output reads back.
  std::mt19937_64 rng(7);
  for (int k = 0; k < 10000; ++k) {
    int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    int64_t back = 0;
    REQUIRE(parse_duration(format_duration(v), back));
    CHECK(back == v);
  }
}
