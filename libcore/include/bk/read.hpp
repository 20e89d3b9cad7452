// Reading records: format detection and cutting an input into blocks that parse
// independently (and so in parallel).
//
// A BlockReader walks one input sequentially. It sniffs the format from the first
// bytes, then hands out RawBlocks cut at record boundaries: after a newline for
// NDJSON and TSV, after a newline outside quotes for CSV. Each block is padded so
// simdjson may read past its end. parse_block() turns one block into a Batch and
// may run on any thread; it never throws for bad data, it stores the error in the
// batch after the rows that parsed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"
#include "bk/chunk.hpp"
#include "bk/io.hpp"

namespace bk {

enum class Format { Auto, Ndjson, Csv, Tsv, Chunk };

std::string_view format_name(Format f);
// Parses a -I/-O value; throws a usage error naming the flag.
Format parse_format(std::string_view name, std::string_view flag, bool allow_auto);

struct ReadOptions {
  Format format = Format::Auto;
  char delimiter = 0;    // CSV field delimiter; 0: sniffed (',' or ';'), TSV always '\t'
  bool strings = false;  // CSV/TSV: keep every value a string
  // A record that does not parse (invalid JSON, not an object, invalid UTF-8, a CSV/TSV
  // row with the wrong number of fields, an unclosed quote) goes to Batch::rejects and
  // parsing goes on; without it, it ends the block with Batch::error.
  bool keep_going = false;
  // The fields the tool reads, when it knows them (null: all). Blocks after the first
  // of each input may leave the other fields out (NDJSON parses and checks them, but
  // builds no column; a chunk block walks over their data, checking its lengths, and
  // keeps its event-time column); the first block has them all, so expressions are
  // checked, and typos named, against every field an input has.
  std::shared_ptr<const std::vector<std::string>> only = nullptr;
  // --hive: the key=value directories of each input's path become fields (hive.hpp).
  bool hive = false;
};

// Parses "--delimiter" values: one character, or "\t" / "tab".
char parse_delimiter(std::string_view s);

// A buffer with simdjson's padding readable past its end.
class PaddedBuffer {
 public:
  static constexpr size_t kPadding = 64;
  char* data() { return buf_.get(); }
  const char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  void resize(size_t n);  // keeps the contents
  void assign(const char* p, size_t n);

 private:
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0, cap_ = 0;
};

struct TextHeader {
  std::vector<std::string> names;
};

struct RawBlock {
  Format format = Format::Ndjson;
  char delimiter = ',';
  bool strings = false;
  bool keep_going = false;  // see ReadOptions
  std::shared_ptr<const std::vector<std::string>> only;  // see ReadOptions
  bool hive = false;        // see ReadOptions
  std::shared_ptr<const TextHeader> header;  // CSV/TSV
  const InputFile* input = nullptr;
  PaddedBuffer data;
  int64_t skip_lines = 0;  // lines before data in this block (the CSV header)
  bool first_in_file = false;
  // Chunk input: the whole block frame, its number in the file and byte offset.
  std::string frame;
  int64_t block_no = 0;
  uint64_t block_offset = 0;
  int64_t seq = 0;  // the block's number in the run (0, 1, …), set by the pipeline
};

class BlockReader {
 public:
  BlockReader(const InputFile& in, const ReadOptions& opts, int64_t block_bytes);
  // Fills the next block; false at the end of the input.
  bool next(RawBlock& out);
  Format format() const { return format_; }
  // Chunk input: the frame walker (to read schemas and footers without decoding).
  chunk::FrameReader* frames() { return frames_.get(); }
  int64_t raw_bytes() const { return reader_->raw_bytes(); }

 private:
  bool fill(size_t want);       // reads until pending_ holds `want` bytes or EOF
  size_t read_into(char* dst, size_t n);   // reads up to n bytes; fewer only at EOF
  size_t take_input(char* dst, size_t n);  // pending bytes first, then read_into
  bool input_done() const { return eof_ && pos_ == pending_.size(); }
  size_t cut_point(const char* base, size_t n) const;  // end of the last whole record
  void read_header();
  void skip_lines(int64_t n);

  const InputFile& in_;
  ReadOptions opts_;
  int64_t block_bytes_;
  std::unique_ptr<ByteReader> reader_;
  Format format_ = Format::Ndjson;
  char delimiter_ = ',';
  std::shared_ptr<const TextHeader> header_;
  std::string pending_;
  size_t pos_ = 0;  // consumed prefix of pending_
  bool eof_ = false;
  bool first_ = true;
  int64_t header_lines_ = 0;
  std::unique_ptr<chunk::FrameReader> frames_;  // chunk input
};

// The text of the record that starts at block-relative line `line` (as in
// Batch::lines) of a text block, without its line break; for a CSV record spanning
// lines, all of them. Invalid UTF-8 is replaced by U+FFFD. Empty for chunk blocks.
std::string record_text(const RawBlock& block, int64_t line);

// Parses one block into a batch (any thread); with block.hive, the fields of its
// input's path are added (hive::add_path_fields).
Batch parse_block(const RawBlock& block);

// The fields of the first record in a block, in order, into `names`: the names of an
// NDJSON block's first object (a field given as null included), a CSV/TSV header, a
// chunk block's schema. False when the block holds no record (blank lines) or its
// first record does not parse (parse_block says why).
bool first_record_fields(const RawBlock& block, std::vector<std::string>& names);

// The per-format parsers (exposed for tests).
Batch parse_ndjson(const RawBlock& block);
Batch parse_csv(const RawBlock& block);
Batch parse_tsv(const RawBlock& block);
Batch parse_chunk(const RawBlock& block);

// Splits the first CSV record at `pos` of `text`; returns the fields and moves `pos`
// past the record, or returns false when the record is incomplete.
bool split_csv_record(std::string_view text, size_t& pos, char delim, std::vector<std::string>& fields,
                      int64_t& newlines);

// Decodes TSV's escapes: \t \n \r \\ (any other backslash stays as it is).
std::string unescape_tsv(std::string_view raw);

// Infers a column's type from its strings: all ints -> int64, all numbers ->
// float64, all true/false -> bool, all null -> null, else it stays string.
void infer_column_type(Column& c);

}  // namespace bk
