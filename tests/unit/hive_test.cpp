// libcore/src/hive.cpp: key=value folder names, safe and distinct, and read back.
#include "bk/hive.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::hive;
using bk::test::texts_of;
using Strings = std::vector<std::string>;

namespace {

// A name is safe: not empty, not . or .., no '/', no control character, no NUL.
bool safe(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c == '/' || c < 0x20 || c == 0x7f) return false;
  return name.size() <= 255;
}

}  // namespace

TEST_SUITE_BEGIN("hive");

TEST_CASE("value_name: plain values stay, others are percent-encoded") {
  CHECK(value_name(std::string_view("m-003648")) == "m-003648");
  CHECK(value_name(std::string_view("A.b_c+d,e@f")) == "A.b_c+d,e@f");
  CHECK(value_name(std::string_view("../x")) == "%2E.%2Fx");
  CHECK(value_name(std::string_view("a/b")) == "a%2Fb");
  CHECK(value_name(std::string_view("..")) == "%2E.");  // no name starts with '.'
  CHECK(value_name(std::string_view(".x.")) == "%2Ex.");
  CHECK(value_name(std::string_view("line\nbreak")) == "line%0Abreak");
  CHECK(value_name(std::string_view("tab\tand space")) == "tab%09and%20space");
  CHECK(value_name(std::string_view("100%")) == "100%25");
  CHECK(value_name(std::string_view("a=b")) == "a%3Db");
  CHECK(value_name(std::string_view("~home")) == "%7Ehome");
  CHECK(value_name(std::string_view(std::string("nul\0byte", 8))) == "nul%00byte");
  CHECK(value_name(std::string_view("\x7f")) == "%7F");
  CHECK(value_name(std::string_view("Zürich 東京")) == "Zürich%20東京");   // characters stay
  CHECK(value_name(std::string_view("c1\xc2\x85x")) == "c1%C2%85x");       // U+0085, a control character
  CHECK(value_name(std::string_view("bad\xff\xc3")) == "bad%FF%C3");       // not UTF-8: bytes encoded
  CHECK(value_name(std::string_view("ok\xc3\xa9\xff")) == "ok%C3%A9%FF");  // invalid anywhere: all encoded
}

TEST_CASE("value_name: null, the empty string, and values that look like their markers") {
  CHECK(value_name(std::nullopt) == "__null__");
  CHECK(value_name(std::string_view("")) == "__empty__");
  CHECK(value_name(std::string_view("__null__")) == "%5F_null__");
  CHECK(value_name(std::string_view("__empty__")) == "%5F_empty__");
  CHECK(value_name(std::string_view("_x")) == "_x");
  CHECK(decode_value("__null__") == std::nullopt);
  CHECK(decode_value("__empty__") == std::string());
  CHECK(decode_value("%5F_null__") == std::string("__null__"));
}

TEST_CASE("value_name: a long value is cut at a whole unit, with a hash of the whole value") {
  std::string a(300, 'a');
  std::string name = value_name(std::string_view(a));
  CHECK(name.size() == 100 + 1 + 16);
  CHECK(name.substr(0, 101) == std::string(100, 'a') + "~");
  CHECK(name == value_name(std::string_view(a)));  // the same every time
  std::string b = a;
  b.back() = 'b';
  CHECK(value_name(std::string_view(b)) != name);  // same prefix, other value: other name
  CHECK(value_name(std::string_view(std::string(120, 'a'))) == std::string(120, 'a'));  // 120 bytes: not cut
  CHECK(value_name(std::string_view(std::string(121, 'a'))).size() == 117);

  // Never inside a %XX: 99 plain bytes, then escapes.
  std::string esc = std::string(99, 'x') + std::string(30, '/');
  std::string cut = value_name(std::string_view(esc));
  CHECK(cut.substr(0, 100) == std::string(99, 'x') + "~");
  // Never inside a character: 99 plain bytes, then 3-byte characters.
  std::string chars = std::string(99, 'x');
  for (int k = 0; k < 20; ++k) chars += "東";
  CHECK(value_name(std::string_view(chars)).substr(0, 100) == std::string(99, 'x') + "~");
  CHECK(decode_value(cut) == std::string(99, 'x') + cut.substr(99));  // the cut part stays as it is
  CHECK(safe(cut));
}

TEST_CASE("value_name: hostile values give safe names; distinct values distinct names; decoded back") {
  Strings hostile = {"../x",
                     "a/b",
                     "",
                     "..",
                     ".",
                     "/",
                     "//",
                     "\n",
                     "\r\n",
                     "%",
                     "%25",
                     "%2F",
                     "~",
                     "=",
                     "a=b",
                     "__null__",
                     "__empty__",
                     "%5F_null__",
                     "Zürich",
                     "東京",
                     std::string(1, '\0'),
                     "\x01",
                     std::string(500, 'z'),
                     std::string(500, '/'),
                     "x y",
                     "-",
                     "_",
                     ".hidden",
                     "_meta"};
  std::mt19937 rng(7);
  for (int k = 0; k < 3000; ++k) {
    std::string s;
    int n = static_cast<int>(rng() % 12);
    for (int j = 0; j < n; ++j) s += "ab/.%_~=\n \xc3\xa9\xff\x00Z"[rng() % 15];
    hostile.push_back(s);
  }
  std::set<std::string> values(hostile.begin(), hostile.end());
  std::set<std::string> names;
  names.insert(value_name(std::nullopt));
  for (const auto& v : values) {
    std::string name = value_name(std::string_view(v));
    CAPTURE(v);
    CHECK(safe(name));
    CHECK(safe("key=" + name));
    CHECK(name.find('=') == std::string::npos);
    names.insert(name);
    if (name.find('~') == std::string::npos) CHECK(decode_value(name) == v);
  }
  CHECK(names.size() == values.size() + 1);  // null's name too
}

TEST_CASE("key_name: as values, and a leading '.' or '_' is encoded (readers skip such names)") {
  CHECK(key_name("device") == "device");
  CHECK(key_name("_meta") == "%5Fmeta");
  CHECK(key_name(".hidden") == "%2Ehidden");
  CHECK(key_name("a_b") == "a_b");
  CHECK(key_name("a=b") == "a%3Db");
  CHECK(key_name("gps.lat") == "gps.lat");
  CHECK(decode_key("%5Fmeta") == "_meta");
  CHECK(decode_key(key_name("we/ird=key")) == "we/ird=key");
}

TEST_CASE("decode_value: a '%' without two hex digits stays") {
  CHECK(decode_value("100%") == std::string("100%"));
  CHECK(decode_value("%zz%4") == std::string("%zz%4"));
  CHECK(decode_value("%c3%a9") == std::string("é"));  // lower-case hex too
}

TEST_CASE("split_name and path_keys") {
  std::string key;
  std::optional<std::string> value;
  CHECK(split_name("bucket=07", key, value));
  CHECK(key == "bucket");
  CHECK(value == std::string("07"));
  CHECK(split_name("device=a%3Db", key, value));  // the first '=' splits
  CHECK(value == std::string("a=b"));
  CHECK(split_name("x=", key, value));
  CHECK(value == std::string(""));
  CHECK(!split_name("plain", key, value));
  CHECK(!split_name("=07", key, value));

  auto keys = path_keys("out/month=2026-03/bucket=05/part-1.bkc");
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].first == "month");
  CHECK(keys[0].second == std::string("2026-03"));
  CHECK(keys[1].first == "bucket");
  CHECK(path_keys("/abs/k=1/k=2/x=9.ndjson").size() == 1);  // the file's own name is no key; k once
  CHECK(path_keys("/abs/k=1/k=2/f")[0].second == std::string("1"));
  CHECK(path_keys("file=1.ndjson").empty());
  CHECK(path_keys("d/site=__null__/f")[0].second == std::nullopt);
}

TEST_CASE("value_type: ints (leading zeros too), finite numbers, booleans, null, else strings") {
  using V = std::optional<std::string>;
  CHECK(value_type(V("07")) == Type::Int64);
  CHECK(value_type(V("-12")) == Type::Int64);
  CHECK(value_type(V("9223372036854775807")) == Type::Int64);
  CHECK(value_type(V("9223372036854775808")) == Type::Float64);
  CHECK(value_type(V("1.5")) == Type::Float64);
  CHECK(value_type(V("2e3")) == Type::Float64);
  CHECK(value_type(V("1e999")) == Type::String);
  CHECK(value_type(V("true")) == Type::Bool);
  CHECK(value_type(V("True")) == Type::String);
  CHECK(value_type(V("2026-03")) == Type::String);
  CHECK(value_type(V("")) == Type::String);
  CHECK(value_type(V("-")) == Type::String);
  CHECK(value_type(std::nullopt) == Type::Null);
}

TEST_CASE("add_path_fields: constant typed columns after the records' own; their own fields win") {
  Batch b = bk::test::ndjson("{\"device\":\"a\",\"v\":1}\n{\"device\":\"b\",\"v\":2}\n");
  add_path_fields(b, "out/month=2026-03/bucket=07/device=zz/n=1.5/ok=true/none=__null__/part-1.bkc");
  CHECK(b.names == Strings{"device", "v", "month", "bucket", "n", "ok", "none"});
  CHECK(texts_of(b.columns[0]) == Strings{"a", "b"});
  CHECK(b.columns[2].type == Type::String);
  CHECK(texts_of(b.columns[2]) == Strings{"2026-03", "2026-03"});
  CHECK(b.columns[3].type == Type::Int64);
  CHECK(texts_of(b.columns[3]) == Strings{"7", "7"});
  CHECK(b.columns[4].type == Type::Float64);
  CHECK(b.columns[5].type == Type::Bool);
  CHECK(texts_of(b.columns[6]) == Strings{"null", "null"});
  for (const auto& c : b.columns) CHECK(c.size() == 2);
  auto fields = path_fields("out/month=2026-03/bucket=07/device=zz/x.bkc", {"device"});
  REQUIRE(fields.size() == 2);
  CHECK(fields[0] == std::pair<std::string, Type>("month", Type::String));
  CHECK(fields[1] == std::pair<std::string, Type>("bucket", Type::Int64));
}

TEST_CASE("parse_block with hive: every block of an input gets its path's fields") {
  bk::test::TempDir dir;
  std::string path = dir.write("site=s%2F1/bucket=3/r.ndjson", "{\"v\":1}\n{\"v\":2}\n{\"v\":3}\n");
  ReadOptions opts;
  opts.hive = true;
  auto blocks = bk::test::read_file_blocks(path, opts, 9);
  REQUIRE(blocks.batches.size() == 3);
  for (const auto& b : blocks.batches) {
    CHECK(b.names == Strings{"v", "site", "bucket"});
    CHECK(texts_of(b.columns[1]) == Strings{"s/1"});
  }
  CHECK(bk::test::read_file_blocks(path).batches[0].names == Strings{"v"});  // not without it
}

TEST_SUITE_END();
