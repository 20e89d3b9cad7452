// bk-cat: the adapter. Any input format to any output format, with field selection
// and a row limit; and, for chunk files, their schema, statistics and verification.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bk/chunk.hpp"
#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk {

struct CatOptions {
  enum class Mode { Convert, Schema, Stats, Verify };
  Mode mode = Mode::Convert;
  std::vector<std::string> inputs;
  ReadOptions read;
  Format output_format = Format::Ndjson;
  // Chunk output's compression; unset: zstd, except to a pipe (chunk_codec in write.hpp).
  std::optional<chunk::Codec> codec;
  std::string output;               // "" or "-": stdout
  std::vector<std::string> select;  // empty: every field
  int64_t head = -1;                // -1: no limit
  std::vector<std::string> set;     // "name = EXPR", applied in order
  std::string where;                // a filter over the fields after --set; empty: none
  std::string tz;                   // calendar functions' time zone; empty: UTC
};

// Splits "a, b,c" into field names (blanks trimmed); throws a usage error naming `flag`.
std::vector<std::string> parse_field_list(const std::string& text, const std::string& flag);

void run_cat(Context& ctx, const CatOptions& opts);

}  // namespace bk
