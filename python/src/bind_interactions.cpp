#include <optional>

#include "bind_state.hpp"
#include "bind_util.hpp"
#include "servscore/interactions.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> as_table(const CArray<T>& a,
                                                                                             const char* what) {
  if (a.ndim() != 2)
    throw input_error(std::string(what) + ": expected a 2-D array (interactions x columns), got " +
                      std::to_string(a.ndim()) + " dimension(s)");
  return {a.data(), a.shape(0), a.shape(1)};
}

py::dict rates_dict(InteractionRates r) {
  py::dict d;
  d["interactions"] = py::array(py::cast(r.interactions));
  d["texts"] = py::array(py::cast(r.texts));
  d["flagged"] = bind::to_numpy(std::move(r.flagged));
  d["cue_texts"] = bind::to_numpy(std::move(r.cue_texts));
  d["cue_hits"] = bind::to_numpy(std::move(r.cue_hits));
  d["risk_share"] = bind::to_numpy(std::move(r.risk_share));
  d["cue_share"] = bind::to_numpy(std::move(r.cue_share));
  return d;
}
}  // namespace

void register_interactions(py::module_& m) {
  py::class_<InteractionRatesState> rates(
      m, "InteractionRatesState",
      "Mergeable interaction risk and cue rates per group key (texts, flags per lost-sale reason, texts with a hit "
      "and hits per cue); byte image SSIRATE1.");
  rates
      .def(py::init([](std::vector<std::string> cues, std::vector<std::string> key_names) {
             InteractionRatesConfig c;
             c.cues = std::move(cues);
             return InteractionRatesState(std::move(c), std::move(key_names));
           }),
           py::arg("cues"), py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("cues", [](const InteractionRatesState& s) { return s.config().cues; })
      .def_property_readonly("config_json", [](const InteractionRatesState& s) { return to_json(s.config()); })
      .def(
          "update",
          [](InteractionRatesState& st, const CArray<std::int8_t>& present, const CArray<std::int8_t>& risks,
             const CArray<std::int32_t>& cue_counts, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, std::int64_t row_offset) {
            const auto p = bind::as_vector(present, "present");
            const auto r = as_table(risks, "risks");
            const auto c = as_table(cue_counts, "cue_counts");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(p, r, c, g, keys ? *keys : none, row_offset);
          },
          py::arg("present"), py::arg("risks"), py::arg("cue_counts"), py::arg("groups") = py::none(),
          py::arg("keys") = py::none(), py::arg("row_offset") = 0,
          "Count a batch of classified interactions: text present (0 / 1 per row), lost-sale flags (n x 14, "
          "0 / 1) and cue hits (n x cues), per group of `keys`.")
      .def(
          "result", [](const InteractionRatesState& st, bool key_order) { return rates_dict(st.result(key_order)); },
          py::arg("key_order") = true)
      .def(
          "result_of",
          [](const InteractionRatesState& st, const std::vector<std::int32_t>& codes) {
            return rates_dict(st.result_of(codes));
          },
          py::arg("codes"), "The counts of the groups `codes` in that order (-1: a group without interactions).");
  bind::def_grouped_state(rates, "InteractionRatesState", "interactions");
}
