#include "servscore/encounters.hpp"

#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

std::vector<Indicator> default_encounter_indicators() {
  std::vector<Indicator> v;
  for (const char* n : {"timeliness", "flow", "flexibility", "anticipation", "communication", "feedback", "supervision"})
    v.push_back({n, ServiceSide::procedural, 1.0});
  for (const char* n : {"appearance", "body_language", "tone_of_voice", "tact", "naming_names", "attentiveness", "guidance",
                        "suggestive_selling", "problem_solving"})
    v.push_back({n, ServiceSide::personal, 1.0});
  return v;
}

void EncounterConfig::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " + detail::format_number(scale_min) +
                       " and " + detail::format_number(scale_max));
  for (auto [key, v] : {std::pair{"procedural_threshold", procedural_threshold}, {"personal_threshold", personal_threshold}})
    if (!(v >= 0.0 && v <= 100.0)) throw config_error(std::string(key) + ": " + detail::format_number(v) + " is out of range; expected [0, 100]");
  if (!(min_coverage > 0.0 && min_coverage <= 1.0))
    throw config_error("min_coverage: " + detail::format_number(min_coverage) + " is out of range; expected (0, 1]");
  if (indicators.empty()) throw config_error("indicators: expected at least one indicator per side, got none");
  bool has[2] = {false, false};
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    const auto& ind = indicators[i];
    std::string where = "indicators[" + std::to_string(i) + "]";
    if (ind.name.empty()) throw config_error(where + ".name: expected a non-empty name");
    if (!(std::isfinite(ind.weight) && ind.weight > 0.0))
      throw config_error(where + ".weight: " + detail::format_number(ind.weight) + " for '" + ind.name + "'; expected a finite number > 0");
    for (std::size_t j = 0; j < i; ++j)
      if (indicators[j].name == ind.name) throw config_error(where + ".name: duplicate indicator '" + ind.name + "'");
    has[static_cast<int>(ind.side)] = true;
  }
  if (!has[0] || !has[1])
    throw config_error(std::string("indicators: no ") + (has[0] ? "personal" : "procedural") +
                       " indicator; each side needs at least one");
}

int EncounterConfig::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < indicators.size(); ++i)
    if (indicators[i].name == name) return static_cast<int>(i);
  return -1;
}

bool EncounterConfig::operator==(const EncounterConfig& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && indicators == o.indicators &&
         procedural_threshold == o.procedural_threshold && personal_threshold == o.personal_threshold &&
         min_coverage == o.min_coverage;
}

void tag_invoke(json::value_from_tag, json::value& jv, const Indicator& ind) {
  jv = {{"name", ind.name}, {"side", to_string(ind.side)}, {"weight", ind.weight}};
}

void tag_invoke(json::value_from_tag, json::value& jv, const EncounterConfig& c) {
  json::array inds;
  for (const auto& ind : c.indicators) inds.push_back(json::value_from(ind));
  jv = {{"scale_min", c.scale_min},
        {"scale_max", c.scale_max},
        {"indicators", std::move(inds)},
        {"procedural_threshold", c.procedural_threshold},
        {"personal_threshold", c.personal_threshold},
        {"min_coverage", c.min_coverage}};
}

EncounterConfig tag_invoke(json::value_to_tag<EncounterConfig>, const json::value& jv) {
  EncounterConfig c;
  detail::ObjectReader r(jv, "config");
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  r.number("procedural_threshold", c.procedural_threshold, 0, 100);
  r.number("personal_threshold", c.personal_threshold, 0, 100);
  r.number("min_coverage", c.min_coverage, 0, 1);
  if (const json::value* v = r.raw("indicators")) {
    if (!v->is_array()) throw config_error("config.indicators: expected a list of indicators, got " + std::string(detail::json_kind(*v)));
    c.indicators.clear();
    std::size_t i = 0;
    for (const auto& item : v->get_array()) {
      std::string path = "config.indicators[" + std::to_string(i++) + "]";
      Indicator ind;
      detail::ObjectReader ir(item, path);
      ir.string("name", ind.name);
      if (!ir.has("name")) throw config_error(path + ".name: required");
      ir.enumeration("side", ind.side);
      if (!ir.has("side")) throw config_error(path + ".side: required ('procedural' or 'personal')");
      ir.number("weight", ind.weight);
      ir.finish();
      c.indicators.push_back(std::move(ind));
    }
  }
  r.finish();
  c.validate();
  return c;
}

EncounterConfig encounter_config_from_json(std::string_view text) {
  return json::value_to<EncounterConfig>(detail::parse_json(text, "encounter config"));
}

std::string to_json(const EncounterConfig& config) { return detail::dump_json(json::value_from(config)); }

EncounterScores score_encounters(RecordsRef ratings, const EncounterConfig& config, int workers) {
  config.validate();
  const Eigen::Index n = ratings.rows(), k = ratings.cols();
  const auto& inds = config.indicators;
  if (k != static_cast<Eigen::Index>(inds.size()))
    throw input_error("ratings: expected " + std::to_string(inds.size()) + " columns (one per indicator), got " +
                      std::to_string(k));
  const double lo = config.scale_min, hi = config.scale_max, to100 = 100.0 / (hi - lo);
  std::vector<int> side(inds.size());
  std::vector<double> w(inds.size());
  double side_total[2] = {0.0, 0.0};
  for (std::size_t j = 0; j < inds.size(); ++j) {
    side[j] = static_cast<int>(inds[j].side);
    w[j] = inds[j].weight;
    side_total[side[j]] += w[j];
  }
  const double tp = config.procedural_threshold, tq = config.personal_threshold, cov = config.min_coverage;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  EncounterScores out;
  out.procedural.resize(n);
  out.personal.resize(n);
  out.quality_distance.resize(n);
  out.quality_gap.resize(n);
  out.quadrant.resize(n);
  out.weakest_procedural.resize(n);
  out.weakest_personal.resize(n);
  out.n_missing.resize(n);

  detail::parallel_for(n, workers, 1 << 14, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double* row = ratings.data() + i * ratings.outerStride();
      double sum[2] = {0, 0}, wsum[2] = {0, 0}, low[2] = {HUGE_VAL, HUGE_VAL}, loww[2] = {0, 0};
      int weakest[2] = {-1, -1}, missing = 0;
      for (Eigen::Index j = 0; j < k; ++j) {
        const double r = row[j];
        if (std::isnan(r)) {
          ++missing;
          continue;
        }
        if (!(r >= lo && r <= hi))
          throw input_error("row " + std::to_string(i) + ", column '" + inds[static_cast<std::size_t>(j)].name +
                            "': rating " + detail::format_number(r) + " is outside the scale [" + detail::format_number(lo) + ", " + detail::format_number(hi) + "]");
        const int s = side[static_cast<std::size_t>(j)];
        const double wj = w[static_cast<std::size_t>(j)];
        sum[s] += wj * r;
        wsum[s] += wj;
        if (r < low[s] || (r == low[s] && wj > loww[s])) {
          low[s] = r;
          loww[s] = wj;
          weakest[s] = static_cast<int>(j);
        }
      }
      double score[2];
      for (int s = 0; s < 2; ++s)
        score[s] = (wsum[s] > 0 && wsum[s] >= cov * side_total[s] * (1 - 1e-12)) ? (sum[s] / wsum[s] - lo) * to100 : nan;
      const double p = score[0], q = score[1];
      out.procedural[i] = p;
      out.personal[i] = q;
      out.weakest_procedural[i] = weakest[0];
      out.weakest_personal[i] = weakest[1];
      out.n_missing[i] = missing;
      if (std::isnan(p) || std::isnan(q)) {
        out.quadrant[i] = static_cast<std::int8_t>(Quadrant::unknown);
        out.quality_distance[i] = nan;
        out.quality_gap[i] = nan;
        continue;
      }
      const bool ph = p >= tp, qh = q >= tq;
      const Quadrant quad = ph ? (qh ? Quadrant::quality : Quadrant::factory) : (qh ? Quadrant::friendly : Quadrant::freezer);
      out.quadrant[i] = static_cast<std::int8_t>(quad);
      out.quality_distance[i] = std::hypot(100.0 - p, 100.0 - q);
      out.quality_gap[i] = std::hypot(ph ? 0.0 : tp - p, qh ? 0.0 : tq - q);
    }
  });
  return out;
}

Eigen::MatrixXd EncounterSummary::mean_scores() const {
  Eigen::MatrixXd m(sum_scores.rows(), 2);
  for (Eigen::Index g = 0; g < m.rows(); ++g)
    for (int s = 0; s < 2; ++s)
      m(g, s) = n_scored(g, s) > 0 ? sum_scores(g, s) / static_cast<double>(n_scored(g, s))
                                   : std::numeric_limits<double>::quiet_NaN();
  return m;
}

EncounterSummary& EncounterSummary::merge(const EncounterSummary& o) {
  if (o.counts.rows() != counts.rows() || o.pullers.cols() != pullers.cols())
    throw input_error("merge: summaries differ in shape (" + std::to_string(counts.rows()) + " groups x " +
                      std::to_string(pullers.cols()) + " indicators vs " + std::to_string(o.counts.rows()) + " x " +
                      std::to_string(o.pullers.cols()) + ")");
  counts += o.counts;
  sum_scores += o.sum_scores;
  n_scored += o.n_scored;
  pullers += o.pullers;
  for (std::size_t g = 0; g < n_outside_quality.size(); ++g) n_outside_quality[g] += o.n_outside_quality[g];
  return *this;
}

EncounterSummary summarize_encounters(const EncounterScores& sc, const EncounterConfig& config,
                                      Eigen::Ref<const VectorXi32> groups, int n_groups, RecordsRef ratings) {
  const Eigen::Index n = sc.size();
  const Eigen::Index k = static_cast<Eigen::Index>(config.indicators.size());
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per encounter (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (sc.personal.size() != n || sc.quadrant.size() != n || sc.weakest_procedural.size() != n ||
      sc.weakest_personal.size() != n)
    throw input_error("scores: the score vectors differ in length");
  const bool have_ratings = ratings.rows() > 0;
  if (have_ratings && (ratings.rows() != n || ratings.cols() != k))
    throw input_error("ratings: expected " + std::to_string(n) + " x " + std::to_string(k) + ", got " +
                      std::to_string(ratings.rows()) + " x " + std::to_string(ratings.cols()));
  std::vector<int> side(static_cast<std::size_t>(k));
  for (Eigen::Index j = 0; j < k; ++j) side[static_cast<std::size_t>(j)] = static_cast<int>(config.indicators[static_cast<std::size_t>(j)].side);
  EncounterSummary s;
  s.counts.setZero(n_groups, 5);
  s.sum_scores.setZero(n_groups, 2);
  s.n_scored.setZero(n_groups, 2);
  s.pullers.setZero(n_groups, k);
  s.n_outside_quality.assign(static_cast<std::size_t>(n_groups), 0);
  const double tp = config.procedural_threshold, tq = config.personal_threshold;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("groups: row " + std::to_string(i) + " has group code " + std::to_string(g) + "; expected [0, " +
                        std::to_string(n_groups) + ")");
    const int q = sc.quadrant[i];
    if (q < 0 || q > 4) throw input_error("quadrant: row " + std::to_string(i) + " has invalid code " + std::to_string(q));
    ++s.counts(g, q);
    const double p = sc.procedural[i], r = sc.personal[i];
    if (!std::isnan(p)) s.sum_scores(g, 0) += p, ++s.n_scored(g, 0);
    if (!std::isnan(r)) s.sum_scores(g, 1) += r, ++s.n_scored(g, 1);
    if (q == static_cast<int>(Quadrant::quality) || q == static_cast<int>(Quadrant::unknown)) continue;
    ++s.n_outside_quality[static_cast<std::size_t>(g)];
    const bool low[2] = {p < tp, r < tq};
    if (have_ratings) {
      for (int sd = 0; sd < 2; ++sd) {
        if (!low[sd]) continue;
        double lowest = HUGE_VAL;
        int ties = 0;
        for (Eigen::Index j = 0; j < k; ++j) {
          const double x = ratings(i, j);
          if (side[static_cast<std::size_t>(j)] != sd || std::isnan(x)) continue;
          if (x < lowest) lowest = x, ties = 1;
          else if (x == lowest) ++ties;
        }
        for (Eigen::Index j = 0; ties > 0 && j < k; ++j)
          if (side[static_cast<std::size_t>(j)] == sd && ratings(i, j) == lowest) s.pullers(g, j) += 1.0 / ties;
      }
    } else {
      const int wp = sc.weakest_procedural[i], wq = sc.weakest_personal[i];
      if (low[0] && wp >= 0 && wp < k) s.pullers(g, wp) += 1.0;
      if (low[1] && wq >= 0 && wq < k) s.pullers(g, wq) += 1.0;
    }
  }
  return s;
}

}  // namespace servscore
