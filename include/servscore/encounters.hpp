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

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/group_keys.hpp"
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
  /// Weighted states only (empty otherwise): groups x 5 weight per quadrant, groups x 2 weight of
  /// the scored sides, weight outside quality per group. `sum_scores` and `pullers` are then
  /// weighted sums, and shares and means are taken over the weights.
  Eigen::MatrixXd weight_counts;
  Eigen::MatrixXd weight_scored;       ///< see weight_counts
  std::vector<double> weight_outside;  ///< see weight_counts
  /** @brief True when the summary carries weights. */
  bool weighted() const { return weight_counts.size() > 0; }
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

/** @brief One column of ratings read in place, of any of the numeric types a DataFrame holds. */
struct RatingColumn {
  /** @brief The element type of `data`. */
  enum class Type : std::uint8_t { i8, i16, i32, i64, u8, f32, f64 };
  const void* data = nullptr;  ///< first value
  std::ptrdiff_t stride = 1;   ///< distance between consecutive values, in elements
  Type type = Type::f64;       ///< element type (NaN is "not rated" for the float types)
  /** @brief Value `i` as a double. */
  double at(std::ptrdiff_t i) const {
    switch (type) {
      case Type::i8:
        return static_cast<const std::int8_t*>(data)[i * stride];
      case Type::i16:
        return static_cast<const std::int16_t*>(data)[i * stride];
      case Type::i32:
        return static_cast<const std::int32_t*>(data)[i * stride];
      case Type::i64:
        return static_cast<double>(static_cast<const std::int64_t*>(data)[i * stride]);
      case Type::u8:
        return static_cast<const std::uint8_t*>(data)[i * stride];
      case Type::f32:
        return static_cast<const float*>(data)[i * stride];
      case Type::f64:
        break;
    }
    return static_cast<const double*>(data)[i * stride];
  }
};

/**
 * @brief Scored encounters as borrowed arrays (the columns of `score_encounters`' output), `n` each.
 * The weakest-indicator codes may be null when the ratings are given (the pull-out credit is then
 * read from the ratings).
 */
struct EncounterScoresView {
  std::ptrdiff_t n = 0;                              ///< encounters
  const double* procedural = nullptr;                ///< 0-100 or NaN
  const double* personal = nullptr;                  ///< 0-100 or NaN
  const std::int8_t* quadrant = nullptr;             ///< `Quadrant` codes
  const std::int32_t* weakest_procedural = nullptr;  ///< indicator index or -1 (may be null with ratings)
  const std::int32_t* weakest_personal = nullptr;    ///< same on the personal side
  /** @brief A view of scores held by `score_encounters`' result. */
  static EncounterScoresView of(const EncounterScores& s);
};

/**
 * @brief The mergeable state of encounter summaries: per group key, the quadrant counts, the
 * sums and counts of the side scores, the pull-out credit per indicator and the encounters
 * outside quality (with weights: their weighted totals too).
 *
 * Everything is a sum over encounters, so partitions merge exactly in any order (integer counts
 * exactly; the sums of scores and credits up to the rounding of floating-point addition, about
 * 1e-16 relative). Groups are aligned by key (`GroupKeys`); a state that holds no group yet
 * takes the key columns and weighting of the first batch or state added to it.
 *
 * Byte image (every integer and double little-endian, whatever the host): `"SSENCSU1"`, u8
 * flags (bit 0: weighting decided, bit 1: weighted), u32 length and the configuration as JSON,
 * the `GroupKeys` image, u32 k (indicators; must equal the configuration's), then per group in
 * key order (so equal states have equal bytes): 8 i64 (5 quadrant counts in `Quadrant` order,
 * 2 scored-side counts, encounters outside quality), 2 + k f64 (sums of procedural and
 * personal scores, pull-out credit per indicator) and, when weighted, 8 f64 (weight per
 * quadrant, per scored side, outside quality). `from_bytes` checks every declared size against
 * the bytes that remain before allocating, and the counts and sums for consistency.
 */
class EncounterSummaryState {
 public:
  /** @brief An empty state for scores made with `config`, grouped by `key_names` (empty: ungrouped). */
  explicit EncounterSummaryState(EncounterConfig config = {}, std::vector<std::string> key_names = {});

  const EncounterConfig& config() const { return config_; }
  const GroupKeys& keys() const { return keys_; }
  /** @brief Number of groups. */
  int groups() const { return keys_.size(); }
  /** @brief Encounters counted. */
  std::int64_t rows() const;
  /** @brief True once a weighted batch was counted (false while nothing is counted). */
  bool weighted() const { return weighting_ == 2; }
  /** @brief 0 nothing counted yet, 1 unweighted, 2 weighted. */
  int weighting() const { return weighting_; }
  /** @brief Group codes in key order (missing last). */
  std::vector<std::int32_t> sorted_codes() const { return keys_.sorted_codes(); }

  /**
   * @brief Count a batch of scored encounters: row i in group `batch_keys.key(codes[i])` (codes
   * empty: every row in the empty key of an ungrouped state). Every key of `batch_keys` becomes a
   * group. An empty batch (n = 0) is a no-op. The state is unchanged when an error is thrown.
   * @param weights one finite weight >= 0 per row, or empty (a state is weighted or not throughout).
   * @param ratings the k rating columns that were scored (config order), for the split credit
   *   among tied weakest indicators; empty: the reported weakest indicator gets the credit.
   * @param row_offset added to row numbers in messages.
   * @throws input_error naming the row and value of a score outside [0, 100], a bad quadrant or
   *   group code, a bad weight, mismatched lengths, other key columns or another weighting.
   */
  void update(const EncounterScoresView& scores, Eigen::Ref<const VectorXi32> codes, const GroupKeys& batch_keys,
              Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(),
              const std::vector<RatingColumn>& ratings = {}, std::int64_t row_offset = 0);
  /**
   * @brief Add another state (groups aligned by key).
   * @throws input_error naming both when the configurations, key columns or weighting differ.
   */
  EncounterSummaryState& merge(const EncounterSummaryState& other);
  /** @brief The summary, one row per group: in key order (`sorted_codes`), or in code order. */
  EncounterSummary result(bool key_order = true) const;
  /** @brief The `SSENCSU1` image (see the class comment). */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes are validated first (input_error). */
  static EncounterSummaryState from_bytes(std::string_view bytes);
  /** @brief Same configuration, weighting and totals per group key, whatever the order of the groups. */
  bool operator==(const EncounterSummaryState& o) const { return to_bytes() == o.to_bytes(); }

  static constexpr int kInts = 8;  ///< integer cells per group
  /** @brief Real cells per group: 2 score sums, k credits, 8 weight totals. */
  int reals() const { return 10 + static_cast<int>(config_.indicators.size()); }

 private:
  EncounterConfig config_;
  GroupKeys keys_;
  int weighting_ = 0;
  std::vector<std::int64_t> ints_;  // groups x kInts
  std::vector<double> reals_;       // groups x reals()
};

}  // namespace servscore
