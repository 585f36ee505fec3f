#include "bind_util.hpp"
#include "servscore/defection.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {
MultinomialInterval interval_of(const std::string& method) {
  if (method == "goodman") return MultinomialInterval::goodman;
  if (method == "quesenberry_hurst") return MultinomialInterval::quesenberry_hurst;
  throw config_error("interval: unknown interval '" + method + "'; expected one of: goodman, quesenberry_hurst");
}
}  // namespace

void register_defection(py::module_& m) {
  m.def(
      "defection_shares",
      [](const CArray<std::int32_t>& codes, const CArray<double>& weights, const CArray<std::int32_t>& groups,
         int n_groups, int k, double level, const std::string& interval) {
        DefectionConfig c;
        c.level = level;
        c.interval = interval_of(interval);
        auto x = bind::as_vector(codes, "codes");
        auto w = bind::as_vector(weights, "weights");
        auto g = bind::as_vector(groups, "groups");
        DefectionShares r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = defection_shares(x, w, g, n_groups, k, c);
        }
        py::dict d;
        d["count"] = bind::to_numpy(std::move(r.count));
        d["n"] = bind::to_numpy(std::move(r.n));
        d["total"] = py::array(py::cast(r.total));
        d["n_effective"] = py::array(py::cast(r.n_effective));
        d["n_missing"] = py::array(py::cast(r.n_missing));
        d["share"] = bind::to_numpy(std::move(r.share));
        d["lower"] = bind::to_numpy(std::move(r.lower));
        d["upper"] = bind::to_numpy(std::move(r.upper));
        return d;
      },
      py::arg("codes"), py::arg("weights"), py::arg("groups"), py::arg("n_groups"), py::arg("k"),
      py::arg("level") = 0.95, py::arg("interval") = "goodman");

  m.def(
      "multinomial_intervals_real",
      [](const std::vector<double>& counts, double level, const std::string& interval) {
        return bind::to_numpy(multinomial_intervals_real(counts, level, interval_of(interval)));
      },
      py::arg("counts"), py::arg("level") = 0.95, py::arg("interval") = "goodman");

  m.def(
      "benchmark_test",
      [](const std::vector<double>& observed, const std::vector<double>& shares) {
        const BenchmarkTest t = benchmark_test(observed, shares);
        py::dict d;
        d["n"] = t.n;
        d["statistic"] = t.statistic;
        d["dof"] = t.dof;
        d["p_value"] = t.p_value;
        d["min_expected"] = t.min_expected;
        d["expected"] = py::array(py::cast(t.expected));
        d["residual"] = py::array(py::cast(t.residual));
        d["n_impossible"] = t.n_impossible;
        return d;
      },
      py::arg("observed"), py::arg("shares"));
}
