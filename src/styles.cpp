#include "servscore/styles.hpp"

#include <cmath>
#include <limits>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

namespace {
const char* axis_name(StyleAxis a) {
  return a == StyleAxis::assertiveness ? "assertiveness" : "responsiveness";
}
}  // namespace

bool StyleInstrument::operator==(const StyleInstrument& o) const {
  return items == o.items && scale_min == o.scale_min && scale_max == o.scale_max && cutoff == o.cutoff &&
         norm_mean[0] == o.norm_mean[0] && norm_mean[1] == o.norm_mean[1] && norm_sd[0] == o.norm_sd[0] &&
         norm_sd[1] == o.norm_sd[1] && sub_split == o.sub_split && min_coverage == o.min_coverage;
}

void StyleInstrument::validate() const {
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  if (cutoff != "midpoint" && cutoff != "norm" && cutoff != "sample")
    throw config_error("cutoff: '" + cutoff + "'; expected 'midpoint', 'norm' or 'sample'");
  for (int a = 0; a < 2; ++a) {
    if (!std::isfinite(norm_mean[a])) throw config_error("norm_mean: expected finite numbers");
    if (!(std::isfinite(norm_sd[a]) && norm_sd[a] > 0))
      throw config_error("norm_sd: " + detail::format_number(norm_sd[a]) + "; expected finite numbers > 0");
  }
  if (!(std::isfinite(sub_split) && sub_split > 0))
    throw config_error("sub_split: " + detail::format_number(sub_split) + "; expected a number > 0");
  if (!(min_coverage > 0.0 && min_coverage <= 1.0))
    throw config_error("min_coverage: " + detail::format_number(min_coverage) + " is out of range; expected (0, 1]");
  bool has[2] = {false, false};
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    std::string where = "items[" + std::to_string(i) + "]";
    if (it.name.empty()) throw config_error(where + ".name: expected a non-empty name");
    if (!(std::isfinite(it.weight) && it.weight > 0))
      throw config_error(where + ".weight: " + detail::format_number(it.weight) + " for '" + it.name +
                         "'; expected a finite number > 0");
    for (std::size_t j = 0; j < i; ++j)
      if (items[j].name == it.name) throw config_error(where + ".name: duplicate item '" + it.name + "'");
    has[static_cast<int>(it.axis)] = true;
  }
  if (!has[0] || !has[1])
    throw config_error(std::string("items: no ") + (has[0] ? "responsiveness" : "assertiveness") +
                       " item; each axis needs at least one");
}

void tag_invoke(json::value_from_tag, json::value& jv, const StyleInstrument& s) {
  json::array items;
  for (const auto& it : s.items)
    items.push_back({{"name", it.name}, {"axis", axis_name(it.axis)}, {"reverse", it.reverse}, {"weight", it.weight}});
  jv = {{"items", std::move(items)},
        {"scale_min", s.scale_min},
        {"scale_max", s.scale_max},
        {"cutoff", s.cutoff},
        {"norm_mean", {s.norm_mean[0], s.norm_mean[1]}},
        {"norm_sd", {s.norm_sd[0], s.norm_sd[1]}},
        {"sub_split", s.sub_split},
        {"min_coverage", s.min_coverage}};
}

namespace {
void read_pair(detail::ObjectReader& r, std::string_view key, double (&out)[2]) {
  if (const json::value* v = r.raw(key)) {
    if (!v->is_array() || v->get_array().size() != 2 || !v->get_array()[0].is_number() ||
        !v->get_array()[1].is_number())
      throw config_error(r.key_path(key) + ": expected [assertiveness, responsiveness] numbers, got " +
                         detail::format_json(*v));
    out[0] = v->get_array()[0].to_number<double>();
    out[1] = v->get_array()[1].to_number<double>();
  }
}
}  // namespace

StyleInstrument tag_invoke(json::value_to_tag<StyleInstrument>, const json::value& jv) {
  StyleInstrument s;
  detail::ObjectReader r(jv, "instrument");
  if (const json::value* v = r.raw("items")) {
    if (!v->is_array())
      throw config_error("instrument.items: expected a list of items, got " + std::string(detail::json_kind(*v)));
    std::size_t i = 0;
    for (const auto& item : v->get_array()) {
      std::string path = "instrument.items[" + std::to_string(i++) + "]";
      StyleItem it;
      detail::ObjectReader ir(item, path);
      ir.string("name", it.name);
      if (!ir.has("name")) throw config_error(path + ".name: required");
      std::string axis;
      ir.string("axis", axis);
      if (axis == "assertiveness")
        it.axis = StyleAxis::assertiveness;
      else if (axis == "responsiveness")
        it.axis = StyleAxis::responsiveness;
      else
        throw config_error(path + ".axis: '" + axis + "'; expected 'assertiveness' or 'responsiveness'");
      ir.boolean("reverse", it.reverse);
      ir.number("weight", it.weight);
      (void)ir.raw("text");  // documentation only: the item wording
      ir.finish();
      s.items.push_back(std::move(it));
    }
  }
  r.number("scale_min", s.scale_min);
  r.number("scale_max", s.scale_max);
  r.string("cutoff", s.cutoff);
  read_pair(r, "norm_mean", s.norm_mean);
  read_pair(r, "norm_sd", s.norm_sd);
  r.number("sub_split", s.sub_split);
  r.number("min_coverage", s.min_coverage, 0, 1);
  (void)r.raw("name");
  (void)r.raw("description");
  r.finish();
  s.validate();
  return s;
}

StyleInstrument style_instrument_from_json(std::string_view text) {
  return json::value_to<StyleInstrument>(detail::parse_json(text, "style instrument"));
}

std::string to_json(const StyleInstrument& instrument) {
  return detail::dump_json(json::value_from(instrument));
}

int style_of(double a, double r) {
  if (!(a == a) || !(r == r)) return -1;
  const bool ha = a >= 0, hr = r >= 0;
  return static_cast<int>(ha ? (hr ? SocialStyle::expressive : SocialStyle::driver)
                             : (hr ? SocialStyle::amiable : SocialStyle::analytical));
}

StyleScores classify_styles(RecordsRef x, const StyleInstrument& ins) {
  ins.validate();
  const Eigen::Index n = x.rows(), k = x.cols();
  if (k != static_cast<Eigen::Index>(ins.items.size()))
    throw input_error("ratings: expected " + std::to_string(ins.items.size()) + " columns (one per item), got " +
                      std::to_string(k));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double total[2] = {0, 0};
  for (const auto& it : ins.items) total[static_cast<int>(it.axis)] += it.weight;
  StyleScores s;
  s.assertiveness.resize(n);
  s.responsiveness.resize(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    double sum[2] = {0, 0}, w[2] = {0, 0};
    for (Eigen::Index j = 0; j < k; ++j) {
      const double v = x(r, j);
      if (!(v == v)) continue;
      const auto& it = ins.items[static_cast<std::size_t>(j)];
      if (v < ins.scale_min || v > ins.scale_max)
        throw input_error("ratings: row " + std::to_string(r) + ", column '" + it.name +
                          "': " + detail::format_number(v) + " is outside the scale [" +
                          detail::format_number(ins.scale_min) + ", " + detail::format_number(ins.scale_max) + "]");
      const int a = static_cast<int>(it.axis);
      sum[a] += it.weight * (it.reverse ? ins.scale_min + ins.scale_max - v : v);
      w[a] += it.weight;
    }
    double sc[2];
    for (int a = 0; a < 2; ++a)
      sc[a] = (w[a] > 0 && w[a] >= ins.min_coverage * total[a] * (1 - 1e-12)) ? sum[a] / w[a] : nan;
    s.assertiveness[r] = sc[0];
    s.responsiveness[r] = sc[1];
  }
  double centre[2], unit[2];
  if (ins.cutoff == "midpoint") {
    for (int a = 0; a < 2; ++a) {
      centre[a] = 0.5 * (ins.scale_min + ins.scale_max);
      unit[a] = 0.5 * (ins.scale_max - ins.scale_min);
    }
  } else if (ins.cutoff == "norm") {
    for (int a = 0; a < 2; ++a) {
      centre[a] = ins.norm_mean[a];
      unit[a] = ins.norm_sd[a];
    }
  } else {
    for (int a = 0; a < 2; ++a) {
      const Eigen::VectorXd& v = a == 0 ? s.assertiveness : s.responsiveness;
      double m = 0, ss = 0;
      Eigen::Index c = 0;
      for (Eigen::Index r = 0; r < n; ++r)
        if (v[r] == v[r]) {
          ++c;
          const double d = v[r] - m;
          m += d / static_cast<double>(c);
          ss += d * (v[r] - m);
        }
      if (c < 2)
        throw input_error(std::string("ratings: cutoff 'sample' needs at least two scored rows on the ") +
                          axis_name(static_cast<StyleAxis>(a)) + " axis, got " + std::to_string(c));
      const double sd = std::sqrt(ss / static_cast<double>(c - 1));
      if (!(sd > 0))
        throw input_error(std::string("ratings: cutoff 'sample': the ") + axis_name(static_cast<StyleAxis>(a)) +
                          " scores have no spread (SD 0); use 'midpoint' or 'norm'");
      centre[a] = m;
      unit[a] = sd;
    }
  }
  s.a_centred.resize(n);
  s.r_centred.resize(n);
  s.intensity.resize(n);
  s.style.resize(n);
  s.sub_style.resize(n);
  const double h = ins.sub_split;
  for (Eigen::Index r = 0; r < n; ++r) {
    const double a = (s.assertiveness[r] - centre[0]) / unit[0];
    const double q = (s.responsiveness[r] - centre[1]) / unit[1];
    s.a_centred[r] = a;
    s.r_centred[r] = q;
    s.intensity[r] = std::sqrt(a * a + q * q);
    s.style[r] = static_cast<std::int8_t>(style_of(a, q));
    s.sub_style[r] =
        static_cast<std::int8_t>(s.style[r] < 0 ? -1 : style_of(a - (a >= 0 ? h : -h), q - (q >= 0 ? h : -h)));
  }
  return s;
}

}  // namespace servscore
