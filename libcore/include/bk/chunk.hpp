// The chunk format (.bkc): typed record batches in self-contained, checksummed,
// compressed blocks. man/bk-chunk.5 documents it byte by byte; in short:
//
//   segment  = file header (16 B) · block frame* · footer frame
//   stream   = segment+            (so `cat a.bkc b.bkc` is a valid stream)
//
// A block frame carries its own schema, row count, codec and an XXH3-64 checksum
// over the frame, so blocks decode independently and in parallel. The footer lists
// every block of its segment (offset, length, rows, per-column null count, min and
// max) and ends in a trailer holding the footer's and the segment's lengths, so a
// reader that can seek finds the footer, and the segment before it, from the end;
// a reader from a pipe never needs to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"
#include "bk/error.hpp"
#include "bk/io.hpp"

namespace bk {

namespace chunk {

inline constexpr char kFileMagic[8] = {'\x89', 'B', 'K', 'C', '\r', '\n', '\x1a', '\n'};
inline constexpr uint16_t kVersion = 2;        // written, and the newest read
inline constexpr uint16_t kOldestVersion = 1;  // version 1 lacks fixed-width strings
inline constexpr size_t kFileHeaderSize = 16;
inline constexpr char kBlockTag[4] = {'B', 'K', 'B', 'L'};
inline constexpr char kFooterTag[4] = {'B', 'K', 'F', 'T'};
inline constexpr char kEndMagic[8] = {'B', 'K', 'C', '-', 'E', 'N', 'D', '\n'};
inline constexpr size_t kBlockHeaderSize = 48;
inline constexpr size_t kFooterHeaderSize = 16;
inline constexpr size_t kTrailerSize = 24;  // footer length, segment length, end magic
// Sanity bounds: anything larger is damage, not data.
inline constexpr uint64_t kMaxFrameBytes = uint64_t(1) << 32;
inline constexpr uint64_t kMaxRows = uint64_t(1) << 32;

enum class Codec : uint8_t { None = 0, Zstd = 1, Zlib = 2 };
std::string_view codec_name(Codec c);
Codec parse_codec(std::string_view name);  // throws a usage error

// Per-column statistics of one block, as the footer keeps them.
struct ColumnStats {
  std::string name;
  Type type = Type::Null;
  int64_t nulls = 0;
  bool has_minmax = false;
  int64_t min_i = 0, max_i = 0;       // bool, int64, timestamp
  double min_f = 0, max_f = 0;        // float64
  std::string min_s, max_s;           // string, json (only when both are short)
};

struct BlockInfo {
  uint64_t offset = 0;     // of the block frame, from the start of its segment
  uint64_t frame_len = 0;
  uint64_t rows = 0;
  std::vector<ColumnStats> columns;
};

struct Footer {
  std::vector<BlockInfo> blocks;
  uint64_t rows = 0;
};

// Encodes a batch as one block frame (appended to `out`) and fills `stats`.
void encode_block(const Batch& b, Codec codec, std::string& out, BlockInfo& stats);

// Decodes one whole block frame (checksum verified first). Throws bk::Error with
// the message only; the caller names the file and block. With `only`, the columns
// not named there (except the event-time column) are walked over, their structure
// checked, and left out of the batch.
Batch decode_block(std::string_view frame, const std::vector<std::string>* only = nullptr);

// The fixed fields of a block frame header.
struct BlockHeader {
  uint32_t schema_len = 0;
  uint64_t payload_len = 0;
  uint64_t raw_len = 0;
  uint64_t rows = 0;
  Codec codec = Codec::None;
};
BlockHeader parse_block_header(const char* p);  // p: kBlockHeaderSize bytes; throws on nonsense
// The schema section of a block frame (names and types), without decoding data.
std::vector<std::pair<std::string, Type>> decode_block_schema(std::string_view frame, int& time_field);

// The footer frame (header + body + checksum + trailer) for `f`; segment_len is the
// number of bytes of the segment before the footer.
void encode_footer(const Footer& f, uint64_t segment_len, std::string& out);
// Parses a footer body (after its 16-byte header), verifying `checksum`.
Footer decode_footer(std::string_view header_and_body, uint64_t checksum);

void encode_file_header(std::string& out);

// Reads the frames of a chunk stream in order and checks its structure: file
// headers, blocks, and footers (each verified against the blocks it lists). Block
// checksums are left to decode_block, so blocks can be verified in parallel.
class FrameReader {
 public:
  FrameReader(ByteReader& in, std::string name) : in_(in), name_(std::move(name)) {}
  // The next block frame, whole (or, without payload, its header and schema with the
  // payload skipped). `frame` gets simdjson-style padding via its own type.
  // Returns false at a clean end of the stream; throws bk::Error on damage.
  bool next(std::string& frame, bool with_payload);
  int64_t block_no() const { return blocks_; }      // 1-based number of the last block returned
  uint64_t block_offset() const { return offset_; } // its byte offset in the stream
  const std::vector<Footer>& footers() const { return footers_; }

 private:
  size_t read_exact(char* dst, size_t n);
  void read_growing(std::string& buf, uint64_t n, const std::string& what, int64_t intact);
  Error truncated(const std::string& where, int64_t intact) const;

  ByteReader& in_;
  std::string name_;
  uint64_t pos_ = 0;            // bytes consumed from the stream
  uint64_t segment_start_ = 0;
  bool in_segment_ = false, footer_seen_ = false;
  int64_t blocks_ = 0;
  uint64_t offset_ = 0;
  std::vector<BlockInfo> seg_blocks_;  // offset, frame_len, rows of this segment's blocks
  std::vector<Footer> footers_;
};

}  // namespace chunk

}  // namespace bk
