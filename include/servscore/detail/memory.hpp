/**
 * @file memory.hpp
 * @brief Large-buffer hints (internal).
 */
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace servscore::detail {

/**
 * @brief Ask the kernel for transparent huge pages on a large, not yet touched buffer.
 *
 * Batch outputs of millions of rows are written once, front to back; with 4 KiB pages
 * the first-touch faults can cost as much as the computation. Only the 2 MiB-aligned
 * interior is advised; a no-op for small buffers and off Linux. Purely a hint.
 */
inline void advise_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
  if (bytes < 4 * huge) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

/** @brief advise_huge_pages over the storage of an Eigen vector or matrix. */
template <class M>
void advise_huge_pages(M& m) {
  advise_huge_pages(static_cast<void*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(typename M::Scalar));
}

}  // namespace servscore::detail
