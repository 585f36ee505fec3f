#include "servscore/omega.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "json_util.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_correlation(const Eigen::MatrixXd& r, const char* what) {
  if (r.rows() != r.cols() || r.rows() < 1)
    throw input_error(std::string(what) + ": expected a square matrix, got " + std::to_string(r.rows()) + " x " +
                      std::to_string(r.cols()));
  for (Eigen::Index i = 0; i < r.rows(); ++i)
    for (Eigen::Index j = 0; j < r.cols(); ++j) {
      if (!std::isfinite(r(i, j)))
        throw input_error(std::string(what) + ": entry (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) +
                          ") is " + detail::format_number(r(i, j)) +
                          "; expected finite correlations (a constant item or too few rows?)");
      if (std::abs(r(i, j) - r(j, i)) > 1e-8 * (1.0 + std::abs(r(i, j))))
        throw input_error(std::string(what) + ": not symmetric at (" + std::to_string(i + 1) + ", " +
                          std::to_string(j + 1) + ")");
    }
}

// Top-m eigen-pairs (descending) of a symmetric matrix.
void top_eigen(const Eigen::MatrixXd& s, int m, Eigen::VectorXd& lam_all, Eigen::MatrixXd& v_all) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(s);
  lam_all = es.eigenvalues().reverse();
  v_all = es.eigenvectors().rowwise().reverse();
  (void)m;
}

// Loadings of a one-factor or m-factor minres solution, signed so that column sums are >= 0.
Eigen::MatrixXd signed_columns(Eigen::MatrixXd l) {
  for (Eigen::Index j = 0; j < l.cols(); ++j)
    if (l.col(j).sum() < 0) l.col(j) = -l.col(j);
  return l;
}
}  // namespace

Eigen::VectorXd smc(const Eigen::MatrixXd& r) {
  const Eigen::Index k = r.rows();
  Eigen::VectorXd out(k);
  if (k == 1) return Eigen::VectorXd::Zero(1);
  Eigen::LLT<Eigen::MatrixXd> llt(r);
  Eigen::MatrixXd inv;
  if (llt.info() == Eigen::Success) {
    inv = llt.solve(Eigen::MatrixXd::Identity(k, k));
  } else {  // pseudo-inverse
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(r);
    Eigen::VectorXd d = es.eigenvalues();
    const double tol = 1e-12 * std::max(1.0, d.cwiseAbs().maxCoeff());
    for (Eigen::Index i = 0; i < k; ++i) d(i) = std::abs(d(i)) > tol ? 1.0 / d(i) : 0.0;
    inv = es.eigenvectors() * d.asDiagonal() * es.eigenvectors().transpose();
  }
  for (Eigen::Index i = 0; i < k; ++i) out(i) = std::clamp(1.0 - 1.0 / (r(i, i) * inv(i, i)), 0.0, 1.0);
  return out;
}

FactorSolution minres(const Eigen::MatrixXd& r, int m, const MinresConfig& cfg) {
  check_correlation(r, "correlation");
  const int k = static_cast<int>(r.rows());
  if (m < 1 || m >= k)
    throw config_error("nfactors: " + std::to_string(m) + " is out of range; expected 1 to " + std::to_string(k - 1) +
                       " for " + std::to_string(k) + " items");
  if (!(cfg.lower > 0 && cfg.lower < cfg.upper))
    throw config_error("minres bounds: expected 0 < lower < upper, got " + detail::format_number(cfg.lower) + ", " +
                       detail::format_number(cfg.upper));
  Eigen::VectorXd psi = (r.diagonal() - smc(r)).cwiseMax(cfg.lower).cwiseMin(cfg.upper);
  Eigen::VectorXd lam;
  Eigen::MatrixXd v;
  auto residual = [&](const Eigen::VectorXd& p, Eigen::VectorXd& g) {
    Eigen::MatrixXd s = r;
    s.diagonal() -= p;
    top_eigen(s, m, lam, v);
    g.resize(k);
    for (int i = 0; i < k; ++i) {
      double h = 0;
      for (int j = 0; j < m; ++j) h += std::max(lam(j), 0.0) * v(i, j) * v(i, j);
      g(i) = r(i, i) - p(i) - h;
    }
  };
  FactorSolution out;
  Eigen::VectorXd g;
  residual(psi, g);
  std::vector<char> active(static_cast<std::size_t>(k), 0);
  auto free_norm = [&](const Eigen::VectorXd& gg, const Eigen::VectorXd& p) {
    double mx = 0;
    for (int i = 0; i < k; ++i) {
      const bool at_low = p(i) <= cfg.lower && gg(i) < 0;  // would want a smaller psi
      const bool at_high = p(i) >= cfg.upper && gg(i) > 0;
      if (!(at_low || at_high)) mx = std::max(mx, std::abs(gg(i)));
    }
    return mx;
  };
  double norm = free_norm(g, psi);
  for (int it = 0; it < cfg.max_iterations && !(norm < cfg.tolerance); ++it) {
    // Jacobian of g: dg/dpsi = -I - dh/dpsi
    Eigen::MatrixXd vm = v.leftCols(m);
    Eigen::MatrixXd p = vm * vm.transpose();
    Eigen::MatrixXd dh = -p.cwiseProduct(p);
    for (int j = 0; j < m; ++j)
      for (int l = m; l < k; ++l) {
        const double den = lam(j) - lam(l);
        if (!(std::abs(den) > 1e-14)) continue;
        const double c = -2.0 * lam(j) / den;
        Eigen::VectorXd w = v.col(j).cwiseProduct(v.col(l));
        dh.noalias() += c * w * w.transpose();
      }
    Eigen::MatrixXd jac = -Eigen::MatrixXd::Identity(k, k) - dh;
    for (int i = 0; i < k; ++i) {
      const bool at_low = psi(i) <= cfg.lower && g(i) < 0;
      const bool at_high = psi(i) >= cfg.upper && g(i) > 0;
      active[static_cast<std::size_t>(i)] = (at_low || at_high) ? 1 : 0;
    }
    std::vector<int> fr;
    for (int i = 0; i < k; ++i)
      if (!active[static_cast<std::size_t>(i)]) fr.push_back(i);
    const int nf = static_cast<int>(fr.size());
    Eigen::MatrixXd jf(nf, nf);
    Eigen::VectorXd gf(nf);
    for (int a = 0; a < nf; ++a) {
      gf(a) = g(fr[static_cast<std::size_t>(a)]);
      for (int b = 0; b < nf; ++b) jf(a, b) = jac(fr[static_cast<std::size_t>(a)], fr[static_cast<std::size_t>(b)]);
    }
    Eigen::VectorXd df = jf.fullPivLu().solve(-gf);
    if (!df.allFinite()) df = gf;  // fixed-point step
    Eigen::VectorXd delta = Eigen::VectorXd::Zero(k);
    for (int a = 0; a < nf; ++a) delta(fr[static_cast<std::size_t>(a)]) = df(a);
    double step = 1.0;
    Eigen::VectorXd trial, gt;
    double nt = norm;
    for (int h = 0; h < 30; ++h) {
      trial = (psi + step * delta).cwiseMax(cfg.lower).cwiseMin(cfg.upper);
      residual(trial, gt);
      nt = free_norm(gt, trial);
      if (nt < norm) break;
      step /= 2;
    }
    out.iterations = it + 1;
    if (!(nt < norm)) {  // no progress: stop at the best point
      residual(psi, g);
      break;
    }
    psi = trial;
    g = gt;
    norm = nt;
  }
  residual(psi, g);
  out.converged = free_norm(g, psi) < std::max(cfg.tolerance, 1e-9);
  out.uniqueness = psi;
  out.loadings.resize(k, m);
  for (int j = 0; j < m; ++j) out.loadings.col(j) = v.col(j) * std::sqrt(std::max(lam(j), 0.0));
  out.communality = out.loadings.rowwise().squaredNorm();
  return out;
}

Eigen::MatrixXd varimax(const Eigen::MatrixXd& loadings, double eps, int max_iterations) {
  const Eigen::Index k = loadings.rows(), m = loadings.cols();
  if (m < 2) return loadings;
  Eigen::VectorXd sc = loadings.rowwise().norm();
  Eigen::MatrixXd x = loadings;
  for (Eigen::Index i = 0; i < k; ++i)
    if (sc(i) > 0) x.row(i) /= sc(i);
  Eigen::MatrixXd tt = Eigen::MatrixXd::Identity(m, m);
  double d = 0;
  for (int it = 0; it < max_iterations; ++it) {
    Eigen::MatrixXd z = x * tt;
    Eigen::RowVectorXd cs = z.array().square().colwise().sum();
    Eigen::MatrixXd b = x.transpose() * (z.array().cube().matrix() - z * cs.asDiagonal() / static_cast<double>(k));
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(b, Eigen::ComputeFullU | Eigen::ComputeFullV);
    tt = svd.matrixU() * svd.matrixV().transpose();
    const double dpast = d;
    d = svd.singularValues().sum();
    if (d < dpast * (1.0 + eps)) break;
  }
  Eigen::MatrixXd z = x * tt;
  for (Eigen::Index i = 0; i < k; ++i) z.row(i) *= sc(i);
  return z;
}

namespace {
// oblimin criterion and its gradient with respect to L
double oblimin_vgq(const Eigen::MatrixXd& l, double gamma, Eigen::MatrixXd& gq) {
  const Eigen::Index k = l.rows(), m = l.cols();
  Eigen::MatrixXd l2 = l.array().square();
  Eigen::MatrixXd off = Eigen::MatrixXd::Ones(m, m) - Eigen::MatrixXd::Identity(m, m);
  Eigen::MatrixXd x = l2 * off;
  if (gamma != 0.0) {
    Eigen::RowVectorXd mean = x.colwise().sum() / static_cast<double>(k);
    x = x.rowwise() - gamma * mean;
  }
  gq = l.cwiseProduct(x);
  return l2.cwiseProduct(x).sum() / 4.0;
}
}  // namespace

ObliqueRotation oblimin(const Eigen::MatrixXd& a, double gamma, double eps, int max_iterations) {
  const Eigen::Index m = a.cols();
  if (m < 2) throw config_error("oblimin: rotation needs at least 2 factors, got " + std::to_string(m));
  if (!(eps > 0)) throw config_error("rotation_eps: expected a positive number, got " + detail::format_number(eps));
  ObliqueRotation out;
  Eigen::MatrixXd t = Eigen::MatrixXd::Identity(m, m);
  double al = 1.0;
  Eigen::MatrixXd l = a * t.inverse().transpose();
  Eigen::MatrixXd gq;
  double f = oblimin_vgq(l, gamma, gq);
  Eigen::MatrixXd g = -(l.transpose() * gq * t.inverse()).transpose();
  double s = 0;
  int iter = 0;
  for (; iter <= max_iterations; ++iter) {
    Eigen::RowVectorXd cs = t.cwiseProduct(g).colwise().sum();
    Eigen::MatrixXd gp = g - t * cs.asDiagonal();
    s = gp.norm();
    if (s < eps) break;
    al *= 2.0;
    Eigen::MatrixXd tt, lt, gqt;
    double ft = f;
    for (int i = 0; i <= 10; ++i) {
      Eigen::MatrixXd x = t - al * gp;
      Eigen::RowVectorXd v = x.colwise().norm().cwiseInverse();
      tt = x * v.asDiagonal();
      lt = a * tt.inverse().transpose();
      ft = oblimin_vgq(lt, gamma, gqt);
      if (f - ft > 0.5 * s * s * al) break;
      al /= 2.0;
    }
    t = tt;
    f = ft;
    l = lt;
    g = -(l.transpose() * gqt * tt.inverse()).transpose();
  }
  out.converged = s < eps;
  out.iterations = std::min(iter, max_iterations);
  out.loadings = l;
  out.phi = t.transpose() * t;
  out.rotation = t;
  return out;
}

namespace {
// General loadings of the m group factors from their correlations (psych's schmid).
Eigen::VectorXd general_of_factors(const Eigen::MatrixXd& phi, const MinresConfig& mc) {
  const Eigen::Index m = phi.rows();
  Eigen::VectorXd gl(m);
  if (m == 1) {
    gl(0) = 1.0;
  } else if (m == 2) {  // psych's option "equal"
    gl(0) = std::sqrt(std::abs(phi(0, 1)));
    gl(1) = (phi(0, 1) < 0 ? -1.0 : 1.0) * std::sqrt(std::abs(phi(0, 1)));
  } else {
    gl = signed_columns(minres(phi, 1, mc).loadings).col(0);
  }
  return gl;
}

// Schmid-Leiman, flip, omegas (psych's schmid + omegah) from the pattern, phi, the communalities and
// the correlation matrix whose sums define the omegas.
OmegaResult schmid_leiman(const Eigen::MatrixXd& fload, const Eigen::MatrixXd& phi, const Eigen::VectorXd& h2,
                          Eigen::MatrixXd rmat, const OmegaConfig& cfg, const Eigen::VectorXd& keys) {
  const Eigen::Index k = fload.rows(), m = fload.cols();
  OmegaResult r;
  r.k = static_cast<int>(k);
  r.nfactors = static_cast<int>(m);
  r.oblique = fload;
  r.phi = phi;
  r.gloading = general_of_factors(phi, cfg.minres);
  Eigen::VectorXd gp = fload * r.gloading;
  r.h2 = h2;
  r.u2 = Eigen::VectorXd::Ones(k) - h2;
  r.p2 = gp.array().square() / h2.array();
  r.sl.resize(k, 1 + m);
  r.sl.col(0) = gp;
  for (Eigen::Index j = 0; j < m; ++j)
    for (Eigen::Index i = 0; i < k; ++i) {
      const double f = fload(i, j);
      const double u = std::max(0.0, f * f * (1.0 - r.gloading(j) * r.gloading(j)));
      r.sl(i, 1 + j) = (f > 0 ? 1.0 : (f < 0 ? -1.0 : 0.0)) * std::sqrt(u);
    }
  if (m == 1) r.sl.col(1).setZero();
  r.keys = Eigen::VectorXd::Ones(k);
  if (keys.size() == k) {
    r.keys = keys;
  } else if (cfg.flip) {
    for (Eigen::Index i = 0; i < k; ++i) r.keys(i) = gp(i) < 0 ? -1.0 : 1.0;
    rmat = r.keys.asDiagonal() * rmat * r.keys.asDiagonal();
    r.sl = r.keys.asDiagonal() * r.sl;
  }
  const double vt = rmat.sum(), vitem = rmat.trace();
  const double gsq = r.sl.col(0).sum() * r.sl.col(0).sum();
  const double uniq = r.u2.sum();
  r.omega_total = (vt - uniq) / vt;
  r.omega_limit = gsq / (vt - uniq);
  r.omega_h = gsq / vt;
  r.alpha = (vt - vitem) / vt * static_cast<double>(k) / static_cast<double>(k - 1);
  r.lambda6 = (vt + smc(rmat).sum() - vitem) / vt;
  Eigen::RowVectorXd ev = r.sl.array().square().colwise().sum();
  r.ecv = ev(0) / ev.sum();
  r.group_of_item.resize(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    Eigen::Index best = 0;
    for (Eigen::Index j = 1; j < m; ++j)
      if (std::abs(r.sl(i, 1 + j)) > std::abs(r.sl(i, 1 + best))) best = j;
    r.group_of_item(i) = static_cast<int>(best);
  }
  r.group_total = r.group_general = r.group_group = Eigen::VectorXd::Constant(1 + m, kNaN);
  double grs = 0;
  for (Eigen::Index j = 0; j < m; ++j) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index i = 0; i < k; ++i)
      if (r.group_of_item(i) == j) idx.push_back(i);
    if (idx.empty()) continue;
    double vgr = 0, gr = 0, gg = 0;
    for (auto a : idx) {
      gr += r.sl(a, 1 + j);
      gg += r.sl(a, 0);
      for (auto b : idx) vgr += rmat(a, b);
    }
    grs += gr * gr;
    r.group_group(1 + j) = gr * gr / vgr;
    r.group_general(1 + j) = gg * gg / vgr;
    r.group_total(1 + j) = (gr * gr + gg * gg) / vgr;
  }
  r.group_general(0) = r.omega_h;
  r.group_group(0) = grs / vt;
  r.group_total(0) = r.omega_total;
  return r;
}

Eigen::VectorXd check_keys(const Eigen::VectorXd& keys, Eigen::Index k) {
  if (keys.size() == 0) return keys;
  if (keys.size() != k)
    throw config_error("keys: expected " + std::to_string(k) + " keys (+1 or -1), got " + std::to_string(keys.size()));
  for (Eigen::Index i = 0; i < k; ++i)
    if (keys(i) != 1.0 && keys(i) != -1.0)
      throw config_error("keys: item " + std::to_string(i + 1) + " has key " + detail::format_number(keys(i)) +
                         "; expected 1 or -1");
  return keys;
}
}  // namespace

OmegaResult omega(const Eigen::MatrixXd& correlation, const OmegaConfig& cfg, const Eigen::VectorXd& keys_in) {
  check_correlation(correlation, "correlation");
  const Eigen::Index k = correlation.rows();
  if (k < 2) throw input_error("items: omega needs at least 2 items, got " + std::to_string(k));
  const Eigen::VectorXd keys = check_keys(keys_in, k);
  // cov2cor, then the keys
  Eigen::VectorXd d = correlation.diagonal();
  for (Eigen::Index i = 0; i < k; ++i)
    if (!(d(i) > 0))
      throw input_error("correlation: item " + std::to_string(i + 1) + " has variance " + detail::format_number(d(i)) +
                        "; expected a positive diagonal (a constant item?)");
  Eigen::VectorXd is = d.cwiseSqrt().cwiseInverse();
  Eigen::MatrixXd r = is.asDiagonal() * correlation * is.asDiagonal();
  if (keys.size() == k) r = keys.asDiagonal() * r * keys.asDiagonal();
  const int m = cfg.nfactors;
  if (m < 1 || m >= k)
    throw config_error("nfactors: " + std::to_string(m) + " is out of range; expected 1 to " + std::to_string(k - 1) +
                       " for " + std::to_string(k) + " items");
  FactorSolution fs = minres(r, m, cfg.minres);
  Eigen::MatrixXd orth = varimax(fs.loadings, cfg.varimax_eps);
  orth = signed_columns(orth);
  {  // order by sums of squares, decreasing (psych's fa)
    Eigen::RowVectorXd ss = orth.array().square().colwise().sum();
    std::vector<Eigen::Index> ord(static_cast<std::size_t>(m));
    std::iota(ord.begin(), ord.end(), Eigen::Index{0});
    std::stable_sort(ord.begin(), ord.end(), [&](Eigen::Index a, Eigen::Index b) { return ss(a) > ss(b); });
    Eigen::MatrixXd o(k, m);
    for (int j = 0; j < m; ++j) o.col(j) = orth.col(ord[static_cast<std::size_t>(j)]);
    orth = o;
  }
  Eigen::MatrixXd fload, phi;
  int rot_it = 0;
  bool rot_ok = true;
  if (m == 1) {
    fload = orth;
    phi = Eigen::MatrixXd::Ones(1, 1);
  } else {
    ObliqueRotation ob = oblimin(orth, cfg.gamma, cfg.rotation_eps, cfg.rotation_max_iterations);
    fload = ob.loadings;
    phi = ob.phi;
    rot_it = ob.iterations;
    rot_ok = ob.converged;
  }
  OmegaResult out = schmid_leiman(fload, phi, orth.rowwise().squaredNorm(), r, cfg, keys);
  if (keys.size() == k) out.keys = keys;
  out.orthogonal = orth;
  out.minres_iterations = fs.iterations;
  out.rotation_iterations = rot_it;
  out.converged = fs.converged && rot_ok;
  return out;
}

OmegaResult omega_from_loadings(const Eigen::MatrixXd& loadings, const Eigen::MatrixXd& phi, const OmegaConfig& cfg) {
  const Eigen::Index k = loadings.rows(), m = loadings.cols();
  if (k < 2 || m < 1) throw input_error("loadings: expected a k x m matrix with k >= 2 items and m >= 1 factors");
  if (!loadings.allFinite()) throw input_error("loadings: expected finite loadings");
  if (phi.rows() != m || phi.cols() != m)
    throw input_error("phi: expected a " + std::to_string(m) + " x " + std::to_string(m) +
                      " factor correlation matrix, got " + std::to_string(phi.rows()) + " x " +
                      std::to_string(phi.cols()));
  check_correlation(phi, "phi");
  Eigen::MatrixXd implied = loadings * phi * loadings.transpose();  // the implied correlations, diagonal 1
  Eigen::VectorXd h2 = implied.diagonal();
  implied.diagonal().setOnes();
  OmegaResult out = schmid_leiman(loadings, phi, h2, implied, cfg, Eigen::VectorXd());
  out.converged = true;
  return out;
}

}  // namespace servscore
