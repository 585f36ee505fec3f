#include "servscore/impressions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "json_util.hpp"
#include "servscore/errors.hpp"
#include "servscore/stats.hpp"

namespace servscore {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void ImpressionConfig::validate() const {
  if (!(std::isfinite(scale_min) && std::isfinite(scale_max) && scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with min < max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  if (!(negative_max >= scale_min && negative_max < positive_min && positive_min <= scale_max))
    throw config_error(
        "negative_max/positive_min: expected scale_min <= negative_max < positive_min <= scale_max, got " +
        detail::format_number(negative_max) + " and " + detail::format_number(positive_min));
  if (!(repair_ratio > 0.0 && std::isfinite(repair_ratio)))
    throw config_error("repair_ratio: " + detail::format_number(repair_ratio) + "; expected a positive finite number");
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
}

ImpressionLedger impression_ledger(Eigen::Ref<const VectorXi32> customer, Eigen::Ref<const Eigen::VectorXd> rating,
                                   int n_customers, const ImpressionConfig& cfg) {
  cfg.validate();
  if (n_customers < 0) throw config_error("n_customers: expected >= 0, got " + std::to_string(n_customers));
  const Eigen::Index n = customer.size();
  if (rating.size() != n)
    throw input_error("rating: expected one rating per moment (" + std::to_string(n) + "), got " +
                      std::to_string(rating.size()));
  const auto nc = static_cast<std::size_t>(n_customers);
  ImpressionLedger L;
  L.valence.resize(n);
  L.running_balance.resize(n);
  L.positive.assign(nc, 0);
  L.negative.assign(nc, 0);
  L.neutral.assign(nc, 0);
  L.missing.assign(nc, 0);
  L.balance = Eigen::VectorXd::Zero(n_customers);
  L.lowest_balance = Eigen::VectorXd::Zero(n_customers);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::int32_t c = customer[i];
    if (c < 0 || c >= n_customers)
      throw input_error("row " + std::to_string(i) + ", customer: code " + std::to_string(c) + " is outside [0, " +
                        std::to_string(n_customers) + ")");
    const auto ci = static_cast<std::size_t>(c);
    const double r = rating[i];
    if (std::isnan(r)) {
      L.valence[i] = -2;
      ++L.missing[ci];
    } else if (!(r >= cfg.scale_min && r <= cfg.scale_max)) {
      throw input_error("row " + std::to_string(i) + ", column 'rating': value " + detail::format_number(r) +
                        " is outside the scale [" + detail::format_number(cfg.scale_min) + ", " +
                        detail::format_number(cfg.scale_max) + "]");
    } else if (r >= cfg.positive_min) {
      L.valence[i] = 1;
      ++L.positive[ci];
    } else if (r <= cfg.negative_max) {
      L.valence[i] = -1;
      ++L.negative[ci];
    } else {
      L.valence[i] = 0;
      ++L.neutral[ci];
    }
    // recomputed from the counts (not accumulated), so the balance is exact for any number of moments
    const double b = static_cast<double>(L.positive[ci]) - cfg.repair_ratio * static_cast<double>(L.negative[ci]);
    L.balance[c] = b;
    L.running_balance[i] = b;
    L.lowest_balance[c] = std::min(L.lowest_balance[c], b);
  }
  L.deficit.resize(n_customers);
  for (int c = 0; c < n_customers; ++c) {
    const auto ci = static_cast<std::size_t>(c);
    const bool rated = L.positive[ci] + L.negative[ci] + L.neutral[ci] > 0;
    L.deficit[c] = static_cast<std::int8_t>(!rated ? -1 : (L.balance[c] < 0 ? 1 : 0));
  }
  return L;
}

ImpressionSummary summarize_impressions(const ImpressionLedger& L, Eigen::Ref<const VectorXi32> groups, int n_groups,
                                        const ImpressionConfig& cfg) {
  cfg.validate();
  const Eigen::Index nc = L.deficit.size();
  const bool grouped = groups.size() > 0;
  if (n_groups < 1) throw config_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  if (grouped && groups.size() != nc)
    throw input_error("by: expected one group per customer (" + std::to_string(nc) + "), got " +
                      std::to_string(groups.size()));
  if (!grouped && n_groups != 1)
    throw config_error("n_groups: " + std::to_string(n_groups) + " groups but no group codes");
  const auto ng = static_cast<std::size_t>(n_groups);
  ImpressionSummary s;
  s.customers.assign(ng, 0);
  s.in_deficit.assign(ng, 0);
  s.unrated.assign(ng, 0);
  s.share.assign(ng, kNaN);
  s.lower.assign(ng, kNaN);
  s.upper.assign(ng, kNaN);
  s.mean_balance.assign(ng, kNaN);
  s.negative_rate.assign(ng, kNaN);
  s.repairs_needed.assign(ng, 0.0);
  std::vector<double> sum_balance(ng, 0.0), moments(ng, 0.0), negatives(ng, 0.0);
  for (Eigen::Index c = 0; c < nc; ++c) {
    const std::int32_t g = grouped ? groups[c] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("customer " + std::to_string(c) + ", by: group code " + std::to_string(g) + " is outside [0, " +
                        std::to_string(n_groups) + ")");
    const auto gi = static_cast<std::size_t>(g);
    const auto ci = static_cast<std::size_t>(c);
    if (L.deficit[c] < 0) {
      ++s.unrated[gi];
      continue;
    }
    ++s.customers[gi];
    s.in_deficit[gi] += L.deficit[c];
    sum_balance[gi] += L.balance[c];
    moments[gi] += static_cast<double>(L.positive[ci] + L.negative[ci] + L.neutral[ci]);
    negatives[gi] += static_cast<double>(L.negative[ci]);
    if (L.balance[c] < 0) s.repairs_needed[gi] += -L.balance[c];
  }
  for (std::size_t g = 0; g < ng; ++g) {
    if (s.customers[g] == 0) continue;
    const double m = static_cast<double>(s.customers[g]);
    s.share[g] = static_cast<double>(s.in_deficit[g]) / m;
    const Interval ci = wilson_interval(static_cast<double>(s.in_deficit[g]), m, cfg.level);
    s.lower[g] = ci.low;
    s.upper[g] = ci.high;
    s.mean_balance[g] = sum_balance[g] / m;
    s.negative_rate[g] = negatives[g] / moments[g];
  }
  return s;
}

}  // namespace servscore
