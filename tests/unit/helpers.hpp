// Shared helpers for the unit tests: temporary directories, files, and short ways
// to turn text into blocks and batches. Header only (the test glob takes *.cpp).
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"
#include "bk/error.hpp"
#include "bk/io.hpp"
#include "bk/read.hpp"

namespace bk::test {

namespace fs = std::filesystem;

// what() of the bk::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A fresh directory under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() / ("bk-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                                         "-" + std::to_string(stamp) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

  // Writes `content` to `name` (folders created as needed); returns the full path.
  std::string write(const std::string& name, std::string_view content) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + p.string());
    return p.string();
  }

  // Writes `content` gzip-compressed, one member per piece.
  std::string write_gz(const std::string& name, const std::vector<std::string>& members) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    bool first = true;
    for (const auto& m : members) {
      gzFile gz = gzopen(p.c_str(), first ? "wb" : "ab");
      if (!gz) throw std::runtime_error("gzopen failed");
      if (!m.empty() && gzwrite(gz, m.data(), static_cast<unsigned>(m.size())) != static_cast<int>(m.size()))
        throw std::runtime_error("gzwrite failed");
      gzclose(gz);
      first = false;
    }
    return p.string();
  }

 private:
  fs::path path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

inline InputFile input_file(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return {path, path, ec ? -1 : static_cast<int64_t>(size)};
}

// A block holding `text` as if a BlockReader had cut it (no input file).
inline RawBlock make_block(Format f, std::string_view text, std::vector<std::string> header = {}, char delim = ',',
                           int64_t skip_lines = 0, bool strings = false) {
  RawBlock b;
  b.format = f;
  b.delimiter = f == Format::Tsv ? '\t' : delim;
  b.strings = strings;
  if (f == Format::Csv || f == Format::Tsv) {
    auto h = std::make_shared<TextHeader>();
    h->names = std::move(header);
    b.header = h;
  }
  b.data.assign(text.data(), text.size());
  b.skip_lines = skip_lines;
  b.first_in_file = true;
  return b;
}

inline Batch ndjson(std::string_view text) { return parse_ndjson(make_block(Format::Ndjson, text)); }

// Every block of a file, as the reader cuts them.
struct FileBlocks {
  Format format = Format::Auto;
  char delimiter = 0;
  std::vector<std::string> header;
  std::vector<std::string> texts;  // the bytes of each block
  std::vector<Batch> batches;      // each block parsed
};

inline FileBlocks read_file_blocks(const std::string& path, ReadOptions opts = {}, int64_t block_bytes = 1 << 20) {
  FileBlocks out;
  InputFile in = input_file(path);
  BlockReader reader(in, opts, block_bytes);
  out.format = reader.format();
  RawBlock raw;
  while (reader.next(raw)) {
    out.delimiter = raw.delimiter;
    if (raw.header) out.header = raw.header->names;
    out.texts.emplace_back(raw.data.data(), raw.data.size());
    out.batches.push_back(parse_block(raw));
  }
  return out;
}

// The rethrown error of a batch, as bk::Error (fails the test when there is none).
inline Error batch_error(const Batch& b) {
  if (!b.error) throw std::runtime_error("batch has no error");
  try {
    std::rethrow_exception(b.error);
  } catch (const Error& e) {
    return e;
  }
}

// Value i of a column as the writers print it ("null" for a null).
inline std::string text_of(const Column& c, int64_t i) {
  if (c.is_null(i)) return "null";
  std::string s;
  append_value_text(s, c, i);
  return s;
}

inline std::vector<std::string> texts_of(const Column& c) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.size(); ++i) out.push_back(text_of(c, i));
  return out;
}

inline const Column& col(const Batch& b, std::string_view name) {
  int64_t k = b.find(name);
  if (k < 0) throw std::runtime_error("no column " + std::string(name));
  return b.columns[k];
}

}  // namespace bk::test
