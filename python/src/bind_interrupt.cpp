// Ctrl-C inside long C++ calls (servscore/detail/interrupt.hpp): the poll runs
// PyErr_CheckSignals on Python's main thread (the only one that sees signals) and keeps the
// exception it raised; `interrupted` is translated back into that exception (KeyboardInterrupt
// for Ctrl-C).
#include <pybind11/pybind11.h>

#include "servscore/detail/interrupt.hpp"

namespace py = pybind11;

namespace {

unsigned long g_main_thread = 0;  // NOLINT: set once at import
// The exception PyErr_CheckSignals raised, kept (under the GIL) until the call returns.
PyObject* g_type = nullptr;
PyObject* g_value = nullptr;
PyObject* g_traceback = nullptr;

bool poll_signals() {
  if (PyThread_get_thread_ident() != g_main_thread) return false;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() == 0) return false;
  Py_XDECREF(g_type);
  Py_XDECREF(g_value);
  Py_XDECREF(g_traceback);
  PyErr_Fetch(&g_type, &g_value, &g_traceback);
  return true;
}

}  // namespace

void register_interrupt(py::module_& m) {
  g_main_thread = py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  servscore::detail::set_interrupt_poll(&poll_signals);
  // Registered after the module's own translator, so tried before it.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const servscore::detail::interrupted&) {
      servscore::detail::clear_interrupt();
      if (g_type != nullptr) {
        PyErr_Restore(g_type, g_value, g_traceback);
        g_type = g_value = g_traceback = nullptr;
      } else {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
      }
    }
  });
  (void)m;
}
