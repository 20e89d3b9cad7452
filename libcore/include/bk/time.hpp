// Time: calendar units, time zones (UTC, fixed offsets, IANA zones read from the
// system's TZif files), civil fields, truncation to calendar units, fixed windows,
// timestamp parsing and formatting, durations.
//
// A timestamp is int64 microseconds since 1970-01-01T00:00:00Z (leap seconds not
// counted, as in POSIX). A "local" value is the same count read off a wall clock:
// microseconds since 1970-01-01T00:00:00 local time. Everything here is exact for
// years -100000..100000; nothing allocates on the per-value paths (parse_timestamp,
// offset_at, local_to_utc, to_civil, trunc_time, next_time, bucket_time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bk {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;
inline constexpr int64_t kMicrosPerWeek = 7 * kMicrosPerDay;

enum class TimeUnit { Microsecond, Millisecond, Second, Minute, Hour, Day, Week, Month, Quarter, Year };

// "microsecond"/"us", "millisecond"/"ms", "second"/"sec"/"s", "minute"/"min", "hour"/"h",
// "day"/"d", "week"/"w", "month", "quarter", "year"; each full name also in the plural
// ("days"). Lower case only; "m" is refused (minute or month?).
bool parse_time_unit(std::string_view s, TimeUnit& u);
// The singular full name: "day".
std::string_view time_unit_name(TimeUnit u);

// A time zone: UTC, a fixed offset, or an IANA zone read from a TZif file (versions
// 1-4; the 64-bit data of version 2+, and its POSIX TZ footer rule beyond the last
// transition). Immutable, so one zone is shared by every thread.
class TimeZone {
 public:
  static const TimeZone& utc();
  // "UTC", "utc", "Z": UTC. "+02:00", "-0530", "+05": a fixed offset (up to 23:59).
  // Anything else names a TZif file under $TZDIR, else /usr/share/zoneinfo
  // ("Europe/Berlin", "Etc/GMT+5"). Loaded zones are cached (thread-safe); a repeated
  // load returns the same object. Throws bk::Error naming the zone, with a hint, when
  // the name is unknown (Kind::Usage) or the file is unreadable or corrupt (Kind::Data).
  static std::shared_ptr<const TimeZone> load(std::string_view name);
  // A zone built from the bytes of a TZif file (tests, embedded data); not cached.
  // Throws bk::Error (Kind::Data) when the bytes are not a valid TZif file.
  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view bytes);
  // A fixed offset, seconds east of UTC (|offset| < 24h); named "+02:00".
  static std::shared_ptr<const TimeZone> fixed(int32_t offset_seconds);

  const std::string& name() const { return name_; }
  // True for UTC and fixed offsets, and for TZif zones with one offset forever
  // (Etc/GMT+5): their local time is pure arithmetic.
  bool is_fixed() const { return at_.size() == 1 && !rule_.dst; }
  // The offset of a fixed zone (seconds east of UTC); for others, the earliest offset.
  int32_t fixed_offset() const { return off_[0]; }

  // Seconds east of UTC in effect at that instant.
  int64_t offset_at(int64_t utc_micros) const;
  // The abbreviation in effect ("CET", "CEST", "-03" as tzdata spells it); "UTC" for
  // UTC; the offset ("+02:00") for a fixed offset.
  std::string_view abbreviation_at(int64_t utc_micros) const;

  // Local wall-clock time -> UTC. A local time that does not exist (in the gap of a
  // spring-forward transition) is read with the offset in effect before the gap, so it
  // lands as far after the gap as it was into it: 02:30 in Berlin on 2026-03-29 is
  // 03:30 CEST. A local time that exists twice (in the overlap of a fall-back
  // transition) is the earlier instant. This is the "compatible" disambiguation of
  // JavaScript's Temporal, and what Python's zoneinfo does with fold=0.
  int64_t local_to_utc(int64_t local_micros) const;
  // Like local_to_utc, except that a local time in a gap gives the end of the gap, the
  // first instant after it: where a day starts whose midnight was skipped.
  int64_t local_to_utc_start(int64_t local_micros) const;
  int64_t utc_to_local(int64_t utc_micros) const {
    int64_t r;  // saturates instead of overflowing at the ends of the int64 range
    if (__builtin_add_overflow(utc_micros, offset_at(utc_micros) * kMicrosPerSecond, &r))
      return utc_micros < 0 ? INT64_MIN : INT64_MAX;
    return r;
  }

  // An interval of constant offset: [start, end) in UTC micros (INT64_MIN / INT64_MAX
  // when open), its offset and the offset of the interval before it (seconds).
  struct Span {
    int64_t start, end;
    int32_t offset, prev_offset;
    int32_t abbr;  // index into the zone's abbreviations
  };
  Span span_at(int64_t utc_micros) const;
  // The abbreviation of a Span.
  std::string_view abbreviation(int32_t index) const { return abbrs_[index]; }

  // A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"); public only so the loader can fill it.
  struct RuleDate {
    char kind = 0;  // 'J' (1-365, no Feb 29), 'D' (0-365), 'M' (month.week.weekday)
    int16_t month = 0, week = 0, weekday = 0;
    int32_t day = 0;
    int32_t time = 7200;  // seconds after local midnight, -167h..167h
  };
  struct Rule {
    bool dst = false;                        // false: the standard offset forever
    int32_t std_offset = 0, dst_offset = 0;  // seconds east of UTC
    int32_t std_abbr = 0, dst_abbr = 0;
    RuleDate start, end;  // local times: start in standard time, end in daylight time
  };

 private:
  struct Private {};

 public:
  explicit TimeZone(Private) {}

 private:
  friend struct ZoneBuilder;
  Span rule_span(int64_t utc_micros) const;
  int64_t resolve_local(int64_t local_micros, bool gap_to_end) const;

  std::string name_;
  // at_[0] is INT64_MIN; from at_[k] on, off_[k] (seconds) and abbrs_[abbr_[k]] hold.
  // TZif transitions, then the footer rule's transitions up to the end of 2100.
  std::vector<int64_t> at_;
  std::vector<int32_t> off_;
  std::vector<int32_t> abbr_;
  std::vector<std::string> abbrs_;
  Rule rule_;            // applies after at_.back() when rule_.dst (years after 2100)
  int64_t min_off_ = 0;  // the least and greatest offsets (micros), to bound local_to_utc
  int64_t max_off_ = 0;
};

// The fields of an instant read in a zone. weekday: 1 = Monday .. 7 = Sunday (ISO);
// yday: 1 = January 1st .. 366.
struct CivilTime {
  int64_t year;
  int month, day, hour, minute, second, micros;
  int weekday;
  int yday;
};
CivilTime to_civil(int64_t utc_micros, const TimeZone& tz);

// Start of the calendar unit containing t, read in tz, as UTC micros. Weeks start on
// Monday (ISO). Exact across offset changes:
// - Day and longer: the first instant of that local date (week, month...). Where local
//   midnight does not exist the day starts when the gap ends (2011-12-31T00:00+14:00 in
//   Pacific/Apia); where it exists twice, at the first. Where a fall-back crosses
//   midnight and a date recurs, its window still ends where the next date first begins.
// - Minute and Hour: the latest instant <= t whose local time is a whole minute/hour,
//   or the transition that changed the hour label if that came later. So the repeated
//   hour of a fall-back in Berlin is two windows of one hour, 02:00+02:00 and
//   02:00+01:00, and after Lord Howe's 30-minute spring-forward the hour starts at
//   02:30.
// - Microsecond, Millisecond, Second: offsets are whole seconds, so plain arithmetic.
// In UTC and fixed offsets every unit is arithmetic without a table look-up.
// The zone of a --tz flag: null for "" (UTC); errors as TimeZone::load's, naming --tz.
std::shared_ptr<const TimeZone> load_tz_flag(const std::string& name);

int64_t trunc_time(int64_t utc_micros, TimeUnit unit, const TimeZone& tz);
// Start of the unit after the one containing t (the end of t's window), in tz:
// trunc_time(t) <= t < next_time(t), and next_time(t) is where the next unit starts.
int64_t next_time(int64_t utc_micros, TimeUnit unit, const TimeZone& tz);
// Fixed windows aligned to the epoch: floor(t / width) * width (width > 0; exact for
// negative t; t itself is returned when width <= 0).
int64_t bucket_time(int64_t utc_micros, int64_t width_micros);

// Parses RFC 3339 and the common ISO 8601 forms:
//   2026-03-01                     local midnight in tz
//   2026-03-01T12:00               seconds optional; 'T', 't' or ' ' between date and time
//   2026-03-01T12:00:00.123456789  1-9 fraction digits, truncated to microseconds
//   ...Z  ...z  ...+02:00  ...+0200  ...+02   an offset; without one the time is local in tz
// Strict: 4-digit year, month 1-12, day valid for the month (leap years), hour 0-23,
// minute 0-59, second 0-60, offset up to 23:59, nothing before or after. Second 60 (a
// leap second) is folded into the second before it: 23:59:60.5Z is 23:59:59.999999Z,
// which keeps the date and the order. Returns false on anything else; no exceptions,
// no allocation.
bool parse_timestamp(std::string_view s, const TimeZone& tz, int64_t& utc_micros);

// strptime-like. Directives (numbers take 1 up to the width shown, no sign):
//   %Y year (4)  %m month (2)  %d day (2)  %e day, optional leading space  %j day of year (3)
//   %H hour (2)  %I hour 1-12 (2)  %p AM/PM (any case; with %I)  %M minute (2)  %S second (2, 60 folds)
//   %y year 69-99 -> 19xx, 00-68 -> 20xx   %b %B %h English month name, full or 3 letters, any case
//   %a %A English weekday name, full or 3 letters (read, not checked against the date)
//   %f fraction 1-9 digits (%3f: exactly 3)   %s epoch seconds (optional '-'; other fields then ignored)
//   %z Z, +hh:mm, +hhmm, +hh   %Z a zone abbreviation: letters; UTC/GMT/UT/Z mean offset 0, others are skipped
//   %F = %Y-%m-%d   %T = %H:%M:%S   %R = %H:%M   %n %t whitespace   %% a '%'
// A space in the format matches any run of spaces and tabs (also none); other characters
// match themselves. Missing fields default to 1970-01-01 00:00:00; without %z (or a UTC
// %Z) the time is local in tz. False on a mismatch, an invalid date, trailing input, or
// an unknown directive (validate_parse_format says which).
bool parse_timestamp_format(std::string_view s, std::string_view format, const TimeZone& tz, int64_t& utc_micros);
bool validate_parse_format(std::string_view format, std::string& bad);

// strftime-like, in tz; APPENDS to out (out is left as it was on failure).
//   %Y year (4 digits, zero padded; other years as a plain number)  %m %d %H %M %S (2 digits)
//   %f microseconds (6 digits; %1f..%9f: that many digits, truncated or zero padded)
//   %z +0100 (+hhmmss when the offset has seconds)  %Ez and %:z +01:00 (+hh:mm:ss)
//   %Z abbreviation (CET; UTC; a fixed offset prints as +01:00)
//   %j day of year (3)  %a %A %b %B %h English names  %u 1-7 (Monday=1)  %w 0-6 (Sunday=0)
//   %V ISO week (2)  %G ISO week-based year  %g its last 2 digits  %e day, space padded
//   %I hour 01-12  %p AM/PM  %P am/pm  %y year mod 100  %s epoch seconds (floor)
//   %F = %Y-%m-%d  %T = %H:%M:%S  %R = %H:%M  %n newline  %t tab  %% a '%'
// Returns false on an unknown directive or a lone '%' at the end; validate_time_format
// finds it once at parse time (`bad` gets the directive, "%Q").
bool format_time(int64_t utc_micros, std::string_view format, const TimeZone& tz, std::string& out);
bool validate_time_format(std::string_view format, std::string& bad);

// Durations: one or more NUMBER UNIT pairs, units w d h m s ms us (or µs) in decreasing
// order ("1h30m", "1d12h", "500ms"); a number may have a fraction when the result is a
// whole number of microseconds ("1.5h", "0.25s"); an optional leading '-' or '+'; "0"
// alone. False on anything else (no unit, "1m1m", "1mo", overflow).
bool parse_duration(std::string_view s, int64_t& micros);
// The shortest form parse_duration reads back: "1h30m", "1d", "-500ms", "0s". Uses
// d h m s ms us (no weeks).
std::string format_duration(int64_t micros);

}  // namespace bk
