// Internal numeric kernels shared by the engines (not installed).
#pragma once

#include <cstddef>
#include <cstdint>

namespace servscore::detail {

/**
 * c(j, k) (column-major p x p) = sum_i t[j ld + i] u[k ld + i] for every tile touching j <= k:
 * the upper triangle of T'U for columns of stride ld, rows padded with zeros to r4 (a multiple
 * of 4). Register-tiled (2 x 4 column pairs, four rows per vector) with an x86-64-v3 clone
 * (AVX2 + FMA) chosen at run time.
 */
void gram_upper(const double* t, const double* u, int p, std::ptrdiff_t ld, std::ptrdiff_t r4, double* c);

/** NaN-aware statistics of a column: sum and count of the non-missing values, min and max. */
struct ColumnStats {
  double sum = 0.0;
  double min = 0.0;  ///< +inf when every value is missing
  double max = 0.0;  ///< -inf when every value is missing
  std::int64_t count = 0;
};

/** Statistics of x[0], x[stride], ... x[(m - 1) stride]; vectorised when stride == 1. */
ColumnStats column_stats(const double* x, std::ptrdiff_t stride, std::ptrdiff_t m);

/** out[r] = x[r stride] - mu, or 0 where x is NaN (mean replacement), for r < m. */
void centre_column(const double* x, std::ptrdiff_t stride, std::ptrdiff_t m, double mu, double* out);

/**
 * Transpose r rows of p doubles (row i at x + i * stride) into p columns of t (column j at
 * t + j * ld): 4 x 4 register transposes, an AVX2 clone chosen at run time.
 */
void transpose_rows(const double* x, std::ptrdiff_t stride, int p, std::ptrdiff_t r, double* t, std::ptrdiff_t ld);

}  // namespace servscore::detail
