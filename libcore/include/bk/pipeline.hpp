// The batch pipeline every tool runs: read → parse → transform → write.
//
//   1. read      serial, in order   cut the inputs into raw blocks (BlockReader)
//   2. parse     parallel           raw block → Batch; then the tool's map()
//   3. order     serial, in order   number lines, surface errors, --head, writer.prepare()
//   4. encode    parallel           writer.encode()
//   5. emit      serial, in order   writer.emit()
//
// Output order is input order whatever the thread count, and block boundaries depend
// only on the input and the block size, never on timing, so output is byte-identical
// for any -j. No stage throws across oneTBB: a failure is stored in its work item and
// raised by stage 5 in input order, after every earlier batch was written, so the
// error reported is always the first one in the input.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bk/batch.hpp"
#include "bk/io.hpp"
#include "bk/read.hpp"
#include "bk/write.hpp"

namespace bk {

// Counters of a run: the progress line shows them, and a run's record will report them.
struct Counters {
  std::atomic<int64_t> bytes_read{0};   // raw input bytes consumed
  std::atomic<int64_t> bytes_total{-1}; // known input size, -1 when unknown (a pipe)
  std::atomic<int64_t> rows_in{0};
  std::atomic<int64_t> rows_out{0};
};

struct Context {
  std::string tool = "bk";
  int threads = 0;                   // 0: every core
  int64_t block_bytes = 0;           // target size of a raw block; 0: the writer's preference
  Counters counters;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();  // the run's start
};

// --stats FILE: writes {FIELDS,"bytes_read":N,"seconds":S} and a newline to `path`
// (atomically); FIELDS is the tool's own `"name":value,…`. The wall time since
// ctx.started comes last, so tests can strip it.
void write_run_stats(const Context& ctx, const std::string& path, const std::string& fields);

struct PipelineSpec {
  // Serial, in input order, as each raw block is read (before any batch is parsed
  // from it); may throw.
  std::function<void(const RawBlock&)> read;
  // Parallel, per batch, with the raw block it was parsed from (for record_text).
  std::function<void(Batch&, const RawBlock&)> map;
  // Serial, in input order, after the block's lines are numbered (b.first_line and
  // rejects' lines are file lines now) and before --head and the writer; may throw.
  std::function<void(Batch&)> ordered;
  int64_t limit = -1;               // keep at most this many rows (--head)
  bool finish = true;               // false: the caller writes more (write_batches), then finishes the writer
};

// What one stage of the pipeline leaves for a later one, by the batch's seq (what a
// tool's parallel map() leaves for its in-order stage, say): put by any thread, then
// looked at or taken, once, by the stage that needs it (take() is empty for a batch
// that left nothing, e.g. one whose map() failed) (a value stays where
// it is while other threads put theirs, so find() may be used without the lock).
template <typename T>
class SeqMap {
 public:
  void put(int64_t seq, T value) {
    std::lock_guard<std::mutex> lock(mu_);
    map_.insert_or_assign(seq, std::move(value));
  }
  // The value of seq; null when none was put.
  T* find(int64_t seq) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(seq);
    return it == map_.end() ? nullptr : &it->second;
  }
  std::optional<T> take(int64_t seq) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(seq);
    if (it == map_.end()) return std::nullopt;
    std::optional<T> v(std::move(it->second));
    map_.erase(it);
    return v;
  }

 private:
  std::mutex mu_;
  std::unordered_map<int64_t, T> map_;
};

// Stage 3's line numbering, for one batch in input order: the batch's lines follow
// `next_line` (restarting at 1 with the first block of an input), and its rejects'
// block-relative lines become file lines. Advances next_line past the batch.
void number_lines(Batch& b, int64_t& next_line);

void run_pipeline(Context& ctx, const std::vector<InputFile>& inputs, const ReadOptions& ropts,
                  const PipelineSpec& spec, Writer& writer);

}  // namespace bk
