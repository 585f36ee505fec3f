// Standards area: the mergeable compliance state (the standard set and check_standards are bound
// in bind_needs.cpp, whose condition language they share).
#include <optional>
#include <string>
#include <vector>

#include "bind_state.hpp"
#include "bind_util.hpp"
#include "servscore/standards.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_standards(py::module_& m) {
  py::class_<ComplianceState>(m, "ComplianceState",
                              "Mergeable compliance counts per group key and standard; byte image SSCOMPL1.")
      .def(py::init<StandardSet, std::vector<std::string>>(), py::arg("standards"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("standards", &ComplianceState::standards)
      .def_property_readonly("keys", &ComplianceState::keys)
      .def_property_readonly("key_names", [](const ComplianceState& s) { return s.keys().names(); })
      .def_property_readonly("groups", &ComplianceState::groups)
      .def_property_readonly("rows", &ComplianceState::rows)
      .def("sorted_codes",
           [](const ComplianceState& s) {
             auto c = s.sorted_codes();
             return py::array_t<std::int32_t>(static_cast<py::ssize_t>(c.size()), c.data());
           })
      .def(
          "update",
          [](ComplianceState& st, const CArray<std::int8_t>& codes, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, std::int64_t row_offset) {
            if (codes.ndim() != 2) throw input_error("codes: expected a 2-D array (records x standards)");
            Eigen::Map<const RowMatrixXi8> c(codes.data(), codes.shape(0), codes.shape(1));
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(c, g, keys ? *keys : none, row_offset);
          },
          py::arg("codes"), py::arg("groups") = py::none(), py::arg("keys") = py::none(), py::arg("row_offset") = 0,
          "Count check_standards codes (records x standards, int8) with group codes of `keys`.")
      .def(
          "merge", [](ComplianceState& a, const ComplianceState& b) -> ComplianceState& { return a.merge(b); },
          py::arg("other"), py::return_value_policy::reference_internal)
      .def(
          "result",
          [](const ComplianceState& s, bool key_order) {
            ComplianceCounts r = s.result(key_order);
            py::dict d;
            d["met"] = bind::to_numpy(std::move(r.met));
            d["observed"] = bind::to_numpy(std::move(r.observed));
            d["not_applicable"] = bind::to_numpy(std::move(r.not_applicable));
            d["not_observed"] = bind::to_numpy(std::move(r.not_observed));
            return d;
          },
          py::arg("key_order") = true)
      .def("to_bytes", [](const ComplianceState& s) { return py::bytes(s.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            py::gil_scoped_release release;  // pure C++ over an owned copy
            return ComplianceState::from_bytes(s);
          },
          py::arg("data"))
      .def(
          "__eq__", [](const ComplianceState& a, const ComplianceState& b) { return a == b; }, py::is_operator())
      .def(py::pickle([](const ComplianceState& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return ComplianceState::from_bytes(t[0].cast<std::string>()); }))
      .def("__repr__", [](const ComplianceState& s) {
        return "ComplianceState(" + std::to_string(s.rows()) + " records, " + std::to_string(s.groups()) + " group(s))";
      });

  py::class_<TimeState>(m, "TimeState",
                        "Mergeable time-element durations per group key (exact quantiles up to exact_cap values per "
                        "cell, then a relative-error histogram); byte image SSTIMES1.")
      .def(py::init<TimeConfig, std::vector<std::string>, std::int64_t, double>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{}, py::arg("exact_cap") = 100000,
           py::arg("relative_accuracy") = 0.005)
      .def_property_readonly("config", &TimeState::config)
      .def_property_readonly("keys", &TimeState::keys)
      .def_property_readonly("key_names", [](const TimeState& s) { return s.keys().names(); })
      .def_property_readonly("groups", &TimeState::groups)
      .def_property_readonly("rows", &TimeState::rows)
      .def_property_readonly("exact_cap", &TimeState::exact_cap)
      .def_property_readonly("relative_accuracy", &TimeState::relative_accuracy)
      .def("sorted_codes",
           [](const TimeState& s) {
             auto c = s.sorted_codes();
             return py::array_t<std::int32_t>(static_cast<py::ssize_t>(c.size()), c.data());
           })
      .def(
          "update",
          [](TimeState& st, const CArray<double>& values, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, std::int64_t row_offset) {
            auto x = bind::as_records(values, "values");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(x, g, keys ? *keys : none, row_offset);
          },
          py::arg("values"), py::arg("groups") = py::none(), py::arg("keys") = py::none(), py::arg("row_offset") = 0,
          "Count durations (records x elements, float64, NaN missing) with group codes of `keys`.")
      .def(
          "merge", [](TimeState& a, const TimeState& b) -> TimeState& { return a.merge(b); }, py::arg("other"),
          py::return_value_policy::reference_internal)
      .def(
          "result",
          [](const TimeState& s, bool key_order) {
            Eigen::MatrixXd exact;
            TimeSummary r;
            {
              py::gil_scoped_release release;  // pure C++ on the state
              r = s.result(key_order, &exact);
            }
            py::dict d;
            d["n"] = bind::to_numpy(std::move(r.n));
            d["n_missing"] = bind::to_numpy(std::move(r.n_missing));
            d["attained"] = bind::to_numpy(std::move(r.attained));
            d["mean"] = bind::to_numpy(std::move(r.mean));
            d["mean_excess"] = bind::to_numpy(std::move(r.mean_excess));
            py::list q;
            for (auto& m : r.quantiles) q.append(bind::to_numpy(std::move(m)));
            d["quantiles"] = q;
            d["exact"] = bind::to_numpy(std::move(exact));
            return d;
          },
          py::arg("key_order") = true)
      .def("to_bytes", [](const TimeState& s) { return py::bytes(s.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            py::gil_scoped_release release;  // pure C++ over an owned copy
            return TimeState::from_bytes(s);
          },
          py::arg("data"))
      .def(py::pickle([](const TimeState& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return TimeState::from_bytes(t[0].cast<std::string>()); }))
      .def("__repr__", [](const TimeState& s) {
        return "TimeState(" + std::to_string(s.rows()) + " records, " + std::to_string(s.groups()) + " group(s))";
      });

  py::class_<MomentsState> moments_state(m, "MomentsState",
                                         "Mergeable moments-of-truth aggregates per group key and moment (batches "
                                         "hold whole visits); byte image SSMOMTS1.");
  moments_state
      .def(py::init<MomentsConfig, std::vector<std::string>>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("config", &MomentsState::config)
      .def(
          "update",
          [](MomentsState& st, const CArray<std::int32_t>& visit, const CArray<double>& order,
             const CArray<std::int32_t>& moment, const CArray<double>& score, int n_visits,
             const std::vector<std::string>& moment_names, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, std::int64_t row_offset) {
            auto v = bind::as_vector(visit, "visit");
            auto o = bind::as_vector(order, "order");
            auto mo = bind::as_vector(moment, "moment");
            auto sc = bind::as_vector(score, "score");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(v, o, mo, sc, n_visits, moment_names, g, keys ? *keys : none, row_offset);
          },
          py::arg("visit"), py::arg("order"), py::arg("moment"), py::arg("score"), py::arg("n_visits"),
          py::arg("moment_names"), py::arg("groups") = py::none(), py::arg("keys") = py::none(),
          py::arg("row_offset") = 0, "Analyse a batch of whole visits (codes as analyze_moments) and count it.")
      .def("result", [](const MomentsState& st) {
        MomentsCounts r = st.result();
        py::dict d;
        d["group"] = py::array(py::cast(r.group));
        d["moment"] = r.moment;
        d["cell_rows"] = bind::to_numpy(std::move(r.cell_rows));
        d["n"] = bind::to_numpy(std::move(r.n));
        d["sum"] = bind::to_numpy(std::move(r.sum));
        d["failed"] = bind::to_numpy(std::move(r.failed));
        d["weakest"] = bind::to_numpy(std::move(r.weakest));
        d["position_sum"] = bind::to_numpy(std::move(r.position_sum));
        d["rows"] = bind::to_numpy(std::move(r.rows));
        d["n_missing"] = bind::to_numpy(std::move(r.n_missing));
        d["visits_scored"] = bind::to_numpy(std::move(r.visits_scored));
        d["bad_endings"] = bind::to_numpy(std::move(r.bad_endings));
        return d;
      });
  bind::def_grouped_state(moments_state, "MomentsState", "rows");
}
