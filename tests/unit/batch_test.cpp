// libcore/src/batch.cpp: bitmaps, columns and their widening rules, batches.
#include "bk/batch.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using bk::test::texts_of;
using Strings = std::vector<std::string>;

TEST_SUITE_BEGIN("batch");

TEST_CASE("type names") {
  CHECK(type_name(Type::Null) == "null");
  CHECK(type_name(Type::Bool) == "bool");
  CHECK(type_name(Type::Int64) == "int64");
  CHECK(type_name(Type::Float64) == "float64");
  CHECK(type_name(Type::String) == "string");
  CHECK(type_name(Type::Timestamp) == "timestamp");
  CHECK(type_name(Type::Json) == "json");
  Type t = Type::Null;
  for (Type want : {Type::Null, Type::Bool, Type::Int64, Type::Float64, Type::String, Type::Timestamp, Type::Json}) {
    CHECK(parse_type_name(type_name(want), t));
    CHECK(t == want);
  }
  CHECK(parse_type_name("int", t));
  CHECK(t == Type::Int64);
  CHECK(parse_type_name("float", t));
  CHECK(t == Type::Float64);
  CHECK(parse_type_name("double", t));
  CHECK(t == Type::Float64);
  CHECK(!parse_type_name("integer", t));
  CHECK(!parse_type_name("", t));
  CHECK(!parse_type_name("INT64", t));
}

TEST_CASE("Bitmap: push_back and get across word boundaries") {
  Bitmap bm;
  CHECK(bm.size() == 0);
  CHECK(bm.count() == 0);
  CHECK(bm.words().empty());
  for (int64_t i = 0; i < 200; ++i) bm.push_back(i % 3 == 0);
  CHECK(bm.size() == 200);
  CHECK(bm.words().size() == 4);
  CHECK(bm.count() == 67);
  bool ok = true;
  for (int64_t i = 0; i < 200; ++i) ok = ok && bm.get(i) == (i % 3 == 0);
  CHECK(ok);
  CHECK(bm.get(63));
  CHECK(!bm.get(64));
  CHECK(!bm.get(65));
  CHECK(bm.get(66));
}

TEST_CASE("Bitmap: exactly 64 and 65 bits") {
  Bitmap bm;
  for (int i = 0; i < 64; ++i) bm.push_back(true);
  CHECK(bm.words().size() == 1);
  CHECK(bm.words()[0] == ~uint64_t(0));
  CHECK(bm.count() == 64);
  bm.push_back(true);
  CHECK(bm.words().size() == 2);
  CHECK(bm.words()[1] == 1);
  CHECK(bm.count() == 65);
  bm.pop_back();
  CHECK(bm.size() == 64);
  CHECK(bm.words().size() == 1);
  CHECK(bm.count() == 64);
  bm.pop_back();
  CHECK(bm.size() == 63);
  CHECK(bm.count() == 63);
  CHECK(bm.words()[0] == ~uint64_t(0) >> 1);
}

TEST_CASE("Bitmap: pop_back clears the bit so a later push starts clean") {
  Bitmap bm;
  for (int i = 0; i < 130; ++i) bm.push_back(true);
  for (int i = 0; i < 10; ++i) bm.pop_back();
  CHECK(bm.size() == 120);
  CHECK(bm.count() == 120);
  for (int i = 0; i < 10; ++i) bm.push_back(false);
  CHECK(bm.size() == 130);
  CHECK(bm.count() == 120);
  CHECK(!bm.get(129));
  CHECK(!bm.get(120));
  CHECK(bm.get(119));
  while (bm.size() > 0) bm.pop_back();
  CHECK(bm.words().empty());
  CHECK(bm.count() == 0);
}

TEST_CASE("Bitmap: set") {
  Bitmap bm;
  bm.resize(100, false);
  bm.set(0, true);
  bm.set(64, true);
  bm.set(99, true);
  CHECK(bm.count() == 3);
  CHECK(bm.get(64));
  bm.set(64, false);
  CHECK(!bm.get(64));
  CHECK(bm.count() == 2);
}

TEST_CASE("Bitmap: resize grows with the value and shrinks") {
  Bitmap bm;
  bm.resize(70, true);
  CHECK(bm.size() == 70);
  CHECK(bm.count() == 70);
  CHECK(bm.words().size() == 2);
  bm.resize(150, false);
  CHECK(bm.size() == 150);
  CHECK(bm.count() == 70);
  CHECK(bm.words().size() == 3);
  CHECK(bm.get(69));
  CHECK(!bm.get(70));
  bm.resize(64, false);
  CHECK(bm.size() == 64);
  CHECK(bm.count() == 64);
  CHECK(bm.words().size() == 1);
  bm.resize(0, false);
  CHECK(bm.size() == 0);
  CHECK(bm.words().empty());
  bm.resize(1, true);
  CHECK(bm.count() == 1);
}

TEST_CASE("Column: one type per column") {
  SUBCASE("bool") {
    Column c;
    c.append_bool(true);
    c.append_bool(false);
    CHECK(c.type == Type::Bool);
    CHECK(c.ints == std::vector<int64_t>{1, 0});
    CHECK(texts_of(c) == Strings{"true", "false"});
  }
  SUBCASE("int64") {
    Column c;
    c.append_int(5);
    c.append_int(-9);
    CHECK(c.type == Type::Int64);
    CHECK(c.ints == std::vector<int64_t>{5, -9});
  }
  SUBCASE("float64") {
    Column c;
    c.append_double(1.5);
    CHECK(c.type == Type::Float64);
    CHECK(c.floats == std::vector<double>{1.5});
  }
  SUBCASE("string") {
    Column c;
    c.append_string("a");
    c.append_string("");
    c.append_string("bcd");
    CHECK(c.type == Type::String);
    CHECK(c.offsets == std::vector<uint64_t>{0, 1, 1, 4});
    CHECK(c.bytes == "abcd");
    CHECK(c.str(1) == "");
    CHECK(!c.is_null(1));
    CHECK(c.str(2) == "bcd");
  }
  SUBCASE("timestamp") {
    Column c;
    c.append_timestamp(1000000);
    CHECK(c.type == Type::Timestamp);
    CHECK(texts_of(c) == Strings{"1970-01-01T00:00:01Z"});
  }
  SUBCASE("json") {
    Column c;
    c.append_json("[1,2]");
    c.append_json("{\"a\":1}");
    CHECK(c.type == Type::Json);
    CHECK(texts_of(c) == Strings{"[1,2]", "{\"a\":1}"});
  }
}

TEST_CASE("Column: null then a value takes the value's type, earlier nulls stay null") {
  for (int kind = 0; kind < 6; ++kind) {
    Column c;
    c.append_null();
    c.append_null();
    CHECK(c.type == Type::Null);
    CHECK(c.size() == 2);
    switch (kind) {
      case 0:
        c.append_bool(true);
        CHECK(c.type == Type::Bool);
        CHECK(c.ints.size() == 3);
        break;
      case 1:
        c.append_int(7);
        CHECK(c.type == Type::Int64);
        CHECK(c.ints.size() == 3);
        break;
      case 2:
        c.append_double(0.5);
        CHECK(c.type == Type::Float64);
        CHECK(c.floats.size() == 3);
        break;
      case 3:
        c.append_string("s");
        CHECK(c.type == Type::String);
        CHECK(c.offsets.size() == 4);
        break;
      case 4:
        c.append_timestamp(0);
        CHECK(c.type == Type::Timestamp);
        CHECK(c.ints.size() == 3);
        break;
      case 5:
        c.append_json("[]");
        CHECK(c.type == Type::Json);
        CHECK(c.offsets.size() == 4);
        break;
    }
    CHECK(c.size() == 3);
    CHECK(c.is_null(0));
    CHECK(c.is_null(1));
    CHECK(!c.is_null(2));
    c.append_null();
    CHECK(c.size() == 4);
    CHECK(c.is_null(3));
    CHECK(c.valid.count() == 1);
  }
}

TEST_CASE("Column: int + float -> float, in either order") {
  Column a;
  a.append_int(1);
  a.append_null();
  a.append_int(3);
  a.append_double(2.5);
  CHECK(a.type == Type::Float64);
  CHECK(a.ints.empty());
  CHECK(a.floats.size() == 4);
  CHECK(texts_of(a) == Strings{"1.0", "null", "3.0", "2.5"});

  Column b;
  b.append_double(0.25);
  b.append_int(4);
  CHECK(b.type == Type::Float64);
  CHECK(texts_of(b) == Strings{"0.25", "4.0"});
}

TEST_CASE("Column: int + string -> string, keeping the ints' text") {
  Column c;
  c.append_int(1);
  c.append_null();
  c.append_int(-20);
  c.append_string("x");
  CHECK(c.type == Type::String);
  CHECK(c.ints.empty());
  CHECK(texts_of(c) == Strings{"1", "null", "-20", "x"});
  CHECK(c.str(0) == "1");

  Column d;
  d.append_string("x");
  d.append_int(1);
  CHECK(d.type == Type::String);
  CHECK(texts_of(d) == Strings{"x", "1"});
}

TEST_CASE("Column: float + string -> string with shortest float text") {
  Column c;
  c.append_double(1.0);
  c.append_double(0.1);
  c.append_string("y");
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"1.0", "0.1", "y"});
}

TEST_CASE("Column: bool + int -> string, and int + bool -> string") {
  Column c;
  c.append_bool(true);
  c.append_int(1);
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"true", "1"});

  Column d;
  d.append_int(0);
  d.append_null();
  d.append_bool(false);
  CHECK(d.type == Type::String);
  CHECK(texts_of(d) == Strings{"0", "null", "false"});
}

TEST_CASE("Column: bool + float -> string") {
  Column c;
  c.append_bool(false);
  c.append_double(1.5);
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"false", "1.5"});
}

TEST_CASE("Column: json + string -> string, string + json -> string") {
  Column c;
  c.append_json("{\"a\":[1,2]}");
  c.append_null();
  c.append_string("plain");
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"{\"a\":[1,2]}", "null", "plain"});

  Column d;
  d.append_string("plain");
  d.append_json("[1]");
  CHECK(d.type == Type::String);
  CHECK(texts_of(d) == Strings{"plain", "[1]"});
}

TEST_CASE("Column: json + int -> string") {
  Column c;
  c.append_json("[1]");
  c.append_int(2);
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"[1]", "2"});
}

TEST_CASE("Column: timestamp + int -> string with RFC 3339 text") {
  Column c;
  c.append_timestamp(1500000);
  c.append_int(9);
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"1970-01-01T00:00:01.500Z", "9"});

  Column d;
  d.append_int(9);
  d.append_timestamp(0);
  CHECK(d.type == Type::String);
  CHECK(texts_of(d) == Strings{"9", "1970-01-01T00:00:00Z"});
}

TEST_CASE("Column: widening keeps nulls null, valid bits intact") {
  Column c;
  c.append_null();
  c.append_int(1);
  c.append_null();
  c.append_double(2.0);
  c.append_null();
  c.append_string("s");
  c.append_null();
  CHECK(c.type == Type::String);
  CHECK(c.size() == 7);
  CHECK(c.valid.count() == 3);
  CHECK(texts_of(c) == Strings{"null", "1.0", "null", "2.0", "null", "s", "null"});
  CHECK(c.str(0) == "");
  CHECK(c.str(2) == "");
}

TEST_CASE("Column::pop_back for every type") {
  SUBCASE("null") {
    Column c = Column::nulls(3);
    c.pop_back();
    CHECK(c.size() == 2);
    CHECK(c.type == Type::Null);
  }
  SUBCASE("int64") {
    Column c;
    c.append_int(1);
    c.append_int(2);
    c.pop_back();
    CHECK(c.size() == 1);
    CHECK(c.ints == std::vector<int64_t>{1});
    c.append_int(3);
    CHECK(texts_of(c) == Strings{"1", "3"});
  }
  SUBCASE("bool") {
    Column c;
    c.append_bool(true);
    c.append_null();
    c.pop_back();
    CHECK(c.size() == 1);
    CHECK(c.ints.size() == 1);
    c.append_bool(false);
    CHECK(texts_of(c) == Strings{"true", "false"});
  }
  SUBCASE("float64") {
    Column c;
    c.append_double(1.5);
    c.append_double(2.5);
    c.pop_back();
    CHECK(c.floats == std::vector<double>{1.5});
    CHECK(c.size() == 1);
  }
  SUBCASE("string") {
    Column c;
    c.append_string("abc");
    c.append_string("defg");
    c.pop_back();
    CHECK(c.size() == 1);
    CHECK(c.bytes == "abc");
    CHECK(c.offsets == std::vector<uint64_t>{0, 3});
    c.append_null();
    c.pop_back();
    CHECK(c.bytes == "abc");
    c.append_string("z");
    CHECK(texts_of(c) == Strings{"abc", "z"});
  }
  SUBCASE("json") {
    Column c;
    c.append_json("[1]");
    c.append_json("{}");
    c.pop_back();
    CHECK(c.bytes == "[1]");
    CHECK(texts_of(c) == Strings{"[1]"});
  }
  SUBCASE("timestamp") {
    Column c;
    c.append_timestamp(5);
    c.append_timestamp(6);
    c.pop_back();
    CHECK(c.ints == std::vector<int64_t>{5});
  }
}

TEST_CASE("Column::append_from copies values, nulls and widens") {
  Column src;
  src.append_int(10);
  src.append_null();
  src.append_int(30);

  Column dst;
  dst.append_from(src, 0);
  dst.append_from(src, 1);
  dst.append_from(src, 2);
  CHECK(dst.type == Type::Int64);
  CHECK(texts_of(dst) == Strings{"10", "null", "30"});

  Column f;
  f.append_double(0.5);
  dst.append_from(f, 0);
  CHECK(dst.type == Type::Float64);
  CHECK(texts_of(dst) == Strings{"10.0", "null", "30.0", "0.5"});

  Column s;
  s.append_string("x,y");
  dst.append_from(s, 0);
  CHECK(dst.type == Type::String);
  CHECK(texts_of(dst) == Strings{"10.0", "null", "30.0", "0.5", "x,y"});

  Column all;
  Column kinds;
  kinds.append_bool(true);
  all.append_from(kinds, 0);
  CHECK(all.type == Type::Bool);
  Column ts;
  ts.append_timestamp(0);
  Column tdst;
  tdst.append_from(ts, 0);
  CHECK(tdst.type == Type::Timestamp);
  Column js;
  js.append_json("[true]");
  Column jdst;
  jdst.append_from(js, 0);
  CHECK(jdst.type == Type::Json);
  CHECK(jdst.str(0) == "[true]");
  Column n = Column::nulls(2);
  Column ndst;
  ndst.append_from(n, 1);
  CHECK(ndst.type == Type::Null);
  CHECK(ndst.size() == 1);
  CHECK(ndst.is_null(0));
}

TEST_CASE("Column::nulls and to_strings / to_floats") {
  Column n = Column::nulls(130);
  CHECK(n.type == Type::Null);
  CHECK(n.size() == 130);
  CHECK(n.valid.count() == 0);

  Column c;
  c.append_int(4);
  c.append_null();
  c.to_floats();
  CHECK(c.type == Type::Float64);
  CHECK(c.floats == std::vector<double>{4.0, 0.0});
  c.to_strings();
  CHECK(c.type == Type::String);
  CHECK(texts_of(c) == Strings{"4.0", "null"});

  n.to_strings();
  CHECK(n.type == Type::String);
  CHECK(n.size() == 130);
  CHECK(n.offsets.size() == 131);
  CHECK(n.valid.count() == 0);
}

TEST_CASE("append_value_text") {
  Column c;
  c.append_double(1e21);
  std::string s;
  append_value_text(s, c, 0);
  CHECK(s == "1e+21");
}

namespace {

Batch sample() {
  Batch b;
  Column a, x, t;
  for (int i = 0; i < 5; ++i) {
    a.append_int(i);
    x.append_string(std::string(1, char('a' + i)));
    t.append_timestamp(i * 1000000LL);
  }
  b.add_column("a", std::move(a));
  b.add_column("x", std::move(x));
  b.add_column("t", std::move(t));
  b.rows = 5;
  b.time_field = 2;
  b.source = "in.ndjson";
  b.first_line = 11;
  b.line_count = 6;
  b.lines = {1, 2, 3, 5, 6};
  return b;
}

}  // namespace

TEST_CASE("Batch::find and add_column") {
  Batch b = sample();
  CHECK(b.find("a") == 0);
  CHECK(b.find("t") == 2);
  CHECK(b.find("nope") == -1);
  CHECK(b.find("") == -1);
}

TEST_CASE("select_columns: order, metadata kept") {
  Batch b = select_columns(sample(), {"x", "a"});
  CHECK(b.names == Strings{"x", "a"});
  CHECK(b.rows == 5);
  CHECK(texts_of(b.columns[0]) == Strings{"a", "b", "c", "d", "e"});
  CHECK(texts_of(b.columns[1]) == Strings{"0", "1", "2", "3", "4"});
  CHECK(b.source == "in.ndjson");
  CHECK(b.first_line == 11);
  CHECK(b.line_count == 6);
  CHECK(b.lines == std::vector<int64_t>{1, 2, 3, 5, 6});
  CHECK(b.time_field == -1);
}

TEST_CASE("select_columns: the time field follows its column") {
  Batch b = select_columns(sample(), {"t", "a"});
  CHECK(b.time_field == 0);
  Batch c = select_columns(sample(), {"x", "a", "t"});
  CHECK(c.time_field == 2);
}

TEST_CASE("select_columns: a missing field becomes a null column") {
  Batch b = select_columns(sample(), {"a", "missing"});
  CHECK(b.names == Strings{"a", "missing"});
  CHECK(b.columns[1].type == Type::Null);
  CHECK(b.columns[1].size() == 5);
  CHECK(b.columns[1].valid.count() == 0);
}

TEST_CASE("select_columns: a field named twice is copied") {
  Batch b = select_columns(sample(), {"x", "a", "x"});
  CHECK(b.names == Strings{"x", "a", "x"});
  CHECK(b.columns[2].type == Type::String);
  CHECK(texts_of(b.columns[0]) == Strings{"a", "b", "c", "d", "e"});
  CHECK(texts_of(b.columns[2]) == Strings{"a", "b", "c", "d", "e"});
}

TEST_CASE("select_columns: a field named twice in an empty batch keeps its type") {
  Batch in;
  Column s;
  s.type = Type::String;
  in.add_column("s", std::move(s));
  Batch b = select_columns(std::move(in), {"s", "s"});
  CHECK(b.names == Strings{"s", "s"});
  CHECK(b.columns[0].type == Type::String);
  CHECK(b.columns[1].type == Type::String);
}

TEST_CASE("select_columns: nothing selected") {
  Batch b = select_columns(sample(), {});
  CHECK(b.names.empty());
  CHECK(b.rows == 5);
}

TEST_CASE("select_columns keeps the error") {
  Batch in = sample();
  in.error = std::make_exception_ptr(Error("bad"));
  Batch b = select_columns(std::move(in), {"a"});
  CHECK(b.error);
}

TEST_CASE("truncate_rows") {
  Batch b = sample();
  truncate_rows(b, 10);
  CHECK(b.rows == 5);
  truncate_rows(b, 5);
  CHECK(b.rows == 5);
  truncate_rows(b, 2);
  CHECK(b.rows == 2);
  for (const auto& c : b.columns) CHECK(c.size() == 2);
  CHECK(texts_of(b.columns[0]) == Strings{"0", "1"});
  CHECK(texts_of(b.columns[1]) == Strings{"a", "b"});
  CHECK(b.columns[1].bytes == "ab");
  CHECK(b.lines == std::vector<int64_t>{1, 2});
  truncate_rows(b, 0);
  CHECK(b.rows == 0);
  for (const auto& c : b.columns) CHECK(c.size() == 0);
  CHECK(b.lines.empty());
}

TEST_CASE("truncate_rows across bitmap words") {
  Batch b;
  Column c;
  for (int i = 0; i < 200; ++i) {
    if (i % 2)
      c.append_null();
    else
      c.append_string(std::to_string(i));
  }
  b.add_column("v", std::move(c));
  b.rows = 200;
  truncate_rows(b, 65);
  CHECK(b.columns[0].size() == 65);
  CHECK(b.columns[0].valid.count() == 33);
  CHECK(b.columns[0].valid.words().size() == 2);
  CHECK(b.columns[0].str(64) == "64");
  CHECK(b.columns[0].offsets.size() == 66);
}

TEST_CASE("Bitmap::append at every offset within a word") {
  for (int head = 0; head < 130; head += 13) {
    for (int tail : {0, 1, 63, 64, 65, 200}) {
      Bitmap a, b;
      for (int i = 0; i < head; ++i) a.push_back(i % 3 == 0);
      for (int i = 0; i < tail; ++i) b.push_back(i % 5 == 1);
      a.append(b);
      REQUIRE(a.size() == head + tail);
      bool ok = true;
      for (int i = 0; i < head; ++i) ok = ok && a.get(i) == (i % 3 == 0);
      for (int i = 0; i < tail; ++i) ok = ok && a.get(head + i) == (i % 5 == 1);
      CHECK(ok);
      CHECK(a.words().size() == static_cast<size_t>((head + tail + 63) / 64));
      int64_t want = 0;
      for (int i = 0; i < head; ++i) want += i % 3 == 0;
      for (int i = 0; i < tail; ++i) want += i % 5 == 1;
      CHECK(a.count() == want);  // no stray bits past the end
    }
  }
}

namespace {

// A batch of every type, with nulls, and a float column with its exact decimal form.
Batch typed_sample() {
  Batch b = bk::test::ndjson(
      "{\"i\":1,\"f\":1.5,\"s\":\"a\",\"b\":true,\"j\":[1]}\n"
      "{\"i\":null,\"f\":2.25,\"s\":null,\"b\":false,\"j\":{\"k\":2}}\n"
      "{\"i\":3,\"f\":null,\"s\":\"ccc\",\"b\":null,\"j\":null}\n"
      "{\"i\":4,\"f\":-4.125,\"s\":\"\",\"b\":true,\"j\":[]}\n");
  Column& f = b.columns[b.find("f")];
  f.decimals = 3;
  f.ints = {1500, 2250, 0, -4125};
  Column t;
  for (int k = 0; k < 4; ++k) t.append_timestamp(k * 1000000LL);
  b.add_column("t", std::move(t));
  b.time_field = static_cast<int>(b.find("t"));
  b.source = "x.ndjson";
  return b;
}

Strings row_texts(const Batch& b, int64_t i) {
  Strings out;
  for (size_t k = 0; k < b.columns.size(); ++k) out.push_back(b.names[k] + "=" + bk::test::text_of(b.columns[k], i));
  return out;
}

}  // namespace

TEST_CASE("gather_rows: the rows asked for, in that order, with types, lines and the decimal form") {
  Batch b = typed_sample();
  const uint32_t rows[] = {3, 0, 3, 1};
  Batch g = gather_rows(b, rows, 4);
  CHECK(g.rows == 4);
  CHECK(g.names == b.names);
  CHECK(g.time_field == b.time_field);
  CHECK(g.source == "x.ndjson");
  for (size_t k = 0; k < b.columns.size(); ++k) CHECK(g.columns[k].type == b.columns[k].type);
  for (int64_t i = 0; i < 4; ++i) CHECK(row_texts(g, i) == row_texts(b, rows[i]));
  CHECK(g.lines == std::vector<int64_t>{4, 1, 4, 2});
  const Column& f = g.columns[g.find("f")];
  CHECK(f.decimals == 3);
  CHECK(f.ints == std::vector<int64_t>{-4125, 1500, -4125, 2250});
  CHECK(gather_rows(b, rows, 0).rows == 0);
}

TEST_CASE("split_rows: each row to its part, in order; equal to gather_rows of the part's rows") {
  Batch b = typed_sample();
  const uint32_t part[] = {2, 0, 2, 0};
  auto parts = split_rows(b, part, 3);
  REQUIRE(parts.size() == 3);
  CHECK(parts[1].rows == 0);
  for (const auto& c : parts[1].columns) CHECK(c.size() == 0);
  const uint32_t rows0[] = {1, 3}, rows2[] = {0, 2};
  for (auto [p, rows] : {std::pair{0, rows0}, std::pair{2, rows2}}) {
    Batch want = gather_rows(b, rows, 2);
    CHECK(parts[p].rows == 2);
    CHECK(parts[p].names == want.names);
    CHECK(parts[p].lines == want.lines);
    for (int64_t i = 0; i < 2; ++i) CHECK(row_texts(parts[p], i) == row_texts(want, i));
    for (size_t k = 0; k < want.columns.size(); ++k) {
      CHECK(parts[p].columns[k].type == want.columns[k].type);
      CHECK(parts[p].columns[k].bytes == want.columns[k].bytes);
      CHECK(parts[p].columns[k].offsets == want.columns[k].offsets);
      CHECK(parts[p].columns[k].ints == want.columns[k].ints);
      CHECK(parts[p].columns[k].valid.words() == want.columns[k].valid.words());
    }
  }
}

TEST_CASE("split_rows over many rows and parts keeps every value once") {
  Batch b;
  Column n, s;
  for (int i = 0; i < 1000; ++i) {
    n.append_int(i);
    if (i % 7) s.append_string(std::string(i % 40, 'x') + std::to_string(i));
    else s.append_null();
  }
  b.add_column("n", std::move(n));
  b.add_column("s", std::move(s));
  b.rows = 1000;
  std::vector<uint32_t> part(1000);
  for (int i = 0; i < 1000; ++i) part[i] = static_cast<uint32_t>((i * 7919) % 13);
  auto parts = split_rows(b, part.data(), 13);
  int64_t total = 0;
  bool ok = true;
  for (uint32_t p = 0; p < 13; ++p) {
    total += parts[p].rows;
    int64_t j = 0;
    for (int i = 0; i < 1000; ++i) {
      if (part[i] != p) continue;
      ok = ok && row_texts(parts[p], j) == row_texts(b, i);
      ++j;
    }
  }
  CHECK(ok);
  CHECK(total == 1000);
}

TEST_CASE("concat_batches: fields unioned in order of appearance, missing ones null, types widened") {
  std::vector<Batch> parts;
  parts.push_back(bk::test::ndjson("{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n"));
  parts.push_back(bk::test::ndjson("{\"c\":true,\"a\":2.5}\n"));
  parts.push_back(bk::test::ndjson("{\"a\":\"t\",\"b\":\"y\"}\n"));
  Batch b = concat_batches(std::move(parts));
  CHECK(b.rows == 4);
  CHECK(b.names == Strings{"a", "b", "c"});
  CHECK(b.columns[0].type == Type::String);  // int, then float, then string
  CHECK(texts_of(b.columns[0]) == Strings{"1.0", "2.0", "2.5", "t"});
  CHECK(texts_of(b.columns[1]) == Strings{"x", "null", "null", "y"});
  CHECK(b.columns[2].type == Type::Bool);
  CHECK(texts_of(b.columns[2]) == Strings{"null", "null", "true", "null"});
  CHECK(b.lines.empty());
}

TEST_CASE("concat_batches: same types append whole; the decimal form stays only where every part has it") {
  Batch x = typed_sample(), y = typed_sample();
  std::vector<Batch> parts;
  parts.push_back(std::move(x));
  parts.push_back(std::move(y));
  Batch b = concat_batches(std::move(parts));
  CHECK(b.rows == 8);
  Batch one = typed_sample();
  for (int64_t i = 0; i < 8; ++i) CHECK(row_texts(b, i) == row_texts(one, i % 4));
  CHECK(b.time_field == b.find("t"));
  const Column& f = b.columns[b.find("f")];
  CHECK(f.decimals == 3);
  CHECK(f.ints.size() == 8);

  Batch z = typed_sample();
  z.columns[z.find("f")].ints.clear();  // no mantissas: the exact form is still m / 10^3, not stored
  std::vector<Batch> mixed;
  mixed.push_back(typed_sample());
  mixed.push_back(std::move(z));
  Batch m = concat_batches(std::move(mixed));
  CHECK(m.columns[m.find("f")].ints.empty());
  CHECK(texts_of(m.columns[m.find("f")])[7] == "-4.125");

  // A leading null part takes the type of what follows.
  std::vector<Batch> lead;
  lead.push_back(bk::test::ndjson("{\"f\":null}\n"));
  lead.push_back(typed_sample());
  Batch l = concat_batches(std::move(lead));
  CHECK(l.columns[0].type == Type::Float64);
  CHECK(texts_of(l.columns[0]) == Strings{"null", "1.5", "2.25", "null", "-4.125"});
  CHECK(l.columns[0].decimals == 3);
  CHECK(l.columns[0].ints.size() == 5);
}

TEST_CASE("take_rows: rows in any order, repeated; kNoRow is null") {
  Batch b = bk::test::ndjson(
      "{\"i\":1,\"f\":1.5,\"s\":\"a\",\"t\":true}\n{\"i\":null,\"f\":2.25,\"s\":null,\"t\":false}\n"
      "{\"i\":3,\"f\":null,\"s\":\"ccc\",\"t\":null}\n");
  const uint32_t idx[] = {2, 0, kNoRow, 2, 1};
  const std::vector<std::pair<const char*, Strings>> want = {{"i", {"3", "1", "null", "3", "null"}},
                                                              {"f", {"null", "1.5", "null", "null", "2.25"}},
                                                              {"s", {"ccc", "a", "null", "ccc", "null"}},
                                                              {"t", {"null", "true", "null", "null", "false"}}};
  for (const auto& [name, values] : want) {
    CAPTURE(name);
    Column c = take_rows(bk::test::col(b, name), idx, 5);
    CHECK(c.type == bk::test::col(b, name).type);
    CHECK(texts_of(c) == values);
  }
  Column none = take_rows(Column::nulls(3), idx, 0);
  CHECK(none.size() == 0);
}

TEST_CASE("append_rows: bulk for one type, widening across types") {
  Batch a = bk::test::ndjson("{\"x\":1,\"s\":\"p\"}\n{\"x\":null,\"s\":\"q\"}\n");
  Batch b = bk::test::ndjson("{\"x\":2,\"s\":\"r\"}\n");
  Batch c = bk::test::ndjson("{\"x\":2.5,\"s\":null}\n");
  Column x, s;
  append_rows(x, bk::test::col(a, "x"));
  append_rows(x, bk::test::col(b, "x"));
  CHECK(x.type == Type::Int64);
  CHECK(texts_of(x) == Strings{"1", "null", "2"});
  append_rows(x, bk::test::col(c, "x"));
  CHECK(x.type == Type::Float64);
  CHECK(texts_of(x) == Strings{"1.0", "null", "2.0", "2.5"});
  for (const Batch* p : {&a, &b, &c}) append_rows(s, bk::test::col(*p, "s"));
  CHECK(texts_of(s) == Strings{"p", "q", "r", "null"});
  CHECK(s.offsets.size() == 5);
}

TEST_SUITE_END();
