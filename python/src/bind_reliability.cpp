#include "bind_util.hpp"
#include "servscore/reliability.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_reliability(py::module_& m) {
  m.def(
      "cronbach_alpha",
      [](const Moments& moments, double level) {
        AlphaResult r;
        {
          py::gil_scoped_release release;  // pure C++ on the state
          r = cronbach_alpha(moments, level);
        }
        py::dict d;
        d["k"] = r.k;
        d["n"] = r.n;
        d["n_rows"] = r.n_rows;
        d["n_dropped"] = r.n_dropped;
        d["n_missing"] = bind::to_numpy(VectorXi64(r.n_missing));
        d["policy"] = std::string(to_string(r.policy));
        d["weighted"] = r.weighted;
        d["alpha"] = r.alpha;
        d["alpha_standardized"] = r.alpha_standardized;
        d["mean_r"] = r.mean_r;
        d["level"] = r.level;
        d["ci_low"] = r.ci_low;
        d["ci_high"] = r.ci_high;
        d["dg_rho"] = r.dg_rho;
        d["eigen1"] = r.eigen1;
        d["eigen2"] = r.eigen2;
        d["item_mean"] = bind::to_numpy(std::move(r.item_mean));
        d["item_sd"] = bind::to_numpy(std::move(r.item_sd));
        d["alpha_if_deleted"] = bind::to_numpy(std::move(r.alpha_if_deleted));
        d["alpha_standardized_if_deleted"] = bind::to_numpy(std::move(r.alpha_standardized_if_deleted));
        d["item_total_r"] = bind::to_numpy(std::move(r.item_total_r));
        d["item_total_r_uncorrected"] = bind::to_numpy(std::move(r.item_total_r_uncorrected));
        d["pc1_loadings"] = bind::to_numpy(std::move(r.pc1_loadings));
        return d;
      },
      py::arg("moments"), py::arg("level") = 0.95);
  m.def("feldt_interval", &feldt_interval, py::arg("alpha"), py::arg("n"), py::arg("k"), py::arg("level") = 0.95);
  m.def(
      "dillon_goldstein_rho",
      [](const CArray<double>& l) { return dillon_goldstein_rho(bind::as_vector(l, "loadings")); },
      py::arg("loadings"));
  m.def(
      "average_variance_extracted",
      [](const CArray<double>& l) { return average_variance_extracted(bind::as_vector(l, "loadings")); },
      py::arg("loadings"));
  m.def(
      "first_component_loadings",
      [](const CArray<double>& c) {
        auto x = bind::as_records(c, "correlation");
        if (x.rows() != x.cols()) throw input_error("correlation: expected a square matrix");
        return first_component_loadings(Eigen::MatrixXd(x));
      },
      py::arg("correlation"));
}
