// NDJSON → batches.
//
// Each block holds whole lines. Every line is parsed on its own with simdjson's DOM
// parser (one parser per thread), straight from the block buffer: the block is
// padded, so simdjson may read past the line's end. Each top-level field goes into
// the column of its name; the column for the k-th field of the previous record is
// tried first, since records of one stream nearly always share their key order.
// Columns widen as described in batch.hpp. A bad line ends the block: the rows
// before it are kept and the error is stored in the batch, numbered relative to
// the block (the pipeline's in-order stage adds the block's first line). With
// keep_going a bad line becomes a Reject (its line, the error's text without the
// place, the line itself) and parsing goes on with the next line.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bk/error.hpp"
#include "bk/read.hpp"
#include "bk/text.hpp"
#include "json_value.hpp"

namespace bk {

void append_json_value(Column& col, simdjson::dom::element v) {
  using simdjson::dom::element_type;
  switch (v.type()) {
    case element_type::INT64: col.append_int(v.get_int64().value_unsafe()); break;
    case element_type::UINT64: col.append_double(static_cast<double>(v.get_uint64().value_unsafe())); break;
    case element_type::DOUBLE: col.append_double(v.get_double().value_unsafe()); break;
    case element_type::STRING: col.append_string(v.get_string().value_unsafe()); break;
    case element_type::BOOL: col.append_bool(v.get_bool().value_unsafe()); break;
    case element_type::NULL_VALUE: col.append_null(); break;
    case element_type::ARRAY:
    case element_type::OBJECT: col.append_json(simdjson::minify(v)); break;
  }
}

namespace {


class RecordBuilder {
 public:
  // `only`: the fields to keep (null: all); the others are parsed but build no column.
  RecordBuilder(Batch& b, const std::vector<std::string>* only) : b_(b), only_(only) {}

  // Sets the field `name`, the `pos`-th field of the current record. Values wait
  // for end_row(): a key repeated in one object keeps its last value, and the
  // values it replaces never reach (and never widen) the column.
  void set(std::string_view name, size_t pos, simdjson::dom::element v) {
    int idx = column(name, pos);
    if (idx == kSkip) return;
    if (row_of_[idx] == b_.rows) {
      for (auto& p : pending_)
        if (p.first == idx) p.second = v;
      return;
    }
    row_of_[idx] = b_.rows;
    pending_.emplace_back(idx, v);
  }

  // The fast path's set(): the value goes straight into its column. False on a key
  // repeated in one object, which the caller leaves to set() (line by line): the
  // value it replaces may already have widened the column.
  bool set_now(std::string_view name, size_t pos, simdjson::dom::element v) {
    int idx = column(name, pos);
    if (idx == kSkip) return true;
    if (row_of_[idx] == b_.rows) return false;
    row_of_[idx] = b_.rows;
    append_json_value(b_.columns[idx], v);
    ++set_now_;
    return true;
  }
  void end_row_now() {
    close_row(set_now_);
    set_now_ = 0;
  }

  // Room for about `rows` rows in every column, the first row's values as the
  // measure of a string's bytes: the columns then grow without copying.
  void reserve(int64_t rows) {
    const auto n = static_cast<size_t>(rows);
    for (auto& c : b_.columns) {
      c.valid.reserve(rows);
      switch (c.type) {
        case Type::Int64:
        case Type::Bool:
        case Type::Timestamp: c.ints.reserve(n); break;
        case Type::Float64: c.floats.reserve(n); break;
        case Type::String:
        case Type::Json:
          c.offsets.reserve(n + 1);
          c.bytes.reserve(n * (c.bytes.size() + 2));
          break;
        case Type::Null: break;
      }
    }
    b_.lines.reserve(n);
  }

  // Field names are short: compared inline, 8 (or 4) bytes at a time with the last
  // load overlapping, never past either name's end; no call to memcmp.
  static bool same(const std::string& a, std::string_view b) {
    const size_t n = b.size();
    if (a.size() != n) return false;
    const char *x = a.data(), *y = b.data();
    auto eq = [](const char* p, const char* q, size_t w) {
      uint64_t u = 0, v = 0;
      std::memcpy(&u, p, w);
      std::memcpy(&v, q, w);
      return u == v;
    };
    if (n >= 8) {
      for (size_t k = 0; k + 8 < n; k += 8)
        if (!eq(x + k, y + k, 8)) return false;
      return eq(x + n - 8, y + n - 8, 8);
    }
    if (n >= 4) return eq(x, y, 4) && eq(x + n - 4, y + n - 4, 4);
    return n == 0 || (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
  }

  void end_row() {
    for (auto& [idx, v] : pending_) append_json_value(b_.columns[idx], v);
    const size_t set = pending_.size();
    pending_.clear();
    close_row(set);
  }

 private:
  // The column of `name`, created full of nulls when new; the column for the pos-th
  // field of the previous record is tried first.
  // A field left out (see `only`) is kSkip.
  int column(std::string_view name, size_t pos) {
    if (pos < hint_.size()) {
      int h = hint_[pos];
      if (h >= 0 && same(b_.names[h], name)) return h;
      if (h == kSkip && same(skipped_[pos], name)) return kSkip;
    }
    return find_column(name, pos);
  }

  // column()'s way when the hint misses: kept out of line, so that the hit inlines.
  [[gnu::noinline]] int find_column(std::string_view name, size_t pos) {
    int idx;
    auto it = index_.find(std::string(name));
    if (it != index_.end()) {
      idx = it->second;
    } else if (only_ && std::find(only_->begin(), only_->end(), name) == only_->end()) {
      idx = kSkip;
      if (pos >= skipped_.size()) skipped_.resize(pos + 1);
      skipped_[pos] = std::string(name);
    } else {
      idx = static_cast<int>(b_.columns.size());
      b_.add_column(std::string(name), Column::nulls(b_.rows));
      index_.emplace(std::string(name), idx);
      row_of_.push_back(-1);
    }
    if (pos >= hint_.size()) hint_.resize(pos + 1, -1);
    hint_[pos] = idx;
    return idx;
  }

  // Ends a row in which `set` columns got a value: the others get a null.
  void close_row(size_t set) {
    ++b_.rows;
    if (set == b_.columns.size()) return;  // the usual record: nothing to fill
    for (auto& c : b_.columns)
      if (c.size() < b_.rows) c.append_null();
  }

  static constexpr int kSkip = -2;
  Batch& b_;
  const std::vector<std::string>* only_;
  std::vector<std::string> skipped_;  // per position: the name of the field left out there
  std::vector<int> hint_;
  std::unordered_map<std::string, int> index_;
  std::vector<int64_t> row_of_;  // per column: the last row that set it
  std::vector<std::pair<int, simdjson::dom::element>> pending_;
  size_t set_now_ = 0;  // fields set in the current row by set_now()
};

const char* describe(simdjson::error_code e, std::string& hint) {
  using namespace simdjson;
  hint = "each line must hold one JSON object; fix or remove the line";
  switch (e) {
    case UTF8_ERROR: hint = "the file must be UTF-8; convert it, e.g. with iconv"; return "invalid UTF-8";
    case DEPTH_ERROR:
      hint = "nest at most 1024 levels, or store the value as a string";
      return "JSON nested deeper than 1024 levels";
    case NUMBER_ERROR:
      hint = "a number must be valid JSON and fit a double; write it as a string to keep its digits";
      return "number out of range or malformed";
    case STRING_ERROR: return "invalid string escape";
    case UNCLOSED_STRING: return "unclosed string";
    case UNESCAPED_CHARS: return "unescaped control character in a string";
    case T_ATOM_ERROR:
    case F_ATOM_ERROR:
    case N_ATOM_ERROR: return "invalid literal (expected true, false or null)";
    case EMPTY: return "empty JSON document";
    default: return "invalid JSON";
  }
}

// simdjson's DOM rejects integers beyond 64 bits; the data model keeps them as
// float64. Appends ".0" to every integer token outside strings that does not fit
// int64, so that simdjson reads them as doubles; integers that fit stay int64.
std::string widen_big_integers(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 16);
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, line.size());
      out.append(line.substr(i, j - i));
      i = j;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i + (c == '-');
      bool plain = true;
      while (j < line.size() && std::strchr("0123456789.eE+-", line[j])) {
        if (!(line[j] >= '0' && line[j] <= '9')) plain = false;
        ++j;
      }
      out.append(line.substr(i, j - i));
      int64_t v;
      if (plain && j - i - (c == '-') > 18 && std::from_chars(line.data() + i, line.data() + j, v).ec != std::errc())
        out += ".0";
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}


}  // namespace

namespace {

// The fast path: the whole block through simdjson's parse_many (one stage-1 pass for
// the block instead of one per line). It only accepts what the line-by-line path
// would: objects, each alone on its line. On anything else (an error, an array, two
// values on one line, a value across lines, a number too big) it gives up and the
// caller parses the block line by line, which finds and names the problem.
bool parse_ndjson_fast(const RawBlock& block, Batch& b) {
  thread_local simdjson::dom::parser parser;
  const char* base = block.data.data();
  const size_t n = block.data.size();
  if (n == 0) return true;
  simdjson::dom::document_stream stream;
  if (parser.parse_many(base, n, n + 1).get(stream)) return false;
  RecordBuilder rb(b, block.only.get());
  int64_t line = block.skip_lines + 1;
  size_t prev_end = 0;
  bool first = true;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    simdjson::dom::element doc;
    if ((*it).get(doc)) return false;
    size_t start = it.current_index();
    std::string_view text = it.source();
    if (start < prev_end || start > n) return false;
    // The gap since the last document: whitespace with at least one newline.
    size_t newlines = 0;
    for (size_t k = prev_end; k < start; ++k) newlines += base[k] == '\n';
    if (!first && newlines == 0) return false;
    if (std::memchr(text.data(), '\n', text.size())) return false;
    line += newlines;
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return false;
    size_t pos = 0;
    for (auto kv : obj)
      if (!rb.set_now(kv.key, pos++, kv.value)) return false;
    rb.end_row_now();
    b.lines.push_back(line);
    prev_end = start + text.size();
    // The block's rows, from the first record's length (with 1/8 to spare).
    if (first) rb.reserve(static_cast<int64_t>(n / (text.size() + 1) + n / (text.size() + 1) / 8 + 16));
    first = false;
  }
  if (stream.truncated_bytes() != 0) return false;
  for (size_t k = prev_end; k < n; ++k) line += base[k] == '\n';
  // The block's lines: every newline, plus a last line without one.
  b.line_count = line - 1 + (base[n - 1] != '\n' ? 1 : 0);
  return true;
}

}  // namespace

Batch parse_ndjson(const RawBlock& block) {
  {
    Batch b;
    b.source = block.input ? block.input->display : "";
    if (parse_ndjson_fast(block, b)) return b;
  }
  thread_local simdjson::dom::parser parser;
  Batch b;
  b.source = block.input ? block.input->display : "";
  RecordBuilder rb(b, block.only.get());
  const char* p = block.data.data();
  const char* end = p + block.data.size();
  int64_t line = block.skip_lines;
  std::string fallback;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* le = nl ? nl : end;
    ++line;
    size_t len = le - p;
    const char* start = p;
    p = nl ? nl + 1 : end;
    size_t k = 0;
    while (k < len && (start[k] == ' ' || start[k] == '\t' || start[k] == '\r')) ++k;
    if (k == len) continue;  // a blank line is no record
    auto doc = parser.parse(start, len, false);
    if (doc.error() == simdjson::NUMBER_ERROR) {
      fallback = widen_big_integers(std::string_view(start, len));
      doc = parser.parse(fallback);
    }
    simdjson::dom::object obj;
    std::optional<Error> problem;
    if (doc.error()) {
      std::string hint;
      std::string message = describe(doc.error(), hint);  // sets hint: call it first
      problem.emplace(message, hint);
    } else if (doc.value_unsafe().get_object().get(obj)) {
      const char* what = doc.value_unsafe().is_array() ? "an array" : "a scalar";
      problem.emplace(concat("expected a JSON object, found ", what), "each line of NDJSON holds one object");
    }
    if (problem) {
      if (!block.keep_going) {
        b.error = std::make_exception_ptr(std::move(*problem).at(b.source, line));
        break;
      }
      // A reject: what() of an error without a place is "message (hint)".
      std::string_view raw(start, len);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      b.rejects.push_back({line, problem->what(), sanitize_utf8(raw)});
      continue;
    }
    size_t pos = 0;
    for (auto kv : obj) rb.set(kv.key, pos++, kv.value);
    rb.end_row();
    b.lines.push_back(line);
  }
  b.line_count = line;
  return b;
}

}  // namespace bk
