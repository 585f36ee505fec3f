// Lifecycle stage indices, complaint economics (TARP) and loyalty segments.
// Expected values are hand calculations (shown in the comments) or, where noted, from
// statsmodels / scipy (independent implementations).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "servscore/economics.hpp"
#include "servscore/errors.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();
using S = LifecycleStage;

LifecycleConfig small_config() {
  LifecycleConfig c;
  c.touchpoints = {{"a", S::warm_handshake, 3.0}, {"b", S::warm_handshake, 1.0}, {"c", S::caring, 1.0}};
  return c;
}
}  // namespace

// ---------------------------------------------------------------- economics

TEST_CASE("TARP model with the source's defaults, by hand", "[economics]") {
  ComplaintConfig c;
  CHECK(c.tell_unhappy() == Approx(12.0));  // 0.8 x (8+12)/2 + 0.2 x 20
  ComplaintOutcome o = complaint_outcome(1000, c);
  // R = 1000 [0.96 x 0.10 + 0.04 (0.25 x 0.95 + 0.25 x 0.70 + 0.5 x 0.10)] = 96 + 18.5
  CHECK(o.retained == Approx(114.5));
  CHECK(o.lost == Approx(885.5));
  CHECK(o.retention_rate == Approx(0.1145));
  CHECK(o.complainants == Approx(40));
  CHECK(o.resolved_quick == Approx(10));
  CHECK(o.resolved_later == Approx(10));
  CHECK(o.unresolved == Approx(20));
  CHECK(o.negative_word_of_mouth == Approx(885.5 * 12));
  CHECK(o.positive_word_of_mouth == Approx(100));  // 20 satisfied complainants x 5
  CHECK(o.clv == Approx(10.0));                    // 1 / (1 - 0.9): "worth 10 purchases"
  CHECK(o.value_at_risk == Approx(8855));
  CHECK(o.replacement_cost == Approx(885.5 * 6));
}

TEST_CASE("TARP boundaries", "[economics]") {
  ComplaintConfig c;
  c.complaint_rate = 0;
  CHECK(complaint_outcome(200, c).retained == Approx(20));  // only the silent: 10%
  c.complaint_rate = 1, c.resolution_rate = 1, c.quick_share = 1;
  CHECK(complaint_outcome(200, c).retained == Approx(190));  // everyone solved on the spot: 95%
  c.quick_share = 0;
  CHECK(complaint_outcome(200, c).retained == Approx(140));  // resolved later: 70%
  c.resolution_rate = 0, c.return_unresolved = 0.25;
  CHECK(complaint_outcome(200, c).retained == Approx(50));
  CHECK(complaint_outcome(0, c).lost == 0);
  CHECK(std::isnan(complaint_outcome(0, c).retention_rate));
}

TEST_CASE("customer lifetime value", "[economics]") {
  ClvConfig v;
  v.margin = 100, v.retention = 0.8, v.discount = 0.1;
  CHECK(customer_lifetime_value(v) == Approx(100 * 1.1 / 0.3));  // infinite horizon
  v.horizon = 3;                                                 // 100 (1 + 0.8/1.1 + 0.64/1.21)
  CHECK(customer_lifetime_value(v) == Approx(225.6198347));
  v.horizon = 1;
  CHECK(customer_lifetime_value(v) == Approx(100));
  v.discount = 0, v.retention = 1, v.horizon = 6;
  CHECK(customer_lifetime_value(v) == Approx(600));
  v.horizon = 0;
  CHECK_THROWS_WITH(customer_lifetime_value(v), Contains("diverges"));
}

TEST_CASE("scenario, return and sensitivity", "[economics]") {
  ComplaintConfig base;
  base.clv.margin = 20;
  ComplaintConfig better = base;
  better.resolution_rate = 0.9;
  // scenario R = 96 + 40 (0.45 x 0.95 + 0.45 x 0.70 + 0.1 x 0.1) = 96 + 30.1
  ComplaintScenario r = complaint_scenario(1000, base, better, 1000);
  CHECK(r.scenario.retained == Approx(126.1));
  CHECK(r.extra_retained == Approx(11.6));
  CHECK(r.value_gained == Approx(11.6 * 200));
  CHECK(r.net_return == Approx(2320 - 1000));
  CHECK(r.roi == Approx(1.32));
  CHECK(r.replacement_saved == Approx(11.6 * 6));
  CHECK(std::isnan(complaint_scenario(1000, base, better, 0).roi));
  auto s = complaint_sensitivity(1000, base, "resolution_rate", {0.0, 0.5, 1.0});
  REQUIRE(s.size() == 3);
  CHECK(s[0].retained == Approx(100));
  CHECK(s[1].retained == Approx(114.5));
  CHECK(s[2].retained == Approx(129));
  auto h = complaint_sensitivity(10, base, "clv.horizon", {1, 2});
  CHECK(h[0].clv == Approx(20));
  CHECK(h[1].clv == Approx(38));
  CHECK_THROWS_WITH(complaint_sensitivity(10, base, "complaint_rat", {0.1}),
                    Contains("unknown 'complaint_rat'") && Contains("complaint_rate"));
  CHECK_THROWS_WITH(complaint_sensitivity(10, base, "complaint_rate", {1.5}),
                    Contains("complaint_rate") && Contains("1.5"));
}

TEST_CASE("complaint configuration: JSON and errors", "[economics]") {
  ComplaintConfig c = complaint_config_from_json(R"({"complaint_rate": 0.1, "clv": {"margin": 5, "horizon": 4}})");
  CHECK(c.complaint_rate == 0.1);
  CHECK(c.clv.margin == 5);
  CHECK(c.clv.horizon == 4);
  CHECK(complaint_config_from_json(to_json(c)) == c);
  CHECK_THROWS_AS(complaint_config_from_json(R"({"complaint_rate": 2})"), config_error);
  CHECK_THROWS_WITH(complaint_config_from_json(R"({"complain_rate": 0.1})"),
                    Contains("unknown key(s) 'complain_rate'") && Contains("complaint_rate"));
  CHECK_THROWS_WITH(complaint_config_from_json(R"({"tell_unhappy_low": 13})"), Contains("tell_unhappy_low"));
  CHECK_THROWS_WITH(complaint_config_from_json(R"({"clv": {"retention": 1}})"), Contains("diverges"));
  CHECK_THROWS_AS(complaint_outcome(-1, ComplaintConfig{}), input_error);
  CHECK_THROWS_WITH(complaint_outcome(NaN, ComplaintConfig{}), Contains("customers"));
}

// ---------------------------------------------------------------- loyalty

TEST_CASE("Jones & Sasser segments, thresholds and the terrorist refinement", "[loyalty]") {
  LoyaltyConfig c;
  Eigen::VectorXd sat(8), loy(8), nps(8), cmp(8);
  sat << 5, 5, 4, 4, 1, 1, NaN, 4.999;
  loy << 5, 4, 5, 1, 2, 2, 5, 5;
  nps << 9, 10, 3, 7, 6, 7, 10, NaN;
  cmp << 0, 0, 1, 0, 0, 1, 0, 0;
  LoyaltySegments s = segment_customers(sat, loy, nps, cmp, c);
  using L = LoyaltySegment;
  CHECK(s.segment[0] == static_cast<int>(L::apostle));
  CHECK(s.segment[1] == static_cast<int>(L::mercenary));
  CHECK(s.segment[2] == static_cast<int>(L::hostage));    // complaints do not refine hostages
  CHECK(s.segment[3] == static_cast<int>(L::defector));   // NPS 7 is not a detractor
  CHECK(s.segment[4] == static_cast<int>(L::terrorist));  // NPS 6 = detractor_max
  CHECK(s.segment[5] == static_cast<int>(L::terrorist));  // complained
  CHECK(s.segment[6] == -1);                              // satisfaction missing
  CHECK(s.segment[7] == static_cast<int>(L::hostage));    // 4.999 < top box
  CHECK(s.advocate[0] == 1);
  CHECK(s.advocate[1] == 0);
  CHECK(s.advocate[6] == -1);
  c.refine = false;
  CHECK(segment_customers(sat, loy, nps, cmp, c).segment[4] == static_cast<int>(L::defector));
  c.refine = true, c.satisfaction_threshold = 4, c.loyalty_threshold = 4;
  LoyaltySegments t = segment_customers(sat, loy, Eigen::VectorXd(), Eigen::VectorXd(), c);
  CHECK(t.segment[1] == static_cast<int>(L::apostle));
  CHECK(t.segment[3] == static_cast<int>(L::mercenary));
  CHECK(t.segment[4] == static_cast<int>(L::defector));  // nothing to refine with
  CHECK(t.refined[4] == 0);
  CHECK(t.advocate[0] == -1);  // apostle without an NPS
}

TEST_CASE("loyalty input errors name the column, row and value", "[loyalty]") {
  LoyaltyConfig c;
  Eigen::VectorXd sat(3), loy(3), nps(3), cmp(3), none;
  sat << 5, 6, 1;
  loy << 5, 5, 1;
  CHECK_THROWS_WITH(segment_customers(sat, loy, none, none, c),
                    Contains("row 1") && Contains("'satisfaction'") && Contains("6") && Contains("[1, 5]"));
  sat[1] = 4;
  nps << 0, 11, 1;
  CHECK_THROWS_WITH(segment_customers(sat, loy, nps, none, c), Contains("row 1") && Contains("'nps'"));
  cmp << 0, 2, 1;
  CHECK_THROWS_WITH(segment_customers(sat, loy, none, cmp, c), Contains("'complained'") && Contains("not 0 or 1"));
  CHECK_THROWS_AS(segment_customers(sat, Eigen::VectorXd(2), none, none, c), input_error);
  CHECK_THROWS_WITH(loyalty_config_from_json(R"({"satisfaction_threshold": 6})"), Contains("satisfaction_threshold"));
  CHECK_THROWS_WITH(loyalty_config_from_json(R"({"interval": "sison_glaz"})"),
                    Contains("sison_glaz") && Contains("goodman"));
  CHECK_THROWS_WITH(loyalty_config_from_json(R"({"detractor_max": 9})"), Contains("detractor_max"));
  LoyaltyConfig j = loyalty_config_from_json(R"({"interval": "quesenberry_hurst", "refine": false})");
  CHECK(j.interval == MultinomialInterval::quesenberry_hurst);
  CHECK(loyalty_config_from_json(to_json(j)) == j);
}

TEST_CASE("simultaneous multinomial intervals", "[loyalty]") {
  // Goodman: statsmodels multinomial_proportions_confint([50, 30, 20], 0.05, 'goodman')
  Eigen::MatrixXd g = multinomial_intervals({50, 30, 20}, 0.95, MultinomialInterval::goodman);
  CHECK(g(0, 0) == Approx(0.3836).margin(5e-5));
  CHECK(g(0, 1) == Approx(0.6164).margin(5e-5));
  CHECK(g(1, 0) == Approx(0.2036).margin(5e-5));
  CHECK(g(1, 1) == Approx(0.4181).margin(5e-5));
  CHECK(g(2, 0) == Approx(0.1217).margin(5e-5));
  CHECK(g(2, 1) == Approx(0.3108).margin(5e-5));
  // Quesenberry-Hurst: A = chi2_2(0.95) = 5.991465 (scipy), bounds by the formula
  Eigen::MatrixXd q = multinomial_intervals({50, 30, 20}, 0.95, MultinomialInterval::quesenberry_hurst);
  CHECK(q(0, 0) == Approx(0.381122119));
  CHECK(q(1, 1) == Approx(0.420843929));
  CHECK(q(2, 0) == Approx(0.120355889));
  Eigen::MatrixXd z = multinomial_intervals({0, 0}, 0.95, MultinomialInterval::goodman);
  CHECK(std::isnan(z(0, 0)));
  CHECK_THROWS_AS(multinomial_intervals({1}, 0.95, MultinomialInterval::goodman), input_error);
}

TEST_CASE("segment summary per group", "[loyalty]") {
  LoyaltyConfig c;
  Eigen::VectorXd sat(6), loy(6), none;
  sat << 5, 5, 1, 1, NaN, 5;
  loy << 5, 1, 5, 1, 5, 5;
  LoyaltySegments s = segment_customers(sat, loy, none, none, c);
  VectorXi32 g(6);
  g << 0, 0, 0, 1, 1, 1;
  LoyaltySummary r = summarize_loyalty(s, c, g, 2);
  CHECK(r.counts(0, 0) == 1);
  CHECK(r.counts(0, 1) == 1);
  CHECK(r.counts(0, 2) == 1);
  CHECK(r.counts(1, 3) == 1);
  CHECK(r.counts(1, 0) == 1);
  CHECK(r.n_unknown[1] == 1);
  CHECK(r.n_categories == 4);  // nothing refined: intervals over the four basic segments
  CHECK(r.share(0, 0) == Approx(1.0 / 3));
  CHECK(std::isnan(r.share(0, 4)));
  g[2] = 2;
  CHECK_THROWS_WITH(summarize_loyalty(s, c, g, 2), Contains("row 2"));
}

TEST_CASE("satisfaction-to-loyalty curve and zone", "[loyalty]") {
  LoyaltyConfig c;
  Eigen::VectorXd sat(7), loy(7);
  sat << 5, 5, 5, 4, 4, 3, NaN;
  loy << 5, 5, 2, 5, 1, 1, 5;
  LoyaltyCurve k = loyalty_curve(sat, loy, c);
  REQUIRE(k.levels == std::vector<double>{3, 4, 5});
  CHECK(k.n(0, 2) == 3);
  CHECK(k.loyal_share(0, 2) == Approx(2.0 / 3));
  CHECK(k.mean_loyalty(0, 2) == Approx(4));
  CHECK(k.loyal_share(0, 1) == Approx(0.5));
  CHECK(k.loyal_share(0, 0) == 0);
  // Wilson interval of 2 of 3: statsmodels proportion_confint(2, 3, method='wilson')
  CHECK(k.loyal_lower(0, 2) == Approx(0.2076596));
  CHECK(k.loyal_upper(0, 2) == Approx(0.9385081));
  CHECK(k.n_missing == 1);
  CHECK(k.below_above(0, 1) == Approx(1.0 / 3));
  CHECK(k.below_above(0, 3) == Approx(2.0 / 3));
  CHECK(k.zone[0] == LoyaltyZone::insufficient);  // fewer than 10 on each side
  c.min_curve_n = 1;
  CHECK(loyalty_curve(sat, loy, c).zone[0] == LoyaltyZone::competitive);  // 1/3 < 0.4, gap 1/3 >= 0.3
  c.competitive_gap = 0.34;
  CHECK(loyalty_curve(sat, loy, c).zone[0] == LoyaltyZone::intermediate);
  c.noncompetitive_loyalty = 0.3, c.competitive_loyalty = 0.3;
  CHECK(loyalty_curve(sat, loy, c).zone[0] == LoyaltyZone::non_competitive);  // 1/3 >= 0.3
  c.max_levels = 2;
  CHECK_THROWS_WITH(loyalty_curve(sat, loy, c), Contains("3 distinct values"));
}

// ---------------------------------------------------------------- lifecycle

TEST_CASE("stage scores by hand: weights, coverage, missing", "[lifecycle]") {
  LifecycleConfig c = small_config();
  RowMatrixXd x(4, 3);
  x << 5, 1, 3,   // handshake (15 + 1)/4 = 4 -> 75; caring 3 -> 50
      3, 3, NaN,  // 50; caring not rated
      NaN, 5, 5,  // handshake: 1 of 4 importance rated < 0.5 -> missing; caring 100
      4, 2, 1;    // (12 + 2)/4 = 3.5 -> 62.5; caring 0
  RowMatrixXd s = score_lifecycle(x, c);
  REQUIRE(s.cols() == 8);
  CHECK(s(0, 0) == Approx(75));
  CHECK(s(0, 4) == Approx(50));
  CHECK(s(1, 0) == Approx(50));
  CHECK(std::isnan(s(1, 4)));
  CHECK(std::isnan(s(2, 0)));
  CHECK(s(2, 4) == Approx(100));
  CHECK(s(3, 0) == Approx(62.5));
  CHECK(s(3, 4) == 0);
  CHECK(std::isnan(s(0, 1)));  // tying the knot has no touchpoint
  c.min_coverage = 0.25;
  CHECK(score_lifecycle(x, c)(2, 0) == Approx(100));
}

TEST_CASE("stage scores do not depend on the number of workers", "[lifecycle]") {
  LifecycleConfig c;
  const Eigen::Index n = 40000, k = static_cast<Eigen::Index>(c.touchpoints.size());
  RowMatrixXd x(n, k);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < k; ++j) x(i, j) = (i * 7 + j * 3) % 11 == 0 ? NaN : 1 + (i * 13 + j * 5) % 5;
  RowMatrixXd a = score_lifecycle(x, c, 1), b = score_lifecycle(x, c, 4);
  CHECK(((a.array() == b.array()) || (a.array().isNaN() && b.array().isNaN())).all());
}

TEST_CASE("stage indices, intervals, journey, weakest, IPA quadrant", "[lifecycle]") {
  LifecycleConfig c = small_config();
  RowMatrixXd x(4, 3);
  x << 5, 1, 3, 3, 3, NaN, NaN, 5, 5, 4, 2, 1;
  LifecycleSummary r = summarize_lifecycle(score_lifecycle(x, c), c);
  const int wh = 0, ca = 4;
  CHECK(r.n(0, wh) == 3);
  CHECK(r.n_missing(0, wh) == 1);
  CHECK(r.n_missing(0, ca) == 1);
  CHECK(r.n_missing(0, 1) == 0);  // stage not in use: not counted
  CHECK(r.index(0, wh) == Approx(62.5));
  CHECK(r.sd(0, wh) == Approx(12.5));
  // t(0.975, 2) x 12.5 / sqrt(3) = 31.0517214 (scipy)
  CHECK(r.upper(0, wh) - r.index(0, wh) == Approx(31.0517214));
  CHECK(r.index(0, ca) == Approx(50));
  CHECK(r.sd(0, ca) == Approx(50));
  CHECK(r.journey[0] == Approx(56.25));
  CHECK(r.weakest[0] == ca);
  CHECK(r.strongest[0] == wh);
  CHECK(r.importance(0, wh) == Approx(2));
  CHECK(r.importance(0, ca) == Approx(1));
  CHECK(r.quadrant(0, wh) == static_cast<int>(StageQuadrant::keep_up));
  CHECK(r.quadrant(0, ca) == static_cast<int>(StageQuadrant::low_priority));
  CHECK(r.strong(0, wh) == 1);  // by the IPA rule
  CHECK(r.weak(0, ca) == 0);    // 6.25 below, but the interval includes the journey index
  c.ipa_rule = false;
  r = summarize_lifecycle(score_lifecycle(x, c), c);
  CHECK(r.strong(0, wh) == 0);
  c.stage_weights[ca] = 3;  // journey (62.5 + 3 x 50) / 4
  CHECK(summarize_lifecycle(score_lifecycle(x, c), c).journey[0] == Approx(53.125));
  c.min_n = 4;
  r = summarize_lifecycle(score_lifecycle(x, c), c);
  CHECK(std::isnan(r.index(0, wh)));
  CHECK(std::isnan(r.journey[0]));
  CHECK(r.weakest[0] == -1);
}

TEST_CASE("weak and strong stages by margin and interval, per group", "[lifecycle]") {
  LifecycleConfig c;
  c.touchpoints = {{"p", S::tying_the_knot, 1.0}, {"q", S::caring, 1.0}, {"r", S::moving_in, 1.0}};
  c.ipa_rule = false;
  // group 0: knot 4.6-4.8 (90-95), caring 1.8-2 (20-25), moving in 3.2-3.4 (55-60)
  // group 1: every stage the same: nothing is weak or strong
  RowMatrixXd x(20, 3);
  VectorXi32 g(20);
  for (int i = 0; i < 10; ++i) {
    const double d = (i % 2) * 0.2;
    x.row(i) << 4.6 + d, 1.8 + d, 3.2 + d;
    g[i] = 0;
    x.row(10 + i) << 3 + d, 3 + d, 3 + d;
    g[10 + i] = 1;
  }
  LifecycleSummary r = summarize_lifecycle(score_lifecycle(x, c), c, g, 2);
  CHECK(r.journey[0] == Approx((92.5 + 22.5 + 57.5) / 3));
  CHECK(r.weak(0, 4) == 1);
  CHECK(r.strong(0, 1) == 1);
  CHECK(r.weak(0, 3) == 0);
  CHECK(r.strong(0, 3) == 0);
  CHECK(r.weakest[0] == 4);
  CHECK(r.journey[1] == Approx(52.5));
  CHECK((r.weak.row(1).array() == 0).all());
  CHECK((r.strong.row(1).array() == 0).all());
  CHECK(r.weakest[1] == 1);  // ties go to the earlier stage
  CHECK(r.respondents[1] == 10);
  c.margin = 34.9;  // journey 57.5: caring 35 below and the knot 35 above, beyond the margin
  r = summarize_lifecycle(score_lifecycle(x, c), c, g, 2);
  CHECK(r.weak(0, 4) == 1);
  CHECK(r.strong(0, 1) == 1);
  c.margin = 35.1;  // within the margin: neither
  r = summarize_lifecycle(score_lifecycle(x, c), c, g, 2);
  CHECK(r.weak(0, 4) == 0);
  CHECK(r.strong(0, 1) == 0);
}

TEST_CASE("lifecycle errors and JSON", "[lifecycle]") {
  LifecycleConfig c = small_config();
  RowMatrixXd x(2, 3);
  x << 5, 1, 3, 4, 6, 1;
  CHECK_THROWS_WITH(score_lifecycle(x, c), Contains("row 1") && Contains("'b'") && Contains("6") && Contains("[1, 5]"));
  CHECK_THROWS_WITH(score_lifecycle(RowMatrixXd(2, 2), c), Contains("expected 3 columns"));
  RowMatrixXd imp(2, 3);
  imp << 5, NaN, 3, 4, NaN, 1;
  CHECK_THROWS_WITH(touchpoint_importance(imp, c, 1, 5), Contains("'b'") && Contains("no rating"));
  imp(0, 1) = 2;
  Eigen::VectorXd w = touchpoint_importance(imp, c, 1, 5);
  CHECK(w[0] == Approx(4.5));
  CHECK(w[1] == Approx(2));
  CHECK(w[2] == Approx(2));
  imp(1, 2) = 7;
  CHECK_THROWS_WITH(touchpoint_importance(imp, c, 1, 5), Contains("row 1") && Contains("'c'") && Contains("7"));
  LifecycleConfig j = lifecycle_config_from_json(
      R"({"touchpoints": [{"name": "x", "stage": "caring", "importance": 2}], "stage_weights": {"caring": 2}, "margin": 3})");
  CHECK(j.touchpoints.size() == 1);
  CHECK(j.touchpoints[0].stage == S::caring);
  CHECK(j.stage_weights[4] == 2);
  CHECK(j.margin == 3);
  CHECK(lifecycle_config_from_json(to_json(j)) == j);
  CHECK_THROWS_WITH(lifecycle_config_from_json(R"({"stage_weights": {"caring": 0}})"),
                    Contains("stage_weights.caring"));
  CHECK_THROWS_WITH(lifecycle_config_from_json(R"({"stage_weights": {"kaput": 1}})"),
                    Contains("kaput") && Contains("warm_handshake"));
  CHECK_THROWS_WITH(lifecycle_config_from_json(R"({"touchpoints": [{"name": "x", "stage": "nope"}]})"),
                    Contains("touchpoints[0].stage"));
  CHECK_THROWS_WITH(lifecycle_config_from_json(R"({"touchpoints": [{"name": "x", "stage": "caring"},
                                                                   {"name": "x", "stage": "caring"}]})"),
                    Contains("duplicate touchpoint 'x'"));
  CHECK_THROWS_WITH(lifecycle_config_from_json(R"({"marginn": 1})"), Contains("unknown key(s) 'marginn'"));
  CHECK(default_touchpoints().size() == 14);
}

TEST_CASE("Welch intervals of mean differences", "[lifecycle]") {
  Eigen::VectorXd ma(3), sa(3), na(3), mb(3), sb(3), nb(3);
  ma << 50, 10, 1;
  sa << 10, 0, 1;
  na << 20, 5, 1;
  mb << 56, 10, 2;
  sb << 12, 0, 1;
  nb << 30, 5, 9;
  MeanDifferences r = welch_differences(ma, sa, na, mb, sb, nb, 0.95);
  // v = 100/20 + 144/30 = 9.8; df = 9.8^2 / (5^2/19 + 4.8^2/29) = 45.5107 (hand);
  // t(0.975, 45.5107) = 2.0134797 (scipy): 6 -+ 2.0134797 x sqrt(9.8)
  CHECK(r.diff[0] == Approx(6));
  CHECK(r.df[0] == Approx(45.5107159));
  CHECK(r.upper[0] - r.diff[0] == Approx(2.0134797 * std::sqrt(9.8)));
  CHECK(std::isnan(r.lower[1]));  // no variance
  CHECK(std::isnan(r.lower[2]));  // one value on side a
  CHECK_THROWS_AS(welch_differences(ma, sa, na, mb, sb, Eigen::VectorXd(2)), input_error);
}
