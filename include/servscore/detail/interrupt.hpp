/**
 * @file interrupt.hpp
 * @brief Cooperative interruption of long loops (Ctrl-C in Python) (internal).
 *
 * The library itself never interrupts anything: a host (the Python binding) installs a poll
 * function with `set_interrupt_poll`. Long loops call `check_interrupt()` every few thousand
 * iterations, on any thread. On the thread that can see an interrupt (the poll decides; for
 * Python, the main thread), it calls the poll at most every `kInterruptPollMs` milliseconds;
 * when the poll reports one, every thread's next `check_interrupt()` throws `interrupted`, so
 * worker threads stop too, and `parallel_for` polls while the calling thread waits for its
 * workers. The host translates `interrupted` (KeyboardInterrupt) and calls
 * `clear_interrupt()`.
 *
 * Without a poll (plain C++ use) `check_interrupt()` is one relaxed atomic load and never throws.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace servscore::detail {

/// Thrown by `check_interrupt()` once the host's poll reported an interrupt. Deliberately not a
/// `std::exception`: no `catch (const std::exception&)` in the library rewraps it as an input error.
struct interrupted {};

/// The host's poll: returns true when an interrupt is pending (and keeps whatever the host needs
/// to report it). Called only from `check_interrupt()`, on whichever thread calls that.
using interrupt_poll = bool (*)();

inline std::atomic<interrupt_poll> g_interrupt_poll{nullptr};
inline std::atomic<bool> g_interrupt_requested{false};
constexpr int kInterruptPollMs = 20;

inline void set_interrupt_poll(interrupt_poll p) {
  g_interrupt_poll.store(p);
}
inline void clear_interrupt() {
  g_interrupt_requested.store(false);
}

/// True once an interrupt was reported and not yet cleared.
inline bool interrupt_requested() {
  return g_interrupt_requested.load(std::memory_order_relaxed);
}

/**
 * @brief Throw `interrupted` if the host reported an interrupt; otherwise poll the host if
 * `kInterruptPollMs` passed since this thread last did. Cheap enough for every block of a few
 * thousand iterations (an atomic load and, with a poll installed, a steady-clock read).
 */
inline void check_interrupt() {
  if (g_interrupt_requested.load(std::memory_order_relaxed)) throw interrupted{};
  const interrupt_poll p = g_interrupt_poll.load(std::memory_order_relaxed);
  if (p == nullptr) return;
  thread_local std::int64_t last_ms = 0;
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  if (now - last_ms < kInterruptPollMs) return;
  last_ms = now;
  if (p()) {
    g_interrupt_requested.store(true);
    throw interrupted{};
  }
}

}  // namespace servscore::detail
