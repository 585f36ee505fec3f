#include <optional>

#include "bind_util.hpp"
#include "servscore/servqual.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {
RowMatrixXd empty_records() {
  return RowMatrixXd(0, 0);
}

py::dict summary_dict(const ServqualSummary& r) {
  py::dict d;
  d["has_expectations"] = r.has_expectations;
  d["n_rows"] = r.n_rows;
  d["n_weighted"] = r.n_weighted;
  d["n_missing_allocation"] = r.n_missing_allocation;
  d["items"] = bind::to_numpy(Eigen::MatrixXd(r.items));
  d["dimensions"] = bind::to_numpy(Eigen::MatrixXd(r.dimensions));
  d["servqual"] = r.servqual;
  d["weighted_servqual"] = r.weighted_servqual;
  d["servperf"] = r.servperf;
  d["weighted_servperf"] = r.weighted_servperf;
  d["respondent_servqual"] = r.respondent_servqual;
  d["n_dimensions_used"] = r.n_dimensions_used;
  return d;
}

py::dict zot_dict(const ZotSummary& r) {
  py::dict d;
  d["n_rows"] = r.n_rows;
  d["table"] = bind::to_numpy(Eigen::MatrixXd(r.table));
  return d;
}

Eigen::Map<const RowMatrixXd> optional_records(const std::optional<CArray<double>>& a, const char* what,
                                               const RowMatrixXd& none) {
  return a ? bind::as_records(*a, what) : Eigen::Map<const RowMatrixXd>(none.data(), 0, 0);
}
}  // namespace

void register_servqual(py::module_& m) {
  py::class_<ServqualItem>(m, "ServqualItem", "One SERVQUAL item: column name, RATER dimension and reverse keying.")
      .def(py::init([](std::string name, const std::string& dimension, bool re, bool rp) {
             return ServqualItem{std::move(name), parse<RaterDimension>(dimension), re, rp};
           }),
           py::arg("name"), py::arg("dimension"), py::arg("reverse_expectation") = false,
           py::arg("reverse_perception") = false)
      .def_readwrite("name", &ServqualItem::name)
      .def_property(
          "dimension", [](const ServqualItem& i) { return std::string(to_string(i.dimension)); },
          [](ServqualItem& i, const std::string& s) { i.dimension = parse<RaterDimension>(s); })
      .def_readwrite("reverse_expectation", &ServqualItem::reverse_expectation)
      .def_readwrite("reverse_perception", &ServqualItem::reverse_perception)
      .def("to_dict",
           [](const ServqualItem& i) {
             py::dict d;
             d["name"] = i.name;
             d["dimension"] = to_string(i.dimension);
             d["reverse_expectation"] = i.reverse_expectation;
             d["reverse_perception"] = i.reverse_perception;
             return d;
           })
      .def(
          "__eq__", [](const ServqualItem& a, const ServqualItem& b) { return a == b; }, py::is_operator())
      .def("__repr__", [](const ServqualItem& i) {
        return "ServqualItem(name='" + i.name + "', dimension='" + to_string(i.dimension) +
               "', reverse_expectation=" + (i.reverse_expectation ? "True" : "False") +
               ", reverse_perception=" + (i.reverse_perception ? "True" : "False") + ")";
      });

  py::class_<ServqualConfig> cfg(m, "ServqualConfig", "Configuration of SERVQUAL (see servscore.servqual).");
  bind::def_config(cfg, &servqual_config_from_json, [](const ServqualConfig& c) { return to_json(c); });
  cfg.def_readwrite("form", &ServqualConfig::form)
      .def_readwrite("scale_min", &ServqualConfig::scale_min)
      .def_readwrite("scale_max", &ServqualConfig::scale_max)
      .def_readwrite("zot_scale_min", &ServqualConfig::zot_scale_min)
      .def_readwrite("zot_scale_max", &ServqualConfig::zot_scale_max)
      .def_readwrite("allocation_total", &ServqualConfig::allocation_total)
      .def_readwrite("allocation_tolerance", &ServqualConfig::allocation_tolerance)
      .def_readwrite("min_coverage", &ServqualConfig::min_coverage)
      .def_property(
          "items", [](const ServqualConfig& c) { return py::tuple(py::cast(c.items)); },
          [](ServqualConfig& c, const std::vector<ServqualItem>& v) { c.items = v; })
      .def("dimensions",
           [](const ServqualConfig& c) {
             std::vector<std::string> out;
             for (auto d : c.dimensions()) out.emplace_back(to_string(d));
             return out;
           })
      .def("dimension_items", &ServqualConfig::dimension_items)
      .def("index_of", &ServqualConfig::index_of, py::arg("name"));
  m.def("servqual_items", &servqual_items, py::arg("form") = 1991);
  m.def("servqual_form_json", &servqual_form_json, py::arg("form") = 1991);

  m.def(
      "servqual_scores",
      [](const std::optional<CArray<double>>& e, const CArray<double>& p, const ServqualConfig& config,
         const std::optional<CArray<double>>& alloc, int workers) {
        RowMatrixXd none = empty_records();
        auto em = optional_records(e, "expectations", none);
        auto pm = bind::as_records(p, "perceptions");
        auto am = optional_records(alloc, "allocations", none);
        ServqualScores s;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          s = servqual_scores(em, pm, config, am, workers);
        }
        return s;
      },
      py::arg("expectations"), py::arg("perceptions"), py::arg("config"), py::arg("allocations") = py::none(),
      py::arg("workers") = 1);

  py::class_<ServqualScores>(m, "ServqualScores", "Per-respondent SERVQUAL scores (compiled).")
      .def_readonly("item_e", &ServqualScores::item_e)
      .def_readonly("item_p", &ServqualScores::item_p)
      .def_readonly("item_gap", &ServqualScores::item_gap)
      .def_readonly("dim_e", &ServqualScores::dim_e)
      .def_readonly("dim_p", &ServqualScores::dim_p)
      .def_readonly("dim_gap", &ServqualScores::dim_gap)
      .def_readonly("allocation", &ServqualScores::allocation)
      .def_readonly("servqual", &ServqualScores::servqual)
      .def_readonly("weighted_servqual", &ServqualScores::weighted_servqual)
      .def_readonly("servperf", &ServqualScores::servperf)
      .def_readonly("weighted_servperf", &ServqualScores::weighted_servperf);

  py::class_<ServqualAccumulator>(m, "ServqualAccumulator", "Mergeable SERVQUAL partial result (compiled).")
      .def(py::init<const ServqualConfig&, bool>(), py::arg("config"), py::arg("perceptions_only") = false)
      .def(
          "add",
          [](ServqualAccumulator& a, const ServqualScores& s) {
            py::gil_scoped_release release;  // pure C++
            a.add(s);
          },
          py::arg("scores"))
      .def("merge", &ServqualAccumulator::merge, py::arg("other"))
      .def("result", [](const ServqualAccumulator& a) { return summary_dict(a.result()); })
      .def_property_readonly("config", &ServqualAccumulator::config)
      .def_property_readonly("perceptions_only", &ServqualAccumulator::perceptions_only)
      .def("to_bytes", [](const ServqualAccumulator& a) { return py::bytes(a.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return ServqualAccumulator::from_bytes(std::string(b)); })
      .def("copy", [](const ServqualAccumulator& a) { return ServqualAccumulator(a); })
      .def(py::pickle([](const ServqualAccumulator& a) { return py::make_tuple(py::bytes(a.to_bytes())); },
                      [](const py::tuple& t) { return ServqualAccumulator::from_bytes(t[0].cast<std::string>()); }));

  m.def(
      "zot_scores",
      [](const CArray<double>& a, const CArray<double>& d, const CArray<double>& p, const ServqualConfig& config,
         int workers) {
        auto am = bind::as_records(a, "adequate");
        auto dm = bind::as_records(d, "desired");
        auto pm = bind::as_records(p, "perceived");
        ZotScores z;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          z = zot_scores(am, dm, pm, config, workers);
        }
        return z;
      },
      py::arg("adequate"), py::arg("desired"), py::arg("perceived"), py::arg("config"), py::arg("workers") = 1);

  py::class_<ZotScores>(m, "ZotScores", "Per-respondent zone-of-tolerance scores (compiled).")
      .def_readonly("item_a", &ZotScores::item_a)
      .def_readonly("item_d", &ZotScores::item_d)
      .def_readonly("item_p", &ZotScores::item_p)
      .def_readonly("msa", &ZotScores::msa)
      .def_readonly("mss", &ZotScores::mss)
      .def_readonly("dim_a", &ZotScores::dim_a)
      .def_readonly("dim_d", &ZotScores::dim_d)
      .def_readonly("dim_p", &ZotScores::dim_p);

  py::class_<ZotAccumulator>(m, "ZotAccumulator", "Mergeable zone-of-tolerance partial result (compiled).")
      .def(py::init<const ServqualConfig&>(), py::arg("config"))
      .def("add", &ZotAccumulator::add, py::arg("scores"))
      .def("merge", &ZotAccumulator::merge, py::arg("other"))
      .def("result", [](const ZotAccumulator& a) { return zot_dict(a.result()); })
      .def_property_readonly("config", &ZotAccumulator::config)
      .def("to_bytes", [](const ZotAccumulator& a) { return py::bytes(a.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return ZotAccumulator::from_bytes(std::string(b)); })
      .def("copy", [](const ZotAccumulator& a) { return ZotAccumulator(a); })
      .def(py::pickle([](const ZotAccumulator& a) { return py::make_tuple(py::bytes(a.to_bytes())); },
                      [](const py::tuple& t) { return ZotAccumulator::from_bytes(t[0].cast<std::string>()); }));
}
