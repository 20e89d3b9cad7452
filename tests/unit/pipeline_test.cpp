// libcore/src/pipeline.cpp: read -> parse -> order -> encode -> emit, in input
// order whatever the thread count; line numbers, errors and the row limit.
#include "bk/pipeline.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
namespace fs = std::filesystem;

namespace {

struct Run {
  std::string out;    // what was written, committed or not
  std::string error;  // what() of the error, "" when none
  int64_t rows_in = 0, rows_out = 0, bytes_read = 0, bytes_total = 0;
};

struct Setup {
  std::vector<std::string> paths;
  int threads = 1;
  int64_t block_bytes = 1 << 20;
  Format output = Format::Ndjson;
  int64_t limit = -1;
  std::function<void(Batch&)> map;
  ReadOptions read;
};

Run run(const Setup& s) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, s.threads);
  Context ctx;
  ctx.threads = s.threads;
  ctx.block_bytes = s.block_bytes;
  std::vector<InputFile> inputs;
  for (const auto& p : s.paths) inputs.push_back(input_file(p));
  PipelineSpec spec;
  spec.limit = s.limit;
  if (s.map) spec.map = [&](Batch& b, const RawBlock&) { s.map(b); };
  TempDir out_dir;
  Run r;
  {
    Output out(out_dir / "out");
    auto writer = make_writer(s.output, out);
    try {
      run_pipeline(ctx, inputs, s.read, spec, *writer);
    } catch (const Error& e) {
      r.error = e.what();
    }
    out.flush();
    for (const auto& e : fs::directory_iterator(out_dir.path())) r.out = slurp(e.path().string());
  }
  r.rows_in = ctx.counters.rows_in;
  r.rows_out = ctx.counters.rows_out;
  r.bytes_read = ctx.counters.bytes_read;
  r.bytes_total = ctx.counters.bytes_total;
  return r;
}

// NDJSON records with a varying shape, about `bytes` long.
std::string records(size_t bytes, int64_t first_id, int64_t& count) {
  std::string s;
  count = 0;
  while (s.size() < bytes) {
    int64_t id = first_id + count;
    s += "{\"id\":" + std::to_string(id);
    if (id % 3 == 0) s += ",\"v\":" + std::to_string(id * 0.5);
    if (id % 5 == 0) s += ",\"s\":\"text " + std::string(id % 40, 'z') + "\"";
    s += "}\n";
    ++count;
  }
  return s;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < s.size()) {
    size_t e = s.find('\n', p);
    out.push_back(s.substr(p, e - p));
    p = e + 1;
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("pipeline");

TEST_CASE("output is identical for any thread count, in input order") {
  TempDir dir;
  int64_t n1 = 0, n2 = 0;
  std::string a = records(300000, 0, n1);
  std::string b = records(200000, n1, n2);
  Setup s;
  s.paths = {dir.write("a.ndjson", a), dir.write("b.ndjson", b)};
  Run one = run(s);
  CHECK(one.error == "");
  CHECK(one.rows_in == n1 + n2);
  CHECK(one.rows_out == n1 + n2);
  auto lines = lines_of(one.out);
  REQUIRE(static_cast<int64_t>(lines.size()) == n1 + n2);
  for (int64_t k = 0; k < n1 + n2; k += 997) CHECK(lines[k].rfind("{\"id\":" + std::to_string(k) + ",", 0) == 0);
  // Blocks differ in their fields (and so in the nulls and key order written), so
  // the output may change with the block size, never with the thread count.
  for (int64_t block : {int64_t(100), int64_t(5000), int64_t(70000), int64_t(1) << 20}) {
    s.block_bytes = block;
    s.threads = 1;
    Run serial = run(s);
    CHECK(serial.error == "");
    CHECK(lines_of(serial.out).size() == lines.size());
    for (int threads : {2, 4}) {
      CAPTURE(threads);
      CAPTURE(block);
      s.threads = threads;
      Run r = run(s);
      CHECK(r.error == "");
      CHECK(r.out == serial.out);
    }
  }
}

TEST_CASE("records of one shape: the same output for any block size") {
  TempDir dir;
  std::string text;
  for (int k = 0; k < 20000; ++k)
    text += "{\"k\":" + std::to_string(k) + ",\"s\":\"" + std::string(k % 13, 'q') + "\"}\n";
  Setup s;
  s.paths = {dir.write("a.ndjson", text), dir.write("b.ndjson", text)};
  Run one = run(s);
  CHECK(one.out == text + text);
  for (int64_t block : {int64_t(1), int64_t(4096), int64_t(65536), int64_t(100000)}) {
    for (int threads : {1, 4}) {
      CAPTURE(block);
      CAPTURE(threads);
      s.block_bytes = block;
      s.threads = threads;
      CHECK(run(s).out == one.out);
    }
  }
}

TEST_CASE("counters") {
  TempDir dir;
  std::string a = "{\"a\":1}\n{\"a\":2}\n", b = "{\"a\":3}\n";
  Setup s;
  s.paths = {dir.write("a", a), dir.write("b", b)};
  Run r = run(s);
  CHECK(r.rows_in == 3);
  CHECK(r.rows_out == 3);
  CHECK(r.bytes_total == static_cast<int64_t>(a.size() + b.size()));
  CHECK(r.bytes_read == static_cast<int64_t>(a.size() + b.size()));
}

TEST_CASE("the map runs on every batch") {
  TempDir dir;
  int64_t n = 0;
  Setup s;
  s.paths = {dir.write("a", records(200000, 0, n))};
  s.threads = 4;
  s.map = [](Batch& b) { b = select_columns(std::move(b), {"s", "id"}); };
  Run r = run(s);
  auto lines = lines_of(r.out);
  REQUIRE(static_cast<int64_t>(lines.size()) == n);
  CHECK(lines[0] == "{\"s\":\"text \",\"id\":0}");
  CHECK(lines[1] == "{\"s\":null,\"id\":1}");
}

TEST_CASE("errors: the first one in the input, at its line in its file, after the rows before it") {
  TempDir dir;
  int64_t n = 0;
  std::string good = records(300000, 0, n);
  // A bad line deep in the file (several blocks in), and another one after it.
  std::string text = good + "{\"id\":oops}\n" + records(100000, n, n) + "[]\n";
  std::string path = dir.write("bad.ndjson", text);
  int64_t good_lines = static_cast<int64_t>(lines_of(good).size());
  for (int threads : {1, 4}) {
    CAPTURE(threads);
    Setup s;
    s.paths = {path};
    s.threads = threads;
    s.block_bytes = 1000;
    Run r = run(s);
    CHECK(r.error == path + ":" + std::to_string(good_lines + 1) +
                         ": invalid JSON (each line must hold one JSON object; fix or remove the line)");
    CHECK(r.out.size() > 0);
    CHECK(static_cast<int64_t>(lines_of(r.out).size()) == good_lines);
  }
}

TEST_CASE("errors: line numbers start again in each file and count the CSV header") {
  TempDir dir;
  std::string a = "x,y\n1,2\n3,4\n";
  std::string b = "x,y\n";
  for (int k = 0; k < 30000; ++k) b += std::to_string(k) + ",\"multi\nline\"\n";
  b += "oops\n";
  Setup s;
  s.paths = {dir.write("a.csv", a), dir.write("b.csv", b)};
  s.threads = 4;
  s.block_bytes = 100;
  Run r = run(s);
  CHECK(r.error == s.paths[1] +
                       ":60002: row has 1 field, the header has 2 (every row needs one value per header "
                       "column; quote values that contain ',')");
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 30002);
  CHECK(lines[0] == "{\"x\":1,\"y\":2}");
  CHECK(lines[2] == "{\"x\":0,\"y\":\"multi\\nline\"}");
}

TEST_CASE("errors: a reader error in a later file comes after the earlier files' rows") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a.ndjson", "{\"a\":1}\n"), dir.write("b.csv", "p,\"q\n1,2\n")};
  Run r = run(s);
  CHECK(r.out == "{\"a\":1}\n");
  CHECK(r.error == s.paths[1] + ":1: unclosed quote in the header row (close the quoted field)");
}

TEST_CASE("errors: a writer error (a new field after the CSV header)") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a.ndjson", "{\"a\":1}\n"), dir.write("b.ndjson", "\n\n{\"a\":2}\n{\"b\":3}\n")};
  s.output = Format::Csv;
  Run r = run(s);
  CHECK(r.out == "a\n1\n");
  CHECK(r.error == s.paths[1] +
                       ":4: field 'b' first appears after the CSV header was written (name every output field with "
                       "--select)");
}

TEST_CASE("the row limit, across blocks") {
  TempDir dir;
  int64_t n = 0;
  std::string text = records(400000, 0, n);
  std::string path = dir.write("a.ndjson", text);
  auto lines = lines_of(text);
  for (int64_t limit : {int64_t(0), int64_t(1), int64_t(7), int64_t(5000), int64_t(12345), n - 1, n, n + 10}) {
    for (int threads : {1, 4}) {
      CAPTURE(limit);
      CAPTURE(threads);
      Setup s;
      s.paths = {path};
      s.threads = threads;
      s.block_bytes = 1000;
      s.limit = limit;
      Run r = run(s);
      CHECK(r.error == "");
      int64_t want = std::min(limit, n);
      CHECK(r.rows_out == want);
      auto got = lines_of(r.out);
      REQUIRE(static_cast<int64_t>(got.size()) == want);
      if (want > 0) CHECK(got.back().rfind("{\"id\":" + std::to_string(want - 1) + ",", 0) == 0);
    }
  }
}

TEST_CASE("the row limit across files") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a", "{\"a\":1}\n{\"a\":2}\n"), dir.write("b", "{\"a\":3}\n{\"a\":4}\n")};
  s.limit = 3;
  CHECK(run(s).out == "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
}

TEST_CASE("the row limit stops before a bad record in a later block") {
  TempDir dir;
  int64_t n = 0;
  std::string text = records(200000, 0, n) + "bad\n";
  Setup s;
  s.paths = {dir.write("a.ndjson", text)};
  s.block_bytes = 1000;
  s.limit = 2;
  Run r = run(s);
  CHECK(r.error == "");
  CHECK(lines_of(r.out).size() == 2);
}

// Regression: whether `--head 2` failed on a bad line 4 depended on whether that line
// shared a block with the first two rows.
TEST_CASE("the row limit stops before a bad record in the same block") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a.ndjson", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\nbad\n")};
  s.limit = 2;
  Run r = run(s);
  CHECK(r.error == "");
  CHECK(r.out == "{\"a\":1}\n{\"a\":2}\n");
}

TEST_CASE("CSV and TSV output through the pipeline") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a.ndjson", "{\"a\":1,\"b\":\"x,y\"}\n{\"b\":\"t\\tu\",\"a\":2}\n{\"a\":3}\n")};
  s.output = Format::Csv;
  CHECK(run(s).out == "a,b\n1,\"x,y\"\n2,t\tu\n3,\n");
  s.output = Format::Tsv;
  CHECK(run(s).out == "a\tb\n1\tx,y\n2\tt\\tu\n3\t\n");
}

TEST_CASE("no inputs with data: empty output") {
  TempDir dir;
  Setup s;
  s.paths = {dir.write("a", ""), dir.write("b", "\n\n")};
  Run r = run(s);
  CHECK(r.error == "");
  CHECK(r.out == "");
  s.output = Format::Csv;
  CHECK(run(s).out == "");
}

TEST_SUITE_END();

TEST_CASE("spec.read sees every raw block in order; finish = false leaves the writer to the caller") {
  TempDir dir;
  int64_t n = 0;
  std::string path = dir.write("a.ndjson", records(20000, 0, n));
  Context ctx;
  ctx.block_bytes = 1000;
  std::vector<int64_t> seqs;
  PipelineSpec spec;
  spec.read = [&](const RawBlock& raw) { seqs.push_back(raw.seq); };
  spec.finish = false;
  std::string out_path = dir / "out.bkc";
  {
    Output out(out_path);
    auto writer = make_writer(Format::Chunk, out);
    run_pipeline(ctx, {input_file(path)}, {}, spec, *writer);
    std::vector<Batch> more;
    more.push_back(ndjson("{\"id\":-1}\n"));
    CHECK(write_batches(*writer, more) == 1);
    writer->finish();
    out.commit();
  }
  REQUIRE(seqs.size() > 10);
  for (size_t k = 0; k < seqs.size(); ++k) CHECK(seqs[k] == static_cast<int64_t>(k));
  auto blocks = read_file_blocks(out_path);
  int64_t rows = 0;
  for (const auto& b : blocks.batches) {
    CHECK(!b.error);
    rows += b.rows;
  }
  CHECK(rows == n + 1);
  CHECK(text_of(col(blocks.batches.back(), "id"), blocks.batches.back().rows - 1) == "-1");
}
