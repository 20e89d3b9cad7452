// Bytes in and bytes out: input listing, gzip detection, atomic output files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bk {

// One input: a path, or "-" for standard input.
struct InputFile {
  std::string path;
  std::string display;  // what messages call it ("-" reads as "<stdin>")
  int64_t size = -1;    // bytes on disk, when known
  // A file listed by a dataset's manifest (dataset.hpp): the dataset directory and the
  // file's name there; both "" for any other input.
  std::string dataset{};
  std::string entry{};
  bool missing = false;  // listed by the manifest but not there (ExpandOptions::keep_missing)
  int64_t skip_lines = 0;  // lines read by an earlier run (header included): readers go on after them
  int64_t limit = -1;      // read no more than this many (raw) bytes: the size a dataset run saw; -1 all
};

struct ExpandOptions {
  // A file a manifest lists that is not there comes back with missing = true instead
  // of being an error (bk-cat --verify reports it with the rest).
  bool keep_missing = false;
  // When set, receives every dataset directory met, in order.
  std::vector<std::string>* datasets = nullptr;
};

// Expands command-line inputs: files as given, directories into every data file
// under them in path order (names starting with '_' or '.' are metadata, skipped),
// no argument into standard input. A directory holding a _manifest.json (a dataset,
// at the top or anywhere below) stands for exactly the files its manifest lists, in
// the manifest's order: files it does not list (orphans of an interrupted write) are
// never read. A missing path, or a file a manifest lists that is missing, is an error.
std::vector<InputFile> expand_inputs(const std::vector<std::string>& args);
std::vector<InputFile> expand_inputs(const std::vector<std::string>& args, const ExpandOptions& opts);

// A sequential byte stream. read() returns 0 only at the end.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual size_t read(char* dst, size_t n) = 0;
  // Skips n bytes (seeks where it can); returns the bytes skipped, fewer only at the end.
  virtual uint64_t skip(uint64_t n);
  // Raw (compressed) bytes consumed so far, for progress.
  virtual int64_t raw_bytes() const = 0;
};

// Replays `prefix` (bytes already read from `inner`), then reads on from `inner`.
std::unique_ptr<ByteReader> prefixed_reader(std::unique_ptr<ByteReader> inner, std::string prefix);

// A reader over bytes in memory (tests, fuzzing).
std::unique_ptr<ByteReader> memory_reader(std::string data);

// Opens an input; gzip (by its magic bytes, concatenated members included) is
// decompressed on the fly.
std::unique_ptr<ByteReader> open_input(const InputFile& in);

// An output: standard output, or a file written under a temporary name in the same
// folder and renamed into place by commit(). Without commit() the file never appears.
// A path that exists and is not a regular file (/dev/null, a FIFO) is written in place.
// True when `output` ("" or "-") is standard output and that is a terminal: where
// tools refuse to write binary chunk data.
bool stdout_is_terminal(const std::string& output);

class Output {
 public:
  explicit Output(const std::string& path);  // "" or "-": standard output
  // A file that is a private temporary already (a dataset's next chunk): written in
  // place, truncated first, with no second temporary name.
  struct InPlace {};
  Output(const std::string& path, InPlace);
  // Bytes kept in memory until take() hands them over: a writer per partition of
  // bk-partition, without a file open for each.
  struct Memory {};
  explicit Output(Memory);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(const char* data, size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  void flush();
  void commit();
  bool is_terminal() const;
  // A Memory output: the bytes written since the last take().
  std::string take();
  // A pipe or a socket: another process reads what is written as it comes.
  bool is_pipe() const;
  const std::string& name() const { return display_; }

 private:
  int fd_ = 1;
  std::string path_, tmp_, display_;
  std::string buf_;
  bool committed_ = false;
  bool special_ = false;  // a device or FIFO, written in place
  bool memory_ = false;   // Output(Memory)
  int tmp_handle_ = -1;   // from track_temp_file
};

// Temporary files that a signal ending the tool (SIGINT, SIGTERM, SIGHUP, SIGQUIT)
// removes first, so a killed run leaves nothing half-written behind (SIGKILL aside).
// track_temp_file returns a handle for untrack_temp_file, or -1 when the file is not
// tracked (more than 64 at once, or a path of 4096 bytes or more). Thread-safe; the
// signal handler only unlinks.
int track_temp_file(const std::string& path);
// The same for a temporary folder of plain files: the handler deletes the files in
// it, then the folder. Untracked with untrack_temp_file.
int track_temp_dir(const std::string& path);
void untrack_temp_file(int handle);

// Writes everything; EPIPE becomes bk::BrokenPipe, other failures bk::Error.
void write_all(int fd, const char* data, size_t n, const std::string& name);

}  // namespace bk
