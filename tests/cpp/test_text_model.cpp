#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "servscore/errors.hpp"
#include "servscore/text_model.hpp"

using namespace servscore;

namespace {

struct Data {
  std::vector<std::string> store;
  std::vector<TextRef> refs;
  TextClassifier::LabelMatrix y;
};

// Two labels: "rude" (rude / 冷淡 words) and "slow" (wait / 等 words), written by hand.
Data easy() {
  const std::vector<std::pair<std::string, std::pair<int, int>>> rows = {
      {"the agent was rude to me", {1, 0}},
      {"rude staff, no manners", {1, 0}},
      {"so rude and cold", {1, 0}},
      {"服务员很冷淡，没礼貌", {1, 0}},
      {"店员态度冷淡", {1, 0}},
      {"we waited an hour", {0, 1}},
      {"a long wait for the bill", {0, 1}},
      {"排队等了很久", {0, 1}},
      {"等了两个小时", {0, 1}},
      {"rude and we waited", {1, 1}},
      {"nice shop", {0, 0}},
      {"买了一件外套", {0, 0}},
  };
  Data d;
  for (int rep = 0; rep < 3; ++rep)
    for (const auto& r : rows) d.store.push_back(r.first);
  for (const auto& s : d.store) d.refs.push_back({s.data(), s.size()});
  d.y.resize(static_cast<std::int64_t>(d.store.size()), 2);
  for (std::size_t i = 0; i < d.store.size(); ++i) {
    const auto& r = rows[i % rows.size()].second;
    d.y(static_cast<std::int64_t>(i), 0) = static_cast<std::uint8_t>(r.first);
    d.y(static_cast<std::int64_t>(i), 1) = static_cast<std::uint8_t>(r.second);
  }
  return d;
}

TextClassifier::Matrix none() {
  return TextClassifier::Matrix(0, 0);
}

}  // namespace

TEST_CASE("text model: FNV-1a test vectors and features", "[text_model]") {
  CHECK(fnv1a32("") == 0x811C9DC5u);
  CHECK(fnv1a32("a") == 0xE40C292Cu);
  CHECK(fnv1a32("foobar") == 0xBF9CF968u);
  TextClassifierConfig c;
  c.char_max = 2;
  CHECK(text_model_feature_strings("Ab 你好", c) ==
        std::vector<std::string>{"wab", "c<a", "cab", "cb>", "h你", "h好", "h你好"});
  CHECK(text_model_tokens("ＡＢＣ　x，y") == std::vector<std::string>{"abc", "x", "y"});
  CHECK(text_model_tokens("bad\xff"
                          "byte") == std::vector<std::string>{"bad", "byte"});
}

TEST_CASE("text model: learns, is identical for any workers, differs by seed", "[text_model]") {
  Data d = easy();
  TextClassifierConfig c;
  c.epochs = 15;
  TextClassifier a(c), b(c);
  a.fit(d.refs, d.y, {"rude", "slow"}, none(), 1);
  b.fit(d.refs, d.y, {"rude", "slow"}, none(), 2);
  CHECK(a.to_bytes() == b.to_bytes());
  c.seed = 43;
  TextClassifier e(c);
  e.fit(d.refs, d.y, {"rude", "slow"}, none(), 1);
  CHECK(e.to_bytes() != a.to_bytes());

  std::vector<std::string> probe = {"rude man", "等了很久", "nice"};
  std::vector<TextRef> pr;
  for (const auto& s : probe) pr.push_back({s.data(), s.size()});
  auto y = a.predict(pr, none());
  CHECK(y(0, 0) == 1);
  CHECK(y(0, 1) == 0);
  CHECK(y(1, 0) == 0);
  CHECK(y(1, 1) == 1);
  CHECK(y(2, 0) == 0);
  CHECK(y(2, 1) == 0);
}

TEST_CASE("text model: byte round trip and hostile bytes", "[text_model]") {
  Data d = easy();
  TextClassifier a;
  a.fit(d.refs, d.y, {"rude", "slow"}, none(), 1);
  const std::string bytes = a.to_bytes();
  TextClassifier b = TextClassifier::from_bytes(bytes);
  CHECK(b.predict_proba(d.refs, none()) == a.predict_proba(d.refs, none()));
  CHECK(b.labels() == a.labels());
  CHECK_THROWS_AS(TextClassifier::from_bytes(""), input_error);
  CHECK_THROWS_AS(TextClassifier::from_bytes(bytes.substr(0, bytes.size() - 1)), input_error);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 97)
    CHECK_THROWS_AS(TextClassifier::from_bytes(bytes.substr(0, cut)), input_error);
  std::string flipped = bytes;
  flipped[40] = static_cast<char>(flipped[40] ^ 1);
  CHECK_THROWS_AS(TextClassifier::from_bytes(flipped), input_error);
  CHECK_THROWS_AS(TextClassifier::from_bytes(std::string(1000, 'S')), input_error);
}

TEST_CASE("text model: input and config errors", "[text_model]") {
  Data d = easy();
  TextClassifier a;
  CHECK_THROWS_AS(a.predict(d.refs, none()), input_error);
  TextClassifier::LabelMatrix bad(3, 2);
  bad.setZero();
  CHECK_THROWS_AS(a.fit(d.refs, bad, {"x", "y"}, none()), input_error);
  CHECK_THROWS_AS(a.fit(d.refs, d.y, {"x", "x"}, none()), input_error);
  TextClassifierConfig c;
  c.calibration_folds = 1;
  CHECK_THROWS_AS(c.validate(), config_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"epochs": 0})"), config_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"nope": 1})"), config_error);
  CHECK(text_classifier_config_from_json(to_json(c = TextClassifierConfig{})) == c);
}

TEST_CASE("text model: L-BFGS with tf-idf learns, is identical for any workers, round-trips", "[text_model]") {
  Data d = easy();
  TextClassifierConfig c;
  c.solver = "lbfgs";
  c.weighting = "tfidf";
  c.l2 = 1e-3;
  TextClassifier a(c), b(c);
  a.fit(d.refs, d.y, {"rude", "slow"}, none(), 1);
  b.fit(d.refs, d.y, {"rude", "slow"}, none(), 2);
  CHECK(a.to_bytes() == b.to_bytes());
  REQUIRE(a.idf().size() == a.used_buckets().size());
  // "nice shop" and "买了一件外套" occur in 3 of the 36 texts: their words get idf ln(37 / 4) + 1
  const float want = static_cast<float>(std::log(37.0 / 4.0) + 1.0);
  CHECK(std::count(a.idf().begin(), a.idf().end(), want) > 0);
  for (float v : a.idf()) CHECK((v >= 1.0f && v <= static_cast<float>(std::log(37.0 / 4.0) + 1.0) + 1e-6f));
  std::vector<std::string> probe = {"rude man", "等了很久", "nice"};
  std::vector<TextRef> pr;
  for (const auto& s : probe) pr.push_back({s.data(), s.size()});
  auto y = a.predict(pr, none());
  CHECK(y(0, 0) == 1);
  CHECK(y(0, 1) == 0);
  CHECK(y(1, 0) == 0);
  CHECK(y(1, 1) == 1);
  CHECK(y(2, 0) == 0);
  CHECK(y(2, 1) == 0);
  // the seed moves only the calibration folds: the full-data weights are the same minimum
  c.seed = 43;
  TextClassifier e(c);
  e.fit(d.refs, d.y, {"rude", "slow"}, none(), 1);
  CHECK(e.weights() == a.weights());
  const std::string bytes = a.to_bytes();
  CHECK(bytes[8] == 3);  // format version 3: the idf block
  TextClassifier r = TextClassifier::from_bytes(bytes);
  CHECK(r.predict_proba(pr, none()) == a.predict_proba(pr, none()));
  CHECK(r.idf() == a.idf());
  for (std::size_t cut = 8; cut < bytes.size(); cut += 61)
    CHECK_THROWS_AS(TextClassifier::from_bytes(bytes.substr(0, cut)), input_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"solver": "sgd"})"), config_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"weighting": 1})"), config_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"dense_scale": 0})"), config_error);
  CHECK_THROWS_AS(text_classifier_config_from_json(R"({"max_iter": 0})"), config_error);
}
