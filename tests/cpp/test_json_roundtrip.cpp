// from_json(to_json(cfg)) == cfg for random configurations with random double values (every
// bit of the mantissa used). Before the reader was correctly rounded, about 6% of random
// weights came back one ulp off, so saved configurations drifted.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "servscore/encounters.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"

using namespace servscore;

namespace {
// A positive double with a uniformly random 53-bit significand and a binary exponent in [lo, hi].
double random_double(std::mt19937_64& g, int lo, int hi) {
  const double m = static_cast<double>((g() >> 11) | (std::uint64_t{1} << 52)) * 0x1p-53;  // [0.5, 1)
  return std::ldexp(m, lo + static_cast<int>(g() % static_cast<std::uint64_t>(hi - lo + 1)));
}
double unit(std::mt19937_64& g) {
  return static_cast<double>(g() >> 11) * 0x1p-53;
}  // [0, 1)
}  // namespace

TEST_CASE("EncounterConfig: 10,000 random configurations survive to_json and back exactly", "[json]") {
  std::mt19937_64 g(7);
  int changed = 0;
  for (int i = 0; i < 10000; ++i) {
    EncounterConfig c;
    c.scale_min = -random_double(g, -20, 20);
    c.scale_max = random_double(g, -20, 20);
    c.procedural_threshold = 100 * unit(g);
    c.personal_threshold = 100 * unit(g);
    c.min_coverage = unit(g);
    for (auto& ind : c.indicators) ind.weight = random_double(g, -40, 40);
    const EncounterConfig back = encounter_config_from_json(to_json(c));
    if (!(back == c) && ++changed <= 3) FAIL_CHECK(to_json(c));
  }
  CHECK(changed == 0);
}

TEST_CASE("KanoConfig and LifecycleConfig: random points and weights survive to_json and back exactly", "[json]") {
  std::mt19937_64 g(11);
  int changed = 0;
  for (int i = 0; i < 2000; ++i) {
    KanoConfig k;
    k.functional_scores.clear();
    k.dysfunctional_scores.clear();
    for (int l = 0; l < 5; ++l) {
      k.functional_scores.push_back((l % 2 ? -1 : 1) * random_double(g, -10, 10));
      k.dysfunctional_scores.push_back((l % 2 ? 1 : -1) * random_double(g, -10, 10));
    }
    k.near_tie_threshold = unit(g) * 0.5;
    k.fong_z = random_double(g, -3, 3);
    if (!(kano_config_from_json(to_json(k)) == k) && ++changed <= 3) FAIL_CHECK(to_json(k));

    LifecycleConfig c;
    for (auto& t : c.touchpoints) t.importance = random_double(g, -30, 30);
    for (auto& w : c.stage_weights) w = random_double(g, -30, 30);
    c.margin = random_double(g, -5, 5);
    if (!(lifecycle_config_from_json(to_json(c)) == c) && ++changed <= 3) FAIL_CHECK(to_json(c));
  }
  CHECK(changed == 0);
}
