// What expr.cpp (parser, operators) and expr_functions.cpp share: values, the
// evaluation context, the tree, and helpers to build result columns.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"
#include "bk/error.hpp"
#include "bk/expr.hpp"

namespace bk {

// A constant value.
struct Scalar {
  Type type = Type::Null;
  int64_t i = 0;  // bool, int64, timestamp
  double f = 0;   // float64
  std::string s;  // string, json
};

// What a node evaluates to: a whole column, or one value for every row.
struct Vec {
  Type type = Type::Null;
  bool is_scalar = true;
  Scalar scalar;
  Column col;
  const Column* ref = nullptr;  // a batch's own column, read in place

  const Column& column() const { return ref ? *ref : col; }

  static Vec of(Scalar s) {
    Vec v;
    v.type = s.type;
    v.scalar = std::move(s);
    return v;
  }
  static Vec of(Column c) {
    Vec v;
    v.type = c.type;
    v.is_scalar = false;
    v.col = std::move(c);
    return v;
  }
  static Vec null() { return Vec(); }

  static Vec of_ref(const Column& c) {
    Vec v;
    v.type = c.type;
    v.is_scalar = false;
    v.ref = &c;
    return v;
  }
  bool is_null_scalar() const { return is_scalar && scalar.type == Type::Null; }
  bool valid(int64_t i) const { return is_scalar ? scalar.type != Type::Null : column().valid.get(i); }
  int64_t int_at(int64_t i) const { return is_scalar ? scalar.i : column().ints[i]; }
  double float_at(int64_t i) const { return is_scalar ? scalar.f : column().floats[i]; }
  // int64 or float64 as a double
  double num_at(int64_t i) const {
    if (type == Type::Float64) return float_at(i);
    return static_cast<double>(int_at(i));
  }
  std::string_view str_at(int64_t i) const { return is_scalar ? std::string_view(scalar.s) : column().str(i); }
  // The result as an owned column of n rows.
  Column to_column(int64_t n) const;
};

enum class NodeKind { Literal, Field, Neg, Not, Binary, And, Or, In, IsNull, Call };

struct ExprNode {
  NodeKind kind = NodeKind::Literal;
  size_t pos = 0, len = 0;  // where in the text (for carets)
  std::string name;         // field name, operator, function name
  Scalar lit;               // Literal
  bool negated = false;     // IsNull: "is not null"; In: "not in"
  bool duration = false;    // Literal written as a duration (15m)
  std::vector<std::unique_ptr<ExprNode>> args;
};

struct EvalCtx {
  const std::string& text;
  const std::string& flag;
  const ExprOptions& opts;
  const Batch& batch;
  int64_t n;            // rows
  bool strict = false;  // an unknown field is an error (check); else it reads as null

  // A usage error about `node`, with the expression and a caret under it.
  [[noreturn]] void fail(const ExprNode& node, const std::string& what, const std::string& hint = {}) const;
};

// Renders "  TEXT\n  ^^^" for the span [pos, pos+len).
std::string caret_lines(const std::string& text, size_t pos, size_t len);

Vec eval_node(const ExprNode& node, const EvalCtx& ctx);

// Parsing to a bare tree. With `aggregates`, calls of aggregate functions (sum, count…;
// is_aggregate_function) are Call nodes like any other, for bk-aggregate to take apart;
// without it they are an error that says where aggregates belong.
// Parsing starts at `start` (an assignment's right-hand side), carets point into `text`.
std::unique_ptr<ExprNode> parse_tree(const std::string& text, const std::string& flag, bool aggregates,
                                     size_t start = 0);
// "name = EXPR": the name (unquoted) and where EXPR starts; false when there is no lone '='.
bool split_assignment(const std::string& text, const std::string& flag, std::string& name, size_t& rhs);
// An Expr over a tree whose positions refer to `text`.
Expr make_expr(std::string text, std::string flag, ExprOptions opts, std::unique_ptr<ExprNode> root);
// The names of bk-aggregate's functions (aggregate_spec.cpp).
bool is_aggregate_function(std::string_view name);

// Function calls (expr_functions.cpp).
Vec eval_call(const ExprNode& node, std::vector<Vec>& args, const EvalCtx& ctx);
bool is_function(std::string_view name);
std::vector<std::string> function_names();  // sorted

// Result builders.
Column make_column(Type t, int64_t n);          // n rows, all valid, zeroed values
Column all_null(int64_t n);
// Validity of a op b: both valid (scalars broadcast).
Bitmap both_valid(const Vec& a, const Vec& b, int64_t n);
void set_null(Column& c, int64_t i);
// Text of a value for string conversion (floats shortest, timestamps RFC 3339).
void append_text(std::string& out, const Vec& v, int64_t i);
// Builds a string column row by row: f(i, out) appends row i's text and returns
// false for null.
template <typename F>
Column build_strings(int64_t n, F f) {
  Column c;
  c.type = Type::String;
  c.offsets.reserve(n + 1);
  c.valid.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    bool ok = f(i, c.bytes);
    c.valid.push_back(ok);
    c.offsets.push_back(c.bytes.size());
  }
  return c;
}


}  // namespace bk
