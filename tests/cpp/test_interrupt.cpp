// The cooperative interrupt of long loops (servscore/detail/interrupt.hpp), as the Python
// binding uses it for Ctrl-C; tests/python/test_interrupts.py sends real SIGINTs.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "servscore/detail/interrupt.hpp"
#include "servscore/detail/parallel.hpp"

using namespace servscore::detail;

namespace {
std::atomic<int> g_polls{0};
std::atomic<int> g_fire_after{0};
std::atomic<std::thread::id> g_poll_thread{};

bool test_poll() {
  g_poll_thread.store(std::this_thread::get_id());
  return ++g_polls >= g_fire_after.load();
}

struct PollGuard {
  explicit PollGuard(int fire_after) {
    g_polls = 0;
    g_fire_after = fire_after;
    clear_interrupt();
    set_interrupt_poll(&test_poll);
  }
  ~PollGuard() {
    set_interrupt_poll(nullptr);
    clear_interrupt();
  }
};
}  // namespace

TEST_CASE("interrupt: without a poll check_interrupt never throws", "[interrupt]") {
  set_interrupt_poll(nullptr);
  clear_interrupt();
  for (int i = 0; i < 1000; ++i) REQUIRE_NOTHROW(check_interrupt());
  std::atomic<long> sum{0};
  parallel_for(1000, 4, 1, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
    for (std::ptrdiff_t i = b; i < e; ++i) {
      check_interrupt();
      sum += i;
    }
  });
  REQUIRE(sum == 999 * 1000 / 2);
}

TEST_CASE("interrupt: a reported interrupt stops every worker of parallel_for", "[interrupt]") {
  PollGuard guard(3);  // the third poll reports an interrupt (about 40 ms in)
  std::atomic<long> done{0};
  const auto t0 = std::chrono::steady_clock::now();
  // 4 workers spinning for at most 30 s each unless interrupted
  REQUIRE_THROWS_AS(parallel_for(4, 4, 1,
                                 [&](std::ptrdiff_t, std::ptrdiff_t, int) {
                                   const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
                                   while (std::chrono::steady_clock::now() < until) {
                                     check_interrupt();
                                     ++done;
                                   }
                                 }),
                    interrupted);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 10.0);  // generous: the workers stop at their next check, not after 30 s
  CHECK(interrupt_requested());
  // the host clears it (the Python translator does); then calls run again
  clear_interrupt();
  g_fire_after = 1 << 30;
  REQUIRE_NOTHROW(parallel_for(8, 2, 1, [&](std::ptrdiff_t, std::ptrdiff_t, int) { check_interrupt(); }));
}

TEST_CASE("interrupt: the calling thread polls while its workers run without checks", "[interrupt]") {
  PollGuard guard(2);
  const auto caller = std::this_thread::get_id();
  // workers that never check: parallel_for still reports the interrupt once they finish
  REQUIRE_THROWS_AS(parallel_for(2, 2, 1,
                                 [&](std::ptrdiff_t, std::ptrdiff_t, int) {
                                   std::this_thread::sleep_for(std::chrono::milliseconds(200));
                                 }),
                    interrupted);
  CHECK(g_poll_thread.load() == caller);
}

TEST_CASE("interrupt: the poll runs at most every kInterruptPollMs on a thread", "[interrupt]") {
  PollGuard guard(1 << 30);
  const auto t0 = std::chrono::steady_clock::now();
  long calls = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(200)) {
    check_interrupt();
    ++calls;
  }
  CHECK(calls > 1000);
  // 200 ms / 20 ms = 10 polls, plus the first; slack for a loaded machine
  CHECK(g_polls.load() <= 12);
  CHECK(g_polls.load() >= 1);
}

TEST_CASE("interrupt: parallel_chunks checks between chunks", "[interrupt]") {
  PollGuard guard(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * kInterruptPollMs));  // past this thread's last poll
  std::atomic<int> ran{0};
  REQUIRE_THROWS_AS(parallel_chunks(1000, 1, 1, [&](std::ptrdiff_t, std::ptrdiff_t) { ++ran; }), interrupted);
  CHECK(ran.load() == 0);  // the first poll fires before the first chunk
}
