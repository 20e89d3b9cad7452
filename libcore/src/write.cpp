#include "bk/write.hpp"

#include <algorithm>
#include <cmath>

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

void append_json_value(std::string& out, const Column& c, int64_t i) {
  if (!c.valid.get(i)) {
    out += "null";
    return;
  }
  switch (c.type) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += c.ints[i] ? "true" : "false"; break;
    case Type::Int64: append_int(out, c.ints[i]); break;
    case Type::Float64:
      if (std::isfinite(c.floats[i])) append_double(out, c.floats[i]);
      else out += "null";  // JSON has no NaN or infinity
      break;
    case Type::Timestamp:
      out += '"';
      append_timestamp(out, c.ints[i]);
      out += '"';
      break;
    case Type::String: append_json_string(out, c.str(i)); break;
    case Type::Json: out += c.str(i); break;
  }
}

// CSV quoting: only where needed (delimiter, quote, CR, LF; and the empty string,
// which must differ from null's empty field).
void append_csv_field(std::string& out, std::string_view s, char delim) {
  bool need = s.empty();
  for (char c : s) {
    if (c == delim || c == '"' || c == '\n' || c == '\r') {
      need = true;
      break;
    }
  }
  if (!need) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_tsv_field(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
}

void append_delimited_value(std::string& out, const Column& c, int64_t i, char delim) {
  if (!c.valid.get(i)) return;
  switch (c.type) {
    case Type::String:
    case Type::Json:
      if (delim == '\t') append_tsv_field(out, c.str(i));
      else append_csv_field(out, c.str(i), delim);
      break;
    default: append_value_text(out, c, i);
  }
}

class NdjsonWriter : public Writer {
 public:
  explicit NdjsonWriter(Output& out) : Writer(out) {}
  void encode(const Batch& b, std::string& out) const override { encode_ndjson(b, out); }
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
      if (b.names.empty() && b.rows == 0) return;
      header_ = b.names;
      have_header_ = true;
      return;
    }
    if (b.names == header_) return;
    for (size_t k = 0; k < b.names.size(); ++k) {
      if (std::find(header_.begin(), header_.end(), b.names[k]) == header_.end()) {
        // Name the first row that holds a value for the field (or the batch's first row).
        const Column& c = b.columns[k];
        int64_t row = 0;
        while (row < b.rows && c.is_null(row)) ++row;
        if (row == b.rows) row = 0;
        int64_t line = row < static_cast<int64_t>(b.lines.size()) ? b.first_line + b.lines[row] - 1 : b.first_line;
        throw Error(concat("field '", b.names[k], "' first appears after the ", delim_ == '\t' ? "TSV" : "CSV",
                        " header was written"),
                    "name every output field with --select")
            .at(b.source, line);
      }
    }
    b = select_columns(std::move(b), header_);
  }

  void encode(const Batch& b, std::string& out) const override { encode_delimited(b, delim_, out); }

  void emit(const Batch& b, const std::string& bytes) override {
    if (have_header_ && !header_written_) {
      std::string h;
      encode_delimited_header(header_, delim_, h);
      out_.write(h);
      header_written_ = true;
    }
    out_.write(bytes);
  }

 private:
  char delim_;
  bool have_header_ = false, header_written_ = false;
  std::vector<std::string> header_;
};

}  // namespace

void encode_ndjson(const Batch& b, std::string& out) {
  // The `"name":` prefixes, escaped once per batch.
  std::vector<std::string> keys(b.names.size());
  for (size_t k = 0; k < b.names.size(); ++k) {
    keys[k] = k ? "," : "{";
    append_json_string(keys[k], b.names[k]);
    keys[k] += ':';
  }
  out.reserve(out.size() + b.rows * 16 * std::max<size_t>(1, b.names.size()));
  for (int64_t i = 0; i < b.rows; ++i) {
    if (keys.empty()) out += '{';
    for (size_t k = 0; k < keys.size(); ++k) {
      out += keys[k];
      append_json_value(out, b.columns[k], i);
    }
    out += "}\n";
  }
}

void encode_delimited_header(const std::vector<std::string>& names, char delim, std::string& out) {
  for (size_t k = 0; k < names.size(); ++k) {
    if (k) out += delim;
    if (delim == '\t') append_tsv_field(out, names[k]);
    else append_csv_field(out, names[k], delim);
  }
  out += '\n';
}

void encode_delimited(const Batch& b, char delim, std::string& out) {
  out.reserve(out.size() + b.rows * 12 * std::max<size_t>(1, b.names.size()));
  for (int64_t i = 0; i < b.rows; ++i) {
    for (size_t k = 0; k < b.columns.size(); ++k) {
      if (k) out += delim;
      append_delimited_value(out, b.columns[k], i, delim);
    }
    out += '\n';
  }
}

std::unique_ptr<Writer> make_writer(Format f, Output& out) {
  switch (f) {
    case Format::Csv: return std::make_unique<DelimitedWriter>(out, ',');
    case Format::Tsv: return std::make_unique<DelimitedWriter>(out, '\t');
    default: return std::make_unique<NdjsonWriter>(out);
  }
}

}  // namespace bk
