/**
 * @file standards.hpp
 * @brief Service standards (general vs quality), compliance with Wilson intervals and
 * p-charts, the nine time elements of service, and the cycle of service (moments of truth).
 *
 * Standards are data: each has a condition `met` (and optionally `applies`) in the
 * condition language of needs.hpp, so "greeted within 3 seconds" is
 * `{"field": "greet_seconds", "op": "<=", "value": 3}`. The source's table of general vs
 * quality standards is the default set (`servscore/data/needs/standards.json`).
 *
 * References: Wilson (1927) JASA 22; Montgomery, *Introduction to Statistical Quality
 * Control* (p-chart with variable sample sizes); Kahneman et al. (1993) for the peak-end
 * rule; Albrecht & Zemke (1985) and Carlzon (1987) for moments of truth and the cycle of
 * service.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/group_keys.hpp"
#include "servscore/detail/grouped_counts.hpp"
#include "servscore/model.hpp"
#include "servscore/needs.hpp"
#include "servscore/stats.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief p-chart of one standard over periods. */
struct PChart {
  double center = 0.0;    ///< pbar = sum met / sum observed
  Eigen::VectorXd p;      ///< share met per period (NaN when the period has no observations)
  Eigen::VectorXd lower;  ///< pbar - sigma * sqrt(pbar (1 - pbar) / n_i), clipped at 0
  Eigen::VectorXd upper;  ///< pbar + sigma * sqrt(...), clipped at 1
  VectorXi8 signal;       ///< -1 below the lower limit, +1 above the upper, 0 within (or empty period)
};

/**
 * @brief p-chart limits with variable sample sizes: pbar +- sigma sqrt(pbar(1-pbar)/n_i).
 * @param met observations meeting the standard per period.
 * @param n observations per period (>= met).
 * @throws input_error for negative counts or met > n, naming the period.
 */
PChart p_chart(Eigen::Ref<const Eigen::VectorXd> met, Eigen::Ref<const Eigen::VectorXd> n, double sigma = 3.0);

/** @brief One service standard: a measurable rule with its level and dimension. */
struct Standard {
  std::string id;           ///< unique identifier
  std::string dimension;    ///< timeliness, anticipation, attitude, feedback, appearance, ...
  std::string level;        ///< "general" or "quality"
  std::string description;  ///< the standard in words
};

/** @brief A set of standards with their compiled `applies` and `met` conditions. */
struct StandardSet {
  std::string description;
  std::vector<Standard> standards;
  ConditionSet applies;  ///< condition i: standard i applies to the record (always true when not given)
  ConditionSet met;      ///< condition i: standard i is met
  /** @brief Throw `config_error` when a standard names a field that `schema` lacks. */
  void check_schema(const std::vector<std::string>& schema) const;
  bool operator==(const StandardSet& o) const;
};

/** @brief Parse a standard set: `{"standards": [{"id", "dimension", "level", "description", "met", "applies"}]}`. */
StandardSet standards_from_json(std::string_view json, const std::vector<std::string>& schema = {});
/** @brief Serialise a standard set as JSON. */
std::string to_json(const StandardSet& standards);

/** @brief Codes of `check_standards`. */
enum class Compliance : std::int8_t { not_met = 0, met = 1, not_applicable = -1, not_observed = -2 };

/**
 * @brief Per-record compliance: n x standards codes (`Compliance`). A standard is
 * not_applicable where `applies` is false, not_observed where a field of `met` is missing,
 * else met or not_met.
 */
RowMatrixXi8 check_standards(const StandardSet& standards, RecordsRef data, const std::vector<std::string>& columns,
                             int workers = 1);

/** @brief Per-group counts of compliance codes. */
struct ComplianceCounts {
  Eigen::MatrixXd met;       ///< groups x standards: met
  Eigen::MatrixXd observed;  ///< groups x standards: met + not met
  Eigen::MatrixXd not_applicable;
  Eigen::MatrixXd not_observed;
};

/** @brief Count compliance codes per group (`groups` in [0, n_groups), empty for one group). */
ComplianceCounts count_compliance(Eigen::Ref<const RowMatrixXi8> codes, Eigen::Ref<const VectorXi32> groups,
                                  int n_groups);

/**
 * @brief The mergeable state of standards compliance: per group key and standard, the records
 * that met it, did not, to which it did not apply and where it was not observed (integer
 * counts: partitions merge exactly in any order; groups aligned by key).
 *
 * A state that holds no group yet takes the key columns of the first batch or state added.
 * Byte image (little-endian on every host): `"SSCOMPL1"`, u32 length and the standard set as
 * JSON, the `GroupKeys` image (keys in key order), u32 standards S, then per group in key
 * order an i64 record count and S x 4 i64 (met, not met, not applicable, not observed).
 * `from_bytes` checks every declared size against the bytes that remain before allocating, and
 * that each standard's four counts add up to the group's records.
 */
class ComplianceState {
 public:
  /** @brief An empty state for `standards`, grouped by `key_names` (empty: ungrouped). */
  explicit ComplianceState(StandardSet standards = {}, std::vector<std::string> key_names = {});
  const StandardSet& standards() const { return standards_; }
  const GroupKeys& keys() const { return keys_; }
  /** @brief Number of groups. */
  int groups() const { return keys_.size(); }
  /** @brief Records counted. */
  std::int64_t rows() const;
  /** @brief Group codes in key order. */
  std::vector<std::int32_t> sorted_codes() const { return keys_.sorted_codes(); }
  /**
   * @brief Count a batch of `check_standards` codes (n x S): row i in group
   * `batch_keys.key(groups[i])` (groups empty: the empty key of an ungrouped state). Every key of
   * `batch_keys` becomes a group; an empty batch is a no-op; the state is unchanged on error.
   * @throws input_error naming the row and standard of a code other than 1, 0, -1, -2, a bad
   *   group code, a column count other than S or other key columns.
   */
  void update(Eigen::Ref<const RowMatrixXi8> codes, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
              std::int64_t row_offset = 0);
  /** @brief Add another state (groups aligned by key); input_error naming both when the standards or keys differ. */
  ComplianceState& merge(const ComplianceState& other);
  /** @brief The counts, one row per group: in key order, or in code order. */
  ComplianceCounts result(bool key_order = true) const;
  /** @brief The `SSCOMPL1` image. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes validated first (input_error). */
  static ComplianceState from_bytes(std::string_view bytes);
  bool operator==(const ComplianceState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  StandardSet standards_;
  GroupKeys keys_;
  std::vector<std::int64_t> cells_;  // groups x (1 + 4 S): records, then per standard met, not met, n/a, not observed
};

/** @brief Target of one time element. */
struct TimeTarget {
  TimeElement element = TimeElement::waiting;
  std::string column;   ///< column holding the element's durations
  double target = 0.0;  ///< attained when duration <= target
  std::string unit;     ///< for display ("minutes", "days", ...)
};

/** @brief Configuration of the time-element summary: targets and reported quantiles. */
struct TimeConfig {
  std::vector<TimeTarget> targets;             ///< no built-in default: see time_targets.json
  std::vector<double> quantiles = {0.5, 0.9};  ///< in [0, 1]; linear interpolation (numpy's default)
  void validate() const;
  bool operator==(const TimeConfig& o) const;
};

TimeConfig time_config_from_json(std::string_view json);
std::string to_json(const TimeConfig& config);

/** @brief Per group x element statistics (matrices are groups x elements). */
struct TimeSummary {
  Eigen::MatrixXd n;                       ///< non-missing durations
  Eigen::MatrixXd n_missing;               ///< missing (NaN) durations
  Eigen::MatrixXd attained;                ///< durations <= target
  Eigen::MatrixXd mean;                    ///< mean duration
  Eigen::MatrixXd mean_excess;             ///< E[max(T - target, 0)]
  std::vector<Eigen::MatrixXd> quantiles;  ///< one matrix per configured quantile
};

/**
 * @brief Summarise durations per group and time element.
 * @param values n x elements, columns in `config.targets` order; NaN is missing. Negative
 *   durations are an input_error naming the row and column.
 */
TimeSummary summarize_times(const TimeConfig& config, RecordsRef values, Eigen::Ref<const VectorXi32> groups,
                            int n_groups, int workers = 1);

/**
 * @brief The mergeable state of the time elements: per group key and element, the durations
 * (n, missing, attained, sum, excess over target) and what the quantiles need.
 *
 * Quantiles are exact where the data fit: a cell keeps its durations while it holds at most
 * `exact_cap` of them, and its quantiles are then numpy's "linear" (type 7) ones, equal to
 * `summarize_times`. Beyond the cap a cell holds a logarithmic histogram (DDSketch, Masson et
 * al. 2019, VLDB 12(12)): a duration x > 0 falls in bucket ceil(log_g x), g = (1 + a) / (1 - a)
 * with `a = relative_accuracy`, zero durations in a bucket of their own; every order statistic
 * read from it is within relative error a of the true one, and so is the interpolated quantile
 * (a convex combination of two of them). Buckets add on merge, so the histogram of merged
 * partitions is the histogram of all the data, and a cell is exact iff its total count is at
 * most the cap, whatever the merge order. Counts are exact; sums and excesses of histogram
 * cells are floating-point sums (about 1e-16 relative, merge order aside).
 *
 * Byte image (little-endian): `"SSTIMES1"`, u32 length and the `TimeConfig` as JSON, u64 cap,
 * f64 relative accuracy, the `GroupKeys` image (key order), u32 elements E, then per group in
 * key order and element: i64 n, i64 missing, i64 attained, u8 mode; mode 0 (exact): n f64
 * durations in ascending order; mode 1 (histogram): f64 sum, f64 excess, i64 zeros, u32 B,
 * B x (i32 bucket, i64 count) with buckets ascending. Sizes are checked before allocating.
 */
class TimeState {
 public:
  /** @brief An empty state; `exact_cap` >= 1, `relative_accuracy` in (0, 0.5). */
  explicit TimeState(TimeConfig config = {}, std::vector<std::string> key_names = {}, std::int64_t exact_cap = 100000,
                     double relative_accuracy = 0.005);
  const TimeConfig& config() const { return config_; }
  const GroupKeys& keys() const { return keys_; }
  int groups() const { return keys_.size(); }
  std::int64_t exact_cap() const { return cap_; }
  double relative_accuracy() const { return alpha_; }
  /** @brief Records counted. */
  std::int64_t rows() const { return rows_; }
  std::vector<std::int32_t> sorted_codes() const { return keys_.sorted_codes(); }
  /**
   * @brief Count n x E durations (NaN missing) with group codes of `batch_keys` (empty: ungrouped).
   * An empty batch is a no-op; the state is unchanged on error.
   * @throws input_error naming row and column of a negative or infinite duration, bad codes or keys.
   */
  void update(RecordsRef values, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
              std::int64_t row_offset = 0);
  /** @brief Add another state (groups aligned by key); input_error naming both when the configurations differ. */
  TimeState& merge(const TimeState& other);
  /** @brief The summary, one row per group (key order or code order); `exact` (groups x E) says which cells are exact.
   */
  TimeSummary result(bool key_order = true, Eigen::MatrixXd* exact = nullptr) const;
  std::string to_bytes() const;
  static TimeState from_bytes(std::string_view bytes);

  /** @brief One (group, element) cell. */
  struct Cell {
    std::int64_t n = 0, missing = 0, attained = 0;
    double sum = 0, excess = 0;
    bool sketch = false;
    std::vector<double> values;                                  // exact mode
    std::int64_t zeros = 0;                                      // sketch mode
    std::vector<std::pair<std::int32_t, std::int64_t>> buckets;  // sketch mode, ascending
  };

 private:
  void add(Cell& to, const Cell& from, double target) const;
  void to_sketch(Cell& c) const;
  void sketch_cell(Cell& c, double target) const;           // to a histogram, with the excess over target
  void prepare(Cell& to, Cell& from, double target) const;  // both histograms when they will not fit

  std::int32_t bucket_of(double x) const;
  double order_stat(const Cell& c, std::int64_t rank) const;
  TimeConfig config_;
  GroupKeys keys_;
  std::int64_t cap_ = 100000;
  double alpha_ = 0.005, log_gamma_ = 0;
  std::int64_t rows_ = 0;
  std::vector<Cell> cells_;  // groups x elements
};

/** @brief Configuration of the cycle-of-service analysis. */
struct MomentsConfig {
  double scale_min = 1.0;       ///< lowest score
  double scale_max = 5.0;       ///< highest score
  double fail_at = 2.0;         ///< a moment fails when its score <= fail_at
  double bad_ending_gap = 1.0;  ///< "a good start, a bad ending": first - last >= this
  /// Peak of the peak-end summary: "extreme" (farthest from the scale midpoint; ties to the
  /// worse score), "worst" (lowest) or "best" (highest).
  std::string peak = "extreme";
  void validate() const;
  bool operator==(const MomentsConfig& o) const;
};

MomentsConfig moments_config_from_json(std::string_view json);
std::string to_json(const MomentsConfig& config);

/** @brief Results of `analyze_moments`: per visit and per moment. */
struct MomentsAnalysis {
  // per visit (n_visits)
  VectorXi32 n_scored;  ///< scored moments of the visit
  VectorXi32 weakest;   ///< moment code of the lowest score (ties: the earliest), -1 when none
  Eigen::VectorXd weakest_score;
  Eigen::VectorXd first;     ///< score of the first scored moment
  Eigen::VectorXd last;      ///< score of the last scored moment
  Eigen::VectorXd mean;      ///< mean score
  Eigen::VectorXd peak;      ///< the peak score (config.peak)
  Eigen::VectorXd peak_end;  ///< (peak + last) / 2
  VectorXi8 bad_ending;      ///< first - last >= bad_ending_gap
  // per moment (n_moments)
  Eigen::VectorXd moment_n;             ///< scored occurrences
  Eigen::VectorXd moment_sum;           ///< sum of scores
  Eigen::VectorXd moment_failed;        ///< scores <= fail_at
  Eigen::VectorXd moment_weakest;       ///< visits where the moment was the weakest
  Eigen::VectorXd moment_position_sum;  ///< sum of the moment's rank within its visit (0 = first)
  std::int64_t n_missing = 0;           ///< rows with a missing score (skipped, counted)
};

/**
 * @brief Analyse cycles of service from a long table (one row per moment of a visit).
 * @param visit visit code per row in [0, n_visits); @param order position of the moment
 * within its visit (rows are sorted by it; ties keep the input order); @param moment moment
 * code in [0, n_moments); @param score the moment's score (NaN = not scored: skipped, counted).
 * @throws input_error for codes out of range or a score outside the scale, naming the row.
 */
MomentsAnalysis analyze_moments(Eigen::Ref<const VectorXi32> visit, Eigen::Ref<const Eigen::VectorXd> order,
                                Eigen::Ref<const VectorXi32> moment, Eigen::Ref<const Eigen::VectorXd> score,
                                int n_visits, int n_moments, const MomentsConfig& config);

/** @brief Per-moment aggregates of a MomentsState, one row per (group, moment) cell. */
struct MomentsCounts {
  std::vector<std::int32_t> group;                              ///< per cell: its row in the groups (key order)
  std::vector<std::string> moment;                              ///< per cell: the moment's name
  Eigen::VectorXd cell_rows;                                    ///< per cell: rows of the moment (scored or not)
  Eigen::VectorXd n, sum, failed, weakest, position_sum;        ///< per cell, as MomentsAnalysis::moment_*
  Eigen::VectorXd rows, n_missing, visits_scored, bad_endings;  ///< per group (key order)
};

/**
 * @brief The mergeable state of moments of truth: per group key and moment the scored
 * occurrences, the sum of scores, the failures, the visits where it was the weakest and the sum
 * of its positions; per group the rows, the rows without a score, the scored visits and the
 * visits with a bad ending. Each batch is analysed with `analyze_moments`, so a batch must hold
 * **every row of each of its visits** (partition by visit): the per-visit figures (weakest,
 * position, first and last) need the whole visit, and the state cannot check it without keeping
 * every visit id. Integer counts merge exactly; the score sums to rounding. The per-visit table
 * is rows and is not kept. A visit's group is the group of its weakest row.
 *
 * Byte image `"SSMOMTS1"` (little-endian on every host): u32 length and the configuration as
 * JSON; the groups: `GroupKeys` image (key order), u32 4, then per group 4 i64 (rows, missing,
 * scored visits, bad endings); the cells: `GroupKeys` image over the key columns and `moment`
 * (key order), u32 5, u32 1, then per cell 5 i64 (rows, n, failed, weakest, position sum) and one
 * f64 (sum of scores). `from_bytes` checks every declared size against the bytes that remain before
 * allocating, counts in [0, 2^62], missing and scored visits at most the rows, bad endings at
 * most the scored visits, each cell's n at most its rows and failures and weakest at most its n,
 * its sum within [n min, n max] of the scale, every cell's group among the groups, and the rows
 * and weakest of a group's cells adding up to its rows and scored visits.
 */
class MomentsState {
 public:
  /** @brief An empty state for `config`, grouped by `key_names` (empty: ungrouped). */
  explicit MomentsState(MomentsConfig config = {}, std::vector<std::string> key_names = {});
  const MomentsConfig& config() const { return config_; }
  const GroupKeys& keys() const { return groups_.keys(); }
  int groups() const { return groups_.groups(); }
  /** @brief Rows counted. */
  std::int64_t rows() const { return groups_.total(0); }
  std::vector<std::int32_t> sorted_codes() const { return groups_.sorted_codes(); }
  /**
   * @brief Analyse a batch (codes as `analyze_moments`; `moment_names` name the moment codes) and
   * count it per group of the rows (`groups` empty: ungrouped). An empty batch is a no-op; the
   * state is unchanged on error.
   */
  void update(Eigen::Ref<const VectorXi32> visit, Eigen::Ref<const Eigen::VectorXd> order,
              Eigen::Ref<const VectorXi32> moment, Eigen::Ref<const Eigen::VectorXd> score, int n_visits,
              const std::vector<std::string>& moment_names, Eigen::Ref<const VectorXi32> groups,
              const GroupKeys& batch_keys, std::int64_t row_offset = 0);
  /** @brief Add another state; input_error naming both when the configurations or keys differ. */
  MomentsState& merge(const MomentsState& other);
  /** @brief The aggregates: groups in key order, cells in key order (group, then moment name). */
  MomentsCounts result() const;
  /** @brief The `SSMOMTS1` image. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes validated first (input_error). */
  static MomentsState from_bytes(std::string_view bytes);
  bool operator==(const MomentsState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  MomentsConfig config_;
  detail::GroupedCounts groups_;  // per group: rows, missing, scored visits, bad endings
  detail::GroupedCounts cells_;   // per (group keys..., moment): rows, n, failed, weakest, position sum; score sum
};

}  // namespace servscore
