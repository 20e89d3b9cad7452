#include "bk/batch.hpp"

#include <bit>
#include <cstring>
#include <string>
#include <type_traits>

#include "bk/text.hpp"

namespace bk {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Int64: return "int64";
    case Type::Float64: return "float64";
    case Type::String: return "string";
    case Type::Timestamp: return "timestamp";
    case Type::Json: return "json";
  }
  return "?";
}

Type unify_types(Type a, Type b) {
  if (a == b || b == Type::Null) return a;
  if (a == Type::Null) return b;
  if ((a == Type::Int64 && b == Type::Float64) || (a == Type::Float64 && b == Type::Int64)) return Type::Float64;
  return Type::String;
}

bool parse_type_name(std::string_view name, Type& out) {
  for (Type t : {Type::Null, Type::Bool, Type::Int64, Type::Float64, Type::String, Type::Timestamp, Type::Json}) {
    if (type_name(t) == name) { out = t; return true; }
  }
  if (name == "int") { out = Type::Int64; return true; }
  if (name == "float" || name == "double") { out = Type::Float64; return true; }
  return false;
}

void Bitmap::resize(int64_t n, bool v) {
  if (n < size_) {
    words_.resize((n + 63) / 64);
    size_ = n;
    if (n & 63) words_.back() &= (uint64_t(1) << (n & 63)) - 1;  // bits past the end stay zero
    return;
  }
  // Fill the rest of the last word, then whole words.
  while (size_ < n && (size_ & 63) != 0) push_back(v);
  if (size_ == n) return;
  int64_t full = (n - size_) / 64;
  words_.insert(words_.end(), static_cast<size_t>(full), v ? ~uint64_t(0) : 0);
  size_ += full * 64;
  while (size_ < n) push_back(v);
}

void Bitmap::append(const Bitmap& other) {
  if (other.size_ == 0) return;
  const int shift = static_cast<int>(size_ & 63);
  if (shift == 0) {
    words_.insert(words_.end(), other.words_.begin(), other.words_.end());
  } else {
    // Bits past the end are zero on both sides, so whole words can be shifted in.
    for (uint64_t w : other.words_) {
      words_.back() |= w << shift;
      words_.push_back(w >> (64 - shift));
    }
  }
  size_ += other.size_;
  words_.resize((size_ + 63) / 64);
}

void Bitmap::assign_bytes(const char* p, int64_t n) {
  words_.assign((n + 63) / 64, 0);
  if (n > 0) std::memcpy(words_.data(), p, static_cast<size_t>((n + 7) / 8));
  size_ = n;
  if (n & 63) words_.back() &= (uint64_t(1) << (n & 63)) - 1;
}

int64_t Bitmap::count() const {
  int64_t c = 0;
  for (uint64_t w : words_) c += std::popcount(w);
  return c;
}

void append_value_text(std::string& out, const Column& c, int64_t i) {
  switch (c.type) {
    case Type::Null: break;
    case Type::Bool: out += c.ints[i] ? "true" : "false"; break;
    case Type::Int64: append_int(out, c.ints[i]); break;
    case Type::Float64: append_double(out, c.floats[i]); break;
    case Type::Timestamp: append_timestamp(out, c.ints[i]); break;
    case Type::String:
    case Type::Json: out += c.str(i); break;
  }
}

void Column::become(Type t) {
  // Only called while the column is Null: every earlier row is null.
  type = t;
  decimals = -1;
  int64_t n = size();
  switch (t) {
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: ints.assign(n, 0); break;
    case Type::Float64: floats.assign(n, 0.0); break;
    case Type::String:
    case Type::Json: offsets.assign(n + 1, 0); bytes.clear(); break;
    case Type::Null: break;
  }
}

void Column::to_strings() {
  if (type == Type::String) return;
  if (type == Type::Json) { type = Type::String; return; }
  std::vector<uint64_t> offs;
  offs.reserve(size() + 1);
  offs.push_back(0);
  std::string text;
  for (int64_t i = 0; i < size(); ++i) {
    if (valid.get(i)) append_value_text(text, *this, i);
    offs.push_back(text.size());
  }
  ints.clear();
  floats.clear();
  offsets = std::move(offs);
  bytes = std::move(text);
  type = Type::String;
}

void Column::to_floats() {
  floats.resize(ints.size());
  for (size_t k = 0; k < ints.size(); ++k) floats[k] = static_cast<double>(ints[k]);
  ints.clear();
  type = Type::Float64;
  decimals = -1;
}

void Column::append_null() {
  valid.push_back(false);
  switch (type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: ints.push_back(0); break;
    case Type::Float64: floats.push_back(0.0); break;
    case Type::String:
    case Type::Json: offsets.push_back(bytes.size()); break;
  }
}

void Column::append_bool(bool v) {
  if (type == Type::Null) become(Type::Bool);
  if (type == Type::Bool) {
    ints.push_back(v);
    valid.push_back(true);
    return;
  }
  append_string(v ? "true" : "false");
}

void Column::widen_append_int(int64_t v) {
  if (type == Type::Null) become(Type::Int64);
  if (type == Type::Int64) {
    ints.push_back(v);
    valid.push_back(true);
  } else if (type == Type::Float64) {
    floats.push_back(static_cast<double>(v));
    valid.push_back(true);
    decimals = -1;
  } else {
    std::string s;
    bk::append_int(s, v);
    append_string(s);
  }
}

void Column::widen_append_double(double v) {
  if (type == Type::Null) become(Type::Float64);
  if (type == Type::Int64) to_floats();
  if (type == Type::Float64) {
    floats.push_back(v);
    valid.push_back(true);
    decimals = -1;
  } else {
    std::string s;
    bk::append_double(s, v);
    append_string(s);
  }
}

void Column::append_timestamp(int64_t micros) {
  if (type == Type::Null) become(Type::Timestamp);
  if (type == Type::Timestamp) {
    ints.push_back(micros);
    valid.push_back(true);
  } else {
    std::string s;
    bk::append_timestamp(s, micros);
    append_string(s);
  }
}

void Column::widen_append_string(std::string_view v) {
  if (type == Type::Null) become(Type::String);
  if (type != Type::String) to_strings();
  bytes.append(v);
  offsets.push_back(bytes.size());
  valid.push_back(true);
}

void Column::append_json(std::string_view v) {
  if (type == Type::Null) become(Type::Json);
  if (type != Type::Json) {
    append_string(v);
    return;
  }
  bytes.append(v);
  offsets.push_back(bytes.size());
  valid.push_back(true);
}

void Column::pop_back() {
  valid.pop_back();
  switch (type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: ints.pop_back(); break;
    case Type::Float64: floats.pop_back(); break;
    case Type::String:
    case Type::Json:
      offsets.pop_back();
      bytes.resize(offsets.back());
      break;
  }
}

void Column::append_from(const Column& src, int64_t i) {
  if (!src.valid.get(i)) return append_null();
  switch (src.type) {
    case Type::Null: append_null(); break;
    case Type::Bool: append_bool(src.ints[i] != 0); break;
    case Type::Int64: append_int(src.ints[i]); break;
    case Type::Float64: append_double(src.floats[i]); break;
    case Type::Timestamp: append_timestamp(src.ints[i]); break;
    case Type::String: append_string(src.str(i)); break;
    case Type::Json: append_json(src.str(i)); break;
  }
}

Column take_rows(const Column& src, const uint32_t* idx, size_t n) {
  Column out;
  out.type = src.type;
  out.decimals = src.decimals;
  out.valid.resize(static_cast<int64_t>(n), false);
  auto valid = [&](size_t k) { return idx[k] != kNoRow && src.valid.get(idx[k]); };
  switch (src.type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp:
      out.ints.resize(n);
      for (size_t k = 0; k < n; ++k) {
        if (!valid(k)) continue;
        out.ints[k] = src.ints[idx[k]];
        out.valid.set(static_cast<int64_t>(k), true);
      }
      break;
    case Type::Float64: {
      // The decimal mantissas (see Column::decimals) come along when the column has them.
      bool mantissas = src.decimals >= 0 && src.ints.size() == src.floats.size();
      out.floats.resize(n);
      if (mantissas) out.ints.resize(n);
      for (size_t k = 0; k < n; ++k) {
        if (!valid(k)) continue;
        out.floats[k] = src.floats[idx[k]];
        if (mantissas) out.ints[k] = src.ints[idx[k]];
        out.valid.set(static_cast<int64_t>(k), true);
      }
      break;
    }
    case Type::String:
    case Type::Json: {
      size_t bytes = 0;
      for (size_t k = 0; k < n; ++k)
        if (valid(k)) bytes += src.offsets[idx[k] + 1] - src.offsets[idx[k]];
      out.bytes.resize(bytes);
      out.offsets.resize(n + 1);
      char* p = out.bytes.data();
      for (size_t k = 0; k < n; ++k) {
        if (valid(k)) {
          std::string_view v = src.str(idx[k]);
          std::memcpy(p, v.data(), v.size());
          p += v.size();
          out.valid.set(static_cast<int64_t>(k), true);
        }
        out.offsets[k + 1] = static_cast<uint64_t>(p - out.bytes.data());
      }
      break;
    }
  }
  return out;
}

Column Column::nulls(int64_t n) {
  Column c;
  c.valid.resize(n, false);
  return c;
}

int64_t Batch::find(std::string_view name) const {
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<int64_t>(k);
  return -1;
}

Column& Batch::add_column(std::string name, Column c) {
  names.push_back(std::move(name));
  columns.push_back(std::move(c));
  return columns.back();
}

Batch select_columns(Batch&& b, const std::vector<std::string>& names) {
  Batch out;
  out.rows = b.rows;
  out.first_block = b.first_block;
  out.source = std::move(b.source);
  out.first_line = b.first_line;
  out.line_count = b.line_count;
  out.lines = std::move(b.lines);
  out.error = b.error;
  out.rejects = std::move(b.rejects);
  std::string time_name = b.time_field >= 0 ? b.names[b.time_field] : std::string();
  std::vector<bool> moved(b.columns.size(), false);
  for (const auto& name : names) {
    int64_t k = b.find(name);
    if (k >= 0 && !moved[k]) {
      out.add_column(name, std::move(b.columns[k]));
      moved[k] = true;
    } else if (k >= 0) {
      // Selected twice: copy from the first selection.
      out.add_column(name, out.columns[out.find(name)]);
    } else {
      out.add_column(name, Column::nulls(b.rows));
    }
    if (name == time_name && out.time_field < 0) out.time_field = static_cast<int>(out.names.size() - 1);
  }
  return out;
}

namespace {

// Float64: the mantissas are kept only while there is one for every value.
bool has_mantissas(const Column& c) {
  return c.type == Type::Float64 && c.decimals >= 0 && c.ints.size() == c.floats.size();
}

// Appends n nulls, whatever the column's type.
void append_nulls(Column& c, int64_t n) {
  if (c.type == Type::Null) {
    c.valid.resize(c.size() + n, false);
    return;
  }
  for (int64_t i = 0; i < n; ++i) c.append_null();
}

// Appends every value of `src` (same type as dst, not null): whole vectors at once.
void append_same_type(Column& dst, const Column& src) {
  switch (src.type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: dst.ints.insert(dst.ints.end(), src.ints.begin(), src.ints.end()); break;
    case Type::Float64: {
      bool mantissas = has_mantissas(dst) && has_mantissas(src) && dst.decimals == src.decimals;
      dst.floats.insert(dst.floats.end(), src.floats.begin(), src.floats.end());
      if (mantissas) {
        dst.ints.insert(dst.ints.end(), src.ints.begin(), src.ints.end());
      } else {
        dst.ints.clear();
        if (dst.decimals != src.decimals) dst.decimals = -1;
      }
      break;
    }
    case Type::String:
    case Type::Json: {
      const uint64_t base = dst.bytes.size(), from = src.offsets.front();
      dst.bytes.append(src.bytes, from, src.offsets.back() - from);
      dst.offsets.reserve(dst.offsets.size() + src.size());
      for (int64_t i = 1; i <= src.size(); ++i) dst.offsets.push_back(base + src.offsets[i] - from);
      break;
    }
  }
  dst.valid.append(src.valid);
}

// Appends the n rows of `src` (null: a part without the field) to dst, widening.
void append_column(Column& dst, const Column* src, int64_t n) {
  if (!src || src->type == Type::Null) return append_nulls(dst, n);
  if (dst.type == Type::Null) {
    // Nulls so far: they become nulls of src's type, then src's values follow.
    Column typed;
    typed.type = src->type;
    typed.decimals = src->decimals;
    append_nulls(typed, dst.size());
    if (src->type == Type::Float64 && has_mantissas(*src)) typed.ints.assign(typed.floats.size(), 0);
    dst = std::move(typed);
  }
  if (dst.type == src->type) return append_same_type(dst, *src);
  for (int64_t i = 0; i < n; ++i) dst.append_from(*src, i);
}

// split_rows, one column: each part's column sized first, then one pass over the rows.
void split_column(const Column& c, const uint32_t* part, const std::vector<int64_t>& count,
                  std::vector<Batch>& out) {
  const size_t parts = count.size();
  const int64_t n = c.size();
  std::vector<Column*> dst(parts);
  for (size_t p = 0; p < parts; ++p) {
    dst[p] = &out[p].columns.emplace_back();
    dst[p]->type = c.type;
    dst[p]->decimals = c.decimals;
  }
  std::vector<int64_t> at(parts, 0);
  const int64_t valid = c.valid.count();
  for (size_t p = 0; p < parts; ++p) dst[p]->valid.resize(count[p], valid == n);  // the usual case: no nulls
  if (valid > 0 && valid < n) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = at[part[i]]++;
      if (c.valid.get(i)) dst[part[i]]->valid.set(j, true);
    }
  }
  auto split_values = [&](const auto& src, auto member) {
    using T = typename std::decay_t<decltype(src)>::value_type;
    std::vector<T*> to(parts);
    for (size_t p = 0; p < parts; ++p) {
      (dst[p]->*member).resize(count[p]);
      to[p] = (dst[p]->*member).data();
    }
    std::fill(at.begin(), at.end(), 0);
    for (int64_t i = 0; i < n; ++i) to[part[i]][at[part[i]]++] = src[i];
  };
  switch (c.type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: split_values(c.ints, &Column::ints); break;
    case Type::Float64:
      split_values(c.floats, &Column::floats);
      if (has_mantissas(c)) split_values(c.ints, &Column::ints);
      break;
    case Type::String:
    case Type::Json: {
      // Short values are copied 32 bytes at a time: each part's bytes get 32 to spare
      // (cut off at the end), and the source is read that far only inside its bytes.
      constexpr uint64_t kChunk = 32;
      std::vector<uint64_t> total(parts, 0);
      for (int64_t i = 0; i < n; ++i) total[part[i]] += c.offsets[i + 1] - c.offsets[i];
      std::vector<char*> bytes(parts);
      std::vector<uint64_t*> offsets(parts);
      std::vector<uint64_t> pos(parts, 0);
      for (size_t p = 0; p < parts; ++p) {
        dst[p]->bytes.resize(total[p] + kChunk);
        dst[p]->offsets.assign(count[p] + 1, 0);
        bytes[p] = dst[p]->bytes.data();
        offsets[p] = dst[p]->offsets.data();
      }
      std::fill(at.begin(), at.end(), 0);
      const char* src = c.bytes.data();
      const uint64_t src_size = c.bytes.size();
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t p = part[i];
        const uint64_t a = c.offsets[i], len = c.offsets[i + 1] - a;
        if (len <= kChunk && a + kChunk <= src_size) std::memcpy(bytes[p] + pos[p], src + a, kChunk);
        else std::memcpy(bytes[p] + pos[p], src + a, len);
        pos[p] += len;
        offsets[p][++at[p]] = pos[p];
      }
      for (size_t p = 0; p < parts; ++p) dst[p]->bytes.resize(total[p]);
      break;
    }
  }
}

}  // namespace

void append_rows(Column& dst, const Column& src) { append_column(dst, &src, src.size()); }

Batch batch_like(const Batch& b) {
  Batch out;
  out.names = b.names;
  out.time_field = b.time_field;
  out.source = b.source;
  out.first_block = b.first_block;
  out.seq = b.seq;
  out.first_line = b.first_line;
  out.line_count = b.line_count;
  return out;
}

Batch gather_rows(const Batch& b, const uint32_t* rows, int64_t n) {
  Batch out = batch_like(b);
  out.rows = n;
  out.columns.reserve(b.columns.size());
  for (const auto& c : b.columns) out.columns.push_back(take_rows(c, rows, static_cast<size_t>(n)));
  if (static_cast<int64_t>(b.lines.size()) == b.rows) {
    out.lines.resize(n);
    for (int64_t i = 0; i < n; ++i) out.lines[i] = b.lines[rows[i]];
  }
  return out;
}

std::vector<Batch> split_rows(const Batch& b, const uint32_t* part_of_row, size_t parts) {
  std::vector<int64_t> count(parts, 0);
  for (int64_t i = 0; i < b.rows; ++i) ++count[part_of_row[i]];
  std::vector<Batch> out(parts);
  for (size_t p = 0; p < parts; ++p) {
    Batch& o = out[p];
    o = batch_like(b);
    o.rows = count[p];
    o.columns.reserve(b.columns.size());
    if (static_cast<int64_t>(b.lines.size()) == b.rows) o.lines.reserve(count[p]);
  }
  for (const auto& c : b.columns) split_column(c, part_of_row, count, out);
  if (static_cast<int64_t>(b.lines.size()) == b.rows)
    for (int64_t i = 0; i < b.rows; ++i) out[part_of_row[i]].lines.push_back(b.lines[i]);
  return out;
}

Batch concat_batches(std::vector<Batch>&& parts) {
  if (parts.empty()) return Batch();
  if (parts.size() == 1) {
    Batch b = std::move(parts[0]);
    b.lines.clear();
    return b;
  }
  Batch out;
  out.source = parts[0].source;
  out.first_block = parts[0].first_block;
  out.seq = parts[0].seq;
  out.first_line = parts[0].first_line;
  std::string time_name;
  for (const auto& p : parts) {
    for (const auto& name : p.names)
      if (out.find(name) < 0) out.add_column(name, Column());
    if (time_name.empty() && p.time_field >= 0) time_name = p.names[p.time_field];
  }
  for (auto& p : parts) {
    for (size_t k = 0; k < out.names.size(); ++k) {
      int64_t j = p.find(out.names[k]);
      append_column(out.columns[k], j < 0 ? nullptr : &p.columns[j], p.rows);
    }
    out.rows += p.rows;
    p = Batch();  // frees each part as soon as it is copied
  }
  if (!time_name.empty()) out.time_field = static_cast<int>(out.find(time_name));
  return out;
}

void truncate_rows(Batch& b, int64_t n) {
  if (n >= b.rows) return;
  for (auto& c : b.columns)
    while (c.size() > n) c.pop_back();
  if (static_cast<int64_t>(b.lines.size()) > n) b.lines.resize(n);
  b.rows = n;
}

}  // namespace bk
