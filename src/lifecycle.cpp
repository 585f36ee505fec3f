#include "servscore/lifecycle.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/detail/memory.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}

std::vector<Touchpoint> default_touchpoints() {
  using S = LifecycleStage;
  return {{"project_information", S::warm_handshake, 1.0},
          {"sales_reception", S::warm_handshake, 1.0},
          {"product_fit", S::tying_the_knot, 1.0},
          {"contract_signing", S::tying_the_knot, 1.0},
          {"construction_updates", S::close_contact, 1.0},
          {"owner_events", S::close_contact, 1.0},
          {"handover_inspection", S::moving_in, 1.0},
          {"decoration_help", S::moving_in, 1.0},
          {"follow_up_visits", S::caring, 1.0},
          {"community_services", S::caring, 1.0},
          {"repair_response", S::taking_responsibility, 1.0},
          {"quality_ownership", S::taking_responsibility, 1.0},
          {"purchase_advice", S::all_the_way_together, 1.0},
          {"four_year_checkup", S::four_year_appointment, 1.0}};
}

void LifecycleConfig::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  if (touchpoints.empty()) throw config_error("touchpoints: expected at least one touchpoint, got none");
  for (std::size_t i = 0; i < touchpoints.size(); ++i) {
    const auto& t = touchpoints[i];
    std::string where = "touchpoints[" + std::to_string(i) + "]";
    if (t.name.empty()) throw config_error(where + ".name: expected a non-empty name");
    if (!(std::isfinite(t.importance) && t.importance > 0.0))
      throw config_error(where + ".importance: " + detail::format_number(t.importance) + " for '" + t.name +
                         "'; expected a finite number > 0");
    for (std::size_t j = 0; j < i; ++j)
      if (touchpoints[j].name == t.name) throw config_error(where + ".name: duplicate touchpoint '" + t.name + "'");
  }
  for (int s = 0; s < kLifecycleStages; ++s)
    if (!(std::isfinite(stage_weights[static_cast<std::size_t>(s)]) && stage_weights[static_cast<std::size_t>(s)] > 0))
      throw config_error(std::string("stage_weights.") + to_string(static_cast<LifecycleStage>(s)) + ": " +
                         detail::format_number(stage_weights[static_cast<std::size_t>(s)]) +
                         "; expected a finite number > 0");
  if (!(min_coverage > 0.0 && min_coverage <= 1.0))
    throw config_error("min_coverage: " + detail::format_number(min_coverage) + " is out of range; expected (0, 1]");
  if (!(std::isfinite(margin) && margin >= 0.0 && margin <= 100.0))
    throw config_error("margin: " + detail::format_number(margin) + " is out of range; expected [0, 100]");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw config_error("confidence: " + detail::format_number(confidence) + " is out of range; expected (0, 1)");
  if (min_n < 1) throw config_error("min_n: " + std::to_string(min_n) + " is out of range; expected >= 1");
}

int LifecycleConfig::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < touchpoints.size(); ++i)
    if (touchpoints[i].name == name) return static_cast<int>(i);
  return -1;
}

bool LifecycleConfig::operator==(const LifecycleConfig& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && touchpoints == o.touchpoints &&
         stage_weights == o.stage_weights && min_coverage == o.min_coverage && margin == o.margin &&
         confidence == o.confidence && ipa_rule == o.ipa_rule && min_n == o.min_n;
}

void tag_invoke(json::value_from_tag, json::value& jv, const Touchpoint& t) {
  jv = {{"name", t.name}, {"stage", to_string(t.stage)}, {"importance", t.importance}};
}

void tag_invoke(json::value_from_tag, json::value& jv, const LifecycleConfig& c) {
  json::array tps;
  for (const auto& t : c.touchpoints) tps.push_back(json::value_from(t));
  json::object sw;
  for (int s = 0; s < kLifecycleStages; ++s)
    sw[to_string(static_cast<LifecycleStage>(s))] = c.stage_weights[static_cast<std::size_t>(s)];
  jv = {{"scale_min", c.scale_min},       {"scale_max", c.scale_max},       {"touchpoints", std::move(tps)},
        {"stage_weights", std::move(sw)}, {"min_coverage", c.min_coverage}, {"margin", c.margin},
        {"confidence", c.confidence},     {"ipa_rule", c.ipa_rule},         {"min_n", c.min_n}};
}

LifecycleConfig tag_invoke(json::value_to_tag<LifecycleConfig>, const json::value& jv) {
  LifecycleConfig c;
  detail::ObjectReader r(jv, "config");
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  if (const json::value* v = r.raw("touchpoints")) {
    if (!v->is_array())
      throw config_error("config.touchpoints: expected a list of touchpoints, got " +
                         std::string(detail::json_kind(*v)));
    c.touchpoints.clear();
    std::size_t i = 0;
    for (const auto& item : v->get_array()) {
      std::string path = "config.touchpoints[" + std::to_string(i++) + "]";
      Touchpoint t;
      detail::ObjectReader tr(item, path);
      tr.string("name", t.name);
      if (!tr.has("name")) throw config_error(path + ".name: required");
      tr.enumeration("stage", t.stage);
      if (!tr.has("stage")) throw config_error(path + ".stage: required (a lifecycle stage name)");
      tr.number("importance", t.importance);
      tr.finish();
      c.touchpoints.push_back(std::move(t));
    }
  }
  if (const json::value* v = r.raw("stage_weights")) {
    if (!v->is_object())
      throw config_error("config.stage_weights: expected an object {stage: weight}, got " +
                         std::string(detail::json_kind(*v)));
    for (const auto& kv : v->get_object()) {
      std::string key = "config.stage_weights." + std::string(kv.key());
      LifecycleStage s;
      try {
        s = parse<LifecycleStage>(std::string_view(kv.key()));
      } catch (const config_error& e) {
        throw config_error(key + ": " + e.what());
      }
      if (!kv.value().is_number())
        throw config_error(key + ": expected a number, got " + detail::json_kind(kv.value()));
      c.stage_weights[static_cast<std::size_t>(s)] = kv.value().to_number<double>();
    }
  }
  r.number("min_coverage", c.min_coverage, 0, 1);
  r.number("margin", c.margin, 0, 100);
  r.number("confidence", c.confidence, 0, 1);
  r.boolean("ipa_rule", c.ipa_rule);
  r.integer("min_n", c.min_n, 1, 1 << 30);
  r.finish();
  c.validate();
  return c;
}

LifecycleConfig lifecycle_config_from_json(std::string_view text) {
  return json::value_to<LifecycleConfig>(detail::parse_json(text, "lifecycle config"));
}

std::string to_json(const LifecycleConfig& config) {
  return detail::dump_json(json::value_from(config));
}

namespace {
void check_columns(RecordsRef x, const LifecycleConfig& cfg, const char* what) {
  if (x.cols() != static_cast<Eigen::Index>(cfg.touchpoints.size()))
    throw input_error(std::string(what) + ": expected " + std::to_string(cfg.touchpoints.size()) +
                      " columns (one per touchpoint), got " + std::to_string(x.cols()));
}

[[noreturn]] void out_of_scale(const LifecycleConfig& cfg, Eigen::Index i, Eigen::Index j, double x, double lo,
                               double hi, const char* what) {
  throw input_error("row " + std::to_string(i) + ", column '" + cfg.touchpoints[static_cast<std::size_t>(j)].name +
                    "': " + what + " " + detail::format_number(x) + " is outside the scale [" +
                    detail::format_number(lo) + ", " + detail::format_number(hi) + "]");
}
}  // namespace

Eigen::VectorXd touchpoint_importance(RecordsRef x, const LifecycleConfig& cfg, double lo, double hi) {
  cfg.validate();
  check_columns(x, cfg, "importance");
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi))
    throw config_error("importance scale: expected finite numbers with min < max, got " + detail::format_number(lo) +
                       " and " + detail::format_number(hi));
  const Eigen::Index n = x.rows(), k = x.cols();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(k), cnt = Eigen::VectorXd::Zero(k);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < k; ++j) {
      const double v = x(i, j);
      if (std::isnan(v)) continue;
      if (!(v >= lo && v <= hi)) out_of_scale(cfg, i, j, v, lo, hi, "importance");
      sum[j] += v, cnt[j] += 1;
    }
  Eigen::VectorXd out(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    if (cnt[j] == 0)
      throw input_error("importance: column '" + cfg.touchpoints[static_cast<std::size_t>(j)].name +
                        "' has no rating (all missing)");
    out[j] = sum[j] / cnt[j];
    if (!(out[j] > 0))
      throw input_error("importance: column '" + cfg.touchpoints[static_cast<std::size_t>(j)].name +
                        "' has mean importance " + detail::format_number(out[j]) +
                        "; expected > 0 (use an importance scale whose values are positive)");
  }
  return out;
}

RowMatrixXd score_lifecycle(RecordsRef x, const LifecycleConfig& cfg, int workers) {
  cfg.validate();
  check_columns(x, cfg, "ratings");
  const Eigen::Index n = x.rows(), k = x.cols();
  const double lo = cfg.scale_min, hi = cfg.scale_max, to100 = 100.0 / (hi - lo);
  std::vector<int> stage(static_cast<std::size_t>(k));
  std::array<double, kLifecycleStages> total{};
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& t = cfg.touchpoints[static_cast<std::size_t>(j)];
    stage[static_cast<std::size_t>(j)] = static_cast<int>(t.stage);
    total[static_cast<std::size_t>(t.stage)] += t.importance;
  }
  std::vector<double> w(static_cast<std::size_t>(k));
  for (Eigen::Index j = 0; j < k; ++j)
    w[static_cast<std::size_t>(j)] = cfg.touchpoints[static_cast<std::size_t>(j)].importance;
  std::array<double, kLifecycleStages> need{};
  for (std::size_t s = 0; s < kLifecycleStages; ++s) need[s] = cfg.min_coverage * total[s] * (1 - 1e-12);
  RowMatrixXd out(n, kLifecycleStages);
  detail::advise_huge_pages(out);  // written once front to back: avoid millions of 4 KiB first-touch faults
  const double* base = x.data();
  const std::ptrdiff_t stride = x.outerStride();
  const int* st = stage.data();
  const double* wt = w.data();
  // Columns and weights grouped by stage: each stage's accumulators stay in registers.
  std::vector<int> scols;
  std::vector<double> sw;
  std::vector<int> used_stage, first{0};
  for (int s = 0; s < kLifecycleStages; ++s) {
    bool any = false;
    for (Eigen::Index j = 0; j < k; ++j)
      if (st[j] == s) scols.push_back(static_cast<int>(j)), sw.push_back(wt[j]), any = true;
    if (any) used_stage.push_back(s), first.push_back(static_cast<int>(scols.size()));
  }
  const int n_used = static_cast<int>(used_stage.size());
  std::vector<int> unused_stage;
  for (int s = 0; s < kLifecycleStages; ++s)
    if (total[static_cast<std::size_t>(s)] == 0) unused_stage.push_back(s);
  constexpr int kTile = 64;  // rows per transposed block: every inner loop runs over 64 contiguous rows
  detail::parallel_for(n, workers, 1 << 14, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    std::vector<double> tile(static_cast<std::size_t>(k) * kTile);
    double sum[kTile], wsum[kTile], nbad[kTile];
    double bad = 0;
    for (std::ptrdiff_t i0 = b; i0 < e; i0 += kTile) {
      const int rows = static_cast<int>(std::min<std::ptrdiff_t>(kTile, e - i0));
      for (int r = 0; r < rows; ++r)
        for (Eigen::Index j = 0; j < k; ++j)
          tile[static_cast<std::size_t>(j) * kTile + r] = base[(i0 + r) * stride + j];
      for (int r = rows; r < kTile; ++r)
        for (Eigen::Index j = 0; j < k; ++j) tile[static_cast<std::size_t>(j) * kTile + r] = lo;
      for (int r = 0; r < kTile; ++r) nbad[r] = 0;
      for (int r = 0; r < rows; ++r)
        for (int s : unused_stage) out(i0 + r, s) = kNaN;
      for (int u = 0; u < n_used; ++u) {
        for (int r = 0; r < kTile; ++r) sum[r] = 0, wsum[r] = 0;
        for (int t = first[static_cast<std::size_t>(u)]; t < first[static_cast<std::size_t>(u) + 1]; ++t) {
          const double* col = tile.data() + static_cast<std::size_t>(scols[static_cast<std::size_t>(t)]) * kTile;
          const double wj = sw[static_cast<std::size_t>(t)];
          // branch-free over rows: NaN (not rated) compares false, adds nothing and is not out of scale
          for (int r = 0; r < kTile; ++r) {
            const double v = col[r];
            const bool present = v == v;
            nbad[r] += ((v < lo) | (v > hi)) ? 1.0 : 0.0;
            const double wz = present ? wj : 0.0;
            sum[r] += wz * (present ? v : 0.0);
            wsum[r] += wz;
          }
        }
        const auto s = static_cast<std::size_t>(used_stage[static_cast<std::size_t>(u)]);
        const double nd = need[s];
        for (int r = 0; r < rows; ++r) {
          const bool ok = (wsum[r] > 0) & (wsum[r] >= nd);
          // a weighted mean of in-scale ratings is in scale; the clamp only removes rounding (100.00000000000001)
          out(i0 + r, static_cast<Eigen::Index>(s)) =
              ok ? std::clamp((sum[r] / (ok ? wsum[r] : 1.0) - lo) * to100, 0.0, 100.0) : kNaN;
        }
      }
      for (int r = 0; r < rows; ++r) bad += nbad[r];
    }
    if (bad == 0) return;
    for (std::ptrdiff_t i = b; i < e; ++i)
      for (Eigen::Index j = 0; j < k; ++j) {
        const double v = x(i, j);
        if (!std::isnan(v) && !(v >= lo && v <= hi)) out_of_scale(cfg, i, j, v, lo, hi, "rating");
      }
  });
  return out;
}

// One implementation: the batch summary is the result of one LifecycleState update, its groups
// the integer keys 0..n_groups-1 in code order (a group without respondents gets an empty row).
LifecycleSummary summarize_lifecycle(RecordsRef scores, const LifecycleConfig& cfg, Eigen::Ref<const VectorXi32> groups,
                                     int n_groups) {
  cfg.validate();
  if (scores.cols() != kLifecycleStages)
    throw input_error("scores: expected " + std::to_string(kLifecycleStages) + " columns (one per stage), got " +
                      std::to_string(scores.cols()));
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0;
  GroupKeys keys({"group"});
  keys.reserve(static_cast<std::size_t>(n_groups));
  for (int g = 0; g < n_groups; ++g) keys.insert(GroupKey{KeyValue{std::int64_t{g}}});
  LifecycleState state(cfg, {"group"});
  if (grouped) {
    state.update_scores(scores, groups, keys);
  } else {
    const VectorXi32 zeros = VectorXi32::Zero(scores.rows());
    state.update_scores(scores, zeros, keys);
  }
  std::vector<std::int32_t> codes(static_cast<std::size_t>(n_groups), -1);
  for (int g = 0; g < n_groups; ++g)
    if (const auto c = state.keys().find(GroupKey{KeyValue{std::int64_t{g}}})) codes[static_cast<std::size_t>(g)] = *c;
  return state.result_of(codes);
}

MeanDifferences welch_differences(const Eigen::VectorXd& ma, const Eigen::VectorXd& sa, const Eigen::VectorXd& na,
                                  const Eigen::VectorXd& mb, const Eigen::VectorXd& sb, const Eigen::VectorXd& nb,
                                  double confidence) {
  const Eigen::Index k = ma.size();
  if (sa.size() != k || na.size() != k || mb.size() != k || sb.size() != k || nb.size() != k)
    throw input_error("welch_differences: the six vectors must have the same length");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw config_error("confidence: " + detail::format_number(confidence) + " is out of range; expected (0, 1)");
  MeanDifferences r;
  r.diff = mb - ma;
  r.lower.setConstant(k, kNaN);
  r.upper.setConstant(k, kNaN);
  r.df.setConstant(k, kNaN);
  for (Eigen::Index i = 0; i < k; ++i) {
    if (na[i] < 0 || nb[i] < 0) throw input_error("welch_differences: negative count at position " + std::to_string(i));
    if (!(na[i] >= 2 && nb[i] >= 2) || std::isnan(r.diff[i])) continue;
    const double va = sa[i] * sa[i] / na[i], vb = sb[i] * sb[i] / nb[i], v = va + vb;
    if (!(v > 0)) continue;
    const double df = v * v / (va * va / (na[i] - 1) + vb * vb / (nb[i] - 1));
    const double t = boost::math::quantile(boost::math::students_t(df), 0.5 + confidence / 2.0);
    r.df[i] = df;
    r.lower[i] = r.diff[i] - t * std::sqrt(v);
    r.upper[i] = r.diff[i] + t * std::sqrt(v);
  }
  return r;
}

}  // namespace servscore
