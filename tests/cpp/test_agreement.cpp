// Agreement between raters: values from R psych 2.2.9 / irr 0.84.1 (tests/data/agreement_reference.R)
// and Krippendorff (2011); hand-computed Fleiss and kappa cases.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "servscore/agreement.hpp"
#include "servscore/errors.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
RowMatrixXd shrout_fleiss() {
  RowMatrixXd x(6, 4);
  x << 9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7;
  return x;
}
constexpr double kTol = 1e-10;
}  // namespace

TEST_CASE("ICC: the six Shrout-Fleiss forms as psych::ICC(lmer = FALSE)", "[agreement]") {
  IccState s;
  s.update(shrout_fleiss());
  auto r = icc(s, 0.95);
  const double icc_ref[] = {0.165741768405476, 0.289763779527559, 0.714840714840715,
                            0.442797133679269, 0.620050547598989, 0.909315542377069};
  const double lo[] = {-0.132932324874751, 0.018786513374712,  0.342464765033925,
                       -0.884442155238119, 0.0711368153025035, 0.675674713816305};
  const double hi[] = {0.722560062328121, 0.761084369648953, 0.94585825995536,
                       0.912415420340776, 0.927232040167722, 0.985891678169062};
  const double p[] = {0.16476880834464, 0.000134566516484337, 0.000134566516484337,
                      0.16476880834464, 0.000134566516484337, 0.000134566516484337};
  for (int i = 0; i < 6; ++i) {
    CHECK(r.forms[i].icc == Approx(icc_ref[i]).margin(kTol));
    CHECK(r.forms[i].lower == Approx(lo[i]).margin(kTol));
    CHECK(r.forms[i].upper == Approx(hi[i]).margin(kTol));
    CHECK(r.forms[i].p == Approx(p[i]).margin(kTol));
  }
  CHECK(r.ms_subjects == Approx(11.2416666666667).margin(kTol));
  CHECK(r.ms_raters == Approx(32.4861111111111).margin(kTol));
  CHECK(r.ms_error == Approx(1.01944444444444).margin(kTol));
  CHECK(r.ms_within == Approx(6.26388888888889).margin(kTol));
}

TEST_CASE("ICC: partitions by subject merge; missing subjects counted; bytes round trip", "[agreement]") {
  RowMatrixXd x = shrout_fleiss();
  IccState whole;
  whole.update(x);
  IccState a, b;
  a.update(x.topRows(2));
  b.update(x.bottomRows(4));
  a.merge(b);
  CHECK(icc(a).forms[1].icc == Approx(icc(whole).forms[1].icc).margin(1e-13));
  RowMatrixXd y(7, 4);
  y << x, RowMatrixXd::Constant(1, 4, 3.0);
  y(6, 2) = std::nan("");
  IccState m;
  m.update(y);
  CHECK(m.n == 6);
  CHECK(m.n_missing == 1);
  CHECK(icc(m).forms[2].icc == Approx(0.714840714840715).margin(kTol));
  auto back = IccState::from_bytes(m.to_bytes());
  CHECK(back.to_bytes() == m.to_bytes());
  std::string bytes = m.to_bytes();
  CHECK_THROWS_WITH(IccState::from_bytes(bytes.substr(0, bytes.size() - 3)), Contains("truncated"));
  CHECK_THROWS_WITH(IccState::from_bytes("SSKAPPA1"), Contains("bad header"));
  RowMatrixXd inf = x;
  inf(1, 1) = INFINITY;
  IccState bad;
  CHECK_THROWS_WITH(bad.update(inf), Contains("row 2, rater 2"));
}

TEST_CASE("kappa: psych's cohen.kappa example table (n.obs = 200)", "[agreement]") {
  RowMatrixXd t(3, 3);
  t << 0.44, 0.07, 0.09, 0.05, 0.20, 0.05, 0.01, 0.03, 0.06;
  auto u = cohen_kappa(t, kappa_weights(3, "unweighted"), 0.95, KappaVariance::psych, 200);
  CHECK(u.kappa == Approx(0.491525423728813).margin(kTol));
  CHECK(u.se * u.se == Approx(0.00260118519205626).margin(kTol));
  CHECK(u.lower == Approx(0.391563702053547).margin(kTol));
  CHECK(u.upper == Approx(0.59148714540408).margin(kTol));
  // the unweighted variance is the same in both formulas
  auto f = cohen_kappa(t, kappa_weights(3, "unweighted"), 0.95, KappaVariance::fleiss_cohen_everitt, 200);
  CHECK(f.se == Approx(u.se).margin(1e-14));
  auto q = cohen_kappa(t, kappa_weights(3, "quadratic"), 0.95, KappaVariance::psych, 200);
  CHECK(q.kappa == Approx(0.454545454545454).margin(kTol));
  CHECK(q.se * q.se == Approx(0.00413996311727341).margin(kTol));
  RowMatrixXd bad = t;
  bad(0, 1) = -1;
  CHECK_THROWS_WITH(cohen_kappa(bad, kappa_weights(3, "unweighted")), Contains("cell (1, 2)"));
  CHECK_THROWS_AS(kappa_weights(3, "cubic"), config_error);
}

TEST_CASE("kappa: the state counts pairs, merges by label, round-trips", "[agreement]") {
  KappaState a, b;
  std::vector<std::int32_t> r1{0, 0, 1, 1, -1}, r2{0, 1, 1, 1, 0};
  a.update({"yes", "no"}, r1.data(), r2.data(), 5);
  std::vector<std::int32_t> s1{0, 1}, s2{0, 1};
  b.update({"no", "yes"}, s1.data(), s2.data(), 2);  // another code order
  a.merge(b);
  CHECK(a.n_missing == 1);
  CHECK(a.table(0, 0) == 2);  // yes-yes
  CHECK(a.table(1, 1) == 3);  // no-no
  CHECK(a.table(0, 1) == 1);
  auto back = KappaState::from_bytes(a.to_bytes());
  CHECK(back.table == a.table);
  CHECK(back.categories == a.categories);
  std::vector<std::int32_t> oob{5};
  CHECK_THROWS_WITH(a.update({"yes"}, oob.data(), oob.data(), 1), Contains("row 1"));
}

TEST_CASE("Fleiss: hand-computed kappa, merge, corrupt bytes", "[agreement]") {
  // subjects: aaa, abb, bbb, cca -> po = 16/24, pe = 54/144, kappa = 0.291667 / 0.625
  std::vector<std::int32_t> c{0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 0};
  FleissState whole;
  whole.update({"a", "b", "c"}, c.data(), 4, 3);
  auto r = fleiss_kappa(whole);
  CHECK(r.po == Approx(16.0 / 24).margin(1e-14));
  CHECK(r.pe == Approx(54.0 / 144).margin(1e-14));
  CHECK(r.kappa == Approx((16.0 / 24 - 54.0 / 144) / (1 - 54.0 / 144)).margin(1e-14));
  FleissState a, b;
  a.update({"a", "b", "c"}, c.data(), 1, 3);
  b.update({"a", "b", "c"}, c.data() + 3, 3, 3);
  a.merge(b);
  CHECK(a.to_bytes() == whole.to_bytes());
  std::string bytes = whole.to_bytes();
  bytes[bytes.size() - 1] = '\x7f';  // a huge sum of squares
  CHECK_THROWS_AS(FleissState::from_bytes(bytes), input_error);
  FleissState four;
  std::vector<std::int32_t> d{0, 0, 0, 0};
  four.update({"a"}, d.data(), 1, 4);
  CHECK_THROWS_WITH(whole.merge(four), Contains("4 raters"));
}

TEST_CASE("Krippendorff: the 2011 worked example (4 coders x 12 units, missing values)", "[agreement]") {
  const int na = -1;
  // units x coders, values 1..5 as codes 0..4
  std::vector<std::int32_t> x{0, 0, na, 0, 1, 1, 2, 1, 2, 2, 2, 2, 2,  2, 2, 2, 1,  1,  1, 1, 0,  1,  2, 3,
                              3, 3, 3,  3, 0, 0, 1, 0, 1, 1, 1, 1, na, 4, 4, 4, na, na, 0, 0, na, na, 2, na};
  KrippendorffState s;
  s.update({"1", "2", "3", "4", "5"}, x.data(), 12, 4);
  CHECK(s.n_units == 12);
  CHECK(s.n_pairable == 11);
  CHECK(s.n_values == 40);
  CHECK(s.n_missing == 7);
  Eigen::VectorXd v(5);
  v << 1, 2, 3, 4, 5;
  CHECK(krippendorff_alpha(s.coincidence, KrippendorffMetric::nominal).alpha == Approx(0.743421052631579).margin(kTol));
  CHECK(krippendorff_alpha(s.coincidence, KrippendorffMetric::ordinal).alpha == Approx(0.815387503754881).margin(kTol));
  CHECK(krippendorff_alpha(s.coincidence, KrippendorffMetric::interval, v).alpha ==
        Approx(0.849107142857143).margin(kTol));
  CHECK(krippendorff_alpha(s.coincidence, KrippendorffMetric::ratio, v).alpha ==
        Approx(0.797402774711612).margin(kTol));
  CHECK_THROWS_AS(krippendorff_alpha(s.coincidence, KrippendorffMetric::interval), input_error);
  KrippendorffState a, b;
  a.update({"1", "2", "3", "4", "5"}, x.data(), 5, 4);
  b.update({"1", "2", "3", "4", "5"}, x.data() + 20, 7, 4);
  a.merge(b);
  CHECK(krippendorff_alpha(a.coincidence, KrippendorffMetric::nominal).alpha == Approx(0.743421052631579).margin(kTol));
  auto back = KrippendorffState::from_bytes(s.to_bytes());
  CHECK(back.coincidence == s.coincidence);
}
