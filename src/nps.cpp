#include "servscore/nps.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <type_traits>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace json = boost::json;

const std::array<EnumInfo, 3>& enum_traits<NpsInterval>::table() {
  static const std::array<EnumInfo, 3> t{{
      {"wald", "Wald", "Wald 区间", ""},
      {"adjusted_wald", "Adjusted Wald", "调整 Wald 区间", "adjusted-wald|adjusted"},
      {"mover", "MOVER (Wilson)", "MOVER (Wilson) 区间", "mover_wilson"},
  }};
  return t;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxPoints = 1001;

void check_scale(int lo, int hi, const char* what) {
  if (!(lo < hi) || static_cast<std::int64_t>(hi) - lo + 1 > kMaxPoints)  // 64-bit: no overflow at the extremes
    throw config_error(std::string(what) + ": scale_min " + std::to_string(lo) + " and scale_max " +
                       std::to_string(hi) + ": expected scale_min < scale_max with at most " +
                       std::to_string(kMaxPoints) + " points");
}

void check_level(double level) {
  if (!(level > 0.0 && level < 1.0))
    throw config_error("level: " + detail::format_number(level) + " is out of range; expected (0, 1)");
}

double z_of(double level) {
  return normal_quantile(0.5 + level / 2.0);
}

// A state holds at most 2^62 responses (counts plus missing): no real survey comes near it, and
// it keeps every sum of two valid states and every regrouping inside int64 (a hostile image
// with counts near 2^63 would otherwise overflow when merged).
constexpr std::int64_t kMaxResponses = std::int64_t{1} << 62;

std::int64_t total_responses(const ResponseCounts& r) {
  std::int64_t t = 0;
  for (Eigen::Index i = 0; i < r.counts.size(); ++i) {
    t += r.counts.data()[i];  // each entry is in [0, 2^62] and t <= 2^62 before the add: no overflow
    if (t > kMaxResponses) return kMaxResponses + 1;
  }
  for (const std::int64_t m : r.missing) {
    t += m;
    if (t > kMaxResponses) return kMaxResponses + 1;
  }
  return t;
}

void check_merge_total(const ResponseCounts& a, const ResponseCounts& b) {
  const std::int64_t ta = total_responses(a), tb = total_responses(b);
  if (ta > kMaxResponses - tb)
    throw input_error("merge: the merged state would hold more than 2^62 responses (" + std::to_string(ta) + " + " +
                      std::to_string(tb) + "); one of the states is corrupt");
}
}  // namespace

// ---------------------------------------------------------------- ResponseCounts

ResponseCounts ResponseCounts::zeros(int scale_min, int scale_max, int n_groups, bool weighted) {
  check_scale(scale_min, scale_max, "scale");
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  ResponseCounts r;
  r.scale_min = scale_min;
  r.scale_max = scale_max;
  r.weighted = weighted;
  const int p = scale_max - scale_min + 1;
  r.counts.setZero(n_groups, p);
  if (weighted) {
    r.weight_sum.setZero(n_groups, p);
    r.weight_sq_sum.setZero(n_groups, p);
  }
  r.missing.assign(static_cast<std::size_t>(n_groups), 0);
  return r;
}

ResponseCounts& ResponseCounts::merge(const ResponseCounts& o) {
  if (o.scale_min != scale_min || o.scale_max != scale_max || o.n_groups() != n_groups() || o.weighted != weighted)
    throw input_error("merge: states differ (scale [" + std::to_string(scale_min) + ", " + std::to_string(scale_max) +
                      "], " + std::to_string(n_groups()) + " groups, " + (weighted ? "weighted" : "unweighted") +
                      " vs [" + std::to_string(o.scale_min) + ", " + std::to_string(o.scale_max) + "], " +
                      std::to_string(o.n_groups()) + " groups, " + (o.weighted ? "weighted" : "unweighted") + ")");
  check_merge_total(*this, o);  // before anything changes
  counts += o.counts;
  if (weighted) {
    weight_sum += o.weight_sum;
    weight_sq_sum += o.weight_sq_sum;
  }
  for (std::size_t g = 0; g < missing.size(); ++g) missing[g] += o.missing[g];
  return *this;
}

ResponseCounts ResponseCounts::regroup(Eigen::Ref<const VectorXi32> map, int n) const {
  if (map.size() != n_groups())
    throw input_error("regroup: expected one target per group (" + std::to_string(n_groups()) + "), got " +
                      std::to_string(map.size()));
  ResponseCounts r = zeros(scale_min, scale_max, n, weighted);
  for (int g = 0; g < n_groups(); ++g) {
    const int t = map[g];
    if (t < 0 || t >= n)
      throw input_error("regroup: group " + std::to_string(g) + " maps to " + std::to_string(t) + "; expected [0, " +
                        std::to_string(n) + ")");
    r.counts.row(t) += counts.row(g);
    if (weighted) {
      r.weight_sum.row(t) += weight_sum.row(g);
      r.weight_sq_sum.row(t) += weight_sq_sum.row(g);
    }
    r.missing[static_cast<std::size_t>(t)] += missing[static_cast<std::size_t>(g)];
  }
  return r;
}

bool ResponseCounts::operator==(const ResponseCounts& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && weighted == o.weighted && counts == o.counts &&
         weight_sum == o.weight_sum && weight_sq_sum == o.weight_sq_sum && missing == o.missing;
}

namespace {
constexpr char kMagic[8] = {'S', 'S', 'R', 'C', 'N', 'T', '0', '1'};

template <class T>
void put(std::string& s, const T& v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
void put_array(std::string& s, const T* p, std::size_t n) {
  s.append(reinterpret_cast<const char*>(p), n * sizeof(T));
}
struct Reader {
  std::string_view b;
  std::size_t pos = 0;
  template <class T>
  void get(T* out, std::size_t n = 1) {
    const std::size_t bytes = n * sizeof(T);
    if (b.size() - pos < bytes)
      throw input_error("from_bytes: the image is truncated (" + std::to_string(b.size()) + " bytes)");
    std::memcpy(out, b.data() + pos, bytes);
    pos += bytes;
  }
};
}  // namespace

std::string ResponseCounts::to_bytes() const {
  std::string s(kMagic, sizeof kMagic);
  put(s, static_cast<std::int32_t>(scale_min));
  put(s, static_cast<std::int32_t>(scale_max));
  put(s, static_cast<std::int32_t>(n_groups()));
  put(s, static_cast<std::int32_t>(weighted ? 1 : 0));
  put_array(s, counts.data(), static_cast<std::size_t>(counts.size()));
  put_array(s, missing.data(), missing.size());
  if (weighted) {
    put_array(s, weight_sum.data(), static_cast<std::size_t>(weight_sum.size()));
    put_array(s, weight_sq_sum.data(), static_cast<std::size_t>(weight_sq_sum.size()));
  }
  return s;
}

ResponseCounts ResponseCounts::from_bytes(std::string_view bytes) {
  // Untrusted bytes: the header is checked, and the sizes it declares are checked against the
  // image's length, before anything is allocated; counts must be non-negative and weights finite.
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw input_error("from_bytes: not a servscore ResponseCounts image (bad header)");
  Reader rd{bytes, sizeof kMagic};
  std::int32_t lo, hi, ng, w;
  rd.get(&lo);
  rd.get(&hi);
  rd.get(&ng);
  rd.get(&w);
  const std::int64_t points = static_cast<std::int64_t>(hi) - lo + 1;
  if (!(lo < hi) || points > kMaxPoints || ng < 1 || (w != 0 && w != 1))
    throw input_error("from_bytes: corrupt header (scale [" + std::to_string(lo) + ", " + std::to_string(hi) + "], " +
                      std::to_string(ng) + " groups)");
  // every field is 8 bytes: counts (groups x points), missing (groups), and when weighted two
  // more groups x points blocks; ng <= 2^31 and points <= 1001 keep this far from overflow
  const std::uint64_t cells = static_cast<std::uint64_t>(ng) * static_cast<std::uint64_t>(points);
  const std::uint64_t expected = 8 * (cells + static_cast<std::uint64_t>(ng) + (w == 1 ? 2 * cells : 0));
  if (bytes.size() - rd.pos != expected)
    throw input_error(std::string("from_bytes: the image is ") +
                      (bytes.size() - rd.pos < expected ? "truncated" : "longer than declared") +
                      ": the header declares " + std::to_string(ng) + " groups x " + std::to_string(points) +
                      " points (" + std::to_string(expected) + " bytes of data) but the image has " +
                      std::to_string(bytes.size() - rd.pos));
  ResponseCounts r = zeros(lo, hi, ng, w == 1);
  rd.get(r.counts.data(), static_cast<std::size_t>(r.counts.size()));
  rd.get(r.missing.data(), r.missing.size());
  if (r.weighted) {
    rd.get(r.weight_sum.data(), static_cast<std::size_t>(r.weight_sum.size()));
    rd.get(r.weight_sq_sum.data(), static_cast<std::size_t>(r.weight_sq_sum.size()));
  }
  for (Eigen::Index i = 0; i < r.counts.size(); ++i)
    if (r.counts.data()[i] < 0)
      throw input_error("from_bytes: negative count " + std::to_string(r.counts.data()[i]) + " at cell " +
                        std::to_string(i));
  for (std::size_t g = 0; g < r.missing.size(); ++g)
    if (r.missing[g] < 0)
      throw input_error("from_bytes: negative missing count " + std::to_string(r.missing[g]) + " in group " +
                        std::to_string(g));
  if (r.weighted)
    for (Eigen::Index i = 0; i < r.weight_sum.size(); ++i)
      if (!std::isfinite(r.weight_sum.data()[i]) || !std::isfinite(r.weight_sq_sum.data()[i]) ||
          r.weight_sq_sum.data()[i] < 0)
        throw input_error("from_bytes: weight sums at cell " + std::to_string(i) + " are not finite and non-negative");
  for (Eigen::Index i = 0; i < r.counts.size(); ++i)
    if (r.counts.data()[i] > kMaxResponses)
      throw input_error("from_bytes: count " + std::to_string(r.counts.data()[i]) + " at cell " + std::to_string(i) +
                        " exceeds 2^62 responses");
  for (std::size_t g = 0; g < r.missing.size(); ++g)
    if (r.missing[g] > kMaxResponses)
      throw input_error("from_bytes: missing count " + std::to_string(r.missing[g]) + " in group " + std::to_string(g) +
                        " exceeds 2^62 responses");
  if (total_responses(r) > kMaxResponses)
    throw input_error("from_bytes: the state holds more than 2^62 responses; the image is corrupt");
  return r;
}

// ---------------------------------------------------------------- GroupedResponses

namespace {
constexpr char kGroupedMagic[8] = {'S', 'S', 'G', 'R', 'E', 'S', 'P', '1'};

std::string key_columns(const GroupKeys& k) {
  if (k.width() == 0) return "no groups";
  std::string s = "groups by [";
  for (int j = 0; j < k.width(); ++j) s += (j ? ", '" : "'") + k.names()[static_cast<std::size_t>(j)] + "'";
  return s + "]";
}
}  // namespace

GroupedResponses GroupedResponses::of(GroupKeys keys, ResponseCounts counts) {
  if (keys.size() != counts.n_groups())
    throw input_error("GroupedResponses: " + std::to_string(keys.size()) + " group keys for " +
                      std::to_string(counts.n_groups()) + " groups of counts");
  GroupedResponses g{std::move(keys), std::move(counts)};
  return g;
}

GroupedResponses& GroupedResponses::absorb(const GroupKeys& bk, const ResponseCounts& b) {
  if (bk.size() != b.n_groups())
    throw input_error("absorb: " + std::to_string(bk.size()) + " group keys for " + std::to_string(b.n_groups()) +
                      " groups of counts");
  if (bk.names() != keys.names())
    throw input_error("merge: a state with " + key_columns(bk) + " cannot join a state with " + key_columns(keys) +
                      "; pass the same by= for every chunk");
  if (b.weighted != counts.weighted)
    throw input_error(std::string("merge: mixing weighted and unweighted counts (this state is ") +
                      (counts.weighted ? "weighted" : "unweighted") + ", the other " +
                      (b.weighted ? "weighted" : "unweighted") + "); pass weights= for every chunk or for none");
  if (b.scale_min != counts.scale_min || b.scale_max != counts.scale_max)
    throw input_error("merge: scale [" + std::to_string(b.scale_min) + ", " + std::to_string(b.scale_max) +
                      "] (the other) vs [" + std::to_string(counts.scale_min) + ", " +
                      std::to_string(counts.scale_max) + "] (this state)");
  check_merge_total(counts, b);  // before the keys change
  const std::int32_t before = keys.size();
  const std::vector<std::int32_t> map = keys.merge(bk);
  const std::int32_t n = keys.size();
  if (n != before) {
    VectorXi32 id(before);
    for (std::int32_t g = 0; g < before; ++g) id[g] = g;
    counts = counts.regroup(id, n);
  }
  bool identity = b.n_groups() == n;
  for (std::size_t g = 0; g < map.size() && identity; ++g) identity = map[g] == static_cast<std::int32_t>(g);
  if (identity) {
    counts.merge(b);
  } else {
    counts.merge(b.regroup(Eigen::Map<const VectorXi32>(map.data(), static_cast<Eigen::Index>(map.size())), n));
  }
  return *this;
}

GroupedResponses GroupedResponses::sorted() const {
  const std::vector<std::int32_t> order = keys.sorted_codes();
  VectorXi32 rank(static_cast<Eigen::Index>(order.size()));
  GroupKeys k(keys.names());
  k.reserve(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = static_cast<std::int32_t>(r);
    k.insert(keys.key(order[r]));
  }
  return GroupedResponses{std::move(k), counts.regroup(rank, counts.n_groups())};
}

std::string GroupedResponses::to_bytes() const {
  std::string s(kGroupedMagic, sizeof kGroupedMagic);
  keys.write(s);
  const std::string c = counts.to_bytes();
  const auto len = static_cast<std::uint64_t>(c.size());
  for (int b = 0; b < 8; ++b) s.push_back(static_cast<char>((len >> (8 * b)) & 0xff));
  return s + c;
}

GroupedResponses GroupedResponses::from_bytes(std::string_view bytes) {
  if (bytes.size() < sizeof kGroupedMagic || std::memcmp(bytes.data(), kGroupedMagic, sizeof kGroupedMagic) != 0)
    throw input_error("from_bytes: not a servscore GroupedResponses image (bad header)");
  bytes.remove_prefix(sizeof kGroupedMagic);
  GroupKeys k = GroupKeys::read(bytes);
  if (bytes.size() < 8) throw input_error("from_bytes: the GroupedResponses image is truncated after its keys");
  std::uint64_t len = 0;
  for (int b = 0; b < 8; ++b) len |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[b])) << (8 * b);
  bytes.remove_prefix(8);
  if (len != bytes.size())
    throw input_error("from_bytes: the counts declare " + std::to_string(len) + " bytes but " +
                      std::to_string(bytes.size()) + " follow");
  ResponseCounts c = ResponseCounts::from_bytes(bytes);
  if (k.size() != c.n_groups())
    throw input_error("from_bytes: " + std::to_string(k.size()) + " group keys for " + std::to_string(c.n_groups()) +
                      " groups of counts");
  return GroupedResponses{std::move(k), std::move(c)};
}

// ---------------------------------------------------------------- counting

namespace {

// Counts of an int8 block on a small scale without groups or weights: one compare
// per scale point per 32 answers into byte counters, flushed before they overflow.
// Returns the number of answers inside the scale (the caller reports the others).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
std::int64_t
count_small_scale(const std::int8_t* x, std::ptrdiff_t n, int lo, int points, std::int64_t* out) {
  typedef signed char v32 __attribute__((vector_size(32)));
  // Counters are unsigned bytes: a compare gives 0 or -1 per lane, and subtracting it as
  // 0 or 255 modulo 256 adds 0 or 1 with defined wrap-around (signed lanes would overflow
  // after 127 equal answers). 255 blocks at most between flushes keep every lane <= 255.
  typedef unsigned char u32v __attribute__((vector_size(32)));
  constexpr int kMax = 16;
  u32v acc[kMax];
  v32 val[kMax];
  for (int p = 0; p < kMax; ++p) {
    acc[p] = u32v{};
    signed char b[32];
    std::memset(b, static_cast<signed char>(p < points ? lo + p : lo), sizeof b);
    std::memcpy(&val[p], b, sizeof b);
  }
  std::ptrdiff_t i = 0;
  const std::ptrdiff_t full = n - n % 32;
  while (i < full) {
    const std::ptrdiff_t stop = std::min(full, i + 255 * 32);
    for (; i < stop; i += 32) {
      v32 v;
      std::memcpy(&v, x + i, sizeof v);
      for (int p = 0; p < kMax; ++p)
        if (p < points) acc[p] -= reinterpret_cast<u32v>(v == val[p]);
    }
    for (int p = 0; p < points; ++p) {
      unsigned char bytes[32];
      std::memcpy(bytes, &acc[p], 32);
      std::int64_t s = 0;
      for (int b = 0; b < 32; ++b) s += bytes[b];
      out[p] += s;
      acc[p] = u32v{};
    }
  }
  std::int64_t inside = 0;
  for (; i < n; ++i) {
    const int k = x[i] - lo;
    if (k >= 0 && k < points) ++out[k];
  }
  for (int p = 0; p < points; ++p) inside += out[p];
  return inside;
}

[[noreturn]] void bad_value(const std::string& what, std::ptrdiff_t row, double v, int lo, int hi) {
  std::string problem = std::floor(v) == v ? " is outside the scale" : " is not a whole number on the scale";
  throw input_error(what + ", row " + std::to_string(row) + ": value " + detail::format_number(v) + problem + " [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

// The general kernel: any scale, groups, weights, NaN as missing (for double input).
template <class T>
void count_rows(const T* x, std::ptrdiff_t b, std::ptrdiff_t e, int lo, int hi, const std::int32_t* groups,
                int n_groups, const double* w, ResponseCounts& st, const std::string& what) {
  const int points = hi - lo + 1;
  std::int64_t* c = st.counts.data();
  if constexpr (std::is_same_v<T, std::int8_t>) {
    if (groups && !w && e > b) {
      // Grouped int8 answers without weights, block by block (cache-hot): check the block's
      // range in one vectorisable pass, then count into four interleaved tables (consecutive
      // equal cells do not wait for each other's stores). A block with a bad value falls
      // through to the loop below, which names the first bad row.
      const std::size_t cells = static_cast<std::size_t>(n_groups) * static_cast<std::size_t>(points);
      std::vector<std::int64_t> t4(4 * cells, 0);
      std::int64_t* t[4] = {t4.data(), t4.data() + cells, t4.data() + 2 * cells, t4.data() + 3 * cells};
      constexpr std::ptrdiff_t kRun = 4096;
      std::ptrdiff_t start = b;
      for (; start < e; start += kRun) {
        const std::ptrdiff_t stop = std::min(e, start + kRun);
        int xmin = 127, xmax = -128;
        std::int32_t gmin = groups[start], gmax = groups[start];
        for (std::ptrdiff_t i = start; i < stop; ++i) {
          xmin = std::min<int>(xmin, x[i]);
          xmax = std::max<int>(xmax, x[i]);
          gmin = std::min(gmin, groups[i]);
          gmax = std::max(gmax, groups[i]);
        }
        if (xmin < lo || xmax > hi || gmin < 0 || gmax >= n_groups) break;
        std::ptrdiff_t i = start;
        for (; i + 4 <= stop; i += 4) {
          ++t[0][groups[i] * points + (x[i] - lo)];
          ++t[1][groups[i + 1] * points + (x[i + 1] - lo)];
          ++t[2][groups[i + 2] * points + (x[i + 2] - lo)];
          ++t[3][groups[i + 3] * points + (x[i + 3] - lo)];
        }
        for (; i < stop; ++i) ++t[0][groups[i] * points + (x[i] - lo)];
      }
      for (std::size_t k = 0; k < cells; ++k) c[k] += t[0][k] + t[1][k] + t[2][k] + t[3][k];
      if (start >= e) return;
      b = start;  // the general loop below reports the bad value of this block
    }
  }
  double* ws = st.weighted ? st.weight_sum.data() : nullptr;
  double* w2 = st.weighted ? st.weight_sq_sum.data() : nullptr;
  for (std::ptrdiff_t i = b; i < e; ++i) {
    const int g = groups ? groups[i] : 0;
    if (g < 0 || g >= n_groups)
      throw input_error("groups: row " + std::to_string(i) + " has group code " + std::to_string(g) +
                        "; expected [0, " + std::to_string(n_groups) + ")");
    double wi = 1.0;
    if (w) {
      wi = w[i];
      if (!(std::isfinite(wi) && wi >= 0.0))
        throw input_error("weights, row " + std::to_string(i) + ": weight " + detail::format_number(wi) +
                          "; expected a finite number >= 0");
    }
    const T v = x[i];
    if constexpr (std::is_floating_point_v<T>) {
      if (v != v) {
        ++st.missing[static_cast<std::size_t>(g)];
        continue;
      }
      if (!(v >= lo && v <= hi) || std::floor(v) != v) bad_value(what, i, static_cast<double>(v), lo, hi);
    } else {
      if (v < lo || v > hi) bad_value(what, i, static_cast<double>(v), lo, hi);
    }
    const std::ptrdiff_t k = static_cast<std::ptrdiff_t>(g) * points + (static_cast<int>(v) - lo);
    ++c[k];
    if (ws) {
      ws[k] += wi;
      w2[k] += wi * wi;
    }
  }
}

constexpr std::ptrdiff_t kBlock = std::ptrdiff_t{1} << 16;  // rows per fixed block (weighted sums)
constexpr std::ptrdiff_t kMaxPartialCells = std::ptrdiff_t{1} << 22;

template <class T>
ResponseCounts count_impl(const T* x, std::ptrdiff_t n, int lo, int hi, Eigen::Ref<const VectorXi32> groups,
                          int n_groups, Eigen::Ref<const Eigen::VectorXd> weights, int workers,
                          const std::string& what) {
  check_scale(lo, hi, what.c_str());
  if (n_groups < 1) throw input_error("n_groups: expected >= 1, got " + std::to_string(n_groups));
  const bool grouped = groups.size() > 0, weighted = weights.size() > 0;
  if (grouped && groups.size() != n)
    throw input_error("groups: expected one group code per answer (" + std::to_string(n) + "), got " +
                      std::to_string(groups.size()));
  if (weighted && weights.size() != n)
    throw input_error("weights: expected one weight per answer (" + std::to_string(n) + "), got " +
                      std::to_string(weights.size()));
  if (!grouped && n_groups != 1)
    throw input_error("n_groups: " + std::to_string(n_groups) + " groups but no group codes");
  const std::int32_t* g = grouped ? groups.data() : nullptr;
  const double* w = weighted ? weights.data() : nullptr;
  const int points = hi - lo + 1;
  ResponseCounts total = ResponseCounts::zeros(lo, hi, n_groups, weighted);
  if (n == 0) return total;

  // int8 answers on a small scale, one group, no weights: the vector kernel.
  if constexpr (std::is_same_v<T, std::int8_t>) {
    if (!grouped && !weighted && points <= 16 && lo >= -128 && hi <= 127) {
      const int t = std::max(1, detail::resolve_workers(workers));
      std::vector<std::vector<std::int64_t>> part(static_cast<std::size_t>(t),
                                                  std::vector<std::int64_t>(static_cast<std::size_t>(points), 0));
      std::vector<std::int64_t> inside(static_cast<std::size_t>(t), 0);
      detail::parallel_for(n, t, 1 << 18, [&](std::ptrdiff_t b, std::ptrdiff_t e, int wk) {
        auto& out = part[static_cast<std::size_t>(wk)];
        inside[static_cast<std::size_t>(wk)] = count_small_scale(x + b, e - b, lo, points, out.data());
      });
      std::int64_t in = 0;
      for (std::size_t k = 0; k < part.size(); ++k) {
        in += inside[k];
        for (int p = 0; p < points; ++p) total.counts(0, p) += part[k][static_cast<std::size_t>(p)];
      }
      if (in != n) {
        for (std::ptrdiff_t i = 0; i < n; ++i)
          if (x[i] < lo || x[i] > hi) bad_value(what, i, x[i], lo, hi);
      }
      return total;
    }
  }

  // General kernel. Integer counts merge exactly in any order; weighted sums are
  // made per fixed block of rows and added in block order, so that they do not
  // depend on the number of workers (unless the partial states would be too large:
  // then one thread).
  const std::ptrdiff_t n_blocks = (n + kBlock - 1) / kBlock;
  const std::ptrdiff_t cells = static_cast<std::ptrdiff_t>(n_groups) * points;
  if (weighted) {
    if (n_blocks * cells > kMaxPartialCells || detail::resolve_workers(workers) == 1 || n_blocks == 1) {
      count_rows(x, 0, n, lo, hi, g, n_groups, w, total, what);
      return total;
    }
    std::vector<ResponseCounts> part(static_cast<std::size_t>(n_blocks));
    detail::parallel_for(n_blocks, workers, 1, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
      for (std::ptrdiff_t k = b; k < e; ++k) {
        auto& st = part[static_cast<std::size_t>(k)];
        st = ResponseCounts::zeros(lo, hi, n_groups, true);
        count_rows(x, k * kBlock, std::min(n, (k + 1) * kBlock), lo, hi, g, n_groups, w, st, what);
      }
    });
    for (auto& st : part) total.merge(st);
    return total;
  }
  const int t = static_cast<int>(std::min<std::ptrdiff_t>(detail::resolve_workers(workers), n_blocks));
  if (t <= 1 || static_cast<std::ptrdiff_t>(t) * cells > kMaxPartialCells) {
    count_rows(x, 0, n, lo, hi, g, n_groups, w, total, what);
    return total;
  }
  std::vector<ResponseCounts> part(static_cast<std::size_t>(t));
  for (auto& st : part) st = ResponseCounts::zeros(lo, hi, n_groups, false);
  detail::parallel_for(n, t, kBlock, [&](std::ptrdiff_t b, std::ptrdiff_t e, int wk) {
    count_rows(x, b, e, lo, hi, g, n_groups, w, part[static_cast<std::size_t>(wk)], what);
  });
  // the first error in row order wins, whichever thread found it: parallel_for re-throws
  // the error of the lowest worker, whose rows come first.
  for (auto& st : part) total.merge(st);
  return total;
}

}  // namespace

ResponseCounts count_responses(Eigen::Ref<const VectorXi8> scores, int scale_min, int scale_max,
                               Eigen::Ref<const VectorXi32> groups, int n_groups,
                               Eigen::Ref<const Eigen::VectorXd> weights, int workers, const std::string& what) {
  return count_impl(scores.data(), scores.size(), scale_min, scale_max, groups, n_groups, weights, workers, what);
}

ResponseCounts count_responses(Eigen::Ref<const Eigen::VectorXd> scores, int scale_min, int scale_max,
                               Eigen::Ref<const VectorXi32> groups, int n_groups,
                               Eigen::Ref<const Eigen::VectorXd> weights, int workers, const std::string& what) {
  return count_impl(scores.data(), scores.size(), scale_min, scale_max, groups, n_groups, weights, workers, what);
}

// ---------------------------------------------------------------- configuration

void NpsConfig::validate() const {
  check_scale(scale_min, scale_max, "scale_min/scale_max");
  if (promoter_min <= scale_min || promoter_min > scale_max)
    throw config_error("promoter_min: " + std::to_string(promoter_min) + " is out of range; expected (" +
                       std::to_string(scale_min) + ", " + std::to_string(scale_max) + "]");
  if (detractor_max < scale_min || detractor_max >= promoter_min)
    throw config_error("detractor_max: " + std::to_string(detractor_max) + " is out of range; expected [" +
                       std::to_string(scale_min) + ", promoter_min = " + std::to_string(promoter_min) + ")");
  check_level(level);
  if (!(std::isfinite(adjusted_total) && adjusted_total >= 0.0))
    throw config_error("adjusted_total: " + detail::format_number(adjusted_total) + "; expected a number >= 0");
  if (!(std::isfinite(adjusted_each) && adjusted_each >= 0.0 && 2.0 * adjusted_each <= adjusted_total))
    throw config_error("adjusted_each: " + detail::format_number(adjusted_each) +
                       "; expected a number in [0, adjusted_total / 2]");
}

bool NpsConfig::operator==(const NpsConfig& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && promoter_min == o.promoter_min &&
         detractor_max == o.detractor_max && method == o.method && level == o.level &&
         adjusted_total == o.adjusted_total && adjusted_each == o.adjusted_each;
}

void tag_invoke(json::value_from_tag, json::value& jv, const NpsConfig& c) {
  jv = {{"scale_min", c.scale_min},           {"scale_max", c.scale_max},        {"promoter_min", c.promoter_min},
        {"detractor_max", c.detractor_max},   {"method", to_string(c.method)},   {"level", c.level},
        {"adjusted_total", c.adjusted_total}, {"adjusted_each", c.adjusted_each}};
}

NpsConfig tag_invoke(json::value_to_tag<NpsConfig>, const json::value& jv) {
  NpsConfig c;
  detail::ObjectReader r(jv, "config");
  r.integer("scale_min", c.scale_min, -1000000, 1000000);
  r.integer("scale_max", c.scale_max, -1000000, 1000000);
  r.integer("promoter_min", c.promoter_min, -1000000, 1000000);
  r.integer("detractor_max", c.detractor_max, -1000000, 1000000);
  r.enumeration("method", c.method);
  r.number("level", c.level, 0, 1);
  r.number("adjusted_total", c.adjusted_total, 0);
  r.number("adjusted_each", c.adjusted_each, 0);
  r.finish();
  c.validate();
  return c;
}

NpsConfig nps_config_from_json(std::string_view text) {
  return json::value_to<NpsConfig>(detail::parse_json(text, "NPS config"));
}

std::string to_json(const NpsConfig& config) {
  return detail::dump_json(json::value_from(config));
}

void BoxConfig::validate() const {
  check_scale(scale_min, scale_max, "scale_min/scale_max");
  if (top_min < scale_min || top_min > scale_max)
    throw config_error("top_min: " + std::to_string(top_min) + " is out of range; expected [" +
                       std::to_string(scale_min) + ", " + std::to_string(scale_max) + "]");
  if (bottom_max < scale_min || bottom_max > scale_max || bottom_max >= top_min)
    throw config_error("bottom_max: " + std::to_string(bottom_max) + " is out of range; expected [" +
                       std::to_string(scale_min) + ", top_min = " + std::to_string(top_min) + ")");
  check_level(level);
}

bool BoxConfig::operator==(const BoxConfig& o) const {
  return scale_min == o.scale_min && scale_max == o.scale_max && top_min == o.top_min && bottom_max == o.bottom_max &&
         level == o.level;
}

void tag_invoke(json::value_from_tag, json::value& jv, const BoxConfig& c) {
  jv = {{"scale_min", c.scale_min},
        {"scale_max", c.scale_max},
        {"top_min", c.top_min},
        {"bottom_max", c.bottom_max},
        {"level", c.level}};
}

BoxConfig tag_invoke(json::value_to_tag<BoxConfig>, const json::value& jv) {
  BoxConfig c;
  detail::ObjectReader r(jv, "config");
  r.integer("scale_min", c.scale_min, -1000000, 1000000);
  r.integer("scale_max", c.scale_max, -1000000, 1000000);
  r.integer("top_min", c.top_min, -1000000, 1000000);
  r.integer("bottom_max", c.bottom_max, -1000000, 1000000);
  r.number("level", c.level, 0, 1);
  r.finish();
  c.validate();
  return c;
}

BoxConfig box_config_from_json(std::string_view text) {
  return json::value_to<BoxConfig>(detail::parse_json(text, "box config"));
}

std::string to_json(const BoxConfig& config) {
  return detail::dump_json(json::value_from(config));
}

// ---------------------------------------------------------------- estimates

namespace {

struct GroupSums {
  std::int64_t n = 0, missing = 0;
  double w = 0, w2 = 0;  // sum of weights and squared weights (counts when unweighted)
  double n_eff() const { return w2 > 0 ? w * w / w2 : 0.0; }
};

GroupSums group_sums(const ResponseCounts& c, int g) {
  GroupSums s;
  s.missing = c.missing[static_cast<std::size_t>(g)];
  for (int p = 0; p < c.n_points(); ++p) {
    s.n += c.counts(g, p);
    s.w += c.weighted ? c.weight_sum(g, p) : static_cast<double>(c.counts(g, p));
    s.w2 += c.weighted ? c.weight_sq_sum(g, p) : static_cast<double>(c.counts(g, p));
  }
  return s;
}

double point_weight(const ResponseCounts& c, int g, int p) {
  return c.weighted ? c.weight_sum(g, p) : static_cast<double>(c.counts(g, p));
}

void check_state_scale(const ResponseCounts& c, int lo, int hi) {
  if (c.scale_min != lo || c.scale_max != hi)
    throw config_error("scale: the counts are on [" + std::to_string(c.scale_min) + ", " + std::to_string(c.scale_max) +
                       "], the configuration on [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

struct Limits {
  double lower, upper;
  bool clipped = false;
};

double nps_variance(double pp, double pd) {
  return std::max(0.0, pp + pd - (pp - pd) * (pp - pd));
}

// Adjusted shares and n' of the adjusted Wald interval.
void adjusted(const NpsEstimate& e, const NpsConfig& c, double& pp, double& pd, double& n) {
  n = e.n_eff + c.adjusted_total;
  pp = (e.share_promoters * e.n_eff + c.adjusted_each) / n;
  pd = (e.share_detractors * e.n_eff + c.adjusted_each) / n;
}

// Cut [lo, hi] to [-bound, bound], recording whether anything was cut.
Limits clip(double lo, double hi, double bound) {
  Limits l{std::max(-bound, lo), std::min(bound, hi)};
  l.clipped = lo < -bound || hi > bound;
  return l;
}

Limits nps_limits(const NpsEstimate& e, const NpsConfig& c) {
  const double z = z_of(c.level);
  switch (c.method) {
    case NpsInterval::wald:
      return {e.nps - z * e.se, e.nps + z * e.se};
    case NpsInterval::adjusted_wald: {
      double pp, pd, n;
      adjusted(e, c, pp, pd, n);
      const double d = 100.0 * (pp - pd), h = 100.0 * z * std::sqrt(nps_variance(pp, pd) / n);
      return clip(d - h, d + h, 100.0);
    }
    case NpsInterval::mover: {
      const double pp = e.share_promoters, pd = e.share_detractors;
      auto [lp, up] = wilson_interval(pp * e.n_eff, e.n_eff, c.level);
      auto [ld, ud] = wilson_interval(pd * e.n_eff, e.n_eff, c.level);
      const double den = (1.0 - pp) * (1.0 - pd);
      const double r = (pp * pd > 0.0 && den > 0.0) ? -std::sqrt(pp * pd / den) : 0.0;
      const double d = pp - pd;
      const double lo =
          d - std::sqrt(std::max(0.0, (pp - lp) * (pp - lp) + (ud - pd) * (ud - pd) - 2.0 * r * (pp - lp) * (ud - pd)));
      const double hi =
          d + std::sqrt(std::max(0.0, (up - pp) * (up - pp) + (pd - ld) * (pd - ld) - 2.0 * r * (up - pp) * (pd - ld)));
      Limits l = clip(100.0 * lo, 100.0 * hi, 100.0);
      l.clipped = false;  // Wilson limits stay in [0, 1]: the cut only removes rounding
      return l;
    }
  }
  return {kNaN, kNaN};
}

// The interval rule of every NPS figure: widened, if needed, to contain the estimate.
bool contain(double estimate, double& lower, double& upper) {
  bool moved = false;
  if (lower > estimate) lower = estimate, moved = true;
  if (upper < estimate) upper = estimate, moved = true;
  return moved;
}

}  // namespace

std::vector<NpsEstimate> nps_estimates(const ResponseCounts& c, const NpsConfig& config) {
  config.validate();
  check_state_scale(c, config.scale_min, config.scale_max);
  std::vector<NpsEstimate> out(static_cast<std::size_t>(c.n_groups()));
  const int pmin = config.promoter_min - c.scale_min, dmax = config.detractor_max - c.scale_min;
  for (int g = 0; g < c.n_groups(); ++g) {
    NpsEstimate& e = out[static_cast<std::size_t>(g)];
    const GroupSums s = group_sums(c, g);
    e.n = s.n;
    e.n_missing = s.missing;
    e.n_eff = s.n_eff();
    double wp = 0, wd = 0, wa = 0;
    for (int p = 0; p < c.n_points(); ++p) {
      const double w = point_weight(c, g, p);
      if (p >= pmin)
        e.promoters += c.counts(g, p), wp += w;
      else if (p <= dmax)
        e.detractors += c.counts(g, p), wd += w;
      else
        e.passives += c.counts(g, p), wa += w;
    }
    if (!(s.w > 0.0)) {
      e.share_promoters = e.share_passives = e.share_detractors = kNaN;
      e.nps = e.variance = e.se = e.lower = e.upper = kNaN;
      continue;
    }
    e.share_promoters = wp / s.w;
    e.share_passives = wa / s.w;
    e.share_detractors = wd / s.w;
    e.nps = 100.0 * (e.share_promoters - e.share_detractors);
    e.variance = nps_variance(e.share_promoters, e.share_detractors);
    e.se = 100.0 * std::sqrt(e.variance / e.n_eff);
    const Limits l = nps_limits(e, config);
    e.lower = l.lower;
    e.upper = l.upper;
    e.clipped = l.clipped;
    e.extended = contain(e.nps, e.lower, e.upper);
  }
  return out;
}

NpsDifference nps_difference(const NpsEstimate& a, const NpsEstimate& b, const NpsConfig& config) {
  config.validate();
  if (!(a.n_eff > 0.0) || !(b.n_eff > 0.0))
    throw input_error(std::string("nps_difference: sample ") + (a.n_eff > 0.0 ? "b" : "a") + " has no valid answers");
  NpsDifference d;
  const double z = z_of(config.level);
  d.difference = a.nps - b.nps;
  d.se = 100.0 * std::sqrt(a.variance / a.n_eff + b.variance / b.n_eff);
  d.z = d.se > 0.0 ? d.difference / d.se : (d.difference == 0.0 ? 0.0 : std::copysign(HUGE_VAL, d.difference));
  d.p_value =
      2.0 * boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), std::fabs(d.z)));
  if (std::isinf(d.z)) d.p_value = 0.0;
  switch (config.method) {
    case NpsInterval::wald:
      d.lower = d.difference - z * d.se;
      d.upper = d.difference + z * d.se;
      break;
    case NpsInterval::adjusted_wald: {
      double pa, da, na, pb, db, nb;
      adjusted(a, config, pa, da, na);
      adjusted(b, config, pb, db, nb);
      const double c = 100.0 * ((pa - da) - (pb - db));
      const double h = 100.0 * z * std::sqrt(nps_variance(pa, da) / na + nps_variance(pb, db) / nb);
      const Limits l = clip(c - h, c + h, 200.0);
      d.lower = l.lower;
      d.upper = l.upper;
      d.clipped = l.clipped;
      break;
    }
    case NpsInterval::mover: {
      NpsConfig m = config;
      m.method = NpsInterval::mover;
      const Limits la = nps_limits(a, m), lb = nps_limits(b, m);
      d.lower = d.difference - std::hypot(a.nps - la.lower, lb.upper - b.nps);
      d.upper = d.difference + std::hypot(la.upper - a.nps, b.nps - lb.lower);
      break;
    }
  }
  d.extended = contain(d.difference, d.lower, d.upper);
  return d;
}

std::int64_t nps_sample_size(double margin, double share_promoters, double share_detractors, const NpsConfig& config,
                             double design_effect) {
  config.validate();
  if (!(margin > 0.0 && margin <= 200.0))
    throw config_error("margin: " + detail::format_number(margin) +
                       " is out of range; expected NPS points in (0, 200]");
  if (!(share_promoters >= 0.0 && share_detractors >= 0.0 && share_promoters + share_detractors <= 1.0 + 1e-12))
    throw config_error("shares: promoters " + detail::format_number(share_promoters) + " and detractors " +
                       detail::format_number(share_detractors) + "; expected shares >= 0 with a sum <= 1");
  if (!(std::isfinite(design_effect) && design_effect > 0.0))
    throw config_error("design_effect: " + detail::format_number(design_effect) + "; expected a number > 0");
  const double z = z_of(config.level), m = margin / 100.0;
  double n = design_effect * z * z * nps_variance(share_promoters, share_detractors) / (m * m);
  if (config.method == NpsInterval::adjusted_wald) n -= config.adjusted_total;
  // guard against 452.00000000001 from rounding in z^2 v / m^2
  const double r = std::ceil(n - 1e-9);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(r));
}

std::vector<BoxEstimate> box_estimates(const ResponseCounts& c, const BoxConfig& config) {
  config.validate();
  check_state_scale(c, config.scale_min, config.scale_max);
  std::vector<BoxEstimate> out(static_cast<std::size_t>(c.n_groups()));
  const int top = config.top_min - c.scale_min, bottom = config.bottom_max - c.scale_min;
  for (int g = 0; g < c.n_groups(); ++g) {
    BoxEstimate& e = out[static_cast<std::size_t>(g)];
    const GroupSums s = group_sums(c, g);
    e.n = s.n;
    e.n_missing = s.missing;
    e.n_eff = s.n_eff();
    double wt = 0, wb = 0, sx = 0;
    for (int p = 0; p < c.n_points(); ++p) {
      const double w = point_weight(c, g, p);
      if (p >= top) e.top += c.counts(g, p), wt += w;
      if (p <= bottom) e.bottom += c.counts(g, p), wb += w;
      sx += w * (c.scale_min + p);
    }
    if (!(s.w > 0.0)) {
      e.top_share = e.top_lower = e.top_upper = e.bottom_share = e.bottom_lower = e.bottom_upper = kNaN;
      e.mean = e.sd = e.mean_lower = e.mean_upper = kNaN;
      continue;
    }
    e.top_share = wt / s.w;
    e.bottom_share = wb / s.w;
    const Interval top = wilson_interval(e.top_share * e.n_eff, e.n_eff, config.level);
    e.top_lower = top.low, e.top_upper = top.high;
    const Interval bottom = wilson_interval(e.bottom_share * e.n_eff, e.n_eff, config.level);
    e.bottom_lower = bottom.low, e.bottom_upper = bottom.high;
    e.mean = sx / s.w;
    double ss = 0;
    for (int p = 0; p < c.n_points(); ++p) {
      const double dx = c.scale_min + p - e.mean;
      ss += point_weight(c, g, p) * dx * dx;
    }
    if (e.n_eff > 1.0) {
      // population variance of the weighted answers, with Bessel's factor in effective terms
      const double var = ss / s.w * e.n_eff / (e.n_eff - 1.0);
      e.sd = std::sqrt(var);
      const double t =
          boost::math::quantile(boost::math::students_t_distribution<double>(e.n_eff - 1.0), 0.5 + config.level / 2.0);
      const double h = t * e.sd / std::sqrt(e.n_eff);
      e.mean_lower = std::max<double>(c.scale_min, e.mean - h);  // clipped to the scale
      e.mean_upper = std::min<double>(c.scale_max, e.mean + h);
    } else {
      e.sd = e.mean_lower = e.mean_upper = kNaN;
    }
  }
  return out;
}

}  // namespace servscore

namespace servscore {

std::pair<int, int> box_cutoffs(int scale_min, int scale_max) {
  check_scale(scale_min, scale_max, "scale_min/scale_max");
  const std::int64_t sum = static_cast<std::int64_t>(scale_min) + scale_max;
  const std::int64_t floor_half = sum >= 0 ? sum / 2 : -((-sum + 1) / 2);
  const std::int64_t ceil_half = sum - floor_half;
  return {static_cast<int>(ceil_half - 1), static_cast<int>(floor_half + 1)};
}

DesignMeans design_means(Eigen::Ref<const RowMatrixXd> y, Eigen::Ref<const Eigen::VectorXd> weights,
                         Eigen::Ref<const VectorXi32> groups, int n_groups, Eigen::Ref<const VectorXi32> strata,
                         Eigen::Ref<const VectorXi32> clusters, Eigen::Ref<const Eigen::VectorXd> fpc) {
  const Eigen::Index n = y.rows(), k = y.cols();
  auto size_error = [&](const char* what, Eigen::Index m) {
    throw input_error(std::string("design: ") + what + " has " + std::to_string(m) + " values for " +
                      std::to_string(n) + " rows");
  };
  if (k < 1) throw input_error("design: expected at least one variable");
  if (weights.size() != n) size_error("weights", weights.size());
  if (groups.size() != 0 && groups.size() != n) size_error("groups", groups.size());
  if (strata.size() != 0 && strata.size() != n) size_error("strata", strata.size());
  if (clusters.size() != 0 && clusters.size() != n) size_error("clusters", clusters.size());
  if (n_groups < 1 || (groups.size() == 0 && n_groups != 1))
    throw input_error("design: n_groups " + std::to_string(n_groups) + " does not match the group codes");
  std::int32_t n_strata = 1;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double w = weights[i];
    if (!(std::isfinite(w) && w >= 0.0))
      throw input_error("design: weights, row " + std::to_string(i) + ": value " + detail::format_number(w) +
                        " is not a finite number >= 0");
    if (groups.size() && (groups[i] < 0 || groups[i] >= n_groups))
      throw input_error("design: group code " + std::to_string(groups[i]) + " at row " + std::to_string(i) +
                        " is outside [0, " + std::to_string(n_groups) + ")");
    if (strata.size()) {
      if (strata[i] < 0) throw input_error("design: negative stratum code at row " + std::to_string(i));
      n_strata = std::max(n_strata, strata[i] + 1);
    }
    if (clusters.size() && clusters[i] < 0)
      throw input_error("design: negative cluster code at row " + std::to_string(i));
  }
  if (fpc.size() != 0 && fpc.size() != n_strata)
    throw input_error("design: " + std::to_string(fpc.size()) + " fpc values for " + std::to_string(n_strata) +
                      " strata");
  auto stratum = [&](Eigen::Index i) -> std::int32_t { return strata.size() ? strata[i] : 0; };
  auto cluster = [&](Eigen::Index i) -> std::int64_t { return clusters.size() ? clusters[i] : i; };
  auto group = [&](Eigen::Index i) -> std::int32_t { return groups.size() ? groups[i] : 0; };

  DesignMeans out;
  const auto G = static_cast<Eigen::Index>(n_groups);
  out.mean = RowMatrixXd::Zero(G, k);
  out.se = RowMatrixXd::Zero(G, k);
  out.weight = Eigen::VectorXd::Zero(G);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isnan(y(i, 0))) continue;
    const std::int32_t g = group(i);
    out.weight[g] += weights[i];
    for (Eigen::Index j = 0; j < k; ++j) out.mean(g, j) += weights[i] * y(i, j);
  }
  for (Eigen::Index g = 0; g < G; ++g)
    for (Eigen::Index j = 0; j < k; ++j) out.mean(g, j) = out.weight[g] > 0 ? out.mean(g, j) / out.weight[g] : kNaN;

  // rows in (stratum, cluster, group) order: runs of one PSU and group give the PSU totals of z
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return std::make_tuple(stratum(a), cluster(a), group(a), a) < std::make_tuple(stratum(b), cluster(b), group(b), b);
  });
  RowMatrixXd var = RowMatrixXd::Zero(G, k);
  RowMatrixXd s1 = RowMatrixXd::Zero(G, k), s2 = RowMatrixXd::Zero(G, k);  // per stratum: sum t, sum t^2
  std::vector<char> touched(static_cast<std::size_t>(G), 0);
  std::vector<std::int32_t> touched_list;
  Eigen::VectorXd t(k);
  std::size_t r = 0;
  const std::size_t rows = order.size();
  while (r < rows) {
    const std::int32_t h = stratum(order[r]);
    std::int64_t psus = 0;
    while (r < rows && stratum(order[r]) == h) {  // one stratum
      const std::int64_t c = cluster(order[r]);
      ++psus;
      while (r < rows && stratum(order[r]) == h && cluster(order[r]) == c) {  // one PSU
        const std::int32_t g = group(order[r]);
        t.setZero();
        bool any = false;
        for (; r < rows && stratum(order[r]) == h && cluster(order[r]) == c && group(order[r]) == g; ++r) {
          const Eigen::Index i = order[r];
          if (std::isnan(y(i, 0)) || !(out.weight[g] > 0)) continue;
          any = true;
          for (Eigen::Index j = 0; j < k; ++j) t[j] += weights[i] * (y(i, j) - out.mean(g, j)) / out.weight[g];
        }
        if (!any) continue;
        if (!touched[static_cast<std::size_t>(g)]) touched[static_cast<std::size_t>(g)] = 1, touched_list.push_back(g);
        for (Eigen::Index j = 0; j < k; ++j) s1(g, j) += t[j], s2(g, j) += t[j] * t[j];
      }
    }
    double f = 0.0;
    if (fpc.size()) {
      const double v = fpc[h];
      if (!(std::isfinite(v) && v >= 0.0))
        throw input_error("design: fpc of stratum code " + std::to_string(h) + " is " + detail::format_number(v) +
                          "; expected a sampling fraction in (0, 1] or a population count");
      if (v > 1.0 && v < static_cast<double>(psus))
        throw input_error("design: fpc of stratum code " + std::to_string(h) + " is " + detail::format_number(v) +
                          ", fewer than the stratum's " + std::to_string(psus) + " sampled PSUs");
      f = v > 1.0 ? static_cast<double>(psus) / v : v;
    }
    if (psus < 2 && !touched_list.empty())
      throw input_error("design: stratum code " + std::to_string(h) +
                        " has a single PSU; its variance cannot be estimated (R survey: lonely.psu = \"fail\")");
    for (const std::int32_t g : touched_list) {
      for (Eigen::Index j = 0; j < k; ++j) {
        const double ss = s2(g, j) - s1(g, j) * s1(g, j) / static_cast<double>(psus);
        var(g, j) += (1.0 - f) * static_cast<double>(psus) / static_cast<double>(psus - 1) * std::max(0.0, ss);
        s1(g, j) = s2(g, j) = 0.0;
      }
      touched[static_cast<std::size_t>(g)] = 0;
    }
    touched_list.clear();
    out.n_psu += psus;
    ++out.n_strata;
  }
  for (Eigen::Index g = 0; g < G; ++g)
    for (Eigen::Index j = 0; j < k; ++j) out.se(g, j) = out.weight[g] > 0 ? std::sqrt(var(g, j)) : kNaN;
  return out;
}

}  // namespace servscore
