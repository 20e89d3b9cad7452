// Exact aggregation states: correctly rounded ratios, exact sums, exact variance,
// decimal sums, HyperLogLog and DDSketch.
//
// Why exact: bk-aggregate must print the same bytes for any thread count and for
// partial-per-shard + merge. Floating-point addition is not associative, so any sum kept
// in a double depends on the order it was formed in. Here every state holds the exact
// value (an integer times a power of two, or a count), merging is integer addition or a
// register-wise max, and a double appears only at the end, rounded once.
//
// Rounding (round_ratio): every result is a ratio M * 2^e / D with a big integer M and
// D = div1 * div2 < 2^128. We take the top 256 bits of M (the bits below only matter as
// "something non-zero was dropped", the sticky bit), divide by div1 and then by div2
// with 128-by-64-bit steps (floor(floor(W/a)/b) == floor(W/(a*b)), and the division is
// exact iff both remainders are zero), which leaves a quotient of at least 128 bits plus
// a sticky bit. From that, the 53 (or fewer, for subnormals) bits of the result, the
// next bit (half an ulp) and the sticky bit give round-to-nearest-even exactly; ldexp of
// the rounded integer significand is then exact, or overflows to inf as it should.
//
// ExactSum: a double is sig * 2^e with a 53-bit integer sig and e >= -1074, so a sum of
// doubles is an integer multiple of 2^-1074 below 2^1024 * count. Most data lives in a
// narrow window of exponents, so the sum is first kept as an __int128 acc with the lowest
// exponent seen (exp_): a value whose last bit is coarser is shifted into place, one whose
// last bit is finer shifts acc left. When that would overflow, acc's trailing zero bits
// are dropped (raising exp_) and, if that does not help, the sum moves to Wide: a two's
// complement integer in 64-bit limbs at fixed positions (limb k covers bits 64k..64k+63
// above 2^-1074) that grows to cover just the limbs it needs and never overflows. Both
// hold the same exact value, so save() writes a canonical form: sign, odd magnitude,
// exponent; identical for every representation and history.
//
// exact_variance: n*S2 - S1^2 with S1 = a * 2^e1 and S2 = b * 2^e2 is computed with a few
// big-integer operations (n*b, a^2, shifts to a common exponent, a subtraction), then
// divided by n and by n-1 in round_ratio: one rounding. Cancellation, which makes the
// textbook one-pass formula useless for data with a large mean, cannot hurt here.
//
// HyperLogLog and DDSketch merge by register max and by count addition: both are
// commutative and associative, so their states are functions of the input multiset.
#include "bk/exact.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "bk/text.hpp"

namespace bk {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Little-endian fixed-width encoding ----

template <class T>
void put(std::string& out, T v) {
  auto x = static_cast<std::make_unsigned_t<T>>(v);
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>(static_cast<uint64_t>(x) >> (8 * i)));
}

// Bounds-checked reads from the front of a view; every get fails cleanly at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  bool get(T& v) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof(T); ++i) x |= uint64_t(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    v = static_cast<T>(static_cast<std::make_unsigned_t<T>>(x));
    pos_ += sizeof(T);
    return true;
  }
  size_t left() const { return in_.size() - pos_; }
  std::string_view rest() const { return in_.substr(pos_); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// ---- Bits of little-endian limb arrays ----

// std::bit_width as an int (libstdc++ 12 returns the unsigned argument type, which
// would turn mixed signed arithmetic unsigned).
int bit_width64(uint64_t x) { return static_cast<int>(std::bit_width(x)); }

int bit_width128(uint128_t x) {
  const auto hi = static_cast<uint64_t>(x >> 64);
  return hi ? 64 + bit_width64(hi) : bit_width64(static_cast<uint64_t>(x));
}

int countr_zero128(uint128_t x) {
  const auto lo = static_cast<uint64_t>(x);
  return lo ? std::countr_zero(lo) : 64 + std::countr_zero(static_cast<uint64_t>(x >> 64));
}

uint128_t magnitude(int128_t x) { return x < 0 ? uint128_t(0) - static_cast<uint128_t>(x) : static_cast<uint128_t>(x); }

// 64 bits of a[0..n) starting at bit pos (which may be negative or past the end: the
// bits there are zero).
uint64_t bits_at(const uint64_t* a, size_t n, int64_t pos) {
  auto limb = [&](int64_t i) -> uint64_t { return i >= 0 && i < static_cast<int64_t>(n) ? a[i] : 0; };
  const int64_t q = pos >= 0 ? pos / 64 : -((-pos + 63) / 64);  // floor(pos / 64)
  const int s = static_cast<int>(pos - 64 * q);
  return s == 0 ? limb(q) : (limb(q) >> s) | (limb(q + 1) << (64 - s));
}

// True when a bit of a[0..n) below bit pos is set.
bool any_below(const uint64_t* a, size_t n, int64_t pos) {
  if (pos <= 0) return false;
  const auto full = static_cast<size_t>(std::min<int64_t>(pos / 64, static_cast<int64_t>(n)));
  for (size_t i = 0; i < full; ++i)
    if (a[i]) return true;
  const int s = static_cast<int>(pos % 64);
  return full < n && s && (a[full] & ((uint64_t(1) << s) - 1));
}

// w[0..4) /= d; returns the remainder.
uint64_t divide(uint64_t* w, uint64_t d) {
  if (d == 1) return 0;
  uint64_t r = 0;
  for (int i = 3; i >= 0; --i) {
    const uint128_t cur = (uint128_t(r) << 64) | w[i];
    w[i] = static_cast<uint64_t>(cur / d);
    r = static_cast<uint64_t>(cur % d);
  }
  return r;
}

// A double as sig * 2^exp2 with sig odd (or 0): false for NaN and ±inf.
bool split_double(double x, bool& negative, uint64_t& sig, int& exp2) {
  const auto bits = std::bit_cast<uint64_t>(x);
  const int biased = static_cast<int>(bits >> 52) & 0x7ff;
  if (biased == 0x7ff) return false;
  negative = bits >> 63;
  sig = bits & ((uint64_t(1) << 52) - 1);
  exp2 = biased == 0 ? -1074 : biased - 1075;
  if (biased != 0) sig |= uint64_t(1) << 52;
  if (sig) {
    const int tz = std::countr_zero(sig);
    sig >>= tz;
    exp2 += tz;
  }
  return true;
}

// ---- Unsigned big integers for exact_variance (little-endian limbs, no leading zeros) ----

using Big = std::vector<uint64_t>;

void trim(Big& a) {
  while (!a.empty() && a.back() == 0) a.pop_back();
}

Big mul_small(const Big& a, uint64_t m) {
  Big r(a.size() + 1);
  uint64_t carry = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const uint128_t t = uint128_t(a[i]) * m + carry;
    r[i] = static_cast<uint64_t>(t);
    carry = static_cast<uint64_t>(t >> 64);
  }
  r[a.size()] = carry;
  trim(r);
  return r;
}

Big mul(const Big& a, const Big& b) {
  Big r(a.size() + b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      const uint128_t t = uint128_t(a[i]) * b[j] + r[i + j] + carry;
      r[i + j] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    r[i + b.size()] = carry;
  }
  trim(r);
  return r;
}

Big shift_left(const Big& a, int64_t bits) {
  if (a.empty()) return a;
  const auto limbs = static_cast<size_t>(bits / 64);
  const int s = static_cast<int>(bits % 64);
  Big r(limbs + a.size() + 1);
  for (size_t i = 0; i < a.size(); ++i) {
    r[limbs + i] |= a[i] << s;
    if (s) r[limbs + i + 1] = a[i] >> (64 - s);
  }
  trim(r);
  return r;
}

int compare(const Big& a, const Big& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// a - b for a >= b.
Big subtract(const Big& a, const Big& b) {
  Big r(a);
  uint64_t borrow = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    const uint64_t x = r[i], y = i < b.size() ? b[i] : 0;
    r[i] = x - y - borrow;
    borrow = (x < y) || (x - y < borrow);
  }
  trim(r);
  return r;
}

}  // namespace

// ---- round_ratio ----

double round_ratio(bool negative, const uint64_t* limbs, size_t n_limbs, int exp2, uint64_t div1, uint64_t div2) {
  const double sign = negative ? -1.0 : 1.0;
  if (div1 == 0 || div2 == 0) return kNaN;
  while (n_limbs > 0 && limbs[n_limbs - 1] == 0) --n_limbs;
  if (n_limbs == 0) return sign * 0.0;

  // W = M * 2^shift holds M's top 256 bits, M's top bit at bit 255; the value is
  // W * 2^e / D, plus something below 2^e / D when bits of M were cut off (sticky).
  const int64_t bits_m = 64 * static_cast<int64_t>(n_limbs - 1) + bit_width64(limbs[n_limbs - 1]);
  const int64_t shift = 256 - bits_m;
  uint64_t w[4];
  for (int k = 0; k < 4; ++k) w[k] = bits_at(limbs, n_limbs, 64 * k - shift);
  bool sticky = shift < 0 && any_below(limbs, n_limbs, -shift);
  const int64_t e = exp2 - shift;

  // Q = floor(W / div1 / div2) = floor(W / D) >= 2^255 / 2^128: at least 128 bits.
  sticky |= divide(w, div1) != 0;
  sticky |= divide(w, div2) != 0;
  int limbs_q = 4;
  while (w[limbs_q - 1] == 0) --limbs_q;
  const int64_t bits_q = 64 * (limbs_q - 1) + bit_width64(w[limbs_q - 1]);

  // The value lies in [2^top, 2^(top+1)).
  const int64_t top = e + bits_q - 1;
  if (top > 1023) return sign * HUGE_VAL;
  if (top < -1076) return sign * 0.0;  // below 2^-1075, half the least subnormal: rounds to 0
  // The result's last place: 53 significant bits, but never below 2^-1074 (subnormals).
  const int64_t last = std::max<int64_t>(top - 52, -1074);
  const int64_t cut = last - e;  // bits of Q below the last place: bits_q - 53 <= cut <= bits_q + 1
  uint64_t m = bits_at(w, 4, cut);
  const bool half = bits_at(w, 4, cut - 1) & 1;
  sticky |= any_below(w, 4, cut - 1);
  if (half && (sticky || (m & 1))) ++m;  // round to nearest, ties to even
  // m <= 2^53, so this is exact, or inf when m * 2^last >= 2^1024.
  return sign * std::ldexp(static_cast<double>(m), static_cast<int>(last));
}

// ---- ExactSum ----

// The wide sum: a two's complement integer in 64-bit limbs, least significant first;
// limb k holds bits 64*(lo+k) .. 64*(lo+k)+63, bit 0 having weight 2^-1074. Invariant:
// the top limb is a sign limb (0 or ~0), so the value fits in the limbs below it, and
// adding anything that also fits below the top limb cannot wrap around.
struct ExactSum::Wide {
  int64_t lo = 0;
  std::vector<uint64_t> limb;

  bool negative() const { return !limb.empty() && (limb.back() >> 63); }
  uint64_t sign_limb() const { return negative() ? ~uint64_t(0) : 0; }
  int64_t top() const { return lo + static_cast<int64_t>(limb.size()) - 1; }
  bool zero() const {
    return std::all_of(limb.begin(), limb.end(), [](uint64_t x) { return x == 0; });
  }

  // Covers limbs first .. last+1 at least: zeros below, sign limbs above.
  void cover(int64_t first, int64_t last) {
    if (limb.empty()) {
      lo = first;
      limb.assign(static_cast<size_t>(last + 2 - first), 0);
      return;
    }
    if (first < lo) {
      limb.insert(limb.begin(), static_cast<size_t>(lo - first), 0);
      lo = first;
    }
    if (top() < last + 1) limb.resize(static_cast<size_t>(last + 2 - lo), sign_limb());
  }
  // After an addition the top limb may hold value bits; then a sign limb goes on top.
  // (No wrap-around happened, so the top bit is the true sign.)
  void restore_sign_limb() {
    const uint64_t t = limb.back();
    if (t != 0 && t != ~uint64_t(0)) limb.push_back(t >> 63 ? ~uint64_t(0) : 0);
  }

  // Adds (negative ? -1 : 1) * mag[0..n) * 2^pos (pos >= 0 in global bits).
  void add(bool negative, const uint64_t* mag, size_t n, int64_t pos) {
    const int64_t first = pos / 64;
    const int s = static_cast<int>(pos % 64);
    cover(first, first + static_cast<int64_t>(n));  // mag << s fills limbs first .. first+n
    const auto k = static_cast<size_t>(first - lo);
    auto word = [&](size_t j) {  // word j of mag << s
      const uint64_t low = j < n ? mag[j] << s : 0;
      const uint64_t high = s && j > 0 ? mag[j - 1] >> (64 - s) : 0;
      return low | high;
    };
    uint64_t carry = 0;  // or borrow
    size_t i = k;
    for (size_t j = 0; j <= n; ++j, ++i) {
      const uint64_t x = limb[i], y = word(j);
      if (!negative) {
        const uint128_t t = uint128_t(x) + y + carry;
        limb[i] = static_cast<uint64_t>(t);
        carry = static_cast<uint64_t>(t >> 64);
      } else {
        limb[i] = x - y - carry;
        carry = (x < y) || (x - y < carry);
      }
    }
    // Carry or borrow on up; a carry out of the top limb is two's complement wrap-around
    // of a value that fits, and is dropped.
    for (; carry && i < limb.size(); ++i) carry = negative ? limb[i]-- == 0 : ++limb[i] == 0;
    restore_sign_limb();
  }

  void add(const Wide& o) {
    if (o.limb.empty()) return;
    cover(o.lo, o.top());
    const auto k = static_cast<size_t>(o.lo - lo);
    const uint64_t ext = o.sign_limb();
    uint64_t carry = 0;
    for (size_t i = k; i < limb.size(); ++i) {
      const uint64_t y = i - k < o.limb.size() ? o.limb[i - k] : ext;
      const uint128_t t = uint128_t(limb[i]) + y + carry;
      limb[i] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    restore_sign_limb();
  }

  // Sign and magnitude (no leading zero limbs) of the value, in units of 2^(64*lo - 1074).
  void magnitude(bool& negative_out, std::vector<uint64_t>& mag) const {
    mag = limb;
    negative_out = negative();
    if (negative_out) {
      uint64_t carry = 1;
      for (auto& x : mag) {
        x = ~x + carry;
        carry = carry && x == 0;
      }
    }
    trim(mag);
  }
};

namespace {

// The value of a state that saw NaN or an infinity.
double special_value(bool nan, bool pos_inf, bool neg_inf) {
  if (nan || (pos_inf && neg_inf)) return kNaN;
  return pos_inf ? HUGE_VAL : -HUGE_VAL;
}

// Loaded sums must lie below 2^kMaxTopBit: far above any sum of doubles (2^1024 times
// the count) or of their squares (2^2048 times the count), and it bounds what load allocates.
constexpr int64_t kMaxTopBit = 4096;

}  // namespace

void ExactSum::WideDeleter::operator()(Wide* w) const noexcept { delete w; }

ExactSum::ExactSum(const ExactSum& o)
    : acc_(o.acc_), wide_(o.wide_ ? new Wide(*o.wide_) : nullptr), exp_(o.exp_), specials_(o.specials_) {}

ExactSum& ExactSum::operator=(const ExactSum& o) {
  if (this != &o) *this = ExactSum(o);
  return *this;
}

// A moved-from ExactSum is empty.
ExactSum::ExactSum(ExactSum&& o) noexcept
    : acc_(o.acc_), wide_(std::move(o.wide_)), exp_(o.exp_), specials_(o.specials_) {
  o.acc_ = 0;
  o.exp_ = 0;
  o.specials_ = 0;
}

ExactSum& ExactSum::operator=(ExactSum&& o) noexcept {
  if (this != &o) {
    acc_ = o.acc_;
    wide_ = std::move(o.wide_);
    exp_ = o.exp_;
    specials_ = o.specials_;
    o.acc_ = 0;
    o.exp_ = 0;
    o.specials_ = 0;
  }
  return *this;
}

ExactSum::~ExactSum() = default;

// Adds ±mag * 2^exp2 to the inline accumulator, or returns false (and changes nothing)
// when the result would not fit. Values are kept below 2^126 in magnitude before the
// final addition, which is checked.
bool ExactSum::add_inline(bool negative, uint128_t mag, int exp2) {
  if (mag == 0) return true;
  const int bits = bit_width128(mag);
  if (acc_ == 0) {  // a fresh start: the window moves to wherever this value is
    if (bits > 126) return false;
    acc_ = negative ? -static_cast<int128_t>(mag) : static_cast<int128_t>(mag);
    exp_ = static_cast<int16_t>(exp2);
    return true;
  }
  int128_t a = acc_;
  int e = exp_;
  if (exp2 < e) {
    // A finer last bit: acc shifts left and the exponent drops to exp2.
    const int shift = e - exp2;
    if (shift > 126 || bit_width128(magnitude(a)) + shift > 126 || bits > 126) return false;
    a = static_cast<int128_t>(static_cast<uint128_t>(a) << shift);
    e = exp2;
  } else {
    // A coarser last bit: the value shifts into acc's scale.
    const int shift = exp2 - e;
    if (shift > 126 || bits + shift > 126) return false;
    mag <<= shift;
  }
  const int128_t v = negative ? -static_cast<int128_t>(mag) : static_cast<int128_t>(mag);
  int128_t sum;
  if (__builtin_add_overflow(a, v, &sum)) return false;
  acc_ = sum;
  exp_ = static_cast<int16_t>(e);
  return true;
}

void ExactSum::make_wide() {
  wide_ = std::unique_ptr<Wide, WideDeleter>(new Wide());
  if (acc_ != 0) {
    const uint128_t m = magnitude(acc_);
    const uint64_t l[2] = {static_cast<uint64_t>(m), static_cast<uint64_t>(m >> 64)};
    wide_->add(acc_ < 0, l, 2, exp_ + 1074);
  }
  acc_ = 0;
  exp_ = 0;
}

void ExactSum::add_slow(bool negative, uint128_t mag, int exp2) {
  if (!wide_) {
    if (add_inline(negative, mag, exp2)) return;
    // Out of room. acc's trailing zero bits (left by cancellation or by coarse values)
    // can go: that raises its exponent and may make room.
    if (acc_ != 0) {
      const int tz = countr_zero128(magnitude(acc_));
      if (tz > 0) {
        acc_ >>= tz;  // exact: the bits shifted out are zero
        exp_ = static_cast<int16_t>(exp_ + tz);
        if (add_inline(negative, mag, exp2)) return;
      }
    }
    make_wide();
  }
  const uint64_t l[2] = {static_cast<uint64_t>(mag), static_cast<uint64_t>(mag >> 64)};
  wide_->add(negative, l, 2, static_cast<int64_t>(exp2) + 1074);
}

void ExactSum::add_scaled(bool negative, uint128_t mag, int exp2) {
  assert(exp2 >= -1074);
  if (mag != 0) add_slow(negative, mag, exp2);
}

void ExactSum::merge(const ExactSum& other) {
  if (this == &other) {
    const ExactSum copy(other);
    merge(copy);
    return;
  }
  specials_ |= other.specials_;
  if (other.wide_) {
    if (!wide_) make_wide();
    wide_->add(*other.wide_);
  } else if (other.acc_ != 0) {
    add_slow(other.acc_ < 0, magnitude(other.acc_), other.exp_);
  }
}

double ExactSum::value() const { return mean(1); }

double ExactSum::mean(uint64_t n) const {
  if (specials_) return special_value(specials_ & kHasNaN, specials_ & kHasPosInf, specials_ & kHasNegInf);
  if (n == 0) return kNaN;
  if (!wide_) {
    const uint128_t m = magnitude(acc_);
    const uint64_t l[2] = {static_cast<uint64_t>(m), static_cast<uint64_t>(m >> 64)};
    return round_ratio(acc_ < 0, l, 2, exp_, n);
  }
  bool negative;
  std::vector<uint64_t> mag;
  wide_->magnitude(negative, mag);
  return round_ratio(negative, mag.data(), mag.size(), static_cast<int>(64 * wide_->lo - 1074), n);
}

bool ExactSum::is_zero() const { return specials_ == 0 && (wide_ ? wide_->zero() : acc_ == 0); }

void ExactSum::decompose(bool& negative, std::vector<uint64_t>& limbs, int& exp2) const {
  negative = false;
  limbs.clear();
  exp2 = 0;
  if (!wide_) {
    if (acc_ == 0) return;
    uint128_t m = magnitude(acc_);
    const int tz = countr_zero128(m);
    m >>= tz;
    negative = acc_ < 0;
    exp2 = exp_ + tz;
    limbs.push_back(static_cast<uint64_t>(m));
    if (m >> 64) limbs.push_back(static_cast<uint64_t>(m >> 64));
    return;
  }
  std::vector<uint64_t> mag;
  wide_->magnitude(negative, mag);
  if (mag.empty()) {
    negative = false;
    return;
  }
  // Drop the trailing zero bits: the magnitude becomes odd.
  size_t k = 0;
  while (mag[k] == 0) ++k;
  const int t = std::countr_zero(mag[k]);
  for (size_t i = k; i < mag.size(); ++i)
    limbs.push_back((mag[i] >> t) | (t && i + 1 < mag.size() ? mag[i + 1] << (64 - t) : 0));
  trim(limbs);
  exp2 = static_cast<int>(64 * (wide_->lo + static_cast<int64_t>(k)) - 1074 + t);
}

// Layout: u8 flags (1 NaN, 2 +inf, 4 -inf, 8 negative sum), u8 limb count n, i32 exponent,
// n u64 limbs of the odd magnitude (n = 0 and exponent 0 for a zero sum).
void ExactSum::save(std::string& out) const {
  bool negative;
  std::vector<uint64_t> limbs;
  int exp2;
  decompose(negative, limbs, exp2);
  put<uint8_t>(out, static_cast<uint8_t>(specials_ | (negative ? 8 : 0)));
  put<uint8_t>(out, static_cast<uint8_t>(limbs.size()));
  put<int32_t>(out, exp2);
  for (uint64_t l : limbs) put<uint64_t>(out, l);
}

bool ExactSum::load(std::string_view& in) {
  Reader r(in);
  uint8_t flags = 0, n = 0;
  int32_t exp2 = 0;
  if (!r.get(flags) || !r.get(n) || !r.get(exp2)) return false;
  if (flags & ~0x0f) return false;
  const bool negative = flags & 8;
  if (r.left() / 8 < n) return false;
  std::vector<uint64_t> limbs(n);
  for (auto& l : limbs) r.get(l);
  if (n == 0) {
    if (negative || exp2 != 0) return false;
  } else {
    // Canonical: odd, no leading zero limb, within the range a sum can reach.
    if (!(limbs[0] & 1) || limbs.back() == 0 || exp2 < -1074) return false;
    if (exp2 + 64 * int64_t(n - 1) + bit_width64(limbs.back()) > kMaxTopBit) return false;
  }
  ExactSum s;
  s.specials_ = flags & 7;
  if (n > 0) {
    if (n <= 2 && (n == 1 || limbs[1] >> 62 == 0)) {  // below 2^126: inline
      const uint128_t m = (n == 2 ? uint128_t(limbs[1]) << 64 : 0) | limbs[0];
      s.acc_ = negative ? -static_cast<int128_t>(m) : static_cast<int128_t>(m);
      s.exp_ = static_cast<int16_t>(exp2);
    } else {
      s.wide_ = std::unique_ptr<Wide, WideDeleter>(new Wide());
      s.wide_->add(negative, limbs.data(), limbs.size(), int64_t(exp2) + 1074);
    }
  }
  *this = std::move(s);
  in = r.rest();
  return true;
}

// ---- Squares and variance ----

void add_square(ExactSum& s2, double x) {
  bool negative;
  uint64_t sig;
  int exp2;
  if (!split_double(x, negative, sig, exp2)) {
    s2.add(x * x);  // +inf for ±inf, NaN for NaN
    return;
  }
  if (sig == 0) return;
  uint128_t sq = uint128_t(sig) * sig;  // < 2^106
  int e = 2 * exp2;
  if (e < -1074) {  // below the sum's last bit: truncate toward zero
    const int drop = -1074 - e;
    if (drop >= 128) return;
    sq >>= drop;
    e = -1074;
  }
  s2.add_scaled(false, sq, e);
}

double exact_variance(const ExactSum& s1, const ExactSum& s2, uint64_t n) {
  if (n < 2 || !s1.finite() || !s2.finite()) return kNaN;
  bool neg1, neg2;
  Big a, b;
  int e1, e2;
  s1.decompose(neg1, a, e1);
  s2.decompose(neg2, b, e2);
  // n*S2 - S1^2 <= 0 when S2 <= 0: all values zero (or S2 not a sum of squares).
  if (b.empty() || neg2) return 0.0;
  // numerator = (n*b) * 2^e2 - a^2 * 2^(2*e1), brought to the lower of the two exponents.
  Big nb = mul_small(b, n);
  Big numerator;
  int e = e2;
  if (a.empty()) {
    numerator = std::move(nb);
  } else {
    Big aa = mul(a, a);
    const int eaa = 2 * e1;
    e = std::min(e2, eaa);
    nb = shift_left(nb, e2 - e);
    aa = shift_left(aa, eaa - e);
    if (compare(nb, aa) <= 0) return 0.0;
    numerator = subtract(nb, aa);
  }
  return round_ratio(false, numerator.data(), numerator.size(), e, n, n - 1);
}

// ---- DecimalSum ----

namespace {
constexpr int64_t kDecimalUnit = 1000000000;  // 10^kMaxScale
}

void DecimalSum::merge(const DecimalSum& o) {
  if (overflow()) return;
  if (o.overflow() || __builtin_add_overflow(sum_, o.sum_, &sum_)) sum_ = kOverflowed;
}

double DecimalSum::value() const { return mean(1); }

double DecimalSum::mean(uint64_t n) const {
  if (overflow() || n == 0) return kNaN;
  const uint128_t m = magnitude(sum_);
  // Both operands exact as doubles: one IEEE division is the correctly rounded ratio.
  constexpr uint64_t kExact = uint64_t(1) << 53;
  if (m < kExact && n < kExact / kDecimalUnit) {
    double q = static_cast<double>(m) / static_cast<double>(kDecimalUnit * n);
    return sum_ < 0 ? -q : q;
  }
  const uint64_t l[2] = {static_cast<uint64_t>(m), static_cast<uint64_t>(m >> 64)};
  return round_ratio(sum_ < 0, l, 2, 0, kDecimalUnit, n);
}

bool DecimalSum::as_int64(int64_t& out) const {
  if (overflow() || sum_ % kDecimalUnit != 0) return false;
  const int128_t q = sum_ / kDecimalUnit;
  if (q < std::numeric_limits<int64_t>::min() || q > std::numeric_limits<int64_t>::max()) return false;
  out = static_cast<int64_t>(q);
  return true;
}

// Layout: u8 overflow flag, then the sum as a two's complement i128 (two u64, low first;
// 0 when overflowed).
void DecimalSum::save(std::string& out) const {
  const int128_t sum = overflow() ? 0 : sum_;
  put<uint8_t>(out, overflow());
  put<uint64_t>(out, static_cast<uint64_t>(sum));
  put<uint64_t>(out, static_cast<uint64_t>(static_cast<uint128_t>(sum) >> 64));
}

bool DecimalSum::load(std::string_view& in) {
  Reader r(in);
  uint8_t flag = 0;
  uint64_t lo = 0, hi = 0;
  if (!r.get(flag) || !r.get(lo) || !r.get(hi) || flag > 1) return false;
  const auto sum = static_cast<int128_t>((uint128_t(hi) << 64) | lo);
  if (flag && sum != 0) return false;  // an overflowed state has no sum
  if (!flag && sum == kOverflowed) return false;  // add and merge never leave this sum
  sum_ = flag ? kOverflowed : sum;
  in = r.rest();
  return true;
}

// ---- HyperLogLog ----

namespace {
constexpr int kMaxRank = 64 - HyperLogLog::kPrecision + 1;  // 51: all 50 bits zero
constexpr double kAlphaInf = 0.72134752044448170368;        // 1 / (2 ln 2)

// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1): the zero registers' term (a linear-counting
// correction built into the estimator). Infinite for x = 1: every register is zero.
double hll_sigma(double x) {
  if (x == 1) return HUGE_VAL;
  double y = 1, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3: the saturated registers' term.
double hll_tau(double x) {
  if (x == 0 || x == 1) return 0;
  double y = 1, z = 1 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z != previous);
  return z / 3;
}

}  // namespace

void HyperLogLog::add_hash(uint64_t h) {
  const auto index = static_cast<uint32_t>(h >> (64 - kPrecision));
  // The sentinel bit caps the rank at 51 when the 50 bits below the index are all zero.
  const auto rank = static_cast<uint8_t>(std::countl_zero((h << kPrecision) | (uint64_t(1) << (kPrecision - 1))) + 1);
  if (!dense_.empty()) {
    dense_[index] = std::max(dense_[index], rank);
    return;
  }
  const uint32_t key = index << 8;
  auto it = std::lower_bound(sparse_.begin(), sparse_.end(), key);
  if (it != sparse_.end() && (*it >> 8) == index) {
    if ((*it & 0xff) < rank) *it = key | rank;
    return;
  }
  if (sparse_.size() == kSparseMax) {  // a 2049th non-zero register: dense from now on
    make_dense();
    dense_[index] = rank;
    return;
  }
  sparse_.insert(it, key | rank);
}

void HyperLogLog::make_dense() {
  dense_.assign(kRegisters, 0);
  for (uint32_t e : sparse_) dense_[e >> 8] = static_cast<uint8_t>(e & 0xff);
  std::vector<uint32_t>().swap(sparse_);
}

void HyperLogLog::merge(const HyperLogLog& o) {
  if (this == &o) return;  // max with itself changes nothing
  if (!dense_.empty() || !o.dense_.empty()) {
    if (dense_.empty()) make_dense();
    if (!o.dense_.empty()) {
      for (uint32_t i = 0; i < kRegisters; ++i) dense_[i] = std::max(dense_[i], o.dense_[i]);
    } else {
      for (uint32_t e : o.sparse_) dense_[e >> 8] = std::max(dense_[e >> 8], static_cast<uint8_t>(e & 0xff));
    }
    return;
  }
  std::vector<uint32_t> out;
  out.reserve(sparse_.size() + o.sparse_.size());
  size_t i = 0, j = 0;
  while (i < sparse_.size() || j < o.sparse_.size()) {
    if (j == o.sparse_.size() || (i < sparse_.size() && (sparse_[i] >> 8) < (o.sparse_[j] >> 8))) {
      out.push_back(sparse_[i++]);
    } else if (i == sparse_.size() || (o.sparse_[j] >> 8) < (sparse_[i] >> 8)) {
      out.push_back(o.sparse_[j++]);
    } else {
      out.push_back(std::max(sparse_[i++], o.sparse_[j++]));  // same index: the higher rank
    }
  }
  sparse_ = std::move(out);
  if (sparse_.size() > kSparseMax) make_dense();
}

int64_t HyperLogLog::estimate() const {
  // Everything below depends on the histogram of register values only.
  uint32_t hist[kMaxRank + 1] = {};
  if (!dense_.empty()) {
    for (uint8_t r : dense_) ++hist[r];
  } else {
    hist[0] = kRegisters - static_cast<uint32_t>(sparse_.size());
    for (uint32_t e : sparse_) ++hist[e & 0xff];
  }
  // Ertl's improved raw estimator: alpha_inf m^2 / (m sigma(C0/m) + sum_k Ck 2^-k +
  // m tau(1 - C(q+1)/m) 2^-q), with the sum evaluated Horner-style from the top.
  const double m = kRegisters;
  constexpr int q = kMaxRank - 1;  // 50 hash bits below the index
  double z = m * hll_tau(1 - hist[q + 1] / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + hist[k]);
  z += m * hll_sigma(hist[0] / m);
  const double e = kAlphaInf * m * m / z;  // z = inf (all registers zero) gives 0
  return std::llround(e);
}

// Layout: u8 0, u16 count, count x (u16 index, u8 rank) ascending, when at most kSparseMax
// registers are non-zero; else u8 1 and the kRegisters registers, one byte each.
void HyperLogLog::save(std::string& out) const {
  if (dense_.empty()) {
    put<uint8_t>(out, 0);
    put<uint16_t>(out, static_cast<uint16_t>(sparse_.size()));
    for (uint32_t e : sparse_) {
      put<uint16_t>(out, static_cast<uint16_t>(e >> 8));
      put<uint8_t>(out, static_cast<uint8_t>(e & 0xff));
    }
  } else {
    put<uint8_t>(out, 1);
    out.append(reinterpret_cast<const char*>(dense_.data()), dense_.size());
  }
}

bool HyperLogLog::load(std::string_view& in) {
  Reader r(in);
  uint8_t kind = 0;
  if (!r.get(kind)) return false;
  HyperLogLog h;
  if (kind == 0) {
    uint16_t n = 0;
    if (!r.get(n) || n > kSparseMax || r.left() / 3 < n) return false;
    h.sparse_.reserve(n);
    for (uint16_t k = 0; k < n; ++k) {
      uint16_t index = 0;
      uint8_t rank = 0;
      r.get(index);
      r.get(rank);
      if (index >= kRegisters || rank == 0 || rank > kMaxRank) return false;
      if (!h.sparse_.empty() && (h.sparse_.back() >> 8) >= index) return false;  // ascending, no repeats
      h.sparse_.push_back(uint32_t(index) << 8 | rank);
    }
  } else if (kind == 1) {
    if (r.left() < kRegisters) return false;
    h.dense_.resize(kRegisters);
    size_t nonzero = 0;
    for (auto& reg : h.dense_) {
      r.get(reg);
      if (reg > kMaxRank) return false;
      nonzero += reg != 0;
    }
    if (nonzero <= kSparseMax) return false;  // such a set is saved sparse
  } else {
    return false;
  }
  *this = std::move(h);
  in = r.rest();
  return true;
}

// ---- DDSketch ----

namespace {

// The mapping must give the same bucket on every machine, or a shard bucketed on one
// node would not merge into what a single machine computes. libm's log and exp are not
// guaranteed to be identical across versions and CPUs (glibc picks FMA or plain code at
// run time), so both are computed here from IEEE basic operations only, which are
// exactly reproducible (SSE2 doubles; ISO C++ mode compiles without FMA contraction).
// Their accuracy (~1e-16 relative) is far below alpha; only their determinism matters.

// ln(gamma) = ln((1+a)/(1-a)) = 2 atanh(a) = 2 (a + a^3/3 + a^5/5 + ...), and
// ln(1-a) = -(a + a^2/2 + a^3/3 + ...): series that are exact to double precision after a
// few terms for a = 0.005, so the mapping is a compile-time constant.
constexpr double kA = DDSketch::kAlpha;
constexpr double kLnGamma =
    2 * (kA + kA * kA * kA / 3 + kA * kA * kA * kA * kA / 5 + kA * kA * kA * kA * kA * kA * kA / 7);
constexpr double kInvLnGamma = 1 / kLnGamma;
constexpr double kLnOneMinusAlpha = -(kA + kA * kA / 2 + kA * kA * kA / 3 + kA * kA * kA * kA / 4 +
                                      kA * kA * kA * kA * kA / 5 + kA * kA * kA * kA * kA * kA / 6);
// ln 2 split as in fdlibm: kLn2Hi has trailing zero bits, so k * kLn2Hi is exact for |k| < 2^11.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;

// ln x for a normal x > 0: x = 2^k f with f in [sqrt(1/2), sqrt(2)], ln f = 2 atanh(s)
// with s = (f-1)/(f+1), |s| <= 0.1716, summed to s^23 (the next term is below 1e-18 s).
double det_log(double x) {
  const auto bits = std::bit_cast<uint64_t>(x);
  int k = static_cast<int>(bits >> 52) - 1023;
  double f = std::bit_cast<double>((bits & ((uint64_t(1) << 52) - 1)) | 0x3ff0000000000000);  // [1, 2)
  if (f > 1.4142135623730951) {
    f *= 0.5;
    ++k;
  }
  const double s = (f - 1) / (f + 1), z = s * s;
  double p = 1.0 / 23;
  for (int n = 21; n >= 1; n -= 2) p = 1.0 / n + z * p;
  return k * kLn2Hi + (k * kLn2Lo + 2 * s * p);
}

// e^y for |y| < 709.78: y = k ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to
// r^14 (the rest is below 1e-19), then scaled by 2^k (exact).
double det_exp(double y) {
  const double k = std::nearbyint(y * 1.4426950408889634);  // y / ln 2
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  double t = 1;
  for (int n = 14; n >= 1; --n) t = 1 + t * r / n;
  return std::ldexp(t, static_cast<int>(k));
}

// The bucket of x >= kZeroBelow: ceil(log_gamma(x)); bucket i holds (gamma^(i-1), gamma^i].
int32_t dd_index(double x) { return static_cast<int32_t>(std::ceil(det_log(x) * kInvLnGamma)); }

// The representative of bucket i: 2 gamma^i / (gamma+1) = gamma^i (1-alpha), within
// relative alpha of everything in the bucket; computed in the log domain so the top
// bucket does not overflow on the way.
double dd_value(int32_t i) { return std::min(det_exp(i * kLnGamma + kLnOneMinusAlpha), DBL_MAX); }

}  // namespace

void DDSketch::Store::add(int32_t index, uint64_t n) {
  if (counts.empty()) {
    offset = index;
    counts.assign(1, n);
    return;
  }
  if (index < offset) {
    counts.insert(counts.begin(), static_cast<size_t>(offset - index), 0);
    offset = index;
  } else if (index - offset >= static_cast<int64_t>(counts.size())) {
    counts.resize(static_cast<size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<size_t>(index - offset)] += n;
}

void DDSketch::add(double x) {
  if (!std::isfinite(x)) return;
  ++count_;
  const double a = std::fabs(x);
  if (a < kZeroBelow) {
    ++zero_;
    return;
  }
  (x > 0 ? pos_ : neg_).add(dd_index(a), 1);
}

void DDSketch::merge(const DDSketch& o) {
  if (this == &o) {
    const DDSketch copy(o);
    merge(copy);
    return;
  }
  zero_ += o.zero_;
  count_ += o.count_;
  for (auto [to, from] : {std::pair{&pos_, &o.pos_}, std::pair{&neg_, &o.neg_}}) {
    if (from->counts.empty()) continue;
    // The two ends first, so the store grows at most twice.
    to->add(from->offset, 0);
    to->add(from->offset + static_cast<int32_t>(from->counts.size()) - 1, 0);
    for (size_t k = 0; k < from->counts.size(); ++k)
      to->counts[static_cast<size_t>(from->offset - to->offset) + k] += from->counts[k];
  }
}

double DDSketch::quantile(double q) const {
  if (count_ == 0 || !(q >= 0 && q <= 1)) return kNaN;
  // The lower rank: floor(q * (n-1)), 0-based, in ascending order.
  auto rank = static_cast<uint64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  rank = std::min(rank, count_ - 1);
  // Ascending: negatives from the largest magnitude down, then zeros, then positives up.
  for (size_t k = neg_.counts.size(); k-- > 0;) {
    if (rank < neg_.counts[k]) return -dd_value(neg_.offset + static_cast<int32_t>(k));
    rank -= neg_.counts[k];
  }
  if (rank < zero_) return 0.0;
  rank -= zero_;
  for (size_t k = 0; k < pos_.counts.size(); ++k) {
    if (rank < pos_.counts[k]) return dd_value(pos_.offset + static_cast<int32_t>(k));
    rank -= pos_.counts[k];
  }
  return kNaN;  // unreachable: the counts add up to count_
}

// Layout: u64 zero count; then the negative store and the positive store, each as
// u32 count of non-empty buckets and that many (i32 index, u64 count), ascending.
void DDSketch::save(std::string& out) const {
  put<uint64_t>(out, zero_);
  for (const Store* s : {&neg_, &pos_}) {
    put<uint32_t>(out, static_cast<uint32_t>(
                           std::count_if(s->counts.begin(), s->counts.end(), [](uint64_t c) { return c != 0; })));
    for (size_t k = 0; k < s->counts.size(); ++k) {
      if (s->counts[k] == 0) continue;
      put<int32_t>(out, s->offset + static_cast<int32_t>(k));
      put<uint64_t>(out, s->counts[k]);
    }
  }
}

// More values than anyone adds is corrupt data; the margin keeps a merge of two loaded
// sketches clear of wrap-around.
constexpr uint64_t kMaxLoadCount = uint64_t(1) << 62;

bool DDSketch::load(std::string_view& in) {
  // Bucket indices a finite value can have; they bound what a store can allocate (~1 MiB).
  const int32_t min_index = dd_index(kZeroBelow), max_index = dd_index(DBL_MAX);
  Reader r(in);
  DDSketch d;
  if (!r.get(d.zero_) || d.zero_ > kMaxLoadCount) return false;
  uint64_t total = d.zero_;
  for (Store* s : {&d.neg_, &d.pos_}) {
    uint32_t n = 0;
    if (!r.get(n) || r.left() / 12 < n) return false;
    int32_t first = 0, prev = 0;
    std::vector<std::pair<int32_t, uint64_t>> entries(n);
    for (uint32_t k = 0; k < n; ++k) {
      auto& [index, count] = entries[k];
      r.get(index);
      r.get(count);
      if (index < min_index || index > max_index || count == 0) return false;
      if (k > 0 && index <= prev) return false;  // ascending, no repeats
      if (__builtin_add_overflow(total, count, &total) || total > kMaxLoadCount) return false;
      if (k == 0) first = index;
      prev = index;
    }
    if (n == 0) continue;
    s->offset = first;
    s->counts.assign(static_cast<size_t>(prev - first) + 1, 0);
    for (auto [index, count] : entries) s->counts[static_cast<size_t>(index - first)] = count;
  }
  d.count_ = total;
  *this = std::move(d);
  in = r.rest();
  return true;
}

// ---- NumberSum ----

namespace {

constexpr double kDecimalPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

// short_decimal where m would pass 2^53 (|x| >= 2^53 / 10^9 or so): m computed and
// checked in integers, m / 10^k rounded correctly by round_ratio. The fewest digits
// win, as in the shortest text of x.
bool large_decimal(double x, int& k, int64_t& m) {
  if (!(std::fabs(x) < 9.2e9)) return false;  // m < 2^63 at 9 digits
  int e = 0;
  double f = std::frexp(std::fabs(x), &e);  // |x| = f * 2^e, f in [0.5, 1)
  auto sig = static_cast<uint64_t>(std::ldexp(f, 53));
  int shift = 53 - e;  // |x| = sig / 2^shift
  for (int d = 0; d <= DecimalSum::kMaxScale; ++d) {
    uint128_t num = static_cast<uint128_t>(sig) * static_cast<uint64_t>(kDecimalPow10[d]);
    uint128_t q = shift > 0 ? (num + (uint128_t(1) << (shift - 1))) >> shift : num << -shift;
    if (q >> 63) return false;
    uint64_t limb = static_cast<uint64_t>(q);
    if (round_ratio(x < 0, &limb, 1, 0, static_cast<uint64_t>(kDecimalPow10[d])) == x) {
      k = d;
      m = x < 0 ? -static_cast<int64_t>(limb) : static_cast<int64_t>(limb);
      return true;
    }
  }
  return false;
}

}  // namespace

bool short_decimal(double x, int& k, int64_t& m) {
  constexpr double kUnique = kUniqueDecimal;
  constexpr double kMaxM = 9007199254740992.0;  // 2^53
  if (!std::isfinite(x)) return false;
  if (std::fabs(x) < kUnique) {
    double y = nearest_integer(x * kDecimalPow10[k]);
    if (y / kDecimalPow10[k] == x) {
      m = static_cast<int64_t>(y);
      return true;
    }
  }
  for (int d = 0; d <= DecimalSum::kMaxScale; ++d) {
    double y = nearest_integer(x * kDecimalPow10[d]);
    if (std::fabs(y) >= kMaxM) return large_decimal(x, k, m);
    if (y / kDecimalPow10[d] == x) {
      k = d;
      m = static_cast<int64_t>(y);
      return true;
    }
  }
  return false;
}

void NumberSum::merge(const NumberSum& o) {
  n += o.n;
  dec.merge(o.dec);
  bin.merge(o.bin);
  non_decimal |= o.non_decimal;
}

double NumberSum::mean() const {
  if (n == 0) return kNaN;
  return decimal() ? dec.mean(static_cast<uint64_t>(n)) : bin.mean(static_cast<uint64_t>(n));
}

// Layout: u64 count, u8 non-decimal flag, then DecimalSum's and ExactSum's bytes.
void NumberSum::save(std::string& out) const {
  put<uint64_t>(out, static_cast<uint64_t>(n));
  put<uint8_t>(out, non_decimal);
  dec.save(out);
  bin.save(out);
}

bool NumberSum::load(std::string_view& in) {
  Reader r(in);
  uint64_t count = 0;
  uint8_t flag = 0;
  if (!r.get(count) || !r.get(flag)) return false;
  std::string_view rest = r.rest();
  NumberSum o;
  o.n = static_cast<int64_t>(count);
  o.non_decimal = flag != 0;
  if (!o.dec.load(rest) || !o.bin.load(rest)) return false;
  *this = std::move(o);
  in = rest;
  return true;
}

}  // namespace bk
