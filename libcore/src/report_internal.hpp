// What the parts of bk-report share: the input table (report.cpp), the shaped table
// (report_table.cpp), cell formatting and the text and Markdown tables
// (report_text.cpp), the HTML page and its charts (report_html.cpp, report_chart.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bk/batch.hpp"
#include "bk/report.hpp"

namespace bk::report {

// Every record read, columns unioned by name in first-appearance order (types widen as
// in a batch), and where each row came from.
struct Input {
  Batch data;
  std::vector<std::string> sources;  // input names, as messages call them
  std::vector<int32_t> source;       // per row: index into sources
  std::vector<int64_t> line;         // per row: its line (chunk input: its record number)

  // "in.ndjson:4", for messages.
  std::string where(int64_t row) const;
  // "in.ndjson", or "the input" when there were several.
  std::string name() const;
};

// Throws the usage error for a field that is not in the input, with a suggestion:
// "--columns: no field 'regoin' in in.ndjson (did you mean 'region'?)".
[[noreturn]] void no_field(const std::string& flag, const std::string& name, const std::vector<std::string>& names,
                           const std::string& where);

enum class RowKind : uint8_t { Data, Subtotal, Total };

// A label shown in place of a cell ("total", "subtotal"); col -1: none.
struct Label {
  int col = -1;
  std::string text;
};

// The table as shown: columns chosen, pivoted, rows sorted and limited, subtotal and
// total rows added. Total rows hold their sums in the total columns, the group's keys
// (subtotals) and null elsewhere; the label stands in one cell.
struct Shown {
  Batch cells;
  std::vector<RowKind> kinds;   // per row
  std::vector<Label> labels;    // per row
  std::vector<int64_t> origin;  // per row: the input row it shows (a pivoted row: its first); -1 for sums
  int64_t data_rows = 0;        // data rows shown
  int64_t data_rows_before_limit = 0;
  std::vector<int64_t> chart_rows;  // input rows the charts draw, in order
};

// --columns, --pivot, --sort, --limit, --subtotal and --total applied to the input.
Shown shape_table(const Input& in, const ReportOptions& opts);

// Compares row a of column c with row b: numbers as numbers (also text that reads as
// a number, which sorts before other text), times as times, text bytewise, false <
// true; nulls after everything. Returns <0, 0, >0.
int compare_cells(const Column& c, int64_t a, int64_t b);

// ---- cell text (report_text.cpp) -------------------------------------------------

struct ColumnStyle {
  bool numeric = false;  // right-aligned
  int decimals = 0;      // float columns: digits after the point
};

std::vector<ColumnStyle> column_styles(const Shown& t, const ReportOptions& opts);
// A number with `decimals` digits after the point (rounded to nearest), optionally
// with thousands separators; "-0.00" is shown as "0.00". nan, inf, -inf as such.
std::string format_number(double v, int decimals, bool group_digits);
std::string format_int(int64_t v, bool group_digits);
// The text a cell shows: a label, a formatted number, a time in RFC 3339, text with
// control characters escaped (\n, \t, \r, \u001b) and invalid UTF-8 replaced; "" for null.
std::string cell_text(const Shown& t, int64_t row, size_t col, const ColumnStyle& style, bool group_digits);
// "showing 10 of 12 rows" when --limit cut rows, else "".
std::string limit_note(const Shown& t);

std::string render_text(const Shown& t, const ReportOptions& opts, int64_t width);
std::string render_markdown(const Shown& t, const ReportOptions& opts);

// ---- HTML (report_html.cpp, report_chart.cpp) ---------------------------------------

// Text escaped for HTML and SVG element content and attribute values.
void append_html_escaped(std::string& out, std::string_view s);
std::string render_html(const Shown& t, const Input& in, const ReportOptions& opts);
// One chart as an inline <svg> element (or a note when it has nothing to draw).
std::string render_chart(const ChartSpec& spec, const Input& in, const std::vector<int64_t>& rows,
                         const ReportOptions& opts);

}  // namespace bk::report
