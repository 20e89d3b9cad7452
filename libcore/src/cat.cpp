#include "bk/cat.hpp"

#include "bk/error.hpp"
#include "bk/write.hpp"

namespace bk {

std::vector<std::string> parse_field_list(const std::string& text, const std::string& flag) {
  std::vector<std::string> out;
  size_t s = 0;
  for (;;) {
    size_t e = text.find(',', s);
    std::string name = text.substr(s, e == std::string::npos ? std::string::npos : e - s);
    size_t a = name.find_first_not_of(" \t"), b = name.find_last_not_of(" \t");
    name = a == std::string::npos ? "" : name.substr(a, b - a + 1);
    if (name.empty()) throw Error::usage(concat(flag, ": empty field name in '", text, "'"), "separate names with commas: a,b,c");
    out.push_back(name);
    if (e == std::string::npos) break;
    s = e + 1;
  }
  return out;
}

void run_cat(Context& ctx, const CatOptions& opts) {
  if (opts.head < -1) throw Error::usage("--head: must be 0 or more");
  auto inputs = expand_inputs(opts.inputs);
  Output out(opts.output);
  auto writer = make_writer(opts.output_format, out);

  PipelineSpec spec;
  spec.limit = opts.head;
  if (!opts.select.empty()) {
    spec.map = [&](Batch& b) { b = select_columns(std::move(b), opts.select); };
  }
  run_pipeline(ctx, inputs, opts.read, spec, *writer);
  out.commit();
}

}  // namespace bk
