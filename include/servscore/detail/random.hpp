/**
 * @file random.hpp
 * @brief The one random number generator of the library (internal): SplitMix64 to seed,
 * xoshiro256** to draw, and the few distributions the bootstraps need, all fully specified so
 * that a seed gives the same numbers on every platform (std distributions are not portable).
 *
 * Streams: `Xoshiro256(seed, stream)` is an independent generator per (seed, stream); the
 * bootstraps give every resample its own stream, so results do not depend on how resamples
 * are split between threads.
 */
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace servscore::detail {

/** @brief SplitMix64 (Steele, Lea & Flood 2014): advances `s` and returns the next output. */
inline std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/** @brief xoshiro256** (Blackman & Vigna 2018), seeded per (seed, stream) through SplitMix64. */
struct Xoshiro256 {
  std::uint64_t s[4];
  Xoshiro256(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    for (auto& v : s) v = splitmix64(x);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  /** @brief The next 64 random bits. */
  std::uint64_t next() {
    std::uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
  }
  /** @brief Uniform in [0, 1) with 53 random bits. */
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /** @brief Uniform integer in [0, n), unbiased (rejection of the short last cycle). */
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  /** @brief Standard normal (Box-Muller, one value per call). */
  double normal() {
    double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

namespace random_detail {

/** log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2]: the Stirling series correction. */
inline double stirling_correction(std::int64_t k) {
  static const double table[10] = {0.08106146679532726,  0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
                                   0.01664469118982119,  0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
                                   0.009255462182712733, 0.008330563433362871};
  if (k < 10) return table[k];
  const double kp1 = static_cast<double>(k + 1), r = 1.0 / (kp1 * kp1);
  return (1.0 / 12 - (1.0 / 360 - r / 1260) * r) / kp1;
}

/** Binomial(n, p) for p <= 1/2 and n p < 10: sequential inversion of the distribution function. */
inline std::int64_t binomial_inversion(Xoshiro256& rng, std::int64_t n, double p) {
  const double q = 1.0 - p, s = p / q, a = static_cast<double>(n + 1) * s;
  const double r0 = std::exp(static_cast<double>(n) * std::log1p(-p));
  for (;;) {
    double r = r0, u = rng.uniform();
    std::int64_t x = 0;
    while (u > r) {
      u -= r;
      ++x;
      if (x > n) break;  // rounding left u above the total mass: draw again
      r *= a / static_cast<double>(x) - s;
    }
    if (x <= n) return x;
  }
}

/**
 * Binomial(n, p) for p <= 1/2 and n p >= 10: transformed rejection with decomposition, BTRD
 * (Hoermann 1993, "The generation of binomial random variates", J. Statist. Comput. Simul. 46).
 */
inline std::int64_t binomial_btrd(Xoshiro256& rng, std::int64_t n, double p) {
  const double nd = static_cast<double>(n);
  const double spq = std::sqrt(nd * p * (1 - p));
  const double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = nd * p + 0.5;
  const double alpha = (2.83 + 5.1 / b) * spq, vr = 0.92 - 4.2 / b, urvr = 0.86 * vr;
  const auto m = static_cast<std::int64_t>(std::floor((nd + 1) * p));
  const double r = p / (1 - p), nr = (nd + 1) * r, npq = nd * p * (1 - p);
  for (;;) {
    double v = rng.uniform(), u;
    if (v <= urvr) {
      u = v / vr - 0.43;
      const double k0 = std::floor((2 * a / (0.5 - std::fabs(u)) + b) * u + c);
      if (k0 >= 0 && k0 <= nd) return static_cast<std::int64_t>(k0);
      continue;
    }
    if (v >= vr) {
      u = rng.uniform() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = rng.uniform() * vr;
    }
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2 * a / us + b) * u + c);
    if (kd < 0 || kd > nd) continue;
    const auto k = static_cast<std::int64_t>(kd);
    v = v * alpha / (a / (us * us) + b);
    const std::int64_t km = k > m ? k - m : m - k;
    if (km <= 15) {  // f(k) / f(m) by the recursion of the probabilities
      double f = 1.0;
      if (m < k)
        for (std::int64_t i = m + 1; i <= k; ++i) f *= nr / static_cast<double>(i) - r;
      else
        for (std::int64_t i = k + 1; i <= m; ++i) v *= nr / static_cast<double>(i) - r;
      if (v <= f) return k;
      continue;
    }
    v = std::log(v);  // squeeze with the normal approximation, then the exact log ratio
    const double kmd = static_cast<double>(km);
    const double rho = (kmd / npq) * (((kmd / 3 + 0.625) * kmd + 1.0 / 6) / npq + 0.5);
    const double t = -kmd * kmd / (2 * npq);
    if (v < t - rho) return k;
    if (v > t + rho) continue;
    const double nm = static_cast<double>(n - m + 1);
    const double h = (static_cast<double>(m) + 0.5) * std::log((static_cast<double>(m) + 1) / (r * nm)) +
                     stirling_correction(m) + stirling_correction(n - m);
    const double nk = static_cast<double>(n - k + 1);
    if (v <= h + (nd + 1) * std::log(nm / nk) + (kd + 0.5) * std::log(nk * r / (kd + 1)) - stirling_correction(k) -
                 stirling_correction(n - k))
      return k;
  }
}

}  // namespace random_detail

/** @brief A Binomial(n, p) draw (exact: inversion for small means, BTRD otherwise). */
inline std::int64_t binomial(Xoshiro256& rng, std::int64_t n, double p) {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const bool flip = p > 0.5;
  const double pp = flip ? 1 - p : p;
  const std::int64_t x = static_cast<double>(n) * pp < 10 ? random_detail::binomial_inversion(rng, n, pp)
                                                          : random_detail::binomial_btrd(rng, n, pp);
  return flip ? n - x : x;
}

/**
 * @brief A multinomial draw of `n` over `k` cells with weights `w` (non-negative, not all zero),
 * by conditional binomials; writes `out[0..k)`.
 */
inline void multinomial(Xoshiro256& rng, std::int64_t n, const double* w, int k, std::int64_t* out) {
  double rest = 0;
  for (int i = 0; i < k; ++i) rest += w[i];
  std::int64_t left = n;
  for (int i = 0; i < k; ++i) {
    if (i == k - 1 || left == 0) {
      out[i] = left;
      for (int j = i + 1; j < k; ++j) out[j] = 0;
      return;
    }
    const std::int64_t x = rest > 0 ? binomial(rng, left, std::min(1.0, w[i] / rest)) : 0;
    out[i] = x;
    left -= x;
    rest -= w[i];
  }
}

}  // namespace servscore::detail
