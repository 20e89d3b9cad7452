// bk-join: two inputs joined on key fields — inner, left, right, full, semi, anti —
// and as-of (each left record with the latest right record at or before its time).
//
//   read the build side (the right, or the smaller left) whole → one columnar table,
//   its keys in 64 hash partitions (built in parallel) → stream the other side through
//   the batch pipeline: each batch probes the table in parallel and becomes the joined
//   batch (--where on it), written in input order → the build side's records that no
//   record matched (right, full; left, full, semi, anti when the left is built)
//
// Only the build side is held in memory. Output order: see man bk-join (ORDER).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bk/chunk.hpp"
#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk {

struct JoinOptions {
  std::string left, right;  // each side: a file, a directory (every data file under it), "-" (stdin)
  ReadOptions read;
  std::string on;         // --on: "key" or "left_key=right_key", comma-separated
  std::string type;       // --type: inner, left, right, full, semi, anti, asof; "" inner (asof with --asof)
  std::string asof;       // --asof: "time" or "left_time=right_time"
  std::string tolerance;  // --tolerance: a duration (1h) for times, a number for numeric times
  std::string suffix = "_right";
  std::string build = "auto";  // --build: auto, left, right
  std::string where;
  std::string tz;      // times without an offset, and --where's calendar functions; "" UTC
  std::string output;  // "" or "-": stdout
  Format output_format = Format::Ndjson;
  // Chunk output's compression; unset: zstd, except to a pipe (chunk_codec in write.hpp).
  std::optional<chunk::Codec> codec;
  std::string stats;  // --stats FILE
};

void run_join(Context& ctx, const JoinOptions& opts);

}  // namespace bk
