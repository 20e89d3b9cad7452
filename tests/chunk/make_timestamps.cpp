// Writes a chunk file (to stdout) with timestamp columns and an event-time field,
// which no text reader produces yet, so that check.sh can test them too. Three
// blocks: the first has no event-time field and an all-null column "t2"; times
// before 1970 and in year 27 test the negative and the padded cases.
//
//   make_timestamps CODEC > ts.bkc
#include <cstdio>
#include <string>

#include "bk/chunk.hpp"

int main(int argc, char** argv) {
  using namespace bk;
  chunk::Codec codec = chunk::parse_codec(argc > 1 ? argv[1] : "none");
  const int64_t kSecond = 1000000, kDay = 86400 * kSecond;
  std::string out;
  chunk::encode_file_header(out);
  chunk::Footer footer;
  for (int blk = 0; blk < 3; ++blk) {
    Batch b;
    Column v, ts, t2;
    int64_t n = 70 + blk;
    for (int64_t i = 0; i < n; ++i) {
      v.append_int(i * 7 - 100);
      int64_t frac = i % 3 == 0 ? 123000 : i % 3 == 1 ? 7 : 0;
      int64_t shift = blk == 2 ? -2000 * 365 * kDay : 0;
      if (i % 9 == 4) ts.append_null();
      else ts.append_timestamp(1767225600 * kSecond + i * 1500000 * (blk + 1) + frac + shift);
      if (blk == 1) t2.append_timestamp(-i * 999999999 - 1);
      else t2.append_null();
    }
    b.rows = n;
    b.add_column("v", std::move(v));
    b.add_column("ts", std::move(ts));
    b.add_column("t2", std::move(t2));
    b.time_field = blk == 0 ? -1 : 1;
    chunk::BlockInfo info;
    info.offset = out.size();
    chunk::encode_block(b, codec, out, info);
    footer.rows += info.rows;
    footer.blocks.push_back(std::move(info));
  }
  chunk::encode_footer(footer, out.size(), out);
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
