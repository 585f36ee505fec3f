#include <catch2/catch.hpp>

#include "servscore/errors.hpp"
#include "servscore/model.hpp"

using namespace servscore;

TEST_CASE("enum names, labels and parsing", "[model]") {
  CHECK(std::string(to_string(Quadrant::friendly)) == "friendly");
  CHECK(std::string(label(Quadrant::quality, Lang::zh)) == "优质型");
  CHECK(std::string(label(SocialStyle::driver)) == "Driver");
  CHECK(parse<KanoCategory>("O") == KanoCategory::one_dimensional);
  CHECK(parse<KanoCategory>("must_be") == KanoCategory::must_be);
  CHECK(parse<RaterDimension>("EMPATHY") == RaterDimension::empathy);
  CHECK(enum_size<HumanNeed>() == 10);
  CHECK(enum_size<LostSaleReason>() == 14);
  CHECK(enum_size<TimeElement>() == 9);
  CHECK(enum_size<LifecycleStage>() == 8);
  CHECK(enum_kinds().size() == 11);
  for (const auto& k : enum_kinds()) CHECK_FALSE(enum_table(k).empty());
}

TEST_CASE("parsing an unknown name lists the valid names", "[model]") {
  try {
    parse<SocialStyle>("bossy");
    FAIL("expected config_error");
  } catch (const config_error& e) {
    std::string msg = e.what();
    CHECK(msg.find("social_style 'bossy'") != std::string::npos);
    CHECK(msg.find("analytical, amiable, driver, expressive") != std::string::npos);
  }
  CHECK_THROWS_AS(enum_table("colour"), config_error);
}
