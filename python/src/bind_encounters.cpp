#include <optional>

#include "bind_util.hpp"
#include "servscore/detail/encounter_kernel.hpp"
#include "servscore/encounters.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_encounters(py::module_& m) {
  py::class_<Indicator>(m, "Indicator", "One rated indicator: column name, side and weight.")
      .def(py::init([](std::string name, const std::string& side, double weight) {
             return Indicator{std::move(name), parse<ServiceSide>(side), weight};
           }),
           py::arg("name"), py::arg("side") = "procedural", py::arg("weight") = 1.0)
      .def_readwrite("name", &Indicator::name)
      .def_property(
          "side", [](const Indicator& i) { return std::string(to_string(i.side)); },
          [](Indicator& i, const std::string& s) { i.side = parse<ServiceSide>(s); })
      .def_readwrite("weight", &Indicator::weight)
      .def("to_dict",
           [](const Indicator& i) {
             py::dict d;
             d["name"] = i.name;
             d["side"] = to_string(i.side);
             d["weight"] = i.weight;
             return d;
           })
      .def(
          "__eq__", [](const Indicator& a, const Indicator& b) { return a == b; }, py::is_operator())
      .def("__repr__", [](const Indicator& i) {
        return "Indicator(name='" + i.name + "', side='" + to_string(i.side) +
               "', weight=" + std::string(py::str(py::float_(i.weight))) + ")";
      });

  py::class_<EncounterConfig> cfg(m, "EncounterConfig",
                                  "Configuration of encounter scoring (see servscore.encounters).");
  bind::def_config(cfg, &encounter_config_from_json, [](const EncounterConfig& c) { return to_json(c); });
  cfg.def_readwrite("scale_min", &EncounterConfig::scale_min)
      .def_readwrite("scale_max", &EncounterConfig::scale_max)
      .def_readwrite("procedural_threshold", &EncounterConfig::procedural_threshold)
      .def_readwrite("personal_threshold", &EncounterConfig::personal_threshold)
      .def_readwrite("min_coverage", &EncounterConfig::min_coverage)
      .def_property(
          "indicators", [](const EncounterConfig& c) { return py::tuple(py::cast(c.indicators)); },
          [](EncounterConfig& c, const std::vector<Indicator>& v) { c.indicators = v; })
      .def("index_of", &EncounterConfig::index_of, py::arg("name"));
  m.def("default_encounter_indicators", &default_encounter_indicators);

  m.def(
      "score_encounters",
      [](const py::object& ratings, const EncounterConfig& config, int workers) {
        EncounterScores s;
        std::vector<ColumnView> views;
        std::ptrdiff_t rows = 0;
        if (py::isinstance<py::list>(ratings)) {  // one 1-D float64 array per indicator, read in place
          std::vector<std::string> names;
          for (const auto& ind : config.indicators) names.push_back(ind.name);
          views = bind::column_views(ratings.cast<py::list>(), names, rows);
          py::gil_scoped_release release;  // pure C++ over the borrowed columns
          s = score_encounters(views, rows, config, workers);
        } else if (bind::matrix_column_views(ratings, views, rows)) {  // float64 of any layout, in place
          py::gil_scoped_release release;
          s = score_encounters(views, rows, config, workers);
        } else {
          const auto arr = ratings.cast<CArray<double>>();
          auto x = bind::as_records(arr, "ratings");
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          s = score_encounters(x, config, workers);
        }
        py::dict d;
        d["procedural"] = bind::to_numpy(std::move(s.procedural));
        d["personal"] = bind::to_numpy(std::move(s.personal));
        d["quality_distance"] = bind::to_numpy(std::move(s.quality_distance));
        d["quality_gap"] = bind::to_numpy(std::move(s.quality_gap));
        d["quadrant"] = bind::to_numpy(std::move(s.quadrant));
        d["weakest_procedural"] = bind::to_numpy(std::move(s.weakest_procedural));
        d["weakest_personal"] = bind::to_numpy(std::move(s.weakest_personal));
        d["n_missing"] = bind::to_numpy(std::move(s.n_missing));
        return d;
      },
      py::arg("ratings"), py::arg("config"), py::arg("workers") = 1,
      "Score encounters: ratings as a 2-D array (records x indicators; float64 of any layout is read in "
      "place, other arrays converted) or a list of 1-D float64 arrays, one per indicator, read in place.");

  m.def(
      "summarize_encounters",
      [](const CArray<double>& procedural, const CArray<double>& personal, const CArray<std::int8_t>& quadrant,
         const CArray<std::int32_t>& weakest_procedural, const CArray<std::int32_t>& weakest_personal,
         const CArray<std::int32_t>& groups, int n_groups, const EncounterConfig& config,
         const std::optional<CArray<double>>& ratings) {
        EncounterScores s;
        s.procedural = bind::as_vector(procedural, "procedural");
        s.personal = bind::as_vector(personal, "personal");
        s.quadrant = bind::as_vector(quadrant, "quadrant");
        s.weakest_procedural = bind::as_vector(weakest_procedural, "weakest_procedural");
        s.weakest_personal = bind::as_vector(weakest_personal, "weakest_personal");
        VectorXi32 g = bind::as_vector(groups, "groups");
        RowMatrixXd none;
        Eigen::Map<const RowMatrixXd> x =
            ratings ? bind::as_records(*ratings, "ratings") : Eigen::Map<const RowMatrixXd>(none.data(), 0, 0);
        EncounterSummary r;
        {
          py::gil_scoped_release release;  // pure C++ on copies and a borrowed array
          r = summarize_encounters(s, config, g, n_groups, x);
        }
        py::dict d;
        d["counts"] = bind::to_numpy(std::move(r.counts));
        d["sum_scores"] = bind::to_numpy(std::move(r.sum_scores));
        d["n_scored"] = bind::to_numpy(std::move(r.n_scored));
        d["pullers"] = bind::to_numpy(std::move(r.pullers));
        d["n_outside_quality"] = py::array(py::cast(r.n_outside_quality));
        return d;
      },
      py::arg("procedural"), py::arg("personal"), py::arg("quadrant"), py::arg("weakest_procedural"),
      py::arg("weakest_personal"), py::arg("groups"), py::arg("n_groups"), py::arg("config"),
      py::arg("ratings") = py::none());
  // testing/benchmark hooks: which block kernel scores encounters, and forcing one
  using detail::EncounterKernel;
  static constexpr EncounterKernel kKernels[] = {EncounterKernel::automatic, EncounterKernel::portable,
                                                 EncounterKernel::avx512};
  m.def(
      "_encounter_kernel", [] { return std::string(detail::to_string(detail::encounter_kernel())); },
      "The block kernel of encounter scoring: 'portable' or 'avx512'.");
  m.def(
      "_set_encounter_kernel",
      [](const std::string& name) {
        for (EncounterKernel k : kKernels)
          if (name == detail::to_string(k)) return detail::set_encounter_kernel(k);
        throw config_error("encounter kernel '" + name +
                           "' is not valid; expected 'automatic', 'portable' or 'avx512'");
      },
      py::arg("name"),
      "Force a block kernel of encounter scoring for every later call (testing hook; 'automatic' resets).");
  m.def(
      "_encounter_kernel_supported",
      [](const std::string& name) {
        for (EncounterKernel k : kKernels)
          if (name == detail::to_string(k)) return detail::encounter_kernel_supported(k);
        return false;
      },
      py::arg("name"), "True when this CPU can run the named encounter kernel.");
}
