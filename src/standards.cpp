#include "servscore/standards.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

PChart p_chart(Eigen::Ref<const Eigen::VectorXd> met, Eigen::Ref<const Eigen::VectorXd> n, double sigma) {
  if (met.size() != n.size())
    throw input_error("p_chart: met has " + std::to_string(met.size()) + " periods, n has " + std::to_string(n.size()));
  if (!(sigma > 0) || !std::isfinite(sigma))
    throw config_error("sigma: " + detail::format_number(sigma) + " is out of range; expected a number > 0");
  const Eigen::Index k = n.size();
  double sm = 0, sn = 0;
  for (Eigen::Index i = 0; i < k; ++i) {
    if (!(n[i] >= 0) || !(met[i] >= 0) || met[i] > n[i])
      throw input_error("p_chart: period " + std::to_string(i) + " has met " + detail::format_number(met[i]) +
                        " of n " + detail::format_number(n[i]) + "; expected 0 <= met <= n");
    sm += met[i];
    sn += n[i];
  }
  PChart c;
  c.center = sn > 0 ? sm / sn : kNaN;
  c.p.resize(k);
  c.lower.resize(k);
  c.upper.resize(k);
  c.signal.setZero(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    if (n[i] > 0) {
      const double half = sigma * std::sqrt(c.center * (1 - c.center) / n[i]);
      c.p[i] = met[i] / n[i];
      c.lower[i] = std::max(0.0, c.center - half);
      c.upper[i] = std::min(1.0, c.center + half);
      c.signal[i] = c.p[i] < c.lower[i] ? -1 : (c.p[i] > c.upper[i] ? 1 : 0);
    } else {
      c.p[i] = c.lower[i] = c.upper[i] = kNaN;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Standards

void StandardSet::check_schema(const std::vector<std::string>& schema) const {
  std::vector<std::string> names;
  for (const auto& s : standards) names.push_back("standard '" + s.id + "'");
  met.check_schema(schema, names);
  applies.check_schema(schema, names);
}

bool StandardSet::operator==(const StandardSet& o) const {
  if (standards.size() != o.standards.size() || description != o.description || !(applies == o.applies) ||
      !(met == o.met))
    return false;
  for (std::size_t i = 0; i < standards.size(); ++i) {
    const auto &a = standards[i], &b = o.standards[i];
    if (a.id != b.id || a.dimension != b.dimension || a.level != b.level || a.description != b.description)
      return false;
  }
  return true;
}

StandardSet standards_from_json(std::string_view text, const std::vector<std::string>& schema) {
  json::value v = detail::parse_json(text, "standards");
  StandardSet s;
  detail::ObjectReader top(v, "standards");
  top.string("description", s.description);
  const json::value* sv = top.raw("standards");
  top.finish();
  if (!sv) throw config_error("standards: the key 'standards' (a list of standards) is required");
  if (!sv->is_array())
    throw config_error("standards.standards: expected a list, got " + std::string(detail::json_kind(*sv)));
  std::size_t i = 0;
  for (const auto& item : sv->get_array()) {
    std::string path = "standards[" + std::to_string(i++) + "]";
    Standard st;
    detail::ObjectReader r(item, path);
    r.string("id", st.id);
    if (st.id.empty()) throw config_error(path + ".id: required (a non-empty name)");
    path += " ('" + st.id + "')";
    for (const auto& prev : s.standards)
      if (prev.id == st.id) throw config_error(path + ".id: duplicate standard id '" + st.id + "'");
    r.string("dimension", st.dimension);
    r.string("level", st.level);
    r.string("description", st.description);
    const json::value* met = r.raw("met");
    const json::value* applies = r.raw("applies");
    r.finish();
    if (!met) throw config_error(path + ".met: required (the condition of compliance)");
    s.met.add(detail::dump_json(*met), path + ".met");
    if (applies)
      s.applies.add(detail::dump_json(*applies), path + ".applies");
    else
      s.applies.add_true();
    s.standards.push_back(std::move(st));
  }
  if (!schema.empty()) s.check_schema(schema);
  return s;
}

std::string to_json(const StandardSet& s) {
  json::array arr;
  for (std::size_t i = 0; i < s.standards.size(); ++i) {
    const auto& st = s.standards[i];
    json::object o{{"id", st.id}};
    if (!st.dimension.empty()) o["dimension"] = st.dimension;
    if (!st.level.empty()) o["level"] = st.level;
    if (!st.description.empty()) o["description"] = st.description;
    o["met"] = json::parse(s.met.condition_json(i));
    std::string ap = s.applies.condition_json(i);
    if (ap != "{\"all\":[]}") o["applies"] = json::parse(ap);
    arr.push_back(std::move(o));
  }
  json::object top;
  if (!s.description.empty()) top["description"] = s.description;
  top["standards"] = std::move(arr);
  return detail::dump_json(top);
}

RowMatrixXi8 check_standards(const StandardSet& s, RecordsRef data, const std::vector<std::string>& columns,
                             int workers) {
  RowMatrixXu8 complete;
  RowMatrixXu8 applies = s.applies.evaluate(data, columns, workers);
  RowMatrixXu8 met = s.met.evaluate(data, columns, workers, &complete);
  RowMatrixXi8 out(data.rows(), static_cast<Eigen::Index>(s.standards.size()));
  const std::int8_t na = static_cast<std::int8_t>(Compliance::not_applicable),
                    no = static_cast<std::int8_t>(Compliance::not_observed);
  for (Eigen::Index i = 0; i < out.size(); ++i) {
    const std::int8_t m = static_cast<std::int8_t>(met.data()[i]);
    out.data()[i] = applies.data()[i] ? (complete.data()[i] ? m : no) : na;
  }
  return out;
}

// count_compliance: one ComplianceState update (src/standards_state.cpp).

// ---------------------------------------------------------------------------------------------
// Time elements

void TimeConfig::validate() const {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    std::string w = "targets[" + std::to_string(i) + "]";
    if (t.column.empty()) throw config_error(w + ".column: required (the column of durations)");
    if (!std::isfinite(t.target) || t.target < 0)
      throw config_error(w + ".target: " + detail::format_number(t.target) + " for '" + t.column +
                         "'; expected a finite number >= 0");
    for (std::size_t j = 0; j < i; ++j)
      if (targets[j].column == t.column) throw config_error(w + ".column: duplicate column '" + t.column + "'");
  }
  for (std::size_t i = 0; i < quantiles.size(); ++i)
    if (!(quantiles[i] >= 0 && quantiles[i] <= 1))
      throw config_error("quantiles[" + std::to_string(i) + "]: " + detail::format_number(quantiles[i]) +
                         " is out of range; expected [0, 1]");
}

bool TimeConfig::operator==(const TimeConfig& o) const {
  if (targets.size() != o.targets.size() || quantiles != o.quantiles) return false;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto &a = targets[i], &b = o.targets[i];
    if (a.element != b.element || a.column != b.column || a.target != b.target || a.unit != b.unit) return false;
  }
  return true;
}

TimeConfig time_config_from_json(std::string_view text) {
  json::value v = detail::parse_json(text, "time config");
  TimeConfig c;
  detail::ObjectReader r(v, "config");
  if (const json::value* q = r.raw("quantiles")) {
    if (!q->is_array()) throw config_error("config.quantiles: expected a list of numbers in [0, 1]");
    c.quantiles.clear();
    for (const auto& x : q->get_array()) {
      if (!x.is_number()) throw config_error("config.quantiles: expected numbers, got " + detail::format_json(x));
      c.quantiles.push_back(x.to_number<double>());
    }
  }
  if (const json::value* t = r.raw("targets")) {
    if (!t->is_array()) throw config_error("config.targets: expected a list of {element, column, target, unit}");
    std::size_t i = 0;
    for (const auto& item : t->get_array()) {
      std::string path = "config.targets[" + std::to_string(i++) + "]";
      TimeTarget tt;
      detail::ObjectReader ir(item, path);
      ir.enumeration("element", tt.element);
      if (!ir.has("element")) throw config_error(path + ".element: required (one of the nine time elements)");
      ir.string("column", tt.column);
      ir.number("target", tt.target, 0);
      if (!ir.has("target")) throw config_error(path + ".target: required");
      ir.string("unit", tt.unit);
      ir.finish();
      c.targets.push_back(std::move(tt));
    }
  }
  r.finish();
  c.validate();
  return c;
}

std::string to_json(const TimeConfig& c) {
  json::array t, q;
  for (const auto& x : c.targets)
    t.push_back(
        json::object{{"element", to_string(x.element)}, {"column", x.column}, {"target", x.target}, {"unit", x.unit}});
  for (double x : c.quantiles) q.push_back(x);
  return detail::dump_json(json::object{{"targets", std::move(t)}, {"quantiles", std::move(q)}});
}

namespace {
// numpy's default ("linear", Hyndman & Fan type 7) quantile of sorted values
double quantile_sorted(const std::vector<double>& x, double q) {
  if (x.empty()) return kNaN;
  const double h = (static_cast<double>(x.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}
}  // namespace

TimeSummary summarize_times(const TimeConfig& config, RecordsRef values, Eigen::Ref<const VectorXi32> groups,
                            int n_groups, int workers) {
  config.validate();
  const Eigen::Index n = values.rows(), k = values.cols();
  if (k != static_cast<Eigen::Index>(config.targets.size()))
    throw input_error("values: expected " + std::to_string(config.targets.size()) + " columns (one per target), got " +
                      std::to_string(k));
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per record (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("groups: row " + std::to_string(i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_groups) + ")");
  }
  TimeSummary s;
  s.n.setZero(n_groups, k);
  s.n_missing.setZero(n_groups, k);
  s.attained.setZero(n_groups, k);
  s.mean.setConstant(n_groups, k, kNaN);
  s.mean_excess.setConstant(n_groups, k, kNaN);
  s.quantiles.assign(config.quantiles.size(), Eigen::MatrixXd::Constant(n_groups, k, kNaN));
  // one element per task: gather its values per group, sort, summarise
  detail::parallel_for(k, workers, 1, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    std::vector<std::vector<double>> by(static_cast<std::size_t>(n_groups));
    for (std::ptrdiff_t j = b; j < e; ++j) {
      const auto& tt = config.targets[static_cast<std::size_t>(j)];
      for (auto& v : by) v.clear();
      for (Eigen::Index i = 0; i < n; ++i) {
        const double x = values(i, j);
        const int g = grouped ? groups[i] : 0;
        if (std::isnan(x)) {
          s.n_missing(g, j) += 1;
          continue;
        }
        if (!(x >= 0) || !std::isfinite(x))
          throw input_error("row " + std::to_string(i) + ", column '" + tt.column + "': duration " +
                            detail::format_number(x) + " is invalid; expected a finite number >= 0");
        by[static_cast<std::size_t>(g)].push_back(x);
      }
      for (int g = 0; g < n_groups; ++g) {
        auto& v = by[static_cast<std::size_t>(g)];
        if (v.empty()) continue;
        std::sort(v.begin(), v.end());
        double sum = 0, excess = 0, att = 0;
        for (double x : v) {
          sum += x;
          excess += std::max(x - tt.target, 0.0);
          att += x <= tt.target;
        }
        const double m = static_cast<double>(v.size());
        s.n(g, j) = m;
        s.attained(g, j) = att;
        s.mean(g, j) = sum / m;
        s.mean_excess(g, j) = excess / m;
        for (std::size_t q = 0; q < config.quantiles.size(); ++q)
          s.quantiles[q](g, j) = quantile_sorted(v, config.quantiles[q]);
      }
    }
  });
  return s;
}

// ---------------------------------------------------------------------------------------------
// Moments of truth

void MomentsConfig::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  if (!std::isfinite(fail_at)) throw config_error("fail_at: expected a finite number");
  if (!(bad_ending_gap > 0) || !std::isfinite(bad_ending_gap))
    throw config_error("bad_ending_gap: " + detail::format_number(bad_ending_gap) + " is out of range; expected > 0");
  if (peak != "extreme" && peak != "worst" && peak != "best")
    throw config_error("peak: '" + peak + "' is not one of: extreme, worst, best");
}

bool MomentsConfig::operator==(const MomentsConfig& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && fail_at == o.fail_at &&
         bad_ending_gap == o.bad_ending_gap && peak == o.peak;
}

MomentsConfig moments_config_from_json(std::string_view text) {
  MomentsConfig c;
  json::value v = detail::parse_json(text, "moments config");
  detail::ObjectReader r(v, "config");
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  r.number("fail_at", c.fail_at);
  r.number("bad_ending_gap", c.bad_ending_gap);
  r.string("peak", c.peak);
  r.finish();
  c.validate();
  return c;
}

std::string to_json(const MomentsConfig& c) {
  return detail::dump_json(json::object{{"scale_min", c.scale_min},
                                        {"scale_max", c.scale_max},
                                        {"fail_at", c.fail_at},
                                        {"bad_ending_gap", c.bad_ending_gap},
                                        {"peak", c.peak}});
}

MomentsAnalysis analyze_moments(Eigen::Ref<const VectorXi32> visit, Eigen::Ref<const Eigen::VectorXd> order,
                                Eigen::Ref<const VectorXi32> moment, Eigen::Ref<const Eigen::VectorXd> score,
                                int n_visits, int n_moments, const MomentsConfig& config) {
  config.validate();
  const Eigen::Index n = visit.size();
  if (order.size() != n || moment.size() != n || score.size() != n)
    throw input_error("moments: visit, order, moment and score differ in length");
  if (n_visits < 0 || n_moments < 0) throw input_error("n_visits / n_moments: expected >= 0");
  MomentsAnalysis a;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (visit[i] < 0 || visit[i] >= n_visits)
      throw input_error("row " + std::to_string(i) + ": visit code " + std::to_string(visit[i]) + " outside [0, " +
                        std::to_string(n_visits) + ")");
    if (moment[i] < 0 || moment[i] >= n_moments)
      throw input_error("row " + std::to_string(i) + ": moment code " + std::to_string(moment[i]) + " outside [0, " +
                        std::to_string(n_moments) + ")");
    if (std::isnan(order[i])) throw input_error("row " + std::to_string(i) + ", column 'order': missing position");
    const double x = score[i];
    if (!std::isnan(x) && !(x >= config.scale_min && x <= config.scale_max))
      throw input_error("row " + std::to_string(i) + ", column 'score': " + detail::format_number(x) +
                        " is outside the scale [" + detail::format_number(config.scale_min) + ", " +
                        detail::format_number(config.scale_max) + "]");
    if (std::isnan(x)) ++a.n_missing;
  }
  // rows sorted by (visit, order, input position)
  std::vector<Eigen::Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), Eigen::Index{0});
  std::stable_sort(idx.begin(), idx.end(), [&](Eigen::Index x, Eigen::Index y) {
    return visit[x] != visit[y] ? visit[x] < visit[y] : order[x] < order[y];
  });
  a.n_scored.setZero(n_visits);
  a.weakest.setConstant(n_visits, -1);
  a.weakest_score.setConstant(n_visits, kNaN);
  a.first.setConstant(n_visits, kNaN);
  a.last.setConstant(n_visits, kNaN);
  a.mean.setConstant(n_visits, kNaN);
  a.peak.setConstant(n_visits, kNaN);
  a.peak_end.setConstant(n_visits, kNaN);
  a.bad_ending.setZero(n_visits);
  a.moment_n.setZero(n_moments);
  a.moment_sum.setZero(n_moments);
  a.moment_failed.setZero(n_moments);
  a.moment_weakest.setZero(n_moments);
  a.moment_position_sum.setZero(n_moments);
  const double mid = (config.scale_min + config.scale_max) / 2;
  const int peak_kind = config.peak == "worst" ? 0 : (config.peak == "best" ? 1 : 2);
  std::size_t p = 0;
  while (p < idx.size()) {
    const int v = visit[idx[p]];
    std::size_t q = p;
    while (q < idx.size() && visit[idx[q]] == v) ++q;
    int cnt = 0;
    double sum = 0, low = HUGE_VAL, peak = kNaN;
    int weak = -1;
    for (std::size_t t = p; t < q; ++t) {
      const Eigen::Index i = idx[t];
      const double x = score[i];
      if (std::isnan(x)) continue;
      const int m = moment[i];
      a.moment_n[m] += 1;
      a.moment_sum[m] += x;
      a.moment_failed[m] += x <= config.fail_at;
      a.moment_position_sum[m] += cnt;
      if (cnt == 0) a.first[v] = x;
      a.last[v] = x;
      if (x < low) low = x, weak = m;
      if (std::isnan(peak)) {
        peak = x;
      } else if (peak_kind == 0) {
        peak = std::min(peak, x);
      } else if (peak_kind == 1) {
        peak = std::max(peak, x);
      } else {
        const double d = std::abs(x - mid), dp = std::abs(peak - mid);
        if (d > dp || (d == dp && x < peak)) peak = x;
      }
      sum += x;
      ++cnt;
    }
    a.n_scored[v] = cnt;
    if (cnt > 0) {
      a.weakest[v] = weak;
      a.weakest_score[v] = low;
      a.moment_weakest[weak] += 1;
      a.mean[v] = sum / cnt;
      a.peak[v] = peak;
      a.peak_end[v] = (peak + a.last[v]) / 2;
      a.bad_ending[v] = (a.first[v] - a.last[v]) >= config.bad_ending_gap * (1 - 1e-12);
    }
    p = q;
  }
  return a;
}

}  // namespace servscore
