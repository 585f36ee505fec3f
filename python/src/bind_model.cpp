// Domain model tables: the Python enums in servscore.model are checked against these.
#include "bind_util.hpp"
#include "servscore/model.hpp"

namespace py = pybind11;

void register_model(py::module_& m) {
  m.def("enum_kinds", &servscore::enum_kinds, "Names of every enum kind of the domain model.");
  m.def(
      "enum_table",
      [](const std::string& kind) {
        py::list out;
        for (const auto& e : servscore::enum_table(kind)) out.append(py::make_tuple(e.name, e.en, e.zh, e.aliases));
        return out;
      },
      py::arg("kind"), "Rows (name, English label, Chinese label, '|'-separated aliases) of one enum kind.");
  m.def(
      "parse_enum",
      [](const std::string& kind, const std::string& name) {
        auto t = servscore::enum_table(kind);
        return t[servscore::detail::parse_enum_index(t.data(), t.size(), kind, name)].name;
      },
      py::arg("kind"), py::arg("name"),
      "Stable name for a name or alias; ConfigError listing the valid names otherwise.");
}
