// bk-join's flags, compiled: every usage error is found here, before any data is read.
#include "bk/error.hpp"
#include "bk/text.hpp"
#include "join_internal.hpp"

namespace bk::join {

namespace {

const std::vector<std::pair<std::string, JoinType>>& type_names() {
  static const std::vector<std::pair<std::string, JoinType>> names = {
      {"inner", JoinType::Inner}, {"left", JoinType::Left}, {"right", JoinType::Right}, {"full", JoinType::Full},
      {"semi", JoinType::Semi},   {"anti", JoinType::Anti}, {"asof", JoinType::Asof}};
  return names;
}

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, b - a + 1));
}

// "name" (both sides) or "left=right".
FieldPair parse_pair(std::string_view text, const std::string& flag, const std::string& whole) {
  size_t eq = text.find('=');
  FieldPair p;
  p.left = trim(text.substr(0, eq));
  p.right = eq == std::string_view::npos ? p.left : trim(text.substr(eq + 1));
  if (p.left.empty() || p.right.empty() ||
      (eq != std::string_view::npos && text.find('=', eq + 1) != std::string_view::npos))
    throw Error::usage(concat(flag, ": '", whole, "' is not a list of fields"),
                       "name each field, or LEFT=RIGHT where the two sides call it differently; separate them with "
                       "commas: --on device, --on site,device=meter");
  return p;
}

std::vector<FieldPair> parse_keys(const std::string& text) {
  std::vector<FieldPair> keys;
  size_t s = 0;
  for (;;) {
    size_t e = text.find(',', s);
    keys.push_back(
        parse_pair(std::string_view(text).substr(s, e == std::string::npos ? std::string::npos : e - s), "--on", text));
    if (e == std::string::npos) break;
    s = e + 1;
  }
  for (size_t a = 0; a < keys.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      if (keys[a].left == keys[b].left || keys[a].right == keys[b].right)
        throw Error::usage(
            concat("--on: '", keys[a].left == keys[b].left ? keys[a].left : keys[a].right, "' is named twice"),
            "name each key field once");
  return keys;
}

JoinType parse_type(const std::string& text) {
  std::vector<std::string> names;
  for (const auto& [name, t] : type_names()) {
    if (name == text) return t;
    names.push_back(name);
  }
  std::string near = likely_typo_of(text, names);
  throw Error::usage(concat("--type: '", text, "' is not a join type"),
                     concat(near.empty() ? "" : concat("did you mean '", near, "'? "),
                            "one of inner, left, right, full, semi, anti, asof"));
}

void parse_tolerance(Spec& spec, const std::string& text) {
  spec.tolerance = text;
  int64_t micros = 0, i = 0;
  double d = 0;
  if (parse_duration(text, micros)) spec.tolerance_us = micros;
  switch (parse_number(text, i, d)) {
    case NumberKind::Int: spec.tolerance_number = static_cast<double>(i); break;
    case NumberKind::Float: spec.tolerance_number = d; break;
    case NumberKind::None: break;
  }
  if (!spec.tolerance_us && !spec.tolerance_number)
    throw Error::usage(concat("--tolerance: '", text, "' is neither a duration nor a number"),
                       "for times a duration: 90s, 15m, 1h, 1d12h; for numeric times a number in their unit");
  if ((spec.tolerance_us && *spec.tolerance_us < 0) || (spec.tolerance_number && *spec.tolerance_number < 0))
    throw Error::usage(concat("--tolerance: '", text, "' is negative"),
                       "it says how far back the right's time may be: 0 or more");
}

BuildChoice parse_build(const std::string& text) {
  if (text == "auto") return BuildChoice::Auto;
  if (text == "left") return BuildChoice::Left;
  if (text == "right") return BuildChoice::Right;
  throw Error::usage(concat("--build: '", text, "' is not a side"), "auto (the smaller input), left or right");
}

}  // namespace

std::string_view join_type_name(JoinType t) {
  for (const auto& [name, type] : type_names())
    if (type == t) return name;
  return "?";
}

Spec compile(const JoinOptions& o) {
  Spec spec;
  // The type: --asof alone means an as-of join.
  if (!o.type.empty())
    spec.type = parse_type(o.type);
  else if (!o.asof.empty())
    spec.type = JoinType::Asof;
  if (!o.asof.empty() && spec.type != JoinType::Asof)
    throw Error::usage(concat("--asof applies to as-of joins, not to --type ", o.type),
                       "leave out --type, or give --type asof");
  if (spec.type == JoinType::Asof && o.asof.empty())
    throw Error::usage("--type asof needs --asof FIELD: the time to match by",
                       "e.g. --asof ts, or --asof ts=valid_from where the right calls it otherwise");
  if (!o.asof.empty()) {
    if (o.asof.find(',') != std::string::npos)
      throw Error::usage(concat("--asof: '", o.asof, "' names more than one field"),
                         "give one time field; the other keys go to --on");
    spec.asof = parse_pair(o.asof, "--asof", o.asof);
  }

  // The keys: needed, except by as-of joins (then every right record is a candidate).
  if (!o.on.empty()) spec.keys = parse_keys(o.on);
  if (spec.keys.empty() && spec.type != JoinType::Asof)
    throw Error::usage("--on is needed: the key fields to join on",
                       "e.g. --on device, or --on device=meter where the right calls it otherwise");
  if (spec.asof)
    for (const auto& k : spec.keys)
      if (k.left == spec.asof->left || k.right == spec.asof->right)
        throw Error::usage(concat("--asof: '", k.left == spec.asof->left ? k.left : k.right, "' is a key of --on too"),
                           "--on names the fields that must be equal, --asof the time to match by");

  if (!o.tolerance.empty()) {
    if (spec.type != JoinType::Asof) throw Error::usage("--tolerance applies to as-of joins", "give --asof FIELD too");
    parse_tolerance(spec, o.tolerance);
  }
  if (o.suffix.empty())
    throw Error::usage("--suffix: must not be empty", "it tells the right's fields from the left's of the same name");
  spec.suffix = o.suffix;
  spec.build = parse_build(o.build);
  if (spec.type == JoinType::Asof && spec.build == BuildChoice::Left)
    throw Error::usage("--build left: as-of joins build on the right",
                       "the right's times are what each left record is matched against");

  ExprOptions eopts;
  eopts.tz = load_tz_flag(o.tz);
  spec.tz = eopts.tz;
  if (!o.where.empty()) spec.where = Expr::parse(o.where, "--where", eopts);
  return spec;
}

}  // namespace bk::join
