#include "bk/cli.hpp"

#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <new>

#include "bk/error.hpp"
#include "bk/progress.hpp"

namespace bk::cli {

ReadOptions Common::read_options() const {
  ReadOptions r;
  r.format = parse_format(input_format, "-I/--input-format", true);
  if (delimiter_given) r.delimiter = parse_delimiter(delimiter);
  r.strings = strings;
  r.hive = hive;
  return r;
}

Format Common::output_format_value() const { return parse_format(output_format, "-O/--output-format", false); }

void add_input_flags(CLI::App& app, Common& c) {
  app.add_option("inputs", c.inputs, "Input files or directories; - or none reads standard input")
      ->type_name("INPUT");
  add_read_flags(app, c);
}

void add_read_flags(CLI::App& app, Common& c) {
  app.add_option("-I,--input-format", c.input_format, "Input format: auto (by content), ndjson, csv, tsv, chunk")
      ->type_name("FORMAT");
  app.add_option("--delimiter", c.delimiter, "CSV input field delimiter (default: sniffed from the header: ',', ';' or tab); 'tab' for tabs")
      ->type_name("C")
      ->each([&c](const std::string&) { c.delimiter_given = true; });
  app.add_flag("--strings", c.strings, "CSV/TSV: keep every value a string (no type inference)");
  app.add_flag("--hive", c.hive, "Add the key=value folders of each input's path as fields (bucket=07 gives bucket: 7)");
}

void add_output_file_flag(CLI::App& app, Common& c) {
  app.add_option("-o,--output", c.output, "Write to FILE (atomically: renamed into place when complete)")
      ->type_name("FILE");
}

void add_output_flags(CLI::App& app, Common& c) {
  add_output_file_flag(app, c);
  app.add_option("-O,--output-format", c.output_format, "Output format: ndjson (default), csv, tsv, chunk")
      ->type_name("FORMAT");
}

void add_run_flags(CLI::App& app, Common& c) {
  app.add_option("-j,--threads", c.threads, "Use at most N threads (default: all cores, or $BK_THREADS)")
      ->type_name("N")
      ->check(non_negative());
  app.add_flag("--progress", c.progress, "Show progress on stderr even when it is not a terminal");
  app.add_flag("--no-progress", c.no_progress, "Never show progress");
}

namespace {

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end || n <= 0) throw Error::usage(concat("$", name, ": '", v, "' is not a positive integer"));
  return n;
}

}  // namespace

int run(CLI::App& app, int argc, char** argv, Common& c, const std::function<void(Context&)>& body) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe becomes EPIPE, handled as BrokenPipe
  const std::string tool = app.get_name();
  // A repeatable flag takes one value per use: in `-a 'n = count()' in.ndjson` the file
  // is an input, not a second -a.
  for (CLI::Option* opt : app.get_options())
    if (!opt->get_positional()) opt->allow_extra_args(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    print_error(tool, concat(e.what(), " (see '", tool, " --help')"));
    return 2;
  }
  try {
    Context ctx;
    ctx.tool = tool;
    ctx.threads = c.threads ? c.threads : static_cast<int>(env_int("BK_THREADS", 0));
    ctx.block_bytes = env_int("BK_BLOCK_BYTES", 0);
    if (c.progress && c.no_progress) throw Error::usage("--progress and --no-progress contradict each other");
    std::unique_ptr<oneapi::tbb::global_control> limit;
    if (ctx.threads > 0)
      limit = std::make_unique<oneapi::tbb::global_control>(oneapi::tbb::global_control::max_allowed_parallelism,
                                                            ctx.threads);
    std::unique_ptr<Progress> progress;
    if (c.progress || (!c.no_progress && ::isatty(2))) progress = std::make_unique<Progress>(tool, ctx.counters);
    body(ctx);
    return 0;
  } catch (const BrokenPipe&) {
    return 0;
  } catch (const ExitStatus& e) {
    return e.code;
  } catch (const Error& e) {
    print_error(tool, e.what());
    return e.kind() == Error::Kind::Usage ? 2 : 1;
  } catch (const std::bad_alloc&) {
    print_error(tool, "out of memory (use fewer threads with -j, or split the input)");
    return 1;
  } catch (const std::exception& e) {
    print_error(tool, e.what());
    return 1;
  }
}

}  // namespace bk::cli
