// libcore/src/dataset.cpp: the manifest, content hashes, the one writer; and
// expand_inputs reading a dataset through its manifest (io.cpp).
#include "bk/dataset.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bk/cat.hpp"
#include "bk/io.hpp"
#include "helpers.hpp"

using namespace bk::dataset;  // Writer here is the dataset's, not bk::Writer (write.hpp)
using bk::CatOptions;
using bk::Context;
using bk::Error;
using bk::ExpandOptions;
using bk::InputFile;
using bk::expand_inputs;
using bk::run_cat;
using namespace bk::test;
namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

namespace {

// Every name under `dir`, relative, sorted ("_lock", "sub/x").
Strings tree(const fs::path& dir) {
  Strings out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_symlink() || !e.is_directory()) out.push_back(e.path().lexically_relative(dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

void spit(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Writes `text` as the next chunk of `w` (any bytes do: readers detect the format,
// and these tests use NDJSON so that reading shows which files were read).
std::string add(Writer& w, const std::string& text, int64_t rows, std::vector<std::string> inputs = {}) {
  std::string tmp = w.new_chunk_path();
  spit(tmp, text);
  ChunkEntry e;
  e.rows = rows;
  e.inputs = std::move(inputs);
  w.add_chunk(tmp, e);
  return tmp;
}

// Runs `body` in a child process that it ends with SIGTERM; true when it did.
bool ends_by_sigterm(const std::function<void()>& body) {
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    body();
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
}

// Writes `text` into the run's temporary folder and adds it as `name` (a partitioned writer).
void put(Writer& w, const std::string& tmp_dir, const std::string& name, const std::string& text, int64_t rows) {
  static int n = 0;
  std::string tmp = tmp_dir + "/" + std::to_string(n++);
  spit(tmp, text);
  ChunkEntry e;
  e.name = name;
  e.rows = rows;
  e.bytes = static_cast<int64_t>(text.size());
  e.checksum = hash_bytes(text);
  w.add_file(tmp, e);
}

// bk-cat DIR as NDJSON.
std::string read_all(const std::string& dir) {
  TempDir out;
  CatOptions opts;
  opts.inputs = {dir};
  opts.output = out / "out";
  Context ctx;
  ctx.threads = 1;
  run_cat(ctx, opts);
  return slurp(opts.output);
}

Strings paths_of(const std::vector<InputFile>& in, const std::string& root) {
  Strings out;
  for (const auto& f : in) out.push_back(fs::relative(f.path, root).string());
  return out;
}

// The manifest of a sample dataset, with every field set.
Manifest sample() {
  Manifest m;
  m.time_field = "ts";
  m.next_part = 3;
  ChunkEntry a;
  a.name = "part-000001.bkc";
  a.rows = 1000;
  a.bytes = 23456;
  a.min_time = 1772366400000000;  // 2026-03-01T12:00:00Z
  a.max_time = 1772366400123456;
  a.checksum = "xxh3-128:00112233445566778899aabbccddeeff";
  a.inputs = {"/data/in/a.ndjson", "<stdin>"};
  a.committed_at = "2026-03-01T12:00:05Z";
  ChunkEntry b;
  b.name = "bucket=07/we \"quote\"\\ tab\t ü.bkc";
  b.rows = 0;
  b.bytes = 16;
  b.checksum = "xxh3-128:ffeeddccbbaa99887766554433221100";
  b.committed_at = "2026-03-02T00:00:00Z";
  m.files = {a, b};
  LedgerEntry l;
  l.path = "/data/in/a.ndjson";
  l.size = 4096;
  l.mtime_ns = 1772366399123456789;
  l.hash = "xxh3-128:0123456789abcdef0123456789abcdef";
  l.lines = 1000;
  l.ingested_at = "2026-03-01T12:00:05Z";
  LedgerEntry l2 = l;
  l2.path = "/data/in/new\nline.csv";
  l2.mtime_ns = -5;
  m.ledger = {l, l2};
  return m;
}

void check_same(const Manifest& a, const Manifest& b) {
  CHECK(a.version == b.version);
  CHECK(a.time_field == b.time_field);
  CHECK(a.next_part == b.next_part);
  REQUIRE(a.files.size() == b.files.size());
  for (size_t k = 0; k < a.files.size(); ++k) {
    CAPTURE(k);
    CHECK(a.files[k].name == b.files[k].name);
    CHECK(a.files[k].rows == b.files[k].rows);
    CHECK(a.files[k].bytes == b.files[k].bytes);
    CHECK(a.files[k].min_time == b.files[k].min_time);
    CHECK(a.files[k].max_time == b.files[k].max_time);
    CHECK(a.files[k].checksum == b.files[k].checksum);
    CHECK(a.files[k].inputs == b.files[k].inputs);
    CHECK(a.files[k].committed_at == b.files[k].committed_at);
  }
  REQUIRE(a.ledger.size() == b.ledger.size());
  for (size_t k = 0; k < a.ledger.size(); ++k) {
    CAPTURE(k);
    CHECK(a.ledger[k].path == b.ledger[k].path);
    CHECK(a.ledger[k].size == b.ledger[k].size);
    CHECK(a.ledger[k].mtime_ns == b.ledger[k].mtime_ns);
    CHECK(a.ledger[k].hash == b.ledger[k].hash);
    CHECK(a.ledger[k].lines == b.ledger[k].lines);
    CHECK(a.ledger[k].ingested_at == b.ledger[k].ingested_at);
  }
}

// A chunk entry for a hand-written manifest.
std::string entry_json(const std::string& name, const std::string& dir, int64_t rows) {
  return "{\"name\":\"" + name + "\",\"rows\":" + std::to_string(rows) + ",\"bytes\":" +
         std::to_string(fs::file_size(fs::path(dir) / name)) + ",\"min_time\":null,\"max_time\":null,\"checksum\":\"" +
         hash_file((fs::path(dir) / name).string()) + "\",\"inputs\":[],\"committed_at\":\"2026-01-01T00:00:00Z\"}";
}

}  // namespace

TEST_SUITE_BEGIN("dataset");

TEST_CASE("hash_bytes and hash_file: XXH3-128 as `xxhsum -H2` prints it") {
  // Expected values from xxhsum 0.8.1 (`printf ... | xxhsum -H2`).
  CHECK(hash_bytes("") == "xxh3-128:99aa06d3014798d86001c324468d497f");
  CHECK(hash_bytes("The quick brown fox jumps over the lazy dog") == "xxh3-128:ddd650205ca3e7fa24a1cc2e3a8a7651");
  TempDir dir;
  std::string fox = dir.write("fox", "The quick brown fox jumps over the lazy dog");
  CHECK(hash_file(fox) == "xxh3-128:ddd650205ca3e7fa24a1cc2e3a8a7651");
  CHECK(hash_file(fox, 19) == "xxh3-128:b2c100c26f5d723ab7859350537dfedc");  // "The quick brown fox"
  CHECK(hash_file(fox, 0) == "xxh3-128:99aa06d3014798d86001c324468d497f");
  CHECK(hash_file(fox, 1000) == hash_file(fox));  // a limit past the end: the whole file
  CHECK(hash_file(dir.write("empty", "")) == "xxh3-128:99aa06d3014798d86001c324468d497f");

  // Larger than the read buffer: streamed in pieces, the same hash as all at once.
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7 + i / 251) % 256);
  std::string path = dir.write("big", big);
  CHECK(hash_file(path) == "xxh3-128:2c3fcbd935c5facffd51fd4b6b8b7e0e");
  CHECK(hash_bytes(big) == "xxh3-128:2c3fcbd935c5facffd51fd4b6b8b7e0e");
  CHECK(hash_file(path, 1 << 20) == "xxh3-128:635c0e1e95c31bab4d13e3faf4e0828a");  // head -c 1048576

  CHECK(error_of([&] { hash_file(dir / "gone"); }) == dir / "gone" + ": cannot read: No such file or directory");
}

TEST_CASE("manifest_json: keys in a fixed order, a line per file and per ledger entry") {
  Manifest m;
  CHECK(manifest_json(m) == "{\"version\":1,\"time_field\":null,\"next_part\":1,\"files\":[],\"ledger\":[]}\n");
  m = sample();
  m.files.resize(1);
  m.ledger.resize(1);
  m.files[0].max_time.reset();
  CHECK(manifest_json(m) ==
        "{\"version\":1,\"time_field\":\"ts\",\"next_part\":3,\"files\":[\n"
        "{\"name\":\"part-000001.bkc\",\"rows\":1000,\"bytes\":23456,\"min_time\":\"2026-03-01T12:00:00Z\","
        "\"max_time\":null,\"checksum\":\"xxh3-128:00112233445566778899aabbccddeeff\","
        "\"inputs\":[\"/data/in/a.ndjson\",\"<stdin>\"],\"committed_at\":\"2026-03-01T12:00:05Z\"}\n"
        "],\"ledger\":[\n"
        "{\"path\":\"/data/in/a.ndjson\",\"size\":4096,\"mtime_ns\":1772366399123456789,"
        "\"hash\":\"xxh3-128:0123456789abcdef0123456789abcdef\",\"lines\":1000,"
        "\"ingested_at\":\"2026-03-01T12:00:05Z\"}\n"
        "]}\n");
}

TEST_CASE("manifest: every field reads back as written") {
  TempDir dir;
  Manifest m = sample();
  spit(dir / kManifestName, manifest_json(m));
  Manifest back = load_manifest(dir.path().string());
  check_same(back, m);
  CHECK(manifest_json(back) == manifest_json(m));
  // Escapes in names and paths.
  CHECK(back.files[1].name == "bucket=07/we \"quote\"\\ tab\t ü.bkc");
  CHECK(back.ledger[1].path == "/data/in/new\nline.csv");
  CHECK(slurp(dir / kManifestName).find("we \\\"quote\\\"\\\\ tab\\t ü.bkc") != std::string::npos);
  // Times: absent, microseconds, and outside the years RFC 3339 can write.
  CHECK(!back.files[1].min_time);
  CHECK(back.files[0].max_time == 1772366400123456);
  CHECK(slurp(dir / kManifestName).find("\"max_time\":\"2026-03-01T12:00:00.123456Z\"") != std::string::npos);
  m.files[0].min_time = INT64_MIN;
  m.files[0].max_time = -62167219200000001;  // a microsecond before 0000-01-01
  m.files[1].min_time = -62167219200000000;  // 0000-01-01T00:00:00Z
  m.files[1].max_time = 253402300799999999;  // 9999-12-31T23:59:59.999999Z
  m.time_field = "";
  spit(dir / kManifestName, manifest_json(m));
  back = load_manifest(dir.path().string());
  check_same(back, m);
  std::string text = slurp(dir / kManifestName);
  CHECK(text.find("\"min_time\":-9223372036854775808,\"max_time\":-62167219200000001") != std::string::npos);
  CHECK(text.find("\"min_time\":\"0000-01-01T00:00:00Z\",\"max_time\":\"9999-12-31T23:59:59.999999Z\"") !=
        std::string::npos);
  CHECK(text.find("\"time_field\":null") != std::string::npos);
}

TEST_CASE("load_manifest: none is an empty manifest; is_dataset") {
  TempDir dir;
  Manifest m = load_manifest(dir.path().string());
  CHECK(m.version == 1);
  CHECK(m.time_field.empty());
  CHECK(m.next_part == 1);
  CHECK(m.files.empty());
  CHECK(m.ledger.empty());
  CHECK(load_manifest(dir / "no-such-dir").files.empty());
  CHECK(!is_dataset(dir.path().string()));
  spit(dir / kManifestName, manifest_json(m));
  CHECK(is_dataset(dir.path().string()));
}

TEST_CASE("load_manifest: malformed manifests are errors naming the file and the field") {
  TempDir dir;
  std::string path = dir / kManifestName;
  auto error = [&](const std::string& text) {
    spit(path, text);
    return error_of([&] { load_manifest(dir.path().string()); });
  };
  const std::string hint = " (the manifest is damaged; restore it from a backup)";
  const std::string head = "{\"version\":1,\"time_field\":null,\"next_part\":1,";
  const std::string file = "{\"name\":\"part-000001.bkc\",\"rows\":1,\"bytes\":2,\"min_time\":null,\"max_time\":null,"
                           "\"checksum\":\"x\",\"inputs\":[],\"committed_at\":\"\"}";
  auto with_file = [&](const std::string& f) { return head + "\"files\":[" + f + "],\"ledger\":[]}"; };
  auto with_name = [&](const std::string& name) {
    std::string f = file;
    f.replace(f.find("part-000001.bkc"), 15, name);
    return with_file(f);
  };

  CHECK(error("") == path + ": not valid JSON (Empty: no JSON found)" + hint);
  CHECK(error(head + "\"files\":[],\"ledger\":[]") == path + ": not valid JSON (The JSON document has an improper "
                           "structure: missing or superfluous commas, braces, missing keys, etc.)" + hint);
  CHECK(error("[]") == path + ": the manifest: not an object" + hint);
  CHECK(error("{}") == path + ": missing \"version\"" + hint);
  CHECK(error("{\"version\":\"1\"}") == path + ": version: not an integer" + hint);
  CHECK(error("{\"version\":0}") == path + ": version: 0 is less than 1" + hint);
  CHECK(error("{\"version\":2}") == path + ": written by a newer batchkit (manifest version 2; this one reads up to 1) "
                                           "(upgrade batchkit)");
  CHECK(error("{\"version\":1,\"time_field\":3}") == path + ": time_field: not a string" + hint);
  CHECK(error("{\"version\":1,\"time_field\":null}") == path + ": missing \"next_part\"" + hint);
  CHECK(error("{\"version\":1,\"time_field\":null,\"next_part\":0}") == path + ": next_part: 0 is less than 1" + hint);
  CHECK(error(head + "\"files\":{}}") == path + ": files: not an array" + hint);
  CHECK(error(head + "\"files\":[]}") == path + ": missing \"ledger\"" + hint);
  CHECK(error(with_file("3")) == path + ": files[0]: not an object" + hint);
  CHECK(error(with_file(file + "," + file)) == path + ": files[1].name: 'part-000001.bkc' is listed twice" + hint);
  CHECK(error(with_name("../x.bkc")) ==
        path + ": files[0].name: '../x.bkc' is not a plain relative path (empty, '.' or '..' parts)" + hint);
  CHECK(error(with_name("a/../../x.bkc")) ==
        path + ": files[0].name: 'a/../../x.bkc' is not a plain relative path (empty, '.' or '..' parts)" + hint);
  CHECK(error(with_name("/etc/passwd")) ==
        path + ": files[0].name: '/etc/passwd' is an absolute path; names are relative to the dataset" + hint);
  CHECK(error(with_name("")) == path + ": files[0].name: an empty file name" + hint);
  std::string f = file;
  CHECK(error(with_file(f.replace(f.find("\"rows\":1"), 8, "\"rows\":-1"))) ==
        path + ": files[0].rows: -1 is less than 0" + hint);
  f = file;
  CHECK(error(with_file(f.replace(f.find("\"bytes\":2"), 9, "\"bytes\":2.5"))) ==
        path + ": files[0].bytes: not an integer" + hint);
  f = file;
  CHECK(error(with_file(f.replace(f.find("\"min_time\":null"), 15, "\"min_time\":\"yesterday\""))) ==
        path + ": files[0].min_time: not an RFC 3339 timestamp: 'yesterday'" + hint);
  f = file;
  CHECK(error(with_file(f.replace(f.find("\"min_time\":null"), 15, "\"min_time\":true"))) ==
        path + ": files[0].min_time: not a timestamp" + hint);
  f = file;
  CHECK(error(with_file(f.replace(f.find(",\"checksum\":\"x\""), 15, ""))) ==
        path + ": files[0]: missing \"checksum\"" + hint);
  f = file;
  CHECK(error(with_file(f.replace(f.find("[]"), 2, "[1]"))) == path + ": files[0].inputs[0]: not a string" + hint);
  CHECK(error(head + "\"files\":[],\"ledger\":[{\"path\":\"/a\"}]}") == path + ": ledger[0]: missing \"size\"" + hint);

  // A manifest that is no file.
  fs::remove(path);
  fs::create_directories(path);
  CHECK(error_of([&] { load_manifest(dir.path().string()); }) ==
        path + ": cannot read the manifest: Is a directory");
}

TEST_CASE("check_entry_name") {
  for (const char* ok : {"part-000001.bkc", "bucket=07/part-000001.bkc", "a/b/c", "..x", "x..", ".hidden", "a b"})
    CHECK_NOTHROW(check_entry_name(ok));
  for (const char* bad : {"", "/abs", "..", ".", "a/..", "../a", "a//b", "a/./b", "a/"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(check_entry_name(bad), Error);
  }
  CHECK_THROWS_AS(check_entry_name(std::string("a\0b", 3)), Error);
}

TEST_CASE("Manifest::find_input and find_hash") {
  Manifest m = sample();
  REQUIRE(m.find_input("/data/in/a.ndjson") == &m.ledger[0]);
  CHECK(m.find_input("/data/in/new\nline.csv") == &m.ledger[1]);
  CHECK(m.find_input("/data/in/other") == nullptr);
  CHECK(m.find_hash("xxh3-128:0123456789abcdef0123456789abcdef") == &m.ledger[0]);  // the first of two
  CHECK(m.find_hash("xxh3-128:0") == nullptr);
}

TEST_CASE("Writer: a commit makes the chunk files visible and the manifest right") {
  TempDir tmp;
  std::string dir = tmp / "new/ds";  // created, parents too
  Writer w(dir, false);
  CHECK(w.dir() == dir);
  CHECK(tree(dir) == Strings{"_lock"});
  CHECK(slurp(dir + "/_lock") == std::to_string(::getpid()) + "\n");

  std::string t1 = add(w, "{\"n\":1}\n{\"n\":2}\n", 2, {"/in/a.ndjson"});
  std::string t2 = add(w, "{\"n\":3}\n", 1, {"/in/b.ndjson"});
  CHECK(fs::path(t1).parent_path() == fs::path(dir));
  CHECK(fs::path(t1).filename().string().substr(0, 6) == ".part-");
  CHECK(fs::path(t1).filename().string().size() == std::string(".part-XXXXXX.tmp").size());
  CHECK((fs::status(t1).permissions() & fs::perms::owner_read) != fs::perms::none);
  LedgerEntry in;
  in.path = "/in/a.ndjson";
  in.size = 16;
  in.lines = 2;
  in.hash = hash_bytes("{\"n\":1}\n{\"n\":2}\n");
  w.add_input(in);
  w.set_time_field("ts");

  // Nothing is visible before the commit: no manifest, the temporary files are hidden.
  CHECK(!is_dataset(dir));
  CHECK(read_all(dir).empty());
  CHECK(w.manifest().files.empty());

  w.commit();
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "part-000001.bkc", "part-000002.bkc"});
  CHECK(!fs::exists(t1));
  CHECK(!fs::exists(t2));
  Manifest m = load_manifest(dir);
  CHECK(m.time_field == "ts");
  CHECK(m.next_part == 3);
  REQUIRE(m.files.size() == 2);
  CHECK(m.files[0].name == "part-000001.bkc");
  CHECK(m.files[0].rows == 2);
  CHECK(m.files[0].bytes == 16);
  CHECK(m.files[0].checksum == hash_bytes("{\"n\":1}\n{\"n\":2}\n"));
  CHECK(m.files[0].checksum == hash_file(dir + "/part-000001.bkc"));
  CHECK(m.files[0].inputs == Strings{"/in/a.ndjson"});
  CHECK(m.files[0].committed_at.size() == std::string("2026-03-01T12:00:05Z").size());
  CHECK(m.files[0].committed_at.back() == 'Z');
  CHECK(m.files[1].name == "part-000002.bkc");
  CHECK(m.files[1].bytes == 8);
  CHECK(m.files[1].checksum == hash_bytes("{\"n\":3}\n"));
  REQUIRE(m.ledger.size() == 1);
  CHECK(m.ledger[0].lines == 2);
  check_same(w.manifest(), m);
  CHECK(read_all(dir) == "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");

  // A second commit appends; a ledger entry with the same path is replaced.
  add(w, "{\"n\":4}\n", 1);
  in.size = 24;
  in.lines = 3;
  w.add_input(in);
  LedgerEntry other;
  other.path = "/in/b.ndjson";
  w.add_input(other);
  w.commit();
  m = load_manifest(dir);
  REQUIRE(m.files.size() == 3);
  CHECK(m.files[2].name == "part-000003.bkc");
  CHECK(m.next_part == 4);
  REQUIRE(m.ledger.size() == 2);
  CHECK(m.ledger[0].path == "/in/a.ndjson");
  CHECK(m.ledger[0].lines == 3);
  CHECK(m.ledger[0].size == 24);
  CHECK(m.ledger[1].path == "/in/b.ndjson");
  CHECK(read_all(dir) == "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");

  // Nothing pending (the same time field is no change): no new manifest.
  auto before = fs::last_write_time(dir + "/_manifest.json");
  std::string text = slurp(dir + "/_manifest.json");
  w.set_time_field("ts");
  w.commit();
  CHECK(fs::last_write_time(dir + "/_manifest.json") == before);
  CHECK(slurp(dir + "/_manifest.json") == text);
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "part-000001.bkc", "part-000002.bkc", "part-000003.bkc"});
  // A time field alone is a change.
  w.set_time_field("at");
  w.commit();
  CHECK(load_manifest(dir).time_field == "at");
}

TEST_CASE("Writer: add_chunk takes only its own temporary paths, once") {
  TempDir tmp;
  Writer w(tmp / "ds", false);
  std::string t = add(w, "x", 0);
  CHECK(error_of([&] { w.add_chunk(t, {}); }) == t + ": not a chunk path from new_chunk_path, or one added already");
  std::string other = tmp.write("ds/elsewhere", "y");
  CHECK(error_of([&] { w.add_chunk(other, {}); }) ==
        other + ": not a chunk path from new_chunk_path, or one added already");
}

TEST_CASE("Writer: without commit, the destructor removes the temporary files and keeps the old manifest") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false);
    add(w, "{\"n\":1}\n", 1);
    w.commit();
  }
  std::string text = slurp(dir + "/_manifest.json");
  {
    Writer w(dir, false);
    add(w, "{\"n\":2}\n", 1);               // added, not committed
    spit(w.new_chunk_path(), "{\"n\":3}\n");  // not even added
    CHECK(tree(dir).size() == 5);
  }
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "part-000001.bkc"});
  CHECK(slurp(dir + "/_manifest.json") == text);
  CHECK(read_all(dir) == "{\"n\":1}\n");
  // The numbers given to uncommitted chunks are given again.
  Writer w(dir, false);
  add(w, "{\"n\":4}\n", 1);
  w.commit();
  CHECK(w.manifest().files.back().name == "part-000002.bkc");
}

TEST_CASE("Writer: taking the lock deletes orphans, and only them") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false);
    add(w, "{\"n\":1}\n", 1);
    w.commit();
  }
  // Left by writers that died, at the top and below:
  spit(dir + "/part-000002.bkc", "renamed, never committed");
  spit(dir + "/.part-Ab12Cd.tmp", "half written");
  spit(dir + "/.manifest-Zz99Yy.tmp", "{");
  // Not a writer's: kept.
  spit(dir + "/bucket=1/part-000007.bkc", "a subdirectory: the user's");
  spit(dir + "/notes.txt", "mine");
  spit(dir + "/part-3.csv", "mine");
  spit(dir + "/_meta/part-000009.bkc", "metadata");
  spit(dir + "/.git/part-000009.bkc", "hidden");
  spit(dir + "/.part-000001.bkc.tmp-Qq11Ww", "another module's temporary name");
  spit(dir + "/nested/_manifest.json", manifest_json(Manifest{}));
  spit(dir + "/nested/part-000001.bkc", "another dataset's business");
  fs::create_symlink(tmp / "elsewhere", dir + "/link");
  spit(tmp / "elsewhere/part-000005.bkc", "behind a symlink");

  CHECK(find_orphans(dir, load_manifest(dir)) ==
        Strings{".manifest-Zz99Yy.tmp", ".part-Ab12Cd.tmp", "part-000002.bkc"});
  // Readers never see them.
  CHECK(read_all(dir) == "{\"n\":1}\n");
  {
    Writer w(dir, false);
    CHECK(find_orphans(dir, w.manifest()).empty());
  }
  CHECK(tree(dir) == Strings{".git/part-000009.bkc", ".part-000001.bkc.tmp-Qq11Ww", "_lock", "_manifest.json",
                             "_meta/part-000009.bkc", "bucket=1/part-000007.bkc", "link", "nested/_manifest.json", "nested/part-000001.bkc",
                             "notes.txt", "part-000001.bkc", "part-3.csv"});
  CHECK(fs::exists(tmp / "elsewhere/part-000005.bkc"));
}

TEST_CASE("Writer: a directory no writer ever locked keeps its chunk files: an error") {
  TempDir tmp;
  std::string dir = tmp / "mine";
  tmp.write("mine/part-000001.bkc", "made by hand");
  tmp.write("mine/.part-Ab12Cd.tmp", "x");
  CHECK(error_of([&] { Writer w(dir, false); }) ==
        dir + " is no dataset (no _manifest.json) but holds chunk files such as part-000001.bkc that a dataset " +
            "writer would take for its own (move them away, or choose another directory)");
  CHECK(tree(dir) == Strings{".part-Ab12Cd.tmp", "part-000001.bkc"});  // nothing made, nothing deleted
  CHECK_THROWS_AS(Writer(dir, false), Error);                          // a second try too
  CHECK(fs::exists(dir + "/part-000001.bkc"));
  // Once a writer has had the lock (and died before its first commit), they are orphans.
  fs::remove(dir + "/part-000001.bkc");
  { Writer w(dir, false); }
  CHECK(tree(dir) == Strings{"_lock"});
  tmp.write("mine/part-000001.bkc", "left by a writer killed before its first commit");
  { Writer w(dir, false); }
  CHECK(tree(dir) == Strings{"_lock"});
}

TEST_CASE("Writer: a second writer waits, or with --no-wait fails naming the holder") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  auto first = std::make_unique<Writer>(dir, false);
  // flock locks belong to the open file, so a second writer in this process conflicts too.
  try {
    Writer second(dir, false);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.message() == dir + " is being written by another process (pid " + std::to_string(::getpid()) + ")");
    CHECK(e.hint() == "wait for it, or leave out --no-wait to wait");
    CHECK(e.kind() == Error::Kind::Data);
  }
  // Waiting: it gets the lock once the first is gone, and sees what the first committed.
  std::atomic<bool> locked{false};
  std::thread waiter([&] {
    Writer second(dir, true);
    locked = true;
    CHECK(second.manifest().files.size() == 1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(!locked);
  add(*first, "{\"n\":1}\n", 1);
  first->commit();
  first.reset();
  waiter.join();
  CHECK(locked);
}

TEST_CASE("Writer: another process holding the lock is named by its pid") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char c = 0;
    {
      Writer w(dir, false);
      ssize_t n = ::write(ready[1], "r", 1);
      n = ::read(go[0], &c, 1);
      (void)n;
    }
    ::_exit(0);
  }
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(error_of([&] { Writer w(dir, false); }) ==
        dir + " is being written by another process (pid " + std::to_string(child) +
            ") (wait for it, or leave out --no-wait to wait)");
  REQUIRE(::write(go[1], "g", 1) == 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_NOTHROW(Writer(dir, false));
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
}

TEST_CASE("Writer: kill -9 mid-write: readers skip what it left, the next writer deletes it") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false);
    add(w, "{\"n\":1}\n", 1);
    w.commit();
  }
  // A writer killed after writing a chunk, before its commit: the temporary file stays,
  // and the kernel releases the lock.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Writer w(dir, false);
    add(w, "{\"n\":2}\n", 1);
    ::kill(::getpid(), SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  // And one killed between renaming its chunk and renaming the manifest.
  spit(dir + "/part-000002.bkc", "{\"n\":3}\n");
  Strings left = tree(dir);
  REQUIRE(left.size() == 5);
  CHECK(left[0].substr(0, 6) == ".part-");
  CHECK(paths_of(expand_inputs({dir}), dir) == Strings{"part-000001.bkc"});
  CHECK(read_all(dir) == "{\"n\":1}\n");

  Writer w(dir, false);  // the lock is free: kill -9 released it
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "part-000001.bkc"});
  add(w, "{\"n\":4}\n", 1);
  w.commit();
  CHECK(read_all(dir) == "{\"n\":1}\n{\"n\":4}\n");
}

TEST_CASE("Writer: a signal removes the temporary chunk files") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  CHECK(ends_by_sigterm([&] {
    Writer w(dir, false);
    add(w, "{\"n\":1}\n", 1);
    spit(w.new_chunk_path(), "{\"n\":2}\n");
    spit(w.new_chunk_path(), "{\"n\":3}\n");
    ::raise(SIGTERM);
  }));
  CHECK(tree(dir) == Strings{"_lock"});
}

TEST_CASE("Writer: failures name the path and leave the old manifest") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  Writer w(dir, false);
  add(w, "{\"n\":1}\n", 1);
  w.commit();
  std::string text = slurp(dir + "/_manifest.json");
  add(w, "{\"n\":2}\n", 1);
  // A directory where the chunk's final name should go: the rename fails (root too).
  spit(dir + "/part-000002.bkc/x", "in the way");
  std::string err = error_of([&] { w.commit(); });
  CHECK(err.find(dir + "/part-000002.bkc: cannot rename " + dir + "/.part-") == 0);
  CHECK(err.substr(err.size() - 31) == ".tmp into place: Is a directory");
  CHECK(slurp(dir + "/_manifest.json") == text);
  CHECK(read_all(dir) == "{\"n\":1}\n");
  fs::remove_all(dir + "/part-000002.bkc");
  w.commit();  // a retry succeeds
  CHECK(load_manifest(dir).files.size() == 2);
  CHECK(read_all(dir) == "{\"n\":1}\n{\"n\":2}\n");

  if (::geteuid() != 0) {  // root writes anywhere
    fs::permissions(dir, fs::perms::owner_write, fs::perm_options::remove);
    CHECK(error_of([&] { w.new_chunk_path(); }) ==
          dir + ": cannot create a temporary file: Permission denied (check that the directory is writable)");
    fs::permissions(dir, fs::perms::owner_write, fs::perm_options::add);
  }
  CHECK(error_of([&] { Writer(tmp.write("file", "x"), false); }) ==
        tmp / "file" + ": cannot create the dataset directory: Not a directory");
}

TEST_CASE("ContentHash: pieces hash as the whole") {
  ContentHash h;
  CHECK(h.text() == hash_bytes(""));
  h.update("The quick brown fox");
  h.update("");
  h.update(" jumps over the lazy dog");
  CHECK(h.text() == "xxh3-128:ddd650205ca3e7fa24a1cc2e3a8a7651");
}

TEST_CASE("manifest: partitioning and runs are written, and read back, only where set") {
  TempDir dir;
  Manifest m = sample();
  m.partitioning = "time:month hash:device:8 tz=Europe/Berlin";
  RunEntry r;
  r.id = "0123456789abcdef";
  r.inputs = {"/data/a.ndjson", "<stdin>"};
  r.committed_at = "2026-03-01T12:00:05Z";
  m.runs = {r};
  std::string text = manifest_json(m);
  CHECK(text.substr(text.find("],\"partitioning\"")) ==
        "],\"partitioning\":\"time:month hash:device:8 tz=Europe/Berlin\",\"runs\":[\n"
        "{\"id\":\"0123456789abcdef\",\"inputs\":[\"/data/a.ndjson\",\"<stdin>\"],\"committed_at\":\"2026-03-01T12:00:05Z\"}\n"
        "]}\n");
  spit(dir / kManifestName, text);
  Manifest back = load_manifest(dir.path().string());
  check_same(m, back);
  CHECK(back.partitioning == m.partitioning);
  REQUIRE(back.runs.size() == 1);
  CHECK(back.runs[0].id == r.id);
  CHECK(back.runs[0].inputs == r.inputs);
  CHECK(back.runs[0].committed_at == r.committed_at);
  CHECK(manifest_json(sample()).find("partitioning") == std::string::npos);

  const std::string id = "\"id\":\"0123456789abcdef\"";
  std::string bad = text;
  bad.replace(bad.find(id), id.size(), "\"id\":7");
  spit(dir / kManifestName, bad);
  CHECK(error_of([&] { load_manifest(dir.path().string()); }) ==
        dir / kManifestName + ": runs[0].id: not a string (the manifest is damaged; restore it from a backup)");
}

TEST_CASE("Writer (partitioned): files in their folders, listed in name order; a run replaces its own") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false, Layout::Partitioned);
    std::string t = w.temp_dir();
    CHECK(fs::path(t).filename().string().substr(0, 5) == ".run-");
    put(w, t, "b=2/part-aa.ndjson", "{\"n\":2}\n", 1);
    put(w, t, "b=1/part-aa.ndjson", "{\"n\":1}\n", 1);
    put(w, t, "b=3/c=x/part-aa.ndjson", "{\"n\":3}\n", 1);
    w.set_partitioning("value:b");
    RunEntry r;
    r.id = "aa";
    r.inputs = {"/in/a"};
    w.add_run(r);
    w.commit(false);
    CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "b=1/part-aa.ndjson", "b=2/part-aa.ndjson",
                                "b=3/c=x/part-aa.ndjson"});
  }
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().substr(0, 5) != ".run-");
  Manifest m = load_manifest(dir);
  CHECK(m.partitioning == "value:b");
  REQUIRE(m.files.size() == 3);
  CHECK(m.files[0].name == "b=1/part-aa.ndjson");
  CHECK(m.files[2].name == "b=3/c=x/part-aa.ndjson");
  CHECK(m.files[0].checksum == hash_file(dir + "/b=1/part-aa.ndjson"));
  CHECK(read_all(dir) == "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");

  // The same run again writes b=1 anew and b=4, and not b=2 nor b=3: they go, with
  // the folders they leave empty. Another run's file stays.
  {
    Writer w(dir, false, Layout::Partitioned);
    std::string t = w.temp_dir();
    put(w, t, "b=2/part-bb.ndjson", "{\"n\":22}\n", 1);
    w.commit(false);
  }
  {
    Writer w(dir, false, Layout::Partitioned);
    std::string t = w.temp_dir();
    put(w, t, "b=1/part-aa.ndjson", "{\"n\":11}\n", 1);
    put(w, t, "b=4/part-aa.ndjson", "{\"n\":4}\n", 1);
    w.remove_file("b=2/part-aa.ndjson");
    w.remove_file("b=3/c=x/part-aa.ndjson");
    w.commit(true);
  }
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "b=1/part-aa.ndjson", "b=2/part-bb.ndjson",
                              "b=4/part-aa.ndjson"});
  CHECK(!fs::exists(dir + "/b=3"));  // emptied: removed
  CHECK(read_all(dir) == "{\"n\":11}\n{\"n\":22}\n{\"n\":4}\n");
  m = load_manifest(dir);
  CHECK(m.files.size() == 3);
  CHECK(m.runs.size() == 1);  // one run added (the second commit added none)
}

TEST_CASE("Writer (partitioned): orphans in the folders and leftover runs go; other files stay") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false, Layout::Partitioned);
    put(w, w.temp_dir(), "k=1/part-aa.bkc", "{\"n\":1}\n", 1);
    w.set_partitioning("value:k");
    w.commit(false);
  }
  // What a run killed with -9 leaves: its temporary folder, files renamed into
  // folders but never committed; and files that are no writer's.
  spit(dir + "/.run-abc123/0", "x");
  spit(dir + "/k=1/part-cc.bkc", "renamed, never committed");
  spit(dir + "/k=2/k=3/part-dd.csv", "renamed, never committed");
  spit(dir + "/k=1/notes.txt", "mine");
  spit(dir + "/other/part-ee.bkc", "not a partition folder");
  Manifest m = load_manifest(dir);
  CHECK(find_orphans(dir, m) == Strings{".run-abc123", "k=1/part-cc.bkc", "k=2/k=3/part-dd.csv"});
  CHECK(find_orphans(dir, m, false).empty());  // bk-ingest's rule: the top only
  CHECK(read_all(dir) == "{\"n\":1}\n");       // readers see the manifest's files only
  Writer w(dir, false, Layout::Partitioned);
  CHECK(tree(dir) == Strings{"_lock", "_manifest.json", "k=1/notes.txt", "k=1/part-aa.bkc", "other/part-ee.bkc"});
}

TEST_CASE("Writer: a dataset of the other tool is refused, naming it") {
  TempDir tmp;
  std::string ingested = tmp / "ingested", parted = tmp / "parted";
  {
    Writer w(ingested, false);
    add(w, "{\"n\":1}\n", 1);
    w.commit();
    Writer p(parted, false, Layout::Partitioned);
    put(p, p.temp_dir(), "k=1/part-aa.bkc", "{\"n\":1}\n", 1);
    p.set_partitioning("value:k");
    p.commit(false);
  }
  CHECK(error_of([&] { Writer(ingested, false, Layout::Partitioned); }) ==
        ingested + " is a dataset of bk-ingest, not of bk-partition (give bk-partition a directory of its own (it "
                   "may read this one))");
  CHECK(error_of([&] { Writer(parted, false); }) ==
        parted + " is a partitioned dataset of bk-partition (value:k), not a dataset of bk-ingest (give bk-ingest a "
                 "directory of its own (it may read this one))");
  // A directory no writer locked, with partition files: someone else's.
  std::string theirs = tmp / "theirs";
  spit(theirs + "/k=1/part-00000.csv", "a\n1\n");
  CHECK(error_of([&] { Writer(theirs, false, Layout::Partitioned); }) ==
        theirs + " is no dataset (no _manifest.json) but holds data files such as k=1/part-00000.csv that a dataset "
                 "writer would take for its own (move them away, or choose another directory)");
}

TEST_CASE("Writer (partitioned): without commit, and on a signal, the temporary folder goes") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  {
    Writer w(dir, false, Layout::Partitioned);
    std::string t = w.temp_dir();
    spit(t + "/0", "x");
  }
  CHECK(tree(dir) == Strings{"_lock"});
  CHECK(ends_by_sigterm([&] {
    Writer w(dir, false, Layout::Partitioned);
    std::string t = w.temp_dir();
    for (int k = 0; k < 300; ++k) spit(t + "/" + std::to_string(k), "some bytes");  // more than one listing's worth
    ::raise(SIGTERM);
  }));
  CHECK(tree(dir) == Strings{"_lock"});
}

TEST_CASE("expand_inputs: a dataset is exactly its manifest's files, in its order") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  tmp.write("ds/part-000001.bkc", "{\"f\":1}\n");
  tmp.write("ds/part-000002.bkc", "{\"f\":2}\n");
  tmp.write("ds/bucket=07/part-000001.bkc", "{\"f\":3}\n");
  tmp.write("ds/part-000003.bkc", "{\"f\":\"orphan\"}\n");
  tmp.write("ds/zz.ndjson", "{\"f\":\"not listed\"}\n");
  tmp.write("ds/_manifest.json", "{\"version\":1,\"time_field\":null,\"next_part\":4,\"files\":[" +
                                     entry_json("part-000002.bkc", dir, 1) + "," +
                                     entry_json("bucket=07/part-000001.bkc", dir, 1) + "," +
                                     entry_json("part-000001.bkc", dir, 1) + "],\"ledger\":[]}\n");
  std::vector<std::string> datasets;
  ExpandOptions xopts;
  xopts.datasets = &datasets;
  auto in = expand_inputs({dir}, xopts);
  CHECK(paths_of(in, dir) == Strings{"part-000002.bkc", "bucket=07/part-000001.bkc", "part-000001.bkc"});
  CHECK(in[1].path == dir + "/bucket=07/part-000001.bkc");
  CHECK(in[1].display == in[1].path);
  CHECK(in[1].size == 8);
  CHECK(in[1].dataset == dir);
  CHECK(in[1].entry == "bucket=07/part-000001.bkc");
  CHECK(!in[1].missing);
  CHECK(datasets == Strings{dir});
  CHECK(read_all(dir) == "{\"f\":2}\n{\"f\":3}\n{\"f\":1}\n");

  // Met while walking a plain directory: the same, for that subtree.
  tmp.write("a.ndjson", "{\"f\":\"a\"}\n");
  tmp.write("z/b.ndjson", "{\"f\":\"b\"}\n");
  in = expand_inputs({tmp.path().string()}, xopts);
  CHECK(paths_of(in, tmp.path().string()) ==
        Strings{"a.ndjson", "ds/part-000002.bkc", "ds/bucket=07/part-000001.bkc", "ds/part-000001.bkc", "z/b.ndjson"});
  CHECK(in[0].dataset.empty());
  CHECK(in[0].entry.empty());
  CHECK(datasets == Strings{dir, tmp / "ds"});

  // A listed file that is missing: an error naming it and the manifest; or, for
  // --verify, kept and marked.
  fs::remove(dir + "/part-000001.bkc");
  CHECK(error_of([&] { expand_inputs({dir}); }) ==
        dir + "/part-000001.bkc: missing, but " + dir + "/_manifest.json lists it (restore it from a backup; " +
            "bk-cat --verify " + dir + " checks the whole dataset)");
  xopts.keep_missing = true;
  in = expand_inputs({dir}, xopts);
  REQUIRE(in.size() == 3);
  CHECK(in[2].missing);
  CHECK(in[2].size == -1);
  CHECK(!in[0].missing);

  // A damaged manifest stops reading.
  tmp.write("ds/_manifest.json", "{\"version\":1,\"time_field\":null,\"next_part\":2,\"files\":[" +
                                     entry_json("part-000002.bkc", dir, 1) +
                                     ",{\"name\":\"../a.ndjson\"}],\"ledger\":[]}\n");
  CHECK(error_of([&] { expand_inputs({dir}); }) ==
        dir + "/_manifest.json: files[1].name: '../a.ndjson' is not a plain relative path (empty, '.' or '..' " +
            "parts) (the manifest is damaged; restore it from a backup)");
}

TEST_CASE("expand_inputs: an empty dataset gives no inputs, a file in it named alone is read") {
  TempDir tmp;
  std::string dir = tmp / "ds";
  { Writer w(dir, false); }
  CHECK(expand_inputs({dir}).empty());  // no manifest yet: a plain directory of metadata
  tmp.write("ds/_manifest.json", manifest_json(Manifest{}));
  tmp.write("ds/part-000001.bkc", "{\"f\":1}\n");
  CHECK(expand_inputs({dir}).empty());
  auto in = expand_inputs({dir + "/part-000001.bkc"});
  REQUIRE(in.size() == 1);
  CHECK(in[0].dataset.empty());
}

TEST_SUITE_END();
