/**
 * @file stats.hpp
 * @brief Small statistical helpers shared by the engines: normal quantiles and the Wilson
 * score interval of a proportion.
 */
#pragma once

namespace servscore {

/** @brief A two-sided interval `[low, high]`. */
struct Interval {
  double low = 0.0;
  double high = 0.0;
};

/**
 * @brief The standard normal quantile \f$\Phi^{-1}(p)\f$.
 * @throws config_error unless 0 < p < 1.
 */
double normal_quantile(double p);

/**
 * @brief Wilson score interval of the proportion `successes / n` at confidence `level`
 * (two-sided, z = \f$\Phi^{-1}(1/2 + level/2)\f$).
 *
 * `n` may be an effective (non-integer) sample size and `successes` a weighted count.
 * Bounds are NaN when `n <= 0` or `successes` is NaN.
 * @throws config_error unless 0 < level < 1; input_error when successes lies outside [0, n].
 */
Interval wilson_interval(double successes, double n, double level = 0.95);

/** @brief As wilson_interval() with the normal quantile `z` given instead of the level. */
Interval wilson_interval_z(double successes, double n, double z);

}  // namespace servscore
