// The mergeable state of the loyalty segments (see LoyaltyState in loyalty.hpp).
#include <string>

#include "servscore/errors.hpp"
#include "servscore/loyalty.hpp"

namespace servscore {

namespace {
constexpr char kMagic[] = "SSLOYAL1";
constexpr std::uint32_t kMaxJson = 1u << 20;
constexpr std::size_t W = LoyaltyState::kWidth;
const std::string kKind = "loyalty state";
constexpr std::size_t kUnknown = 1 + kLoyaltySegments, kAdvocates = kUnknown + 1, kRefined = kAdvocates + 1;
}  // namespace

LoyaltyState::LoyaltyState(LoyaltyConfig config, std::vector<std::string> key_names)
    : config_(std::move(config)), counts_(std::move(key_names), W) {
  config_.validate();
}

void LoyaltyState::update(Eigen::Ref<const Eigen::VectorXd> satisfaction, Eigen::Ref<const Eigen::VectorXd> loyalty,
                          Eigen::Ref<const Eigen::VectorXd> nps, Eigen::Ref<const Eigen::VectorXd> complained,
                          Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys, int workers,
                          std::int64_t row_offset) {
  const Eigen::Index n = satisfaction.size();
  if (n == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  counts_.check_batch(groups.data(), groups.size(), n, batch_keys, kKind, row_offset);
  const LoyaltySegments seg = segment_customers(satisfaction, loyalty, nps, complained, config_, workers);
  const bool grouped = groups.size() > 0;
  const std::size_t nb = grouped ? static_cast<std::size_t>(batch_keys.size()) : 1;
  std::vector<std::int64_t> local(nb * W, 0);
  const auto terrorist = static_cast<int>(LoyaltySegment::terrorist);
  for (Eigen::Index i = 0; i < n; ++i) {  // as summarize_loyalty counts
    std::int64_t* c = local.data() + static_cast<std::size_t>(grouped ? groups[i] : 0) * W;
    ++c[0];
    const int s = seg.segment[i];
    if (s < 0) {
      ++c[kUnknown];
      continue;
    }
    ++c[1 + static_cast<std::size_t>(s)];
    c[kAdvocates] += seg.advocate.size() == n && seg.advocate[i] == 1;
    c[kRefined] += (seg.refined.size() == n && seg.refined[i] == 1) || s == terrorist;
  }
  counts_.add(local, batch_keys, grouped, kKind);
}

LoyaltyState& LoyaltyState::merge(const LoyaltyState& o) {
  if (!(o.config_ == config_))
    throw input_error("merge: the loyalty states differ in configuration: " + to_json(config_) + " (this one) vs " +
                      to_json(o.config_) + " (the other)");
  counts_.merge(o.counts_, kKind);
  return *this;
}

LoyaltySummary LoyaltyState::result(bool key_order) const {
  const int G = groups();
  std::vector<std::int32_t> order = key_order ? sorted_codes() : std::vector<std::int32_t>();
  if (!key_order)
    for (int g = 0; g < G; ++g) order.push_back(g);
  LoyaltySummary s;
  s.counts.setZero(G, kLoyaltySegments);
  s.n_unknown.assign(static_cast<std::size_t>(G), 0);
  s.n_advocates.assign(static_cast<std::size_t>(G), 0);
  bool any_refined = false;
  for (int row = 0; row < G; ++row) {
    const std::int64_t* x = counts_.row(order[static_cast<std::size_t>(row)]);
    for (int j = 0; j < kLoyaltySegments; ++j) s.counts(row, j) = x[1 + j];
    s.n_unknown[static_cast<std::size_t>(row)] = x[kUnknown];
    s.n_advocates[static_cast<std::size_t>(row)] = x[kAdvocates];
    any_refined = any_refined || x[kRefined] > 0;
  }
  detail::finish_loyalty_summary(s, any_refined, config_);
  return s;
}

std::string LoyaltyState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string cfg = to_json(config_);
  detail::put_u32_le(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  counts_.write(s);
  return s;
}

LoyaltyState LoyaltyState::from_bytes(std::string_view bytes) {
  const std::string what = "LoyaltyState.from_bytes";
  detail::check_magic(bytes, kMagic, what, "loyalty state");
  detail::ByteReader rd{bytes, 8, what};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) rd.corrupt("the configuration declares " + std::to_string(len) + " bytes");
  LoyaltyConfig cfg;
  try {
    cfg = loyalty_config_from_json(bytes.substr(rd.pos, len));
    cfg.validate();
  } catch (const error& e) {
    rd.corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  LoyaltyState st(std::move(cfg));
  const auto terrorist = 1 + static_cast<std::size_t>(LoyaltySegment::terrorist);
  st.counts_ = detail::GroupedCounts::read(rd, W, [&](const std::int64_t* x, std::size_t row) {
    const std::string g = "group " + std::to_string(row);
    if (x[0] == 0) rd.corrupt(g + " counts no customer");
    std::uint64_t segmented = 0;  // each count <= 2^62 and the sum kept <= x[0]: no overflow
    for (std::size_t j = 1; j <= static_cast<std::size_t>(kLoyaltySegments); ++j) {
      segmented += static_cast<std::uint64_t>(x[j]);
      if (segmented > static_cast<std::uint64_t>(x[0])) rd.corrupt("the segments of " + g + " exceed its customers");
    }
    if (segmented + static_cast<std::uint64_t>(x[kUnknown]) != static_cast<std::uint64_t>(x[0]))
      rd.corrupt("the segments and unknown of " + g + " do not add up to its customers");
    if (x[kAdvocates] > x[1]) rd.corrupt(g + " has more advocates than apostles");
    if (static_cast<std::uint64_t>(x[kRefined]) > segmented || x[terrorist] > x[kRefined])
      rd.corrupt(g + ": refined customers must be at most the segmented and at least the terrorists");
  });
  return st;
}

}  // namespace servscore
