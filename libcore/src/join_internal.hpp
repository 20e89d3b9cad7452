// What the parts of bk-join share: the compiled flags (join_spec.cpp), the in-memory
// table of the build side and how fields are checked (join_build.cpp), used by the
// driver (join.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bk/batch.hpp"
#include "bk/expr.hpp"
#include "bk/join.hpp"
#include "bk/key.hpp"
#include "bk/time.hpp"

namespace bk::join {

// ---- the specification -----------------------------------------------------------

enum class JoinType { Inner, Left, Right, Full, Semi, Anti, Asof };
enum class Side { Left = 0, Right = 1 };
inline Side other(Side s) { return s == Side::Left ? Side::Right : Side::Left; }
inline std::string_view side_name(Side s) { return s == Side::Left ? "left" : "right"; }

// A field on each side: a key of --on, or the time of --asof.
struct FieldPair {
  std::string left, right;
  const std::string& of(Side s) const { return s == Side::Left ? left : right; }
};

enum class BuildChoice { Auto, Left, Right };

struct Spec {
  JoinType type = JoinType::Inner;
  std::vector<FieldPair> keys;
  std::optional<FieldPair> asof;
  // --tolerance, as whichever reading the text allows: a duration (µs) for times, a
  // number for numeric times; the as-of field's values decide which applies.
  std::string tolerance;
  std::optional<int64_t> tolerance_us;
  std::optional<double> tolerance_number;
  std::string suffix = "_right";
  BuildChoice build = BuildChoice::Auto;
  std::optional<Expr> where;
  std::shared_ptr<const TimeZone> tz;  // null: UTC

  // Whether the records of a side that match nothing are written (with nulls).
  bool keeps_unmatched(Side s) const {
    if (s == Side::Left)
      return type == JoinType::Left || type == JoinType::Full || type == JoinType::Asof || type == JoinType::Anti;
    return type == JoinType::Right || type == JoinType::Full;
  }
  // Semi and anti joins write left records only, without the right's fields.
  bool left_only() const { return type == JoinType::Semi || type == JoinType::Anti; }
  // The key's value comes from whichever side has it (right and full joins).
  bool coalesces_keys() const { return type == JoinType::Right || type == JoinType::Full; }
  const TimeZone& zone() const { return tz ? *tz : TimeZone::utc(); }
};

// Compiles the flags; every usage error (a bad --type, --on, --asof, --tolerance,
// --build, --suffix or --where) is thrown here, before any data is read.
Spec compile(const JoinOptions& o);
std::string_view join_type_name(JoinType t);

// ---- field checks ----------------------------------------------------------------

// The kinds of values that can equal each other: int64 5 equals float64 5.0, but a
// number never equals a text, whatever the text reads as.
enum class Kind : uint8_t { None, Number, Text, Bool, Time, Json };
Kind kind_of(Type t);

// The type a key (or the as-of time) was first seen with on one side, and where.
struct SeenType {
  Type type = Type::Null;
  std::string source;
  Kind kind() const { return kind_of(type); }
};

// Whether each input had the fields it must have (the keys, the as-of time), checked
// when the input ends: a field that no record of an input has is a mistake (a typo,
// or --on names the other side's field). Fed in input order (the pipeline's ordered
// stage); `fields` are the flags' names on this side, `flag` says which flag each is of.
class FieldPresence {
 public:
  FieldPresence(std::vector<std::string> fields, std::vector<std::string> flags)
      : fields_(std::move(fields)), flags_(std::move(flags)), seen_(fields_.size(), false) {}
  // The first block of an input: a field missing where one a typo away is there is
  // reported at once (any thread).
  void check_typos(const Batch& b) const;
  // One batch of the input (its place, rows and fields); throws for the input
  // before when the batch starts another.
  void add(bool first_block, const std::string& source, int64_t rows, const std::vector<std::string>& names);
  // After the last batch: throws for the last input.
  void finish() { check(); }

 private:
  void check();
  std::vector<std::string> fields_, flags_;
  std::vector<bool> seen_;
  std::vector<std::string> names_;  // every field of the current input, in order
  std::unordered_set<std::string> known_;
  std::string source_;
  int64_t rows_ = 0;
};

// "--on: no field 'devce' in devices.ndjson (did you mean 'device'?)": a usage error.
Error missing_field(const std::string& flag, const std::string& name, const std::string& source,
                    const std::vector<std::string>& names);

// The name of `flag` for the key or time field `k` of a side.
std::vector<std::string> checked_fields(const Spec& spec, Side s, std::vector<std::string>* flags);

// ---- the build side --------------------------------------------------------------

// As-of times compare as timestamps (µs; RFC 3339 texts are parsed) or as numbers,
// by the build side's values.
enum class TimeMode { Unknown, Time, Number };

// The build side, whole: its records in one batch (one column per field, its type
// the widest over all records), and its keys in hash partitions, each key with its
// records in input order (as-of: ordered by time, ties in input order).
struct BuildTable {
  Side side = Side::Right;
  Batch rows;
  std::vector<SeenType> key_types;  // per key of --on
  SeenType time_type;               // the as-of field
  TimeMode mode = TimeMode::Unknown;
  int64_t inputs = 0;

  struct Part {
    KeyIndex index;
    std::vector<uint32_t> start;  // key id -> its first entry in rows; start[size] = rows.size()
    std::vector<uint32_t> rows;   // record numbers, grouped by key
    std::vector<int64_t> times;   // as-of, Time mode: the time of each entry of rows
    std::vector<double> numbers;  // as-of, Number mode
  };
  std::vector<Part> parts;

  // The entries [first, last) of the records whose key is `key` (hash h); first ==
  // last when none has it. Entries index Part::rows (and times / numbers).
  struct Range {
    const Part* part = nullptr;
    uint32_t first = 0, last = 0;
  };
  Range find(uint64_t h, std::string_view key) const {
    const Part& p = parts[key_partition(h)];
    int64_t id = p.index.find(h, key);
    if (id < 0) return {&p, 0, 0};
    return {&p, p.start[id], p.start[id + 1]};
  }
};

// Reads the inputs of the build side into the table (the pipeline with a writer that
// writes nothing), checking fields, key types and as-of times as it goes.
BuildTable read_build_side(Context& ctx, const Spec& spec, Side side, const std::vector<InputFile>& inputs,
                           const ReadOptions& read);

// Hidden columns the build side carries while it is read.
inline const std::string kTimeColumn = "\x01time";

// The mode an as-of field of this type asks for (Unknown for null); a usage error for
// a type that is no time (bool, json), naming the field and the input.
TimeMode time_mode_of(Type t, const std::string& field, const std::string& source);
// Column `col` of b as the mode reads it: timestamps (texts parsed, in --tz when they
// have no offset) or float64 numbers (NaN as null). A text that is not a time ends b there (see
// fail_at_row). The column's type must fit the mode (time_mode_of).
Column time_column(Batch& b, int64_t col, TimeMode mode, const Spec& spec);

// Block-relative line of row i (0 when the reader gives none).
inline int64_t line_of(const Batch& b, int64_t i) { return static_cast<int64_t>(b.lines.size()) > i ? b.lines[i] : 0; }
// Ends b at row i with `e` (at the row's line): the rows before it are joined and
// written, then the error stands, as for a record that does not parse.
void fail_at_row(Batch& b, int64_t i, Error e);

}  // namespace bk::join
