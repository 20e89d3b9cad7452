// bk-partition: records → files in key=value folders, by hash of key fields, by
// calendar unit of the event time, or by distinct value; levels nest in the order
// given. man/bk-partition.1 is the reference for users.
//
//   read → parse → --where → route (each row's folder) → --select → scatter (one
//   batch per folder) → per partition: blocks → encode → the partition's file
//
// Every row's partition is a function of its values alone (their canonical text, not
// their type, which widens block by block), so a record lands in the same folder
// whatever the block size or thread count. The files are written into a temporary
// folder and appear at the end of the run with one manifest commit (dataset.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bk/chunk.hpp"
#include "bk/pipeline.hpp"
#include "bk/read.hpp"
#include "bk/time.hpp"

namespace bk {

struct PartitionOptions {
  std::vector<std::string> inputs;
  ReadOptions read;
  std::vector<std::string> by;  // --by specifications, outermost level first
  std::string out_dir;          // -d
  Format output_format = Format::Chunk;
  chunk::Codec codec = chunk::Codec::Zstd;
  std::string where;                // --where; empty: none
  std::vector<std::string> select;  // --select; empty: every field
  std::string tz;                   // --tz: time levels and --where's calendar functions
  int64_t max_open = 128;           // partition files open at once
  bool wait = true;                 // wait for another writer of the directory
  bool sync = false;                // make the files durable before the commit (syncfs)
  std::string stats;                // --stats FILE
};

// One level of --by.
struct PartitionLevel {
  enum class Kind { Hash, Time, Value };
  Kind kind = Kind::Hash;
  std::string text;                 // as given: "hash:device:16"
  std::vector<std::string> fields;  // Hash: the key fields; Value: the field; Time: the
                                    // event-time field ("" for the one the input marks)
  int64_t buckets = 0;              // Hash: N
  TimeUnit unit = TimeUnit::Day;    // Time: hour, day, month or year

  // The folder key: "bucket", the unit ("day"), the field's name.
  std::string key() const;
  // The specification with nothing left to defaults: "hash:device:16", "time:day".
  std::string canonical() const;
};

// Parses one --by value; throws a usage error naming it, with the forms that work.
PartitionLevel parse_partition_level(std::string_view text);

// The canonical text of value i of `c`, appended to `out`; false (nothing appended) for
// null. Numbers by their value: an integral float in the int64 range as an integer
// (1.0 is "1"), another float in the shortest form that reads back ("0.1", "1e+20"),
// and a string that reads as a JSON number as that number ("1.50" is "1.5"), since a
// block that mixes numbers and strings holds its numbers as text. Booleans "true" and
// "false"; timestamps in RFC 3339 as the writers print them; other strings and JSON
// values as their text.
bool append_key_text(std::string& out, const Column& c, int64_t i);

// The bytes a hash level hashes for one row, appended to `out`: per key field, in
// order, 0x00 for null, else 0x01, the text's length (8 bytes, little-endian) and the
// canonical text. The bucket is XXH3-64 (seed 0) of them modulo N.
void append_key_encoding(std::string& out, const Column& c, int64_t i);
uint64_t key_hash(std::string_view encoding);

// A bucket's folder value: zero-padded to the width of N - 1 ("07" of 16).
std::string bucket_value(int64_t bucket, int64_t buckets);
// A time level's folder value for the unit starting at `start` (UTC µs), read in tz:
// hour 2026-03-01T05, day 2026-03-01, month 2026-03, year 2026.
std::string time_value(int64_t start, TimeUnit unit, const TimeZone& tz);

void run_partition(Context& ctx, const PartitionOptions& opts);

}  // namespace bk
