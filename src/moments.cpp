#include "servscore/moments.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

const char* to_string(MissingPolicy policy) { return policy == MissingPolicy::pairwise ? "pairwise" : "listwise"; }

MissingPolicy parse_missing_policy(std::string_view name) {
  std::string s(name);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "listwise") return MissingPolicy::listwise;
  if (s == "pairwise") return MissingPolicy::pairwise;
  throw config_error("missing-data policy '" + std::string(name) + "' is not valid; expected 'listwise' or 'pairwise'");
}

namespace {

constexpr std::ptrdiff_t kBlockRows = 2048;     // rows whose moments are computed around their own means
constexpr std::ptrdiff_t kBlocksPerTask = 32;   // blocks merged in order by one worker (fixed: not by workers)

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

[[noreturn]] void bad_value(std::ptrdiff_t row, std::ptrdiff_t col, double v) {
  throw input_error("row " + std::to_string(row) + ", column " + std::to_string(col) + ": value " +
                    detail::format_number(v) + " is not finite; expected a number or NaN for missing");
}

// Moments of rows [b, e) of x.
Part block_moments(RecordsRef x, const double* wt, std::ptrdiff_t b, std::ptrdiff_t e, MissingPolicy policy) {
  const int p = static_cast<int>(x.cols());
  Part part(p);
  part.n_rows = e - b;
  RowMatrixXd y(e - b, p);
  Eigen::VectorXd wv(e - b);
  if (policy == MissingPolicy::listwise) {
    std::ptrdiff_t r = 0;
    for (std::ptrdiff_t i = b; i < e; ++i) {
      const double* row = x.row(i).data();
      bool complete = true;
      for (int j = 0; j < p; ++j) {
        double v = row[j];
        if (std::isnan(v)) {
          complete = false;
          ++part.n_missing(j);
        } else if (!std::isfinite(v)) {
          bad_value(i, j, v);
        }
      }
      if (!complete) {
        ++part.n_dropped;
        continue;
      }
      std::memcpy(y.row(r).data(), row, sizeof(double) * static_cast<std::size_t>(p));
      wv(r) = wt ? wt[i] : 1.0;
      ++r;
    }
    if (r == 0) return part;
    auto yy = y.topRows(r);
    auto ww = wv.head(r);
    double wsum = ww.sum();
    part.n.setConstant(r);
    part.w.setConstant(wsum);
    part.w2.setConstant(wt ? ww.squaredNorm() : wsum);
    if (wsum == 0.0) return part;
    Eigen::RowVectorXd mu = (ww.transpose() * yy) / wsum;
    yy.rowwise() -= mu;
    Eigen::MatrixXd cc(p, p);
    if (wt) {
      RowMatrixXd yw = yy.array().colwise() * ww.array();
      cc.noalias() = yy.transpose() * yw;
    } else {
      cc.noalias() = yy.transpose() * yy;
    }
    cc = (cc + cc.transpose()) * 0.5;  // exactly symmetric
    part.c = cc;
    part.mean = mu.transpose().replicate(1, p);
    part.m2 = cc.diagonal().replicate(1, p);
    return part;
  }

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
      } else if (!std::isfinite(v)) {
        bad_value(i, j, v);
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
  Eigen::MatrixXd s = yy.transpose() * wm;                          // s(j,k) = sum w y_j m_k
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

Moments& Moments::update(RecordsRef x, Eigen::Ref<const Eigen::VectorXd> weights, int workers) {
  if (p_ < 1) throw input_error("Moments.update: the state has no variables; construct it with Moments(p)");
  if (x.cols() != p_)
    throw input_error("Moments.update: expected " + std::to_string(p_) + " columns, got " + std::to_string(x.cols()));
  const std::ptrdiff_t n = x.rows();
  const double* wt = nullptr;
  if (weights.size() > 0) {
    if (weights.size() != n)
      throw input_error("Moments.update: " + std::to_string(weights.size()) + " weights for " + std::to_string(n) +
                        " rows");
    for (std::ptrdiff_t i = 0; i < n; ++i)
      if (!(std::isfinite(weights(i)) && weights(i) >= 0.0))
        throw input_error("weights: row " + std::to_string(i) + ": value " + detail::format_number(weights(i)) +
                          " is not valid; expected a finite weight >= 0");
    wt = weights.data();
    weighted_ = true;
  }
  if (n == 0) return *this;
  const std::ptrdiff_t n_blocks = (n + kBlockRows - 1) / kBlockRows;
  const std::ptrdiff_t n_tasks = (n_blocks + kBlocksPerTask - 1) / kBlocksPerTask;
  std::vector<Part> tasks(static_cast<std::size_t>(n_tasks), Part(p_));
  detail::parallel_for(n_tasks, workers, 1, [&](std::ptrdiff_t tb, std::ptrdiff_t te, int) {
    for (std::ptrdiff_t t = tb; t < te; ++t) {
      Part& acc = tasks[static_cast<std::size_t>(t)];
      std::ptrdiff_t bb = t * kBlocksPerTask, be = std::min(n_blocks, bb + kBlocksPerTask);
      for (std::ptrdiff_t blk = bb; blk < be; ++blk) {
        std::ptrdiff_t rb = blk * kBlockRows, re = std::min(n, rb + kBlockRows);
        merge_part(acc, block_moments(x, wt, rb, re, policy_));
      }
    }
  });
  for (const Part& t : tasks) {
    combine(t.n, t.w, t.w2, t.mean, t.m2, t.c);
    n_rows_ += t.n_rows;
    n_dropped_ += t.n_dropped;
    n_missing_ += t.n_missing;
  }
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
    throw input_error("Moments.from_bytes: format version " + std::to_string(version) + " is not supported; expected 1");
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
  Moments m(p, static_cast<MissingPolicy>(pol), std::move(names));
  m.weighted_ = weighted != 0;
  m.n_rows_ = n_rows;
  m.n_dropped_ = n_dropped;
  const std::size_t pp = static_cast<std::size_t>(p) * static_cast<std::size_t>(p);
  rd.raw(m.n_missing_.data(), sizeof(std::int64_t) * static_cast<std::size_t>(p));
  rd.raw(m.n_.data(), sizeof(std::int64_t) * pp);
  for (Eigen::MatrixXd* x : {&m.w_, &m.w2_, &m.mean_, &m.m2_, &m.c_}) rd.raw(x->data(), sizeof(double) * pp);
  if (!rd.done()) throw input_error("Moments.from_bytes: trailing bytes after the state");
  return m;
}

bool Moments::operator==(const Moments& o) const {
  return p_ == o.p_ && policy_ == o.policy_ && names_ == o.names_ && weighted_ == o.weighted_ &&
         n_rows_ == o.n_rows_ && n_dropped_ == o.n_dropped_ && n_missing_ == o.n_missing_ && n_ == o.n_ &&
         w_ == o.w_ && w2_ == o.w2_ && mean_ == o.mean_ && m2_ == o.m2_ && c_ == o.c_;
}

}  // namespace servscore
