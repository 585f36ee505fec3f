#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "servscore/detail/quantile.hpp"
#include "servscore/detail/random.hpp"
#include "servscore/errors.hpp"
#include "servscore/kano.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {

// A state whose single attribute has the given category counts, made of answer pairs of the
// CQM table: A (1,4), O (1,5), M (2,5), I (3,3), R (5,1), Q (1,1).
KanoAccumulator state_with(std::int64_t a, std::int64_t o, std::int64_t m, std::int64_t i, std::int64_t r,
                           std::int64_t q, std::int64_t missing = 0) {
  KanoAccumulator s(1, 1, 5);
  auto& c = s.counts();
  c(0, 1 * 6 + 4) = a;
  c(0, 1 * 6 + 5) = o;
  c(0, 2 * 6 + 5) = m;
  c(0, 3 * 6 + 3) = i;
  c(0, 5 * 6 + 1) = r;
  c(0, 1 * 6 + 1) = q;
  c(0, 0 * 6 + 3) = missing;
  return s;
}

}  // namespace

TEST_CASE("CQM table cells", "[kano]") {
  auto t = kano_table_cqm();
  CHECK(t.at(1, 1) == KanoCategory::questionable);
  CHECK(t.at(1, 2) == KanoCategory::attractive);
  CHECK(t.at(1, 4) == KanoCategory::attractive);
  CHECK(t.at(1, 5) == KanoCategory::one_dimensional);
  CHECK(t.at(2, 5) == KanoCategory::must_be);
  CHECK(t.at(4, 5) == KanoCategory::must_be);
  CHECK(t.at(3, 3) == KanoCategory::indifferent);
  CHECK(t.at(2, 1) == KanoCategory::reverse);
  CHECK(t.at(5, 4) == KanoCategory::reverse);
  CHECK(t.at(5, 5) == KanoCategory::questionable);
  auto p = kano_table_pouliot();
  CHECK(p.at(2, 2) == KanoCategory::questionable);
  CHECK(p.at(3, 3) == KanoCategory::indifferent);
  auto s = kano_table_short();
  CHECK(s.levels == 3);
  CHECK(s.at(1, 3) == KanoCategory::one_dimensional);
  CHECK(s.at(2, 3) == KanoCategory::must_be);
  CHECK(s.at(1, 2) == KanoCategory::attractive);
}

TEST_CASE("methods.md check 1: M 95, O 123, A 45, I 33", "[kano]") {
  KanoConfig cfg;
  auto s = summarize_kano(state_with(45, 123, 95, 33, 0, 0), cfg);
  CHECK(s.n[0] == 296);
  CHECK(s.better[0] == Approx(0.5676).margin(5e-5));
  CHECK(s.worse[0] == Approx(-0.7365).margin(5e-5));
  CHECK(s.category_strength[0] == Approx(0.0946).margin(5e-5));
  CHECK(s.total_strength[0] == Approx(0.8885).margin(5e-5));
  CHECK(s.fong_difference[0] == 28.0);
  CHECK(s.fong_critical[0] == Approx(19.364).margin(5e-4));
  CHECK(s.fong_significant[0]);
  CHECK(s.mode[0] == static_cast<int>(KanoCategory::one_dimensional));
  CHECK(s.second[0] == static_cast<int>(KanoCategory::must_be));
  CHECK(s.category[0] == static_cast<int>(KanoCategory::one_dimensional));
  CHECK_FALSE(s.near_tie[0]);
  CHECK(s.expectation_level[0] == static_cast<int>(ExpectationLevel::desired));
}

TEST_CASE("methods.md check 2: M 9, O 18, A 83, I 177, R 6, Q 3", "[kano]") {
  auto s = summarize_kano(state_with(83, 18, 9, 177, 6, 3, 4), KanoConfig{});
  CHECK(s.better[0] == Approx(0.3519).margin(5e-5));
  CHECK(s.worse[0] == Approx(-0.0941).margin(5e-5));
  CHECK(s.n[0] == 296);
  CHECK(s.missing[0] == 4);
  CHECK(s.category[0] == static_cast<int>(KanoCategory::indifferent));
  CHECK(s.q_share[0] == Approx(3.0 / 296));
  CHECK_FALSE(s.q_warning[0]);
  CHECK(s.expectation_level[0] == -1);
  // without Q in the base: n 293, strength (177 - 83) / 293
  KanoConfig noq;
  noq.exclude_questionable = true;
  auto t = summarize_kano(state_with(83, 18, 9, 177, 6, 3), noq);
  CHECK(t.n[0] == 293);
  CHECK(t.category_strength[0] == Approx(94.0 / 293));
}

TEST_CASE("near-tie precedence rule and its threshold", "[kano]") {
  // O 50, M 46 of n 100: strength 4% < 6% -> M by precedence
  auto s = summarize_kano(state_with(0, 50, 46, 4, 0, 0), KanoConfig{});
  CHECK(s.mode[0] == static_cast<int>(KanoCategory::one_dimensional));
  CHECK(s.category[0] == static_cast<int>(KanoCategory::must_be));
  CHECK(s.near_tie[0]);
  // Better = 50/100 >= 0.3 -> expected (not basic)
  CHECK(s.expectation_level[0] == static_cast<int>(ExpectationLevel::expected));
  KanoConfig cfg;
  cfg.near_tie_threshold = 0.03;
  auto t = summarize_kano(state_with(0, 50, 46, 4, 0, 0), cfg);
  CHECK(t.category[0] == static_cast<int>(KanoCategory::one_dimensional));
  CHECK_FALSE(t.near_tie[0]);
  // A 40, I 38: I does not outrank A, so A stays
  auto u = summarize_kano(state_with(40, 0, 22, 38, 0, 0), KanoConfig{});
  CHECK(u.near_tie[0]);
  CHECK(u.category[0] == static_cast<int>(KanoCategory::attractive));
  // basic: must-be with Better < 0.3
  auto v = summarize_kano(state_with(5, 10, 80, 5, 0, 0), KanoConfig{});
  CHECK(v.category[0] == static_cast<int>(KanoCategory::must_be));
  CHECK(v.expectation_level[0] == static_cast<int>(ExpectationLevel::basic));
  auto w = summarize_kano(state_with(70, 0, 0, 30, 0, 0), KanoConfig{});
  CHECK(w.expectation_level[0] == static_cast<int>(ExpectationLevel::unexpected));
}

TEST_CASE("DuMouchel continuous means and standard deviations", "[kano]") {
  // pairs: (1,5) x2 -> f 4, d 4; (3,3) x1 -> f 0, d 0; (1,1) Q excluded; (5,1) R excluded
  KanoAccumulator s(1, 1, 5);
  s.counts()(0, 1 * 6 + 5) = 2;
  s.counts()(0, 3 * 6 + 3) = 1;
  s.counts()(0, 1 * 6 + 1) = 7;
  s.counts()(0, 5 * 6 + 1) = 3;
  auto r = summarize_kano(s, KanoConfig{});
  CHECK(r.n_continuous[0] == 3);
  CHECK(r.functional_mean[0] == Approx(8.0 / 3));
  CHECK(r.dysfunctional_mean[0] == Approx(8.0 / 3));
  // sd of {4, 4, 0} with n-1: sqrt(((4/3)^2*2 + (8/3)^2)/2) = sqrt(16/3)
  CHECK(r.functional_sd[0] == Approx(std::sqrt(16.0 / 3)));
  CHECK(r.q_share[0] == Approx(7.0 / 13));
  CHECK(r.q_warning[0]);
  KanoConfig all;
  all.continuous_exclude.clear();
  auto r2 = summarize_kano(s, all);
  CHECK(r2.n_continuous[0] == 13);
  // f: 2*4 + 0 + 7*4 + 3*(-2) = 30; d: 2*4 + 0 + 7*(-2) + 3*(-2) = -12
  CHECK(r2.functional_mean[0] == Approx(30.0 / 13));
  CHECK(r2.dysfunctional_mean[0] == Approx(-12.0 / 13));
}

TEST_CASE("classify and count wide data, missing answers, groups and workers", "[kano]") {
  RowMatrixXi8 f(4, 2), d(4, 2);
  f << 1, 2, 1, 3, 0, 5, 2, 1;
  d << 5, 5, 4, 3, 3, 1, 5, 0;
  auto c = kano_classify(f, d, kano_table_cqm());
  CHECK(c(0, 0) == static_cast<int>(KanoCategory::one_dimensional));
  CHECK(c(0, 1) == static_cast<int>(KanoCategory::must_be));
  CHECK(c(1, 0) == static_cast<int>(KanoCategory::attractive));
  CHECK(c(1, 1) == static_cast<int>(KanoCategory::indifferent));
  CHECK(c(2, 0) == kano_missing);
  CHECK(c(2, 1) == static_cast<int>(KanoCategory::reverse));
  CHECK(c(3, 1) == kano_missing);
  KanoAccumulator acc(2, 2, 5);
  VectorXi32 g(4);
  g << 0, 1, 0, 1;
  acc.update(f, d, g);
  auto s = summarize_kano(acc, KanoConfig{});
  // rows: g0 attr0, g0 attr1, g1 attr0, g1 attr1
  CHECK(s.category_counts(0, static_cast<int>(KanoCategory::one_dimensional)) == 1);
  CHECK(s.missing[0] == 1);
  CHECK(s.category_counts(1, static_cast<int>(KanoCategory::must_be)) == 1);
  CHECK(s.category_counts(1, static_cast<int>(KanoCategory::reverse)) == 1);
  CHECK(s.category_counts(2, static_cast<int>(KanoCategory::attractive)) == 1);
  CHECK(s.category_counts(2, static_cast<int>(KanoCategory::must_be)) == 1);
  CHECK(s.missing[3] == 1);
  // long form gives the same state
  KanoAccumulator lg(2, 2, 5);
  VectorXi8 lf(8), ld(8);
  VectorXi32 la(8), lgp(8);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      lf[2 * i + j] = f(i, j), ld[2 * i + j] = d(i, j), la[2 * i + j] = j, lgp[2 * i + j] = g[i];
  lg.update_long(lf, ld, la, lgp);
  CHECK(lg.counts() == acc.counts());
  CHECK(lg.rows() == 8);  // answer pairs (long) vs respondents (wide): the states differ in rows only
  CHECK(acc.rows() == 4);
  CHECK_FALSE(lg == acc);
  // workers and chunking do not change the state
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> ans(0, 5), grp(0, 2);
  RowMatrixXi8 F(100000, 3), D(100000, 3);
  VectorXi32 G(100000);
  for (Eigen::Index i = 0; i < F.rows(); ++i) {
    G[i] = grp(rng);
    for (int j = 0; j < 3; ++j)
      F(i, j) = static_cast<std::int8_t>(ans(rng)), D(i, j) = static_cast<std::int8_t>(ans(rng));
  }
  KanoAccumulator one(3, 3, 5), four(3, 3, 5), a(3, 3, 5), b(3, 3, 5);
  one.update(F, D, G, 1);
  four.update(F, D, G, 4);
  CHECK(one == four);
  a.update(F.topRows(30000), D.topRows(30000), G.head(30000));
  b.update(F.bottomRows(70000), D.bottomRows(70000), G.tail(70000));
  CHECK((b + a) == one);
  // strided views (a column-major copy, every other column of a wider matrix) are read in place
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> Fc = F, Dc = D;  // column-major
  using Strided = Eigen::Map<const RowMatrixXi8, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
  Strided Fs(Fc.data(), Fc.rows(), Fc.cols(), Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, Fc.rows()));
  Strided Ds(Dc.data(), Dc.rows(), Dc.cols(), Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, Dc.rows()));
  KanoAccumulator cm(3, 3, 5);
  cm.update(Fs, Ds, G, 2);
  CHECK(cm == one);
  CHECK(kano_classify(Fs, Ds, kano_table_cqm()) == kano_classify(F, D, kano_table_cqm()));
  CHECK(KanoAccumulator::from_bytes(one.to_bytes()) == one);
  CHECK(one.counts().sum() == 300000);
}

TEST_CASE("bad input names row, column and value", "[kano]") {
  RowMatrixXi8 f(3, 2), d(3, 2);
  f << 1, 2, 1, 3, 1, 1;
  d << 5, 5, 7, 3, 1, 1;
  CHECK_THROWS_WITH(kano_classify(f, d, kano_table_cqm()),
                    Contains("dysfunctional: row 1, column 0: answer 7") && Contains("1..5"));
  KanoAccumulator acc(1, 2, 5);
  CHECK_THROWS_AS(acc.update(f, d), input_error);
  CHECK(acc.counts().sum() == 0);  // an error leaves the state unchanged
  RowMatrixXi8 d2(2, 2);
  d2 << 1, 1, 1, 1;
  CHECK_THROWS_WITH(kano_classify(f, d2, kano_table_cqm()), Contains("expected the shape of functional (3 x 2)"));
  RowMatrixXi8 f3(1, 1), d3(1, 1);
  f3 << 4;
  d3 << 1;
  CHECK_THROWS_WITH(kano_classify(f3, d3, kano_table_short()), Contains("functional: row 0, column 0: answer 4"));
  KanoAccumulator other(2, 2, 3);
  CHECK_THROWS_WITH(acc.merge(other), Contains("differ in configuration"));
  KanoAccumulator named(KanoConfig{}, {"segment"});
  CHECK_THROWS_WITH(acc.merge(named), Contains("grouped by ['group'] (this one) vs grouped by ['segment']"));
  VectorXi32 g(3);
  g << 0, 0, 3;
  RowMatrixXi8 ok = RowMatrixXi8::Ones(3, 2);
  CHECK_THROWS_WITH(acc.update(ok, ok, g), Contains("row 2 has group code 3"));
  CHECK_THROWS_WITH(KanoAccumulator::from_bytes("nonsense"), Contains("bad header"));
}

TEST_CASE("configuration JSON: defaults, overrides, tables, errors", "[kano]") {
  KanoConfig d;
  CHECK(kano_config_from_json(to_json(d)) == d);
  auto c = kano_config_from_json(R"({"table": "short", "near_tie_threshold": 0.1, "precedence": ["O", "M"]})");
  CHECK(c.table.levels == 3);
  CHECK(c.functional_points() == std::vector<double>{4, 0, -2});
  CHECK(c.precedence.size() == 2);
  CHECK(kano_config_from_json(to_json(c)) == c);
  auto u = kano_config_from_json(R"({"table": {"name": "mine", "rows": [["Q","A","O"],["R","I","M"],["R","R","I"]]}})");
  CHECK(u.table.at(3, 3) == KanoCategory::indifferent);
  CHECK_THROWS_WITH(kano_config_from_json(R"({"near_tie": 0.1})"), Contains("unknown key(s) 'near_tie'"));
  CHECK_THROWS_WITH(kano_config_from_json(R"({"table": "nope"})"), Contains("cqm, pouliot, short"));
  CHECK_THROWS_WITH(kano_config_from_json(R"({"table": {"rows": [["Q","A"],["R"]]}})"),
                    Contains("config.table.rows[1]: expected 2 categories"));
  CHECK_THROWS_WITH(kano_config_from_json(R"({"table": {"rows": [["Q","X"],["R","I"]]}})"),
                    Contains("config.table.rows[0][1]"));
  CHECK_THROWS_WITH(kano_config_from_json(R"({"functional_scores": [1, 2]})"), Contains("expected 5 points"));
  CHECK_THROWS_WITH(kano_config_from_json(R"({"precedence": ["M", "M"]})"), Contains("duplicate category"));
  CHECK_THROWS_AS(summarize_kano(KanoAccumulator(1, 1, 5), c), config_error);  // levels differ
}

TEST_CASE("chi-square of category distributions and Wilson intervals", "[kano]") {
  // 2 x 3 table (a zero column is dropped): [[10, 20, 0, 30], [30, 20, 0, 10]]
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> t(2, 4);
  t << 10, 20, 0, 30, 30, 20, 0, 10;
  auto r = kano_chi_square(t);
  // expected 20 in the outer columns: 4 * 100/20 = 20; middle 0
  CHECK(r.statistic == Approx(20.0));
  CHECK(r.dof == 2);
  CHECK(r.p_value == Approx(std::exp(-10.0)));  // chi-square with 2 dof: exp(-x/2)
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> e(2, 2);
  e << 1, 2, 0, 0;
  CHECK_THROWS_WITH(kano_chi_square(e), Contains("group 1 has no classified answers"));
  // Wilson 168/296 at 95%: by hand (z = 1.959964)
  auto w = wilson_interval(168, 296, 0.95);
  const double z = 1.959963984540054, n = 296, p = 168.0 / 296;
  const double c = (p + z * z / (2 * n)) / (1 + z * z / n);
  const double h = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
  CHECK(w.low == Approx(c - h));
  CHECK(w.high == Approx(c + h));
  auto s = summarize_kano(state_with(45, 123, 95, 33, 0, 0), KanoConfig{});
  CHECK(s.better_lo[0] == Approx(c - h));
  CHECK(s.worse_lo[0] < s.worse[0]);
  CHECK(s.worse[0] < s.worse_hi[0]);
  CHECK(s.worse_lo[0] < s.worse_hi[0]);
}

TEST_CASE("golden cases of tests/data/kano_cases.json", "[kano]") {
  std::ifstream in(std::string(SERVSCORE_TEST_DATA) + "/kano_cases.json");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = boost::json::parse(text.str());
  int checked = 0;
  for (const auto& c : doc.at("cases").as_array()) {
    const auto& cnt = c.at("counts").as_object();
    auto get = [&](const char* k) { return cnt.at(k).to_number<std::int64_t>(); };
    auto s = summarize_kano(state_with(get("A"), get("O"), get("M"), get("I"), get("R"), get("Q")), KanoConfig{});
    const double tol = c.at("tolerance").to_number<double>();
    INFO(std::string(c.at("name").as_string()));
    for (const auto& kv : c.at("expected").as_object()) {
      const std::string key(kv.key());
      INFO(key);
      const auto& v = kv.value();
      if (key == "category")
        CHECK(std::string(to_string(static_cast<KanoCategory>(s.category[0]))) == std::string(v.as_string()));
      else if (key == "expectation_level")
        CHECK(std::string(to_string(static_cast<ExpectationLevel>(s.expectation_level[0]))) ==
              std::string(v.as_string()));
      else if (key == "near_tie")
        CHECK(s.near_tie[0] == v.as_bool());
      else if (key == "fong_significant")
        CHECK(s.fong_significant[0] == v.as_bool());
      else if (key == "n")
        CHECK(s.n[0] == v.to_number<std::int64_t>());
      else {
        const double x = v.to_number<double>();
        double got = NAN;
        if (key == "better") got = s.better[0];
        if (key == "worse") got = s.worse[0];
        if (key == "category_strength") got = s.category_strength[0];
        if (key == "total_strength") got = s.total_strength[0];
        if (key == "fong_difference") got = s.fong_difference[0];
        if (key == "fong_critical") got = s.fong_critical[0];
        CHECK(std::abs(got - x) <= tol);
      }
      ++checked;
    }
  }
  CHECK(checked >= 25);
}

// ---- the shared random numbers ------------------------------------------------------------------

namespace {

// Pearson chi-square of draws of Binomial(n, p) against its exact probabilities (cells with an
// expected count below 5 pooled into their neighbours).
double binomial_chi_square(std::int64_t n, double p, int draws, std::uint64_t seed, int& dof) {
  std::vector<double> observed(static_cast<std::size_t>(n + 1), 0.0);
  detail::Xoshiro256 rng(seed, 0);
  for (int i = 0; i < draws; ++i) {
    const std::int64_t x = detail::binomial(rng, n, p);
    REQUIRE(x >= 0);
    REQUIRE(x <= n);
    observed[static_cast<std::size_t>(x)] += 1;
  }
  double chi = 0, eo = 0, oo = 0;
  dof = -1;
  for (std::int64_t k = 0; k <= n; ++k) {
    const double logp = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                        static_cast<double>(k) * std::log(p) + static_cast<double>(n - k) * std::log1p(-p);
    eo += draws * std::exp(logp);
    oo += observed[static_cast<std::size_t>(k)];
    if (eo >= 5 || k == n) {
      chi += (oo - eo) * (oo - eo) / std::max(eo, 1e-300);
      eo = oo = 0;
      ++dof;
    }
  }
  return chi;
}

}  // namespace

TEST_CASE("binomial draws follow the exact binomial distribution (inversion and BTRD)", "[kano][random]") {
  // (n, p): small means (inversion), large means (BTRD), p > 1/2 (reflected), huge n
  const std::pair<std::int64_t, double> cases[] = {{20, 0.1},   {50, 0.15},   {200, 0.3},    {1000, 0.5},
                                                   {1000, 0.8}, {5000, 0.02}, {100000, 0.37}};
  for (auto [n, p] : cases) {
    int dof = 0;
    const double chi = binomial_chi_square(n, p, 200000, 42 + static_cast<std::uint64_t>(n), dof);
    // 99.99% point of the chi-square distribution is below dof + 6 sqrt(2 dof) + 10 for these dof
    INFO("n " << n << " p " << p << " chi2 " << chi << " dof " << dof);
    CHECK(dof > 0);
    CHECK(chi < dof + 6 * std::sqrt(2.0 * dof) + 10);
  }
  detail::Xoshiro256 rng(1, 2);
  CHECK(detail::binomial(rng, 0, 0.5) == 0);
  CHECK(detail::binomial(rng, 7, 0.0) == 0);
  CHECK(detail::binomial(rng, 7, 1.0) == 7);
  // the multinomial by conditional binomials: sums to n, means n p_i
  const double w[4] = {1, 2, 3, 4};
  double mean[4] = {0, 0, 0, 0};
  std::int64_t x[4];
  for (int i = 0; i < 20000; ++i) {
    detail::multinomial(rng, 500, w, 4, x);
    CHECK(x[0] + x[1] + x[2] + x[3] == 500);
    for (int j = 0; j < 4; ++j) mean[j] += static_cast<double>(x[j]) / 20000;
  }
  for (int j = 0; j < 4; ++j) CHECK(mean[j] == Approx(50.0 * w[j]).margin(0.5));  // sd of the mean ~0.1
  // type-7 quantiles as R's quantile(type = 7) / numpy's "linear": 1..5 at 0.1 -> 1.4
  CHECK(detail::quantile7({5, 1, 4, 2, 3}, 0.1) == Approx(1.4));
  CHECK(detail::quantile7({5, 1, 4, 2, 3}, 1.0) == 5);
  CHECK(std::isnan(detail::quantile7({}, 0.5)));
}

TEST_CASE("Kano bootstrap: seeded, independent of workers, validated", "[kano]") {
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor> cc(3, 6);
  cc << 45, 123, 95, 33, 0, 0,  //
      0, 0, 0, 0, 4, 2,         // no A+O+M+I: NaN
      20, 10, 5, 5, 1, 1;
  KanoBootstrapConfig bc;
  bc.n_bootstrap = 3000;
  bc.seed = 9;
  auto one = kano_bootstrap(cc, bc, 1), two = kano_bootstrap(cc, bc, 2);
  for (int r : {0, 2}) {
    CHECK(one.better_lo[r] == two.better_lo[r]);
    CHECK(one.better_hi[r] == two.better_hi[r]);
    CHECK(one.worse_lo[r] == two.worse_lo[r]);
    CHECK(one.worse_hi[r] == two.worse_hi[r]);
  }
  CHECK(std::isnan(one.better_lo[1]));
  CHECK(std::isnan(two.worse_hi[1]));
  // methods check 1 (Better 0.5676, Worse -0.7365): the percentile interval is near Wilson's
  auto w = summarize_kano(state_with(45, 123, 95, 33, 0, 0), KanoConfig{});
  CHECK(one.better_lo[0] == Approx(w.better_lo[0]).margin(0.012));
  CHECK(one.better_hi[0] == Approx(w.better_hi[0]).margin(0.012));
  CHECK(one.worse_lo[0] == Approx(w.worse_lo[0]).margin(0.012));
  bc.seed = 10;
  CHECK(kano_bootstrap(cc, bc, 1).better_lo[0] != one.better_lo[0]);
  int calls = 0;
  kano_bootstrap(cc, bc, 1, [&] { ++calls; });
  CHECK(calls == 2);  // once per block of resamples of each non-empty row
  CHECK_THROWS_AS(kano_bootstrap(cc, bc, 1, [] { throw std::runtime_error("interrupted"); }), std::runtime_error);
  bc.n_bootstrap = 5;
  CHECK_THROWS_WITH(kano_bootstrap(cc, bc), Contains("n_bootstrap: 5 is out of range"));
  bc.n_bootstrap = 100;
  bc.level = 1.0;
  CHECK_THROWS_WITH(kano_bootstrap(cc, bc), Contains("level"));
}

// ---- the state: keys, names, bytes --------------------------------------------------------------

TEST_CASE("Kano state merges by group key and attribute name, in any order", "[kano]") {
  RowMatrixXi8 f(3, 2), d(3, 2);
  f << 1, 2, 1, 3, 2, 1;
  d << 4, 5, 5, 3, 5, 1;
  GroupKeys k1({"segment"});
  k1.insert({std::string("b")});
  k1.insert({std::string("a")});
  VectorXi32 c1(3);
  c1 << 0, 1, 0;
  KanoAccumulator a(KanoConfig{}, {"segment"});
  a.update(f, d, {"wifi", "tv"}, c1, k1);
  // the other state meets its attributes in another order, a new attribute and a missing key
  GroupKeys k2({"segment"});
  k2.insert({std::monostate{}});
  k2.insert({std::string("a")});
  VectorXi32 c2(3);
  c2 << 1, 0, 1;
  KanoAccumulator b(KanoConfig{}, {"segment"});
  b.update(d, f, {"bar", "wifi"}, c2, k2);
  KanoAccumulator ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  CHECK(ab == ba);                        // the same counts per (key, name) although codes and orders differ
  CHECK(ab.to_bytes() != ba.to_bytes());  // attribute order is part of the image ...
  CHECK(ab.attribute_names() == std::vector<std::string>{"wifi", "tv", "bar"});
  CHECK(ab.rows() == 6);
  CHECK(ab.groups() == 3);
  // ... group order is not: groups are written in key order
  KanoAccumulator a2(KanoConfig{}, {"segment"});
  GroupKeys k3({"segment"});
  k3.insert({std::string("a")});
  k3.insert({std::string("b")});
  VectorXi32 c3(3);
  c3 << 1, 0, 1;
  a2.update(f, d, {"wifi", "tv"}, c3, k3);
  CHECK(a2 == a);
  CHECK(a2.to_bytes() == a.to_bytes());
  // segment a, attribute wifi: (1,5) from a's row 1; from b (answers swapped, wifi its column 1)
  // rows 0 and 2: (5,2) and (1,1)
  const auto* h = ab.counts().data();
  const std::int32_t ga = *ab.keys().find({std::string("a")});
  const std::int64_t* wifi_a = h + (ga * 3 + 0) * 36;
  CHECK(wifi_a[1 * 6 + 5] == 1);
  CHECK(wifi_a[5 * 6 + 2] == 1);
  CHECK(wifi_a[1 * 6 + 1] == 1);
  std::int64_t total = 0;
  for (int c = 0; c < 36; ++c) total += wifi_a[c];
  CHECK(total == 3);
  // from bytes, the same state
  CHECK(KanoAccumulator::from_bytes(ab.to_bytes()) == ab);
  // fixed attributes refuse unknown wide names; an error leaves the state unchanged
  KanoAccumulator fixed(KanoConfig{}, {}, {"wifi"}, true);
  GroupKeys none;
  CHECK_THROWS_WITH(fixed.update(f, d, {"wifi", "tv"}, VectorXi32(), none), Contains("'tv' is not one of"));
  CHECK(fixed.rows() == 0);
  CHECK_THROWS_WITH(a.update(f, d, {"wifi", "wifi"}, c1, k1), Contains("'wifi' is named twice"));
  RowMatrixXi8 bad = f;
  bad(2, 1) = 7;
  const std::string before = a.to_bytes();
  CHECK_THROWS_WITH(a.update(bad, d, {"wifi", "gym"}, c1, k1), Contains("functional: row 2, column 1: answer 7"));
  CHECK(a.to_bytes() == before);  // no new attribute, no count
}

TEST_CASE("Kano state bytes: versions, declared sizes, negative counts", "[kano]") {
  auto v1 = state_with(1, 2, 3, 4, 5, 6, 7);
  std::string img = v1.to_bytes();
  CHECK(img.substr(0, 8) == std::string("SSKANO2\0", 8));
  auto back = KanoAccumulator::from_bytes(img);
  CHECK(back == v1);
  CHECK(summarize_kano(back).n[0] == 21);
  // the version-1 image of the same state (hand-built from its documented layout)
  std::string old("SSKANO1\0", 8);
  auto put32 = [&](std::uint32_t v) {
    for (int b = 0; b < 4; ++b) old.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  };
  put32(1), put32(1), put32(5);
  for (Eigen::Index i = 0; i < v1.counts().size(); ++i)
    for (int b = 0; b < 8; ++b)
      old.push_back(static_cast<char>((static_cast<std::uint64_t>(v1.counts().data()[i]) >> (8 * b)) & 0xff));
  auto from_v1 = KanoAccumulator::from_bytes(old);
  CHECK(from_v1.counts() == v1.counts());
  CHECK(from_v1.keys().names() == std::vector<std::string>{"group"});
  // declared sizes beyond what remains: refused before allocating
  std::string huge("SSKANO1\0", 8);
  for (std::uint32_t v : {0x7fffffffu, 1u << 20, 5u})
    for (int b = 0; b < 4; ++b) huge.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  CHECK_THROWS_WITH(KanoAccumulator::from_bytes(huge), Contains("declares"));
  std::string cut = img.substr(0, img.size() - 1);
  CHECK_THROWS_AS(KanoAccumulator::from_bytes(cut), input_error);
  std::string neg = img;
  for (int b = 0; b < 8; ++b) neg[neg.size() - 8 + b] = static_cast<char>(0xff);
  CHECK_THROWS_WITH(KanoAccumulator::from_bytes(neg), Contains("negative count -1"));
  std::string ver = img;
  ver[8] = 3;
  CHECK_THROWS_WITH(KanoAccumulator::from_bytes(ver), Contains("version 3"));
  // every truncation is an input_error, never another exception
  for (std::size_t n = 0; n < img.size(); ++n)
    CHECK_THROWS_AS(KanoAccumulator::from_bytes(img.substr(0, n)), input_error);
  // a merge whose sums overflow int64 is refused and leaves the state unchanged
  auto big = state_with(std::numeric_limits<std::int64_t>::max() - 1, 0, 0, 0, 0, 0);
  auto two = state_with(5, 0, 0, 0, 0, 0);
  CHECK_THROWS_WITH(big.merge(two), Contains("overflow"));
  CHECK(big.counts()(0, 1 * 6 + 4) == std::numeric_limits<std::int64_t>::max() - 1);
  // a merge whose row total would pass 2^62 (no int64 overflow: 2^62 - 1 + 2 answers) is refused too,
  // with the state unchanged: the summaries add a row's cells in int64
  const std::int64_t cap = std::int64_t{1} << 62;
  auto near = state_with(cap - 1, 0, 0, 0, 0, 0);
  const std::string near_bytes = near.to_bytes();
  CHECK_THROWS_WITH(near.merge(state_with(1, 1, 0, 0, 0, 0)),
                    Contains("would pass 2^62 answers (4611686018427387905)"));
  CHECK(near.to_bytes() == near_bytes);
  near.merge(state_with(1, 0, 0, 0, 0, 0));  // exactly 2^62: accepted
  CHECK(near.counts()(0, 1 * 6 + 4) == cap);
  CHECK(summarize_kano(near).n[0] == cap);
  // an image whose row sums past 2^62 (each cell valid) is refused by from_bytes
  auto over = state_with(cap, 1, 0, 0, 0, 0);
  CHECK_THROWS_WITH(KanoAccumulator::from_bytes(over.to_bytes()), Contains("sum past 2^62 answers"));
}
