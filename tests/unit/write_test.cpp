// libcore/src/write.cpp: batches -> NDJSON, CSV, TSV bytes; the writers.
#include "bk/write.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"

using namespace bk;
using namespace bk::test;

namespace {

// What the pipeline does with each batch: prepare, encode, emit.
void write_batch(Writer& w, Batch& b) {
  w.prepare(b);
  Encoded bytes;
  w.encode(b, bytes);
  w.emit(b, bytes);
}

// One row of every type, then a row of nulls.
Batch every_type() {
  Batch b;
  Column n, bo, i, f, s, t, j;
  n.append_null();
  bo.append_bool(true);
  i.append_int(-42);
  f.append_double(1.0);
  s.append_string("a \"q\", b\\c\nd\te");
  t.append_timestamp(1700000000123456);
  j.append_json("{\"k\":[1,2]}");
  for (Column* c : {&n, &bo, &i, &f, &s, &t, &j}) c->append_null();
  b.add_column("n", std::move(n));
  b.add_column("b", std::move(bo));
  b.add_column("i", std::move(i));
  b.add_column("f", std::move(f));
  b.add_column("s", std::move(s));
  b.add_column("t", std::move(t));
  b.add_column("j", std::move(j));
  b.rows = 2;
  return b;
}

Batch strings(const std::vector<const char*>& values, const std::string& name = "s") {
  Batch b;
  Column c;
  for (const char* v : values) {
    if (v)
      c.append_string(v);
    else
      c.append_null();
  }
  b.add_column(name, std::move(c));
  b.rows = static_cast<int64_t>(values.size());
  return b;
}

Batch one_float(double v) {
  Batch b;
  Column c;
  c.append_double(v);
  b.add_column("x", std::move(c));
  b.rows = 1;
  return b;
}

std::string ndjson_of(const Batch& b) {
  std::string out;
  encode_ndjson(b, out);
  return out;
}

std::string csv_of(const Batch& b, char delim = ',') {
  std::string out;
  encode_delimited(b, delim, out);
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("write");

TEST_CASE("NDJSON: every type") {
  CHECK(ndjson_of(every_type()) ==
        "{\"n\":null,\"b\":true,\"i\":-42,\"f\":1.0,\"s\":\"a \\\"q\\\", b\\\\c\\nd\\te\","
        "\"t\":\"2023-11-14T22:13:20.123456Z\",\"j\":{\"k\":[1,2]}}\n"
        "{\"n\":null,\"b\":null,\"i\":null,\"f\":null,\"s\":null,\"t\":null,\"j\":null}\n");
}

TEST_CASE("NDJSON: floats") {
  CHECK(ndjson_of(one_float(0.1)) == "{\"x\":0.1}\n");
  CHECK(ndjson_of(one_float(-0.0)) == "{\"x\":-0.0}\n");
  CHECK(ndjson_of(one_float(1e21)) == "{\"x\":1e+21}\n");
  CHECK(ndjson_of(one_float(5e-324)) == "{\"x\":5e-324}\n");
  // JSON has no NaN or infinity.
  CHECK(ndjson_of(one_float(std::nan(""))) == "{\"x\":null}\n");
  CHECK(ndjson_of(one_float(std::numeric_limits<double>::infinity())) == "{\"x\":null}\n");
  CHECK(ndjson_of(one_float(-std::numeric_limits<double>::infinity())) == "{\"x\":null}\n");
}

TEST_CASE("NDJSON: names are escaped") {
  Batch b = strings({"v"}, "we\"ird\\name\n");
  CHECK(ndjson_of(b) == "{\"we\\\"ird\\\\name\\n\":\"v\"}\n");
}

TEST_CASE("NDJSON: control characters and UTF-8 in strings") {
  Batch b = strings({"\x01\x1f\x7f caf\xc3\xa9"});
  CHECK(ndjson_of(b) == "{\"s\":\"\\u0001\\u001f\x7f caf\xc3\xa9\"}\n");
}

TEST_CASE("NDJSON: no fields, no rows") {
  Batch b;
  b.rows = 2;
  CHECK(ndjson_of(b) == "{}\n{}\n");
  Batch e;
  e.add_column("a", Column());
  CHECK(ndjson_of(e) == "");
}

TEST_CASE("NDJSON: appends to what is there") {
  std::string out = "x";
  encode_ndjson(strings({"v"}), out);
  CHECK(out == "x{\"s\":\"v\"}\n");
}

TEST_CASE("CSV: every type") {
  CHECK(csv_of(every_type()) ==
        ",true,-42,1.0,\"a \"\"q\"\", b\\c\nd\te\",2023-11-14T22:13:20.123456Z,\"{\"\"k\"\":[1,2]}\"\n"
        ",,,,,,\n");
}

TEST_CASE("CSV: quoting only where needed") {
  Batch b = strings({"plain", "", nullptr, "a,b", "say \"hi\"", "two\nlines", "cr\rhere", " spaced ", "semi;colon",
                     "tab\there", "caf\xc3\xa9", "'single'"});
  CHECK(csv_of(b) ==
        "plain\n"
        "\"\"\n"  // the empty string differs from null
        "\n"      // null: an empty field
        "\"a,b\"\n"
        "\"say \"\"hi\"\"\"\n"
        "\"two\nlines\"\n"
        "\"cr\rhere\"\n"
        " spaced \n"
        "semi;colon\n"
        "tab\there\n"
        "caf\xc3\xa9\n"
        "'single'\n");
}

TEST_CASE("CSV: another delimiter quotes that delimiter") {
  Batch b = strings({"a;b", "a,b"});
  CHECK(csv_of(b, ';') == "\"a;b\"\na,b\n");
}

TEST_CASE("CSV: floats print as NDJSON does, non-finite as text") {
  CHECK(csv_of(one_float(2.0)) == "2.0\n");
  CHECK(csv_of(one_float(1e21)) == "1e+21\n");
  CHECK(csv_of(one_float(std::nan(""))) == "nan\n");
  CHECK(csv_of(one_float(-std::numeric_limits<double>::infinity())) == "-inf\n");
}

TEST_CASE("CSV: several columns, nulls between delimiters") {
  Batch b;
  Column a, c;
  a.append_int(1);
  a.append_null();
  c.append_null();
  c.append_string("z");
  b.add_column("a", std::move(a));
  b.add_column("c", std::move(c));
  b.rows = 2;
  CHECK(csv_of(b) == "1,\n,z\n");
}

TEST_CASE("CSV header") {
  std::string out;
  encode_delimited_header({"a", "b,c", "", "q\"", "x\ny"}, ',', out);
  CHECK(out == "a,\"b,c\",\"\",\"q\"\"\",\"x\ny\"\n");
  out.clear();
  encode_delimited_header({}, ',', out);
  CHECK(out == "\n");
}

TEST_CASE("TSV: every type, escapes instead of quotes") {
  CHECK(csv_of(every_type(), '\t') ==
        "\ttrue\t-42\t1.0\ta \"q\", b\\\\c\\nd\\te\t2023-11-14T22:13:20.123456Z\t{\"k\":[1,2]}\n"
        "\t\t\t\t\t\t\n");
}

TEST_CASE("TSV: escaping") {
  Batch b = strings({"a\tb", "a\nb", "a\rb", "a\\b", "\\t", "", nullptr, "\"q\""});
  CHECK(csv_of(b, '\t') == "a\\tb\na\\nb\na\\rb\na\\\\b\n\\\\t\n\n\n\"q\"\n");
  std::string h;
  encode_delimited_header({"a\tb", "c\\"}, '\t', h);
  CHECK(h == "a\\tb\tc\\\\\n");
}

TEST_CASE("TSV written and read back") {
  Batch b = strings({"a\tb", "x\ny", "back\\slash", "cr\r"});
  std::string text = "s\n" + csv_of(b, '\t');
  Batch back = parse_tsv(make_block(Format::Tsv, text.substr(2), {"s"}, '\t', 1));
  REQUIRE(!back.error);
  CHECK(texts_of(col(back, "s")) == texts_of(col(b, "s")));
}

TEST_CASE("CSV written and read back") {
  // (No null here: in a one-column CSV a null is a blank line, which reads as no record.)
  Batch b = strings({"a,b", "", "q\"q", "two\r\nlines", "x"});
  Batch back = parse_csv(make_block(Format::Csv, csv_of(b), {"s"}, ',', 1, true));
  REQUIRE(!back.error);
  CHECK(texts_of(col(back, "s")) == texts_of(col(b, "s")));
}

TEST_CASE("writers through an Output") {
  TempDir dir;
  SUBCASE("NDJSON") {
    std::string path = dir / "out.ndjson";
    {
      Output out(path);
      auto w = make_writer(Format::Ndjson, out);
      Batch b = strings({"x", nullptr});
      write_batch(*w, b);
      w->finish();
      out.commit();
    }
    CHECK(slurp(path) == "{\"s\":\"x\"}\n{\"s\":null}\n");
  }
  SUBCASE("CSV: header from the first batch, later batches laid out in its order") {
    std::string path = dir / "out.csv";
    {
      Output out(path);
      auto w = make_writer(Format::Csv, out);
      auto put = [&](Batch b) { write_batch(*w, b); };
      Batch first;
      Column a, c;
      a.append_int(1);
      c.append_string("p");
      first.add_column("a", std::move(a));
      first.add_column("c", std::move(c));
      first.rows = 1;
      put(std::move(first));
      Batch second;
      Column c2;
      c2.append_string("q,r");
      second.add_column("c", std::move(c2));
      second.rows = 1;
      put(std::move(second));
      w->finish();
      out.commit();
    }
    CHECK(slurp(path) == "a,c\n1,p\n,\"q,r\"\n");
  }
  SUBCASE("CSV: an empty first batch still writes the header") {
    std::string path = dir / "h.csv";
    {
      Output out(path);
      auto w = make_writer(Format::Csv, out);
      Batch b;
      b.add_column("x", Column());
      b.add_column("y,z", Column());
      write_batch(*w, b);
      out.commit();
    }
    CHECK(slurp(path) == "x,\"y,z\"\n");
  }
  SUBCASE("TSV header") {
    std::string path = dir / "h.tsv";
    {
      Output out(path);
      auto w = make_writer(Format::Tsv, out);
      Batch b = strings({"1"}, "a b");
      write_batch(*w, b);
      out.commit();
    }
    CHECK(slurp(path) == "a b\n1\n");
  }
  SUBCASE("CSV: a field after the header is written is an error naming its line") {
    Output out(dir / "bad.csv");
    auto w = make_writer(Format::Csv, out);
    Batch first = strings({"1"}, "a");
    w->prepare(first);
    Batch second = strings({"2"}, "b");
    second.source = "in.ndjson";
    second.first_line = 10;
    second.lines = {3};
    try {
      w->prepare(second);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()) ==
            "in.ndjson:12: field 'b' first appears after the CSV header was written (name every output field with "
            "--select)");
    }
  }
  SUBCASE("CSV: the error names the first line that has the new field") {
    Output out(dir / "bad.csv");
    auto w = make_writer(Format::Csv, out);
    Batch first = strings({"1"}, "a");
    w->prepare(first);
    Batch second = strings({"2", "3", "4"}, "a");
    Column extra;
    extra.append_null();
    extra.append_null();
    extra.append_int(5);
    second.add_column("b", std::move(extra));
    second.source = "in.ndjson";
    second.first_line = 1;
    second.lines = {1, 3, 4};
    try {
      w->prepare(second);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.line() == 4);
    }
  }
  SUBCASE("CSV: a batch without fields or rows does not fix the header") {
    std::string path = dir / "late.csv";
    {
      Output out(path);
      auto w = make_writer(Format::Csv, out);
      auto put = [&](Batch b) { write_batch(*w, b); };
      put(Batch());
      put(strings({"v"}, "late"));
      out.commit();
    }
    CHECK(slurp(path) == "late\nv\n");
  }
}

TEST_SUITE_END();

TEST_CASE("doubles print as std::to_chars does, through the decimal fast path or not") {
  // put_double takes a shortcut for values that are exactly m / 10^k (k <= 6); the
  // text must be the same as the shortest-digits search would give.
  std::mt19937_64 rng(7);
  Column c;
  c.type = Type::Float64;
  std::vector<double> vals;
  for (int i = 0; i < 200000; ++i) {
    double x;
    switch (i % 5) {
      case 0: x = static_cast<double>(static_cast<int64_t>(rng() % 100000)) / 1000.0; break;
      case 1: x = std::round(static_cast<double>(rng()) / 1.8e19 * 1e6) / 1e4 - 50; break;
      case 2: {
        uint64_t bits = rng();
        std::memcpy(&x, &bits, 8);
        if (!std::isfinite(x)) x = 1.5;
        break;
      }
      case 3: x = static_cast<double>(rng() % 1000000000) * (i % 2 ? 1 : -1); break;
      default: x = static_cast<double>(rng()) / 1.8e19 * std::pow(10.0, static_cast<int>(rng() % 20) - 10);
    }
    vals.push_back(x);
    c.append_double(x);
  }
  for (double x : {0.1, 0.2, 0.3, 1e-7, 123456.789, 999999.9999995, -0.0, 0.0, 1e9, 100000.0, 7.416, 42.674})
    vals.push_back(x), c.append_double(x);
  Batch b;
  b.add_column("x", std::move(c));
  b.rows = static_cast<int64_t>(vals.size());
  std::string out;
  encode_delimited(b, ',', out);
  size_t pos = 0, bad = 0;
  for (double x : vals) {
    size_t e = out.find('\n', pos);
    std::string got = out.substr(pos, e - pos);
    pos = e + 1;
    char buf[64];
    std::string want(buf, std::to_chars(buf, buf + 64, x).ptr);
    if (want.find_first_of(".en") == std::string::npos) want += ".0";
    if (got != want && bad++ < 5) CHECK(got == want);
  }
  CHECK(bad == 0);
}

TEST_CASE("write_batches(n, make): batches made in parallel are written in order") {
  Output out(Output::Memory{});
  auto w = make_writer(Format::Csv, out);
  std::string want = "x\n";
  for (int k = 0; k < 200; ++k) want += std::to_string(k) + ".5\n";
  CHECK(write_batches(*w, 200, [](size_t k) { return one_float(static_cast<double>(k) + 0.5); }) == 200);
  w->finish();
  CHECK(out.take() == want);
}

TEST_CASE("write_batches(n, make): the first failing batch in order is thrown, after the ones before it") {
  // Batch 7 fails at once; batch 3 fails only after a wait, so it fails later in time
  // but first in order: its error is the one thrown, with batches 0-2 written.
  for (int round = 0; round < 20; ++round) {
    Output out(Output::Memory{});
    auto w = make_writer(Format::Csv, out);
    std::string error;
    try {
      write_batches(*w, 40, [](size_t k) {
        if (k == 3) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          throw Error("batch 3");
        }
        if (k == 7) throw Error("batch 7");
        return one_float(static_cast<double>(k));
      });
    } catch (const Error& e) {
      error = e.what();
    }
    CHECK(error == "batch 3");
    CHECK(out.take() == "x\n0.0\n1.0\n2.0\n");
  }
}

TEST_CASE("write_batches(n, make): a batch the writer refuses is an error in order too") {
  // CSV: a field the header lacks, in batch 2.
  Output out(Output::Memory{});
  auto w = make_writer(Format::Csv, out);
  std::string error;
  try {
    write_batches(*w, 5, [](size_t k) { return k == 2 ? strings({"late"}, "y") : one_float(1.0); });
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK(error.find("field 'y' first appears after the CSV header was written") != std::string::npos);
  CHECK(out.take() == "x\n1.0\n1.0\n");
}
