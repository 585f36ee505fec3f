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
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  Eigen::VectorXd keys;                            ///< +1 / -1 per item (reverse-keyed items: -1)
  double ase = 0;                                  ///< asymptotic standard error of alpha (Duhachek & Iacobucci 2004)
  double duhachek_low = 0;                         ///< Duhachek interval alpha -+ z ase, lower end
  double duhachek_high = 0;                        ///< upper end
  bool r_from_covariance = false;                  ///< correlations taken from the pairwise covariance matrix (psych)
  std::vector<int> constant_items;                 ///< 0-based items with zero variance (standardised alpha NaN)
};

/** @brief Options of `cronbach_alpha` beyond the level. */
struct AlphaOptions {
  Eigen::VectorXd keys;  ///< empty, or +1 / -1 per item: -1 reverses the item (as psych's keys)
  /// pairwise policy: correlations r_ij = s_ij / sqrt(s_ii s_jj) from the pairwise covariance matrix (psych's
  /// convention) instead of each pair's own correlation (pandas / pingouin); no effect listwise.
  bool r_from_covariance = false;
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
 * @brief Cronbach's alpha with keys and the correlation convention of `options`.
 *
 * Duhachek & Iacobucci (2004): ase = sqrt(Q / n) with
 * Q = 2 k^2 / ((k-1)^2 (1'S1)^3) [(1'S1)(tr S^2 + tr^2 S) - 2 tr S (1'S^2 1)], S the keyed covariance
 * matrix (psych's `alpha`); the interval is alpha -+ z_{(1+level)/2} ase.
 * @throws input_error when survey weights of the rows used sum to 0 (naming `weights`).
 */
AlphaResult cronbach_alpha(const Moments& moments, double level, const AlphaOptions& options);

/** @brief Settings of the percentile bootstrap of alpha. */
struct AlphaBootstrapConfig {
  int n_bootstrap = 1000;  ///< resamples of the rows
  double level = 0.95;     ///< the interval is the type-7 quantiles (1 -+ level) / 2
  std::uint64_t seed = 0;  ///< resample b uses the random stream (seed, b): results do not depend on workers
};

/** @brief A percentile bootstrap interval. */
struct AlphaBootstrapResult {
  double low = 0, high = 0;    ///< the interval
  int n_valid = 0;             ///< resamples with a finite alpha (the others are left out)
  Eigen::VectorXd replicates;  ///< alpha of each resample (NaN when not finite)
};

/**
 * @brief Percentile bootstrap interval of raw alpha: rows resampled with replacement (multinomial counts
 * as frequency weights, times the survey weights), the missing-data policy and keys of the sample.
 * @param check called between blocks of resamples on the calling thread (may throw to interrupt).
 */
AlphaBootstrapResult alpha_bootstrap(RecordsRef items, Eigen::Ref<const Eigen::VectorXd> weights, MissingPolicy policy,
                                     const AlphaOptions& options, const AlphaBootstrapConfig& config, int workers = 1,
                                     const std::function<void()>& check = {});

/** @brief Settings of `split_half` (psych's splitHalf defaults). */
struct SplitHalfConfig {
  std::int64_t n_sample = 10000;  ///< exhaustive when the number of distinct splits is at most this, else sampled
  std::uint64_t seed = 0;         ///< sampled splits: split s uses the random stream (seed, s)
};

/** @brief Guttman's lambdas and the split-half reliabilities of a correlation matrix. */
struct SplitHalfResult {
  int k = 0;
  double lambda1 = 0, lambda2 = 0, lambda3 = 0, lambda4 = 0, lambda5 = 0, lambda5p = 0, lambda6 = 0;
  double max = 0;                          ///< largest split-half reliability 4 r_AB / 1'R1 (lambda 4)
  double min = 0;                          ///< smallest (Revelle's beta estimate)
  double mean = 0;                         ///< mean over the splits (= alpha when exhaustive with an even k)
  double mean_r = 0, median_r = 0;         ///< mean and median inter-item correlation
  bool exhaustive = false;                 ///< every split was evaluated
  std::int64_t n_splits = 0;               ///< splits evaluated
  std::vector<char> max_split, min_split;  ///< 1 for the items of half A of the best / worst split
  Eigen::VectorXd keys;                    ///< +1 / -1 per item
};

/**
 * @brief Split-half reliabilities (psych::splitHalf) and Guttman's lambda 1-6 (psych::guttman).
 *
 * Halves have floor(k/2) and ceil(k/2) items. Exhaustive: every distinct split once (an even k: the
 * halves that hold item 1; an odd k: all choose(k, floor(k/2)) splits -- psych enumerates only the first
 * half of those in lexicographic order). Sampled: half A a uniform random subset per split.
 * lambda1 = 1 - tr R / V, lambda2 = lambda1 + sqrt(k/(k-1) sum_{i!=j} r_ij^2) / V, lambda3 = alpha,
 * lambda4 = max, lambda5 = lambda1 + 2 sqrt(max_j sum_{i!=j} r_ij^2) / V (lambda5p with k/(k-1)),
 * lambda6 = 1 - sum(1 - smc) / V, V = 1'R1, all of the keyed correlations.
 */
SplitHalfResult split_half(const Eigen::MatrixXd& correlation, const SplitHalfConfig& config = {},
                           const Eigen::VectorXd& keys = Eigen::VectorXd(), int workers = 1,
                           const std::function<void()>& check = {});

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
 * @return {lower, upper} at confidence `level`, with df1 = n-1, df2 = (n-1)(k-1); NaN when
 *   n <= 1, k < 2, alpha is NaN or df2 is not finite.
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
