// Datasets: a directory of data files that one writer at a time changes, atomically,
// under a manifest. Two tools write them:
//
//   bk-ingest (man/bk-ingest.1, DATASETS): appends chunk files part-NNNNNN.bkc at the
//   top, exactly once, with the ingest ledger of the inputs they came from;
//   bk-partition (man/bk-partition.1): key=value directories, each file named after
//   the run (its inputs) that wrote it, DIR/bucket=07/part-<id>.bkc; a run replaces
//   the files of an earlier run of the same inputs.
//
//   DIR/_manifest.json   the committed state: every data file (name, rows, bytes, min and
//                        max event time, checksum, the inputs it came from), and the
//                        ingest ledger (every input file ingested: path, size,
//                        modification time, content hash, lines read) or bk-partition's
//                        partitioning and runs
//   DIR/_lock            flock(2)ed by the one writer at a time
//
// A commit writes its files (under temporary names, synced, then renamed to their
// final names), then the new manifest under a temporary name (fsynced), then renames
// it over _manifest.json and fsyncs the directory. The rename is the one atomic step:
// a crash before it leaves the old manifest, and the files it does not list are
// orphans that readers never see (expand_inputs reads a directory with a
// _manifest.json through it) and the next writer deletes.
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

// A data file of the dataset.
struct ChunkEntry {
  std::string name;  // relative to the dataset directory: "part-000001.bkc", "bucket=07/part-<id>.bkc"
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<int64_t> min_time, max_time;  // event time (µs since the epoch), when known
  std::string checksum;                       // "xxh3-128:<hex>" of the whole file
  std::vector<std::string> inputs;            // ledger paths, or "<stdin>"
  std::string committed_at;                   // RFC 3339 UTC, seconds
};

// A run of bk-partition whose files the dataset holds: part-<id>.* in its folders.
struct RunEntry {
  std::string id;                   // 16 hex digits, from the run's inputs
  std::vector<std::string> inputs;  // absolute paths, "<stdin>"
  std::string committed_at;         // RFC 3339 UTC, seconds
};

struct Manifest {
  int version = kManifestVersion;
  std::string time_field;               // the event-time field, "" when none
  int64_t next_part = 1;                // the number of the next part-NNNNNN.bkc
  std::vector<ChunkEntry> files;        // in commit order
  std::vector<LedgerEntry> ledger;      // in ingest order
  // bk-partition's datasets: its --by specification (with the zone of time levels),
  // and its runs in commit order. Both written only when partitioning is not "".
  std::string partitioning;
  std::vector<RunEntry> runs;

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
// Files of `dir` that are no part of the dataset and that a writer made: data files
// the manifest does not list (part-*.bkc; in partitioned datasets also .ndjson, .csv,
// .tsv) and the writers' temporary files and folders (.part-*.tmp, .manifest-*.tmp,
// .run-*); relative names, sorted. bk-ingest writes at the top only, so files in
// subdirectories are left alone whatever their names; in a partitioned dataset
// (`nested`, by default when m.partitioning is set) the key=value folders are
// searched too, at any depth.
std::vector<std::string> find_orphans(const std::string& dir, const Manifest& m);
std::vector<std::string> find_orphans(const std::string& dir, const Manifest& m, bool nested);

// "xxh3-128:<32 lowercase hex digits>" of the first `limit` bytes of a file (-1: all).
std::string hash_file(const std::string& path, int64_t limit = -1);
// The same over bytes in memory.
std::string hash_bytes(std::string_view bytes);
// The same over bytes given piece by piece (a file as it is written).
class ContentHash {
 public:
  ContentHash();
  ~ContentHash();
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;
  void update(std::string_view bytes);
  std::string text() const;  // "xxh3-128:<hex>" of everything so far

 private:
  void* state_;  // XXH3_state_t
};

// The one writer of a dataset. The constructor creates DIR if needed and takes
// DIR/_lock with flock(LOCK_EX): with wait, it blocks until another writer is done
// (saying once on stderr that it waits, when stderr is a terminal); without, it throws
// bk::Error ("DIR is being written by another process (pid N)"). The lock is released
// by the destructor, or by the kernel when the process dies (kill -9 included).
// Taking the lock deletes orphans: part-*.bkc files not in the manifest and leftover
// temporary files of a writer that died (find_orphans). A directory that no writer
// ever locked (no _lock) and that has no manifest but holds part-*.bkc files is
// refused with a bk::Error instead: those files are someone else's.
//
// A writer is for one kind of dataset (Layout): a bk-ingest dataset refuses a
// partitioned writer and the other way round, naming the tool that wrote it.
enum class Layout { Flat, Partitioned };

class Writer {
 public:
  Writer(const std::string& dir, bool wait, Layout layout = Layout::Flat);
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

  // Partitioned datasets. A fresh temporary folder in DIR for this run's files
  // (.run-XXXXXX; readers skip it), removed with what it holds by the destructor or a
  // signal; the files in it must be plain files (the signal handler does not recurse).
  std::string temp_dir();
  // Adds the file written at `tmp_path` (in temp_dir()) as entry.name, which the entry
  // names along with rows, bytes and checksum. The manifest of a partitioned dataset
  // lists its files in name order (readers read the partitions one after another). A file already listed under that name
  // is replaced at the commit (left as it is when its checksum is the same). The file
  // must be complete, and synced where durability is wanted (see commit()).
  void add_file(const std::string& tmp_path, ChunkEntry entry);
  // Drops the listed file `name` at the next commit; it is deleted after the commit,
  // with the folders it leaves empty.
  void remove_file(const std::string& name);
  void set_partitioning(const std::string& spec);
  // Adds the run, or replaces the listed run with its id.
  void add_run(RunEntry run);

  // Makes everything added since the last commit visible atomically (see the top of
  // this file) and durable: chunk files were fsynced by add_chunk; files of add_file
  // are synced with one syncfs(2) of DIR's file system after they are renamed, when
  // `sync_files` (bk-partition --sync). Nothing added: nothing happens. On failure it
  // throws bk::Error naming the path, and the old manifest stays in force.
  void commit(bool sync_files = true);

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
  Layout layout_;
  std::vector<std::string> pending_removals_;
  std::vector<RunEntry> pending_runs_;
  std::optional<std::string> pending_partitioning_;
  std::vector<Temp> temp_dirs_;

  void check_layout() const;
  void clean_orphans();
  bool rename_pending();
  Manifest next_manifest();
  void write_manifest(const Manifest& next);
  void delete_removed(const Manifest& before);
};

}  // namespace bk::dataset
