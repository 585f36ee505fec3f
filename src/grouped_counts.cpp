// Integer counts per group key: the common part of the count-only states (see grouped_counts.hpp).
#include "servscore/detail/grouped_counts.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "servscore/errors.hpp"

namespace servscore::detail {

namespace {
std::string describe_names(const std::vector<std::string>& names) {
  if (names.empty()) return "ungrouped";
  std::string s = "grouped by [";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}
}  // namespace

void put_u32_le(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_i64_le(std::string& s, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

std::uint64_t ByteReader::u(int bytes) {
  if (static_cast<std::size_t>(bytes) > left())
    throw input_error(what + ": the image is truncated (" + std::to_string(b.size()) + " bytes)");
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[pos + static_cast<std::size_t>(i)])) << (8 * i);
  pos += static_cast<std::size_t>(bytes);
  return v;
}

void ByteReader::corrupt(const std::string& why) const {
  throw input_error(what + ": " + why + "; the image is corrupt");
}

void check_magic(std::string_view bytes, const char* magic, const std::string& what, const std::string& kind) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), magic, 8) == 0) return;
  // same family, other version: say so (a newer writer, or a corrupt digit)
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), magic, 7) == 0)
    throw input_error(what + ": unsupported version '" + std::string(1, bytes[7]) + "' of the " + kind +
                      " image (this build reads " + std::string(magic, 8) + ")");
  throw input_error(what + ": not a servscore " + kind + " (bad header; expected " + std::string(magic, 8) + ")");
}

GroupedCounts::GroupedCounts(std::vector<std::string> key_names, std::size_t width, std::size_t sums_width)
    : keys_(std::move(key_names)), width_(width), sums_width_(sums_width) {}

std::int64_t GroupedCounts::total(std::size_t col) const {
  // saturating: each cell is <= 2^62, but many groups of an accepted image may pass 2^63
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t n = 0;
  for (std::size_t g = 0; g < static_cast<std::size_t>(groups()); ++g) {
    const std::int64_t c = cells_[g * width_ + col];
    n = c > kMax - n ? kMax : n + c;
  }
  return n;
}

void GroupedCounts::check_batch(const std::int32_t* groups, std::ptrdiff_t n_groups, std::ptrdiff_t n_rows,
                                const GroupKeys& batch_keys, const std::string& kind, std::int64_t row_offset) const {
  const bool grouped = n_groups > 0;
  if (grouped && n_groups != n_rows)
    throw input_error("groups: expected one code per record (" + std::to_string(n_rows) + "), got " +
                      std::to_string(n_groups));
  if (this->groups() > 0 && batch_keys.names() != keys_.names())
    throw input_error("by: this " + kind + " is " + describe_names(keys_.names()) + "; the batch is " +
                      describe_names(batch_keys.names()));
  if (!grouped && batch_keys.width() != 0)
    throw input_error("groups: the batch is " + describe_names(batch_keys.names()) + " but has no group codes");
  if (!grouped) return;
  const std::int32_t nb = batch_keys.size();
  for (std::ptrdiff_t i = 0; i < n_rows; ++i)
    if (groups[i] < 0 || groups[i] >= nb)
      throw input_error("groups: row " + std::to_string(row_offset + i) + " has group code " +
                        std::to_string(groups[i]) + "; expected [0, " + std::to_string(nb) + ")");
}

void GroupedCounts::add(const std::vector<std::int64_t>& local, const GroupKeys& batch_keys, bool grouped,
                        const std::string& kind, const std::vector<double>& local_sums) {
  const std::size_t nb = grouped ? static_cast<std::size_t>(batch_keys.size()) : 1;
  // refuse before anything changes: a count past 2^62 (the check cannot overflow: both are <= 2^62)
  auto used = [&](std::size_t b) {  // a batch key without records (an unused category) is no group
    for (std::size_t c = 0; c < width_; ++c)
      if (local[b * width_ + c] != 0) return true;
    return false;
  };
  for (std::size_t b = 0; b < nb; ++b) {
    const auto code =
        groups() == 0 ? std::nullopt : keys_.find(grouped ? batch_keys.key(static_cast<int>(b)) : GroupKey{});
    for (std::size_t c = 0; c < width_; ++c) {
      const std::int64_t have = code ? cells_[static_cast<std::size_t>(*code) * width_ + c] : 0;
      if (local[b * width_ + c] > kMaxCount - have)
        throw input_error("update: a count of this " + kind + " would pass 2^62; split the data over states");
    }
  }
  if (groups() == 0) keys_ = GroupKeys(batch_keys.names());
  for (std::size_t b = 0; b < nb; ++b) {
    if (!used(b)) continue;
    const std::int32_t g = grouped ? keys_.insert(batch_keys.key(static_cast<int>(b))) : keys_.insert(GroupKey{});
    if ((static_cast<std::size_t>(g) + 1) * width_ > cells_.size())
      cells_.resize((static_cast<std::size_t>(g) + 1) * width_, 0);
    for (std::size_t c = 0; c < width_; ++c) cells_[static_cast<std::size_t>(g) * width_ + c] += local[b * width_ + c];
    if (sums_width_ == 0) continue;
    if ((static_cast<std::size_t>(g) + 1) * sums_width_ > sums_.size())
      sums_.resize((static_cast<std::size_t>(g) + 1) * sums_width_, 0.0);
    for (std::size_t c = 0; c < sums_width_; ++c)
      sums_[static_cast<std::size_t>(g) * sums_width_ + c] += local_sums[b * sums_width_ + c];
  }
}

void GroupedCounts::merge(const GroupedCounts& o, const std::string& kind) {
  if (o.width_ != width_ || o.sums_width_ != sums_width_)
    throw input_error("merge: the " + kind + "s differ in width (" + std::to_string(width_) + " vs " +
                      std::to_string(o.width_) + " counts a group)");
  if (o.groups() == 0) return;
  if (groups() == 0) {
    if (this != &o) *this = o;
    return;
  }
  if (o.keys_.names() != keys_.names())
    throw input_error("merge: this " + kind + " is " + describe_names(keys_.names()) + ", the other " +
                      describe_names(o.keys_.names()) + "; only states of the same key columns merge");
  const GroupedCounts copy = this == &o ? o : GroupedCounts();
  const GroupedCounts& src = this == &o ? copy : o;
  for (std::int32_t b = 0; b < src.groups(); ++b) {
    const auto code = keys_.find(src.keys_.key(b));
    if (!code) continue;
    for (std::size_t c = 0; c < width_; ++c)
      if (src.cells_[static_cast<std::size_t>(b) * width_ + c] >
          kMaxCount - cells_[static_cast<std::size_t>(*code) * width_ + c])
        throw input_error("merge: a count of the merged " + kind + " would pass 2^62; the states are unchanged");
  }
  const std::vector<std::int32_t> map = keys_.merge(src.keys_);
  cells_.resize(static_cast<std::size_t>(groups()) * width_, 0);
  for (std::size_t b = 0; b < map.size(); ++b)
    for (std::size_t c = 0; c < width_; ++c)
      cells_[static_cast<std::size_t>(map[b]) * width_ + c] += src.cells_[b * width_ + c];
  sums_.resize(static_cast<std::size_t>(groups()) * sums_width_, 0.0);
  for (std::size_t b = 0; b < map.size(); ++b)
    for (std::size_t c = 0; c < sums_width_; ++c)
      sums_[static_cast<std::size_t>(map[b]) * sums_width_ + c] += src.sums_[b * sums_width_ + c];
}

void GroupedCounts::write(std::string& out) const {
  const std::vector<std::int32_t> order = sorted_codes();
  GroupKeys sorted(keys_.names());  // the keys in key order: equal states, equal bytes
  for (std::int32_t g : order) sorted.insert(keys_.key(g));
  sorted.write(out);
  put_u32_le(out, static_cast<std::uint32_t>(width_));
  if (sums_width_ > 0) put_u32_le(out, static_cast<std::uint32_t>(sums_width_));
  for (std::int32_t g : order) {
    for (std::size_t c = 0; c < width_; ++c) put_i64_le(out, cells_[static_cast<std::size_t>(g) * width_ + c]);
    for (std::size_t c = 0; c < sums_width_; ++c) {
      std::uint64_t bits;
      std::memcpy(&bits, &sums_[static_cast<std::size_t>(g) * sums_width_ + c], 8);
      put_i64_le(out, static_cast<std::int64_t>(bits));
    }
  }
}

GroupedCounts GroupedCounts::read(ByteReader& rd, std::size_t width,
                                  const std::function<void(const std::int64_t*, std::size_t)>& check_row,
                                  std::size_t sums_width) {
  std::string_view rest = rd.b.substr(rd.pos);
  GroupKeys keys = GroupKeys::read(rest);
  rd.pos = rd.b.size() - rest.size();
  const auto w = static_cast<std::uint32_t>(rd.u(4));
  if (w != width)
    rd.corrupt("the image declares " + std::to_string(w) + " counts a group, its configuration " +
               std::to_string(width));
  if (sums_width > 0) {
    const auto sw = static_cast<std::uint32_t>(rd.u(4));
    if (sw != sums_width)
      rd.corrupt("the image declares " + std::to_string(sw) + " sums a group, its configuration " +
                 std::to_string(sums_width));
  }
  const std::size_t G = static_cast<std::size_t>(keys.size());
  const std::size_t per = width + sums_width, row_bytes = 8 * (per == 0 ? 1 : per);
  if (rd.left() / row_bytes < G || rd.left() != G * 8 * per)
    throw input_error(rd.what + ": the image is " +
                      std::string(rd.left() < G * 8 * per ? "truncated" : "longer than declared") + ": " +
                      std::to_string(G) + " groups need " + std::to_string(G * 8 * per) + " bytes, the image has " +
                      std::to_string(rd.left()));
  GroupedCounts t(keys.names(), width, sums_width);
  t.cells_.assign(G * width, 0);
  t.sums_.assign(G * sums_width, 0.0);
  const std::vector<std::int32_t> order = keys.sorted_codes();
  for (std::size_t row = 0; row < G; ++row) {
    const std::int32_t g = t.keys_.insert(keys.key(order[row]));
    std::int64_t* x = t.cells_.data() + static_cast<std::size_t>(g) * width;
    for (std::size_t c = 0; c < width; ++c) {
      x[c] = static_cast<std::int64_t>(rd.u(8));
      if (x[c] < 0 || x[c] > kMaxCount)
        rd.corrupt("count " + std::to_string(x[c]) + " of group " + std::to_string(row) + " is outside [0, 2^62]");
    }
    double* d = t.sums_.data() + static_cast<std::size_t>(g) * sums_width;
    for (std::size_t c = 0; c < sums_width; ++c) {
      const std::uint64_t bits = rd.u(8);
      std::memcpy(&d[c], &bits, 8);
      if (!std::isfinite(d[c]))
        rd.corrupt("sum " + std::to_string(c) + " of group " + std::to_string(row) + " is not finite");
    }
    check_row(x, row);
  }
  if (t.groups() != static_cast<int>(G)) rd.corrupt("the image repeats a group key");
  return t;
}

bool GroupedCounts::operator==(const GroupedCounts& o) const {
  if (width_ != o.width_ || sums_width_ != o.sums_width_ || keys_.names() != o.keys_.names() || groups() != o.groups())
    return false;
  std::string a, b;
  write(a);
  o.write(b);
  return a == b;
}

}  // namespace servscore::detail
