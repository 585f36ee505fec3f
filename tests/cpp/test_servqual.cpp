#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "servscore/errors.hpp"
#include "servscore/servqual.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

ServqualConfig two_dims() {
  ServqualConfig c;
  c.form = 0;
  c.items = {{"a", RaterDimension::tangibles, false, false},
             {"b", RaterDimension::tangibles, false, false},
             {"c", RaterDimension::empathy, false, false}};
  return c;
}
}  // namespace

TEST_CASE("the 22-item forms: dimensions and reverse keying", "[servqual]") {
  auto f88 = servqual_items(1988);
  auto f91 = servqual_items(1991);
  REQUIRE(f88.size() == 22);
  CHECK(f88[0].dimension == RaterDimension::tangibles);
  CHECK(f88[8].dimension == RaterDimension::reliability);      // q9
  CHECK(f88[12].dimension == RaterDimension::responsiveness);  // q13
  CHECK(f88[16].dimension == RaterDimension::assurance);       // q17
  CHECK(f88[21].dimension == RaterDimension::empathy);         // q22
  int reversed = 0;
  for (const auto& it : f88) reversed += it.reverse_expectation;
  CHECK(reversed == 9);
  CHECK(f88[9].reverse_expectation);
  CHECK_FALSE(f88[8].reverse_expectation);
  for (const auto& it : f91) CHECK_FALSE(it.reverse_expectation);
  CHECK_THROWS_AS(servqual_items(2000), config_error);
  ServqualConfig c = servqual_config_from_json(servqual_form_json(1988));
  CHECK(c.items == f88);
  CHECK(servqual_config_from_json(to_json(c)) == c);
  CHECK_THROWS_WITH(servqual_config_from_json(R"({"items": [{"name": "x", "dimension": "speed"}]})"),
                    Contains("config.items[0].dimension"));
  CHECK_THROWS_WITH(servqual_config_from_json(R"({"scale": 7})"), Contains("scale"));
}

TEST_CASE("hand-computed gaps, SERVQUAL, weighted SERVQUAL and SERVPERF", "[servqual]") {
  ServqualConfig c = two_dims();
  RowMatrixXd e(2, 3), p(2, 3), w(2, 2);
  e << 7, 7, 6, 6, 6, 7;
  p << 5, 6, 7, 6, 5, 4;
  w << 40, 60, 100, 0;
  ServqualScores s = servqual_scores(e, p, c, w);
  // gaps r1: -2, -1, +1 -> tangibles -1.5, empathy 1; r2: 0, -1, -3 -> -0.5, -3
  CHECK(s.dim_gap(0, 0) == Approx(-1.5));
  CHECK(s.dim_gap(1, 1) == Approx(-3.0));
  CHECK(s.servqual(0) == Approx(-0.25));
  CHECK(s.weighted_servqual(0) == Approx(0.4 * -1.5 + 0.6 * 1.0));
  CHECK(s.weighted_servqual(1) == Approx(-0.5));
  CHECK(s.servperf(0) == Approx((5.5 + 7.0) / 2));
  ServqualAccumulator acc(c);
  acc.update(e, p, w);
  ServqualSummary r = acc.result();
  CHECK(r.servqual == Approx(((-1.5 - 0.5) / 2 + (1.0 - 3.0) / 2) / 2));  // mean over dimensions
  CHECK(r.weighted_servqual == Approx((0.0 - 0.5) / 2));
  CHECK(r.items(0, 2) == Approx(-1.0));       // item a mean gap
  CHECK(r.dimensions(0, 5) == Approx(70.0));  // mean points of tangibles
  CHECK(r.n_weighted == 2);
  ServqualAccumulator back = ServqualAccumulator::from_bytes(acc.to_bytes());
  CHECK(back.result().weighted_servqual == r.weighted_servqual);
}

TEST_CASE("reverse keying and missing answers", "[servqual]") {
  ServqualConfig c = two_dims();
  c.items[1].reverse_expectation = true;
  RowMatrixXd e(1, 3), p(1, 3);
  e << 7, 2, NaN;  // b: 8 - 2 = 6
  p << 5, 6, 4;
  ServqualScores s = servqual_scores(e, p, c);
  CHECK(s.item_gap(0, 1) == Approx(0.0));
  CHECK(std::isnan(s.item_gap(0, 2)));
  CHECK(std::isnan(s.dim_gap(0, 1)));  // empathy has no answered item
  CHECK(std::isnan(s.servqual(0)));
  CHECK(s.dim_gap(0, 0) == Approx(-1.0));
}

TEST_CASE("zone of tolerance check value (methods.md) and merging", "[servqual]") {
  ServqualConfig c;
  c.form = 0;
  c.items = {{"q", RaterDimension::reliability, false, false}};
  RowMatrixXd a(3, 1), d(3, 1), p(3, 1);
  a << 5, 5, 5;
  d << 8, 8, 8;
  p << 6, 4, 9;
  ZotAccumulator one(c);
  one.update(a.topRows(1), d.topRows(1), p.topRows(1));
  ZotSummary r1 = one.result();
  CHECK(r1.table(0, 4) == 1.0);   // MSA
  CHECK(r1.table(0, 5) == -2.0);  // MSS
  CHECK(r1.table(0, 6) == 3.0);   // width
  CHECK(r1.table(0, 8) == 1.0);   // within
  ZotAccumulator rest(c);
  rest.update(a.bottomRows(2), d.bottomRows(2), p.bottomRows(2));
  one.merge(rest);
  ZotSummary r = ZotAccumulator::from_bytes(one.to_bytes()).result();
  CHECK(r.table(0, 0) == 3.0);
  CHECK(r.table(0, 7) == Approx(1.0 / 3));   // below
  CHECK(r.table(0, 9) == Approx(1.0 / 3));   // above
  CHECK(r.table(1, 3) == Approx(19.0 / 3));  // the dimension row: mean perceived
}

TEST_CASE("servqual errors name row, column and value", "[servqual]") {
  ServqualConfig c = two_dims();
  RowMatrixXd e = RowMatrixXd::Constant(2, 3, 4), p = RowMatrixXd::Constant(2, 3, 4);
  p(1, 2) = 8;
  CHECK_THROWS_WITH(servqual_scores(e, p, c), Contains("perceptions: row 1, column 'c': value 8"));
  p(1, 2) = 4;
  RowMatrixXd w(2, 2);
  w << 50, 50, 30, 30;
  CHECK_THROWS_WITH(servqual_scores(e, p, c, w), Contains("row 1: the points sum to 60"));
  w << 50, 50, -10, 110;
  CHECK_THROWS_WITH(servqual_scores(e, p, c, w), Contains("column 'tangibles'"));
  CHECK_THROWS_WITH(servqual_scores(RowMatrixXd::Constant(3, 3, 4), p, c), Contains("3 rows"));
  ServqualConfig dup = c;
  dup.items[2].name = "a";
  CHECK_THROWS_WITH(dup.validate(), Contains("duplicate item 'a'"));
  ServqualAccumulator other(servqual_config_from_json("{}"));
  ServqualAccumulator mine(c);
  CHECK_THROWS_AS(mine.merge(other), input_error);
}
