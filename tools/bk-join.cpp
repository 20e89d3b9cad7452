// bk-join: two inputs joined on key fields: inner, left, right, full, semi, anti, as-of.
#include "bk/cli.hpp"
#include "bk/join.hpp"

int main(int argc, char** argv) {
  bk::cli::Common common;
  bk::JoinOptions o;
  std::vector<std::string> sides;
  std::string codec;

  CLI::App app{
      "Join two inputs on key fields: inner, left, right, full, semi and anti joins, and as-of joins (each left "
      "record with the right record of the same keys that is latest at or before its time). One side is held in "
      "memory (the right, or the smaller); the other streams through.",
      "bk-join"};
  app.set_version_flag("--version", "bk-join " BK_VERSION);
  app.add_option("inputs", sides, "LEFT and RIGHT: each a file, a directory, or - for standard input (one side only)")
      ->type_name("LEFT RIGHT");
  bk::cli::add_read_flags(app, common);
  bk::cli::add_output_flags(app, common);
  app.add_option("--on", o.on, "Key fields: a,b where both sides call them so, or left=right; comma-separated")
      ->type_name("KEYS");
  app.add_option("-t,--type", o.type, "inner (default), left, right, full, semi, anti, asof")->type_name("TYPE");
  app.add_option("--asof", o.asof,
                 "As-of join by this time: FIELD, or LEFT=RIGHT; the right record latest at or before the left's")
      ->type_name("FIELD");
  app.add_option("--tolerance", o.tolerance, "As-of: match only right records at most this far back (15m, 1h, 2d)")
      ->type_name("DURATION");
  app.add_option("--suffix", o.suffix, "Appended to right fields whose names the left has (default _right)")
      ->type_name("TEXT");
  app.add_option("--build", o.build,
                 "The side held in memory: auto (the right, or the left when it is the smaller file), left, right")
      ->type_name("SIDE");
  app.add_option("--where", o.where, "Keep only the joined records where EXPR is true (see man 7 bk-expr)")
      ->type_name("EXPR");
  app.add_option("--tz", o.tz, "Zone of times without an offset, and of calendar functions (default UTC)")
      ->type_name("ZONE");
  app.add_option("--codec", codec, "Chunk output compression: zstd (default; none to a pipe), zlib, none")
      ->type_name("CODEC");
  app.add_option("--stats", o.stats, "Write the run's counts (rows per side, joined, filtered, out) as JSON to FILE")
      ->type_name("FILE");
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-join readings.ndjson devices.ndjson --on device              each reading with its device
  bk-join readings.ndjson devices.ndjson --on device --type left --where 'region is null'
                                                                  readings of unknown devices
  bk-join r.bkc meters.csv --on device=meter_id -O csv -o out.csv  the key named differently
  bk-join readings.ndjson tariffs.ndjson --on region --asof ts=valid_from
                                                                  the tariff in force at each reading
  bk-join trips.ndjson positions.ndjson --on vehicle --asof ts --tolerance 5m
                                                                  the last position within 5 minutes
  bk-cat raw/ --where 'value > 0' -O chunk | bk-join - devices.bkc --on device --type semi

Output order: the left's input order, each record's matches in the right's; unmatched right
records last (right, full). With the left built (--build left, or auto and the left the
smaller file) the sides swap roles; semi and anti keep the left's order (man bk-join, ORDER).
See man bk-join, man 7 bk-expr, and man 7 bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    if (sides.size() != 2)
      throw bk::Error::usage(bk::concat("two inputs are needed, LEFT and RIGHT; ", sides.size(),
                                        sides.size() == 1 ? " was" : " were", " given"),
                             "bk-join LEFT RIGHT --on KEYS; - for standard input");
    o.left = sides[0];
    o.right = sides[1];
    o.read = common.read_options();
    o.output = common.output;
    o.output_format = common.output_format_value();
    if (app.count("--codec")) o.codec = bk::chunk::parse_codec(codec);
    bk::run_join(ctx, o);
  });
}
