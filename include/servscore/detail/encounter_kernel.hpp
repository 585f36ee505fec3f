/**
 * @file encounter_kernel.hpp
 * @brief Kernel selection of encounter scoring (internal; for tests and benchmarks).
 */
#pragma once

namespace servscore::detail {

/** @brief The block kernels of `score_encounters`; every kernel gives bit-identical results. */
enum class EncounterKernel {
  automatic = 0,  ///< the fastest the CPU supports (the default)
  portable,       ///< GCC/Clang vector code, four rows per vector (an AVX2 clone where available)
  avx512          ///< AVX-512 F/DQ/VL/BW, eight rows per register with mask registers
};

/** @brief "automatic", "portable" or "avx512". */
const char* to_string(EncounterKernel kernel);
/** @brief True when this CPU (and build) can run `kernel` (`automatic` and `portable` always). */
bool encounter_kernel_supported(EncounterKernel kernel);
/**
 * @brief Testing hook: force one kernel for every later call in the process (`automatic`
 * restores the run-time choice). Throws input_error when the CPU cannot run it.
 */
void set_encounter_kernel(EncounterKernel kernel);
/** @brief The kernel encounter scoring uses now (never `automatic`). */
EncounterKernel encounter_kernel();

}  // namespace servscore::detail
