// Chunk blocks: encoding and decoding (layout in man/bk-chunk.5).
//
// Each column is encoded on its own, then the whole payload is compressed once:
//   int64/timestamp   an integer stream: frame of reference (value - min) or, when
//                     narrower, deltas from the previous value; packed in 0, 1, 2,
//                     4 or 8 bytes a value (0: every value equal)
//   float64           "decimal" when every value is exactly m / 10^k for one k
//                     (meter readings: 7.416 = 7416 / 10^3; exact, since m < 2^53
//                     and 10^k are exact doubles and IEEE division rounds
//                     correctly), stored as k and the integer stream of m; else
//                     raw IEEE 754 doubles
//   string/json       lengths as an integer stream, then the bytes; or, when few
//                     distinct values repeat, a dictionary and an index stream; or,
//                     when every value has one width and the block is compressed
//                     (version 2), the width and the values' bytes transposed
//   bool              a bitmap
// Null rows hold the previous value in integer streams (so deltas stay small) and
// nothing of their own elsewhere; a validity bitmap precedes a column with nulls.
// Decoding checks every length against what is left, so damage is an error, never a
// crash; the checksum is checked before anything is decoded.
#include "bk/chunk.hpp"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "bk/error.hpp"
#include "bk/text.hpp"

static_assert(std::endian::native == std::endian::little, "the chunk format code assumes a little-endian host");

namespace bk::chunk {

std::string_view codec_name(Codec c) {
  switch (c) {
    case Codec::None: return "none";
    case Codec::Zstd: return "zstd";
    case Codec::Zlib: return "zlib";
  }
  return "?";
}

Codec parse_codec(std::string_view name) {
  if (name == "zstd") return Codec::Zstd;
  if (name == "zlib") return Codec::Zlib;
  if (name == "none") return Codec::None;
  throw Error::usage(concat("--codec: unknown codec '", name, "'"), "use zstd, zlib or none");
}

namespace {

// kAlt: decimal (float64) or dictionary (string/json); kFixed (string/json, version 2):
// values of one width, stored byte-transposed.
enum Encoding : uint8_t { kPlain = 0, kAlt = 1, kFixed = 2 };

// Fixed-width strings (timestamps as text, ids, codes) are stored transposed: byte 0
// of every valid value, then byte 1 of every one, and so on. Byte positions that
// hardly vary ("2026-" in every timestamp) become long runs, so zstd compresses the
// column about twice as fast and smaller (Parquet's BYTE_STREAM_SPLIT, for strings).
constexpr int64_t kFixedMinRows = 16;
constexpr uint32_t kFixedMaxWidth = 64;
// The common width of the valid values of `col` (1 .. kFixedMaxWidth), or 0.
uint32_t fixed_width(const Column& col, int64_t valid) {
  if (valid < kFixedMinRows) return 0;
  const bool all = valid == col.size();
  uint64_t w = UINT64_MAX;
  for (int64_t i = 0; i < col.size(); ++i) {
    if (!all && !col.valid.get(i)) continue;
    uint64_t len = col.offsets[i + 1] - col.offsets[i];
    if (w == UINT64_MAX) w = len;
    if (len != w) return 0;
  }
  return w >= 1 && w <= kFixedMaxWidth ? static_cast<uint32_t>(w) : 0;
}

// The valid values' bytes of `col`, all `w` wide, transposed onto the end of `out`.
void put_transposed(std::string& out, const Column& col, uint32_t w, int64_t valid) {
  const size_t at = out.size();
  out.resize(at + static_cast<size_t>(valid) * w);
  char* to[kFixedMaxWidth];
  for (uint32_t k = 0; k < w; ++k) to[k] = out.data() + at + static_cast<size_t>(k) * valid;
  const char* src = col.bytes.data();
  const bool all = valid == col.size();
  int64_t j = 0;  // valid values so far
  for (int64_t i = 0; i < col.size(); ++i) {
    if (!all && !col.valid.get(i)) continue;
    const char* v = src + col.offsets[i];
    for (uint32_t k = 0; k < w; ++k) to[k][j] = v[k];
    ++j;
  }
}

// The inverse: `valid` values of width `w` from transposed `src` into `out`, one after
// another; 8 rows at a time, one 8-byte load per byte position.
void get_transposed(const char* src, uint32_t w, int64_t valid, char* out) {
  const char* from[kFixedMaxWidth];
  for (uint32_t k = 0; k < w; ++k) from[k] = src + static_cast<size_t>(k) * valid;
  int64_t r = 0;
  for (; r + 8 <= valid; r += 8) {
    uint64_t v[kFixedMaxWidth];
    for (uint32_t k = 0; k < w; ++k) std::memcpy(&v[k], from[k] + r, 8);
    char* d = out + r * w;
    for (int b = 0; b < 8; ++b, d += w)
      for (uint32_t k = 0; k < w; ++k) d[k] = static_cast<char>(v[k] >> (8 * b));
  }
  for (; r < valid; ++r)
    for (uint32_t k = 0; k < w; ++k) out[r * w + k] = from[k][r];
}


template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

Error damaged(const std::string& what) {
  return Error(concat("damaged: ", what), "the file is corrupt; the blocks before this one are intact");
}

// Bounds-checked reading of a decoded payload or schema.
class Cursor {
 public:
  Cursor(const char* p, size_t n) : p_(p), end_(p + n) {}
  template <typename T>
  T get() {
    T v;
    need(sizeof v);
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  const char* take(uint64_t n) {
    need(n);
    const char* r = p_;
    p_ += n;
    return r;
  }
  size_t left() const { return end_ - p_; }

 private:
  void need(uint64_t n) const {
    if (n > static_cast<uint64_t>(end_ - p_)) throw damaged("a column runs past the end of its block");
  }
  const char* p_;
  const char* end_;
};

// ---- integer streams ----------------------------------------------------------

int width_for(uint64_t range) {
  if (range == 0) return 0;
  if (range <= 0xff) return 1;
  if (range <= 0xffff) return 2;
  if (range <= 0xffffffffu) return 4;
  return 8;
}

// Appends value(i) for i < n, each in `width` bytes (0, 1, 2, 4 or 8).
template <typename Value>
void put_packed(std::string& out, size_t n, int width, Value value) {
  size_t at = out.size();
  out.resize(at + n * width);
  char* p = out.data() + at;
  switch (width) {
    case 0: break;
    case 1: for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(value(i)); break;
    case 2: for (size_t i = 0; i < n; ++i) { uint16_t x = static_cast<uint16_t>(value(i)); std::memcpy(p + 2 * i, &x, 2); } break;
    case 4: for (size_t i = 0; i < n; ++i) { uint32_t x = static_cast<uint32_t>(value(i)); std::memcpy(p + 4 * i, &x, 4); } break;
    default: for (size_t i = 0; i < n; ++i) { uint64_t x = value(i); std::memcpy(p + 8 * i, &x, 8); }
  }
}

// Writes n values (null slots already filled by the caller) as an integer stream.
void put_int_stream(std::string& out, const int64_t* v, size_t n) {
  // Frame of reference.
  int64_t lo = n ? v[0] : 0, hi = lo;
  for (size_t i = 1; i < n; ++i) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  int for_width = width_for(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
  // Deltas (wrapping arithmetic: exact for any values).
  uint64_t dlo = 0, dhi = 0;
  if (n > 1) {
    dlo = dhi = static_cast<uint64_t>(v[1]) - static_cast<uint64_t>(v[0]);
    for (size_t i = 2; i < n; ++i) {
      int64_t d = static_cast<int64_t>(static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(v[i - 1]));
      dlo = static_cast<uint64_t>(std::min(static_cast<int64_t>(dlo), d));
      dhi = static_cast<uint64_t>(std::max(static_cast<int64_t>(dhi), d));
    }
  }
  int delta_width = n > 1 ? width_for(dhi - dlo) : 64;
  if (delta_width < for_width) {
    // mode 1: first value, then each delta minus the smallest delta
    out += char(1);
    out += char(delta_width);
    put<int64_t>(out, v[0]);
    put<int64_t>(out, static_cast<int64_t>(dlo));
    put_packed(out, n - 1, delta_width, [&](size_t i) {
      return static_cast<uint64_t>(v[i + 1]) - static_cast<uint64_t>(v[i]) - dlo;
    });
  } else {
    out += char(0);
    out += char(for_width);
    put<int64_t>(out, lo);
    put_packed(out, n, for_width, [&](size_t i) { return static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(lo); });
  }
}

uint64_t get_packed(const char* p, size_t i, int width) {
  switch (width) {
    case 0: return 0;
    case 1: return static_cast<uint8_t>(p[i]);
    case 2: { uint16_t x; std::memcpy(&x, p + 2 * i, 2); return x; }
    case 4: { uint32_t x; std::memcpy(&x, p + 4 * i, 4); return x; }
    default: { uint64_t x; std::memcpy(&x, p + 8 * i, 8); return x; }
  }
}

void get_int_stream(Cursor& c, int64_t* v, size_t n) {
  uint8_t mode = c.get<uint8_t>();
  int width = c.get<uint8_t>();
  if (mode > 1 || (width != 0 && width != 1 && width != 2 && width != 4 && width != 8))
    throw damaged("unknown integer encoding");
  if (mode == 0) {
    uint64_t base = static_cast<uint64_t>(c.get<int64_t>());
    const char* p = c.take(static_cast<uint64_t>(n) * width);
    auto unpack = [&](auto word) {  // one loop per width, so the compiler can vectorise it
      using W = decltype(word);
      for (size_t i = 0; i < n; ++i) {
        W x;
        std::memcpy(&x, p + sizeof(W) * i, sizeof(W));
        v[i] = static_cast<int64_t>(base + x);
      }
    };
    switch (width) {
      case 0: std::fill(v, v + n, static_cast<int64_t>(base)); break;
      case 1: unpack(uint8_t{}); break;
      case 2: unpack(uint16_t{}); break;
      case 4: unpack(uint32_t{}); break;
      default: unpack(uint64_t{});
    }
  } else {
    uint64_t first = static_cast<uint64_t>(c.get<int64_t>());
    uint64_t dlo = static_cast<uint64_t>(c.get<int64_t>());
    if (n == 0) return;
    const char* p = c.take(static_cast<uint64_t>(n - 1) * width);
    uint64_t cur = first;
    v[0] = static_cast<int64_t>(cur);
    for (size_t i = 1; i < n; ++i) {
      cur += get_packed(p, i - 1, width) + dlo;
      v[i] = static_cast<int64_t>(cur);
    }
  }
}

// Moves past an integer stream of n values without unpacking it.
void skip_int_stream(Cursor& c, size_t n) {
  uint8_t mode = c.get<uint8_t>();
  int width = c.get<uint8_t>();
  if (mode > 1 || (width != 0 && width != 1 && width != 2 && width != 4 && width != 8))
    throw damaged("unknown integer encoding");
  c.get<int64_t>();
  if (mode == 1) c.get<int64_t>();
  size_t values = mode == 0 ? n : (n == 0 ? 0 : n - 1);
  c.take(static_cast<uint64_t>(values) * width);
}

// Null slots take the previous valid value (the first valid one for leading nulls),
// in place.
void fill_nulls(const Column& col, std::vector<int64_t>& v) {
  const int64_t n = col.size();
  int64_t prev = 0;
  for (int64_t i = 0; i < n; ++i)
    if (col.valid.get(i)) { prev = v[i]; break; }
  for (int64_t i = 0; i < n; ++i) {
    if (col.valid.get(i)) prev = v[i];
    else v[i] = prev;
  }
}

// ---- float64 as decimals ------------------------------------------------------

const double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr int kMaxScale = 15;
constexpr double kTwo53 = 9007199254740992.0;

bool decimal_at(double x, int k, int64_t& m) {
  double y = x * kPow10[k];
  if (!(std::fabs(y) < kTwo53)) return false;
  double r = nearest_integer(y);
  if (r / kPow10[k] != x) return false;
  m = static_cast<int64_t>(r);
  return true;
}

// The smallest k that makes every valid value m / 10^k, with the m of every row in
// `mantissas` (0 for nulls); -1 if there is none.
int decimal_form(const Column& col, std::vector<int64_t>& mantissas) {
  int k = 0;
  int64_t m;
  for (int64_t i = 0; i < col.size(); ++i) {
    if (!col.valid.get(i)) continue;
    double x = col.floats[i];
    if (x == 0 && std::signbit(x)) return -1;  // -0.0 would come back as +0.0
    while (!decimal_at(x, k, m)) {
      if (++k > kMaxScale) return -1;
    }
  }
  // A larger scale can push an earlier value past 2^53: check them all at the end.
  mantissas.assign(col.size(), 0);
  for (int64_t i = 0; i < col.size(); ++i)
    if (col.valid.get(i) && !decimal_at(col.floats[i], k, mantissas[i])) return -1;
  return k;
}

// ---- strings ------------------------------------------------------------------

// A string → index table for dictionary encoding: open addressing over XXH3 hashes,
// much cheaper per value than std::unordered_map for the short strings of IoT data.
class StringDict {
 public:
  explicit StringDict(size_t expected) {
    size_t cap = 64;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, -1);
  }
  // The index of s, added when new.
  int64_t index_of(std::string_view s) {
    uint64_t h = XXH3_64bits(s.data(), s.size());
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      int64_t k = slots_[i];
      if (k < 0) {
        slots_[i] = static_cast<int64_t>(keys_.size());
        keys_.push_back(s);
        hashes_.push_back(h);
        if (keys_.size() * 2 > slots_.size()) grow();
        return static_cast<int64_t>(keys_.size()) - 1;
      }
      if (hashes_[k] == h && keys_[k] == s) return k;
    }
  }
  const std::vector<std::string_view>& keys() const { return keys_; }

 private:
  void grow() {
    std::vector<int64_t> slots(slots_.size() * 2, -1);
    size_t mask = slots.size() - 1;
    for (size_t k = 0; k < keys_.size(); ++k) {
      size_t i = hashes_[k] & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = static_cast<int64_t>(k);
    }
    slots_ = std::move(slots);
  }
  std::vector<int64_t> slots_;
  std::vector<std::string_view> keys_;
  std::vector<uint64_t> hashes_;
};

bool dictionary_pays(const Column& col) {
  int64_t n = col.size();
  if (n < 64) return false;
  StringDict seen(512);
  int64_t sampled = 0;
  for (int64_t i = 0; i < n && sampled < 512; ++i) {
    if (!col.valid.get(i)) continue;
    seen.index_of(col.str(i));
    ++sampled;
  }
  return sampled > 0 && static_cast<int64_t>(seen.keys().size()) * 4 <= sampled;
}

void put_validity(std::string& out, const Bitmap& valid) {
  size_t nbytes = (valid.size() + 7) / 8;
  out.append(reinterpret_cast<const char*>(valid.words().data()), nbytes);
}

void get_bitmap(Cursor& c, Bitmap& bm, uint64_t rows) {
  bm.assign_bytes(c.take((rows + 7) / 8), static_cast<int64_t>(rows));
}

// ---- statistics ---------------------------------------------------------------

constexpr size_t kMaxStatString = 64;

// a < b for byte strings, comparing the first 8 bytes inline (most values differ there).
inline bool bytes_less(std::string_view a, std::string_view b) {
  uint64_t x = 0, y = 0;
  if (a.size() >= 8 && b.size() >= 8) {  // fixed-size loads: no call to memcpy
    std::memcpy(&x, a.data(), 8);
    std::memcpy(&y, b.data(), 8);
  } else {
    std::memcpy(&x, a.data(), std::min<size_t>(8, a.size()));
    std::memcpy(&y, b.data(), std::min<size_t>(8, b.size()));
  }
  x = __builtin_bswap64(x), y = __builtin_bswap64(y);
  if (x != y) return x < y;  // a zero pad sorts a prefix first; equal words (a real 0 byte) fall through
  return a < b;
}

// Min and max of the valid strings of `col` (or of `dict` when given: the dictionary
// holds exactly the distinct valid values).
void string_minmax(const Column& col, const std::vector<std::string_view>* dict, ColumnStats& s) {
  bool first = true;
  std::string_view lo, hi;
  auto see = [&](std::string_view v) {
    if (first) lo = hi = v, first = false;
    else if (bytes_less(v, lo)) lo = v;
    else if (bytes_less(hi, v)) hi = v;
  };
  if (dict) {
    for (auto v : *dict) see(v);
  } else {
    for (int64_t i = 0; i < col.size(); ++i)
      if (col.valid.get(i)) see(col.str(i));
  }
  s.has_minmax = !first && lo.size() <= kMaxStatString && hi.size() <= kMaxStatString;
  s.min_s = s.has_minmax ? std::string(lo) : std::string();
  s.max_s = s.has_minmax ? std::string(hi) : std::string();
}

// Nulls, and min/max of the fixed-width types (strings: string_minmax, once the
// dictionary is known).
void compute_stats(const Column& col, ColumnStats& s) {
  s.type = col.type;
  s.nulls = col.size() - col.valid.count();
  s.has_minmax = false;
  if (col.type == Type::String || col.type == Type::Json || col.type == Type::Null) return;
  // In locals, not in `s`: stores through `s` would be kept in memory every row.
  const bool all = s.nulls == 0;
  bool first = true;
  if (col.type == Type::Float64) {
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < col.size(); ++i) {
      if (!all && !col.valid.get(i)) continue;
      double x = col.floats[i];
      if (std::isnan(x)) continue;
      if (first) lo = hi = x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      first = false;
    }
    if (!first) s.min_f = lo, s.max_f = hi;
  } else {  // bool, int64, timestamp
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < col.size(); ++i) {
      if (!all && !col.valid.get(i)) continue;
      if (first) lo = hi = col.ints[i];
      lo = std::min(lo, col.ints[i]);
      hi = std::max(hi, col.ints[i]);
      first = false;
    }
    if (!first) s.min_i = lo, s.max_i = hi;
  }
  s.has_minmax = !first;
}

// ---- compression --------------------------------------------------------------

void compress(Codec codec, const std::string& raw, std::string& out) {
  size_t at = out.size();
  switch (codec) {
    case Codec::None: out += raw; return;
    case Codec::Zstd: {
      // Into a buffer of this thread that only grows: resizing `out` to the bound
      // would clear that many bytes every time.
      thread_local ZSTD_CCtx* cctx = ZSTD_createCCtx();
      thread_local std::string buf;
      size_t bound = ZSTD_compressBound(raw.size());
      if (buf.size() < bound) buf.resize(bound);
      size_t n = ZSTD_compressCCtx(cctx, buf.data(), bound, raw.data(), raw.size(), 1);
      if (ZSTD_isError(n)) throw Error(concat("zstd compression failed: ", ZSTD_getErrorName(n)));
      out.append(buf.data(), n);
      return;
    }
    case Codec::Zlib: {
      uLongf bound = compressBound(static_cast<uLong>(raw.size()));
      out.resize(at + bound);
      int r = compress2(reinterpret_cast<Bytef*>(out.data() + at), &bound,
                        reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 1);
      if (r != Z_OK) throw Error("zlib compression failed");
      out.resize(at + bound);
      return;
    }
  }
}

// The raw length is checked against the stored bytes before anything is allocated:
// a damaged length must not make us allocate (and zero) gigabytes first.
void check_raw_len(Codec codec, const char* p, size_t n, uint64_t raw_len) {
  switch (codec) {
    case Codec::None:
      if (n != raw_len) throw damaged("stored and raw lengths differ");
      return;
    case Codec::Zstd: {
      unsigned long long declared = ZSTD_getFrameContentSize(p, n);
      if (declared == ZSTD_CONTENTSIZE_ERROR) throw damaged("zstd data does not decompress");
      if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
        // Not what we write; zstd needs at least 4 bytes (an RLE block) for each 128 KiB.
        if (raw_len / (128 << 10) > n / 4 + 1) throw damaged("stored and raw lengths differ");
      } else if (declared != raw_len) {
        throw damaged("stored and raw lengths differ");
      }
      return;
    }
    case Codec::Zlib:
      if (raw_len / 1032 > n) throw damaged("stored and raw lengths differ");  // deflate expands at most 1032:1
      return;
  }
}

void decompress(Codec codec, const char* p, size_t n, std::string& raw, uint64_t raw_len) {
  check_raw_len(codec, p, n, raw_len);
  raw.resize(raw_len);
  switch (codec) {
    case Codec::None:
      std::memcpy(raw.data(), p, n);
      return;
    case Codec::Zstd: {
      thread_local ZSTD_DCtx* dctx = ZSTD_createDCtx();
      size_t r = ZSTD_decompressDCtx(dctx, raw.data(), raw_len, p, n);
      if (ZSTD_isError(r) || r != raw_len) throw damaged("zstd data does not decompress");
      return;
    }
    case Codec::Zlib: {
      uLongf len = static_cast<uLongf>(raw_len);
      int r = uncompress(reinterpret_cast<Bytef*>(raw.data()), &len, reinterpret_cast<const Bytef*>(p),
                         static_cast<uLong>(n));
      if (r != Z_OK || len != raw_len) throw damaged("zlib data does not decompress");
      return;
    }
  }
}

uint64_t frame_checksum(const char* frame, size_t len) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, frame, 40);
  XXH3_64bits_update(&st, frame + kBlockHeaderSize, len - kBlockHeaderSize);
  return XXH3_64bits_digest(&st);
}

// ---- one column ---------------------------------------------------------------

void encode_column(const Column& col, uint64_t rows, std::string& schema, std::string& payload,
                   ColumnStats& stats, const std::string& name, bool transpose) {
  stats.name = name;
  compute_stats(col, stats);
  uint8_t encoding = kPlain;
  if (stats.nulls > 0 && col.type != Type::Null) put_validity(payload, col.valid);
  std::string& body = payload;  // the values follow the validity
  switch (col.type) {
    case Type::Null: break;
    case Type::Bool: {
      Bitmap bits;
      bits.reserve(col.size());
      for (int64_t i = 0; i < col.size(); ++i) bits.push_back(col.ints[i] != 0);
      put_validity(body, bits);
      break;
    }
    case Type::Int64:
    case Type::Timestamp: {
      if (stats.nulls == 0) {
        put_int_stream(body, col.ints.data(), col.ints.size());
        break;
      }
      std::vector<int64_t> v(col.ints);
      fill_nulls(col, v);
      put_int_stream(body, v.data(), v.size());
      break;
    }
    case Type::Float64: {
      std::vector<int64_t> m;
      int k = decimal_form(col, m);
      if (k >= 0) {
        encoding = kAlt;
        if (stats.nulls > 0) fill_nulls(col, m);
        body += char(k);
        put_int_stream(body, m.data(), m.size());
      } else {
        body.append(reinterpret_cast<const char*>(col.floats.data()), col.floats.size() * 8);
      }
      break;
    }
    case Type::String:
    case Type::Json: {
      if (dictionary_pays(col)) {
        StringDict index(1024);
        std::vector<int64_t> idx(col.size(), 0);
        for (int64_t i = 0; i < col.size(); ++i)
          if (col.valid.get(i)) idx[i] = index.index_of(col.str(i));
        const std::vector<std::string_view>& dict = index.keys();
        if (static_cast<int64_t>(dict.size()) * 2 <= col.size()) {
          encoding = kAlt;
          put<uint32_t>(body, static_cast<uint32_t>(dict.size()));
          std::vector<int64_t> lens(dict.size());
          for (size_t k = 0; k < dict.size(); ++k) lens[k] = static_cast<int64_t>(dict[k].size());
          put_int_stream(body, lens.data(), lens.size());
          for (auto s : dict) body += s;
          if (stats.nulls > 0) fill_nulls(col, idx);
          put_int_stream(body, idx.data(), idx.size());
          string_minmax(col, &dict, stats);
          break;
        }
      }
      string_minmax(col, nullptr, stats);
      const int64_t valid = col.size() - stats.nulls;
      // Transposing helps a compressor only: without one it is all cost.
      if (uint32_t w = transpose ? fixed_width(col, valid) : 0) {
        encoding = kFixed;
        put<uint32_t>(body, w);
        put_transposed(body, col, w, valid);
        break;
      }
      std::vector<int64_t> lens(col.size());
      for (int64_t i = 0; i < col.size(); ++i) lens[i] = static_cast<int64_t>(col.offsets[i + 1] - col.offsets[i]);
      put_int_stream(body, lens.data(), lens.size());
      body.append(col.bytes.data() + col.offsets[0], col.offsets[col.size()] - col.offsets[0]);
      break;
    }
  }
  put<uint32_t>(schema, static_cast<uint32_t>(name.size()));
  schema += name;
  schema += static_cast<char>(col.type);
  schema += static_cast<char>(encoding);
  put<uint16_t>(schema, 0);
  put<uint64_t>(schema, static_cast<uint64_t>(stats.nulls));
}

// What decode_column and skip_column both read, checked alike.

// A non-null column's validity: its bitmap when it has nulls (else every row valid),
// with as many nulls as the schema counts.
void get_validity(Cursor& c, uint64_t nulls, uint64_t rows, Bitmap& valid) {
  if (nulls > 0) get_bitmap(c, valid, rows);
  else valid.resize(static_cast<int64_t>(rows), true);
  if (static_cast<uint64_t>(valid.size() - valid.count()) != nulls) throw damaged("null count does not match");
}

// A dictionary's count and entries (views into the payload).
std::vector<std::string_view> get_dictionary(Cursor& c) {
  uint32_t count = c.get<uint32_t>();
  if (count > c.left()) throw damaged("dictionary larger than its block");
  std::vector<int64_t> lens(count);
  get_int_stream(c, lens.data(), count);
  std::vector<std::string_view> dict(count);
  for (uint32_t k = 0; k < count; ++k) {
    if (lens[k] < 0) throw damaged("negative string length");
    dict[k] = std::string_view(c.take(static_cast<uint64_t>(lens[k])), static_cast<size_t>(lens[k]));
  }
  return dict;
}

// The width of a fixed-width column of `valid` values, checked against the bytes left.
uint32_t get_fixed_width(Cursor& c, uint64_t valid) {
  uint32_t w = c.get<uint32_t>();
  if (w == 0 || w > c.left() || valid > c.left() / w)
    throw damaged("fixed-width strings run past the end of their block");
  return w;
}

// A plain column's lengths, checked (none negative, 0 for a null row, bounded by the
// bytes left as they are summed: a sum checked only at the end can wrap around to a
// small number); each row's end offset into `offsets` (n + 1 entries) when given.
// Returns the bytes the values take.
uint64_t get_plain_lengths(Cursor& c, const Bitmap& valid, size_t n, uint64_t* offsets) {
  std::vector<int64_t> lens(n);
  get_int_stream(c, lens.data(), n);
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (lens[i] < 0 || (!valid.get(i) && lens[i] != 0)) throw damaged("bad string length");
    if (static_cast<uint64_t>(lens[i]) > c.left() - total) throw damaged("a column runs past the end of its block");
    total += static_cast<uint64_t>(lens[i]);
    if (offsets) offsets[i + 1] = total;
  }
  return total;
}

void decode_column(Cursor& c, Type type, uint8_t encoding, uint64_t nulls, uint64_t rows, Column& col) {
  col.type = type;
  if (type == Type::Null) {
    if (nulls != rows) throw damaged("a null column has values");
    col.valid.resize(static_cast<int64_t>(rows), false);
    return;
  }
  get_validity(c, nulls, rows, col.valid);
  size_t n = static_cast<size_t>(rows);
  switch (type) {
    case Type::Null: break;
    case Type::Bool: {
      Bitmap bits;
      get_bitmap(c, bits, rows);
      col.ints.resize(n);
      for (size_t i = 0; i < n; ++i) col.ints[i] = col.valid.get(i) && bits.get(i);
      break;
    }
    case Type::Int64:
    case Type::Timestamp:
      col.ints.resize(n);
      get_int_stream(c, col.ints.data(), n);
      for (size_t i = 0; i < n; ++i)
        if (!col.valid.get(i)) col.ints[i] = 0;
      break;
    case Type::Float64:
      col.floats.resize(n);
      if (encoding == kAlt) {
        int k = c.get<uint8_t>();
        if (k > kMaxScale) throw damaged("decimal scale out of range");
        std::vector<int64_t> m(n);
        get_int_stream(c, m.data(), n);
        for (size_t i = 0; i < n; ++i) col.floats[i] = col.valid.get(i) ? static_cast<double>(m[i]) / kPow10[k] : 0.0;
        col.decimals = static_cast<int8_t>(k);
        col.ints = std::move(m);  // the mantissas, for the writers
      } else {
        const char* p = c.take(static_cast<uint64_t>(n) * 8);
        if (n > 0) std::memcpy(col.floats.data(), p, n * 8);  // data() may be null when n == 0
      }
      break;
    case Type::String:
    case Type::Json: {
      col.offsets.resize(n + 1);
      col.offsets[0] = 0;
      if (encoding == kAlt) {
        const std::vector<std::string_view> dict = get_dictionary(c);
        const uint64_t count = dict.size();
        std::vector<int64_t> idx(n);
        get_int_stream(c, idx.data(), n);
        uint64_t total = 0;
        for (size_t i = 0; i < n; ++i) {
          if (!col.valid.get(i)) idx[i] = -1;
          else if (idx[i] < 0 || static_cast<uint64_t>(idx[i]) >= count) throw damaged("dictionary index out of range");
          else total += dict[idx[i]].size();
          col.offsets[i + 1] = total;
        }
        col.bytes.resize(total);
        char* out = col.bytes.data();
        for (size_t i = 0; i < n; ++i) {
          if (idx[i] < 0) continue;
          std::string_view v = dict[idx[i]];
          char* dst = out + col.offsets[i];
          if (v.size() <= 32) {  // dictionary values are short: no call to memcpy
            for (size_t b = 0; b < v.size(); ++b) dst[b] = v[b];
          } else {
            std::memcpy(dst, v.data(), v.size());
          }
        }
      } else if (encoding == kFixed) {
        const uint64_t valid = rows - nulls;
        const uint32_t w = get_fixed_width(c, valid);
        uint64_t total = 0;
        for (size_t i = 0; i < n; ++i) {
          if (col.valid.get(i)) total += w;
          col.offsets[i + 1] = total;
        }
        const char* p = c.take(total);
        col.bytes.resize(total);
        get_transposed(p, w, static_cast<int64_t>(valid), col.bytes.data());
      } else {
        const uint64_t total = get_plain_lengths(c, col.valid, n, col.offsets.data());
        const char* p = c.take(total);
        col.bytes.assign(p, total);
      }
      break;
    }
  }
}

// Moves past a column's data as decode_column would read it, building nothing: the
// validity and the lengths are read and checked as there; the values are not.
void skip_column(Cursor& c, Type type, uint8_t encoding, uint64_t nulls, uint64_t rows) {
  if (type == Type::Null) {
    if (nulls != rows) throw damaged("a null column has values");
    return;
  }
  Bitmap valid;
  get_validity(c, nulls, rows, valid);
  const size_t n = static_cast<size_t>(rows);
  switch (type) {
    case Type::Null: break;
    case Type::Bool: c.take((rows + 7) / 8); break;
    case Type::Int64:
    case Type::Timestamp: skip_int_stream(c, n); break;
    case Type::Float64:
      if (encoding == kAlt) {
        if (c.get<uint8_t>() > kMaxScale) throw damaged("decimal scale out of range");
        skip_int_stream(c, n);
      } else {
        c.take(rows * 8);
      }
      break;
    case Type::String:
    case Type::Json:
      if (encoding == kAlt) {
        get_dictionary(c);
        skip_int_stream(c, n);
      } else if (encoding == kFixed) {
        const uint64_t n_valid = rows - nulls;
        c.take(n_valid * get_fixed_width(c, n_valid));
      } else {
        c.take(get_plain_lengths(c, valid, n, nullptr));
      }
      break;
  }
}

}  // namespace

void encode_file_header(std::string& out) {
  out.append(kFileMagic, 8);
  put<uint16_t>(out, kVersion);
  put<uint16_t>(out, 0);
  put<uint32_t>(out, 0);
}

void encode_block(const Batch& b, Codec codec, std::string& out, BlockInfo& info) {
  const uint64_t rows = static_cast<uint64_t>(b.rows);
  std::string schema;
  put<uint32_t>(schema, static_cast<uint32_t>(b.columns.size()));
  put<int32_t>(schema, b.time_field);
  thread_local std::string payload;
  payload.clear();
  info.columns.resize(b.columns.size());
  for (size_t k = 0; k < b.columns.size(); ++k) encode_column(b.columns[k], rows, schema, payload, info.columns[k], b.names[k], codec != Codec::None);

  size_t start = out.size();
  out.resize(start + kBlockHeaderSize);
  out += schema;
  size_t payload_at = out.size();
  compress(codec, payload, out);
  char* h = out.data() + start;
  std::memcpy(h, kBlockTag, 4);
  uint32_t schema_len = static_cast<uint32_t>(schema.size());
  uint64_t payload_len = out.size() - payload_at, raw_len = payload.size();
  std::memcpy(h + 4, &schema_len, 4);
  std::memcpy(h + 8, &payload_len, 8);
  std::memcpy(h + 16, &raw_len, 8);
  std::memcpy(h + 24, &rows, 8);
  std::memset(h + 32, 0, 8);
  h[32] = static_cast<char>(codec);
  uint64_t sum = frame_checksum(h, out.size() - start);
  std::memcpy(h + 40, &sum, 8);
  info.rows = rows;
  info.frame_len = out.size() - start;
}

BlockHeader parse_block_header(const char* p) {
  if (std::memcmp(p, kBlockTag, 4) != 0) throw damaged("bad block tag");
  BlockHeader h;
  std::memcpy(&h.schema_len, p + 4, 4);
  std::memcpy(&h.payload_len, p + 8, 8);
  std::memcpy(&h.raw_len, p + 16, 8);
  std::memcpy(&h.rows, p + 24, 8);
  uint8_t codec = static_cast<uint8_t>(p[32]);
  if (codec > 2) throw damaged("unknown codec");
  for (int k = 33; k < 40; ++k)
    if (p[k] != 0) throw damaged("reserved bytes are not zero");
  h.codec = static_cast<Codec>(codec);
  if (h.schema_len > kMaxFrameBytes || h.payload_len > kMaxFrameBytes || h.raw_len > kMaxFrameBytes ||
      h.rows > kMaxRows)
    throw damaged("implausible block sizes");
  return h;
}

namespace {

struct SchemaEntry {
  std::string name;
  Type type;
  uint8_t encoding;
  uint64_t nulls;
};

std::vector<SchemaEntry> read_schema(Cursor& c, int& time_field) {
  uint32_t ncols = c.get<uint32_t>();
  time_field = c.get<int32_t>();
  if (ncols > c.left() / 16) throw damaged("implausible column count");
  if (time_field < -1 || time_field >= static_cast<int32_t>(ncols)) throw damaged("bad event-time column");
  std::vector<SchemaEntry> cols(ncols);
  for (auto& e : cols) {
    uint32_t len = c.get<uint32_t>();
    e.name.assign(c.take(len), len);
    uint8_t t = c.get<uint8_t>();
    if (t > static_cast<uint8_t>(Type::Json)) throw damaged("unknown column type");
    e.type = static_cast<Type>(t);
    e.encoding = c.get<uint8_t>();
    bool is_text = e.type == Type::String || e.type == Type::Json;
    bool has_alt = e.type == Type::Float64 || is_text;
    if (e.encoding > (is_text ? 2 : has_alt ? 1 : 0)) throw damaged("unknown column encoding");
    if (c.get<uint16_t>() != 0) throw damaged("reserved bytes are not zero");
    e.nulls = c.get<uint64_t>();
  }
  if (c.left() != 0) throw damaged("unused bytes after the schema");
  return cols;
}

}  // namespace

std::vector<std::pair<std::string, Type>> decode_block_schema(std::string_view frame, int& time_field) {
  if (frame.size() < kBlockHeaderSize) throw damaged("block shorter than its header");
  BlockHeader h = parse_block_header(frame.data());
  if (kBlockHeaderSize + h.schema_len > frame.size()) throw damaged("schema runs past the block");
  Cursor c(frame.data() + kBlockHeaderSize, h.schema_len);
  std::vector<std::pair<std::string, Type>> out;
  for (auto& e : read_schema(c, time_field)) out.emplace_back(std::move(e.name), e.type);
  return out;
}

Batch decode_block(std::string_view frame, const std::vector<std::string>* only) {
  if (frame.size() < kBlockHeaderSize) throw damaged("block shorter than its header");
  BlockHeader h = parse_block_header(frame.data());
  if (kBlockHeaderSize + h.schema_len + h.payload_len != frame.size()) throw damaged("block lengths do not add up");
  uint64_t stored;
  std::memcpy(&stored, frame.data() + 40, 8);
  if (frame_checksum(frame.data(), frame.size()) != stored)
    throw Error("checksum mismatch", "the file is damaged; the blocks before this one are intact");
  Batch b;
  b.rows = static_cast<int64_t>(h.rows);
  Cursor sc(frame.data() + kBlockHeaderSize, h.schema_len);
  auto schema = read_schema(sc, b.time_field);
  thread_local std::string raw;
  decompress(h.codec, frame.data() + kBlockHeaderSize + h.schema_len, h.payload_len, raw, h.raw_len);
  Cursor c(raw.data(), raw.size());
  const int time_field = b.time_field;  // an index into the schema, kept whatever `only` says
  b.time_field = -1;
  for (size_t k = 0; k < schema.size(); ++k) {
    auto& e = schema[k];
    if (e.nulls > h.rows) throw damaged("null count larger than the row count");
    if (only && static_cast<int>(k) != time_field && std::find(only->begin(), only->end(), e.name) == only->end()) {
      skip_column(c, e.type, e.encoding, e.nulls, h.rows);
      continue;
    }
    Column col;
    decode_column(c, e.type, e.encoding, e.nulls, h.rows, col);
    if (static_cast<int>(k) == time_field) b.time_field = static_cast<int>(b.columns.size());
    b.add_column(std::move(e.name), std::move(col));
  }
  if (c.left() != 0) throw damaged("unused bytes after the last column");
  return b;
}

// ---- footer -------------------------------------------------------------------

namespace {

void put_stats(std::string& out, const ColumnStats& s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.name.size()));
  out += s.name;
  out += static_cast<char>(s.type);
  out += static_cast<char>(s.has_minmax);
  put<uint16_t>(out, 0);
  put<uint64_t>(out, static_cast<uint64_t>(s.nulls));
  if (!s.has_minmax) return;
  switch (s.type) {
    case Type::Float64: put<double>(out, s.min_f); put<double>(out, s.max_f); break;
    case Type::String:
    case Type::Json:
      put<uint32_t>(out, static_cast<uint32_t>(s.min_s.size())); out += s.min_s;
      put<uint32_t>(out, static_cast<uint32_t>(s.max_s.size())); out += s.max_s;
      break;
    default: put<int64_t>(out, s.min_i); put<int64_t>(out, s.max_i);
  }
}

Error damaged_footer(const std::string& what) {
  return Error(what, "the file is corrupt; its blocks may still be read");
}

}  // namespace

void encode_footer(const Footer& f, uint64_t segment_len, std::string& out) {
  std::string body;
  put<uint64_t>(body, f.blocks.size());
  put<uint64_t>(body, f.rows);
  for (const auto& b : f.blocks) {
    put<uint64_t>(body, b.offset);
    put<uint64_t>(body, b.frame_len);
    put<uint64_t>(body, b.rows);
    put<uint32_t>(body, static_cast<uint32_t>(b.columns.size()));
    for (const auto& s : b.columns) put_stats(body, s);
  }
  size_t start = out.size();
  out.append(kFooterTag, 4);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, body.size());
  out += body;
  put<uint64_t>(out, XXH3_64bits(out.data() + start, out.size() - start));
  uint64_t footer_len = (out.size() - start) + kTrailerSize;
  put<uint64_t>(out, footer_len);
  put<uint64_t>(out, segment_len + footer_len);
  out.append(kEndMagic, 8);
}

Footer decode_footer(std::string_view hb, uint64_t checksum) {
  if (XXH3_64bits(hb.data(), hb.size()) != checksum) throw damaged_footer("checksum mismatch");
  Cursor c(hb.data() + kFooterHeaderSize, hb.size() - kFooterHeaderSize);
  Footer f;
  try {
    uint64_t nblocks = c.get<uint64_t>();
    f.rows = c.get<uint64_t>();
    if (nblocks > c.left() / 28) throw damaged_footer("implausible block count");
    f.blocks.resize(nblocks);
    for (auto& b : f.blocks) {
      b.offset = c.get<uint64_t>();
      b.frame_len = c.get<uint64_t>();
      b.rows = c.get<uint64_t>();
      uint32_t ncols = c.get<uint32_t>();
      if (ncols > c.left() / 16) throw damaged_footer("implausible column count");
      b.columns.resize(ncols);
      for (auto& s : b.columns) {
        uint32_t len = c.get<uint32_t>();
        s.name.assign(c.take(len), len);
        uint8_t t = c.get<uint8_t>();
        if (t > static_cast<uint8_t>(Type::Json)) throw damaged_footer("unknown column type");
        s.type = static_cast<Type>(t);
        uint8_t has = c.get<uint8_t>();
        if (has > 1 || c.get<uint16_t>() != 0) throw damaged_footer("reserved bytes are not zero");
        s.has_minmax = has != 0;
        s.nulls = static_cast<int64_t>(c.get<uint64_t>());
        if (!s.has_minmax) continue;
        switch (s.type) {
          case Type::Float64: s.min_f = c.get<double>(); s.max_f = c.get<double>(); break;
          case Type::String:
          case Type::Json: {
            uint32_t a = c.get<uint32_t>();
            s.min_s.assign(c.take(a), a);
            uint32_t z = c.get<uint32_t>();
            s.max_s.assign(c.take(z), z);
            break;
          }
          default: s.min_i = c.get<int64_t>(); s.max_i = c.get<int64_t>();
        }
      }
    }
  } catch (const Error& e) {
    if (e.message().rfind("damaged:", 0) != 0) throw;  // already a footer message
    throw damaged_footer("its contents run past its end");
  }
  if (c.left() != 0) throw damaged_footer("unused bytes at its end");
  return f;
}

}  // namespace bk::chunk
