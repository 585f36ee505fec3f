/**
 * @file loyalty.hpp
 * @brief Satisfaction and loyalty: Jones & Sasser segments per customer, segment
 * shares with simultaneous multinomial intervals, and the satisfaction-to-loyalty
 * curve with a diagnosis of the competitive vs non-competitive zone.
 *
 * Jones & Sasser (1995), "Why satisfied customers defect", HBR 73(6). A customer is
 * highly satisfied when satisfaction >= `satisfaction_threshold` and loyal when
 * loyalty >= `loyalty_threshold` (both default to the top box of a 1-5 scale):
 * apostle (high, high), mercenary (high, low), hostage (low, high), defector (low,
 * low). Refinement: a defector who is an NPS detractor or complained is a terrorist.
 * Simultaneous intervals of the shares: Goodman (1965), Technometrics 7(2), default,
 * or Quesenberry & Hurst (1964), Technometrics 6(2).
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/grouped_counts.hpp"
#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Simultaneous confidence intervals for multinomial shares. */
enum class MultinomialInterval {
  goodman,           ///< Goodman (1965): chi2(1) at 1 - alpha/k (Bonferroni), the default
  quesenberry_hurst  ///< Quesenberry & Hurst (1964): chi2(k-1) at 1 - alpha (wider)
};

/** @brief Configuration of the loyalty segments and curve. JSON keys are the member names. */
struct LoyaltyConfig {
  double satisfaction_min = 1.0;        ///< lowest satisfaction rating
  double satisfaction_max = 5.0;        ///< highest satisfaction rating
  double satisfaction_threshold = 5.0;  ///< highly satisfied when >= this (default: top box)
  double loyalty_min = 1.0;             ///< lowest loyalty (repurchase intention) rating
  double loyalty_max = 5.0;             ///< highest loyalty rating
  double loyalty_threshold = 5.0;       ///< loyal when >= this (default: top box)
  bool refine = true;        ///< split terrorists (detractor or complained) from defectors when the fields are given
  double nps_min = 0.0;      ///< likelihood-to-recommend scale
  double nps_max = 10.0;     ///< see nps_min
  double detractor_max = 6;  ///< NPS detractor when <= this (Reichheld 2003: 0-6)
  double promoter_min = 9;   ///< NPS promoter when >= this (9-10); an apostle who is a promoter is an advocate
  MultinomialInterval interval = MultinomialInterval::goodman;  ///< simultaneous intervals of the shares
  double confidence = 0.95;                                     ///< joint confidence level of the intervals
  /// Curve diagnosis [ours]: loyalty stays high without complete satisfaction (non-competitive)
  /// when the loyal share below the satisfaction threshold is >= this ...
  double noncompetitive_loyalty = 0.6;
  /// ... and collapses (competitive) when that share is < this and the top box's loyal share
  /// exceeds it by at least `competitive_gap`; otherwise the zone is intermediate.
  double competitive_loyalty = 0.4;
  double competitive_gap = 0.3;  ///< see competitive_loyalty
  int min_curve_n = 10;          ///< fewer customers on either side of the threshold: zone `insufficient`
  int max_levels = 101;          ///< the curve needs a rating scale: at most this many distinct satisfaction values

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const LoyaltyConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
LoyaltyConfig loyalty_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const LoyaltyConfig& config);

/** @brief Number of segment codes: `LoyaltySegment` values (apostle .. terrorist). */
constexpr int kLoyaltySegments = 5;

/** @brief Per-customer segments. Codes are `LoyaltySegment` values; -1 when satisfaction or loyalty is missing. */
struct LoyaltySegments {
  VectorXi8 segment;   ///< LoyaltySegment code or -1
  VectorXi8 advocate;  ///< 1 apostle and promoter, 0 not, -1 unknown (no NPS given or NPS missing for an apostle)
  VectorXi8 refined;   ///< 1 when the terrorist rule could be applied (an NPS or complaint value present), else 0
  Eigen::Index size() const { return segment.size(); }
};

/**
 * @brief Segment customers.
 * @param satisfaction, loyalty one value per customer; NaN = missing (segment -1, counted).
 * @param nps likelihood to recommend per customer, or empty; NaN = missing.
 * @param complained 1 / 0 per customer, or empty; NaN = missing.
 * @throws input_error naming the column, row and value for a value outside its scale, or lengths that differ.
 */
LoyaltySegments segment_customers(Eigen::Ref<const Eigen::VectorXd> satisfaction,
                                  Eigen::Ref<const Eigen::VectorXd> loyalty, Eigen::Ref<const Eigen::VectorXd> nps,
                                  Eigen::Ref<const Eigen::VectorXd> complained, const LoyaltyConfig& config,
                                  int workers = 1);

/** @brief Segment counts per group with simultaneous intervals of the shares. */
struct LoyaltySummary {
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> counts;  ///< groups x 5 segment counts
  std::vector<std::int64_t> n_unknown;    ///< customers with a missing satisfaction or loyalty, per group
  std::vector<std::int64_t> n_advocates;  ///< apostles who are promoters, per group
  Eigen::MatrixXd share;                  ///< groups x 5: share among the segmented customers (NaN when none)
  Eigen::MatrixXd lower;                  ///< groups x 5: simultaneous lower bound
  Eigen::MatrixXd upper;                  ///< groups x 5: simultaneous upper bound
  int n_categories = 5;                   ///< categories the intervals are simultaneous over (4 without refinement)
};

/**
 * @brief Simultaneous intervals for multinomial counts (one row of `counts`).
 * Goodman: A = chi2_1(1 - (1-confidence)/k); Quesenberry-Hurst: A = chi2_{k-1}(confidence);
 * bounds (A + 2 n_i -+ sqrt(A (A + 4 n_i (n - n_i) / n))) / (2 (n + A)).
 * @return k x 2 matrix of [lower, upper]; NaN rows when n = 0.
 */
Eigen::MatrixXd multinomial_intervals(const std::vector<std::int64_t>& counts, double confidence,
                                      MultinomialInterval method);

/** @brief Count segments per group; `groups` empty means one group. */
LoyaltySummary summarize_loyalty(const LoyaltySegments& segments, const LoyaltyConfig& config,
                                 Eigen::Ref<const VectorXi32> groups = VectorXi32(), int n_groups = 1);

namespace detail {
/** @brief Fill the shares and simultaneous intervals of `s` from its counts (`any_refined`: 5 categories, else 4). */
void finish_loyalty_summary(LoyaltySummary& s, bool any_refined, const LoyaltyConfig& config);
}  // namespace detail

/**
 * @brief The mergeable state of the loyalty segments: per group key the customers, the count of
 * each segment, the customers with a missing satisfaction or loyalty, the advocates and the
 * segmented customers to whom the terrorist rule could be applied. Integer counts: partitions
 * merge exactly in any order, and `result` gives `summarize_loyalty` of all the rows (shares and
 * simultaneous intervals from the merged counts; the intervals are simultaneous over 5
 * categories once any customer could be refined, as in one pass). Per-customer segments are
 * rows and are not kept.
 *
 * Byte image `"SSLOYAL1"` (little-endian on every host): u32 length and the configuration as
 * JSON, the `GroupKeys` image (keys in key order), u32 counts per group (9), then per group in
 * key order 9 i64: customers, the 5 segment counts (`LoyaltySegment` order), unknown,
 * advocates, refined. `from_bytes` checks every declared size against the bytes that remain
 * before allocating, each count in [0, 2^62], that segments and unknown add up to the customers,
 * advocates are at most the apostles, terrorists at most the refined and the refined at most
 * the segmented customers.
 */
class LoyaltyState {
 public:
  /** @brief Counts per group: customers, 5 segments, unknown, advocates, refined. */
  static constexpr std::size_t kWidth = 9;
  /** @brief An empty state for `config`, grouped by `key_names` (empty: ungrouped). */
  explicit LoyaltyState(LoyaltyConfig config = {}, std::vector<std::string> key_names = {});
  const LoyaltyConfig& config() const { return config_; }
  const GroupKeys& keys() const { return counts_.keys(); }
  /** @brief Number of groups. */
  int groups() const { return counts_.groups(); }
  /** @brief Customers counted. */
  std::int64_t rows() const { return counts_.total(0); }
  /** @brief Group codes in key order. */
  std::vector<std::int32_t> sorted_codes() const { return counts_.sorted_codes(); }
  /**
   * @brief Segment a batch (as `segment_customers`) and count it per group: row i in group
   * `batch_keys.key(groups[i])` (groups empty: ungrouped). An empty batch is a no-op; the state
   * is unchanged on error.
   */
  void update(Eigen::Ref<const Eigen::VectorXd> satisfaction, Eigen::Ref<const Eigen::VectorXd> loyalty,
              Eigen::Ref<const Eigen::VectorXd> nps, Eigen::Ref<const Eigen::VectorXd> complained,
              Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys, int workers = 1,
              std::int64_t row_offset = 0);
  /** @brief Add another state (groups aligned by key); input_error naming both when the configurations or keys differ.
   */
  LoyaltyState& merge(const LoyaltyState& other);
  /** @brief The summary, one row per group: in key order, or in code order. */
  LoyaltySummary result(bool key_order = true) const;
  /** @brief The `SSLOYAL1` image. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes validated first (input_error). */
  static LoyaltyState from_bytes(std::string_view bytes);
  bool operator==(const LoyaltyState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  LoyaltyConfig config_;
  detail::GroupedCounts counts_;
};

/** @brief Zone of the satisfaction-to-loyalty curve. */
enum class LoyaltyZone { competitive, intermediate, non_competitive, insufficient };
/** @brief Stable name of a zone. */
const char* to_string(LoyaltyZone z);

/** @brief The satisfaction-to-loyalty curve per group and its zone. */
struct LoyaltyCurve {
  std::vector<double> levels;                                     ///< distinct satisfaction values, ascending
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> n;  ///< groups x levels: customers
  Eigen::MatrixXd mean_loyalty;                                   ///< groups x levels (NaN when n = 0)
  Eigen::MatrixXd loyal_share;                                    ///< groups x levels: share with loyalty >= threshold
  Eigen::MatrixXd loyal_lower;                                    ///< Wilson interval of loyal_share
  Eigen::MatrixXd loyal_upper;                                    ///< see loyal_lower
  Eigen::MatrixXd below_above;    ///< groups x 4: n below threshold, loyal share below, n at/above, loyal share above
  std::vector<LoyaltyZone> zone;  ///< per group
  std::int64_t n_missing = 0;     ///< customers without both values (not on the curve)
};

/** @brief Build the curve from customers with both values present. */
LoyaltyCurve loyalty_curve(Eigen::Ref<const Eigen::VectorXd> satisfaction, Eigen::Ref<const Eigen::VectorXd> loyalty,
                           const LoyaltyConfig& config, Eigen::Ref<const VectorXi32> groups = VectorXi32(),
                           int n_groups = 1);

/** @brief Referrals (people a customer recommended the company to) per group. */
struct ReferralSummary {
  std::vector<std::int64_t> n;          ///< customers with a referral count
  std::vector<std::int64_t> missing;    ///< customers without one (NaN), counted
  std::vector<double> total;            ///< referrals made
  std::vector<double> mean;             ///< referrals per customer (the deck's 6.41)
  std::vector<double> sd;               ///< sample standard deviation (n - 1)
  std::vector<double> lower;            ///< Student-t interval of the mean at `level`, clipped at 0 (NaN when n < 2)
  std::vector<double> upper;            ///< see lower
  std::vector<double> share_referring;  ///< share of customers with at least one referral
  std::vector<double> share_lower;      ///< Wilson interval of share_referring
  std::vector<double> share_upper;      ///< see share_lower
};

/**
 * @brief Referrals per customer with intervals, per group.
 * @param referrals one non-negative finite count per customer; NaN = missing (counted).
 * @param groups group code per customer in [0, n_groups), or empty for one group.
 * @throws input_error naming the row and value for a negative or infinite count; config_error for a level outside (0,
 * 1).
 */
ReferralSummary summarize_referrals(Eigen::Ref<const Eigen::VectorXd> referrals, Eigen::Ref<const VectorXi32> groups,
                                    int n_groups, double level = 0.95);

}  // namespace servscore
