// Hive-style directory names (see hive.hpp for the rules, man bk-partition for users).
#include "bk/hive.hpp"

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "bk/text.hpp"

namespace bk::hive {

namespace {

constexpr size_t kMaxName = 120;  // longer names are cut ...
constexpr size_t kCutAt = 100;    // ... after at most this many bytes, then ~ and a hash

bool is_plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '+' || c == ',' || c == '@';
}

// The length of the UTF-8 sequence a lead byte starts (the text is known valid).
size_t sequence_length(unsigned char lead) { return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1; }

void put_escaped(std::string& out, unsigned char c) {
  static const char* hex = "0123456789ABCDEF";
  out += '%';
  out += hex[c >> 4];
  out += hex[c & 15];
}

// The escaped bytes of `s`; `cut` gets the end of the last whole unit (a byte, a %XX,
// a character) at or before kCutAt, for cutting. A leading '.' is escaped (no name is
// . or .., or hidden), and for a key a leading '_' too (readers skip such names).
std::string escape(std::string_view s, size_t& cut, bool key) {
  const bool utf8 = simdjson::validate_utf8(s.data(), s.size());
  std::string out;
  out.reserve(s.size());
  cut = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c >= 0x80 && utf8 ? sequence_length(c) : 1;
    bool c1_control = c == 0xC2 && len == 2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
    bool hidden = i == 0 && (c == '.' || (key && c == '_'));
    if ((is_plain(c) && !hidden) || (len > 1 && !c1_control))
      out.append(s.substr(i, len));
    else
      for (size_t k = 0; k < len; ++k) put_escaped(out, static_cast<unsigned char>(s[i + k]));
    i += len;
    if (out.size() <= kCutAt) cut = out.size();
  }
  return out;
}

// A name longer than kMaxName: its first `cut` bytes, '~' and the value's hash.
std::string shorten(std::string name, size_t cut, std::string_view value) {
  if (name.size() <= kMaxName) return name;
  static const char* hex = "0123456789abcdef";
  uint64_t h = XXH3_64bits(value.data(), value.size());
  name.resize(cut);
  name += '~';
  for (int shift = 60; shift >= 0; shift -= 4) name += hex[(h >> shift) & 15];
  return name;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded up to a '~' (a cut name), which stays with everything after it.
std::string decode(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '~') {
      out.append(name.substr(i));
      break;
    }
    int hi = -1, lo = -1;
    if (name[i] == '%' && i + 2 < name.size() && (hi = hex_digit(name[i + 1])) >= 0 &&
        (lo = hex_digit(name[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
      continue;
    }
    out += name[i];
  }
  return out;
}

bool is_int_text(std::string_view s, int64_t& v) {
  size_t k = !s.empty() && s[0] == '-' ? 1 : 0;
  if (k == s.size()) return false;
  for (size_t j = k; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  return std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc();
}

// One row's value repeated n times, as a column of `type`.
Column constant_column(const std::optional<std::string>& value, Type type, int64_t n) {
  if (type == Type::Null) return Column::nulls(n);
  Column c;
  c.type = type;
  c.valid.resize(n, true);
  int64_t i = 0;
  double d = 0;
  switch (type) {
    case Type::Int64:
      is_int_text(*value, i);
      c.ints.assign(n, i);
      break;
    case Type::Float64:
      parse_number(*value, i, d);
      c.floats.assign(n, d);
      break;
    case Type::Bool: c.ints.assign(n, *value == "true"); break;
    default:
      c.bytes.reserve(value->size() * n);
      c.offsets.reserve(n + 1);
      for (int64_t r = 0; r < n; ++r) {
        c.bytes.append(*value);
        c.offsets.push_back(c.bytes.size());
      }
  }
  return c;
}

}  // namespace

std::string value_name(std::optional<std::string_view> value) {
  if (!value) return std::string(kNullName);
  if (value->empty()) return std::string(kEmptyName);
  size_t cut = 0;
  std::string name = escape(*value, cut, false);
  if (name == kNullName || name == kEmptyName) name = "%5F" + name.substr(1);
  return shorten(std::move(name), cut, *value);
}

std::string key_name(std::string_view key) {
  size_t cut = 0;
  std::string name = escape(key, cut, true);
  return shorten(std::move(name), cut, key);
}

std::optional<std::string> decode_value(std::string_view name) {
  if (name == kNullName) return std::nullopt;
  if (name == kEmptyName) return std::string();
  return decode(name);
}

std::string decode_key(std::string_view name) { return decode(name); }

bool split_name(std::string_view dir_name, std::string& key, std::optional<std::string>& value) {
  size_t eq = dir_name.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  key = decode_key(dir_name.substr(0, eq));
  value = decode_value(dir_name.substr(eq + 1));
  return true;
}

std::vector<std::pair<std::string, std::optional<std::string>>> path_keys(std::string_view path) {
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  size_t end = path.rfind('/');
  if (end == std::string_view::npos) return out;
  size_t s = 0;
  while (s < end) {
    size_t e = std::min(path.find('/', s), end);
    std::string key;
    std::optional<std::string> value;
    if (split_name(path.substr(s, e - s), key, value)) {
      bool seen = false;
      for (const auto& kv : out) seen = seen || kv.first == key;
      if (!seen) out.emplace_back(std::move(key), std::move(value));
    }
    s = e + 1;
  }
  return out;
}

Type value_type(const std::optional<std::string>& value) {
  if (!value) return Type::Null;
  int64_t i = 0;
  double d = 0;
  if (is_int_text(*value, i)) return Type::Int64;
  if (parse_number(*value, i, d) != NumberKind::None && std::isfinite(d)) return Type::Float64;
  if (*value == "true" || *value == "false") return Type::Bool;
  return Type::String;
}

void add_path_fields(Batch& b, std::string_view path) {
  for (auto& [key, value] : path_keys(path)) {
    if (b.find(key) >= 0) continue;
    b.add_column(key, constant_column(value, value_type(value), b.rows));
  }
}

std::vector<std::pair<std::string, Type>> path_fields(std::string_view path, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, Type>> out;
  for (auto& [key, value] : path_keys(path))
    if (std::find(names.begin(), names.end(), key) == names.end()) out.emplace_back(key, value_type(value));
  return out;
}

}  // namespace bk::hive
