// Every JSON configuration parser of the library, chosen by the first byte; the rest is the text.
// Oracles: only servscore::error escapes; what a parser accepts, its writer writes as text the
// parser accepts again, giving the same value (operator== where the type has one) and the same
// text (the writer is a fixed point).
#include <optional>
#include <type_traits>

#include "fuzz_target.hpp"
#include "servscore/drivers.hpp"
#include "servscore/economics.hpp"
#include "servscore/encounters.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"
#include "servscore/needs.hpp"
#include "servscore/nps.hpp"
#include "servscore/pls.hpp"
#include "servscore/servqual.hpp"
#include "servscore/standards.hpp"
#include "servscore/styles.hpp"
#include "servscore/text_model.hpp"

namespace {

template <class T, class = void>
struct has_eq : std::false_type {};
template <class T>
struct has_eq<T, std::void_t<decltype(std::declval<const T&>() == std::declval<const T&>())>> : std::true_type {};

template <class Parse>
void round_trip(const char* what, std::string_view text, Parse parse) {
  using C = std::decay_t<decltype(parse(text))>;
  std::optional<C> first;
  servscore::fuzz::only_servscore_errors([&] { first.emplace(parse(text)); });
  if (!first) return;
  const std::string j1 = servscore::to_json(*first);
  std::optional<C> second;
  try {
    second.emplace(parse(j1));
  } catch (const servscore::error& e) {
    servscore::fuzz::fail(std::string(what) + ": the writer's output is refused (" + e.what() + "): " + j1);
  }
  if constexpr (has_eq<C>::value) SS_FUZZ_CHECK(*second == *first, std::string(what) + ": value changed: " + j1);
  const std::string j2 = servscore::to_json(*second);
  SS_FUZZ_CHECK(j2 == j1, std::string(what) + ": the writer is not a fixed point:\n" + j1 + "\n" + j2);
}

}  // namespace

SERVSCORE_FUZZ_TARGET(config_json) {
  using namespace servscore;
  if (size == 0) return 0;
  const std::string_view t = fuzz::text(data + 1, size - 1);
  switch (data[0] % 21) {
    case 0:
      round_trip("encounter", t, [](std::string_view s) { return encounter_config_from_json(s); });
      break;
    case 1:
      round_trip("nps", t, [](std::string_view s) { return nps_config_from_json(s); });
      break;
    case 2:
      round_trip("box", t, [](std::string_view s) { return box_config_from_json(s); });
      break;
    case 3:
      round_trip("kano", t, [](std::string_view s) { return kano_config_from_json(s); });
      break;
    case 4:
      round_trip("kano table", t, [](std::string_view s) { return kano_table_from_json(s); });
      break;
    case 5:
      round_trip("driver", t, [](std::string_view s) { return driver_config_from_json(s); });
      break;
    case 6:
      round_trip("penalty-reward", t, [](std::string_view s) { return penalty_reward_config_from_json(s); });
      break;
    case 7:
      round_trip("ipa", t, [](std::string_view s) { return ipa_config_from_json(s); });
      break;
    case 8:
      round_trip("complaint", t, [](std::string_view s) { return complaint_config_from_json(s); });
      break;
    case 9:
      round_trip("clv", t, [](std::string_view s) { return clv_config_from_json(s); });
      break;
    case 10:
      round_trip("lifecycle", t, [](std::string_view s) { return lifecycle_config_from_json(s); });
      break;
    case 11:
      round_trip("loyalty", t, [](std::string_view s) { return loyalty_config_from_json(s); });
      break;
    case 12:
      round_trip("servqual", t, [](std::string_view s) { return servqual_config_from_json(s); });
      break;
    case 13:
      round_trip("pls config", t, [](std::string_view s) { return pls_config_from_json(s); });
      break;
    case 14:
      round_trip("pls model", t, [](std::string_view s) { return pls_model_from_json(s); });
      break;
    case 15:
      round_trip("style instrument", t, [](std::string_view s) { return style_instrument_from_json(s); });
      break;
    case 16:
      round_trip("time", t, [](std::string_view s) { return time_config_from_json(s); });
      break;
    case 17:
      round_trip("moments", t, [](std::string_view s) { return moments_config_from_json(s); });
      break;
    case 18:
      round_trip("text classifier", t, [](std::string_view s) { return text_classifier_config_from_json(s); });
      break;
    case 19:
      round_trip("need rules", t, [](std::string_view s) { return need_rules_from_json(s); });
      break;
    case 20:
      round_trip("standards", t, [](std::string_view s) { return standards_from_json(s); });
      break;
  }
  return 0;
}
