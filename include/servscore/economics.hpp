/**
 * @file economics.hpp
 * @brief Complaint economics: the TARP model of customers retained and lost after a
 * problem, word of mouth, customer lifetime value and the value at risk, the return
 * on better complaint handling, and the sensitivity to one parameter.
 *
 * TARP (Technical Assistance Research Programs) studies for the US Office of Consumer
 * Affairs (1979, 1986); Reichheld & Sasser (1990), "Zero defections", HBR 68(5). For
 * N customers with a problem, complaint rate c, resolution rate s, quick share q and
 * return probabilities r of the silent, resolved-quickly, resolved and unresolved:
 *
 *   retained R = N [(1-c) r_silent + c (s q r_quick + s (1-q) r_resolved + (1-s) r_unresolved)]
 *   lost L = N - R;  negative word of mouth = L k_neg;  value at risk = L CLV
 *   CLV = sum_{t=0}^{H-1} m r^t / (1+d)^t  (= m (1+d) / (1+d-r) for H infinite)
 *
 * Every number is a default from the source deck (4% complain, 90% of the silent never
 * return, 70% come back after a good resolution, 95% when solved on the spot, a
 * satisfied complainant tells 5, an unhappy customer 8-12 and 20% of them 20, winning
 * a customer costs 6 times keeping one) or marked [ours]; all are overridable.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "servscore/types.hpp"

namespace servscore {

/** @brief Customer lifetime value parameters: margin m per period, retention r, discount d, horizon H. */
struct ClvConfig {
  double margin = 1.0;     ///< margin per period (currency; default 1: CLV in "purchases")
  double retention = 0.9;  ///< probability of staying one more period; 0.9 with d = 0 gives the
                           ///< source's "a loyal customer is worth 10 purchases" [ours]
  double discount = 0.0;   ///< discount rate per period
  int horizon = 0;         ///< periods t = 0 .. H-1; 0 means an infinite horizon

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const ClvConfig& o) const;
};

/** @brief CLV = sum_t m r^t / (1+d)^t over the horizon (closed form for an infinite one). */
double customer_lifetime_value(const ClvConfig& clv);

/**
 * @brief Parameters of the TARP complaint model. JSON keys are the member names;
 * `clv` is an object of `ClvConfig` keys.
 */
struct ComplaintConfig {
  double complaint_rate = 0.04;         ///< c: share of customers with a problem who complain (source: 4%)
  double resolution_rate = 0.5;         ///< s: share of complaints resolved to the customer's satisfaction [ours]
  double quick_share = 0.5;             ///< q: share of resolved complaints solved on the spot [ours]
  double return_silent = 0.10;          ///< silent non-complainers who return (source: 90% never return)
  double return_quick = 0.95;           ///< complainants whose problem is solved on the spot (source: 95%)
  double return_resolved = 0.70;        ///< complainants resolved later (source: 70%)
  double return_unresolved = 0.10;      ///< complainants left unresolved [ours: as the silent]
  double tell_satisfied = 5.0;          ///< people a satisfied complainant tells (source: 5)
  double tell_unhappy_low = 8.0;        ///< an unhappy customer tells 8-12 people (source) ...
  double tell_unhappy_high = 12.0;      ///< ... the midpoint is used for most of them
  double wide_teller_share = 0.2;       ///< ... and this share of them (source: 20%) ...
  double tell_wide = 20.0;              ///< ... tell this many (source: 20)
  double acquisition_cost_ratio = 6.0;  ///< winning a customer costs this many times keeping one (source: 6)
  double retention_cost = 1.0;          ///< cost of keeping one customer (default 1: costs in those units)
  ClvConfig clv;                        ///< lifetime value of one customer

  /** @brief Expected people an unhappy (lost) customer tells:
   *  (1 - share) (low + high) / 2 + share x wide (12 with the defaults). */
  double tell_unhappy() const;
  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const ComplaintConfig& o) const;
};

/** @brief Parse a JSON object: starts from the defaults, overrides the keys present, rejects unknown keys. */
ComplaintConfig complaint_config_from_json(std::string_view json);
/** @brief Serialise every key of the configuration as a JSON object. */
std::string to_json(const ComplaintConfig& config);
/** @brief Parse a `ClvConfig` JSON object (keys margin, retention, discount, horizon). */
ClvConfig clv_config_from_json(std::string_view json);
/** @brief Serialise a `ClvConfig`. */
std::string to_json(const ClvConfig& config);

/** @brief Outcome of the TARP model for N customers with a problem. */
struct ComplaintOutcome {
  double customers = 0;               ///< N
  double complainants = 0;            ///< N c
  double silent = 0;                  ///< N (1 - c)
  double resolved_quick = 0;          ///< N c s q
  double resolved_later = 0;          ///< N c s (1 - q)
  double unresolved = 0;              ///< N c (1 - s)
  double retained = 0;                ///< R
  double lost = 0;                    ///< L = N - R
  double retention_rate = 0;          ///< R / N
  double negative_word_of_mouth = 0;  ///< people told by lost customers: L x tell_unhappy
  double positive_word_of_mouth = 0;  ///< people told by satisfied complainants: N c s x tell_satisfied
  double clv = 0;                     ///< lifetime value of one customer
  double value_at_risk = 0;           ///< L x CLV
  double replacement_cost = 0;        ///< L x acquisition_cost_ratio x retention_cost
};

/**
 * @brief Evaluate the TARP model.
 * @param customers N, customers with a problem (>= 0, finite).
 * @throws input_error for an invalid N; config_error for invalid parameters.
 */
ComplaintOutcome complaint_outcome(double customers, const ComplaintConfig& config);

/** @brief Baseline, scenario and their difference, with the return on the programme. */
struct ComplaintScenario {
  ComplaintOutcome baseline;
  ComplaintOutcome scenario;
  double extra_retained = 0;     ///< scenario.retained - baseline.retained
  double value_gained = 0;       ///< extra_retained x scenario CLV
  double replacement_saved = 0;  ///< baseline.replacement_cost - scenario.replacement_cost
  double programme_cost = 0;     ///< cost of the change (as given)
  double net_return = 0;         ///< value_gained - programme_cost
  double roi = 0;                ///< net_return / programme_cost (NaN when the cost is 0)
};

/** @brief Compare a scenario (e.g. a higher resolution rate) with the baseline. */
ComplaintScenario complaint_scenario(double customers, const ComplaintConfig& baseline, const ComplaintConfig& scenario,
                                     double programme_cost = 0.0);

/** @brief Names of the parameters `complaint_sensitivity` can vary (every numeric key; CLV keys as `clv.margin`). */
std::vector<std::string> complaint_parameters();

/** @brief A copy of `config` with one parameter (a name of `complaint_parameters()`) set to `value`. */
ComplaintConfig with_parameter(const ComplaintConfig& config, std::string_view parameter, double value);

/**
 * @brief The model evaluated at each value of one parameter (others as in `config`).
 * @throws config_error for an unknown parameter or a value out of its range (naming it).
 */
std::vector<ComplaintOutcome> complaint_sensitivity(double customers, const ComplaintConfig& config,
                                                    std::string_view parameter, const std::vector<double>& values);

}  // namespace servscore
