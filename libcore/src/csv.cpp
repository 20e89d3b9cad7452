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
// error is stored in the batch with its block-relative line.
#include <simdjson.h>

#include <cstring>

#include "bk/error.hpp"
#include "bk/read.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

Error field_count_error(size_t got, size_t want, const std::string& source, int64_t line, char delim) {
  std::string d = delim == '\t' ? "tab" : std::string(1, delim);
  return Error(concat("row has ", got, " field", got == 1 ? "" : "s", ", the header has ", want),
               concat("every row needs one value per header column; quote values that contain '", d, "'"))
      .at(source, line);
}

void finish_columns(Batch& b, bool strings) {
  if (strings) return;
  for (auto& c : b.columns) infer_column_type(c);
}

// Where a block stops being valid UTF-8. The parsers read only the lines before
// the first bad one, so the rows before it are kept, as for any other bad input.
struct Utf8Check {
  bool bad = false;
  size_t line_start = 0;  // offset of the first line holding an invalid byte
  int64_t line = 0;       // its line number, relative to the block like every row's
};

Utf8Check check_utf8(const RawBlock& block) {
  Utf8Check r;
  const char* p = block.data.data();
  const size_t n = block.data.size();
  if (simdjson::validate_utf8(p, n)) return r;
  // Slow path, only on error: find the line. A newline byte never sits inside a
  // valid multi-byte sequence, so lines can be checked one by one.
  r.bad = true;
  r.line = block.skip_lines + 1;
  size_t start = 0;
  for (;;) {
    const char* nl = static_cast<const char*>(std::memchr(p + start, '\n', n - start));
    size_t end = nl ? static_cast<size_t>(nl - p) : n;
    if (!nl || !simdjson::validate_utf8(p + start, end - start)) break;
    start = end + 1;
    ++r.line;
  }
  r.line_start = start;
  return r;
}

Error utf8_error(const std::string& source, int64_t line, const char* where = "") {
  return Error(concat("invalid UTF-8", where), "the file must be UTF-8; convert it, e.g. with iconv").at(source, line);
}

// The header row is read before the blocks; the first block of a file checks it.
bool check_header_utf8(const RawBlock& block, Batch& b) {
  if (!block.first_in_file) return true;
  for (const auto& name : block.header->names) {
    if (!simdjson::validate_utf8(name.data(), name.size())) {
      b.error = std::make_exception_ptr(utf8_error(b.source, 1, " in the header row"));
      return false;
    }
  }
  return true;
}

}  // namespace

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
  const auto& names = block.header->names;
  const size_t ncols = names.size();
  for (const auto& name : names) {
    Column c;
    c.type = Type::String;
    b.add_column(name, std::move(c));
  }
  if (!check_header_utf8(block, b)) return b;

  // Parse only the lines before an invalid byte; its error comes after their rows.
  const Utf8Check utf8 = check_utf8(block);
  const char* p = block.data.data();
  const size_t n = utf8.bad ? utf8.line_start : block.data.size();
  const char delim = block.delimiter;
  int64_t line = block.skip_lines + 1;  // line where the current record starts
  int64_t cur = line;                   // line at the cursor
  std::string field;
  size_t i = 0;
  while (i < n) {
    // A blank line is no record.
    if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')) {
      i += p[i] == '\r' ? 2 : 1;
      line = ++cur;
      continue;
    }
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
            // Undo the partial row: every column keeps exactly b.rows values.
            for (auto& c : b.columns)
              if (c.size() > b.rows) c.pop_back();
            // A quoted field running into the invalid line: the bytes are the problem.
            b.error = std::make_exception_ptr(
                utf8.bad ? utf8_error(b.source, utf8.line)
                         : Error("unclosed quoted field", "close the quote, or double quotes inside the field (\"\")")
                               .at(b.source, line));
            b.line_count = cur;
            finish_columns(b, block.strings);
            return b;
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
        while (j < n && p[j] != delim && p[j] != '\n' && !(p[j] == '\r' && j + 1 < n && p[j + 1] == '\n'))
          field += p[j++];
        i = j;
        value = field;
      } else {
        size_t j = i;
        while (j < n && p[j] != delim && p[j] != '\n') ++j;
        size_t e = j;
        if (j < n && p[j] == '\n' && e > i && p[e - 1] == '\r') --e;
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
    if (nfields != ncols) {
      // Undo the partial row, keep the rows before it.
      for (auto& c : b.columns)
        if (c.size() > b.rows) c.pop_back();
      b.error = std::make_exception_ptr(field_count_error(nfields, ncols, b.source, line, delim));
      break;
    }
    ++b.rows;
    b.lines.push_back(line);
    line = cur;
  }
  if (utf8.bad && !b.error) b.error = std::make_exception_ptr(utf8_error(b.source, utf8.line));
  b.line_count = cur - 1;
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
  if (!check_header_utf8(block, b)) return b;

  // Parse only the lines before an invalid byte; its error comes after their rows.
  const Utf8Check utf8 = check_utf8(block);
  const char* p = block.data.data();
  const char* end = p + (utf8.bad ? utf8.line_start : block.data.size());
  int64_t line = block.skip_lines;
  std::string field;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* le = nl ? nl : end;
    ++line;
    if (le > p && le[-1] == '\r') --le;
    if (le == p) {  // blank line
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
          field.clear();
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
          c.append_string(field);
        }
      }
      ++nfields;
      if (!t) break;
      s = t + 1;
    }
    if (nfields != ncols) {
      for (auto& c : b.columns)
        if (c.size() > b.rows) c.pop_back();
      b.error = std::make_exception_ptr(field_count_error(nfields, ncols, b.source, line, '\t'));
      break;
    }
    ++b.rows;
    b.lines.push_back(line);
    p = nl ? nl + 1 : end;
  }
  if (utf8.bad && !b.error) b.error = std::make_exception_ptr(utf8_error(b.source, utf8.line));
  b.line_count = line;
  finish_columns(b, block.strings);
  return b;
}

}  // namespace bk
