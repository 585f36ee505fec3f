#include "bind_util.hpp"
#include "servscore/drivers.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

Eigen::VectorXd vec_or_empty(const py::object& o, const char* what) {
  if (o.is_none()) return Eigen::VectorXd();
  auto a = o.cast<CArray<double>>();
  return bind::as_vector(a, what);
}

Eigen::MatrixXd square(const CArray<double>& a, const char* what) {
  if (a.ndim() != 2) throw input_error(std::string(what) + ": expected a 2-D matrix");
  return Eigen::Map<const RowMatrixXd>(a.data(), a.shape(0), a.shape(1));
}

py::dict dominance_dict(DominanceResult&& r) {
  py::dict d;
  d["r2"] = r.r2;
  d["general"] = bind::to_numpy(std::move(r.general));
  d["se"] = bind::to_numpy(std::move(r.se));
  d["r2_single"] = bind::to_numpy(std::move(r.r2_single));
  d["conditional"] = bind::to_numpy(std::move(r.conditional));
  d["complete"] = bind::to_numpy(std::move(r.complete));
  d["exact"] = r.exact;
  d["n_evaluated"] = r.n_evaluated;
  return d;
}

// Raises KeyboardInterrupt (and friends) between chunks of the long loops.
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

DominanceSpec make_spec(const std::vector<std::vector<int>>& units, const std::vector<int>& always) {
  DominanceSpec s;
  s.units = units;
  s.always = always;
  return s;
}

}  // namespace

void register_drivers(py::module_& m) {
  py::class_<DriverConfig> cfg(m, "DriverConfig", "Configuration of key-driver analysis (see servscore.drivers).");
  bind::def_config(cfg, &driver_config_from_json, [](const DriverConfig& c) { return to_json(c); });
  cfg.def_readwrite("exact_max_predictors", &DriverConfig::exact_max_predictors)
      .def_readwrite("complete_max_predictors", &DriverConfig::complete_max_predictors)
      .def_readwrite("n_permutations", &DriverConfig::n_permutations)
      .def_readwrite("seed", &DriverConfig::seed)
      .def_readwrite("n_bootstrap", &DriverConfig::n_bootstrap)
      .def_readwrite("alpha", &DriverConfig::alpha)
      .def_readwrite("collinearity_tol", &DriverConfig::collinearity_tol)
      .def_readwrite("dominance_tol", &DriverConfig::dominance_tol)
      .def_property_readonly("missing", [](const DriverConfig& c) {
        return std::string(c.missing == MissingPolicy::listwise ? "listwise" : "pairwise");
      });

  py::class_<PenaltyRewardConfig> prc(m, "PenaltyRewardConfig",
                                      "Configuration of penalty-reward contrast analysis (see servscore.drivers).");
  bind::def_config(prc, &penalty_reward_config_from_json, [](const PenaltyRewardConfig& c) { return to_json(c); });
  prc.def_readwrite("low_max", &PenaltyRewardConfig::low_max)
      .def_readwrite("high_min", &PenaltyRewardConfig::high_min)
      .def_readwrite("asymmetry_threshold", &PenaltyRewardConfig::asymmetry_threshold);

  py::class_<IpaConfig> ic(m, "IpaConfig", "Configuration of importance-performance analysis (see servscore.ipa).");
  bind::def_config(ic, &ipa_config_from_json, [](const IpaConfig& c) { return to_json(c); });
  ic.def_readwrite("scale_min", &IpaConfig::scale_min)
      .def_readwrite("scale_max", &IpaConfig::scale_max)
      .def_readwrite("importance_min", &IpaConfig::importance_min)
      .def_readwrite("importance_max", &IpaConfig::importance_max);

  m.def(
      "drivers_correlation",
      [](const CArray<double>& x, const CArray<double>& y, const py::object& weights, const DriverConfig& config,
         const std::vector<std::string>& names) {
        auto xm = bind::as_records(x, "X");
        auto ym = bind::as_vector(y, "y");
        Eigen::VectorXd w = vec_or_empty(weights, "weights");
        CorrelationInput c;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          c = correlation_from_data(xm, ym, w, config, names);
        }
        py::dict d;
        d["corr"] = bind::to_numpy(std::move(c.corr));
        d["mean"] = bind::to_numpy(std::move(c.mean));
        d["sd"] = bind::to_numpy(std::move(c.sd));
        d["n_rows"] = c.n_rows;
        d["n_used"] = c.n_used;
        d["n_dropped"] = c.n_dropped;
        d["n_missing"] = c.n_missing;
        d["sum_weights"] = c.sum_weights;
        d["effective_n"] = c.effective_n;
        return d;
      },
      py::arg("x"), py::arg("y"), py::arg("weights"), py::arg("config"), py::arg("names"));

  m.def(
      "drivers_correlation_from_covariance",
      [](const CArray<double>& cov, const std::vector<std::string>& names) {
        return correlation_from_covariance(square(cov, "matrix"), names);
      },
      py::arg("cov"), py::arg("names"));

  m.def(
      "drivers_dominance",
      [](const CArray<double>& corr, const DriverConfig& config, int workers, const std::vector<std::string>& names) {
        Eigen::MatrixXd c = square(corr, "correlation matrix");
        DominanceResult r;
        {
          py::gil_scoped_release release;  // pure C++ on a copy
          r = dominance(c, config, workers, names);
        }
        return dominance_dict(std::move(r));
      },
      py::arg("corr"), py::arg("config"), py::arg("workers") = 1, py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_dominance_sets",
      [](const CArray<double>& corr, const DriverConfig& config, const std::vector<std::vector<int>>& units,
         const std::vector<int>& always, int workers, const std::vector<std::string>& names) {
        Eigen::MatrixXd c = square(corr, "correlation matrix");
        DominanceSpec spec = make_spec(units, always);
        DominanceResult r;
        {
          py::gil_scoped_release release;  // pure C++ on a copy; checks for Ctrl-C between chunks of subsets
          r = dominance(c, config, spec, workers, names, check_signals);
        }
        double r2a = r.r2_always;
        py::dict d = dominance_dict(std::move(r));
        d["r2_always"] = r2a;
        return d;
      },
      py::arg("corr"), py::arg("config"), py::arg("units"), py::arg("always"), py::arg("workers") = 1,
      py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_metric",
      [](const CArray<double>& corr, int metric, const DriverConfig& config, const std::vector<std::vector<int>>& units,
         const std::vector<int>& always, int workers, const std::vector<std::string>& names) {
        if (metric < 0 || metric > 7) throw config_error("metric: " + std::to_string(metric) + "; expected 0 to 7");
        Eigen::MatrixXd c = square(corr, "correlation matrix");
        DominanceSpec spec = make_spec(units, always);
        Eigen::VectorXd v;
        {
          py::gil_scoped_release release;  // pure C++ on a copy
          v = importance_metric(c, static_cast<ImportanceMetric>(metric), config, spec, workers, names);
        }
        return bind::to_numpy(std::move(v));
      },
      py::arg("corr"), py::arg("metric"), py::arg("config"), py::arg("units"), py::arg("always"),
      py::arg("workers") = 1, py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_bootstrap_indices",
      [](std::int64_t n, std::uint64_t seed, std::int64_t b) {
        std::vector<std::int64_t> v = bootstrap_indices(n, seed, b);
        return py::array_t<std::int64_t>(static_cast<py::ssize_t>(v.size()), v.data());
      },
      py::arg("n"), py::arg("seed"), py::arg("b"), "Row indices (0-based, into the complete rows) of resample b.");

  m.def(
      "drivers_bootstrap",
      [](const CArray<double>& x, const CArray<double>& y, const py::object& weights, const DriverConfig& config,
         int metric, bool bca, const std::vector<std::vector<int>>& units, const std::vector<int>& always,
         bool dominance_shares, int workers, const std::vector<std::string>& names) {
        if (metric < 0 || metric > 7) throw config_error("metric: " + std::to_string(metric) + "; expected 0 to 7");
        auto xm = bind::as_records(x, "X");
        auto ym = bind::as_vector(y, "y");
        Eigen::VectorXd w = vec_or_empty(weights, "weights");
        DominanceSpec spec = make_spec(units, always);
        DriverBootstrap r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays; checks for Ctrl-C between chunks
          r = driver_bootstrap(xm, ym, w, config, static_cast<ImportanceMetric>(metric),
                               bca ? DriverInterval::bca : DriverInterval::percentile, spec, dominance_shares, workers,
                               names, check_signals);
        }
        py::dict d;
        d["estimate"] = bind::to_numpy(std::move(r.estimate));
        d["replicates"] = bind::to_numpy(std::move(r.replicates));
        d["lower"] = bind::to_numpy(std::move(r.lower));
        d["upper"] = bind::to_numpy(std::move(r.upper));
        d["se"] = bind::to_numpy(std::move(r.se));
        d["pairs"] = bind::to_numpy(std::move(r.pairs));
        d["diff_estimate"] = bind::to_numpy(std::move(r.diff_estimate));
        d["diff_lower"] = bind::to_numpy(std::move(r.diff_lower));
        d["diff_upper"] = bind::to_numpy(std::move(r.diff_upper));
        d["diff_se"] = bind::to_numpy(std::move(r.diff_se));
        d["z0"] = bind::to_numpy(std::move(r.z0));
        d["acceleration"] = bind::to_numpy(std::move(r.acceleration));
        d["complete_share"] = bind::to_numpy(std::move(r.complete_share));
        d["conditional_share"] = bind::to_numpy(std::move(r.conditional_share));
        d["general_share"] = bind::to_numpy(std::move(r.general_share));
        d["n_bootstrap"] = r.n_bootstrap;
        d["n_failed"] = r.n_failed;
        d["n_used"] = r.n_used;
        return d;
      },
      py::arg("x"), py::arg("y"), py::arg("weights"), py::arg("config"), py::arg("metric"), py::arg("bca"),
      py::arg("units"), py::arg("always"), py::arg("dominance_shares"), py::arg("workers") = 1,
      py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_dominance_logistic",
      [](const CArray<double>& x, const CArray<double>& y, const py::object& weights, const DriverConfig& config,
         bool estrella, const std::vector<std::vector<int>>& units, const std::vector<int>& always, int workers,
         const std::vector<std::string>& names) {
        auto xm = bind::as_records(x, "X");
        auto ym = bind::as_vector(y, "y");
        Eigen::VectorXd w = vec_or_empty(weights, "weights");
        DominanceSpec spec = make_spec(units, always);
        DominanceResult r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays; checks for Ctrl-C between chunks
          r = dominance_logistic(xm, ym, w, config, estrella ? PseudoR2::estrella : PseudoR2::mcfadden, spec, workers,
                                 names, check_signals);
        }
        double r2a = r.r2_always;
        py::dict d = dominance_dict(std::move(r));
        d["r2_always"] = r2a;
        return d;
      },
      py::arg("x"), py::arg("y"), py::arg("weights"), py::arg("config"), py::arg("estrella"), py::arg("units"),
      py::arg("always"), py::arg("workers") = 1, py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_subset_r2",
      [](const CArray<double>& corr, std::uint64_t mask) {
        return subset_r2(square(corr, "correlation matrix"), mask);
      },
      py::arg("corr"), py::arg("mask"));

  m.def(
      "drivers_relative_weights",
      [](const CArray<double>& corr, const DriverConfig& config, const std::vector<std::string>& names) {
        Eigen::MatrixXd c = square(corr, "correlation matrix");
        RelativeWeights r;
        {
          py::gil_scoped_release release;  // pure C++ on a copy
          r = relative_weights(c, config, names);
        }
        py::dict d;
        d["r2"] = r.r2;
        d["raw"] = bind::to_numpy(std::move(r.raw));
        d["beta"] = bind::to_numpy(std::move(r.beta));
        d["sign"] = bind::to_numpy(std::move(r.sign));
        return d;
      },
      py::arg("corr"), py::arg("config"), py::arg("names") = std::vector<std::string>());

  m.def(
      "drivers_relative_weights_test",
      [](const CArray<double>& x, const CArray<double>& y, const py::object& weights, const DriverConfig& config,
         int workers) {
        auto xm = bind::as_records(x, "X");
        auto ym = bind::as_vector(y, "y");
        Eigen::VectorXd w = vec_or_empty(weights, "weights");
        RelativeWeightsTest t;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          t = relative_weights_test(xm, ym, w, config, workers);
        }
        py::dict d;
        d["ci_low"] = bind::to_numpy(std::move(t.ci_low));
        d["ci_high"] = bind::to_numpy(std::move(t.ci_high));
        d["diff_low"] = bind::to_numpy(std::move(t.diff_low));
        d["diff_high"] = bind::to_numpy(std::move(t.diff_high));
        d["p_value"] = bind::to_numpy(std::move(t.p_value));
        d["random_weight"] = t.random_weight;
        d["n_bootstrap"] = t.n_bootstrap;
        d["n_failed"] = t.n_failed;
        return d;
      },
      py::arg("x"), py::arg("y"), py::arg("weights"), py::arg("config"), py::arg("workers") = 1);

  m.def(
      "drivers_penalty_reward",
      [](const CArray<double>& x, const CArray<double>& y, const py::object& weights, const PenaltyRewardConfig& config,
         const std::vector<std::string>& names) {
        auto xm = bind::as_records(x, "X");
        auto ym = bind::as_vector(y, "y");
        Eigen::VectorXd w = vec_or_empty(weights, "weights");
        PenaltyReward r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = penalty_reward(xm, ym, w, config, names);
        }
        py::dict d;
        d["penalty"] = bind::to_numpy(std::move(r.penalty));
        d["reward"] = bind::to_numpy(std::move(r.reward));
        d["asymmetry"] = bind::to_numpy(std::move(r.asymmetry));
        d["factor_class"] = bind::to_numpy(std::move(r.factor_class));
        d["n_low"] = bind::to_numpy(std::move(r.n_low));
        d["n_high"] = bind::to_numpy(std::move(r.n_high));
        d["intercept"] = r.intercept;
        d["r2"] = r.r2;
        d["n_used"] = r.n_used;
        d["n_dropped"] = r.n_dropped;
        return d;
      },
      py::arg("x"), py::arg("y"), py::arg("weights"), py::arg("config"), py::arg("names"));

  m.def(
      "drivers_ipa",
      [](const CArray<double>& performance, const CArray<double>& importance, const IpaConfig& config,
         const std::vector<std::string>& names) {
        IpaResult r =
            ipa(bind::as_vector(performance, "performance"), bind::as_vector(importance, "importance"), config, names);
        py::dict d;
        d["performance_cut"] = r.performance_cut;
        d["importance_cut"] = r.importance_cut;
        d["quadrant"] = bind::to_numpy(std::move(r.quadrant));
        d["priority"] = bind::to_numpy(std::move(r.priority));
        return d;
      },
      py::arg("performance"), py::arg("importance"), py::arg("config"), py::arg("names"));
}
