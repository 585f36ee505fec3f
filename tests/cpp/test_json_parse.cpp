// The strict JSON reader behind every configuration parser (src/json_util.cpp): duplicate keys
// refused, numbers correctly rounded, errors placed by line and column.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "json_util.hpp"
#include "servscore/drivers.hpp"
#include "servscore/economics.hpp"
#include "servscore/encounters.hpp"
#include "servscore/errors.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"
#include "servscore/needs.hpp"
#include "servscore/nps.hpp"
#include "servscore/pls.hpp"
#include "servscore/servqual.hpp"
#include "servscore/standards.hpp"
#include "servscore/styles.hpp"
#include "servscore/text.hpp"
#include "servscore/text_model.hpp"

using namespace servscore;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {
double parse_number(const std::string& text) {
  return detail::parse_json(text, "test").to_number<double>();
}
}  // namespace

TEST_CASE("parse_json: a key twice in one object is refused, naming the key and the object", "[json]") {
  CHECK_THROWS_AS(detail::parse_json(R"({"a":1,"a":2})", "cfg"), config_error);
  CHECK_THROWS_WITH(detail::parse_json(R"({"a":1,"a":2})", "cfg"),
                    Equals("cfg: duplicate key 'a' in the top-level object (line 1, column 10); "
                           "a key may appear once per object"));
  // Same value twice is still a duplicate; the empty key too.
  CHECK_THROWS_WITH(detail::parse_json(R"({"a":1,"a":1})", "cfg"), Contains("duplicate key 'a'"));
  CHECK_THROWS_WITH(detail::parse_json(R"({"":1,"":2})", "cfg"), Contains("duplicate key ''"));
  // Nested: the path names the object as the configuration readers do.
  CHECK_THROWS_WITH(
      detail::parse_json("{\"indicators\": [\n {\"name\": \"a\"},\n {\"weight\": 1, \"weight\": 2}]}", "cfg"),
      Equals("cfg: duplicate key 'weight' in indicators[1] (line 3, column 23); "
             "a key may appear once per object"));
  CHECK_THROWS_WITH(detail::parse_json(R"({"x":{"y":[0,[{"k":1,"k":2}]]}})", "cfg"), Contains("in x.y[1][0] ("));
  // A key may repeat across objects, and keys differing by escapes are different keys.
  const auto v = detail::parse_json(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}],"\u0061b":0})", "cfg");
  CHECK(v.as_object().size() == 4);
  CHECK(v.at("b").at("k").as_int64() == 2);
  CHECK_THROWS_WITH(detail::parse_json(R"({"ab":0,"\u0061b":1})", "cfg"), Contains("duplicate key 'ab'"));
}

TEST_CASE("every configuration parser refuses duplicate keys", "[json]") {
  const std::string dup = R"({"x": 1, "x": 2})";
  const std::vector<std::pair<const char*, std::function<void(const std::string&)>>> parsers{
      {"encounter config", [](const std::string& s) { (void)encounter_config_from_json(s); }},
      {"NPS config", [](const std::string& s) { (void)nps_config_from_json(s); }},
      {"box config", [](const std::string& s) { (void)box_config_from_json(s); }},
      {"kano config", [](const std::string& s) { (void)kano_config_from_json(s); }},
      {"kano table", [](const std::string& s) { (void)kano_table_from_json(s); }},
      {"driver config", [](const std::string& s) { (void)driver_config_from_json(s); }},
      {"penalty-reward config", [](const std::string& s) { (void)penalty_reward_config_from_json(s); }},
      {"ipa config", [](const std::string& s) { (void)ipa_config_from_json(s); }},
      {"complaint config", [](const std::string& s) { (void)complaint_config_from_json(s); }},
      {"clv config", [](const std::string& s) { (void)clv_config_from_json(s); }},
      {"lifecycle config", [](const std::string& s) { (void)lifecycle_config_from_json(s); }},
      {"loyalty config", [](const std::string& s) { (void)loyalty_config_from_json(s); }},
      {"servqual config", [](const std::string& s) { (void)servqual_config_from_json(s); }},
      {"pls config", [](const std::string& s) { (void)pls_config_from_json(s); }},
      {"pls model", [](const std::string& s) { (void)pls_model_from_json(s); }},
      {"style instrument", [](const std::string& s) { (void)style_instrument_from_json(s); }},
      {"time config", [](const std::string& s) { (void)time_config_from_json(s); }},
      {"moments config", [](const std::string& s) { (void)moments_config_from_json(s); }},
      {"TextClassifierConfig", [](const std::string& s) { (void)text_classifier_config_from_json(s); }},
      {"need rules", [](const std::string& s) { (void)need_rules_from_json(s); }},
      {"standards", [](const std::string& s) { (void)standards_from_json(s); }},
      {"lexicon", [](const std::string& s) { (void)lexicon_from_json(s); }},
  };
  for (const auto& [what, parse] : parsers) {
    INFO(what);
    CHECK_THROWS_AS(parse(dup), config_error);
    CHECK_THROWS_WITH(parse(dup), Contains(std::string(what) + ": duplicate key 'x' in the top-level object"));
  }
  // A real key, the later value differing: before, the last silently won.
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"scale_max": 7, "scale_min": 1, "scale_max": 5})"),
                    Contains("duplicate key 'scale_max'"));
  CHECK_THROWS_WITH(
      encounter_config_from_json(R"({"indicators": [{"name": "a", "side": "personal", "weight": 1, "weight": 9}]})"),
      Contains("duplicate key 'weight' in indicators[0]"));
}

TEST_CASE("parse_json: numbers are correctly rounded", "[json]") {
  // Expected values: the nearest doubles (exact hexadecimal literals; checked with Python's float()).
  // Boost.JSON 1.81's own parser gives 0x1p-1022 for the first and 0 for the second.
  CHECK(parse_number("2.2250738585072011e-308") == 0x0.fffffffffffffp-1022);
  CHECK(parse_number("2.4703282292062328e-324") == 0x0.0000000000001p-1022);
  CHECK(parse_number("0.1") == 0x1.999999999999ap-4);
  CHECK(parse_number("1e23") == 0x1.52d02c7e14af6p+76);
  CHECK(parse_number("8.41e21") == 0x1.c7e83209e90b2p+72);
  CHECK(parse_number("1.7976931348623157e308") == 0x1.fffffffffffffp+1023);
  CHECK(parse_number("0.30000000000000004") == 0x1.3333333333334p-2);
  CHECK(parse_number("123456789012345678e-5") == 0x1.1f71fb04cb74fp+40);
  CHECK(parse_number("9007199254740993.0") == 0x1p+53);  // a tie: rounds to even
  CHECK(std::signbit(parse_number("-0.0")));
  // Integers stay exact integers.
  CHECK(detail::parse_json("18446744073709551615", "t").as_uint64() == 18446744073709551615ull);
  CHECK(detail::parse_json("-9223372036854775808", "t").as_int64() == INT64_MIN);
  // Out of range: infinity (which the readers refuse as out of range) and signed zero below.
  CHECK(parse_number("1e400") == HUGE_VAL);
  CHECK(parse_number("-1e400") == -HUGE_VAL);
  CHECK(parse_number("1e-400") == 0.0);
  CHECK(std::signbit(parse_number("-1e-400")));
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"scale_max": 1e400})"), Contains("scale_max: inf is out of range"));
}

TEST_CASE("parse_json: random decimal strings read as glibc strtod reads them", "[json]") {
  // glibc's strtod is correctly rounded: an independent implementation.
  std::mt19937_64 gen(20261202);
  int differ = 0;
  for (int i = 0; i < 10000; ++i) {
    char buf[64];
    const int digits = 1 + static_cast<int>(gen() % 19);  // up to 19 significant digits
    std::string mant = std::to_string(1 + gen() % 9);
    for (int d = 1; d < digits; ++d) mant += static_cast<char>('0' + gen() % 10);
    const int exp10 = static_cast<int>(gen() % 640) - 330;
    std::snprintf(buf, sizeof buf, "%s%c.%se%d", (gen() & 1) ? "-" : "", mant[0], mant.c_str() + 1, exp10);
    const std::string s = digits == 1 ? std::string(buf).replace(std::string(buf).find('.'), 1, "") : buf;
    const double expected = std::strtod(s.c_str(), nullptr);
    if (!std::isfinite(expected)) continue;
    const double got = parse_number(s);
    if (got != expected || std::signbit(got) != std::signbit(expected)) {
      if (++differ <= 5) FAIL_CHECK(s << ": " << got << " != " << expected);
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("parse_json: syntax errors name the line and column", "[json]") {
  CHECK_THROWS_WITH(detail::parse_json("{\n  \"a\": tru\n}", "cfg"), Contains("cfg: invalid JSON ("));
  CHECK_THROWS_WITH(detail::parse_json("{\n  \"a\": tru\n}", "cfg"), Contains("line 2, column"));
  CHECK_THROWS_WITH(detail::parse_json("[1] 2", "cfg"), Contains("line 1, column 5"));
  CHECK_THROWS_AS(detail::parse_json("", "cfg"), config_error);
  CHECK_THROWS_AS(detail::parse_json(std::string(100, '['), "cfg"), config_error);  // depth limit
  CHECK_THROWS_AS(detail::parse_json("{\"a\":1 // comment\n}", "cfg"), config_error);
}
