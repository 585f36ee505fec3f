// Private helpers for JSON configuration (Boost.JSON stays a private dependency).
//
// Pattern for a config struct C of an area:
//   void tag_invoke(json::value_from_tag, json::value&, const C&);        // to JSON
//   C tag_invoke(json::value_to_tag<C>, const json::value&);              // from JSON
// The reader starts from C{} (the documented defaults), overrides the keys that
// are present, rejects unknown keys and validates ranges, naming the key path.
#pragma once

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/errors.hpp"
#include "servscore/model.hpp"

namespace servscore::detail {

namespace json = boost::json;

/** Parse text as JSON; a syntax error is a config_error naming where. */
json::value parse_json(std::string_view text, std::string_view what);
/** Compact serialisation. */
std::string dump_json(const json::value& v);
/** A number as people write it ("1.5", "100", "1e-06"), for messages. */
std::string format_number(double x);
/** A JSON value as people write it (numbers via format_number), for messages. */
std::string format_json(const json::value& v);
/** Human-readable type name of a JSON value, for messages. */
const char* json_kind(const json::value& v);

/** Reads one JSON object key by key, tracking which keys were consumed. */
class ObjectReader {
 public:
  /** `path` names the object in messages ("config", "config.indicators[2]"). */
  ObjectReader(const json::value& v, std::string path);

  bool has(std::string_view key) const { return obj_->contains(key); }
  const json::value* raw(std::string_view key);
  std::string key_path(std::string_view key) const { return path_ + "." + std::string(key); }

  /** Read a number into `out` when present, checking lo <= x <= hi. */
  void number(std::string_view key, double& out, double lo = -HUGE_VAL, double hi = HUGE_VAL);
  /** Read an integer into `out` when present, checking lo <= x <= hi. */
  void integer(std::string_view key, long long& out, long long lo, long long hi);
  void integer(std::string_view key, int& out, int lo, int hi);
  /** Read a seed: any integer in [0, 2^64). */
  void seed(std::string_view key, std::uint64_t& out);
  void boolean(std::string_view key, bool& out);
  void string(std::string_view key, std::string& out);
  /** Read an enum by its stable name. */
  template <class E>
  void enumeration(std::string_view key, E& out) {
    if (const json::value* v = raw(key)) {
      if (!v->is_string()) throw config_error(key_path(key) + ": expected a string, got " + json_kind(*v));
      try {
        out = parse<E>(std::string_view(v->as_string()));
      } catch (const config_error& e) {
        throw config_error(key_path(key) + ": " + e.what());
      }
    }
  }
  /** Throw config_error if any key was not consumed. */
  void finish() const;

 private:
  const json::object* obj_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
  std::vector<std::string> asked_;  // every key looked up, in order: the valid keys
};

}  // namespace servscore::detail
