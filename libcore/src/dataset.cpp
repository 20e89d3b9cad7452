// Datasets: the manifest (read, written), content hashes, and the one writer.
//
// Crash safety comes from ordering alone:
//   1. a chunk is written to a temporary name (.part-XXXXXX.tmp, or a file in the
//      run's .run-XXXXXX folder) and synced;
//   2. commit() renames each file to its final name (part-NNNNNN.bkc, or
//      bucket=07/part-<id>.bkc) and syncs: the files exist, but no manifest lists
//      them yet;
//   3. the new manifest is written to .manifest-XXXXXX.tmp, fsynced, renamed over
//      _manifest.json, and the directory fsynced. That rename is the commit;
//   4. files the new manifest no longer lists (a partitioned run's replaced files)
//      are deleted.
// A crash (or kill -9) anywhere before 3's rename leaves the old manifest, which
// does not list the new files: readers never see them (expand_inputs reads a
// dataset through its manifest), and the next writer, holding the lock, deletes
// them (find_orphans). After the rename, everything the manifest lists is on disk.
// The one file changed in place is one a partitioned run replaces under the same
// name with other content (step 2 renames over it): until step 3, the old manifest
// lists it with the old checksum (bk-cat --verify names it; the same run again
// repairs it). The same content again, the usual re-run, is left alone.
//
// One writer at a time: flock(2) on DIR/_lock, which the kernel releases when the
// process dies however it dies, so a lock is never stale. The holder writes its pid
// into the file so that a second writer can say whom it waits for.
#include "bk/dataset.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <new>
#include <set>

#include "bk/error.hpp"
#include "bk/io.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"

namespace fs = std::filesystem;

namespace bk::dataset {

namespace {

constexpr const char* kChunkTemp = ".part-XXXXXX.tmp";
constexpr const char* kManifestTemp = ".manifest-XXXXXX.tmp";
constexpr int kTempSuffix = 4;  // ".tmp" after the XXXXXX, for mkstemps
constexpr const char* kDamagedHint = "the manifest is damaged; restore it from a backup";

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

std::string errno_text(int e) { return std::strerror(e); }

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

constexpr const char* kRunTemp = ".run-XXXXXX";

// A name a writer gives its files: a chunk, or one of the temporary files.
bool is_chunk_name(std::string_view n) { return starts_with(n, "part-") && ends_with(n, ".bkc"); }
// bk-partition's files in its key=value folders: part-<id> and a format's extension.
bool is_part_name(std::string_view n) {
  if (!starts_with(n, "part-")) return false;
  for (const char* ext : {".bkc", ".ndjson", ".csv", ".tsv"})
    if (ends_with(n, ext)) return true;
  return false;
}
bool is_temp_name(std::string_view n) {
  return (starts_with(n, ".part-") || starts_with(n, ".manifest-")) && ends_with(n, ".tmp");
}
bool is_run_temp_name(std::string_view n) { return starts_with(n, ".run-"); }
// A partition's folder: key=value.
bool is_partition_dir_name(std::string_view n) { return n.find('=') != std::string_view::npos && n[0] != '.'; }

// ---- hashing ------------------------------------------------------------------

std::string hash_text(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);  // big-endian, as xxhsum -H2 prints it
  static const char* hex = "0123456789abcdef";
  std::string s = "xxh3-128:";
  for (unsigned char b : c.digest) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

std::string hash_fd(int fd, int64_t limit, const std::string& name) {
  ContentHash hash;
  std::string buf(1 << 20, '\0');
  int64_t left = limit < 0 ? INT64_MAX : limit;
  while (left > 0) {
    ssize_t r = ::read(fd, buf.data(), static_cast<size_t>(std::min<int64_t>(left, buf.size())));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(concat("cannot read: ", errno_text(errno))).at(name);
    }
    if (r == 0) break;
    hash.update(std::string_view(buf.data(), static_cast<size_t>(r)));
    left -= r;
  }
  return hash.text();
}

// ---- manifest text ------------------------------------------------------------

// Timestamps are RFC 3339 text, read back exactly; outside the years 0000-9999,
// which RFC 3339 cannot write, a plain count of microseconds.
int64_t micros_of_year(int64_t y) { return days_from_civil(y, 1, 1) * kMicrosPerDay; }

void append_time(std::string& out, const std::optional<int64_t>& t) {
  if (!t) {
    out += "null";
  } else if (*t >= micros_of_year(0) && *t < micros_of_year(10000)) {
    out += '"';
    append_timestamp(out, *t);
    out += '"';
  } else {
    append_int(out, *t);
  }
}

std::string now_text() {
  std::string s;
  append_timestamp(s, static_cast<int64_t>(std::time(nullptr)) * kMicrosPerSecond);
  return s;
}

void append_strings(std::string& s, const std::vector<std::string>& list) {
  s += '[';
  for (size_t k = 0; k < list.size(); ++k) {
    if (k) s += ',';
    append_json_string(s, list[k]);
  }
  s += ']';
}

void append_chunk(std::string& s, const ChunkEntry& f) {
  s += "{\"name\":";
  append_json_string(s, f.name);
  s += ",\"rows\":";
  append_int(s, f.rows);
  s += ",\"bytes\":";
  append_int(s, f.bytes);
  s += ",\"min_time\":";
  append_time(s, f.min_time);
  s += ",\"max_time\":";
  append_time(s, f.max_time);
  s += ",\"checksum\":";
  append_json_string(s, f.checksum);
  s += ",\"inputs\":";
  append_strings(s, f.inputs);
  s += ",\"committed_at\":";
  append_json_string(s, f.committed_at);
  s += '}';
}

void append_run(std::string& s, const RunEntry& r) {
  s += "{\"id\":";
  append_json_string(s, r.id);
  s += ",\"inputs\":";
  append_strings(s, r.inputs);
  s += ",\"committed_at\":";
  append_json_string(s, r.committed_at);
  s += '}';
}

// A JSON array of items, one a line.
template <typename T, typename F>
void append_lines(std::string& s, const std::vector<T>& items, F append_item) {
  s += '[';
  for (size_t k = 0; k < items.size(); ++k) {
    s += k ? ",\n" : "\n";
    append_item(s, items[k]);
  }
  s += items.empty() ? "]" : "\n]";
}

void append_ledger(std::string& s, const LedgerEntry& e) {
  s += "{\"path\":";
  append_json_string(s, e.path);
  s += ",\"size\":";
  append_int(s, e.size);
  s += ",\"mtime_ns\":";
  append_int(s, e.mtime_ns);
  s += ",\"hash\":";
  append_json_string(s, e.hash);
  s += ",\"lines\":";
  append_int(s, e.lines);
  s += ",\"ingested_at\":";
  append_json_string(s, e.ingested_at);
  s += '}';
}

// Reading: every problem is an error naming the manifest, with the field's place.
class ManifestParser {
 public:
  explicit ManifestParser(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void bad(const std::string& what) const { throw Error(what, kDamagedHint).at(path_); }

  simdjson::dom::element field(simdjson::dom::object o, const char* key, const std::string& where) const {
    simdjson::dom::element v;
    if (o[key].get(v)) bad(concat(where, "missing \"", key, "\""));
    return v;
  }
  std::string str(simdjson::dom::element v, const std::string& what) const {
    std::string_view s;
    if (v.get(s)) bad(concat(what, ": not a string"));
    return std::string(s);
  }
  int64_t int64(simdjson::dom::element v, const std::string& what, int64_t min) const {
    int64_t i;
    if (v.get(i)) bad(concat(what, ": not an integer"));
    if (i < min) bad(concat(what, ": ", i, " is less than ", min));
    return i;
  }
  std::optional<int64_t> time(simdjson::dom::element v, const std::string& what) const {
    if (v.is_null()) return std::nullopt;
    int64_t i;
    if (!v.get(i)) return i;
    std::string_view s;
    if (v.get(s)) bad(concat(what, ": not a timestamp"));
    if (!parse_timestamp(s, TimeZone::utc(), i)) bad(concat(what, ": not an RFC 3339 timestamp: '", s, "'"));
    return i;
  }
  simdjson::dom::array array(simdjson::dom::element v, const std::string& what) const {
    simdjson::dom::array a;
    if (v.get(a)) bad(concat(what, ": not an array"));
    return a;
  }
  simdjson::dom::object object(simdjson::dom::element v, const std::string& what) const {
    simdjson::dom::object o;
    if (v.get(o)) bad(concat(what, ": not an object"));
    return o;
  }

  Manifest parse(const std::string& text) const {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (auto err = parser.parse(padded).get(root)) bad(concat("not valid JSON (", simdjson::error_message(err), ")"));
    auto top = object(root, "the manifest");
    Manifest m;
    int64_t version = int64(field(top, "version", ""), "version", 1);
    if (version > kManifestVersion)
      throw Error(concat("written by a newer batchkit (manifest version ", version, "; this one reads up to ",
                         kManifestVersion, ")"),
                  "upgrade batchkit")
          .at(path_);
    m.version = static_cast<int>(version);
    auto tf = field(top, "time_field", "");
    if (!tf.is_null()) m.time_field = str(tf, "time_field");
    m.next_part = int64(field(top, "next_part", ""), "next_part", 1);

    std::set<std::string> names;
    int64_t k = 0;
    for (auto v : array(field(top, "files", ""), "files")) {
      std::string at = concat("files[", k++, "]");
      auto o = object(v, at);
      ChunkEntry f;
      f.name = str(field(o, "name", at + ": "), at + ".name");
      try {
        check_entry_name(f.name);
      } catch (const Error& e) {
        bad(concat(at, ".name: ", e.message()));
      }
      if (!names.insert(f.name).second) bad(concat(at, ".name: '", f.name, "' is listed twice"));
      f.rows = int64(field(o, "rows", at + ": "), at + ".rows", 0);
      f.bytes = int64(field(o, "bytes", at + ": "), at + ".bytes", 0);
      f.min_time = time(field(o, "min_time", at + ": "), at + ".min_time");
      f.max_time = time(field(o, "max_time", at + ": "), at + ".max_time");
      f.checksum = str(field(o, "checksum", at + ": "), at + ".checksum");
      int64_t j = 0;
      for (auto in : array(field(o, "inputs", at + ": "), at + ".inputs"))
        f.inputs.push_back(str(in, concat(at, ".inputs[", j++, "]")));
      f.committed_at = str(field(o, "committed_at", at + ": "), at + ".committed_at");
      m.files.push_back(std::move(f));
    }
    k = 0;
    for (auto v : array(field(top, "ledger", ""), "ledger")) {
      std::string at = concat("ledger[", k++, "]");
      auto o = object(v, at);
      LedgerEntry e;
      e.path = str(field(o, "path", at + ": "), at + ".path");
      e.size = int64(field(o, "size", at + ": "), at + ".size", 0);
      e.mtime_ns = int64(field(o, "mtime_ns", at + ": "), at + ".mtime_ns", INT64_MIN);
      e.hash = str(field(o, "hash", at + ": "), at + ".hash");
      e.lines = int64(field(o, "lines", at + ": "), at + ".lines", 0);
      e.ingested_at = str(field(o, "ingested_at", at + ": "), at + ".ingested_at");
      m.ledger.push_back(std::move(e));
    }
    parse_partitioning(top, m);
    return m;
  }

  // bk-partition's keys, present only in its datasets.
  void parse_partitioning(simdjson::dom::object top, Manifest& m) const {
    simdjson::dom::element v;
    if (top["partitioning"].get(v)) return;
    m.partitioning = str(v, "partitioning");
    int64_t k = 0;
    for (auto r : array(field(top, "runs", ""), "runs")) {
      std::string at = concat("runs[", k++, "]");
      auto o = object(r, at);
      RunEntry run;
      run.id = str(field(o, "id", at + ": "), at + ".id");
      int64_t j = 0;
      for (auto in : array(field(o, "inputs", at + ": "), at + ".inputs"))
        run.inputs.push_back(str(in, concat(at, ".inputs[", j++, "]")));
      run.committed_at = str(field(o, "committed_at", at + ": "), at + ".committed_at");
      m.runs.push_back(std::move(run));
    }
  }

 private:
  std::string path_;
};

// ---- files ----------------------------------------------------------------------

// Makes renames and new names in `dir` durable. A file system that cannot fsync a
// directory (EINVAL) has nothing to make durable.
void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(concat("cannot open the directory to sync it: ", errno_text(errno))).at(dir);
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int e = errno;
    ::close(fd);
    throw Error(concat("cannot sync the directory: ", errno_text(e))).at(dir);
  }
  ::close(fd);
}

// Makes every file and folder of the file system that holds `dir` durable (one
// syncfs(2) instead of an fsync per file and folder: a partitioned run may write
// thousands).
void sync_file_system(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(concat("cannot open the directory to sync it: ", errno_text(errno))).at(dir);
  if (::syncfs(fd) != 0) {
    int e = errno;
    ::close(fd);
    throw Error(concat("cannot sync the file system: ", errno_text(e))).at(dir);
  }
  ::close(fd);
}

// The mode of a new file: 0666 less the umask (mkstemp makes 0600). Read once: umask
// can only be read by setting it.
mode_t file_mode() {
  static const mode_t mode = [] {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
  }();
  return mode;
}

// A fresh temporary file in `dir` from `pattern` (XXXXXX then ".tmp"); returns its fd.
int make_temp(const std::string& dir, const char* pattern, std::string& path) {
  path = join(dir, pattern);
  int fd = ::mkstemps(path.data(), kTempSuffix);
  if (fd < 0) {
    int e = errno;
    throw Error(concat("cannot create a temporary file: ", errno_text(e)),
                e == ENOSPC ? "free some disk space" : "check that the directory is writable")
        .at(dir);
  }
  ::fchmod(fd, file_mode());
  return fd;
}

// The pid a lock file holds, as " (pid N)", or "" when it says nothing readable.
std::string holder_of(int fd) {
  char buf[32];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  buf[n] = '\0';
  char* end = nullptr;
  long pid = std::strtol(buf, &end, 10);
  if (pid <= 0 || end == buf) return "";
  return concat(" (pid ", pid, ")");
}

void say(const std::string& line) {
  std::string text = concat(program_invocation_short_name, ": ", line, "\n");
  ssize_t ignored = ::write(2, text.data(), text.size());
  (void)ignored;
}

}  // namespace

// ---- Manifest ---------------------------------------------------------------------

const LedgerEntry* Manifest::find_input(const std::string& path) const {
  for (const auto& e : ledger)
    if (e.path == path) return &e;
  return nullptr;
}

const LedgerEntry* Manifest::find_hash(const std::string& hash) const {
  for (const auto& e : ledger)
    if (e.hash == hash) return &e;
  return nullptr;
}

Manifest load_manifest(const std::string& dir) {
  std::string path = join(dir, kManifestName);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    int e = errno;
    throw Error(concat("cannot read the manifest: ", errno_text(e)), e == EACCES ? "check its permissions" : "")
        .at(path);
  }
  std::string text;
  char buf[1 << 16];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw Error(concat("cannot read the manifest: ", errno_text(e))).at(path);
    }
    if (r == 0) break;
    text.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return ManifestParser(path).parse(text);
}

// One object; a line per chunk file and per ledger entry, so the file reads (and
// diffs) as a list.
std::string manifest_json(const Manifest& m) {
  std::string s = "{\"version\":";
  append_int(s, m.version);
  s += ",\"time_field\":";
  if (m.time_field.empty()) s += "null";
  else append_json_string(s, m.time_field);
  s += ",\"next_part\":";
  append_int(s, m.next_part);
  s += ",\"files\":";
  append_lines(s, m.files, append_chunk);
  s += ",\"ledger\":";
  append_lines(s, m.ledger, append_ledger);
  if (!m.partitioning.empty()) {
    s += ",\"partitioning\":";
    append_json_string(s, m.partitioning);
    s += ",\"runs\":";
    append_lines(s, m.runs, append_run);
  }
  s += "}\n";
  return s;
}

bool is_dataset(const std::string& dir) {
  struct stat st;
  return ::stat(join(dir, kManifestName).c_str(), &st) == 0;
}

void check_entry_name(const std::string& name) {
  if (name.empty()) throw Error("an empty file name");
  if (name.find('\0') != std::string::npos) throw Error("a file name with a NUL byte");
  if (name[0] == '/') throw Error(concat("'", name, "' is an absolute path; names are relative to the dataset"));
  size_t s = 0;
  for (;;) {
    size_t e = name.find('/', s);
    std::string_view part(name.data() + s, (e == std::string::npos ? name.size() : e) - s);
    if (part.empty() || part == "." || part == "..")
      throw Error(concat("'", name, "' is not a plain relative path (empty, '.' or '..' parts)"));
    if (e == std::string::npos) break;
    s = e + 1;
  }
}

namespace {

// find_orphans below `rel` (relative to dir; "" for dir itself).
void collect_orphans(const std::string& dir, const std::string& rel, const std::set<std::string>& listed, bool nested,
                     std::vector<std::string>& out) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(join(dir, rel), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::string path = rel.empty() ? name : rel + "/" + name;
    std::error_code sec;
    auto st = it->symlink_status(sec);
    if (sec) continue;
    if (fs::is_directory(st)) {
      if (nested && is_run_temp_name(name)) out.push_back(path);
      else if (nested && is_partition_dir_name(name)) collect_orphans(dir, path, listed, nested, out);
      continue;
    }
    if (!fs::is_regular_file(st)) continue;
    bool data = rel.empty() ? is_chunk_name(name) || (nested && is_part_name(name)) : is_part_name(name);
    if ((data && !listed.count(path)) || is_temp_name(name)) out.push_back(path);
  }
}

}  // namespace

std::vector<std::string> find_orphans(const std::string& dir, const Manifest& m) {
  return find_orphans(dir, m, !m.partitioning.empty());
}

std::vector<std::string> find_orphans(const std::string& dir, const Manifest& m, bool nested) {
  std::set<std::string> listed;
  for (const auto& f : m.files) listed.insert(f.name);
  std::vector<std::string> out;
  collect_orphans(dir, "", listed, nested, out);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- hashes -------------------------------------------------------------------------

std::string hash_file(const std::string& path, int64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(concat("cannot read: ", errno_text(errno))).at(path);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  try {
    std::string h = hash_fd(fd, limit, path);
    ::close(fd);
    return h;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::string hash_bytes(std::string_view bytes) { return hash_text(XXH3_128bits(bytes.data(), bytes.size())); }

ContentHash::ContentHash() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}
ContentHash::~ContentHash() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }
void ContentHash::update(std::string_view bytes) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}
std::string ContentHash::text() const { return hash_text(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_))); }

// ---- Writer ---------------------------------------------------------------------------

Writer::Writer(const std::string& dir, bool wait, Layout layout) : dir_(dir), layout_(layout) {
  // Create the directory; take the lock.
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec))
    throw Error(concat("cannot create the dataset directory: ", ec ? ec.message() : "not a directory")).at(dir_);
  std::string lock = join(dir_, kLockName);
  // A writer takes the lock before it makes a file, so part-*.bkc files in a
  // directory that no writer ever locked are someone else's: never delete those.
  // (Checked before the lock file exists: a second try must refuse too.)
  const bool nested = layout_ == Layout::Partitioned;
  struct stat st;
  if (::stat(lock.c_str(), &st) != 0 && !is_dataset(dir_)) {
    for (const auto& name : find_orphans(dir_, Manifest{}, nested)) {
      std::string file = fs::path(name).filename().string();
      if (nested ? is_part_name(file) : is_chunk_name(file))
        throw Error(concat(dir_, " is no dataset (no ", kManifestName, ") but holds ", nested ? "data" : "chunk",
                           " files such as ", name, " that a dataset writer would take for its own"),
                    "move them away, or choose another directory");
    }
  }
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (lock_fd_ < 0)
    throw Error(concat("cannot open the lock file: ", errno_text(errno)), "check that the directory is writable")
        .at(lock);
  try {
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) throw Error(concat("cannot lock: ", errno_text(errno))).at(lock);
      std::string who = holder_of(lock_fd_);
      if (!wait)
        throw Error(concat(dir_, " is being written by another process", who),
                    "wait for it, or leave out --no-wait to wait");
      if (::isatty(2)) say(concat("waiting for the other writer of ", dir_, who));
      while (::flock(lock_fd_, LOCK_EX) != 0)
        if (errno != EINTR) throw Error(concat("cannot lock: ", errno_text(errno))).at(lock);
    }
    // Say who holds it (for a writer that has to wait), best effort.
    std::string pid = concat(::getpid(), "\n");
    if (::ftruncate(lock_fd_, 0) == 0) {
      ssize_t ignored = ::pwrite(lock_fd_, pid.data(), pid.size(), 0);
      (void)ignored;
    }

    // Read the committed state; delete what a writer that died left behind.
    manifest_ = load_manifest(dir_);
    check_layout();
    clean_orphans();
  } catch (...) {
    ::close(lock_fd_);
    throw;
  }
}

void Writer::check_layout() const {
  bool partitioned = !manifest_.partitioning.empty();
  bool ingested = !partitioned && (!manifest_.files.empty() || !manifest_.ledger.empty());
  if (layout_ == Layout::Partitioned && ingested)
    throw Error::usage(concat(dir_, " is a dataset of bk-ingest, not of bk-partition"),
                       "give bk-partition a directory of its own (it may read this one)");
  if (layout_ == Layout::Flat && partitioned)
    throw Error::usage(concat(dir_, " is a partitioned dataset of bk-partition (", manifest_.partitioning,
                              "), not a dataset of bk-ingest"),
                       "give bk-ingest a directory of its own (it may read this one)");
}

void Writer::clean_orphans() {
  for (const auto& name : find_orphans(dir_, manifest_, layout_ == Layout::Partitioned)) {
    std::string path = join(dir_, name);
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      throw Error(concat("cannot delete a file left by an interrupted write: ", ec.message())).at(path);
  }
}

Writer::~Writer() {
  // Temporary files never renamed go; renamed but uncommitted files stay as orphans
  // for the next writer (deleting them here could race a commit that did happen
  // even though it reported an error).
  for (const auto& t : temps_) {
    ::unlink(t.path.c_str());
    untrack_temp_file(t.handle);
  }
  for (const auto& t : temp_dirs_) {
    std::error_code ec;
    fs::remove_all(t.path, ec);
    untrack_temp_file(t.handle);
  }
  ::close(lock_fd_);  // releases the lock
}

std::string Writer::temp_dir() {
  std::string path = join(dir_, kRunTemp);
  if (!::mkdtemp(path.data()))
    throw Error(concat("cannot create a temporary folder: ", errno_text(errno)),
                errno == ENOSPC ? "free some disk space" : "check that the directory is writable")
        .at(dir_);
  temp_dirs_.push_back({path, track_temp_dir(path), false});
  return path;
}

void Writer::add_file(const std::string& tmp_path, ChunkEntry entry) {
  check_entry_name(entry.name);
  for (const auto& p : pending_)
    if (p.entry.name == entry.name) throw Error(concat("'", entry.name, "' is added twice")).at(dir_);
  pending_.push_back({tmp_path, std::move(entry), false});
  dirty_ = true;
}

void Writer::remove_file(const std::string& name) {
  pending_removals_.push_back(name);
  dirty_ = true;
}

void Writer::set_partitioning(const std::string& spec) {
  if (spec == manifest_.partitioning) return;
  pending_partitioning_ = spec;
  dirty_ = true;
}

void Writer::add_run(RunEntry run) {
  pending_runs_.push_back(std::move(run));
  dirty_ = true;
}

std::string Writer::new_chunk_path() {
  std::string path;
  int fd = make_temp(dir_, kChunkTemp, path);
  ::close(fd);
  temps_.push_back({path, track_temp_file(path), false});
  return path;
}

void Writer::add_chunk(const std::string& tmp_path, ChunkEntry entry) {
  auto t = std::find_if(temps_.begin(), temps_.end(), [&](const Temp& x) { return x.path == tmp_path; });
  if (t == temps_.end() || t->added)
    throw Error("not a chunk path from new_chunk_path, or one added already").at(tmp_path);
  char name[32];
  std::snprintf(name, sizeof name, "part-%06lld",
                static_cast<long long>(manifest_.next_part + static_cast<int64_t>(pending_.size())));
  entry.name = std::string(name) + ".bkc";

  int fd = ::open(tmp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(concat("cannot read: ", errno_text(errno))).at(tmp_path);
  try {
    struct stat st;
    if (::fstat(fd, &st) != 0) throw Error(concat("cannot stat: ", errno_text(errno))).at(tmp_path);
    entry.bytes = static_cast<int64_t>(st.st_size);
    entry.checksum = hash_fd(fd, -1, tmp_path);
    if (::fsync(fd) != 0) throw Error(concat("cannot sync: ", errno_text(errno))).at(tmp_path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  t->added = true;
  pending_.push_back({tmp_path, std::move(entry), false});
  dirty_ = true;
}

void Writer::add_input(LedgerEntry entry) {
  for (auto& e : pending_inputs_) {
    if (e.path == entry.path) {
      e = std::move(entry);
      dirty_ = true;
      return;
    }
  }
  pending_inputs_.push_back(std::move(entry));
  dirty_ = true;
}

void Writer::set_time_field(const std::string& name) {
  if (name == (pending_time_field_ ? *pending_time_field_ : manifest_.time_field)) return;
  pending_time_field_ = name;
  dirty_ = true;
}

bool Writer::rename_pending() {
  bool any = false;
  for (auto& p : pending_) {
    if (p.renamed) continue;
    std::string path = join(dir_, p.entry.name);
    if (layout_ == Layout::Partitioned) {
      std::error_code ec;
      fs::create_directories(fs::path(path).parent_path(), ec);
      if (ec) throw Error(concat("cannot create the folder: ", ec.message())).at(fs::path(path).parent_path().string());
    }
    if (::rename(p.tmp.c_str(), path.c_str()) != 0)
      throw Error(concat("cannot rename ", p.tmp, " into place: ", errno_text(errno))).at(path);
    p.renamed = true;
    any = true;
    auto t = std::find_if(temps_.begin(), temps_.end(), [&](const Temp& x) { return x.path == p.tmp; });
    if (t != temps_.end()) {
      untrack_temp_file(t->handle);
      temps_.erase(t);
    }
  }
  return any;
}

Manifest Writer::next_manifest() {
  Manifest next = manifest_;
  if (pending_time_field_) next.time_field = *pending_time_field_;
  if (pending_partitioning_) next.partitioning = *pending_partitioning_;
  std::string now = now_text();
  // Removed files go; a file added under a listed name keeps its place; others follow.
  auto removed = [&](const ChunkEntry& f) {
    return std::find(pending_removals_.begin(), pending_removals_.end(), f.name) != pending_removals_.end();
  };
  next.files.erase(std::remove_if(next.files.begin(), next.files.end(), removed), next.files.end());
  for (const auto& p : pending_) {
    ChunkEntry e = p.entry;
    if (e.committed_at.empty()) e.committed_at = now;
    auto same = std::find_if(next.files.begin(), next.files.end(), [&](const ChunkEntry& f) { return f.name == e.name; });
    if (same != next.files.end()) *same = std::move(e);
    else next.files.push_back(std::move(e));
  }
  if (layout_ == Layout::Flat) next.next_part += static_cast<int64_t>(pending_.size());
  // Partitions in name order, so that a reader reads them one after another.
  if (layout_ == Layout::Partitioned)
    std::stable_sort(next.files.begin(), next.files.end(),
                     [](const ChunkEntry& a, const ChunkEntry& b) { return a.name < b.name; });
  for (auto in : pending_inputs_) {
    if (in.ingested_at.empty()) in.ingested_at = now;
    auto same = [&](const LedgerEntry& x) { return x.path == in.path; };
    auto e = std::find_if(next.ledger.begin(), next.ledger.end(), same);
    if (e != next.ledger.end()) *e = in;
    else next.ledger.push_back(in);
  }
  for (auto run : pending_runs_) {
    if (run.committed_at.empty()) run.committed_at = now;
    auto same = [&](const RunEntry& x) { return x.id == run.id; };
    auto e = std::find_if(next.runs.begin(), next.runs.end(), same);
    if (e != next.runs.end()) *e = std::move(run);
    else next.runs.push_back(std::move(run));
  }
  return next;
}

void Writer::write_manifest(const Manifest& next) {
  std::string tmp;
  int fd = make_temp(dir_, kManifestTemp, tmp);
  int handle = track_temp_file(tmp);
  std::string manifest = join(dir_, kManifestName);
  try {
    std::string text = manifest_json(next);
    write_all(fd, text.data(), text.size(), tmp);
    if (::fsync(fd) != 0) throw Error(concat("cannot sync: ", errno_text(errno))).at(tmp);
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw Error(concat("write failed: ", errno_text(errno))).at(tmp);
    if (::rename(tmp.c_str(), manifest.c_str()) != 0)
      throw Error(concat("cannot rename ", tmp, " into place: ", errno_text(errno))).at(manifest);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    untrack_temp_file(handle);
    throw;
  }
  untrack_temp_file(handle);
}

void Writer::delete_removed(const Manifest& before) {
  // Best effort: the commit is done, and a file left here is an orphan the next
  // writer deletes.
  for (const auto& f : before.files) {
    bool listed = std::any_of(manifest_.files.begin(), manifest_.files.end(),
                              [&](const ChunkEntry& x) { return x.name == f.name; });
    if (listed) continue;
    ::unlink(join(dir_, f.name).c_str());
    // Partition folders left empty go too (rmdir fails on any that is not).
    for (fs::path d = fs::path(f.name).parent_path(); !d.empty(); d = d.parent_path())
      if (::rmdir(join(dir_, d.string()).c_str()) != 0) break;
  }
}

void Writer::commit(bool sync_files) {
  if (!dirty_) return;

  // 1. The files under their final names, durably; no manifest lists them yet.
  if (rename_pending()) {
    if (layout_ == Layout::Flat) sync_dir(dir_);  // add_chunk synced the files
    else if (sync_files) sync_file_system(dir_);  // every file and folder at once
  }

  // 2. The new state, written beside the old manifest, synced, renamed over it: the commit.
  Manifest next = next_manifest();
  write_manifest(next);
  Manifest before = std::move(manifest_);
  manifest_ = std::move(next);
  pending_.clear();
  pending_inputs_.clear();
  pending_time_field_.reset();
  pending_partitioning_.reset();
  pending_runs_.clear();
  pending_removals_.clear();
  dirty_ = false;
  sync_dir(dir_);

  // 3. Files the manifest no longer lists.
  delete_removed(before);
}

}  // namespace bk::dataset
