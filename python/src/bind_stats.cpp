// Shared statistical helpers: servscore._core.normal_quantile, wilson_interval, wilson_interval_z.
#include <pybind11/pybind11.h>

#include "servscore/stats.hpp"

namespace py = pybind11;

void register_stats(py::module_& m) {
  using namespace servscore;
  m.def("normal_quantile", &normal_quantile, py::arg("p"), "The standard normal quantile.");
  m.def(
      "wilson_interval",
      [](double x, double n, double level) {
        Interval i = wilson_interval(x, n, level);
        return py::make_tuple(i.low, i.high);
      },
      py::arg("successes"), py::arg("n"), py::arg("level") = 0.95,
      "Wilson score interval (low, high) of successes / n at confidence level (NaN when n <= 0).");
  m.def(
      "wilson_interval_z",
      [](double x, double n, double z) {
        Interval i = wilson_interval_z(x, n, z);
        return py::make_tuple(i.low, i.high);
      },
      py::arg("successes"), py::arg("n"), py::arg("z"), "Wilson score interval with the normal quantile z given.");
}
