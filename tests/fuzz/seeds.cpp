// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/) from the library's
// defaults, small hand-made states and the package's data files. Built with the fuzz targets:
//   build/fuzz/tests/fuzz/fuzz_seeds <source dir> tests/fuzz/corpus
// The seeds are committed; regenerate them only when a format changes.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "servscore/agreement.hpp"
#include "servscore/drivers.hpp"
#include "servscore/economics.hpp"
#include "servscore/encounters.hpp"
#include "servscore/interactions.hpp"
#include "servscore/kano.hpp"
#include "servscore/lifecycle.hpp"
#include "servscore/loyalty.hpp"
#include "servscore/moments.hpp"
#include "servscore/needs.hpp"
#include "servscore/nps.hpp"
#include "servscore/pls.hpp"
#include "servscore/reliability.hpp"
#include "servscore/servqual.hpp"
#include "servscore/standards.hpp"
#include "servscore/styles.hpp"
#include "servscore/text.hpp"
#include "servscore/text_model.hpp"

namespace fs = std::filesystem;
using namespace servscore;

static fs::path out;
static fs::path src;

static void put(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(out / target);
  std::ofstream f(out / target / name, std::ios::binary);
  f << bytes;
}
static std::string file(const std::string& rel) {
  std::ifstream in(src / rel, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + rel);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
static std::string sel(int k, const std::string& s) {
  return std::string(1, static_cast<char>(k)) + s;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_seeds <source dir> <corpus dir>\n";
    return 2;
  }
  src = argv[1];
  out = argv[2];

  // config_json: the selector byte of fuzz_config_json.cpp, then the text.
  const std::string c = "config_json";
  put(c, "encounter", sel(0, to_json(EncounterConfig{})));
  put(c, "encounter_indicators",
      sel(0, R"({"indicators":[{"name":"wait","side":"negative","weight":0.25},{"name":"smile","weight":1.5e-3}]})"));
  put(c, "nps", sel(1, to_json(NpsConfig{})));
  put(c, "box", sel(2, to_json(BoxConfig{})));
  put(c, "kano", sel(3, to_json(KanoConfig{})));
  put(c, "kano_table", sel(4, to_json(kano_table("cqm"))));
  put(c, "driver", sel(5, to_json(DriverConfig{})));
  put(c, "penalty_reward", sel(6, to_json(PenaltyRewardConfig{})));
  put(c, "ipa", sel(7, to_json(IpaConfig{})));
  put(c, "complaint", sel(8, to_json(ComplaintConfig{})));
  put(c, "clv", sel(9, to_json(ClvConfig{})));
  put(c, "lifecycle", sel(10, to_json(LifecycleConfig{})));
  put(c, "loyalty", sel(11, to_json(LoyaltyConfig{})));
  put(c, "servqual", sel(12, to_json(ServqualConfig{})));
  put(c, "servqual_1988", sel(12, file("python/servscore/data/servqual/form1988.json")));
  put(c, "pls_config", sel(13, to_json(PlsConfig{})));
  put(c, "pls_model",
      sel(14, R"({"blocks":[{"name":"Q","indicators":["q1","q2"],"mode":"A"},)"
              R"({"name":"S","indicators":["s1","s2","s3"],"mode":"B"}],"paths":[{"from":"Q","to":"S"}]})"));
  put(c, "style_instrument", sel(15, file("python/servscore/data/text/style_instrument.json")));
  put(c, "time", sel(16, file("python/servscore/data/needs/time_targets.json")));
  put(c, "moments", sel(17, file("python/servscore/data/needs/moments.json")));
  put(c, "text_classifier", sel(18, to_json(TextClassifierConfig{})));
  put(c, "need_rules", sel(19, file("python/servscore/data/needs/rules.json")));
  put(c, "standards", sel(20, file("python/servscore/data/needs/standards.json")));

  // json_parse: JSON text, including numbers that need correct rounding.
  const std::string j = "json_parse";
  put(j, "object", R"({"a":[1,-2,3.5,true,false,null],"b":{"c":"d\u00e9\n","e":{}},"f":[]})");
  put(j, "numbers",
      "[0.1,2.2250738585072011e-308,1.7976931348623157e308,5e-324,-0,18446744073709551615,"
      "9223372036854775808,-9223372036854775808,1e23,8.41e21,0.30000000000000004]");
  put(j, "nested", R"([[[{"x":[{"y":[[1]]}]}]]])");
  put(j, "strings", R"(["\ud83d\ude00","\"\\\/\b\f\n\r\t","中文"])");

  // state_bytes: the selector byte of fuzz_state_bytes.cpp, then a to_bytes image.
  const std::string s = "state_bytes";
  RowMatrixXd x(4, 3);
  x << 1, 2, 3, 4, 5, 6, 2, std::nan(""), 1, 7, 7, 7;
  Moments m(3);
  m.update(x);
  put(s, "moments_listwise", sel(0, m.to_bytes()));
  Moments mp(3, MissingPolicy::pairwise, {"a", "b", "c"});
  Eigen::VectorXd w(4);
  w << 1, 0.5, 2, 1;
  mp.update(x, w);
  put(s, "moments_pairwise_weighted", sel(0, mp.to_bytes()));
  VectorXi8 answers(6);
  answers << 0, 9, 10, 7, 10, 3;
  VectorXi32 groups(6);
  groups << 0, 1, 1, 0, 0, 1;
  put(s, "counts", sel(1, count_responses(answers, 0, 10, groups, 2).to_bytes()));
  Eigen::VectorXd aw(6);
  aw << 1, 2, 0.5, 1, 1, 3;
  put(s, "counts_weighted", sel(1, count_responses(answers, 0, 10, groups, 2, aw).to_bytes()));
  KanoAccumulator k(2, 2, 5);
  RowMatrixXi8 f(3, 2), d(3, 2);
  f << 1, 2, 5, 0, 3, 3;
  d << 5, 4, 1, 2, 3, 0;
  VectorXi32 kg(3);
  kg << 0, 1, 1;
  k.update(f, d, kg);
  put(s, "kano", sel(2, k.to_bytes()));
  const ServqualConfig sq;
  const int items = static_cast<int>(sq.items.size());
  RowMatrixXd e(3, items), p(3, items);
  for (int i = 0; i < 3; ++i)
    for (int t = 0; t < items; ++t) {
      e(i, t) = 1 + (i * 5 + t * 3) % 7;
      p(i, t) = 1 + (i * 2 + t) % 7;
    }
  ServqualAccumulator sa(sq);
  sa.update(e, p);
  put(s, "servqual", sel(3, sa.to_bytes()));
  ZotAccumulator za(sq);
  RowMatrixXd a = e, dz = e.array() + 1, pz = p;
  za.update(a, dz, pz);
  put(s, "zot", sel(4, za.to_bytes()));
  AlphaAccumulator al(3);
  al.update(x);
  put(s, "alpha", sel(5, al.to_bytes()));
  NeedsState ns(need_rules_from_json(R"({"rules": [{"id": "long_wait", "when": {"field": "wait", "op": ">=",
    "value": 10}, "needs": ["timely_service"], "actions": ["thank them"]}, {"id": "cue", "when": {"present": "cue_x"},
    "needs": ["help"]}]})"),
                {"branch"});
  GroupKeys nk({"branch"});
  nk.insert(GroupKey{KeyValue{std::string("north")}});
  nk.insert(GroupKey{KeyValue{std::string("south")}});
  RowMatrixXd nx(3, 1);
  nx << 12, std::nan(""), 3;
  VectorXi32 ng(3);
  ng << 0, 1, 1;
  ns.update(nx, {"wait"}, ng, nk);
  put(s, "needs", sel(6, ns.to_bytes()));
  LoyaltyState ls(LoyaltyConfig{}, {"branch"});
  Eigen::VectorXd lsat(3), lloy(3), lnps(3);
  lsat << 5, 2, std::nan("");
  lloy << 5, 1, 3;
  lnps << 10, 3, 8;
  ls.update(lsat, lloy, lnps, Eigen::VectorXd(), ng, nk);
  put(s, "loyalty", sel(7, ls.to_bytes()));
  LifecycleConfig lc;
  lc.touchpoints = {{"info", LifecycleStage::warm_handshake, 1.0},
                    {"repair", LifecycleStage::caring, 2.0},
                    {"visit", LifecycleStage::caring, 1.0}};
  LifecycleState lst(lc, {"branch"});
  RowMatrixXd lr(3, 3);
  lr << 5, 1, 2, 3, std::nan(""), 4, std::nan(""), 5, 5;
  lst.update(lr, ng, nk);
  put(s, "lifecycle", sel(17, lst.to_bytes()));
  MomentsState ms(MomentsConfig{}, {"branch"});
  VectorXi32 mv(3), mm(3);
  mv << 0, 0, 1;
  mm << 0, 1, 0;
  Eigen::VectorXd mo(3), msc(3);
  mo << 1, 2, 1;
  msc << 5, 2, std::nan("");
  ms.update(mv, mo, mm, msc, 2, {"park", "pay"}, ng, nk);
  put(s, "moments_of_truth", sel(8, ms.to_bytes()));
  EncounterConfig ec;
  ec.indicators = {{"a", ServiceSide::procedural, 3.0},
                   {"b", ServiceSide::procedural, 1.0},
                   {"c", ServiceSide::personal, 1.0},
                   {"d", ServiceSide::personal, 1.0}};
  RowMatrixXd er(5, 4);
  er << 5, 5, 5, 5, 1, 1, 5, 5, 5, 5, 2, 1, 1, 2, 1, 1, std::nan(""), std::nan(""), 5, 5;
  const EncounterScores es = score_encounters(er, ec);
  std::vector<RatingColumn> ecols;
  for (Eigen::Index j = 0; j < er.cols(); ++j) ecols.push_back({er.data() + j, er.cols(), RatingColumn::Type::f64});
  VectorXi32 eg(5);
  eg << 0, 1, 1, 0, 1;
  EncounterSummaryState esu(ec, {"branch"}), esw(ec, {"branch"});
  esu.update(EncounterScoresView::of(es), eg, nk, Eigen::VectorXd(), ecols);
  put(s, "encounter_summary", sel(9, esu.to_bytes()));
  Eigen::VectorXd ew(5);
  ew << 1, 0.5, 2, 1, 3;
  esw.update(EncounterScoresView::of(es), eg, nk, ew, ecols);
  put(s, "encounter_summary_weighted", sel(9, esw.to_bytes()));
  ComplianceState cs(standards_from_json(R"({"standards": [
    {"id": "greet", "met": {"field": "greet_seconds", "op": "<=", "value": 3}},
    {"id": "thanks", "met": {"field": "thanked", "op": "==", "value": 1}}]})"),
                     {"branch"});
  RowMatrixXi8 cc(5, 2);
  cc << 1, 0, 0, 1, -2, -1, 1, 1, 1, -2;
  cs.update(cc, eg, nk);
  put(s, "compliance", sel(10, cs.to_bytes()));
  const TimeConfig tcfg = time_config_from_json(R"({"targets": [{"element": "waiting", "column": "w", "target": 5},
    {"element": "service", "column": "s", "target": 10}]})");
  RowMatrixXd tx(5, 2);
  tx << 1, 12, 4, std::nan(""), std::nan(""), 3, 5, 0, 10, 8;
  TimeState texact(tcfg, {"branch"}), tsketch(tcfg, {"branch"}, 1, 0.01);
  texact.update(tx, eg, nk);
  tsketch.update(tx, eg, nk);
  put(s, "time_exact", sel(11, texact.to_bytes()));
  put(s, "time_sketch", sel(11, tsketch.to_bytes()));
  // agreement (3 subjects or units x 3 raters; -1 missing) and the grouped NPS counts
  IccState icc_state = IccState::zeros(3);
  RowMatrixXd ir(4, 3);
  ir << 4, 5, 4, 2, 2, 3, 5, std::nan(""), 4, 1, 2, 2;
  icc_state.update(ir);
  put(s, "icc", sel(12, icc_state.to_bytes()));
  const std::vector<std::string> labels{"low", "mid", "high"};
  const std::vector<std::int32_t> r1{0, 1, 2, 2, -1}, r2{0, 2, 2, 1, 1};
  KappaState kappa;
  kappa.update(labels, r1.data(), r2.data(), 5);
  put(s, "kappa", sel(13, kappa.to_bytes()));
  const std::vector<std::int32_t> codes{0, 0, 1, 2, 2, 2, 1, -1, 1, 0, 1, 1};
  FleissState fleiss;
  fleiss.update(labels, codes.data(), 4, 3);
  put(s, "fleiss", sel(14, fleiss.to_bytes()));
  KrippendorffState kripp;
  kripp.update(labels, codes.data(), 4, 3);
  put(s, "krippendorff", sel(15, kripp.to_bytes()));
  GroupKeys rk({"branch"});
  rk.insert(GroupKey{KeyValue{std::string("north")}});
  rk.insert(GroupKey{KeyValue{std::string("south")}});
  put(s, "grouped_responses", sel(16, GroupedResponses::of(rk, count_responses(answers, 0, 10, groups, 2)).to_bytes()));
  put(s, "grouped_responses_weighted",
      sel(16, GroupedResponses::of(rk, count_responses(answers, 0, 10, groups, 2, aw)).to_bytes()));

  // interaction rates: 3 interactions (one without a text) over 2 branches, cues "sorry", "slow"
  InteractionRatesConfig irc;
  irc.cues = {"sorry", "slow"};
  InteractionRatesState irs(irc, {"branch"});
  VectorXi8 ipresent(3);
  ipresent << 1, 0, 1;
  RowMatrixXi8 irisk = RowMatrixXi8::Zero(3, kLostSaleReasons);
  irisk(0, 2) = 1;
  irisk(2, 12) = 1;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> icues(3, 2);
  icues << 2, 0, 0, 0, 1, 3;
  irs.update(ipresent, irisk, icues, ng, nk);
  put(s, "interaction_rates", sel(18, irs.to_bytes()));

  // lexicon: the package lexicon, one made by hand (with a text after a NUL byte), the defaults.
  const std::string l = "lexicon";
  put(l, "package", file("python/servscore/data/text/lexicon.json"));
  put(l, "small",
      std::string(R"({"cues":[{"name":"rude","phrases":[{"lang":"en","phrases":["rude","impolite"]}]}],)"
                  R"("negators":[{"lang":"en","phrases":["not","never"]}]})") +
          std::string(1, '\0') + "The agent was not rude, but the clerk was impolite.");
  put(l, "default", to_json(Lexicon{}));

  // text_model: small models trained here (256 buckets, 2 epochs), with and without dense features.
  const std::string t = "text_model";
  const std::vector<std::string> texts{"never called back", "very friendly staff", "rude and slow",
                                       "quick and helpful", "waited an hour",      "thank you so much"};
  std::vector<TextRef> refs;
  for (const auto& tx : texts) refs.push_back({tx.data(), tx.size()});
  TextClassifier::LabelMatrix y(6, 2);
  y << 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1;
  TextClassifierConfig tc;
  tc.buckets = 256;
  tc.epochs = 2;
  tc.calibration_folds = 0;
  TextClassifier plain(tc);
  plain.fit(refs, y, {"complaint", "praise"}, TextClassifier::Matrix(6, 0));
  put(t, "plain", plain.to_bytes());
  tc.calibration_folds = 2;
  TextClassifier dense(tc);
  TextClassifier::Matrix dx(6, 1);
  dx << 1, 0, 1, 0, 1, 0;
  dense.fit(refs, y, {"complaint", "praise"}, dx, 1, {}, {"stars"});
  put(t, "dense_calibrated", dense.to_bytes());
  tc.word_ngrams = 1;
  tc.char_min = 0;
  tc.calibration_folds = 0;
  TextClassifier words(tc);
  words.fit(refs, y.leftCols(1), {"complaint"}, TextClassifier::Matrix(6, 0));
  put(t, "words_one_label", words.to_bytes());
  std::cout << "seeds written to " << out << "\n";
  return 0;
}
