// bk-report -f html: one self-contained page (no network, no JavaScript): a title, the
// charts as inline SVG (report_chart.cpp), then the table. Styles are in the page's own
// <style>; every piece of data is escaped.
#include "bk/text.hpp"
#include "report_internal.hpp"

namespace bk::report {

namespace {

const char* const kStyle =
    R"(body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2328;background:#fff;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 1.2rem}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .8rem;text-align:left;vertical-align:top;border-bottom:1px solid #d0d7de;white-space:pre-wrap}
th{background:#f6f8fa;border-bottom:2px solid #8c959f;font-weight:600}
th.num,td.num{text-align:right}
tbody tr:nth-child(even) td{background:#f9fafb}
tr.subtotal td{font-weight:600;background:#eef1f4}
tr.total td{font-weight:700;background:#e6eaef;border-top:2px solid #57606a}
p.note,p.empty,figcaption{color:#57606a}
figure.chart{margin:0 0 2rem}
figure.chart svg{max-width:100%;height:auto}
)";

void tag(std::string& out, const char* open, std::string_view text, const char* close) {
  out += open;
  append_html_escaped(out, text);
  out += close;
}

void append_table(std::string& out, const Shown& t, const ReportOptions& opts) {
  auto styles = column_styles(t, opts);
  out += "<table>\n<thead><tr>";
  for (size_t c = 0; c < t.cells.names.size(); ++c)
    tag(out, styles[c].numeric ? "<th class=\"num\">" : "<th>", t.cells.names[c], "</th>");
  out += "</tr></thead>\n<tbody>\n";
  for (int64_t r = 0; r < t.cells.rows; ++r) {
    out += t.kinds[r] == RowKind::Total      ? "<tr class=\"total\">"
           : t.kinds[r] == RowKind::Subtotal ? "<tr class=\"subtotal\">"
                                             : "<tr>";
    for (size_t c = 0; c < t.cells.names.size(); ++c)
      tag(out, styles[c].numeric ? "<td class=\"num\">" : "<td>", cell_text(t, r, c, styles[c], opts.group_digits),
          "</td>");
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
}

}  // namespace

void append_html_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string render_html(const Shown& t, const Input& in, const ReportOptions& opts) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"bk-report\">\n";
  std::string title = sanitize_utf8(opts.title);
  tag(out, "<title>", title.empty() ? "Report" : title, "</title>\n");
  out += "<style>\n";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n";
  if (!title.empty()) tag(out, "<h1>", title, "</h1>\n");
  if (t.data_rows == 0) {
    out += t.data_rows_before_limit ? "<p class=\"empty\">No rows (--limit 0).</p>\n"
                                    : "<p class=\"empty\">No rows.</p>\n";
    return out + "</body>\n</html>\n";
  }
  for (const auto& chart : opts.charts) out += render_chart(chart, in, t.chart_rows, opts);
  append_table(out, t, opts);
  std::string note = limit_note(t);
  if (!note.empty()) tag(out, "<p class=\"note\">", note, "</p>\n");
  return out + "</body>\n</html>\n";
}

}  // namespace bk::report
