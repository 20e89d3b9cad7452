// bk-report: a result table → aligned text, Markdown, CSV, JSON, or HTML with SVG charts.
#include "bk/cat.hpp"
#include "bk/cli.hpp"
#include "bk/report.hpp"

int main(int argc, char** argv) {
  bk::cli::Common common;
  bk::ReportOptions o;
  std::string format = "text", columns, sort, total, subtotal;
  std::vector<std::string> charts;

  CLI::App app{
      "Turn a result table (usually bk-aggregate's output) into a report people read: an aligned text "
      "table, Markdown, CSV, JSON, or one self-contained HTML page with a table and SVG charts.",
      "bk-report"};
  app.set_version_flag("--version", "bk-report " BK_VERSION);
  bk::cli::add_input_flags(app, common);
  bk::cli::add_output_file_flag(app, common);
  app.add_option("-f,--format", format, "Report format: text (default), markdown, csv, json, html")
      ->type_name("FORMAT");
  app.add_option("--title", o.title, "A title above the table (text, markdown, html)")->type_name("TEXT");
  app.add_option("--columns", columns, "Show these columns, in this order")->type_name("a,b,c");
  app.add_option("--sort", sort, "Sort by these columns; a leading - sorts one descending; nulls last")
      ->type_name("-bill,region");
  app.add_option("--limit", o.limit, "Show the first N rows (after --sort)")
      ->type_name("N")
      ->check(bk::cli::non_negative());
  app.add_option("--total", total, "Add a totals row with the exact sums of these number columns")->type_name("a,b");
  app.add_option("--subtotal", subtotal,
                 "Group rows by these columns; a subtotal row of the --total columns after each group")
      ->type_name("a,b");
  app.add_option("--pivot", o.pivot,
                 "Turn the values of COLUMN into columns (with --value); the other columns are row keys")
      ->type_name("COLUMN");
  app.add_option("--value", o.value, "The column whose values fill the --pivot columns")->type_name("COLUMN");
  app.add_option("--chart", charts,
                 "-f html: a chart, line:x=X,y=Y[,series=S][,title=T] or bar:x=X,y=Y[,...] (repeatable)")
      ->type_name("SPEC")
      ->allow_extra_args(false);  // one SPEC per --chart: the next word is an input again
  app.add_option("--decimals", o.decimals,
                 "Digits after the point for float columns (default: as many as the values need, at most 4)")
      ->type_name("N")
      ->check(bk::cli::non_negative());
  app.add_flag("--group-digits", o.group_digits, "Thousands separators: 1,234,567.5");
  app.add_option("--width", o.width,
                 "Fit a text table to N columns; 0: no limit (default: $COLUMNS, the terminal, else 100)")
      ->type_name("N")
      ->check(bk::cli::non_negative());
  app.add_option("--max-rows", o.max_rows, "Text and markdown: stop with a hint above N rows (default 10000)")
      ->type_name("N")
      ->check(bk::cli::non_negative());
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-aggregate r.bkc -g region -a 'n = count(), bill = sum(bill)' | bk-report --sort -bill --total n,bill
  bk-report result.ndjson --columns region,month,kwh --limit 20 -f markdown
  bk-report monthly.ndjson --pivot month --value kwh --total kwh      months as columns
  bk-report bills.ndjson --subtotal region --total bill --group-digits --decimals 2
  bk-report monthly.ndjson -f html --title 'Consumption' -o report.html \
      --chart line:x=month,y=kwh,series=region --chart bar:x=region,y=bill
  bk-report huge.ndjson -f csv -o huge.csv        no --max-rows limit for csv, json, html

Totals are exact sums, as bk-aggregate's (7.416 + 0.583 is 7.999).
See man bk-report, and man 7 bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    o.inputs = common.inputs;
    o.read = common.read_options();
    o.output = common.output;
    o.format = bk::parse_report_format(format);
    if (app.count("--columns")) o.columns = bk::parse_field_list(columns, "--columns");
    if (app.count("--sort")) o.sort = bk::parse_sort_keys(sort);
    if (app.count("--total")) o.total = bk::parse_field_list(total, "--total");
    if (app.count("--subtotal")) o.subtotal = bk::parse_field_list(subtotal, "--subtotal");
    for (const auto& c : charts) o.charts.push_back(bk::parse_chart_spec(c));
    bk::run_report(ctx, o);
  });
}
