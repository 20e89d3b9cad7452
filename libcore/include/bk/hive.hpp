// Hive-style directory names, `key=value`: how bk-partition names a partition's
// directory after a value, and how --hive reads the values back as fields.
//
// A value's name is safe on any POSIX file system and distinct for distinct values:
//   null                     __null__
//   the empty string         __empty__
//   anything else            its bytes, with every byte that is not an ASCII letter or
//                            digit or one of - _ . + , @ written as %XX (upper-case hex),
//                            except the bytes of non-ASCII characters of valid UTF-8
//                            (but U+0080..U+009F, control characters), which stay;
//                            a leading '.' is written as %2E; a value whose name
//                            would be __null__ or __empty__ gets its first '_'
//                            written as %5F
//   a name over 120 bytes    cut after at most 100 bytes (never inside a %XX or a
//                            character), then '~' and the 16 hex digits of the XXH3-64
//                            (seed 0) of the whole value. '~' is always written as
//                            %7E, so it appears only here
// So no name is empty, '.' or '..', starts with '.', holds '/' or a control character,
// or splits as `key=value` anywhere but at its first '=' ('=' is %3D). A key is named
// the same way, and a leading '_' of a key is written as %5F too, since readers skip
// names starting with '.' or '_' (man 7 bk).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bk/batch.hpp"

namespace bk::hive {

inline constexpr std::string_view kNullName = "__null__";
inline constexpr std::string_view kEmptyName = "__empty__";

// The name of a value (nullopt: null), and of a key.
std::string value_name(std::optional<std::string_view> value);
std::string key_name(std::string_view key);

// The value a name stands for (nullopt: null): %XX decoded (a '%' not followed by two
// hex digits stays as it is); a cut name (with '~') decodes to its prefix with the
// '~' and hash as they are, since the rest of the value is not in the name.
std::optional<std::string> decode_value(std::string_view name);
std::string decode_key(std::string_view name);

// A directory name `key=value` split at its first '=' and decoded; false when the name
// has no '=' or nothing before it.
bool split_name(std::string_view dir_name, std::string& key, std::optional<std::string>& value);

// The key=value directories of a file's path (every component but the last), outermost
// first; a key met twice keeps its outermost value.
std::vector<std::pair<std::string, std::optional<std::string>>> path_keys(std::string_view path);

// The type --hive gives a decoded value: int64 for an optional '-' and decimal digits
// that fit (leading zeros too: bucket=07 is 7), float64 for another finite JSON number
// (1.5, 2e3), bool for true and false, null for null, else string.
Type value_type(const std::optional<std::string>& value);

// --hive: adds the path's keys to `b` as fields (after its own), each holding the
// directory's value in every row, typed by value_type. A key the records have as a
// field already is left out: their own values are exact and typed.
void add_path_fields(Batch& b, std::string_view path);
// The fields add_path_fields would add to a batch with `names`, with their types.
std::vector<std::pair<std::string, Type>> path_fields(std::string_view path, const std::vector<std::string>& names);

}  // namespace bk::hive
