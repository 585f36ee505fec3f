/**
 * @file agreement.hpp
 * @brief Agreement between raters: intraclass correlations (the six Shrout-Fleiss forms),
 * Cohen's kappa (unweighted and weighted), Fleiss' kappa and Krippendorff's alpha, each from a
 * small state that merges exactly across partitions (of subjects or units).
 *
 * References: Shrout & Fleiss (1979) Psychological Bulletin 86(2) and McGraw & Wong (1996)
 * Psychological Methods 1(1) for the ICCs, their F tests and intervals (as R psych::ICC with
 * lmer = FALSE); Cohen (1960, 1968) and Fleiss, Cohen & Everitt (1969) Psychological Bulletin
 * 72(5) for kappa and its large-sample variances; Fleiss (1971) Psychological Bulletin 76(5) and
 * Fleiss, Nee & Landis (1979) for Fleiss' kappa and its SE under the null (as R irr::kappam.fleiss),
 * Conger (1980) for the "exact" variant; Krippendorff (2011) "Computing Krippendorff's
 * alpha-reliability" for alpha from the coincidence matrix.
 *
 * States:
 * - `IccState`: complete subjects only (a subject with a missing rating is counted in
 *   `n_missing` and left out, as `psych::ICC(na.omit(x), lmer = FALSE)`); per-rater means and
 *   centred sums of squares and the centred sum of squares of the subject means, merged with
 *   Chan et al.'s pairwise update: partitions by subject merge to the one-pass state (up to rounding).
 * - `KappaState`: the two raters' confusion matrix (integer counts, exact merge).
 * - `FleissState`: per rater and category the number of subjects, and per category the sum over
 *   subjects of the squared count (integers, exact merge).
 * - `KrippendorffState`: the coincidence matrix (pairs weighted 1 / (m_u - 1)), merged by addition.
 *
 * Categorical states carry their category labels (`Categories`); merging aligns them by label.
 * Byte images are little-endian and versioned (`SSICC001`, `SSKAPPA1`, `SSFLEIS1`, `SSKRIPP1`);
 * `from_bytes` checks every declared size against the image before allocating.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "servscore/types.hpp"

namespace servscore {

/** @brief Row-major int64 matrix (confusion tables, rater x category counts). */
using AgreementCountMatrix = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/** @brief Category labels of a categorical state: code -> label, codes in order of first sight. */
class Categories {
 public:
  /** @brief Number of categories. */
  int size() const { return static_cast<int>(labels_.size()); }
  /** @brief The labels, indexed by code. */
  const std::vector<std::string>& labels() const { return labels_; }
  /** @brief The code of `label`, adding it when new. */
  int add(const std::string& label);
  /** @brief The codes (in this set, added when new) of each label of `other`. */
  std::vector<int> absorb(const std::vector<std::string>& other);
  bool operator==(const Categories& o) const { return labels_ == o.labels_; }

 private:
  std::vector<std::string> labels_;
  std::unordered_map<std::string, int> index_;
};

// ------------------------------------------------------------------------------------ ICC

/** @brief Mergeable two-way ANOVA state of complete subjects x raters ratings. */
struct IccState {
  int k = 0;                   ///< raters (columns); 0 until the first update
  std::int64_t n = 0;          ///< complete subjects used
  std::int64_t n_missing = 0;  ///< subjects left out: a rating missing (NaN)
  Eigen::VectorXd rater_mean;  ///< per rater: mean rating over the subjects used
  Eigen::VectorXd rater_m2;    ///< per rater: sum of squared deviations from its mean
  double subject_mean = 0;     ///< mean of the subject means (the grand mean)
  double subject_m2 = 0;       ///< sum of squared deviations of the subject means

  /** @brief An empty state of k raters (k >= 2). */
  static IccState zeros(int k);
  /**
   * @brief Add n x k ratings (rows: subjects); a row with a NaN is counted in `n_missing`.
   * @throws input_error for an infinite rating (naming row and column) or another number of raters.
   */
  IccState& update(RecordsRef ratings);
  /** @brief Fold another state of the same raters in (partitions by subject). */
  IccState& merge(const IccState& other);
  /** @brief The versioned byte image `SSICC001`. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes (untrusted bytes validated first). */
  static IccState from_bytes(std::string_view bytes);
};

/** @brief One of the six Shrout-Fleiss forms with its F test and interval. */
struct IccForm {
  std::string type;  ///< ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k
  double icc = 0;    ///< the coefficient
  double f = 0;      ///< F statistic of H0: ICC = 0
  double df1 = 0;    ///< numerator degrees of freedom
  double df2 = 0;    ///< denominator degrees of freedom
  double p = 0;      ///< upper-tail p-value of F
  double lower = 0;  ///< interval at `level`, lower end
  double upper = 0;  ///< interval at `level`, upper end
};

/** @brief The six ICC forms with the ANOVA mean squares (as psych::ICC). */
struct IccResult {
  std::int64_t n = 0;            ///< subjects used
  std::int64_t n_missing = 0;    ///< subjects left out
  int k = 0;                     ///< raters
  double level = 0.95;           ///< confidence level of the intervals
  double ms_subjects = 0;        ///< MSB, between subjects (df n - 1)
  double ms_raters = 0;          ///< MSJ, between raters (df k - 1)
  double ms_error = 0;           ///< MSE, residual (df (n-1)(k-1))
  double ms_within = 0;          ///< MSW, within subjects (one-way; df n(k-1))
  std::array<IccForm, 6> forms;  ///< ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k
};

/**
 * @brief The six ICC forms of a state.
 * @throws input_error for fewer than 2 subjects used; config_error for a level outside (0, 1).
 */
IccResult icc(const IccState& state, double level = 0.95);

// ---------------------------------------------------------------------------------- kappa

/** @brief Variance of weighted kappa. */
enum class KappaVariance {
  fleiss_cohen_everitt,  ///< Fleiss, Cohen & Everitt (1969) large-sample variance (the default)
  psych                  ///< psych 2.2.9's cohen.kappa: row weights rs_i * sum_j w_ij (differs for weighted kappa)
};

/** @brief Cohen's kappa of a confusion table for one weight matrix. */
struct KappaResult {
  double n = 0;          ///< subjects (the table's total)
  double po = 0;         ///< observed (weighted) agreement
  double pe = 0;         ///< chance (weighted) agreement
  double kappa = 0;      ///< (po - pe) / (1 - pe)
  double se = 0;         ///< large-sample standard error (the interval's)
  double lower = 0;      ///< kappa + z_{(1-level)/2} se, clipped to [-1, 1]
  double upper = 0;      ///< kappa - z_{(1-level)/2} se, clipped to [-1, 1]
  bool clipped = false;  ///< true when a limit was clipped to +-1
  double se0 = 0;        ///< standard error under H0: kappa = 0 (as irr::kappa2)
  double z = 0;          ///< kappa / se0
  double p = 0;          ///< two-sided normal p-value of z
};

/**
 * @brief Cohen's kappa of a k x k table (rows: rater 1; any non-negative counts or proportions with
 * `n`) for agreement weights w (1 on the diagonal: identity for unweighted kappa).
 * @param n the number of subjects when `table` holds proportions; <= 0: the table's sum.
 * @throws input_error for a negative or non-finite cell, an empty table or mismatched sizes.
 */
KappaResult cohen_kappa(Eigen::Ref<const RowMatrixXd> table, Eigen::Ref<const RowMatrixXd> weights, double level = 0.95,
                        KappaVariance variance = KappaVariance::fleiss_cohen_everitt, double n = 0);

/** @brief Linear (1 - |i-j|/(k-1)), quadratic (1 - (i-j)^2/(k-1)^2) or identity weights of k categories. */
RowMatrixXd kappa_weights(int k, std::string_view kind);

/** @brief Mergeable confusion matrix of two raters. */
struct KappaState {
  Categories categories;       ///< labels of the codes
  AgreementCountMatrix table;  ///< rater 1 (rows) x rater 2 (columns)
  std::int64_t n_missing = 0;  ///< subjects with a missing rating (either rater)

  /**
   * @brief Count n pairs of codes into `labels` (-1: missing).
   * @throws input_error for a code outside [-1, labels.size()).
   */
  KappaState& update(const std::vector<std::string>& labels, const std::int32_t* rater1, const std::int32_t* rater2,
                     std::ptrdiff_t n);
  /** @brief Fold another state in (categories aligned by label). */
  KappaState& merge(const KappaState& other);
  /** @brief The versioned byte image `SSKAPPA1`. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes (untrusted bytes validated first). */
  static KappaState from_bytes(std::string_view bytes);
};

// ---------------------------------------------------------------------------------- Fleiss

/** @brief Mergeable counts of Fleiss' kappa: m raters' categories of complete subjects. */
struct FleissState {
  Categories categories;              ///< labels of the codes
  int m = 0;                          ///< raters; 0 until the first update
  std::int64_t n = 0;                 ///< complete subjects
  std::int64_t n_missing = 0;         ///< subjects left out: a rating missing
  AgreementCountMatrix rater_counts;  ///< m x categories: subjects each rater put in each category
  std::vector<std::int64_t> sq_sum;   ///< per category: sum over subjects of n_ij^2

  /**
   * @brief Count n x m codes (row-major, rows: subjects) into `labels`; -1 is missing.
   * @throws input_error for a code out of range or another number of raters than before.
   */
  FleissState& update(const std::vector<std::string>& labels, const std::int32_t* codes, std::ptrdiff_t n, int m);
  /** @brief Fold another state of the same raters in. */
  FleissState& merge(const FleissState& other);
  /** @brief The versioned byte image `SSFLEIS1`. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes (untrusted bytes validated first). */
  static FleissState from_bytes(std::string_view bytes);
};

/** @brief Fleiss' kappa with the per-category kappas (as irr::kappam.fleiss, detail = TRUE). */
struct FleissResult {
  std::int64_t n = 0;              ///< subjects used
  std::int64_t n_missing = 0;      ///< subjects left out
  int m = 0;                       ///< raters
  double po = 0;                   ///< mean observed agreement
  double pe = 0;                   ///< chance agreement sum p_j^2
  double kappa = 0;                ///< Fleiss' kappa
  double se0 = 0;                  ///< SE under H0 (Fleiss, Nee & Landis 1979)
  double z = 0;                    ///< kappa / se0
  double p = 0;                    ///< two-sided p-value
  double kappa_exact = 0;          ///< Conger (1980) "exact" kappa (irr exact = TRUE)
  Eigen::VectorXd share;           ///< per category: p_j
  Eigen::VectorXd category_kappa;  ///< per category kappa_j
  double category_se0 = 0;         ///< SE of each category kappa under H0, sqrt(2 / (n m (m-1)))
  Eigen::VectorXd category_z;      ///< per category z
  Eigen::VectorXd category_p;      ///< per category two-sided p-value
};

/** @brief Fleiss' kappa of a state; input_error for fewer than 2 raters or no subject. */
FleissResult fleiss_kappa(const FleissState& state);

// ----------------------------------------------------------------------------- Krippendorff

/** @brief Difference function of Krippendorff's alpha. */
enum class KrippendorffMetric { nominal, ordinal, interval, ratio };

/** @brief Mergeable coincidence matrix of Krippendorff's alpha. */
struct KrippendorffState {
  Categories categories;        ///< labels of the codes
  Eigen::MatrixXd coincidence;  ///< o_ck, symmetric
  std::int64_t n_units = 0;     ///< units seen
  std::int64_t n_pairable = 0;  ///< units with >= 2 values (entered the matrix)
  std::int64_t n_values = 0;    ///< values in pairable units (sum of the matrix)
  std::int64_t n_missing = 0;   ///< missing values (cells)

  /**
   * @brief Count n units x m coders codes (row-major; -1 missing) into `labels`.
   * @throws input_error for a code out of range.
   */
  KrippendorffState& update(const std::vector<std::string>& labels, const std::int32_t* codes, std::ptrdiff_t n, int m);
  /** @brief Fold another state in (categories aligned by label). */
  KrippendorffState& merge(const KrippendorffState& other);
  /** @brief The versioned byte image `SSKRIPP1`. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes (untrusted bytes validated first). */
  static KrippendorffState from_bytes(std::string_view bytes);
};

/** @brief Krippendorff's alpha with its disagreements. */
struct KrippendorffResult {
  double alpha = 0;       ///< 1 - D_o / D_e
  double d_observed = 0;  ///< observed disagreement D_o
  double d_expected = 0;  ///< expected disagreement D_e
  double n_values = 0;    ///< pairable values n..
};

/**
 * @brief Krippendorff's alpha of a coincidence matrix whose categories are in `values` order
 * (ordinal: rank order; interval / ratio: the numeric values, which must be given).
 * @throws input_error for a non-symmetric or negative matrix, fewer than 2 pairable values, or
 *   missing / non-finite values for interval and ratio (ratio: values >= 0).
 */
KrippendorffResult krippendorff_alpha(const Eigen::MatrixXd& coincidence, KrippendorffMetric metric,
                                      Eigen::Ref<const Eigen::VectorXd> values = Eigen::VectorXd());

}  // namespace servscore
