// bk: runs bk-TOOL (found beside this executable, then on PATH), like git.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Tool {
  const char* name;
  const char* summary;
};

// Every tool of the toolkit; `bk help` lists those installed.
const Tool kTools[] = {
    {"ingest", "raw NDJSON/CSV/TSV → validated, typed chunk files; bad records quarantined"},
    {"partition", "split records into shards by hash, time or value (Hive-style folders)"},
    {"aggregate", "group by keys and time windows; exact, parallel, mergeable aggregates"},
    {"join", "join two inputs on keys: inner, left, right, full, semi, anti, as-of"},
    {"report", "result tables → aligned text, Markdown, CSV, JSON, HTML with charts"},
    {"cat", "any input format → any output format; select fields, take the first N"},
};

std::string self_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

// The path of bk-NAME: beside bk first, then PATH.
std::string find_tool(const std::string& name) {
  std::string exe = "bk-" + name;
  std::string dir = self_dir();
  if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return dir + "/" + exe;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  size_t s = 0;
  while (s <= p.size()) {
    size_t e = p.find(':', s);
    std::string d = p.substr(s, e == std::string::npos ? std::string::npos : e - s);
    if (!d.empty() && ::access((d + "/" + exe).c_str(), X_OK) == 0) return d + "/" + exe;
    if (e == std::string::npos) break;
    s = e + 1;
  }
  return "";
}

void usage(FILE* to) {
  std::fprintf(to,
               "usage: bk TOOL [ARGS...]     run bk-TOOL\n"
               "       bk help [TOOL]        list the tools, or show TOOL's help\n"
               "       bk --version\n");
}

int help() {
  usage(stdout);
  std::printf("\nTools:\n");
  for (const auto& t : kTools)
    if (!find_tool(t.name).empty()) std::printf("  %-10s %s\n", t.name, t.summary);
  std::printf("\nEvery tool takes --help; see man bk-TOOL, and man 7 bk for what they share.\n");
  return 0;
}

int exec_tool(const std::string& name, int argc, char** argv) {
  std::string path = find_tool(name);
  if (path.empty()) {
    std::fprintf(stderr, "bk: error: '%s' is not a bk tool (see 'bk help')\n", name.c_str());
    return 2;
  }
  std::vector<char*> args;
  std::string argv0 = "bk-" + name;
  args.push_back(argv0.data());
  for (int k = 0; k < argc; ++k) args.push_back(argv[k]);
  args.push_back(nullptr);
  ::execv(path.c_str(), args.data());
  std::fprintf(stderr, "bk: error: %s: cannot run: %s\n", path.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--version") {
    std::printf("bk %s\n", BK_VERSION);
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    if (argc > 2) {
      char help_flag[] = "--help";
      char* rest[] = {help_flag};
      return exec_tool(argv[2], 1, rest);
    }
    return help();
  }
  if (cmd[0] == '-') {
    std::fprintf(stderr, "bk: error: unknown option '%s' (see 'bk help')\n", cmd.c_str());
    return 2;
  }
  return exec_tool(cmd, argc - 2, argv + 2);
}
