/**
 * @file kano.hpp
 * @brief Kano's expectation hierarchy: classify (functional, dysfunctional) answer
 * pairs with an evaluation table, count them per attribute and group, and summarise
 * each attribute (categories, strength, Better/Worse, Fong test, DuMouchel means,
 * expectation level of the source).
 *
 * Kano et al. (1984); Berger et al. (1993), CQM Journal 2(4); Matzler et al. (1996);
 * Lee & Newcomb (1997); Fong (1996), CQM Journal 5.
 *
 * Answers are small integer codes 1..L (L = levels of the table, 5 for the full
 * questionnaire: 1 Like, 2 Must-be, 3 Neutral, 4 Live-with, 5 Dislike); 0 means
 * "not answered". The state of every aggregate is a pair histogram per (group,
 * attribute): `(L+1) x (L+1)` integer counts indexed by `f * (L+1) + d` (0 = missing).
 * Categories, shares and the DuMouchel means and standard deviations are exact
 * functions of it, so partial results merge exactly by adding histograms.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/model.hpp"
#include "servscore/stats.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Code of an unclassified pair (an answer missing) in `kano_classify` output. */
constexpr std::int8_t kano_missing = -1;

/**
 * @brief A Kano evaluation table: rows are functional answers, columns dysfunctional answers.
 *
 * JSON: a built-in name (`"cqm"`, `"pouliot"`, `"short"`) or an object
 * `{"name": ..., "rows": [["Q","A","A","A","O"], ...]}` with one-letter codes or category names.
 */
struct KanoTable {
  std::string name = "cqm";  ///< name shown in results
  int levels = 5;            ///< answer levels L (rows and columns)
  /// L x L categories, row-major: cells[(f-1) * L + (d-1)].
  std::vector<KanoCategory> cells;
  /** @brief Category of the answer pair (f, d), both in 1..levels. */
  KanoCategory at(int f, int d) const { return cells[static_cast<std::size_t>((f - 1) * levels + (d - 1))]; }
  /** @brief Throw config_error if the shape is wrong. */
  void validate() const;
  bool operator==(const KanoTable& o) const { return name == o.name && levels == o.levels && cells == o.cells; }
};

/** @brief The CQM default table (Berger et al. 1993): Like row Q A A A O; middle rows R I I I M; Dislike row R R R R Q.
 */
KanoTable kano_table_cqm();
/**
 * @brief Pouliot's refined table, as we read it: the CQM table with the contradictory
 * diagonal cells (Must-be, Must-be) and (Live-with, Live-with) questionable.
 */
KanoTable kano_table_pouliot();
/** @brief The 3-level short form (1 Like, 2 Neutral, 3 Dislike): Q A O / R I M / R R Q. */
KanoTable kano_table_short();
/** @brief A built-in table by name ("cqm", "pouliot", "short"); config_error listing the names otherwise. */
KanoTable kano_table(std::string_view name);

/**
 * @brief Configuration of the Kano analysis. Every member has a documented default.
 * JSON keys are the member names; categories by name or one-letter code.
 */
struct KanoConfig {
  KanoTable table = kano_table_cqm();  ///< evaluation table (default CQM)
  /// DuMouchel points of the functional answers 1..L; empty = the source's points for the
  /// table's levels (5 levels: 4, 2, 0, -1, -2; 3 levels: 4, 0, -2).
  std::vector<double> functional_scores;
  /// Points of the dysfunctional answers 1..L; empty = source (5: -2, -1, 0, 2, 4; 3: -2, 0, 4).
  std::vector<double> dysfunctional_scores;
  /// Near-tie rule: when the category strength is below this share, the top two
  /// categories are decided by `precedence` (default 0.06, "commonly 6%").
  double near_tie_threshold = 0.06;
  /// Order of precedence for near ties (and exact ties of the mode): default M > O > A > I > R > Q.
  std::vector<KanoCategory> precedence = {KanoCategory::must_be,    KanoCategory::one_dimensional,
                                          KanoCategory::attractive, KanoCategory::indifferent,
                                          KanoCategory::reverse,    KanoCategory::questionable};
  double fong_z = 1.65;  ///< critical value of Fong's test (1.65: 5% one-sided / 10% two-sided)
  /// Base n of shares, strengths and Fong's test: false (default) = all classified pairs
  /// (A+O+M+I+R+Q); true = Q excluded.
  bool exclude_questionable = false;
  /// Categories left out of the DuMouchel means (default: reverse and questionable).
  std::vector<KanoCategory> continuous_exclude = {KanoCategory::reverse, KanoCategory::questionable};
  /// [ours] A must-be attribute is `basic` when Better < this, else `expected`.
  double basic_better_max = 0.3;
  /// Warn when the questionable share of the classified pairs exceeds this (default 0.10) [ours].
  double q_warning_share = 0.10;
  double ci_level = 0.95;  ///< confidence level of the Better / Worse intervals

  /** @brief The functional points in use (explicit or the source's for the table's levels). */
  std::vector<double> functional_points() const;
  /** @brief The dysfunctional points in use. */
  std::vector<double> dysfunctional_points() const;
  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const KanoConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
KanoConfig kano_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const KanoConfig& config);
/** @brief Parse a table (a built-in name as a JSON string, or an object with "rows"). */
KanoTable kano_table_from_json(std::string_view json);
/** @brief Serialise a table as `{"name": ..., "rows": [[...], ...]}` with one-letter codes. */
std::string to_json(const KanoTable& table);

/**
 * @brief Read-only int8 answer matrix view (respondents x attributes) with any row and column
 * strides, so row-major, column-major and sliced arrays are read in place, without a copy.
 */
using AnswersRef = Eigen::Ref<const RowMatrixXi8, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/**
 * @brief Classify answer pairs.
 * @param functional n x k answers 1..L, 0 = not answered.
 * @param dysfunctional n x k, the same shape.
 * @return n x k `KanoCategory` codes, `kano_missing` (-1) where an answer is missing.
 * @throws input_error for mismatched shapes or an answer outside 0..L (naming row, column, value).
 */
RowMatrixXi8 kano_classify(AnswersRef functional, AnswersRef dysfunctional, const KanoTable& table, int workers = 1);

/**
 * @brief Mergeable state: a pair histogram per (group, attribute).
 *
 * `counts` has `groups * attributes` rows and `(L+1)^2` columns; row `g * attributes + j`,
 * column `f * (L+1) + d` (0 = not answered). Merging adds counts, so chunks merge exactly
 * in any order.
 */
class KanoAccumulator {
 public:
  KanoAccumulator() = default;
  /** @brief An empty state for `groups` groups, `attributes` attributes and `levels` answer levels. */
  KanoAccumulator(int groups, int attributes, int levels = 5);
  int groups() const { return groups_; }
  int attributes() const { return attributes_; }
  int levels() const { return levels_; }
  /** @brief Number of histogram cells per (group, attribute): (L+1)^2. */
  int cells() const { return (levels_ + 1) * (levels_ + 1); }

  /**
   * @brief Count a wide batch: n x k answer matrices (k = attributes), one group code per row.
   * @param groups group code per row in [0, groups), or empty for group 0.
   * @param row_offset added to row numbers in error messages.
   * @throws input_error for a shape mismatch, an answer outside 0..L or a bad group code.
   */
  void update(AnswersRef functional, AnswersRef dysfunctional, Eigen::Ref<const VectorXi32> groups = VectorXi32(),
              int workers = 1, std::int64_t row_offset = 0);
  /**
   * @brief Count a long batch: one answer pair per row with its attribute and group code.
   * @throws input_error for mismatched lengths, an answer outside 0..L, an attribute or group code out of range.
   */
  void update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                   Eigen::Ref<const VectorXi32> attribute, Eigen::Ref<const VectorXi32> groups = VectorXi32(),
                   std::int64_t row_offset = 0);
  /** @brief Add another state of the same shape (exact). */
  KanoAccumulator& merge(const KanoAccumulator& other);
  KanoAccumulator& operator+=(const KanoAccumulator& other) { return merge(other); }
  friend KanoAccumulator operator+(KanoAccumulator a, const KanoAccumulator& b) { return a.merge(b); }
  bool operator==(const KanoAccumulator& o) const;

  /** @brief The histogram (groups*attributes x cells). */
  const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& counts() const { return counts_; }
  /** @brief Mutable histogram (for deserialisation and tests). */
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& counts() { return counts_; }

  /** @brief Portable binary form: magic "SSKANO1\0", int32 groups, attributes, levels, then int64 counts (LE). */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; input_error for a malformed buffer. */
  static KanoAccumulator from_bytes(std::string_view bytes);

 private:
  int groups_ = 1, attributes_ = 0, levels_ = 5;
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> counts_;
};

/** @brief Per (group, attribute) summary, one entry per histogram row. */
struct KanoSummary {
  /// rows x 6 category counts in `KanoCategory` order (A, O, M, I, R, Q).
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor> category_counts;
  std::vector<std::int64_t> n;        ///< base of shares: classified pairs (without Q if exclude_questionable)
  std::vector<std::int64_t> missing;  ///< pairs with at least one answer missing
  std::vector<int> mode;              ///< category with the most pairs (ties by precedence); -1 if none
  std::vector<int> second;            ///< runner-up category; -1 if none
  std::vector<int> category;          ///< category after the near-tie rule; -1 if none
  std::vector<bool> near_tie;         ///< strength below the threshold: precedence decided
  Eigen::VectorXd category_strength;  ///< share of top minus share of second
  Eigen::VectorXd total_strength;     ///< (A+O+M) / n
  Eigen::VectorXd better;             ///< (A+O)/(A+O+M+I)
  Eigen::VectorXd worse;              ///< -(O+M)/(A+O+M+I)
  Eigen::VectorXd better_lo, better_hi, worse_lo, worse_hi;  ///< Wilson intervals on the A+O+M+I base
  Eigen::VectorXd fong_difference;                           ///< |a - b| of the top two counts
  Eigen::VectorXd fong_critical;                             ///< z sqrt((a+b)(2n-a-b)/(2n))
  std::vector<bool> fong_significant;                        ///< difference >= critical
  Eigen::VectorXd functional_mean, functional_sd;            ///< DuMouchel points (sd with n-1)
  Eigen::VectorXd dysfunctional_mean, dysfunctional_sd;
  std::vector<std::int64_t> n_continuous;  ///< pairs in the DuMouchel means
  std::vector<int> expectation_level;      ///< `ExpectationLevel` code, -1 for I, R, Q or none
  Eigen::VectorXd q_share;                 ///< Q / all classified pairs
  std::vector<bool> q_warning;             ///< q_share > q_warning_share
  Eigen::Index size() const { return category_counts.rows(); }
};

/** @brief Summarise every (group, attribute) of a state with a configuration of the same levels. */
KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config);

/** @brief Chi-square test of homogeneity of category distributions. */
struct ChiSquareTest {
  double statistic = 0.0;  ///< Pearson X^2
  int dof = 0;             ///< (rows-1)(non-empty columns-1)
  double p_value = 1.0;    ///< upper tail of the chi-square distribution (NaN when dof == 0)
};

/**
 * @brief Pearson chi-square of a groups x categories count table (columns with zero total are dropped).
 * @throws input_error when a group (row) is empty or fewer than two groups are given.
 */
ChiSquareTest kano_chi_square(const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& table);

}  // namespace servscore
