// libcore/src/partition.cpp: --by levels, the canonical key text, the hash and its
// bytes (pinned: they may never change), folder values; whole runs into a directory.
#include "bk/partition.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "bk/cat.hpp"
#include "bk/dataset.hpp"
#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
using Strings = std::vector<std::string>;

namespace {

// Value i of a column as its canonical key text ("<null>" for null).
std::string key_text(const Column& c, int64_t i) {
  std::string s;
  return append_key_text(s, c, i) ? s : "<null>";
}

Strings key_texts(const Column& c) {
  Strings out;
  for (int64_t i = 0; i < c.size(); ++i) out.push_back(key_text(c, i));
  return out;
}

uint64_t hash_of(const std::vector<const Column*>& cols, int64_t i) {
  std::string enc;
  for (const Column* c : cols) append_key_encoding(enc, *c, i);
  return key_hash(enc);
}

// Every data file under dir, relative, sorted.
Strings files_under(const std::string& dir) {
  Strings out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string cat_dir(const std::string& dir, bool hive = false) {
  TempDir out;
  CatOptions opts;
  opts.inputs = {dir};
  opts.read.hive = hive;
  opts.output = out / "out";
  Context ctx;
  run_cat(ctx, opts);
  return slurp(opts.output);
}

}  // namespace

TEST_SUITE_BEGIN("partition");

TEST_CASE("parse_partition_level: the three forms") {
  auto h = parse_partition_level("hash:device, site:16");
  CHECK(h.kind == PartitionLevel::Kind::Hash);
  CHECK(h.fields == Strings{"device", "site"});
  CHECK(h.buckets == 16);
  CHECK(h.key() == "bucket");
  CHECK(h.canonical() == "hash:device,site:16");
  auto t = parse_partition_level("time:days");
  CHECK(t.kind == PartitionLevel::Kind::Time);
  CHECK(t.fields.empty());
  CHECK(t.unit == TimeUnit::Day);
  CHECK(t.key() == "day");
  CHECK(t.canonical() == "time:day");
  auto tf = parse_partition_level("time:a:b:hour");  // the unit after the last ':'
  CHECK(tf.fields == Strings{"a:b"});
  CHECK(tf.canonical() == "time:a:b:hour");
  auto v = parse_partition_level("value:gps.lat");
  CHECK(v.kind == PartitionLevel::Kind::Value);
  CHECK(v.key() == "gps.lat");
  CHECK(v.canonical() == "value:gps.lat");
}

TEST_CASE("parse_partition_level: errors name the spec and show what works") {
  auto err = [](const char* s) { return error_of([&] { parse_partition_level(s); }); };
  CHECK(err("hash:device:0") == "--by 'hash:device:0': N must be from 1 to 1000000, not 0 (write e.g. hash:device:16)");
  CHECK(err("hash:device:x") ==
        "--by 'hash:device:x': 'x' is not a number of buckets (write hash:FIELDS:N, e.g. hash:device:16)");
  CHECK(err("hash:device") ==
        "--by 'hash:device': hash needs key fields and a number of buckets (write "
        "hash:FIELDS:N, e.g. hash:device:16)");
  CHECK(err("hash") ==
        "--by 'hash': hash needs key fields and a number of buckets (write hash:FIELDS:N, e.g. "
        "hash:device:16)");
  CHECK(err("hash:a,,b:4") == "--by 'hash:a,,b:4': empty field name in 'a,,b' (separate names with commas: a,b,c)");
  CHECK(err("hash::4") == "--by 'hash::4': empty field name in '' (separate names with commas: a,b,c)");
  CHECK(err("hash:d:1000001") ==
        "--by 'hash:d:1000001': N must be from 1 to 1000000, not 1000001 (write e.g. hash:device:16)");
  CHECK(err("time:week") == "--by 'time:week': 'week' is not a unit for folders (use hour, day, month or year)");
  CHECK(err("time:ts:m") == "--by 'time:ts:m': 'm' is not a unit for folders (use hour, day, month or year)");
  CHECK(err("time") ==
        "--by 'time': time needs a unit (write time:UNIT for the marked event time, or "
        "time:FIELD:UNIT)");
  CHECK(err("time::day") ==
        "--by 'time::day': an empty field name (write time:FIELD:UNIT, or time:UNIT for the marked one)");
  CHECK(err("value") == "--by 'value': value needs a field (write value:FIELD, e.g. value:site)");
  CHECK(err("bucket:device:16") ==
        "--by 'bucket:device:16': unknown partitioning 'bucket' (use hash:FIELDS:N, "
        "time:UNIT, time:FIELD:UNIT or value:FIELD)");
  CHECK(err("") == "--by '': unknown partitioning '' (use hash:FIELDS:N, time:UNIT, time:FIELD:UNIT or value:FIELD)");
}

TEST_CASE("append_key_text: numbers by value, whatever their type in the block") {
  Batch b = ndjson(
      "{\"x\":1}\n{\"x\":1.0}\n{\"x\":\"1.0\"}\n{\"x\":\"1\"}\n{\"x\":1.5}\n{\"x\":\"1.50\"}\n{\"x\":-0.0}\n"
      "{\"x\":1e20}\n{\"x\":\"007\"}\n{\"x\":true}\n{\"x\":null}\n{\"x\":\"abc\"}\n{\"x\":[1, 2]}\n{\"x\":\"\"}\n");
  CHECK(b.columns[0].type == Type::String);  // widened: every value is text here
  CHECK(key_texts(b.columns[0]) ==
        Strings{"1", "1", "1", "1", "1.5", "1.5", "0", "1e+20", "007", "true", "<null>", "abc", "[1,2]", ""});
  // The same values in blocks of their own types.
  CHECK(key_texts(ndjson("{\"x\":1}\n{\"x\":2}\n").columns[0]) == Strings{"1", "2"});
  CHECK(key_texts(ndjson("{\"x\":1}\n{\"x\":1.5}\n").columns[0]) == Strings{"1", "1.5"});
  CHECK(key_texts(ndjson("{\"x\":true}\n").columns[0]) == Strings{"true"});
  CHECK(key_texts(ndjson("{\"x\":[1,2]}\n").columns[0]) == Strings{"[1,2]"});
  Column t;
  t.append_timestamp(1772366400000000);
  CHECK(key_text(t, 0) == "2026-03-01T12:00:00Z");
}

TEST_CASE("key hash: the bytes hashed and the hash are fixed forever") {
  Column dev, none, empty, one, a, b, ab;
  dev.append_string("m-003648");
  none.append_null();
  empty.append_string("");
  one.append_int(1);
  a.append_string("a");
  b.append_string("b");
  ab.append_string("ab");
  std::string enc;
  append_key_encoding(enc, dev, 0);
  CHECK(enc == std::string("\x01\x08\0\0\0\0\0\0\0m-003648", 17));
  enc.clear();
  append_key_encoding(enc, none, 0);
  CHECK(enc == std::string("\0", 1));
  // XXH3-64, seed 0, of those bytes (computed independently with libxxhash from Python).
  CHECK(hash_of({&dev}, 0) == 0x478221ff8a814b43ULL);
  CHECK(hash_of({&dev}, 0) % 16 == 3);
  CHECK(hash_of({&none}, 0) == 0xc44bdff4074eecdbULL);
  CHECK(hash_of({&empty}, 0) == 0x313c2dd2ec996e80ULL);
  CHECK(hash_of({&one}, 0) == 0x75ef79df896f5c6bULL);
  CHECK(hash_of({&a, &b}, 0) == 0x981c8f5cb8156f9aULL);
  CHECK(hash_of({&ab, &none}, 0) == 0x64e0b4fc17baeee5ULL);
  CHECK(hash_of({&a, &b}, 0) != hash_of({&ab, &empty}, 0));  // lengths keep fields apart
  Column s1, f1;
  s1.append_string("1.0");
  f1.append_double(1.0);
  CHECK(hash_of({&s1}, 0) == hash_of({&one}, 0));
  CHECK(hash_of({&f1}, 0) == hash_of({&one}, 0));
}

TEST_CASE("bucket_value and time_value") {
  CHECK(bucket_value(7, 16) == "07");
  CHECK(bucket_value(15, 16) == "15");
  CHECK(bucket_value(3, 10) == "3");
  CHECK(bucket_value(0, 1) == "0");
  CHECK(bucket_value(42, 1000) == "042");
  CHECK(bucket_value(5, 101) == "005");
  const TimeZone& utc = TimeZone::utc();
  const int64_t t = 1772341200000000;  // 2026-03-01T05:00:00Z
  CHECK(time_value(t, TimeUnit::Hour, utc) == "2026-03-01T05");
  CHECK(time_value(t, TimeUnit::Day, utc) == "2026-03-01");
  CHECK(time_value(t, TimeUnit::Month, utc) == "2026-03");
  CHECK(time_value(t, TimeUnit::Year, utc) == "2026");
  auto berlin = TimeZone::load("Europe/Berlin");
  CHECK(time_value(trunc_time(t, TimeUnit::Hour, *berlin), TimeUnit::Hour, *berlin) == "2026-03-01T06");
}

TEST_CASE("run_partition: every record in its folder; the union is the input; re-runs replace") {
  TempDir tmp;
  std::string in =
      tmp.write("in.ndjson",
                "{\"d\":\"a\",\"ts\":\"2026-03-01T05:00:00Z\"}\n{\"d\":\"b\",\"ts\":\"2026-03-02T05:00:00Z\"}\n"
                "{\"d\":\"a\",\"ts\":\"2026-04-01T05:00:00Z\"}\n{\"d\":null,\"ts\":\"2026-04-01T06:00:00Z\"}\n");
  std::string out = tmp / "out";
  PartitionOptions o;
  o.inputs = {in};
  o.by = {"time:ts:month", "value:d"};
  o.out_dir = out;
  o.output_format = Format::Ndjson;
  Context ctx;
  run_partition(ctx, o);
  Strings files = files_under(out);
  REQUIRE(files.size() == 6);
  CHECK(files[0] == "_lock");
  CHECK(files[1] == "_manifest.json");
  std::string id = files[2].substr(files[2].find("part-") + 5, 16);
  CHECK(files[2] == "month=2026-03/d=a/part-" + id + ".ndjson");
  CHECK(files[3] == "month=2026-03/d=b/part-" + id + ".ndjson");
  CHECK(files[4] == "month=2026-04/d=__null__/part-" + id + ".ndjson");
  CHECK(files[5] == "month=2026-04/d=a/part-" + id + ".ndjson");
  CHECK(slurp(out + "/month=2026-04/d=a/part-" + id + ".ndjson") == "{\"d\":\"a\",\"ts\":\"2026-04-01T05:00:00Z\"}\n");
  CHECK(cat_dir(out, true) ==
        "{\"d\":\"a\",\"ts\":\"2026-03-01T05:00:00Z\",\"month\":\"2026-03\"}\n"
        "{\"d\":\"b\",\"ts\":\"2026-03-02T05:00:00Z\",\"month\":\"2026-03\"}\n"
        "{\"d\":null,\"ts\":\"2026-04-01T06:00:00Z\",\"month\":\"2026-04\"}\n"
        "{\"d\":\"a\",\"ts\":\"2026-04-01T05:00:00Z\",\"month\":\"2026-04\"}\n");
  dataset::Manifest m = dataset::load_manifest(out);
  CHECK(m.partitioning == "time:ts:month value:d");
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].id == id);
  CHECK(m.runs[0].inputs == Strings{fs::canonical(in).string()});

  // Again: the same files, nothing added. With a filter: the files it no longer
  // writes go, and their folders.
  std::string before = slurp(out + "/_manifest.json");
  run_partition(ctx, o);
  CHECK(files_under(out) == files);
  o.where = "d == \"a\"";
  run_partition(ctx, o);
  CHECK(files_under(out) == Strings{"_lock", "_manifest.json", files[2], files[5]});
  CHECK(!fs::exists(out + "/month=2026-03/d=b"));
  // Other inputs add files beside them.
  std::string other = tmp.write("other.ndjson", "{\"d\":\"a\",\"ts\":\"2026-03-05T00:00:00Z\"}\n");
  o.inputs = {other};
  o.where.clear();
  run_partition(ctx, o);
  CHECK(files_under(out).size() == 5);
  CHECK(dataset::load_manifest(out).runs.size() == 2);
  // Another --by is refused, before anything is read.
  o.by = {"value:d"};
  CHECK(error_of([&] { run_partition(ctx, o); }) ==
        out +
            " is partitioned by 'time:ts:month value:d', not by 'value:d' (give the same --by (and --tz) as before, "
            "or another -d)");
}

TEST_CASE("run_partition: byte-identical files for any thread count and block size") {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "{\"d\":\"dev-" + std::to_string(i % 37) + "\",\"v\":" + std::to_string(i) + ",\"s\":\"" +
            std::string(i % 11, 'x') + "\"}\n";
  std::string in = tmp.write("in.ndjson", text);
  auto run = [&](int threads, int64_t block, const std::string& dir) {
    PartitionOptions o;
    o.inputs = {in};
    o.by = {"hash:d:5"};
    o.out_dir = tmp / dir;
    Context ctx;
    ctx.threads = threads;
    ctx.block_bytes = block;
    run_partition(ctx, o);
    std::string all;
    for (const auto& f : files_under(tmp / dir))
      if (f != "_lock" && f != "_manifest.json") all += f + "\n" + slurp(tmp / dir + "/" + f);
    return all;
  };
  std::string one = run(1, 0, "a");
  CHECK(one == run(4, 0, "b"));
  std::string small1 = run(1, 700, "c");
  CHECK(small1 == run(4, 700, "d"));
  CHECK(cat_dir(tmp / "a") == cat_dir(tmp / "c"));  // other blocks, same records in the same files
}

TEST_SUITE_END();
