/**
 * @file quantile.hpp
 * @brief Sample quantiles of type 7 (Hyndman & Fan 1996; R's default, numpy's "linear"): the
 * one definition used by every bootstrap percentile interval (internal).
 */
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace servscore::detail {

/** @brief Type-7 quantile `q` in [0, 1] of `n` sorted values; NaN when `n == 0`. */
inline double quantile7_sorted(const double* sorted, std::size_t n, double q) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double h = (static_cast<double>(n) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= n) return sorted[n - 1];
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

/** @brief Type-7 quantile of unsorted values (sorts its copy); NaN when empty. */
inline double quantile7(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantile7_sorted(v.data(), v.size(), q);
}

}  // namespace servscore::detail
