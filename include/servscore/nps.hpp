/**
 * @file nps.hpp
 * @brief Net Promoter Score and other transactional survey metrics (CSAT, CES, mean scores).
 *
 * Every metric is computed from a small, exactly mergeable state: per group, the
 * count of each scale point, the missing answers and (with survey weights) the sum
 * of weights and of squared weights per scale point (`ResponseCounts`). Count a
 * batch with `count_responses`, merge partial states from chunks or threads with
 * `ResponseCounts::merge`, then estimate with `nps_estimates` or `box_estimates`.
 *
 * References: Reichheld (2003) HBR 81(12) for the NPS; Rocks (2016) The American
 * Statistician 70(4) for the Wald and adjusted-Wald intervals; Zou & Donner (2008)
 * Statistics in Medicine 27 for the MOVER interval; Wilson (1927) JASA 22 for the
 * score interval of a share; Kish (1965) for the effective sample size
 * (sum w)^2 / sum w^2. Every number is a configurable default.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servscore/detail/group_keys.hpp"
#include "servscore/model.hpp"
#include "servscore/stats.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Interval method of the NPS and of NPS differences. */
enum class NpsInterval {
  wald,           ///< NPS +- z SE (Rocks 2016)
  adjusted_wald,  ///< add 3/4 promoter and 3/4 detractor to n + 3 (Rocks 2016; the default)
  mover           ///< Wilson limits of both shares recombined by MOVER with their multinomial correlation
};

/** @brief Names and labels of `NpsInterval` (so `parse<NpsInterval>` and `to_string` work). */
template <>
struct enum_traits<NpsInterval> {
  static constexpr const char* kind = "nps_interval";
  static const std::array<EnumInfo, 3>& table();
};

/** @brief Row-major int64 matrix (groups x scale points). */
using RowMatrixXi64 = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/**
 * @brief The mergeable state of every transactional metric: answers per group and scale point.
 *
 * Counts are integers, so merging is exact in any order. Weight sums are doubles:
 * merging them is exact up to floating-point rounding (exact for integer weights).
 */
struct ResponseCounts {
  int scale_min = 0;                  ///< lowest scale point
  int scale_max = 10;                 ///< highest scale point
  bool weighted = false;              ///< whether weight sums are kept
  RowMatrixXi64 counts;               ///< groups x points: answers per scale point
  RowMatrixXd weight_sum;             ///< groups x points: sum of weights (0 x 0 unless weighted)
  RowMatrixXd weight_sq_sum;          ///< groups x points: sum of squared weights (0 x 0 unless weighted)
  std::vector<std::int64_t> missing;  ///< per group: missing answers (NaN)

  /** @brief Number of scale points, scale_max - scale_min + 1. */
  int n_points() const { return scale_max - scale_min + 1; }
  /** @brief Number of groups. */
  int n_groups() const { return static_cast<int>(counts.rows()); }
  /** @brief An all-zero state. Throws `config_error` for an invalid scale. */
  static ResponseCounts zeros(int scale_min, int scale_max, int n_groups, bool weighted);
  /** @brief Add another state of the same scale, group count and weighting (exact merge). */
  ResponseCounts& merge(const ResponseCounts& other);
  /**
   * @brief Move group i to group `map[i]` of a state with `n_groups` groups (groups mapped
   * to the same target are added). Used to align the groups of partial states.
   */
  ResponseCounts regroup(Eigen::Ref<const VectorXi32> map, int n_groups) const;
  /** @brief A compact binary image (host byte order, versioned, checked by `from_bytes`). */
  std::string to_bytes() const;
  /** @brief Read a `to_bytes` image; throws `input_error` for a malformed one. */
  static ResponseCounts from_bytes(std::string_view bytes);
  bool operator==(const ResponseCounts& o) const;
};

/**
 * @brief Answer counts with the keys of their groups: the state of `ss.ResponseAccumulator`.
 *
 * Row g of `counts` holds the answers of group key `keys.key(g)`; merging aligns the groups by
 * key (no alignment outside C++). Without groups the keys have no columns (width 0) and one,
 * empty, key.
 *
 * Byte image (little-endian): `"SSGRESP1"`, the `GroupKeys` image, u64 length and the
 * `ResponseCounts` image. `from_bytes` validates both and that they agree in group count.
 */
struct GroupedResponses {
  GroupKeys keys;         ///< code -> group key
  ResponseCounts counts;  ///< one row per key code

  /** @brief A state of the batch `counts` whose rows are the codes of `keys` (sizes must agree). */
  static GroupedResponses of(GroupKeys keys, ResponseCounts counts);
  /**
   * @brief Add counts whose row g belongs to `batch_keys.key(g)`. Throws `input_error` when the
   * key columns, the scale or the weighting differ (naming both).
   */
  GroupedResponses& absorb(const GroupKeys& batch_keys, const ResponseCounts& batch);
  /** @brief Add another state in place (groups aligned by key). */
  GroupedResponses& merge(const GroupedResponses& other) { return absorb(other.keys, other.counts); }
  /** @brief The same counts with the groups in key order (`GroupKeys::sorted_codes`). */
  GroupedResponses sorted() const;
  /** @brief The versioned byte image. */
  std::string to_bytes() const;
  /** @brief Read a `to_bytes` image (untrusted: validated before allocating); throws `input_error`. */
  static GroupedResponses from_bytes(std::string_view bytes);
  bool operator==(const GroupedResponses& o) const { return keys == o.keys && counts == o.counts; }
};

/**
 * @brief Count answers per group and scale point (int8 answers: no missing values).
 * @param scores one answer per respondent, an integer in [scale_min, scale_max].
 * @param groups group code per answer in [0, n_groups), or empty for one group.
 * @param weights survey weight per answer (finite, >= 0), or empty for none.
 * @param workers threads; <= 0 means all hardware threads. Results do not depend on it.
 * @param what names the input in messages (e.g. "column 'nps'").
 * @throws input_error naming the row and value of an answer outside the scale, a bad
 *   group code or weight, or lengths that do not match.
 */
ResponseCounts count_responses(Eigen::Ref<const VectorXi8> scores, int scale_min, int scale_max,
                               Eigen::Ref<const VectorXi32> groups = VectorXi32(), int n_groups = 1,
                               Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(), int workers = 1,
                               const std::string& what = "scores");

/** @brief As above for real-valued answers: NaN is a missing answer (counted); other values must be whole numbers. */
ResponseCounts count_responses(Eigen::Ref<const Eigen::VectorXd> scores, int scale_min, int scale_max,
                               Eigen::Ref<const VectorXi32> groups = VectorXi32(), int n_groups = 1,
                               Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(), int workers = 1,
                               const std::string& what = "scores");

/** @brief Configuration of the NPS. JSON keys are the member names. */
struct NpsConfig {
  int scale_min = 0;                                ///< lowest answer (0 on the 0-10 likelihood-to-recommend scale)
  int scale_max = 10;                               ///< highest answer
  int promoter_min = 9;                             ///< answers >= promoter_min are promoters (9-10)
  int detractor_max = 6;                            ///< answers <= detractor_max are detractors (0-6)
  NpsInterval method = NpsInterval::adjusted_wald;  ///< interval method
  double level = 0.95;                              ///< confidence level of intervals
  double adjusted_total = 3.0;                      ///< adjusted Wald: pseudo-answers added to n (Rocks 2016: 3)
  double adjusted_each = 0.75;  ///< adjusted Wald: pseudo-answers added to promoters and to detractors (3/4)

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const NpsConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
NpsConfig nps_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const NpsConfig& config);

/** @brief The NPS of one group. Shares are fractions; nps, se and the limits are in points (-100..100). */
struct NpsEstimate {
  std::int64_t n = 0;                                                    ///< valid answers
  std::int64_t n_missing = 0;                                            ///< missing answers
  double n_eff = 0;                                                      ///< effective sample size (n when unweighted)
  std::int64_t promoters = 0, passives = 0, detractors = 0;              ///< counts (unweighted)
  double share_promoters = 0, share_passives = 0, share_detractors = 0;  ///< (weighted) shares
  double nps = 0;                                                        ///< 100 (pP - pD)
  double variance = 0;  ///< per-respondent variance pP + pD - (pP - pD)^2
  double se = 0;        ///< Wald standard error in points, 100 sqrt(variance / n_eff)
  double lower = 0;     ///< interval limits by the configured method, in points
  double upper = 0;
  /// the adjusted-Wald limits were cut at -100 or 100 (the NPS range); Wald and MOVER are never cut
  bool clipped = false;
  /// a limit was moved to the estimate so that the interval contains it: the adjusted-Wald centre
  /// is pulled towards 0 by its pseudo-answers, so for a few answers at one end (a single promoter:
  /// [-48.5, 98.5] around 100) the unmoved interval would exclude the estimate
  bool extended = false;
};

/**
 * @brief NPS per group of a state; NaN estimates for a group without valid answers.
 *
 * Interval rule: the limits of the configured method are cut to [-100, 100] (flag `clipped`) and
 * then widened, if needed, to contain the estimate (flag `extended`).
 */
std::vector<NpsEstimate> nps_estimates(const ResponseCounts& counts, const NpsConfig& config);

/** @brief Signed difference a - b of two NPS with its interval and a two-sided p-value. */
struct NpsDifference {
  double difference = 0;  ///< nps_a - nps_b, points
  double se = 0;          ///< 100 sqrt(var_a / n_a + var_b / n_b)
  double lower = 0;       ///< interval by the configured method
  double upper = 0;
  double z = 0;           ///< difference / se
  double p_value = 1;     ///< two-sided, normal (Wald z)
  bool clipped = false;   ///< the adjusted-Wald limits were cut at -200 or 200
  bool extended = false;  ///< a limit was moved to the difference so that the interval contains it
};

/**
 * @brief Difference of two independent NPS estimates (made with the same config).
 *
 * Wald: d +- z se. Adjusted Wald: each sample adjusted as for one NPS, then
 * (nps'_a - nps'_b) +- z sqrt(var'_a/n'_a + var'_b/n'_b). MOVER: d - sqrt((nps_a -
 * l_a)^2 + (u_b - nps_b)^2), d + sqrt((u_a - nps_a)^2 + (nps_b - l_b)^2).
 */
NpsDifference nps_difference(const NpsEstimate& a, const NpsEstimate& b, const NpsConfig& config);

/**
 * @brief Answers needed for an NPS interval of half-width `margin` points.
 *
 * n = design_effect z^2 v / (margin/100)^2 with v = pP + pD - (pP - pD)^2 from the
 * expected shares (the worst case v = 1 at pP = pD = 0.5); the adjusted Wald method
 * subtracts its `adjusted_total` pseudo-answers. Rounded up.
 */
std::int64_t nps_sample_size(double margin, double share_promoters, double share_detractors, const NpsConfig& config,
                             double design_effect = 1.0);

/** @brief Configuration of box scores and means (CSAT, CES, any rating). JSON keys are the member names. */
struct BoxConfig {
  int scale_min = 1;    ///< lowest answer
  int scale_max = 5;    ///< highest answer
  int top_min = 4;      ///< answers >= top_min are in the top box (4-5: top-2-box CSAT)
  int bottom_max = 2;   ///< answers <= bottom_max are in the bottom box (1-2)
  double level = 0.95;  ///< confidence level

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const BoxConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
BoxConfig box_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const BoxConfig& config);

/** @brief Box shares (Wilson intervals) and the mean (t interval) of one group. */
struct BoxEstimate {
  std::int64_t n = 0, n_missing = 0;                            ///< valid and missing answers
  double n_eff = 0;                                             ///< effective sample size
  std::int64_t top = 0, bottom = 0;                             ///< answers in the top and bottom box (unweighted)
  double top_share = 0, top_lower = 0, top_upper = 0;           ///< (weighted) share, Wilson limits with n_eff
  double bottom_share = 0, bottom_lower = 0, bottom_upper = 0;  ///< same for the bottom box
  double mean = 0;                                              ///< (weighted) mean answer
  double sd = 0;          ///< standard deviation (denominator n_eff - 1 in effective terms)
  double mean_lower = 0;  ///< mean +- t(level, n_eff - 1) sd / sqrt(n_eff), clipped to the scale
  double mean_upper = 0;
};

/** @brief Box shares and means per group of a state (whose scale must equal the config's). */
std::vector<BoxEstimate> box_estimates(const ResponseCounts& counts, const BoxConfig& config);

/**
 * @brief Default box cut-offs of a scale: the points above its midpoint are the top box, the
 * points below it the bottom box (1-5: top 4-5, bottom 1-2; 1-7: 5-7 and 1-3; 1-10: 6-10 and 1-5;
 * 0-10: 6-10 and 0-4). Returns {bottom_max, top_min}.
 */
std::pair<int, int> box_cutoffs(int scale_min, int scale_max);

/** @brief Weighted means per group with design-based (Taylor-linearised) standard errors. */
struct DesignMeans {
  RowMatrixXd mean;           ///< groups x variables: sum w y / sum w over the group's rows with y present
  RowMatrixXd se;             ///< groups x variables: linearised standard error (as R `survey::svymean` / `svyby`)
  Eigen::VectorXd weight;     ///< per group: sum of weights of its rows with y present
  std::int64_t n_psu = 0;     ///< primary sampling units of the whole sample
  std::int64_t n_strata = 0;  ///< strata of the whole sample
  /// design degrees of freedom n_psu - n_strata (`survey::degf`)
  std::int64_t df() const { return n_psu - n_strata; }
};

/**
 * @brief Design-based means and standard errors of a stratified cluster sample (with replacement
 * of PSUs within strata, optionally with a finite population correction), by Taylor linearisation.
 *
 * For group (domain) g and variable k: mean = sum_i w_i y_i / W_g over the group's rows with y
 * present; z_i = w_i (y_i - mean) / W_g for those rows and 0 for every other row (domain
 * estimation: the design keeps every row, as `survey` does for subsets and `na.rm = TRUE`);
 * var = sum_h (1 - f_h) n_h / (n_h - 1) sum_j (t_hj - tbar_h)^2 with t_hj the total of z over PSU j
 * of stratum h and n_h the PSUs of stratum h. A PSU is a (stratum, cluster) pair.
 *
 * @param y rows x variables; a row whose first variable is NaN is missing (set aside in every group).
 * @param weights per row, finite and >= 0.
 * @param groups group code per row in [0, n_groups), or empty for one group.
 * @param strata stratum code per row in [0, n_strata), or empty for one stratum.
 * @param clusters cluster code per row (>= 0), or empty: every row its own PSU.
 * @param fpc per stratum: 0 (none), a sampling fraction in (0, 1], or a population count of PSUs
 *   (> 1, at least the stratum's PSUs); empty for none.
 * @throws input_error for sizes that differ, bad codes or weights, a stratum with one PSU
 *   (`survey`'s default `lonely.psu = "fail"`), or an fpc below the stratum's PSUs.
 */
DesignMeans design_means(Eigen::Ref<const RowMatrixXd> y, Eigen::Ref<const Eigen::VectorXd> weights,
                         Eigen::Ref<const VectorXi32> groups, int n_groups, Eigen::Ref<const VectorXi32> strata,
                         Eigen::Ref<const VectorXi32> clusters, Eigen::Ref<const Eigen::VectorXd> fpc);

}  // namespace servscore
