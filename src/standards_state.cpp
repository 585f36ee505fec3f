// The mergeable state of standards compliance (see ComplianceState in standards.hpp).
#include <cstring>
#include <string>

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
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  const std::size_t per = 1 + 4 * standards_.standards.size();
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
