// bk-report: a result table (usually bk-aggregate's output) made for people to read:
// an aligned text table fitted to the terminal, a GitHub Markdown table, CSV, JSON, or
// one self-contained HTML page with a styled table and inline SVG charts. Columns are
// chosen and ordered, rows sorted and limited, totals and subtotals added (exact sums,
// as bk-aggregate's), and one column can be pivoted into columns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk {

enum class ReportFormat { Text, Markdown, Csv, Json, Html };

// "text", "markdown" (or "md"), "csv", "json", "html"; throws a usage error naming -f.
ReportFormat parse_report_format(std::string_view name);

struct SortKey {
  std::string field;
  bool descending = false;
};

// "-bill,region": a leading '-' sorts that key descending; throws a usage error.
std::vector<SortKey> parse_sort_keys(const std::string& text);

struct ChartSpec {
  enum class Kind { Line, Bar };
  Kind kind = Kind::Line;
  std::string x, y, series, title;  // series and title optional
  std::string text;                 // as given, for messages
};

// "line:x=month,y=kwh,series=region" or "bar:x=region,y=bill,title=Bills"; throws a
// usage error that names the part that is wrong.
ChartSpec parse_chart_spec(const std::string& text);

struct ReportOptions {
  std::vector<std::string> inputs;
  ReadOptions read;
  std::string output;  // "" or "-": stdout
  ReportFormat format = ReportFormat::Text;
  std::string title;
  std::vector<std::string> columns;   // empty: every field, in first-appearance order
  std::vector<SortKey> sort;          // empty: input order
  int64_t limit = -1;                 // -1: every row
  std::vector<std::string> total;     // columns summed in the totals row
  std::vector<std::string> subtotal;  // group columns: a subtotal row after each group
  std::string pivot, value;           // --pivot COLUMN --value COLUMN
  std::vector<ChartSpec> charts;      // -f html only
  int decimals = -1;                  // -1: per column, the fewest that show every value, at most 4
  bool group_digits = false;          // 1,234,567
  int64_t width = -1;                 // text: -1: $COLUMNS, the terminal's, else 100; 0: no limit
  int64_t max_rows = 10000;           // text and markdown stop above this many rows
};

void run_report(Context& ctx, const ReportOptions& opts);

// "Nice" axis ticks: multiples of 1, 2 or 5 times a power of ten covering [lo, hi],
// at most about `target` of them (lo < hi); the first <= lo, the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace bk
