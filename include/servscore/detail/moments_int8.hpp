/**
 * @file moments_int8.hpp
 * @brief Kernel selection of the exact 8-bit integer path of `Moments` (internal; for tests
 * and benchmarks).
 */
#pragma once

namespace servscore::detail {

/** @brief The kernels of `Moments::update_int8_columns` / `update_int8_rows`. */
enum class Int8Kernel {
  automatic = 0,  ///< the fastest the CPU supports (the default)
  scalar,         ///< portable loops (also the scalar row transposition)
  avx2,           ///< AVX2 `vpmaddubsw` (blocks of 0..127) or `vpmaddwd` on int16; SSE2 row transposition
  avx512_vnni     ///< AVX-512 VNNI `vpdpbusd` (needs AVX-512 F/BW/VNNI); AVX-512BW row transposition
};

/** @brief "automatic", "scalar", "avx2" or "avx512_vnni". */
const char* to_string(Int8Kernel kernel);
/** @brief True when this CPU (and build) can run `kernel` (`automatic` and `scalar` always). */
bool int8_kernel_supported(Int8Kernel kernel);
/**
 * @brief Testing hook: force one kernel for every later call in the process (`automatic` restores
 * the run-time choice). Throws input_error when the CPU cannot run it.
 */
void set_int8_kernel(Int8Kernel kernel);
/** @brief The kernel the int8 path uses now (never `automatic`). */
Int8Kernel int8_kernel();

}  // namespace servscore::detail
