/**
 * @file defection.hpp
 * @brief Why customers leave: shares of defection reasons with simultaneous intervals, and a
 * goodness-of-fit test of the observed mix against a benchmark mix.
 *
 * The taxonomy and the benchmark tables (TARP-style: moved 3%, friends with a competitor 5%,
 * price 9%, product quality 14%, poor service 68%; IBM 2004: died 1%, moved 3%, curiosity 4%,
 * cheaper product 9%, long dissatisfied 10%, needs ignored 64%) live in the Python layer
 * (`servscore.defection`), which codes the answers; this header holds the arithmetic.
 *
 * Shares are weighted when weights are given. Intervals are simultaneous over the k reasons:
 * Goodman (1965) by default, Quesenberry & Hurst (1964) on request (see loyalty.hpp), computed on
 * Kish's effective sample size n_eff = (sum w)^2 / sum w^2 when the data are weighted.
 * The benchmark test is Pearson's chi-square on the (effective) counts, df = k - 1, with
 * adjusted standardised residuals (o - e) / sqrt(e (1 - p)) per reason (Haberman 1973).
 */
#pragma once

#include <cstdint>
#include <vector>

#include "servscore/loyalty.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Configuration of the defection-reason shares. */
struct DefectionConfig {
  double level = 0.95;                                          ///< joint confidence level of the intervals
  MultinomialInterval interval = MultinomialInterval::goodman;  ///< simultaneous intervals of the shares
  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
};

/** @brief Reason counts and shares per group (groups x k matrices). */
struct DefectionShares {
  Eigen::MatrixXd count;                                          ///< weighted count per group and reason
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> n;  ///< respondents per group and reason
  std::vector<double> total;                                      ///< weighted total of coded answers per group
  std::vector<double> n_effective;                                ///< Kish's effective n per group
  std::vector<std::int64_t> n_missing;                            ///< answers without a reason (code -1), per group
  Eigen::MatrixXd share;                                          ///< count / total (NaN when a group has none)
  Eigen::MatrixXd lower;                                          ///< simultaneous lower bound
  Eigen::MatrixXd upper;                                          ///< simultaneous upper bound
};

/**
 * @brief Count reasons per group.
 * @param codes reason code per answer in [0, k), or -1 for a missing / uncodable answer (counted).
 * @param weights one positive finite weight per answer, or empty for unit weights.
 * @param groups group code per answer in [0, n_groups), or empty for one group.
 * @throws input_error naming the row and value for a code outside [-1, k), a group outside its range,
 * a weight that is negative, NaN or infinite, or lengths that differ.
 */
DefectionShares defection_shares(Eigen::Ref<const VectorXi32> codes, Eigen::Ref<const Eigen::VectorXd> weights,
                                 Eigen::Ref<const VectorXi32> groups, int n_groups, int k,
                                 const DefectionConfig& config);

/**
 * @brief Simultaneous multinomial intervals on (possibly non-integer) counts: the Goodman /
 * Quesenberry-Hurst bounds of `multinomial_intervals` with n_i and n real.
 * @return k x 2 matrix of [lower, upper]; NaN rows when the total is 0.
 */
Eigen::MatrixXd multinomial_intervals_real(const std::vector<double>& counts, double level, MultinomialInterval method);

/** @brief Pearson chi-square of observed counts against expected shares. */
struct BenchmarkTest {
  double n = 0;                   ///< total of the observed counts
  double statistic = 0;           ///< sum (o - e)^2 / e over categories with e > 0
  int dof = 0;                    ///< categories with a positive benchmark share, minus one
  double p_value = 1;             ///< upper tail of chi-square(dof); NaN when dof == 0 or n == 0
  double min_expected = 0;        ///< smallest expected count (the approximation wants >= 5)
  std::vector<double> expected;   ///< n p_i
  std::vector<double> residual;   ///< adjusted standardised residual (o - e) / sqrt(e (1 - p)); NaN where p is 0 or 1
  std::int64_t n_impossible = 0;  ///< observed counts in categories whose benchmark share is 0 (statistic is inf)
};

/**
 * @brief Test an observed reason mix against a benchmark mix.
 * @param observed counts per category (weighted or effective counts allowed).
 * @param shares benchmark share per category, each in [0, 1], summing to 1 within 1e-9.
 * @throws input_error for negative or non-finite counts, config_error for invalid shares or sizes.
 */
BenchmarkTest benchmark_test(const std::vector<double>& observed, const std::vector<double>& shares);

}  // namespace servscore
