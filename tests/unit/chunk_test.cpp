// Unit tests of the chunk format (libcore/src/chunk.cpp, chunk_stream.cpp): block and
// footer encoding and decoding called directly, the choice of integer, decimal and
// dictionary encodings (read back from the raw payload of uncompressed blocks), and
// FrameReader over bytes in memory for truncation and damage.
#include <doctest/doctest.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "bk/cat.hpp"
#include "bk/chunk.hpp"
#include "bk/error.hpp"
#include "bk/io.hpp"
#include "bk/read.hpp"
#include "bk/write.hpp"
#include "helpers.hpp"

namespace {

using namespace bk;
using bk::test::error_of;
using chunk::Codec;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
const Codec kCodecs[] = {Codec::None, Codec::Zstd, Codec::Zlib};

template <typename T>
T load(const std::string& s, size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

Column ints(const std::vector<int64_t>& v) {
  Column c;
  for (auto x : v) c.append_int(x);
  return c;
}

Column floats(const std::vector<double>& v) {
  Column c;
  for (auto x : v) c.append_double(x);
  return c;
}

Column strings(const std::vector<std::string>& v) {
  Column c;
  for (const auto& x : v) c.append_string(x);
  return c;
}

Batch one_column(std::string name, Column c) {
  Batch b;
  b.rows = c.size();
  b.add_column(std::move(name), std::move(c));
  return b;
}

std::string encode(const Batch& b, Codec codec = Codec::None, chunk::BlockInfo* info = nullptr) {
  std::string out;
  chunk::BlockInfo local;
  chunk::encode_block(b, codec, out, info ? *info : local);
  return out;
}

// Compares two batches value by value (floats bit for bit, so -0.0 is not 0.0).
void check_same(const Batch& a, const Batch& b) {
  REQUIRE(a.rows == b.rows);
  REQUIRE(a.names == b.names);
  CHECK(a.time_field == b.time_field);
  for (size_t k = 0; k < a.columns.size(); ++k) {
    const Column& x = a.columns[k];
    const Column& y = b.columns[k];
    INFO("column ", a.names[k]);
    REQUIRE(x.type == y.type);
    REQUIRE(y.size() == a.rows);
    for (int64_t i = 0; i < a.rows; ++i) {
      INFO("row ", i);
      REQUIRE(x.is_null(i) == y.is_null(i));
      if (x.is_null(i)) continue;
      switch (x.type) {
        case Type::Null: break;
        case Type::Bool:
        case Type::Int64:
        case Type::Timestamp: CHECK(x.ints[i] == y.ints[i]); break;
        case Type::Float64: {
          uint64_t bx, by;
          std::memcpy(&bx, &x.floats[i], 8);
          std::memcpy(&by, &y.floats[i], 8);
          CHECK(bx == by);
          break;
        }
        case Type::String:
        case Type::Json: CHECK(x.str(i) == y.str(i)); break;
      }
    }
  }
}

Batch roundtrip(const Batch& b, Codec codec) { return chunk::decode_block(encode(b, codec)); }

void check_roundtrip(const Batch& b) {
  for (Codec codec : kCodecs) {
    INFO("codec ", chunk::codec_name(codec));
    check_same(b, roundtrip(b, codec));
  }
}

// Where things are in an uncompressed block frame of one column named `name`.
struct OneColumnFrame {
  std::string frame;
  size_t schema_at = chunk::kBlockHeaderSize;
  size_t payload_at = 0;
  uint8_t encoding = 0;
  // With Codec::Zstd the payload is decompressed here, so byte() reads it all the same.
  explicit OneColumnFrame(const Batch& b, Codec codec = Codec::None) : frame(encode(b, codec)) {
    uint32_t schema_len = load<uint32_t>(frame, 4);
    payload_at = schema_at + schema_len;
    if (codec == Codec::Zstd) {
      std::string raw(load<uint64_t>(frame, 16), '\0');
      size_t n = ZSTD_decompress(raw.data(), raw.size(), frame.data() + payload_at, frame.size() - payload_at);
      REQUIRE(n == raw.size());
      frame = frame.substr(0, payload_at) + raw;
    }
    uint32_t name_len = load<uint32_t>(frame, schema_at + 8);
    encoding = static_cast<uint8_t>(frame[schema_at + 12 + name_len + 1]);
  }
  uint8_t byte(size_t k) const { return static_cast<uint8_t>(frame[payload_at + k]); }
};

// The mode (0: frame of reference, 1: delta) and width of the integer stream of a
// single int64 column without nulls: the first two bytes of its payload.
std::pair<int, int> int_stream_of(const std::vector<int64_t>& v) {
  OneColumnFrame f(one_column("x", ints(v)));
  return {f.byte(0), f.byte(1)};
}

// A block frame from a schema and an uncompressed payload, with a valid checksum:
// for damage that the checksum cannot catch because the writer made it.
std::string craft_frame(const std::string& schema, const std::string& payload, uint64_t rows) {
  std::string f(chunk::kBlockHeaderSize, '\0');
  std::memcpy(f.data(), chunk::kBlockTag, 4);
  uint32_t schema_len = static_cast<uint32_t>(schema.size());
  uint64_t len = payload.size();
  std::memcpy(f.data() + 4, &schema_len, 4);
  std::memcpy(f.data() + 8, &len, 8);
  std::memcpy(f.data() + 16, &len, 8);
  std::memcpy(f.data() + 24, &rows, 8);
  f += schema;
  f += payload;
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, f.data(), 40);
  XXH3_64bits_update(&st, f.data() + chunk::kBlockHeaderSize, f.size() - chunk::kBlockHeaderSize);
  uint64_t sum = XXH3_64bits_digest(&st);
  std::memcpy(f.data() + 40, &sum, 8);
  return f;
}

std::string schema_of(const std::string& name, Type type, uint8_t encoding, uint64_t nulls) {
  std::string s;
  put<uint32_t>(s, 1);
  put<int32_t>(s, -1);
  put<uint32_t>(s, static_cast<uint32_t>(name.size()));
  s += name;
  s += static_cast<char>(type);
  s += static_cast<char>(encoding);
  put<uint16_t>(s, 0);
  put<uint64_t>(s, nulls);
  return s;
}

// An integer stream in frame-of-reference mode, width 8.
std::string for8(const std::vector<uint64_t>& v) {
  std::string s;
  s += char(0);
  s += char(8);
  put<int64_t>(s, 0);
  for (auto x : v) put<uint64_t>(s, x);
  return s;
}

// A whole chunk stream as ChunkWriter writes it: header, blocks, footer.
struct Stream {
  std::string bytes;
  std::vector<uint64_t> block_end;  // byte offset just past each block
  chunk::Footer footer;
};

Stream make_stream(const std::vector<Batch>& batches, Codec codec = Codec::Zstd) {
  Stream s;
  chunk::encode_file_header(s.bytes);
  for (const auto& b : batches) {
    chunk::BlockInfo info;
    info.offset = s.bytes.size();
    chunk::encode_block(b, codec, s.bytes, info);
    info.offset = s.bytes.size() - info.frame_len;
    s.footer.rows += info.rows;
    s.footer.blocks.push_back(info);
    s.block_end.push_back(s.bytes.size());
  }
  chunk::encode_footer(s.footer, s.bytes.size(), s.bytes);
  return s;
}

std::vector<Batch> three_batches() {
  std::vector<Batch> out;
  for (int k = 0; k < 3; ++k) {
    Batch b;
    b.rows = 4;
    Column id, dev;
    for (int i = 0; i < 4; ++i) {
      id.append_int(k * 10 + i);
      dev.append_string("d" + std::to_string(i % 3));
    }
    b.add_column("id", std::move(id));
    b.add_column("dev", std::move(dev));
    out.push_back(std::move(b));
  }
  return out;
}

// Reads every frame of `bytes` and decodes it; returns the blocks decoded and, in
// `error`, the message of the error that ended the reading ("" at a clean end).
int64_t read_all(const std::string& bytes, bool with_payload, std::string& error) {
  auto in = memory_reader(bytes);
  chunk::FrameReader frames(*in, "mem.bkc");
  std::string frame;
  int64_t n = 0;
  error.clear();
  try {
    while (frames.next(frame, with_payload)) {
      if (with_payload) chunk::decode_block(frame);
      ++n;
      CHECK(frames.block_no() == n);
    }
  } catch (const Error& e) {
    CHECK(e.file() == "mem.bkc");
    error = e.what();
  }
  return n;
}

}  // namespace

TEST_SUITE("chunk") {

TEST_CASE("every type round-trips, with nulls in every type") {
  Batch b;
  Column n = Column::nulls(0), bo, i, f, s, t, j;
  for (int r = 0; r < 6; ++r) {
    n.append_null();
    bool null = r % 3 == 1;
    if (null) {
      bo.append_null(), i.append_null(), f.append_null(), s.append_null(), t.append_null(), j.append_null();
      continue;
    }
    bo.append_bool(r % 2 == 0);
    i.append_int(r == 0 ? kMin : r == 5 ? kMax : r * 1000);
    f.append_double(r == 0 ? -0.0 : r == 2 ? 1e308 : r == 3 ? 5e-324 : 7.416);
    s.append_string(r == 0 ? "" : r == 2 ? "h\xc3\xa9\xe2\x98\x83 \"q\" \\ \n\t" : "x");
    t.append_timestamp(r == 0 ? 0 : 1772366400000000 + r);
    j.append_json(r == 0 ? "{\"a\":[1,2]}" : "[]");
  }
  b.rows = 6;
  for (auto& [name, col] : std::vector<std::pair<std::string, Column*>>{
           {"n", &n}, {"b", &bo}, {"i", &i}, {"f", &f}, {"s", &s}, {"t", &t}, {"j", &j}})
    b.add_column(name, std::move(*col));
  b.time_field = 5;
  REQUIRE(b.columns[0].type == Type::Null);
  REQUIRE(b.columns[5].type == Type::Timestamp);
  check_roundtrip(b);
}

TEST_CASE("columns of only nulls, zero rows and a long string round-trip") {
  Column c;
  for (int r = 0; r < 5; ++r) c.append_null();
  check_roundtrip(one_column("nothing", std::move(c)));

  for (Type t : {Type::Bool, Type::Int64, Type::Float64, Type::String}) {
    Column e;
    e.type = t;
    INFO("type ", type_name(t));
    check_roundtrip(one_column("empty", std::move(e)));
  }
  Batch none;
  check_roundtrip(none);

  std::string big(1 << 20, 'x');
  for (size_t k = 0; k < big.size(); k += 997) big[k] = static_cast<char>('a' + k % 26);
  check_roundtrip(one_column("big", strings({big, "", big.substr(0, 1000)})));
}

TEST_CASE("highly compressible blocks decode with every codec") {
  // 2M false bools (256 KiB of zero bits) and 200k copies of one raw double: compress
  // far better than typical data, and must not trip the raw length plausibility checks.
  Batch b;
  b.rows = 2'000'000;
  Column bits, same;
  for (int64_t i = 0; i < b.rows; ++i) {
    bits.append_bool(false);
    if (i % 10 == 0) same.append_double(0.1 + 0.2);
    else same.append_null();
  }
  b.add_column("bits", std::move(bits));
  b.add_column("same", std::move(same));
  for (Codec codec : kCodecs) {
    INFO("codec ", chunk::codec_name(codec));
    std::string frame = encode(b, codec);
    Batch back = chunk::decode_block(frame);
    REQUIRE(back.rows == b.rows);
    CHECK(back.columns[0].valid.count() == b.rows);
    CHECK(back.columns[1].valid.count() == 200'000);
    CHECK(back.columns[1].floats[10] == 0.1 + 0.2);
    if (codec == Codec::Zstd) CHECK(frame.size() < 64 * 1024);
  }
}

TEST_CASE("integer streams: frame of reference widths 0, 1, 2, 4, 8") {
  CHECK(int_stream_of({5, 5, 5, 5}) == std::pair(0, 0));
  CHECK(int_stream_of({0, 255, 0}) == std::pair(0, 1));
  CHECK(int_stream_of({0, 256, 0}) == std::pair(0, 2));
  CHECK(int_stream_of({0, 65535, 0}) == std::pair(0, 2));
  CHECK(int_stream_of({0, 65536, 0}) == std::pair(0, 4));
  CHECK(int_stream_of({0, 4294967295, 0}) == std::pair(0, 4));
  CHECK(int_stream_of({0, 4294967296, 0}) == std::pair(0, 8));
  CHECK(int_stream_of({kMin, 0, kMax}) == std::pair(0, 8));
  CHECK(int_stream_of({-1000, -745, -1000}) == std::pair(0, 1));  // range 255 from a negative base
  CHECK(int_stream_of({42}) == std::pair(0, 0));                   // one value: never delta
  for (auto v : std::vector<std::vector<int64_t>>{{0, 255, 0}, {0, 65536, 0}, {kMin, 0, kMax}, {-1000, -745, -1000}})
    check_roundtrip(one_column("x", ints(v)));
}

TEST_CASE("integer streams: delta when narrower, frame of reference on a tie") {
  std::vector<int64_t> seq;
  for (int64_t i = 0; i < 1000; ++i) seq.push_back(1'000'000 + i);
  CHECK(int_stream_of(seq) == std::pair(1, 0));                 // constant step: width 0
  CHECK(int_stream_of({0, 10, 20, 30}) == std::pair(1, 0));
  CHECK(int_stream_of({100, 90, 80}) == std::pair(1, 0));      // negative step
  CHECK(int_stream_of({0, 1000, 2001, 3000}) == std::pair(1, 1));
  CHECK(int_stream_of({0, 100, 50}) == std::pair(0, 1));       // delta width 1 = FOR width 1: FOR
  CHECK(int_stream_of({0, 200, 0}) == std::pair(0, 1));        // deltas span 400: FOR
  // Deltas that wrap around int64: max-1, max, min, min+1 step by +1 in wrapping arithmetic.
  CHECK(int_stream_of({kMax - 1, kMax, kMin, kMin + 1}) == std::pair(1, 0));
  // min, max, min, max: the wrapped steps are -1 and +1, so delta beats FOR's width 8.
  CHECK(int_stream_of({kMin, kMax, kMin, kMax}) == std::pair(1, 1));
  CHECK(int_stream_of({0, kMax, 0}) == std::pair(0, 8));  // steps +max and -max: width 8 either way
  std::vector<std::vector<int64_t>> cases = {seq,          {100, 90, 80}, {0, 1000, 2001, 3000},
                                             {kMax - 1, kMax, kMin, kMin + 1}, {kMin, kMax, kMin, kMax}, {0, 100, 50}};
  for (const auto& v : cases)
    check_roundtrip(one_column("x", ints(v)));
}

TEST_CASE("integer streams: nulls take the previous value, so the step stays constant") {
  Column c;
  for (int64_t i = 0; i < 300; ++i) {
    if (i % 10 == 3) c.append_null();
    else c.append_int(500 + i);
  }
  Batch b = one_column("x", std::move(c));
  OneColumnFrame f(b);
  size_t bitmap = (300 + 7) / 8;  // the validity bitmap comes first
  CHECK(f.byte(bitmap) == 1);      // delta (FOR would need width 2 for the range 299)
  CHECK(f.byte(bitmap + 1) == 1);  // steps of 0, 1 and 2: width 1
  check_roundtrip(b);
}

TEST_CASE("decimal scale detection") {
  auto probe = [](std::vector<double> v) {
    OneColumnFrame f(one_column("x", floats(v)));
    return f.encoding == 1 ? int(f.byte(0)) : -1;  // -1: raw doubles
  };
  CHECK(probe({7.416}) == 3);
  CHECK(probe({7.416, 12.5, 100}) == 3);
  CHECK(probe({1.0, 2.0, -3.0}) == 0);
  CHECK(probe({0.001}) == 3);
  CHECK(probe({1.5, 2.25}) == 2);
  CHECK(probe({0.1 + 0.2}) == -1);
  CHECK(probe({7.416, 0.1 + 0.2}) == -1);
  CHECK(probe({-0.0}) == -1);
  CHECK(probe({1.0, -0.0}) == -1);
  CHECK(probe({0.0}) == 0);
  CHECK(probe({std::nan("")}) == -1);
  CHECK(probe({std::numeric_limits<double>::infinity()}) == -1);
  CHECK(probe({-std::numeric_limits<double>::infinity()}) == -1);
  CHECK(probe({1e308}) == -1);
  CHECK(probe({5e-324}) == -1);
  CHECK(probe({1e-15}) == 15);
  CHECK(probe({1e-16}) == -1);
  CHECK(probe({9007199254740991.0}) == 0);  // 2^53 - 1
  CHECK(probe({9007199254740992.0}) == -1);

  for (auto v : std::vector<std::vector<double>>{{7.416, 12.5, 100}, {0.1 + 0.2}, {-0.0, 1.0}, {1e308, 5e-324}, {1e-15},
                                                 {std::numeric_limits<double>::infinity(), 2.5}}) {
    check_roundtrip(one_column("x", floats(v)));
  }
  // NaN: compared by bit pattern too.
  check_roundtrip(one_column("x", floats({std::nan(""), 1.25})));
}

TEST_CASE("strings: dictionary for few distinct values, plain otherwise") {
  auto encoding_of = [](const Column& c) { return OneColumnFrame(one_column("s", c)).encoding; };
  std::vector<std::string> low, high, short_low;
  for (int i = 0; i < 200; ++i) {
    low.push_back("device-" + std::to_string(i % 5));
    high.push_back("reading-" + std::to_string(i * 7919));
  }
  for (int i = 0; i < 63; ++i) short_low.push_back("same");
  CHECK(encoding_of(strings(low)) == 1);
  CHECK(encoding_of(strings(high)) == 0);
  CHECK(encoding_of(strings(short_low)) == 0);  // under 64 rows: never a dictionary
  short_low.push_back("same");
  CHECK(encoding_of(strings(short_low)) == 1);  // 64 rows

  Column with_nulls;
  for (int i = 0; i < 100; ++i) {
    if (i % 4 == 0) with_nulls.append_null();
    else with_nulls.append_string(i % 8 == 1 ? "" : "v" + std::to_string(i % 3));
  }
  CHECK(encoding_of(with_nulls) == 1);
  for (const Column* c : {&with_nulls}) check_roundtrip(one_column("s", *c));
  check_roundtrip(one_column("s", strings(low)));
  check_roundtrip(one_column("s", strings(high)));

  Column json;
  for (int i = 0; i < 100; ++i) json.append_json(i % 2 ? "{\"a\":1}" : "[1,2]");
  CHECK(encoding_of(json) == 1);
  check_roundtrip(one_column("j", json));
}

TEST_CASE("strings: fixed width, stored transposed") {
  // Only in compressed blocks: transposing helps the compressor, and costs without one.
  auto frame_of = [](const Column& c) { return OneColumnFrame(one_column("s", c), Codec::Zstd); };
  std::vector<std::string> ts;
  for (int i = 0; i < 16; ++i) ts.push_back("2026-01-" + std::to_string(10 + i) + "T17:07:0" + std::to_string(i % 10) + "Z");
  OneColumnFrame f = frame_of(strings(ts));
  REQUIRE(f.encoding == 2);
  // The width, then byte 0 of every value, byte 1 of every value, ...
  CHECK(load<uint32_t>(f.frame, f.payload_at) == 20);
  std::string payload = f.frame.substr(f.payload_at + 4);
  REQUIRE(payload.size() == 16 * 20);
  for (int k = 0; k < 20; ++k)
    for (int j = 0; j < 16; ++j) CHECK(payload[k * 16 + j] == ts[j][k]);
  check_roundtrip(one_column("s", strings(ts)));
  CHECK(OneColumnFrame(one_column("s", strings(ts)), Codec::None).encoding == 0);
  CHECK(OneColumnFrame(one_column("s", strings(ts)), Codec::Zlib).encoding == 2);

  // Too few values, two widths, an empty value, values wider than 64 bytes: plain.
  std::vector<std::string> few(ts.begin(), ts.begin() + 15);
  CHECK(frame_of(strings(few)).encoding == 0);
  std::vector<std::string> mixed = ts;
  mixed[7] = "2026-01-17";
  CHECK(frame_of(strings(mixed)).encoding == 0);
  std::vector<std::string> empty(20, "");
  CHECK(frame_of(strings(empty)).encoding == 0);
  std::vector<std::string> wide, widest;
  for (int i = 0; i < 20; ++i) {
    wide.push_back(std::string(64, char('a' + i)));
    widest.push_back(std::string(65, char('a' + i)));
  }
  CHECK(frame_of(strings(wide)).encoding == 2);
  CHECK(frame_of(strings(widest)).encoding == 0);
  check_roundtrip(one_column("s", strings(wide)));

  // Nulls take no bytes; the valid values are transposed among themselves.
  Column with_nulls;
  for (int i = 0; i < 40; ++i) {
    if (i % 3 == 0) with_nulls.append_null();
    else with_nulls.append_string("id-" + std::to_string(100 + i));
  }
  OneColumnFrame n = frame_of(with_nulls);
  CHECK(n.encoding == 2);
  // After the validity bitmap (5 bytes): width 6 and 26 values of 6 bytes.
  CHECK(load<uint32_t>(n.frame, n.payload_at + 5) == 6);
  CHECK(n.frame.size() - n.payload_at == 5 + 4 + 26 * 6);
  check_roundtrip(one_column("s", with_nulls));

  // JSON of one width too.
  Column json;
  for (int i = 0; i < 30; ++i) json.append_json("{\"a\":" + std::to_string(i % 10) + "}");
  CHECK(frame_of(json).encoding == 2);
  check_roundtrip(one_column("j", json));

  // Damage: a width of 0, and values that run past the block.
  std::string w0;
  put<uint32_t>(w0, 0);
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 2, 0), w0, 1)); })
            .find("fixed-width strings run past the end of their block") != std::string::npos);
  std::string short_data;
  put<uint32_t>(short_data, 4);
  short_data += "abcdefg";  // 2 rows of 4 need 8 bytes
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 2, 0), short_data, 2)); })
            .find("fixed-width strings run past the end of their block") != std::string::npos);
  std::string huge;
  put<uint32_t>(huge, 0xFFFFFFFF);
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 2, 0), huge, 3)); })
            .find("fixed-width strings run past the end of their block") != std::string::npos);
  // Encoding 2 exists for strings and json only.
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type::Float64, 2, 0), "", 0)); })
            .find("unknown column encoding") != std::string::npos);
}

TEST_CASE("decoding only some columns: the others are walked over, the event-time column kept") {
  // Every type and encoding, with and without nulls, 200 rows.
  Batch b;
  Column n = Column::nulls(0), bo, i, dec, raw, dict, fixed, plain, t, j;
  for (int r = 0; r < 200; ++r) {
    n.append_null();
    bool null = r % 7 == 3;
    if (null) {
      bo.append_null(), i.append_null(), dec.append_null(), raw.append_null(), dict.append_null();
      fixed.append_null(), plain.append_null(), t.append_null(), j.append_null();
      continue;
    }
    bo.append_bool(r % 2 == 0);
    i.append_int(r * 1000 - 7);
    dec.append_double(r * 0.125);
    raw.append_double(r * 0.1 + 1e-9);
    dict.append_string("site-" + std::to_string(r % 4));
    fixed.append_string("m-" + std::to_string(100000 + r));
    plain.append_string(std::string(static_cast<size_t>(r % 5), 'x'));
    t.append_timestamp(1772366400000000 + r);
    j.append_json(r % 2 ? "{\"a\":1}" : "[1,22]");
  }
  b.rows = 200;
  for (auto& [name, col] : std::vector<std::pair<std::string, Column*>>{{"n", &n}, {"bo", &bo}, {"i", &i}, {"dec", &dec},
                                                                         {"raw", &raw}, {"dict", &dict}, {"fixed", &fixed},
                                                                         {"plain", &plain}, {"t", &t}, {"j", &j}})
    b.add_column(name, std::move(*col));
  b.time_field = 8;
  for (Codec codec : kCodecs) {
    INFO("codec ", chunk::codec_name(codec));
    std::string frame = encode(b, codec);
    for (const std::string& keep : b.names) {
      INFO("keeping ", keep);
      std::vector<std::string> only{keep, "absent"};
      Batch d = chunk::decode_block(frame, &only);
      // The kept column and the event-time column, in schema order, equal to the originals.
      Batch want;
      want.rows = b.rows;
      for (size_t k = 0; k < b.names.size(); ++k)
        if (b.names[k] == keep || k == 8) {
          if (k == 8) want.time_field = static_cast<int>(want.columns.size());
          want.add_column(b.names[k], Column(b.columns[k]));
        }
      check_same(want, d);
    }
    std::vector<std::string> none;
    Batch d = chunk::decode_block(frame, &none);
    REQUIRE(d.names == std::vector<std::string>{"t"});
    CHECK(d.time_field == 0);
  }
  // A skipped column is still checked for its lengths: a plain string column whose
  // lengths run past the block, skipped, is damage all the same.
  std::vector<std::string> other{"other"};
  CHECK(error_of([&] {
          chunk::decode_block(craft_frame(schema_of("s", Type::String, 0, 0), for8({5}) + "abc", 1), &other);
        }).find("a column runs past the end of its block") != std::string::npos);
  std::string w0;
  put<uint32_t>(w0, 0);
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 2, 0), w0, 1), &other); })
            .find("fixed-width strings run past the end of their block") != std::string::npos);
  CHECK(error_of([&] {
          chunk::decode_block(craft_frame(schema_of("x", Type::Int64, 0, 0), for8({1, 2}) + "!", 2), &other);
        }).find("unused bytes after the last column") != std::string::npos);
}

TEST_CASE("block statistics") {
  Batch b;
  b.rows = 5;
  Column i, f, s, bo, t, longs;
  for (int r = 0; r < 5; ++r) {
    if (r == 2) {
      i.append_null(), f.append_null(), s.append_null(), bo.append_null(), t.append_null(), longs.append_null();
      continue;
    }
    i.append_int(r == 0 ? 7 : -3 * r);
    f.append_double(r == 1 ? std::nan("") : r * 1.5 - 2);
    s.append_string(r == 3 ? "apple" : "pear" + std::to_string(r));
    bo.append_bool(r == 4);
    t.append_timestamp(1000000 * r);
    longs.append_string(std::string(r == 4 ? 65 : 64, 'z'));
  }
  b.add_column("i", std::move(i));
  b.add_column("f", std::move(f));
  b.add_column("s", std::move(s));
  b.add_column("bo", std::move(bo));
  b.add_column("t", std::move(t));
  b.add_column("long", std::move(longs));
  chunk::BlockInfo info;
  std::string frame = encode(b, Codec::Zstd, &info);
  CHECK(info.rows == 5);
  CHECK(info.frame_len == frame.size());
  REQUIRE(info.columns.size() == 6);
  const auto& c = info.columns;
  CHECK(c[0].name == "i");
  CHECK(c[0].nulls == 1);
  CHECK(c[0].has_minmax);
  CHECK(c[0].min_i == -12);
  CHECK(c[0].max_i == 7);
  CHECK(c[1].min_f == -2.0);  // NaN is left out
  CHECK(c[1].max_f == 4.0);
  CHECK(c[2].min_s == "apple");
  CHECK(c[2].max_s == "pear4");
  CHECK(c[3].min_i == 0);
  CHECK(c[3].max_i == 1);
  CHECK(c[4].type == Type::Timestamp);
  CHECK(c[4].min_i == 0);
  CHECK(c[4].max_i == 4000000);
  CHECK(c[5].nulls == 1);
  CHECK_FALSE(c[5].has_minmax);  // a value over 64 bytes: no string min/max

  Column all_null;
  for (int r = 0; r < 3; ++r) all_null.append_null();
  chunk::BlockInfo info2;
  encode(one_column("n", std::move(all_null)), Codec::None, &info2);
  CHECK(info2.columns[0].nulls == 3);
  CHECK_FALSE(info2.columns[0].has_minmax);
}

TEST_CASE("a damaged block: checksum mismatch, and every byte is covered") {
  Batch b = three_batches()[0];
  for (Codec codec : kCodecs) {
    std::string frame = encode(b, codec);
    for (size_t k = 0; k < frame.size(); ++k) {
      std::string bad = frame;
      bad[k] ^= 1;
      INFO("codec ", chunk::codec_name(codec), " byte ", k);
      std::string msg = error_of([&] { chunk::decode_block(bad); });
      CHECK(msg != "(no error)");
      if (k >= 40) CHECK(msg.find("checksum mismatch") != std::string::npos);
    }
  }
  std::string frame = encode(b, Codec::Zstd);
  frame.back() ^= 0x40;
  CHECK(error_of([&] { chunk::decode_block(frame); }) ==
        "checksum mismatch (the file is damaged; the blocks before this one are intact)");
  CHECK(error_of([&] { chunk::decode_block(std::string_view(frame).substr(0, 47)); }) ==
        "damaged: block shorter than its header (the file is corrupt; the blocks before this one are intact)");
  CHECK(error_of([&] { chunk::decode_block(std::string_view(frame).substr(0, frame.size() - 1)); })
            .find("block lengths do not add up") != std::string::npos);
}

TEST_CASE("crafted blocks with a valid checksum are still checked") {
  // An int64 column whose stream claims 3 values of 8 bytes but holds 2.
  std::string p = for8({1, 2});
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type::Int64, 0, 0), p, 3)); })
            .find("a column runs past the end of its block") != std::string::npos);
  // Unknown integer encoding (width 3).
  std::string w3;
  w3 += char(0);
  w3 += char(3);
  put<int64_t>(w3, 0);
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type::Int64, 0, 0), w3, 1)); })
            .find("unknown integer encoding") != std::string::npos);
  // Bytes left over.
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type::Int64, 0, 0), for8({1, 2}) + "!", 2)); })
            .find("unused bytes after the last column") != std::string::npos);
  // A null column that claims values.
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type::Null, 0, 1), "", 2)); })
            .find("a null column has values") != std::string::npos);
  // Unknown type.
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("x", Type(9), 0, 0), "", 0)); })
            .find("unknown column type") != std::string::npos);
  // Dictionary index out of range: dictionary of one value, index 1.
  std::string d;
  put<uint32_t>(d, 1);
  d += for8({1});
  d += "a";
  d += for8({1});
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 1, 0), d, 1)); })
            .find("dictionary index out of range") != std::string::npos);
  // A plain string longer than the block.
  CHECK(error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 0, 0), for8({5}) + "abc", 1)); })
            .find("a column runs past the end of its block") != std::string::npos);
}

// Regression: plain string lengths were summed without a bound, so lengths whose sum
// wraps past 2^64 (2^63-1 + 2^63-1 + 2 = 0) passed the check against the bytes left
// and gave a column whose offsets point far past its bytes: reading it read wild memory.
TEST_CASE("regression: string lengths whose sum wraps around are damage") {
  const uint64_t big = uint64_t(kMax);
  std::string payload = for8({big, big, 2});
  std::string msg = error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 0, 0), payload, 3)); });
  CHECK(msg.find("damaged: ") == 0);
  // The same lengths in a dictionary.
  std::string d;
  put<uint32_t>(d, 3);
  d += for8({big, big, 2});
  d += for8({0, 1, 2});
  msg = error_of([&] { chunk::decode_block(craft_frame(schema_of("s", Type::String, 1, 0), d, 3)); });
  CHECK(msg.find("damaged: ") == 0);
}

// Regression: decode_block allocated (and zeroed) the raw length a block header
// declares before checking it against the stored bytes: a 207-byte file declaring
// 4 GiB made bk-cat use 4.2 GB of memory and 9 s before reporting the damage.
TEST_CASE("regression: a raw length larger than its payload allows is refused before allocating") {
  auto peak_kb = [] {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<int64_t>(ru.ru_maxrss);
  };
  const uint64_t huge = uint64_t(1) << 30;
  std::string schema = schema_of("x", Type::Int64, 0, 0);
  std::string raw = for8({1, 2});
  auto with_raw_len = [&](Codec codec, std::string payload, uint64_t raw_len) {
    std::string f = craft_frame(schema, payload, 2);
    f[32] = static_cast<char>(codec);
    std::memcpy(f.data() + 16, &raw_len, 8);
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, f.data(), 40);
    XXH3_64bits_update(&st, f.data() + chunk::kBlockHeaderSize, f.size() - chunk::kBlockHeaderSize);
    uint64_t sum = XXH3_64bits_digest(&st);
    std::memcpy(f.data() + 40, &sum, 8);
    return f;
  };
  std::string zs(ZSTD_compressBound(raw.size()), '\0');
  zs.resize(ZSTD_compress(zs.data(), zs.size(), raw.data(), raw.size(), 1));
  uLongf zl_len = compressBound(static_cast<uLong>(raw.size()));
  std::string zl(zl_len, '\0');
  compress2(reinterpret_cast<Bytef*>(zl.data()), &zl_len, reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 1);
  zl.resize(zl_len);
  // The frames decode with their true raw length.
  CHECK(chunk::decode_block(with_raw_len(Codec::None, raw, raw.size())).columns[0].ints == std::vector<int64_t>{1, 2});
  CHECK(chunk::decode_block(with_raw_len(Codec::Zstd, zs, raw.size())).columns[0].ints == std::vector<int64_t>{1, 2});
  CHECK(chunk::decode_block(with_raw_len(Codec::Zlib, zl, raw.size())).columns[0].ints == std::vector<int64_t>{1, 2});

  int64_t before = peak_kb();
  std::vector<std::pair<Codec, std::string>> cases = {{Codec::None, raw}, {Codec::Zstd, zs}, {Codec::Zlib, zl}};
  for (const auto& [codec, payload] : cases) {
    INFO("codec ", chunk::codec_name(codec));
    CHECK(error_of([&] { chunk::decode_block(with_raw_len(codec, payload, huge)); }) ==
          "damaged: stored and raw lengths differ (the file is corrupt; the blocks before this one are intact)");
  }
  CHECK(peak_kb() - before < 256 * 1024);
}

// Regression (found by tests/fuzz): a float64 column stored raw in a block of 0 rows
// was copied with memcpy(nullptr, p, 0), undefined behaviour that UBSan reports (this
// test fails in the BK_SANITIZE build). The writer never stores an empty column raw
// (it is "decimal" at scale 0), so only a crafted or damaged block has one.
TEST_CASE("regression: a raw float64 column of 0 rows") {
  Batch b = chunk::decode_block(craft_frame(schema_of("f", Type::Float64, 0, 0), "", 0));
  CHECK(b.rows == 0);
  REQUIRE(b.columns.size() == 1);
  CHECK(b.columns[0].type == Type::Float64);
  CHECK(b.columns[0].size() == 0);
  // And with rows: the raw path itself.
  std::string payload;
  put<double>(payload, -0.0);
  put<double>(payload, 0.1 + 0.2);
  Batch two = chunk::decode_block(craft_frame(schema_of("f", Type::Float64, 0, 0), payload, 2));
  CHECK(std::signbit(two.columns[0].floats[0]));
  CHECK(two.columns[0].floats[1] == 0.1 + 0.2);
}

TEST_CASE("footer round trip with statistics of every type") {
  chunk::Footer f;
  chunk::BlockInfo b1, b2;
  b1.offset = 16;
  b1.frame_len = 200;
  b1.rows = 3;
  b2.offset = 216;
  b2.frame_len = 99;
  b2.rows = 2;
  chunk::ColumnStats si{"i", Type::Int64, 1, true, kMin, kMax, 0, 0, "", ""};
  chunk::ColumnStats sf{"f", Type::Float64, 0, true, 0, 0, -0.5, 1e308, "", ""};
  chunk::ColumnStats ss{"s", Type::String, 2, true, 0, 0, 0, 0, "", "zz\xc3\xa9"};
  chunk::ColumnStats st{"t", Type::Timestamp, 0, true, -5, 1772366400000000, 0, 0, "", ""};
  chunk::ColumnStats sn{"n", Type::Null, 3, false, 0, 0, 0, 0, "", ""};
  b1.columns = {si, sf, ss, st, sn};
  b2.columns = {si};
  f.blocks = {b1, b2};
  f.rows = 5;
  std::string out;
  chunk::encode_footer(f, 315, out);
  REQUIRE(out.size() > chunk::kFooterHeaderSize + 8 + chunk::kTrailerSize);
  CHECK(out.substr(0, 4) == "BKFT");
  CHECK(out.substr(out.size() - 8) == "BKC-END\n");
  CHECK(load<uint64_t>(out, out.size() - 16) == 315 + out.size());
  uint64_t body = load<uint64_t>(out, 8);
  CHECK(body == out.size() - chunk::kFooterHeaderSize - 8 - chunk::kTrailerSize);
  std::string hb = out.substr(0, chunk::kFooterHeaderSize + body);
  uint64_t sum = load<uint64_t>(out, hb.size());
  chunk::Footer g = chunk::decode_footer(hb, sum);
  CHECK(g.rows == 5);
  REQUIRE(g.blocks.size() == 2);
  CHECK(g.blocks[1].offset == 216);
  CHECK(g.blocks[1].frame_len == 99);
  CHECK(g.blocks[0].rows == 3);
  REQUIRE(g.blocks[0].columns.size() == 5);
  const auto& c = g.blocks[0].columns;
  CHECK(c[0].min_i == kMin);
  CHECK(c[0].max_i == kMax);
  CHECK(c[0].nulls == 1);
  CHECK(c[1].min_f == -0.5);
  CHECK(c[1].max_f == 1e308);
  CHECK(c[2].min_s == "");
  CHECK(c[2].max_s == "zz\xc3\xa9");
  CHECK(c[3].type == Type::Timestamp);
  CHECK(c[3].max_i == 1772366400000000);
  CHECK(c[4].type == Type::Null);
  CHECK_FALSE(c[4].has_minmax);

  CHECK(error_of([&] { chunk::decode_footer(hb, sum ^ 1); }) ==
        "checksum mismatch (the file is corrupt; its blocks may still be read)");
  std::string longer = hb + "x";
  CHECK(error_of([&] { chunk::decode_footer(longer, XXH3_64bits(longer.data(), longer.size())); }) ==
        "unused bytes at its end (the file is corrupt; its blocks may still be read)");
  std::string shorter = hb.substr(0, hb.size() - 3);
  CHECK(error_of([&] { chunk::decode_footer(shorter, XXH3_64bits(shorter.data(), shorter.size())); }) ==
        "its contents run past its end (the file is corrupt; its blocks may still be read)");
}

TEST_CASE("FrameReader: a whole stream, its footer, and the schemas without payloads") {
  Stream s = make_stream(three_batches());
  std::string err;
  CHECK(read_all(s.bytes, true, err) == 3);
  CHECK(err == "");
  CHECK(read_all(s.bytes, false, err) == 3);
  CHECK(err == "");

  auto in = memory_reader(s.bytes);
  chunk::FrameReader frames(*in, "mem.bkc");
  std::string frame;
  std::vector<uint64_t> offsets;
  while (frames.next(frame, false)) {
    offsets.push_back(frames.block_offset());
    int tf = 0;
    auto schema = chunk::decode_block_schema(frame, tf);
    REQUIRE(schema.size() == 2);
    CHECK(schema[0] == std::pair<std::string, Type>("id", Type::Int64));
    CHECK(schema[1] == std::pair<std::string, Type>("dev", Type::String));
    CHECK(tf == -1);
  }
  CHECK(offsets == std::vector<uint64_t>{16, s.block_end[0], s.block_end[1]});
  REQUIRE(frames.footers().size() == 1);
  CHECK(frames.footers()[0].rows == 12);
  CHECK(frames.footers()[0].blocks.size() == 3);

  // Two segments back to back (cat a.bkc b.bkc), and an empty segment between.
  Stream empty = make_stream({});
  std::string two = s.bytes + empty.bytes + s.bytes;
  CHECK(read_all(two, true, err) == 6);
  CHECK(err == "");
  CHECK(read_all(empty.bytes, true, err) == 0);
  CHECK(err == "");
  CHECK(read_all("", true, err) == 0);
  CHECK(err == "");
}

TEST_CASE("FrameReader: truncation at every byte offset") {
  Stream s = make_stream(three_batches());
  for (bool with_payload : {true, false}) {
    for (size_t p = 1; p < s.bytes.size(); ++p) {
      INFO("prefix ", p, with_payload ? " with payloads" : " without payloads");
      std::string err;
      int64_t n = read_all(s.bytes.substr(0, p), with_payload, err);
      int64_t whole = 0;
      while (whole < 3 && s.block_end[whole] <= p) ++whole;
      CHECK(n == whole);
      REQUIRE(err != "");
      CHECK(err.rfind("mem.bkc: truncated: ", 0) == 0);
    }
  }
}

// Regression: the truncation hint counted the blocks before the last block header
// read, so a file cut inside its footer (or inside the tag after a block) said one
// intact block fewer than it had ("the 2 blocks before it are intact" with 3 intact),
// and one block was "the 1 block before it are intact".
TEST_CASE("regression: a truncation hint counts every intact block") {
  Stream s = make_stream(three_batches());
  std::string err;
  auto cut_at = [&](size_t p) {
    read_all(s.bytes.substr(0, p), true, err);
    return err;
  };
  CHECK(cut_at(s.bytes.size() - 1) ==
        "mem.bkc: truncated: the file ends inside the footer (the file was cut short; the 3 blocks before it are "
        "intact)");
  CHECK(cut_at(s.block_end[2] + 2) ==
        "mem.bkc: truncated: the file ends inside the frame after block 3 (the file was cut short; the 3 blocks "
        "before it are intact)");
  CHECK(cut_at(s.block_end[0] + 2) ==
        "mem.bkc: truncated: the file ends inside the frame after block 1 (the file was cut short; the block before "
        "it is intact)");
  CHECK(cut_at(s.block_end[0] + 10) ==
        "mem.bkc: truncated: the file ends inside block 2 (the file was cut short; the block before it is intact)");
  CHECK(cut_at(s.block_end[1] + 60) ==
        "mem.bkc: truncated: the file ends inside block 3 (the file was cut short; the 2 blocks before it are intact)");
  CHECK(cut_at(30) == "mem.bkc: truncated: the file ends inside block 1 (the file was cut short)");
  CHECK(cut_at(18) == "mem.bkc: truncated: the file ends inside the frame after block 0 (the file was cut short)");
  CHECK(cut_at(9) == "mem.bkc: truncated: the file ends inside a file header (the file was cut short)");
  CHECK(cut_at(s.block_end[1]) ==
        "mem.bkc: truncated: no footer after block 2 (the file was cut short; its blocks are intact)");
  // Without payloads (--stats, --schema) the counts are the same.
  read_all(s.bytes.substr(0, s.block_end[1] + 60), false, err);
  CHECK(err ==
        "mem.bkc: truncated: the file ends inside block 3 (the file was cut short; the 2 blocks before it are intact)");
}

TEST_CASE("FrameReader: damaged tags, footers and trailers") {
  Stream s = make_stream(three_batches());
  std::string err;
  auto damaged = [&](size_t at, const char* bytes, size_t n) {
    std::string d = s.bytes;
    d.replace(at, n, bytes, n);
    return d;
  };
  // Garbage where block 2 should start.
  CHECK(read_all(damaged(s.block_end[0], "XXXX", 4), true, err) == 1);
  CHECK(err.find("mem.bkc: damaged: unexpected bytes at byte " + std::to_string(s.block_end[0]) + " after block 1") ==
        0);
  // Garbage where the file header should be.
  CHECK(read_all(damaged(0, "XXXX", 4), true, err) == 0);
  CHECK(err.find("mem.bkc: damaged: expected a chunk file header at byte 0") == 0);
  // A version from the future.
  CHECK(read_all(damaged(8, "\x03", 1), true, err) == 0);
  CHECK(err == "mem.bkc: chunk format version 3 is not supported (this build reads versions 1 to 2) (upgrade batchkit)");
  // Files of version 1 (no fixed-width strings) still read.
  CHECK(static_cast<uint8_t>(s.bytes[8]) == 2);
  CHECK(read_all(damaged(8, "\x01", 1), true, err) == 3);
  CHECK(err.empty());
  // Reserved header bytes.
  CHECK(read_all(damaged(12, "\x01", 1), true, err) == 0);
  CHECK(err.find("reserved bytes are not zero") != std::string::npos);
  // The trailer's magic and its length.
  CHECK(read_all(damaged(s.bytes.size() - 1, "?", 1), true, err) == 3);
  CHECK(err == "mem.bkc: damaged trailer after block 3 (the file is corrupt)");
  CHECK(read_all(damaged(s.bytes.size() - 16, "\x07", 1), true, err) == 3);
  CHECK(err == "mem.bkc: damaged trailer after block 3 (the file is corrupt)");
  CHECK(read_all(damaged(s.bytes.size() - 24, "\x07", 1), true, err) == 3);  // the footer's length
  CHECK(err == "mem.bkc: damaged trailer after block 3 (the file is corrupt)");
  // The footer's checksum.
  CHECK(read_all(damaged(s.bytes.size() - 32, "\x07", 1), true, err) == 3);
  CHECK(err ==
        "mem.bkc: damaged footer after block 3: checksum mismatch (the file is corrupt; its blocks may still be read)");

  // A footer that does not list the blocks before it (valid checksum): one block left out.
  chunk::Footer f = s.footer;
  f.blocks.pop_back();
  f.rows -= 4;
  std::string bytes = s.bytes.substr(0, s.block_end[2]);
  chunk::encode_footer(f, bytes.size(), bytes);
  CHECK(read_all(bytes, true, err) == 3);
  CHECK(err ==
        "mem.bkc: the footer after block 3 does not match the blocks before it (blocks were lost or altered; the file "
        "is corrupt)");
  // A new file header before the footer of the one before.
  std::string cut = s.bytes.substr(0, s.block_end[0]) + s.bytes;
  CHECK(read_all(cut, true, err) == 1);
  CHECK(err.find("a new file starts at byte " + std::to_string(s.block_end[0]) + " before the footer") !=
        std::string::npos);
}

// Regression: a block whose tag had one damaged byte was reported as "unexpected bytes
// after block N-1", without naming block N; a damaged footer tag or magic likewise.
TEST_CASE("regression: a damaged frame tag names its block, footer or file header") {
  Stream s = make_stream(three_batches());
  size_t footer_at = s.block_end[2];
  for (size_t k = 0; k < 4; ++k) {
    INFO("tag byte ", k);
    std::string err;
    std::string d = s.bytes;
    d[s.block_end[0] + k] ^= 1;
    CHECK(read_all(d, true, err) == 1);
    CHECK(err == "mem.bkc: block 2 (byte " + std::to_string(s.block_end[0]) +
                     "): damaged: bad block tag (the file is corrupt; the blocks before this one are intact)");
    d = s.bytes;
    d[footer_at + k] ^= 1;
    CHECK(read_all(d, true, err) == 3);
    CHECK(err ==
          "mem.bkc: damaged footer after block 3: bad footer tag (the file is corrupt; its blocks may still be read)");
    d = s.bytes;
    d[k] ^= 1;
    CHECK(read_all(d, true, err) == 0);
    CHECK(err == "mem.bkc: damaged file header at byte 0 (this is not an intact chunk file)");
    // The second file of a concatenation.
    d = s.bytes + s.bytes;
    d[s.bytes.size() + k] ^= 1;
    CHECK(read_all(d, true, err) == 3);
    CHECK(err == "mem.bkc: damaged file header at byte " + std::to_string(s.bytes.size()) +
                     " (this is not an intact chunk file)");
  }
  std::string err;
  std::string d = s.bytes;
  d[footer_at + 15] = 0x7f;  // body length
  CHECK(read_all(d, true, err) == 3);
  CHECK(err == "mem.bkc: damaged footer after block 3: implausible length (the file is corrupt)");
}

TEST_CASE("--stats shows timestamps from the footer, and --schema names the event-time field") {
  Batch b;
  b.rows = 3;
  Column t, v;
  t.append_timestamp(1772366400000000);  // 2026-03-01T12:00:00Z
  t.append_null();
  t.append_timestamp(1772366400123000);
  v.append_int(1);
  v.append_int(2);
  v.append_int(3);
  b.add_column("ts", std::move(t));
  b.add_column("v", std::move(v));
  b.time_field = 0;
  Stream s = make_stream({b});
  char dir[] = "/tmp/bk-chunk-test-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/t.bkc", out = std::string(dir) + "/out.json";
  std::ofstream(path, std::ios::binary) << s.bytes;

  auto run = [&](CatOptions::Mode mode) {
    Context ctx;
    ctx.tool = "bk-cat";
    CatOptions opts;
    opts.mode = mode;
    opts.inputs = {path};
    opts.output = out;
    run_cat(ctx, opts);
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::string want_stats = "{\"file\":\"" + path + "\",\"bytes\":" + std::to_string(s.bytes.size()) +
                           ",\"blocks\":1,\"rows\":3,\"columns\":["
                           "{\"name\":\"ts\",\"type\":\"timestamp\",\"nulls\":1,\"min\":\"2026-03-01T12:00:00Z\","
                           "\"max\":\"2026-03-01T12:00:00.123Z\"},"
                           "{\"name\":\"v\",\"type\":\"int64\",\"nulls\":0,\"min\":1,\"max\":3}]}\n";
  CHECK(run(CatOptions::Mode::Stats) == want_stats);
  CHECK(run(CatOptions::Mode::Schema) ==
        "{\"fields\":[{\"name\":\"ts\",\"type\":\"timestamp\"},{\"name\":\"v\",\"type\":\"int64\"}],"
        "\"time_field\":\"ts\"}\n");
  std::remove(path.c_str());
  std::remove(out.c_str());
  ::rmdir(dir);
}

}  // TEST_SUITE
