// ComplianceState: the mergeable compliance counts (issue 13): hand counts, merges in any order,
// the SSCOMPL1 byte image and its validation; count_compliance is one update of it.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/standards.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
StandardSet two() {
  return standards_from_json(R"({"standards": [
    {"id": "greet", "met": {"field": "greet_seconds", "op": "<=", "value": 3}},
    {"id": "thanks", "met": {"field": "thanked", "op": "==", "value": 1}}]})");
}

GroupKeys keys(std::initializer_list<const char*> labels) {
  GroupKeys k({"branch"});
  for (const char* l : labels) k.insert(GroupKey{KeyValue{std::string(l)}});
  return k;
}

RowMatrixXi8 codes() {
  RowMatrixXi8 c(5, 2);
  c << 1, 0,   //
      0, 1,    //
      -2, -1,  //
      1, 1,    //
      1, -2;
  return c;
}
}  // namespace

TEST_CASE("compliance state: hand counts, merges in any order, bytes", "[states]") {
  const RowMatrixXi8 c = codes();
  VectorXi32 g(5);
  g << 0, 1, 0, 0, 1;  // keys {"south", "north"}: rows 0, 2, 3 south; 1, 4 north
  ComplianceState one(two(), {"branch"});
  one.update(c, g, keys({"south", "north"}));
  CHECK(one.rows() == 5);
  const ComplianceCounts r = one.result();  // key order: north, south
  CHECK(r.met(0, 0) == 1);
  CHECK(r.observed(0, 0) == 2);
  CHECK(r.not_observed(0, 1) == 1);
  CHECK(r.met(1, 0) == 2);
  CHECK(r.not_observed(1, 0) == 1);
  CHECK(r.not_applicable(1, 1) == 1);
  CHECK(r.observed(1, 1) == 2);
  // two partitions, keys met in another order, an empty one
  ComplianceState a(two(), {"branch"}), b(two(), {"branch"}), e(two());
  VectorXi32 g1(2), g2(3);
  g1 << 1, 0;  // rows 0-1 with keys {"north", "south"}
  g2 << 0, 0, 1;
  a.update(c.topRows(2), g1, keys({"north", "south"}));
  b.update(c.bottomRows(3), g2, keys({"south", "north"}));
  e.update(c.topRows(0), VectorXi32(), GroupKeys());
  ComplianceState ab = a, ba = e;
  ab.merge(b).merge(e);
  ba.merge(b).merge(a);
  CHECK(ab.to_bytes() == one.to_bytes());
  CHECK(ba == one);
  // bytes
  const std::string bytes = one.to_bytes();
  CHECK(bytes.substr(0, 8) == "SSCOMPL1");
  CHECK(ComplianceState::from_bytes(bytes) == one);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(ComplianceState::from_bytes(bytes.substr(0, n)), input_error);
  CHECK_THROWS_WITH(ComplianceState::from_bytes(bytes + "z"), Contains("longer than declared"));
  std::string bad = bytes;
  bad[bad.size() - 8] = static_cast<char>(bad[bad.size() - 8] + 1);  // a count that no longer adds up
  CHECK_THROWS_WITH(ComplianceState::from_bytes(bad), Contains("do not add up"));
  bad = bytes;
  bad[bad.size() - 1] = '\x80';
  CHECK_THROWS_WITH(ComplianceState::from_bytes(bad), Contains("outside [0, 2^62]"));
  bad = bytes;
  bad[8] = bad[9] = bad[10] = '\xff';
  CHECK_THROWS_WITH(ComplianceState::from_bytes(bad), Contains("declares"));
}

TEST_CASE("compliance state: errors name row, standard and both sides", "[states]") {
  RowMatrixXi8 c = codes();
  c(3, 1) = 5;
  ComplianceState s(two());
  CHECK_THROWS_WITH(s.update(c, VectorXi32(), GroupKeys(), 100),
                    Contains("row 103") && Contains("'thanks'") && Contains("code 5"));
  CHECK(s.rows() == 0);  // unchanged
  ComplianceState a(two(), {"branch"}), r(two(), {"region"});
  a.update(codes(), VectorXi32::Zero(5), keys({"n"}));
  GroupKeys rk({"region"});
  rk.insert(GroupKey{KeyValue{std::string("n")}});
  r.update(codes(), VectorXi32::Zero(5), rk);
  CHECK_THROWS_WITH(a.merge(r), Contains("'branch'") && Contains("'region'"));
  const StandardSet one =
      standards_from_json(R"({"standards": [{"id": "greet", "met": {"field": "g", "op": "<=", "value": 3}}]})");
  CHECK_THROWS_WITH(a.merge(ComplianceState(one)),
                    Contains("2 standards (greet, thanks)") && Contains("1 standards (greet)"));
  CHECK_THROWS_WITH(count_compliance(codes(), VectorXi32::Constant(5, 2), 2), Contains("row 0 has group code 2"));
}

TEST_CASE("time state: exact quantiles within the cap, the histogram's relative bound beyond", "[states]") {
  const TimeConfig cfg = time_config_from_json(R"({"targets": [{"element": "waiting", "column": "w", "target": 5}]})");
  RowMatrixXd x(6, 1);
  x << 1, 4, std::numeric_limits<double>::quiet_NaN(), 5, 6, 10;
  for (std::int64_t cap : {100, 2}) {
    TimeState one(cfg, {}, cap, 0.005), a(cfg, {}, cap, 0.005), b(cfg, {}, cap, 0.005);
    one.update(x, VectorXi32(), GroupKeys());
    a.update(x.topRows(2), VectorXi32(), GroupKeys());
    b.update(x.bottomRows(4), VectorXi32(), GroupKeys());
    b.merge(a);
    Eigen::MatrixXd exact;
    const TimeSummary r = one.result(true, &exact), m = b.result();
    CHECK(r.n(0, 0) == 5);
    CHECK(r.n_missing(0, 0) == 1);
    CHECK(r.attained(0, 0) == 3);
    CHECK(r.mean(0, 0) == Approx(5.2));
    CHECK(r.mean_excess(0, 0) == Approx(1.2));
    CHECK(m.quantiles[0](0, 0) == r.quantiles[0](0, 0));
    CHECK(m.quantiles[1](0, 0) == r.quantiles[1](0, 0));
    if (cap == 100) {
      CHECK(exact(0, 0) == 1);
      CHECK(r.quantiles[0](0, 0) == 5.0);
      CHECK(r.quantiles[1](0, 0) == Approx(8.4).epsilon(1e-15));
      CHECK(b.to_bytes() == one.to_bytes());
    } else {
      CHECK(exact(0, 0) == 0);
      CHECK(std::abs(r.quantiles[0](0, 0) - 5.0) <= 0.005 * 5.0);
      CHECK(std::abs(r.quantiles[1](0, 0) - 8.4) <= 0.005 * 8.4);
    }
    const std::string bytes = one.to_bytes();
    CHECK(TimeState::from_bytes(bytes).to_bytes() == bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n)
      CHECK_THROWS_AS(TimeState::from_bytes(bytes.substr(0, n)), input_error);
  }
  x(1, 0) = -2;
  TimeState s(cfg);
  CHECK_THROWS_WITH(s.update(x, VectorXi32(), GroupKeys(), 10),
                    Contains("row 11") && Contains("'w'") && Contains("-2"));
  CHECK(s.rows() == 0);
  CHECK_THROWS_WITH(TimeState(cfg).merge(TimeState(cfg, {}, 7)),
                    Contains("exact_cap 100000") && Contains("exact_cap 7"));
}

TEST_CASE("compliance state: a merge whose counts would pass 2^62 is refused, the state unchanged", "[states]") {
  // an accepted image: one group, 2^62 records, all met on both standards (the counts are the
  // image's last 9 int64 cells: records, then met / not met / n.a. / not observed per standard)
  ComplianceState s(two(), {"branch"});
  RowMatrixXi8 c(1, 2);
  c << 1, 1;
  VectorXi32 g(1);
  g << 0;
  s.update(c, g, keys({"south"}));
  std::string bytes = s.to_bytes();
  const std::int64_t big = std::int64_t{1} << 62;
  const std::size_t at = bytes.size() - 9 * 8;
  for (std::size_t cell : {std::size_t{0}, std::size_t{1}, std::size_t{5}})
    for (int k = 0; k < 8; ++k)
      bytes[at + 8 * cell + static_cast<std::size_t>(k)] = static_cast<char>((big >> (8 * k)) & 0xff);
  ComplianceState huge = ComplianceState::from_bytes(bytes);
  CHECK(huge.result().met(0, 0) == static_cast<double>(big));
  const std::string before = huge.to_bytes();
  CHECK_THROWS_WITH(huge.merge(huge), Contains("would pass 2^62"));
  CHECK(huge.to_bytes() == before);
  ComplianceState other = ComplianceState::from_bytes(bytes);
  CHECK_THROWS_AS(other.merge(huge), input_error);
  CHECK(other.to_bytes() == before);
}
