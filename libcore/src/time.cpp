// Time zones, calendar truncation, timestamp parsing and formatting.
//
// Instants are int64 microseconds since the epoch, UTC. A zone turns an instant into
// wall-clock ("local") microseconds by adding an offset, and the offset is a step
// function of the instant. So a zone is stored as that step function: a sorted table of
// transition instants at_[k] with the offset off_[k] in effect from each on. at_[0] is
// INT64_MIN, so every instant has a step, and offset_at is one branch-free binary search
// over a few hundred int64s; nothing is evaluated per call.
//
// The table comes from the system's TZif files (RFC 8536; Debian's tzdata package), read
// by our own reader because libstdc++ 12 has no std::chrono zone database. A version 2+
// file holds a 32-bit copy of its data for old readers, which we skip, then 64-bit
// transition times, the local time types (offset, DST flag, abbreviation) and a footer:
// a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") for instants after the last transition.
// tzdata's "slim" files stop their tables early and rely on the rule; "fat" ones run to
// 2037. Either way we expand the rule at load into table rows up to the end of 2100, so
// the years anyone stores data for never reach the rule. After 2100 the rule is
// evaluated on the spot (rule_span): the transitions of four years around the instant,
// a few dozen instructions. Transitions before the representable range (the "big bang"
// row at -2^59 s) only decide the initial offset. Zones with leap-second tables (right/)
// are refused: our timestamps, like POSIX time, do not count leap seconds.
//
// Local -> UTC has no single answer near a transition: a local time in the gap of a
// spring-forward never happens, one in the overlap of a fall-back happens twice. The
// candidates are t = L - offset for the offsets in effect within [L - max offset,
// L - min offset]; local_to_utc walks the (one to three) steps of that window and keeps
// the first t that lies in its own step. None means a gap: then the offset before the
// transition is used ("compatible" in Temporal; fold=0 in Python), or, for the start of
// a calendar unit, the end of the gap, which is the first instant that unit has.
//
// Truncation reads t in the zone, truncates the wall-clock value, and maps it back.
// For days and longer the answer is the first instant of that local date, and the
// common case (the start lies in t's own step and not in an overlap) needs no second
// look-up. For hours and minutes it is the latest instant <= t whose wall clock shows a
// whole hour, or the transition itself when that changed the hour (Lord Howe's
// 30-minute shift): so a fall-back hour is two buckets of one hour, not one of two.
// UTC and fixed offsets never touch a table: all of it is floor division.
//
// Zones are immutable once built and shared by pointer; the load cache is the only
// shared mutable state and takes a mutex (zones are loaded when an expression is
// compiled, never per value).
#include "bk/time.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// Seconds whose microseconds fit in int64.
constexpr int64_t kMaxSeconds = kMax / kMicrosPerSecond;
constexpr int64_t kMinSeconds = -kMaxSeconds;
constexpr int64_t kMaxDays = kMax / kMicrosPerDay;
// Rule transitions are expanded into the table up to the end of this year.
constexpr int64_t kTableEndYear = 2100;

int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMax : kMin;
  return r;
}
int64_t sat_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? kMax : kMin;
  return r;
}
int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b < 0) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) {  // b > 0
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}
// The multiple of w at or below a (w > 0), saturating at INT64_MIN.
int64_t floor_to(int64_t a, int64_t w) { return sat_sub(a, floor_mod(a, w)); }

int64_t seconds_to_micros(int64_t s) {
  if (s > kMaxSeconds) return kMax;
  if (s < kMinSeconds) return kMin + 1;  // INT64_MIN is the table's sentinel
  return s * kMicrosPerSecond;
}
int64_t days_to_micros(int64_t days) {
  if (days > kMaxDays) return kMax;
  if (days < -kMaxDays) return kMin;
  return days * kMicrosPerDay;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}
int64_t year_of_days(int64_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return y;
}
// 1 = Monday .. 7 = Sunday; 1970-01-01 was a Thursday.
int iso_weekday(int64_t days) { return static_cast<int>(floor_mod(days + 3, 7)) + 1; }

int64_t unit_width(TimeUnit u) {
  switch (u) {
    case TimeUnit::Microsecond: return 1;
    case TimeUnit::Millisecond: return 1000;
    case TimeUnit::Second: return kMicrosPerSecond;
    case TimeUnit::Minute: return kMicrosPerMinute;
    case TimeUnit::Hour: return kMicrosPerHour;
    case TimeUnit::Day: return kMicrosPerDay;
    case TimeUnit::Week: return kMicrosPerWeek;
    default: return 0;  // calendar months
  }
}

// Start of the unit containing a wall-clock value (local micros), as a wall-clock value.
int64_t trunc_local(int64_t local, TimeUnit unit) {
  if (int64_t w = unit_width(unit); w && unit != TimeUnit::Week) return floor_to(local, w);
  int64_t days = floor_div(local, kMicrosPerDay);
  if (unit == TimeUnit::Week) return days_to_micros(days - (iso_weekday(days) - 1));
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (unit == TimeUnit::Quarter) m = (m - 1) / 3 * 3 + 1;
  if (unit == TimeUnit::Year) m = 1;
  return days_to_micros(days_from_civil(y, m, 1));
}

// The wall-clock start of the unit after the one starting at `start`.
int64_t add_unit_local(int64_t start, TimeUnit unit) {
  if (int64_t w = unit_width(unit)) return sat_add(start, w);
  int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(start, kMicrosPerDay), y, m, d);
  int64_t months = unit == TimeUnit::Month ? 1 : unit == TimeUnit::Quarter ? 3 : 12;
  int64_t index = y * 12 + (m - 1) + months;
  return days_to_micros(days_from_civil(floor_div(index, 12), static_cast<unsigned>(floor_mod(index, 12)) + 1, 1));
}

// ---- POSIX TZ rules ----------------------------------------------------------------

// Local seconds (since the local epoch) at which a rule date falls in `year`.
int64_t rule_local_seconds(int64_t year, const TimeZone::RuleDate& r) {
  int64_t jan1 = days_from_civil(year, 1, 1);
  int64_t day;
  if (r.kind == 'J') {
    day = jan1 + r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);
  } else if (r.kind == 'D') {
    day = jan1 + r.day;
  } else {
    int64_t first = days_from_civil(year, static_cast<unsigned>(r.month), 1);
    int first_wd = iso_weekday(first) % 7;  // 0 = Sunday, as in the rule
    day = first + (r.weekday - first_wd + 7) % 7 + 7 * (r.week - 1);
    while (day >= first + days_in_month(year, r.month)) day -= 7;
  }
  return day * 86400 + r.time;
}

struct RuleTransition {
  int64_t at;  // UTC seconds
  int32_t offset, abbr;
};

// The rule's transitions in years [y0, y1], in time order; where two fall on one
// instant (DST all year: "EST5EDT,0/0,J365/25") the later-listed wins, and rows that
// change nothing are dropped.
template <typename Out>
void rule_transitions(const TimeZone::Rule& rule, int64_t y0, int64_t y1, Out& out) {
  size_t begin = out.size();
  for (int64_t y = y0; y <= y1; ++y) {
    out.push_back({rule_local_seconds(y, rule.start) - rule.std_offset, rule.dst_offset, rule.dst_abbr});
    out.push_back({rule_local_seconds(y, rule.end) - rule.dst_offset, rule.std_offset, rule.std_abbr});
  }
  for (size_t r = begin + 1; r < out.size(); ++r) {  // insertion sort: stable, no allocation
    RuleTransition x = out[r];
    size_t j = r;
    for (; j > begin && out[j - 1].at > x.at; --j) out[j] = out[j - 1];
    out[j] = x;
  }
  size_t w = begin;
  for (size_t r = begin; r < out.size(); ++r) {
    if (r + 1 < out.size() && out[r + 1].at == out[r].at) continue;
    if (w > begin && out[w - 1].offset == out[r].offset && out[w - 1].abbr == out[r].abbr) continue;
    out[w++] = out[r];
  }
  out.resize(w);
}

// A fixed-capacity vector for rule_span (no allocation per call).
struct SmallTransitions {
  std::array<RuleTransition, 8> v;
  size_t n = 0;
  size_t size() const { return n; }
  void push_back(const RuleTransition& t) { v[n++] = t; }
  RuleTransition& operator[](size_t i) { return v[i]; }
  void resize(size_t k) { n = k; }
};

// Parses the POSIX TZ string grammar (POSIX XBD 8.3 with the RFC 8536 extensions).
class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}

  // Names are returned through std_name/dst_name; false on a syntax error.
  bool parse(TimeZone::Rule& r, std::string& std_name, std::string& dst_name) {
    if (!name(std_name) || !offset(r.std_offset, 24)) return false;
    r.std_offset = -r.std_offset;  // POSIX offsets count west
    if (i_ == s_.size()) return true;
    if (!name(dst_name)) return false;
    r.dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (i_ < s_.size() && s_[i_] != ',') {
      if (!offset(r.dst_offset, 24)) return false;
      r.dst_offset = -r.dst_offset;
    }
    if (i_ == s_.size()) {  // no rule: the US rules, as glibc assumes
      r.start = {'M', 3, 2, 0, 0, 7200};
      r.end = {'M', 11, 1, 0, 0, 7200};
      return true;
    }
    if (!date(r.start) || !date(r.end)) return false;
    return i_ == s_.size();
  }

 private:
  bool name(std::string& out) {
    size_t b = i_;
    if (i_ < s_.size() && s_[i_] == '<') {
      size_t e = s_.find('>', i_);
      if (e == std::string_view::npos || e - i_ < 4) return false;
      out.assign(s_.substr(i_ + 1, e - i_ - 1));
      i_ = e + 1;
      return true;
    }
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    if (i_ - b < 3) return false;
    out.assign(s_.substr(b, i_ - b));
    return true;
  }
  bool number(int& v, int max_digits) {
    int k = 0;
    v = 0;
    while (i_ < s_.size() && k < max_digits && s_[i_] >= '0' && s_[i_] <= '9') v = v * 10 + (s_[i_++] - '0'), ++k;
    return k > 0;
  }
  // [+-]hh[:mm[:ss]], hours up to max_hours; seconds out.
  bool offset(int32_t& out, int max_hours) {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    int h, m = 0, sec = 0;
    if (!number(h, 3) || h > max_hours) return false;
    if (i_ < s_.size() && s_[i_] == ':') {
      ++i_;
      if (!number(m, 2) || m > 59) return false;
      if (i_ < s_.size() && s_[i_] == ':') {
        ++i_;
        if (!number(sec, 2) || sec > 59) return false;
      }
    }
    out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
  bool date(TimeZone::RuleDate& d) {
    if (i_ >= s_.size() || s_[i_] != ',') return false;
    ++i_;
    int v;
    if (i_ < s_.size() && s_[i_] == 'J') {
      ++i_;
      if (!number(v, 3) || v < 1 || v > 365) return false;
      d.kind = 'J';
      d.day = v;
    } else if (i_ < s_.size() && s_[i_] == 'M') {
      ++i_;
      int m, w, wd;
      if (!number(m, 2) || m < 1 || m > 12 || !expect('.') || !number(w, 1) || w < 1 || w > 5 || !expect('.') ||
          !number(wd, 1) || wd > 6)
        return false;
      d.kind = 'M';
      d.month = static_cast<int16_t>(m);
      d.week = static_cast<int16_t>(w);
      d.weekday = static_cast<int16_t>(wd);
    } else {
      if (!number(v, 3) || v > 365) return false;
      d.kind = 'D';
      d.day = v;
    }
    d.time = 7200;
    if (i_ < s_.size() && s_[i_] == '/') {
      ++i_;
      if (!offset(d.time, 167)) return false;
    }
    return true;
  }
  bool expect(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// "+05:30" ("+05:30:15" with seconds).
std::string offset_name(int32_t off) {
  std::string s(1, off < 0 ? '-' : '+');
  int32_t a = off < 0 ? -off : off;
  auto two = [&](int v) {
    s += char('0' + v / 10);
    s += char('0' + v % 10);
  };
  two(a / 3600);
  s += ':';
  two(a / 60 % 60);
  if (a % 60) s += ':', two(a % 60);
  return s;
}

// "+02:00", "-0530", "+05": a fixed offset name (hours up to 23, minutes up to 59).
bool parse_fixed_name(std::string_view s, int32_t& off) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  if (!digit(1) || !digit(2)) return false;
  int h = (s[1] - '0') * 10 + (s[2] - '0'), m = 0;
  size_t i = 3;
  if (i < s.size() && s[i] == ':') ++i;
  if (i < s.size()) {
    if (!digit(i) || !digit(i + 1) || i + 2 != s.size() || (i == 3 && s.size() != 5)) return false;
    m = (s[i] - '0') * 10 + (s[i + 1] - '0');
  } else if (i != 3) {
    return false;  // "+02:"
  }
  if (h > 23 || m > 59) return false;
  off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

}  // namespace

// ---- Building zones ----------------------------------------------------------------

struct ZoneBuilder {
  std::shared_ptr<TimeZone> z;

  explicit ZoneBuilder(std::string name) : z(std::make_shared<TimeZone>(TimeZone::Private{})) {
    z->name_ = std::move(name);
  }

  int32_t abbr(std::string_view a) {
    for (size_t k = 0; k < z->abbrs_.size(); ++k)
      if (z->abbrs_[k] == a) return static_cast<int32_t>(k);
    z->abbrs_.emplace_back(a);
    return static_cast<int32_t>(z->abbrs_.size() - 1);
  }

  void start(int32_t offset, int32_t abbr_index) {
    z->at_ = {kMin};
    z->off_ = {offset};
    z->abbr_ = {abbr_index};
  }

  // Appends a step; a step that changes nothing is dropped.
  void add(int64_t at, int32_t offset, int32_t abbr_index) {
    if (z->off_.back() == offset && z->abbr_.back() == abbr_index) return;
    z->at_.push_back(at);
    z->off_.push_back(offset);
    z->abbr_.push_back(abbr_index);
  }

  std::shared_ptr<const TimeZone> finish() {
    int64_t lo = *std::min_element(z->off_.begin(), z->off_.end());
    int64_t hi = *std::max_element(z->off_.begin(), z->off_.end());
    if (z->rule_.dst) {
      lo = std::min<int64_t>({lo, z->rule_.std_offset, z->rule_.dst_offset});
      hi = std::max<int64_t>({hi, z->rule_.std_offset, z->rule_.dst_offset});
    }
    z->min_off_ = lo * kMicrosPerSecond;
    z->max_off_ = hi * kMicrosPerSecond;
    return z;
  }

  static std::shared_ptr<const TimeZone> fixed(std::string name, int32_t offset, std::string abbreviation) {
    ZoneBuilder b(std::move(name));
    b.start(offset, b.abbr(abbreviation));
    return b.finish();
  }

  [[noreturn]] static void corrupt(const std::string& name, const std::string& what) {
    throw Error(concat("time zone '", name, "': not a valid TZif file: ", what),
                "reinstall the tzdata package, or set TZDIR to an intact zoneinfo folder");
  }

  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view bytes) {
    auto u8 = [&](size_t at) { return static_cast<uint8_t>(bytes[at]); };
    auto be32 = [&](size_t at) {
      return static_cast<int32_t>((uint32_t(u8(at)) << 24) | (uint32_t(u8(at + 1)) << 16) |
                                  (uint32_t(u8(at + 2)) << 8) | uint32_t(u8(at + 3)));
    };
    auto be64 = [&](size_t at) {
      return static_cast<int64_t>((uint64_t(uint32_t(be32(at))) << 32) | uint64_t(uint32_t(be32(at + 4))));
    };
    struct Header {
      int64_t isut, isstd, leap, time, type, chars;
    };
    auto header = [&](size_t at) {
      if (bytes.size() < at + 44 || bytes.substr(at, 4) != "TZif") corrupt(name, "no TZif header");
      Header h{be32(at + 20), be32(at + 24), be32(at + 28), be32(at + 32), be32(at + 36), be32(at + 40)};
      if (h.isut < 0 || h.isstd < 0 || h.leap < 0 || h.time < 0 || h.type < 0 || h.chars < 0 || h.time > 100000 ||
          h.type > 256 || h.chars > 10000 || h.leap > 10000 || h.isut > 256 || h.isstd > 256)
        corrupt(name, "bad counts");
      return h;
    };
    auto block_size = [](const Header& h, int64_t time_size) {
      return h.time * time_size + h.time + h.type * 6 + h.chars + h.leap * (time_size + 4) + h.isstd + h.isut;
    };

    Header h = header(0);
    char version = bytes[4];
    size_t at = 44;
    int64_t time_size = 4;
    if (version >= '2') {
      at += static_cast<size_t>(block_size(h, 4));
      h = header(at);
      at += 44;
      time_size = 8;
    }
    if (static_cast<int64_t>(bytes.size() - std::min(at, bytes.size())) < block_size(h, time_size))
      corrupt(name, "truncated");
    if (h.type == 0 || h.chars == 0) corrupt(name, "no local time types");
    if ((h.isstd && h.isstd != h.type) || (h.isut && h.isut != h.type)) corrupt(name, "bad counts");
    if (h.leap > 0)
      throw Error(concat("time zone '", name, "' counts leap seconds, which batchkit timestamps do not"),
                  "use the zone without the right/ prefix");

    size_t times_at = at, idx_at = times_at + h.time * time_size, types_at = idx_at + h.time;
    size_t chars_at = types_at + h.type * 6, end = static_cast<size_t>(at + block_size(h, time_size));

    ZoneBuilder b(name);
    std::vector<int32_t> type_off(h.type), type_abbr(h.type);
    for (int64_t k = 0; k < h.type; ++k) {
      size_t p = types_at + k * 6;
      int32_t off = be32(p);
      uint8_t ai = u8(p + 5);
      if (off <= -100000 || off >= 100000) corrupt(name, "offset out of range");
      if (ai >= h.chars) corrupt(name, "bad abbreviation index");
      std::string_view chars = bytes.substr(chars_at + ai, h.chars - ai);
      size_t nul = chars.find('\0');
      if (nul == std::string_view::npos) corrupt(name, "unterminated abbreviation");
      type_off[k] = off;
      type_abbr[k] = b.abbr(chars.substr(0, nul));
    }
    b.start(type_off[0], type_abbr[0]);
    int64_t prev = kMin;
    for (int64_t k = 0; k < h.time; ++k) {
      int64_t t = time_size == 8 ? be64(times_at + k * 8) : be32(times_at + k * 4);
      uint8_t ti = u8(idx_at + k);
      if (ti >= h.type) corrupt(name, "bad type index");
      if (k > 0 && t <= prev) corrupt(name, "transitions out of order");
      prev = t;
      if (t < kMinSeconds) {  // before anything int64 micros can hold: sets the initial type
        b.z->off_[0] = type_off[ti];
        b.z->abbr_[0] = type_abbr[ti];
        continue;
      }
      b.add(seconds_to_micros(t), type_off[ti], type_abbr[ti]);
    }

    // The footer rule, version 2+ only: "\nTZ\n".
    std::string_view footer;
    if (time_size == 8) {
      if (end >= bytes.size() || bytes[end] != '\n') corrupt(name, "no footer");
      size_t close = bytes.find('\n', end + 1);
      if (close == std::string_view::npos) corrupt(name, "unterminated footer");
      footer = bytes.substr(end + 1, close - end - 1);
    }
    if (!footer.empty()) {
      TimeZone::Rule rule;
      std::string std_name, dst_name;
      if (!RuleParser(footer).parse(rule, std_name, dst_name))
        corrupt(name, concat("cannot read the rule '", footer, "'"));
      rule.std_abbr = b.abbr(std_name);
      rule.dst_abbr = rule.dst ? b.abbr(dst_name) : rule.std_abbr;
      if (!rule.dst && h.time == 0) {
        b.start(rule.std_offset, rule.std_abbr);
      } else if (rule.dst) {
        // Expand the rule into table rows up to the end of kTableEndYear.
        b.z->rule_ = rule;
        int64_t last = h.time ? prev : kMin;
        int64_t from = h.time ? year_of_days(floor_div(prev, 86400)) - 1 : 1900;
        if (!h.time) b.start(rule.std_offset, rule.std_abbr);
        std::vector<RuleTransition> rows;
        rule_transitions(rule, from, kTableEndYear, rows);
        for (const auto& r : rows)
          if (r.at > last) b.add(seconds_to_micros(r.at), r.offset, r.abbr);
        // rule_span takes over after the last row, a rule transition of 2100.
      }
    }
    return b.finish();
  }
};

// ---- TimeZone ------------------------------------------------------------------------

namespace {

const std::shared_ptr<const TimeZone>& utc_zone() {
  static const std::shared_ptr<const TimeZone> z = ZoneBuilder::fixed("UTC", 0, "UTC");
  return z;
}

bool plausible_zone_name(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.front() == '/' || s.back() == '/') return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
          c == '-' || c == '+' || c == '.'))
      return false;
  size_t b = 0;
  while (b <= s.size()) {  // no "." or ".." component
    size_t e = s.find('/', b);
    if (e == std::string_view::npos) e = s.size();
    std::string_view part = s.substr(b, e - b);
    if (part.empty() || part == "." || part == "..") return false;
    b = e + 1;
  }
  return true;
}

}  // namespace

const TimeZone& TimeZone::utc() { return *utc_zone(); }

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string name, std::string_view bytes) {
  return ZoneBuilder::from_tzif(std::move(name), bytes);
}

std::shared_ptr<const TimeZone> TimeZone::fixed(int32_t offset_seconds) {
  if (offset_seconds == 0) return utc_zone();
  std::string name = offset_name(offset_seconds);
  return ZoneBuilder::fixed(name, offset_seconds, name);
}

std::shared_ptr<const TimeZone> load_tz_flag(const std::string& name) {
  if (name.empty()) return nullptr;
  try {
    return TimeZone::load(name);
  } catch (const Error& e) {
    throw Error(concat("--tz: ", e.message()), e.hint(), e.kind());
  }
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name) {
  if (name == "UTC" || name == "utc" || name == "Z" || name == "z") return utc_zone();
  const char* env = std::getenv("TZDIR");
  std::string dir = env && *env ? env : "/usr/share/zoneinfo";
  std::string hint = concat("use an IANA name such as Europe/Berlin, or an offset such as +02:00; see ", dir);

  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  std::string key = concat(dir, '\0', name);
  std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  std::shared_ptr<const TimeZone> zone;
  int32_t off;
  if (parse_fixed_name(name, off)) {
    zone = fixed(off);
  } else {
    if (!plausible_zone_name(name)) throw Error::usage(concat("unknown time zone '", name, "'"), hint);
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw Error(concat("unknown time zone '", name, "': the zoneinfo folder ", dir, " does not exist"),
                  "install the tzdata package, or set TZDIR to a zoneinfo folder");
    std::string path = concat(dir, '/', name);
    if (!fs::is_regular_file(path, ec)) throw Error::usage(concat("unknown time zone '", name, "'"), hint);
    std::ifstream f(path, std::ios::binary);
    std::string bytes;
    if (f) {
      std::ostringstream os;
      os << f.rdbuf();
      bytes = os.str();
    }
    if (!f || bytes.empty())
      throw Error(concat("time zone '", name, "': cannot read ", path, ": ", std::strerror(errno)), hint);
    zone = from_tzif(std::string(name), bytes);
  }
  cache.emplace(std::move(key), zone);
  return zone;
}

TimeZone::Span TimeZone::rule_span(int64_t t) const {
  int64_t secs = floor_div(t, kMicrosPerSecond);
  int64_t y = year_of_days(floor_div(secs, 86400));
  SmallTransitions tr;
  rule_transitions(rule_, y - 2, y + 1, tr);
  size_t k = 0;
  while (k + 1 < tr.size() && tr[k + 1].at <= secs) ++k;
  Span s;
  s.start = seconds_to_micros(tr[k].at);
  s.end = k + 1 < tr.size() ? seconds_to_micros(tr[k + 1].at) : kMax;
  s.offset = tr[k].offset;
  s.prev_offset = k > 0 ? tr[k - 1].offset : (tr[k].offset == rule_.std_offset ? rule_.dst_offset : rule_.std_offset);
  s.abbr = tr[k].abbr;
  return s;
}

namespace {

// The last k with at[k] <= t (at[0] is INT64_MIN): branch-free binary search.
size_t step_index(const std::vector<int64_t>& at, int64_t t) {
  const int64_t* base = at.data();
  size_t n = at.size();
  while (n > 1) {
    size_t half = n / 2;
    base = base[half] <= t ? base + half : base;
    n -= half;
  }
  return static_cast<size_t>(base - at.data());
}

}  // namespace

TimeZone::Span TimeZone::span_at(int64_t t) const {
  if (rule_.dst && t >= at_.back()) return rule_span(t);
  size_t k = step_index(at_, t);
  return {at_[k], k + 1 < at_.size() ? at_[k + 1] : kMax, off_[k], off_[k ? k - 1 : 0], abbr_[k]};
}

int64_t TimeZone::offset_at(int64_t t) const {
  if (rule_.dst && t >= at_.back()) return rule_span(t).offset;
  return off_[step_index(at_, t)];
}

std::string_view TimeZone::abbreviation_at(int64_t t) const { return abbrs_[span_at(t).abbr]; }

int64_t TimeZone::resolve_local(int64_t local, bool gap_to_end) const {
  if (is_fixed()) return sat_sub(local, off_[0] * kMicrosPerSecond);
  // Candidates t = local - offset lie in [local - max_off_, local - min_off_]; walk the
  // steps of that window in time order and take the first candidate inside its step.
  Span s = span_at(sat_sub(local, max_off_));
  for (int guard = 0; guard < 64; ++guard) {
    int64_t cand = sat_sub(local, s.offset * kMicrosPerSecond);
    if (cand < s.end || s.end == kMax) return cand;
    // local lies past this step's wall clock: in the next step, or in the gap between.
    Span next = span_at(s.end);
    if (sat_sub(local, next.offset * kMicrosPerSecond) < next.start) return gap_to_end ? s.end : cand;
    s = next;
  }
  return sat_sub(local, s.offset * kMicrosPerSecond);
}

int64_t TimeZone::local_to_utc(int64_t local) const { return resolve_local(local, false); }

// ---- Civil time and truncation --------------------------------------------------------

CivilTime to_civil(int64_t t, const TimeZone& tz) {
  int64_t local = tz.utc_to_local(t);
  int64_t days = floor_div(local, kMicrosPerDay);
  int64_t in_day = floor_mod(local, kMicrosPerDay);
  CivilTime c;
  unsigned m, d;
  civil_from_days(days, c.year, m, d);
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  int64_t secs = in_day / kMicrosPerSecond;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.micros = static_cast<int>(in_day % kMicrosPerSecond);
  c.weekday = iso_weekday(days);
  c.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1)) + 1;
  return c;
}

namespace {

// Hours and minutes in a zone with transitions: the latest instant <= t whose wall
// clock is a whole unit, or the transition that changed the unit's label.
int64_t trunc_subday(int64_t t, int64_t w, const TimeZone& tz) {
  TimeZone::Span s = tz.span_at(t);
  for (int guard = 0; guard < 64; ++guard) {
    int64_t off = s.offset * kMicrosPerSecond;
    int64_t c = sat_sub(floor_to(sat_add(t, off), w), off);
    if (c >= s.start) return c;
    // The unit began before this step: at the transition if that changed the label,
    // else somewhere in the step before.
    int64_t at = s.start;
    if (floor_to(sat_add(at, off), w) != floor_to(sat_add(at - 1, s.prev_offset * kMicrosPerSecond), w)) return at;
    t = at - 1;
    s = tz.span_at(t);
  }
  return t;
}

int64_t next_subday(int64_t t, int64_t w, const TimeZone& tz) {
  TimeZone::Span s = tz.span_at(t);
  for (int guard = 0; guard < 64; ++guard) {
    int64_t off = s.offset * kMicrosPerSecond;
    int64_t n = sat_sub(sat_add(floor_to(sat_add(t, off), w), w), off);
    if (n < s.end || s.end == kMax) return n;
    // The next whole unit is past this step: the transition is a boundary if its wall
    // clock is a whole unit or it changed the label.
    int64_t at = s.end;
    TimeZone::Span ns = tz.span_at(at);
    int64_t local_after = sat_add(at, ns.offset * kMicrosPerSecond);
    if (floor_to(local_after, w) == local_after || floor_to(local_after, w) != floor_to(sat_add(at - 1, off), w))
      return at;
    t = at;
    s = ns;
  }
  return t;
}

// The start of a unit (days and longer) whose wall clock starts at `local`, read with
// the offset of step s: right when the result stays in s and after the overlap at its
// start (where the same wall-clock time also happened before the transition).
bool start_in_step(int64_t local, const TimeZone::Span& s, int64_t& r) {
  r = sat_sub(local, s.offset * kMicrosPerSecond);
  int64_t overlap = std::max<int64_t>(0, int64_t(s.prev_offset) - s.offset) * kMicrosPerSecond;
  return r < s.end && r >= sat_add(s.start, overlap);
}

}  // namespace

int64_t TimeZone::local_to_utc_start(int64_t local) const { return resolve_local(local, true); }

int64_t trunc_time(int64_t t, TimeUnit unit, const TimeZone& tz) {
  if (unit <= TimeUnit::Second) return trunc_local(t, unit);  // offsets are whole seconds
  if (tz.is_fixed()) {
    int64_t off = tz.fixed_offset() * kMicrosPerSecond;
    return sat_sub(trunc_local(sat_add(t, off), unit), off);
  }
  if (unit <= TimeUnit::Hour) return trunc_subday(t, unit_width(unit), tz);
  TimeZone::Span s = tz.span_at(t);
  int64_t local = trunc_local(sat_add(t, s.offset * kMicrosPerSecond), unit), r;
  if (start_in_step(local, s, r)) return r;
  r = tz.local_to_utc_start(local);
  // Where a fall-back crossed midnight a date recurs (America/Goose_Bay's 00:01
  // transitions until 2011: Nov 4 00:00-00:01, then Nov 3 23:01 again). The window of
  // a date runs from its first instant to the next date's, so an instant after the
  // next date's start belongs to that date's window, whatever its own label.
  for (int guard = 0; guard < 64; ++guard) {
    local = add_unit_local(local, unit);
    int64_t n = tz.local_to_utc_start(local);
    if (n > t) break;
    r = n;
  }
  return r;
}

int64_t next_time(int64_t t, TimeUnit unit, const TimeZone& tz) {
  if (unit <= TimeUnit::Second) return sat_add(trunc_local(t, unit), unit_width(unit));
  if (tz.is_fixed()) {
    int64_t off = tz.fixed_offset() * kMicrosPerSecond;
    return sat_sub(add_unit_local(trunc_local(sat_add(t, off), unit), unit), off);
  }
  if (unit <= TimeUnit::Hour) return next_subday(t, unit_width(unit), tz);
  TimeZone::Span s = tz.span_at(t);
  int64_t local = add_unit_local(trunc_local(sat_add(t, s.offset * kMicrosPerSecond), unit), unit), r;
  if (start_in_step(local, s, r)) return r;
  r = tz.local_to_utc_start(local);
  // As in trunc_time: after a recurring date, the next window is the first to start after t.
  for (int guard = 0; r <= t && r != kMax && guard < 64; ++guard) {
    local = add_unit_local(local, unit);
    r = tz.local_to_utc_start(local);
  }
  return r;
}

int64_t bucket_time(int64_t t, int64_t width) {
  if (width <= 0) return t;
  return floor_to(t, width);
}

// ---- Units ---------------------------------------------------------------------------

bool parse_time_unit(std::string_view s, TimeUnit& u) {
  struct Name {
    std::string_view name, plural, short_name;
    TimeUnit unit;
  };
  static constexpr Name kNames[] = {
      {"microsecond", "microseconds", "us", TimeUnit::Microsecond},
      {"millisecond", "milliseconds", "ms", TimeUnit::Millisecond},
      {"second", "seconds", "s", TimeUnit::Second},
      {"minute", "minutes", "min", TimeUnit::Minute},
      {"hour", "hours", "h", TimeUnit::Hour},
      {"day", "days", "d", TimeUnit::Day},
      {"week", "weeks", "w", TimeUnit::Week},
      {"month", "months", "", TimeUnit::Month},
      {"quarter", "quarters", "", TimeUnit::Quarter},
      {"year", "years", "", TimeUnit::Year},
  };
  if (s.empty()) return false;
  if (s == "sec") s = "s";
  for (const auto& n : kNames)
    if (s == n.name || s == n.plural || s == n.short_name) return u = n.unit, true;
  return false;
}

std::string_view time_unit_name(TimeUnit u) {
  static constexpr std::string_view kNames[] = {"microsecond", "millisecond", "second", "minute",  "hour",
                                                "day",         "week",        "month",  "quarter", "year"};
  return kNames[static_cast<int>(u)];
}

// ---- Parsing -------------------------------------------------------------------------

namespace {

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline int d2(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
inline bool digits(const char* p, int n) {
  for (int k = 0; k < n; ++k)
    if (!is_digit(p[k])) return false;
  return true;
}

// "Z", "+hh:mm", "+hhmm", "+hh" at p[0..n); seconds east, false if malformed.
bool parse_offset(const char* p, size_t n, int32_t& off) {
  if (n == 1 && (p[0] == 'Z' || p[0] == 'z')) return off = 0, true;
  if (n < 3 || (p[0] != '+' && p[0] != '-') || !digits(p + 1, 2)) return false;
  int h = d2(p + 1), m = 0;
  if (n == 6 && p[3] == ':' && digits(p + 4, 2)) {
    m = d2(p + 4);
  } else if (n == 5 && digits(p + 3, 2)) {
    m = d2(p + 3);
  } else if (n != 3) {
    return false;
  }
  if (h > 23 || m > 59) return false;
  off = (p[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

// The instant of a validated local time, with its offset or read in tz.
int64_t finish_time(int64_t days, int64_t secs_of_day, int64_t frac, bool has_off, int32_t off, const TimeZone& tz) {
  int64_t local = days * kMicrosPerDay + secs_of_day * kMicrosPerSecond + frac;
  return has_off ? local - off * kMicrosPerSecond : tz.local_to_utc(local);
}

}  // namespace

bool parse_timestamp(std::string_view s, const TimeZone& tz, int64_t& utc_micros) {
  const char* p = s.data();
  size_t n = s.size();
  if (n < 10 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' || !digits(p + 8, 2)) return false;
  int year = d2(p) * 100 + d2(p + 2), month = d2(p + 5), day = d2(p + 8);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (n == 10) return utc_micros = tz.local_to_utc(days * kMicrosPerDay), true;

  // [T ]hh:mm[:ss[.f{1,9}]][offset]
  if ((p[10] != 'T' && p[10] != 't' && p[10] != ' ') || n < 16 || !digits(p + 11, 2) || p[13] != ':' ||
      !digits(p + 14, 2))
    return false;
  int hour = d2(p + 11), minute = d2(p + 14), second = 0;
  int64_t frac = 0;
  size_t i = 16;
  if (i < n && p[i] == ':') {
    if (i + 3 > n || !digits(p + i + 1, 2)) return false;
    second = d2(p + i + 1);
    i += 3;
    if (i < n && p[i] == '.') {
      size_t b = ++i;
      while (i < n && is_digit(p[i]) && i - b < 9) {
        if (i - b < 6) frac = frac * 10 + (p[i] - '0');
        ++i;
      }
      size_t k = i - b;
      if (k == 0 || (i < n && is_digit(p[i]))) return false;
      for (; k < 6; ++k) frac *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (second == 60) second = 59, frac = kMicrosPerSecond - 1;  // leap second
  int32_t off = 0;
  bool has_off = i < n;
  if (has_off && !parse_offset(p + i, n - i, off)) return false;
  utc_micros = finish_time(days, hour * 3600 + minute * 60 + second, frac, has_off, off, tz);
  return true;
}

namespace {

constexpr std::string_view kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                        "july",    "august",   "september", "october", "november", "december"};
constexpr std::string_view kWeekdays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
constexpr std::string_view kWeekdayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};

inline char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

// Does s at i start with `word` (lower case) in any letter case?
bool starts_with_ci(std::string_view s, size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (lower(s[i + k]) != word[k]) return false;
  return true;
}

// Full name or its first three letters; index out.
template <size_t N>
bool match_name(std::string_view s, size_t& i, const std::string_view (&names)[N], int& index) {
  for (size_t k = 0; k < N; ++k) {
    if (starts_with_ci(s, i, names[k])) return i += names[k].size(), index = int(k), true;
  }
  for (size_t k = 0; k < N; ++k) {
    if (starts_with_ci(s, i, names[k].substr(0, 3))) return i += 3, index = int(k), true;
  }
  return false;
}

struct Fields {
  int64_t year = 1970;
  int month = 0, day = 0, yday = 0;  // 0: not given
  int hour = 0, hour12 = 0, minute = 0, second = 0;
  int pm = -1;  // -1 not given, 0 AM, 1 PM
  int64_t frac = 0;
  bool has_off = false, utc_name = false, has_epoch = false, epoch_negative = false;
  int32_t off = 0;
  int64_t epoch = 0;
};

bool read_number(std::string_view s, size_t& i, int max_digits, int64_t& v) {
  size_t b = i;
  v = 0;
  while (i < s.size() && i - b < static_cast<size_t>(max_digits) && is_digit(s[i])) v = v * 10 + (s[i++] - '0');
  return i > b;
}
bool read_int(std::string_view s, size_t& i, int max_digits, int& v) {
  int64_t x;
  if (!read_number(s, i, max_digits, x)) return false;
  v = static_cast<int>(x);
  return true;
}
void skip_space(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
}

// Matches input s from i against format f. With `bad`, checks only the format and
// names an unknown directive there.
bool scan(std::string_view s, size_t& i, std::string_view f, Fields& x, std::string* bad) {
  for (size_t k = 0; k < f.size(); ++k) {
    char c = f[k];
    if (c == ' ') {
      if (!bad) skip_space(s, i);
      continue;
    }
    if (c != '%') {
      if (bad) continue;
      if (i >= s.size() || s[i] != c) return false;
      ++i;
      continue;
    }
    if (++k == f.size()) {
      if (bad) *bad = "%";
      return false;
    }
    int width = 0;
    if (f[k] >= '1' && f[k] <= '9' && k + 1 < f.size() && f[k + 1] == 'f') width = f[k++] - '0';
    char d = f[k];
    if (bad) {
      static constexpr std::string_view kKnown = "YmdejHIpMSybBhaAfszZFTRnt%";
      if (kKnown.find(d) == std::string_view::npos) {
        *bad = concat('%', d);
        return false;
      }
      continue;
    }
    bool ok = true;
    int64_t v = 0;
    int index = 0;
    switch (d) {
      case 'Y': ok = read_number(s, i, 4, x.year); break;
      case 'y':
        ok = read_number(s, i, 2, v);
        x.year = v < 69 ? 2000 + v : 1900 + v;
        break;
      case 'm': ok = read_int(s, i, 2, x.month) && x.month > 0; break;
      case 'e':
        if (i < s.size() && s[i] == ' ') ++i;
        [[fallthrough]];
      case 'd': ok = read_int(s, i, 2, x.day) && x.day > 0; break;
      case 'j': ok = read_int(s, i, 3, x.yday) && x.yday > 0; break;
      case 'H': ok = read_int(s, i, 2, x.hour); break;
      case 'I': ok = read_int(s, i, 2, x.hour12) && x.hour12 >= 1 && x.hour12 <= 12; break;
      case 'p':
        if (starts_with_ci(s, i, "am") || starts_with_ci(s, i, "pm")) {
          x.pm = lower(s[i]) == 'p';
          i += 2;
        } else {
          ok = false;
        }
        break;
      case 'M': ok = read_int(s, i, 2, x.minute); break;
      case 'S': ok = read_int(s, i, 2, x.second); break;
      case 'f': {
        size_t b = i;
        ok = read_number(s, i, width ? width : 9, v) && (!width || i - b == size_t(width));
        for (size_t n = i - b; n > 6; --n) v /= 10;
        for (size_t n = i - b; n < 6; ++n) v *= 10;
        x.frac = v;
        break;
      }
      case 's':
        x.has_epoch = true;
        x.epoch_negative = i < s.size() && s[i] == '-';
        if (x.epoch_negative) ++i;
        ok = read_number(s, i, 13, x.epoch) && x.epoch <= kMaxSeconds - 1;
        break;
      case 'b':
      case 'B':
      case 'h':
        ok = match_name(s, i, kMonths, index);
        x.month = index + 1;
        break;
      case 'a':
      case 'A': ok = match_name(s, i, kWeekdays, index); break;
      case 'z': {
        size_t b = i;
        if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
          ++i;
        } else {
          if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
          while (i < s.size() && i - b < 6 && (is_digit(s[i]) || (s[i] == ':' && i - b == 3))) ++i;
        }
        ok = parse_offset(s.data() + b, i - b, x.off);
        x.has_off = ok;
        break;
      }
      case 'Z': {
        size_t b = i;
        while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) ++i;
        std::string_view w = s.substr(b, i - b);
        ok = !w.empty();
        for (std::string_view u : {"utc", "gmt", "ut", "z"})
          if (w.size() == u.size() && starts_with_ci(w, 0, u)) x.utc_name = true;
        break;
      }
      case 'F': ok = scan(s, i, "%Y-%m-%d", x, nullptr); break;
      case 'T': ok = scan(s, i, "%H:%M:%S", x, nullptr); break;
      case 'R': ok = scan(s, i, "%H:%M", x, nullptr); break;
      case 'n':
      case 't': skip_space(s, i); break;
      case '%':
        ok = i < s.size() && s[i] == '%';
        i += ok;
        break;
      default: return false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool validate_parse_format(std::string_view format, std::string& bad) {
  Fields x;
  size_t i = 0;
  bad.clear();
  return scan({}, i, format, x, &bad);
}

bool parse_timestamp_format(std::string_view s, std::string_view format, const TimeZone& tz, int64_t& utc_micros) {
  Fields x;
  size_t i = 0;
  if (!scan(s, i, format, x, nullptr) || i != s.size()) return false;
  if (x.has_epoch) {
    int64_t us = x.epoch * kMicrosPerSecond + x.frac;
    utc_micros = x.epoch_negative ? -us : us;
    return true;
  }
  if (x.yday && !x.month && !x.day) {
    if (x.yday > (is_leap(x.year) ? 366 : 365)) return false;
    int64_t days = days_from_civil(x.year, 1, 1) + x.yday - 1;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    x.month = static_cast<int>(m);
    x.day = static_cast<int>(d);
  }
  if (!x.month) x.month = 1;
  if (!x.day) x.day = 1;
  if (x.month > 12 || x.day > days_in_month(x.year, x.month)) return false;
  int64_t days = days_from_civil(x.year, static_cast<unsigned>(x.month), static_cast<unsigned>(x.day));
  if (x.yday && days - days_from_civil(x.year, 1, 1) + 1 != x.yday) return false;
  if (x.hour12) x.hour = x.hour12 % 12 + (x.pm == 1 ? 12 : 0);
  if (x.hour > 23 || x.minute > 59 || x.second > 60) return false;
  if (x.second == 60) x.second = 59, x.frac = kMicrosPerSecond - 1;
  if (!x.has_off && x.utc_name) x.has_off = true, x.off = 0;
  utc_micros = finish_time(days, x.hour * 3600 + x.minute * 60 + x.second, x.frac, x.has_off, x.off, tz);
  return true;
}

// ---- Formatting ----------------------------------------------------------------------

namespace {

// Formatting output: a stack buffer appended to the string when full and at the end.
// A directive asks for room, writes through a raw pointer and hands the pointer back,
// so a character costs a store, not std::string's capacity check.
class Sink {
 public:
  static constexpr size_t kRoom = 48;  // the most one directive writes, but %Z
  explicit Sink(std::string& s) : s_(s) {}
  char* room() {
    if (sizeof buf_ - n_ < kRoom) flush();
    return buf_ + n_;
  }
  void done(char* p) { n_ = static_cast<size_t>(p - buf_); }
  void append(std::string_view v) {
    if (v.size() > sizeof buf_ - n_) {
      flush();
      if (v.size() > sizeof buf_) return (void)s_.append(v);
    }
    std::memcpy(buf_ + n_, v.data(), v.size());
    n_ += v.size();
  }
  void flush() {
    s_.append(buf_, n_);
    n_ = 0;
  }

 private:
  std::string& s_;
  char buf_[256];
  size_t n_ = 0;
};

char* put2(char* p, int64_t v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
  return p + 2;
}

// v in decimal, zero padded to width (the sign not counted).
char* put_digits(char* p, int64_t v, int width) {
  if (width == 2 && v >= 0 && v < 100) return put2(p, v);
  if (width == 4 && v >= 0 && v < 10000) return put2(put2(p, v / 100), v % 100);
  char buf[24];
  bool neg = v < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int n = 0;
  do {
    buf[n++] = char('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) *p++ = '-';
  for (int k = n; k < width; ++k) *p++ = '0';
  while (n) *p++ = buf[--n];
  return p;
}

char* put_year(char* p, int64_t y) { return put_digits(p, y, y >= 0 && y <= 9999 ? 4 : 0); }

char* put_offset(char* p, int32_t off, bool colon) {
  *p++ = off < 0 ? '-' : '+';
  int32_t a = off < 0 ? -off : off;
  p = put2(p, a / 3600);
  if (colon) *p++ = ':';
  p = put2(p, a / 60 % 60);
  if (a % 60) {
    if (colon) *p++ = ':';
    p = put2(p, a % 60);
  }
  return p;
}

char* put_text(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// ISO 8601 week-based year and week of a day.
void iso_week(int64_t days, int64_t& year, int& week) {
  int64_t thursday = days - iso_weekday(days) + 4;
  year = year_of_days(thursday);
  week = static_cast<int>((thursday - days_from_civil(year, 1, 1)) / 7 + 1);
}

constexpr std::string_view kFormatDirectives = "YmdHMSfzZjaAbBhuwVGgeIpPysFTRnt%";

}  // namespace

bool validate_time_format(std::string_view f, std::string& bad) {
  bad.clear();
  for (size_t k = 0; k < f.size(); ++k) {
    if (f[k] != '%') continue;
    if (++k == f.size()) return bad = "%", false;
    if (f[k] >= '1' && f[k] <= '9' && k + 1 < f.size() && f[k + 1] == 'f') {
      ++k;
      continue;
    }
    if ((f[k] == 'E' || f[k] == ':') && k + 1 < f.size() && f[k + 1] == 'z') {
      ++k;
      continue;
    }
    if (kFormatDirectives.find(f[k]) == std::string_view::npos) {
      bad = concat('%', f[k]);
      if ((f[k] == 'E' || f[k] == ':') && k + 1 < f.size()) bad += f[k + 1];
      return false;
    }
  }
  return true;
}

bool format_time(int64_t t, std::string_view f, const TimeZone& tz, std::string& out) {
  size_t mark = out.size();
  TimeZone::Span span = tz.span_at(t);
  int64_t local = sat_add(t, span.offset * kMicrosPerSecond);
  int64_t days = floor_div(local, kMicrosPerDay);
  int64_t in_day = floor_mod(local, kMicrosPerDay);
  int64_t year;
  unsigned month, mday;
  civil_from_days(days, year, month, mday);
  int hour = static_cast<int>(in_day / kMicrosPerHour);
  int minute = static_cast<int>(in_day / kMicrosPerMinute % 60);
  int second = static_cast<int>(in_day / kMicrosPerSecond % 60);
  int64_t micros = in_day % kMicrosPerSecond;
  int wd = iso_weekday(days);

  Sink w(out);
  for (size_t k = 0; k < f.size(); ++k) {
    if (f[k] != '%') {  // a run of literal characters
      size_t e = f.find('%', k);
      if (e == std::string_view::npos) e = f.size();
      w.append(f.substr(k, e - k));
      k = e - 1;
      continue;
    }
    if (++k == f.size()) return out.resize(mark), false;
    char c = f[k];
    char* p = w.room();
    if (c >= '1' && c <= '9' && k + 1 < f.size() && f[k + 1] == 'f') {
      int n = c - '0';
      int64_t v = micros;
      for (int e = n; e < 6; ++e) v /= 10;
      p = put_digits(p, v, std::min(n, 6));
      for (int e = 6; e < n; ++e) *p++ = '0';
      w.done(p);
      ++k;
      continue;
    }
    if ((c == 'E' || c == ':') && k + 1 < f.size() && f[k + 1] == 'z') {
      w.done(put_offset(p, span.offset, true));
      ++k;
      continue;
    }
    switch (c) {
      case 'Y': p = put_year(p, year); break;
      case 'm': p = put2(p, month); break;
      case 'd': p = put2(p, mday); break;
      case 'e':
        *p++ = mday < 10 ? ' ' : char('0' + mday / 10);
        *p++ = char('0' + mday % 10);
        break;
      case 'H': p = put2(p, hour); break;
      case 'I': p = put2(p, hour % 12 ? hour % 12 : 12); break;
      case 'p': p = put_text(p, hour < 12 ? "AM" : "PM"); break;
      case 'P': p = put_text(p, hour < 12 ? "am" : "pm"); break;
      case 'M': p = put2(p, minute); break;
      case 'S': p = put2(p, second); break;
      case 'f': p = put_digits(p, micros, 6); break;
      case 'z': p = put_offset(p, span.offset, false); break;
      case 'Z':
        w.done(p);
        w.append(tz.abbreviation(span.abbr));
        continue;
      case 'j': p = put_digits(p, days - days_from_civil(year, 1, 1) + 1, 3); break;
      case 'a': p = put_text(p, kWeekdayNames[wd - 1].substr(0, 3)); break;
      case 'A': p = put_text(p, kWeekdayNames[wd - 1]); break;
      case 'b':
      case 'h': p = put_text(p, kMonthNames[month - 1].substr(0, 3)); break;
      case 'B': p = put_text(p, kMonthNames[month - 1]); break;
      case 'u': *p++ = char('0' + wd); break;
      case 'w': *p++ = char('0' + wd % 7); break;
      case 'V':
      case 'G':
      case 'g': {
        int64_t iy;
        int iw;
        iso_week(days, iy, iw);
        if (c == 'V') p = put2(p, iw);
        if (c == 'G') p = put_year(p, iy);
        if (c == 'g') p = put2(p, floor_mod(iy, 100));
        break;
      }
      case 'y': p = put2(p, floor_mod(year, 100)); break;
      case 's': p = put_digits(p, floor_div(t, kMicrosPerSecond), 1); break;
      case 'F':
        p = put_year(p, year);
        *p++ = '-';
        p = put2(p, month);
        *p++ = '-';
        p = put2(p, mday);
        break;
      case 'T':
      case 'R':
        p = put2(p, hour);
        *p++ = ':';
        p = put2(p, minute);
        if (c == 'T') {
          *p++ = ':';
          p = put2(p, second);
        }
        break;
      case 'n': *p++ = '\n'; break;
      case 't': *p++ = '\t'; break;
      case '%': *p++ = '%'; break;
      default: return out.resize(mark), false;
    }
    w.done(p);
  }
  w.flush();
  return true;
}

// ---- Durations -------------------------------------------------------------------------

__extension__ typedef __int128 int128;  // exact sums and products; no overflow checks per digit

bool parse_duration(std::string_view s, int64_t& micros) {
  struct Unit {
    std::string_view name;
    int64_t micros;
  };
  // In the order they must appear.
  static constexpr Unit kUnits[] = {{"w", kMicrosPerWeek},
                                    {"d", kMicrosPerDay},
                                    {"h", kMicrosPerHour},
                                    {"m", kMicrosPerMinute},
                                    {"s", kMicrosPerSecond},
                                    {"ms", 1000},
                                    {"us", 1},
                                    {"\xC2\xB5s", 1}};
  size_t i = 0, n = s.size();
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (s.substr(i) == "0") return micros = 0, true;
  if (i == n) return false;
  int128 total = 0;
  size_t last = 0;  // next allowed index into kUnits
  while (i < n) {
    if (!is_digit(s[i])) return false;
    int128 whole = 0, frac = 0, scale = 1;
    while (i < n && is_digit(s[i])) {
      whole = whole * 10 + (s[i++] - '0');
      if (whole > kMax) return false;
    }
    if (i < n && s[i] == '.') {
      size_t b = ++i;
      while (i < n && is_digit(s[i])) {
        if (i - b >= 18) return false;
        frac = frac * 10 + (s[i++] - '0');
        scale *= 10;
      }
      if (i == b) return false;
    }
    size_t b = i;
    while (i < n && !is_digit(s[i]) && s[i] != '.') ++i;
    std::string_view word = s.substr(b, i - b);
    size_t u = last;
    while (u < std::size(kUnits) && kUnits[u].name != word) ++u;
    if (u == std::size(kUnits)) return false;
    last = u + 1;
    if (u == 6) last = std::size(kUnits);  // "us" then "µs" would repeat a unit
    int128 scaled = frac * kUnits[u].micros;
    if (scaled % scale) return false;  // not a whole number of microseconds
    total += whole * kUnits[u].micros + scaled / scale;
    if (total > kMax) return false;
  }
  micros = static_cast<int64_t>(neg ? -total : total);
  return true;
}

std::string format_duration(int64_t micros) {
  if (micros == 0) return "0s";
  std::string out;
  uint64_t u = static_cast<uint64_t>(micros);
  if (micros < 0) {
    out += '-';
    u = 0 - u;
  }
  static constexpr std::pair<uint64_t, std::string_view> kParts[] = {
      {kMicrosPerDay, "d"},    {kMicrosPerHour, "h"}, {kMicrosPerMinute, "m"},
      {kMicrosPerSecond, "s"}, {1000, "ms"},          {1, "us"}};
  for (const auto& [size, name] : kParts) {
    if (u >= size) {
      out += std::to_string(u / size);
      out += name;
      u %= size;
    }
  }
  return out;
}

}  // namespace bk
