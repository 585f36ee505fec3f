// The one JSON reader every configuration goes through (detail::parse_json).
// Oracles: only servscore::error escapes; no object of the result holds a key twice; the
// result written (json::serialize: shortest round-trip numbers) and read again is equal to it,
// which needs correctly rounded number parsing.
#include "fuzz_target.hpp"
#include "json_util.hpp"

namespace {

namespace json = boost::json;

bool finite_and_unique(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array())
        if (!finite_and_unique(e)) return false;
      return true;
    case json::kind::object: {
      std::set<std::string_view> keys;
      for (const auto& kv : v.get_object()) {
        SS_FUZZ_CHECK(keys.insert(std::string_view(kv.key())).second, "duplicate key accepted");
        if (!finite_and_unique(kv.value())) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

SERVSCORE_FUZZ_TARGET(json_parse) {
  using namespace servscore;
  json::value v;
  bool ok = false;
  fuzz::only_servscore_errors([&] {
    v = detail::parse_json(fuzz::text(data, size), "fuzz");
    ok = true;
  });
  if (!ok || !finite_and_unique(v)) return 0;  // infinities are written as a non-JSON word
  const std::string once = detail::dump_json(v);
  json::value w;
  try {
    w = detail::parse_json(once, "fuzz");
  } catch (const servscore::error& e) {
    fuzz::fail(std::string("written JSON refused: ") + e.what() + ": " + once);
  }
  SS_FUZZ_CHECK(w == v, "value changed through its text: " + once);
  SS_FUZZ_CHECK(detail::dump_json(w) == once, "serialisation is not a fixed point: " + once);
  return 0;
}
