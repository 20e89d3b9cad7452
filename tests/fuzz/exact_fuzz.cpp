// libFuzzer target for the exact aggregation states (bk/exact.hpp). The first byte picks
// what the rest is:
//   0-3  the saved bytes of an ExactSum, DecimalSum, HyperLogLog or DDSketch: load must
//        never crash, and what it accepts must save back to the very bytes it consumed;
//        the loaded state is then read and merged with itself;
//   4    doubles (8 bytes each): added in order, in reverse, and as two merged halves,
//        the states must save the same bytes and give the same bits.
// A crash, a sanitizer report or a trap is a bug.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bk/exact.hpp"

namespace {

template <class T>
std::string saved(const T& s) {
  std::string out;
  s.save(out);
  return out;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

template <class T, class Read>
void load_one(std::string_view bytes, Read read) {
  T t;
  std::string_view in = bytes;
  if (!t.load(in)) {
    check(in.size() == bytes.size());
    check(saved(t) == saved(T{}));
    return;
  }
  const std::string_view consumed = bytes.substr(0, bytes.size() - in.size());
  check(saved(t) == consumed);
  read(t);
  T twice = t;
  twice.merge(t);
  const std::string again = saved(twice);
  std::string_view in2 = again;
  T u;
  if constexpr (std::is_same_v<T, bk::DDSketch>) {
    if (twice.count() > uint64_t(1) << 62) {  // beyond what load takes
      check(!u.load(in2));
      return;
    }
  }
  check(u.load(in2) && in2.empty());
  read(u);
}

bool same(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

void orders(std::string_view bytes) {
  std::vector<double> v(bytes.size() / 8);
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * 8);
  bk::ExactSum fwd, rev, half[2], sq_fwd, sq_rev;
  bk::DDSketch d_fwd, d_rev;
  for (size_t i = 0; i < v.size(); ++i) {
    fwd.add(v[i]);
    half[i % 2].add(v[i]);
    bk::add_square(sq_fwd, v[i]);
    d_fwd.add(v[i]);
    rev.add(v[v.size() - 1 - i]);
    bk::add_square(sq_rev, v[v.size() - 1 - i]);
    d_rev.add(v[v.size() - 1 - i]);
  }
  half[1].merge(half[0]);
  const std::string b = saved(fwd);
  check(saved(rev) == b && saved(half[1]) == b);
  check(same(fwd.value(), rev.value()) && same(fwd.value(), half[1].value()));
  check(same(fwd.mean(v.size() + 1), half[1].mean(v.size() + 1)));
  check(saved(sq_fwd) == saved(sq_rev));
  const double var = bk::exact_variance(fwd, sq_fwd, v.size());
  check(same(var, bk::exact_variance(rev, sq_rev, v.size())));
  check(std::isnan(var) || var >= 0);
  check(saved(d_fwd) == saved(d_rev));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: load_one<bk::ExactSum>(rest, [](const bk::ExactSum& s) { (void)s.value(), (void)s.mean(3); }); break;
    case 1: load_one<bk::DecimalSum>(rest, [](const bk::DecimalSum& s) { (void)s.value(), (void)s.mean(7); }); break;
    case 2: load_one<bk::HyperLogLog>(rest, [](const bk::HyperLogLog& s) { check(s.estimate() >= 0); }); break;
    case 3:
      load_one<bk::DDSketch>(rest, [](const bk::DDSketch& s) {
        const double m = s.quantile(0.5);
        check(s.count() == 0 ? std::isnan(m) : std::isfinite(m));
      });
      break;
    default: orders(rest);
  }
  return 0;
}
