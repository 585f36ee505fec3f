// The trainable text classifier: hashed n-gram features, one-vs-rest AdaGrad logistic models,
// Platt calibration and the byte format. See include/servscore/text_model.hpp.
#include "servscore/text_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "json_util.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/errors.hpp"

namespace servscore {

namespace {

namespace json = boost::json;

// ---------------------------------------------------------------- normalisation and tokens

bool is_cjk(std::uint32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x20000 && c <= 0x2FFFF);
}

// Letters and digits of any non-CJK script; ASCII punctuation, Latin-1 punctuation, general and
// CJK punctuation, symbols, emoji, unfolded full-width forms and U+FFFD separate words.
bool is_word(std::uint32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c <= 0xBF || c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false;
  if (c >= 0x3000 && c <= 0x303F) return false;
  if (c >= 0xFE10 && c <= 0xFE6F) return false;
  if (c >= 0xFF00 && c <= 0xFFEF) return false;
  if (c >= 0xFFF0 && c <= 0xFFFF) return false;
  if (c >= 0x1F000 && c <= 0x1FFFF) return false;
  return !is_cjk(c);
}

std::uint32_t fold(std::uint32_t c, bool fold_case, bool fold_width) {
  if (fold_width) {
    if (c >= 0xFF01 && c <= 0xFF5E)
      c -= 0xFEE0;
    else if (c == 0x3000)
      c = 0x20;
  }
  if (fold_case) {
    if (c >= 'A' && c <= 'Z')
      c += 32;
    else if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
      c += 32;
    else if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
      c += 32;
    else if (c >= 0x410 && c <= 0x42F)
      c += 32;
    else if (c >= 0x400 && c <= 0x40F)
      c += 80;
  }
  return c;
}

// Decode one code point at s[i] (invalid sequences give U+FFFD and advance one byte).
std::uint32_t decode(const unsigned char* s, std::size_t n, std::size_t& i) {
  unsigned char b = s[i];
  if (b < 0x80) {
    ++i;
    return b;
  }
  int len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > n) {
    ++i;
    return 0xFFFD;
  }
  std::uint32_t c = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char x = s[i + static_cast<std::size_t>(k)];
    if ((x & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (x & 0x3F);
  }
  static const std::uint32_t min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min_of[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += static_cast<std::size_t>(len);
  return c;
}

void encode(std::uint32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// A normalised text: folded UTF-8 bytes, the byte offset of every code point (plus the end), and
// tokens as code-point ranges. An apostrophe between two word characters stays in the word.
struct Token {
  std::uint32_t begin, end;  // code-point indices
  bool cjk;
};
struct Normalised {
  std::string bytes;
  std::vector<std::uint32_t> off;
  std::vector<Token> tokens;
  std::string_view span(std::uint32_t b, std::uint32_t e) const {
    return std::string_view(bytes).substr(off[b], off[e] - off[b]);
  }
};

void normalise(std::string_view text, bool fold_case, bool fold_width, Normalised& out) {
  out.bytes.clear();
  out.off.clear();
  out.tokens.clear();
  std::vector<std::uint32_t> cps;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  // kinds: 0 separator, 1 word, 2 cjk
  std::uint32_t prev_kind = 0, start = 0, idx = 0;
  std::uint32_t pending_apos = 0;  // apostrophe seen right after a word char
  auto close = [&](std::uint32_t end) {
    if (prev_kind != 0) out.tokens.push_back({start, end, prev_kind == 2});
  };
  while (i < text.size()) {
    std::uint32_t c = fold(decode(s, text.size(), i), fold_case, fold_width);
    std::uint32_t kind = is_cjk(c) ? 2 : is_word(c) ? 1 : 0;
    if (pending_apos) {
      pending_apos = 0;
      if (kind == 1 && prev_kind == 1) {
        // keep the apostrophe inside the word
      } else {
        close(idx - 1);
        prev_kind = 0;
      }
    }
    if (kind == 0 && (c == '\'' || c == 0x2019) && prev_kind == 1) {
      pending_apos = 1;
      c = '\'';
    } else if (kind != prev_kind) {
      close(idx);
      prev_kind = kind;
      start = idx;
    }
    out.off.push_back(static_cast<std::uint32_t>(out.bytes.size()));
    encode(c, out.bytes);
    ++idx;
  }
  if (pending_apos) {
    close(idx - 1);
  } else {
    close(idx);
  }
  out.off.push_back(static_cast<std::uint32_t>(out.bytes.size()));
}

constexpr std::uint32_t kFnvBasis = 2166136261u, kFnvPrime = 16777619u;

inline std::uint32_t fnv_add(std::uint32_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * kFnvPrime;
  return h;
}

// Call emit(tag, parts, n_parts) for every feature of the text; a feature's string is the
// concatenation of its parts.
template <class Emit>
void for_each_feature(const Normalised& t, const TextClassifierConfig& cfg, Emit&& emit) {
  static const std::string_view space(" "), lt("<"), gt(">");
  std::string_view parts[16];
  std::size_t run = 0;  // consecutive words so far (CJK tokens break word n-grams)
  for (std::size_t k = 0; k < t.tokens.size(); ++k) {
    const Token& tok = t.tokens[k];
    const std::uint32_t len = tok.end - tok.begin;
    if (tok.cjk) {
      run = 0;
      for (int n = 1; n <= cfg.cjk_max; ++n)
        for (std::uint32_t b = tok.begin; b + static_cast<std::uint32_t>(n) <= tok.end; ++b) {
          parts[0] = t.span(b, b + static_cast<std::uint32_t>(n));
          emit('h', parts, 1);
        }
      continue;
    }
    ++run;
    parts[0] = t.span(tok.begin, tok.end);
    emit('w', parts, 1);
    for (int n = 2; n <= cfg.word_ngrams && static_cast<std::size_t>(n) <= run; ++n) {
      int p = 0;
      for (std::size_t j = k + 1 - static_cast<std::size_t>(n); j <= k; ++j) {
        if (p) parts[p++] = space;
        parts[p++] = t.span(t.tokens[j].begin, t.tokens[j].end);
      }
      emit('n', parts, p);
    }
    if (cfg.char_min > 0) {
      // code points of "<word>": position -1 is '<', position len is '>'
      const long L = static_cast<long>(len) + 2;
      for (int n = cfg.char_min; n <= cfg.char_max; ++n)
        for (long b = 0; b + n <= L; ++b) {
          long e = b + n;  // in bracketed positions [b, e)
          int p = 0;
          if (b == 0) parts[p++] = lt;
          long ib = std::max(0L, b - 1), ie = std::min(static_cast<long>(len), e - 1);
          if (ie > ib)
            parts[p++] = t.span(tok.begin + static_cast<std::uint32_t>(ib), tok.begin + static_cast<std::uint32_t>(ie));
          if (e == L) parts[p++] = gt;
          emit('c', parts, p);
        }
    }
  }
}

inline std::uint32_t fnv_byte(std::uint32_t h, unsigned char c) {
  return (h ^ c) * kFnvPrime;
}

// Distinct buckets of one text, sorted: the hashes of `for_each_feature`'s strings, computed
// incrementally (a character n-gram extends the hash of the one a character shorter), so each
// byte of a text is hashed about char_max + cjk_max times instead of once per n-gram it is in.
void text_buckets(const Normalised& t, const TextClassifierConfig& cfg, std::vector<std::uint32_t>& out,
                  std::vector<std::uint32_t>* counts = nullptr) {
  out.clear();
  const auto nb = static_cast<std::uint32_t>(cfg.buckets);
  const std::uint32_t hw = fnv_byte(kFnvBasis, 'w'), hn = fnv_byte(kFnvBasis, 'n'), hc = fnv_byte(kFnvBasis, 'c'),
                      hh = fnv_byte(kFnvBasis, 'h');
  std::size_t run = 0;  // consecutive words so far (CJK tokens break word n-grams)
  for (std::size_t k = 0; k < t.tokens.size(); ++k) {
    const Token& tok = t.tokens[k];
    if (tok.cjk) {
      run = 0;
      for (std::uint32_t b = tok.begin; b < tok.end; ++b) {
        std::uint32_t h = hh;
        for (int n = 1; n <= cfg.cjk_max && b + static_cast<std::uint32_t>(n) <= tok.end; ++n) {
          h = fnv_add(h, t.span(b + static_cast<std::uint32_t>(n) - 1, b + static_cast<std::uint32_t>(n)));
          out.push_back(h % nb);
        }
      }
      continue;
    }
    ++run;
    out.push_back(fnv_add(hw, t.span(tok.begin, tok.end)) % nb);
    for (int n = 2; n <= cfg.word_ngrams && static_cast<std::size_t>(n) <= run; ++n) {
      std::uint32_t h = hn;
      for (std::size_t j = k + 1 - static_cast<std::size_t>(n); j <= k; ++j) {
        if (j != k + 1 - static_cast<std::size_t>(n)) h = fnv_byte(h, ' ');
        h = fnv_add(h, t.span(t.tokens[j].begin, t.tokens[j].end));
      }
      out.push_back(h % nb);
    }
    if (cfg.char_min > 0) {
      // bracketed positions of "<word>": 0 is '<', 1..len the code points, len + 1 is '>'
      const long L = static_cast<long>(tok.end - tok.begin) + 2;
      for (long b = 0; b + cfg.char_min <= L; ++b) {
        std::uint32_t h = hc;
        for (long e = b + 1; e <= L && e - b <= cfg.char_max; ++e) {
          const long q = e - 1;  // the position added
          if (q == 0)
            h = fnv_byte(h, '<');
          else if (q == L - 1)
            h = fnv_byte(h, '>');
          else
            h = fnv_add(
                h, t.span(tok.begin + static_cast<std::uint32_t>(q - 1), tok.begin + static_cast<std::uint32_t>(q)));
          if (e - b >= cfg.char_min) out.push_back(h % nb);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  if (counts) {
    counts->clear();
    std::size_t w = 0;
    for (std::size_t r = 0; r < out.size(); ++r) {
      if (w > 0 && out[w - 1] == out[r]) {
        ++counts->back();
      } else {
        out[w++] = out[r];
        counts->push_back(1);
      }
    }
    out.resize(w);
    return;
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// The tf-idf value of a bucket before the L2 scaling: (1 + ln count) x idf.
inline double tfidf_value(std::uint32_t count, float idf) {
  return (1.0 + std::log(static_cast<double>(count))) * static_cast<double>(idf);
}

std::string_view view_of(const TextRef& r) {
  return r.data ? std::string_view(r.data, r.size) : std::string_view();
}

// ---------------------------------------------------------------- seeded shuffles

struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

// Fisher-Yates from the back: for i = m-1..1, j = next() % (i + 1), swap.
void shuffle(std::vector<std::int32_t>& v, std::uint64_t state) {
  SplitMix64 r{state};
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(r.next() % i);
    std::swap(v[i - 1], v[j]);
  }
}

std::uint64_t epoch_state(std::uint64_t seed, int fold, int epoch) {
  return seed ^ (static_cast<std::uint64_t>(fold + 1) << 32) ^ static_cast<std::uint64_t>(epoch + 1);
}

inline double sigmoid(double s) {
  if (s >= 0) return 1.0 / (1.0 + std::exp(-s));
  double e = std::exp(s);
  return e / (1.0 + e);
}

// ---------------------------------------------------------------- sparse design

struct Design {
  std::vector<std::int64_t> start;  // CSR row starts (texts + 1)
  std::vector<std::int32_t> col;    // weight rows (used buckets, then dense)
  std::vector<double> val;
};

struct TaskResult {
  std::vector<double> w;
  double b = 0;
};

// One label on the texts `rows` (ascending), AdaGrad with the shared epoch permutations.
TaskResult train_label(const Design& X, const TextClassifier::LabelMatrix& Y, int label,
                       const std::vector<std::int32_t>& rows, std::int64_t n_weights, const TextClassifierConfig& cfg,
                       int fold) {
  TaskResult r;
  r.w.assign(static_cast<std::size_t>(n_weights), 0.0);
  std::vector<double> G(static_cast<std::size_t>(n_weights), 0.0);
  double Gb = 0;
  std::int64_t n_pos = 0;
  for (auto i : rows) n_pos += Y(i, label) != 0;
  const auto n = static_cast<double>(rows.size());
  double cw_pos = 1, cw_neg = 1;
  if (cfg.balanced && n_pos > 0 && n_pos < static_cast<std::int64_t>(rows.size())) {
    cw_pos = n / (2.0 * static_cast<double>(n_pos));
    cw_neg = n / (2.0 * (n - static_cast<double>(n_pos)));
  }
  const double lr = cfg.learning_rate, l2 = cfg.l2;
  std::vector<std::int32_t> order;
  for (int e = 0; e < cfg.epochs; ++e) {
    order = rows;
    shuffle(order, epoch_state(cfg.seed, fold, e));
    for (auto i : order) {
      const auto b0 = X.start[static_cast<std::size_t>(i)], b1 = X.start[static_cast<std::size_t>(i) + 1];
      double s = r.b;
      for (auto k = b0; k < b1; ++k)
        s += X.val[static_cast<std::size_t>(k)] * r.w[static_cast<std::size_t>(X.col[static_cast<std::size_t>(k)])];
      const bool y = Y(i, label) != 0;
      const double g = (y ? cw_pos : cw_neg) * (sigmoid(s) - (y ? 1.0 : 0.0));
      for (auto k = b0; k < b1; ++k) {
        const auto j = static_cast<std::size_t>(X.col[static_cast<std::size_t>(k)]);
        const double grad = g * X.val[static_cast<std::size_t>(k)] + l2 * r.w[j];
        G[j] += grad * grad;
        r.w[j] -= lr * grad / (std::sqrt(G[j]) + 1e-10);
      }
      Gb += g * g;
      r.b -= lr * g / (std::sqrt(Gb) + 1e-10);
    }
  }
  return r;
}

// One label on the texts `rows` by L-BFGS: the minimum of
//   f(w, b) = sum_i c_i [log(1 + e^{s_i}) - y_i s_i] / m + l2 / 2 |w|^2,  s_i = w.x_i + b,
// (m = rows, c_i the balanced class weights), two-loop recursion with memory 10, Armijo
// backtracking from step 1 (the first step scaled to unit length), pairs with s.y <= 0 skipped.
TaskResult train_label_lbfgs(const Design& X, const TextClassifier::LabelMatrix& Y, int label,
                             const std::vector<std::int32_t>& rows, std::int64_t n_weights,
                             const TextClassifierConfig& cfg) {
  const auto d = static_cast<std::size_t>(n_weights) + 1;  // the bias last
  const double m = static_cast<double>(rows.size());
  std::int64_t n_pos = 0;
  for (auto i : rows) n_pos += Y(i, label) != 0;
  double cw_pos = 1, cw_neg = 1;
  if (cfg.balanced && n_pos > 0 && n_pos < static_cast<std::int64_t>(rows.size())) {
    cw_pos = m / (2.0 * static_cast<double>(n_pos));
    cw_neg = m / (2.0 * (m - static_cast<double>(n_pos)));
  }
  const double l2 = cfg.l2;
  auto eval = [&](const std::vector<double>& x, std::vector<double>& g) {
    std::fill(g.begin(), g.end(), 0.0);
    double f = 0;
    for (auto i : rows) {
      const auto b0 = X.start[static_cast<std::size_t>(i)], b1 = X.start[static_cast<std::size_t>(i) + 1];
      double sc = x[d - 1];
      for (auto k = b0; k < b1; ++k)
        sc += X.val[static_cast<std::size_t>(k)] * x[static_cast<std::size_t>(X.col[static_cast<std::size_t>(k)])];
      const bool y = Y(i, label) != 0;
      const double c = (y ? cw_pos : cw_neg) / m;
      // log(1 + e^s) - y s, stably
      const double lse = sc > 0 ? sc + std::log1p(std::exp(-sc)) : std::log1p(std::exp(sc));
      f += c * (lse - (y ? sc : 0.0));
      const double r = c * (sigmoid(sc) - (y ? 1.0 : 0.0));
      for (auto k = b0; k < b1; ++k)
        g[static_cast<std::size_t>(X.col[static_cast<std::size_t>(k)])] += r * X.val[static_cast<std::size_t>(k)];
      g[d - 1] += r;
    }
    if (l2 > 0)
      for (std::size_t j = 0; j + 1 < d; ++j) {
        f += 0.5 * l2 * x[j] * x[j];
        g[j] += l2 * x[j];
      }
    return f;
  };
  constexpr int kMem = 10;
  std::vector<double> x(d, 0.0), g(d), xn(d), gn(d), dir(d), alpha(kMem);
  std::vector<std::vector<double>> S, Yv;
  std::vector<double> rho;
  double f = eval(x, g);
  auto max_abs = [](const std::vector<double>& v) {
    double a = 0;
    for (double e : v) a = std::max(a, std::fabs(e));
    return a;
  };
  for (int it = 0; it < cfg.max_iter; ++it) {
    if (max_abs(g) < cfg.tol) break;
    // two-loop recursion: dir = -H g
    for (std::size_t j = 0; j < d; ++j) dir[j] = -g[j];
    const int h = static_cast<int>(S.size());
    for (int k = h - 1; k >= 0; --k) {
      double a = 0;
      for (std::size_t j = 0; j < d; ++j) a += S[static_cast<std::size_t>(k)][j] * dir[j];
      a *= rho[static_cast<std::size_t>(k)];
      alpha[static_cast<std::size_t>(k)] = a;
      for (std::size_t j = 0; j < d; ++j) dir[j] -= a * Yv[static_cast<std::size_t>(k)][j];
    }
    if (h > 0) {
      const auto& sl = S.back();
      const auto& yl = Yv.back();
      double sy = 0, yy = 0;
      for (std::size_t j = 0; j < d; ++j) {
        sy += sl[j] * yl[j];
        yy += yl[j] * yl[j];
      }
      const double gamma = sy / yy;
      for (std::size_t j = 0; j < d; ++j) dir[j] *= gamma;
    } else {
      double nrm = 0;
      for (double e : g) nrm += e * e;
      nrm = std::sqrt(nrm);
      for (std::size_t j = 0; j < d; ++j) dir[j] /= nrm;
    }
    for (int k = 0; k < h; ++k) {
      double b = 0;
      for (std::size_t j = 0; j < d; ++j) b += Yv[static_cast<std::size_t>(k)][j] * dir[j];
      b *= rho[static_cast<std::size_t>(k)];
      for (std::size_t j = 0; j < d; ++j)
        dir[j] += S[static_cast<std::size_t>(k)][j] * (alpha[static_cast<std::size_t>(k)] - b);
    }
    double gd = 0;
    for (std::size_t j = 0; j < d; ++j) gd += g[j] * dir[j];
    if (!(gd < 0)) {  // not a descent direction: restart from the gradient
      S.clear();
      Yv.clear();
      rho.clear();
      double nrm = 0;
      for (double e : g) nrm += e * e;
      nrm = std::sqrt(nrm);
      for (std::size_t j = 0; j < d; ++j) dir[j] = -g[j] / nrm;
      gd = -nrm;
    }
    double step = 1, fn = f;
    bool ok = false;
    for (int ls = 0; ls < 40; ++ls) {
      for (std::size_t j = 0; j < d; ++j) xn[j] = x[j] + step * dir[j];
      fn = eval(xn, gn);
      if (fn <= f + 1e-4 * step * gd) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    std::vector<double> sv(d), yv(d);
    double sy = 0;
    for (std::size_t j = 0; j < d; ++j) {
      sv[j] = xn[j] - x[j];
      yv[j] = gn[j] - g[j];
      sy += sv[j] * yv[j];
    }
    const double f_old = f;
    x.swap(xn);
    g.swap(gn);
    f = fn;
    if (sy > 1e-12) {
      if (static_cast<int>(S.size()) == kMem) {
        S.erase(S.begin());
        Yv.erase(Yv.begin());
        rho.erase(rho.begin());
      }
      S.push_back(std::move(sv));
      Yv.push_back(std::move(yv));
      rho.push_back(1.0 / sy);
    }
    if (f_old - f <= 1e-15 * std::max(1.0, std::fabs(f))) break;
  }
  TaskResult r;
  r.w.assign(x.begin(), x.end() - 1);
  r.b = x[d - 1];
  return r;
}

// Platt's sigmoid P(y=1|s) = 1 / (1 + exp(A s + B)) by the Newton method of Lin, Lin and Weng (2007).
void platt(const std::vector<double>& s, const std::vector<std::uint8_t>& y, double& A, double& B) {
  double prior1 = 0, prior0 = 0;
  for (auto v : y) (v ? prior1 : prior0) += 1;
  const double hi = (prior1 + 1) / (prior1 + 2), lo = 1 / (prior0 + 2);
  const std::size_t n = s.size();
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = y[i] ? hi : lo;
  A = 0;
  B = std::log((prior0 + 1) / (prior1 + 1));
  auto objective = [&](double a, double b) {
    double f = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double z = s[i] * a + b;
      f += z >= 0 ? t[i] * z + std::log1p(std::exp(-z)) : (t[i] - 1) * z + std::log1p(std::exp(z));
    }
    return f;
  };
  double fval = objective(A, B);
  for (int it = 0; it < 100; ++it) {
    double h11 = 1e-12, h22 = 1e-12, h21 = 0, g1 = 0, g2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double z = s[i] * A + B, p, q;
      if (z >= 0) {
        p = std::exp(-z) / (1 + std::exp(-z));
        q = 1 / (1 + std::exp(-z));
      } else {
        p = 1 / (1 + std::exp(z));
        q = std::exp(z) / (1 + std::exp(z));
      }
      double d2 = p * q;
      h11 += s[i] * s[i] * d2;
      h22 += d2;
      h21 += s[i] * d2;
      double d1 = t[i] - p;
      g1 += s[i] * d1;
      g2 += d1;
    }
    if (std::fabs(g1) < 1e-5 && std::fabs(g2) < 1e-5) break;
    double det = h11 * h22 - h21 * h21;
    double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
    double gd = g1 * dA + g2 * dB, step = 1;
    while (step >= 1e-10) {
      double nA = A + step * dA, nB = B + step * dB, nf = objective(nA, nB);
      if (nf < fval + 1e-4 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
}

// The threshold of the grid 0.05, 0.10, ..., 0.95 with the highest F1 of p >= t against y, where
// p = 1 / (1 + exp(A s + B)) are the calibrated out-of-fold probabilities; ties go to the higher
// threshold (fewer flags), and a label without positives gets 0.95.
double best_f1_threshold(const std::vector<double>& s, const std::vector<std::uint8_t>& y, double A, double B) {
  std::vector<double> p(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = sigmoid(-(A * s[i] + B));
  double best_t = 0.95, best_f = -1;
  for (int g = 19; g >= 1; --g) {
    const double t = g / 20.0;
    std::int64_t tp = 0, fp = 0, fn = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      const bool flag = p[i] >= t;
      tp += flag && y[i];
      fp += flag && !y[i];
      fn += !flag && y[i];
    }
    const double f = tp ? 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn) : 0.0;
    if (f > best_f) {
      best_f = f;
      best_t = t;
    }
  }
  return best_t;
}

// Run tasks 0..n-1 in waves of `workers` threads, calling `check` on this thread between waves.
template <class Fn>
void run_tasks(std::size_t n, int workers, const std::function<void()>& check, Fn&& fn) {
  const auto t = static_cast<std::size_t>(detail::resolve_workers(workers));
  for (std::size_t w0 = 0; w0 < n; w0 += t) {
    const std::size_t w1 = std::min(n, w0 + t);
    std::vector<std::exception_ptr> err(w1 - w0);
    std::vector<std::thread> th;
    for (std::size_t i = w0 + 1; i < w1; ++i)
      th.emplace_back([&, i] {
        try {
          fn(i);
        } catch (...) {
          err[i - w0] = std::current_exception();
        }
      });
    try {
      fn(w0);
    } catch (...) {
      err[0] = std::current_exception();
    }
    for (auto& x : th) x.join();
    for (auto& e : err)
      if (e) std::rethrow_exception(e);
    if (check) check();
  }
}

// ---------------------------------------------------------------- byte format helpers

constexpr char kMagic[8] = {'S', 'S', 'T', 'M', 'O', 'D', 'E', 'L'};
constexpr std::uint32_t kVersion = 3;  // 3: version 2 + the idf of a tf-idf model

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Whether `s` is well-formed UTF-8 (shortest forms, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t before = i;
    const std::uint32_t c = decode(p, s.size(), i);
    if (c == 0xFFFD && !(i - before == 3 && p[before] == 0xEF && p[before + 1] == 0xBF && p[before + 2] == 0xBD))
      return false;
  }
  return true;
}

// The first of the names that appears twice (nullptr if none), in n log n.
const std::string* first_duplicate(const std::vector<std::string>& v) {
  std::vector<const std::string*> p;
  p.reserve(v.size());
  for (const auto& x : v) p.push_back(&x);
  std::sort(p.begin(), p.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  for (std::size_t i = 1; i < p.size(); ++i)
    if (*p[i] == *p[i - 1]) return p[i];
  return nullptr;
}

struct Writer {
  std::string out;
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void f32(float f) {
    std::uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(v);
  }
  void f64(double d) {
    std::uint64_t v;
    std::memcpy(&v, &d, 8);
    u64(v);
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
};

struct Reader {
  std::string_view in;
  std::size_t pos = 0;
  [[noreturn]] void fail(const std::string& what) const {
    throw input_error("text model bytes: " + what + " at byte " + std::to_string(pos) + " of " +
                      std::to_string(in.size()));
  }
  void need(std::uint64_t n, const char* what) const {
    if (n > in.size() - pos) fail(std::string("truncated ") + what + " (needs " + std::to_string(n) + " bytes)");
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[pos + static_cast<std::size_t>(i)])) << (8 * i);
    pos += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + static_cast<std::size_t>(i)])) << (8 * i);
    pos += 8;
    return v;
  }
  float f32(const char* what) {
    std::uint32_t v = u32(what);
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  double f64(const char* what) {
    std::uint64_t v = u64(what);
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  std::string str(const char* what) {
    std::uint32_t n = u32(what);
    need(n, what);
    std::string s(in.substr(pos, n));
    pos += n;
    return s;
  }
  // A count of items of `item_bytes` each, checked against the bytes left before any allocation.
  std::uint32_t count(const char* what, std::uint64_t item_bytes) {
    std::uint32_t n = u32(what);
    if (item_bytes > 0 && static_cast<std::uint64_t>(n) * item_bytes > in.size() - pos)
      fail(std::string(what) + " = " + std::to_string(n) + " exceeds the bytes left");
    return n;
  }
};

}  // namespace

// ---------------------------------------------------------------- config

void TextClassifierConfig::validate() const {
  auto bad = [](const std::string& key, const std::string& v, const char* expected) {
    throw config_error("TextClassifierConfig." + key + " = " + v + ": expected " + expected);
  };
  if (word_ngrams < 1 || word_ngrams > 8) bad("word_ngrams", std::to_string(word_ngrams), "1..8");
  if (char_min < 0 || char_min > 12) bad("char_min", std::to_string(char_min), "0..12 (0 = none)");
  if (char_min > 0 && (char_max < char_min || char_max > 12)) bad("char_max", std::to_string(char_max), "char_min..12");
  if (cjk_max < 0 || cjk_max > 8) bad("cjk_max", std::to_string(cjk_max), "0..8");
  if (buckets < 1 || buckets > (std::int64_t{1} << 24)) bad("buckets", std::to_string(buckets), "1..2^24");
  if (min_count < 1) bad("min_count", std::to_string(min_count), ">= 1");
  if (epochs < 1 || epochs > 100000) bad("epochs", std::to_string(epochs), "1..100000");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    bad("learning_rate", detail::format_number(learning_rate), "a finite number > 0");
  if (!(l2 >= 0) || !std::isfinite(l2)) bad("l2", detail::format_number(l2), "a finite number >= 0");
  if (calibration_folds < 0 || calibration_folds == 1 || calibration_folds > 20)
    bad("calibration_folds", std::to_string(calibration_folds), "0 (none) or 2..20");
  for (const auto& g : exclusive_groups)
    if (g.empty()) bad("exclusive_groups", "\"\"", "non-empty label prefixes");
  if (solver != "adagrad" && solver != "lbfgs") bad("solver", "\"" + solver + "\"", "\"adagrad\" or \"lbfgs\"");
  if (weighting != "binary" && weighting != "tfidf")
    bad("weighting", "\"" + weighting + "\"", "\"binary\" or \"tfidf\"");
  if (max_iter < 1 || max_iter > 100000) bad("max_iter", std::to_string(max_iter), "1..100000");
  if (!(tol > 0) || !std::isfinite(tol)) bad("tol", detail::format_number(tol), "a finite number > 0");
  if (!(dense_scale > 0) || !std::isfinite(dense_scale))
    bad("dense_scale", detail::format_number(dense_scale), "a finite number > 0");
  if (tune_thresholds && calibration_folds < 2)
    bad("tune_thresholds", "true", "false when calibration_folds = 0 (thresholds are tuned on out-of-fold scores)");
}

bool TextClassifierConfig::operator==(const TextClassifierConfig& o) const {
  return word_ngrams == o.word_ngrams && char_min == o.char_min && char_max == o.char_max && cjk_max == o.cjk_max &&
         buckets == o.buckets && min_count == o.min_count && epochs == o.epochs && learning_rate == o.learning_rate &&
         l2 == o.l2 && seed == o.seed && balanced == o.balanced && calibration_folds == o.calibration_folds &&
         fold_case == o.fold_case && fold_width == o.fold_width && tune_thresholds == o.tune_thresholds &&
         exclusive_groups == o.exclusive_groups && solver == o.solver && weighting == o.weighting &&
         max_iter == o.max_iter && tol == o.tol && dense_scale == o.dense_scale;
}

TextClassifierConfig text_classifier_config_from_json(std::string_view text) {
  json::value v = detail::parse_json(text, "TextClassifierConfig");
  TextClassifierConfig c;
  detail::ObjectReader r(v, "TextClassifierConfig");
  r.integer("word_ngrams", c.word_ngrams, 1, 8);
  r.integer("char_min", c.char_min, 0, 12);
  r.integer("char_max", c.char_max, 0, 12);
  r.integer("cjk_max", c.cjk_max, 0, 8);
  long long b = c.buckets;
  r.integer("buckets", b, 1, 1LL << 24);
  c.buckets = b;
  r.integer("min_count", c.min_count, 1, std::numeric_limits<int>::max());
  r.integer("epochs", c.epochs, 1, 100000);
  r.number("learning_rate", c.learning_rate, 0, HUGE_VAL);
  r.number("l2", c.l2, 0, HUGE_VAL);
  r.seed("seed", c.seed);  // the one seed contract: any integer in [0, 2^64)
  r.boolean("balanced", c.balanced);
  r.integer("calibration_folds", c.calibration_folds, 0, 20);
  r.boolean("fold_case", c.fold_case);
  r.boolean("fold_width", c.fold_width);
  r.boolean("tune_thresholds", c.tune_thresholds);
  r.string("solver", c.solver);
  r.string("weighting", c.weighting);
  r.integer("max_iter", c.max_iter, 1, 100000);
  r.number("tol", c.tol, 0, HUGE_VAL);
  r.number("dense_scale", c.dense_scale, 0, HUGE_VAL);
  if (const json::value* g = r.raw("exclusive_groups")) {
    if (!g->is_array()) throw config_error("TextClassifierConfig.exclusive_groups: expected a list of strings");
    c.exclusive_groups.clear();
    for (const auto& x : g->as_array()) {
      if (!x.is_string())
        throw config_error("TextClassifierConfig.exclusive_groups: expected strings, got " +
                           std::string(detail::json_kind(x)));
      c.exclusive_groups.emplace_back(x.as_string());
    }
  }
  r.finish();
  c.validate();
  return c;
}

std::string to_json(const TextClassifierConfig& c) {
  json::object o;
  o["word_ngrams"] = c.word_ngrams;
  o["char_min"] = c.char_min;
  o["char_max"] = c.char_max;
  o["cjk_max"] = c.cjk_max;
  o["buckets"] = c.buckets;
  o["min_count"] = c.min_count;
  o["epochs"] = c.epochs;
  o["learning_rate"] = c.learning_rate;
  o["l2"] = c.l2;
  o["seed"] = c.seed;  // all 64 bits (a uint64 JSON number)
  o["balanced"] = c.balanced;
  o["calibration_folds"] = c.calibration_folds;
  o["fold_case"] = c.fold_case;
  o["fold_width"] = c.fold_width;
  o["tune_thresholds"] = c.tune_thresholds;
  json::array g;
  for (const auto& s : c.exclusive_groups) g.emplace_back(s);
  o["exclusive_groups"] = std::move(g);
  o["solver"] = c.solver;
  o["weighting"] = c.weighting;
  o["max_iter"] = c.max_iter;
  o["tol"] = c.tol;
  o["dense_scale"] = c.dense_scale;
  return detail::dump_json(o);
}

std::uint32_t fnv1a32(std::string_view bytes) {
  return fnv_add(kFnvBasis, bytes);
}

std::vector<std::string> text_model_tokens(std::string_view text, bool fold_case, bool fold_width) {
  Normalised t;
  normalise(text, fold_case, fold_width, t);
  std::vector<std::string> out;
  for (const auto& k : t.tokens) out.emplace_back(t.span(k.begin, k.end));
  return out;
}

std::vector<std::string> text_model_feature_strings(std::string_view text, const TextClassifierConfig& config) {
  Normalised t;
  normalise(text, config.fold_case, config.fold_width, t);
  std::vector<std::string> out;
  for_each_feature(t, config, [&](char tag, const std::string_view* parts, int n) {
    std::string s(1, tag);
    for (int i = 0; i < n; ++i) s.append(parts[i]);
    out.push_back(std::move(s));
  });
  return out;
}

// ---------------------------------------------------------------- the classifier

TextClassifier::TextClassifier(TextClassifierConfig config) : config_(std::move(config)) {
  config_.validate();
}

void TextClassifier::rebuild_index() {
  row_of_.assign(static_cast<std::size_t>(config_.buckets), -1);
  for (std::size_t r = 0; r < used_.size(); ++r) row_of_[used_[r]] = static_cast<std::int32_t>(r);
}

void TextClassifier::rebuild_groups() {
  groups_.clear();
  for (const auto& p : config_.exclusive_groups) {
    std::vector<int> g;
    for (std::size_t l = 0; l < labels_.size(); ++l)
      if (labels_[l].compare(0, p.size(), p) == 0) g.push_back(static_cast<int>(l));
    groups_.push_back(std::move(g));
  }
}

void TextClassifier::set_thresholds(const std::vector<double>& t) {
  if (t.size() != labels_.size())
    throw input_error("thresholds: " + std::to_string(t.size()) + " values; expected one per label (" +
                      std::to_string(labels_.size()) + ")");
  for (std::size_t l = 0; l < t.size(); ++l)
    if (!(t[l] >= 0 && t[l] <= 1))
      throw input_error("thresholds: label '" + labels_[l] + "' = " + detail::format_number(t[l]) +
                        ": expected a value in [0, 1]");
  thresholds_ = t;
}

void TextClassifier::tune_group_thresholds(const Matrix& oof, const LabelMatrix& labels) {
  // One threshold per exclusive group, for the decision `decide` makes: the most probable label
  // of the group (the first of equals) if its probability reaches t. The grid value with the best
  // micro-F1 over the group's labels on the out-of-fold calibrated probabilities (ties: higher).
  const std::int64_t n = oof.rows();
  for (const auto& g : groups_) {
    if (g.empty()) continue;
    std::vector<int> best_of(static_cast<std::size_t>(n));
    std::vector<double> p_best(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      int best = -1;
      double pb = 0;
      for (int l : g) {
        const auto u = static_cast<std::size_t>(l);
        const double p = sigmoid(-(platt_a_[u] * oof(i, l) + platt_b_[u]));
        if (best < 0 || p > pb) {
          best = l;
          pb = p;
        }
      }
      best_of[static_cast<std::size_t>(i)] = best;
      p_best[static_cast<std::size_t>(i)] = pb;
    }
    double best_t = 0.95, best_f = -1;
    for (int k = 19; k >= 1; --k) {
      const double t = k / 20.0;
      std::int64_t tp = 0, fp = 0, fn = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const bool on = p_best[static_cast<std::size_t>(i)] >= t;
        for (int l : g) {
          const bool gold = labels(i, l) != 0, dec = on && l == best_of[static_cast<std::size_t>(i)];
          tp += dec && gold;
          fp += dec && !gold;
          fn += !dec && gold;
        }
      }
      const double f = tp ? 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn) : 0.0;
      if (f > best_f) {
        best_f = f;
        best_t = t;
      }
    }
    for (int l : g) thresholds_[static_cast<std::size_t>(l)] = best_t;
  }
}

void TextClassifier::set_exclusive_groups(const std::vector<std::string>& groups) {
  TextClassifierConfig c = config_;
  c.exclusive_groups = groups;
  c.validate();
  config_ = std::move(c);
  rebuild_groups();
}

void TextClassifier::fit(const std::vector<TextRef>& texts, const LabelMatrix& labels,
                         const std::vector<std::string>& label_names, const Matrix& dense, int workers,
                         const std::function<void()>& check, const std::vector<std::string>& dense_names) {
  const auto n = static_cast<std::int64_t>(texts.size());
  if (n < 2) throw input_error("texts: " + std::to_string(n) + " text(s); at least 2 are needed to train");
  if (labels.rows() != n)
    throw input_error("labels: " + std::to_string(labels.rows()) + " rows; expected one per text (" +
                      std::to_string(n) + ")");
  if (labels.cols() < 1) throw input_error("labels: no label columns");
  if (static_cast<std::size_t>(labels.cols()) != label_names.size())
    throw input_error("labels: " + std::to_string(labels.cols()) + " columns but " +
                      std::to_string(label_names.size()) + " label names");
  for (std::size_t a = 0; a < label_names.size(); ++a)
    for (std::size_t b = a + 1; b < label_names.size(); ++b)
      if (label_names[a] == label_names[b]) throw input_error("labels: label '" + label_names[a] + "' appears twice");
  if (dense.cols() > 0 && dense.rows() != n)
    throw input_error("features: " + std::to_string(dense.rows()) + " rows; expected one per text (" +
                      std::to_string(n) + ")");
  for (std::int64_t i = 0; i < dense.rows(); ++i)
    for (std::int64_t j = 0; j < dense.cols(); ++j)
      if (!std::isfinite(dense(i, j)))
        throw input_error("features: row " + std::to_string(i) + ", column " + std::to_string(j) +
                          " is not finite; expected numbers (fill missing values first)");
  const int k_dense = static_cast<int>(dense.cols());
  if (!dense_names.empty()) {
    if (dense_names.size() != static_cast<std::size_t>(k_dense))
      throw input_error("features: " + std::to_string(dense_names.size()) + " names for " + std::to_string(k_dense) +
                        " columns");
    for (std::size_t a = 0; a < dense_names.size(); ++a) {
      if (dense_names[a].empty()) throw input_error("features: column " + std::to_string(a) + " has an empty name");
      for (std::size_t b = a + 1; b < dense_names.size(); ++b)
        if (dense_names[a] == dense_names[b])
          throw input_error("features: column name '" + dense_names[a] + "' appears twice");
    }
  }

  // 1. distinct buckets per text (in parallel: each text is independent)
  const bool tfidf = config_.weighting == "tfidf";
  std::vector<std::vector<std::uint32_t>> tb(static_cast<std::size_t>(n)), tc(tfidf ? static_cast<std::size_t>(n) : 0);
  detail::parallel_chunks(n, workers, 256, [&](std::ptrdiff_t b, std::ptrdiff_t e) {
    Normalised t;
    for (auto i = b; i < e; ++i) {
      normalise(view_of(texts[static_cast<std::size_t>(i)]), config_.fold_case, config_.fold_width, t);
      text_buckets(t, config_, tb[static_cast<std::size_t>(i)], tfidf ? &tc[static_cast<std::size_t>(i)] : nullptr);
    }
  });
  // 2. document frequency and the kept buckets
  std::vector<std::int32_t> df(static_cast<std::size_t>(config_.buckets), 0);
  for (const auto& v : tb)
    for (auto b : v) ++df[b];
  used_.clear();
  idf_.clear();
  for (std::size_t b = 0; b < df.size(); ++b)
    if (df[b] >= config_.min_count && df[b] > 0) {
      used_.push_back(static_cast<std::uint32_t>(b));
      // scikit-learn's smooth idf; float, as stored, so that fit and predict see the same values
      if (tfidf)
        idf_.push_back(
            static_cast<float>(std::log((1.0 + static_cast<double>(n)) / (1.0 + static_cast<double>(df[b]))) + 1.0));
    }
  df = {};
  rebuild_index();
  const auto n_used = static_cast<std::int64_t>(used_.size());
  // 3. dense standardisation (population sd; a constant column gets sd 1)
  dense_mean_.assign(static_cast<std::size_t>(k_dense), 0.0);
  dense_sd_.assign(static_cast<std::size_t>(k_dense), 1.0);
  for (int j = 0; j < k_dense; ++j) {
    double m = 0;
    for (std::int64_t i = 0; i < n; ++i) m += dense(i, j);
    m /= static_cast<double>(n);
    double v = 0;
    for (std::int64_t i = 0; i < n; ++i) v += (dense(i, j) - m) * (dense(i, j) - m);
    double sd = std::sqrt(v / static_cast<double>(n));
    dense_mean_[static_cast<std::size_t>(j)] = m;
    dense_sd_[static_cast<std::size_t>(j)] = sd > 0 ? sd : 1.0;
  }
  // 4. the design matrix
  Design X;
  X.start.push_back(0);
  for (std::int64_t i = 0; i < n; ++i) {
    std::size_t c0 = X.col.size();
    const auto& bi = tb[static_cast<std::size_t>(i)];
    for (std::size_t q = 0; q < bi.size(); ++q)
      if (row_of_[bi[q]] >= 0) {
        X.col.push_back(row_of_[bi[q]]);
        if (tfidf)
          X.val.push_back(
              tfidf_value(tc[static_cast<std::size_t>(i)][q], idf_[static_cast<std::size_t>(row_of_[bi[q]])]));
      }
    const std::size_t m = X.col.size() - c0;
    if (tfidf) {
      double ss = 0;
      for (std::size_t q = c0; q < X.val.size(); ++q) ss += X.val[q] * X.val[q];
      const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
      for (std::size_t q = c0; q < X.val.size(); ++q) X.val[q] *= inv;
    } else {
      const double v = m ? 1.0 / std::sqrt(static_cast<double>(m)) : 0.0;
      X.val.insert(X.val.end(), m, v);
    }
    for (int j = 0; j < k_dense; ++j) {
      X.col.push_back(static_cast<std::int32_t>(n_used + j));
      X.val.push_back(config_.dense_scale * (dense(i, j) - dense_mean_[static_cast<std::size_t>(j)]) /
                      dense_sd_[static_cast<std::size_t>(j)]);
    }
    X.start.push_back(static_cast<std::int64_t>(X.col.size()));
    tb[static_cast<std::size_t>(i)] = {};
    if (tfidf) tc[static_cast<std::size_t>(i)] = {};
  }
  const std::int64_t n_weights = n_used + k_dense;
  const int L = static_cast<int>(labels.cols());
  const int K = config_.calibration_folds;

  // 5. the fold of each text, then tasks: (fold f < K, label) for out-of-fold scores, (K, label) on all texts
  std::vector<std::int32_t> fold_of(static_cast<std::size_t>(n), 0);
  if (K > 0) {
    std::vector<std::int32_t> perm(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i);
    shuffle(perm, config_.seed ^ 0x5EED0F0DDBA11ull);
    for (std::int64_t i = 0; i < n; ++i)
      fold_of[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = static_cast<std::int32_t>(i % K);
  }
  std::vector<std::vector<std::int32_t>> train_rows(static_cast<std::size_t>(K + 1));
  for (int f = 0; f <= K; ++f)
    for (std::int64_t i = 0; i < n; ++i)
      if (f == K || fold_of[static_cast<std::size_t>(i)] != f)
        train_rows[static_cast<std::size_t>(f)].push_back(static_cast<std::int32_t>(i));
  Matrix oof = Matrix::Zero(n, L);
  std::vector<TaskResult> full(static_cast<std::size_t>(L));
  run_tasks(static_cast<std::size_t>((K + 1) * L), workers, check, [&](std::size_t task) {
    const int f = static_cast<int>(task) / L, l = static_cast<int>(task) % L;
    TaskResult r = config_.solver == "lbfgs"
                       ? train_label_lbfgs(X, labels, l, train_rows[static_cast<std::size_t>(f)], n_weights, config_)
                       : train_label(X, labels, l, train_rows[static_cast<std::size_t>(f)], n_weights, config_, f);
    if (f == K) {
      full[static_cast<std::size_t>(l)] = std::move(r);
      return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      if (fold_of[static_cast<std::size_t>(i)] != f) continue;
      double s = r.b;
      for (auto k = X.start[static_cast<std::size_t>(i)]; k < X.start[static_cast<std::size_t>(i) + 1]; ++k)
        s += X.val[static_cast<std::size_t>(k)] * r.w[static_cast<std::size_t>(X.col[static_cast<std::size_t>(k)])];
      oof(i, l) = s;
    }
  });
  // 6. weights, calibration and defaults
  labels_ = label_names;
  weights_.resize(n_weights, L);
  bias_.assign(static_cast<std::size_t>(L), 0.0);
  platt_a_.assign(static_cast<std::size_t>(L), -1.0);
  platt_b_.assign(static_cast<std::size_t>(L), 0.0);
  thresholds_.assign(static_cast<std::size_t>(L), 0.5);
  for (int l = 0; l < L; ++l) {
    const auto& r = full[static_cast<std::size_t>(l)];
    for (std::int64_t j = 0; j < n_weights; ++j) weights_(j, l) = static_cast<float>(r.w[static_cast<std::size_t>(j)]);
    bias_[static_cast<std::size_t>(l)] = r.b;
    if (K > 0) {
      std::vector<double> s(static_cast<std::size_t>(n));
      std::vector<std::uint8_t> y(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        s[static_cast<std::size_t>(i)] = oof(i, l);
        y[static_cast<std::size_t>(i)] = labels(i, l) != 0;
      }
      platt(s, y, platt_a_[static_cast<std::size_t>(l)], platt_b_[static_cast<std::size_t>(l)]);
      if (config_.tune_thresholds)
        thresholds_[static_cast<std::size_t>(l)] =
            best_f1_threshold(s, y, platt_a_[static_cast<std::size_t>(l)], platt_b_[static_cast<std::size_t>(l)]);
    }
  }
  dense_names_ = dense_names;
  rebuild_groups();
  if (K > 0 && config_.tune_thresholds) tune_group_thresholds(oof, labels);
}

TextClassifier::Matrix TextClassifier::decision_function(const std::vector<TextRef>& texts, const Matrix& dense,
                                                         int workers) const {
  if (!fitted()) throw input_error("TextClassifier: not fitted (call fit or load a model first)");
  const auto n = static_cast<std::int64_t>(texts.size());
  const int k = n_dense();
  if (dense.cols() != k)
    throw input_error("features: " + std::to_string(dense.cols()) + " columns; the model was trained with " +
                      std::to_string(k));
  if (k > 0 && dense.rows() != n)
    throw input_error("features: " + std::to_string(dense.rows()) + " rows; expected one per text (" +
                      std::to_string(n) + ")");
  const auto L = static_cast<std::int64_t>(labels_.size());
  const auto n_used = static_cast<std::int64_t>(used_.size());
  Matrix out(n, L);
  detail::parallel_chunks(n, workers, 512, [&](std::ptrdiff_t b, std::ptrdiff_t e) {
    Normalised t;
    std::vector<std::uint32_t> bk, cnt;
    std::vector<std::int32_t> rows;
    std::vector<double> vals, dacc(static_cast<std::size_t>(L));
    std::vector<float> acc(static_cast<std::size_t>(L));
    const bool tfidf = config_.weighting == "tfidf";
    for (auto i = b; i < e; ++i) {
      normalise(view_of(texts[static_cast<std::size_t>(i)]), config_.fold_case, config_.fold_width, t);
      text_buckets(t, config_, bk, tfidf ? &cnt : nullptr);
      if (tfidf) {
        rows.clear();
        vals.clear();
        double ss = 0;
        for (std::size_t q = 0; q < bk.size(); ++q)
          if (row_of_[bk[q]] >= 0) {
            rows.push_back(row_of_[bk[q]]);
            vals.push_back(tfidf_value(cnt[q], idf_[static_cast<std::size_t>(row_of_[bk[q]])]));
            ss += vals.back() * vals.back();
          }
        const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
        std::fill(dacc.begin(), dacc.end(), 0.0);
        for (std::size_t q = 0; q < rows.size(); ++q) {
          const float* w = weights_.data() + static_cast<std::int64_t>(rows[q]) * L;
          const double v = vals[q] * inv;
          for (std::int64_t l = 0; l < L; ++l) dacc[static_cast<std::size_t>(l)] += v * w[l];
        }
        for (std::int64_t l = 0; l < L; ++l)
          out(i, l) = bias_[static_cast<std::size_t>(l)] + dacc[static_cast<std::size_t>(l)];
      } else {
        rows.clear();
        for (auto x : bk)
          if (row_of_[x] >= 0) rows.push_back(row_of_[x]);
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (auto r : rows) {
          const float* w = weights_.data() + static_cast<std::int64_t>(r) * L;
          for (std::int64_t l = 0; l < L; ++l) acc[static_cast<std::size_t>(l)] += w[l];
        }
        const double v = rows.empty() ? 0.0 : 1.0 / std::sqrt(static_cast<double>(rows.size()));
        for (std::int64_t l = 0; l < L; ++l)
          out(i, l) = bias_[static_cast<std::size_t>(l)] + v * acc[static_cast<std::size_t>(l)];
      }
      for (int j = 0; j < k; ++j) {
        const double z = config_.dense_scale * (dense(i, j) - dense_mean_[static_cast<std::size_t>(j)]) /
                         dense_sd_[static_cast<std::size_t>(j)];
        const float* w = weights_.data() + (n_used + j) * L;
        for (std::int64_t l = 0; l < L; ++l) out(i, l) += z * w[l];
      }
    }
  });
  return out;
}

TextClassifier::Matrix TextClassifier::predict_proba(const std::vector<TextRef>& texts, const Matrix& dense,
                                                     int workers) const {
  Matrix s = decision_function(texts, dense, workers);
  for (std::int64_t i = 0; i < s.rows(); ++i)
    for (std::int64_t l = 0; l < s.cols(); ++l)
      s(i, l) = sigmoid(-(platt_a_[static_cast<std::size_t>(l)] * s(i, l) + platt_b_[static_cast<std::size_t>(l)]));
  return s;
}

TextClassifier::LabelMatrix TextClassifier::decide(const Matrix& p) const {
  if (p.cols() != static_cast<std::int64_t>(labels_.size()))
    throw input_error("proba: " + std::to_string(p.cols()) + " columns; expected one per label (" +
                      std::to_string(labels_.size()) + ")");
  LabelMatrix out = LabelMatrix::Zero(p.rows(), p.cols());
  std::vector<char> grouped(labels_.size(), 0);
  for (const auto& g : groups_)
    for (int l : g) grouped[static_cast<std::size_t>(l)] = 1;
  for (std::int64_t i = 0; i < p.rows(); ++i) {
    for (std::int64_t l = 0; l < p.cols(); ++l)
      if (!grouped[static_cast<std::size_t>(l)]) out(i, l) = p(i, l) >= thresholds_[static_cast<std::size_t>(l)];
    for (const auto& g : groups_) {
      int best = -1;
      for (int l : g)
        if (best < 0 || p(i, l) > p(i, best)) best = l;
      if (best >= 0 && p(i, best) >= thresholds_[static_cast<std::size_t>(best)]) out(i, best) = 1;
    }
  }
  return out;
}

TextClassifier::LabelMatrix TextClassifier::predict(const std::vector<TextRef>& texts, const Matrix& dense,
                                                    int workers) const {
  return decide(predict_proba(texts, dense, workers));
}

// Byte format, version 2 (binary weighting) or 3 (tf-idf: the idf block), little-endian
// (docs/text_model.md; version 1 is read too: no dense names):
//   8   magic "SSTMODEL"
//   u32 version (2)
//   u32 n + n bytes: the config as JSON (to_json)
//   u32 L; L x (u32 n + n bytes): label names (UTF-8)
//   u32 k; k x f64 mean; k x f64 sd: dense feature standardisation
//   u32 m (0 or k); m x (u32 n + n bytes): dense feature names (version 2 only)
//   u32 U; U x u32: used buckets, strictly increasing, < config.buckets
//   (version 3, weighting "tfidf" only) U x f32: idf of each used bucket, > 0
//   (U + k) x L f32: weights, row-major (bucket rows, then dense rows)
//   L x f64 bias, L x f64 Platt A, L x f64 Platt B, L x f64 thresholds
//   u64 FNV-1a 64 of every byte before it
std::string TextClassifier::to_bytes() const {
  if (!fitted()) throw input_error("TextClassifier.to_bytes: not fitted");
  Writer w;
  w.out.append(kMagic, 8);
  const bool tfidf = config_.weighting == "tfidf";
  w.u32(tfidf ? 3u : 2u);  // a binary model keeps the version 2 layout
  w.str(to_json(config_));
  w.u32(static_cast<std::uint32_t>(labels_.size()));
  for (const auto& l : labels_) w.str(l);
  w.u32(static_cast<std::uint32_t>(dense_mean_.size()));
  for (double m : dense_mean_) w.f64(m);
  for (double s : dense_sd_) w.f64(s);
  w.u32(static_cast<std::uint32_t>(dense_names_.size()));
  for (const auto& nm : dense_names_) w.str(nm);
  w.u32(static_cast<std::uint32_t>(used_.size()));
  for (auto b : used_) w.u32(b);
  if (tfidf)
    for (float x : idf_) w.f32(x);
  for (std::int64_t i = 0; i < weights_.size(); ++i) w.f32(weights_.data()[i]);
  for (const auto* v : {&bias_, &platt_a_, &platt_b_, &thresholds_})
    for (double x : *v) w.f64(x);
  w.u64(fnv1a64(w.out));
  return std::move(w.out);
}

TextClassifier TextClassifier::from_bytes(std::string_view bytes) {
  Reader r{bytes};
  if (bytes.size() < 8 + 4 + 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw input_error("text model bytes: not a servscore text model (the magic header \"SSTMODEL\" is missing)");
  {
    Reader t{bytes, bytes.size() - 8};
    if (t.u64("checksum") != fnv1a64(bytes.substr(0, bytes.size() - 8)))
      throw input_error("text model bytes: checksum mismatch (the file is truncated or corrupted)");
  }
  r.in = bytes.substr(0, bytes.size() - 8);
  r.pos = 8;
  const std::uint32_t version = r.u32("version");
  if (version < 1 || version > kVersion)
    throw input_error("text model bytes: format version " + std::to_string(version) +
                      "; this build reads versions 1 to " + std::to_string(kVersion));
  TextClassifierConfig cfg;
  try {
    cfg = text_classifier_config_from_json(r.str("config"));
  } catch (const config_error& e) {
    throw input_error(std::string("text model bytes: invalid config: ") + e.what());
  }
  TextClassifier m(cfg);
  const std::uint32_t L = r.count("label count", 4);
  if (L == 0) r.fail("label count 0");
  for (std::uint32_t l = 0; l < L; ++l) {
    m.labels_.push_back(r.str("label name"));
    if (!valid_utf8(m.labels_.back())) r.fail("label name not valid UTF-8");
  }
  if (const std::string* d = first_duplicate(m.labels_)) r.fail("label '" + *d + "' appears twice");
  const std::uint32_t k = r.count("dense feature count", 16);
  for (std::uint32_t j = 0; j < k; ++j) {
    m.dense_mean_.push_back(r.f64("dense mean"));
    if (!std::isfinite(m.dense_mean_.back())) r.fail("dense mean not finite");
  }
  for (std::uint32_t j = 0; j < k; ++j) {
    double sd = r.f64("dense sd");
    if (!(sd > 0) || !std::isfinite(sd)) r.fail("dense sd not a positive number");
    m.dense_sd_.push_back(sd);
  }
  if (version >= 2) {
    const std::uint32_t names = r.count("dense name count", 4);
    if (names != 0 && names != k) r.fail("dense name count neither 0 nor the dense feature count");
    for (std::uint32_t j = 0; j < names; ++j) {
      m.dense_names_.push_back(r.str("dense name"));
      if (m.dense_names_.back().empty()) r.fail("empty dense feature name");
      if (!valid_utf8(m.dense_names_.back())) r.fail("dense feature name not valid UTF-8");
    }
    if (const std::string* d = first_duplicate(m.dense_names_)) r.fail("dense feature name '" + *d + "' appears twice");
  }
  const std::uint32_t U = r.count("used bucket count", 4);
  if (U > static_cast<std::uint64_t>(cfg.buckets)) r.fail("used bucket count exceeds the buckets");
  m.used_.resize(U);
  for (std::uint32_t u = 0; u < U; ++u) {
    m.used_[u] = r.u32("bucket");
    if (m.used_[u] >= cfg.buckets || (u > 0 && m.used_[u] <= m.used_[u - 1]))
      r.fail("buckets not strictly increasing below config.buckets");
  }
  if (cfg.weighting == "tfidf") {
    if (version < 3) r.fail("a tf-idf model needs format version 3");
    r.need(static_cast<std::uint64_t>(U) * 4, "idf");
    m.idf_.resize(U);
    for (std::uint32_t u = 0; u < U; ++u) {
      m.idf_[u] = r.f32("idf");
      if (!(m.idf_[u] > 0) || !std::isfinite(m.idf_[u])) r.fail("idf not a positive number");
    }
  }
  const std::uint64_t n_w = (static_cast<std::uint64_t>(U) + k) * L;
  r.need(n_w * 4 + static_cast<std::uint64_t>(L) * 32, "weights");
  m.weights_.resize(static_cast<std::int64_t>(U) + k, L);
  for (std::uint64_t i = 0; i < n_w; ++i) {
    m.weights_.data()[i] = r.f32("weight");
    if (!std::isfinite(m.weights_.data()[i])) r.fail("weight not finite");
  }
  for (auto* v : {&m.bias_, &m.platt_a_, &m.platt_b_, &m.thresholds_})
    for (std::uint32_t l = 0; l < L; ++l) {
      v->push_back(r.f64("label parameters"));
      if (!std::isfinite(v->back())) r.fail("label parameter not finite");
    }
  if (r.pos != r.in.size()) r.fail("trailing bytes");
  for (std::uint32_t l = 0; l < L; ++l)
    if (!(m.thresholds_[l] >= 0 && m.thresholds_[l] <= 1)) r.fail("threshold outside [0, 1]");
  m.rebuild_index();
  m.rebuild_groups();
  return m;
}

}  // namespace servscore
