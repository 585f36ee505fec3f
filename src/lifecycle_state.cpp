// The mergeable state of the lifecycle stage indices (see LifecycleState in lifecycle.hpp).
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "json_util.hpp"
#include "servscore/detail/grouped_counts.hpp"
#include "servscore/errors.hpp"
#include "servscore/lifecycle.hpp"

namespace servscore {

namespace {

constexpr char kMagic[] = "SSLIFEC1";
constexpr std::uint32_t kMaxJson = 1u << 24;
constexpr std::int64_t kMaxCount = std::int64_t{1} << 62;
constexpr int S = kLifecycleStages;
constexpr std::size_t KI = LifecycleState::kInts, KR = LifecycleState::kReals;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::string kKind = "lifecycle state";

// cell layout per group: ints 0 respondents, 1..8 n per stage, 9..16 n_missing per stage;
//                        reals 0..7 mean per stage, 8..15 M2 per stage
constexpr std::size_t kN = 1, kMissing = 1 + S, kMean = 0, kM2 = S;

std::string describe_names(const std::vector<std::string>& names) {
  if (names.empty()) return "ungrouped";
  std::string s = "grouped by [";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

std::array<bool, S> used_stages(const LifecycleConfig& cfg) {
  std::array<bool, S> used{};
  for (const auto& t : cfg.touchpoints) used[static_cast<std::size_t>(t.stage)] = true;
  return used;
}

// Chan, Golub & LeVeque: fold (nb, mb, m2b) into (na, ma, m2a).
void fold(std::int64_t& na, double& ma, double& m2a, std::int64_t nb, double mb, double m2b) {
  if (nb == 0) return;
  if (na == 0) {
    na = nb, ma = mb, m2a = m2b;
    return;
  }
  const double a = static_cast<double>(na), b = static_cast<double>(nb), n = a + b;
  const double d = mb - ma;
  ma += d * (b / n);
  m2a += m2b + d * d * (a * b / n);
  na += nb;
}

void put_f64(std::string& s, double v) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, 8);
  detail::put_i64_le(s, static_cast<std::int64_t>(u));
}

}  // namespace

LifecycleState::LifecycleState(LifecycleConfig config, std::vector<std::string> key_names)
    : config_(std::move(config)), keys_(std::move(key_names)) {
  config_.validate();
}

std::int64_t LifecycleState::rows() const {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t n = 0;
  for (std::size_t g = 0; g < static_cast<std::size_t>(groups()); ++g) {
    const std::int64_t c = ints_[g * KI];
    n = c > kMax - n ? kMax : n + c;
  }
  return n;
}

void LifecycleState::update(RecordsRef ratings, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
                            int workers, std::int64_t row_offset) {
  if (ratings.rows() == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  // check the grouping before scoring: the scores of a refused batch are never computed
  if (groups.size() > 0 && groups.size() != ratings.rows())
    throw input_error("groups: expected one code per respondent (" + std::to_string(ratings.rows()) + "), got " +
                      std::to_string(groups.size()));
  const RowMatrixXd scores = score_lifecycle(ratings, config_, workers);
  update_scores(scores, groups, batch_keys, row_offset);
}

void LifecycleState::update_scores(RecordsRef scores, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
                                   std::int64_t row_offset) {
  const Eigen::Index n = scores.rows();
  if (scores.cols() != S)
    throw input_error("scores: expected " + std::to_string(S) + " columns (one per stage), got " +
                      std::to_string(scores.cols()));
  if (n == 0) return;
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per respondent (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (this->groups() > 0 && batch_keys.names() != keys_.names())
    throw input_error("by: this " + kKind + " is " + describe_names(keys_.names()) + "; the batch is " +
                      describe_names(batch_keys.names()));
  if (!grouped && batch_keys.width() != 0)
    throw input_error("groups: the batch is " + describe_names(batch_keys.names()) + " but has no group codes");
  const std::array<bool, S> used = used_stages(config_);
  const int nb = grouped ? batch_keys.size() : 1;
  std::vector<std::int64_t> bi(static_cast<std::size_t>(nb) * KI, 0);
  std::vector<double> br(static_cast<std::size_t>(nb) * KR, 0.0);
  // Welford per group and stage: numerically stable mean and M2 in one pass
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= nb)
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(nb) + ")");
    std::int64_t* ci = bi.data() + static_cast<std::size_t>(g) * KI;
    double* cr = br.data() + static_cast<std::size_t>(g) * KR;
    ++ci[0];
    for (int s = 0; s < S; ++s) {
      if (!used[static_cast<std::size_t>(s)]) continue;
      const double v = scores(i, s);
      if (std::isnan(v)) {
        ++ci[kMissing + static_cast<std::size_t>(s)];
        continue;
      }
      if (!(v >= -1e-9 && v <= 100.0 + 1e-9))
        throw input_error("scores: row " + std::to_string(row_offset + i) + ", stage '" +
                          to_string(static_cast<LifecycleStage>(s)) + "': " + detail::format_number(v) +
                          " is outside [0, 100]");
      const double c = static_cast<double>(++ci[kN + static_cast<std::size_t>(s)]);
      double& mean = cr[kMean + static_cast<std::size_t>(s)];
      const double d = v - mean;
      mean += d / c;
      cr[kM2 + static_cast<std::size_t>(s)] += d * (v - mean);
    }
  }
  // refuse before anything changes: a count past 2^62 (the check cannot overflow: both are <= 2^62)
  for (int b = 0; b < nb; ++b) {
    if (bi[static_cast<std::size_t>(b) * KI] == 0) continue;
    const auto code = this->groups() == 0 ? std::nullopt : keys_.find(grouped ? batch_keys.key(b) : GroupKey{});
    if (!code) continue;
    for (std::size_t c = 0; c < KI; ++c)
      if (bi[static_cast<std::size_t>(b) * KI + c] > kMaxCount - ints_[static_cast<std::size_t>(*code) * KI + c])
        throw input_error("update: a count of this " + kKind + " would pass 2^62; split the data over states");
  }
  // commit (nothing above changed the state)
  if (this->groups() == 0) keys_ = GroupKeys(batch_keys.names());
  for (int b = 0; b < nb; ++b) {
    const std::int64_t* ci = bi.data() + static_cast<std::size_t>(b) * KI;
    if (ci[0] == 0) continue;  // a batch key without respondents (an unused category) is no group
    const double* cr = br.data() + static_cast<std::size_t>(b) * KR;
    const std::int32_t g = grouped ? keys_.insert(batch_keys.key(b)) : keys_.insert(GroupKey{});
    if ((static_cast<std::size_t>(g) + 1) * KI > ints_.size()) {
      ints_.resize((static_cast<std::size_t>(g) + 1) * KI, 0);
      reals_.resize((static_cast<std::size_t>(g) + 1) * KR, 0.0);
    }
    std::int64_t* ti = ints_.data() + static_cast<std::size_t>(g) * KI;
    double* tr = reals_.data() + static_cast<std::size_t>(g) * KR;
    ti[0] += ci[0];
    for (std::size_t s = 0; s < static_cast<std::size_t>(S); ++s) {
      ti[kMissing + s] += ci[kMissing + s];
      fold(ti[kN + s], tr[kMean + s], tr[kM2 + s], ci[kN + s], cr[kMean + s], cr[kM2 + s]);
    }
  }
}

LifecycleState& LifecycleState::merge(const LifecycleState& o) {
  if (!(o.config_ == config_))
    throw input_error("merge: the " + kKind + "s differ in configuration: " + to_json(config_) + " (this one) vs " +
                      to_json(o.config_) + " (the other)");
  if (o.groups() == 0) return *this;  // nothing counted there
  if (groups() == 0) {
    if (this != &o) *this = o;
    return *this;
  }
  if (o.keys_.names() != keys_.names())
    throw input_error("merge: this " + kKind + " is " + describe_names(keys_.names()) + ", the other " +
                      describe_names(o.keys_.names()) + "; only states of the same key columns merge");
  const LifecycleState copy = this == &o ? o : LifecycleState();
  const LifecycleState& src = this == &o ? copy : o;
  for (std::int32_t b = 0; b < src.groups(); ++b)
    if (const auto code = keys_.find(src.keys_.key(b)))
      for (std::size_t c = 0; c < KI; ++c)
        if (src.ints_[static_cast<std::size_t>(b) * KI + c] >
            kMaxCount - ints_[static_cast<std::size_t>(*code) * KI + c])
          throw input_error("merge: a count of the merged " + kKind + " would pass 2^62; the states are unchanged");
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  ints_.resize(static_cast<std::size_t>(groups()) * KI, 0);
  reals_.resize(static_cast<std::size_t>(groups()) * KR, 0.0);
  for (std::size_t b = 0; b < map.size(); ++b) {
    std::int64_t* ti = ints_.data() + static_cast<std::size_t>(map[b]) * KI;
    double* tr = reals_.data() + static_cast<std::size_t>(map[b]) * KR;
    const std::int64_t* ci = src.ints_.data() + b * KI;
    const double* cr = src.reals_.data() + b * KR;
    ti[0] += ci[0];
    for (std::size_t s = 0; s < static_cast<std::size_t>(S); ++s) {
      ti[kMissing + s] += ci[kMissing + s];
      fold(ti[kN + s], tr[kMean + s], tr[kM2 + s], ci[kN + s], cr[kMean + s], cr[kM2 + s]);
    }
  }
  return *this;
}

LifecycleSummary LifecycleState::result(bool key_order) const {
  std::vector<std::int32_t> order;
  if (key_order) {
    order = sorted_codes();
  } else {
    for (int g = 0; g < groups(); ++g) order.push_back(g);
  }
  return result_of(order);
}

// The one finishing code of the stage indices (summarize_lifecycle is one update of this state).
LifecycleSummary LifecycleState::result_of(const std::vector<std::int32_t>& codes) const {
  const LifecycleConfig& cfg = config_;
  std::array<bool, S> used{};
  std::array<double, S> imp_sum{}, imp_cnt{};
  for (const auto& t : cfg.touchpoints) {
    const auto s = static_cast<std::size_t>(t.stage);
    used[s] = true, imp_sum[s] += t.importance, imp_cnt[s] += 1;
  }
  const int G = static_cast<int>(codes.size());
  LifecycleSummary r;
  r.n.setZero(G, S);
  r.n_missing.setZero(G, S);
  r.respondents.assign(static_cast<std::size_t>(G), 0);
  Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(G, S), m2 = Eigen::MatrixXd::Zero(G, S);
  for (int g = 0; g < G; ++g) {
    const std::int32_t c = codes[static_cast<std::size_t>(g)];
    if (c < 0) continue;
    if (c >= groups())
      throw input_error("result_of: group code " + std::to_string(c) + " is outside [0, " + std::to_string(groups()) +
                        ")");
    const std::int64_t* ci = ints_.data() + static_cast<std::size_t>(c) * KI;
    const double* cr = reals_.data() + static_cast<std::size_t>(c) * KR;
    r.respondents[static_cast<std::size_t>(g)] = ci[0];
    for (int s = 0; s < S; ++s) {
      r.n(g, s) = ci[kN + static_cast<std::size_t>(s)];
      r.n_missing(g, s) = ci[kMissing + static_cast<std::size_t>(s)];
      mean(g, s) = cr[kMean + static_cast<std::size_t>(s)];
      m2(g, s) = cr[kM2 + static_cast<std::size_t>(s)];
    }
  }
  r.index.setConstant(G, S, kNaN);
  r.sd.setConstant(G, S, kNaN);
  r.lower.setConstant(G, S, kNaN);
  r.upper.setConstant(G, S, kNaN);
  r.importance.setConstant(G, S, kNaN);
  r.quadrant.setConstant(G, S, static_cast<std::int8_t>(IpaQuadrant::none));
  r.weak.setZero(G, S);
  r.strong.setZero(G, S);
  r.journey.setConstant(G, kNaN);
  r.weakest.setConstant(G, -1);
  r.strongest.setConstant(G, -1);
  double imp_mean = 0, imp_k = 0;
  for (int s = 0; s < S; ++s)
    if (used[static_cast<std::size_t>(s)]) {
      const double v = imp_sum[static_cast<std::size_t>(s)] / imp_cnt[static_cast<std::size_t>(s)];
      r.importance.col(s).setConstant(v);
      imp_mean += v, imp_k += 1;
    }
  imp_mean /= imp_k;
  for (int g = 0; g < G; ++g) {
    double jw = 0, js = 0;
    for (int s = 0; s < S; ++s) {
      const std::int64_t m = r.n(g, s);
      if (!used[static_cast<std::size_t>(s)] || m < cfg.min_n) continue;
      r.index(g, s) = mean(g, s);
      if (m >= 2) {
        r.sd(g, s) = std::sqrt(m2(g, s) / static_cast<double>(m - 1));
        const double t =
            boost::math::quantile(boost::math::students_t(static_cast<double>(m - 1)), 0.5 + cfg.confidence / 2.0);
        const double half = t * r.sd(g, s) / std::sqrt(static_cast<double>(m));
        r.lower(g, s) = mean(g, s) - half;
        r.upper(g, s) = mean(g, s) + half;
      }
      const double w = cfg.stage_weights[static_cast<std::size_t>(s)];
      jw += w, js += w * mean(g, s);
    }
    if (jw == 0) continue;
    const double journey = js / jw;
    r.journey[g] = journey;
    double lowest = HUGE_VAL, highest = -HUGE_VAL;
    for (int s = 0; s < S; ++s) {
      const double v = r.index(g, s);
      if (std::isnan(v)) continue;
      if (v < lowest) lowest = v, r.weakest[g] = s;
      if (v > highest) highest = v, r.strongest[g] = s;
      // the shared IPA rule (drivers.hpp): crosshair at the journey index and the mean stage
      // importance; an importance on the mean is low, so equal importances flag nothing
      const IpaQuadrant q = ipa_quadrant(v, r.importance(g, s), journey, imp_mean);
      r.quadrant(g, s) = static_cast<std::int8_t>(q);
      const bool below = v < journey - cfg.margin && r.upper(g, s) < journey;  // NaN upper: false
      const bool above = v > journey + cfg.margin && r.lower(g, s) > journey;
      r.weak(g, s) = (below || (cfg.ipa_rule && q == IpaQuadrant::concentrate_here)) ? 1 : 0;
      r.strong(g, s) = (above || (cfg.ipa_rule && q == IpaQuadrant::keep_up_good_work)) ? 1 : 0;
    }
  }
  return r;
}

std::string LifecycleState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string cfg = to_json(config_);
  detail::put_u32_le(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  const std::vector<std::int32_t> order = sorted_codes();
  GroupKeys sorted(keys_.names());  // the keys in key order: equal states, equal bytes
  sorted.reserve(order.size());
  for (std::int32_t g : order) sorted.insert(keys_.key(g));
  sorted.write(s);
  detail::put_u32_le(s, static_cast<std::uint32_t>(KI));
  detail::put_u32_le(s, static_cast<std::uint32_t>(KR));
  for (std::int32_t g : order) {
    for (std::size_t c = 0; c < KI; ++c) detail::put_i64_le(s, ints_[static_cast<std::size_t>(g) * KI + c]);
    for (std::size_t c = 0; c < KR; ++c) put_f64(s, reals_[static_cast<std::size_t>(g) * KR + c]);
  }
  return s;
}

LifecycleState LifecycleState::from_bytes(std::string_view bytes) {
  const std::string what = "LifecycleState.from_bytes";
  detail::check_magic(bytes, kMagic, what, kKind);
  detail::ByteReader rd{bytes, 8, what};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) rd.corrupt("the configuration declares " + std::to_string(len) + " bytes");
  LifecycleConfig cfg;
  try {
    cfg = lifecycle_config_from_json(bytes.substr(rd.pos, len));
    cfg.validate();
  } catch (const error& e) {
    rd.corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  std::string_view rest = bytes.substr(rd.pos);
  GroupKeys keys = GroupKeys::read(rest);
  rd.pos = bytes.size() - rest.size();
  const auto wi = static_cast<std::uint32_t>(rd.u(4));
  const auto wr = static_cast<std::uint32_t>(rd.u(4));
  if (wi != KI || wr != KR)
    rd.corrupt("the image declares " + std::to_string(wi) + " counts and " + std::to_string(wr) +
               " sums a group; expected " + std::to_string(KI) + " and " + std::to_string(KR));
  const std::size_t G = static_cast<std::size_t>(keys.size());
  const std::size_t per = 8 * (KI + KR);
  if (rd.left() / per < G || rd.left() != G * per)
    throw input_error(what + ": the image is " +
                      std::string(rd.left() < G * per ? "truncated" : "longer than declared") + ": " +
                      std::to_string(G) + " groups need " + std::to_string(G * per) + " bytes, the image has " +
                      std::to_string(rd.left()));
  const std::array<bool, S> used = used_stages(cfg);
  LifecycleState st(std::move(cfg), keys.names());
  st.ints_.assign(G * KI, 0);
  st.reals_.assign(G * KR, 0.0);
  // the image lists groups in key order; codes are renumbered to follow it
  const std::vector<std::int32_t> order = keys.sorted_codes();
  for (std::size_t row = 0; row < G; ++row) {
    const std::int32_t g = st.keys_.insert(keys.key(order[row]));
    std::int64_t* ci = st.ints_.data() + static_cast<std::size_t>(g) * KI;
    double* cr = st.reals_.data() + static_cast<std::size_t>(g) * KR;
    const std::string grp = "group " + std::to_string(row);
    for (std::size_t c = 0; c < KI; ++c) {
      ci[c] = static_cast<std::int64_t>(rd.u(8));
      if (ci[c] < 0 || ci[c] > kMaxCount)
        rd.corrupt("count " + std::to_string(ci[c]) + " of " + grp + " is outside [0, 2^62]");
    }
    for (std::size_t c = 0; c < KR; ++c) {
      const std::uint64_t bits = rd.u(8);
      std::memcpy(&cr[c], &bits, 8);
      if (!std::isfinite(cr[c])) rd.corrupt("sum " + std::to_string(c) + " of " + grp + " is not finite");
    }
    if (ci[0] == 0) rd.corrupt(grp + " counts no respondent");
    for (std::size_t s = 0; s < static_cast<std::size_t>(S); ++s) {
      const std::int64_t m = ci[kN + s], miss = ci[kMissing + s];
      const std::string where = grp + ", stage '" + to_string(static_cast<LifecycleStage>(s)) + "'";
      if (used[s] ? (m > ci[0] || miss != ci[0] - m) : (m != 0 || miss != 0))
        rd.corrupt("the counts of " + where + " do not add up to its respondents");
      const double mu = cr[kMean + s], q = cr[kM2 + s];
      if (m == 0 ? mu != 0 : !(mu >= -1e-9 && mu <= 100.0 + 1e-9))
        rd.corrupt("the mean of " + where + " is outside [0, 100]");
      // the M2 of n values in [0, 100] is at most n 50^2
      if (m < 2 ? q != 0 : !(q >= 0 && q <= static_cast<double>(m) * 2500.0 * (1 + 1e-9) + 1e-6))
        rd.corrupt("the sum of squared deviations of " + where + " is out of range");
    }
  }
  if (st.groups() != static_cast<int>(G)) rd.corrupt("the image repeats a group key");
  return st;
}

}  // namespace servscore
