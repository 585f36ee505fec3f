// The members every grouped mergeable state binds the same way: keys, sizes, merge, bytes,
// pickling, equality and repr (the state's own update / result are bound beside it).
#pragma once

#include <string>

#include "bind_util.hpp"

namespace servscore::bind {

template <class State>
void def_grouped_state(pybind11::class_<State>& cls, const std::string& name, const std::string& records) {
  namespace py = pybind11;
  cls.def_property_readonly("keys", &State::keys)
      .def_property_readonly("key_names", [](const State& s) { return s.keys().names(); })
      .def_property_readonly("groups", &State::groups)
      .def_property_readonly("rows", &State::rows)
      .def("sorted_codes",
           [](const State& s) {
             auto c = s.sorted_codes();
             return py::array_t<std::int32_t>(static_cast<py::ssize_t>(c.size()), c.data());
           })
      .def(
          "merge", [](State& a, const State& b) -> State& { return a.merge(b); }, py::arg("other"),
          py::return_value_policy::reference_internal)
      .def("to_bytes", [](const State& s) { return py::bytes(s.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            py::gil_scoped_release release;  // pure C++ over an owned copy
            return State::from_bytes(s);
          },
          py::arg("data"))
      .def(
          "__eq__", [](const State& a, const State& b) { return a == b; }, py::is_operator())
      .def(py::pickle([](const State& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return State::from_bytes(t[0].cast<std::string>()); }))
      .def("__repr__", [name, records](const State& s) {
        return name + "(" + std::to_string(s.rows()) + " " + records + ", " + std::to_string(s.groups()) + " group(s))";
      });
}

}  // namespace servscore::bind
