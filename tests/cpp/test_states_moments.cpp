// MomentsState: the mergeable moments-of-truth aggregates (issue 13): batches of whole visits,
// merges in any order equal to analyze_moments in one pass, the SSMOMTS1 byte image and its
// validation (truncated, magic, version, hostile counts and sums).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/standards.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
struct Batch {
  VectorXi32 visit, moment;
  Eigen::VectorXd order, score;
  int n_visits;
};
// visit 0: park 5, pay 2, leave 1 (bad ending, weakest leave); visit 1: park 4, pay (missing), leave 4
Batch first() {
  Batch b{VectorXi32(3), VectorXi32(3), Eigen::VectorXd(3), Eigen::VectorXd(3), 1};
  b.visit << 0, 0, 0;
  b.moment << 0, 1, 2;  // names park, pay, leave
  b.order << 1, 2, 3;
  b.score << 5, 2, 1;
  return b;
}
Batch second() {
  Batch b{VectorXi32(3), VectorXi32(3), Eigen::VectorXd(3), Eigen::VectorXd(3), 1};
  b.visit << 0, 0, 0;
  b.moment << 0, 1, 2;  // names pay, park, leave: another batch's coding
  b.order << 2, 1, 3;
  b.score << std::nan(""), 4, 4;
  return b;
}
const std::vector<std::string> kNames1 = {"park", "pay", "leave"}, kNames2 = {"pay", "park", "leave"};
}  // namespace

TEST_CASE("moments state: batches of whole visits merge to one pass, bytes", "[states]") {
  MomentsState a, b, e;
  const Batch x = first(), y = second();
  a.update(x.visit, x.order, x.moment, x.score, x.n_visits, kNames1, VectorXi32(), GroupKeys());
  b.update(y.visit, y.order, y.moment, y.score, y.n_visits, kNames2, VectorXi32(), GroupKeys());
  e.update(VectorXi32(), Eigen::VectorXd(), VectorXi32(), Eigen::VectorXd(), 0, {}, VectorXi32(), GroupKeys());
  MomentsState ab = a, ba = e;
  ab.merge(b).merge(e);
  ba.merge(b).merge(a);
  CHECK(ab == ba);
  CHECK(ab.rows() == 6);
  const MomentsCounts r = ab.result();  // cells in name order: leave, park, pay
  REQUIRE(r.moment == std::vector<std::string>{"leave", "park", "pay"});
  CHECK(r.n(0) == 2);
  CHECK(r.sum(0) == 5);
  CHECK(r.failed(0) == 1);   // leave 1 <= 2
  CHECK(r.weakest(0) == 1);  // visit 0 (visit 1: park and leave tie at 4: the earliest, park)
  CHECK(r.weakest(1) == 1);
  CHECK(r.position_sum(0) == 2 + 1);  // third of visit 0, second scored of visit 1
  CHECK(r.n(2) == 1);
  CHECK(r.cell_rows(2) == 2);
  CHECK(r.n_missing(0) == 1);
  CHECK(r.visits_scored(0) == 2);
  CHECK(r.bad_endings(0) == 1);
  // the same figures as one analyze_moments over both visits
  VectorXi32 v(6), m(6);
  v << 0, 0, 0, 1, 1, 1;
  m << 1, 2, 0, 2, 1, 0;  // codes of leave, park, pay
  Eigen::VectorXd o(6), s(6);
  o << 1, 2, 3, 2, 1, 3;
  s << 5, 2, 1, std::nan(""), 4, 4;
  const MomentsAnalysis one = analyze_moments(v, o, m, s, 2, 3, MomentsConfig{});
  CHECK(r.n == one.moment_n);
  CHECK(r.sum == one.moment_sum);
  CHECK(r.weakest == one.moment_weakest);
  CHECK(r.position_sum == one.moment_position_sum);
  // bytes
  const std::string bytes = ab.to_bytes();
  CHECK(bytes.substr(0, 8) == "SSMOMTS1");
  CHECK(MomentsState::from_bytes(bytes) == ab);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(MomentsState::from_bytes(bytes.substr(0, n)), input_error);
  CHECK_THROWS_WITH(MomentsState::from_bytes(bytes + "z"), Contains("longer than declared"));
  CHECK_THROWS_WITH(MomentsState::from_bytes("SSMOMTS2" + bytes.substr(8)), Contains("unsupported version '2'"));
  CHECK_THROWS_WITH(MomentsState::from_bytes("SSLOYAL1" + bytes.substr(8)), Contains("not a servscore moments state"));
  const std::size_t cell = 8 * 6, last = bytes.size() - cell;  // the last cell (pay)
  std::string bad = bytes;
  bad[last + 8 * 2] = 2;  // pay failed 0 -> 2 > n 1
  CHECK_THROWS_WITH(MomentsState::from_bytes(bad), Contains("at most n"));
  bad = bytes;
  bad[last + 8 * 5 + 7] = '\x47';  // the score sum 2.0 -> about 2^113: outside n x the scale
  CHECK_THROWS_WITH(MomentsState::from_bytes(bad), Contains("outside n x the scale"));
  bad = bytes;
  bad[last + 8 * 5 + 7] = '\x7f';
  bad[last + 8 * 5 + 6] = '\xf0';  // +inf
  CHECK_THROWS_WITH(MomentsState::from_bytes(bad), Contains("not finite"));
  bad = bytes;
  bad[last] = 3;  // the cell's rows 2 -> 3: the cells count more rows than the group
  CHECK_THROWS_WITH(MomentsState::from_bytes(bad), Contains("than the group"));
  bad = bytes;
  bad[8] = bad[9] = '\xff';
  bad[10] = '\x7f';
  CHECK_THROWS_WITH(MomentsState::from_bytes(bad), Contains("declares"));
}

TEST_CASE("moments state: groups, errors and both sides named", "[states]") {
  const Batch x = first();
  GroupKeys k({"branch"});
  k.insert(GroupKey{KeyValue{std::string("north")}});
  MomentsState st(MomentsConfig{}, {"branch"});
  CHECK_THROWS_WITH(st.update(x.visit, x.order, x.moment, x.score, 1, {"park", "pay"}, VectorXi32::Zero(3), k),
                    Contains("moment code 2"));
  CHECK(st.rows() == 0);
  st.update(x.visit, x.order, x.moment, x.score, 1, kNames1, VectorXi32::Zero(3), k);
  const MomentsCounts r = st.result();
  CHECK(r.group == std::vector<std::int32_t>{0, 0, 0});
  CHECK(MomentsState::from_bytes(st.to_bytes()) == st);
  MomentsConfig other;
  other.fail_at = 3;
  CHECK_THROWS_WITH(st.merge(MomentsState(other, {"branch"})), Contains("differ in configuration"));
  MomentsState ungrouped;
  ungrouped.update(x.visit, x.order, x.moment, x.score, 1, kNames1, VectorXi32(), GroupKeys());
  CHECK_THROWS_WITH(st.merge(ungrouped), Contains("only states of the same key columns merge"));
  Eigen::VectorXd off = x.score;
  off[1] = 9;
  CHECK_THROWS_WITH(st.update(x.visit, x.order, x.moment, off, 1, kNames1, VectorXi32::Zero(3), k),
                    Contains("outside the scale"));
  CHECK(st.rows() == 3);
}
