/**
 * @file pls.hpp
 * @brief Customer-satisfaction indices (ACSI / ECSI / CCSI) by PLS path modelling.
 *
 * Fornell et al. (1996) J. Marketing 60(4); Tenenhaus, Esposito Vinzi, Chatelin &
 * Lauro (2005) CSDA 48; GB/T 19038-2009. Lohmöller's PLS algorithm as in R plspm:
 * the data are centred (and scaled when `PlsConfig::scaled`), outer weights start
 * at 1 per block, inner weights follow the centroid, factorial or path scheme,
 * Mode A weights are covariances with the inner estimate, Mode B weights are OLS
 * coefficients, and the iteration stops when max |(|w_old| - |w_new|)| < tolerance (1e-10; R plspm's
 * rule sum (|w_old| - |w_new|)^2 < tolerance is `PlsConvergence::plspm`). Reliability and validity
 * follow seminr / cSEM: rho_c, rho_A (Dijkstra & Henseler 2015), HTMT / HTMT2, Fornell-Larcker, VIF,
 * f-squared; `PlsConfig::consistent` applies consistent PLS (PLSc, Dijkstra & Henseler 2015).
 *
 * The whole estimation runs on the p x p moment matrix of the indicators, so the
 * cost is one pass over the records plus O(iterations x p^3): a million rows cost
 * one co-moment pass. The bootstrap resamples records with a per-resample seed, so
 * its results are identical for any number of workers.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "servscore/types.hpp"

namespace servscore {

/** @brief How a block's outer weights are estimated: Mode A (reflective), Mode B (formative). */
enum class PlsMode : std::int8_t { a, b };
/** @brief Inner weighting scheme of the PLS iteration. */
enum class PlsScheme : std::int8_t { centroid, factorial, path };
/** @brief Missing-value policy: replace by the column mean, or drop incomplete records. */
enum class PlsMissing : std::int8_t { mean, listwise };
/**
 * @brief Stopping rule of the PLS iteration: `max_abs`, max_i | |w_old_i| - |w_new_i| | < tolerance
 * (tight, the default); `plspm`, R plspm's sum_i (|w_old_i| - |w_new_i|)^2 < tolerance.
 */
enum class PlsConvergence : std::int8_t { max_abs, plspm };

/** @brief Stable name of a mode ("A", "B"). */
const char* to_string(PlsMode m);
/** @brief Stable name of a scheme ("centroid", "factorial", "path"). */
const char* to_string(PlsScheme s);
/** @brief Stable name of a missing-value policy ("mean", "listwise"). */
const char* to_string(PlsMissing m);
/** @brief Stable name of a stopping rule ("max_abs", "plspm"). */
const char* to_string(PlsConvergence c);
/** @brief Parse "A"/"B" (any case, also "reflective"/"formative"); config_error otherwise. */
PlsMode parse_pls_mode(std::string_view name);
/** @brief Parse a scheme name (any case); config_error listing the valid names otherwise. */
PlsScheme parse_pls_scheme(std::string_view name);
/** @brief Parse a missing-value policy (any case); config_error listing the valid names otherwise. */
PlsMissing parse_pls_missing(std::string_view name);
/** @brief Parse a stopping rule (any case); config_error listing the valid names otherwise. */
PlsConvergence parse_pls_convergence(std::string_view name);

/** @brief One measurement block: a latent variable, its indicator columns and its mode. */
struct PlsBlock {
  std::string name;                     ///< latent variable name
  std::vector<std::string> indicators;  ///< indicator column names (at least one)
  PlsMode mode = PlsMode::a;            ///< outer estimation mode
  bool operator==(const PlsBlock& o) const { return name == o.name && indicators == o.indicators && mode == o.mode; }
};

/** @brief One structural path `from -> to` between latent variables. */
struct PlsPath {
  std::string from;  ///< predecessor (cause)
  std::string to;    ///< successor (effect)
  bool operator==(const PlsPath& o) const { return from == o.from && to == o.to; }
};

/**
 * @brief A PLS path model: measurement blocks and structural paths.
 *
 * JSON: `{"blocks": [{"name": "IMAG", "indicators": ["imag1", ...], "mode": "A"}, ...],
 * "paths": [{"from": "IMAG", "to": "EXPE"}, ...]}`.
 */
struct PlsModel {
  std::vector<PlsBlock> blocks;  ///< latent variables, in result order
  std::vector<PlsPath> paths;    ///< structural paths

  /**
   * @brief Throw `config_error` for an empty model, an empty block, a duplicate latent
   * or indicator, a path naming an unknown latent, a self-loop or duplicate path, a
   * latent connected to no other, or a cycle (the paths must form a DAG).
   */
  void validate() const;
  /** @brief Index of the latent named `name`, or -1. */
  int index_of(std::string_view name) const;
  /** @brief Every indicator name, block by block: the column order of `PlsResult`. */
  std::vector<std::string> indicators() const;
  bool operator==(const PlsModel& o) const { return blocks == o.blocks && paths == o.paths; }
};

/** @brief Parse a model from JSON (see `PlsModel`); validated. */
PlsModel pls_model_from_json(std::string_view json);
/** @brief Serialise a model as JSON. */
std::string to_json(const PlsModel& model);

/** @brief Options of the PLS estimation. Every member has a documented default. */
struct PlsConfig {
  PlsScheme scheme = PlsScheme::centroid;  ///< inner weighting scheme
  bool scaled = true;                      ///< standardise indicators (population sd); false: centre only
  double tolerance = 1e-10;                ///< stopping threshold of `convergence`
  /// stopping rule; `plspm` with tolerance 1e-6 reproduces R plspm (and its published figures)
  PlsConvergence convergence = PlsConvergence::max_abs;
  int max_iter = 300;                     ///< iteration limit; reaching it is reported (converged = false)
  PlsMissing missing = PlsMissing::mean;  ///< missing-value policy
  /// Compute the 0-100 indices and IPMA; needs every value inside [scale_min, scale_max].
  bool indices = true;
  double scale_min = 1.0;    ///< theoretical minimum of the rating scale (ECSI/ACSI: 1)
  double scale_max = 10.0;   ///< theoretical maximum of the rating scale (ECSI/ACSI: 10)
  std::string ipma_target;   ///< IPMA target latent; empty: the last latent without successors
  int bootstrap = 0;         ///< bootstrap resamples (0: none)
  std::uint64_t seed = 0;    ///< bootstrap seed
  double confidence = 0.95;  ///< percentile-interval coverage
  /// warn (naming the constructs) when an inner predictor's or a Mode B indicator's VIF exceeds this
  double vif_limit = 5.0;
  /// consistent PLS (PLSc): correct Mode A blocks of >= 2 indicators (common factors) with rho_A
  bool consistent = false;
  /// PLSc: Mode A blocks that are composites, not common factors (left uncorrected, as Mode B blocks)
  std::vector<std::string> composites;
  /// base of the logarithm in d_G (10, as cSEM and ADANCO; e for the natural log of Dijkstra & Henseler 2015)
  double dg_log_base = 10.0;

  /** @brief Throw `config_error` naming the key when a value is invalid. */
  void validate() const;
  bool operator==(const PlsConfig& o) const;
};

/** @brief Parse options from JSON: starts from the defaults, rejects unknown keys. */
PlsConfig pls_config_from_json(std::string_view json);
/** @brief Serialise every option as JSON. */
std::string to_json(const PlsConfig& config);

/** @brief Kind of a bootstrapped statistic. */
enum class PlsStat : std::int8_t { weight, loading, path, total, r2 };
/** @brief Stable name of a statistic kind. */
const char* to_string(PlsStat s);

/**
 * @brief Bootstrap summary, one entry per statistic: outer weights and loadings
 * (per indicator), paths (per structural path), total effects (per ordered pair
 * of latents joined by a directed path), R2 (per endogenous latent).
 *
 * Sign handling: in each resample a block whose outer weights point away from the
 * original ones (negative inner product) has its sign flipped before statistics
 * are taken ("construct-level sign change"). Resamples that fail (an indicator or
 * latent without variance, a singular Mode B block or regression, no convergence)
 * are skipped and counted in `failed`.
 */
struct PlsBootstrap {
  int requested = 0;          ///< resamples asked for
  int succeeded = 0;          ///< resamples used
  int failed = 0;             ///< resamples skipped
  double confidence = 0.95;   ///< interval coverage
  std::vector<PlsStat> kind;  ///< kind of each statistic
  std::vector<int> first;     ///< indicator index (weight, loading) or `from` latent (path, total), or latent (r2)
  std::vector<int> second;    ///< latent of the indicator (weight, loading) or `to` latent (path, total, r2)
  Eigen::VectorXd original;   ///< estimate on the full sample
  Eigen::VectorXd mean;       ///< bootstrap mean
  Eigen::VectorXd se;         ///< bootstrap standard error (sd, divisor B-1)
  Eigen::VectorXd t;          ///< original / se; +-inf when se is 0 to rounding (a statistic fixed by construction)
  Eigen::VectorXd lower;      ///< percentile interval, lower end (type-7 quantile)
  Eigen::VectorXd upper;      ///< percentile interval, upper end
  RowMatrixXd samples;        ///< succeeded x statistics: every resample's estimates
};

/** @brief Everything a PLS fit estimates. p = indicators, J = latents, n = records. */
struct PlsResult {
  std::vector<std::string> latents;     ///< J latent names (block order)
  std::vector<std::string> indicators;  ///< p indicator names (block by block)
  std::vector<int> block_of;            ///< p: latent index of each indicator
  std::vector<PlsMode> modes;           ///< J modes
  Eigen::MatrixXi adjacency;            ///< J x J: adjacency(to, from) = 1 for a path from -> to

  // outer model
  Eigen::VectorXd weights;         ///< p standardised outer weights (latent scores have unit variance)
  Eigen::VectorXd loadings;        ///< p correlations of each indicator with its latent
  Eigen::VectorXd communalities;   ///< p squared loadings
  Eigen::VectorXd redundancies;    ///< p communality x R2 of the latent (0 for exogenous)
  Eigen::MatrixXd cross_loadings;  ///< p x J correlations of every indicator with every latent

  // inner model
  Eigen::MatrixXd paths;    ///< J x J path coefficients, paths(to, from)
  Eigen::MatrixXd path_se;  ///< J x J OLS standard errors of the paths (0 where no path)
  /// J x J two-sided p-values of the path t values (Student t, n - predecessors - 1 df); NaN where no path
  Eigen::MatrixXd path_p;
  Eigen::VectorXd r2;                   ///< J R2 (0 for exogenous)
  Eigen::VectorXd r2_adj;               ///< J adjusted R2 (0 for exogenous)
  Eigen::MatrixXd indirect;             ///< J x J indirect effects, (to, from)
  Eigen::MatrixXd total;                ///< J x J total effects (I - B)^-1 - I, (to, from)
  Eigen::MatrixXd latent_correlations;  ///< J x J
  double gof = 0.0;                     ///< sqrt(mean communality (blocks of > 1 indicator) x mean endogenous R2)

  // block reliability (computed for every block; meaningful for Mode A blocks)
  Eigen::VectorXd alpha;      ///< raw Cronbach alpha (covariances); 1 for a one-indicator block
  Eigen::VectorXd alpha_std;  ///< standardised alpha (correlations); 1 for a one-indicator block
  Eigen::VectorXd rho;        ///< Dillon-Goldstein rho from the first principal component; 1 for one indicator
  /// composite reliability rho_c from the (PLSc: corrected) loadings, as seminr / cSEM; 1 for one indicator
  Eigen::VectorXd rho_c;
  /// rho_A (Dijkstra & Henseler 2015) from the standardised weights and indicator correlations; 1 for one
  Eigen::VectorXd rho_a;
  /// J x J Fornell-Larcker table: sqrt(AVE) on the diagonal, (PLSc: corrected) latent correlations off it
  Eigen::MatrixXd fornell_larcker;
  Eigen::VectorXd ave;   ///< average variance extracted: mean communality of the block
  Eigen::VectorXd eig1;  ///< first eigenvalue of the block's correlation matrix
  Eigen::VectorXd eig2;  ///< second eigenvalue (0 for a one-indicator block)
  /// J x J heterotrait-monotrait ratio of absolute indicator correlations (Henseler et al. 2015); diagonal 1
  Eigen::MatrixXd htmt;
  /// J x J HTMT2: geometric means of the absolute correlations (Roemer, Schuberth & Henseler 2021); diagonal 1
  Eigen::MatrixXd htmt2;

  /// J x J VIF of each predictor among the predecessors of a latent, (to, from); NaN where no path
  Eigen::MatrixXd vif_inner;
  /// p VIF of each indicator on the other indicators of its block (inf when collinear); 1 for one indicator
  Eigen::VectorXd vif_outer;
  /// J x J effect size f2 = (R2 - R2 without the predictor) / (1 - R2), (to, from); NaN where no path
  Eigen::MatrixXd f2;

  // consistent PLS: paths, path_se, path_p, r2, r2_adj, effects, loadings, communalities, redundancies,
  // latent_correlations, rho_c, ave and the VIF / f2 of the inner model are the corrected ones;
  // weights, cross-loadings, scores and indices are those of PLS
  bool consistent = false;    ///< PLSc was applied
  bool inadmissible = false;  ///< PLSc: some rho_A > 1 or <= 0, a corrected correlation or loading > 1 (warned)
  std::vector<int> factors;   ///< PLSc: the latents corrected as common factors

  // overall model fit (cSEM's fit(), calculateSRMR / calculateDL / calculateDG): S = the indicator
  // correlations; implied = Lambda' V Lambda + Theta, Theta = diag(1 - loading^2), with the indicators
  // of a composite block (every block without PLSc; with PLSc the blocks not in `factors`) given
  // their observed within-block correlations. V is the (PLSc: corrected) construct correlation
  // matrix (saturated) or the one the structural model implies (estimated; recursive, diagonal 1).
  Eigen::MatrixXd implied_saturated;  ///< p x p model-implied indicator correlations, saturated model
  Eigen::MatrixXd implied_estimated;  ///< p x p model-implied indicator correlations, estimated model
  double srmr_saturated = 0.0;        ///< SRMR: sqrt(mean over i >= k of (s_ik - sigma_ik)^2), correlations
  double srmr_estimated = 0.0;        ///< SRMR of the estimated model
  double d_uls_saturated = 0.0;       ///< d_ULS: 0.5 sum_ik (s_ik - sigma_ik)^2
  double d_uls_estimated = 0.0;       ///< d_ULS of the estimated model
  /// d_G: 0.5 sum log_b(eigenvalues of S^-1 Sigma)^2, b = `dg_log_base`; NaN (warned) when S or Sigma is not positive
  /// definite
  double d_g_saturated = 0.0;
  double d_g_estimated = 0.0;  ///< d_G of the estimated model
  /// J AIC per endogenous latent, as seminr: n log(SSE / n) + 2 (q + 1), SSE = (1 - R2)(n - 1) from the PLS
  /// scores' R2 on the q predecessors; NaN for exogenous latents
  Eigen::VectorXd aic;
  Eigen::VectorXd bic;  ///< J BIC, as seminr: n log(SSE / n) + (q + 1) log n; NaN for exogenous latents

  Eigen::MatrixXd scores;  ///< n x J standardised latent scores, column-major (NaN rows: records dropped listwise)

  // indices and IPMA (empty when `PlsConfig::indices` is false)
  Eigen::VectorXd index_weights;               ///< p unstandardised outer weights normalised to sum 1 per block
  Eigen::VectorXd index;                       ///< J 0-100 index per latent
  Eigen::MatrixXd index_scores;                ///< n x J 0-100 latent scores per record, column-major
  int ipma_target = -1;                        ///< latent index of the IPMA target
  Eigen::VectorXd ipma_importance;             ///< J unstandardised total effect on the target (0: no effect)
  Eigen::VectorXd ipma_indicator_importance;   ///< p index weight x importance of the indicator's latent
  Eigen::VectorXd ipma_indicator_performance;  ///< p indicator mean on 0-100

  // fit information
  int iterations = 0;                     ///< iterations run
  bool converged = false;                 ///< true when the tolerance was reached within max_iter
  std::int64_t n_records = 0;             ///< records given
  std::int64_t n_used = 0;                ///< records used (all with mean replacement)
  std::int64_t n_missing = 0;             ///< missing (NaN) cells among the model's columns
  std::int64_t n_incomplete = 0;          ///< records with at least one missing cell
  PlsMissing missing = PlsMissing::mean;  ///< policy applied
  Eigen::VectorXd means;                  ///< p indicator means (over the records used, before replacement)
  Eigen::VectorXd sds;                    ///< p population standard deviations (after replacement)
  std::vector<std::string> warnings;      ///< what was done about non-positive index weights, non-convergence

  PlsBootstrap bootstrap;  ///< filled when `PlsConfig::bootstrap` > 0
};

/**
 * @brief Estimate a PLS path model.
 * @param data n records x m columns; NaN = missing.
 * @param columns the m column names of `data`.
 * @param model blocks and paths (validated; a block naming a missing column is a config_error).
 * @param config options (validated).
 * @param workers threads for the moment pass and the bootstrap; <= 0: all. Results do not depend on it.
 * @throws config_error for an invalid model or options; input_error for too few records, a
 *   non-finite value, a column without variance, a value outside the scale (with indices on),
 *   perfectly collinear indicators in a Mode B block or collinear predictors of a latent,
 *   each naming the column, row, value or block.
 */
PlsResult fit_pls(RecordsRef data, const std::vector<std::string>& columns, const PlsModel& model,
                  const PlsConfig& config = {}, int workers = 1);

/**
 * @brief `fit_pls` on columns read in place (no copy of the records): a DataFrame's columns,
 * or any layout described by one view per column.
 * @param data one view per column; each holds `rows` values.
 * @param rows number of records n.
 * @param columns the names of the columns of `data` (same length).
 * The other parameters, the result and the errors are those of `fit_pls`.
 */
PlsResult fit_pls(const std::vector<ColumnView>& data, std::ptrdiff_t rows, const std::vector<std::string>& columns,
                  const PlsModel& model, const PlsConfig& config = {}, int workers = 1);

class Moments;

/**
 * @brief Estimate a PLS path model from a mergeable co-moment state instead of records.
 *
 * Data summarised in chunks, processes or machines (`Moments::update` / `merge`) give the
 * same weights, paths, reliability, HTMT, indices and IPMA as `fit_pls` with listwise
 * deletion on all the records (to rounding). The state must be listwise and carry the
 * indicator names; weighted states use the weight sum as n. Latent scores are not
 * available (`scores` is 0 x J), values are not checked against the scale, and the
 * bootstrap needs the records (`config.bootstrap` must be 0).
 * @throws config_error for a pairwise or unnamed state, a missing variable, bootstrap > 0.
 */
PlsResult fit_pls_moments(const Moments& moments, const PlsModel& model, const PlsConfig& config = {});

}  // namespace servscore
