// What the NDJSON reader (ndjson.cpp) and bk-ingest's flattening (ingest.cpp) share:
// one JSON value appended to a column, with the readers' widening rules.
#pragma once

#include <simdjson.h>

#include "bk/batch.hpp"

namespace bk {

// Numbers: int64 (unsigned ones beyond it as float64) or float64; strings, booleans,
// null; arrays and objects as their minified JSON text (type json).
void append_json_value(Column& col, simdjson::dom::element v);

}  // namespace bk
