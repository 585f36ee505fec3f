// One fuzz entry point, built as a libFuzzer target or as a replay function of servscore_tests.
//
//   SERVSCORE_FUZZ_TARGET(config_json) { ... use data, size ...; return 0; }
//
// Oracles: a servscore::error is the only exception a parser may raise for bad input
// (`only_servscore_errors`); anything else escapes, and libFuzzer reports it as a crash.
// `SS_FUZZ_CHECK` states a property (a round trip): a failure aborts under libFuzzer and
// throws in the replay test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "servscore/errors.hpp"

namespace servscore::fuzz {

using Entry = int (*)(const std::uint8_t*, std::size_t);

/** Replay builds: remember an entry point under its corpus directory name. */
bool register_target(const char* name, Entry entry);

/** A property did not hold for this input. */
[[noreturn]] inline void fail(const std::string& what) {
#ifdef SERVSCORE_FUZZ_REPLAY
  throw std::logic_error(what);
#else
  std::fprintf(stderr, "fuzz oracle failed: %s\n", what.c_str());
  std::abort();
#endif
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/** Run `f`; a servscore::error is an accepted outcome, any other exception escapes. */
template <class F>
void only_servscore_errors(F&& f) {
  try {
    f();
  } catch (const servscore::error&) {
  }
}

}  // namespace servscore::fuzz

#define SS_FUZZ_CHECK(cond, what)                            \
  do {                                                       \
    if (!(cond)) ::servscore::fuzz::fail(std::string(what)); \
  } while (0)

#ifdef SERVSCORE_FUZZ_REPLAY
#define SERVSCORE_FUZZ_TARGET(name)                                             \
  static int servscore_fuzz_##name(const std::uint8_t* data, std::size_t size); \
  static const bool servscore_fuzz_registered_##name =                          \
      ::servscore::fuzz::register_target(#name, &servscore_fuzz_##name);        \
  static int servscore_fuzz_##name(const std::uint8_t* data, std::size_t size)
#else
#define SERVSCORE_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#endif
