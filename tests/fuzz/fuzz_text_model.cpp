// TextClassifier::from_bytes (a saved text model). The image ends with an FNV-1a 64 checksum of
// the bytes before it, which mutations almost never keep: the target checks the input as it is,
// then with its last 8 bytes replaced by the right checksum, so the fields behind it are reached.
// Oracles: only servscore::error escapes;
// an accepted image writes back to the same bytes; the model scores two texts (one missing)
// with finite probabilities in [0, 1], or raises servscore::error.
#include <cmath>
#include <cstring>

#include "fuzz_target.hpp"
#include "servscore/text_model.hpp"

namespace {

std::uint64_t fnv1a64(std::string_view s) {  // as src/text_model.cpp
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void check(std::string_view bytes) {
  using namespace servscore;
  TextClassifier m;
  bool ok = false;
  fuzz::only_servscore_errors([&] {
    m = TextClassifier::from_bytes(bytes);
    ok = true;
  });
  if (!ok) return;
  const std::string b = m.to_bytes();
  try {
    SS_FUZZ_CHECK(TextClassifier::from_bytes(b).to_bytes() == b, "text model: to_bytes is not a fixed point");
  } catch (const servscore::error& e) {
    fuzz::fail(std::string("text model: to_bytes output refused: ") + e.what());
  }
  fuzz::only_servscore_errors([&] {
    const char* t = "the agent never called back";
    const std::vector<TextRef> texts{{t, std::strlen(t)}, {nullptr, 0}};
    const auto p = m.predict_proba(texts, TextClassifier::Matrix(2, 0), 1);
    for (Eigen::Index i = 0; i < p.size(); ++i)
      SS_FUZZ_CHECK(p.data()[i] >= 0 && p.data()[i] <= 1, "text model: probability outside [0, 1]");
  });
}

}  // namespace

SERVSCORE_FUZZ_TARGET(text_model) {
  const std::string_view in = servscore::fuzz::text(data, size);
  check(in);
  if (size >= 8) {
    std::string fixed(in.substr(0, size - 8));
    const std::uint64_t h = fnv1a64(fixed);
    for (int b = 0; b < 8; ++b) fixed.push_back(static_cast<char>((h >> (8 * b)) & 0xff));  // little-endian
    if (fixed != in) check(fixed);
  }
  return 0;
}
