// bk-partition: every record into the file of its partition.
//
// The run is the shared pipeline (pipeline.hpp) with a writer of its own:
//
//   map (parallel, per block)    --where; route: each row's folder, level by level
//                                (hash of the key's canonical text, the event time's
//                                calendar unit, the escaped value); --select; scatter:
//                                one batch per folder, rows in input order
//   prepare (serial, in order)   each partition's rows join the rows waiting for its
//                                next block; a partition with 256 KiB waiting gets a block
//                                cut, and when all partitions together hold more than
//                                256 MiB, the largest get theirs cut early
//   encode (parallel)            the blocks cut from this input block: concatenated,
//                                encoded by the partition's own writer (chunk, NDJSON,
//                                CSV), blocks in parallel
//   emit (serial, in order)      appended to the partitions' files
//   finish                       the rest of every partition, then chunk footers
//
// Every decision about blocks is taken in the serial stage, in input order, from the
// rows alone, so the files are byte-identical for any thread count; where a row goes
// depends on its values alone (append_key_text's canonical text, not types that widen per
// block), so also for any block size.
//
// Files: each partition's file is written in the run's temporary folder
// (DIR/.run-XXXXXX, which readers skip and a signal removes); at most --max-open of
// them are open at once, the least recently written closed and opened again to append
// when it next gets a block. At the end they are renamed into their folders and the
// manifest is committed (dataset.hpp): all of them appear at once, or none.
#include "bk/partition.hpp"

#include <fcntl.h>
#include <oneapi/tbb/parallel_for.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include "bk/cat.hpp"
#include "bk/dataset.hpp"
#include "bk/error.hpp"
#include "bk/event_time.hpp"
#include "bk/expr.hpp"
#include "bk/hive.hpp"
#include "bk/text.hpp"
#include "bk/write.hpp"

namespace bk {

namespace fs = std::filesystem;

// ---- levels -----------------------------------------------------------------------

namespace {

constexpr int64_t kMaxBuckets = 1000000;
constexpr const char* kForms = "use hash:FIELDS:N, time:UNIT, time:FIELD:UNIT or value:FIELD";

[[noreturn]] void bad_level(std::string_view text, const std::string& what, const std::string& hint = kForms) {
  throw Error::usage(concat("--by '", text, "': ", what), hint);
}

int64_t parse_buckets(std::string_view text, std::string_view n) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
  if (n.empty() || ec != std::errc() || end != n.data() + n.size())
    bad_level(text, concat("'", n, "' is not a number of buckets"), "write hash:FIELDS:N, e.g. hash:device:16");
  if (v < 1 || v > kMaxBuckets)
    bad_level(text, concat("N must be from 1 to ", kMaxBuckets, ", not ", n), "write e.g. hash:device:16");
  return v;
}

TimeUnit parse_folder_unit(std::string_view text, std::string_view name) {
  TimeUnit u;
  bool ok = parse_time_unit(name, u);
  if (!ok || (u != TimeUnit::Hour && u != TimeUnit::Day && u != TimeUnit::Month && u != TimeUnit::Year))
    bad_level(text, concat("'", name, "' is not a unit for folders"), "use hour, day, month or year");
  return u;
}

}  // namespace

PartitionLevel parse_partition_level(std::string_view text) {
  PartitionLevel l;
  l.text = std::string(text);
  size_t colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (kind == "hash") {
    l.kind = PartitionLevel::Kind::Hash;
    size_t last = rest.rfind(':');
    if (rest.empty() || last == std::string_view::npos)
      bad_level(text, "hash needs key fields and a number of buckets", "write hash:FIELDS:N, e.g. hash:device:16");
    l.fields = parse_field_list(std::string(rest.substr(0, last)), concat("--by '", text, "'"));
    l.buckets = parse_buckets(text, rest.substr(last + 1));
  } else if (kind == "time") {
    l.kind = PartitionLevel::Kind::Time;
    if (rest.empty())
      bad_level(text, "time needs a unit", "write time:UNIT for the marked event time, or time:FIELD:UNIT");
    size_t last = rest.rfind(':');
    l.unit = parse_folder_unit(text, last == std::string_view::npos ? rest : rest.substr(last + 1));
    if (last != std::string_view::npos) {
      if (last == 0) bad_level(text, "an empty field name", "write time:FIELD:UNIT, or time:UNIT for the marked one");
      l.fields = {std::string(rest.substr(0, last))};
    }
  } else if (kind == "value") {
    l.kind = PartitionLevel::Kind::Value;
    if (rest.empty()) bad_level(text, "value needs a field", "write value:FIELD, e.g. value:site");
    l.fields = {std::string(rest)};
  } else {
    bad_level(text, concat("unknown partitioning '", kind, "'"));
  }
  return l;
}

std::string PartitionLevel::key() const {
  switch (kind) {
    case Kind::Hash: return "bucket";
    case Kind::Time: return std::string(time_unit_name(unit));
    case Kind::Value: return fields[0];
  }
  return "";
}

std::string PartitionLevel::canonical() const {
  std::string names;
  for (size_t k = 0; k < fields.size(); ++k) names += (k ? "," : "") + fields[k];
  switch (kind) {
    case Kind::Hash: return concat("hash:", names, ":", buckets);
    case Kind::Time: return concat("time:", names, names.empty() ? "" : ":", time_unit_name(unit));
    case Kind::Value: return concat("value:", names);
  }
  return "";
}

// ---- keys ---------------------------------------------------------------------------

namespace {

void append_number_text(std::string& out, double v) {
  if (v == std::floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
    append_int(out, static_cast<int64_t>(v));
    return;
  }
  append_double(out, v);  // not integral, so without ".0"; or too large: 1e+20; nan, inf
}

void append_string_key(std::string& out, std::string_view s) {
  if (!s.empty() && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
    int64_t i = 0;
    double d = 0;
    switch (parse_number(s, i, d)) {
      case NumberKind::Int: append_int(out, i); return;
      case NumberKind::Float: append_number_text(out, d); return;
      case NumberKind::None: break;
    }
  }
  out.append(s);
}

}  // namespace

bool append_key_text(std::string& out, const Column& c, int64_t i) {
  if (!c.valid.get(i)) return false;
  switch (c.type) {
    case Type::Null: return false;
    case Type::Bool: out += c.ints[i] ? "true" : "false"; break;
    case Type::Int64: append_int(out, c.ints[i]); break;
    case Type::Float64: append_number_text(out, c.floats[i]); break;
    case Type::Timestamp: append_timestamp(out, c.ints[i]); break;
    case Type::String: append_string_key(out, c.str(i)); break;
    case Type::Json: out.append(c.str(i)); break;
  }
  return true;
}

void append_key_encoding(std::string& out, const Column& c, int64_t i) {
  const size_t at = out.size();
  out.append(9, '\0');
  if (!append_key_text(out, c, i)) {
    out.resize(at + 1);  // 0x00: null
    return;
  }
  out[at] = '\1';
  uint64_t len = out.size() - at - 9;
  for (int k = 0; k < 8; ++k) out[at + 1 + k] = static_cast<char>(len >> (8 * k));
}

uint64_t key_hash(std::string_view encoding) { return XXH3_64bits(encoding.data(), encoding.size()); }

namespace {

// The hash of one key field holding `text` (append_key_encoding and key_hash in one,
// without a string to build: the hot path of a hash level).
uint64_t text_key_hash(std::string_view text) {
  char buf[128];
  if (text.size() > sizeof buf - 9) {
    std::string enc = "\1";
    enc.append(8, '\0');
    enc.append(text);
    for (int k = 0; k < 8; ++k) enc[1 + k] = static_cast<char>(static_cast<uint64_t>(text.size()) >> (8 * k));
    return key_hash(enc);
  }
  buf[0] = '\1';
  const uint64_t len = text.size();
  for (int k = 0; k < 8; ++k) buf[1 + k] = static_cast<char>(len >> (8 * k));
  std::memcpy(buf + 9, text.data(), text.size());
  return XXH3_64bits(buf, 9 + text.size());
}

// A string that is its own canonical text: not one that reads as a number.
bool plain_text(std::string_view s) { return s.empty() || (s[0] != '-' && (s[0] < '0' || s[0] > '9')); }

}  // namespace

std::string bucket_value(int64_t bucket, int64_t buckets) {
  std::string digits = std::to_string(bucket), widest = std::to_string(buckets - 1);
  return std::string(widest.size() > digits.size() ? widest.size() - digits.size() : 0, '0') + digits;
}

std::string time_value(int64_t start, TimeUnit unit, const TimeZone& tz) {
  const char* format = unit == TimeUnit::Hour    ? "%Y-%m-%dT%H"
                       : unit == TimeUnit::Day   ? "%Y-%m-%d"
                       : unit == TimeUnit::Month ? "%Y-%m"
                                                 : "%Y";
  std::string out;
  format_time(start, format, tz, out);
  return out;
}

// ---- routing ------------------------------------------------------------------------

namespace {

// One level's view of a batch: each row's value, numbered in order of first
// appearance in the batch, and each number's folder name ("bucket=07").
struct LevelIds {
  std::vector<uint32_t> of_row;
  std::vector<std::string> names;
};

// A batch's rows by partition: each row's partition, numbered in order of first
// appearance, and each partition's folder path ("month=2026-03/bucket=05").
struct Routes {
  std::vector<uint32_t> of_row;
  std::vector<std::string> paths;
};

// Numbers keys in order of first appearance; `name` makes the folder name of a new one.
template <typename Key, typename MakeName>
uint32_t number_of(std::unordered_map<Key, uint32_t>& ids, const Key& key, LevelIds& out, MakeName name) {
  auto [it, fresh] = ids.try_emplace(key, static_cast<uint32_t>(out.names.size()));
  if (fresh) out.names.push_back(name());
  return it->second;
}

class Router {
 public:
  Router(std::vector<PartitionLevel> levels, std::shared_ptr<const TimeZone> tz)
      : levels_(std::move(levels)), tz_(std::move(tz)) {}

  // Each row's partition. A record without an event time (for a time level) stops
  // it: false, with b.error set at its line.
  bool route(Batch& b, Routes& out) const {
    note_fields(b);
    std::vector<LevelIds> ids(levels_.size());
    for (size_t k = 0; k < levels_.size(); ++k) {
      const PartitionLevel& l = levels_[k];
      switch (l.kind) {
        case PartitionLevel::Kind::Hash: hash_ids(b, l, ids[k]); break;
        case PartitionLevel::Kind::Value: value_ids(b, l, ids[k]); break;
        case PartitionLevel::Kind::Time:
          if (!time_ids(b, l, ids[k])) return false;
          break;
      }
    }
    combine(ids, b.rows, out);
    return true;
  }

  // After the run: a hash or value key that no record had is a typo, most likely (a
  // record without it is null there, as --where reads it, so no block alone says).
  void check_fields_seen() const {
    if (first_seq_ < 0) return;  // no records at all
    for (const auto& l : levels_) {
      if (l.kind == PartitionLevel::Kind::Time) continue;  // read_event_times says it
      for (const auto& f : l.fields) {
        if (seen_.count(f)) continue;
        std::string near = likely_typo_of(f, first_names_);
        throw Error::usage(concat("--by ", l.text, ": no record has a field '", f, "'"),
                           near.empty() ? "name a field the records have" : concat("did you mean '", near, "'?"));
      }
    }
  }

 private:
  // Which key fields the batch has; the fields of the first batch, for hints.
  void note_fields(const Batch& b) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& l : levels_)
      for (const auto& f : l.fields)
        if (b.find(f) >= 0) seen_.insert(f);
    if (first_seq_ < 0 || b.seq < first_seq_) {
      first_seq_ = b.seq;
      first_names_ = b.names;
    }
  }

  static const Column& column(const Batch& b, const std::string& field, const Column& none) {
    int64_t k = b.find(field);
    return k >= 0 ? b.columns[k] : none;
  }

  static void hash_ids(const Batch& b, const PartitionLevel& l, LevelIds& out) {
    const Column none = Column::nulls(b.rows);
    std::vector<const Column*> cols;
    for (const auto& f : l.fields) cols.push_back(&column(b, f, none));
    // Buckets numbered through a table when there are few, else a map.
    std::vector<int32_t> direct(static_cast<size_t>(std::min<int64_t>(l.buckets, 1 << 16)), -1);
    std::unordered_map<uint64_t, uint32_t> far;
    out.of_row.resize(b.rows);
    const bool one_string = cols.size() == 1 && cols[0]->type == Type::String;
    std::string enc;
    for (int64_t i = 0; i < b.rows; ++i) {
      uint64_t h;
      if (one_string && cols[0]->valid.get(i) && plain_text(cols[0]->str(i))) {
        h = text_key_hash(cols[0]->str(i));
      } else {
        enc.clear();
        for (const Column* c : cols) append_key_encoding(enc, *c, i);
        h = key_hash(enc);
      }
      const uint64_t bucket = h % static_cast<uint64_t>(l.buckets);
      auto name = [&] { return concat("bucket=", bucket_value(static_cast<int64_t>(bucket), l.buckets)); };
      if (bucket < direct.size()) {
        if (direct[bucket] < 0) {
          direct[bucket] = static_cast<int32_t>(out.names.size());
          out.names.push_back(name());
        }
        out.of_row[i] = static_cast<uint32_t>(direct[bucket]);
      } else {
        out.of_row[i] = number_of(far, bucket, out, name);
      }
    }
  }

  static void value_ids(const Batch& b, const PartitionLevel& l, LevelIds& out) {
    const Column none = Column::nulls(b.rows);
    const Column& c = column(b, l.fields[0], none);
    const std::string key = hive::key_name(l.fields[0]) + "=";
    std::unordered_map<std::string, uint32_t> ids;
    int64_t null_id = -1;
    out.of_row.resize(b.rows);
    std::string text;
    for (int64_t i = 0; i < b.rows; ++i) {
      text.clear();
      if (!append_key_text(text, c, i)) {
        if (null_id < 0) {
          null_id = static_cast<int64_t>(out.names.size());
          out.names.push_back(key + hive::value_name(std::nullopt));
        }
        out.of_row[i] = static_cast<uint32_t>(null_id);
        continue;
      }
      out.of_row[i] = number_of(ids, text, out, [&] { return key + hive::value_name(text); });
    }
  }

  bool time_ids(Batch& b, const PartitionLevel& l, LevelIds& out) const {
    EventTimeOptions o;
    o.field = l.fields.empty() ? "" : l.fields[0];
    o.flag = concat("--by ", l.text);
    o.need = concat("--by ", l.text, " needs");
    o.name_hint =
        concat("name it: --by time:FIELD:", time_unit_name(l.unit), ", or mark it once with bk-ingest --time");
    o.tz = tz_.get();
    std::vector<int64_t> times;
    if (!read_event_times(b, o, times)) return false;
    if (times.empty()) times.assign(b.rows, 0);  // no rows, or a later block without the field
    const TimeZone& tz = tz_ ? *tz_ : TimeZone::utc();
    const std::string key = concat(time_unit_name(l.unit), "=");
    // Units are numbered by their label: the hour repeated by a fall-back is one folder.
    std::unordered_map<int64_t, uint32_t> by_start;
    std::unordered_map<std::string, uint32_t> by_label;
    int64_t lo = 0, hi = 0;  // the unit of the last row, [lo, hi)
    uint32_t id = 0;
    out.of_row.resize(b.rows);
    for (int64_t i = 0; i < b.rows; ++i) {
      const int64_t t = times[i];
      if (t < lo || t >= hi) {
        lo = trunc_time(t, l.unit, tz);
        hi = next_time(lo, l.unit, tz);
        auto it = by_start.find(lo);
        if (it != by_start.end()) {
          id = it->second;
        } else {
          std::string label = time_value(lo, l.unit, tz);
          id = number_of(by_label, label, out, [&] { return key + hive::value_name(label); });
          by_start.emplace(lo, id);
        }
      }
      out.of_row[i] = id;
    }
    return true;
  }

  // The levels' numbers combined into partitions, outermost level first.
  static void combine(std::vector<LevelIds>& levels, int64_t rows, Routes& out) {
    out.of_row = std::move(levels[0].of_row);
    out.paths = std::move(levels[0].names);
    for (size_t k = 1; k < levels.size(); ++k) {
      LevelIds next;
      std::unordered_map<uint64_t, uint32_t> ids;
      const LevelIds& inner = levels[k];
      for (int64_t i = 0; i < rows; ++i) {
        uint64_t pair = (static_cast<uint64_t>(out.of_row[i]) << 32) | inner.of_row[i];
        out.of_row[i] = number_of(ids, pair, next,
                                  [&] { return concat(out.paths[out.of_row[i]], "/", inner.names[inner.of_row[i]]); });
      }
      out.paths = std::move(next.names);
    }
  }

  std::vector<PartitionLevel> levels_;
  std::shared_ptr<const TimeZone> tz_;
  mutable std::mutex mu_;  // for what the map stage notes
  mutable std::set<std::string> seen_;
  mutable int64_t first_seq_ = -1;
  mutable std::vector<std::string> first_names_;
};

// A batch's rows, one batch per partition of `r` (in its order).
struct Scattered {
  std::vector<std::string> paths;
  std::vector<Batch> batches;
};

Scattered scatter(Batch&& b, Routes&& r) {
  Scattered out;
  out.paths = std::move(r.paths);
  if (out.paths.size() == 1)
    out.batches.push_back(std::move(b));
  else
    out.batches = split_rows(b, r.of_row.data(), out.paths.size());
  return out;
}

// Moves b's fields and rows out, leaving what the pipeline still needs of it: the row
// count (progress), its numbering and source.
Batch take_rows(Batch& b) {
  Batch out = batch_like(b);
  out.columns = std::move(b.columns);
  out.lines = std::move(b.lines);
  out.rows = b.rows;
  b.names.clear();
  b.columns.clear();
  b.lines.clear();
  b.time_field = -1;
  return out;
}

// ---- partitions and their files ------------------------------------------------------

constexpr int64_t kBlockBytes = 256 << 10;    // a partition's block: at least this much data
constexpr int64_t kWaitingBytes = 256 << 20;  // all partitions' rows waiting for a block

// About the memory a batch's values take: what the block sizes count.
int64_t approx_bytes(const Batch& b) {
  int64_t n = 0;
  for (const auto& c : b.columns) n += 8 * b.rows + static_cast<int64_t>(c.bytes.size());
  return n;
}

// One partition: its file (in the run's temporary folder until the commit), the writer
// that encodes its blocks, and its rows waiting for the next block.
struct Part {
  std::string path;    // its folder: "month=2026-03/bucket=05"
  int64_t number = 0;  // in order of first appearance: its temporary file's name
  Output encoded{Output::Memory{}};
  std::unique_ptr<Writer> writer;
  std::vector<Batch> waiting;
  int64_t waiting_bytes = 0;
  int64_t rows = 0, bytes = 0;
  std::optional<int64_t> min_time, max_time;
  dataset::ContentHash checksum;
  int fd = -1;
  bool created = false;
  std::list<Part*>::iterator slot;  // in FileSlots' list while open
};

// A block of one partition: its waiting rows, then their encoding.
struct Block {
  Part* part = nullptr;
  std::vector<Batch> pieces;
  Batch batch;
  Encoded enc;
};

// What to do when a partition's file cannot be opened.
const char* open_hint(int e) {
  if (e == EMFILE || e == ENFILE) return "lower --max-open";
  return e == ENOSPC ? "free some disk space" : "";
}

// The partitions' files, at most max_open open at once: the least recently written
// is closed when another needs its slot, and opened again to append when it next
// gets a block.
class FileSlots {
 public:
  FileSlots(std::string dir, int64_t max_open) : dir_(std::move(dir)), max_open_(max_open) {}
  ~FileSlots() {
    for (Part* p : open_) ::close(p->fd);
  }

  std::string temp_path(const Part& p) const { return concat(dir_, "/", p.number); }

  void append(Part& p, const std::string& bytes) {
    if (bytes.empty()) return;
    open(p);
    write_all(p.fd, bytes.data(), bytes.size(), temp_path(p));
    p.bytes += static_cast<int64_t>(bytes.size());
    p.checksum.update(bytes);
  }

  void close_all() {
    while (!open_.empty()) close(*open_.back());
  }

 private:
  void open(Part& p) {
    if (p.fd >= 0) {
      open_.splice(open_.begin(), open_, p.slot);
      return;
    }
    if (static_cast<int64_t>(open_.size()) >= max_open_) close(*open_.back());
    std::string path = temp_path(p);
    int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (p.created ? 0 : O_CREAT | O_EXCL);
    p.fd = ::open(path.c_str(), flags, 0666);
    if (p.fd < 0) {
      int e = errno;
      throw Error(concat("cannot open a partition's file: ", std::strerror(e)), open_hint(e)).at(path);
    }
    p.created = true;
    open_.push_front(&p);
    p.slot = open_.begin();
  }

  void close(Part& p) {
    int rc = ::close(p.fd);
    p.fd = -1;
    open_.erase(p.slot);
    if (rc != 0) throw Error(concat("write failed: ", std::strerror(errno))).at(temp_path(p));
  }

  std::string dir_;
  int64_t max_open_;
  std::list<Part*> open_;  // most recently written first
};

// The pipeline's writer: partitions' blocks cut, encoded and appended (see the top).
class PartitionSink : public Writer {
 public:
  PartitionSink(Output& unused, Format format, chunk::Codec codec, std::string dir, int64_t max_open)
      : Writer(unused), format_(format), codec_(codec), files_(std::move(dir), max_open) {}

  // Map stage (parallel): a batch's partitions, for prepare().
  void hold(int64_t seq, Scattered s) { held_.put(seq, std::move(s)); }

  void prepare(Batch& b) override {
    std::optional<Scattered> s = held_.take(b.seq);
    if (!s) return;
    std::vector<Block> blocks;
    for (size_t k = 0; k < s->paths.size(); ++k) {
      Part& p = part(s->paths[k]);
      Batch& piece = s->batches[k];
      piece.first_line = b.first_line;  // numbered now, with the block's lines
      p.writer->prepare(piece);         // CSV, TSV: fixes or checks the header
      const int64_t n = approx_bytes(piece);
      p.waiting.push_back(std::move(piece));
      p.waiting_bytes += n;
      waiting_bytes_ += n;
      if (p.waiting_bytes >= kBlockBytes) cut(p, blocks);
    }
    bound_waiting(blocks);
    if (!blocks.empty()) cut_.put(b.seq, std::move(blocks));
  }

  void encode(const Batch& b, Encoded&) const override {
    if (std::vector<Block>* blocks = cut_.find(b.seq)) encode_blocks(blocks->data(), blocks->size());
  }

  void emit(const Batch& b, Encoded&) override {
    if (std::optional<std::vector<Block>> blocks = cut_.take(b.seq)) emit_blocks(blocks->data(), blocks->size());
  }

  void finish() override {
    // The rest of every partition, a group of blocks at a time (the memory of the
    // group's encodings is what a group costs).
    std::vector<Block> rest;
    for (auto& p : parts_)
      if (!p->waiting.empty()) cut(*p, rest);
    constexpr size_t kGroup = 64;
    for (size_t at = 0; at < rest.size(); at += kGroup) {
      size_t n = std::min(kGroup, rest.size() - at);
      encode_blocks(rest.data() + at, n);
      emit_blocks(rest.data() + at, n);
    }
    for (auto& p : parts_) {
      p->writer->finish();  // a chunk file's footer
      files_.append(*p, p->encoded.take());
    }
    files_.close_all();
  }

  // 8 MiB input blocks: split N ways, they still make blocks of a useful size.
  int64_t preferred_block_bytes() const override { return 8 << 20; }

  const std::vector<std::unique_ptr<Part>>& parts() const { return parts_; }
  std::string temp_path(const Part& p) const { return files_.temp_path(p); }
  // The event-time field the files mark, "" when none does (the first one written).
  const std::string& time_field() const { return time_field_; }

 private:
  Part& part(const std::string& path) {
    auto it = by_path_.find(path);
    if (it != by_path_.end()) return *it->second;
    auto p = std::make_unique<Part>();
    p->path = path;
    p->number = static_cast<int64_t>(parts_.size());
    WriteOptions wopts;
    wopts.codec = codec_;
    p->writer = make_writer(format_, p->encoded, wopts);
    by_path_.emplace(path, p.get());
    parts_.push_back(std::move(p));
    return *parts_.back();
  }

  void cut(Part& p, std::vector<Block>& into) {
    Block blk;
    blk.part = &p;
    blk.pieces = std::move(p.waiting);
    p.waiting.clear();
    waiting_bytes_ -= p.waiting_bytes;
    p.waiting_bytes = 0;
    into.push_back(std::move(blk));
  }

  // Past the budget, the partitions with the most waiting get their blocks now, until
  // half the budget is left (the largest first; ties in order of first appearance).
  void bound_waiting(std::vector<Block>& into) {
    if (waiting_bytes_ <= kWaitingBytes) return;
    std::vector<Part*> order;
    for (auto& p : parts_)
      if (p->waiting_bytes > 0) order.push_back(p.get());
    std::stable_sort(order.begin(), order.end(),
                     [](const Part* a, const Part* b) { return a->waiting_bytes > b->waiting_bytes; });
    for (Part* p : order) {
      if (waiting_bytes_ <= kWaitingBytes / 2) break;
      cut(*p, into);
    }
  }

  void encode_blocks(Block* blocks, size_t n) const {
    oneapi::tbb::parallel_for(size_t(0), n, [&](size_t k) {
      Block& blk = blocks[k];
      blk.batch = concat_batches(std::move(blk.pieces));
      blk.part->writer->encode(blk.batch, blk.enc);
    });
  }

  void emit_blocks(Block* blocks, size_t n) {
    for (size_t k = 0; k < n; ++k) {
      Block& blk = blocks[k];
      Part& p = *blk.part;
      p.writer->emit(blk.batch, blk.enc);
      files_.append(p, p.encoded.take());
      p.rows += blk.batch.rows;
      note_times(p, blk.batch);
      if (time_field_.empty() && blk.batch.time_field >= 0) time_field_ = blk.batch.names[blk.batch.time_field];
      blk = Block();
    }
  }

  // The manifest's min_time and max_time: from an event time the rows mark and type.
  static void note_times(Part& p, const Batch& b) {
    if (b.time_field < 0 || b.columns[b.time_field].type != Type::Timestamp) return;
    const Column& c = b.columns[b.time_field];
    for (int64_t i = 0; i < b.rows; ++i) {
      if (!c.valid.get(i)) continue;
      if (!p.min_time || c.ints[i] < *p.min_time) p.min_time = c.ints[i];
      if (!p.max_time || c.ints[i] > *p.max_time) p.max_time = c.ints[i];
    }
  }

  Format format_;
  chunk::Codec codec_;
  std::vector<std::unique_ptr<Part>> parts_;
  std::unordered_map<std::string, Part*> by_path_;
  FileSlots files_;  // after parts_: it closes their files first
  int64_t waiting_bytes_ = 0;
  std::string time_field_;
  SeqMap<Scattered> held_;                  // map → prepare
  mutable SeqMap<std::vector<Block>> cut_;  // prepare → encode → emit
};

// ---- the run --------------------------------------------------------------------------

// The run's id, which names its files: XXH3-64 of its inputs, each an absolute path,
// or "<stdin>" and the XXH3-128 of what was read from it.
class RunIdentity {
 public:
  explicit RunIdentity(const std::vector<InputFile>& inputs) {
    for (const auto& in : inputs) {
      std::error_code ec;
      fs::path real = in.path == "-" ? fs::path() : fs::canonical(in.path, ec);
      names_.push_back(in.path == "-" ? std::string("<stdin>") : ec ? fs::absolute(in.path).string() : real.string());
    }
  }

  // Stage 1 of the pipeline, in input order: standard input's bytes.
  void read(const RawBlock& r) {
    if (!r.input || r.input->path != "-") return;
    if (r.first_in_file && r.header)
      for (const auto& name : r.header->names) stdin_.update(name + "\n");
    stdin_.update(r.format == Format::Chunk ? std::string_view(r.frame)
                                            : std::string_view(r.data.data(), r.data.size()));
  }

  const std::vector<std::string>& inputs() const { return names_; }

  std::string id() const {
    std::string text;
    for (const auto& name : names_) {
      text += name;
      text += '\0';
      if (name == "<stdin>") text += stdin_.text() + '\0';
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
    return hex;
  }

 private:
  std::vector<std::string> names_;
  dataset::ContentHash stdin_;
};

std::string extension_of(Format f) {
  switch (f) {
    case Format::Csv: return "csv";
    case Format::Tsv: return "tsv";
    case Format::Ndjson: return "ndjson";
    default: return "bkc";
  }
}

std::vector<PartitionLevel> parse_levels(const std::vector<std::string>& by) {
  if (by.empty())
    throw Error::usage("--by is required",
                       "say how to partition: --by hash:device:16, --by time:day or --by value:site");
  std::vector<PartitionLevel> levels;
  for (const auto& text : by) {
    PartitionLevel l = parse_partition_level(text);
    for (const auto& other : levels)
      if (other.key() == l.key())
        throw Error::usage(
            concat("--by ", other.text, " and --by ", l.text, " both name their folders '", l.key(), "'"),
            l.kind == PartitionLevel::Kind::Hash ? "hash on all the fields at once: hash:a,b:N"
                                                 : "a path holds each key once; drop one of them");
    levels.push_back(std::move(l));
  }
  return levels;
}

// What the manifest records, and a later run must match: the levels, and the zone
// of time levels when it is not UTC.
std::string partitioning_text(const std::vector<PartitionLevel>& levels, const TimeZone* tz) {
  std::string s;
  bool timed = false;
  for (const auto& l : levels) {
    s += (s.empty() ? "" : " ") + l.canonical();
    timed = timed || l.kind == PartitionLevel::Kind::Time;
  }
  if (timed && tz && tz->name() != "UTC") s += concat(" tz=", tz->name());
  return s;
}

// Reading the output directory as input would read the run's own files next time.
void check_inputs_outside(const std::vector<InputFile>& inputs, const std::string& dir) {
  std::error_code ec;
  std::string out = fs::weakly_canonical(dir, ec).string();
  if (ec) return;
  for (const auto& in : inputs) {
    if (in.path == "-") continue;
    std::string real = fs::weakly_canonical(in.path, ec).string();
    if (!ec && real.size() > out.size() && real.compare(0, out.size(), out) == 0 && real[out.size()] == '/')
      throw Error::usage(concat(in.display, " is inside the output directory ", dir),
                         "partition into another directory, not into one being read");
  }
}

void check_partitioning(const dataset::Manifest& m, const std::string& dir, const std::string& mine) {
  if (m.files.empty() || m.partitioning.empty() || m.partitioning == mine) return;
  throw Error::usage(concat(dir, " is partitioned by '", m.partitioning, "', not by '", mine, "'"),
                     "give the same --by (and --tz) as before, or another -d");
}

// At most what the process may open, less some for inputs and the rest.
int64_t usable_max_open(int64_t wanted) {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return wanted;
  return std::max<int64_t>(1, std::min<int64_t>(wanted, static_cast<int64_t>(rl.rlim_cur) - 32));
}

// The run's files into the manifest: each partition's under its final name, and the
// files of an earlier run of the same inputs that this one did not write again dropped.
void add_run_files(dataset::Writer& ds, const PartitionSink& sink, const std::string& id, Format format,
                   const RunIdentity& ident, const std::string& partitioning) {
  const std::string file = concat("part-", id, ".", extension_of(format));
  std::set<std::string> written;
  for (const auto& p : sink.parts()) {
    dataset::ChunkEntry e;
    e.name = concat(p->path, "/", file);
    e.rows = p->rows;
    e.bytes = p->bytes;
    e.checksum = p->checksum.text();
    e.min_time = p->min_time;
    e.max_time = p->max_time;
    written.insert(e.name);
    ds.add_file(sink.temp_path(*p), std::move(e));
  }
  const std::string prefix = concat("part-", id, ".");
  for (const auto& f : ds.manifest().files)
    if (fs::path(f.name).filename().string().rfind(prefix, 0) == 0 && !written.count(f.name)) ds.remove_file(f.name);
  ds.set_partitioning(partitioning);
  if (!sink.time_field().empty()) ds.set_time_field(sink.time_field());
  dataset::RunEntry run;
  run.id = id;
  run.inputs = ident.inputs();
  ds.add_run(std::move(run));
}

}  // namespace

void run_partition(Context& ctx, const PartitionOptions& o) {
  // Check the flags before reading anything.
  std::vector<PartitionLevel> levels = parse_levels(o.by);
  if (o.out_dir.empty())
    throw Error::usage("-d/--out-dir is required", "name the directory for the partitions: -d parts/");
  if (o.max_open < 1) throw Error::usage(concat("--max-open: must be 1 or more, not ", o.max_open));
  ExprOptions eopts;
  eopts.tz = load_tz_flag(o.tz);
  std::optional<Expr> where;
  if (!o.where.empty()) where = Expr::parse(o.where, "--where", eopts);
  auto inputs = expand_inputs(o.inputs);
  check_inputs_outside(inputs, o.out_dir);
  const std::string partitioning = partitioning_text(levels, eopts.tz.get());

  // Take the directory: its lock; what a killed run left is deleted; same --by as before.
  dataset::Writer ds(o.out_dir, o.wait, dataset::Layout::Partitioned);
  check_partitioning(ds.manifest(), o.out_dir, partitioning);

  // Every record into its partition's file, in the run's temporary folder.
  RunIdentity ident(inputs);
  Router router(levels, eopts.tz);
  Output unused(Output::Memory{});
  PartitionSink sink(unused, o.output_format, o.codec, ds.temp_dir(), usable_max_open(o.max_open));
  std::atomic<int64_t> filtered{0};
  PipelineSpec spec;
  spec.read = [&](const RawBlock& r) { ident.read(r); };
  spec.map = [&](Batch& b, const RawBlock&) {
    if (where) {
      if (b.first_block) where->check(b);
      int64_t before = b.rows;
      filter_rows(b, where->eval_filter(b));
      filtered += before - b.rows;
    }
    Routes routes;
    if (b.rows == 0 || !router.route(b, routes)) return;
    Batch rows = take_rows(b);
    if (!o.select.empty()) rows = select_columns(std::move(rows), o.select);
    sink.hold(b.seq, scatter(std::move(rows), std::move(routes)));
  };
  run_pipeline(ctx, inputs, o.read, spec, sink);
  router.check_fields_seen();

  // All of them appear at once: renamed into their folders, then the manifest.
  const std::string id = ident.id();
  add_run_files(ds, sink, id, o.output_format, ident, partitioning);
  ds.commit(o.sync);

  if (!o.stats.empty()) {
    int64_t rows_out = 0, bytes = 0;
    for (const auto& p : sink.parts()) rows_out += p->rows, bytes += p->bytes;
    write_run_stats(ctx, o.stats,
                    concat("\"inputs\":", inputs.size(), ",\"rows_in\":", ctx.counters.rows_in.load(),
                           ",\"rows_filtered\":", filtered.load(), ",\"rows_out\":", rows_out, ",\"partitions\":",
                           sink.parts().size(), ",\"bytes_written\":", bytes, ",\"run\":\"", id, "\""));
  }
}

}  // namespace bk
