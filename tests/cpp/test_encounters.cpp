#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "servscore/detail/encounter_kernel.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/encounters.hpp"
#include "servscore/errors.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

EncounterConfig two_by_two() {
  // procedural: a (weight 3), b (weight 1); personal: c (weight 1), d (weight 1)
  EncounterConfig c;
  c.indicators = {{"a", ServiceSide::procedural, 3.0},
                  {"b", ServiceSide::procedural, 1.0},
                  {"c", ServiceSide::personal, 1.0},
                  {"d", ServiceSide::personal, 1.0}};
  return c;
}

// rows x 16 ratings on 1-5 with 5% missing, seeded
RowMatrixXd random_ratings(Eigen::Index rows, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> r(1, 5);
  std::bernoulli_distribution miss(0.05);
  RowMatrixXd x(rows, 16);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) x(i, j) = miss(gen) ? NaN : r(gen);
  return x;
}
}  // namespace

TEST_CASE("hand-computed scores, quadrants and distances", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x(4, 4);
  x << 5, 1, 4, 4,  // proc (15+1)/4 = 4 -> 75; pers 4 -> 75: quality
      2, 2, 5, 5,   // proc 2 -> 25; pers 5 -> 100: friendly
      5, 5, 1, 2,   // proc 100; pers 1.5 -> 12.5: factory
      1, 1, 1, 1;   // 0, 0: freezer
  auto s = score_encounters(x, cfg);
  CHECK(s.procedural[0] == Approx(75.0));
  CHECK(s.personal[0] == Approx(75.0));
  CHECK(s.quadrant[0] == static_cast<int>(Quadrant::quality));
  CHECK(s.quality_distance[0] == Approx(std::sqrt(25.0 * 25.0 * 2)));
  CHECK(s.quality_gap[0] == 0.0);
  CHECK(s.procedural[1] == Approx(25.0));
  CHECK(s.personal[1] == Approx(100.0));
  CHECK(s.quadrant[1] == static_cast<int>(Quadrant::friendly));
  CHECK(s.quality_distance[1] == Approx(75.0));
  CHECK(s.quality_gap[1] == Approx(62.5 - 25.0));
  CHECK(s.quadrant[2] == static_cast<int>(Quadrant::factory));
  CHECK(s.personal[2] == Approx(12.5));
  CHECK(s.quality_gap[2] == Approx(50.0));
  CHECK(s.quadrant[3] == static_cast<int>(Quadrant::freezer));
  CHECK(s.quality_gap[3] == Approx(std::hypot(62.5, 62.5)));
  // weakest: row 0 procedural b (rating 1); personal tie c = d at 4, equal weights -> first (c)
  CHECK(s.weakest_procedural[0] == 1);
  CHECK(s.weakest_personal[0] == 2);
  // row 1: a = b = 2, a has the larger weight -> a
  CHECK(s.weakest_procedural[1] == 0);
  CHECK(s.n_missing[0] == 0);
}

TEST_CASE("threshold boundary: a score equal to the threshold is high", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x(2, 4);
  x << 3.5, 3.5, 3.5, 3.5,  // 62.5 exactly on both sides
      3.49, 3.5, 3.5, 3.5;  // procedural (3*3.49+3.5)/4 = 3.4925 -> 62.3125 < 62.5
  auto s = score_encounters(x, cfg);
  CHECK(s.procedural[0] == Approx(62.5));
  CHECK(s.quadrant[0] == static_cast<int>(Quadrant::quality));
  CHECK(s.procedural[1] == Approx(62.3125));
  CHECK(s.quadrant[1] == static_cast<int>(Quadrant::friendly));
  cfg.procedural_threshold = 62.0;
  CHECK(score_encounters(x, cfg).quadrant[1] == static_cast<int>(Quadrant::quality));
}

TEST_CASE("missing ratings and the coverage rule", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x(4, 4);
  x << NaN, 1, 4, 4,   // procedural coverage 1/4 < 0.5 -> missing, unknown
      5, NaN, 4, NaN,  // procedural coverage 3/4 -> 100; personal 1/2 >= 0.5 -> 75
      NaN, NaN, NaN, NaN, 5, 5, 5, 5;
  auto s = score_encounters(x, cfg);
  CHECK(std::isnan(s.procedural[0]));
  CHECK(s.personal[0] == Approx(75.0));
  CHECK(s.quadrant[0] == static_cast<int>(Quadrant::unknown));
  CHECK(std::isnan(s.quality_distance[0]));
  CHECK(s.n_missing[0] == 1);
  CHECK(s.procedural[1] == Approx(100.0));
  CHECK(s.personal[1] == Approx(75.0));
  CHECK(s.quadrant[1] == static_cast<int>(Quadrant::quality));
  CHECK(s.n_missing[1] == 2);
  CHECK(s.quadrant[2] == static_cast<int>(Quadrant::unknown));
  CHECK(s.weakest_procedural[2] == -1);
  CHECK(s.n_missing[2] == 4);
  cfg.min_coverage = 0.8;  // now 3/4 is not enough
  CHECK(std::isnan(score_encounters(x, cfg).procedural[1]));
  cfg.min_coverage = 0.25;  // and 1/4 is
  CHECK(score_encounters(x, cfg).procedural[0] == Approx(0.0));
}

TEST_CASE("other scales rescale to 0-100", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  cfg.scale_min = 0;
  cfg.scale_max = 10;
  RowMatrixXd x(1, 4);
  x << 8, 4, 7, 9;  // proc (24 + 4)/4 = 7 -> 70; pers 8 -> 80
  auto s = score_encounters(x, cfg);
  CHECK(s.procedural[0] == Approx(70.0));
  CHECK(s.personal[0] == Approx(80.0));
}

TEST_CASE("bad input names the row, column and value", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x(3, 4);
  x << 1, 2, 3, 4, 5, 5, 5, 5, 1, 1, 6, 1;
  REQUIRE_THROWS_AS(score_encounters(x, cfg), input_error);
  CHECK_THROWS_WITH(score_encounters(x, cfg), Contains("row 2, column 'c': rating 6 is outside the scale [1, 5]"));
  x(2, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(score_encounters(x, cfg), Contains("row 2, column 'c': rating inf"));
  RowMatrixXd wrong(2, 3);
  wrong.setOnes();
  CHECK_THROWS_WITH(score_encounters(wrong, cfg), Contains("expected 4 columns"));
  // the first bad row is reported whatever the number of workers
  RowMatrixXd big = RowMatrixXd::Constant(100000, 4, 3.0);
  big(70000, 1) = 0.0;
  big(90000, 0) = 9.0;
  CHECK_THROWS_WITH(score_encounters(big, cfg, 4), Contains("row 70000, column 'b'"));
}

TEST_CASE("empty batch gives empty results", "[encounters]") {
  RowMatrixXd x(0, 16);
  auto s = score_encounters(x, EncounterConfig{});
  CHECK(s.size() == 0);
  auto sum = summarize_encounters(s, EncounterConfig{});
  CHECK(sum.counts.sum() == 0);
  CHECK(std::isnan(sum.mean_scores()(0, 0)));
}

TEST_CASE("results do not depend on the number of workers", "[encounters]") {
  const RowMatrixXd x = random_ratings(50000, 42);
  EncounterConfig cfg;
  auto a = score_encounters(x, cfg, 1);
  auto b = score_encounters(x, cfg, 3);
  CHECK(a.quadrant == b.quadrant);
  CHECK(a.weakest_personal == b.weakest_personal);
  CHECK(a.procedural.cwiseEqual(b.procedural).count() + a.procedural.array().isNaN().count() == x.rows());
}

TEST_CASE("configuration validation names the key", "[encounters]") {
  EncounterConfig c;
  c.scale_min = 5;
  CHECK_THROWS_WITH(c.validate(), Contains("scale_min/scale_max"));
  c = EncounterConfig{};
  c.personal_threshold = 120;
  CHECK_THROWS_WITH(c.validate(), Contains("personal_threshold: 120"));
  c = EncounterConfig{};
  c.min_coverage = 0;
  CHECK_THROWS_WITH(c.validate(), Contains("min_coverage"));
  c = EncounterConfig{};
  c.indicators[3].weight = -1;
  CHECK_THROWS_WITH(c.validate(), Contains("indicators[3].weight: -1 for 'anticipation'"));
  c = EncounterConfig{};
  c.indicators[4].name = "timeliness";
  CHECK_THROWS_WITH(c.validate(), Contains("duplicate indicator 'timeliness'"));
  c.indicators = {{"x", ServiceSide::procedural, 1}};
  CHECK_THROWS_WITH(c.validate(), Contains("no personal indicator"));
}

TEST_CASE("JSON: defaults, overrides, round trip and errors", "[encounters]") {
  EncounterConfig d = encounter_config_from_json("{}");
  CHECK(d == EncounterConfig{});
  CHECK(d.indicators.size() == 16);
  EncounterConfig c = encounter_config_from_json(
      R"({"scale_max": 7, "personal_threshold": 70,
          "indicators": [{"name": "wait", "side": "procedural", "weight": 2},
                         {"name": "smile", "side": "personal"}]})");
  CHECK(c.scale_max == 7);
  CHECK(c.personal_threshold == 70);
  CHECK(c.procedural_threshold == 62.5);
  REQUIRE(c.indicators.size() == 2);
  CHECK(c.indicators[0].weight == 2);
  CHECK(c.indicators[1].weight == 1);
  CHECK(encounter_config_from_json(to_json(c)) == c);
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"treshold": 3})"),
                    Contains("unknown key(s) 'treshold'") && Contains("procedural_threshold"));
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"min_coverage": 2})"),
                    Contains("config.min_coverage: 2 is out of range"));
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"scale_max": "7"})"),
                    Contains("config.scale_max: expected a number"));
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"indicators": [{"name": "x", "side": "emotional"}]})"),
                    Contains("config.indicators[0].side") && Contains("procedural, personal"));
  CHECK_THROWS_WITH(encounter_config_from_json(R"({"indicators": [{"side": "personal"}]})"),
                    Contains("config.indicators[0].name: required"));
  CHECK_THROWS_WITH(encounter_config_from_json("{not json"), Contains("invalid JSON"));
  CHECK_THROWS_AS(encounter_config_from_json("[]"), config_error);
}

TEST_CASE("summary: counts, means, pullers with split credit, groups and merge", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x(5, 4);
  x << 5, 5, 5, 5,     // quality, group 0
      1, 1, 5, 5,      // friendly, group 0: procedural low, a and b tied at 1 -> 0.5 each
      5, 5, 2, 1,      // factory, group 1: personal low, d weakest -> 1
      1, 2, 1, 1,      // freezer, group 1: procedural a -> 1; personal c, d tied -> 0.5 each
      NaN, NaN, 5, 5;  // unknown, group 1
  auto s = score_encounters(x, cfg);
  VectorXi32 g(5);
  g << 0, 0, 1, 1, 1;
  auto sum = summarize_encounters(s, cfg, g, 2, x);
  CHECK(sum.counts(0, static_cast<int>(Quadrant::quality)) == 1);
  CHECK(sum.counts(0, static_cast<int>(Quadrant::friendly)) == 1);
  CHECK(sum.counts(1, static_cast<int>(Quadrant::factory)) == 1);
  CHECK(sum.counts(1, static_cast<int>(Quadrant::freezer)) == 1);
  CHECK(sum.counts(1, static_cast<int>(Quadrant::unknown)) == 1);
  CHECK(sum.n_outside_quality[0] == 1);
  CHECK(sum.n_outside_quality[1] == 2);
  CHECK(sum.pullers(0, 0) == Approx(0.5));
  CHECK(sum.pullers(0, 1) == Approx(0.5));
  CHECK(sum.pullers(1, 0) == Approx(1.0));
  CHECK(sum.pullers(1, 2) == Approx(0.5));
  CHECK(sum.pullers(1, 3) == Approx(1.5));
  // means: group 0 procedural (100 + 0)/2, group 1 personal (12.5 + 0 + 100)/3
  auto m = sum.mean_scores();
  CHECK(m(0, 0) == Approx(50.0));
  CHECK(m(1, 1) == Approx(112.5 / 3));
  CHECK(sum.n_scored(1, 0) == 2);
  // without ratings the reported weakest gets the whole credit (first of ties: a)
  auto plain = summarize_encounters(s, cfg, g, 2);
  CHECK(plain.pullers(0, 0) == Approx(1.0));
  CHECK(plain.pullers(0, 1) == Approx(0.0));
  // merging two halves equals the whole
  VectorXi32 g1 = g.head(2), g2 = g.tail(3);
  EncounterScores s1 = score_encounters(x.topRows(2), cfg), s2 = score_encounters(x.bottomRows(3), cfg);
  auto a = summarize_encounters(s1, cfg, g1, 2, x.topRows(2));
  a.merge(summarize_encounters(s2, cfg, g2, 2, x.bottomRows(3)));
  CHECK(a.counts == sum.counts);
  CHECK(a.pullers.isApprox(sum.pullers));
  CHECK(a.sum_scores.isApprox(sum.sum_scores));
  // bad group codes
  g(3) = 2;
  CHECK_THROWS_WITH(summarize_encounters(s, cfg, g, 2), Contains("row 3 has group code 2"));
}

TEST_CASE("columns read in place give the row-major results; errors name row and column", "[encounters]") {
  const RowMatrixXd x = random_ratings(10007, 7);
  EncounterConfig cfg;
  const auto ref = score_encounters(x, cfg, 1);
  Eigen::MatrixXd cm = x;  // column-major copy: one contiguous view per indicator
  std::vector<ColumnView> cols;
  for (Eigen::Index j = 0; j < cm.cols(); ++j) cols.push_back({cm.col(j).data(), 1});
  for (int workers : {1, 2}) {
    const auto a = score_encounters(cols, cm.rows(), cfg, workers);
    CHECK(a.quadrant == ref.quadrant);
    CHECK(a.weakest_procedural == ref.weakest_procedural);
    CHECK(a.n_missing == ref.n_missing);
    CHECK(a.personal.cwiseEqual(ref.personal).count() + a.personal.array().isNaN().count() == x.rows());
  }
  // seven indicators: the row-major transpose's column tail (7 = 4 + 3) against the column path
  EncounterConfig seven = cfg;
  seven.indicators.erase(seven.indicators.begin() + 4, seven.indicators.begin() + 13);
  REQUIRE(seven.indicators.size() == 7);
  const RowMatrixXd x7 = x.leftCols(7);
  const auto ref7 = score_encounters(x7, seven, 2);
  const Eigen::MatrixXd cm7 = x7;
  std::vector<ColumnView> cols7;
  for (Eigen::Index j = 0; j < 7; ++j) cols7.push_back({cm7.col(j).data(), 1});
  const auto a7 = score_encounters(cols7, cm7.rows(), seven, 1);
  CHECK(a7.quadrant == ref7.quadrant);
  CHECK(a7.weakest_personal == ref7.weakest_personal);
  CHECK(a7.procedural.cwiseEqual(ref7.procedural).count() + a7.procedural.array().isNaN().count() == x.rows());
  cm(9000, 3) = 6;
  CHECK_THROWS_WITH(score_encounters(cols, cm.rows(), cfg, 2), Contains("row 9000, column 'anticipation': rating 6"));
  CHECK_THROWS_WITH(score_encounters(std::vector<ColumnView>(cols.begin(), cols.begin() + 3), cm.rows(), cfg),
                    Contains("expected 16 columns"));
}

namespace {
using detail::EncounterKernel;

struct EncounterKernelGuard {
  explicit EncounterKernelGuard(EncounterKernel k) { detail::set_encounter_kernel(k); }
  ~EncounterKernelGuard() { detail::set_encounter_kernel(EncounterKernel::automatic); }
  EncounterKernelGuard(const EncounterKernelGuard&) = delete;
  EncounterKernelGuard& operator=(const EncounterKernelGuard&) = delete;
};

std::vector<EncounterKernel> encounter_kernels() {
  std::vector<EncounterKernel> out;
  for (EncounterKernel k : {EncounterKernel::portable, EncounterKernel::avx512})
    if (detail::encounter_kernel_supported(k)) out.push_back(k);
  return out;
}

bool same_bits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

// A slow, row-by-row reading of the documented rule (indices, not the kernels' sorted order).
struct RefRow {
  double score[2];
  int weakest[2];
  int missing;
};
RefRow reference_row(const RowMatrixXd& x, Eigen::Index i, const EncounterConfig& cfg) {
  RefRow r{{NaN, NaN}, {-1, -1}, 0};
  for (int sd = 0; sd < 2; ++sd) {
    double sum = 0, wsum = 0, total = 0, low = HUGE_VAL, loww = 0;
    for (std::size_t j = 0; j < cfg.indicators.size(); ++j) {
      const auto& ind = cfg.indicators[j];
      if (static_cast<int>(ind.side) != sd) continue;
      total += ind.weight;
      const double v = x(i, static_cast<Eigen::Index>(j));
      if (std::isnan(v)) continue;
      sum += ind.weight * v, wsum += ind.weight;
      if (v < low || (v == low && ind.weight > loww)) low = v, loww = ind.weight, r.weakest[sd] = static_cast<int>(j);
    }
    if (wsum > 0 && wsum >= cfg.min_coverage * total * (1 - 1e-12))
      r.score[sd] = (sum / wsum - cfg.scale_min) * 100.0 / (cfg.scale_max - cfg.scale_min);
  }
  for (Eigen::Index j = 0; j < x.cols(); ++j) r.missing += std::isnan(x(i, j)) ? 1 : 0;
  return r;
}
}  // namespace

TEST_CASE("every block kernel gives the reference results, bit-identical to each other", "[encounters]") {
  // 0-10 scale, half-point ratings (many ties), 10% missing, some rows missing a whole side;
  // the procedural side has unequal weights (ties go to the larger weight), the personal side
  // unit weights except in the second configuration.
  EncounterConfig cfg;
  cfg.scale_min = 0, cfg.scale_max = 10, cfg.min_coverage = 0.6;
  cfg.procedural_threshold = 55, cfg.personal_threshold = 60;
  const double wp[7] = {1, 2.5, 2.5, 0.5, 1, 3, 0.25};
  for (int j = 0; j < 7; ++j) cfg.indicators[static_cast<std::size_t>(j)].weight = wp[j];
  EncounterConfig weighted = cfg;
  weighted.indicators[10].weight = 1.75;
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> half(0, 20);
  std::bernoulli_distribution miss(0.10), gone(0.03);
  for (const EncounterConfig& c : {cfg, weighted}) {
    for (Eigen::Index n : {1, 7, 8, 31, 33, 64, 65, 1000, 70001}) {
      RowMatrixXd x(n, 16);
      for (Eigen::Index i = 0; i < n; ++i) {
        const bool no_proc = gone(gen), no_pers = gone(gen);
        for (Eigen::Index j = 0; j < 16; ++j)
          x(i, j) = ((j < 7 && no_proc) || (j >= 7 && no_pers) || miss(gen)) ? NaN : half(gen) / 2.0;
      }
      Eigen::MatrixXd cm = x;  // contiguous columns: read in place
      std::vector<ColumnView> cols;
      for (Eigen::Index j = 0; j < 16; ++j) cols.push_back({cm.col(j).data(), 1});
      std::vector<EncounterScores> got;
      for (EncounterKernel k : encounter_kernels()) {
        EncounterKernelGuard guard(k);
        got.push_back(score_encounters(x, c, 2));
        got.push_back(score_encounters(cols, n, c, 1));
      }
      const EncounterScores& a = got[0];
      for (Eigen::Index i = 0; i < n; ++i) {
        const RefRow r = reference_row(x, i, c);
        INFO("n = " << n << ", row " << i);
        for (int sd = 0; sd < 2; ++sd) {
          const double s = sd == 0 ? a.procedural[i] : a.personal[i];
          if (std::isnan(r.score[sd]))
            REQUIRE(std::isnan(s));
          else
            REQUIRE(s == Approx(r.score[sd]).epsilon(1e-13).margin(1e-12));
        }
        REQUIRE(a.weakest_procedural[i] == r.weakest[0]);
        REQUIRE(a.weakest_personal[i] == r.weakest[1]);
        REQUIRE(a.n_missing[i] == r.missing);
        const double p = a.procedural[i], q = a.personal[i];
        const int quad = std::isnan(p) || std::isnan(q)
                             ? 4
                             : (p >= c.procedural_threshold ? 1 : 0) + (q >= c.personal_threshold ? 2 : 0);
        REQUIRE(a.quadrant[i] == quad);
        REQUIRE(same_bits(a.quality_distance.segment(i, 1),
                          Eigen::VectorXd::Constant(1, std::sqrt((100 - p) * (100 - p) + (100 - q) * (100 - q)))));
        const double gp = p >= c.procedural_threshold ? 0 : c.procedural_threshold - p;
        const double gq = q >= c.personal_threshold ? 0 : c.personal_threshold - q;
        REQUIRE(same_bits(a.quality_gap.segment(i, 1),
                          Eigen::VectorXd::Constant(1, quad == 4 ? NaN : std::sqrt(gp * gp + gq * gq))));
      }
      for (std::size_t g = 1; g < got.size(); ++g) {
        INFO("n = " << n << ", result " << g);
        CHECK(same_bits(got[g].procedural, a.procedural));
        CHECK(same_bits(got[g].personal, a.personal));
        CHECK(same_bits(got[g].quality_distance, a.quality_distance));
        CHECK(same_bits(got[g].quality_gap, a.quality_gap));
        CHECK(got[g].quadrant == a.quadrant);
        CHECK(got[g].weakest_procedural == a.weakest_procedural);
        CHECK(got[g].weakest_personal == a.weakest_personal);
        CHECK(got[g].n_missing == a.n_missing);
      }
    }
  }
}

TEST_CASE("every block kernel finds an out-of-scale rating, in any row of a block", "[encounters]") {
  const RowMatrixXd base = random_ratings(200, 3);
  EncounterConfig cfg;
  for (EncounterKernel k : encounter_kernels()) {
    EncounterKernelGuard guard(k);
    INFO("kernel " << detail::to_string(k));
    REQUIRE(detail::encounter_kernel() == k);
    for (Eigen::Index row : {0, 7, 8, 31, 32, 63, 64, 130, 199})
      for (double bad : {0.0, 5.5, -HUGE_VAL, HUGE_VAL}) {
        RowMatrixXd x = base;
        const Eigen::Index col = (row * 5) % 16;
        x(row, col) = bad;
        const Eigen::Index n = row < 150 ? 150 : 200;  // the tail block of 150 rows is partial
        CHECK_THROWS_WITH(score_encounters(x.topRows(n), cfg, 1),
                          Contains("row " + std::to_string(row) + ", column '" +
                                   cfg.indicators[static_cast<std::size_t>(col)].name + "'"));
      }
  }
}

TEST_CASE("the lowest bad row is reported whichever thread reaches it first", "[encounters]") {
  EncounterConfig cfg = two_by_two();
  RowMatrixXd x = RowMatrixXd::Constant(300000, 4, 3.0);
  x(250000, 0) = 0.0;  // a later chunk
  x(40000, 3) = 7.0;   // chunk 1 (chunks of 32,768 rows)
  x(32767, 2) = 9.0;   // the last row of chunk 0
  for (int workers : {1, 2, 4, 8}) {
    CHECK_THROWS_WITH(score_encounters(x, cfg, workers), Contains("row 32767, column 'c': rating 9"));
  }
  x(32767, 2) = 3.0;
  for (int workers : {1, 2, 4, 8})
    CHECK_THROWS_WITH(score_encounters(x, cfg, workers), Contains("row 40000, column 'd': rating 7"));
}

TEST_CASE("kernel selection hook", "[encounters]") {
  CHECK(std::string(detail::to_string(EncounterKernel::portable)) == "portable");
  CHECK(std::string(detail::to_string(EncounterKernel::avx512)) == "avx512");
  CHECK(detail::encounter_kernel_supported(EncounterKernel::portable));
  CHECK(detail::encounter_kernel() != EncounterKernel::automatic);
  if (!detail::encounter_kernel_supported(EncounterKernel::avx512))
    CHECK_THROWS_WITH(detail::set_encounter_kernel(EncounterKernel::avx512), Contains("not supported"));
}

TEST_CASE("parallel_chunks covers every index once and rethrows the lowest failing chunk", "[parallel]") {
  for (int workers : {1, 2, 3, 8}) {
    for (std::ptrdiff_t n : {0, 1, 99, 100, 101, 1000}) {
      std::vector<int> hits(static_cast<std::size_t>(n), 0);
      std::atomic<int> misaligned{0}, wrong_size{0};  // Catch2 assertions are not thread-safe (TSan)
      detail::parallel_chunks(n, workers, 10, [&](std::ptrdiff_t b, std::ptrdiff_t e) {
        if (b % 10 != 0) ++misaligned;
        if (e - b != std::min<std::ptrdiff_t>(10, n - b)) ++wrong_size;
        for (std::ptrdiff_t i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
      });
      CHECK(misaligned == 0);
      CHECK(wrong_size == 0);
      for (std::ptrdiff_t i = 0; i < n; ++i) REQUIRE(hits[static_cast<std::size_t>(i)] == 1);
    }
    // chunks 3, 7 and 40 throw: chunk 3's error wins, chunks 0-2 still run
    std::vector<int> ran(50, 0);
    auto fail = [&](std::ptrdiff_t b, std::ptrdiff_t) {
      const std::ptrdiff_t c = b / 10;
      ran[static_cast<std::size_t>(c)] = 1;
      if (c == 3 || c == 7 || c == 40) throw std::runtime_error("chunk " + std::to_string(c));
    };
    CHECK_THROWS_WITH(detail::parallel_chunks(500, workers, 10, fail), "chunk 3");
    CHECK(ran[0] + ran[1] + ran[2] + ran[3] == 4);
    if (workers == 1) CHECK(ran[4] == 0);  // one thread stops at the first failure
  }
}
