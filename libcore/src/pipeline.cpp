#include "bk/pipeline.hpp"

#include <oneapi/tbb/parallel_pipeline.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

struct Work {
  RawBlock raw;
  Batch batch;
  Encoded enc;
  std::exception_ptr error;  // a failure in any stage
  bool skip = false;         // past --head or past an error: nothing to write
};

// Work items are recycled with their buffers: fresh multi-megabyte buffers for every
// block would cost more in page faults than in parsing.
class WorkPool {
 public:
  std::unique_ptr<Work> get() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<Work>();
    auto w = std::move(free_.back());
    free_.pop_back();
    return w;
  }
  void put(std::unique_ptr<Work> w) {
    w->batch = Batch();
    w->enc.used = std::string::npos;  // bytes keeps its size: text writers overwrite it
    w->enc.block = chunk::BlockInfo();
    w->error = nullptr;
    w->skip = false;
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(w));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Work>> free_;
};

}  // namespace

void write_run_stats(const Context& ctx, const std::string& path, const std::string& fields) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  std::string s = concat("{", fields, ",\"bytes_read\":", ctx.counters.bytes_read.load(), ",\"seconds\":");
  append_double(s, std::round(seconds * 1000) / 1000);
  s += "}\n";
  Output out(path);
  out.write(s);
  out.commit();
}

void number_lines(Batch& b, int64_t& next_line) {
  if (b.first_block) next_line = 1;
  b.first_line = next_line;
  next_line += b.line_count;
  for (auto& r : b.rejects)
    if (r.line > 0) r.line += b.first_line - 1;
}

void run_pipeline(Context& ctx, const std::vector<InputFile>& inputs, const ReadOptions& ropts,
                  const PipelineSpec& spec, Writer& writer) {
  int64_t total = 0;
  for (const auto& in : inputs) total = (in.size < 0 || total < 0) ? -1 : total + in.size;
  ctx.counters.bytes_total = total;

  const int64_t block_bytes = ctx.block_bytes > 0 ? ctx.block_bytes : writer.preferred_block_bytes();
  size_t next_input = 0;
  int64_t next_seq = 0;
  std::unique_ptr<BlockReader> reader;
  int64_t bytes_before = 0;  // raw bytes of the inputs already finished
  std::atomic<bool> stop_reading{false};  // stage 1 reads no further
  bool cut_off = false;                   // stage 3 passes nothing further

  // Stage 3 state: line numbering per input, the row limit.
  int64_t next_line = 1;
  int64_t rows_kept = 0;
  std::exception_ptr failure;

  unsigned threads = ctx.threads > 0 ? ctx.threads : std::max(1u, std::thread::hardware_concurrency());
  size_t tokens = std::max<size_t>(4, threads * 3);

  WorkPool pool;
  auto read = [&](oneapi::tbb::flow_control& fc) -> Work* {
    if (stop_reading) {
      fc.stop();
      return nullptr;
    }
    auto w = pool.get();
    try {
      for (;;) {
        if (!reader) {
          if (next_input == inputs.size()) {
            fc.stop();
            return nullptr;
          }
          reader = std::make_unique<BlockReader>(inputs[next_input++], ropts, block_bytes);
        }
        bool got = reader->next(w->raw);
        ctx.counters.bytes_read = bytes_before + reader->raw_bytes();
        if (got) {
          w->raw.seq = next_seq++;
          if (spec.read) spec.read(w->raw);
          break;
        }
        bytes_before += reader->raw_bytes();
        reader.reset();
      }
    } catch (...) {
      w->error = std::current_exception();
      stop_reading = true;
    }
    return w.release();
  };

  auto parse = [&](Work* w) -> Work* {
    if (w->error) return w;
    try {
      w->batch = parse_block(w->raw);
      w->batch.first_block = w->raw.first_in_file;
      w->batch.seq = w->raw.seq;
      ctx.counters.rows_in += w->batch.rows;
      if (spec.map) spec.map(w->batch, w->raw);
    } catch (...) {
      w->error = std::current_exception();
    }
    return w;
  };

  auto order = [&](Work* w) -> Work* {
    if (cut_off) {
      w->skip = true;
      w->error = nullptr;
      return w;
    }
    auto cut = [&] { cut_off = true; stop_reading = true; };
    try {
      if (w->error) std::rethrow_exception(w->error);
      Batch& b = w->batch;
      number_lines(b, next_line);
      if (spec.ordered) spec.ordered(b);
      // A bad record past the row limit is never reached: drop its error.
      if (b.error && spec.limit >= 0 && rows_kept + b.rows >= spec.limit) b.error = nullptr;
      if (b.error) {
        // Renumber the error from block-relative to file lines, write the rows before it.
        try {
          std::rethrow_exception(b.error);
        } catch (Error& e) {
          e.shift_line(b.first_line - 1);
          w->error = std::make_exception_ptr(e);
        } catch (...) {
          w->error = std::current_exception();
        }
        b.error = nullptr;
        cut();
      }
      if (spec.limit >= 0) {
        if (rows_kept + b.rows >= spec.limit) {
          truncate_rows(b, spec.limit - rows_kept);
          cut();
        }
        rows_kept += b.rows;
      }
      writer.prepare(b);
    } catch (...) {
      if (!w->error) w->error = std::current_exception();
      w->skip = true;
      cut();
    }
    return w;
  };

  auto encode = [&](Work* w) -> Work* {
    if (w->skip) return w;
    try {
      writer.encode(w->batch, w->enc);
    } catch (...) {
      if (!w->error) w->error = std::current_exception();
      w->skip = true;
    }
    return w;
  };

  auto emit = [&](Work* w) {
    std::unique_ptr<Work> own(w);
    struct Recycle {
      WorkPool& pool;
      std::unique_ptr<Work>& w;
      ~Recycle() { pool.put(std::move(w)); }
    } recycle{pool, own};
    if (failure) return;
    try {
      if (!w->skip) {
        writer.emit(w->batch, w->enc);
        ctx.counters.rows_out += w->batch.rows;
      }
    } catch (...) {
      if (!w->error) w->error = std::current_exception();
    }
    if (w->error) {
      failure = w->error;
      stop_reading = true;
    }
  };

  using oneapi::tbb::filter_mode;
  using oneapi::tbb::make_filter;
  oneapi::tbb::parallel_pipeline(
      tokens, make_filter<void, Work*>(filter_mode::serial_in_order, read) &
                  make_filter<Work*, Work*>(filter_mode::parallel, parse) &
                  make_filter<Work*, Work*>(filter_mode::serial_in_order, order) &
                  make_filter<Work*, Work*>(filter_mode::parallel, encode) &
                  make_filter<Work*, void>(filter_mode::serial_in_order, emit));
  if (failure) std::rethrow_exception(failure);
  if (spec.finish) writer.finish();
}

}  // namespace bk
