#include <Eigen/Dense>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "servscore/drivers.hpp"
#include "servscore/errors.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();

// Random data with correlated predictors: x1 loads on x0, y on several.
void make_data(int n, int p, unsigned seed, RowMatrixXd& x, Eigen::VectorXd& y) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> N(0, 1);
  x.resize(n, p);
  y.resize(n);
  for (int i = 0; i < n; ++i) {
    double f = N(g);
    for (int j = 0; j < p; ++j) x(i, j) = 0.5 * f + N(g);
    y[i] = N(g);
    for (int j = 0; j < p; ++j) y[i] += (0.6 - 0.07 * j) * x(i, j);
  }
}

Eigen::MatrixXd corr_of(const RowMatrixXd& x, const Eigen::VectorXd& y) {
  Eigen::MatrixXd d(x.rows(), x.cols() + 1);
  d << x, y;
  Eigen::RowVectorXd mean = d.colwise().mean();
  Eigen::MatrixXd c = d.rowwise() - mean;
  Eigen::MatrixXd cov = c.transpose() * c;
  Eigen::VectorXd s = cov.diagonal().cwiseSqrt().cwiseInverse();
  return s.asDiagonal() * cov * s.asDiagonal();
}

// Independent reference: R2 of a subset by a normal-equation solve (full pivoting LU).
double ref_r2(const Eigen::MatrixXd& r, const std::vector<int>& s) {
  const int p = static_cast<int>(r.rows()) - 1;
  if (s.empty()) return 0.0;
  const auto k = static_cast<Eigen::Index>(s.size());
  Eigen::MatrixXd a(k, k);
  Eigen::VectorXd b(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    b[i] = r(s[static_cast<std::size_t>(i)], p);
    for (Eigen::Index j = 0; j < k; ++j) a(i, j) = r(s[static_cast<std::size_t>(i)], s[static_cast<std::size_t>(j)]);
  }
  return b.dot(a.fullPivLu().solve(b));
}

// Reference LMG: the mean increment over all p! orders.
Eigen::VectorXd ref_lmg(const Eigen::MatrixXd& r) {
  const int p = static_cast<int>(r.rows()) - 1;
  std::vector<int> order(static_cast<std::size_t>(p));
  std::iota(order.begin(), order.end(), 0);
  Eigen::VectorXd out = Eigen::VectorXd::Zero(p);
  double count = 0;
  do {
    std::vector<int> s;
    double prev = 0;
    for (int j : order) {
      s.push_back(j);
      double v = ref_r2(r, s);
      out[j] += v - prev;
      prev = v;
    }
    count += 1;
  } while (std::next_permutation(order.begin(), order.end()));
  return out / count;
}

}  // namespace

TEST_CASE("exact LMG equals the mean over all orders and sums to R2", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(200, 6, 1, x, y);
  Eigen::MatrixXd r = corr_of(x, y);
  DriverConfig cfg;
  auto d = dominance(r, cfg);
  Eigen::VectorXd ref = ref_lmg(r);
  for (int j = 0; j < 6; ++j) CHECK(d.general[j] == Approx(ref[j]).margin(1e-12));
  std::vector<int> all = {0, 1, 2, 3, 4, 5};
  CHECK(d.r2 == Approx(ref_r2(r, all)).margin(1e-13));
  CHECK(d.general.sum() == Approx(d.r2).margin(1e-13));
  CHECK(d.exact);
  CHECK(d.n_evaluated == 64);
  // conditional dominance at size 0 is r^2; at size p-1 it is R2(all) - R2(all but j)
  for (int j = 0; j < 6; ++j) {
    CHECK(d.conditional(j, 0) == Approx(r(j, 6) * r(j, 6)).margin(1e-12));
    std::vector<int> others;
    for (int k = 0; k < 6; ++k)
      if (k != j) others.push_back(k);
    CHECK(d.conditional(j, 5) == Approx(d.r2 - ref_r2(r, others)).margin(1e-12));
  }
}

TEST_CASE("complete dominance by brute force over subsets", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(150, 5, 7, x, y);
  Eigen::MatrixXd r = corr_of(x, y);
  auto d = dominance(r, DriverConfig{});
  REQUIRE(d.complete.rows() == 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      if (i == j) continue;
      bool ge = true, gt = false;
      for (int mask = 0; mask < 32; ++mask) {
        if (mask >> i & 1 || mask >> j & 1) continue;
        std::vector<int> si, sj;
        for (int k = 0; k < 5; ++k)
          if (mask >> k & 1) {
            si.push_back(k);
            sj.push_back(k);
          }
        si.push_back(i);
        sj.push_back(j);
        double diff = ref_r2(r, si) - ref_r2(r, sj);
        if (diff < -1e-12) ge = false;
        if (diff > 1e-12) gt = true;
      }
      CHECK(static_cast<int>(d.complete(i, j)) == ((ge && gt) ? 1 : (d.complete(j, i) == 1 ? -1 : 0)));
    }
}

TEST_CASE("exact LMG is identical for any number of workers", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(300, 16, 3, x, y);  // 2^16 subsets: four blocks of 2^14
  Eigen::MatrixXd r = corr_of(x, y);
  DriverConfig cfg;
  auto a = dominance(r, cfg, 1), b = dominance(r, cfg, 2), c = dominance(r, cfg, 3);
  CHECK((a.general.array() == b.general.array()).all());
  CHECK((a.general.array() == c.general.array()).all());
  CHECK((a.conditional.array() == c.conditional.array()).all());
  CHECK((a.complete.array() == c.complete.array()).all());
  CHECK(a.general.sum() == Approx(a.r2).margin(1e-12));
  // spot check against a brute-force subset R2: conditional at size p-1
  std::vector<int> others;
  for (int k = 1; k < 16; ++k) others.push_back(k);
  CHECK(a.conditional(0, 15) == Approx(a.r2 - ref_r2(r, others)).margin(1e-11));
}

TEST_CASE("permutation sampling: seeded, within its standard error, worker-independent", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(200, 7, 5, x, y);
  Eigen::MatrixXd r = corr_of(x, y);
  DriverConfig exact_cfg;
  auto ex = dominance(r, exact_cfg);
  DriverConfig cfg;
  cfg.exact_max_predictors = 4;
  cfg.n_permutations = 4000;
  auto s1 = dominance(r, cfg, 1), s2 = dominance(r, cfg, 2);
  CHECK_FALSE(s1.exact);
  CHECK(s1.n_evaluated == 4000);
  CHECK((s1.general.array() == s2.general.array()).all());
  CHECK(s1.general.sum() == Approx(ex.r2).margin(1e-12));  // every order telescopes to R2
  for (int j = 0; j < 7; ++j) {
    CHECK(s1.se[j] > 0);
    CHECK(std::abs(s1.general[j] - ex.general[j]) < 4.5 * s1.se[j]);
  }
  cfg.seed = 99;
  auto s3 = dominance(r, cfg);
  CHECK((s3.general.array() != s1.general.array()).any());
}

TEST_CASE("relative weights: orthogonal predictors give r^2, sum is R2, matches a hand formula", "[drivers]") {
  // Orthogonal predictors: each weight is its squared correlation.
  Eigen::MatrixXd r = Eigen::MatrixXd::Identity(4, 4);
  r(0, 3) = r(3, 0) = 0.5;
  r(1, 3) = r(3, 1) = 0.3;
  r(2, 3) = r(3, 2) = -0.2;
  auto w = relative_weights(r);
  CHECK(w.raw[0] == Approx(0.25));
  CHECK(w.raw[1] == Approx(0.09));
  CHECK(w.raw[2] == Approx(0.04));
  CHECK(w.r2 == Approx(0.38));
  CHECK(w.sign[2] == -1.0);
  // Two correlated predictors (r12 = 0.5, r1y = 0.6, r2y = 0.4): Lambda = V sqrt(D) V'
  // with eigenvalues 1.5, 0.5: lambda_11 = (sqrt(1.5)+sqrt(0.5))/2, lambda_12 = (sqrt(1.5)-sqrt(0.5))/2.
  Eigen::MatrixXd c(3, 3);
  c << 1, 0.5, 0.6, 0.5, 1, 0.4, 0.6, 0.4, 1;
  auto w2 = relative_weights(c);
  double l11 = (std::sqrt(1.5) + std::sqrt(0.5)) / 2, l12 = (std::sqrt(1.5) - std::sqrt(0.5)) / 2;
  Eigen::Matrix2d lam;
  lam << l11, l12, l12, l11;
  Eigen::Vector2d beta = lam.inverse() * Eigen::Vector2d(0.6, 0.4);
  CHECK(w2.raw[0] == Approx(l11 * l11 * beta[0] * beta[0] + l12 * l12 * beta[1] * beta[1]));
  CHECK(w2.raw[1] == Approx(l12 * l12 * beta[0] * beta[0] + l11 * l11 * beta[1] * beta[1]));
  double r2 = (0.36 + 0.16 - 2 * 0.5 * 0.6 * 0.4) / (1 - 0.25);
  CHECK(w2.r2 == Approx(r2));
  CHECK(w2.raw.sum() == Approx(r2));
  // LMG of two predictors by hand: (r1y^2 + R2 - r2y^2) / 2
  auto d = dominance(c, DriverConfig{});
  CHECK(d.general[0] == Approx((0.36 + r2 - 0.16) / 2));
}

TEST_CASE("degenerate inputs are clear errors", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(50, 3, 2, x, y);
  Eigen::VectorXd none;
  DriverConfig cfg;
  std::vector<std::string> names = {"a", "b", "c"};
  SECTION("constant column") {
    x.col(1).setConstant(3.0);
    CHECK_THROWS_WITH(correlation_from_data(x, y, none, cfg, names), Contains("'b' is constant"));
  }
  SECTION("perfectly collinear predictors") {
    x.col(2) = 2.0 * x.col(0) - x.col(1);
    auto c = correlation_from_data(x, y, none, cfg, names);
    CHECK_THROWS_AS(dominance(c.corr, cfg, 1, names), input_error);
    CHECK_THROWS_WITH(dominance(c.corr, cfg, 1, names), Contains("'c' is a linear combination of 'a', 'b'"));
    CHECK_THROWS_WITH(relative_weights(c.corr, cfg, names), Contains("'c'"));
  }
  SECTION("more predictors than rows") {
    RowMatrixXd small = x.topRows(4);
    Eigen::VectorXd ys = y.head(4);
    CHECK_THROWS_WITH(correlation_from_data(small, ys, none, cfg, names), Contains("more rows than predictors"));
  }
  SECTION("bad weight and infinite value") {
    Eigen::VectorXd w = Eigen::VectorXd::Ones(50);
    w[7] = -1;
    CHECK_THROWS_WITH(correlation_from_data(x, y, w, cfg, names), Contains("row 7"));
    x(4, 2) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(correlation_from_data(x, y, none, cfg, names), Contains("column 'c', row 4"));
  }
  SECTION("covariance that is not symmetric") {
    Eigen::MatrixXd c = Eigen::MatrixXd::Identity(3, 3);
    c(0, 1) = 0.3;
    CHECK_THROWS_WITH(correlation_from_covariance(c), Contains("not symmetric"));
  }
}

TEST_CASE("weights equal to replication; listwise counts; pairwise without gaps equals listwise", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(40, 3, 11, x, y);
  Eigen::VectorXd w = Eigen::VectorXd::Ones(40);
  w.head(10).setConstant(2.0);
  RowMatrixXd xr(50, 3);
  Eigen::VectorXd yr(50);
  xr << x, x.topRows(10);
  yr << y, y.head(10);
  DriverConfig cfg;
  Eigen::VectorXd none;
  auto a = correlation_from_data(x, y, w, cfg);
  auto b = correlation_from_data(xr, yr, none, cfg);
  CHECK((a.corr - b.corr).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(a.effective_n == Approx(50.0 * 50.0 / (10 * 4 + 30)));
  DriverConfig pw;
  pw.missing = MissingPolicy::pairwise;
  auto c = correlation_from_data(x, y, none, pw);
  auto d = correlation_from_data(x, y, none, cfg);
  CHECK((c.corr - d.corr).cwiseAbs().maxCoeff() < 1e-12);
  x(3, 0) = NaN;
  y[5] = NaN;
  auto e = correlation_from_data(x, y, none, cfg);
  CHECK(e.n_used == 38);
  CHECK(e.n_dropped == 2);
  CHECK(e.n_missing == 2);
  auto f = correlation_from_data(x, y, none, pw);
  CHECK(f.n_dropped == 1);
}

TEST_CASE("relative-weights bootstrap test: seeded, worker-independent, finds the noise predictor", "[drivers]") {
  std::mt19937_64 g(4);
  std::normal_distribution<double> N(0, 1);
  const int n = 300;
  RowMatrixXd x(n, 3);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) x(i, j) = N(g);
    y[i] = 0.7 * x(i, 0) + 0.4 * x(i, 1) + N(g);  // x2 is noise
  }
  DriverConfig cfg;
  cfg.n_bootstrap = 300;
  Eigen::VectorXd none;
  auto a = relative_weights_test(x, y, none, cfg, 1), b = relative_weights_test(x, y, none, cfg, 2);
  CHECK((a.diff_low.array() == b.diff_low.array()).all());
  CHECK(a.diff_low[0] > 0);
  CHECK(a.diff_low[1] > 0);
  CHECK(a.diff_low[2] < 0);
  CHECK(a.p_value[0] < 0.01);
  CHECK(a.n_failed == 0);
  CHECK(a.ci_low[0] < a.ci_high[0]);
}

TEST_CASE("penalty-reward recovers planted penalties and rewards exactly", "[drivers]") {
  // y = 6 - 2 * low(a) + 0.5 * high(a) + 1 * high(b) - 0.5 * low(b), no noise.
  std::vector<double> av = {1, 2, 3, 4, 5}, bv = {1, 3, 4, 5};
  std::vector<std::array<double, 3>> rows;
  for (int rep = 0; rep < 3; ++rep)
    for (double a : av)
      for (double b : bv) {
        double yv = 6 - 2.0 * (a <= 2) + 0.5 * (a >= 5) + 1.0 * (b >= 5) - 0.5 * (b <= 2) + 0.0 * rep;
        rows.push_back({a, b, yv});
      }
  const auto n = static_cast<Eigen::Index>(rows.size());
  RowMatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = rows[static_cast<std::size_t>(i)][0];
    x(i, 1) = rows[static_cast<std::size_t>(i)][1];
    y[i] = rows[static_cast<std::size_t>(i)][2];
  }
  PenaltyRewardConfig cfg;
  auto pr = penalty_reward(x, y, Eigen::VectorXd(), cfg, {"a", "b"});
  CHECK(pr.penalty[0] == Approx(2.0));
  CHECK(pr.reward[0] == Approx(0.5));
  CHECK(pr.penalty[1] == Approx(0.5));
  CHECK(pr.reward[1] == Approx(1.0));
  CHECK(pr.intercept == Approx(6.0));
  CHECK(pr.r2 == Approx(1.0));
  CHECK(pr.asymmetry[0] == Approx((0.5 - 2.0) / 2.5));
  CHECK(pr.factor_class[0] == static_cast<int>(FactorClass::basic));
  CHECK(pr.asymmetry[1] == Approx(0.5 / 1.5));
  CHECK(pr.factor_class[1] == static_cast<int>(FactorClass::exciting));
  // a threshold above |IA| makes both performance attributes
  cfg.asymmetry_threshold = 0.65;
  auto pr2 = penalty_reward(x, y, Eigen::VectorXd(), cfg, {"a", "b"});
  CHECK(pr2.factor_class[0] == static_cast<int>(FactorClass::performance));
  CHECK(pr2.factor_class[1] == static_cast<int>(FactorClass::performance));
  // no bottom box for b when low_max < 1: unclassified, penalty NaN
  cfg.low_max = 0.5;
  auto pr3 = penalty_reward(x, y, Eigen::VectorXd(), cfg, {"a", "b"});
  CHECK(std::isnan(pr3.penalty[1]));
  CHECK(pr3.factor_class[1] == static_cast<int>(FactorClass::unclassified));
  CHECK(pr3.n_low[1] == 0);
}

TEST_CASE("IPA quadrants, crosshairs and the tie rule", "[drivers]") {
  Eigen::VectorXd perf(4), imp(4);
  perf << 2.8, 4.4, 3.9, 4.5;
  imp << 0.30, 0.25, 0.10, 0.05;
  IpaConfig cfg;  // data_mean: performance 3.9, importance 0.175
  auto r = ipa(perf, imp, cfg);
  CHECK(r.performance_cut == Approx(3.9));
  CHECK(r.importance_cut == Approx(0.175));
  CHECK(r.quadrant[0] == static_cast<int>(IpaQuadrant::concentrate_here));
  CHECK(r.quadrant[1] == static_cast<int>(IpaQuadrant::keep_up_good_work));
  CHECK(r.quadrant[2] == static_cast<int>(IpaQuadrant::possible_overkill));  // 3.9 == cut: high
  CHECK(r.quadrant[3] == static_cast<int>(IpaQuadrant::possible_overkill));
  cfg.crosshair = Crosshair::data_median;  // 4.15 and 0.175
  auto m = ipa(perf, imp, cfg);
  CHECK(m.performance_cut == Approx(4.15));
  CHECK(m.quadrant[2] == static_cast<int>(IpaQuadrant::low_priority));
  cfg.crosshair = Crosshair::scale;  // 3 and (0.05 + 0.30) / 2
  auto s = ipa(perf, imp, cfg);
  CHECK(s.performance_cut == 3.0);
  CHECK(s.importance_cut == Approx(0.175));
  cfg.crosshair = Crosshair::diagonal;
  auto d = ipa(perf, imp, cfg);
  // priority = (imp - 0.05) / 0.25 - (perf - 1) / 4
  CHECK(d.priority[0] == Approx(1.0 - 0.45));
  CHECK(d.quadrant[0] == static_cast<int>(IpaQuadrant::concentrate_here));
  CHECK(d.priority[1] == Approx(0.8 - 0.85));
  CHECK(d.quadrant[1] == static_cast<int>(IpaQuadrant::keep_up_good_work));
  Eigen::VectorXd bad = imp;
  bad[2] = NaN;
  CHECK_THROWS_WITH(ipa(perf, bad, IpaConfig{}, {"w", "s", "p", "d"}), Contains("'p'"));
}

TEST_CASE("driver configurations round-trip through JSON and reject unknown keys", "[drivers]") {
  DriverConfig c;
  c.exact_max_predictors = 20;
  c.seed = 7;
  c.missing = MissingPolicy::pairwise;
  CHECK(driver_config_from_json(to_json(c)) == c);
  CHECK_THROWS_AS(driver_config_from_json(R"({"exact_max": 3})"), config_error);
  CHECK_THROWS_AS(driver_config_from_json(R"({"exact_max_predictors": 40})"), config_error);
  CHECK_THROWS_WITH(driver_config_from_json(R"({"missing": "drop"})"), Contains("expected 'listwise'"));
  PenaltyRewardConfig p;
  p.high_min = 4;
  CHECK(penalty_reward_config_from_json(to_json(p)) == p);
  CHECK_THROWS_AS(penalty_reward_config_from_json(R"({"low_max": 5, "high_min": 4})"), config_error);
  IpaConfig i;
  i.crosshair = Crosshair::diagonal;
  CHECK(ipa_config_from_json(to_json(i)) == i);
  i.importance_min = 0;
  i.importance_max = 10;
  CHECK(ipa_config_from_json(to_json(i)) == i);
  CHECK_THROWS_WITH(ipa_config_from_json(R"({"crosshair": "centre"})"), Contains("data_median"));
}

TEST_CASE("correlations from a merged Moments state equal those from the raw data", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(120, 4, 21, x, y);
  x(3, 1) = NaN;
  RowMatrixXd all(120, 5);
  all << x, y;
  Moments a(5), b(5);
  a.update(all.topRows(50));
  b.update(all.bottomRows(70));
  b.merge(a);
  DriverConfig cfg;
  auto raw = correlation_from_data(x, y, Eigen::VectorXd(), cfg);
  auto mom = correlation_from_moments(b, {0, 1, 2, 3}, 4);
  CHECK((raw.corr - mom.corr).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(mom.n_used == 119);
  CHECK(mom.n_dropped == 1);
  auto d1 = dominance(raw.corr, cfg), d2 = dominance(mom.corr, cfg);
  CHECK((d1.general - d2.general).cwiseAbs().maxCoeff() < 1e-12);
  // a subset and another order of the predictors
  auto sub = correlation_from_moments(b, {2, 0}, 4);
  CHECK(sub.corr(0, 2) == Approx(raw.corr(2, 4)).margin(1e-12));
  CHECK_THROWS_WITH(correlation_from_moments(b, {0, 0}, 4), Contains("repeated"));
  CHECK_THROWS_WITH(correlation_from_moments(b, {0, 7}, 4), Contains("out of range"));
}

TEST_CASE("long dominance loops call the interrupt check and stop when it throws", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(200, 22, 5, x, y);
  DriverConfig cfg;
  auto c = correlation_from_data(x, y, Eigen::VectorXd(), cfg);
  int calls = 0;
  auto check = [&] {
    if (++calls == 2) throw std::runtime_error("interrupted");
  };
  // 2^22 subsets: four chunks of 2^20, the second check stops the walk
  CHECK_THROWS_WITH(dominance(c.corr, cfg, DominanceSpec{}, 1, {}, check), Contains("interrupted"));
  CHECK(calls == 2);
  cfg.exact_max_predictors = 10;  // sampled: chunks of permutations
  calls = 0;
  CHECK_THROWS_WITH(dominance(c.corr, cfg, DominanceSpec{}, 2, {}, check), Contains("interrupted"));
  CHECK(calls == 2);
}

TEST_CASE("predictor sets: a set of one predictor each is plain LMG; always shifts the base", "[drivers]") {
  RowMatrixXd x;
  Eigen::VectorXd y;
  make_data(150, 4, 9, x, y);
  DriverConfig cfg;
  auto c = correlation_from_data(x, y, Eigen::VectorXd(), cfg);
  auto plain = dominance(c.corr, cfg);
  DominanceSpec singles;
  singles.units = {{0}, {1}, {2}, {3}};
  auto s = dominance(c.corr, cfg, singles, 1, {}, {});
  CHECK((s.general - plain.general).cwiseAbs().maxCoeff() < 1e-13);
  DominanceSpec spec;
  spec.units = {{0, 1}, {3}};
  spec.always = {2};
  auto g = dominance(c.corr, cfg, spec, 1, {}, {});
  const double r2a = subset_r2(c.corr, 0b0100), full = subset_r2(c.corr, 0b1111);
  CHECK(g.r2_always == Approx(r2a).margin(1e-13));
  CHECK(g.general.sum() == Approx(full - r2a).margin(1e-13));
  // two units: Shapley value of unit {0,1} = half its increment over {2} plus half over {2,3}
  const double want = 0.5 * (subset_r2(c.corr, 0b0111) - r2a) + 0.5 * (full - subset_r2(c.corr, 0b1100));
  CHECK(g.general[0] == Approx(want).margin(1e-13));
  DominanceSpec bad;
  bad.units = {{0, 1}, {1, 2}, {3}};
  CHECK_THROWS_WITH(dominance(c.corr, cfg, bad, 1, {}, {}), Contains("is in set 0 and in set 1"));
}

TEST_CASE("bootstrap indices are seeded per resample and penalty-reward refuses a constant outcome", "[drivers]") {
  auto a = bootstrap_indices(50, 3, 7), b = bootstrap_indices(50, 3, 7), c = bootstrap_indices(50, 3, 8);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(*std::max_element(a.begin(), a.end()) < 50);
  RowMatrixXd x(6, 1);
  x << 1, 2, 3, 4, 5, 3;
  Eigen::VectorXd y = Eigen::VectorXd::Constant(6, 3.0);
  CHECK_THROWS_WITH(penalty_reward(x, y, Eigen::VectorXd(), PenaltyRewardConfig{}, {"wait"}),
                    Contains("the outcome is constant (value 3)"));
}
