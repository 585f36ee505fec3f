#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bind_util.hpp"
#include "servscore/detail/moments_int8.hpp"
#include "servscore/errors.hpp"
#include "servscore/moments.hpp"

namespace py = pybind11;
using namespace servscore;
using bind::CArray;

namespace {

// 1 for an int8 array, 2 for uint8, 0 otherwise.
int int8_kind(const py::array& a) {
  if (bind::has_dtype<std::int8_t>(a)) return 1;
  if (bind::has_dtype<std::uint8_t>(a)) return 2;
  return 0;
}

// A 2-D int8/uint8 array (no weights): columns read in place when each is contiguous (Fortran
// order, a DataFrame's block), rows (with their stride) when each row is; else a C-ordered copy.
void update_int8_array(Moments& s, py::array x, int workers) {
  const bool is_unsigned = int8_kind(x) == 2;
  if (x.shape(1) != s.dim())
    throw input_error("Moments.update: expected " + std::to_string(s.dim()) + " columns, got " +
                      std::to_string(x.shape(1)));
  const py::ssize_t n = x.shape(0), p = x.shape(1);
  if (n == 0) return;
  const auto* base = static_cast<const std::int8_t*>(x.data());
  const py::ssize_t s0 = x.strides(0), s1 = x.strides(1);
  if ((s0 == 1 || n == 1) && s1 >= n) {
    std::vector<const std::int8_t*> cols(static_cast<std::size_t>(p));
    for (py::ssize_t j = 0; j < p; ++j) cols[static_cast<std::size_t>(j)] = base + j * s1;
    py::gil_scoped_release release;  // pure C++ over a borrowed array
    s.update_int8_columns(cols, n, workers, is_unsigned);
    return;
  }
  if ((s1 == 1 || p == 1) && s0 >= p) {
    py::gil_scoped_release release;
    s.update_int8_rows(base, n, s0, workers, is_unsigned);
    return;
  }
  py::array c = py::array::ensure(x, py::array::c_style | py::array::forcecast);
  const auto* cb = static_cast<const std::int8_t*>(c.data());
  py::gil_scoped_release release;
  s.update_int8_rows(cb, n, p, workers, is_unsigned);
}

// Pointers to p 1-D int8 (or uint8) arrays of one dtype (`kind`: 1 int8, 2 uint8, 0 not yet
// known) and one length, returned; strided arrays are copied into `keep`.
py::ssize_t int8_column_pointers(const Moments& s, const std::vector<py::array>& cols, std::vector<py::array>& keep,
                                 int& kind, std::vector<const std::int8_t*>& ptr) {
  if (static_cast<int>(cols.size()) != s.dim())
    throw input_error("Moments.update: expected " + std::to_string(s.dim()) + " columns, got " +
                      std::to_string(cols.size()));
  py::ssize_t n = -1;
  ptr.clear();
  for (std::size_t j = 0; j < cols.size(); ++j) {
    py::array c = cols[j];
    const int k = int8_kind(c);
    if (c.ndim() != 1 || k == 0 || (kind != 0 && k != kind))
      throw input_error("Moments.update_int8_columns: column " + std::to_string(j) +
                        " is not a 1-D array of the int8 (or uint8) dtype of the others");
    kind = k;
    if (n >= 0 && c.shape(0) != n)
      throw input_error("Moments.update_int8_columns: column " + std::to_string(j) + " has " +
                        std::to_string(c.shape(0)) + " rows, expected " + std::to_string(n));
    n = c.shape(0);
    if (c.shape(0) > 1 && c.strides(0) != 1) {
      keep.push_back(py::array::ensure(c, py::array::c_style | py::array::forcecast));
      c = keep.back();
    }
    ptr.push_back(static_cast<const std::int8_t*>(c.data()));
  }
  return n;
}

}  // namespace

void register_moments(py::module_& m) {
  py::class_<Moments> cls(m, "Moments", "Mergeable co-moment state (see servscore.Moments).");
  cls.def(py::init([](int p, const std::string& policy, std::vector<std::string> names) {
            return Moments(p, parse_missing_policy(policy), std::move(names));
          }),
          py::arg("p"), py::arg("policy") = "listwise", py::arg("names") = std::vector<std::string>{})
      .def(
          "update",
          [](Moments& s, const py::array& x, const std::optional<CArray<double>>& weights, int workers) {
            if (!weights && x.ndim() == 2 && int8_kind(x) != 0) {
              update_int8_array(s, x, workers);
              return;
            }
            Eigen::VectorXd none;
            std::optional<Eigen::Map<const Eigen::VectorXd>> wm;
            if (weights) wm.emplace(bind::as_vector(*weights, "weights"));
            const bool fortran = x.ndim() == 2 && bind::has_dtype<double>(x) && (x.flags() & py::array::f_style) &&
                                 !(x.flags() & py::array::c_style);
            if (fortran) {
              // column-major (a DataFrame's values): read in place, no transposed copy
              auto f = py::array_t<double, py::array::f_style>::ensure(x);
              Eigen::Map<const Eigen::MatrixXd> m(f.data(), f.shape(0), f.shape(1));
              py::gil_scoped_release release;  // pure C++ over borrowed arrays
              if (wm)
                s.update_columns(m, *wm, workers);
              else
                s.update_columns(m, none, workers);
              return;
            }
            auto c = py::cast<CArray<double>>(x);
            auto xm = bind::as_records(c, "data");
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            if (wm)
              s.update(xm, *wm, workers);
            else
              s.update(xm, none, workers);
          },
          py::arg("x"), py::arg("weights") = py::none(), py::arg("workers") = 1)
      .def(
          "update_int8_columns",
          [](Moments& s, const std::vector<py::array>& cols, int workers) {
            // one 1-D int8 (or uint8) array per variable, all of one dtype and length: read in place
            std::vector<py::array> keep;
            int kind = 0;
            std::vector<const std::int8_t*> ptr;
            const py::ssize_t n = int8_column_pointers(s, cols, keep, kind, ptr);
            if (n <= 0) return;
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            s.update_int8_columns(ptr, n, workers, kind == 2);
          },
          py::arg("columns"), py::arg("workers") = 1,
          "Add n rows given as one 1-D int8 (or uint8) array per variable (exact integer path, unweighted).")
      .def(
          "update_int8_chunks",
          [](Moments& s, const std::vector<std::vector<py::array>>& chunks, int workers) {
            // chunks of rows (polars / Arrow), each a list of 1-D arrays as update_int8_columns takes
            std::vector<py::array> keep;
            int kind = 0;
            std::vector<std::vector<const std::int8_t*>> ptrs(chunks.size());
            std::vector<std::ptrdiff_t> rows(chunks.size());
            for (std::size_t c = 0; c < chunks.size(); ++c)
              rows[c] = std::max<py::ssize_t>(0, int8_column_pointers(s, chunks[c], keep, kind, ptrs[c]));
            py::gil_scoped_release release;  // pure C++ over borrowed arrays
            s.update_int8_chunks(ptrs, rows, workers, kind == 2);
          },
          py::arg("chunks"), py::arg("workers") = 1,
          "Add chunks of rows, each one 1-D int8 (or uint8) array per variable: one exact batch of all rows.")
      .def("merge", &Moments::merge, py::arg("other"))
      .def_property_readonly("dim", &Moments::dim)
      .def_property_readonly("policy", [](const Moments& s) { return std::string(to_string(s.policy())); })
      .def_property_readonly("names", &Moments::names)
      .def_property_readonly("weighted", &Moments::weighted)
      .def_property_readonly("n_rows", &Moments::n_rows)
      .def_property_readonly("n_dropped", &Moments::n_dropped)
      .def_property_readonly("n_used", &Moments::n_used)
      .def_property_readonly("n_missing", [](const Moments& s) { return VectorXi64(s.n_missing()); })
      .def_property_readonly("pair_count", [](const Moments& s) { return MatrixXi64(s.pair_count()); })
      .def_property_readonly("pair_weight", [](const Moments& s) { return Eigen::MatrixXd(s.pair_weight()); })
      .def_property_readonly("pair_weight_sq", [](const Moments& s) { return Eigen::MatrixXd(s.pair_weight_sq()); })
      .def_property_readonly("pair_mean", [](const Moments& s) { return Eigen::MatrixXd(s.pair_mean()); })
      .def_property_readonly("pair_m2", [](const Moments& s) { return Eigen::MatrixXd(s.pair_m2()); })
      .def_property_readonly("comoment", [](const Moments& s) { return Eigen::MatrixXd(s.comoment()); })
      .def("count", &Moments::count)
      .def("weight_sum", &Moments::weight_sum)
      .def("effective_n", &Moments::effective_n)
      .def("mean", &Moments::mean)
      .def("covariance", &Moments::covariance, py::arg("ddof") = 1.0)
      .def("correlation", &Moments::correlation)
      .def("subset", &Moments::subset, py::arg("idx"))
      .def("to_bytes", [](const Moments& s) { return py::bytes(s.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return Moments::from_bytes(std::string(b)); })
      .def("copy", [](const Moments& s) { return Moments(s); })
      .def(
          "__eq__", [](const Moments& a, const Moments& b) { return a == b; }, py::is_operator())
      .def(py::pickle([](const Moments& s) { return py::make_tuple(py::bytes(s.to_bytes())); },
                      [](const py::tuple& t) { return Moments::from_bytes(t[0].cast<std::string>()); }));
  cls.attr("__hash__") = py::none();
  // testing/benchmark hooks of the int8 path: which kernel runs, and forcing one
  m.def(
      "_int8_kernel", [] { return std::string(detail::to_string(detail::int8_kernel())); },
      "The kernel of the exact int8 path of Moments: 'scalar', 'avx2' or 'avx512_vnni'.");
  m.def(
      "_set_int8_kernel",
      [](const std::string& name) {
        using detail::Int8Kernel;
        for (Int8Kernel k : {Int8Kernel::automatic, Int8Kernel::scalar, Int8Kernel::avx2, Int8Kernel::avx512_vnni}) {
          if (name == detail::to_string(k)) {
            detail::set_int8_kernel(k);
            return;
          }
        }
        throw config_error("int8 kernel '" + name + "' is not valid; expected 'automatic', 'scalar', 'avx2' or " +
                           "'avx512_vnni'");
      },
      py::arg("name"), "Force a kernel of the int8 path for every later call (testing hook; 'automatic' resets).");
  m.def(
      "_int8_kernel_supported",
      [](const std::string& name) {
        using detail::Int8Kernel;
        for (Int8Kernel k : {Int8Kernel::automatic, Int8Kernel::scalar, Int8Kernel::avx2, Int8Kernel::avx512_vnni})
          if (name == detail::to_string(k)) return detail::int8_kernel_supported(k);
        return false;
      },
      py::arg("name"), "True when this CPU can run the named int8 kernel.");
}
