/**
 * @file styles.hpp
 * @brief Interpersonal (social) styles after Merrill & Reid (1981): assertiveness
 * (ask vs tell) x responsiveness (control vs emote) from a questionnaire or observer
 * ratings, or from behaviour-cue evidence.
 *
 * Axis score = weighted mean of the axis's items (reverse-keyed items mirrored on the
 * scale). The centred axis value is (score - midpoint) / half-range ("midpoint"), a z
 * score against a given norm ("norm"), or against the sample ("sample"). High on an
 * axis means centred value >= 0. Style: driver (high A, low R), expressive (high A,
 * high R), amiable (low A, high R), analytical (low A, low R). Sub-style (the 4 x 4
 * grid): the style of the position relative to the centre of its quadrant, whose
 * centre lies `sub_split` from the origin on each axis. Intensity: distance from the
 * origin in centred units. The rules are ours on the cited model; every number is a
 * configurable default.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief The two axes of the social-style grid. */
enum class StyleAxis : std::int8_t { assertiveness = 0, responsiveness = 1 };

/** @brief One questionnaire item. */
struct StyleItem {
  std::string name;                           ///< column name in the input
  StyleAxis axis = StyleAxis::assertiveness;  ///< the axis it measures
  bool reverse = false;                       ///< reverse-keyed (high rating = low on the axis)
  double weight = 1.0;                        ///< weight within its axis (> 0)
  bool operator==(const StyleItem& o) const {
    return name == o.name && axis == o.axis && reverse == o.reverse && weight == o.weight;
  }
};

/**
 * @brief A style instrument: items, scale and cut-off rule. No default items in code: the
 * default instrument ships as JSON (`servscore/data/text/style_instrument.json`).
 */
struct StyleInstrument {
  std::vector<StyleItem> items;
  double scale_min = 1.0;  ///< lowest rating
  double scale_max = 7.0;  ///< highest rating
  /// "midpoint" (scale midpoint), "norm" (z against norm_mean/norm_sd), "sample" (z against the batch).
  std::string cutoff = "midpoint";
  double norm_mean[2] = {4.0, 4.0};  ///< norm means of the assertiveness and responsiveness scores
  double norm_sd[2] = {1.0, 1.0};    ///< norm SDs (> 0)
  /// Centre of each quadrant in centred units, for the sub-style: 0.5 of the half-range
  /// for "midpoint"; for z cut-offs, 0.6745 (the normal quartile) is the usual choice.
  double sub_split = 0.5;
  /// An axis is scored when at least this share of its item weight is rated.
  double min_coverage = 0.5;

  void validate() const;
  bool operator==(const StyleInstrument& o) const;
};

/** @brief Parse a JSON instrument (defaults for keys not given; unknown keys rejected). */
StyleInstrument style_instrument_from_json(std::string_view json);
/** @brief Serialise every key of the instrument. */
std::string to_json(const StyleInstrument& instrument);

/** @brief Per-respondent style classification. */
struct StyleScores {
  Eigen::VectorXd assertiveness;   ///< axis score on the rating scale (NaN when too few items)
  Eigen::VectorXd responsiveness;  ///< idem
  Eigen::VectorXd a_centred;       ///< centred assertiveness (midpoint units or z)
  Eigen::VectorXd r_centred;       ///< centred responsiveness
  Eigen::VectorXd intensity;       ///< distance from the origin in centred units
  VectorXi8 style;                 ///< `SocialStyle` code, -1 unknown
  VectorXi8 sub_style;             ///< `SocialStyle` code of the sub-style, -1 unknown
};

/**
 * @brief Classify respondents from item ratings (n x items, instrument item order, NaN = not rated).
 * @throws input_error for a wrong column count or a rating outside the scale (row, column, value);
 *   for "sample" cut-offs, when an axis has fewer than two scored rows or no spread.
 */
StyleScores classify_styles(RecordsRef ratings, const StyleInstrument& instrument);

/** @brief Style code from centred axis values (ties at 0 count as high); -1 when either is NaN. */
int style_of(double a_centred, double r_centred);

}  // namespace servscore
