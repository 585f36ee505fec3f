// Bindings of the trainable text classifier (servscore/text_model.hpp).
#include <cmath>

#include "bind_util.hpp"
#include "servscore/text_model.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

using Matrix = TextClassifier::Matrix;

Matrix dense_of(const py::object& f) {
  if (f.is_none()) return Matrix(0, 0);
  auto a = f.cast<CArray<double>>();
  if (a.ndim() != 2)
    throw input_error("features: expected a 2-D array (texts x features), got " + std::to_string(a.ndim()) +
                      " dimension(s)");
  return Eigen::Map<const Matrix>(a.data(), a.shape(0), a.shape(1));
}

// Raises KeyboardInterrupt (and friends) between training tasks.
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

/// A binding of one scoring method (decision_function, predict_proba): texts and features in,
/// a texts x labels array out, the GIL released around the C++ work.
auto scores_of(Matrix (TextClassifier::*method)(const std::vector<TextRef>&, const Matrix&, int) const) {
  return [method](const TextClassifier& c, const py::sequence& texts, const py::object& features, int workers) {
    py::list keep;
    auto views = bind::text_views(texts, keep);
    Matrix dense = dense_of(features);
    Matrix out;
    {
      py::gil_scoped_release release;  // pure C++ over the views above
      out = (c.*method)(views, dense, workers);
    }
    return bind::to_numpy(std::move(out));
  };
}

}  // namespace

void register_text_model(py::module_& m) {
  py::class_<TextClassifierConfig> cfg(m, "TextClassifierConfig",
                                       "Settings of the trainable text classifier (see servscore.text.Classifier).");
  bind::def_config(cfg, &text_classifier_config_from_json, [](const TextClassifierConfig& c) { return to_json(c); });
  cfg.def_readwrite("word_ngrams", &TextClassifierConfig::word_ngrams)
      .def_readwrite("char_min", &TextClassifierConfig::char_min)
      .def_readwrite("char_max", &TextClassifierConfig::char_max)
      .def_readwrite("cjk_max", &TextClassifierConfig::cjk_max)
      .def_readwrite("buckets", &TextClassifierConfig::buckets)
      .def_readwrite("min_count", &TextClassifierConfig::min_count)
      .def_readwrite("epochs", &TextClassifierConfig::epochs)
      .def_readwrite("learning_rate", &TextClassifierConfig::learning_rate)
      .def_readwrite("l2", &TextClassifierConfig::l2)
      .def_readwrite("seed", &TextClassifierConfig::seed)
      .def_readwrite("balanced", &TextClassifierConfig::balanced)
      .def_readwrite("calibration_folds", &TextClassifierConfig::calibration_folds)
      .def_readwrite("fold_case", &TextClassifierConfig::fold_case)
      .def_readwrite("fold_width", &TextClassifierConfig::fold_width)
      .def_readwrite("tune_thresholds", &TextClassifierConfig::tune_thresholds)
      .def_readwrite("exclusive_groups", &TextClassifierConfig::exclusive_groups)
      .def_readwrite("solver", &TextClassifierConfig::solver)
      .def_readwrite("weighting", &TextClassifierConfig::weighting)
      .def_readwrite("max_iter", &TextClassifierConfig::max_iter)
      .def_readwrite("tol", &TextClassifierConfig::tol)
      .def_readwrite("dense_scale", &TextClassifierConfig::dense_scale);

  m.def(
      "text_model_tokens",
      [](const std::string& t, bool fold_case, bool fold_width) { return text_model_tokens(t, fold_case, fold_width); },
      py::arg("text"), py::arg("fold_case") = true, py::arg("fold_width") = true);
  m.def(
      "text_model_feature_strings",
      [](const std::string& t, const TextClassifierConfig& c) {
        std::vector<py::bytes> out;
        for (auto& s : text_model_feature_strings(t, c)) out.emplace_back(s);
        return out;
      },
      py::arg("text"), py::arg("config"));
  m.def(
      "fnv1a32", [](const py::bytes& b) { return fnv1a32(std::string(b)); }, py::arg("data"));

  py::class_<TextClassifier>(m, "TextClassifier", "Compiled one-vs-rest text classifier (see servscore.text).")
      .def(py::init<TextClassifierConfig>(), py::arg("config"))
      .def(
          "fit",
          [](TextClassifier& c, const py::sequence& texts, const CArray<std::uint8_t>& labels,
             const std::vector<std::string>& names, const py::object& features, int workers,
             const std::vector<std::string>& feature_names) {
            py::list keep;
            auto views = bind::text_views(texts, keep);
            if (labels.ndim() != 2) throw input_error("labels: expected a 2-D 0/1 array (texts x labels)");
            TextClassifier::LabelMatrix y =
                Eigen::Map<const TextClassifier::LabelMatrix>(labels.data(), labels.shape(0), labels.shape(1));
            Matrix dense = dense_of(features);
            py::gil_scoped_release release;  // pure C++ over the views and copies above
            c.fit(views, y, names, dense, workers, &check_signals, feature_names);
          },
          py::arg("texts"), py::arg("labels"), py::arg("names"), py::arg("features") = py::none(),
          py::arg("workers") = 1, py::arg("feature_names") = std::vector<std::string>{})
      .def("decision_function", scores_of(&TextClassifier::decision_function), py::arg("texts"),
           py::arg("features") = py::none(), py::arg("workers") = 1)
      .def("predict_proba", scores_of(&TextClassifier::predict_proba), py::arg("texts"),
           py::arg("features") = py::none(), py::arg("workers") = 1)
      .def(
          "decide",
          [](const TextClassifier& c, const CArray<double>& p) {
            auto mp = bind::as_records(p, "proba");
            return bind::to_numpy(c.decide(Matrix(mp)));
          },
          py::arg("proba"))
      .def_property_readonly("fitted", &TextClassifier::fitted)
      .def_property_readonly("config", &TextClassifier::config)
      .def_property_readonly("labels", &TextClassifier::labels)
      .def_property_readonly("n_dense", &TextClassifier::n_dense)
      .def_property_readonly("dense_names", &TextClassifier::dense_names)
      .def_property_readonly("dense_mean", &TextClassifier::dense_mean)
      .def_property_readonly("dense_sd", &TextClassifier::dense_sd)
      .def_property_readonly("used_buckets", &TextClassifier::used_buckets)
      .def_property_readonly("idf", &TextClassifier::idf)
      .def_property_readonly("weights",
                             [](const TextClassifier& c) {
                               auto w = c.weights();
                               return bind::to_numpy(std::move(w));
                             })
      .def_property_readonly("bias", &TextClassifier::bias)
      .def_property_readonly("platt_a", &TextClassifier::platt_a)
      .def_property_readonly("platt_b", &TextClassifier::platt_b)
      .def_property("thresholds", &TextClassifier::thresholds, &TextClassifier::set_thresholds)
      .def("set_exclusive_groups", &TextClassifier::set_exclusive_groups, py::arg("groups"))
      .def("to_bytes", [](const TextClassifier& c) { return py::bytes(c.to_bytes()); })
      .def_static(
          "from_bytes",
          [](const py::bytes& b) {
            std::string_view s = b;
            return TextClassifier::from_bytes(s);
          },
          py::arg("data"));
}
