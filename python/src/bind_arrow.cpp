// Reading Arrow data through the Arrow C Data Interface (PyCapsule protocol), so that
// pyarrow tables, polars frames and any object with __arrow_c_stream__ or
// __arrow_c_array__ reach the engines without pyarrow or polars being required.
// Columns become numpy arrays: numbers float64 (NaN for nulls) or int64 when no nulls
// (uint64 when a uint64 value exceeds int64; with nulls, integers beyond 2^53, which a
// double cannot hold, become an object array of Python ints and None, so ids stay exact),
// booleans bool (object with None when nulls), strings object arrays (None for nulls),
// timestamps and dates datetime64 (UTC, NaT for nulls), durations and times of day
// timedelta64, decimals object arrays of decimal.Decimal. A column of any other type
// (lists, structs, maps, 256-bit decimals, ...) is kept as an object array of one
// `ArrowUnread` marker per value (None for nulls): a frame with such a column reads, and
// an engine that uses the column fails naming the value, instead of the whole frame
// being refused.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bind_util.hpp"

namespace py = pybind11;

#include "arrow_read.hpp"

namespace {

using servscore::input_error;

// One output column accumulated over the chunks of a stream.
struct Column {
  std::string name;
  enum Kind { number, integer, uinteger, boolean, text, temporal, objects } kind = number;
  std::vector<double> num;           // number, and integer/boolean until a null turns them into number/object
  std::vector<std::int64_t> ints;    // integer; temporal (INT64_MIN for NaT)
  std::vector<std::uint64_t> uints;  // uinteger (uint64 values)
  std::vector<signed char> bools;    // -1 null
  std::vector<signed char> nulls;    // integer / uinteger: 1 null (kept only when needed)
  py::list texts;                    // text, objects
  std::string temporal_dtype;        // numpy dtype of a temporal column: "datetime64[ms]", ...
  bool has_null = false;
  bool beyond_double = false;  // an integer a double cannot hold exactly (|v| > 2^53)
};

// A value of a column type servscore does not read (see the file comment).
struct ArrowUnread {
  std::string format;
};

using servscore::arrow::index_at;
using servscore::arrow::is_text_format;
using servscore::arrow::text_at;

bool valid(const ArrowArray* a, int64_t i) {
  return servscore::arrow::is_valid(a, i);
}

template <class T>
double get_num(const ArrowArray* a, int64_t i) {
  return static_cast<double>(static_cast<const T*>(a->buffers[1])[a->offset + i]);
}

// numpy dtype of an Arrow temporal format stored as int64 / int32 ticks, or "" if not temporal.
// Dates are days (date32) or ms (date64); timestamps carry their unit (and a time zone: the
// values are UTC either way); durations and times of day become timedeltas.
std::string temporal_dtype(const std::string& f, int& width) {
  width = 8;
  if (f == "tdD") return width = 4, "datetime64[D]";
  if (f == "tdm") return "datetime64[ms]";
  if (f.size() >= 4 && f.compare(0, 2, "ts") == 0 && f[3] == ':') {
    switch (f[2]) {
      case 's':
        return "datetime64[s]";
      case 'm':
        return "datetime64[ms]";
      case 'u':
        return "datetime64[us]";
      case 'n':
        return "datetime64[ns]";
      default:
        return "";
    }
  }
  if (f.size() == 3 && (f.compare(0, 2, "tD") == 0 || f.compare(0, 2, "tt") == 0)) {
    const bool time32 = f[1] == 't' && (f[2] == 's' || f[2] == 'm');
    if (time32) width = 4;
    switch (f[2]) {
      case 's':
        return "timedelta64[s]";
      case 'm':
        return "timedelta64[ms]";
      case 'u':
        return "timedelta64[us]";
      case 'n':
        return "timedelta64[ns]";
      default:
        return "";
    }
  }
  return "";
}

// Precision and scale of a 128-bit decimal format "d:P,S" or "d:P,S,128"; false otherwise.
bool decimal128_scale(const std::string& f, int& scale) {
  if (f.compare(0, 2, "d:") != 0) return false;
  const auto c1 = f.find(',', 2);
  if (c1 == std::string::npos) return false;
  const auto c2 = f.find(',', c1 + 1);
  if (c2 != std::string::npos && f.substr(c2 + 1) != "128") return false;
  try {
    scale = std::stoi(f.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1));
  } catch (const std::exception&) {
    return false;
  }
  return scale >= -100 && scale <= 100;
}

// Decimal text of a little-endian two's-complement 128-bit integer scaled by 10^-scale.
std::string decimal128_text(const unsigned char* p, int scale) {
  __extension__ typedef unsigned __int128 u128;  // GCC and Clang; -Wpedantic would warn
  u128 u = 0;
  for (int b = 15; b >= 0; --b) u = (u << 8) | p[b];
  const bool neg = (p[15] & 0x80) != 0;
  if (neg) u = ~u + 1;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  return std::string(neg ? "-" : "") + digits + "E" + std::to_string(-scale);
}

void append(Column& col, const ArrowSchema* s, const ArrowArray* a) {
  const std::string f = s->format;
  const int64_t n = a->length;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (s->dictionary != nullptr) {
    col.kind = Column::text;
    if (!is_text_format(s->dictionary->format))
      throw input_error("arrow: column '" + col.name + "': dictionary of '" + s->dictionary->format +
                        "' values is not supported; expected strings");
    std::vector<py::object> values;
    for (int64_t k = 0; k < a->dictionary->length; ++k) {
      std::string_view t;
      values.push_back(text_at(s->dictionary, a->dictionary, k, t) ? py::object(py::str(t.data(), t.size()))
                                                                   : py::object(py::none()));
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!valid(a, i)) {
        col.texts.append(py::none());
        continue;
      }
      const int64_t k = index_at(s, a, i);
      if (k < 0 || k >= static_cast<int64_t>(values.size()))
        throw input_error("arrow: column '" + col.name + "': dictionary index out of range");
      col.texts.append(values[static_cast<std::size_t>(k)]);
    }
    return;
  }
  if (is_text_format(f)) {
    col.kind = Column::text;
    for (int64_t i = 0; i < n; ++i) {
      std::string_view t;
      if (text_at(s, a, i, t)) {
        PyObject* o = PyUnicode_DecodeUTF8(t.data(), static_cast<Py_ssize_t>(t.size()), "replace");
        if (!o) throw py::error_already_set();
        col.texts.append(py::reinterpret_steal<py::object>(o));
      } else {
        col.texts.append(py::none());
      }
    }
    return;
  }
  if (f == "b") {
    col.kind = Column::boolean;
    const auto* bits = static_cast<const uint8_t*>(a->buffers[1]);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = a->offset + i;
      const bool ok = valid(a, i);
      col.has_null |= !ok;
      col.bools.push_back(ok ? static_cast<signed char>((bits[j >> 3] >> (j & 7)) & 1) : -1);
    }
    return;
  }
  int width = 8;
  if (const std::string dt = temporal_dtype(f, width); !dt.empty()) {
    if (!col.temporal_dtype.empty() && col.temporal_dtype != dt)
      throw input_error("arrow: column '" + col.name + "' changes type between batches");
    col.kind = Column::temporal;
    col.temporal_dtype = dt;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = a->offset + i;
      const bool ok = valid(a, i);
      col.has_null |= !ok;
      const int64_t v =
          width == 4 ? static_cast<const int32_t*>(a->buffers[1])[j] : static_cast<const int64_t*>(a->buffers[1])[j];
      col.ints.push_back(ok ? v : std::numeric_limits<int64_t>::min());
    }
    return;
  }
  if (int scale = 0; decimal128_scale(f, scale)) {
    col.kind = Column::objects;
    py::object decimal = py::module_::import("decimal").attr("Decimal");
    const auto* data = static_cast<const unsigned char*>(a->buffers[1]);
    for (int64_t i = 0; i < n; ++i)
      col.texts.append(valid(a, i) ? decimal(decimal128_text(data + 16 * (a->offset + i), scale))
                                   : py::object(py::none()));
    return;
  }
  double (*get)(const ArrowArray*, int64_t) = nullptr;
  bool integral = true;
  if (f == "c")
    get = get_num<int8_t>;
  else if (f == "C")
    get = get_num<uint8_t>;
  else if (f == "s")
    get = get_num<int16_t>;
  else if (f == "S")
    get = get_num<uint16_t>;
  else if (f == "i")
    get = get_num<int32_t>;
  else if (f == "I")
    get = get_num<uint32_t>;
  else if (f == "l")
    get = get_num<int64_t>;
  else if (f == "L")
    get = get_num<uint64_t>;
  else if (f == "f")
    get = get_num<float>, integral = false;
  else if (f == "g")
    get = get_num<double>, integral = false;
  else if (f == "n") {  // null type: all missing
    col.has_null = true;
    col.num.insert(col.num.end(), static_cast<std::size_t>(n), nan);
    return;
  } else {
    // kept, not read: an engine that uses the column meets the marker and names it
    col.kind = Column::objects;
    py::object marker = py::cast(ArrowUnread{f});
    for (int64_t i = 0; i < n; ++i) col.texts.append(valid(a, i) ? marker : py::object(py::none()));
    return;
  }
  if (col.kind == Column::uinteger && f != "L")
    throw input_error("arrow: column '" + col.name + "' changes type between batches");
  if (!integral) {
    col.kind = Column::number;
    for (int64_t i = 0; i < n; ++i) {
      const bool ok = valid(a, i);
      col.has_null |= !ok;
      col.num.push_back(ok ? get(a, i) : nan);
    }
    return;
  }
  if (f == "L") {  // uint64: exact, never through a double
    if (col.kind == Column::integer && !col.ints.empty())
      throw input_error("arrow: column '" + col.name + "' changes type between batches");
    col.kind = Column::uinteger;
    const auto* v = static_cast<const uint64_t*>(a->buffers[1]);
    for (int64_t i = 0; i < n; ++i) {
      const bool ok = valid(a, i);
      col.has_null |= !ok;
      const uint64_t x = ok ? v[a->offset + i] : 0;
      col.beyond_double |= x > (uint64_t{1} << 53);
      col.uints.push_back(x);
      col.nulls.push_back(ok ? 0 : 1);
    }
    return;
  }
  col.kind = Column::integer;
  constexpr int64_t exact = int64_t{1} << 53;
  for (int64_t i = 0; i < n; ++i) {
    const bool ok = valid(a, i);
    col.has_null |= !ok;
    const int64_t x = !ok        ? 0
                      : f == "l" ? static_cast<const int64_t*>(a->buffers[1])[a->offset + i]
                                 : static_cast<int64_t>(get(a, i));
    col.beyond_double |= x > exact || x < -exact;
    col.ints.push_back(x);
    col.nulls.push_back(ok ? 0 : 1);
  }
}

py::object object_array(const py::list& items) {
  py::object out = py::module_::import("numpy").attr("empty")(items.size(), py::arg("dtype") = "object");
  out.attr("__setitem__")(py::slice(0, static_cast<py::ssize_t>(items.size()), 1), items);
  return out;
}

// Integers with nulls: float64 with NaN when every value fits a double exactly, else Python
// ints and None (a double would round them).
template <class T>
py::object nullable_integers(const std::vector<T>& v, const Column& c) {
  if (c.beyond_double) {
    py::list l;
    for (std::size_t i = 0; i < v.size(); ++i)
      l.append(c.nulls[i] ? py::object(py::none()) : py::object(py::int_(v[i])));
    return object_array(l);
  }
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i)
    out.mutable_data()[i] = c.nulls[i] ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(v[i]);
  return std::move(out);
}

py::object finish(Column& c) {
  switch (c.kind) {
    case Column::text:
      return object_array(c.texts);
    case Column::boolean: {
      if (!c.has_null) {
        py::array_t<bool> out(static_cast<py::ssize_t>(c.bools.size()));
        for (std::size_t i = 0; i < c.bools.size(); ++i) out.mutable_data()[i] = c.bools[i] == 1;
        return std::move(out);
      }
      py::list l;
      for (auto b : c.bools) l.append(b < 0 ? py::object(py::none()) : py::object(py::bool_(b == 1)));
      return object_array(l);
    }
    case Column::integer:
      if (!c.has_null) return py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.ints.size()), c.ints.data());
      return nullable_integers(c.ints, c);
    case Column::uinteger: {
      if (c.has_null) return nullable_integers(c.uints, c);
      bool fits_int64 = true;
      for (auto v : c.uints) fits_int64 &= v <= static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max());
      if (!fits_int64) return py::array_t<std::uint64_t>(static_cast<py::ssize_t>(c.uints.size()), c.uints.data());
      py::array_t<std::int64_t> out(static_cast<py::ssize_t>(c.uints.size()));
      for (std::size_t i = 0; i < c.uints.size(); ++i) out.mutable_data()[i] = static_cast<std::int64_t>(c.uints[i]);
      return std::move(out);
    }
    case Column::temporal: {
      py::array_t<std::int64_t> ticks(static_cast<py::ssize_t>(c.ints.size()), c.ints.data());
      return ticks.attr("view")(c.temporal_dtype);
    }
    case Column::objects:
      return object_array(c.texts);
    case Column::number:
      return py::array_t<double>(static_cast<py::ssize_t>(c.num.size()), c.num.data());
  }
  return py::none();
}

struct SchemaGuard {
  ArrowSchema s{};
  ~SchemaGuard() {
    if (s.release) s.release(&s);
  }
};
struct ArrayGuard {
  ArrowArray a{};
  ~ArrayGuard() {
    if (a.release) a.release(&a);
  }
};

// Add one struct array (a record batch) or plain array to the columns.
void consume(const ArrowSchema* schema, const ArrowArray* array, std::vector<Column>& cols) {
  // the declared structure first: nothing is read before it is known to be in bounds
  servscore::arrow::check_array(schema, array, "record batch");
  const bool is_struct = std::string(schema->format) == "+s";
  if (is_struct && !cols.empty() && static_cast<int64_t>(cols.size()) != schema->n_children)
    throw input_error("arrow: the record batches have " + std::to_string(cols.size()) + " and " +
                      std::to_string(schema->n_children) + " columns");
  if (is_struct) {
    if (cols.empty())
      for (int64_t c = 0; c < schema->n_children; ++c) {
        Column col;
        col.name = schema->children[c]->name ? schema->children[c]->name : ("column" + std::to_string(c));
        cols.push_back(std::move(col));
      }
    if (array->offset != 0)
      for (int64_t c = 0; c < schema->n_children; ++c) {
        // A sliced record batch: apply the parent offset to each child through a shallow copy.
        ArrowArray child = *array->children[c];
        child.offset += array->offset;
        child.length = array->length;
        append(cols[static_cast<std::size_t>(c)], schema->children[c], &child);
      }
    else
      for (int64_t c = 0; c < schema->n_children; ++c)
        append(cols[static_cast<std::size_t>(c)], schema->children[c], array->children[c]);
  } else {
    if (cols.empty()) {
      Column col;
      col.name = schema->name && *schema->name ? schema->name : "values";
      cols.push_back(std::move(col));
    }
    append(cols[0], schema, array);
  }
}

py::dict to_dict(std::vector<Column>& cols) {
  py::dict out;
  for (auto& c : cols) out[py::str(c.name)] = finish(c);
  return out;
}

}  // namespace

void register_arrow(py::module_& m) {
  py::class_<ArrowUnread>(m, "ArrowUnread",
                          "A value of an Arrow column type servscore does not read (lists, structs, maps, ...): "
                          "kept so that the rest of the frame reads; an engine that uses the column names it.")
      .def_property_readonly("format", [](const ArrowUnread& u) { return u.format; })
      .def("__repr__", [](const ArrowUnread& u) {
        return "<Arrow value of type '" + u.format + "', which servscore does not read>";
      });
  m.def(
      "arrow_columns",
      [](const py::object& obj) {
        std::vector<Column> cols;
        if (py::hasattr(obj, "__arrow_c_stream__")) {
          py::capsule cap = obj.attr("__arrow_c_stream__")();
          auto* stream = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(cap.ptr(), "arrow_array_stream"));
          if (!stream) throw py::error_already_set();
          SchemaGuard schema;
          if (stream->get_schema(stream, &schema.s) != 0)
            throw input_error(std::string("arrow: cannot read the stream's schema: ") +
                              (stream->get_last_error(stream) ? stream->get_last_error(stream) : "unknown error"));
          while (true) {
            ArrayGuard batch;
            if (stream->get_next(stream, &batch.a) != 0)
              throw input_error(std::string("arrow: cannot read a batch: ") +
                                (stream->get_last_error(stream) ? stream->get_last_error(stream) : "unknown error"));
            if (batch.a.release == nullptr) break;  // end of stream
            consume(&schema.s, &batch.a, cols);
          }
          if (cols.empty()) {  // an empty stream still has its columns
            if (schema.s.format != nullptr && std::string(schema.s.format) == "+s")
              for (int64_t c = 0; c < schema.s.n_children; ++c) {
                Column col;
                if (schema.s.children == nullptr || schema.s.children[c] == nullptr)
                  throw input_error("arrow: the stream's schema has a NULL child " + std::to_string(c));
                const char* name = schema.s.children[c]->name;  // may be NULL (allowed by the spec)
                col.name = name ? name : ("column" + std::to_string(c));
                cols.push_back(std::move(col));
              }
          }
          return to_dict(cols);
        }
        if (py::hasattr(obj, "__arrow_c_array__")) {
          py::tuple caps = obj.attr("__arrow_c_array__")();
          auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(caps[0].ptr(), "arrow_schema"));
          auto* a = static_cast<ArrowArray*>(PyCapsule_GetPointer(caps[1].ptr(), "arrow_array"));
          if (!s || !a) throw py::error_already_set();
          consume(s, a, cols);  // the capsules release the structs
          return to_dict(cols);
        }
        throw input_error("arrow: the object has neither __arrow_c_stream__ nor __arrow_c_array__");
      },
      py::arg("obj"), "Columns of an Arrow-compatible object (PyCapsule interface) as a dict of numpy arrays.");
}
