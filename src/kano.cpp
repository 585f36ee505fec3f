#include "servscore/kano.hpp"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/detail/quantile.hpp"
#include "servscore/detail/random.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxLevels = 9;  // answer codes fit comfortably in int8 and histograms stay small

KanoTable table_from_codes(const char* name, int levels, const char* codes) {
  KanoTable t;
  t.name = name;
  t.levels = levels;
  for (int i = 0; i < levels * levels; ++i) t.cells.push_back(parse<KanoCategory>(std::string_view(codes + i, 1)));
  return t;
}

const char* letter(KanoCategory c) {
  static const char* l[] = {"A", "O", "M", "I", "R", "Q"};
  return l[static_cast<int>(c)];
}

}  // namespace

KanoTable kano_table_cqm() {
  return table_from_codes("cqm", 5,
                          "QAAAO"
                          "RIIIM"
                          "RIIIM"
                          "RIIIM"
                          "RRRRQ");
}

KanoTable kano_table_pouliot() {
  return table_from_codes("pouliot", 5,
                          "QAAAO"
                          "RQIIM"
                          "RIIIM"
                          "RIIQM"
                          "RRRRQ");
}

KanoTable kano_table_short() {
  return table_from_codes("short", 3,
                          "QAO"
                          "RIM"
                          "RRQ");
}

KanoTable kano_table(std::string_view name) {
  if (name == "cqm") return kano_table_cqm();
  if (name == "pouliot") return kano_table_pouliot();
  if (name == "short") return kano_table_short();
  throw config_error("table: unknown built-in table '" + std::string(name) +
                     "'; expected one of: cqm, pouliot, short (or an object with \"rows\")");
}

void KanoTable::validate() const {
  if (levels < 2 || levels > kMaxLevels)
    throw config_error("table.levels: " + std::to_string(levels) + " is out of range; expected 2.." +
                       std::to_string(kMaxLevels));
  if (cells.size() != static_cast<std::size_t>(levels * levels))
    throw config_error("table.rows: expected " + std::to_string(levels) + " rows of " + std::to_string(levels) +
                       " categories, got " + std::to_string(cells.size()) + " cells");
}

std::vector<double> KanoConfig::functional_points() const {
  if (!functional_scores.empty()) return functional_scores;
  if (table.levels == 5) return {4, 2, 0, -1, -2};
  if (table.levels == 3) return {4, 0, -2};
  return {};
}

std::vector<double> KanoConfig::dysfunctional_points() const {
  if (!dysfunctional_scores.empty()) return dysfunctional_scores;
  if (table.levels == 5) return {-2, -1, 0, 2, 4};
  if (table.levels == 3) return {-2, 0, 4};
  return {};
}

void KanoConfig::validate() const {
  table.validate();
  for (auto [key, v] :
       {std::pair{"functional_scores", &functional_scores}, std::pair{"dysfunctional_scores", &dysfunctional_scores}}) {
    if (v->empty() && table.levels != 5 && table.levels != 3)
      throw config_error(std::string(key) + ": required for a table of " + std::to_string(table.levels) +
                         " levels (the source gives points for 5 and 3 levels only)");
    if (!v->empty() && v->size() != static_cast<std::size_t>(table.levels))
      throw config_error(std::string(key) + ": expected " + std::to_string(table.levels) +
                         " points (one per answer level), got " + std::to_string(v->size()));
    for (std::size_t i = 0; i < v->size(); ++i)
      if (!std::isfinite((*v)[i]))
        throw config_error(std::string(key) + "[" + std::to_string(i) + "]: expected a finite number, got " +
                           detail::format_number((*v)[i]));
  }
  if (!(near_tie_threshold >= 0.0 && near_tie_threshold <= 1.0))
    throw config_error("near_tie_threshold: " + detail::format_number(near_tie_threshold) +
                       " is out of range; expected [0, 1]");
  if (!(fong_z > 0.0 && std::isfinite(fong_z)))
    throw config_error("fong_z: " + detail::format_number(fong_z) + " is out of range; expected a number > 0");
  if (!(basic_better_max >= 0.0 && basic_better_max <= 1.0))
    throw config_error("basic_better_max: " + detail::format_number(basic_better_max) +
                       " is out of range; expected [0, 1]");
  if (!(q_warning_share >= 0.0 && q_warning_share <= 1.0))
    throw config_error("q_warning_share: " + detail::format_number(q_warning_share) +
                       " is out of range; expected [0, 1]");
  if (!(ci_level > 0.0 && ci_level < 1.0))
    throw config_error("ci_level: " + detail::format_number(ci_level) + " is out of range; expected (0, 1)");
  for (std::size_t i = 0; i < precedence.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (precedence[i] == precedence[j])
        throw config_error("precedence[" + std::to_string(i) + "]: duplicate category '" + to_string(precedence[i]) +
                           "'");
}

bool KanoConfig::operator==(const KanoConfig& o) const {
  return table == o.table && functional_scores == o.functional_scores &&
         dysfunctional_scores == o.dysfunctional_scores && near_tie_threshold == o.near_tie_threshold &&
         precedence == o.precedence && fong_z == o.fong_z && exclude_questionable == o.exclude_questionable &&
         continuous_exclude == o.continuous_exclude && basic_better_max == o.basic_better_max &&
         q_warning_share == o.q_warning_share && ci_level == o.ci_level;
}

// ---- JSON ------------------------------------------------------------------------------------------

namespace {

json::array categories_to_json(const std::vector<KanoCategory>& v) {
  json::array a;
  for (auto c : v) a.emplace_back(to_string(c));
  return a;
}

std::vector<KanoCategory> categories_from_json(const json::value& v, const std::string& path) {
  if (!v.is_array()) throw config_error(path + ": expected a list of categories, got " + detail::json_kind(v));
  std::vector<KanoCategory> out;
  std::size_t i = 0;
  for (const auto& item : v.get_array()) {
    std::string p = path + "[" + std::to_string(i++) + "]";
    if (!item.is_string()) throw config_error(p + ": expected a category name, got " + detail::json_kind(item));
    try {
      out.push_back(parse<KanoCategory>(std::string_view(item.get_string())));
    } catch (const config_error& e) {
      throw config_error(p + ": " + e.what());
    }
  }
  return out;
}

std::vector<double> numbers_from_json(const json::value& v, const std::string& path) {
  if (!v.is_array()) throw config_error(path + ": expected a list of numbers, got " + detail::json_kind(v));
  std::vector<double> out;
  std::size_t i = 0;
  for (const auto& item : v.get_array()) {
    if (!item.is_number())
      throw config_error(path + "[" + std::to_string(i) + "]: expected a number, got " + detail::json_kind(item));
    out.push_back(item.to_number<double>());
    ++i;
  }
  return out;
}

json::value table_to_value(const KanoTable& t) {
  json::array rows;
  for (int f = 0; f < t.levels; ++f) {
    json::array row;
    for (int d = 0; d < t.levels; ++d) row.emplace_back(letter(t.cells[static_cast<std::size_t>(f * t.levels + d)]));
    rows.push_back(std::move(row));
  }
  return {{"name", t.name}, {"rows", std::move(rows)}};
}

KanoTable table_from_value(const json::value& v, const std::string& path) {
  if (v.is_string()) {
    try {
      return kano_table(std::string_view(v.get_string()));
    } catch (const config_error& e) {
      throw config_error(path + ": " + e.what());
    }
  }
  detail::ObjectReader r(v, path);
  KanoTable t;
  t.name = "custom";
  r.string("name", t.name);
  const json::value* rows = r.raw("rows");
  if (!rows) throw config_error(path + ".rows: required (a list of L rows of L categories)");
  r.finish();
  if (!rows->is_array()) throw config_error(path + ".rows: expected a list of rows, got " + detail::json_kind(*rows));
  const auto& ra = rows->get_array();
  t.levels = static_cast<int>(ra.size());
  if (t.levels < 2 || t.levels > kMaxLevels)
    throw config_error(path + ".rows: expected 2.." + std::to_string(kMaxLevels) + " rows, got " +
                       std::to_string(t.levels));
  t.cells.clear();
  for (std::size_t f = 0; f < ra.size(); ++f) {
    std::string rp = path + ".rows[" + std::to_string(f) + "]";
    auto row = categories_from_json(ra[f], rp);
    if (row.size() != ra.size())
      throw config_error(rp + ": expected " + std::to_string(ra.size()) + " categories (a square table), got " +
                         std::to_string(row.size()));
    t.cells.insert(t.cells.end(), row.begin(), row.end());
  }
  return t;
}

}  // namespace

void tag_invoke(json::value_from_tag, json::value& jv, const KanoConfig& c) {
  json::array fs(c.functional_scores.begin(), c.functional_scores.end());
  json::array ds(c.dysfunctional_scores.begin(), c.dysfunctional_scores.end());
  jv = {{"table", table_to_value(c.table)},
        {"functional_scores", std::move(fs)},
        {"dysfunctional_scores", std::move(ds)},
        {"near_tie_threshold", c.near_tie_threshold},
        {"precedence", categories_to_json(c.precedence)},
        {"fong_z", c.fong_z},
        {"exclude_questionable", c.exclude_questionable},
        {"continuous_exclude", categories_to_json(c.continuous_exclude)},
        {"basic_better_max", c.basic_better_max},
        {"q_warning_share", c.q_warning_share},
        {"ci_level", c.ci_level}};
}

KanoConfig tag_invoke(json::value_to_tag<KanoConfig>, const json::value& jv) {
  KanoConfig c;
  detail::ObjectReader r(jv, "config");
  if (const json::value* v = r.raw("table")) c.table = table_from_value(*v, "config.table");
  if (const json::value* v = r.raw("functional_scores"))
    c.functional_scores = numbers_from_json(*v, "config.functional_scores");
  if (const json::value* v = r.raw("dysfunctional_scores"))
    c.dysfunctional_scores = numbers_from_json(*v, "config.dysfunctional_scores");
  r.number("near_tie_threshold", c.near_tie_threshold, 0, 1);
  if (const json::value* v = r.raw("precedence")) c.precedence = categories_from_json(*v, "config.precedence");
  r.number("fong_z", c.fong_z, 0);
  r.boolean("exclude_questionable", c.exclude_questionable);
  if (const json::value* v = r.raw("continuous_exclude"))
    c.continuous_exclude = categories_from_json(*v, "config.continuous_exclude");
  r.number("basic_better_max", c.basic_better_max, 0, 1);
  r.number("q_warning_share", c.q_warning_share, 0, 1);
  r.number("ci_level", c.ci_level, 0, 1);
  r.finish();
  c.validate();
  return c;
}

KanoConfig kano_config_from_json(std::string_view text) {
  return json::value_to<KanoConfig>(detail::parse_json(text, "kano config"));
}

std::string to_json(const KanoConfig& config) {
  return detail::dump_json(json::value_from(config));
}

KanoTable kano_table_from_json(std::string_view text) {
  KanoTable t = table_from_value(detail::parse_json(text, "kano table"), "table");
  t.validate();
  return t;
}

std::string to_json(const KanoTable& table) {
  return detail::dump_json(table_to_value(table));
}

// ---- classification and counting ------------------------------------------------------------------

namespace {

void check_same_shape(AnswersRef f, AnswersRef d) {
  if (f.rows() != d.rows() || f.cols() != d.cols())
    throw input_error("dysfunctional: expected the shape of functional (" + std::to_string(f.rows()) + " x " +
                      std::to_string(f.cols()) + "), got " + std::to_string(d.rows()) + " x " +
                      std::to_string(d.cols()));
}

[[noreturn]] void bad_answer(const char* which, std::int64_t row, Eigen::Index col, int value, int levels) {
  throw input_error(std::string(which) + ": row " + std::to_string(row) + ", column " + std::to_string(col) +
                    ": answer " + std::to_string(value) + " is outside the scale; expected 1.." +
                    std::to_string(levels) + " (0 = not answered)");
}

// Find and report the first invalid answer of rows [b, e) (only called once one was seen).
void report_bad(AnswersRef f, AnswersRef d, std::ptrdiff_t b, std::ptrdiff_t e, int levels, std::int64_t offset) {
  for (std::ptrdiff_t i = b; i < e; ++i)
    for (Eigen::Index j = 0; j < f.cols(); ++j) {
      if (f(i, j) < 0 || f(i, j) > levels) bad_answer("functional", offset + i, j, f(i, j), levels);
      if (d(i, j) < 0 || d(i, j) > levels) bad_answer("dysfunctional", offset + i, j, d(i, j), levels);
    }
}

}  // namespace

RowMatrixXi8 kano_classify(AnswersRef functional, AnswersRef dysfunctional, const KanoTable& table, int workers) {
  table.validate();
  check_same_shape(functional, dysfunctional);
  const int L = table.levels, S = L + 1;
  // Category by lf[f] + ld[d] (two 256-entry tables, as in the counting kernel): 0 (not
  // answered) -> kano_missing; an invalid answer lands on a cell marked 0x40 and is reported.
  const int C = S * S;
  constexpr std::int8_t kBad = 0x40;
  std::uint16_t lf[256], ld[256];
  for (int v = 0; v < 256; ++v) {
    lf[v] = static_cast<std::uint16_t>(v <= L ? v * S : C);
    ld[v] = static_cast<std::uint16_t>(v <= L ? v : C);
  }
  std::int8_t lut[2 * (kMaxLevels + 1) * (kMaxLevels + 1) + 1];
  for (int c = 0; c <= 2 * C; ++c) {
    const int f = c / S, d = c % S;
    lut[c] = c >= C ? kBad : (f == 0 || d == 0) ? kano_missing : static_cast<std::int8_t>(table.at(f, d));
  }
  const Eigen::Index n = functional.rows(), k = functional.cols();
  RowMatrixXi8 out(n, k);
  const std::ptrdiff_t fs = functional.outerStride(), ds = dysfunctional.outerStride();
  const std::ptrdiff_t fi = functional.innerStride(), di = dysfunctional.innerStride();
  const auto* F = reinterpret_cast<const std::uint8_t*>(functional.data());
  const auto* D = reinterpret_cast<const std::uint8_t*>(dysfunctional.data());
  std::int8_t* O = out.data();
  detail::parallel_for(n, workers, 1 << 15, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    std::int8_t bad = 0;
    // contiguous rows get their own instantiation (column stride 1 known at compile time)
    auto rows = [&](auto fis, auto dis) {
      for (std::ptrdiff_t i = b; i < e; ++i) {
        const std::uint8_t* fr = F + i * fs;
        const std::uint8_t* dr = D + i * ds;
        std::int8_t* o = O + i * k;
        for (Eigen::Index j = 0; j < k; ++j) {
          const std::int8_t v = lut[lf[fr[j * fis]] + ld[dr[j * dis]]];
          bad |= v;  // kBad is the only code with bit 6 set (codes are -1..5)
          o[j] = v;
        }
      }
    };
    if (fi == 1 && di == 1)
      rows(std::integral_constant<std::ptrdiff_t, 1>{}, std::integral_constant<std::ptrdiff_t, 1>{});
    else
      rows(fi, di);
    if (bad & kBad) report_bad(functional, dysfunctional, b, e, L, 0);
  });
  return out;
}

namespace {

constexpr int kMaxAttributes = 1 << 20;        // attribute names in one state
constexpr std::uint32_t kMaxName = 1 << 16;    // bytes of one attribute name
constexpr std::uint32_t kMaxConfig = 1 << 20;  // bytes of the configuration JSON

// Pair histograms of a wide batch, added to out[(g * k + j) * C + cell] (G_n groups, k = columns)
// only once the whole batch is valid. G: group code per row in [0, G_n), or null for group 0.
void count_wide(AnswersRef functional, AnswersRef dysfunctional, const std::int32_t* G, int G_n, int L, int workers,
                std::int64_t row_offset, std::int64_t* out) {
  const int S = L + 1, C = S * S;
  const Eigen::Index n = functional.rows(), k = functional.cols();
  if (n == 0) return;
  const std::ptrdiff_t fs = functional.outerStride(), ds = dysfunctional.outerStride();
  const std::ptrdiff_t fi = functional.innerStride(), di = dysfunctional.innerStride();
  const auto* F = reinterpret_cast<const std::uint8_t*>(functional.data());
  const auto* D = reinterpret_cast<const std::uint8_t*>(dysfunctional.data());
  const int T = static_cast<int>(
      std::min<std::ptrdiff_t>(detail::resolve_workers(workers), std::max<std::ptrdiff_t>(1, n / (1 << 15))));
  // One private histogram per worker; integer sums make the result independent of the split.
  // Cell index = lf[f] + ld[d] through two 256-entry tables: an invalid answer maps past the
  // C real cells into padding cells (P per attribute), so the hot loop has no comparison; a
  // nonzero padding cell afterwards means an invalid answer, which is then located and reported.
  const int P = 2 * C + 1;
  std::uint16_t lf[256], ld[256];
  for (int v = 0; v < 256; ++v) {
    lf[v] = static_cast<std::uint16_t>(v <= L ? v * S : C);
    ld[v] = static_cast<std::uint16_t>(v <= L ? v : C);
  }
  // Counters are 32-bit (half the cache footprint) and flushed to 64-bit every 2^31 rows.
  constexpr std::ptrdiff_t kFlush = std::ptrdiff_t{1} << 31;
  std::vector<std::vector<std::int64_t>> local(static_cast<std::size_t>(T));
  detail::parallel_for(n, T, 1 << 15, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    auto& h = local[static_cast<std::size_t>(w)];
    h.assign(static_cast<std::size_t>(G_n) * static_cast<std::size_t>(k) * C, 0);
    std::vector<std::uint32_t> h32(static_cast<std::size_t>(G_n) * static_cast<std::size_t>(k) * P, 0);
    std::uint32_t* H = h32.data();
    auto flush = [&] {
      for (std::int64_t gj = 0; gj < static_cast<std::int64_t>(G_n) * k; ++gj) {
        for (int c = 0; c < C; ++c) h[static_cast<std::size_t>(gj * C + c)] += H[gj * P + c];
        for (int c = C; c < P; ++c)
          if (H[gj * P + c]) report_bad(functional, dysfunctional, b, e, L, row_offset);
      }
      std::fill(h32.begin(), h32.end(), 0u);
    };
    // contiguous rows get their own instantiation (column stride 1 known at compile time)
    auto rows = [&](std::ptrdiff_t b0, std::ptrdiff_t e0, auto fis, auto dis) {
      if (!G) {
        for (std::ptrdiff_t i = b0; i < e0; ++i) {
          const std::uint8_t* fr = F + i * fs;
          const std::uint8_t* dr = D + i * ds;
          std::uint32_t* hj = H;
          for (Eigen::Index j = 0; j < k; ++j, hj += P) ++hj[lf[fr[j * fis]] + ld[dr[j * dis]]];
        }
      } else {
        for (std::ptrdiff_t i = b0; i < e0; ++i) {
          const std::int64_t g = G[i];
          if (g < 0 || g >= G_n)
            throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " + std::to_string(g) +
                              "; expected [0, " + std::to_string(G_n) + ")");
          const std::uint8_t* fr = F + i * fs;
          const std::uint8_t* dr = D + i * ds;
          std::uint32_t* hj = H + g * k * P;
          for (Eigen::Index j = 0; j < k; ++j, hj += P) ++hj[lf[fr[j * fis]] + ld[dr[j * dis]]];
        }
      }
    };
    for (std::ptrdiff_t b0 = b; b0 < e; b0 += kFlush) {
      const std::ptrdiff_t e0 = std::min(e, b0 + kFlush);
      if (fi == 1 && di == 1)
        rows(b0, e0, std::integral_constant<std::ptrdiff_t, 1>{}, std::integral_constant<std::ptrdiff_t, 1>{});
      else
        rows(b0, e0, fi, di);
      flush();
    }
  });
  for (const auto& h : local)
    if (!h.empty())
      for (std::size_t c = 0; c < h.size(); ++c) out[c] += h[c];
}

KanoConfig legacy_config(int levels) {
  // The configuration of a state known only by its levels (the version-1 interface and images).
  KanoConfig c;
  if (levels == 3) c.table = kano_table_short();
  if (levels != 5 && levels != 3) {
    c.table.name = "levels-" + std::to_string(levels);
    c.table.levels = levels;
    c.table.cells.assign(static_cast<std::size_t>(levels * levels), KanoCategory::indifferent);
    c.functional_scores.assign(static_cast<std::size_t>(levels), 0.0);
    c.dysfunctional_scores.assign(static_cast<std::size_t>(levels), 0.0);
  }
  return c;
}

void check_levels(int levels) {
  if (levels < 2 || levels > kMaxLevels)
    throw config_error("levels: " + std::to_string(levels) + " is out of range; expected 2.." +
                       std::to_string(kMaxLevels));
}

std::string describe_keys(const std::vector<std::string>& names) {
  if (names.empty()) return "ungrouped";
  std::string s = "grouped by [";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

// the most answers one (group, attribute) row may hold: the summaries add a row's cells in int64
constexpr std::int64_t kMaxRowTotal = std::int64_t{1} << 62;

std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw input_error(std::string("merge: ") + what + " overflow int64 (" + std::to_string(a) + " + " +
                      std::to_string(b) + "); a corrupt state?");
  return r;
}

// Position of every batch attribute name in `names` (appending new ones to `added`), -1 when
// `fixed` and unknown (not selected). Throws for a duplicate batch name.
std::vector<int> map_attributes(const std::vector<std::string>& names, const std::vector<std::string>& batch,
                                bool fixed, bool unknown_is_error, std::vector<std::string>& added) {
  std::unordered_map<std::string, int> pos;
  for (std::size_t i = 0; i < names.size(); ++i) pos.emplace(names[i], static_cast<int>(i));
  std::unordered_map<std::string, int> seen;
  std::vector<int> out(batch.size(), -1);
  for (std::size_t j = 0; j < batch.size(); ++j) {
    if (!seen.emplace(batch[j], static_cast<int>(j)).second)
      throw input_error("attributes: '" + batch[j] + "' is named twice (columns " + std::to_string(seen[batch[j]]) +
                        " and " + std::to_string(j) + ")");
    auto it = pos.find(batch[j]);
    if (it != pos.end()) {
      out[j] = it->second;
    } else if (fixed) {
      if (unknown_is_error) {
        std::string known;
        for (std::size_t i = 0; i < names.size() && i < 30; ++i) known += (i ? ", " : "") + names[i];
        throw input_error("attributes: '" + batch[j] + "' is not one of the accumulator's attributes (" + known + ")");
      }
    } else {
      out[j] = static_cast<int>(names.size() + added.size());
      pos.emplace(batch[j], out[j]);
      added.push_back(batch[j]);
    }
  }
  return out;
}

}  // namespace

KanoAccumulator::KanoAccumulator() : KanoAccumulator(KanoConfig{}) {}

KanoAccumulator::KanoAccumulator(KanoConfig config, std::vector<std::string> key_names,
                                 std::vector<std::string> attributes, bool fixed_attributes)
    : config_(std::move(config)), fixed_(fixed_attributes), keys_(std::move(key_names)) {
  config_.validate();
  levels_ = config_.table.levels;
  std::vector<std::string> added;
  map_attributes({}, attributes, false, false, added);  // refuses duplicates
  if (added.size() > static_cast<std::size_t>(kMaxAttributes))
    throw input_error("attributes: " + std::to_string(added.size()) + " names; at most " +
                      std::to_string(kMaxAttributes));
  attributes_ = std::move(added);
  counts_.setZero(0, cells());
}

KanoAccumulator::KanoAccumulator(int groups, int attributes, int levels) : keys_({"group"}) {
  if (groups < 1) throw input_error("groups: expected at least one group, got " + std::to_string(groups));
  if (attributes < 0 || attributes > kMaxAttributes)
    throw input_error("attributes: expected 0.." + std::to_string(kMaxAttributes) + ", got " +
                      std::to_string(attributes));
  check_levels(levels);
  config_ = legacy_config(levels);
  levels_ = levels;
  for (int j = 0; j < attributes; ++j) attributes_.push_back("attribute_" + std::to_string(j + 1));
  keys_.reserve(static_cast<std::size_t>(groups));
  for (int g = 0; g < groups; ++g) keys_.insert(GroupKey{KeyValue{std::int64_t{g}}});
  counts_.setZero(static_cast<Eigen::Index>(groups) * attributes, cells());
}

void KanoAccumulator::set_suffixes(std::string functional, std::string dysfunctional) {
  for (const std::string* x : {&functional, &dysfunctional})
    if (x->empty() || x->size() > 256) throw config_error("suffixes: expected 1..256 bytes each, got '" + *x + "'");
  if (functional == dysfunctional) throw config_error("suffixes: the two suffixes are the same ('" + functional + "')");
  suffixes_ = {std::move(functional), std::move(dysfunctional)};
}

void KanoAccumulator::relayout(int new_attributes) {
  const int k = attributes(), C = cells();
  if (new_attributes == k) return;
  const Eigen::Index G = groups();
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> c;
  c.setZero(G * new_attributes, C);
  for (Eigen::Index g = 0; g < G; ++g) c.middleRows(g * new_attributes, k) = counts_.middleRows(g * k, k);
  counts_.swap(c);
}

int KanoAccumulator::ensure_group(std::int32_t code) {
  // codes of keys_ are dense: grow the histogram to cover them
  const Eigen::Index need = static_cast<Eigen::Index>(keys_.size()) * attributes();
  if (counts_.rows() < need) {
    const Eigen::Index old = counts_.rows();
    counts_.conservativeResize(need, cells());
    counts_.bottomRows(need - old).setZero();
  }
  return code;
}

void KanoAccumulator::add_attribute(const std::string& name) {
  if (attributes() >= kMaxAttributes)
    throw input_error("attributes: more than " + std::to_string(kMaxAttributes) + " attributes");
  relayout(attributes() + 1);
  attributes_.push_back(name);
}

void KanoAccumulator::update(AnswersRef functional, AnswersRef dysfunctional, Eigen::Ref<const VectorXi32> groups,
                             int workers, std::int64_t row_offset) {
  check_same_shape(functional, dysfunctional);
  const Eigen::Index n = functional.rows(), k = functional.cols();
  if (k != attributes())
    throw input_error("functional: expected " + std::to_string(attributes()) + " columns (one per attribute), got " +
                      std::to_string(k));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one group code per row (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (n == 0) return;
  if (keys_.size() == 0) {
    if (keys_.width() != 0)
      throw input_error("groups: the state is " + describe_keys(keys_.names()) + " and has no group yet; pass keys");
    keys_.insert(GroupKey{});
    ensure_group(0);
  }
  count_wide(functional, dysfunctional, grouped ? groups.data() : nullptr, keys_.size(), levels_, workers, row_offset,
             counts_.data());
  rows_ += n;
}

void KanoAccumulator::update(AnswersRef functional, AnswersRef dysfunctional, const std::vector<std::string>& names,
                             Eigen::Ref<const VectorXi32> codes, const GroupKeys& batch_keys, int workers,
                             std::int64_t row_offset) {
  check_same_shape(functional, dysfunctional);
  const Eigen::Index n = functional.rows(), k = functional.cols();
  if (static_cast<Eigen::Index>(names.size()) != k)
    throw input_error("functional: " + std::to_string(k) + " columns but " + std::to_string(names.size()) +
                      " attribute names");
  if (batch_keys.names() != keys_.names())
    throw input_error("groups: the batch is " + describe_keys(batch_keys.names()) + ", the state " +
                      describe_keys(keys_.names()));
  const bool grouped = codes.size() > 0;
  if (grouped && codes.size() != n)
    throw input_error("groups: expected one group code per row (" + std::to_string(n) + "), got " +
                      std::to_string(codes.size()));
  if (!grouped && keys_.width() != 0)
    throw input_error("groups: the state is " + describe_keys(keys_.names()) + "; expected a group code per row");
  std::vector<std::string> added;
  const std::vector<int> to = map_attributes(attributes_, names, fixed_, true, added);
  if (n == 0) return;
  if (attributes_.size() + added.size() > static_cast<std::size_t>(kMaxAttributes))
    throw input_error("attributes: more than " + std::to_string(kMaxAttributes) + " attributes");
  GroupKeys empty;
  if (!grouped) empty.insert(GroupKey{});
  const GroupKeys& bk = grouped ? batch_keys : empty;
  const int Gb = bk.size(), C = cells();
  if (Gb == 0) throw input_error("groups: group codes given but the batch has no keys");
  // Count into a batch histogram first: the state changes only once the batch is valid.
  std::vector<std::int64_t> h(static_cast<std::size_t>(Gb) * static_cast<std::size_t>(k) * C, 0);
  count_wide(functional, dysfunctional, grouped ? codes.data() : nullptr, Gb, levels_, workers, row_offset, h.data());
  const std::vector<std::int32_t> remap = keys_.merge(bk);
  ensure_group(0);
  if (!added.empty()) {
    relayout(attributes() + static_cast<int>(added.size()));
    attributes_.insert(attributes_.end(), added.begin(), added.end());
  }
  const Eigen::Index K = attributes();
  for (int g = 0; g < Gb; ++g)
    for (Eigen::Index j = 0; j < k; ++j) {
      const std::int64_t* src = h.data() + (static_cast<std::size_t>(g) * k + j) * C;
      std::int64_t* dst =
          counts_.data() +
          (static_cast<Eigen::Index>(remap[static_cast<std::size_t>(g)]) * K + to[static_cast<std::size_t>(j)]) * C;
      for (int c = 0; c < C; ++c) dst[c] += src[c];
    }
  rows_ += n;
}

void KanoAccumulator::update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                                  Eigen::Ref<const VectorXi32> attribute, Eigen::Ref<const VectorXi32> groups,
                                  std::int64_t row_offset) {
  const Eigen::Index n = functional.size();
  if (dysfunctional.size() != n || attribute.size() != n || (groups.size() != 0 && groups.size() != n))
    throw input_error("long data: functional, dysfunctional, attribute and group columns differ in length (" +
                      std::to_string(n) + ", " + std::to_string(dysfunctional.size()) + ", " +
                      std::to_string(attribute.size()) + ", " + std::to_string(groups.size()) + ")");
  if (n == 0) return;
  const int L = levels_, S = L + 1, C = cells(), K = attributes();
  if (keys_.size() == 0) {
    if (keys_.width() != 0)
      throw input_error("groups: the state is " + describe_keys(keys_.names()) + " and has no group yet; pass keys");
    keys_.insert(GroupKey{});
    ensure_group(0);
  }
  const int G_n = keys_.size();
  // Validate first, so that an error leaves the state unchanged.
  for (Eigen::Index i = 0; i < n; ++i) {
    const int f = functional[i], d = dysfunctional[i], a = attribute[i];
    if (f < 0 || f > L) bad_answer("functional", row_offset + i, a, f, L);
    if (d < 0 || d > L) bad_answer("dysfunctional", row_offset + i, a, d, L);
    if (a < 0 || a >= K)
      throw input_error("attribute: row " + std::to_string(row_offset + i) + " has attribute code " +
                        std::to_string(a) + "; expected [0, " + std::to_string(K) + ")");
    if (groups.size() && (groups[i] < 0 || groups[i] >= G_n))
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " +
                        std::to_string(groups[i]) + "; expected [0, " + std::to_string(G_n) + ")");
  }
  std::int64_t* H = counts_.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::int64_t g = groups.size() ? groups[i] : 0;
    ++H[(g * K + attribute[i]) * C + functional[i] * S + dysfunctional[i]];
  }
  rows_ += n;
}

void KanoAccumulator::update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                                  Eigen::Ref<const VectorXi32> attribute,
                                  const std::vector<std::string>& attribute_names, Eigen::Ref<const VectorXi32> codes,
                                  const GroupKeys& batch_keys, std::int64_t row_offset) {
  const Eigen::Index n = functional.size();
  if (dysfunctional.size() != n || attribute.size() != n || (codes.size() != 0 && codes.size() != n))
    throw input_error("long data: functional, dysfunctional, attribute and group columns differ in length (" +
                      std::to_string(n) + ", " + std::to_string(dysfunctional.size()) + ", " +
                      std::to_string(attribute.size()) + ", " + std::to_string(codes.size()) + ")");
  if (batch_keys.names() != keys_.names())
    throw input_error("groups: the batch is " + describe_keys(batch_keys.names()) + ", the state " +
                      describe_keys(keys_.names()));
  const bool grouped = codes.size() > 0;
  if (!grouped && keys_.width() != 0 && n > 0)
    throw input_error("groups: the state is " + describe_keys(keys_.names()) + "; expected a group code per row");
  std::vector<std::string> added;
  const std::vector<int> to = map_attributes(attributes_, attribute_names, fixed_, false, added);
  if (attributes_.size() + added.size() > static_cast<std::size_t>(kMaxAttributes))
    throw input_error("attributes: more than " + std::to_string(kMaxAttributes) + " attributes");
  GroupKeys empty;
  if (!grouped) empty.insert(GroupKey{});
  const GroupKeys& bk = grouped ? batch_keys : empty;
  const int L = levels_, S = L + 1, C = cells(), A = static_cast<int>(attribute_names.size()), Gb = bk.size();
  // Validate the selected rows first (rows of attributes not asked for are not selected).
  std::int64_t selected = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int a = attribute[i];
    if (a < 0 || a >= A)
      throw input_error("attribute: row " + std::to_string(row_offset + i) + " has attribute code " +
                        std::to_string(a) + "; expected [0, " + std::to_string(A) + ")");
    if (to[static_cast<std::size_t>(a)] < 0) continue;
    const int f = functional[i], d = dysfunctional[i];
    if (f < 0 || f > L) bad_answer("functional", row_offset + i, a, f, L);
    if (d < 0 || d > L) bad_answer("dysfunctional", row_offset + i, a, d, L);
    if (grouped && (codes[i] < 0 || codes[i] >= Gb))
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " +
                        std::to_string(codes[i]) + "; expected [0, " + std::to_string(Gb) + ")");
    ++selected;
  }
  if (selected == 0) return;
  const std::vector<std::int32_t> remap = keys_.merge(bk);
  ensure_group(0);
  if (!added.empty()) {
    relayout(attributes() + static_cast<int>(added.size()));
    attributes_.insert(attributes_.end(), added.begin(), added.end());
  }
  const std::int64_t K = attributes();
  std::int64_t* H = counts_.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const int j = to[static_cast<std::size_t>(attribute[i])];
    if (j < 0) continue;
    const std::int64_t g = remap[static_cast<std::size_t>(grouped ? codes[i] : 0)];
    ++H[(g * K + j) * C + functional[i] * S + dysfunctional[i]];
  }
  rows_ += selected;
}

void KanoAccumulator::add_counts(
    const GroupKey& key, const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& block,
    std::int64_t rows) {
  if (block.rows() != attributes() || block.cols() != cells())
    throw input_error("counts: expected " + std::to_string(attributes()) + " x " + std::to_string(cells()) +
                      " (attributes x cells), got " + std::to_string(block.rows()) + " x " +
                      std::to_string(block.cols()));
  if (rows < 0) throw input_error("rows: expected >= 0, got " + std::to_string(rows));
  for (Eigen::Index i = 0; i < block.size(); ++i)
    if (block.data()[i] < 0)
      throw input_error("counts: negative count " + std::to_string(block.data()[i]) + " at cell " + std::to_string(i));
  const std::int32_t g = keys_.insert(key);
  ensure_group(g);
  auto dst = counts_.middleRows(static_cast<Eigen::Index>(g) * attributes(), attributes());
  for (Eigen::Index r = 0; r < dst.rows(); ++r)
    for (Eigen::Index c = 0; c < dst.cols(); ++c) dst(r, c) = checked_add(dst(r, c), block(r, c), "counts");
  rows_ = checked_add(rows_, rows, "rows");
}

KanoAccumulator& KanoAccumulator::merge(const KanoAccumulator& other) {
  if (&other == this) {
    const KanoAccumulator copy = other;
    return merge(copy);
  }
  if (other.levels_ != levels_ || !(other.config_ == config_))
    throw input_error("merge: the Kano states differ in configuration: " + to_json(config_) + " (this one) vs " +
                      to_json(other.config_) + " (the other)");
  if (other.keys_.names() != keys_.names())
    throw input_error("merge: the Kano states differ in grouping: " + describe_keys(keys_.names()) + " (this one) vs " +
                      describe_keys(other.keys_.names()) + " (the other)");
  std::vector<std::string> added;
  const std::vector<int> to = map_attributes(attributes_, other.attributes_, false, false, added);
  if (attributes_.size() + added.size() > static_cast<std::size_t>(kMaxAttributes))
    throw input_error("attributes: more than " + std::to_string(kMaxAttributes) + " attributes");
  // sums checked first, so that an overflow leaves the state unchanged
  const std::int64_t new_rows = checked_add(rows_, other.rows_, "rows");
  {
    std::unordered_map<std::string, int> pos;
    for (std::size_t j = 0; j < attributes_.size(); ++j) pos.emplace(attributes_[j], static_cast<int>(j));
    const Eigen::Index K = attributes(), k = other.attributes(), C = cells();
    for (std::int32_t g = 0; g < other.keys_.size(); ++g) {
      const auto mine = keys_.find(other.keys_.key(g));
      if (!mine) continue;
      for (Eigen::Index j = 0; j < k; ++j) {
        auto it = pos.find(other.attributes_[static_cast<std::size_t>(j)]);
        if (it == pos.end()) continue;
        const std::int64_t* src = other.counts_.data() + (g * k + j) * C;
        const std::int64_t* dst = counts_.data() + (*mine * K + it->second) * C;
        std::int64_t row_total = 0;  // each row's total stays <= 2^62, so summaries cannot overflow
        for (Eigen::Index c = 0; c < C; ++c)
          row_total = checked_add(row_total, checked_add(dst[c], src[c], "counts"), "counts");
        if (row_total > kMaxRowTotal)
          throw input_error("merge: the counts of attribute '" + other.attributes_[static_cast<std::size_t>(j)] +
                            "' would pass 2^62 answers (" + std::to_string(row_total) + "); the state is unchanged");
      }
    }
  }
  const std::vector<std::int32_t> remap = keys_.merge(other.keys_);
  ensure_group(0);
  if (!added.empty()) {
    relayout(attributes() + static_cast<int>(added.size()));
    attributes_.insert(attributes_.end(), added.begin(), added.end());
  }
  const Eigen::Index K = attributes(), k = other.attributes(), C = cells();
  for (Eigen::Index g = 0; g < other.groups(); ++g)
    for (Eigen::Index j = 0; j < k; ++j) {
      const std::int64_t* src = other.counts_.data() + (g * k + j) * C;
      std::int64_t* dst =
          counts_.data() +
          (static_cast<Eigen::Index>(remap[static_cast<std::size_t>(g)]) * K + to[static_cast<std::size_t>(j)]) * C;
      for (Eigen::Index c = 0; c < C; ++c) dst[c] = checked_add(dst[c], src[c], "counts");
    }
  rows_ = new_rows;
  return *this;
}

bool KanoAccumulator::operator==(const KanoAccumulator& o) const {
  if (levels_ != o.levels_ || !(config_ == o.config_) || rows_ != o.rows_ || fixed_ != o.fixed_ ||
      suffixes_ != o.suffixes_ || keys_.names() != o.keys_.names() || attributes_.size() != o.attributes_.size() ||
      keys_.size() != o.keys_.size())
    return false;
  std::unordered_map<std::string, int> pos;
  for (std::size_t j = 0; j < o.attributes_.size(); ++j) pos.emplace(o.attributes_[j], static_cast<int>(j));
  std::vector<int> to(attributes_.size());
  for (std::size_t j = 0; j < attributes_.size(); ++j) {
    auto it = pos.find(attributes_[j]);
    if (it == pos.end()) return false;
    to[j] = it->second;
  }
  const Eigen::Index K = attributes();
  for (std::int32_t g = 0; g < keys_.size(); ++g) {
    const auto og = o.keys_.find(keys_.key(g));
    if (!og) return false;
    for (Eigen::Index j = 0; j < K; ++j)
      if (counts_.row(g * K + j) != o.counts_.row(*og * K + to[static_cast<std::size_t>(j)])) return false;
  }
  return true;
}

namespace {
constexpr char kMagic1[8] = {'S', 'S', 'K', 'A', 'N', 'O', '1', '\0'};
constexpr char kMagic2[8] = {'S', 'S', 'K', 'A', 'N', 'O', '2', '\0'};

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) s.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
std::uint64_t get_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int b = 0; b < bytes; ++b) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[b])) << (8 * b);
  return v;
}

// A cursor over untrusted bytes: every read checks what remains first.
struct Reader {
  std::string_view in;
  std::uint64_t take(int bytes, const char* what) {
    if (in.size() < static_cast<std::size_t>(bytes))
      throw input_error(std::string("from_bytes: the Kano image ends inside ") + what);
    const std::uint64_t v = get_le(in.data(), bytes);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return v;
  }
  std::string_view bytes(std::uint64_t n, std::uint64_t limit, const char* what) {
    if (n > limit)
      throw input_error(std::string("from_bytes: ") + what + " of " + std::to_string(n) + " bytes; at most " +
                        std::to_string(limit));
    if (in.size() < n)
      throw input_error(std::string("from_bytes: the image declares ") + what + " of " + std::to_string(n) +
                        " bytes but " + std::to_string(in.size()) + " remain");
    std::string_view v = in.substr(0, static_cast<std::size_t>(n));
    in.remove_prefix(static_cast<std::size_t>(n));
    return v;
  }
};

// Every (group, attribute) row of an image holds at most 2^62 answers, as update and merge keep it,
// so that the summaries, which add a row's cells in int64, cannot overflow.
void check_row_totals(const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& c,
                      Eigen::Index attributes) {
  for (Eigen::Index i = 0; i < c.rows(); ++i) {
    std::int64_t t = 0;
    for (Eigen::Index j = 0; j < c.cols(); ++j)
      if (__builtin_add_overflow(t, c(i, j), &t) || t > kMaxRowTotal)
        throw input_error("from_bytes: the counts of group " + std::to_string(i / attributes) + ", attribute " +
                          std::to_string(i % attributes) + " sum past 2^62 answers; a corrupt image?");
  }
}

KanoAccumulator read_version1(std::string_view b) {
  if (b.size() < 20) throw input_error("from_bytes: not a serialised Kano state (bad header)");
  const auto g = static_cast<std::int32_t>(get_le(b.data() + 8, 4));
  const auto k = static_cast<std::int32_t>(get_le(b.data() + 12, 4));
  const auto L = static_cast<std::int32_t>(get_le(b.data() + 16, 4));
  if (g < 1 || k < 0 || k > kMaxAttributes || L < 2 || L > kMaxLevels)
    throw input_error("from_bytes: invalid shape " + std::to_string(g) + " x " + std::to_string(k) + " x " +
                      std::to_string(L));
  // sizes declared by untrusted bytes are checked against the length before allocating
  const std::uint64_t per_pair = static_cast<std::uint64_t>(L + 1) * static_cast<std::uint64_t>(L + 1);
  const std::uint64_t pairs = static_cast<std::uint64_t>(g) * static_cast<std::uint64_t>(k);  // < 2^51
  const std::uint64_t avail = (b.size() - 20) / 8;
  if (pairs > avail / per_pair || b.size() != 20 + pairs * per_pair * 8)  // checked by division: no overflow
    throw input_error("from_bytes: the header declares " + std::to_string(g) + " groups x " + std::to_string(k) +
                      " attributes x " + std::to_string(per_pair) + " cells but the image has " +
                      std::to_string(b.size()) + " bytes");
  KanoAccumulator a(g, k, L);
  auto& c = a.counts();
  for (Eigen::Index i = 0; i < c.size(); ++i) {
    const auto v = static_cast<std::int64_t>(get_le(b.data() + 20 + 8 * i, 8));
    if (v < 0) throw input_error("from_bytes: negative count " + std::to_string(v) + " at cell " + std::to_string(i));
    c.data()[i] = v;
  }
  check_row_totals(c, k);
  return a;
}

}  // namespace

std::string KanoAccumulator::to_bytes() const {
  std::string s(kMagic2, sizeof kMagic2);
  put_le(s, 2, 4);
  put_le(s, static_cast<std::uint32_t>(levels_), 4);
  put_le(s, static_cast<std::uint64_t>(rows_), 8);
  s.push_back(static_cast<char>(fixed_ ? 1 : 0));
  const std::string cfg = to_json(config_);
  put_le(s, cfg.size(), 4);
  s += cfg;
  for (const std::string* x : {&suffixes_.first, &suffixes_.second}) {
    put_le(s, x->size(), 4);
    s += *x;
  }
  put_le(s, attributes_.size(), 4);
  for (const auto& a : attributes_) {
    put_le(s, a.size(), 4);
    s += a;
  }
  // groups in key order: equal states give equal bytes whatever order their groups came in
  const std::vector<std::int32_t> order = keys_.sorted_codes();
  GroupKeys sorted(keys_.names());
  sorted.reserve(order.size());
  for (auto g : order) sorted.insert(keys_.key(g));
  sorted.write(s);
  const Eigen::Index K = attributes(), C = cells();
  s.reserve(s.size() + static_cast<std::size_t>(counts_.size()) * 8);
  for (auto g : order)
    for (Eigen::Index c = 0; c < K * C; ++c)
      put_le(s, static_cast<std::uint64_t>(counts_.data()[static_cast<Eigen::Index>(g) * K * C + c]), 8);
  return s;
}

KanoAccumulator KanoAccumulator::from_bytes(std::string_view b) {
  if (b.size() >= 8 && std::memcmp(b.data(), kMagic1, sizeof kMagic1) == 0) return read_version1(b);
  if (b.size() < 8 || std::memcmp(b.data(), kMagic2, sizeof kMagic2) != 0)
    throw input_error("from_bytes: not a serialised Kano state (bad header)");
  Reader r{b.substr(8)};
  const auto version = static_cast<std::uint32_t>(r.take(4, "the version"));
  if (version != 2)
    throw input_error("from_bytes: Kano image version " + std::to_string(version) + "; this build reads 1 and 2");
  const auto L = static_cast<std::uint32_t>(r.take(4, "the levels"));
  if (L < 2 || L > static_cast<std::uint32_t>(kMaxLevels))
    throw input_error("from_bytes: " + std::to_string(L) + " answer levels; expected 2.." + std::to_string(kMaxLevels));
  const auto rows = static_cast<std::int64_t>(r.take(8, "the row count"));
  if (rows < 0) throw input_error("from_bytes: negative row count " + std::to_string(rows));
  const auto flags = r.take(1, "the flags");
  if (flags > 1) throw input_error("from_bytes: unknown flags " + std::to_string(flags));
  const std::string_view cfg_text = r.bytes(r.take(4, "the configuration length"), kMaxConfig, "a configuration");
  KanoConfig cfg;
  try {
    cfg = kano_config_from_json(cfg_text);
  } catch (const std::exception& e) {
    throw input_error(std::string("from_bytes: corrupt configuration: ") + e.what());
  }
  if (cfg.table.levels != static_cast<int>(L))
    throw input_error("from_bytes: the configuration's table has " + std::to_string(cfg.table.levels) +
                      " levels, the image " + std::to_string(L));
  const std::string_view sf = r.bytes(r.take(4, "a suffix length"), 256, "a suffix");
  const std::string_view sd = r.bytes(r.take(4, "a suffix length"), 256, "a suffix");
  const auto k = r.take(4, "the attribute count");
  if (k > static_cast<std::uint64_t>(kMaxAttributes))
    throw input_error("from_bytes: " + std::to_string(k) + " attributes; at most " + std::to_string(kMaxAttributes));
  if (k * 4 > r.in.size())
    throw input_error("from_bytes: the image declares " + std::to_string(k) + " attributes but " +
                      std::to_string(r.in.size()) + " bytes remain");
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(k));
  for (std::uint64_t j = 0; j < k; ++j)
    names.emplace_back(r.bytes(r.take(4, "an attribute name length"), kMaxName, "an attribute name"));
  GroupKeys keys = GroupKeys::read(r.in);
  KanoAccumulator a(std::move(cfg), keys.names(), {}, (flags & 1) != 0);
  try {
    std::vector<std::string> added;
    map_attributes({}, names, false, false, added);
  } catch (const input_error& e) {
    throw input_error(std::string("from_bytes: ") + e.what());
  }
  const std::uint64_t C = (L + 1) * (L + 1);
  const std::uint64_t G = static_cast<std::uint64_t>(keys.size());
  const std::uint64_t avail = r.in.size() / 8;
  // groups x attributes x cells checked against the length by division (no overflow) before allocating
  if ((k > 0 && G > avail / C / k) || r.in.size() != G * k * C * 8)
    throw input_error("from_bytes: the image declares " + std::to_string(G) + " groups x " + std::to_string(k) +
                      " attributes x " + std::to_string(C) + " cells but " + std::to_string(r.in.size()) +
                      " bytes remain");
  try {
    a.set_suffixes(std::string(sf), std::string(sd));
  } catch (const config_error& e) {
    throw input_error(std::string("from_bytes: ") + e.what());
  }
  a.attributes_ = std::move(names);
  a.keys_ = std::move(keys);
  a.rows_ = rows;
  a.counts_.resize(static_cast<Eigen::Index>(G * k), static_cast<Eigen::Index>(C));
  for (Eigen::Index i = 0; i < a.counts_.size(); ++i) {
    const auto v = static_cast<std::int64_t>(get_le(r.in.data() + 8 * i, 8));
    if (v < 0) throw input_error("from_bytes: negative count " + std::to_string(v) + " at cell " + std::to_string(i));
    a.counts_.data()[i] = v;
  }
  check_row_totals(a.counts_, static_cast<Eigen::Index>(k));
  return a;
}

// ---- bootstrap -------------------------------------------------------------------------------------

void KanoBootstrapConfig::validate() const {
  if (n_bootstrap < 10 || n_bootstrap > 1000000)
    throw config_error("n_bootstrap: " + std::to_string(n_bootstrap) +
                       " is out of range; expected 10..1000000 (16 bytes of memory per resample)");
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
}

KanoBootstrapIntervals kano_bootstrap(const Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor>& cc,
                                      const KanoBootstrapConfig& config, int workers,
                                      const std::function<void()>& check) {
  config.validate();
  const Eigen::Index rows = cc.rows();
  for (Eigen::Index i = 0; i < cc.size(); ++i)
    if (cc.data()[i] < 0)
      throw input_error("category_counts: row " + std::to_string(i / 6) + ": negative count " +
                        std::to_string(cc.data()[i]));
  KanoBootstrapIntervals out;
  for (auto* v : {&out.better_lo, &out.better_hi, &out.worse_lo, &out.worse_hi}) v->setConstant(rows, kNaN);
  const int B = config.n_bootstrap;
  const double qlo = (1 - config.level) / 2, qhi = (1 + config.level) / 2;
  std::vector<double> better(static_cast<std::size_t>(B)), worse(static_cast<std::size_t>(B));
  std::vector<char> kept(static_cast<std::size_t>(B));
  constexpr std::ptrdiff_t kBlock = 1 << 14;  // resamples between interrupt checks
  for (Eigen::Index r = 0; r < rows; ++r) {
    const std::int64_t* c = cc.data() + r * 6;
    std::int64_t total = 0;
    for (int j = 0; j < 6; ++j) {
      if (c[j] > std::numeric_limits<std::int64_t>::max() - total)
        throw input_error("category_counts: row " + std::to_string(r) + ": the counts overflow int64");
      total += c[j];
    }
    if (c[0] + c[1] + c[2] + c[3] == 0) continue;
    double w[6];
    for (int j = 0; j < 6; ++j) w[j] = static_cast<double>(c[j]);
    for (std::ptrdiff_t b0 = 0; b0 < B; b0 += kBlock) {
      const std::ptrdiff_t b1 = std::min<std::ptrdiff_t>(B, b0 + kBlock);
      detail::parallel_for(b1 - b0, workers, 256, [&](std::ptrdiff_t s, std::ptrdiff_t e, int) {
        std::int64_t x[6];
        for (std::ptrdiff_t i = b0 + s; i < b0 + e; ++i) {
          // one stream per (row, resample): the draws do not depend on the split between threads
          detail::Xoshiro256 rng(config.seed, static_cast<std::uint64_t>(r) * static_cast<std::uint64_t>(B) +
                                                  static_cast<std::uint64_t>(i));
          detail::multinomial(rng, total, w, 6, x);
          const std::int64_t base = x[0] + x[1] + x[2] + x[3];
          const auto u = static_cast<std::size_t>(i);
          kept[u] = base > 0;
          if (base > 0) {
            better[u] = static_cast<double>(x[0] + x[1]) / static_cast<double>(base);
            worse[u] = -static_cast<double>(x[1] + x[2]) / static_cast<double>(base);
          }
        }
      });
      if (check) check();
    }
    std::size_t m = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(B); ++i)
      if (kept[i]) better[m] = better[i], worse[m] = worse[i], ++m;
    std::sort(better.begin(), better.begin() + static_cast<std::ptrdiff_t>(m));
    std::sort(worse.begin(), worse.begin() + static_cast<std::ptrdiff_t>(m));
    out.better_lo[r] = detail::quantile7_sorted(better.data(), m, qlo);
    out.better_hi[r] = detail::quantile7_sorted(better.data(), m, qhi);
    out.worse_lo[r] = detail::quantile7_sorted(worse.data(), m, qlo);
    out.worse_hi[r] = detail::quantile7_sorted(worse.data(), m, qhi);
  }
  return out;
}

// ---- summary ---------------------------------------------------------------------------------------

KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config) {
  return summarize_kano(state, config, {});
}

KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config,
                           const std::vector<std::int32_t>& group_order) {
  config.validate();
  const int L = config.table.levels;
  if (state.levels() != L)
    throw config_error("table: the state was counted with " + std::to_string(state.levels()) +
                       " answer levels, the table has " + std::to_string(L));
  const int S = L + 1, C = state.cells();
  const auto fp = config.functional_points(), dp = config.dysfunctional_points();
  int rank[6];
  for (int c = 0; c < 6; ++c) rank[c] = 6 + c;
  for (std::size_t i = 0; i < config.precedence.size(); ++i)
    rank[static_cast<int>(config.precedence[i])] = static_cast<int>(i);
  bool in_cont[6] = {true, true, true, true, true, true};
  for (auto c : config.continuous_exclude) in_cont[static_cast<int>(c)] = false;
  const int A = 0, O = 1, M = 2, I = 3, Q = 5;

  const Eigen::Index K = state.attributes();
  for (auto g : group_order)
    if (g < 0 || g >= state.groups())
      throw input_error("group_order: code " + std::to_string(g) + " out of range [0, " +
                        std::to_string(state.groups()) + ")");
  const Eigen::Index rows =
      group_order.empty() ? state.counts().rows() : static_cast<Eigen::Index>(group_order.size()) * K;
  KanoSummary s;
  s.category_counts.setZero(rows, 6);
  s.n.assign(static_cast<std::size_t>(rows), 0);
  s.missing.assign(static_cast<std::size_t>(rows), 0);
  s.mode.assign(static_cast<std::size_t>(rows), -1);
  s.second.assign(static_cast<std::size_t>(rows), -1);
  s.category.assign(static_cast<std::size_t>(rows), -1);
  s.near_tie.assign(static_cast<std::size_t>(rows), false);
  s.fong_significant.assign(static_cast<std::size_t>(rows), false);
  s.n_continuous.assign(static_cast<std::size_t>(rows), 0);
  s.expectation_level.assign(static_cast<std::size_t>(rows), -1);
  s.q_warning.assign(static_cast<std::size_t>(rows), false);
  for (auto* v : {&s.category_strength, &s.total_strength, &s.better, &s.worse, &s.better_lo, &s.better_hi, &s.worse_lo,
                  &s.worse_hi, &s.fong_difference, &s.fong_critical, &s.functional_mean, &s.functional_sd,
                  &s.dysfunctional_mean, &s.dysfunctional_sd, &s.q_share})
    v->setConstant(rows, kNaN);

  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::Index src = group_order.empty() ? r : group_order[static_cast<std::size_t>(r / K)] * K + r % K;
    const std::int64_t* h = state.counts().data() + src * C;
    const auto ru = static_cast<std::size_t>(r);
    std::int64_t cnt[6] = {0, 0, 0, 0, 0, 0};
    std::int64_t miss = 0, ncont = 0;
    double sf = 0, sf2 = 0, sd = 0, sd2 = 0;
    for (int f = 0; f <= L; ++f)
      for (int d = 0; d <= L; ++d) {
        const std::int64_t x = h[f * S + d];
        if (x == 0) continue;
        if (f == 0 || d == 0) {
          miss += x;
          continue;
        }
        const int c = static_cast<int>(config.table.at(f, d));
        cnt[c] += x;
        if (in_cont[c]) {
          const double a = fp[static_cast<std::size_t>(f - 1)], b = dp[static_cast<std::size_t>(d - 1)];
          const double xd = static_cast<double>(x);
          ncont += x;
          sf += xd * a, sf2 += xd * a * a, sd += xd * b, sd2 += xd * b * b;
        }
      }
    for (int c = 0; c < 6; ++c) s.category_counts(r, c) = cnt[c];
    s.missing[ru] = miss;
    const std::int64_t all = cnt[0] + cnt[1] + cnt[2] + cnt[3] + cnt[4] + cnt[5];
    const std::int64_t n = all - (config.exclude_questionable ? cnt[Q] : 0);
    s.n[ru] = n;
    s.n_continuous[ru] = ncont;
    if (all > 0) {
      s.q_share[r] = static_cast<double>(cnt[Q]) / static_cast<double>(all);
      s.q_warning[ru] = s.q_share[r] > config.q_warning_share;
    }
    if (ncont > 0) {
      const double nc = static_cast<double>(ncont);
      s.functional_mean[r] = sf / nc;
      s.dysfunctional_mean[r] = sd / nc;
      if (ncont > 1) {
        s.functional_sd[r] = std::sqrt(std::max(0.0, (sf2 - sf * sf / nc) / (nc - 1)));
        s.dysfunctional_sd[r] = std::sqrt(std::max(0.0, (sd2 - sd * sd / nc) / (nc - 1)));
      }
    }
    const std::int64_t base = cnt[A] + cnt[O] + cnt[M] + cnt[I];
    if (base > 0) {
      const double bd = static_cast<double>(base);
      s.better[r] = static_cast<double>(cnt[A] + cnt[O]) / bd;
      s.worse[r] = -static_cast<double>(cnt[O] + cnt[M]) / bd;
      auto bi = wilson_interval(static_cast<double>(cnt[A] + cnt[O]), bd, config.ci_level);
      auto wi = wilson_interval(static_cast<double>(cnt[O] + cnt[M]), bd, config.ci_level);
      s.better_lo[r] = bi.low, s.better_hi[r] = bi.high;
      s.worse_lo[r] = -wi.high, s.worse_hi[r] = -wi.low;
    }
    if (n <= 0) continue;
    // Candidates: every category in the base; ordered by count, ties by precedence.
    int order[6], m = 0;
    for (int c = 0; c < 6; ++c)
      if (!(config.exclude_questionable && c == Q)) order[m++] = c;
    std::sort(order, order + m, [&](int a, int b) { return cnt[a] != cnt[b] ? cnt[a] > cnt[b] : rank[a] < rank[b]; });
    const int top = order[0], sec = order[1];
    const double nd = static_cast<double>(n);
    s.mode[ru] = top;
    s.second[ru] = sec;
    s.category_strength[r] = static_cast<double>(cnt[top] - cnt[sec]) / nd;
    s.total_strength[r] = static_cast<double>(cnt[A] + cnt[O] + cnt[M]) / nd;
    int cat = top;
    if (s.category_strength[r] < config.near_tie_threshold && cnt[sec] > 0) {
      s.near_tie[ru] = true;
      cat = rank[sec] < rank[top] ? sec : top;
    }
    s.category[ru] = cat;
    const double a = static_cast<double>(cnt[top]), b = static_cast<double>(cnt[sec]);
    s.fong_difference[r] = std::abs(a - b);
    s.fong_critical[r] = config.fong_z * std::sqrt((a + b) * (2 * nd - a - b) / (2 * nd));
    s.fong_significant[ru] = s.fong_difference[r] >= s.fong_critical[r];
    if (cat == M)
      s.expectation_level[ru] = static_cast<int>(s.better[r] < config.basic_better_max ? ExpectationLevel::basic
                                                                                       : ExpectationLevel::expected);
    else if (cat == O)
      s.expectation_level[ru] = static_cast<int>(ExpectationLevel::desired);
    else if (cat == A)
      s.expectation_level[ru] = static_cast<int>(ExpectationLevel::unexpected);
  }
  return s;
}

ChiSquareTest kano_chi_square(const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& t) {
  if (t.rows() < 2) throw input_error("chi-square: expected at least two groups, got " + std::to_string(t.rows()));
  Eigen::MatrixXd x = t.cast<double>();
  for (Eigen::Index g = 0; g < x.rows(); ++g)
    if (x.row(g).sum() <= 0)
      throw input_error("chi-square: group " + std::to_string(g) + " has no classified answers (empty group)");
  const Eigen::VectorXd rs = x.rowwise().sum();
  const Eigen::RowVectorXd cs = x.colwise().sum();
  const double total = rs.sum();
  ChiSquareTest out;
  int cols = 0;
  for (Eigen::Index c = 0; c < x.cols(); ++c) {
    if (cs[c] <= 0) continue;
    ++cols;
    for (Eigen::Index g = 0; g < x.rows(); ++g) {
      const double e = rs[g] * cs[c] / total;
      out.statistic += (x(g, c) - e) * (x(g, c) - e) / e;
    }
  }
  out.dof = static_cast<int>(x.rows() - 1) * (cols - 1);
  out.p_value = out.dof > 0 ? boost::math::gamma_q(out.dof / 2.0, out.statistic / 2.0) : kNaN;
  return out;
}

}  // namespace servscore
