// Shaping the report's table, in this order:
//
//   1. --columns   choose and order the input's columns (every field when not given)
//   2. --pivot     the pivot column's values become columns holding --value; the other
//                  chosen columns are the row keys (rows in first-appearance order, pivot
//                  columns in ascending order of their values); a second value for one
//                  cell is an error naming both records
//   3. --sort      a stable sort: numbers as numbers, nulls last in either direction
//   4. --limit     the first N rows
//   5. --subtotal  rows grouped by the group columns, groups in the order of their first
//                  row, a subtotal row after each
//   6. --total     a totals row at the end
//
// Sums are exact and agree with bk-aggregate's sum() (NumberSum): short decimals add as
// written (7.416 + 0.583 is 7.999), integers stay integers. They add up the rows shown,
// so a total is the sum of the numbers above it, also after --limit.
#include <algorithm>
#include <map>
#include <numeric>

#include "bk/error.hpp"
#include "bk/exact.hpp"
#include "bk/text.hpp"
#include "report_internal.hpp"

namespace bk::report {

namespace {

int sign(double a, double b) { return a < b ? -1 : a > b ? 1 : 0; }

// Text that reads as a number sorts by its value, before other text.
int compare_text(std::string_view a, std::string_view b) {
  int64_t ia = 0, ib = 0;
  double da = 0, db = 0;
  NumberKind ka = parse_number(a, ia, da), kb = parse_number(b, ib, db);
  if (ka != NumberKind::None && kb != NumberKind::None) {
    if (ka == NumberKind::Int && kb == NumberKind::Int) return ia < ib ? -1 : ia > ib ? 1 : 0;
    return sign(ka == NumberKind::Int ? static_cast<double>(ia) : da,
                kb == NumberKind::Int ? static_cast<double>(ib) : db);
  }
  if (ka != NumberKind::None || kb != NumberKind::None) return ka != NumberKind::None ? -1 : 1;
  int r = a.compare(b);
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

// A cell as a map key: its type and text; null apart from every value.
std::string key_of(const Column& c, int64_t i) {
  if (c.is_null(i)) return std::string(1, '\0');
  std::string k(1, static_cast<char>('A' + static_cast<int>(c.type)));
  append_value_text(k, c, i);
  return k;
}

std::string key_of(const Batch& b, const std::vector<int>& cols, int64_t i) {
  std::string k;
  for (int c : cols) {
    k += key_of(b.columns[c], i);
    k += '\x1f';
  }
  return k;
}

// The column index of each name, or the usage error naming the flag.
std::vector<int> find_columns(const Batch& b, const std::vector<std::string>& names, const std::string& flag,
                              const Input& in) {
  std::vector<int> cols;
  for (const auto& name : names) {
    int64_t k = b.find(name);
    if (k < 0) no_field(flag, name, b.names, in.name());
    cols.push_back(static_cast<int>(k));
  }
  return cols;
}

// The working table: cells and the input row each row shows.
struct Work {
  Batch cells;
  std::vector<int64_t> origin;
  std::vector<std::string> pivoted;  // names of the pivot columns
};

Work choose_columns(const Input& in, const ReportOptions& o) {
  Work w;
  const Batch& d = in.data;
  std::vector<std::string> names = o.columns.empty() ? d.names : o.columns;
  if (!d.names.empty()) find_columns(d, names, "--columns", in);
  w.cells = select_columns(Batch(d), names);
  w.origin.resize(d.rows);
  std::iota(w.origin.begin(), w.origin.end(), 0);
  return w;
}

// The distinct values of the pivot column, in ascending order, as column names.
std::vector<std::string> pivot_names(const Column& p, std::vector<std::string>& keys) {
  std::map<std::string, int64_t> first;  // key -> a row holding it
  for (int64_t i = 0; i < p.size(); ++i) first.emplace(key_of(p, i), i);
  std::vector<int64_t> rows;
  for (auto& [k, i] : first) rows.push_back(i);
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return compare_cells(p, a, b) < 0; });
  std::vector<std::string> names;
  for (int64_t i : rows) {
    keys.push_back(key_of(p, i));
    std::string n;
    if (p.is_null(i))
      n = "(null)";
    else
      append_value_text(n, p, i);
    names.push_back(n);
  }
  return names;
}

// "region,site,month"
std::string join_names(const std::vector<std::string>& names, const std::string& last) {
  std::string s;
  for (const auto& n : names) s += n + ",";
  return s + last;
}

Work pivot(const Input& in, const ReportOptions& o) {
  const Batch& d = in.data;
  int pc = find_columns(d, {o.pivot}, "--pivot", in)[0];
  int vc = find_columns(d, {o.value}, "--value", in)[0];
  std::vector<std::string> chosen = o.columns.empty() ? d.names : o.columns;
  find_columns(d, chosen, "--columns", in);
  std::vector<std::string> key_names;
  for (const auto& n : chosen)
    if (n != o.pivot && n != o.value) key_names.push_back(n);
  std::vector<int> key_cols = find_columns(d, key_names, "--columns", in);

  std::vector<std::string> pv_keys;
  std::vector<std::string> pv_names = pivot_names(d.columns[pc], pv_keys);
  std::map<std::string, size_t> pv_index;
  for (size_t k = 0; k < pv_keys.size(); ++k) pv_index[pv_keys[k]] = k;
  for (const auto& n : pv_names)
    if (std::find(key_names.begin(), key_names.end(), n) != key_names.end())
      throw Error(
          concat("--pivot ", o.pivot, ": the value '", n, "' would be a column beside the key column of that name"),
          "rename the key column first, or leave it out with --columns");

  // Rows by key in first-appearance order; each cell's input row.
  Work w;
  std::map<std::string, int64_t> row_of;
  std::vector<int64_t> cell;  // row * pivots + pivot -> input row, -1 empty
  const size_t np = pv_names.size();
  for (int64_t i = 0; i < d.rows; ++i) {
    auto [it, fresh] = row_of.emplace(key_of(d, key_cols, i), static_cast<int64_t>(w.origin.size()));
    if (fresh) {
      w.origin.push_back(i);
      cell.resize(cell.size() + np, -1);
    }
    int64_t& c = cell[it->second * np + pv_index[key_of(d.columns[pc], i)]];
    if (c >= 0)
      throw Error(concat("a second ", o.value, " for ", o.pivot, " '", pv_names[pv_index[key_of(d.columns[pc], i)]],
                         "' in one row (the first is at ", in.where(c), ")"),
                  concat("--pivot needs one record per ", o.pivot, " and row key; aggregate first: bk aggregate -g ",
                         join_names(key_names, o.pivot), " -a '", o.value, " = sum(", o.value, ")'"))
          .at(in.sources[in.source[i]], in.line[i]);
    c = i;
  }

  w.cells.rows = static_cast<int64_t>(w.origin.size());
  for (size_t k = 0; k < key_cols.size(); ++k) {
    Column col;
    for (int64_t r : w.origin) col.append_from(d.columns[key_cols[k]], r);
    w.cells.add_column(key_names[k], std::move(col));
  }
  for (size_t p = 0; p < np; ++p) {
    Column col;
    for (int64_t r = 0; r < w.cells.rows; ++r) {
      int64_t i = cell[r * np + p];
      if (i >= 0)
        col.append_from(d.columns[vc], i);
      else
        col.append_null();
    }
    w.cells.add_column(pv_names[p], std::move(col));
  }
  w.pivoted = pv_names;
  return w;
}

// Row order after --sort (stable; nulls last whichever the direction).
std::vector<int64_t> sorted_rows(const Work& w, const ReportOptions& o, const Input& in) {
  std::vector<int64_t> order(w.cells.rows);
  std::iota(order.begin(), order.end(), 0);
  if (o.sort.empty()) return order;
  std::vector<std::string> names;
  for (const auto& k : o.sort) names.push_back(k.field);
  std::vector<int> cols = find_columns(w.cells, names, "--sort", in);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    for (size_t k = 0; k < cols.size(); ++k) {
      const Column& c = w.cells.columns[cols[k]];
      int r = compare_cells(c, a, b);
      if (r == 0) continue;
      bool nulls = c.is_null(a) || c.is_null(b);
      return (o.sort[k].descending && !nulls) ? r > 0 : r < 0;
    }
    return false;
  });
  return order;
}

// Rows regrouped by the group columns, groups in the order of their first row.
std::vector<std::vector<int64_t>> group_rows(const Work& w, const std::vector<int>& cols,
                                             const std::vector<int64_t>& order) {
  std::vector<std::vector<int64_t>> groups;
  std::map<std::string, size_t> index;
  for (int64_t r : order) {
    auto [it, fresh] = index.emplace(key_of(w.cells, cols, r), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(r);
  }
  return groups;
}

// The error for a total column that holds something else than numbers: it names the
// first value that is not a number, or, in a column of numbers as text, the first.
[[noreturn]] void not_numbers(const Column& c, const std::string& name, const Work& w, const Input& in) {
  int64_t first = -1, bad = -1;
  for (int64_t r = 0; r < c.size() && bad < 0; ++r) {
    if (c.is_null(r)) continue;
    if (first < 0) first = r;
    int64_t i;
    double d;
    if (c.type != Type::String || parse_number(c.str(r), i, d) == NumberKind::None) bad = r;
  }
  int64_t r = bad >= 0 ? bad : first;
  std::string v;
  append_value_text(v, c, r);
  auto err =
      bad >= 0
          ? Error(concat("--total ", name, ": '", v, "' is not a number"),
                  "total only number columns; leave that record out, e.g. with bk cat --where")
          : Error(concat("--total ", name, ": the column holds numbers as text ('", v, "')"),
                  concat("read it without --strings, or convert it: bk cat --set '", name, " = to_float(", name, ")'"));
  throw std::move(err).at(in.sources[in.source[w.origin[r]]], in.line[w.origin[r]]);
}

// The total columns: names, and with --pivot the --value column stands for every
// pivot column.
std::vector<int> total_columns(const Work& w, const ReportOptions& o, const Input& in) {
  std::vector<std::string> names;
  for (const auto& n : o.total) {
    if (!o.pivot.empty() && n == o.value && w.cells.find(n) < 0)
      names.insert(names.end(), w.pivoted.begin(), w.pivoted.end());
    else
      names.push_back(n);
  }
  std::vector<int> cols = find_columns(w.cells, names, "--total", in);
  for (size_t k = 0; k < cols.size(); ++k) {
    const Column& c = w.cells.columns[cols[k]];
    if (c.type == Type::Int64 || c.type == Type::Float64 || c.type == Type::Null) continue;
    not_numbers(c, names[k], w, in);
  }
  return cols;
}

// Appends the exact sum of column c over `rows` (null when they hold no number).
void append_sum(Column& out, const Column& c, const std::vector<int64_t>& rows, const std::string& name) {
  NumberSum s;
  int guess = 0;
  for (int64_t r : rows) {
    if (c.is_null(r)) continue;
    if (c.type == Type::Int64)
      s.add_int(c.ints[r]);
    else
      s.add_double(c.floats[r], guess);
  }
  if (s.n == 0) return out.append_null();
  if (c.type == Type::Float64) return out.append_double(s.value());
  int64_t v = 0;
  if (!s.as_int64(v))
    throw Error(concat("--total ", name, ": the sum is beyond the range of int64"),
                "convert the column to floats first: bk cat --set 'x = to_float(x)'");
  out.append_int(v);
}

// Where a sum row's label goes: the first column that is neither summed nor a group
// column; else, in a subtotal row, the first group column ("north subtotal").
Label sum_label(const Batch& b, RowKind kind, const std::vector<int>& totals, const std::vector<int>& groups,
                int64_t group_row) {
  auto in = [](const std::vector<int>& v, int k) { return std::find(v.begin(), v.end(), k) != v.end(); };
  const char* word = kind == RowKind::Total ? "total" : "subtotal";
  for (int k = 0; k < static_cast<int>(b.names.size()); ++k)
    if (!in(totals, k) && (kind == RowKind::Total || !in(groups, k))) return {k, word};
  if (kind == RowKind::Total || groups.empty()) return {};
  std::string text;
  append_value_text(text, b.columns[groups[0]], group_row);
  return {groups[0], text + " " + word};
}

class Builder {
 public:
  Builder(const Work& w, Shown& s) : w_(w), s_(s) {}
  void data_row(int64_t r) {
    for (size_t k = 0; k < w_.cells.columns.size(); ++k) s_.cells.columns[k].append_from(w_.cells.columns[k], r);
    add(RowKind::Data, {}, w_.origin[r]);
  }
  // A subtotal (groups given) or total row over `rows`.
  void sum_row(RowKind kind, const std::vector<int64_t>& rows, const std::vector<int>& totals,
               const std::vector<int>& groups) {
    for (size_t k = 0; k < w_.cells.columns.size(); ++k) {
      const Column& c = w_.cells.columns[k];
      Column& out = s_.cells.columns[k];
      int col = static_cast<int>(k);
      if (std::find(totals.begin(), totals.end(), col) != totals.end())
        append_sum(out, c, rows, w_.cells.names[k]);
      else if (kind == RowKind::Subtotal && std::find(groups.begin(), groups.end(), col) != groups.end())
        out.append_from(c, rows[0]);
      else
        out.append_null();
    }
    Label l = sum_label(w_.cells, kind, totals, groups, rows.empty() ? 0 : rows[0]);
    add(kind, std::move(l), -1);
  }

 private:
  void add(RowKind kind, Label label, int64_t origin) {
    s_.kinds.push_back(kind);
    s_.labels.push_back(std::move(label));
    s_.origin.push_back(origin);
    ++s_.cells.rows;
  }
  const Work& w_;
  Shown& s_;
};

}  // namespace

int compare_cells(const Column& c, int64_t a, int64_t b) {
  bool na = c.is_null(a), nb = c.is_null(b);
  if (na || nb) return na == nb ? 0 : na ? 1 : -1;
  switch (c.type) {
    case Type::Null: return 0;
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: return c.ints[a] < c.ints[b] ? -1 : c.ints[a] > c.ints[b] ? 1 : 0;
    case Type::Float64: {
      double x = c.floats[a], y = c.floats[b];
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) == std::isnan(y) ? 0 : std::isnan(x) ? 1 : -1;
      return sign(x, y);
    }
    case Type::String:
    case Type::Json: return compare_text(c.str(a), c.str(b));
  }
  return 0;
}

Shown shape_table(const Input& in, const ReportOptions& o) {
  Shown s;
  if (in.data.names.empty()) return s;  // nothing read: no fields to check names against

  // 1-2. Columns, or the pivot.
  Work w = o.pivot.empty() ? choose_columns(in, o) : pivot(in, o);
  if (!o.pivot.empty()) {
    s.chart_rows.resize(in.data.rows);
    std::iota(s.chart_rows.begin(), s.chart_rows.end(), 0);
  }
  s.cells.names = w.cells.names;
  s.cells.columns.resize(w.cells.names.size());
  if (in.data.rows == 0) {  // a header without rows: nothing to sort or sum
    find_columns(w.cells, o.pivot.empty() ? o.total : std::vector<std::string>{}, "--total", in);
    return s;
  }

  // 3-4. Sort and limit.
  std::vector<int64_t> order = sorted_rows(w, o, in);
  s.data_rows_before_limit = static_cast<int64_t>(order.size());
  if (o.limit >= 0 && o.limit < static_cast<int64_t>(order.size())) order.resize(o.limit);
  s.data_rows = static_cast<int64_t>(order.size());
  std::vector<int> totals = o.total.empty() ? std::vector<int>{} : total_columns(w, o, in);
  std::vector<int> groups = find_columns(w.cells, o.subtotal, "--subtotal", in);

  // 5-6. Rows, subtotal rows after each group, the totals row.
  Builder build(w, s);
  if (groups.empty()) {
    for (int64_t r : order) build.data_row(r);
  } else {
    for (const auto& g : group_rows(w, groups, order)) {
      for (int64_t r : g) build.data_row(r);
      build.sum_row(RowKind::Subtotal, g, totals, groups);
    }
  }
  if (!totals.empty()) build.sum_row(RowKind::Total, order, totals, groups);

  if (o.pivot.empty())
    for (size_t i = 0; i < s.kinds.size(); ++i)
      if (s.kinds[i] == RowKind::Data) s.chart_rows.push_back(s.origin[i]);
  return s;
}

}  // namespace bk::report
