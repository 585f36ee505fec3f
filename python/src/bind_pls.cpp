#include "bind_util.hpp"
#include "servscore/moments.hpp"
#include "servscore/pls.hpp"

namespace py = pybind11;
using namespace servscore;

namespace {
py::list names(const std::vector<std::string>& v) {
  return py::cast(v);
}

py::dict result_dict(PlsResult&& r) {
  py::dict d;
  d["latents"] = names(r.latents);
  d["indicators"] = names(r.indicators);
  d["block_of"] = py::cast(r.block_of);
  py::list modes;
  for (auto md : r.modes) modes.append(to_string(md));
  d["modes"] = modes;
  d["adjacency"] = bind::to_numpy(Eigen::MatrixXi(r.adjacency));
  d["weights"] = bind::to_numpy(std::move(r.weights));
  d["loadings"] = bind::to_numpy(std::move(r.loadings));
  d["communalities"] = bind::to_numpy(std::move(r.communalities));
  d["redundancies"] = bind::to_numpy(std::move(r.redundancies));
  d["cross_loadings"] = bind::to_numpy(std::move(r.cross_loadings));
  d["paths"] = bind::to_numpy(std::move(r.paths));
  d["path_se"] = bind::to_numpy(std::move(r.path_se));
  d["path_p"] = bind::to_numpy(std::move(r.path_p));
  d["r2"] = bind::to_numpy(std::move(r.r2));
  d["r2_adj"] = bind::to_numpy(std::move(r.r2_adj));
  d["indirect"] = bind::to_numpy(std::move(r.indirect));
  d["total"] = bind::to_numpy(std::move(r.total));
  d["latent_correlations"] = bind::to_numpy(std::move(r.latent_correlations));
  d["gof"] = r.gof;
  d["alpha"] = bind::to_numpy(std::move(r.alpha));
  d["alpha_std"] = bind::to_numpy(std::move(r.alpha_std));
  d["rho"] = bind::to_numpy(std::move(r.rho));
  d["ave"] = bind::to_numpy(std::move(r.ave));
  d["eig1"] = bind::to_numpy(std::move(r.eig1));
  d["eig2"] = bind::to_numpy(std::move(r.eig2));
  d["htmt"] = bind::to_numpy(std::move(r.htmt));
  d["htmt2"] = bind::to_numpy(std::move(r.htmt2));
  d["rho_c"] = bind::to_numpy(std::move(r.rho_c));
  d["rho_a"] = bind::to_numpy(std::move(r.rho_a));
  d["fornell_larcker"] = bind::to_numpy(std::move(r.fornell_larcker));
  d["vif_inner"] = bind::to_numpy(std::move(r.vif_inner));
  d["vif_outer"] = bind::to_numpy(std::move(r.vif_outer));
  d["f2"] = bind::to_numpy(std::move(r.f2));
  d["consistent"] = r.consistent;
  d["inadmissible"] = r.inadmissible;
  d["factors"] = py::cast(r.factors);
  d["implied_saturated"] = bind::to_numpy(std::move(r.implied_saturated));
  d["implied_estimated"] = bind::to_numpy(std::move(r.implied_estimated));
  d["fit"] = py::make_tuple(r.srmr_saturated, r.srmr_estimated, r.d_uls_saturated, r.d_uls_estimated, r.d_g_saturated,
                            r.d_g_estimated);
  d["aic"] = bind::to_numpy(std::move(r.aic));
  d["bic"] = bind::to_numpy(std::move(r.bic));
  d["scores"] = bind::to_numpy(std::move(r.scores));
  d["index_weights"] = bind::to_numpy(std::move(r.index_weights));
  d["index"] = bind::to_numpy(std::move(r.index));
  d["index_scores"] = bind::to_numpy(std::move(r.index_scores));
  d["ipma_target"] = r.ipma_target;
  d["ipma_importance"] = bind::to_numpy(std::move(r.ipma_importance));
  d["ipma_indicator_importance"] = bind::to_numpy(std::move(r.ipma_indicator_importance));
  d["ipma_indicator_performance"] = bind::to_numpy(std::move(r.ipma_indicator_performance));
  d["iterations"] = r.iterations;
  d["converged"] = r.converged;
  d["n_records"] = r.n_records;
  d["n_used"] = r.n_used;
  d["n_missing"] = r.n_missing;
  d["n_incomplete"] = r.n_incomplete;
  d["missing"] = to_string(r.missing);
  d["means"] = bind::to_numpy(std::move(r.means));
  d["sds"] = bind::to_numpy(std::move(r.sds));
  d["warnings"] = names(r.warnings);
  const PlsBootstrap& b = r.bootstrap;
  if (b.requested > 0) {
    py::dict bd;
    bd["requested"] = b.requested;
    bd["succeeded"] = b.succeeded;
    bd["failed"] = b.failed;
    bd["confidence"] = b.confidence;
    py::list kinds;
    for (auto k : b.kind) kinds.append(to_string(k));
    bd["kind"] = kinds;
    bd["first"] = py::cast(b.first);
    bd["second"] = py::cast(b.second);
    bd["original"] = bind::to_numpy(Eigen::VectorXd(b.original));
    bd["mean"] = bind::to_numpy(Eigen::VectorXd(b.mean));
    bd["se"] = bind::to_numpy(Eigen::VectorXd(b.se));
    bd["t"] = bind::to_numpy(Eigen::VectorXd(b.t));
    bd["lower"] = bind::to_numpy(Eigen::VectorXd(b.lower));
    bd["upper"] = bind::to_numpy(Eigen::VectorXd(b.upper));
    bd["samples"] = bind::to_numpy(RowMatrixXd(b.samples));
    d["bootstrap"] = bd;
  } else {
    d["bootstrap"] = py::none();
  }
  return d;
}
}  // namespace

void register_pls(py::module_& m) {
  py::class_<PlsConfig> cfg(m, "PlsConfig", "Options of PLS path modelling (see servscore.pls).");
  bind::def_config(cfg, &pls_config_from_json, [](const PlsConfig& c) { return to_json(c); });
  cfg.def_readwrite("scaled", &PlsConfig::scaled)
      .def_readwrite("tolerance", &PlsConfig::tolerance)
      .def_readwrite("max_iter", &PlsConfig::max_iter)
      .def_readwrite("indices", &PlsConfig::indices)
      .def_readwrite("scale_min", &PlsConfig::scale_min)
      .def_readwrite("scale_max", &PlsConfig::scale_max)
      .def_readwrite("ipma_target", &PlsConfig::ipma_target)
      .def_readwrite("bootstrap", &PlsConfig::bootstrap)
      .def_readwrite("seed", &PlsConfig::seed)
      .def_readwrite("confidence", &PlsConfig::confidence)
      .def_readwrite("vif_limit", &PlsConfig::vif_limit)
      .def_readwrite("consistent", &PlsConfig::consistent)
      .def_readwrite("composites", &PlsConfig::composites)
      .def_readwrite("dg_log_base", &PlsConfig::dg_log_base)
      .def_property_readonly("convergence", [](const PlsConfig& c) { return std::string(to_string(c.convergence)); })
      .def_property_readonly("scheme", [](const PlsConfig& c) { return std::string(to_string(c.scheme)); })
      .def_property_readonly("missing", [](const PlsConfig& c) { return std::string(to_string(c.missing)); });

  m.def(
      "pls_model_normalize", [](const std::string& text) { return to_json(pls_model_from_json(text)); },
      py::arg("model_json"), "Validate a PLS model given as JSON and return its canonical JSON.");

  m.def(
      "pls_fit_columns",
      [](const py::list& data, const std::vector<std::string>& columns, const std::string& model_json,
         const PlsConfig& config, int workers) {
        std::ptrdiff_t rows = 0;
        const std::vector<ColumnView> views = bind::column_views(data, columns, rows);
        PlsModel model = pls_model_from_json(model_json);
        PlsResult r;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed columns
          r = fit_pls(views, rows, columns, model, config, workers);
        }
        return result_dict(std::move(r));
      },
      py::arg("data"), py::arg("columns"), py::arg("model_json"), py::arg("config"), py::arg("workers") = 1,
      "Fit on 1-D float64 arrays, one per column, read in place (no copy).");

  m.def(
      "pls_fit_moments",
      [](const Moments& moments, const std::string& model_json, const PlsConfig& config) {
        PlsModel model = pls_model_from_json(model_json);
        PlsResult r;
        {
          py::gil_scoped_release release;  // pure C++ on a state the caller keeps alive
          r = fit_pls_moments(moments, model, config);
        }
        return result_dict(std::move(r));
      },
      py::arg("moments"), py::arg("model_json"), py::arg("config"));
}
