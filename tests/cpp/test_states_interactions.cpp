// InteractionRatesState: the mergeable interaction risk and cue rates (issue 13): hand-counted
// texts, flags and hits per group, merges equal one pass, the SSIRATE1 byte image and its
// validation (truncated, magic, hostile counts), errors naming the row.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/interactions.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
GroupKeys branch_keys(std::initializer_list<const char*> labels) {
  GroupKeys k({"branch"});
  for (const char* l : labels) k.insert(GroupKey{KeyValue{std::string(l)}});
  return k;
}
using Flags = RowMatrixXi8;
using Counts = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
InteractionRatesConfig two_cues() {
  InteractionRatesConfig c;
  c.cues = {"greeting", "time_pressure"};
  return c;
}
}  // namespace

TEST_CASE("interaction rates state: hand counts, merges equal one pass, bytes", "[states][interactions]") {
  // four interactions: a (text, arguing, 2 greetings), a (no text), b (text, arguing + hurried,
  // 1 time-pressure hit), b (text, nothing)
  VectorXi8 present(4);
  present << 1, 0, 1, 1;
  Flags risks = Flags::Zero(4, kLostSaleReasons);
  const auto arguing = static_cast<Eigen::Index>(LostSaleReason::arguing);
  const auto hurried = static_cast<Eigen::Index>(LostSaleReason::being_hurried);
  risks(0, arguing) = 1;
  risks(2, arguing) = 1;
  risks(2, hurried) = 1;
  Counts cues = Counts::Zero(4, 2);
  cues(0, 0) = 2;
  cues(2, 1) = 1;
  VectorXi32 groups(4);
  groups << 0, 0, 1, 1;
  const GroupKeys keys = branch_keys({"a", "b"});

  InteractionRatesState one(two_cues(), {"branch"});
  one.update(present, risks, cues, groups, keys);
  const InteractionRates r = one.result();
  REQUIRE(r.interactions == std::vector<std::int64_t>{2, 2});
  REQUIRE(r.texts == std::vector<std::int64_t>{1, 2});
  CHECK(r.flagged(0, arguing) == 1);
  CHECK(r.flagged(1, arguing) == 1);
  CHECK(r.flagged(1, hurried) == 1);
  CHECK(r.risk_share(0, arguing) == 1.0);
  CHECK(r.risk_share(1, hurried) == 0.5);
  CHECK(r.cue_texts(0, 0) == 1);
  CHECK(r.cue_hits(0, 0) == 2);
  CHECK(r.cue_share(1, 1) == 0.5);
  CHECK(r.cue_share(1, 0) == 0.0);

  // the same rows in two batches (rows 0-1, then 2-3), merged in the other order
  InteractionRatesState first(two_cues(), {"branch"}), second(two_cues(), {"branch"});
  first.update(present.head(2), risks.topRows(2), cues.topRows(2), groups.head(2), keys);
  second.update(present.tail(2), risks.bottomRows(2), cues.bottomRows(2), groups.tail(2), keys, 2);
  second.merge(first);
  CHECK(second.result().cue_hits == r.cue_hits);
  CHECK(second.result().flagged == r.flagged);
  CHECK(second.rows() == 4);

  const std::string b = one.to_bytes();
  REQUIRE(b.substr(0, 8) == "SSIRATE1");
  CHECK(InteractionRatesState::from_bytes(b) == one);
  for (std::size_t cut : {std::size_t{4}, std::size_t{12}, b.size() / 2, b.size() - 1})
    CHECK_THROWS_AS(InteractionRatesState::from_bytes(b.substr(0, cut)), input_error);
  // a group's hits below its texts with a hit: the last i64 is the hits of the second cue of b
  std::string hostile = b;
  hostile[hostile.size() - 8] = 0;
  CHECK_THROWS_WITH(InteractionRatesState::from_bytes(hostile), Contains("hits"));

  // an empty state has no group; result_of(-1) is the zero row with NaN shares
  InteractionRatesState empty(two_cues());
  const InteractionRates z = empty.result_of({-1});
  CHECK(z.texts == std::vector<std::int64_t>{0});
  CHECK(std::isnan(z.risk_share(0, 0)));
}

TEST_CASE("interaction rates state: errors name the row and the value", "[states][interactions]") {
  InteractionRatesState st(two_cues());
  VectorXi8 present(2);
  present << 1, 0;
  Flags risks = Flags::Zero(2, kLostSaleReasons);
  Counts cues = Counts::Zero(2, 2);
  const VectorXi32 none(0);
  const GroupKeys no_keys;
  cues(1, 0) = 1;  // a hit on the interaction without a text
  CHECK_THROWS_WITH(st.update(present, risks, cues, none, no_keys, 10), Contains("row 11") && Contains("greeting"));
  cues(1, 0) = 0;
  risks(0, 3) = 2;
  CHECK_THROWS_WITH(st.update(present, risks, cues, none, no_keys), Contains("row 0") && Contains("expected 0 or 1"));
  CHECK(st.rows() == 0);  // unchanged on error
  CHECK_THROWS_AS(st.update(present, risks.leftCols(3), cues, none, no_keys), input_error);
  InteractionRatesConfig dup;
  dup.cues = {"a", "a"};
  CHECK_THROWS_AS(InteractionRatesState(dup), config_error);
  InteractionRatesConfig other;
  other.cues = {"greeting"};
  InteractionRatesState o(other);
  CHECK_THROWS_WITH(st.merge(o), Contains("differ"));
}
