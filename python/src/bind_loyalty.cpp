#include <optional>

#include "bind_state.hpp"
#include "bind_util.hpp"
#include "servscore/loyalty.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

void register_loyalty(py::module_& m) {
  py::class_<LoyaltyConfig> cfg(m, "LoyaltyConfig", "Configuration of the loyalty segments (see servscore.loyalty).");
  bind::def_config(cfg, &loyalty_config_from_json, [](const LoyaltyConfig& c) { return to_json(c); });
  cfg.def_readwrite("satisfaction_min", &LoyaltyConfig::satisfaction_min)
      .def_readwrite("satisfaction_max", &LoyaltyConfig::satisfaction_max)
      .def_readwrite("satisfaction_threshold", &LoyaltyConfig::satisfaction_threshold)
      .def_readwrite("loyalty_min", &LoyaltyConfig::loyalty_min)
      .def_readwrite("loyalty_max", &LoyaltyConfig::loyalty_max)
      .def_readwrite("loyalty_threshold", &LoyaltyConfig::loyalty_threshold)
      .def_readwrite("refine", &LoyaltyConfig::refine)
      .def_readwrite("nps_min", &LoyaltyConfig::nps_min)
      .def_readwrite("nps_max", &LoyaltyConfig::nps_max)
      .def_readwrite("detractor_max", &LoyaltyConfig::detractor_max)
      .def_readwrite("promoter_min", &LoyaltyConfig::promoter_min)
      .def_property_readonly("interval",
                             [](const LoyaltyConfig& c) {
                               return c.interval == MultinomialInterval::goodman ? "goodman" : "quesenberry_hurst";
                             })
      .def_readwrite("confidence", &LoyaltyConfig::confidence)
      .def_readwrite("noncompetitive_loyalty", &LoyaltyConfig::noncompetitive_loyalty)
      .def_readwrite("competitive_loyalty", &LoyaltyConfig::competitive_loyalty)
      .def_readwrite("competitive_gap", &LoyaltyConfig::competitive_gap)
      .def_readwrite("min_curve_n", &LoyaltyConfig::min_curve_n)
      .def_readwrite("max_levels", &LoyaltyConfig::max_levels);

  m.def(
      "segment_customers",
      [](const CArray<double>& sat, const CArray<double>& loy, const CArray<double>& nps,
         const CArray<double>& complained, const LoyaltyConfig& c, int workers) {
        auto s = bind::as_vector(sat, "satisfaction");
        auto l = bind::as_vector(loy, "loyalty");
        auto p = bind::as_vector(nps, "nps");
        auto k = bind::as_vector(complained, "complained");
        LoyaltySegments r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = segment_customers(s, l, p, k, c, workers);
        }
        py::dict d;
        d["segment"] = bind::to_numpy(std::move(r.segment));
        d["advocate"] = bind::to_numpy(std::move(r.advocate));
        d["refined"] = bind::to_numpy(std::move(r.refined));
        return d;
      },
      py::arg("satisfaction"), py::arg("loyalty"), py::arg("nps"), py::arg("complained"), py::arg("config"),
      py::arg("workers") = 1);

  m.def(
      "summarize_loyalty",
      [](const CArray<std::int8_t>& segment, const CArray<std::int8_t>& advocate, const CArray<std::int8_t>& refined,
         const CArray<std::int32_t>& groups, int n_groups, const LoyaltyConfig& c) {
        LoyaltySegments s;
        s.segment = bind::as_vector(segment, "segment");
        s.advocate = bind::as_vector(advocate, "advocate");
        s.refined = bind::as_vector(refined, "refined");
        VectorXi32 g = bind::as_vector(groups, "groups");
        LoyaltySummary r;
        {
          py::gil_scoped_release release;  // pure C++ on copies
          r = summarize_loyalty(s, c, g, n_groups);
        }
        py::dict d;
        d["counts"] = bind::to_numpy(std::move(r.counts));
        d["n_unknown"] = py::array(py::cast(r.n_unknown));
        d["n_advocates"] = py::array(py::cast(r.n_advocates));
        d["share"] = bind::to_numpy(std::move(r.share));
        d["lower"] = bind::to_numpy(std::move(r.lower));
        d["upper"] = bind::to_numpy(std::move(r.upper));
        d["n_categories"] = r.n_categories;
        return d;
      },
      py::arg("segment"), py::arg("advocate"), py::arg("refined"), py::arg("groups"), py::arg("n_groups"),
      py::arg("config"));

  py::class_<LoyaltyState> loyalty_state(
      m, "LoyaltyState", "Mergeable loyalty-segment counts per group key (Jones & Sasser); byte image SSLOYAL1.");
  loyalty_state
      .def(py::init<LoyaltyConfig, std::vector<std::string>>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("config", &LoyaltyState::config)
      .def(
          "update",
          [](LoyaltyState& st, const CArray<double>& sat, const CArray<double>& loy, const CArray<double>& nps,
             const CArray<double>& complained, const std::optional<CArray<std::int32_t>>& groups,
             const std::optional<GroupKeys>& keys, int workers, std::int64_t row_offset) {
            auto s = bind::as_vector(sat, "satisfaction");
            auto l = bind::as_vector(loy, "loyalty");
            auto p = bind::as_vector(nps, "nps");
            auto k = bind::as_vector(complained, "complained");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(s, l, p, k, g, keys ? *keys : none, workers, row_offset);
          },
          py::arg("satisfaction"), py::arg("loyalty"), py::arg("nps"), py::arg("complained"),
          py::arg("groups") = py::none(), py::arg("keys") = py::none(), py::arg("workers") = 1,
          py::arg("row_offset") = 0,
          "Segment a batch (nps / complained may be empty) and count it per group of `keys`.")
      .def(
          "result",
          [](const LoyaltyState& st, bool key_order) {
            LoyaltySummary r = st.result(key_order);
            py::dict d;
            d["counts"] = bind::to_numpy(std::move(r.counts));
            d["n_unknown"] = py::array(py::cast(r.n_unknown));
            d["n_advocates"] = py::array(py::cast(r.n_advocates));
            d["share"] = bind::to_numpy(std::move(r.share));
            d["lower"] = bind::to_numpy(std::move(r.lower));
            d["upper"] = bind::to_numpy(std::move(r.upper));
            d["n_categories"] = r.n_categories;
            return d;
          },
          py::arg("key_order") = true);
  bind::def_grouped_state(loyalty_state, "LoyaltyState", "customers");

  m.def(
      "multinomial_intervals",
      [](const std::vector<std::int64_t>& counts, double confidence, const std::string& method) {
        MultinomialInterval mi;
        if (method == "goodman")
          mi = MultinomialInterval::goodman;
        else if (method == "quesenberry_hurst")
          mi = MultinomialInterval::quesenberry_hurst;
        else
          throw config_error("method: unknown interval '" + method + "'; expected one of: goodman, quesenberry_hurst");
        return bind::to_numpy(multinomial_intervals(counts, confidence, mi));
      },
      py::arg("counts"), py::arg("confidence") = 0.95, py::arg("method") = "goodman");

  m.def(
      "loyalty_curve",
      [](const CArray<double>& sat, const CArray<double>& loy, const CArray<std::int32_t>& groups, int n_groups,
         const LoyaltyConfig& c) {
        auto s = bind::as_vector(sat, "satisfaction");
        auto l = bind::as_vector(loy, "loyalty");
        VectorXi32 g = bind::as_vector(groups, "groups");
        LoyaltyCurve r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = loyalty_curve(s, l, c, g, n_groups);
        }
        py::dict d;
        d["levels"] = py::array(py::cast(r.levels));
        d["n"] = bind::to_numpy(std::move(r.n));
        d["mean_loyalty"] = bind::to_numpy(std::move(r.mean_loyalty));
        d["loyal_share"] = bind::to_numpy(std::move(r.loyal_share));
        d["loyal_lower"] = bind::to_numpy(std::move(r.loyal_lower));
        d["loyal_upper"] = bind::to_numpy(std::move(r.loyal_upper));
        d["below_above"] = bind::to_numpy(std::move(r.below_above));
        py::list zones;
        for (auto z : r.zone) zones.append(to_string(z));
        d["zone"] = zones;
        d["n_missing"] = r.n_missing;
        return d;
      },
      py::arg("satisfaction"), py::arg("loyalty"), py::arg("groups"), py::arg("n_groups"), py::arg("config"));
  m.def(
      "summarize_referrals",
      [](const CArray<double>& referrals, const CArray<std::int32_t>& groups, int n_groups, double level) {
        auto x = bind::as_vector(referrals, "referrals");
        VectorXi32 g = bind::as_vector(groups, "groups");
        ReferralSummary r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = summarize_referrals(x, g, n_groups, level);
        }
        py::dict d;
        d["n"] = py::array(py::cast(r.n));
        d["missing"] = py::array(py::cast(r.missing));
        d["total"] = py::array(py::cast(r.total));
        d["mean"] = py::array(py::cast(r.mean));
        d["sd"] = py::array(py::cast(r.sd));
        d["lower"] = py::array(py::cast(r.lower));
        d["upper"] = py::array(py::cast(r.upper));
        d["share_referring"] = py::array(py::cast(r.share_referring));
        d["share_lower"] = py::array(py::cast(r.share_lower));
        d["share_upper"] = py::array(py::cast(r.share_upper));
        return d;
      },
      py::arg("referrals"), py::arg("groups"), py::arg("n_groups"), py::arg("level") = 0.95);
}
