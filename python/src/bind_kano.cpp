#include <cmath>
#include <limits>

#include "bind_util.hpp"
#include "servscore/kano.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

using CountsMatrix = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

using StridedAnswers = Eigen::Map<const RowMatrixXi8, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// An int8 2-D array as a strided view, read in place whatever its layout (C order, Fortran
/// order, sliced); other dtypes and negative strides are converted once (a copy). `keep` holds
/// the array the view points into.
StridedAnswers as_answers(const py::array& a, const char* what, py::array& keep) {
  if (a.ndim() != 2)
    throw input_error(std::string(what) + ": expected a 2-D array (respondents x attributes), got " +
                      std::to_string(a.ndim()) + " dimension(s)");
  keep = a;
  if (!py::array_t<std::int8_t>::check_(a) || a.strides(0) < 0 || a.strides(1) < 0)
    keep = py::cast<CArray<std::int8_t>>(a);
  const auto* p = static_cast<const std::int8_t*>(keep.data());
  return {p, keep.shape(0), keep.shape(1),
          Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(keep.strides(0), keep.strides(1))};
}

py::dict summary_to_dict(KanoSummary&& s) {
  auto vec_i64 = [](const std::vector<std::int64_t>& v) { return py::array_t<std::int64_t>(v.size(), v.data()); };
  auto vec_int = [](const std::vector<int>& v) {
    std::vector<std::int32_t> w(v.begin(), v.end());
    return py::array_t<std::int32_t>(w.size(), w.data());
  };
  auto vec_bool = [](const std::vector<bool>& v) {
    py::array_t<bool> a(static_cast<py::ssize_t>(v.size()));
    auto m = a.mutable_unchecked<1>();
    for (std::size_t i = 0; i < v.size(); ++i) m(static_cast<py::ssize_t>(i)) = v[i];
    return a;
  };
  py::dict d;
  d["category_counts"] =
      bind::to_numpy(Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor>(std::move(s.category_counts)));
  d["n"] = vec_i64(s.n);
  d["missing"] = vec_i64(s.missing);
  d["mode"] = vec_int(s.mode);
  d["second"] = vec_int(s.second);
  d["category"] = vec_int(s.category);
  d["near_tie"] = vec_bool(s.near_tie);
  d["category_strength"] = bind::to_numpy(std::move(s.category_strength));
  d["total_strength"] = bind::to_numpy(std::move(s.total_strength));
  d["better"] = bind::to_numpy(std::move(s.better));
  d["worse"] = bind::to_numpy(std::move(s.worse));
  d["better_lo"] = bind::to_numpy(std::move(s.better_lo));
  d["better_hi"] = bind::to_numpy(std::move(s.better_hi));
  d["worse_lo"] = bind::to_numpy(std::move(s.worse_lo));
  d["worse_hi"] = bind::to_numpy(std::move(s.worse_hi));
  d["fong_difference"] = bind::to_numpy(std::move(s.fong_difference));
  d["fong_critical"] = bind::to_numpy(std::move(s.fong_critical));
  d["fong_significant"] = vec_bool(s.fong_significant);
  d["functional_mean"] = bind::to_numpy(std::move(s.functional_mean));
  d["functional_sd"] = bind::to_numpy(std::move(s.functional_sd));
  d["dysfunctional_mean"] = bind::to_numpy(std::move(s.dysfunctional_mean));
  d["dysfunctional_sd"] = bind::to_numpy(std::move(s.dysfunctional_sd));
  d["n_continuous"] = vec_i64(s.n_continuous);
  d["expectation_level"] = vec_int(s.expectation_level);
  d["q_share"] = bind::to_numpy(std::move(s.q_share));
  d["q_warning"] = vec_bool(s.q_warning);
  return d;
}

// Raises KeyboardInterrupt (and friends) between blocks of bootstrap resamples.
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

}  // namespace

void register_kano(py::module_& m) {
  py::class_<KanoConfig> cfg(m, "KanoConfig", "Configuration of the Kano analysis (see servscore.kano).");
  bind::def_config(cfg, &kano_config_from_json, [](const KanoConfig& c) { return to_json(c); });
  cfg.def_readwrite("near_tie_threshold", &KanoConfig::near_tie_threshold)
      .def_readwrite("fong_z", &KanoConfig::fong_z)
      .def_readwrite("exclude_questionable", &KanoConfig::exclude_questionable)
      .def_readwrite("basic_better_max", &KanoConfig::basic_better_max)
      .def_readwrite("q_warning_share", &KanoConfig::q_warning_share)
      .def_readwrite("ci_level", &KanoConfig::ci_level)
      .def_property_readonly("levels", [](const KanoConfig& c) { return c.table.levels; })
      .def_property_readonly("table_name", [](const KanoConfig& c) { return c.table.name; })
      .def_property_readonly("table_json", [](const KanoConfig& c) { return to_json(c.table); })
      .def_property_readonly("functional_points", &KanoConfig::functional_points)
      .def_property_readonly("dysfunctional_points", &KanoConfig::dysfunctional_points);

  m.def(
      "kano_table_json", [](const std::string& text) { return to_json(kano_table_from_json(text)); }, py::arg("text"),
      "Validate a table given as JSON (a built-in name as a JSON string, or an object with rows).");

  m.def(
      "kano_classify",
      [](const py::array& functional, const py::array& dysfunctional, const std::string& table, int workers) {
        KanoTable t = kano_table_from_json(table);
        py::array kf, kd;
        auto f = as_answers(functional, "functional", kf);
        auto d = as_answers(dysfunctional, "dysfunctional", kd);
        RowMatrixXi8 out;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed arrays
          out = kano_classify(f, d, t, workers);
        }
        return bind::to_numpy(std::move(out));
      },
      py::arg("functional"), py::arg("dysfunctional"), py::arg("table"), py::arg("workers") = 1);

  py::class_<KanoAccumulator>(m, "KanoState",
                              "The mergeable Kano state (C++): configuration, attribute names, group keys, pair "
                              "histograms per (group, attribute) and the rows counted; bytes SSKANO2.")
      .def(py::init<int, int, int>(), py::arg("groups"), py::arg("attributes"), py::arg("levels") = 5)
      .def(py::init<KanoConfig, std::vector<std::string>, std::vector<std::string>, bool>(), py::arg("config"),
           py::arg("key_names") = std::vector<std::string>{}, py::arg("attributes") = std::vector<std::string>{},
           py::arg("fixed_attributes") = false)
      .def_property_readonly("groups", &KanoAccumulator::groups)
      .def_property_readonly("attributes", &KanoAccumulator::attributes)
      .def_property_readonly("levels", &KanoAccumulator::levels)
      .def_property_readonly("cells", &KanoAccumulator::cells)
      .def_property_readonly("rows", &KanoAccumulator::rows)
      .def_property_readonly("fixed_attributes", &KanoAccumulator::fixed_attributes)
      .def_property_readonly("attribute_names", &KanoAccumulator::attribute_names)
      .def_property_readonly("key_names", [](const KanoAccumulator& a) { return a.keys().names(); })
      .def_property_readonly(
          "keys", [](const KanoAccumulator& a) { return a.keys(); }, "A copy of the group keys.")
      .def_property_readonly("config", [](const KanoAccumulator& a) { return a.config(); })
      .def_property(
          "suffixes", [](const KanoAccumulator& a) { return py::make_tuple(a.suffixes().first, a.suffixes().second); },
          [](KanoAccumulator& a, const std::pair<std::string, std::string>& s) { a.set_suffixes(s.first, s.second); },
          "Column suffixes of the wide layout (functional, dysfunctional), kept in the bytes.")
      .def("sorted_groups", &KanoAccumulator::sorted_groups, "Group codes in key order (missing last).")
      .def(
          "update",
          [](KanoAccumulator& a, const py::array& functional, const py::array& dysfunctional,
             const CArray<std::int32_t>& groups, int workers, std::int64_t row_offset) {
            py::array kf, kd;
            auto f = as_answers(functional, "functional", kf);
            auto d = as_answers(dysfunctional, "dysfunctional", kd);
            auto g = bind::as_vector(groups, "groups");
            py::gil_scoped_release release;  // pure C++ over the borrowed arrays
            a.update(f, d, g, workers, row_offset);
          },
          py::arg("functional"), py::arg("dysfunctional"), py::arg("groups"), py::arg("workers") = 1,
          py::arg("row_offset") = 0)
      .def(
          "update_batch",
          [](KanoAccumulator& a, const py::array& functional, const py::array& dysfunctional,
             const std::vector<std::string>& attributes, const CArray<std::int32_t>& codes, const GroupKeys& keys,
             int workers, std::int64_t row_offset) {
            py::array kf, kd;
            auto f = as_answers(functional, "functional", kf);
            auto d = as_answers(dysfunctional, "dysfunctional", kd);
            auto g = bind::as_vector(codes, "codes");
            py::gil_scoped_release release;  // pure C++ over the borrowed arrays
            a.update(f, d, attributes, g, keys, workers, row_offset);
          },
          py::arg("functional"), py::arg("dysfunctional"), py::arg("attributes"), py::arg("codes"), py::arg("keys"),
          py::arg("workers") = 1, py::arg("row_offset") = 0,
          "Count a wide batch: column j is attribute attributes[j], row i in group keys.key(codes[i]) (codes empty: "
          "ungrouped).")
      .def(
          "update_long",
          [](KanoAccumulator& a, const CArray<std::int8_t>& functional, const CArray<std::int8_t>& dysfunctional,
             const CArray<std::int32_t>& attribute, const CArray<std::int32_t>& groups, std::int64_t row_offset) {
            auto f = bind::as_vector(functional, "functional");
            auto d = bind::as_vector(dysfunctional, "dysfunctional");
            auto at = bind::as_vector(attribute, "attribute");
            auto g = bind::as_vector(groups, "groups");
            py::gil_scoped_release release;  // pure C++ over the borrowed arrays
            a.update_long(f, d, at, g, row_offset);
          },
          py::arg("functional"), py::arg("dysfunctional"), py::arg("attribute"), py::arg("groups"),
          py::arg("row_offset") = 0)
      .def(
          "update_long_batch",
          [](KanoAccumulator& a, const CArray<std::int8_t>& functional, const CArray<std::int8_t>& dysfunctional,
             const CArray<std::int32_t>& attribute, const std::vector<std::string>& attribute_names,
             const CArray<std::int32_t>& codes, const GroupKeys& keys, std::int64_t row_offset) {
            auto f = bind::as_vector(functional, "functional");
            auto d = bind::as_vector(dysfunctional, "dysfunctional");
            auto at = bind::as_vector(attribute, "attribute");
            auto g = bind::as_vector(codes, "codes");
            py::gil_scoped_release release;  // pure C++ over the borrowed arrays
            a.update_long(f, d, at, attribute_names, g, keys, row_offset);
          },
          py::arg("functional"), py::arg("dysfunctional"), py::arg("attribute"), py::arg("attribute_names"),
          py::arg("codes"), py::arg("keys"), py::arg("row_offset") = 0,
          "Count a long batch: row i is attribute attribute_names[attribute[i]] in group keys.key(codes[i]).")
      .def(
          "add_counts",
          [](KanoAccumulator& a, const GroupKeys& keys, std::int32_t code, const CountsMatrix& block,
             std::int64_t rows) { a.add_counts(keys.key(code), block, rows); },
          py::arg("keys"), py::arg("code"), py::arg("counts"), py::arg("rows"),
          "Add an attributes x cells histogram (and rows) to the group keys.key(code); for converting old images.")
      .def("merge", &KanoAccumulator::merge, py::arg("other"), py::return_value_policy::reference_internal)
      .def("__add__", [](const KanoAccumulator& a, const KanoAccumulator& b) { return a + b; })
      .def(
          "__eq__", [](const KanoAccumulator& a, const KanoAccumulator& b) { return a == b; }, py::is_operator())
      .def_property(
          "counts", [](const KanoAccumulator& a) { return CountsMatrix(a.counts()); },
          [](KanoAccumulator& a, const CountsMatrix& c) {
            if (c.rows() != a.counts().rows() || c.cols() != a.counts().cols())
              throw input_error("counts: expected " + std::to_string(a.counts().rows()) + " x " +
                                std::to_string(a.counts().cols()));
            if ((c.array() < 0).any()) throw input_error("counts: expected counts >= 0");
            a.counts() = c;
          })
      .def("to_bytes", [](const KanoAccumulator& a) { return py::bytes(a.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string s(b);
            py::gil_scoped_release release;  // pure C++ over an owned copy
            return KanoAccumulator::from_bytes(s);
          },
          py::arg("data"))
      .def(py::pickle([](const KanoAccumulator& a) { return py::make_tuple(py::bytes(a.to_bytes())); },
                      [](const py::tuple& t) { return KanoAccumulator::from_bytes(t[0].cast<std::string>()); }))
      .def(
          "summarize",
          [](const KanoAccumulator& a, const KanoConfig& c) {
            KanoSummary s;
            {
              py::gil_scoped_release release;  // pure C++
              s = summarize_kano(a, c);
            }
            return summary_to_dict(std::move(s));
          },
          py::arg("config"), "Summary of every (group, attribute) in code order, with the given configuration.")
      .def(
          "summary",
          [](const KanoAccumulator& a, double level, int n_bootstrap, std::uint64_t seed, int workers) {
            KanoConfig c = a.config();
            if (!std::isnan(level)) c.ci_level = level;
            KanoBootstrapConfig bc;
            if (n_bootstrap > 0) {
              bc.n_bootstrap = n_bootstrap;
              bc.level = c.ci_level;
              bc.seed = seed;
              bc.validate();
            }
            KanoSummary s;
            std::vector<std::int32_t> order = a.sorted_groups();
            {
              py::gil_scoped_release release;  // pure C++; the bootstrap checks for Ctrl-C between blocks
              s = summarize_kano(a, c, order);
              if (n_bootstrap > 0) {
                auto iv = kano_bootstrap(s.category_counts, bc, workers, check_signals);
                s.better_lo = std::move(iv.better_lo), s.better_hi = std::move(iv.better_hi);
                s.worse_lo = std::move(iv.worse_lo), s.worse_hi = std::move(iv.worse_hi);
              }
            }
            py::dict d = summary_to_dict(std::move(s));
            d["group_order"] = py::array_t<std::int32_t>(static_cast<py::ssize_t>(order.size()), order.data());
            return d;
          },
          py::arg("level") = std::numeric_limits<double>::quiet_NaN(), py::arg("n_bootstrap") = 0, py::arg("seed") = 0,
          py::arg("workers") = 1,
          "Summary with the state's configuration, groups in key order (group_order: their codes), attributes in "
          "state order; level overrides ci_level; n_bootstrap > 0: seeded bootstrap intervals of Better / Worse.");

  m.def(
      "kano_bootstrap",
      [](const Eigen::Matrix<std::int64_t, Eigen::Dynamic, 6, Eigen::RowMajor>& category_counts, int n_bootstrap,
         double level, std::uint64_t seed, int workers) {
        KanoBootstrapConfig bc;
        bc.n_bootstrap = n_bootstrap;
        bc.level = level;
        bc.seed = seed;
        KanoBootstrapIntervals iv;
        {
          py::gil_scoped_release release;  // pure C++; checks for Ctrl-C between blocks of resamples
          iv = kano_bootstrap(category_counts, bc, workers, check_signals);
        }
        py::dict d;
        d["better_lo"] = bind::to_numpy(std::move(iv.better_lo));
        d["better_hi"] = bind::to_numpy(std::move(iv.better_hi));
        d["worse_lo"] = bind::to_numpy(std::move(iv.worse_lo));
        d["worse_hi"] = bind::to_numpy(std::move(iv.worse_hi));
        return d;
      },
      py::arg("category_counts"), py::arg("n_bootstrap") = 2000, py::arg("level") = 0.95, py::arg("seed") = 0,
      py::arg("workers") = 1,
      "Seeded multinomial percentile bootstrap of Better and Worse per row of (A, O, M, I, R, Q) counts.");

  m.def(
      "kano_summarize_counts",
      [](const CountsMatrix& counts, const KanoConfig& c) {
        KanoAccumulator a(1, static_cast<int>(counts.rows()), c.table.levels);
        if (counts.cols() != a.cells())
          throw input_error("counts: expected " + std::to_string(a.cells()) + " columns for " +
                            std::to_string(c.table.levels) + " levels, got " + std::to_string(counts.cols()));
        a.counts() = counts;
        return summary_to_dict(summarize_kano(a, c));
      },
      py::arg("counts"), py::arg("config"), "Summarise pair histograms (rows x (L+1)^2).");

  m.def(
      "kano_chi_square",
      [](const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& table) {
        auto r = kano_chi_square(table);
        return py::make_tuple(r.statistic, r.dof, r.p_value);
      },
      py::arg("table"));
}
