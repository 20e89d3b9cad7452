// libcore/src/join*.cpp: bk-join at sizes the golden cases do not reach (a build side of
// several index chunks, many probe blocks), its output against a direct computation,
// the same bytes for any thread count and block size, and the flags' errors.
#include "bk/join.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <map>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;

namespace {

struct Result {
  std::string out;
  std::string error;
};

Result join(JoinOptions o, int threads = 4, int64_t block_bytes = 0) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, threads);
  Context ctx;
  ctx.threads = threads;
  ctx.block_bytes = block_bytes;
  TempDir dir;
  o.output = dir / "out.ndjson";
  Result r;
  try {
    run_join(ctx, o);
    r.out = slurp(o.output);
  } catch (const Error& e) {
    r.error = e.what();
  }
  return r;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  for (size_t p = 0; p < s.size();) {
    size_t e = s.find('\n', p);
    out.push_back(s.substr(p, e - p));
    p = e + 1;
  }
  return out;
}

// A left of `n` records keyed i * 7 % keys (some keys the right lacks), a right of
// `m` records keyed j % right_keys: each key the right has, m / right_keys times.
struct Sides {
  TempDir dir;
  std::string left, right;
  Sides(int n, int m, int keys, int right_keys) {
    std::string l, r;
    for (int i = 0; i < n; ++i) l += "{\"i\":" + std::to_string(i) + ",\"k\":" + std::to_string(i * 7 % keys) + "}\n";
    for (int j = 0; j < m; ++j) r += "{\"k\":" + std::to_string(j % right_keys) + ",\"j\":" + std::to_string(j) + "}\n";
    left = dir.write("left.ndjson", l);
    right = dir.write("right.ndjson", r);
  }
  // The two joined on k.
  JoinOptions on_k(const char* type, const char* build) const {
    JoinOptions o;
    o.left = left;
    o.right = right;
    o.on = "k";
    o.type = type;
    o.build = build;
    return o;
  }
};

}  // namespace

TEST_SUITE_BEGIN("join");

TEST_CASE("a build side of several index chunks: every pair, in the documented order, for any -j and block size") {
  const int n = 20000, m = 150000, keys = 60000, right_keys = 50000;
  Sides s(n, m, keys, right_keys);
  JoinOptions o = s.on_k("inner", "right");
  Result r = join(o);
  REQUIRE(r.error == "");
  // Each left record i with k < right_keys has the right's j = k, k + right_keys, … in order.
  std::string want;
  for (int i = 0; i < n; ++i) {
    int k = i * 7 % keys;
    for (int j = k; j < m && k < right_keys; j += right_keys)
      want += "{\"i\":" + std::to_string(i) + ",\"k\":" + std::to_string(k) + ",\"j\":" + std::to_string(j) + "}\n";
  }
  CHECK(r.out == want);
  CHECK(join(o, 1).out == want);
  CHECK(join(o, 4, 4096).out == want);
  CHECK(join(o, 2, 100000).out == want);
}

TEST_CASE("right and full joins: every unmatched record once, after the pairs, in its input's order") {
  const int n = 30000, m = 90000, keys = 40000, right_keys = 45000;
  Sides s(n, m, keys, right_keys);
  JoinOptions o = s.on_k("right", "right");
  Result r = join(o, 4, 8192);
  REQUIRE(r.error == "");
  auto lines = lines_of(r.out);
  std::map<int, int> left_of_key;  // the keys the left has
  for (int i = 0; i < n; ++i) left_of_key[i * 7 % keys] += 1;
  std::vector<std::string> unmatched;
  int64_t pairs = 0;
  for (int j = 0; j < m; ++j) {
    int k = j % right_keys;
    auto it = left_of_key.find(k);
    if (it == left_of_key.end())
      unmatched.push_back("{\"i\":null,\"k\":" + std::to_string(k) + ",\"j\":" + std::to_string(j) + "}");
    else
      pairs += it->second;
  }
  REQUIRE(static_cast<int64_t>(lines.size()) == pairs + static_cast<int64_t>(unmatched.size()));
  CHECK(std::vector<std::string>(lines.end() - unmatched.size(), lines.end()) == unmatched);
  CHECK(join(o, 1, 8192).out == r.out);
  // The left built: the same records, the right's order first.
  o.build = "left";
  Result l = join(o, 4, 8192);
  REQUIRE(l.error == "");
  auto built_left = lines_of(l.out);
  CHECK(built_left.size() == lines.size());
  CHECK(lines_of(join(o, 1).out) == built_left);
  // Full: the right join's records, then the left's unmatched ones (keys >= right_keys).
  std::vector<std::string> left_unmatched;
  for (int i = 0; i < n; ++i)
    if (i * 7 % keys >= right_keys)
      left_unmatched.push_back("{\"i\":" + std::to_string(i) + ",\"k\":" + std::to_string(i * 7 % keys) +
                               ",\"j\":null}");
  Result f = join(s.on_k("full", "left"), 4, 8192);
  REQUIRE(f.error == "");
  auto full = lines_of(f.out);
  REQUIRE(full.size() == built_left.size() + left_unmatched.size());
  CHECK(std::vector<std::string>(full.begin(), full.begin() + built_left.size()) == built_left);
  CHECK(std::vector<std::string>(full.end() - left_unmatched.size(), full.end()) == left_unmatched);
}

TEST_CASE("semi and anti: the left's records, in the left's order, whichever side is built") {
  Sides s(5000, 3000, 4000, 1000);
  for (const char* type : {"semi", "anti"}) {
    CAPTURE(type);
    JoinOptions o = s.on_k(type, "auto");
    std::string want;
    for (int i = 0; i < 5000; ++i) {
      int k = i * 7 % 4000;
      if ((k < 1000) == (std::string(type) == "semi"))
        want += "{\"i\":" + std::to_string(i) + ",\"k\":" + std::to_string(k) + "}\n";
    }
    for (const char* build : {"left", "right"}) {
      o.build = build;
      CHECK(join(o, 4, 2048).out == want);
      CHECK(join(o, 1).out == want);
    }
  }
}

TEST_CASE("as-of: the latest right record at or before, per key, whatever the input order") {
  TempDir dir;
  // Right: for key k, times k*10 + {0, 5, 5} minutes past midnight (a tie at 5), shuffled.
  std::string l, r;
  for (int k = 0; k < 500; ++k) {
    for (int d : {5, 0, 5}) {
      int minute = k % 100 * 10 + d;
      char t[64];
      std::snprintf(t, sizeof t, "2026-03-01T%02d:%02d:00Z", minute / 60, minute % 60);
      r += "{\"k\":" + std::to_string(k) + ",\"t\":\"" + t + "\",\"n\":" + std::to_string(r.size()) + "}\n";
    }
    int minute = k % 100 * 10 + 7;
    char t[64];
    std::snprintf(t, sizeof t, "2026-03-01T%02d:%02d:00Z", minute / 60, minute % 60);
    l += "{\"k\":" + std::to_string(k) + ",\"t\":\"" + t + "\"}\n";
  }
  JoinOptions o;
  o.left = dir.write("l.ndjson", l);
  o.right = dir.write("r.ndjson", r);
  o.on = "k";
  o.asof = "t";
  Result res = join(o, 4, 1024);
  REQUIRE(res.error == "");
  auto lines = lines_of(res.out);
  REQUIRE(lines.size() == 500);
  auto rl = lines_of(r);
  for (int k = 0; k < 500; k += 37) {
    // The third record of key k (the second at +5 minutes) is the last of the tie.
    std::string third = rl[3 * k + 2];
    std::string n = third.substr(third.find("\"n\":"));
    CHECK(lines[k].find(n) != std::string::npos);
  }
  o.tolerance = "1m";
  for (const auto& line : lines_of(join(o).out)) CHECK(line.find("\"n\":null") != std::string::npos);
}

TEST_CASE("flags: the errors, before anything is read") {
  JoinOptions o;
  o.left = "/nonexistent/left";
  o.right = "/nonexistent/right";
  auto error = [&](auto change) {
    JoinOptions c = o;
    change(c);
    return join(c).error;
  };
  CHECK(error([](JoinOptions&) {}) ==
        "--on is needed: the key fields to join on (e.g. --on device, or --on device=meter where the right calls it "
        "otherwise)");
  CHECK(error([](JoinOptions& c) { c.on = "a,b=,c"; }).rfind("--on: 'a,b=,c' is not a list of fields", 0) == 0);
  CHECK(error([](JoinOptions& c) { c.on = "a=b,a=c"; }) == "--on: 'a' is named twice (name each key field once)");
  CHECK(error([](JoinOptions& c) {
          c.on = "k";
          c.type = "outer";
        }) == "--type: 'outer' is not a join type (one of inner, left, right, full, semi, anti, asof)");
  CHECK(error([](JoinOptions& c) { c.asof = "t,u"; }) ==
        "--asof: 't,u' names more than one field (give one time field; the other keys go to --on)");
  CHECK(error([](JoinOptions& c) {
          c.on = "t";
          c.asof = "t";
        }) ==
        "--asof: 't' is a key of --on too (--on names the fields that must be equal, --asof the time to match by)");
  CHECK(error([](JoinOptions& c) {
          c.asof = "t";
          c.tolerance = "5 min";
        }).rfind("--tolerance: '5 min' is neither a duration nor a number", 0) == 0);
  CHECK(error([](JoinOptions& c) {
          c.asof = "t";
          c.build = "left";
        }).rfind("--build left: as-of joins build on the right", 0) == 0);
  CHECK(error([](JoinOptions& c) {
          c.on = "k";
          c.where = "x >";
        }).rfind("--where:", 0) == 0);
  CHECK(error([](JoinOptions& c) {
          c.on = "k";
          c.tz = "Mars/Olympus";
        }).find("Mars/Olympus") != std::string::npos);
  // Good flags: then the inputs are looked at.
  CHECK(error([](JoinOptions& c) { c.on = "k"; }).find("/nonexistent/left") != std::string::npos);
}

TEST_SUITE_END();
