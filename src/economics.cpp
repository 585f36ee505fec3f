#include "servscore/economics.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {

void check_probability(const char* key, double v) {
  if (!(v >= 0.0 && v <= 1.0))
    throw config_error(std::string(key) + ": " + detail::format_number(v) + " is out of range; expected [0, 1]");
}

void check_nonnegative(const char* key, double v) {
  if (!(std::isfinite(v) && v >= 0.0))
    throw config_error(std::string(key) + ": " + detail::format_number(v) +
                       " is out of range; expected a finite number >= 0");
}

// (key, member) pairs shared by JSON, validation and the sensitivity analysis.
template <class F>
void for_each_number(ComplaintConfig& c, F&& f) {
  f("complaint_rate", c.complaint_rate, 0.0, 1.0);
  f("resolution_rate", c.resolution_rate, 0.0, 1.0);
  f("quick_share", c.quick_share, 0.0, 1.0);
  f("return_silent", c.return_silent, 0.0, 1.0);
  f("return_quick", c.return_quick, 0.0, 1.0);
  f("return_resolved", c.return_resolved, 0.0, 1.0);
  f("return_unresolved", c.return_unresolved, 0.0, 1.0);
  f("tell_satisfied", c.tell_satisfied, 0.0, HUGE_VAL);
  f("tell_unhappy_low", c.tell_unhappy_low, 0.0, HUGE_VAL);
  f("tell_unhappy_high", c.tell_unhappy_high, 0.0, HUGE_VAL);
  f("wide_teller_share", c.wide_teller_share, 0.0, 1.0);
  f("tell_wide", c.tell_wide, 0.0, HUGE_VAL);
  f("acquisition_cost_ratio", c.acquisition_cost_ratio, 0.0, HUGE_VAL);
  f("retention_cost", c.retention_cost, 0.0, HUGE_VAL);
}

}  // namespace

void ClvConfig::validate() const {
  if (!std::isfinite(margin))
    throw config_error("clv.margin: " + detail::format_number(margin) + "; expected a finite number");
  check_probability("clv.retention", retention);
  if (!(std::isfinite(discount) && discount > -1.0))
    throw config_error("clv.discount: " + detail::format_number(discount) +
                       " is out of range; expected a finite number > -1");
  if (horizon < 0)
    throw config_error("clv.horizon: " + std::to_string(horizon) + " is out of range; expected >= 0 (0 = infinite)");
  if (horizon == 0 && !(retention < 1.0 + discount))
    throw config_error("clv: an infinite horizon needs retention < 1 + discount (the series diverges); got retention " +
                       detail::format_number(retention) + ", discount " + detail::format_number(discount));
}

bool ClvConfig::operator==(const ClvConfig& o) const {
  return margin == o.margin && retention == o.retention && discount == o.discount && horizon == o.horizon;
}

double customer_lifetime_value(const ClvConfig& c) {
  c.validate();
  const double ratio = c.retention / (1.0 + c.discount);
  if (c.horizon == 0) return c.margin * (1.0 + c.discount) / (1.0 + c.discount - c.retention);
  // finite geometric sum over t = 0 .. H-1
  if (ratio == 1.0) return c.margin * c.horizon;
  return c.margin * (1.0 - std::pow(ratio, c.horizon)) / (1.0 - ratio);
}

double ComplaintConfig::tell_unhappy() const {
  return (1.0 - wide_teller_share) * 0.5 * (tell_unhappy_low + tell_unhappy_high) + wide_teller_share * tell_wide;
}

void ComplaintConfig::validate() const {
  ComplaintConfig c = *this;
  for_each_number(c, [](const char* key, double v, double lo, double hi) {
    if (hi == 1.0 && lo == 0.0)
      check_probability(key, v);
    else
      check_nonnegative(key, v);
  });
  if (tell_unhappy_low > tell_unhappy_high)
    throw config_error("tell_unhappy_low: " + detail::format_number(tell_unhappy_low) + " exceeds tell_unhappy_high " +
                       detail::format_number(tell_unhappy_high) + "; expected low <= high");
  clv.validate();
}

bool ComplaintConfig::operator==(const ComplaintConfig& o) const {
  return to_json(*this) == to_json(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, const ClvConfig& c) {
  jv = {{"margin", c.margin}, {"retention", c.retention}, {"discount", c.discount}, {"horizon", c.horizon}};
}

void tag_invoke(json::value_from_tag, json::value& jv, const ComplaintConfig& c0) {
  ComplaintConfig c = c0;
  json::object o;
  for_each_number(c, [&](const char* key, double& v, double, double) { o[key] = v; });
  o["clv"] = json::value_from(c.clv);
  jv = std::move(o);
}

namespace {
ClvConfig read_clv(const json::value& jv, const std::string& path) {
  ClvConfig c;
  detail::ObjectReader r(jv, path);
  r.number("margin", c.margin);
  r.number("retention", c.retention, 0, 1);
  r.number("discount", c.discount);
  r.integer("horizon", c.horizon, 0, 1000000);
  r.finish();
  return c;
}
}  // namespace

ComplaintConfig tag_invoke(json::value_to_tag<ComplaintConfig>, const json::value& jv) {
  ComplaintConfig c;
  detail::ObjectReader r(jv, "config");
  for_each_number(c, [&](const char* key, double& v, double lo, double hi) { r.number(key, v, lo, hi); });
  if (const json::value* v = r.raw("clv")) c.clv = read_clv(*v, "config.clv");
  r.finish();
  c.validate();
  return c;
}

ComplaintConfig complaint_config_from_json(std::string_view text) {
  return json::value_to<ComplaintConfig>(detail::parse_json(text, "complaint config"));
}

std::string to_json(const ComplaintConfig& config) {
  return detail::dump_json(json::value_from(config));
}

ClvConfig clv_config_from_json(std::string_view text) {
  ClvConfig c = read_clv(detail::parse_json(text, "clv config"), "config");
  c.validate();
  return c;
}

std::string to_json(const ClvConfig& config) {
  return detail::dump_json(json::value_from(config));
}

ComplaintOutcome complaint_outcome(double customers, const ComplaintConfig& cfg) {
  cfg.validate();
  if (!(std::isfinite(customers) && customers >= 0.0))
    throw input_error("customers: " + detail::format_number(customers) + " is invalid; expected a finite number >= 0");
  const double n = customers, c = cfg.complaint_rate, s = cfg.resolution_rate, q = cfg.quick_share;
  ComplaintOutcome o;
  o.customers = n;
  o.complainants = n * c;
  o.silent = n * (1.0 - c);
  o.resolved_quick = n * c * s * q;
  o.resolved_later = n * c * s * (1.0 - q);
  o.unresolved = n * c * (1.0 - s);
  o.retained = o.silent * cfg.return_silent + o.resolved_quick * cfg.return_quick +
               o.resolved_later * cfg.return_resolved + o.unresolved * cfg.return_unresolved;
  o.lost = n - o.retained;
  o.retention_rate = n > 0 ? o.retained / n : std::numeric_limits<double>::quiet_NaN();
  o.negative_word_of_mouth = o.lost * cfg.tell_unhappy();
  o.positive_word_of_mouth = (o.resolved_quick + o.resolved_later) * cfg.tell_satisfied;
  o.clv = customer_lifetime_value(cfg.clv);
  o.value_at_risk = o.lost * o.clv;
  o.replacement_cost = o.lost * cfg.acquisition_cost_ratio * cfg.retention_cost;
  return o;
}

ComplaintScenario complaint_scenario(double customers, const ComplaintConfig& baseline, const ComplaintConfig& scenario,
                                     double programme_cost) {
  if (!(std::isfinite(programme_cost) && programme_cost >= 0.0))
    throw input_error("programme_cost: " + detail::format_number(programme_cost) +
                      " is invalid; expected a finite number >= 0");
  ComplaintScenario r;
  r.baseline = complaint_outcome(customers, baseline);
  r.scenario = complaint_outcome(customers, scenario);
  r.extra_retained = r.scenario.retained - r.baseline.retained;
  r.value_gained = r.extra_retained * r.scenario.clv;
  r.replacement_saved = r.baseline.replacement_cost - r.scenario.replacement_cost;
  r.programme_cost = programme_cost;
  r.net_return = r.value_gained - programme_cost;
  r.roi = programme_cost > 0 ? r.net_return / programme_cost : std::numeric_limits<double>::quiet_NaN();
  return r;
}

std::vector<std::string> complaint_parameters() {
  std::vector<std::string> names;
  ComplaintConfig c;
  for_each_number(c, [&](const char* key, double&, double, double) { names.emplace_back(key); });
  for (const char* k : {"clv.margin", "clv.retention", "clv.discount", "clv.horizon"}) names.emplace_back(k);
  return names;
}

ComplaintConfig with_parameter(const ComplaintConfig& config, std::string_view parameter, double value) {
  ComplaintConfig c = config;
  bool found = false;
  for_each_number(c, [&](const char* key, double& v, double, double) {
    if (parameter == key) v = value, found = true;
  });
  if (parameter == "clv.margin") c.clv.margin = value, found = true;
  if (parameter == "clv.retention") c.clv.retention = value, found = true;
  if (parameter == "clv.discount") c.clv.discount = value, found = true;
  if (parameter == "clv.horizon") {
    if (!(value >= 0 && value <= 1e6 && value == std::floor(value)))
      throw config_error("clv.horizon: " + detail::format_number(value) + " is invalid; expected an integer >= 0");
    c.clv.horizon = static_cast<int>(value), found = true;
  }
  if (!found) {
    std::string known;
    for (const auto& n : complaint_parameters()) known += (known.empty() ? "" : ", ") + n;
    throw config_error("parameter: unknown '" + std::string(parameter) + "'; expected one of: " + known);
  }
  c.validate();
  return c;
}

std::vector<ComplaintOutcome> complaint_sensitivity(double customers, const ComplaintConfig& config,
                                                    std::string_view parameter, const std::vector<double>& values) {
  std::vector<ComplaintOutcome> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(complaint_outcome(customers, with_parameter(config, parameter, v)));
  return out;
}

}  // namespace servscore
