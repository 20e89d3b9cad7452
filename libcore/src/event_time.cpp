#include "bk/event_time.hpp"

#include "bk/error.hpp"
#include "bk/text.hpp"

namespace bk {

namespace {

// Rows' block-relative lines, for messages.
int64_t line_of(const Batch& b, int64_t i) { return static_cast<int64_t>(b.lines.size()) > i ? b.lines[i] : 0; }

// The column of the event time; -1 for a batch without rows that lacks the named field.
int64_t event_time_column(const Batch& b, const EventTimeOptions& o) {
  int64_t tc = o.field.empty() ? b.time_field : b.find(o.field);
  if (tc >= 0) return tc;
  if (o.field.empty())
    throw Error::usage(concat(o.need, " the event time, and ", b.source, " has no event-time field marked"),
                       o.name_hint);
  if (b.rows == 0) return -1;
  std::string near = likely_typo_of(o.field, b.names);
  throw Error::usage(concat(o.flag, ": no field '", o.field, "' in ", b.source),
                     near.empty() ? "name the event-time field" : concat("did you mean '", near, "'?"));
}

}  // namespace

bool read_event_times(Batch& b, const EventTimeOptions& o, std::vector<int64_t>& times) {
  int64_t tc = event_time_column(b, o);
  if (tc < 0) return true;
  const Column& c = b.columns[tc];
  const std::string& name = b.names[tc];
  times.resize(b.rows);
  const TimeZone& tz = o.tz ? *o.tz : TimeZone::utc();
  for (int64_t i = 0; i < b.rows; ++i) {
    auto fail = [&](const std::string& what) {
      b.error = std::make_exception_ptr(
          Error(concat(name, ": ", what, " (", o.need, " each record's event time)"),
                concat("fix the record, or leave such records out with --where 'parse_time(", name, ") is not null'"))
              .at(b.source, line_of(b, i)));
      return false;
    };
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
