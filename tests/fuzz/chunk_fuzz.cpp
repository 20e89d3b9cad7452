// A libFuzzer target for the chunk reader: bytes in, never a crash.
//
// Every input goes through the real reading path twice:
//
//   1. as it is: bk::memory_reader -> chunk::FrameReader -> parse_chunk/decode_block
//      for every frame, and once more with the payloads skipped (what --schema and
//      --stats do) -> decode_block_schema and the footers;
//   2. with every block and footer checksum (and the trailer's length) rewritten to
//      match, so that mutations get past the checksums into the column decoders and
//      the footer decoder, which a random byte string would otherwise never reach.
//
// bk::Error is the one allowed way to fail. Any other exception, a signal, or a
// sanitizer report is a bug. A block that decodes is also checked for consistency
// (every column holds `rows` values, string offsets stay inside their bytes) and
// must survive encode_block -> decode_block unchanged: names, types, event-time
// column, validity and every value (floats bit for bit).
//
// Limits: a block may legitimately declare millions of rows that take no payload
// (all null, or an integer stream of width 0), so the decoded size is not bounded
// by the input size. Blocks declaring more than kMaxRows rows or kMaxRaw raw bytes
// are walked but not decoded, to keep within libFuzzer's memory limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "bk/chunk.hpp"
#include "bk/error.hpp"
#include "bk/io.hpp"
#include "bk/read.hpp"

namespace {

namespace chunk = bk::chunk;

constexpr uint64_t kMaxRows = 4096;
constexpr uint64_t kMaxRaw = uint64_t(1) << 22;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "chunk_fuzz: %s\n", what);
  std::abort();
}

template <typename T>
T load(const std::string& s, size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}

template <typename T>
void store(std::string& s, size_t at, T v) {
  std::memcpy(s.data() + at, &v, sizeof v);
}

// Rewrites the checksums of every frame that parses (see the top of this file).
// Walks the frames the way FrameReader does and stops at anything else.
void repair_checksums(std::string& s) {
  size_t at = 0, segment = 0;
  while (at + 4 <= s.size()) {
    const char* p = s.data() + at;
    if (std::memcmp(p, chunk::kFileMagic, 4) == 0) {
      segment = at;
      at += chunk::kFileHeaderSize;
    } else if (std::memcmp(p, chunk::kBlockTag, 4) == 0) {
      if (at + chunk::kBlockHeaderSize > s.size()) return;
      uint64_t schema_len = load<uint32_t>(s, at + 4), payload_len = load<uint64_t>(s, at + 8);
      if (schema_len > s.size() || payload_len > s.size()) return;  // (their sum could wrap)
      uint64_t len = chunk::kBlockHeaderSize + schema_len + payload_len;
      if (len > s.size() - at) return;
      XXH3_state_t st;
      XXH3_64bits_reset(&st);
      XXH3_64bits_update(&st, p, 40);
      XXH3_64bits_update(&st, p + chunk::kBlockHeaderSize, len - chunk::kBlockHeaderSize);
      store<uint64_t>(s, at + 40, XXH3_64bits_digest(&st));
      at += len;
    } else if (std::memcmp(p, chunk::kFooterTag, 4) == 0) {
      if (at + chunk::kFooterHeaderSize > s.size()) return;
      uint64_t body = load<uint64_t>(s, at + 8);
      if (body > s.size() || at + chunk::kFooterHeaderSize + body + 8 + chunk::kTrailerSize > s.size()) return;
      size_t sum_at = at + chunk::kFooterHeaderSize + body;
      store<uint64_t>(s, sum_at, XXH3_64bits(p, chunk::kFooterHeaderSize + body));
      store<uint64_t>(s, sum_at + 8, sum_at + 8 + chunk::kTrailerSize - segment);
      at = sum_at + 8 + chunk::kTrailerSize;
    } else {
      return;
    }
  }
}

// Everything a reader can observe of a batch: names, types, validity and the values,
// floats bit for bit. (Not through the NDJSON writer: its text formatting is not what
// is tested here, and it has a bug of its own, timestamps near INT64_MIN overflow.)
std::string describe(const bk::Batch& b) {
  std::string s = std::to_string(b.rows) + " rows, time field " + std::to_string(b.time_field) + "\n";
  for (size_t k = 0; k < b.columns.size(); ++k) {
    const bk::Column& c = b.columns[k];
    s += b.names[k] + "/" + std::string(bk::type_name(c.type)) + ":";
    for (int64_t i = 0; i < c.size(); ++i) {
      s += ' ';
      if (c.is_null(i)) {
        s += "null";
        continue;
      }
      switch (c.type) {
        case bk::Type::Null: s += "?"; break;
        case bk::Type::Bool:
        case bk::Type::Int64:
        case bk::Type::Timestamp: s += std::to_string(c.ints[i]); break;
        case bk::Type::Float64: {
          uint64_t bits;
          std::memcpy(&bits, &c.floats[i], 8);
          s += std::to_string(bits);
          break;
        }
        case bk::Type::String:
        case bk::Type::Json:
          s += std::to_string(c.str(i).size()) + ":";
          s += c.str(i);
          break;
      }
    }
    s += "\n";
  }
  return s;
}

void check_consistent(const bk::Batch& b) {
  if (b.names.size() != b.columns.size()) fail("names and columns differ in number");
  for (const auto& c : b.columns) {
    if (c.size() != b.rows) fail("a column's length differs from the row count");
    size_t n = static_cast<size_t>(b.rows);
    switch (c.type) {
      case bk::Type::Null: break;
      case bk::Type::Bool:
      case bk::Type::Int64:
      case bk::Type::Timestamp:
        if (c.ints.size() != n) fail("integer column of the wrong length");
        break;
      case bk::Type::Float64:
        if (c.floats.size() != n) fail("float column of the wrong length");
        break;
      case bk::Type::String:
      case bk::Type::Json:
        if (c.offsets.size() != n + 1) fail("string offsets of the wrong length");
        for (size_t i = 0; i < n; ++i)
          if (c.offsets[i] > c.offsets[i + 1]) fail("string offsets go backwards");
        if (c.offsets[n] > c.bytes.size()) fail("string offsets run past the bytes");
        break;
    }
  }
}

void check_block(const std::string& frame, int64_t block_no) {
  chunk::BlockHeader h;
  try {
    h = chunk::parse_block_header(frame.data());
  } catch (const bk::Error&) {
    return;
  }
  if (h.rows > kMaxRows || h.raw_len > kMaxRaw) return;

  // The reading path bk-cat takes: parse_chunk stores errors in the batch.
  bk::RawBlock raw;
  raw.format = bk::Format::Chunk;
  raw.frame = frame;
  raw.block_no = block_no;
  bk::Batch b = bk::parse_block(raw);
  if (b.error) {
    try {
      std::rethrow_exception(b.error);
    } catch (const bk::Error&) {
      return;
    }
  }
  check_consistent(b);

  // Whatever decodes must encode and decode back to the same records.
  std::string once = describe(b);
  auto codec = static_cast<chunk::Codec>(frame.size() % 3);
  std::string out;
  chunk::BlockInfo info;
  chunk::encode_block(b, codec, out, info);
  if (info.frame_len != out.size() || info.rows != h.rows) fail("encode_block's BlockInfo disagrees with its frame");
  bk::Batch again;
  try {
    again = chunk::decode_block(out);
  } catch (const bk::Error& e) {
    std::fprintf(stderr, "chunk_fuzz: %s\n", e.what());
    fail("a re-encoded block does not decode");
  }
  if (describe(again) != once) {
    std::fprintf(stderr, "before:\n%s\nafter:\n%s\n", once.c_str(), describe(again).c_str());
    fail("a block changed in an encode/decode round trip");
  }
}

void walk(const std::string& bytes, bool with_payload) {
  auto in = bk::memory_reader(bytes);
  chunk::FrameReader frames(*in, "fuzz.bkc");
  std::string frame;
  try {
    while (frames.next(frame, with_payload)) {
      if (frame.size() < chunk::kBlockHeaderSize) fail("FrameReader returned a frame shorter than its header");
      if (with_payload) {
        check_block(frame, frames.block_no());
      } else {
        try {
          int time_field = -1;
          auto fields = chunk::decode_block_schema(frame, time_field);
          if (time_field >= static_cast<int>(fields.size())) fail("event-time column out of range");
        } catch (const bk::Error&) {
        }
      }
    }
  } catch (const bk::Error& e) {
    if (e.file() != "fuzz.bkc") fail("a FrameReader error does not name the file");
  }
  for (const auto& f : frames.footers()) {
    uint64_t rows = 0;
    for (const auto& b : f.blocks) rows += b.rows;
    if (rows != f.rows) fail("an accepted footer's rows do not add up");
  }
}

void run(const std::string& bytes) {
  walk(bytes, true);
  walk(bytes, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  run(bytes);
  std::string repaired = bytes;
  repair_checksums(repaired);
  if (repaired != bytes) run(repaired);
  return 0;
}
