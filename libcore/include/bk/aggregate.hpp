// bk-aggregate: records grouped by key expressions and time windows, reduced by
// aggregate functions; exact, parallel, and mergeable across shards.
//
//   read → parse → --where → group keys → 64 hash-partition tables of aggregate
//        states (each batch updates them partition by partition, under their locks)
//        → groups sorted by key → states finished → -a expressions → --having → output
//
// Every state merges exactly and independently of order (exact sums, min/max, first and
// last by event time with input order breaking ties, value lists, HyperLogLog registers,
// DDSketch buckets), so the result is the same for any thread count, block size or split
// into shards. --partial writes the states (a chunk file); --merge reads them back.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bk/chunk.hpp"
#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk {

struct AggregateOptions {
  std::vector<std::string> inputs;
  ReadOptions read;
  std::vector<std::string> group_by;  // -g texts (each a comma-separated list)
  std::vector<std::string> aggs;      // -a texts (each a comma-separated list)
  std::string where, having;
  std::string window;      // DURATION (15m) or calendar unit (day, week, month, quarter, year)
  std::string time_field;  // --time; empty: the input's event-time field
  std::string tz;          // calendar windows and functions; empty: UTC
  bool partial = false;    // write mergeable states
  bool merge = false;      // inputs are partial files
  std::string output;      // "" or "-": stdout
  Format output_format = Format::Ndjson;
  bool output_format_given = false;
  // Chunk output's compression; unset: zstd, except to a pipe (chunk_codec in write.hpp).
  std::optional<chunk::Codec> codec;
  std::string stats;  // --stats FILE
};

void run_aggregate(Context& ctx, const AggregateOptions& opts);

// The names bk-aggregate knows, for help and messages: "count", "sum", …
const std::vector<std::string>& aggregate_function_names();

}  // namespace bk
