// The functions of the expression language (man 7 bk-expr). Each one checks its
// argument types first (so Expr::check() finds every mistake over an empty batch)
// and then runs one loop over the rows. Null in, null out, unless a function says
// otherwise (coalesce, if).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "bk/text.hpp"
#include "bk/time.hpp"
#include "expr_internal.hpp"

namespace bk {

namespace {

bool is_number(Type t) { return t == Type::Int64 || t == Type::Float64; }
bool is_text(Type t) { return t == Type::String || t == Type::Json; }

struct Call {
  const ExprNode& node;
  std::vector<Vec>& args;
  const EvalCtx& ctx;
  int64_t n() const { return ctx.n; }

  [[noreturn]] void fail_arg(size_t k, const std::string& what, const std::string& hint = {}) const {
    ctx.fail(k < node.args.size() ? *node.args[k] : node, concat(node.name, "(): ", what), hint);
  }
  void want(size_t k, bool ok, const char* kind) const {
    if (!ok) fail_arg(k, concat("argument ", k + 1, " must be ", kind, ", not ", type_name(args[k].type)));
  }
  void want_number(size_t k) const { want(k, is_number(args[k].type) || args[k].type == Type::Null, "a number"); }
  void want_text(size_t k) const { want(k, is_text(args[k].type) || args[k].type == Type::Null, "a string"); }
  void want_int(size_t k) const { want(k, args[k].type == Type::Int64 || args[k].type == Type::Null, "an integer"); }
  bool any_null_type() const {
    for (auto& a : args)
      if (a.type == Type::Null) return true;
    return false;
  }
  bool valid(int64_t i) const {
    for (auto& a : args)
      if (!a.valid(i)) return false;
    return true;
  }
};

// Row loops producing int64/bool/timestamp, float64 or string columns; f returns
// false for a null result.
template <typename F>
Vec ints(const Call& c, Type t, F f) {
  Column out = make_column(t, c.n());
  for (int64_t i = 0; i < c.n(); ++i)
    if (!c.valid(i) || !f(i, out.ints[i])) out.valid.set(i, false);
  return Vec::of(std::move(out));
}
template <typename F>
Vec floats(const Call& c, F f) {
  Column out = make_column(Type::Float64, c.n());
  for (int64_t i = 0; i < c.n(); ++i)
    if (!c.valid(i) || !f(i, out.floats[i])) out.valid.set(i, false);
  return Vec::of(std::move(out));
}
template <typename F>
Vec strings(const Call& c, F f) {
  return Vec::of(build_strings(c.n(), [&](int64_t i, std::string& out) { return c.valid(i) && f(i, out); }));
}

// Converts row i of v to type t (for coalesce/if results); false when impossible.
void put_as(Column& out, Type t, const Vec& v, int64_t i) {
  switch (t) {
    case Type::Float64: out.append_double(v.num_at(i)); break;
    case Type::Int64: out.append_int(v.int_at(i)); break;
    case Type::Bool: out.append_bool(v.int_at(i) != 0); break;
    case Type::Timestamp: out.append_timestamp(v.int_at(i)); break;
    case Type::Json:
      if (v.type == Type::Json) {
        out.append_json(v.str_at(i));
        break;
      }
      [[fallthrough]];
    case Type::String: {
      std::string s;
      append_text(s, v, i);
      out.append_string(s);
      break;
    }
    case Type::Null: out.append_null(); break;
  }
}

Type unify_args(const Call& c, size_t from, size_t step) {
  Type t = Type::Null;
  for (size_t k = from; k < c.args.size(); k += step) t = unify_types(t, c.args[k].type);
  return t;
}

// ---- general --------------------------------------------------------------------

Vec fn_coalesce(Call& c) {
  Type t = unify_args(c, 0, 1);
  if (t == Type::Null) return Vec::null();
  Column out;
  out.type = t;
  for (int64_t i = 0; i < c.n(); ++i) {
    bool done = false;
    for (auto& a : c.args) {
      if (a.type != Type::Null && a.valid(i)) {
        put_as(out, t, a, i);
        done = true;
        break;
      }
    }
    if (!done) out.append_null();
  }
  out.type = t;
  return Vec::of(std::move(out));
}

Vec fn_if(Call& c) {
  c.want(0, c.args[0].type == Type::Bool || c.args[0].type == Type::Null, "true/false");
  Type t = unify_types(c.args[1].type, c.args[2].type);
  if (t == Type::Null) return Vec::null();
  Column out;
  out.type = t;
  for (int64_t i = 0; i < c.n(); ++i) {
    bool cond = c.args[0].type == Type::Bool && c.args[0].valid(i) && c.args[0].int_at(i);
    const Vec& v = cond ? c.args[1] : c.args[2];
    if (v.type == Type::Null || !v.valid(i)) out.append_null();
    else put_as(out, t, v, i);
  }
  out.type = t;
  return Vec::of(std::move(out));
}

// ---- numbers --------------------------------------------------------------------

Vec fn_abs(Call& c) {
  c.want_number(0);
  if (c.any_null_type()) return Vec::null();
  if (c.args[0].type == Type::Int64)
    return ints(c, Type::Int64, [&](int64_t i, int64_t& r) {
      int64_t x = c.args[0].int_at(i);
      if (x == INT64_MIN) return false;
      r = x < 0 ? -x : x;
      return true;
    });
  return floats(c, [&](int64_t i, double& r) { return r = std::fabs(c.args[0].float_at(i)), true; });
}

// round(x[, digits]): half away from zero, on the shortest decimal of the double
// (round(2.675, 2) is 2.68, as a person reading 2.675 expects, although the double
// nearest 2.675 lies just below it).
double round_decimal(double x, int64_t d) {
  if (!std::isfinite(x)) return x;
  if (d < 0) {
    double p = std::pow(10.0, static_cast<double>(-std::max<int64_t>(d, -300)));
    return std::round(x / p) * p;
  }
  std::string s;
  append_double(s, x);
  if (s.find('e') != std::string::npos) {
    double p = std::pow(10.0, static_cast<double>(std::min<int64_t>(d, 300)));
    double r = std::round(x * p) / p;
    return std::isfinite(r) ? r : x;
  }
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t dot = s.find('.');
  std::string digits = s.substr(0, dot) + s.substr(dot + 1);
  size_t keep = dot + static_cast<size_t>(d);  // digits kept
  if (keep >= digits.size()) return x;
  bool up = digits[keep] >= '5';
  digits.resize(keep);
  if (up) {
    size_t k = keep;
    while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
    if (k == 0) {
      digits.insert(digits.begin(), '1');
      ++dot;
    } else {
      ++digits[k - 1];
    }
  }
  std::string text = (neg ? "-" : "") + digits.substr(0, dot) + "." + digits.substr(dot) + "0";
  return std::strtod(text.c_str(), nullptr);
}

Vec fn_round(Call& c) {
  c.want_number(0);
  if (c.args.size() > 1) c.want_int(1);
  if (c.any_null_type()) return Vec::null();
  if (c.args[0].type == Type::Int64 && c.args.size() == 1) return Vec::of(c.args[0].to_column(c.n()));
  return floats(c, [&](int64_t i, double& r) {
    r = round_decimal(c.args[0].num_at(i), c.args.size() > 1 ? c.args[1].int_at(i) : 0);
    if (r == 0) r = 0.0;  // no -0.0
    return true;
  });
}

Vec fn_floor_ceil(Call& c, bool floor) {
  c.want_number(0);
  if (c.any_null_type()) return Vec::null();
  if (c.args[0].type == Type::Int64) return Vec::of(c.args[0].to_column(c.n()));
  return floats(c, [&](int64_t i, double& r) {
    double x = c.args[0].float_at(i);
    r = floor ? std::floor(x) : std::ceil(x);
    if (r == 0) r = 0.0;  // no -0.0, as in round()
    return true;
  });
}

// ---- strings --------------------------------------------------------------------

// Counts UTF-8 code points.
int64_t utf8_length(std::string_view s) {
  int64_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// Byte offset of code point `cp` (clamped to the end).
size_t utf8_offset(std::string_view s, int64_t cp) {
  // ASCII up to and with the byte after: one byte a code point.
  if (cp >= 0 && static_cast<uint64_t>(cp) < s.size()) {
    size_t n = static_cast<size_t>(cp) + 1, i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      if (x & 0x8080808080808080ull) break;
    }
    while (i < n && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    if (i == n) return static_cast<size_t>(cp);
  }
  size_t i = 0;
  while (i < s.size() && cp > 0) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    --cp;
  }
  return i;
}

Vec fn_case(Call& c, bool upper) {
  c.want_text(0);
  if (c.any_null_type()) return Vec::null();
  return strings(c, [&](int64_t i, std::string& out) {
    for (char ch : c.args[0].str_at(i))
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return true;
  });
}

Vec fn_length(Call& c) {
  c.want_text(0);
  if (c.any_null_type()) return Vec::null();
  return ints(c, Type::Int64, [&](int64_t i, int64_t& r) { return r = utf8_length(c.args[0].str_at(i)), true; });
}

// substr(s, start[, length]) with SQL's 1-based start (counted in characters).
Vec fn_substr(Call& c) {
  c.want_text(0);
  c.want_int(1);
  if (c.args.size() > 2) c.want_int(2);
  if (c.any_null_type()) return Vec::null();
  return strings(c, [&](int64_t i, std::string& out) {
    std::string_view s = c.args[0].str_at(i);
    int64_t start = c.args[1].int_at(i);
    bool has_len = c.args.size() > 2;
    int64_t len = has_len ? c.args[2].int_at(i) : 0;
    if (len < 0) return false;
    // SQL: positions before 1 eat into the length. Saturating near the int64 limits.
    int64_t from, to = INT64_MAX;
    if (__builtin_sub_overflow(start, 1, &from)) from = INT64_MIN;
    if (has_len && __builtin_add_overflow(from, len, &to)) to = INT64_MAX;
    if (from < 0) from = 0;
    if (to <= from) return true;
    size_t a = utf8_offset(s, from);
    size_t b = to == INT64_MAX ? s.size() : a + utf8_offset(s.substr(a), to - from);
    out.append(s.substr(a, b - a));
    return true;
  });
}

Vec fn_match(Call& c, int which) {
  c.want_text(0);
  c.want_text(1);
  if (c.any_null_type()) return Vec::null();
  return ints(c, Type::Bool, [&](int64_t i, int64_t& r) {
    std::string_view s = c.args[0].str_at(i), p = c.args[1].str_at(i);
    if (which == 0) r = s.substr(0, p.size()) == p;
    else if (which == 1) r = s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
    else r = s.find(p) != std::string_view::npos;
    return true;
  });
}

Vec fn_replace(Call& c) {
  for (size_t k = 0; k < 3; ++k) c.want_text(k);
  if (c.any_null_type()) return Vec::null();
  return strings(c, [&](int64_t i, std::string& out) {
    std::string_view s = c.args[0].str_at(i), from = c.args[1].str_at(i), to = c.args[2].str_at(i);
    if (from.empty()) return out.append(s), true;
    size_t at = 0;
    for (;;) {
      size_t k = s.find(from, at);
      if (k == std::string_view::npos) break;
      out.append(s.substr(at, k - at));
      out.append(to);
      at = k + from.size();
    }
    out.append(s.substr(at));
    return true;
  });
}

// split_part(s, sep, n): the n-th piece (1-based; negative counts from the end);
// empty when there is no such piece, as in SQL.
Vec fn_split_part(Call& c) {
  c.want_text(0);
  c.want_text(1);
  c.want_int(2);
  if (c.any_null_type()) return Vec::null();
  return strings(c, [&](int64_t i, std::string& out) {
    std::string_view s = c.args[0].str_at(i), sep = c.args[1].str_at(i);
    int64_t k = c.args[2].int_at(i);
    if (k == 0) return false;
    std::vector<std::string_view> parts;
    if (sep.empty()) {
      parts.push_back(s);
    } else {
      size_t at = 0;
      for (;;) {
        size_t p = s.find(sep, at);
        parts.push_back(s.substr(at, p == std::string_view::npos ? std::string_view::npos : p - at));
        if (p == std::string_view::npos) break;
        at = p + sep.size();
      }
    }
    int64_t idx = k > 0 ? k - 1 : static_cast<int64_t>(parts.size()) + k;
    if (idx >= 0 && idx < static_cast<int64_t>(parts.size())) out.append(parts[idx]);
    return true;
  });
}

// ---- conversions ----------------------------------------------------------------

// A number written as text, for to_int() and to_float(): JSON's grammar, plus
// blanks around it, a leading '+', leading zeros (the 007 of a meter id) and a
// leading '.', as a person writes numbers.
NumberKind parse_number_text(std::string_view s, int64_t& i, double& d) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string t;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    if (s.front() == '-') t += '-';
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return NumberKind::None;
  }
  while (s.size() > 1 && s[0] == '0' && std::isdigit(static_cast<unsigned char>(s[1]))) s.remove_prefix(1);
  if (!s.empty() && s.front() == '.') t += '0';
  t += s;
  return parse_number(t, i, d);
}

Vec fn_to_int(Call& c) {
  const Vec& a = c.args[0];
  if (a.type == Type::Null) return Vec::null();
  switch (a.type) {
    case Type::Int64: return Vec::of(a.to_column(c.n()));
    case Type::Bool:
    case Type::Timestamp:
      return ints(c, Type::Int64, [&](int64_t i, int64_t& r) { return r = a.int_at(i), true; });
    case Type::Float64:
      return ints(c, Type::Int64, [&](int64_t i, int64_t& r) {
        double x = std::trunc(a.float_at(i));
        if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return false;
        r = static_cast<int64_t>(x);
        return true;
      });
    default:
      return ints(c, Type::Int64, [&](int64_t i, int64_t& r) {
        double d;
        auto k = parse_number_text(a.str_at(i), r, d);
        if (k == NumberKind::Int) return true;
        if (k == NumberKind::Float && std::trunc(d) == d && std::fabs(d) < 9.2e18) return r = static_cast<int64_t>(d), true;
        return false;  // not an integer: null
      });
  }
}

Vec fn_to_float(Call& c) {
  const Vec& a = c.args[0];
  if (a.type == Type::Null) return Vec::null();
  if (is_number(a.type) || a.type == Type::Bool)
    return floats(c, [&](int64_t i, double& r) { return r = a.num_at(i), true; });
  if (a.type == Type::Timestamp) c.fail_arg(0, "cannot convert a timestamp to float64", "use epoch_s() or epoch_ms()");
  return floats(c, [&](int64_t i, double& r) {
    int64_t iv;
    auto k = parse_number_text(a.str_at(i), iv, r);
    if (k == NumberKind::Int) r = static_cast<double>(iv);
    return k != NumberKind::None;
  });
}

Vec fn_to_string(Call& c) {
  const Vec& a = c.args[0];
  if (a.type == Type::Null) return Vec::null();
  if (a.type == Type::String) return Vec::of(a.to_column(c.n()));
  return strings(c, [&](int64_t i, std::string& out) { return append_text(out, a, i), true; });
}

// ---- time -----------------------------------------------------------------------

const TimeZone& zone_of(const Call& c) { return c.ctx.opts.tz ? *c.ctx.opts.tz : TimeZone::utc(); }

// Argument k as timestamps: a timestamp column, or strings read as RFC 3339 (a string
// that is no timestamp gives null). Returns false for the null type.
struct Times {
  std::vector<int64_t> t;
  Bitmap valid;
};
bool times_of(const Call& c, size_t k, Times& out) {
  const Vec& a = c.args[k];
  if (a.type == Type::Null) return false;
  if (a.type != Type::Timestamp && !is_text(a.type))
    c.fail_arg(k, concat("argument ", k + 1, " must be a timestamp or an RFC 3339 string, not ", type_name(a.type)),
               "convert epoch numbers with epoch_s() or epoch_ms()");
  int64_t n = c.n();
  out.t.assign(n, 0);
  out.valid.resize(n, false);
  const TimeZone& tz = zone_of(c);
  for (int64_t i = 0; i < n; ++i) {
    if (!a.valid(i)) continue;
    if (a.type == Type::Timestamp) {
      out.t[i] = a.int_at(i);
      out.valid.set(i, true);
    } else if (parse_timestamp(a.str_at(i), tz, out.t[i])) {
      out.valid.set(i, true);
    }
  }
  return true;
}

// A constant string argument (a unit or a format), checked once.
std::string constant_string(const Call& c, size_t k, const char* what) {
  const Vec& a = c.args[k];
  if (!a.is_scalar || !is_text(a.type)) c.fail_arg(k, concat(what, " must be a constant string"));
  return a.scalar.s;
}

template <typename F>
Vec time_ints(const Call& c, const Times& t, Type out_type, F f) {
  Column out = make_column(out_type, c.n());
  out.valid = t.valid;
  for (int64_t i = 0; i < c.n(); ++i)
    if (out.valid.get(i) && !f(t.t[i], out.ints[i])) out.valid.set(i, false);
  return Vec::of(std::move(out));
}

Vec fn_trunc(Call& c) {
  std::string unit_text = constant_string(c, 1, "the unit");
  TimeUnit unit;
  if (!parse_time_unit(unit_text, unit) || unit == TimeUnit::Microsecond)
    c.fail_arg(1, concat("unknown time unit '", unit_text, "'"),
               "use second, minute, hour, day, week, month, quarter or year");
  Times t;
  if (!times_of(c, 0, t)) return Vec::null();
  const TimeZone& tz = zone_of(c);
  return time_ints(c, t, Type::Timestamp, [&](int64_t x, int64_t& r) { return r = trunc_time(x, unit, tz), true; });
}

Vec fn_bucket(Call& c) {
  const Vec& w = c.args[1];
  if (!w.is_scalar || w.type != Type::Int64 || w.scalar.i <= 0)
    c.fail_arg(1, "the width must be a positive constant duration", "for example bucket(ts, 15m)");
  Times t;
  if (!times_of(c, 0, t)) return Vec::null();
  int64_t width = w.scalar.i;
  return time_ints(c, t, Type::Timestamp, [&](int64_t x, int64_t& r) { return r = bucket_time(x, width), true; });
}

Vec fn_strftime(Call& c) {
  std::string format = constant_string(c, 1, "the format");
  std::string bad;
  if (!validate_time_format(format, bad))
    c.fail_arg(1, concat("unknown directive '", bad, "' in the format"), "see man 7 bk-expr for %Y, %m, %d ...");
  Times t;
  if (!times_of(c, 0, t)) return Vec::null();
  const TimeZone& tz = zone_of(c);
  return Vec::of(build_strings(c.n(), [&](int64_t i, std::string& out) {
    return t.valid.get(i) && format_time(t.t[i], format, tz, out);
  }));
}

Vec fn_parse_time(Call& c) {
  c.want_text(0);
  std::string format;
  if (c.args.size() > 1) {
    format = constant_string(c, 1, "the format");
    std::string bad;
    if (!validate_parse_format(format, bad))
      c.fail_arg(1, concat("unknown directive '", bad, "' in the format"), "see man 7 bk-expr for %Y, %m, %d ...");
  }
  if (c.args[0].type == Type::Null) return Vec::null();
  const TimeZone& tz = zone_of(c);
  const Vec& s = c.args[0];
  return ints(c, Type::Timestamp, [&](int64_t i, int64_t& r) {
    return format.empty() ? parse_timestamp(s.str_at(i), tz, r) : parse_timestamp_format(s.str_at(i), format, tz, r);
  });
}

// epoch_s / epoch_ms: a timestamp to whole seconds / milliseconds (floored), or
// numbers of seconds / milliseconds to a timestamp.
Vec fn_epoch(Call& c, int64_t unit) {
  const Vec& a = c.args[0];
  if (a.type == Type::Null) return Vec::null();
  if (a.type == Type::Int64)
    return ints(c, Type::Timestamp, [&](int64_t i, int64_t& r) { return !__builtin_mul_overflow(a.int_at(i), unit, &r); });
  if (a.type == Type::Float64)
    return ints(c, Type::Timestamp, [&](int64_t i, int64_t& r) {
      double us = std::round(a.float_at(i) * static_cast<double>(unit));
      if (!(us >= -9.2e18 && us <= 9.2e18)) return false;
      r = static_cast<int64_t>(us);
      return true;
    });
  Times t;
  times_of(c, 0, t);
  return time_ints(c, t, Type::Int64, [&](int64_t x, int64_t& r) {
    r = x >= 0 ? x / unit : -((-x + unit - 1) / unit);
    return true;
  });
}

Vec fn_field(Call& c, int which) {
  Times t;
  if (!times_of(c, 0, t)) return Vec::null();
  const TimeZone& tz = zone_of(c);
  return time_ints(c, t, Type::Int64, [&](int64_t x, int64_t& r) {
    CivilTime ct = to_civil(x, tz);
    switch (which) {
      case 0: r = ct.year; break;
      case 1: r = ct.month; break;
      case 2: r = ct.day; break;
      case 3: r = ct.hour; break;
      default: r = ct.weekday;
    }
    return true;
  });
}

// ---- the table ------------------------------------------------------------------

struct FnDef {
  int min_args, max_args;
  std::function<Vec(Call&)> impl;
};

const std::unordered_map<std::string, FnDef>& functions() {
  static const std::unordered_map<std::string, FnDef> table = {
      {"coalesce", {1, 64, fn_coalesce}},
      {"if", {3, 3, fn_if}},
      {"abs", {1, 1, fn_abs}},
      {"round", {1, 2, fn_round}},
      {"floor", {1, 1, [](Call& c) { return fn_floor_ceil(c, true); }}},
      {"ceil", {1, 1, [](Call& c) { return fn_floor_ceil(c, false); }}},
      {"lower", {1, 1, [](Call& c) { return fn_case(c, false); }}},
      {"upper", {1, 1, [](Call& c) { return fn_case(c, true); }}},
      {"length", {1, 1, fn_length}},
      {"substr", {2, 3, fn_substr}},
      {"starts_with", {2, 2, [](Call& c) { return fn_match(c, 0); }}},
      {"ends_with", {2, 2, [](Call& c) { return fn_match(c, 1); }}},
      {"contains", {2, 2, [](Call& c) { return fn_match(c, 2); }}},
      {"replace", {3, 3, fn_replace}},
      {"split_part", {3, 3, fn_split_part}},
      {"to_int", {1, 1, fn_to_int}},
      {"to_float", {1, 1, fn_to_float}},
      {"to_string", {1, 1, fn_to_string}},
      {"trunc", {2, 2, fn_trunc}},
      {"bucket", {2, 2, fn_bucket}},
      {"strftime", {2, 2, fn_strftime}},
      {"parse_time", {1, 2, fn_parse_time}},
      {"epoch_s", {1, 1, [](Call& c) { return fn_epoch(c, kMicrosPerSecond); }}},
      {"epoch_ms", {1, 1, [](Call& c) { return fn_epoch(c, 1000); }}},
      {"year", {1, 1, [](Call& c) { return fn_field(c, 0); }}},
      {"month", {1, 1, [](Call& c) { return fn_field(c, 1); }}},
      {"day", {1, 1, [](Call& c) { return fn_field(c, 2); }}},
      {"hour", {1, 1, [](Call& c) { return fn_field(c, 3); }}},
      {"weekday", {1, 1, [](Call& c) { return fn_field(c, 4); }}},
  };
  return table;
}

}  // namespace

bool is_function(std::string_view name) { return functions().count(std::string(name)) > 0; }

std::vector<std::string> function_names() {
  std::vector<std::string> v;
  for (const auto& [name, def] : functions()) v.push_back(name);
  std::sort(v.begin(), v.end());
  return v;
}

Vec eval_call(const ExprNode& node, std::vector<Vec>& args, const EvalCtx& ctx) {
  const FnDef& def = functions().at(node.name);
  int n = static_cast<int>(args.size());
  if (n < def.min_args || n > def.max_args) {
    std::string want = def.min_args == def.max_args ? concat(def.min_args) : concat(def.min_args, " to ", def.max_args);
    ctx.fail(node, concat(node.name, "() takes ", want, " argument", def.max_args == 1 ? "" : "s", ", not ", n),
             "see man 7 bk-expr");
  }
  Call c{node, args, ctx};
  return def.impl(c);
}

}  // namespace bk
