// Structural checks and value access for arrays received through the Arrow C Data Interface,
// in plain C++ (no Python), so that the Python readers (python/src/bind_arrow.cpp,
// bind_text.cpp) and the fuzz target tests/fuzz/fuzz_arrow.cpp share them.
//
// The C Data Interface carries raw buffer pointers without their sizes: what can be checked is
// the structure a producer declares. `check_array` refuses, with an input_error naming the
// column, every declaration that would make the readers read out of bounds if the producer's
// buffers have the sizes the specification implies for that declaration: negative or
// overflowing lengths and offsets, a null count beyond the length, fewer buffers than the
// format needs, a NULL buffer that will be read, schema and array with different children or
// dictionaries, offsets that decrease or start below 0, string views that point outside their
// variadic buffers (whose sizes are declared in the last buffer), nesting deeper than 64.
// Everything else about the values (dictionary indices, types changing between batches) is
// checked by the readers as they read.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "arrow_abi.hpp"
#include "servscore/errors.hpp"

namespace servscore::arrow {

/** Nesting limit of children and dictionaries (a stack-depth guard). */
inline constexpr int max_depth = 64;
/** Length + offset limit: far beyond any real array, and no index arithmetic can overflow. */
inline constexpr std::int64_t max_length = std::int64_t{1} << 48;

inline bool is_text_format(std::string_view f) {
  return f == "u" || f == "U" || f == "vu" || f == "z" || f == "Z" || f == "vz";
}

/** Bytes per value of a fixed-width format read by the readers (0 if not one of them). */
inline int fixed_width(std::string_view f) {
  if (f == "c" || f == "C") return 1;
  if (f == "s" || f == "S" || f == "e") return 2;
  if (f == "i" || f == "I" || f == "f" || f == "tdD" || f == "tts" || f == "ttm") return 4;
  if (f == "l" || f == "L" || f == "g" || f == "tdm" || f == "ttu" || f == "ttn") return 8;
  if (f.size() >= 3 && (f.substr(0, 2) == "ts" || f.substr(0, 2) == "tD")) return 8;  // timestamps, durations
  if (f.substr(0, 2) == "d:") return 16;  // decimal128 (decimal256 "d:p,s,256" is not read: see the readers)
  return 0;
}

/** Value i (relative to the array's offset) is not null. */
inline bool is_valid(const ArrowArray* a, std::int64_t i) {
  if (a->n_buffers < 1 || a->null_count == 0) return true;
  const auto* bitmap = static_cast<const std::uint8_t*>(a->buffers[0]);
  if (bitmap == nullptr) return true;
  const std::int64_t j = a->offset + i;
  return (bitmap[j >> 3] >> (j & 7)) & 1;
}

namespace detail {

[[noreturn]] inline void refuse(const std::string& what, const std::string& why) {
  throw input_error("arrow: " + what + ": " + why);
}

template <class Offset>
void check_offsets(const ArrowArray* a, const std::string& what) {
  const auto* off = static_cast<const Offset*>(a->buffers[1]);
  if (a->length == 0 && off == nullptr) return;
  if (off == nullptr) refuse(what, "the offsets buffer is NULL");
  const std::int64_t first = static_cast<std::int64_t>(off[a->offset]);
  if (first < 0) refuse(what, "offset " + std::to_string(first) + " of value 0 is negative");
  std::int64_t prev = first;
  for (std::int64_t i = 1; i <= a->length; ++i) {
    const std::int64_t next = static_cast<std::int64_t>(off[a->offset + i]);
    if (next < prev)
      refuse(what, "the offsets decrease at value " + std::to_string(i - 1) + " (" + std::to_string(prev) + " then " +
                       std::to_string(next) + ")");
    prev = next;
  }
  if (prev > first && a->buffers[2] == nullptr) refuse(what, "the data buffer is NULL");
}

// Value j of an offsets + data layout. An empty value never touches the data buffer, which may
// be NULL when every value is empty (found by the fuzz target: NULL + offset is undefined).
template <class Offset>
std::string_view slice(const Offset* off, const void* data, std::int64_t j) {
  const auto n = static_cast<std::size_t>(off[j + 1] - off[j]);
  if (n == 0) return std::string_view("", 0);
  return {static_cast<const char*>(data) + off[j], n};
}

inline void check_views(const ArrowArray* a, const std::string& what) {
  // buffers: validity, views, variadic data buffers..., then the int64 sizes of those buffers
  if (a->n_buffers < 3)
    refuse(what, "a string view array needs at least 3 buffers, got " + std::to_string(a->n_buffers));
  const std::int64_t n_data = a->n_buffers - 3;
  const auto* sizes = static_cast<const std::int64_t*>(a->buffers[a->n_buffers - 1]);
  if (n_data > 0 && sizes == nullptr) refuse(what, "the buffer of variadic sizes is NULL");
  const auto* views = static_cast<const std::uint8_t*>(a->buffers[1]);
  if (a->length > 0 && views == nullptr) refuse(what, "the views buffer is NULL");
  for (std::int64_t i = 0; i < a->length; ++i) {
    if (!is_valid(a, i)) continue;
    const std::uint8_t* v = views + 16 * (a->offset + i);
    std::int32_t len;
    std::memcpy(&len, v, 4);
    if (len < 0) refuse(what, "value " + std::to_string(i) + " has the negative length " + std::to_string(len));
    if (len <= 12) continue;
    std::int32_t buf, start;
    std::memcpy(&buf, v + 8, 4);
    std::memcpy(&start, v + 12, 4);
    if (buf < 0 || buf >= n_data)
      refuse(what, "value " + std::to_string(i) + " points to data buffer " + std::to_string(buf) + " of " +
                       std::to_string(n_data));
    if (a->buffers[2 + buf] == nullptr) refuse(what, "data buffer " + std::to_string(buf) + " is NULL");
    const std::int64_t size = sizes[buf];
    if (start < 0 || static_cast<std::int64_t>(start) + len > size)
      refuse(what, "value " + std::to_string(i) + " spans bytes [" + std::to_string(start) + ", " +
                       std::to_string(static_cast<std::int64_t>(start) + len) + ") of a data buffer of " +
                       std::to_string(size));
  }
}

}  // namespace detail

/**
 * Checks the declared structure of `a` (described by `s`) before anything is read; `what`
 * names the column in the error. Children of a struct are checked over the parent's slice.
 */
inline void check_array(const ArrowSchema* s, const ArrowArray* a, const std::string& what, int depth = 0) {
  using detail::refuse;
  if (s == nullptr || a == nullptr) refuse(what, "NULL schema or array");
  if (depth > max_depth) refuse(what, "nested deeper than " + std::to_string(max_depth) + " levels");
  if (s->format == nullptr) refuse(what, "the schema has no format");
  const std::string_view f = s->format;
  if (a->length < 0 || a->offset < 0 || a->length > max_length || a->offset > max_length)
    refuse(what, "length " + std::to_string(a->length) + " and offset " + std::to_string(a->offset) +
                     " must be in [0, 2^48]");
  if (a->null_count < -1 || a->null_count > a->length)
    refuse(what, "null count " + std::to_string(a->null_count) + " for length " + std::to_string(a->length));
  if (a->n_buffers < 0 || a->n_buffers > (std::int64_t{1} << 20) || (a->n_buffers > 0 && a->buffers == nullptr))
    refuse(what, "buffer list of " + std::to_string(a->n_buffers) + " entries is invalid");
  if (s->n_children < 0 || s->n_children != a->n_children)
    refuse(what,
           "the schema has " + std::to_string(s->n_children) + " children, the array " + std::to_string(a->n_children));
  if (a->n_children > 0 && (s->children == nullptr || a->children == nullptr))
    refuse(what, "the children list is NULL");
  if ((s->dictionary == nullptr) != (a->dictionary == nullptr))
    refuse(what, "the schema and the array disagree on a dictionary");
  const std::int64_t end = a->offset + a->length;
  const bool needs_bitmap = a->null_count != 0 && f != "n" && f.substr(0, 2) != "+u";
  auto need_buffers = [&](std::int64_t k) {
    if (a->n_buffers < k)
      refuse(what, "format '" + std::string(f) + "' needs " + std::to_string(k) + " buffers, got " +
                       std::to_string(a->n_buffers));
  };
  if (needs_bitmap) need_buffers(1);
  if (s->dictionary != nullptr) {  // indices in buffer 1, values in the dictionary
    const bool integer = f == "c" || f == "C" || f == "s" || f == "S" || f == "i" || f == "I" || f == "l" || f == "L";
    if (!integer) refuse(what, "dictionary index format '" + std::string(f) + "' is not an integer");
    need_buffers(2);
    if (a->length > 0 && a->buffers[1] == nullptr) refuse(what, "the index buffer is NULL");
    check_array(s->dictionary, a->dictionary, what + " (dictionary)", depth + 1);
    return;
  }
  if (f == "u" || f == "z") {
    need_buffers(3);
    detail::check_offsets<std::int32_t>(a, what);
  } else if (f == "U" || f == "Z") {
    need_buffers(3);
    detail::check_offsets<std::int64_t>(a, what);
  } else if (f == "vu" || f == "vz") {
    detail::check_views(a, what);
  } else if (f == "b" || fixed_width(f) > 0) {
    need_buffers(2);
    if (end > 0 && a->buffers[1] == nullptr) refuse(what, "the data buffer is NULL");
  }
  for (std::int64_t c = 0; c < a->n_children; ++c) {
    const ArrowSchema* cs = s->children[c];
    const ArrowArray* ca = a->children[c];
    if (cs == nullptr || ca == nullptr) refuse(what, "child " + std::to_string(c) + " is NULL");
    if (f == "+s" && ca->length < end)
      refuse(what, "child " + std::to_string(c) + " has " + std::to_string(ca->length) + " values, the struct " +
                       std::to_string(end));
    check_array(cs, ca, what + "." + (cs->name ? cs->name : std::to_string(c)), depth + 1);
  }
}

/** Value i of a checked string array (utf8, large utf8, utf8 view), or false if null. */
inline bool text_at(const ArrowSchema* s, const ArrowArray* a, std::int64_t i, std::string_view& out) {
  if (!is_valid(a, i)) return false;
  const std::string_view f = s->format;
  const std::int64_t j = a->offset + i;
  if (f == "u" || f == "z") {
    out = detail::slice(static_cast<const std::int32_t*>(a->buffers[1]), a->buffers[2], j);
  } else if (f == "U" || f == "Z") {
    out = detail::slice(static_cast<const std::int64_t*>(a->buffers[1]), a->buffers[2], j);
  } else if (f == "vu" || f == "vz") {
    const auto* view = static_cast<const std::uint8_t*>(a->buffers[1]) + 16 * j;
    std::int32_t len;
    std::memcpy(&len, view, 4);
    if (len <= 12) {
      out = {reinterpret_cast<const char*>(view + 4), static_cast<std::size_t>(len)};
    } else {
      std::int32_t buf, offset;
      std::memcpy(&buf, view + 8, 4);
      std::memcpy(&offset, view + 12, 4);
      out = {static_cast<const char*>(a->buffers[2 + buf]) + offset, static_cast<std::size_t>(len)};
    }
  } else {
    throw input_error("arrow: unsupported string format '" + std::string(f) + "'");
  }
  if (out.empty()) out = std::string_view("", 0);  // never a NULL data pointer, even for ""
  return true;
}

/** Index i of a checked dictionary-encoded array (the index type is the schema's format). */
inline std::int64_t index_at(const ArrowSchema* s, const ArrowArray* a, std::int64_t i) {
  const std::string_view f = s->format;
  const std::int64_t j = a->offset + i;
  const void* b = a->buffers[1];
  if (f == "c") return static_cast<const std::int8_t*>(b)[j];
  if (f == "C") return static_cast<const std::uint8_t*>(b)[j];
  if (f == "s") return static_cast<const std::int16_t*>(b)[j];
  if (f == "S") return static_cast<const std::uint16_t*>(b)[j];
  if (f == "i") return static_cast<const std::int32_t*>(b)[j];
  if (f == "I") return static_cast<const std::uint32_t*>(b)[j];
  if (f == "l") return static_cast<const std::int64_t*>(b)[j];
  if (f == "L") {
    const std::uint64_t v = static_cast<const std::uint64_t*>(b)[j];
    return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? -1 : static_cast<std::int64_t>(v);
  }
  throw input_error("arrow: unsupported dictionary index format '" + std::string(f) + "'");
}

}  // namespace servscore::arrow
