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

void put_be64(std::string& out, uint64_t v) {
  char b[8];
  for (int k = 0; k < 8; ++k) b[k] = static_cast<char>(v >> (56 - 8 * k));
  out.append(b, 8);
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

void put_escaped(std::string& out, std::string_view s) {
  if (std::memchr(s.data(), 0, s.size()) == nullptr) {
    out.append(s);
  } else {
    for (char c : s) {
      out += c;
      if (c == '\0') out += '\x01';
    }
  }
  out.append(2, '\0');
}
// The string at the front of `in` (escapes undone into `s` only when there are any:
// `view` points into `in` otherwise).
bool get_escaped(std::string_view& in, std::string& s, std::string_view& view) {
  for (size_t i = 0;;) {
    const void* z = std::memchr(in.data() + i, 0, in.size() - i);
    if (!z) return false;
    size_t at = static_cast<const char*>(z) - in.data();
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

void put_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += static_cast<char>(kTagNaN);
    return;
  }
  constexpr double kTwo63 = 9223372036854775808.0;
  if (v < -kTwo63 || v >= kTwo63) {
    out += static_cast<char>(v < 0 ? kTagNegHuge : kTagPosHuge);
    put_be64(out, order_double(v));
    return;
  }
  double whole = std::floor(v);
  double frac = v - whole;  // exact, in [0, 1)
  out += static_cast<char>(kTagNumber);
  put_be64(out, order_int(static_cast<int64_t>(whole)));
  put_be64(out, order_double(frac));
}

}  // namespace

void encode_key_part(std::string& out, const Column& c, int64_t i) {
  if (!c.valid.get(i)) {
    out += static_cast<char>(kTagNull);
    return;
  }
  switch (c.type) {
    case Type::Null: out += static_cast<char>(kTagNull); break;
    case Type::Bool:
      out += static_cast<char>(kTagBool);
      out += static_cast<char>(c.ints[i] != 0);
      break;
    case Type::Int64:
      out += static_cast<char>(kTagNumber);
      put_be64(out, order_int(c.ints[i]));
      put_be64(out, order_double(0.0));
      break;
    case Type::Float64: put_number(out, c.floats[i]); break;
    case Type::Timestamp:
      out += static_cast<char>(kTagTime);
      put_be64(out, order_int(c.ints[i]));
      break;
    case Type::String:
      out += static_cast<char>(kTagString);
      put_escaped(out, c.str(i));
      break;
    case Type::Json:
      out += static_cast<char>(kTagJson);
      put_escaped(out, c.str(i));
      break;
  }
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

void encode_keys(const std::vector<const Column*>& cols, int64_t begin, int64_t end, bool skip_nulls, KeyRows& out) {
  out.rows.clear();
  out.ends.clear();
  out.buf.clear();
  out.rows.reserve(end - begin);
  out.ends.reserve(end - begin);
  out.buf.reserve(static_cast<size_t>(end - begin) * 24);
  for (int64_t i = begin; i < end; ++i) {
    if (skip_nulls) {
      bool null = false;
      for (const Column* c : cols) null |= !c->valid.get(i);
      if (null) continue;
    }
    out.rows.push_back(static_cast<uint32_t>(i));
    for (const Column* c : cols) encode_key_part(out.buf, *c, i);
    out.ends.push_back(static_cast<uint32_t>(out.buf.size()));
  }
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
