/**
 * @file version.hpp
 * @brief The one version source of servscore, read by CMake and by the Python build.
 */
#pragma once

#define SERVSCORE_VERSION_MAJOR 0
#define SERVSCORE_VERSION_MINOR 1
#define SERVSCORE_VERSION_PATCH 0

namespace servscore {
/** @brief The library version as "major.minor.patch". */
inline constexpr const char* version = "0.1.0";
}  // namespace servscore
