// EncounterSummaryState: the mergeable encounter summary (issue 13): hand-computed figures,
// merges in any order, weights, the SSENCSU1 byte image and its validation.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "servscore/encounters.hpp"
#include "servscore/errors.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

EncounterConfig two_by_two() {
  EncounterConfig c;
  c.indicators = {{"a", ServiceSide::procedural, 3.0},
                  {"b", ServiceSide::procedural, 1.0},
                  {"c", ServiceSide::personal, 1.0},
                  {"d", ServiceSide::personal, 1.0}};
  return c;
}

// the five encounters of the summary test in test_encounters.cpp
RowMatrixXd five() {
  RowMatrixXd x(5, 4);
  x << 5, 5, 5, 5,     // quality
      1, 1, 5, 5,      // friendly: procedural low, a and b tied at 1 -> 0.5 each
      5, 5, 2, 1,      // factory: personal low, d weakest -> 1
      1, 2, 1, 1,      // freezer: procedural a -> 1; personal c, d tied -> 0.5 each
      NaN, NaN, 5, 5;  // unknown
  return x;
}

std::vector<RatingColumn> columns(const RowMatrixXd& x) {
  std::vector<RatingColumn> c;
  for (Eigen::Index j = 0; j < x.cols(); ++j)  // no rows: data() is null, and null + j is undefined
    c.push_back({x.rows() > 0 ? x.data() + j : x.data(), x.cols(), RatingColumn::Type::f64});
  return c;
}

GroupKeys string_keys(const std::vector<std::string>& labels) {
  GroupKeys k({"branch"});
  for (const auto& l : labels) k.insert(GroupKey{KeyValue{l}});
  return k;
}

// rows [lo, hi) of the five encounters into `st`, group of row i: labels[codes[i]]
void feed(EncounterSummaryState& st, const RowMatrixXd& x, const EncounterScores& s, Eigen::Index lo, Eigen::Index hi,
          const VectorXi32& codes, const GroupKeys& keys, const Eigen::VectorXd& w = Eigen::VectorXd()) {
  const RowMatrixXd part = x.middleRows(lo, hi - lo);
  EncounterScoresView v = EncounterScoresView::of(s);
  v.n = hi - lo;
  v.procedural += lo, v.personal += lo, v.quadrant += lo, v.weakest_procedural += lo, v.weakest_personal += lo;
  const Eigen::VectorXd wp = w.size() ? Eigen::VectorXd(w.segment(lo, hi - lo)) : Eigen::VectorXd();
  st.update(v, codes.segment(lo, hi - lo), keys, wp, columns(part));
}
}  // namespace

TEST_CASE("state: one batch gives the hand-computed summary", "[states]") {
  const EncounterConfig cfg = two_by_two();
  const RowMatrixXd x = five();
  const auto s = score_encounters(x, cfg);
  VectorXi32 g(5);
  g << 1, 1, 0, 0, 0;  // codes of keys {"y", "x"}: rows 0-1 in x, rows 2-4 in y
  const GroupKeys keys = string_keys({"y", "x"});
  EncounterSummaryState st(cfg, {"branch"});
  feed(st, x, s, 0, 5, g, keys);
  CHECK(st.rows() == 5);
  CHECK(st.groups() == 2);
  CHECK_FALSE(st.weighted());
  const auto r = st.result();  // key order: x, y
  CHECK(r.counts(0, static_cast<int>(Quadrant::quality)) == 1);
  CHECK(r.counts(0, static_cast<int>(Quadrant::friendly)) == 1);
  CHECK(r.counts(1, static_cast<int>(Quadrant::factory)) == 1);
  CHECK(r.counts(1, static_cast<int>(Quadrant::freezer)) == 1);
  CHECK(r.counts(1, static_cast<int>(Quadrant::unknown)) == 1);
  CHECK(r.pullers(0, 0) == 0.5);
  CHECK(r.pullers(0, 1) == 0.5);
  CHECK(r.pullers(1, 0) == 1.0);
  CHECK(r.pullers(1, 2) == 0.5);
  CHECK(r.pullers(1, 3) == 1.5);
  CHECK(r.n_outside_quality == std::vector<std::int64_t>{1, 2});
  const auto m = r.mean_scores();
  CHECK(m(0, 0) == Approx(50.0));
  CHECK(m(1, 1) == Approx(112.5 / 3));
  // code order: y first (its code is 0)
  CHECK(st.result(false).counts(0, static_cast<int>(Quadrant::factory)) == 1);
  // the batch function is the same state
  const auto batch = summarize_encounters(s, cfg, g, 2, x);
  CHECK(batch.counts == st.result(false).counts);
  CHECK(batch.pullers == st.result(false).pullers);
}

TEST_CASE("state: weights give weighted shares, means and credit", "[states]") {
  const EncounterConfig cfg = two_by_two();
  const RowMatrixXd x = five();
  const auto s = score_encounters(x, cfg);
  const VectorXi32 g = VectorXi32::Zero(5);
  GroupKeys keys({"branch"});
  keys.insert(GroupKey{KeyValue{std::int64_t{7}}});
  Eigen::VectorXd w(5);
  w << 1, 3, 0.5, 2, 1;
  EncounterSummaryState st(cfg, {"branch"});
  feed(st, x, s, 0, 5, g, keys, w);
  CHECK(st.weighted());
  const auto r = st.result();
  CHECK(r.counts(0, static_cast<int>(Quadrant::friendly)) == 1);  // counts stay counts
  CHECK(r.weight_counts(0, static_cast<int>(Quadrant::friendly)) == 3.0);
  CHECK(r.weight_counts.sum() == 7.5);
  CHECK(r.weight_outside[0] == 5.5);  // friendly 3 + factory 0.5 + freezer 2
  // pullers: a = 3 x 0.5 (friendly) + 2 x 1 (freezer); d = 0.5 x 1 (factory) + 2 x 0.5 (freezer)
  CHECK(r.pullers(0, 0) == Approx(3.5));
  CHECK(r.pullers(0, 3) == Approx(1.5));
  // weighted mean procedural over the scored: (1 x 100 + 3 x 0 + 0.5 x 100 + 2 x 12.5) / 6.5 (a weight 3: (3x0+1x25)/4)
  const auto m = r.mean_scores();
  const double p_freezer = (3 * 0.0 + 1 * 25.0) / 4;
  CHECK(m(0, 0) == Approx((1 * 100 + 3 * 0 + 0.5 * 100 + 2 * p_freezer) / 6.5));
  // an unweighted batch cannot join a weighted state
  CHECK_THROWS_WITH(feed(st, x, s, 0, 5, g, keys), Contains("weighted") && Contains("unweighted"));
  Eigen::VectorXd bad = w;
  bad(2) = -1;
  const std::string before = st.to_bytes();
  CHECK_THROWS_WITH(feed(st, x, s, 0, 5, g, keys, bad), Contains("row 2") && Contains("-1"));
  CHECK(st.to_bytes() == before);  // unchanged by a refused batch
}

TEST_CASE("state: partitions merged in any order equal one pass, bytes included", "[states]") {
  const EncounterConfig cfg = two_by_two();
  const RowMatrixXd x = five();
  const auto s = score_encounters(x, cfg);
  VectorXi32 g(5);
  g << 0, 1, 0, 1, 0;
  const GroupKeys keys = string_keys({"north", "south"});
  EncounterSummaryState one(cfg, {"branch"});
  feed(one, x, s, 0, 5, g, keys);
  // the same rows, with the keys met in the other order and an empty partition
  VectorXi32 h = 1 - g.array();
  const GroupKeys rev = string_keys({"south", "north"});
  EncounterSummaryState a(cfg, {"branch"}), b(cfg, {"branch"}), c(cfg, {"branch"}), empty(cfg);
  feed(a, x, s, 0, 2, g, keys);
  feed(b, x, s, 2, 2, g, keys);  // empty batch: a no-op
  CHECK(b.groups() == 0);
  feed(c, x, s, 2, 5, h, rev);
  EncounterSummaryState ab = a;
  ab.merge(b).merge(c).merge(empty);
  EncounterSummaryState cb = empty;
  cb.merge(c).merge(b).merge(a);
  CHECK(ab.to_bytes() == one.to_bytes());
  CHECK(cb.to_bytes() == one.to_bytes());
  CHECK(ab == cb);
  // self-merge doubles every count
  EncounterSummaryState twice = one;
  twice.merge(twice);
  CHECK(twice.rows() == 10);
  CHECK(twice.result().pullers == 2 * one.result().pullers);
}

TEST_CASE("state: merges of other configurations, keys or weighting name both", "[states]") {
  const EncounterConfig cfg = two_by_two();
  const RowMatrixXd x = five();
  const auto s = score_encounters(x, cfg);
  const VectorXi32 g = VectorXi32::Zero(5);
  EncounterSummaryState a(cfg, {"branch"}), b(cfg, {"region"});
  feed(a, x, s, 0, 5, g, string_keys({"n"}));
  GroupKeys rk({"region"});
  rk.insert(GroupKey{KeyValue{std::string("n")}});
  feed(b, x, s, 0, 5, g, rk);
  CHECK_THROWS_WITH(a.merge(b), Contains("'branch'") && Contains("'region'"));
  EncounterConfig other = cfg;
  other.personal_threshold = 70;
  CHECK_THROWS_WITH(a.merge(EncounterSummaryState(other, {"branch"})),
                    Contains("differ in configuration") && Contains("62.5") && Contains("70"));
  EncounterSummaryState wa(cfg, {"branch"});
  feed(wa, x, s, 0, 5, g, string_keys({"n"}), Eigen::VectorXd::Ones(5));
  CHECK_THROWS_WITH(a.merge(wa), Contains("weighted") && Contains("unweighted"));
  // a batch of other key columns
  CHECK_THROWS_WITH(feed(a, x, s, 0, 5, g, rk), Contains("'branch'") && Contains("'region'"));
}

TEST_CASE("state: the SSENCSU1 image round-trips and every malformed image is an input_error", "[states]") {
  const EncounterConfig cfg = two_by_two();
  const RowMatrixXd x = five();
  const auto s = score_encounters(x, cfg);
  VectorXi32 g(5);
  g << 0, 1, 0, 1, 0;
  EncounterSummaryState st(cfg, {"branch"});
  feed(st, x, s, 0, 5, g, string_keys({"north", "south"}), Eigen::VectorXd::Constant(5, 1.5));
  const std::string b = st.to_bytes();
  CHECK(b.substr(0, 8) == "SSENCSU1");
  CHECK(static_cast<unsigned char>(b[8]) == 3);  // weighting decided, weighted
  const auto back = EncounterSummaryState::from_bytes(b);
  CHECK(back.to_bytes() == b);
  CHECK(back.result().weight_counts == st.result().weight_counts);
  // an empty state
  const EncounterSummaryState e(cfg);
  CHECK(EncounterSummaryState::from_bytes(e.to_bytes()).to_bytes() == e.to_bytes());
  // every truncation and one extra byte
  for (std::size_t n = 0; n < b.size(); ++n)
    CHECK_THROWS_AS(EncounterSummaryState::from_bytes(b.substr(0, n)), input_error);
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(b + "x"), Contains("longer than declared"));
  std::string bad = b;
  bad[3] = 'X';
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("bad header"));
  bad = b;
  bad[8] = 2;  // weighted but undecided
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("flags"));
  // a huge configuration length is refused before anything is read or allocated
  bad = b;
  bad[9] = bad[10] = bad[11] = bad[12] = '\xff';
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("configuration declares"));
  // a negative count in the first group (the first i64 after the header)
  const std::size_t counts_at = b.size() - 2 * 8 * (8 + 2 + 4 + 8);
  bad = b;
  bad[counts_at + 7] = '\x80';
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("outside [0, 2^62]"));
  // a NaN sum
  bad = b;
  const std::size_t sum_at = counts_at + 8 * 8;
  for (int i = 0; i < 8; ++i) bad[sum_at + i] = '\xff';
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("not finite"));
  // counts that do not agree (encounters outside quality)
  bad = b;
  bad[counts_at + 7 * 8] = static_cast<char>(bad[counts_at + 7 * 8] + 1);
  CHECK_THROWS_WITH(EncounterSummaryState::from_bytes(bad), Contains("do not agree"));
}

TEST_CASE("state: integer rating columns read in place give the float64 result", "[states]") {
  const EncounterConfig cfg = two_by_two();
  RowMatrixXd x = five();
  x.row(4) << 3, 3, 5, 5;  // no missing ratings: integers
  const auto s = score_encounters(x, cfg);
  std::vector<std::int8_t> i8(20);
  std::vector<std::int64_t> i64(20);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j)
      i8[static_cast<std::size_t>(j * 5 + i)] = static_cast<std::int8_t>(x(i, j)),
                                          i64[static_cast<std::size_t>(j * 5 + i)] = static_cast<std::int64_t>(x(i, j));
  std::vector<RatingColumn> c8, c64;
  for (int j = 0; j < 4; ++j) {
    c8.push_back({i8.data() + j * 5, 1, RatingColumn::Type::i8});
    c64.push_back({i64.data() + j * 5, 1, RatingColumn::Type::i64});
  }
  EncounterSummaryState a(cfg), b(cfg), c(cfg);
  const VectorXi32 none;
  a.update(EncounterScoresView::of(s), none, GroupKeys(), Eigen::VectorXd(), columns(x));
  b.update(EncounterScoresView::of(s), none, GroupKeys(), Eigen::VectorXd(), c8);
  c.update(EncounterScoresView::of(s), none, GroupKeys(), Eigen::VectorXd(), c64);
  CHECK(a == b);
  CHECK(a == c);
  // a score outside [0, 100] names the column, row and value
  Eigen::VectorXd bad = s.procedural;
  bad(3) = 101;
  EncounterScoresView v = EncounterScoresView::of(s);
  v.procedural = bad.data();
  CHECK_THROWS_WITH(a.update(v, none, GroupKeys(), Eigen::VectorXd(), c8, 1000),
                    Contains("'procedural'") && Contains("row 1003") && Contains("101"));
}
