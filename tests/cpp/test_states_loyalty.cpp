// LoyaltyState: the mergeable loyalty-segment counts (issue 13): hand counts, merges in any order
// equal to summarize_loyalty in one pass, the SSLOYAL1 byte image and its validation (truncated,
// magic, version, hostile counts).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/loyalty.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
GroupKeys keys(std::initializer_list<const char*> labels) {
  GroupKeys k({"branch"});
  for (const char* l : labels) k.insert(GroupKey{KeyValue{std::string(l)}});
  return k;
}
const double kNan = std::nan("");
}  // namespace

TEST_CASE("loyalty state: hand counts, merges equal one pass, bytes", "[states]") {
  // apostle (5,5, nps 10: advocate), mercenary (5,2), hostage (2,5), defector (2,2, nps 8),
  // terrorist (1,1, nps 3), unknown (nan)
  Eigen::VectorXd sat(6), loy(6), nps(6), none;
  sat << 5, 5, 2, 2, 1, kNan;
  loy << 5, 2, 5, 2, 1, 3;
  nps << 10, 7, 7, 8, 3, 9;
  VectorXi32 g(6);
  g << 0, 1, 0, 1, 1, 0;  // keys {"south", "north"}: rows 0, 2, 5 south; 1, 3, 4 north
  LoyaltyState one(LoyaltyConfig{}, {"branch"});
  one.update(sat, loy, nps, none, g, keys({"south", "north"}));
  CHECK(one.rows() == 6);
  const LoyaltySummary r = one.result();  // key order: north, south
  CHECK(r.counts(0, 1) == 1);             // north: mercenary
  CHECK(r.counts(0, 3) == 1);             // defector
  CHECK(r.counts(0, 4) == 1);             // terrorist
  CHECK(r.counts(1, 0) == 1);             // south: apostle
  CHECK(r.counts(1, 2) == 1);             // hostage
  CHECK(r.n_unknown[1] == 1);
  CHECK(r.n_advocates[1] == 1);
  CHECK(r.n_categories == 5);
  CHECK(r.share(0, 4) == Approx(1.0 / 3));
  // the one-pass summary of the same rows, with integer group codes in key order
  const LoyaltySegments seg = segment_customers(sat, loy, nps, none, LoyaltyConfig{});
  VectorXi32 kg(6);
  kg << 1, 0, 1, 0, 0, 1;
  const LoyaltySummary ref = summarize_loyalty(seg, LoyaltyConfig{}, kg, 2);
  CHECK(r.counts == ref.counts);
  CHECK(r.n_unknown == ref.n_unknown);
  CHECK(r.lower.isApprox(ref.lower, 1e-14));
  CHECK(r.upper.isApprox(ref.upper, 1e-14));
  // partitions (one empty), keys met in another order, merged both ways
  LoyaltyState a(LoyaltyConfig{}, {"branch"}), b(LoyaltyConfig{}, {"branch"}), e;
  VectorXi32 g1(2), g2(4);
  g1 << 1, 0;
  g2 << 0, 1, 1, 0;
  a.update(sat.head(2), loy.head(2), nps.head(2), none, g1, keys({"north", "south"}));
  b.update(sat.tail(4), loy.tail(4), nps.tail(4), none, g2, keys({"south", "north"}));
  e.update(sat.head(0), loy.head(0), nps.head(0), none, VectorXi32(), GroupKeys());
  LoyaltyState ab = a, ba = e;
  ab.merge(b).merge(e);
  ba.merge(b).merge(a);
  CHECK(ab == one);
  CHECK(ba.to_bytes() == one.to_bytes());
  // bytes
  const std::string bytes = one.to_bytes();
  CHECK(bytes.substr(0, 8) == "SSLOYAL1");
  CHECK(LoyaltyState::from_bytes(bytes) == one);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(LoyaltyState::from_bytes(bytes.substr(0, n)), input_error);
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bytes + "z"), Contains("longer than declared"));
  CHECK_THROWS_WITH(LoyaltyState::from_bytes("SSLOYAL7" + bytes.substr(8)), Contains("unsupported version '7'"));
  CHECK_THROWS_WITH(LoyaltyState::from_bytes("SSNEEDS1" + bytes.substr(8)), Contains("not a servscore loyalty state"));
  const std::size_t last = bytes.size() - 8 * LoyaltyState::kWidth;  // the south group
  std::string bad = bytes;
  bad[last] = 7;  // customers 3 -> 7: no longer the segments + unknown
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bad), Contains("do not add up"));
  bad = bytes;
  bad[last + 8 * 7] = 2;  // 2 advocates, 1 apostle
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bad), Contains("more advocates than apostles"));
  bad = bytes;
  bad[last + 8 * 2 + 7] = '\x40';  // a mercenary count of 2^62 + 0: passes the cap check, exceeds the customers
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bad), Contains("exceed"));
  bad = bytes;
  bad[bytes.size() - 1] = '\x80';
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bad), Contains("outside [0, 2^62]"));
  bad = bytes;
  bad[8] = bad[9] = '\xff';
  bad[10] = '\x7f';
  CHECK_THROWS_WITH(LoyaltyState::from_bytes(bad), Contains("declares"));
}

TEST_CASE("loyalty state: errors name the row, the value and both sides", "[states]") {
  Eigen::VectorXd sat(2), loy(2), none;
  sat << 5, 9;
  loy << 5, 5;
  LoyaltyState st(LoyaltyConfig{}, {"branch"});
  CHECK_THROWS_WITH(st.update(sat, loy, none, none, VectorXi32::Zero(2), keys({"a"}), 1), Contains("9"));
  CHECK(st.rows() == 0);
  sat[1] = 4;
  st.update(sat, loy, none, none, VectorXi32::Zero(2), keys({"a"}));
  LoyaltyConfig other;
  other.satisfaction_threshold = 4;
  LoyaltyState o(other, {"branch"});
  CHECK_THROWS_WITH(st.merge(o), Contains("differ in configuration"));
  LoyaltyState ungrouped;
  ungrouped.update(sat, loy, none, none, VectorXi32(), GroupKeys());
  CHECK_THROWS_WITH(st.merge(ungrouped), Contains("only states of the same key columns merge"));
  LoyaltyConfig bad;
  bad.confidence = 2;
  CHECK_THROWS_AS(LoyaltyState(bad), config_error);
}
