#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "servscore/errors.hpp"
#include "servscore/styles.hpp"
#include "servscore/text.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

Lexicon small_lexicon() {
  return lexicon_from_json(R"({
    "cues": [
      {"name": "thanks", "phrases": {"en": ["thank you", "thanks"], "zh": ["谢谢"]}},
      {"name": "thanks_wait", "phrases": {"en": ["thank you for waiting"], "zh": ["让您久等了"]},
       "indicators": {"attentiveness": 1, "tact": 0.5}},
      {"name": "greeting", "phrases": ["hi", "hello", "您好"], "indicators": {"attentiveness": 1}},
      {"name": "helpful", "actor": "customer", "phrases": {"en": ["helpful"], "zh": ["满意"]}, "negated_to": "complaint"},
      {"name": "complaint", "actor": "customer", "phrases": {"en": ["complain*"], "zh": ["投诉"]}, "negatable": false},
      {"name": "hurry", "phrases": ["hurry up", "快点"], "lost_sale": "being_hurried", "negatable": false,
       "indicators": {"attentiveness": -1}},
      {"name": "detail", "actor": "customer", "phrases": ["how does it work"], "assertiveness": -1, "responsiveness": -1},
      {"name": "order", "actor": "customer", "phrases": ["give me"], "assertiveness": 1, "responsiveness": -1}
    ],
    "negators": {"en": ["not", "never"], "zh": ["不", "没"]},
    "clause_breaks": {"en": [",", ".", "but"], "zh": ["，", "不过"]}
  })");
}

CueMatches run(const CueMatcher& m, const std::vector<std::string>& texts, int workers = 1, bool hits = false) {
  std::vector<TextRef> v;
  for (const auto& t : texts) v.push_back({t.data(), t.size()});
  return m.match(v, workers, hits);
}

int count(const CueMatcher& m, const std::string& text, const char* cue) {
  auto r = run(m, {text});
  return r.counts(0, m.lexicon().index_of(cue));
}
int negated(const CueMatcher& m, const std::string& text, const char* cue) {
  auto r = run(m, {text});
  return r.negated(0, m.lexicon().index_of(cue));
}
}  // namespace

TEST_CASE("each cue found in English and Chinese", "[text]") {
  CueMatcher m(small_lexicon());
  CHECK(count(m, "Thanks a lot", "thanks") == 1);
  CHECK(count(m, "谢谢您", "thanks") == 1);
  CHECK(count(m, "hello, hi!", "greeting") == 2);
  CHECK(count(m, "您好", "greeting") == 1);
  CHECK(count(m, "快点快点", "hurry") == 2);
  CHECK(count(m, "how does it work?", "detail") == 1);
  CHECK(count(m, "我要投诉", "complaint") == 1);
  CHECK(count(m, "no cue here", "thanks") == 0);
}

TEST_CASE("a hit inside a longer hit is dropped", "[text]") {
  CueMatcher m(small_lexicon());
  auto r = run(m, {"Thank you for waiting. Thank you."});
  CHECK(r.counts(0, m.lexicon().index_of("thanks_wait")) == 1);
  CHECK(r.counts(0, m.lexicon().index_of("thanks")) == 1);  // only the second one
}

TEST_CASE("ASCII word boundaries; star lifts the end boundary; CJK needs none", "[text]") {
  CueMatcher m(small_lexicon());
  CHECK(count(m, "this chip", "greeting") == 0);  // "hi" inside words
  CHECK(count(m, "hi-fi", "greeting") == 1);      // hyphen is a boundary
  CHECK(count(m, "hi_there", "greeting") == 0);   // underscore is a word character
  CHECK(count(m, "they complained twice", "complaint") == 1);
  CHECK(count(m, "uncomplaining", "complaint") == 0);  // start boundary still applies
  CHECK(count(m, "他说谢谢你", "thanks") == 1);
}

TEST_CASE("case, full-width and white-space folding", "[text]") {
  CueMatcher m(small_lexicon());
  CHECK(count(m, "THANK YOU", "thanks") == 1);
  CHECK(count(m, "ＴＨＡＮＫ　ＹＯＵ", "thanks") == 1);  // full-width letters and ideographic space
  CHECK(count(m, "thank \t\n  you", "thanks") == 1);
  CHECK(m.normalize("ＡＢｃ\xE3\x80\x80  D\xE2\x80\x99s") == "abc d's");
  Lexicon no_fold = small_lexicon();
  no_fold.fold_case = false;
  no_fold.fold_width = false;
  CueMatcher m2(no_fold);
  CHECK(count(m2, "THANK YOU", "thanks") == 0);
  CHECK(count(m2, "ＴＨＡＮＫ　ＹＯＵ", "thanks") == 0);
}

TEST_CASE("negation: simple cases, window, clause breaks, negated_to", "[text]") {
  CueMatcher m(small_lexicon());
  CHECK(count(m, "not helpful", "helpful") == 0);
  CHECK(negated(m, "not helpful", "helpful") == 1);
  CHECK(count(m, "not helpful", "complaint") == 1);  // negated_to
  CHECK(count(m, "不满意", "complaint") == 1);
  CHECK(negated(m, "不太满意", "helpful") == 1);  // 3 bytes between
  CHECK(count(m, "very helpful", "helpful") == 1);
  CHECK(negated(m, "not at all very helpful", "helpful") == 0);  // 13 bytes > window 12
  CHECK(negated(m, "not bad, helpful", "helpful") == 0);         // clause break
  CHECK(negated(m, "not cheap but helpful", "helpful") == 0);
  CHECK(negated(m, "不过满意", "helpful") == 0);          // "不" inside the break "不过" negates nothing
  CHECK(negated(m, "nothelpful", "helpful") == 0);        // no boundary after "not": not a negator
  CHECK(count(m, "never complained", "complaint") == 1);  // complaint is not negatable
  CHECK(count(m, "不快点", "hurry") == 1);
  Lexicon wide = small_lexicon();
  wide.negation_window = 20;
  CueMatcher mw(wide);
  CHECK(negated(mw, "not at all very helpful", "helpful") == 1);
}

TEST_CASE("missing, empty, invalid UTF-8 and overlong texts", "[text]") {
  Lexicon lx = small_lexicon();
  lx.max_text_bytes = 20;
  CueMatcher m(lx);
  std::string bad = "hello \xFF\xFE thanks";
  std::string longt = "thanks " + std::string(30, 'x') + " hello";
  std::string cut =
      "\xE8\xB0\xA2\xE8\xB0\xA2" + std::string(13, ' ') + "\xE8\xB0\xA2\xE8\xB0\xA2";  // cut inside a char
  std::vector<TextRef> v = {{nullptr, 0},
                            {"", 0},
                            {"   ", 3},
                            {bad.data(), bad.size()},
                            {longt.data(), longt.size()},
                            {cut.data(), cut.size()}};
  auto r = m.match(v);
  CHECK(r.status[0] == static_cast<int>(TextStatus::missing));
  CHECK(r.status[1] == static_cast<int>(TextStatus::empty));
  CHECK(r.status[2] == static_cast<int>(TextStatus::empty));
  CHECK(r.status[3] == static_cast<int>(TextStatus::invalid_utf8));
  CHECK(r.counts(3, lx.index_of("greeting")) == 1);
  CHECK(r.counts(3, lx.index_of("thanks")) == 1);
  CHECK(r.status[4] == static_cast<int>(TextStatus::truncated));
  CHECK(r.counts(4, lx.index_of("thanks")) == 1);
  CHECK(r.counts(4, lx.index_of("greeting")) == 0);  // beyond the cut
  CHECK(r.status[5] == static_cast<int>(TextStatus::truncated));
  CHECK(r.counts(5, lx.index_of("thanks")) == 1);  // the cut char is dropped, not turned invalid
  // invalid sequences: overlong, surrogate, truncated, out of range
  for (std::string s : {"\xC0\xAF", "\xED\xA0\x80", "\xE8\xB0", "\xF4\x90\x80\x80"}) {
    auto q = m.match({{s.data(), s.size()}});
    CHECK(q.status[0] == static_cast<int>(TextStatus::invalid_utf8));
  }
  lx.invalid_utf8 = "error";
  CueMatcher me(lx);
  std::vector<TextRef> v2 = {{"ok", 2}, {bad.data(), bad.size()}};
  CHECK_THROWS_WITH(me.match(v2), Contains("row 1") && Contains("byte offset 6"));
}

TEST_CASE("hits report phrase, offsets and negation; any worker count gives the same result", "[text]") {
  CueMatcher m(small_lexicon());
  std::vector<std::string> texts;
  const char* pool[] = {"hello thank you for waiting", "not helpful, hurry up", "不满意，快点", "", "give me that"};
  for (int i = 0; i < 500; ++i) texts.push_back(pool[i % 5]);
  auto a = run(m, texts, 1, true), b = run(m, texts, 3, true);
  CHECK(a.counts == b.counts);
  CHECK(a.negated == b.negated);
  CHECK(a.hit_row == b.hit_row);
  CHECK(a.hit_phrase == b.hit_phrase);
  // row 1: "helpful" negated at 4..11, "hurry up" at 13..21
  REQUIRE(a.hit_row.size() >= 5);
  CHECK(a.hit_row[2] == 1);
  CHECK(m.phrase(a.hit_phrase[2]) == "helpful");
  CHECK(a.hit_start[2] == 4);
  CHECK(a.hit_end[2] == 11);
  CHECK(a.hit_negated[2] == 1);
  CHECK(m.phrase(a.hit_phrase[3]) == "hurry up");
  CHECK(a.hit_negated[3] == 0);
}

TEST_CASE("languages select phrases", "[text]") {
  Lexicon lx = small_lexicon();
  lx.languages = {"en"};
  CueMatcher m(lx);
  CHECK(count(m, "谢谢", "thanks") == 0);
  CHECK(count(m, "您好", "greeting") == 1);  // untagged phrases are always used
  CHECK(count(m, "thanks", "thanks") == 1);
}

TEST_CASE("matches equal a naive find-all reference on random texts", "[text]") {
  // lexicon without negators: count = hits not inside a longer hit, with ASCII boundaries
  Lexicon lx = lexicon_from_json(R"({"cues": [
    {"name": "a", "phrases": ["ab", "abc", "谢谢"]}, {"name": "b", "phrases": ["bc", "c d", "谢"]},
    {"name": "c", "phrases": ["d", "谢谢你"]}]})");
  CueMatcher m(lx);
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "b", "c", "d", " ", "谢", "你", "A", "，"};
  std::vector<std::string> phrases;
  std::vector<int> cue_of;
  for (int c = 0; c < 3; ++c)
    for (const auto& p : lx.cues[static_cast<std::size_t>(c)].phrases[0].phrases) {
      phrases.push_back(p);
      cue_of.push_back(c);
    }
  auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
  for (int trial = 0; trial < 400; ++trial) {
    std::string t;
    int len = static_cast<int>(rng() % 14);
    for (int i = 0; i < len; ++i) t += alphabet[rng() % alphabet.size()];
    std::string norm = m.normalize(t);
    struct H {
      std::size_t s, e;
      int cue;
    };
    std::vector<H> hs;
    for (std::size_t p = 0; p < phrases.size(); ++p)
      for (std::size_t pos = norm.find(phrases[p]); pos != std::string::npos; pos = norm.find(phrases[p], pos + 1)) {
        std::size_t e = pos + phrases[p].size();
        bool lb = !word(phrases[p].front()) || pos == 0 || !word(norm[pos - 1]);
        bool rb = !word(phrases[p].back()) || e == norm.size() || !word(norm[e]);
        if (lb && rb) hs.push_back({pos, e, cue_of[p]});
      }
    int expect[3] = {0, 0, 0};
    for (const auto& h : hs) {
      bool inside = false;
      for (const auto& o : hs)
        if ((o.s <= h.s && h.e <= o.e) && (o.e - o.s > h.e - h.s)) inside = true;
      if (!inside) expect[h.cue]++;
    }
    auto r = run(m, {t});
    INFO("text: " << t);
    for (int c = 0; c < 3; ++c) CHECK(r.counts(0, c) == expect[c]);
  }
}

TEST_CASE("lexicon JSON: round trip, errors name the key", "[text]") {
  Lexicon lx = small_lexicon();
  CHECK(lexicon_from_json(to_json(lx)) == lx);
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x", "phrase": ["a"]}]})"),
                    Contains("phrase") && Contains("phrases"));
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x", "actor": "robot"}]})"), Contains("robot"));
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x", "lost_sale": "rudeness"}]})"),
                    Contains("lack_of_courtesy"));
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x", "negated_to": "y"}]})"), Contains("'y'"));
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x"}, {"name": "x"}]})"), Contains("duplicate"));
  CHECK_THROWS_WITH(lexicon_from_json(R"({"cues": [{"name": "x", "phrases": ["  "]}]})"), Contains("empty phrase"));
  CHECK_THROWS_AS(lexicon_from_json("{\"cues\": [{\"name\": \"x\", \"phrases\": [\"\xFF\"]}]}"), config_error);
  CHECK_THROWS_WITH(lexicon_from_json(R"({"invalid_utf8": "ignore"})"), Contains("'replace' or 'error'"));
  CHECK_THROWS_AS(lexicon_from_json(R"({"negation_window": -1})"), config_error);
  Lexicon big = small_lexicon();
  big.max_text_bytes = std::int64_t{1} << 32;
  CHECK_THROWS_WITH(big.validate(), Contains("max_text_bytes"));
  Lexicon bad_phrase = small_lexicon();
  bad_phrase.cues[0].phrases[0].phrases.push_back("\xFF");
  CHECK_THROWS_WITH(CueMatcher(bad_phrase), Contains("cues[0].phrases.en[2]") && Contains("UTF-8"));
  Lexicon ext = lexicon_from_json(R"({"cues": [{"name": "thanks", "phrases": {"en": ["cheers"]}},
                                             {"name": "new", "phrases": ["xyz"]}]})");
  lx.extend(ext);
  CueMatcher m(lx);
  CHECK(count(m, "cheers", "thanks") == 1);
  CHECK(count(m, "xyz", "new") == 1);
}

TEST_CASE("the default lexicon loads and finds its cues", "[text]") {
  // the lexicon ships with the Python package, in the source tree (SERVSCORE_TEST_DATA = tests/data)
  std::ifstream f(std::string(SERVSCORE_TEST_DATA) + "/../../python/servscore/data/text/lexicon.json");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  Lexicon lex = lexicon_from_json(ss.str());
  // the cues live in cues/*.json, added in file-name order (as servscore.text.default_lexicon)
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SERVSCORE_TEST_DATA) + "/../../python/servscore/data/text/cues"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream cf(p);
    std::stringstream cs;
    cs << cf.rdbuf();
    lex.extend(lexicon_from_json(cs.str()));
  }
  CueMatcher m(lex);
  CHECK(m.lexicon().cues.size() >= 30);
  CHECK(count(m, "Good morning, Mr Smith. Sorry to keep you waiting.", "thanks_for_waiting") == 1);
  CHECK(count(m, "Good morning, Mr Smith. Sorry to keep you waiting.", "using_name") == 1);
  CHECK(count(m, "服务不太满意", "complaint") == 1);
  CHECK(count(m, "他们家的质量太差了", "talking_down_brands") == 1);
  CHECK(count(m, "不好意思，服务很好", "satisfied") == 1);
  CHECK(count(m, "你错了", "arguing") == 1);
}

TEST_CASE("cue evidence: lost-sale reasons, style axes, indicators", "[text]") {
  Lexicon lx = small_lexicon();
  CueMatcher m(lx);
  auto r = run(m, {"hurry up hurry up, thank you for waiting, hello", "how does it work, give me", "nothing"});
  auto ev = cue_evidence(lx, r.counts);
  CHECK(ev.lost_sale(0, static_cast<int>(LostSaleReason::being_hurried)) == 2.0);
  CHECK(ev.lost_sale(1, static_cast<int>(LostSaleReason::being_hurried)) == 0.0);
  REQUIRE(ev.indicator_names == std::vector<std::string>{"attentiveness", "tact"});
  CHECK(ev.indicators(0, 0) == Approx(1.0 + 1.0 - 2.0));  // thanks_wait + greeting - 2 hurry
  CHECK(ev.indicators(0, 1) == Approx(0.5));
  CHECK(std::isnan(ev.indicators(2, 0)));
  CHECK(ev.assertiveness[1] == 0.0);    // -1 + 1
  CHECK(ev.responsiveness[1] == -2.0);  // -1 - 1
  CHECK(ev.style_hits[1] == 2);
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> wrong(1, 2);
  wrong.setZero();
  CHECK_THROWS_AS(cue_evidence(lx, wrong), input_error);
}

TEST_CASE("styles from a questionnaire: hand-computed axes, cut-offs, sub-styles", "[styles]") {
  StyleInstrument ins = style_instrument_from_json(R"({"items": [
    {"name": "a1", "axis": "assertiveness"}, {"name": "a2", "axis": "assertiveness", "reverse": true},
    {"name": "r1", "axis": "responsiveness"}, {"name": "r2", "axis": "responsiveness", "weight": 3}],
    "scale_min": 1, "scale_max": 7})");
  RowMatrixXd x(4, 4);
  x << 7, 1, 1, 2,     // A = (7 + 7)/2 = 7 -> +1; R = (1 + 6)/4 = 1.75 -> -0.75: driver, sub driver
      5, 3, 5, 5,      // A = (5 + 5)/2 = 5 -> 1/3; R = 5 -> 1/3: expressive; sub: (1/3-1/2) < 0 -> analytical
      2, NaN, 6, 6,    // A = 2 -> -2/3; R = 6 -> 2/3: amiable, sub amiable
      NaN, NaN, 4, 4;  // A missing -> unknown
  auto s = classify_styles(x, ins);
  CHECK(s.assertiveness[0] == Approx(7.0));
  CHECK(s.responsiveness[0] == Approx(1.75));
  CHECK(s.a_centred[0] == Approx(1.0));
  CHECK(s.r_centred[0] == Approx(-0.75));
  CHECK(s.style[0] == static_cast<int>(SocialStyle::driver));
  CHECK(s.sub_style[0] == static_cast<int>(SocialStyle::driver));
  CHECK(s.intensity[0] == Approx(1.25));
  CHECK(s.style[1] == static_cast<int>(SocialStyle::expressive));
  CHECK(s.sub_style[1] == static_cast<int>(SocialStyle::analytical));
  CHECK(s.style[2] == static_cast<int>(SocialStyle::amiable));
  CHECK(s.sub_style[2] == static_cast<int>(SocialStyle::amiable));
  CHECK(s.style[3] == -1);
  CHECK(std::isnan(s.assertiveness[3]));
  // norm cut-offs: z against mean 5, SD 2
  ins.cutoff = "norm";
  ins.norm_mean[0] = ins.norm_mean[1] = 5.0;
  ins.norm_sd[0] = ins.norm_sd[1] = 2.0;
  auto z = classify_styles(x, ins);
  CHECK(z.a_centred[0] == Approx(1.0));
  CHECK(z.r_centred[0] == Approx(-1.625));
  CHECK(z.style[1] == static_cast<int>(SocialStyle::expressive));  // ties at 0 are high
  // sample z-scores over rows 0-2 (row 3 missing on A)
  ins.cutoff = "sample";
  auto q = classify_styles(x, ins);
  const double ma = (7 + 5 + 2) / 3.0;
  const double sda = std::sqrt(((7 - ma) * (7 - ma) + (5 - ma) * (5 - ma) + (2 - ma) * (2 - ma)) / 2.0);
  CHECK(q.a_centred[0] == Approx((7 - ma) / sda));
  CHECK_THROWS_WITH(classify_styles(RowMatrixXd::Constant(1, 4, 9.0), ins), Contains("row 0") && Contains("'a1'"));
  CHECK_THROWS_AS(classify_styles(RowMatrixXd::Constant(1, 3, 1.0), ins), input_error);
  CHECK_THROWS_WITH(style_instrument_from_json(R"({"items": [{"name": "a", "axis": "assertiveness"}]})"),
                    Contains("responsiveness"));
  CHECK_THROWS_WITH(style_instrument_from_json(R"({"items": [{"name": "a", "axis": "up"}]})"), Contains("'up'"));
  CHECK(style_instrument_from_json(to_json(ins)) == ins);
}

TEST_CASE("speaker markers: a cue counts in its actor's turns only", "[text]") {
  Lexicon lx = small_lexicon();
  lx.staff_markers = {{"", {"staff:", "店员："}}};
  lx.customer_markers = {{"", {"customer:", "顾客："}}};
  CueMatcher m(lx);
  // "hurry up" is a staff cue: said by the customer it does not count
  CHECK(count(m, "Customer: hurry up! Staff: hurry up", "hurry") == 1);
  CHECK(count(m, "hurry up", "hurry") == 1);  // no marker: anyone
  CHECK(count(m, "顾客：快点。店员：好的", "hurry") == 0);
  CHECK(count(m, "店员:快点", "hurry") == 1);  // full-width colon folded, either form works
  // "helpful" is a customer cue
  CHECK(count(m, "Staff: helpful Customer: helpful", "helpful") == 1);
  // a marker stops negation: "not" ends the staff turn
  CHECK(negated(m, "Staff: is it not Customer: helpful", "helpful") == 0);
  CHECK(lexicon_from_json(to_json(lx)) == lx);
}

namespace {
std::string write_file(const std::string& name, const std::string& body) {
  std::string path = (std::filesystem::temp_directory_path() / ("servscore_test_" + name)).string();
  std::ofstream(path, std::ios::binary) << body;
  return path;
}
Lexicon word_lexicon() {
  return lexicon_from_json(R"({"cues": [
      {"name": "shuju", "phrases": {"zh": ["数据"]}},
      {"name": "taidu", "phrases": {"zh": ["态度"]}},
      {"name": "argue", "phrases": {"en": ["argue", "stop", "hurry up", "hurr*"]}}]})");
}
}  // namespace

TEST_CASE("word boundaries from a jieba dictionary read at run time (hand-computed route)", "[text][segment]") {
  // total 170: log P(数据线) = log 50 - log 170 = -1.22 beats log 100 + log 10 - 2 log 170 = -3.36
  const std::string dict = write_file("dict.txt", "数据 100 n\n数据线 50 n\n线 10 n\n丢 10 v\n");
  TextResources res;
  res.jieba_dict = dict;
  CueMatcher m(word_lexicon(), res);
  CHECK(m.segment("数据线") == std::vector<std::string>{"数据线"});
  CHECK(m.segment("数据丢 ab") == std::vector<std::string>{"数据", "丢", " ", "ab"});
  CHECK(count(m, "数据线", "shuju") == 0);
  CHECK(count(m, "数据丢了", "shuju") == 1);
  CHECK(count(m, "the 数据, 数据线", "shuju") == 1);
  // the lexicon's phrase 态度 (not in the dictionary) was added as a word
  CHECK(m.segment("态度") == std::vector<std::string>{"态度"});
  CHECK(count(m, "态度很差", "taidu") == 1);
  // without the dictionary a Chinese phrase matches inside words
  CueMatcher plain(word_lexicon());
  CHECK(count(plain, "数据线", "shuju") == 1);
  CHECK_THROWS_AS(plain.segment("数据"), config_error);
}

TEST_CASE("English inflections of phrase words", "[text][segment]") {
  CueMatcher m(word_lexicon());
  for (const char* t : {"argue", "argued", "argues", "arguing", "stop", "stopped", "stopping", "stops", "hurry up",
                        "hurried up", "hurries up", "hurrying up"})
    CHECK(count(m, std::string(t) + "!", "argue") == 1);
  for (const char* t : {"argument", "stoppage", "arguer"}) CHECK(count(m, t, "argue") == 0);
  Lexicon off = word_lexicon();
  off.inflect = false;
  CueMatcher m2(off);
  CHECK(count(m2, "argued", "argue") == 0);
  CHECK(count(m2, "hurried", "argue") == 1);  // the star still applies
}

TEST_CASE("traditional to simplified folding from OpenCC tables", "[text][segment]") {
  TextResources res;
  res.ts_characters = write_file("TSCharacters.txt", "# c\n態\t态\n乾\t干 乾\n據\t据\n");
  res.ts_phrases = write_file("TSPhrases.txt", "# p\n乾隆\t乾隆\n");
  CueMatcher m(word_lexicon(), res);
  CHECK(m.normalize("服務態度，數據") == "服務态度,數据");  // only the listed characters fold
  CHECK(m.normalize("乾隆乾了") == "乾隆干了");             // the longest phrase first
  CHECK(count(m, "態度很差", "taidu") == 1);
}

TEST_CASE("malformed dictionary and table lines name the file and line", "[text][segment]") {
  auto fails = [](const std::string& body, const std::string& what) {
    TextResources res;
    res.jieba_dict = write_file("bad.txt", body);
    REQUIRE_THROWS_AS(CueMatcher(word_lexicon(), res), input_error);
    CHECK_THROWS_WITH(CueMatcher(word_lexicon(), res), Contains(what));
  };
  fails("数据 1 n\n数据线\n", "line 2: expected 'word frequency");
  fails("数据 -1 n\n", "line 1: frequency '-1'");
  fails("\xff\xfe 3 n\n", "line 1: the word is not valid UTF-8");
  fails("", "no words with a positive frequency");
  TextResources res;
  res.jieba_dict = "no/such/dict.txt";
  CHECK_THROWS_WITH(CueMatcher(word_lexicon(), res), Contains("cannot open"));
  res.jieba_dict.clear();
  res.ts_characters = write_file("TSC.txt", "態态\n");
  res.ts_phrases = write_file("TSP.txt", "");
  CHECK_THROWS_WITH(CueMatcher(word_lexicon(), res), Contains("TSC.txt: line 1"));
  res.ts_phrases.clear();
  CHECK_THROWS_AS(CueMatcher(word_lexicon(), res), config_error);
}

TEST_CASE("a lexicon too large for a complete transition table matches as a naive find-all", "[text]") {
  // 10,000 phrases of 12-18 letters and digits: over 120,000 automaton states x 37 byte
  // classes, past the dense table's 4M cells (2^22), so the deep states keep trie edges and failure
  // links. Texts are made of whole phrases, pieces of phrases and noise.
  std::mt19937 rng(11);
  const std::string alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  auto random_word = [&](std::size_t len) {
    std::string w;
    for (std::size_t i = 0; i < len; ++i) w += alnum[rng() % alnum.size()];
    return w;
  };
  const int n_cues = 50;
  std::vector<std::string> phrases;
  std::vector<int> cue_of;
  std::ostringstream js;
  js << R"({"cues": [)";
  for (int c = 0; c < n_cues; ++c) {
    js << (c ? "," : "") << R"({"name": "c)" << c << R"(", "phrases": [)";
    int emitted = 0;
    for (int k = 0; k < 200; ++k) {
      std::string w = random_word(12 + rng() % 7);
      if (std::find(phrases.begin(), phrases.end(), w) != phrases.end()) continue;
      // a few phrases are prefixes or suffixes of others: outputs through failure links
      if (k % 25 == 1) w = phrases.back().substr(0, 4 + rng() % 5);
      if (k % 25 == 2) w = phrases.back().substr(phrases.back().size() - 4);
      if (std::find(phrases.begin(), phrases.end(), w) != phrases.end()) continue;
      js << (emitted++ ? "," : "") << '"' << w << '"';
      phrases.push_back(w);
      cue_of.push_back(c);
    }
    js << "]}";
  }
  js << "]}";
  CueMatcher m(lexicon_from_json(js.str()));
  REQUIRE(m.n_states() * 37 > (std::size_t{1} << 22));
  auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
  const std::vector<std::string> seps = {"", " ", ".", "x", "-", "，"};
  int grand_total = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string t;
    const int parts = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < parts; ++i) {
      const std::string& p = phrases[rng() % phrases.size()];
      switch (rng() % 4) {
        case 0:
        case 1:
          t += p;
          break;
        case 2:
          t += p.substr(rng() % p.size());
          break;
        default:
          t += random_word(1 + rng() % 6);
      }
      t += seps[rng() % seps.size()];
    }
    const std::string norm = m.normalize(t);
    struct H {
      std::size_t s, e;
      int cue;
    };
    std::vector<H> hs;
    for (std::size_t p = 0; p < phrases.size(); ++p)
      for (std::size_t pos = norm.find(phrases[p]); pos != std::string::npos; pos = norm.find(phrases[p], pos + 1)) {
        const std::size_t e = pos + phrases[p].size();
        const bool lb = pos == 0 || !word(norm[pos - 1]);
        const bool rb = e == norm.size() || !word(norm[e]);
        if (lb && rb) hs.push_back({pos, e, cue_of[p]});
      }
    std::vector<int> expect(n_cues, 0);
    for (const auto& h : hs) {
      bool inside = false;
      for (const auto& o : hs)
        if ((o.s <= h.s && h.e <= o.e) && (o.e - o.s > h.e - h.s)) inside = true;
      if (!inside) expect[static_cast<std::size_t>(h.cue)]++;
    }
    auto r = run(m, {t});
    INFO("text: " << t);
    for (int c = 0; c < n_cues; ++c) {
      CHECK(r.counts(0, c) == expect[static_cast<std::size_t>(c)]);
      grand_total += expect[static_cast<std::size_t>(c)];
    }
  }
  CHECK(grand_total > 100);  // the texts hit
}
