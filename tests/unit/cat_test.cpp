// libcore/src/cat.cpp: bk-cat's field lists and run_cat end to end over files.
#include "bk/cat.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

// Runs bk-cat into a file; returns the file's text.
std::string cat(CatOptions opts, int threads = 1, int64_t block_bytes = 1 << 20) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, threads);
  TempDir out;
  opts.output = out / "out";
  Context ctx;
  ctx.threads = threads;
  ctx.block_bytes = block_bytes;
  run_cat(ctx, opts);
  return slurp(opts.output);
}

std::string error_of(CatOptions opts) {
  try {
    cat(std::move(opts));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A folder of mixed inputs: NDJSON, CSV, TSV, gzip, and metadata to skip.
struct Dataset {
  TempDir dir;
  int64_t rows = 0;
  Dataset() {
    std::string a, b = "device,ts,value,note\n", c = "device\tts\tvalue\tnote\n";
    for (int k = 0; k < 6000; ++k, ++rows)
      a += "{\"device\":\"d" + std::to_string(k % 17) + "\",\"ts\":" + std::to_string(1700000000 + k) +
           ",\"value\":" + std::to_string(k % 100) + ".5,\"note\":\"n\\\"" + std::to_string(k) + "\"}\n";
    for (int k = 0; k < 6000; ++k, ++rows)
      b += "d" + std::to_string(k % 17) + "," + std::to_string(1700006000 + k) + "," + std::to_string(k % 50) +
           ".25,\"multi\nline " + std::to_string(k) + "\"\n";
    for (int k = 0; k < 6000; ++k, ++rows)
      c += "d" + std::to_string(k % 17) + "\t" + std::to_string(1700012000 + k) + "\t" + std::to_string(k % 10) +
           ".75\ttab\\t" + std::to_string(k) + "\n";
    dir.write("data/1-a.ndjson", a);
    dir.write("data/2-b.csv", b);
    dir.write("data/3-c.tsv", c);
    std::string d;
    for (int k = 0; k < 3000; ++k, ++rows)
      d += "{\"device\":\"g" + std::to_string(k % 3) + "\",\"ts\":" + std::to_string(1700018000 + k) +
           ",\"value\":" + std::to_string(k) + ".0,\"note\":null}\n";
    dir.write_gz("data/4-d.ndjson.gz", {d.substr(0, 70000), d.substr(70000)});
    dir.write("data/_meta.json", "{\"not\":\"data\"}\n");
    dir.write("data/.ledger", "nope\n");
  }
  std::string path() const { return dir / "data"; }
};

}  // namespace

TEST_SUITE_BEGIN("cat");

TEST_CASE("parse_field_list") {
  CHECK(parse_field_list("a", "--select") == Strings{"a"});
  CHECK(parse_field_list("a,b,c", "--select") == Strings{"a", "b", "c"});
  CHECK(parse_field_list(" a , b\t,c ", "--select") == Strings{"a", "b", "c"});
  CHECK(parse_field_list("gps.lat,a b", "--select") == Strings{"gps.lat", "a b"});
  CHECK(parse_field_list("a,a", "--select") == Strings{"a", "a"});
  for (const char* bad : {"", ",", "a,", ",a", "a,,b", " , "}) {
    INFO("'" << bad << "'");
    try {
      parse_field_list(bad, "--select");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == Error::Kind::Usage);
      CHECK(e.message() == std::string("--select: empty field name in '") + bad + "'");
      CHECK(e.hint() == "separate names with commas: a,b,c");
    }
  }
}

TEST_CASE("a folder of mixed inputs: the same output for 1 and 4 threads, any block size") {
  Dataset data;
  CatOptions opts;
  opts.inputs = {data.path()};
  for (Format f : {Format::Ndjson, Format::Csv, Format::Tsv}) {
    CAPTURE(format_name(f));
    opts.output_format = f;
    for (int64_t block : {int64_t(1), int64_t(777), int64_t(1) << 20}) {
      CAPTURE(block);
      std::string serial = cat(opts, 1, block);
      std::string parallel = cat(opts, 4, block);
      CHECK(serial == parallel);
      int64_t newlines = std::count(serial.begin(), serial.end(), '\n');
      if (f == Format::Ndjson) CHECK(newlines == data.rows);
      if (f == Format::Tsv) CHECK(newlines == data.rows + 1);
      if (f == Format::Csv) CHECK(newlines == data.rows + 1 + 6000);  // the header, the multi-line notes
    }
  }
}

TEST_CASE("a folder of mixed inputs: values and order") {
  Dataset data;
  CatOptions opts;
  opts.inputs = {data.path()};
  std::string out = cat(opts, 4, 1);
  size_t first = out.find('\n');
  CHECK(out.substr(0, first) == "{\"device\":\"d0\",\"ts\":1700000000,\"value\":0.5,\"note\":\"n\\\"0\"}");
  CHECK(out.find("{\"device\":\"d0\",\"ts\":1700006000,\"value\":0.25,\"note\":\"multi\\nline 0\"}\n") !=
        std::string::npos);
  CHECK(out.find("{\"device\":\"d0\",\"ts\":1700012000,\"value\":0.75,\"note\":\"tab\\t0\"}\n") != std::string::npos);
  CHECK(out.substr(out.rfind('\n', out.size() - 2) + 1) ==
        "{\"device\":\"g2\",\"ts\":1700020999,\"value\":2999.0,\"note\":null}\n");
  CHECK(out.find("\"not\"") == std::string::npos);  // _meta.json is no data
  // In input order: the ts column only goes up.
  int64_t last = 0;
  bool ordered = true;
  for (size_t p = out.find("\"ts\":"); p != std::string::npos; p = out.find("\"ts\":", p + 1)) {
    int64_t ts = std::stoll(out.substr(p + 5, 10));
    ordered = ordered && ts > last;
    last = ts;
  }
  CHECK(ordered);
  CHECK(last == 1700020999);
}

TEST_CASE("--select") {
  Dataset data;
  CatOptions opts;
  opts.inputs = {data.path()};
  opts.select = {"ts", "missing", "device"};
  opts.head = 2;
  CHECK(cat(opts) ==
        "{\"ts\":1700000000,\"missing\":null,\"device\":\"d0\"}\n"
        "{\"ts\":1700000001,\"missing\":null,\"device\":\"d1\"}\n");
  opts.output_format = Format::Csv;
  opts.select = {"device", "ts", "device"};
  CHECK(cat(opts) == "device,ts,device\nd0,1700000000,d0\nd1,1700000001,d1\n");
}

TEST_CASE("--select keeps every file's columns in one layout for CSV") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.ndjson", "{\"a\":1}\n"), dir.write("b.ndjson", "{\"b\":2,\"a\":3}\n")};
  opts.output_format = Format::Csv;
  CHECK(error_of(opts).find("field 'b' first appears after the CSV header was written") != std::string::npos);
  opts.select = {"a", "b"};
  CHECK(cat(opts) == "a,b\n1,\n3,2\n");
}

TEST_CASE("--head across blocks and files") {
  Dataset data;
  CatOptions opts;
  opts.inputs = {data.path()};
  opts.select = {"ts"};
  for (int64_t head : {int64_t(0), int64_t(1), int64_t(5999), int64_t(6000), int64_t(6001), int64_t(17999),
                       int64_t(18000), data.rows, data.rows + 5}) {
    for (int threads : {1, 4}) {
      CAPTURE(head);
      CAPTURE(threads);
      opts.head = head;
      std::string out = cat(opts, threads, 100);
      int64_t want = std::min(head, data.rows);
      CHECK(std::count(out.begin(), out.end(), '\n') == want);
      if (want > 0) {
        int64_t ts = 1700000000 + want - 1;
        CHECK(out.substr(out.size() - 18) == "{\"ts\":" + std::to_string(ts) + "}\n");
      }
    }
  }
}

TEST_CASE("--head 0 with CSV output writes the header only") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.csv", "x,y\n1,2\n")};
  opts.output_format = Format::Csv;
  opts.head = 0;
  CHECK(cat(opts) == "x,y\n");
}

TEST_CASE("a header-only CSV converts to a header") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.csv", "x,y\n")};
  opts.output_format = Format::Tsv;
  CHECK(cat(opts) == "x\ty\n");
  opts.output_format = Format::Ndjson;
  CHECK(cat(opts) == "");
}

TEST_CASE("round trips: CSV -> NDJSON -> CSV, TSV -> CSV -> TSV") {
  TempDir dir;
  std::string csv = "id,name,score,ok,note\n1,\"Smith, J\",1.5,true,\n2,\"say \"\"hi\"\"\",2.0,false,\"\"\n";
  CatOptions opts;
  opts.inputs = {dir.write("a.csv", csv)};
  std::string nd = cat(opts);
  CHECK(nd ==
        "{\"id\":1,\"name\":\"Smith, J\",\"score\":1.5,\"ok\":true,\"note\":null}\n"
        "{\"id\":2,\"name\":\"say \\\"hi\\\"\",\"score\":2.0,\"ok\":false,\"note\":\"\"}\n");
  opts.inputs = {dir.write("b.ndjson", nd)};
  opts.output_format = Format::Csv;
  CHECK(cat(opts) == csv);

  std::string tsv = "a\tb\nx\\ty\t1\nline\\nbreak\t2\n";
  opts.inputs = {dir.write("c.tsv", tsv)};
  std::string c = cat(opts);
  CHECK(c == "a,b\nx\ty,1\n\"line\nbreak\",2\n");
  opts.inputs = {dir.write("d.csv", c)};
  opts.output_format = Format::Tsv;
  CHECK(cat(opts) == tsv);
}

TEST_CASE("--strings and --delimiter") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.txt", "a|b\n007|1.50\n")};
  opts.read.format = Format::Csv;
  opts.read.delimiter = '|';
  CHECK(cat(opts) == "{\"a\":\"007\",\"b\":1.5}\n");
  opts.read.strings = true;
  CHECK(cat(opts) == "{\"a\":\"007\",\"b\":\"1.50\"}\n");
}

TEST_CASE("errors leave no output file") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.ndjson", "{\"a\":1}\n{oops\n")};
  opts.output = dir / "out.ndjson";
  Context ctx;
  CHECK_THROWS_AS(run_cat(ctx, opts), Error);
  CHECK(!fs::exists(opts.output));
  int files = 0;
  for (auto it = fs::directory_iterator(dir.path()); it != fs::directory_iterator(); ++it) ++files;
  CHECK(files == 1);
}

TEST_CASE("usage and input errors") {
  TempDir dir;
  CatOptions opts;
  opts.inputs = {dir.write("a.ndjson", "{}\n")};
  opts.head = -2;
  try {
    cat(opts);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::Usage);
    CHECK(e.message() == "--head: must be 0 or more");
  }
  opts.head = -1;
  opts.inputs = {dir / "missing.csv"};
  CHECK(error_of(opts) == dir / "missing.csv" + ": no such file or directory (check the path)");
  opts.inputs = {dir.write("bad.csv", "a,b\n1,2\n3\n")};
  CHECK(error_of(opts) == dir / "bad.csv" +
                              ":3: row has 1 field, the header has 2 (every row needs one value per header column; "
                              "quote values that contain ',')");
}

TEST_SUITE_END();
