// libFuzzer target for bk-ingest's path through the library: format detection, the
// readers in keep_going mode (every bad record a reject, parsing goes on), record_text,
// flattening, typing against a schema and the event time, --where and --dedup, and the
// rejects file. The first byte picks the format and the options; the rest is the input.
// Any bk::Error is a fine answer, except an internal one (the four counts not adding up
// to the records read); a crash, a hang, a sanitizer report or another exception is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "bk/error.hpp"
#include "bk/ingest.hpp"

namespace {

const std::string& scratch_path() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/bk-ingest-fuzz-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd >= 0) ::close(fd);
    return std::string(tmpl);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t knobs = data[0];
  const std::string& path = scratch_path();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  } else {
    return 0;
  }
  bk::IngestOptions o;
  o.inputs = {path};
  o.read.format = static_cast<bk::Format>(knobs & 3);  // auto, ndjson, csv, tsv
  o.output = "/dev/null";
  o.rejects = "/dev/null";
  if (knobs & 4) {
    o.time_field = "ts";
    o.time_unit = (knobs & 64) ? bk::EpochUnit::Millis : bk::EpochUnit::None;
  }
  if (knobs & 8) o.dedup = {"a", "b"};
  if (knobs & 16) {
    o.schema.fields.push_back(bk::parse_field_flag("a:int64:required"));
    o.schema.fields.push_back(bk::parse_field_flag("b:float64"));
    o.schema.fields.push_back(bk::parse_field_flag("c:string"));
    o.schema.fields.push_back(bk::parse_field_flag("d:bool"));
    o.schema.fields.push_back(bk::parse_field_flag("e:json"));
    o.schema.fields.back().values = {"1", "[1]"};
    o.schema.fields[1].min = -5;
    o.schema.fields[1].max = 1e6;
  }
  if (knobs & 32) o.where = "a > 1 or c == \"x\"";
  if (knobs & 128) o.renames = {{"x", "y"}};
  o.drops = {"z"};
  bk::Context ctx;
  ctx.threads = 1;
  ctx.block_bytes = 256;  // many blocks: their boundaries must not matter
  try {
    bk::run_ingest(ctx, o);
  } catch (const bk::Error& e) {
    if (e.message().rfind("internal error", 0) == 0) __builtin_trap();
  }
  return 0;
}
