// bk-aggregate's flags compiled: group keys, windows, aggregate calls taken out of the
// -a expressions, and every usage error before any data is read.
#include <algorithm>
#include <cmath>
#include <map>

#include "aggregate_internal.hpp"
#include "bk/error.hpp"
#include "bk/text.hpp"
#include "expr_internal.hpp"

namespace bk {

namespace agg {

namespace {

struct FnDef {
  const char* name;
  Fn fn;
  int min_args, max_args;
};

// count() counts records; count(x) the records where x is not null.
const FnDef kFns[] = {
    {"count", Fn::Count, 0, 1},
    {"sum", Fn::Sum, 1, 1},
    {"mean", Fn::Mean, 1, 1},
    {"avg", Fn::Mean, 1, 1},
    {"min", Fn::Min, 1, 1},
    {"max", Fn::Max, 1, 1},
    {"var", Fn::Var, 1, 1},
    {"stddev", Fn::Stddev, 1, 1},
    {"first", Fn::First, 1, 1},
    {"last", Fn::Last, 1, 1},
    {"count_distinct", Fn::CountDistinct, 1, 1},
    {"approx_distinct", Fn::ApproxDistinct, 1, 1},
    {"median", Fn::Median, 1, 1},
    {"quantile", Fn::Quantile, 2, 2},
    {"approx_quantile", Fn::ApproxQuantile, 2, 2},
};

const FnDef* find_fn(std::string_view name) {
  for (const auto& d : kFns)
    if (name == d.name) return &d;
  return nullptr;
}

// The text of a span with blanks outside quotes removed: how calls are told apart.
std::string canonical_text(std::string_view s) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      out += c;
      if (c == '\\' && quote != '`' && i + 1 < s.size())
        out += s[++i];
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') quote = c;
    if (c != ' ' && c != '\t' && c != '\n') out += c;
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\n"), z = s.find_last_not_of(" \t\n");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, z - a + 1));
}

[[noreturn]] void fail_at(const std::string& flag, const std::string& text, size_t pos, size_t len,
                          const std::string& what, const std::string& hint) {
  throw Error::usage(concat(flag, ": ", what), hint).detail(caret_lines(text, pos, len));
}

bool contains_aggregate(const ExprNode& n, const ExprNode** found) {
  if (n.kind == NodeKind::Call && is_aggregate_function(n.name)) {
    *found = &n;
    return true;
  }
  for (const auto& a : n.args)
    if (contains_aggregate(*a, found)) return true;
  return false;
}

class Compiler {
 public:
  Compiler(Spec& spec) : s_(spec) {}

  // Replaces each aggregate call in `node` by a reference to its finished column;
  // `names` are the fields an expression outside aggregates may use.
  void extract(std::unique_ptr<ExprNode>& node, const std::string& flag, const std::string& text,
               const std::vector<std::string>& names) {
    ExprNode& n = *node;
    if (n.kind == NodeKind::Call && is_aggregate_function(n.name)) {
      node = call(n, flag, text);
      return;
    }
    if (n.kind == NodeKind::Field) {
      if (std::find(names.begin(), names.end(), n.name) == names.end()) {
        std::string hint = concat("aggregate it, e.g. first(", n.name, ") or max(", n.name, "), or add it to -g");
        fail_at(flag, text, n.pos, n.len, concat("'", n.name, "' is neither a group key nor inside an aggregate"),
                hint);
      }
      return;
    }
    for (auto& a : n.args) extract(a, flag, text, names);
  }

 private:
  std::unique_ptr<ExprNode> call(ExprNode& n, const std::string& flag, const std::string& text) {
    const FnDef* def = find_fn(n.name);
    int argc = static_cast<int>(n.args.size());
    if (argc < def->min_args || argc > def->max_args) {
      std::string want =
          def->min_args == def->max_args ? concat(def->min_args) : concat(def->min_args, " or ", def->max_args);
      std::string usage = def->fn == Fn::Count ? "count() counts records, count(x) those where x is not null"
                          : def->max_args == 2 ? concat(n.name, "(x, 0.9)")
                                               : concat(n.name, "(x)");
      fail_at(flag, text, n.pos, n.len,
              concat(n.name, "() takes ", want, " argument", def->max_args == 1 ? "" : "s", ", not ", argc), usage);
    }
    for (auto& a : n.args) {
      const ExprNode* inner = nullptr;
      if (contains_aggregate(*a, &inner))
        fail_at(flag, text, inner->pos, inner->len, concat("an aggregate inside ", n.name, "() cannot be computed"),
                "aggregates work on record values; combine aggregates outside them, e.g. max(x) - min(x)");
    }
    Fn fn = def->fn;
    if (fn == Fn::Count && argc == 0) fn = Fn::CountStar;
    double q = 0.5;
    if (argc == 2) {
      const ExprNode& qn = *n.args[1];
      bool ok = qn.kind == NodeKind::Literal && (qn.lit.type == Type::Float64 || qn.lit.type == Type::Int64);
      q = !ok ? -1 : qn.lit.type == Type::Float64 ? qn.lit.f : static_cast<double>(qn.lit.i);
      if (!ok || !(q >= 0 && q <= 1))
        fail_at(flag, text, qn.pos, qn.len, concat(n.name, "(): the fraction must be a number from 0 to 1"),
                concat("for the 90th percentile: ", n.name, "(x, 0.9)"));
    }
    // The state: shared by calls of the same kind over the same argument.
    int arg_index = -1;
    std::string canon;
    size_t apos = argc ? n.args[0]->pos : 0, alen = argc ? n.args[0]->len : 0;
    if (argc >= 1) {
      const ExprNode& a = *n.args[0];
      canon = canonical_text(std::string_view(text).substr(a.pos, a.len));
      for (size_t k = 0; k < s_.args.size(); ++k)
        if (s_.args[k].canon == canon) arg_index = static_cast<int>(k);
      if (arg_index < 0) {
        arg_index = static_cast<int>(s_.args.size());
        std::string field = a.kind == NodeKind::Field ? a.name : "";
        s_.args.push_back(Arg{canon, make_expr(text, flag, s_.eopts, std::move(n.args[0])), text, a.pos, a.len,
                              std::string(n.name), false, field});
      }
    }
    Kind kind = kind_of(fn);
    if (kind != Kind::Count && kind != Kind::Min && kind != Kind::Max && kind != Kind::First && kind != Kind::Last &&
        kind != Kind::Distinct && kind != Kind::Hll && !s_.args[arg_index].numeric) {
      s_.args[arg_index].numeric = true;
      Arg& arg = s_.args[arg_index];  // messages about numbers name this call
      arg.fn = n.name;
      arg.text = text;
      arg.pos = apos;
      arg.len = alen;
    }
    if (kind == Kind::First || kind == Kind::Last) s_.needs_time = true;
    int state = -1;
    for (size_t k = 0; k < s_.states.size(); ++k)
      if (s_.states[k].kind == kind && s_.states[k].arg_index == arg_index) state = static_cast<int>(k);
    if (state < 0) {
      state = static_cast<int>(s_.states.size());
      s_.states.push_back(StateSpec{kind, arg_index});
    }
    int index = -1;
    for (size_t k = 0; k < s_.calls.size(); ++k)
      if (s_.calls[k].fn == fn && s_.calls[k].state == state && s_.calls[k].q == q) index = static_cast<int>(k);
    if (index < 0) {
      index = static_cast<int>(s_.calls.size());
      s_.calls.push_back(Call{fn, q, state, concat('\x01', index), canon});
    }
    auto ref = std::make_unique<ExprNode>();
    ref->kind = NodeKind::Field;
    ref->pos = n.pos;
    ref->len = n.len;
    ref->name = s_.calls[index].hidden;
    return ref;
  }

  Spec& s_;
};

void append_list(std::string& out, const char* name, const std::vector<std::string>& items) {
  out += concat(",\"", name, "\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
}

}  // namespace

Kind kind_of(Fn f) {
  switch (f) {
    case Fn::CountStar:
    case Fn::Count: return Kind::Count;
    case Fn::Sum:
    case Fn::Mean: return Kind::Sum;
    case Fn::Var:
    case Fn::Stddev: return Kind::Var;
    case Fn::Min: return Kind::Min;
    case Fn::Max: return Kind::Max;
    case Fn::First: return Kind::First;
    case Fn::Last: return Kind::Last;
    case Fn::CountDistinct: return Kind::Distinct;
    case Fn::ApproxDistinct: return Kind::Hll;
    case Fn::Median:
    case Fn::Quantile: return Kind::Values;
    case Fn::ApproxQuantile: return Kind::Sketch;
  }
  return Kind::Count;
}

std::vector<std::pair<std::string, size_t>> split_list(const std::string& text) {
  std::vector<std::pair<std::string, size_t>> out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (quote) {
      if (c == '\\' && quote != '`')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`')
      quote = c;
    else if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if (c == ',' && depth <= 0) {
      out.emplace_back(text.substr(start, i - start), start);
      start = i + 1;
    }
  }
  return out;
}

Spec compile(const AggregateOptions& o) {
  Spec s;
  s.tz = load_tz_flag(o.tz);
  s.eopts.tz = s.tz;
  s.time_field = o.time_field;
  if (!o.where.empty()) s.where = Expr::parse(o.where, "--where", s.eopts);

  // Group keys: NAME = EXPR, or a field (named after it).
  std::vector<std::string> names;
  for (const auto& text : o.group_by) {
    for (auto& [part, offset] : split_list(text)) {
      std::string item = trim(part);
      if (item.empty())
        throw Error::usage("-g: an empty key in the list", "separate keys with single commas: -g 'device, site'")
            .detail(caret_lines(text, offset, 1));
      std::string name;
      size_t rhs = 0;
      bool named = split_assignment(item, "-g", name, rhs);
      auto tree = parse_tree(item, "-g", false, named ? rhs : 0);
      if (!named) {
        if (tree->kind != NodeKind::Field)
          fail_at("-g", item, 0, item.size(), "a computed key needs a name",
                  concat("write NAME = EXPRESSION, e.g. month = substr(ts, 1, 7)"));
        name = tree->name;
      }
      if (std::find(names.begin(), names.end(), name) != names.end())
        fail_at("-g", item, 0, item.size(), concat("the key '", name, "' is given twice"), "name each key once");
      names.push_back(name);
      std::string field = tree->kind == NodeKind::Field ? tree->name : "";
      s.keys.push_back(Key{name, make_expr(item, "-g", s.eopts, std::move(tree)), false, field});
    }
  }

  if (!o.window.empty()) {
    Window w;
    int64_t us = 0;
    if (parse_duration(o.window, us)) {
      if (us <= 0)
        throw Error::usage(concat("--window: '", o.window, "' is not a positive duration"), "e.g. 15m, 1h, 1d");
      w.width = us;
    } else if (parse_time_unit(o.window, w.unit) && w.unit >= TimeUnit::Day) {
      w.calendar = true;
    } else {
      throw Error::usage(concat("--window: '", o.window, "' is neither a duration nor a calendar unit"),
                         "fixed windows: 15m, 1h, 1d; calendar ones (in --tz): day, week, month, quarter, year");
    }
    for (const char* n : {"window_start", "window_end"}) {
      if (std::find(names.begin(), names.end(), n) != names.end())
        throw Error::usage(concat("-g: the key name '", n, "' is taken by --window"), "rename the key");
      names.push_back(n);
    }
    s.window_key = s.keys.size();
    s.keys.push_back(Key{"window_start", Expr::parse("null", "--window"), true, ""});
    s.keys.push_back(Key{"window_end", Expr::parse("null", "--window"), true, ""});
    s.window = w;
    s.needs_time = true;
  }

  // Aggregates: each -a item an expression over aggregate calls and keys.
  Compiler c(s);
  std::vector<std::string> visible = names;  // keys, then the outputs so far (for --having)
  for (const auto& text : o.aggs) {
    for (auto& [part, offset] : split_list(text)) {
      std::string item = trim(part);
      if (item.empty())
        throw Error::usage("-a: an empty item in the list",
                           "separate aggregates with single commas: -a 'n = count(), s = sum(x)'")
            .detail(caret_lines(text, offset, 1));
      std::string name;
      size_t rhs = 0;
      bool named = split_assignment(item, "-a", name, rhs);
      auto tree = parse_tree(item, "-a", true, named ? rhs : 0);
      if (!named) name = canonical_text(item);
      c.extract(tree, "-a", item, names);
      if (std::find(visible.begin(), visible.end(), name) != visible.end())
        fail_at("-a", item, 0, item.size(), concat("the name '", name, "' is used twice"),
                "give each output its own name: NAME = EXPRESSION");
      visible.push_back(name);
      std::string hidden = tree->kind == NodeKind::Field && tree->name[0] == '\x01' ? tree->name : "";
      s.outputs.push_back(Item{name, make_expr(item, "-a", s.eopts, std::move(tree)), hidden});
    }
  }
  if (s.outputs.empty())
    throw Error::usage("no aggregates: give -a/--agg", "for example: -a 'n = count(), kwh = sum(value)'");
  if (!o.having.empty()) {
    auto tree = parse_tree(o.having, "--having", true, 0);
    c.extract(tree, "--having", o.having, visible);
    s.having = make_expr(o.having, "--having", s.eopts, std::move(tree));
  }

  // What a partial file carries, and --merge compares.
  std::string canon = "{\"format\":\"bk-aggregate partial\",\"version\":1";
  std::vector<std::string> keys, aggs;
  for (const auto& text : o.group_by)
    for (auto& [part, offset] : split_list(text)) keys.push_back(canonical_text(part));
  for (const auto& text : o.aggs)
    for (auto& [part, offset] : split_list(text)) aggs.push_back(canonical_text(part));
  append_list(canon, "group_by", keys);
  append_list(canon, "aggregates", aggs);
  canon += ",\"window\":";
  append_json_string(canon, o.window);
  canon += ",\"time\":";
  append_json_string(canon, o.time_field);
  canon += ",\"tz\":";
  append_json_string(canon, o.tz);
  canon += '}';
  s.canonical = std::move(canon);
  return s;
}

}  // namespace agg

bool is_aggregate_function(std::string_view name) { return agg::find_fn(name) != nullptr; }

const std::vector<std::string>& aggregate_function_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& d : agg::kFns) v.push_back(d.name);
    return v;
  }();
  return names;
}

}  // namespace bk
