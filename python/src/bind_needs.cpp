#include <optional>

#include "bind_state.hpp"
#include "bind_util.hpp"
#include "servscore/needs.hpp"
#include "servscore/standards.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

std::vector<std::string> schema_of(const std::optional<std::vector<std::string>>& s) {
  return s ? *s : std::vector<std::string>{};
}

// JSON-protocol helpers for the rule and standard sets (loaded with an optional schema).
template <class S, class FromJson>
void def_rule_set(py::class_<S>& cls, FromJson from_json) {
  cls.def_static(
         "from_json",
         [from_json](const std::string& text, const std::optional<std::vector<std::string>>& schema) {
           return from_json(text, schema_of(schema));
         },
         py::arg("text"), py::arg("schema") = py::none(),
         "Parse and compile; with a schema (column names) unknown fields raise ConfigError now.")
      .def("to_json", [](const S& s) { return to_json(s); })
      .def("to_dict", [](const S& s) { return py::module_::import("json").attr("loads")(to_json(s)); })
      .def("check_schema", &S::check_schema, py::arg("schema"),
           "Raise ConfigError if a required field is not among the column names.")
      .def(
          "__eq__", [](const S& a, const S& b) { return a == b; }, py::is_operator())
      .def("__copy__", [](const S& s) { return S(s); })
      .def(
          "__deepcopy__", [](const S& s, const py::dict&) { return S(s); }, py::arg("memo"))
      .def(py::pickle([](const S& s) { return py::make_tuple(to_json(s)); },
                      [from_json](const py::tuple& t) { return from_json(t[0].cast<std::string>(), {}); }));
  cls.attr("__hash__") = py::none();
}

py::list fields_of(const ConditionSet& c, bool optional) {
  py::list out;
  for (std::size_t i = 0; i < c.fields().size(); ++i)
    if (c.is_optional(i) == optional) out.append(c.fields()[i]);
  return out;
}

}  // namespace

void register_needs(py::module_& m) {
  py::class_<NeedRuleSet> rules(m, "NeedRuleSet", "Compiled anticipated-needs rules (see servscore.needs).");
  def_rule_set(rules, &need_rules_from_json);
  rules.def_readonly("description", &NeedRuleSet::description)
      .def_property_readonly("ids",
                             [](const NeedRuleSet& s) {
                               py::list l;
                               for (const auto& r : s.rules) l.append(r.id);
                               return l;
                             })
      .def_property_readonly("needs",
                             [](const NeedRuleSet& s) {
                               py::list l;
                               for (const auto& r : s.rules) {
                                 py::list n;
                                 for (auto h : r.needs) n.append(to_string(h));
                                 l.append(n);
                               }
                               return l;
                             })
      .def_property_readonly("actions", &NeedRuleSet::action_list)
      .def_property_readonly("fields", [](const NeedRuleSet& s) { return fields_of(s.conditions, false); })
      .def_property_readonly("optional_fields", [](const NeedRuleSet& s) { return fields_of(s.conditions, true); })
      .def(
          "extend",
          [](const NeedRuleSet& a, const NeedRuleSet& b) {
            NeedRuleSet c = a;
            c.extend(b);
            return c;
          },
          py::arg("other"), "A new rule set: these rules followed by the other's (ids must stay unique).")
      .def("__len__", [](const NeedRuleSet& s) { return s.rules.size(); })
      .def("__repr__", [](const NeedRuleSet& s) {
        return "NeedRuleSet(" + std::to_string(s.rules.size()) + " rules, " +
               std::to_string(s.conditions.fields().size()) + " fields)";
      });

  py::class_<NeedsState> needs_state(
      m, "NeedsState",
      "Mergeable anticipated-needs counts per group key (rules, needs, actions, missing); image SSNEEDS1.");
  needs_state
      .def(py::init<NeedRuleSet, std::vector<std::string>>(), py::arg("rules"),
           py::arg("key_names") = std::vector<std::string>{})
      .def_property_readonly("rules", &NeedsState::rules)
      .def(
          "update",
          [](NeedsState& st, const CArray<double>& data, const std::vector<std::string>& columns,
             const std::optional<CArray<std::int32_t>>& groups, const std::optional<GroupKeys>& keys, int workers,
             std::int64_t row_offset) {
            auto x = bind::as_records(data, "data");
            const Eigen::Map<const VectorXi32> g =
                groups ? bind::as_vector(*groups, "groups") : Eigen::Map<const VectorXi32>(nullptr, 0);
            const GroupKeys none;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            st.update(x, columns, g, keys ? *keys : none, workers, row_offset);
          },
          py::arg("data"), py::arg("columns"), py::arg("groups") = py::none(), py::arg("keys") = py::none(),
          py::arg("workers") = 1, py::arg("row_offset") = 0,
          "Evaluate the rules on a batch (interactions x columns, float64, NaN missing) and count it per group.")
      .def(
          "result",
          [](const NeedsState& s, bool key_order) {
            NeedsCounts r = s.result(key_order);
            py::dict d;
            d["n"] = bind::to_numpy(std::move(r.n));
            d["n_any"] = bind::to_numpy(std::move(r.n_any));
            d["rules"] = bind::to_numpy(std::move(r.rules));
            d["needs"] = bind::to_numpy(std::move(r.needs));
            d["actions"] = bind::to_numpy(std::move(r.actions));
            d["missing"] = bind::to_numpy(std::move(r.missing));
            d["present"] = bind::to_numpy(std::move(r.present));
            d["fields"] = s.rules().conditions.fields();
            return d;
          },
          py::arg("key_order") = true);
  bind::def_grouped_state(needs_state, "NeedsState", "interactions");

  py::class_<StandardSet> stds(m, "StandardSet", "Compiled service standards (see servscore.standards).");
  def_rule_set(stds, &standards_from_json);
  stds.def_readonly("description", &StandardSet::description)
      .def_property_readonly("table",
                             [](const StandardSet& s) {
                               py::dict d;
                               py::list id, dim, lvl, desc;
                               for (const auto& st : s.standards) {
                                 id.append(st.id);
                                 dim.append(st.dimension);
                                 lvl.append(st.level);
                                 desc.append(st.description);
                               }
                               d["id"] = id;
                               d["dimension"] = dim;
                               d["level"] = lvl;
                               d["description"] = desc;
                               return d;
                             })
      .def_property_readonly("fields",
                             [](const StandardSet& s) {
                               py::list l = fields_of(s.met, false);
                               for (auto f : fields_of(s.applies, false))
                                 if (!l.contains(f)) l.append(f);
                               return l;
                             })
      .def("__len__", [](const StandardSet& s) { return s.standards.size(); })
      .def("__repr__",
           [](const StandardSet& s) { return "StandardSet(" + std::to_string(s.standards.size()) + " standards)"; });

  py::class_<TimeConfig> tc(m, "TimeConfig", "Targets of the time elements (see servscore.standards).");
  bind::def_config(tc, &time_config_from_json, [](const TimeConfig& c) { return to_json(c); });
  tc.def_property_readonly("columns",
                           [](const TimeConfig& c) {
                             py::list l;
                             for (const auto& t : c.targets) l.append(t.column);
                             return l;
                           })
      .def_property_readonly("elements",
                             [](const TimeConfig& c) {
                               py::list l;
                               for (const auto& t : c.targets) l.append(to_string(t.element));
                               return l;
                             })
      .def_property_readonly("target_values",
                             [](const TimeConfig& c) {
                               py::list l;
                               for (const auto& t : c.targets) l.append(t.target);
                               return l;
                             })
      .def_property_readonly("units",
                             [](const TimeConfig& c) {
                               py::list l;
                               for (const auto& t : c.targets) l.append(t.unit);
                               return l;
                             })
      .def_readonly("quantiles", &TimeConfig::quantiles);

  py::class_<MomentsConfig> mc(m, "MomentsConfig", "Configuration of the cycle-of-service analysis.");
  bind::def_config(mc, &moments_config_from_json, [](const MomentsConfig& c) { return to_json(c); });
  mc.def_readonly("scale_min", &MomentsConfig::scale_min)
      .def_readonly("scale_max", &MomentsConfig::scale_max)
      .def_readonly("fail_at", &MomentsConfig::fail_at)
      .def_readonly("bad_ending_gap", &MomentsConfig::bad_ending_gap)
      .def_readonly("peak", &MomentsConfig::peak);

  m.def(
      "evaluate_needs",
      [](const NeedRuleSet& rules, const CArray<double>& data, const std::vector<std::string>& columns, int workers) {
        auto x = bind::as_records(data, "data");
        NeedsEvaluation ev;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          ev = evaluate_needs(rules, x, columns, workers);
        }
        py::dict d;
        d["fired"] = bind::to_numpy(std::move(ev.fired));
        d["needs"] = bind::to_numpy(std::move(ev.needs));
        d["actions"] = bind::to_numpy(std::move(ev.actions));
        d["rule_counts"] = py::array(py::cast(ev.rule_counts));
        d["need_counts"] = py::array(py::cast(ev.need_counts));
        py::dict missing;
        for (std::size_t f = 0; f < ev.field_missing.size(); ++f)
          missing[py::str(rules.conditions.fields()[f])] = ev.field_missing[f];
        d["field_missing"] = missing;
        return d;
      },
      py::arg("rules"), py::arg("data"), py::arg("columns"), py::arg("workers") = 1);

  m.def(
      "check_standards",
      [](const StandardSet& s, const CArray<double>& data, const std::vector<std::string>& columns, int workers) {
        auto x = bind::as_records(data, "data");
        RowMatrixXi8 codes;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          codes = check_standards(s, x, columns, workers);
        }
        return bind::to_numpy(std::move(codes));
      },
      py::arg("standards"), py::arg("data"), py::arg("columns"), py::arg("workers") = 1);

  m.def(
      "count_compliance",
      [](const CArray<std::int8_t>& codes, const CArray<std::int32_t>& groups, int n_groups) {
        if (codes.ndim() != 2) throw input_error("codes: expected a 2-D array");
        Eigen::Map<const RowMatrixXi8> c(codes.data(), codes.shape(0), codes.shape(1));
        auto g = bind::as_vector(groups, "groups");
        ComplianceCounts r;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          r = count_compliance(c, g, n_groups);
        }
        py::dict d;
        d["met"] = bind::to_numpy(std::move(r.met));
        d["observed"] = bind::to_numpy(std::move(r.observed));
        d["not_applicable"] = bind::to_numpy(std::move(r.not_applicable));
        d["not_observed"] = bind::to_numpy(std::move(r.not_observed));
        return d;
      },
      py::arg("codes"), py::arg("groups"), py::arg("n_groups"));

  m.def(
      "p_chart",
      [](const CArray<double>& met, const CArray<double>& n, double sigma) {
        PChart c = p_chart(bind::as_vector(met, "met"), bind::as_vector(n, "n"), sigma);
        py::dict d;
        d["center"] = c.center;
        d["p"] = bind::to_numpy(std::move(c.p));
        d["lower"] = bind::to_numpy(std::move(c.lower));
        d["upper"] = bind::to_numpy(std::move(c.upper));
        d["signal"] = bind::to_numpy(std::move(c.signal));
        return d;
      },
      py::arg("met"), py::arg("n"), py::arg("sigma") = 3.0);

  m.def(
      "summarize_times",
      [](const TimeConfig& cfg, const CArray<double>& values, const CArray<std::int32_t>& groups, int n_groups,
         int workers) {
        auto x = bind::as_records(values, "values");
        auto g = bind::as_vector(groups, "groups");
        TimeSummary s;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          s = summarize_times(cfg, x, g, n_groups, workers);
        }
        py::dict d;
        d["n"] = bind::to_numpy(std::move(s.n));
        d["n_missing"] = bind::to_numpy(std::move(s.n_missing));
        d["attained"] = bind::to_numpy(std::move(s.attained));
        d["mean"] = bind::to_numpy(std::move(s.mean));
        d["mean_excess"] = bind::to_numpy(std::move(s.mean_excess));
        py::list q;
        for (auto& m : s.quantiles) q.append(bind::to_numpy(std::move(m)));
        d["quantiles"] = q;
        return d;
      },
      py::arg("config"), py::arg("values"), py::arg("groups"), py::arg("n_groups"), py::arg("workers") = 1);

  m.def(
      "analyze_moments",
      [](const CArray<std::int32_t>& visit, const CArray<double>& order, const CArray<std::int32_t>& moment,
         const CArray<double>& score, int n_visits, int n_moments, const MomentsConfig& cfg) {
        auto v = bind::as_vector(visit, "visit");
        auto o = bind::as_vector(order, "order");
        auto mo = bind::as_vector(moment, "moment");
        auto s = bind::as_vector(score, "score");
        MomentsAnalysis a;
        {
          py::gil_scoped_release release;  // pure C++ over borrowed arrays
          a = analyze_moments(v, o, mo, s, n_visits, n_moments, cfg);
        }
        py::dict d;
        d["n_scored"] = bind::to_numpy(std::move(a.n_scored));
        d["weakest"] = bind::to_numpy(std::move(a.weakest));
        d["weakest_score"] = bind::to_numpy(std::move(a.weakest_score));
        d["first"] = bind::to_numpy(std::move(a.first));
        d["last"] = bind::to_numpy(std::move(a.last));
        d["mean"] = bind::to_numpy(std::move(a.mean));
        d["peak"] = bind::to_numpy(std::move(a.peak));
        d["peak_end"] = bind::to_numpy(std::move(a.peak_end));
        d["bad_ending"] = bind::to_numpy(std::move(a.bad_ending));
        d["moment_n"] = bind::to_numpy(std::move(a.moment_n));
        d["moment_sum"] = bind::to_numpy(std::move(a.moment_sum));
        d["moment_failed"] = bind::to_numpy(std::move(a.moment_failed));
        d["moment_weakest"] = bind::to_numpy(std::move(a.moment_weakest));
        d["moment_position_sum"] = bind::to_numpy(std::move(a.moment_position_sum));
        d["n_missing"] = a.n_missing;
        return d;
      },
      py::arg("visit"), py::arg("order"), py::arg("moment"), py::arg("score"), py::arg("n_visits"),
      py::arg("n_moments"), py::arg("config"));
}
