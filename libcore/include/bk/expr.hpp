// The expression language shared by every tool: filters (--where), computed fields
// (--set), group keys and aggregate arguments. man/bk-expr.7 is its reference.
//
// An expression is parsed once into a tree, then bound to each batch's schema
// (names resolved, types checked, errors shown with a caret under the spot) and
// evaluated a batch at a time: every node produces a whole column (or a scalar, for
// constants) with a tight loop per operator, so there is no per-record
// interpretation in the hot path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"

namespace bk {

class TimeZone;
struct ExprNode;
class Expr;

struct ExprOptions {
  std::shared_ptr<const TimeZone> tz;  // calendar functions' zone; null: UTC
};

class Expr {
 public:
  // Parses `text`; `flag` names where it came from in messages ("--where").
  // Throws a usage error with the expression and a caret under the bad spot.
  static Expr parse(std::string_view text, std::string flag, ExprOptions opts = {});
  Expr(Expr&&) noexcept;
  Expr& operator=(Expr&&) noexcept;
  ~Expr();

  // The type the expression has over `b`'s schema; throws a usage error (with a
  // caret) for an unknown field or a type mismatch. Tools check the first block of
  // each input: a name missing there is a mistake (a typo, most likely).
  Type check(const Batch& b) const;
  // Evaluates over every row of `b`. A field that no record of `b` has reads as
  // null (records of one input need not all have every field).
  Column eval(const Batch& b) const;
  // A filter: keep[i] is 1 where the expression is true (null and false drop).
  std::vector<uint8_t> eval_filter(const Batch& b) const;

  const std::string& text() const { return text_; }
  // Appends the names of the fields the expression reads.
  void fields(std::vector<std::string>& out) const;

 private:
  friend Expr make_expr(std::string text, std::string flag, ExprOptions opts, std::unique_ptr<ExprNode> root);
  Expr() = default;
  std::string text_, flag_;
  ExprOptions opts_;
  std::unique_ptr<ExprNode> root_;
};

// "name = EXPR" (--set): splits at the first lone '=' and parses the expression.
struct Assignment {
  std::string name;
  Expr expr;
};
Assignment parse_assignment(std::string_view text, std::string flag, ExprOptions opts = {});

// Keeps the rows of `b` whose keep[i] is non-zero.
void filter_rows(Batch& b, const std::vector<uint8_t>& keep);

}  // namespace bk
