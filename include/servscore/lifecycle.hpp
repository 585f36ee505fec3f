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

#include "servscore/detail/group_keys.hpp"
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

/**
 * @brief The mergeable state of the lifecycle stage indices: per group key the respondents and,
 * per stage, the respondents with a stage score (n), those without one (n_missing, stages in
 * use), and the mean and the sum of squared deviations (M2) of the stage scores.
 *
 * A batch is summed with Welford's update and folded in with Chan, Golub & LeVeque's pairwise
 * formula (mean += d n_b / n, M2 += M2_b + d^2 n_a n_b / n); the counts merge exactly in any
 * order, the means and standard deviations agree with one pass to rounding (about 1e-15
 * relative). `result` finishes the figures as `summarize_lifecycle` does on all the rows (it
 * is one update of this state): index, sd, Student-t interval, IPA quadrant, weak / strong,
 * journey, weakest / strongest. Respondent scores are rows and are not kept. Unweighted (the
 * one-pass summary has no weights).
 *
 * Byte image `"SSLIFEC1"` (every integer and double little-endian, whatever the host): u32
 * length and the configuration as JSON, the `GroupKeys` image (keys in key order), u32 integer
 * cells a group (17), u32 real cells a group (16), then per group in key order 17 i64
 * (respondents, n of the 8 stages, n_missing of the 8 stages; `LifecycleStage` order) and 16 f64
 * (mean of the 8 stages, M2 of the 8 stages). `from_bytes` checks every declared size against
 * the bytes that remain before allocating, every count in [0, 2^62], n + n_missing equal to the
 * respondents for a stage in use (both 0 otherwise), each mean in [0, 100] (0 when n = 0) and
 * each M2 finite, >= 0 and at most n 50^2 (0 when n < 2).
 */
class LifecycleState {
 public:
  static constexpr int kInts = 1 + 2 * kLifecycleStages;  ///< integer cells per group
  static constexpr int kReals = 2 * kLifecycleStages;     ///< real cells per group
  /** @brief An empty state for `config`, grouped by `key_names` (empty: ungrouped). */
  explicit LifecycleState(LifecycleConfig config = {}, std::vector<std::string> key_names = {});
  const LifecycleConfig& config() const { return config_; }
  const GroupKeys& keys() const { return keys_; }
  /** @brief Number of groups. */
  int groups() const { return keys_.size(); }
  /** @brief Respondents counted (saturating at the int64 maximum). */
  std::int64_t rows() const;
  /** @brief Group codes in key order (missing last). */
  std::vector<std::int32_t> sorted_codes() const { return keys_.sorted_codes(); }

  /**
   * @brief Score a batch of touchpoint ratings (as `score_lifecycle`) and count it: row i in
   * group `batch_keys.key(groups[i])` (groups empty: ungrouped). A batch key without rows adds
   * no group. An empty batch is a no-op; the state is unchanged when an error is thrown.
   */
  void update(RecordsRef ratings, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys, int workers = 1,
              std::int64_t row_offset = 0);
  /** @brief Count a batch of respondent stage scores (n x 8, the output of `score_lifecycle`); as `update`. */
  void update_scores(RecordsRef scores, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
                     std::int64_t row_offset = 0);
  /**
   * @brief Add another state (groups aligned by key).
   * @throws input_error naming both when the configurations or key columns differ, or a count would pass 2^62.
   */
  LifecycleState& merge(const LifecycleState& other);
  /** @brief The summary, one row per group: in key order (`sorted_codes`), or in code order. */
  LifecycleSummary result(bool key_order = true) const;
  /** @brief The summary of the groups `codes` in that order (a code -1: a group without respondents). */
  LifecycleSummary result_of(const std::vector<std::int32_t>& codes) const;
  /** @brief The `SSLIFEC1` image (see the class comment). */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes are validated first (input_error). */
  static LifecycleState from_bytes(std::string_view bytes);
  bool operator==(const LifecycleState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  LifecycleConfig config_;
  GroupKeys keys_;
  std::vector<std::int64_t> ints_;  // groups x kInts, in code order
  std::vector<double> reals_;       // groups x kReals, in code order
};

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
