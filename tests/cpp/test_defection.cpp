// Defection-reason shares and benchmark test, the impressions ledger, and referrals.
// Expected values are hand calculations shown in the comments.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "servscore/defection.hpp"
#include "servscore/errors.hpp"
#include "servscore/impressions.hpp"
#include "servscore/loyalty.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

VectorXi32 ints(std::vector<std::int32_t> v) {
  return Eigen::Map<VectorXi32>(v.data(), static_cast<Eigen::Index>(v.size()));
}
Eigen::VectorXd doubles(std::vector<double> v) {
  return Eigen::Map<Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}
}  // namespace

TEST_CASE("defection shares count, weight and skip missing answers", "[defection]") {
  // codes: 0 0 1 -1 2, weights 1 2 3 4 2: counts 3, 3, 2 (total 8); sum w^2 = 1+4+9+4 = 18
  const DefectionShares s = defection_shares(ints({0, 0, 1, -1, 2}), doubles({1, 2, 3, 4, 2}), VectorXi32(), 1, 3, {});
  CHECK(s.count(0, 0) == 3.0);
  CHECK(s.n(0, 0) == 2);
  CHECK(s.n_missing[0] == 1);
  CHECK(s.total[0] == 8.0);
  CHECK(s.n_effective[0] == Approx(64.0 / 18.0).epsilon(1e-14));
  CHECK(s.share(0, 2) == 0.25);
  CHECK_THROWS_WITH(defection_shares(ints({0, 3}), Eigen::VectorXd(), VectorXi32(), 1, 3, {}),
                    Contains("row 1") && Contains("code 3"));
  CHECK_THROWS_WITH(defection_shares(ints({0, 1}), doubles({1, NaN}), VectorXi32(), 1, 3, {}),
                    Contains("row 1") && Contains("weights"));
}

TEST_CASE("multinomial intervals on real counts equal the integer ones", "[defection]") {
  // Goodman, k = 3, n = 100: the loyalty engine's integer version is the reference
  const Eigen::MatrixXd a = multinomial_intervals_real({50, 30, 20}, 0.95, MultinomialInterval::goodman);
  const Eigen::MatrixXd b = multinomial_intervals({50, 30, 20}, 0.95, MultinomialInterval::goodman);
  CHECK((a - b).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(a(0, 0) == Approx(0.3836).margin(1e-4));  // the docstring value of ss.loyalty.multinomial_intervals
}

TEST_CASE("benchmark test: Pearson chi-square and adjusted residuals", "[defection]") {
  // observed 10 0 15 15 60 0 against 3 5 9 14 68 1 (n = 100):
  // 49/3 + 25/5 + 36/9 + 1/14 + 64/68 + 1/1
  const BenchmarkTest t = benchmark_test({10, 0, 15, 15, 60, 0}, {0.03, 0.05, 0.09, 0.14, 0.68, 0.01});
  CHECK(t.statistic == Approx(49.0 / 3 + 5 + 4 + 1.0 / 14 + 64.0 / 68 + 1).epsilon(1e-14));
  CHECK(t.dof == 5);
  CHECK(t.min_expected == Approx(1.0));
  CHECK(t.residual[0] == Approx(7.0 / std::sqrt(3 * 0.97)).epsilon(1e-14));
  CHECK(t.p_value < 1e-4);
  // a category the benchmark rules out but the data show: infinite statistic, p = 0
  const BenchmarkTest z = benchmark_test({5, 5, 1}, {0.5, 0.5, 0.0});
  CHECK(std::isinf(z.statistic));
  CHECK(z.p_value == 0.0);
  CHECK(z.n_impossible == 1);
  CHECK_THROWS_AS(benchmark_test({1, 1}, {0.6, 0.6}), config_error);
}

TEST_CASE("impressions ledger: twelve positives repair one negative", "[impressions]") {
  // customer 0: 1 then twelve 5s -> balance 12 - 12 = 0, lowest -12; customer 1: 5 1 5 -> 2 - 12 = -10
  std::vector<std::int32_t> c(13, 0);
  std::vector<double> r(13, 5.0);
  r[0] = 1.0;
  for (double x : {5.0, 1.0, 5.0}) {
    c.push_back(1);
    r.push_back(x);
  }
  const ImpressionConfig cfg;
  const ImpressionLedger L = impression_ledger(ints(c), doubles(r), 2, cfg);
  CHECK(L.balance[0] == 0.0);
  CHECK(L.lowest_balance[0] == -12.0);
  CHECK(L.deficit[0] == 0);
  CHECK(L.balance[1] == -10.0);
  CHECK(L.deficit[1] == 1);
  CHECK(L.running_balance[14] == -11.0);
  const ImpressionSummary s = summarize_impressions(L, VectorXi32(), 1, cfg);
  CHECK(s.customers[0] == 2);
  CHECK(s.in_deficit[0] == 1);
  CHECK(s.repairs_needed[0] == 10.0);
  CHECK(s.negative_rate[0] == Approx(2.0 / 16.0));
  CHECK_THROWS_WITH(impression_ledger(ints({0}), doubles({7}), 1, cfg), Contains("outside the scale"));
  ImpressionConfig bad;
  bad.negative_max = 4.5;
  CHECK_THROWS_AS(bad.validate(), config_error);
}

TEST_CASE("referrals per customer: mean, t interval and share referring", "[loyalty]") {
  // 0 2 4: mean 2, sd 2, t(0.975, 2) = 4.302652729749462 (scipy.stats.t.ppf), half = 4.3026... * 2 / sqrt(3)
  const ReferralSummary s = summarize_referrals(doubles({0, 2, 4, NaN}), VectorXi32(), 1, 0.95);
  CHECK(s.n[0] == 3);
  CHECK(s.missing[0] == 1);
  CHECK(s.mean[0] == 2.0);
  CHECK(s.sd[0] == Approx(2.0).epsilon(1e-14));
  CHECK(s.upper[0] == Approx(2.0 + 4.302652729749462 * 2.0 / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(s.lower[0] == 0.0);  // clipped
  CHECK(s.share_referring[0] == Approx(2.0 / 3.0));
  CHECK_THROWS_WITH(summarize_referrals(doubles({1, -2}), VectorXi32(), 1, 0.95), Contains("row 1"));
}
