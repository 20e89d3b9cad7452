// Conformance: bk-cat against third-party test data (tests/conformance/data, see its
// README.md): JSONTestSuite's parsing cases, csv-spectrum, and two NDJSON samples
// from simdjson.
//
//   bk-conformance --bk-cat=PATH --data=DIR [--timeout=S] [doctest options]
//   (or $BK_CAT, $BK_CONFORMANCE_DATA and $BK_CONFORMANCE_TIMEOUT; 60 s per run)
//
// Every check runs bk-cat as a child process (posix_spawn, stdin /dev/null, working
// folder DATA so messages name files as "json/n_x.json") under a time limit, so a
// hang fails the check instead of the whole run, and a crash is seen as a signal.
// The outputs are compared as parsed JSON (simdjson DOM), never as text:
//   - objects are key -> value maps, the last of a repeated key winning;
//   - numbers are compared as doubles when either side is a float (bk-cat widens an
//     int column to float64 when a float shows up), else as exact integers;
//   - strings byte for byte.
// Whatever bk-cat prints must be NDJSON: one JSON object per line. Whatever it says
// on stderr must be exactly one "bk-cat: error: ..." line, so a sanitizer report or a
// second message fails the check too.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace {

std::string g_bk_cat;  // path of the bk-cat executable
std::string g_data;    // tests/conformance/data

// ---- Running bk-cat ------------------------------------------------------------

struct Result {
  int exit_code = -1;   // when it exited
  int term_signal = 0;  // when a signal ended it
  bool timed_out = false;
  std::string out, err;

  bool exited(int code) const { return !timed_out && term_signal == 0 && exit_code == code; }
  std::string describe() const {
    std::ostringstream os;
    if (timed_out) os << "timed out; ";
    if (term_signal)
      os << "killed by signal " << term_signal << " (" << strsignal(term_signal) << "); ";
    else
      os << "exit " << exit_code << "; ";
    os << "stderr: " << err.substr(0, 600);
    return os.str();
  }
};

double g_timeout_seconds = 60;  // per run; --timeout=S or $BK_CONFORMANCE_TIMEOUT

// Runs bk-cat ARGS in the data folder, with `env` added to (a cleaned) environment.
Result run_bk_cat(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  Result r;
  int out_pipe[2], err_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&fa, g_data.c_str());

  std::vector<std::string> argv_s{g_bk_cat};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The caller's BK_* settings would change what is tested: drop them.
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "BK_", 3) != 0) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Its own process group, so a timeout kills whatever it started too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, g_bk_cat.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    FAIL("cannot run " << g_bk_cat << ": " << std::strerror(rc));
  }

  // Read both pipes until they close; past the deadline, kill the child's process
  // group, and stop reading a few seconds later whatever still holds the pipes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(g_timeout_seconds);
  auto give_up = deadline + std::chrono::seconds(5);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !r.timed_out) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
    }
    if (r.timed_out && std::chrono::steady_clock::now() > give_up) break;
    int n = ::poll(fds, 2, r.timed_out ? 1000 : static_cast<int>(std::max<int64_t>(left.count(), 1)));
    if (n < 0 && errno == EINTR) continue;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[k]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  return r;
}

// ---- Files ---------------------------------------------------------------------

std::vector<std::string> list(const std::string& dir, const std::string& prefix, const std::string& suffix) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fs::path(g_data) / dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string slurp(const std::string& relative) {
  std::ifstream in(fs::path(g_data) / relative, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << relative);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t s = 0;
  while (s < text.size()) {
    size_t e = text.find('\n', s);
    if (e == std::string::npos) e = text.size();
    lines.push_back(text.substr(s, e - s));
    s = e + 1;
  }
  return lines;
}

// ---- Comparing JSON values -----------------------------------------------------

using simdjson::dom::element;
using simdjson::dom::element_type;

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

std::map<std::string_view, element> as_map(simdjson::dom::object o) {
  std::map<std::string_view, element> m;
  for (auto kv : o) m[kv.key] = kv.value;  // the last of a repeated key wins
  return m;
}

bool numbers_equal(element a, element b) {
  if (a.type() == element_type::DOUBLE || b.type() == element_type::DOUBLE)
    return double(a.get_double().value()) == double(b.get_double().value());
  // Both integers: exact, across int64 and uint64.
  bool a_neg = a.type() == element_type::INT64 && int64_t(a.get_int64().value()) < 0;
  bool b_neg = b.type() == element_type::INT64 && int64_t(b.get_int64().value()) < 0;
  if (a_neg || b_neg) return a_neg && b_neg && int64_t(a.get_int64().value()) == int64_t(b.get_int64().value());
  return uint64_t(a.get_uint64().value()) == uint64_t(b.get_uint64().value());
}

// Compares `want` and `got`; on a difference, says where in `why`. With
// `missing_is_null`, a top-level key that `want` lacks may be null in `got` (a
// record's absent field and a null field are the same thing in bk's data model).
bool json_equal(element want, element got, std::string& why, const std::string& path = "$",
                bool missing_is_null = false) {
  element_type wt = want.type(), gt = got.type();
  if (is_number(wt) && is_number(gt)) {
    if (numbers_equal(want, got)) return true;
    why = path + ": number " + simdjson::to_string(want) + " came back as " + simdjson::to_string(got);
    return false;
  }
  if (wt != gt) {
    why = path + ": " + simdjson::to_string(want) + " came back as " + simdjson::to_string(got);
    return false;
  }
  switch (wt) {
    case element_type::STRING:
      if (std::string_view(want.get_string().value()) == std::string_view(got.get_string().value())) return true;
      why = path + ": string " + simdjson::to_string(want) + " came back as " + simdjson::to_string(got);
      return false;
    case element_type::BOOL:
      if (bool(want.get_bool().value()) == bool(got.get_bool().value())) return true;
      why = path + ": " + simdjson::to_string(want) + " came back as " + simdjson::to_string(got);
      return false;
    case element_type::NULL_VALUE: return true;
    case element_type::ARRAY: {
      auto wa = want.get_array().value(), ga = got.get_array().value();
      if (wa.size() != ga.size()) {
        why = path + ": array of " + std::to_string(wa.size()) + " came back with " + std::to_string(ga.size());
        return false;
      }
      size_t k = 0;
      for (auto wi = wa.begin(), gi = ga.begin(); wi != wa.end(); ++wi, ++gi, ++k)
        if (!json_equal(*wi, *gi, why, path + "[" + std::to_string(k) + "]")) return false;
      return true;
    }
    case element_type::OBJECT: {
      auto wm = as_map(want.get_object().value()), gm = as_map(got.get_object().value());
      for (const auto& [key, value] : wm) {
        auto it = gm.find(key);
        if (it == gm.end()) {
          why = path + ": key \"" + std::string(key) + "\" is missing";
          return false;
        }
        if (!json_equal(value, it->second, why, path + "." + std::string(key))) return false;
      }
      for (const auto& [key, value] : gm) {
        if (wm.count(key)) continue;
        if (missing_is_null && value.type() == element_type::NULL_VALUE) continue;
        why = path + ": unexpected key \"" + std::string(key) + "\"";
        return false;
      }
      return true;
    }
    default: return true;  // numbers: handled above
  }
}

// Every line of bk-cat's stdout is one JSON object, and the output ends with a newline.
void check_ndjson_output(const std::string& out) {
  if (out.empty()) return;
  CHECK_MESSAGE(out.back() == '\n', "output does not end with a newline");
  simdjson::dom::parser parser;
  int64_t n = 0;
  for (const auto& line : split_lines(out)) {
    ++n;
    simdjson::padded_string ps(line);
    element doc;
    auto error = parser.parse(ps).get(doc);
    CHECK_MESSAGE(!error, "output line " << n << " is not JSON (" << simdjson::error_message(error)
                                         << "): " << line.substr(0, 200));
    if (!error) CHECK_MESSAGE(doc.is_object(), "output line " << n << " is not an object: " << line.substr(0, 200));
  }
}

// stderr is exactly one line "bk-cat: error: FILE:N: ..." naming `file`.
void check_error_names_line(const Result& r, const std::string& file) {
  static const std::regex line_re("^[1-9][0-9]*: ");
  const std::string prefix = "bk-cat: error: " + file + ":";
  bool one_line = !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  bool named = r.err.rfind(prefix, 0) == 0 && std::regex_search(r.err.substr(prefix.size()), line_re);
  CHECK_MESSAGE(one_line, "stderr is not one line: " << r.err.substr(0, 600));
  CHECK_MESSAGE(named, "stderr does not start with '" << prefix << "N: ': " << r.err.substr(0, 300));
}

// ---- JSONTestSuite -------------------------------------------------------------

// n_ files that are no NDJSON error: an NDJSON stream of zero records. The empty
// file, a lone space, and a lone UTF-8 byte order mark (bk drops a leading BOM as
// "not data", which leaves an empty file).
const std::set<std::string> kNoRecords = {"n_structure_no_data.json", "n_single_space.json",
                                          "n_structure_UTF8_BOM_no_data.json"};

TEST_CASE("data: the conformance files are all there") {
  CHECK(list("json", "n_", ".json").size() == 188);
  CHECK(list("json", "y_", ".json").size() == 95);
  CHECK(list("json", "i_", ".json").size() == 35);
  CHECK(list("csv/csvs", "", ".csv").size() == 12);
  CHECK(fs::exists(fs::path(g_data) / "ndjson/twitter_statuses.ndjson"));
  CHECK(fs::exists(fs::path(g_data) / "ndjson/amazon_cellphones.ndjson"));
}

TEST_CASE("JSONTestSuite n_*: invalid JSON is rejected, naming the file and line") {
  for (const auto& name : list("json", "n_", ".json")) {
    const std::string file = "json/" + name;
    for (const char* format : {"auto", "ndjson"}) {
      INFO(file << " with -I " << format);
      Result r = run_bk_cat({"-I", format, file});
      CHECK_MESSAGE(r.term_signal == 0, r.describe());
      CHECK_MESSAGE(!r.timed_out, r.describe());
      check_ndjson_output(r.out);
      if (kNoRecords.count(name)) {
        CHECK_MESSAGE(r.exited(0), r.describe());
        CHECK_MESSAGE(r.out.empty(), "stdout: " << r.out.substr(0, 200));
        CHECK_MESSAGE(r.err.empty(), "stderr: " << r.err.substr(0, 300));
      } else {
        CHECK_MESSAGE(r.exited(1), r.describe());
        check_error_names_line(r, file);
      }
    }
  }
}

// A y_ file that is exactly one JSON object on one line (a trailing newline allowed).
bool is_one_line_object(const std::string& text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  if (b == std::string::npos || text[b] != '{') return false;
  return text.substr(b, e - b + 1).find('\n') == std::string::npos;
}

TEST_CASE("JSONTestSuite y_*: a one-line object converts to an equal NDJSON record") {
  int64_t checked = 0;
  for (const auto& name : list("json", "y_", ".json")) {
    const std::string file = "json/" + name;
    const std::string text = slurp(file);
    if (!is_one_line_object(text)) continue;
    ++checked;
    INFO(file << ": " << text.substr(0, 200));
    Result r = run_bk_cat({file});
    CHECK_MESSAGE(r.exited(0), r.describe());
    CHECK_MESSAGE(r.err.empty(), "stderr: " << r.err);
    auto lines = split_lines(r.out);
    REQUIRE_MESSAGE(lines.size() == 1, "expected one output line, got: " << r.out.substr(0, 300));
    CHECK(r.out.back() == '\n');

    simdjson::dom::parser want_parser, got_parser;
    simdjson::padded_string want_text(text), got_text(lines[0]);
    element want, got;
    REQUIRE_MESSAGE(!want_parser.parse(want_text).get(want), "simdjson cannot parse the input");
    auto error = got_parser.parse(got_text).get(got);
    REQUIRE_MESSAGE(!error, "output is not JSON: " << lines[0]);
    std::string why;
    CHECK_MESSAGE(json_equal(want, got, why), why << "\n  output: " << lines[0]);
  }
  CHECK(checked == 11);  // the y_object_* files but y_object_with_newlines
}

TEST_CASE("JSONTestSuite i_*: implementation-defined input never crashes or hangs") {
  for (const auto& name : list("json", "i_", ".json")) {
    const std::string file = "json/" + name;
    INFO(file);
    Result r = run_bk_cat({file});
    CHECK_MESSAGE(r.term_signal == 0, r.describe());
    CHECK_MESSAGE(!r.timed_out, r.describe());
    CHECK_MESSAGE((r.exited(0) || r.exited(1)), r.describe());
    check_ndjson_output(r.out);
    if (r.exited(0)) CHECK_MESSAGE(r.err.empty(), "stderr: " << r.err);
    if (r.exited(1)) check_error_names_line(r, file);
  }
}

// ---- csv-spectrum --------------------------------------------------------------

TEST_CASE("csv-spectrum: --strings gives exactly the expected records, in header order") {
  // location_coordinates: its expected JSON is an object (not an array) with a wrong
  // phone number, and its CSV is not RFC 4180 (see data/README.md).
  int64_t checked = 0;
  for (const auto& csv_name : list("csv/csvs", "", ".csv")) {
    const std::string stem = csv_name.substr(0, csv_name.size() - 4);
    if (stem == "location_coordinates") continue;
    ++checked;
    const std::string csv = "csv/csvs/" + csv_name;
    for (const auto& env :
         {std::vector<std::string>{}, std::vector<std::string>{"BK_THREADS=4", "BK_BLOCK_BYTES=64"}}) {
      INFO(csv << (env.empty() ? "" : " with BK_THREADS=4 BK_BLOCK_BYTES=64"));
      Result r = run_bk_cat({"--strings", csv}, env);
      CHECK_MESSAGE(r.exited(0), r.describe());
      CHECK_MESSAGE(r.err.empty(), "stderr: " << r.err);
      check_ndjson_output(r.out);

      // The header: the first line split at commas (no csv-spectrum header is quoted).
      std::string text = slurp(csv);
      std::string first = text.substr(0, text.find('\n'));
      if (!first.empty() && first.back() == '\r') first.pop_back();
      std::vector<std::string> header;
      for (size_t s = 0;;) {
        size_t e = first.find(',', s);
        header.push_back(first.substr(s, e == std::string::npos ? std::string::npos : e - s));
        if (e == std::string::npos) break;
        s = e + 1;
      }

      simdjson::dom::parser want_parser;
      simdjson::padded_string want_text(slurp("csv/json/" + stem + ".json"));
      simdjson::dom::array want;
      REQUIRE_MESSAGE(!want_parser.parse(want_text).get(want), "expected file is not a JSON array");
      auto lines = split_lines(r.out);
      REQUIRE_MESSAGE(lines.size() == want.size(), "got " << lines.size() << " records, want " << want.size()
                                                          << "; output:\n"
                                                          << r.out);
      size_t k = 0;
      for (element want_rec : want) {
        INFO("record " << k + 1 << ": " << lines[k]);
        simdjson::dom::parser got_parser;
        simdjson::padded_string got_text(lines[k]);
        element got;
        REQUIRE(!got_parser.parse(got_text).get(got));
        std::string why;
        CHECK_MESSAGE(json_equal(want_rec, got, why), why);
        std::vector<std::string> keys;
        simdjson::dom::object got_obj = got.get_object().value();
        for (auto kv : got_obj) {
          keys.emplace_back(kv.key);
          CHECK_MESSAGE(kv.value.is_string(), "field " << kv.key << " is not a string");
        }
        CHECK(keys == header);
        ++k;
      }
    }
  }
  CHECK(checked == 11);
}

// ---- NDJSON samples ------------------------------------------------------------

TEST_CASE("ndjson: amazon_cellphones.ndjson holds arrays, rejected at line 1") {
  const std::string file = "ndjson/amazon_cellphones.ndjson";
  Result r = run_bk_cat({file});
  CHECK_MESSAGE(r.exited(1), r.describe());
  CHECK_MESSAGE(r.out.empty(), "stdout: " << r.out.substr(0, 200));
  check_error_names_line(r, file);
  CHECK_MESSAGE(r.err.rfind("bk-cat: error: " + file + ":1: ", 0) == 0, r.err);
}

TEST_CASE("ndjson: twitter_statuses.ndjson converts to 100 equal records") {
  // bk-cat puts a record's missing fields in as null (records of one batch share
  // their columns): a key the input lacks may come back, null.
  const std::string file = "ndjson/twitter_statuses.ndjson";
  const auto input = split_lines(slurp(file));
  REQUIRE(input.size() == 100);
  for (const auto& env : {std::vector<std::string>{}, std::vector<std::string>{"BK_THREADS=4", "BK_BLOCK_BYTES=64"}}) {
    INFO(file << (env.empty() ? "" : " with BK_THREADS=4 BK_BLOCK_BYTES=64"));
    Result r = run_bk_cat({file}, env);
    CHECK_MESSAGE(r.exited(0), r.describe());
    CHECK_MESSAGE(r.err.empty(), "stderr: " << r.err);
    auto output = split_lines(r.out);
    REQUIRE(output.size() == 100);
    for (size_t k = 0; k < output.size(); ++k) {
      INFO("line " << k + 1);
      simdjson::dom::parser want_parser, got_parser;
      simdjson::padded_string want_text(input[k]), got_text(output[k]);
      element want, got;
      REQUIRE(!want_parser.parse(want_text).get(want));
      auto error = got_parser.parse(got_text).get(got);
      REQUIRE_MESSAGE(!error, "output is not JSON: " << output[k].substr(0, 300));
      std::string why;
      CHECK_MESSAGE(json_equal(want, got, why, "$", true), why);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Our options (the environment, then the command line), then doctest's.
  if (const char* t = std::getenv("BK_CONFORMANCE_TIMEOUT")) g_timeout_seconds = std::atof(t);
  std::vector<char*> rest;
  for (int k = 0; k < argc; ++k) {
    std::string a = argv[k];
    if (a.rfind("--bk-cat=", 0) == 0)
      g_bk_cat = a.substr(9);
    else if (a.rfind("--data=", 0) == 0)
      g_data = a.substr(7);
    else if (a.rfind("--timeout=", 0) == 0)
      g_timeout_seconds = std::atof(a.c_str() + 10);
    else
      rest.push_back(argv[k]);
  }
  if (g_bk_cat.empty() && std::getenv("BK_CAT")) g_bk_cat = std::getenv("BK_CAT");
  if (g_data.empty() && std::getenv("BK_CONFORMANCE_DATA")) g_data = std::getenv("BK_CONFORMANCE_DATA");
  if (g_bk_cat.empty() || g_data.empty() || !(g_timeout_seconds > 0)) {
    std::fprintf(stderr,
                 "usage: %s --bk-cat=PATH --data=DIR [--timeout=S] [doctest options]\n"
                 "   (or set BK_CAT and BK_CONFORMANCE_DATA)\n",
                 argv[0]);
    return 2;
  }
  g_bk_cat = fs::absolute(g_bk_cat).string();
  g_data = fs::absolute(g_data).string();
  if (::access(g_bk_cat.c_str(), X_OK) != 0 || !fs::is_directory(g_data)) {
    std::fprintf(stderr, "%s: cannot run %s, or %s is not a folder\n", argv[0], g_bk_cat.c_str(), g_data.c_str());
    return 2;
  }

  doctest::Context context;
  context.applyCommandLine(static_cast<int>(rest.size()), rest.data());
  return context.run();
}
