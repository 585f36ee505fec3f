/**
 * @file drivers.hpp
 * @brief Key-driver analysis (LMG / Shapley / dominance analysis, Johnson's relative
 * weights, penalty-reward contrast analysis) and importance-performance analysis.
 *
 * References: Lindeman, Merenda & Gold (1980) and Grömping (2006) JSS 17(1) for LMG;
 * Budescu (1993) and Azen & Budescu (2003) for dominance analysis; Johnson (2000)
 * MBR 35(1) and Tonidandel, LeBreton & Johnson (2009) for relative weights and their
 * random-variable test; Brandt (1987) and Mikulić & Prebežac (2008) for penalty-reward
 * contrasts and impact asymmetry; Martilla & James (1977) J. Marketing 41(1) for IPA.
 *
 * Every analysis of importance starts from a (p+1) x (p+1) correlation matrix whose
 * last row and column are the outcome; `correlation_from_data` builds it from raw data
 * (survey weights, listwise or pairwise deletion) and `correlation_from_covariance`
 * from a covariance matrix. Every number here is a configurable default.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/moments.hpp"
#include "servscore/types.hpp"

namespace servscore {

// MissingPolicy (listwise: a row with a missing outcome or predictor is dropped and counted in
// `n_dropped`; pairwise: each correlation from the rows where both variables are present) is
// declared in moments.hpp.

/** @brief Configuration of importance analysis. JSON keys are the member names. */
struct DriverConfig {
  /// Exact all-subsets LMG / dominance up to this many predictors (<= 30); beyond it, permutation sampling.
  int exact_max_predictors = 25;
  /// Complete dominance (keeps R2 of every subset in memory: 8 * 2^p bytes, 256 MiB at 25) up to this
  /// many predictors (<= 28).
  int complete_max_predictors = 25;
  /// Random permutations when sampling (p > exact_max_predictors).
  std::int64_t n_permutations = 20000;
  /// Seed of every random draw (permutations, bootstrap, the random variable).
  std::uint64_t seed = 2026;
  /// Bootstrap replicates of the relative-weights random-variable test (0: no test).
  int n_bootstrap = 0;
  /// Two-sided level of the bootstrap percentile intervals (0.05: 95% intervals).
  double alpha = 0.05;
  /// A predictor whose residual variance given the earlier predictors is below this
  /// (on the correlation scale) is reported as collinear.
  double collinearity_tol = 1e-10;
  /// Increments closer than this count as ties in conditional and complete dominance.
  double dominance_tol = 1e-12;
  /// Raw data: `listwise` drops a row when the outcome or any predictor is missing (counted
  /// in `n_dropped`); `pairwise` takes each correlation from the rows where both are present.
  MissingPolicy missing = MissingPolicy::listwise;

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const DriverConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
DriverConfig driver_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const DriverConfig& config);

/** @brief A correlation matrix with the outcome last, and what went into it. */
struct CorrelationInput {
  Eigen::MatrixXd corr;        ///< (p+1) x (p+1), outcome last
  Eigen::VectorXd mean;        ///< weighted means of the p+1 variables (rows used)
  Eigen::VectorXd sd;          ///< weighted standard deviations (divisor: sum of weights)
  std::int64_t n_rows = 0;     ///< rows in the input
  std::int64_t n_used = 0;     ///< rows used (listwise) or rows with an outcome (pairwise)
  std::int64_t n_dropped = 0;  ///< rows dropped for missing values (listwise) or without outcome
  std::int64_t n_missing = 0;  ///< missing cells among the p+1 columns
  double sum_weights = 0.0;    ///< sum of the weights of the rows used
  double effective_n = 0.0;    ///< Kish effective sample size (sum w)^2 / sum w^2
};

/**
 * @brief Weighted correlations of [X, y] from raw data.
 * @param x n x p predictors (NaN = missing). @param y n outcome values (NaN = missing).
 * @param weights n survey weights (>= 0, finite) or empty for 1.
 * @param names p predictor names, used in messages (may be empty).
 * @throws input_error naming the column and row for a negative or non-finite weight, an
 *   infinite value, a constant column, or too few complete rows (<= p + 1).
 */
CorrelationInput correlation_from_data(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                       Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                       const std::vector<std::string>& names = {});

/**
 * @brief Correlations of predictors and outcome from a mergeable co-moment state.
 * @param m the state (its policy decides listwise or pairwise correlations).
 * @param predictors indices of the predictors in `m`; @param outcome index of the outcome.
 * @throws input_error for an index out of range or repeated, a constant variable, or too few rows.
 */
CorrelationInput correlation_from_moments(const Moments& m, const std::vector<int>& predictors, int outcome);

/**
 * @brief Correlation matrix from a (p+1) x (p+1) covariance (or correlation) matrix, outcome last.
 * @throws input_error for a non-square or asymmetric matrix, a non-positive variance, or NaN.
 */
Eigen::MatrixXd correlation_from_covariance(Eigen::Ref<const Eigen::MatrixXd> cov,
                                            const std::vector<std::string>& names = {});

/**
 * @brief Predictor sets and forced-in covariates (relaimpo `groups=` / `always=`, domir `.set` / `.all`).
 *
 * The analysis ranks *units*: each unit is a set of predictors that enter and leave the models
 * together. Every predictor is in exactly one unit or in `always`. `always` predictors are in
 * every model; their R2 (`r2_always`) is not decomposed, and each unit's value is the part of
 * `r2 - r2_always` it earns. Empty `units`: each predictor not in `always` is its own unit.
 */
struct DominanceSpec {
  std::vector<std::vector<int>> units;  ///< predictor indices (0-based) of each unit
  std::vector<int> always;              ///< predictors in every model
};

/** @brief LMG / Shapley values with general, conditional and complete dominance. */
struct DominanceResult {
  double r2 = 0.0;            ///< R2 of the full model
  double r2_always = 0.0;     ///< R2 of the forced-in predictors alone (0 without `always`)
  Eigen::VectorXd general;    ///< p LMG values (general dominance); they sum to r2
  Eigen::VectorXd se;         ///< p Monte-Carlo standard errors (0 when exact)
  Eigen::VectorXd r2_single;  ///< p squared correlations with the outcome (subset size 0 increments)
  /// p x p: (j, k) = mean R2 increment of predictor j over subsets of size k of the others
  /// (conditional dominance); empty when sampled.
  Eigen::MatrixXd conditional;
  /// p x p: 1 when i completely dominates j (its increment is at least j's, within
  /// dominance_tol, over every subset of the other predictors, and larger for at least
  /// one), -1 when j completely dominates i, 0 otherwise; empty when not computed.
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> complete;
  bool exact = true;             ///< all subsets evaluated (false: permutation sampling)
  std::int64_t n_evaluated = 0;  ///< subsets (exact) or permutations (sampled)
};

/**
 * @brief LMG / dominance analysis of a correlation matrix (outcome last).
 *
 * Exact (p <= exact_max_predictors): R2 of all 2^p subsets in Gray-code order, one
 * sweep-operator update (O(p^2)) per subset; every 1024th subset is swept afresh, so
 * that rounding never accumulates over more than 1024 updates, and the sums are kept
 * per fixed block of 2^14 subsets, so that results are identical for any `workers`.
 * Sampled: `n_permutations` random orders (each with its own seeded stream), the mean
 * increment per predictor and its standard error.
 * @throws input_error naming the predictors when one is (nearly) a linear combination of others.
 */
DominanceResult dominance(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config, int workers = 1,
                          const std::vector<std::string>& names = {});

/**
 * @brief Dominance analysis over predictor sets with forced-in covariates (see DominanceSpec).
 * The vectors and matrices of the result are per unit (q = number of units). `check` is called
 * on the calling thread between chunks of about 2^20 subsets (or 2^14 permutations) and between
 * chunks of complete-dominance pairs; it may throw to interrupt (Ctrl-C from Python).
 * @throws config_error for a spec that repeats or omits a predictor.
 */
DominanceResult dominance(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config, const DominanceSpec& spec,
                          int workers, const std::vector<std::string>& names, const std::function<void()>& check);

/** @brief The importance metrics of relaimpo (Grömping 2006) and Kruskal (1987). */
enum class ImportanceMetric : std::int8_t {
  lmg = 0,               ///< Shapley value of R2 (general dominance)
  relative_weights = 1,  ///< Johnson's raw weights (equal to relaimpo's `genizi`)
  first = 2,             ///< R2 of the unit alone (after `always`): squared correlation
  last = 3,              ///< R2 lost when the unit is removed from the full model
  betasq = 4,            ///< squared standardised coefficient
  pratt = 5,             ///< standardised coefficient times the correlation (Pratt 1987)
  car = 6,               ///< squared CAR score (Zuber & Strimmer 2011): (R_xx^-1/2 r_xy)^2
  kruskal = 7            ///< squared partial correlation averaged over all orders (Kruskal 1987)
};

/**
 * @brief One importance metric per unit of a correlation matrix (outcome last).
 *
 * With `always`, every metric is taken from the partial correlations given the forced-in
 * predictors and multiplied by (1 - r2_always), as relaimpo does (so `first` is the R2 increment
 * over `always` and lmg, first, last agree with the subset definitions). `kruskal` is the mean
 * over all orders of the squared partial correlation of the unit given the units before it (and
 * `always`), unscaled. betasq, pratt, car and relative_weights need single-predictor units.
 * kruskal keeps 2^q values (q <= complete_max_predictors).
 */
Eigen::VectorXd importance_metric(Eigen::Ref<const Eigen::MatrixXd> corr, ImportanceMetric metric,
                                  const DriverConfig& config, const DominanceSpec& spec = {}, int workers = 1,
                                  const std::vector<std::string>& names = {});

/** @brief Kind of bootstrap interval. */
enum class DriverInterval : std::int8_t {
  percentile = 0,  ///< quantiles (type 7) of the replicates
  bca = 1          ///< bias-corrected and accelerated (Efron 1987): jackknife acceleration, one fit per row
};

/** @brief Bootstrap of an importance metric (rows resampled, weights travel with their rows). */
struct DriverBootstrap {
  Eigen::VectorXd estimate;                         ///< q metric values of the data
  Eigen::MatrixXd replicates;                       ///< B x q values per resample (a NaN row: a failed resample)
  Eigen::VectorXd lower, upper;                     ///< q interval limits
  Eigen::VectorXd se;                               ///< q bootstrap standard errors
  Eigen::MatrixXi pairs;                            ///< q(q-1)/2 x 2 unit indices (i < j) of the differences
  Eigen::VectorXd diff_estimate;                    ///< value of i minus value of j, per pair
  Eigen::VectorXd diff_lower, diff_upper, diff_se;  ///< interval and standard error of the difference
  Eigen::VectorXd z0, acceleration;                 ///< q BCa bias correction and acceleration (NaN for percentile)
  /// LMG with dominance shares: q x q share of the resamples in which the row unit completely /
  /// conditionally / generally dominates the column unit (empty otherwise).
  Eigen::MatrixXd complete_share, conditional_share, general_share;
  int n_bootstrap = 0;      ///< resamples drawn
  int n_failed = 0;         ///< resamples skipped (a constant or collinear column in the resample)
  std::int64_t n_used = 0;  ///< complete rows resampled
};

/** @brief Row indices of bootstrap resample `b` (0-based) of `n` rows: the draws every bootstrap here uses. */
std::vector<std::int64_t> bootstrap_indices(std::int64_t n, std::uint64_t seed, std::int64_t b);

/**
 * @brief Bootstrap intervals of an importance metric and of the differences between units.
 *
 * The complete rows (listwise; a positive weight) are resampled `config.n_bootstrap` times
 * (resample b draws its rows from its own stream of `config.seed`: `bootstrap_indices`); each
 * resample gives weighted correlations and the metric. Intervals at level 1 - config.alpha:
 * percentile (type-7 quantiles) or BCa (z0 from the share of replicates below the estimate,
 * acceleration from the leave-one-row-out jackknife; the adjusted levels' type-7 quantiles).
 * Results do not depend on `workers`. `dominance_shares` (LMG only) adds the share matrices.
 * @throws config_error for missing = pairwise or n_bootstrap < 2; input_error as correlation_from_data.
 */
DriverBootstrap driver_bootstrap(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                 Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                 ImportanceMetric metric, DriverInterval interval, const DominanceSpec& spec = {},
                                 bool dominance_shares = false, int workers = 1,
                                 const std::vector<std::string>& names = {}, const std::function<void()>& check = {});

/** @brief Pseudo-R2 of a logistic model (Estrella 1998; McFadden 1974). */
enum class PseudoR2 : std::int8_t {
  mcfadden = 0,  ///< 1 - LL / LL0
  estrella = 1   ///< 1 - (LL / LL0)^(-(2 / n) LL0), n the sum of the weights
};

/**
 * @brief Dominance analysis of a binary outcome (0 / 1): a logistic regression (IRLS, weighted)
 * for every subset of units, its pseudo-R2 as the fit statistic (as domir with glm).
 * Exact for q <= exact_max_predictors and q <= 20 (2^q fits); the result as `dominance`.
 * @throws input_error for an outcome value other than 0 or 1 (naming the row), a constant
 *   outcome, or a fit that does not converge (complete separation, naming the subset).
 */
DominanceResult dominance_logistic(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                   Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                   PseudoR2 statistic, const DominanceSpec& spec = {}, int workers = 1,
                                   const std::vector<std::string>& names = {}, const std::function<void()>& check = {});

/** @brief Brute-force R2 of one subset (a bit mask over the p predictors) from a correlation matrix. */
double subset_r2(Eigen::Ref<const Eigen::MatrixXd> corr, std::uint64_t mask);

/** @brief Johnson's relative weights. */
struct RelativeWeights {
  double r2 = 0.0;       ///< R2 of the full model (= sum of raw)
  Eigen::VectorXd raw;   ///< p raw weights epsilon_j; they sum to r2
  Eigen::VectorXd beta;  ///< p standardised regression coefficients of the full model
  Eigen::VectorXd sign;  ///< p signs (+1 / -1) of beta, for the signed option
};

/** @brief Johnson's relative weights of a correlation matrix (outcome last). */
RelativeWeights relative_weights(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config = {},
                                 const std::vector<std::string>& names = {});

/** @brief Bootstrap of relative weights with an appended random variable (Tonidandel et al. 2009). */
struct RelativeWeightsTest {
  Eigen::VectorXd ci_low, ci_high;      ///< p percentile interval of the raw weight
  Eigen::VectorXd diff_low, diff_high;  ///< p percentile interval of raw weight minus the random variable's
  Eigen::VectorXd p_value;              ///< p two-sided bootstrap p-value of the difference
  double random_weight = 0.0;           ///< mean raw weight of the random variable over the replicates
  int n_bootstrap = 0;                  ///< replicates used
  int n_failed = 0;                     ///< replicates skipped (a constant column in the resample)
};

/**
 * @brief Random-variable significance test of relative weights (listwise rows, seeded, parallel).
 * A standard normal variable drawn from `config.seed` is appended to the predictors; in
 * each of `config.n_bootstrap` resamples of rows the raw weights of [X, random] are
 * computed; predictor j is significant when the interval of (w_j - w_random) excludes 0.
 */
RelativeWeightsTest relative_weights_test(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                          Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                          int workers = 1);

/** @brief Attribute class from penalty-reward contrasts (Kano categories of ordinary surveys). */
enum class FactorClass {
  basic,        ///< penalty dominates: dissatisfier (Kano must-be)
  performance,  ///< penalty and reward balanced (Kano one-dimensional)
  exciting,     ///< reward dominates: delighter (Kano attractive)
  unclassified  ///< no bottom-box or no top-box answers: asymmetry undefined
};

/** @brief Configuration of penalty-reward contrast analysis. JSON keys are the member names. */
struct PenaltyRewardConfig {
  double low_max = 2.0;   ///< ratings <= low_max are the bottom box (penalty dummy)
  double high_min = 5.0;  ///< ratings >= high_min are the top box (reward dummy)
  /// Impact asymmetry IA = (reward - penalty) / (reward + penalty); IA > threshold: exciting,
  /// IA < -threshold: basic, otherwise performance (inclusive at the bound: |IA| = threshold is performance).
  double asymmetry_threshold = 0.2;
  void validate() const;
  bool operator==(const PenaltyRewardConfig& o) const;
};
PenaltyRewardConfig penalty_reward_config_from_json(std::string_view json);
std::string to_json(const PenaltyRewardConfig& config);

/** @brief Per-attribute penalty, reward, impact asymmetry and class. */
struct PenaltyReward {
  Eigen::VectorXd penalty;        ///< p: minus the bottom-box coefficient (positive = overall drops)
  Eigen::VectorXd reward;         ///< p: top-box coefficient
  Eigen::VectorXd asymmetry;      ///< p: (reward - penalty) / (|reward| + |penalty|)
  VectorXi8 factor_class;         ///< p `FactorClass` codes
  Eigen::VectorXi n_low, n_high;  ///< p bottom- and top-box counts among the rows used
  double intercept = 0.0;         ///< overall satisfaction of the reference (middle) answers
  double r2 = 0.0;                ///< weighted R2 of the dummy regression
  std::int64_t n_used = 0, n_dropped = 0;
};

/**
 * @brief Penalty-reward contrast analysis: weighted least squares of y on a bottom-box and a
 * top-box dummy per attribute (listwise rows). An attribute without bottom-box (top-box)
 * answers gets penalty (reward) NaN and class `unclassified`; its dummy is left out.
 * @throws input_error for a bad weight or too few rows for the dummies kept.
 */
PenaltyReward penalty_reward(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                             Eigen::Ref<const Eigen::VectorXd> weights, const PenaltyRewardConfig& config,
                             const std::vector<std::string>& names = {});

/**
 * @brief Martilla & James quadrants of importance-performance analysis: the one quadrant
 * vocabulary of the library (drivers' `ipa` and the lifecycle stage flags use it).
 */
enum class IpaQuadrant : std::int8_t {
  concentrate_here = 0,        ///< high importance, low performance
  keep_up_good_work = 1,       ///< high importance, high performance
  low_priority = 2,            ///< low importance, low performance
  possible_overkill = 3,       ///< low importance, high performance
  none = 4,                    ///< not placed (a lifecycle stage without an index)
  keep_up = keep_up_good_work  ///< deprecated alias of keep_up_good_work (the old lifecycle name)
};

/** @brief Stable name of a quadrant ("concentrate_here", "keep_up_good_work", ..., "none"). */
const char* to_string(IpaQuadrant q);

/**
 * @brief The one IPA placement rule, shared by `ipa` and `summarize_lifecycle`.
 *
 * Tie rule: performance is high when `performance >= performance_cut - tol`; importance is high
 * only when `importance > importance_cut + tol`, with `tol = 1e-9 * max(1, |cut|)` on each axis.
 * A performance on its cut counts as high (keeps what works), an importance on its cut as low (an
 * attribute of average importance is no priority), so attributes of equal importance are all
 * low importance and none is "concentrate here". A NaN value gives `none`.
 */
IpaQuadrant ipa_quadrant(double performance, double importance, double performance_cut, double importance_cut);

/** @brief Where the IPA crosshair is drawn. */
enum class Crosshair {
  scale,        ///< centre of the scales (performance: (scale_min+scale_max)/2; importance: importance_center)
  data_mean,    ///< mean performance and mean importance of the attributes
  data_median,  ///< median performance and median importance
  diagonal      ///< iso-priority line: above it (importance > performance, both rescaled) is concentrate here
};

/** @brief Configuration of IPA. JSON keys are the member names. */
struct IpaConfig {
  Crosshair crosshair = Crosshair::data_mean;
  double scale_min = 1.0;  ///< performance scale (for `scale` and `diagonal`)
  double scale_max = 5.0;  ///< see scale_min
  /// Importance range for `scale` (centre) and `diagonal` (rescaling); NaN: the data's min and max.
  double importance_min = std::numeric_limits<double>::quiet_NaN();
  double importance_max = std::numeric_limits<double>::quiet_NaN();  ///< see importance_min
  void validate() const;
  bool operator==(const IpaConfig& o) const;
};
IpaConfig ipa_config_from_json(std::string_view json);
std::string to_json(const IpaConfig& config);

/** @brief IPA placement of each attribute. */
struct IpaResult {
  double performance_cut = 0.0;  ///< crosshair on the performance axis
  double importance_cut = 0.0;   ///< crosshair on the importance axis
  VectorXi8 quadrant;            ///< `IpaQuadrant` codes
  Eigen::VectorXd priority;      ///< rescaled importance minus rescaled performance (diagonal distance)
};

/**
 * @brief Importance-performance quadrants. Placement by `ipa_quadrant` (its tie rule: a
 * performance equal to its cut is high, an importance equal to its cut is low); with `diagonal`,
 * an attribute strictly above the line is "concentrate here" and one exactly on it is not.
 * @throws input_error for lengths that differ, no attributes, or a NaN value (naming the attribute).
 */
IpaResult ipa(Eigen::Ref<const Eigen::VectorXd> performance, Eigen::Ref<const Eigen::VectorXd> importance,
              const IpaConfig& config, const std::vector<std::string>& names = {});

}  // namespace servscore
