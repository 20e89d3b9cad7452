// libcore/src/text.cpp: number formatting and parsing, JSON escaping, timestamps.
#include "bk/text.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

using namespace bk;

namespace {

std::string dbl(double v) {
  std::string s;
  append_double(s, v);
  return s;
}

std::string i64(int64_t v) {
  std::string s;
  append_int(s, v);
  return s;
}

std::string esc(std::string_view v) {
  std::string s;
  append_json_escaped(s, v);
  return s;
}

std::string ts(int64_t micros) {
  std::string s;
  append_timestamp(s, micros);
  return s;
}

uint64_t bits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

// Significant digits of a decimal as printed ("1.25e+07" -> 3, "120.0" -> 2).
int significant_digits(const std::string& s) {
  std::string m = s.substr(0, s.find('e'));
  std::string digits;
  for (char c : m)
    if (c >= '0' && c <= '9') digits += c;
  size_t a = digits.find_first_not_of('0');
  if (a == std::string::npos) return 1;
  size_t b = digits.find_last_not_of('0');
  return static_cast<int>(b - a + 1);
}

// The fewest %.Ng digits that read back to v.
int fewest_digits(double v) {
  char buf[64];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) return p;
  }
  return 17;
}

constexpr int64_t kDay = 86400LL * 1000000;

}  // namespace

TEST_SUITE_BEGIN("text");

TEST_CASE("append_double: fixed values") {
  CHECK(dbl(0.1) == "0.1");
  CHECK(dbl(1.0) == "1.0");
  CHECK(dbl(-1.0) == "-1.0");
  CHECK(dbl(0.0) == "0.0");
  CHECK(dbl(-0.0) == "-0.0");
  CHECK(dbl(1.5) == "1.5");
  CHECK(dbl(100.0) == "100.0");
  CHECK(dbl(123456789.0) == "123456789.0");
  CHECK(dbl(0.1 + 0.2) == "0.30000000000000004");
  CHECK(dbl(1e21) == "1e+21");
  CHECK(dbl(1e-7) == "1e-07");
  CHECK(dbl(1e5) == "1e+05");  // shortest form: shorter than "100000.0"
  CHECK(dbl(5e-324) == "5e-324");
  CHECK(dbl(std::numeric_limits<double>::denorm_min()) == "5e-324");
  CHECK(dbl(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(dbl(-1.7976931348623157e308) == "-1.7976931348623157e+308");
  CHECK(dbl(2.2250738585072014e-308) == "2.2250738585072014e-308");
  CHECK(dbl(9007199254740993.0) == "9007199254740992.0");
  CHECK(dbl(std::nan("")) == "nan");
  CHECK(dbl(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(dbl(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("append_double: appends, never replaces") {
  std::string s = "x=";
  append_double(s, 2.0);
  CHECK(s == "x=2.0");
}

TEST_CASE("append_double: every printed value is a float that reads back exactly, in the fewest digits") {
  std::mt19937_64 rng(20260301);
  std::uniform_real_distribution<double> uni(-1e6, 1e6);
  int checked = 0;
  for (int k = 0; k < 20000; ++k) {
    double v;
    if (k % 2) {
      uint64_t u = rng();
      std::memcpy(&v, &u, sizeof v);
      if (!std::isfinite(v)) continue;
    } else {
      v = uni(rng);
    }
    std::string s = dbl(v);
    INFO("value " << s);
    // Reads back to the very same bits.
    REQUIRE(bits(std::strtod(s.c_str(), nullptr)) == bits(v));
    // Reads back as a float (has '.', or an exponent).
    int64_t i;
    double d;
    REQUIRE(parse_number(s, i, d) == NumberKind::Float);
    REQUIRE(bits(d) == bits(v));
    // Shortest: no fewer significant digits would do. A large integral value may
    // print all its digits when that is fewer characters than the exponent form.
    if (s.find('e') != std::string::npos || s.substr(s.size() - 2) != ".0") {
      REQUIRE(significant_digits(s) == fewest_digits(v));
    } else {
      char sci[64];
      std::snprintf(sci, sizeof sci, "%.*e", fewest_digits(v) - 1, v);
      REQUIRE(s.size() - 2 <= std::strlen(sci));
    }
    ++checked;
  }
  CHECK(checked > 19000);
}

// put_double writes short decimals without the shortest-digits search: the text must
// be what the search (std::to_chars) gives, for the decimals and their neighbours alike.
TEST_CASE("append_double: short decimals and their neighbours print as the shortest-digits search does") {
  auto reference = [](double v) {
    char buf[64];
    char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    std::string s(buf, end);
    if (s.find_first_of(".ein") == std::string::npos) s += ".0";
    return s;
  };
  std::mt19937_64 rng(20261121);
  int checked = 0;
  for (int n = 0; n < 60000; ++n) {
    int k = static_cast<int>(rng() % 10);  // decimals 0..9 (the fast path takes up to 6)
    int64_t range = n % 3 == 0 ? 1000 : n % 3 == 1 ? 10000000 : 1000000000000000;
    int64_t m = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * range + 1)) - range;
    double v = static_cast<double>(m) / std::pow(10.0, k);
    for (double x : {v, std::nextafter(v, 1e300), std::nextafter(v, -1e300), v / 7, v * 1e6, v / 1e6}) {
      INFO("value " << reference(x) << " from " << m << " / 10^" << k);
      REQUIRE(dbl(x) == reference(x));
      ++checked;
    }
  }
  CHECK(checked == 360000);
}

TEST_CASE("append_double: integral values up to 2^53 print with .0") {
  for (double v : {1.0, 2.0, 10.0, 42.0, 1234.0, 99999.0, 4503599627370496.0}) {
    std::string s = dbl(v);
    INFO(s);
    CHECK(s.size() > 2);
    if (s.find('e') == std::string::npos) CHECK(s.substr(s.size() - 2) == ".0");
  }
}

TEST_CASE("append_int") {
  CHECK(i64(0) == "0");
  CHECK(i64(-1) == "-1");
  CHECK(i64(42) == "42");
  CHECK(i64(std::numeric_limits<int64_t>::max()) == "9223372036854775807");
  CHECK(i64(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
}

TEST_CASE("append_json_escaped: quotes, backslash, control characters") {
  CHECK(esc("") == "");
  CHECK(esc("plain text") == "plain text");
  CHECK(esc("a\"b") == "a\\\"b");
  CHECK(esc("a\\b") == "a\\\\b");
  CHECK(esc("\n\r\t\b\f") == "\\n\\r\\t\\b\\f");
  CHECK(esc(std::string_view("\0", 1)) == "\\u0000");
  CHECK(esc("\x01") == "\\u0001");
  CHECK(esc("\x1f") == "\\u001f");
  CHECK(esc("\x1b[0m") == "\\u001b[0m");
  CHECK(esc("\x7f") == "\x7f");  // DEL needs no escape in JSON
  CHECK(esc("/") == "/");
  CHECK(esc("\"\"") == "\\\"\\\"");
  CHECK(esc("end\\") == "end\\\\");
}

TEST_CASE("append_json_escaped: UTF-8 passes through unchanged") {
  CHECK(esc("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(esc("\xe2\x82\xac 5") == "\xe2\x82\xac 5");
  CHECK(esc("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(esc("\xe2\x80\xa8") == "\xe2\x80\xa8");  // U+2028 is valid in JSON strings
}

TEST_CASE("append_json_string quotes the escaped body") {
  std::string s;
  append_json_string(s, "say \"hi\"\n");
  CHECK(s == "\"say \\\"hi\\\"\\n\"");
  s.clear();
  append_json_string(s, "");
  CHECK(s == "\"\"");
}

TEST_CASE("append_timestamp") {
  CHECK(ts(0) == "1970-01-01T00:00:00Z");
  CHECK(ts(1) == "1970-01-01T00:00:00.000001Z");
  CHECK(ts(1000) == "1970-01-01T00:00:00.001Z");
  CHECK(ts(123000) == "1970-01-01T00:00:00.123Z");
  CHECK(ts(123456) == "1970-01-01T00:00:00.123456Z");
  CHECK(ts(100000) == "1970-01-01T00:00:00.100Z");
  CHECK(ts(1700000000LL * 1000000) == "2023-11-14T22:13:20Z");
  CHECK(ts(1700000000LL * 1000000 + 123456) == "2023-11-14T22:13:20.123456Z");
  CHECK(ts(days_from_civil(2026, 3, 1) * kDay + 12LL * 3600 * 1000000) == "2026-03-01T12:00:00Z");
  CHECK(ts(days_from_civil(2024, 2, 29) * kDay) == "2024-02-29T00:00:00Z");
}

TEST_CASE("append_timestamp: before 1970") {
  CHECK(ts(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(ts(-1000) == "1969-12-31T23:59:59.999Z");
  CHECK(ts(-1000000) == "1969-12-31T23:59:59Z");
  CHECK(ts(-1500000) == "1969-12-31T23:59:58.500Z");
  CHECK(ts(-kDay) == "1969-12-31T00:00:00Z");
  CHECK(ts(-kDay - 1) == "1969-12-30T23:59:59.999999Z");
  CHECK(ts(days_from_civil(1900, 1, 1) * kDay) == "1900-01-01T00:00:00Z");
  CHECK(ts(days_from_civil(1, 1, 1) * kDay) == "0001-01-01T00:00:00Z");
  CHECK(ts(days_from_civil(0, 3, 1) * kDay + 1) == "0000-03-01T00:00:00.000001Z");
}

TEST_CASE("append_timestamp: far years") {
  CHECK(ts(days_from_civil(9999, 12, 31) * kDay + kDay - 1) == "9999-12-31T23:59:59.999999Z");
  CHECK(ts(days_from_civil(10000, 1, 1) * kDay) == "10000-01-01T00:00:00Z");
  CHECK(ts(std::numeric_limits<int64_t>::max()) == "294247-01-10T04:00:54.775807Z");
  CHECK(ts(std::numeric_limits<int64_t>::min()) == "-290308-12-21T19:59:05.224192Z");
}

TEST_CASE("parse_number: integers") {
  int64_t i = -7;
  double d = 0;
  CHECK(parse_number("0", i, d) == NumberKind::Int);
  CHECK(i == 0);
  CHECK(parse_number("-0", i, d) == NumberKind::Int);
  CHECK(i == 0);
  CHECK(parse_number("42", i, d) == NumberKind::Int);
  CHECK(i == 42);
  CHECK(parse_number("-17", i, d) == NumberKind::Int);
  CHECK(i == -17);
  CHECK(parse_number("9223372036854775807", i, d) == NumberKind::Int);
  CHECK(i == std::numeric_limits<int64_t>::max());
  CHECK(parse_number("-9223372036854775808", i, d) == NumberKind::Int);
  CHECK(i == std::numeric_limits<int64_t>::min());
}

TEST_CASE("parse_number: integers beyond int64 become floats") {
  int64_t i = 0;
  double d = 0;
  CHECK(parse_number("9223372036854775808", i, d) == NumberKind::Float);
  CHECK(d == 9223372036854775808.0);
  CHECK(parse_number("-9223372036854775809", i, d) == NumberKind::Float);
  CHECK(d == -9223372036854775808.0);
  CHECK(parse_number("18446744073709551616", i, d) == NumberKind::Float);
  CHECK(d == 18446744073709551616.0);
  CHECK(parse_number("123456789012345678901234567890", i, d) == NumberKind::Float);
  CHECK(d == doctest::Approx(1.2345678901234568e29));
}

TEST_CASE("parse_number: floats") {
  int64_t i = 0;
  double d = 0;
  CHECK(parse_number("0.5", i, d) == NumberKind::Float);
  CHECK(d == 0.5);
  CHECK(parse_number("-0.0", i, d) == NumberKind::Float);
  CHECK(d == 0.0);
  CHECK(std::signbit(d));
  CHECK(parse_number("1e5", i, d) == NumberKind::Float);
  CHECK(d == 1e5);
  CHECK(parse_number("1E5", i, d) == NumberKind::Float);
  CHECK(parse_number("1e+5", i, d) == NumberKind::Float);
  CHECK(d == 1e5);
  CHECK(parse_number("2.5e-3", i, d) == NumberKind::Float);
  CHECK(d == 2.5e-3);
  CHECK(parse_number("0e0", i, d) == NumberKind::Float);
  CHECK(d == 0.0);
  CHECK(parse_number("1.7976931348623157e308", i, d) == NumberKind::Float);
  CHECK(d == 1.7976931348623157e308);
  CHECK(parse_number("5e-324", i, d) == NumberKind::Float);
  CHECK(d == 5e-324);
}

TEST_CASE("parse_number: out of double range") {
  int64_t i = 0;
  double d = 0;
  CHECK(parse_number("1e400", i, d) == NumberKind::None);
  CHECK(parse_number("-1e400", i, d) == NumberKind::None);
  CHECK(parse_number("1e309", i, d) == NumberKind::None);
  // Underflow is no overflow: a valid JSON number that rounds to zero (or the
  // smallest subnormal) is that float.
  CHECK(parse_number("1e-400", i, d) == NumberKind::Float);
  CHECK(d == 0.0);
  CHECK(parse_number("-1e-400", i, d) == NumberKind::Float);
  CHECK(d == 0.0);
  CHECK(std::signbit(d));
  CHECK(parse_number("3e-324", i, d) == NumberKind::Float);
  CHECK(d == 5e-324);
}

TEST_CASE("parse_number: not JSON numbers") {
  int64_t i = 0;
  double d = 0;
  for (const char* s : {"",      "-",   "+1",  "01",  "-01",  "00",       "007",   ".5",   "-.5",   "1.",
                        "1.e5",  "1e",  "1e+", "1e-", "e5",   "0x10",     "1_000", "1,5",  " 1",    "1 ",
                        "12abc", "nan", "NaN", "inf", "-inf", "Infinity", "--1",   "1..2", "1e5.0", "true"}) {
    INFO("'" << s << "'");
    CHECK(parse_number(s, i, d) == NumberKind::None);
  }
}

TEST_CASE("parse_bool") {
  bool b = false;
  CHECK(parse_bool("true", b));
  CHECK(b);
  CHECK(parse_bool("false", b));
  CHECK(!b);
  CHECK(parse_bool("TRUE", b));
  CHECK(b);
  CHECK(parse_bool("False", b));
  CHECK(!b);
  CHECK(parse_bool("tRuE", b));
  CHECK(b);
  for (const char* s : {"", "t", "f", "yes", "no", "1", "0", "truee", "fals", " true", "true ", "T", "tru\xc5"}) {
    INFO("'" << s << "'");
    CHECK(!parse_bool(s, b));
  }
}

TEST_CASE("days_from_civil: known dates") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1970, 1, 2) == 1);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 1, 1) == 10957);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2023, 11, 14) == 19675);
  CHECK(days_from_civil(9999, 12, 31) == 2932896);
  CHECK(days_from_civil(1, 1, 1) == -719162);
  CHECK(days_from_civil(0, 3, 1) == -719468);
  CHECK(days_from_civil(-1, 12, 31) == -719529);
}

TEST_CASE("civil_from_days: month lengths and leap years") {
  auto date = [](int64_t z) {
    int64_t y;
    unsigned m, d;
    civil_from_days(z, y, m, d);
    return std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d);
  };
  CHECK(date(0) == "1970-1-1");
  CHECK(date(-1) == "1969-12-31");
  CHECK(date(days_from_civil(2000, 2, 28) + 1) == "2000-2-29");  // 400-year leap
  CHECK(date(days_from_civil(1900, 2, 28) + 1) == "1900-3-1");   // century, not leap
  CHECK(date(days_from_civil(2024, 2, 28) + 1) == "2024-2-29");
  CHECK(date(days_from_civil(2023, 2, 28) + 1) == "2023-3-1");
  CHECK(date(days_from_civil(2023, 12, 31) + 1) == "2024-1-1");
  CHECK(date(days_from_civil(-400, 2, 28) + 1) == "-400-2-29");
}

TEST_CASE("days_from_civil / civil_from_days round trip, day by day") {
  // About ±2700 years around the epoch, every day: dates go up by exactly one day.
  int64_t py;
  unsigned pm, pd;
  civil_from_days(-1000001, py, pm, pd);
  int64_t bad = 0;
  bool ok = true;
  for (int64_t z = -1000000; z <= 1000000 && ok; ++z) {
    int64_t y;
    unsigned m, d;
    civil_from_days(z, y, m, d);
    ok = m >= 1 && m <= 12 && d >= 1 && d <= 31 && days_from_civil(y, m, d) == z;
    bool next_day = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
                    (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
    ok = ok && next_day;
    if (!ok) bad = z;
    py = y, pm = m, pd = d;
  }
  INFO("first bad day " << bad);
  CHECK(ok);
}

TEST_CASE("days_from_civil / civil_from_days round trip, far range") {
  int64_t bad = 0;
  bool ok = true;
  for (int64_t z = -100000000000LL; z <= 100000000000LL && ok; z += 7919 * 104729) {
    int64_t y;
    unsigned m, d;
    civil_from_days(z, y, m, d);
    ok = days_from_civil(y, m, d) == z;
    if (!ok) bad = z;
  }
  INFO("first bad day " << bad);
  CHECK(ok);
}

// ---- sanitize_utf8 ----------------------------------------------------------------

namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

std::string fffd(int n) {
  std::string s;
  for (int k = 0; k < n; ++k) s += kFFFD;
  return s;
}

// UTF-8 of a code point (no checks).
std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += char(0xE0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xF0 | (cp >> 18));
    s += char(0x80 | ((cp >> 12) & 0x3F));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

bool valid_utf8(const std::string& s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace

TEST_CASE("sanitize_utf8: valid text is unchanged") {
  for (std::string s : {std::string(""), std::string("plain ascii, \t\r\n"), std::string("nul\0inside", 10),
                        std::string("caf\xc3\xa9"), std::string("\xe2\x82\xac 5"), std::string("\xf0\x9f\x98\x80!"),
                        std::string("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"),
                        std::string("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf")}) {
    CAPTURE(s);
    CHECK(sanitize_utf8(s) == s);
  }
}

TEST_CASE("sanitize_utf8: every code point's encoding is unchanged") {
  bool ok = true;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s = "<" + utf8(cp) + ">";
    if (sanitize_utf8(s) != s) {
      ok = false;
      FAIL_CHECK("code point " << cp);
      break;
    }
  }
  CHECK(ok);
}

TEST_CASE("sanitize_utf8: bad sequences become U+FFFD, one per maximal subpart") {
  struct Case {
    const char* in;
    std::string out;
  };
  for (const Case& c : {
           // overlong forms
           Case{"\xc0\xaf", fffd(2)},
           Case{"\xc1\xbf", fffd(2)},
           Case{"\xe0\x80\xaf", fffd(3)},
           Case{"\xe0\x9f\xbf", fffd(3)},
           Case{"\xf0\x80\x80\xaf", fffd(4)},
           Case{"\xf0\x8f\xbf\xbf", fffd(4)},
           // surrogates
           Case{"\xed\xa0\x80", fffd(3)},
           Case{"\xed\xbf\xbf", fffd(3)},
           Case{"a\xed\xb0\x80z", "a" + fffd(3) + "z"},
           // past U+10FFFF
           Case{"\xf4\x90\x80\x80", fffd(4)},
           Case{"\xf5\x80\x80\x80", fffd(4)},
           Case{"\xf8\x88\x80\x80\x80", fffd(5)},
           // truncated sequences: one for the whole prefix
           Case{"\xc3", fffd(1)},
           Case{"\xe2\x82", fffd(1)},
           Case{"a\xe2\x82z", "a" + fffd(1) + "z"},
           Case{"\xf0\x9f\x98", fffd(1)},
           Case{"\xf0\x9f\x98!", fffd(1) + "!"},
           Case{"\xf0\x9f\xe2\x82\xac", fffd(1) + "\xe2\x82\xac"},
           Case{"a\xc3(b", "a" + fffd(1) + "(b"},
           // stray continuation and never-valid bytes
           Case{"\x80", fffd(1)},
           Case{"\x80\xbf", fffd(2)},
           Case{"\xff\xfe", fffd(2)},
           Case{"x\xfey", "x" + fffd(1) + "y"},
           // the example of the Unicode standard (3.9, U+FFFD substitution of maximal subparts)
           Case{"\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
                "a" + fffd(3) + "b" + fffd(1) + "c" + fffd(2) + "d"},
       }) {
    CAPTURE(c.in);
    CHECK(sanitize_utf8(c.in) == c.out);
  }
}

TEST_CASE("sanitize_utf8: the result is always valid, and equals the input exactly when it was valid") {
  // Every string of up to 4 bytes drawn from the bytes where the rules change.
  const unsigned char bytes[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  const size_t nb = sizeof bytes;
  int64_t failures = 0;
  std::string s;
  for (size_t len = 1; len <= 4; ++len) {
    size_t total = 1;
    for (size_t k = 0; k < len; ++k) total *= nb;
    for (size_t idx = 0; idx < total; ++idx) {
      s.clear();
      for (size_t k = 0, v = idx; k < len; ++k, v /= nb) s += static_cast<char>(bytes[v % nb]);
      std::string out = sanitize_utf8(s);
      if (!valid_utf8(out) || (out == s) != valid_utf8(s) || sanitize_utf8(out) != out) ++failures;
    }
  }
  CHECK(failures == 0);
}

TEST_SUITE_END();
