// Score the encounters of a CSV file with the installed servscore library.
//   score_csv encounters.csv [workers]
// The CSV has a header; the default indicators are looked up by column name and
// empty cells are missing ratings. Prints the quadrant counts and mean scores.
#include <fstream>
#include <iostream>
#include <limits>
#include <servscore/servscore.hpp>
#include <sstream>
#include <string>
#include <vector>

static std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: score_csv FILE.csv [workers]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot open " << argv[1] << "\n";
    return 2;
  }
  servscore::EncounterConfig config;
  std::string line;
  std::getline(in, line);
  auto header = split(line);
  std::vector<int> col;  // CSV column of each indicator
  for (const auto& ind : config.indicators) {
    int found = -1;
    for (std::size_t c = 0; c < header.size(); ++c)
      if (header[c] == ind.name) found = static_cast<int>(c);
    if (found < 0) {
      std::cerr << argv[1] << ": no column '" << ind.name << "'\n";
      return 1;
    }
    col.push_back(found);
  }
  std::vector<double> values;
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    auto cells = split(line);
    for (int c : col) {
      const std::string& s = static_cast<std::size_t>(c) < cells.size() ? cells[static_cast<std::size_t>(c)] : "";
      values.push_back(s.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(s));
    }
    ++rows;
  }
  Eigen::Map<const servscore::RowMatrixXd> ratings(values.data(), static_cast<Eigen::Index>(rows),
                                                   static_cast<Eigen::Index>(col.size()));
  try {
    auto scores = servscore::score_encounters(ratings, config, argc > 2 ? std::stoi(argv[2]) : 1);
    auto summary = servscore::summarize_encounters(scores, config, servscore::VectorXi32(), 1, ratings);
    std::cout << "quadrant counts:";
    for (int q = 0; q < 5; ++q)
      std::cout << " " << servscore::to_string(static_cast<servscore::Quadrant>(q)) << "=" << summary.counts(0, q);
    std::cout << "\n";
    auto m = summary.mean_scores();
    std::cout.precision(6);
    std::cout << "mean procedural " << m(0, 0) << ", mean personal " << m(0, 1) << "\n";
  } catch (const servscore::error& e) {
    std::cerr << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
