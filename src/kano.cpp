#include "servscore/kano.hpp"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
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

KanoAccumulator::KanoAccumulator(int groups, int attributes, int levels)
    : groups_(groups), attributes_(attributes), levels_(levels) {
  if (groups < 1) throw input_error("groups: expected at least one group, got " + std::to_string(groups));
  if (attributes < 0) throw input_error("attributes: expected >= 0, got " + std::to_string(attributes));
  if (levels < 2 || levels > kMaxLevels)
    throw config_error("levels: " + std::to_string(levels) + " is out of range; expected 2.." +
                       std::to_string(kMaxLevels));
  counts_.setZero(static_cast<Eigen::Index>(groups) * attributes, cells());
}

void KanoAccumulator::update(AnswersRef functional, AnswersRef dysfunctional, Eigen::Ref<const VectorXi32> groups,
                             int workers, std::int64_t row_offset) {
  check_same_shape(functional, dysfunctional);
  const Eigen::Index n = functional.rows(), k = functional.cols();
  if (k != attributes_)
    throw input_error("functional: expected " + std::to_string(attributes_) + " columns (one per attribute), got " +
                      std::to_string(k));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one group code per row (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (n == 0) return;
  const int L = levels_, S = L + 1, C = cells();
  const std::ptrdiff_t fs = functional.outerStride(), ds = dysfunctional.outerStride();
  const std::ptrdiff_t fi = functional.innerStride(), di = dysfunctional.innerStride();
  const auto* F = reinterpret_cast<const std::uint8_t*>(functional.data());
  const auto* D = reinterpret_cast<const std::uint8_t*>(dysfunctional.data());
  const std::int32_t* G = grouped ? groups.data() : nullptr;
  const int G_n = groups_;
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
    h.assign(static_cast<std::size_t>(counts_.size()), 0);
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
  std::int64_t* out = counts_.data();
  for (const auto& h : local)
    if (!h.empty())
      for (std::size_t c = 0; c < h.size(); ++c) out[c] += h[c];
}

void KanoAccumulator::update_long(Eigen::Ref<const VectorXi8> functional, Eigen::Ref<const VectorXi8> dysfunctional,
                                  Eigen::Ref<const VectorXi32> attribute, Eigen::Ref<const VectorXi32> groups,
                                  std::int64_t row_offset) {
  const Eigen::Index n = functional.size();
  if (dysfunctional.size() != n || attribute.size() != n || (groups.size() != 0 && groups.size() != n))
    throw input_error("long data: functional, dysfunctional, attribute and group columns differ in length (" +
                      std::to_string(n) + ", " + std::to_string(dysfunctional.size()) + ", " +
                      std::to_string(attribute.size()) + ", " + std::to_string(groups.size()) + ")");
  const int L = levels_, S = L + 1, C = cells();
  // Validate first, so that an error leaves the state unchanged.
  for (Eigen::Index i = 0; i < n; ++i) {
    const int f = functional[i], d = dysfunctional[i], a = attribute[i];
    if (f < 0 || f > L) bad_answer("functional", row_offset + i, a, f, L);
    if (d < 0 || d > L) bad_answer("dysfunctional", row_offset + i, a, d, L);
    if (a < 0 || a >= attributes_)
      throw input_error("attribute: row " + std::to_string(row_offset + i) + " has attribute code " +
                        std::to_string(a) + "; expected [0, " + std::to_string(attributes_) + ")");
    if (groups.size() && (groups[i] < 0 || groups[i] >= groups_))
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " +
                        std::to_string(groups[i]) + "; expected [0, " + std::to_string(groups_) + ")");
  }
  std::int64_t* H = counts_.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::int64_t g = groups.size() ? groups[i] : 0;
    ++H[(g * attributes_ + attribute[i]) * C + functional[i] * S + dysfunctional[i]];
  }
}

KanoAccumulator& KanoAccumulator::merge(const KanoAccumulator& o) {
  if (o.groups_ != groups_ || o.attributes_ != attributes_ || o.levels_ != levels_)
    throw input_error("merge: states differ in shape (" + std::to_string(groups_) + " groups x " +
                      std::to_string(attributes_) + " attributes x " + std::to_string(levels_) + " levels vs " +
                      std::to_string(o.groups_) + " x " + std::to_string(o.attributes_) + " x " +
                      std::to_string(o.levels_) + ")");
  counts_ += o.counts_;
  return *this;
}

bool KanoAccumulator::operator==(const KanoAccumulator& o) const {
  return groups_ == o.groups_ && attributes_ == o.attributes_ && levels_ == o.levels_ && counts_ == o.counts_;
}

namespace {
constexpr char kMagic[8] = {'S', 'S', 'K', 'A', 'N', 'O', '1', '\0'};

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) s.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
std::uint64_t get_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int b = 0; b < bytes; ++b) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[b])) << (8 * b);
  return v;
}
}  // namespace

std::string KanoAccumulator::to_bytes() const {
  std::string s(kMagic, sizeof kMagic);
  put_le(s, static_cast<std::uint32_t>(groups_), 4);
  put_le(s, static_cast<std::uint32_t>(attributes_), 4);
  put_le(s, static_cast<std::uint32_t>(levels_), 4);
  s.reserve(s.size() + static_cast<std::size_t>(counts_.size()) * 8);
  for (Eigen::Index i = 0; i < counts_.size(); ++i) put_le(s, static_cast<std::uint64_t>(counts_.data()[i]), 8);
  return s;
}

KanoAccumulator KanoAccumulator::from_bytes(std::string_view b) {
  if (b.size() < 20 || std::memcmp(b.data(), kMagic, sizeof kMagic) != 0)
    throw input_error("from_bytes: not a serialised Kano state (bad header)");
  const auto g = static_cast<std::int32_t>(get_le(b.data() + 8, 4));
  const auto k = static_cast<std::int32_t>(get_le(b.data() + 12, 4));
  const auto L = static_cast<std::int32_t>(get_le(b.data() + 16, 4));
  if (g < 1 || k < 0 || L < 2 || L > kMaxLevels)
    throw input_error("from_bytes: invalid shape " + std::to_string(g) + " x " + std::to_string(k) + " x " +
                      std::to_string(L));
  // sizes declared by untrusted bytes are checked against the length before allocating
  const std::uint64_t per_pair =
      static_cast<std::uint64_t>(L + 1) * static_cast<std::uint64_t>(L + 1);                  // missing is a level
  const std::uint64_t pairs = static_cast<std::uint64_t>(g) * static_cast<std::uint64_t>(k);  // < 2^62
  const std::uint64_t avail = (b.size() - 20) / 8;
  if (pairs > avail / per_pair || b.size() != 20 + pairs * per_pair * 8)  // checked by division: no overflow
    throw input_error("from_bytes: the header declares " + std::to_string(g) + " groups x " + std::to_string(k) +
                      " attributes x " + std::to_string(per_pair) + " cells but the image has " +
                      std::to_string(b.size()) + " bytes");
  const std::uint64_t cells = pairs * per_pair;
  KanoAccumulator a(g, k, L);
  if (static_cast<std::uint64_t>(a.counts_.size()) != cells)
    throw input_error("from_bytes: unexpected Kano state layout");
  for (Eigen::Index i = 0; i < a.counts_.size(); ++i) {
    const auto v = static_cast<std::int64_t>(get_le(b.data() + 20 + 8 * i, 8));
    if (v < 0) throw input_error("from_bytes: negative count at cell " + std::to_string(i));
    a.counts_.data()[i] = v;
  }
  return a;
}

// ---- summary ---------------------------------------------------------------------------------------

KanoSummary summarize_kano(const KanoAccumulator& state, const KanoConfig& config) {
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

  const Eigen::Index rows = state.counts().rows();
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
    const std::int64_t* h = state.counts().data() + r * C;
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
