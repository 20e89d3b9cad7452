// bk-cat's four jobs. Converting is the shared pipeline with a writer. --schema
// unifies the fields of every input (chunk files: from the block schemas alone).
// --stats reads chunk footers and skips the data. --verify decodes everything,
// checking every checksum, file by file, and names the first bad block of each; a
// dataset's files are also checked against its manifest.
#include "bk/cat.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "bk/dataset.hpp"
#include "bk/error.hpp"
#include "bk/expr.hpp"
#include "bk/hive.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"
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
    if (name.empty())
      throw Error::usage(concat(flag, ": empty field name in '", text, "'"), "separate names with commas: a,b,c");
    out.push_back(name);
    if (e == std::string::npos) break;
    s = e + 1;
  }
  return out;
}

namespace {

// A unified schema: fields in first-appearance order, types widened.
struct SchemaUnion {
  std::vector<std::string> names;
  std::vector<Type> types;
  std::string time_field;

  void add(const std::string& name, Type t) {
    for (size_t k = 0; k < names.size(); ++k) {
      if (names[k] == name) {
        types[k] = unify_types(types[k], t);
        return;
      }
    }
    names.push_back(name);
    types.push_back(t);
  }
  void add(const Batch& b) {
    for (size_t k = 0; k < b.names.size(); ++k) add(b.names[k], b.columns[k].type);
    if (b.time_field >= 0 && time_field.empty()) time_field = b.names[b.time_field];
  }
  std::string json() const {
    std::string s = "{\"fields\":[";
    for (size_t k = 0; k < names.size(); ++k) {
      if (k) s += ',';
      s += "{\"name\":";
      append_json_string(s, names[k]);
      s += ",\"type\":\"";
      s += type_name(types[k]);
      s += "\"}";
    }
    s += "],\"time_field\":";
    if (time_field.empty()) s += "null";
    else append_json_string(s, time_field);
    s += "}\n";
    return s;
  }
};

// Collects the schema of every batch; writes nothing.
class SchemaCollector : public Writer {
 public:
  SchemaCollector(Output& out, SchemaUnion& u) : Writer(out), u_(u) {}
  void prepare(Batch& b) override { u_.add(b); }
  void encode(const Batch&, Encoded&) const override {}
  void emit(const Batch&, Encoded&) override {}

 private:
  SchemaUnion& u_;
};

// Counts blocks and rows; writes nothing.
class Counter : public Writer {
 public:
  explicit Counter(Output& out) : Writer(out) {}
  void encode(const Batch&, Encoded&) const override {}
  void emit(const Batch& b, Encoded&) override {
    ++blocks;
    rows += b.rows;
  }
  int64_t blocks = 0, rows = 0;
};

void append_stat_value(std::string& s, const chunk::ColumnStats& c, bool max) {
  switch (c.type) {
    case Type::Float64: {
      double v = max ? c.max_f : c.min_f;
      if (std::isfinite(v)) append_double(s, v);
      else s += "null";
      break;
    }
    case Type::String:
    case Type::Json: append_json_string(s, max ? c.max_s : c.min_s); break;
    case Type::Bool: s += (max ? c.max_i : c.min_i) ? "true" : "false"; break;
    case Type::Timestamp:
      s += '"';
      append_timestamp(s, max ? c.max_i : c.min_i);
      s += '"';
      break;
    default: append_int(s, max ? c.max_i : c.min_i);
  }
}

// Per-column statistics of a whole file, combined from its footers' block entries.
std::string stats_json(const InputFile& in, int64_t bytes, const std::vector<chunk::Footer>& footers) {
  std::vector<chunk::ColumnStats> cols;
  std::vector<bool> mixed, unbounded;
  int64_t blocks = 0, rows = 0;
  for (const auto& f : footers) {
    for (const auto& b : f.blocks) {
      ++blocks;
      std::vector<bool> seen(cols.size(), false);
      for (const auto& s : b.columns) {
        size_t k = 0;
        while (k < cols.size() && cols[k].name != s.name) ++k;
        if (k == cols.size()) {
          chunk::ColumnStats fresh;
          fresh.name = s.name;
          fresh.nulls = rows;  // absent from the blocks before: null there
          cols.push_back(fresh);
          mixed.push_back(false);
          unbounded.push_back(false);
          seen.push_back(false);
        }
        auto& c = cols[k];
        seen[k] = true;
        c.nulls += s.nulls;
        if (s.type == Type::Null) continue;
        if (c.type != Type::Null && c.type != s.type) mixed[k] = true;
        c.type = unify_types(c.type, s.type);
        // A block with values but no min/max (long strings) leaves the file's unknown.
        if (!s.has_minmax && static_cast<uint64_t>(s.nulls) < b.rows) unbounded[k] = true;
        if (mixed[k] || unbounded[k] || !s.has_minmax) continue;
        if (!c.has_minmax) {
          c.min_i = s.min_i, c.max_i = s.max_i, c.min_f = s.min_f, c.max_f = s.max_f;
          c.min_s = s.min_s, c.max_s = s.max_s;
          c.has_minmax = true;
          continue;
        }
        c.min_i = std::min(c.min_i, s.min_i), c.max_i = std::max(c.max_i, s.max_i);
        c.min_f = std::min(c.min_f, s.min_f), c.max_f = std::max(c.max_f, s.max_f);
        c.min_s = std::min(c.min_s, s.min_s), c.max_s = std::max(c.max_s, s.max_s);
      }
      for (size_t k = 0; k < cols.size(); ++k)
        if (!seen[k]) cols[k].nulls += static_cast<int64_t>(b.rows);
      rows += static_cast<int64_t>(b.rows);
    }
  }
  std::string s = "{\"file\":";
  append_json_string(s, in.display);
  s += ",\"bytes\":" + std::to_string(bytes) + ",\"blocks\":" + std::to_string(blocks) +
       ",\"rows\":" + std::to_string(rows) + ",\"columns\":[";
  for (size_t k = 0; k < cols.size(); ++k) {
    const auto& c = cols[k];
    if (k) s += ',';
    s += "{\"name\":";
    append_json_string(s, c.name);
    s += ",\"type\":\"";
    s += type_name(c.type);
    s += "\",\"nulls\":" + std::to_string(c.nulls) + ",\"min\":";
    bool show = c.has_minmax && !mixed[k] && !unbounded[k];
    if (show) append_stat_value(s, c, false);
    else s += "null";
    s += ",\"max\":";
    if (show) append_stat_value(s, c, true);
    else s += "null";
    s += '}';
  }
  s += "]}\n";
  return s;
}

void write_text(const std::string& path, const std::string& text) {
  Output out(path);
  out.write(text);
  out.commit();
}

// How a dataset's file differs from its manifest entry: "" when it does not.
// `same_content` says whether the checksums agree.
std::string manifest_mismatch(const InputFile& in, const dataset::ChunkEntry& e, int64_t rows, bool& same_content) {
  std::string diff;
  auto add = [&](const std::string& what) { diff += (diff.empty() ? "" : ", ") + what; };
  std::error_code ec;
  auto bytes = static_cast<int64_t>(std::filesystem::file_size(in.path, ec));
  if (ec) throw Error(concat("cannot read: ", ec.message())).at(in.display);
  if (bytes != e.bytes) add(concat("size ", bytes, " bytes (manifest: ", e.bytes, ")"));
  if (rows != e.rows) add(concat("rows ", rows, " (manifest: ", e.rows, ")"));
  std::string checksum = dataset::hash_file(in.path);
  same_content = checksum == e.checksum;
  if (!same_content) add(concat("checksum ", checksum, " (manifest: ", e.checksum, ")"));
  return diff;
}

// --verify: every input decoded, every checksum checked. A dataset's files are also
// checked against its manifest (size, rows, whole-file checksum), a file it lists
// that is gone is damage too, and files it does not list are mentioned in a note.
void verify(Context& ctx, const CatOptions& opts) {
  std::vector<std::string> datasets;
  ExpandOptions xopts;
  xopts.keep_missing = true;
  xopts.datasets = &datasets;
  auto inputs = expand_inputs(opts.inputs, xopts);

  struct DatasetState {
    dataset::Manifest manifest;
    int64_t files = 0, rows = 0, bad = 0;
  };
  std::map<std::string, DatasetState> state;
  for (const auto& dir : datasets)
    if (!state.count(dir)) state[dir].manifest = dataset::load_manifest(dir);
  auto manifest_path = [](const std::string& dir) {
    return (std::filesystem::path(dir) / dataset::kManifestName).string();
  };

  int bad = 0;
  std::string text;
  for (const auto& in : inputs) {
    DatasetState* ds = in.dataset.empty() ? nullptr : &state[in.dataset];
    auto damage = [&](const std::string& what) {
      print_error(ctx.tool, what);
      ++bad;
      if (ds) ++ds->bad;
    };
    if (in.missing) {
      damage(Error(concat("missing, but ", manifest_path(in.dataset), " lists it"), "restore it from a backup")
                 .at(in.display)
                 .what());
      continue;
    }
    Output none("");
    Counter count(none);
    try {
      run_pipeline(ctx, {in}, opts.read, {}, count);
      if (ds) {
        const dataset::ChunkEntry* entry = nullptr;
        for (const auto& f : ds->manifest.files)
          if (f.name == in.entry) entry = &f;
        if (!entry) throw Error(concat("no longer listed in ", manifest_path(in.dataset))).at(in.display);
        bool same_content = false;
        std::string diff = manifest_mismatch(in, *entry, count.rows, same_content);
        if (!diff.empty())
          throw Error(concat("does not match ", manifest_path(in.dataset), ": ", diff),
                      same_content ? "its checksum matches, so the manifest's entry is wrong, not the file"
                                   : "the file changed after it was committed; restore it from a backup")
              .at(in.display);
        ds->files += 1;
        ds->rows += count.rows;
      }
      text += concat(in.display, ": ok (", count.blocks, " block", count.blocks == 1 ? "" : "s", ", ", count.rows,
                     " row", count.rows == 1 ? "" : "s", ")\n");
    } catch (const Error& e) {
      damage(e.what());
    }
  }

  // Each dataset once: a line when all its files match, a note on orphans.
  std::set<std::string> done;
  for (const auto& dir : datasets) {
    if (!done.insert(dir).second) continue;
    const auto& ds = state[dir];
    if (ds.bad == 0)
      text += concat(dir, ": ok (", ds.files, " file", ds.files == 1 ? "" : "s", ", ", ds.rows, " row",
                     ds.rows == 1 ? "" : "s", ", as ", manifest_path(dir), " lists them)\n");
    auto orphans = dataset::find_orphans(dir, ds.manifest);
    if (!orphans.empty()) {
      std::string names;
      for (size_t k = 0; k < orphans.size() && k < 10; ++k) names += (k ? ", " : "") + orphans[k];
      if (orphans.size() > 10) names += concat(" and ", orphans.size() - 10, " more");
      bool one = orphans.size() == 1;
      print_note(ctx.tool, concat(dir, ": ", orphans.size(), one ? " file" : " files", " not in ", manifest_path(dir),
                                  ", never read (left by an interrupted write; the next writer deletes ",
                                  one ? "it" : "them", "): ", names));
    }
  }
  write_text(opts.output, text);
  if (bad) throw ExitStatus(1);
}

}  // namespace

void run_cat(Context& ctx, const CatOptions& opts) {
  // Check the flags before reading anything.
  if (opts.head < -1) throw Error::usage("--head: must be 0 or more");
  using Mode = CatOptions::Mode;
  if (opts.mode == Mode::Convert && opts.output_format == Format::Chunk && stdout_is_terminal(opts.output))
    throw Error::usage("refusing to write binary chunk data to a terminal",
                       "redirect it to a file or a pipe, or use -o FILE");
  // Expressions are parsed (and the time zone loaded) before anything is read.
  ExprOptions eopts;
  eopts.tz = load_tz_flag(opts.tz);
  std::vector<Assignment> sets;
  for (const auto& text : opts.set) sets.push_back(parse_assignment(text, "--set", eopts));
  std::optional<Expr> where;
  if (!opts.where.empty()) where = Expr::parse(opts.where, "--where", eopts);
  if (opts.mode == Mode::Verify) {
    verify(ctx, opts);
    return;
  }
  auto inputs = expand_inputs(opts.inputs);

  switch (opts.mode) {
    case Mode::Convert: {
      Output out(opts.output);
      WriteOptions wopts;
      wopts.codec = chunk_codec(opts.codec, out);
      auto writer = make_writer(opts.output_format, out, wopts);
      PipelineSpec spec;
      spec.limit = opts.head;
      spec.map = [&](Batch& b, const RawBlock&) {
        // Computed fields first, in order; then the filter sees them; then the selection.
        // Names are checked against the first block of each input (a field missing
        // there is most likely a typo); later blocks read a missing field as null.
        for (const auto& a : sets) {
          if (b.first_block) a.expr.check(b);
          Column c = a.expr.eval(b);
          int64_t k = b.find(a.name);
          if (k >= 0) b.columns[k] = std::move(c);
          else b.add_column(a.name, std::move(c));
        }
        if (where) {
          if (b.first_block) where->check(b);
          filter_rows(b, where->eval_filter(b));
        }
        if (!opts.select.empty()) b = select_columns(std::move(b), opts.select);
      };
      run_pipeline(ctx, inputs, opts.read, spec, *writer);
      out.commit();
      return;
    }
    case Mode::Schema: {
      SchemaUnion u;
      for (const auto& in : inputs) {
        BlockReader reader(in, opts.read, 1 << 20);
        if (auto* frames = reader.frames()) {
          std::string frame;
          std::vector<std::string> own;  // the file's own fields, for --hive
          while (frames->next(frame, false)) {
            int tf = -1;
            auto fields = chunk::decode_block_schema(frame, tf);
            for (auto& [name, type] : fields) {
              u.add(name, type);
              if (std::find(own.begin(), own.end(), name) == own.end()) own.push_back(name);
            }
            if (tf >= 0 && u.time_field.empty()) u.time_field = fields[tf].first;
          }
          if (opts.read.hive)
            for (auto& [name, type] : hive::path_fields(in.path, own)) u.add(name, type);
        } else {
          Output none("");
          SchemaCollector collect(none, u);
          run_pipeline(ctx, {in}, opts.read, {}, collect);
        }
      }
      write_text(opts.output, u.json());
      return;
    }
    case Mode::Stats: {
      std::string text;
      for (const auto& in : inputs) {
        BlockReader reader(in, opts.read, 1 << 20);
        auto* frames = reader.frames();
        if (!frames)
          throw Error(concat("--stats reads chunk files; this is ", format_name(reader.format())),
                      "convert it first with bk-cat -O chunk")
              .at(in.display);
        std::string frame;
        while (frames->next(frame, false)) {
        }
        text += stats_json(in, reader.raw_bytes(), frames->footers());
      }
      write_text(opts.output, text);
      return;
    }
    case Mode::Verify: break;  // above
  }
}

}  // namespace bk
