// libFuzzer target for the expression language: parsing, checking and evaluating.
// The input's first line is an expression, the rest NDJSON records to evaluate it on
// (in UTC and in Europe/Berlin). Any bk::Error is a fine answer; a crash, a hang, a
// sanitizer report or another exception is a bug.
#include <cstdint>
#include <cstring>
#include <string>

#include "bk/error.hpp"
#include "bk/expr.hpp"
#include "bk/read.hpp"
#include "bk/time.hpp"

namespace {

bk::Batch records(const std::string& text) {
  static bk::InputFile input{"fuzz.ndjson", "fuzz.ndjson", -1};
  bk::RawBlock block;
  block.format = bk::Format::Ndjson;
  block.input = &input;
  block.data.assign(text.data(), text.size());
  bk::Batch b = bk::parse_ndjson(block);
  b.error = nullptr;  // keep the rows before a bad line
  return b;
}

void run(const std::string& expr, const bk::Batch& b, const bk::ExprOptions& opts) {
  try {
    auto e = bk::Expr::parse(expr, "--where", opts);
    e.check(b);
    bk::Column c = e.eval(b);
    if (c.size() != b.rows) __builtin_trap();
    if (c.type == bk::Type::Bool || c.type == bk::Type::Null) {
      auto keep = e.eval_filter(b);
      bk::Batch copy = b;
      bk::filter_rows(copy, keep);
    }
  } catch (const bk::Error&) {
  }
  try {
    auto a = bk::parse_assignment(expr, "--set", opts);
    a.expr.eval(b);
  } catch (const bk::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string expr = input.substr(0, nl);
  bk::Batch b = records(nl == std::string::npos ? std::string() : input.substr(nl + 1));
  static bk::ExprOptions utc;
  static bk::ExprOptions berlin = [] {
    bk::ExprOptions o;
    try {
      o.tz = bk::TimeZone::load("Europe/Berlin");
    } catch (const bk::Error&) {
    }
    return o;
  }();
  run(expr, b, utc);
  run(expr, b, berlin);
  return 0;
}
