// Group keys: the key table (open addressing) and the factorisation of key columns.
#include "servscore/detail/group_keys.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {
namespace {

constexpr std::uint32_t kVersion = 1;
constexpr char kMagic[4] = {'S', 'S', 'G', 'K'};

inline std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline std::uint64_t hash_bytes(const char* p, std::size_t n) {
  // Two independent multiply lanes over 16-byte blocks, then mixed: quick for the short
  // strings keys usually are (and for numpy's wide fixed-width cells).
  std::uint64_t h1 = 0xcbf29ce484222325ULL ^ n, h2 = 0x84222325cbf29ce4ULL;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    std::uint64_t w1, w2;
    std::memcpy(&w1, p + i, 8);
    std::memcpy(&w2, p + i + 8, 8);
    h1 = (h1 ^ w1) * 0x9e3779b97f4a7c15ULL;
    h2 = (h2 ^ w2) * 0xc2b2ae3d27d4eb4fULL;
    h1 ^= h1 >> 29;
    h2 ^= h2 >> 31;
  }
  std::uint64_t w1 = 0, w2 = 0;
  const std::size_t rest = n - i;
  if (rest > 8) {
    std::memcpy(&w1, p + i, 8);
    std::memcpy(&w2, p + i + 8, rest - 8);
  } else if (rest > 0) {
    std::memcpy(&w1, p + i, rest);
  }
  h1 = (h1 ^ w1) * 0x9e3779b97f4a7c15ULL;
  h2 = (h2 ^ w2) * 0xc2b2ae3d27d4eb4fULL;
  return mix(h1 ^ (h2 >> 1) ^ (h2 << 63));
}

// A double that is a whole number in int64's range, as that integer (so 1.0 hashes and equals as 1).
inline bool as_int(double d, std::int64_t& out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  const auto t = static_cast<std::int64_t>(d);
  if (static_cast<double>(t) != d) return false;
  out = t;
  return true;
}

std::uint64_t hash_value(const KeyValue& v) {
  switch (v.index()) {
    case 0:
      return 0x9e3779b97f4a7c15ULL;
    case 1:
      return mix(static_cast<std::uint64_t>(std::get<1>(v)));
    case 2: {
      const double d = std::get<2>(v);
      std::int64_t i;
      if (as_int(d, i)) return mix(static_cast<std::uint64_t>(i));
      std::uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return mix(bits ^ 0x5555555555555555ULL);
    }
    default: {
      const std::string& s = std::get<3>(v);
      return hash_bytes(s.data(), s.size());
    }
  }
}

// -1, 0, 1 comparing an integer with a double (exactly; no rounding of the integer).
int compare_int_double(std::int64_t i, double d) {
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  const auto t = static_cast<std::int64_t>(d);  // truncation towards zero
  if (i < t) return -1;
  if (i > t) return 1;
  const double frac = d - static_cast<double>(t);
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

int rank_of(const KeyValue& v) {
  return v.index() == 0 ? 2 : v.index() == 3 ? 1 : 0;
}

void put_u32(std::string& out, std::uint32_t x) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((x >> (8 * b)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t x) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((x >> (8 * b)) & 0xff));
}

struct Reader {
  std::string_view& in;
  void need(std::size_t k, const char* what) const {
    if (in.size() < k)
      throw input_error(std::string("group keys image: truncated (") + what + ": " + std::to_string(k) +
                        " byte(s) needed, " + std::to_string(in.size()) + " left)");
  }
  std::uint64_t uint(int bytes, const char* what) {
    need(static_cast<std::size_t>(bytes), what);
    std::uint64_t x = 0;
    for (int b = 0; b < bytes; ++b) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[b])) << (8 * b);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return x;
  }
  std::string text(const char* what) {
    const auto len = static_cast<std::size_t>(uint(4, what));
    need(len, what);
    std::string s(in.substr(0, len));
    in.remove_prefix(len);
    return s;
  }
};

std::string describe(const std::vector<std::string>& names) {
  std::string s = "[";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

}  // namespace

KeyValue normalize_key_value(KeyValue v) {
  if (v.index() == 2) {
    const double d = std::get<2>(v);
    if (std::isnan(d)) return std::monostate{};
    if (d == 0.0) return 0.0;  // -0.0 -> 0.0
  }
  return v;
}

bool key_value_equal(const KeyValue& a, const KeyValue& b) {
  if (a.index() == b.index()) {
    switch (a.index()) {
      case 0:
        return true;
      case 1:
        return std::get<1>(a) == std::get<1>(b);
      case 2: {
        const double x = std::get<2>(a), y = std::get<2>(b);
        return x == y || (std::isnan(x) && std::isnan(y));
      }
      default:
        return std::get<3>(a) == std::get<3>(b);
    }
  }
  if (a.index() == 1 && b.index() == 2) return compare_int_double(std::get<1>(a), std::get<2>(b)) == 0;
  if (a.index() == 2 && b.index() == 1) return compare_int_double(std::get<1>(b), std::get<2>(a)) == 0;
  if (a.index() == 0) return b.index() == 2 && std::isnan(std::get<2>(b));
  if (b.index() == 0) return a.index() == 2 && std::isnan(std::get<2>(a));
  return false;
}

int key_value_compare(const KeyValue& a, const KeyValue& b) {
  const int ra = rank_of(a), rb = rank_of(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 2) return 0;
  if (ra == 1) {
    const int c = std::get<3>(a).compare(std::get<3>(b));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.index() == 1 && b.index() == 1) {
    const auto x = std::get<1>(a), y = std::get<1>(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.index() == 2 && b.index() == 2) {
    const double x = std::get<2>(a), y = std::get<2>(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.index() == 1) return compare_int_double(std::get<1>(a), std::get<2>(b));
  return -compare_int_double(std::get<1>(b), std::get<2>(a));
}

// ------------------------------------------------------------------ GroupKeys

GroupKeys::GroupKeys(std::vector<std::string> names) : names_(std::move(names)), slots_(16, -1) {}

const GroupKey& GroupKeys::key(std::int32_t code) const {
  if (code < 0 || code >= size())
    throw input_error("group keys: code " + std::to_string(code) + " out of range; expected [0, " +
                      std::to_string(size()) + ")");
  return keys_[static_cast<std::size_t>(code)];
}

std::uint64_t GroupKeys::hash_of(const GroupKey& k) const {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  for (const KeyValue& v : k) h = mix(h ^ hash_value(v)) + 0x9e3779b97f4a7c15ULL;
  return h;
}

std::int64_t GroupKeys::slot_of(const GroupKey& k, std::uint64_t h) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = h & mask;; s = (s + 1) & mask) {
    const std::int32_t c = slots_[s];
    if (c < 0) return -static_cast<std::int64_t>(s) - 1;
    const auto cu = static_cast<std::size_t>(c);
    if (hashes_[cu] != h) continue;
    const GroupKey& other = keys_[cu];
    bool same = true;
    for (std::size_t j = 0; j < k.size() && same; ++j) same = key_value_equal(k[j], other[j]);
    if (same) return static_cast<std::int64_t>(s);
  }
}

void GroupKeys::grow() {
  std::vector<std::int32_t> slots(slots_.size() * 2, -1);
  const std::size_t mask = slots.size() - 1;
  for (std::size_t c = 0; c < keys_.size(); ++c) {
    std::size_t s = hashes_[c] & mask;
    while (slots[s] >= 0) s = (s + 1) & mask;
    slots[s] = static_cast<std::int32_t>(c);
  }
  slots_.swap(slots);
}

void GroupKeys::reserve(std::size_t n) {
  keys_.reserve(n);
  hashes_.reserve(n);
  while (slots_.size() < 2 * n) grow();
}

std::int32_t GroupKeys::insert(const GroupKey& k) {
  if (static_cast<int>(k.size()) != width())
    throw input_error("group keys: a key of " + std::to_string(k.size()) + " value(s) for " + std::to_string(width()) +
                      " key column(s) " + describe(names_));
  GroupKey norm;
  norm.reserve(k.size());
  for (const KeyValue& v : k) norm.push_back(normalize_key_value(v));
  const std::uint64_t h = hash_of(norm);
  const std::int64_t s = slot_of(norm, h);
  if (s >= 0) return slots_[static_cast<std::size_t>(s)];
  if (keys_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw input_error("group keys: more than 2^31 - 1 distinct keys");
  const auto code = static_cast<std::int32_t>(keys_.size());
  keys_.push_back(std::move(norm));
  hashes_.push_back(h);
  slots_[static_cast<std::size_t>(-s - 1)] = code;
  if (keys_.size() * 2 > slots_.size()) grow();
  return code;
}

std::optional<std::int32_t> GroupKeys::find(const GroupKey& k) const {
  if (static_cast<int>(k.size()) != width()) return std::nullopt;
  GroupKey norm;
  norm.reserve(k.size());
  for (const KeyValue& v : k) norm.push_back(normalize_key_value(v));
  const std::int64_t s = slot_of(norm, hash_of(norm));
  if (s < 0) return std::nullopt;
  return slots_[static_cast<std::size_t>(s)];
}

std::vector<std::int32_t> GroupKeys::merge(const GroupKeys& other) {
  if (other.names_ != names_)
    throw input_error("group keys: cannot merge keys of columns " + describe(other.names_) + " into keys of columns " +
                      describe(names_) + "; both must group by the same columns");
  std::vector<std::int32_t> map(other.keys_.size());
  reserve(keys_.size() + other.keys_.size());
  for (std::size_t c = 0; c < other.keys_.size(); ++c) map[c] = insert(other.keys_[c]);
  return map;
}

std::vector<std::int32_t> GroupKeys::sorted_codes() const {
  std::vector<std::int32_t> order(keys_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    const GroupKey& x = keys_[static_cast<std::size_t>(a)];
    const GroupKey& y = keys_[static_cast<std::size_t>(b)];
    for (std::size_t j = 0; j < x.size(); ++j) {
      const int c = key_value_compare(x[j], y[j]);
      if (c != 0) return c < 0;
    }
    return false;
  });
  return order;
}

void GroupKeys::write(std::string& out) const {
  out.append(kMagic, 4);
  put_u32(out, kVersion);
  put_u32(out, static_cast<std::uint32_t>(names_.size()));
  for (const std::string& s : names_) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out += s;
  }
  put_u32(out, static_cast<std::uint32_t>(keys_.size()));
  for (const GroupKey& k : keys_) {
    for (const KeyValue& v : k) {
      out.push_back(static_cast<char>(v.index()));
      if (v.index() == 1) {
        put_u64(out, static_cast<std::uint64_t>(std::get<1>(v)));
      } else if (v.index() == 2) {
        std::uint64_t bits;
        const double d = std::get<2>(v);
        std::memcpy(&bits, &d, 8);
        put_u64(out, bits);
      } else if (v.index() == 3) {
        put_u32(out, static_cast<std::uint32_t>(std::get<3>(v).size()));
        out += std::get<3>(v);
      }
    }
  }
}

GroupKeys GroupKeys::read(std::string_view& in) {
  Reader r{in};
  r.need(4, "magic");
  if (std::memcmp(in.data(), kMagic, 4) != 0) throw input_error("group keys image: bad magic (expected 'SSGK')");
  in.remove_prefix(4);
  const auto version = static_cast<std::uint32_t>(r.uint(4, "version"));
  if (version != kVersion)
    throw input_error("group keys image: version " + std::to_string(version) + "; this build reads version " +
                      std::to_string(kVersion));
  const auto width = static_cast<std::size_t>(r.uint(4, "width"));
  if (width > in.size() / 4)
    throw input_error("group keys image: " + std::to_string(width) + " key columns declared, but only " +
                      std::to_string(in.size()) + " byte(s) left");
  std::vector<std::string> names;
  names.reserve(width);
  for (std::size_t j = 0; j < width; ++j) names.push_back(r.text("column name"));
  const auto size = static_cast<std::size_t>(r.uint(4, "key count"));
  // every value takes at least one byte (its tag); a width-0 table holds at most one key (the empty one)
  if ((width == 0 && size > 1) || (width > 0 && size > in.size() / width))
    throw input_error("group keys image: " + std::to_string(size) + " keys of " + std::to_string(width) +
                      " value(s) declared, but only " + std::to_string(in.size()) + " byte(s) left");
  GroupKeys keys(std::move(names));
  keys.reserve(size);
  GroupKey k(width);
  for (std::size_t c = 0; c < size; ++c) {
    for (std::size_t j = 0; j < width; ++j) {
      const auto tag = r.uint(1, "value tag");
      switch (tag) {
        case 0:
          k[j] = std::monostate{};
          break;
        case 1:
          k[j] = static_cast<std::int64_t>(r.uint(8, "integer"));
          break;
        case 2: {
          const std::uint64_t bits = r.uint(8, "double");
          double d;
          std::memcpy(&d, &bits, 8);
          if (std::isnan(d) || (d == 0.0 && std::signbit(d)))
            throw input_error("group keys image: key " + std::to_string(c) +
                              " holds a NaN or -0.0 double (missing values are tag 0, zero is +0.0)");
          k[j] = d;
          break;
        }
        case 3:
          k[j] = r.text("string");
          break;
        default:
          throw input_error("group keys image: key " + std::to_string(c) + ": unknown value tag " +
                            std::to_string(tag) + "; expected 0-3");
      }
    }
    if (keys.insert(k) != static_cast<std::int32_t>(c))
      throw input_error("group keys image: key " + std::to_string(c) + " repeats an earlier key");
  }
  return keys;
}

bool GroupKeys::operator==(const GroupKeys& o) const {
  if (names_ != o.names_ || keys_.size() != o.keys_.size()) return false;
  for (std::size_t c = 0; c < keys_.size(); ++c)
    for (std::size_t j = 0; j < keys_[c].size(); ++j) {
      const KeyValue &a = keys_[c][j], &b = o.keys_[c][j];
      if (a.index() != b.index()) return false;
      if (a.index() == 2) {
        if (std::memcmp(&std::get<2>(a), &std::get<2>(b), 8) != 0) return false;
      } else if (!(a == b)) {
        return false;
      }
    }
  return true;
}

// ------------------------------------------------------------------ factorisation

namespace detail {

void sort_factorized(Factorized& f) {
  const std::vector<std::int32_t> order = f.keys.sorted_codes();
  bool identity = true;
  for (std::size_t i = 0; i < order.size() && identity; ++i) identity = order[i] == static_cast<std::int32_t>(i);
  if (identity) return;
  std::vector<std::int32_t> rank(order.size());
  GroupKeys sorted(f.keys.names());
  sorted.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    rank[static_cast<std::size_t>(order[i])] = static_cast<std::int32_t>(i);
    sorted.insert(f.keys.key(order[i]));
  }
  for (std::int32_t& c : f.codes) c = rank[static_cast<std::size_t>(c)];
  f.keys = std::move(sorted);
}

namespace {

// Open-addressing map from 64-bit words to first-appearance codes.
class WordMap {
 public:
  WordMap() : slots_(64, -1) {}
  std::int32_t get(std::uint64_t w) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t s = mix(w) & mask;; s = (s + 1) & mask) {
      const std::int32_t c = slots_[s];
      if (c < 0) {
        const auto code = static_cast<std::int32_t>(words_.size());
        slots_[s] = code;
        words_.push_back(w);
        if (words_.size() * 2 > slots_.size()) rehash();
        return code;
      }
      if (words_[static_cast<std::size_t>(c)] == w) return c;
    }
  }
  const std::vector<std::uint64_t>& words() const { return words_; }

 private:
  void rehash() {
    std::vector<std::int32_t> slots(slots_.size() * 2, -1);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t c = 0; c < words_.size(); ++c) {
      std::size_t s = mix(words_[c]) & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = static_cast<std::int32_t>(c);
    }
    slots_.swap(slots);
  }
  std::vector<std::int32_t> slots_;
  std::vector<std::uint64_t> words_;
};

template <class T>
KeyValue value_of(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
    // a double would merge neighbouring ids (2^63 + 5 and 2^63 + 6): refuse instead
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw input_error("group keys: unsigned key " + std::to_string(v) + " is beyond the int64 range of keys");
    return static_cast<std::int64_t>(v);
  } else {
    return static_cast<std::int64_t>(v);
  }
}

// Integers (or whole-number doubles) in a small range: a direct table, codes in value order.
template <class T>
bool direct_table(const T* data, std::int64_t n, std::int64_t lo, std::int64_t hi, bool has_nan,
                  const std::string& name, Factorized& out) {
  const std::int64_t range = hi - lo + 1;
  std::vector<std::int32_t> table(static_cast<std::size_t>(range) + 1, 0);  // last slot: missing
  const std::size_t miss = static_cast<std::size_t>(range);
  auto slot = [&](T v) -> std::size_t {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) return miss;
    }
    return static_cast<std::size_t>(static_cast<std::int64_t>(v) - lo);
  };
  for (std::int64_t i = 0; i < n; ++i) table[slot(data[i])] = 1;
  GroupKeys keys({name});
  std::int32_t next = 0;
  for (std::size_t s = 0; s < table.size(); ++s) {
    if (!table[s]) continue;
    table[s] = next++;
    if (s == miss) {
      keys.insert({std::monostate{}});
    } else if constexpr (std::is_floating_point_v<T>) {
      keys.insert({static_cast<double>(lo + static_cast<std::int64_t>(s))});
    } else {
      keys.insert({static_cast<std::int64_t>(lo + static_cast<std::int64_t>(s))});
    }
  }
  (void)has_nan;
  out.codes.resize(static_cast<std::size_t>(n));
  std::int32_t* codes = out.codes.data();
  for (std::int64_t i = 0; i < n; ++i) codes[i] = table[slot(data[i])];
  out.keys = std::move(keys);
  return true;
}

}  // namespace

template <class T>
Factorized factorize_numbers(const T* data, std::int64_t n, const std::string& name) {
  Factorized out{{}, GroupKeys({name})};
  if (n == 0) return out;
  // A small range of whole numbers: a direct table (no hashing), codes already in order.
  constexpr std::int64_t kDirect = std::int64_t(1) << 20;
  bool whole = true, has_nan = false;
  std::int64_t lo = 0, hi = 0;
  if constexpr (std::is_floating_point_v<T>) {
    double mn = std::numeric_limits<double>::infinity(), mx = -mn;
    bool frac = false;
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(data[i]);
      const bool nan = std::isnan(v);
      has_nan |= nan;
      if (!nan) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
        frac |= v != std::floor(v);
      }
    }
    whole = !frac && (mx >= mn ? (mn > -4e15 && mx < 4e15 && mx - mn < static_cast<double>(kDirect) &&
                                  mx - mn < 4.0 * static_cast<double>(n) + 1024)
                               : true);
    if (whole) {
      lo = mx >= mn ? static_cast<std::int64_t>(mn) : 0;
      hi = mx >= mn ? static_cast<std::int64_t>(mx) : -1;
    }
  } else if constexpr (sizeof(T) <= 2) {
    T mn = data[0], mx = data[0];
    for (std::int64_t i = 1; i < n; ++i) {
      mn = std::min(mn, data[i]);
      mx = std::max(mx, data[i]);
    }
    lo = mn;
    hi = mx;
  } else {
    T mn = data[0], mx = data[0];
    for (std::int64_t i = 1; i < n; ++i) {
      mn = std::min(mn, data[i]);
      mx = std::max(mx, data[i]);
    }
    const bool fits =
        static_cast<std::uint64_t>(mx) <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        std::is_signed_v<T>;
    if (fits) {
      lo = static_cast<std::int64_t>(mn);
      hi = static_cast<std::int64_t>(mx);
      // the range as unsigned: hi - lo may overflow int64
      const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
      whole = span < static_cast<std::uint64_t>(kDirect) && span < static_cast<std::uint64_t>(n) * 4 + 1024;
    } else {
      whole = false;
    }
  }
  if (whole) {
    direct_table(data, n, lo, hi, has_nan, name, out);
    return out;
  }
  // Otherwise a hash table of the values' bits, first-appearance codes, then sorted.
  WordMap map;
  out.codes.resize(static_cast<std::size_t>(n));
  std::int32_t* codes = out.codes.data();
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint64_t w;
    if constexpr (std::is_floating_point_v<T>) {
      double v = static_cast<double>(data[i]);
      if (std::isnan(v)) {
        w = 0x7ff8000000000000ULL;  // one word for every NaN
      } else {
        if (v == 0.0) v = 0.0;
        std::memcpy(&w, &v, 8);
      }
    } else {
      w = static_cast<std::uint64_t>(data[i]);
    }
    codes[i] = map.get(w);
  }
  GroupKeys keys({name});
  keys.reserve(map.words().size());
  for (std::uint64_t w : map.words()) {
    if constexpr (std::is_floating_point_v<T>) {
      double v;
      std::memcpy(&v, &w, 8);
      keys.insert({normalize_key_value(v)});
    } else {
      keys.insert({value_of(static_cast<T>(w))});
    }
  }
  out.keys = std::move(keys);
  sort_factorized(out);
  return out;
}

template <class I>
Factorized factorize_dictionary(const I* index, std::int64_t n, const std::vector<KeyValue>& categories,
                                bool category_order, const std::string& name) {
  // Keys of the categories (duplicates and missing categories fold together), then the rows
  // map through them: one table look-up per row, no hashing.
  GroupKeys all({name});
  const auto n_cat = static_cast<std::int64_t>(categories.size());
  std::vector<std::int32_t> cat_code(static_cast<std::size_t>(n_cat) + 1);
  for (std::int64_t c = 0; c < n_cat; ++c) cat_code[static_cast<std::size_t>(c)] = all.insert({categories[c]});
  cat_code[static_cast<std::size_t>(n_cat)] = all.insert({std::monostate{}});  // negative index
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(all.size()), 0);
  std::int64_t bad = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int64_t>(index[i]);
    if (k >= n_cat) {
      bad = i;
      break;
    }
    seen[static_cast<std::size_t>(cat_code[static_cast<std::size_t>(k < 0 ? n_cat : k)])] = 1;
  }
  if (bad >= 0)
    throw input_error("by: column '" + name + "', row " + std::to_string(bad) + ": category code " +
                      std::to_string(static_cast<std::int64_t>(index[bad])) + " out of range; expected < " +
                      std::to_string(n_cat));
  // order of the observed keys: by category position, or by value; missing last
  std::vector<std::int32_t> order;
  if (category_order) {
    for (std::int32_t c = 0; c < all.size(); ++c)
      if (seen[static_cast<std::size_t>(c)] && all.key(c)[0].index() != 0) order.push_back(c);
    for (std::int32_t c = 0; c < all.size(); ++c)
      if (seen[static_cast<std::size_t>(c)] && all.key(c)[0].index() == 0) order.push_back(c);
  } else {
    for (std::int32_t c : all.sorted_codes())
      if (seen[static_cast<std::size_t>(c)]) order.push_back(c);
  }
  Factorized out{{}, GroupKeys({name})};
  std::vector<std::int32_t> rank(static_cast<std::size_t>(all.size()), -1);
  for (std::size_t r = 0; r < order.size(); ++r) {
    rank[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
    out.keys.insert(all.key(order[r]));
  }
  std::vector<std::int32_t> row_code(cat_code.size());
  for (std::size_t c = 0; c < cat_code.size(); ++c) row_code[c] = rank[static_cast<std::size_t>(cat_code[c])];
  out.codes.resize(static_cast<std::size_t>(n));
  std::int32_t* codes = out.codes.data();
  const std::int32_t* rc = row_code.data();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int64_t>(index[i]);
    codes[i] = rc[k < 0 ? n_cat : k];
  }
  return out;
}

namespace {

// Rows of strings (as bytes) to sorted codes. Strings of up to 16 bytes are compared by their
// padded bytes and length, held in the table itself (no second look at the data); longer ones by
// a hash and the bytes of their first row. Chunks of rows are factorised by separate threads
// into local tables, which are then folded in chunk order: the codes (in key order) do not
// depend on the number of threads.
struct Cell {
  std::uint64_t a = 0, b = 0;  // bytes 0-7 and 8-15 (short strings), or hash and bytes 0-7 (long)
  std::uint32_t len = 0;
  std::int64_t row = 0;  // first row holding it
};

inline std::uint64_t load_bytes(const char* p, std::size_t k) {  // k <= 8 bytes, zero padded
  std::uint64_t w = 0;
  std::memcpy(&w, p, k);
  return w;
}

template <class Get>
inline Cell cell_of(const Get& get, std::int64_t i) {
  const char* p;
  std::size_t len;
  bool room;  // 16 bytes may be read from p
  get(i, p, len, room);
  Cell c;
  c.len = static_cast<std::uint32_t>(len);
  c.row = i;
  if (len <= 16) {
    if (room) {
      std::uint64_t a, b;
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + 8, 8);
      const std::size_t la = len < 8 ? len : 8, lb = len > 8 ? len - 8 : 0;
      c.a = la == 8 ? a : (a & ((std::uint64_t(1) << (8 * la)) - 1));
      c.b = lb == 8 ? b : (b & ((std::uint64_t(1) << (8 * lb)) - 1));
    } else {
      c.a = load_bytes(p, len < 8 ? len : 8);
      c.b = len > 8 ? load_bytes(p + 8, len - 8) : 0;
    }
  } else {
    c.a = hash_bytes(p, len);
    c.b = load_bytes(p, 8);
  }
  return c;
}

inline std::uint64_t cell_hash(const Cell& c) {
  // two independent multiplies (a full mix per row costs more than the table look-up)
  const std::uint64_t h = (c.a ^ c.len) * 0x9e3779b97f4a7c15ULL + c.b * 0xc2b2ae3d27d4eb4fULL;
  return h ^ (h >> 31);
}

template <class Get>
class CellTable {
 public:
  explicit CellTable(const Get& get) : get_(get), slots_(64, -1) {}
  std::int32_t code(const Cell& c) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t s = cell_hash(c) & mask;; s = (s + 1) & mask) {
      const std::int32_t k = slots_[s];
      if (k < 0) {
        const auto code = static_cast<std::int32_t>(cells_.size());
        slots_[s] = code;
        cells_.push_back(c);
        if (cells_.size() * 2 > slots_.size()) rehash();
        return code;
      }
      if (same(cells_[static_cast<std::size_t>(k)], c)) return k;
    }
  }
  const std::vector<Cell>& cells() const { return cells_; }

 private:
  bool same(const Cell& x, const Cell& y) const {
    if (x.a != y.a || x.b != y.b || x.len != y.len) return false;
    if (x.len <= 16) return true;
    const char *p, *q;
    std::size_t lp, lq;
    bool room;
    get_(x.row, p, lp, room);
    get_(y.row, q, lq, room);
    return std::memcmp(p, q, lp) == 0;
  }
  void rehash() {
    std::vector<std::int32_t> slots(slots_.size() * 2, -1);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t k = 0; k < cells_.size(); ++k) {
      std::size_t s = cell_hash(cells_[k]) & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = static_cast<std::int32_t>(k);
    }
    slots_.swap(slots);
  }
  const Get& get_;
  std::vector<std::int32_t> slots_;
  std::vector<Cell> cells_;
};

// `valid(i)`: false for a missing row. `key(row)`: the key value of the string in `row`.
template <class Get, class Valid, class Key>
Factorized factorize_cells(std::int64_t n, int workers, const Get& get, const Valid& valid, const Key& key,
                           const std::string& name) {
  Factorized out{std::vector<std::int32_t>(static_cast<std::size_t>(n)), GroupKeys({name})};
  constexpr std::int32_t kMissing = -1;
  const int t =
      static_cast<int>(std::min<std::int64_t>(resolve_workers(workers), std::max<std::int64_t>(1, n / 65536)));
  std::vector<CellTable<Get>> tables;
  tables.reserve(static_cast<std::size_t>(t));
  for (int w = 0; w < t; ++w) tables.emplace_back(get);
  std::int32_t* codes = out.codes.data();
  std::vector<char> missing(static_cast<std::size_t>(t), 0);
  parallel_for(n, t, 1, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    CellTable<Get>& tab = tables[static_cast<std::size_t>(w)];
    bool any = false;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const bool ok = valid(i);
      any |= !ok;
      codes[i] = ok ? tab.code(cell_of(get, i)) : kMissing;
    }
    missing[static_cast<std::size_t>(w)] = any;
  });
  // fold the local tables in chunk order, then one pass maps local codes to sorted codes
  CellTable<Get> all(get);
  std::vector<std::vector<std::int32_t>> to_all(static_cast<std::size_t>(t));
  for (int w = 0; w < t; ++w)
    for (const Cell& c : tables[static_cast<std::size_t>(w)].cells())
      to_all[static_cast<std::size_t>(w)].push_back(all.code(c));
  out.keys.reserve(all.cells().size() + 1);
  for (const Cell& c : all.cells()) out.keys.insert({key(c.row)});
  const auto miss = static_cast<std::int32_t>(all.cells().size());
  const bool any_missing = std::find(missing.begin(), missing.end(), 1) != missing.end();
  if (any_missing) out.keys.insert({std::monostate{}});
  const std::vector<std::int32_t> order = out.keys.sorted_codes();
  std::vector<std::int32_t> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    rank[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
  GroupKeys sorted({name});
  sorted.reserve(order.size());
  for (std::int32_t c : order) sorted.insert(out.keys.key(c));
  out.keys = std::move(sorted);
  const std::int32_t miss_rank = any_missing ? rank[static_cast<std::size_t>(miss)] : 0;
  parallel_for(n, t, 1, [&](std::ptrdiff_t b, std::ptrdiff_t e, int w) {
    std::vector<std::int32_t> lut(to_all[static_cast<std::size_t>(w)].size());
    for (std::size_t k = 0; k < lut.size(); ++k)
      lut[k] = rank[static_cast<std::size_t>(to_all[static_cast<std::size_t>(w)][k])];
    for (std::ptrdiff_t i = b; i < e; ++i)
      codes[i] = codes[i] == kMissing ? miss_rank : lut[static_cast<std::size_t>(codes[i])];
  });
  return out;
}

void append_utf8(std::string& s, char32_t c) {
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    s.push_back(static_cast<char>(0xc0 | (c >> 6)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    s.push_back(static_cast<char>(0xe0 | (c >> 12)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    s.push_back(static_cast<char>(0xf0 | (c >> 18)));
    s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

}  // namespace

Factorized factorize_utf32(const char32_t* data, std::int64_t n, std::int64_t width, const std::string& name,
                           int workers) {
  // Equal strings have equal NUL-padded cells: the cells are compared as bytes.
  const auto bytes = static_cast<std::size_t>(width) * 4;
  const char* base = reinterpret_cast<const char*>(data);
  const std::int64_t total = n * static_cast<std::int64_t>(bytes);
  auto get = [&](std::int64_t i, const char*& p, std::size_t& len, bool& room) {
    p = base + i * static_cast<std::int64_t>(bytes);
    len = bytes;
    room = (i * static_cast<std::int64_t>(bytes)) + 16 <= total;
  };
  auto valid = [](std::int64_t) { return true; };
  auto key = [&](std::int64_t row) {
    const char32_t* q = data + row * width;
    std::int64_t len = width;
    while (len > 0 && q[len - 1] == 0) --len;  // numpy strips trailing NULs
    std::string s;
    for (std::int64_t j = 0; j < len; ++j) {
      if (q[j] > 0x10ffff || (q[j] >= 0xd800 && q[j] <= 0xdfff))
        throw input_error("by: column '" + name + "', row " + std::to_string(row) + ": invalid code point " +
                          std::to_string(static_cast<std::uint32_t>(q[j])));
      append_utf8(s, q[j]);
    }
    return KeyValue(std::move(s));
  };
  return factorize_cells(n, workers, get, valid, key, name);
}

template <class O>
Factorized factorize_strings(const O* o, const char* d, std::int64_t dn, const std::uint8_t* v, std::int64_t n,
                             const std::string& name, int workers) {
  for (std::int64_t i = 0; i < n; ++i)
    if (o[i] < 0 || o[i] > o[i + 1] || static_cast<std::int64_t>(o[i + 1]) > dn)
      throw input_error("by: column '" + name + "': string offsets out of range at row " + std::to_string(i));
  auto get = [&](std::int64_t i, const char*& p, std::size_t& len, bool& room) {
    p = d + o[i];
    len = static_cast<std::size_t>(o[i + 1] - o[i]);
    room = static_cast<std::int64_t>(o[i]) + 16 <= dn;
  };
  auto valid = [&](std::int64_t i) { return v == nullptr || v[i] != 0; };
  auto key = [&](std::int64_t row) {
    return KeyValue(std::string(d + o[row], static_cast<std::size_t>(o[row + 1] - o[row])));
  };
  return factorize_cells(n, workers, get, valid, key, name);
}

Factorized combine_factorized(std::vector<Factorized> columns) {
  std::vector<std::string> names;
  for (const Factorized& f : columns)
    for (const std::string& s : f.keys.names()) names.push_back(s);
  if (columns.empty()) return Factorized{{}, GroupKeys(std::move(names))};
  if (columns.size() == 1) return std::move(columns[0]);
  const std::size_t n = columns[0].codes.size();
  for (const Factorized& f : columns)
    if (f.codes.size() != n)
      throw input_error("by: key columns of different lengths (" + std::to_string(columns[0].codes.size()) + " and " +
                        std::to_string(f.codes.size()) + " rows)");
  // Mixed-radix numbers of the per-column codes (each in key order) sort like the key tuples.
  bool fits = true;
  std::uint64_t space = 1;
  for (const Factorized& f : columns) {
    const auto k = static_cast<std::uint64_t>(std::max<std::int32_t>(f.keys.size(), 1));
    if (space > (std::uint64_t(1) << 62) / k) fits = false;
    space *= k;
  }
  Factorized out{std::vector<std::int32_t>(n), GroupKeys(names)};
  if (!fits) {  // an astronomical key space: combine two columns at a time
    Factorized acc = std::move(columns[0]);
    for (std::size_t j = 1; j < columns.size(); ++j) {
      std::vector<Factorized> two;
      two.push_back(std::move(acc));
      two.push_back(std::move(columns[j]));
      acc = combine_factorized(std::move(two));
    }
    return acc;
  }
  std::vector<std::uint64_t> stride(columns.size());
  std::uint64_t s = 1;
  for (std::size_t j = columns.size(); j-- > 0;) {
    stride[j] = s;
    s *= static_cast<std::uint64_t>(std::max<std::int32_t>(columns[j].keys.size(), 1));
  }
  std::vector<const std::int32_t*> col(columns.size());
  for (std::size_t j = 0; j < columns.size(); ++j) col[j] = columns[j].codes.data();
  const std::size_t m = columns.size();
  auto word_of = [&](std::size_t i) {
    std::uint64_t w = 0;
    for (std::size_t j = 0; j < m; ++j) w += static_cast<std::uint64_t>(col[j][i]) * stride[j];
    return w;
  };
  std::vector<std::uint64_t> uniques;
  if (space <= std::max<std::uint64_t>(std::uint64_t(1) << 16, 4 * static_cast<std::uint64_t>(n))) {
    // a direct table over the key space: two passes over the rows, no array of words
    std::vector<std::int32_t> table(static_cast<std::size_t>(space), 0);
    std::int32_t* t = table.data();
    if (m == 2) {
      const std::int32_t *c0 = col[0], *c1 = col[1];
      const auto s0 = static_cast<std::int64_t>(stride[0]);
      for (std::size_t i = 0; i < n; ++i) t[c0[i] * s0 + c1[i]] = 1;
    } else {
      for (std::size_t i = 0; i < n; ++i) t[word_of(i)] = 1;
    }
    std::int32_t next = 0;
    for (std::size_t w = 0; w < table.size(); ++w)
      if (table[w]) {
        table[w] = next++;
        uniques.push_back(w);
      }
    std::int32_t* codes = out.codes.data();
    if (m == 2) {
      const std::int32_t *c0 = col[0], *c1 = col[1];
      const auto s0 = static_cast<std::int64_t>(stride[0]);
      for (std::size_t i = 0; i < n; ++i) codes[i] = t[c0[i] * s0 + c1[i]];
    } else {
      for (std::size_t i = 0; i < n; ++i) codes[i] = t[word_of(i)];
    }
  } else {
    WordMap map;
    for (std::size_t i = 0; i < n; ++i) out.codes[i] = map.get(word_of(i));
    uniques = map.words();
    std::vector<std::int32_t> order(uniques.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
      return uniques[static_cast<std::size_t>(a)] < uniques[static_cast<std::size_t>(b)];
    });
    std::vector<std::int32_t> rank(order.size());
    std::vector<std::uint64_t> sorted(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) {
      rank[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
      sorted[r] = uniques[static_cast<std::size_t>(order[r])];
    }
    for (std::int32_t& c : out.codes) c = rank[static_cast<std::size_t>(c)];
    uniques.swap(sorted);
  }
  out.keys.reserve(uniques.size());
  GroupKey k(columns.size());
  for (std::uint64_t w : uniques) {
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const auto c = static_cast<std::int32_t>(
          (w / stride[j]) % static_cast<std::uint64_t>(std::max<std::int32_t>(columns[j].keys.size(), 1)));
      k[j] = columns[j].keys.key(c)[0];
    }
    out.keys.insert(k);
  }
  return out;
}

#define SERVSCORE_FACTORIZE(T) template Factorized factorize_numbers<T>(const T*, std::int64_t, const std::string&);
SERVSCORE_FACTORIZE(std::int8_t)
SERVSCORE_FACTORIZE(std::int16_t)
SERVSCORE_FACTORIZE(std::int32_t)
SERVSCORE_FACTORIZE(std::int64_t)
SERVSCORE_FACTORIZE(std::uint8_t)
SERVSCORE_FACTORIZE(std::uint16_t)
SERVSCORE_FACTORIZE(std::uint32_t)
SERVSCORE_FACTORIZE(std::uint64_t)
SERVSCORE_FACTORIZE(float)
SERVSCORE_FACTORIZE(double)
#undef SERVSCORE_FACTORIZE
#define SERVSCORE_DICTIONARY(I)                                                                           \
  template Factorized factorize_dictionary<I>(const I*, std::int64_t, const std::vector<KeyValue>&, bool, \
                                              const std::string&);
SERVSCORE_DICTIONARY(std::int8_t)
SERVSCORE_DICTIONARY(std::int16_t)
SERVSCORE_DICTIONARY(std::int32_t)
SERVSCORE_DICTIONARY(std::int64_t)
SERVSCORE_DICTIONARY(std::uint8_t)
SERVSCORE_DICTIONARY(std::uint16_t)
SERVSCORE_DICTIONARY(std::uint32_t)
#undef SERVSCORE_DICTIONARY
template Factorized factorize_strings<std::int32_t>(const std::int32_t*, const char*, std::int64_t, const std::uint8_t*,
                                                    std::int64_t, const std::string&, int);
template Factorized factorize_strings<std::int64_t>(const std::int64_t*, const char*, std::int64_t, const std::uint8_t*,
                                                    std::int64_t, const std::string&, int);

}  // namespace detail
}  // namespace servscore
