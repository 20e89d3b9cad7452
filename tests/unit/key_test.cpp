// libcore/src/key.cpp: the order-preserving key encoding, encode_keys, KeyIndex.
#include "bk/key.hpp"

#include <doctest/doctest.h>

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
