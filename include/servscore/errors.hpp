/**
 * @file errors.hpp
 * @brief The exceptions servscore throws.
 *
 * Every message names what was wrong (the key, column, row and value) and what
 * was expected. Python sees `servscore.Error`, `servscore.ConfigError` and
 * `servscore.InputError` (the last two are also `ValueError`s).
 */
#pragma once

#include <stdexcept>
#include <string>

namespace servscore {

/** @brief Base of every exception servscore throws. */
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** @brief A configuration (key, value, rule table) is invalid. */
class config_error : public error {
 public:
  using error::error;
};

/** @brief Input data are invalid: wrong shape, a value outside its range, an empty batch. */
class input_error : public error {
 public:
  using error::error;
};

}  // namespace servscore
