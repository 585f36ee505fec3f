// Agreement between raters: ICC, Cohen's kappa, Fleiss' kappa, Krippendorff's alpha (see agreement.hpp).
#include "servscore/agreement.hpp"

#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "servscore/errors.hpp"
#include "servscore/stats.hpp"

namespace servscore {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kMaxCategories = 1 << 16;  // a categorical state holds at most 65,536 labels
constexpr std::int64_t kMaxRaters = 1 << 20;

// ---- byte images: little-endian fields (the host order of every supported platform)
template <class T>
void put(std::string& s, const T& v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
void put_array(std::string& s, const T* p, std::size_t n) {
  if (n) s.append(reinterpret_cast<const char*>(p), n * sizeof(T));
}

struct Reader {
  std::string_view b;
  std::size_t pos = 0;
  std::string what;
  std::size_t left() const { return b.size() - pos; }
  template <class T>
  void get(T* out, std::size_t n = 1) {
    if (n > left() / sizeof(T))
      throw input_error(what + ".from_bytes: the image is truncated (" + std::to_string(b.size()) + " bytes)");
    if (n) std::memcpy(out, b.data() + pos, n * sizeof(T));
    pos += n * sizeof(T);
  }
  void magic(const char (&m)[9]) {
    if (b.size() < 8 || std::memcmp(b.data(), m, 8) != 0)
      throw input_error(what + ".from_bytes: not a servscore " + what + " image (bad header; expected " +
                        std::string(m, 8) + ")");
    pos = 8;
  }
  void expect(std::size_t bytes) const {
    if (left() != bytes)
      throw input_error(what + ".from_bytes: the image is " + (left() < bytes ? "truncated" : "longer than declared") +
                        ": the header declares " + std::to_string(bytes) + " bytes of data but the image has " +
                        std::to_string(left()));
  }
};

void put_categories(std::string& s, const Categories& c) {
  put(s, static_cast<std::uint32_t>(c.size()));
  for (const auto& l : c.labels()) {
    put(s, static_cast<std::uint32_t>(l.size()));
    s.append(l);
  }
}

Categories get_categories(Reader& rd) {
  std::uint32_t k = 0;
  rd.get(&k);
  if (k > kMaxCategories || k > rd.left() / 4)
    throw input_error(rd.what + ".from_bytes: corrupt header (" + std::to_string(k) + " categories)");
  Categories c;
  for (std::uint32_t i = 0; i < k; ++i) {
    std::uint32_t len = 0;
    rd.get(&len);
    if (len > rd.left())
      throw input_error(rd.what + ".from_bytes: category " + std::to_string(i) + " declares " + std::to_string(len) +
                        " bytes; the image is truncated");
    std::string label(rd.b.substr(rd.pos, len));
    rd.pos += len;
    if (c.add(label) != static_cast<int>(i))
      throw input_error(rd.what + ".from_bytes: category '" + label + "' appears twice; the image is corrupt");
  }
  return c;
}

void check_counts(const std::int64_t* p, std::size_t n, const std::string& what) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] > (std::int64_t{1} << 62))
      throw input_error(what + ".from_bytes: count " + std::to_string(p[i]) + " at cell " + std::to_string(i) +
                        " is outside [0, 2^62]; the image is corrupt");
}

std::int64_t add_count(std::int64_t a, std::int64_t b, const char* what) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out) || out > (std::int64_t{1} << 62))
    throw input_error(std::string(what) + ": the merged count exceeds 2^62");
  return out;
}

// grow a square matrix (or a matrix's columns) to k, new cells zero
template <class M>
void grow_square(M& m, int k) {
  const auto old = m.rows();
  if (old == k) return;
  m.conservativeResize(k, k);
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j)
      if (i >= old || j >= old) m(i, j) = 0;
}

template <class M>
void grow_columns(M& m, Eigen::Index rows, int k) {
  const auto old_c = m.cols();
  const auto old_r = m.rows();
  m.conservativeResize(rows, k);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < k; ++j)
      if (i >= old_r || j >= old_c) m(i, j) = 0;
}

std::vector<int> map_codes(Categories& cats, const std::vector<std::string>& labels) {
  return cats.absorb(labels);
}

int code_of(std::int32_t c, const std::vector<int>& map, std::ptrdiff_t row, const char* what) {
  if (c < -1 || c >= static_cast<std::int32_t>(map.size()))
    throw input_error(std::string(what) + ": code " + std::to_string(c) + " at row " + std::to_string(row + 1) +
                      " is outside [-1, " + std::to_string(map.size()) + ")");
  return c < 0 ? -1 : map[static_cast<std::size_t>(c)];
}

// Boost.Math throws when a series does not converge (degrees of freedom such as 1e-300 from a
// degenerate design or a hostile state): the p-value or the interval bound is then NaN, not an
// escaping std::runtime_error.
double f_upper(double f, double d1, double d2) {
  if (!(std::isfinite(f) && d1 > 0 && d2 > 0)) return kNaN;
  if (f <= 0) return 1.0;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::fisher_f_distribution<double>(d1, d2), f));
  } catch (const std::exception&) {  // boost::math::evaluation_error, std::overflow_error
    return kNaN;
  }
}

double f_quantile(double q, double d1, double d2) {
  if (!(d1 > 0 && d2 > 0 && std::isfinite(d1) && std::isfinite(d2))) return kNaN;
  try {
    return boost::math::quantile(boost::math::fisher_f_distribution<double>(d1, d2), q);
  } catch (const std::exception&) {  // boost::math::evaluation_error, std::overflow_error
    return kNaN;
  }
}

double two_sided_p(double z) {
  return std::isfinite(z) ? std::erfc(std::fabs(z) / std::sqrt(2.0)) : kNaN;
}

void check_level(double level) {
  if (!(level > 0 && level < 1))
    throw config_error("level: " + std::to_string(level) + " is out of range; expected a number in (0, 1)");
}

}  // namespace

// ------------------------------------------------------------------------------ Categories

int Categories::add(const std::string& label) {
  auto it = index_.find(label);
  if (it != index_.end()) return it->second;
  if (static_cast<std::int64_t>(labels_.size()) >= kMaxCategories)
    throw input_error("categories: more than 65536 distinct categories; expected category labels");
  const int code = static_cast<int>(labels_.size());
  labels_.push_back(label);
  index_.emplace(label, code);
  return code;
}

std::vector<int> Categories::absorb(const std::vector<std::string>& other) {
  std::vector<int> map(other.size());
  for (std::size_t i = 0; i < other.size(); ++i) map[i] = add(other[i]);
  return map;
}

// ------------------------------------------------------------------------------------- ICC

IccState IccState::zeros(int k) {
  if (k < 2 || k > kMaxRaters)
    throw input_error("icc: " + std::to_string(k) + " rater column(s); expected at least 2 raters");
  IccState s;
  s.k = k;
  s.rater_mean = Eigen::VectorXd::Zero(k);
  s.rater_m2 = Eigen::VectorXd::Zero(k);
  return s;
}

IccState& IccState::update(RecordsRef x) {
  if (x.rows() == 0) return *this;
  if (k == 0) *this = zeros(static_cast<int>(x.cols()));
  if (x.cols() != k)
    throw input_error("icc: a batch of " + std::to_string(x.cols()) + " rater columns for a state of " +
                      std::to_string(k) + " raters; pass the same raters in every batch");
  // batch statistics over the complete rows (two passes), then Chan et al.'s merge
  std::vector<Eigen::Index> rows;
  rows.reserve(static_cast<std::size_t>(x.rows()));
  std::int64_t missing = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    bool complete = true;
    for (Eigen::Index j = 0; j < k; ++j) {
      const double v = x(i, j);
      if (std::isnan(v)) {
        complete = false;
      } else if (!std::isfinite(v)) {
        throw input_error("icc: rating " + std::to_string(v) + " at row " + std::to_string(i + 1) + ", rater " +
                          std::to_string(j + 1) + " is not finite; expected a number or NaN (missing)");
      }
    }
    if (complete)
      rows.push_back(i);
    else
      ++missing;
  }
  IccState b = zeros(k);
  b.n = static_cast<std::int64_t>(rows.size());
  b.n_missing = missing;
  if (b.n > 0) {
    double smean = 0;
    for (auto i : rows) {
      b.rater_mean += x.row(i).transpose();
      smean += x.row(i).mean();
    }
    b.rater_mean /= static_cast<double>(b.n);
    smean /= static_cast<double>(b.n);
    double sm2 = 0;
    for (auto i : rows) {
      b.rater_m2 += (x.row(i).transpose() - b.rater_mean).array().square().matrix();
      const double d = x.row(i).mean() - smean;
      sm2 += d * d;
    }
    b.subject_mean = smean;
    b.subject_m2 = sm2;
  }
  return merge(b);
}

IccState& IccState::merge(const IccState& o) {
  if (o.k == 0) return *this;
  if (k == 0) {
    *this = o;
    return *this;
  }
  if (o.k != k)
    throw input_error("merge: an ICC state of " + std::to_string(o.k) + " raters cannot join one of " +
                      std::to_string(k) + " raters");
  n_missing = add_count(n_missing, o.n_missing, "merge");
  if (o.n == 0) return *this;
  if (n == 0) {
    rater_mean = o.rater_mean;
    rater_m2 = o.rater_m2;
    subject_mean = o.subject_mean;
    subject_m2 = o.subject_m2;
    n = o.n;
    return *this;
  }
  const std::int64_t total = add_count(n, o.n, "merge");
  const double na = static_cast<double>(n), nb = static_cast<double>(o.n), nt = static_cast<double>(total);
  const Eigen::VectorXd d = o.rater_mean - rater_mean;
  rater_mean += d * (nb / nt);
  rater_m2 += o.rater_m2 + (d.array().square() * (na * nb / nt)).matrix();
  const double ds = o.subject_mean - subject_mean;
  subject_mean += ds * (nb / nt);
  subject_m2 += o.subject_m2 + ds * ds * (na * nb / nt);
  n = total;
  return *this;
}

std::string IccState::to_bytes() const {
  std::string s("SSICC001", 8);
  put(s, static_cast<std::int32_t>(k));
  put(s, n);
  put(s, n_missing);
  put(s, subject_mean);
  put(s, subject_m2);
  put_array(s, rater_mean.data(), static_cast<std::size_t>(rater_mean.size()));
  put_array(s, rater_m2.data(), static_cast<std::size_t>(rater_m2.size()));
  return s;
}

IccState IccState::from_bytes(std::string_view bytes) {
  Reader rd{bytes, 0, "IccState"};
  rd.magic("SSICC001");
  std::int32_t k = 0;
  std::int64_t n = 0, miss = 0;
  double sm = 0, sm2 = 0;
  rd.get(&k);
  rd.get(&n);
  rd.get(&miss);
  rd.get(&sm);
  rd.get(&sm2);
  if (k != 0 && (k < 2 || k > kMaxRaters))
    throw input_error("IccState.from_bytes: corrupt header (" + std::to_string(k) + " raters)");
  if (n < 0 || miss < 0 || n > (std::int64_t{1} << 62) || miss > (std::int64_t{1} << 62))
    throw input_error("IccState.from_bytes: corrupt counts (n " + std::to_string(n) + ", missing " +
                      std::to_string(miss) + ")");
  rd.expect(16 * static_cast<std::size_t>(k));
  IccState s = k ? zeros(k) : IccState{};
  s.n = n;
  s.n_missing = miss;
  s.subject_mean = sm;
  s.subject_m2 = sm2;
  if (k) {
    rd.get(s.rater_mean.data(), static_cast<std::size_t>(k));
    rd.get(s.rater_m2.data(), static_cast<std::size_t>(k));
  } else if (n || miss) {
    throw input_error("IccState.from_bytes: counts without raters; the image is corrupt");
  }
  bool ok = std::isfinite(sm) && std::isfinite(sm2) && sm2 >= 0 && s.rater_mean.allFinite() && s.rater_m2.allFinite() &&
            (s.rater_m2.array() >= 0).all();
  if (!ok) throw input_error("IccState.from_bytes: a mean or sum of squares is not finite and non-negative");
  return s;
}

IccResult icc(const IccState& s, double level) {
  check_level(level);
  if (s.n < 2)
    throw input_error("icc: " + std::to_string(s.n) + " complete subject(s) (" + std::to_string(s.n_missing) +
                      " left out for a missing rating); expected at least 2");
  IccResult r;
  r.n = s.n;
  r.n_missing = s.n_missing;
  r.k = s.k;
  r.level = level;
  const double n = static_cast<double>(s.n), k = s.k;
  const double ssb = k * s.subject_m2;
  const double ssj = n * (s.rater_mean.array() - s.subject_mean).square().sum();
  const double sse = std::max(0.0, s.rater_m2.sum() - ssb);
  const double msb = ssb / (n - 1), msj = ssj / (k - 1), mse = sse / ((n - 1) * (k - 1));
  const double msw = (ssj + sse) / (n * (k - 1));
  r.ms_subjects = msb;
  r.ms_raters = msj;
  r.ms_error = mse;
  r.ms_within = msw;
  const double a = 1 - level;
  const double icc1 = (msb - msw) / (msb + (k - 1) * msw);
  const double icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n);
  const double icc3 = (msb - mse) / (msb + (k - 1) * mse);
  const double icc1k = (msb - msw) / msb, icc2k = (msb - mse) / (msb + (msj - mse) / n), icc3k = (msb - mse) / msb;
  const double f11 = msb / msw, d11n = n - 1, d11d = n * (k - 1);
  const double f21 = msb / mse, d21n = n - 1, d21d = (n - 1) * (k - 1);
  const double p11 = f_upper(f11, d11n, d11d), p21 = f_upper(f21, d21n, d21d);
  const double f1l = f11 / f_quantile(1 - a / 2, d11n, d11d), f1u = f11 * f_quantile(1 - a / 2, d11d, d11n);
  const double f3l = f21 / f_quantile(1 - a / 2, d21n, d21d), f3u = f21 * f_quantile(1 - a / 2, d21d, d21n);
  // ICC2 interval: Satterthwaite df v of McGraw & Wong (1996), as psych::ICC
  const double fj = msj / mse;
  const double vn = (k - 1) * (n - 1) * std::pow(k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2, 2);
  const double vd = (n - 1) * k * k * icc2 * icc2 * fj * fj + std::pow(n * (1 + (k - 1) * icc2) - k * icc2, 2);
  const double v = vn / vd;
  const double f2u = f_quantile(1 - a / 2, n - 1, v), f2l = f_quantile(1 - a / 2, v, n - 1);
  const double l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb);
  const double u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb);
  r.forms[0] = {"ICC1", icc1, f11, d11n, d11d, p11, (f1l - 1) / (f1l + (k - 1)), (f1u - 1) / (f1u + k - 1)};
  r.forms[1] = {"ICC2", icc2, f21, d21n, d21d, p21, l2, u2};
  r.forms[2] = {"ICC3", icc3, f21, d21n, d21d, p21, (f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)};
  r.forms[3] = {"ICC1k", icc1k, f11, d11n, d11d, p11, 1 - 1 / f1l, 1 - 1 / f1u};
  r.forms[4] = {"ICC2k", icc2k, f21, d21n, d21d, p21, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))};
  r.forms[5] = {"ICC3k", icc3k, f21, d21n, d21d, p21, 1 - 1 / f3l, 1 - 1 / f3u};
  return r;
}

// ----------------------------------------------------------------------------------- kappa

RowMatrixXd kappa_weights(int k, std::string_view kind) {
  if (k < 1) throw input_error("kappa: no category; expected at least one");
  RowMatrixXd w(k, k);
  const double d = k > 1 ? k - 1 : 1;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      const double g = std::abs(i - j);
      if (kind == "unweighted")
        w(i, j) = i == j ? 1.0 : 0.0;
      else if (kind == "linear")
        w(i, j) = 1 - g / d;
      else if (kind == "quadratic")
        w(i, j) = 1 - g * g / (d * d);
      else
        throw config_error("weighting: '" + std::string(kind) +
                           "' is not a weighting; expected 'unweighted', 'linear', 'quadratic' or a k x k matrix");
    }
  return w;
}

KappaResult cohen_kappa(Eigen::Ref<const RowMatrixXd> table, Eigen::Ref<const RowMatrixXd> w, double level,
                        KappaVariance variance, double n_obs) {
  check_level(level);
  const Eigen::Index k = table.rows();
  if (k < 1 || table.cols() != k)
    throw input_error("kappa: the table is " + std::to_string(table.rows()) + " x " + std::to_string(table.cols()) +
                      "; expected a square table of at least one category");
  if (w.rows() != k || w.cols() != k)
    throw input_error("weighting: a " + std::to_string(w.rows()) + " x " + std::to_string(w.cols()) +
                      " weight matrix for " + std::to_string(k) + " categories; expected " + std::to_string(k) + " x " +
                      std::to_string(k));
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j) {
      if (!(std::isfinite(table(i, j)) && table(i, j) >= 0))
        throw input_error("kappa: cell (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) +
                          ") of the table is " + std::to_string(table(i, j)) + "; expected a count >= 0");
      if (!(w(i, j) >= 0 && w(i, j) <= 1) || (i == j && w(i, j) != 1))
        throw input_error("weighting: cell (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) + ") is " +
                          std::to_string(w(i, j)) + "; expected agreement weights in [0, 1] with 1 on the diagonal");
    }
  const double tot = table.sum();
  if (!(tot > 0)) throw input_error("kappa: no rated pair (the table sums to 0); expected at least one subject");
  KappaResult r;
  r.n = n_obs > 0 ? n_obs : tot;
  const RowMatrixXd p = table / tot;
  const Eigen::VectorXd rs = p.rowwise().sum(), cs = p.colwise().sum().transpose();
  const double po = (w.array() * p.array()).sum();
  const double pe = (w.array() * (rs * cs.transpose()).array()).sum();
  r.po = po;
  r.pe = pe;
  r.kappa = (po - pe) / (1 - pe);
  // row i: mean weight of category i of rater 1 against rater 2's marginals, and column j likewise
  const Eigen::VectorXd wi = w * cs;              // sum_j w_ij c_j
  const Eigen::VectorXd wj = w.transpose() * rs;  // sum_i w_ij r_i
  Eigen::VectorXd a = wi, b = wj;
  if (variance == KappaVariance::psych) {
    // psych 2.2.9: colw_i = sum_l w_li c_l, roww_j = r_j sum_l w_jl
    a = w.transpose() * cs;
    b = (rs.array() * w.rowwise().sum().array()).matrix();
  }
  double s = 0, s0 = 0;
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j) {
      const double t = w(i, j) * (1 - pe) - (a(i) + b(j)) * (1 - po);
      s += p(i, j) * t * t;
      const double t0 = w(i, j) - (wi(i) + wj(j));
      s0 += rs(i) * cs(j) * t0 * t0;
    }
  double var = (s - std::pow(po * pe - 2 * pe + po, 2)) / (r.n * std::pow(1 - pe, 4));
  if (var < 0) var = 0;  // rounding of a perfect table (psych sets a negative variance to 0 likewise)
  const double var0 = (s0 - pe * pe) / (r.n * (1 - pe) * (1 - pe));
  r.se = std::sqrt(var);
  const double z = normal_quantile(0.5 + level / 2);
  r.lower = r.kappa - z * r.se;
  r.upper = r.kappa + z * r.se;
  if (r.lower < -1) r.lower = -1, r.clipped = true;
  if (r.upper > 1) r.upper = 1, r.clipped = true;
  r.se0 = var0 >= 0 ? std::sqrt(var0) : kNaN;
  r.z = r.kappa / r.se0;
  r.p = two_sided_p(r.z);
  return r;
}

KappaState& KappaState::update(const std::vector<std::string>& labels, const std::int32_t* r1, const std::int32_t* r2,
                               std::ptrdiff_t n) {
  if (n == 0) return *this;
  const auto map = map_codes(categories, labels);
  const int k = categories.size();
  grow_square(table, k);
  std::int64_t miss = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const int a = code_of(r1[i], map, i, "kappa: rater 1"), b = code_of(r2[i], map, i, "kappa: rater 2");
    if (a < 0 || b < 0)
      ++miss;
    else
      ++table(a, b);
  }
  n_missing = add_count(n_missing, miss, "kappa");
  return *this;
}

KappaState& KappaState::merge(const KappaState& o) {
  const auto map = categories.absorb(o.categories.labels());
  grow_square(table, categories.size());
  for (int i = 0; i < o.categories.size(); ++i)
    for (int j = 0; j < o.categories.size(); ++j)
      table(map[i], map[j]) = add_count(table(map[i], map[j]), o.table(i, j), "merge");
  n_missing = add_count(n_missing, o.n_missing, "merge");
  return *this;
}

std::string KappaState::to_bytes() const {
  std::string s("SSKAPPA1", 8);
  put_categories(s, categories);
  put(s, n_missing);
  put_array(s, table.data(), static_cast<std::size_t>(table.size()));
  return s;
}

KappaState KappaState::from_bytes(std::string_view bytes) {
  Reader rd{bytes, 0, "KappaState"};
  rd.magic("SSKAPPA1");
  KappaState s;
  s.categories = get_categories(rd);
  rd.get(&s.n_missing);
  check_counts(&s.n_missing, 1, "KappaState");
  const auto k = static_cast<std::size_t>(s.categories.size());
  rd.expect(8 * k * k);
  s.table = AgreementCountMatrix::Zero(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  rd.get(s.table.data(), k * k);
  check_counts(s.table.data(), k * k, "KappaState");
  return s;
}

// ---------------------------------------------------------------------------------- Fleiss

FleissState& FleissState::update(const std::vector<std::string>& labels, const std::int32_t* codes, std::ptrdiff_t rows,
                                 int raters) {
  if (rows == 0) return *this;
  if (raters < 2 || raters > kMaxRaters)
    throw input_error("fleiss_kappa: " + std::to_string(raters) + " rater column(s); expected at least 2");
  if (m != 0 && raters != m)
    throw input_error("fleiss_kappa: a batch of " + std::to_string(raters) + " raters for a state of " +
                      std::to_string(m) + " raters; every subject needs the same number of raters");
  const auto map = map_codes(categories, labels);
  const int k = categories.size();
  if (m == 0) {
    m = raters;
    rater_counts = AgreementCountMatrix::Zero(m, 0);
  }
  grow_columns(rater_counts, m, k);
  sq_sum.resize(static_cast<std::size_t>(k), 0);
  std::vector<std::int64_t> row(static_cast<std::size_t>(k));
  std::vector<int> c(static_cast<std::size_t>(m));
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    bool complete = true;
    for (int j = 0; j < m; ++j) {
      c[j] = code_of(codes[i * m + j], map, i, "fleiss_kappa");
      if (c[j] < 0) complete = false;
    }
    if (!complete) {
      ++n_missing;
      continue;
    }
    for (int j = 0; j < m; ++j) {
      ++rater_counts(j, c[j]);
      ++row[static_cast<std::size_t>(c[j])];
    }
    for (int j = 0; j < m; ++j) {
      auto& v = row[static_cast<std::size_t>(c[j])];
      if (v) sq_sum[static_cast<std::size_t>(c[j])] += v * v, v = 0;
    }
    ++n;
  }
  return *this;
}

FleissState& FleissState::merge(const FleissState& o) {
  if (o.m == 0) {
    n_missing = add_count(n_missing, o.n_missing, "merge");
    return *this;
  }
  if (m != 0 && o.m != m)
    throw input_error("merge: a Fleiss state of " + std::to_string(o.m) + " raters cannot join one of " +
                      std::to_string(m) + " raters");
  const auto map = categories.absorb(o.categories.labels());
  if (m == 0) {
    m = o.m;
    rater_counts = AgreementCountMatrix::Zero(m, 0);
  }
  grow_columns(rater_counts, m, categories.size());
  sq_sum.resize(static_cast<std::size_t>(categories.size()), 0);
  for (int c = 0; c < o.categories.size(); ++c) {
    for (int j = 0; j < m; ++j)
      rater_counts(j, map[c]) = add_count(rater_counts(j, map[c]), o.rater_counts(j, c), "merge");
    sq_sum[map[c]] = add_count(sq_sum[map[c]], o.sq_sum[c], "merge");
  }
  n = add_count(n, o.n, "merge");
  n_missing = add_count(n_missing, o.n_missing, "merge");
  return *this;
}

std::string FleissState::to_bytes() const {
  std::string s("SSFLEIS1", 8);
  put_categories(s, categories);
  put(s, static_cast<std::int32_t>(m));
  put(s, n);
  put(s, n_missing);
  put_array(s, rater_counts.data(), static_cast<std::size_t>(rater_counts.size()));
  put_array(s, sq_sum.data(), sq_sum.size());
  return s;
}

FleissState FleissState::from_bytes(std::string_view bytes) {
  Reader rd{bytes, 0, "FleissState"};
  rd.magic("SSFLEIS1");
  FleissState s;
  s.categories = get_categories(rd);
  std::int32_t m = 0;
  rd.get(&m);
  rd.get(&s.n);
  rd.get(&s.n_missing);
  if (m != 0 && (m < 2 || m > kMaxRaters))
    throw input_error("FleissState.from_bytes: corrupt header (" + std::to_string(m) + " raters)");
  check_counts(&s.n, 1, "FleissState");
  check_counts(&s.n_missing, 1, "FleissState");
  const auto k = static_cast<std::size_t>(s.categories.size());
  const std::size_t mm = static_cast<std::size_t>(m);
  if (m == 0 && (k != 0 || s.n != 0))
    throw input_error("FleissState.from_bytes: categories or subjects without raters; the image is corrupt");
  rd.expect(8 * (mm * k + (m ? k : 0)));
  s.m = m;
  s.rater_counts = AgreementCountMatrix::Zero(m, static_cast<Eigen::Index>(k));
  rd.get(s.rater_counts.data(), mm * k);
  if (m) {
    s.sq_sum.resize(k);
    rd.get(s.sq_sum.data(), k);
  }
  check_counts(s.rater_counts.data(), mm * k, "FleissState");
  check_counts(s.sq_sum.data(), s.sq_sum.size(), "FleissState");
  for (int j = 0; j < m; ++j)
    if (s.rater_counts.row(j).sum() != s.n)
      throw input_error("FleissState.from_bytes: rater " + std::to_string(j + 1) + " rated " +
                        std::to_string(s.rater_counts.row(j).sum()) + " subjects, not the " + std::to_string(s.n) +
                        " the header declares; the image is corrupt");
  return s;
}

FleissResult fleiss_kappa(const FleissState& s) {
  if (s.m < 2 || s.n < 1)
    throw input_error("fleiss_kappa: " + std::to_string(s.n) + " complete subject(s) of " + std::to_string(s.m) +
                      " raters (" + std::to_string(s.n_missing) +
                      " left out for a missing rating); expected at least 1 subject and 2 raters");
  FleissResult r;
  r.n = s.n;
  r.n_missing = s.n_missing;
  r.m = s.m;
  const int k = s.categories.size();
  const double n = static_cast<double>(s.n), m = s.m, nm = n * m;
  r.share.resize(k);
  r.category_kappa.resize(k);
  r.category_z.resize(k);
  r.category_p.resize(k);
  double sq = 0, pq = 0, pqqp = 0, popvar = 0;
  for (int c = 0; c < k; ++c) {
    const double t = static_cast<double>(s.rater_counts.col(c).sum());
    const double pj = t / nm, qj = 1 - pj;
    r.share(c) = pj;
    r.pe += pj * pj;
    sq += static_cast<double>(s.sq_sum[static_cast<std::size_t>(c)]);
    pq += pj * qj;
    pqqp += pj * qj * (qj - pj);
    const double pjk = (static_cast<double>(s.sq_sum[static_cast<std::size_t>(c)]) - nm * pj) / (nm * (m - 1) * pj);
    r.category_kappa(c) = (pjk - pj) / (1 - pj);
    // population variance over raters of the share each rater put in category c
    double mean = 0, v = 0;
    for (int j = 0; j < s.m; ++j) mean += static_cast<double>(s.rater_counts(j, c)) / n;
    mean /= m;
    for (int j = 0; j < s.m; ++j) v += std::pow(static_cast<double>(s.rater_counts(j, c)) / n - mean, 2);
    popvar += v / m;
  }
  r.po = (sq - nm) / (nm * (m - 1));
  r.kappa = (r.po - r.pe) / (1 - r.pe);
  const double var0 = 2 / (pq * pq * nm * (m - 1)) * (pq * pq - pqqp);
  r.se0 = std::sqrt(var0);
  r.z = r.kappa / r.se0;
  r.p = two_sided_p(r.z);
  const double pe_exact = r.pe - popvar / (m - 1);
  r.kappa_exact = (r.po - pe_exact) / (1 - pe_exact);
  r.category_se0 = std::sqrt(2 / (nm * (m - 1)));
  for (int c = 0; c < k; ++c) {
    r.category_z(c) = r.category_kappa(c) / r.category_se0;
    r.category_p(c) = two_sided_p(r.category_z(c));
  }
  return r;
}

// ---------------------------------------------------------------------------- Krippendorff

KrippendorffState& KrippendorffState::update(const std::vector<std::string>& labels, const std::int32_t* codes,
                                             std::ptrdiff_t n, int m) {
  if (n == 0) return *this;
  if (m < 1) throw input_error("krippendorff_alpha: no coder column; expected at least 2");
  const auto map = map_codes(categories, labels);
  grow_square(coincidence, categories.size());
  std::vector<std::pair<int, int>> vals;  // (category, count) of one unit
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    vals.clear();
    int mu = 0;
    for (int j = 0; j < m; ++j) {
      const int c = code_of(codes[i * m + j], map, i, "krippendorff_alpha");
      if (c < 0) continue;
      ++mu;
      auto it = std::find_if(vals.begin(), vals.end(), [c](const auto& p) { return p.first == c; });
      if (it == vals.end())
        vals.emplace_back(c, 1);
      else
        ++it->second;
    }
    ++n_units;
    n_missing += m - mu;
    if (mu < 2) continue;
    ++n_pairable;
    n_values += mu;
    const double inv = 1.0 / (mu - 1);
    for (const auto& [c, nc] : vals)
      for (const auto& [d, nd] : vals)
        coincidence(c, d) += (c == d ? static_cast<double>(nc) * (nc - 1) : static_cast<double>(nc) * nd) * inv;
  }
  return *this;
}

KrippendorffState& KrippendorffState::merge(const KrippendorffState& o) {
  const auto map = categories.absorb(o.categories.labels());
  grow_square(coincidence, categories.size());
  for (int i = 0; i < o.categories.size(); ++i)
    for (int j = 0; j < o.categories.size(); ++j) coincidence(map[i], map[j]) += o.coincidence(i, j);
  n_units = add_count(n_units, o.n_units, "merge");
  n_pairable = add_count(n_pairable, o.n_pairable, "merge");
  n_values = add_count(n_values, o.n_values, "merge");
  n_missing = add_count(n_missing, o.n_missing, "merge");
  return *this;
}

std::string KrippendorffState::to_bytes() const {
  std::string s("SSKRIPP1", 8);
  put_categories(s, categories);
  put(s, n_units);
  put(s, n_pairable);
  put(s, n_values);
  put(s, n_missing);
  put_array(s, coincidence.data(), static_cast<std::size_t>(coincidence.size()));
  return s;
}

KrippendorffState KrippendorffState::from_bytes(std::string_view bytes) {
  Reader rd{bytes, 0, "KrippendorffState"};
  rd.magic("SSKRIPP1");
  KrippendorffState s;
  s.categories = get_categories(rd);
  std::int64_t c[4];
  rd.get(c, 4);
  check_counts(c, 4, "KrippendorffState");
  s.n_units = c[0], s.n_pairable = c[1], s.n_values = c[2], s.n_missing = c[3];
  if (s.n_pairable > s.n_units)
    throw input_error("KrippendorffState.from_bytes: more pairable units than units; the image is corrupt");
  const auto k = static_cast<std::size_t>(s.categories.size());
  rd.expect(8 * k * k);
  s.coincidence = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  rd.get(s.coincidence.data(), k * k);
  for (std::size_t i = 0; i < k * k; ++i)
    if (!(std::isfinite(s.coincidence.data()[i]) && s.coincidence.data()[i] >= 0))
      throw input_error("KrippendorffState.from_bytes: coincidence cell " + std::to_string(i) +
                        " is not finite and non-negative; the image is corrupt");
  return s;
}

KrippendorffResult krippendorff_alpha(const Eigen::MatrixXd& o, KrippendorffMetric metric,
                                      Eigen::Ref<const Eigen::VectorXd> values) {
  const Eigen::Index k = o.rows();
  if (o.cols() != k) throw input_error("krippendorff_alpha: the coincidence matrix is not square");
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j)
      if (!(std::isfinite(o(i, j)) && o(i, j) >= 0) || std::fabs(o(i, j) - o(j, i)) > 1e-9 * (1 + std::fabs(o(i, j))))
        throw input_error("krippendorff_alpha: coincidence cell (" + std::to_string(i + 1) + ", " +
                          std::to_string(j + 1) + ") is negative, not finite or not symmetric");
  const bool numeric = metric == KrippendorffMetric::interval || metric == KrippendorffMetric::ratio;
  if (numeric) {
    if (values.size() != k)
      throw input_error("krippendorff_alpha: " + std::to_string(values.size()) + " numeric values for " +
                        std::to_string(k) + " categories; the interval and ratio metrics need numeric ratings");
    for (Eigen::Index i = 0; i < k; ++i)
      if (!std::isfinite(values(i)) || (metric == KrippendorffMetric::ratio && values(i) < 0))
        throw input_error("krippendorff_alpha: value " + std::to_string(values(i)) + " of category " +
                          std::to_string(i + 1) + " is not " +
                          (metric == KrippendorffMetric::ratio ? "a finite number >= 0" : "a finite number") +
                          " (the " + (metric == KrippendorffMetric::ratio ? "ratio" : "interval") + " metric)");
  }
  KrippendorffResult r;
  const Eigen::VectorXd nc = o.rowwise().sum();
  const double nn = nc.sum();
  r.n_values = nn;
  if (nn < 2)
    throw input_error("krippendorff_alpha: fewer than 2 pairable values; expected units rated at least twice");
  double so = 0, se = 0;
  for (Eigen::Index c = 0; c < k; ++c)
    for (Eigen::Index d = c + 1; d < k; ++d) {
      double delta = 1;
      switch (metric) {
        case KrippendorffMetric::nominal:
          break;
        case KrippendorffMetric::ordinal: {
          double s = nc(c) / 2 + nc(d) / 2;
          for (Eigen::Index g = c + 1; g < d; ++g) s += nc(g);
          delta = s * s;
          break;
        }
        case KrippendorffMetric::interval:
          delta = std::pow(values(c) - values(d), 2);
          break;
        case KrippendorffMetric::ratio: {
          const double sum = values(c) + values(d);
          delta = sum > 0 ? std::pow((values(c) - values(d)) / sum, 2) : 0.0;
          break;
        }
      }
      so += o(c, d) * delta;
      se += nc(c) * nc(d) * delta;
    }
  // both sums run over c < d; the full sums are twice these
  r.d_observed = 2 * so / nn;
  r.d_expected = 2 * se / (nn * (nn - 1));
  r.alpha = se > 0 ? 1 - (nn - 1) * so / se : kNaN;
  return r;
}

}  // namespace servscore
