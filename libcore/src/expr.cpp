// The expression language: lexer, parser, and the evaluation of operators.
//
// Parsing is a hand-written recursive descent over the precedence levels
//   or < and < not < comparison, in, is null < || < + - < * / % < unary minus
// producing a tree of ExprNode. Evaluation walks the tree once per batch: each node
// returns a Vec (a column, or a scalar that stands for every row), and each
// operator is one loop over the rows with the types resolved before the loop.
// Typing happens in the same walk: Expr::check() evaluates over an empty batch
// with the schema of the real one, so type rules live in one place and every
// error is found before any row is touched. Null follows SQL: an operator with a
// null operand gives null, and/or use three-valued logic, a filter keeps a row
// only when its condition is true.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "bk/aggregate.hpp"
#include "bk/expr.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"
#include "expr_internal.hpp"

namespace bk {

// ---- helpers shared with expr_functions.cpp -------------------------------------

// Columns count characters, not bytes (UTF-8 continuation bytes take none); a tab
// stays a tab below as above, and a line break shows as a space, so the carets
// stand under the span on a terminal.
std::string caret_lines(const std::string& text, size_t pos, size_t len) {
  pos = std::min(pos, text.size());
  len = std::min(len, text.size() - pos);
  auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  std::string out = "  ";
  for (char c : text) out += c == '\n' || c == '\r' ? ' ' : c;
  out += "\n  ";
  for (size_t k = 0; k < pos; ++k)
    if (!continuation(text[k])) out += text[k] == '\t' ? '\t' : ' ';
  size_t width = 0;
  for (size_t k = pos; k < pos + len; ++k) width += !continuation(text[k]);
  out.append(std::max<size_t>(1, width), '^');
  return out;
}

void EvalCtx::fail(const ExprNode& node, const std::string& what, const std::string& hint) const {
  throw Error::usage(concat(flag, ": ", what), hint).detail(caret_lines(text, node.pos, node.len));
}

Column make_column(Type t, int64_t n) {
  Column c;
  c.type = t;
  c.valid.resize(n, true);
  switch (t) {
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: c.ints.assign(n, 0); break;
    case Type::Float64: c.floats.assign(n, 0.0); break;
    case Type::String:
    case Type::Json: c.offsets.assign(n + 1, 0); break;
    case Type::Null: break;
  }
  return c;
}

Column all_null(int64_t n) { return Column::nulls(n); }

void set_null(Column& c, int64_t i) { c.valid.set(i, false); }

Bitmap both_valid(const Vec& a, const Vec& b, int64_t n) {
  Bitmap out;
  if (a.is_null_scalar() || b.is_null_scalar()) {
    out.resize(n, false);
    return out;
  }
  if (a.is_scalar && b.is_scalar) {
    out.resize(n, true);
    return out;
  }
  if (a.is_scalar) return b.column().valid;
  if (b.is_scalar) return a.column().valid;
  out = a.column().valid;
  out.and_with(b.column().valid);
  return out;
}

void append_text(std::string& out, const Vec& v, int64_t i) {
  switch (v.type) {
    case Type::Null: break;
    case Type::Bool: out += v.int_at(i) ? "true" : "false"; break;
    case Type::Int64: append_int(out, v.int_at(i)); break;
    case Type::Float64: append_double(out, v.float_at(i)); break;
    case Type::Timestamp: append_timestamp(out, v.int_at(i)); break;
    case Type::String:
    case Type::Json: out += v.str_at(i); break;
  }
}

Column Vec::to_column(int64_t n) const {
  if (!is_scalar) return ref ? *ref : col;
  if (scalar.type == Type::Null) return all_null(n);
  Column c = make_column(scalar.type, n);
  switch (scalar.type) {
    case Type::Bool:
    case Type::Int64:
    case Type::Timestamp: std::fill(c.ints.begin(), c.ints.end(), scalar.i); break;
    case Type::Float64: std::fill(c.floats.begin(), c.floats.end(), scalar.f); break;
    case Type::String:
    case Type::Json:
      c.bytes.reserve(scalar.s.size() * n);
      for (int64_t k = 0; k < n; ++k) {
        c.bytes += scalar.s;
        c.offsets[k + 1] = c.bytes.size();
      }
      break;
    case Type::Null: break;
  }
  return c;
}

namespace {

// ---- lexer ----------------------------------------------------------------------

enum class Tok { End, Number, String, Ident, Op, LParen, RParen, Comma };

struct Token {
  Tok kind = Tok::End;
  size_t pos = 0, len = 0;
  std::string text;  // identifier (unquoted), operator, string contents
  Scalar lit;        // numbers and durations
  bool duration = false;
  bool quoted_ident = false;
};

// Names: ASCII letters, digits, _ and . (gps.lat), and any non-ASCII character
// (température), whose UTF-8 bytes are all >= 0x80.
bool ident_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || u >= 0x80;
}
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }

class Lexer {
 public:
  Lexer(const std::string& text, const std::string& flag, size_t start = 0) : s_(text), flag_(flag), start_(start) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    size_t i = start_;
    while (true) {
      while (i < s_.size() && std::isspace(static_cast<unsigned char>(s_[i]))) ++i;
      Token t;
      t.pos = i;
      if (i == s_.size()) {
        out.push_back(t);
        return out;
      }
      char c = s_[i];
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && i + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i + 1])))) {
        i = number(i, t);
      } else if (c == '"' || c == '\'') {
        i = string(i, t);
      } else if (c == '`') {
        size_t j = i + 1;
        t.kind = Tok::Ident;
        t.quoted_ident = true;
        for (;;) {
          if (j >= s_.size()) fail(i, s_.size() - i, "unclosed `quoted name`", "close it with a backquote");
          if (s_[j] == '`') {
            if (j + 1 < s_.size() && s_[j + 1] == '`') {
              t.text += '`';
              j += 2;
              continue;
            }
            ++j;
            break;
          }
          t.text += s_[j++];
        }
        i = j;
      } else if (ident_start(c)) {
        size_t j = i;
        while (j < s_.size() && ident_char(s_[j])) ++j;
        t.kind = Tok::Ident;
        t.text = s_.substr(i, j - i);
        i = j;
      } else if (c == '(' || c == ')' || c == ',') {
        t.kind = c == '(' ? Tok::LParen : c == ')' ? Tok::RParen : Tok::Comma;
        t.text = std::string(1, c);
        ++i;
      } else {
        static const char* ops[] = {"||", "==", "!=", "<>", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "="};
        bool found = false;
        for (const char* op : ops) {
          size_t n = std::strlen(op);
          if (s_.compare(i, n, op) == 0) {
            t.kind = Tok::Op;
            t.text = op;
            i += n;
            found = true;
            break;
          }
        }
        if (!found) fail(i, 1, concat("unexpected character '", c, "'"), "see man 7 bk-expr for the syntax");
        if (t.text == "=") fail(t.pos, 1, "'=' is not a comparison", "compare with ==");
        if (t.text == "<>") t.text = "!=";
      }
      t.len = i - t.pos;
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void fail(size_t pos, size_t len, const std::string& what, const std::string& hint) {
    throw Error::usage(concat(flag_, ": ", what), hint).detail(caret_lines(s_, pos, len));
  }

  // A number, or a duration: digits followed by a unit (us ms s m h d w), repeatable: 1h30m.
  size_t number(size_t i, Token& t) {
    size_t j = i;
    auto digits = [&] {
      while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
    };
    digits();
    bool is_float = false;
    if (j < s_.size() && s_[j] == '.') {
      ++j;
      digits();
      is_float = true;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E') && j + 1 < s_.size() &&
        (std::isdigit(static_cast<unsigned char>(s_[j + 1])) ||
         ((s_[j + 1] == '+' || s_[j + 1] == '-') && j + 2 < s_.size() &&
          std::isdigit(static_cast<unsigned char>(s_[j + 2]))))) {
      j += 2;
      digits();
      is_float = true;
    }
    if (!is_float && j < s_.size() && std::isalpha(static_cast<unsigned char>(s_[j]))) return duration(i, t);
    if (j < s_.size() && ident_char(s_[j]))
      fail(i, j - i + 1, "a number runs into a name", "put a space or an operator between them");
    std::string text = s_.substr(i, j - i);
    t.kind = Tok::Number;
    int64_t iv;
    double dv;
    auto kind = parse_number(text[0] == '.' ? "0" + text : text, iv, dv);
    if (kind == NumberKind::Int) {
      t.lit.type = Type::Int64;
      t.lit.i = iv;
    } else if (kind == NumberKind::Float) {
      t.lit.type = Type::Float64;
      t.lit.f = dv;
    } else {
      fail(i, j - i, concat("bad number '", text, "'"), "numbers look like 42, 3.5 or 1e-3");
    }
    return j;
  }

  size_t duration(size_t i, Token& t) {
    size_t j = i;
    int64_t total = 0;
    while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) {
      size_t d = j;
      int64_t n = 0;
      while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) {
        if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, s_[j] - '0', &n))
          fail(i, j - i, "duration too large", "");
        ++j;
      }
      size_t u = j;
      while (j < s_.size() && std::isalpha(static_cast<unsigned char>(s_[j]))) ++j;
      std::string unit = s_.substr(u, j - u);
      int64_t scale;
      if (unit == "us") scale = 1;
      else if (unit == "ms") scale = 1000;
      else if (unit == "s") scale = 1000000;
      else if (unit == "m") scale = 60 * int64_t(1000000);
      else if (unit == "h") scale = 3600 * int64_t(1000000);
      else if (unit == "d") scale = 86400 * int64_t(1000000);
      else if (unit == "w") scale = 7 * 86400 * int64_t(1000000);
      else
        fail(u, std::max<size_t>(1, j - u), concat("unknown duration unit '", unit, "'"),
             "use us, ms, s, m, h, d or w, as in 15m or 1h30m");
      int64_t part;
      if (__builtin_mul_overflow(n, scale, &part) || __builtin_add_overflow(total, part, &total))
        fail(d, j - d, "duration too large", "");
    }
    if (j < s_.size() && ident_char(s_[j]))
      fail(i, j - i + 1, "bad duration", "durations look like 15m, 1h or 1h30m");
    t.kind = Tok::Number;
    t.duration = true;
    t.lit.type = Type::Int64;
    t.lit.i = total;
    return j;
  }

  size_t string(size_t i, Token& t) {
    char q = s_[i];
    size_t j = i + 1;
    t.kind = Tok::String;
    for (;;) {
      if (j >= s_.size()) fail(i, s_.size() - i, "unclosed string", concat("close it with ", q));
      char c = s_[j];
      if (c == q) {
        ++j;
        break;
      }
      if (c == '\\' && j + 1 < s_.size()) {
        char e = s_[j + 1];
        switch (e) {
          case 'n': t.text += '\n'; break;
          case 't': t.text += '\t'; break;
          case 'r': t.text += '\r'; break;
          case '\\': t.text += '\\'; break;
          case '"': t.text += '"'; break;
          case '\'': t.text += '\''; break;
          default: fail(j, 2, concat("unknown escape '\\", e, "'"), "use \\n \\t \\r \\\\ \\\" or \\'");
        }
        j += 2;
        continue;
      }
      t.text += c;
      ++j;
    }
    t.lit.type = Type::String;
    t.lit.s = t.text;
    return j;
  }

  const std::string& s_;
  const std::string& flag_;
  size_t start_;
};

// ---- parser ---------------------------------------------------------------------

bool is_keyword(const Token& t, const char* kw) {
  if (t.kind != Tok::Ident || t.quoted_ident || t.text.size() != std::strlen(kw)) return false;
  for (size_t k = 0; k < t.text.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(t.text[k])) != kw[k]) return false;
  return true;
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& flag, std::vector<Token> toks, bool aggregates)
      : text_(text), flag_(flag), toks_(std::move(toks)), aggregates_(aggregates) {}

  std::unique_ptr<ExprNode> parse() {
    if (peek().kind == Tok::End) fail(peek(), "empty expression", "write a condition such as value > 0");
    auto e = parse_or();
    if (peek().kind != Tok::End) fail(peek(), concat("unexpected '", peek().text, "'"), "is an operator missing?");
    return e;
  }

 private:
  const Token& peek() const { return toks_[at_]; }
  const Token& next() { return toks_[at_++]; }

  [[noreturn]] void fail(const Token& t, const std::string& what, const std::string& hint) {
    throw Error::usage(concat(flag_, ": ", what), hint).detail(caret_lines(text_, t.pos, t.len));
  }

  static std::unique_ptr<ExprNode> node(NodeKind k, size_t pos, size_t end, std::string name = {}) {
    auto n = std::make_unique<ExprNode>();
    n->kind = k;
    n->pos = pos;
    n->len = end > pos ? end - pos : 1;
    n->name = std::move(name);
    return n;
  }
  static size_t end_of(const ExprNode& n) { return n.pos + n.len; }

  std::unique_ptr<ExprNode> binary(NodeKind k, std::string op, std::unique_ptr<ExprNode> a,
                                   std::unique_ptr<ExprNode> b) {
    auto n = node(k, a->pos, end_of(*b), std::move(op));
    n->args.push_back(std::move(a));
    n->args.push_back(std::move(b));
    return n;
  }

  std::unique_ptr<ExprNode> parse_or() {
    auto a = parse_and();
    while (is_keyword(peek(), "or")) {
      next();
      a = binary(NodeKind::Or, "or", std::move(a), parse_and());
    }
    return a;
  }

  std::unique_ptr<ExprNode> parse_and() {
    auto a = parse_not();
    while (is_keyword(peek(), "and")) {
      next();
      a = binary(NodeKind::And, "and", std::move(a), parse_not());
    }
    return a;
  }

  std::unique_ptr<ExprNode> parse_not() {
    if (is_keyword(peek(), "not")) {
      const Token& t = next();
      auto inner = parse_not();
      auto n = node(NodeKind::Not, t.pos, end_of(*inner), "not");
      n->args.push_back(std::move(inner));
      return n;
    }
    return parse_cmp();
  }

  std::unique_ptr<ExprNode> parse_cmp() {
    auto a = parse_concat();
    const Token& t = peek();
    if (t.kind == Tok::Op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" ||
                              t.text == ">=")) {
      std::string op = next().text;
      auto b = parse_concat();
      auto n = binary(NodeKind::Binary, op, std::move(a), std::move(b));
      if (peek().kind == Tok::Op && (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
                                     peek().text == "<=" || peek().text == ">" || peek().text == ">="))
        fail(peek(), "comparisons do not chain", "join them with and: a < b and b < c");
      return n;
    }
    if (is_keyword(t, "is")) {
      next();
      bool neg = false;
      if (is_keyword(peek(), "not")) {
        next();
        neg = true;
      }
      if (!is_keyword(peek(), "null")) fail(peek(), "expected null after 'is'", "write x is null or x is not null");
      const Token& nt = next();
      auto n = node(NodeKind::IsNull, a->pos, nt.pos + nt.len, neg ? "is not null" : "is null");
      n->negated = neg;
      n->args.push_back(std::move(a));
      return n;
    }
    bool neg = false;
    if (is_keyword(t, "not") && at_ + 1 < toks_.size() && is_keyword(toks_[at_ + 1], "in")) {
      next();
      neg = true;
    }
    if (is_keyword(peek(), "in")) {
      next();
      if (peek().kind != Tok::LParen) fail(peek(), "expected ( after 'in'", "write x in (1, 2, 3)");
      next();
      auto n = node(NodeKind::In, a->pos, a->pos + 1, neg ? "not in" : "in");
      n->negated = neg;
      n->args.push_back(std::move(a));
      if (peek().kind == Tok::RParen) fail(peek(), "empty list after 'in'", "list at least one value");
      for (;;) {
        n->args.push_back(parse_or());
        if (peek().kind == Tok::Comma) {
          next();
          continue;
        }
        if (peek().kind != Tok::RParen) fail(peek(), "expected , or ) in the 'in' list", "");
        const Token& close = next();
        n->len = close.pos + 1 - n->pos;
        break;
      }
      return n;
    }
    if (neg) fail(t, "expected 'in' after 'not'", "");
    return a;
  }

  std::unique_ptr<ExprNode> parse_concat() {
    auto a = parse_add();
    while (peek().kind == Tok::Op && peek().text == "||") {
      next();
      a = binary(NodeKind::Binary, "||", std::move(a), parse_add());
    }
    return a;
  }

  std::unique_ptr<ExprNode> parse_add() {
    auto a = parse_mul();
    while (peek().kind == Tok::Op && (peek().text == "+" || peek().text == "-")) {
      std::string op = next().text;
      a = binary(NodeKind::Binary, op, std::move(a), parse_mul());
    }
    return a;
  }

  std::unique_ptr<ExprNode> parse_mul() {
    auto a = parse_unary();
    while (peek().kind == Tok::Op && (peek().text == "*" || peek().text == "/" || peek().text == "%")) {
      std::string op = next().text;
      a = binary(NodeKind::Binary, op, std::move(a), parse_unary());
    }
    return a;
  }

  std::unique_ptr<ExprNode> parse_unary() {
    if (peek().kind == Tok::Op && peek().text == "-") {
      const Token& t = next();
      // A negative number literal folds here, so -9223372036854775808 works. Unary
      // minus binds tighter than * / %, so folding never changes the meaning.
      if (peek().kind == Tok::Number && !peek().duration) {
        const Token& num = peek();
        std::string digits = text_.substr(num.pos, num.len);
        int64_t iv;
        double dv;
        auto kind = parse_number("-" + (digits[0] == '.' ? "0" + digits : digits), iv, dv);
        if (kind != NumberKind::None) {
          next();
          auto n = node(NodeKind::Literal, t.pos, num.pos + num.len);
          n->lit.type = kind == NumberKind::Int ? Type::Int64 : Type::Float64;
          n->lit.i = iv;
          n->lit.f = dv;
          return n;
        }
      }
      auto inner = parse_unary();
      auto n = node(NodeKind::Neg, t.pos, end_of(*inner), "-");
      n->args.push_back(std::move(inner));
      return n;
    }
    return parse_primary();
  }

  std::unique_ptr<ExprNode> parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number:
      case Tok::String: {
        next();
        auto n = node(NodeKind::Literal, t.pos, t.pos + t.len);
        n->lit = t.lit;
        n->duration = t.duration;
        return n;
      }
      case Tok::LParen: {
        next();
        auto e = parse_or();
        if (peek().kind != Tok::RParen) fail(peek(), "expected )", "close the parenthesis");
        next();
        return e;
      }
      case Tok::Ident: {
        next();
        if (!t.quoted_ident) {
          if (is_keyword(t, "true") || is_keyword(t, "false")) {
            auto n = node(NodeKind::Literal, t.pos, t.pos + t.len);
            n->lit.type = Type::Bool;
            n->lit.i = is_keyword(t, "true");
            return n;
          }
          if (is_keyword(t, "null")) return node(NodeKind::Literal, t.pos, t.pos + t.len);
          for (const char* kw : {"and", "or", "not", "in", "is"})
            if (is_keyword(t, kw)) fail(t, concat("unexpected '", t.text, "'"), "a value or a field name goes here");
        }
        if (!t.quoted_ident && peek().kind == Tok::LParen) {
          next();
          auto n = node(NodeKind::Call, t.pos, t.pos + t.len, t.text);
          std::transform(n->name.begin(), n->name.end(), n->name.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          if (is_aggregate_function(n->name)) {
            if (!aggregates_)
              fail(t, concat("the aggregate function ", n->name, "() cannot be used here"),
                   "aggregates go in bk-aggregate's -a/--agg or --having; --where filters records before grouping");
          } else if (!is_function(n->name)) {
            std::vector<std::string> known = function_names();
            if (aggregates_) {
              const auto& aggs = aggregate_function_names();
              known.insert(known.end(), aggs.begin(), aggs.end());
            }
            std::string near = likely_typo_of(n->name, known);
            fail(t, concat("unknown function '", t.text, "'"),
                 !near.empty() ? concat("did you mean ", near, "()?")
                 : aggregates_ ? "see man 7 bk-expr for the functions, man bk-aggregate for the aggregates"
                               : "see man 7 bk-expr for the functions");
          }
          if (peek().kind != Tok::RParen) {
            for (;;) {
              n->args.push_back(parse_or());
              if (peek().kind == Tok::Comma) {
                next();
                continue;
              }
              break;
            }
          }
          if (peek().kind != Tok::RParen) fail(peek(), "expected , or ) in the argument list", "");
          const Token& close = next();
          n->len = close.pos + 1 - n->pos;
          return n;
        }
        return node(NodeKind::Field, t.pos, t.pos + t.len, t.text);
      }
      case Tok::End: fail(t, "the expression ends too early", "a value or a field name is missing");
      default: fail(t, concat("unexpected '", t.text, "'"), "a value or a field name goes here");
    }
  }

  const std::string& text_;
  const std::string& flag_;
  std::vector<Token> toks_;
  size_t at_ = 0;
  bool aggregates_;
};

// ---- evaluation -----------------------------------------------------------------

// A field reference: the batch's column. A name no record of the batch has reads as
// null, since records of one input need not all have every field; but when checking
// (the first block of an input), a name a typo away from a field that is there is
// reported: 'vlaue' next to 'value' is a mistake, not an optional field.
Vec eval_field(const ExprNode& node, const EvalCtx& ctx) {
  int64_t k = ctx.batch.find(node.name);
  if (k >= 0) return Vec::of_ref(ctx.batch.columns[k]);
  if (!ctx.strict) return Vec::null();
  std::string best = likely_typo_of(node.name, ctx.batch.names);
  if (best.empty()) return Vec::null();
  std::string where = ctx.batch.source.empty() ? "" : concat(" in ", ctx.batch.source);
  ctx.fail(node, concat("unknown field '", node.name, "'", where), concat("did you mean '", best, "'?"));
}

bool is_number(Type t) { return t == Type::Int64 || t == Type::Float64; }
bool is_text(Type t) { return t == Type::String || t == Type::Json; }

// Applies f(i) -> value over rows valid in `valid`; f may call null(i).
template <typename T, typename F>
Column map_rows(Type out, int64_t n, Bitmap valid, F f) {
  Column c = make_column(out, n);
  c.valid = std::move(valid);
  std::vector<T>& dst = [&]() -> std::vector<T>& {
    if constexpr (std::is_same_v<T, double>) return c.floats;
    else return c.ints;
  }();
  for (int64_t i = 0; i < n; ++i)
    if (c.valid.get(i)) f(i, dst[i], c);
  return c;
}

template <typename Cmp>
Column compare_with(const Vec& a, const Vec& b, int64_t n, Cmp cmp) {
  Bitmap valid = both_valid(a, b, n);
  if (is_number(a.type) && is_number(b.type)) {
    if (a.type == Type::Int64 && b.type == Type::Int64)
      return map_rows<int64_t>(Type::Bool, n, std::move(valid),
                               [&](int64_t i, int64_t& out, Column&) { out = cmp(a.int_at(i), b.int_at(i)); });
    return map_rows<int64_t>(Type::Bool, n, std::move(valid),
                             [&](int64_t i, int64_t& out, Column&) { out = cmp(a.num_at(i), b.num_at(i)); });
  }
  if (is_text(a.type))
    return map_rows<int64_t>(Type::Bool, n, std::move(valid),
                             [&](int64_t i, int64_t& out, Column&) { out = cmp(a.str_at(i), b.str_at(i)); });
  return map_rows<int64_t>(Type::Bool, n, std::move(valid),
                           [&](int64_t i, int64_t& out, Column&) { out = cmp(a.int_at(i), b.int_at(i)); });
}

// A constant string compared with a timestamp is read as one (RFC 3339, in --tz).
Vec as_timestamp(const ExprNode& node, const Vec& s, const EvalCtx& ctx) {
  int64_t t;
  const TimeZone& tz = ctx.opts.tz ? *ctx.opts.tz : TimeZone::utc();
  if (!parse_timestamp(s.scalar.s, tz, t))
    ctx.fail(node, concat("'", s.scalar.s, "' is not a timestamp"), "write RFC 3339, e.g. \"2026-03-01T00:00:00Z\"");
  return Vec::of(Scalar{Type::Timestamp, t, 0, {}});
}

// a OP b for a comparison operator. `where` is the node a type error points at,
// `left` the node of a (for the hint).
Vec compare(const std::string& op, const ExprNode& where, const ExprNode& left, const Vec& a0, const Vec& b0,
            const EvalCtx& ctx) {
  const Vec* pa = &a0;
  const Vec* pb = &b0;
  Vec conv;
  if (a0.type == Type::Timestamp && b0.is_scalar && is_text(b0.type)) {
    conv = as_timestamp(where, b0, ctx);
    pb = &conv;
  } else if (b0.type == Type::Timestamp && a0.is_scalar && is_text(a0.type)) {
    conv = as_timestamp(left, a0, ctx);
    pa = &conv;
  }
  const Vec& a = *pa;
  const Vec& b = *pb;
  Type ta = a.type, tb = b.type;
  if (ta == Type::Null || tb == Type::Null) return Vec::of(all_null(ctx.n));
  bool ok = (is_number(ta) && is_number(tb)) || (is_text(ta) && is_text(tb)) || ta == tb;
  if (!ok) {
    std::string hint = "convert one side, e.g. with to_int(), to_float() or to_string()";
    if (is_text(ta) && is_number(tb))
      hint = concat("convert with to_float(", ctx.text.substr(left.pos, left.len), ") or quote the number");
    ctx.fail(where, concat("cannot compare ", type_name(ta), " with ", type_name(tb)), hint);
  }
  Column c;
  if (op == "==") c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x == y; });
  else if (op == "!=") c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x != y; });
  else if (op == "<") c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x < y; });
  else if (op == "<=") c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x <= y; });
  else if (op == ">") c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x > y; });
  else c = compare_with(a, b, ctx.n, [](auto x, auto y) { return x >= y; });
  return Vec::of(std::move(c));
}

Vec arithmetic(const ExprNode& node, const Vec& a, const Vec& b, const EvalCtx& ctx) {
  const std::string& op = node.name;
  Type ta = a.type, tb = b.type;
  int64_t n = ctx.n;
  if (ta == Type::Null || tb == Type::Null) {
    // A null-typed side (the literal null, or a field null in every row of the
    // block) could have any type: the result is null wherever the other side's
    // type takes this operator at all, so that no block fails for lack of values.
    Type other = ta == Type::Null ? tb : ta;
    bool takes = op == "||" || other == Type::Null || is_number(other) ||
                 (op == "+" && (is_text(other) || other == Type::Timestamp)) ||
                 (op == "-" && other == Type::Timestamp);
    if (takes) return Vec::of(all_null(n));
  }
  if (op == "||" || (op == "+" && is_text(ta) && is_text(tb))) {
    Bitmap valid = both_valid(a, b, n);
    return Vec::of(build_strings(n, [&](int64_t i, std::string& out) {
      if (!valid.get(i)) return false;
      append_text(out, a, i);
      append_text(out, b, i);
      return true;
    }));
  }
  // Timestamps: t ± duration, duration + t, t - t.
  if (ta == Type::Timestamp || tb == Type::Timestamp) {
    bool ok = (op == "+" && ((ta == Type::Timestamp && tb == Type::Int64) || (ta == Type::Int64 && tb == Type::Timestamp))) ||
              (op == "-" && ta == Type::Timestamp && (tb == Type::Int64 || tb == Type::Timestamp));
    if (!ok)
      ctx.fail(node, concat("cannot apply ", op, " to ", type_name(ta), " and ", type_name(tb)),
               "add or subtract a duration such as 1h, or subtract two timestamps");
    Type out = (ta == Type::Timestamp && tb == Type::Timestamp) ? Type::Int64 : Type::Timestamp;
    return Vec::of(map_rows<int64_t>(out, n, both_valid(a, b, n), [&](int64_t i, int64_t& r, Column& c) {
      int64_t x = a.int_at(i), y = b.int_at(i);
      bool over = op == "+" ? __builtin_add_overflow(x, y, &r) : __builtin_sub_overflow(x, y, &r);
      if (over) c.valid.set(i, false);
    }));
  }
  if (!is_number(ta) || !is_number(tb)) {
    std::string hint = "arithmetic takes numbers; convert with to_int() or to_float()";
    if (op == "+" && (is_text(ta) || is_text(tb))) hint = "join strings with ||";
    ctx.fail(node, concat("cannot apply ", op, " to ", type_name(ta), " and ", type_name(tb)), hint);
  }
  Bitmap valid = both_valid(a, b, n);
  if (ta == Type::Int64 && tb == Type::Int64 && op != "/") {
    char o = op[0];
    return Vec::of(map_rows<int64_t>(Type::Int64, n, std::move(valid), [&](int64_t i, int64_t& r, Column& c) {
      int64_t x = a.int_at(i), y = b.int_at(i);
      bool bad = false;
      switch (o) {
        case '+': bad = __builtin_add_overflow(x, y, &r); break;
        case '-': bad = __builtin_sub_overflow(x, y, &r); break;
        case '*': bad = __builtin_mul_overflow(x, y, &r); break;
        default:  // %
          if (y == 0) bad = true;
          else r = (y == -1) ? 0 : x % y;
      }
      if (bad) c.valid.set(i, false);  // division by zero and overflow give null
    }));
  }
  char o = op[0];
  return Vec::of(map_rows<double>(Type::Float64, n, std::move(valid), [&](int64_t i, double& r, Column& c) {
    double x = a.num_at(i), y = b.num_at(i);
    switch (o) {
      case '+': r = x + y; break;
      case '-': r = x - y; break;
      case '*': r = x * y; break;
      case '/':
        if (y == 0) c.valid.set(i, false);
        else r = x / y;
        break;
      default:
        if (y == 0) c.valid.set(i, false);
        else r = std::fmod(x, y);
    }
    if (!std::isfinite(r)) c.valid.set(i, false);  // overflow gives null, as for ints
  }));
}

void require_bool(const ExprNode& node, const Vec& v, const EvalCtx& ctx, const char* what) {
  if (v.type != Type::Bool && v.type != Type::Null)
    ctx.fail(node, concat(what, " takes true/false, not ", type_name(v.type)), "compare it, e.g. x > 0 or x is not null");
}

// SQL's three-valued and/or.
Vec logic(bool is_and, const Vec& a, const Vec& b, int64_t n) {
  Column c = make_column(Type::Bool, n);
  for (int64_t i = 0; i < n; ++i) {
    bool av = a.valid(i) && a.type != Type::Null, bv = b.valid(i) && b.type != Type::Null;
    bool at = av && a.int_at(i), bt = bv && b.int_at(i);
    bool af = av && !a.int_at(i), bf = bv && !b.int_at(i);
    if (is_and) {
      if (af || bf) c.ints[i] = 0;
      else if (at && bt) c.ints[i] = 1;
      else c.valid.set(i, false);
    } else {
      if (at || bt) c.ints[i] = 1;
      else if (af && bf) c.ints[i] = 0;
      else c.valid.set(i, false);
    }
  }
  return Vec::of(std::move(c));
}

}  // namespace

Vec eval_node(const ExprNode& node, const EvalCtx& ctx) {
  switch (node.kind) {
    case NodeKind::Literal: return Vec::of(node.lit);
    case NodeKind::Field: return eval_field(node, ctx);
    case NodeKind::Neg: {
      Vec a = eval_node(*node.args[0], ctx);
      if (a.type == Type::Null) return Vec::null();
      if (a.type == Type::Int64)
        return Vec::of(map_rows<int64_t>(Type::Int64, ctx.n, a.is_scalar ? both_valid(a, a, ctx.n) : a.column().valid,
                                         [&](int64_t i, int64_t& r, Column& c) {
                                           if (__builtin_sub_overflow(int64_t(0), a.int_at(i), &r)) c.valid.set(i, false);
                                         }));
      if (a.type == Type::Float64)
        return Vec::of(map_rows<double>(Type::Float64, ctx.n, a.is_scalar ? both_valid(a, a, ctx.n) : a.column().valid,
                                        [&](int64_t i, double& r, Column&) { r = -a.float_at(i); }));
      ctx.fail(node, concat("cannot negate ", type_name(a.type)), "only numbers have a sign");
    }
    case NodeKind::Not: {
      Vec a = eval_node(*node.args[0], ctx);
      require_bool(*node.args[0], a, ctx, "not");
      if (a.type == Type::Null) return Vec::null();
      return Vec::of(map_rows<int64_t>(Type::Bool, ctx.n, both_valid(a, a, ctx.n),
                                       [&](int64_t i, int64_t& r, Column&) { r = !a.int_at(i); }));
    }
    case NodeKind::And:
    case NodeKind::Or: {
      Vec a = eval_node(*node.args[0], ctx);
      Vec b = eval_node(*node.args[1], ctx);
      require_bool(*node.args[0], a, ctx, node.name.c_str());
      require_bool(*node.args[1], b, ctx, node.name.c_str());
      return logic(node.kind == NodeKind::And, a, b, ctx.n);
    }
    case NodeKind::Binary: {
      Vec a = eval_node(*node.args[0], ctx);
      Vec b = eval_node(*node.args[1], ctx);
      const std::string& op = node.name;
      if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=")
        return compare(op, node, *node.args[0], a, b, ctx);
      return arithmetic(node, a, b, ctx);
    }
    case NodeKind::IsNull: {
      Vec a = eval_node(*node.args[0], ctx);
      Column c = make_column(Type::Bool, ctx.n);
      for (int64_t i = 0; i < ctx.n; ++i) c.ints[i] = a.valid(i) == node.negated;
      return Vec::of(std::move(c));
    }
    case NodeKind::In: {
      // x in (a, b) is x == a or x == b; a list item of the wrong type is shown.
      Vec lhs = eval_node(*node.args[0], ctx);
      Vec acc = Vec::of(Scalar{Type::Bool, 0, 0, {}});
      for (size_t k = 1; k < node.args.size(); ++k) {
        Vec item = eval_node(*node.args[k], ctx);
        Vec hit = compare("==", *node.args[k], *node.args[0], lhs, item, ctx);
        if (hit.type == Type::Null) hit = Vec::of(all_null(ctx.n));
        acc = logic(false, acc, hit, ctx.n);
      }
      if (!node.negated) return acc;
      return Vec::of(map_rows<int64_t>(Type::Bool, ctx.n, acc.column().valid,
                                       [&](int64_t i, int64_t& r, Column&) { r = !acc.int_at(i); }));
    }
    case NodeKind::Call: {
      std::vector<Vec> args;
      args.reserve(node.args.size());
      for (const auto& a : node.args) args.push_back(eval_node(*a, ctx));
      return eval_call(node, args, ctx);
    }
  }
  return Vec::null();
}

// ---- the public face ------------------------------------------------------------

Expr::Expr(Expr&&) noexcept = default;
Expr& Expr::operator=(Expr&&) noexcept = default;
Expr::~Expr() = default;

Expr Expr::parse(std::string_view text, std::string flag, ExprOptions opts) {
  Expr e;
  e.text_ = std::string(text);
  e.flag_ = std::move(flag);
  e.opts_ = std::move(opts);
  e.root_ = parse_tree(e.text_, e.flag_, false);
  return e;
}

std::unique_ptr<ExprNode> parse_tree(const std::string& text, const std::string& flag, bool aggregates,
                                     size_t start) {
  Lexer lex(text, flag, start);
  Parser parser(text, flag, lex.run(), aggregates);
  return parser.parse();
}

Expr make_expr(std::string text, std::string flag, ExprOptions opts, std::unique_ptr<ExprNode> root) {
  Expr e;
  e.text_ = std::move(text);
  e.flag_ = std::move(flag);
  e.opts_ = std::move(opts);
  e.root_ = std::move(root);
  return e;
}

Type Expr::check(const Batch& b) const {
  // The same walk as eval(), over no rows: every type rule and error, no work.
  Batch empty;
  empty.names = b.names;
  for (const auto& c : b.columns) {
    Column z;
    z.type = c.type;
    empty.columns.push_back(std::move(z));
  }
  empty.source = b.source;
  EvalCtx ctx{text_, flag_, opts_, empty, 0, true};
  return eval_node(*root_, ctx).type;
}

Column Expr::eval(const Batch& b) const {
  EvalCtx ctx{text_, flag_, opts_, b, b.rows};
  return eval_node(*root_, ctx).to_column(b.rows);
}

std::vector<uint8_t> Expr::eval_filter(const Batch& b) const {
  EvalCtx ctx{text_, flag_, opts_, b, b.rows};
  Vec v = eval_node(*root_, ctx);
  if (v.type != Type::Bool && v.type != Type::Null)
    ctx.fail(*root_, concat("a filter must be true or false, not ", type_name(v.type)),
             "compare the value, e.g. x > 0, or test it with x is not null");
  std::vector<uint8_t> keep(b.rows, 0);
  for (int64_t i = 0; i < b.rows; ++i) keep[i] = v.valid(i) && v.type == Type::Bool && v.int_at(i);
  return keep;
}

bool split_assignment(const std::string& text, const std::string& flag, std::string& name, size_t& rhs) {
  // The first '=' that is not part of ==, !=, <=, >= and not inside quotes.
  size_t eq = std::string::npos;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\' && quote != '`') ++i;  // backquoted names have no escapes
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
      continue;
    }
    if (c == '=' && (i + 1 >= text.size() || text[i + 1] != '=') && (i == 0 || !std::strchr("=!<>", text[i - 1]))) {
      eq = i;
      break;
    }
  }
  if (eq == std::string::npos) return false;
  name = text.substr(0, eq);
  size_t a = name.find_first_not_of(" \t"), z = name.find_last_not_of(" \t");
  name = a == std::string::npos ? "" : name.substr(a, z - a + 1);
  if (name.size() >= 2 && name.front() == '`' && name.back() == '`') {
    // As the lexer reads it: a doubled backquote inside is one.
    std::string inner;
    for (size_t k = 1; k + 1 < name.size(); ++k) {
      inner += name[k];
      if (name[k] == '`') ++k;
    }
    name = std::move(inner);
  }
  if (name.empty())
    throw Error::usage(concat(flag, ": the field name before = is missing"), "for example: kwh = value / 1000")
        .detail(caret_lines(text, 0, eq + 1));
  rhs = eq + 1;
  return true;
}

Assignment parse_assignment(std::string_view text, std::string flag, ExprOptions opts) {
  std::string whole(text), name;
  size_t rhs = 0;
  if (!split_assignment(whole, flag, name, rhs))
    throw Error::usage(concat(flag, ": expected NAME = EXPRESSION"), "for example: kwh = value / 1000")
        .detail(caret_lines(whole, whole.size(), 1));
  std::string_view expr = text.substr(rhs);
  while (!expr.empty() && (expr.front() == ' ' || expr.front() == '\t')) expr.remove_prefix(1);
  return Assignment{name, Expr::parse(expr, std::move(flag), std::move(opts))};
}

void filter_rows(Batch& b, const std::vector<uint8_t>& keep) {
  std::vector<uint32_t> kept;
  kept.reserve(b.rows);
  for (int64_t i = 0; i < b.rows; ++i)
    if (keep[i]) kept.push_back(static_cast<uint32_t>(i));
  if (static_cast<int64_t>(kept.size()) == b.rows) return;
  for (auto& c : b.columns) c = take_rows(c, kept.data(), kept.size());
  std::vector<int64_t> lines;
  if (!b.lines.empty()) {
    lines.reserve(kept.size());
    for (uint32_t i : kept) lines.push_back(b.lines[i]);
  }
  b.lines = std::move(lines);
  b.rows = static_cast<int64_t>(kept.size());
}

}  // namespace bk
