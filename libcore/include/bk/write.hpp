// Writers: batches → NDJSON, CSV, TSV (and, later, chunk files).
//
// A writer works in three steps so the pipeline can run the costly one in
// parallel: prepare() sees each batch in input order (fixes the CSV header, checks
// it), encode() turns a batch into bytes on any thread, emit() writes the bytes in
// input order. finish() runs once after the last batch.
#pragma once

#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bk/batch.hpp"
#include "bk/chunk.hpp"
#include "bk/io.hpp"
#include "bk/read.hpp"

namespace bk {

// What encode() makes of one batch.
struct Encoded {
  std::string bytes;
  size_t used = std::string::npos;  // text writers keep `bytes` at full size between batches
  chunk::BlockInfo block;           // chunk output: the block's statistics for the footer
  size_t size() const { return used == std::string::npos ? bytes.size() : used; }
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual void prepare(Batch& b) {}
  virtual void encode(const Batch& b, Encoded& out) const = 0;
  virtual void emit(const Batch& b, Encoded& enc) { out_.write(enc.bytes.data(), enc.size()); }
  virtual void finish() {}
  // The input block size this writer works best with.
  virtual int64_t preferred_block_bytes() const { return 1 << 20; }

 protected:
  explicit Writer(Output& out) : out_(out) {}
  Output& out_;
};

// A writer that writes nothing: the pipeline's last stages while a tool only reads
// (bk-aggregate's groups, bk-join's build side).
class NullWriter : public Writer {
 public:
  explicit NullWriter(Output& out) : Writer(out) {}
  void encode(const Batch&, Encoded&) const override {}
  void emit(const Batch&, Encoded&) override {}
  int64_t preferred_block_bytes() const override { return 1 << 21; }
};

struct WriteOptions {
  chunk::Codec codec = chunk::Codec::Zstd;
};

// The compression of chunk output to `out` when the user chose none: zstd to a file,
// none to a pipe or socket. What reads a pipe decodes each block at once, so
// compressing it would cost both sides time for nothing.
inline chunk::Codec chunk_codec(const std::optional<chunk::Codec>& chosen, const Output& out) {
  return chosen.value_or(out.is_pipe() ? chunk::Codec::None : chunk::Codec::Zstd);
}

std::unique_ptr<Writer> make_writer(Format f, Output& out, const WriteOptions& opts = {});

// Writes batches made after (or without) the pipeline through `w` as the pipeline's
// last stages would: prepare() in order, encode() in parallel, emit() in order.
// Returns the rows written; the caller finishes the writer.
int64_t write_batches(Writer& w, std::vector<Batch>& batches);
// The same for n batches made by make(k) in parallel: each is emitted as soon as its
// turn comes, so writing overlaps making and encoding the ones after it. An error
// making, preparing or encoding batch k is thrown once the batches before k are emitted.
int64_t write_batches(Writer& w, size_t n, const std::function<Batch(size_t)>& make);

// One batch as NDJSON / CSV / TSV text (the header row not included), appended to
// out; the Encoded forms write from the start of enc.bytes and set enc.used.
void encode_ndjson(const Batch& b, std::string& out);
void encode_delimited(const Batch& b, char delim, std::string& out);
void encode_ndjson(const Batch& b, Encoded& enc);
void encode_delimited(const Batch& b, char delim, Encoded& enc);
void encode_delimited_header(const std::vector<std::string>& names, char delim, std::string& out);

}  // namespace bk
