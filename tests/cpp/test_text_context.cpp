// Context of a cue hit (issue 12, items 4 and 5): post-negation, word scopes, double
// negation, hypotheticals, quoted and reported speech, speaker attribution. The lexicon is
// written here from the rule definitions (no phrase of the default lexicon); every expected
// value follows from the rule by hand.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "servscore/errors.hpp"
#include "servscore/text.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {

const char* kLexicon = R"({
  "cues": [
    {"name": "rude", "phrases": {"en": ["rude"], "zh": ["态度差"]}},
    {"name": "helpful", "phrases": {"en": ["helpful"], "zh": ["热情"]}},
    {"name": "unhelpful", "phrases": {"en": ["unhelpful"], "zh": ["不满意", "不理人"]}},
    {"name": "ignore", "phrases": {"en": ["ignored me"], "zh": ["爱理不理", "不理"]}},
    {"name": "hurry", "phrases": {"en": ["hurry up", "in a hurry"], "zh": ["快点", "随便看看"]}},
    {"name": "rush", "actor": "customer", "phrases": {"en": ["in a rush"], "zh": ["赶时间"]}},
    {"name": "greet", "phrases": {"en": ["greeted me"], "zh": ["打招呼"]}},
    {"name": "anyone", "actor": "any", "phrases": {"en": ["broken"], "zh": ["坏了"]}},
    {"name": "wait", "phrases": {"en": ["waited two hours"], "zh": ["等了两个小时"]}}
  ],
  "experience_cues": ["wait"],
  "negators": {"en": ["not", "never", "wasn't", "no"], "zh": ["不", "没", "没有", "不是"]},
  "clause_breaks": {"en": [",", ".", "?", "!", ":", "but"], "zh": ["，", "。", "？", "！", "："]},
  "terminators": {"en": ["but"], "zh": ["但是"]},
  "post_negators": {"en": ["not at all"], "zh": ["没有的事"]},
  "scope_words": 2,
  "double_negation": true,
  "hypotheticals": {"en": ["if", "i hope"], "zh": ["如果", "希望"]},
  "hypothetical_words": 4,
  "sentence_breaks": {"en": [".", "!"], "zh": ["。", "！"]},
  "quote_marks": ["“”", "\"\""],
  "reporting_verbs": {"en": ["said", "told me"], "zh": ["说"]},
  "staff_subjects": {"en": ["the agent"], "zh": ["店员"]},
  "customer_subjects": {"en": ["the customer"], "zh": ["顾客"]},
  "self_subjects": {"en": ["i"], "zh": ["我"]},
  "other_subjects": {"en": ["he", "she", "you"], "zh": ["他", "你们"]},
  "non_subjects": {"zh": ["对我", "让我"]},
  "staff_roles": {"en": ["agent"], "zh": ["坐席", "客服"]},
  "customer_roles": {"en": ["caller"], "zh": ["业主"]}
})";

std::string write_file(const std::string& name, const std::string& body) {
  std::string path = (std::filesystem::temp_directory_path() / ("servscore_ctx_" + name)).string();
  std::ofstream(path, std::ios::binary) << body;
  return path;
}

struct One {
  int counted = 0, negated = 0, hits = 0;
  bool neg = false, hyp = false, quoted = false, cnt = false;
  HitSpeaker speaker = HitSpeaker::unknown;
};

// The first hit of `cue` in `text` and the cue's counts.
One hit_of(const CueMatcher& m, const std::string& text, const char* cue) {
  std::vector<TextRef> v{{text.data(), text.size()}};
  CueMatches r = m.match(v, 1, true);
  const int c = m.lexicon().index_of(cue);
  REQUIRE(c >= 0);
  One o;
  o.counted = r.counts(0, c);
  o.negated = r.negated(0, c);
  for (std::size_t i = 0; i < r.hit_cue.size(); ++i)
    if (r.hit_cue[i] == c) {
      if (o.hits++ == 0) {
        o.neg = r.hit_negated[i] != 0;
        o.hyp = r.hit_hypothetical[i] != 0;
        o.quoted = r.hit_quoted[i] != 0;
        o.cnt = r.hit_counted[i] != 0;
        o.speaker = static_cast<HitSpeaker>(r.hit_speaker[i]);
      }
    }
  return o;
}

CueMatcher plain() {
  return CueMatcher(lexicon_from_json(kLexicon));
}

}  // namespace

TEST_CASE("post-negation: a trigger after the hit negates it", "[text][context]") {
  CueMatcher m = plain();
  auto a = hit_of(m, "rude? not at all", "rude");
  CHECK(a.neg);
  CHECK_FALSE(a.cnt);
  CHECK(a.counted == 0);
  CHECK(a.negated == 1);
  auto b = hit_of(m, "态度差？没有的事", "rude");
  CHECK(b.neg);
  CHECK(b.counted == 0);
  // a sentence break ends the post scope
  CHECK(hit_of(m, "rude. not at all", "rude").counted == 1);
  // beyond the scope (2 words): "x y z" are three words
  CHECK(hit_of(m, "rude x y z not at all", "rude").counted == 1);
  CHECK(hit_of(m, "rude x y not at all", "rude").counted == 0);
}

TEST_CASE("word-based scope of pre-negation in both languages", "[text][context]") {
  CueMatcher m = plain();
  CHECK(hit_of(m, "not very helpful", "helpful").neg);                       // 1 word between
  CHECK(hit_of(m, "not at all very helpful", "helpful").counted == 1);       // "at all very": 3 words > 2
  CHECK(hit_of(m, "not at all helpful", "helpful").counted == 0);            // "at all": 2 words
  CHECK(hit_of(m, "not really very much helpful", "helpful").counted == 1);  // 4 words > 2
  CHECK(hit_of(m, "never so helpful", "helpful").counted == 0);
  // Chinese without jieba: one word per character; 不很热情: 1, 不是很热情: 不是 then 很 (1)
  CHECK(hit_of(m, "不很热情", "helpful").neg);
  CHECK(hit_of(m, "不是很热情", "helpful").neg);
  CHECK_FALSE(hit_of(m, "不一直都很热情", "helpful").neg);  // 一直都很: 4 characters > 2
  // a clause break ends the scope
  CHECK_FALSE(hit_of(m, "not, helpful", "helpful").neg);
}

TEST_CASE("double negation is an affirmation; a negated negative cue is not counted", "[text][context]") {
  CueMatcher m = plain();
  // two negators in a chain cancel: 不是 ... 不 ... 热情
  auto a = hit_of(m, "不是不热情", "helpful");
  CHECK_FALSE(a.neg);
  CHECK(a.counted == 1);
  auto b = hit_of(m, "not never helpful", "helpful");
  CHECK_FALSE(b.neg);
  CHECK(b.counted == 1);
  // a negative cue holding its own negator, negated once: "not unhelpful", 没有不满意, 不是不理人
  CHECK(hit_of(m, "not unhelpful", "unhelpful").neg);
  CHECK(hit_of(m, "not unhelpful", "unhelpful").counted == 0);
  CHECK(hit_of(m, "没有不满意", "unhelpful").counted == 0);
  CHECK(hit_of(m, "没有不满意", "unhelpful").negated == 1);
  CHECK(hit_of(m, "不是不理人", "unhelpful").negated == 1);
  // three negators: negated again
  CHECK(hit_of(m, "not no never helpful", "helpful").neg);
}

TEST_CASE("a negator inside a kept idiom or a longer word negates nothing", "[text][context]") {
  // jieba dictionary (hand-made): 爱理不理 and 不理不睬 are words
  TextResources res;
  res.jieba_dict = write_file("dict.txt", "爱理不理 100 i\n不理不睬 100 i\n不理 10 v\n热情 50 a\n很 50 d\n不 50 d\n");
  CueMatcher m(lexicon_from_json(kLexicon), res);
  auto a = hit_of(m, "爱理不理", "ignore");
  CHECK_FALSE(a.neg);
  CHECK(a.counted == 1);
  // 不理不睬 is one word: the phrase 不理 is not on its boundaries, and its 不 negates nothing
  // after it (热情 follows within the scope)
  CHECK(hit_of(m, "不理不睬", "ignore").hits == 0);
  CHECK_FALSE(hit_of(m, "不理不睬很热情", "helpful").neg);
  CHECK(hit_of(m, "不很热情", "helpful").neg);  // the plain negator still negates
}

TEST_CASE("hypothetical and wished-for hits are flagged and not counted", "[text][context]") {
  CueMatcher m = plain();
  auto a = hit_of(m, "if the agent had greeted me I would stay", "greet");
  CHECK(a.hyp);
  CHECK_FALSE(a.cnt);
  CHECK(a.counted == 0);
  CHECK(hit_of(m, "I hope they will be helpful", "helpful").hyp);
  CHECK(hit_of(m, "如果店员热情", "helpful").hyp);
  CHECK(hit_of(m, "希望下次热情", "helpful").counted == 0);
  // a sentence break or a terminator ends the scope; so does the word limit (4)
  CHECK(hit_of(m, "如果下雨。店员热情", "helpful").counted == 1);
  CHECK(hit_of(m, "if it rains but helpful", "helpful").counted == 1);
  CHECK(hit_of(m, "if one two three four five helpful", "helpful").counted == 1);
  CHECK_FALSE(hit_of(m, "the agent greeted me", "greet").hyp);
}

TEST_CASE("quoted and reported speech: staff behaviour reported by the customer", "[text][context]") {
  CueMatcher m = plain();
  // 他说"你快点" : inside quotes, the quote's speaker is the subject before it (他: staff)
  auto a = hit_of(m, "他说“快点”", "hurry");
  CHECK(a.quoted);
  CHECK(a.speaker == HitSpeaker::staff);
  CHECK(a.counted == 1);
  auto b = hit_of(m, "the agent said \"hurry up\"", "hurry");
  CHECK(b.quoted);
  CHECK(b.speaker == HitSpeaker::staff);
  CHECK(b.counted == 1);
  // after a reporting verb, no quotes: 店员说我随便看看 is the clerk's words
  auto c = hit_of(m, "店员说我随便看看", "hurry");
  CHECK(c.quoted);
  CHECK(c.speaker == HitSpeaker::staff);
  CHECK(c.counted == 1);
  // the customer quoting themselves: 我说"随便看看"
  auto d = hit_of(m, "我说“随便看看”", "hurry");
  CHECK(d.quoted);
  CHECK(d.speaker == HitSpeaker::customer);
  CHECK(d.counted == 0);
  // a closed quote is over
  CHECK_FALSE(hit_of(m, "“好的” 他很热情", "helpful").quoted);
}

TEST_CASE("speaker attribution in narrative text from the sentence's subject", "[text][context]") {
  CueMatcher m = plain();
  auto a = hit_of(m, "我随便看看", "hurry");  // the customer's own words
  CHECK(a.speaker == HitSpeaker::customer);
  CHECK_FALSE(a.cnt);
  CHECK(hit_of(m, "I was in a hurry", "hurry").counted == 0);
  auto b = hit_of(m, "店员让我快点", "hurry");
  CHECK(b.speaker == HitSpeaker::staff);
  CHECK(b.counted == 1);
  CHECK(hit_of(m, "he told me to hurry up", "hurry").speaker == HitSpeaker::staff);
  // the nearest subject before the hit in its sentence wins; an object (对我, 让我) is no subject
  CHECK(hit_of(m, "我进门，店员态度差", "rude").speaker == HitSpeaker::staff);
  CHECK(hit_of(m, "他对我态度差", "rude").speaker == HitSpeaker::staff);
  CHECK(hit_of(m, "the customer was in a hurry", "hurry").speaker == HitSpeaker::customer);
  // no subject: unknown, and a staff cue counts
  auto c = hit_of(m, "rude and in a hurry", "hurry");
  CHECK(c.speaker == HitSpeaker::unknown);
  CHECK(c.counted == 1);
  // a sentence break ends a subject's sentence
  CHECK(hit_of(m, "I came in. rude", "rude").speaker == HitSpeaker::unknown);
  // customer cues count in narrative text whoever the subject is; "any" cues always
  CHECK(hit_of(m, "我赶时间", "rush").counted == 1);
  CHECK(hit_of(m, "我的手机坏了", "anyone").counted == 1);
}

TEST_CASE("dialogue markers from role words, timestamps, names and dashes", "[text][context]") {
  CueMatcher m = plain();
  // staff cue in the customer's turn: not counted; in the staff's turn: counted
  auto a = hit_of(m, "[09:14] 坐席：您好 [09:15] 业主：我随便看看", "hurry");
  CHECK(a.speaker == HitSpeaker::customer);
  CHECK(a.counted == 0);
  auto b = hit_of(m, "10:02 Agent: hurry up", "hurry");
  CHECK(b.speaker == HitSpeaker::staff);
  CHECK(b.counted == 1);
  CHECK(hit_of(m, "Caller (Ann): I'm in a rush", "rush").counted == 1);
  CHECK(hit_of(m, "Agent (Mia): in a rush", "rush").counted == 0);  // a customer cue in a staff turn
  CHECK(hit_of(m, "客服(小王)：快点", "hurry").speaker == HitSpeaker::staff);
  CHECK(hit_of(m, "Caller - hurry up", "hurry").counted == 0);
  // a role word inside a sentence is no marker: narrative, unknown speaker
  auto c = hit_of(m, "我问客服：快点", "hurry");
  CHECK(c.speaker == HitSpeaker::customer);  // 我 is the subject; 问客服 is no turn
  CHECK(hit_of(m, "the agent: hurry up", "hurry").speaker == HitSpeaker::staff);
  // a caller reporting the agent's words: counted as staff
  auto d = hit_of(m, "Caller: the agent told me hurry up", "hurry");
  CHECK(d.quoted);
  CHECK(d.speaker == HitSpeaker::staff);
  CHECK(d.counted == 1);
  // first person in a staff turn is the staff member; so is anything in a staff turn
  CHECK(hit_of(m, "Agent: I said hurry up", "hurry").speaker == HitSpeaker::staff);
  CHECK(hit_of(m, "Agent: the customer said hurry up", "hurry").counted == 1);
  // the caller's addressee is staff; no subject in the caller's turn: the caller's
  CHECK(hit_of(m, "Caller: you were rude", "rude").speaker == HitSpeaker::staff);
  CHECK(hit_of(m, "业主：态度差", "rude").counted == 0);
}

TEST_CASE("experience cues ignore a first-person subject", "[text][context]") {
  CueMatcher m = plain();
  auto a = hit_of(m, "我等了两个小时", "wait");
  CHECK(a.speaker == HitSpeaker::unknown);
  CHECK(a.counted == 1);
  CHECK(hit_of(m, "I waited two hours", "wait").counted == 1);
  CHECK(hit_of(m, "业主：你们等了两个小时", "wait").speaker == HitSpeaker::staff);
  // nor does the customer's turn
  auto b = hit_of(m, "业主：我等了两个小时", "wait");
  CHECK(b.speaker == HitSpeaker::unknown);
  CHECK(b.counted == 1);
  CHECK(hit_of(m, "Agent: waited two hours", "wait").speaker == HitSpeaker::staff);
  // a cue that is not an experience cue keeps the rule
  CHECK(hit_of(m, "I was in a hurry", "hurry").counted == 0);
}

TEST_CASE("context keys round-trip and are validated", "[text][context]") {
  Lexicon l = lexicon_from_json(kLexicon);
  CHECK(l.scope_words == 2);
  CHECK(l.double_negation);
  CHECK(l.quote_marks.size() == 2);
  CHECK(l.experience_cues == std::vector<std::string>{"wait"});
  CHECK(lexicon_from_json(to_json(l)) == l);
  CHECK_THROWS_WITH(lexicon_from_json(R"({"quote_marks": ["'"]})"), Contains("quote_marks[0]"));
  CHECK_THROWS_AS(lexicon_from_json(R"({"scope_words": -1})"), config_error);
  CHECK_THROWS_WITH(lexicon_from_json(R"({"hypotheticals": [""]})"), Contains("hypotheticals[0]"));
}

TEST_CASE("gapped cue phrases: parts in order in one clause, context from the first part", "[text][context]") {
  servscore::Lexicon lx = servscore::lexicon_from_json(R"J({
    "cues": [{"name": "personal", "phrases": {"en": ["ask … (married|salary)", "ask …{1} age"]}}],
    "negators": {"en": ["never"]}, "clause_breaks": {"en": [",", "."]}, "scope_words": 3,
    "self_subjects": {"en": ["i"]}, "other_subjects": {"en": ["he"]}, "gap_words": 4})J");
  servscore::CueMatcher m(lx);
  std::vector<std::string> texts = {"he asked me whether i was married", "he asked, are you married",
                                    "he never asked if i was married",   "he asked my age",
                                    "he asked about my exact age",       "i asked him if he was married"};
  std::vector<servscore::TextRef> refs;
  for (const auto& t : texts) refs.push_back({t.data(), t.size()});
  auto r = m.match(refs, 1, true);
  CHECK(r.counts(0, 0) == 1);
  CHECK(r.counts(1, 0) == 0);  // a clause break between the parts
  CHECK(r.counts(2, 0) == 0);  // negated before the first part
  CHECK(r.counts(3, 0) == 1);
  CHECK(r.counts(4, 0) == 0);  // two words between: more than …{1}
  CHECK(r.counts(5, 0) == 0);  // the customer asked
  REQUIRE(!r.hit_start.empty());
  CHECK(r.hit_start[0] == 3);
  CHECK(r.hit_end[0] == static_cast<std::int32_t>(texts[0].size()));
  CHECK(m.phrase(r.hit_phrase[0]) == "ask … (married|salary)");
  CHECK_THROWS_AS(servscore::lexicon_from_json(R"({"cues": [{"name": "a", "phrases": ["a … "]}]})"),
                  servscore::config_error);
}
