#include <optional>

#include "bind_state.hpp"
#include "bind_util.hpp"
#include "servscore/lifecycle.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {
py::dict summary_dict(LifecycleSummary r) {
  py::dict d;
  d["n"] = bind::to_numpy(std::move(r.n));
  d["n_missing"] = bind::to_numpy(std::move(r.n_missing));
  d["index"] = bind::to_numpy(std::move(r.index));
  d["sd"] = bind::to_numpy(std::move(r.sd));
  d["lower"] = bind::to_numpy(std::move(r.lower));
  d["upper"] = bind::to_numpy(std::move(r.upper));
  d["importance"] = bind::to_numpy(std::move(r.importance));
  d["quadrant"] = bind::to_numpy(std::move(r.quadrant));
  d["weak"] = bind::to_numpy(std::move(r.weak));
  d["strong"] = bind::to_numpy(std::move(r.strong));
  d["journey"] = bind::to_numpy(std::move(r.journey));
  d["weakest"] = bind::to_numpy(std::move(r.weakest));
  d["strongest"] = bind::to_numpy(std::move(r.strongest));
  d["respondents"] = py::array(py::cast(r.respondents));
  return d;
}
}  // namespace

void register_lifecycle(py::module_& m) {
  py::class_<Touchpoint>(m, "Touchpoint", "One touchpoint: column name, lifecycle stage and importance.")
      .def(py::init([](std::string name, const std::string& stage, double importance) {
             return Touchpoint{std::move(name), parse<LifecycleStage>(stage), importance};
           }),
           py::arg("name"), py::arg("stage"), py::arg("importance") = 1.0)
      .def_readwrite("name", &Touchpoint::name)
      .def_property(
          "stage", [](const Touchpoint& t) { return std::string(to_string(t.stage)); },
          [](Touchpoint& t, const std::string& s) { t.stage = parse<LifecycleStage>(s); })
      .def_readwrite("importance", &Touchpoint::importance)
      .def("to_dict",
           [](const Touchpoint& t) {
             py::dict d;
             d["name"] = t.name;
             d["stage"] = to_string(t.stage);
             d["importance"] = t.importance;
             return d;
           })
      .def(
          "__eq__", [](const Touchpoint& a, const Touchpoint& b) { return a == b; }, py::is_operator())
      .def("__repr__", [](const Touchpoint& t) {
        return "Touchpoint(name='" + t.name + "', stage='" + to_string(t.stage) +
               "', importance=" + std::string(py::str(py::float_(t.importance))) + ")";
      });

  py::class_<LifecycleConfig> cfg(m, "LifecycleConfig",
                                  "Configuration of the lifecycle indices (see servscore.lifecycle).");
  bind::def_config(cfg, &lifecycle_config_from_json, [](const LifecycleConfig& c) { return to_json(c); });
  cfg.def_readwrite("scale_min", &LifecycleConfig::scale_min)
      .def_readwrite("scale_max", &LifecycleConfig::scale_max)
      .def_property(
          "touchpoints", [](const LifecycleConfig& c) { return py::tuple(py::cast(c.touchpoints)); },
          [](LifecycleConfig& c, const std::vector<Touchpoint>& v) { c.touchpoints = v; })
      .def_property_readonly("stage_weights",
                             [](const LifecycleConfig& c) {
                               py::dict d;
                               for (int s = 0; s < kLifecycleStages; ++s)
                                 d[to_string(static_cast<LifecycleStage>(s))] =
                                     c.stage_weights[static_cast<std::size_t>(s)];
                               return d;
                             })
      .def_readwrite("min_coverage", &LifecycleConfig::min_coverage)
      .def_readwrite("margin", &LifecycleConfig::margin)
      .def_readwrite("confidence", &LifecycleConfig::confidence)
      .def_readwrite("ipa_rule", &LifecycleConfig::ipa_rule)
      .def_readwrite("min_n", &LifecycleConfig::min_n)
      .def("index_of", &LifecycleConfig::index_of, py::arg("name"));
  m.def("default_touchpoints", &default_touchpoints);

  m.def(
      "touchpoint_importance",
      [](const CArray<double>& ratings, const LifecycleConfig& c, double lo, double hi) {
        auto x = bind::as_records(ratings, "importance");
        Eigen::VectorXd r;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          r = touchpoint_importance(x, c, lo, hi);
        }
        return bind::to_numpy(std::move(r));
      },
      py::arg("ratings"), py::arg("config"), py::arg("lo"), py::arg("hi"));

  m.def(
      "score_lifecycle",
      [](const CArray<double>& ratings, const LifecycleConfig& c, int workers) {
        auto x = bind::as_records(ratings, "ratings");
        RowMatrixXd r;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          r = score_lifecycle(x, c, workers);
        }
        return bind::to_numpy(std::move(r));
      },
      py::arg("ratings"), py::arg("config"), py::arg("workers") = 1);

  m.def(
      "welch_differences",
      [](const Eigen::VectorXd& ma, const Eigen::VectorXd& sa, const Eigen::VectorXd& na, const Eigen::VectorXd& mb,
         const Eigen::VectorXd& sb, const Eigen::VectorXd& nb, double confidence) {
        MeanDifferences r = welch_differences(ma, sa, na, mb, sb, nb, confidence);
        py::dict d;
        d["diff"] = bind::to_numpy(std::move(r.diff));
        d["lower"] = bind::to_numpy(std::move(r.lower));
        d["upper"] = bind::to_numpy(std::move(r.upper));
        d["df"] = bind::to_numpy(std::move(r.df));
        return d;
      },
      py::arg("mean_a"), py::arg("sd_a"), py::arg("n_a"), py::arg("mean_b"), py::arg("sd_b"), py::arg("n_b"),
      py::arg("confidence") = 0.95);

  m.def(
      "summarize_lifecycle",
      [](const CArray<double>& scores, const LifecycleConfig& c, const CArray<std::int32_t>& groups, int n_groups) {
        auto x = bind::as_records(scores, "scores");
        VectorXi32 g = bind::as_vector(groups, "groups");
        LifecycleSummary r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = summarize_lifecycle(x, c, g, n_groups);
        }
        return summary_dict(std::move(r));
      },
      py::arg("scores"), py::arg("config"), py::arg("groups"), py::arg("n_groups"));

  py::class_<LifecycleState> lifecycle_state(
      m, "LifecycleState", "Mergeable lifecycle stage indices per group key (counts, means, M2); byte image SSLIFEC1.");
  lifecycle_state
      .def(py::init<LifecycleConfig, std::vector<std::string>>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("config", &LifecycleState::config)
      .def(
          "update",
          [](LifecycleState& st, const CArray<double>& ratings, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, int workers, std::int64_t row_offset) {
            auto x = bind::as_records(ratings, "ratings");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(x, g, keys ? *keys : none, workers, row_offset);
          },
          py::arg("ratings"), py::arg("groups") = py::none(), py::arg("keys") = py::none(), py::arg("workers") = 1,
          py::arg("row_offset") = 0,
          "Score a batch of touchpoint ratings (n x touchpoints) and count it per group of `keys`.")
      .def(
          "update_scores",
          [](LifecycleState& st, const CArray<double>& scores, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, std::int64_t row_offset) {
            auto x = bind::as_records(scores, "scores");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update_scores(x, g, keys ? *keys : none, row_offset);
          },
          py::arg("scores"), py::arg("groups") = py::none(), py::arg("keys") = py::none(), py::arg("row_offset") = 0,
          "Count a batch of respondent stage scores (n x 8, the output of score_lifecycle).")
      .def(
          "result", [](const LifecycleState& st, bool key_order) { return summary_dict(st.result(key_order)); },
          py::arg("key_order") = true)
      .def(
          "result_of",
          [](const LifecycleState& st, const std::vector<std::int32_t>& codes) {
            return summary_dict(st.result_of(codes));
          },
          py::arg("codes"), "The summary of the groups `codes` in that order (-1: a group without respondents).");
  bind::def_grouped_state(lifecycle_state, "LifecycleState", "respondents");
}
