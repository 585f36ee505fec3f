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
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servscore/detail/group_keys.hpp"
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
 * @brief Mergeable state of a Kano survey: the configuration, the attribute names, the group
 * keys, a pair histogram per (group, attribute) and the number of respondent rows counted.
 *
 * `counts` has `groups * attributes` rows and `(L+1)^2` columns; row `g * attributes + j`
 * (group code g of `keys()`, attribute j of `attribute_names()`), column `f * (L+1) + d`
 * (0 = not answered). Merging aligns groups by key and attributes by name and adds counts, so
 * chunks merge exactly in any order; attributes new to a state (in a later batch or a merged
 * state) are appended.
 *
 * Byte image `SSKANO2` (all integers little-endian), written with the groups in key order so
 * that equal states have equal bytes whatever the order their groups were met in:
 * `"SSKANO2\0"`, u32 version (2), u32 levels, i64 rows, u8 flags (bit 0: fixed attributes),
 * u32 length + the configuration as JSON, u32 attributes, per attribute u32 length + UTF-8
 * name, the `GroupKeys` image, then groups x attributes x (L+1)^2 i64 counts. Every declared
 * size is checked against the bytes that remain and against hard limits before anything is
 * allocated; counts must be >= 0. `from_bytes` also reads the version-1 image `SSKANO1`
 * (int32 groups, attributes, levels, then i64 counts: groups become integer keys 0..g-1 of a
 * key column "group", attributes `attribute_1..k`, the configuration the default for the levels).
 */
class KanoAccumulator {
 public:
  /** @brief An empty, ungrouped state with the default configuration. */
  KanoAccumulator();
  /**
   * @brief An empty state.
   * @param config analysis configuration (its table fixes the answer levels).
   * @param key_names names of the key columns (empty: ungrouped, one group of the empty key).
   * @param attributes attribute names known from the start (more are appended unless fixed).
   * @param fixed_attributes true: only `attributes` are counted; long rows of other attributes
   *        are not selected (skipped), wide batches must name known attributes.
   */
  explicit KanoAccumulator(KanoConfig config, std::vector<std::string> key_names = {},
                           std::vector<std::string> attributes = {}, bool fixed_attributes = false);
  /**
   * @brief An empty state for `groups` integer-coded groups (keys 0..groups-1 of a key column
   * "group"), attributes named `attribute_1..attribute_k` and `levels` answer levels (the
   * version-1 interface).
   */
  KanoAccumulator(int groups, int attributes, int levels = 5);

  const KanoConfig& config() const { return config_; }
  int groups() const { return keys_.size(); }
  int attributes() const { return static_cast<int>(attributes_.size()); }
  int levels() const { return levels_; }
  /** @brief Number of histogram cells per (group, attribute): (L+1)^2. */
  int cells() const { return (levels_ + 1) * (levels_ + 1); }
  const std::vector<std::string>& attribute_names() const { return attributes_; }
  const GroupKeys& keys() const { return keys_; }
  bool fixed_attributes() const { return fixed_; }
  /** @brief Respondent rows (wide) or answer-pair rows (long) counted. */
  std::int64_t rows() const { return rows_; }
  /** @brief Group codes in key order (missing last). */
  std::vector<std::int32_t> sorted_groups() const { return keys_.sorted_codes(); }
  /** @brief Column suffixes of the wide layout (functional, dysfunctional), kept for readers of the state. */
  const std::pair<std::string, std::string>& suffixes() const { return suffixes_; }
  /** @brief Set the wide-layout suffixes (each 1..256 bytes); config_error otherwise. */
  void set_suffixes(std::string functional, std::string dysfunctional);

  /**
   * @brief Count a wide batch whose columns are the state's attributes in order, one group code
   * of `keys()` per row (empty: group 0).
   * @param row_offset added to row numbers in error messages.
   * @throws input_error for a shape mismatch, an answer outside 0..L or a bad group code.
   */
  void update(AnswersRef functional, AnswersRef dysfunctional, Eigen::Ref<const VectorXi32> groups = VectorXi32(),
              int workers = 1, std::int64_t row_offset = 0);
  /**
   * @brief Count a wide batch: column j is attribute `attributes[j]` (appended to the state
   * when new), row i is in the group `batch_keys.key(codes[i])` (codes empty: every row in the
   * empty key of an ungrouped state). The state is unchanged when an error is thrown.
   * @throws input_error for a shape mismatch, an answer outside 0..L, a bad code, key columns
   *         other than the state's, a duplicate or (fixed attributes) unknown attribute name.
   */
  void update(AnswersRef functional, AnswersRef dysfunctional, const std::vector<std::string>& attributes,
              Eigen::Ref<const VectorXi32> codes, const GroupKeys& batch_keys, int workers = 1,
              std::int64_t row_offset = 0);
  /**
   * @brief Count a long batch: one answer pair per row with its attribute and group code (codes
   * of the state's attributes and keys; groups empty: group 0).
   * @throws input_error for mismatched lengths, an answer outside 0..L, an attribute or group code out of range.
   */
  void update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                   Eigen::Ref<const VectorXi32> attribute, Eigen::Ref<const VectorXi32> groups = VectorXi32(),
                   std::int64_t row_offset = 0);
  /**
   * @brief Count a long batch: row i is attribute `attribute_names[attribute[i]]` in group
   * `batch_keys.key(codes[i])`. With fixed attributes, rows of other attributes are skipped (not
   * selected) and do not count in `rows()`. The state is unchanged when an error is thrown.
   */
  void update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                   Eigen::Ref<const VectorXi32> attribute, const std::vector<std::string>& attribute_names,
                   Eigen::Ref<const VectorXi32> codes, const GroupKeys& batch_keys, std::int64_t row_offset = 0);
  /**
   * @brief Add another state of the same configuration and key columns (exact): groups aligned by
   * key, attributes by name (new ones appended).
   * @throws input_error naming both when the configurations, levels or key columns differ.
   */
  KanoAccumulator& merge(const KanoAccumulator& other);
  KanoAccumulator& operator+=(const KanoAccumulator& other) { return merge(other); }
  friend KanoAccumulator operator+(KanoAccumulator a, const KanoAccumulator& b) { return a.merge(b); }
  /** @brief Same configuration, rows and counts per (group key, attribute name), whatever the order. */
  bool operator==(const KanoAccumulator& o) const;

  /** @brief The histogram (groups*attributes x cells). */
  const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& counts() const { return counts_; }
  /** @brief Mutable histogram (for tests; keep counts >= 0). */
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& counts() { return counts_; }
  /**
   * @brief Add a histogram block (attributes x cells, the state's attribute order) and `rows`
   * to the group `key` (inserted when new); for converting other images.
   * @throws input_error for a wrong shape, a negative count or a key of the wrong width.
   */
  void add_counts(const GroupKey& key,
                  const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& block,
                  std::int64_t rows);

  /** @brief The `SSKANO2` image (see the class comment). */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes, also reading `SSKANO1`; input_error for a malformed buffer. */
  static KanoAccumulator from_bytes(std::string_view bytes);

 private:
  void add_attribute(const std::string& name);
  void relayout(int new_attributes);
  int ensure_group(std::int32_t code);

  KanoConfig config_;
  int levels_ = 5;
  bool fixed_ = false;
  std::int64_t rows_ = 0;
  std::vector<std::string> attributes_;
  std::pair<std::string, std::string> suffixes_{"_f", "_d"};
  GroupKeys keys_;
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

/** @brief Summarise every (group, attribute) of a state (code order) with a configuration of the same levels. */
KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config);
/**
 * @brief Summarise the groups `group_order` (codes; empty: every group in code order), each
 * with all attributes: row `i * attributes + j` is group `group_order[i]`, attribute j.
 */
KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config,
                           const std::vector<std::int32_t>& group_order);
/** @brief Summarise with the state's own configuration. */
inline KanoSummary summarize_kano(const KanoAccumulator& state) {
  return summarize_kano(state, state.config());
}

/** @brief Settings of the Kano bootstrap of Better and Worse. */
struct KanoBootstrapConfig {
  int n_bootstrap = 2000;  ///< resamples per row, 10..1,000,000 (memory: 16 bytes per resample)
  double level = 0.95;     ///< confidence level of the percentile intervals, in (0, 1)
  std::uint64_t seed = 0;  ///< any 64-bit seed; resample b of row r draws from stream (seed, r * n_bootstrap + b)
  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
};

/** @brief Percentile intervals of Better and Worse, one entry per input row (NaN where undefined). */
struct KanoBootstrapIntervals {
  Eigen::VectorXd better_lo, better_hi, worse_lo, worse_hi;
};

/**
 * @brief Seeded multinomial percentile bootstrap of Better = (A+O)/(A+O+M+I) and
 * Worse = -(O+M)/(A+O+M+I).
 *
 * For each row of `category_counts` (A, O, M, I, R, Q) with A+O+M+I > 0, `n_bootstrap`
 * multinomial resamples of all its classified pairs are drawn (exact conditional binomials);
 * resamples whose A+O+M+I is 0 are left out; the interval is the type-7 quantiles
 * (1 - level) / 2 and (1 + level) / 2 of the kept resamples. Every resample has its own random
 * stream, so the result depends on the seed alone, not on `workers`.
 * @param check called between blocks of resamples on the calling thread (may throw to interrupt).
 * @throws config_error for invalid settings; input_error for a negative count.
 */
KanoBootstrapIntervals kano_bootstrap(
    const Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor>& category_counts,
    const KanoBootstrapConfig& config, int workers = 1, const std::function<void()>& check = {});

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
