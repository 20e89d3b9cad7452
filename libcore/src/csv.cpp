// CSV and TSV → batches.
//
// CSV follows RFC 4180: fields separated by the delimiter, records by LF or CRLF; a
// field that starts with a quote is quoted, may hold delimiters, quotes (doubled)
// and line breaks. A quote inside an unquoted field is kept as a character. An
// unquoted empty field is null; a quoted empty field ("") is the empty string.
// TSV has no quoting: fields split on tabs, records on newlines, and the escapes
// \t \n \r \\ in a field stand for tab, newline, carriage return and backslash.
//
// A block is first split into string columns; then, unless --strings, each
// column's type is inferred from all its values in the block (infer_column_type),
// so a column keeps the exact text of its values when it stays a string.
//
// Bad input (a wrong field count, an unclosed quote, invalid UTF-8) ends the block:
// the rows before it are kept, every column holding exactly those rows, and the
// error is stored in the batch with its block-relative line. With keep_going a bad
// record becomes a Reject instead (its first line, the error's text without the
// place, the record's text) and the next record is read; a quote still open at the
// end of the block makes the rest of the block one reject. Types are inferred from
// the good rows only.
#include <simdjson.h>

#include <cstring>

#include "bk/error.hpp"
#include "bk/read.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

// The errors of a bad record, without their place.
Error field_count_error(size_t got, size_t want, bool tsv, char delim) {
  std::string hint = tsv ? "every row needs one value per header column; write a tab inside a value as \\t"
                         : concat("every row needs one value per header column; quote values that contain '", delim, "'");
  return Error(concat("row has ", got, " field", got == 1 ? "" : "s", ", the header has ", want), hint);
}

Error utf8_error() { return Error("invalid UTF-8", "the file must be UTF-8; convert it, e.g. with iconv"); }

Error unclosed_quote_error() {
  return Error("unclosed quoted field", "close the quote, or double quotes inside the field (\"\")");
}

// Sets a bad record aside (keep_going): drops its partial row, keeps its text.
// what() of an error without a place is "message (hint)".
void add_reject(Batch& b, int64_t line, const Error& e, std::string_view raw) {
  for (auto& c : b.columns)
    if (c.size() > b.rows) c.pop_back();
  b.rejects.push_back({line, e.what(), sanitize_utf8(raw)});
}

// A CSV record's text without its line break (LF, CRLF, or a CR at the end).
std::string_view without_line_break(std::string_view r) {
  if (!r.empty() && r.back() == '\n') r.remove_suffix(1);
  if (!r.empty() && r.back() == '\r') r.remove_suffix(1);
  return r;
}

// Where the first line holding invalid UTF-8 starts, and its number in `line`;
// n when all is valid. A block is validated whole first; lines only on error.
size_t find_bad_utf8(const char* p, size_t n, int64_t first_line, int64_t& line) {
  if (simdjson::validate_utf8(p, n)) return n;
  line = first_line;
  size_t start = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i == n || p[i] == '\n') {
      if (!simdjson::validate_utf8(p + start, i - start)) return start;
      start = i + 1;
      ++line;
    }
  }
  return n;
}

void finish_columns(Batch& b, bool strings) {
  if (strings) return;
  for (auto& c : b.columns) infer_column_type(c);
}

// Splits the first n bytes of a CSV block into the batch's string columns. A bad
// record ends it: the rows before it stay, its partial row is undone, the error is
// stored. Returns false when that was a quoted field still open at byte n. With
// keep_going a bad record is a reject and the split goes on; `check_utf8`: each
// record is validated (the block as a whole is not valid UTF-8).
bool split_csv(const RawBlock& block, size_t n, bool check_utf8, Batch& b) {
  const size_t ncols = b.columns.size();
  const char* p = block.data.data();
  const char delim = block.delimiter;
  int64_t line = block.skip_lines + 1;  // line where the current record starts
  int64_t cur = line;                   // line at the cursor
  std::string field;
  size_t i = 0;
  while (i < n) {
    // A blank line is no record, except in a one-column file, where it is a null.
    if (ncols != 1 && (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))) {
      i += p[i] == '\r' ? 2 : 1;
      line = ++cur;
      continue;
    }
    const size_t record_start = i;
    size_t nfields = 0;
    bool end_of_record = false;
    while (!end_of_record) {
      bool quoted = false;
      std::string_view value;
      if (i < n && p[i] == '"') {
        quoted = true;
        field.clear();
        size_t j = i + 1;
        for (;;) {
          if (j >= n) {
            if (block.keep_going) {  // the rest of the block is the record
              add_reject(b, line, unclosed_quote_error(),
                         without_line_break(std::string_view(p + record_start, n - record_start)));
              b.line_count = cur - (p[n - 1] == '\n');
              return false;
            }
            for (auto& c : b.columns)  // undo the partial row
              if (c.size() > b.rows) c.pop_back();
            b.error = std::make_exception_ptr(unclosed_quote_error().at(b.source, line));
            b.line_count = cur;
            return false;
          }
          if (p[j] == '"') {
            if (j + 1 < n && p[j + 1] == '"') {
              field += '"';
              j += 2;
              continue;
            }
            ++j;
            break;
          }
          if (p[j] == '\n') ++cur;
          field += p[j++];
        }
        // Anything between the closing quote and the delimiter is kept (lenient).
        while (j < n && p[j] != delim && p[j] != '\n' && !(p[j] == '\r' && (j + 1 == n || p[j + 1] == '\n')))
          field += p[j++];
        i = j;
        value = field;
      } else {
        size_t j = i;
        while (j < n && p[j] != delim && p[j] != '\n') ++j;
        size_t e = j;
        if ((j == n || p[j] == '\n') && e > i && p[e - 1] == '\r') --e;  // CRLF, or CR at the end
        value = std::string_view(p + i, e - i);
        i = j;
      }
      if (nfields < ncols) {
        Column& c = b.columns[nfields];
        if (value.empty() && !quoted) c.append_null();
        else c.append_string(value);
      }
      ++nfields;
      if (i < n && p[i] == delim) {
        ++i;
        continue;
      }
      if (i < n && p[i] == '\r') ++i;
      if (i < n && p[i] == '\n') ++i, ++cur;
      end_of_record = true;
    }
    if (block.keep_going) {
      std::string_view record(p + record_start, i - record_start);
      bool bad_utf8 = check_utf8 && !simdjson::validate_utf8(record.data(), record.size());
      if (bad_utf8 || nfields != ncols) {
        add_reject(b, line, bad_utf8 ? utf8_error() : field_count_error(nfields, ncols, false, delim),
                   without_line_break(record));
        line = cur;
        continue;
      }
    }
    if (nfields != ncols) {
      // Undo the partial row, keep the rows before it.
      for (auto& c : b.columns)
        if (c.size() > b.rows) c.pop_back();
      b.error = std::make_exception_ptr(field_count_error(nfields, ncols, false, delim).at(b.source, line));
      break;
    }
    ++b.rows;
    b.lines.push_back(line);
    line = cur;
  }
  // The lines ended by a newline, and a last one without.
  b.line_count = cur - 1 + (n > 0 && p[n - 1] != '\n');
  return true;
}

}  // namespace

std::string unescape_tsv(std::string_view raw) {
  std::string field;
  field.reserve(raw.size());
  for (size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == '\\' && k + 1 < raw.size()) {
      char e = raw[k + 1];
      if (e == 't') { field += '\t'; ++k; continue; }
      if (e == 'n') { field += '\n'; ++k; continue; }
      if (e == 'r') { field += '\r'; ++k; continue; }
      if (e == '\\') { field += '\\'; ++k; continue; }
    }
    field += raw[k];
  }
  return field;
}

void infer_column_type(Column& c) {
  if (c.type != Type::String) return;
  int64_t n = c.size();
  bool all_int = true, all_num = true, all_bool = true, any = false;
  for (int64_t i = 0; i < n && (all_num || all_bool); ++i) {
    if (!c.valid.get(i)) continue;
    any = true;
    int64_t iv;
    double dv;
    bool bv;
    auto kind = parse_number(c.str(i), iv, dv);
    if (kind == NumberKind::None) all_num = all_int = false;
    else if (kind == NumberKind::Float) all_int = false;
    if (!parse_bool(c.str(i), bv)) all_bool = false;
  }
  if (!any) {
    Column nulls = Column::nulls(n);
    c = std::move(nulls);
    return;
  }
  if (!all_num && !all_bool) return;
  Column out;
  out.valid = c.valid;
  if (all_int) {
    out.type = Type::Int64;
    out.ints.resize(n, 0);
    double dv;
    for (int64_t i = 0; i < n; ++i)
      if (c.valid.get(i)) parse_number(c.str(i), out.ints[i], dv);
  } else if (all_num) {
    out.type = Type::Float64;
    out.floats.resize(n, 0.0);
    int64_t iv;
    for (int64_t i = 0; i < n; ++i) {
      if (!c.valid.get(i)) continue;
      if (parse_number(c.str(i), iv, out.floats[i]) == NumberKind::Int) out.floats[i] = static_cast<double>(iv);
    }
  } else {
    out.type = Type::Bool;
    out.ints.resize(n, 0);
    for (int64_t i = 0; i < n; ++i) {
      bool bv = false;
      if (c.valid.get(i)) parse_bool(c.str(i), bv);
      out.ints[i] = bv;
    }
  }
  c = std::move(out);
}

Batch parse_csv(const RawBlock& block) {
  Batch b;
  b.source = block.input ? block.input->display : "";
  for (const auto& name : block.header->names) {
    Column c;
    c.type = Type::String;
    b.add_column(name, std::move(c));
  }
  // Invalid UTF-8: the records before its line are read, then the error stands
  // (a field-count error before it comes first; a quoted field open at the cut is
  // the record that holds the bad line).
  if (block.keep_going) {
    // Every record is read; each one's UTF-8 is checked only when the block's is bad.
    bool valid = simdjson::validate_utf8(block.data.data(), block.data.size());
    split_csv(block, block.data.size(), !valid, b);
  } else {
    int64_t bad_line = 0;
    size_t n = find_bad_utf8(block.data.data(), block.data.size(), block.skip_lines + 1, bad_line);
    bool closed = split_csv(block, n, false, b);
    if (n < block.data.size() && (!closed || !b.error))
      b.error = std::make_exception_ptr(utf8_error().at(b.source, bad_line));
  }
  finish_columns(b, block.strings);
  return b;
}

Batch parse_tsv(const RawBlock& block) {
  Batch b;
  b.source = block.input ? block.input->display : "";
  const auto& names = block.header->names;
  const size_t ncols = names.size();
  for (const auto& name : names) {
    Column c;
    c.type = Type::String;
    b.add_column(name, std::move(c));
  }
  // Invalid UTF-8: the lines before it are read, then the error stands (unless a
  // field-count error came first). With keep_going every line is read, and each
  // one's UTF-8 is checked only when the block's is bad.
  int64_t bad_line = 0;
  size_t n = block.data.size();
  bool check_utf8 = false;
  if (block.keep_going)
    check_utf8 = !simdjson::validate_utf8(block.data.data(), n);
  else
    n = find_bad_utf8(block.data.data(), n, block.skip_lines + 1, bad_line);
  const char* p = block.data.data();
  const char* end = p + n;
  int64_t line = block.skip_lines;
  std::string field;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* le = nl ? nl : end;
    ++line;
    if (le > p && le[-1] == '\r') --le;
    if (le == p && ncols != 1) {  // a blank line is no record, except in a one-column file
      p = nl ? nl + 1 : end;
      continue;
    }
    if (check_utf8 && !simdjson::validate_utf8(p, le - p)) {
      add_reject(b, line, utf8_error(), std::string_view(p, le - p));
      p = nl ? nl + 1 : end;
      continue;
    }
    size_t nfields = 0;
    const char* s = p;
    for (;;) {
      const char* t = static_cast<const char*>(std::memchr(s, '\t', le - s));
      const char* fe = t ? t : le;
      if (nfields < ncols) {
        Column& c = b.columns[nfields];
        std::string_view raw(s, fe - s);
        if (raw.empty()) {
          c.append_null();
        } else if (raw.find('\\') == std::string_view::npos) {
          c.append_string(raw);
        } else {
          c.append_string(unescape_tsv(raw));
        }
      }
      ++nfields;
      if (!t) break;
      s = t + 1;
    }
    if (nfields != ncols) {
      if (block.keep_going) {
        add_reject(b, line, field_count_error(nfields, ncols, true, '\t'), std::string_view(p, le - p));
        p = nl ? nl + 1 : end;
        continue;
      }
      for (auto& c : b.columns)
        if (c.size() > b.rows) c.pop_back();
      b.error = std::make_exception_ptr(field_count_error(nfields, ncols, true, '\t').at(b.source, line));
      break;
    }
    ++b.rows;
    b.lines.push_back(line);
    p = nl ? nl + 1 : end;
  }
  b.line_count = line;
  if (n < block.data.size() && !b.error) b.error = std::make_exception_ptr(utf8_error().at(b.source, bad_line));
  finish_columns(b, block.strings);
  return b;
}

}  // namespace bk
