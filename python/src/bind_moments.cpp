#include <optional>

#include "bind_util.hpp"
#include "servscore/moments.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_moments(py::module_& m) {
  py::class_<Moments> cls(m, "Moments", "Mergeable co-moment state (see servscore.Moments).");
  cls.def(py::init([](int p, const std::string& policy, std::vector<std::string> names) {
            return Moments(p, parse_missing_policy(policy), std::move(names));
          }),
          py::arg("p"), py::arg("policy") = "listwise", py::arg("names") = std::vector<std::string>{})
      .def(
          "update",
          [](Moments& s, const py::array& x, const std::optional<CArray<double>>& weights, int workers) {
            Eigen::VectorXd none;
            std::optional<Eigen::Map<const Eigen::VectorXd>> wm;
            if (weights) wm.emplace(bind::as_vector(*weights, "weights"));
            const bool fortran = x.ndim() == 2 && x.dtype().is(py::dtype::of<double>()) &&
                                 (x.flags() & py::array::f_style) && !(x.flags() & py::array::c_style);
            if (fortran) {
              // column-major (a DataFrame's values): read in place, no transposed copy
              auto f = py::array_t<double, py::array::f_style>::ensure(x);
              Eigen::Map<const Eigen::MatrixXd> m(f.data(), f.shape(0), f.shape(1));
              py::gil_scoped_release release;  // pure C++ over borrowed arrays
              if (wm)
                s.update_columns(m, *wm, workers);
              else
                s.update_columns(m, none, workers);
              return;
            }
            auto c = py::cast<CArray<double>>(x);
            auto xm = bind::as_records(c, "data");
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            if (wm)
              s.update(xm, *wm, workers);
            else
              s.update(xm, none, workers);
          },
          py::arg("x"), py::arg("weights") = py::none(), py::arg("workers") = 1)
      .def("merge", &Moments::merge, py::arg("other"))
      .def_property_readonly("dim", &Moments::dim)
      .def_property_readonly("policy", [](const Moments& s) { return std::string(to_string(s.policy())); })
      .def_property_readonly("names", &Moments::names)
      .def_property_readonly("weighted", &Moments::weighted)
      .def_property_readonly("n_rows", &Moments::n_rows)
      .def_property_readonly("n_dropped", &Moments::n_dropped)
      .def_property_readonly("n_used", &Moments::n_used)
      .def_property_readonly("n_missing", [](const Moments& s) { return VectorXi64(s.n_missing()); })
      .def_property_readonly("pair_count", [](const Moments& s) { return MatrixXi64(s.pair_count()); })
      .def_property_readonly("pair_weight", [](const Moments& s) { return Eigen::MatrixXd(s.pair_weight()); })
      .def_property_readonly("pair_weight_sq", [](const Moments& s) { return Eigen::MatrixXd(s.pair_weight_sq()); })
      .def_property_readonly("pair_mean", [](const Moments& s) { return Eigen::MatrixXd(s.pair_mean()); })
      .def_property_readonly("pair_m2", [](const Moments& s) { return Eigen::MatrixXd(s.pair_m2()); })
      .def_property_readonly("comoment", [](const Moments& s) { return Eigen::MatrixXd(s.comoment()); })
      .def("count", &Moments::count)
      .def("weight_sum", &Moments::weight_sum)
      .def("effective_n", &Moments::effective_n)
      .def("mean", &Moments::mean)
      .def("covariance", &Moments::covariance, py::arg("ddof") = 1.0)
      .def("correlation", &Moments::correlation)
      .def("subset", &Moments::subset, py::arg("idx"))
      .def("to_bytes", [](const Moments& s) { return py::bytes(s.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return Moments::from_bytes(std::string(b)); })
      .def("copy", [](const Moments& s) { return Moments(s); })
      .def(
          "__eq__", [](const Moments& a, const Moments& b) { return a == b; }, py::is_operator())
      .def(py::pickle([](const Moments& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return Moments::from_bytes(t[0].cast<std::string>()); }));
  cls.attr("__hash__") = py::none();
}
