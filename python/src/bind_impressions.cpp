#include "bind_util.hpp"
#include "servscore/impressions.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_impressions(py::module_& m) {
  m.def(
      "impression_ledger",
      [](const CArray<std::int32_t>& customer, const CArray<double>& rating, int n_customers,
         const CArray<std::int32_t>& groups, int n_groups, double scale_min, double scale_max, double positive_min,
         double negative_max, double repair_ratio, double level) {
        ImpressionConfig c;
        c.scale_min = scale_min;
        c.scale_max = scale_max;
        c.positive_min = positive_min;
        c.negative_max = negative_max;
        c.repair_ratio = repair_ratio;
        c.level = level;
        auto cu = bind::as_vector(customer, "customer");
        auto r = bind::as_vector(rating, "rating");
        auto g = bind::as_vector(groups, "groups");
        ImpressionLedger L;
        ImpressionSummary s;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          L = impression_ledger(cu, r, n_customers, c);
          s = summarize_impressions(L, g, n_groups, c);
        }
        py::dict d;
        d["valence"] = bind::to_numpy(std::move(L.valence));
        d["running_balance"] = bind::to_numpy(std::move(L.running_balance));
        d["positive"] = py::array(py::cast(L.positive));
        d["negative"] = py::array(py::cast(L.negative));
        d["neutral"] = py::array(py::cast(L.neutral));
        d["missing"] = py::array(py::cast(L.missing));
        d["balance"] = bind::to_numpy(std::move(L.balance));
        d["lowest_balance"] = bind::to_numpy(std::move(L.lowest_balance));
        d["deficit"] = bind::to_numpy(std::move(L.deficit));
        py::dict sd;
        sd["customers"] = py::array(py::cast(s.customers));
        sd["in_deficit"] = py::array(py::cast(s.in_deficit));
        sd["unrated"] = py::array(py::cast(s.unrated));
        sd["share"] = py::array(py::cast(s.share));
        sd["lower"] = py::array(py::cast(s.lower));
        sd["upper"] = py::array(py::cast(s.upper));
        sd["mean_balance"] = py::array(py::cast(s.mean_balance));
        sd["negative_rate"] = py::array(py::cast(s.negative_rate));
        sd["repairs_needed"] = py::array(py::cast(s.repairs_needed));
        d["summary"] = sd;
        return d;
      },
      py::arg("customer"), py::arg("rating"), py::arg("n_customers"), py::arg("groups"), py::arg("n_groups"),
      py::arg("scale_min") = 1.0, py::arg("scale_max") = 5.0, py::arg("positive_min") = 4.0,
      py::arg("negative_max") = 2.0, py::arg("repair_ratio") = 12.0, py::arg("level") = 0.95);
}
