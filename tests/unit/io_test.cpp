// libcore/src/io.cpp: input listing, gzip reading, atomic output files.
#include "bk/io.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
namespace fs = std::filesystem;

namespace {

std::string read_all(ByteReader& r, size_t chunk = 4096) {
  std::string out, buf(chunk, '\0');
  for (;;) {
    size_t n = r.read(buf.data(), buf.size());
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("expand_inputs: no argument or '-' is standard input") {
  auto none = expand_inputs({});
  REQUIRE(none.size() == 1);
  CHECK(none[0].path == "-");
  CHECK(none[0].display == "<stdin>");
  CHECK(none[0].size == -1);
  auto dash = expand_inputs({"-"});
  REQUIRE(dash.size() == 1);
  CHECK(dash[0].display == "<stdin>");
}

TEST_CASE("expand_inputs: a directory tree in path order, metadata skipped") {
  TempDir dir;
  dir.write("d/b.csv", "12345");
  dir.write("d/a/z.ndjson", "1");
  dir.write("d/a/y.ndjson", "22");
  dir.write("d/a.csv", "333");
  dir.write("d/_meta.json", "m");
  dir.write("d/.hidden", "h");
  dir.write("d/_meta/inner.csv", "x");
  dir.write("d/.git/objects", "x");
  dir.write("d/c/_ledger", "x");
  dir.write("d/c/deep/e/f.tsv", "4444");
  dir.write("d/B.csv", "u");  // byte order: upper case first
  fs::create_directories(dir.path() / "d/empty");
  std::string root = dir / "d";
  auto in = expand_inputs({root});
  std::vector<std::string> got;
  for (const auto& f : in) got.push_back(fs::relative(f.path, root).string());
  CHECK(got == std::vector<std::string>{"B.csv", "a/y.ndjson", "a/z.ndjson", "a.csv", "b.csv", "c/deep/e/f.tsv"});
  for (const auto& f : in) {
    CHECK(f.display == f.path);
    CHECK(f.size == static_cast<int64_t>(fs::file_size(f.path)));
  }
}

TEST_CASE("expand_inputs: files as given, in argument order, metadata names included") {
  TempDir dir;
  std::string b = dir.write("b.csv", "bb");
  std::string a = dir.write("_a.csv", "a");
  dir.write("d/x.csv", "x");
  auto in = expand_inputs({b, a, dir / "d", "-"});
  REQUIRE(in.size() == 4);
  CHECK(in[0].path == b);
  CHECK(in[0].size == 2);
  CHECK(in[1].path == a);
  CHECK(fs::path(in[2].path).filename() == "x.csv");
  CHECK(in[3].path == "-");
}

TEST_CASE("expand_inputs: a missing path is an error naming it") {
  TempDir dir;
  std::string missing = dir / "nope.csv";
  CHECK(error_of([&] { expand_inputs({missing}); }) == missing + ": no such file or directory (check the path)");
  try {
    expand_inputs({dir.write("ok.csv", "x"), missing});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::Data);
    CHECK(e.file() == missing);
  }
}

TEST_CASE("expand_inputs: an empty directory gives no inputs") {
  TempDir dir;
  fs::create_directories(dir.path() / "empty");
  CHECK(expand_inputs({dir / "empty"}).empty());
}

TEST_CASE("open_input: plain files") {
  TempDir dir;
  std::string text(300000, 'x');
  for (size_t k = 0; k < text.size(); k += 7) text[k] = char('a' + k % 26);
  std::string path = dir.write("plain", text);
  auto r = open_input(input_file(path));
  CHECK(read_all(*r, 1000) == text);
  CHECK(r->raw_bytes() == static_cast<int64_t>(text.size()));
  // Tiny reads after the sniffed prefix.
  auto r1 = open_input(input_file(path));
  char c;
  std::string got;
  while (r1->read(&c, 1) == 1 && got.size() < 10) got += c;
  CHECK(got == text.substr(0, 10));

  auto e = open_input(input_file(dir.write("empty", "")));
  CHECK(read_all(*e).empty());
  auto one = open_input(input_file(dir.write("one", "\x1f")));
  CHECK(read_all(*one) == "\x1f");
}

TEST_CASE("open_input: a missing file is an error") {
  TempDir dir;
  InputFile in{dir / "gone", "gone.csv", -1};
  CHECK(error_of([&] { open_input(in); }) == "gone.csv: cannot open: No such file or directory");
}

TEST_CASE("open_input: gzip, one member and several") {
  TempDir dir;
  std::string a(100000, 'a'), b = "second member\n", c(70000, 'c');
  auto r = open_input(input_file(dir.write_gz("one.gz", {a})));
  CHECK(read_all(*r) == a);
  auto m = open_input(input_file(dir.write_gz("three.gz", {a, b, c})));
  CHECK(read_all(*m, 777) == a + b + c);
  CHECK(m->raw_bytes() == static_cast<int64_t>(fs::file_size(dir / "three.gz")));
  auto e = open_input(input_file(dir.write_gz("empty.gz", {""})));
  CHECK(read_all(*e).empty());
  auto em = open_input(input_file(dir.write_gz("empty-members.gz", {"", "x", ""})));
  CHECK(read_all(*em) == "x");
}

TEST_CASE("open_input: truncated gzip is an error") {
  TempDir dir;
  std::string text;
  for (int k = 0; k < 20000; ++k) text += std::to_string(k * 7919) + "\n";
  std::string full = slurp(dir.write_gz("full.gz", {text}));
  for (size_t keep : {full.size() - 1, full.size() - 8, full.size() / 2, size_t(12), size_t(3)}) {
    INFO("kept " << keep << " of " << full.size());
    std::string path = dir.write("cut.gz", full.substr(0, keep));
    auto r = open_input(input_file(path));
    CHECK(error_of([&] { read_all(*r); }) == path + ": truncated gzip data (the file was cut short; fetch it again)");
  }
}

TEST_CASE("open_input: bytes after the gzip data are an error") {
  TempDir dir;
  std::string full = slurp(dir.write_gz("a.gz", {"hello\n"}));
  std::string path = dir.write("junk.gz", full + "junk");
  auto r = open_input(input_file(path));
  CHECK(error_of([&] { read_all(*r); }) ==
        path + ": unexpected bytes after the end of gzip data (the file is not a valid gzip stream)");
}

TEST_CASE("open_input: corrupt gzip data is an error") {
  TempDir dir;
  std::string text;
  for (int k = 0; k < 5000; ++k) text += std::to_string(k) + ",";
  std::string full = slurp(dir.write_gz("a.gz", {text}));
  for (size_t k = 20; k < 40; ++k) full[k] = static_cast<char>(full[k] ^ 0x55);
  std::string path = dir.write("bad.gz", full);
  auto r = open_input(input_file(path));
  std::string e = error_of([&] { read_all(*r); });
  CHECK(e.rfind(path + ": corrupt gzip data (", 0) == 0);
  CHECK(e.find("(the file is damaged)") != std::string::npos);
}

TEST_CASE("Output(Memory): bytes kept until take(), however many, in order") {
  Output out(Output::Memory{});
  CHECK(out.name() == "<memory>");
  CHECK(!out.is_terminal());
  CHECK(out.take().empty());
  std::string big(3 << 20, 'x');  // past the size where a file output writes through
  out.write("a");
  out.write(big);
  out.flush();
  out.commit();  // nothing to commit, nothing written anywhere
  out.write("b");
  CHECK(out.take() == "a" + big + "b");
  CHECK(out.take().empty());
  out.write("c");
  CHECK(out.take() == "c");
}

TEST_CASE("Output: the file appears only on commit") {
  TempDir dir;
  std::string path = dir / "out.ndjson";
  {
    Output out(path);
    CHECK(out.name() == path);
    out.write("hello\n");
    out.flush();
    CHECK(!fs::exists(path));
    // The temporary is a hidden file beside the target.
    auto names = names_in(dir.path());
    REQUIRE(names.size() == 1);
    CHECK(names[0].rfind(".out.ndjson.tmp-", 0) == 0);
    out.write(std::string("world\n"));
    out.commit();
    CHECK(fs::exists(path));
    out.commit();  // twice is harmless
  }
  CHECK(slurp(path) == "hello\nworld\n");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out.ndjson"});
}

TEST_CASE("Output: without commit no file and no temporary remain") {
  TempDir dir;
  std::string path = dir / "out.csv";
  {
    Output out(path);
    out.write(std::string(3 << 20, 'x'));  // more than the buffer: written through
    CHECK(!fs::exists(path));
  }
  CHECK(!fs::exists(path));
  CHECK(names_in(dir.path()).empty());
}

TEST_CASE("Output: an existing file is replaced only on commit") {
  TempDir dir;
  std::string path = dir.write("out.txt", "old\n");
  {
    Output out(path);
    out.write("new\n");
    out.flush();
    CHECK(slurp(path) == "old\n");
  }
  CHECK(slurp(path) == "old\n");
  {
    Output out(path);
    out.write("new\n");
    out.commit();
  }
  CHECK(slurp(path) == "new\n");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("Output: large writes keep their order") {
  TempDir dir;
  std::string path = dir / "big";
  std::string expect;
  {
    Output out(path);
    for (int k = 0; k < 200; ++k) {
      std::string piece(k % 3 == 0 ? 700000 : 1000 + k, char('a' + k % 26));
      out.write(piece);
      expect += piece;
    }
    out.commit();
  }
  CHECK(slurp(path) == expect);
}

TEST_CASE("Output: the file gets the usual permissions") {
  TempDir dir;
  std::string path = dir / "perm";
  mode_t mask = ::umask(022);
  {
    Output out(path);
    out.commit();
  }
  ::umask(mask);
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
}

TEST_CASE("Output: a missing folder is an error") {
  TempDir dir;
  std::string path = dir / "no/such/dir/out.csv";
  CHECK(error_of([&] { Output out(path); }) ==
        path + ": cannot create output: No such file or directory (check that the folder exists and is writable)");
}

TEST_CASE("Output: a relative name is written in the current folder") {
  TempDir dir;
  auto old = fs::current_path();
  fs::current_path(dir.path());
  {
    Output out("rel.txt");
    out.write("r");
    out.commit();
  }
  fs::current_path(old);
  CHECK(slurp(dir / "rel.txt") == "r");
}

TEST_CASE("write_all: a closed pipe is BrokenPipe, other failures bk::Error") {
  auto old = std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[0]);
  CHECK_THROWS_AS(write_all(fds[1], "x", 1, "<stdout>"), BrokenPipe);
  ::close(fds[1]);
  std::signal(SIGPIPE, old);
  CHECK(error_of([] { write_all(-1, "x", 1, "out"); }) == "out: write failed: Bad file descriptor");
}

TEST_SUITE_END();
