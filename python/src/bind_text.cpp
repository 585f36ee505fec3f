#include <cmath>
#include <cstring>
#include <memory>

#include "bind_util.hpp"
#include "servscore/styles.hpp"
#include "servscore/text.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

#include "arrow_read.hpp"

namespace {

struct OwnedSchema {
  ArrowSchema s{};
  ~OwnedSchema() {
    if (s.release) s.release(&s);
  }
};
struct OwnedArray {
  ArrowArray a{};
  ~OwnedArray() {
    if (a.release) a.release(&a);
  }
};

// Views of the strings of one Arrow string array (utf8, large utf8, utf8 view; binary too),
// without copying: the buffers stay owned by the producer until the arrays are released.
void append_arrow_texts(const ArrowSchema* s, const ArrowArray* a, std::vector<TextRef>& out) {
  arrow::check_array(s, a, "texts");  // the declared structure, before anything is read
  const std::string f = s->format;
  if (!arrow::is_text_format(f) || s->dictionary != nullptr)
    throw input_error("texts: Arrow type '" + f + "' is not a string array (expected utf8, large_utf8 or utf8_view)");
  out.reserve(out.size() + static_cast<std::size_t>(a->length));
  for (int64_t i = 0; i < a->length; ++i) {
    std::string_view t;
    if (arrow::text_at(s, a, i, t))
      out.push_back({t.data(), t.size()});
    else
      out.push_back({nullptr, 0});
  }
}

using CountMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

py::dict evidence_dict(CueEvidence&& ev) {
  py::dict d;
  d["lost_sale"] = bind::to_numpy(std::move(ev.lost_sale));
  d["assertiveness"] = bind::to_numpy(std::move(ev.assertiveness));
  d["responsiveness"] = bind::to_numpy(std::move(ev.responsiveness));
  d["style_hits"] = bind::to_numpy(std::move(ev.style_hits));
  d["needs"] = bind::to_numpy(std::move(ev.needs));
  d["procedural"] = bind::to_numpy(std::move(ev.procedural));
  d["personal"] = bind::to_numpy(std::move(ev.personal));
  d["sentiment"] = bind::to_numpy(std::move(ev.sentiment));
  d["severity"] = bind::to_numpy(std::move(ev.severity));
  d["indicators"] = bind::to_numpy(std::move(ev.indicators));
  d["indicator_names"] = py::cast(ev.indicator_names);
  return d;
}

}  // namespace

// The views borrow the items' buffers (str caches its UTF-8 form), so the sequence and `keep`
// must outlive them.
std::vector<TextRef> bind::text_views(const py::sequence& seq, py::list& keep) {
  const auto n = static_cast<std::size_t>(py::len(seq));
  std::vector<TextRef> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    py::object o = seq[i];
    PyObject* p = o.ptr();
    if (PyUnicode_Check(p)) {
      Py_ssize_t len = 0;
      const char* s = PyUnicode_AsUTF8AndSize(p, &len);
      if (s == nullptr) {  // lone surrogates: keep their bytes, the matcher flags them invalid
        PyErr_Clear();
        py::bytes b = py::reinterpret_steal<py::bytes>(PyUnicode_AsEncodedString(p, "utf-8", "surrogatepass"));
        if (!b) throw py::error_already_set();
        char* bs = nullptr;
        PyBytes_AsStringAndSize(b.ptr(), &bs, &len);
        s = bs;
        keep.append(b);
      } else {
        keep.append(o);
      }
      out[i] = {s, static_cast<std::size_t>(len)};
    } else if (PyBytes_Check(p)) {
      char* s = nullptr;
      Py_ssize_t len = 0;
      PyBytes_AsStringAndSize(p, &s, &len);
      keep.append(o);
      out[i] = {s, static_cast<std::size_t>(len)};
    } else if (o.is_none() || (PyFloat_Check(p) && std::isnan(PyFloat_AsDouble(p))) ||
               std::string(py::str(py::type::of(o).attr("__name__"))) == "NAType") {
      out[i] = {nullptr, 0};  // missing
    } else {
      throw input_error("texts: row " + std::to_string(i) + ": expected a string (or None for missing), got " +
                        std::string(py::str(py::type::of(o).attr("__name__"))) + " " +
                        std::string(py::repr(o)).substr(0, 60));
    }
  }
  return out;
}

void register_text(py::module_& m) {
  py::class_<Lexicon> lx(m, "Lexicon", "A cue lexicon (see servscore.text).");
  bind::def_config(lx, &lexicon_from_json, [](const Lexicon& l) { return to_json(l); });
  lx.def_property_readonly("cue_names",
                           [](const Lexicon& l) {
                             std::vector<std::string> v;
                             for (const auto& c : l.cues) v.push_back(c.name);
                             return v;
                           })
      .def_property_readonly("n_cues", [](const Lexicon& l) { return l.cues.size(); })
      .def_property(
          "languages", [](const Lexicon& l) { return l.languages; },
          [](Lexicon& l, const std::vector<std::string>& v) { l.languages = v; })
      .def_readwrite("negation_window", &Lexicon::negation_window)
      .def_readwrite("scope_words", &Lexicon::scope_words)
      .def_readwrite("double_negation", &Lexicon::double_negation)
      .def_readwrite("hypothetical_words", &Lexicon::hypothetical_words)
      .def_readwrite("gap_words", &Lexicon::gap_words)
      .def_readwrite("fold_case", &Lexicon::fold_case)
      .def_readwrite("fold_width", &Lexicon::fold_width)
      .def_readwrite("max_text_bytes", &Lexicon::max_text_bytes)
      .def_readwrite("invalid_utf8", &Lexicon::invalid_utf8)
      .def("index_of", &Lexicon::index_of, py::arg("name"))
      .def(
          "extend",
          [](const Lexicon& a, const Lexicon& b) {
            Lexicon c = a;
            c.extend(b);
            c.validate();
            return c;
          },
          py::arg("other"), "A new lexicon with the cues of `other` added (phrases of same-named cues appended).");

  auto matches_dict = [](CueMatches&& r, bool with_hits) {
    py::dict d;
    d["counts"] = bind::to_numpy(std::move(r.counts));
    d["negated"] = bind::to_numpy(std::move(r.negated));
    d["status"] = bind::to_numpy(std::move(r.status));
    if (with_hits) {
      d["hit_row"] = py::array(static_cast<py::ssize_t>(r.hit_row.size()), r.hit_row.data());
      d["hit_cue"] = py::array(static_cast<py::ssize_t>(r.hit_cue.size()), r.hit_cue.data());
      d["hit_phrase"] = py::array(static_cast<py::ssize_t>(r.hit_phrase.size()), r.hit_phrase.data());
      d["hit_start"] = py::array(static_cast<py::ssize_t>(r.hit_start.size()), r.hit_start.data());
      d["hit_end"] = py::array(static_cast<py::ssize_t>(r.hit_end.size()), r.hit_end.data());
      d["hit_negated"] = py::array(static_cast<py::ssize_t>(r.hit_negated.size()), r.hit_negated.data());
      d["hit_hypothetical"] = py::array(static_cast<py::ssize_t>(r.hit_hypothetical.size()), r.hit_hypothetical.data());
      d["hit_quoted"] = py::array(static_cast<py::ssize_t>(r.hit_quoted.size()), r.hit_quoted.data());
      d["hit_speaker"] = py::array(static_cast<py::ssize_t>(r.hit_speaker.size()), r.hit_speaker.data());
      d["hit_counted"] = py::array(static_cast<py::ssize_t>(r.hit_counted.size()), r.hit_counted.data());
    }
    return d;
  };

  py::class_<CueMatcher>(m, "CueMatcher", "A compiled lexicon (immutable, thread-safe).")
      .def(py::init([](Lexicon lexicon, const std::string& jieba_dict, const std::string& ts_characters,
                       const std::string& ts_phrases) {
             TextResources res{jieba_dict, ts_characters, ts_phrases};
             py::gil_scoped_release release;  // reading the dictionaries is pure C++
             return std::make_unique<CueMatcher>(std::move(lexicon), res);
           }),
           py::arg("lexicon"), py::kw_only(), py::arg("jieba_dict") = "", py::arg("ts_characters") = "",
           py::arg("ts_phrases") = "")
      .def("segment", &CueMatcher::segment, py::arg("text"),
           "jieba's cut of a text (as jieba.lcut(text, HMM=False), the lexicon's Chinese phrases added as words).")
      .def_property_readonly("lexicon", &CueMatcher::lexicon)
      .def_property_readonly("n_phrases", &CueMatcher::n_phrases)
      .def_property_readonly("n_states", &CueMatcher::n_states)
      .def("phrase", &CueMatcher::phrase, py::arg("id"))
      .def("phrases",
           [](const CueMatcher& cm) {
             std::vector<std::string> v;
             for (std::size_t i = 0; i < cm.n_phrases(); ++i) v.push_back(cm.phrase(static_cast<int>(i)));
             return v;
           })
      .def(
          "normalize", [](const CueMatcher& cm, const std::string& s) { return py::bytes(cm.normalize(s)); },
          py::arg("text"))
      .def(
          "match",
          [matches_dict](const CueMatcher& cm, const py::sequence& texts, int workers, bool with_hits) {
            py::list keep;
            std::vector<TextRef> views = bind::text_views(texts, keep);
            CueMatches r;
            {
              py::gil_scoped_release release;  // pure C++ over buffers kept alive by `texts` and `keep`
              r = cm.match(views, workers, with_hits);
            }
            return matches_dict(std::move(r), with_hits);
          },
          py::arg("texts"), py::arg("workers") = 1, py::arg("with_hits") = false)
      .def(
          "match_arrow",
          [matches_dict](const CueMatcher& cm, const py::object& obj, int workers, bool with_hits) {
            // An Arrow string array or stream (pyarrow Array / ChunkedArray, polars Series ...),
            // matched in place through the C Data Interface: no Python str per row.
            std::vector<TextRef> views;
            std::vector<std::unique_ptr<OwnedArray>> chunks;
            OwnedSchema schema;
            py::object keep_caps;
            if (py::hasattr(obj, "__arrow_c_stream__")) {
              py::capsule cap = obj.attr("__arrow_c_stream__")();
              auto* stream = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(cap.ptr(), "arrow_array_stream"));
              if (!stream) throw py::error_already_set();
              if (stream->get_schema(stream, &schema.s) != 0)
                throw input_error("texts: cannot read the Arrow stream's schema");
              while (true) {
                auto batch = std::make_unique<OwnedArray>();
                if (stream->get_next(stream, &batch->a) != 0) throw input_error("texts: cannot read an Arrow batch");
                if (batch->a.release == nullptr) break;
                append_arrow_texts(&schema.s, &batch->a, views);
                chunks.push_back(std::move(batch));
              }
              keep_caps = cap;
            } else if (py::hasattr(obj, "__arrow_c_array__")) {
              py::tuple caps = obj.attr("__arrow_c_array__")();
              auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(caps[0].ptr(), "arrow_schema"));
              auto* a = static_cast<ArrowArray*>(PyCapsule_GetPointer(caps[1].ptr(), "arrow_array"));
              if (!s || !a) throw py::error_already_set();
              append_arrow_texts(s, a, views);
              keep_caps = caps;  // the capsules own (and release) the structs
            } else {
              throw input_error("texts: the object has neither __arrow_c_stream__ nor __arrow_c_array__");
            }
            CueMatches r;
            {
              py::gil_scoped_release release;  // pure C++ over Arrow buffers owned by `chunks` / `keep_caps`
              r = cm.match(views, workers, with_hits);
            }
            return matches_dict(std::move(r), with_hits);
          },
          py::arg("texts"), py::arg("workers") = 1, py::arg("with_hits") = false,
          "Match an Arrow string array or stream in place (utf8, large_utf8, utf8_view; nulls are missing).");

  m.def(
      "cue_evidence",
      [](const Lexicon& lexicon, const CArray<std::int32_t>& counts) {
        if (counts.ndim() != 2)
          throw input_error("counts: expected a 2-D array (texts x cues), got " + std::to_string(counts.ndim()) +
                            " dimension(s)");
        Eigen::Map<const CountMatrix> c(counts.data(), counts.shape(0), counts.shape(1));
        CueEvidence ev;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          ev = cue_evidence(lexicon, c);
        }
        return evidence_dict(std::move(ev));
      },
      py::arg("lexicon"), py::arg("counts"));

  py::class_<StyleInstrument> si(m, "StyleInstrument", "A social-style instrument (see servscore.styles).");
  bind::def_config(si, &style_instrument_from_json, [](const StyleInstrument& s) { return to_json(s); });
  si.def_property_readonly("item_names",
                           [](const StyleInstrument& s) {
                             std::vector<std::string> v;
                             for (const auto& it : s.items) v.push_back(it.name);
                             return v;
                           })
      .def_readwrite("scale_min", &StyleInstrument::scale_min)
      .def_readwrite("scale_max", &StyleInstrument::scale_max)
      .def_readwrite("cutoff", &StyleInstrument::cutoff)
      .def_readwrite("sub_split", &StyleInstrument::sub_split)
      .def_readwrite("min_coverage", &StyleInstrument::min_coverage);

  m.def(
      "classify_styles",
      [](const CArray<double>& ratings, const StyleInstrument& instrument) {
        auto x = bind::as_records(ratings, "ratings");
        StyleScores s;
        {
          py::gil_scoped_release release;  // pure C++ over the borrowed array
          s = classify_styles(x, instrument);
        }
        py::dict d;
        d["assertiveness"] = bind::to_numpy(std::move(s.assertiveness));
        d["responsiveness"] = bind::to_numpy(std::move(s.responsiveness));
        d["a_centred"] = bind::to_numpy(std::move(s.a_centred));
        d["r_centred"] = bind::to_numpy(std::move(s.r_centred));
        d["intensity"] = bind::to_numpy(std::move(s.intensity));
        d["style"] = bind::to_numpy(std::move(s.style));
        d["sub_style"] = bind::to_numpy(std::move(s.sub_style));
        return d;
      },
      py::arg("ratings"), py::arg("instrument"));
  m.def("style_of", &style_of, py::arg("a_centred"), py::arg("r_centred"));
}
