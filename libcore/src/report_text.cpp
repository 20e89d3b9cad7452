// Cells as text, and the two plain-text tables: aligned text fitted to a width, and
// GitHub Markdown.
//
// Numbers are right-aligned with one number of decimals per float column: --decimals,
// or the fewest that show every value of the column as its shortest text does, at
// most 4. Widths are terminal columns (display_width: CJK and emoji 2, combining marks
// 0). A text table wider than its width gives up columns from its widest text columns,
// one column of width at a time, down to 6; their cells are cut with '…'. Numbers,
// times and labels are never cut.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "bk/text.hpp"
#include "report_internal.hpp"

namespace bk::report {

namespace {

constexpr int kMaxAutoDecimals = 4;
constexpr int64_t kMinCutWidth = 6;  // a text column is not cut narrower than this

// Digits after the point in the shortest text of v (1e-05 has 5; 1.5e+20 none).
int shortest_decimals(double v) {
  if (!std::isfinite(v)) return 0;
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  std::string_view s(buf, end - buf);
  size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  size_t dot = mant.find('.');
  int frac = dot == std::string_view::npos ? 0 : static_cast<int>(mant.size() - dot - 1);
  int exp = e == std::string_view::npos ? 0 : std::atoi(std::string(s.substr(e + 1)).c_str());
  return std::max(0, frac - exp);
}

void group_thousands(std::string& s) {
  size_t start = s[0] == '-' ? 1 : 0;
  size_t end = s.find('.');
  if (end == std::string::npos) end = s.size();
  for (size_t k = end; k > start + 3; k -= 3) s.insert(k - 3, ",");
}

// Text with control characters escaped and invalid UTF-8 replaced.
std::string printable(std::string_view raw) {
  std::string s = sanitize_utf8(raw), out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    size_t start = pos;
    char32_t c = next_codepoint(s, pos);
    bool control = c < 0x20 || (c >= 0x7F && c < 0xA0);
    if (!control) {
      out.append(s, start, pos - start);
      continue;
    }
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// `s` cut to `width` columns with '…' when it is wider.
std::string cut(const std::string& s, int64_t width) {
  if (display_width(s) <= width) return s;
  if (width <= 0) return "";
  int64_t w = 0;
  return s.substr(0, fit_width(s, width - 1, w)) + "…";
}

// `s` padded with spaces to `width` columns, on the left when right-aligned.
std::string pad(const std::string& s, int64_t width, bool right) {
  int64_t fill = std::max<int64_t>(0, width - display_width(s));
  return right ? std::string(fill, ' ') + s : s + std::string(fill, ' ');
}

// Every cell's text, the header first.
std::vector<std::vector<std::string>> cell_texts(const Shown& t, const std::vector<ColumnStyle>& styles,
                                                 bool group_digits) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& n : t.cells.names) header.push_back(printable(n));
  rows.push_back(std::move(header));
  for (int64_t r = 0; r < t.cells.rows; ++r) {
    std::vector<std::string> row;
    for (size_t c = 0; c < t.cells.names.size(); ++c) row.push_back(cell_text(t, r, c, styles[c], group_digits));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Column widths fitted to `width` (0: no limit): the widest text column gives up one
// column at a time until the table fits or no text column can give more.
std::vector<int64_t> fit_columns(const std::vector<std::vector<std::string>>& texts,
                                 const std::vector<ColumnStyle>& styles, int64_t width) {
  size_t n = styles.size();
  std::vector<int64_t> w(n, 0), floor(n, 0);
  for (size_t r = 0; r < texts.size(); ++r)
    for (size_t c = 0; c < n; ++c) {
      int64_t dw = display_width(texts[r][c]);
      w[c] = std::max(w[c], dw);
      if (r > 0 && styles[c].numeric) floor[c] = std::max(floor[c], dw);  // numbers are never cut
    }
  for (size_t c = 0; c < n; ++c)
    if (!styles[c].numeric) floor[c] = std::min(w[c], kMinCutWidth);
  int64_t total = 2 * static_cast<int64_t>(n ? n - 1 : 0);
  for (auto x : w) total += x;
  while (width > 0 && total > width) {
    size_t best = n;
    for (size_t c = 0; c < n; ++c)
      if (w[c] > floor[c] && (best == n || w[c] > w[best])) best = c;
    if (best == n) break;
    --w[best];
    --total;
  }
  return w;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string text_line(const std::vector<std::string>& cells, const std::vector<int64_t>& w,
                      const std::vector<ColumnStyle>& styles) {
  std::string line;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c) line += "  ";
    line += pad(cut(cells[c], w[c]), w[c], styles[c].numeric);
  }
  return rtrim(line) + "\n";
}

std::string rule(const std::vector<int64_t>& w) {
  std::string line;
  for (size_t c = 0; c < w.size(); ++c) line += (c ? "  " : "") + std::string(w[c], '-');
  return line + "\n";
}

// Markdown: backslash before every character that could format (GitHub renders any
// escaped ASCII punctuation as itself); '|' must be escaped inside a table.
std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>|~#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string format_int(int64_t v, bool group_digits) {
  std::string s = std::to_string(v);
  if (group_digits) group_thousands(s);
  return s;
}

std::string format_number(double v, int decimals, bool group_digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[400];
  auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals).ptr;
  std::string s(buf, end - buf);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // -0.00
  if (group_digits) group_thousands(s);
  return s;
}

std::vector<ColumnStyle> column_styles(const Shown& t, const ReportOptions& opts) {
  std::vector<ColumnStyle> styles;
  for (const auto& c : t.cells.columns) {
    ColumnStyle s;
    s.numeric = c.type == Type::Int64 || c.type == Type::Float64;
    if (c.type == Type::Float64) {
      if (opts.decimals >= 0)
        s.decimals = opts.decimals;
      else
        for (int64_t i = 0; i < c.size(); ++i)
          if (!c.is_null(i))
            s.decimals = std::max(s.decimals, std::min(kMaxAutoDecimals, shortest_decimals(c.floats[i])));
    }
    styles.push_back(s);
  }
  return styles;
}

std::string cell_text(const Shown& t, int64_t row, size_t col, const ColumnStyle& style, bool group_digits) {
  if (t.labels[row].col == static_cast<int>(col)) return printable(t.labels[row].text);
  const Column& c = t.cells.columns[col];
  if (c.is_null(row)) return "";
  switch (c.type) {
    case Type::Int64: return format_int(c.ints[row], group_digits);
    case Type::Float64: return format_number(c.floats[row], style.decimals, group_digits);
    case Type::String:
    case Type::Json: return printable(c.str(row));
    default: {
      std::string s;
      append_value_text(s, c, row);
      return s;
    }
  }
}

std::string limit_note(const Shown& t) {
  if (t.data_rows == t.data_rows_before_limit) return "";
  return concat("showing ", t.data_rows, " of ", t.data_rows_before_limit, " rows");
}

std::string render_text(const Shown& t, const ReportOptions& opts, int64_t width) {
  std::string out;
  if (!opts.title.empty()) out += printable(opts.title) + "\n\n";
  if (t.data_rows == 0) {
    out += t.data_rows_before_limit ? "(no rows: --limit 0)\n" : "(no rows)\n";
    return out;
  }
  auto styles = column_styles(t, opts);
  auto texts = cell_texts(t, styles, opts.group_digits);
  auto w = fit_columns(texts, styles, width);
  out += text_line(texts[0], w, styles);
  out += rule(w);
  for (int64_t r = 0; r < t.cells.rows; ++r) {
    if (t.kinds[r] == RowKind::Total) out += rule(w);
    out += text_line(texts[r + 1], w, styles);
  }
  std::string note = limit_note(t);
  if (!note.empty()) out += "(" + note + ")\n";
  return out;
}

std::string render_markdown(const Shown& t, const ReportOptions& opts) {
  std::string out;
  if (!opts.title.empty()) out += "# " + md_escape(printable(opts.title)) + "\n\n";
  if (t.data_rows == 0) return out + (t.data_rows_before_limit ? "_No rows (--limit 0)._\n" : "_No rows._\n");
  auto styles = column_styles(t, opts);
  auto texts = cell_texts(t, styles, opts.group_digits);
  for (size_t r = 0; r < texts.size(); ++r)
    for (size_t c = 0; c < texts[r].size(); ++c) {
      bool label = r > 0 && t.labels[r - 1].col == static_cast<int>(c);
      texts[r][c] = label ? "**" + md_escape(texts[r][c]) + "**" : md_escape(texts[r][c]);
    }
  auto w = fit_columns(texts, styles, 0);
  for (auto& x : w) x = std::max<int64_t>(x, 3);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (size_t c = 0; c < cells.size(); ++c) s += " " + pad(cells[c], w[c], styles[c].numeric) + " |";
    return s + "\n";
  };
  out += line(texts[0]);
  out += "|";
  for (size_t c = 0; c < w.size(); ++c)
    out += styles[c].numeric ? " " + std::string(w[c] - 1, '-') + ": |" : " :" + std::string(w[c] - 1, '-') + " |";
  out += "\n";
  for (size_t r = 1; r < texts.size(); ++r) out += line(texts[r]);
  std::string note = limit_note(t);
  if (!note.empty()) out += "\n_" + note + "_\n";
  return out;
}

}  // namespace bk::report
