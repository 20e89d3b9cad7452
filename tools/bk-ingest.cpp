// bk-ingest: raw readings in, clean typed chunk files out; nothing lost, nothing twice.

#include <charconv>
#include <fstream>
#include <sstream>

#include "bk/cat.hpp"
#include "bk/cli.hpp"
#include "bk/ingest.hpp"
#include "bk/time.hpp"

namespace {

std::string read_file(const std::string& path, const std::string& flag) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw bk::Error::usage(bk::concat(flag, ": cannot read ", path), "check the path");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// --max-rejects N or P%.
void parse_max_rejects(const std::string& text, bk::IngestOptions& o) {
  auto bad = [&] {
    return bk::Error::usage(bk::concat("--max-rejects: '", text, "' is not a count or a percentage"),
                            "write 100 (records) or 0.5% (of the records read)");
  };
  if (text.empty()) throw bad();
  char* end = nullptr;
  if (text.back() == '%') {
    double p = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() - 1 || !(p >= 0 && p <= 100)) throw bad();
    o.max_rejects_percent = p;
    return;
  }
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (*end || n < 0 || text[0] == '-') throw bad();
  o.max_rejects = n;
}

// --roll DURATION (5m, 1h) or ROWS (a plain number).
void parse_roll(const std::string& text, bk::IngestOptions& o) {
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), o.roll_rows);
    if (ec != std::errc() || end != text.data() + text.size() || o.roll_rows <= 0)
      throw bk::Error::usage(bk::concat("--roll: '", text, "' rows: must be from 1 to 9223372036854775807"),
                             "write 10000 (rows) or a duration such as 5m");
    return;
  }
  int64_t us;
  if (!bk::parse_duration(text, us) || us <= 0)
    throw bk::Error::usage(bk::concat("--roll: '", text, "' is neither a duration nor a number of rows"),
                           "write 5m, 30s, 1h (wall time) or 10000 (rows)");
  o.roll_micros = us;
}

}  // namespace

int main(int argc, char** argv) {
  bk::cli::Common common;
  common.output_format = "chunk";
  bk::IngestOptions o;
  std::string schema_file, time_unit, max_rejects, roll, codec, on_changed = "fail";
  std::vector<std::string> fields, renames, drops, dedup;
  bool no_wait = false;

  CLI::App app{"Read raw records (NDJSON, CSV, TSV; gzip or not), type and clean them, and write typed chunk files: "
               "a stream, or a dataset directory that is appended to exactly once and atomically.",
               "bk-ingest"};
  app.set_version_flag("--version", "bk-ingest " BK_VERSION);
  bk::cli::add_input_flags(app, common);
  app.add_option("-o,--output", common.output, "Write to FILE (atomically: renamed into place when complete)")
      ->type_name("FILE");
  app.add_option("-O,--output-format", common.output_format, "Output format: chunk (default), ndjson, csv, tsv")
      ->type_name("FORMAT");
  app.add_option("-d,--dataset", o.dataset, "Append to the dataset in DIR (chunk files, manifest, ingest ledger)")
      ->type_name("DIR");
  app.add_option("--schema", schema_file, "Type and check fields as the JSON schema in FILE says (--print-schema writes one)")
      ->type_name("FILE");
  app.add_option("--field", fields, "Declare a field: NAME:TYPE or NAME:TYPE:required (repeatable; wins over --schema)")
      ->type_name("NAME:TYPE[:required]");
  app.add_flag("--print-schema", o.print_schema, "Print the schema of the cleaned records (a file --schema reads); write no data");
  app.add_option("--time", o.time_field, "The event-time field: parsed to a timestamp, required, marked in the chunk schema")
      ->type_name("FIELD");
  app.add_option("--time-unit", time_unit, "Read numbers in timestamp fields as epoch s, ms, us or ns")->type_name("UNIT");
  app.add_option("--tz", o.tz, "Zone of times without an offset, and of --where's calendar functions (default UTC)")
      ->type_name("ZONE");
  app.add_option("--rename", renames, "Rename a field: OLD=NEW (repeatable, or comma-separated)")->type_name("OLD=NEW");
  app.add_option("--drop", drops, "Leave out these fields")->type_name("a,b");
  app.add_option("--where", o.where, "Keep only the records where EXPR is true (after typing; see man 7 bk-expr)")
      ->type_name("EXPR");
  app.add_option("--dedup", dedup, "Drop a record whose values of these fields were seen before in the run")
      ->type_name("a,b");
  app.add_option("--rejects", o.rejects, "Set bad records aside in FILE as NDJSON {source, line, reason, raw} and go on")
      ->type_name("FILE");
  app.add_option("--max-rejects", max_rejects, "With --rejects: fail past N bad records, or P% of those read (nothing committed; with --roll, nothing more)")
      ->type_name("N|P%");
  app.add_option("--stats", o.stats, "Write the run's counts (read = written + rejected + deduplicated + filtered) as JSON to FILE")
      ->type_name("FILE");
  app.add_flag("--no-wait", no_wait, "With --dataset: fail at once if another run is writing to it, instead of waiting");
  app.add_option("--on-changed", on_changed, "With --dataset, for an ingested input whose content changed: fail (default), skip, ingest")
      ->type_name("ACTION");
  app.add_option("--roll", roll, "With --dataset: read stdin on and on; commit a chunk every DURATION (5m) or ROWS (10000)")
      ->type_name("DURATION|ROWS");
  app.add_option("--codec", codec, "Chunk compression: zstd (default; none to a pipe), zlib, none")->type_name("CODEC");
  bk::cli::add_run_flags(app, common);
  app.footer(R"(Examples:
  bk-ingest readings.ndjson --time ts -o r.bkc          typed chunk file, event time marked
  bk-ingest in/ -d raw/ --time ts --rejects bad.ndjson  hourly cron: new files only, bad ones aside
  bk-ingest export.csv --field value:float64:required --field device:string:required -O ndjson
  bk-ingest readings.ndjson --print-schema > schema.json   then edit it, and use --schema schema.json
  bk-ingest raw.ndjson --time epoch --time-unit ms --dedup device,epoch -o r.bkc
  mosquitto_sub -t 'meters/#' | bk-ingest -d raw/ --time ts --roll 5m

Every record read is written, rejected, deduplicated or filtered; --stats has the counts.
See man bk-ingest, and man 7 bk for what every tool shares.
)");

  return bk::cli::run(app, argc, argv, common, [&](bk::Context& ctx) {
    o.inputs = common.inputs;
    o.read = common.read_options();
    o.output = common.output;
    o.output_format = common.output_format_value();
    if (app.count("--codec")) o.codec = bk::chunk::parse_codec(codec);
    o.wait = !no_wait;
    if (app.count("--time-unit")) o.time_unit = bk::parse_epoch_unit(time_unit);
    if (app.count("--max-rejects")) parse_max_rejects(max_rejects, o);
    if (app.count("--roll")) parse_roll(roll, o);
    if (on_changed == "fail") o.on_changed = bk::IngestOptions::OnChanged::Fail;
    else if (on_changed == "skip") o.on_changed = bk::IngestOptions::OnChanged::Skip;
    else if (on_changed == "ingest") o.on_changed = bk::IngestOptions::OnChanged::Ingest;
    else throw bk::Error::usage(bk::concat("--on-changed: '", on_changed, "' is not an action"), "use fail, skip or ingest");
    if (!schema_file.empty()) o.schema = bk::parse_schema(read_file(schema_file, "--schema"), schema_file);
    for (const auto& f : fields) {
      bk::FieldSpec spec = bk::parse_field_flag(f);
      bool replaced = false;
      for (auto& s : o.schema.fields)
        if (s.name == spec.name) s = spec, replaced = true;
      if (!replaced) o.schema.fields.push_back(spec);
    }
    for (const auto& r : renames)
      for (const auto& pair : bk::parse_field_list(r, "--rename")) {
        size_t eq = pair.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
          throw bk::Error::usage(bk::concat("--rename: '", pair, "' is not OLD=NEW"), "--rename temperature=temp");
        o.renames.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      }
    for (const auto& d : drops)
      for (auto& name : bk::parse_field_list(d, "--drop")) o.drops.push_back(name);
    for (const auto& d : dedup)
      for (auto& name : bk::parse_field_list(d, "--dedup")) o.dedup.push_back(name);
    if (!o.dataset.empty() && (app.count("-o") || app.count("-O")))
      throw bk::Error::usage("--dataset writes chunk files into DIR; -o and -O apply without it");
    if (o.dataset.empty() && (no_wait || app.count("--roll")))
      throw bk::Error::usage(bk::concat(no_wait ? "--no-wait" : "--roll", " needs --dataset DIR"));
    if (o.print_schema && (app.count("-O") || app.count("--codec")))
      throw bk::Error::usage("--print-schema writes a schema; -O and --codec apply to data");
    if (!o.print_schema && o.dataset.empty() && o.output_format == bk::Format::Chunk &&
        bk::stdout_is_terminal(o.output))
      throw bk::Error::usage("refusing to write binary chunk data to a terminal",
                             "redirect it to a file or a pipe, use -o FILE, -d DIR, or -O ndjson");
    bk::run_ingest(ctx, o);
  });
}
