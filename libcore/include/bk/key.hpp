// Keys: what grouping (bk-aggregate) and joining (bk-join) compare records by.
//
// A key is one or more values, each encoded into bytes that compare with memcmp in
// the values' order (numbers numerically, strings bytewise, nulls last). Equal values
// encode alike whatever their column's type: int64 5 and float64 5.0 are one key, as
// SQL compares them. A KeyIndex hashes such keys (XXH3) into dense ids; tools that
// work in parallel keep one index per hash partition (key_partition).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bk/batch.hpp"

namespace bk {

// Appends the order-preserving encoding of row i of c: memcmp order of encodings is
// the output order (nulls last; 5 and 5.0 encode alike).
void encode_key_part(std::string& out, const Column& c, int64_t i);
// Decodes one part from the front of `in` into `out` (as type `t`, the key's output
// type); false on malformed bytes.
bool decode_key_part(std::string_view& in, Type t, Column& out);

// XXH3-64 of an encoded key.
uint64_t hash_key(std::string_view key);

// The hash partitions of parallel tables: the top bits of a key's hash.
inline constexpr int kKeyPartitionBits = 6;
inline constexpr size_t kKeyPartitions = size_t(1) << kKeyPartitionBits;
inline size_t key_partition(uint64_t h) { return static_cast<size_t>(h >> (64 - kKeyPartitionBits)); }

// The encoded keys of some rows of a batch, one after another, with their hashes.
struct KeyRows {
  std::vector<uint32_t> rows;  // the batch row of key j
  std::string buf;
  std::vector<uint32_t> ends;  // key j is buf[ends[j-1], ends[j])
  std::vector<uint64_t> hashes;

  size_t size() const { return ends.size(); }
  std::string_view key(size_t j) const {
    uint32_t a = j ? ends[j - 1] : 0;
    return std::string_view(buf.data() + a, ends[j] - a);
  }
  void hash_all();
};

// The keys of rows [begin, end) over `cols` (one part per column), hashed. With
// skip_nulls, a row with a null in any column has no key (SQL: null equals nothing).
void encode_keys(const std::vector<const Column*>& cols, int64_t begin, int64_t end, bool skip_nulls, KeyRows& out);

// Distinct keys with dense ids (0, 1, … in the order they were added): open
// addressing over the keys' hashes, the keys themselves in one buffer. Not
// thread-safe for adding; finding is (nothing changes while it runs).
class KeyIndex {
 public:
  KeyIndex() : slots_(1024) {}

  uint32_t size() const { return static_cast<uint32_t>(hashes_.size()); }
  std::string_view key(uint32_t id) const {
    uint64_t a = id ? key_end_[id - 1] : 0;
    return std::string_view(keys_.data() + a, key_end_[id] - a);
  }
  uint64_t hash(uint32_t id) const { return hashes_[id]; }
  // Reading keys by id in an order of their own: where key `id` ends and starts, ahead of key().
  void prefetch_bounds(uint32_t id) const { __builtin_prefetch(&key_end_[id ? id - 1 : 0]); }

  // Lookups of many keys prefetch ahead: the slot, then the key it points to.
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & (slots_.size() - 1)]); }
  void prefetch_key(uint64_t h) const {
    const Slot& s = slots_[h & (slots_.size() - 1)];
    if (s.id1 && s.hash == h) __builtin_prefetch(keys_.data() + s.offset);
  }

  // The id of key k (hash h), added when new.
  uint32_t find_or_add(uint64_t h, std::string_view k);
  // The id of key k (hash h), or -1 when it is not in the index.
  int64_t find(uint64_t h, std::string_view k) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id1 == 0) return -1;
      if (s.hash == h && same_key(s, k)) return s.id1 - 1;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // of the key in keys_
    uint32_t len = 0;     // of the key
    uint32_t id1 = 0;     // id + 1; 0: empty
  };
  bool same_key(const Slot& s, std::string_view k) const {
    return s.len == k.size() && std::memcmp(keys_.data() + s.offset, k.data(), k.size()) == 0;
  }
  void grow();

  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<uint64_t> key_end_;
  std::vector<uint64_t> hashes_;
};

}  // namespace bk
