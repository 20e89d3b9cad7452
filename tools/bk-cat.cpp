// bk-cat: any input format → any output format; --select, --head.
#include "bk/cat.hpp"
#include "bk/cli.hpp"

int main(int argc, char** argv) {
  bk::cli::Common common;
  bk::CatOptions opts;
  std::string select;

  CLI::App app{"Read records (NDJSON, CSV, TSV; gzip or not) and write them as NDJSON, CSV or TSV.", "bk-cat"};
  app.set_version_flag("--version", "bk-cat " BK_VERSION);
  bk::cli::add_input_flags(app, common);
  bk::cli::add_output_flags(app, common);
  app.add_option("--select", select, "Keep only these fields, in this order (a missing field is null)")
      ->type_name("a,b,c");
  app.add_option("--head", opts.head, "Stop after N records")->type_name("N");
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-cat readings.ndjson -O csv -o readings.csv   NDJSON to CSV, written atomically
  bk-cat data/ --select device,ts,value --head 5  first 5 records of a directory
  zcat old.csv.gz | bk-cat -O tsv                 stdin (gzip is detected anyway)
  bk-cat export.csv --delimiter ';' --strings     semicolons, no type inference

See man bk-cat, and man bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    opts.inputs = common.inputs;
    opts.read = common.read_options();
    opts.output_format = common.output_format_value();
    opts.output = common.output;
    if (!select.empty() || app.count("--select")) opts.select = bk::parse_field_list(select, "--select");
    bk::run_cat(ctx, opts);
  });
}
