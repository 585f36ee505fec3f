// A tiny program using servscore as a dependency: scores two encounters and checks the result.
#include <cmath>
#include <iostream>
#include <servscore/servscore.hpp>

int main() {
  servscore::EncounterConfig config;  // Martin's 16 indicators on 1-5
  servscore::RowMatrixXd ratings(2, 16);
  ratings.row(0).setConstant(5.0);  // everything excellent: quality, scores 100
  ratings.row(1).setConstant(5.0);
  ratings.row(1).head(7).setConstant(2.0);  // procedural side at 2 -> 25: friendly
  auto s = servscore::score_encounters(ratings, config);
  bool ok = s.quadrant[0] == static_cast<int>(servscore::Quadrant::quality) &&
            s.quadrant[1] == static_cast<int>(servscore::Quadrant::friendly) &&
            std::abs(s.procedural[1] - 25.0) < 1e-12 && std::abs(s.personal[0] - 100.0) < 1e-12;
  try {
    servscore::parse<servscore::SocialStyle>("bossy");
    ok = false;
  } catch (const servscore::config_error&) {
  }
  std::cout << "servscore " << servscore::version << ": " << servscore::to_string(servscore::Quadrant(s.quadrant[1]))
            << (ok ? " ok" : " FAILED") << "\n";
  return ok ? 0 : 1;
}
