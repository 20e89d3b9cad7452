// libcore/src/ndjson.cpp: NDJSON lines -> batches.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bk/read.hpp"
#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
using Strings = std::vector<std::string>;

TEST_SUITE_BEGIN("ndjson");

TEST_CASE("value types") {
  Batch b = ndjson(
      "{\"i\":42,\"neg\":-7,\"f\":1.5,\"e\":1e3,\"s\":\"hi\",\"t\":true,\"n\":null,\"a\":[1, 2],\"o\":{\"x\": {\"y\": "
      "[null]}}}\n");
  REQUIRE(!b.error);
  REQUIRE(b.rows == 1);
  CHECK(b.names == Strings{"i", "neg", "f", "e", "s", "t", "n", "a", "o"});
  CHECK(col(b, "i").type == Type::Int64);
  CHECK(col(b, "i").ints[0] == 42);
  CHECK(col(b, "neg").ints[0] == -7);
  CHECK(col(b, "f").type == Type::Float64);
  CHECK(col(b, "f").floats[0] == 1.5);
  CHECK(col(b, "e").type == Type::Float64);
  CHECK(col(b, "e").floats[0] == 1000.0);
  CHECK(col(b, "s").type == Type::String);
  CHECK(col(b, "s").str(0) == "hi");
  CHECK(col(b, "t").type == Type::Bool);
  CHECK(col(b, "t").ints[0] == 1);
  CHECK(col(b, "n").type == Type::Null);
  CHECK(col(b, "n").is_null(0));
  CHECK(col(b, "a").type == Type::Json);
  CHECK(col(b, "a").str(0) == "[1,2]");
  CHECK(col(b, "o").type == Type::Json);
  CHECK(col(b, "o").str(0) == "{\"x\":{\"y\":[null]}}");
}

TEST_CASE("integers: int64 edges, beyond int64, beyond 64 bits") {
  Batch b = ndjson(
      "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"u\":18446744073709551615,"
      "\"big\":123456789012345678901234567890,\"nbig\":-123456789012345678901234567890}\n");
  REQUIRE(!b.error);
  REQUIRE(b.rows == 1);
  REQUIRE(col(b, "max").type == Type::Int64);
  CHECK(col(b, "max").ints[0] == INT64_MAX);
  REQUIRE(col(b, "min").type == Type::Int64);
  CHECK(col(b, "min").ints[0] == INT64_MIN);
  REQUIRE(col(b, "u").type == Type::Float64);
  CHECK(col(b, "u").floats[0] == 18446744073709551615.0);
  REQUIRE(col(b, "big").type == Type::Float64);
  CHECK(col(b, "big").floats[0] == doctest::Approx(1.2345678901234568e29));
  CHECK(col(b, "nbig").floats[0] == doctest::Approx(-1.2345678901234568e29));
}

TEST_CASE("a big integer on the line leaves the other int64 values alone") {
  Batch b = ndjson(
      "{\"id\":1234567890123456789,\"small\":5,\"s\":\"12345678901234567890123\",\"big\":99999999999999999999999}\n");
  REQUIRE(!b.error);
  REQUIRE(col(b, "id").type == Type::Int64);
  CHECK(col(b, "id").ints[0] == 1234567890123456789);
  CHECK(col(b, "small").type == Type::Int64);
  CHECK(col(b, "s").str(0) == "12345678901234567890123");
  REQUIRE(col(b, "big").type == Type::Float64);
  CHECK(col(b, "big").floats[0] == 1e23);
}

TEST_CASE("a big integer inside a nested value") {
  Batch b = ndjson("{\"a\":[1,123456789012345678901234567890],\"k\":\"v\"}\n");
  REQUIRE(!b.error);
  CHECK(col(b, "a").type == Type::Json);
  CHECK(col(b, "k").str(0) == "v");
}

TEST_CASE("a number out of double range is an error") {
  Batch b = ndjson("{\"a\":1}\n{\"a\":1e400}\n");
  CHECK(b.rows == 1);
  Error e = batch_error(b);
  CHECK(e.line() == 2);
  CHECK(e.message() == "number out of range or malformed");
}

TEST_CASE("strings with escapes") {
  Batch b = ndjson(R"({"s":"a\"b\\c\n\t\u00e9\ud83d\ude00\u0000/\/"})"
                   "\n");
  REQUIRE(!b.error);
  CHECK(col(b, "s").str(0) == std::string("a\"b\\c\n\t\xc3\xa9\xf0\x9f\x98\x80\0//", 16));
}

TEST_CASE("keys with escapes and unicode") {
  Batch b = ndjson(R"({"a\"b":1,"caf\u00e9":2,"":3})"
                   "\n");
  REQUIRE(!b.error);
  CHECK(b.names == Strings{"a\"b", "caf\xc3\xa9", ""});
}

TEST_CASE("missing fields are null; new fields are null before they appear") {
  Batch b = ndjson("{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n{\"c\":true}\n{\"b\":\"y\",\"a\":4}\n");
  REQUIRE(!b.error);
  CHECK(b.rows == 4);
  CHECK(b.names == Strings{"a", "b", "c"});
  CHECK(texts_of(col(b, "a")) == Strings{"1", "2", "null", "4"});
  CHECK(texts_of(col(b, "b")) == Strings{"x", "null", "null", "y"});
  CHECK(texts_of(col(b, "c")) == Strings{"null", "null", "true", "null"});
  for (const auto& c : b.columns) CHECK(c.size() == 4);
}

TEST_CASE("changing key order") {
  Batch b = ndjson("{\"a\":1,\"b\":2,\"c\":3}\n{\"c\":30,\"a\":10,\"b\":20}\n{\"b\":200,\"c\":300,\"a\":100}\n");
  REQUIRE(!b.error);
  CHECK(b.names == Strings{"a", "b", "c"});
  CHECK(texts_of(col(b, "a")) == Strings{"1", "10", "100"});
  CHECK(texts_of(col(b, "b")) == Strings{"2", "20", "200"});
  CHECK(texts_of(col(b, "c")) == Strings{"3", "30", "300"});
}

TEST_CASE("duplicate keys: the last one wins") {
  Batch b = ndjson("{\"a\":1,\"a\":2}\n{\"a\":3,\"b\":0,\"a\":4}\n");
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(b.names == Strings{"a", "b"});
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(texts_of(col(b, "a")) == Strings{"2", "4"});
  CHECK(texts_of(col(b, "b")) == Strings{"null", "0"});
}

TEST_CASE("duplicate keys: a discarded value does not widen the column") {
  Batch b = ndjson("{\"a\":1}\n{\"a\":\"x\",\"a\":2}\n{\"a\":null,\"a\":3}\n");
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "2", "3"});
  CHECK(col(b, "a").type == Type::Int64);
}

TEST_CASE("columns widen across records") {
  Batch b = ndjson("{\"v\":1}\n{\"v\":2.5}\n{\"v\":null}\n{\"w\":\"s\"}\n{\"w\":7}\n{\"w\":[1]}\n");
  REQUIRE(!b.error);
  CHECK(col(b, "v").type == Type::Float64);
  CHECK(texts_of(col(b, "v")) == Strings{"1.0", "2.5", "null", "null", "null", "null"});
  CHECK(col(b, "w").type == Type::String);
  CHECK(texts_of(col(b, "w")) == Strings{"null", "null", "null", "s", "7", "[1]"});
}

TEST_CASE("blank and whitespace lines are skipped, but counted") {
  Batch b = ndjson("\n{\"a\":1}\n   \n\t\r\n{\"a\":2}\n\n");
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(b.lines == std::vector<int64_t>{2, 5});
  CHECK(b.line_count == 6);
}

TEST_CASE("CRLF lines") {
  Batch b = ndjson("{\"a\":1,\"s\":\"x\"}\r\n{\"a\":2,\"s\":\"y\"}\r\n\r\n");
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "s")) == Strings{"x", "y"});
  CHECK(b.lines == std::vector<int64_t>{1, 2});
}

TEST_CASE("no final newline") {
  Batch b = ndjson("{\"a\":1}\n{\"a\":2}");
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(b.line_count == 2);
}

TEST_CASE("an empty object is a row with no fields") {
  Batch b = ndjson("{}\n{\"a\":1}\n{}\n");
  REQUIRE(!b.error);
  CHECK(b.rows == 3);
  CHECK(texts_of(col(b, "a")) == Strings{"null", "1", "null"});
}

TEST_CASE("invalid JSON: rows before the error are kept") {
  Batch b = ndjson("{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":4}\n");
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "2"});
  CHECK(b.lines == std::vector<int64_t>{1, 2});
  Error e = batch_error(b);
  CHECK(e.line() == 3);
  CHECK(e.kind() == Error::Kind::Data);
  CHECK(e.hint() == "each line must hold one JSON object; fix or remove the line");
}

TEST_CASE("error messages") {
  struct Case {
    const char* line;
    const char* message;
  };
  for (Case c :
       {Case{"[1,2]", "expected a JSON object, found an array"}, Case{"42", "expected a JSON object, found a scalar"},
        Case{"\"s\"", "expected a JSON object, found a scalar"}, Case{"null", "expected a JSON object, found a scalar"},
        Case{"{\"a\":tru}", "invalid literal (expected true, false or null)"}, Case{"{\"a\":\"x}", "unclosed string"},
        Case{"{\"a\":\"\\q\"}", "invalid string escape"}, Case{"{\"a\":1} {\"b\":2}", "invalid JSON"},
        Case{"{\"a\":01}", "number out of range or malformed"}, Case{"{a:1}", "invalid JSON"}}) {
    INFO(c.line);
    Batch b = ndjson(std::string("{\"ok\":1}\n") + c.line + "\n");
    CHECK(b.rows == 1);
    Error e = batch_error(b);
    CHECK(e.line() == 2);
    CHECK(e.message() == c.message);
  }
}

TEST_CASE("non-object lines: hint") {
  Error e = batch_error(ndjson("[1]\n"));
  CHECK(e.hint() == "each line of NDJSON holds one object");
}

TEST_CASE("invalid UTF-8") {
  Batch b = ndjson("{\"a\":\"ok\"}\n{\"a\":\"\xff\xfe\"}\n");
  CHECK(b.rows == 1);
  Error e = batch_error(b);
  CHECK(e.line() == 2);
  CHECK(e.message() == "invalid UTF-8");
  CHECK(e.hint() == "the file must be UTF-8; convert it, e.g. with iconv");
}

TEST_CASE("lines are relative to the block's skipped lines") {
  Batch b = parse_ndjson(make_block(Format::Ndjson, "{\"a\":1}\nnope\n", {}, ',', 3));
  CHECK(b.lines == std::vector<int64_t>{4});
  CHECK(batch_error(b).line() == 5);
}

TEST_CASE("the source names the input") {
  InputFile in{"x.ndjson", "shown.ndjson", 1};
  RawBlock raw = make_block(Format::Ndjson, "bad\n");
  raw.input = &in;
  Batch b = parse_ndjson(raw);
  CHECK(b.source == "shown.ndjson");
  CHECK(std::string(batch_error(b).what()).rfind("shown.ndjson:1: ", 0) == 0);
}

TEST_CASE("many columns and rows keep their shape") {
  std::string text;
  for (int r = 0; r < 300; ++r) {
    text += "{";
    for (int k = 0; k < 20; ++k) {
      if ((r + k) % 5 == 0) continue;  // some fields missing
      if (text.back() != '{') text += ",";
      text += "\"f" + std::to_string(k) + "\":" + std::to_string(r * 100 + k);
    }
    text += "}\n";
  }
  Batch b = ndjson(text);
  REQUIRE(!b.error);
  CHECK(b.rows == 300);
  CHECK(b.columns.size() == 20);
  bool ok = true;
  for (int k = 0; k < 20; ++k) {
    const Column& c = col(b, "f" + std::to_string(k));
    ok = ok && c.size() == 300;
    for (int r = 0; r < 300; ++r) {
      if ((r + k) % 5 == 0)
        ok = ok && c.is_null(r);
      else
        ok = ok && !c.is_null(r) && c.ints[r] == r * 100 + k;
    }
  }
  CHECK(ok);
}

// ---- keep_going: bad lines become rejects ----------------------------------------

namespace {

Batch ndjson_kg(std::string_view text, int64_t skip_lines = 0) {
  RawBlock raw = make_block(Format::Ndjson, text, {}, ',', skip_lines);
  raw.keep_going = true;
  return parse_ndjson(raw);
}

const char* const kInvalidJson = "invalid JSON (each line must hold one JSON object; fix or remove the line)";
const char* const kArray = "expected a JSON object, found an array (each line of NDJSON holds one object)";
const char* const kScalar = "expected a JSON object, found a scalar (each line of NDJSON holds one object)";
const char* const kUtf8 = "invalid UTF-8 (the file must be UTF-8; convert it, e.g. with iconv)";

}  // namespace

TEST_CASE("keep_going: each kind of bad line is a reject, the rows around it stay") {
  Batch b = ndjson_kg(
      "{\"a\":1}\n"
      "{a:1}\n"
      "[1,2]\n"
      "\n"
      "{\"a\":\"\xff\xfe\"}\n"
      "42\n"
      "{\"a\":2,\"b\":\"x\"}\n");
  CHECK(!b.error);
  CHECK(b.rows == 2);
  CHECK(b.names == Strings{"a", "b"});
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "2"});
  CHECK(texts_of(col(b, "b")) == Strings{"null", "x"});
  CHECK(b.lines == std::vector<int64_t>{1, 7});
  CHECK(b.line_count == 7);
  REQUIRE(b.rejects.size() == 4);
  CHECK(b.rejects[0].line == 2);
  CHECK(b.rejects[0].reason == kInvalidJson);
  CHECK(b.rejects[0].raw == "{a:1}");
  CHECK(b.rejects[1].line == 3);
  CHECK(b.rejects[1].reason == kArray);
  CHECK(b.rejects[1].raw == "[1,2]");
  CHECK(b.rejects[2].line == 5);
  CHECK(b.rejects[2].reason == kUtf8);
  CHECK(b.rejects[2].raw == "{\"a\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  CHECK(b.rejects[3].line == 6);
  CHECK(b.rejects[3].reason == kScalar);
  CHECK(b.rejects[3].raw == "42");
}

TEST_CASE("keep_going: the same bad lines without it end the block at the first one") {
  Batch b = ndjson("{\"a\":1}\n{a:1}\n[1,2]\n{\"a\":2}\n");
  CHECK(b.rows == 1);
  CHECK(b.rejects.empty());
  CHECK(b.lines == std::vector<int64_t>{1});
  Error e = batch_error(b);
  CHECK(e.line() == 2);
  CHECK(e.message() + " (" + e.hint() + ")" == kInvalidJson);
}

TEST_CASE("keep_going: a reject's reason is the error's text without its place") {
  for (const char* line :
       {"[1,2]", "42", "\"s\"", "null", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\q\"}", "{\"a\":1} {\"b\":2}",
        "{\"a\":01}", "{a:1}", "{\"a\":1e400}", "{\"a\":\"\xc3\x28\"}", "{\"a\":\"\x01\"}", "{\"a\":1"}) {
    INFO(line);
    std::string text = std::string("{\"ok\":1}\n") + line + "\n{\"ok\":2}\n";
    Error e = batch_error(ndjson(text));
    Batch b = ndjson_kg(text);
    CHECK(!b.error);
    CHECK(b.rows == 2);
    CHECK(b.lines == std::vector<int64_t>{1, 3});
    REQUIRE(b.rejects.size() == 1);
    CHECK(b.rejects[0].line == e.line());
    CHECK(b.rejects[0].reason == e.message() + " (" + e.hint() + ")");
  }
}

TEST_CASE("keep_going: a number out of double range") {
  Batch b = ndjson_kg("{\"a\":1e400}\n{\"a\":123456789012345678901234567890}\n");
  CHECK(b.rows == 1);
  CHECK(col(b, "a").type == Type::Float64);
  CHECK(b.lines == std::vector<int64_t>{2});
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].line == 1);
  CHECK(b.rejects[0].reason ==
        "number out of range or malformed (a number must be valid JSON and fit a double; write it as a string to "
        "keep its digits)");
  CHECK(b.rejects[0].raw == "{\"a\":1e400}");
}

TEST_CASE("keep_going: bad first and last lines, the last without a newline") {
  Batch b = ndjson_kg("nope\n{\"a\":1}\n\n[2]");
  CHECK(!b.error);
  CHECK(b.rows == 1);
  CHECK(texts_of(col(b, "a")) == Strings{"1"});
  CHECK(b.lines == std::vector<int64_t>{2});
  CHECK(b.line_count == 4);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].line == 1);
  CHECK(b.rejects[0].raw == "nope");
  CHECK(b.rejects[0].reason ==
        "invalid literal (expected true, false or null) (each line must hold one JSON object; fix or remove the line)");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].raw == "[2]");
  CHECK(b.rejects[1].reason == kArray);
}

TEST_CASE("keep_going: CRLF lines, the raw text without the CR") {
  Batch b = ndjson_kg("{\"a\":1}\r\n {x} \r\n\r\n\"s\"\r\n{\"a\":3}\r\n");
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "3"});
  CHECK(b.lines == std::vector<int64_t>{1, 5});
  CHECK(b.line_count == 5);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].line == 2);
  CHECK(b.rejects[0].raw == " {x} ");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].raw == "\"s\"");
}

TEST_CASE("keep_going: every line bad") {
  Batch b = ndjson_kg("1\n2\n3\n");
  CHECK(!b.error);
  CHECK(b.rows == 0);
  CHECK(b.columns.empty());
  CHECK(b.line_count == 3);
  REQUIRE(b.rejects.size() == 3);
  CHECK(b.rejects[2].line == 3);
  CHECK(b.rejects[2].raw == "3");
}

TEST_CASE("keep_going: lines are relative to the block's skipped lines") {
  Batch b = ndjson_kg("{\"a\":1}\nnope\n", 3);
  CHECK(b.lines == std::vector<int64_t>{4});
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].line == 5);
}

TEST_CASE("keep_going: a good block has no rejects") {
  Batch b = ndjson_kg("{\"a\":1}\n\n{\"a\":2}\n");
  CHECK(!b.error);
  CHECK(b.rejects.empty());
  CHECK(b.lines == std::vector<int64_t>{1, 3});
  CHECK(b.line_count == 3);
}

TEST_CASE("keep_going: many bad lines in one block, columns keep exactly the good rows") {
  std::string text;
  std::vector<int64_t> good_lines, bad_lines;
  for (int k = 1; k <= 1000; ++k) {
    if (k % 7 == 0) {
      text += "{\"id\":" + std::to_string(k) + ",}\n";
      bad_lines.push_back(k);
    } else {
      text += "{\"id\":" + std::to_string(k) + (k % 3 ? ",\"s\":\"v\"" : "") + "}\n";
      good_lines.push_back(k);
    }
  }
  Batch b = ndjson_kg(text);
  CHECK(!b.error);
  REQUIRE(b.rows == static_cast<int64_t>(good_lines.size()));
  CHECK(b.lines == good_lines);
  for (const auto& c : b.columns) CHECK(c.size() == b.rows);
  bool ok = true;
  for (int64_t i = 0; i < b.rows; ++i) {
    ok = ok && col(b, "id").ints[i] == good_lines[i];
    ok = ok && col(b, "s").is_null(i) == (good_lines[i] % 3 == 0);
  }
  CHECK(ok);
  REQUIRE(b.rejects.size() == bad_lines.size());
  for (size_t k = 0; k < bad_lines.size(); ++k) {
    CHECK(b.rejects[k].line == bad_lines[k]);
    CHECK(b.rejects[k].raw == "{\"id\":" + std::to_string(bad_lines[k]) + ",}");
  }
}

TEST_CASE("only: fields left out build no column, rows and errors stay") {
  RawBlock raw = make_block(Format::Ndjson,
                            "{\"k\":\"a\",\"v\":1,\"x\":\"s\"}\n"
                            "{\"x\":[1,2],\"v\":2.5,\"k\":\"b\"}\n"
                            "{\"y\":true}\n"
                            "{\"k\":\"c\",\"k\":\"d\",\"x\":null}\n");
  raw.only = std::make_shared<std::vector<std::string>>(Strings{"v", "k"});
  Batch b = parse_ndjson(raw);
  REQUIRE(!b.error);
  CHECK(b.rows == 4);
  CHECK(b.names == Strings{"k", "v"});
  CHECK(col(b, "k").str(0) == "a");
  CHECK(col(b, "k").str(1) == "b");
  CHECK(col(b, "k").is_null(2));
  CHECK(col(b, "k").str(3) == "d");  // a repeated key keeps its last value
  CHECK(col(b, "v").type == Type::Float64);
  CHECK(col(b, "v").floats[1] == 2.5);
  CHECK(col(b, "v").is_null(3));
  CHECK(b.lines == std::vector<int64_t>{1, 2, 3, 4});

  // A field left out is still parsed: bad JSON there is still an error of its line.
  InputFile in{"t.ndjson", "t.ndjson", 1};
  RawBlock bad = make_block(Format::Ndjson, "{\"k\":\"a\"}\n{\"k\":\"b\",\"x\":tru}\n");
  bad.input = &in;
  bad.only = raw.only;
  Batch e = parse_ndjson(bad);
  CHECK(e.rows == 1);
  REQUIRE(e.error);
  CHECK(std::string(batch_error(e).what()).rfind("t.ndjson:2: invalid literal", 0) == 0);
}

TEST_SUITE_END();
