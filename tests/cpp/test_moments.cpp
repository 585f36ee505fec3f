#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "servscore/errors.hpp"
#include "servscore/moments.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

RowMatrixXd random_records(int n, int p, unsigned seed, double offset = 0.0, double missing = 0.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  RowMatrixXd x(n, p);
  for (int i = 0; i < n; ++i) {
    double common = z(rng);
    for (int j = 0; j < p; ++j) x(i, j) = offset + common + 0.5 * (j + 1) * z(rng);
    for (int j = 0; j < p; ++j)
      if (u(rng) < missing) x(i, j) = NaN;
  }
  return x;
}

// Textbook two-pass covariance of the complete rows (slow reference).
Eigen::MatrixXd two_pass_cov(const RowMatrixXd& x, const Eigen::VectorXd& w, double ddof) {
  double W = 0;
  Eigen::VectorXd mu = Eigen::VectorXd::Zero(x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    W += w(i);
    mu += w(i) * x.row(i).transpose();
  }
  mu /= W;
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::VectorXd d = x.row(i).transpose() - mu;
    c += w(i) * d * d.transpose();
  }
  return c / (W - ddof);
}
}  // namespace

TEST_CASE("hand-computed moments of a tiny table", "[moments]") {
  RowMatrixXd x(4, 2);
  x << 1, 2, 2, 4, 3, 5, 4, 9;
  Moments m(2);
  m.update(x);
  // means 2.5 and 5; deviations (-1.5,-0.5,0.5,1.5) and (-3,-1,0,4)
  CHECK(m.mean()(0) == Approx(2.5));
  CHECK(m.mean()(1) == Approx(5.0));
  Eigen::MatrixXd s = m.covariance();
  CHECK(s(0, 0) == Approx(5.0 / 3.0));   // (2.25+0.25+0.25+2.25)/3
  CHECK(s(1, 1) == Approx(26.0 / 3.0));  // (9+1+0+16)/3
  CHECK(s(0, 1) == Approx(11.0 / 3.0));  // (4.5+0.5+0+6)/3
  CHECK(m.covariance(0)(0, 1) == Approx(11.0 / 4.0));
  CHECK(m.correlation()(0, 1) == Approx(11.0 / std::sqrt(5.0 * 26.0)));
  CHECK(m.n_used() == 4);
}

TEST_CASE("listwise drops incomplete rows and counts them", "[moments]") {
  RowMatrixXd x(4, 2);
  x << 1, 2, NaN, 4, 3, NaN, 5, 6;
  Moments m(2);
  m.update(x);
  CHECK(m.n_rows() == 4);
  CHECK(m.n_dropped() == 2);
  CHECK(m.n_missing()(0) == 1);
  CHECK(m.n_missing()(1) == 1);
  CHECK(m.mean()(0) == Approx(3.0));
  CHECK(m.covariance()(0, 1) == Approx(8.0));  // (1,2),(5,6): 2*2*2/1
}

TEST_CASE("pairwise keeps per-pair counts, means and variances", "[moments]") {
  RowMatrixXd x(5, 2);
  x << 1, 2, 2, NaN, 3, 5, NaN, 7, 5, 6;
  Moments m(2, MissingPolicy::pairwise);
  m.update(x);
  CHECK(m.pair_count()(0, 0) == 4);
  CHECK(m.pair_count()(1, 1) == 4);
  CHECK(m.pair_count()(0, 1) == 3);
  CHECK(m.mean()(0) == Approx(11.0 / 4.0));
  CHECK(m.mean()(1) == Approx(20.0 / 4.0));
  // pair rows: (1,2),(3,5),(5,6): means 3, 13/3
  CHECK(m.pair_mean()(0, 1) == Approx(3.0));
  CHECK(m.pair_mean()(1, 0) == Approx(13.0 / 3.0));
  // cov: (-2)(-7/3) + 0 + 2(5/3) = 14/3 + 10/3 = 8, /2 = 4
  CHECK(m.covariance()(0, 1) == Approx(4.0));
  // corr uses the pair's own variances: var x = 4, var y = (49+4+25)/9/2 = 78/18
  CHECK(m.correlation()(0, 1) == Approx(4.0 / std::sqrt(4.0 * 78.0 / 18.0)));
}

TEST_CASE("weighted moments equal a two-pass reference", "[moments]") {
  RowMatrixXd x = random_records(5000, 4, 3);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.0, 3.0);
  Eigen::VectorXd w(x.rows());
  for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = u(rng);
  Moments m(4);
  m.update(x, w);
  Eigen::MatrixXd ref = two_pass_cov(x, w, 1.0);
  CHECK((m.covariance() - ref).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(m.weighted());
  CHECK(m.effective_n()(0) == Approx(w.sum() * w.sum() / w.squaredNorm()));
}

TEST_CASE("merge of chunks equals one pass, in any order, for any workers", "[moments]") {
  for (MissingPolicy pol : {MissingPolicy::listwise, MissingPolicy::pairwise}) {
    RowMatrixXd x = random_records(9000, 5, 11, 0.0, 0.05);
    Moments one(5, pol);
    one.update(x);
    Moments a(5, pol), b(5, pol), c(5, pol);
    a.update(x.topRows(1234));
    b.update(x.middleRows(1234, 5000));
    c.update(x.bottomRows(9000 - 6234));
    c.merge(a).merge(b);
    CHECK(c.n_rows() == one.n_rows());
    CHECK(c.n_dropped() == one.n_dropped());
    CHECK(c.pair_count() == one.pair_count());
    CHECK((c.covariance() - one.covariance()).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((c.mean() - one.mean()).cwiseAbs().maxCoeff() < 1e-12);
    Moments par(5, pol);
    par.update(x, Eigen::VectorXd(), 4);
    CHECK(par == one);  // identical bits for any worker count
  }
}

TEST_CASE("stable when the mean is huge compared with the spread", "[moments]") {
  RowMatrixXd x = random_records(4000, 3, 5, 1e9);
  Moments m(3);
  for (int s = 0; s < 4000; s += 1000) m.update(x.middleRows(s, 1000));
  RowMatrixXd centred = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd ref = (centred.transpose() * centred) / 3999.0;
  CHECK((m.covariance() - ref).cwiseAbs().maxCoeff() < 1e-6 * ref.cwiseAbs().maxCoeff());
}

TEST_CASE("bytes round trip, subset and bad input", "[moments]") {
  RowMatrixXd x = random_records(300, 3, 2, 0.0, 0.1);
  Moments m(3, MissingPolicy::pairwise, {"a", "b", "c"});
  m.update(x);
  Moments back = Moments::from_bytes(m.to_bytes());
  CHECK(back == m);
  Moments s = m.subset({2, 0});
  CHECK(s.names() == std::vector<std::string>{"c", "a"});
  CHECK(s.covariance()(0, 1) == m.covariance()(2, 0));
  CHECK_THROWS_AS(Moments::from_bytes("nonsense"), input_error);
  CHECK_THROWS_WITH(m.update(RowMatrixXd::Zero(2, 2)), Contains("expected 3 columns"));
  RowMatrixXd bad = RowMatrixXd::Zero(3, 3);
  bad(1, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(m.update(bad), Contains("row 1, column 2"));
  Eigen::VectorXd w = Eigen::VectorXd::Ones(3);
  w(2) = -1;
  CHECK_THROWS_WITH(m.update(RowMatrixXd::Zero(3, 3), w), Contains("row 2"));
  Moments other(3, MissingPolicy::listwise);
  CHECK_THROWS_AS(m.merge(other), input_error);
  CHECK_THROWS_AS(parse_missing_policy("sometimes"), config_error);
}

TEST_CASE("the dense fast path agrees with a two-pass reference for any shape", "[moments]") {
  for (int p : {1, 2, 4, 7, 9}) {
    for (int n : {1, 3, 5, 1027, 2051}) {
      RowMatrixXd x = random_records(n, p, static_cast<unsigned>(n * 31 + p), 50.0);
      Moments m(p);
      m.update(x);
      Eigen::MatrixXd ref = two_pass_cov(x, Eigen::VectorXd::Ones(n), 0.0);
      CHECK((m.covariance(0.0) - ref).cwiseAbs().maxCoeff() < 1e-9);
      CHECK((m.mean() - x.colwise().mean().transpose()).cwiseAbs().maxCoeff() < 1e-9);
      Moments pw(p, MissingPolicy::pairwise);
      pw.update(x);
      CHECK((pw.covariance(0.0) - ref).cwiseAbs().maxCoeff() < 1e-9);
    }
  }
  // a NaN in the scalar remainder column and an infinity in a vector column are both seen
  RowMatrixXd x = random_records(20, 5, 4);
  x(13, 4) = NaN;
  Moments m(5);
  m.update(x);
  CHECK(m.n_dropped() == 1);
  CHECK(m.n_missing()(4) == 1);
  x(6, 1) = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(Moments(5).update(x), Contains("row 6, column 1"));
}

TEST_CASE("column-major input gives the row-major result", "[moments]") {
  for (MissingPolicy pol : {MissingPolicy::listwise, MissingPolicy::pairwise}) {
    for (double missing : {0.0, 0.05}) {
      RowMatrixXd x = random_records(3001, 6, 17, 3.0, missing);
      Eigen::MatrixXd xc = x;  // column-major copy
      Moments a(6, pol), b(6, pol);
      a.update(x);
      b.update_columns(xc);
      CHECK(a.n_dropped() == b.n_dropped());
      CHECK(a.pair_count() == b.pair_count());
      CHECK((a.covariance() - b.covariance()).cwiseAbs().maxCoeff() < 1e-11);
    }
  }
  Eigen::MatrixXd bad = Eigen::MatrixXd::Zero(2000, 2);
  bad(1500, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(Moments(2).update_columns(bad), Contains("row 1500, column 1"));
}

TEST_CASE("from_bytes refuses impossible images", "[moments][states]") {
  RowMatrixXd x(4, 2);
  x << 1, 2, 3, std::nan(""), 2, 5, 4, 4;
  Moments m(2);
  m.update(x);
  const std::string good = m.to_bytes();
  REQUIRE(Moments::from_bytes(good) == m);
  // layout (no names, p = 2): header 38 bytes, n_missing 16, then n, w, w2, mean, m2, c (32 each)
  const auto patched = [&](std::size_t at, auto v) {
    std::string b = good;
    std::memcpy(b.data() + at, &v, sizeof(v));
    return b;
  };
  const std::size_t rows = 18, dropped = 26, missing = 38, n = 54, w = 86, w2 = 118, m2 = 182;
  CHECK_THROWS_WITH(Moments::from_bytes(patched(dropped, std::int64_t{5})), Contains("5 dropped rows of 4"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(missing + 8, std::int64_t{9})), Contains("of variable 1"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(rows, std::int64_t{2})), Contains("impossible counts"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(n + 16, std::int64_t{2})), Contains("pair count 2 at cell (0, 1)"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(w, 2.5)), Contains("weight sums at cell (0, 0)"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(w2 + 8, -1.0)), Contains("weight sums at cell (1, 0)"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(m2, -1.0)), Contains("corrupt moments at cell (0, 0)"));
  CHECK_THROWS_WITH(Moments::from_bytes(patched(m2 + 24, std::nan(""))), Contains("corrupt moments at cell (1, 1)"));
  CHECK_THROWS_WITH(Moments::from_bytes(good.substr(0, good.size() - 1)), Contains("bytes follow"));
  Moments empty(2);
  std::string e = empty.to_bytes();
  const double one = 1.0;
  std::memcpy(e.data() + m2, &one, sizeof(one));
  CHECK_THROWS_WITH(Moments::from_bytes(e), Contains("sums of squares without rows"));
}
