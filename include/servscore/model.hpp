/**
 * @file model.hpp
 * @brief The domain model: every concept of servscore as an `enum class` with a
 * stable string name and English and Chinese labels.
 *
 * The names are the stable identifiers used in JSON configuration, in Python
 * (`servscore.Quadrant("freezer")`) and in result tables. `parse<E>(name)`
 * accepts a name or one of its aliases, ignoring case, and throws
 * `servscore::config_error` listing the valid names otherwise.
 */
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace servscore {

/** @brief Label language. */
enum class Lang { en, zh };

/** @brief Name and labels of one enumerator. `aliases` is a '|'-separated list (may be empty). */
struct EnumInfo {
  const char* name;
  const char* en;
  const char* zh;
  const char* aliases;
};

/** @brief Martin's service quadrant from the procedural x personal sides (`unknown` when a side score is missing). */
enum class Quadrant { freezer, factory, friendly, quality, unknown };
/** @brief The two sides of service (W. B. Martin). */
enum class ServiceSide { procedural, personal };
/** @brief Merrill & Reid interpersonal (social) style. */
enum class SocialStyle { analytical, amiable, driver, expressive };
/** @brief Level of the hierarchy of customer expectations. */
enum class ExpectationLevel { basic, expected, desired, unexpected };
/** @brief The ten human needs of the source. */
enum class HumanNeed {
  welcomed,
  timely_service,
  comfort,
  orderly_service,
  understood,
  help,
  feel_important,
  appreciated,
  recognized,
  respected
};
/** @brief SERVQUAL RATER dimensions. */
enum class RaterDimension { reliability, assurance, tangibles, empathy, responsiveness };
/** @brief Jones & Sasser satisfaction x loyalty segment; `terrorist` is a defector who is a detractor or complained. */
enum class LoyaltySegment { apostle, mercenary, hostage, defector, terrorist };
/** @brief Kano category. Aliases are the one-letter codes A, O, M, I, R, Q. */
enum class KanoCategory { attractive, one_dimensional, must_be, indifferent, reverse, questionable };
/** @brief The developer's 6+2 customer lifecycle stages. */
enum class LifecycleStage {
  warm_handshake,
  tying_the_knot,
  close_contact,
  moving_in,
  caring,
  taking_responsibility,
  all_the_way_together,
  four_year_appointment
};
/** @brief The nine time elements of service. */
enum class TimeElement { booking, waiting, response, service, after_service, delivery, delay, guarantee, correction };
/** @brief The fourteen reasons sales are lost. */
enum class LostSaleReason {
  disinterest,
  making_a_mistake,
  appearing_too_anxious,
  talking_down_other_brands,
  arguing,
  long_winded,
  lack_of_courtesy,
  showing_favouritism,
  being_hurried,
  embarrassing_the_customer,
  misrepresenting_merchandise,
  lack_of_product_information,
  wasting_time,
  getting_too_personal
};

/** @brief Compile-time table of an enum's names and labels. Specialised for every domain enum. */
template <class E>
struct enum_traits;

#define SERVSCORE_ENUM_TRAITS(E, KIND, N)          \
  template <>                                      \
  struct enum_traits<E> {                          \
    static constexpr const char* kind = KIND;      \
    static const std::array<EnumInfo, N>& table(); \
  };

SERVSCORE_ENUM_TRAITS(Quadrant, "quadrant", 5)
SERVSCORE_ENUM_TRAITS(ServiceSide, "service_side", 2)
SERVSCORE_ENUM_TRAITS(SocialStyle, "social_style", 4)
SERVSCORE_ENUM_TRAITS(ExpectationLevel, "expectation_level", 4)
SERVSCORE_ENUM_TRAITS(HumanNeed, "human_need", 10)
SERVSCORE_ENUM_TRAITS(RaterDimension, "rater_dimension", 5)
SERVSCORE_ENUM_TRAITS(LoyaltySegment, "loyalty_segment", 5)
SERVSCORE_ENUM_TRAITS(KanoCategory, "kano_category", 6)
SERVSCORE_ENUM_TRAITS(LifecycleStage, "lifecycle_stage", 8)
SERVSCORE_ENUM_TRAITS(TimeElement, "time_element", 9)
SERVSCORE_ENUM_TRAITS(LostSaleReason, "lost_sale_reason", 14)
#undef SERVSCORE_ENUM_TRAITS

/** @brief Names of every enum kind ("quadrant", "social_style", ...), in declaration order. */
const std::vector<std::string>& enum_kinds();
/** @brief The table of one enum kind by name; throws `config_error` for an unknown kind. */
std::vector<EnumInfo> enum_table(std::string_view kind);

namespace detail {
/** @brief Index of `name` (or an alias, case-insensitive) in `table`; throws `config_error` listing the names. */
std::size_t parse_enum_index(const EnumInfo* table, std::size_t n, std::string_view kind, std::string_view name);
}  // namespace detail

/** @brief The stable string name of `value`. */
template <class E>
const char* to_string(E value) {
  return enum_traits<E>::table()[static_cast<std::size_t>(value)].name;
}

/** @brief The English or Chinese label of `value`. */
template <class E>
const char* label(E value, Lang lang = Lang::en) {
  const auto& info = enum_traits<E>::table()[static_cast<std::size_t>(value)];
  return lang == Lang::zh ? info.zh : info.en;
}

/** @brief Parse a stable name or alias (case-insensitive); throws `config_error` listing the valid names. */
template <class E>
E parse(std::string_view name) {
  const auto& t = enum_traits<E>::table();
  return static_cast<E>(detail::parse_enum_index(t.data(), t.size(), enum_traits<E>::kind, name));
}

/** @brief Number of enumerators of `E`. */
template <class E>
constexpr std::size_t enum_size() {
  return std::tuple_size<std::decay_t<decltype(enum_traits<E>::table())>>::value;
}

}  // namespace servscore
