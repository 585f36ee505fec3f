/**
 * @file text_model.hpp
 * @brief A trainable multi-label text classifier: one-vs-rest logistic models over hashed word
 * and character n-grams (the fastText features, Joulin et al. 2017), Platt-calibrated.
 *
 * Features of a text (after NFKC-like width folding and case folding, see `text_model_tokens`):
 * - Latin (and other non-CJK) words: the word ("w" tag), word n-grams up to `word_ngrams`
 *   ("n" tag, words joined by a space), and character n-grams of `<word>` of length
 *   `char_min`..`char_max` ("c" tag);
 * - CJK runs (Han, kana, Hangul): character n-grams of length 1..`cjk_max` inside the run ("h" tag).
 * Each feature string is hashed with 32-bit FNV-1a over its tag byte followed by its UTF-8 bytes,
 * modulo `buckets`. Buckets seen in fewer than `min_count` training texts are dropped. The value of
 * each used bucket of a text is 1 (`weighting` "binary") or (1 + ln count) x idf ("tfidf"), the
 * vector scaled to unit L2 norm (binary: 1 / sqrt(distinct used buckets)).
 *
 * Training: per label, a logistic model trained by AdaGrad SGD (`solver` "adagrad") for `epochs`
 * passes over the training texts in a shuffled order (splitmix64 seeded Fisher-Yates, one
 * permutation per epoch shared by all labels), L2 applied to the active weights of each step; or
 * the minimum of the L2-penalised class-weighted mean log loss by L-BFGS (`solver` "lbfgs", as
 * liblinear / scikit-learn's LogisticRegression with C = 1 / (n l2)). Labels train independently,
 * so results are bit-identical for any `workers`.
 *
 * Calibration: Platt scaling per label (Platt 1999, with the Lin, Lin and Weng 2007 Newton
 * method) on out-of-fold scores from a seeded `calibration_folds`-fold split. With
 * `tune_thresholds`, each label's decision threshold is the value of the grid 0.05, 0.10, ..., 0.95
 * that maximises F1 on those out-of-fold calibrated probabilities (ties: the higher threshold), so
 * thresholds come from held-out texts of the training data, never from the data being predicted.
 * The labels of an exclusive group share one threshold, the grid value with the best micro-F1 of
 * the group's decision (its most probable label if that reaches the threshold) on the same data.
 *
 * Dense extra features (such as the rule features of `servscore.text`) are standardised with the
 * training mean and population sd and enter the same linear model; their names are saved with
 * the model. The byte format is described in docs/text_model.md.
 */
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/text.hpp"

namespace servscore {

/** @brief Settings of a `TextClassifier` (every value a documented default). */
struct TextClassifierConfig {
  int word_ngrams = 2;             ///< word n-grams 1..word_ngrams (1 = words only)
  int char_min = 2;                ///< shortest character n-gram inside `<word>`; 0 = no char n-grams
  int char_max = 4;                ///< longest character n-gram inside `<word>`
  int cjk_max = 3;                 ///< CJK character n-grams of length 1..cjk_max inside a CJK run
  std::int64_t buckets = 1 << 18;  ///< hash buckets (1..2^24)
  int min_count = 1;               ///< a bucket must occur in at least this many training texts
  int epochs = 10;                 ///< passes over the training texts
  double learning_rate = 0.5;      ///< AdaGrad base step
  double l2 = 1e-5;                ///< L2 penalty on the active weights at each step
  std::uint64_t seed = 42;         ///< seeds the shuffles and the calibration folds
  bool balanced = true;            ///< weight positives and negatives by n / (2 n_class) per label
  int calibration_folds = 3;       ///< k of the out-of-fold Platt fit; 0 = no calibration (plain sigmoid)
  bool fold_case = true;           ///< lower-case Latin, Greek and Cyrillic letters
  bool fold_width = true;          ///< full-width ASCII and the ideographic space to ASCII
  /// Choose each label's threshold by F1 on the out-of-fold calibrated probabilities (needs
  /// `calibration_folds` >= 2); false: every threshold is 0.5.
  bool tune_thresholds = false;
  /// "adagrad": AdaGrad SGD for `epochs` passes in a seeded order, L2 `l2` on the active weights
  /// of each step; "lbfgs": the minimum of the class-weighted mean log loss plus `l2` / 2 x |w|^2
  /// (bias not penalised), found by L-BFGS (memory 10, Armijo backtracking) in at most `max_iter`
  /// iterations, stopping when the largest gradient entry is below `tol` (no order, no seed).
  std::string solver = "adagrad";
  /// "binary": 1 per distinct bucket of a text; "tfidf": (1 + ln count) x idf, idf = ln((1 + n) /
  /// (1 + df)) + 1 over the n training texts (df = texts with the bucket). Either way the vector
  /// of a text's used buckets is scaled to unit L2 norm.
  std::string weighting = "binary";
  int max_iter = 300;        ///< L-BFGS iterations at most (solver "lbfgs")
  double tol = 1e-6;         ///< L-BFGS stops when max |gradient| < tol
  double dense_scale = 1.0;  ///< factor on the standardised dense features (their L2 penalty / dense_scale^2)
  /// Label prefixes ("style:") whose labels are mutually exclusive in `predict`: the one with the
  /// highest probability if it reaches its threshold, else none.
  std::vector<std::string> exclusive_groups;

  /** @brief Throw `config_error` naming the first invalid value. */
  void validate() const;
  bool operator==(const TextClassifierConfig& o) const;
};

/** @brief Parse a JSON config (unknown keys and invalid values raise `config_error`). */
TextClassifierConfig text_classifier_config_from_json(std::string_view json);
/** @brief Serialise every key of the config. */
std::string to_json(const TextClassifierConfig& config);

/** @brief The normalised tokens of a text, as the classifier sees them (for inspection). */
std::vector<std::string> text_model_tokens(std::string_view text, bool fold_case = true, bool fold_width = true);
/** @brief The feature strings of a text (tag byte first) before hashing, in order of generation. */
std::vector<std::string> text_model_feature_strings(std::string_view text, const TextClassifierConfig& config);
/** @brief 32-bit FNV-1a of `bytes` (offset basis 2166136261, prime 16777619). */
std::uint32_t fnv1a32(std::string_view bytes);

/** @brief Texts x k dense extra features (row-major); an empty matrix means none. */
using DenseFeatures = Eigen::Ref<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

/** @brief A one-vs-rest logistic text classifier (see the file comment). */
class TextClassifier {
 public:
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using LabelMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  explicit TextClassifier(TextClassifierConfig config = {});

  /**
   * @brief Train on `texts` with `labels` (texts x labels, 0/1) named `label_names`; `dense`
   * (texts x k, or 0 columns) are extra features, standardised with the training mean and sd.
   * @param workers threads (<= 0: all cores); the result does not depend on it.
   * @param check called on the calling thread between training tasks; may throw to stop.
   * @param dense_names names of the dense columns (saved with the model; empty: none, else one
   * distinct non-empty name per column).
   * Missing texts (null data) count as empty texts.
   */
  void fit(const std::vector<TextRef>& texts, const LabelMatrix& labels, const std::vector<std::string>& label_names,
           const Matrix& dense, int workers = 1, const std::function<void()>& check = {},
           const std::vector<std::string>& dense_names = {});

  /** @brief Raw scores w.x + b (texts x labels). */
  Matrix decision_function(const std::vector<TextRef>& texts, const Matrix& dense, int workers = 1) const;
  /** @brief Calibrated probabilities (texts x labels). */
  Matrix predict_proba(const std::vector<TextRef>& texts, const Matrix& dense, int workers = 1) const;
  /** @brief 0/1 decisions: probability >= threshold, one label at most per exclusive group. */
  LabelMatrix predict(const std::vector<TextRef>& texts, const Matrix& dense, int workers = 1) const;
  /** @brief Decisions from probabilities already computed. */
  LabelMatrix decide(const Matrix& proba) const;

  bool fitted() const { return !labels_.empty(); }
  const TextClassifierConfig& config() const { return config_; }
  const std::vector<std::string>& labels() const { return labels_; }
  int n_dense() const { return static_cast<int>(dense_mean_.size()); }
  /** @brief Names of the dense features given to `fit` (empty when none were named). */
  const std::vector<std::string>& dense_names() const { return dense_names_; }
  /** @brief Training mean and sd of each dense feature (the standardisation). */
  const std::vector<double>& dense_mean() const { return dense_mean_; }
  const std::vector<double>& dense_sd() const { return dense_sd_; }
  /** @brief Buckets kept after `min_count` (sorted). */
  const std::vector<std::uint32_t>& used_buckets() const { return used_; }
  /** @brief idf of each used bucket (weighting "tfidf"; empty for "binary"). */
  const std::vector<float>& idf() const { return idf_; }
  /** @brief Weights: used buckets, then dense features (rows) x labels (columns). */
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& weights() const { return weights_; }
  const std::vector<double>& bias() const { return bias_; }
  const std::vector<double>& platt_a() const { return platt_a_; }
  const std::vector<double>& platt_b() const { return platt_b_; }
  const std::vector<double>& thresholds() const { return thresholds_; }
  /** @brief Set the decision thresholds (one per label, each in [0, 1]). */
  void set_thresholds(const std::vector<double>& t);
  /** @brief Set the exclusive groups (label prefixes). */
  void set_exclusive_groups(const std::vector<std::string>& groups);

  /** @brief The versioned byte format (see docs/text_model.md / the source). */
  std::string to_bytes() const;
  /** @brief Parse bytes from `to_bytes`; every size is checked first (`input_error` otherwise). */
  static TextClassifier from_bytes(std::string_view bytes);

 private:
  TextClassifierConfig config_;
  std::vector<std::string> labels_;
  std::vector<std::uint32_t> used_;   // sorted used buckets
  std::vector<std::int32_t> row_of_;  // bucket -> row of weights_, -1 if unused (buckets entries)
  std::vector<float> idf_;            // per used bucket (weighting "tfidf")
  std::vector<double> dense_mean_, dense_sd_;
  std::vector<std::string> dense_names_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> weights_;
  std::vector<double> bias_, platt_a_, platt_b_, thresholds_;
  std::vector<std::vector<int>> groups_;  // label indices per exclusive group

  void rebuild_index();
  void rebuild_groups();
  void tune_group_thresholds(const Matrix& oof, const LabelMatrix& labels);
};

}  // namespace servscore
