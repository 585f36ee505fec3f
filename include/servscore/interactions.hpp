/**
 * @file interactions.hpp
 * @brief Interaction risk and cue rates: the mergeable state of the per-reason and per-cue
 * counts of classified interactions (`servscore.interactions`: `risk_rates()`, `cue_rates()`,
 * `ss.interactions.Accumulator`).
 *
 * The classification itself (cue matching, evidence, lost-sale flags) is in `text.hpp`; this
 * state counts its output, batch by batch, per group key.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/group_keys.hpp"
#include "servscore/detail/grouped_counts.hpp"
#include "servscore/model.hpp"
#include "servscore/types.hpp"

namespace servscore {

/** @brief Number of lost-sale reasons (`LostSaleReason`), the risk columns of a batch. */
inline constexpr int kLostSaleReasons = static_cast<int>(enum_size<LostSaleReason>());

/** @brief What an interaction-rates state counts: the cues of the lexicon, in its order. */
struct InteractionRatesConfig {
  std::vector<std::string> cues;  ///< cue names (the lexicon's `cue_names`), distinct and non-empty

  /** @brief Throw `config_error` naming the cue when a name is empty, repeated or too many are given. */
  void validate() const;
  bool operator==(const InteractionRatesConfig& o) const { return cues == o.cues; }
};

/** @brief Parse `{"cues": [name, ...]}` (unknown keys are refused). */
InteractionRatesConfig interaction_rates_config_from_json(std::string_view json);
/** @brief Serialise the configuration as a JSON object. */
std::string to_json(const InteractionRatesConfig& config);

/**
 * @brief Counts of an `InteractionRatesState`, one row per group; shares are finished from them
 * (`flagged / texts`, `cue_texts / texts`; NaN when a group has no text present).
 */
struct InteractionRates {
  using Counts = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<std::int64_t> interactions;  ///< interactions (rows) per group
  std::vector<std::int64_t> texts;         ///< interactions whose text is present (status not "missing")
  Counts flagged;                          ///< groups x 14 (`LostSaleReason` order): interactions flagged
  Counts cue_texts;                        ///< groups x cues: interactions with at least one hit of the cue
  Counts cue_hits;                         ///< groups x cues: hits of the cue
  Eigen::MatrixXd risk_share;              ///< groups x 14: flagged / texts (NaN when texts = 0)
  Eigen::MatrixXd cue_share;               ///< groups x cues: cue_texts / texts (NaN when texts = 0)
};

/**
 * @brief The mergeable state of the interaction risk and cue rates: per group key the
 * interactions, those with a text present, per lost-sale reason the interactions flagged, and
 * per cue the interactions with a hit and the hits. Integer counts: batches merge exactly in any
 * order, and the shares of `result` equal those of one pass on all the rows.
 *
 * Byte image `"SSIRATE1"` (every integer little-endian, whatever the host): u32 length and the
 * configuration as JSON (`{"cues": [...]}`), the `GroupKeys` image (keys in key order), u32 cells
 * a group (2 + 14 + 2 cues), then per group in key order that many i64: interactions, texts,
 * flagged per reason (`LostSaleReason` order), interactions with a hit per cue, hits per cue (cue
 * order). `from_bytes` checks every declared size against the bytes that remain before
 * allocating, every count in [0, 2^62], at least one interaction a group, texts and flagged at
 * most the interactions, interactions with a hit at most the texts, and hits at least the
 * interactions with a hit (0 when none).
 */
class InteractionRatesState {
 public:
  /** @brief Fixed cells a group before the cue cells (interactions, texts, 14 reasons). */
  static constexpr std::size_t kFixed = 2 + static_cast<std::size_t>(kLostSaleReasons);
  using FlagsRef = Eigen::Ref<const RowMatrixXi8>;
  using CountsRef = Eigen::Ref<const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

  /** @brief An empty state for `config`, grouped by `key_names` (empty: ungrouped). */
  explicit InteractionRatesState(InteractionRatesConfig config = {}, std::vector<std::string> key_names = {});
  const InteractionRatesConfig& config() const { return config_; }
  const GroupKeys& keys() const { return counts_.keys(); }
  /** @brief Number of groups. */
  int groups() const { return counts_.groups(); }
  /** @brief Interactions counted (saturating at the int64 maximum). */
  std::int64_t rows() const { return counts_.total(0); }
  /** @brief Group codes in key order (missing last). */
  std::vector<std::int32_t> sorted_codes() const { return counts_.sorted_codes(); }
  /** @brief Cells a group: 2 + 14 + 2 cues. */
  std::size_t width() const { return kFixed + 2 * config_.cues.size(); }

  /**
   * @brief Count a batch of classified interactions: row i in group `batch_keys.key(groups[i])`
   * (groups empty: ungrouped). An empty batch is a no-op; the state is unchanged on error.
   * @param present 1 where the text is present (status not "missing"), 0 otherwise.
   * @param risks n x 14 flags (0 / 1, `LostSaleReason` order).
   * @param cue_counts n x cues hits (>= 0; 0 where the text is missing).
   * @throws input_error naming the row for a bad flag, a negative count, hits on a missing text,
   *   shapes that do not match, a bad group code or other key columns.
   */
  void update(Eigen::Ref<const VectorXi8> present, FlagsRef risks, CountsRef cue_counts,
              Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys, std::int64_t row_offset = 0);
  /** @brief Add another state (groups aligned by key); input_error naming both when the cues or key columns differ. */
  InteractionRatesState& merge(const InteractionRatesState& other);
  /** @brief The counts and shares, one row per group: in key order (`sorted_codes`), or in code order. */
  InteractionRates result(bool key_order = true) const;
  /** @brief The counts of the groups `codes` in that order (a code -1: a group without interactions). */
  InteractionRates result_of(const std::vector<std::int32_t>& codes) const;
  /** @brief The `SSIRATE1` image (see the class comment). */
  std::string to_bytes() const;
  /** @brief Inverse of to_bytes; untrusted bytes are validated first (input_error). */
  static InteractionRatesState from_bytes(std::string_view bytes);
  bool operator==(const InteractionRatesState& o) const { return to_bytes() == o.to_bytes(); }

 private:
  InteractionRatesConfig config_;
  detail::GroupedCounts counts_;
};

}  // namespace servscore
