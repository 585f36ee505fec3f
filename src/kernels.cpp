#include "kernels.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace servscore::detail {

namespace {
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
}  // namespace

// macros, not functions: a function taking or returning v4d would warn about the AVX ABI
#define SS_LOAD4(dst, src) std::memcpy(&(dst), (src), sizeof(v4d))
#define SS_HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SS_CLONES_V3 __attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=fast")))
#else
#define SS_CLONES_V3
#endif

SS_CLONES_V3
void gram_upper(const double* t, const double* u, int p, std::ptrdiff_t ld, std::ptrdiff_t r4, double* c) {
  for (int j0 = 0; j0 < p; j0 += 2) {
    const double* tj0 = t + static_cast<std::ptrdiff_t>(j0) * ld;
    const double* tj1 = t + static_cast<std::ptrdiff_t>(std::min(j0 + 1, p - 1)) * ld;
    for (int k0 = (j0 / 4) * 4; k0 < p; k0 += 4) {
      const double* uk[4];
      for (int b = 0; b < 4; ++b) uk[b] = u + static_cast<std::ptrdiff_t>(std::min(k0 + b, p - 1)) * ld;
      v4d a00 = {0, 0, 0, 0}, a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (std::ptrdiff_t i = 0; i < r4; i += 4) {
        v4d x0, x1, y0, y1, y2, y3;
        SS_LOAD4(x0, tj0 + i);
        SS_LOAD4(x1, tj1 + i);
        SS_LOAD4(y0, uk[0] + i);
        SS_LOAD4(y1, uk[1] + i);
        SS_LOAD4(y2, uk[2] + i);
        SS_LOAD4(y3, uk[3] + i);
        a00 += x0 * y0;
        a01 += x0 * y1;
        a02 += x0 * y2;
        a03 += x0 * y3;
        a10 += x1 * y0;
        a11 += x1 * y1;
        a12 += x1 * y2;
        a13 += x1 * y3;
      }
      const double out[2][4] = {{SS_HSUM(a00), SS_HSUM(a01), SS_HSUM(a02), SS_HSUM(a03)},
                                {SS_HSUM(a10), SS_HSUM(a11), SS_HSUM(a12), SS_HSUM(a13)}};
      for (int a = 0; a < 2 && j0 + a < p; ++a)
        for (int b = 0; b < 4 && k0 + b < p; ++b) c[static_cast<std::ptrdiff_t>(k0 + b) * p + (j0 + a)] = out[a][b];
    }
  }
}

SS_CLONES_V3
ColumnStats column_stats(const double* x, std::ptrdiff_t stride, std::ptrdiff_t m) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  v4d s = {0, 0, 0, 0}, lo = {inf, inf, inf, inf}, hi = -lo;
  v4l k = {0, 0, 0, 0};
  std::ptrdiff_t r = 0;
  const v4d zero = {0, 0, 0, 0};
  for (; r + 4 <= m; r += 4) {  // the same lanes for any stride: results do not depend on the layout
    v4d v;
    if (stride == 1)
      SS_LOAD4(v, x + r);
    else
      v = v4d{x[r * stride], x[(r + 1) * stride], x[(r + 2) * stride], x[(r + 3) * stride]};
    const v4l ok = v == v;
    s += ok ? v : zero;
    k -= ok;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  double ss = (s[0] + s[1]) + (s[2] + s[3]), l = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
  double h = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
  std::int64_t kk = k[0] + k[1] + k[2] + k[3];
  for (; r < m; ++r) {
    const double v = x[r * stride];
    if (v != v) continue;
    ss += v;
    ++kk;
    l = v < l ? v : l;
    h = v > h ? v : h;
  }
  return {ss, l, h, kk};
}

SS_CLONES_V3
void centre_column(const double* x, std::ptrdiff_t stride, std::ptrdiff_t m, double mu, double* out) {
  if (stride == 1) {
    for (std::ptrdiff_t r = 0; r < m; ++r) {
      const double v = x[r];
      out[r] = v == v ? v - mu : 0.0;
    }
    return;
  }
  for (std::ptrdiff_t r = 0; r < m; ++r) {
    const double v = x[r * stride];
    out[r] = v == v ? v - mu : 0.0;
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
void transpose_rows(const double* x, std::ptrdiff_t stride, int p, std::ptrdiff_t r, double* t, std::ptrdiff_t ld) {
  const int p4 = p / 4 * 4;
  const std::ptrdiff_t r4 = r / 4 * 4;
  for (std::ptrdiff_t i0 = 0; i0 < r4; i0 += 4)
    for (int j0 = 0; j0 < p4; j0 += 4) {
      const double* src = x + i0 * stride + j0;
      v4d a, b, c, d;
      SS_LOAD4(a, src);
      SS_LOAD4(b, src + stride);
      SS_LOAD4(c, src + 2 * stride);
      SS_LOAD4(d, src + 3 * stride);
      SS_TRANSPOSE4(a, b, c, d, c0, c1, c2, c3);
      std::memcpy(t + (j0 + 0) * ld + i0, &c0, sizeof(v4d));
      std::memcpy(t + (j0 + 1) * ld + i0, &c1, sizeof(v4d));
      std::memcpy(t + (j0 + 2) * ld + i0, &c2, sizeof(v4d));
      std::memcpy(t + (j0 + 3) * ld + i0, &c3, sizeof(v4d));
    }
  for (std::ptrdiff_t i = 0; i < r; ++i)
    for (int j = (i < r4 ? p4 : 0); j < p; ++j) t[j * ld + i] = x[i * stride + j];
}

}  // namespace servscore::detail
