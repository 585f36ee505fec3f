/**
 * @file servqual.hpp
 * @brief SERVQUAL, weighted SERVQUAL, SERVPERF and the zone of tolerance on the
 * RATER dimensions, with mergeable accumulators.
 *
 * References: Parasuraman, Zeithaml & Berry (1988) J. Retailing 64(1); (1991)
 * J. Retailing 67(4); (1994) J. Retailing 70(3); Zeithaml, Parasuraman & Berry
 * (1990) Delivering Quality Service; Cronin & Taylor (1992) J. Marketing 56(3).
 *
 * - 22 items on a 7-point scale: tangibles 1-4, reliability 5-9, responsiveness
 *   10-13, assurance 14-17, empathy 18-22 (`servqual_items(1988 | 1991)`). In the
 *   1988 form expectation items 10-13 and 18-22 are negatively worded and are
 *   reversed as (scale_min + scale_max) - x. Item maps are configuration.
 * - Gap G = P - E per item; a respondent's dimension score is the mean of the
 *   dimension's item scores present (when at least `min_coverage` of its items are);
 *   unweighted SERVQUAL = mean over dimensions of the mean respondent dimension gap.
 * - Weighted SERVQUAL: each respondent allocates `allocation_total` (100) points over
 *   the dimensions; SQ_i = sum_d (points_id / 100) G_id; the mean of SQ_i is reported
 *   (mean of products, not product of means).
 * - SERVPERF: the same with perceptions P instead of gaps.
 * - Zone of tolerance (three-column form, 9-point scale): adequate A, desired D,
 *   perceived P; MSA = P - A, MSS = P - D, width D - A; position below (MSA < 0),
 *   within, above (MSS > 0).
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/model.hpp"
#include "servscore/moments.hpp"
#include "servscore/reliability.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief One SERVQUAL item: column name, RATER dimension, reverse keying of its two statements. */
struct ServqualItem {
  std::string name;                                      ///< column name in the input
  RaterDimension dimension = RaterDimension::tangibles;  ///< the dimension it measures
  bool reverse_expectation = false;                      ///< negatively worded expectation: reversed as min + max - x
  bool reverse_perception = false;                       ///< negatively worded perception statement
  bool operator==(const ServqualItem& o) const {
    return name == o.name && dimension == o.dimension && reverse_expectation == o.reverse_expectation &&
           reverse_perception == o.reverse_perception;
  }
};

/**
 * @brief The 22 items of a published form, named q1 ... q22.
 * @param form 1988 (expectations 10-13 and 18-22 reverse-keyed) or 1991 (all positively worded).
 * @throws config_error for another form.
 */
std::vector<ServqualItem> servqual_items(int form = 1991);

/** @brief The built-in JSON of a form's configuration (`{"form": ..., "items": [...]}` and every default). */
std::string servqual_form_json(int form = 1991);

/**
 * @brief Configuration of SERVQUAL, SERVPERF and the zone of tolerance. Every member has a documented default.
 *
 * JSON keys are the member names, plus `form` (1988 or 1991) which selects the built-in
 * item map before `items` (a list of `{"name", "dimension", "reverse_expectation",
 * "reverse_perception"}` objects) overrides it.
 */
struct ServqualConfig {
  int form = 1991;             ///< published form the item map came from (0 for a custom map)
  double scale_min = 1.0;      ///< lowest answer of the SERVQUAL / SERVPERF scale
  double scale_max = 7.0;      ///< highest answer of the SERVQUAL / SERVPERF scale
  double zot_scale_min = 1.0;  ///< lowest answer of the zone-of-tolerance (three-column) scale
  double zot_scale_max = 9.0;  ///< highest answer of the zone-of-tolerance scale
  std::vector<ServqualItem> items = servqual_items(1991);  ///< item map, in column order
  double allocation_total = 100.0;                         ///< points each respondent allocates over the dimensions
  double allocation_tolerance = 0.5;                       ///< accepted |sum - allocation_total|
  /// A respondent's dimension score is computed when at least this share of its items are answered.
  double min_coverage = 0.5;

  /** @brief Throw config_error naming the key when a value is invalid (empty dimension, duplicate item ...). */
  void validate() const;
  /** @brief The dimensions in order of first appearance in `items`. */
  std::vector<RaterDimension> dimensions() const;
  /** @brief Item indices of each dimension of `dimensions()`. */
  std::vector<std::vector<int>> dimension_items() const;
  /** @brief Column index of the item named `name`, or -1. */
  int index_of(std::string_view name) const;
  bool operator==(const ServqualConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
ServqualConfig servqual_config_from_json(std::string_view json);
/** @brief Serialise every key as a JSON object. */
std::string to_json(const ServqualConfig& config);

/** @brief Per-respondent SERVQUAL / SERVPERF scores (n rows). D = number of dimensions. */
struct ServqualScores {
  RowMatrixXd item_e;                 ///< n x k expectations after reverse keying (empty for SERVPERF)
  RowMatrixXd item_p;                 ///< n x k perceptions after reverse keying
  RowMatrixXd item_gap;               ///< n x k P - E (empty for SERVPERF); NaN when either is missing
  RowMatrixXd dim_e;                  ///< n x D respondent dimension means of E (empty for SERVPERF)
  RowMatrixXd dim_p;                  ///< n x D respondent dimension means of P
  RowMatrixXd dim_gap;                ///< n x D respondent dimension means of the gaps (empty for SERVPERF)
  RowMatrixXd allocation;             ///< n x D allocated points (empty without allocations)
  Eigen::VectorXd servqual;           ///< mean of the respondent's dimension gaps (NaN if one is missing)
  Eigen::VectorXd weighted_servqual;  ///< sum_d points/total * gap_d (NaN without a valid allocation)
  Eigen::VectorXd servperf;           ///< mean of the respondent's dimension perceptions
  Eigen::VectorXd weighted_servperf;  ///< sum_d points/total * P_d
  Eigen::Index size() const { return item_p.rows(); }
};

/**
 * @brief Score respondents.
 * @param expectations n x k (NaN = missing), columns in `config.items` order; 0 columns for SERVPERF.
 * @param perceptions n x k.
 * @param allocations empty, or n x D points per dimension (in `config.dimensions()` order); a row
 *   with a NaN has no weighted score.
 * @throws input_error naming the row, column and value for an answer outside the scale, an
 *   allocation that is negative or whose row does not sum to `allocation_total`, or a shape mismatch.
 */
ServqualScores servqual_scores(RecordsRef expectations, RecordsRef perceptions, const ServqualConfig& config,
                               RecordsRef allocations = RowMatrixXd(), int workers = 1);

/** @brief Summary of SERVQUAL scores (the result of a `ServqualAccumulator`). */
struct ServqualSummary {
  bool has_expectations = true;           ///< false for SERVPERF (perceptions only)
  std::int64_t n_rows = 0;                ///< respondents seen
  std::int64_t n_weighted = 0;            ///< respondents with a weighted score
  std::int64_t n_missing_allocation = 0;  ///< respondents without a complete allocation (when allocations were given)
  /// k x 7: mean E, mean P, mean gap, sd gap, n (gap), missing E, missing P
  Eigen::MatrixXd items;
  /// D x 9: mean E, mean P, mean gap, sd gap, n (gap), mean allocation, alpha P, alpha gap, n (P)
  Eigen::MatrixXd dimensions;
  /// mean over the dimensions with a mean gap of the mean respondent dimension gap: a dimension
  /// no respondent scored (NaN row of `dimensions`) is left out and `n_dimensions_used` says how many entered
  double servqual = 0;
  double weighted_servqual = 0;  ///< mean of SQ_i (NaN without allocations)
  double servperf = 0;  ///< mean over the dimensions with a mean perception of the mean respondent dimension perception
  double weighted_servperf = 0;        ///< mean of SP_i (NaN without allocations)
  double respondent_servqual = 0;      ///< mean of the per-respondent unweighted SERVQUAL (complete respondents)
  std::int64_t n_dimensions_used = 0;  ///< dimensions in the headline SERVQUAL (SERVPERF: in servperf)
};

/**
 * @brief Mergeable partial result of SERVQUAL / SERVPERF: Moments of the item and dimension
 * scores and per-dimension reliability states. update() chunks in any order, merge()
 * partial accumulators, result() equals one pass over all respondents (up to rounding).
 */
class ServqualAccumulator {
 public:
  ServqualAccumulator() = default;
  /** @param perceptions_only SERVPERF: no expectations. */
  explicit ServqualAccumulator(const ServqualConfig& config, bool perceptions_only = false);
  /** @brief Score and add a batch (see `servqual_scores`); for SERVPERF pass 0-column expectations. */
  ServqualAccumulator& update(RecordsRef expectations, RecordsRef perceptions, RecordsRef allocations = RowMatrixXd(),
                              int workers = 1);
  /** @brief Add already computed scores. */
  ServqualAccumulator& add(const ServqualScores& scores);
  /** @brief Fold another accumulator of the same configuration in. */
  ServqualAccumulator& merge(const ServqualAccumulator& other);
  /** @brief The summary of everything added. */
  ServqualSummary result() const;
  const ServqualConfig& config() const { return config_; }
  bool perceptions_only() const { return perceptions_only_; }
  std::string to_bytes() const;
  static ServqualAccumulator from_bytes(std::string_view bytes);

 private:
  ServqualConfig config_;
  bool perceptions_only_ = false;
  std::int64_t n_rows_ = 0, n_missing_allocation_ = 0;
  // item_e, item_p, item_gap (pairwise, k); dim_e, dim_p, dim_gap, allocation (pairwise, D);
  // overall (pairwise, 4: servqual, weighted servqual, servperf, weighted servperf)
  std::vector<Moments> moments_;
  std::vector<Moments> rel_p_, rel_gap_;  // per dimension, listwise over its items
};

/** @brief Per-respondent zone-of-tolerance scores. */
struct ZotScores {
  RowMatrixXd item_a;  ///< n x k adequate (NaN unless A, D, P are all present)
  RowMatrixXd item_d;  ///< n x k desired (same rule)
  RowMatrixXd item_p;  ///< n x k perceived (same rule)
  RowMatrixXd msa;     ///< n x k P - A (NaN unless A, D, P are all present)
  RowMatrixXd mss;     ///< n x k P - D
  RowMatrixXd dim_a;   ///< n x D respondent dimension means of A (items with all three present)
  RowMatrixXd dim_d;   ///< n x D respondent dimension means of D
  RowMatrixXd dim_p;   ///< n x D respondent dimension means of P
};

/**
 * @brief Zone-of-tolerance scores of n respondents, k items (config.items order), on the zot scale.
 * @throws input_error naming the row, column and value outside the scale, or a shape mismatch.
 */
ZotScores zot_scores(RecordsRef adequate, RecordsRef desired, RecordsRef perceived, const ServqualConfig& config,
                     int workers = 1);

/** @brief Zone-of-tolerance summary: one row per item, then one per dimension. */
struct ZotSummary {
  std::int64_t n_rows = 0;  ///< respondents seen
  /// (k + D) x 11: n, mean A, mean D, mean P, MSA, MSS, width, below, within, above, inverted (D < A)
  Eigen::MatrixXd table;
};

/** @brief Mergeable partial result of the zone of tolerance (counts and sums: merges exactly). */
class ZotAccumulator {
 public:
  ZotAccumulator() = default;
  explicit ZotAccumulator(const ServqualConfig& config);
  ZotAccumulator& update(RecordsRef adequate, RecordsRef desired, RecordsRef perceived, int workers = 1);
  ZotAccumulator& add(const ZotScores& scores);
  ZotAccumulator& merge(const ZotAccumulator& other);
  ZotSummary result() const;
  const ServqualConfig& config() const { return config_; }
  std::string to_bytes() const;
  static ZotAccumulator from_bytes(std::string_view bytes);

 private:
  ServqualConfig config_;
  std::int64_t n_rows_ = 0;
  // (k + D) x 8: n, sum A, sum D, sum P, below, within, above, inverted
  Eigen::MatrixXd sums_;
};

}  // namespace servscore
