/**
 * @file impressions.hpp
 * @brief The impressions balance: a per-customer ledger of positive and negative impressions over
 * the moments of truth, where one negative impression takes `repair_ratio` positive ones to repair.
 *
 * Source (the course's complaint statistics): "当你留给他一个负面印象后，往往还得有12个正面印象才能弥补"
 * (after one negative impression it usually takes 12 positive ones to make up for it). A moment
 * rated >= `positive_min` is a positive impression, <= `negative_max` a negative one, anything
 * between neutral. The balance after each moment is positives - repair_ratio x negatives, in
 * units of positive impressions; a customer whose final balance is below zero is in deficit, and
 * `repairs_needed` = max(0, -balance) positive impressions would bring them back to zero.
 */
#pragma once

#include <cstdint>
#include <vector>

#include "servscore/types.hpp"

namespace servscore {

/** @brief Configuration of the impressions ledger. */
struct ImpressionConfig {
  double scale_min = 1.0;      ///< lowest rating of a moment
  double scale_max = 5.0;      ///< highest rating
  double positive_min = 4.0;   ///< a positive impression when the rating is >= this (default: top two of 1-5)
  double negative_max = 2.0;   ///< a negative impression when the rating is <= this (bottom two)
  double repair_ratio = 12.0;  ///< positive impressions that repair one negative (source: 12)
  double level = 0.95;         ///< confidence level of the Wilson interval of the share in deficit
  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
};

/** @brief The ledger: one entry per moment (in input order) and one per customer. */
struct ImpressionLedger {
  VectorXi8 valence;                   ///< per moment: 1 positive, 0 neutral, -1 negative, -2 missing rating
  Eigen::VectorXd running_balance;     ///< per moment: the customer's balance after it (unchanged by a missing rating)
  std::vector<std::int64_t> positive;  ///< per customer: positive impressions
  std::vector<std::int64_t> negative;  ///< per customer: negative impressions
  std::vector<std::int64_t> neutral;   ///< per customer: neutral impressions
  std::vector<std::int64_t> missing;   ///< per customer: moments without a rating (counted, not scored)
  Eigen::VectorXd balance;             ///< per customer: positive - repair_ratio x negative
  Eigen::VectorXd lowest_balance;      ///< per customer: the lowest running balance reached (0 when never below)
  VectorXi8 deficit;                   ///< per customer: 1 when balance < 0, 0 when >= 0, -1 with no rated moment
};

/**
 * @brief Build the ledger.
 * @param customer customer code per moment in [0, n_customers); moments of one customer are taken in
 * input order (sort by time before calling).
 * @param rating rating per moment; NaN = missing (counted per customer).
 * @throws input_error naming the row and value for a customer code out of range, a rating outside the
 * scale, or lengths that differ.
 */
ImpressionLedger impression_ledger(Eigen::Ref<const VectorXi32> customer, Eigen::Ref<const Eigen::VectorXd> rating,
                                   int n_customers, const ImpressionConfig& config);

/** @brief Share of customers in deficit per group. */
struct ImpressionSummary {
  std::vector<std::int64_t> customers;   ///< customers with at least one rated moment
  std::vector<std::int64_t> in_deficit;  ///< of those, customers whose balance is below zero
  std::vector<std::int64_t> unrated;     ///< customers without a rated moment (not in the share)
  std::vector<double> share;             ///< in_deficit / customers (NaN when none)
  std::vector<double> lower;             ///< Wilson interval at `level`
  std::vector<double> upper;             ///< see lower
  std::vector<double> mean_balance;      ///< mean final balance of the rated customers
  std::vector<double> negative_rate;     ///< negative impressions / rated moments
  std::vector<double> repairs_needed;    ///< positive impressions needed to bring every customer in deficit to zero
};

/**
 * @brief Summarise a ledger per group.
 * @param groups group code per customer in [0, n_groups), or empty for one group.
 */
ImpressionSummary summarize_impressions(const ImpressionLedger& ledger, Eigen::Ref<const VectorXi32> groups,
                                        int n_groups, const ImpressionConfig& config);

}  // namespace servscore
