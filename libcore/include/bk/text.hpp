// Text helpers shared by readers and writers: number formatting and parsing,
// JSON string escaping, RFC 3339 timestamps. Nothing here knows about records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

// JSON string body escaping: quotes, backslash, control characters.
void append_json_escaped(std::string& out, std::string_view s);
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
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
