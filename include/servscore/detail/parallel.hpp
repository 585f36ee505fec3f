/**
 * @file parallel.hpp
 * @brief A minimal parallel-for over index ranges with std::thread (internal).
 */
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace servscore::detail {

/** @brief Resolve a `workers` argument: values <= 0 mean "all hardware threads". */
inline int resolve_workers(int workers) {
  if (workers > 0) return workers;
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/**
 * @brief Call `fn(begin, end, worker)` on contiguous chunks of [0, n) using up to
 * `workers` threads. The first exception thrown by any chunk is re-thrown.
 * Chunks are fixed by (n, workers) alone, so results that depend on chunking are
 * still deterministic for a given worker count.
 */
template <class Fn>
void parallel_for(std::ptrdiff_t n, int workers, std::ptrdiff_t min_chunk, Fn&& fn) {
  workers = resolve_workers(workers);
  if (n <= 0) return;
  std::ptrdiff_t max_by_size = std::max<std::ptrdiff_t>(1, n / std::max<std::ptrdiff_t>(1, min_chunk));
  int t = static_cast<int>(std::min<std::ptrdiff_t>(workers, max_by_size));
  if (t <= 1) {
    fn(std::ptrdiff_t{0}, n, 0);
    return;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(t));
  threads.reserve(static_cast<std::size_t>(t));
  for (int w = 0; w < t; ++w) {
    std::ptrdiff_t b = n * w / t, e = n * (w + 1) / t;
    threads.emplace_back([&, b, e, w] {
      try {
        fn(b, e, w);
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& ep : errors)
    if (ep) std::rethrow_exception(ep);
}

}  // namespace servscore::detail
