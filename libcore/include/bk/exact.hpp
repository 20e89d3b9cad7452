// TEMPORARY STUB (replaced by the wip-exact branch)
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <cmath>
#include <cstring>
namespace bk {
class ExactSum {
 public:
  void add(double x) { s_ += x; }
  void merge(const ExactSum& o) { s_ += o.s_; }
  double value() const { return (double)s_; }
  double mean(uint64_t n) const { return (double)(s_ / n); }
  bool is_zero() const { return s_ == 0; }
  void save(std::string& out) const { out.append((const char*)&s_, sizeof s_); }
  bool load(std::string_view& in) { if (in.size() < sizeof s_) return false; std::memcpy(&s_, in.data(), sizeof s_); in.remove_prefix(sizeof s_); return true; }
  long double s_ = 0;
};
inline void add_square(ExactSum& s2, double x) { s2.s_ += (long double)x * x; }
inline double exact_variance(const ExactSum& s1, const ExactSum& s2, uint64_t n) {
  if (n < 2) return NAN; long double m = s1.s_ / n; long double v = (s2.s_ - m * s1.s_) / (n - 1); return v < 0 ? 0 : (double)v; }
class DecimalSum {
 public:
  static constexpr int kMaxScale = 9;
  void add(int64_t m, int k) { static const int64_t p[] = {1000000000,100000000,10000000,1000000,100000,10000,1000,100,10,1}; __int128 v = (__int128)m * p[k]; if (__builtin_add_overflow(s_, v, &s_)) of_ = true; }
  void add_int(int64_t v) { add(v, 0); }
  void merge(const DecimalSum& o) { if (__builtin_add_overflow(s_, o.s_, &s_)) of_ = true; of_ |= o.of_; }
  bool overflow() const { return of_; }
  double value() const { return (double)((long double)s_ / 1e9L); }
  double mean(uint64_t n) const { return (double)((long double)s_ / 1e9L / n); }
  bool as_int64(int64_t& out) const { if (s_ % 1000000000 != 0) return false; __int128 q = s_ / 1000000000; if (q > INT64_MAX || q < INT64_MIN) return false; out = (int64_t)q; return true; }
  void save(std::string& out) const { out.append((const char*)&s_, 16); out += char(of_); }
  bool load(std::string_view& in) { if (in.size() < 17) return false; std::memcpy(&s_, in.data(), 16); of_ = in[16]; in.remove_prefix(17); return true; }
  __int128 s_ = 0; bool of_ = false;
};
class HyperLogLog {
 public:
  void add_hash(uint64_t h) { x_ ^= h; n_++; }
  void merge(const HyperLogLog& o) { n_ += o.n_; }
  int64_t estimate() const { return n_; }
  void save(std::string& out) const { out.append((const char*)&n_, 8); }
  bool load(std::string_view& in) { if (in.size() < 8) return false; std::memcpy(&n_, in.data(), 8); in.remove_prefix(8); return true; }
  uint64_t x_ = 0; int64_t n_ = 0;
};
class DDSketch {
 public:
  void add(double x) { s_ += x; n_++; }
  void merge(const DDSketch& o) { s_ += o.s_; n_ += o.n_; }
  uint64_t count() const { return n_; }
  double quantile(double) const { return n_ ? s_ / n_ : NAN; }
  void save(std::string& out) const { out.append((const char*)&s_, 8); out.append((const char*)&n_, 8); }
  bool load(std::string_view& in) { if (in.size() < 16) return false; std::memcpy(&s_, in.data(), 8); std::memcpy(&n_, in.data() + 8, 8); in.remove_prefix(16); return true; }
  double s_ = 0; uint64_t n_ = 0;
};
}
