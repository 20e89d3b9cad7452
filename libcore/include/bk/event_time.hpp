// The event time of records: the field a chunk file marks as its event time, or one
// named on the command line, read as timestamps (RFC 3339 text is parsed, times
// without an offset are local in a zone). bk-aggregate (--window, first, last) and
// bk-partition (--by time:UNIT) need every record's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bk/batch.hpp"
#include "bk/time.hpp"

namespace bk {

struct EventTimeOptions {
  std::string field;             // the field; "": the one the input marks as its event time
  std::string flag;              // where `field` was named, for messages: "--time"
  std::string need;              // what needs the times, for messages: "--window needs"
  std::string name_hint;         // how to name a field when the input marks none
  const TimeZone* tz = nullptr;  // the zone of times without an offset; null: UTC
};

// Fills times[i] with row i's event time (µs since the epoch, UTC). A field missing
// from the first block of an input (a typo, most likely), or of a type that holds no
// times, is a usage error naming the input. A record without a time (null, text that
// is no time, or a later block without the field) stops it: it returns false with
// b.error set to a data error at that record's line (block-relative, as the pipeline
// wants it); the rows before it are left as they are.
bool read_event_times(Batch& b, const EventTimeOptions& o, std::vector<int64_t>& times);

}  // namespace bk
