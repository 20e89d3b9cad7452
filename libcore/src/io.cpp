#include "bk/io.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "bk/dataset.hpp"
#include "bk/error.hpp"

namespace fs = std::filesystem;

namespace bk {

namespace {

// Temporary files being written: a signal that ends the tool removes them, so a
// killed run (short of SIGKILL) leaves nothing half-written behind. The handler may
// run on any thread at any moment, so it only reads fixed static arrays and makes
// system calls (unlink(2); for a folder also getdents64, unlinkat, rmdir); a slot's path is complete before its flag is set
// (release), and the handler reads the flag first (acquire). Slots are handed out
// under a mutex, which the handler never takes.
constexpr int kTempSlots = 64;
char g_tmp_paths[kTempSlots][4096];
std::atomic<int> g_tmp_set[kTempSlots];  // 0 free, kFile, kDir
bool g_tmp_used[kTempSlots];  // under g_tmp_mutex
std::mutex g_tmp_mutex;
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");
constexpr int kFile = 1, kDir = 2;

// A folder of plain files removed from a signal handler: raw getdents64, unlinkat and
// rmdir only (opendir would allocate). Entries removed while listing may shift the
// listing, so it lists again until the folder is empty (a few passes at most).
void remove_flat_dir(const char* path) {
  struct Entry {  // struct linux_dirent64
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
  };
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[4096];
  for (int pass = 0; pass < 8 && ::rmdir(path) != 0; ++pass) {
    ::lseek(fd, 0, SEEK_SET);
    for (;;) {
      long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long at = 0; at < n;) {
        auto* e = reinterpret_cast<Entry*>(buf + at);
        if (std::strcmp(e->name, ".") != 0 && std::strcmp(e->name, "..") != 0) ::unlinkat(fd, e->name, 0);
        at += e->reclen;
      }
    }
  }
  ::close(fd);
}

extern "C" void remove_tmp_and_die(int sig) {
  for (int k = 0; k < kTempSlots; ++k) {
    int kind = g_tmp_set[k].load(std::memory_order_acquire);
    if (kind == kFile) ::unlink(g_tmp_paths[k]);
    if (kind == kDir) remove_flat_dir(g_tmp_paths[k]);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

int track_temp(const std::string& path, int kind) {
  if (path.size() >= sizeof g_tmp_paths[0]) return -1;
  std::lock_guard<std::mutex> lock(g_tmp_mutex);
  // Checked each time rather than once: something may have put its own handler back
  // since (a test framework does, around each test). An ignored signal (nohup's
  // SIGHUP) stays ignored: it ends nothing.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0) continue;
    if (old.sa_handler == SIG_IGN || old.sa_handler == remove_tmp_and_die) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_tmp_and_die;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
  for (int k = 0; k < kTempSlots; ++k) {
    if (g_tmp_used[k]) continue;
    g_tmp_used[k] = true;
    std::memcpy(g_tmp_paths[k], path.c_str(), path.size() + 1);
    g_tmp_set[k].store(kind, std::memory_order_release);
    return k;
  }
  return -1;
}

}  // namespace

int track_temp_file(const std::string& path) { return track_temp(path, kFile); }
int track_temp_dir(const std::string& path) { return track_temp(path, kDir); }

void untrack_temp_file(int handle) {
  if (handle < 0 || handle >= kTempSlots) return;
  std::lock_guard<std::mutex> lock(g_tmp_mutex);
  g_tmp_set[handle].store(0, std::memory_order_release);
  g_tmp_used[handle] = false;
}

static bool is_metadata_name(const std::string& name) {
  return !name.empty() && (name[0] == '_' || name[0] == '.');
}

// A dataset: exactly the files its manifest lists, in its order.
static void expand_dataset(const fs::path& dir, std::vector<InputFile>& out, const ExpandOptions& opts) {
  std::string dir_name = dir.string();
  auto m = dataset::load_manifest(dir_name);
  if (opts.datasets) opts.datasets->push_back(dir_name);
  std::string manifest = (dir / dataset::kManifestName).string();
  for (const auto& f : m.files) {
    std::string path = (dir / f.name).string();
    InputFile in{path, path, -1, dir_name, f.name, false};
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      if (!opts.keep_missing)
        throw Error(concat("missing, but ", manifest, " lists it"),
                    concat("restore it from a backup; bk-cat --verify ", dir_name, " checks the whole dataset"))
            .at(path);
      in.missing = true;
    } else {
      in.size = static_cast<int64_t>(st.st_size);
    }
    out.push_back(std::move(in));
  }
}

// Walks `dir` in path order. Directory symlinks are followed, each real directory
// once: a link back up the tree (a loop) adds nothing twice. A dataset met on the
// way is read through its manifest.
static void walk_dir(const fs::path& dir, std::vector<InputFile>& out, std::vector<fs::path>& seen,
                     const ExpandOptions& opts) {
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec) throw Error(concat("cannot read directory: ", ec.message())).at(dir.string());
  if (std::find(seen.begin(), seen.end(), real) != seen.end()) return;
  seen.push_back(real);
  if (dataset::is_dataset(dir.string())) {
    expand_dataset(dir, out, opts);
    return;
  }
  std::vector<fs::directory_entry> entries;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    entries.push_back(*it);
  if (ec) throw Error(concat("cannot list directory: ", ec.message())).at(dir.string());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename().string() < b.path().filename().string(); });
  for (const auto& e : entries) {
    if (is_metadata_name(e.path().filename().string())) continue;
    std::error_code eec;
    if (e.is_directory(eec)) {
      walk_dir(e.path(), out, seen, opts);
    } else if (e.is_regular_file(eec)) {
      out.push_back({e.path().string(), e.path().string(), static_cast<int64_t>(e.file_size(eec))});
    }
  }
}

std::vector<InputFile> expand_inputs(const std::vector<std::string>& args) { return expand_inputs(args, {}); }

std::vector<InputFile> expand_inputs(const std::vector<std::string>& args, const ExpandOptions& opts) {
  std::vector<InputFile> out;
  if (args.empty()) return {{"-", "<stdin>", -1}};
  for (const auto& a : args) {
    if (a == "-") {
      out.push_back({"-", "<stdin>", -1});
      continue;
    }
    std::error_code ec;
    auto st = fs::status(a, ec);
    if (ec || !fs::exists(st))
      throw Error("no such file or directory", "check the path").at(a);
    if (fs::is_directory(st)) {
      std::vector<fs::path> seen;
      walk_dir(a, out, seen, opts);
    } else {
      out.push_back({a, a, fs::is_regular_file(st) ? static_cast<int64_t>(fs::file_size(a, ec)) : -1});
    }
  }
  return out;
}

uint64_t ByteReader::skip(uint64_t n) {
  char buf[1 << 16];
  uint64_t done = 0;
  while (done < n) {
    size_t r = read(buf, static_cast<size_t>(std::min<uint64_t>(sizeof buf, n - done)));
    if (r == 0) break;
    done += r;
  }
  return done;
}

namespace {

class MemoryReader : public ByteReader {
 public:
  explicit MemoryReader(std::string data) : data_(std::move(data)) {}
  size_t read(char* dst, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  int64_t raw_bytes() const override { return static_cast<int64_t>(pos_); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class FdReader : public ByteReader {
 public:
  FdReader(int fd, std::string name, bool owned, int64_t limit = -1)
      : fd_(fd), name_(std::move(name)), owned_(owned), limit_(limit) {}
  ~FdReader() override {
    if (owned_) ::close(fd_);
  }
  size_t read(char* dst, size_t n) override {
    if (limit_ >= 0) n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), std::max<int64_t>(0, limit_ - raw_)));
    if (n == 0) return 0;
    for (;;) {
      ssize_t r = ::read(fd_, dst, n);
      if (r >= 0) {
        raw_ += r;
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      throw Error(concat("read failed: ", std::strerror(errno))).at(name_);
    }
  }
  int64_t raw_bytes() const override { return raw_; }
  uint64_t skip(uint64_t n) override {
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
      off_t here = ::lseek(fd_, 0, SEEK_CUR);
      if (here >= 0) {
        uint64_t k = std::min<uint64_t>(n, static_cast<uint64_t>(std::max<off_t>(0, st.st_size - here)));
        if (limit_ >= 0) k = std::min<uint64_t>(k, static_cast<uint64_t>(std::max<int64_t>(0, limit_ - raw_)));
        ::lseek(fd_, static_cast<off_t>(k), SEEK_CUR);
        raw_ += static_cast<int64_t>(k);
        return k;
      }
    }
    return ByteReader::skip(n);
  }

 private:
  int fd_;
  std::string name_;
  bool owned_;
  int64_t raw_ = 0;
  int64_t limit_ = -1;
};

// Reads the first bytes of a stream and then replays them: lets us sniff gzip magic
// on a pipe without seeking.
class PrefixReader : public ByteReader {
 public:
  PrefixReader(std::unique_ptr<ByteReader> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}
  size_t read(char* dst, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(dst, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_->read(dst, n);
  }
  uint64_t skip(uint64_t n) override {
    uint64_t k = std::min<uint64_t>(n, prefix_.size() - pos_);
    pos_ += k;
    return k + (n > k ? inner_->skip(n - k) : 0);
  }
  int64_t raw_bytes() const override { return inner_->raw_bytes(); }

 private:
  std::unique_ptr<ByteReader> inner_;
  std::string prefix_;
  size_t pos_ = 0;
};

class GzipReader : public ByteReader {
 public:
  GzipReader(std::unique_ptr<ByteReader> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)), in_(1 << 18, '\0') {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw Error("cannot start gzip decoder").at(name_);
  }
  ~GzipReader() override { inflateEnd(&z_); }

  size_t read(char* dst, size_t n) override {
    if (done_ || n == 0) return 0;
    auto* out = reinterpret_cast<Bytef*>(dst);
    z_.next_out = out;
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (z_.next_out == out) {  // until this call has produced something
      if (z_.avail_in == 0) {
        size_t got = inner_->read(in_.data(), in_.size());
        if (got == 0) {
          if (member_started_) throw Error("truncated gzip data", "the file was cut short; fetch it again").at(name_);
          done_ = true;
          return 0;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      if (!member_started_) {
        // Concatenated members: each must start with the gzip magic.
        if (z_.next_in[0] != 0x1f)
          throw Error("unexpected bytes after the end of gzip data", "the file is not a valid gzip stream").at(name_);
        member_started_ = true;
      }
      int r = inflate(&z_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        member_started_ = false;
        inflateReset(&z_);
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        throw Error(concat("corrupt gzip data (", z_.msg ? z_.msg : "zlib error", ")"), "the file is damaged").at(name_);
      }
    }
    return reinterpret_cast<char*>(z_.next_out) - dst;
  }
  int64_t raw_bytes() const override { return inner_->raw_bytes(); }

 private:
  std::unique_ptr<ByteReader> inner_;
  std::string name_;
  std::string in_;
  z_stream z_;
  bool member_started_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<ByteReader> prefixed_reader(std::unique_ptr<ByteReader> inner, std::string prefix) {
  return std::make_unique<PrefixReader>(std::move(inner), std::move(prefix));
}

std::unique_ptr<ByteReader> memory_reader(std::string data) {
  return std::make_unique<MemoryReader>(std::move(data));
}

std::unique_ptr<ByteReader> open_input(const InputFile& in) {
  std::unique_ptr<ByteReader> r;
  if (in.path == "-") {
    r = std::make_unique<FdReader>(0, in.display, false);
  } else {
    int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(concat("cannot open: ", std::strerror(errno))).at(in.display);
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    r = std::make_unique<FdReader>(fd, in.display, true, in.limit);
  }
  std::string head(2, '\0');
  size_t got = 0;
  while (got < 2) {
    size_t k = r->read(head.data() + got, 2 - got);
    if (k == 0) break;
    got += k;
  }
  head.resize(got);
  bool gz = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
  r = std::make_unique<PrefixReader>(std::move(r), std::move(head));
  if (gz) r = std::make_unique<GzipReader>(std::move(r), in.display);
  return r;
}

void write_all(int fd, const char* data, size_t n, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) throw BrokenPipe();
      throw Error(concat("write failed: ", std::strerror(errno)), errno == ENOSPC ? "free some disk space" : "").at(name);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

namespace {

// The file an output replaces: its cached pages are of no more use. Dropping them
// (the clean ones; the file itself stays until the rename) lets the new output reuse
// their memory instead of needing as much again, which costs a large output dearly
// where memory is tight or slow to come by (containers, virtual machines).
void drop_cached_pages(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // a new file, or one we may not read: nothing to drop
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

}  // namespace

Output::Output(const std::string& path, InPlace) : display_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd_ < 0) throw Error(concat("cannot open output: ", std::strerror(errno))).at(path);
  special_ = true;
}

Output::Output(Memory) : fd_(-1), display_("<memory>"), memory_(true) {}

std::string Output::take() {
  std::string bytes;
  bytes.swap(buf_);
  return bytes;
}

Output::Output(const std::string& path) {
  if (path.empty() || path == "-") {
    display_ = "<stdout>";
    return;
  }
  display_ = path;
  // Only a regular file (or a new one) is written under a temporary name and renamed
  // into place: a device, a FIFO or /dev/stdout is written where it is (renaming over
  // /dev/null would replace the device with a file).
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N name a file we already have open:
  // write to that descriptor (reopening a file would start at its first byte). A
  // path that is not a regular file (/dev/null, a FIFO) is written in place. A
  // symlink to a regular file is followed, so the link stays and its target is
  // replaced.
  std::string target = path;
  int own_fd = -1;
  for (int hop = 0; hop < 16; ++hop) {
    for (const char* prefix : {"/proc/self/fd/", "/dev/fd/"}) {
      size_t n = std::strlen(prefix);
      if (target.compare(0, n, prefix) == 0 && target.size() > n &&
          target.find_first_not_of("0123456789", n) == std::string::npos)
        own_fd = std::atoi(target.c_str() + n);
    }
    struct stat lst;
    if (own_fd >= 0 || ::lstat(target.c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode)) break;
    std::error_code ec;
    fs::path next = fs::read_symlink(target, ec);
    if (ec) break;
    target = (next.is_absolute() ? next : fs::path(target).parent_path() / next).lexically_normal().string();
  }
  struct stat st;
  if (own_fd >= 0) {
    fd_ = ::dup(own_fd);
    if (fd_ < 0) throw Error(concat("cannot write: ", std::strerror(errno))).at(path);
    special_ = true;
    return;
  }
  if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw Error("is a directory", "name a file to write").at(path);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(concat("cannot open output: ", std::strerror(errno))).at(path);
    special_ = true;
    return;
  }
  path_ = target;
  drop_cached_pages(target);
  fs::path p(target);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  tmp_ = (fs::path(dir) / ("." + p.filename().string() + ".tmp-XXXXXX")).string();
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) throw Error(concat("cannot create output: ", std::strerror(errno)), "check that the folder exists and is writable").at(path);
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
  tmp_handle_ = track_temp_file(tmp_);
}

Output::~Output() {
  if (memory_) return;
  if (special_) {
    try {
      flush();
    } catch (...) {
    }
    ::close(fd_);
    return;
  }
  if (path_.empty()) {
    // Standard output keeps what was written before an error (the records before a bad one).
    try {
      flush();
    } catch (...) {
    }
    return;
  }
  if (!committed_) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
    untrack_temp_file(tmp_handle_);
  }
}

void Output::write(const char* data, size_t n) {
  if (!memory_ && buf_.size() + n > (1 << 20)) {
    flush();
    if (n > (1 << 19)) {
      write_all(fd_, data, n, display_);
      return;
    }
  }
  buf_.append(data, n);
}

void Output::flush() {
  if (memory_) return;
  if (!buf_.empty()) write_all(fd_, buf_.data(), buf_.size(), display_);
  buf_.clear();
}

void Output::commit() {
  if (memory_) return;
  flush();
  if (path_.empty() || committed_) return;
  if (::close(fd_) != 0) throw Error(concat("write failed: ", std::strerror(errno))).at(display_);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp_.c_str());
    untrack_temp_file(tmp_handle_);
    committed_ = true;
    throw Error(concat("cannot rename into place: ", std::strerror(e))).at(display_);
  }
  untrack_temp_file(tmp_handle_);
  committed_ = true;
}

bool Output::is_terminal() const { return !memory_ && ::isatty(fd_); }

bool Output::is_pipe() const {
  struct stat st;
  return ::fstat(fd_, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

bool stdout_is_terminal(const std::string& output) {
  return (output.empty() || output == "-") && ::isatty(1);
}

}  // namespace bk
