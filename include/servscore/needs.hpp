/**
 * @file needs.hpp
 * @brief Anticipated needs: a small condition language over interaction fields and a
 * rules engine mapping situations to the ten human needs and to recommended actions.
 *
 * The source's table of situations and anticipated needs (a long wait, looking at the
 * watch, a customer with children, a queue before opening, peak hours) is the default
 * rule set; it ships as data (`servscore/data/needs/rules.json` in the Python package),
 * never as code. Rules are JSON:
 *
 * @code{.json}
 * {"rules": [{"id": "long_wait",
 *             "when": {"any": [{"field": "wait_minutes", "op": ">=", "value": 10},
 *                              {"field": "looked_at_watch", "op": "is_true"}]},
 *             "needs": ["timely_service", "appreciated"],
 *             "actions": ["acknowledge the wait", "thank them for waiting"]}]}
 * @endcode
 *
 * Condition language (every node is one JSON object):
 * - comparison `{"field": F, "op": OP, "value": V}` with OP one of `>` `>=` `<` `<=` `==`
 *   `!=` (or `gt ge lt le eq ne`), `in` (V a list of numbers), `between` (V = [lo, hi],
 *   inclusive), and the unary `is_true` (non-zero), `is_false` (zero), `missing`
 *   (NaN / null); a missing value makes every comparison false except `missing`;
 * - `{"all": [c, ...]}` (and), `{"any": [c, ...]}` (or), `{"not": c}`;
 * - field presence `{"present": F}`: true where the column exists and the value is not
 *   missing. A column named only by `present` may be absent from the data (the cue columns
 *   `cue_<name>` of the text engine are used this way); a comparison on a column that may
 *   be absent says `"optional": true` (false where the column is absent).
 *
 * Errors: an unknown operator, key or need is a `config_error` when the rules are loaded;
 * so is a field the schema given to `check_schema` (the data's columns) does not have.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/grouped_counts.hpp"
#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Row-major uint8 matrix (0/1 flags: records x conditions). */
using RowMatrixXu8 = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {
/** @brief One node of a compiled condition, in postfix order (internal). */
struct ConditionNode {
  enum class Kind : std::uint8_t { compare, all, any, negate, present } kind = Kind::compare;
  enum class Op : std::uint8_t { gt, ge, lt, le, eq, ne, in, between, is_true, is_false, missing } op = Op::gt;
  int field = -1;              ///< index into ConditionSet::fields()
  int n_args = 0;              ///< operands of all / any
  double value = 0.0;          ///< comparison value; lower bound of between
  double value2 = 0.0;         ///< upper bound of between
  std::vector<double> values;  ///< the list of `in`
};
}  // namespace detail

/**
 * @brief A list of compiled conditions over named numeric fields, evaluated column-wise
 * over a batch of records. Shared by the needs rules and the service standards.
 */
class ConditionSet {
 public:
  /**
   * @brief Compile one condition (a JSON object of the condition language) and append it.
   * @param where names the condition in error messages ("rules[2].when").
   * @return the index of the new condition.
   * @throws config_error for an unknown operator or key, or a value of the wrong type.
   */
  std::size_t add(std::string_view json, const std::string& where);
  /** @brief Append an always-true condition (e.g. a standard that always applies). */
  std::size_t add_true();
  /** @brief Number of conditions. */
  std::size_t size() const { return programs_.size(); }
  /** @brief Every field the conditions name, in order of first use. */
  const std::vector<std::string>& fields() const { return fields_; }
  /** @brief Whether field `i` may be absent from the data (named only by `present` or `optional`). */
  bool is_optional(std::size_t i) const { return optional_[i] != 0; }
  /** @brief The condition as JSON (normalised). */
  std::string condition_json(std::size_t i) const { return json_[i]; }
  /**
   * @brief Throw `config_error` when a required field is not among `schema`, naming the
   * condition (by `names[i]` when given) and the field, and listing the schema.
   */
  void check_schema(const std::vector<std::string>& schema, const std::vector<std::string>& names = {}) const;
  /**
   * @brief Evaluate every condition on every record.
   * @param data n records x k columns; NaN is a missing value.
   * @param columns the names of the k columns of `data` (must hold every required field).
   * @param workers threads (<= 0: all); results do not depend on it.
   * @param complete when given, set to n x size(): 1 where every field the condition
   *   names is present and not missing in the record (an observation is complete).
   * @param n_missing when given, set to the number of missing values of each field
   *   (`fields()` order; 0 for an absent optional field).
   * @return n x size() flags, 1 where the condition holds.
   */
  RowMatrixXu8 evaluate(RecordsRef data, const std::vector<std::string>& columns, int workers = 1,
                        RowMatrixXu8* complete = nullptr, std::vector<std::int64_t>* n_missing = nullptr) const;
  bool operator==(const ConditionSet& o) const { return json_ == o.json_; }

 private:
  int field_index(const std::string& name, bool optional);
  std::vector<std::vector<detail::ConditionNode>> programs_;
  std::vector<std::vector<int>> program_fields_;  // fields each condition names
  std::vector<std::string> json_;
  std::vector<std::string> fields_;
  std::vector<std::uint8_t> optional_;
};

/** @brief One rule: a situation (condition) -> anticipated needs and recommended actions. */
struct NeedRule {
  std::string id;                    ///< unique identifier, reported when the rule fires
  std::string description;           ///< the situation in words
  std::string source;                ///< where the rule comes from ("source table", "ours", ...)
  std::vector<HumanNeed> needs;      ///< needs the situation anticipates
  std::vector<std::string> actions;  ///< recommended actions
};

/**
 * @brief A rule set: rules and their compiled conditions (one per rule, same order).
 * Build with `need_rules_from_json`; the JSON has `rules` (a list) and an optional
 * `description`.
 */
struct NeedRuleSet {
  std::string description;
  std::vector<NeedRule> rules;
  ConditionSet conditions;  ///< condition i is rule i's `when`
  /** @brief Every distinct action, in order of first appearance. */
  std::vector<std::string> action_list() const;
  /** @brief Throw `config_error` when a rule names a field that `schema` lacks (optional fields excepted). */
  void check_schema(const std::vector<std::string>& schema) const;
  /** @brief Append the rules of another set (ids must stay unique). */
  void extend(const NeedRuleSet& other);
  bool operator==(const NeedRuleSet& o) const;
};

/**
 * @brief Parse and compile a rule set. With a non-empty `schema` (the data's column
 * names) every required field is checked against it at load time.
 * @throws config_error naming the rule, key, operator or field, and what was expected.
 */
NeedRuleSet need_rules_from_json(std::string_view json, const std::vector<std::string>& schema = {});
/** @brief Serialise a rule set as JSON (round-trips through `need_rules_from_json`). */
std::string to_json(const NeedRuleSet& rules);

/** @brief Per-record output of `evaluate_needs`. */
struct NeedsEvaluation {
  RowMatrixXu8 fired;                       ///< n x rules: 1 where the rule fired
  RowMatrixXu8 needs;                       ///< n x 10 (HumanNeed order): 1 where a fired rule anticipates the need
  RowMatrixXu8 actions;                     ///< n x actions (NeedRuleSet::action_list order)
  std::vector<std::int64_t> rule_counts;    ///< records each rule fired on
  std::vector<std::int64_t> need_counts;    ///< records each need was triggered on
  std::vector<std::int64_t> field_missing;  ///< missing values per field (ConditionSet::fields() order)
};

/**
 * @brief Evaluate the rules column-wise over a batch of interactions.
 * @param data n interactions x k numeric columns named `columns` (booleans as 0/1, NaN missing).
 * @throws input_error when a required field is not among `columns`.
 */
NeedsEvaluation evaluate_needs(const NeedRuleSet& rules, RecordsRef data, const std::vector<std::string>& columns,
                               int workers = 1);

/** @brief Per-group counts of a NeedsState, one row per group. */
struct NeedsCounts {
  Eigen::VectorXd n;        ///< interactions
  Eigen::VectorXd n_any;    ///< interactions where at least one rule fired
  Eigen::MatrixXd rules;    ///< groups x rules: interactions each rule fired on
  Eigen::MatrixXd needs;    ///< groups x 10 (HumanNeed order): interactions with the need triggered
  Eigen::MatrixXd actions;  ///< groups x actions (NeedRuleSet::action_list order)
  Eigen::MatrixXd missing;  ///< groups x fields (ConditionSet::fields() order): missing values
  Eigen::MatrixXd present;  ///< groups x fields: interactions of batches that had the field's column
};

/**
 * @brief The mergeable state of anticipated needs: per group key the interactions, those with
 * a rule fired, and per rule, need and action the interactions it fired / was triggered on,
 * and per field its missing values and the interactions of batches that had its column (an
 * optional field may be absent from some batches). Integer counts: partitions merge exactly in
 * any order, and every aggregate of `evaluate_needs` (rule counts, need counts, missing values
 * per field, need shares per group) is a function of them. The per-interaction flags are not
 * kept (they are rows).
 *
 * Byte image `"SSNEEDS1"` (little-endian on every host): u32 length and the rule set as JSON,
 * the `GroupKeys` image (keys in key order), u32 counts per group W = 2 + R + 10 + A + 2 F, then
 * per group in key order W i64: interactions, with a rule fired, R rule counts, 10 need counts,
 * A action counts, F missing, F present. `from_bytes` checks every declared size against the
 * bytes that remain before allocating, every count in [0, 2^62] and at most the group's
 * interactions (missing at most present), and at least one interaction per group.
 */
class NeedsState {
 public:
  /** @brief An empty state for `rules`, grouped by `key_names` (empty: ungrouped). */
  explicit NeedsState(NeedRuleSet rules = {}, std::vector<std::string> key_names = {});
  const NeedRuleSet& rules() const { return rules_; }
  const GroupKeys& keys() const { return counts_.keys(); }
  /** @brief Number of groups. */
  int groups() const { return counts_.groups(); }
  /** @brief Interactions counted. */
  std::int64_t rows() const { return counts_.total(0); }
  /** @brief Group codes in key order. */
  std::vector<std::int32_t> sorted_codes() const { return counts_.sorted_codes(); }
  /**
   * @brief Evaluate the rules on a batch (as `evaluate_needs`) and count it: row i in group
   * `batch_keys.key(groups[i])` (groups empty: ungrouped). An empty batch is a no-op; the state
   * is unchanged on error.
   * @throws input_error when a required field is not among `columns`, for a bad group code or
   *   other key columns.
   */
  void update(RecordsRef data, const std::vector<std::string>& columns, Eigen::Ref<const VectorXi32> groups,
              const GroupKeys& batch_keys, int workers = 1, std::int64_t row_offset = 0);
  /** @brief Add another state (groups aligned by key); input_error naming both when the rules or keys differ. */
  NeedsState& merge(const NeedsState& other);
  /** @brief The counts, one row per group: in key order, or in code order. */
  NeedsCounts result(bool key_order = true) const;
  /** @brief The `SSNEEDS1` image. */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes validated first (input_error). */
  static NeedsState from_bytes(std::string_view bytes);
  bool operator==(const NeedsState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  std::size_t width() const;
  NeedRuleSet rules_;
  std::size_t n_actions_ = 0;
  detail::GroupedCounts counts_;
};

}  // namespace servscore
