// bk-aggregate's engine: hash tables of group states, one per hash partition, filled
// by the batch pipeline under each partition's lock; then the groups sorted by key and
// finished.
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_sort.h>
#include <oneapi/tbb/spin_mutex.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>

#include "aggregate_internal.hpp"
#include "bk/error.hpp"
#include "bk/event_time.hpp"
#include "bk/text.hpp"
#include "bk/write.hpp"
#include "expr_internal.hpp"

namespace bk {

namespace agg {
namespace {

constexpr size_t kPartitions = kKeyPartitions;  // each a table with its own lock
constexpr int64_t kOutputRows = 8192;           // groups per output batch
const char* const kMetaColumn = "_bk_partial";
const char* const kKeyColumn = "_key";

struct Ref {  // a group of the result: its partition and id there
  uint32_t part, gid;
};

// The groups of one hash partition and their states. Batches update the partitions
// under their locks, each batch its rows of one partition at a time; states merge
// independently of order, so which thread comes first never shows.
struct Table {
  explicit Table(const Spec& spec) {
    for (const auto& s : spec.states) states.push_back(make_states(s.kind));
  }
  uint32_t groups() const { return index.size(); }
  std::string_view key(uint32_t g) const { return index.key(g); }
  void resize_states() {
    for (auto& s : states) s->resize(groups());
  }

  KeyIndex index;
  std::vector<std::unique_ptr<States>> states;
  oneapi::tbb::spin_mutex lock;
};

// The types each key and argument was seen with: per batch while reading (the
// in-order stage adds them up, so a conflict is reported at the first batch that has
// it), and for the whole run.
struct Masks {
  std::vector<uint32_t> keys, args;
  explicit Masks(const Spec& spec) : keys(spec.keys.size(), 0), args(spec.args.size(), 0) {}
  Masks() = default;
  void add(const Masks& o) {
    for (size_t k = 0; k < keys.size(); ++k) keys[k] |= o.keys[k];
    for (size_t k = 0; k < args.size(); ++k) args[k] |= o.args[k];
  }
};

std::string masks_json(const Masks& m) {
  std::string s = ",\"key_types\":[";
  for (size_t k = 0; k < m.keys.size(); ++k) s += concat(k ? "," : "", m.keys[k]);
  s += "],\"arg_types\":[";
  for (size_t k = 0; k < m.args.size(); ++k) s += concat(k ? "," : "", m.args[k]);
  return s + "]";
}

bool is_number(Type t) { return t == Type::Int64 || t == Type::Float64; }

// A group to write: the first 24 bytes of its key as three big-endian words, and where
// the group is.
struct Sortable {
  uint64_t w[3];
  Ref ref;
};

inline unsigned byte_at(const Sortable& s, int d) { return (s.w[d >> 3] >> (56 - 8 * (d & 7))) & 0xFF; }

// Most-significant-byte radix sort of a[0, n) from key byte d on (bytes all share
// before d), `tmp` as scratch; small ranges, and ties in all 24 bytes, by `less`.
template <typename Less>
void radix_sort(Sortable* a, Sortable* tmp, size_t n, int d, const Less& less) {
  while (true) {
    if (n < 64 || d == 24) {
      std::sort(a, a + n, less);
      return;
    }
    size_t count[256] = {0};
    for (size_t i = 0; i < n; ++i) ++count[byte_at(a[i], d)];
    if (count[byte_at(a[0], d)] == n) {  // a common byte: on to the next one
      ++d;
      continue;
    }
    size_t start[257];
    start[0] = 0;
    for (int b = 0; b < 256; ++b) start[b + 1] = start[b] + count[b];
    size_t fill[256];
    std::copy(start, start + 256, fill);
    for (size_t i = 0; i < n; ++i) tmp[fill[byte_at(a[i], d)]++] = a[i];
    std::copy(tmp, tmp + n, a);
    auto bucket = [&](int b) {
      size_t lo = start[b], hi = start[b + 1];
      if (hi - lo > 1) radix_sort(a + lo, tmp + lo, hi - lo, d + 1, less);
    };
    if (n >= 16384)  // large buckets sort in parallel
      oneapi::tbb::parallel_for(0, 256, bucket);
    else
      for (int b = 0; b < 256; ++b) bucket(b);
    return;
  }
}

template <typename Less>
void sort_keys(std::vector<Sortable>& v, const Less& less) {
  std::vector<Sortable> tmp(v.size());
  radix_sort(v.data(), tmp.data(), v.size(), 0, less);
}

class Engine {
 public:
  Engine(const Spec& spec, const AggregateOptions& o) : spec_(spec), opts_(o), total_(spec) {
    for (size_t p = 0; p < kPartitions; ++p) parts_.push_back(std::make_unique<Table>(spec_));
  }

  // ---- reading records ----

  // Parallel: one batch of records into the tables. A record error (no event time)
  // is set in b.error, to be reported in input order, and the batch left out.
  void add_records(Batch& b) {
    Masks m(spec_);
    if (spec_.where) {
      if (b.first_block) spec_.where->check(b);
      int64_t before = b.rows;
      filter_rows(b, spec_.where->eval_filter(b));
      filtered_ += before - b.rows;
    }
    // The event time, where windows or first/last need it.
    std::vector<int64_t> time;
    if (spec_.needs_time && !event_time(b, time)) return;

    const int64_t n = b.rows;
    // Keys and arguments: a field is read in place, an expression evaluated.
    std::vector<Column> owned(spec_.keys.size() + spec_.args.size());
    auto value_of = [&](const Expr& e, const std::string& field, Column& own) -> const Column* {
      if (b.first_block) e.check(b);
      int64_t k = field.empty() ? -1 : b.find(field);
      if (k >= 0) return &b.columns[k];
      own = e.eval(b);
      return &own;
    };
    std::vector<const Column*> kcols(spec_.keys.size());
    for (size_t k = 0; k < spec_.keys.size(); ++k) {
      const Key& key = spec_.keys[k];
      if (key.window) {
        owned[k] = window_column(time, k != spec_.window_key);
        kcols[k] = &owned[k];
      } else {
        kcols[k] = value_of(key.expr, key.field, owned[k]);
      }
      if (kcols[k]->type != Type::Null) m.keys[k] |= type_bit(kcols[k]->type);
    }
    std::vector<const Column*> acols(spec_.args.size());
    for (size_t a = 0; a < spec_.args.size(); ++a) {
      const Arg& arg = spec_.args[a];
      acols[a] = value_of(arg.expr, arg.field, owned[spec_.keys.size() + a]);
      Type t = acols[a]->type;
      if (arg.numeric && t != Type::Null && !is_number(t)) {
        std::string where = b.source.empty() ? "" : concat(" in ", b.source);
        throw Error::usage(concat("-a: ", arg.fn, "() needs numbers, but ", arg.canon, " is ", type_name(t), where),
                           t == Type::String      ? concat("convert it: ", arg.fn, "(to_float(", arg.canon, "))")
                           : t == Type::Timestamp ? concat("use epoch_s(", arg.canon, ") for seconds")
                                                  : "aggregate numbers only")
            .detail(caret_lines(arg.text, arg.pos, arg.len));
      }
      if (t != Type::Null) m.args[a] |= type_bit(t);
    }

    RowInfo info;
    info.time = time.empty() ? nullptr : time.data();
    info.ordinal_base = static_cast<uint64_t>(b.seq) << 32;
    KeyRows keys;
    encode_keys(kcols, 0, n, false, keys);
    std::vector<const Column*> args(spec_.states.size());
    for (size_t s = 0; s < spec_.states.size(); ++s) {
      int a = spec_.states[s].arg_index;
      args[s] = a < 0 ? nullptr : acols[a];
    }
    by_partition(keys, b.seq, [&](Table& t, const uint32_t* rows, const uint32_t* gid, int64_t count) {
      for (size_t s = 0; s < spec_.states.size(); ++s) t.states[s]->update(gid, rows, count, args[s], info);
    });
    pending_.put(b.seq, std::move(m));
  }

  // Parallel: one batch of a partial file (--merge) into the tables. Ties of
  // first/last between partial files go by the block's place in the input (b.seq):
  // each group is in one block of a partial file, so concatenated files work too.
  void add_partial(Batch& b) {
    Masks m(spec_);
    const auto source = static_cast<uint64_t>(b.seq);
    int64_t meta = b.find(kMetaColumn), keyc = b.find(kKeyColumn);
    auto damaged = [&](const std::string& what) {
      return Error(concat("not a partial file of bk-aggregate, or a damaged one: ", what),
                   "make partial files with bk-aggregate --partial, and merge them unchanged")
          .at(b.source);
    };
    if (meta < 0 || keyc < 0) throw damaged(concat("no ", meta < 0 ? kMetaColumn : kKeyColumn, " field"));
    const Column& mc = b.columns[meta];
    const Column& kc = b.columns[keyc];
    // The specification first: a file of another command is named as such.
    for (int64_t i = 0; i < b.rows; ++i) {
      if (mc.type == Type::Null || !mc.valid.get(i)) continue;
      Masks fm;
      std::string spec = read_meta(mc.str(i), b.source, fm);
      if (spec != spec_.canonical) differs(b.source, spec);
      m.add(fm);
    }
    std::vector<const Column*> scols;
    for (size_t s = 0; s < spec_.states.size(); ++s) {
      int64_t c = b.find(concat("_s", s));
      if (c < 0) throw damaged(concat("no _s", s, " field"));
      scols.push_back(&b.columns[c]);
    }
    KeyRows keys;
    keys.ends.reserve(b.rows);
    for (int64_t i = 0; i < b.rows; ++i) {
      if (mc.type != Type::Null && mc.valid.get(i)) continue;  // the specification
      if (kc.type != Type::String || !kc.valid.get(i)) throw damaged("a group without a key");
      for (const Column* c : scols)
        if (c->type != Type::String || !c->valid.get(i)) throw damaged("a group without its state");
      keys.rows.push_back(static_cast<uint32_t>(i));
      keys.buf.append(kc.str(i));
      keys.ends.push_back(static_cast<uint32_t>(keys.buf.size()));
    }
    keys.hash_all();
    std::exception_ptr error;
    by_partition(keys, b.seq, [&](Table& t, const uint32_t* rows, const uint32_t* gid, int64_t count) {
      for (int64_t j = 0; j < count && !error; ++j)
        for (size_t s = 0; s < scols.size(); ++s) {
          std::string_view blob = scols[s]->str(rows[j]);
          if (!t.states[s]->load_merge(gid[j], blob, source) || !blob.empty()) {
            error = std::make_exception_ptr(damaged(concat("state _s", s)));
            break;
          }
        }
    });
    if (error) std::rethrow_exception(error);
    pending_.put(b.seq, std::move(m));
  }

  // Serial, in input order: the types seen so far; a conflict is an error here.
  void check_masks(const Batch& b) {
    std::optional<Masks> m = pending_.take(b.seq);
    if (!m) return;
    total_.add(*m);
    for (size_t s = 0; s < spec_.states.size(); ++s) {
      Kind k = spec_.states[s].kind;
      if (k != Kind::Min && k != Kind::Max) continue;
      uint32_t mask = total_.args[spec_.states[s].arg_index];
      int categories = 0;
      for (uint32_t group : {type_bit(Type::Bool), type_bit(Type::Int64) | type_bit(Type::Float64),
                             type_bit(Type::Timestamp), type_bit(Type::String) | type_bit(Type::Json)})
        categories += (mask & group) != 0;
      if (categories > 1) {
        const Arg& a = spec_.args[spec_.states[s].arg_index];
        std::string types;
        for (Type t : {Type::Bool, Type::Int64, Type::Float64, Type::Timestamp, Type::String, Type::Json})
          if (has_type(mask, t)) types += concat(types.empty() ? "" : ", ", type_name(t));
        throw Error(
            concat(a.canon, " has values of different kinds by this input (", types,
                   "), which min and max cannot compare"),
            concat("convert them to one type, e.g. max(to_float(", a.canon, ")) or max(to_string(", a.canon, "))"))
            .at(b.source);
      }
    }
  }

  // ---- the result ----

  int64_t groups() const {
    int64_t n = 0;
    for (const auto& p : parts_) n += p->groups();
    return n;
  }

  // The groups in key order, finished into output batches (or, with --partial, into
  // state batches), written in order.
  void write(Writer& writer, int64_t& rows_out) {
    if (spec_.keys.empty() && groups() == 0 && !opts_.partial) {
      // No keys: one group, the whole input, even when it is empty (as SQL has it).
      uint64_t h = hash_key("");
      Table& t = *parts_[key_partition(h)];
      t.index.find_or_add(h, "");
      t.resize_states();
    }
    // Sorted by key: the first 24 bytes as numbers, the rest (rarely) as bytes.
    std::vector<Sortable> sortable;
    sortable.reserve(groups());
    for (uint32_t p = 0; p < parts_.size(); ++p)
      for (uint32_t g = 0; g < parts_[p]->groups(); ++g) {
        std::string_view k = parts_[p]->key(g);
        unsigned char b[24] = {0};
        std::memcpy(b, k.data(), std::min<size_t>(24, k.size()));
        uint64_t p0 = 0, p1 = 0, p2 = 0;
        for (int i = 0; i < 8; ++i) p0 = (p0 << 8) | b[i], p1 = (p1 << 8) | b[8 + i], p2 = (p2 << 8) | b[16 + i];
        sortable.push_back({{p0, p1, p2}, {p, g}});
      }
    sort_keys(sortable, [&](const Sortable& a, const Sortable& b) {
      for (int i = 0; i < 3; ++i)
        if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
      return parts_[a.ref.part]->key(a.ref.gid) < parts_[b.ref.part]->key(b.ref.gid);
    });
    std::vector<Ref> order(sortable.size());
    for (size_t i = 0; i < sortable.size(); ++i) order[i] = sortable[i].ref;
    sortable = {};

    std::vector<Type> key_types, call_types;
    for (uint32_t m : total_.keys) key_types.push_back(key_output_type(m));
    for (const auto& c : spec_.calls) {
      int a = spec_.states[c.state].arg_index;
      call_types.push_back(result_type(c.fn, a < 0 ? 0 : total_.args[a]));
    }

    int64_t n = static_cast<int64_t>(order.size());
    size_t nbatches = static_cast<size_t>((n + kOutputRows - 1) / kOutputRows);
    if (opts_.partial || nbatches == 0) nbatches = std::max<size_t>(nbatches, 1);
    // Each output batch finished and written as soon as its turn comes (the writing
    // of one overlaps the finishing of the next).
    rows_out += write_batches(writer, nbatches, [&](size_t k) {
      int64_t lo = static_cast<int64_t>(k) * kOutputRows, hi = std::min(n, lo + kOutputRows);
      if (opts_.partial) return state_batch(order.data() + lo, hi - lo, k == 0);
      Batch b;
      b.rows = hi - lo;
      std::vector<Column> kcols(spec_.keys.size());
      for (size_t c = 0; c < kcols.size(); ++c) kcols[c].type = key_types[c];
      for (int64_t i = lo; i < hi; ++i) {
        if (i + 16 < hi) parts_[order[i + 16].part]->index.prefetch_bounds(order[i + 16].gid);
        if (i + 8 < hi) {
          std::string_view ahead = parts_[order[i + 8].part]->key(order[i + 8].gid);
          __builtin_prefetch(ahead.data());
        }
        std::string_view key = parts_[order[i].part]->key(order[i].gid);
        for (size_t c = 0; c < kcols.size(); ++c)
          if (!decode_key_part(key, key_types[c], kcols[c])) throw Error("internal error: a group key does not decode");
      }
      for (size_t c = 0; c < kcols.size(); ++c) b.add_column(spec_.keys[c].name, std::move(kcols[c]));
      for (size_t c = 0; c < spec_.calls.size(); ++c) {
        Column col;
        col.type = call_types[c];
        const Call& call = spec_.calls[c];
        constexpr int64_t kAhead = 8;
        for (int64_t i = lo; i < hi; ++i) {
          if (i + kAhead < hi) parts_[order[i + kAhead].part]->states[call.state]->prefetch(order[i + kAhead].gid);
          finish(call, *parts_[order[i].part]->states[call.state], order[i].gid, col);
        }
        b.add_column(call.hidden, std::move(col));
      }
      // Expressions first; then outputs that are one aggregate alone take its column
      // (a copy when another output or --having reads it too).
      std::vector<Column> outs(spec_.outputs.size());
      for (size_t o = 0; o < outs.size(); ++o)
        if (spec_.outputs[o].hidden.empty()) outs[o] = spec_.outputs[o].expr.eval(b);
      for (size_t o = 0; o < outs.size(); ++o) {
        const std::string& h = spec_.outputs[o].hidden;
        if (h.empty()) continue;
        bool shared = spec_.having.has_value();
        for (size_t p = o + 1; p < outs.size(); ++p) shared |= spec_.outputs[p].hidden == h;
        int64_t k = b.find(h);
        outs[o] = shared ? b.columns[k] : std::move(b.columns[k]);
      }
      for (size_t o = 0; o < outs.size(); ++o) b.add_column(spec_.outputs[o].name, std::move(outs[o]));
      if (spec_.having) filter_rows(b, spec_.having->eval_filter(b));
      std::vector<std::string> names;
      for (const auto& key : spec_.keys) names.push_back(key.name);
      for (const auto& out : spec_.outputs) names.push_back(out.name);
      return select_columns(std::move(b), names);
    });
    writer.finish();
  }

  int64_t filtered() const { return filtered_; }

  // The specification and types a partial file's first row holds.
  static std::string read_meta(std::string_view text, const std::string& source, Masks& m) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element doc;
    auto bad = [&] {
      return Error("not a partial file of bk-aggregate, or a damaged one: its specification does not read",
                   "make partial files with bk-aggregate --partial, and merge them unchanged")
          .at(source);
    };
    if (parser.parse(padded).get(doc)) throw bad();
    int64_t version = 0;
    if (doc["version"].get(version) || version != 1) {
      if (version > 1)
        throw Error(concat("a partial file of version ", version, ", newer than this bk-aggregate reads (1)"),
                    "merge it with the bk-aggregate that made it, or a newer one")
            .at(source);
      throw bad();
    }
    auto read_masks = [&](const char* name, std::vector<uint32_t>& out) {
      simdjson::dom::array arr;
      if (doc[name].get(arr)) throw bad();
      out.clear();
      for (auto v : arr) {
        uint64_t x;
        if (v.get(x)) throw bad();
        out.push_back(static_cast<uint32_t>(x));
      }
    };
    read_masks("key_types", m.keys);
    read_masks("arg_types", m.args);
    // The specification is everything before the types.
    size_t at = text.find(",\"key_types\":");
    if (at == std::string_view::npos) throw bad();
    return concat(text.substr(0, at), "}");
  }

  [[noreturn]] void differs(const std::string& source, const std::string& spec) const {
    throw Error(concat("made with other grouping or aggregates than the other partial files: ", spec),
                "merge partial files of one bk-aggregate --partial command (same -g, -a, --window, --time, --tz)")
        .at(source);
  }

 private:
  bool event_time(Batch& b, std::vector<int64_t>& time) {
    EventTimeOptions o;
    o.field = spec_.time_field;
    o.flag = "--time";
    o.need = spec_.window ? "--window needs" : "first() and last() need";
    o.name_hint = "name it with --time FIELD, or mark it once with bk-ingest --time";
    o.tz = spec_.tz.get();
    return read_event_times(b, o, time);
  }

  Column window_column(const std::vector<int64_t>& time, bool end) const {
    const Window& w = *spec_.window;
    const TimeZone& tz = spec_.tz ? *spec_.tz : TimeZone::utc();
    Column c;
    c.type = Type::Timestamp;
    c.ints.resize(time.size());
    c.valid.resize(static_cast<int64_t>(time.size()), true);
    for (size_t i = 0; i < time.size(); ++i) {
      int64_t start = w.calendar ? trunc_time(time[i], w.unit, tz) : bucket_time(time[i], w.width);
      c.ints[i] = !end ? start : w.calendar ? next_time(start, w.unit, tz) : start + w.width;
    }
    return c;
  }

  // The keys' rows by partition; for each partition, under its lock: the group ids of
  // its rows (groups added as needed), then f(table, rows, gids, count). Each batch
  // starts at a partition of its own, so threads seldom wait for each other.
  template <typename F>
  void by_partition(const KeyRows& keys, int64_t seq, F f) {
    size_t n = keys.ends.size();
    std::vector<uint32_t> start(kPartitions + 1, 0);
    for (size_t j = 0; j < n; ++j) ++start[key_partition(keys.hashes[j]) + 1];
    for (size_t p = 0; p < kPartitions; ++p) start[p + 1] += start[p];
    std::vector<uint32_t> order(n), fill(start.begin(), start.end() - 1);
    for (size_t j = 0; j < n; ++j) order[fill[key_partition(keys.hashes[j])]++] = static_cast<uint32_t>(j);
    std::vector<uint32_t> rows(n), gid(n);
    for (size_t j = 0; j < n; ++j) rows[j] = keys.rows[order[j]];
    constexpr size_t kAhead = 16;
    for (size_t r = 0; r < kPartitions; ++r) {
      size_t p = (r + static_cast<size_t>(seq) * 17) % kPartitions;
      size_t lo = start[p], hi = start[p + 1];
      if (lo == hi) continue;
      Table& t = *parts_[p];
      oneapi::tbb::spin_mutex::scoped_lock hold(t.lock);
      for (size_t j = lo; j < hi; ++j) {
        if (j + kAhead < hi) t.index.prefetch(keys.hashes[order[j + kAhead]]);
        if (j + kAhead / 2 < hi) t.index.prefetch_key(keys.hashes[order[j + kAhead / 2]]);
        gid[j] = t.index.find_or_add(keys.hashes[order[j]], keys.key(order[j]));
      }
      t.resize_states();
      f(t, rows.data() + lo, gid.data() + lo, static_cast<int64_t>(hi - lo));
    }
  }

  Batch state_batch(const Ref* r, int64_t n, bool first) {
    Batch b;
    Column meta, key;
    meta.type = Type::String;
    key.type = Type::String;
    std::vector<Column> st(spec_.states.size());
    for (auto& c : st) c.type = Type::String;
    if (first) {
      std::string m = spec_.canonical;
      m.pop_back();
      m += masks_json(total_) + "}";
      meta.append_string(m);
      key.append_null();
      for (auto& c : st) c.append_null();
    }
    std::string blob;
    for (int64_t i = 0; i < n; ++i) {
      const Table& t = *parts_[r[i].part];
      meta.append_null();
      key.append_string(t.key(r[i].gid));
      for (size_t s = 0; s < st.size(); ++s) {
        blob.clear();
        t.states[s]->save(r[i].gid, blob);
        st[s].append_string(blob);
      }
    }
    b.rows = meta.size();
    b.add_column(kMetaColumn, std::move(meta));
    b.add_column(kKeyColumn, std::move(key));
    for (size_t s = 0; s < st.size(); ++s) b.add_column(concat("_s", s), std::move(st[s]));
    return b;
  }

  const Spec& spec_;
  const AggregateOptions& opts_;
  std::vector<std::unique_ptr<Table>> parts_;
  SeqMap<Masks> pending_;  // each batch's types, add_records → check_masks
  Masks total_;
  std::atomic<int64_t> filtered_{0};
};

// --merge: the options a partial file was made with, from its first record.
AggregateOptions options_of_partial(const InputFile& in, const ReadOptions& ropts, std::string& canonical) {
  BlockReader reader(in, ropts, 1 << 20);
  RawBlock raw;
  auto bad = [&] {
    return Error("not a partial file of bk-aggregate", "make partial files with bk-aggregate --partial").at(in.display);
  };
  if (!reader.next(raw) || reader.format() != Format::Chunk) throw bad();
  Batch b = parse_block(raw);
  int64_t meta = b.find(kMetaColumn);
  if (meta < 0 || b.rows == 0 || b.columns[meta].type != Type::String || !b.columns[meta].valid.get(0)) throw bad();
  Masks m;  // read, not needed here
  canonical = Engine::read_meta(b.columns[meta].str(0), in.display, m);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(canonical);
  simdjson::dom::element doc;
  AggregateOptions o;
  if (parser.parse(padded).get(doc)) throw bad();
  auto strings = [&](const char* name, std::vector<std::string>& out) {
    simdjson::dom::array arr;
    if (doc[name].get(arr)) throw bad();
    for (auto v : arr) {
      std::string_view s;
      if (v.get(s)) throw bad();
      out.emplace_back(s);
    }
  };
  auto string = [&](const char* name, std::string& out) {
    std::string_view s;
    if (doc[name].get(s)) throw bad();
    out = std::string(s);
  };
  std::vector<std::string> keys, aggs;
  strings("group_by", keys);
  strings("aggregates", aggs);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += concat(s.empty() ? "" : ", ", x);
    return s;
  };
  if (!keys.empty()) o.group_by.push_back(join(keys));
  if (!aggs.empty()) o.aggs.push_back(join(aggs));
  string("window", o.window);
  string("time", o.time_field);
  string("tz", o.tz);
  return o;
}

// The input fields the specification reads: keys, arguments, --where, --time.
std::shared_ptr<const std::vector<std::string>> input_fields(const Spec& spec) {
  auto f = std::make_shared<std::vector<std::string>>();
  for (const auto& k : spec.keys)
    if (!k.window) k.expr.fields(*f);
  for (const auto& a : spec.args) a.expr.fields(*f);
  if (spec.where) spec.where->fields(*f);
  if (!spec.time_field.empty()) f->push_back(spec.time_field);
  return f;
}

}  // namespace
}  // namespace agg

void run_aggregate(Context& ctx, const AggregateOptions& given) {
  AggregateOptions o = given;
  if (o.partial && !o.having.empty())
    throw Error::usage("--having applies when the result is finished; give it to --merge, not --partial");
  if (o.merge && !o.where.empty())
    throw Error::usage("--where filters records, and partial files hold none: give it to the --partial runs");
  if (o.merge && o.read.hive)
    throw Error::usage("--hive adds fields to records, and partial files hold none: give it to the --partial runs");
  if (o.partial) {
    if (o.output_format_given && o.output_format != Format::Chunk)
      throw Error::usage("--partial writes chunk files; -O does not apply");
    o.output_format = Format::Chunk;
  }
  if (o.output_format == Format::Chunk && stdout_is_terminal(o.output))
    throw Error::usage("refusing to write binary chunk data to a terminal",
                       "redirect it to a file or a pipe, or use -o FILE");

  std::vector<InputFile> inputs;
  if (o.merge) {
    inputs = expand_inputs(o.inputs);
    if (inputs.empty()) throw Error::usage("--merge needs partial files", "bk-aggregate --merge shard-*.bkc");
    // The specification comes from the files; flags given must agree with it. From a
    // pipe it cannot be read ahead: the flags give it, and each file is checked.
    bool flags = !o.group_by.empty() || !o.aggs.empty() || !o.window.empty() || !o.time_field.empty() || !o.tz.empty();
    if (inputs[0].path == "-") {
      if (o.aggs.empty())
        throw Error::usage(
            "--merge from standard input needs the -g and -a (and --window, --time, --tz) the partial files were made "
            "with",
            "or name the files: bk-aggregate --merge shard-*.bkc");
    }
    std::string canonical;
    AggregateOptions from = inputs[0].path == "-" ? o : agg::options_of_partial(inputs[0], o.read, canonical);
    if (flags && inputs[0].path != "-") {
      agg::Spec mine = agg::compile(o);
      if (mine.canonical != canonical)
        throw Error::usage(concat(inputs[0].display, " was made with other grouping or aggregates: ", canonical),
                           "give --merge the same -g, -a, --window, --time and --tz, or none of them");
    }
    o.group_by = from.group_by;
    o.aggs = from.aggs;
    o.window = from.window;
    o.time_field = from.time_field;
    o.tz = from.tz;
  }
  agg::Spec spec = agg::compile(o);
  if (!o.merge) {
    inputs = expand_inputs(o.inputs);
    o.read.only = agg::input_fields(spec);
  }

  bk::Output out(o.output);
  WriteOptions wopts;
  wopts.codec = chunk_codec(o.codec, out);
  auto writer = make_writer(o.output_format, out, wopts);
  agg::Engine engine(spec, o);
  {
    NullWriter none(out);
    PipelineSpec ps;
    ps.map = [&](Batch& b, const RawBlock&) {
      if (o.merge)
        engine.add_partial(b);
      else
        engine.add_records(b);
    };
    ps.ordered = [&](Batch& b) {
      if (!b.error) engine.check_masks(b);
    };
    run_pipeline(ctx, inputs, o.read, ps, none);
  }
  int64_t groups = engine.groups(), rows_out = 0;
  engine.write(*writer, rows_out);
  out.commit();
  if (!o.stats.empty())
    write_run_stats(
        ctx, o.stats,
        concat("\"inputs\":", inputs.size(), ",\"rows_in\":", ctx.counters.rows_in.load(),
               ",\"rows_filtered\":", engine.filtered(), ",\"groups\":", groups, ",\"rows_out\":", rows_out));
}

}  // namespace bk
