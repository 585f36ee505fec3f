/**
 * @file group_keys.hpp
 * @brief Group keys shared by every grouped engine: a table of distinct key tuples and the
 * factorisation of key columns into int32 group codes.
 *
 * A key is one value per key column (`GroupKey`); each value is missing, an integer, a
 * double or a string (`KeyValue`). Distinct keys get dense codes 0, 1, ... in insertion
 * order; `sorted_codes` lists them in key order. Equality of values, used to decide whether
 * two keys are the same group:
 * - a NaN double is missing (all missing values are one key value);
 * - -0.0 equals 0.0 (stored as 0.0);
 * - an integer and a double of the same value are the same key value (1 and 1.0, as in Python
 *   and pandas); the key keeps the representation of its first occurrence;
 * - strings are compared byte by byte (UTF-8).
 *
 * Order (`sorted_codes`): column by column; within a column numbers (integers and doubles,
 * numerically) first, then strings (bytewise, which is code-point order for UTF-8), missing
 * last.
 *
 * Byte image (`write` / `read`), all integers little-endian:
 * `"SSGK"`, u32 version (1), u32 width, width x (u32 length, name bytes), u32 size, then
 * size x width values, each a u8 tag (0 missing, 1 int64, 2 double, 3 string) and its payload
 * (8 bytes; 8 bytes IEEE-754; u32 length and the bytes). `read` checks every declared length
 * against the bytes that remain before allocating, and refuses duplicate keys.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace servscore {

/** @brief One value of a key column; `std::monostate` is a missing value. */
using KeyValue = std::variant<std::monostate, std::int64_t, double, std::string>;
/** @brief One value per key column. */
using GroupKey = std::vector<KeyValue>;

/** @brief Distinct group keys with dense int32 codes (see the file comment for equality and order). */
class GroupKeys {
 public:
  /** @brief An empty table for key columns `names` (may be empty: width 0). */
  explicit GroupKeys(std::vector<std::string> names = {});

  /** @brief The key columns' names. */
  const std::vector<std::string>& names() const { return names_; }
  /** @brief Number of key columns. */
  int width() const { return static_cast<int>(names_.size()); }
  /** @brief Number of distinct keys. */
  std::int32_t size() const { return static_cast<std::int32_t>(keys_.size()); }
  /** @brief The key of `code` (in [0, size())); throws `input_error` out of range. */
  const GroupKey& key(std::int32_t code) const;
  /** @brief The code of `k`, added when new. Throws `input_error` when `k` has the wrong width. */
  std::int32_t insert(const GroupKey& k);
  /** @brief The code of `k`, if present. */
  std::optional<std::int32_t> find(const GroupKey& k) const;
  /**
   * @brief Add `other`'s keys (same names); returns, for each code of `other`, its code here.
   * Throws `input_error` naming both when the key columns differ.
   */
  std::vector<std::int32_t> merge(const GroupKeys& other);
  /** @brief All codes in key order (see the file comment). */
  std::vector<std::int32_t> sorted_codes() const;
  /** @brief Append the versioned little-endian image to `out`. */
  void write(std::string& out) const;
  /** @brief Read one image from the front of `in` and advance `in` past it; throws `input_error`. */
  static GroupKeys read(std::string_view& in);
  /** @brief Same names and the same keys under the same codes (values compared exactly, by type). */
  bool operator==(const GroupKeys& o) const;
  bool operator!=(const GroupKeys& o) const { return !(*this == o); }

  /** @brief Reserve room for `n` keys. */
  void reserve(std::size_t n);

 private:
  std::uint64_t hash_of(const GroupKey& k) const;
  std::int64_t slot_of(const GroupKey& k, std::uint64_t h) const;  // slot holding k, or -(empty slot) - 1
  void grow();

  std::vector<std::string> names_;
  std::vector<GroupKey> keys_;
  std::vector<std::uint64_t> hashes_;  // per code
  std::vector<std::int32_t> slots_;    // open addressing: code or -1; size a power of two
};

/** @brief A value as stored (NaN -> missing, -0.0 -> 0.0). */
KeyValue normalize_key_value(KeyValue v);
/** @brief Equality of key values as the groups see it (1 == 1.0; NaN is missing). */
bool key_value_equal(const KeyValue& a, const KeyValue& b);
/** @brief -1, 0 or 1: the key order of two values (numbers, then strings, missing last). */
int key_value_compare(const KeyValue& a, const KeyValue& b);

/** @brief Group codes of rows and the keys they index. */
struct Factorized {
  std::vector<std::int32_t> codes;  ///< one per row, in [0, keys.size())
  GroupKeys keys;                   ///< code -> key
};

namespace detail {

/** @brief Renumber keys and codes so that codes follow key order (`GroupKeys::sorted_codes`). */
void sort_factorized(Factorized& f);

/**
 * @brief Factorise one numeric column (codes in key order, missing last).
 * T: any integer type, or double (NaN missing; -0.0 is 0.0). Unsigned values beyond int64
 * are an `input_error` (no key type holds them exactly). Small integer ranges use a direct
 * table, others a hash table.
 */
template <class T>
Factorized factorize_numbers(const T* data, std::int64_t n, const std::string& name);

/**
 * @brief Factorise a dictionary-encoded column: row i is `categories[index[i]]`, a negative
 * index is missing. Only the categories that occur become keys. With `category_order` the
 * keys are ordered by first category position (pandas Categorical); otherwise by value
 * (Arrow dictionaries, whose order is an accident of encoding). Missing last either way.
 * Throws `input_error` naming the row of an index >= categories.size().
 */
template <class I>
Factorized factorize_dictionary(const I* index, std::int64_t n, const std::vector<KeyValue>& categories,
                                bool category_order, const std::string& name);

/** @brief Factorise fixed-width UTF-32 strings (numpy `<U` arrays, `width` code points each, NUL padded). */
Factorized factorize_utf32(const char32_t* data, std::int64_t n, std::int64_t width, const std::string& name,
                           int workers = 1);

/**
 * @brief Factorise variable-length strings in the Arrow layout: row i is bytes
 * [offsets[i], offsets[i + 1]) of `data` (`data_size` bytes), missing where `valid` (one byte
 * per row, or null for none missing) is 0. Throws `input_error` for offsets out of range.
 * `workers` threads (<= 0: all) factorise chunks of rows; the result does not depend on it.
 */
template <class O>
Factorized factorize_strings(const O* offsets, const char* data, std::int64_t data_size, const std::uint8_t* valid,
                             std::int64_t n, const std::string& name, int workers = 1);

/**
 * @brief The codes of several key columns' combined keys (each column already factorised in
 * key order): lexicographic key order, one key per observed combination.
 * Throws `input_error` when the columns' lengths differ.
 */
Factorized combine_factorized(std::vector<Factorized> columns);

}  // namespace detail
}  // namespace servscore
