// bk-join's driver: the build side into memory, the other side streamed through the
// batch pipeline against it, then the build side's records that no record matched.
//
// Probing is parallel and shares nothing but the build table, which nothing changes
// while the pipeline runs: each batch looks up its keys (prefetching ahead), lists its
// pairs (probe row, build row) in its own row order, each probe record's matches in
// the build side's input order, and gathers the joined batch from the two. The
// records of the build side that matched are marked with relaxed atomic stores (a
// flag only ever goes from 0 to 1), read after the pipeline ends. The pipeline writes
// the batches in input order, so the output never depends on the thread count.
//
// Field names: the key fields appear once, under the left's names; a right field
// whose name the left has gets --suffix. The left's fields are those of its first
// record when the left is streamed (a later left field under a right field's name
// is an error), and all of them when the left is built.
#include "bk/join.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <unordered_set>

#include "bk/error.hpp"
#include "bk/write.hpp"
#include "join_internal.hpp"

namespace bk {

namespace join {
namespace {

constexpr int64_t kRestRows = 8192;  // rows per batch of the build side's unmatched records
constexpr size_t kRestBatches = 16;  // such batches made and written at a time

// What the user typed, for hints that show a command.
struct Command {
  std::string left, right, on;
};

std::string_view kind_words(Kind k) {
  switch (k) {
    case Kind::Number: return "a number";
    case Kind::Text: return "a text";
    case Kind::Bool: return "a bool";
    case Kind::Time: return "a timestamp";
    case Kind::Json: return "a JSON value";
    case Kind::None: break;
  }
  return "a null";
}

// The pairs of one probe batch, in output order: the probe row and the build row of
// each output record (kNoRow: that side has none).
struct Pairs {
  std::vector<uint32_t> probe, build;
  void add(uint32_t p, uint32_t b) {
    probe.push_back(p);
    build.push_back(b);
  }
  bool probe_is_identity(int64_t rows) const {
    if (static_cast<int64_t>(probe.size()) != rows) return false;
    for (size_t k = 0; k < probe.size(); ++k)
      if (probe[k] != k) return false;
    return true;
  }
};

// What the in-order stage needs of a probe batch after it became the joined one.
struct ProbeInfo {
  int64_t rows = 0;
  std::vector<std::string> names;
};

class Joiner {
 public:
  Joiner(const Spec& spec, BuildTable& table, Command cmd)
      : spec_(spec),
        table_(table),
        build_(table.side),
        probe_(other(table.side)),
        cmd_(std::move(cmd)),
        presence_(checked_fields(spec, probe_, nullptr), flags_of(spec)) {
    if (needs_marks()) matched_ = std::vector<std::atomic<uint8_t>>(static_cast<size_t>(table_.rows.rows));
    check_tolerance();
    if (build_ == Side::Left) {
      for (const auto& n : table_.rows.names) left_names_.insert(n);
      left_fixed_ = true;
    }
    for (const auto& k : spec_.keys) {
      left_keys_.push_back(k.left);
      right_keys_.insert(k.right);
    }
  }

  // ---- the probe side, through the pipeline ----

  // Serial, on each raw block as it is read: when the left is streamed, its first
  // record fixes which right fields get the suffix (before any batch is probed).
  void see_block(const RawBlock& raw) {
    if (left_fixed_ || probe_ != Side::Left) return;
    std::vector<std::string> fields;
    if (first_record_fields(raw, fields)) fix_right_names(fields);
  }

  // Parallel: a batch of the probe side becomes the joined batch.
  void probe(Batch& b) {
    pending_.put(b.seq, ProbeInfo{b.rows, b.names});
    if (b.rows == 0) {
      b.names.clear();
      b.columns.clear();
      return;
    }
    if (b.first_block) presence_.check_typos(b);
    if (!left_fixed_) throw Error("internal error: the left's fields are not known at its first record");
    if (probe_ == Side::Left) check_late_fields(b);
    std::optional<Column> time;
    if (spec_.asof) time = probe_times(b);  // may end b early (a text that is no time)
    std::vector<Column> absent;
    auto keys = key_columns(b, absent);
    KeyRows k;
    encode_keys(keys, 0, b.rows, true, k);
    Pairs pairs = match(b, k, time ? &*time : nullptr);
    Batch out = spec_.left_only() ? semi_or_anti(b, pairs) : assemble(b, pairs);
    rows_joined_ += out.rows;
    apply_where(out, b.first_block && (probe_ == Side::Left || !spec_.left_only()));
    b = std::move(out);
  }

  // Serial, in input order, after probe(): the probe side's fields, input by input;
  // the names that went out (for the records written after the probe side).
  void ordered(const Batch& b) {
    auto info = pending_.take(b.seq);
    if (!info) return;
    presence_.add(b.first_block, b.source, info->rows, info->names);
    for (const auto& n : b.names) {
      if (probe_ == Side::Left ? right_out_set_.count(n) : left_names_.count(n)) continue;
      if (probe_names_seen_.insert(n).second) probe_names_.push_back(n);
    }
  }

  // ---- after the probe side ----

  // The build side's records that are written after the probe side: those that
  // matched nothing (right and full joins; left, full and anti when the left is
  // built), or that matched (semi, left built); in the build side's input order.
  int64_t write_rest(Writer& w) {
    presence_.finish();
    if (!left_fixed_) fix_right_names({});
    std::vector<uint32_t> rows = rest_rows();
    int64_t written = 0;
    std::vector<Batch> batches;
    for (size_t lo = 0; lo < rows.size(); lo += kRestRows) {
      size_t n = std::min<size_t>(kRestRows, rows.size() - lo);
      batches.push_back(rest_batch(rows.data() + lo, n));
      rows_joined_ += batches.back().rows;
      apply_where(batches.back(), lo == 0 && !where_checked_ && (spec_.left_only() || !probe_names_.empty()));
      if (batches.size() == kRestBatches || lo + n == rows.size()) {
        written += write_batches(w, batches);
        batches.clear();
      }
    }
    return written;
  }

  int64_t rows_joined() const { return rows_joined_; }
  int64_t rows_filtered() const { return rows_filtered_; }

 private:
  static std::vector<std::string> flags_of(const Spec& spec) {
    std::vector<std::string> flags;
    checked_fields(spec, Side::Left, &flags);
    return flags;
  }

  bool needs_marks() const { return spec_.keeps_unmatched(build_) || (spec_.left_only() && build_ == Side::Left); }

  // --tolerance must read as the build side's times do: a duration, or a number.
  void check_tolerance() const {
    if (spec_.tolerance.empty() || table_.mode == TimeMode::Unknown) return;
    const std::string& field = spec_.asof->right;
    if (table_.mode == TimeMode::Time && !spec_.tolerance_us)
      throw Error::usage(concat("--tolerance ", spec_.tolerance, ": ", field, " holds times in ",
                                table_.time_type.source, ", so the tolerance is a duration"),
                         concat("give its unit: ", spec_.tolerance, "s, ", spec_.tolerance, "ms, ..."));
    if (table_.mode == TimeMode::Number && !spec_.tolerance_number)
      throw Error::usage(concat("--tolerance ", spec_.tolerance, ": ", field, " holds numbers in ",
                                table_.time_type.source, ", so the tolerance is a number"),
                         "give it in the unit of the numbers, without one of its own");
  }

  // ---- names ----

  bool is_left_name(const std::string& n) const { return left_names_.count(n) > 0; }

  // A right field's output name: its own, or with the suffix (again and again) while
  // the left has that name.
  std::string right_out_name(const std::string& n) const {
    std::string out = n;
    while (is_left_name(out)) out += spec_.suffix;
    return out;
  }

  // A suffixed name must not be another right field's.
  void check_suffixed(const std::string& n, const std::string& out, const std::vector<std::string>& right) const {
    if (out != n && std::find(right.begin(), right.end(), out) != right.end())
      throw Error::usage(concat("--suffix ", spec_.suffix, ": the right's field ", n, " becomes ", out,
                                ", and the right has a field of that name too"),
                         "give another suffix, e.g. --suffix _r");
  }

  // The left is streamed: the right fields' names, from the left's first record (and
  // the fields the flags name, which the left has even where its first record lacks them).
  void fix_right_names(const std::vector<std::string>& left_fields) {
    for (const auto& n : left_fields) left_names_.insert(n);
    for (const auto& n : checked_fields(spec_, Side::Left, nullptr)) left_names_.insert(n);
    const auto& names = table_.rows.names;
    right_out_.assign(names.size(), "");
    for (size_t c = 0; c < names.size(); ++c) {
      if (right_keys_.count(names[c])) continue;  // a key: its value is the left's
      right_out_[c] = right_out_name(names[c]);
      check_suffixed(names[c], right_out_[c], names);
      right_out_set_.insert(right_out_[c]);
    }
    left_fixed_ = true;
  }

  // A left field that its first record lacked, under a right field's output name,
  // would be a second field of that name: an error at its first value. Its column
  // leaves the batch (the rows before that value have none); a column of nulls only
  // says nothing and just leaves.
  void check_late_fields(Batch& b) const {
    for (size_t c = 0; c < b.names.size();) {
      const std::string& n = b.names[c];
      if (is_left_name(n) || !right_out_set_.count(n)) {
        ++c;
        continue;
      }
      const Column& col = b.columns[c];
      int64_t row = 0;
      while (row < col.size() && col.is_null(row)) ++row;
      if (row < col.size())
        fail_at_row(
            b, row,
            Error(concat("field '", n, "' is not in the left's first record, and the right's ", n,
                         " has that name in the output"),
                  concat("put \"", n,
                         "\": null in the left's first record, or rename one side's field first with bk-cat --set")));
      if (b.time_field > static_cast<int>(c))
        --b.time_field;
      else if (b.time_field == static_cast<int>(c))
        b.time_field = -1;
      b.names.erase(b.names.begin() + c);
      b.columns.erase(b.columns.begin() + c);
    }
  }

  // ---- probing ----

  // The key columns of a probe batch (a null column where it lacks the field), the
  // types checked against the build side's.
  std::vector<const Column*> key_columns(const Batch& b, std::vector<Column>& absent) const {
    std::vector<const Column*> cols;
    absent.reserve(spec_.keys.size());
    for (size_t k = 0; k < spec_.keys.size(); ++k) {
      int64_t c = b.find(spec_.keys[k].of(probe_));
      if (c < 0) {
        absent.push_back(Column::nulls(b.rows));
        cols.push_back(&absent.back());
        continue;
      }
      check_key_type(b, k, b.columns[c].type);
      cols.push_back(&b.columns[c]);
    }
    return cols;
  }

  void check_key_type(const Batch& b, size_t k, Type t) const {
    const SeenType& built = table_.key_types[k];
    if (t == Type::Null || built.type == Type::Null || kind_of(t) == built.kind()) return;
    const FieldPair& key = spec_.keys[k];
    SeenType probed{t, b.source};
    const SeenType& left = probe_ == Side::Left ? probed : built;
    const SeenType& right = probe_ == Side::Left ? built : probed;
    throw Error::usage(
        concat("--on ", key.left == key.right ? key.left : concat(key.left, "=", key.right), ": ", left.source, " has ",
               type_name(left.type), " ", key.left, ", ", right.source, " ", type_name(right.type), " ", key.right,
               "; ", kind_words(left.kind()), " never equals ", kind_words(right.kind())),
        cast_hint(key, left.kind(), right.kind()));
  }

  // How to give both sides' key one kind: a text the other side's way (a number or
  // bool as text; a text as a timestamp), shown as a command where it can be.
  std::string cast_hint(const FieldPair& key, Kind left, Kind right) const {
    Side side;
    std::string_view fn;
    if (right == Kind::Text && left != Kind::Time)
      side = Side::Left, fn = "to_string";
    else if (left == Kind::Text && right != Kind::Time)
      side = Side::Right, fn = "to_string";
    else if (right == Kind::Time && left == Kind::Text)
      side = Side::Left, fn = "parse_time";
    else if (left == Kind::Time && right == Kind::Text)
      side = Side::Right, fn = "parse_time";
    else
      return "convert both sides to one type first, e.g. to text with bk-cat --set 'F = to_string(F)'";
    const std::string& field = key.of(side);
    std::string set = concat("--set '", field, " = ", fn, "(", field, ")'");
    const std::string& file = side == Side::Left ? cmd_.left : cmd_.right;
    if (cmd_.left == "-" || cmd_.right == "-") return concat("convert one side first: bk-cat ", file, " ", set);
    std::string join = side == Side::Left ? concat("bk-join - ", cmd_.right) : concat("bk-join ", cmd_.left, " -");
    return concat("convert one side first, e.g. bk-cat ", file, " ", set, " -O chunk | ", join, " --on ", cmd_.on,
                  " ...");
  }

  // The probe batch's as-of times, in the build side's mode.
  Column probe_times(Batch& b) const {
    const std::string& field = spec_.asof->left;
    int64_t c = b.find(field);
    if (c < 0) return Column::nulls(b.rows);
    TimeMode m = time_mode_of(b.columns[c].type, field, b.source);
    if (m == TimeMode::Unknown) return Column::nulls(b.rows);
    if (table_.mode != TimeMode::Unknown && m != table_.mode)
      throw Error::usage(
          concat("--asof ", spec_.asof->left == spec_.asof->right ? field : concat(field, "=", spec_.asof->right), ": ",
                 b.source, " has ", type_name(b.columns[c].type), " ", field, ", ", table_.time_type.source, " has ",
                 type_name(table_.time_type.type), " ", spec_.asof->right, ": times and numbers do not compare"),
          "give both sides times (timestamps or RFC 3339 texts), or both numbers");
    return time_column(b, c, m, spec_);
  }

  // Each key's range of build records, looked up ahead of use (prefetching).
  std::vector<BuildTable::Range> look_up(const KeyRows& k) const {
    std::vector<BuildTable::Range> ranges(k.size());
    constexpr size_t kAhead = 8;
    for (size_t j = 0; j < k.size(); ++j) {
      if (j + kAhead < k.size()) {
        uint64_t h = k.hashes[j + kAhead];
        table_.parts[key_partition(h)].index.prefetch(h);
      }
      ranges[j] = table_.find(k.hashes[j], k.key(j));
    }
    return ranges;
  }

  void mark(uint32_t row) {
    auto& m = matched_[row];
    if (m.load(std::memory_order_relaxed) == 0) m.store(1, std::memory_order_relaxed);
  }

  // The as-of match of a probe time: the last entry at or before it, within the
  // tolerance; kNoRow when none.
  uint32_t asof_match(const BuildTable::Range& r, const Column& time, int64_t i) const {
    if (!time.valid.get(i) || r.first == r.last) return kNoRow;
    const BuildTable::Part& p = *r.part;
    if (table_.mode == TimeMode::Number) {
      double t = time.floats[i];
      auto first = p.numbers.begin() + r.first, last = p.numbers.begin() + r.last;
      auto at = std::upper_bound(first, last, t);
      if (at == first) return kNoRow;
      --at;
      if (spec_.tolerance_number && t - *at > *spec_.tolerance_number) return kNoRow;
      return p.rows[at - p.numbers.begin()];
    }
    int64_t t = time.ints[i];
    auto first = p.times.begin() + r.first, last = p.times.begin() + r.last;
    auto at = std::upper_bound(first, last, t);
    if (at == first) return kNoRow;
    --at;
    int64_t back = 0;
    if (spec_.tolerance_us && (__builtin_sub_overflow(t, *at, &back) || back > *spec_.tolerance_us)) return kNoRow;
    return p.rows[at - p.times.begin()];
  }

  Pairs match(const Batch& b, const KeyRows& k, const Column* time) {
    const auto ranges = look_up(k);
    const bool keep_unmatched = spec_.keeps_unmatched(probe_) && !spec_.left_only();
    const bool marks = !matched_.empty();
    Pairs pairs;
    pairs.probe.reserve(b.rows);
    pairs.build.reserve(b.rows);
    size_t j = 0;
    for (int64_t i = 0; i < b.rows; ++i) {
      const auto row = static_cast<uint32_t>(i);
      BuildTable::Range r;
      if (j < k.size() && k.rows[j] == row) r = ranges[j++];
      if (time) {
        pairs.add(row, asof_match(r, *time, i));
        continue;
      }
      if (r.first == r.last) {
        if (keep_unmatched) pairs.add(row, kNoRow);
        continue;
      }
      // Semi and anti need one pair to know a row matched; the left built needs all marked.
      for (uint32_t e = r.first; e < r.last; ++e) {
        uint32_t match = r.part->rows[e];
        if (marks) mark(match);
        if (spec_.left_only() && probe_ == Side::Left) {
          pairs.add(row, match);
          break;
        }
        if (!spec_.left_only()) pairs.add(row, match);
      }
    }
    return pairs;
  }

  // ---- the joined batch ----

  // Semi and anti: the probe batch's left records that matched, or did not.
  Batch semi_or_anti(Batch& b, const Pairs& pairs) const {
    Batch out = empty_like(b);
    if (probe_ == Side::Right) return out;  // the left is built: its records are written after
    std::vector<uint8_t> keep(b.rows, spec_.type == JoinType::Anti);
    for (uint32_t p : pairs.probe) keep[p] = spec_.type == JoinType::Semi;
    filter_rows(b, keep);
    out.names = std::move(b.names);
    out.columns = std::move(b.columns);
    out.rows = b.rows;
    out.lines = std::move(b.lines);
    out.time_field = b.time_field;
    return out;
  }

  // A batch with b's place (for messages and line numbers) and no rows.
  static Batch empty_like(const Batch& b) {
    Batch out;
    out.source = b.source;
    out.first_block = b.first_block;
    out.seq = b.seq;
    out.first_line = b.first_line;
    out.line_count = b.line_count;
    out.error = b.error;
    out.rejects = b.rejects;
    return out;
  }

  // The left's fields, then the right's (but its keys), gathered from the probe batch
  // and the build table.
  Batch assemble(Batch& b, const Pairs& pairs) {
    Batch out = empty_like(b);
    out.rows = static_cast<int64_t>(pairs.probe.size());
    const size_t n = pairs.probe.size();
    const bool identity = pairs.probe_is_identity(b.rows);
    Batch& left = probe_ == Side::Left ? b : table_.rows;
    const Batch& right = probe_ == Side::Left ? table_.rows : b;
    const uint32_t* lidx = probe_ == Side::Left ? pairs.probe.data() : pairs.build.data();
    const uint32_t* ridx = probe_ == Side::Left ? pairs.build.data() : pairs.probe.data();
    const bool move_left = identity && probe_ == Side::Left;
    for (size_t c = 0; c < left.names.size(); ++c) {
      const std::string& name = left.names[c];
      auto key = std::find(left_keys_.begin(), left_keys_.end(), name);
      if (spec_.coalesces_keys() && key != left_keys_.end() && !move_left) {
        int64_t rc = right.find(spec_.keys[key - left_keys_.begin()].right);
        out.add_column(name, coalesce(left.columns[c], lidx, rc < 0 ? nullptr : &right.columns[rc], ridx, n));
      } else {
        out.add_column(name, move_left ? std::move(left.columns[c]) : take_rows(left.columns[c], lidx, n));
      }
      if (left.time_field == static_cast<int>(c)) out.time_field = static_cast<int>(c);
    }
    const bool move_right = identity && probe_ == Side::Right;
    for (size_t c = 0; c < right.names.size(); ++c) {
      std::string name = right_name(right, c);
      if (name.empty()) continue;
      out.add_column(std::move(name), move_right ? std::move(b.columns[c]) : take_rows(right.columns[c], ridx, n));
    }
    if (!b.lines.empty()) {
      out.lines.resize(n);
      for (size_t r = 0; r < n; ++r) out.lines[r] = b.lines[pairs.probe[r]];
    }
    return out;
  }

  // The output name of the right's column c ("" for a key, which is the left's).
  std::string right_name(const Batch& right, size_t c) const {
    if (probe_ == Side::Left) return right_out_[c];
    const std::string& n = right.names[c];
    if (right_keys_.count(n) || n == kTimeColumn) return "";
    std::string out = right_out_name(n);
    check_suffixed(n, out, right.names);
    return out;
  }

  // A key's values from the left, or from the right where the left has none.
  static Column coalesce(const Column& left, const uint32_t* lidx, const Column* right, const uint32_t* ridx,
                         size_t n) {
    Column out;
    for (size_t r = 0; r < n; ++r) {
      if (lidx[r] != kNoRow)
        out.append_from(left, lidx[r]);
      else if (right && ridx[r] != kNoRow)
        out.append_from(*right, ridx[r]);
      else
        out.append_null();
    }
    return out;
  }

  // --where on joined records; checked against the first batch of each input.
  void apply_where(Batch& out, bool check) {
    if (!spec_.where) return;
    if (check) {
      spec_.where->check(out);
      where_checked_ = true;
    }
    int64_t before = out.rows;
    filter_rows(out, spec_.where->eval_filter(out));
    rows_filtered_ += before - out.rows;
  }

  // ---- after the probe side ----

  std::vector<uint32_t> rest_rows() const {
    std::vector<uint32_t> rows;
    const bool semi = spec_.type == JoinType::Semi && build_ == Side::Left;
    if (!semi && !spec_.keeps_unmatched(build_)) return rows;
    for (size_t r = 0; r < matched_.size(); ++r)
      if ((matched_[r].load(std::memory_order_relaxed) != 0) == semi) rows.push_back(static_cast<uint32_t>(r));
    return rows;
  }

  // Build records `rows` with the probe side's fields null (the key under the left's
  // name, from whichever side holds it).
  Batch rest_batch(const uint32_t* rows, size_t n) const {
    Batch out;
    out.rows = static_cast<int64_t>(n);
    const Batch& t = table_.rows;
    if (build_ == Side::Left) {
      for (size_t c = 0; c < t.names.size(); ++c) out.add_column(t.names[c], take_rows(t.columns[c], rows, n));
      out.time_field = t.time_field;
      if (!spec_.left_only())
        for (const auto& name : probe_names_) out.add_column(name, Column::nulls(out.rows));
      return out;
    }
    // The right built: the left's fields (as the left's batches had them), then the right's.
    std::vector<std::string> left = probe_names_;
    for (auto k = left_keys_.rbegin(); k != left_keys_.rend(); ++k)
      if (std::find(left.begin(), left.end(), *k) == left.end()) left.insert(left.begin(), *k);
    for (const auto& name : left) {
      auto key = std::find(left_keys_.begin(), left_keys_.end(), name);
      int64_t rc = key == left_keys_.end() ? -1 : t.find(spec_.keys[key - left_keys_.begin()].right);
      out.add_column(name, rc >= 0 ? take_rows(t.columns[rc], rows, n) : Column::nulls(out.rows));
    }
    for (size_t c = 0; c < t.names.size(); ++c)
      if (!right_out_[c].empty()) out.add_column(right_out_[c], take_rows(t.columns[c], rows, n));
    return out;
  }

  const Spec& spec_;
  BuildTable& table_;
  const Side build_, probe_;
  const Command cmd_;
  FieldPresence presence_;
  std::vector<std::atomic<uint8_t>> matched_;  // per build record: matched (when needed)

  // Names. The left's (all of them when built; its first record's when streamed).
  std::unordered_set<std::string> left_names_;
  std::atomic<bool> left_fixed_{false};
  std::vector<std::string> left_keys_;
  std::unordered_set<std::string> right_keys_;
  std::vector<std::string> right_out_;  // the right built: each column's output name ("" a key)
  std::unordered_set<std::string> right_out_set_;
  std::vector<std::string> probe_names_;  // the probe side's fields as they went out, in order
  std::unordered_set<std::string> probe_names_seen_;

  SeqMap<ProbeInfo> pending_;
  std::atomic<int64_t> rows_joined_{0}, rows_filtered_{0};
  std::atomic<bool> where_checked_{false};
};

// The side to hold in memory: the right, unless --build says otherwise or the left
// is known to be smaller (both are files; as-of joins always build the right).
Side choose_build_side(const Spec& spec, const std::vector<InputFile>& left, const std::vector<InputFile>& right) {
  if (spec.build != BuildChoice::Auto) return spec.build == BuildChoice::Left ? Side::Left : Side::Right;
  if (spec.type == JoinType::Asof) return Side::Right;
  auto bytes = [](const std::vector<InputFile>& in) {
    int64_t total = 0;
    for (const auto& f : in) {
      if (f.size < 0) return int64_t(-1);
      total += f.size;
    }
    return total;
  };
  int64_t l = bytes(left), r = bytes(right);
  return l >= 0 && r >= 0 && l < r ? Side::Left : Side::Right;
}

}  // namespace
}  // namespace join

void run_join(Context& ctx, const JoinOptions& opts) {
  using namespace join;
  // Flags first, then the inputs named, before anything is read.
  Spec spec = compile(opts);
  if (opts.left == "-" && opts.right == "-")
    throw Error::usage("both inputs are standard input; one of them must be a file or a directory",
                       "save one side first, e.g. bk-cat -O chunk -o right.bkc");
  if (opts.output_format == Format::Chunk && stdout_is_terminal(opts.output))
    throw Error::usage("refusing to write binary chunk data to a terminal",
                       "redirect it to a file or a pipe, or use -o FILE");
  std::vector<InputFile> left = expand_inputs({opts.left}), right = expand_inputs({opts.right});
  const Side build = choose_build_side(spec, left, right);

  // The build side, whole, into memory.
  BuildTable table = read_build_side(ctx, spec, build, build == Side::Left ? left : right, opts.read);
  const int64_t build_bytes = ctx.counters.bytes_read, build_rows = table.rows.rows;

  // The other side, streamed against it.
  Output out(opts.output);
  WriteOptions wopts;
  wopts.codec = chunk_codec(opts.codec, out);
  auto writer = make_writer(opts.output_format, out, wopts);
  Joiner joiner(spec, table, {opts.left, opts.right, opts.on});
  PipelineSpec ps;
  ps.read = [&](const RawBlock& raw) { joiner.see_block(raw); };
  ps.map = [&](Batch& b, const RawBlock&) { joiner.probe(b); };
  ps.ordered = [&](Batch& b) { joiner.ordered(b); };
  ps.finish = false;
  const int64_t rows_before = ctx.counters.rows_in;
  run_pipeline(ctx, build == Side::Left ? right : left, opts.read, ps, *writer);
  const int64_t probe_rows = ctx.counters.rows_in - rows_before;

  // The build side's records that go after: unmatched (outer joins), or matched (semi).
  int64_t rows_out = ctx.counters.rows_out + joiner.write_rest(*writer);
  writer->finish();
  out.commit();
  ctx.counters.bytes_read += build_bytes;
  if (!opts.stats.empty()) {
    const int64_t left_rows = build == Side::Left ? build_rows : probe_rows;
    const int64_t right_rows = build == Side::Left ? probe_rows : build_rows;
    write_run_stats(ctx, opts.stats,
                    concat("\"type\":\"", join_type_name(spec.type), "\",\"build\":\"", side_name(build),
                           "\",\"rows_left\":", left_rows, ",\"rows_right\":", right_rows,
                           ",\"rows_joined\":", joiner.rows_joined(), ",\"rows_filtered\":", joiner.rows_filtered(),
                           ",\"rows_out\":", rows_out));
  }
}

}  // namespace bk
