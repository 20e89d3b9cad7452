// libcore/src/key.cpp: the order-preserving key encoding, encode_keys, KeyIndex.
#include "bk/key.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
using namespace std::string_literals;

namespace {

std::string key_of(const Column& c, int64_t i) {
  std::string k;
  encode_key_part(k, c, i);
  return k;
}

}  // namespace

TEST_CASE("keys: 5 and 5.0 are one key, 5.5 and \"5\" are others") {
  Column ints, floats;
  ints.append_int(5);
  ints.append_int(-3);
  floats.append_double(5.0);
  floats.append_double(5.5);
  floats.append_double(-3.0);
  CHECK(key_of(ints, 0) == key_of(floats, 0));
  CHECK(key_of(ints, 1) == key_of(floats, 2));
  CHECK(key_of(ints, 0) != key_of(floats, 1));
  Column text;
  text.append_string("5");
  CHECK(key_of(ints, 0) != key_of(text, 0));
}

TEST_CASE("keys: encodings sort as the values do, nulls last") {
  Column c;
  for (double v : {-1e300, -2.5, -2.0, 0.0, 0.25, 3.0, 1e19}) c.append_double(v);
  c.append_null();
  for (int64_t i = 0; i + 1 < c.size(); ++i) CHECK(key_of(c, i) < key_of(c, i + 1));
  Column s;
  for (const std::string& v : {""s, "a"s, "a\0b"s, "ab"s, "b"s}) s.append_string(v);
  for (int64_t i = 0; i + 1 < s.size(); ++i) CHECK(key_of(s, i) < key_of(s, i + 1));
}

TEST_CASE("keys: decode_key_part reads back what encode_key_part wrote") {
  Batch b = ndjson("{\"i\":7,\"f\":2.5,\"s\":\"x\\u0000y\",\"t\":true}\n");
  for (const char* name : {"i", "f", "s", "t"}) {
    const Column& c = col(b, name);
    std::string k = key_of(c, 0);
    std::string_view in = k;
    Column out;
    REQUIRE(decode_key_part(in, c.type, out));
    CHECK(in.empty());
    CHECK(text_of(out, 0) == text_of(c, 0));
  }
}

TEST_CASE("encode_keys: several parts per row; skip_nulls leaves out rows with a null part") {
  Batch b = ndjson("{\"a\":1,\"b\":\"x\"}\n{\"a\":null,\"b\":\"y\"}\n{\"a\":1.0,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n");
  std::vector<const Column*> cols{&col(b, "a"), &col(b, "b")};
  KeyRows all, some;
  encode_keys(cols, 0, b.rows, false, all);
  encode_keys(cols, 0, b.rows, true, some);
  CHECK(all.size() == 4);
  REQUIRE(some.size() == 2);
  CHECK(some.rows == std::vector<uint32_t>{0, 2});
  CHECK(some.key(0) == some.key(1));  // 1 and 1.0
  CHECK(some.hashes[0] == some.hashes[1]);
  CHECK(all.key(1) != all.key(0));
}

// encode_keys sizes every key first and writes the parts in place: its keys must be the
// parts encode_key_part writes, one after another, for every type and kind of value.
TEST_CASE("encode_keys: the same bytes as encode_key_part part by part, every type, any range") {
  const double inf = std::numeric_limits<double>::infinity();
  Column f, i, t, bo, s_clean, s_nul, j, nul;
  for (double v : {1.5, -0.0, std::nan(""), inf, -inf, 1e300, -2.0, 0.25}) f.append_double(v);
  for (int64_t v : {int64_t{5}, INT64_MIN, INT64_MAX, int64_t{0}, int64_t{-7}, int64_t{1}, int64_t{2}, int64_t{3}})
    i.append_int(v);
  for (int k = 0; k < 8; ++k) t.append_timestamp(1700000000000000 + k);
  for (int k = 0; k < 8; ++k) bo.append_bool(k % 3 == 0);
  for (const std::string& v : {"m-000001"s, ""s, "x"s, "longer than eight bytes"s, "ü"s, "a"s, "b"s, "c"s})
    s_clean.append_string(v);
  for (const std::string& v : {"a"s, "b\0c"s, "\0"s, ""s, "d"s, "e"s, "f\0"s, "g"s}) s_nul.append_string(v);
  for (const std::string& v : {"{}"s, "[1]"s, "\"q\""s, "1"s, "2"s, "3"s, "4"s, "5"s}) j.append_json(v);
  for (int k = 0; k < 8; ++k) nul.append_null();
  f.append_null(), i.append_null(), t.append_null(), bo.append_null();  // row 8: nulls
  s_clean.append_string("z"), s_nul.append_null(), j.append_null(), nul.append_null();
  std::vector<const Column*> cols{&f, &i, &t, &bo, &s_clean, &s_nul, &j, &nul};
  for (auto [begin, end] : {std::pair{0, 9}, std::pair{0, 1}, std::pair{2, 6}, std::pair{6, 9}, std::pair{4, 4}}) {
    for (bool skip : {false, true}) {
      // Every seventh subset of the columns (as the tools' key lists): 37 of the 255.
      for (unsigned mask = 1; mask < (1u << cols.size()); mask += 7) {
        std::vector<const Column*> pick;
        for (size_t c = 0; c < cols.size(); ++c)
          if (mask & (1u << c)) pick.push_back(cols[c]);
        KeyRows got;
        encode_keys(pick, begin, end, skip, got);
        size_t j2 = 0;
        for (int64_t r = begin; r < end; ++r) {
          bool null = false;
          for (const Column* c : pick) null |= !c->valid.get(r);
          if (skip && null) continue;
          std::string want;
          for (const Column* c : pick) encode_key_part(want, *c, r);
          INFO("rows [" << begin << ", " << end << ") mask " << mask << " row " << r);
          REQUIRE(j2 < got.size());
          CHECK(got.rows[j2] == static_cast<uint32_t>(r));
          CHECK(got.key(j2) == want);
          CHECK(got.hashes[j2] == hash_key(want));
          ++j2;
        }
        CHECK(j2 == got.size());
      }
    }
  }
}

TEST_CASE("KeyIndex: dense ids in order of addition; find; growth keeps every key") {
  KeyIndex index;
  std::vector<std::string> keys;
  for (int k = 0; k < 5000; ++k) keys.push_back("key-" + std::to_string(k));
  for (size_t k = 0; k < keys.size(); ++k) CHECK(index.find_or_add(hash_key(keys[k]), keys[k]) == k);
  CHECK(index.size() == keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    CHECK(index.find(hash_key(keys[k]), keys[k]) == static_cast<int64_t>(k));
    CHECK(index.key(static_cast<uint32_t>(k)) == keys[k]);
  }
  CHECK(index.find(hash_key("nope"), "nope") == -1);
  CHECK(index.find_or_add(hash_key(keys[42]), keys[42]) == 42);
  // Two keys with one hash stay apart.
  KeyIndex clash;
  CHECK(clash.find_or_add(7, "a") == 0);
  CHECK(clash.find_or_add(7, "b") == 1);
  CHECK(clash.find(7, "b") == 1);
  CHECK(clash.find(7, "c") == -1);
}
