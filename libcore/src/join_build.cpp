// bk-join's build side: read whole into one table, then indexed by key.
//
// The pipeline parses the build side's blocks in parallel (as-of times are parsed
// there too); its in-order stage appends each batch to one batch of all records, so
// every field has one column whose type is the widest over all the records, and
// checks the fields as they come. Then the keys are encoded in parallel, chunk by
// chunk of rows, and each of the 64 hash partitions builds its index in parallel:
// the partitions share nothing, and each reads its keys in row order, so a key's
// records are listed in input order whatever the thread count (as-of: stably sorted
// by time, so ties stay in input order).
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "bk/error.hpp"
#include "bk/pipeline.hpp"
#include "bk/text.hpp"
#include "bk/write.hpp"
#include "join_internal.hpp"

namespace bk::join {

// ---- field checks ----------------------------------------------------------------

Kind kind_of(Type t) {
  switch (t) {
    case Type::Null: return Kind::None;
    case Type::Int64:
    case Type::Float64: return Kind::Number;
    case Type::String: return Kind::Text;
    case Type::Bool: return Kind::Bool;
    case Type::Timestamp: return Kind::Time;
    case Type::Json: return Kind::Json;
  }
  return Kind::None;
}

Error missing_field(const std::string& flag, const std::string& name, const std::string& source,
                    const std::vector<std::string>& names) {
  std::string near = likely_typo_of(name, names);
  if (!near.empty())
    return Error::usage(concat(flag, ": no field '", name, "' in ", source), concat("did you mean '", near, "'?"));
  std::string list;
  for (size_t k = 0; k < names.size() && k < 12; ++k) list += concat(k ? ", " : "", names[k]);
  if (names.size() > 12) list += ", ...";
  return Error::usage(concat(flag, ": no field '", name, "' in ", source),
                      concat(names.empty() ? "it has no fields" : concat("its fields: ", list),
                             "; where the two inputs name it differently: ", flag, " LEFT=RIGHT"));
}

std::vector<std::string> checked_fields(const Spec& spec, Side s, std::vector<std::string>* flags) {
  std::vector<std::string> fields;
  for (const auto& k : spec.keys) {
    fields.push_back(k.of(s));
    if (flags) flags->push_back("--on");
  }
  if (spec.asof) {
    fields.push_back(spec.asof->of(s));
    if (flags) flags->push_back("--asof");
  }
  return fields;
}

void FieldPresence::check_typos(const Batch& b) const {
  for (size_t k = 0; k < fields_.size(); ++k)
    if (b.find(fields_[k]) < 0 && !likely_typo_of(fields_[k], b.names).empty())
      throw missing_field(flags_[k], fields_[k], b.source, b.names);
}

void FieldPresence::add(bool first_block, const std::string& source, int64_t rows,
                        const std::vector<std::string>& names) {
  if (first_block) {
    check();
    std::fill(seen_.begin(), seen_.end(), false);
    names_.clear();
    known_.clear();
    rows_ = 0;
    source_ = source;
  }
  rows_ += rows;
  for (const auto& n : names) {
    if (n == kTimeColumn || !known_.insert(n).second) continue;
    names_.push_back(n);
    for (size_t k = 0; k < fields_.size(); ++k) seen_[k] = seen_[k] || fields_[k] == n;
  }
}

void FieldPresence::check() {
  if (rows_ == 0) return;  // an input without records has no fields to miss
  for (size_t k = 0; k < fields_.size(); ++k)
    if (!seen_[k]) throw missing_field(flags_[k], fields_[k], source_, names_);
}

// ---- as-of times -----------------------------------------------------------------

TimeMode time_mode_of(Type t, const std::string& field, const std::string& source) {
  switch (t) {
    case Type::Null: return TimeMode::Unknown;
    case Type::Timestamp:
    case Type::String: return TimeMode::Time;
    case Type::Int64:
    case Type::Float64: return TimeMode::Number;
    default:
      throw Error::usage(concat("--asof: ", field, " is ", type_name(t), " in ", source, ", not a time"),
                         "the as-of field holds timestamps, RFC 3339 texts, or numbers (on both sides)");
  }
}

void fail_at_row(Batch& b, int64_t i, Error e) {
  int64_t line = line_of(b, i);
  truncate_rows(b, i);
  b.error = std::make_exception_ptr(std::move(e).at(b.source, line));
}

Column time_column(Batch& b, int64_t col, TimeMode mode, const Spec& spec) {
  const Column& c = b.columns[col];
  Column out;
  out.type = mode == TimeMode::Time ? Type::Timestamp : Type::Float64;
  out.valid = c.valid;
  const int64_t n = c.size();
  if (mode == TimeMode::Number) {
    if (c.type == Type::Float64) {
      out.floats = c.floats;
    } else {
      out.floats.resize(n);
      for (int64_t i = 0; i < n; ++i) out.floats[i] = static_cast<double>(c.ints[i]);
    }
    // NaN is no time: it is before nothing and after nothing, so it matches nothing.
    for (int64_t i = 0; i < n; ++i)
      if (out.valid.get(i) && std::isnan(out.floats[i])) out.valid.set(i, false);
    return out;
  }
  if (c.type == Type::Timestamp) {
    out.ints = c.ints;
    return out;
  }
  out.ints.assign(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (!c.valid.get(i) || parse_timestamp(c.str(i), spec.zone(), out.ints[i])) continue;
    const std::string& name = b.names[col];
    Error e(concat(name, ": '", sanitize_utf8(c.str(i).substr(0, 64)), "' is not a time"),
            concat("write RFC 3339 (2026-03-01T12:00:00Z), or leave such records out first: bk-cat --where "
                   "'parse_time(",
                   name, ") is not null'"));
    fail_at_row(b, i, std::move(e));
    out.ints.resize(i);
    out.valid.resize(i, false);
    return out;
  }
  return out;
}

namespace {

// ---- reading the build side ------------------------------------------------------

// The records of the build side, appended batch by batch (in input order): one
// column per field, null where a batch lacks the field.
class RowStore {
 public:
  explicit RowStore(Batch& rows) : rows_(rows) {}

  void append(Batch& b) {
    if (rows_.time_field < 0 && b.time_field >= 0) time_name_ = b.names[b.time_field];
    std::vector<bool> filled(rows_.columns.size(), false);
    for (size_t k = 0; k < b.names.size(); ++k) {
      size_t c = column(b.names[k]);
      if (c >= filled.size()) filled.resize(c + 1, false);
      append_rows(rows_.columns[c], b.columns[k]);
      filled[c] = true;
    }
    for (size_t c = 0; c < rows_.columns.size(); ++c)
      if (!filled[c])
        for (int64_t i = 0; i < b.rows; ++i) rows_.columns[c].append_null();
    rows_.rows += b.rows;
    if (rows_.time_field < 0 && !time_name_.empty()) rows_.time_field = static_cast<int>(rows_.find(time_name_));
  }

 private:
  size_t column(const std::string& name) {
    auto it = index_.find(name);
    if (it != index_.end()) return it->second;
    rows_.add_column(name, Column::nulls(rows_.rows));
    index_.emplace(name, rows_.columns.size() - 1);
    return rows_.columns.size() - 1;
  }

  Batch& rows_;
  std::unordered_map<std::string, size_t> index_;
  std::string time_name_;
};

// The types the keys and the as-of time were seen with, batch by batch in input
// order: a side whose key holds numbers in one place and texts in another is an error
// (the reader widens a mix within one block to text, so it would match by block).
void check_types(BuildTable& t, const Spec& spec, const Batch& b) {
  auto see = [&](SeenType& seen, const std::string& field, const std::string& flag) {
    int64_t c = b.find(field);
    if (c < 0 || b.columns[c].type == Type::Null) return;
    Type ty = b.columns[c].type;
    if (seen.type == Type::Null) {
      seen = {ty, b.source};
      return;
    }
    if (seen.kind() == kind_of(ty)) return;
    throw Error(concat(flag, " ", field, ": ", type_name(ty), " here but ", type_name(seen.type),
                       seen.source == b.source ? " before" : concat(" in ", seen.source), ", both of the ",
                       side_name(t.side), " input"),
                concat("the records of one input must agree on the key's type; convert them first, e.g. bk-cat ",
                       b.source, " --set '", field, " = to_string(", field, ")'"))
        .at(b.source);
  };
  for (size_t k = 0; k < spec.keys.size(); ++k) see(t.key_types[k], spec.keys[k].of(t.side), "--on");
  // As-of times: timestamps and texts are times alike; numbers are the other mode.
  int64_t c = spec.asof ? b.find(spec.asof->of(t.side)) : -1;
  if (c < 0 || b.columns[c].type == Type::Null) return;
  Type ty = b.columns[c].type;
  TimeMode m = time_mode_of(ty, spec.asof->of(t.side), b.source);
  if (t.mode == TimeMode::Unknown) {
    t.mode = m;
    t.time_type = {ty, b.source};
  } else if (t.mode != m) {
    const std::string& field = spec.asof->of(t.side);
    throw Error(concat("--asof ", field, ": ", type_name(ty), " here but ", type_name(t.time_type.type),
                       t.time_type.source == b.source ? " before" : concat(" in ", t.time_type.source),
                       ", and times and numbers do not compare"),
                "give the as-of field one kind of value: timestamps or RFC 3339 texts, or numbers")
        .at(b.source);
  }
}

// ---- the index -------------------------------------------------------------------

constexpr int64_t kChunkRows = 1 << 16;

// The entries of one chunk of keys ordered by partition (a stable counting sort).
struct ChunkKeys {
  KeyRows keys;
  std::vector<uint32_t> order;  // key numbers, partition by partition
  std::vector<uint32_t> start;  // partition p's keys: order[start[p], start[p + 1])

  void sort_by_partition() {
    start.assign(kKeyPartitions + 1, 0);
    for (uint64_t h : keys.hashes) ++start[key_partition(h) + 1];
    for (size_t p = 0; p < kKeyPartitions; ++p) start[p + 1] += start[p];
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    order.resize(keys.size());
    for (size_t j = 0; j < keys.size(); ++j) order[fill[key_partition(keys.hashes[j])]++] = static_cast<uint32_t>(j);
  }
};

// Leaves out the keys of rows whose as-of time is null: they never match.
void drop_null_times(KeyRows& keys, const Column& time) {
  KeyRows kept;
  for (size_t j = 0; j < keys.size(); ++j) {
    if (!time.valid.get(keys.rows[j])) continue;
    kept.rows.push_back(keys.rows[j]);
    kept.buf.append(keys.key(j));
    kept.ends.push_back(static_cast<uint32_t>(kept.buf.size()));
    kept.hashes.push_back(keys.hashes[j]);
  }
  keys = std::move(kept);
}

// Partition p's index: its keys in row order, then each key's records.
void build_part(BuildTable::Part& part, size_t p, const std::vector<ChunkKeys>& chunks, const Column* time) {
  std::vector<uint32_t> ids, rows;
  for (const auto& c : chunks)
    for (uint32_t e = c.start[p]; e < c.start[p + 1]; ++e) {
      uint32_t j = c.order[e];
      ids.push_back(part.index.find_or_add(c.keys.hashes[j], c.keys.key(j)));
      rows.push_back(c.keys.rows[j]);
    }
  part.start.assign(part.index.size() + 1, 0);
  for (uint32_t id : ids) ++part.start[id + 1];
  for (size_t id = 0; id < part.index.size(); ++id) part.start[id + 1] += part.start[id];
  std::vector<uint32_t> fill(part.start.begin(), part.start.end() - 1);
  part.rows.resize(rows.size());
  for (size_t e = 0; e < rows.size(); ++e) part.rows[fill[ids[e]]++] = rows[e];
  if (!time) return;
  // As-of: each key's records by time; ties keep input order.
  for (size_t id = 0; id < part.index.size(); ++id) {
    auto first = part.rows.begin() + part.start[id], last = part.rows.begin() + part.start[id + 1];
    if (time->type == Type::Timestamp)
      std::stable_sort(first, last, [&](uint32_t a, uint32_t b) { return time->ints[a] < time->ints[b]; });
    else
      std::stable_sort(first, last, [&](uint32_t a, uint32_t b) { return time->floats[a] < time->floats[b]; });
  }
  if (time->type == Type::Timestamp) {
    part.times.resize(part.rows.size());
    for (size_t e = 0; e < part.rows.size(); ++e) part.times[e] = time->ints[part.rows[e]];
  } else {
    part.numbers.resize(part.rows.size());
    for (size_t e = 0; e < part.rows.size(); ++e) part.numbers[e] = time->floats[part.rows[e]];
  }
}

void build_index(BuildTable& t, const Spec& spec, const Column* time) {
  const int64_t n = t.rows.rows;
  std::vector<Column> nulls;  // a key field no record has
  std::vector<const Column*> cols;
  nulls.reserve(spec.keys.size());
  for (const auto& k : spec.keys) {
    int64_t c = t.rows.find(k.of(t.side));
    if (c >= 0) {
      cols.push_back(&t.rows.columns[c]);
    } else {
      nulls.push_back(Column::nulls(n));
      cols.push_back(&nulls.back());
    }
  }
  std::vector<ChunkKeys> chunks(static_cast<size_t>((n + kChunkRows - 1) / kChunkRows));
  oneapi::tbb::parallel_for(size_t(0), chunks.size(), [&](size_t c) {
    int64_t lo = static_cast<int64_t>(c) * kChunkRows, hi = std::min(n, lo + kChunkRows);
    encode_keys(cols, lo, hi, true, chunks[c].keys);
    if (time) drop_null_times(chunks[c].keys, *time);
    chunks[c].sort_by_partition();
  });
  t.parts.resize(kKeyPartitions);
  oneapi::tbb::parallel_for(size_t(0), kKeyPartitions, [&](size_t p) { build_part(t.parts[p], p, chunks, time); });
}

}  // namespace

BuildTable read_build_side(Context& ctx, const Spec& spec, Side side, const std::vector<InputFile>& inputs,
                           const ReadOptions& read) {
  BuildTable t;
  t.side = side;
  t.key_types.resize(spec.keys.size());
  t.inputs = static_cast<int64_t>(inputs.size());
  std::vector<std::string> flags;
  std::vector<std::string> fields = checked_fields(spec, side, &flags);
  FieldPresence presence(std::move(fields), std::move(flags));
  RowStore store(t.rows);

  PipelineSpec ps;
  ps.map = [&](Batch& b, const RawBlock&) {
    if (b.first_block) presence.check_typos(b);
    if (!spec.asof) return;
    // The as-of times, parsed in parallel.
    int64_t c = b.find(spec.asof->of(side));
    if (c < 0) return;
    TimeMode m = time_mode_of(b.columns[c].type, spec.asof->of(side), b.source);
    if (m != TimeMode::Unknown) b.add_column(kTimeColumn, time_column(b, c, m, spec));
  };
  ps.ordered = [&](Batch& b) {
    presence.add(b.first_block, b.source, b.rows, b.names);
    check_types(t, spec, b);
    store.append(b);
    if (t.rows.rows >= static_cast<int64_t>(kNoRow))
      throw Error(
          concat("the ", side_name(side), " input has more than ", kNoRow - 1, " records, more than bk-join holds"),
          "split both inputs by key (bk-partition) and join the parts")
          .at(b.source);
    // The batch's rows are in the table now; the writer (that writes nothing) gets none.
    b.rows = 0;
    b.names.clear();
    b.columns.clear();
  };
  Output none("");
  NullWriter writer(none);
  run_pipeline(ctx, inputs, read, ps, writer);
  presence.finish();

  // The as-of times leave the table: they are the index's.
  Column time;
  int64_t tc = t.rows.find(kTimeColumn);
  if (tc >= 0) {
    time = std::move(t.rows.columns[tc]);
    t.rows.columns.erase(t.rows.columns.begin() + tc);
    t.rows.names.erase(t.rows.names.begin() + tc);
    if (t.rows.time_field > tc) --t.rows.time_field;
  }
  build_index(t, spec, tc >= 0 ? &time : nullptr);
  return t;
}

}  // namespace bk::join
