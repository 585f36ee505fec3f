// Reading Arrow data through the Arrow C Data Interface (PyCapsule protocol), so that
// pyarrow tables, polars frames and any object with __arrow_c_stream__ or
// __arrow_c_array__ reach the engines without pyarrow or polars being required.
// Columns become numpy arrays: numbers float64 (NaN for nulls) or int64 when no nulls,
// booleans bool (object with None when nulls), strings object arrays (None for nulls).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bind_util.hpp"

namespace py = pybind11;

#include "arrow_abi.hpp"

namespace {

using servscore::input_error;

// One output column accumulated over the chunks of a stream.
struct Column {
  std::string name;
  enum Kind { number, integer, boolean, text } kind = number;
  std::vector<double> num;  // number, and integer/boolean until a null turns them into number/object
  std::vector<std::int64_t> ints;
  std::vector<signed char> bools;  // -1 null
  py::list texts;
  bool has_null = false;
};

bool valid(const ArrowArray* a, int64_t i) {
  const auto* bitmap = static_cast<const uint8_t*>(a->buffers[0]);
  if (bitmap == nullptr || a->null_count == 0) return true;
  const int64_t j = a->offset + i;
  return (bitmap[j >> 3] >> (j & 7)) & 1;
}

template <class T>
double get_num(const ArrowArray* a, int64_t i) {
  return static_cast<double>(static_cast<const T*>(a->buffers[1])[a->offset + i]);
}

// Value i of a string-like array (utf8 "u", large utf8 "U", string view "vu"), or false if null.
bool get_text(const ArrowSchema* s, const ArrowArray* a, int64_t i, std::string_view& out) {
  if (!valid(a, i)) return false;
  const std::string f = s->format;
  const int64_t j = a->offset + i;
  if (f == "u" || f == "z") {
    const auto* off = static_cast<const int32_t*>(a->buffers[1]);
    out = {static_cast<const char*>(a->buffers[2]) + off[j], static_cast<std::size_t>(off[j + 1] - off[j])};
  } else if (f == "U" || f == "Z") {
    const auto* off = static_cast<const int64_t*>(a->buffers[1]);
    out = {static_cast<const char*>(a->buffers[2]) + off[j], static_cast<std::size_t>(off[j + 1] - off[j])};
  } else if (f == "vu" || f == "vz") {
    const auto* view = static_cast<const uint8_t*>(a->buffers[1]) + 16 * j;
    int32_t len;
    std::memcpy(&len, view, 4);
    if (len <= 12) {
      out = {reinterpret_cast<const char*>(view + 4), static_cast<std::size_t>(len)};
    } else {
      int32_t buf, offset;
      std::memcpy(&buf, view + 8, 4);
      std::memcpy(&offset, view + 12, 4);
      out = {static_cast<const char*>(a->buffers[2 + buf]) + offset, static_cast<std::size_t>(len)};
    }
  } else {
    throw input_error(std::string("arrow: unsupported string format '") + f + "'");
  }
  return true;
}

bool is_text(const std::string& f) {
  return f == "u" || f == "U" || f == "vu" || f == "z" || f == "Z" || f == "vz";
}

// Index i of a dictionary-encoded array (the index type is the schema's format).
int64_t get_index(const ArrowSchema* s, const ArrowArray* a, int64_t i) {
  const std::string f = s->format;
  const int64_t j = a->offset + i;
  const void* b = a->buffers[1];
  if (f == "c") return static_cast<const int8_t*>(b)[j];
  if (f == "C") return static_cast<const uint8_t*>(b)[j];
  if (f == "s") return static_cast<const int16_t*>(b)[j];
  if (f == "S") return static_cast<const uint16_t*>(b)[j];
  if (f == "i") return static_cast<const int32_t*>(b)[j];
  if (f == "I") return static_cast<const uint32_t*>(b)[j];
  if (f == "l") return static_cast<const int64_t*>(b)[j];
  if (f == "L") return static_cast<int64_t>(static_cast<const uint64_t*>(b)[j]);
  throw input_error("arrow: unsupported dictionary index format '" + f + "'");
}

void append(Column& col, const ArrowSchema* s, const ArrowArray* a) {
  const std::string f = s->format;
  const int64_t n = a->length;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (s->dictionary != nullptr) {
    col.kind = Column::text;
    if (!is_text(s->dictionary->format))
      throw input_error("arrow: column '" + col.name + "': dictionary of '" + s->dictionary->format +
                        "' values is not supported; expected strings");
    std::vector<py::object> values;
    for (int64_t k = 0; k < a->dictionary->length; ++k) {
      std::string_view t;
      values.push_back(get_text(s->dictionary, a->dictionary, k, t) ? py::object(py::str(t.data(), t.size()))
                                                                    : py::object(py::none()));
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!valid(a, i)) {
        col.texts.append(py::none());
        continue;
      }
      const int64_t k = get_index(s, a, i);
      if (k < 0 || k >= static_cast<int64_t>(values.size()))
        throw input_error("arrow: column '" + col.name + "': dictionary index out of range");
      col.texts.append(values[static_cast<std::size_t>(k)]);
    }
    return;
  }
  if (is_text(f)) {
    col.kind = Column::text;
    for (int64_t i = 0; i < n; ++i) {
      std::string_view t;
      if (get_text(s, a, i, t)) {
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
  } else
    throw input_error("arrow: column '" + col.name + "' has type '" + f +
                      "', which servscore does not read; expected numbers, booleans or strings");
  col.kind = integral ? Column::integer : Column::number;
  for (int64_t i = 0; i < n; ++i) {
    const bool ok = valid(a, i);
    col.has_null |= !ok;
    const double v = ok ? get(a, i) : nan;
    col.num.push_back(v);
    if (integral)
      col.ints.push_back(
          ok ? (f == "l" ? static_cast<const int64_t*>(a->buffers[1])[a->offset + i] : static_cast<int64_t>(v)) : 0);
  }
}

py::object object_array(const py::list& items) {
  py::object out = py::module_::import("numpy").attr("empty")(items.size(), py::arg("dtype") = "object");
  out.attr("__setitem__")(py::slice(0, static_cast<py::ssize_t>(items.size()), 1), items);
  return out;
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
      [[fallthrough]];
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
  const bool is_struct = std::string(schema->format) == "+s";
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
            if (std::string(schema.s.format) == "+s")
              for (int64_t c = 0; c < schema.s.n_children; ++c) {
                Column col;
                col.name = schema.s.children[c]->name;
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
