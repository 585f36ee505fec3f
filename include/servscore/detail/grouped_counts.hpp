// Internal: a table of integer counts per group key, the common part of the count-only
// mergeable states (NeedsState, LoyaltyState): adopting the key columns of the first batch,
// adding a batch's counts, merging by key, and the byte image of the keys and cells.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/detail/group_keys.hpp"

namespace servscore::detail {

/** Little-endian writers and a bounds-checked reader for the state images. */
void put_u32_le(std::string& s, std::uint32_t v);
void put_i64_le(std::string& s, std::int64_t v);

struct ByteReader {
  std::string_view b;
  std::size_t pos = 0;
  std::string what;  // "NeedsState.from_bytes": the prefix of every message
  std::size_t left() const { return b.size() - pos; }
  /** `bytes` (<= 8) little-endian bytes; input_error "truncated" when fewer remain. */
  std::uint64_t u(int bytes);
  [[noreturn]] void corrupt(const std::string& why) const;
};

/** Check the 8-byte magic at the front of `bytes` (input_error naming `expected` and `kind`). */
void check_magic(std::string_view bytes, const char* magic, const std::string& what, const std::string& kind);

/**
 * Counts per group: `width` int64 cells a group, groups aligned by key (GroupKeys). Every cell
 * stays in [0, kMaxCount] (2^62): an update or merge that would pass it is refused before
 * anything changes, so no sum ever overflows. Optionally `sums_width` double cells a group too
 * (sums of values, added the same way; finite).
 */
class GroupedCounts {
 public:
  static constexpr std::int64_t kMaxCount = std::int64_t{1} << 62;

  explicit GroupedCounts(std::vector<std::string> key_names = {}, std::size_t width = 0, std::size_t sums_width = 0);
  const GroupKeys& keys() const { return keys_; }
  int groups() const { return keys_.size(); }
  std::size_t width() const { return width_; }
  std::size_t sums_width() const { return sums_width_; }
  /** The double cells of group `code` (sums_width() of them). */
  const double* sums(std::int32_t code) const { return sums_.data() + static_cast<std::size_t>(code) * sums_width_; }
  /** The cells of group `code` (width() of them). */
  const std::int64_t* row(std::int32_t code) const { return cells_.data() + static_cast<std::size_t>(code) * width_; }
  /** Sum of cell `col` over the groups. */
  std::int64_t total(std::size_t col) const;
  std::vector<std::int32_t> sorted_codes() const { return keys_.sorted_codes(); }

  /**
   * Check a batch before counting it: `groups` empty (ungrouped) or one code per row in
   * [0, n_batch); key columns equal to the state's once it holds groups. `kind` names the
   * state in messages ("needs state").
   */
  void check_batch(const std::int32_t* groups, std::ptrdiff_t n_groups, std::ptrdiff_t n_rows,
                   const GroupKeys& batch_keys, const std::string& kind, std::int64_t row_offset) const;
  /**
   * Add `local` (batch groups x width, the batch's counts) keyed by `batch_keys` (ungrouped:
   * one row, the empty key). Groups whose counts are all zero are still added as keys.
   */
  void add(const std::vector<std::int64_t>& local, const GroupKeys& batch_keys, bool grouped, const std::string& kind,
           const std::vector<double>& local_sums = {});
  /** Add another table (same width); input_error when the key columns differ or a count would pass 2^62. */
  void merge(const GroupedCounts& other, const std::string& kind);
  /** The GroupKeys image (keys in key order), u32 width, [u32 sums_width when > 0], then per group in key order
   * width i64 [and sums_width f64]. */
  void write(std::string& out) const;
  /**
   * Read an image written by write() from rd (the rest of the bytes must be exactly the cells),
   * checking the width, every declared size against the bytes that remain before allocating,
   * each count in [0, 2^62], and each group's cells with `check_row` (throws through rd.corrupt).
   */
  static GroupedCounts read(ByteReader& rd, std::size_t width,
                            const std::function<void(const std::int64_t*, std::size_t row)>& check_row,
                            std::size_t sums_width = 0);
  bool operator==(const GroupedCounts& o) const;

 private:
  GroupKeys keys_;
  std::size_t width_ = 0;
  std::size_t sums_width_ = 0;
  std::vector<std::int64_t> cells_;  // groups x width, in code order
  std::vector<double> sums_;         // groups x sums_width, in code order
};

}  // namespace servscore::detail
