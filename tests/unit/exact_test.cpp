// libcore/src/exact.cpp: round_ratio, ExactSum, exact_variance, DecimalSum, HyperLogLog,
// DDSketch.
//
// The exact results are checked against references that share no code with the library:
// a base-2^32 big integer (Nat) that sums doubles exactly, and a checker that proves a
// double is the correctly rounded value of an exact ratio by comparing the exact ratio
// with the midpoints between the double and its neighbours.
#include "bk/exact.hpp"

#include <doctest/doctest.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace bk;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kQNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Reference arithmetic ----

// An unsigned big integer in base 2^32, least significant digit first, no leading zeros:
// slow and obvious on purpose.
struct Nat {
  std::vector<uint32_t> d;

  static Nat of(uint64_t v) {
    Nat n;
    while (v) {
      n.d.push_back(static_cast<uint32_t>(v));
      v >>= 32;
    }
    return n;
  }
  bool zero() const { return d.empty(); }
  void trim() {
    while (!d.empty() && d.back() == 0) d.pop_back();
  }
  int64_t bits() const {
    return d.empty() ? 0 : 32 * int64_t(d.size() - 1) + static_cast<int>(std::bit_width(d.back()));
  }
  Nat shl(int64_t n) const {
    if (zero()) return *this;
    Nat r;
    r.d.assign(static_cast<size_t>(n / 32), 0);
    const int s = static_cast<int>(n % 32);
    uint32_t carry = 0;
    for (uint32_t x : d) {
      r.d.push_back(static_cast<uint32_t>((uint64_t(x) << s) | carry));
      carry = s ? static_cast<uint32_t>(uint64_t(x) >> (32 - s)) : 0;
    }
    r.d.push_back(carry);
    r.trim();
    return r;
  }
  friend Nat operator+(const Nat& a, const Nat& b) {
    Nat r;
    uint64_t carry = 0;
    for (size_t i = 0; i < std::max(a.d.size(), b.d.size()); ++i) {
      carry += uint64_t(i < a.d.size() ? a.d[i] : 0) + (i < b.d.size() ? b.d[i] : 0);
      r.d.push_back(static_cast<uint32_t>(carry));
      carry >>= 32;
    }
    r.d.push_back(static_cast<uint32_t>(carry));
    r.trim();
    return r;
  }
  friend Nat operator-(const Nat& a, const Nat& b) {  // a >= b
    Nat r;
    int64_t borrow = 0;
    for (size_t i = 0; i < a.d.size(); ++i) {
      int64_t x = int64_t(a.d[i]) - (i < b.d.size() ? b.d[i] : 0) - borrow;
      borrow = x < 0;
      r.d.push_back(static_cast<uint32_t>(x + (borrow << 32)));
    }
    r.trim();
    return r;
  }
  friend Nat operator*(const Nat& a, const Nat& b) {
    Nat r;
    r.d.assign(a.d.size() + b.d.size() + 1, 0);
    for (size_t i = 0; i < a.d.size(); ++i) {
      uint64_t carry = 0;
      for (size_t j = 0; j < b.d.size(); ++j) {
        carry += uint64_t(a.d[i]) * b.d[j] + r.d[i + j];
        r.d[i + j] = static_cast<uint32_t>(carry);
        carry >>= 32;
      }
      for (size_t k = i + b.d.size(); carry; ++k) {
        carry += r.d[k];
        r.d[k] = static_cast<uint32_t>(carry);
        carry >>= 32;
      }
    }
    r.trim();
    return r;
  }
  friend int cmp(const Nat& a, const Nat& b) {
    if (a.d.size() != b.d.size()) return a.d.size() < b.d.size() ? -1 : 1;
    for (size_t i = a.d.size(); i-- > 0;)
      if (a.d[i] != b.d[i]) return a.d[i] < b.d[i] ? -1 : 1;
    return 0;
  }
  std::vector<uint64_t> limbs64() const {
    std::vector<uint64_t> r;
    for (size_t i = 0; i < d.size(); i += 2) r.push_back(d[i] | (i + 1 < d.size() ? uint64_t(d[i + 1]) << 32 : 0));
    return r;
  }
  static Nat from64(const std::vector<uint64_t>& l) {
    Nat n;
    for (uint64_t x : l) {
      n.d.push_back(static_cast<uint32_t>(x));
      n.d.push_back(static_cast<uint32_t>(x >> 32));
    }
    n.trim();
    return n;
  }
};

// A non-negative dyadic number m * 2^e.
struct Dyadic {
  Nat m;
  int64_t e = 0;
};

// |x| of a finite double as a dyadic number.
Dyadic dyadic(double x) {
  int k;
  const double f = std::frexp(std::fabs(x), &k);  // |x| = f * 2^k, f in [0.5, 1)
  uint64_t m = static_cast<uint64_t>(std::ldexp(f, 53));
  int64_t e = int64_t(k) - 53;
  while (m && m % 2 == 0) {  // odd m: then e >= -1074
    m /= 2;
    ++e;
  }
  return {Nat::of(m), e};
}

Dyadic midpoint(const Dyadic& a, const Dyadic& b) {
  const int64_t e = std::min(a.e, b.e);
  return {a.m.shl(a.e - e) + b.m.shl(b.e - e), e - 1};
}

// Sign of a - M * 2^e / D (D > 0).
int compare_ratio(const Dyadic& a, const Nat& M, int64_t e, const Nat& D) {
  Nat lhs = a.m * D, rhs = M;
  const int64_t common = std::min(a.e, e);
  return cmp(lhs.shl(a.e - common), rhs.shl(e - common));
}

// True when r is the correctly rounded (to nearest, ties to even) double of the
// non-negative ratio M * 2^e / D: the ratio lies between the midpoints to r's
// neighbours, and on a midpoint only when r is the even one.
bool is_correctly_rounded(double r, const Nat& M, int64_t e, const Nat& D) {
  if (std::isnan(r) || std::signbit(r)) return false;
  const bool even = (std::bit_cast<uint64_t>(r) & 1) == 0 || std::isinf(r);
  if (r > 0) {  // lower midpoint
    const double below = std::isinf(r) ? DBL_MAX : std::nextafter(r, 0.0);
    const Dyadic lo =
        std::isinf(r) ? midpoint(dyadic(DBL_MAX), Dyadic{Nat::of(1), 1024}) : midpoint(dyadic(below), dyadic(r));
    const int c = compare_ratio(lo, M, e, D);  // lo - X
    if (c > 0 || (c == 0 && !even)) return false;
  }
  if (!std::isinf(r)) {  // upper midpoint
    const Dyadic above = r == DBL_MAX ? Dyadic{Nat::of(1), 1024} : dyadic(std::nextafter(r, kInf));
    const int c = compare_ratio(midpoint(dyadic(r), above), M, e, D);  // hi - X
    if (c < 0 || (c == 0 && !even)) return false;
  }
  return true;
}

// The exact sum of doubles as sign + magnitude in units of 2^-1074.
struct RefSum {
  Nat pos, neg;
  void add(double x) {
    if (x == 0) return;
    const Dyadic d = dyadic(x);
    (x > 0 ? pos : neg) = (x > 0 ? pos : neg) + d.m.shl(d.e + 1074);
  }
  bool negative() const { return cmp(pos, neg) < 0; }
  Nat magnitude() const { return negative() ? neg - pos : pos - neg; }
};

// The exact finite sum held by an ExactSum, as sign + magnitude in units of 2^-1074.
std::pair<bool, Nat> exact_of(const ExactSum& s) {
  bool negative;
  std::vector<uint64_t> limbs;
  int e;
  s.decompose(negative, limbs, e);
  return {negative, Nat::from64(limbs).shl(e + 1074)};
}

bool same_bits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

template <class T>
std::string saved(const T& s) {
  std::string out;
  s.save(out);
  return out;
}

// Doubles over the whole exponent range, with subnormals, exact cancellations and
// values that share or straddle exponents.
std::vector<double> wild_doubles(std::mt19937_64& rng, size_t n) {
  std::vector<double> v;
  std::uniform_int_distribution<int> exp(-1074, 1000);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  while (v.size() < n) {
    switch (rng() % 5) {
      case 0: v.push_back(std::ldexp(unit(rng), exp(rng))); break;
      case 1: v.push_back(std::bit_cast<double>(rng() & ((uint64_t(1) << 52) - 1)) * (rng() & 1 ? 1 : -1)); break;
      case 2: {  // a value and its negation later
        const double x = std::ldexp(unit(rng), exp(rng) / 4);
        v.push_back(x);
        v.push_back(-x);
        break;
      }
      case 3: v.push_back(unit(rng) * 1000); break;
      default: v.push_back(std::ldexp(1.0, exp(rng)) * (rng() & 1 ? 1 : -1));
    }
  }
  v.resize(n);
  return v;
}

// Splits v into k shards (random sizes), sums each and merges them in a random order,
// half of the time as a random tree.
template <class State, class Add>
State sharded(const std::vector<double>& v, std::mt19937_64& rng, size_t k, Add add) {
  std::vector<State> shards(k);
  for (double x : v) add(shards[rng() % k], x);
  std::shuffle(shards.begin(), shards.end(), rng);
  while (shards.size() > 1) {
    const size_t i = rng() % shards.size();
    size_t j = rng() % shards.size();
    if (i == j) j = (j + 1) % shards.size();
    shards[i].merge(shards[j]);
    shards.erase(shards.begin() + static_cast<std::ptrdiff_t>(j));
  }
  return shards[0];
}

// Every strict prefix of a saved state fails to load and leaves state and view alone;
// the whole loads, consumes exactly its bytes (with a tail after them) and saves the same.
template <class T>
void check_load_prefixes(const T& state) {
  const std::string bytes = saved(state);
  for (size_t len = 0; len < bytes.size(); ++len) {
    T t;
    std::string_view in(bytes.data(), len);
    REQUIRE_MESSAGE(!t.load(in), "prefix of " << len << " of " << bytes.size() << " bytes loaded");
    CHECK(in.size() == len);
    CHECK(saved(t) == saved(T{}));
  }
  const std::string with_tail = bytes + "tail";
  std::string_view in(with_tail);
  T t;
  REQUIRE(t.load(in));
  CHECK(in == "tail");
  CHECK(saved(t) == bytes);
}

// Random and mutated bytes never crash load; what loads saves back to the very bytes it
// consumed (the encodings are canonical), and a failed load changes nothing.
template <class T>
void fuzz_load(const std::vector<std::string>& seeds, uint64_t seed, int rounds) {
  std::mt19937_64 rng(seed);
  int loaded = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string b;
    if (round % 2 == 0 && !seeds.empty()) {
      b = seeds[rng() % seeds.size()];
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips && !b.empty(); ++f) {
        const size_t at = rng() % b.size();
        switch (rng() % 3) {
          case 0: b[at] = static_cast<char>(rng()); break;
          case 1: b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8))); break;
          default: b.resize(at);
        }
      }
    } else {
      b.resize(rng() % 48);
      for (char& c : b) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
    }
    T t;
    const std::string before = saved(t);
    std::string_view in(b);
    if (t.load(in)) {
      ++loaded;
      const size_t consumed = b.size() - in.size();
      REQUIRE(saved(t) == b.substr(0, consumed));
    } else {
      REQUIRE(in.size() == b.size());
      REQUIRE(saved(t) == before);
    }
  }
  CHECK(loaded > rounds / 100);  // the mutations reach valid states too
}

}  // namespace

TEST_SUITE_BEGIN("exact");

// ---- round_ratio ----

TEST_CASE("round_ratio: hand cases") {
  const uint64_t one = 1, two = 2, three = 3;
  CHECK(round_ratio(false, &one, 1, 0, 3) == 1.0 / 3);
  CHECK(round_ratio(false, &two, 1, 0, 3) == 2.0 / 3);
  CHECK(round_ratio(true, &one, 1, 0, 3) == -1.0 / 3);
  CHECK(round_ratio(false, &one, 1, 0, 1) == 1.0);
  CHECK(round_ratio(false, &three, 1, -1, 1) == 1.5);
  CHECK(round_ratio(false, &one, 1, 0, 10) == 0.1);
  CHECK(round_ratio(false, &one, 1, 0, 3, 3) == 1.0 / 9);
  CHECK(round_ratio(false, &three, 1, 10, 3) == 1024.0);
  // Zero, signed; leading zero limbs; no limbs.
  const uint64_t zeros[3] = {0, 0, 0};
  CHECK(round_ratio(false, zeros, 3, 5, 7) == 0.0);
  CHECK(!std::signbit(round_ratio(false, zeros, 3, 5, 7)));
  CHECK(std::signbit(round_ratio(true, nullptr, 0, 0, 1)));
  const uint64_t padded[3] = {5, 0, 0};
  CHECK(round_ratio(false, padded, 3, 0, 2) == 2.5);
  // Division by zero is refused.
  CHECK(std::isnan(round_ratio(false, &one, 1, 0, 0)));
  CHECK(std::isnan(round_ratio(false, &one, 1, 0, 1, 0)));
  // A divisor of 128 bits: (2^64-1)^2 / ((2^64-1) * (2^64-1)) = 1.
  const uint64_t m = ~uint64_t(0);
  const uint64_t sq[2] = {1, m - 1};  // (2^64-1)^2 = 2^128 - 2^65 + 1
  CHECK(round_ratio(false, sq, 2, 0, m, m) == 1.0);
  CHECK(round_ratio(false, sq, 2, 7, m, m) == 128.0);
  // Multi-limb magnitudes.
  const uint64_t big[4] = {1, 0, 0, 1};  // 2^192 + 1
  CHECK(round_ratio(false, big, 4, 0, 1) == std::ldexp(1.0, 192));
  CHECK(round_ratio(false, big, 4, -192, 1) == 1.0);
}

TEST_CASE("round_ratio: ties to even at the 53-bit boundary, and the sticky bit") {
  const uint64_t p53 = uint64_t(1) << 53;
  auto r = [](uint64_t m, int e, uint64_t d1 = 1, uint64_t d2 = 1) { return round_ratio(false, &m, 1, e, d1, d2); };
  CHECK(r(p53 + 1, 0) == double(p53));           // tie: to the even 2^53
  CHECK(r(p53 + 3, 0) == double(p53 + 4));       // tie: to the even 2^53 + 4
  CHECK(r(p53 + 2, 0) == double(p53 + 2));       // exact
  CHECK(r(2 * p53 + 3, -1) == double(p53 + 2));  // 2^53 + 1.5: above the midpoint
  CHECK(r(4 * p53 + 5, -2) == double(p53 + 2));  // 2^53 + 1.25: sticky bits above the tie
  CHECK(r(4 * p53 + 3, -2) == double(p53));      // 2^53 + 0.75: below the tie
  // Ties created by the division: 3 * (2^53 + 1) / 3 and 7 * (2^53 + 3) / 7.
  CHECK(r(3 * (p53 + 1), 0, 3) == double(p53));
  CHECK(r(7 * (p53 + 3), 0, 7) == double(p53 + 4));
  // Just off the tie only by the remainder of the division.
  CHECK(r(3 * (p53 + 1) + 1, 0, 3) == double(p53 + 2));
  CHECK(r(3 * (p53 + 1) - 1, 0, 3) == double(p53));
  CHECK(r(3 * (p53 + 1) + 1, 0, 1, 3) == double(p53 + 2));
  // Rounding up carries into the next binade.
  CHECK(r(2 * p53 - 1, 0) == double(2 * p53));
}

TEST_CASE("round_ratio: subnormals, underflow and overflow") {
  const double tiny = std::numeric_limits<double>::denorm_min();
  auto r = [](uint64_t m, int e, uint64_t d1 = 1) { return round_ratio(false, &m, 1, e, d1); };
  CHECK(r(1, -1074) == tiny);
  CHECK(r(1, -1075) == 0.0);          // half of the least subnormal: tie to even (0)
  CHECK(r(3, -1075) == 2 * tiny);     // 1.5 tiny: tie to even (2 tiny)
  CHECK(r(3, -1076) == tiny);         // 0.75 tiny
  CHECK(r(1, -1076) == 0.0);          // 0.25 tiny
  CHECK(r(5, -1077) == tiny);         // 0.625 tiny
  CHECK(r(4, -1072, 3) == 5 * tiny);  // 16/3 tiny = 5.33 tiny
  CHECK(r(1, -3000) == 0.0);
  CHECK(r(1, -1022) == DBL_MIN);
  // The largest subnormal plus half an ulp: a tie between 2^52-1 (odd) and 2^52 units.
  CHECK(r((uint64_t(1) << 53) - 1, -1075) == DBL_MIN);
  CHECK(r((uint64_t(1) << 52) - 1, -1074) == DBL_MIN - tiny);
  CHECK(std::signbit(round_ratio(true, std::array<uint64_t, 1>{1}.data(), 1, -1080, 1)));
  // Overflow.
  CHECK(r(1, 1023) == std::ldexp(1.0, 1023));
  CHECK(r(1, 1024) == kInf);
  CHECK(r(1, 100000) == kInf);
  CHECK(r((uint64_t(1) << 53) - 1, 971) == DBL_MAX);
  CHECK(r((uint64_t(1) << 54) - 1, 970) == kInf);     // DBL_MAX + half an ulp: tie to even (2^1024)
  CHECK(r((uint64_t(1) << 55) - 3, 969) == DBL_MAX);  // DBL_MAX + a quarter ulp
  CHECK(r(3, 1024, 2) == kInf);
  CHECK(r(3, 1024, 4) == std::ldexp(1.5, 1023));
  CHECK(round_ratio(true, std::array<uint64_t, 1>{1}.data(), 1, 2000, 1) == -kInf);
}

TEST_CASE("round_ratio: random 53-bit ratios match IEEE division") {
  // For integers below 2^53 the division a / b in double is correctly rounded.
  std::mt19937_64 rng(1);
  int checked = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t a = rng() >> (11 + rng() % 50), b = 1 + (rng() >> (11 + rng() % 53));
    const int e = static_cast<int>(rng() % 200) - 100;
    const double want = std::ldexp(double(a) / double(b), e);
    const double got = round_ratio(false, &a, 1, e, b);
    if (!same_bits(got, want)) FAIL(a << " * 2^" << e << " / " << b << ": " << got << " != " << want);
    ++checked;
  }
  CHECK(checked == 100000);
}

TEST_CASE("round_ratio: random big ratios are correctly rounded (checked with exact midpoints)") {
  std::mt19937_64 rng(2);
  auto limb = [&]() -> uint64_t {
    switch (rng() % 4) {
      case 0: return rng();
      case 1: return rng() & rng() & rng();         // sparse bits
      case 2: return ~uint64_t(0) << (rng() % 64);  // a run of ones
      default: return 0;
    }
  };
  auto divisor = [&]() -> uint64_t {
    switch (rng() % 4) {
      case 0: return 1;
      case 1: return 1 + rng() % 1000;
      case 2: return rng() | 1;
      default: return uint64_t(1) << (rng() % 64);
    }
  };
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint64_t> m(1 + rng() % 6);
    for (auto& x : m) x = limb();
    m.back() |= 1;
    const uint64_t d1 = divisor(), d2 = divisor();
    const Nat M = Nat::from64(m), D = Nat::of(d1) * Nat::of(d2);
    // Aim the result anywhere from below the subnormals to beyond DBL_MAX.
    const int64_t target = static_cast<int64_t>(rng() % 2200) - 1100;
    const int e = static_cast<int>(target - M.bits() + D.bits());
    const double got = round_ratio(false, m.data(), m.size(), e, d1, d2);
    REQUIRE_MESSAGE(is_correctly_rounded(got, M, e, D), "case " << i << ": got " << got);
    REQUIRE(same_bits(round_ratio(true, m.data(), m.size(), e, d1, d2), -got));
  }
}

TEST_CASE("round_ratio: exact ties and their neighbours, normal and subnormal") {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const bool subnormal = i % 4 == 0;
    // q * 2^s and (q+1) * 2^s are neighbouring doubles; the tie is (2q+1) * 2^(s-1).
    const uint64_t q = subnormal ? rng() >> 12 : (rng() >> 11) | (uint64_t(1) << 52);
    const int s = subnormal ? -1074 : static_cast<int>(rng() % 2000) - 1074;
    uint64_t d1 = rng() % 3 == 0 ? 1 : 1 + rng() % 100000, d2 = rng() % 2 ? 1 : rng() | 1;
    if (i % 3 == 0) {  // divisors near 2^64, so that a 256-bit M leaves no spare quotient bits
      d1 = rng() | uint64_t(1) << 63;
      d2 = rng() | uint64_t(1) << 63;
    }
    const Nat D = Nat::of(d1) * Nat::of(d2);
    // The tie times 2^j: M reaches 256 bits and beyond, where "just off the tie" lives
    // only in the division remainder or in the bits below M's top 256.
    const int j = static_cast<int>(rng() % 200);
    const Nat tie = (Nat::of(2 * q + 1) * D).shl(j);
    const double lo = std::ldexp(double(q), s), hi = std::ldexp(double(q + 1), s);
    const double even = (q & 1) ? hi : lo;
    const auto t = tie.limbs64();
    CHECK(same_bits(round_ratio(false, t.data(), t.size(), s - 1 - j, d1, d2), even));
    const auto above = (tie + Nat::of(1)).limbs64(), below = (tie - Nat::of(1)).limbs64();
    CHECK(same_bits(round_ratio(false, above.data(), above.size(), s - 1 - j, d1, d2), hi));
    CHECK(same_bits(round_ratio(false, below.data(), below.size(), s - 1 - j, d1, d2), lo));
  }
}

// ---- ExactSum ----

TEST_CASE("ExactSum: size and empty state") {
  CHECK(sizeof(ExactSum) <= 32);
  ExactSum s;
  CHECK(s.value() == 0.0);
  CHECK(!std::signbit(s.value()));
  CHECK(s.is_zero());
  CHECK(s.inline_mode());
  CHECK(std::isnan(s.mean(0)));
  CHECK(s.mean(5) == 0.0);
}

TEST_CASE("ExactSum: exact sums that naive summation gets wrong") {
  ExactSum s;
  for (double x : {0.1, 0.2, 0.3}) s.add(x);
  CHECK(s.value() == 0.6);  // the naive left-to-right sum is 0.6000000000000001
  CHECK(0.1 + 0.2 + 0.3 != 0.6);

  ExactSum a;
  for (double x : {1e308, -1e308, 1.0}) a.add(x);
  CHECK(a.value() == 1.0);
  ExactSum b;
  for (double x : {1e308, 1.0, -1e308}) b.add(x);
  CHECK(b.value() == 1.0);
  CHECK(saved(a) == saved(b));
  ExactSum c;
  for (double x : {1e16, 1.0, -1e16}) c.add(x);
  CHECK(c.value() == 1.0);
  // Beyond DBL_MAX on the way: still exact.
  ExactSum d;
  d.add(1e308);
  d.add(1e308);
  CHECK(d.value() == kInf);
  d.add(-1e308);
  CHECK(d.value() == 1e308);
  d.add(-1e308);
  CHECK(d.is_zero());
  // Subnormals.
  const double tiny = std::numeric_limits<double>::denorm_min();
  ExactSum e;
  e.add(tiny);
  e.add(tiny);
  CHECK(e.value() == 2 * tiny);
  e.add(1.0);
  e.add(-1.0);
  CHECK(e.value() == 2 * tiny);
  // ±0 contribute nothing; the zero sum is +0.
  ExactSum z;
  z.add(-0.0);
  CHECK(z.is_zero());
  CHECK(!std::signbit(z.value()));
  // Cancellation to exactly zero, then a new window.
  ExactSum w;
  w.add(0.1);
  w.add(-0.1);
  CHECK(w.is_zero());
  w.add(3.0);
  CHECK(w.value() == 3.0);
}

TEST_CASE("ExactSum: NaN and infinities") {
  auto sum = [](std::initializer_list<double> xs) {
    ExactSum s;
    for (double x : xs) s.add(x);
    return s;
  };
  CHECK(sum({1.0, kInf}).value() == kInf);
  CHECK(sum({1.0, -kInf, 5.0}).value() == -kInf);
  CHECK(sum({kInf, kInf}).value() == kInf);
  CHECK(std::isnan(sum({kInf, -kInf}).value()));
  CHECK(std::isnan(sum({kQNaN}).value()));
  CHECK(std::isnan(sum({kQNaN, kInf}).value()));
  CHECK(sum({kInf}).mean(2) == kInf);
  CHECK(!sum({kInf}).is_zero());
  CHECK(!sum({kInf}).finite());
  CHECK(sum({1.0}).finite());
  ExactSum p = sum({kInf, 2.0}), n = sum({-kInf});
  p.merge(n);
  CHECK(std::isnan(p.value()));
  // The finite part stays exact beside the specials.
  bool negative;
  std::vector<uint64_t> limbs;
  int e;
  p.decompose(negative, limbs, e);
  CHECK(limbs == std::vector<uint64_t>{1});
  CHECK(e == 1);
  // Save and load keep them.
  for (const ExactSum& s : {sum({kInf}), sum({-kInf, 1.5}), sum({kQNaN}), p}) {
    std::string bytes = saved(s);
    std::string_view in(bytes);
    ExactSum t;
    REQUIRE(t.load(in));
    CHECK(same_bits(t.value(), s.value()));
    CHECK(saved(t) == bytes);
  }
}

TEST_CASE("ExactSum: random wild doubles equal an independent exact sum and round once") {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 40; ++trial) {
    const auto v = wild_doubles(rng, 1 + rng() % 400);
    ExactSum s;
    RefSum ref;
    for (double x : v) {
      s.add(x);
      ref.add(x);
    }
    const auto [negative, mag] = exact_of(s);
    const Nat want = ref.magnitude();
    REQUIRE(cmp(mag, want) == 0);
    CHECK((want.zero() || negative == ref.negative()));
    const double r = s.value();
    CHECK(is_correctly_rounded(std::fabs(r), want, -1074, Nat::of(1)));
    CHECK((r == 0 || std::signbit(r) == ref.negative()));
    const uint64_t n = 1 + rng() % 1000000;
    CHECK(is_correctly_rounded(std::fabs(s.mean(n)), want, -1074, Nat::of(n)));
  }
}

TEST_CASE("ExactSum: any order and any sharding give the same bits and the same bytes") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    auto v = trial % 3 == 0 ? std::vector<double>{} : wild_doubles(rng, 200 + rng() % 300);
    if (trial % 3 == 0) {  // narrow data: stays inline
      std::uniform_real_distribution<double> u(-50, 100);
      for (int i = 0; i < 500; ++i) v.push_back(u(rng));
    }
    ExactSum one;
    for (double x : v) one.add(x);
    const std::string bytes = saved(one);
    const double value = one.value();
    for (int k = 0; k < 4; ++k) {
      std::shuffle(v.begin(), v.end(), rng);
      const auto merged = sharded<ExactSum>(v, rng, 1 + rng() % 16, [](ExactSum& s, double x) { s.add(x); });
      REQUIRE(saved(merged) == bytes);
      REQUIRE(same_bits(merged.value(), value));
    }
  }
}

TEST_CASE("ExactSum: the bytes do not depend on the representation") {
  ExactSum narrow;
  narrow.add(0.5);
  narrow.add(0.25);
  CHECK(narrow.inline_mode());
  ExactSum wide;  // the same sum after a detour through the wide accumulator
  wide.add(1e300);
  wide.add(0.5);
  wide.add(-1e300);
  wide.add(0.25);
  CHECK(!wide.inline_mode());
  CHECK(wide.value() == 0.75);
  CHECK(saved(wide) == saved(narrow));
  CHECK(saved(narrow).size() == 6 + 8);
  // A moved-to state keeps the value; the moved-from one is empty.
  ExactSum moved(std::move(wide));
  CHECK(moved.value() == 0.75);
  CHECK(wide.is_zero());  // NOLINT(bugprone-use-after-move): documented as empty
  // Copies are deep.
  ExactSum copy(moved);
  copy.add(1e300);
  CHECK(moved.value() == 0.75);
  CHECK(copy.value() == 1e300);
  copy = moved;
  CHECK(copy.value() == 0.75);
  // Merging into itself doubles.
  copy.merge(copy);
  CHECK(copy.value() == 1.5);
  narrow.merge(narrow);
  CHECK(narrow.value() == 1.5);
}

TEST_CASE("ExactSum: the inline window adapts and spills to the wide accumulator") {
  ExactSum s;
  s.add(1e6);
  s.add(0.001);  // a finer last bit: the accumulator shifts left
  CHECK(s.inline_mode());
  s.add(1.0 / 3);
  CHECK(s.inline_mode());
  s.add(1e30);  // 100+ bits above the finest bit: no room inline
  CHECK(!s.inline_mode());
  RefSum ref;
  for (double x : {1e6, 0.001, 1.0 / 3, 1e30}) ref.add(x);
  CHECK(cmp(exact_of(s).second, ref.magnitude()) == 0);
  // Trailing zeros are dropped to make room before spilling: 3 * 2^-60 + 2^-60 = 2^-58
  // no longer needs the two lowest bits, and then 2^67 fits in 126 bits.
  ExactSum t;
  t.add(std::ldexp(3.0, -60));
  t.add(std::ldexp(1.0, -60));
  t.add(std::ldexp(1.0, 67));
  CHECK(t.inline_mode());
  RefSum tr;
  for (double x : {std::ldexp(3.0, -60), std::ldexp(1.0, -60), std::ldexp(1.0, 67)}) tr.add(x);
  CHECK(cmp(exact_of(t).second, tr.magnitude()) == 0);
  CHECK(t.value() == std::ldexp(1.0, 67));
}

TEST_CASE("ExactSum: 2M doubles in [0,10) stay inline (no allocation)") {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> u(0, 10);
  ExactSum s, halves[2];
  for (int i = 0; i < 2000000; ++i) {
    const double x = u(rng);
    s.add(x);
    halves[i % 2].add(x);
  }
  CHECK(s.inline_mode());
  CHECK(halves[0].inline_mode());
  halves[0].merge(halves[1]);
  CHECK(saved(halves[0]) == saved(s));
  CHECK(std::fabs(s.value() - 1e7) < 1e4);
}

TEST_CASE("ExactSum: mean is the exact sum / n rounded once") {
  ExactSum s;
  s.add(0.1);
  s.add(0.2);
  // 0.1 + 0.2 is exact in a 64-bit long double significand; halving is exact; the cast
  // rounds once.
  const double want = static_cast<double>((static_cast<long double>(0.1) + static_cast<long double>(0.2)) / 2);
  CHECK(s.mean(2) == want);
  CHECK(s.mean(2) == 0.15000000000000002);
  CHECK((0.1 + 0.2) / 2 == 0.15000000000000002);  // same here, but by luck:
  ExactSum t;
  for (double x : {1e300, 3.0, -1e300}) t.add(x);
  CHECK(t.mean(3) == 1.0);
  CHECK(t.mean(7) == 3.0 / 7);
  ExactSum u;
  for (double x : {0.1, 0.2, 0.3}) u.add(x);
  CHECK(u.mean(3) == 0.2);  // (0.1 + 0.2 + 0.3) / 3 in doubles is 0.20000000000000004
  CHECK((0.1 + 0.2 + 0.3) / 3 != 0.2);
}

TEST_CASE("ExactSum: load is canonical and robust") {
  std::mt19937_64 rng(7);
  std::vector<std::string> seeds;
  std::vector<ExactSum> states(6);
  states[1].add(0.75);
  states[2].add(-1e-310);
  for (double x : wild_doubles(rng, 100)) states[3].add(x);
  states[4].add(kInf);
  states[4].add(-3.0);
  for (int i = 0; i < 10; ++i) add_square(states[5], 1e300 * (i + 1));
  for (const auto& s : states) {
    check_load_prefixes(s);
    seeds.push_back(saved(s));
  }
  // Non-canonical encodings are refused: an even magnitude, a leading zero limb, a
  // negative zero, unknown flags.
  auto refuse = [](std::string b) {
    ExactSum t;
    std::string_view in(b);
    return !t.load(in);
  };
  std::string half = saved(states[1]);  // 0.75 = 3 * 2^-2
  CHECK(!refuse(half));
  std::string even = half;
  even[6] = 6;
  CHECK(refuse(even));
  std::string flags = half;
  flags[0] = 0x10;
  CHECK(refuse(flags));
  CHECK(refuse(std::string("\x08\x00\x00\x00\x00\x00", 6)));  // -0
  CHECK(refuse(std::string("\x00\x00\x01\x00\x00\x00", 6)));  // zero with an exponent
  CHECK(
      refuse(std::string("\x00\x02\x00\x00\x00\x00"
                         "\x01\0\0\0\0\0\0\0"
                         "\0\0\0\0\0\0\0\0",
                         22)));
  CHECK(
      refuse(std::string("\x00\x01\x00\xf0\xff\xff"
                         "\x01\0\0\0\0\0\0\0",
                         14)));  // exponent < -1074
  fuzz_load<ExactSum>(seeds, 8, 200000);
}

// ---- Variance ----

namespace {

struct Moments {
  ExactSum s1, s2;
  uint64_t n = 0;
  void add(double x) {
    s1.add(x);
    add_square(s2, x);
    ++n;
  }
  void merge(const Moments& o) {
    s1.merge(o.s1);
    s2.merge(o.s2);
    n += o.n;
  }
  double variance() const { return exact_variance(s1, s2, n); }
};

long double two_pass_variance(const std::vector<double>& v) {
  long double mean = 0;
  for (double x : v) mean += x;
  mean /= v.size();
  long double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return ss / (v.size() - 1);
}

// The exact variance checked with the reference big integers: n * sum x^2 - (sum x)^2 in
// units of 2^-2148, over n (n-1).
bool variance_is_correctly_rounded(double r, const std::vector<double>& v) {
  RefSum s1;
  Nat s2;
  for (double x : v) {
    s1.add(x);
    if (x == 0) continue;
    const Dyadic d = dyadic(x);
    s2 = s2 + (d.m * d.m).shl(2 * d.e + 2148);
  }
  const Nat n = Nat::of(v.size());
  const Nat sum = s1.magnitude();
  const Nat num = n * s2 - sum * sum;
  return is_correctly_rounded(r, num, -2148, n * Nat::of(v.size() - 1));
}

}  // namespace

TEST_CASE("exact_variance: hand cases") {
  auto var = [](std::initializer_list<double> xs) {
    Moments m;
    for (double x : xs) m.add(x);
    return m.variance();
  };
  CHECK(var({1, 2, 3, 4}) == 5.0 / 3);
  CHECK(var({2, 4, 4, 4, 5, 5, 7, 9}) == 32.0 / 7);
  CHECK(var({-1, 1}) == 2.0);
  CHECK(var({3.7, 3.7, 3.7}) == 0.0);
  CHECK(var({0.1, 0.1, 0.1, 0.1}) == 0.0);
  CHECK(var({0, 0}) == 0.0);
  CHECK(std::isnan(var({})));
  CHECK(std::isnan(var({42})));
  CHECK(std::isnan(var({1, kInf})));
  CHECK(std::isnan(var({1, -kInf, 2})));
  CHECK(std::isnan(var({1, kQNaN})));
  // Squares beyond DBL_MAX are still exact: the variance of {1e200, -1e200} is 2e400.
  CHECK(var({1e200, -1e200}) == kInf);
  CHECK(variance_is_correctly_rounded(var({1e150, 3e150}), {1e150, 3e150}));
  CHECK(std::fabs(var({1e150, 3e150}) / 2e300 - 1) < 1e-15);
  CHECK(variance_is_correctly_rounded(var({1e150, 2e150, 3e150}), {1e150, 2e150, 3e150}));
  // Subnormal results from squares that are exact (|x| >= 2^-537).
  std::vector<double> small{3e-160, 1e-160};
  CHECK(variance_is_correctly_rounded(var({3e-160, 1e-160}), small));
  CHECK(var({3e-160, 1e-160}) > 0);
  // Tiny values whose squares fall below 2^-1074 give 0, never a negative number.
  CHECK(var({1e-200, 3e-200}) == 0.0);
  CHECK(!std::signbit(var({1e-200, 3e-200})));
}

TEST_CASE("exact_variance: random data matches a long double two-pass computation") {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 20; ++trial) {
    std::normal_distribution<double> g(rng() % 100 - 50.0, 1 + rng() % 1000);
    std::vector<double> v(2 + rng() % 3000);
    Moments m;
    for (double& x : v) {
      x = g(rng);
      m.add(x);
    }
    const long double want = two_pass_variance(v);
    CHECK(std::fabs(m.variance() - want) <= 1e-12 * want);
    if (v.size() < 200) CHECK(variance_is_correctly_rounded(m.variance(), v));
  }
}

TEST_CASE("exact_variance: a large mean, where one-pass formulas fail") {
  std::mt19937_64 rng(10);
  std::uniform_real_distribution<double> noise(-1, 1);
  std::vector<double> v(10000);
  Moments m;
  double naive_s1 = 0, naive_s2 = 0;
  for (double& x : v) {
    x = 1e9 + noise(rng);
    m.add(x);
    naive_s1 += x;
    naive_s2 += x * x;
  }
  // Exact reference: near 1e9 doubles are multiples of 2^-23 and x - 1e9 is exact, so
  // k = (x - 1e9) * 2^23 are small integers with the same variance (times 2^46).
  int128_t sk = 0, skk = 0;
  for (double x : v) {
    const auto k = static_cast<int64_t>(std::ldexp(x - 1e9, 23));
    REQUIRE(std::ldexp(double(k), -23) + 1e9 == x);
    sk += k;
    skk += int128_t(k) * k;
  }
  const int128_t n = static_cast<int128_t>(v.size());
  const long double want = std::ldexp(static_cast<long double>(n * skk - sk * sk), -46) / (n * (n - 1));
  const double got = m.variance();
  CHECK(std::fabs(got - want) <= 1e-15 * want);
  CHECK(std::fabs(got - 1.0 / 3) < 0.02);  // uniform(-1,1) has variance 1/3
  // The textbook one-pass formula in doubles is far off here.
  const double naive = (naive_s2 - naive_s1 * naive_s1 / v.size()) / (v.size() - 1);
  CHECK(std::fabs(naive - want) > 0.01 * want);
  CHECK(m.s1.inline_mode());
}

TEST_CASE("exact_variance: order and sharding give the same bits") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<double> v = trial % 2 ? wild_doubles(rng, 300) : std::vector<double>{};
    std::lognormal_distribution<double> ln(0, 3);
    for (int i = 0; i < 300; ++i) v.push_back(ln(rng) * (rng() % 3 == 0 ? -1 : 1));
    Moments one;
    for (double x : v) one.add(x);
    for (int k = 0; k < 3; ++k) {
      std::shuffle(v.begin(), v.end(), rng);
      const auto merged = sharded<Moments>(v, rng, 1 + rng() % 12, [](Moments& m, double x) { m.add(x); });
      REQUIRE(merged.n == one.n);
      REQUIRE(same_bits(merged.variance(), one.variance()));
      REQUIRE(saved(merged.s2) == saved(one.s2));
    }
    if (trial % 2 == 0) CHECK(variance_is_correctly_rounded(one.variance(), v));
  }
}

// ---- DecimalSum ----

TEST_CASE("DecimalSum: sums of decimals round once") {
  CHECK(sizeof(DecimalSum) <= 32);
  DecimalSum s;
  s.add(7416, 3);
  s.add(583, 3);
  CHECK(s.value() == 7.999);
  CHECK(7.416 + 0.583 != 7.999);  // 7.9990000000000006 in doubles
  int64_t i = 0;
  CHECK(!s.as_int64(i));

  // Twelve meter readings.
  DecimalSum r;
  for (int64_t m : {3512, 3498, 3601, 3555, 3470, 3529, 3588, 3547, 3610, 3491, 3566, 3707}) r.add(m, 3);
  CHECK(r.value() == 42.674);
  CHECK(r.mean(12) == 42674.0 / 12000);  // integers below 2^53: IEEE division rounds once too
  CHECK(r.mean(2) == 21.337);

  DecimalSum w;
  w.add(1, 1);
  CHECK(w.value() == 0.1);
  w.add(2, 1);
  CHECK(w.value() == 0.3);  // 0.1 + 0.2 in doubles is 0.30000000000000004
  w.add(1, 9);
  CHECK(w.value() == 0.300000001);
  CHECK(w.mean(3) == 300000001.0 / 3e9);
  CHECK(std::isnan(w.mean(0)));
}

TEST_CASE("DecimalSum: integers, negatives and as_int64") {
  DecimalSum s;
  s.add_int(5);
  s.add(25, 1);  // 2.5
  int64_t i = 0;
  CHECK(!s.as_int64(i));
  s.add(50, 2);  // 0.50
  CHECK(s.as_int64(i));
  CHECK(i == 8);
  s.add(-1234, 2);  // -12.34
  s.add(34, 2);
  CHECK(s.as_int64(i));
  CHECK(i == -4);
  CHECK(s.value() == -4.0);

  DecimalSum big;
  big.add_int(INT64_MAX);
  CHECK(big.as_int64(i));
  CHECK(i == INT64_MAX);
  CHECK(big.value() == 9223372036854775807.0);
  big.add_int(1);
  CHECK(!big.as_int64(i));  // a whole number, but beyond int64
  CHECK(big.value() == std::ldexp(1.0, 63));
  DecimalSum low;
  low.add_int(INT64_MIN);
  CHECK(low.as_int64(i));
  CHECK(i == INT64_MIN);
  low.add(-1, 9);
  CHECK(!low.as_int64(i));
  CHECK(low.value() == -std::ldexp(1.0, 63));
  DecimalSum neg;
  neg.add(-5, 1);
  neg.add(-1, 1);
  CHECK(neg.value() == -0.6);
  CHECK(neg.mean(4) == -0.15);
}

TEST_CASE("DecimalSum: overflow is sticky") {
  DecimalSum s;
  s.add_int(INT64_MAX);
  for (int k = 0; k < 40 && !s.overflow(); ++k) s.merge(s);  // doubles each time
  CHECK(s.overflow());
  CHECK(std::isnan(s.value()));
  CHECK(std::isnan(s.mean(3)));
  int64_t i = 0;
  CHECK(!s.as_int64(i));
  s.add_int(1);
  CHECK(s.overflow());
  DecimalSum t;
  t.add_int(1);
  t.merge(s);
  CHECK(t.overflow());
  CHECK(saved(t) == saved(s));  // an overflowed state has one encoding
  DecimalSum u;
  u.add_int(INT64_MIN);
  for (int k = 0; k < 40 && !u.overflow(); ++k) u.merge(u);
  CHECK(u.overflow());
  // int128's least value is the overflow marker: a sum that lands on it is overflowed,
  // one unit above it is not; a saved state claiming that sum does not load.
  DecimalSum low;
  low.add(INT64_MIN, 9);                                   // -2^63 units
  for (int k = 0; k < 63; ++k) low.merge(low);             // -2^126
  DecimalSum above = low;
  above.add(1, 9);                                         // -2^126 + 1
  above.merge(low);                                        // -2^127 + 1
  CHECK(!above.overflow());
  low.merge(low);                                          // -2^127
  CHECK(low.overflow());
  std::string marker = saved(above);
  marker[1] = 0;                                           // -2^127 + 1 -> -2^127, flag 0
  DecimalSum m;
  std::string_view min_in(marker);
  CHECK(!m.load(min_in));
  // Just below the limit no overflow: 2^126 / 10^9 units fit.
  DecimalSum edge;
  edge.add_int(INT64_MAX);
  for (int k = 0; k < 30; ++k) edge.merge(edge);
  CHECK(!edge.overflow());
  CHECK(edge.value() == std::ldexp(double(INT64_MAX), 30));
}

TEST_CASE("DecimalSum: order independence and load") {
  std::mt19937_64 rng(12);
  std::vector<std::pair<int64_t, int>> v;
  for (int i = 0; i < 1000; ++i) v.emplace_back(static_cast<int64_t>(rng() >> 20) * (rng() % 2 ? 1 : -1), rng() % 10);
  DecimalSum one;
  for (auto [m, k] : v) one.add(m, k);
  std::shuffle(v.begin(), v.end(), rng);
  DecimalSum a, b;
  for (size_t i = 0; i < v.size(); ++i) (i % 3 ? a : b).add(v[i].first, v[i].second);
  b.merge(a);
  CHECK(saved(b) == saved(one));
  CHECK(same_bits(b.value(), one.value()));
  DecimalSum over;
  over.add_int(INT64_MAX);
  for (int k = 0; k < 40; ++k) over.merge(over);
  std::vector<std::string> seeds;
  for (const DecimalSum& s : {DecimalSum{}, one, over}) {
    check_load_prefixes(s);
    seeds.push_back(saved(s));
  }
  std::string bad = saved(over);
  bad[1] = 1;  // an overflowed state with a sum
  DecimalSum t;
  std::string_view in(bad);
  CHECK(!t.load(in));
  fuzz_load<DecimalSum>(seeds, 13, 50000);
}

// ---- HyperLogLog ----

namespace {

uint64_t hash_of(uint64_t i) { return XXH3_64bits(&i, sizeof i); }

HyperLogLog hll_of(uint64_t from, uint64_t to) {
  HyperLogLog h;
  for (uint64_t i = from; i < to; ++i) h.add_hash(hash_of(i));
  return h;
}

}  // namespace

TEST_CASE("HyperLogLog: estimates within the documented error") {
  CHECK(HyperLogLog().estimate() == 0);
  CHECK(hll_of(0, 1).estimate() == 1);
  CHECK(hll_of(0, 10).estimate() == 10);
  CHECK(hll_of(100, 120).estimate() == 20);
  // Linear counting below 2.5 m: standard error about 0.55% .. 0.9%; raw estimator
  // above: 0.81%. Three standard errors:
  for (uint64_t n : {1000, 5000, 20000, 40000, 60000, 100000, 1000000}) {
    const double err = std::fabs(double(hll_of(0, n).estimate()) - double(n)) / double(n);
    CHECK_MESSAGE(err < 0.025, "n = " << n << ": error " << err);
    if (n <= 5000) CHECK_MESSAGE(err < 0.017, "n = " << n << ": error " << err);
  }
}

TEST_CASE("HyperLogLog: duplicates, merges and the sparse to dense switch") {
  // Duplicates change nothing.
  HyperLogLog once = hll_of(0, 1000), thrice = hll_of(0, 1000);
  for (uint64_t i = 0; i < 1000; ++i) thrice.add_hash(hash_of(i));
  thrice.merge(thrice);
  CHECK(saved(thrice) == saved(once));
  CHECK(thrice.estimate() == once.estimate());

  // Shards merged in any order equal one sketch: sparse + sparse, sparse + sparse -> dense,
  // dense + sparse, dense + dense.
  for (uint64_t n : {300, 1500, 2100, 3000, 100000}) {
    const HyperLogLog one = hll_of(0, n);
    std::mt19937_64 rng(n);
    std::vector<HyperLogLog> shards(1 + rng() % 6);
    for (uint64_t i = 0; i < n; ++i) shards[rng() % shards.size()].add_hash(hash_of(i));
    std::shuffle(shards.begin(), shards.end(), rng);
    HyperLogLog merged;
    for (const auto& s : shards) merged.merge(s);
    CHECK(saved(merged) == saved(one));
    CHECK(merged.estimate() == one.estimate());
    CHECK(merged.sparse() == one.sparse());
  }

  // The switch: sparse while at most 2048 registers are non-zero.
  HyperLogLog h;
  uint64_t i = 0;
  while (h.sparse()) {
    h.add_hash(hash_of(i++));
    if (h.sparse()) CHECK(saved(h).size() <= 3 + 3 * HyperLogLog::kSparseMax);
  }
  CHECK(saved(h).size() == 1 + HyperLogLog::kRegisters);
  CHECK(i > HyperLogLog::kSparseMax);
  CHECK(i < 2300);
  CHECK(std::llabs(h.estimate() - static_cast<int64_t>(i)) < 50);
  // Two sparse halves whose union passes the limit merge into a dense sketch with the
  // same bytes.
  HyperLogLog a = hll_of(0, 1200), b = hll_of(1200, 2400);
  CHECK(a.sparse());
  CHECK(b.sparse());
  a.merge(b);
  CHECK(!a.sparse());
  CHECK(saved(a) == saved(hll_of(0, 2400)));
}

TEST_CASE("HyperLogLog: load") {
  std::vector<std::string> seeds;
  for (const HyperLogLog& h : {HyperLogLog{}, hll_of(0, 1), hll_of(0, 500), hll_of(0, 50000)}) {
    check_load_prefixes(h);
    seeds.push_back(saved(h));
  }
  HyperLogLog t;
  std::string sparse = saved(hll_of(0, 2));  // kind, u16 count, 2 x (u16 index, u8 rank)
  std::swap(sparse[3], sparse[6]);           // indices out of order
  std::swap(sparse[4], sparse[7]);
  std::string_view in(sparse);
  CHECK(!t.load(in));
  std::string dense(1 + HyperLogLog::kRegisters, '\0');
  dense[0] = 1;
  dense[5] = 3;  // a dense encoding of a sparse set
  in = dense;
  CHECK(!t.load(in));
  fuzz_load<HyperLogLog>(seeds, 14, 20000);
}

// ---- DDSketch ----

namespace {

// Every quantile is within relative alpha of the value of rank floor(q (n-1)).
void check_quantiles(const DDSketch& d, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  REQUIRE(d.count() == v.size());
  for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.333, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
    const double want = v[static_cast<size_t>(std::floor(q * double(v.size() - 1)))];
    const double got = d.quantile(q);
    const double tol = std::fabs(want) < DDSketch::kZeroBelow ? 0 : DDSketch::kAlpha * (1 + 1e-9) * std::fabs(want);
    CHECK_MESSAGE(std::fabs(got - want) <= tol, "q = " << q << ": got " << got << ", want " << want);
  }
}

}  // namespace

TEST_CASE("DDSketch: quantiles within relative alpha") {
  std::mt19937_64 rng(15);
  std::uniform_real_distribution<double> uniform(0, 100);
  std::lognormal_distribution<double> lognormal(0, 2);
  std::normal_distribution<double> normal(0, 100);
  for (int kind = 0; kind < 4; ++kind) {
    std::vector<double> v(20000);
    DDSketch d;
    for (double& x : v) {
      switch (kind) {
        case 0: x = uniform(rng); break;
        case 1: x = lognormal(rng); break;
        case 2: x = rng() % 10 == 0 ? 0.0 : normal(rng); break;  // negatives and zeros
        default: x = rng() % 2 ? -lognormal(rng) * 1e-100 : lognormal(rng) * 1e200;
      }
      d.add(x);
    }
    check_quantiles(d, v);
  }
}

TEST_CASE("DDSketch: hand cases") {
  DDSketch d;
  CHECK(std::isnan(d.quantile(0.5)));
  CHECK(d.count() == 0);
  for (double x : {1.0, 2.0, 3.0, 4.0}) d.add(x);
  CHECK(d.count() == 4);
  CHECK(std::fabs(d.quantile(0.5) - 2.0) <= 0.01);  // lower rank: floor(0.5 * 3) = 1
  CHECK(std::fabs(d.quantile(0.67) - 3.0) <= 0.015);
  CHECK(std::fabs(d.quantile(1) - 4.0) <= 0.02);
  CHECK(std::isnan(d.quantile(-0.1)));
  CHECK(std::isnan(d.quantile(1.1)));
  CHECK(std::isnan(d.quantile(kQNaN)));
  d.add(kQNaN);
  d.add(kInf);
  CHECK(d.count() == 4);  // non-finite values are ignored
  DDSketch z;
  z.add(0.0);
  z.add(-0.0);
  z.add(1e-310);  // below 1e-300: counted as zero
  CHECK(z.quantile(0.0) == 0.0);
  CHECK(z.quantile(1.0) == 0.0);
  z.add(-5);
  CHECK(std::fabs(z.quantile(0) + 5) <= 5 * DDSketch::kAlpha);
  CHECK(z.quantile(0.5) == 0.0);
  DDSketch extremes;
  extremes.add(DBL_MAX);
  extremes.add(-DBL_MAX);
  extremes.add(1e-300);
  CHECK(std::fabs(extremes.quantile(1) / DBL_MAX - 1) <= DDSketch::kAlpha);
  CHECK(extremes.quantile(0) == -extremes.quantile(1));
  CHECK(std::fabs(extremes.quantile(0.5) - 1e-300) <= 1e-300 * DDSketch::kAlpha);
}

TEST_CASE("DDSketch: bucket indices are ceil(log_gamma(x)), pinned") {
  // The index of a lone positive value, read from the saved bytes (u64 zeros, u32 0
  // negative buckets, u32 1 positive bucket, i32 index, u64 count).
  auto bucket_of = [](double x) {
    DDSketch d;
    d.add(x);
    const std::string b = saved(d);
    REQUIRE(b.size() == 28);
    int32_t i;
    std::memcpy(&i, b.data() + 16, 4);
    return i;
  };
  // Saved states from other machines and older runs merge with these: the mapping must
  // not change.
  CHECK(bucket_of(1.0) == 0);
  CHECK(bucket_of(1.01) == 1);
  CHECK(bucket_of(2.0) == 70);
  CHECK(bucket_of(1000.0) == 691);
  CHECK(bucket_of(1e-300) == -69076);
  CHECK(bucket_of(DBL_MAX) == 70978);
  const double gamma = (1 + DDSketch::kAlpha) / (1 - DDSketch::kAlpha);
  std::mt19937_64 rng(18);
  std::uniform_real_distribution<double> exponent(-690, 709);
  for (int k = 0; k < 20000; ++k) {
    const double x = std::exp(exponent(rng));
    CHECK(bucket_of(x) == static_cast<int32_t>(std::ceil(std::log(x) / std::log(gamma))));
  }
}

TEST_CASE("DDSketch: merges equal one sketch, in any order") {
  std::mt19937_64 rng(16);
  std::lognormal_distribution<double> lognormal(1, 2);
  std::vector<double> v(5000);
  for (double& x : v) x = rng() % 20 == 0 ? 0.0 : lognormal(rng) * (rng() % 3 == 0 ? -1 : 1);
  DDSketch one;
  for (double x : v) one.add(x);
  for (int k = 0; k < 5; ++k) {
    std::shuffle(v.begin(), v.end(), rng);
    const auto merged = sharded<DDSketch>(v, rng, 1 + rng() % 10, [](DDSketch& d, double x) { d.add(x); });
    CHECK(saved(merged) == saved(one));
    CHECK(same_bits(merged.quantile(0.37), one.quantile(0.37)));
  }
  DDSketch twice = one;
  twice.merge(twice);
  CHECK(twice.count() == 2 * one.count());
  check_quantiles(twice, [&] {
    auto w = v;
    w.insert(w.end(), v.begin(), v.end());
    return w;
  }());
}

TEST_CASE("DDSketch: load") {
  std::vector<std::string> seeds;
  DDSketch a, b;
  a.add(1.5);
  for (double x : {-3.0, 0.0, 7e10, 7e10, 1e-200}) b.add(x);
  for (const DDSketch& d : {DDSketch{}, a, b}) {
    check_load_prefixes(d);
    seeds.push_back(saved(d));
  }
  std::string bad = saved(a);  // u64 zero, u32 0, u32 1, i32 index, u64 count
  bad[20] = 0;                 // a zero count
  DDSketch t;
  std::string_view in(bad);
  CHECK(!t.load(in));
  std::string huge(16, '\0');  // 2^62 + 1 zeros: more than anyone adds
  huge[0] = 1;
  huge[7] = 0x40;
  in = huge;
  CHECK(!t.load(in));
  huge[0] = 0;  // 2^62 is still taken
  in = huge;
  CHECK(t.load(in));
  CHECK(t.count() == uint64_t(1) << 62);
  fuzz_load<DDSketch>(seeds, 17, 50000);
}

TEST_CASE("NumberSum: short decimals sum as written, others as exact doubles") {
  int guess = 0;
  NumberSum s;
  s.add_double(7.416, guess);
  s.add_double(0.583, guess);
  CHECK(s.decimal());
  CHECK(s.value() == 7.999);  // the doubles' exact sum is 7.998999999999999...
  s.add_int(2);
  CHECK(s.n == 3);
  CHECK(s.value() == 9.999);
  NumberSum t;
  t.add_double(0.1, guess);
  t.add_double(0.2, guess);
  t.add_double(0.30000000000000004, guess);  // 17 digits: not a short decimal
  CHECK_FALSE(t.decimal());
  CHECK(t.value() == 0.1 + 0.2 + 0.30000000000000004);
  int64_t v = 0;
  NumberSum ints;
  ints.add_int(INT64_MAX);
  CHECK(ints.as_int64(v));
  CHECK(v == INT64_MAX);
  ints.add_int(1);
  CHECK_FALSE(ints.as_int64(v));  // beyond int64
}

TEST_CASE("NumberSum: a chunk column's decimal form, merge order, save and load") {
  int guess = 0;
  NumberSum a, b;
  a.add_decimal(7.416, 7416, 3, guess);
  b.add_double(0.583, guess);
  NumberSum ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  CHECK(ab.value() == 7.999);
  std::string x, y;
  ab.save(x);
  ba.save(y);
  CHECK(x == y);
  NumberSum back;
  std::string_view in = x;
  REQUIRE(back.load(in));
  CHECK(in.empty());
  CHECK(back.n == 2);
  CHECK(back.mean() == 3.9995);
  std::string_view cut = std::string_view(x).substr(0, 5);
  CHECK_FALSE(back.load(cut));
}
