// bk-bench-gen: deterministic meter readings for the benchmark workloads.
//
// This is a fast twin of shared/bench/gen.py (the reference generator the DuckDB figures
// were taken on): the same fields, in the same order, with the same formats and the same
// distributions, written as compact JSON one record per line. It does not reproduce
// Python's Mersenne Twister stream; it draws from a fixed-seed xoshiro256** instead, so
// the bytes differ from gen.py's but the shape and statistics do not, and the output is
// byte-identical for the same arguments on every run and machine. A run with fewer rows
// writes a prefix of a run with more (one stream, drawn row by row).
//
// The one subtle part is the floats. Python writes `round(x, 3)` through `repr`: the
// exact binary value of x correctly rounded (half to even) to 3 decimals, then the
// shortest text that reads back to that double. That text is the rounded decimal itself
// with trailing zeros dropped down to one ("3.0", "0.1", "7.416"), because no shorter
// decimal lies as close to it. std::to_chars(fixed, precision) rounds the exact binary
// value the same way, so we print with the precision and trim the zeros.
//
// Record, as gen.py writes it:
//   {"ts":"2026-03-14T09:26:53Z","device":"m-004711","site":"s-11","value":7.416,
//    "temp":21.3,"status":"ok","seq":0}
//   ts      uniform over the seconds of 2026 (UTC), RFC 3339 with Z
//   device  m-%06d, uniform over NDEVICES;  site  s-%02d = device % 50
//   value   round(random * 10, 3);  temp  null 2%, else round(15 + random * 10, 1)
//   status  ok 97%; of the rest warn 80%, else fault;  seq  the row index
// Device table: device, customer c-%06d = d / 3, region by d % 5,
//   tariff round(0.1 + (d % 7) * 0.02, 2), kind by d % 3.

#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

constexpr std::string_view kUsage =
    "Write deterministic meter readings and a device table (NDJSON) for the benchmarks.\n"
    "Usage: bk-bench-gen ROWS READINGS_OUT DEVICES_OUT [NDEVICES]\n"
    "\n"
    "  ROWS         number of readings to write\n"
    "  READINGS_OUT readings file (ts, device, site, value, temp, status, seq)\n"
    "  DEVICES_OUT  device table (device, customer, region, tariff, kind)\n"
    "  NDEVICES     number of devices (default 20000)\n"
    "\n"
    "Same fields, formats and distributions as shared/bench/gen.py, from a fixed-seed\n"
    "generator: the same arguments always give the same bytes. Files are written to a\n"
    "temporary name and renamed into place when complete.\n"
    "\n"
    "Example:\n"
    "  bk-bench-gen 2000000 readings.ndjson devices.ndjson   about 235 MB\n";

constexpr std::uint64_t kSeed = 42;
constexpr std::int64_t kYearStart = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::uint64_t kYearSeconds = 365 * 86400;
constexpr std::array<std::string_view, 5> kRegions = {"north", "south", "east", "west", "central"};
constexpr std::array<std::string_view, 3> kKinds = {"water", "power", "gas"};

// xoshiro256** seeded through splitmix64 (Blackman & Vigna), the standard recipe.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) {
      seed += 0x9e3779b97f4a7c15;
      auto z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
      z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    auto result = std::rotl(s_[1] * 5, 7) * 9;
    auto t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits, like Python's random.random().
  double random() { return static_cast<double>(next() >> 11) * 0x1p-53; }

  // Uniform in [0, n) without bias, like randrange(n): reject the few draws below
  // 2^64 mod n so that every residue is equally likely.
  std::uint64_t below(std::uint64_t n) {
    auto threshold = -n % n;
    auto r = next();
    while (r < threshold) r = next();
    return r % n;
  }

 private:
  std::array<std::uint64_t, 4> s_;
};

// A file written through one large buffer, to a temporary name renamed into place by
// commit(). Errors end the program: this is a test tool with one job.
class Output {
 public:
  explicit Output(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp-" + std::to_string(getpid())) {
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_) fail("cannot create");
    buf_ = static_cast<char*>(std::malloc(kCapacity));
  }
  ~Output() {
    std::free(buf_);
    if (file_) {
      std::fclose(file_);
      std::remove(tmp_.c_str());
    }
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Room for at least one record; every append below stays within kSlack bytes.
  char* reserve() {
    if (len_ + kSlack > kCapacity) flush();
    return buf_ + len_;
  }
  void advance(char* end) { len_ = static_cast<std::size_t>(end - buf_); }

  void commit() {
    flush();
    auto rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) fail("cannot write");
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename into place");
  }

  static constexpr std::size_t kSlack = 512;

 private:
  static constexpr std::size_t kCapacity = std::size_t{1} << 22;

  void flush() {
    if (len_ && std::fwrite(buf_, 1, len_, file_) != len_) fail("cannot write");
    len_ = 0;
  }
  [[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "bk-bench-gen: error: %s: %s (%s)\n", path_.c_str(), what, std::strerror(errno));
    if (file_) std::fclose(file_);
    std::remove(tmp_.c_str());
    std::exit(1);
  }

  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  char* buf_ = nullptr;
  std::size_t len_ = 0;
};

char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// n in decimal, zero-padded to at least `width` digits (Python's f"{n:0{width}d}").
char* put_padded(char* p, std::uint64_t n, int width) {
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  for (auto pad = width - (end - digits); pad > 0; --pad) *p++ = '0';
  return put(p, {digits, static_cast<std::size_t>(end - digits)});
}

// repr(round(x, decimals)) for a finite x below 1e16: x correctly rounded to `decimals`
// places, trailing zeros dropped but one digit kept after the point.
char* put_rounded(char* p, double x, int decimals) {
  auto end = std::to_chars(p, p + 32, x, std::chars_format::fixed, decimals).ptr;
  while (end[-1] == '0' && end[-2] != '.') --end;
  return end;
}

// Two-digit field with a leading zero.
char* put2(char* p, unsigned n) {
  *p++ = static_cast<char>('0' + n / 10);
  *p++ = static_cast<char>('0' + n % 10);
  return p;
}

// Seconds since the epoch → "YYYY-MM-DDTHH:MM:SSZ" (Hinnant's civil_from_days).
char* put_timestamp(char* p, std::int64_t t) {
  auto days = t / 86400, secs = t % 86400;
  auto z = days + 719468;
  auto era = z / 146097;
  auto doe = z - era * 146097;
  auto yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  auto doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  auto mp = (5 * doy + 2) / 153;
  auto day = doy - (153 * mp + 2) / 5 + 1;
  auto month = mp < 10 ? mp + 3 : mp - 9;
  auto year = yoe + era * 400 + (month <= 2);
  p = put_padded(p, static_cast<std::uint64_t>(year), 4);
  *p++ = '-';
  p = put2(p, static_cast<unsigned>(month));
  *p++ = '-';
  p = put2(p, static_cast<unsigned>(day));
  *p++ = 'T';
  p = put2(p, static_cast<unsigned>(secs / 3600));
  *p++ = ':';
  p = put2(p, static_cast<unsigned>(secs / 60 % 60));
  *p++ = ':';
  p = put2(p, static_cast<unsigned>(secs % 60));
  *p++ = 'Z';
  return p;
}

void write_devices(const std::string& path, std::uint64_t ndevices) {
  Output out(path);
  for (std::uint64_t d = 0; d < ndevices; ++d) {
    auto p = out.reserve();
    p = put(p, R"({"device":"m-)");
    p = put_padded(p, d, 6);
    p = put(p, R"(","customer":"c-)");
    p = put_padded(p, d / 3, 6);
    p = put(p, R"(","region":")");
    p = put(p, kRegions[d % 5]);
    p = put(p, R"(","tariff":)");
    p = put_rounded(p, 0.1 + static_cast<double>(d % 7) * 0.02, 2);
    p = put(p, R"(,"kind":")");
    p = put(p, kKinds[d % 3]);
    p = put(p, "\"}\n");
    out.advance(p);
  }
  out.commit();
}

void write_readings(const std::string& path, std::uint64_t rows, std::uint64_t ndevices) {
  Output out(path);
  Rng rng(kSeed);
  for (std::uint64_t i = 0; i < rows; ++i) {
    // Draw in gen.py's order: device, ts, value, temp, status.
    auto d = rng.below(ndevices);
    auto ts = kYearStart + static_cast<std::int64_t>(rng.below(kYearSeconds));
    auto value = rng.random() * 10;
    auto temp_null = rng.random() < 0.02;
    auto temp = temp_null ? 0.0 : 15 + rng.random() * 10;
    auto status = rng.random() < 0.97 ? "ok" : (rng.random() < 0.8 ? "warn" : "fault");

    auto p = out.reserve();
    p = put(p, R"({"ts":")");
    p = put_timestamp(p, ts);
    p = put(p, R"(","device":"m-)");
    p = put_padded(p, d, 6);
    p = put(p, R"(","site":"s-)");
    p = put_padded(p, d % 50, 2);
    p = put(p, R"(","value":)");
    p = put_rounded(p, value, 3);
    p = put(p, R"(,"temp":)");
    p = temp_null ? put(p, "null") : put_rounded(p, temp, 1);
    p = put(p, R"(,"status":")");
    p = put(p, status);
    p = put(p, R"(","seq":)");
    p = std::to_chars(p, p + 20, i).ptr;
    p = put(p, "}\n");
    out.advance(p);
  }
  out.commit();
}

// A whole non-negative decimal integer, or false.
bool parse_count(const char* s, std::uint64_t& n) {
  auto end = s + std::strlen(s);
  auto [ptr, ec] = std::from_chars(s, end, n);
  return ec == std::errc() && ptr == end && ptr != s;
}

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "bk-bench-gen: error: %s (see bk-bench-gen --help)\n", what.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
    return 0;
  }
  if (argc < 4 || argc > 5) usage_error("expected ROWS READINGS_OUT DEVICES_OUT [NDEVICES]");

  std::uint64_t rows = 0, ndevices = 20000;
  if (!parse_count(argv[1], rows)) usage_error(std::string("ROWS must be a whole number, not '") + argv[1] + "'");
  if (argc == 5 && (!parse_count(argv[4], ndevices) || ndevices == 0 || ndevices > 999999999))
    usage_error(std::string("NDEVICES must be a whole number from 1 to 999999999, not '") + argv[4] + "'");

  // The device table, then the readings (gen.py's order).
  write_devices(argv[3], ndevices);
  write_readings(argv[2], rows, ndevices);
  return 0;
}
