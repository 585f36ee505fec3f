#include <optional>
#include <string>
#include <vector>

#include "bind_util.hpp"
#include "servscore/detail/encounter_kernel.hpp"
#include "servscore/encounters.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

// A 1-D numeric array as a RatingColumn read in place (the list holding it keeps it alive).
RatingColumn rating_column(const py::handle& obj, const std::string& name) {
  if (!py::isinstance<py::array>(obj)) throw input_error("ratings: column '" + name + "' must be a numpy array");
  auto a = py::reinterpret_borrow<py::array>(obj);
  if (a.ndim() != 1) throw input_error("ratings: column '" + name + "' must be 1-D");
  RatingColumn c;
  std::size_t size = 0;
  if (bind::has_dtype<double>(a))
    c.type = RatingColumn::Type::f64, size = 8;
  else if (bind::has_dtype<float>(a))
    c.type = RatingColumn::Type::f32, size = 4;
  else if (bind::has_dtype<std::int8_t>(a))
    c.type = RatingColumn::Type::i8, size = 1;
  else if (bind::has_dtype<std::int16_t>(a))
    c.type = RatingColumn::Type::i16, size = 2;
  else if (bind::has_dtype<std::int32_t>(a))
    c.type = RatingColumn::Type::i32, size = 4;
  else if (bind::has_dtype<std::int64_t>(a))
    c.type = RatingColumn::Type::i64, size = 8;
  else if (bind::has_dtype<std::uint8_t>(a))
    c.type = RatingColumn::Type::u8, size = 1;
  else
    throw input_error("ratings: column '" + name + "' has dtype " + std::string(py::str(a.dtype())) +
                      "; expected a float or (u)int8/int16/int32/int64 array");
  if (a.strides(0) % static_cast<py::ssize_t>(size) != 0)
    throw input_error("ratings: column '" + name + "' is not aligned to its element size");
  c.data = a.data();
  c.stride = static_cast<std::ptrdiff_t>(a.strides(0) / static_cast<py::ssize_t>(size));
  return c;
}

py::dict summary_dict(EncounterSummary&& r) {
  py::dict d;
  d["counts"] = bind::to_numpy(std::move(r.counts));
  d["sum_scores"] = bind::to_numpy(std::move(r.sum_scores));
  d["n_scored"] = bind::to_numpy(std::move(r.n_scored));
  d["pullers"] = bind::to_numpy(std::move(r.pullers));
  d["n_outside_quality"] = py::array(py::cast(r.n_outside_quality));
  if (r.weighted()) {
    d["weight_counts"] = bind::to_numpy(std::move(r.weight_counts));
    d["weight_scored"] = bind::to_numpy(std::move(r.weight_scored));
    d["weight_outside"] = py::array(py::cast(r.weight_outside));
  }
  return d;
}

}  // namespace

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
        return summary_dict(std::move(r));
      },
      py::arg("procedural"), py::arg("personal"), py::arg("quadrant"), py::arg("weakest_procedural"),
      py::arg("weakest_personal"), py::arg("groups"), py::arg("n_groups"), py::arg("config"),
      py::arg("ratings") = py::none());
  py::class_<EncounterSummaryState>(
      m, "EncounterSummaryState",
      "Mergeable state of encounter summaries (quadrant counts, score sums, pull-out credit per group); "
      "byte image SSENCSU1.")
      .def(py::init<EncounterConfig, std::vector<std::string>>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("config", &EncounterSummaryState::config)
      .def_property_readonly("keys", &EncounterSummaryState::keys)
      .def_property_readonly("key_names", [](const EncounterSummaryState& s) { return s.keys().names(); })
      .def_property_readonly("groups", &EncounterSummaryState::groups)
      .def_property_readonly("rows", &EncounterSummaryState::rows)
      .def_property_readonly("weighted", &EncounterSummaryState::weighted)
      .def_property_readonly("weighting", &EncounterSummaryState::weighting)
      .def("sorted_codes",
           [](const EncounterSummaryState& s) {
             auto c = s.sorted_codes();
             return py::array_t<std::int32_t>(static_cast<py::ssize_t>(c.size()), c.data());
           })
      .def(
          "update",
          [](EncounterSummaryState& st, const CArray<double>& procedural, const CArray<double>& personal,
             const CArray<std::int8_t>& quadrant, const std::optional<CArray<std::int32_t>>& weakest_procedural,
             const std::optional<CArray<std::int32_t>>& weakest_personal,
             const std::optional<CArray<std::int32_t>>& codes, const py::object& keys,
             const std::optional<CArray<double>>& weights, const std::optional<py::list>& ratings,
             std::int64_t row_offset) {
            EncounterScoresView v;
            v.n = procedural.size();
            auto check = [&](const py::array& a, const char* what) {
              if (a.ndim() != 1 || a.size() != v.n)
                throw input_error(std::string(what) + ": expected a 1-D array of " + std::to_string(v.n) +
                                  " values, got shape of size " + std::to_string(a.size()));
            };
            check(procedural, "procedural");
            check(personal, "personal");
            check(quadrant, "quadrant");
            v.procedural = procedural.data();
            v.personal = personal.data();
            v.quadrant = quadrant.data();
            if (weakest_procedural)
              check(*weakest_procedural, "weakest_procedural"), v.weakest_procedural = weakest_procedural->data();
            if (weakest_personal)
              check(*weakest_personal, "weakest_personal"), v.weakest_personal = weakest_personal->data();
            const Eigen::Map<const VectorXi32> c =
                codes ? bind::as_vector(*codes, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const Eigen::Map<const Eigen::VectorXd> w =
                weights ? bind::as_vector(*weights, "weights") : Eigen::Map<const Eigen::VectorXd>(nullptr, 0);
            std::vector<RatingColumn> cols;
            if (ratings) {
              const auto& inds = st.config().indicators;
              for (std::size_t j = 0; j < ratings->size(); ++j) {
                cols.push_back(rating_column((*ratings)[j], j < inds.size() ? inds[j].name : std::to_string(j)));
                if (static_cast<std::ptrdiff_t>(py::len((*ratings)[j])) != v.n)
                  throw input_error("ratings: column '" + (j < inds.size() ? inds[j].name : std::to_string(j)) +
                                    "' has " + std::to_string(py::len((*ratings)[j])) + " values; expected " +
                                    std::to_string(v.n));
              }
            }
            // GroupKeys is registered after this area: taken as an object, cast here
            const GroupKeys none;
            const GroupKeys& k = keys.is_none() ? none : keys.cast<const GroupKeys&>();
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(v, c, k, w, cols, row_offset);
          },
          py::arg("procedural"), py::arg("personal"), py::arg("quadrant"), py::arg("weakest_procedural") = py::none(),
          py::arg("weakest_personal") = py::none(), py::arg("codes") = py::none(), py::arg("keys") = py::none(),
          py::arg("weights") = py::none(), py::arg("ratings") = py::none(), py::arg("row_offset") = 0,
          "Count a batch of scored encounters (codes of `keys` per row; ratings: one 1-D numeric array per "
          "indicator, read in place).")
      .def(
          "merge",
          [](EncounterSummaryState& a, const EncounterSummaryState& b) -> EncounterSummaryState& { return a.merge(b); },
          py::arg("other"), py::return_value_policy::reference_internal)
      .def(
          "result",
          [](const EncounterSummaryState& s, bool key_order) {
            EncounterSummary r;
            {
              py::gil_scoped_release release;  // pure C++ on the state
              r = s.result(key_order);
            }
            return summary_dict(std::move(r));
          },
          py::arg("key_order") = true)
      .def("to_bytes", [](const EncounterSummaryState& s) { return py::bytes(s.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            py::gil_scoped_release release;  // pure C++ over an owned copy
            return EncounterSummaryState::from_bytes(s);
          },
          py::arg("data"))
      .def(
          "__eq__", [](const EncounterSummaryState& a, const EncounterSummaryState& b) { return a == b; },
          py::is_operator())
      .def(py::pickle([](const EncounterSummaryState& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return EncounterSummaryState::from_bytes(t[0].cast<std::string>()); }))
      .def("__repr__", [](const EncounterSummaryState& s) {
        return "EncounterSummaryState(" + std::to_string(s.rows()) + " encounters, " + std::to_string(s.groups()) +
               " group(s))";
      });

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
