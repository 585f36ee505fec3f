/**
 * @file parallel.hpp
 * @brief A minimal parallel-for over index ranges with std::thread (internal).
 */
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "servscore/detail/interrupt.hpp"

namespace servscore::detail {

/**
 * @brief Resolve a `workers` argument: values <= 0 mean "all hardware threads"; larger values
 * are clamped to 4x the hardware threads (more threads cannot run at once, and per-worker
 * buffers would grow with a silly value such as 10^6). Results do not depend on `workers`.
 */
inline int resolve_workers(int workers) {
  const unsigned hw_raw = std::thread::hardware_concurrency();
  const int hw = hw_raw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw_raw, 1u << 16));
  if (workers <= 0) return hw;
  return std::min(workers, 4 * hw);
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
    check_interrupt();  // loops of parallel_for calls are interruptible between calls
    return;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(t));
  std::mutex mu;
  std::condition_variable cv;
  int running = t;
  threads.reserve(static_cast<std::size_t>(t));
  for (int w = 0; w < t; ++w) {
    std::ptrdiff_t b = n * w / t, e = n * (w + 1) / t;
    threads.emplace_back([&, b, e, w] {
      try {
        fn(b, e, w);
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
      std::lock_guard<std::mutex> lk(mu);
      if (--running == 0) cv.notify_one();
    });
  }
  // The calling thread polls for interrupts while it waits (interrupt.hpp): once one is
  // reported, the workers' own check_interrupt() calls throw.
  bool stopped = false;
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!cv.wait_for(lk, std::chrono::milliseconds(kInterruptPollMs), [&] { return running == 0; })) {
      if (stopped) continue;
      lk.unlock();
      try {
        check_interrupt();
      } catch (const interrupted&) {
        stopped = true;
      }
      lk.lock();
    }
  }
  for (auto& th : threads) th.join();
  for (auto& ep : errors)
    if (ep) std::rethrow_exception(ep);
  if (stopped) throw interrupted{};
}

/**
 * @brief Call `fn(begin, end)` on the chunks [c * chunk, min((c + 1) * chunk, n)) of [0, n),
 * handed out one at a time to up to `workers` threads (the calling thread is one of them), so a
 * slow or preempted thread holds up no more than one chunk.
 *
 * For work whose results do not depend on which thread runs a chunk (row by row scoring). When
 * chunks throw, the exception of the lowest chunk is re-thrown, whatever the timing: chunks past
 * a failed one are skipped, chunks before it still run.
 */
template <class Fn>
void parallel_chunks(std::ptrdiff_t n, int workers, std::ptrdiff_t chunk, Fn&& fn) {
  if (n <= 0) return;
  chunk = std::max<std::ptrdiff_t>(1, chunk);
  const std::ptrdiff_t n_chunks = (n + chunk - 1) / chunk;
  const int t = static_cast<int>(std::min<std::ptrdiff_t>(resolve_workers(workers), n_chunks));
  std::atomic<std::ptrdiff_t> next{0};
  std::atomic<std::ptrdiff_t> failed{n_chunks};  // lowest chunk that threw
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(t));
  std::vector<std::ptrdiff_t> error_chunk(static_cast<std::size_t>(t), n_chunks);
  auto run = [&](int w) {
    for (std::ptrdiff_t c = next.fetch_add(1); c < n_chunks && c < failed.load(); c = next.fetch_add(1)) {
      try {
        check_interrupt();
        fn(c * chunk, std::min(n, (c + 1) * chunk));
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
        error_chunk[static_cast<std::size_t>(w)] = c;
        std::ptrdiff_t f = failed.load();
        while (c < f && !failed.compare_exchange_weak(f, c)) {
        }
        return;  // chunks are handed out in order: this thread's later ones are past c
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(t > 0 ? t - 1 : 0));
  for (int w = 1; w < t; ++w) threads.emplace_back(run, w);
  run(0);
  for (auto& th : threads) th.join();
  const std::size_t first =
      static_cast<std::size_t>(std::min_element(error_chunk.begin(), error_chunk.end()) - error_chunk.begin());
  if (errors[first]) std::rethrow_exception(errors[first]);
}

}  // namespace servscore::detail
