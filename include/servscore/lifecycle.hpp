/**
 * @file lifecycle.hpp
 * @brief Customer lifecycle (the developer's 6+2 steps): touchpoint ratings rolled up
 * into 0-100 stage indices with intervals, a journey index, the weakest stage, and
 * weak / strong stages, per group (segment, period).
 *
 * Each touchpoint belongs to one `LifecycleStage` and has an importance (stated, or
 * the mean of importance ratings). A respondent's stage score is the importance-
 * weighted mean of their rated touchpoints of the stage, rescaled to 0-100 (computed
 * when the rated touchpoints carry at least `min_coverage` of the stage's importance).
 * The stage index is the mean of the respondent stage scores, with a Student-t
 * interval; the journey index is the weighted mean of the stage indices. A stage is
 * weak when its index is below the journey index by more than `margin` and its
 * interval excludes the journey index, or (with `ipa_rule`) when it lands in the
 * importance-performance "concentrate here" quadrant (Martilla & James 1977); strong
 * symmetrically (above by more than the margin with the interval above, or "keep up
 * the good work"). The rule is ours on the deck's "the weakest step dominates".
 */
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/drivers.hpp"
#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief One touchpoint: its column name, lifecycle stage and importance (weight > 0). */
struct Touchpoint {
  std::string name;                                       ///< column name in the input
  LifecycleStage stage = LifecycleStage::warm_handshake;  ///< the stage it belongs to
  double importance = 1.0;                                ///< importance, the weight within its stage (> 0)
  bool operator==(const Touchpoint& o) const {
    return name == o.name && stage == o.stage && importance == o.importance;
  }
};

/** @brief Default touchpoints: two for each of the six steps, one for each of the +2, importance 1. */
std::vector<Touchpoint> default_touchpoints();

/** @brief Number of lifecycle stages (6 + 2). */
constexpr int kLifecycleStages = 8;

/**
 * @brief Importance-performance quadrant of a stage: deprecated alias of `IpaQuadrant` (one
 * vocabulary and one placement rule, `ipa_quadrant`; the old `keep_up` is `keep_up_good_work`).
 */
using StageQuadrant = IpaQuadrant;

/**
 * @brief Configuration of the lifecycle indices. JSON keys are the member names;
 * `touchpoints` is a list of `{"name", "stage", "importance"}` objects and
 * `stage_weights` an object `{stage name: weight}` (stages not named keep weight 1).
 */
struct LifecycleConfig {
  double scale_min = 1.0;                                                      ///< lowest performance rating
  double scale_max = 5.0;                                                      ///< highest performance rating
  std::vector<Touchpoint> touchpoints = default_touchpoints();                 ///< in the column order of the ratings
  std::array<double, kLifecycleStages> stage_weights{1, 1, 1, 1, 1, 1, 1, 1};  ///< weight of each stage in the journey
  double min_coverage = 0.5;  ///< share of a stage's importance a respondent must rate for a stage score
  double margin = 5.0;        ///< index points beyond the journey index for a weak / strong stage [ours]
  double confidence = 0.95;   ///< level of the stage intervals
  bool ipa_rule = true;       ///< also flag "concentrate here" stages weak and "keep up" stages strong
  int min_n = 2;              ///< a stage needs this many respondents for an index (and 2 for an interval)

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  /** @brief Column index of the touchpoint named `name`, or -1. */
  int index_of(std::string_view name) const;
  bool operator==(const LifecycleConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
LifecycleConfig lifecycle_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const LifecycleConfig& config);

/**
 * @brief Mean importance rating of each touchpoint (NaN = not rated), for stated
 * importance from a survey. A touchpoint nobody rated is an input_error.
 * @param ratings n x k importance ratings, columns in `config.touchpoints` order, on
 *   [lo, hi] (a value outside is an input_error naming row, column and value).
 */
Eigen::VectorXd touchpoint_importance(RecordsRef ratings, const LifecycleConfig& config, double lo, double hi);

/**
 * @brief Respondent stage scores: n x 8 (`LifecycleStage` order), 0-100, NaN when the
 * stage has no touchpoint or the respondent's coverage is too low.
 * @throws input_error for a column count that does not match or a rating outside the scale.
 */
RowMatrixXd score_lifecycle(RecordsRef ratings, const LifecycleConfig& config, int workers = 1);

/** @brief Stage indices and flags per group. Matrices are groups x 8 stages (`LifecycleStage` order). */
struct LifecycleSummary {
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> n;          ///< respondents with a stage score
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> n_missing;  ///< respondents without one (stage in use)
  Eigen::MatrixXd index;       ///< stage index 0-100 (NaN when n < min_n or the stage has no touchpoint)
  Eigen::MatrixXd sd;          ///< standard deviation of the respondent scores
  Eigen::MatrixXd lower;       ///< Student-t interval of the index
  Eigen::MatrixXd upper;       ///< see lower
  Eigen::MatrixXd importance;  ///< mean importance of the stage's touchpoints (same for every group)
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>
      quadrant;                                                     ///< `IpaQuadrant` codes (placed by `ipa_quadrant`)
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> weak;  ///< 1 weak, 0 not
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> strong;  ///< 1 strong, 0 not
  Eigen::VectorXd journey;                ///< journey index per group (NaN when no stage has an index)
  VectorXi32 weakest;                     ///< weakest stage per group (`LifecycleStage` code; -1 when none)
  VectorXi32 strongest;                   ///< strongest stage per group (-1 when none)
  std::vector<std::int64_t> respondents;  ///< respondents per group
};

/**
 * @brief Stage indices, journey index and weak / strong stages per group.
 * @param scores the output of `score_lifecycle` (n x 8).
 * @param groups group code per respondent in [0, n_groups), or empty for one group.
 */
LifecycleSummary summarize_lifecycle(RecordsRef scores, const LifecycleConfig& config,
                                     Eigen::Ref<const VectorXi32> groups = VectorXi32(), int n_groups = 1);

/** @brief Differences of two independent means (b - a) with Welch intervals, element-wise. */
struct MeanDifferences {
  Eigen::VectorXd diff;   ///< mean_b - mean_a
  Eigen::VectorXd lower;  ///< Welch-Satterthwaite t interval
  Eigen::VectorXd upper;  ///< see lower
  Eigen::VectorXd df;     ///< Welch-Satterthwaite degrees of freedom
};

/**
 * @brief Welch intervals of mean differences, e.g. a stage index between two periods or
 * segments (Welch 1947). NaN where either side has fewer than 2 values or both have sd 0.
 * @throws input_error when the vectors differ in length or a count is negative.
 */
MeanDifferences welch_differences(const Eigen::VectorXd& mean_a, const Eigen::VectorXd& sd_a,
                                  const Eigen::VectorXd& n_a, const Eigen::VectorXd& mean_b,
                                  const Eigen::VectorXd& sd_b, const Eigen::VectorXd& n_b, double confidence = 0.95);

}  // namespace servscore
