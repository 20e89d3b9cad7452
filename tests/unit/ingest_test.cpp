// libcore/src/ingest_schema.cpp: schema files, --field flags, --print-schema's JSON
// and epoch units; and libcore/src/ingest.cpp end to end where a value's type in its
// block must not change the result (epoch times, int64 fields, --dedup).
#include "bk/ingest.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "bk/error.hpp"
#include "bk/time.hpp"
#include "helpers.hpp"

using namespace bk;
using namespace bk::test;
using Strings = std::vector<std::string>;

namespace {

// The bk::Error that f throws (fails the test when it throws none).
Error thrown(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error thrown");
  return Error("");
}

int64_t micros(const char* rfc3339) {
  int64_t us = 0;
  REQUIRE(parse_timestamp(rfc3339, TimeZone::utc(), us));
  return us;
}

// Field by field, bounds and values included.
void check_same(const Schema& a, const Schema& b) {
  CHECK(a.time_field == b.time_field);
  REQUIRE(a.fields.size() == b.fields.size());
  for (size_t k = 0; k < a.fields.size(); ++k) {
    CAPTURE(a.fields[k].name);
    CHECK(a.fields[k].name == b.fields[k].name);
    CHECK(a.fields[k].type == b.fields[k].type);
    CHECK(a.fields[k].required == b.fields[k].required);
    CHECK(a.fields[k].min == b.fields[k].min);
    CHECK(a.fields[k].max == b.fields[k].max);
    CHECK(a.fields[k].values == b.fields[k].values);
  }
}

// Runs bk-ingest over `files` (name, content) to NDJSON; returns the output, and the
// rejects file's text in `rejects` when given.
std::string ingest(const std::vector<std::pair<std::string, std::string>>& files, IngestOptions o, int threads = 1,
                   int64_t block_bytes = 1 << 20, std::string* rejects = nullptr) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, threads);
  TempDir dir;
  for (const auto& [name, text] : files) o.inputs.push_back(dir.write(name, text));
  o.output = dir / "out.ndjson";
  o.output_format = Format::Ndjson;
  if (rejects) o.rejects = dir / "rejects.ndjson";
  Context ctx;
  ctx.threads = threads;
  ctx.block_bytes = block_bytes;
  run_ingest(ctx, o);
  if (rejects) *rejects = slurp(o.rejects);
  return slurp(o.output);
}

}  // namespace

TEST_SUITE_BEGIN("ingest");

TEST_CASE("parse_schema: every key") {
  Schema s = parse_schema(R"({"fields": [
    {"name": "ts", "type": "timestamp", "required": true, "min": "2026-01-01T00:00:00+01:00", "max": 1798761600000000},
    {"name": "value", "type": "float64", "min": -0.5, "max": 1e300},
    {"name": "count", "type": "int", "required": false, "min": -5, "max": 5, "values": [1, "2", 3]},
    {"name": "status", "type": "string", "values": ["ok", "error", 7, true]},
    {"name": "on", "type": "bool", "values": [true, "false"]},
    {"name": "payload", "type": "json"},
    {"name": "ratio", "type": "double"}
  ], "time_field": "ts"})",
                          "s.json");
  CHECK(s.time_field == "ts");
  REQUIRE(s.fields.size() == 7);
  const FieldSpec& ts = s.fields[0];
  CHECK(ts.name == "ts");
  CHECK(ts.type == Type::Timestamp);
  CHECK(ts.required);
  CHECK(*ts.min == static_cast<double>(micros("2025-12-31T23:00:00Z")));
  CHECK(*ts.max == static_cast<double>(micros("2027-01-01T00:00:00Z")));
  CHECK(s.fields[1].type == Type::Float64);
  CHECK(*s.fields[1].min == -0.5);
  CHECK(*s.fields[1].max == 1e300);
  CHECK(s.fields[2].type == Type::Int64);  // "int" is int64
  CHECK_FALSE(s.fields[2].required);
  CHECK(s.fields[2].values == Strings{"1", "2", "3"});
  CHECK(s.fields[3].values == Strings{"ok", "error", "7", "true"});
  CHECK(s.fields[4].values == Strings{"true", "false"});
  CHECK(s.fields[5].type == Type::Json);
  CHECK_FALSE(s.fields[5].min);
  CHECK(s.fields[6].type == Type::Float64);  // "double" too
  CHECK(s.find("value") == &s.fields[1]);
  CHECK(s.find("nope") == nullptr);
}

TEST_CASE("parse_schema: no time field, an empty field list") {
  CHECK(parse_schema(R"({"fields": []})", "s").time_field.empty());
  CHECK(parse_schema(R"({"fields": [], "time_field": null})", "s").fields.empty());
  // A time field the schema does not list: --time-like, typed as the run goes.
  CHECK(parse_schema(R"({"fields": [], "time_field": "at"})", "s").time_field == "at");
}

TEST_CASE("parse_schema: mistakes are usage errors naming the file and the field") {
  const std::string shape =
      " (a schema is {\"fields\":[{\"name\":\"ts\",\"type\":\"timestamp\",\"required\":true}, ...], "
      "\"time_field\":\"ts\"}; bk-ingest --print-schema writes one)";
  struct Case {
    const char* json;
    std::string error;
  } cases[] = {
      {"{\"fields\": [", "s.json: not valid JSON" + shape},
      {"[]", "s.json: not a JSON object" + shape},
      {"{}", "s.json: no \"fields\" array" + shape},
      {R"({"fields": ["v"]})", "s.json: each field must be an object" + shape},
      {R"({"fields": [{"type": "int64"}]})", "s.json: a field without a \"name\"" + shape},
      {R"({"fields": [{"name": "v"}]})",
       "s.json: field 'v': no \"type\" (use bool, int64, float64, string, timestamp or json)"},
      {R"({"fields": [{"name": "v", "type": "integer"}]})",
       "s.json: field 'v': unknown type 'integer' (use bool, int64, float64, string, timestamp or json)"},
      {R"({"fields": [{"name": "v", "type": "null"}]})",
       "s.json: field 'v': unknown type 'null' (use bool, int64, float64, string, timestamp or json)"},
      {R"({"fields": [{"name": "v", "type": "int64"}, {"name": "v", "type": "int64"}]})",
       "s.json: field 'v' is listed twice (list each field once)"},
      {R"({"fields": [{"name": "v", "type": "int64", "requried": true}]})",
       "s.json: field 'v': unknown key \"requried\" (a field may have name, type, required, min, max and values)"},
      {R"({"fields": [{"name": "v", "type": "int64", "required": 1}]})",
       "s.json: field 'v': \"required\" must be true or false"},
      {R"({"fields": [{"name": "v", "type": "int64", "min": 5, "max": 1}]})",
       "s.json: field 'v': \"min\" is greater than \"max\""},
      {R"({"fields": [{"name": "v", "type": "string", "max": 1}]})",
       "s.json: field 'v': \"max\" applies to int64, float64 and timestamp fields"},
      {R"({"fields": [{"name": "v", "type": "int64", "min": "one"}]})", "s.json: field 'v': \"min\": must be a number"},
      {R"({"fields": [{"name": "v", "type": "timestamp", "min": true}]})",
       "s.json: field 'v': \"min\": must be a number or an RFC 3339 time"},
      {R"({"fields": [{"name": "v", "type": "timestamp", "max": "2026-02-30"}]})",
       "s.json: field 'v': \"max\": '2026-02-30' is not a time (write it as RFC 3339: 2026-01-01T00:00:00Z)"},
      {R"({"fields": [{"name": "v", "type": "string", "values": "ok"}]})",
       "s.json: field 'v': \"values\" must be an array (\"values\": [\"ok\", \"error\"])"},
      {R"({"fields": [{"name": "v", "type": "float64", "values": [1.5]}]})",
       "s.json: field 'v': \"values\" may hold strings, integers and booleans"},
      {R"({"fields": [{"name": "v", "type": "int64", "values": [1, "x"]}]})",
       "s.json: field 'v': \"values\": 'x' is not an int64 (\"values\": [1, 2, 3])"},
      {R"({"fields": [{"name": "v", "type": "bool", "values": ["yes"]}]})",
       "s.json: field 'v': \"values\": 'yes' is not a bool (\"values\": [true])"},
      {R"({"fields": [{"name": "v", "type": "int64"}], "time_field": "v"})",
       "s.json: the time field 'v' has type int64 (declare it as \"timestamp\")"},
      {R"({"fields": [], "time_field": 1})", "s.json: \"time_field\" must be a field name or null" + shape},
      {R"({"fields": [], "timefield": "ts"})", "s.json: unknown key \"timefield\"" + shape},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    Error e = thrown([&] { parse_schema(c.json, "s.json"); });
    CHECK(e.kind() == Error::Kind::Usage);
    CHECK(std::string(e.what()) == c.error);
  }
}

TEST_CASE("parse_field_flag") {
  FieldSpec f = parse_field_flag("value:float64");
  CHECK(f.name == "value");
  CHECK(f.type == Type::Float64);
  CHECK_FALSE(f.required);
  CHECK_FALSE(f.min);
  CHECK(f.values.empty());
  f = parse_field_flag("device:string:required");
  CHECK(f.name == "device");
  CHECK(f.type == Type::String);
  CHECK(f.required);
  CHECK(parse_field_flag("gps.lat:float").type == Type::Float64);
  CHECK(parse_field_flag("n:int").type == Type::Int64);
  CHECK(parse_field_flag("at:timestamp:required").type == Type::Timestamp);
  CHECK(parse_field_flag("on:bool").type == Type::Bool);
  CHECK(parse_field_flag("raw:json").type == Type::Json);

  const std::string hint = " (write NAME:TYPE or NAME:TYPE:required; TYPE is bool, int64, float64, string, timestamp or json)";
  struct Case {
    const char* flag;
    std::string error;
  } cases[] = {
      {"v", "--field 'v': expected NAME:TYPE" + hint},
      {":int64", "--field ':int64': expected NAME:TYPE" + hint},
      {"v:", "--field 'v:': unknown type ''" + hint},
      {"v:integer", "--field 'v:integer': unknown type 'integer'" + hint},
      {"v:Int64", "--field 'v:Int64': unknown type 'Int64'" + hint},
      {"v:null", "--field 'v:null': unknown type 'null'" + hint},
      {"v:int64:", "--field 'v:int64:': '' is not 'required'" + hint},
      {"v:int64:req", "--field 'v:int64:req': 'req' is not 'required'" + hint},
      {"v:int64:required:x", "--field 'v:int64:required:x': 'required:x' is not 'required'" + hint},
  };
  for (const auto& c : cases) {
    CAPTURE(c.flag);
    Error e = thrown([&] { parse_field_flag(c.flag); });
    CHECK(e.kind() == Error::Kind::Usage);
    CHECK(std::string(e.what()) == c.error);
  }
}

TEST_CASE("schema_json: the text, and parse_schema reads it back the same") {
  Schema s;
  FieldSpec ts;
  ts.name = "ts";
  ts.type = Type::Timestamp;
  ts.required = true;
  ts.min = static_cast<double>(micros("2026-01-01T00:00:00Z"));
  ts.max = static_cast<double>(micros("2026-12-31T23:59:59.5Z"));
  FieldSpec v;
  v.name = "value";
  v.type = Type::Float64;
  v.min = -0.1;
  v.max = 1e300;
  FieldSpec n;
  n.name = "count";
  n.type = Type::Int64;
  n.min = -5;
  n.max = 1e16;  // past 2^53: written as a float
  n.values = {"1", "2"};
  FieldSpec st;
  st.name = "a \"quoted\" name";
  st.type = Type::String;
  st.values = {"ok", "say \"hi\"", "ü"};
  FieldSpec b;
  b.name = "on";
  b.type = Type::Bool;
  b.values = {"true"};
  FieldSpec j;
  j.name = "payload";
  j.type = Type::Json;
  s.fields = {ts, v, n, st, b, j};
  s.time_field = "ts";

  std::string text = schema_json(s);
  CHECK(text ==
        "{\"fields\": [\n"
        "  {\"name\": \"ts\", \"type\": \"timestamp\", \"required\": true, \"min\": \"2026-01-01T00:00:00Z\", "
        "\"max\": \"2026-12-31T23:59:59.500Z\"},\n"
        "  {\"name\": \"value\", \"type\": \"float64\", \"min\": -0.1, \"max\": 1e+300},\n"
        "  {\"name\": \"count\", \"type\": \"int64\", \"min\": -5, \"max\": 1e+16, \"values\": [1, 2]},\n"
        "  {\"name\": \"a \\\"quoted\\\" name\", \"type\": \"string\", \"values\": [\"ok\", \"say \\\"hi\\\"\", \"ü\"]},\n"
        "  {\"name\": \"on\", \"type\": \"bool\", \"values\": [true]},\n"
        "  {\"name\": \"payload\", \"type\": \"json\"}\n"
        "], \"time_field\": \"ts\"}\n");
  Schema back = parse_schema(text, "printed");
  check_same(s, back);
  CHECK(schema_json(back) == text);

  // No fields, no time field.
  Schema empty;
  CHECK(schema_json(empty) == "{\"fields\": [\n], \"time_field\": null}\n");
  check_same(empty, parse_schema(schema_json(empty), "printed"));
}

TEST_CASE("schema_json round trip: what parse_schema reads, it writes back to the same schema") {
  const char* files[] = {
      R"({"fields": [{"name": "ts", "type": "timestamp", "min": 0, "max": "2100-01-01T00:00:00.000001Z"}], "time_field": "ts"})",
      R"({"fields": [{"name": "n", "type": "int64", "min": -9007199254740991, "max": 9007199254740991, "values": ["-3", 0]}]})",
      R"({"fields": [{"name": "x", "type": "float64", "min": 5e-324, "max": 0.30000000000000004}]})",
      R"({"fields": [{"name": "tab\there", "type": "string", "required": true, "values": ["", "\u0001"]}]})",
  };
  for (const char* f : files) {
    CAPTURE(f);
    Schema s = parse_schema(f, "s");
    std::string once = schema_json(s);
    Schema back = parse_schema(once, "printed");
    check_same(s, back);
    CHECK(schema_json(back) == once);
  }
}

TEST_CASE("parse_epoch_unit") {
  CHECK(parse_epoch_unit("s") == EpochUnit::Seconds);
  CHECK(parse_epoch_unit("ms") == EpochUnit::Millis);
  CHECK(parse_epoch_unit("us") == EpochUnit::Micros);
  CHECK(parse_epoch_unit("ns") == EpochUnit::Nanos);
  for (const char* bad : {"", "S", "sec", "seconds", "µs", "m", "ns "}) {
    CAPTURE(bad);
    Error e = thrown([&] { parse_epoch_unit(bad); });
    CHECK(e.kind() == Error::Kind::Usage);
    CHECK(std::string(e.what()) == concat("--time-unit: '", bad, "' is not a unit (use s, ms, us or ns)"));
  }
}

TEST_CASE("epoch units: the times of actual values") {
  // Each value as an integer (a block of integers), as a float (a block that also
  // holds fractions), and as text: the same time every way.
  struct Case {
    const char* unit;
    const char* value;
    const char* time;
  } cases[] = {
      {"s", "1772366400", "2026-03-01T12:00:00Z"},
      {"s", "0", "1970-01-01T00:00:00Z"},
      {"s", "-1", "1969-12-31T23:59:59Z"},
      {"s", "951782400", "2000-02-29T00:00:00Z"},
      {"ms", "1772366400123", "2026-03-01T12:00:00.123Z"},
      {"ms", "-1", "1969-12-31T23:59:59.999Z"},
      {"us", "1772366400123456", "2026-03-01T12:00:00.123456Z"},
      {"us", "-1", "1969-12-31T23:59:59.999999Z"},
      {"ns", "1772366400123456789", "2026-03-01T12:00:00.123456Z"},  // cut to µs
      {"ns", "1500", "1970-01-01T00:00:00.000001Z"},
      {"ns", "-1", "1969-12-31T23:59:59.999999Z"},  // floored, not cut toward zero
      {"ns", "-1500", "1969-12-31T23:59:59.999998Z"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.unit);
    CAPTURE(c.value);
    IngestOptions o;
    o.time_field = "t";
    o.time_unit = parse_epoch_unit(c.unit);
    std::string expect = concat("{\"t\":\"", c.time, "\"}\n");
    // Integers past 2^53 do not survive a float column; the rest must.
    bool exact_as_float = std::fabs(std::stod(c.value)) < 9007199254740992.0;
    CHECK(ingest({{"a.ndjson", concat("{\"t\":", c.value, "}\n")}}, o) == expect);
    CHECK(ingest({{"a.ndjson", concat("{\"t\":\"", c.value, "\"}\n")}}, o) == expect);
    if (exact_as_float) {
      std::string out = ingest({{"a.ndjson", concat("{\"t\":", c.value, "}\n{\"t\":0.5}\n")}}, o);
      CHECK(out.substr(0, out.find('\n') + 1) == expect);
    }
  }
}

TEST_CASE("epoch units: fractions round to the nearest µs") {
  IngestOptions o;
  o.time_field = "t";
  o.time_unit = EpochUnit::Seconds;
  CHECK(ingest({{"a.ndjson", "{\"t\":1.5}\n{\"t\":-1.25}\n{\"t\":\"0.0000005\"}\n"}}, o) ==
        "{\"t\":\"1970-01-01T00:00:01.500Z\"}\n{\"t\":\"1969-12-31T23:59:58.750Z\"}\n"
        "{\"t\":\"1970-01-01T00:00:00.000001Z\"}\n");
  std::string rejects;
  CHECK(ingest({{"a.ndjson", "{\"t\":1e300}\n{\"t\":\"-1e300\"}\n{\"t\":9223372036855}\n"}}, o, 1, 1 << 20, &rejects) == "");
  CHECK(rejects.find("'1e+300' is out of range for a time") != std::string::npos);
  CHECK(rejects.find("'-1e300' is out of range for a time") != std::string::npos);
  CHECK(rejects.find("'9223372036855' is out of range for a time") != std::string::npos);
}

TEST_CASE("int64 fields: a whole number is an integer whatever else its block holds") {
  IngestOptions o;
  o.schema.fields.push_back(parse_field_flag("n:int64"));
  std::string rejects;
  // "twelve" makes the block's column text; 1 was widened to 1.0 on the way there.
  std::string out = ingest({{"a.ndjson", "{\"n\":1}\n{\"n\":2.5}\n{\"n\":\"twelve\"}\n{\"n\":4.0}\n{\"n\":\"5\"}\n"}}, o, 1,
                           1 << 20, &rejects);
  CHECK(out == "{\"n\":1}\n{\"n\":4}\n{\"n\":5}\n");
  CHECK(std::count(rejects.begin(), rejects.end(), '\n') == 2);
  CHECK(rejects.find("\"line\":2,\"reason\":\"field 'n': '2.5' is not an integer\",\"raw\":\"{\\\"n\\\":2.5}\"}\n") !=
        std::string::npos);
  CHECK(rejects.find("\"line\":3,\"reason\":\"field 'n': 'twelve' is not an integer\"") != std::string::npos);
}

TEST_CASE("--dedup: a whole float is the integer it equals, in any block") {
  IngestOptions o;
  o.dedup = {"k"};
  std::string a = "{\"k\":1}\n{\"k\":0}\n";
  std::string b = "{\"k\":1.5}\n{\"k\":1}\n{\"k\":1.0}\n{\"k\":-0.0}\n{\"k\":2}\n";
  std::string expect = "{\"k\":1}\n{\"k\":0}\n{\"k\":1.5}\n{\"k\":2.0}\n";
  CHECK(ingest({{"a.ndjson", a}, {"b.ndjson", b}}, o) == expect);
  // Tiny blocks type records apart (2 or 2.0): the same four survive.
  std::string tiny = ingest({{"a.ndjson", a}, {"b.ndjson", b}}, o, 4, 16);
  CHECK(tiny.substr(0, 26) == "{\"k\":1}\n{\"k\":0}\n{\"k\":1.5}\n");
  CHECK(std::count(tiny.begin(), tiny.end(), '\n') == 4);
}

TEST_SUITE_END();

TEST_CASE("parse_schema: an empty field name is a name (JSON allows it; --print-schema writes it)") {
  Schema s = parse_schema(R"({"fields": [{"name": "", "type": "int64"}], "time_field": null})", "s.json");
  REQUIRE(s.fields.size() == 1);
  CHECK(s.fields[0].name == "");
  CHECK(s.fields[0].type == Type::Int64);
  CHECK(parse_schema(schema_json(s), "again").fields[0].name == "");
}
