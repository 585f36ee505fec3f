// The mergeable state of the interaction risk and cue rates (see InteractionRatesState in interactions.hpp).
#include <limits>
#include <set>
#include <string>

#include "json_util.hpp"
#include "servscore/errors.hpp"
#include "servscore/interactions.hpp"

namespace servscore {

namespace {

constexpr char kMagic[] = "SSIRATE1";
constexpr std::uint32_t kMaxJson = 1u << 24;
constexpr std::size_t kMaxCues = 1u << 16;
constexpr std::size_t R = static_cast<std::size_t>(kLostSaleReasons);
const std::string kKind = "interaction rates state";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// cell layout per group: 0 interactions, 1 texts present, 2..15 flagged per reason,
// then per cue the interactions with a hit, then per cue the hits
constexpr std::size_t kTexts = 1, kFlagged = 2, kCueTexts = 2 + R;

std::string describe(const InteractionRatesConfig& c) {
  std::string names;
  for (const auto& n : c.cues) names += (names.empty() ? "" : ", ") + n;
  if (names.size() > 120) names = names.substr(0, 117) + "...";
  return std::to_string(c.cues.size()) + " cues (" + names + ")";
}

}  // namespace

void InteractionRatesConfig::validate() const {
  if (cues.size() > kMaxCues)
    throw config_error("cues: " + std::to_string(cues.size()) + " names; at most " + std::to_string(kMaxCues));
  std::set<std::string, std::less<>> seen;
  for (std::size_t j = 0; j < cues.size(); ++j) {
    if (cues[j].empty()) throw config_error("cues[" + std::to_string(j) + "]: a cue name is empty");
    if (!seen.insert(cues[j]).second)
      throw config_error("cues[" + std::to_string(j) + "]: cue '" + cues[j] + "' is named twice");
  }
}

InteractionRatesConfig interaction_rates_config_from_json(std::string_view text) {
  const detail::json::value v = detail::parse_json(text, "interaction rates config");
  detail::ObjectReader rd(v, "config");
  InteractionRatesConfig c;
  if (const detail::json::value* a = rd.raw("cues")) {
    if (!a->is_array())
      throw config_error("config.cues: expected an array of cue names, got " + std::string(detail::json_kind(*a)));
    for (std::size_t j = 0; j < a->as_array().size(); ++j) {
      const detail::json::value& e = a->as_array()[j];
      if (!e.is_string())
        throw config_error("config.cues[" + std::to_string(j) + "]: expected a string, got " + detail::json_kind(e));
      c.cues.emplace_back(e.as_string());
    }
  }
  rd.finish();
  c.validate();
  return c;
}

std::string to_json(const InteractionRatesConfig& config) {
  detail::json::array a;
  for (const auto& n : config.cues) a.emplace_back(n);
  detail::json::object o;
  o["cues"] = std::move(a);
  return detail::dump_json(o);
}

InteractionRatesState::InteractionRatesState(InteractionRatesConfig config, std::vector<std::string> key_names)
    : config_(std::move(config)) {
  config_.validate();
  counts_ = detail::GroupedCounts(std::move(key_names), width());
}

void InteractionRatesState::update(Eigen::Ref<const VectorXi8> present, FlagsRef risks, CountsRef cue_counts,
                                   Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
                                   std::int64_t row_offset) {
  const Eigen::Index n = present.size();
  const auto C = static_cast<Eigen::Index>(config_.cues.size());
  if (risks.rows() != n || risks.cols() != kLostSaleReasons)
    throw input_error("risks: expected " + std::to_string(n) + " x " + std::to_string(kLostSaleReasons) +
                      " flags (one row per interaction, one column per lost-sale reason), got " +
                      std::to_string(risks.rows()) + " x " + std::to_string(risks.cols()));
  if (cue_counts.rows() != n || cue_counts.cols() != C)
    throw input_error("cue_counts: expected " + std::to_string(n) + " x " + std::to_string(C) +
                      " counts (one row per interaction, one column per cue), got " +
                      std::to_string(cue_counts.rows()) + " x " + std::to_string(cue_counts.cols()));
  if (n == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  counts_.check_batch(groups.data(), groups.size(), n, batch_keys, kKind, row_offset);
  const bool grouped = groups.size() > 0;
  const std::size_t nb = grouped ? static_cast<std::size_t>(batch_keys.size()) : 1, W = width();
  std::vector<std::int64_t> local(nb * W, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    // messages are built only on an error: the loop itself allocates nothing
    auto row = [&] { return "row " + std::to_string(row_offset + i); };
    const std::int8_t p = present[i];
    if (p != 0 && p != 1) throw input_error("present: " + row() + " is " + std::to_string(p) + "; expected 0 or 1");
    std::int64_t* c = local.data() + static_cast<std::size_t>(grouped ? groups[i] : 0) * W;
    ++c[0];
    c[kTexts] += p;
    for (Eigen::Index r = 0; r < kLostSaleReasons; ++r) {
      const std::int8_t f = risks(i, r);
      if (f != 0 && f != 1)
        throw input_error("risks: " + row() + ", reason '" + to_string(static_cast<LostSaleReason>(r)) + "' is " +
                          std::to_string(f) + "; expected 0 or 1");
      c[kFlagged + static_cast<std::size_t>(r)] += f;
    }
    for (Eigen::Index j = 0; j < C; ++j) {
      const std::int32_t h = cue_counts(i, j);
      if (h == 0) continue;
      if (h < 0 || p == 0) {
        const std::string cue = "cue '" + config_.cues[static_cast<std::size_t>(j)] + "'";
        if (h < 0) throw input_error("cue_counts: " + row() + ", " + cue + " has " + std::to_string(h) + " hits");
        throw input_error("cue_counts: " + row() + " has no text but " + std::to_string(h) + " hits of " + cue);
      }
      ++c[kCueTexts + static_cast<std::size_t>(j)];
      c[kCueTexts + static_cast<std::size_t>(C + j)] += h;
    }
  }
  counts_.add(local, batch_keys, grouped, kKind);
}

InteractionRatesState& InteractionRatesState::merge(const InteractionRatesState& o) {
  if (!(o.config_ == config_))
    throw input_error("merge: the " + kKind + "s differ in configuration: " + describe(config_) + " (this one) vs " +
                      describe(o.config_) + " (the other)");
  counts_.merge(o.counts_, kKind);
  return *this;
}

InteractionRates InteractionRatesState::result(bool key_order) const {
  std::vector<std::int32_t> order;
  if (key_order) {
    order = sorted_codes();
  } else {
    for (int g = 0; g < groups(); ++g) order.push_back(g);
  }
  return result_of(order);
}

InteractionRates InteractionRatesState::result_of(const std::vector<std::int32_t>& codes) const {
  const auto G = static_cast<Eigen::Index>(codes.size());
  const auto C = static_cast<Eigen::Index>(config_.cues.size());
  InteractionRates r;
  r.interactions.assign(codes.size(), 0);
  r.texts.assign(codes.size(), 0);
  r.flagged.setZero(G, kLostSaleReasons);
  r.cue_texts.setZero(G, C);
  r.cue_hits.setZero(G, C);
  r.risk_share.setConstant(G, kLostSaleReasons, kNaN);
  r.cue_share.setConstant(G, C, kNaN);
  for (Eigen::Index g = 0; g < G; ++g) {
    const std::int32_t code = codes[static_cast<std::size_t>(g)];
    if (code < 0) continue;
    if (code >= groups())
      throw input_error("result_of: group code " + std::to_string(code) + " is outside [0, " +
                        std::to_string(groups()) + ")");
    const std::int64_t* x = counts_.row(code);
    r.interactions[static_cast<std::size_t>(g)] = x[0];
    const std::int64_t texts = x[kTexts];
    r.texts[static_cast<std::size_t>(g)] = texts;
    const double t = static_cast<double>(texts);
    for (Eigen::Index k = 0; k < kLostSaleReasons; ++k) {
      r.flagged(g, k) = x[kFlagged + static_cast<std::size_t>(k)];
      if (texts > 0) r.risk_share(g, k) = static_cast<double>(r.flagged(g, k)) / t;
    }
    for (Eigen::Index j = 0; j < C; ++j) {
      r.cue_texts(g, j) = x[kCueTexts + static_cast<std::size_t>(j)];
      r.cue_hits(g, j) = x[kCueTexts + static_cast<std::size_t>(C + j)];
      if (texts > 0) r.cue_share(g, j) = static_cast<double>(r.cue_texts(g, j)) / t;
    }
  }
  return r;
}

std::string InteractionRatesState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string cfg = to_json(config_);
  detail::put_u32_le(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  counts_.write(s);
  return s;
}

InteractionRatesState InteractionRatesState::from_bytes(std::string_view bytes) {
  const std::string what = "InteractionRatesState.from_bytes";
  detail::check_magic(bytes, kMagic, what, kKind);
  detail::ByteReader rd{bytes, 8, what};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) rd.corrupt("the configuration declares " + std::to_string(len) + " bytes");
  InteractionRatesConfig cfg;
  try {
    cfg = interaction_rates_config_from_json(bytes.substr(rd.pos, len));
  } catch (const error& e) {
    rd.corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  InteractionRatesState st(std::move(cfg));
  const std::size_t C = st.config_.cues.size();
  st.counts_ = detail::GroupedCounts::read(rd, st.width(), [&](const std::int64_t* x, std::size_t row) {
    const std::string grp = "group " + std::to_string(row);
    if (x[0] == 0) rd.corrupt(grp + " counts no interaction");
    if (x[kTexts] > x[0]) rd.corrupt(grp + " has more texts than interactions");
    for (std::size_t k = 0; k < R; ++k)
      if (x[kFlagged + k] > x[0])
        rd.corrupt(std::string("the flagged count of reason '") + to_string(static_cast<LostSaleReason>(k)) + "' of " +
                   grp + " exceeds its interactions");
    for (std::size_t j = 0; j < C; ++j) {
      const std::int64_t texts = x[kCueTexts + j], hits = x[kCueTexts + C + j];
      const std::string cue = "cue " + std::to_string(j) + " of " + grp;
      if (texts > x[kTexts]) rd.corrupt("the texts with a hit of " + cue + " exceed its texts");
      if (hits < texts || (texts == 0 && hits != 0))
        rd.corrupt("the hits of " + cue + " do not match its texts with a hit");
    }
  });
  return st;
}

}  // namespace servscore
