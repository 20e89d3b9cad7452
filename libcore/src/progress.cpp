#include "bk/progress.hpp"

#include <pthread.h>
#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace bk {

namespace {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

}  // namespace

Progress::Progress(const std::string& tool, const Counters& counters)
    : tool_(tool), counters_(counters), thread_([this] {
        // Signals are for the threads doing the work (bk-ingest --roll reads them to
        // commit before it ends): this one never takes them.
        sigset_t sigs;
        sigemptyset(&sigs);
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&sigs, s);
        pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
        loop();
      }) {}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string Progress::line(double seconds) const {
  int64_t read = counters_.bytes_read, total = counters_.bytes_total, rows = counters_.rows_in;
  std::string s = "\r" + tool_ + ": " + human_bytes(static_cast<double>(read));
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * static_cast<double>(read) / static_cast<double>(total));
    s += " of " + human_bytes(static_cast<double>(total)) + pct;
  }
  s += ", " + human_count(static_cast<double>(rows)) + " rows";
  if (seconds > 0) s += ", " + human_count(static_cast<double>(rows) / seconds) + " rows/s";
  s += "\x1b[K";
  return s;
}

void Progress::loop() {
  auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  bool drawn = false;
  // Stay quiet for short runs.
  if (cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return done_; })) return;
  while (!done_) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string s = line(secs);
    ssize_t ignored = ::write(2, s.data(), s.size());
    (void)ignored;
    drawn = true;
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; });
  }
  if (drawn) {
    const char* clear = "\r\x1b[K";
    ssize_t ignored = ::write(2, clear, 4);
    (void)ignored;
  }
}

}  // namespace bk
