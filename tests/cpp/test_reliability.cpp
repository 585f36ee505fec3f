#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "servscore/errors.hpp"
#include "servscore/omega.hpp"
#include "servscore/reliability.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
// The numeric columns 1..27 of tests/data/satisfaction.csv (250 rows).
RowMatrixXd satisfaction() {
  std::ifstream in(std::string(SERVSCORE_TEST_DATA) + "/satisfaction.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> row;
    std::getline(ss, cell, ',');  // row number
    for (int j = 0; j < 27; ++j) {
      std::getline(ss, cell, ',');
      row.push_back(std::stod(cell));
    }
    rows.push_back(row);
  }
  RowMatrixXd x(static_cast<Eigen::Index>(rows.size()), 27);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (int j = 0; j < 27; ++j) x(static_cast<Eigen::Index>(i), j) = rows[i][static_cast<std::size_t>(j)];
  return x;
}
}  // namespace

TEST_CASE("published block alphas and rho of satisfaction.csv (R plspm)", "[reliability]") {
  RowMatrixXd x = satisfaction();
  REQUIRE(x.rows() == 250);
  struct Block {
    int start, k;
    double raw;
  };
  // imag, expe, qual, val, sat, loy
  const Block blocks[] = {{0, 5, 0.8218546},  {5, 5, 0.8431449},  {10, 5, 0.8685179},
                          {15, 4, 0.8319666}, {19, 4, 0.8942952}, {23, 4, 0.8206386}};
  for (const auto& b : blocks) {
    AlphaResult r = cronbach_alpha(RowMatrixXd(x.middleCols(b.start, b.k)));
    CHECK(r.alpha == Approx(b.raw).margin(5e-8));
    CHECK(r.n == 250);
  }
  AlphaResult imag = cronbach_alpha(RowMatrixXd(x.middleCols(0, 5)));
  CHECK(imag.alpha_standardized == Approx(0.8302267).margin(5e-8));
  CHECK(imag.dg_rho == Approx(0.8822033).margin(5e-8));
  AlphaResult sat = cronbach_alpha(RowMatrixXd(x.middleCols(19, 4)));
  CHECK(sat.alpha_standardized == Approx(0.8940109).margin(5e-8));
  CHECK(sat.dg_rho == Approx(0.9267006).margin(5e-8));
  CHECK(sat.eigen1 > 1.0);
  CHECK(sat.eigen2 < 1.0);
}

TEST_CASE("hand-computed alpha, item statistics and Feldt interval", "[reliability]") {
  // items: var 1, 1, 1 and all covariances 0.5 -> alpha = 3/2 (1 - 3/6) = 0.75
  Eigen::MatrixXd s = Eigen::MatrixXd::Constant(3, 3, 0.5);
  s.diagonal().setOnes();
  CHECK(alpha_from_covariance(s) == Approx(0.75));
  RowMatrixXd x(5, 3);
  x << 4, 4, 5, 5, 4, 5, 3, 3, 2, 2, 1, 2, 5, 5, 4;
  AlphaResult r = cronbach_alpha(x);
  // covariance by hand: var 1.7, 2.3, 2.3; cov12 1.85, cov13 1.65, cov23 1.7 -> sum 16.7, trace 6.3
  CHECK(r.alpha == Approx(1.5 * (1.0 - 6.3 / 16.7)));
  // deleting item 3: items 1, 2: var 1.7 + 2.3, cov 1.85 -> 2 (1 - 4.0 / 7.7)
  CHECK(r.alpha_if_deleted(2) == Approx(2.0 * (1.0 - 4.0 / 7.7)));
  // corrected item-total of item 1: cov(x1, x2 + x3) = 1.85 + 1.65, var(x2 + x3) = 2.3 + 2.3 + 2 * 1.7
  CHECK(r.item_total_r(0) == Approx(3.5 / std::sqrt(1.7 * 8.0)));
  // Feldt: F quantiles of F(99, 891) (scipy: 1.31980..., 0.73154...)
  auto [lo, hi] = feldt_interval(0.8, 100, 10, 0.95);
  CHECK(lo == Approx(0.7360484590607337).epsilon(1e-9));
  CHECK(hi == Approx(0.8536918190912511).epsilon(1e-9));
  // no F distribution for an infinite n or df2 (a weighted state with an overflowing effective n;
  // fuzz regression state_bytes/alpha_feldt_infinite_effective_n): no interval, not a domain_error
  const double inf = std::numeric_limits<double>::infinity();
  for (const double n : {inf, 1e308}) {
    const auto [ilo, ihi] = feldt_interval(0.8, n, 3, 0.95);
    CHECK(std::isnan(ilo));
    CHECK(std::isnan(ihi));
  }
  Eigen::VectorXd l(3);
  l << 0.8, 0.7, 0.9;
  CHECK(dillon_goldstein_rho(l) == Approx(5.76 / 6.82));
  CHECK(average_variance_extracted(l) == Approx(1.94 / 3.0));
}

TEST_CASE("alpha accumulator merges to the one-pass result", "[reliability]") {
  RowMatrixXd x = satisfaction().middleCols(10, 5);
  AlphaAccumulator a(5), b(5);
  a.update(x.topRows(100));
  b.update(x.bottomRows(150));
  AlphaAccumulator c = AlphaAccumulator::from_bytes(b.to_bytes());
  c.merge(a);
  CHECK(c.result().alpha == Approx(cronbach_alpha(x).alpha).epsilon(1e-12));
}

TEST_CASE("reliability errors name the problem", "[reliability]") {
  CHECK_THROWS_WITH(cronbach_alpha(RowMatrixXd::Ones(4, 1)), Contains("at least 2 items"));
  RowMatrixXd x(3, 2);
  x << 1, 2, std::nan(""), 3, 4, std::nan("");
  CHECK_THROWS_WITH(cronbach_alpha(x), Contains("at least 2 complete rows"));
  CHECK_THROWS_AS(cronbach_alpha(RowMatrixXd::Ones(4, 2), MissingPolicy::listwise, 1.2), config_error);
}

TEST_CASE("split halves and Guttman's lambdas of an equicorrelation matrix (hand-computed)", "[reliability]") {
  // r = 0.5, k = 4: 1'R1 = 10; each of the 3 splits has r_AB = 2, so 4 * 2 / 10 = 0.8
  Eigen::MatrixXd r = Eigen::MatrixXd::Constant(4, 4, 0.5);
  r.diagonal().setOnes();
  SplitHalfResult s = split_half(r);
  CHECK(s.exhaustive);
  CHECK(s.n_splits == 3);
  CHECK(s.max == Approx(0.8).margin(1e-14));
  CHECK(s.min == Approx(0.8).margin(1e-14));
  CHECK(s.mean == Approx(0.8).margin(1e-14));
  CHECK(s.lambda1 == Approx(0.6).margin(1e-14));
  CHECK(s.lambda2 == Approx(0.8).margin(1e-14));  // (6 + sqrt(4/3 * 12 * 0.25)) / 10
  CHECK(s.lambda3 == Approx(0.8).margin(1e-14));
  // lambda5 = 0.6 + 2 sqrt(3 * 0.25) / 10
  CHECK(s.lambda5 == Approx(0.6 + 2.0 * std::sqrt(0.75) / 10.0).margin(1e-14));
  // smc = 1 - 1/(R^-1)_ii; for equicorrelation (R^-1)_ii = (1 + (k-2) r) / ((1-r)(1+(k-1) r)) = 2 / (0.5 * 2.5)
  const double smc1 = 1.0 - 1.25 / 2.0;
  CHECK(s.lambda6 == Approx((10.0 + 4.0 * smc1 - 4.0) / 10.0).margin(1e-12));
  Eigen::VectorXd keys(4);
  keys << 1, -1, 1, 1;
  // item 2 reversed: every split has r_AB = 0.5 + 0.5 - 0.5 - 0.5 = 0
  SplitHalfResult k2 = split_half(r, {}, keys);
  CHECK(k2.max == Approx(0.0).margin(1e-14));
  CHECK(k2.lambda1 == Approx(0.0).margin(1e-14));  // 1'R1 = 4 = tr R
}

TEST_CASE("minres recovers an exact one-factor model; omega of it (hand-computed)", "[reliability]") {
  Eigen::VectorXd l(4);
  l << 0.8, 0.7, 0.6, 0.5;
  Eigen::MatrixXd r = l * l.transpose();
  r.diagonal().setOnes();
  FactorSolution f = minres(r, 1);
  CHECK(f.converged);
  Eigen::VectorXd got = f.loadings.col(0) * (f.loadings.col(0).sum() < 0 ? -1.0 : 1.0);
  CHECK((got - l).cwiseAbs().maxCoeff() < 1e-10);
  OmegaConfig c;
  c.nfactors = 1;
  OmegaResult o = omega(r, c);
  // (sum l)^2 / 1'R1 = 6.76 / (6.76 + 4 - 1.74)
  CHECK(o.omega_h == Approx(6.76 / 9.02).margin(1e-10));
  CHECK(o.omega_total == Approx(6.76 / 9.02).margin(1e-10));
  c.nfactors = 4;
  CHECK_THROWS_AS(omega(r, c), config_error);  // at most k - 1 factors
}
