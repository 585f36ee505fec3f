// The mergeable state of anticipated needs (see NeedsState in needs.hpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/needs.hpp"

namespace servscore {

namespace {
constexpr char kMagic[] = "SSNEEDS1";
constexpr std::uint32_t kMaxJson = 1u << 26;
constexpr std::size_t kNeeds = enum_size<HumanNeed>();
const std::string kKind = "needs state";

std::string describe_rules(const NeedRuleSet& s) {
  std::string ids;
  for (const auto& r : s.rules) ids += (ids.empty() ? "" : ", ") + r.id;
  if (ids.size() > 120) ids = ids.substr(0, 117) + "...";
  return std::to_string(s.rules.size()) + " rules (" + ids + ")";
}
}  // namespace

NeedsState::NeedsState(NeedRuleSet rules, std::vector<std::string> key_names)
    : rules_(std::move(rules)), n_actions_(rules_.action_list().size()), counts_(std::move(key_names), width()) {}

std::size_t NeedsState::width() const {
  return 2 + rules_.rules.size() + kNeeds + n_actions_ + 2 * rules_.conditions.fields().size();
}

void NeedsState::update(RecordsRef data, const std::vector<std::string>& columns, Eigen::Ref<const VectorXi32> groups,
                        const GroupKeys& batch_keys, int workers, std::int64_t row_offset) {
  const Eigen::Index n = data.rows();
  if (n == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  counts_.check_batch(groups.data(), groups.size(), n, batch_keys, kKind, row_offset);
  const NeedsEvaluation ev = evaluate_needs(rules_, data, columns, workers);
  const bool grouped = groups.size() > 0;
  const std::size_t nb = grouped ? static_cast<std::size_t>(batch_keys.size()) : 1, W = width();
  const std::size_t R = rules_.rules.size(), A = n_actions_;
  const auto& fields = rules_.conditions.fields();
  std::vector<Eigen::Index> col(fields.size(), -1);  // the column of each field, -1 absent
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const auto it = std::find(columns.begin(), columns.end(), fields[f]);
    if (it != columns.end()) col[f] = static_cast<Eigen::Index>(it - columns.begin());
  }
  std::vector<std::int64_t> local(nb * W, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    std::int64_t* c = local.data() + static_cast<std::size_t>(grouped ? groups[i] : 0) * W;
    ++c[0];
    bool any = false;
    for (std::size_t r = 0; r < R; ++r) {
      const bool on = ev.fired(i, static_cast<Eigen::Index>(r)) != 0;
      c[2 + r] += on;
      any = any || on;
    }
    c[1] += any;
    for (std::size_t h = 0; h < kNeeds; ++h) c[2 + R + h] += ev.needs(i, static_cast<Eigen::Index>(h)) != 0;
    for (std::size_t a = 0; a < A; ++a) c[2 + R + kNeeds + a] += ev.actions(i, static_cast<Eigen::Index>(a)) != 0;
    std::int64_t* m = c + 2 + R + kNeeds + A;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (col[f] < 0) continue;
      m[f] += std::isnan(data(i, col[f]));
      ++m[fields.size() + f];
    }
  }
  counts_.add(local, batch_keys, grouped, kKind);
}

NeedsState& NeedsState::merge(const NeedsState& o) {
  if (!(o.rules_ == rules_))
    throw input_error("merge: the needs states differ in configuration: " + describe_rules(rules_) + " (this one) vs " +
                      describe_rules(o.rules_) + " (the other)");
  counts_.merge(o.counts_, kKind);
  return *this;
}

NeedsCounts NeedsState::result(bool key_order) const {
  const int G = groups();
  const std::size_t R = rules_.rules.size(), A = n_actions_, F = rules_.conditions.fields().size();
  std::vector<std::int32_t> order = key_order ? sorted_codes() : std::vector<std::int32_t>();
  if (!key_order)
    for (int g = 0; g < G; ++g) order.push_back(g);
  NeedsCounts c;
  c.n.setZero(G);
  c.n_any.setZero(G);
  c.rules.setZero(G, static_cast<Eigen::Index>(R));
  c.needs.setZero(G, static_cast<Eigen::Index>(kNeeds));
  c.actions.setZero(G, static_cast<Eigen::Index>(A));
  c.missing.setZero(G, static_cast<Eigen::Index>(F));
  c.present.setZero(G, static_cast<Eigen::Index>(F));
  auto fill = [](Eigen::MatrixXd& m, Eigen::Index row, const std::int64_t* x, std::size_t k) {
    for (std::size_t j = 0; j < k; ++j) m(row, static_cast<Eigen::Index>(j)) = static_cast<double>(x[j]);
  };
  for (Eigen::Index row = 0; row < G; ++row) {
    const std::int64_t* x = counts_.row(order[static_cast<std::size_t>(row)]);
    c.n(row) = static_cast<double>(x[0]);
    c.n_any(row) = static_cast<double>(x[1]);
    fill(c.rules, row, x + 2, R);
    fill(c.needs, row, x + 2 + R, kNeeds);
    fill(c.actions, row, x + 2 + R + kNeeds, A);
    fill(c.missing, row, x + 2 + R + kNeeds + A, F);
    fill(c.present, row, x + 2 + R + kNeeds + A + F, F);
  }
  return c;
}

std::string NeedsState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string set = to_json(rules_);
  detail::put_u32_le(s, static_cast<std::uint32_t>(set.size()));
  s += set;
  counts_.write(s);
  return s;
}

NeedsState NeedsState::from_bytes(std::string_view bytes) {
  const std::string what = "NeedsState.from_bytes";
  detail::check_magic(bytes, kMagic, what, "needs state");
  detail::ByteReader rd{bytes, 8, what};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) rd.corrupt("the rule set declares " + std::to_string(len) + " bytes");
  NeedRuleSet set;
  try {
    set = need_rules_from_json(bytes.substr(rd.pos, len));
  } catch (const error& e) {
    rd.corrupt(std::string("the rule set does not load (") + e.what() + ")");
  }
  rd.pos += len;
  NeedsState st(std::move(set));
  const std::size_t R = st.rules_.rules.size(), A = st.n_actions_, F = st.rules_.conditions.fields().size();
  st.counts_ = detail::GroupedCounts::read(rd, st.width(), [&](const std::int64_t* x, std::size_t row) {
    if (x[0] == 0) rd.corrupt("group " + std::to_string(row) + " counts no interaction");
    for (std::size_t j = 1; j < 2 + R + kNeeds + A + 2 * F; ++j)
      if (x[j] > x[0])
        rd.corrupt("count " + std::to_string(j) + " of group " + std::to_string(row) + " exceeds its interactions");
    for (std::size_t f = 0; f < F; ++f)
      if (x[2 + R + kNeeds + A + f] > x[2 + R + kNeeds + A + F + f])
        rd.corrupt("field " + std::to_string(f) + " of group " + std::to_string(row) +
                   " has more missing values than interactions read");
  });
  return st;
}

}  // namespace servscore
