#include "servscore/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0))
    throw config_error("normal_quantile: p = " + detail::format_number(p) + "; expected (0, 1)");
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

Interval wilson_interval_z(double x, double n, double z) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (!(n > 0) || std::isnan(x)) return {nan, nan};
  if (!(z > 0) || !std::isfinite(z))
    throw config_error("wilson_interval: z = " + detail::format_number(z) + "; expected a finite number > 0");
  // a share times n may exceed n by a rounding error: tolerate that, reject real excess
  const double tol = 1e-9 * std::max(1.0, n);
  if (x < -tol || x > n + tol)
    throw input_error("wilson_interval: successes " + detail::format_number(x) +
                      " outside [0, n = " + detail::format_number(n) + "]");
  const double p = std::clamp(x / n, 0.0, 1.0), z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denom;
  const double half = z / denom * std::sqrt(std::max(0.0, p * (1.0 - p) / n + z2 / (4.0 * n * n)));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval wilson_interval(double x, double n, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
  return wilson_interval_z(x, n, normal_quantile(0.5 + level / 2.0));
}

}  // namespace servscore
