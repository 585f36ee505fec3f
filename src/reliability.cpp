#include "servscore/reliability.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

double raw_alpha(double k, double trace, double total) {
  if (k < 2 || !(total != 0.0)) return kNaN;
  return k / (k - 1.0) * (1.0 - trace / total);
}

double std_alpha(double k, double rbar) {
  if (k < 2 || std::isnan(rbar)) return kNaN;
  return k * rbar / (1.0 + (k - 1.0) * rbar);
}
}  // namespace

double alpha_from_covariance(const Eigen::MatrixXd& cov) {
  return raw_alpha(static_cast<double>(cov.rows()), cov.trace(), cov.sum());
}

std::pair<double, double> feldt_interval(double alpha, double n, int k, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected a number in (0, 1)");
  if (!(n > 1.0) || k < 2 || std::isnan(alpha)) return {kNaN, kNaN};
  const double df1 = n - 1.0, df2 = (n - 1.0) * (k - 1.0);
  boost::math::fisher_f_distribution<double> f(df1, df2);
  const double g = 1.0 - level;
  double lo = 1.0 - (1.0 - alpha) * boost::math::quantile(f, 1.0 - g / 2.0);
  double hi = 1.0 - (1.0 - alpha) * boost::math::quantile(f, g / 2.0);
  return {lo, hi};
}

double dillon_goldstein_rho(Eigen::Ref<const Eigen::VectorXd> loadings) {
  if (loadings.size() == 0) throw input_error("loadings: expected at least one loading, got none");
  double s = loadings.sum();
  double err = (1.0 - loadings.array().square()).sum();
  return s * s / (s * s + err);
}

double average_variance_extracted(Eigen::Ref<const Eigen::VectorXd> loadings) {
  if (loadings.size() == 0) throw input_error("loadings: expected at least one loading, got none");
  return loadings.squaredNorm() / static_cast<double>(loadings.size());
}

Eigen::VectorXd first_component_loadings(const Eigen::MatrixXd& correlation) {
  if (!correlation.allFinite()) return Eigen::VectorXd::Constant(correlation.rows(), kNaN);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(correlation);
  const Eigen::Index k = correlation.rows();
  Eigen::VectorXd v = es.eigenvectors().col(k - 1) * std::sqrt(std::max(0.0, es.eigenvalues()(k - 1)));
  if (v.sum() < 0) v = -v;
  return v;
}

AlphaResult cronbach_alpha(const Moments& moments, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected a number in (0, 1)");
  const int k = moments.dim();
  if (k < 2) throw input_error("items: Cronbach's alpha needs at least 2 items, got " + std::to_string(k));
  AlphaResult r;
  r.k = k;
  r.n = moments.n_used();
  r.n_rows = moments.n_rows();
  r.n_dropped = moments.n_dropped();
  r.n_missing = moments.n_missing();
  r.policy = moments.policy();
  r.weighted = moments.weighted();
  r.level = level;
  if (moments.pair_count().minCoeff() < 2)
    throw input_error("items: Cronbach's alpha needs at least 2 " +
                      std::string(r.policy == MissingPolicy::listwise ? "complete rows" : "rows per pair of items") +
                      ", got " + std::to_string(moments.pair_count().minCoeff()) + " (" + std::to_string(r.n_rows) +
                      " rows, " + std::to_string(r.n_dropped) + " left out for missing answers)");
  const Eigen::MatrixXd s = moments.covariance(1.0);
  const Eigen::MatrixXd c = moments.correlation();
  const double kd = k;
  const double trace = s.trace(), total = s.sum();
  r.alpha = raw_alpha(kd, trace, total);
  const double sum_r = c.sum() - c.trace();
  r.mean_r = sum_r / (kd * (kd - 1.0));
  r.alpha_standardized = std_alpha(kd, r.mean_r);
  double n_feldt = static_cast<double>(r.n);
  if (r.weighted) n_feldt = moments.effective_n().minCoeff();
  std::tie(r.ci_low, r.ci_high) = feldt_interval(r.alpha, n_feldt, k, level);

  r.item_mean = moments.mean();
  r.item_sd = s.diagonal().array().sqrt();
  r.alpha_if_deleted.resize(k);
  r.alpha_standardized_if_deleted.resize(k);
  r.item_total_r.resize(k);
  r.item_total_r_uncorrected.resize(k);
  const Eigen::VectorXd rows = s.rowwise().sum();
  const Eigen::VectorXd crow = c.rowwise().sum();
  for (int i = 0; i < k; ++i) {
    const double sii = s(i, i), ri = rows(i);
    const double rest = total - 2.0 * ri + sii;  // variance of the sum of the other items
    r.alpha_if_deleted(i) = raw_alpha(kd - 1.0, trace - sii, rest);
    const double rest_r = sum_r - 2.0 * (crow(i) - c(i, i));
    r.alpha_standardized_if_deleted(i) = k > 2 ? std_alpha(kd - 1.0, rest_r / ((kd - 1.0) * (kd - 2.0))) : kNaN;
    r.item_total_r(i) = (sii > 0 && rest > 0) ? (ri - sii) / std::sqrt(sii * rest) : kNaN;
    r.item_total_r_uncorrected(i) = (sii > 0 && total > 0) ? ri / std::sqrt(sii * total) : kNaN;
  }
  r.pc1_loadings = first_component_loadings(c);
  r.dg_rho = r.pc1_loadings.allFinite() ? dillon_goldstein_rho(r.pc1_loadings) : kNaN;
  if (c.allFinite()) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c, Eigen::EigenvaluesOnly);
    r.eigen1 = es.eigenvalues()(k - 1);
    r.eigen2 = es.eigenvalues()(k - 2);
  } else {
    r.eigen1 = r.eigen2 = kNaN;
  }
  return r;
}

AlphaResult cronbach_alpha(RecordsRef items, MissingPolicy policy, double level,
                           Eigen::Ref<const Eigen::VectorXd> weights, int workers) {
  if (items.cols() < 2)
    throw input_error("items: Cronbach's alpha needs at least 2 items, got " + std::to_string(items.cols()));
  Moments m(static_cast<int>(items.cols()), policy);
  m.update(items, weights, workers);
  return cronbach_alpha(m, level);
}

}  // namespace servscore
