#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "servscore/detail/moments_int8.hpp"
#include "servscore/errors.hpp"
#include "servscore/moments.hpp"

using namespace servscore;
using Catch::Matchers::Contains;
using detail::Int8Kernel;

namespace {

// n x p values in [lo, hi], row-major, with a common factor so the items correlate.
std::vector<int> random_items(std::ptrdiff_t n, int p, int lo, int hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> common(0, hi - lo), noise(-2, 2), any(lo, hi);
  std::vector<int> v(static_cast<std::size_t>(n * p));
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const int c = common(rng) + lo;
    for (int j = 0; j < p; ++j) {
      int x = (j % 3 == 2) ? any(rng) : c + noise(rng);
      v[static_cast<std::size_t>(i * p + j)] = std::clamp(x, lo, hi);
    }
  }
  return v;
}

RowMatrixXd as_double(const std::vector<int>& v, std::ptrdiff_t n, int p) {
  RowMatrixXd x(n, p);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (int j = 0; j < p; ++j) x(i, j) = v[static_cast<std::size_t>(i * p + j)];
  return x;
}

// Column-major bytes (column j at j * n) and row-major bytes (row i at i * stride).
std::vector<std::int8_t> col_bytes(const std::vector<int>& v, std::ptrdiff_t n, int p) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(n * p));
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (int j = 0; j < p; ++j)
      out[static_cast<std::size_t>(j * n + i)] = static_cast<std::int8_t>(v[static_cast<std::size_t>(i * p + j)]);
  return out;
}

std::vector<std::int8_t> row_bytes(const std::vector<int>& v, std::ptrdiff_t n, int p, std::ptrdiff_t stride) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(n * stride), std::int8_t{99});
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (int j = 0; j < p; ++j)
      out[static_cast<std::size_t>(i * stride + j)] = static_cast<std::int8_t>(v[static_cast<std::size_t>(i * p + j)]);
  return out;
}

std::vector<const std::int8_t*> col_ptrs(const std::vector<std::int8_t>& c, std::ptrdiff_t n, int p) {
  std::vector<const std::int8_t*> out;
  for (int j = 0; j < p; ++j) out.push_back(c.data() + j * n);
  return out;
}

double rel_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  const double scale = std::max(1.0, b.cwiseAbs().maxCoeff());
  return (a - b).cwiseAbs().maxCoeff() / scale;
}

// Counts, weights and row tallies exactly; means and co-moments to ~1e-12.
void check_same_state(const Moments& a, const Moments& b) {
  CHECK(a.n_rows() == b.n_rows());
  CHECK(a.n_dropped() == b.n_dropped());
  CHECK(a.n_missing() == b.n_missing());
  CHECK(a.pair_count() == b.pair_count());
  CHECK(a.pair_weight() == b.pair_weight());
  CHECK(a.pair_weight_sq() == b.pair_weight_sq());
  CHECK(a.weighted() == b.weighted());
  CHECK(rel_diff(a.pair_mean(), b.pair_mean()) < 1e-13);
  CHECK(rel_diff(a.pair_m2(), b.pair_m2()) < 1e-12);
  CHECK(rel_diff(a.comoment(), b.comoment()) < 1e-12);
}

std::vector<Int8Kernel> supported_kernels() {
  std::vector<Int8Kernel> out;
  for (Int8Kernel k : {Int8Kernel::scalar, Int8Kernel::avx2, Int8Kernel::avx512_vnni})
    if (detail::int8_kernel_supported(k)) out.push_back(k);
  return out;
}

struct KernelGuard {
  explicit KernelGuard(Int8Kernel k) { detail::set_int8_kernel(k); }
  ~KernelGuard() { detail::set_int8_kernel(Int8Kernel::automatic); }
};

}  // namespace

TEST_CASE("int8: hand-computed moments of a tiny table", "[moments][int8]") {
  // a = 1, 2, 3, 4 (mean 2.5, sum of squares about the mean 5); b = 2, 4, 5, 9 (mean 5, 26);
  // sum (a - 2.5)(b - 5) = (-1.5)(-3) + (-0.5)(-1) + 0.5 * 0 + 1.5 * 4 = 11
  const std::vector<std::int8_t> a = {1, 2, 3, 4}, b = {2, 4, 5, 9};
  for (Int8Kernel k : supported_kernels()) {
    KernelGuard guard(k);
    Moments m(2);
    m.update_int8_columns({a.data(), b.data()}, 4);
    CHECK(m.n_used() == 4);
    CHECK(m.mean()(0) == 2.5);
    CHECK(m.mean()(1) == 5.0);
    CHECK(m.comoment()(0, 0) == 5.0);
    CHECK(m.comoment()(1, 1) == 26.0);
    CHECK(m.comoment()(0, 1) == 11.0);
    CHECK(m.comoment()(1, 0) == 11.0);
    const std::vector<std::int8_t> rows = {1, 2, 2, 4, 3, 5, 4, 9};
    Moments r(2);
    r.update_int8_rows(rows.data(), 4, 2);
    CHECK(r == m);
  }
}

TEST_CASE("int8: every kernel equals the float path, columns and rows, any shape", "[moments][int8]") {
  const std::vector<std::ptrdiff_t> sizes = {1, 2, 15, 16, 17, 63, 64, 65, 2047, 2048, 2049, 4200};
  for (Int8Kernel k : supported_kernels()) {
    KernelGuard guard(k);
    INFO("kernel " << detail::to_string(k));
    CHECK(detail::int8_kernel() == k);
    for (int p = 1; p <= 33; ++p) {
      for (std::ptrdiff_t n : sizes) {
        if (p > 9 && n > 100 && n != 2049) continue;  // keep the test short: large n at a few p
        INFO("p " << p << " n " << n);
        // the full int8 range, Likert 1..7 (blocks without negative values: no operand shift),
        // or Likert shifted to -3..1
        const int range = static_cast<int>((n + p) % 3);
        const unsigned seed = static_cast<unsigned>(n * 37 + p);
        auto v = range == 0   ? random_items(n, p, -128, 127, seed)
                 : range == 1 ? random_items(n, p, 1, 7, seed)
                              : random_items(n, p, -3, 1, seed);
        RowMatrixXd x = as_double(v, n, p);
        for (MissingPolicy pol : {MissingPolicy::listwise, MissingPolicy::pairwise}) {
          Moments ref(p, pol);
          ref.update(x);
          auto cb = col_bytes(v, n, p);
          Moments mc(p, pol);
          mc.update_int8_columns(col_ptrs(cb, n, p), n);
          check_same_state(mc, ref);
          auto rb = row_bytes(v, n, p, p);
          Moments mr(p, pol);
          mr.update_int8_rows(rb.data(), n, p);
          CHECK(mr == mc);  // exact integer sums: identical states
        }
      }
    }
  }
}

TEST_CASE("int8: kernels, workers and layouts give identical states", "[moments][int8]") {
  const std::ptrdiff_t n = 100003;
  const int p = 20;
  auto v = random_items(n, p, -128, 127, 7);
  auto cb = col_bytes(v, n, p);
  auto rb = row_bytes(v, n, p, p + 5);  // strided rows
  Moments first(p);
  first.update_int8_columns(col_ptrs(cb, n, p), n, 1);
  for (Int8Kernel k : supported_kernels()) {
    KernelGuard guard(k);
    for (int w : {1, 2, 3}) {
      Moments a(p), b(p);
      a.update_int8_columns(col_ptrs(cb, n, p), n, w);
      b.update_int8_rows(rb.data(), n, p + 5, w);
      CHECK(a == first);
      CHECK(b == first);
    }
  }
  Moments ref(p);
  ref.update(as_double(v, n, p));
  check_same_state(first, ref);
}

TEST_CASE("int8: uint8 values, merging with float batches", "[moments][int8]") {
  const std::ptrdiff_t n = 3001;
  const int p = 6;
  auto v = random_items(n, p, 0, 255, 11);
  RowMatrixXd x = as_double(v, n, p);
  std::vector<std::int8_t> bytes(static_cast<std::size_t>(n * p));
  for (std::size_t e = 0; e < bytes.size(); ++e) bytes[e] = static_cast<std::int8_t>(static_cast<std::uint8_t>(v[e]));
  Moments ref(p);
  ref.update(x);
  for (Int8Kernel k : supported_kernels()) {
    KernelGuard guard(k);
    Moments u(p);
    u.update_int8_rows(bytes.data(), n, p, 1, true);
    check_same_state(u, ref);
    CHECK(std::abs(u.mean()(0) - x.col(0).mean()) < 1e-12);
  }
  // a float batch, then an int8 batch, then a float batch == all as floats
  auto w = random_items(2 * n, p, -5, 5, 12);
  RowMatrixXd y = as_double(w, 2 * n, p);
  auto cb = col_bytes(std::vector<int>(w.begin() + n * p, w.end()), n, p);
  Moments mixed(p), all(p);
  mixed.update(y.topRows(n / 2));
  mixed.update_int8_columns(col_ptrs(cb, n, p), n);
  mixed.update(y.middleRows(n / 2, n - n / 2));
  all.update(y.topRows(n / 2));
  all.update(y.bottomRows(n));
  all.update(y.middleRows(n / 2, n - n / 2));
  check_same_state(mixed, all);
}

TEST_CASE("int8: bad input", "[moments][int8]") {
  const std::vector<std::int8_t> a = {1, 2, 3};
  Moments m(2);
  CHECK_THROWS_WITH(m.update_int8_columns({a.data()}, 3), Contains("expected 2 columns, got 1"));
  CHECK_THROWS_WITH(m.update_int8_rows(a.data(), 1, 1), Contains("row stride 1 is less than the 2 columns"));
  CHECK_THROWS_WITH(m.update_int8_columns({a.data(), nullptr}, 3), Contains("column 1 has no data"));
  m.update_int8_columns({a.data(), a.data()}, 0);  // an empty batch changes nothing
  CHECK(m == Moments(2));
  CHECK_THROWS_AS(Moments().update_int8_rows(a.data(), 1, 1), input_error);
}

TEST_CASE("int8: blocks with and without negative values in one batch", "[moments][int8]") {
  const std::ptrdiff_t n = 5000;  // blocks of 2048 rows: the first two without negatives, the last with one
  const int p = 5;
  auto v = random_items(n, p, 1, 5, 21);
  v[static_cast<std::size_t>(4500 * p + 3)] = -7;
  Moments ref(p);
  ref.update(as_double(v, n, p));
  auto cb = col_bytes(v, n, p);
  auto rb = row_bytes(v, n, p, p);
  for (Int8Kernel k : supported_kernels()) {
    KernelGuard guard(k);
    Moments c(p), r(p);
    c.update_int8_columns(col_ptrs(cb, n, p), n, 2);
    r.update_int8_rows(rb.data(), n, p);
    check_same_state(c, ref);
    CHECK(r == c);
  }
}

TEST_CASE("int8: chunks of rows are one exact batch", "[moments][int8]") {
  const std::ptrdiff_t n = 7000;
  const int p = 6;
  auto v = random_items(n, p, -128, 127, 31);
  auto cb = col_bytes(v, n, p);
  Moments whole(p);
  whole.update_int8_columns(col_ptrs(cb, n, p), n);
  // the same rows cut at 0, 1, 2100 and 5000 (an empty chunk too), as polars / Arrow chunks
  const std::vector<std::ptrdiff_t> cuts = {0, 0, 1, 2100, 5000, n};
  std::vector<std::vector<const std::int8_t*>> chunks;
  std::vector<std::ptrdiff_t> rows;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    std::vector<const std::int8_t*> ptr;
    for (int j = 0; j < p; ++j) ptr.push_back(cb.data() + j * n + cuts[c]);
    chunks.push_back(ptr);
    rows.push_back(cuts[c + 1] - cuts[c]);
  }
  Moments chunked(p);
  chunked.update_int8_chunks(chunks, rows, 2);
  CHECK(chunked == whole);  // integer totals first: not a merge of per-chunk states
  CHECK_THROWS_WITH(Moments(p).update_int8_chunks(chunks, {1, 2}), Contains("5 chunks but 2 row counts"));
  rows[2] = -1;
  CHECK_THROWS_WITH(Moments(p).update_int8_chunks(chunks, rows), Contains("negative row count -1"));
}
