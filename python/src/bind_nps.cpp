#include <optional>

#include "bind_util.hpp"
#include "servscore/nps.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

py::dict nps_dict(const std::vector<NpsEstimate>& v) {
  const std::size_t n = v.size();
  auto col = [&](auto get) {
    using T = decltype(get(v[0]));
    py::array_t<T> a(static_cast<py::ssize_t>(n));
    auto m = a.template mutable_unchecked<1>();
    for (std::size_t i = 0; i < n; ++i) m(static_cast<py::ssize_t>(i)) = get(v[i]);
    return a;
  };
  py::dict d;
  d["n"] = col([](const NpsEstimate& e) { return e.n; });
  d["n_missing"] = col([](const NpsEstimate& e) { return e.n_missing; });
  d["n_eff"] = col([](const NpsEstimate& e) { return e.n_eff; });
  d["promoters"] = col([](const NpsEstimate& e) { return e.promoters; });
  d["passives"] = col([](const NpsEstimate& e) { return e.passives; });
  d["detractors"] = col([](const NpsEstimate& e) { return e.detractors; });
  d["share_promoters"] = col([](const NpsEstimate& e) { return e.share_promoters; });
  d["share_passives"] = col([](const NpsEstimate& e) { return e.share_passives; });
  d["share_detractors"] = col([](const NpsEstimate& e) { return e.share_detractors; });
  d["nps"] = col([](const NpsEstimate& e) { return e.nps; });
  d["variance"] = col([](const NpsEstimate& e) { return e.variance; });
  d["se"] = col([](const NpsEstimate& e) { return e.se; });
  d["lower"] = col([](const NpsEstimate& e) { return e.lower; });
  d["upper"] = col([](const NpsEstimate& e) { return e.upper; });
  d["clipped"] = col([](const NpsEstimate& e) { return e.clipped; });
  d["extended"] = col([](const NpsEstimate& e) { return e.extended; });
  return d;
}

py::dict box_dict(const std::vector<BoxEstimate>& v) {
  const std::size_t n = v.size();
  auto col = [&](auto get) {
    using T = decltype(get(v[0]));
    py::array_t<T> a(static_cast<py::ssize_t>(n));
    auto m = a.template mutable_unchecked<1>();
    for (std::size_t i = 0; i < n; ++i) m(static_cast<py::ssize_t>(i)) = get(v[i]);
    return a;
  };
  py::dict d;
  d["n"] = col([](const BoxEstimate& e) { return e.n; });
  d["n_missing"] = col([](const BoxEstimate& e) { return e.n_missing; });
  d["n_eff"] = col([](const BoxEstimate& e) { return e.n_eff; });
  d["top"] = col([](const BoxEstimate& e) { return e.top; });
  d["top_share"] = col([](const BoxEstimate& e) { return e.top_share; });
  d["top_lower"] = col([](const BoxEstimate& e) { return e.top_lower; });
  d["top_upper"] = col([](const BoxEstimate& e) { return e.top_upper; });
  d["bottom"] = col([](const BoxEstimate& e) { return e.bottom; });
  d["bottom_share"] = col([](const BoxEstimate& e) { return e.bottom_share; });
  d["bottom_lower"] = col([](const BoxEstimate& e) { return e.bottom_lower; });
  d["bottom_upper"] = col([](const BoxEstimate& e) { return e.bottom_upper; });
  d["mean"] = col([](const BoxEstimate& e) { return e.mean; });
  d["sd"] = col([](const BoxEstimate& e) { return e.sd; });
  d["mean_lower"] = col([](const BoxEstimate& e) { return e.mean_lower; });
  d["mean_upper"] = col([](const BoxEstimate& e) { return e.mean_upper; });
  return d;
}

NpsEstimate estimate_from_dict(const py::dict& d) {
  NpsEstimate e;
  e.n = d["n"].cast<std::int64_t>();
  e.n_eff = d["n_eff"].cast<double>();
  e.share_promoters = d["share_promoters"].cast<double>();
  e.share_detractors = d["share_detractors"].cast<double>();
  e.nps = 100.0 * (e.share_promoters - e.share_detractors);
  e.variance = std::max(0.0, e.share_promoters + e.share_detractors -
                                 (e.share_promoters - e.share_detractors) * (e.share_promoters - e.share_detractors));
  e.se = e.n_eff > 0 ? 100.0 * std::sqrt(e.variance / e.n_eff) : std::nan("");
  return e;
}

}  // namespace

void register_nps(py::module_& m) {
  py::class_<ResponseCounts> rc(m, "ResponseCounts",
                                "Mergeable answer counts per group and scale point (see servscore.nps).");
  rc.def(py::init([](int scale_min, int scale_max, int n_groups, bool weighted) {
           return ResponseCounts::zeros(scale_min, scale_max, n_groups, weighted);
         }),
         py::arg("scale_min"), py::arg("scale_max"), py::arg("n_groups") = 1, py::arg("weighted") = false)
      .def_readonly("scale_min", &ResponseCounts::scale_min)
      .def_readonly("scale_max", &ResponseCounts::scale_max)
      .def_readonly("weighted", &ResponseCounts::weighted)
      .def_property_readonly("n_groups", &ResponseCounts::n_groups)
      .def_property_readonly("counts", [](const ResponseCounts& c) { return RowMatrixXi64(c.counts); })
      .def_property_readonly("weight_sum", [](const ResponseCounts& c) { return RowMatrixXd(c.weight_sum); })
      .def_property_readonly("weight_sq_sum", [](const ResponseCounts& c) { return RowMatrixXd(c.weight_sq_sum); })
      .def_property_readonly("missing", [](const ResponseCounts& c) { return py::array(py::cast(c.missing)); })
      .def(
          "merge", [](ResponseCounts& a, const ResponseCounts& b) -> ResponseCounts& { return a.merge(b); },
          py::arg("other"), py::return_value_policy::reference_internal, "Add another state in place; returns self.")
      .def(
          "regroup",
          [](const ResponseCounts& c, const CArray<std::int32_t>& map, int n_groups) {
            return c.regroup(bind::as_vector(map, "map"), n_groups);
          },
          py::arg("map"), py::arg("n_groups"))
      .def("to_bytes", [](const ResponseCounts& c) { return py::bytes(c.to_bytes()); })
      .def_static(
          "from_bytes", [](const py::bytes& b) { return ResponseCounts::from_bytes(std::string(b)); }, py::arg("data"))
      .def(
          "__eq__", [](const ResponseCounts& a, const ResponseCounts& b) { return a == b; }, py::is_operator())
      .def("__copy__", [](const ResponseCounts& c) { return ResponseCounts(c); })
      .def(
          "__deepcopy__", [](const ResponseCounts& c, const py::dict&) { return ResponseCounts(c); }, py::arg("memo"))
      .def(py::pickle([](const ResponseCounts& c) { return py::make_tuple(py::bytes(c.to_bytes())); },
                      [](const py::tuple& t) { return ResponseCounts::from_bytes(t[0].cast<std::string>()); }))
      .def("__repr__", [](const ResponseCounts& c) {
        return "ResponseCounts(scale=[" + std::to_string(c.scale_min) + ", " + std::to_string(c.scale_max) +
               "], groups=" + std::to_string(c.n_groups()) + (c.weighted ? ", weighted" : "") + ")";
      });
  rc.attr("__hash__") = py::none();

  py::class_<GroupedResponses> gr(m, "GroupedResponses",
                                  "Answer counts with their group keys: the state of servscore.ResponseAccumulator.");
  gr.def(py::init([](const GroupKeys& k, const ResponseCounts& c) { return GroupedResponses::of(k, c); }),
         py::arg("keys"), py::arg("counts"))
      .def_property_readonly("keys", [](const GroupedResponses& g) { return g.keys; })
      .def_property_readonly("counts", [](const GroupedResponses& g) { return g.counts; })
      .def(
          "absorb",
          [](GroupedResponses& g, const GroupKeys& k, const ResponseCounts& c) -> GroupedResponses& {
            return g.absorb(k, c);
          },
          py::arg("keys"), py::arg("counts"), py::return_value_policy::reference_internal,
          "Add counts whose row g belongs to keys.key(g); returns self.")
      .def(
          "merge", [](GroupedResponses& a, const GroupedResponses& b) -> GroupedResponses& { return a.merge(b); },
          py::arg("other"), py::return_value_policy::reference_internal, "Add another state in place; returns self.")
      .def("sorted", &GroupedResponses::sorted, "The same state with the groups in key order.")
      .def("to_bytes", [](const GroupedResponses& g) { return py::bytes(g.to_bytes()); })
      .def_static(
          "from_bytes", [](const py::bytes& b) { return GroupedResponses::from_bytes(std::string(b)); },
          py::arg("data"))
      .def(
          "__eq__", [](const GroupedResponses& a, const GroupedResponses& b) { return a == b; }, py::is_operator())
      .def("__copy__", [](const GroupedResponses& g) { return GroupedResponses(g); })
      .def(py::pickle([](const GroupedResponses& g) { return py::make_tuple(py::bytes(g.to_bytes())); },
                      [](const py::tuple& t) { return GroupedResponses::from_bytes(t[0].cast<std::string>()); }));
  gr.attr("__hash__") = py::none();

  m.def(
      "count_responses",
      [](const py::array& scores, int scale_min, int scale_max, const std::optional<CArray<std::int32_t>>& groups,
         int n_groups, const std::optional<CArray<double>>& weights, int workers, const std::string& what) {
        VectorXi32 none_g;
        Eigen::VectorXd none_w;
        Eigen::Map<const VectorXi32> g =
            groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(none_g.data(), 0);
        Eigen::Map<const Eigen::VectorXd> w =
            weights ? bind::as_vector(*weights, "weights") : Eigen::Map<const Eigen::VectorXd>(none_w.data(), 0);
        if (py::isinstance<py::array_t<std::int8_t>>(scores) && scores.ndim() == 1 &&
            (scores.flags() & py::array::c_style)) {
          auto a = py::reinterpret_borrow<CArray<std::int8_t>>(scores);
          auto x = bind::as_vector(a, "scores");
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          return count_responses(x, scale_min, scale_max, g, n_groups, w, workers, what);
        }
        auto a = CArray<double>::ensure(scores);
        if (!a) throw input_error(what + ": expected numbers");
        auto x = bind::as_vector(a, "scores");
        py::gil_scoped_release release;  // pure C++ over borrowed arrays
        return count_responses(x, scale_min, scale_max, g, n_groups, w, workers, what);
      },
      py::arg("scores"), py::arg("scale_min"), py::arg("scale_max"), py::arg("groups") = py::none(),
      py::arg("n_groups") = 1, py::arg("weights") = py::none(), py::arg("workers") = 1, py::arg("what") = "scores",
      "Count answers per group and scale point (int8 arrays: the vector kernel; others as float64, NaN missing).");

  py::class_<NpsConfig> ncfg(m, "NpsConfig", "Configuration of the NPS (see servscore.nps).");
  bind::def_config(ncfg, &nps_config_from_json, [](const NpsConfig& c) { return to_json(c); });
  ncfg.def_readwrite("scale_min", &NpsConfig::scale_min)
      .def_readwrite("scale_max", &NpsConfig::scale_max)
      .def_readwrite("promoter_min", &NpsConfig::promoter_min)
      .def_readwrite("detractor_max", &NpsConfig::detractor_max)
      .def_property(
          "method", [](const NpsConfig& c) { return std::string(to_string(c.method)); },
          [](NpsConfig& c, const std::string& s) { c.method = parse<NpsInterval>(s); })
      .def_readwrite("level", &NpsConfig::level)
      .def_readwrite("adjusted_total", &NpsConfig::adjusted_total)
      .def_readwrite("adjusted_each", &NpsConfig::adjusted_each);

  py::class_<BoxConfig> bcfg(m, "BoxConfig", "Configuration of box scores and means (see servscore.nps).");
  bind::def_config(bcfg, &box_config_from_json, [](const BoxConfig& c) { return to_json(c); });
  bcfg.def_readwrite("scale_min", &BoxConfig::scale_min)
      .def_readwrite("scale_max", &BoxConfig::scale_max)
      .def_readwrite("top_min", &BoxConfig::top_min)
      .def_readwrite("bottom_max", &BoxConfig::bottom_max)
      .def_readwrite("level", &BoxConfig::level);

  m.def(
      "nps_estimates", [](const ResponseCounts& c, const NpsConfig& cfg) { return nps_dict(nps_estimates(c, cfg)); },
      py::arg("counts"), py::arg("config"));
  m.def(
      "box_estimates", [](const ResponseCounts& c, const BoxConfig& cfg) { return box_dict(box_estimates(c, cfg)); },
      py::arg("counts"), py::arg("config"));
  m.def(
      "nps_difference",
      [](const py::dict& a, const py::dict& b, const NpsConfig& cfg) {
        NpsConfig c = cfg;
        NpsEstimate ea = estimate_from_dict(a), eb = estimate_from_dict(b);
        // the MOVER limits of each sample are recomputed from the shares and n_eff
        NpsDifference d = nps_difference(ea, eb, c);
        py::dict r;
        r["difference"] = d.difference;
        r["se"] = d.se;
        r["lower"] = d.lower;
        r["upper"] = d.upper;
        r["z"] = d.z;
        r["p_value"] = d.p_value;
        r["clipped"] = d.clipped;
        r["extended"] = d.extended;
        return r;
      },
      py::arg("a"), py::arg("b"), py::arg("config"),
      "Difference of two NPS estimates given as dicts with n, n_eff, share_promoters, share_detractors.");
  m.def("box_cutoffs", &box_cutoffs, py::arg("scale_min"), py::arg("scale_max"),
        "Default (bottom_max, top_min) of a scale: the points below and above its midpoint.");
  m.def(
      "design_means",
      [](const CArray<double>& y, const CArray<double>& weights, const std::optional<CArray<std::int32_t>>& groups,
         int n_groups, const std::optional<CArray<std::int32_t>>& strata,
         const std::optional<CArray<std::int32_t>>& clusters, const std::optional<CArray<double>>& fpc) {
        Eigen::Map<const RowMatrixXd> ym = bind::as_records(y, "y");
        VectorXi32 none_i;
        Eigen::VectorXd none_d;
        auto ints = [&](const std::optional<CArray<std::int32_t>>& a, const char* what) {
          return a ? bind::as_vector(*a, what) : Eigen::Map<const VectorXi32>(none_i.data(), 0);
        };
        Eigen::Map<const VectorXi32> g = ints(groups, "groups"), h = ints(strata, "strata"),
                                     c = ints(clusters, "clusters");
        Eigen::Map<const Eigen::VectorXd> w = bind::as_vector(weights, "weights");
        Eigen::Map<const Eigen::VectorXd> f =
            fpc ? bind::as_vector(*fpc, "fpc") : Eigen::Map<const Eigen::VectorXd>(none_d.data(), 0);
        DesignMeans r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = design_means(ym, w, g, n_groups, h, c, f);
        }
        py::dict d;
        d["mean"] = r.mean;
        d["se"] = r.se;
        d["weight"] = r.weight;
        d["n_psu"] = r.n_psu;
        d["n_strata"] = r.n_strata;
        d["df"] = r.df();
        return d;
      },
      py::arg("y"), py::arg("weights"), py::arg("groups") = py::none(), py::arg("n_groups") = 1,
      py::arg("strata") = py::none(), py::arg("clusters") = py::none(), py::arg("fpc") = py::none(),
      "Weighted means per group with Taylor-linearised standard errors of a stratified cluster design.");
  m.def("nps_sample_size", &nps_sample_size, py::arg("margin"), py::arg("share_promoters"), py::arg("share_detractors"),
        py::arg("config"), py::arg("design_effect") = 1.0);
}
