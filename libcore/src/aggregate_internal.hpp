// What the parts of bk-aggregate share: the compiled specification (aggregate_spec.cpp),
// the aggregate states (aggregate_states.cpp) and group keys, used by the engine
// (aggregate.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bk/aggregate.hpp"
#include "bk/batch.hpp"
#include "bk/expr.hpp"
#include "bk/key.hpp"
#include "bk/time.hpp"

namespace bk::agg {

// ---- the specification -----------------------------------------------------------

enum class Fn : uint8_t {
  CountStar,
  Count,
  Sum,
  Mean,
  Min,
  Max,
  Var,
  Stddev,
  First,
  Last,
  CountDistinct,
  ApproxDistinct,
  Median,
  Quantile,
  ApproxQuantile
};

// The kinds of state; calls share one state when kind and argument agree
// (sum(x) and mean(x) one exact sum, median(x) and quantile(x, 0.9) one value list).
enum class Kind : uint8_t { Count, Sum, Var, Min, Max, First, Last, Distinct, Hll, Values, Sketch };

Kind kind_of(Fn f);

// A bit per Type, for the types an argument or key was seen with.
inline uint32_t type_bit(Type t) { return 1u << static_cast<int>(t); }
inline bool has_type(uint32_t mask, Type t) { return mask & type_bit(t); }

struct StateSpec {
  Kind kind;
  int arg_index = -1;  // into Spec::args; -1 for count()
};

struct Call {  // one aggregate call in -a or --having
  Fn fn;
  double q = 0.5;      // quantile's fraction
  int state = 0;       // into Spec::states
  std::string hidden;  // the column the finished value takes ("\x01" + number)
  std::string arg;     // the argument's text, for messages
};

struct Arg {  // an argument expression, evaluated once per batch however many states use it
  std::string canon;
  Expr expr;
  std::string text;  // the -a item it came from, and where (for carets)
  size_t pos = 0, len = 0;
  std::string fn;        // the first function given it, for messages
  bool numeric = false;  // some call needs numbers (sum, mean, var, quantiles…)
  std::string field;     // the expression is this field alone (read in place)
};

struct Key {
  std::string name;
  Expr expr;
  bool window = false;  // window_start / window_end: computed from the event time
  std::string field;    // the expression is this field alone (read in place)
};

struct Item {  // one -a item: a name and an expression over keys and finished aggregates
  std::string name;
  Expr expr;
  std::string hidden;  // the expression is this finished aggregate alone (moved, not evaluated)
};

struct Window {
  bool calendar = false;
  int64_t width = 0;  // fixed windows, µs
  TimeUnit unit = TimeUnit::Day;
};

struct Spec {
  std::vector<Key> keys;         // -g, then window_start and window_end
  size_t window_key = SIZE_MAX;  // index of window_start when --window
  std::optional<Window> window;
  std::vector<Arg> args;
  std::vector<StateSpec> states;
  std::vector<Call> calls;
  std::vector<Item> outputs;
  std::optional<Expr> where;
  std::optional<Expr> having;
  bool needs_time = false;  // windows, first(), last()
  std::string time_field;
  std::shared_ptr<const TimeZone> tz;
  ExprOptions eopts;
  // The canonical text that partial files carry and --merge compares.
  std::string canonical;
};

// Compiles the flags; every usage error (unknown function, wrong arguments, an
// aggregate inside --where, a nested aggregate, a field outside any aggregate) is
// thrown here, before any data is read.
Spec compile(const AggregateOptions& o);

// Splits "a, b = f(x, y), c" at the commas outside parentheses and quotes; each part
// with its offset in `text`.
std::vector<std::pair<std::string, size_t>> split_list(const std::string& text);

// ---- group keys (encoded as key.hpp says) -----------------------------------------

// The output type of a key seen with these types.
Type key_output_type(uint32_t mask);

// ---- states ----------------------------------------------------------------------

// What an update sees besides the argument: the event time of each row and its
// position in the input (for first and last).
struct RowInfo {
  const int64_t* time = nullptr;  // µs, per row (null when no call needs it)
  uint64_t ordinal_base = 0;      // the block's seq << 32; a row's ordinal is base + row
};

// One state kind's values for the groups of one table (indexed by group id).
class States {
 public:
  virtual ~States() = default;
  virtual void resize(uint32_t groups) = 0;
  // Adds row[j] of `arg` (null when the state has no argument) to group gid[j], j < n.
  virtual void update(const uint32_t* gid, const uint32_t* row, int64_t n, const Column* arg, const RowInfo& info) = 0;
  // Merges group `src_gid` of `src` (the same kind) into group `gid`.
  virtual void merge(uint32_t gid, const States& src, uint32_t src_gid) = 0;
  // Serialized state of a group (deterministic bytes) and its merge back.
  virtual void save(uint32_t gid, std::string& out) const = 0;
  // `source` orders ties of first/last between partial files (their position on the command line).
  virtual bool load_merge(uint32_t gid, std::string_view& in, uint64_t source) = 0;
  // Asks the cache for a group's state ahead of a finish() (groups are finished in key
  // order, which is not the order of their ids).
  virtual void prefetch(uint32_t /*gid*/) const {}
};

std::unique_ptr<States> make_states(Kind k);

// The finished value of `call` for group `gid`, appended to `out` (whose type is
// result_type's).
void finish(const Call& call, const States& s, uint32_t gid, Column& out);
// The type of a call's result, given the types its argument was seen with.
Type result_type(Fn fn, uint32_t arg_mask);

}  // namespace bk::agg
