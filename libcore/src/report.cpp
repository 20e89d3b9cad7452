// bk-report's driver. A report needs every row before it can show the first (widths,
// sorting, totals, pivot), so the inputs are read through the batch pipeline into one
// table in memory (columns unioned by name, each row's file and line kept for
// messages); then the table is shaped (report_table.cpp) and rendered in one of five
// formats. Flags are checked before anything is read; field names, once the input's
// fields are known.
#include "bk/report.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

#include "bk/cat.hpp"
#include "bk/error.hpp"
#include "bk/text.hpp"
#include "bk/write.hpp"
#include "report_internal.hpp"

namespace bk {

ReportFormat parse_report_format(std::string_view name) {
  if (name == "text") return ReportFormat::Text;
  if (name == "markdown" || name == "md") return ReportFormat::Markdown;
  if (name == "csv") return ReportFormat::Csv;
  if (name == "json") return ReportFormat::Json;
  if (name == "html") return ReportFormat::Html;
  throw Error::usage(concat("-f/--format: unknown format '", name, "'"), "use text, markdown, csv, json or html");
}

std::vector<SortKey> parse_sort_keys(const std::string& text) {
  std::vector<SortKey> keys;
  for (auto& name : parse_field_list(text, "--sort")) {
    SortKey k;
    k.descending = name[0] == '-';
    k.field = k.descending ? name.substr(1) : name;
    if (k.field.empty()) throw Error::usage(concat("--sort: '-' without a field name in '", text, "'"), "write -bill");
    keys.push_back(std::move(k));
  }
  return keys;
}

ChartSpec parse_chart_spec(const std::string& text) {
  ChartSpec c;
  c.text = text;
  const std::string hint = "write line:x=month,y=kwh,series=region or bar:x=region,y=bill";
  size_t colon = text.find(':');
  std::string kind = text.substr(0, colon);
  if (kind == "line")
    c.kind = ChartSpec::Kind::Line;
  else if (kind == "bar")
    c.kind = ChartSpec::Kind::Bar;
  else
    throw Error::usage(concat("--chart ", text, ": unknown chart kind '", kind, "'"), hint);
  if (colon == std::string::npos) throw Error::usage(concat("--chart ", text, ": no x= and y="), hint);
  for (const auto& item : parse_field_list(text.substr(colon + 1), "--chart " + text)) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (value.empty()) throw Error::usage(concat("--chart ", text, ": '", item, "' has no value"), hint);
    if (key == "x")
      c.x = value;
    else if (key == "y")
      c.y = value;
    else if (key == "series")
      c.series = value;
    else if (key == "title")
      c.title = value;
    else
      throw Error::usage(concat("--chart ", text, ": unknown key '", key, "'"), "keys are x, y, series, title");
  }
  if (c.x.empty() || c.y.empty()) throw Error::usage(concat("--chart ", text, ": x= and y= are required"), hint);
  return c;
}

namespace report {

std::string Input::where(int64_t row) const { return concat(sources[source[row]], ":", line[row]); }

std::string Input::name() const { return sources.size() == 1 ? sources[0] : std::string("the input"); }

void no_field(const std::string& flag, const std::string& name, const std::vector<std::string>& names,
              const std::string& where) {
  std::string best = likely_typo_of(name, names);
  std::string fields;
  for (size_t k = 0; k < names.size() && k < 12; ++k) fields += (k ? ", " : "") + names[k];
  if (names.size() > 12) fields += ", …";
  throw Error::usage(concat(flag, ": no field '", name, "' in ", where),
                     best.empty() ? concat("the fields are ", fields) : concat("did you mean '", best, "'?"));
}

namespace {

// Collects every batch, in input order, into one Input; writes nothing.
class Collector : public Writer {
 public:
  Collector(Output& out, Input& in) : Writer(out), in_(in) {}
  void encode(const Batch&, Encoded&) const override {}
  void emit(const Batch& b, Encoded&) override {
    Batch& t = in_.data;
    for (size_t k = 0; k < b.names.size(); ++k)
      if (t.find(b.names[k]) < 0) t.add_column(b.names[k], Column::nulls(t.rows));
    for (size_t k = 0; k < t.names.size(); ++k) {
      int64_t src = b.find(t.names[k]);
      Column& dst = t.columns[k];
      for (int64_t i = 0; i < b.rows; ++i) {
        if (src >= 0)
          dst.append_from(b.columns[src], i);
        else
          dst.append_null();
      }
    }
    if (in_.sources.empty() || in_.sources.back() != b.source) in_.sources.push_back(b.source);
    for (int64_t i = 0; i < b.rows; ++i) {
      in_.source.push_back(static_cast<int32_t>(in_.sources.size() - 1));
      in_.line.push_back(static_cast<int64_t>(b.lines.size()) > i ? b.first_line + b.lines[i] - 1 : b.first_line + i);
    }
    t.rows += b.rows;
  }

 private:
  Input& in_;
};

Input read_input(Context& ctx, const ReportOptions& opts) {
  Input in;
  Output none("");
  Collector collect(none, in);
  run_pipeline(ctx, expand_inputs(opts.inputs), opts.read, {}, collect);
  return in;
}

// The flags that do not need the data, checked before anything is read.
void check_flags(const ReportOptions& o) {
  if (o.limit < -1) throw Error::usage("--limit: must be 0 or more");
  if (o.max_rows < 0) throw Error::usage("--max-rows: must be 0 or more");
  if (o.decimals > 15) throw Error::usage("--decimals: at most 15");
  if (o.pivot.empty() != o.value.empty())
    throw Error::usage("--pivot and --value go together", "--pivot month --value kwh: months become columns of kwh");
  if (!o.pivot.empty() && o.pivot == o.value) throw Error::usage("--pivot and --value name the same column");
  if (!o.subtotal.empty() && o.total.empty())
    throw Error::usage("--subtotal needs --total", "name the columns to sum: --subtotal region --total bill");
  for (const auto& s : o.subtotal)
    for (const auto& t : o.total)
      if (s == t) throw Error::usage(concat("'", s, "' is both a --subtotal group and a --total column"));
  if (!o.charts.empty() && o.format != ReportFormat::Html)
    throw Error::usage("--chart draws only in -f html", "add -f html");
}

// The width a text table is fitted to: --width, else $COLUMNS, else the terminal's,
// else 100.
int64_t text_width(const ReportOptions& o, Output& out) {
  if (o.width >= 0) return o.width;
  if (const char* env = std::getenv("COLUMNS")) {
    char* end = nullptr;
    long long n = std::strtoll(env, &end, 10);
    if (*env && !*end && n > 0) return n;
  }
  winsize ws{};
  if (out.is_terminal() && ::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

// Text and Markdown tables refuse to flood a terminal.
void check_max_rows(const Shown& t, const ReportOptions& o) {
  if (o.format != ReportFormat::Text && o.format != ReportFormat::Markdown) return;
  if (t.data_rows <= o.max_rows) return;
  throw Error(concat(t.data_rows, " rows are more than --max-rows ", o.max_rows, " for a ",
                     o.format == ReportFormat::Text ? "text" : "markdown", " table"),
              "show fewer with --limit N, raise --max-rows, or write -f csv or -f html");
}

// The shown table as records, its labels in their cells, through the NDJSON or CSV
// writer.
void write_records(const Shown& t, ReportFormat f, Output& out) {
  Batch b;
  b.rows = t.cells.rows;
  b.names = t.cells.names;
  for (size_t k = 0; k < t.cells.columns.size(); ++k) {
    const Column& c = t.cells.columns[k];
    bool labelled = false;
    for (const auto& l : t.labels) labelled |= l.col == static_cast<int>(k);
    if (!labelled) {
      b.columns.push_back(c);
      continue;
    }
    Column d;
    for (int64_t i = 0; i < c.size(); ++i) {
      if (t.labels[i].col == static_cast<int>(k))
        d.append_string(t.labels[i].text);
      else
        d.append_from(c, i);
    }
    b.columns.push_back(std::move(d));
  }
  auto writer = make_writer(f == ReportFormat::Csv ? Format::Csv : Format::Ndjson, out);
  if (b.rows == 0 && b.names.empty()) return writer->finish();
  Encoded enc;
  writer->prepare(b);
  writer->encode(b, enc);
  writer->emit(b, enc);
  writer->finish();
}

}  // namespace

}  // namespace report

void run_report(Context& ctx, const ReportOptions& opts) {
  using namespace report;
  // Check the flags before reading anything.
  check_flags(opts);

  // Read every input into one table.
  Input in = read_input(ctx, opts);

  // Choose, pivot, sort, limit, add subtotals and totals.
  Shown shown = shape_table(in, opts);
  check_max_rows(shown, opts);

  // Render.
  Output out(opts.output);
  switch (opts.format) {
    case ReportFormat::Text: out.write(render_text(shown, opts, text_width(opts, out))); break;
    case ReportFormat::Markdown: out.write(render_markdown(shown, opts)); break;
    case ReportFormat::Html: out.write(render_html(shown, in, opts)); break;
    case ReportFormat::Csv:
    case ReportFormat::Json:
      if (shown.data_rows == 0)
        print_note(ctx.tool, shown.data_rows_before_limit ? "no rows shown (--limit 0)" : "no rows in the input");
      write_records(shown, opts.format, out);
      break;
  }
  out.commit();
}

}  // namespace bk
