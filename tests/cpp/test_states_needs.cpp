// NeedsState: the mergeable anticipated-needs counts (issue 13): hand counts, merges in any
// order, the SSNEEDS1 byte image and its validation (truncated, magic, version, hostile counts).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/needs.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
NeedRuleSet rules() {
  return need_rules_from_json(R"({"rules": [
    {"id": "long_wait", "when": {"field": "wait", "op": ">=", "value": 10}, "needs": ["timely_service"],
     "actions": ["thank them"]},
    {"id": "kids", "when": {"field": "kids", "op": "is_true"}, "needs": ["comfort", "timely_service"]},
    {"id": "cue", "when": {"present": "cue_x"}, "needs": ["help"]}]})");
}

GroupKeys keys(std::initializer_list<const char*> labels) {
  GroupKeys k({"branch"});
  for (const char* l : labels) k.insert(GroupKey{KeyValue{std::string(l)}});
  return k;
}

RowMatrixXd data() {  // columns wait, kids
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RowMatrixXd x(5, 2);
  x << 12, 0,  //
      3, 1,    //
      nan, 1,  //
      15, 1,   //
      2, nan;
  return x;
}
const std::vector<std::string> kCols = {"wait", "kids"};
constexpr std::size_t kNeeds = enum_size<HumanNeed>();
}  // namespace

TEST_CASE("needs state: hand counts, merges in any order, bytes", "[states]") {
  const RowMatrixXd x = data();
  VectorXi32 g(5);
  g << 0, 1, 0, 0, 1;  // keys {"south", "north"}: rows 0, 2, 3 south; 1, 4 north
  NeedsState one(rules(), {"branch"});
  one.update(x, kCols, g, keys({"south", "north"}));
  CHECK(one.rows() == 5);
  CHECK(one.groups() == 2);
  const NeedsCounts r = one.result();  // key order: north (rows 1, 4), south (rows 0, 2, 3)
  CHECK(r.n(0) == 2);
  CHECK(r.n(1) == 3);
  CHECK(r.n_any(0) == 1);  // row 1 (kids); row 4 nothing
  CHECK(r.n_any(1) == 3);  // 0 long wait; 2 kids; 3 both
  CHECK(r.rules(1, 0) == 2);
  CHECK(r.rules(1, 1) == 2);
  CHECK(r.rules(0, 2) == 0);
  const auto ts = static_cast<Eigen::Index>(HumanNeed::timely_service);
  const auto comfort = static_cast<Eigen::Index>(HumanNeed::comfort);
  CHECK(r.needs(1, ts) == 3);
  CHECK(r.needs(1, comfort) == 2);
  CHECK(r.needs(0, ts) == 1);
  CHECK(r.actions(1, 0) == 2);
  REQUIRE(r.missing.cols() == 3);  // wait, kids, cue_x (absent)
  CHECK(r.missing(1, 0) == 1);
  CHECK(r.missing(0, 1) == 1);
  CHECK(r.present(0, 0) == 2);
  CHECK(r.present(1, 2) == 0);
  // two partitions, keys met in another order, an empty one
  NeedsState a(rules(), {"branch"}), b(rules(), {"branch"}), e(rules());
  VectorXi32 g1(2), g2(3);
  g1 << 1, 0;
  g2 << 0, 0, 1;
  a.update(x.topRows(2), kCols, g1, keys({"north", "south"}));
  b.update(x.bottomRows(3), kCols, g2, keys({"south", "north"}));
  e.update(x.topRows(0), kCols, VectorXi32(), GroupKeys());
  NeedsState ab = a, ba = e;
  ab.merge(b).merge(e);
  ba.merge(b).merge(a);
  CHECK(ab.to_bytes() == one.to_bytes());
  CHECK(ba == one);
  NeedsState self = one;
  self.merge(self);
  CHECK(self.result().n(1) == 6);
  // bytes
  const std::string bytes = one.to_bytes();
  CHECK(bytes.substr(0, 8) == "SSNEEDS1");
  CHECK(NeedsState::from_bytes(bytes) == one);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(NeedsState::from_bytes(bytes.substr(0, n)), input_error);
  CHECK_THROWS_WITH(NeedsState::from_bytes(bytes + "z"), Contains("longer than declared"));
  CHECK_THROWS_WITH(NeedsState::from_bytes("SSNEEDS2" + bytes.substr(8)), Contains("unsupported version '2'"));
  CHECK_THROWS_WITH(NeedsState::from_bytes("SSCOMPL1" + bytes.substr(8)), Contains("not a servscore needs state"));
  const std::size_t W = 2 + 3 + kNeeds + 1 + 2 * 3;
  std::string bad = bytes;
  bad[bad.size() - 8 * W] = 0;  // the last group's interactions: 3 -> 0
  CHECK_THROWS_WITH(NeedsState::from_bytes(bad), Contains("counts no interaction"));
  bad = bytes;
  bad[bad.size() - 8 * W + 8] = 9;  // with a rule fired: 9 > 3 interactions
  CHECK_THROWS_WITH(NeedsState::from_bytes(bad), Contains("exceeds its interactions"));
  bad = bytes;
  bad[bad.size() - 1] = '\x80';  // a negative count
  CHECK_THROWS_WITH(NeedsState::from_bytes(bad), Contains("outside [0, 2^62]"));
  bad = bytes;
  bad[8] = bad[9] = bad[10] = '\xff';  // the rule set declares ~16 MB
  CHECK_THROWS_WITH(NeedsState::from_bytes(bad), Contains("declares"));
  // a hostile width / group count: refused before allocating
  bad = bytes;
  const std::size_t wpos = bytes.size() - 2 * 8 * W - 4;
  bad[wpos] = '\xff';
  bad[wpos + 1] = '\xff';
  CHECK_THROWS_WITH(NeedsState::from_bytes(bad), Contains("counts a group"));
}

TEST_CASE("needs state: errors name the row, the keys and both sides", "[states]") {
  const RowMatrixXd x = data();
  NeedsState st(rules(), {"branch"});
  VectorXi32 g(5);
  g << 0, 1, 0, 2, 1;
  CHECK_THROWS_WITH(st.update(x, kCols, g, keys({"a", "b"}), 1, 100), Contains("row 103"));
  CHECK(st.rows() == 0);
  CHECK_THROWS_WITH(st.update(x, {"wait", "other"}, VectorXi32(), GroupKeys()), Contains("kids"));
  st.update(x, kCols, VectorXi32::Zero(5), keys({"a"}));
  GroupKeys other({"region"});
  other.insert(GroupKey{KeyValue{std::string("x")}});
  CHECK_THROWS_WITH(st.update(x, kCols, VectorXi32::Zero(5), other), Contains("grouped by ['branch']"));
  NeedsState fewer(need_rules_from_json(R"({"rules": [{"id": "long_wait", "when": {"field": "wait", "op": ">=",
    "value": 10}, "needs": ["timely_service"]}]})"));
  CHECK_THROWS_WITH(st.merge(fewer), Contains("1 rules (long_wait) (the other)"));
  NeedsState ungrouped(rules());
  ungrouped.update(x, kCols, VectorXi32(), GroupKeys());
  CHECK_THROWS_WITH(st.merge(ungrouped), Contains("only states of the same key columns merge"));
}
