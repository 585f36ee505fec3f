#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

#include "servscore/errors.hpp"
#include "servscore/nps.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

// methods.md check: 250 promoters, 675 passives, 75 detractors
VectorXi8 check_sample() {
  VectorXi8 x(1000);
  for (int i = 0; i < 1000; ++i)
    x[i] = static_cast<std::int8_t>(i < 250 ? (i % 2 ? 9 : 10) : i < 925 ? 7 + i % 2 : i % 7);
  return x;
}
}  // namespace

TEST_CASE("NPS check values of methods.md", "[nps]") {
  auto c = count_responses(check_sample(), 0, 10);
  NpsConfig cfg;
  cfg.method = NpsInterval::wald;
  auto e = nps_estimates(c, cfg)[0];
  CHECK(e.n == 1000);
  CHECK(e.promoters == 250);
  CHECK(e.passives == 675);
  CHECK(e.detractors == 75);
  CHECK(e.nps == Approx(17.5));
  CHECK(e.se == Approx(1.716).margin(5e-4));
  CHECK(e.lower == Approx(14.14).margin(5e-3));
  CHECK(e.upper == Approx(20.86).margin(5e-3));
  cfg.method = NpsInterval::adjusted_wald;
  auto a = nps_estimates(c, cfg)[0];
  CHECK(a.lower == Approx(14.09).margin(5e-3));
  CHECK(a.upper == Approx(20.81).margin(5e-3));
  // adjusted Wald by hand: n' = 1003, pP' = 250.75/1003, pD' = 75.75/1003
  const double pp = 250.75 / 1003, pd = 75.75 / 1003;
  const double h = 1.959963984540054 * std::sqrt((pp + pd - (pp - pd) * (pp - pd)) / 1003);
  CHECK(a.lower == Approx(100 * (pp - pd - h)).epsilon(1e-12));
}

TEST_CASE("MOVER interval by hand", "[nps]") {
  auto c = count_responses(check_sample(), 0, 10);
  NpsConfig cfg;
  cfg.method = NpsInterval::mover;
  auto e = nps_estimates(c, cfg)[0];
  const double z = 1.959963984540054;
  auto wil = [&](double p, double n) {
    double d = 1 + z * z / n, m = (p + z * z / (2 * n)) / d;
    double h = z / d * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    return std::pair{m - h, m + h};
  };
  auto [lp, up] = wil(0.25, 1000);
  auto [ld, ud] = wil(0.075, 1000);
  const double r = -std::sqrt(0.25 * 0.075 / (0.75 * 0.925));
  const double lo =
      0.175 - std::sqrt(std::pow(0.25 - lp, 2) + std::pow(ud - 0.075, 2) - 2 * r * (0.25 - lp) * (ud - 0.075));
  const double hi =
      0.175 + std::sqrt(std::pow(up - 0.25, 2) + std::pow(0.075 - ld, 2) - 2 * r * (up - 0.25) * (0.075 - ld));
  CHECK(e.lower == Approx(100 * lo).epsilon(1e-12));
  CHECK(e.upper == Approx(100 * hi).epsilon(1e-12));
  CHECK(e.lower > 13.5);
  CHECK(e.upper < 21.5);
}

TEST_CASE("difference, sample size and Wilson", "[nps]") {
  NpsConfig cfg;
  cfg.method = NpsInterval::wald;
  auto a = nps_estimates(count_responses(check_sample(), 0, 10), cfg)[0];
  VectorXi8 y(400);
  for (int i = 0; i < 400; ++i) y[i] = static_cast<std::int8_t>(i < 80 ? 10 : i < 280 ? 8 : 3);  // 20% P, 30% D
  auto b = nps_estimates(count_responses(y, 0, 10), cfg)[0];
  CHECK(b.nps == Approx(-10.0));
  auto d = nps_difference(a, b, cfg);
  const double se = std::sqrt(0.294375 / 1000 + (0.5 - 0.01) / 400);
  CHECK(d.difference == Approx(27.5));
  CHECK(d.se == Approx(100 * se));
  CHECK(d.lower == Approx(27.5 - 1.959963984540054 * 100 * se));
  CHECK(d.p_value == Approx(std::erfc(27.5 / (100 * se) / std::sqrt(2.0))));
  // worst case v = 1: 1.96^2 / 0.05^2 = 1536.6 -> 1537; adjusted Wald: 3 fewer
  CHECK(nps_sample_size(5, 0.5, 0.5, cfg) == 1537);
  cfg.method = NpsInterval::adjusted_wald;
  CHECK(nps_sample_size(5, 0.5, 0.5, cfg) == 1534);
  CHECK_THROWS_AS(nps_sample_size(0, 0.5, 0.5, cfg), config_error);
  auto [lo, hi] = wilson_interval(50, 100, 0.95);
  CHECK(lo == Approx(0.4038).margin(1e-4));  // Wilson (1927): 50/100 -> [0.4038, 0.5962]
  CHECK(hi == Approx(0.5962).margin(1e-4));
}

TEST_CASE("counting: groups, weights, missing and errors", "[nps]") {
  Eigen::VectorXd x(6);
  x << 10, 0, NaN, 7, 9, 5;
  VectorXi32 g(6);
  g << 0, 0, 0, 1, 1, 1;
  Eigen::VectorXd w(6);
  w << 1, 2, 5, 1, 1, 2;
  auto c = count_responses(x, 0, 10, g, 2, w);
  CHECK(c.counts(0, 10) == 1);
  CHECK(c.counts(0, 0) == 1);
  CHECK(c.missing[0] == 1);
  CHECK(c.weight_sum(1, 5) == 2.0);
  auto e = nps_estimates(c, NpsConfig{});
  CHECK(e[0].nps == Approx(100.0 * (1 - 2) / 3));
  CHECK(e[0].n_eff == Approx(9.0 / 5));
  CHECK(e[1].nps == Approx(100.0 * (1 - 2) / 4));
  CHECK(e[1].n_missing == 0);
  Eigen::VectorXd bad(2);
  bad << 3, 11;
  CHECK_THROWS_WITH(count_responses(bad, 0, 10, VectorXi32(), 1, Eigen::VectorXd(), 1, "column 'nps'"),
                    Contains("column 'nps', row 1: value 11 is outside the scale [0, 10]"));
  bad << 3.5, 1;
  CHECK_THROWS_WITH(count_responses(bad, 0, 10), Contains("value 3.5 is not a whole number"));
  Eigen::VectorXd negw(2);
  negw << 1, -1;
  bad << 3, 1;
  CHECK_THROWS_WITH(count_responses(bad, 0, 10, VectorXi32(), 1, negw), Contains("weights, row 1: weight -1"));
  VectorXi8 big(100000);
  big.setConstant(5);
  big[77777] = 12;
  CHECK_THROWS_WITH(count_responses(big, 0, 10, VectorXi32(), 1, Eigen::VectorXd(), 2),
                    Contains("row 77777: value 12 is outside"));
  CHECK_THROWS_AS(count_responses(bad, 0, 10, g, 2), input_error);  // lengths differ
}

TEST_CASE("merge in any order, workers and bytes round trip", "[nps]") {
  std::mt19937 rng(7);
  const int n = 300000;
  VectorXi8 x(n);
  Eigen::VectorXd xd(n), w(n);
  VectorXi32 g(n);
  for (int i = 0; i < n; ++i) {
    x[i] = static_cast<std::int8_t>(rng() % 11);
    xd[i] = (rng() % 20 == 0) ? NaN : static_cast<double>(x[i]);
    g[i] = static_cast<std::int32_t>(rng() % 3);
    w[i] = 0.25 * static_cast<double>(1 + rng() % 8);  // dyadic: sums are exact
  }
  auto one = count_responses(x, 0, 10, VectorXi32(), 1, Eigen::VectorXd(), 1);
  auto many = count_responses(x, 0, 10, VectorXi32(), 1, Eigen::VectorXd(), 4);
  CHECK(one == many);
  for (int p = 0; p < 11; ++p) {
    std::int64_t k = 0;
    for (int i = 0; i < n; ++i) k += x[i] == p;
    CHECK(one.counts(0, p) == k);
  }
  auto full = count_responses(xd, 0, 10, g, 3, w, 1);
  CHECK(full == count_responses(xd, 0, 10, g, 3, w, 3));
  auto part2 = count_responses(xd.tail(n - 1000), 0, 10, g.tail(n - 1000), 3, w.tail(n - 1000));
  auto part1 = count_responses(xd.head(1000), 0, 10, g.head(1000), 3, w.head(1000));
  part2.merge(part1);
  CHECK(part2 == full);
  auto back = ResponseCounts::from_bytes(full.to_bytes());
  CHECK(back == full);
  std::string s = full.to_bytes();
  CHECK_THROWS_AS(ResponseCounts::from_bytes(s.substr(0, s.size() - 3)), input_error);
  CHECK_THROWS_AS(ResponseCounts::from_bytes("nonsense"), input_error);
  VectorXi32 map(3);
  map << 0, 0, 0;
  auto all = full.regroup(map, 1);
  CHECK(all.counts.sum() == full.counts.sum());
  CHECK_THROWS_AS(full.merge(all), input_error);
}

TEST_CASE("box estimates: top box, Wilson and mean", "[nps]") {
  Eigen::VectorXd x(10);
  x << 5, 5, 4, 4, 4, 3, 2, 1, 5, NaN;
  auto c = count_responses(x, 1, 5);
  auto e = box_estimates(c, BoxConfig{})[0];
  CHECK(e.n == 9);
  CHECK(e.n_missing == 1);
  CHECK(e.top == 6);
  CHECK(e.top_share == Approx(6.0 / 9));
  auto [lo, hi] = wilson_interval(6, 9, 0.95);
  CHECK(e.top_lower == Approx(lo));
  CHECK(e.bottom_share == Approx(2.0 / 9));
  CHECK(e.mean == Approx(33.0 / 9));
  // sample sd of {5,5,4,4,4,3,2,1,5}
  double m = 33.0 / 9, ss = 0;
  for (double v : {5, 5, 4, 4, 4, 3, 2, 1, 5}) ss += (v - m) * (v - m);
  CHECK(e.sd == Approx(std::sqrt(ss / 8)));
  // t(0.975, 8) = 2.306004
  CHECK(e.mean_upper - e.mean == Approx(2.306004 * e.sd / 3).epsilon(1e-6));
  BoxConfig bad;
  bad.top_min = 2;
  bad.bottom_max = 3;
  CHECK_THROWS_WITH(bad.validate(), Contains("bottom_max: 3 is out of range"));
  CHECK_THROWS_WITH(box_config_from_json(R"({"top":4})"), Contains("unknown key(s) 'top'"));
  CHECK(nps_config_from_json(to_json(NpsConfig{})) == NpsConfig{});
  CHECK_THROWS_WITH(nps_config_from_json(R"({"method":"exact"})"), Contains("config.method"));
  CHECK_THROWS_AS(box_estimates(count_responses(x, 0, 10), BoxConfig{}), config_error);
}

TEST_CASE("grouped int8 kernel equals the general kernel and reports bad rows", "[nps]") {
  std::mt19937 rng(11);
  const int n = 50001;
  VectorXi8 x(n);
  VectorXi32 g(n);
  for (int i = 0; i < n; ++i) {
    x[i] = static_cast<std::int8_t>(rng() % 11);
    g[i] = static_cast<std::int32_t>(rng() % 4);
  }
  Eigen::VectorXd xd = x.cast<double>();
  auto fast = count_responses(x, 0, 10, g, 4, Eigen::VectorXd(), 1);
  CHECK(fast == count_responses(xd, 0, 10, g, 4, Eigen::VectorXd(), 1));
  CHECK(fast == count_responses(x, 0, 10, g, 4, Eigen::VectorXd(), 3));
  std::int64_t k = 0;
  for (int i = 0; i < n; ++i) k += (g[i] == 2 && x[i] == 7);
  CHECK(fast.counts(2, 7) == k);
  x[30000] = 11;
  CHECK_THROWS_WITH(count_responses(x, 0, 10, g, 4), Contains("row 30000: value 11 is outside"));
  x[30000] = 1;
  g[40000] = 4;
  CHECK_THROWS_WITH(count_responses(x, 0, 10, g, 4), Contains("groups: row 40000 has group code 4"));
}

TEST_CASE("merge refuses an overflowing sum", "[nps]") {
  using servscore::ResponseCounts;
  // A state may hold 2^62 responses; two of them would make 2^63, one past INT64_MAX.
  const std::int64_t big = std::int64_t{1} << 62;
  ResponseCounts a = ResponseCounts::zeros(0, 10, 1, false);
  a.counts(0, 10) = big;
  ResponseCounts b = ResponseCounts::zeros(0, 10, 1, false);
  b.counts(0, 3) = 1;
  const ResponseCounts before = a;
  REQUIRE_THROWS_AS(a.merge(b), servscore::input_error);
  CHECK(a.counts == before.counts);  // unchanged by the refused merge
  // one response fewer fits exactly
  a.counts(0, 10) = big - 1;
  a.merge(b);
  CHECK(a.counts(0, 10) == big - 1);
  CHECK(a.counts(0, 3) == 1);
  // an image holding more than 2^62 responses is refused when read
  ResponseCounts c = ResponseCounts::zeros(0, 10, 2, false);
  c.counts(0, 0) = big;
  c.missing[1] = 1;
  REQUIRE_THROWS_AS(ResponseCounts::from_bytes(c.to_bytes()), servscore::input_error);
  c.missing[1] = 0;
  CHECK(ResponseCounts::from_bytes(c.to_bytes()).counts(0, 0) == big);
}
