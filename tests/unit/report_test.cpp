// libcore/src/report*.cpp: bk-report's flag parsing, number formatting, ordering of
// cells, nice axis ticks.
#include "bk/report.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bk/error.hpp"
#include "report_internal.hpp"

using namespace bk;

TEST_CASE("parse_report_format") {
  CHECK(parse_report_format("text") == ReportFormat::Text);
  CHECK(parse_report_format("md") == ReportFormat::Markdown);
  CHECK(parse_report_format("markdown") == ReportFormat::Markdown);
  CHECK(parse_report_format("html") == ReportFormat::Html);
  CHECK_THROWS_AS(parse_report_format("pdf"), Error);
}

TEST_CASE("parse_sort_keys: a leading '-' sorts descending") {
  auto k = parse_sort_keys("-bill, region");
  REQUIRE(k.size() == 2);
  CHECK(k[0].field == "bill");
  CHECK(k[0].descending);
  CHECK(k[1].field == "region");
  CHECK_FALSE(k[1].descending);
  CHECK_THROWS_AS(parse_sort_keys("-"), Error);
  CHECK_THROWS_AS(parse_sort_keys("a,,b"), Error);
}

TEST_CASE("parse_chart_spec") {
  auto c = parse_chart_spec("line:x=month,y=kwh,series=region,title=Use per month");
  CHECK(c.kind == ChartSpec::Kind::Line);
  CHECK(c.x == "month");
  CHECK(c.y == "kwh");
  CHECK(c.series == "region");
  CHECK(c.title == "Use per month");
  auto b = parse_chart_spec("bar:x=region,y=bill");
  CHECK(b.kind == ChartSpec::Kind::Bar);
  CHECK(b.series.empty());
  CHECK_THROWS_AS(parse_chart_spec("pie:x=a,y=b"), Error);
  CHECK_THROWS_AS(parse_chart_spec("line"), Error);
  CHECK_THROWS_AS(parse_chart_spec("line:x=a"), Error);
  CHECK_THROWS_AS(parse_chart_spec("line:x=a,y="), Error);
  CHECK_THROWS_AS(parse_chart_spec("line:x=a,y=b,color=red"), Error);
}

TEST_CASE("format_number and format_int") {
  using report::format_int;
  using report::format_number;
  CHECK(format_number(1234567.891, 2, true) == "1,234,567.89");
  CHECK(format_number(1234567.891, 2, false) == "1234567.89");
  CHECK(format_number(-1234.5, 0, true) == "-1,234");  // ties to even: 1234.5 -> 1234
  CHECK(format_number(-0.001, 2, false) == "0.00");    // no "-0.00"
  CHECK(format_number(7.999, 3, false) == "7.999");
  CHECK(format_number(0.5, 4, false) == "0.5000");
  CHECK(format_number(999.5, 0, true) == "1,000");
  CHECK(format_number(0.0 / 0.0, 2, false) == "nan");
  CHECK(format_number(-1.0 / 0.0, 2, false) == "-inf");
  CHECK(format_int(-9876543210, true) == "-9,876,543,210");
  CHECK(format_int(-100, true) == "-100");
  CHECK(format_int(999, true) == "999");
  CHECK(format_int(1000, true) == "1,000");
}

TEST_CASE("compare_cells: numbers as numbers, text numbers before text, nulls last") {
  Column s;
  for (const char* v : {"10", "9", "abc", "1e2", "Abc"}) s.append_string(v);
  s.append_null();
  using report::compare_cells;
  CHECK(compare_cells(s, 1, 0) < 0);  // 9 < 10
  CHECK(compare_cells(s, 0, 3) < 0);  // 10 < 1e2
  CHECK(compare_cells(s, 3, 2) < 0);  // numbers before text
  CHECK(compare_cells(s, 4, 2) < 0);  // text bytewise: "Abc" < "abc"
  CHECK(compare_cells(s, 5, 2) > 0);  // null after everything
  CHECK(compare_cells(s, 5, 5) == 0);
  Column f;
  f.append_double(2.5);
  f.append_int(3);
  f.append_double(-1);
  CHECK(compare_cells(f, 0, 1) < 0);
  CHECK(compare_cells(f, 2, 0) < 0);
}

TEST_CASE("nice_ticks: 1, 2 or 5 times a power of ten, covering the range") {
  CHECK(nice_ticks(0, 10, 6) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(nice_ticks(0.583, 12.5, 6) == std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14});
  CHECK(nice_ticks(-3, 7, 5) == std::vector<double>{-4, -2, 0, 2, 4, 6, 8});
  CHECK(nice_ticks(0, 1000000, 4) == std::vector<double>{0, 500000, 1000000});
  auto small = nice_ticks(0.1, 0.35, 5);
  REQUIRE(small.size() == 6);
  CHECK(small.front() == doctest::Approx(0.1));
  CHECK(small[1] - small[0] == doctest::Approx(0.05));
  CHECK(small.back() == doctest::Approx(0.35));
}
