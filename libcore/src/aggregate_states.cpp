// bk-aggregate's states: one class per kind, holding the state of every group of a
// table in a vector indexed by group id. Each merges exactly and independently of
// order, and saves to deterministic bytes for --partial.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "aggregate_internal.hpp"
#include "bk/error.hpp"
#include "bk/exact.hpp"
#include "bk/text.hpp"

namespace bk::agg {

Type key_output_type(uint32_t mask) {
  Type t = Type::Null;
  for (Type x : {Type::Bool, Type::Int64, Type::Float64, Type::Timestamp, Type::String, Type::Json})
    if (has_type(mask, x)) t = unify_types(t, x);
  return t;
}

// ---- state helpers -------------------------------------------------------------------

namespace {

void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
bool get_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  std::memcpy(&v, in.data(), 8);
  in.remove_prefix(8);
  return true;
}
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}
bool get_str(std::string_view& in, std::string& s) {
  uint64_t n;
  if (!get_u64(in, n) || n > in.size()) return false;
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

// A number as a double (ints converted), for states that work on doubles.
inline double num(const Column& c, int64_t i) {
  return c.type == Type::Float64 ? c.floats[i] : static_cast<double>(c.ints[i]);
}

// f(j, x) for each row[j] of `c` that holds a number x (as a double); none when `c`
// holds no numbers.
template <typename F>
void each_number(const Column& c, const uint32_t* row, int64_t rows, F f) {
  if (c.type != Type::Int64 && c.type != Type::Float64) return;
  for (int64_t j = 0; j < rows; ++j)
    if (c.valid.get(row[j])) f(j, num(c, row[j]));
}

constexpr int64_t kAhead = 24;  // rows ahead whose state is prefetched

// The states of a table's groups, indexed by group id, in pages of a fixed number of
// states: growing never moves (or copies) the states already there, and touches only
// the memory of the new ones.
template <typename T>
class Paged {
 public:
  static constexpr uint32_t kShift = 10, kPage = 1u << kShift;
  // Pages start on a cache line: a 64-byte state (a NumberSum) is then one line.
  static constexpr std::align_val_t kAlign{alignof(T) > 64 ? alignof(T) : 64};
  Paged() = default;
  Paged(const Paged&) = delete;
  Paged& operator=(const Paged&) = delete;
  ~Paged() {
    for (uint32_t g = 0; g < size_; ++g) (*this)[g].~T();
    for (T* page : pages_) ::operator delete(page, kAlign);
  }
  uint32_t size() const { return size_; }
  T& operator[](uint32_t g) { return pages_[g >> kShift][g & (kPage - 1)]; }
  const T& operator[](uint32_t g) const { return pages_[g >> kShift][g & (kPage - 1)]; }
  void resize(uint32_t n) {  // grows only (groups are never removed)
    while (size_ < n) {
      if ((size_ & (kPage - 1)) == 0)
        pages_.push_back(static_cast<T*>(::operator new(sizeof(T) * kPage, kAlign)));
      new (&(*this)[size_]) T();
      ++size_;
    }
  }

 private:
  std::vector<T*> pages_;
  uint32_t size_ = 0;
};

// One value of any type, small: strings live apart (in the owning States' `strs`).
struct Val {
  enum Tag : uint8_t { None = 0, Bool, Int, Float, Time, Str, Json };
  Tag tag = None;
  union {
    int64_t i;
    double f;
  };
  Val() : i(0) {}
};

int category(Val::Tag t) {  // values comparable with each other share a category
  switch (t) {
    case Val::Int:
    case Val::Float: return 1;
    case Val::Str:
    case Val::Json: return 3;
    default: return t == Val::Bool ? 0 : 2;
  }
}

// Exact comparison of an int64 and a double.
int cmp_int_double(int64_t a, double b) {
  if (std::isnan(b)) return -1;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (b >= kTwo63) return -1;
  if (b < -kTwo63) return 1;
  double w = std::floor(b);
  auto bi = static_cast<int64_t>(w);
  if (a != bi) return a < bi ? -1 : 1;
  return b > w ? -1 : 0;
}

// Compares a (with string sa) and b (with string sb); same category expected.
int compare(const Val& a, std::string_view sa, const Val& b, std::string_view sb) {
  int ca = category(a.tag), cb = category(b.tag);
  if (ca != cb) return ca < cb ? -1 : 1;
  switch (ca) {
    case 1:
      if (a.tag == Val::Int && b.tag == Val::Int) return a.i < b.i ? -1 : a.i > b.i;
      if (a.tag == Val::Float && b.tag == Val::Float) {
        if (std::isnan(a.f) || std::isnan(b.f)) return std::isnan(a.f) - std::isnan(b.f);
        return a.f < b.f ? -1 : a.f > b.f;
      }
      if (a.tag == Val::Int) return cmp_int_double(a.i, b.f);
      return -cmp_int_double(b.i, a.f);
    case 3: {
      int c = sa.compare(sb);
      return c < 0 ? -1 : c > 0;
    }
    default: return a.i < b.i ? -1 : a.i > b.i;
  }
}

Val::Tag tag_of(Type t) {
  switch (t) {
    case Type::Bool: return Val::Bool;
    case Type::Int64: return Val::Int;
    case Type::Float64: return Val::Float;
    case Type::Timestamp: return Val::Time;
    case Type::String: return Val::Str;
    case Type::Json: return Val::Json;
    default: return Val::None;
  }
}

Val val_at(const Column& c, int64_t i) {
  Val v;
  v.tag = tag_of(c.type);
  if (c.type == Type::Float64)
    v.f = c.floats[i];
  else if (v.tag != Val::Str && v.tag != Val::Json)
    v.i = c.ints[i];
  return v;
}

std::string_view str_at(const Column& c, int64_t i) {
  return (c.type == Type::String || c.type == Type::Json) ? c.str(i) : std::string_view();
}

void put_val(std::string& out, const Val& v, std::string_view s) {
  out += static_cast<char>(v.tag);
  if (v.tag == Val::Str || v.tag == Val::Json)
    put_str(out, s);
  else if (v.tag != Val::None)
    put_u64(out, static_cast<uint64_t>(v.i));
}
bool get_val(std::string_view& in, Val& v, std::string& s) {
  if (in.empty()) return false;
  auto tag = static_cast<uint8_t>(in[0]);
  if (tag > Val::Json) return false;
  in.remove_prefix(1);
  v.tag = static_cast<Val::Tag>(tag);
  if (v.tag == Val::Str || v.tag == Val::Json) return get_str(in, s);
  if (v.tag == Val::None) return true;
  uint64_t u;
  if (!get_u64(in, u)) return false;
  v.i = static_cast<int64_t>(u);
  return true;
}

void append_val(Column& out, const Val& v, std::string_view s) {
  switch (v.tag) {
    case Val::None: out.append_null(); break;
    case Val::Bool: out.append_bool(v.i != 0); break;
    case Val::Int:
      if (out.type == Type::Float64)
        out.append_double(static_cast<double>(v.i));
      else
        out.append_int(v.i);
      break;
    case Val::Float: out.append_double(v.f); break;
    case Val::Time: out.append_timestamp(v.i); break;
    case Val::Str: out.append_string(s); break;
    case Val::Json: out.append_json(s); break;
  }
}

template <typename S>
const S& as(const States& s) {
  return static_cast<const S&>(s);
}

// ---- count -----------------------------------------------------------------------

class CountStates : public States {
 public:
  Paged<int64_t> n;
  void prefetch(uint32_t g) const override { __builtin_prefetch(&n[g]); }
  void resize(uint32_t g) override { n.resize(g); }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    if (!arg) {
      for (int64_t j = 0; j < rows; ++j) {
        if (j + kAhead < rows) __builtin_prefetch(&n[gid[j + kAhead]]);
        ++n[gid[j]];
      }
      return;
    }
    if (arg->type == Type::Null) return;
    for (int64_t j = 0; j < rows; ++j) n[gid[j]] += arg->valid.get(row[j]);
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override { n[g] += as<CountStates>(src).n[sg]; }
  void save(uint32_t g, std::string& out) const override { put_u64(out, static_cast<uint64_t>(n[g])); }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    uint64_t v;
    if (!get_u64(in, v)) return false;
    n[g] += static_cast<int64_t>(v);
    return true;
  }
};

// ---- sum and mean ------------------------------------------------------------------

static_assert(sizeof(NumberSum) == 64, "a sum state is one cache line");

class SumStates : public States {
 public:
  Paged<NumberSum> s;
  void prefetch(uint32_t g) const override { __builtin_prefetch(&s[g]); }  // one line
  void resize(uint32_t g) override { s.resize(g); }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    const Column& c = *arg;
    if (c.type != Type::Int64 && c.type != Type::Float64) return;
    const bool ints = c.type == Type::Int64;
    // A float column whose values are all m / 10^k as written (chunk files) says so;
    // else each value is asked (short_decimal), so the answer never depends on what
    // else shares its block.
    const int k = c.decimals;
    const bool have_m = !ints && k >= 0 && k <= DecimalSum::kMaxScale && c.ints.size() == c.floats.size();
    int guess = 0;
    for (int64_t j = 0; j < rows; ++j) {
      if (j + kAhead < rows) __builtin_prefetch(&s[gid[j + kAhead]]);  // one cache line
      const int64_t i = row[j];
      if (!c.valid.get(i)) continue;
      NumberSum& t = s[gid[j]];
      if (ints)
        t.add_int(c.ints[i]);
      else if (have_m)
        t.add_decimal(c.floats[i], c.ints[i], k, guess);
      else
        t.add_double(c.floats[i], guess);
    }
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override { s[g].merge(as<SumStates>(src).s[sg]); }
  void save(uint32_t g, std::string& out) const override { s[g].save(out); }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    NumberSum o;
    if (!o.load(in)) return false;
    s[g].merge(o);
    return true;
  }
};

// ---- var and stddev ------------------------------------------------------------------

struct Moments {
  int64_t n = 0;
  ExactSum s1, s2;
};

class VarStates : public States {
 public:
  Paged<Moments> m;
  void resize(uint32_t g) override { m.resize(g); }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    each_number(*arg, row, rows, [&](int64_t j, double x) {
      Moments& t = m[gid[j]];
      ++t.n;
      t.s1.add(x);
      add_square(t.s2, x);
    });
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override {
    const Moments& o = as<VarStates>(src).m[sg];
    m[g].n += o.n;
    m[g].s1.merge(o.s1);
    m[g].s2.merge(o.s2);
  }
  void save(uint32_t g, std::string& out) const override {
    put_u64(out, static_cast<uint64_t>(m[g].n));
    m[g].s1.save(out);
    m[g].s2.save(out);
  }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    Moments o;
    uint64_t n;
    if (!get_u64(in, n) || !o.s1.load(in) || !o.s2.load(in)) return false;
    m[g].n += static_cast<int64_t>(n);
    m[g].s1.merge(o.s1);
    m[g].s2.merge(o.s2);
    return true;
  }
};

// ---- min and max -----------------------------------------------------------------------

class ExtremeStates : public States {
 public:
  explicit ExtremeStates(int sign) : sign_(sign) {}  // -1: min, +1: max
  Paged<Val> v;
  void prefetch(uint32_t g) const override { __builtin_prefetch(&v[g]); }
  std::vector<std::string> strs;  // string values, once any arrives

  std::string_view str(uint32_t g) const { return g < strs.size() ? std::string_view(strs[g]) : std::string_view(); }
  void resize(uint32_t g) override {
    v.resize(g);
    if (!strs.empty()) strs.resize(g);
  }
  void offer(uint32_t g, const Val& x, std::string_view xs) {
    Val& cur = v[g];
    if (cur.tag != Val::None && compare(x, xs, cur, str(g)) * sign_ <= 0) return;
    cur = x;
    if (x.tag == Val::Str || x.tag == Val::Json) {
      if (strs.size() < v.size()) strs.resize(v.size());
      strs[g].assign(xs);
    }
  }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    const Column& c = *arg;
    if (c.type == Type::Null) return;
    if (c.type == Type::Float64 || c.type == Type::Int64) {
      // The common case, without the general comparison.
      bool f = c.type == Type::Float64;
      for (int64_t j = 0; j < rows; ++j) {
        if (j + kAhead < rows) __builtin_prefetch(&v[gid[j + kAhead]]);
        const int64_t i = row[j];
        if (!c.valid.get(i)) continue;
        Val& cur = v[gid[j]];
        Val x;
        x.tag = f ? Val::Float : Val::Int;
        if (f)
          x.f = c.floats[i];
        else
          x.i = c.ints[i];
        if (cur.tag == x.tag && !(f && std::isnan(x.f)) && !(f && std::isnan(cur.f))) {
          bool better = f ? (sign_ < 0 ? x.f < cur.f : x.f > cur.f) : (sign_ < 0 ? x.i < cur.i : x.i > cur.i);
          if (better) cur = x;
          continue;
        }
        offer(gid[j], x, {});
      }
      return;
    }
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t i = row[j];
      if (c.valid.get(i)) offer(gid[j], val_at(c, i), str_at(c, i));
    }
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override {
    const auto& o = as<ExtremeStates>(src);
    if (o.v[sg].tag != Val::None) offer(g, o.v[sg], o.str(sg));
  }
  void save(uint32_t g, std::string& out) const override { put_val(out, v[g], str(g)); }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    Val x;
    std::string s;
    if (!get_val(in, x, s)) return false;
    if (x.tag != Val::None) offer(g, x, s);
    return true;
  }

 private:
  int sign_;
};

// ---- first and last by event time ----------------------------------------------------------

struct Pick {
  int64_t time = 0;
  uint64_t source = 0, ordinal = 0;  // input order: the partial file, then the record
  Val v;
};

class PickStates : public States {
 public:
  explicit PickStates(int sign) : sign_(sign) {}  // -1: first, +1: last
  Paged<Pick> p;
  std::vector<std::string> strs;
  std::string_view str(uint32_t g) const { return g < strs.size() ? std::string_view(strs[g]) : std::string_view(); }
  void resize(uint32_t g) override {
    p.resize(g);
    if (!strs.empty()) strs.resize(g);
  }
  // Earlier in (time, source, ordinal) for first, later for last.
  void offer(uint32_t g, const Pick& x, std::string_view xs) {
    Pick& cur = p[g];
    if (cur.v.tag != Val::None) {
      auto key = [](const Pick& a) { return std::tuple(a.time, a.source, a.ordinal); };
      if (sign_ < 0 ? !(key(x) < key(cur)) : !(key(cur) < key(x))) return;
    }
    cur = x;
    if (x.v.tag == Val::Str || x.v.tag == Val::Json) {
      if (strs.size() < p.size()) strs.resize(p.size());
      strs[g].assign(xs);
    }
  }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo& info) override {
    const Column& c = *arg;
    if (c.type == Type::Null) return;
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t i = row[j];
      if (!c.valid.get(i)) continue;
      Pick x;
      x.time = info.time[i];
      x.source = 0;
      x.ordinal = info.ordinal_base + static_cast<uint64_t>(i);
      x.v = val_at(c, i);
      offer(gid[j], x, str_at(c, i));
    }
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override {
    const auto& o = as<PickStates>(src);
    if (o.p[sg].v.tag != Val::None) offer(g, o.p[sg], o.str(sg));
  }
  void save(uint32_t g, std::string& out) const override {
    put_u64(out, static_cast<uint64_t>(p[g].time));
    put_u64(out, p[g].ordinal);
    put_val(out, p[g].v, str(g));
  }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t source) override {
    Pick x;
    uint64_t t;
    std::string s;
    if (!get_u64(in, t) || !get_u64(in, x.ordinal) || !get_val(in, x.v, s)) return false;
    x.time = static_cast<int64_t>(t);
    x.source = source;
    if (x.v.tag != Val::None) offer(g, x, s);
    return true;
  }

 private:
  int sign_;
};

// ---- count_distinct ------------------------------------------------------------------------

// The distinct values of each group, as key encodings (5 and 5.0 alike). Kept as a
// list made unique whenever it doubles, so memory follows the distinct count.
class DistinctStates : public States {
 public:
  struct Set {
    std::vector<std::string> v;
    size_t unique = 0;  // v[0, unique) is sorted and unique
  };
  std::vector<Set> s;
  void resize(uint32_t g) override { s.resize(g); }
  static void compact(Set& t) {
    std::sort(t.v.begin(), t.v.end());
    t.v.erase(std::unique(t.v.begin(), t.v.end()), t.v.end());
    t.unique = t.v.size();
  }
  static void add(Set& t, std::string x) {
    t.v.push_back(std::move(x));
    if (t.v.size() >= 2 * t.unique + 16) compact(t);
  }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    const Column& c = *arg;
    if (c.type == Type::Null) return;
    std::string k;
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t i = row[j];
      if (!c.valid.get(i)) continue;
      k.clear();
      encode_key_part(k, c, i);
      add(s[gid[j]], k);
    }
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override {
    for (const auto& x : as<DistinctStates>(src).s[sg].v) add(s[g], x);
  }
  int64_t count(uint32_t g) const {
    auto& t = const_cast<Set&>(s[g]);  // finishing compacts in place (one thread per group)
    if (t.unique != t.v.size()) compact(t);
    return static_cast<int64_t>(t.v.size());
  }
  void save(uint32_t g, std::string& out) const override {
    count(g);
    put_u64(out, s[g].v.size());
    for (const auto& x : s[g].v) put_str(out, x);
  }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    uint64_t n;
    if (!get_u64(in, n) || n > in.size()) return false;
    std::string x;
    for (uint64_t k = 0; k < n; ++k) {
      if (!get_str(in, x)) return false;
      add(s[g], x);
    }
    return true;
  }
};

// ---- approx_distinct -------------------------------------------------------------------------

// A sketch per group (HyperLogLog, DDSketch): it merges, saves and loads itself.
template <typename Sketch>
class SketchStates : public States {
 public:
  std::vector<Sketch> v;
  void resize(uint32_t g) override { v.resize(g); }
  void merge(uint32_t g, const States& src, uint32_t sg) override { v[g].merge(as<SketchStates>(src).v[sg]); }
  void save(uint32_t g, std::string& out) const override { v[g].save(out); }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    Sketch o;
    if (!o.load(in)) return false;
    v[g].merge(o);
    return true;
  }
};

class HllStates : public SketchStates<HyperLogLog> {
 public:
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    const Column& c = *arg;
    if (c.type == Type::Null) return;
    std::string k;
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t i = row[j];
      if (!c.valid.get(i)) continue;
      k.clear();
      encode_key_part(k, c, i);
      v[gid[j]].add_hash(hash_key(k));
    }
  }
};

// ---- median and quantile (exact): every value kept ---------------------------------------------

class ValuesStates : public States {
 public:
  struct List {
    std::vector<double> v;
    bool sorted = true;
  };
  std::vector<List> l;
  void resize(uint32_t g) override { l.resize(g); }
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    each_number(*arg, row, rows, [&](int64_t j, double x) {
      List& t = l[gid[j]];
      t.v.push_back(x);
      t.sorted = false;
    });
  }
  void merge(uint32_t g, const States& src, uint32_t sg) override {
    const auto& o = as<ValuesStates>(src).l[sg];
    l[g].v.insert(l[g].v.end(), o.v.begin(), o.v.end());
    l[g].sorted = false;
  }
  const std::vector<double>& sorted(uint32_t g) const {
    auto& t = const_cast<List&>(l[g]);  // finishing sorts in place (one thread per group)
    if (!t.sorted) {
      std::sort(t.v.begin(), t.v.end());
      t.sorted = true;
    }
    return t.v;
  }
  void save(uint32_t g, std::string& out) const override {
    const auto& v = sorted(g);
    put_u64(out, v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
  bool load_merge(uint32_t g, std::string_view& in, uint64_t) override {
    uint64_t n;
    if (!get_u64(in, n) || n > in.size() / sizeof(double)) return false;
    size_t at = l[g].v.size();
    l[g].v.resize(at + n);
    if (n) std::memcpy(l[g].v.data() + at, in.data(), n * sizeof(double));
    in.remove_prefix(n * sizeof(double));
    l[g].sorted = false;
    return true;
  }
};

// ---- approx_quantile ------------------------------------------------------------------------------

class QuantileSketchStates : public SketchStates<DDSketch> {
 public:
  void update(const uint32_t* gid, const uint32_t* row, int64_t rows, const Column* arg, const RowInfo&) override {
    each_number(*arg, row, rows, [&](int64_t j, double x) {
      if (std::isfinite(x)) v[gid[j]].add(x);
    });
  }
};

// Linear interpolation between the ranks around q·(n-1) (DuckDB's quantile_cont).
double interpolate(const std::vector<double>& v, double q) {
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  double d = pos - static_cast<double>(lo);
  if (d == 0 || v[lo] == v[hi]) return v[lo];
  return v[lo] + (v[hi] - v[lo]) * d;
}

}  // namespace

std::unique_ptr<States> make_states(Kind k) {
  switch (k) {
    case Kind::Count: return std::make_unique<CountStates>();
    case Kind::Sum: return std::make_unique<SumStates>();
    case Kind::Var: return std::make_unique<VarStates>();
    case Kind::Min: return std::make_unique<ExtremeStates>(-1);
    case Kind::Max: return std::make_unique<ExtremeStates>(1);
    case Kind::First: return std::make_unique<PickStates>(-1);
    case Kind::Last: return std::make_unique<PickStates>(1);
    case Kind::Distinct: return std::make_unique<DistinctStates>();
    case Kind::Hll: return std::make_unique<HllStates>();
    case Kind::Values: return std::make_unique<ValuesStates>();
    case Kind::Sketch: return std::make_unique<QuantileSketchStates>();
  }
  return nullptr;
}

Type result_type(Fn fn, uint32_t mask) {
  switch (fn) {
    case Fn::CountStar:
    case Fn::Count:
    case Fn::CountDistinct:
    case Fn::ApproxDistinct: return Type::Int64;
    case Fn::Sum: return has_type(mask, Type::Float64) ? Type::Float64 : Type::Int64;
    case Fn::Mean:
    case Fn::Var:
    case Fn::Stddev:
    case Fn::Median:
    case Fn::Quantile:
    case Fn::ApproxQuantile: return Type::Float64;
    case Fn::Min:
    case Fn::Max:
    case Fn::First:
    case Fn::Last: return key_output_type(mask);
  }
  return Type::Null;
}

void finish(const Call& call, const States& st, uint32_t g, Column& out) {
  auto put_double = [&](double x) {
    if (std::isnan(x))
      out.append_null();
    else
      out.append_double(x);
  };
  switch (call.fn) {
    case Fn::CountStar:
    case Fn::Count: out.append_int(as<CountStates>(st).n[g]); return;
    case Fn::Sum:
    case Fn::Mean: {
      const NumberSum& s = as<SumStates>(st).s[g];
      if (s.n == 0) return out.append_null();
      if (call.fn == Fn::Mean) return put_double(s.mean());
      if (out.type == Type::Int64) {
        int64_t v;
        if (!s.as_int64(v))
          throw Error(concat("sum(", call.arg, ") of int64 values is beyond the range of int64 in a group"),
                      concat("sum them as floats: sum(to_float(", call.arg, "))"));
        return out.append_int(v);
      }
      return put_double(s.value());
    }
    case Fn::Var:
    case Fn::Stddev: {
      const Moments& m = as<VarStates>(st).m[g];
      if (m.n < 2) return out.append_null();
      double v = exact_variance(m.s1, m.s2, static_cast<uint64_t>(m.n));
      return put_double(call.fn == Fn::Var ? v : std::sqrt(v));
    }
    case Fn::Min:
    case Fn::Max: {
      const auto& e = as<ExtremeStates>(st);
      return append_val(out, e.v[g], e.str(g));
    }
    case Fn::First:
    case Fn::Last: {
      const auto& p = as<PickStates>(st);
      return append_val(out, p.p[g].v, p.str(g));
    }
    case Fn::CountDistinct: out.append_int(as<DistinctStates>(st).count(g)); return;
    case Fn::ApproxDistinct: out.append_int(as<HllStates>(st).v[g].estimate()); return;
    case Fn::Median:
    case Fn::Quantile: {
      const auto& v = as<ValuesStates>(st).sorted(g);
      if (v.empty()) return out.append_null();
      return put_double(interpolate(v, call.q));
    }
    case Fn::ApproxQuantile: {
      const auto& d = as<QuantileSketchStates>(st).v[g];
      if (d.count() == 0) return out.append_null();
      return put_double(d.quantile(call.q));
    }
  }
}

}  // namespace bk::agg
