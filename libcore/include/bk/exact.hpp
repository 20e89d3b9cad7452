// Exact, order-independent, mergeable numeric states for aggregation: exact sums of
// doubles (ExactSum) and of decimals (DecimalSum), exact variance, a HyperLogLog for
// approximate distinct counts and a DDSketch for approximate quantiles.
//
// Every state here is a pure function of the multiset of values added to it: adding in
// any order, or adding into shards and merging them in any order, gives a state whose
// results (value(), estimate(), quantile(), ...) and whose save() bytes are identical.
// That is what makes bk-aggregate's output the same for any thread count and for
// --partial per shard + --merge. Results are rounded once, at the end, from exact values.
//
// The states are default-constructible (empty), copyable (deep) and movable. save()
// appends a little-endian fixed-width encoding (the caller versions the whole stream);
// load() reads one back from the front of a string_view, advances it, and returns false,
// leaving the state and the view untouched, on malformed or truncated bytes.
#pragma once

#include <bit>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bk {

__extension__ typedef __int128 int128_t;            // GCC/Clang; -Wpedantic knows no 128-bit type
__extension__ typedef unsigned __int128 uint128_t;  //

// Correctly rounded (round to nearest, ties to even) double of
//   (negative ? -1 : 1) * M * 2^exp2 / (div1 * div2)
// where M is the magnitude given as little-endian 64-bit limbs (leading zero limbs are
// allowed; M = 0 gives ±0). div1, div2 >= 1 (0 gives NaN). Overflow gives ±inf; results
// below the normal range are correctly rounded subnormals (or ±0).
double round_ratio(bool negative, const uint64_t* limbs, size_t n_limbs, int exp2, uint64_t div1, uint64_t div2 = 1);

// The exact sum of any number of doubles, rounded once when read.
//
// Finite values are summed exactly, as a fixed-point integer whose lowest bit has weight
// 2^-1074 (the least subnormal); NaN, +inf and -inf are remembered apart, as three flags:
// value() is NaN if a NaN was added or both +inf and -inf were, else ±inf if one was.
//
// Representation: the sum is first an inline __int128 acc times 2^exp, exp being the
// lowest bit any value so far needed (a value with a finer last bit shifts acc left; one
// with a coarser bit is shifted into place). That holds any sum of up to 126 bits: with
// full 53-bit mantissas, values whose exponents span about 70 - log2(count) bits, e.g.
// a million values from 0.001 to 1e6 (102 bits), or 2M from [0, 10) (about 100 bits);
// more with short mantissas (integers, halves). When a value would not fit, the sum
// moves to a heap-allocated two's complement integer that grows to the bits it needs
// (at most 35 limbs, 280 bytes, for sums of doubles) and never overflows. add() of a
// finite value in inline mode is a few shifts and one checked 128-bit addition; it
// never allocates. sizeof(ExactSum) == 32. A moved-from ExactSum is empty.
class ExactSum {
 public:
  ExactSum() = default;
  ExactSum(const ExactSum& o);
  ExactSum& operator=(const ExactSum& o);
  ExactSum(ExactSum&& o) noexcept;
  ExactSum& operator=(ExactSum&& o) noexcept;
  ~ExactSum();

  void add(double x);
  void merge(const ExactSum& other);
  // The exact sum, rounded once. An exact zero is +0.0 (also for a sum of -0.0s).
  double value() const;
  // The exact sum / n, rounded once (n >= 1; n == 0 gives NaN). Specials as value().
  double mean(uint64_t n) const;
  // True when the finite sum is exactly zero and no NaN or infinity was added.
  bool is_zero() const;
  // Deterministic bytes: the same exact sum and special flags give the same bytes,
  // whatever the representation (inline or wide) and history. 6 bytes + 8 per limb of
  // the odd part of the sum (typically 14 or 22 bytes).
  void save(std::string& out) const;
  bool load(std::string_view& in);

  // --- Helpers for exact_variance, add_square and tests. ---
  // Adds (negative ? -1 : 1) * mag * 2^exp2 exactly; exp2 >= -1074.
  void add_scaled(bool negative, uint128_t mag, int exp2);
  // True when no NaN or infinity was added.
  bool finite() const { return specials_ == 0; }
  // The finite sum as (negative ? -1 : 1) * limbs * 2^exp2 with limbs (little-endian) odd
  // and without leading zero limbs, or empty (and exp2 = 0, negative = false) for zero.
  void decompose(bool& negative, std::vector<uint64_t>& limbs, int& exp2) const;
  // True while the sum is held in the inline __int128 (no heap memory).
  bool inline_mode() const { return !wide_; }

 private:
  struct Wide;
  struct WideDeleter {  // out of line, so Wide may stay incomplete here
    void operator()(Wide* w) const noexcept;
  };
  enum : uint8_t { kHasNaN = 1, kHasPosInf = 2, kHasNegInf = 4 };

  bool add_inline(bool negative, uint128_t mag, int exp2);
  void add_slow(bool negative, uint128_t mag, int exp2);
  void make_wide();

  int128_t acc_ = 0;                         // inline mode: the sum is acc_ * 2^exp_
  std::unique_ptr<Wide, WideDeleter> wide_;  // wide mode when set (acc_ and exp_ are then 0)
  int16_t exp_ = 0;                          // >= -1074
  uint8_t specials_ = 0;                     // kHasNaN | kHasPosInf | kHasNegInf
};

// Adds x*x exactly, for exact_variance. x = sig * 2^e with an integer sig of at most 53
// bits, so x*x = sig^2 * 2^(2e) is added as one 106-bit integer: exact for every finite
// x with |x| >= 2^-537 (including squares beyond DBL_MAX: the wide sum has no upper
// limit). For smaller |x| the square's bits below 2^-1074 are dropped (truncated toward
// zero). NaN and ±inf add +inf or NaN as x*x would.
void add_square(ExactSum& s2, double x);

// Sample variance (n-1 in the denominator) of n values whose exact sum is s1 and exact
// sum of squares is s2 (accumulated with add_square), computed as
// (n*S2 - S1^2) / (n*(n-1)) in exact integer arithmetic and rounded once.
// n < 2 -> NaN (the caller turns it into null). Never negative (a negative numerator,
// possible only when tiny squares were truncated, gives 0). NaN/inf in the data -> NaN.
double exact_variance(const ExactSum& s1, const ExactSum& s2, uint64_t n);

// The exact sum of decimals m * 10^-k (0 <= k <= 9), held as an __int128 in units of
// 10^-9 (|sum| < 1.7e29). Overflow sets a sticky flag; the caller then falls back to
// ExactSum, and value(), mean() give NaN. sizeof(DecimalSum) == 32.
class DecimalSum {
 public:
  static constexpr int kMaxScale = 9;

  void add(int64_t m, int k);  // precondition 0 <= k <= 9
  void add_int(int64_t v) { add(v, 0); }
  void merge(const DecimalSum& o);
  bool overflow() const { return sum_ == kOverflowed; }
  double value() const;               // correctly rounded double of the exact decimal sum
  double mean(uint64_t n) const;      // exact decimal sum / n, rounded once (n == 0: NaN)
  bool as_int64(int64_t& out) const;  // true when the sum is a whole number that fits int64
  void save(std::string& out) const;  // 17 bytes
  bool load(std::string_view& in);

 private:
  // The sum in units of 10^-9, or kOverflowed once it left int128 (or reached its least
  // value): a marker instead of a flag keeps the state 16 bytes (a NumberSum one cache line).
  static constexpr int128_t kOverflowed = static_cast<int128_t>(static_cast<uint128_t>(1) << 127);
  int128_t sum_ = 0;
};

// Whether x is the double a decimal m / 10^k (0 <= k <= 9) reads as: the decimal as
// written, when the text had at most 9 digits after the point. `k` is a guess (the
// last value's), updated. Below kUniqueDecimal (2^53 / 10^9) at most one such decimal
// maps to x, so any k that works gives the same value; above, the fewest digits are
// taken. False for NaN, infinities and values with more digits.
inline constexpr double kUniqueDecimal = 9007199.254740992;  // 2^53 / 10^9
bool short_decimal(double x, int& k, int64_t& m);

// The exact sum of numbers as bk-aggregate's sum() and mean() (and bk-report's totals)
// compute it: as decimals while every value is a short decimal (7.416 + 0.583 is
// 7.999), else the exact sum of the doubles (ExactSum); integers are both. Adding in
// any order, or merging in any order, gives the same results and the same save() bytes.
struct NumberSum {  // 64 bytes: one cache line (the order of the members packs it)
  DecimalSum dec;
  ExactSum bin;
  int64_t n = 0;             // values added
  bool non_decimal = false;  // a value was not a short decimal: bin is the answer

  void add_int(int64_t v) {
    ++n;
    dec.add_int(v);
    bin.add(static_cast<double>(v));
  }
  // x as read from text: its short decimal is asked for (`guess`: see short_decimal).
  void add_double(double x, int& guess) {
    ++n;
    bin.add(x);
    if (non_decimal) return;
    int64_t m;
    if (short_decimal(x, guess, m))
      dec.add(m, guess);
    else
      non_decimal = true;
  }
  // x known to be m / 10^k as written (a chunk column's decimal form, k <= 9).
  void add_decimal(double x, int64_t m, int k, int& guess) {
    if (std::fabs(x) >= kUniqueDecimal || non_decimal) return add_double(x, guess);
    ++n;
    bin.add(x);
    dec.add(m, k);
  }
  void merge(const NumberSum& o);
  bool decimal() const { return !non_decimal && !dec.overflow(); }
  double value() const { return decimal() ? dec.value() : bin.value(); }
  double mean() const;  // NaN when n == 0
  // The sum as an int64: false when it is not a whole number or does not fit.
  bool as_int64(int64_t& v) const { return decimal() && dec.as_int64(v); }
  // 8 bytes of count, a non-decimal flag, DecimalSum's and ExactSum's bytes.
  void save(std::string& out) const;
  bool load(std::string_view& in);
};

// HyperLogLog over 64-bit hashes (the caller hashes values with XXH3-64), precision
// p = 14: 16384 registers, register = 1 + leading zeros of the 50 hash bits below the
// 14 index bits (1..51).
//
// Storage: a sorted vector of (index, rank) entries, 4 bytes each, while at most 2048
// registers are non-zero (<= 8 KiB); then the dense array of 16384 one-byte registers.
// Which one a state uses is a function of its registers only.
//
// estimate() is a pure function of the register values (the same for sparse or dense
// storage and for any merge order), rounded to the nearest integer: Ertl's improved
// estimator (O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches",
// 2017; Redis uses it too), computed from the histogram of register values. It needs no
// bias tables and no switch to linear counting; the classic estimator with the switch
// at 2.5 m is biased by up to +2.4% just above the switch (measured at n = 41000).
// Error: relative standard error 1.04/sqrt(m) = 0.81% for large sets (measured rms
// 0.5% to 0.9% from 10^4 to 2*10^5 values); small sets behave as under linear counting,
// standard deviation about n/181: up to about 20 values the count is usually exact
// (it is off only when two values share a register), 100 within ±2, 1000 within 2%.
class HyperLogLog {
 public:
  static constexpr int kPrecision = 14;
  static constexpr uint32_t kRegisters = 1u << kPrecision;
  static constexpr size_t kSparseMax = 2048;  // non-zero registers kept sparse

  void add_hash(uint64_t h);
  void merge(const HyperLogLog& o);
  int64_t estimate() const;
  // Deterministic: the same registers give the same bytes. Sparse (<= 2048 non-zero
  // registers): 3 + 3 bytes per register; dense: 1 + 16384 bytes.
  void save(std::string& out) const;
  bool load(std::string_view& in);
  bool sparse() const { return dense_.empty(); }

 private:
  void make_dense();

  std::vector<uint32_t> sparse_;  // index << 8 | rank, ascending by index
  std::vector<uint8_t> dense_;    // kRegisters entries once dense, else empty
};

// A mergeable quantile sketch with a relative-error guarantee: DDSketch (Masson, Rim and
// Lee, VLDB 2019) with relative accuracy alpha = 0.005, gamma = (1+alpha)/(1-alpha).
// A value x > 0 goes to bucket i = ceil(log_gamma(x)), covering (gamma^(i-1), gamma^i];
// negative values go to the same buckets of a second store, by magnitude; values with
// |x| < 1e-300 (including subnormals and ±0) are counted as zero. NaN and ±inf are
// ignored (the caller passes finite values). Counts add on merge, so results never
// depend on order or sharding. The logarithm that picks the bucket is computed from IEEE
// basic operations, not libm, so a value lands in the same bucket on every machine.
//
// quantile(q), q in [0,1]: the value of rank floor(q*(n-1)) (0-based) in ascending order
// (the "lower" rank: q=0.5 with n=4 is the second smallest), estimated as its bucket's
// representative 2*gamma^i/(gamma+1) (with the sign of the store; 0 for the zero
// count), which is within relative error alpha of that rank's true value (values
// counted as zero give 0). NaN when empty or q is not in [0,1].
//
// Storage: per sign, a dense array of 64-bit counts from the lowest to the highest
// bucket seen: 8 bytes per bucket of span, 691 buckets (5.4 KiB) per factor of 1000
// between the smallest and largest magnitude (20..25 spans 23 buckets, 184 bytes;
// 1e-3..10 spans 922, 7.2 KiB); sizeof(DDSketch) == 80.
class DDSketch {
 public:
  static constexpr double kAlpha = 0.005;
  static constexpr double kZeroBelow = 1e-300;

  void add(double x);
  void merge(const DDSketch& o);
  uint64_t count() const { return count_; }
  double quantile(double q) const;
  // Deterministic: the same counts give the same bytes. 16 bytes + 12 per non-empty bucket.
  // load() refuses a total count above 2^62.
  void save(std::string& out) const;
  bool load(std::string_view& in);

 private:
  struct Store {
    int32_t offset = 0;            // bucket index of counts[0]
    std::vector<uint64_t> counts;  // empty when no value was added
    void add(int32_t index, uint64_t n);
  };
  Store pos_, neg_;
  uint64_t zero_ = 0;
  uint64_t count_ = 0;  // pos_ + neg_ + zero_
};

// ---- Inline fast paths ----

inline void ExactSum::add(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  const int biased = static_cast<int>(bits >> 52) & 0x7ff;
  uint64_t sig = bits & ((uint64_t(1) << 52) - 1);
  const bool negative = bits >> 63;
  if (biased == 0x7ff) {
    specials_ |= sig ? kHasNaN : negative ? kHasNegInf : kHasPosInf;
    return;
  }
  if (biased == 0 && sig == 0) return;  // ±0
  int exp2 = biased == 0 ? -1074 : biased - 1075;
  if (biased != 0) sig |= uint64_t(1) << 52;
  // Drop trailing zero bits: the exponent gets as high as it can, so the window that
  // fits the __int128 lies as high as possible (1.0 is 1 * 2^0, not 2^52 * 2^-52).
  const int tz = std::countr_zero(sig);
  sig >>= tz;
  exp2 += tz;
  // Common case: inline, and x's last bit is no finer than the accumulator's, by at
  // most 64 bits, so sig << shift < 2^117 and only the final add can overflow.
  if (!wide_ && acc_ != 0 && exp2 >= exp_ && exp2 - exp_ <= 64) {
    const int128_t v = static_cast<int128_t>(static_cast<uint128_t>(sig) << (exp2 - exp_));
    int128_t sum;
    if (!__builtin_add_overflow(acc_, negative ? -v : v, &sum)) {
      acc_ = sum;
      return;
    }
  }
  add_slow(negative, sig, exp2);
}

inline void DecimalSum::add(int64_t m, int k) {
  static constexpr int64_t kScale[kMaxScale + 1] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                                    10000,      1000,      100,      10,      1};
  assert(k >= 0 && k <= kMaxScale);
  if (sum_ == kOverflowed) return;
  // |m| * 10^9 < 2^93: the product never overflows; only the sum can.
  if (__builtin_add_overflow(sum_, static_cast<int128_t>(m) * kScale[k], &sum_)) sum_ = kOverflowed;
}

}  // namespace bk
