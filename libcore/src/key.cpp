// Keys: the order-preserving encoding (key.hpp) and the hash index.
//
// Encoding, per part: a tag byte, then
//   number      0x20, floor(v) as a biased big-endian int64, then v - floor(v) as an
//               order-preserving double: int64 5 and float64 5.0 are the same bytes
//   huge        0x1F / 0x21 (beyond ±2^63) with the double; NaN 0x22
//   bool 0x10, timestamp 0x30 (biased int64), string 0x40, json 0x50: bytes with each
//               NUL written as NUL 0x01, ended by NUL NUL
//   null        0xFF, so nulls sort last
#include "bk/key.hpp"

#include <xxhash.h>

#include <cmath>
#include <cstring>

#include "bk/error.hpp"

namespace bk {

namespace {

enum : unsigned char {
  kTagBool = 0x10,
  kTagNegHuge = 0x1F,
  kTagNumber = 0x20,
  kTagPosHuge = 0x21,
  kTagNaN = 0x22,
  kTagTime = 0x30,
  kTagString = 0x40,
  kTagJson = 0x50,
  kTagNull = 0xFF
};

char* put_be64(char* p, uint64_t v) {
  for (int k = 0; k < 8; ++k) p[k] = static_cast<char>(v >> (56 - 8 * k));
  return p + 8;
}
bool get_be64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(in[k]);
  in.remove_prefix(8);
  return true;
}
uint64_t order_int(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t(1) << 63); }
int64_t unorder_int(uint64_t u) { return static_cast<int64_t>(u ^ (uint64_t(1) << 63)); }
uint64_t order_double(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return (u >> 63) ? ~u : u | (uint64_t(1) << 63);
}
double unorder_double(uint64_t u) {
  u = (u >> 63) ? u & ~(uint64_t(1) << 63) : ~u;
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

// A string's bytes, each NUL written as NUL 0x01, then NUL NUL. `nul_free`: the caller
// knows s holds no NUL.
char* put_escaped(char* p, std::string_view s, bool nul_free) {
  if (nul_free || std::memchr(s.data(), 0, s.size()) == nullptr) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  } else {
    for (char c : s) {
      *p++ = c;
      if (c == '\0') *p++ = '\x01';
    }
  }
  p[0] = p[1] = '\0';
  return p + 2;
}
size_t escaped_size(std::string_view s, bool nul_free) {
  size_t n = s.size() + 2;
  if (!nul_free)
    for (char c : s) n += c == '\0';
  return n;
}

// The first NUL of in at or after i (in.size() when none): inline, as the strings of
// keys are short and a call to memchr costs more than the scan.
size_t find_nul(std::string_view in, size_t i) {
  for (; i + 8 <= in.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, in.data() + i, 8);
    uint64_t zero = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
    if (zero) return i + static_cast<size_t>(__builtin_ctzll(zero) >> 3);
  }
  for (; i < in.size(); ++i)
    if (in[i] == '\0') return i;
  return in.size();
}

// The string at the front of `in` (escapes undone into `s` only when there are any:
// `view` points into `in` otherwise).
bool get_escaped(std::string_view& in, std::string& s, std::string_view& view) {
  for (size_t i = 0;;) {
    size_t at = find_nul(in, i);
    if (at == in.size()) return false;
    if (at + 1 >= in.size()) return false;
    if (in[at + 1] == '\0') {
      if (s.empty() && i == 0) {
        view = in.substr(0, at);
      } else {
        s.append(in.data() + i, at - i);
        view = s;
      }
      in.remove_prefix(at + 2);
      return true;
    }
    if (in[at + 1] != '\x01') return false;
    s.append(in.data() + i, at - i + 1);  // the NUL itself
    i = at + 2;
  }
}

constexpr double kTwo63 = 9223372036854775808.0;

char* put_number(char* p, double v) {
  if (std::isnan(v)) {
    *p++ = static_cast<char>(kTagNaN);
    return p;
  }
  if (v < -kTwo63 || v >= kTwo63) {
    *p++ = static_cast<char>(v < 0 ? kTagNegHuge : kTagPosHuge);
    return put_be64(p, order_double(v));
  }
  double whole = std::floor(v);
  double frac = v - whole;  // exact, in [0, 1)
  *p++ = static_cast<char>(kTagNumber);
  p = put_be64(p, order_int(static_cast<int64_t>(whole)));
  return put_be64(p, order_double(frac));
}

// The encoded size of row i of c, and the encoding written at p (returning its end):
// one definition of the encoding for encode_key_part and encode_keys.
size_t part_size(const Column& c, int64_t i, bool nul_free) {
  if (!c.valid.get(i)) return 1;
  switch (c.type) {
    case Type::Null: return 1;
    case Type::Bool: return 2;
    case Type::Int64: return 17;
    case Type::Float64: {
      double v = c.floats[i];
      return std::isnan(v) ? 1 : (v < -kTwo63 || v >= kTwo63) ? 9 : 17;
    }
    case Type::Timestamp: return 9;
    case Type::String:
    case Type::Json: return 1 + escaped_size(c.str(i), nul_free);
  }
  return 1;
}

char* put_part(char* p, const Column& c, int64_t i, bool nul_free) {
  if (!c.valid.get(i)) {
    *p++ = static_cast<char>(kTagNull);
    return p;
  }
  switch (c.type) {
    case Type::Null: *p++ = static_cast<char>(kTagNull); return p;
    case Type::Bool:
      *p++ = static_cast<char>(kTagBool);
      *p++ = static_cast<char>(c.ints[i] != 0);
      return p;
    case Type::Int64:
      *p++ = static_cast<char>(kTagNumber);
      p = put_be64(p, order_int(c.ints[i]));
      return put_be64(p, order_double(0.0));
    case Type::Float64: return put_number(p, c.floats[i]);
    case Type::Timestamp:
      *p++ = static_cast<char>(kTagTime);
      return put_be64(p, order_int(c.ints[i]));
    case Type::String:
    case Type::Json:
      *p++ = static_cast<char>(c.type == Type::String ? kTagString : kTagJson);
      return put_escaped(p, c.str(i), nul_free);
  }
  return p;
}

// Whether the string values of rows [begin, end) of c hold no NUL byte (one scan).
bool strings_nul_free(const Column& c, int64_t begin, int64_t end) {
  if ((c.type != Type::String && c.type != Type::Json) || begin >= end) return true;
  uint64_t a = c.offsets[begin], b = c.offsets[end];
  return std::memchr(c.bytes.data() + a, 0, b - a) == nullptr;
}

}  // namespace

void encode_key_part(std::string& out, const Column& c, int64_t i) {
  size_t at = out.size();
  out.resize(at + part_size(c, i, false));
  put_part(out.data() + at, c, i, false);
}

bool decode_key_part(std::string_view& in, Type t, Column& out) {
  if (in.empty()) return false;
  auto tag = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  uint64_t a = 0, b = 0;
  std::string s;
  switch (tag) {
    case kTagNull: out.append_null(); return true;
    case kTagBool:
      if (in.empty()) return false;
      out.append_bool(in[0] != 0);
      in.remove_prefix(1);
      return true;
    case kTagNumber: {
      if (!get_be64(in, a) || !get_be64(in, b)) return false;
      int64_t whole = unorder_int(a);
      double frac = unorder_double(b);
      if (frac == 0 && t != Type::Float64)
        out.append_int(whole);
      else
        out.append_double(static_cast<double>(whole) + frac);
      return true;
    }
    case kTagNegHuge:
    case kTagPosHuge:
      if (!get_be64(in, a)) return false;
      out.append_double(unorder_double(a));
      return true;
    case kTagNaN: out.append_double(std::nan("")); return true;
    case kTagTime:
      if (!get_be64(in, a)) return false;
      out.append_timestamp(unorder_int(a));
      return true;
    case kTagString:
    case kTagJson: {
      std::string_view v;
      if (!get_escaped(in, s, v)) return false;
      if (tag == kTagString)
        out.append_string(v);
      else
        out.append_json(v);
      return true;
    }
  }
  return false;
}

uint64_t hash_key(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void KeyRows::hash_all() {
  hashes.resize(ends.size());
  for (size_t j = 0; j < ends.size(); ++j) hashes[j] = hash_key(key(j));
}

// A column at a time: each key's size first, then each column's parts written at
// their places (no growing buffer, one NUL scan per string column).
void encode_keys(const std::vector<const Column*>& cols, int64_t begin, int64_t end, bool skip_nulls, KeyRows& out) {
  out.rows.clear();
  out.rows.reserve(end - begin);
  for (int64_t i = begin; i < end; ++i) {
    if (skip_nulls) {
      bool null = false;
      for (const Column* c : cols) null |= !c->valid.get(i);
      if (null) continue;
    }
    out.rows.push_back(static_cast<uint32_t>(i));
  }
  const size_t n = out.rows.size();
  std::vector<char> nul_free(cols.size());
  for (size_t k = 0; k < cols.size(); ++k) nul_free[k] = strings_nul_free(*cols[k], begin, end);
  out.ends.assign(n, 0);
  for (size_t k = 0; k < cols.size(); ++k)
    for (size_t j = 0; j < n; ++j) out.ends[j] += static_cast<uint32_t>(part_size(*cols[k], out.rows[j], nul_free[k]));
  uint64_t total = 0;
  for (size_t j = 0; j < n; ++j) total += out.ends[j], out.ends[j] = static_cast<uint32_t>(total);
  if (total > UINT32_MAX) throw Error("the keys of one block take over 4 GiB", "read smaller blocks");
  out.buf.resize(total);
  std::vector<char*> at(n);
  for (size_t j = 0; j < n; ++j) at[j] = out.buf.data() + (j ? out.ends[j - 1] : 0);
  for (size_t k = 0; k < cols.size(); ++k)
    for (size_t j = 0; j < n; ++j) at[j] = put_part(at[j], *cols[k], out.rows[j], nul_free[k]);
  out.hash_all();
}

uint32_t KeyIndex::find_or_add(uint64_t h, std::string_view k) {
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.id1 == 0) {
      uint32_t id = size();
      s.hash = h;
      s.id1 = id + 1;
      s.offset = keys_.size();
      s.len = static_cast<uint32_t>(k.size());
      hashes_.push_back(h);
      keys_.append(k);
      key_end_.push_back(keys_.size());
      if (hashes_.size() * 2 > slots_.size()) grow();
      return id;
    }
    if (s.hash == h && same_key(s, k)) return s.id1 - 1;
  }
}

void KeyIndex::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.id1) continue;
    size_t i = s.hash & mask;
    while (slots_[i].id1) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace bk
