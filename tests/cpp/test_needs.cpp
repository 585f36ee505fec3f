#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "servscore/errors.hpp"
#include "servscore/needs.hpp"
#include "servscore/standards.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string default_file(const char* name) {
  // the defaults ship with the Python package; found from the source tree (not __FILE__, which
  // is relative when ccache rewrites paths under CCACHE_BASEDIR)
  return read_file(std::string(SERVSCORE_TEST_DATA) + "/../../python/servscore/data/needs/" + name);
}

// One condition evaluated on one column `x` holding `values`.
std::vector<int> eval1(const std::string& cond, const std::vector<double>& values) {
  ConditionSet c;
  c.add(cond, "test");
  RowMatrixXd x(static_cast<Eigen::Index>(values.size()), 1);
  for (std::size_t i = 0; i < values.size(); ++i) x(static_cast<Eigen::Index>(i), 0) = values[i];
  RowMatrixXu8 r = c.evaluate(x, {"x"});
  std::vector<int> out;
  for (Eigen::Index i = 0; i < r.rows(); ++i) out.push_back(r(i, 0));
  return out;
}
}  // namespace

TEST_CASE("every comparison operator at its boundary, with a missing value", "[needs]") {
  const std::vector<double> v = {9, 10, 11, NaN};
  CHECK(eval1(R"({"field":"x","op":">","value":10})", v) == std::vector<int>{0, 0, 1, 0});
  CHECK(eval1(R"({"field":"x","op":">=","value":10})", v) == std::vector<int>{0, 1, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"<","value":10})", v) == std::vector<int>{1, 0, 0, 0});
  CHECK(eval1(R"({"field":"x","op":"<=","value":10})", v) == std::vector<int>{1, 1, 0, 0});
  CHECK(eval1(R"({"field":"x","op":"==","value":10})", v) == std::vector<int>{0, 1, 0, 0});
  CHECK(eval1(R"({"field":"x","op":"!=","value":10})", v) == std::vector<int>{1, 0, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"gt","value":10})", v) == std::vector<int>{0, 0, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"ne","value":10})", v) == std::vector<int>{1, 0, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"between","value":[10, 11]})", v) == std::vector<int>{0, 1, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"in","value":[9, 11]})", v) == std::vector<int>{1, 0, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"is_true"})", {0, 1, -2, NaN}) == std::vector<int>{0, 1, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"is_false"})", {0, 1, -2, NaN}) == std::vector<int>{1, 0, 0, 0});
  CHECK(eval1(R"({"field":"x","op":"missing"})", v) == std::vector<int>{0, 0, 0, 1});
  CHECK(eval1(R"({"present":"x"})", v) == std::vector<int>{1, 1, 1, 0});
  CHECK(eval1(R"({"field":"x","op":"==","value":true})", {0, 1}) == std::vector<int>{0, 1});
}

TEST_CASE("and, or, not and nesting", "[needs]") {
  const std::vector<double> v = {1, 5, 9, NaN};
  CHECK(eval1(R"({"all":[{"field":"x","op":">","value":2},{"field":"x","op":"<","value":8}]})", v) ==
        std::vector<int>{0, 1, 0, 0});
  CHECK(eval1(R"({"any":[{"field":"x","op":"<","value":2},{"field":"x","op":">","value":8}]})", v) ==
        std::vector<int>{1, 0, 1, 0});
  CHECK(eval1(R"({"and":[{"field":"x","op":">","value":2}]})", v) == std::vector<int>{0, 1, 1, 0});
  CHECK(eval1(R"({"not":{"field":"x","op":">","value":2}})", v) == std::vector<int>{1, 0, 0, 1});
  CHECK(eval1(R"({"not":{"any":[{"field":"x","op":"missing"},{"all":[{"field":"x","op":">=","value":5},)"
              R"({"not":{"field":"x","op":"==","value":9}}]}]}})",
              v) == std::vector<int>{1, 0, 1, 0});
}

TEST_CASE("unknown operators, keys and fields fail when loaded", "[needs]") {
  ConditionSet c;
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":"~","value":1})", "r"),
                    Contains("unknown operator '~'") && Contains(">="));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":">"})", "r"), Contains("r.value: required"));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":"is_true","value":1})", "r"), Contains("takes no value"));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":">","value":"a"})", "r"), Contains("expected a number"));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":"between","value":[3,1]})", "r"), Contains("wrong order"));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":"in","value":[]})", "r"), Contains("non-empty list"));
  CHECK_THROWS_WITH(c.add(R"({"xor":[]})", "r"), Contains("expected one of the keys"));
  CHECK_THROWS_WITH(c.add(R"({"all":[]})", "r"), Contains("non-empty list"));
  CHECK_THROWS_WITH(c.add(R"({"field":"x","op":">","value":1,"weight":2})", "r"), Contains("unknown key 'weight'"));
  CHECK_THROWS_AS(c.add("{", "r"), config_error);
  CHECK(c.size() == 0);
  CHECK(c.fields().empty());  // a failed add leaves the set unchanged

  const std::string rules =
      R"({"rules":[{"id":"a","when":{"field":"wait","op":">","value":5},"needs":["timely_service"]},
    {"id":"b","when":{"present":"cue_x"},"actions":["smile"]}]})";
  CHECK_NOTHROW(need_rules_from_json(rules, {"wait"}));  // cue_x is optional (presence)
  CHECK_THROWS_WITH(need_rules_from_json(rules, {"waited", "other"}),
                    Contains("rule 'a'") && Contains("unknown field 'wait'") && Contains("waited, other"));
  CHECK_THROWS_WITH(need_rules_from_json(R"({"rules":[{"id":"a","when":{"present":"x"},"needs":["hunger"]}]})"),
                    Contains("rules[0] ('a').needs[0]") && Contains("timely_service"));
  CHECK_THROWS_WITH(need_rules_from_json(R"({"rules":[{"id":"a","when":{"present":"x"}}]})"),
                    Contains("at least one need or action"));
  CHECK_THROWS_WITH(need_rules_from_json(R"({"rules":[{"id":"a","when":{"present":"x"},"actions":["s"]},)"
                                         R"({"id":"a","when":{"present":"x"},"actions":["s"]}]})"),
                    Contains("duplicate rule id 'a'"));
  CHECK_THROWS_WITH(
      need_rules_from_json(R"({"rules":[{"id":"a","when":{"field":"x","op":"=~","value":1},"actions":["s"]}]})"),
      Contains("rules[0] ('a').when.op: unknown operator"));
  CHECK_THROWS_WITH(need_rules_from_json(R"({"rulez":[]})"), Contains("unknown key(s) 'rulez'"));
}

TEST_CASE("a required field missing from the data is an input error at run time", "[needs]") {
  NeedRuleSet s =
      need_rules_from_json(R"({"rules":[{"id":"a","when":{"field":"wait","op":">","value":5},"needs":["comfort"]}]})");
  RowMatrixXd x(1, 1);
  x << 6;
  CHECK_THROWS_AS(evaluate_needs(s, x, {"other"}), input_error);
  CHECK(evaluate_needs(s, x, {"wait"}).fired(0, 0) == 1);
}

TEST_CASE("default rules: needs, actions and fired rules per interaction", "[needs]") {
  const std::vector<std::string> cols = {"wait_minutes",         "looked_at_watch", "with_children",
                                         "queue_before_opening", "peak_hour",       "days_since_last_contact",
                                         "complaint_open",       "first_visit",     "elderly"};
  NeedRuleSet s = need_rules_from_json(default_file("rules.json"), cols);
  REQUIRE(s.rules.size() == 10);
  RowMatrixXd x(5, 9);
  x << 10, 0, 0, 0, 0, NaN, 0, 1, 0,  // long wait (boundary 10), first visit
      9.99, 1, 0, 0, 0, 8, 0, 0, 0,   // looked at the watch; returning, 8 days: not a repeat contact
      0, 0, 1, 0, 1, 7, 0, 0, 1,      // children, peak hour, repeat contact (boundary 7), elderly, returning
      0, 0, 0, 1, 0, 30, 1, NaN, 0,   // queue before opening, open complaint; first_visit unknown
      NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN;
  NeedsEvaluation ev = evaluate_needs(s, x, cols, 1);
  auto fired = [&](int row) {
    std::vector<std::string> ids;
    for (std::size_t r = 0; r < s.rules.size(); ++r)
      if (ev.fired(row, static_cast<Eigen::Index>(r))) ids.push_back(s.rules[r].id);
    return ids;
  };
  CHECK(fired(0) == std::vector<std::string>{"long_wait", "first_visit"});
  CHECK(fired(1) == std::vector<std::string>{"watch_looking", "returning_customer"});
  CHECK(fired(2) ==
        std::vector<std::string>{"with_children", "peak_hour", "repeat_contact", "elderly", "returning_customer"});
  CHECK(fired(3) == std::vector<std::string>{"queue_before_opening", "open_complaint"});
  CHECK(fired(4).empty());
  auto need = [&](int row, HumanNeed h) { return ev.needs(row, static_cast<Eigen::Index>(h)) == 1; };
  CHECK(need(0, HumanNeed::timely_service));
  CHECK(need(0, HumanNeed::welcomed));
  CHECK_FALSE(need(0, HumanNeed::respected));
  CHECK(need(3, HumanNeed::respected));
  CHECK(need(3, HumanNeed::orderly_service));
  CHECK(ev.needs.row(4).sum() == 0);
  // actions: "speed up" comes from both long_wait and watch_looking; counted once per row
  const auto acts = s.action_list();
  const auto speed = std::find(acts.begin(), acts.end(), "speed up") - acts.begin();
  CHECK(ev.actions(0, speed) == 1);
  CHECK(ev.actions(1, speed) == 1);
  CHECK(ev.actions(2, speed) == 0);
  CHECK(ev.rule_counts[0] == 1);
  CHECK(ev.need_counts[static_cast<std::size_t>(HumanNeed::help)] == 3);  // rows 0 (first visit), 2, 3
  // the optional cue column, when present, fires the rule too
  std::vector<std::string> with_cue = cols;
  with_cue.push_back("cue_time_pressure");
  RowMatrixXd y(1, 10);
  y << 0, 0, 0, 0, 0, NaN, 0, 1, 0, 1;
  NeedsEvaluation ev2 = evaluate_needs(s, y, with_cue);
  CHECK(ev2.fired(0, 1) == 1);
}

TEST_CASE("rules round-trip through JSON and extend", "[needs]") {
  NeedRuleSet s = need_rules_from_json(default_file("rules.json"));
  NeedRuleSet t = need_rules_from_json(to_json(s));
  CHECK(s == t);
  NeedRuleSet extra = need_rules_from_json(
      R"({"rules":[{"id":"vip","when":{"field":"tier","op":"in","value":[3,4],"optional":true},"needs":["feel_important"]}]})");
  s.extend(extra);
  CHECK(s.rules.size() == 11);
  CHECK(s.rules.back().id == "vip");
  CHECK_THROWS_WITH(s.extend(extra), Contains("duplicate rule id 'vip'"));
}

TEST_CASE("vectorised evaluation equals a row-by-row reference for any worker count", "[needs]") {
  ConditionSet c;
  c.add(R"({"any":[{"all":[{"field":"a","op":">","value":0.3},{"not":{"field":"b","op":"<=","value":0.5}}]},)"
        R"({"field":"c","op":"between","value":[0.2,0.4]},{"field":"a","op":"missing"}]})",
        "c0");
  c.add(R"({"present":"d"})", "c1");
  const Eigen::Index n = 5000;
  RowMatrixXd x(n, 3);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (Eigen::Index i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j) x(i, j) = u(rng) < 0.1 ? NaN : u(rng);
  RowMatrixXu8 complete;
  RowMatrixXu8 r1 = c.evaluate(x, {"a", "b", "c"}, 1, &complete);
  RowMatrixXu8 r3 = c.evaluate(x, {"a", "b", "c"}, 3);
  CHECK(r1 == r3);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double a = x(i, 0), b = x(i, 1), cc = x(i, 2);
    const bool ref = (a > 0.3 && !(b <= 0.5)) || (cc >= 0.2 && cc <= 0.4) || std::isnan(a);
    REQUIRE(r1(i, 0) == ref);
    REQUIRE(r1(i, 1) == 0);  // d is absent
    REQUIRE(complete(i, 0) == (!std::isnan(a) && !std::isnan(b) && !std::isnan(cc)));
  }
}

TEST_CASE("Wilson interval: hand values and edge cases", "[standards]") {
  // 8 of 10 at 95% (z = 1.959964): statsmodels proportion_confint(8, 10, method="wilson")
  Interval w = wilson_interval(8, 10);
  CHECK(w.low == Approx(0.4901625).epsilon(1e-6));
  CHECK(w.high == Approx(0.9433178).epsilon(1e-6));
  Interval z = wilson_interval_z(0, 20, 1.96);
  CHECK(z.low == 0.0);
  CHECK(z.high == Approx(3.8416 / 23.8416).epsilon(1e-9));  // z^2 / (n + z^2)
  CHECK(std::isnan(wilson_interval(0, 0).low));
  CHECK_THROWS_AS(wilson_interval(11, 10), input_error);
}

TEST_CASE("p-chart limits with variable sample sizes", "[standards]") {
  Eigen::VectorXd met(4), n(4);
  met << 45, 40, 20, 0;
  n << 50, 50, 40, 0;
  PChart c = p_chart(met, n, 3.0);
  const double pbar = 105.0 / 140.0;  // 0.75
  CHECK(c.center == Approx(pbar));
  const double h50 = 3 * std::sqrt(pbar * (1 - pbar) / 50), h40 = 3 * std::sqrt(pbar * (1 - pbar) / 40);
  CHECK(c.lower[0] == Approx(pbar - h50));
  CHECK(c.upper[0] == Approx(std::min(1.0, pbar + h50)));
  CHECK(c.lower[2] == Approx(pbar - h40));
  CHECK(c.p[2] == Approx(0.5));
  CHECK(c.signal[0] == 0);  // 0.9 < UCL 0.934
  CHECK(c.signal[1] == 0);
  CHECK(c.signal[2] == -1);  // 0.5 < LCL 0.5446
  CHECK(std::isnan(c.p[3]));
  CHECK(c.signal[3] == 0);
  n[1] = 30;
  CHECK_THROWS_WITH(p_chart(met, n), Contains("period 1"));
}

TEST_CASE("standards: met, not met, not applicable, not observed", "[standards]") {
  StandardSet s = standards_from_json(default_file("standards.json"));
  REQUIRE(s.standards.size() == 10);
  CHECK_THROWS_WITH(standards_from_json(default_file("standards.json"), {"greet_seconds"}), Contains("unknown field"));
  StandardSet g = standards_from_json(R"({"standards":[
    {"id":"greet","met":{"field":"greet_seconds","op":"<=","value":3}},
    {"id":"fb","applies":{"field":"dissatisfied","op":"is_true"},"met":{"field":"manager_handled","op":"is_true"}}]})");
  RowMatrixXd x(5, 3);
  x << 3, 0, 0,   //
      3.5, 1, 1,  //
      NaN, 1, 0,  //
      1, 1, NaN,  //
      2, NaN, 1;
  RowMatrixXi8 codes = check_standards(g, x, {"greet_seconds", "dissatisfied", "manager_handled"});
  CHECK(int(codes(0, 0)) == 1);
  CHECK(int(codes(1, 0)) == 0);
  CHECK(int(codes(2, 0)) == -2);
  CHECK(int(codes(0, 1)) == -1);
  CHECK(int(codes(1, 1)) == 1);
  CHECK(int(codes(2, 1)) == 0);
  CHECK(int(codes(3, 1)) == -2);
  CHECK(int(codes(4, 1)) == -1);  // applies is unknown: not applicable
  VectorXi32 groups(5);
  groups << 0, 0, 1, 1, 1;
  ComplianceCounts cc = count_compliance(codes, groups, 2);
  CHECK(cc.met(0, 0) == 1);
  CHECK(cc.observed(0, 0) == 2);
  CHECK(cc.not_observed(1, 0) == 1);
  CHECK(cc.observed(1, 1) == 1);
  CHECK(cc.not_applicable(1, 1) == 1);
  StandardSet round = standards_from_json(to_json(s));
  CHECK(round == s);
}

TEST_CASE("time elements: attainment, quantiles, mean excess", "[standards]") {
  TimeConfig cfg = time_config_from_json(
      R"({"targets":[{"element":"waiting","column":"w","target":5},{"element":"service","column":"s","target":10}]})");
  RowMatrixXd x(6, 2);
  x << 1, 12, 4, 8, 5, NaN, 6, 10, 10, 20, 2, 9;
  VectorXi32 g(6);
  g << 0, 0, 0, 0, 0, 1;
  TimeSummary s = summarize_times(cfg, x, g, 2, 2);
  CHECK(s.n(0, 0) == 5);
  CHECK(s.attained(0, 0) == 3);                   // 1, 4, 5 <= 5
  CHECK(s.mean_excess(0, 0) == Approx(6.0 / 5));  // (1 + 5) / 5
  CHECK(s.quantiles[0](0, 0) == Approx(5));       // median of 1 4 5 6 10
  CHECK(s.quantiles[1](0, 0) == Approx(8.4));     // 6 + 0.6 * 4
  CHECK(s.n_missing(0, 1) == 1);
  CHECK(s.attained(0, 1) == 2);  // 8, 10
  CHECK(s.mean(1, 1) == 9);
  x(0, 0) = -1;
  CHECK_THROWS_WITH(summarize_times(cfg, x, g, 2), Contains("row 0, column 'w'"));
  CHECK_THROWS_WITH(time_config_from_json(R"({"targets":[{"element":"lunch","column":"w","target":5}]})"),
                    Contains("booking"));
  CHECK(time_config_from_json(default_file("time_targets.json")).targets.size() == 9);
}

TEST_CASE("moments: weakest, first-last gap, peak-end", "[standards]") {
  MomentsConfig cfg;
  // visit 0: moments 0,1,2 scores 5,4,2 (given out of order); visit 1: 3, NaN, 1 ... 4
  VectorXi32 visit(7), moment(7);
  Eigen::VectorXd order(7), score(7);
  visit << 0, 0, 0, 1, 1, 1, 1;
  moment << 2, 0, 1, 0, 1, 2, 1;
  order << 3, 1, 2, 1, 2, 3, 4;
  score << 2, 5, 4, 3, NaN, 1, 4;
  MomentsAnalysis a = analyze_moments(visit, order, moment, score, 2, 3, cfg);
  CHECK(a.first[0] == 5);
  CHECK(a.last[0] == 2);
  CHECK(a.weakest[0] == 2);
  CHECK(a.bad_ending[0] == 1);
  CHECK(a.peak[0] == 5);  // |5-3| = |2-3|... 5 is 2 away, 2 is 1 away
  CHECK(a.peak_end[0] == 3.5);
  CHECK(a.n_scored[1] == 3);
  CHECK(a.weakest[1] == 2);
  CHECK(a.peak[1] == 1);
  CHECK(a.bad_ending[1] == 0);  // 3 -> 4
  CHECK(a.n_missing == 1);
  CHECK(a.moment_failed[2] == 2);
  CHECK(a.moment_weakest[2] == 2);
  CHECK(a.moment_n[1] == 2);
  cfg.peak = "best";
  CHECK(analyze_moments(visit, order, moment, score, 2, 3, cfg).peak[1] == 4);
  score[0] = 6;
  CHECK_THROWS_WITH(analyze_moments(visit, order, moment, score, 2, 3, cfg), Contains("row 0"));
  CHECK_THROWS_WITH(moments_config_from_json(R"({"peak":"middle"})"), Contains("extreme, worst, best"));
}
