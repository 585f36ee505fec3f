#include "servscore/moments.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "json_util.hpp"
#include "kernels.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

const char* to_string(MissingPolicy policy) {
  return policy == MissingPolicy::pairwise ? "pairwise" : "listwise";
}

MissingPolicy parse_missing_policy(std::string_view name) {
  std::string s(name);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "listwise") return MissingPolicy::listwise;
  if (s == "pairwise") return MissingPolicy::pairwise;
  throw config_error("missing-data policy '" + std::string(name) + "' is not valid; expected 'listwise' or 'pairwise'");
}

namespace {

constexpr std::ptrdiff_t kBlockRows = 1024;    // rows whose moments are computed around their own means
constexpr std::ptrdiff_t kBlocksPerTask = 64;  // blocks merged in order by one worker (fixed: not by workers)

// Moments of one block of rows, in the layout of Moments' matrices.
struct Part {
  MatrixXi64 n;
  Eigen::MatrixXd w, w2, mean, m2, c;
  std::int64_t n_rows = 0, n_dropped = 0;
  VectorXi64 n_missing;

  explicit Part(int p)
      : n(MatrixXi64::Zero(p, p)),
        w(Eigen::MatrixXd::Zero(p, p)),
        w2(Eigen::MatrixXd::Zero(p, p)),
        mean(Eigen::MatrixXd::Zero(p, p)),
        m2(Eigen::MatrixXd::Zero(p, p)),
        c(Eigen::MatrixXd::Zero(p, p)),
        n_missing(VectorXi64::Zero(p)) {}
};

// Chan/Pébay combination of (n, w, w2, mean, m2, c) entry by entry; b into a.
void combine_into(MatrixXi64& n, Eigen::MatrixXd& w, Eigen::MatrixXd& w2, Eigen::MatrixXd& mean, Eigen::MatrixXd& m2,
                  Eigen::MatrixXd& c, const MatrixXi64& nb, const Eigen::MatrixXd& wb, const Eigen::MatrixXd& w2b,
                  const Eigen::MatrixXd& meanb, const Eigen::MatrixXd& m2b, const Eigen::MatrixXd& cb) {
  const Eigen::Index p = n.rows();
  Eigen::MatrixXd d = meanb - mean;
  for (Eigen::Index k = 0; k < p; ++k) {
    for (Eigen::Index j = 0; j < p; ++j) {
      double wa = w(j, k), wbb = wb(j, k);
      n(j, k) += nb(j, k);
      w2(j, k) += w2b(j, k);
      if (wbb == 0.0) continue;
      if (wa == 0.0) {
        w(j, k) = wbb;
        mean(j, k) = meanb(j, k);
        m2(j, k) = m2b(j, k);
        c(j, k) = cb(j, k);
        continue;
      }
      double tot = wa + wbb;
      double f = wa * wbb / tot;
      double dj = d(j, k), dk = d(k, j);
      c(j, k) += cb(j, k) + dj * dk * f;
      m2(j, k) += m2b(j, k) + dj * dj * f;
      mean(j, k) += dj * (wbb / tot);
      w(j, k) = tot;
    }
  }
}

// Values beyond this magnitude are refused: their squares and weighted cross products would
// overflow a double (1e160 squared is inf), and the moments turn into 0 or NaN without a word.
constexpr double kMaxValue = 1e100;
constexpr double kMaxWeight = 1e100;

// True for a number the kernels accept: not NaN, not infinite, |v| <= kMaxValue.
inline bool usable(double v) {
  return std::abs(v) <= kMaxValue;
}

[[noreturn]] void bad_value(std::ptrdiff_t row, std::ptrdiff_t col, double v) {
  if (std::isfinite(v))
    throw input_error("row " + std::to_string(row) + ", column " + std::to_string(col) + ": value " +
                      detail::format_number(v) + " is too large; expected |value| <= 1e100 (its square would " +
                      "overflow a double)");
  throw input_error("row " + std::to_string(row) + ", column " + std::to_string(col) + ": value " +
                    detail::format_number(v) + " is not finite; expected a number or NaN for missing");
}

// ---- fast path: blocks without missing values ------------------------------------------
//
// The block is held transposed (one contiguous column of rows per variable, padded
// with zeros to a multiple of 4), centred on its own means (two passes, the second
// from cache), and C = Y' W Y is formed by a register-tiled kernel: 2 x 4 column pairs
// per tile, four rows per vector (GCC/Clang vector extensions; target_clones adds an
// AVX2 version chosen at run time). Only tiles touching the upper triangle are computed.

typedef double v4d __attribute__((vector_size(32)));

// macros, not functions: a function taking or returning v4d would warn about the AVX ABI
#define SS_LOAD4(dst, src) std::memcpy(&(dst), (src), sizeof(v4d))
#define SS_HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

// gram_upper (kernels.hpp): the register-tiled kernel shared with the PLS co-moment pass
using detail::gram_upper;

// Moments of the r rows held transposed in t (p columns of stride ld >= r4), weights wv (or null).
void dense_part(Part& part, double* t, double* u, const double* wv, int p, std::ptrdiff_t ld, std::ptrdiff_t r) {
  const std::ptrdiff_t r4 = (r + 3) / 4 * 4;
  double wsum = 0, w2sum = 0;
  if (wv) {
    for (std::ptrdiff_t i = 0; i < r; ++i) {
      wsum += wv[i];
      w2sum += wv[i] * wv[i];
    }
  } else {
    wsum = w2sum = static_cast<double>(r);
  }
  part.n.setConstant(r);
  part.w.setConstant(wsum);
  part.w2.setConstant(w2sum);
  if (r == 0 || wsum == 0.0) return;
  Eigen::VectorXd mu(p);
  for (int j = 0; j < p; ++j) {
    double* col = t + static_cast<std::ptrdiff_t>(j) * ld;
    double s = 0;
    if (wv) {
      for (std::ptrdiff_t i = 0; i < r; ++i) s += wv[i] * col[i];
    } else {
      for (std::ptrdiff_t i = 0; i < r; ++i) s += col[i];
    }
    mu(j) = s / wsum;
    for (std::ptrdiff_t i = 0; i < r; ++i) col[i] -= mu(j);
    for (std::ptrdiff_t i = r; i < r4; ++i) col[i] = 0.0;
    if (wv) {
      double* ucol = u + static_cast<std::ptrdiff_t>(j) * ld;
      for (std::ptrdiff_t i = 0; i < r; ++i) ucol[i] = wv[i] * col[i];
      for (std::ptrdiff_t i = r; i < r4; ++i) ucol[i] = 0.0;
    }
  }
  Eigen::MatrixXd cc(p, p);
  gram_upper(t, wv ? u : t, p, ld, r4, cc.data());
  for (int k = 0; k < p; ++k)
    for (int j = k + 1; j < p; ++j) cc(j, k) = cc(k, j);
  part.c = cc;
  part.mean = mu.replicate(1, p);
  part.m2 = cc.diagonal().replicate(1, p);
}

// Unweighted block without missing values, the common case, in one pass over memory:
// 4 x 4 tiles of rows x columns are loaded, checked for NaN/inf, shifted by the block's
// first row and transposed in registers into the column buffer while the column sums
// accumulate; then C = Y'Y - r d d' with d = mean - shift (small, so no cancellation of
// note: the shift is a data point, within a few standard deviations of the mean).
// Returns false, leaving `part` untouched, when the block has a NaN or an infinity.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
bool transpose_shifted(const double* x, std::ptrdiff_t stride, int p, std::ptrdiff_t r, const double* shift, double* t,
                       std::ptrdiff_t ld, double* colsum) {
  typedef long long v4l __attribute__((vector_size(32)));
  const v4d zero = {0, 0, 0, 0};
  const v4d big = zero + kMaxValue;
  v4l bad = {0, 0, 0, 0};
  const int p4 = p / 4 * 4;
  const std::ptrdiff_t r4 = r / 4 * 4;
  for (int j = 0; j < p; ++j) colsum[j] = 0.0;
  for (int j0 = 0; j0 < p4; j0 += 4) {
    v4d sh, acc = zero;
    SS_LOAD4(sh, shift + j0);
    for (std::ptrdiff_t i0 = 0; i0 < r4; i0 += 4) {
      const double* src = x + i0 * stride + j0;
      v4d a, b, c, d;
      SS_LOAD4(a, src);
      SS_LOAD4(b, src + stride);
      SS_LOAD4(c, src + 2 * stride);
      SS_LOAD4(d, src + 3 * stride);
      bad |= ((a - a) != zero) | ((b - b) != zero) | ((c - c) != zero) | ((d - d) != zero);
      bad |= (a > big) | (a < -big) | (b > big) | (b < -big) | (c > big) | (c < -big) | (d > big) | (d < -big);
      a -= sh;
      b -= sh;
      c -= sh;
      d -= sh;
      acc += (a + b) + (c + d);
      SS_TRANSPOSE4(a, b, c, d, c0, c1, c2, c3);
      std::memcpy(t + (j0 + 0) * ld + i0, &c0, sizeof(v4d));
      std::memcpy(t + (j0 + 1) * ld + i0, &c1, sizeof(v4d));
      std::memcpy(t + (j0 + 2) * ld + i0, &c2, sizeof(v4d));
      std::memcpy(t + (j0 + 3) * ld + i0, &c3, sizeof(v4d));
    }
    for (int k = 0; k < 4; ++k) colsum[j0 + k] = acc[k];
  }
  bool scalar_bad = false;
  for (std::ptrdiff_t i = 0; i < r; ++i) {
    const double* row = x + i * stride;
    for (int j = (i < r4 ? p4 : 0); j < p; ++j) {
      double v = row[j];
      scalar_bad |= !usable(v);
      v -= shift[j];
      t[j * ld + i] = v;
      colsum[j] += v;
    }
  }
  bool any = scalar_bad;
  for (int k = 0; k < 4; ++k) any |= bad[k] != 0;
  return !any;
}

// C, means and counts of r rows held shifted and transposed in t (columns of stride ld, zero padded to r4).
void finish_dense(Part& part, const double* t, std::ptrdiff_t ld, std::ptrdiff_t r, std::ptrdiff_t r4, int p,
                  const double* shift, const double* colsum) {
  Eigen::MatrixXd cc(p, p);
  gram_upper(t, t, p, ld, r4, cc.data());
  const double rd = static_cast<double>(r);
  Eigen::VectorXd dm(p), mu(p);
  for (int j = 0; j < p; ++j) {
    dm(j) = colsum[j] / rd;
    mu(j) = shift[j] + dm(j);
  }
  for (int k = 0; k < p; ++k)
    for (int j = 0; j <= k; ++j) {
      double v = cc(j, k) - rd * dm(j) * dm(k);
      cc(j, k) = v;
      cc(k, j) = v;
    }
  for (int j = 0; j < p; ++j) cc(j, j) = std::max(0.0, cc(j, j));
  part.n.setConstant(r);
  part.w.setConstant(rd);
  part.w2.setConstant(rd);
  part.c = cc;
  part.mean = mu.replicate(1, p);
  part.m2 = cc.diagonal().replicate(1, p);
}

bool fast_block(Part& part, RecordsRef x, std::ptrdiff_t b, std::ptrdiff_t e, std::vector<double>& t) {
  const int p = static_cast<int>(x.cols());
  const std::ptrdiff_t r = e - b, r4 = (r + 3) / 4 * 4, ld = r4 + 8;
  t.resize(static_cast<std::size_t>(ld) * static_cast<std::size_t>(p));  // rows [0, r) are written below
  for (int j = 0; j < p; ++j) std::fill(t.data() + j * ld + r, t.data() + (j + 1) * ld, 0.0);
  std::vector<double> shift(x.row(b).data(), x.row(b).data() + p), colsum(static_cast<std::size_t>(p));
  for (double v : shift)
    if (!usable(v)) return false;
  if (!transpose_shifted(x.row(b).data(), x.outerStride(), p, r, shift.data(), t.data(), ld, colsum.data()))
    return false;
  finish_dense(part, t.data(), ld, r, r4, p, shift.data(), colsum.data());
  return true;
}

// Column-major input: each column's rows are contiguous, so they are copied shifted
// (no transposition). False when the block has a NaN or an infinity.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
bool copy_shifted(const double* col, std::ptrdiff_t r, double shift, double* out, double* sum) {
  typedef long long v4l __attribute__((vector_size(32)));
  const v4d zero = {0, 0, 0, 0};
  v4d acc = zero, sh = zero + shift;
  const v4d big = zero + kMaxValue;
  v4l bad = {0, 0, 0, 0};
  const std::ptrdiff_t r4 = r / 4 * 4;
  for (std::ptrdiff_t i = 0; i < r4; i += 4) {
    v4d a;
    SS_LOAD4(a, col + i);
    bad |= ((a - a) != zero) | (a > big) | (a < -big);
    a -= sh;
    acc += a;
    std::memcpy(out + i, &a, sizeof(v4d));
  }
  double s = SS_HSUM(acc);
  bool any = bad[0] | bad[1] | bad[2] | bad[3];
  for (std::ptrdiff_t i = r4; i < r; ++i) {
    double v = col[i];
    any |= !usable(v);
    out[i] = v - shift;
    s += out[i];
  }
  *sum = s;
  return !any;
}

bool fast_block_columns(Part& part, Eigen::Ref<const Eigen::MatrixXd> x, std::ptrdiff_t b, std::ptrdiff_t e,
                        std::vector<double>& t) {
  const int p = static_cast<int>(x.cols());
  const std::ptrdiff_t r = e - b, r4 = (r + 3) / 4 * 4, ld = r4 + 8;
  t.resize(static_cast<std::size_t>(ld) * static_cast<std::size_t>(p));  // rows [0, r) are written below
  std::vector<double> shift(static_cast<std::size_t>(p)), colsum(static_cast<std::size_t>(p));
  for (int j = 0; j < p; ++j) {
    std::fill(t.data() + j * ld + r, t.data() + (j + 1) * ld, 0.0);  // the padding the kernels read
    shift[static_cast<std::size_t>(j)] = x(b, j);
    if (!(x(b, j) - x(b, j) == 0.0)) return false;
    if (!copy_shifted(x.col(j).data() + b, r, shift[static_cast<std::size_t>(j)], t.data() + j * ld, colsum.data() + j))
      return false;
  }
  finish_dense(part, t.data(), ld, r, r4, p, shift.data(), colsum.data());
  return true;
}

// Moments of rows [b, e) of x.
// `off` is added to row numbers in messages (blocks copied from column-major input).
Part block_moments(RecordsRef x, const double* wt, std::ptrdiff_t b, std::ptrdiff_t e, MissingPolicy policy,
                   std::ptrdiff_t off = 0) {
  const int p = static_cast<int>(x.cols());
  Part part(p);
  part.n_rows = e - b;
  if (!wt) {
    thread_local std::vector<double> buffer, rows;
    if (fast_block(part, x, b, e, buffer)) return part;
    if (policy == MissingPolicy::listwise) {
      // compact the complete rows, then the dense kernel
      rows.resize(static_cast<std::size_t>(e - b) * static_cast<std::size_t>(p));
      std::ptrdiff_t r = 0;
      for (std::ptrdiff_t i = b; i < e; ++i) {
        const double* row = x.row(i).data();
        bool complete = true;
        for (int j = 0; j < p; ++j) complete &= usable(row[j]);
        if (complete) {
          std::memcpy(rows.data() + r * p, row, sizeof(double) * static_cast<std::size_t>(p));
          ++r;
          continue;
        }
        for (int j = 0; j < p; ++j) {
          if (std::isnan(row[j]))
            ++part.n_missing(j);
          else if (!usable(row[j]))
            bad_value(i + off, j, row[j]);
        }
        ++part.n_dropped;
      }
      if (r > 0) {
        Eigen::Map<const RowMatrixXd> compact(rows.data(), r, p);
        const bool ok = fast_block(part, compact, 0, r, buffer);
        (void)ok;  // the compacted rows are all finite
      }
      return part;
    }
  }
  // column stride: a multiple of 4 plus one cache line, so the columns do not alias in L1
  const std::ptrdiff_t ld = (e - b + 3) / 4 * 4 + 8;
  if (policy == MissingPolicy::listwise) {
    // gather the complete rows, transposed
    std::vector<double> t(static_cast<std::size_t>(ld) * static_cast<std::size_t>(p));
    std::vector<double> u(wt ? t.size() : 0);
    std::vector<double> wv(wt ? static_cast<std::size_t>(ld) : 0);
    std::ptrdiff_t r = 0;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double* row = x.row(i).data();
      bool complete = true;
      for (int j = 0; j < p; ++j) {
        double v = row[j];
        t[static_cast<std::size_t>(j * ld + r)] = v;
        complete &= usable(v);
      }
      if (!complete) {
        for (int j = 0; j < p; ++j) {
          double v = row[j];
          if (std::isnan(v))
            ++part.n_missing(j);
          else if (!usable(v))
            bad_value(i + off, j, v);
        }
        ++part.n_dropped;
        continue;
      }
      if (wt) wv[static_cast<std::size_t>(r)] = wt[i];
      ++r;
    }
    dense_part(part, t.data(), u.data(), wt ? wv.data() : nullptr, p, ld, r);
    return part;
  }
  {
    // pairwise, but a block without missing values is a listwise block
    bool any_missing = false;
    std::vector<double> t(static_cast<std::size_t>(ld) * static_cast<std::size_t>(p));
    for (std::ptrdiff_t i = b; i < e && !any_missing; ++i) {
      const double* row = x.row(i).data();
      bool ok = true;
      for (int j = 0; j < p; ++j) {
        double v = row[j];
        t[static_cast<std::size_t>(j * ld + (i - b))] = v;
        ok &= usable(v);
      }
      if (!ok) {
        for (int j = 0; j < p; ++j)
          if (!std::isnan(row[j]) && !usable(row[j])) bad_value(i + off, j, row[j]);
        any_missing = true;
      }
    }
    if (!any_missing) {
      std::vector<double> u(wt ? t.size() : 0);
      dense_part(part, t.data(), u.data(), wt ? wt + b : nullptr, p, ld, e - b);
      return part;
    }
  }
  RowMatrixXd y(e - b, p);
  Eigen::VectorXd wv(e - b);
  // pairwise: shift by the block's column means over present values, then raw sums of the
  // shifted values (small, so no cancellation) give each pair's moments.
  Eigen::MatrixXd mask(e - b, p);
  Eigen::VectorXd shift = Eigen::VectorXd::Zero(p);
  Eigen::VectorXd cnt = Eigen::VectorXd::Zero(p);
  std::ptrdiff_t r = 0;
  for (std::ptrdiff_t i = b; i < e; ++i) {
    const double* row = x.row(i).data();
    int present = 0;
    for (int j = 0; j < p; ++j) {
      double v = row[j];
      if (std::isnan(v)) {
        ++part.n_missing(j);
      } else if (!usable(v)) {
        bad_value(i + off, j, v);
      } else {
        ++present;
      }
    }
    if (present == 0) {
      ++part.n_dropped;
      continue;
    }
    for (int j = 0; j < p; ++j) {
      double v = row[j];
      bool ok = !std::isnan(v);
      y(r, j) = ok ? v : 0.0;
      mask(r, j) = ok ? 1.0 : 0.0;
      shift(j) += ok ? v : 0.0;
      cnt(j) += ok ? 1.0 : 0.0;
    }
    wv(r) = wt ? wt[i] : 1.0;
    ++r;
  }
  if (r == 0) return part;
  for (int j = 0; j < p; ++j) shift(j) = cnt(j) > 0 ? shift(j) / cnt(j) : 0.0;
  auto yy = y.topRows(r);
  auto mm = mask.topRows(r);
  auto ww = wv.head(r);
  yy.array() = (yy.array().rowwise() - shift.transpose().array()) * mm.array();
  Eigen::MatrixXd wm = mm.array().colwise() * ww.array();  // w_i m_ij
  Eigen::MatrixXd np = mm.transpose() * mm;
  part.n = np.array().round().cast<std::int64_t>();
  part.w.noalias() = mm.transpose() * wm;
  if (wt) {
    Eigen::MatrixXd w2m = wm.array().colwise() * ww.array();
    part.w2.noalias() = mm.transpose() * w2m;
  } else {
    part.w2 = part.w;
  }
  Eigen::MatrixXd s = yy.transpose() * wm;                            // s(j,k) = sum w y_j m_k
  Eigen::MatrixXd q = yy.array().square().matrix().transpose() * wm;  // sum w y_j^2 m_k
  Eigen::MatrixXd yw = yy.array().colwise() * ww.array();
  Eigen::MatrixXd cy = yy.transpose() * yw;  // sum w y_j y_k (zeros where missing)
  for (int k = 0; k < p; ++k) {
    for (int j = 0; j < p; ++j) {
      double wjk = part.w(j, k);
      if (wjk == 0.0) continue;
      part.mean(j, k) = shift(j) + s(j, k) / wjk;
      part.m2(j, k) = std::max(0.0, q(j, k) - s(j, k) * s(j, k) / wjk);
      part.c(j, k) = cy(j, k) - s(j, k) * s(k, j) / wjk;
    }
  }
  part.c = (part.c + part.c.transpose()) * 0.5;
  for (int j = 0; j < p; ++j) part.c(j, j) = part.m2(j, j);
  return part;
}

void merge_part(Part& a, const Part& b) {
  combine_into(a.n, a.w, a.w2, a.mean, a.m2, a.c, b.n, b.w, b.w2, b.mean, b.m2, b.c);
  a.n_rows += b.n_rows;
  a.n_dropped += b.n_dropped;
  a.n_missing += b.n_missing;
}

// --- serialisation helpers (little-endian hosts: x86-64, arm64) ---
constexpr char kMagic[8] = {'S', 'S', 'M', 'O', 'M', 'N', 'T', '1'};

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str(std::size_t len) {
    need(len);
    std::string v(s_.substr(pos_, len));
    pos_ += len;
    return v;
  }
  void raw(void* dst, std::size_t len) {
    need(len);
    std::memcpy(dst, s_.data() + pos_, len);
    pos_ += len;
  }
  bool done() const { return pos_ == s_.size(); }
  std::size_t remaining() const { return s_.size() - pos_; }

 private:
  void need(std::size_t k) const {
    if (pos_ + k > s_.size())
      throw input_error("Moments.from_bytes: truncated data (" + std::to_string(s_.size()) + " bytes)");
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

Moments::Moments(int p, MissingPolicy policy, std::vector<std::string> names)
    : p_(p), policy_(policy), names_(std::move(names)) {
  if (p < 1) throw input_error("Moments: expected at least 1 variable, got " + std::to_string(p));
  if (!names_.empty() && static_cast<int>(names_.size()) != p)
    throw input_error("Moments: " + std::to_string(names_.size()) + " names given for " + std::to_string(p) +
                      " variables");
  n_missing_ = VectorXi64::Zero(p);
  n_ = MatrixXi64::Zero(p, p);
  w_ = w2_ = mean_ = m2_ = c_ = Eigen::MatrixXd::Zero(p, p);
}

void Moments::combine(const MatrixXi64& n, const Eigen::MatrixXd& w, const Eigen::MatrixXd& w2,
                      const Eigen::MatrixXd& mean, const Eigen::MatrixXd& m2, const Eigen::MatrixXd& c) {
  combine_into(n_, w_, w2_, mean_, m2_, c_, n, w, w2, mean, m2, c);
}

namespace {
// Fixed blocks of rows, merged in order within fixed tasks: the same result for any worker count.
template <class BlockFn>
std::vector<Part> run_blocks(std::ptrdiff_t n, int p, int workers, BlockFn&& block) {
  const std::ptrdiff_t n_blocks = (n + kBlockRows - 1) / kBlockRows;
  const std::ptrdiff_t n_tasks = (n_blocks + kBlocksPerTask - 1) / kBlocksPerTask;
  std::vector<Part> tasks(static_cast<std::size_t>(n_tasks), Part(p));
  detail::parallel_for(n_tasks, workers, 1, [&](std::ptrdiff_t tb, std::ptrdiff_t te, int) {
    for (std::ptrdiff_t t = tb; t < te; ++t) {
      Part& acc = tasks[static_cast<std::size_t>(t)];
      std::ptrdiff_t bb = t * kBlocksPerTask, be = std::min(n_blocks, bb + kBlocksPerTask);
      for (std::ptrdiff_t blk = bb; blk < be; ++blk) {
        detail::check_interrupt();  // Ctrl-C (interrupt.hpp)
        std::ptrdiff_t rb = blk * kBlockRows, re = std::min(n, rb + kBlockRows);
        merge_part(acc, block(rb, re));
      }
    }
  });
  return tasks;
}
}  // namespace

const double* Moments::check_batch(Eigen::Index rows, Eigen::Index cols, Eigen::Ref<const Eigen::VectorXd> weights) {
  if (p_ < 1) throw input_error("Moments.update: the state has no variables; construct it with Moments(p)");
  if (cols != p_)
    throw input_error("Moments.update: expected " + std::to_string(p_) + " columns, got " + std::to_string(cols));
  if (weights.size() == 0) return nullptr;
  if (weights.size() != rows)
    throw input_error("Moments.update: " + std::to_string(weights.size()) + " weights for " + std::to_string(rows) +
                      " rows");
  for (Eigen::Index i = 0; i < rows; ++i)
    if (!(weights(i) >= 0.0 && weights(i) <= kMaxWeight))
      throw input_error("weights: row " + std::to_string(i) + ": value " + detail::format_number(weights(i)) +
                        " is not valid; expected a finite weight in [0, 1e100] (larger weights overflow the " +
                        "weighted sums: rescale them)");
  weighted_ = true;
  return weights.data();
}

void Moments::add_parts(const void* parts_ptr) {
  const auto& tasks = *static_cast<const std::vector<Part>*>(parts_ptr);
  for (const Part& t : tasks) {
    combine(t.n, t.w, t.w2, t.mean, t.m2, t.c);
    n_rows_ += t.n_rows;
    n_dropped_ += t.n_dropped;
    n_missing_ += t.n_missing;
  }
}

Moments& Moments::update(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> weights, int workers) {
  const double* wt = check_batch(x.rows(), x.cols(), weights);
  if (x.rows() == 0) return *this;
  const MissingPolicy policy = policy_;
  auto tasks = run_blocks(x.rows(), p_, workers,
                          [&](std::ptrdiff_t b, std::ptrdiff_t e) { return block_moments(x, wt, b, e, policy); });
  add_parts(&tasks);
  return *this;
}

Moments& Moments::update_columns(Eigen::Ref<const Eigen::MatrixXd> x, Eigen::Ref<const Eigen::VectorXd> weights,
                                 int workers) {
  const double* wt = check_batch(x.rows(), x.cols(), weights);
  if (x.rows() == 0) return *this;
  const MissingPolicy policy = policy_;
  const int p = p_;
  auto tasks = run_blocks(x.rows(), p_, workers, [&](std::ptrdiff_t b, std::ptrdiff_t e) {
    if (!wt) {
      thread_local std::vector<double> buffer;
      Part part(p);
      part.n_rows = e - b;
      if (fast_block_columns(part, x, b, e, buffer)) return part;
    }
    RowMatrixXd rows = x.middleRows(b, e - b);  // a block with missing values: the row-major path
    return block_moments(rows, wt ? wt + b : nullptr, 0, e - b, policy, b);
  });
  add_parts(&tasks);
  return *this;
}

Moments& Moments::merge(const Moments& other) {
  if (other.p_ != p_)
    throw input_error("Moments.merge: " + std::to_string(other.p_) + " variables cannot merge into a state of " +
                      std::to_string(p_));
  if (other.policy_ != policy_)
    throw input_error(std::string("Moments.merge: a ") + to_string(other.policy_) + " state cannot merge into a " +
                      to_string(policy_) + " state");
  if (!names_.empty() && !other.names_.empty() && names_ != other.names_)
    throw input_error("Moments.merge: the variable names differ");
  // Counts of a hostile or corrupt image can be near 2^63: refuse a sum that overflows int64
  // before anything changes (found by the state_bytes fuzz target).
  const auto overflows = [](std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    return __builtin_add_overflow(a, b, &r);
  };
  bool bad = overflows(n_rows_, other.n_rows_) || overflows(n_dropped_, other.n_dropped_);
  for (Eigen::Index i = 0; i < n_.size() && !bad; ++i) bad = overflows(n_.data()[i], other.n_.data()[i]);
  for (Eigen::Index i = 0; i < n_missing_.size() && !bad; ++i)
    bad = overflows(n_missing_.data()[i], other.n_missing_.data()[i]);
  if (bad) throw input_error("Moments.merge: the merged counts would overflow int64; one of the states is corrupt");
  if (names_.empty()) names_ = other.names_;
  combine(other.n_, other.w_, other.w2_, other.mean_, other.m2_, other.c_);
  n_rows_ += other.n_rows_;
  n_dropped_ += other.n_dropped_;
  n_missing_ += other.n_missing_;
  weighted_ = weighted_ || other.weighted_;
  return *this;
}

Eigen::VectorXd Moments::effective_n() const {
  Eigen::VectorXd out(p_);
  for (int j = 0; j < p_; ++j) out(j) = w2_(j, j) > 0 ? w_(j, j) * w_(j, j) / w2_(j, j) : 0.0;
  return out;
}

Eigen::MatrixXd Moments::covariance(double ddof) const {
  Eigen::MatrixXd out(p_, p_);
  for (int k = 0; k < p_; ++k)
    for (int j = 0; j < p_; ++j) {
      double den = w_(j, k) - ddof;
      out(j, k) = den > 0 ? c_(j, k) / den : std::numeric_limits<double>::quiet_NaN();
    }
  return out;
}

Eigen::MatrixXd Moments::correlation() const {
  Eigen::MatrixXd out(p_, p_);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int k = 0; k < p_; ++k)
    for (int j = 0; j < p_; ++j) {
      double a = m2_(j, k), b = m2_(k, j);
      if (n_(j, k) < 2 || !(a > 0) || !(b > 0)) {
        out(j, k) = nan;
      } else if (j == k) {
        out(j, k) = 1.0;
      } else {
        out(j, k) = std::clamp(c_(j, k) / std::sqrt(a * b), -1.0, 1.0);
      }
    }
  return out;
}

Moments Moments::subset(const std::vector<int>& idx) const {
  std::vector<std::string> nm;
  for (int i : idx) {
    if (i < 0 || i >= p_)
      throw input_error("Moments.subset: index " + std::to_string(i) + " is out of range [0, " + std::to_string(p_) +
                        ")");
    if (!names_.empty()) nm.push_back(names_[static_cast<std::size_t>(i)]);
  }
  Moments m(static_cast<int>(idx.size()), policy_, nm);
  m.weighted_ = weighted_;
  m.n_rows_ = n_rows_;
  // listwise: the complete rows of all p variables (the subset was collected from them)
  m.n_dropped_ = n_dropped_;
  const int q = static_cast<int>(idx.size());
  for (int a = 0; a < q; ++a) {
    m.n_missing_(a) = n_missing_(idx[static_cast<std::size_t>(a)]);
    for (int b = 0; b < q; ++b) {
      int j = idx[static_cast<std::size_t>(a)], k = idx[static_cast<std::size_t>(b)];
      m.n_(a, b) = n_(j, k);
      m.w_(a, b) = w_(j, k);
      m.w2_(a, b) = w2_(j, k);
      m.mean_(a, b) = mean_(j, k);
      m.m2_(a, b) = m2_(j, k);
      m.c_(a, b) = c_(j, k);
    }
  }
  return m;
}

std::string Moments::to_bytes() const {
  std::string out(kMagic, sizeof(kMagic));
  put<std::uint32_t>(out, 1u);  // format version
  put<std::int32_t>(out, p_);
  put<std::uint8_t>(out, static_cast<std::uint8_t>(policy_));
  put<std::uint8_t>(out, weighted_ ? 1 : 0);
  put<std::int64_t>(out, n_rows_);
  put<std::int64_t>(out, n_dropped_);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(names_.size()));
  for (const auto& s : names_) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  out.append(reinterpret_cast<const char*>(n_missing_.data()), sizeof(std::int64_t) * static_cast<std::size_t>(p_));
  const std::size_t pp = static_cast<std::size_t>(p_) * static_cast<std::size_t>(p_);
  out.append(reinterpret_cast<const char*>(n_.data()), sizeof(std::int64_t) * pp);
  for (const Eigen::MatrixXd* m : {&w_, &w2_, &mean_, &m2_, &c_})
    out.append(reinterpret_cast<const char*>(m->data()), sizeof(double) * pp);
  return out;
}

Moments Moments::from_bytes(std::string_view bytes) {
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    throw input_error("Moments.from_bytes: not a servscore Moments state (bad header)");
  Reader rd(bytes.substr(sizeof(kMagic)));
  auto version = rd.get<std::uint32_t>();
  if (version != 1u)
    throw input_error("Moments.from_bytes: format version " + std::to_string(version) +
                      " is not supported; expected 1");
  auto p = rd.get<std::int32_t>();
  auto pol = rd.get<std::uint8_t>();
  auto weighted = rd.get<std::uint8_t>();
  if (p < 1 || p > 1000000 || pol > 1) throw input_error("Moments.from_bytes: corrupt header");
  auto n_rows = rd.get<std::int64_t>();
  auto n_dropped = rd.get<std::int64_t>();
  auto n_names = rd.get<std::uint32_t>();
  if (n_names != 0 && n_names != static_cast<std::uint32_t>(p)) throw input_error("Moments.from_bytes: corrupt names");
  std::vector<std::string> names;
  for (std::uint32_t i = 0; i < n_names; ++i) names.push_back(rd.str(rd.get<std::uint32_t>()));
  const std::size_t pp = static_cast<std::size_t>(p) * static_cast<std::size_t>(p);
  // untrusted bytes: the declared size must be what is left before anything is allocated
  const std::uint64_t expected = 8 * (static_cast<std::uint64_t>(p) + 6 * static_cast<std::uint64_t>(pp));
  if (rd.remaining() != expected)
    throw input_error("Moments.from_bytes: the header declares " + std::to_string(p) + " variables (" +
                      std::to_string(expected) + " bytes of data) but " + std::to_string(rd.remaining()) +
                      " bytes follow");
  if (n_rows < 0 || n_dropped < 0)
    throw input_error("Moments.from_bytes: corrupt row counts (" + std::to_string(n_rows) + " rows, " +
                      std::to_string(n_dropped) + " dropped)");
  Moments m(p, static_cast<MissingPolicy>(pol), std::move(names));
  m.weighted_ = weighted != 0;
  m.n_rows_ = n_rows;
  m.n_dropped_ = n_dropped;
  rd.raw(m.n_missing_.data(), sizeof(std::int64_t) * static_cast<std::size_t>(p));
  rd.raw(m.n_.data(), sizeof(std::int64_t) * pp);
  for (Eigen::MatrixXd* x : {&m.w_, &m.w2_, &m.mean_, &m.m2_, &m.c_}) rd.raw(x->data(), sizeof(double) * pp);
  if (!rd.done()) throw input_error("Moments.from_bytes: trailing bytes after the state");
  for (Eigen::Index i = 0; i < m.n_missing_.size(); ++i)
    if (m.n_missing_(i) < 0)
      throw input_error("Moments.from_bytes: corrupt missing count " + std::to_string(m.n_missing_(i)) +
                        " of variable " + std::to_string(i));
  for (Eigen::Index i = 0; i < m.n_.size(); ++i) {
    const bool ok = m.n_.data()[i] >= 0 && std::isfinite(m.w_.data()[i]) && m.w_.data()[i] >= 0 &&
                    std::isfinite(m.w2_.data()[i]) && std::isfinite(m.mean_.data()[i]) &&
                    std::isfinite(m.m2_.data()[i]) && m.m2_.data()[i] >= 0 && std::isfinite(m.c_.data()[i]);
    if (!ok)
      throw input_error("Moments.from_bytes: corrupt moments at cell (" + std::to_string(i % p) + ", " +
                        std::to_string(i / p) + ")");
  }
  // counts that no sequence of updates and merges can give (each names the cell and both figures)
  const auto cell = [](Eigen::Index j, Eigen::Index k) {
    return "(" + std::to_string(j) + ", " + std::to_string(k) + ")";
  };
  if (n_dropped > n_rows)
    throw input_error("Moments.from_bytes: impossible counts: " + std::to_string(n_dropped) + " dropped rows of " +
                      std::to_string(n_rows));
  for (Eigen::Index j = 0; j < p; ++j) {
    const std::int64_t nj = m.n_(j, j), mj = m.n_missing_(j);
    if (mj > n_rows || nj > n_rows - n_dropped || nj > n_rows - mj)
      throw input_error("Moments.from_bytes: impossible counts of variable " + std::to_string(j) + ": " +
                        std::to_string(nj) + " used and " + std::to_string(mj) + " missing of " +
                        std::to_string(n_rows) + " rows (" + std::to_string(n_dropped) + " dropped)");
    for (Eigen::Index k = 0; k < p; ++k) {
      const std::int64_t njk = m.n_(j, k);
      if (njk != m.n_(k, j) || njk > nj)
        throw input_error("Moments.from_bytes: impossible pair count " + std::to_string(njk) + " at cell " +
                          cell(j, k) + " (" + std::to_string(m.n_(k, j)) + " at " + cell(k, j) + ", " +
                          std::to_string(nj) + " on the diagonal)");
      const double wjk = m.w_(j, k);
      if (m.w2_(j, k) < 0 || (!m.weighted_ && wjk != static_cast<double>(njk)))
        throw input_error("Moments.from_bytes: impossible weight sums at cell " + cell(j, k) + " (" +
                          detail::format_number(wjk) + ", squares " + detail::format_number(m.w2_(j, k)) + ", " +
                          std::to_string(njk) + " rows" + (m.weighted_ ? "" : ", unweighted") + ")");
      if (njk == 0 && (wjk != 0 || m.w2_(j, k) != 0 || m.m2_(j, k) != 0 || m.c_(j, k) != 0))
        throw input_error("Moments.from_bytes: impossible moments at cell " + cell(j, k) +
                          ": sums of squares without rows");
    }
  }
  return m;
}

bool Moments::operator==(const Moments& o) const {
  return p_ == o.p_ && policy_ == o.policy_ && names_ == o.names_ && weighted_ == o.weighted_ && n_rows_ == o.n_rows_ &&
         n_dropped_ == o.n_dropped_ && n_missing_ == o.n_missing_ && n_ == o.n_ && w_ == o.w_ && w2_ == o.w2_ &&
         mean_ == o.mean_ && m2_ == o.m2_ && c_ == o.c_;
}

}  // namespace servscore
