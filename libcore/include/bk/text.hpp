// Text helpers shared by readers and writers: number formatting and parsing,
// JSON string escaping, RFC 3339 timestamps. Nothing here knows about records.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace bk {

// Shortest decimal that reads back to the same double; integral values get ".0"
// so a float stays a float ("1.0", "1e+21"). NaN and infinities print as nan/inf/-inf.
void append_double(std::string& out, double v);
void append_int(std::string& out, int64_t v);
// Writes x, known to equal m / 10^k exactly (|m| < 2^53, k <= 15), exactly as
// std::to_chars(x) would (shortest form; fixed or scientific, whichever is shorter,
// fixed on a tie) but without its search; ".0" added when integral. Needs 32 bytes.
char* put_decimal(char* p, double x, int k);
// The same, given the mantissa: x == m / 10^k (a chunk decoder knows m).
char* put_decimal_m(char* p, double x, int64_t m, int k);

// Edit distance ignoring letter case, a swap of two neighbours counting as one edit
// (optimal string alignment): "vlaue" is one edit from "value".
size_t edit_distance(std::string_view a, std::string_view b);
// The name of `names` that `name` is most likely a typo of: same but for letter case,
// or one edit away (names of 3-5 characters), or two (longer); "" when none is.
std::string likely_typo_of(std::string_view name, const std::vector<std::string>& names);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD, one per maximal subpart
// (as the Unicode standard recommends, and Python, ICU and WHATWG decoders do: the
// overlong "\xC0\xAF" gives two, the truncated "\xE2\x82" one); valid text is
// returned unchanged.
std::string sanitize_utf8(std::string_view s);

// Terminal columns (display_width.cpp): a code point takes 2 when it is East Asian
// Wide or Fullwidth (CJK, kana, Hangul syllables, most emoji), 0 when it is a combining
// mark, a format character (zero width joiner) or a control, else 1.
int codepoint_width(char32_t c);
// The code point of UTF-8 at `pos`, and `pos` moved past it; an invalid or truncated
// sequence gives U+FFFD and moves one byte. Precondition: pos < s.size().
char32_t next_codepoint(std::string_view s, size_t& pos);
// Columns UTF-8 text takes (invalid bytes count as U+FFFD, one column each); a code
// point after a zero width joiner takes none (an emoji ZWJ sequence is one emoji).
int64_t display_width(std::string_view s);
// The length in bytes of the longest prefix of `s` (whole code points, and combining
// marks kept with their base) that takes at most `columns`; `width` gets its columns.
size_t fit_width(std::string_view s, int64_t columns, int64_t& width);

// JSON string body escaping: quotes, backslash, control characters.
void append_json_escaped(std::string& out, std::string_view s);
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

// ---- writing into a buffer with room to spare (the writers' hot paths) ---------
// Each put_* writes at p, returns the end, and needs the room its comment says.

namespace text {
inline constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
inline uint64_t has_byte(uint64_t x, unsigned char c) {
  uint64_t y = x ^ (kOnes * c);
  return (y - kOnes) & ~y & kHighs;
}
inline uint64_t has_less(uint64_t x, unsigned char n) { return (x - kOnes * n) & ~x & kHighs; }

// Length of the prefix of s that needs no JSON escaping.
inline size_t json_clean_prefix(const char* s, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, s + i, 8);
    if (has_less(x, 0x20) | has_byte(x, '"') | has_byte(x, '\\')) break;
  }
  for (; i < n; ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c == '"' || c == '\\') break;
  }
  return i;
}

// Copies n bytes; short runs inline (most field values are a few bytes, and a call
// to memcpy costs more than the copy).
inline char* copy_bytes(char* p, const char* d, size_t n) {
  if (n <= 32) {
    for (size_t i = 0; i < n; ++i) p[i] = d[i];
  } else {
    std::memcpy(p, d, n);
  }
  return p + n;
}

}  // namespace text

// Writes s with JSON escaping (no quotes); needs 6 * size bytes of room.
inline char* put_json_escaped(char* p, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  const char* d = s.data();
  size_t n = s.size();
  for (;;) {
    size_t k = text::json_clean_prefix(d, n);
    p = text::copy_bytes(p, d, k);
    if (k == n) break;
    unsigned char c = d[k];
    *p++ = '\\';
    switch (c) {
      case '"': *p++ = '"'; break;
      case '\\': *p++ = '\\'; break;
      case '\n': *p++ = 'n'; break;
      case '\r': *p++ = 'r'; break;
      case '\t': *p++ = 't'; break;
      case '\b': *p++ = 'b'; break;
      case '\f': *p++ = 'f'; break;
      default:
        *p++ = 'u', *p++ = '0', *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
    }
    d += k + 1;
    n -= k + 1;
  }
  return p;
}

// Writes a JSON string (quotes included); needs 6 * size + 2 bytes of room.
inline char* put_json_string(char* p, std::string_view s) {
  *p++ = '"';
  p = put_json_escaped(p, s);
  *p++ = '"';
  return p;
}

// The integer nearest y (ties to even, as nearbyint in the default rounding mode),
// without a call: adding and taking away 1.5 * 2^52 leaves y rounded when |y| < 2^51.
inline double nearest_integer(double y) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  if (!(std::fabs(y) < 2251799813685248.0)) return std::nearbyint(y);  // 2^51
  return y >= 0 ? (y + kMagic) - kMagic : (y - kMagic) + kMagic;
}

// Shortest round-trip text of a double, ".0" added when integral (nan, inf, -inf
// for the others); needs 48 bytes.
// Most data is short decimals (7.416): when v is exactly m / 10^k for a k up to 6,
// put_decimal writes it without the shortest-digits search (the same text). A value
// that is such a decimal for some k is one for k = 6 too (|v * 10^6| < 10^15 rounds
// to m * 10^(6-k) exactly, and that over 10^6 rounds back to v): one test there spares
// the others (a mean, say) the search.
inline char* put_double(char* p, double v) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
  if (std::isnan(v)) {
    std::memcpy(p, "nan", 3);
    return p + 3;
  }
  if (std::fabs(v) < 1e9 && v != 0 && nearest_integer(v * 1e6) / 1e6 == v) {
    for (int k = 0; k <= 6; ++k) {
      double y = v * kPow10[k];
      double r = nearest_integer(y);
      if (r == y || r / kPow10[k] == v) {
        if (r / kPow10[k] == v) return put_decimal(p, v, k);
        break;
      }
    }
  }
  char* start = p;
  p = std::to_chars(p, p + 32, v).ptr;
  for (char* q = start; q < p; ++q)
    if (*q == '.' || *q == 'e' || *q == 'n' || *q == 'i') return p;
  *p++ = '.';
  *p++ = '0';
  return p;
}

// Microseconds since the epoch -> "2026-03-01T12:00:00Z" (".123Z"/".123456Z" when needed).
void append_timestamp(std::string& out, int64_t micros);

// What a piece of text is, by JSON number grammar (no leading zeros, no '+', no NaN).
enum class NumberKind { None, Int, Float };
// Parses a JSON-grammar number. Integers that do not fit int64 come back as Float.
NumberKind parse_number(std::string_view s, int64_t& i, double& d);
// "true"/"false" in any letter case.
bool parse_bool(std::string_view s, bool& b);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);

}  // namespace bk
