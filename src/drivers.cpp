#include "servscore/drivers.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/detail/quantile.hpp"
#include "servscore/detail/random.hpp"
#include "servscore/errors.hpp"
#include "servscore/stats.hpp"

namespace servscore {

namespace json = boost::json;
using detail::format_number;

// ---------------------------------------------------------------- configuration

namespace {
const char* missing_name(MissingPolicy m) {
  return to_string(m);
}
MissingPolicy parse_missing(const std::string& s, const std::string& key) {
  try {
    return parse_missing_policy(s);
  } catch (const config_error& e) {
    throw config_error(key + ": " + e.what());
  }
}
const char* crosshair_name(Crosshair c) {
  switch (c) {
    case Crosshair::scale:
      return "scale";
    case Crosshair::data_mean:
      return "data_mean";
    case Crosshair::data_median:
      return "data_median";
    default:
      return "diagonal";
  }
}
Crosshair parse_crosshair(const std::string& s, const std::string& key) {
  for (Crosshair c : {Crosshair::scale, Crosshair::data_mean, Crosshair::data_median, Crosshair::diagonal})
    if (s == crosshair_name(c)) return c;
  throw config_error(key + ": '" + s +
                     "' is not a crosshair; expected one of: scale, data_mean, data_median, diagonal");
}
bool same(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}
std::string col_name(const std::vector<std::string>& names, Eigen::Index j) {
  if (static_cast<std::size_t>(j) < names.size()) return "'" + names[static_cast<std::size_t>(j)] + "'";
  return "column " + std::to_string(j);
}
}  // namespace

void DriverConfig::validate() const {
  if (exact_max_predictors < 0 || exact_max_predictors > 30)
    throw config_error("exact_max_predictors: " + std::to_string(exact_max_predictors) +
                       " is out of range; expected 0 to 30");
  if (complete_max_predictors < 0 || complete_max_predictors > 28)
    throw config_error("complete_max_predictors: " + std::to_string(complete_max_predictors) +
                       " is out of range; expected 0 to 28");
  if (n_permutations < 2) throw config_error("n_permutations: " + std::to_string(n_permutations) + "; expected >= 2");
  if (n_bootstrap < 0) throw config_error("n_bootstrap: " + std::to_string(n_bootstrap) + "; expected >= 0");
  // Caps (docs/drivers.md): every permutation is a sweep over the predictors and every bootstrap
  // replicate keeps its weights, so larger counts cannot finish or fit (10^8 replicates: ~59 GB).
  constexpr long long kMaxPermutations = 10'000'000, kMaxBootstrap = 1'000'000;
  if (n_permutations > kMaxPermutations)
    throw config_error("n_permutations: " + std::to_string(n_permutations) + " is above the cap of " +
                       std::to_string(kMaxPermutations) + " (run time grows with it); expected 2 to " +
                       std::to_string(kMaxPermutations));
  if (n_bootstrap > kMaxBootstrap)
    throw config_error("n_bootstrap: " + std::to_string(n_bootstrap) + " is above the cap of " +
                       std::to_string(kMaxBootstrap) + " (memory grows with it); expected 0 to " +
                       std::to_string(kMaxBootstrap));
  if (!(alpha > 0.0 && alpha < 1.0))
    throw config_error("alpha: " + format_number(alpha) + " is out of range; expected (0, 1)");
  if (!(collinearity_tol >= 0.0 && collinearity_tol < 1.0))
    throw config_error("collinearity_tol: " + format_number(collinearity_tol) + "; expected [0, 1)");
  if (!(dominance_tol >= 0.0 && std::isfinite(dominance_tol)))
    throw config_error("dominance_tol: " + format_number(dominance_tol) + "; expected a finite number >= 0");
}

bool DriverConfig::operator==(const DriverConfig& o) const {
  return exact_max_predictors == o.exact_max_predictors && complete_max_predictors == o.complete_max_predictors &&
         n_permutations == o.n_permutations && seed == o.seed && n_bootstrap == o.n_bootstrap && alpha == o.alpha &&
         collinearity_tol == o.collinearity_tol && dominance_tol == o.dominance_tol && missing == o.missing;
}

void tag_invoke(json::value_from_tag, json::value& jv, const DriverConfig& c) {
  jv = {{"exact_max_predictors", c.exact_max_predictors},
        {"complete_max_predictors", c.complete_max_predictors},
        {"n_permutations", c.n_permutations},
        {"seed", c.seed},
        {"n_bootstrap", c.n_bootstrap},
        {"alpha", c.alpha},
        {"collinearity_tol", c.collinearity_tol},
        {"dominance_tol", c.dominance_tol},
        {"missing", missing_name(c.missing)}};
}

DriverConfig tag_invoke(json::value_to_tag<DriverConfig>, const json::value& jv) {
  DriverConfig c;
  detail::ObjectReader r(jv, "config");
  r.integer("exact_max_predictors", c.exact_max_predictors, 0, 30);
  r.integer("complete_max_predictors", c.complete_max_predictors, 0, 28);
  long long np = c.n_permutations;
  r.integer("n_permutations", np, 2, 1LL << 40);
  c.n_permutations = np;
  r.seed("seed", c.seed);
  r.integer("n_bootstrap", c.n_bootstrap, 0, 100000000);
  r.number("alpha", c.alpha, 0, 1);
  r.number("collinearity_tol", c.collinearity_tol, 0, 1);
  r.number("dominance_tol", c.dominance_tol, 0);
  std::string m = missing_name(c.missing);
  r.string("missing", m);
  c.missing = parse_missing(m, "config.missing");
  r.finish();
  c.validate();
  return c;
}

DriverConfig driver_config_from_json(std::string_view text) {
  return json::value_to<DriverConfig>(detail::parse_json(text, "driver config"));
}
std::string to_json(const DriverConfig& config) {
  return detail::dump_json(json::value_from(config));
}

void PenaltyRewardConfig::validate() const {
  if (!std::isfinite(low_max) || !std::isfinite(high_min) || !(low_max < high_min))
    throw config_error("low_max, high_min: " + format_number(low_max) + " and " + format_number(high_min) +
                       "; expected finite numbers with low_max < high_min");
  if (!(asymmetry_threshold >= 0.0 && asymmetry_threshold < 1.0))
    throw config_error("asymmetry_threshold: " + format_number(asymmetry_threshold) +
                       " is out of range; expected [0, 1)");
}
bool PenaltyRewardConfig::operator==(const PenaltyRewardConfig& o) const {
  return low_max == o.low_max && high_min == o.high_min && asymmetry_threshold == o.asymmetry_threshold;
}
void tag_invoke(json::value_from_tag, json::value& jv, const PenaltyRewardConfig& c) {
  jv = {{"low_max", c.low_max}, {"high_min", c.high_min}, {"asymmetry_threshold", c.asymmetry_threshold}};
}
PenaltyRewardConfig tag_invoke(json::value_to_tag<PenaltyRewardConfig>, const json::value& jv) {
  PenaltyRewardConfig c;
  detail::ObjectReader r(jv, "config");
  r.number("low_max", c.low_max);
  r.number("high_min", c.high_min);
  r.number("asymmetry_threshold", c.asymmetry_threshold, 0, 1);
  r.finish();
  c.validate();
  return c;
}
PenaltyRewardConfig penalty_reward_config_from_json(std::string_view text) {
  return json::value_to<PenaltyRewardConfig>(detail::parse_json(text, "penalty-reward config"));
}
std::string to_json(const PenaltyRewardConfig& config) {
  return detail::dump_json(json::value_from(config));
}

void IpaConfig::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min, scale_max: " + format_number(scale_min) + " and " + format_number(scale_max) +
                       "; expected finite numbers with scale_min < scale_max");
  if (std::isnan(importance_min) != std::isnan(importance_max))
    throw config_error("importance_min, importance_max: give both or neither");
  if (!std::isnan(importance_min) && !(importance_min < importance_max && std::isfinite(importance_max)))
    throw config_error("importance_min, importance_max: " + format_number(importance_min) + " and " +
                       format_number(importance_max) + "; expected importance_min < importance_max");
}
bool IpaConfig::operator==(const IpaConfig& o) const {
  return crosshair == o.crosshair && scale_min == o.scale_min && scale_max == o.scale_max &&
         same(importance_min, o.importance_min) && same(importance_max, o.importance_max);
}
void tag_invoke(json::value_from_tag, json::value& jv, const IpaConfig& c) {
  json::object o{{"crosshair", crosshair_name(c.crosshair)}, {"scale_min", c.scale_min}, {"scale_max", c.scale_max}};
  o["importance_min"] = std::isnan(c.importance_min) ? json::value(nullptr) : json::value(c.importance_min);
  o["importance_max"] = std::isnan(c.importance_max) ? json::value(nullptr) : json::value(c.importance_max);
  jv = std::move(o);
}
IpaConfig tag_invoke(json::value_to_tag<IpaConfig>, const json::value& jv) {
  IpaConfig c;
  detail::ObjectReader r(jv, "config");
  std::string ch = crosshair_name(c.crosshair);
  r.string("crosshair", ch);
  c.crosshair = parse_crosshair(ch, "config.crosshair");
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  for (const char* key : {"importance_min", "importance_max"}) {
    double& out = std::string_view(key) == "importance_min" ? c.importance_min : c.importance_max;
    const json::value* v = r.has(key) ? r.raw(key) : nullptr;
    if (v && v->is_null()) continue;
    if (v) r.number(key, out);
  }
  r.finish();
  c.validate();
  return c;
}
IpaConfig ipa_config_from_json(std::string_view text) {
  return json::value_to<IpaConfig>(detail::parse_json(text, "ipa config"));
}
std::string to_json(const IpaConfig& config) {
  return detail::dump_json(json::value_from(config));
}

// ---------------------------------------------------------------- random numbers

namespace {

/// xoshiro256** seeded per (seed, stream): the library's one generator (detail/random.hpp).
using Rng = detail::Xoshiro256;

}  // namespace

// ---------------------------------------------------------------- correlations

namespace {

void check_weights(Eigen::Ref<const Eigen::VectorXd> w, Eigen::Index n) {
  if (w.size() != 0 && w.size() != n)
    throw input_error("weights: expected " + std::to_string(n) + " values (one per row), got " +
                      std::to_string(w.size()));
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (!(std::isfinite(w[i]) && w[i] >= 0.0))
      throw input_error("weights: row " + std::to_string(i) + ": " + format_number(w[i]) +
                        "; expected a finite weight >= 0");
}

void check_shapes(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y, const std::vector<std::string>& names) {
  if (x.cols() == 0) throw input_error("X: no predictors (0 columns)");
  if (x.rows() != y.size())
    throw input_error("y: expected " + std::to_string(x.rows()) + " values (one per row of X), got " +
                      std::to_string(y.size()));
  if (!names.empty() && names.size() != static_cast<std::size_t>(x.cols()))
    throw input_error("names: expected " + std::to_string(x.cols()) + " names, got " + std::to_string(names.size()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (std::isinf(x(i, j)))
        throw input_error("X: column " + col_name(names, j) + ", row " + std::to_string(i) + ": " +
                          format_number(x(i, j)) + "; expected a finite number or NaN (missing)");
    if (std::isinf(y[i]))
      throw input_error("y: row " + std::to_string(i) + ": " + format_number(y[i]) +
                        "; expected a finite number or NaN (missing)");
  }
}

std::string var_name(const std::vector<std::string>& names, Eigen::Index j, Eigen::Index p) {
  return j == p ? std::string("the outcome (y)") : "predictor " + col_name(names, j);
}

}  // namespace

CorrelationInput correlation_from_data(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                       Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                       const std::vector<std::string>& names) {
  config.validate();
  check_shapes(x, y, names);
  const Eigen::Index n = x.rows(), p = x.cols(), m = p + 1;
  check_weights(weights, n);
  auto val = [&](Eigen::Index i, Eigen::Index j) { return j < p ? x(i, j) : y[i]; };
  auto wt = [&](Eigen::Index i) { return weights.size() ? weights[i] : 1.0; };
  CorrelationInput out;
  out.n_rows = n;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) out.n_missing += std::isnan(val(i, j)) ? 1 : 0;
  out.corr = Eigen::MatrixXd::Identity(m, m);
  out.mean = Eigen::VectorXd::Zero(m);
  out.sd = Eigen::VectorXd::Zero(m);
  if (config.missing == MissingPolicy::listwise) {
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < n; ++i) {
      bool ok = wt(i) > 0.0;
      for (Eigen::Index j = 0; j < m && ok; ++j) ok = !std::isnan(val(i, j));
      if (ok) rows.push_back(i);
    }
    out.n_used = static_cast<std::int64_t>(rows.size());
    out.n_dropped = n - out.n_used;
    if (out.n_used <= p + 1)
      throw input_error("X, y: " + std::to_string(out.n_used) + " complete row(s) with a positive weight for " +
                        std::to_string(p) + " predictor(s); expected more than " + std::to_string(p + 1) +
                        " (more rows than predictors + 1)");
    double sw = 0.0, sw2 = 0.0;
    for (auto i : rows) {
      sw += wt(i);
      sw2 += wt(i) * wt(i);
      for (Eigen::Index j = 0; j < m; ++j) out.mean[j] += wt(i) * val(i, j);
    }
    out.mean /= sw;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(m, m);
    Eigen::VectorXd d(m);
    for (auto i : rows) {
      for (Eigen::Index j = 0; j < m; ++j) d[j] = val(i, j) - out.mean[j];
      cov.selfadjointView<Eigen::Lower>().rankUpdate(d, wt(i));
    }
    cov = cov.selfadjointView<Eigen::Lower>();
    cov /= sw;
    out.sum_weights = sw;
    out.effective_n = sw * sw / sw2;
    for (Eigen::Index j = 0; j < m; ++j) {
      double scale = std::max(1.0, std::abs(out.mean[j]));
      if (!(cov(j, j) > 1e-24 * scale * scale))
        throw input_error(var_name(names, j, p) + " is constant over the " + std::to_string(out.n_used) +
                          " rows used (value " + format_number(out.mean[j]) +
                          "); a constant has no correlation: drop it");
      out.sd[j] = std::sqrt(cov(j, j));
    }
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = 0; b < m; ++b) out.corr(a, b) = a == b ? 1.0 : cov(a, b) / (out.sd[a] * out.sd[b]);
    return out;
  }
  // pairwise: each correlation from the rows where both variables are present
  std::int64_t with_y = 0;
  double sw = 0.0, sw2 = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    if (!std::isnan(y[i]) && wt(i) > 0.0) {
      ++with_y;
      sw += wt(i);
      sw2 += wt(i) * wt(i);
    }
  out.n_used = with_y;
  out.n_dropped = n - with_y;
  out.sum_weights = sw;
  out.effective_n = sw > 0 ? sw * sw / sw2 : 0.0;
  for (Eigen::Index a = 0; a < m; ++a) {
    double s = 0, s1 = 0, s2 = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      double v = val(i, a);
      if (std::isnan(v)) continue;
      s += wt(i);
      s1 += wt(i) * v;
    }
    out.mean[a] = s > 0 ? s1 / s : std::numeric_limits<double>::quiet_NaN();
    for (Eigen::Index i = 0; i < n; ++i) {
      double v = val(i, a);
      if (!std::isnan(v)) s2 += wt(i) * (v - out.mean[a]) * (v - out.mean[a]);
    }
    double scale = std::max(1.0, std::abs(out.mean[a]));
    if (!(s > 0 && s2 / s > 1e-24 * scale * scale))
      throw input_error(var_name(names, a, p) + " is constant (or never observed) among its non-missing rows" +
                        "; a constant has no correlation: drop it");
    out.sd[a] = std::sqrt(s2 / s);
  }
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < a; ++b) {
      double s = 0, ma = 0, mb = 0;
      std::int64_t cnt = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        double u = val(i, a), v = val(i, b);
        if (std::isnan(u) || std::isnan(v) || !(wt(i) > 0)) continue;
        s += wt(i);
        ma += wt(i) * u;
        mb += wt(i) * v;
        ++cnt;
      }
      if (cnt < 3)
        throw input_error(var_name(names, a, p) + " and " + var_name(names, b, p) + ": only " + std::to_string(cnt) +
                          " row(s) with both present; expected at least 3 for a pairwise correlation");
      ma /= s;
      mb /= s;
      double saa = 0, sbb = 0, sab = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        double u = val(i, a), v = val(i, b);
        if (std::isnan(u) || std::isnan(v) || !(wt(i) > 0)) continue;
        saa += wt(i) * (u - ma) * (u - ma);
        sbb += wt(i) * (v - mb) * (v - mb);
        sab += wt(i) * (u - ma) * (v - mb);
      }
      if (!(saa > 0 && sbb > 0))
        throw input_error(var_name(names, a, p) + " and " + var_name(names, b, p) +
                          ": one of them is constant on the rows where both are present");
      out.corr(a, b) = out.corr(b, a) = sab / std::sqrt(saa * sbb);
    }
  if (with_y <= p + 1)
    throw input_error("y: " + std::to_string(with_y) + " row(s) with an outcome for " + std::to_string(p) +
                      " predictor(s); expected more than " + std::to_string(p + 1));
  return out;
}

CorrelationInput correlation_from_moments(const Moments& m, const std::vector<int>& predictors, int outcome) {
  const int d = m.dim();
  std::vector<int> idx = predictors;
  idx.push_back(outcome);
  std::vector<std::string> names;
  for (std::size_t a = 0; a < idx.size(); ++a) {
    if (idx[a] < 0 || idx[a] >= d)
      throw input_error("moments: variable index " + std::to_string(idx[a]) + " is out of range; the state has " +
                        std::to_string(d) + " variables");
    for (std::size_t b = 0; b < a; ++b)
      if (idx[a] == idx[b]) throw input_error("moments: variable index " + std::to_string(idx[a]) + " is repeated");
    if (a + 1 < idx.size())
      names.push_back(static_cast<std::size_t>(idx[a]) < m.names().size() ? m.names()[static_cast<std::size_t>(idx[a])]
                                                                          : "x" + std::to_string(idx[a]));
  }
  if (predictors.empty()) throw input_error("moments: no predictors");
  const auto k = static_cast<Eigen::Index>(idx.size()), p = k - 1;
  Moments sub = m.subset(idx);
  CorrelationInput out;
  out.n_rows = sub.n_rows();
  out.n_used = sub.n_used();
  out.n_dropped = sub.n_dropped();
  out.n_missing = sub.n_missing().sum();
  out.mean = sub.mean();
  Eigen::MatrixXd cov = sub.covariance(0.0);
  out.sd = cov.diagonal().cwiseMax(0.0).cwiseSqrt();
  const std::int64_t rows = sub.pair_count().minCoeff();
  if (rows <= p + 1)
    throw input_error("moments: " + std::to_string(rows) + " row(s) for " + std::to_string(p) +
                      " predictor(s); expected more than " + std::to_string(p + 1) +
                      " (more rows than predictors + 1)");
  for (Eigen::Index j = 0; j < k; ++j) {
    double scale = std::max(1.0, std::abs(out.mean[j]));
    if (!(cov(j, j) > 1e-24 * scale * scale))
      throw input_error(var_name(names, j, p) + " is constant over the rows of the moments state" +
                        "; a constant has no correlation: drop it");
  }
  out.corr = sub.correlation();
  Eigen::VectorXd ws = sub.weight_sum();
  out.sum_weights = ws.size() ? ws[k - 1] : 0.0;
  Eigen::VectorXd en = sub.effective_n();
  out.effective_n = en.size() ? en[k - 1] : 0.0;
  for (Eigen::Index a = 0; a < k; ++a)
    for (Eigen::Index b = 0; b < k; ++b)
      if (!std::isfinite(out.corr(a, b)))
        throw input_error("moments: the correlation of " + var_name(names, a, p) + " and " + var_name(names, b, p) +
                          " is undefined (too few rows where both are present)");
  return out;
}

Eigen::MatrixXd correlation_from_covariance(Eigen::Ref<const Eigen::MatrixXd> cov,
                                            const std::vector<std::string>& names) {
  const Eigen::Index m = cov.rows();
  if (m != cov.cols() || m < 2)
    throw input_error("matrix: expected a square (p+1) x (p+1) matrix with the outcome last, got " +
                      std::to_string(cov.rows()) + " x " + std::to_string(cov.cols()));
  const Eigen::Index p = m - 1;
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b) {
      if (!std::isfinite(cov(a, b)))
        throw input_error("matrix: entry (" + std::to_string(a) + ", " + std::to_string(b) + ") is " +
                          format_number(cov(a, b)) + "; expected a finite number");
      double tol = 1e-9 * std::max(1.0, std::abs(cov(a, b)));
      if (std::abs(cov(a, b) - cov(b, a)) > tol)
        throw input_error("matrix: not symmetric at (" + std::to_string(a) + ", " + std::to_string(b) +
                          "): " + format_number(cov(a, b)) + " vs " + format_number(cov(b, a)));
    }
  Eigen::VectorXd sd(m);
  for (Eigen::Index j = 0; j < m; ++j) {
    if (!(cov(j, j) > 0))
      throw input_error("matrix: variance of " + var_name(names, j, p) + " is " + format_number(cov(j, j)) +
                        "; expected > 0 (a constant has no correlation: drop it)");
    sd[j] = std::sqrt(cov(j, j));
  }
  Eigen::MatrixXd r(m, m);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b) r(a, b) = a == b ? 1.0 : 0.5 * (cov(a, b) + cov(b, a)) / (sd[a] * sd[b]);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < a; ++b)
      if (std::abs(r(a, b)) > 1.0 + 1e-9)
        throw input_error("matrix: correlation of " + var_name(names, a, p) + " and " + var_name(names, b, p) + " is " +
                          format_number(r(a, b)) + "; expected within [-1, 1]");
  return r;
}

// ---------------------------------------------------------------- sweep operator

namespace {

/// Sweep (forward: add k to the model) or reverse-sweep (remove k) a symmetric m x m
/// row-major matrix in place (Little & Rubin 2002, section 7.4). `tmp` holds m doubles.
inline void sweep(double* a, int m, int k, bool forward, double* tmp) {
  const double d = a[k * m + k];
  const double inv = 1.0 / d;
  const double sgn = forward ? 1.0 : -1.0;
  double* rk = a + static_cast<std::ptrdiff_t>(k) * m;
  std::copy(rk, rk + m, tmp);
  for (int i = 0; i < m; ++i) {
    if (i == k) continue;
    double* ri = a + static_cast<std::ptrdiff_t>(i) * m;
    const double f = ri[k] * inv;
    for (int j = 0; j < m; ++j) ri[j] -= f * tmp[j];
    ri[k] = sgn * f;
  }
  for (int j = 0; j < m; ++j) rk[j] = sgn * tmp[j] * inv;
  rk[k] = -inv;
}

/// Throw input_error when a predictor is (nearly) a linear combination of the earlier ones,
/// naming it and the predictors it is made of.
void check_collinearity(Eigen::Ref<const Eigen::MatrixXd> corr, double tol, const std::vector<std::string>& names) {
  const int m = static_cast<int>(corr.rows()), p = m - 1;
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b)
      if (!std::isfinite(corr(a, b)))
        throw input_error("correlation matrix: entry (" + std::to_string(a) + ", " + std::to_string(b) +
                          ") is not finite");
  std::vector<double> a(static_cast<std::size_t>(m) * m), tmp(static_cast<std::size_t>(m));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) a[static_cast<std::size_t>(i * m + j)] = corr(i, j);
  std::vector<int> in;
  for (int k = 0; k < p; ++k) {
    double d = a[static_cast<std::size_t>(k * m + k)];
    if (!(d > tol)) {
      std::string with;
      for (int j : in) {
        // coefficient of j in the regression of k on the swept set: a(j, k) after sweeping
        if (std::abs(a[static_cast<std::size_t>(j * m + k)]) > 1e-6)
          with += (with.empty() ? "" : ", ") + col_name(names, j);
      }
      throw input_error("predictor " + col_name(names, k) + " is " + (d > 0 ? "almost " : "") +
                        "a linear combination of " + (with.empty() ? std::string("earlier predictors") : with) +
                        " (residual variance " + format_number(std::max(d, 0.0)) +
                        " on the correlation scale, below collinearity_tol " + format_number(tol) +
                        "); drop or combine the collinear predictors");
    }
    sweep(a.data(), m, k, true, tmp.data());
    in.push_back(k);
  }
  if (!(a[static_cast<std::size_t>(p * m + p)] > -1e-9))
    throw input_error("correlation matrix is not positive semi-definite (R2 above 1): check pairwise correlations");
}

/// Sweep on the lower triangle only (j <= i) of a symmetric m x m row-major matrix:
/// half the work of `sweep`. `tmp` receives column k (m doubles).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// GCC cannot see that the buffers hold m * m doubles when inlined into callers with
// std::vector storage, and warns about a zero-size memcpy source (a false positive).
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
inline void sweep_lower(double* a, int m, int k, bool forward, double* tmp) {
  for (int j = 0; j <= k; ++j) tmp[j] = a[k * m + j];
  for (int i = k + 1; i < m; ++i) tmp[i] = a[i * m + k];
  const double inv = 1.0 / tmp[k];
  const double sgn = forward ? 1.0 : -1.0;
  for (int i = 0; i < m; ++i) {
    if (i == k) continue;
    double* ri = a + static_cast<std::ptrdiff_t>(i) * m;
    const double f = tmp[i] * inv;
    for (int j = 0; j <= i; ++j) ri[j] -= f * tmp[j];
  }
  for (int j = 0; j < k; ++j) a[k * m + j] = sgn * tmp[j] * inv;
  for (int i = k + 1; i < m; ++i) a[i * m + k] = sgn * tmp[i] * inv;
  a[k * m + k] = -inv;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

double binom(int n, int k) {
  if (k < 0 || k > n) return 0.0;
  double r = 1.0;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return std::round(r);
}

}  // namespace

double subset_r2(Eigen::Ref<const Eigen::MatrixXd> corr, std::uint64_t mask) {
  const Eigen::Index p = corr.rows() - 1;
  std::vector<Eigen::Index> idx;
  for (Eigen::Index j = 0; j < p; ++j)
    if (mask >> j & 1U) idx.push_back(j);
  if (idx.empty()) return 0.0;
  const auto k = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd rss(k, k);
  Eigen::VectorXd rsy(k);
  for (Eigen::Index a = 0; a < k; ++a) {
    rsy[a] = corr(idx[static_cast<std::size_t>(a)], p);
    for (Eigen::Index b = 0; b < k; ++b)
      rss(a, b) = corr(idx[static_cast<std::size_t>(a)], idx[static_cast<std::size_t>(b)]);
  }
  return rsy.dot(rss.ldlt().solve(rsy));
}

// ---------------------------------------------------------------- LMG / dominance

namespace {

/// Units of a dominance analysis: unit u has the predictors mem[off[u]] .. mem[off[u+1]-1].
struct Units {
  int q = 0;
  std::vector<int> off, mem, always;
  bool singletons = true;
};

Units make_units(const DominanceSpec& spec, int p, const std::vector<std::string>& names) {
  Units u;
  std::vector<int> seen(static_cast<std::size_t>(p), -2);  // -2 unseen, -1 always, >= 0 unit
  for (int j : spec.always) {
    if (j < 0 || j >= p)
      throw config_error("always: predictor index " + std::to_string(j) + " is out of range; there are " +
                         std::to_string(p) + " predictors");
    if (seen[static_cast<std::size_t>(j)] != -2)
      throw config_error("always: predictor " + col_name(names, j) + " is listed twice");
    seen[static_cast<std::size_t>(j)] = -1;
    u.always.push_back(j);
  }
  u.off.push_back(0);
  if (spec.units.empty()) {
    for (int j = 0; j < p; ++j)
      if (seen[static_cast<std::size_t>(j)] == -2) {
        u.mem.push_back(j);
        u.off.push_back(static_cast<int>(u.mem.size()));
      }
  } else {
    for (std::size_t k = 0; k < spec.units.size(); ++k) {
      const auto& set = spec.units[k];
      if (set.empty()) throw config_error("sets: set " + std::to_string(k) + " is empty");
      for (int j : set) {
        if (j < 0 || j >= p)
          throw config_error("sets: predictor index " + std::to_string(j) + " is out of range; there are " +
                             std::to_string(p) + " predictors");
        const int s = seen[static_cast<std::size_t>(j)];
        if (s != -2)
          throw config_error("sets: predictor " + col_name(names, j) + " is in " +
                             (s == -1 ? std::string("always") : "set " + std::to_string(s)) + " and in set " +
                             std::to_string(k) + "; each predictor belongs to one set or to always");
        seen[static_cast<std::size_t>(j)] = static_cast<int>(k);
        u.mem.push_back(j);
      }
      u.off.push_back(static_cast<int>(u.mem.size()));
    }
    for (int j = 0; j < p; ++j)
      if (seen[static_cast<std::size_t>(j)] == -2)
        throw config_error("sets: predictor " + col_name(names, j) +
                           " is in no set and not in always; give it its own set or drop it");
  }
  u.q = static_cast<int>(u.off.size()) - 1;
  if (u.q < 1) throw config_error("sets: nothing left to rank (every predictor is in always)");
  for (int k = 0; k < u.q; ++k) u.singletons = u.singletons && u.off[k + 1] - u.off[k] == 1;
  return u;
}

/// R2 of the predictors `idx` (indices into the predictors of `corr`, outcome last).
double r2_of(Eigen::Ref<const Eigen::MatrixXd> corr, const std::vector<int>& idx) {
  const Eigen::Index p = corr.rows() - 1;
  if (idx.empty()) return 0.0;
  const auto k = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd rss(k, k);
  Eigen::VectorXd rsy(k);
  for (Eigen::Index a = 0; a < k; ++a) {
    rsy[a] = corr(idx[static_cast<std::size_t>(a)], p);
    for (Eigen::Index b = 0; b < k; ++b)
      rss(a, b) = corr(idx[static_cast<std::size_t>(a)], idx[static_cast<std::size_t>(b)]);
  }
  return rsy.dot(rss.ldlt().solve(rsy));
}

std::vector<int> unit_mask_members(const Units& u, std::uint64_t mask, bool with_always) {
  std::vector<int> idx;
  if (with_always) idx = u.always;
  for (int k = 0; k < u.q; ++k)
    if (mask >> k & 1U)
      for (int t = u.off[k]; t < u.off[k + 1]; ++t) idx.push_back(u.mem[static_cast<std::size_t>(t)]);
  return idx;
}

/// One block of the Gray-code walk over the units: `count` subsets from Gray index `start`; the first one,
/// and every `refresh`-th (a power of two), swept fresh from `base` (which has `always` swept in).
/// Accumulates into `acc` (q x (q+1) sums of the value by member and size, then q+1 sums by size) and
/// stores each value (R2 - offset) in `all` when given.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
void walk_units(const double* base, double* a, double* tmp, int m, const Units& u, std::uint64_t start,
                std::uint64_t count, std::uint64_t refresh, double offset, double* acc, double* all) {
  const int q = u.q, p = m - 1;
  const int* off = u.off.data();
  const int* mem = u.mem.data();
  double* T = acc + static_cast<std::size_t>(q) * (q + 1);
  const std::size_t yy = static_cast<std::size_t>(p) * m + p;
  for (std::uint64_t t = start; t < start + count; ++t) {
    const std::uint64_t mask = t ^ (t >> 1);
    if (t == start || (t & (refresh - 1)) == 0) {  // a fresh start bounds the rounding drift
      std::copy(base, base + static_cast<std::ptrdiff_t>(m) * m, a);
      for (int k = 0; k < q; ++k)
        if (mask >> k & 1U)
          for (int s = off[k]; s < off[k + 1]; ++s) sweep_lower(a, m, mem[s], true, tmp);
    } else {
      const int k = __builtin_ctzll(t);
      const bool fwd = (mask >> k & 1U) != 0;
      for (int s = off[k]; s < off[k + 1]; ++s) sweep_lower(a, m, mem[s], fwd, tmp);
    }
    const double v = 1.0 - a[yy] - offset;
    const int s = __builtin_popcountll(mask);
    T[s] += v;
    for (std::uint64_t bits = mask; bits; bits &= bits - 1)
      acc[static_cast<std::size_t>(__builtin_ctzll(bits)) * (q + 1) + s] += v;
    if (all) all[mask] = v;
  }
}

/// General and conditional dominance from the values of all 2^q subsets.
void general_from_all(const std::vector<double>& all, int q, DominanceResult& res) {
  const std::uint64_t total = 1ULL << q;
  std::vector<double> A(static_cast<std::size_t>(q) * (q + 1), 0.0), T(static_cast<std::size_t>(q) + 1, 0.0);
  for (std::uint64_t s = 0; s < total; ++s) {
    const int k = __builtin_popcountll(s);
    T[static_cast<std::size_t>(k)] += all[s];
    for (std::uint64_t bits = s; bits; bits &= bits - 1)
      A[static_cast<std::size_t>(__builtin_ctzll(bits)) * (q + 1) + k] += all[s];
  }
  res.conditional.resize(q, q);
  res.general = Eigen::VectorXd::Zero(q);
  for (int j = 0; j < q; ++j)
    for (int k = 0; k < q; ++k) {
      const double with = A[static_cast<std::size_t>(j) * (q + 1) + k + 1];
      const double without = T[static_cast<std::size_t>(k)] - A[static_cast<std::size_t>(j) * (q + 1) + k];
      res.conditional(j, k) = (with - without) / binom(q - 1, k);
      res.general[j] += res.conditional(j, k) / q;
    }
}

/// Complete dominance of every pair from the values of all 2^q subsets.
void complete_from_all(const std::vector<double>& all, int q, double tol, int workers,
                       const std::function<void()>& check, DominanceResult& res) {
  const std::uint64_t total = 1ULL << q;
  res.complete = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>::Zero(q, q);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < q; ++i)
    for (int j = i + 1; j < q; ++j) pairs.emplace_back(i, j);
  std::vector<std::int8_t> verdict(pairs.size(), 0);
  // chunks of pairs so that the caller can interrupt between them (each pair walks 2^(q-2) subsets)
  const std::ptrdiff_t per = std::max<std::ptrdiff_t>(
      1, static_cast<std::ptrdiff_t>((std::uint64_t{1} << 24) / std::max<std::uint64_t>(1, total >> 2)));
  const auto np = static_cast<std::ptrdiff_t>(pairs.size());
  for (std::ptrdiff_t c0 = 0; c0 < np; c0 += per) {
    const std::ptrdiff_t c1 = std::min(np, c0 + per);
    detail::parallel_for(c1 - c0, workers, 1, [&](std::ptrdiff_t q0, std::ptrdiff_t q1, int) {
      for (std::ptrdiff_t qq = c0 + q0; qq < c0 + q1; ++qq) {
        const int i = pairs[static_cast<std::size_t>(qq)].first, j = pairs[static_cast<std::size_t>(qq)].second;
        const std::uint64_t bi = 1ULL << i, bj = 1ULL << j, others = (total - 1) & ~bi & ~bj;
        bool i_ge = true, j_ge = true, i_gt = false, j_gt = false;
        // every subset S of the others, by the standard submask walk
        for (std::uint64_t s = others;; s = (s - 1) & others) {
          const double d = all[s | bi] - all[s | bj];
          if (d > tol) {
            j_ge = false;
            i_gt = true;
          } else if (d < -tol) {
            i_ge = false;
            j_gt = true;
          }
          if (!i_ge && !j_ge) break;
          if (s == 0) break;
        }
        verdict[static_cast<std::size_t>(qq)] = (i_ge && i_gt) ? 1 : (j_ge && j_gt) ? -1 : 0;
      }
    });
    if (check) check();
  }
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    res.complete(pairs[k].first, pairs[k].second) = verdict[k];
    res.complete(pairs[k].second, pairs[k].first) = static_cast<std::int8_t>(-verdict[k]);
  }
}

/// The correlation matrix as a row-major buffer with the `always` predictors swept in; their R2 in `r2a`.
std::vector<double> swept_base(Eigen::Ref<const Eigen::MatrixXd> corr, const Units& u, double& r2a) {
  const int m = static_cast<int>(corr.rows()), p = m - 1;
  std::vector<double> base(static_cast<std::size_t>(m) * m), tmp(static_cast<std::size_t>(m));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) base[static_cast<std::size_t>(i * m + j)] = corr(i, j);
  for (int k : u.always) sweep_lower(base.data(), m, k, true, tmp.data());
  r2a = 1.0 - base[static_cast<std::size_t>(p) * m + p];
  return base;
}

/// The dominance engine. `all_out` (when given, q <= 30) receives the value of every subset.
DominanceResult dominance_impl(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config, const Units& u,
                               int workers, bool want_complete, std::vector<double>* all_out,
                               const std::function<void()>& check) {
  const int m = static_cast<int>(corr.rows());
  const int p = m - 1, q = u.q;
  DominanceResult res;
  std::vector<int> every(static_cast<std::size_t>(p));
  std::iota(every.begin(), every.end(), 0);
  res.r2 = r2_of(corr, every);
  double r2a = 0.0;
  std::vector<double> base = swept_base(corr, u, r2a);
  res.r2_always = u.always.empty() ? 0.0 : r2a;
  const double offset = u.always.empty() ? 0.0 : r2a;
  res.r2_single.resize(q);
  if (u.singletons && u.always.empty())
    for (int k = 0; k < q; ++k) {
      const int j = u.mem[static_cast<std::size_t>(u.off[k])];
      res.r2_single[k] = corr(j, p) * corr(j, p);
    }
  else
    for (int k = 0; k < q; ++k) res.r2_single[k] = r2_of(corr, unit_mask_members(u, 1ULL << k, true)) - offset;

  if (q <= config.exact_max_predictors) {
    res.exact = true;
    const std::uint64_t total = 1ULL << q;
    const int block_bits = std::min(q, 14);    // accumulation unit: one worker, fixed order
    const std::uint64_t refresh = 1ULL << 10;  // fresh sweep every 1024 subsets
    const std::uint64_t block = 1ULL << block_bits, nblocks = total / block;
    // per block: A[j][s] (q x (q+1)): sum of the value over subsets of size s containing j; T[s]
    const std::size_t stride = static_cast<std::size_t>(q) * (q + 1) + (q + 1);
    std::vector<double> part(nblocks * stride, 0.0);
    const bool keep = (want_complete && q <= config.complete_max_predictors && q >= 2) || all_out != nullptr;
    std::vector<double> all;
    if (keep) all.assign(total, 0.0);
    // blocks in chunks of 2^6 (2^20 subsets): the caller may interrupt between chunks
    const std::uint64_t chunk = 64;
    for (std::uint64_t c0 = 0; c0 < nblocks; c0 += chunk) {
      const std::uint64_t c1 = std::min(nblocks, c0 + chunk);
      detail::parallel_for(static_cast<std::ptrdiff_t>(c1 - c0), workers, 1,
                           [&](std::ptrdiff_t b0, std::ptrdiff_t b1, int) {
                             std::vector<double> a(base.size()), tmp(static_cast<std::size_t>(m));
                             for (std::ptrdiff_t bb = b0; bb < b1; ++bb) {
                               const std::uint64_t b = c0 + static_cast<std::uint64_t>(bb);
                               walk_units(base.data(), a.data(), tmp.data(), m, u, b * block, block, refresh, offset,
                                          part.data() + b * stride, keep ? all.data() : nullptr);
                             }
                           });
      if (check) check();
    }
    std::vector<double> sum(stride, 0.0);
    for (std::uint64_t b = 0; b < nblocks; ++b)
      for (std::size_t i = 0; i < stride; ++i) sum[i] += part[b * stride + i];
    const double* A = sum.data();
    const double* T = A + static_cast<std::size_t>(q) * (q + 1);
    res.conditional.resize(q, q);
    res.general = Eigen::VectorXd::Zero(q);
    for (int j = 0; j < q; ++j)
      for (int k = 0; k < q; ++k) {
        double with = A[static_cast<std::size_t>(j) * (q + 1) + k + 1];
        double without = T[k] - A[static_cast<std::size_t>(j) * (q + 1) + k];
        res.conditional(j, k) = (with - without) / binom(q - 1, k);
        res.general[j] += res.conditional(j, k) / q;
      }
    res.se = Eigen::VectorXd::Zero(q);
    res.n_evaluated = static_cast<std::int64_t>(total);
    if (want_complete && q <= config.complete_max_predictors && q >= 2)
      complete_from_all(all, q, config.dominance_tol, workers, check, res);
    if (all_out) *all_out = std::move(all);
    return res;
  }

  // permutation sampling: each permutation has its own stream, results summed in fixed blocks
  res.exact = false;
  const std::int64_t nperm = config.n_permutations;
  const std::int64_t block = 64, nblocks = (nperm + block - 1) / block;
  std::vector<double> part(static_cast<std::size_t>(nblocks) * 2 * q, 0.0);
  // blocks between interrupt checks: about 2^26 sweep cells (tens of ms; a second or so under a
  // sanitizer), at least one block per worker; the sums per block do not depend on it
  const std::int64_t cells_per_block = block * q * static_cast<std::int64_t>(m) * m;
  const std::int64_t chunk = std::max<std::int64_t>(
      std::max(workers, 1), (std::int64_t{1} << 26) / std::max<std::int64_t>(cells_per_block, 1));
  for (std::int64_t c0 = 0; c0 < nblocks; c0 += chunk) {
    const std::int64_t c1 = std::min(nblocks, c0 + chunk);
    detail::parallel_for(c1 - c0, workers, 1, [&](std::ptrdiff_t b0, std::ptrdiff_t b1, int) {
      std::vector<double> a(base.size()), tmp(static_cast<std::size_t>(m));
      std::vector<int> order(static_cast<std::size_t>(q));
      for (std::ptrdiff_t bb = b0; bb < b1; ++bb) {
        const std::int64_t b = c0 + bb;
        double* s1 = part.data() + static_cast<std::size_t>(b) * 2 * q;
        double* s2 = s1 + q;
        for (std::int64_t r = b * block; r < std::min(nperm, (b + 1) * block); ++r) {
          Rng rng(config.seed, static_cast<std::uint64_t>(r));
          std::iota(order.begin(), order.end(), 0);
          for (int i = q - 1; i > 0; --i)
            std::swap(order[static_cast<std::size_t>(i)], order[rng.below(static_cast<std::uint64_t>(i) + 1)]);
          std::copy(base.begin(), base.end(), a.begin());
          double prev = 0.0;
          for (int k : order) {
            for (int s = u.off[k]; s < u.off[k + 1]; ++s)
              sweep_lower(a.data(), m, u.mem[static_cast<std::size_t>(s)], true, tmp.data());
            const double r2 = 1.0 - a[static_cast<std::size_t>(p * m + p)] - offset;
            const double inc = r2 - prev;
            prev = r2;
            s1[k] += inc;
            s2[k] += inc * inc;
          }
        }
      }
    });
    if (check) check();
  }
  Eigen::VectorXd s1 = Eigen::VectorXd::Zero(q), s2 = Eigen::VectorXd::Zero(q);
  for (std::int64_t b = 0; b < nblocks; ++b)
    for (int j = 0; j < q; ++j) {
      s1[j] += part[static_cast<std::size_t>(b) * 2 * q + j];
      s2[j] += part[static_cast<std::size_t>(b) * 2 * q + q + j];
    }
  const double nn = static_cast<double>(nperm);
  res.general = s1 / nn;
  res.se.resize(q);
  for (int j = 0; j < q; ++j) {
    double var = (s2[j] - nn * res.general[j] * res.general[j]) / (nn - 1.0);
    res.se[j] = std::sqrt(std::max(var, 0.0) / nn);
  }
  res.n_evaluated = nperm;
  return res;
}

void check_corr_shape(Eigen::Ref<const Eigen::MatrixXd> corr) {
  if (corr.rows() < 2 || corr.cols() != corr.rows())
    throw input_error("correlation matrix: expected (p+1) x (p+1) with p >= 1");
}

}  // namespace

DominanceResult dominance(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config, const DominanceSpec& spec,
                          int workers, const std::vector<std::string>& names, const std::function<void()>& check) {
  config.validate();
  check_corr_shape(corr);
  const int p = static_cast<int>(corr.rows()) - 1;
  Units u = make_units(spec, p, names);
  check_collinearity(corr, config.collinearity_tol, names);
  return dominance_impl(corr, config, u, workers, true, nullptr, check);
}

DominanceResult dominance(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config, int workers,
                          const std::vector<std::string>& names) {
  return dominance(corr, config, DominanceSpec{}, workers, names, {});
}

// ---------------------------------------------------------------- other metrics

namespace {

/// Partial correlations of the predictors `keep` and the outcome given the predictors `given`
/// ((k+1) x (k+1), outcome last), and R2 of `given` in `r2g`.
Eigen::MatrixXd partial_corr(Eigen::Ref<const Eigen::MatrixXd> corr, const std::vector<int>& given,
                             const std::vector<int>& keep, double& r2g) {
  const Eigen::Index p = corr.rows() - 1;
  std::vector<int> rest = keep;
  rest.push_back(static_cast<int>(p));
  const auto k = static_cast<Eigen::Index>(rest.size()), g = static_cast<Eigen::Index>(given.size());
  Eigen::MatrixXd rr(k, k), rg(k, g), gg(g, g);
  for (Eigen::Index a = 0; a < k; ++a) {
    for (Eigen::Index b = 0; b < k; ++b)
      rr(a, b) = corr(rest[static_cast<std::size_t>(a)], rest[static_cast<std::size_t>(b)]);
    for (Eigen::Index b = 0; b < g; ++b)
      rg(a, b) = corr(rest[static_cast<std::size_t>(a)], given[static_cast<std::size_t>(b)]);
  }
  for (Eigen::Index a = 0; a < g; ++a)
    for (Eigen::Index b = 0; b < g; ++b)
      gg(a, b) = corr(given[static_cast<std::size_t>(a)], given[static_cast<std::size_t>(b)]);
  Eigen::MatrixXd res = g ? Eigen::MatrixXd(rr - rg * gg.ldlt().solve(rg.transpose())) : rr;
  r2g = 1.0 - res(k - 1, k - 1);
  Eigen::VectorXd sd = res.diagonal().cwiseMax(0.0).cwiseSqrt();
  Eigen::MatrixXd out = sd.cwiseInverse().asDiagonal() * res * sd.cwiseInverse().asDiagonal();
  out.diagonal().setOnes();
  return out;
}

Eigen::VectorXd metric_impl(Eigen::Ref<const Eigen::MatrixXd> corr, ImportanceMetric metric, const DriverConfig& config,
                            const Units& u, int workers, bool want_complete, DominanceResult* dom,
                            const std::vector<std::string>& names) {
  const int p = static_cast<int>(corr.rows()) - 1, q = u.q;
  switch (metric) {
    case ImportanceMetric::lmg: {
      DominanceResult r = dominance_impl(corr, config, u, workers, want_complete, nullptr, {});
      Eigen::VectorXd g = r.general;
      if (dom) *dom = std::move(r);
      return g;
    }
    case ImportanceMetric::first:
    case ImportanceMetric::last: {
      std::vector<int> every(static_cast<std::size_t>(p));
      std::iota(every.begin(), every.end(), 0);
      const double full = r2_of(corr, every), r2a = r2_of(corr, u.always);
      const std::uint64_t all_units = q >= 64 ? ~0ULL : (1ULL << q) - 1;
      Eigen::VectorXd out(q);
      for (int k = 0; k < q; ++k)
        out[k] = metric == ImportanceMetric::first
                     ? r2_of(corr, unit_mask_members(u, 1ULL << k, true)) - r2a
                     : full - r2_of(corr, unit_mask_members(u, all_units & ~(1ULL << k), true));
      return out;
    }
    case ImportanceMetric::kruskal: {
      if (q > config.complete_max_predictors || q > config.exact_max_predictors)
        throw config_error("method kruskal: " + std::to_string(q) + " units; it keeps every subset (at most " +
                           std::to_string(std::min(config.complete_max_predictors, config.exact_max_predictors)) +
                           ", complete_max_predictors / exact_max_predictors)");
      std::vector<double> all;
      DominanceResult r = dominance_impl(corr, config, u, workers, false, &all, {});
      const double r2a = r.r2_always;
      // Shapley weights by the size of the subset of the other units
      std::vector<double> wk(static_cast<std::size_t>(q));
      for (int k = 0; k < q; ++k) wk[static_cast<std::size_t>(k)] = 1.0 / (q * binom(q - 1, k));
      Eigen::VectorXd out = Eigen::VectorXd::Zero(q);
      const std::uint64_t total = 1ULL << q;
      for (std::uint64_t s = 0; s < total; ++s) {
        const double rest = 1.0 - r2a - all[s];  // unexplained variance given S and always
        const int k = __builtin_popcountll(s);
        for (int j = 0; j < q; ++j)
          if (!(s >> j & 1U)) {
            const double inc = all[s | (1ULL << j)] - all[s];
            out[j] += wk[static_cast<std::size_t>(k)] * (rest > 0 ? inc / rest : 0.0);
          }
      }
      return out;
    }
    default:
      break;
  }
  // betasq, pratt, car, relative weights: single predictors, from the partial correlations given always
  if (!u.singletons)
    throw config_error(std::string("method ") +
                       (metric == ImportanceMetric::betasq  ? "betasq"
                        : metric == ImportanceMetric::pratt ? "pratt"
                        : metric == ImportanceMetric::car   ? "car"
                                                            : "relative_weights") +
                       ": predictor sets are for lmg, dominance, first, last and kruskal");
  double r2a = 0.0;
  Eigen::MatrixXd pc = partial_corr(corr, u.always, u.mem, r2a);
  if (u.always.empty()) r2a = 0.0;
  const double scale = 1.0 - r2a;
  Eigen::MatrixXd rxx = pc.topLeftCorner(q, q);
  Eigen::VectorXd rxy = pc.col(q).head(q);
  Eigen::VectorXd out;
  if (metric == ImportanceMetric::betasq || metric == ImportanceMetric::pratt) {
    Eigen::VectorXd beta = rxx.ldlt().solve(rxy);
    out = metric == ImportanceMetric::betasq ? Eigen::VectorXd(beta.cwiseAbs2())
                                             : Eigen::VectorXd(beta.cwiseProduct(rxy));
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(rxx);
    Eigen::VectorXd ev = es.eigenvalues().cwiseMax(0.0);
    const Eigen::MatrixXd& v = es.eigenvectors();
    Eigen::VectorXd z = v * ev.cwiseSqrt().cwiseInverse().asDiagonal() * (v.transpose() * rxy);  // Λ^-1 r_xy
    if (metric == ImportanceMetric::car) {
      out = z.cwiseAbs2();
    } else {
      Eigen::MatrixXd lambda = v * ev.cwiseSqrt().asDiagonal() * v.transpose();
      out = lambda.cwiseAbs2() * z.cwiseAbs2();
    }
  }
  (void)names;
  return out * scale;
}

}  // namespace

Eigen::VectorXd importance_metric(Eigen::Ref<const Eigen::MatrixXd> corr, ImportanceMetric metric,
                                  const DriverConfig& config, const DominanceSpec& spec, int workers,
                                  const std::vector<std::string>& names) {
  config.validate();
  check_corr_shape(corr);
  const int p = static_cast<int>(corr.rows()) - 1;
  Units u = make_units(spec, p, names);
  check_collinearity(corr, config.collinearity_tol, names);
  return metric_impl(corr, metric, config, u, workers, false, nullptr, names);
}

// ---------------------------------------------------------------- relative weights

RelativeWeights relative_weights(Eigen::Ref<const Eigen::MatrixXd> corr, const DriverConfig& config,
                                 const std::vector<std::string>& names) {
  const Eigen::Index m = corr.rows();
  if (m < 2 || corr.cols() != m) throw input_error("correlation matrix: expected (p+1) x (p+1) with p >= 1");
  const Eigen::Index p = m - 1;
  check_collinearity(corr, config.collinearity_tol, names);
  Eigen::MatrixXd rxx = corr.topLeftCorner(p, p);
  Eigen::VectorXd rxy = corr.col(p).head(p);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(rxx);
  Eigen::VectorXd ev = es.eigenvalues().cwiseMax(0.0);
  const Eigen::MatrixXd& v = es.eigenvectors();
  Eigen::MatrixXd lambda = v * ev.cwiseSqrt().asDiagonal() * v.transpose();
  Eigen::VectorXd beta_z = v * ev.cwiseSqrt().cwiseInverse().asDiagonal() * (v.transpose() * rxy);
  RelativeWeights out;
  out.raw = lambda.cwiseAbs2() * beta_z.cwiseAbs2();
  out.r2 = beta_z.squaredNorm();
  out.beta = rxx.ldlt().solve(rxy);
  out.sign = out.beta.unaryExpr([](double b) { return b < 0 ? -1.0 : 1.0; });
  return out;
}

namespace {
using detail::quantile7;  // type 7, NaN when empty (detail/quantile.hpp)
}  // namespace

RelativeWeightsTest relative_weights_test(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                          Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                          int workers) {
  config.validate();
  check_shapes(x, y, {});
  const Eigen::Index n = x.rows(), p = x.cols();
  check_weights(weights, n);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    bool ok = std::isfinite(y[i]) && (weights.size() == 0 || weights[i] > 0);
    for (Eigen::Index j = 0; j < p && ok; ++j) ok = std::isfinite(x(i, j));
    if (ok) rows.push_back(i);
  }
  const auto nu = static_cast<Eigen::Index>(rows.size());
  if (nu <= p + 2) throw input_error("X, y: too few complete rows (" + std::to_string(nu) + ") for the bootstrap");
  // [X, z, y] on the complete rows, z drawn once from the seed
  RowMatrixXd data(nu, p + 2);
  Eigen::VectorXd w(nu);
  Rng zr(config.seed, 0xFFFFFFFFULL);
  for (Eigen::Index r = 0; r < nu; ++r) {
    const Eigen::Index i = rows[static_cast<std::size_t>(r)];
    data.row(r).head(p) = x.row(i);
    data(r, p) = zr.normal();
    data(r, p + 1) = y[i];
    w[r] = weights.size() ? weights[i] : 1.0;
  }
  const int B = config.n_bootstrap;
  RelativeWeightsTest out;
  out.n_bootstrap = B;
  Eigen::MatrixXd reps(B, p + 1);
  std::vector<char> ok(static_cast<std::size_t>(B), 0);
  detail::parallel_for(B, workers, 1, [&](std::ptrdiff_t b0, std::ptrdiff_t b1, int) {
    Eigen::VectorXd mean(p + 2), d(p + 2);
    Eigen::MatrixXd cov(p + 2, p + 2), corr(p + 2, p + 2);
    for (std::ptrdiff_t b = b0; b < b1; ++b) {
      detail::check_interrupt();  // Ctrl-C (interrupt.hpp)
      Rng rng(config.seed, static_cast<std::uint64_t>(b) + 1);
      std::vector<Eigen::Index> pick(static_cast<std::size_t>(nu));
      for (auto& v : pick) v = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(nu)));
      double sw = 0;
      mean.setZero();
      for (auto i : pick) {
        sw += w[i];
        mean += w[i] * data.row(i).transpose();
      }
      mean /= sw;
      cov.setZero();
      for (auto i : pick) {
        d = data.row(i).transpose() - mean;
        cov.selfadjointView<Eigen::Lower>().rankUpdate(d, w[i]);
      }
      cov = cov.selfadjointView<Eigen::Lower>();
      bool good = true;
      for (Eigen::Index j = 0; j < p + 2; ++j) good = good && cov(j, j) > 1e-24 * std::max(1.0, mean[j] * mean[j]);
      if (!good) continue;
      Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
      corr = sd.cwiseInverse().asDiagonal() * cov * sd.cwiseInverse().asDiagonal();
      try {
        RelativeWeights rw = relative_weights(corr, config);
        reps.row(b) = rw.raw.transpose();
        ok[static_cast<std::size_t>(b)] = 1;
      } catch (const input_error&) {
        // a collinear resample: skipped and counted
      }
    }
  });
  out.ci_low.resize(p);
  out.ci_high.resize(p);
  out.diff_low.resize(p);
  out.diff_high.resize(p);
  out.p_value.resize(p);
  std::vector<double> rnd;
  for (int b = 0; b < B; ++b)
    if (ok[static_cast<std::size_t>(b)]) rnd.push_back(reps(b, p));
  out.n_failed = B - static_cast<int>(rnd.size());
  out.random_weight = rnd.empty() ? std::numeric_limits<double>::quiet_NaN()
                                  : std::accumulate(rnd.begin(), rnd.end(), 0.0) / static_cast<double>(rnd.size());
  const double lo = config.alpha / 2, hi = 1 - config.alpha / 2;
  for (Eigen::Index j = 0; j < p; ++j) {
    std::vector<double> v, dv;
    for (int b = 0; b < B; ++b)
      if (ok[static_cast<std::size_t>(b)]) {
        v.push_back(reps(b, j));
        dv.push_back(reps(b, j) - reps(b, p));
      }
    out.ci_low[j] = quantile7(v, lo);
    out.ci_high[j] = quantile7(v, hi);
    out.diff_low[j] = quantile7(dv, lo);
    out.diff_high[j] = quantile7(dv, hi);
    double le = 0, ge = 0;
    for (double t : dv) {
      le += t <= 0 ? 1 : 0;
      ge += t >= 0 ? 1 : 0;
    }
    const double nb = static_cast<double>(dv.size());
    out.p_value[j] = dv.empty() ? std::numeric_limits<double>::quiet_NaN() : std::min(1.0, 2 * std::min(le, ge) / nb);
  }
  return out;
}

// ---------------------------------------------------------------- bootstrap of the metrics

std::vector<std::int64_t> bootstrap_indices(std::int64_t n, std::uint64_t seed, std::int64_t b) {
  if (n < 1) throw input_error("bootstrap_indices: n = " + std::to_string(n) + "; expected >= 1");
  if (b < 0) throw input_error("bootstrap_indices: resample " + std::to_string(b) + "; expected >= 0");
  Rng rng(seed, static_cast<std::uint64_t>(b) + 1);
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n)));
  return out;
}

namespace {

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

/// Percentile or BCa limits of `reps` (NaN-free, any order) for the estimate `est`; `jack` the
/// leave-one-out values (BCa only). Writes z0 and the acceleration.
void interval_of(std::vector<double> reps, double est, const std::vector<double>& jack, double alpha, bool bca,
                 double& lo, double& hi, double& z0, double& acc) {
  const double NaN = std::numeric_limits<double>::quiet_NaN();
  lo = hi = NaN;
  z0 = acc = NaN;
  if (reps.empty()) return;
  std::sort(reps.begin(), reps.end());
  double qlo = alpha / 2, qhi = 1 - alpha / 2;
  if (bca) {
    std::size_t below = 0;
    for (double t : reps) below += t < est ? 1 : 0;
    const double share = static_cast<double>(below) / static_cast<double>(reps.size());
    double mean = 0.0;
    for (double t : jack) mean += t;
    mean /= static_cast<double>(jack.size());
    double s2 = 0.0, s3 = 0.0;
    for (double t : jack) {
      const double l = mean - t;
      s2 += l * l;
      s3 += l * l * l;
    }
    acc = s2 > 0 ? s3 / (6.0 * std::pow(s2, 1.5)) : 0.0;
    if (!(share > 0.0 && share < 1.0)) return;  // the estimate outside the replicates: no BCa interval
    z0 = normal_quantile(share);
    const double zl = normal_quantile(qlo), zh = normal_quantile(qhi);
    qlo = normal_cdf(z0 + (z0 + zl) / (1 - acc * (z0 + zl)));
    qhi = normal_cdf(z0 + (z0 + zh) / (1 - acc * (z0 + zh)));
  }
  lo = detail::quantile7_sorted(reps.data(), reps.size(), qlo);
  hi = detail::quantile7_sorted(reps.data(), reps.size(), qhi);
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()), s = 0.0;
  for (double t : v) s += (t - m) * (t - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

/// Correlation from weighted sums of centred data: s0 = sum w, s1 = sum w x, s2 = sum w x x'.
/// False when a variable is constant.
bool corr_from_sums(double s0, const Eigen::VectorXd& s1, const Eigen::MatrixXd& s2, const Eigen::VectorXd& scale,
                    Eigen::MatrixXd& corr) {
  if (!(s0 > 0)) return false;
  Eigen::VectorXd mean = s1 / s0;
  Eigen::MatrixXd cov = s2 / s0 - mean * mean.transpose();
  const Eigen::Index m = cov.rows();
  for (Eigen::Index j = 0; j < m; ++j)
    if (!(cov(j, j) > 1e-24 * scale[j] * scale[j])) return false;
  Eigen::VectorXd sd = cov.diagonal().cwiseSqrt().cwiseInverse();
  corr = sd.asDiagonal() * cov * sd.asDiagonal();
  corr.diagonal().setOnes();
  return true;
}

/// Dominance relations of one result: 1 / -1 / 0 per pair for complete, conditional, general.
void relations(const DominanceResult& r, double tol, Eigen::MatrixXd& comp, Eigen::MatrixXd& cond,
               Eigen::MatrixXd& gen) {
  const Eigen::Index q = r.general.size();
  for (Eigen::Index i = 0; i < q; ++i)
    for (Eigen::Index j = 0; j < q; ++j) {
      if (i == j) continue;
      if (r.complete.size()) comp(i, j) += r.complete(i, j) == 1 ? 1.0 : 0.0;
      bool ge = true, gt = false;
      for (Eigen::Index k = 0; k < q; ++k) {
        const double d = r.conditional(i, k) - r.conditional(j, k);
        if (d < -tol) ge = false;
        if (d > tol) gt = true;
      }
      cond(i, j) += ge && gt ? 1.0 : 0.0;
      gen(i, j) += r.general[i] - r.general[j] > tol ? 1.0 : 0.0;
    }
}

}  // namespace

DriverBootstrap driver_bootstrap(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                 Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                 ImportanceMetric metric, DriverInterval interval, const DominanceSpec& spec,
                                 bool dominance_shares, int workers, const std::vector<std::string>& names,
                                 const std::function<void()>& check) {
  config.validate();
  if (config.missing != MissingPolicy::listwise)
    throw config_error("missing: bootstrap intervals resample complete rows; expected missing = listwise");
  if (config.n_bootstrap < 2)
    throw config_error("n_bootstrap: " + std::to_string(config.n_bootstrap) + "; expected >= 2 for intervals");
  if (dominance_shares && metric != ImportanceMetric::lmg)
    throw config_error("dominance shares: only with the lmg metric (dominance analysis)");
  // the estimate, with the named errors of the full data
  CorrelationInput ci = correlation_from_data(x, y, weights, config, names);
  const int p = static_cast<int>(x.cols()), m = p + 1;
  Units u = make_units(spec, p, names);
  if (dominance_shares && u.q > config.complete_max_predictors)
    throw config_error("dominance shares: " + std::to_string(u.q) + " units, above complete_max_predictors " +
                       std::to_string(config.complete_max_predictors));
  check_collinearity(ci.corr, config.collinearity_tol, names);
  DriverBootstrap out;
  DominanceResult est_dom;
  out.estimate = metric_impl(ci.corr, metric, config, u, 1, dominance_shares, &est_dom, names);
  const int q = u.q;
  // complete rows, centred at their weighted mean
  const Eigen::Index n = x.rows();
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    bool ok = std::isfinite(y[i]) && (weights.size() == 0 || weights[i] > 0);
    for (Eigen::Index j = 0; j < p && ok; ++j) ok = std::isfinite(x(i, j));
    if (ok) rows.push_back(i);
  }
  const auto nu = static_cast<Eigen::Index>(rows.size());
  out.n_used = nu;
  Eigen::MatrixXd data(nu, m);
  Eigen::VectorXd w(nu);
  for (Eigen::Index r = 0; r < nu; ++r) {
    const Eigen::Index i = rows[static_cast<std::size_t>(r)];
    for (Eigen::Index j = 0; j < p; ++j) data(r, j) = x(i, j);
    data(r, p) = y[i];
    w[r] = weights.size() ? weights[i] : 1.0;
  }
  Eigen::VectorXd scale(m);
  for (int j = 0; j < m; ++j) scale[j] = std::max(1.0, std::abs(ci.mean[j]));
  data.rowwise() -= ci.mean.transpose();
  const int B = config.n_bootstrap;
  out.n_bootstrap = B;
  const double NaN = std::numeric_limits<double>::quiet_NaN();
  out.replicates = Eigen::MatrixXd::Constant(B, q, NaN);
  std::vector<DominanceResult> doms(dominance_shares ? static_cast<std::size_t>(B) : 0);
  std::vector<char> ok(static_cast<std::size_t>(B), 0);
  const int chunk = 256;  // resamples between interrupt checks
  for (int c0 = 0; c0 < B; c0 += chunk) {
    const int c1 = std::min(B, c0 + chunk);
    detail::parallel_for(c1 - c0, workers, 1, [&](std::ptrdiff_t b0, std::ptrdiff_t b1, int) {
      Eigen::VectorXd cw(nu), s1(m);
      Eigen::MatrixXd s2(m, m), corr(m, m);
      for (std::ptrdiff_t bb = b0; bb < b1; ++bb) {
        const auto b = static_cast<std::size_t>(c0 + bb);
        Rng rng(config.seed, static_cast<std::uint64_t>(b) + 1);  // as bootstrap_indices
        cw.setZero();
        for (Eigen::Index k = 0; k < nu; ++k)
          cw[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(nu)))] += 1.0;
        cw.array() *= w.array();
        s1.noalias() = data.transpose() * cw;
        s2.noalias() = data.transpose() * cw.asDiagonal() * data;
        if (!corr_from_sums(cw.sum(), s1, s2, scale, corr)) continue;
        try {
          check_collinearity(corr, config.collinearity_tol, names);
          DominanceResult d;
          Eigen::VectorXd v = metric_impl(corr, metric, config, u, 1, dominance_shares, &d, names);
          if (!v.allFinite()) continue;
          out.replicates.row(static_cast<Eigen::Index>(b)) = v.transpose();
          if (dominance_shares) doms[b] = std::move(d);
          ok[b] = 1;
        } catch (const input_error&) {
          // a collinear resample: skipped and counted
        }
      }
    });
    if (check) check();
  }
  const bool bca = interval == DriverInterval::bca;
  // leave-one-row-out jackknife (BCa acceleration), by downdating the weighted sums
  Eigen::MatrixXd jack;
  if (bca) {
    jack = Eigen::MatrixXd::Constant(nu, q, NaN);
    const double t0 = w.sum();
    const Eigen::VectorXd t1 = data.transpose() * w;
    const Eigen::MatrixXd t2 = data.transpose() * w.asDiagonal() * data;
    const Eigen::Index jchunk = 1024;
    for (Eigen::Index c0 = 0; c0 < nu; c0 += jchunk) {
      const Eigen::Index c1 = std::min(nu, c0 + jchunk);
      detail::parallel_for(c1 - c0, workers, 1, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int) {
        Eigen::MatrixXd corr(m, m), s2(m, m);
        Eigen::VectorXd s1(m), d(m);
        for (std::ptrdiff_t ii = i0; ii < i1; ++ii) {
          const Eigen::Index i = c0 + ii;
          d = data.row(i).transpose();
          s1 = t1 - w[i] * d;
          s2 = t2 - w[i] * d * d.transpose();
          if (!corr_from_sums(t0 - w[i], s1, s2, scale, corr)) continue;
          try {
            Eigen::VectorXd v = metric_impl(corr, metric, config, u, 1, false, nullptr, names);
            jack.row(i) = v.transpose();
          } catch (const input_error&) {
          }
        }
      });
      if (check) check();
    }
    for (Eigen::Index i = 0; i < nu; ++i)
      if (!jack.row(i).allFinite())
        throw input_error("bca: leaving out row " + std::to_string(rows[static_cast<std::size_t>(i)]) +
                          " makes the analysis undefined (a constant or collinear column); use the percentile "
                          "interval");
  }
  std::vector<int> kept;
  for (int b = 0; b < B; ++b)
    if (ok[static_cast<std::size_t>(b)]) kept.push_back(b);
  out.n_failed = B - static_cast<int>(kept.size());
  auto column = [&](const std::function<double(Eigen::Index)>& f) {
    std::vector<double> v;
    v.reserve(kept.size());
    for (int b : kept) v.push_back(f(b));
    return v;
  };
  auto jcol = [&](const std::function<double(Eigen::Index)>& f) {
    std::vector<double> v;
    if (bca)
      for (Eigen::Index i = 0; i < nu; ++i) v.push_back(f(i));
    return v;
  };
  out.lower.resize(q);
  out.upper.resize(q);
  out.se.resize(q);
  out.z0.resize(q);
  out.acceleration.resize(q);
  for (int j = 0; j < q; ++j) {
    auto reps = column([&](Eigen::Index b) { return out.replicates(b, j); });
    auto jk = jcol([&](Eigen::Index i) { return jack(i, j); });
    interval_of(reps, out.estimate[j], jk, config.alpha, bca, out.lower[j], out.upper[j], out.z0[j],
                out.acceleration[j]);
    out.se[j] = sd_of(reps);
  }
  const int npairs = q * (q - 1) / 2;
  out.pairs.resize(npairs, 2);
  out.diff_estimate.resize(npairs);
  out.diff_lower.resize(npairs);
  out.diff_upper.resize(npairs);
  out.diff_se.resize(npairs);
  int k = 0;
  for (int i = 0; i < q; ++i)
    for (int j = i + 1; j < q; ++j, ++k) {
      out.pairs(k, 0) = i;
      out.pairs(k, 1) = j;
      out.diff_estimate[k] = out.estimate[i] - out.estimate[j];
      auto reps = column([&](Eigen::Index b) { return out.replicates(b, i) - out.replicates(b, j); });
      auto jk = jcol([&](Eigen::Index r) { return jack(r, i) - jack(r, j); });
      double z0 = 0, a = 0;
      interval_of(reps, out.diff_estimate[k], jk, config.alpha, bca, out.diff_lower[k], out.diff_upper[k], z0, a);
      out.diff_se[k] = sd_of(reps);
    }
  if (dominance_shares) {
    out.complete_share = Eigen::MatrixXd::Zero(q, q);
    out.conditional_share = Eigen::MatrixXd::Zero(q, q);
    out.general_share = Eigen::MatrixXd::Zero(q, q);
    for (int b : kept)
      relations(doms[static_cast<std::size_t>(b)], config.dominance_tol, out.complete_share, out.conditional_share,
                out.general_share);
    if (!kept.empty()) {
      const double nk = static_cast<double>(kept.size());
      out.complete_share /= nk;
      out.conditional_share /= nk;
      out.general_share /= nk;
    }
  }
  return out;
}

// ---------------------------------------------------------------- dominance of a binary outcome

namespace {

/// Weighted log-likelihood of a logistic regression of y on the columns `cols` of x (with an
/// intercept), by IRLS. False when it does not converge (separation).
bool logistic_loglik(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                     const std::vector<int>& cols, double& ll) {
  const Eigen::Index n = x.rows(), k = static_cast<Eigen::Index>(cols.size()) + 1;
  Eigen::MatrixXd d(n, k);
  d.col(0).setOnes();
  for (Eigen::Index c = 1; c < k; ++c) d.col(c) = x.col(cols[static_cast<std::size_t>(c - 1)]);
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(k), eta(n), mu(n), z(n), ww(n);
  const double ybar = y.dot(w) / w.sum();
  beta[0] = std::log(ybar / (1 - ybar));
  double prev = -std::numeric_limits<double>::infinity();
  for (int it = 0; it < 100; ++it) {
    eta = d * beta;
    double cur = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double e = eta[i];
      // log(1 + exp(e)) without overflow
      const double l1p = e > 0 ? e + std::log1p(std::exp(-e)) : std::log1p(std::exp(e));
      cur += w[i] * (y[i] * e - l1p);
      mu[i] = 1.0 / (1.0 + std::exp(-e));
      const double v = std::max(mu[i] * (1 - mu[i]), 1e-300);
      ww[i] = w[i] * v;
      z[i] = e + (y[i] - mu[i]) / v;
    }
    if (std::abs(cur - prev) <= 1e-12 * (std::abs(cur) + 1e-12)) {
      ll = cur;
      return beta.cwiseAbs().maxCoeff() < 1e6 && !(cur > -1e-8 * w.sum());
    }
    prev = cur;
    Eigen::MatrixXd xtwx = d.transpose() * ww.asDiagonal() * d;
    Eigen::VectorXd xtwz = d.transpose() * ww.cwiseProduct(z);
    Eigen::LDLT<Eigen::MatrixXd> ldlt(xtwx);
    if (ldlt.info() != Eigen::Success) return false;
    beta = ldlt.solve(xtwz);
    if (!beta.allFinite()) return false;
  }
  return false;
}

}  // namespace

DominanceResult dominance_logistic(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                                   Eigen::Ref<const Eigen::VectorXd> weights, const DriverConfig& config,
                                   PseudoR2 statistic, const DominanceSpec& spec, int workers,
                                   const std::vector<std::string>& names, const std::function<void()>& check) {
  config.validate();
  check_shapes(x, y, names);
  const Eigen::Index n = x.rows();
  const int p = static_cast<int>(x.cols());
  check_weights(weights, n);
  for (Eigen::Index i = 0; i < n; ++i)
    if (!std::isnan(y[i]) && y[i] != 0.0 && y[i] != 1.0)
      throw input_error("y: row " + std::to_string(i) + ": " + format_number(y[i]) +
                        "; a binary outcome takes the values 0 and 1 (or NaN: missing)");
  // listwise rows; the correlations check constant and collinear predictors with named errors
  DriverConfig lc = config;
  lc.missing = MissingPolicy::listwise;
  CorrelationInput ci = correlation_from_data(x, y, weights, lc, names);
  Units u = make_units(spec, p, names);
  check_collinearity(ci.corr, config.collinearity_tol, names);
  const int q = u.q;
  if (q > std::min(config.exact_max_predictors, 20))
    throw config_error("logistic dominance: " + std::to_string(q) + " units; it fits 2^q models, at most 20 units");
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    bool ok = !std::isnan(y[i]) && (weights.size() == 0 || weights[i] > 0);
    for (Eigen::Index j = 0; j < p && ok; ++j) ok = !std::isnan(x(i, j));
    if (ok) rows.push_back(i);
  }
  const auto nu = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd xd(nu, p);
  Eigen::VectorXd yd(nu), wd(nu);
  for (Eigen::Index r = 0; r < nu; ++r) {
    const Eigen::Index i = rows[static_cast<std::size_t>(r)];
    xd.row(r) = x.row(i);
    yd[r] = y[i];
    wd[r] = weights.size() ? weights[i] : 1.0;
  }
  const double sw = wd.sum(), ybar = yd.dot(wd) / sw;
  const double ll0 = sw * (ybar * std::log(ybar) + (1 - ybar) * std::log(1 - ybar));
  auto stat = [&](double ll) {
    return statistic == PseudoR2::mcfadden ? 1.0 - ll / ll0 : 1.0 - std::pow(ll / ll0, -(2.0 / sw) * ll0);
  };
  const std::uint64_t total = 1ULL << q;
  std::vector<double> all(total, 0.0);
  std::vector<std::uint64_t> failed(total, 0);
  const std::ptrdiff_t chunk = 256;
  // the always-only model is the baseline
  double ll_a = ll0;
  if (!u.always.empty() && !logistic_loglik(xd, yd, wd, u.always, ll_a))
    throw input_error("logistic dominance: the model of the always predictors does not converge (separation)");
  const double base = u.always.empty() ? 0.0 : stat(ll_a);
  for (std::ptrdiff_t c0 = 0; c0 < static_cast<std::ptrdiff_t>(total); c0 += chunk) {
    const std::ptrdiff_t c1 = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(total), c0 + chunk);
    detail::parallel_for(c1 - c0, workers, 1, [&](std::ptrdiff_t s0, std::ptrdiff_t s1, int) {
      for (std::ptrdiff_t ss = s0; ss < s1; ++ss) {
        const auto s = static_cast<std::uint64_t>(c0 + ss);
        if (s == 0) continue;
        double ll = 0.0;
        if (!logistic_loglik(xd, yd, wd, unit_mask_members(u, s, true), ll)) {
          failed[s] = 1;
          continue;
        }
        all[s] = stat(ll) - base;
      }
    });
    if (check) check();
  }
  for (std::uint64_t s = 1; s < total; ++s)
    if (failed[s]) {
      std::string with;
      for (int j : unit_mask_members(u, s, true)) with += (with.empty() ? "" : ", ") + col_name(names, j);
      throw input_error("logistic dominance: the model with " + with +
                        " does not converge (complete or quasi-complete separation: the predictors "
                        "predict the outcome perfectly); drop or combine them");
    }
  DominanceResult res;
  res.r2_always = base;
  res.r2 = all[total - 1] + base;
  general_from_all(all, q, res);
  res.r2_single.resize(q);
  for (int k = 0; k < q; ++k) res.r2_single[k] = all[1ULL << k];
  res.se = Eigen::VectorXd::Zero(q);
  res.exact = true;
  res.n_evaluated = static_cast<std::int64_t>(total);
  if (q >= 2 && q <= config.complete_max_predictors)
    complete_from_all(all, q, config.dominance_tol, workers, check, res);
  return res;
}

// ---------------------------------------------------------------- penalty-reward contrasts

PenaltyReward penalty_reward(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> y,
                             Eigen::Ref<const Eigen::VectorXd> weights, const PenaltyRewardConfig& config,
                             const std::vector<std::string>& names) {
  config.validate();
  check_shapes(x, y, names);
  const Eigen::Index n = x.rows(), p = x.cols();
  check_weights(weights, n);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    bool ok = std::isfinite(y[i]) && (weights.size() == 0 || weights[i] > 0);
    for (Eigen::Index j = 0; j < p && ok; ++j) ok = std::isfinite(x(i, j));
    if (ok) rows.push_back(i);
  }
  PenaltyReward out;
  out.n_used = static_cast<std::int64_t>(rows.size());
  out.n_dropped = n - out.n_used;
  if (!rows.empty()) {
    // a constant outcome has nothing to explain: the contrasts would be rounding noise
    double sw0 = 0, sy = 0, ss = 0;
    for (auto i : rows) {
      const double wi = weights.size() ? weights[i] : 1.0;
      sw0 += wi;
      sy += wi * y[i];
    }
    const double ym = sy / sw0;
    for (auto i : rows) ss += (weights.size() ? weights[i] : 1.0) * (y[i] - ym) * (y[i] - ym);
    const double scale = std::max(1.0, std::abs(ym));
    if (!(ss / sw0 > 1e-24 * scale * scale))
      throw input_error("y: the outcome is constant (value " + format_number(ym) + ") over the " +
                        std::to_string(rows.size()) +
                        " rows used; penalty and reward explain its variation, and it has none");
  }
  out.n_low = Eigen::VectorXi::Zero(p);
  out.n_high = Eigen::VectorXi::Zero(p);
  for (auto i : rows)
    for (Eigen::Index j = 0; j < p; ++j) {
      out.n_low[j] += x(i, j) <= config.low_max ? 1 : 0;
      out.n_high[j] += x(i, j) >= config.high_min ? 1 : 0;
    }
  // design: intercept, then the dummies with at least one answer
  std::vector<std::pair<Eigen::Index, bool>> cols;  // (attribute, is_high)
  for (Eigen::Index j = 0; j < p; ++j) {
    if (out.n_low[j] > 0) cols.emplace_back(j, false);
    if (out.n_high[j] > 0) cols.emplace_back(j, true);
  }
  const auto k = static_cast<Eigen::Index>(cols.size()) + 1;
  const auto nu = static_cast<Eigen::Index>(rows.size());
  if (nu <= k)
    throw input_error("X, y: " + std::to_string(nu) + " complete row(s) for " + std::to_string(k) +
                      " regression terms (intercept and box dummies); expected more rows than terms");
  Eigen::MatrixXd d(nu, k);
  Eigen::VectorXd t(nu);
  double sw = 0, swy = 0;
  for (Eigen::Index r = 0; r < nu; ++r) {
    const Eigen::Index i = rows[static_cast<std::size_t>(r)];
    const double wi = weights.size() ? weights[i] : 1.0, sq = std::sqrt(wi);
    d(r, 0) = sq;
    for (Eigen::Index c = 1; c < k; ++c) {
      const auto& col = cols[static_cast<std::size_t>(c - 1)];
      bool on = col.second ? x(i, col.first) >= config.high_min : x(i, col.first) <= config.low_max;
      d(r, c) = on ? sq : 0.0;
    }
    t[r] = sq * y[i];
    sw += wi;
    swy += wi * y[i];
  }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(d);
  qr.setThreshold(1e-10);
  if (qr.rank() < k) {
    // find the first term that depends on the earlier ones
    for (Eigen::Index c = 1; c <= k; ++c) {
      Eigen::ColPivHouseholderQR<Eigen::MatrixXd> q2(d.leftCols(c));
      q2.setThreshold(1e-10);
      if (q2.rank() < c) {
        const auto& col = cols[static_cast<std::size_t>(c - 2)];
        throw input_error("attribute " + col_name(names, col.first) +
                          ": its bottom-box and top-box dummies are collinear with the intercept and the other "
                          "dummies (every answer is in the bottom or top box, or the boxes coincide with another "
                          "attribute's); no middle answers to contrast with: widen the middle (low_max, high_min) "
                          "or drop the attribute");
      }
    }
  }
  Eigen::VectorXd coef = qr.solve(t);
  const double ybar = swy / sw;
  double sst = 0, sse = (d * coef - t).squaredNorm();
  for (Eigen::Index r = 0; r < nu; ++r) {
    const Eigen::Index i = rows[static_cast<std::size_t>(r)];
    const double wi = weights.size() ? weights[i] : 1.0;
    sst += wi * (y[i] - ybar) * (y[i] - ybar);
  }
  out.r2 = sst > 0 ? 1.0 - sse / sst : 0.0;
  out.intercept = coef[0];
  const double NaN = std::numeric_limits<double>::quiet_NaN();
  out.penalty = Eigen::VectorXd::Constant(p, NaN);
  out.reward = Eigen::VectorXd::Constant(p, NaN);
  for (Eigen::Index c = 1; c < k; ++c) {
    const auto& col = cols[static_cast<std::size_t>(c - 1)];
    if (col.second)
      out.reward[col.first] = coef[c];
    else
      out.penalty[col.first] = -coef[c];
  }
  out.asymmetry.resize(p);
  out.factor_class.resize(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double pen = std::abs(out.penalty[j]), rew = std::abs(out.reward[j]);
    const double ia = (rew - pen) / (rew + pen);
    out.asymmetry[j] = std::isfinite(ia) ? ia : NaN;
    FactorClass fc = FactorClass::unclassified;
    if (std::isfinite(ia))
      fc = ia > config.asymmetry_threshold    ? FactorClass::exciting
           : ia < -config.asymmetry_threshold ? FactorClass::basic
                                              : FactorClass::performance;
    out.factor_class[j] = static_cast<std::int8_t>(fc);
  }
  return out;
}

// ---------------------------------------------------------------- IPA

const char* to_string(IpaQuadrant q) {
  switch (q) {
    case IpaQuadrant::concentrate_here:
      return "concentrate_here";
    case IpaQuadrant::keep_up_good_work:
      return "keep_up_good_work";
    case IpaQuadrant::low_priority:
      return "low_priority";
    case IpaQuadrant::possible_overkill:
      return "possible_overkill";
    case IpaQuadrant::none:
      return "none";
  }
  return "none";
}

IpaQuadrant ipa_quadrant(double performance, double importance, double performance_cut, double importance_cut) {
  if (std::isnan(performance) || std::isnan(importance) || std::isnan(performance_cut) || std::isnan(importance_cut))
    return IpaQuadrant::none;
  const double ptol = 1e-9 * std::max(1.0, std::abs(performance_cut));
  const double itol = 1e-9 * std::max(1.0, std::abs(importance_cut));
  const bool hi_perf = performance >= performance_cut - ptol, hi_imp = importance > importance_cut + itol;
  return hi_imp ? (hi_perf ? IpaQuadrant::keep_up_good_work : IpaQuadrant::concentrate_here)
                : (hi_perf ? IpaQuadrant::possible_overkill : IpaQuadrant::low_priority);
}

IpaResult ipa(Eigen::Ref<const Eigen::VectorXd> performance, Eigen::Ref<const Eigen::VectorXd> importance,
              const IpaConfig& config, const std::vector<std::string>& names) {
  config.validate();
  const Eigen::Index k = performance.size();
  if (k == 0) throw input_error("performance: no attributes");
  if (importance.size() != k)
    throw input_error("importance: expected " + std::to_string(k) + " values (one per attribute), got " +
                      std::to_string(importance.size()));
  for (Eigen::Index j = 0; j < k; ++j) {
    if (!std::isfinite(performance[j]))
      throw input_error("performance: attribute " + col_name(names, j) + " is " + format_number(performance[j]) +
                        "; expected a finite number");
    if (!std::isfinite(importance[j]))
      throw input_error("importance: attribute " + col_name(names, j) + " is " + format_number(importance[j]) +
                        "; expected a finite number");
  }
  auto median = [](Eigen::VectorXd v) {
    std::sort(v.data(), v.data() + v.size());
    const Eigen::Index h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
  };
  double imin = config.importance_min, imax = config.importance_max;
  if (std::isnan(imin)) {
    imin = importance.minCoeff();
    imax = importance.maxCoeff();
  }
  IpaResult out;
  out.quadrant.resize(k);
  out.priority.resize(k);
  const double prange = config.scale_max - config.scale_min, irange = imax - imin;
  for (Eigen::Index j = 0; j < k; ++j) {
    const double pn = (performance[j] - config.scale_min) / prange;
    const double in = irange > 0 ? (importance[j] - imin) / irange : 0.5;
    out.priority[j] = in - pn;
  }
  switch (config.crosshair) {
    case Crosshair::data_mean:
      out.performance_cut = performance.mean();
      out.importance_cut = importance.mean();
      break;
    case Crosshair::data_median:
      out.performance_cut = median(performance);
      out.importance_cut = median(importance);
      break;
    default:  // scale and diagonal: the centre of the scales
      out.performance_cut = 0.5 * (config.scale_min + config.scale_max);
      out.importance_cut = 0.5 * (imin + imax);
  }
  for (Eigen::Index j = 0; j < k; ++j) {
    IpaQuadrant q = ipa_quadrant(performance[j], importance[j], out.performance_cut, out.importance_cut);
    if (config.crosshair == Crosshair::diagonal) {
      if (out.priority[j] > 0)
        q = IpaQuadrant::concentrate_here;
      else if (q == IpaQuadrant::concentrate_here)  // on the line: high-high counts as keep up
        q = IpaQuadrant::keep_up_good_work;
    }
    out.quadrant[j] = static_cast<std::int8_t>(q);
  }
  return out;
}

}  // namespace servscore
