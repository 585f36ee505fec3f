// The one IPA placement rule (drivers.hpp `ipa_quadrant`), shared by drivers' `ipa` and the
// lifecycle stage quadrants: names, tie rule, and agreement of the two callers.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "servscore/drivers.hpp"
#include "servscore/lifecycle.hpp"

using namespace servscore;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("IPA quadrant names are one vocabulary; the lifecycle names are aliases", "[ipa]") {
  CHECK(std::string(to_string(IpaQuadrant::concentrate_here)) == "concentrate_here");
  CHECK(std::string(to_string(IpaQuadrant::keep_up_good_work)) == "keep_up_good_work");
  CHECK(std::string(to_string(IpaQuadrant::low_priority)) == "low_priority");
  CHECK(std::string(to_string(IpaQuadrant::possible_overkill)) == "possible_overkill");
  CHECK(std::string(to_string(IpaQuadrant::none)) == "none");
  // codes unchanged from both old enums (0-3 shared, 4 = none as in the lifecycle one)
  CHECK(static_cast<int>(IpaQuadrant::keep_up_good_work) == 1);
  CHECK(static_cast<int>(IpaQuadrant::none) == 4);
  CHECK(StageQuadrant::keep_up == IpaQuadrant::keep_up_good_work);
}

TEST_CASE("ipa_quadrant: performance on its cut is high, importance on its cut is low", "[ipa]") {
  CHECK(ipa_quadrant(2.0, 0.9, 3.0, 0.5) == IpaQuadrant::concentrate_here);
  CHECK(ipa_quadrant(4.0, 0.9, 3.0, 0.5) == IpaQuadrant::keep_up_good_work);
  CHECK(ipa_quadrant(2.0, 0.1, 3.0, 0.5) == IpaQuadrant::low_priority);
  CHECK(ipa_quadrant(4.0, 0.1, 3.0, 0.5) == IpaQuadrant::possible_overkill);
  CHECK(ipa_quadrant(3.0, 0.9, 3.0, 0.5) == IpaQuadrant::keep_up_good_work);  // performance tie: high
  CHECK(ipa_quadrant(2.0, 0.5, 3.0, 0.5) == IpaQuadrant::low_priority);       // importance tie: low
  // within rounding of the cut counts as on it: 0.1 + 0.2 is 0.30000000000000004
  CHECK(ipa_quadrant(2.0, 0.1 + 0.2, 3.0, 0.3) == IpaQuadrant::low_priority);
  CHECK(ipa_quadrant(3.0 - 1e-12, 0.9, 3.0, 0.5) == IpaQuadrant::keep_up_good_work);
  CHECK(ipa_quadrant(NaN, 0.9, 3.0, 0.5) == IpaQuadrant::none);
}

TEST_CASE("ipa: equal importances place no attribute in concentrate here (as the lifecycle flags)", "[ipa]") {
  Eigen::VectorXd perf(3), imp(3);
  perf << 2.0, 3.0, 4.0;
  imp << 1.0, 1.0, 1.0;
  IpaResult r = ipa(perf, imp, IpaConfig{});  // cuts: 3 and 1
  CHECK(r.quadrant[0] == static_cast<int>(IpaQuadrant::low_priority));
  CHECK(r.quadrant[1] == static_cast<int>(IpaQuadrant::possible_overkill));  // on the cut: high
  CHECK(r.quadrant[2] == static_cast<int>(IpaQuadrant::possible_overkill));
}

TEST_CASE("lifecycle stage quadrants follow the shared rule at the journey index", "[ipa]") {
  LifecycleConfig c;
  c.touchpoints = {{"a", LifecycleStage::warm_handshake, 2.0}, {"b", LifecycleStage::close_contact, 1.0}};
  RowMatrixXd x(2, 2);
  x << 5, 1, 3, 3;  // stage scores: a 100, 50 -> 75; b 0, 50 -> 25; journey 50; importance mean 1.5
  LifecycleSummary r = summarize_lifecycle(score_lifecycle(x, c), c);
  const int a = static_cast<int>(LifecycleStage::warm_handshake), b = static_cast<int>(LifecycleStage::close_contact);
  REQUIRE(r.journey[0] == 50.0);
  CHECK(r.quadrant(0, a) == static_cast<int>(ipa_quadrant(75.0, 2.0, 50.0, 1.5)));
  CHECK(r.quadrant(0, a) == static_cast<int>(IpaQuadrant::keep_up_good_work));
  CHECK(r.quadrant(0, b) == static_cast<int>(IpaQuadrant::low_priority));
  CHECK(r.quadrant(0, 1) == static_cast<int>(IpaQuadrant::none));  // a stage without touchpoints
  // the same two attributes through drivers' ipa with the lifecycle's cuts (scale crosshair at 50)
  Eigen::VectorXd perf(2), imp(2);
  perf << 75.0, 25.0;
  imp << 2.0, 1.0;
  IpaConfig ic;
  ic.crosshair = Crosshair::scale;
  ic.scale_min = 0;
  ic.scale_max = 100;
  IpaResult d = ipa(perf, imp, ic);  // importance cut (1 + 2) / 2 = 1.5
  CHECK(d.quadrant[0] == r.quadrant(0, a));
  CHECK(d.quadrant[1] == r.quadrant(0, b));
}
