// bk-partition: records into key=value folders by hash, time or value; atomically.
#include "bk/cat.hpp"
#include "bk/cli.hpp"
#include "bk/partition.hpp"

int main(int argc, char** argv) {
  bk::cli::Common common;
  common.output_format = "chunk";
  bk::PartitionOptions o;
  std::string select, codec = "zstd";
  bool no_wait = false;

  CLI::App app{
      "Split records into partitions: folders named key=value (bucket=07, day=2026-03-01, site=s-1) "
      "by a stable hash of key fields, the event time's hour, day, month or year, or each distinct "
      "value. Related records always land in the same partition; all files appear at once.",
      "bk-partition"};
  app.set_version_flag("--version", "bk-partition " BK_VERSION);
  bk::cli::add_input_flags(app, common);
  app.add_option("--by", o.by,
                 "Partition by hash:FIELDS:N, time:UNIT, time:FIELD:UNIT (hour, day, month, year) or value:FIELD "
                 "(repeatable: levels nest in this order)")
      ->type_name("SPEC");
  app.add_option("-d,--out-dir", o.out_dir, "Write the partitions into DIR (created if needed), with a _manifest.json")
      ->type_name("DIR");
  app.add_option("-O,--output-format", common.output_format, "Format of the files: chunk (default), ndjson, csv, tsv")
      ->type_name("FORMAT");
  app.add_option("--codec", codec, "Chunk compression: zstd (default), zlib, none")->type_name("CODEC");
  app.add_option("--where", o.where, "Partition only the records where EXPR is true (see man 7 bk-expr)")
      ->type_name("EXPR");
  app.add_option("--select", select, "Write only these fields, in this order (a missing field is null)")
      ->type_name("a,b,c");
  app.add_option("--tz", o.tz,
                 "Zone of time folders, of times without an offset, and of calendar functions (default UTC)")
      ->type_name("ZONE");
  app.add_option("--max-open", o.max_open,
                 "Keep at most N partition files open at once (default 128; any number of partitions works)")
      ->type_name("N");
  app.add_flag("--sync", o.sync, "Make the files durable (syncfs) before the manifest lists them");
  app.add_flag("--no-wait", no_wait, "Fail at once if another run is writing to DIR, instead of waiting");
  app.add_option("--stats", o.stats,
                 "Write the run's counts (rows in, filtered, out; partitions; bytes) as JSON to FILE")
      ->type_name("FILE");
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-partition readings.ndjson --by hash:device:16 -d parts/     parts/bucket=00/ … bucket=15/
  bk-partition r.bkc --by time:month --by hash:device:8 -d parts/   month=2026-03/bucket=05/
  bk-partition readings.ndjson --by time:ts:day --tz Europe/Berlin -d daily/
  bk-partition readings.ndjson --by value:site -O ndjson -d by-site/
  bk-cat parts/ --hive --where 'bucket == 7'      read back, with the folder keys as fields

Each file is DIR/<folders>/part-<id>.bkc, <id> from the inputs: running the same inputs
again replaces their files; other inputs add files beside them.
See man bk-partition, and man 7 bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    o.inputs = common.inputs;
    o.read = common.read_options();
    o.output_format = common.output_format_value();
    o.codec = bk::chunk::parse_codec(codec);
    o.wait = !no_wait;
    if (app.count("--select")) o.select = bk::parse_field_list(select, "--select");
    if (app.count("--codec") && o.output_format != bk::Format::Chunk)
      throw bk::Error::usage("--codec applies to chunk files, not to -O " + common.output_format);
    bk::run_partition(ctx, o);
  });
}
