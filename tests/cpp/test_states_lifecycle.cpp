// LifecycleState: the mergeable lifecycle stage indices (issue 13): hand-computed counts, means,
// sds and intervals, merges in any order equal to summarize_lifecycle in one pass, the SSLIFEC1
// byte image and its validation (truncated, magic, version, hostile counts and sums).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/lifecycle.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
GroupKeys keys(std::initializer_list<const char*> labels) {
  GroupKeys k({"branch"});
  for (const char* l : labels) k.insert(GroupKey{KeyValue{std::string(l)}});
  return k;
}
const double kNan = std::nan("");

LifecycleConfig two_stages() {
  LifecycleConfig c;
  c.touchpoints = {{"info", LifecycleStage::warm_handshake, 1.0}, {"repair", LifecycleStage::caring, 1.0}};
  return c;
}

void put_f64_at(std::string& b, std::size_t at, double v) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, 8);
  for (int i = 0; i < 8; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xff);
}
void put_i64_at(std::string& b, std::size_t at, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xff);
}
}  // namespace

TEST_CASE("lifecycle state: hand figures, merges equal one pass, bytes", "[states][lifecycle]") {
  const LifecycleConfig cfg = two_stages();
  // (info, repair) on 1-5 -> stage scores (warm_handshake, caring) 0-100
  RowMatrixXd x(5, 2);
  x << 5, 1,    // south: 100, 0
      3, 2,     // north: 50, 25
      4, 3,     // south: 75, 50
      kNan, 5,  // north: -, 100
      1, 4;     // south: 0, 75
  VectorXi32 g(5);
  g << 0, 1, 0, 1, 0;  // keys {"south", "north"}
  LifecycleState one(cfg, {"branch"});
  one.update(x, g, keys({"south", "north"}));
  CHECK(one.rows() == 5);
  CHECK(one.groups() == 2);
  const LifecycleSummary r = one.result();  // key order: north, south
  const int wh = static_cast<int>(LifecycleStage::warm_handshake), ca = static_cast<int>(LifecycleStage::caring);
  CHECK(r.respondents == std::vector<std::int64_t>{2, 3});
  CHECK(r.n(0, wh) == 1);
  CHECK(r.n_missing(0, wh) == 1);
  CHECK(std::isnan(r.index(0, wh)));  // one score, min_n 2
  CHECK(r.n(0, ca) == 2);
  CHECK(r.index(0, ca) == Approx(62.5).epsilon(1e-14));
  CHECK(r.sd(0, ca) == Approx(std::sqrt(2812.5)).epsilon(1e-14));
  // south: warm_handshake 100, 75, 0 (mean 175/3, variance 8125/3); caring 0, 50, 75 (125/3, 4375/3)
  CHECK(r.n(1, wh) == 3);
  CHECK(r.n_missing(1, wh) == 0);
  CHECK(r.index(1, wh) == Approx(175.0 / 3).epsilon(1e-14));
  CHECK(r.sd(1, wh) == Approx(std::sqrt(8125.0 / 3)).epsilon(1e-14));
  CHECK(r.index(1, ca) == Approx(125.0 / 3).epsilon(1e-14));
  CHECK(r.sd(1, ca) == Approx(std::sqrt(4375.0 / 3)).epsilon(1e-14));
  const double t2 = 4.302652729749462;  // Student t, 2 df, 0.975 (scipy.stats.t.ppf)
  CHECK(r.lower(1, wh) == Approx(175.0 / 3 - t2 * std::sqrt(8125.0 / 3) / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(r.upper(1, ca) == Approx(125.0 / 3 + t2 * std::sqrt(4375.0 / 3) / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(r.journey[1] == Approx(50.0).epsilon(1e-14));
  CHECK(r.weakest[1] == ca);
  CHECK(r.strongest[1] == wh);
  CHECK(r.weak(1, wh) == 0);  // above by more than the margin, but the interval holds the journey index
  CHECK(r.strong(1, wh) == 0);
  // the one-pass summary of the same rows, integer group codes in key order
  const RowMatrixXd scores = score_lifecycle(x, cfg);
  VectorXi32 kg(5);
  kg << 1, 0, 1, 0, 1;
  const LifecycleSummary ref = summarize_lifecycle(scores, cfg, kg, 3);  // group 2 without respondents
  CHECK(ref.respondents == std::vector<std::int64_t>{2, 3, 0});
  CHECK(ref.n.topRows(2) == r.n);
  CHECK(ref.n_missing.topRows(2) == r.n_missing);
  CHECK(ref.index(1, wh) == r.index(1, wh));
  CHECK(ref.n(2, ca) == 0);
  CHECK(std::isnan(ref.journey[2]));
  CHECK(ref.weakest[2] == -1);
  // partitions (one empty), keys met in another order, merged both ways
  LifecycleState a(cfg, {"branch"}), b(cfg, {"branch"}), e(cfg);
  VectorXi32 g1(2), g2(3);
  g1 << 1, 0;
  g2 << 0, 1, 0;
  a.update(x.topRows(2), g1, keys({"north", "south"}));
  b.update(x.bottomRows(3), g2, keys({"south", "north", "east"}));  // "east": a key without rows, no group
  e.update(x.topRows(0), VectorXi32(), GroupKeys());
  CHECK(b.groups() == 2);
  LifecycleState ab = a, ba = e;
  ab.merge(b).merge(e);
  ba.merge(b).merge(a);
  for (const LifecycleState* m : {&ab, &ba}) {
    const LifecycleSummary q = m->result();
    CHECK(q.n == r.n);
    CHECK(q.n_missing == r.n_missing);
    CHECK(q.respondents == r.respondents);
    for (int gg = 0; gg < 2; ++gg)
      for (int s : {wh, ca}) {
        if (std::isnan(r.index(gg, s))) {
          CHECK(std::isnan(q.index(gg, s)));
          continue;
        }
        CHECK(q.index(gg, s) == Approx(r.index(gg, s)).epsilon(1e-13));
        CHECK(q.sd(gg, s) == Approx(r.sd(gg, s)).epsilon(1e-13));
      }
    CHECK(q.weakest == r.weakest);
  }
  // a state merged with itself: counts double, means stay
  LifecycleState twice = one;
  twice.merge(twice);
  CHECK(twice.rows() == 10);
  CHECK(twice.result().index(1, wh) == Approx(175.0 / 3).epsilon(1e-14));
  // bytes
  const std::string bytes = one.to_bytes();
  CHECK(bytes.substr(0, 8) == "SSLIFEC1");
  CHECK(LifecycleState::from_bytes(bytes) == one);
  CHECK(LifecycleState::from_bytes(bytes).result().sd(1, ca) == r.sd(1, ca));
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(LifecycleState::from_bytes(bytes.substr(0, n)), input_error);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bytes + "z"), Contains("longer than declared"));
  CHECK_THROWS_WITH(LifecycleState::from_bytes("SSLIFEC7" + bytes.substr(8)), Contains("unsupported version '7'"));
  CHECK_THROWS_WITH(LifecycleState::from_bytes("SSLOYAL1" + bytes.substr(8)),
                    Contains("not a servscore lifecycle state"));
  const std::size_t last = bytes.size() - 8 * (LifecycleState::kInts + LifecycleState::kReals);  // south
  const std::size_t reals = last + 8 * LifecycleState::kInts;
  std::string bad = bytes;
  put_i64_at(bad, last, 7);  // respondents 3 -> 7: no longer n + n_missing
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("do not add up"));
  bad = bytes;
  put_i64_at(bad, last + 8 * (1 + 1), 1);  // n of tying_the_knot (no touchpoint)
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("do not add up"));
  bad = bytes;
  put_f64_at(bad, reals + 8 * wh, 200.0);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("outside [0, 100]"));
  bad = bytes;
  put_f64_at(bad, reals + 8 * (8 + wh), -1.0);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("squared deviations"));
  bad = bytes;
  put_f64_at(bad, reals + 8 * (8 + wh), 1e300);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("squared deviations"));
  bad = bytes;
  put_f64_at(bad, reals + 8 * (8 + wh), kNan);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("not finite"));
  bad = bytes;
  put_i64_at(bad, last, -1);
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("outside [0, 2^62]"));
  bad = bytes;
  bad[8] = bad[9] = '\xff';
  bad[10] = '\x7f';
  CHECK_THROWS_WITH(LifecycleState::from_bytes(bad), Contains("declares"));
  // counts at the 2^62 cap load, and a merge past it is refused with both states unchanged
  bad = bytes;
  const std::int64_t cap = std::int64_t{1} << 62;
  put_i64_at(bad, last, cap);
  put_i64_at(bad, last + 8 * (1 + 8 + wh), cap - 3);
  put_i64_at(bad, last + 8 * (1 + 8 + ca), cap - 3);
  LifecycleState big = LifecycleState::from_bytes(bad);
  const std::string before = big.to_bytes();
  CHECK_THROWS_WITH(big.merge(big), Contains("2^62"));
  CHECK(big.to_bytes() == before);
  CHECK_THROWS_WITH(big.update(x, g, keys({"south", "north"})), Contains("2^62"));
  CHECK(big.to_bytes() == before);
}

TEST_CASE("lifecycle state: errors name the row, the value and both sides", "[states][lifecycle]") {
  const LifecycleConfig cfg = two_stages();
  RowMatrixXd x(2, 2);
  x << 5, 1, 9, 2;
  LifecycleState st(cfg, {"branch"});
  CHECK_THROWS_WITH(st.update(x, VectorXi32::Zero(2), keys({"a"})), Contains("row 1") && Contains("9"));
  CHECK(st.rows() == 0);
  x(1, 0) = 4;
  CHECK_THROWS_WITH(st.update(x, VectorXi32::Constant(2, 3), keys({"a"})), Contains("group code 3"));
  CHECK_THROWS_WITH(st.update(x, VectorXi32::Zero(1), keys({"a"})), Contains("one code per respondent"));
  CHECK(st.rows() == 0);
  st.update(x, VectorXi32::Zero(2), keys({"a"}));
  CHECK(st.rows() == 2);
  LifecycleConfig other = cfg;
  other.margin = 10;
  LifecycleState o(other, {"branch"});
  o.update(x, VectorXi32::Zero(2), keys({"a"}));
  CHECK_THROWS_WITH(st.merge(o),
                    Contains("differ in configuration") && Contains("(this one)") && Contains("(the other)"));
  LifecycleState ungrouped(cfg);
  ungrouped.update(x, VectorXi32(), GroupKeys());
  CHECK_THROWS_WITH(st.merge(ungrouped), Contains("only states of the same key columns merge"));
  CHECK_THROWS_WITH(st.update(x, VectorXi32(), GroupKeys()), Contains("ungrouped"));
  RowMatrixXd s3(1, 3);
  CHECK_THROWS_WITH(st.update_scores(s3, VectorXi32(), GroupKeys()), Contains("8 columns"));
  LifecycleConfig bad = cfg;
  bad.confidence = 2;
  CHECK_THROWS_AS(LifecycleState(bad), config_error);
}
