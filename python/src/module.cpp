// servscore._core: the compiled core behind the pure-Python package.
#include <pybind11/pybind11.h>

#include "bind_util.hpp"
#include "servscore/errors.hpp"
#include "servscore/version.hpp"

namespace py = pybind11;

#define SERVSCORE_AREA(a) void register_##a(py::module_& m);
#include "registry.inc"
#undef SERVSCORE_AREA

namespace {
PyObject* g_error = nullptr;
PyObject* g_config_error = nullptr;
PyObject* g_input_error = nullptr;
}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "servscore compiled core (use the servscore package, not this module)";
  m.attr("__version__") = servscore::version;

  // The base class first, then ConfigError and InputError, which are also ValueErrors.
  g_error = PyErr_NewException("servscore.Error", PyExc_Exception, nullptr);
  py::tuple cfg_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_config_error = PyErr_NewException("servscore.ConfigError", cfg_bases.ptr(), nullptr);
  py::tuple in_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_input_error = PyErr_NewException("servscore.InputError", in_bases.ptr(), nullptr);
  m.attr("Error") = py::handle(g_error);
  m.attr("ConfigError") = py::handle(g_config_error);
  m.attr("InputError") = py::handle(g_input_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const servscore::input_error& e) {
      PyErr_SetString(g_input_error, e.what());
    } catch (const servscore::config_error& e) {
      PyErr_SetString(g_config_error, e.what());
    } catch (const servscore::error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });

#define SERVSCORE_AREA(a) register_##a(m);
#include "registry.inc"
#undef SERVSCORE_AREA
}
