#include "bind_util.hpp"
#include "servscore/omega.hpp"
#include "servscore/reliability.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {
// Raises KeyboardInterrupt (and friends) between blocks of resamples / splits.
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

py::dict omega_dict(OmegaResult&& r) {
  py::dict d;
  d["k"] = r.k;
  d["nfactors"] = r.nfactors;
  d["omega_h"] = r.omega_h;
  d["omega_total"] = r.omega_total;
  d["omega_limit"] = r.omega_limit;
  d["alpha"] = r.alpha;
  d["lambda6"] = r.lambda6;
  d["ecv"] = r.ecv;
  d["keys"] = bind::to_numpy(std::move(r.keys));
  d["sl"] = bind::to_numpy(Eigen::MatrixXd(r.sl));
  d["h2"] = bind::to_numpy(std::move(r.h2));
  d["u2"] = bind::to_numpy(std::move(r.u2));
  d["p2"] = bind::to_numpy(std::move(r.p2));
  d["oblique"] = bind::to_numpy(Eigen::MatrixXd(r.oblique));
  d["orthogonal"] = bind::to_numpy(Eigen::MatrixXd(r.orthogonal));
  d["phi"] = bind::to_numpy(Eigen::MatrixXd(r.phi));
  d["gloading"] = bind::to_numpy(std::move(r.gloading));
  d["group_total"] = bind::to_numpy(std::move(r.group_total));
  d["group_general"] = bind::to_numpy(std::move(r.group_general));
  d["group_group"] = bind::to_numpy(std::move(r.group_group));
  Eigen::VectorXd grp = r.group_of_item.cast<double>();
  d["group_of_item"] = bind::to_numpy(std::move(grp));
  d["minres_iterations"] = r.minres_iterations;
  d["rotation_iterations"] = r.rotation_iterations;
  d["converged"] = r.converged;
  return d;
}

OmegaConfig omega_config(int nfactors, double gamma, double rotation_eps, int rotation_max_iterations,
                         double varimax_eps, bool flip, int minres_max_iterations, double minres_tolerance) {
  OmegaConfig c;
  c.nfactors = nfactors;
  c.gamma = gamma;
  c.rotation_eps = rotation_eps;
  c.rotation_max_iterations = rotation_max_iterations;
  c.varimax_eps = varimax_eps;
  c.flip = flip;
  c.minres.max_iterations = minres_max_iterations;
  c.minres.tolerance = minres_tolerance;
  return c;
}
}  // namespace

void register_reliability(py::module_& m) {
  m.def(
      "omega",
      [](const CArray<double>& corr, int nfactors, double gamma, double rotation_eps, int rotation_max_iterations,
         double varimax_eps, bool flip, int minres_max_iterations, double minres_tolerance,
         const CArray<double>& keys) {
        Eigen::MatrixXd r = bind::as_records(corr, "correlation");
        Eigen::VectorXd k = bind::as_vector(keys, "keys");
        OmegaConfig c = omega_config(nfactors, gamma, rotation_eps, rotation_max_iterations, varimax_eps, flip,
                                     minres_max_iterations, minres_tolerance);
        OmegaResult res;
        {
          py::gil_scoped_release release;  // pure C++: factoring and rotation
          res = omega(r, c, k);
        }
        return omega_dict(std::move(res));
      },
      py::arg("correlation"), py::arg("nfactors"), py::arg("gamma"), py::arg("rotation_eps"),
      py::arg("rotation_max_iterations"), py::arg("varimax_eps"), py::arg("flip"), py::arg("minres_max_iterations"),
      py::arg("minres_tolerance"), py::arg("keys"));
  m.def(
      "omega_from_loadings",
      [](const CArray<double>& loadings, const CArray<double>& phi, int minres_max_iterations,
         double minres_tolerance) {
        Eigen::MatrixXd l = bind::as_records(loadings, "loadings");
        Eigen::MatrixXd p = bind::as_records(phi, "phi");
        OmegaConfig c = omega_config(static_cast<int>(l.cols()), 0.0, 1e-5, 1000, 1e-5, true, minres_max_iterations,
                                     minres_tolerance);
        OmegaResult res;
        {
          py::gil_scoped_release release;  // pure C++
          res = omega_from_loadings(l, p, c);
        }
        return omega_dict(std::move(res));
      },
      py::arg("loadings"), py::arg("phi"), py::arg("minres_max_iterations"), py::arg("minres_tolerance"));
  m.def(
      "cronbach_alpha",
      [](const Moments& moments, double level, const CArray<double>& keys, bool r_from_covariance) {
        AlphaResult r;
        AlphaOptions o;
        o.keys = bind::as_vector(keys, "keys");
        o.r_from_covariance = r_from_covariance;
        {
          py::gil_scoped_release release;  // pure C++ on the state
          r = cronbach_alpha(moments, level, o);
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
        d["keys"] = bind::to_numpy(std::move(r.keys));
        d["ase"] = r.ase;
        d["duhachek_low"] = r.duhachek_low;
        d["duhachek_high"] = r.duhachek_high;
        d["r_from_covariance"] = r.r_from_covariance;
        d["constant_items"] = r.constant_items;
        return d;
      },
      py::arg("moments"), py::arg("level") = 0.95, py::arg("keys") = CArray<double>(0),
      py::arg("r_from_covariance") = false);
  m.def(
      "alpha_bootstrap",
      [](const CArray<double>& items, const CArray<double>& weights, const std::string& policy,
         const CArray<double>& keys, int n_bootstrap, double level, std::uint64_t seed, int workers) {
        auto x = bind::as_records(items, "items");
        auto w = bind::as_vector(weights, "weights");
        AlphaOptions o;
        o.keys = bind::as_vector(keys, "keys");
        AlphaBootstrapConfig c;
        c.n_bootstrap = n_bootstrap;
        c.level = level;
        c.seed = seed;
        MissingPolicy pol = policy == "pairwise" ? MissingPolicy::pairwise : MissingPolicy::listwise;
        AlphaBootstrapResult b;
        {
          py::gil_scoped_release release;  // pure C++; checks for Ctrl-C between blocks of resamples
          b = alpha_bootstrap(x, w, pol, o, c, workers, check_signals);
        }
        py::dict d;
        d["low"] = b.low;
        d["high"] = b.high;
        d["n_valid"] = b.n_valid;
        d["replicates"] = bind::to_numpy(std::move(b.replicates));
        return d;
      },
      py::arg("items"), py::arg("weights"), py::arg("policy"), py::arg("keys"), py::arg("n_bootstrap"),
      py::arg("level"), py::arg("seed"), py::arg("workers"));
  m.def(
      "split_half",
      [](const CArray<double>& corr, const CArray<double>& keys, std::int64_t n_sample, std::uint64_t seed,
         int workers) {
        Eigen::MatrixXd r = bind::as_records(corr, "correlation");
        Eigen::VectorXd k = bind::as_vector(keys, "keys");
        SplitHalfConfig c;
        c.n_sample = n_sample;
        c.seed = seed;
        SplitHalfResult s;
        {
          py::gil_scoped_release release;  // pure C++; checks for Ctrl-C between blocks of splits
          s = split_half(r, c, k, workers, check_signals);
        }
        py::dict d;
        d["k"] = s.k;
        for (auto [name, v] : {std::pair<const char*, double>{"lambda1", s.lambda1},
                               {"lambda2", s.lambda2},
                               {"lambda3", s.lambda3},
                               {"lambda4", s.lambda4},
                               {"lambda5", s.lambda5},
                               {"lambda5p", s.lambda5p},
                               {"lambda6", s.lambda6},
                               {"max", s.max},
                               {"min", s.min},
                               {"mean", s.mean},
                               {"mean_r", s.mean_r},
                               {"median_r", s.median_r}})
          d[name] = v;
        d["exhaustive"] = s.exhaustive;
        d["n_splits"] = s.n_splits;
        d["max_split"] = std::vector<int>(s.max_split.begin(), s.max_split.end());
        d["min_split"] = std::vector<int>(s.min_split.begin(), s.min_split.end());
        d["keys"] = bind::to_numpy(std::move(s.keys));
        return d;
      },
      py::arg("correlation"), py::arg("keys"), py::arg("n_sample"), py::arg("seed"), py::arg("workers"));
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
