// Exact integer path of Moments for 8-bit records (see moments.hpp, update_int8_columns).
//
// Per block of rows: column sums S_j = sum s_j and the upper triangle of the Gram matrix
// G_jk = sum s_j s_k of the signed values s (int8 as is; uint8 minus 128), in 32-bit lanes,
// added to 64-bit totals per block. Integer sums do not depend on their order, so any worker
// count gives the same totals. The state is then mean_j = S_j / n + offset and
// C_jk = (n G_jk - S_j S_k) / n with the numerator exact in 128 bits.
//
// AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes; with u = s + 128 (s xor 0x80) as
// the unsigned operand, D_jk = sum u_j s_k = G_jk + 128 S_k exactly (no range restriction, no
// saturation: |D| per 32-bit lane <= 4 * 255 * 128 per instruction, so a block of 2048 rows, 32
// instructions, stays below 2^23 per lane and 2^27 summed over the 16 lanes), so
// G_jk = D_jk - 128 S_k. A block without negative values (Likert answers) uses s itself as the
// unsigned operand. AVX2: vpmaddubsw + vpmaddwd on blocks of values 0..127, else values widened to
// int16 and vpmaddwd (full range); the scalar loop is portable.

#include "servscore/detail/moments_int8.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"
#include "servscore/moments.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SS_INT8_X86 1
#include <immintrin.h>
#else
#define SS_INT8_X86 0
#endif

namespace servscore {

namespace detail {

const char* to_string(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::scalar:
      return "scalar";
    case Int8Kernel::avx2:
      return "avx2";
    case Int8Kernel::avx512_vnni:
      return "avx512_vnni";
    default:
      return "automatic";
  }
}

bool int8_kernel_supported(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::automatic:
    case Int8Kernel::scalar:
      return true;
#if SS_INT8_X86
    case Int8Kernel::avx2:
      return __builtin_cpu_supports("avx2");
    case Int8Kernel::avx512_vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
#endif
    default:
      return false;
  }
}

namespace {
std::atomic<int> g_forced{0};

Int8Kernel best_kernel() {
  static const Int8Kernel best = [] {
    if (int8_kernel_supported(Int8Kernel::avx512_vnni)) return Int8Kernel::avx512_vnni;
    if (int8_kernel_supported(Int8Kernel::avx2)) return Int8Kernel::avx2;
    return Int8Kernel::scalar;
  }();
  return best;
}
}  // namespace

void set_int8_kernel(Int8Kernel kernel) {
  if (!int8_kernel_supported(kernel))
    throw input_error(std::string("int8 kernel '") + to_string(kernel) + "' is not supported by this CPU or build");
  g_forced.store(static_cast<int>(kernel));
}

Int8Kernel int8_kernel() {
  auto forced = static_cast<Int8Kernel>(g_forced.load());
  return forced == Int8Kernel::automatic ? best_kernel() : forced;
}

}  // namespace detail

namespace {

using detail::Int8Kernel;

constexpr std::ptrdiff_t kInt8BlockRows = 2048;  // rows per block: p columns of it stay in L1/L2

// Adds the block's column sums to s and its Gram matrix (entries j <= k of p x p, column-major) to g.
// cols: p pointers to r bytes; flip: xor that turns a byte into the signed value s.
using GramFn = void (*)(const std::uint8_t* const* cols, int p, std::ptrdiff_t r, std::uint8_t flip, std::int64_t* g,
                        std::int64_t* s);

void gram_scalar(const std::uint8_t* const* cols, int p, std::ptrdiff_t r, std::uint8_t flip, std::int64_t* g,
                 std::int64_t* s) {
  thread_local std::vector<std::int16_t> v;
  v.resize(static_cast<std::size_t>(r) * static_cast<std::size_t>(p));
  for (int j = 0; j < p; ++j) {
    std::int64_t sum = 0;
    std::int16_t* vj = v.data() + static_cast<std::ptrdiff_t>(j) * r;
    for (std::ptrdiff_t i = 0; i < r; ++i) {
      vj[i] = static_cast<std::int8_t>(cols[j][i] ^ flip);
      sum += vj[i];
    }
    s[j] += sum;
  }
  for (int k = 0; k < p; ++k) {
    const std::int16_t* vk = v.data() + static_cast<std::ptrdiff_t>(k) * r;
    for (int j = 0; j <= k; ++j) {
      const std::int16_t* vj = v.data() + static_cast<std::ptrdiff_t>(j) * r;
      std::int32_t acc = 0;  // |acc| <= 16384 r
      for (std::ptrdiff_t i = 0; i < r; ++i) acc += static_cast<std::int32_t>(vj[i]) * vk[i];
      g[static_cast<std::ptrdiff_t>(k) * p + j] += acc;
    }
  }
}

// Rows [0, r) at src + i * stride (p values each) into columns buf + j * ld.
void transpose_scalar(const std::uint8_t* src, std::ptrdiff_t stride, int p, std::ptrdiff_t r, std::uint8_t* buf,
                      std::ptrdiff_t ld, std::ptrdiff_t /*avail*/) {
  for (std::ptrdiff_t i = 0; i < r; ++i) {
    const std::uint8_t* row = src + i * stride;
    for (int j = 0; j < p; ++j) buf[static_cast<std::ptrdiff_t>(j) * ld + i] = row[j];
  }
}

#if SS_INT8_X86

__attribute__((target("avx2"))) inline std::int64_t hsum256(__m256i v) {
  __m128i a = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4E));
  a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xB1));
  return static_cast<std::int64_t>(_mm_cvtsi128_si32(a));
}

__attribute__((target("avx2"))) void gram_avx2(const std::uint8_t* const* cols, int p, std::ptrdiff_t r,
                                               std::uint8_t flip, std::int64_t* g, std::int64_t* s) {
  const __m128i fl = _mm_set1_epi8(static_cast<char>(flip));
  const __m256i fl32 = _mm256_set1_epi8(static_cast<char>(flip));
  const __m256i ones = _mm256_set1_epi16(1);
  const std::ptrdiff_t r16 = r / 16 * 16, r32 = r / 32 * 32;
// macros, not lambdas: a lambda does not inherit the function's target attribute
#define SS_LD16(ptr) _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ptr)), fl)
#define SS_WIDEN(ptr) _mm256_cvtepi8_epi16(SS_LD16(ptr))
#define SS_LD32(ptr) _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ptr)), fl32)
#define SS_VAL(j, i) static_cast<std::int32_t>(static_cast<std::int8_t>(cols[j][i] ^ flip))
  __m128i any = _mm_setzero_si128();  // OR of every value: its sign bits say whether one is negative
  bool neg_tail = false;
  for (int j = 0; j < p; ++j) {
    __m256i acc = _mm256_setzero_si256();
    for (std::ptrdiff_t i = 0; i < r16; i += 16) {
      const __m128i v = SS_LD16(cols[j] + i);
      any = _mm_or_si128(any, v);
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(v), ones));
    }
    std::int64_t sum = hsum256(acc);
    for (std::ptrdiff_t i = r16; i < r; ++i) {
      sum += SS_VAL(j, i);
      neg_tail |= SS_VAL(j, i) < 0;
    }
    s[j] += sum;
  }
  // Values in 0..127 (Likert answers): vpmaddubsw on 32 bytes (pair sums <= 2 * 127 * 127, no
  // saturation) then vpmaddwd; otherwise values widened to int16 and vpmaddwd (full range).
  const bool nonneg = _mm_movemask_epi8(any) == 0 && !neg_tail;
  for (int j0 = 0; j0 < p; j0 += 2) {
    const std::uint8_t* cj[2] = {cols[j0], cols[std::min(j0 + 1, p - 1)]};
    for (int k0 = (j0 / 4) * 4; k0 < p; k0 += 4) {
      const std::uint8_t* ck[4];
      for (int b = 0; b < 4; ++b) ck[b] = cols[std::min(k0 + b, p - 1)];
      __m256i a00 = _mm256_setzero_si256(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      std::ptrdiff_t done = 0;
      if (nonneg) {
#define SS_MB(acc, x, y) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, y), ones))
        for (std::ptrdiff_t i = 0; i < r32; i += 32) {
          const __m256i x0 = SS_LD32(cj[0] + i), x1 = SS_LD32(cj[1] + i);
          const __m256i y0 = SS_LD32(ck[0] + i), y1 = SS_LD32(ck[1] + i), y2 = SS_LD32(ck[2] + i),
                        y3 = SS_LD32(ck[3] + i);
          SS_MB(a00, x0, y0);
          SS_MB(a01, x0, y1);
          SS_MB(a02, x0, y2);
          SS_MB(a03, x0, y3);
          SS_MB(a10, x1, y0);
          SS_MB(a11, x1, y1);
          SS_MB(a12, x1, y2);
          SS_MB(a13, x1, y3);
        }
#undef SS_MB
        done = r32;
      } else {
        for (std::ptrdiff_t i = 0; i < r16; i += 16) {
          __m256i x0 = SS_WIDEN(cj[0] + i), x1 = SS_WIDEN(cj[1] + i);
          __m256i y0 = SS_WIDEN(ck[0] + i), y1 = SS_WIDEN(ck[1] + i), y2 = SS_WIDEN(ck[2] + i),
                  y3 = SS_WIDEN(ck[3] + i);
          a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(x0, y0));
          a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(x0, y1));
          a02 = _mm256_add_epi32(a02, _mm256_madd_epi16(x0, y2));
          a03 = _mm256_add_epi32(a03, _mm256_madd_epi16(x0, y3));
          a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(x1, y0));
          a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(x1, y1));
          a12 = _mm256_add_epi32(a12, _mm256_madd_epi16(x1, y2));
          a13 = _mm256_add_epi32(a13, _mm256_madd_epi16(x1, y3));
        }
        done = r16;
      }
      const __m256i acc[2][4] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}};
      for (int a = 0; a < 2; ++a) {
        const int j = j0 + a;
        if (j >= p) break;
        for (int b = 0; b < 4; ++b) {
          const int k = k0 + b;
          if (k >= p) break;
          if (j > k) continue;
          std::int64_t d = hsum256(acc[a][b]);
          for (std::ptrdiff_t i = done; i < r; ++i) d += SS_VAL(j, i) * SS_VAL(k, i);
          g[static_cast<std::ptrdiff_t>(k) * p + j] += d;
        }
      }
    }
  }
}

// GCC 12's _mm512_reduce_add_epi32 trips -Wmaybe-uninitialized inside its own header
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <bool kUnsigned>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void gram_vnni_t(const std::uint8_t* const* cols, int p,
                                                                        std::ptrdiff_t r, std::int64_t* g,
                                                                        std::int64_t* s) {
  const std::uint8_t flip = kUnsigned ? 0x80 : 0x00;
  const __m512i fs = _mm512_set1_epi8(static_cast<char>(flip));                                     // byte -> s
  const __m512i fu = _mm512_set1_epi8(static_cast<char>(static_cast<std::uint8_t>(flip ^ 0x80u)));  // byte -> s + 128
  const __m512i ones = _mm512_set1_epi8(1);
  const std::ptrdiff_t r64 = r / 64 * 64;
  const __mmask64 tail = r64 < r ? (~0ULL >> (64 - (r - r64))) : 0;
  // signed operand (zero in the padding of the last, partial vector)
// acc += u (unsigned bytes) . v (signed bytes) in place: the intrinsic makes GCC 12 copy the
// accumulator to a fresh register (and spill) on every step
#define SS_DP(acc, u, v) __asm__("vpdpbusd %[vv], %[uu], %[aa]" : [aa] "+v"(acc) : [uu] "v"(u), [vv] "v"(v))
#define SS_SV(ptr) (kUnsigned ? _mm512_xor_si512(_mm512_loadu_si512(ptr), fs) : _mm512_loadu_si512(ptr))
#define SS_SV_TAIL(ptr) _mm512_maskz_mov_epi8(tail, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, ptr), fs))
#define SS_UV(ptr) _mm512_xor_si512(_mm512_loadu_si512(ptr), fu)
#define SS_UV_TAIL(ptr) _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, ptr), fu)
  constexpr int kMaxP = 256;
  std::int64_t bs_local[kMaxP];
  std::vector<std::int64_t> bs_heap;
  std::int64_t* bs = bs_local;
  if (p > kMaxP) {
    bs_heap.resize(static_cast<std::size_t>(p));
    bs = bs_heap.data();
  }
  __m512i any = _mm512_setzero_si512();  // OR of every value: its sign bits say whether one is negative
  for (int j = 0; j < p; ++j) {
    __m512i acc = _mm512_setzero_si512();
    for (std::ptrdiff_t i = 0; i < r64; i += 64) {
      // the next block of this column (x86 prefetches never fault, past the end of the data too)
      _mm_prefetch(reinterpret_cast<const char*>(cols[j] + r + i), _MM_HINT_T0);
      const __m512i v = SS_SV(cols[j] + i);
      any = _mm512_or_si512(any, v);
      acc = _mm512_dpbusd_epi32(acc, ones, v);
    }
    if (tail) {
      const __m512i v = SS_SV_TAIL(cols[j] + r64);
      any = _mm512_or_si512(any, v);
      acc = _mm512_dpbusd_epi32(acc, ones, v);
    }
    bs[j] = _mm512_reduce_add_epi32(acc);
    s[j] += bs[j];
  }
  // A block without negative values (Likert answers 0..127) is its own unsigned operand: no
  // xor, no 128 S_k correction.
  const bool nonneg = _mm512_movepi8_mask(any) == 0;
  const std::int64_t shift = nonneg ? 0 : 128;
  for (int j0 = 0; j0 < p; j0 += 4) {
    const std::uint8_t* cj[4];
    for (int a = 0; a < 4; ++a) cj[a] = cols[std::min(j0 + a, p - 1)];
    for (int k0 = j0; k0 < p; k0 += 4) {
      const std::uint8_t* ck[4];
      for (int b = 0; b < 4; ++b) ck[b] = cols[std::min(k0 + b, p - 1)];
      // named accumulators, not an array: GCC spills an array of vectors to the stack every iteration
      __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
              a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
#define SS_TILE_STEP(U0, U1, U2, U3, V0, V1, V2, V3)  \
  {                                                   \
    const __m512i u0 = U0, u1 = U1, u2 = U2, u3 = U3; \
    const __m512i v0 = V0, v1 = V1, v2 = V2, v3 = V3; \
    SS_DP(a00, u0, v0);                               \
    SS_DP(a01, u0, v1);                               \
    SS_DP(a02, u0, v2);                               \
    SS_DP(a03, u0, v3);                               \
    SS_DP(a10, u1, v0);                               \
    SS_DP(a11, u1, v1);                               \
    SS_DP(a12, u1, v2);                               \
    SS_DP(a13, u1, v3);                               \
    SS_DP(a20, u2, v0);                               \
    SS_DP(a21, u2, v1);                               \
    SS_DP(a22, u2, v2);                               \
    SS_DP(a23, u2, v3);                               \
    SS_DP(a30, u3, v0);                               \
    SS_DP(a31, u3, v1);                               \
    SS_DP(a32, u3, v2);                               \
    SS_DP(a33, u3, v3);                               \
  }
      if (nonneg) {
        for (std::ptrdiff_t i = 0; i < r64; i += 64)
          SS_TILE_STEP(SS_SV(cj[0] + i), SS_SV(cj[1] + i), SS_SV(cj[2] + i), SS_SV(cj[3] + i), SS_SV(ck[0] + i),
                       SS_SV(ck[1] + i), SS_SV(ck[2] + i), SS_SV(ck[3] + i))
        if (tail)
          SS_TILE_STEP(SS_SV_TAIL(cj[0] + r64), SS_SV_TAIL(cj[1] + r64), SS_SV_TAIL(cj[2] + r64),
                       SS_SV_TAIL(cj[3] + r64), SS_SV_TAIL(ck[0] + r64), SS_SV_TAIL(ck[1] + r64),
                       SS_SV_TAIL(ck[2] + r64), SS_SV_TAIL(ck[3] + r64))
      } else {
        for (std::ptrdiff_t i = 0; i < r64; i += 64)
          SS_TILE_STEP(SS_UV(cj[0] + i), SS_UV(cj[1] + i), SS_UV(cj[2] + i), SS_UV(cj[3] + i), SS_SV(ck[0] + i),
                       SS_SV(ck[1] + i), SS_SV(ck[2] + i), SS_SV(ck[3] + i))
        if (tail)
          SS_TILE_STEP(SS_UV_TAIL(cj[0] + r64), SS_UV_TAIL(cj[1] + r64), SS_UV_TAIL(cj[2] + r64),
                       SS_UV_TAIL(cj[3] + r64), SS_SV_TAIL(ck[0] + r64), SS_SV_TAIL(ck[1] + r64),
                       SS_SV_TAIL(ck[2] + r64), SS_SV_TAIL(ck[3] + r64))
      }
#undef SS_TILE_STEP
#define SS_OUT(A, B, ACC)                                                          \
  do {                                                                             \
    const int j = j0 + (A), k = k0 + (B);                                          \
    if (j < p && k < p && j <= k)                                                  \
      g[static_cast<std::ptrdiff_t>(k) * p + j] +=                                 \
          static_cast<std::int64_t>(_mm512_reduce_add_epi32(ACC)) - shift * bs[k]; \
  } while (0)
      SS_OUT(0, 0, a00);
      SS_OUT(0, 1, a01);
      SS_OUT(0, 2, a02);
      SS_OUT(0, 3, a03);
      SS_OUT(1, 0, a10);
      SS_OUT(1, 1, a11);
      SS_OUT(1, 2, a12);
      SS_OUT(1, 3, a13);
      SS_OUT(2, 0, a20);
      SS_OUT(2, 1, a21);
      SS_OUT(2, 2, a22);
      SS_OUT(2, 3, a23);
      SS_OUT(3, 0, a30);
      SS_OUT(3, 1, a31);
      SS_OUT(3, 2, a32);
      SS_OUT(3, 3, a33);
#undef SS_OUT
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void gram_vnni(const std::uint8_t* const* cols, int p, std::ptrdiff_t r, std::uint8_t flip, std::int64_t* g,
               std::int64_t* s) {
  if (flip)
    gram_vnni_t<true>(cols, p, r, g, s);
  else
    gram_vnni_t<false>(cols, p, r, g, s);
}

// 16 x 16 byte transposes (SSE2): rows i0..i0+15, columns j0..j0+15 -> 16 column segments.
// Loads read 16 bytes from the row start + j0; `avail` bytes are readable from src (groups that
// would read past them take the scalar loop). For p >= 16 the last group overlaps the previous.
void transpose_sse2(const std::uint8_t* src, std::ptrdiff_t stride, int p, std::ptrdiff_t r, std::uint8_t* buf,
                    std::ptrdiff_t ld, std::ptrdiff_t avail) {
  const std::ptrdiff_t r16 = r / 16 * 16;
  for (int jg = 0; jg < p; jg += 16) {
    const int j0 = p >= 16 ? std::min(jg, p - 16) : 0;
    const int ncol = std::min(16, p - j0);
    for (std::ptrdiff_t i0 = 0; i0 < r16; i0 += 16) {
      if ((i0 + 15) * stride + j0 + 16 > avail) {
        for (std::ptrdiff_t i = i0; i < i0 + 16; ++i)
          for (int c = 0; c < ncol; ++c) buf[static_cast<std::ptrdiff_t>(j0 + c) * ld + i] = src[i * stride + j0 + c];
        continue;
      }
      __m128i a[16], b[16];
      for (int i = 0; i < 16; ++i)
        a[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + (i0 + i) * stride + j0));
      for (int k = 0; k < 8; ++k) {  // bytes: rows (2k, 2k+1); b[2k]: cols 0-7, b[2k+1]: cols 8-15
        b[2 * k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
        b[2 * k + 1] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
      }
      for (int m = 0; m < 4; ++m)  // rows 4m..4m+3; a[4m + q]: cols 4q..4q+3
        for (int h = 0; h < 2; ++h) {
          a[4 * m + 2 * h] = _mm_unpacklo_epi16(b[4 * m + h], b[4 * m + 2 + h]);
          a[4 * m + 2 * h + 1] = _mm_unpackhi_epi16(b[4 * m + h], b[4 * m + 2 + h]);
        }
      for (int t = 0; t < 2; ++t)  // rows 8t..8t+7; b[8t + e]: cols 2e, 2e+1
        for (int q = 0; q < 4; ++q) {
          b[8 * t + 2 * q] = _mm_unpacklo_epi32(a[8 * t + q], a[8 * t + 4 + q]);
          b[8 * t + 2 * q + 1] = _mm_unpackhi_epi32(a[8 * t + q], a[8 * t + 4 + q]);
        }
      for (int e = 0; e < 8; ++e) {  // rows 0..15 of cols 2e, 2e+1
        a[2 * e] = _mm_unpacklo_epi64(b[e], b[8 + e]);
        a[2 * e + 1] = _mm_unpackhi_epi64(b[e], b[8 + e]);
      }
      for (int c = 0; c < ncol; ++c)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(buf + static_cast<std::ptrdiff_t>(j0 + c) * ld + i0), a[c]);
    }
  }
  for (std::ptrdiff_t i = r16; i < r; ++i)
    for (int j = 0; j < p; ++j) buf[static_cast<std::ptrdiff_t>(j) * ld + i] = src[i * stride + j];
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push  // GCC 12's _mm512_inserti32x4 trips it inside its own header
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// The same four unpack stages on 64 rows at once: 128-bit lane L of a[i] holds row i0 + 16 L + i,
// so after the transposition a[c] is column c of rows i0..i0+63, one 64-byte store.
__attribute__((target("avx512f,avx512bw"))) void transpose_avx512(const std::uint8_t* src, std::ptrdiff_t stride, int p,
                                                                  std::ptrdiff_t r, std::uint8_t* buf,
                                                                  std::ptrdiff_t ld, std::ptrdiff_t avail) {
  const int j_last = p >= 16 ? p - 16 : 0;
  std::ptrdiff_t r_fast = r / 64 * 64;  // rows whose 16-byte loads stay inside `avail`
  while (r_fast > 0 && (r_fast - 1) * stride + j_last + 16 > avail) r_fast -= 64;
  for (int jg = 0; jg < p; jg += 16) {
    const int j0 = std::min(jg, j_last);
    const int ncol = std::min(16, p - j0);
    for (std::ptrdiff_t i0 = 0; i0 < r_fast; i0 += 64) {
      if (jg == 0)  // the next block's rows, one cache line at a time (prefetches never fault)
        for (std::ptrdiff_t o = 0; o < 64 * stride; o += 64)
          _mm_prefetch(reinterpret_cast<const char*>(src + (r + i0) * stride + o), _MM_HINT_T0);
      __m512i a[16], b[16];
      for (int i = 0; i < 16; ++i) {
        const std::uint8_t* q = src + (i0 + i) * stride + j0;
        __m512i z = _mm512_zextsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
        z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * stride)), 1);
        z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 32 * stride)), 2);
        a[i] = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 48 * stride)), 3);
      }
      for (int k = 0; k < 8; ++k) {
        b[2 * k] = _mm512_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
        b[2 * k + 1] = _mm512_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
      }
      for (int m = 0; m < 4; ++m)
        for (int h = 0; h < 2; ++h) {
          a[4 * m + 2 * h] = _mm512_unpacklo_epi16(b[4 * m + h], b[4 * m + 2 + h]);
          a[4 * m + 2 * h + 1] = _mm512_unpackhi_epi16(b[4 * m + h], b[4 * m + 2 + h]);
        }
      for (int t = 0; t < 2; ++t)
        for (int q = 0; q < 4; ++q) {
          b[8 * t + 2 * q] = _mm512_unpacklo_epi32(a[8 * t + q], a[8 * t + 4 + q]);
          b[8 * t + 2 * q + 1] = _mm512_unpackhi_epi32(a[8 * t + q], a[8 * t + 4 + q]);
        }
      for (int e = 0; e < 8; ++e) {
        a[2 * e] = _mm512_unpacklo_epi64(b[e], b[8 + e]);
        a[2 * e + 1] = _mm512_unpackhi_epi64(b[e], b[8 + e]);
      }
      for (int c = 0; c < ncol; ++c) _mm512_storeu_si512(buf + static_cast<std::ptrdiff_t>(j0 + c) * ld + i0, a[c]);
    }
  }
  if (r_fast < r)
    transpose_sse2(src + r_fast * stride, stride, p, r - r_fast, buf + r_fast, ld, avail - r_fast * stride);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // SS_INT8_X86

using TransposeFn = void (*)(const std::uint8_t*, std::ptrdiff_t, int, std::ptrdiff_t, std::uint8_t*, std::ptrdiff_t,
                             std::ptrdiff_t);

struct Int8Kernels {
  GramFn gram;
  TransposeFn transpose;
};

Int8Kernels kernels() {
  switch (detail::int8_kernel()) {
#if SS_INT8_X86
    case Int8Kernel::avx512_vnni:
      return {gram_vnni, transpose_avx512};
    case Int8Kernel::avx2:
      return {gram_avx2, transpose_sse2};
#endif
    default:
      return {gram_scalar, transpose_scalar};
  }
}

// Integer totals of a batch: blocks split over workers, summed per worker, then over workers.
template <class BlockFn>
void int8_totals(std::ptrdiff_t n, int p, int workers, std::vector<std::int64_t>& s, std::vector<std::int64_t>& g,
                 BlockFn&& block) {
  const std::ptrdiff_t n_blocks = (n + kInt8BlockRows - 1) / kInt8BlockRows;
  const int t = static_cast<int>(std::min<std::ptrdiff_t>(detail::resolve_workers(workers), n_blocks));
  const std::size_t pp = static_cast<std::size_t>(p) * static_cast<std::size_t>(p);
  std::vector<std::vector<std::int64_t>> ws(static_cast<std::size_t>(t), std::vector<std::int64_t>(p, 0));
  std::vector<std::vector<std::int64_t>> wg(static_cast<std::size_t>(t), std::vector<std::int64_t>(pp, 0));
  detail::parallel_for(n_blocks, t, 1, [&](std::ptrdiff_t bb, std::ptrdiff_t be, int w) {
    auto& sw = ws[static_cast<std::size_t>(w)];
    auto& gw = wg[static_cast<std::size_t>(w)];
    for (std::ptrdiff_t blk = bb; blk < be; ++blk) {
      detail::check_interrupt();  // Ctrl-C (interrupt.hpp)
      const std::ptrdiff_t rb = blk * kInt8BlockRows, re = std::min(n, rb + kInt8BlockRows);
      block(rb, re, sw.data(), gw.data());
    }
  });
  s.assign(static_cast<std::size_t>(p), 0);
  g.assign(pp, 0);
  for (int w = 0; w < t; ++w) {
    for (int j = 0; j < p; ++j)
      s[static_cast<std::size_t>(j)] += ws[static_cast<std::size_t>(w)][static_cast<std::size_t>(j)];
    for (std::size_t e = 0; e < pp; ++e) g[e] += wg[static_cast<std::size_t>(w)][e];
  }
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 int128;

// num / den for an exact 128-bit numerator: the integer part exactly (below 2^53 for any
// realistic n), the remainder's fraction rounded once, then their sum (error <= 1 ulp).
double ratio(int128 num, std::int64_t den) {
  const int128 q = num / den, rem = num % den;
  return static_cast<double>(q) + static_cast<double>(static_cast<std::int64_t>(rem)) / static_cast<double>(den);
}
#else
// Without 128-bit integers: long double (exact to 64 bits on x87, 113 on quad; where it is a
// plain double, numerators beyond 2^53 are rounded once more).
typedef long double int128;
double ratio(int128 num, std::int64_t den) {
  return static_cast<double>(num / static_cast<long double>(den));
}
#endif

}  // namespace

void Moments::add_int8_sums(std::int64_t n, const std::int64_t* s, const std::int64_t* g, int offset) {
  const int p = p_;
  Eigen::VectorXd mu(p);
  Eigen::MatrixXd c(p, p);
  for (int j = 0; j < p; ++j) mu(j) = ratio(static_cast<int128>(s[j]) + static_cast<int128>(offset) * n, n);
  for (int k = 0; k < p; ++k)
    for (int j = 0; j <= k; ++j) {
      const int128 num = static_cast<int128>(n) * g[static_cast<std::ptrdiff_t>(k) * p + j] -
                         static_cast<int128>(s[j]) * static_cast<int128>(s[k]);
      c(j, k) = c(k, j) = ratio(num, n);
    }
  const double nd = static_cast<double>(n);
  const Eigen::MatrixXd nn = Eigen::MatrixXd::Constant(p, p, nd);
  combine(MatrixXi64::Constant(p, p, n), nn, nn, mu.replicate(1, p), c.diagonal().replicate(1, p), c);
  n_rows_ += n;
}

Moments& Moments::update_int8_columns(const std::vector<const std::int8_t*>& columns, std::ptrdiff_t n, int workers,
                                      bool unsigned_values) {
  return update_int8_chunks({columns}, {n}, workers, unsigned_values);
}

Moments& Moments::update_int8_chunks(const std::vector<std::vector<const std::int8_t*>>& chunks,
                                     const std::vector<std::ptrdiff_t>& rows, int workers, bool unsigned_values) {
  if (p_ < 1) throw input_error("Moments.update: the state has no variables; construct it with Moments(p)");
  if (chunks.size() != rows.size())
    throw input_error("Moments.update: " + std::to_string(chunks.size()) + " chunks but " +
                      std::to_string(rows.size()) + " row counts");
  std::int64_t n = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (static_cast<int>(chunks[c].size()) != p_)
      throw input_error("Moments.update: expected " + std::to_string(p_) + " columns, got " +
                        std::to_string(chunks[c].size()));
    if (rows[c] < 0) throw input_error("Moments.update: negative row count " + std::to_string(rows[c]));
    if (rows[c] > 0)
      for (std::size_t j = 0; j < chunks[c].size(); ++j)
        if (!chunks[c][j]) throw input_error("Moments.update: column " + std::to_string(j) + " has no data");
    n += rows[c];
  }
  if (n == 0) return *this;
  const int p = p_;
  const std::uint8_t flip = unsigned_values ? 0x80 : 0x00;
  const Int8Kernels kern = kernels();
  std::vector<std::int64_t> s(static_cast<std::size_t>(p), 0),
      g(static_cast<std::size_t>(p) * static_cast<std::size_t>(p), 0), cs, cg;
  for (std::size_t c = 0; c < chunks.size(); ++c) {  // integer totals over every chunk, then one state
    if (rows[c] == 0) continue;
    const auto& columns = chunks[c];
    int8_totals(rows[c], p, workers, cs, cg,
                [&](std::ptrdiff_t b, std::ptrdiff_t e, std::int64_t* sw, std::int64_t* gw) {
                  thread_local std::vector<const std::uint8_t*> ptr;
                  ptr.resize(static_cast<std::size_t>(p));
                  for (int j = 0; j < p; ++j)
                    ptr[static_cast<std::size_t>(j)] =
                        reinterpret_cast<const std::uint8_t*>(columns[static_cast<std::size_t>(j)]) + b;
                  kern.gram(ptr.data(), p, e - b, flip, gw, sw);
                });
    for (std::size_t e = 0; e < s.size(); ++e) s[e] += cs[e];
    for (std::size_t e = 0; e < g.size(); ++e) g[e] += cg[e];
  }
  add_int8_sums(n, s.data(), g.data(), unsigned_values ? 128 : 0);
  return *this;
}

Moments& Moments::update_int8_rows(const std::int8_t* data, std::ptrdiff_t n, std::ptrdiff_t row_stride, int workers,
                                   bool unsigned_values) {
  if (p_ < 1) throw input_error("Moments.update: the state has no variables; construct it with Moments(p)");
  if (n < 0) throw input_error("Moments.update: negative row count " + std::to_string(n));
  if (row_stride < p_)
    throw input_error("Moments.update: row stride " + std::to_string(row_stride) + " is less than the " +
                      std::to_string(p_) + " columns");
  if (n == 0) return *this;
  if (!data) throw input_error("Moments.update: no data");
  const int p = p_;
  const std::uint8_t flip = unsigned_values ? 0x80 : 0x00;
  const Int8Kernels kern = kernels();
  const auto* base = reinterpret_cast<const std::uint8_t*>(data);
  const std::ptrdiff_t total = (n - 1) * row_stride + p;  // readable bytes from base
  const std::ptrdiff_t ld = (kInt8BlockRows + 63) / 64 * 64 + 64;
  std::vector<std::int64_t> s, g;
  int8_totals(n, p, workers, s, g, [&](std::ptrdiff_t b, std::ptrdiff_t e, std::int64_t* sw, std::int64_t* gw) {
    thread_local std::vector<std::uint8_t> buf;
    thread_local std::vector<const std::uint8_t*> ptr;
    buf.resize(static_cast<std::size_t>(ld) * static_cast<std::size_t>(p) + 64);
    std::uint8_t* aligned = buf.data() + ((64 - reinterpret_cast<std::uintptr_t>(buf.data()) % 64) % 64);
    ptr.resize(static_cast<std::size_t>(p));
    for (int j = 0; j < p; ++j) ptr[static_cast<std::size_t>(j)] = aligned + static_cast<std::ptrdiff_t>(j) * ld;
    kern.transpose(base + b * row_stride, row_stride, p, e - b, aligned, ld, total - b * row_stride);
    kern.gram(ptr.data(), p, e - b, flip, gw, sw);
  });
  add_int8_sums(n, s.data(), g.data(), unsigned_values ? 128 : 0);
  return *this;
}

}  // namespace servscore
