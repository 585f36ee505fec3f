/**
 * @file reliability.hpp
 * @brief Internal-consistency reliability of a block of items: Cronbach's alpha
 * (raw and standardised) with the Feldt interval, alpha if an item is deleted,
 * corrected item-total correlations; Dillon-Goldstein rho (composite
 * reliability) and the average variance extracted from loadings.
 *
 * References: Cronbach (1951) Psychometrika 16(3); Feldt, Woodruff & Salih (1987)
 * Applied Psychological Measurement 11(1); Werts, Linn & Jöreskog (1974) and
 * Chin (1998) for rho; Fornell & Larcker (1981) J. Marketing Research 18(1) for AVE.
 *
 * - raw alpha = k/(k-1) (1 - sum_i s_ii / sum_ij s_ij) from the item covariance S;
 * - standardised alpha = k rbar / (1 + (k-1) rbar), rbar the mean inter-item correlation;
 * - Feldt interval at level 1-g: [1 - (1-a) F(1-g/2; n-1, (n-1)(k-1)),
 *   1 - (1-a) F(g/2; n-1, (n-1)(k-1))], F the F-distribution quantile;
 * - Dillon-Goldstein rho = (sum l)^2 / ((sum l)^2 + sum (1 - l^2)) and
 *   AVE = sum l^2 / k, for standardised loadings l. `cronbach_alpha` also reports
 *   rho from the loadings on the block's first principal component (as R plspm's
 *   `unidim` does) and the first two eigenvalues of the correlation matrix.
 *
 * Everything is computed from a `Moments` state, so alphas of data that arrive
 * in chunks merge exactly (`AlphaAccumulator`).
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "servscore/moments.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Cronbach's alpha of a block of items, with item statistics. */
struct AlphaResult {
  int k = 0;                   ///< number of items
  std::int64_t n = 0;          ///< rows used (listwise: complete rows; pairwise: rows with an answer); Feldt's n
  std::int64_t n_rows = 0;     ///< rows seen
  std::int64_t n_dropped = 0;  ///< rows left out by the missing-data policy
  VectorXi64 n_missing;        ///< missing answers per item
  MissingPolicy policy = MissingPolicy::listwise;  ///< the missing-data policy used
  bool weighted = false;                           ///< true when survey weights were used
  double alpha = 0;                                ///< raw alpha (covariances)
  double alpha_standardized = 0;                   ///< standardised alpha (correlations)
  double mean_r = 0;                               ///< mean inter-item correlation rbar
  double level = 0.95;                             ///< confidence level of the interval
  double ci_low = 0;                               ///< Feldt interval, lower end
  double ci_high = 0;                              ///< Feldt interval, upper end
  double dg_rho = 0;                               ///< Dillon-Goldstein rho from first-principal-component loadings
  double eigen1 = 0;                               ///< largest eigenvalue of the item correlation matrix
  double eigen2 = 0;                               ///< second largest eigenvalue (NaN for one item)
  Eigen::VectorXd item_mean;                       ///< per item
  Eigen::VectorXd item_sd;                         ///< per item (ddof 1)
  Eigen::VectorXd alpha_if_deleted;                ///< raw alpha of the other k-1 items
  Eigen::VectorXd alpha_standardized_if_deleted;   ///< standardised alpha of the other k-1 items
  Eigen::VectorXd item_total_r;                    ///< corrected: correlation of the item with the sum of the others
  Eigen::VectorXd item_total_r_uncorrected;        ///< correlation of the item with the sum of all items
  Eigen::VectorXd pc1_loadings;                    ///< loadings on the first principal component (sign: positive sum)
};

/**
 * @brief Cronbach's alpha from a co-moment state of the k items.
 * @param moments the items' state (any policy, weighted or not); k >= 2.
 * @param level confidence level of the Feldt interval, in (0, 1).
 * @throws input_error for fewer than 2 items or fewer than 2 rows used, naming the counts;
 *   config_error for a level outside (0, 1).
 */
AlphaResult cronbach_alpha(const Moments& moments, double level = 0.95);

/**
 * @brief Cronbach's alpha of n x k item answers (NaN = missing).
 * @param weights empty or n survey weights >= 0.
 */
AlphaResult cronbach_alpha(RecordsRef items, MissingPolicy policy = MissingPolicy::listwise, double level = 0.95,
                           Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(), int workers = 1);

/** @brief Raw alpha of a k x k covariance matrix (NaN for k < 2). */
double alpha_from_covariance(const Eigen::MatrixXd& cov);

/**
 * @brief Feldt et al. (1987) interval of alpha.
 * @return {lower, upper} at confidence `level`, with df1 = n-1, df2 = (n-1)(k-1).
 */
std::pair<double, double> feldt_interval(double alpha, double n, int k, double level = 0.95);

/** @brief Dillon-Goldstein rho (composite reliability) from standardised loadings. */
double dillon_goldstein_rho(Eigen::Ref<const Eigen::VectorXd> loadings);

/** @brief Average variance extracted, mean of the squared standardised loadings. */
double average_variance_extracted(Eigen::Ref<const Eigen::VectorXd> loadings);

/** @brief Loadings of the items on the first principal component of a correlation matrix (sqrt(l1) v1, sum > 0). */
Eigen::VectorXd first_component_loadings(const Eigen::MatrixXd& correlation);

/**
 * @brief Mergeable partial result of Cronbach's alpha: a `Moments` state of the items.
 *
 * update() chunks in any order, merge() partial accumulators, result() at the end:
 * the same alpha as one pass over all rows (up to rounding).
 */
class AlphaAccumulator {
 public:
  AlphaAccumulator() = default;
  /** @brief k items, missing-data policy, optional item names. */
  explicit AlphaAccumulator(int k, MissingPolicy policy = MissingPolicy::listwise, std::vector<std::string> names = {})
      : moments_(k, policy, std::move(names)) {}
  /** @brief Add n x k answers (and optional weights). */
  AlphaAccumulator& update(RecordsRef items, Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(),
                           int workers = 1) {
    moments_.update(items, weights, workers);
    return *this;
  }
  /** @brief Fold another accumulator of the same items and policy in. */
  AlphaAccumulator& merge(const AlphaAccumulator& other) {
    moments_.merge(other.moments_);
    return *this;
  }
  /** @brief Alpha of everything added so far. */
  AlphaResult result(double level = 0.95) const { return cronbach_alpha(moments_, level); }
  const Moments& moments() const { return moments_; }           ///< the underlying state
  std::string to_bytes() const { return moments_.to_bytes(); }  ///< same format as Moments
  /** @brief Inverse of to_bytes. */
  static AlphaAccumulator from_bytes(std::string_view bytes) {
    AlphaAccumulator a;
    a.moments_ = Moments::from_bytes(bytes);
    return a;
  }

 private:
  Moments moments_;
};

}  // namespace servscore
