// The mergeable state of moments of truth (see MomentsState in standards.hpp).
#include <cmath>
#include <limits>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/standards.hpp"

namespace servscore {

namespace {
constexpr char kMagic[] = "SSMOMTS1";
constexpr std::uint32_t kMaxJson = 1u << 20;
constexpr std::size_t kG = 4, kC = 5;  // ints per group, per cell
const std::string kKind = "moments state";

std::vector<std::string> cell_names(std::vector<std::string> names) {
  names.emplace_back("moment");
  return names;
}
}  // namespace

MomentsState::MomentsState(MomentsConfig config, std::vector<std::string> key_names)
    : config_(std::move(config)), groups_(key_names, kG), cells_(cell_names(key_names), kC, 1) {
  config_.validate();
}

void MomentsState::update(Eigen::Ref<const VectorXi32> visit, Eigen::Ref<const Eigen::VectorXd> order,
                          Eigen::Ref<const VectorXi32> moment, Eigen::Ref<const Eigen::VectorXd> score, int n_visits,
                          const std::vector<std::string>& moment_names, Eigen::Ref<const VectorXi32> groups,
                          const GroupKeys& batch_keys, std::int64_t row_offset) {
  const Eigen::Index n = visit.size();
  if (n == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  groups_.check_batch(groups.data(), groups.size(), n, batch_keys, kKind, row_offset);
  if (moment.size() != n || score.size() != n || order.size() != n)
    throw input_error("moments: visit, order, moment and score differ in length");
  const bool grouped = groups.size() > 0;
  const std::int64_t nb = grouped ? batch_keys.size() : 1, nm = static_cast<std::int64_t>(moment_names.size());
  if (nb * nm > std::numeric_limits<std::int32_t>::max())
    throw input_error("moments: " + std::to_string(nb) + " groups x " + std::to_string(nm) +
                      " moments in one batch are too many cells; split the batch");
  VectorXi32 cell(n);  // (group, moment) as one code: analyze_moments counts per cell
  for (Eigen::Index i = 0; i < n; ++i) {
    if (moment[i] < 0 || moment[i] >= nm)
      throw input_error("row " + std::to_string(row_offset + i) + ": moment code " + std::to_string(moment[i]) +
                        " outside [0, " + std::to_string(nm) + ")");
    cell[i] = static_cast<std::int32_t>((grouped ? groups[i] : 0) * nm + moment[i]);
  }
  const MomentsAnalysis a = analyze_moments(visit, order, cell, score, n_visits, static_cast<int>(nb * nm), config_);
  const auto G = static_cast<std::size_t>(nb), C = static_cast<std::size_t>(nb * nm);
  std::vector<std::int64_t> lg(G * kG, 0), lc(C * kC, 0);
  std::vector<double> ls(C, 0.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto g = static_cast<std::size_t>(grouped ? groups[i] : 0);
    ++lg[g * kG];
    lg[g * kG + 1] += std::isnan(score[i]);
    ++lc[static_cast<std::size_t>(cell[i]) * kC];
  }
  for (std::size_t c = 0; c < C; ++c) {
    std::int64_t* x = lc.data() + c * kC;
    x[1] = static_cast<std::int64_t>(a.moment_n[static_cast<Eigen::Index>(c)]);
    x[2] = static_cast<std::int64_t>(a.moment_failed[static_cast<Eigen::Index>(c)]);
    x[3] = static_cast<std::int64_t>(a.moment_weakest[static_cast<Eigen::Index>(c)]);
    x[4] = static_cast<std::int64_t>(a.moment_position_sum[static_cast<Eigen::Index>(c)]);
    ls[c] = a.moment_sum[static_cast<Eigen::Index>(c)];
    lg[(c / static_cast<std::size_t>(nm)) * kG + 2] += x[3];  // a scored visit has one weakest cell
  }
  for (int v = 0; v < n_visits; ++v)
    if (a.n_scored[v] > 0 && a.bad_ending[v]) ++lg[static_cast<std::size_t>(a.weakest[v] / nm) * kG + 3];
  // the cells' keys: the batch key of the group and the moment's name
  GroupKeys ck(cell_names(batch_keys.names()));
  for (std::int64_t g = 0; g < nb; ++g)
    for (std::int64_t m = 0; m < nm; ++m) {
      GroupKey k = grouped ? batch_keys.key(static_cast<std::int32_t>(g)) : GroupKey{};
      k.emplace_back(moment_names[static_cast<std::size_t>(m)]);
      ck.insert(k);
    }
  // on copies: the state is unchanged when either add refuses (a count past 2^62)
  detail::GroupedCounts ng = groups_, nc = cells_;
  ng.add(lg, batch_keys, grouped, kKind);
  nc.add(lc, ck, true, kKind, ls);
  groups_ = std::move(ng);
  cells_ = std::move(nc);
}

MomentsState& MomentsState::merge(const MomentsState& o) {
  if (!(o.config_ == config_))
    throw input_error("merge: the moments states differ in configuration: " + to_json(config_) + " (this one) vs " +
                      to_json(o.config_) + " (the other)");
  detail::GroupedCounts ng = groups_, nc = cells_;
  ng.merge(o.groups_, kKind);
  nc.merge(o.cells_, kKind);
  groups_ = std::move(ng);
  cells_ = std::move(nc);
  return *this;
}

MomentsCounts MomentsState::result() const {
  MomentsCounts r;
  const std::vector<std::int32_t> go = groups_.sorted_codes();
  std::vector<std::int32_t> row_of(go.size(), 0);
  for (std::size_t i = 0; i < go.size(); ++i) row_of[static_cast<std::size_t>(go[i])] = static_cast<std::int32_t>(i);
  const auto G = static_cast<Eigen::Index>(go.size());
  r.rows.resize(G);
  r.n_missing.resize(G);
  r.visits_scored.resize(G);
  r.bad_endings.resize(G);
  for (Eigen::Index i = 0; i < G; ++i) {
    const std::int64_t* x = groups_.row(go[static_cast<std::size_t>(i)]);
    r.rows[i] = static_cast<double>(x[0]);
    r.n_missing[i] = static_cast<double>(x[1]);
    r.visits_scored[i] = static_cast<double>(x[2]);
    r.bad_endings[i] = static_cast<double>(x[3]);
  }
  const std::vector<std::int32_t> co = cells_.sorted_codes();
  const auto C = static_cast<Eigen::Index>(co.size());
  for (auto* v : {&r.cell_rows, &r.n, &r.sum, &r.failed, &r.weakest, &r.position_sum}) v->resize(C);
  for (Eigen::Index i = 0; i < C; ++i) {
    const std::int32_t c = co[static_cast<std::size_t>(i)];
    const GroupKey& k = cells_.keys().key(c);
    GroupKey gk(k.begin(), k.end() - 1);
    r.group.push_back(row_of[static_cast<std::size_t>(*groups_.keys().find(gk))]);
    r.moment.push_back(std::get<std::string>(k.back()));
    const std::int64_t* x = cells_.row(c);
    r.cell_rows[i] = static_cast<double>(x[0]);
    r.n[i] = static_cast<double>(x[1]);
    r.failed[i] = static_cast<double>(x[2]);
    r.weakest[i] = static_cast<double>(x[3]);
    r.position_sum[i] = static_cast<double>(x[4]);
    r.sum[i] = cells_.sums(c)[0];
  }
  return r;
}

std::string MomentsState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string cfg = to_json(config_);
  detail::put_u32_le(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  groups_.write(s);
  cells_.write(s);
  return s;
}

MomentsState MomentsState::from_bytes(std::string_view bytes) {
  const std::string what = "MomentsState.from_bytes";
  detail::check_magic(bytes, kMagic, what, "moments state");
  detail::ByteReader rd{bytes, 8, what};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) rd.corrupt("the configuration declares " + std::to_string(len) + " bytes");
  MomentsConfig cfg;
  try {
    cfg = moments_config_from_json(bytes.substr(rd.pos, len));
    cfg.validate();
  } catch (const error& e) {
    rd.corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  MomentsState st(cfg);
  // the groups: read up to the cells (GroupedCounts::read wants the rest to be its cells, so
  // the groups' extent is found by reading their keys first)
  std::string_view rest = bytes.substr(rd.pos);
  const GroupKeys gkeys = GroupKeys::read(rest);
  const std::size_t g_end = bytes.size() - rest.size() + 4 + static_cast<std::size_t>(gkeys.size()) * 8 * kG;
  if (g_end > bytes.size())
    throw input_error(what + ": the image is truncated (" + std::to_string(bytes.size()) + " bytes)");
  detail::ByteReader gr{bytes.substr(0, g_end), rd.pos, what};
  st.groups_ = detail::GroupedCounts::read(gr, kG, [&](const std::int64_t* x, std::size_t row) {
    const std::string g = "group " + std::to_string(row);
    if (x[0] == 0) rd.corrupt(g + " counts no row");
    if (x[1] > x[0] || x[2] > x[0] || x[3] > x[2])
      rd.corrupt(g + ": missing and scored visits must be at most its rows, bad endings at most its scored visits");
  });
  rd.pos = g_end;
  const double lo = cfg.scale_min, hi = cfg.scale_max;
  st.cells_ = detail::GroupedCounts::read(
      rd, kC,
      [&](const std::int64_t* x, std::size_t row) {
        const std::string c = "cell " + std::to_string(row);
        if (x[0] == 0) rd.corrupt(c + " counts no row");
        if (x[1] > x[0] || x[2] > x[1] || x[3] > x[1])
          rd.corrupt(c + ": n must be at most its rows, failures and weakest at most n");
      },
      1);
  if (st.cells_.keys().names() != cell_names(st.groups_.keys().names()))
    rd.corrupt("the cells' key columns are not the groups' and 'moment'");
  std::vector<std::uint64_t> rows(static_cast<std::size_t>(st.groups()), 0), weak(rows.size(), 0);
  for (std::int32_t c = 0; c < st.cells_.groups(); ++c) {
    const GroupKey& k = st.cells_.keys().key(c);
    if (!std::holds_alternative<std::string>(k.back())) rd.corrupt("a cell's moment is not a name");
    const auto g = st.groups_.keys().find(GroupKey(k.begin(), k.end() - 1));
    if (!g) rd.corrupt("a cell's group is not among the groups");
    const std::int64_t* x = st.cells_.row(c);
    const double sum = st.cells_.sums(c)[0], nn = static_cast<double>(x[1]);
    const double tol = 1e-9 * std::max(1.0, nn * std::max(std::abs(lo), std::abs(hi)));
    if (sum < nn * lo - tol || sum > nn * hi + tol) rd.corrupt("a cell's score sum is outside n x the scale");
    auto& r = rows[static_cast<std::size_t>(*g)];
    auto& w = weak[static_cast<std::size_t>(*g)];
    const std::int64_t* gx = st.groups_.row(*g);
    r += static_cast<std::uint64_t>(x[0]);  // each <= 2^62 and kept <= the group's: no overflow
    w += static_cast<std::uint64_t>(x[3]);
    if (r > static_cast<std::uint64_t>(gx[0]) || w > static_cast<std::uint64_t>(gx[2]))
      rd.corrupt("the cells of a group count more rows or weakest moments than the group");
  }
  for (std::int32_t g = 0; g < st.groups(); ++g)
    if (rows[static_cast<std::size_t>(g)] != static_cast<std::uint64_t>(st.groups_.row(g)[0]) ||
        weak[static_cast<std::size_t>(g)] != static_cast<std::uint64_t>(st.groups_.row(g)[2]))
      rd.corrupt("the cells of group " + std::to_string(g) + " do not add up to its rows and scored visits");
  return st;
}

}  // namespace servscore
