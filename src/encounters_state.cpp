// The mergeable state of encounter summaries (see EncounterSummaryState in encounters.hpp).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "json_util.hpp"
#include "servscore/encounters.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace {

constexpr char kMagic[] = "SSENCSU1";
constexpr std::int64_t kMaxCount = std::int64_t{1} << 62;
constexpr std::uint32_t kMaxJson = 1u << 24;

constexpr int kQuality = static_cast<int>(Quadrant::quality);
constexpr int kUnknown = static_cast<int>(Quadrant::unknown);

// cell layout per group: ints  0-4 quadrant counts, 5-6 scored sides, 7 outside quality;
//                        reals 0-1 score sums, 2..k+1 credits, then 5 quadrant weights,
//                              2 scored-side weights, 1 weight outside quality
constexpr int kScored = 5, kOutside = 7;

// ---- little-endian fields, written and read byte by byte (the same image on every host)
void put_u8(std::string& s, std::uint8_t v) {
  s.push_back(static_cast<char>(v));
}
void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& s, std::int64_t v) {
  put_u64(s, static_cast<std::uint64_t>(v));
}
void put_f64(std::string& s, double v) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, 8);
  put_u64(s, u);
}

struct Reader {
  std::string_view b;
  std::size_t pos = 0;
  std::size_t left() const { return b.size() - pos; }
  void need(std::size_t n) const {
    if (n > left())
      throw input_error("EncounterSummaryState.from_bytes: the image is truncated (" + std::to_string(b.size()) +
                        " bytes)");
  }
  std::uint64_t u(int bytes) {
    need(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[pos + i])) << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u(8)); }
  double f64() {
    const std::uint64_t v = u(8);
    double d = 0;
    std::memcpy(&d, &v, 8);
    return d;
  }
};

[[noreturn]] void corrupt(const std::string& what) {
  throw input_error("EncounterSummaryState.from_bytes: " + what + "; the image is corrupt");
}

std::string describe_names(const std::vector<std::string>& names) {
  if (names.empty()) return "ungrouped";
  std::string s = "grouped by [";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

std::string describe_config(const EncounterConfig& c) {
  std::string names;
  for (const auto& i : c.indicators) names += (names.empty() ? "" : ", ") + i.name;
  if (names.size() > 80) names = names.substr(0, 77) + "...";
  return "scale " + detail::format_number(c.scale_min) + "-" + detail::format_number(c.scale_max) + ", " +
         std::to_string(c.indicators.size()) + " indicators (" + names + "), thresholds " +
         detail::format_number(c.procedural_threshold) + "/" + detail::format_number(c.personal_threshold) +
         ", min_coverage " + detail::format_number(c.min_coverage);
}

const char* describe_weighting(int w) {
  return w == 2 ? "weighted" : w == 1 ? "unweighted" : "empty";
}

}  // namespace

EncounterScoresView EncounterScoresView::of(const EncounterScores& s) {
  return {s.size(),          s.procedural.data(),         s.personal.data(),
          s.quadrant.data(), s.weakest_procedural.data(), s.weakest_personal.data()};
}

EncounterSummaryState::EncounterSummaryState(EncounterConfig config, std::vector<std::string> key_names)
    : config_(std::move(config)), keys_(std::move(key_names)) {
  config_.validate();
}

std::int64_t EncounterSummaryState::rows() const {
  std::int64_t n = 0;
  for (std::size_t g = 0; g < static_cast<std::size_t>(groups()); ++g)
    for (int q = 0; q < 5; ++q) n += ints_[g * kInts + static_cast<std::size_t>(q)];
  return n;
}

void EncounterSummaryState::update(const EncounterScoresView& sc, Eigen::Ref<const VectorXi32> codes,
                                   const GroupKeys& batch_keys, Eigen::Ref<const Eigen::VectorXd> weights,
                                   const std::vector<RatingColumn>& ratings, std::int64_t row_offset) {
  const std::ptrdiff_t n = sc.n;
  if (n <= 0) return;  // an empty batch (a filtered-out partition) is a no-op
  const int k = static_cast<int>(config_.indicators.size());
  const bool grouped = codes.size() > 0;
  if (grouped && codes.size() != n)
    throw input_error("groups: expected one code per encounter (" + std::to_string(n) + "), got " +
                      std::to_string(codes.size()));
  if (weights.size() > 0 && weights.size() != n)
    throw input_error("weights: expected one weight per encounter (" + std::to_string(n) + "), got " +
                      std::to_string(weights.size()));
  const bool have_ratings = !ratings.empty();
  if (have_ratings && static_cast<int>(ratings.size()) != k)
    throw input_error("ratings: expected " + std::to_string(k) + " indicator columns, got " +
                      std::to_string(ratings.size()));
  if (!sc.procedural || !sc.personal || !sc.quadrant)
    throw input_error("scores: procedural, personal and quadrant are required");
  if (!have_ratings && (!sc.weakest_procedural || !sc.weakest_personal))
    throw input_error("scores: the weakest indicators are required when the ratings are not given");
  // the key columns: a state without groups takes the batch's
  const bool adopt = groups() == 0;
  if (!adopt && batch_keys.names() != keys_.names())
    throw input_error("by: this encounter summary state is " + describe_names(keys_.names()) + "; the batch is " +
                      describe_names(batch_keys.names()));
  if (!grouped && batch_keys.width() != 0)
    throw input_error("groups: the batch is " + describe_names(batch_keys.names()) + " but has no group codes");
  const int w_batch = weights.size() > 0 ? 2 : 1;
  if (weighting_ != 0 && weighting_ != w_batch)
    throw input_error(std::string("weights: this encounter summary state is ") + describe_weighting(weighting_) +
                      " and the batch is " + describe_weighting(w_batch) + "; a state is weighted or not throughout");
  const int n_batch = grouped ? batch_keys.size() : 1;
  const int R = reals();
  std::vector<std::int64_t> bi(static_cast<std::size_t>(n_batch) * kInts, 0);
  std::vector<double> br(static_cast<std::size_t>(n_batch) * static_cast<std::size_t>(R), 0.0);
  std::vector<int> side_cols[2];
  for (int j = 0; j < k; ++j)
    side_cols[static_cast<int>(config_.indicators[static_cast<std::size_t>(j)].side)].push_back(j);
  const double tp = config_.procedural_threshold, tq = config_.personal_threshold;
  const bool weighted = w_batch == 2;
  auto row_name = [&](std::ptrdiff_t i) { return "row " + std::to_string(row_offset + i); };
  // The ratings are read only for encounters outside quality with a low side: per block of rows,
  // those rows' ratings are gathered column by column (one type dispatch per column and block,
  // sequential reads) into a small row-major tile, its columns ordered by side.
  std::vector<int> order(side_cols[0]);
  order.insert(order.end(), side_cols[1].begin(), side_cols[1].end());
  const int n_proc = static_cast<int>(side_cols[0].size());
  constexpr int kBlock = 1024;
  std::vector<double> tile(have_ratings ? static_cast<std::size_t>(kBlock) * static_cast<std::size_t>(k) : 0);
  std::vector<std::ptrdiff_t> sel(kBlock);
  std::vector<std::uint8_t> sel_low(kBlock);
  std::vector<int> sel_group(kBlock);
  std::vector<double> sel_w(kBlock);
  for (std::ptrdiff_t i0 = 0; i0 < n; i0 += kBlock) {
    const std::ptrdiff_t i1 = std::min<std::ptrdiff_t>(n, i0 + kBlock);
    int ns = 0;
    for (std::ptrdiff_t i = i0; i < i1; ++i) {
      const int g = grouped ? codes[i] : 0;
      if (g < 0 || g >= n_batch)
        throw input_error("groups: " + row_name(i) + " has group code " + std::to_string(g) + "; expected [0, " +
                          std::to_string(n_batch) + ")");
      const int q = sc.quadrant[i];
      if (q < 0 || q > 4) throw input_error("quadrant: " + row_name(i) + " has invalid code " + std::to_string(q));
      const double p = sc.procedural[i], r = sc.personal[i];
      if (!(std::isnan(p) || (p >= 0 && p <= 100)))
        throw input_error("column 'procedural', " + row_name(i) + ": score " + detail::format_number(p) +
                          " is outside [0, 100]; expected the output of score_encounters");
      if (!(std::isnan(r) || (r >= 0 && r <= 100)))
        throw input_error("column 'personal', " + row_name(i) + ": score " + detail::format_number(r) +
                          " is outside [0, 100]; expected the output of score_encounters");
      double w = 1.0;
      if (weighted) {
        w = weights[i];
        if (!(std::isfinite(w) && w >= 0))
          throw input_error("weights: " + row_name(i) + " has weight " + detail::format_number(w) +
                            "; expected a finite number >= 0");
      }
      std::int64_t* ci = bi.data() + static_cast<std::size_t>(g) * kInts;
      double* cr = br.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(R);
      double* cw = cr + 2 + k;  // weights: 5 quadrants, 2 sides, outside
      ++ci[q];
      cw[q] += w;
      if (!std::isnan(p)) cr[0] += w * p, ++ci[kScored], cw[5] += w;
      if (!std::isnan(r)) cr[1] += w * r, ++ci[kScored + 1], cw[6] += w;
      if (q == kQuality || q == kUnknown) continue;
      ++ci[kOutside];
      cw[7] += w;
      const bool low_p = p < tp, low_r = r < tq;
      if (have_ratings) {
        if (low_p || low_r) {
          sel[static_cast<std::size_t>(ns)] = i;
          sel_low[static_cast<std::size_t>(ns)] = static_cast<std::uint8_t>((low_p ? 1 : 0) | (low_r ? 2 : 0));
          sel_group[static_cast<std::size_t>(ns)] = g;
          sel_w[static_cast<std::size_t>(ns)] = w;
          ++ns;
        }
      } else {
        const int wp = sc.weakest_procedural[i], wq = sc.weakest_personal[i];
        if (low_p && wp >= 0 && wp < k) cr[2 + wp] += w;
        if (low_r && wq >= 0 && wq < k) cr[2 + wq] += w;
      }
    }
    if (ns == 0) continue;
    for (int t = 0; t < k; ++t) {
      const RatingColumn& c = ratings[static_cast<std::size_t>(order[static_cast<std::size_t>(t)])];
      double* dst = tile.data() + t;
      auto gather = [&](const auto* x) {
        for (int m = 0; m < ns; ++m)
          dst[static_cast<std::size_t>(m) * static_cast<std::size_t>(k)] =
              static_cast<double>(x[sel[static_cast<std::size_t>(m)] * c.stride]);
      };
      switch (c.type) {
        case RatingColumn::Type::i8:
          gather(static_cast<const std::int8_t*>(c.data));
          break;
        case RatingColumn::Type::i16:
          gather(static_cast<const std::int16_t*>(c.data));
          break;
        case RatingColumn::Type::i32:
          gather(static_cast<const std::int32_t*>(c.data));
          break;
        case RatingColumn::Type::i64:
          gather(static_cast<const std::int64_t*>(c.data));
          break;
        case RatingColumn::Type::u8:
          gather(static_cast<const std::uint8_t*>(c.data));
          break;
        case RatingColumn::Type::f32:
          gather(static_cast<const float*>(c.data));
          break;
        case RatingColumn::Type::f64:
          gather(static_cast<const double*>(c.data));
          break;
      }
    }
    for (int m = 0; m < ns; ++m) {
      const double* row = tile.data() + static_cast<std::size_t>(m) * static_cast<std::size_t>(k);
      double* cr =
          br.data() + static_cast<std::size_t>(sel_group[static_cast<std::size_t>(m)]) * static_cast<std::size_t>(R);
      for (int sd = 0; sd < 2; ++sd) {
        if (!(sel_low[static_cast<std::size_t>(m)] & (1 << sd))) continue;
        const int lo = sd == 0 ? 0 : n_proc, hi = sd == 0 ? n_proc : k;
        // branch-free: the lowest rating (NaN, not rated, never compares below), then its ties
        double lowest = HUGE_VAL;
        for (int t = lo; t < hi; ++t) lowest = row[t] < lowest ? row[t] : lowest;
        int ties = 0;
        for (int t = lo; t < hi; ++t) ties += row[t] == lowest;
        if (ties == 0) continue;
        const double credit = sel_w[static_cast<std::size_t>(m)] / ties;
        for (int t = lo; t < hi; ++t)
          if (row[t] == lowest) cr[2 + order[static_cast<std::size_t>(t)]] += credit;
      }
    }
  }
  // commit (nothing above changed the state)
  if (adopt) keys_ = GroupKeys(batch_keys.names());
  weighting_ = w_batch;
  for (int b = 0; b < n_batch; ++b) {
    const std::int32_t g = grouped ? keys_.insert(batch_keys.key(b)) : keys_.insert(GroupKey{});
    if (static_cast<std::size_t>(g) * kInts >= ints_.size()) {
      ints_.resize((static_cast<std::size_t>(g) + 1) * kInts, 0);
      reals_.resize((static_cast<std::size_t>(g) + 1) * static_cast<std::size_t>(R), 0.0);
    }
    for (int c = 0; c < kInts; ++c)
      ints_[static_cast<std::size_t>(g) * kInts + static_cast<std::size_t>(c)] +=
          bi[static_cast<std::size_t>(b) * kInts + static_cast<std::size_t>(c)];
    for (int c = 0; c < R; ++c)
      reals_[static_cast<std::size_t>(g) * static_cast<std::size_t>(R) + static_cast<std::size_t>(c)] +=
          br[static_cast<std::size_t>(b) * static_cast<std::size_t>(R) + static_cast<std::size_t>(c)];
  }
}

EncounterSummaryState& EncounterSummaryState::merge(const EncounterSummaryState& o) {
  if (!(o.config_ == config_))
    throw input_error("merge: the encounter summary states differ in configuration: " + describe_config(config_) +
                      " (this one) vs " + describe_config(o.config_) + " (the other)");
  if (o.groups() == 0) return *this;  // nothing counted there
  if (groups() == 0) {
    if (this != &o) *this = o;
    return *this;
  }
  if (o.keys_.names() != keys_.names())
    throw input_error("merge: this encounter summary state is " + describe_names(keys_.names()) + ", the other " +
                      describe_names(o.keys_.names()) + "; only states of the same key columns merge");
  if (o.weighting_ != weighting_)
    throw input_error(std::string("merge: cannot merge a ") + describe_weighting(o.weighting_) +
                      " encounter summary state into a " + describe_weighting(weighting_) + " one");
  const EncounterSummaryState copy = this == &o ? o : EncounterSummaryState();
  const EncounterSummaryState& src = this == &o ? copy : o;
  // refuse before anything changes: a count past 2^62 (the check cannot overflow: both are <= 2^62)
  for (std::int32_t b = 0; b < src.groups(); ++b)
    if (const auto code = keys_.find(src.keys_.key(b)))
      for (std::size_t c = 0; c < static_cast<std::size_t>(kInts); ++c)
        if (src.ints_[static_cast<std::size_t>(b) * kInts + c] >
            kMaxCount - ints_[static_cast<std::size_t>(*code) * kInts + c])
          throw input_error(
              "merge: a count of the merged encounter summary state would pass 2^62; the states are unchanged");
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  const int R = reals();
  ints_.resize(static_cast<std::size_t>(groups()) * kInts, 0);
  reals_.resize(static_cast<std::size_t>(groups()) * static_cast<std::size_t>(R), 0.0);
  for (std::size_t b = 0; b < map.size(); ++b) {
    const std::size_t g = static_cast<std::size_t>(map[b]);
    for (int c = 0; c < kInts; ++c) ints_[g * kInts + static_cast<std::size_t>(c)] += src.ints_[b * kInts + c];
    for (int c = 0; c < R; ++c)
      reals_[g * static_cast<std::size_t>(R) + static_cast<std::size_t>(c)] +=
          src.reals_[b * static_cast<std::size_t>(R) + static_cast<std::size_t>(c)];
  }
  return *this;
}

EncounterSummary EncounterSummaryState::result(bool key_order) const {
  const int G = groups();
  const int k = static_cast<int>(config_.indicators.size());
  const int R = reals();
  std::vector<std::int32_t> order;
  if (key_order) {
    order = sorted_codes();
  } else {
    order.resize(static_cast<std::size_t>(G));
    for (int g = 0; g < G; ++g) order[static_cast<std::size_t>(g)] = g;
  }
  EncounterSummary s;
  s.counts.setZero(G, 5);
  s.sum_scores.setZero(G, 2);
  s.n_scored.setZero(G, 2);
  s.pullers.setZero(G, k);
  s.n_outside_quality.assign(static_cast<std::size_t>(G), 0);
  if (weighted()) {
    s.weight_counts.setZero(G, 5);
    s.weight_scored.setZero(G, 2);
    s.weight_outside.assign(static_cast<std::size_t>(G), 0.0);
  }
  for (int row = 0; row < G; ++row) {
    const std::size_t g = static_cast<std::size_t>(order[static_cast<std::size_t>(row)]);
    const std::int64_t* ci = ints_.data() + g * kInts;
    const double* cr = reals_.data() + g * static_cast<std::size_t>(R);
    for (int q = 0; q < 5; ++q) s.counts(row, q) = ci[q];
    for (int sd = 0; sd < 2; ++sd) s.n_scored(row, sd) = ci[kScored + sd], s.sum_scores(row, sd) = cr[sd];
    s.n_outside_quality[static_cast<std::size_t>(row)] = ci[kOutside];
    for (int j = 0; j < k; ++j) s.pullers(row, j) = cr[2 + j];
    if (weighted()) {
      const double* cw = cr + 2 + k;
      for (int q = 0; q < 5; ++q) s.weight_counts(row, q) = cw[q];
      for (int sd = 0; sd < 2; ++sd) s.weight_scored(row, sd) = cw[5 + sd];
      s.weight_outside[static_cast<std::size_t>(row)] = cw[7];
    }
  }
  return s;
}

std::string EncounterSummaryState::to_bytes() const {
  const int k = static_cast<int>(config_.indicators.size());
  const int R = reals();
  std::string s(kMagic, 8);
  put_u8(s, static_cast<std::uint8_t>((weighting_ != 0 ? 1 : 0) | (weighting_ == 2 ? 2 : 0)));
  const std::string cfg = to_json(config_);
  put_u32(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  const std::vector<std::int32_t> order = sorted_codes();
  GroupKeys sorted(keys_.names());  // the keys in key order: equal states, equal bytes
  sorted.reserve(order.size());
  for (std::int32_t g : order) sorted.insert(keys_.key(g));
  sorted.write(s);
  put_u32(s, static_cast<std::uint32_t>(k));
  for (std::int32_t g : order) {
    const std::int64_t* ci = ints_.data() + static_cast<std::size_t>(g) * kInts;
    const double* cr = reals_.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(R);
    for (int c = 0; c < kInts; ++c) put_i64(s, ci[c]);
    for (int c = 0; c < 2 + k; ++c) put_f64(s, cr[c]);
    if (weighting_ == 2)
      for (int c = 2 + k; c < R; ++c) put_f64(s, cr[c]);
  }
  return s;
}

EncounterSummaryState EncounterSummaryState::from_bytes(std::string_view bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw input_error(
        "EncounterSummaryState.from_bytes: not a servscore encounter summary state (bad header; expected " +
        std::string(kMagic, 8) + ")");
  Reader rd{bytes, 8};
  const auto flags = static_cast<std::uint8_t>(rd.u(1));
  if (flags > 3 || flags == 2) corrupt("unknown flags " + std::to_string(flags));
  const int weighting = (flags & 1) ? ((flags & 2) ? 2 : 1) : 0;
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) corrupt("the configuration declares " + std::to_string(len) + " bytes");
  EncounterConfig cfg;
  try {
    cfg = encounter_config_from_json(bytes.substr(rd.pos, len));
  } catch (const error& e) {
    corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  std::string_view rest = bytes.substr(rd.pos);
  GroupKeys keys = GroupKeys::read(rest);
  rd.pos = bytes.size() - rest.size();
  const auto k = static_cast<std::uint32_t>(rd.u(4));
  if (k != cfg.indicators.size())
    corrupt("the image declares " + std::to_string(k) + " indicators, its configuration " +
            std::to_string(cfg.indicators.size()));
  EncounterSummaryState s(std::move(cfg), keys.names());
  const std::size_t G = static_cast<std::size_t>(keys.size());
  if (weighting == 0 && G > 0) corrupt("groups in a state that counted nothing");
  if (weighting != 0 && G == 0) corrupt("a weighting without groups");
  const std::size_t per = 8 * (kInts + 2 + k + (weighting == 2 ? 8 : 0));
  if (rd.left() / per < G || rd.left() != G * per)
    throw input_error("EncounterSummaryState.from_bytes: the image is " +
                      std::string(rd.left() < G * per ? "truncated" : "longer than declared") + ": " +
                      std::to_string(G) + " groups need " + std::to_string(G * per) + " bytes, the image has " +
                      std::to_string(rd.left()));
  const int R = s.reals();
  s.weighting_ = weighting;
  s.ints_.assign(G * kInts, 0);
  s.reals_.assign(G * static_cast<std::size_t>(R), 0.0);
  // the image lists groups in key order; codes are renumbered to follow it
  const std::vector<std::int32_t> order = keys.sorted_codes();
  for (std::size_t row = 0; row < G; ++row) {
    const std::int32_t g = s.keys_.insert(keys.key(order[row]));
    std::int64_t* ci = s.ints_.data() + static_cast<std::size_t>(g) * kInts;
    double* cr = s.reals_.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(R);
    for (int c = 0; c < kInts; ++c) {
      ci[c] = rd.i64();
      if (ci[c] < 0 || ci[c] > kMaxCount)
        corrupt("count " + std::to_string(ci[c]) + " of group " + std::to_string(row) + " is outside [0, 2^62]");
    }
    std::int64_t n = 0;
    for (int q = 0; q < 5; ++q) n += ci[q];
    if (n == 0) corrupt("group " + std::to_string(row) + " counts no encounter");
    if (ci[kScored] > n || ci[kScored + 1] > n || ci[kOutside] != n - ci[kQuality] - ci[kUnknown])
      corrupt("the counts of group " + std::to_string(row) + " do not agree");
    const int stored = 2 + static_cast<int>(k) + (weighting == 2 ? 8 : 0);
    for (int c = 0; c < stored; ++c) {
      cr[c] = rd.f64();
      if (!(std::isfinite(cr[c]) && cr[c] >= 0))
        corrupt("a sum of group " + std::to_string(row) + " is not finite and >= 0");
    }
    if (weighting == 1) {  // unweighted: the weight totals are the counts
      double* cw = cr + 2 + k;
      for (int q = 0; q < 5; ++q) cw[q] = static_cast<double>(ci[q]);
      cw[5] = static_cast<double>(ci[kScored]);
      cw[6] = static_cast<double>(ci[kScored + 1]);
      cw[7] = static_cast<double>(ci[kOutside]);
    }
  }
  return s;
}

}  // namespace servscore
