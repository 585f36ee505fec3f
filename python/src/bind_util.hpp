// Helpers shared by the bind_<area>.cpp files.
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "servscore/errors.hpp"
#include "servscore/text.hpp"
#include "servscore/types.hpp"

namespace servscore::bind {

namespace py = pybind11;

/// Inputs are coerced once to C-contiguous arrays of T (a copy only when needed).
template <class T>
using CArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// True when `a` holds elements of type T. Dtype equality (numpy's EquivTypes), not identity: an
/// array that went through pickle (every Dask, multiprocessing or joblib task) carries a dtype
/// object equal to, but not the same object as, numpy's builtin one.
template <class T>
bool has_dtype(const py::array& a) {
  return py::detail::npy_api::get().PyArray_EquivTypes_(a.dtype().ptr(), py::dtype::of<T>().ptr());
}

/// View a 2-D C-contiguous float64 array as a row-major Eigen matrix without a copy.
inline Eigen::Map<const RowMatrixXd> as_records(const CArray<double>& a, const char* what) {
  if (a.ndim() != 2)
    throw input_error(std::string(what) + ": expected a 2-D array (records x items), got " + std::to_string(a.ndim()) +
                      " dimension(s)");
  return {a.data(), a.shape(0), a.shape(1)};
}

/// View a 1-D C-contiguous array as an Eigen column vector without a copy.
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> as_vector(const CArray<T>& a, const char* what) {
  if (a.ndim() != 1)
    throw input_error(std::string(what) + ": expected a 1-D array, got " + std::to_string(a.ndim()) + " dimension(s)");
  return {a.data(), a.shape(0)};
}

/// Borrow a list of 1-D float64 arrays (any stride) as column views without a copy; the list
/// keeps them alive. `names` label the columns in errors; `rows` receives their common length.
inline std::vector<ColumnView> column_views(const py::list& data, const std::vector<std::string>& names,
                                            std::ptrdiff_t& rows) {
  std::vector<ColumnView> views;
  rows = -1;
  for (std::size_t c = 0; c < data.size(); ++c) {
    std::string what = c < names.size() ? "column '" + names[c] + "'" : "column " + std::to_string(c);
    if (!py::isinstance<py::array>(data[c])) throw input_error("data: " + what + " must be a float64 numpy array");
    auto a = data[c].cast<py::array>();
    if (a.ndim() != 1 || !has_dtype<double>(a) || a.strides(0) % static_cast<py::ssize_t>(sizeof(double)) != 0)
      throw input_error("data: " + what + " must be a 1-D float64 array");
    if (rows >= 0 && a.shape(0) != rows)
      throw input_error("data: " + what + " has " + std::to_string(a.shape(0)) + " values; expected " +
                        std::to_string(rows));
    rows = a.shape(0);
    views.push_back({static_cast<const double*>(a.data()),
                     static_cast<std::ptrdiff_t>(a.strides(0) / static_cast<py::ssize_t>(sizeof(double)))});
  }
  if (rows < 0) rows = 0;
  return views;
}

/// Borrow the columns of a 2-D float64 array of any layout (C, Fortran or strided views) without
/// a copy; false (and nothing borrowed) for other arrays, which the caller converts.
inline bool matrix_column_views(const py::handle& obj, std::vector<ColumnView>& views, std::ptrdiff_t& rows) {
  if (!py::isinstance<py::array>(obj)) return false;
  auto a = py::reinterpret_borrow<py::array>(obj);
  constexpr auto size = static_cast<py::ssize_t>(sizeof(double));
  if (a.ndim() != 2 || !has_dtype<double>(a) || a.strides(0) % size != 0 || a.strides(1) % size != 0) return false;
  rows = a.shape(0);
  const auto* base = static_cast<const double*>(a.data());
  views.clear();
  for (py::ssize_t j = 0; j < a.shape(1); ++j)
    views.push_back({base + j * (a.strides(1) / size), static_cast<std::ptrdiff_t>(a.strides(0) / size)});
  return true;
}

/// Move an Eigen object into a numpy array without copying its data.
template <class M>
py::object to_numpy(M&& m) {
  return py::cast(std::forward<M>(m), py::return_value_policy::move);
}

/// json.dumps(obj), turning objects with to_dict() into dicts, numpy scalars and arrays into
/// their Python values (np.int64(9) is 9, np.bool_ a bool), enum members into their values;
/// anything else is a config_error naming its type.
inline std::string dumps(const py::handle& obj) {
  py::module_ json = py::module_::import("json");
  py::cpp_function fallback([](py::object o) -> py::object {
    if (py::hasattr(o, "to_dict")) return o.attr("to_dict")();
    py::module_ np = py::module_::import("numpy");
    if (py::isinstance(o, np.attr("generic"))) return o.attr("item")();
    if (py::isinstance<py::array>(o)) return o.attr("tolist")();
    if (py::hasattr(o, "value")) return o.attr("value");  // enum.Enum members
    throw servscore::config_error("config: a value of type " + std::string(py::str(py::type::of(o).attr("__name__"))) +
                                  " cannot be a configuration value; expected numbers, strings, booleans, lists "
                                  "or dicts");
  });
  return json.attr("dumps")(obj, py::arg("default") = fallback).cast<std::string>();
}

/**
 * Give a configuration class the common Python protocol: keyword constructor
 * (starting from the defaults), from_json / to_json, from_dict / to_dict,
 * equality, repr and pickling. `from_json` and `to_json` are the area's C++
 * conversion functions; JSON is the one conversion path, so Python validates
 * exactly like C++.
 */
template <class C, class FromJson, class ToJson>
void def_config(py::class_<C>& cls, FromJson from_json, ToJson to_json) {
  cls.def(py::init([from_json](const py::kwargs& kw) { return from_json(dumps(kw)); }),
          "Build from keyword arguments; keys not given keep their documented defaults.");
  cls.def_static(
      "from_json", [from_json](const std::string& s) { return from_json(s); }, py::arg("text"),
      "Parse a JSON object; unknown keys and invalid values raise ConfigError.");
  cls.def(
      "to_json", [to_json](const C& c) { return to_json(c); }, "Serialise every key as a JSON object.");
  cls.def_static(
      "from_dict", [from_json](const py::dict& d) { return from_json(dumps(d)); }, py::arg("data"),
      "Build from a dict of keys (as in JSON).");
  cls.def(
      "to_dict", [to_json](const C& c) { return py::module_::import("json").attr("loads")(to_json(c)); },
      "Every key as a plain dict.");
  cls.def(
      "validate", [](const C& c) { c.validate(); }, "Raise ConfigError if any value is invalid.");
  cls.def(
      "__eq__", [](const C& a, const C& b) { return a == b; }, py::is_operator());
  cls.def("__repr__", [to_json](const C& c) {
    return std::string(py::str(py::type::of(py::cast(c)).attr("__name__"))) + ".from_json('" + to_json(c) + "')";
  });
  cls.def("__copy__", [](const C& c) { return C(c); });
  cls.def(
      "__deepcopy__", [](const C& c, const py::dict&) { return C(c); }, py::arg("memo"));
  cls.def(py::pickle([to_json](const C& c) { return py::make_tuple(to_json(c)); },
                     [from_json](const py::tuple& t) { return from_json(t[0].cast<std::string>()); }));
  cls.attr("__hash__") = py::none();
}

/// UTF-8 views of a sequence of str / bytes / None / NaN / pd.NA (missing: a null view);
/// `keep` holds any encoded buffers alive while the views are used. Defined in bind_text.cpp.
/// Anything else is an input_error naming the row and the type.
std::vector<TextRef> text_views(const py::sequence& seq, py::list& keep);

}  // namespace servscore::bind
