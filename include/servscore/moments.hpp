/**
 * @file moments.hpp
 * @brief A mergeable first- and second-moment state of p variables: (weighted)
 * counts, means and the co-moment matrix, from which covariances and
 * correlations follow. Every multivariate score built on covariances
 * (reliability, PLS path models, key-driver regressions) can start from it, so
 * that data arriving in chunks, on several machines or in several processes are
 * summarised once and merged exactly.
 *
 * Method: each batch is cut into fixed blocks of 1024 rows; a block's moments are
 * computed around one of its own rows (complete blocks, one pass) or its own means
 * (blocks with missing values or weights, two passes from cache), and blocks are
 * combined with the pairwise update of Chan, Golub & LeVeque (1979, 1983), weighted
 * as in West (1979) / Pébay (2008):
 *
 *     W = Wa + Wb,  d = mean_b - mean_a,  mean = mean_a + d Wb / W,
 *     C = Ca + Cb + d d' Wa Wb / W.
 *
 * This stays accurate when the means are large compared with the spread, where
 * the textbook sum-of-squares formula loses every digit: ~1e-15 relative within a
 * block; merged blocks lose about (|mean| / sd) x 1e-17 relative (1e-9 at a mean
 * 1e9 times the spread), see `Moments`.
 *
 * Missing values (NaN) follow a policy fixed at construction:
 * - `listwise` (default): a row with any missing value is left out (and counted
 *   in `n_dropped()`); all statistics refer to the same complete rows.
 * - `pairwise`: every pair of variables (j, k) keeps its own count, weight, means
 *   and second moments over the rows where both are present, as pandas'
 *   `DataFrame.cov()` / `corr()` do. `mean()` is then each variable's mean over
 *   the rows where it is present, and `correlation()` uses, for each pair, the
 *   variances of the same rows as the covariance (so it lies in [-1, 1]).
 *
 * Weights are survey (frequency-like) weights >= 0; `covariance(ddof)` divides a
 * co-moment by (W - ddof) where W is the pair's weight sum, which is numpy's
 * `np.cov(..., fweights=w)` and, without weights, `np.cov` / pandas. The sum of
 * squared weights is kept too, for an effective sample size (W^2 / sum w^2).
 *
 * Example:
 * @code
 *   servscore::Moments m(3);                 // 3 variables, listwise
 *   m.update(batch1);                        // n1 x 3 row-major records
 *   servscore::Moments part(3);
 *   part.update(batch2);
 *   m.merge(part);                           // == one pass over both batches
 *   Eigen::MatrixXd s = m.covariance();      // ddof = 1
 *   std::string bytes = m.to_bytes();        // ship it; Moments::from_bytes(bytes)
 * @endcode
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/types.hpp"

namespace servscore {

/** @brief How missing values (NaN) enter a multivariate statistic. */
enum class MissingPolicy {
  listwise,  ///< drop every row with a missing value (the default everywhere)
  pairwise   ///< each pair of variables uses the rows where both are present
};

/** @brief "listwise" or "pairwise". */
const char* to_string(MissingPolicy policy);
/** @brief Parse "listwise" / "pairwise" (case-insensitive); throws config_error listing both. */
MissingPolicy parse_missing_policy(std::string_view name);

/** @brief Integer matrix of pair counts. */
using MatrixXi64 = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>;
/** @brief Integer vector of per-variable counts. */
using VectorXi64 = Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>;

/**
 * @brief Mergeable co-moment state of p variables (see the file documentation).
 *
 * All p x p matrices are indexed (j, k). Under `listwise` every entry of the
 * count and weight matrices is the same number. Merging is exact up to rounding
 * and associative/commutative up to rounding: any chunking and merge order gives
 * the one-pass result to ~1e-12 relative when the means are within ~1e4 of the
 * spread. Each merge adds d d' Wa Wb / W with d the difference of two stored means,
 * and a stored mean carries |mean| x 1.1e-16 of rounding: with means 1e9 times the
 * standard deviation, the variance of several merged blocks is accurate to about
 * 1e-9 relative (one block: ~1e-15). Centre such data first when more digits matter.
 */
class Moments {
 public:
  /** @brief An empty state of 0 variables (assign or `from_bytes` before use). */
  Moments() = default;
  /**
   * @brief An empty state of p variables.
   * @param p number of variables (>= 1).
   * @param policy missing-data policy (fixed for the life of the state).
   * @param names optional variable names (empty, or p names); merging checks they agree.
   * @throws input_error for p < 1 or a names list of the wrong length.
   */
  explicit Moments(int p, MissingPolicy policy = MissingPolicy::listwise, std::vector<std::string> names = {});

  /**
   * @brief Add a batch of records.
   * @param x n x p records, NaN = missing (handled by the policy).
   * @param weights empty (all weights 1) or n weights, each finite and >= 0.
   * @param workers threads; <= 0 means all hardware threads. Results are identical
   *   for every worker count (blocks are fixed by the data, merged in order).
   * @throws input_error for a column count other than p, a weight vector of the
   *   wrong length, or a weight that is negative or not finite (naming the row and
   *   value), or +-inf in the data (naming the row, column and value).
   */
  Moments& update(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(), int workers = 1);

  /**
   * @brief `update` for records stored column by column (n x p, column-major, as a pandas
   * DataFrame's or a Fortran-ordered array's values): the same result without a transposed copy.
   */
  Moments& update_columns(Eigen::Ref<const Eigen::MatrixXd> x,
                          Eigen::Ref<const Eigen::VectorXd> weights = Eigen::VectorXd(), int workers = 1);

  /**
   * @brief `update` for 8-bit integer records (Likert items stored as int8 or uint8) held column
   * by column: an exact integer fast path, unweighted.
   *
   * Per block of rows the integer column sums S_j and the Gram matrix G_jk = sum x_j x_k are formed
   * exactly (32-bit lanes, flushed to 64-bit totals per block); the batch then enters the state
   * as one part with mean_j = S_j / n and co-moment C_jk = (n G_jk - S_j S_k) / n, the numerator
   * exact in 128-bit integers and rounded once. Integer sums do not depend on their order, so the
   * result is identical for every worker count, and it equals (to ~1e-15 relative) what `update`
   * gives for the same values as doubles. There are no missing values in 8-bit integers: listwise
   * and pairwise states both gain n complete rows (counts, weights and pair moments as `update`).
   *
   * Kernels, chosen at run time (x86-64): AVX-512 VNNI (`vpdpbusd`, 64 bytes per instruction,
   * the operands x + 128 as u8 times x as s8, the 128 S_k term subtracted exactly; a block without
   * negative values multiplies x by x directly), AVX2 (`vpmaddubsw` + `vpmaddwd` on 32 bytes when
   * a block's values are 0..127, else `vpmaddwd` on values widened to int16), and a portable scalar
   * loop. All take the full 8-bit range.
   *
   * @param columns p pointers, one per variable, each to n contiguous values (a Fortran-ordered
   *   array's columns, or a DataFrame's int8 columns wherever they live; see `update_int8_chunks`
   *   for columns held in chunks).
   * @param n rows.
   * @param workers threads; <= 0 means all hardware threads. The result does not depend on it.
   * @param unsigned_values read the bytes as uint8 (0..255) rather than int8 (-128..127).
   * @throws input_error when `columns.size()` is not p, or a pointer is null while n > 0.
   */
  Moments& update_int8_columns(const std::vector<const std::int8_t*>& columns, std::ptrdiff_t n, int workers = 1,
                               bool unsigned_values = false);

  /**
   * @brief `update_int8_columns` over several chunks of rows (polars / Arrow columns in chunks):
   * chunk c has `rows[c]` rows and one pointer per variable in `chunks[c]`. The integer totals
   * of all chunks are added before the state changes, so the result is the one batch of all
   * rows, exactly (not a merge of per-chunk states).
   * @throws input_error when the counts of chunks and row counts differ, a chunk has other than
   *   p pointers, a row count is negative, or a pointer is null for a non-empty chunk.
   */
  Moments& update_int8_chunks(const std::vector<std::vector<const std::int8_t*>>& chunks,
                              const std::vector<std::ptrdiff_t>& rows, int workers = 1, bool unsigned_values = false);

  /**
   * @brief `update_int8_columns` for records stored row by row (a C-ordered n x p int8 array):
   * blocks of rows are transposed into a cache-resident column buffer (SSE2 16 x 16 byte
   * transposes on x86-64, a scalar loop elsewhere), then the same kernels run.
   * @param data the first value of row 0; row i starts at `data + i * row_stride` and holds p values.
   * @param n rows.
   * @param row_stride bytes from one row to the next (>= p; p for a contiguous array).
   * @param workers threads; <= 0 means all hardware threads. The result does not depend on it.
   * @param unsigned_values read the bytes as uint8 (0..255) rather than int8 (-128..127).
   * @throws input_error for a row stride < p, or a null pointer while n > 0.
   */
  Moments& update_int8_rows(const std::int8_t* data, std::ptrdiff_t n, std::ptrdiff_t row_stride, int workers = 1,
                            bool unsigned_values = false);

  /**
   * @brief Fold another state of the same shape, policy, weighting and names into this one.
   * @throws input_error when the variable count, policy or names differ.
   */
  Moments& merge(const Moments& other);

  int dim() const { return p_; }                                    ///< number of variables p
  MissingPolicy policy() const { return policy_; }                  ///< missing-data policy
  const std::vector<std::string>& names() const { return names_; }  ///< variable names (may be empty)
  bool weighted() const { return weighted_; }                       ///< true once any weighted batch was added

  std::int64_t n_rows() const { return n_rows_; }  ///< rows seen (used or not)
  /** @brief Rows left out: listwise, those with a missing value; pairwise, those with no value at all. */
  std::int64_t n_dropped() const { return n_dropped_; }
  /** @brief Rows used: listwise, the complete rows (= n_rows - n_dropped). */
  std::int64_t n_used() const { return n_rows_ - n_dropped_; }
  const VectorXi64& n_missing() const { return n_missing_; }  ///< per variable: rows where it is missing

  /** @brief p x p: rows where both j and k are present (and, listwise, the row is complete). */
  const MatrixXi64& pair_count() const { return n_; }
  /** @brief p x p: weight sum over those rows (= pair_count without weights). */
  const Eigen::MatrixXd& pair_weight() const { return w_; }
  /** @brief p x p: sum of squared weights over those rows. */
  const Eigen::MatrixXd& pair_weight_sq() const { return w2_; }
  /** @brief p x p: mean of variable j over the rows where j and k are present. */
  const Eigen::MatrixXd& pair_mean() const { return mean_; }
  /** @brief p x p: sum of w (x_j - mean)^2 of variable j over the rows where j and k are present. */
  const Eigen::MatrixXd& pair_m2() const { return m2_; }
  /** @brief p x p co-moment matrix: sum of w (x_j - mean_j)(x_k - mean_k) over the pair's rows. */
  const Eigen::MatrixXd& comoment() const { return c_; }

  /** @brief Count of rows used (listwise) or per variable (pairwise: the diagonal of pair_count). */
  VectorXi64 count() const { return n_.diagonal(); }
  /** @brief Weight sum per variable (the diagonal of pair_weight). */
  Eigen::VectorXd weight_sum() const { return w_.diagonal(); }
  /** @brief Effective sample size per variable, W^2 / sum w^2 (= count without weights). */
  Eigen::VectorXd effective_n() const;
  /** @brief Mean per variable (listwise: over complete rows; pairwise: over the rows where it is present). */
  Eigen::VectorXd mean() const { return mean_.diagonal(); }
  /**
   * @brief p x p covariance: comoment / (W - ddof); NaN where W - ddof <= 0.
   * @param ddof delta degrees of freedom (1: the unbiased sample covariance; 0: population).
   */
  Eigen::MatrixXd covariance(double ddof = 1.0) const;
  /** @brief p x p Pearson correlation (NaN where a variance is 0 or the pair has < 2 rows); 1 on the diagonal. */
  Eigen::MatrixXd correlation() const;

  /** @brief A state of the variables `idx` only (in that order), exactly as if only they had been collected. */
  Moments subset(const std::vector<int>& idx) const;

  /** @brief Portable binary serialisation (little-endian, versioned). */
  std::string to_bytes() const;
  /** @brief Inverse of `to_bytes`; throws input_error for bytes that are not a Moments state. */
  static Moments from_bytes(std::string_view bytes);

  bool operator==(const Moments& o) const;

 private:
  const double* check_batch(Eigen::Index rows, Eigen::Index cols, Eigen::Ref<const Eigen::VectorXd> weights);
  void add_parts(const void* parts);
  // Fold exact integer sums (column sums s, upper-triangle Gram g, p x p column-major) of n rows.
  void add_int8_sums(std::int64_t n, const std::int64_t* s, const std::int64_t* g,
                     int offset);  // the per-task partial moments of an update, merged in order
  // Chan/Pébay update of every (j, k) entry with another state's matrices.
  void combine(const MatrixXi64& n, const Eigen::MatrixXd& w, const Eigen::MatrixXd& w2, const Eigen::MatrixXd& mean,
               const Eigen::MatrixXd& m2, const Eigen::MatrixXd& c);

  int p_ = 0;
  MissingPolicy policy_ = MissingPolicy::listwise;
  std::vector<std::string> names_;
  bool weighted_ = false;
  std::int64_t n_rows_ = 0;
  std::int64_t n_dropped_ = 0;
  VectorXi64 n_missing_;
  MatrixXi64 n_;
  Eigen::MatrixXd w_, w2_, mean_, m2_, c_;
};

}  // namespace servscore
