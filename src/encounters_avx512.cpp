// The AVX-512 block kernel of encounter scoring: eight rows per register, mask registers for
// the missing ratings. Compiled with a target attribute and called only when the CPU has
// AVX-512 F/DQ/VL/BW (chosen at run time in encounters.cpp).
#include <cmath>
#include <cstdint>
#include <limits>

#include "encounter_tile.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SS_ENC_AVX512 1
#else
#define SS_ENC_AVX512 0
#endif

namespace servscore::detail {

#if SS_ENC_AVX512

#pragma GCC diagnostic push  // GCC 12's AVX-512 headers trip it inside their own undefined vectors
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace {

constexpr int kGroups = 2;  // 8-row groups scored together: independent dependency chains

#define SS_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"), always_inline)) inline
// Masked stores of the rows in `live` (faster here than plain stores behind a full-group test).
SS_AVX512 void store(double* p, __mmask8 live, __m512d v) {
  _mm512_mask_storeu_pd(p, live, v);
}
SS_AVX512 void store(std::int32_t* p, __mmask8 live, __m512i v64) {
  _mm256_mask_storeu_epi32(p, live, _mm512_cvtepi64_epi32(v64));
}
SS_AVX512 void store(std::int8_t* p, __mmask8 live, __m128i v) {
  _mm_mask_storeu_epi8(p, live, v);
}

template <bool Unit>
SS_AVX512 void side_sums(const EncounterTileParams& kp, int sd, const double* const* block, int g, __m512d* sum,
                         __m512d* wsum, __m512i* count, __m512d* low, __m512i* weak, __m512d* high) {
  const int* c = kp.cols[sd];
  const double* w = kp.w[sd];
  const __m512i minus_one = _mm512_set1_epi64(-1);
  __m512i n[kGroups];
  for (int u = 0; u < kGroups; ++u) {
    sum[u] = wsum[u] = _mm512_setzero_pd();
    low[u] = _mm512_set1_pd(HUGE_VAL);
    weak[u] = minus_one;
    n[u] = _mm512_setzero_si512();
  }
  for (int t = 0; t < kp.m[sd]; ++t) {
    const double* col = block[c[t]] + g;
    const __m512d wj = _mm512_set1_pd(w[t]);
    const __m512i cj = _mm512_set1_epi64(c[t]);
#pragma GCC unroll 2
    for (int u = 0; u < kGroups; ++u) {
      const __m512d v = _mm512_loadu_pd(col + 8 * u);
      const __mmask8 present = _mm512_cmp_pd_mask(v, v, _CMP_ORD_Q);
      if (Unit) {
        sum[u] = _mm512_mask_add_pd(sum[u], present, sum[u], v);
      } else {
        sum[u] = _mm512_mask_add_pd(sum[u], present, sum[u], _mm512_mul_pd(v, wj));
        wsum[u] = _mm512_mask_add_pd(wsum[u], present, wsum[u], wj);
      }
      n[u] = _mm512_mask_sub_epi64(n[u], present, n[u], minus_one);
      // columns come largest weight first: the first strictly lowest rating is the weakest
      const __mmask8 better = _mm512_cmp_pd_mask(v, low[u], _CMP_LT_OQ);
      low[u] = _mm512_min_pd(v, low[u]);  // a NaN rating keeps `low`
      weak[u] = _mm512_mask_mov_epi64(weak[u], better, cj);
      high[u] = _mm512_max_pd(v, high[u]);  // and `high`
    }
  }
  for (int u = 0; u < kGroups; ++u) {
    if (Unit) wsum[u] = _mm512_cvtepi64_pd(n[u]);
    count[u] = _mm512_add_epi64(count[u], n[u]);
  }
}

#undef SS_AVX512

}  // namespace

// The same arithmetic, in the same order, as score_tile_portable: no fused multiply-adds,
// so both kernels give bit-identical scores.
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) bool score_tile_avx512(const EncounterTileParams& kp,
                                                                                     const double* const* block,
                                                                                     int rows,
                                                                                     const EncounterTileOut& o) {
  static_assert(kEncounterTile % (8 * kGroups) == 0, "whole group blocks per tile");
  const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
  const __m512d nan = _mm512_set1_pd(std::numeric_limits<double>::quiet_NaN());
  const __m512d lo = _mm512_set1_pd(kp.lo), hi = _mm512_set1_pd(kp.hi), to100 = _mm512_set1_pd(kp.to100);
  const __m512d tp = _mm512_set1_pd(kp.tp), tq = _mm512_set1_pd(kp.tq), hundred = _mm512_set1_pd(100.0);
  const __m512i m_total = _mm512_set1_epi64(kp.m[0] + kp.m[1]);
  __mmask8 any_bad = 0;
  for (int g0 = 0; g0 < rows; g0 += 8 * kGroups) {
    __m512d score[2][kGroups], sum[kGroups], wsum[kGroups], low[2][kGroups], high[kGroups];
    __m512i weak[2][kGroups], count[kGroups];
    for (int u = 0; u < kGroups; ++u) {
      high[u] = _mm512_set1_pd(-HUGE_VAL);
      count[u] = _mm512_setzero_si512();
    }
    for (int sd = 0; sd < 2; ++sd) {
      if (kp.unit[sd])
        side_sums<true>(kp, sd, block, g0, sum, wsum, count, low[sd], weak[sd], high);
      else
        side_sums<false>(kp, sd, block, g0, sum, wsum, count, low[sd], weak[sd], high);
      const __m512d need = _mm512_set1_pd(kp.need[sd]);
      for (int u = 0; u < kGroups; ++u) {
        const __mmask8 ok =
            _mm512_cmp_pd_mask(wsum[u], zero, _CMP_GT_OQ) & _mm512_cmp_pd_mask(wsum[u], need, _CMP_GE_OQ);
        const __m512d mean = _mm512_div_pd(sum[u], _mm512_mask_mov_pd(one, ok, wsum[u]));
        score[sd][u] = _mm512_mask_mov_pd(nan, ok, _mm512_mul_pd(_mm512_sub_pd(mean, lo), to100));
      }
    }
    for (int u = 0; u < kGroups; ++u) {
      const int g = g0 + 8 * u, left = rows - g;
      const __mmask8 live = left >= 8  ? static_cast<__mmask8>(0xFF)
                            : left > 0 ? static_cast<__mmask8>((1u << left) - 1u)
                                       : static_cast<__mmask8>(0);
      any_bad |= static_cast<__mmask8>((_mm512_cmp_pd_mask(_mm512_min_pd(low[0][u], low[1][u]), lo, _CMP_LT_OQ) |
                                        _mm512_cmp_pd_mask(high[u], hi, _CMP_GT_OQ)) &
                                       live);
      const __m512d p = score[0][u], q = score[1][u];
      const __mmask8 ph = _mm512_cmp_pd_mask(p, tp, _CMP_GE_OQ), qh = _mm512_cmp_pd_mask(q, tq, _CMP_GE_OQ);
      const __mmask8 known = _mm512_cmp_pd_mask(p, q, _CMP_ORD_Q);
      const __m512d dp = _mm512_sub_pd(hundred, p), dq = _mm512_sub_pd(hundred, q);
      // below its threshold a side is (threshold - score) short; NaN scores give a NaN gap
      const __m512d gp = _mm512_maskz_sub_pd(static_cast<__mmask8>(~ph), tp, p);
      const __m512d gq = _mm512_maskz_sub_pd(static_cast<__mmask8>(~qh), tq, q);
      const __m512d dist = _mm512_sqrt_pd(_mm512_add_pd(_mm512_mul_pd(dp, dp), _mm512_mul_pd(dq, dq)));
      const __m512d gap = _mm512_sqrt_pd(_mm512_add_pd(_mm512_mul_pd(gp, gp), _mm512_mul_pd(gq, gq)));
      store(o.proc + g, live, p);
      store(o.pers + g, live, q);
      store(o.dist + g, live, dist);
      store(o.gap + g, live, _mm512_mask_mov_pd(nan, known, gap));
      // quadrant code: 1 when procedural is high, + 2 when personal is high, 4 when unknown
      __m128i quad = _mm_maskz_mov_epi8(ph, _mm_set1_epi8(1));
      quad = _mm_mask_add_epi8(quad, qh, quad, _mm_set1_epi8(2));
      quad = _mm_mask_mov_epi8(quad, static_cast<__mmask16>(static_cast<__mmask8>(~known)), _mm_set1_epi8(4));
      store(o.quad + g, live, quad);
      store(o.weak0 + g, live, weak[0][u]);
      store(o.weak1 + g, live, weak[1][u]);
      store(o.miss + g, live, _mm512_sub_epi64(m_total, count[u]));
    }
  }
  return any_bad != 0;
}
#pragma GCC diagnostic pop

#else

bool score_tile_avx512(const EncounterTileParams&, const double* const*, int, const EncounterTileOut&) {
  return false;
}

#endif

}  // namespace servscore::detail
