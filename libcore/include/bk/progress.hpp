// A progress line on stderr while a tool runs: bytes read of the total where known,
// rows and rows per second. Redrawn in place a few times a second; erased at the end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "bk/pipeline.hpp"

namespace bk {

class Progress {
 public:
  Progress(const std::string& tool, const Counters& counters);
  ~Progress();  // stops and erases the line

 private:
  void loop();
  std::string line(double seconds) const;

  std::string tool_;
  const Counters& counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace bk
