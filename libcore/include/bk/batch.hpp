// Record batches: the unit every kernel works on.
//
// A batch is a columnar block of rows. Each column has one type, a validity bitmap
// and a value vector for that type (int64 for bool/int64/timestamp, double for
// float64, offsets + bytes for string/json). Values of a null row hold a default so
// that row i is always at index i.
//
// Columns widen as values arrive (readers see one record at a time):
//   null + T -> T;  int64 + float64 -> float64;  any other mix -> string
// A column that becomes string keeps every earlier value as its text.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace bk {

enum class Type : uint8_t { Null = 0, Bool = 1, Int64 = 2, Float64 = 3, String = 4, Timestamp = 5, Json = 6 };

std::string_view type_name(Type t);
// The type two columns of one field widen to: null + T = T; int64 + float64 = float64;
// any other mix = string.
Type unify_types(Type a, Type b);
bool parse_type_name(std::string_view name, Type& out);

class Bitmap {
 public:
  int64_t size() const { return size_; }
  bool get(int64_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void set(int64_t i, bool v) {
    uint64_t m = uint64_t(1) << (i & 63);
    if (v) words_[i >> 6] |= m; else words_[i >> 6] &= ~m;
  }
  void push_back(bool v) {
    if ((size_ & 63) == 0) words_.push_back(0);
    if (v) words_[size_ >> 6] |= uint64_t(1) << (size_ & 63);
    ++size_;
  }
  void pop_back() {
    --size_;
    set(size_, false);
    if ((size_ & 63) == 0) words_.pop_back();
  }
  void resize(int64_t n, bool v);
  // Appends the bits of `other` after these.
  void append(const Bitmap& other);
  // this &= other, word by word (other has at least as many bits).
  void and_with(const Bitmap& other) {
    for (size_t k = 0; k < words_.size(); ++k) words_[k] &= other.words_[k];
  }
  // n bits from packed bytes (bit i in byte i/8, least significant first).
  void assign_bytes(const char* p, int64_t n);
  int64_t count() const;  // number of set bits
  const std::vector<uint64_t>& words() const { return words_; }
  void reserve(int64_t n) { words_.reserve((n + 63) / 64); }

 private:
  std::vector<uint64_t> words_;
  int64_t size_ = 0;
};

struct Column {
  Type type = Type::Null;
  Bitmap valid;
  std::vector<int64_t> ints;     // Bool (0/1), Int64, Timestamp (µs since epoch, UTC)
  std::vector<double> floats;    // Float64
  int8_t decimals = -1;          // Float64: >= 0 when every valid value is exactly m / 10^decimals;
                                 // then ints may hold each m (when it has as many entries as floats)
  std::vector<uint64_t> offsets{0};  // String, Json: value i is bytes[offsets[i], offsets[i+1])
  std::string bytes;

  int64_t size() const { return valid.size(); }
  bool is_null(int64_t i) const { return !valid.get(i); }
  std::string_view str(int64_t i) const {
    return std::string_view(bytes.data() + offsets[i], offsets[i + 1] - offsets[i]);
  }

  // Appends with widening (see the top of this file). A value of the column's own
  // type, the usual case, is appended inline; the rest is widen_append_*.
  void append_null();
  void append_bool(bool v);
  void append_int(int64_t v) {
    if (type != Type::Int64) return widen_append_int(v);
    ints.push_back(v);
    valid.push_back(true);
  }
  void append_double(double v) {
    if (type != Type::Float64) return widen_append_double(v);
    floats.push_back(v);
    valid.push_back(true);
    decimals = -1;
  }
  void append_string(std::string_view v) {
    if (type != Type::String) return widen_append_string(v);
    bytes.append(v);
    offsets.push_back(bytes.size());
    valid.push_back(true);
  }
  void append_json(std::string_view v);
  void append_timestamp(int64_t micros);
  void pop_back();

  // Appends row `i` of `src` (same or wider type handled by the append rules).
  void append_from(const Column& src, int64_t i);
  // A column of `n` nulls.
  static Column nulls(int64_t n);
  // Turns the column into strings, each value becoming its text.
  void to_strings();
  void to_floats();

 private:
  void become(Type t);  // first non-null value decides the type
  void widen_append_int(int64_t v);
  void widen_append_double(double v);
  void widen_append_string(std::string_view v);
};

// Marks "no row" in an index list of take_rows: the value there is null.
inline constexpr uint32_t kNoRow = UINT32_MAX;
// The rows idx[0..n) of src, in that order (rows may repeat); kNoRow gives a null.
Column take_rows(const Column& src, const uint32_t* idx, size_t n);
// Appends every row of src to dst: in bulk when their types agree, else row by row
// with the widening of the append rules.
void append_rows(Column& dst, const Column& src);

// The text of a value as the writers print it (floats shortest, with ".0" when integral).
void append_value_text(std::string& out, const Column& c, int64_t i);

// A record set aside instead of stopping the run (bk-ingest --rejects).
struct Reject {
  int64_t line = 0;    // like Batch::lines: relative to the block (1 = its first line) until the
                       // pipeline's in-order stage makes it a file line; 0: no line (chunk input)
  std::string reason;  // what is wrong, and the fix: "invalid JSON (each line must hold ...)"
  std::string raw;     // the record's text as read (invalid UTF-8 replaced by U+FFFD)
};

struct Batch {
  std::vector<std::string> names;
  std::vector<Column> columns;
  int64_t rows = 0;
  int time_field = -1;  // the event-time column, if any

  // Where the rows came from, for messages.
  std::string source;
  bool first_block = false; // the first block of its input
  int64_t seq = 0;          // the block's number in the run (input order across all inputs)
  int64_t first_line = 1;   // line of the first row in `source`
  int64_t line_count = 0;   // lines the block spanned (to number the next block)
  std::vector<int64_t> lines;  // optional: the line of each row, relative to first_line

  // A reader that hit bad input keeps the rows before it and records the error here.
  std::exception_ptr error;
  // Reading with keep_going: the records that did not parse, in line order (they are
  // not among the rows).
  std::vector<Reject> rejects;

  int64_t find(std::string_view name) const;
  Column& add_column(std::string name, Column c);
};

// The rows of `b` reordered to `names` (a missing field becomes a null column).
Batch select_columns(Batch&& b, const std::vector<std::string>& names);
// Keeps the first n rows.
void truncate_rows(Batch& b, int64_t n);

// A batch with b's field names and event-time field, its source and numbering
// (first_block, seq, first_line, line_count), and no columns or rows yet.
Batch batch_like(const Batch& b);

// The rows rows[0..n) of `b`, in that order, as a new batch: its fields, types,
// event-time field and row lines; `source` and line numbering (first_block, seq,
// first_line, line_count) too, but not its error or rejects. A float column's exact
// decimal form (decimals, and the mantissas) stays, since any subset of its values
// has it too.
Batch gather_rows(const Batch& b, const uint32_t* rows, int64_t n);

// The rows of `b` split into `parts` batches: row i goes to part_of_row[i] (< parts),
// rows keep their order, and each part is as gather_rows would make it. One pass
// over the rows per column, writing each part's values in sequence: the cheap way
// to cut a batch many ways.
std::vector<Batch> split_rows(const Batch& b, const uint32_t* part_of_row, size_t parts);

// The parts one after another as one batch. Fields are unioned by name in order of
// first appearance; a part that lacks a field holds null there; types widen as
// appending values does (see the top of this file). The event-time field is the
// first part's that marks one. Row lines are dropped (they are per part); `source`
// and numbering are the first part's.
Batch concat_batches(std::vector<Batch>&& parts);

}  // namespace bk
