// bk-ingest: raw records in, clean typed chunk files out.
//
// The run is the shared pipeline with two hooks:
//   map (parallel, per block)   flatten nested objects, --rename, --drop, type every
//                               declared field and the event time, check required
//                               fields, ranges and allowed values, --where. A record
//                               that fails leaves the block for Batch::rejects with
//                               its text and the reason.
//   ordered (serial, in order)  --dedup (first occurrence in input order wins), the
//                               rejects file, --max-rejects, the counts, the lines
//                               read per input and the event-time range.
// Both hooks see whole blocks, whose boundaries depend only on the input, so the
// output and every count are the same for any -j.
//
// Where the records go:
//   stream    a chunk stream (or -O ndjson/csv/tsv) to stdout or -o FILE, atomic
//   dataset   one new chunk file per run in DIR, committed with the ledger of the
//             inputs it read (dataset.hpp); inputs in the ledger are not read again
//   rolling   stdin read on and on; a chunk committed every DURATION or ROWS, and at
//             the end of input or on SIGTERM/SIGINT
#include "bk/ingest.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_set>

#include "bk/dataset.hpp"
#include "bk/error.hpp"
#include "bk/expr.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"
#include "bk/write.hpp"
#include "json_value.hpp"

namespace bk {

namespace {

// ---- flattening ------------------------------------------------------------------

struct Flattened {
  std::vector<std::string> names;
  std::vector<Column> columns;
  Column& column(const std::string& name) {
    for (size_t k = 0; k < names.size(); ++k)
      if (names[k] == name) return columns[k];
    names.push_back(name);
    columns.emplace_back();
    return columns.back();
  }
};

void flatten_into(Flattened& out, const std::string& prefix, simdjson::dom::object obj, int64_t row) {
  for (auto kv : obj) {
    std::string name = concat(prefix, ".", std::string_view(kv.key));
    simdjson::dom::object inner;
    if (!kv.value.get_object().get(inner) && inner.size() > 0) {
      flatten_into(out, name, inner, row);
      continue;
    }
    Column& c = out.column(name);
    while (c.size() < row) c.append_null();
    if (c.size() > row) c.pop_back();  // a key repeated in one object: the last one counts
    append_json_value(c, kv.value);
  }
}

// Nested objects become dotted fields: {"loc":{"lat":1,"lon":2}} -> loc.lat, loc.lon,
// in the place of loc. Arrays (and empty objects) stay json in their field. A column
// whose flattened names would clash with a field the block already has stays json,
// and so does a field the schema declares json (`keep`).
void flatten_objects(Batch& b, const Schema& keep) {
  thread_local simdjson::dom::parser parser;
  for (size_t k = 0; k < b.columns.size(); ++k) {
    if (b.columns[k].type != Type::Json) continue;
    if (const FieldSpec* f = keep.find(b.names[k]); f && f->type == Type::Json) continue;
    const Column& src = b.columns[k];
    bool any = false;
    for (int64_t i = 0; i < b.rows && !any; ++i)
      any = !src.is_null(i) && src.str(i).size() > 2 && src.str(i)[0] == '{';
    if (!any) continue;
    Flattened flat;
    Column rest;  // values that are not objects (or are empty ones)
    for (int64_t i = 0; i < b.rows; ++i) {
      simdjson::dom::element doc;
      simdjson::dom::object obj;
      if (!src.is_null(i) && src.str(i)[0] == '{' && !parser.parse(src.str(i)).get(doc) &&
          !doc.get_object().get(obj) && obj.size() > 0) {
        flatten_into(flat, b.names[k], obj, i);
        rest.append_null();
      } else {
        rest.append_from(src, i);
      }
    }
    bool clash = false;
    for (const auto& n : flat.names) clash = clash || b.find(n) >= 0;
    if (clash) continue;
    for (auto& c : flat.columns)
      while (c.size() < b.rows) c.append_null();
    bool keep_rest = rest.valid.count() > 0;
    std::vector<std::string> names;
    std::vector<Column> columns;
    for (size_t j = 0; j < b.columns.size(); ++j) {
      if (j != k) {
        names.push_back(std::move(b.names[j]));
        columns.push_back(std::move(b.columns[j]));
        continue;
      }
      if (keep_rest) {
        names.push_back(b.names[j]);
        columns.push_back(std::move(rest));
      }
      for (size_t f = 0; f < flat.names.size(); ++f) {
        names.push_back(std::move(flat.names[f]));
        columns.push_back(std::move(flat.columns[f]));
      }
    }
    size_t added = flat.names.size() - (keep_rest ? 0 : 1);
    b.names = std::move(names);
    b.columns = std::move(columns);
    k += added;  // nothing new to look at before the next original column
  }
}

// ---- typing ----------------------------------------------------------------------

// A value as a reason quotes it: strings in quotes, long ones cut.
std::string shown(const Column& c, int64_t i) {
  std::string t;
  append_value_text(t, c, i);
  if (t.size() > 60) t = t.substr(0, 57) + "...";
  if (c.type == Type::String || c.type == Type::Json) return concat("'", sanitize_utf8(t), "'");
  return t;
}

struct TypeContext {
  const TimeZone* tz;
  EpochUnit unit;
  bool is_time_field;
};

bool epoch_to_micros(int64_t v, EpochUnit unit, int64_t& out);

bool epoch_to_micros(double v, EpochUnit unit, int64_t& out) {
  // A whole number goes the integer way: 1500 and 1500.0 (an integer in a block that
  // also holds fractions reads as a float) must give the same time.
  if (v == std::floor(v) && std::fabs(v) < 9.2e18) return epoch_to_micros(static_cast<int64_t>(v), unit, out);
  double scale = unit == EpochUnit::Seconds ? 1e6 : unit == EpochUnit::Millis ? 1e3 : unit == EpochUnit::Micros ? 1 : 1e-3;
  double us = std::floor(v * scale + 0.5);
  if (!std::isfinite(us) || std::fabs(us) >= 9.2e18) return false;
  out = static_cast<int64_t>(us);
  return true;
}

bool epoch_to_micros(int64_t v, EpochUnit unit, int64_t& out) {
  switch (unit) {
    case EpochUnit::Seconds: return !__builtin_mul_overflow(v, int64_t(1000000), &out);
    case EpochUnit::Millis: return !__builtin_mul_overflow(v, int64_t(1000), &out);
    case EpochUnit::Micros: out = v; return true;
    case EpochUnit::Nanos: out = v >= 0 ? v / 1000 : -((-(v + 1)) / 1000) - 1; return true;  // floor
    default: return false;
  }
}

// Converts `c` to `to`. A value that does not convert becomes null and its row gets a
// reason in `why` (sized to the rows on the first one).
void convert_column(Column& c, const std::string& field, Type to, const TypeContext& tc,
                    std::vector<std::string>& why) {
  if (c.type == to || c.type == Type::Null) {
    if (c.type == Type::Null) {  // no values: nulls of the declared type
      Column n;
      n.type = to;
      for (int64_t i = 0; i < c.size(); ++i) n.append_null();
      c = std::move(n);
    }
    return;
  }
  const int64_t n = c.size();
  auto bad = [&](int64_t i, const std::string& reason) {
    if (why.empty()) why.resize(n);
    if (why[i].empty()) why[i] = concat("field '", field, "': ", reason);
  };
  Column out;
  out.type = to;
  out.valid.reserve(n);
  auto put_int = [&](int64_t v) {
    out.ints.push_back(v);
    out.valid.push_back(true);
  };
  auto put_null = [&] {
    if (to == Type::Float64) out.floats.push_back(0);
    else if (to == Type::String || to == Type::Json) out.offsets.push_back(out.bytes.size());
    else out.ints.push_back(0);
    out.valid.push_back(false);
  };
  const char* what = to == Type::Int64 ? "an integer" : to == Type::Float64 ? "a number"
                   : to == Type::Bool ? "true or false" : "a time";
  for (int64_t i = 0; i < n; ++i) {
    if (c.is_null(i)) {
      put_null();
      continue;
    }
    switch (to) {
      case Type::Int64: {
        int64_t v;
        double d;
        if (c.type == Type::Float64) {
          d = c.floats[i];
          if (d == std::floor(d) && std::fabs(d) < 9.2e18) put_int(static_cast<int64_t>(d));
          else bad(i, concat(shown(c, i), " is not an integer")), put_null();
        } else if (NumberKind kind = c.type == Type::String ? parse_number(c.str(i), v, d) : NumberKind::None;
                   kind == NumberKind::Int) {
          put_int(v);
        } else if (kind == NumberKind::Float && d == std::floor(d) && std::fabs(d) < 9.2e18) {
          put_int(static_cast<int64_t>(d));  // 4.0, as from a float column; and an integer a mixed block read as "1.0"
        } else {
          bad(i, concat(shown(c, i), " is not ", what)), put_null();
        }
        break;
      }
      case Type::Float64: {
        int64_t v;
        double d;
        if (c.type == Type::Int64) {
          out.floats.push_back(static_cast<double>(c.ints[i]));
          out.valid.push_back(true);
        } else if (c.type == Type::String) {
          auto kind = parse_number(c.str(i), v, d);
          if (kind == NumberKind::None) {
            bad(i, concat(shown(c, i), " is not a number")), put_null();
          } else {
            out.floats.push_back(kind == NumberKind::Int ? static_cast<double>(v) : d);
            out.valid.push_back(true);
          }
        } else {
          bad(i, concat(shown(c, i), " is not a number")), put_null();
        }
        break;
      }
      case Type::Bool: {
        bool v;
        if (c.type == Type::String && parse_bool(c.str(i), v)) put_int(v);
        else bad(i, concat(shown(c, i), " is not ", what)), put_null();
        break;
      }
      case Type::Timestamp: {
        int64_t us, iv;
        double d;
        // RFC 3339 writes years 0000 to 9999 only: a time outside them could not be read back.
        constexpr int64_t kFirst = -62167219200 * kMicrosPerSecond, kLast = 253402300800 * kMicrosPerSecond - 1;
        auto put_time = [&](int64_t t) {
          if (t >= kFirst && t <= kLast) put_int(t);
          else bad(i, concat(shown(c, i), " is outside the years 0000 to 9999")), put_null();
        };
        const char* unit_hint = tc.is_time_field ? "give --time-unit s, ms, us or ns for epoch times"
                                                 : "give --time-unit s, ms, us or ns for epoch numbers";
        if (c.type == Type::String) {
          std::string_view s = c.str(i);
          if (parse_timestamp(s, *tc.tz, us)) {
            put_time(us);
            break;
          }
          auto kind = parse_number(s, iv, d);
          if (kind != NumberKind::None && tc.unit != EpochUnit::None &&
              (kind == NumberKind::Int ? epoch_to_micros(iv, tc.unit, us) : epoch_to_micros(d, tc.unit, us))) {
            put_time(us);
          } else if (kind != NumberKind::None && tc.unit == EpochUnit::None) {
            bad(i, concat(shown(c, i), " is a number, not a time (", unit_hint, ")")), put_null();
          } else if (kind != NumberKind::None) {
            bad(i, concat(shown(c, i), " is out of range for a time")), put_null();
          } else {
            bad(i, concat(shown(c, i), " is not a time (expected RFC 3339 such as 2026-03-01T12:00:00Z",
                          tc.unit != EpochUnit::None ? ", or epoch numbers" : "", ")")),
                put_null();
          }
        } else if (c.type == Type::Int64 || c.type == Type::Float64) {
          bool ok = tc.unit != EpochUnit::None &&
                    (c.type == Type::Int64 ? epoch_to_micros(c.ints[i], tc.unit, us) : epoch_to_micros(c.floats[i], tc.unit, us));
          if (ok) put_time(us);
          else if (tc.unit == EpochUnit::None) bad(i, concat(shown(c, i), " is a number, not a time (", unit_hint, ")")), put_null();
          else bad(i, concat(shown(c, i), " is out of range for a time")), put_null();
        } else {
          bad(i, concat(shown(c, i), " is not a time")), put_null();
        }
        break;
      }
      case Type::String: {
        std::string t;
        append_value_text(t, c, i);
        out.bytes += t;
        out.offsets.push_back(out.bytes.size());
        out.valid.push_back(true);
        break;
      }
      case Type::Json: {
        std::string t;
        if (c.type == Type::String) append_json_string(t, c.str(i));
        else if (c.type == Type::Timestamp) t = concat("\"", [&] { std::string s; append_timestamp(s, c.ints[i]); return s; }(), "\"");
        else append_value_text(t, c, i);
        out.bytes += t;
        out.offsets.push_back(out.bytes.size());
        out.valid.push_back(true);
        break;
      }
      default: put_null();
    }
  }
  c = std::move(out);
}

// Required, range and allowed values, after typing.
void check_values(const Column& c, const FieldSpec& f, bool is_time, std::vector<std::string>& why) {
  const int64_t n = c.size();
  auto bad = [&](int64_t i, const std::string& reason) {
    if (why.empty()) why.resize(n);
    if (why[i].empty()) why[i] = concat("field '", f.name, "': ", reason);
  };
  auto bound_text = [&](double b) {
    std::string t;
    if (f.type == Type::Timestamp) append_timestamp(t, static_cast<int64_t>(b));
    else if (f.type == Type::Int64 && std::fabs(b) < 9e15) append_int(t, static_cast<int64_t>(b));
    else append_double(t, b);
    return t;
  };
  for (int64_t i = 0; i < n; ++i) {
    if (c.is_null(i)) {
      if (f.required && (why.empty() || why[i].empty())) bad(i, is_time ? "missing (the event time: every record needs one)"
                                                                  : "missing (the schema requires it)");
      continue;
    }
    if (f.min || f.max) {
      double v = c.type == Type::Float64 ? c.floats[i] : static_cast<double>(c.ints[i]);
      if (f.min && v < *f.min) bad(i, concat(shown(c, i), " is below the minimum ", bound_text(*f.min)));
      else if (f.max && v > *f.max) bad(i, concat(shown(c, i), " is above the maximum ", bound_text(*f.max)));
    }
    if (!f.values.empty()) {
      std::string t;
      append_value_text(t, c, i);
      if (std::find(f.values.begin(), f.values.end(), t) == f.values.end()) {
        std::string list;
        for (size_t k = 0; k < f.values.size() && k < 8; ++k) list += (k ? ", " : "") + f.values[k];
        if (f.values.size() > 8) list += ", ...";
        bad(i, concat(shown(c, i), " is not one of the allowed values: ", list));
      }
    }
  }
}

// A row as one NDJSON line (the raw text of a record read from a chunk file).
std::string row_ndjson(const Batch& b, int64_t row) {
  Batch one;
  one.names = b.names;
  for (const auto& c : b.columns) {
    Column k;
    k.append_from(c, row);
    one.columns.push_back(std::move(k));
  }
  one.rows = 1;
  std::string out;
  encode_ndjson(one, out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// ---- the transform -----------------------------------------------------------------

// A name missing from an input's first block: most likely a typo when a field a
// typo away is there; otherwise the field is just absent (null) here.
void typo_check(const Batch& b, const std::string& name, const std::string& flag) {
  std::string best = likely_typo_of(name, b.names);
  if (!best.empty())
    throw Error::usage(concat(flag, ": no field '", name, "' in ", b.source), concat("did you mean '", best, "'?"));
}

class Transform {
 public:
  Transform(const IngestOptions& o, std::shared_ptr<const TimeZone> tz) : o_(o), tz_(std::move(tz)) {
    schema_ = o.schema;
    time_field_ = !o.time_field.empty() ? o.time_field : o.schema.time_field;
    if (!time_field_.empty()) {
      FieldSpec* f = nullptr;
      for (auto& s : schema_.fields)
        if (s.name == time_field_) f = &s;
      if (!f) {
        FieldSpec t;
        t.name = time_field_;
        schema_.fields.push_back(t);
        f = &schema_.fields.back();
      }
      if (f->type != Type::Null && f->type != Type::Timestamp)
        throw Error::usage(concat("--time ", time_field_, ": the schema declares it ", type_name(f->type)),
                           "the event time is a timestamp; declare it so, or leave it out of the schema");
      f->type = Type::Timestamp;
      f->required = true;  // a reading without its time cannot be placed
    }
    ExprOptions eo;
    eo.tz = tz_;
    if (!o.where.empty()) where_.emplace(Expr::parse(o.where, "--where", eo));
    for (const auto& f : schema_.fields) order_.push_back(f.name);
  }

  const std::string& time_field() const { return time_field_; }
  const Schema& schema() const { return schema_; }

  // Parallel: one block. Returns the number of records --where dropped.
  int64_t map(Batch& b, const RawBlock& raw) const {
    // A record from a chunk file has no text: its raw form is the row as read, kept
    // before typing nulls a bad value.
    std::optional<Batch> as_read;
    if (raw.format == Format::Chunk && !schema_.fields.empty()) {
      as_read.emplace();
      as_read->names = b.names;
      as_read->columns = b.columns;
      as_read->rows = b.rows;
    }
    flatten_objects(b, schema_);
    // --drop, then --rename (so a dropped name can be taken by a renamed field). Both
    // name fields as read: an object's name stands for its flattened fields too.
    if (!o_.drops.empty()) {
      std::vector<std::string> keep;
      for (const auto& d : o_.drops)
        if (b.first_block && !has_field(b, d)) typo_check(b, d, "--drop");
      for (const auto& n : b.names) {
        bool dropped = false;
        for (const auto& d : o_.drops) dropped = dropped || n == d || is_part_of(n, d);
        if (!dropped) keep.push_back(n);
      }
      if (keep.size() != b.names.size()) b = select_columns(std::move(b), keep);
    }
    for (const auto& [from, to] : o_.renames) {
      if (!has_field(b, from)) {
        if (b.first_block) typo_check(b, from, "--rename");
        continue;
      }
      for (size_t k = 0; k < b.names.size(); ++k) {
        std::string renamed;
        if (b.names[k] == from) renamed = to;
        else if (is_part_of(b.names[k], from)) renamed = to + b.names[k].substr(from.size());
        else continue;
        int64_t clash = b.find(renamed);
        if (clash >= 0)
          throw Error::usage(concat("--rename ", from, "=", to, ": '", renamed, "' is a field of ", b.source, " already"),
                             concat("leave it out with --drop ", renamed, ", or choose another name"));
        b.names[k] = renamed;
      }
    }
    // CSV and TSV are read as text (see ingest_pipeline): a declared field converts from
    // the exact text ("1.50" stays "1.50" as a string); the others are inferred as the
    // readers would, unless --strings.
    if ((raw.format == Format::Csv || raw.format == Format::Tsv) && !o_.read.strings)
      for (size_t k = 0; k < b.columns.size(); ++k)
        if (!schema_.find(b.names[k])) infer_column_type(b.columns[k]);
    // Type and check every declared field; the declared ones come first, in order.
    std::vector<std::string> why;
    if (!schema_.fields.empty()) {
      for (const auto& f : schema_.fields) {
        int64_t k = b.find(f.name);
        if (k < 0) {
          if (b.first_block) typo_check(b, f.name, f.name == time_field_ ? "--time" : "the schema");
          b.add_column(f.name, Column::nulls(b.rows));
          k = static_cast<int64_t>(b.columns.size()) - 1;
        }
        TypeContext tc{tz_.get(), o_.time_unit, f.name == time_field_};
        if (f.type != Type::Null) convert_column(b.columns[k], f.name, f.type, tc, why);
        check_values(b.columns[k], f, f.name == time_field_, why);
      }
      std::vector<std::string> names = order_;
      for (const auto& n : b.names)
        if (std::find(order_.begin(), order_.end(), n) == order_.end()) names.push_back(n);
      b = select_columns(std::move(b), names);
    }
    b.time_field = time_field_.empty() ? -1 : static_cast<int>(b.find(time_field_));
    // Bad records leave the block, in line order with those the parser set aside.
    if (!why.empty()) {
      std::vector<uint8_t> keep(b.rows, 1);
      std::vector<Reject> typed;
      for (int64_t i = 0; i < b.rows; ++i) {
        if (why[i].empty()) continue;
        keep[i] = 0;
        Reject r;
        r.line = static_cast<int64_t>(b.lines.size()) > i ? b.lines[i] : 0;
        r.reason = std::move(why[i]);
        r.raw = as_read ? row_ndjson(*as_read, i) : r.line == 0 ? row_ndjson(b, i) : record_text(raw, r.line);
        typed.push_back(std::move(r));
      }
      filter_rows(b, keep);
      size_t parsed = b.rejects.size();
      for (auto& r : typed) b.rejects.push_back(std::move(r));
      std::inplace_merge(b.rejects.begin(), b.rejects.begin() + parsed, b.rejects.end(),
                         [](const Reject& x, const Reject& y) { return x.line < y.line; });
    }
    int64_t filtered = 0;
    if (where_) {
      if (b.first_block) where_->check(b);
      auto keep = where_->eval_filter(b);
      int64_t before = b.rows;
      filter_rows(b, keep);
      filtered = before - b.rows;
    }
    return filtered;
  }

 private:
  // "loc.lat" is part of the object "loc" (flattened).
  static bool is_part_of(const std::string& name, const std::string& object) {
    return name.size() > object.size() + 1 && name[object.size()] == '.' && name.compare(0, object.size(), object) == 0;
  }
  static bool has_field(const Batch& b, const std::string& name) {
    for (const auto& n : b.names)
      if (n == name || is_part_of(n, name)) return true;
    return false;
  }

  const IngestOptions& o_;
  std::shared_ptr<const TimeZone> tz_;
  Schema schema_;
  std::string time_field_;
  std::optional<Expr> where_;
  std::vector<std::string> order_;
};

// ---- the in-order side: dedup, rejects, counts -----------------------------------

struct Hash128 {
  uint64_t lo, hi;
  bool operator==(const Hash128& o) const { return lo == o.lo && hi == o.hi; }
};
struct Hash128Hasher {
  size_t operator()(const Hash128& h) const { return h.lo; }
};

class Sink {
 public:
  Sink(const IngestOptions& o, const std::string& time_field) : o_(o), time_field_(time_field) {
    if (!o.rejects.empty() && o.roll_micros == 0 && o.roll_rows == 0) rejects_out_.emplace(o.rejects);
    if (!o.rejects.empty() && (o.roll_micros || o.roll_rows)) {
      rejects_fd_ = ::open(o.rejects.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
      if (rejects_fd_ < 0)
        throw Error(concat("cannot open ", o.rejects, ": ", std::strerror(errno)), "check the path and permissions");
    }
  }
  ~Sink() {
    if (rejects_fd_ >= 0) ::close(rejects_fd_);
  }

  IngestCounts counts;
  std::atomic<int64_t> read{0}, filtered{0};
  std::optional<int64_t> min_time, max_time;
  std::map<std::string, int64_t> lines;  // input display name -> last line read

  // Parallel: the transform of one block, counting the records read (rejects of the
  // reader included) and those --where dropped.
  void map(const Transform& t, Batch& b, const RawBlock& raw) {
    read += b.rows + static_cast<int64_t>(b.rejects.size());
    filtered += t.map(b, raw);
  }

  void ordered(Batch& b) {
    int64_t last = b.first_line - 1 + b.line_count;
    auto& l = lines[b.source];
    l = std::max(l, last);
    for (const auto& r : b.rejects) {
      if (o_.rejects.empty()) {
        // The first bad record stops the run; its fix, and how to go on past such records.
        const char* aside = "set bad records aside with --rejects FILE";
        if (!r.reason.empty() && r.reason.back() == ')')  // "what (fix)": add to the fix
          throw Error(concat(r.reason.substr(0, r.reason.size() - 1), "; or ", aside, ")")).at(b.source, r.line);
        throw Error(r.reason, concat("fix the record, or ", aside)).at(b.source, r.line);
      }
      std::string line = "{\"source\":";
      append_json_string(line, b.source);
      line += ",\"line\":";
      if (r.line > 0) append_int(line, r.line);
      else line += "null";
      line += ",\"reason\":";
      append_json_string(line, r.reason);
      line += ",\"raw\":";
      append_json_string(line, r.raw);
      line += "}\n";
      write_reject(line);
      ++counts.rejected;
      if (o_.max_rejects >= 0 && counts.rejected > o_.max_rejects)
        throw Error(concat("more than ", o_.max_rejects, " bad record", o_.max_rejects == 1 ? "" : "s",
                           " (--max-rejects); the last one: ", r.reason),
                    concat("see ", o_.rejects, "; ", uncommitted()))
            .at(b.source, r.line);
    }
    b.rejects.clear();
    if (!o_.dedup.empty()) dedup(b);
    if (b.time_field >= 0) {
      const Column& t = b.columns[b.time_field];
      for (int64_t i = 0; i < b.rows; ++i) {
        if (t.is_null(i)) continue;
        int64_t v = t.ints[i];
        if (!min_time || v < *min_time) min_time = v;
        if (!max_time || v > *max_time) max_time = v;
      }
    }
  }

  // After the run: the counts must add up; --max-rejects P% is checked on the whole.
  void finish(int64_t written) {
    counts.written = written;
    counts.read = read;
    counts.filtered = filtered;
    if (counts.read != counts.written + counts.rejected + counts.deduplicated + counts.filtered)
      throw Error(concat("internal error: ", counts.read, " records read but ", counts.written, " written + ",
                         counts.rejected, " rejected + ", counts.deduplicated, " deduplicated + ", counts.filtered,
                         " filtered"),
                  concat("please report this; ", uncommitted()));
    check_percent();
  }

  // --max-rejects P%, over the records read so far (rolling mode checks it before
  // every commit).
  void check_percent() const {
    int64_t n = read, r = counts.rejected;
    if (o_.max_rejects_percent >= 0 && n > 0 && r * 100.0 > o_.max_rejects_percent * static_cast<double>(n))
      throw Error(concat(r, " of ", n, " records were bad, more than ", o_.max_rejects_percent, "% (--max-rejects)"),
                  concat("see ", o_.rejects, "; ", uncommitted()));
  }

  // What a failed run left behind: a file or dataset gets nothing; a stream to stdout
  // cannot take back what it wrote; rolling mode keeps the chunks committed before.
  std::string uncommitted() const {
    if (o_.roll_micros || o_.roll_rows) return "the records since the last commit were not committed";
    bool to_stdout = o_.dataset.empty() && !o_.print_schema && (o_.output.empty() || o_.output == "-");
    return to_stdout ? "records already written to standard output stay there" : "nothing was committed";
  }

  void commit_rejects() {
    if (rejects_out_) rejects_out_->commit();
    if (rejects_fd_ >= 0) ::fsync(rejects_fd_);
  }

 private:
  void write_reject(const std::string& line) {
    if (rejects_out_) rejects_out_->write(line);
    else write_all(rejects_fd_, line.data(), line.size(), o_.rejects);
  }

  void dedup(Batch& b) {
    std::vector<int64_t> cols;
    for (const auto& name : o_.dedup) {
      int64_t k = b.find(name);
      if (k < 0 && b.first_block) typo_check(b, name, "--dedup");
      cols.push_back(k);
    }
    std::vector<uint8_t> keep(b.rows, 1);
    int64_t dropped = 0;
    std::string key;
    for (int64_t i = 0; i < b.rows; ++i) {
      key.clear();
      for (int64_t k : cols) {
        // Type tag, then the value: equal keys are equal values of equal types.
        if (k < 0 || b.columns[k].is_null(i)) {
          key += '\0';
          continue;
        }
        const Column& c = b.columns[k];
        // A whole float keys as the integer: 20 reads as 20.0 in a block that also
        // holds 20.5, and must still equal the 20 of another block.
        if (c.type == Type::Float64 && c.floats[i] == std::floor(c.floats[i]) && std::fabs(c.floats[i]) < 9.2e18) {
          int64_t v = static_cast<int64_t>(c.floats[i]);
          key += static_cast<char>(static_cast<int>(Type::Int64) + 1);
          key.append(reinterpret_cast<const char*>(&v), 8);
          continue;
        }
        key += static_cast<char>(static_cast<int>(c.type) + 1);
        if (c.type == Type::Float64) {
          double d = c.floats[i] == 0 ? 0.0 : c.floats[i];  // -0 == 0
          key.append(reinterpret_cast<const char*>(&d), 8);
        } else if (c.type == Type::String || c.type == Type::Json) {
          uint64_t len = c.str(i).size();
          key.append(reinterpret_cast<const char*>(&len), 8);
          key.append(c.str(i));
        } else {
          key.append(reinterpret_cast<const char*>(&c.ints[i]), 8);
        }
      }
      XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
      if (!seen_.insert(Hash128{h.low64, h.high64}).second) {
        keep[i] = 0;
        ++dropped;
      }
    }
    if (dropped) {
      filter_rows(b, keep);
      counts.deduplicated += dropped;
    }
  }

  const IngestOptions& o_;
  std::string time_field_;
  std::optional<Output> rejects_out_;
  int rejects_fd_ = -1;
  std::unordered_set<Hash128, Hash128Hasher> seen_;
};

// Collects the schema of what would be written (--print-schema); writes nothing.
class SchemaCollector : public Writer {
 public:
  SchemaCollector(Output& out, Schema& s) : Writer(out), s_(s) {}
  void prepare(Batch& b) override {
    for (size_t k = 0; k < b.names.size(); ++k) {
      FieldSpec* f = nullptr;
      for (auto& x : s_.fields)
        if (x.name == b.names[k]) f = &x;
      if (!f) {
        FieldSpec n;
        n.name = b.names[k];
        s_.fields.push_back(n);
        f = &s_.fields.back();
      }
      f->type = unify_types(f->type, b.columns[k].type);
    }
  }
  void encode(const Batch&, Encoded&) const override {}
  void emit(const Batch&, Encoded&) override {}
  // Types are inferred per block: read the blocks the chunk writer of a real run reads.
  int64_t preferred_block_bytes() const override { return 4 << 20; }

 private:
  Schema& s_;
};

// --stats: the counts, then what the mode adds.
void write_stats(const Context& ctx, const IngestOptions& o, const IngestCounts& c, const std::string& extra) {
  if (o.stats.empty()) return;
  write_run_stats(ctx, o.stats,
                  concat("\"read\":", c.read, ",\"written\":", c.written, ",\"rejected\":", c.rejected,
                         ",\"deduplicated\":", c.deduplicated, ",\"filtered\":", c.filtered, extra));
}

// Runs the pipeline over `inputs` into `writer`, with the transform and the sink.
void ingest_pipeline(Context& ctx, const std::vector<InputFile>& inputs, const IngestOptions& o,
                     const Transform& t, Sink& sink, Writer& writer) {
  ReadOptions ropts = o.read;
  ropts.keep_going = true;  // bad records come back as rejects; the sink decides
  ropts.strings = true;     // CSV/TSV: the transform types each column from its text
  PipelineSpec spec;
  spec.map = [&](Batch& b, const RawBlock& raw) {
    sink.map(t, b, raw);
  };
  spec.ordered = [&](Batch& b) { sink.ordered(b); };
  int64_t before = ctx.counters.rows_out;
  run_pipeline(ctx, inputs, ropts, spec, writer);
  sink.finish(ctx.counters.rows_out - before);
}

// ---- the three ways out ----------------------------------------------------------

void run_stream(Context& ctx, const IngestOptions& o, const Transform& t) {
  auto inputs = expand_inputs(o.inputs);
  Sink sink(o, t.time_field());
  if (o.print_schema) {
    Output none("");
    Schema s;
    SchemaCollector collect(none, s);
    ingest_pipeline(ctx, inputs, o, t, sink, collect);
    for (auto& f : s.fields) {
      if (const FieldSpec* d = t.schema().find(f.name)) {
        f.required = d->required, f.min = d->min, f.max = d->max, f.values = d->values;
        if (d->type != Type::Null) f.type = d->type;
      }
      if (f.type == Type::Null) f.type = Type::String;  // never seen a value: anything goes
    }
    s.time_field = t.time_field();
    sink.commit_rejects();
    Output out(o.output);
    out.write(schema_json(s));
    out.commit();
    write_stats(ctx, o, sink.counts, concat(",\"inputs\":{\"read\":", inputs.size(), "}"));
    return;
  }
  Output out(o.output);
  WriteOptions wo;
  wo.codec = chunk_codec(o.codec, out);
  auto writer = make_writer(o.output_format, out, wo);
  try {
    ingest_pipeline(ctx, inputs, o, t, sink, *writer);
  } catch (...) {
    sink.commit_rejects();  // why the run failed
    throw;
  }
  sink.commit_rejects();
  out.commit();
  write_stats(ctx, o, sink.counts, concat(",\"inputs\":{\"read\":", inputs.size(), "}"));
}

// The inputs of a dataset run, sorted out against the ledger.
struct Plan {
  std::vector<InputFile> inputs;            // to read (skip_lines set for files that grew)
  std::vector<dataset::LedgerEntry> ledger; // their entries, lines filled in after the run
  std::vector<dataset::LedgerEntry> touched;  // unchanged content, new modification time
  int64_t skipped = 0, grown = 0, changed = 0;
};

// The first `size` bytes of a file, decompressed if gzip, end in a newline: a reader
// of those bytes saw whole lines only.
bool ends_with_newline(const InputFile& in, int64_t size) {
  if (size <= 0) return true;
  InputFile first = in;
  first.limit = size;
  auto r = open_input(first);
  std::vector<char> buf(1 << 16);
  char last = 0;
  try {
    for (size_t n; (n = r->read(buf.data(), buf.size())) > 0;) last = buf[n - 1];
  } catch (const Error&) {
    return false;  // a gzip member cut at that size: not whole lines either
  }
  return last == '\n';
}

Plan plan_inputs(const IngestOptions& o, const dataset::Manifest& m, const std::string& tool) {
  Plan p;
  std::vector<std::pair<std::string, std::string>> this_run;  // hash, display: the same content twice in one run
  std::vector<std::string> paths;  // realpaths read in this run: one path named twice is read once
  char dbuf[PATH_MAX];
  const std::string own = ::realpath(o.dataset.c_str(), dbuf) ? std::string(dbuf) + "/" : std::string();
  int64_t own_files = 0;
  for (auto& in : expand_inputs(o.inputs)) {
    if (in.path == "-") {
      p.inputs.push_back(in);
      p.ledger.emplace_back();  // stdin: read, never in the ledger
      continue;
    }
    char buf[PATH_MAX];
    std::string real = ::realpath(in.path.c_str(), buf) ? std::string(buf) : in.path;
    if (!own.empty() && real.compare(0, own.size(), own) == 0) {
      ++own_files;  // the dataset's own chunk files (an input directory holding it)
      continue;
    }
    if (std::find(paths.begin(), paths.end(), real) != paths.end()) {
      print_note(tool, concat(in.display, ": named twice; read once"));
      continue;
    }
    paths.push_back(real);
    struct stat st;
    if (::stat(in.path.c_str(), &st) != 0)
      throw Error(concat("cannot read: ", std::strerror(errno)), "check the path").at(in.display);
    dataset::LedgerEntry e;
    e.path = real;
    e.size = st.st_size;
    e.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    in.limit = e.size;  // a file still being appended to is read as far as it was now, and hashed so
    const dataset::LedgerEntry* old = m.find_input(real);
    if (old && old->size == e.size && old->mtime_ns == e.mtime_ns) {
      ++p.skipped;  // ingested before, unchanged
      continue;
    }
    e.hash = dataset::hash_file(in.path, e.size);
    if (old && old->size == e.size && old->hash == e.hash) {
      ++p.skipped;  // touched, not changed: remember the new time, so it is not hashed again
      dataset::LedgerEntry t = *old;
      t.mtime_ns = e.mtime_ns;
      p.touched.push_back(t);
      continue;
    }
    std::string changed;  // why an ingested file cannot be read on from where it was left
    if (old && e.size > old->size && dataset::hash_file(in.path, old->size) == old->hash) {
      if (old->lines == 0 && old->size > 0)
        changed = concat(in.display, ": grew since it was ingested, and it is not line-based (a chunk file) to be read on");
      else if (!ends_with_newline(in, old->size))
        changed = concat(in.display, ": grew since it was ingested, and its last line then (line ", old->lines,
                         ") had no newline yet: that record was ingested as it was and may have been cut short");
      if (changed.empty()) {
        print_note(tool, concat(in.display, ": grew by ", e.size - old->size,
                                " bytes since it was ingested; reading on from line ", old->lines + 1));
        in.skip_lines = old->lines;
        ++p.grown;
        p.inputs.push_back(in);
        p.ledger.push_back(e);
        continue;
      }
    } else if (old) {
      changed = concat(in.display, ": changed since it was ingested (", old->size, " bytes then, ", e.size,
                       " now, different content)");
    }
    if (old) {
      ++p.changed;
      if (o.on_changed == IngestOptions::OnChanged::Fail)
        throw Error(changed, "--on-changed skip leaves it out; --on-changed ingest reads it whole again");
      if (o.on_changed == IngestOptions::OnChanged::Skip) {
        print_note(tool, concat(changed, "; skipped (--on-changed skip)"));
        continue;
      }
      print_note(tool, concat(changed, "; ingesting it whole again (--on-changed ingest)"));
      p.inputs.push_back(in);
      p.ledger.push_back(e);
      continue;
    }
    if (const dataset::LedgerEntry* same = m.find_hash(e.hash); same && same->size == e.size) {
      print_note(tool, concat(in.display, ": same content as ", same->path, ", ingested ", same->ingested_at,
                              "; skipped"));
      ++p.skipped;
      continue;
    }
    auto twin = std::find_if(this_run.begin(), this_run.end(), [&](const auto& x) { return x.first == e.hash; });
    if (twin != this_run.end()) {
      print_note(tool, concat(in.display, ": same content as ", twin->second, " in this run; skipped"));
      ++p.skipped;
      continue;
    }
    this_run.emplace_back(e.hash, in.display);
    p.inputs.push_back(in);
    p.ledger.push_back(e);
  }
  if (own_files > 0)
    print_note(tool, concat("left out ", own_files, " file", own_files == 1 ? "" : "s", " of the dataset ", o.dataset,
                            " itself, found among the inputs"));
  return p;
}

// A dataset has one event-time field.
void check_time_field(const dataset::Writer& ds, const IngestOptions& o, const Transform& t) {
  if (!ds.manifest().time_field.empty() && !t.time_field().empty() && ds.manifest().time_field != t.time_field())
    throw Error::usage(concat("--time ", t.time_field(), ": the dataset ", o.dataset, " has event time '",
                              ds.manifest().time_field, "'"),
                       concat("use --time ", ds.manifest().time_field, ", or another dataset"));
}

void run_dataset(Context& ctx, const IngestOptions& o, const Transform& t) {
  dataset::Writer ds(o.dataset, o.wait);
  check_time_field(ds, o, t);
  Plan plan = plan_inputs(o, ds.manifest(), ctx.tool);
  for (auto& e : plan.touched) ds.add_input(e);  // committed with this run's chunk, or alone
  Sink sink(o, t.time_field());
  std::string chunk_name;
  if (!plan.inputs.empty()) {
    std::string tmp = ds.new_chunk_path();
    Output out(tmp, Output::InPlace{});
    WriteOptions wo;
    wo.codec = chunk_codec(o.codec, out);
    auto writer = make_writer(Format::Chunk, out, wo);
    try {
      ingest_pipeline(ctx, plan.inputs, o, t, sink, *writer);
    } catch (...) {
      sink.commit_rejects();
      throw;
    }
    sink.commit_rejects();
    if (sink.counts.written > 0) {
      out.commit();
      dataset::ChunkEntry e;
      e.rows = sink.counts.written;
      e.min_time = sink.min_time;
      e.max_time = sink.max_time;
      for (size_t k = 0; k < plan.inputs.size(); ++k)
        e.inputs.push_back(plan.ledger[k].path.empty() ? "<stdin>" : plan.ledger[k].path);
      ds.add_chunk(tmp, e);
    }
    for (size_t k = 0; k < plan.inputs.size(); ++k) {
      auto& e = plan.ledger[k];
      if (e.path.empty()) continue;
      e.lines = sink.lines[plan.inputs[k].display];
      ds.add_input(e);
    }
    if (!t.time_field().empty()) ds.set_time_field(t.time_field());
    ds.commit();
    if (sink.counts.written > 0) chunk_name = ds.manifest().files.back().name;
  } else {
    sink.commit_rejects();  // this run set nothing aside: an empty file says so
  }
  ds.commit();  // touched inputs alone (a no-op when nothing is pending)
  write_stats(ctx, o, sink.counts,
              concat(",\"inputs\":{\"read\":", plan.inputs.size(), ",\"skipped\":", plan.skipped, ",\"grown\":",
                     plan.grown, ",\"changed\":", plan.changed, "},\"chunk\":",
                     chunk_name.empty() ? std::string("null") : concat("\"", chunk_name, "\"")));
}

// ---- rolling -----------------------------------------------------------------------

// stdin, read on until its end or a signal. Records pile up in `text`; every roll
// point cuts the whole lines there into one chunk file and commits it. Signals are
// blocked and read from a signalfd, so one arriving mid-commit waits for the commit.
void run_roll(Context& ctx, const IngestOptions& o, const Transform& t) {
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  int sfd = ::signalfd(-1, &sigs, SFD_CLOEXEC);
  if (sfd < 0) throw Error(concat("signalfd: ", std::strerror(errno)));

  dataset::Writer ds(o.dataset, o.wait);
  check_time_field(ds, o, t);
  if (!t.time_field().empty()) ds.set_time_field(t.time_field());
  Sink sink(o, t.time_field());
  InputFile in;
  in.path = "-";
  in.display = "<stdin>";
  std::string text;          // bytes read and not yet committed
  size_t scanned = 0;        // newline-counted prefix of text
  int64_t whole_lines = 0;   // complete lines in text[0, scanned)
  int64_t next_line = 1;
  bool first = true;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::microseconds(o.roll_micros);

  // Commits the first `n` bytes of text (whole records) as one chunk.
  auto commit = [&](size_t n) {
    RawBlock raw;
    raw.format = Format::Ndjson;
    raw.keep_going = true;
    raw.input = &in;
    raw.first_in_file = first;
    raw.data.assign(text.data(), n);
    Batch b = parse_block(raw);
    ctx.counters.rows_in += b.rows;
    b.first_block = first;
    first = false;
    sink.map(t, b, raw);
    number_lines(b, next_line);
    sink.min_time.reset();  // the time range of this chunk
    sink.max_time.reset();
    sink.ordered(b);
    if (b.error) std::rethrow_exception(b.error);
    text.erase(0, n);
    scanned = 0;
    whole_lines = 0;
    if (b.rows > 0) {
      std::string tmp = ds.new_chunk_path();
      {
        Output out(tmp, Output::InPlace{});
        auto writer = make_writer(Format::Chunk, out, WriteOptions{chunk_codec(o.codec, out)});
        writer->prepare(b);
        Encoded enc;
        writer->encode(b, enc);
        writer->emit(b, enc);
        writer->finish();
        out.commit();
      }
      dataset::ChunkEntry e;
      e.rows = b.rows;
      e.inputs = {"<stdin>"};
      e.min_time = sink.min_time;  // of this chunk: reset before it
      e.max_time = sink.max_time;
      sink.counts.written += b.rows;
      ctx.counters.rows_out += b.rows;
      ds.add_chunk(tmp, e);
    }
    sink.commit_rejects();
    sink.check_percent();
    ds.commit();
  };

  bool eof = false, stop = false;
  std::vector<char> buf(1 << 16);
  while (!eof && !stop) {
    int timeout = -1;
    if (o.roll_micros) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      timeout = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left + 1, INT_MAX)));
    }
    pollfd fds[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}};
    int r = ::poll(fds, 2, timeout);
    if (r < 0 && errno != EINTR) throw Error(concat("poll: ", std::strerror(errno)));
    if (r > 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo si;
      if (::read(sfd, &si, sizeof si) > 0) stop = true;
    }
    if (r > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !stop) {
      ssize_t got = ::read(0, buf.data(), buf.size());
      if (got < 0 && errno != EINTR && errno != EAGAIN) throw Error(concat("cannot read: ", std::strerror(errno))).at("<stdin>");
      if (got == 0) eof = true;
      if (got > 0) {
        text.append(buf.data(), got);
        ctx.counters.bytes_read += got;
      }
    }
    for (size_t p; (p = text.find('\n', scanned)) != std::string::npos;) {
      scanned = p + 1;
      ++whole_lines;
      if (o.roll_rows && whole_lines == o.roll_rows) {
        commit(scanned);
      }
    }
    if (o.roll_micros && clock::now() >= deadline) {
      if (scanned > 0) commit(scanned);
      auto step = std::chrono::microseconds(o.roll_micros);
      while (deadline <= clock::now()) deadline += step;
    }
  }
  if (eof) {
    // The end of input ends the last line, newline or not.
    if (!text.empty()) commit(text.size());
  } else {
    // A signal: the whole lines are committed; a record still being written is not one.
    if (scanned > 0) commit(scanned);
    if (!text.empty()) {
      Reject r;
      r.line = next_line;
      r.reason = concat("cut off: the record was still being read when a signal ended the run (", text.size(),
                        " bytes, no newline yet)");
      r.raw = sanitize_utf8(text);
      Batch cut;
      cut.source = in.display;
      cut.first_line = next_line;
      cut.rejects.push_back(std::move(r));
      sink.read += 1;
      sink.ordered(cut);  // the rejects file, or an error naming the line
      sink.commit_rejects();
    }
  }
  ::close(sfd);
  sink.finish(sink.counts.written);
  write_stats(ctx, o, sink.counts, ",\"inputs\":{\"read\":1}");
}

}  // namespace

void run_ingest(Context& ctx, const IngestOptions& o) {
  // Flags first, before anything is read.
  bool rolling = o.roll_micros > 0 || o.roll_rows > 0;
  if (rolling && o.dataset.empty())
    throw Error::usage("--roll needs --dataset", "rolling mode commits chunk files to a dataset: -d DIR --roll 5m");
  if (rolling && !(o.inputs.empty() || (o.inputs.size() == 1 && o.inputs[0] == "-")))
    throw Error::usage("--roll reads standard input only", "pipe the stream in: producer | bk-ingest -d DIR --roll 5m");
  if (rolling && o.read.format != Format::Auto && o.read.format != Format::Ndjson)
    throw Error::usage("--roll reads NDJSON", "one JSON object per line, as mosquitto_sub prints them");
  if (!o.dataset.empty() && o.print_schema) throw Error::usage("--print-schema writes no data; leave out --dataset");
  if ((o.max_rejects >= 0 || o.max_rejects_percent >= 0) && o.rejects.empty())
    throw Error::usage("--max-rejects needs --rejects FILE", "without --rejects the first bad record stops the run");
  if (o.on_changed != IngestOptions::OnChanged::Fail && o.dataset.empty())
    throw Error::usage("--on-changed applies to --dataset runs");
  if (!o.dataset.empty() && rolling && !o.stats.empty() && o.stats == o.rejects)
    throw Error::usage("--stats and --rejects name the same file");
  for (size_t a = 0; a < o.dedup.size(); ++a)
    for (size_t b = a + 1; b < o.dedup.size(); ++b)
      if (o.dedup[a] == o.dedup[b]) throw Error::usage(concat("--dedup names '", o.dedup[a], "' twice"));

  auto tz = load_tz_flag(o.tz);
  Transform t(o, tz ? tz : std::shared_ptr<const TimeZone>(std::shared_ptr<const TimeZone>{}, &TimeZone::utc()));
  if (rolling) return run_roll(ctx, o, t);
  if (!o.dataset.empty()) return run_dataset(ctx, o, t);
  run_stream(ctx, o, t);
}

}  // namespace bk
