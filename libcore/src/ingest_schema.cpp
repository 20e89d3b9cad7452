// bk-ingest's schemas: the --schema file, --field flags, and --print-schema's output
// (which --schema reads back).
#include <simdjson.h>

#include <cmath>

#include "bk/error.hpp"
#include "bk/ingest.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"

namespace bk {

const FieldSpec* Schema::find(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

const char* kTypeList = "bool, int64, float64, string, timestamp or json";

Type field_type(std::string_view name, const std::string& where) {
  Type t;
  if (!parse_type_name(name, t) || t == Type::Null)
    throw Error::usage(concat(where, ": unknown type '", name, "'"), concat("use ", kTypeList));
  return t;
}

// A bound (min/max) of a field: a number, or for timestamps an RFC 3339 time.
double bound(simdjson::dom::element v, Type type, const std::string& where) {
  double d;
  int64_t i;
  if (type == Type::Timestamp && v.is_string()) {
    int64_t us;
    std::string_view s = v.get_string().value_unsafe();
    if (!parse_timestamp(s, TimeZone::utc(), us))
      throw Error::usage(concat(where, ": '", s, "' is not a time"), "write it as RFC 3339: 2026-01-01T00:00:00Z");
    return static_cast<double>(us);
  }
  if (!v.get_double().get(d)) return d;
  if (!v.get_int64().get(i)) return static_cast<double>(i);
  throw Error::usage(concat(where, ": must be a number", type == Type::Timestamp ? " or an RFC 3339 time" : ""));
}

}  // namespace

Schema parse_schema(std::string_view json, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(json);
  simdjson::dom::element root;
  auto fail = [&](const std::string& what) {
    return Error::usage(concat(source, ": ", what),
                        "a schema is {\"fields\":[{\"name\":\"ts\",\"type\":\"timestamp\",\"required\":true}, ...], "
                        "\"time_field\":\"ts\"}; bk-ingest --print-schema writes one");
  };
  if (parser.parse(text).get(root)) throw fail("not valid JSON");
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw fail("not a JSON object");
  Schema s;
  simdjson::dom::array fields;
  if (obj["fields"].get_array().get(fields)) throw fail("no \"fields\" array");
  for (auto f : fields) {
    simdjson::dom::object fo;
    if (f.get_object().get(fo)) throw fail("each field must be an object");
    FieldSpec spec;
    std::string_view name, type;
    if (fo["name"].get_string().get(name)) throw fail("a field without a \"name\"");  // "" is a name (JSON allows it)
    spec.name = std::string(name);
    std::string where = concat(source, ": field '", spec.name, "'");
    if (s.find(spec.name)) throw Error::usage(concat(where, " is listed twice"), "list each field once");
    if (fo["type"].get_string().get(type)) throw Error::usage(concat(where, ": no \"type\""), concat("use ", kTypeList));
    spec.type = field_type(type, where);
    for (auto kv : fo) {
      std::string_view key = kv.key;
      if (key == "name" || key == "type") continue;
      if (key == "required") {
        if (kv.value.get_bool().get(spec.required))
          throw Error::usage(concat(where, ": \"required\" must be true or false"));
      } else if (key == "min" || key == "max") {
        if (spec.type != Type::Int64 && spec.type != Type::Float64 && spec.type != Type::Timestamp)
          throw Error::usage(concat(where, ": \"", key, "\" applies to int64, float64 and timestamp fields"));
        double b = bound(kv.value, spec.type, concat(where, ": \"", key, "\""));
        (key == "min" ? spec.min : spec.max) = b;
      } else if (key == "values") {
        simdjson::dom::array vals;
        if (kv.value.get_array().get(vals))
          throw Error::usage(concat(where, ": \"values\" must be an array"), "\"values\": [\"ok\", \"error\"]");
        for (auto v : vals) {
          std::string t;
          if (v.is_string()) t = std::string(v.get_string().value_unsafe());
          else if (v.is_int64()) append_int(t, v.get_int64().value_unsafe());
          else if (v.is_bool()) t = v.get_bool().value_unsafe() ? "true" : "false";
          else throw Error::usage(concat(where, ": \"values\" may hold strings, integers and booleans"));
          // Compared with a value's text, and written back unquoted: it must be one.
          int64_t iv;
          double dv;
          if (spec.type == Type::Int64) {
            if (parse_number(t, iv, dv) != NumberKind::Int)
              throw Error::usage(concat(where, ": \"values\": '", t, "' is not an int64"), "\"values\": [1, 2, 3]");
            t.clear();
            append_int(t, iv);
          } else if (spec.type == Type::Bool && t != "true" && t != "false") {
            throw Error::usage(concat(where, ": \"values\": '", t, "' is not a bool"), "\"values\": [true]");
          }
          spec.values.push_back(std::move(t));
        }
      } else {
        throw Error::usage(concat(where, ": unknown key \"", key, "\""),
                           "a field may have name, type, required, min, max and values");
      }
    }
    if (spec.min && spec.max && *spec.min > *spec.max)
      throw Error::usage(concat(where, ": \"min\" is greater than \"max\""));
    s.fields.push_back(std::move(spec));
  }
  std::string_view tf;
  auto tfe = obj["time_field"];
  if (!tfe.error() && !tfe.is_null()) {
    if (tfe.get_string().get(tf)) throw fail("\"time_field\" must be a field name or null");
    s.time_field = std::string(tf);
    const FieldSpec* f = s.find(s.time_field);
    if (f && f->type != Type::Timestamp)
      throw Error::usage(concat(source, ": the time field '", s.time_field, "' has type ", type_name(f->type)),
                         "declare it as \"timestamp\"");
  }
  for (auto kv : obj)
    if (kv.key != "fields" && kv.key != "time_field")
      throw fail(concat("unknown key \"", kv.key, "\""));
  return s;
}

FieldSpec parse_field_flag(const std::string& text) {
  auto usage = [&](const std::string& what) {
    return Error::usage(concat("--field '", text, "': ", what),
                        concat("write NAME:TYPE or NAME:TYPE:required; TYPE is ", kTypeList));
  };
  size_t c1 = text.find(':');
  if (c1 == std::string::npos || c1 == 0) throw usage("expected NAME:TYPE");
  FieldSpec f;
  f.name = text.substr(0, c1);
  size_t c2 = text.find(':', c1 + 1);
  std::string type = text.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
  Type t;
  if (!parse_type_name(type, t) || t == Type::Null) throw usage(concat("unknown type '", type, "'"));
  f.type = t;
  if (c2 != std::string::npos) {
    if (text.substr(c2 + 1) != "required") throw usage(concat("'", text.substr(c2 + 1), "' is not 'required'"));
    f.required = true;
  }
  return f;
}

std::string schema_json(const Schema& s) {
  std::string out = "{\"fields\": [\n";
  for (size_t k = 0; k < s.fields.size(); ++k) {
    const auto& f = s.fields[k];
    out += "  {\"name\": ";
    append_json_string(out, f.name);
    out += ", \"type\": \"";
    out += type_name(f.type);
    out += '"';
    if (f.required) out += ", \"required\": true";
    for (int m = 0; m < 2; ++m) {
      const auto& b = m == 0 ? f.min : f.max;
      if (!b) continue;
      out += m == 0 ? ", \"min\": " : ", \"max\": ";
      if (f.type == Type::Timestamp) {
        out += '"';
        append_timestamp(out, static_cast<int64_t>(*b));
        out += '"';
      } else if (f.type == Type::Int64 && std::fabs(*b) < 9e15) {
        append_int(out, static_cast<int64_t>(*b));
      } else {
        append_double(out, *b);
      }
    }
    if (!f.values.empty()) {
      out += ", \"values\": [";
      for (size_t v = 0; v < f.values.size(); ++v) {
        if (v) out += ", ";
        if (f.type == Type::Int64 || f.type == Type::Bool) out += f.values[v];
        else append_json_string(out, f.values[v]);
      }
      out += ']';
    }
    out += k + 1 < s.fields.size() ? "},\n" : "}\n";
  }
  out += "], \"time_field\": ";
  if (s.time_field.empty()) out += "null";
  else append_json_string(out, s.time_field);
  out += "}\n";
  return out;
}

EpochUnit parse_epoch_unit(const std::string& text) {
  if (text == "s") return EpochUnit::Seconds;
  if (text == "ms") return EpochUnit::Millis;
  if (text == "us") return EpochUnit::Micros;
  if (text == "ns") return EpochUnit::Nanos;
  throw Error::usage(concat("--time-unit: '", text, "' is not a unit"), "use s, ms, us or ns");
}

}  // namespace bk
