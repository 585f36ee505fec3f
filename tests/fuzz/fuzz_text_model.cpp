// TextClassifier::from_bytes (a saved text model). Oracles: only servscore::error escapes;
// an accepted image writes back to the same bytes; the model scores two texts (one missing)
// with finite probabilities in [0, 1], or raises servscore::error.
#include <cmath>
#include <cstring>

#include "fuzz_target.hpp"
#include "servscore/text_model.hpp"

SERVSCORE_FUZZ_TARGET(text_model) {
  using namespace servscore;
  TextClassifier m;
  bool ok = false;
  fuzz::only_servscore_errors([&] {
    m = TextClassifier::from_bytes(fuzz::text(data, size));
    ok = true;
  });
  if (!ok) return 0;
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
  return 0;
}
