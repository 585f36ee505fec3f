// The lexicon (cue and context-rule lists) parser and compiler. The input is a lexicon as JSON,
// optionally followed by a NUL byte and a text to match with it.
// Oracles: only servscore::error escapes; an accepted lexicon's JSON reads back equal, and the
// writer is a fixed point; a lexicon that compiles matches the text without raising anything
// but servscore::error, with counts that agree with the hits.
#include "fuzz_target.hpp"
#include "servscore/text.hpp"

SERVSCORE_FUZZ_TARGET(lexicon) {
  using namespace servscore;
  const std::string_view all = fuzz::text(data, size);
  const std::size_t nul = all.find('\0');
  const std::string_view json = all.substr(0, nul);
  const std::string_view text =
      nul == std::string_view::npos ? std::string_view("The agent was rude.") : all.substr(nul + 1);

  Lexicon lex;
  bool ok = false;
  fuzz::only_servscore_errors([&] {
    lex = lexicon_from_json(json);
    ok = true;
  });
  if (!ok) return 0;
  const std::string j1 = to_json(lex);
  Lexicon back;
  try {
    back = lexicon_from_json(j1);
  } catch (const servscore::error& e) {
    fuzz::fail(std::string("lexicon: the writer's output is refused (") + e.what() + "): " + j1);
  }
  SS_FUZZ_CHECK(back == lex, "lexicon: value changed through to_json: " + j1);
  SS_FUZZ_CHECK(to_json(back) == j1, "lexicon: the writer is not a fixed point: " + j1);

  fuzz::only_servscore_errors([&] {
    const CueMatcher m(lex);
    const std::vector<TextRef> texts{{text.data(), text.size()}, {nullptr, 0}};
    const CueMatches r = m.match(texts, 1, true);
    SS_FUZZ_CHECK(r.counts.rows() == 2 && r.counts.cols() == static_cast<Eigen::Index>(lex.cues.size()),
                  "lexicon: counts shape");
    long long counted = 0;
    for (auto c : r.hit_counted) counted += c;
    SS_FUZZ_CHECK(counted == r.counts.sum(), "lexicon: counted hits disagree with counts");
  });
  return 0;
}
