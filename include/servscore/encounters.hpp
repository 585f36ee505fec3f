/**
 * @file encounters.hpp
 * @brief Service-encounter scoring on Martin's procedural and personal sides,
 * with the four service quadrants (freezer, factory, friendly, quality).
 *
 * W. B. Martin, *Quality Customer Service* (1989). Each side's score is the
 * weighted mean of its indicators rescaled to 0-100; a side is high when its
 * score is at least the side's threshold. The rule is ours, on Martin's
 * framework: every number here is a configurable default.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief One rated indicator of an encounter: its column name, side and weight. */
struct Indicator {
  std::string name;                            ///< column name in the input
  ServiceSide side = ServiceSide::procedural;  ///< which side of service it measures
  double weight = 1.0;                         ///< relative weight within its side (> 0)
  bool operator==(const Indicator& o) const { return name == o.name && side == o.side && weight == o.weight; }
};

/** @brief Martin's sixteen indicators: seven procedural, nine personal, all weight 1. */
std::vector<Indicator> default_encounter_indicators();

/**
 * @brief Configuration of encounter scoring. Every member has a documented default.
 *
 * JSON keys are the member names; `indicators` is a list of
 * `{"name": ..., "side": "procedural"|"personal", "weight": 1.0}` objects.
 */
struct EncounterConfig {
  double scale_min = 1.0;  ///< lowest rating of the scale
  double scale_max = 5.0;  ///< highest rating of the scale
  /// Indicators in column order of the rating matrix; default: Martin's sixteen.
  std::vector<Indicator> indicators = default_encounter_indicators();
  /// A side is high when its 0-100 score >= threshold. Default 62.5: half-way
  /// between the neutral midpoint (50) and "agree" (75) on a 1-5 scale.
  double procedural_threshold = 62.5;
  double personal_threshold = 62.5;  ///< see procedural_threshold
  /// A side score is computed when at least this share of the side's weight is rated.
  double min_coverage = 0.5;

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  /** @brief Column index of the indicator named `name`, or -1. */
  int index_of(std::string_view name) const;
  bool operator==(const EncounterConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
EncounterConfig encounter_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const EncounterConfig& config);

/** @brief Per-encounter results of `score_encounters`, one entry per input row. */
struct EncounterScores {
  Eigen::VectorXd procedural;        ///< 0-100, NaN when coverage is too low
  Eigen::VectorXd personal;          ///< 0-100, NaN when coverage is too low
  Eigen::VectorXd quality_distance;  ///< Euclidean distance to the quality corner (100, 100)
  Eigen::VectorXd quality_gap;       ///< distance to the quality quadrant (0 inside it)
  VectorXi8 quadrant;                ///< `Quadrant` codes; `unknown` when a side is missing
  VectorXi32 weakest_procedural;     ///< indicator index of the lowest-rated procedural indicator, or -1
  VectorXi32 weakest_personal;       ///< same on the personal side
  VectorXi32 n_missing;              ///< number of unrated (NaN) indicators
  Eigen::Index size() const { return procedural.size(); }
};

/**
 * @brief Score a batch of encounters.
 * @param ratings n encounters x k indicators, columns in `config.indicators` order; NaN = not rated.
 * @param config scoring configuration (validated here).
 * @param workers threads to use; <= 0 means all hardware threads. Results do not depend on it.
 * @throws input_error for a column count that does not match, or a rating outside the scale
 *   (naming the row, column and value); config_error for an invalid configuration.
 *
 * Weakest indicator: the lowest rating of the side among those present; ties go to
 * the larger weight, then to the earlier indicator.
 */
EncounterScores score_encounters(RecordsRef ratings, const EncounterConfig& config, int workers = 1);

/**
 * @brief `score_encounters` on columns read in place (a DataFrame's columns, a column-major
 * array): one view per indicator, in the configuration's order, each holding `rows` ratings.
 * Results and errors are those of the row-major overload.
 */
EncounterScores score_encounters(const std::vector<ColumnView>& ratings, std::ptrdiff_t rows,
                                 const EncounterConfig& config, int workers = 1);

/** @brief Batch summary of scored encounters, one row per group. */
struct EncounterSummary {
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> counts;  ///< groups x 5 quadrant counts (Quadrant order)
  Eigen::MatrixXd sum_scores;  ///< groups x 2: sum of procedural, personal scores (over non-missing)
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> n_scored;  ///< groups x 2: non-missing side scores
  /// groups x k: how often each indicator was the weakest one of a low side in an
  /// encounter outside the quality quadrant ("pulled it out of quality"). With the
  /// ratings given, an encounter whose low side has t indicators tied at the lowest
  /// rating credits 1/t to each of them; without, the reported weakest gets 1.
  Eigen::MatrixXd pullers;
  std::vector<std::int64_t> n_outside_quality;  ///< known quadrant and not quality, per group
  /** @brief groups x 2: mean procedural and personal score over the non-missing ones (NaN when none). */
  Eigen::MatrixXd mean_scores() const;
  /** @brief Add another summary of the same shape (exact merge of partial results). */
  EncounterSummary& merge(const EncounterSummary& other);
};

/**
 * @brief Summarise scored encounters per group.
 * @param groups group code per encounter in [0, n_groups), or an empty vector for one group.
 * @param thresholds_from the configuration the scores were made with (thresholds, indicator count).
 * @param ratings optional: the rating matrix that was scored (n x k), for split credit among ties.
 */
EncounterSummary summarize_encounters(const EncounterScores& scores, const EncounterConfig& thresholds_from,
                                      Eigen::Ref<const VectorXi32> groups = VectorXi32(), int n_groups = 1,
                                      RecordsRef ratings = RowMatrixXd());

}  // namespace servscore
