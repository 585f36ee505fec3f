// Internal numeric kernels shared by the engines (not installed).
#pragma once

#include <cstddef>
#include <cstdint>

namespace servscore::detail {

/** Four doubles / four 64-bit integers (GCC/Clang vector extensions). */
typedef double v4d_t __attribute__((vector_size(32)));
typedef long long v4l_t __attribute__((vector_size(32)));

}  // namespace servscore::detail

// Transpose four rows a, b, c, d of 4 doubles into the columns c0..c3 (new variables). A macro,
// not a function: a function taking or returning vectors would warn about the AVX ABI.
#ifdef __clang__
#define SS_TRANSPOSE4(a, b, c, d, c0, c1, c2, c3)                                                                 \
  using ss_v4d_ = ::servscore::detail::v4d_t;                                                                     \
  ss_v4d_ ss_t0_ = __builtin_shufflevector(a, b, 0, 4, 2, 6), ss_t1_ = __builtin_shufflevector(a, b, 1, 5, 3, 7); \
  ss_v4d_ ss_t2_ = __builtin_shufflevector(c, d, 0, 4, 2, 6), ss_t3_ = __builtin_shufflevector(c, d, 1, 5, 3, 7); \
  ss_v4d_ c0 = __builtin_shufflevector(ss_t0_, ss_t2_, 0, 1, 4, 5),                                               \
          c1 = __builtin_shufflevector(ss_t1_, ss_t3_, 0, 1, 4, 5);                                               \
  ss_v4d_ c2 = __builtin_shufflevector(ss_t0_, ss_t2_, 2, 3, 6, 7),                                               \
          c3 = __builtin_shufflevector(ss_t1_, ss_t3_, 2, 3, 6, 7)
#else
#define SS_TRANSPOSE4(a, b, c, d, c0, c1, c2, c3)                                                         \
  using ss_v4d_ = ::servscore::detail::v4d_t;                                                             \
  const ::servscore::detail::v4l_t ss_m0_ = {0, 4, 2, 6}, ss_m1_ = {1, 5, 3, 7}, ss_lo_ = {0, 1, 4, 5},   \
                                   ss_hi_ = {2, 3, 6, 7};                                                 \
  ss_v4d_ ss_t0_ = __builtin_shuffle(a, b, ss_m0_), ss_t1_ = __builtin_shuffle(a, b, ss_m1_);             \
  ss_v4d_ ss_t2_ = __builtin_shuffle(c, d, ss_m0_), ss_t3_ = __builtin_shuffle(c, d, ss_m1_);             \
  ss_v4d_ c0 = __builtin_shuffle(ss_t0_, ss_t2_, ss_lo_), c1 = __builtin_shuffle(ss_t1_, ss_t3_, ss_lo_); \
  ss_v4d_ c2 = __builtin_shuffle(ss_t0_, ss_t2_, ss_hi_), c3 = __builtin_shuffle(ss_t1_, ss_t3_, ss_hi_)
#endif

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
