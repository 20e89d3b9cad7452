#include "bk/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace bk {

void append_double(std::string& out, double v) {
  size_t at = out.size();
  out.resize(at + 48);
  out.resize(put_double(out.data() + at, v) - out.data());
}

char* put_decimal(char* p, double x, int k) {
  static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  double y = x * pow10[k];
  // y is within rounding of the integer m (|m| < 2^53): adding a half and truncating
  // gives m exactly, without a call to nearbyint.
  return put_decimal_m(p, x, static_cast<int64_t>(y >= 0 ? y + 0.5 : y - 0.5), k);
}

char* put_decimal_m(char* p, double x, int64_t m, int k) {
  bool neg = m < 0 || (m == 0 && std::signbit(x));
  uint64_t u = neg ? static_cast<uint64_t>(-m) : static_cast<uint64_t>(m);
  while (k > 0 && u % 10 == 0) u /= 10, --k;  // 7.410 -> 7.41
  char digits[48];
  int n = static_cast<int>(std::to_chars(digits, digits + 24, u).ptr - digits);
  // Digits the scientific form keeps: without trailing zeros.
  int sig = n;
  while (sig > 1 && digits[sig - 1] == '0') --sig;
  int exp10 = (n - 1) - k;
  int exp_digits = std::abs(exp10) >= 100 ? 3 : 2;
  int sci_len = sig + (sig > 1 ? 1 : 0) + 2 + exp_digits;
  int fixed_len = k == 0 ? n : (n > k ? n + 1 : 2 + k);
  // Up to 15 significant digits a decimal is the shortest form of its double (DBL_DIG).
  if (u == 0 || sci_len < fixed_len || n > 15) {
    char* start = p;
    p = std::to_chars(p, p + 32, x).ptr;
    for (char* q = start; q < p; ++q)
      if (*q == '.' || *q == 'e') return p;
    *p++ = '.';
    *p++ = '0';
    return p;
  }
  // Byte copies: the digits were just stored a byte at a time, and a wide load of
  // them would stall on store forwarding (n and k are at most 15).
  if (neg) *p++ = '-';
  if (k == 0) {
    for (int d = 0; d < n; ++d) *p++ = digits[d];
    *p++ = '.';
    *p++ = '0';
  } else if (n > k) {
    for (int d = 0; d < n - k; ++d) *p++ = digits[d];
    *p++ = '.';
    for (int d = n - k; d < n; ++d) *p++ = digits[d];
  } else {
    *p++ = '0';
    *p++ = '.';
    for (int z = 0; z < k - n; ++z) *p++ = '0';
    for (int d = 0; d < n; ++d) *p++ = digits[d];
  }
  return p;
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr - buf);
}

void append_json_escaped(std::string& out, std::string_view s) {
  size_t at = out.size();
  out.resize(at + 6 * s.size());
  out.resize(put_json_escaped(out.data() + at, s) - out.data());
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

static void put2(std::string& out, unsigned v) {
  out += char('0' + v / 10);
  out += char('0' + v % 10);
}

void append_timestamp(std::string& out, int64_t micros) {
  // Floor division without negating (-INT64_MIN overflows).
  int64_t secs = micros / 1000000, frac = micros % 1000000;
  if (frac < 0) secs -= 1, frac += 1000000;
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) days -= 1, sod += 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y >= 0 && y <= 9999) {
    char buf[8];
    auto r = std::to_chars(buf, buf + 8, y);
    for (int pad = 4 - int(r.ptr - buf); pad > 0; --pad) out += '0';
    out.append(buf, r.ptr - buf);
  } else {
    append_int(out, y);
  }
  out += '-'; put2(out, m); out += '-'; put2(out, d);
  out += 'T'; put2(out, unsigned(sod / 3600)); out += ':'; put2(out, unsigned(sod / 60 % 60));
  out += ':'; put2(out, unsigned(sod % 60));
  if (frac) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(frac));
    int n = 6;
    if (frac % 1000 == 0) n = 3;
    out += '.';
    out.append(buf, n);
  }
  out += 'Z';
}

NumberKind parse_number(std::string_view s, int64_t& i, double& d) {
  size_t k = 0, n = s.size();
  if (k < n && s[k] == '-') ++k;
  if (k == n) return NumberKind::None;
  if (s[k] == '0') {
    ++k;
  } else if (s[k] >= '1' && s[k] <= '9') {
    while (k < n && s[k] >= '0' && s[k] <= '9') ++k;
  } else {
    return NumberKind::None;
  }
  bool is_float = false;
  if (k < n && s[k] == '.') {
    ++k;
    size_t digits = k;
    while (k < n && s[k] >= '0' && s[k] <= '9') ++k;
    if (k == digits) return NumberKind::None;
    is_float = true;
  }
  if (k < n && (s[k] == 'e' || s[k] == 'E')) {
    ++k;
    if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
    size_t digits = k;
    while (k < n && s[k] >= '0' && s[k] <= '9') ++k;
    if (k == digits) return NumberKind::None;
    is_float = true;
  }
  if (k != n) return NumberKind::None;
  if (!is_float) {
    auto r = std::from_chars(s.data(), s.data() + n, i);
    if (r.ec == std::errc()) return NumberKind::Int;
  }
  auto r = std::from_chars(s.data(), s.data() + n, d);
  if (r.ec == std::errc()) return NumberKind::Float;
  // Out of range. Beyond the largest double it stays text; a value too small for a
  // double is no error, it rounds to zero or a subnormal as JSON parsers do.
  // from_chars leaves `d` alone then, so strtod rounds it (in the "C" locale: no
  // tool calls setlocale).
  std::string copy(s);
  double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v)) return NumberKind::None;
  d = v;
  return NumberKind::Float;
}

bool parse_bool(std::string_view s, bool& b) {
  auto eq = [](std::string_view a, const char* lower) {
    if (a.size() != std::strlen(lower)) return false;
    for (size_t k = 0; k < a.size(); ++k)
      if ((a[k] | 0x20) != lower[k]) return false;
    return true;
  };
  if (eq(s, "true")) { b = true; return true; }
  if (eq(s, "false")) { b = false; return true; }
  return false;
}

// The well-formed sequences (Unicode 15, table 3-7): the lead byte gives the length
// and the range of the second byte (which rules out overlong forms, surrogates and
// code points past U+10FFFF); later bytes are 80..BF. A bad sequence is replaced by
// one U+FFFD for its maximal subpart: the longest prefix of a well-formed sequence
// (at least one byte), so "\xE2\x82" is one U+FFFD and "\xC0\xAF" is two.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c == 0xE0)
      len = 3, lo = 0xA0;
    else if (c == 0xED)
      len = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
      len = 3;
    else if (c == 0xF0)
      len = 4, lo = 0x90;
    else if (c == 0xF4)
      len = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
      len = 4;
    size_t k = 1;  // bytes of a well-formed prefix
    while (k < len && i + k < n) {
      unsigned char d = p[i + k];
      if (k == 1 ? (d < lo || d > hi) : (d & 0xC0) != 0x80) break;
      ++k;
    }
    if (len > 0 && k == len)
      out.append(s.data() + i, len);
    else
      out += "\xEF\xBF\xBD";
    i += k;
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string likely_typo_of(std::string_view name, const std::vector<std::string>& names) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& n : names) {
    size_t d = edit_distance(name, n);
    if (d < best_d) best_d = d, best = n;
  }
  size_t len = name.size();
  bool typo = !best.empty() && (best_d == 0 || (len >= 3 && best_d <= (len <= 5 ? 1u : 2u)));  // 0: letter case
  return typo ? best : std::string();
}

}  // namespace bk
