#include "servscore/encounters.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>

#include "encounter_tile.hpp"
#include "json_util.hpp"
#include "kernels.hpp"
#include "servscore/detail/encounter_kernel.hpp"
#include "servscore/detail/memory.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

std::vector<Indicator> default_encounter_indicators() {
  std::vector<Indicator> v;
  for (const char* n :
       {"timeliness", "flow", "flexibility", "anticipation", "communication", "feedback", "supervision"})
    v.push_back({n, ServiceSide::procedural, 1.0});
  for (const char* n : {"appearance", "body_language", "tone_of_voice", "tact", "naming_names", "attentiveness",
                        "guidance", "suggestive_selling", "problem_solving"})
    v.push_back({n, ServiceSide::personal, 1.0});
  return v;
}

void EncounterConfig::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  for (auto [key, v] :
       {std::pair{"procedural_threshold", procedural_threshold}, {"personal_threshold", personal_threshold}})
    if (!(v >= 0.0 && v <= 100.0))
      throw config_error(std::string(key) + ": " + detail::format_number(v) + " is out of range; expected [0, 100]");
  if (!(min_coverage > 0.0 && min_coverage <= 1.0))
    throw config_error("min_coverage: " + detail::format_number(min_coverage) + " is out of range; expected (0, 1]");
  if (indicators.empty()) throw config_error("indicators: expected at least one indicator per side, got none");
  bool has[2] = {false, false};
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    const auto& ind = indicators[i];
    std::string where = "indicators[" + std::to_string(i) + "]";
    if (ind.name.empty()) throw config_error(where + ".name: expected a non-empty name");
    if (!(std::isfinite(ind.weight) && ind.weight > 0.0))
      throw config_error(where + ".weight: " + detail::format_number(ind.weight) + " for '" + ind.name +
                         "'; expected a finite number > 0");
    for (std::size_t j = 0; j < i; ++j)
      if (indicators[j].name == ind.name) throw config_error(where + ".name: duplicate indicator '" + ind.name + "'");
    has[static_cast<int>(ind.side)] = true;
  }
  if (!has[0] || !has[1])
    throw config_error(std::string("indicators: no ") + (has[0] ? "personal" : "procedural") +
                       " indicator; each side needs at least one");
  // Finite settings whose arithmetic overflows would score every encounter NaN / unknown or 0 /
  // freezer: the scale's width, and a side's weighted sum of ratings, must be finite doubles.
  if (!std::isfinite(scale_max - scale_min))
    throw config_error("scale_min/scale_max: the scale [" + detail::format_number(scale_min) + ", " +
                       detail::format_number(scale_max) + "] is too wide (its width overflows a double)");
  const double top = std::max(std::abs(scale_min), std::abs(scale_max));
  for (int side = 0; side < 2; ++side) {
    double total = 0.0, largest = 0.0;
    std::string name;
    for (const auto& ind : indicators)
      if (static_cast<int>(ind.side) == side) {
        total += ind.weight;
        if (ind.weight > largest) {
          largest = ind.weight;
          name = ind.name;
        }
      }
    if (!std::isfinite(total * top))
      throw config_error(std::string("indicators: the ") + (side == 0 ? "procedural" : "personal") +
                         " weights (largest " + detail::format_number(largest) + " for '" + name +
                         "') overflow a double when summed over the scale; rescale them (only their ratios " +
                         "matter)");
  }
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
    if (!v->is_array())
      throw config_error("config.indicators: expected a list of indicators, got " + std::string(detail::json_kind(*v)));
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

std::string to_json(const EncounterConfig& config) {
  return detail::dump_json(json::value_from(config));
}

namespace detail {

const char* to_string(EncounterKernel kernel) {
  switch (kernel) {
    case EncounterKernel::portable:
      return "portable";
    case EncounterKernel::avx512:
      return "avx512";
    default:
      return "automatic";
  }
}

bool encounter_kernel_supported(EncounterKernel kernel) {
  switch (kernel) {
    case EncounterKernel::automatic:
    case EncounterKernel::portable:
      return true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case EncounterKernel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#endif
    default:
      return false;
  }
}

namespace {
std::atomic<int> g_forced{0};
}  // namespace

void set_encounter_kernel(EncounterKernel kernel) {
  if (!encounter_kernel_supported(kernel))
    throw input_error(std::string("encounter kernel '") + to_string(kernel) +
                      "' is not supported by this CPU or build");
  g_forced.store(static_cast<int>(kernel));
}

EncounterKernel encounter_kernel() {
  static const EncounterKernel best =
      encounter_kernel_supported(EncounterKernel::avx512) ? EncounterKernel::avx512 : EncounterKernel::portable;
  const auto forced = static_cast<EncounterKernel>(g_forced.load());
  return forced == EncounterKernel::automatic ? best : forced;
}

// The portable block kernel (see encounter_tile.hpp): GCC/Clang vector code, every lane a
// double; target_clones adds an AVX2 version chosen at run time.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
bool score_tile_portable(const EncounterTileParams& kp, const double* const* col, int rows, const EncounterTileOut& o) {
  constexpr int kTile = kEncounterTile;
  // Four rows per vector (GCC/Clang vector extensions; two SSE2 halves in the default
  // clone); the accumulators stay in registers while the row's columns stream by.
  using v4d = v4d_t;
  using v4l = v4l_t;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double score[2][kTile], weakest[2][kTile], missing[kTile], bad[kTile];
  const v4d zero = {0, 0, 0, 0}, one = {1, 1, 1, 1}, inf = {HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL};
  const v4d lo = zero + kp.lo, hi = zero + kp.hi, m_total = zero + static_cast<double>(kp.m[0] + kp.m[1]);
  constexpr int U = 4;  // 4-row groups scored together: independent dependency chains
  static_assert(kTile % (4 * U) == 0, "whole group blocks per tile");
  for (int g0 = 0; g0 < kTile; g0 += 4 * U) {
    v4d count[U], low_all[U], high[U];
    for (int u = 0; u < U; ++u) count[u] = zero, low_all[u] = inf, high[u] = zero - HUGE_VAL;
    for (int sd = 0; sd < 2; ++sd) {
      const int* c = kp.cols[sd];
      const double* w = kp.w[sd];
      const int m = kp.m[sd];
      v4d sum[U], wsum[U], low[U], weak[U];
      for (int u = 0; u < U; ++u) sum[u] = zero, wsum[u] = zero, low[u] = inf, weak[u] = zero - 1.0;
      for (int t = 0; t < m; ++t) {
        const double* x = col[c[t]] + g0;
        const v4d wj = zero + w[t], cj = zero + static_cast<double>(c[t]);
        for (int u = 0; u < U; ++u) {
          v4d v;
          __builtin_memcpy(&v, x + 4 * u, sizeof v);
          // comparisons give all-ones masks; comparisons with NaN are false
          const v4l present = v == v;
          sum[u] += (present ? v : zero) * wj;  // exact for unit weights
          wsum[u] += present ? wj : zero;
          count[u] += present ? one : zero;
          // columns come largest weight first: the first strictly lowest rating is the weakest
          const v4l better = v < low[u];
          low[u] = better ? v : low[u];
          weak[u] = better ? cj : weak[u];
          high[u] = v > high[u] ? v : high[u];
        }
      }
      for (int u = 0; u < U; ++u) {
        const int g = g0 + 4 * u;
        const v4l ok = (wsum[u] > zero) & (wsum[u] >= zero + kp.need[sd]);
        const v4d sc = ok ? (sum[u] / (ok ? wsum[u] : one) - lo) * kp.to100 : zero + nan;
        __builtin_memcpy(&score[sd][g], &sc, sizeof sc);
        __builtin_memcpy(&weakest[sd][g], &weak[u], sizeof sc);
        low_all[u] = low[u] < low_all[u] ? low[u] : low_all[u];
      }
    }
    for (int u = 0; u < U; ++u) {
      const v4d miss = m_total - count[u], nbad = ((low_all[u] < lo) | (high[u] > hi)) ? one : zero;
      __builtin_memcpy(&missing[g0 + 4 * u], &miss, sizeof miss);
      __builtin_memcpy(&bad[g0 + 4 * u], &nbad, sizeof nbad);
    }
  }
  double any_bad = 0.0;
  for (int r = 0; r < rows; ++r) any_bad += bad[r];
  // Per-row results in two branch-free passes (both vectorise): doubles, then the integer codes.
  static_assert(static_cast<int>(Quadrant::freezer) == 0 && static_cast<int>(Quadrant::factory) == 1 &&
                    static_cast<int>(Quadrant::friendly) == 2 && static_cast<int>(Quadrant::quality) == 3 &&
                    static_cast<int>(Quadrant::unknown) == 4,
                "quadrant codes");
  double quad[kTile];
  for (int r = 0; r < rows; ++r) {
    const double p = score[0][r], q = score[1][r];
    const bool known = (p == p) & (q == q);
    const bool ph = p >= kp.tp, qh = q >= kp.tq;
    quad[r] = known ? (ph ? (qh ? 3.0 : 1.0) : (qh ? 2.0 : 0.0)) : 4.0;
    // sqrt, not std::hypot: scores are bounded, and hypot's overflow care costs more than the rest.
    const double dp = 100.0 - p, dq = 100.0 - q;
    const double gp = ph ? 0.0 : kp.tp - p, gq = qh ? 0.0 : kp.tq - q;
    o.proc[r] = p;
    o.pers[r] = q;
    o.dist[r] = std::sqrt(dp * dp + dq * dq);  // NaN when a side is missing
    o.gap[r] = known ? std::sqrt(gp * gp + gq * gq) : std::numeric_limits<double>::quiet_NaN();
  }
  for (int r = 0; r < rows; ++r) {
    o.quad[r] = static_cast<std::int8_t>(quad[r]);
    o.weak0[r] = static_cast<std::int32_t>(weakest[0][r]);
    o.weak1[r] = static_cast<std::int32_t>(weakest[1][r]);
    o.miss[r] = static_cast<std::int32_t>(missing[r]);
  }
  return any_bad > 0.0;
}

}  // namespace detail

EncounterScores score_encounters(RecordsRef ratings, const EncounterConfig& config, int workers) {
  std::vector<ColumnView> columns;
  // no rows: data() may be null, and null + j is undefined; the columns are never read
  for (Eigen::Index j = 0; j < ratings.cols(); ++j)
    columns.push_back({ratings.rows() > 0 ? ratings.data() + j : ratings.data(), ratings.outerStride()});
  return score_encounters(columns, ratings.rows(), config, workers);
}

EncounterScores score_encounters(const std::vector<ColumnView>& ratings, std::ptrdiff_t rows,
                                 const EncounterConfig& config, int workers) {
  config.validate();
  const Eigen::Index n = rows, k = static_cast<Eigen::Index>(ratings.size());
  const auto& inds = config.indicators;
  if (k != static_cast<Eigen::Index>(inds.size()))
    throw input_error("ratings: expected " + std::to_string(inds.size()) + " columns (one per indicator), got " +
                      std::to_string(k));
  const double lo = config.scale_min, hi = config.scale_max, to100 = 100.0 / (hi - lo);
  // Column indices and weights per side: each side is scored by its own loop, so the
  // accumulators stay in registers (indexing them by a per-column side would not). Largest
  // weight first, then column order: "the weakest indicator" is then the first strictly lowest.
  std::vector<int> cols[2];
  std::vector<double> wts[2];
  double side_total[2] = {0.0, 0.0};
  bool unit[2] = {true, true};
  for (std::size_t j = 0; j < inds.size(); ++j) cols[static_cast<int>(inds[j].side)].push_back(static_cast<int>(j));
  for (int sd = 0; sd < 2; ++sd) {
    std::stable_sort(cols[sd].begin(), cols[sd].end(), [&](int a, int b) {
      return inds[static_cast<std::size_t>(a)].weight > inds[static_cast<std::size_t>(b)].weight;
    });
    for (int j : cols[sd]) {
      wts[sd].push_back(inds[static_cast<std::size_t>(j)].weight);
      side_total[sd] += inds[static_cast<std::size_t>(j)].weight;
      unit[sd] = unit[sd] && inds[static_cast<std::size_t>(j)].weight == 1.0;
    }
  }
  const double need[2] = {config.min_coverage * side_total[0] * (1 - 1e-12),
                          config.min_coverage * side_total[1] * (1 - 1e-12)};
  const double tp = config.procedural_threshold, tq = config.personal_threshold;
  if (n < 0) throw input_error("ratings: negative row count " + std::to_string(n));
  for (Eigen::Index j = 0; j < k && n > 0; ++j)
    if (ratings[static_cast<std::size_t>(j)].data == nullptr)
      throw input_error("ratings: column '" + inds[static_cast<std::size_t>(j)].name + "' has no values");
  // records stored row by row (a C-ordered array): the block is transposed from one base pointer
  bool row_major = n > 0 && k > 0 && ratings[0].stride >= k;  // no rows: data may be null
  for (Eigen::Index j = 0; j < k && row_major; ++j)
    row_major = ratings[static_cast<std::size_t>(j)].stride == ratings[0].stride &&
                ratings[static_cast<std::size_t>(j)].data == ratings[0].data + j;
  bool contiguous = true;  // every column a contiguous run: full blocks are read in place
  for (const ColumnView& c : ratings) contiguous = contiguous && c.stride == 1;
  const double* base = k > 0 ? ratings[0].data : nullptr;
  const std::ptrdiff_t stride = k > 0 ? ratings[0].stride : 0;
  auto at = [&](std::ptrdiff_t r, Eigen::Index j) {
    const ColumnView& c = ratings[static_cast<std::size_t>(j)];
    return c.data[r * c.stride];
  };

  EncounterScores out;
  out.procedural.resize(n);
  out.personal.resize(n);
  out.quality_distance.resize(n);
  out.quality_gap.resize(n);
  out.quadrant.resize(n);
  out.weakest_procedural.resize(n);
  out.weakest_personal.resize(n);
  out.n_missing.resize(n);
  detail::advise_huge_pages(out.procedural);
  detail::advise_huge_pages(out.personal);
  detail::advise_huge_pages(out.quality_distance);
  detail::advise_huge_pages(out.quality_gap);
  detail::advise_huge_pages(out.quadrant);
  detail::advise_huge_pages(out.weakest_procedural);
  detail::advise_huge_pages(out.weakest_personal);
  detail::advise_huge_pages(out.n_missing);
  double* o_proc = out.procedural.data();
  double* o_pers = out.personal.data();
  double* o_dist = out.quality_distance.data();
  double* o_gap = out.quality_gap.data();
  std::int8_t* o_quad = out.quadrant.data();
  std::int32_t* o_weak[2] = {out.weakest_procedural.data(), out.weakest_personal.data()};
  std::int32_t* o_miss = out.n_missing.data();

  using detail::kEncounterTile;
  const detail::EncounterTileParams kern{{cols[0].data(), cols[1].data()},
                                         {wts[0].data(), wts[1].data()},
                                         {static_cast<int>(cols[0].size()), static_cast<int>(cols[1].size())},
                                         lo,
                                         hi,
                                         to100,
                                         {need[0], need[1]},
                                         tp,
                                         tq,
                                         {unit[0], unit[1]}};
  const auto score_tile = detail::encounter_kernel() == detail::EncounterKernel::avx512 ? detail::score_tile_avx512
                                                                                        : detail::score_tile_portable;
  // Chunks of 32,768 rows handed out one by one: rows are scored independently, so the results
  // do not depend on which thread scores which chunk.
  detail::parallel_chunks(n, workers, std::ptrdiff_t{1} << 15, [&](std::ptrdiff_t b, std::ptrdiff_t e) {
    std::vector<double> tile(static_cast<std::size_t>(k) * kEncounterTile);
    std::vector<const double*> col(static_cast<std::size_t>(k));
    for (std::ptrdiff_t i0 = b; i0 < e; i0 += kEncounterTile) {
      const int rows = static_cast<int>(std::min<std::ptrdiff_t>(kEncounterTile, e - i0));
      // Every column of the block as a contiguous run of kEncounterTile rows: full blocks of
      // contiguous columns are read in place, the rest gathered (C-ordered rows transposed).
      if (contiguous && rows == kEncounterTile) {
        for (Eigen::Index j = 0; j < k; ++j)
          col[static_cast<std::size_t>(j)] = ratings[static_cast<std::size_t>(j)].data + i0;
      } else {
        for (Eigen::Index j = 0; j < k; ++j)
          col[static_cast<std::size_t>(j)] = tile.data() + static_cast<std::size_t>(j) * kEncounterTile;
        if (row_major) {
          detail::transpose_rows(base + i0 * stride, stride, static_cast<int>(k), rows, tile.data(), kEncounterTile);
        } else {
          for (Eigen::Index j = 0; j < k; ++j) {
            const ColumnView& c = ratings[static_cast<std::size_t>(j)];
            double* t = tile.data() + static_cast<std::size_t>(j) * kEncounterTile;
            const double* x = c.data + i0 * c.stride;
            if (c.stride == 1)
              std::copy(x, x + rows, t);
            else
              for (int r = 0; r < rows; ++r) t[r] = x[r * c.stride];
          }
        }
        for (int r = rows; r < kEncounterTile; ++r)
          for (Eigen::Index j = 0; j < k; ++j) tile[static_cast<std::size_t>(j) * kEncounterTile + r] = lo;
      }
      const detail::EncounterTileOut o{o_proc + i0, o_pers + i0,    o_dist + i0,    o_gap + i0,
                                       o_quad + i0, o_weak[0] + i0, o_weak[1] + i0, o_miss + i0};
      if (score_tile(kern, col.data(), rows, o)) {
        for (int r = 0; r < rows; ++r)
          for (Eigen::Index j = 0; j < k; ++j) {
            const double x = at(i0 + r, j);
            if (!std::isnan(x) && !(x >= lo && x <= hi))
              throw input_error("row " + std::to_string(i0 + r) + ", column '" +
                                inds[static_cast<std::size_t>(j)].name + "': rating " + detail::format_number(x) +
                                " is outside the scale [" + detail::format_number(lo) + ", " +
                                detail::format_number(hi) + "]");
          }
      }
    }
  });
  return out;
}

Eigen::MatrixXd EncounterSummary::mean_scores() const {
  Eigen::MatrixXd m(sum_scores.rows(), 2);
  for (Eigen::Index g = 0; g < m.rows(); ++g)
    for (int s = 0; s < 2; ++s) {
      const double d = weighted() ? weight_scored(g, s) : static_cast<double>(n_scored(g, s));
      m(g, s) = d > 0 ? sum_scores(g, s) / d : std::numeric_limits<double>::quiet_NaN();
    }
  return m;
}

EncounterSummary& EncounterSummary::merge(const EncounterSummary& o) {
  if (o.counts.rows() != counts.rows() || o.pullers.cols() != pullers.cols() || o.weighted() != weighted())
    throw input_error("merge: summaries differ in shape (" + std::to_string(counts.rows()) + " groups x " +
                      std::to_string(pullers.cols()) + " indicators" + (weighted() ? ", weighted" : "") + " vs " +
                      std::to_string(o.counts.rows()) + " x " + std::to_string(o.pullers.cols()) +
                      (o.weighted() ? ", weighted" : "") + ")");
  counts += o.counts;
  sum_scores += o.sum_scores;
  n_scored += o.n_scored;
  pullers += o.pullers;
  for (std::size_t g = 0; g < n_outside_quality.size(); ++g) n_outside_quality[g] += o.n_outside_quality[g];
  if (weighted()) {
    weight_counts += o.weight_counts;
    weight_scored += o.weight_scored;
    for (std::size_t g = 0; g < weight_outside.size(); ++g) weight_outside[g] += o.weight_outside[g];
  }
  return *this;
}

// One implementation: the batch summary is the result of one EncounterSummaryState update, its
// groups the integer keys 0..n_groups-1 in code order.
EncounterSummary summarize_encounters(const EncounterScores& sc, const EncounterConfig& config,
                                      Eigen::Ref<const VectorXi32> groups, int n_groups, RecordsRef ratings) {
  const Eigen::Index n = sc.size();
  const Eigen::Index k = static_cast<Eigen::Index>(config.indicators.size());
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  if (sc.personal.size() != n || sc.quadrant.size() != n || sc.weakest_procedural.size() != n ||
      sc.weakest_personal.size() != n)
    throw input_error("scores: the score vectors differ in length");
  const bool have_ratings = ratings.rows() > 0;
  if (have_ratings && (ratings.rows() != n || ratings.cols() != k))
    throw input_error("ratings: expected " + std::to_string(n) + " x " + std::to_string(k) + ", got " +
                      std::to_string(ratings.rows()) + " x " + std::to_string(ratings.cols()));
  std::vector<RatingColumn> cols;
  if (have_ratings)
    for (Eigen::Index j = 0; j < k; ++j)
      cols.push_back({ratings.data() + j * ratings.colStride(), ratings.rowStride(), RatingColumn::Type::f64});
  GroupKeys keys({"group"});
  for (int g = 0; g < n_groups; ++g) keys.insert(GroupKey{KeyValue{std::int64_t{g}}});
  VectorXi32 codes = groups.size() > 0 ? VectorXi32(groups) : VectorXi32::Zero(n);
  EncounterSummaryState state(config, {"group"});
  state.update(EncounterScoresView::of(sc), codes, keys, Eigen::VectorXd(), cols);
  EncounterSummary s = state.result(false);
  if (state.groups() == 0) {  // no encounters: n_groups empty groups
    s.counts.setZero(n_groups, 5);
    s.sum_scores.setZero(n_groups, 2);
    s.n_scored.setZero(n_groups, 2);
    s.pullers.setZero(n_groups, k);
    s.n_outside_quality.assign(static_cast<std::size_t>(n_groups), 0);
  }
  return s;
}

}  // namespace servscore
