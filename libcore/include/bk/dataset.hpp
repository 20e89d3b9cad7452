// Datasets: a directory of chunk files that bk-ingest appends to, exactly once and
// atomically (man/bk-ingest.1, DATASETS).
//
//   DIR/_manifest.json   the committed state: every chunk file (name, rows, bytes, min and
//                        max event time, checksum, the inputs it came from) and the
//                        ingest ledger (every input file ingested: path, size,
//                        modification time, content hash, lines read)
//   DIR/_lock            flock(2)ed by the one writer at a time
//   DIR/part-NNNNNN.bkc  chunk files; only those the manifest lists exist as far as
//                        readers are concerned
//
// A commit writes its chunk files (under temporary names, fsynced, then renamed to
// their final names), then the new manifest under a temporary name (fsynced), then
// renames it over _manifest.json and fsyncs the directory. The rename is the one
// atomic step: a crash before it leaves the old manifest, and the chunk files it
// does not list are orphans that readers never see (expand_inputs reads a directory
// with a _manifest.json through it) and the next writer deletes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bk::dataset {

inline constexpr const char* kManifestName = "_manifest.json";
inline constexpr const char* kLockName = "_lock";
inline constexpr int kManifestVersion = 1;

// An input file that was ingested.
struct LedgerEntry {
  std::string path;        // absolute, as realpath(3) gives it
  int64_t size = 0;        // bytes on disk when read
  int64_t mtime_ns = 0;    // modification time, ns since the epoch
  std::string hash;        // "xxh3-128:<32 hex digits>" of its first `size` bytes
  int64_t lines = 0;       // lines read (a file that grows is read on from the next one)
  std::string ingested_at; // RFC 3339 UTC, seconds
};

// A chunk file of the dataset.
struct ChunkEntry {
  std::string name;  // relative to the dataset directory: "part-000001.bkc"
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<int64_t> min_time, max_time;  // event time (µs since the epoch), when known
  std::string checksum;                       // "xxh3-128:<hex>" of the whole file
  std::vector<std::string> inputs;            // ledger paths, or "<stdin>"
  std::string committed_at;                   // RFC 3339 UTC, seconds
};

struct Manifest {
  int version = kManifestVersion;
  std::string time_field;               // the event-time field, "" when none
  int64_t next_part = 1;                // the number of the next part-NNNNNN.bkc
  std::vector<ChunkEntry> files;        // in commit order
  std::vector<LedgerEntry> ledger;      // in ingest order

  const LedgerEntry* find_input(const std::string& path) const;  // by path; null if absent
  const LedgerEntry* find_hash(const std::string& hash) const;    // by content hash
};

// Reads DIR/_manifest.json; an empty Manifest when there is none. Throws bk::Error
// naming the file for unreadable or malformed content (with a hint).
Manifest load_manifest(const std::string& dir);
// The manifest as JSON text (one object, keys in a fixed order, ending in "\n").
std::string manifest_json(const Manifest& m);
// True when `dir` holds a _manifest.json.
bool is_dataset(const std::string& dir);
// Throws bk::Error (Kind::Data) unless `name` is a relative path that stays inside
// the dataset: not empty, no leading '/', no empty, "." or ".." components, no NUL.
void check_entry_name(const std::string& name);
// Files at the top of `dir` that are no part of the dataset and that a writer made:
// part-*.bkc files the manifest does not list and the writer's temporary files
// (.part-*.tmp, .manifest-*.tmp); sorted. A writer makes nothing in subdirectories, so
// files there are left alone whatever their names.
std::vector<std::string> find_orphans(const std::string& dir, const Manifest& m);

// "xxh3-128:<32 lowercase hex digits>" of the first `limit` bytes of a file (-1: all).
std::string hash_file(const std::string& path, int64_t limit = -1);
// The same over bytes in memory.
std::string hash_bytes(std::string_view bytes);

// The one writer of a dataset. The constructor creates DIR if needed and takes
// DIR/_lock with flock(LOCK_EX): with wait, it blocks until another writer is done
// (saying once on stderr that it waits, when stderr is a terminal); without, it throws
// bk::Error ("DIR is being written by another process (pid N)"). The lock is released
// by the destructor, or by the kernel when the process dies (kill -9 included).
// Taking the lock deletes orphans: part-*.bkc files not in the manifest and leftover
// temporary files of a writer that died (find_orphans). A directory that no writer
// ever locked (no _lock) and that has no manifest but holds part-*.bkc files is
// refused with a bk::Error instead: those files are someone else's.
class Writer {
 public:
  Writer(const std::string& dir, bool wait);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  const Manifest& manifest() const { return manifest_; }
  const std::string& dir() const { return dir_; }

  // A fresh temporary path in DIR for the next chunk file (invisible to readers;
  // removed by the destructor or by a signal unless committed). Write the chunk there.
  std::string new_chunk_path();
  // Adds the chunk written at `tmp_path` (from new_chunk_path) to the pending commit:
  // fills name (the next part-NNNNNN.bkc), bytes and checksum, fsyncs the file, then
  // adds the entry. An empty committed_at is filled in by commit().
  void add_chunk(const std::string& tmp_path, ChunkEntry entry);
  // Adds (or, for a path already in the ledger, replaces) a ledger entry. An empty
  // ingested_at is filled in by commit().
  void add_input(LedgerEntry entry);
  void set_time_field(const std::string& name);
  // Makes everything added since the last commit durable and visible atomically
  // (see the top of this file). Nothing added: nothing happens. On failure it throws
  // bk::Error naming the path, and the old manifest stays in force.
  void commit();

 private:
  std::string dir_;
  int lock_fd_ = -1;
  Manifest manifest_;
  struct Pending {
    std::string tmp;
    ChunkEntry entry;
    bool renamed = false;  // to its final name (a failed commit may be retried)
  };
  std::vector<Pending> pending_;
  std::vector<LedgerEntry> pending_inputs_;
  bool dirty_ = false;
  // Temporary files handed out and not yet renamed: path and track_temp_file handle.
  struct Temp {
    std::string path;
    int handle = -1;
    bool added = false;  // given to add_chunk
  };
  std::vector<Temp> temps_;
  std::optional<std::string> pending_time_field_;
};

}  // namespace bk::dataset
