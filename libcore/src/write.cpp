#include "bk/write.hpp"

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

// Appends to a std::string through a raw pointer: ensure() before each piece of
// known maximum size, then unchecked writes. The string is cut to size at the end.
class RawOut {
 public:
  // Writes from `start`; the string's size beyond it is scratch space.
  RawOut(std::string& s, size_t start) : s_(s) {
    if (s_.size() < start) s_.resize(start);
    p_ = s_.data() + start;
    end_ = s_.data() + s_.size();
  }
  size_t used() const { return p_ - s_.data(); }
  char*& ensure(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) grow(n);
    return p_;
  }

 private:
  void grow(size_t n) {
    size_t used = p_ - s_.data();
    s_.resize(std::max(used + n, s_.size() * 2 + 4096));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }
  std::string& s_;
  char* p_;
  char* end_;
};

// Row i of a decimal column (decimals >= 0), from its mantissa when the column has them.
inline char* decimal_value(char* p, const Column& c, int64_t i) {
  if (c.ints.size() == c.floats.size()) return put_decimal_m(p, c.floats[i], c.ints[i], c.decimals);
  return put_decimal(p, c.floats[i], c.decimals);
}

inline char* put_literal(char* p, const char* s, size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}

// Writes a JSON value; room: 6 * string size + 2, or 48.
inline char* put_json_value(char* p, const Column& c, int64_t i) {
  if (!c.valid.get(i)) return put_literal(p, "null", 4);
  switch (c.type) {
    case Type::Null: return put_literal(p, "null", 4);
    case Type::Bool: return c.ints[i] ? put_literal(p, "true", 4) : put_literal(p, "false", 5);
    case Type::Int64: return std::to_chars(p, p + 24, c.ints[i]).ptr;
    case Type::Float64:
      if (c.decimals >= 0) return decimal_value(p, c, i);
      if (std::isfinite(c.floats[i])) return put_double(p, c.floats[i]);
      return put_literal(p, "null", 4);  // JSON has no NaN or infinity
    case Type::Timestamp: {
      std::string t;
      append_timestamp(t, c.ints[i]);
      *p++ = '"';
      p = put_literal(p, t.data(), t.size());
      *p++ = '"';
      return p;
    }
    case Type::String: return put_json_string(p, c.str(i));
    case Type::Json: return put_literal(p, c.str(i).data(), c.str(i).size());
  }
  return p;
}

inline size_t json_room(const Column& c, int64_t i) {
  switch (c.type) {
    case Type::String: return 6 * (c.offsets[i + 1] - c.offsets[i]) + 2;
    case Type::Json: return c.offsets[i + 1] - c.offsets[i];
    default: return 48;
  }
}

// A CSV field, quoted only when it holds the delimiter, a quote, CR or LF, or is
// empty (an empty string must differ from null's empty field); room: 2 * size + 2.
inline char* put_csv_field(char* p, std::string_view s, char delim) {
  const char* d = s.data();
  size_t n = s.size(), i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, d + i, 8);
    if (text::has_byte(x, static_cast<unsigned char>(delim)) | text::has_byte(x, '"') | text::has_byte(x, '\n') |
        text::has_byte(x, '\r'))
      break;
  }
  for (; i < n; ++i)
    if (d[i] == delim || d[i] == '"' || d[i] == '\n' || d[i] == '\r') break;
  if (i == n && n > 0) return put_literal(p, d, n);
  *p++ = '"';
  for (size_t k = 0; k < n; ++k) {
    if (d[k] == '"') *p++ = '"';
    *p++ = d[k];
  }
  *p++ = '"';
  return p;
}

// A TSV field: tab, newline, carriage return and backslash escaped; room: 2 * size.
inline char* put_tsv_field(char* p, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\t': *p++ = '\\', *p++ = 't'; break;
      case '\n': *p++ = '\\', *p++ = 'n'; break;
      case '\r': *p++ = '\\', *p++ = 'r'; break;
      case '\\': *p++ = '\\', *p++ = '\\'; break;
      default: *p++ = c;
    }
  }
  return p;
}

inline char* put_delimited_value(char* p, const Column& c, int64_t i, char delim) {
  if (!c.valid.get(i)) return p;
  switch (c.type) {
    case Type::Null: return p;
    case Type::Bool: return c.ints[i] ? put_literal(p, "true", 4) : put_literal(p, "false", 5);
    case Type::Int64: return std::to_chars(p, p + 24, c.ints[i]).ptr;
    case Type::Float64: return c.decimals >= 0 ? decimal_value(p, c, i) : put_double(p, c.floats[i]);
    case Type::Timestamp: {
      std::string t;
      append_timestamp(t, c.ints[i]);
      return put_literal(p, t.data(), t.size());
    }
    case Type::String:
    case Type::Json: return delim == '\t' ? put_tsv_field(p, c.str(i)) : put_csv_field(p, c.str(i), delim);
  }
  return p;
}

class NdjsonWriter : public Writer {
 public:
  explicit NdjsonWriter(Output& out) : Writer(out) {}
  void encode(const Batch& b, Encoded& out) const override { encode_ndjson(b, out); }
};

// CSV/TSV: the header is the first batch's fields. Later batches are laid out in
// that order (a field they lack is empty); a field the header lacks is an error,
// since the header is already written. A batch with no fields at all (an input of
// blank lines) fixes no header, so it neither writes an empty header line nor makes
// the fields of the next input "late".
class DelimitedWriter : public Writer {
 public:
  DelimitedWriter(Output& out, char delim) : Writer(out), delim_(delim) {}

  void prepare(Batch& b) override {
    if (!have_header_) {
      if (b.names.empty() && b.rows == 0) return;  // nothing read yet (blank NDJSON lines)
      header_ = b.names;
      have_header_ = true;
      return;
    }
    if (b.names == header_) return;
    for (size_t k = 0; k < b.names.size(); ++k) {
      if (std::find(header_.begin(), header_.end(), b.names[k]) == header_.end()) {
        // The line of the first row that has the field (a null column: the first row).
        int64_t row = 0;
        const Column& c = b.columns[k];
        while (row < c.size() && c.is_null(row)) ++row;
        if (row == c.size()) row = 0;
        int64_t line = static_cast<int64_t>(b.lines.size()) > row ? b.first_line + b.lines[row] - 1 : b.first_line;
        throw Error(concat("field '", b.names[k], "' first appears after the ", delim_ == '\t' ? "TSV" : "CSV",
                           " header was written"),
                    "name every output field with --select")
            .at(b.source, line);
      }
    }
    b = select_columns(std::move(b), header_);
  }

  void encode(const Batch& b, Encoded& out) const override { encode_delimited(b, delim_, out); }

  void emit(const Batch& b, Encoded& enc) override {
    if (!have_header_) return;
    if (!header_written_) {
      std::string h;
      encode_delimited_header(header_, delim_, h);
      out_.write(h);
      header_written_ = true;
    }
    out_.write(enc.bytes.data(), enc.size());
  }

 private:
  char delim_;
  bool have_header_ = false, header_written_ = false;
  std::vector<std::string> header_;
};

// Chunk files: blocks encoded in parallel; the footer collects their statistics.
class ChunkWriter : public Writer {
 public:
  ChunkWriter(Output& out, chunk::Codec codec) : Writer(out), codec_(codec) {}

  void encode(const Batch& b, Encoded& out) const override {
    out.bytes.clear();
    out.used = std::string::npos;
    chunk::encode_block(b, codec_, out.bytes, out.block);
  }

  void emit(const Batch& b, Encoded& enc) override {
    start();
    enc.block.offset = segment_bytes_;
    footer_.rows += enc.block.rows;
    footer_.blocks.push_back(std::move(enc.block));
    out_.write(enc.bytes);
    segment_bytes_ += enc.bytes.size();
  }

  void finish() override {
    start();
    std::string f;
    chunk::encode_footer(footer_, segment_bytes_, f);
    out_.write(f);
  }

  int64_t preferred_block_bytes() const override { return 4 << 20; }

 private:
  void start() {
    if (started_) return;
    std::string h;
    chunk::encode_file_header(h);
    out_.write(h);
    segment_bytes_ = h.size();
    started_ = true;
  }

  chunk::Codec codec_;
  bool started_ = false;
  uint64_t segment_bytes_ = 0;
  chunk::Footer footer_;
};

}  // namespace

namespace {

size_t encode_ndjson_at(const Batch& b, std::string& out, size_t start) {
  // The `{"name":` / `,"name":` prefixes, escaped once per batch, each in a 16-byte
  // slot when it fits so that copying it is one fixed-size store.
  constexpr size_t kSlot = 16;
  std::vector<std::string> keys(b.names.size());
  std::string slots(keys.size() * kSlot, '\0');
  for (size_t k = 0; k < b.names.size(); ++k) {
    keys[k] = k ? "," : "{";
    append_json_string(keys[k], b.names[k]);
    keys[k] += ':';
    if (keys[k].size() <= kSlot) std::memcpy(slots.data() + k * kSlot, keys[k].data(), keys[k].size());
  }
  // One capacity check a row: keys and fixed-width values need the same room in
  // every row; strings and json add their own.
  size_t fixed = 3;
  std::vector<const Column*> texts;
  for (size_t k = 0; k < keys.size(); ++k) {
    fixed += kSlot + keys[k].size();
    const Column& c = b.columns[k];
    if (c.type == Type::String || c.type == Type::Json)
      texts.push_back(&c);
    else
      fixed += 48;
  }
  RawOut w(out, start);
  for (int64_t i = 0; i < b.rows; ++i) {
    size_t room = fixed;
    for (const Column* c : texts) room += json_room(*c, i);
    char*& p = w.ensure(room);
    if (keys.empty()) {
      p = put_literal(p, "{}\n", 3);
      continue;
    }
    for (size_t k = 0; k < keys.size(); ++k) {
      const size_t klen = keys[k].size();
      if (klen <= kSlot)
        std::memcpy(p, slots.data() + k * kSlot, kSlot);
      else
        std::memcpy(p, keys[k].data(), klen);
      p += klen;
      p = put_json_value(p, b.columns[k], i);
    }
    *p++ = '}';
    *p++ = '\n';
  }
  return w.used();
}

}  // namespace

void encode_ndjson(const Batch& b, std::string& out) { out.resize(encode_ndjson_at(b, out, out.size())); }
void encode_ndjson(const Batch& b, Encoded& enc) { enc.used = encode_ndjson_at(b, enc.bytes, 0); }

void encode_delimited_header(const std::vector<std::string>& names, char delim, std::string& out) {
  RawOut w(out, out.size());
  for (size_t k = 0; k < names.size(); ++k) {
    char*& p = w.ensure(2 * names[k].size() + 3);
    if (k) *p++ = delim;
    p = delim == '\t' ? put_tsv_field(p, names[k]) : put_csv_field(p, names[k], delim);
  }
  char*& p = w.ensure(1);
  *p++ = '\n';
  out.resize(w.used());
}

namespace {

size_t encode_delimited_at(const Batch& b, char delim, std::string& out, size_t start) {
  RawOut w(out, start);
  // One capacity check a row: the room of the fixed-width columns is the same for
  // every row; only strings add their own.
  size_t fixed = b.columns.size() + 1;
  std::vector<const Column*> strings;
  for (const auto& c : b.columns) {
    if (c.type == Type::String || c.type == Type::Json)
      strings.push_back(&c);
    else
      fixed += 48;
  }
  for (int64_t i = 0; i < b.rows; ++i) {
    size_t room = fixed;
    for (const Column* c : strings) room += 2 * (c->offsets[i + 1] - c->offsets[i]) + 2;
    char*& p = w.ensure(room);
    for (size_t k = 0; k < b.columns.size(); ++k) {
      if (k) *p++ = delim;
      p = put_delimited_value(p, b.columns[k], i, delim);
    }
    *p++ = '\n';
  }
  return w.used();
}

}  // namespace

void encode_delimited(const Batch& b, char delim, std::string& out) {
  out.resize(encode_delimited_at(b, delim, out, out.size()));
}
void encode_delimited(const Batch& b, char delim, Encoded& enc) {
  enc.used = encode_delimited_at(b, delim, enc.bytes, 0);
}

int64_t write_batches(Writer& w, std::vector<Batch>& batches) {
  return write_batches(w, batches.size(), [&](size_t k) { return std::move(batches[k]); });
}

int64_t write_batches(Writer& w, size_t n, const std::function<Batch(size_t)>& make) {
  using namespace oneapi::tbb;
  struct Item {
    Batch b;
    Encoded enc;
    std::exception_ptr error;
  };
  std::vector<std::unique_ptr<Item>> items(n);  // in flight; freed once emitted
  size_t next = 0;
  int64_t rows = 0;
  // The first batch (in order) that failed: those after it need no more work, those
  // before it are finished, so the error thrown is always the first in order.
  std::atomic<size_t> first_failed{n};
  auto fail = [&](Item& it, size_t k) {
    it.error = std::current_exception();
    size_t f = first_failed.load();
    while (k < f && !first_failed.compare_exchange_weak(f, k)) {
    }
  };
  // Runs step on batch k unless it or a batch before it failed.
  auto stage = [&](auto step) {
    return [&, step](size_t k) {
      Item& it = *items[k];
      if (!it.error && k < first_failed.load()) {
        try {
          step(it, k);
        } catch (...) {
          fail(it, k);
        }
      }
      return k;
    };
  };
  const size_t tokens = std::max<size_t>(4, 3 * static_cast<size_t>(this_task_arena::max_concurrency()));
  parallel_pipeline(
      tokens,
      make_filter<void, size_t>(filter_mode::serial_in_order,
                                [&](flow_control& fc) -> size_t {
                                  if (next == n) {
                                    fc.stop();
                                    return 0;
                                  }
                                  items[next] = std::make_unique<Item>();
                                  return next++;
                                }) &
          make_filter<size_t, size_t>(filter_mode::parallel, stage([&](Item& it, size_t k) { it.b = make(k); })) &
          make_filter<size_t, size_t>(filter_mode::serial_in_order, stage([&](Item& it, size_t) { w.prepare(it.b); })) &
          make_filter<size_t, size_t>(filter_mode::parallel, stage([&](Item& it, size_t) { w.encode(it.b, it.enc); })) &
          make_filter<size_t, void>(filter_mode::serial_in_order, [&](size_t k) {
            std::unique_ptr<Item> it = std::move(items[k]);
            if (it->error) std::rethrow_exception(it->error);  // every batch before it is written
            w.emit(it->b, it->enc);
            rows += it->b.rows;
          }));
  return rows;
}

std::unique_ptr<Writer> make_writer(Format f, Output& out, const WriteOptions& opts) {
  switch (f) {
    case Format::Chunk: return std::make_unique<ChunkWriter>(out, opts.codec);
    case Format::Csv: return std::make_unique<DelimitedWriter>(out, ',');
    case Format::Tsv: return std::make_unique<DelimitedWriter>(out, '\t');
    default: return std::make_unique<NdjsonWriter>(out);
  }
}

}  // namespace bk
