#include "servscore/servqual.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::ptrdiff_t kMinChunk = 4096;

void check_form(int form) {
  if (form != 1988 && form != 1991)
    throw config_error("form: " + std::to_string(form) + " is not a built-in SERVQUAL form; expected 1988 or 1991");
}
}  // namespace

std::vector<ServqualItem> servqual_items(int form) {
  check_form(form);
  std::vector<ServqualItem> v;
  for (int q = 1; q <= 22; ++q) {
    ServqualItem it;
    it.name = "q" + std::to_string(q);
    it.dimension = q <= 4    ? RaterDimension::tangibles
                   : q <= 9  ? RaterDimension::reliability
                   : q <= 13 ? RaterDimension::responsiveness
                   : q <= 17 ? RaterDimension::assurance
                             : RaterDimension::empathy;
    it.reverse_expectation = form == 1988 && ((q >= 10 && q <= 13) || q >= 18);
    v.push_back(std::move(it));
  }
  return v;
}

void ServqualConfig::validate() const {
  for (auto [lo_key, hi_key, lo, hi] : {std::tuple{"scale_min", "scale_max", scale_min, scale_max},
                                        std::tuple{"zot_scale_min", "zot_scale_max", zot_scale_min, zot_scale_max}})
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
      throw config_error(std::string(lo_key) + "/" + hi_key + ": expected finite numbers with " + lo_key + " < " +
                         hi_key + ", got " + detail::format_number(lo) + " and " + detail::format_number(hi));
  if (!(std::isfinite(allocation_total) && allocation_total > 0))
    throw config_error("allocation_total: " + detail::format_number(allocation_total) + "; expected a number > 0");
  if (!(allocation_tolerance >= 0 && std::isfinite(allocation_tolerance)))
    throw config_error("allocation_tolerance: " + detail::format_number(allocation_tolerance) +
                       "; expected a finite number >= 0");
  if (!(min_coverage > 0.0 && min_coverage <= 1.0))
    throw config_error("min_coverage: " + detail::format_number(min_coverage) + " is out of range; expected (0, 1]");
  if (items.empty()) throw config_error("items: expected at least one item, got none");
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string where = "items[" + std::to_string(i) + "]";
    if (items[i].name.empty()) throw config_error(where + ".name: expected a non-empty name");
    for (std::size_t j = 0; j < i; ++j)
      if (items[j].name == items[i].name) throw config_error(where + ".name: duplicate item '" + items[i].name + "'");
  }
}

std::vector<RaterDimension> ServqualConfig::dimensions() const {
  std::vector<RaterDimension> out;
  for (const auto& it : items)
    if (std::find(out.begin(), out.end(), it.dimension) == out.end()) out.push_back(it.dimension);
  return out;
}

std::vector<std::vector<int>> ServqualConfig::dimension_items() const {
  auto dims = dimensions();
  std::vector<std::vector<int>> out(dims.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto d = std::find(dims.begin(), dims.end(), items[i].dimension) - dims.begin();
    out[static_cast<std::size_t>(d)].push_back(static_cast<int>(i));
  }
  return out;
}

int ServqualConfig::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return -1;
}

bool ServqualConfig::operator==(const ServqualConfig& o) const {
  return form == o.form && scale_min == o.scale_min && scale_max == o.scale_max && zot_scale_min == o.zot_scale_min &&
         zot_scale_max == o.zot_scale_max && items == o.items && allocation_total == o.allocation_total &&
         allocation_tolerance == o.allocation_tolerance && min_coverage == o.min_coverage;
}

void tag_invoke(json::value_from_tag, json::value& jv, const ServqualItem& it) {
  jv = {{"name", it.name},
        {"dimension", to_string(it.dimension)},
        {"reverse_expectation", it.reverse_expectation},
        {"reverse_perception", it.reverse_perception}};
}

void tag_invoke(json::value_from_tag, json::value& jv, const ServqualConfig& c) {
  json::array items;
  for (const auto& it : c.items) items.push_back(json::value_from(it));
  jv = {{"form", c.form},
        {"scale_min", c.scale_min},
        {"scale_max", c.scale_max},
        {"zot_scale_min", c.zot_scale_min},
        {"zot_scale_max", c.zot_scale_max},
        {"items", std::move(items)},
        {"allocation_total", c.allocation_total},
        {"allocation_tolerance", c.allocation_tolerance},
        {"min_coverage", c.min_coverage}};
}

ServqualConfig tag_invoke(json::value_to_tag<ServqualConfig>, const json::value& jv) {
  ServqualConfig c;
  detail::ObjectReader r(jv, "config");
  r.integer("form", c.form, 0, 9999);
  if (c.form != 0) {
    try {
      c.items = servqual_items(c.form);
    } catch (const config_error& e) {
      throw config_error(std::string("config.") + e.what() + " (or 0 for a custom item map)");
    }
  }
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  r.number("zot_scale_min", c.zot_scale_min);
  r.number("zot_scale_max", c.zot_scale_max);
  r.number("allocation_total", c.allocation_total);
  r.number("allocation_tolerance", c.allocation_tolerance, 0);
  r.number("min_coverage", c.min_coverage, 0, 1);
  if (const json::value* v = r.raw("items")) {
    if (!v->is_array())
      throw config_error("config.items: expected a list of items, got " + std::string(detail::json_kind(*v)));
    std::vector<ServqualItem> items;
    std::size_t i = 0;
    for (const auto& item : v->get_array()) {
      std::string path = "config.items[" + std::to_string(i++) + "]";
      ServqualItem it;
      detail::ObjectReader ir(item, path);
      ir.string("name", it.name);
      if (!ir.has("name")) throw config_error(path + ".name: required");
      ir.enumeration("dimension", it.dimension);
      if (!ir.has("dimension"))
        throw config_error(path + ".dimension: required (tangibles, reliability, responsiveness, assurance, empathy)");
      ir.boolean("reverse_expectation", it.reverse_expectation);
      ir.boolean("reverse_perception", it.reverse_perception);
      ir.finish();
      items.push_back(std::move(it));
    }
    if (items != c.items) {
      c.items = std::move(items);
      if (!r.has("form") || c.form != 0) c.form = 0;  // a custom map is no longer a published form
    }
  }
  r.finish();
  c.validate();
  return c;
}

ServqualConfig servqual_config_from_json(std::string_view text) {
  return json::value_to<ServqualConfig>(detail::parse_json(text, "servqual config"));
}

std::string to_json(const ServqualConfig& config) {
  return detail::dump_json(json::value_from(config));
}

std::string servqual_form_json(int form) {
  check_form(form);
  ServqualConfig c;
  c.form = form;
  c.items = servqual_items(form);
  return to_json(c);
}

// ------------------------------------------------------------------------------------------ scores

namespace {

[[noreturn]] void out_of_scale(const char* what, std::ptrdiff_t row, const std::string& col, double v, double lo,
                               double hi) {
  throw input_error(std::string(what) + ": row " + std::to_string(row) + ", column '" + col + "': value " +
                    detail::format_number(v) + " is outside the scale [" + detail::format_number(lo) + ", " +
                    detail::format_number(hi) + "]");
}

void check_shape(const char* what, RecordsRef x, Eigen::Index n, std::size_t k) {
  if (x.cols() != static_cast<Eigen::Index>(k))
    throw input_error(std::string(what) + ": expected " + std::to_string(k) + " columns (one per item), got " +
                      std::to_string(x.cols()));
  if (x.rows() != n)
    throw input_error(std::string(what) + ": " + std::to_string(x.rows()) + " rows, but the perceptions have " +
                      std::to_string(n));
}

// Mean of the values of `row` at `idx` (NaN when fewer than `need` are present).
double dim_mean(const double* row, const std::vector<int>& idx, std::size_t need) {
  double s = 0;
  std::size_t c = 0;
  for (int j : idx) {
    double v = row[j];
    if (!std::isnan(v)) {
      s += v;
      ++c;
    }
  }
  return c >= need && c > 0 ? s / static_cast<double>(c) : kNaN;
}

std::size_t needed(const std::vector<int>& idx, double coverage) {
  return static_cast<std::size_t>(std::ceil(coverage * static_cast<double>(idx.size()) - 1e-9));
}

}  // namespace

ServqualScores servqual_scores(RecordsRef expectations, RecordsRef perceptions, const ServqualConfig& config,
                               RecordsRef allocations, int workers) {
  config.validate();
  const std::size_t k = config.items.size();
  const Eigen::Index n = perceptions.rows();
  if (n == 0) throw input_error("perceptions: the input is empty (0 rows)");
  check_shape("perceptions", perceptions, n, k);
  const bool has_e = expectations.cols() > 0 || expectations.rows() > 0;
  if (has_e) check_shape("expectations", expectations, n, k);
  const auto groups = config.dimension_items();
  const std::size_t D = groups.size();
  const bool has_alloc = allocations.cols() > 0 || allocations.rows() > 0;
  if (has_alloc) {
    if (allocations.cols() != static_cast<Eigen::Index>(D))
      throw input_error("allocations: expected " + std::to_string(D) + " columns (one per dimension), got " +
                        std::to_string(allocations.cols()));
    if (allocations.rows() != n)
      throw input_error("allocations: " + std::to_string(allocations.rows()) + " rows, but the perceptions have " +
                        std::to_string(n));
  }
  const auto dims = config.dimensions();
  ServqualScores s;
  s.item_p.resize(n, static_cast<Eigen::Index>(k));
  s.dim_p.resize(n, static_cast<Eigen::Index>(D));
  s.servperf.resize(n);
  if (has_e) {
    s.item_e.resize(n, static_cast<Eigen::Index>(k));
    s.item_gap.resize(n, static_cast<Eigen::Index>(k));
    s.dim_e.resize(n, static_cast<Eigen::Index>(D));
    s.dim_gap.resize(n, static_cast<Eigen::Index>(D));
    s.servqual.resize(n);
  }
  if (has_alloc) {
    s.allocation = allocations;
    s.weighted_servperf.resize(n);
    if (has_e) s.weighted_servqual.resize(n);
  }
  const double lo = config.scale_min, hi = config.scale_max, flip = lo + hi;
  std::vector<std::size_t> need(D);
  for (std::size_t d = 0; d < D; ++d) need[d] = needed(groups[d], config.min_coverage);
  const double total = config.allocation_total;

  detail::parallel_for(n, workers, kMinChunk, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    for (std::ptrdiff_t i = b; i < e; ++i) {
      for (std::size_t j = 0; j < k; ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        double p = perceptions(i, jj);
        if (!std::isnan(p)) {
          if (!(p >= lo && p <= hi)) out_of_scale("perceptions", i, config.items[j].name, p, lo, hi);
          if (config.items[j].reverse_perception) p = flip - p;
        }
        s.item_p(i, jj) = p;
        if (has_e) {
          double x = expectations(i, jj);
          if (!std::isnan(x)) {
            if (!(x >= lo && x <= hi)) out_of_scale("expectations", i, config.items[j].name, x, lo, hi);
            if (config.items[j].reverse_expectation) x = flip - x;
          }
          s.item_e(i, jj) = x;
          s.item_gap(i, jj) = p - x;  // NaN when either is missing
        }
      }
      double sp = 0, sq = 0;
      for (std::size_t d = 0; d < D; ++d) {
        const auto dd = static_cast<Eigen::Index>(d);
        s.dim_p(i, dd) = dim_mean(s.item_p.row(i).data(), groups[d], need[d]);
        sp += s.dim_p(i, dd);
        if (has_e) {
          s.dim_e(i, dd) = dim_mean(s.item_e.row(i).data(), groups[d], need[d]);
          s.dim_gap(i, dd) = dim_mean(s.item_gap.row(i).data(), groups[d], need[d]);
          sq += s.dim_gap(i, dd);
        }
      }
      s.servperf(i) = sp / static_cast<double>(D);
      if (has_e) s.servqual(i) = sq / static_cast<double>(D);
      if (has_alloc) {
        double sum = 0;
        bool missing = false;
        for (std::size_t d = 0; d < D; ++d) {
          double a = allocations(i, static_cast<Eigen::Index>(d));
          if (std::isnan(a)) {
            missing = true;
            continue;
          }
          if (!(a >= 0 && std::isfinite(a)))
            throw input_error("allocations: row " + std::to_string(i) + ", column '" + to_string(dims[d]) +
                              "': value " + detail::format_number(a) + " is not valid; expected points >= 0");
          sum += a;
        }
        double wsp = kNaN, wsq = kNaN;
        if (!missing) {
          if (std::abs(sum - total) > config.allocation_tolerance)
            throw input_error("allocations: row " + std::to_string(i) + ": the points sum to " +
                              detail::format_number(sum) + "; expected " + detail::format_number(total) + " (+-" +
                              detail::format_number(config.allocation_tolerance) + ")");
          wsp = 0;
          wsq = 0;
          for (std::size_t d = 0; d < D; ++d) {
            const auto dd = static_cast<Eigen::Index>(d);
            double w = allocations(i, dd) / total;
            wsp += w * s.dim_p(i, dd);
            if (has_e) wsq += w * s.dim_gap(i, dd);
          }
        }
        s.weighted_servperf(i) = wsp;
        if (has_e) s.weighted_servqual(i) = wsq;
      }
    }
  });
  return s;
}

// --------------------------------------------------------------------------------- accumulator

namespace {
enum Slot { kItemE, kItemP, kItemGap, kDimE, kDimP, kDimGap, kAlloc, kOverall, kSlots };

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}
void put_blob(std::string& out, const std::string& blob) {
  put<std::uint64_t>(out, blob.size());
  out.append(blob);
}

class Reader {
 public:
  Reader(std::string_view s, const char* what) : s_(s), what_(what) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view blob() {
    auto len = static_cast<std::size_t>(get<std::uint64_t>());
    need(len);
    auto v = s_.substr(pos_, len);
    pos_ += len;
    return v;
  }
  void expect(std::string_view magic) {
    need(magic.size());
    if (s_.substr(0, magic.size()) != magic)
      throw input_error(std::string(what_) + ": not a servscore state (bad header)");
    pos_ = magic.size();
  }
  void finish() const {
    if (pos_ != s_.size()) throw input_error(std::string(what_) + ": trailing bytes after the state");
  }

 private:
  void need(std::size_t k) const {
    if (pos_ + k > s_.size()) throw input_error(std::string(what_) + ": truncated data");
  }
  std::string_view s_;
  const char* what_;
  std::size_t pos_ = 0;
};

Moments pick(const RowMatrixXd& x, const std::vector<int>& idx) {
  RowMatrixXd sub(x.rows(), static_cast<Eigen::Index>(idx.size()));
  for (std::size_t a = 0; a < idx.size(); ++a) sub.col(static_cast<Eigen::Index>(a)) = x.col(idx[a]);
  Moments m(static_cast<int>(idx.size()), MissingPolicy::listwise);
  m.update(sub);
  return m;
}
}  // namespace

ServqualAccumulator::ServqualAccumulator(const ServqualConfig& config, bool perceptions_only)
    : config_(config), perceptions_only_(perceptions_only) {
  config_.validate();
  const int k = static_cast<int>(config_.items.size());
  const auto groups = config_.dimension_items();
  const int D = static_cast<int>(groups.size());
  const int sizes[kSlots] = {k, k, k, D, D, D, D, 4};
  for (int s = 0; s < kSlots; ++s) moments_.emplace_back(sizes[s], MissingPolicy::pairwise);
  for (const auto& g : groups) {
    rel_p_.emplace_back(static_cast<int>(g.size()), MissingPolicy::listwise);
    rel_gap_.emplace_back(static_cast<int>(g.size()), MissingPolicy::listwise);
  }
}

ServqualAccumulator& ServqualAccumulator::add(const ServqualScores& s) {
  if (moments_.empty()) throw input_error("ServqualAccumulator: construct it with a configuration first");
  const Eigen::Index n = s.item_p.rows();
  if (s.item_p.cols() != static_cast<Eigen::Index>(config_.items.size()))
    throw input_error("ServqualAccumulator.add: the scores have " + std::to_string(s.item_p.cols()) +
                      " items; expected " + std::to_string(config_.items.size()));
  const bool has_e = s.item_e.size() > 0 || (s.item_e.cols() > 0);
  if (!perceptions_only_ && !has_e && n > 0)
    throw input_error("ServqualAccumulator.add: SERVQUAL needs expectations; these are SERVPERF scores");
  const auto groups = config_.dimension_items();
  const int D = static_cast<int>(groups.size());
  n_rows_ += n;
  moments_[kItemP].update(s.item_p);
  moments_[kDimP].update(s.dim_p);
  if (!perceptions_only_) {
    moments_[kItemE].update(s.item_e);
    moments_[kItemGap].update(s.item_gap);
    moments_[kDimE].update(s.dim_e);
    moments_[kDimGap].update(s.dim_gap);
  }
  RowMatrixXd overall(n, 4);
  overall.col(0) = perceptions_only_ ? Eigen::VectorXd::Constant(n, kNaN) : s.servqual;
  overall.col(2) = s.servperf;
  if (s.allocation.size() > 0 || s.allocation.cols() > 0) {
    overall.col(1) = perceptions_only_ ? Eigen::VectorXd::Constant(n, kNaN) : s.weighted_servqual;
    overall.col(3) = s.weighted_servperf;
    moments_[kAlloc].update(s.allocation);
    for (Eigen::Index i = 0; i < n; ++i)
      if (std::isnan(s.weighted_servperf(i))) ++n_missing_allocation_;
  } else {
    overall.col(1).setConstant(kNaN);
    overall.col(3).setConstant(kNaN);
  }
  moments_[kOverall].update(overall);
  for (int d = 0; d < D; ++d) {
    rel_p_[static_cast<std::size_t>(d)].merge(pick(s.item_p, groups[static_cast<std::size_t>(d)]));
    if (!perceptions_only_)
      rel_gap_[static_cast<std::size_t>(d)].merge(pick(s.item_gap, groups[static_cast<std::size_t>(d)]));
  }
  return *this;
}

ServqualAccumulator& ServqualAccumulator::update(RecordsRef expectations, RecordsRef perceptions,
                                                 RecordsRef allocations, int workers) {
  if (perceptions_only_ && expectations.size() > 0)
    throw input_error("ServqualAccumulator.update: a SERVPERF accumulator takes perceptions only");
  if (!perceptions_only_ && expectations.size() == 0)
    throw input_error("expectations: SERVQUAL needs expectations (use SERVPERF for perceptions only)");
  return add(servqual_scores(expectations, perceptions, config_, allocations, workers));
}

ServqualAccumulator& ServqualAccumulator::merge(const ServqualAccumulator& other) {
  if (!(other.config_ == config_) || other.perceptions_only_ != perceptions_only_)
    throw input_error("ServqualAccumulator.merge: the accumulators have different configurations");
  // the row counts first, so that an overflow (counts near 2^63 from an accepted image: found by
  // fuzz_state_bytes) is refused before anything changes
  std::int64_t rows = 0, missing = 0;
  if (__builtin_add_overflow(n_rows_, other.n_rows_, &rows) ||
      __builtin_add_overflow(n_missing_allocation_, other.n_missing_allocation_, &missing))
    throw input_error("ServqualAccumulator.merge: the row counts (" + std::to_string(n_rows_) + " and " +
                      std::to_string(other.n_rows_) + ") overflow a 64-bit count");
  for (std::size_t s = 0; s < moments_.size(); ++s) moments_[s].merge(other.moments_[s]);
  for (std::size_t d = 0; d < rel_p_.size(); ++d) {
    rel_p_[d].merge(other.rel_p_[d]);
    rel_gap_[d].merge(other.rel_gap_[d]);
  }
  n_rows_ = rows;
  n_missing_allocation_ = missing;
  return *this;
}

ServqualSummary ServqualAccumulator::result() const {
  if (moments_.empty()) throw input_error("ServqualAccumulator: construct it with a configuration first");
  if (n_rows_ == 0) throw input_error("ServqualAccumulator.result: no respondents were added");
  ServqualSummary r;
  r.has_expectations = !perceptions_only_;
  r.n_rows = n_rows_;
  r.n_missing_allocation = n_missing_allocation_;
  const Eigen::Index k = static_cast<Eigen::Index>(config_.items.size());
  const auto groups = config_.dimension_items();
  const Eigen::Index D = static_cast<Eigen::Index>(groups.size());
  auto mean_of = [](const Moments& m, Eigen::Index j) { return m.pair_count()(j, j) > 0 ? m.mean()(j) : kNaN; };
  auto sd_of = [](const Moments& m, Eigen::Index j) {
    double v = m.covariance(1.0)(j, j);
    return std::isnan(v) ? kNaN : std::sqrt(std::max(0.0, v));
  };
  r.items.resize(k, 7);
  for (Eigen::Index j = 0; j < k; ++j) {
    const Moments& p = moments_[kItemP];
    r.items(j, 1) = mean_of(p, j);
    r.items(j, 6) = static_cast<double>(p.n_missing()(j));
    if (perceptions_only_) {
      r.items(j, 0) = r.items(j, 2) = r.items(j, 3) = kNaN;
      r.items(j, 4) = static_cast<double>(p.pair_count()(j, j));
      r.items(j, 5) = kNaN;
    } else {
      r.items(j, 0) = mean_of(moments_[kItemE], j);
      r.items(j, 2) = mean_of(moments_[kItemGap], j);
      r.items(j, 3) = sd_of(moments_[kItemGap], j);
      r.items(j, 4) = static_cast<double>(moments_[kItemGap].pair_count()(j, j));
      r.items(j, 5) = static_cast<double>(moments_[kItemE].n_missing()(j));
    }
  }
  r.dimensions.resize(D, 9);
  double sum_sq = 0, sum_sp = 0;
  Eigen::Index used_sq = 0, used_sp = 0;  // dimensions with a mean: the headline skips the others
  const bool has_alloc = moments_[kAlloc].n_rows() > 0;
  for (Eigen::Index d = 0; d < D; ++d) {
    const auto& g = groups[static_cast<std::size_t>(d)];
    r.dimensions(d, 1) = mean_of(moments_[kDimP], d);
    r.dimensions(d, 8) = static_cast<double>(moments_[kDimP].pair_count()(d, d));
    r.dimensions(d, 5) = has_alloc ? mean_of(moments_[kAlloc], d) : kNaN;
    auto alpha_of = [&](const Moments& m) {
      if (g.size() < 2 || m.n_used() < 2) return kNaN;
      return cronbach_alpha(m).alpha;
    };
    r.dimensions(d, 6) = alpha_of(rel_p_[static_cast<std::size_t>(d)]);
    if (!std::isnan(r.dimensions(d, 1))) sum_sp += r.dimensions(d, 1), ++used_sp;
    if (perceptions_only_) {
      r.dimensions(d, 0) = r.dimensions(d, 2) = r.dimensions(d, 3) = r.dimensions(d, 7) = kNaN;
      r.dimensions(d, 4) = r.dimensions(d, 8);
    } else {
      r.dimensions(d, 0) = mean_of(moments_[kDimE], d);
      r.dimensions(d, 2) = mean_of(moments_[kDimGap], d);
      r.dimensions(d, 3) = sd_of(moments_[kDimGap], d);
      r.dimensions(d, 4) = static_cast<double>(moments_[kDimGap].pair_count()(d, d));
      r.dimensions(d, 7) = alpha_of(rel_gap_[static_cast<std::size_t>(d)]);
      if (!std::isnan(r.dimensions(d, 2))) sum_sq += r.dimensions(d, 2), ++used_sq;
    }
  }
  r.servperf = used_sp ? sum_sp / static_cast<double>(used_sp) : kNaN;
  r.servqual = perceptions_only_ || !used_sq ? kNaN : sum_sq / static_cast<double>(used_sq);
  r.n_dimensions_used = perceptions_only_ ? used_sp : used_sq;
  const Moments& o = moments_[kOverall];
  r.respondent_servqual = perceptions_only_ ? kNaN : mean_of(o, 0);
  r.weighted_servqual = perceptions_only_ ? kNaN : mean_of(o, 1);
  r.weighted_servperf = mean_of(o, 3);
  r.n_weighted = perceptions_only_ ? o.pair_count()(3, 3) : o.pair_count()(1, 1);
  return r;
}

std::string ServqualAccumulator::to_bytes() const {
  std::string out = "SSSERVQ1";
  put_blob(out, to_json(config_));
  put<std::uint8_t>(out, perceptions_only_ ? 1 : 0);
  put<std::int64_t>(out, n_rows_);
  put<std::int64_t>(out, n_missing_allocation_);
  for (const auto& m : moments_) put_blob(out, m.to_bytes());
  for (std::size_t d = 0; d < rel_p_.size(); ++d) {
    put_blob(out, rel_p_[d].to_bytes());
    put_blob(out, rel_gap_[d].to_bytes());
  }
  return out;
}

ServqualAccumulator ServqualAccumulator::from_bytes(std::string_view bytes) {
  Reader rd(bytes, "ServqualAccumulator.from_bytes");
  rd.expect("SSSERVQ1");
  ServqualConfig cfg = servqual_config_from_json(rd.blob());
  bool po = rd.get<std::uint8_t>() != 0;
  ServqualAccumulator a(cfg, po);
  a.n_rows_ = rd.get<std::int64_t>();
  a.n_missing_allocation_ = rd.get<std::int64_t>();
  for (auto& m : a.moments_) m = Moments::from_bytes(rd.blob());
  for (std::size_t d = 0; d < a.rel_p_.size(); ++d) {
    a.rel_p_[d] = Moments::from_bytes(rd.blob());
    a.rel_gap_[d] = Moments::from_bytes(rd.blob());
  }
  rd.finish();
  return a;
}

// ------------------------------------------------------------------------------ zone of tolerance

ZotScores zot_scores(RecordsRef adequate, RecordsRef desired, RecordsRef perceived, const ServqualConfig& config,
                     int workers) {
  config.validate();
  const std::size_t k = config.items.size();
  const Eigen::Index n = perceived.rows();
  if (n == 0) throw input_error("perceived: the input is empty (0 rows)");
  check_shape("perceived", perceived, n, k);
  check_shape("adequate", adequate, n, k);
  check_shape("desired", desired, n, k);
  const auto groups = config.dimension_items();
  const std::size_t D = groups.size();
  const double lo = config.zot_scale_min, hi = config.zot_scale_max;
  ZotScores z;
  const auto kk = static_cast<Eigen::Index>(k), DD = static_cast<Eigen::Index>(D);
  z.item_a.resize(n, kk);
  z.item_d.resize(n, kk);
  z.item_p.resize(n, kk);
  z.msa.resize(n, kk);
  z.mss.resize(n, kk);
  z.dim_a.resize(n, DD);
  z.dim_d.resize(n, DD);
  z.dim_p.resize(n, DD);
  std::vector<std::size_t> need(D);
  for (std::size_t d = 0; d < D; ++d) need[d] = needed(groups[d], config.min_coverage);
  detail::parallel_for(n, workers, kMinChunk, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    std::vector<double> ra(k), rdd(k), rp(k);
    for (std::ptrdiff_t i = b; i < e; ++i) {
      for (std::size_t j = 0; j < k; ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        double a = adequate(i, jj), d = desired(i, jj), p = perceived(i, jj);
        if (!std::isnan(a) && !(a >= lo && a <= hi)) out_of_scale("adequate", i, config.items[j].name, a, lo, hi);
        if (!std::isnan(d) && !(d >= lo && d <= hi)) out_of_scale("desired", i, config.items[j].name, d, lo, hi);
        if (!std::isnan(p) && !(p >= lo && p <= hi)) out_of_scale("perceived", i, config.items[j].name, p, lo, hi);
        bool ok = !std::isnan(a) && !std::isnan(d) && !std::isnan(p);
        ra[j] = z.item_a(i, jj) = ok ? a : kNaN;
        rdd[j] = z.item_d(i, jj) = ok ? d : kNaN;
        rp[j] = z.item_p(i, jj) = ok ? p : kNaN;
        z.msa(i, jj) = ok ? p - a : kNaN;
        z.mss(i, jj) = ok ? p - d : kNaN;
      }
      for (std::size_t d = 0; d < D; ++d) {
        const auto dd = static_cast<Eigen::Index>(d);
        z.dim_a(i, dd) = dim_mean(ra.data(), groups[d], need[d]);
        z.dim_d(i, dd) = dim_mean(rdd.data(), groups[d], need[d]);
        z.dim_p(i, dd) = dim_mean(rp.data(), groups[d], need[d]);
      }
    }
  });
  return z;
}

ZotAccumulator::ZotAccumulator(const ServqualConfig& config) : config_(config) {
  config_.validate();
  const auto rows = static_cast<Eigen::Index>(config_.items.size() + config_.dimension_items().size());
  sums_ = Eigen::MatrixXd::Zero(rows, 8);
}

ZotAccumulator& ZotAccumulator::add(const ZotScores& z) {
  if (sums_.size() == 0) throw input_error("ZotAccumulator: construct it with a configuration first");
  const Eigen::Index k = static_cast<Eigen::Index>(config_.items.size());
  const Eigen::Index D = sums_.rows() - k;
  if (z.item_p.cols() != k || z.dim_a.cols() != D)
    throw input_error("ZotAccumulator.add: the scores do not match the configuration's items");
  const Eigen::Index n = z.item_p.rows();
  n_rows_ += n;
  auto fold = [&](Eigen::Index row, double a, double d, double p) {
    if (std::isnan(a) || std::isnan(d) || std::isnan(p)) return;
    sums_(row, 0) += 1;
    sums_(row, 1) += a;
    sums_(row, 2) += d;
    sums_(row, 3) += p;
    if (p < a)
      sums_(row, 4) += 1;  // below the zone (MSA < 0)
    else if (p > d)
      sums_(row, 6) += 1;  // above the zone (MSS > 0)
    else
      sums_(row, 5) += 1;
    if (d < a) sums_(row, 7) += 1;  // inverted zone: desired below adequate
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) fold(j, z.item_a(i, j), z.item_d(i, j), z.item_p(i, j));
    for (Eigen::Index d = 0; d < D; ++d) fold(k + d, z.dim_a(i, d), z.dim_d(i, d), z.dim_p(i, d));
  }
  return *this;
}

ZotAccumulator& ZotAccumulator::update(RecordsRef adequate, RecordsRef desired, RecordsRef perceived, int workers) {
  return add(zot_scores(adequate, desired, perceived, config_, workers));
}

ZotAccumulator& ZotAccumulator::merge(const ZotAccumulator& other) {
  if (!(other.config_ == config_))
    throw input_error("ZotAccumulator.merge: the accumulators have different configurations");
  std::int64_t rows = 0;  // an image's count may be near 2^63: refused before anything changes
  if (__builtin_add_overflow(n_rows_, other.n_rows_, &rows))
    throw input_error("ZotAccumulator.merge: the row counts (" + std::to_string(n_rows_) + " and " +
                      std::to_string(other.n_rows_) + ") overflow a 64-bit count");
  sums_ += other.sums_;
  n_rows_ = rows;
  return *this;
}

ZotSummary ZotAccumulator::result() const {
  if (sums_.size() == 0) throw input_error("ZotAccumulator: construct it with a configuration first");
  if (n_rows_ == 0) throw input_error("ZotAccumulator.result: no respondents were added");
  ZotSummary r;
  r.n_rows = n_rows_;
  r.table.resize(sums_.rows(), 11);
  for (Eigen::Index u = 0; u < sums_.rows(); ++u) {
    double n = sums_(u, 0);
    double a = n > 0 ? sums_(u, 1) / n : kNaN, d = n > 0 ? sums_(u, 2) / n : kNaN, p = n > 0 ? sums_(u, 3) / n : kNaN;
    r.table(u, 0) = n;
    r.table(u, 1) = a;
    r.table(u, 2) = d;
    r.table(u, 3) = p;
    r.table(u, 4) = p - a;
    r.table(u, 5) = p - d;
    r.table(u, 6) = d - a;
    for (int c = 0; c < 3; ++c) r.table(u, 7 + c) = n > 0 ? sums_(u, 4 + c) / n : kNaN;
    r.table(u, 10) = sums_(u, 7);
  }
  return r;
}

std::string ZotAccumulator::to_bytes() const {
  std::string out = "SSZOTAC1";
  put_blob(out, to_json(config_));
  put<std::int64_t>(out, n_rows_);
  put<std::int64_t>(out, sums_.rows());
  out.append(reinterpret_cast<const char*>(sums_.data()), sizeof(double) * static_cast<std::size_t>(sums_.size()));
  return out;
}

ZotAccumulator ZotAccumulator::from_bytes(std::string_view bytes) {
  Reader rd(bytes, "ZotAccumulator.from_bytes");
  rd.expect("SSZOTAC1");
  ZotAccumulator a(servqual_config_from_json(rd.blob()));
  a.n_rows_ = rd.get<std::int64_t>();
  auto rows = rd.get<std::int64_t>();
  if (rows != a.sums_.rows())
    throw input_error("ZotAccumulator.from_bytes: the table does not match the configuration");
  for (Eigen::Index i = 0; i < a.sums_.size(); ++i) a.sums_.data()[i] = rd.get<double>();
  rd.finish();
  return a;
}

}  // namespace servscore
