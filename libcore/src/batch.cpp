#include "bk/batch.hpp"

#include <bit>
#include <cstring>

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

void Column::append_int(int64_t v) {
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

void Column::append_double(double v) {
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

void Column::append_string(std::string_view v) {
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

void append_rows(Column& dst, const Column& src) {
  if (dst.size() == 0 && dst.type == Type::Null) {
    dst = src;
    return;
  }
  if (dst.type != src.type || src.type == Type::Null) {
    for (int64_t i = 0; i < src.size(); ++i) dst.append_from(src, i);
    return;
  }
  for (int64_t i = 0; i < src.size(); ++i) dst.valid.push_back(src.valid.get(i));
  switch (src.type) {
    case Type::Null: break;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: dst.ints.insert(dst.ints.end(), src.ints.begin(), src.ints.end()); break;
    case Type::Float64: {
      // Decimal mantissas stay only when both sides have them, at one scale.
      bool keep = dst.decimals >= 0 && dst.decimals == src.decimals && dst.ints.size() == dst.floats.size() &&
                  src.ints.size() == src.floats.size();
      if (keep)
        dst.ints.insert(dst.ints.end(), src.ints.begin(), src.ints.end());
      else
        dst.ints.clear();
      if (dst.decimals != src.decimals) dst.decimals = -1;
      dst.floats.insert(dst.floats.end(), src.floats.begin(), src.floats.end());
      break;
    }
    case Type::String:
    case Type::Json: {
      uint64_t base = dst.bytes.size();
      dst.bytes.append(src.bytes, src.offsets.front(), src.offsets.back() - src.offsets.front());
      for (size_t k = 1; k < src.offsets.size(); ++k) dst.offsets.push_back(base + src.offsets[k] - src.offsets.front());
      break;
    }
  }
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

void truncate_rows(Batch& b, int64_t n) {
  if (n >= b.rows) return;
  for (auto& c : b.columns)
    while (c.size() > n) c.pop_back();
  if (static_cast<int64_t>(b.lines.size()) > n) b.lines.resize(n);
  b.rows = n;
}

}  // namespace bk
