// bk-ingest: raw records in, clean typed chunk files out. man/bk-ingest.1 is the
// user's reference; this is the library side.
//
// Every record read ends in exactly one of four counts: written, rejected (bad input,
// set aside with a reason), deduplicated (its --dedup key was seen before in the run),
// filtered (--where was not true). The counts are checked to add up at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bk/batch.hpp"
#include "bk/chunk.hpp"
#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk {

class TimeZone;

// One field of a schema: its type and what its values must satisfy.
struct FieldSpec {
  std::string name;
  Type type = Type::Null;  // Null: not declared (kept as read)
  bool required = false;   // a null or missing value is a bad record
  std::optional<double> min, max;     // int64/float64: numbers; timestamp: µs since the epoch
  std::vector<std::string> values;    // allowed values, compared as their text
};

struct Schema {
  std::vector<FieldSpec> fields;
  std::string time_field;  // "" when none
  const FieldSpec* find(const std::string& name) const;
};

// Reads a schema file: {"fields":[{"name":"ts","type":"timestamp","required":true,
// "min":0,"max":100,"values":["a","b"]}, ...], "time_field":"ts"}. bk-cat --schema and
// bk-ingest --print-schema write files it reads. Throws bk::Error naming `source`.
Schema parse_schema(std::string_view json, const std::string& source);
// "--field name:type[:required]".
FieldSpec parse_field_flag(const std::string& text);
// The schema as the JSON parse_schema reads (one line per field, for people).
std::string schema_json(const Schema& s);

// How numbers in the event-time field (and any timestamp field) count time since the epoch.
enum class EpochUnit { None, Seconds, Millis, Micros, Nanos };
EpochUnit parse_epoch_unit(const std::string& text);  // s|ms|us|ns; throws a usage error

struct IngestOptions {
  std::vector<std::string> inputs;
  ReadOptions read;
  std::string output;                 // "" or "-": stdout
  Format output_format = Format::Chunk;
  // Chunk compression; unset: zstd, except to a pipe (chunk_codec in write.hpp).
  std::optional<chunk::Codec> codec;

  Schema schema;                      // from --schema and --field
  std::string time_field;             // --time (wins over the schema's time_field)
  EpochUnit time_unit = EpochUnit::None;
  std::string tz;                     // zone of times without an offset; "" UTC
  std::vector<std::pair<std::string, std::string>> renames;  // old, new
  std::vector<std::string> drops;
  std::string where;
  std::vector<std::string> dedup;
  bool print_schema = false;

  std::string rejects;                // "" : the first bad record stops the run
  int64_t max_rejects = -1;           // -1: no limit
  double max_rejects_percent = -1;    // -1: no limit
  std::string stats;                  // "": no stats file

  std::string dataset;                // "": no dataset
  bool wait = true;                   // --no-wait: false
  enum class OnChanged { Fail, Skip, Ingest };
  OnChanged on_changed = OnChanged::Fail;
  int64_t roll_micros = 0;            // --roll DURATION
  int64_t roll_rows = 0;              // --roll ROWS
};

// The counts of a run.
struct IngestCounts {
  int64_t read = 0, written = 0, rejected = 0, deduplicated = 0, filtered = 0;
};

void run_ingest(Context& ctx, const IngestOptions& opts);

}  // namespace bk
