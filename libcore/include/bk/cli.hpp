// What every tool's front end shares: the common flags (defined once here, so help,
// man pages and behaviour agree), and run(), the one place that maps errors to
// messages and exit statuses.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "bk/pipeline.hpp"
#include "bk/read.hpp"

namespace bk::cli {

struct Common {
  std::vector<std::string> inputs;
  std::string input_format = "auto";
  std::string output_format = "ndjson";
  std::string output;
  std::string delimiter;
  bool delimiter_given = false;
  bool strings = false;
  bool hive = false;
  int threads = 0;
  bool progress = false, no_progress = false;

  ReadOptions read_options() const;
  Format output_format_value() const;
};

// A CLI11 check: the value must not be negative.
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& v) { return !v.empty() && v[0] == '-' ? std::string("must be 0 or more") : std::string(); },
      "");
}

// INPUT…, then add_read_flags (-I/--input-format, --delimiter, --strings, --hive)
void add_input_flags(CLI::App& app, Common& c);
// -I/--input-format, --delimiter, --strings (for tools that name their inputs otherwise)
void add_read_flags(CLI::App& app, Common& c);
// -o/--output, -O/--output-format
void add_output_flags(CLI::App& app, Common& c);
// -o/--output alone (tools whose output format is their own, as bk-report's -f)
void add_output_file_flag(CLI::App& app, Common& c);
// -j/--threads, --progress, --no-progress
void add_run_flags(CLI::App& app, Common& c);

// Parses the command line and runs `body`. Returns the exit status:
// 0 success (and a closed output pipe), 1 data or I/O error, 2 usage error.
int run(CLI::App& app, int argc, char** argv, Common& c, const std::function<void(Context&)>& body);

}  // namespace bk::cli
