/**
 * @file omega.hpp
 * @brief McDonald's omega: a minres factor analysis, varimax and oblimin rotations, and the
 * Schmid-Leiman transformation, as R psych's `omega` (Revelle; psych 2.2.9 with GPArotation).
 *
 * - `minres`: unweighted least squares on the off-diagonal correlations (Harman's minres): the
 *   uniquenesses psi solve diag(L L') = diag(R) - psi with L the top-m eigen-pairs of R - diag(psi),
 *   L = V sqrt(lambda). Newton's method on that equation (the Jacobian from eigen-pair
 *   perturbation), started from 1 - SMC as psych, psi kept in [0.005, 1] as psych's bounds.
 * - `varimax`: Kaiser's varimax with row normalisation (the algorithm of R's `stats::varimax`).
 * - `oblimin`: the gradient-projection algorithm of Jennrich (2002) for oblique rotations
 *   (as GPArotation's `GPFoblq`), criterion oblimin with gamma (0: quartimin).
 * - `omega`: psych's pipeline: minres (m factors) -> varimax, factors ordered by their sums of
 *   squares and signed by their column sums -> oblimin -> a one-factor minres of the factor
 *   correlations (m > 2; two factors: equal loadings sqrt|phi12|) -> Schmid-Leiman loadings;
 *   items with a negative general loading are reversed (flip) unless keys are given.
 *   omega_h = (sum g)^2 / 1'R1, omega_total = (1'R1 - sum u2) / 1'R1, u2 = 1 - h2 of the m factors.
 */
#pragma once

#include <cstdint>
#include <functional>

#include "servscore/types.hpp"

namespace servscore {

/** @brief Settings of the minres factor analysis (every number a default). */
struct MinresConfig {
  int max_iterations = 200;  ///< Newton steps
  double tolerance = 1e-12;  ///< stop when max |diag(R) - psi - diag(LL')| < tolerance
  double lower = 0.005;      ///< smallest uniqueness (psych's bound)
  double upper = 1.0;        ///< largest uniqueness (psych's bound, for correlations)
};

/** @brief A factor solution: k x m loadings and the uniquenesses. */
struct FactorSolution {
  Eigen::MatrixXd loadings;     ///< k x m, columns = top eigen-pairs of R - diag(psi)
  Eigen::VectorXd uniqueness;   ///< psi
  Eigen::VectorXd communality;  ///< diag(L L')
  int iterations = 0;           ///< Newton steps taken
  bool converged = false;       ///< the fixed-point residual fell below the tolerance
};

/**
 * @brief Minres (ULS) factor analysis of a correlation matrix with m factors.
 * @throws input_error for a matrix that is not square, symmetric and finite, or m outside [1, k-1].
 */
FactorSolution minres(const Eigen::MatrixXd& correlation, int nfactors, const MinresConfig& config = {});

/** @brief Squared multiple correlations 1 - 1/diag(R^-1) (pseudo-inverse when R is singular). */
Eigen::VectorXd smc(const Eigen::MatrixXd& correlation);

/** @brief Varimax with Kaiser normalisation (stats::varimax); returns the rotated loadings. */
Eigen::MatrixXd varimax(const Eigen::MatrixXd& loadings, double eps = 1e-5, int max_iterations = 1000);

/** @brief An oblique rotation: pattern loadings L = A T^-T and factor correlations T'T. */
struct ObliqueRotation {
  Eigen::MatrixXd loadings;  ///< k x m pattern
  Eigen::MatrixXd phi;       ///< m x m factor correlations
  Eigen::MatrixXd rotation;  ///< T
  int iterations = 0;        ///< gradient-projection steps
  bool converged = false;    ///< projected gradient norm below eps
};

/**
 * @brief Oblimin rotation by gradient projection (Jennrich 2002, GPArotation's GPFoblq).
 * @param gamma oblimin's gamma (0 = quartimin, psych's default).
 * @param eps stop when the Frobenius norm of the projected gradient is below eps (GPArotation: 1e-5).
 */
ObliqueRotation oblimin(const Eigen::MatrixXd& loadings, double gamma = 0.0, double eps = 1e-5,
                        int max_iterations = 1000);

/** @brief Settings of `omega` (psych's defaults). */
struct OmegaConfig {
  int nfactors = 3;            ///< group factors
  double gamma = 0.0;          ///< oblimin gamma
  double rotation_eps = 1e-5;  ///< GPArotation's convergence threshold
  int rotation_max_iterations = 1000;
  double varimax_eps = 1e-5;  ///< stats::varimax's threshold
  bool flip = true;           ///< reverse items whose general loading is negative (unless keys given)
  MinresConfig minres;        ///< the factor analyses
};

/** @brief Omega and the Schmid-Leiman solution. */
struct OmegaResult {
  int k = 0, nfactors = 0;
  double omega_h = 0;                                       ///< hierarchical: (sum g)^2 / 1'R1
  double omega_total = 0;                                   ///< (1'R1 - sum u2) / 1'R1
  double omega_limit = 0;                                   ///< (sum g)^2 / (1'R1 - sum u2)
  double alpha = 0;                                         ///< standardised alpha of the (keyed) correlations
  double lambda6 = 0;                                       ///< Guttman's lambda 6 (SMC)
  double ecv = 0;                                           ///< explained common variance of the general factor
  Eigen::VectorXd keys;                                     ///< +1 / -1 per item (given, or from flip)
  Eigen::MatrixXd sl;                                       ///< k x (1+m): general loading, then group loadings (keyed)
  Eigen::VectorXd h2, u2, p2;                               ///< communality, uniqueness, g^2 / h2
  Eigen::MatrixXd oblique;                                  ///< k x m oblimin pattern (before keys)
  Eigen::MatrixXd orthogonal;                               ///< k x m varimax loadings
  Eigen::MatrixXd phi;                                      ///< factor correlations
  Eigen::VectorXd gloading;                                 ///< loadings of the group factors on g
  Eigen::VectorXd group_total, group_general, group_group;  ///< (1+m): omega per group (index 0: all items)
  Eigen::VectorXi group_of_item;                            ///< 0-based group factor of each item (largest |loading|)
  int minres_iterations = 0, rotation_iterations = 0;
  bool converged = false;  ///< both the factoring and the rotation converged
};

/**
 * @brief Omega of a k x k correlation matrix (psych::omega with fm = "minres", rotate = "oblimin").
 * @param keys empty, or +1 / -1 per item (reverse-keyed items; flip is then off).
 * @throws input_error for a matrix that is not a finite symmetric correlation matrix;
 *   config_error for nfactors outside [1, k-1] or keys other than +-1.
 */
OmegaResult omega(const Eigen::MatrixXd& correlation, const OmegaConfig& config = {},
                  const Eigen::VectorXd& keys = Eigen::VectorXd());

/**
 * @brief Omega from a given k x m oblique pattern and m x m factor correlations
 * (psych::omega(loadings, Phi = phi)); the implied correlations are L Phi L' with a unit diagonal.
 */
OmegaResult omega_from_loadings(const Eigen::MatrixXd& loadings, const Eigen::MatrixXd& phi,
                                const OmegaConfig& config = {});

}  // namespace servscore
