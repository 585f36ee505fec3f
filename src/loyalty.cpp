#include "servscore/loyalty.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/detail/memory.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"
#include "servscore/stats.hpp"

namespace servscore {

namespace json = boost::json;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* interval_name(MultinomialInterval m) {
  return m == MultinomialInterval::goodman ? "goodman" : "quesenberry_hurst";
}

MultinomialInterval parse_interval(const std::string& s, const std::string& key) {
  if (s == "goodman") return MultinomialInterval::goodman;
  if (s == "quesenberry_hurst") return MultinomialInterval::quesenberry_hurst;
  throw config_error(key + ": unknown interval '" + s + "'; expected one of: goodman, quesenberry_hurst");
}

void check_scale(const char* lo_key, double lo, double hi, const char* thr_key, double thr) {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi))
    throw config_error(std::string(lo_key) + ": expected finite numbers with min < max, got " +
                       detail::format_number(lo) + " and " + detail::format_number(hi));
  if (!(thr > lo && thr <= hi))
    throw config_error(std::string(thr_key) + ": " + detail::format_number(thr) + " is out of range; expected (" +
                       detail::format_number(lo) + ", " + detail::format_number(hi) + "]");
}
}  // namespace

void LoyaltyConfig::validate() const {
  check_scale("satisfaction_min/satisfaction_max", satisfaction_min, satisfaction_max, "satisfaction_threshold",
              satisfaction_threshold);
  check_scale("loyalty_min/loyalty_max", loyalty_min, loyalty_max, "loyalty_threshold", loyalty_threshold);
  if (!(std::isfinite(nps_min) && std::isfinite(nps_max) && nps_min < nps_max))
    throw config_error("nps_min/nps_max: expected finite numbers with min < max, got " +
                       detail::format_number(nps_min) + " and " + detail::format_number(nps_max));
  if (!(detractor_max >= nps_min && detractor_max < promoter_min && promoter_min <= nps_max))
    throw config_error("detractor_max/promoter_min: expected nps_min <= detractor_max < promoter_min <= nps_max, got " +
                       detail::format_number(detractor_max) + " and " + detail::format_number(promoter_min));
  if (!(confidence > 0.0 && confidence < 1.0))
    throw config_error("confidence: " + detail::format_number(confidence) + " is out of range; expected (0, 1)");
  for (auto [key, v] : {std::pair{"noncompetitive_loyalty", noncompetitive_loyalty},
                        {"competitive_loyalty", competitive_loyalty},
                        {"competitive_gap", competitive_gap}})
    if (!(v >= 0.0 && v <= 1.0))
      throw config_error(std::string(key) + ": " + detail::format_number(v) + " is out of range; expected [0, 1]");
  if (competitive_loyalty > noncompetitive_loyalty)
    throw config_error("competitive_loyalty: " + detail::format_number(competitive_loyalty) +
                       " exceeds noncompetitive_loyalty " + detail::format_number(noncompetitive_loyalty) +
                       "; expected competitive_loyalty <= noncompetitive_loyalty");
  if (min_curve_n < 1) throw config_error("min_curve_n: " + std::to_string(min_curve_n) + "; expected >= 1");
  if (max_levels < 2) throw config_error("max_levels: " + std::to_string(max_levels) + "; expected >= 2");
}

bool LoyaltyConfig::operator==(const LoyaltyConfig& o) const {
  return to_json(*this) == to_json(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, const LoyaltyConfig& c) {
  jv = {{"satisfaction_min", c.satisfaction_min},
        {"satisfaction_max", c.satisfaction_max},
        {"satisfaction_threshold", c.satisfaction_threshold},
        {"loyalty_min", c.loyalty_min},
        {"loyalty_max", c.loyalty_max},
        {"loyalty_threshold", c.loyalty_threshold},
        {"refine", c.refine},
        {"nps_min", c.nps_min},
        {"nps_max", c.nps_max},
        {"detractor_max", c.detractor_max},
        {"promoter_min", c.promoter_min},
        {"interval", interval_name(c.interval)},
        {"confidence", c.confidence},
        {"noncompetitive_loyalty", c.noncompetitive_loyalty},
        {"competitive_loyalty", c.competitive_loyalty},
        {"competitive_gap", c.competitive_gap},
        {"min_curve_n", c.min_curve_n},
        {"max_levels", c.max_levels}};
}

LoyaltyConfig tag_invoke(json::value_to_tag<LoyaltyConfig>, const json::value& jv) {
  LoyaltyConfig c;
  detail::ObjectReader r(jv, "config");
  r.number("satisfaction_min", c.satisfaction_min);
  r.number("satisfaction_max", c.satisfaction_max);
  r.number("satisfaction_threshold", c.satisfaction_threshold);
  r.number("loyalty_min", c.loyalty_min);
  r.number("loyalty_max", c.loyalty_max);
  r.number("loyalty_threshold", c.loyalty_threshold);
  r.boolean("refine", c.refine);
  r.number("nps_min", c.nps_min);
  r.number("nps_max", c.nps_max);
  r.number("detractor_max", c.detractor_max);
  r.number("promoter_min", c.promoter_min);
  std::string interval = interval_name(c.interval);
  r.string("interval", interval);
  c.interval = parse_interval(interval, "config.interval");
  r.number("confidence", c.confidence, 0, 1);
  r.number("noncompetitive_loyalty", c.noncompetitive_loyalty, 0, 1);
  r.number("competitive_loyalty", c.competitive_loyalty, 0, 1);
  r.number("competitive_gap", c.competitive_gap, 0, 1);
  r.integer("min_curve_n", c.min_curve_n, 1, 1 << 30);
  r.integer("max_levels", c.max_levels, 2, 1 << 20);
  r.finish();
  c.validate();
  return c;
}

LoyaltyConfig loyalty_config_from_json(std::string_view text) {
  return json::value_to<LoyaltyConfig>(detail::parse_json(text, "loyalty config"));
}

std::string to_json(const LoyaltyConfig& config) {
  return detail::dump_json(json::value_from(config));
}

namespace {
void check_range(const char* column, Eigen::Index row, double x, double lo, double hi) {
  if (!std::isnan(x) && !(x >= lo && x <= hi))
    throw input_error("row " + std::to_string(row) + ", column '" + column + "': value " + detail::format_number(x) +
                      " is outside the scale [" + detail::format_number(lo) + ", " + detail::format_number(hi) + "]");
}
}  // namespace

LoyaltySegments segment_customers(Eigen::Ref<const Eigen::VectorXd> sat, Eigen::Ref<const Eigen::VectorXd> loy,
                                  Eigen::Ref<const Eigen::VectorXd> nps, Eigen::Ref<const Eigen::VectorXd> complained,
                                  const LoyaltyConfig& cfg, int workers) {
  cfg.validate();
  const Eigen::Index n = sat.size();
  if (loy.size() != n)
    throw input_error("loyalty: expected one value per customer (" + std::to_string(n) + "), got " +
                      std::to_string(loy.size()));
  const bool has_nps = nps.size() > 0, has_cmp = complained.size() > 0;
  if (has_nps && nps.size() != n)
    throw input_error("nps: expected one value per customer (" + std::to_string(n) + "), got " +
                      std::to_string(nps.size()));
  if (has_cmp && complained.size() != n)
    throw input_error("complained: expected one value per customer (" + std::to_string(n) + "), got " +
                      std::to_string(complained.size()));
  LoyaltySegments out;
  out.segment.resize(n);
  out.advocate.resize(n);
  out.refined.resize(n);
  detail::advise_huge_pages(out.segment);
  detail::advise_huge_pages(out.advocate);
  detail::advise_huge_pages(out.refined);
  const double* ps = sat.data();
  const double* pl = loy.data();
  const double* pp = has_nps ? nps.data() : nullptr;
  const double* pc = has_cmp ? complained.data() : nullptr;
  std::int8_t* os = out.segment.data();
  std::int8_t* oa = out.advocate.data();
  std::int8_t* orf = out.refined.data();
  const double st = cfg.satisfaction_threshold, lt = cfg.loyalty_threshold, dm = cfg.detractor_max,
               pm = cfg.promoter_min;
  const bool refine = cfg.refine;
  detail::parallel_for(n, workers, 1 << 16, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    // Branch-free pass (vectorises): NaN compares false, so missing values are neither
    // high nor out of range. Invalid values are only counted here and reported below.
    int bad = 0;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double s = ps[i], l = pl[i];
      const double p = pp ? pp[i] : kNaN, c = pc ? pc[i] : kNaN;
      bad += (s < cfg.satisfaction_min) | (s > cfg.satisfaction_max) | (l < cfg.loyalty_min) | (l > cfg.loyalty_max) |
             (p < cfg.nps_min) | (p > cfg.nps_max) | ((c == c) & (c != 0.0) & (c != 1.0));
      const bool known = (s == s) & (l == l);
      const bool hs = s >= st, hl = l >= lt;
      const bool has_p = p == p, refinable = refine & (has_p | (c == c));
      // apostle 0, mercenary 1, hostage 2, defector 3, terrorist 4
      int code = hs ? (hl ? 0 : 1) : (hl ? 2 : 3);
      code += ((code == 3) & refinable & ((p <= dm) | (c == 1.0))) ? 1 : 0;
      os[i] = static_cast<std::int8_t>(known ? code : -1);
      oa[i] = static_cast<std::int8_t>(!known ? -1 : (code != 0 ? 0 : (has_p ? (p >= pm ? 1 : 0) : -1)));
      orf[i] = static_cast<std::int8_t>(refinable ? 1 : 0);
    }
    if (bad == 0) return;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      check_range("satisfaction", i, ps[i], cfg.satisfaction_min, cfg.satisfaction_max);
      check_range("loyalty", i, pl[i], cfg.loyalty_min, cfg.loyalty_max);
      if (pp) check_range("nps", i, pp[i], cfg.nps_min, cfg.nps_max);
      const double c = pc ? pc[i] : kNaN;
      if (!std::isnan(c) && c != 0.0 && c != 1.0)
        throw input_error("row " + std::to_string(i) + ", column 'complained': value " + detail::format_number(c) +
                          " is not 0 or 1 (true/false)");
    }
  });
  return out;
}

Eigen::MatrixXd multinomial_intervals(const std::vector<std::int64_t>& counts, double confidence,
                                      MultinomialInterval method) {
  const int k = static_cast<int>(counts.size());
  if (k < 2) throw input_error("counts: expected at least 2 categories, got " + std::to_string(k));
  if (!(confidence > 0.0 && confidence < 1.0))
    throw config_error("confidence: " + detail::format_number(confidence) + " is out of range; expected (0, 1)");
  double n = 0;
  for (int i = 0; i < k; ++i) {
    if (counts[static_cast<std::size_t>(i)] < 0)
      throw input_error("counts[" + std::to_string(i) + "]: " + std::to_string(counts[static_cast<std::size_t>(i)]) +
                        " is negative");
    n += static_cast<double>(counts[static_cast<std::size_t>(i)]);
  }
  const double alpha = 1.0 - confidence;
  double a;
  if (method == MultinomialInterval::goodman)
    a = boost::math::quantile(boost::math::complement(boost::math::chi_squared(1.0), alpha / k));
  else
    a = boost::math::quantile(boost::math::complement(boost::math::chi_squared(k - 1.0), alpha));
  Eigen::MatrixXd out(k, 2);
  for (int i = 0; i < k; ++i) {
    if (n == 0) {
      out.row(i).setConstant(kNaN);
      continue;
    }
    const double ni = static_cast<double>(counts[static_cast<std::size_t>(i)]);
    const double root = std::sqrt(a * (a + 4.0 * ni * (n - ni) / n));
    out(i, 0) = std::max(0.0, (a + 2.0 * ni - root) / (2.0 * (n + a)));
    out(i, 1) = std::min(1.0, (a + 2.0 * ni + root) / (2.0 * (n + a)));
  }
  return out;
}

LoyaltySummary summarize_loyalty(const LoyaltySegments& seg, const LoyaltyConfig& cfg,
                                 Eigen::Ref<const VectorXi32> groups, int n_groups) {
  cfg.validate();
  const Eigen::Index n = seg.size();
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per customer (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  LoyaltySummary s;
  s.counts.setZero(n_groups, kLoyaltySegments);
  s.n_unknown.assign(static_cast<std::size_t>(n_groups), 0);
  s.n_advocates.assign(static_cast<std::size_t>(n_groups), 0);
  bool any_refined = false;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("groups: row " + std::to_string(i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_groups) + ")");
    const int c = seg.segment[i];
    if (c < -1 || c >= kLoyaltySegments)
      throw input_error("segment: row " + std::to_string(i) + " has invalid code " + std::to_string(c));
    if (c < 0) {
      ++s.n_unknown[static_cast<std::size_t>(g)];
      continue;
    }
    ++s.counts(g, c);
    if (seg.advocate.size() == n && seg.advocate[i] == 1) ++s.n_advocates[static_cast<std::size_t>(g)];
    any_refined = any_refined || (seg.refined.size() == n && seg.refined[i] == 1) ||
                  c == static_cast<int>(LoyaltySegment::terrorist);
  }
  detail::finish_loyalty_summary(s, any_refined, cfg);
  return s;
}

// Shares and simultaneous intervals from the counts (one pass and the merged state alike).
void detail::finish_loyalty_summary(LoyaltySummary& s, bool any_refined, const LoyaltyConfig& cfg) {
  const auto n_groups = static_cast<int>(s.counts.rows());
  // Without the refinement the terrorist category cannot occur: intervals are simultaneous over 4.
  s.n_categories = any_refined ? kLoyaltySegments : kLoyaltySegments - 1;
  s.share.resize(n_groups, kLoyaltySegments);
  s.lower.resize(n_groups, kLoyaltySegments);
  s.upper.resize(n_groups, kLoyaltySegments);
  for (int g = 0; g < n_groups; ++g) {
    std::vector<std::int64_t> row(static_cast<std::size_t>(s.n_categories));
    double tot = 0;
    for (int j = 0; j < s.n_categories; ++j) row[static_cast<std::size_t>(j)] = s.counts(g, j), tot += s.counts(g, j);
    Eigen::MatrixXd ci = multinomial_intervals(row, cfg.confidence, cfg.interval);
    for (int j = 0; j < kLoyaltySegments; ++j) {
      const bool used = j < s.n_categories;
      s.share(g, j) = tot > 0 && used ? s.counts(g, j) / tot : kNaN;
      s.lower(g, j) = used ? ci(j, 0) : kNaN;
      s.upper(g, j) = used ? ci(j, 1) : kNaN;
    }
  }
}

const char* to_string(LoyaltyZone z) {
  switch (z) {
    case LoyaltyZone::competitive:
      return "competitive";
    case LoyaltyZone::intermediate:
      return "intermediate";
    case LoyaltyZone::non_competitive:
      return "non_competitive";
    case LoyaltyZone::insufficient:
      return "insufficient";
  }
  return "insufficient";
}

LoyaltyCurve loyalty_curve(Eigen::Ref<const Eigen::VectorXd> sat, Eigen::Ref<const Eigen::VectorXd> loy,
                           const LoyaltyConfig& cfg, Eigen::Ref<const VectorXi32> groups, int n_groups) {
  cfg.validate();
  const Eigen::Index n = sat.size();
  if (loy.size() != n)
    throw input_error("loyalty: expected one value per customer (" + std::to_string(n) + "), got " +
                      std::to_string(loy.size()));
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per customer (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  LoyaltyCurve c;
  std::vector<double> lv;
  for (Eigen::Index i = 0; i < n; ++i) {
    check_range("satisfaction", i, sat[i], cfg.satisfaction_min, cfg.satisfaction_max);
    check_range("loyalty", i, loy[i], cfg.loyalty_min, cfg.loyalty_max);
    if (std::isnan(sat[i]) || std::isnan(loy[i])) {
      ++c.n_missing;
      continue;
    }
    lv.push_back(sat[i]);
  }
  std::sort(lv.begin(), lv.end());
  lv.erase(std::unique(lv.begin(), lv.end()), lv.end());
  if (static_cast<int>(lv.size()) > cfg.max_levels)
    throw input_error("satisfaction: " + std::to_string(lv.size()) +
                      " distinct values; the curve needs a rating scale with at most max_levels = " +
                      std::to_string(cfg.max_levels) + " levels (round or bin the values)");
  c.levels = lv;
  const Eigen::Index L = static_cast<Eigen::Index>(lv.size());
  c.n.setZero(n_groups, L);
  Eigen::MatrixXd sum_loy = Eigen::MatrixXd::Zero(n_groups, L), loyal = Eigen::MatrixXd::Zero(n_groups, L);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("groups: row " + std::to_string(i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_groups) + ")");
    if (std::isnan(sat[i]) || std::isnan(loy[i])) continue;
    const Eigen::Index j = std::lower_bound(lv.begin(), lv.end(), sat[i]) - lv.begin();
    ++c.n(g, j);
    sum_loy(g, j) += loy[i];
    loyal(g, j) += loy[i] >= cfg.loyalty_threshold ? 1.0 : 0.0;
  }
  c.mean_loyalty.resize(n_groups, L);
  c.loyal_share.resize(n_groups, L);
  c.loyal_lower.resize(n_groups, L);
  c.loyal_upper.resize(n_groups, L);
  c.below_above.resize(n_groups, 4);
  for (int g = 0; g < n_groups; ++g) {
    double nb = 0, lb = 0, na = 0, la = 0;
    for (Eigen::Index j = 0; j < L; ++j) {
      const double m = static_cast<double>(c.n(g, j));
      c.mean_loyalty(g, j) = m > 0 ? sum_loy(g, j) / m : kNaN;
      c.loyal_share(g, j) = m > 0 ? loyal(g, j) / m : kNaN;
      auto [lo, hi] = wilson_interval(loyal(g, j), m, cfg.confidence);
      c.loyal_lower(g, j) = lo;
      c.loyal_upper(g, j) = hi;
      if (lv[static_cast<std::size_t>(j)] >= cfg.satisfaction_threshold)
        na += m, la += loyal(g, j);
      else
        nb += m, lb += loyal(g, j);
    }
    const double sb = nb > 0 ? lb / nb : kNaN, sa = na > 0 ? la / na : kNaN;
    c.below_above.row(g) << nb, sb, na, sa;
    LoyaltyZone z;
    if (nb < cfg.min_curve_n || na < cfg.min_curve_n)
      z = LoyaltyZone::insufficient;
    else if (sb >= cfg.noncompetitive_loyalty)
      z = LoyaltyZone::non_competitive;
    else if (sb < cfg.competitive_loyalty && sa - sb >= cfg.competitive_gap)
      z = LoyaltyZone::competitive;
    else
      z = LoyaltyZone::intermediate;
    c.zone.push_back(z);
  }
  return c;
}

ReferralSummary summarize_referrals(Eigen::Ref<const Eigen::VectorXd> referrals, Eigen::Ref<const VectorXi32> groups,
                                    int n_groups, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
  if (n_groups < 1) throw config_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const Eigen::Index n = referrals.size();
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("by: expected one group per customer (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (!grouped && n_groups != 1)
    throw config_error("n_groups: " + std::to_string(n_groups) + " groups but no group codes");
  const auto ng = static_cast<std::size_t>(n_groups);
  ReferralSummary s;
  s.n.assign(ng, 0);
  s.missing.assign(ng, 0);
  s.total.assign(ng, 0.0);
  std::vector<std::int64_t> referring(ng, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::int32_t g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("row " + std::to_string(i) + ", by: group code " + std::to_string(g) + " is outside [0, " +
                        std::to_string(n_groups) + ")");
    const auto gi = static_cast<std::size_t>(g);
    const double x = referrals[i];
    if (std::isnan(x)) {
      ++s.missing[gi];
      continue;
    }
    if (!(x >= 0.0 && std::isfinite(x)))
      throw input_error("row " + std::to_string(i) + ", column 'referrals': value " + detail::format_number(x) +
                        " is not a non-negative finite count");
    ++s.n[gi];
    s.total[gi] += x;
    referring[gi] += x > 0 ? 1 : 0;
  }
  s.mean.assign(ng, kNaN);
  s.sd.assign(ng, kNaN);
  s.lower.assign(ng, kNaN);
  s.upper.assign(ng, kNaN);
  s.share_referring.assign(ng, kNaN);
  s.share_lower.assign(ng, kNaN);
  s.share_upper.assign(ng, kNaN);
  for (std::size_t g = 0; g < ng; ++g)
    if (s.n[g] > 0) s.mean[g] = s.total[g] / static_cast<double>(s.n[g]);
  // second pass: the sum of squared deviations about the group mean (no cancellation)
  std::vector<double> ss(ng, 0.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double x = referrals[i];
    if (std::isnan(x)) continue;
    const auto gi = static_cast<std::size_t>(grouped ? groups[i] : 0);
    ss[gi] += (x - s.mean[gi]) * (x - s.mean[gi]);
  }
  for (std::size_t g = 0; g < ng; ++g) {
    const double m = static_cast<double>(s.n[g]);
    if (s.n[g] == 0) continue;
    const Interval w = wilson_interval(static_cast<double>(referring[g]), m, level);
    s.share_referring[g] = static_cast<double>(referring[g]) / m;
    s.share_lower[g] = w.low;
    s.share_upper[g] = w.high;
    if (s.n[g] < 2) continue;
    s.sd[g] = std::sqrt(ss[g] / (m - 1.0));
    const double t = boost::math::quantile(boost::math::students_t(m - 1.0), 0.5 + level / 2.0);
    const double half = t * s.sd[g] / std::sqrt(m);
    s.lower[g] = std::max(0.0, s.mean[g] - half);
    s.upper[g] = s.mean[g] + half;
  }
  return s;
}

}  // namespace servscore
