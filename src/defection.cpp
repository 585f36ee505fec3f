#include "servscore/defection.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void DefectionConfig::validate() const {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
}

Eigen::MatrixXd multinomial_intervals_real(const std::vector<double>& counts, double level,
                                           MultinomialInterval method) {
  const int k = static_cast<int>(counts.size());
  if (k < 2) throw input_error("counts: expected at least 2 categories, got " + std::to_string(k));
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
  double n = 0;
  for (int i = 0; i < k; ++i) {
    const double c = counts[static_cast<std::size_t>(i)];
    if (!(c >= 0.0 && std::isfinite(c)))
      throw input_error("counts[" + std::to_string(i) + "]: " + detail::format_number(c) +
                        " is not a finite non-negative count");
    n += c;
  }
  const double alpha = 1.0 - level;
  const double a = method == MultinomialInterval::goodman
                       ? boost::math::quantile(boost::math::complement(boost::math::chi_squared(1.0), alpha / k))
                       : boost::math::quantile(boost::math::complement(boost::math::chi_squared(k - 1.0), alpha));
  Eigen::MatrixXd out(k, 2);
  for (int i = 0; i < k; ++i) {
    if (n == 0) {
      out.row(i).setConstant(kNaN);
      continue;
    }
    const double ni = counts[static_cast<std::size_t>(i)];
    const double root = std::sqrt(a * (a + 4.0 * ni * std::max(0.0, n - ni) / n));
    out(i, 0) = std::max(0.0, (a + 2.0 * ni - root) / (2.0 * (n + a)));
    out(i, 1) = std::min(1.0, (a + 2.0 * ni + root) / (2.0 * (n + a)));
  }
  return out;
}

DefectionShares defection_shares(Eigen::Ref<const VectorXi32> codes, Eigen::Ref<const Eigen::VectorXd> weights,
                                 Eigen::Ref<const VectorXi32> groups, int n_groups, int k,
                                 const DefectionConfig& config) {
  config.validate();
  if (k < 2) throw config_error("reasons: expected at least 2 reasons, got " + std::to_string(k));
  if (n_groups < 1) throw config_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const Eigen::Index n = codes.size();
  const bool weighted = weights.size() > 0, grouped = groups.size() > 0;
  if (weighted && weights.size() != n)
    throw input_error("weights: expected one weight per answer (" + std::to_string(n) + "), got " +
                      std::to_string(weights.size()));
  if (grouped && groups.size() != n)
    throw input_error("by: expected one group per answer (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (!grouped && n_groups != 1)
    throw config_error("n_groups: " + std::to_string(n_groups) + " groups but no group codes");
  DefectionShares s;
  s.count = Eigen::MatrixXd::Zero(n_groups, k);
  s.n = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>::Zero(n_groups, k);
  s.total.assign(static_cast<std::size_t>(n_groups), 0.0);
  s.n_effective.assign(static_cast<std::size_t>(n_groups), 0.0);
  s.n_missing.assign(static_cast<std::size_t>(n_groups), 0);
  std::vector<double> sum_w2(static_cast<std::size_t>(n_groups), 0.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::int32_t g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("row " + std::to_string(i) + ", by: group code " + std::to_string(g) + " is outside [0, " +
                        std::to_string(n_groups) + ")");
    const std::int32_t c = codes[i];
    if (c < -1 || c >= k)
      throw input_error("row " + std::to_string(i) + ", reason: code " + std::to_string(c) + " is outside [-1, " +
                        std::to_string(k) + ")");
    const auto gi = static_cast<std::size_t>(g);
    if (c == -1) {
      ++s.n_missing[gi];
      continue;
    }
    const double w = weighted ? weights[i] : 1.0;
    if (!(w >= 0.0 && std::isfinite(w)))
      throw input_error("row " + std::to_string(i) + ", weights: value " + detail::format_number(w) +
                        " is not a finite non-negative weight");
    s.count(g, c) += w;
    s.n(g, c) += 1;
    s.total[gi] += w;
    sum_w2[gi] += w * w;
  }
  s.share.resize(n_groups, k);
  s.lower.resize(n_groups, k);
  s.upper.resize(n_groups, k);
  for (int g = 0; g < n_groups; ++g) {
    const auto gi = static_cast<std::size_t>(g);
    const double tot = s.total[gi];
    s.n_effective[gi] = sum_w2[gi] > 0 ? tot * tot / sum_w2[gi] : 0.0;
    if (!std::isfinite(s.n_effective[gi]))
      throw input_error("weights: the weights of group " + std::to_string(g) +
                        " overflow (sum of squares is not finite); rescale them");
    std::vector<double> eff(static_cast<std::size_t>(k));
    for (int j = 0; j < k; ++j) {
      s.share(g, j) = tot > 0 ? s.count(g, j) / tot : kNaN;
      eff[static_cast<std::size_t>(j)] = tot > 0 ? s.share(g, j) * s.n_effective[gi] : 0.0;
    }
    const Eigen::MatrixXd ci = multinomial_intervals_real(eff, config.level, config.interval);
    s.lower.row(g) = ci.col(0).transpose();
    s.upper.row(g) = ci.col(1).transpose();
  }
  return s;
}

BenchmarkTest benchmark_test(const std::vector<double>& observed, const std::vector<double>& shares) {
  const std::size_t k = observed.size();
  if (shares.size() != k)
    throw config_error("benchmark: expected " + std::to_string(k) + " shares (one per category), got " +
                       std::to_string(shares.size()));
  if (k < 2) throw config_error("benchmark: expected at least 2 categories, got " + std::to_string(k));
  double sum = 0;
  for (std::size_t j = 0; j < k; ++j) {
    const double p = shares[j];
    if (!(p >= 0.0 && p <= 1.0))
      throw config_error("benchmark[" + std::to_string(j) + "]: share " + detail::format_number(p) +
                         " is out of range; expected [0, 1]");
    sum += p;
    const double o = observed[j];
    if (!(o >= 0.0 && std::isfinite(o)))
      throw input_error("observed[" + std::to_string(j) + "]: " + detail::format_number(o) +
                        " is not a finite non-negative count");
  }
  if (std::abs(sum - 1.0) > 1e-9)
    throw config_error("benchmark: shares sum to " + detail::format_number(sum) + "; expected 1");
  BenchmarkTest t;
  for (double o : observed) t.n += o;
  t.expected.resize(k);
  t.residual.resize(k);
  t.min_expected = std::numeric_limits<double>::infinity();
  int positive = 0;
  for (std::size_t j = 0; j < k; ++j) {
    const double p = shares[j], o = observed[j], e = t.n * p;
    t.expected[j] = e;
    if (p > 0) {
      ++positive;
      t.min_expected = std::min(t.min_expected, e);
      t.statistic += (o - e) * (o - e) / e;
    } else if (o > 0) {
      t.n_impossible += static_cast<std::int64_t>(std::ceil(o));
    }
    t.residual[j] = (p > 0 && p < 1 && t.n > 0) ? (o - e) / std::sqrt(e * (1.0 - p)) : kNaN;
  }
  t.dof = positive - 1;
  if (t.n == 0 || t.dof <= 0) {
    t.statistic = t.n == 0 ? kNaN : t.statistic;
    t.p_value = kNaN;
  } else if (t.n_impossible > 0) {
    t.statistic = std::numeric_limits<double>::infinity();
    t.p_value = 0.0;
  } else {
    t.p_value = boost::math::gamma_q(t.dof / 2.0, t.statistic / 2.0);
  }
  if (positive == 0) t.min_expected = kNaN;
  return t;
}

}  // namespace servscore
