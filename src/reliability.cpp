#include "servscore/reliability.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/detail/quantile.hpp"
#include "servscore/detail/random.hpp"
#include "servscore/errors.hpp"
#include "servscore/omega.hpp"

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
  // an infinite n (a weighted state whose effective n overflows: sum w^2 far below (sum w)^2)
  // or df2 has no F distribution (boost throws std::domain_error): no interval
  if (!std::isfinite(df2)) return {kNaN, kNaN};
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

namespace {
Eigen::VectorXd checked_keys(const Eigen::VectorXd& keys, int k) {
  if (keys.size() == 0) return Eigen::VectorXd::Ones(k);
  if (keys.size() != k)
    throw config_error("keys: expected " + std::to_string(k) + " keys (+1 or -1), got " + std::to_string(keys.size()));
  for (int i = 0; i < k; ++i)
    if (keys(i) != 1.0 && keys(i) != -1.0)
      throw config_error("keys: item " + std::to_string(i + 1) + " has key " + detail::format_number(keys(i)) +
                         "; expected 1 or -1");
  return keys;
}

Eigen::MatrixXd cov2cor(const Eigen::MatrixXd& s) {
  Eigen::VectorXd d = s.diagonal().cwiseSqrt().cwiseInverse();
  for (Eigen::Index i = 0; i < d.size(); ++i)
    if (!std::isfinite(d(i))) d(i) = kNaN;
  return d.asDiagonal() * s * d.asDiagonal();
}

double duhachek_q(const Eigen::MatrixXd& c) {
  const double k = static_cast<double>(c.rows());
  const double j = c.sum(), tr = c.trace();
  const Eigen::MatrixXd c2 = c * c;
  return 2.0 * k * k / ((k - 1.0) * (k - 1.0) * j * j * j) * (j * (c2.trace() + tr * tr) - 2.0 * tr * c2.sum());
}
}  // namespace

AlphaResult cronbach_alpha(const Moments& moments, double level) {
  return cronbach_alpha(moments, level, {});
}

AlphaResult cronbach_alpha(const Moments& moments, double level, const AlphaOptions& options) {
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
  if (r.weighted && !(moments.pair_weight().minCoeff() > 0))
    throw input_error("weights: the " + std::to_string(moments.pair_count().minCoeff()) +
                      " rows used have a total weight of 0 (all-zero weights?); expected a positive weight sum");
  r.keys = checked_keys(options.keys, k);
  r.r_from_covariance = options.r_from_covariance && r.policy == MissingPolicy::pairwise;
  const Eigen::MatrixXd s = r.keys.asDiagonal() * moments.covariance(1.0) * r.keys.asDiagonal();
  const Eigen::MatrixXd c = r.r_from_covariance
                                ? cov2cor(s)
                                : Eigen::MatrixXd(r.keys.asDiagonal() * moments.correlation() * r.keys.asDiagonal());
  for (int i = 0; i < k; ++i)
    if (!(s(i, i) > 0)) r.constant_items.push_back(i);
  const double kd = k;
  const double trace = s.trace(), total = s.sum();
  r.alpha = raw_alpha(kd, trace, total);
  const double sum_r = c.sum() - c.trace();
  r.mean_r = sum_r / (kd * (kd - 1.0));
  r.alpha_standardized = std_alpha(kd, r.mean_r);
  double n_feldt = static_cast<double>(r.n);
  if (r.weighted) n_feldt = moments.effective_n().minCoeff();
  std::tie(r.ci_low, r.ci_high) = feldt_interval(r.alpha, n_feldt, k, level);
  r.ase = (n_feldt > 0 && std::isfinite(r.alpha)) ? std::sqrt(duhachek_q(s) / n_feldt) : kNaN;
  {
    const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + level / 2.0);
    r.duhachek_low = r.alpha - z * r.ase;
    r.duhachek_high = r.alpha + z * r.ase;
  }

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

AlphaBootstrapResult alpha_bootstrap(RecordsRef items, Eigen::Ref<const Eigen::VectorXd> weights, MissingPolicy policy,
                                     const AlphaOptions& options, const AlphaBootstrapConfig& config, int workers,
                                     const std::function<void()>& check) {
  if (config.n_bootstrap < 1)
    throw config_error("n_bootstrap: " + std::to_string(config.n_bootstrap) +
                       " is out of range; expected a positive number of resamples");
  if (!(config.level > 0.0 && config.level < 1.0))
    throw config_error("level: " + detail::format_number(config.level) +
                       " is out of range; expected a number in (0, 1)");
  const Eigen::Index n = items.rows();
  const int k = static_cast<int>(items.cols());
  if (k < 2) throw input_error("items: Cronbach's alpha needs at least 2 items, got " + std::to_string(k));
  if (n < 2) throw input_error("items: a bootstrap needs at least 2 rows, got " + std::to_string(n));
  if (weights.size() != 0 && weights.size() != n)
    throw input_error("weights: expected " + std::to_string(n) + " weights, got " + std::to_string(weights.size()));
  const Eigen::VectorXd keys = checked_keys(options.keys, k);
  const bool from_cov = options.r_from_covariance;
  (void)from_cov;  // raw alpha does not use the correlations
  AlphaBootstrapResult out;
  out.replicates = Eigen::VectorXd::Constant(config.n_bootstrap, kNaN);
  constexpr int kBlock = 64;  // resamples between interrupt checks
  for (int b0 = 0; b0 < config.n_bootstrap; b0 += kBlock) {
    const int b1 = std::min(config.n_bootstrap, b0 + kBlock);
    detail::parallel_for(b1 - b0, workers, 1, [&](std::ptrdiff_t lo, std::ptrdiff_t hi, int) {
      Eigen::VectorXd w(n);
      for (std::ptrdiff_t t = lo; t < hi; ++t) {
        const int b = b0 + static_cast<int>(t);
        detail::Xoshiro256 rng(config.seed, static_cast<std::uint64_t>(b));
        w.setZero();
        for (Eigen::Index i = 0; i < n; ++i)
          w(static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(n)))) += 1.0;
        if (weights.size() == n) w.array() *= weights.array();
        Moments m(k, policy);
        m.update(items, w, 1);
        if (m.pair_count().minCoeff() < 2 || !(m.pair_weight().minCoeff() > 1.0)) continue;
        const Eigen::MatrixXd s = keys.asDiagonal() * m.covariance(1.0) * keys.asDiagonal();
        const double a = alpha_from_covariance(s);
        if (std::isfinite(a)) out.replicates(b) = a;
      }
    });
    if (check) check();
  }
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(config.n_bootstrap));
  for (Eigen::Index b = 0; b < out.replicates.size(); ++b)
    if (std::isfinite(out.replicates(b))) v.push_back(out.replicates(b));
  out.n_valid = static_cast<int>(v.size());
  std::sort(v.begin(), v.end());
  out.low = detail::quantile7_sorted(v.data(), v.size(), (1.0 - config.level) / 2.0);
  out.high = detail::quantile7_sorted(v.data(), v.size(), (1.0 + config.level) / 2.0);
  return out;
}

namespace {
double binomial_count(int n, int m) {
  double c = 1;
  for (int i = 1; i <= m; ++i) c = c * (n - m + i) / i;
  return c;
}
}  // namespace

SplitHalfResult split_half(const Eigen::MatrixXd& correlation, const SplitHalfConfig& config,
                           const Eigen::VectorXd& keys_in, int workers, const std::function<void()>& check) {
  const Eigen::Index kk = correlation.rows();
  if (kk != correlation.cols()) throw input_error("correlation: expected a square matrix");
  if (kk < 2) throw input_error("items: split halves need at least 2 items, got " + std::to_string(kk));
  if (!correlation.allFinite())
    throw input_error("correlation: expected finite correlations (a constant item or too few rows?)");
  if (config.n_sample < 1)
    throw config_error("n_sample: " + std::to_string(config.n_sample) + " is out of range; expected a positive number");
  const int k = static_cast<int>(kk);
  SplitHalfResult r;
  r.k = k;
  r.keys = checked_keys(keys_in, k);
  Eigen::MatrixXd c = cov2cor(correlation);
  if (!c.allFinite()) throw input_error("correlation: an item has zero variance (a constant item?)");
  c = r.keys.asDiagonal() * c * r.keys.asDiagonal();
  const double kd = k, vt = c.sum(), tr = c.trace();
  Eigen::MatrixXd off = c;
  off.diagonal().setZero();
  const double sum_off = off.sum(), sumsq_off = off.squaredNorm();
  r.lambda1 = 1.0 - tr / vt;
  r.lambda2 = (sum_off + std::sqrt(sumsq_off * kd / (kd - 1.0))) / vt;
  r.lambda3 = kd * r.lambda1 / (kd - 1.0);
  const double cco = off.array().square().colwise().sum().maxCoeff();
  r.lambda5 = r.lambda1 + 2.0 * std::sqrt(cco) / vt;
  r.lambda5p = r.lambda1 + kd / (kd - 1.0) * 2.0 * std::sqrt(cco) / vt;
  r.lambda6 = (vt + smc(c).sum() - tr) / vt;
  std::vector<double> lower;
  for (int j = 0; j < k; ++j)
    for (int i = j + 1; i < k; ++i) lower.push_back(c(i, j));
  r.mean_r = std::accumulate(lower.begin(), lower.end(), 0.0) / static_cast<double>(lower.size());
  r.median_r = detail::quantile7(lower, 0.5);
  const int m = k / 2;
  const Eigen::VectorXd rows = c.rowwise().sum();
  auto rab = [&](const int* a) {
    double sa = 0, saa = 0;
    for (int x = 0; x < m; ++x) {
      sa += rows(a[x]);
      for (int y = 0; y < m; ++y) saa += c(a[x], a[y]);
    }
    return 4.0 * (sa - saa) / vt;
  };
  const double distinct = (k % 2 == 0) ? binomial_count(k - 1, m - 1) : binomial_count(k, m);
  std::vector<int> best(static_cast<std::size_t>(m)), worst(static_cast<std::size_t>(m));
  double mx = -std::numeric_limits<double>::infinity(), mn = std::numeric_limits<double>::infinity(), sum = 0;
  if (distinct <= static_cast<double>(config.n_sample)) {
    r.exhaustive = true;
    std::vector<int> a(static_cast<std::size_t>(m));
    std::iota(a.begin(), a.end(), 0);
    std::int64_t count = 0;
    while (true) {
      if (k % 2 == 1 || a[0] == 0) {
        const double v = rab(a.data());
        sum += v;
        ++count;
        if (v > mx) mx = v, best = a;
        if (v < mn) mn = v, worst = a;
        if (check && (count & 0xFFFF) == 0) check();
      }
      int i = m - 1;  // next combination in lexicographic order
      while (i >= 0 && a[static_cast<std::size_t>(i)] == k - m + i) --i;
      if (i < 0 || (k % 2 == 0 && i == 0)) break;
      ++a[static_cast<std::size_t>(i)];
      for (int j = i + 1; j < m; ++j) a[static_cast<std::size_t>(j)] = a[static_cast<std::size_t>(j - 1)] + 1;
    }
    r.n_splits = count;
  } else {
    constexpr std::int64_t kBlock = 4096;  // fixed blocks: sums independent of workers
    const std::int64_t nb = (config.n_sample + kBlock - 1) / kBlock;
    std::vector<double> bsum(static_cast<std::size_t>(nb)), bmax(static_cast<std::size_t>(nb)),
        bmin(static_cast<std::size_t>(nb));
    std::vector<std::vector<int>> bbest(static_cast<std::size_t>(nb)), bworst(static_cast<std::size_t>(nb));
    constexpr std::int64_t kCheck = 64;  // blocks between interrupt checks
    for (std::int64_t g0 = 0; g0 < nb; g0 += kCheck) {
      const std::int64_t g1 = std::min(nb, g0 + kCheck);
      detail::parallel_for(g1 - g0, workers, 1, [&](std::ptrdiff_t lo, std::ptrdiff_t hi, int) {
        std::vector<int> perm(static_cast<std::size_t>(k));
        for (std::ptrdiff_t t = lo; t < hi; ++t) {
          const auto bi = static_cast<std::size_t>(g0 + t);
          double s = 0, bx = -std::numeric_limits<double>::infinity(), bn = std::numeric_limits<double>::infinity();
          const std::int64_t s0 = static_cast<std::int64_t>(bi) * kBlock, s1 = std::min(config.n_sample, s0 + kBlock);
          for (std::int64_t smp = s0; smp < s1; ++smp) {
            detail::Xoshiro256 rng(config.seed, static_cast<std::uint64_t>(smp));
            std::iota(perm.begin(), perm.end(), 0);
            for (int x = 0; x < m; ++x) {
              const int y = x + static_cast<int>(rng.below(static_cast<std::uint64_t>(k - x)));
              std::swap(perm[static_cast<std::size_t>(x)], perm[static_cast<std::size_t>(y)]);
            }
            const double v = rab(perm.data());
            s += v;
            if (v > bx) bx = v, bbest[bi].assign(perm.begin(), perm.begin() + m);
            if (v < bn) bn = v, bworst[bi].assign(perm.begin(), perm.begin() + m);
          }
          bsum[bi] = s;
          bmax[bi] = bx;
          bmin[bi] = bn;
        }
      });
      if (check) check();
    }
    for (std::size_t b = 0; b < bsum.size(); ++b) {
      sum += bsum[b];
      if (bmax[b] > mx) mx = bmax[b], best = bbest[b];
      if (bmin[b] < mn) mn = bmin[b], worst = bworst[b];
    }
    r.n_splits = config.n_sample;
  }
  r.max = r.lambda4 = mx;
  r.min = mn;
  r.mean = sum / static_cast<double>(r.n_splits);
  r.max_split.assign(static_cast<std::size_t>(k), 0);
  r.min_split.assign(static_cast<std::size_t>(k), 0);
  for (int x : best) r.max_split[static_cast<std::size_t>(x)] = 1;
  for (int x : worst) r.min_split[static_cast<std::size_t>(x)] = 1;
  return r;
}

}  // namespace servscore
