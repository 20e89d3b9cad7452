// bk-cat: any input format → any output format; --select, --head.
#include "bk/cat.hpp"
#include "bk/cli.hpp"

int main(int argc, char** argv) {
  bk::cli::Common common;
  bk::CatOptions opts;
  std::string select, codec;
  bool schema = false, stats = false, verify = false;

  CLI::App app{"Read records (NDJSON, CSV, TSV, chunk; gzip or not) and write them as NDJSON, CSV, TSV or chunk.",
               "bk-cat"};
  app.set_version_flag("--version", "bk-cat " BK_VERSION);
  bk::cli::add_input_flags(app, common);
  bk::cli::add_output_flags(app, common);
  app.add_option("--select", select, "Keep only these fields, in this order (a missing field is null)")
      ->type_name("a,b,c");
  app.add_option("--where", opts.where, "Keep only the records where EXPR is true (see man 7 bk-expr)")
      ->type_name("EXPR");
  app.add_option("--set", opts.set, "Add or replace a field: 'name = EXPR' (repeatable; applied in order, before --where)")
      ->type_name("'NAME = EXPR'");
  app.add_option("--tz", opts.tz, "Time zone of calendar functions (trunc, year, strftime ...): an IANA name; default UTC")
      ->type_name("ZONE");
  app.add_option("--head", opts.head, "Stop after N records")->type_name("N")->check(bk::cli::non_negative());
  app.add_option("--codec", codec, "Chunk output compression: zstd (default; none to a pipe), zlib, none")->type_name("CODEC");
  app.add_flag("--schema", schema, "Print the inputs' unified schema as JSON (chunk files: without decoding data)");
  app.add_flag("--stats", stats, "Print chunk files' rows, blocks, bytes and per-column nulls/min/max from the footer");
  app.add_flag("--verify", verify, "Decode chunk files (a dataset: each against its manifest), check every checksum; name the bad block, exit 1 on damage");
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-cat readings.ndjson -O csv -o readings.csv   NDJSON to CSV, written atomically
  bk-cat data/ --select device,ts,value --head 5  first 5 records of a directory
  zcat old.csv.gz | bk-cat -O tsv                 stdin (gzip is detected anyway)
  bk-cat export.csv --delimiter ';' --strings     semicolons, no type inference
  bk-cat r.ndjson --where 'status == "ok" and value > 5' -O csv
  bk-cat r.ndjson --set 'kwh = value / 1000' --select device,kwh
  bk-cat readings.ndjson -O chunk -o r.bkc        typed, compressed chunk file
  bk-cat r.bkc --stats                            rows, blocks, min/max per column
  bk-cat r.bkc --verify                           check every block's checksum

See man bk-cat, and man 7 bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    opts.inputs = common.inputs;
    opts.read = common.read_options();
    opts.output_format = common.output_format_value();
    opts.output = common.output;
    if (!select.empty() || app.count("--select")) opts.select = bk::parse_field_list(select, "--select");
    if (app.count("--codec")) opts.codec = bk::chunk::parse_codec(codec);
    if (schema + stats + verify > 1) throw bk::Error::usage("--schema, --stats and --verify exclude each other");
    if (schema) opts.mode = bk::CatOptions::Mode::Schema;
    if (stats) opts.mode = bk::CatOptions::Mode::Stats;
    if (verify) opts.mode = bk::CatOptions::Mode::Verify;
    if (opts.mode != bk::CatOptions::Mode::Convert && (app.count("-O") || app.count("--select") || app.count("--head") || app.count("--where") || app.count("--set") || app.count("--tz")))
      throw bk::Error::usage("-O, --select, --head, --where and --set apply to converting, not to --schema, --stats or --verify");
    bk::run_cat(ctx, opts);
  });
}
