// Replays every fuzz target's seed corpus and found crashes (tests/fuzz/corpus/<name>/,
// tests/fuzz/regressions/<name>/) through its entry point, in the normal and sanitizer builds.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include "fuzz_target.hpp"

namespace servscore::fuzz {

static std::map<std::string, Entry>& targets() {
  static std::map<std::string, Entry> t;
  return t;
}

bool register_target(const char* name, Entry entry) {
  targets().emplace(name, entry);
  return true;
}

}  // namespace servscore::fuzz

namespace fs = std::filesystem;

TEST_CASE("fuzz targets: the seed corpus and every found crash replay cleanly", "[fuzz]") {
  const auto& targets = servscore::fuzz::targets();
  REQUIRE(targets.size() >= 5);
  for (const auto& [name, entry] : targets) {
    std::size_t n_corpus = 0;
    for (const char* dir : {"corpus", "regressions"}) {
      const fs::path d = fs::path(SERVSCORE_FUZZ_DIR) / dir / name;
      if (!fs::is_directory(d)) continue;
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(d))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO("target " << name << ", input " << f.string());
        CHECK_NOTHROW(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
        if (std::string(dir) == "corpus") ++n_corpus;
      }
    }
    INFO("target " << name);
    CHECK(n_corpus >= 3);  // every target has a seed corpus
  }
}
