// The mergeable state of standards compliance (see ComplianceState in standards.hpp).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "json_util.hpp"
#include "servscore/detail/quantile.hpp"
#include "servscore/errors.hpp"
#include "servscore/standards.hpp"

namespace servscore {

namespace {

constexpr char kMagic[] = "SSCOMPL1";
constexpr std::int64_t kMaxCount = std::int64_t{1} << 62;
constexpr std::uint32_t kMaxJson = 1u << 26;

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& s, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

struct Reader {
  std::string_view b;
  std::size_t pos = 0;
  std::size_t left() const { return b.size() - pos; }
  std::uint64_t u(int bytes) {
    if (static_cast<std::size_t>(bytes) > left())
      throw input_error("ComplianceState.from_bytes: the image is truncated (" + std::to_string(b.size()) + " bytes)");
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[pos + static_cast<std::size_t>(i)])) << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return v;
  }
};

[[noreturn]] void corrupt(const std::string& what) {
  throw input_error("ComplianceState.from_bytes: " + what + "; the image is corrupt");
}

std::string describe_names(const std::vector<std::string>& names) {
  if (names.empty()) return "ungrouped";
  std::string s = "grouped by [";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

std::string describe_set(const StandardSet& s) {
  std::string ids;
  for (const auto& st : s.standards) ids += (ids.empty() ? "" : ", ") + st.id;
  if (ids.size() > 120) ids = ids.substr(0, 117) + "...";
  return std::to_string(s.standards.size()) + " standards (" + ids + ")";
}

}  // namespace

ComplianceState::ComplianceState(StandardSet standards, std::vector<std::string> key_names)
    : standards_(std::move(standards)), keys_(std::move(key_names)) {}

std::int64_t ComplianceState::rows() const {
  const std::size_t per = 1 + 4 * standards_.standards.size();
  std::int64_t n = 0;
  for (std::size_t g = 0; g < static_cast<std::size_t>(groups()); ++g) n += cells_[g * per];
  return n;
}

void ComplianceState::update(Eigen::Ref<const RowMatrixXi8> codes, Eigen::Ref<const VectorXi32> groups,
                             const GroupKeys& batch_keys, std::int64_t row_offset) {
  const Eigen::Index n = codes.rows();
  if (n == 0) return;  // an empty batch (a filtered-out partition) is a no-op
  const std::size_t S = standards_.standards.size();
  if (static_cast<std::size_t>(codes.cols()) != S)
    throw input_error("codes: expected " + std::to_string(S) + " standards (columns), got " +
                      std::to_string(codes.cols()));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per record (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  const bool adopt = this->groups() == 0;
  if (!adopt && batch_keys.names() != keys_.names())
    throw input_error("by: this compliance state is " + describe_names(keys_.names()) + "; the batch is " +
                      describe_names(batch_keys.names()));
  if (!grouped && batch_keys.width() != 0)
    throw input_error("groups: the batch is " + describe_names(batch_keys.names()) + " but has no group codes");
  const int n_batch = grouped ? batch_keys.size() : 1;
  const std::size_t per = 1 + 4 * S;
  std::vector<std::int64_t> local(static_cast<std::size_t>(n_batch) * per, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_batch)
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_batch) + ")");
    std::int64_t* c = local.data() + static_cast<std::size_t>(g) * per;
    ++c[0];
    for (std::size_t j = 0; j < S; ++j) {
      const int v = codes(i, static_cast<Eigen::Index>(j));
      if (v < -2 || v > 1)
        throw input_error("codes: row " + std::to_string(row_offset + i) + ", standard '" + standards_.standards[j].id +
                          "': code " + std::to_string(v) +
                          " is not one of 1 (met), 0 (not met), -1 (not applicable), -2 (not observed)");
      ++c[1 + 4 * j + static_cast<std::size_t>(v == 1 ? 0 : v == 0 ? 1 : v == -1 ? 2 : 3)];
    }
  }
  if (adopt) keys_ = GroupKeys(batch_keys.names());
  for (int b = 0; b < n_batch; ++b) {
    const std::int32_t g = grouped ? keys_.insert(batch_keys.key(b)) : keys_.insert(GroupKey{});
    if ((static_cast<std::size_t>(g) + 1) * per > cells_.size())
      cells_.resize((static_cast<std::size_t>(g) + 1) * per, 0);
    for (std::size_t c = 0; c < per; ++c)
      cells_[static_cast<std::size_t>(g) * per + c] += local[static_cast<std::size_t>(b) * per + c];
  }
}

ComplianceState& ComplianceState::merge(const ComplianceState& o) {
  if (!(o.standards_ == standards_))
    throw input_error("merge: the compliance states differ in configuration: " + describe_set(standards_) +
                      " (this one) vs " + describe_set(o.standards_) + " (the other)");
  if (o.groups() == 0) return *this;
  if (groups() == 0) {
    if (this != &o) *this = o;
    return *this;
  }
  if (o.keys_.names() != keys_.names())
    throw input_error("merge: this compliance state is " + describe_names(keys_.names()) + ", the other " +
                      describe_names(o.keys_.names()) + "; only states of the same key columns merge");
  const ComplianceState copy = this == &o ? o : ComplianceState();
  const ComplianceState& src = this == &o ? copy : o;
  const std::size_t per = 1 + 4 * standards_.standards.size();
  // refuse before anything changes: a count past 2^62 (the check cannot overflow: both are <= 2^62)
  for (std::int32_t b = 0; b < src.groups(); ++b)
    if (const auto code = keys_.find(src.keys_.key(b)))
      for (std::size_t c = 0; c < per; ++c)
        if (src.cells_[static_cast<std::size_t>(b) * per + c] >
            kMaxCount - cells_[static_cast<std::size_t>(*code) * per + c])
          throw input_error("merge: a count of the merged compliance state would pass 2^62; the states are unchanged");
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  cells_.resize(static_cast<std::size_t>(groups()) * per, 0);
  for (std::size_t b = 0; b < map.size(); ++b)
    for (std::size_t c = 0; c < per; ++c) cells_[static_cast<std::size_t>(map[b]) * per + c] += src.cells_[b * per + c];
  return *this;
}

ComplianceCounts ComplianceState::result(bool key_order) const {
  const int G = groups();
  const auto S = static_cast<Eigen::Index>(standards_.standards.size());
  const std::size_t per = 1 + 4 * static_cast<std::size_t>(S);
  std::vector<std::int32_t> order = key_order ? sorted_codes() : std::vector<std::int32_t>();
  if (!key_order)
    for (int g = 0; g < G; ++g) order.push_back(g);
  ComplianceCounts c;
  c.met.setZero(G, S);
  c.observed.setZero(G, S);
  c.not_applicable.setZero(G, S);
  c.not_observed.setZero(G, S);
  for (int row = 0; row < G; ++row) {
    const std::int64_t* x = cells_.data() + static_cast<std::size_t>(order[static_cast<std::size_t>(row)]) * per;
    for (Eigen::Index j = 0; j < S; ++j) {
      const std::int64_t* y = x + 1 + 4 * j;
      c.met(row, j) = static_cast<double>(y[0]);
      c.observed(row, j) = static_cast<double>(y[0] + y[1]);
      c.not_applicable(row, j) = static_cast<double>(y[2]);
      c.not_observed(row, j) = static_cast<double>(y[3]);
    }
  }
  return c;
}

std::string ComplianceState::to_bytes() const {
  std::string s(kMagic, 8);
  const std::string set = to_json(standards_);
  put_u32(s, static_cast<std::uint32_t>(set.size()));
  s += set;
  const std::vector<std::int32_t> order = sorted_codes();
  GroupKeys sorted(keys_.names());  // the keys in key order: equal states, equal bytes
  for (std::int32_t g : order) sorted.insert(keys_.key(g));
  sorted.write(s);
  const std::size_t S = standards_.standards.size(), per = 1 + 4 * S;
  put_u32(s, static_cast<std::uint32_t>(S));
  for (std::int32_t g : order)
    for (std::size_t c = 0; c < per; ++c) put_i64(s, cells_[static_cast<std::size_t>(g) * per + c]);
  return s;
}

ComplianceState ComplianceState::from_bytes(std::string_view bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw input_error("ComplianceState.from_bytes: not a servscore compliance state (bad header; expected " +
                      std::string(kMagic, 8) + ")");
  Reader rd{bytes, 8};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) corrupt("the standard set declares " + std::to_string(len) + " bytes");
  StandardSet set;
  try {
    set = standards_from_json(bytes.substr(rd.pos, len));
  } catch (const error& e) {
    corrupt(std::string("the standard set does not load (") + e.what() + ")");
  }
  rd.pos += len;
  std::string_view rest = bytes.substr(rd.pos);
  GroupKeys keys = GroupKeys::read(rest);
  rd.pos = bytes.size() - rest.size();
  const auto S = static_cast<std::uint32_t>(rd.u(4));
  if (S != set.standards.size())
    corrupt("the image declares " + std::to_string(S) + " standards, its set " + std::to_string(set.standards.size()));
  const std::size_t G = static_cast<std::size_t>(keys.size()), per = 1 + 4 * static_cast<std::size_t>(S);
  if (rd.left() / (8 * per) < G || rd.left() != G * 8 * per)
    throw input_error("ComplianceState.from_bytes: the image is " +
                      std::string(rd.left() < G * 8 * per ? "truncated" : "longer than declared") + ": " +
                      std::to_string(G) + " groups need " + std::to_string(G * 8 * per) + " bytes, the image has " +
                      std::to_string(rd.left()));
  ComplianceState st(std::move(set), keys.names());
  st.cells_.assign(G * per, 0);
  const std::vector<std::int32_t> order = keys.sorted_codes();
  for (std::size_t row = 0; row < G; ++row) {
    const std::int32_t g = st.keys_.insert(keys.key(order[row]));
    std::int64_t* x = st.cells_.data() + static_cast<std::size_t>(g) * per;
    for (std::size_t c = 0; c < per; ++c) {
      x[c] = static_cast<std::int64_t>(rd.u(8));
      if (x[c] < 0 || x[c] > kMaxCount)
        corrupt("count " + std::to_string(x[c]) + " of group " + std::to_string(row) + " is outside [0, 2^62]");
    }
    if (x[0] == 0) corrupt("group " + std::to_string(row) + " counts no record");
    for (std::size_t j = 0; j < S; ++j)
      if (x[1 + 4 * j] + x[2 + 4 * j] + x[3 + 4 * j] + x[4 + 4 * j] != x[0])
        corrupt("the counts of group " + std::to_string(row) + ", standard " + std::to_string(j) +
                " do not add up to its records");
  }
  return st;
}

// One implementation: the batch counts are one ComplianceState update over integer keys.
ComplianceCounts count_compliance(Eigen::Ref<const RowMatrixXi8> codes, Eigen::Ref<const VectorXi32> groups,
                                  int n_groups) {
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  StandardSet set;
  for (Eigen::Index j = 0; j < codes.cols(); ++j)
    set.standards.push_back({"standard " + std::to_string(j + 1), "", "", ""});
  GroupKeys keys({"group"});
  for (int g = 0; g < n_groups; ++g) keys.insert(GroupKey{KeyValue{std::int64_t{g}}});
  const VectorXi32 g = groups.size() > 0 ? VectorXi32(groups) : VectorXi32::Zero(codes.rows());
  ComplianceState st(std::move(set), {"group"});
  st.update(codes, g, keys);
  ComplianceCounts c = st.result(false);
  if (st.groups() == 0) {
    c.met.setZero(n_groups, codes.cols());
    c.observed.setZero(n_groups, codes.cols());
    c.not_applicable.setZero(n_groups, codes.cols());
    c.not_observed.setZero(n_groups, codes.cols());
  }
  return c;
}

}  // namespace servscore

// ------------------------------------------------------------------------------ time elements

namespace servscore {

namespace {
constexpr char kTimeMagic[] = "SSTIMES1";

void put_f64(std::string& s, double v) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, 8);
  put_i64(s, static_cast<std::int64_t>(u));
}

struct TimeReader {
  std::string_view b;
  std::size_t pos = 0;
  std::size_t left() const { return b.size() - pos; }
  std::uint64_t u(int bytes) {
    if (static_cast<std::size_t>(bytes) > left())
      throw input_error("TimeState.from_bytes: the image is truncated (" + std::to_string(b.size()) + " bytes)");
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[pos + static_cast<std::size_t>(i)])) << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return v;
  }
  double f64() {
    const std::uint64_t v = u(8);
    double d = 0;
    std::memcpy(&d, &v, 8);
    return d;
  }
};

[[noreturn]] void time_corrupt(const std::string& what) {
  throw input_error("TimeState.from_bytes: " + what + "; the image is corrupt");
}

std::string describe_time(const TimeConfig& c, std::int64_t cap, double alpha) {
  std::string cols;
  for (const auto& t : c.targets)
    cols += (cols.empty() ? "" : ", ") + t.column + " <= " + detail::format_number(t.target);
  if (cols.size() > 120) cols = cols.substr(0, 117) + "...";
  std::string q;
  for (double x : c.quantiles) q += (q.empty() ? "" : "/") + detail::format_number(x);
  return std::to_string(c.targets.size()) + " elements (" + cols + "), quantiles " + q + ", exact_cap " +
         std::to_string(cap) + ", relative_accuracy " + detail::format_number(alpha);
}
}  // namespace

TimeState::TimeState(TimeConfig config, std::vector<std::string> key_names, std::int64_t exact_cap,
                     double relative_accuracy)
    : config_(std::move(config)), keys_(std::move(key_names)), cap_(exact_cap), alpha_(relative_accuracy) {
  config_.validate();
  if (cap_ < 1 || cap_ > (std::int64_t{1} << 40))
    throw config_error("exact_cap: " + std::to_string(cap_) + "; expected 1 .. 2^40");
  if (!(alpha_ > 0 && alpha_ < 0.5))
    throw config_error("relative_accuracy: " + detail::format_number(alpha_) + "; expected a number in (0, 0.5)");
  log_gamma_ = std::log((1 + alpha_) / (1 - alpha_));
}

std::int32_t TimeState::bucket_of(double x) const {
  const double i = std::ceil(std::log(x) / log_gamma_);
  return static_cast<std::int32_t>(std::max(-2.0e9, std::min(2.0e9, i)));
}

void TimeState::to_sketch(Cell& c) const {
  if (c.sketch) return;
  std::sort(c.values.begin(), c.values.end());
  c.sum = c.excess = 0;  // the sums of the sorted durations, as the exact result gives them
  std::vector<std::pair<std::int32_t, std::int64_t>> b;
  for (double x : c.values) {
    c.sum += x;
    if (x == 0) {
      ++c.zeros;
      continue;
    }
    const std::int32_t i = bucket_of(x);
    if (!b.empty() && b.back().first == i)
      ++b.back().second;
    else
      b.emplace_back(i, 1);
  }
  c.buckets = std::move(b);
  c.values.clear();
  c.values.shrink_to_fit();
  c.sketch = true;
}

void TimeState::sketch_cell(Cell& c, double target) const {
  if (c.sketch) return;
  std::sort(c.values.begin(), c.values.end());
  double ex = 0;
  for (double x : c.values) ex += std::max(x - target, 0.0);
  to_sketch(c);
  c.excess = ex;  // to_sketch keeps the sum; the excess needs the target
}

void TimeState::prepare(Cell& to, Cell& from, double target) const {
  if (to.sketch || from.sketch || to.n + from.n > cap_) {
    if (to.n) sketch_cell(to, target);
    if (from.n) sketch_cell(from, target);
  }
}

void TimeState::add(Cell& to, const Cell& from, double target) const {
  to.missing += from.missing;
  if (from.n == 0) return;
  if (!to.sketch && !from.sketch && to.n + from.n <= cap_) {
    to.values.insert(to.values.end(), from.values.begin(), from.values.end());
    to.n += from.n;
    to.attained += from.attained;
    return;
  }
  Cell f = from;  // both are histograms here (prepare); an empty exact cell joins as is
  f.sketch = true;
  to.sketch = true;
  (void)target;
  to.n += f.n;
  to.attained += f.attained;
  to.sum += f.sum;
  to.excess += f.excess;
  to.zeros += f.zeros;
  std::vector<std::pair<std::int32_t, std::int64_t>> m;
  m.reserve(to.buckets.size() + f.buckets.size());
  std::size_t i = 0, j = 0;
  while (i < to.buckets.size() || j < f.buckets.size()) {
    if (j == f.buckets.size() || (i < to.buckets.size() && to.buckets[i].first < f.buckets[j].first))
      m.push_back(to.buckets[i++]);
    else if (i == to.buckets.size() || f.buckets[j].first < to.buckets[i].first)
      m.push_back(f.buckets[j++]);
    else
      m.emplace_back(to.buckets[i].first, to.buckets[i].second + f.buckets[j].second), ++i, ++j;
  }
  to.buckets = std::move(m);
}

double TimeState::order_stat(const Cell& c, std::int64_t rank) const {
  if (rank < c.zeros) return 0.0;
  std::int64_t seen = c.zeros;
  for (const auto& [i, k] : c.buckets) {
    seen += k;
    if (rank < seen) return 2 * std::exp(log_gamma_ * i) / (1 + std::exp(log_gamma_));  // 2 g^i / (g + 1)
  }
  return c.buckets.empty() ? 0.0 : 2 * std::exp(log_gamma_ * c.buckets.back().first) / (1 + std::exp(log_gamma_));
}

void TimeState::update(RecordsRef values, Eigen::Ref<const VectorXi32> groups, const GroupKeys& batch_keys,
                       std::int64_t row_offset) {
  const Eigen::Index n = values.rows();
  if (n == 0) return;
  const std::size_t E = config_.targets.size();
  if (static_cast<std::size_t>(values.cols()) != E)
    throw input_error("values: expected " + std::to_string(E) + " columns (one per target), got " +
                      std::to_string(values.cols()));
  const bool grouped = groups.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one code per record (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  const bool adopt = this->groups() == 0;
  if (!adopt && batch_keys.names() != keys_.names())
    throw input_error("by: this time-element state is " + describe_names(keys_.names()) + "; the batch is " +
                      describe_names(batch_keys.names()));
  if (!grouped && batch_keys.width() != 0)
    throw input_error("groups: the batch is " + describe_names(batch_keys.names()) + " but has no group codes");
  const int n_batch = grouped ? batch_keys.size() : 1;
  std::vector<Cell> local(static_cast<std::size_t>(n_batch) * E);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = grouped ? groups[i] : 0;
    if (g < 0 || g >= n_batch)
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_batch) + ")");
    for (std::size_t j = 0; j < E; ++j) {
      const double x = values(i, static_cast<Eigen::Index>(j));
      Cell& c = local[static_cast<std::size_t>(g) * E + j];
      if (std::isnan(x)) {
        ++c.missing;
        continue;
      }
      if (!(x >= 0) || !std::isfinite(x))
        throw input_error("row " + std::to_string(row_offset + i) + ", column '" + config_.targets[j].column +
                          "': duration " + detail::format_number(x) + " is invalid; expected a finite number >= 0");
      c.values.push_back(x);
      ++c.n;
      c.attained += x <= config_.targets[j].target;
    }
  }
  // sketch the batch cells beyond the cap (their excess from the values, before they go)
  for (std::size_t c = 0; c < local.size(); ++c)
    if (local[c].n > cap_) sketch_cell(local[c], config_.targets[c % E].target);
  if (adopt) keys_ = GroupKeys(batch_keys.names());
  for (int b = 0; b < n_batch; ++b) {
    const std::int32_t g = grouped ? keys_.insert(batch_keys.key(b)) : keys_.insert(GroupKey{});
    if ((static_cast<std::size_t>(g) + 1) * E > cells_.size()) cells_.resize((static_cast<std::size_t>(g) + 1) * E);
    for (std::size_t j = 0; j < E; ++j) {
      Cell& to = cells_[static_cast<std::size_t>(g) * E + j];
      Cell& from = local[static_cast<std::size_t>(b) * E + j];
      prepare(to, from, config_.targets[j].target);
      add(to, from, config_.targets[j].target);
    }
  }
  rows_ += n;
}

TimeState& TimeState::merge(const TimeState& o) {
  if (!(o.config_ == config_) || o.cap_ != cap_ || o.alpha_ != alpha_)
    throw input_error(
        "merge: the time-element states differ in configuration: " + describe_time(config_, cap_, alpha_) +
        " (this one) vs " + describe_time(o.config_, o.cap_, o.alpha_) + " (the other)");
  if (o.groups() == 0) return *this;
  if (groups() == 0) {
    if (this != &o) *this = o;
    return *this;
  }
  if (o.keys_.names() != keys_.names())
    throw input_error("merge: this time-element state is " + describe_names(keys_.names()) + ", the other " +
                      describe_names(o.keys_.names()) + "; only states of the same key columns merge");
  const TimeState src = o;  // a copy: self-merge and the cap conversions below
  const std::size_t E = config_.targets.size();
  // refuse before anything changes: a count past 2^62 (attained, zeros and buckets are <= n)
  if (src.rows_ > kMaxCount - rows_)
    throw input_error(
        "merge: the record count of the merged time-element state would pass 2^62; the states are "
        "unchanged");
  for (std::int32_t b = 0; b < src.groups(); ++b)
    if (const auto code = keys_.find(src.keys_.key(b)))
      for (std::size_t j = 0; j < E; ++j) {
        const Cell& f = src.cells_[static_cast<std::size_t>(b) * E + j];
        const Cell& t = cells_[static_cast<std::size_t>(*code) * E + j];
        if (f.n > kMaxCount - t.n || f.missing > kMaxCount - t.missing)
          throw input_error(
              "merge: a count of the merged time-element state would pass 2^62; the states are unchanged");
      }
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  cells_.resize(static_cast<std::size_t>(groups()) * E);
  for (std::size_t b = 0; b < map.size(); ++b)
    for (std::size_t j = 0; j < E; ++j) {
      Cell& to = cells_[static_cast<std::size_t>(map[b]) * E + j];
      Cell from = src.cells_[b * E + j];
      const double target = config_.targets[j].target;
      prepare(to, from, target);
      add(to, from, target);
    }
  rows_ += src.rows_;
  return *this;
}

TimeSummary TimeState::result(bool key_order, Eigen::MatrixXd* exact) const {
  const int G = groups();
  const auto E = static_cast<Eigen::Index>(config_.targets.size());
  std::vector<std::int32_t> order = key_order ? sorted_codes() : std::vector<std::int32_t>();
  if (!key_order)
    for (int g = 0; g < G; ++g) order.push_back(g);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TimeSummary s;
  s.n.setZero(G, E);
  s.n_missing.setZero(G, E);
  s.attained.setZero(G, E);
  s.mean.setConstant(G, E, nan);
  s.mean_excess.setConstant(G, E, nan);
  s.quantiles.assign(config_.quantiles.size(), Eigen::MatrixXd::Constant(G, E, nan));
  if (exact) exact->setOnes(G, E);
  for (int row = 0; row < G; ++row)
    for (Eigen::Index j = 0; j < E; ++j) {
      const Cell& c =
          cells_[static_cast<std::size_t>(order[static_cast<std::size_t>(row)]) * static_cast<std::size_t>(E) +
                 static_cast<std::size_t>(j)];
      s.n(row, j) = static_cast<double>(c.n);
      s.n_missing(row, j) = static_cast<double>(c.missing);
      s.attained(row, j) = static_cast<double>(c.attained);
      if (c.n == 0) continue;
      const double target = config_.targets[static_cast<std::size_t>(j)].target;
      if (!c.sketch) {  // as summarize_times: sums over the sorted durations, type-7 quantiles
        std::vector<double> v = c.values;
        std::sort(v.begin(), v.end());
        double sum = 0, ex = 0;
        for (double x : v) sum += x, ex += std::max(x - target, 0.0);
        s.mean(row, j) = sum / static_cast<double>(v.size());
        s.mean_excess(row, j) = ex / static_cast<double>(v.size());
        for (std::size_t q = 0; q < config_.quantiles.size(); ++q)
          s.quantiles[q](row, j) = detail::quantile7_sorted(v.data(), v.size(), config_.quantiles[q]);
        continue;
      }
      if (exact) (*exact)(row, j) = 0;
      s.mean(row, j) = c.sum / static_cast<double>(c.n);
      s.mean_excess(row, j) = c.excess / static_cast<double>(c.n);
      for (std::size_t q = 0; q < config_.quantiles.size(); ++q) {
        const double h = static_cast<double>(c.n - 1) * config_.quantiles[q];
        const auto lo = static_cast<std::int64_t>(std::floor(h));
        const double a = order_stat(c, lo), b = lo + 1 < c.n ? order_stat(c, lo + 1) : a;
        s.quantiles[q](row, j) = a + (h - static_cast<double>(lo)) * (b - a);
      }
    }
  return s;
}

std::string TimeState::to_bytes() const {
  std::string s(kTimeMagic, 8);
  const std::string cfg = to_json(config_);
  put_u32(s, static_cast<std::uint32_t>(cfg.size()));
  s += cfg;
  put_i64(s, cap_);
  put_f64(s, alpha_);
  const std::vector<std::int32_t> order = sorted_codes();
  GroupKeys sorted(keys_.names());
  for (std::int32_t g : order) sorted.insert(keys_.key(g));
  sorted.write(s);
  const std::size_t E = config_.targets.size();
  put_u32(s, static_cast<std::uint32_t>(E));
  put_i64(s, rows_);
  for (std::int32_t g : order)
    for (std::size_t j = 0; j < E; ++j) {
      const Cell& c = cells_[static_cast<std::size_t>(g) * E + j];
      put_i64(s, c.n);
      put_i64(s, c.missing);
      put_i64(s, c.attained);
      s.push_back(static_cast<char>(c.sketch ? 1 : 0));
      if (!c.sketch) {
        std::vector<double> v = c.values;
        std::sort(v.begin(), v.end());
        for (double x : v) put_f64(s, x);
      } else {
        put_f64(s, c.sum);
        put_f64(s, c.excess);
        put_i64(s, c.zeros);
        put_u32(s, static_cast<std::uint32_t>(c.buckets.size()));
        for (const auto& [i, k] : c.buckets) {
          put_u32(s, static_cast<std::uint32_t>(i));
          put_i64(s, k);
        }
      }
    }
  return s;
}

TimeState TimeState::from_bytes(std::string_view bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kTimeMagic, 8) != 0)
    throw input_error("TimeState.from_bytes: not a servscore time-element state (bad header; expected " +
                      std::string(kTimeMagic, 8) + ")");
  TimeReader rd{bytes, 8};
  const auto len = static_cast<std::uint32_t>(rd.u(4));
  if (len > kMaxJson || len > rd.left()) time_corrupt("the configuration declares " + std::to_string(len) + " bytes");
  TimeConfig cfg;
  try {
    cfg = time_config_from_json(bytes.substr(rd.pos, len));
  } catch (const error& e) {
    time_corrupt(std::string("the configuration does not load (") + e.what() + ")");
  }
  rd.pos += len;
  const auto cap = static_cast<std::int64_t>(rd.u(8));
  const double alpha = rd.f64();
  std::unique_ptr<TimeState> st;
  try {
    st = std::make_unique<TimeState>(cfg, std::vector<std::string>{}, cap, alpha);
  } catch (const error& e) {
    time_corrupt(std::string("the settings do not load (") + e.what() + ")");
  }
  std::string_view rest = bytes.substr(rd.pos);
  GroupKeys keys = GroupKeys::read(rest);
  rd.pos = bytes.size() - rest.size();
  const auto E = static_cast<std::uint32_t>(rd.u(4));
  if (E != cfg.targets.size())
    time_corrupt("the image declares " + std::to_string(E) + " elements, its configuration " +
                 std::to_string(cfg.targets.size()));
  const auto rows = static_cast<std::int64_t>(rd.u(8));
  if (rows < 0 || rows > kMaxCount) time_corrupt("record count " + std::to_string(rows));
  const std::size_t G = static_cast<std::size_t>(keys.size());
  if (G > 0 && E > 0 && rd.left() / (25 * static_cast<std::size_t>(E)) < G) time_corrupt("more groups than bytes");
  st->keys_ = GroupKeys(keys.names());
  st->rows_ = rows;
  st->cells_.resize(G * E);
  const std::vector<std::int32_t> order = keys.sorted_codes();
  for (std::size_t row = 0; row < G; ++row) {
    const std::int32_t g = st->keys_.insert(keys.key(order[row]));
    std::int64_t records = -1;
    for (std::size_t j = 0; j < E; ++j) {
      Cell& c = st->cells_[static_cast<std::size_t>(g) * E + j];
      c.n = static_cast<std::int64_t>(rd.u(8));
      c.missing = static_cast<std::int64_t>(rd.u(8));
      c.attained = static_cast<std::int64_t>(rd.u(8));
      if (c.n < 0 || c.missing < 0 || c.attained < 0 || c.n > kMaxCount || c.missing > kMaxCount || c.attained > c.n)
        time_corrupt("the counts of group " + std::to_string(row) + " are out of range");
      if (records >= 0 && c.n + c.missing != records)
        time_corrupt("the elements of group " + std::to_string(row) + " count different records");
      records = c.n + c.missing;
      const auto mode = rd.u(1);
      if (mode > 1) time_corrupt("unknown cell mode " + std::to_string(mode));
      c.sketch = mode == 1;
      const double target = cfg.targets[j].target;
      if (!c.sketch) {
        if (c.n > cap) time_corrupt("an exact cell beyond the cap");
        if (static_cast<std::uint64_t>(c.n) > rd.left() / 8) time_corrupt("durations beyond the image");
        c.values.resize(static_cast<std::size_t>(c.n));
        std::int64_t att = 0;
        for (auto& x : c.values) {
          x = rd.f64();
          if (!(x >= 0) || !std::isfinite(x)) time_corrupt("a duration is not finite and >= 0");
          att += x <= target;
        }
        if (att != c.attained) time_corrupt("the attained count does not match the durations");
        if (!std::is_sorted(c.values.begin(), c.values.end())) time_corrupt("durations out of order");
      } else {
        if (c.n <= cap) time_corrupt("a histogram cell within the cap");
        c.sum = rd.f64();
        c.excess = rd.f64();
        c.zeros = static_cast<std::int64_t>(rd.u(8));
        const auto B = static_cast<std::uint32_t>(rd.u(4));
        if (!(std::isfinite(c.sum) && c.sum >= 0 && std::isfinite(c.excess) && c.excess >= 0))
          time_corrupt("a sum is not finite and >= 0");
        if (B > rd.left() / 12) time_corrupt("buckets beyond the image");
        std::int64_t total = c.zeros;
        if (c.zeros < 0 || c.zeros > c.n) time_corrupt("zero count out of range");
        c.buckets.resize(B);
        for (std::uint32_t b = 0; b < B; ++b) {
          c.buckets[b].first = static_cast<std::int32_t>(static_cast<std::uint32_t>(rd.u(4)));
          c.buckets[b].second = static_cast<std::int64_t>(rd.u(8));
          if (c.buckets[b].second <= 0 || c.buckets[b].second > c.n) time_corrupt("a bucket count out of range");
          if (b && c.buckets[b].first <= c.buckets[b - 1].first) time_corrupt("buckets out of order");
          total += c.buckets[b].second;
        }
        if (total != c.n) time_corrupt("the buckets do not add up to the cell's count");
      }
    }
  }
  if (rd.left() != 0) throw input_error("TimeState.from_bytes: the image is longer than declared");
  return std::move(*st);
}

}  // namespace servscore
