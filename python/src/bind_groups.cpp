// Group keys: servscore::GroupKeys and the factorisation of key columns (numpy numbers, strings,
// objects, dictionary-encoded categoricals and Arrow strings) into int32 group codes.
#include <cmath>
#include <cstring>
#include <limits>

#include "bind_util.hpp"
#include "servscore/detail/group_keys.hpp"

namespace py = pybind11;
using namespace servscore;

namespace {

// A Python object as a key value; TypeError for types that are not keys (the caller falls back).
KeyValue to_key_value(const py::handle& o) {
  if (o.is_none()) return std::monostate{};
  PyObject* p = o.ptr();
  if (PyUnicode_Check(p)) {
    Py_ssize_t len = 0;
    const char* s = PyUnicode_AsUTF8AndSize(p, &len);
    if (!s) throw py::error_already_set();
    return std::string(s, static_cast<std::size_t>(len));
  }
  if (PyBool_Check(p)) return static_cast<std::int64_t>(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0) return static_cast<std::int64_t>(v);
    throw py::type_error("group key " + py::str(o).cast<std::string>() + " is beyond the int64 range of keys");
  }
  if (PyFloat_Check(p)) return normalize_key_value(PyFloat_AS_DOUBLE(p));
  // numpy scalars, pandas.NA / NaT
  const std::string tname = py::str(py::type::handle_of(o).attr("__name__"));
  if (tname == "NAType" || tname == "NaTType") return std::monostate{};
  if (py::isinstance(o, py::module_::import("numpy").attr("integer"))) {
    return to_key_value(py::int_(py::reinterpret_borrow<py::object>(o)));
  }
  if (py::isinstance(o, py::module_::import("numpy").attr("floating")) ||
      py::isinstance(o, py::module_::import("numpy").attr("bool_"))) {
    return to_key_value(o.attr("item")());
  }
  throw py::type_error("group key of type " + tname + " is not supported (str, int, float, bool or missing)");
}

py::object to_python(const KeyValue& v) {
  switch (v.index()) {
    case 0:
      return py::none();
    case 1:
      return py::int_(std::get<1>(v));
    case 2:
      return py::float_(std::get<2>(v));
    default: {
      const std::string& s = std::get<3>(v);
      PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
  }
}

py::tuple key_tuple(const GroupKey& k) {
  py::tuple t(k.size());
  for (std::size_t j = 0; j < k.size(); ++j) t[j] = to_python(k[j]);
  return t;
}

GroupKey key_from(const py::handle& o, int width) {
  GroupKey k;
  if (py::isinstance<py::tuple>(o)) {
    for (const py::handle& v : o) k.push_back(to_key_value(v));
  } else if (width == 1) {
    k.push_back(to_key_value(o));
  } else {
    throw input_error("group keys: expected a tuple of " + std::to_string(width) + " values");
  }
  return k;
}

py::array_t<std::int32_t> as_array(std::vector<std::int32_t>&& v) {
  auto* heap = new std::vector<std::int32_t>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<std::int32_t>*>(p); });
  return py::array_t<std::int32_t>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

// Equality of two exact str objects without a call into the interpreter: same length, kind and data.
inline bool same_str(PyObject* a, PyObject* b) {
  if (a == b) return true;
  if (PyUnicode_GET_LENGTH(a) != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) return false;
  return std::memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b),
                     static_cast<std::size_t>(PyUnicode_GET_LENGTH(a)) * PyUnicode_KIND(a)) == 0;
}

// numpy object arrays: str objects through their cached Python hash (no UTF-8 per row), other
// objects through their key value. Needs the GIL.
Factorized factorize_objects(const py::array& a, const std::string& name) {
  const auto n = static_cast<std::int64_t>(a.shape(0));
  const auto stride = a.strides(0) / static_cast<py::ssize_t>(sizeof(PyObject*));
  auto* const* data = static_cast<PyObject* const*>(a.data());
  Factorized out{std::vector<std::int32_t>(static_cast<std::size_t>(n)), GroupKeys({name})};
  std::vector<std::int32_t> slots(64, -1);
  std::vector<PyObject*> reps;  // a str object per string code (borrowed: the array holds it)
  std::vector<Py_hash_t> hashes;
  std::vector<std::int32_t> rep_code;
  PyObject* last = nullptr;
  std::int32_t last_code = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    PyObject* o = data[i * stride];
    if (o == last) {
      out.codes[static_cast<std::size_t>(i)] = last_code;
      continue;
    }
    std::int32_t code;
    if (PyUnicode_CheckExact(o)) {
      const Py_hash_t h = PyObject_Hash(o);
      if (h == -1) throw py::error_already_set();
      std::size_t mask = slots.size() - 1;
      std::size_t s = static_cast<std::size_t>(h) & mask;
      code = -1;
      for (;; s = (s + 1) & mask) {
        const std::int32_t r = slots[s];
        if (r < 0) break;
        const auto ru = static_cast<std::size_t>(r);
        if (hashes[ru] == h && same_str(reps[ru], o)) {
          code = rep_code[ru];
          break;
        }
      }
      if (code < 0) {
        if (PyErr_Occurred()) throw py::error_already_set();
        try {
          code = out.keys.insert({to_key_value(o)});
        } catch (py::error_already_set&) {
          throw input_error("by: column '" + name + "', row " + std::to_string(i) +
                            ": a string that cannot be encoded as UTF-8");
        }
        slots[s] = static_cast<std::int32_t>(reps.size());
        reps.push_back(o);
        hashes.push_back(h);
        rep_code.push_back(code);
        if (reps.size() * 2 > slots.size()) {
          std::vector<std::int32_t> grown(slots.size() * 2, -1);
          mask = grown.size() - 1;
          for (std::size_t r = 0; r < reps.size(); ++r) {
            std::size_t t = static_cast<std::size_t>(hashes[r]) & mask;
            while (grown[t] >= 0) t = (t + 1) & mask;
            grown[t] = static_cast<std::int32_t>(r);
          }
          slots.swap(grown);
        }
      }
    } else {
      code = out.keys.insert({to_key_value(o)});
    }
    out.codes[static_cast<std::size_t>(i)] = code;
    last = o;
    last_code = code;
  }
  detail::sort_factorized(out);
  return out;
}

template <class T>
Factorized numbers(const py::array& a, const std::string& name) {
  auto c = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!c) throw py::error_already_set();
  const T* p = c.data();
  const auto n = static_cast<std::int64_t>(c.shape(0));
  py::gil_scoped_release release;  // pure C++ over a borrowed array
  return detail::factorize_numbers(p, n, name);
}

Factorized numeric_array(const py::array& a, const std::string& name) {
  const char kind = a.dtype().kind();
  const auto size = a.dtype().itemsize();
  if (kind == 'b') {
    // numpy bool as uint8 (True = 1)
    auto u = a.attr("view")("uint8").cast<py::array>();
    return numbers<std::uint8_t>(u, name);
  }
  if (kind == 'i') {
    if (size == 1) return numbers<std::int8_t>(a, name);
    if (size == 2) return numbers<std::int16_t>(a, name);
    if (size == 4) return numbers<std::int32_t>(a, name);
    return numbers<std::int64_t>(a, name);
  }
  if (kind == 'u') {
    if (size == 1) return numbers<std::uint8_t>(a, name);
    if (size == 2) return numbers<std::uint16_t>(a, name);
    if (size == 4) return numbers<std::uint32_t>(a, name);
    // ids beyond int64 (no key type holds them exactly): the caller's pandas path decides
    if (a.size() > 0 &&
        a.attr("max")().cast<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw py::type_error("by: column '" + name + "': unsigned keys beyond the int64 range");
    return numbers<std::uint64_t>(a, name);
  }
  if (kind == 'f' && size == 4) return numbers<float>(a, name);
  return numbers<double>(a, name);
}

template <class I>
Factorized dictionary(const py::array& idx, const std::vector<KeyValue>& cats, bool category_order,
                      const std::string& name) {
  auto c = py::array_t<I, py::array::c_style | py::array::forcecast>::ensure(idx);
  if (!c) throw py::error_already_set();
  const I* p = c.data();
  const auto n = static_cast<std::int64_t>(c.shape(0));
  py::gil_scoped_release release;  // pure C++ over a borrowed array
  return detail::factorize_dictionary(p, n, cats, category_order, name);
}

std::vector<KeyValue> category_values(const py::handle& cats) {
  std::vector<KeyValue> out;
  py::object seq = py::isinstance<py::array>(cats) ? cats.attr("tolist")() : py::reinterpret_borrow<py::object>(cats);
  for (const py::handle& v : seq) out.push_back(to_key_value(v));
  return out;
}

// Arrow string / large_string arrays given as (offsets, data, validity bytes or None): hashed as
// bytes without the GIL.
template <class O>
Factorized arrow_strings(const py::array& offsets, const py::array& bytes, const py::object& valid,
                         const std::string& name, int workers) {
  auto off = py::array_t<O, py::array::c_style>::ensure(offsets);
  auto dat = py::array_t<std::uint8_t, py::array::c_style>::ensure(bytes);
  if (!off || !dat) throw py::error_already_set();
  py::array_t<std::uint8_t, py::array::c_style> ok;
  if (!valid.is_none()) ok = py::array_t<std::uint8_t, py::array::c_style>::ensure(valid);
  const std::int64_t n = static_cast<std::int64_t>(off.shape(0)) - 1;
  if (n < 0) throw input_error("by: column '" + name + "': empty Arrow offsets");
  if (!valid.is_none() && ok.shape(0) != n)
    throw input_error("by: column '" + name + "': validity of the wrong length");
  const O* o = off.data();
  const char* d = reinterpret_cast<const char*>(dat.data());
  const auto dn = static_cast<std::int64_t>(dat.shape(0));
  const std::uint8_t* v = valid.is_none() ? nullptr : ok.data();
  py::gil_scoped_release release;  // pure C++ over borrowed arrays
  return detail::factorize_strings(o, d, dn, v, n, name, workers);
}

// One key column: a numpy array (numbers, bool, '<U' strings, objects), a (codes, categories[,
// order]) tuple for dictionary-encoded columns, or ("arrow_string", offsets, data, valid).
Factorized factorize_column(const py::handle& col, const std::string& name, int workers) {
  if (py::isinstance<py::tuple>(col)) {
    auto t = py::reinterpret_borrow<py::tuple>(col);
    if (t.size() == 4 && py::isinstance<py::str>(t[0]) && t[0].cast<std::string>() == "arrow_string") {
      auto off = t[1].cast<py::array>();
      if (off.dtype().itemsize() == 8)
        return arrow_strings<std::int64_t>(off, t[2].cast<py::array>(), t[3], name, workers);
      return arrow_strings<std::int32_t>(off, t[2].cast<py::array>(), t[3], name, workers);
    }
    if (t.size() != 2 && t.size() != 3)
      throw input_error("by: column '" + name + "': expected (codes, categories) or (codes, categories, order)");
    bool category_order = true;
    if (t.size() == 3) {
      const std::string order = t[2].cast<std::string>();
      if (order != "category" && order != "value")
        throw input_error("by: column '" + name + "': order '" + order + "'; expected 'category' or 'value'");
      category_order = order == "category";
    }
    auto idx = t[0].cast<py::array>();
    const std::vector<KeyValue> cats = category_values(t[1]);
    if (idx.ndim() != 1) throw input_error("by: column '" + name + "': codes must be 1-D");
    const char kind = idx.dtype().kind();
    const auto size = idx.dtype().itemsize();
    if (kind == 'i') {
      if (size == 1) return dictionary<std::int8_t>(idx, cats, category_order, name);
      if (size == 2) return dictionary<std::int16_t>(idx, cats, category_order, name);
      if (size == 4) return dictionary<std::int32_t>(idx, cats, category_order, name);
      return dictionary<std::int64_t>(idx, cats, category_order, name);
    }
    if (kind == 'u') {
      if (size == 1) return dictionary<std::uint8_t>(idx, cats, category_order, name);
      if (size == 2) return dictionary<std::uint16_t>(idx, cats, category_order, name);
      if (size == 4) return dictionary<std::uint32_t>(idx, cats, category_order, name);
    }
    throw input_error("by: column '" + name + "': category codes of dtype " + py::str(idx.dtype()).cast<std::string>() +
                      "; expected integers");
  }
  if (!py::isinstance<py::array>(col)) throw py::type_error("by: column '" + name + "': expected a numpy array");
  auto a = py::reinterpret_borrow<py::array>(col);
  if (a.ndim() != 1) throw input_error("by: column '" + name + "': expected one dimension");
  const char kind = a.dtype().kind();
  if (kind == 'O') return factorize_objects(a, name);
  if (kind == 'U') {
    auto c = py::array::ensure(a, py::array::c_style);
    const auto width = static_cast<std::int64_t>(c.dtype().itemsize() / 4);
    const auto* p = static_cast<const char32_t*>(c.data());
    const auto n = static_cast<std::int64_t>(c.shape(0));
    if (width == 0) {  // '<U0': every value is the empty string
      Factorized f{std::vector<std::int32_t>(static_cast<std::size_t>(n), 0), GroupKeys({name})};
      if (n > 0) f.keys.insert({std::string()});
      return f;
    }
    py::gil_scoped_release release;  // pure C++ over a borrowed array
    return detail::factorize_utf32(p, n, width, name, workers);
  }
  if (kind == 'b' || kind == 'i' || kind == 'u' || kind == 'f') return numeric_array(a, name);
  throw py::type_error("by: column '" + name + "': dtype " + py::str(a.dtype()).cast<std::string>() +
                       " is not a supported key type");
}

}  // namespace

void register_groups(py::module_& m) {
  py::class_<GroupKeys> gk(m, "GroupKeys",
                           "Distinct group keys with dense int32 codes (see servscore._input.factorize).");
  gk.def(py::init<std::vector<std::string>>(), py::arg("names") = std::vector<std::string>{})
      .def_property_readonly("names", &GroupKeys::names)
      .def_property_readonly("width", &GroupKeys::width)
      .def("__len__", &GroupKeys::size)
      .def_property_readonly("size", &GroupKeys::size)
      .def(
          "key", [](const GroupKeys& g, std::int32_t code) { return key_tuple(g.key(code)); }, py::arg("code"))
      .def("keys",
           [](const GroupKeys& g) {
             py::list out;
             for (std::int32_t c = 0; c < g.size(); ++c) out.append(key_tuple(g.key(c)));
             return out;
           })
      .def(
          "column",
          [](const GroupKeys& g, int j) {
            if (j < 0 || j >= g.width()) throw input_error("group keys: column " + std::to_string(j) + " out of range");
            py::list out;
            for (std::int32_t c = 0; c < g.size(); ++c) out.append(to_python(g.key(c)[static_cast<std::size_t>(j)]));
            return out;
          },
          py::arg("j"), "The values of key column j, one per code (None for missing).")
      .def(
          "insert", [](GroupKeys& g, const py::handle& k) { return g.insert(key_from(k, g.width())); }, py::arg("key"))
      .def(
          "find", [](const GroupKeys& g, const py::handle& k) { return g.find(key_from(k, g.width())); },
          py::arg("key"))
      .def(
          "merge", [](GroupKeys& g, const GroupKeys& o) { return as_array(g.merge(o)); }, py::arg("other"),
          "Add the other's keys; returns the other's codes mapped to codes here.")
      .def("sorted_codes", [](const GroupKeys& g) { return as_array(g.sorted_codes()); })
      .def("to_bytes",
           [](const GroupKeys& g) {
             std::string s;
             g.write(s);
             return py::bytes(s);
           })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            std::string_view in(s);
            GroupKeys g = GroupKeys::read(in);
            if (!in.empty())
              throw input_error("group keys image: " + std::to_string(in.size()) + " byte(s) after the image");
            return g;
          },
          py::arg("data"))
      .def(
          "__eq__", [](const GroupKeys& a, const GroupKeys& b) { return a == b; }, py::is_operator())
      .def(py::pickle(
          [](const GroupKeys& g) {
            std::string s;
            g.write(s);
            return py::make_tuple(py::bytes(s));
          },
          [](const py::tuple& t) {
            std::string s = t[0].cast<std::string>();
            std::string_view in(s);
            return GroupKeys::read(in);
          }))
      .def("__repr__", [](const GroupKeys& g) {
        std::string s = "GroupKeys([";
        for (std::size_t j = 0; j < g.names().size(); ++j) s += (j ? ", '" : "'") + g.names()[j] + "'";
        return s + "], " + std::to_string(g.size()) + " keys)";
      });
  gk.attr("__hash__") = py::none();

  m.def(
      "factorize_keys",
      [](const py::list& columns, const std::vector<std::string>& names, int workers) {
        if (columns.size() != names.size())
          throw input_error("factorize_keys: " + std::to_string(columns.size()) + " columns but " +
                            std::to_string(names.size()) + " names");
        std::vector<Factorized> parts;
        for (std::size_t j = 0; j < columns.size(); ++j)
          parts.push_back(factorize_column(columns[j], names[j], workers));
        Factorized f;
        {
          py::gil_scoped_release release;  // pure C++ over owned vectors
          f = detail::combine_factorized(std::move(parts));
        }
        return py::make_tuple(as_array(std::move(f.codes)), std::move(f.keys));
      },
      py::arg("columns"), py::arg("names"), py::arg("workers") = 1,
      "Group codes (int32, in key order: numbers, strings, missing last; categoricals in category order) and the "
      "GroupKeys of key columns: numpy arrays (numbers, bool, str, object), (codes, categories[, order]) tuples, or "
      "('arrow_string', offsets, data, valid) tuples. Strings are factorised by `workers` threads (<= 0: all); "
      "the result does not depend on it.");
}
