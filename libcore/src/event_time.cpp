#include "bk/event_time.hpp"

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

// Rows' block-relative lines, for messages.
int64_t line_of(const Batch& b, int64_t i) { return static_cast<int64_t>(b.lines.size()) > i ? b.lines[i] : 0; }

// A record without its event time: b.error at row i.
bool no_time(Batch& b, const EventTimeOptions& o, const std::string& name, int64_t i, const std::string& what) {
  b.error = std::make_exception_ptr(
      Error(concat(name, ": ", what, " (", o.need, " each record's event time)"),
            concat("fix the record, or leave such records out with --where 'parse_time(", name, ") is not null'"))
          .at(b.source, line_of(b, i)));
  return false;
}

}  // namespace

bool read_event_times(Batch& b, const EventTimeOptions& o, std::vector<int64_t>& times) {
  int64_t tc = o.field.empty() ? b.time_field : b.find(o.field);
  if (tc < 0 && o.field.empty())
    throw Error::usage(concat(o.need, " the event time, and ", b.source, " has no event-time field marked"),
                       o.name_hint);
  if (tc < 0 && b.rows == 0) return true;
  if (tc < 0 && !b.first_block) return no_time(b, o, o.field, 0, "no event time");  // records without the field
  if (tc < 0) {  // not in the first records of an input: a typo, most likely
    std::string near = likely_typo_of(o.field, b.names);
    throw Error::usage(concat(o.flag, ": no field '", o.field, "' in ", b.source),
                       near.empty() ? "name the event-time field" : concat("did you mean '", near, "'?"));
  }
  const Column& c = b.columns[tc];
  const std::string& name = b.names[tc];
  times.resize(b.rows);
  const TimeZone& tz = o.tz ? *o.tz : TimeZone::utc();
  for (int64_t i = 0; i < b.rows; ++i) {
    auto fail = [&](const std::string& what) { return no_time(b, o, name, i, what); };
    if (!c.valid.get(i)) return fail("no event time");
    if (c.type == Type::Timestamp) {
      times[i] = c.ints[i];
    } else if (c.type == Type::String) {
      if (!parse_timestamp(c.str(i), tz, times[i]))
        return fail(concat("'", sanitize_utf8(c.str(i).substr(0, 64)), "' is not a time"));
    } else {
      throw Error::usage(concat(o.flag, ": ", name, " is ", type_name(c.type), " in ", b.source,
                                ", not a timestamp or an RFC 3339 text"),
                         "for epoch numbers, type it first: bk-ingest --time FIELD --time-unit s|ms|us|ns");
    }
  }
  return true;
}

}  // namespace bk
