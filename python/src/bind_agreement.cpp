#include "bind_util.hpp"
#include "servscore/agreement.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

// n x m int32 codes (row-major) from a 1-D or 2-D array
struct Codes {
  CArray<std::int32_t> a;
  std::ptrdiff_t n = 0;
  int m = 0;
};

Codes as_codes(const CArray<std::int32_t>& a, const char* what) {
  if (a.ndim() != 2)
    throw input_error(std::string(what) + ": expected a 2-D array of codes, got " + std::to_string(a.ndim()) +
                      " dimension(s)");
  return {a, static_cast<std::ptrdiff_t>(a.shape(0)), static_cast<int>(a.shape(1))};
}

template <class S>
void def_bytes(py::class_<S>& cls) {
  cls.def("to_bytes", [](const S& s) { return py::bytes(s.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string_view v = b;
            return S::from_bytes(v);
          },
          py::arg("data"))
      .def("copy", [](const S& s) { return S(s); })
      .def(py::pickle([](const S& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return S::from_bytes(std::string(t[0].cast<py::bytes>())); }));
}

}  // namespace

void register_agreement(py::module_& m) {
  py::class_<IccState> icc_state(m, "IccState",
                                 "Mergeable two-way ANOVA state of complete subjects x raters (bytes SSICC001).");
  icc_state.def(py::init<>())
      .def_readonly("k", &IccState::k)
      .def_readonly("n", &IccState::n)
      .def_readonly("n_missing", &IccState::n_missing)
      .def(
          "update",
          [](IccState& s, const CArray<double>& x) -> IccState& {
            auto r = bind::as_records(x, "ratings");
            py::gil_scoped_release release;  // pure C++ over the borrowed array
            return s.update(r);
          },
          py::arg("ratings"), py::return_value_policy::reference_internal)
      .def(
          "merge", [](IccState& s, const IccState& o) -> IccState& { return s.merge(o); }, py::arg("other"),
          py::return_value_policy::reference_internal);
  def_bytes(icc_state);

  m.def(
      "icc",
      [](const IccState& s, double level) {
        IccResult r;
        {
          py::gil_scoped_release release;  // pure C++ on the state
          r = icc(s, level);
        }
        py::dict d;
        d["n"] = r.n;
        d["n_missing"] = r.n_missing;
        d["k"] = r.k;
        d["level"] = r.level;
        d["ms_subjects"] = r.ms_subjects;
        d["ms_raters"] = r.ms_raters;
        d["ms_error"] = r.ms_error;
        d["ms_within"] = r.ms_within;
        py::list forms;
        for (const auto& f : r.forms) {
          py::dict g;
          g["type"] = f.type;
          g["icc"] = f.icc;
          g["F"] = f.f;
          g["df1"] = f.df1;
          g["df2"] = f.df2;
          g["p"] = f.p;
          g["lower"] = f.lower;
          g["upper"] = f.upper;
          forms.append(g);
        }
        d["forms"] = forms;
        return d;
      },
      py::arg("state"), py::arg("level") = 0.95);

  m.def(
      "kappa_weights", [](int k, const std::string& kind) { return kappa_weights(k, kind); }, py::arg("k"),
      py::arg("kind"));
  m.def(
      "cohen_kappa",
      [](const CArray<double>& table, const CArray<double>& weights, double level, const std::string& variance,
         double n) {
        auto t = bind::as_records(table, "table");
        auto w = bind::as_records(weights, "weighting");
        KappaVariance v;
        if (variance == "fleiss_cohen_everitt")
          v = KappaVariance::fleiss_cohen_everitt;
        else if (variance == "psych")
          v = KappaVariance::psych;
        else
          throw config_error("variance: '" + variance +
                             "' is not a variance; expected 'fleiss_cohen_everitt' or 'psych'");
        KappaResult r;
        {
          py::gil_scoped_release release;  // pure C++ on a k x k table
          r = cohen_kappa(t, w, level, v, n);
        }
        py::dict d;
        d["n"] = r.n;
        d["po"] = r.po;
        d["pe"] = r.pe;
        d["kappa"] = r.kappa;
        d["se"] = r.se;
        d["lower"] = r.lower;
        d["upper"] = r.upper;
        d["clipped"] = r.clipped;
        d["se0"] = r.se0;
        d["z"] = r.z;
        d["p"] = r.p;
        return d;
      },
      py::arg("table"), py::arg("weights"), py::arg("level") = 0.95, py::arg("variance") = "fleiss_cohen_everitt",
      py::arg("n") = 0.0);

  py::class_<KappaState> kappa_state(m, "KappaState", "Mergeable confusion matrix of two raters (bytes SSKAPPA1).");
  kappa_state.def(py::init<>())
      .def_property_readonly("categories", [](const KappaState& s) { return s.categories.labels(); })
      .def_property_readonly("table", [](const KappaState& s) { return AgreementCountMatrix(s.table); })
      .def_readonly("n_missing", &KappaState::n_missing)
      .def(
          "update",
          [](KappaState& s, const std::vector<std::string>& labels, const CArray<std::int32_t>& a,
             const CArray<std::int32_t>& b) -> KappaState& {
            auto x = bind::as_vector(a, "rater 1"), y = bind::as_vector(b, "rater 2");
            if (x.size() != y.size())
              throw input_error("kappa: " + std::to_string(x.size()) + " ratings of rater 1 and " +
                                std::to_string(y.size()) + " of rater 2; expected one pair per subject");
            py::gil_scoped_release release;  // pure C++ over the borrowed arrays
            return s.update(labels, x.data(), y.data(), x.size());
          },
          py::arg("labels"), py::arg("rater1"), py::arg("rater2"), py::return_value_policy::reference_internal)
      .def(
          "merge", [](KappaState& s, const KappaState& o) -> KappaState& { return s.merge(o); }, py::arg("other"),
          py::return_value_policy::reference_internal);
  def_bytes(kappa_state);

  py::class_<FleissState> fleiss_state(m, "FleissState",
                                       "Mergeable rater x category counts of Fleiss' kappa (bytes SSFLEIS1).");
  fleiss_state.def(py::init<>())
      .def_property_readonly("categories", [](const FleissState& s) { return s.categories.labels(); })
      .def_readonly("m", &FleissState::m)
      .def_readonly("n", &FleissState::n)
      .def_readonly("n_missing", &FleissState::n_missing)
      .def_property_readonly("rater_counts", [](const FleissState& s) { return AgreementCountMatrix(s.rater_counts); })
      .def(
          "update",
          [](FleissState& s, const std::vector<std::string>& labels,
             const CArray<std::int32_t>& codes) -> FleissState& {
            auto c = as_codes(codes, "ratings");
            py::gil_scoped_release release;  // pure C++ over the borrowed array
            return s.update(labels, c.a.data(), c.n, c.m);
          },
          py::arg("labels"), py::arg("codes"), py::return_value_policy::reference_internal)
      .def(
          "merge", [](FleissState& s, const FleissState& o) -> FleissState& { return s.merge(o); }, py::arg("other"),
          py::return_value_policy::reference_internal);
  def_bytes(fleiss_state);

  m.def(
      "fleiss_kappa",
      [](const FleissState& s) {
        FleissResult r;
        {
          py::gil_scoped_release release;  // pure C++ on the state
          r = fleiss_kappa(s);
        }
        py::dict d;
        d["n"] = r.n;
        d["n_missing"] = r.n_missing;
        d["m"] = r.m;
        d["po"] = r.po;
        d["pe"] = r.pe;
        d["kappa"] = r.kappa;
        d["se0"] = r.se0;
        d["z"] = r.z;
        d["p"] = r.p;
        d["kappa_exact"] = r.kappa_exact;
        d["share"] = bind::to_numpy(std::move(r.share));
        d["category_kappa"] = bind::to_numpy(std::move(r.category_kappa));
        d["category_se0"] = r.category_se0;
        d["category_z"] = bind::to_numpy(std::move(r.category_z));
        d["category_p"] = bind::to_numpy(std::move(r.category_p));
        return d;
      },
      py::arg("state"));

  py::class_<KrippendorffState> kripp_state(m, "KrippendorffState",
                                            "Mergeable coincidence matrix of Krippendorff's alpha (bytes SSKRIPP1).");
  kripp_state.def(py::init<>())
      .def_property_readonly("categories", [](const KrippendorffState& s) { return s.categories.labels(); })
      .def_property_readonly("coincidence", [](const KrippendorffState& s) { return Eigen::MatrixXd(s.coincidence); })
      .def_readonly("n_units", &KrippendorffState::n_units)
      .def_readonly("n_pairable", &KrippendorffState::n_pairable)
      .def_readonly("n_values", &KrippendorffState::n_values)
      .def_readonly("n_missing", &KrippendorffState::n_missing)
      .def(
          "update",
          [](KrippendorffState& s, const std::vector<std::string>& labels,
             const CArray<std::int32_t>& codes) -> KrippendorffState& {
            auto c = as_codes(codes, "ratings");
            py::gil_scoped_release release;  // pure C++ over the borrowed array
            return s.update(labels, c.a.data(), c.n, c.m);
          },
          py::arg("labels"), py::arg("codes"), py::return_value_policy::reference_internal)
      .def(
          "merge", [](KrippendorffState& s, const KrippendorffState& o) -> KrippendorffState& { return s.merge(o); },
          py::arg("other"), py::return_value_policy::reference_internal);
  def_bytes(kripp_state);

  m.def(
      "krippendorff_alpha",
      [](const CArray<double>& coincidence, const std::string& metric, const CArray<double>& values) {
        auto o = bind::as_records(coincidence, "coincidence");
        KrippendorffMetric mt;
        if (metric == "nominal")
          mt = KrippendorffMetric::nominal;
        else if (metric == "ordinal")
          mt = KrippendorffMetric::ordinal;
        else if (metric == "interval")
          mt = KrippendorffMetric::interval;
        else if (metric == "ratio")
          mt = KrippendorffMetric::ratio;
        else
          throw config_error("metric: '" + metric +
                             "' is not a metric; expected 'nominal', 'ordinal', 'interval' or 'ratio'");
        Eigen::MatrixXd om = o;
        Eigen::VectorXd v = bind::as_vector(values, "values");
        KrippendorffResult r;
        {
          py::gil_scoped_release release;  // pure C++ on a k x k matrix
          r = krippendorff_alpha(om, mt, v);
        }
        py::dict d;
        d["alpha"] = r.alpha;
        d["d_observed"] = r.d_observed;
        d["d_expected"] = r.d_expected;
        d["n_values"] = r.n_values;
        return d;
      },
      py::arg("coincidence"), py::arg("metric"), py::arg("values"));
}
