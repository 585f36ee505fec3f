#include "bind_util.hpp"
#include "servscore/economics.hpp"

namespace py = pybind11;
using namespace servscore;

namespace {
py::dict outcome_dict(const ComplaintOutcome& o) {
  py::dict d;
  d["customers"] = o.customers;
  d["complainants"] = o.complainants;
  d["silent"] = o.silent;
  d["resolved_quick"] = o.resolved_quick;
  d["resolved_later"] = o.resolved_later;
  d["unresolved"] = o.unresolved;
  d["retained"] = o.retained;
  d["lost"] = o.lost;
  d["retention_rate"] = o.retention_rate;
  d["negative_word_of_mouth"] = o.negative_word_of_mouth;
  d["positive_word_of_mouth"] = o.positive_word_of_mouth;
  d["clv"] = o.clv;
  d["value_at_risk"] = o.value_at_risk;
  d["replacement_cost"] = o.replacement_cost;
  return d;
}
}  // namespace

void register_economics(py::module_& m) {
  py::class_<ClvConfig> clv(m, "ClvConfig", "Customer lifetime value parameters (see servscore.economics).");
  bind::def_config(clv, &clv_config_from_json, [](const ClvConfig& c) { return to_json(c); });
  clv.def_readwrite("margin", &ClvConfig::margin)
      .def_readwrite("retention", &ClvConfig::retention)
      .def_readwrite("discount", &ClvConfig::discount)
      .def_readwrite("horizon", &ClvConfig::horizon);

  py::class_<ComplaintConfig> cfg(m, "ComplaintConfig",
                                  "Parameters of the TARP complaint model (see servscore.economics).");
  bind::def_config(cfg, &complaint_config_from_json, [](const ComplaintConfig& c) { return to_json(c); });
  cfg.def_readwrite("complaint_rate", &ComplaintConfig::complaint_rate)
      .def_readwrite("resolution_rate", &ComplaintConfig::resolution_rate)
      .def_readwrite("quick_share", &ComplaintConfig::quick_share)
      .def_readwrite("return_silent", &ComplaintConfig::return_silent)
      .def_readwrite("return_quick", &ComplaintConfig::return_quick)
      .def_readwrite("return_resolved", &ComplaintConfig::return_resolved)
      .def_readwrite("return_unresolved", &ComplaintConfig::return_unresolved)
      .def_readwrite("tell_satisfied", &ComplaintConfig::tell_satisfied)
      .def_readwrite("tell_unhappy_low", &ComplaintConfig::tell_unhappy_low)
      .def_readwrite("tell_unhappy_high", &ComplaintConfig::tell_unhappy_high)
      .def_readwrite("wide_teller_share", &ComplaintConfig::wide_teller_share)
      .def_readwrite("tell_wide", &ComplaintConfig::tell_wide)
      .def_readwrite("acquisition_cost_ratio", &ComplaintConfig::acquisition_cost_ratio)
      .def_readwrite("retention_cost", &ComplaintConfig::retention_cost)
      .def_readwrite("clv", &ComplaintConfig::clv)
      .def("tell_unhappy", &ComplaintConfig::tell_unhappy);

  m.def("customer_lifetime_value", &customer_lifetime_value, py::arg("config"));
  m.def(
      "complaint_outcome", [](double n, const ComplaintConfig& c) { return outcome_dict(complaint_outcome(n, c)); },
      py::arg("customers"), py::arg("config"));
  m.def(
      "complaint_scenario",
      [](double n, const ComplaintConfig& base, const ComplaintConfig& scen, double cost) {
        ComplaintScenario r = complaint_scenario(n, base, scen, cost);
        py::dict d;
        d["baseline"] = outcome_dict(r.baseline);
        d["scenario"] = outcome_dict(r.scenario);
        d["extra_retained"] = r.extra_retained;
        d["value_gained"] = r.value_gained;
        d["replacement_saved"] = r.replacement_saved;
        d["programme_cost"] = r.programme_cost;
        d["net_return"] = r.net_return;
        d["roi"] = r.roi;
        return d;
      },
      py::arg("customers"), py::arg("baseline"), py::arg("scenario"), py::arg("programme_cost") = 0.0);
  m.def("complaint_parameters", &complaint_parameters);
  m.def("complaint_with_parameter", &with_parameter, py::arg("config"), py::arg("parameter"), py::arg("value"));
  m.def(
      "complaint_sensitivity",
      [](double n, const ComplaintConfig& c, const std::string& p, const std::vector<double>& values) {
        py::list out;
        for (const auto& o : complaint_sensitivity(n, c, p, values)) out.append(outcome_dict(o));
        return out;
      },
      py::arg("customers"), py::arg("config"), py::arg("parameter"), py::arg("values"));
}
