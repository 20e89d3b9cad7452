// libcore/src/csv.cpp: CSV and TSV blocks -> batches, type inference.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bk/read.hpp"
#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
using Strings = std::vector<std::string>;

namespace {

Batch csv(std::string_view text, std::vector<std::string> header, bool strings = false, char delim = ',') {
  return parse_csv(make_block(Format::Csv, text, std::move(header), delim, 1, strings));
}

Batch tsv(std::string_view text, std::vector<std::string> header, bool strings = false) {
  return parse_tsv(make_block(Format::Tsv, text, std::move(header), '\t', 1, strings));
}

Batch csv_kg(std::string_view text, std::vector<std::string> header, char delim = ',') {
  RawBlock raw = make_block(Format::Csv, text, std::move(header), delim, 1);
  raw.keep_going = true;
  return parse_csv(raw);
}

Batch tsv_kg(std::string_view text, std::vector<std::string> header) {
  RawBlock raw = make_block(Format::Tsv, text, std::move(header), '\t', 1);
  raw.keep_going = true;
  return parse_tsv(raw);
}

const char* const kCsvHint = " (every row needs one value per header column; quote values that contain ',')";
const char* const kTsvHint = " (every row needs one value per header column; write a tab inside a value as \\t)";
const char* const kUtf8 = "invalid UTF-8 (the file must be UTF-8; convert it, e.g. with iconv)";
const char* const kUnclosed = "unclosed quoted field (close the quote, or double quotes inside the field (\"\"))";

Column strings_column(std::initializer_list<const char*> values) {
  Column c;
  c.type = Type::String;
  for (const char* v : values) {
    if (v)
      c.append_string(v);
    else
      c.append_null();
  }
  return c;
}

}  // namespace

TEST_SUITE_BEGIN("csv");

TEST_CASE("infer_column_type") {
  SUBCASE("ints") {
    Column c = strings_column({"1", nullptr, "-20", "0", "9223372036854775807"});
    infer_column_type(c);
    CHECK(c.type == Type::Int64);
    CHECK(texts_of(c) == Strings{"1", "null", "-20", "0", "9223372036854775807"});
  }
  SUBCASE("ints and floats -> floats") {
    Column c = strings_column({"1", "2.5", nullptr, "1e3"});
    infer_column_type(c);
    CHECK(c.type == Type::Float64);
    CHECK(c.floats == std::vector<double>{1.0, 2.5, 0.0, 1000.0});
    CHECK(texts_of(c) == Strings{"1.0", "2.5", "null", "1000.0"});
  }
  SUBCASE("an int beyond int64 -> floats") {
    Column c = strings_column({"1", "9223372036854775808"});
    infer_column_type(c);
    CHECK(c.type == Type::Float64);
    CHECK(c.floats[1] == 9223372036854775808.0);
  }
  SUBCASE("bools in any case") {
    Column c = strings_column({"true", "FALSE", nullptr, "True"});
    infer_column_type(c);
    CHECK(c.type == Type::Bool);
    CHECK(texts_of(c) == Strings{"true", "false", "null", "true"});
  }
  SUBCASE("leading zeros stay strings") {
    Column c = strings_column({"007", "1"});
    infer_column_type(c);
    CHECK(c.type == Type::String);
    CHECK(texts_of(c) == Strings{"007", "1"});
  }
  SUBCASE("mixed numbers and bools stay strings") {
    Column c = strings_column({"1", "true"});
    infer_column_type(c);
    CHECK(c.type == Type::String);
  }
  SUBCASE("not quite numbers stay strings") {
    for (const char* v : {"+1", ".5", "1.", " 1", "1 ", "0x1F", "1,5", "nan", "inf", "1e400", ""}) {
      INFO("'" << v << "'");
      Column c = strings_column({"2", v});
      infer_column_type(c);
      CHECK(c.type == Type::String);
      CHECK(c.str(1) == v);
    }
  }
  SUBCASE("all null -> null type") {
    Column c = strings_column({nullptr, nullptr, nullptr});
    infer_column_type(c);
    CHECK(c.type == Type::Null);
    CHECK(c.size() == 3);
    CHECK(c.valid.count() == 0);
  }
  SUBCASE("no rows -> null type") {
    Column c = strings_column({});
    infer_column_type(c);
    CHECK(c.type == Type::Null);
    CHECK(c.size() == 0);
  }
  SUBCASE("non-string columns are left alone") {
    Column c;
    c.append_int(5);
    infer_column_type(c);
    CHECK(c.type == Type::Int64);
  }
}

TEST_CASE("CSV: RFC 4180 fields") {
  Batch b =
      csv("plain,\"quoted\",\"with,comma\"\n"
          "\"say \"\"hi\"\"\",\"two\nlines\",\"\"\n"
          ",x,\n"
          "\"crlf\r\ninside\",\"\"\"\",end\r\n",
          {"a", "b", "c"});
  REQUIRE(!b.error);
  REQUIRE(b.rows == 4);
  CHECK(texts_of(col(b, "a")) == Strings{"plain", "say \"hi\"", "null", "crlf\r\ninside"});
  CHECK(texts_of(col(b, "b")) == Strings{"quoted", "two\nlines", "x", "\""});
  CHECK(texts_of(col(b, "c")) == Strings{"with,comma", "", "null", "end"});
  // "" is the empty string, an empty field is null.
  CHECK(!col(b, "c").is_null(1));
  CHECK(col(b, "c").is_null(2));
  CHECK(b.lines == std::vector<int64_t>{2, 3, 5, 6});
  CHECK(b.line_count == 7);
}

TEST_CASE("CSV: a quote inside an unquoted field is a character") {
  Batch b = csv("5 \"inch\",ab\"\n", {"a", "b"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "a")) == Strings{"5 \"inch\""});
  CHECK(texts_of(col(b, "b")) == Strings{"ab\""});
}

TEST_CASE("CSV: text after a closing quote is kept") {
  Batch b = csv("\"ab\"cd,x\n", {"a", "b"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "a")) == Strings{"abcd"});
}

TEST_CASE("CSV: CRLF records, spaces kept") {
  Batch b = csv(" a , b \r\nc,d\r\n", {"x", "y"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "x")) == Strings{" a ", "c"});
  CHECK(texts_of(col(b, "y")) == Strings{" b ", "d"});
}

TEST_CASE("CSV: a CR that ends no line is data") {
  Batch b = csv("a\rb,c\n", {"x", "y"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "x")) == Strings{"a\rb"});
}

TEST_CASE("CSV: the last record may lack its newline, CRLF or not") {
  Batch a = csv("1,2\n3,4", {"x", "y"});
  REQUIRE(!a.error);
  CHECK(texts_of(col(a, "y")) == Strings{"2", "4"});
  CHECK(a.lines == std::vector<int64_t>{2, 3});
  CHECK(a.line_count == 3);  // the header, and the last line too
  Batch b = csv("1,2\r\n3,4\r", {"x", "y"});
  REQUIRE(!b.error);
  CHECK(col(b, "y").type == Type::Int64);
  CHECK(texts_of(col(b, "y")) == Strings{"2", "4"});
  Batch c = csv("1,\"q\"\r", {"x", "y"});
  REQUIRE(!c.error);
  CHECK(texts_of(col(c, "y")) == Strings{"q"});
}

TEST_CASE("CSV: blank lines are skipped") {
  Batch b = csv("\n1,2\n\r\n\n3,4\n\n", {"x", "y"});
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(b.lines == std::vector<int64_t>{3, 6});
}

TEST_CASE("CSV: other delimiters") {
  Batch b = csv("1;\"a;b\";x,y\n", {"n", "s", "t"}, false, ';');
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "n")) == Strings{"1"});
  CHECK(texts_of(col(b, "s")) == Strings{"a;b"});
  CHECK(texts_of(col(b, "t")) == Strings{"x,y"});
  Batch t = csv("1\t\"a\tb\"\n", {"n", "s"}, false, '\t');
  CHECK(texts_of(col(t, "s")) == Strings{"a\tb"});
}

TEST_CASE("CSV: type inference per column") {
  Batch b =
      csv("1,1.5,true,007,,x,1\n"
          "2,2,false,8,,y,\n"
          "-3,1e2,TRUE,9,,z,2.5\n",
          {"i", "f", "b", "z", "n", "s", "m"});
  REQUIRE(!b.error);
  CHECK(col(b, "i").type == Type::Int64);
  CHECK(col(b, "i").ints == std::vector<int64_t>{1, 2, -3});
  CHECK(col(b, "f").type == Type::Float64);
  CHECK(col(b, "f").floats == std::vector<double>{1.5, 2.0, 100.0});
  CHECK(col(b, "b").type == Type::Bool);
  CHECK(col(b, "b").ints == std::vector<int64_t>{1, 0, 1});
  CHECK(col(b, "z").type == Type::String);
  CHECK(texts_of(col(b, "z")) == Strings{"007", "8", "9"});
  CHECK(col(b, "n").type == Type::Null);
  CHECK(col(b, "n").size() == 3);
  CHECK(col(b, "s").type == Type::String);
  CHECK(col(b, "m").type == Type::Float64);
  CHECK(texts_of(col(b, "m")) == Strings{"1.0", "null", "2.5"});
}

TEST_CASE("CSV: quoted numbers are inferred like unquoted ones, \"\" is a string") {
  Batch b = csv("\"1\",\"\"\n\"2\",\"\"\n", {"a", "e"});
  REQUIRE(!b.error);
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(col(b, "e").type == Type::String);
  CHECK(texts_of(col(b, "e")) == Strings{"", ""});
}

TEST_CASE("CSV: --strings keeps every value text") {
  Batch b = csv("1,true,1.50,\n", {"i", "b", "f", "n"}, true);
  REQUIRE(!b.error);
  for (const auto& c : b.columns) CHECK(c.type == Type::String);
  CHECK(texts_of(col(b, "i")) == Strings{"1"});
  CHECK(texts_of(col(b, "b")) == Strings{"true"});
  CHECK(texts_of(col(b, "f")) == Strings{"1.50"});
  CHECK(texts_of(col(b, "n")) == Strings{"null"});
}

TEST_CASE("CSV: an empty block has the header's columns") {
  Batch b = csv("", {"a", "b"});
  REQUIRE(!b.error);
  CHECK(b.rows == 0);
  CHECK(b.names == Strings{"a", "b"});
  CHECK(b.columns.size() == 2);
}

TEST_CASE("CSV: too few and too many fields") {
  SUBCASE("too few") {
    Batch b = csv("1,2,3\n4,5\n6,7,8\n", {"a", "b", "c"});
    CHECK(b.rows == 1);
    for (const auto& c : b.columns) CHECK(c.size() == 1);
    CHECK(texts_of(col(b, "a")) == Strings{"1"});
    Error e = batch_error(b);
    CHECK(e.line() == 3);
    CHECK(e.message() == "row has 2 fields, the header has 3");
    CHECK(e.hint() == "every row needs one value per header column; quote values that contain ','");
  }
  SUBCASE("too many") {
    Batch b = csv("1,2\n3,4,5\n", {"a", "b"});
    CHECK(b.rows == 1);
    for (const auto& c : b.columns) CHECK(c.size() == 1);
    CHECK(batch_error(b).message() == "row has 3 fields, the header has 2");
    CHECK(batch_error(b).line() == 3);
  }
  SUBCASE("one field") {
    Batch b = csv("x\n", {"a", "b"});
    CHECK(batch_error(b).message() == "row has 1 field, the header has 2");
  }
  SUBCASE("after a multi-line record, the line is where the bad record starts") {
    Batch b = csv("\"a\nb\",1\n\"c\nd\"\n", {"a", "b"});
    CHECK(b.rows == 1);
    CHECK(batch_error(b).line() == 4);
  }
  SUBCASE("semicolons name the delimiter in the hint") {
    Batch b = csv("1\n", {"a", "b"}, false, ';');
    CHECK(batch_error(b).hint() == "every row needs one value per header column; quote values that contain ';'");
  }
}

TEST_CASE("CSV: an unclosed quote is an error at the record's first line") {
  Batch b = csv("1,2\n3,\"open\nmore\nlines\n", {"a", "b"});
  CHECK(b.rows == 1);
  CHECK(texts_of(col(b, "a")) == Strings{"1"});
  CHECK(col(b, "a").type == Type::Int64);
  for (const auto& c : b.columns) CHECK(c.size() == 1);
  Error e = batch_error(b);
  CHECK(e.line() == 3);
  CHECK(e.message() == "unclosed quoted field");
}

TEST_CASE("CSV: invalid UTF-8 names its line, rows before it are kept") {
  Batch b = csv("1,ok\n2,fine\n3,\xc3\x28\n4,x\n", {"a", "b"});
  Error e = batch_error(b);
  CHECK(e.line() == 4);
  CHECK(e.message() == "invalid UTF-8");
  CHECK(e.hint() == "the file must be UTF-8; convert it, e.g. with iconv");
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "b")) == Strings{"ok", "fine"});
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(b.lines == std::vector<int64_t>{2, 3});
}

TEST_CASE("CSV: invalid UTF-8 inside a multi-line field") {
  Batch b = csv("1,ok\n2,\"x\n\xff\"\n", {"a", "b"});
  Error e = batch_error(b);
  CHECK(e.message() == "invalid UTF-8");
  CHECK(e.line() == 4);
  CHECK(b.rows == 1);
}

TEST_CASE("CSV: invalid UTF-8 on the last line without newline") {
  Batch b = csv("1,ok\n2,\xff", {"a", "b"});
  CHECK(batch_error(b).line() == 3);
  CHECK(b.rows == 1);
}

TEST_CASE("CSV: valid UTF-8 passes") {
  Batch b = csv("caf\xc3\xa9,\xf0\x9f\x98\x80\n", {"a", "b"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "a")) == Strings{"caf\xc3\xa9"});
}

TEST_CASE("TSV: fields, nulls and escapes") {
  Batch b =
      tsv("a\\tb\tline\\none\tback\\\\slash\tcr\\r\n"
          "\t\\x\tend\\\t\\\\t\n",
          {"a", "b", "c", "d"});
  REQUIRE(!b.error);
  REQUIRE(b.rows == 2);
  CHECK(texts_of(col(b, "a")) == Strings{"a\tb", "null"});
  CHECK(texts_of(col(b, "b")) == Strings{"line\none", "\\x"});
  CHECK(texts_of(col(b, "c")) == Strings{"back\\slash", "end\\"});
  CHECK(texts_of(col(b, "d")) == Strings{"cr\r", "\\t"});
}

TEST_CASE("TSV: quotes are plain characters") {
  Batch b = tsv("\"a\"\t\"b\tc\"\n", {"x", "y", "z"});
  REQUIRE(!b.error);
  CHECK(texts_of(col(b, "x")) == Strings{"\"a\""});
  CHECK(texts_of(col(b, "y")) == Strings{"\"b"});
  CHECK(texts_of(col(b, "z")) == Strings{"c\""});
}

TEST_CASE("TSV: CRLF, blank lines, no final newline") {
  Batch b = tsv("1\t2\r\n\r\n\n3\t4", {"x", "y"});
  REQUIRE(!b.error);
  CHECK(b.rows == 2);
  CHECK(col(b, "y").type == Type::Int64);
  CHECK(texts_of(col(b, "y")) == Strings{"2", "4"});
  CHECK(b.lines == std::vector<int64_t>{2, 5});
  CHECK(b.line_count == 5);
}

TEST_CASE("TSV: type inference and --strings") {
  Batch b = tsv("1\t1.5\ttrue\t\t01\n2\t3\tfalse\t\t02\n", {"i", "f", "b", "n", "z"});
  REQUIRE(!b.error);
  CHECK(col(b, "i").type == Type::Int64);
  CHECK(col(b, "f").type == Type::Float64);
  CHECK(col(b, "b").type == Type::Bool);
  CHECK(col(b, "n").type == Type::Null);
  CHECK(col(b, "z").type == Type::String);
  Batch s = tsv("1\t1.5\n", {"i", "f"}, true);
  CHECK(col(s, "i").type == Type::String);
  CHECK(col(s, "f").str(0) == "1.5");
}

TEST_CASE("TSV: field count errors") {
  Batch b = tsv("1\t2\n3\n", {"x", "y"});
  CHECK(b.rows == 1);
  for (const auto& c : b.columns) CHECK(c.size() == 1);
  Error e = batch_error(b);
  CHECK(e.line() == 3);
  CHECK(e.message() == "row has 1 field, the header has 2");
  CHECK(e.hint() == "every row needs one value per header column; write a tab inside a value as \\t");
  Batch m = tsv("1\t2\t3\n", {"x", "y"});
  CHECK(m.rows == 0);
  CHECK(batch_error(m).message() == "row has 3 fields, the header has 2");
  CHECK(batch_error(m).line() == 2);
}

TEST_CASE("TSV: invalid UTF-8") {
  Batch b = tsv("1\tok\n2\t\xe2\x82\n", {"x", "y"});
  CHECK(batch_error(b).line() == 3);
  CHECK(batch_error(b).message() == "invalid UTF-8");
  CHECK(b.rows == 1);
}

TEST_CASE("the source names the input") {
  InputFile in{"p.csv", "shown.csv", 1};
  RawBlock raw = make_block(Format::Csv, "1\n", {"a", "b"}, ',', 1);
  raw.input = &in;
  Batch b = parse_csv(raw);
  CHECK(b.source == "shown.csv");
  CHECK(std::string(batch_error(b).what()).rfind("shown.csv:2: row has 1 field", 0) == 0);
}

// ---- keep_going: bad records become rejects -----------------------------------------

TEST_CASE("CSV keep_going: rows with the wrong number of fields") {
  Batch b = csv_kg("1,x\n2\n3,y,z\n4,w\n", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 2);
  for (const auto& c : b.columns) CHECK(c.size() == 2);
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "4"});
  CHECK(texts_of(col(b, "b")) == Strings{"x", "w"});
  CHECK(b.lines == std::vector<int64_t>{2, 5});
  CHECK(b.line_count == 5);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].line == 3);
  CHECK(b.rejects[0].reason == std::string("row has 1 field, the header has 2") + kCsvHint);
  CHECK(b.rejects[0].raw == "2");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].reason == std::string("row has 3 fields, the header has 2") + kCsvHint);
  CHECK(b.rejects[1].raw == "3,y,z");
}

TEST_CASE("CSV keep_going: without it the same block stops at the first bad row") {
  Batch b = csv("1,x\n2\n3,y,z\n4,w\n", {"a", "b"});
  CHECK(b.rejects.empty());
  CHECK(b.rows == 1);
  Error e = batch_error(b);
  CHECK(e.line() == 3);
  CHECK(e.message() == "row has 1 field, the header has 2");
}

TEST_CASE("CSV keep_going: types are inferred from the good rows only") {
  Batch b = csv_kg("1,true\nword,2,3\n2,false\n", {"a", "b"});
  CHECK(b.rows == 2);
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(col(b, "b").type == Type::Bool);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "2"});
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].raw == "word,2,3");
}

TEST_CASE("CSV keep_going: a multi-line record is one reject, with all its lines") {
  Batch b = csv_kg("1,\"p\nq\"\n\"r\ns\"\n2,\"t\nu\"\n", {"a", "b"});
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "b")) == Strings{"p\nq", "t\nu"});
  CHECK(b.lines == std::vector<int64_t>{2, 6});
  CHECK(b.line_count == 7);
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].line == 4);
  CHECK(b.rejects[0].raw == "\"r\ns\"");
  CHECK(b.rejects[0].reason == std::string("row has 1 field, the header has 2") + kCsvHint);
}

TEST_CASE("CSV keep_going: invalid UTF-8, in a plain and in a multi-line record") {
  Batch b = csv_kg("1,ok\n2,\xc3\x28\n3,\"x\n\xff\"\n4,fine\n5,\xe2\x82\n", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 2);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "4"});
  CHECK(texts_of(col(b, "b")) == Strings{"ok", "fine"});
  CHECK(b.lines == std::vector<int64_t>{2, 6});
  CHECK(b.line_count == 7);
  REQUIRE(b.rejects.size() == 3);
  CHECK(b.rejects[0].line == 3);
  CHECK(b.rejects[0].reason == kUtf8);
  CHECK(b.rejects[0].raw == "2,\xEF\xBF\xBD(");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].reason == kUtf8);
  CHECK(b.rejects[1].raw == "3,\"x\n\xEF\xBF\xBD\"");
  CHECK(b.rejects[2].line == 7);
  CHECK(b.rejects[2].raw == "5,\xEF\xBF\xBD");
}

TEST_CASE("CSV keep_going: invalid UTF-8 in a row that also has a wrong field count names the UTF-8") {
  Batch b = csv_kg("1,a\n\xff\n2,b\n", {"a", "b"});
  CHECK(b.rows == 2);
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].line == 3);
  CHECK(b.rejects[0].reason == kUtf8);
  CHECK(b.rejects[0].raw == "\xEF\xBF\xBD");
}

TEST_CASE("CSV keep_going: an unclosed quote makes the rest of the block one reject") {
  Batch b = csv_kg("1,2\n3,\"open\nmore\n4,5\n", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 1);
  for (const auto& c : b.columns) CHECK(c.size() == 1);
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(texts_of(col(b, "b")) == Strings{"2"});
  CHECK(b.lines == std::vector<int64_t>{2});
  CHECK(b.line_count == 5);
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].line == 3);
  CHECK(b.rejects[0].reason == kUnclosed);
  CHECK(b.rejects[0].raw == "3,\"open\nmore\n4,5");
  // Without a final newline, and with CRLF.
  Batch c = csv_kg("1,2\r\n\"x\r\ny", {"a", "b"});
  CHECK(c.rows == 1);
  CHECK(c.line_count == 4);
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0].line == 3);
  CHECK(c.rejects[0].raw == "\"x\r\ny");
  // Without keep_going: the error, as before.
  Batch e = csv("1,2\n3,\"open\nmore\n4,5\n", {"a", "b"});
  CHECK(e.rejects.empty());
  CHECK(e.rows == 1);
  CHECK(batch_error(e).line() == 3);
  CHECK(batch_error(e).message() == "unclosed quoted field");
}

TEST_CASE("CSV keep_going: bad first and last records, CRLF, the last without a newline") {
  Batch b = csv_kg("x\r\n1,a\r\n\r\n2,b,c", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 1);
  CHECK(texts_of(col(b, "b")) == Strings{"a"});
  CHECK(b.lines == std::vector<int64_t>{3});
  CHECK(b.line_count == 5);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].line == 2);
  CHECK(b.rejects[0].raw == "x");
  CHECK(b.rejects[1].line == 5);
  CHECK(b.rejects[1].raw == "2,b,c");
  // A CR at the very end ends the record like CRLF; a CR before a line break is data.
  Batch c = csv_kg("1,a\r\r\nb\r", {"a", "b"});
  CHECK(texts_of(col(c, "b")) == Strings{"a\r"});
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0].raw == "b");
  Batch d = csv_kg("b\r\r\n1,a\n", {"a", "b"});
  REQUIRE(d.rejects.size() == 1);
  CHECK(d.rejects[0].raw == "b\r");
}

TEST_CASE("CSV keep_going: every record bad") {
  Batch b = csv_kg("1\n2\n", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 0);
  CHECK(b.names == Strings{"a", "b"});
  for (const auto& c : b.columns) CHECK(c.size() == 0);
  CHECK(b.line_count == 3);
  CHECK(b.rejects.size() == 2);
}

TEST_CASE("CSV keep_going: other delimiters name theirs in the reason") {
  Batch b = csv_kg("1;2\n3\n", {"a", "b"}, ';');
  REQUIRE(b.rejects.size() == 1);
  CHECK(b.rejects[0].reason ==
        "row has 1 field, the header has 2 (every row needs one value per header column; quote values that contain "
        "';')");
}

TEST_CASE("CSV keep_going: many bad records in one block") {
  std::string text;
  std::vector<int64_t> good, bad;
  int64_t line = 1;  // the header
  for (int k = 0; k < 500; ++k) {
    ++line;
    if (k % 5 == 2) {
      text += std::to_string(k) + ",\"two\nlines\",extra\n";
      bad.push_back(line++);
    } else {
      text += std::to_string(k) + ",v" + std::to_string(k) + "\n";
      good.push_back(line);
    }
  }
  Batch b = csv_kg(text, {"a", "b"});
  CHECK(!b.error);
  CHECK(b.lines == good);
  CHECK(b.line_count == line);
  for (const auto& c : b.columns) CHECK(c.size() == b.rows);
  REQUIRE(b.rejects.size() == bad.size());
  bool ok = true;
  for (size_t k = 0; k < bad.size(); ++k) {
    ok = ok && b.rejects[k].line == bad[k];
    ok = ok && b.rejects[k].raw == std::to_string(5 * k + 2) + ",\"two\nlines\",extra";
  }
  CHECK(ok);
  for (int64_t i = 0; i < b.rows; ++i) ok = ok && col(b, "b").str(i) == "v" + text_of(col(b, "a"), i);
  CHECK(ok);
}

TEST_CASE("TSV keep_going: wrong field counts and invalid UTF-8") {
  Batch b = tsv_kg("1\tx\n2\n3\ty\tz\n\n4\t\xff\n5\tw", {"a", "b"});
  CHECK(!b.error);
  CHECK(b.rows == 2);
  CHECK(col(b, "a").type == Type::Int64);
  CHECK(texts_of(col(b, "a")) == Strings{"1", "5"});
  CHECK(texts_of(col(b, "b")) == Strings{"x", "w"});
  CHECK(b.lines == std::vector<int64_t>{2, 7});
  CHECK(b.line_count == 7);
  REQUIRE(b.rejects.size() == 3);
  CHECK(b.rejects[0].line == 3);
  CHECK(b.rejects[0].reason == std::string("row has 1 field, the header has 2") + kTsvHint);
  CHECK(b.rejects[0].raw == "2");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].reason == std::string("row has 3 fields, the header has 2") + kTsvHint);
  CHECK(b.rejects[1].raw == "3\ty\tz");
  CHECK(b.rejects[2].line == 6);
  CHECK(b.rejects[2].reason == kUtf8);
  CHECK(b.rejects[2].raw == "4\t\xEF\xBF\xBD");
}

TEST_CASE("TSV keep_going: bad first and last lines, CRLF") {
  Batch b = tsv_kg("x\r\n1\t2\r\n\xe2\x82\r\n", {"a", "b"});
  CHECK(b.rows == 1);
  CHECK(b.lines == std::vector<int64_t>{3});
  CHECK(b.line_count == 4);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].line == 2);
  CHECK(b.rejects[0].raw == "x");
  CHECK(b.rejects[1].line == 4);
  CHECK(b.rejects[1].reason == kUtf8);
  CHECK(b.rejects[1].raw == "\xEF\xBF\xBD");
  // Escapes stay as written in the raw text.
  Batch e = tsv_kg("a\\tb\n", {"a", "b"});
  REQUIRE(e.rejects.size() == 1);
  CHECK(e.rejects[0].raw == "a\\tb");
}

TEST_CASE("TSV keep_going: without it the same block stops at the first bad line") {
  Batch b = tsv("1\tx\n2\n3\ty\tz\n\n4\t\xff\n5\tw", {"a", "b"});
  CHECK(b.rejects.empty());
  CHECK(b.rows == 1);
  CHECK(batch_error(b).line() == 3);
  Batch u = tsv("1\tx\n4\t\xff\n5\tw", {"a", "b"});
  CHECK(u.rejects.empty());
  CHECK(u.rows == 1);
  CHECK(batch_error(u).message() == "invalid UTF-8");
  CHECK(batch_error(u).line() == 3);
}

TEST_SUITE_END();
