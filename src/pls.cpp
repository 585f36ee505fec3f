#include "servscore/pls.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "json_util.hpp"
#include "kernels.hpp"
#include "servscore/detail/parallel.hpp"
#include "servscore/detail/quantile.hpp"
#include "servscore/detail/random.hpp"
#include "servscore/errors.hpp"
#include "servscore/model.hpp"
#include "servscore/moments.hpp"

namespace servscore {

namespace json = boost::json;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// ---------------------------------------------------------------------------------------------
// names

namespace {
constexpr std::array<EnumInfo, 2> kModes{
    {{"A", "Mode A", "A 模式", "reflective|mode_a"}, {"B", "Mode B", "B 模式", "formative|mode_b"}}};
constexpr std::array<EnumInfo, 3> kSchemes{{{"centroid", "centroid", "质心", "c"},
                                            {"factorial", "factorial", "因子", "f"},
                                            {"path", "path", "路径", "p|path_weighting"}}};
constexpr std::array<EnumInfo, 2> kMissing{{{"mean", "mean replacement", "均值替换", "mean_replacement|impute"},
                                            {"listwise", "listwise deletion", "成列删除", "complete|drop"}}};
constexpr std::array<EnumInfo, 2> kConvergence{
    {{"max_abs", "max |change| of a weight", "权重最大变化", "max|tight"},
     {"plspm", "R plspm (sum of squared changes)", "R plspm 规则", "sum_squares|r"}}};
constexpr std::array<const char*, 5> kStats{{"weight", "loading", "path", "total", "r2"}};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

const char* to_string(PlsMode m) {
  return kModes[static_cast<std::size_t>(m)].name;
}
const char* to_string(PlsScheme s) {
  return kSchemes[static_cast<std::size_t>(s)].name;
}
const char* to_string(PlsMissing m) {
  return kMissing[static_cast<std::size_t>(m)].name;
}
const char* to_string(PlsConvergence c) {
  return kConvergence[static_cast<std::size_t>(c)].name;
}
const char* to_string(PlsStat s) {
  return kStats[static_cast<std::size_t>(s)];
}
PlsMode parse_pls_mode(std::string_view name) {
  return static_cast<PlsMode>(detail::parse_enum_index(kModes.data(), kModes.size(), "pls_mode", name));
}
PlsScheme parse_pls_scheme(std::string_view name) {
  return static_cast<PlsScheme>(detail::parse_enum_index(kSchemes.data(), kSchemes.size(), "pls_scheme", name));
}
PlsMissing parse_pls_missing(std::string_view name) {
  return static_cast<PlsMissing>(detail::parse_enum_index(kMissing.data(), kMissing.size(), "pls_missing", name));
}
PlsConvergence parse_pls_convergence(std::string_view name) {
  return static_cast<PlsConvergence>(
      detail::parse_enum_index(kConvergence.data(), kConvergence.size(), "pls_convergence", name));
}

// ---------------------------------------------------------------------------------------------
// model

int PlsModel::index_of(std::string_view name) const {
  for (std::size_t j = 0; j < blocks.size(); ++j)
    if (blocks[j].name == name) return static_cast<int>(j);
  return -1;
}

std::vector<std::string> PlsModel::indicators() const {
  std::vector<std::string> out;
  for (const auto& b : blocks) out.insert(out.end(), b.indicators.begin(), b.indicators.end());
  return out;
}

void PlsModel::validate() const {
  if (blocks.empty()) throw config_error("model.blocks: expected at least two latent variables, got none");
  std::unordered_map<std::string, std::string> owner;  // indicator -> block
  for (std::size_t j = 0; j < blocks.size(); ++j) {
    const auto& b = blocks[j];
    std::string where = "model.blocks[" + std::to_string(j) + "]";
    if (b.name.empty()) throw config_error(where + ".name: expected a non-empty latent name");
    for (std::size_t k = 0; k < j; ++k)
      if (blocks[k].name == b.name) throw config_error(where + ".name: duplicate latent '" + b.name + "'");
    if (b.indicators.empty())
      throw config_error(where + ": block '" + b.name + "' is empty; expected at least one indicator column");
    for (const auto& ind : b.indicators) {
      if (ind.empty()) throw config_error(where + ": block '" + b.name + "' has an empty indicator name");
      auto [it, fresh] = owner.emplace(ind, b.name);
      if (!fresh)
        throw config_error(where + ": indicator '" + ind + "' of block '" + b.name + "' is already in block '" +
                           it->second + "'; each column may measure one latent only");
    }
  }
  if (blocks.size() < 2) throw config_error("model.blocks: expected at least two latent variables, got one");
  const int J = static_cast<int>(blocks.size());
  std::vector<std::vector<int>> succ(static_cast<std::size_t>(J));
  std::vector<int> degree(static_cast<std::size_t>(J), 0);
  for (std::size_t e = 0; e < paths.size(); ++e) {
    const auto& p = paths[e];
    std::string where = "model.paths[" + std::to_string(e) + "]";
    int f = index_of(p.from), t = index_of(p.to);
    if (f < 0) throw config_error(where + ".from: unknown latent '" + p.from + "'");
    if (t < 0) throw config_error(where + ".to: unknown latent '" + p.to + "'");
    if (f == t) throw config_error(where + ": self-loop on '" + p.from + "'");
    for (std::size_t k = 0; k < e; ++k)
      if (paths[k] == p) throw config_error(where + ": duplicate path " + p.from + " -> " + p.to);
    succ[static_cast<std::size_t>(f)].push_back(t);
    ++degree[static_cast<std::size_t>(f)];
    ++degree[static_cast<std::size_t>(t)];
  }
  for (int j = 0; j < J; ++j)
    if (degree[static_cast<std::size_t>(j)] == 0)
      throw config_error("model.paths: latent '" + blocks[static_cast<std::size_t>(j)].name +
                         "' is connected to no other latent; every latent needs at least one path");
  // cycle check by depth-first search (0 new, 1 on stack, 2 done)
  std::vector<int> state(static_cast<std::size_t>(J), 0), stack_path;
  std::function<void(int)> visit = [&](int v) {
    state[static_cast<std::size_t>(v)] = 1;
    stack_path.push_back(v);
    for (int w : succ[static_cast<std::size_t>(v)]) {
      if (state[static_cast<std::size_t>(w)] == 1) {
        std::string cyc;
        auto it = std::find(stack_path.begin(), stack_path.end(), w);
        for (; it != stack_path.end(); ++it) cyc += blocks[static_cast<std::size_t>(*it)].name + " -> ";
        throw config_error("model.paths: the paths contain a cycle (" + cyc + blocks[static_cast<std::size_t>(w)].name +
                           "); a PLS path model must be acyclic");
      }
      if (state[static_cast<std::size_t>(w)] == 0) visit(w);
    }
    stack_path.pop_back();
    state[static_cast<std::size_t>(v)] = 2;
  };
  for (int j = 0; j < J; ++j)
    if (state[static_cast<std::size_t>(j)] == 0) visit(j);
}

static void tag_invoke(json::value_from_tag, json::value& jv, const PlsModel& m) {
  json::array blocks, paths;
  for (const auto& b : m.blocks) {
    json::array inds;
    for (const auto& i : b.indicators) inds.emplace_back(i);
    blocks.push_back(json::object{{"name", b.name}, {"indicators", std::move(inds)}, {"mode", to_string(b.mode)}});
  }
  for (const auto& p : m.paths) paths.push_back(json::object{{"from", p.from}, {"to", p.to}});
  jv = {{"blocks", std::move(blocks)}, {"paths", std::move(paths)}};
}

static std::string as_name(const json::value& v, const std::string& where) {
  if (!v.is_string()) throw config_error(where + ": expected a string, got " + detail::json_kind(v));
  return std::string(v.as_string());
}

PlsModel pls_model_from_json(std::string_view text) {
  json::value jv = detail::parse_json(text, "pls model");
  PlsModel m;
  detail::ObjectReader r(jv, "model");
  const json::value* bv = r.raw("blocks");
  if (!bv) throw config_error("model.blocks: required (a list of {name, indicators, mode})");
  if (!bv->is_array()) throw config_error("model.blocks: expected a list, got " + std::string(detail::json_kind(*bv)));
  std::size_t i = 0;
  for (const auto& item : bv->get_array()) {
    std::string path = "model.blocks[" + std::to_string(i++) + "]";
    PlsBlock b;
    detail::ObjectReader br(item, path);
    br.string("name", b.name);
    if (!br.has("name")) throw config_error(path + ".name: required");
    const json::value* iv = br.raw("indicators");
    if (!iv || !iv->is_array()) throw config_error(path + ".indicators: required, a list of column names");
    std::size_t k = 0;
    for (const auto& c : iv->get_array())
      b.indicators.push_back(as_name(c, path + ".indicators[" + std::to_string(k++) + "]"));
    std::string mode = "A";
    br.string("mode", mode);
    try {
      b.mode = parse_pls_mode(mode);
    } catch (const config_error& e) {
      throw config_error(path + ".mode: " + e.what());
    }
    br.finish();
    m.blocks.push_back(std::move(b));
  }
  if (const json::value* pv = r.raw("paths")) {
    if (!pv->is_array()) throw config_error("model.paths: expected a list, got " + std::string(detail::json_kind(*pv)));
    std::size_t e = 0;
    for (const auto& item : pv->get_array()) {
      std::string path = "model.paths[" + std::to_string(e++) + "]";
      PlsPath p;
      if (item.is_array() && item.get_array().size() == 2) {
        p.from = as_name(item.get_array()[0], path + "[0]");
        p.to = as_name(item.get_array()[1], path + "[1]");
      } else {
        detail::ObjectReader pr(item, path);
        pr.string("from", p.from);
        pr.string("to", p.to);
        if (!pr.has("from") || !pr.has("to")) throw config_error(path + ": expected {\"from\": ..., \"to\": ...}");
        pr.finish();
      }
      m.paths.push_back(std::move(p));
    }
  }
  r.finish();
  m.validate();
  return m;
}

std::string to_json(const PlsModel& model) {
  return detail::dump_json(json::value_from(model));
}

// ---------------------------------------------------------------------------------------------
// config

void PlsConfig::validate() const {
  if (!(tolerance > 0.0 && std::isfinite(tolerance)))
    throw config_error("tolerance: " + detail::format_number(tolerance) + " is out of range; expected a number > 0");
  if (max_iter < 1) throw config_error("max_iter: " + std::to_string(max_iter) + " is out of range; expected >= 1");
  if (!std::isfinite(scale_min) || !std::isfinite(scale_max) || !(scale_min < scale_max))
    throw config_error("scale_min/scale_max: expected finite numbers with scale_min < scale_max, got " +
                       detail::format_number(scale_min) + " and " + detail::format_number(scale_max));
  if (bootstrap < 0) throw config_error("bootstrap: " + std::to_string(bootstrap) + " is out of range; expected >= 0");
  // the cap of every engine (servscore._checks.MAX_BOOTSTRAP): each resample keeps its weights
  constexpr long long kMaxBootstrap = 1'000'000;
  if (bootstrap > kMaxBootstrap) {
    auto grouped = [](long long v) {  // 1,000,000: the wording of servscore._checks.check_count
      std::string d = std::to_string(v), out;
      for (std::size_t i = 0; i < d.size(); ++i) out += (i > 0 && (d.size() - i) % 3 == 0 ? "," : "") + d.substr(i, 1);
      return out;
    };
    throw config_error("bootstrap: " + grouped(bootstrap) + " is above the cap of " + grouped(kMaxBootstrap) +
                       " (memory and run time grow with it); expected a count in [0, " + grouped(kMaxBootstrap) + "]");
  }
  if (!(confidence > 0.0 && confidence < 1.0))
    throw config_error("confidence: " + detail::format_number(confidence) + " is out of range; expected (0, 1)");
  if (!(vif_limit > 0.0))
    throw config_error("vif_limit: " + detail::format_number(vif_limit) + " is out of range; expected a number > 0");
  if (!(dg_log_base > 0.0 && dg_log_base != 1.0 && std::isfinite(dg_log_base)))
    throw config_error("dg_log_base: " + detail::format_number(dg_log_base) +
                       " is out of range; expected a finite number > 0 other than 1 (10 as cSEM, 2.718... for ln)");
  for (std::size_t k = 0; k < composites.size(); ++k)
    if (composites[k].empty())
      throw config_error("composites[" + std::to_string(k) + "]: expected a latent name, got an empty string");
}

bool PlsConfig::operator==(const PlsConfig& o) const {
  return scheme == o.scheme && scaled == o.scaled && tolerance == o.tolerance && max_iter == o.max_iter &&
         missing == o.missing && indices == o.indices && scale_min == o.scale_min && scale_max == o.scale_max &&
         ipma_target == o.ipma_target && bootstrap == o.bootstrap && seed == o.seed && confidence == o.confidence &&
         convergence == o.convergence && vif_limit == o.vif_limit && consistent == o.consistent &&
         composites == o.composites && dg_log_base == o.dg_log_base;
}

static void tag_invoke(json::value_from_tag, json::value& jv, const PlsConfig& c) {
  jv = {{"scheme", to_string(c.scheme)}, {"scaled", c.scaled},
        {"tolerance", c.tolerance},      {"convergence", to_string(c.convergence)},
        {"max_iter", c.max_iter},        {"missing", to_string(c.missing)},
        {"indices", c.indices},          {"scale_min", c.scale_min},
        {"scale_max", c.scale_max},      {"ipma_target", c.ipma_target},
        {"bootstrap", c.bootstrap},      {"seed", c.seed},
        {"confidence", c.confidence},    {"vif_limit", c.vif_limit},
        {"consistent", c.consistent},    {"composites", json::value_from(c.composites)},
        {"dg_log_base", c.dg_log_base}};
}

PlsConfig pls_config_from_json(std::string_view text) {
  json::value jv = detail::parse_json(text, "pls config");
  PlsConfig c;
  detail::ObjectReader r(jv, "config");
  std::string s;
  if (r.has("scheme")) {
    r.string("scheme", s);
    try {
      c.scheme = parse_pls_scheme(s);
    } catch (const config_error& e) {
      throw config_error(std::string("config.scheme: ") + e.what());
    }
  }
  r.boolean("scaled", c.scaled);
  r.number("tolerance", c.tolerance);
  if (r.has("convergence")) {
    r.string("convergence", s);
    try {
      c.convergence = parse_pls_convergence(s);
    } catch (const config_error& e) {
      throw config_error(std::string("config.convergence: ") + e.what());
    }
  }
  r.integer("max_iter", c.max_iter, 1, 1000000);
  if (r.has("missing")) {
    r.string("missing", s);
    try {
      c.missing = parse_pls_missing(s);
    } catch (const config_error& e) {
      throw config_error(std::string("config.missing: ") + e.what());
    }
  }
  r.boolean("indices", c.indices);
  r.number("scale_min", c.scale_min);
  r.number("scale_max", c.scale_max);
  r.string("ipma_target", c.ipma_target);
  r.integer("bootstrap", c.bootstrap, 0, 100000000);
  r.seed("seed", c.seed);
  r.number("confidence", c.confidence, 0, 1);
  r.number("vif_limit", c.vif_limit);
  r.boolean("consistent", c.consistent);
  r.number("dg_log_base", c.dg_log_base);
  if (const json::value* cv = r.raw("composites")) {
    if (!cv->is_array())
      throw config_error("config.composites: expected a list of latent names, got " +
                         std::string(detail::json_kind(*cv)));
    std::size_t k = 0;
    for (const auto& item : cv->get_array())
      c.composites.push_back(as_name(item, "config.composites[" + std::to_string(k++) + "]"));
  }
  r.finish();
  c.validate();
  return c;
}

std::string to_json(const PlsConfig& config) {
  return detail::dump_json(json::value_from(config));
}

// ---------------------------------------------------------------------------------------------
// estimation on the moment matrix

namespace {

struct Spec {
  int J = 0, p = 0;
  std::vector<int> start, size;  // block j = indicators [start, start + size)
  std::vector<int> block_of;
  std::vector<PlsMode> modes;
  Eigen::MatrixXi adj;  // (to, from)
  std::vector<std::vector<int>> preds, succs;
  std::vector<std::pair<int, int>> edges;  // (from, to) in model order
  std::vector<int> endogenous;
};

Spec compile(const PlsModel& m) {
  Spec s;
  s.J = static_cast<int>(m.blocks.size());
  s.adj = Eigen::MatrixXi::Zero(s.J, s.J);
  for (int j = 0; j < s.J; ++j) {
    const auto& b = m.blocks[static_cast<std::size_t>(j)];
    s.start.push_back(s.p);
    s.size.push_back(static_cast<int>(b.indicators.size()));
    s.modes.push_back(b.mode);
    for (std::size_t k = 0; k < b.indicators.size(); ++k) s.block_of.push_back(j);
    s.p += static_cast<int>(b.indicators.size());
  }
  s.preds.resize(static_cast<std::size_t>(s.J));
  s.succs.resize(static_cast<std::size_t>(s.J));
  for (const auto& e : m.paths) {
    int f = m.index_of(e.from), t = m.index_of(e.to);
    s.adj(t, f) = 1;
    s.edges.emplace_back(f, t);
  }
  // predecessors in latent order, as R's path matrix does
  for (int t = 0; t < s.J; ++t)
    for (int f = 0; f < s.J; ++f)
      if (s.adj(t, f)) {
        s.preds[static_cast<std::size_t>(t)].push_back(f);
        s.succs[static_cast<std::size_t>(f)].push_back(t);
      }
  for (int j = 0; j < s.J; ++j)
    if (!s.preds[static_cast<std::size_t>(j)].empty()) s.endogenous.push_back(j);
  return s;
}

enum class Status { ok, zero_variance, singular_block, degenerate_latent, singular_inner, no_convergence, non_finite };

struct Core {
  Status status = Status::ok;
  int where = -1;   // indicator or latent concerned
  VectorXd w;       // p standardised outer weights
  MatrixXd R;       // J x J latent correlations
  MatrixXd cov_xl;  // p x J covariances of the treated indicators with the latents
  int iterations = 0;
  bool converged = false;
};

// Rank of a symmetric positive semi-definite matrix, relative to its largest diagonal element.
Index sym_rank(const MatrixXd& A) {
  Eigen::ColPivHouseholderQR<MatrixXd> qr(A);
  qr.setThreshold(1e-10);
  return qr.rank();
}

// Lohmöller's iteration on S, the p x p moment matrix of the treated (centred, perhaps scaled) data.
Core estimate(const MatrixXd& S, const Spec& sp, const PlsConfig& cfg, const VectorXd* reference) {
  Core c;
  const int J = sp.J, p = sp.p;
  std::vector<Eigen::LDLT<MatrixXd>> inv(static_cast<std::size_t>(J));
  for (int j = 0; j < J; ++j) {
    auto Sjj = S.block(sp.start[j], sp.start[j], sp.size[j], sp.size[j]);
    if (sp.modes[static_cast<std::size_t>(j)] == PlsMode::b) {
      if (sym_rank(Sjj) < sp.size[static_cast<std::size_t>(j)]) {
        c.status = Status::singular_block;
        c.where = j;
        return c;
      }
      inv[static_cast<std::size_t>(j)].compute(Sjj);
    }
  }
  VectorXd w(p);
  for (int j = 0; j < J; ++j) {
    double v = S.block(sp.start[j], sp.start[j], sp.size[j], sp.size[j]).sum();
    if (!(v > 0.0)) {
      c.status = Status::degenerate_latent;
      c.where = j;
      return c;
    }
    w.segment(sp.start[j], sp.size[j]).setConstant(1.0 / std::sqrt(v));
  }
  MatrixXd G(p, J), C(J, J), E(J, J);
  VectorXd d(J), w_new(p);
  auto covariances = [&](const VectorXd& wv) {
    for (int j = 0; j < J; ++j)
      G.col(j).noalias() = S.middleCols(sp.start[j], sp.size[j]) * wv.segment(sp.start[j], sp.size[j]);
    for (int j = 0; j < J; ++j)
      for (int k = 0; k < J; ++k)
        C(k, j) = wv.segment(sp.start[k], sp.size[k]).dot(G.col(j).segment(sp.start[k], sp.size[k]));
  };
  for (int iter = 1;; ++iter) {
    covariances(w);
    for (int j = 0; j < J; ++j) {
      if (!(C(j, j) > 0.0) || !std::isfinite(C(j, j))) {
        c.status = Status::degenerate_latent;
        c.where = j;
        return c;
      }
      d(j) = std::sqrt(C(j, j));
    }
    MatrixXd Ry = C.array() / (d * d.transpose()).array();
    MatrixXd Gy = G.array().rowwise() / d.transpose().array();  // cov(X, Y), Y standardised
    E.setZero();
    switch (cfg.scheme) {
      case PlsScheme::centroid:
      case PlsScheme::factorial:
        for (int j = 0; j < J; ++j)
          for (int k = 0; k < J; ++k)
            if (sp.adj(j, k) || sp.adj(k, j)) {
              double r = Ry(j, k);
              E(j, k) = cfg.scheme == PlsScheme::factorial ? r : (r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0));
            }
        break;
      case PlsScheme::path:
        for (int k = 0; k < J; ++k) {
          const auto& pr = sp.preds[static_cast<std::size_t>(k)];
          if (!pr.empty()) {
            const Index q = static_cast<Index>(pr.size());
            MatrixXd A(q, q);
            VectorXd b(q);
            for (Index a = 0; a < q; ++a) {
              b(a) = Ry(pr[static_cast<std::size_t>(a)], k);
              for (Index e = 0; e < q; ++e)
                A(a, e) = Ry(pr[static_cast<std::size_t>(a)], pr[static_cast<std::size_t>(e)]);
            }
            if (sym_rank(A) < q) {
              c.status = Status::singular_inner;
              c.where = k;
              return c;
            }
            VectorXd beta = A.ldlt().solve(b);
            for (Index a = 0; a < q; ++a) E(pr[static_cast<std::size_t>(a)], k) = beta(a);
          }
          for (int s : sp.succs[static_cast<std::size_t>(k)]) E(s, k) = Ry(s, k);
        }
        break;
    }
    for (int j = 0; j < J; ++j) {
      VectorXd h = Gy.middleRows(sp.start[j], sp.size[j]) * E.col(j);
      if (sp.modes[static_cast<std::size_t>(j)] == PlsMode::b) h = inv[static_cast<std::size_t>(j)].solve(h);
      w_new.segment(sp.start[j], sp.size[j]) = h;
    }
    if (!w_new.allFinite()) {
      c.status = Status::non_finite;
      return c;
    }
    const auto change = w.cwiseAbs() - w_new.cwiseAbs();
    const double dif = cfg.convergence == PlsConvergence::plspm ? change.squaredNorm() : change.cwiseAbs().maxCoeff();
    w.swap(w_new);
    c.iterations = iter;
    if (dif < cfg.tolerance) {
      c.converged = true;
      break;
    }
    if (iter >= cfg.max_iter) break;
  }
  for (int j = 0; j < J; ++j) {
    auto seg = w.segment(sp.start[j], sp.size[j]);
    double v = seg.dot(S.block(sp.start[j], sp.start[j], sp.size[j], sp.size[j]) * seg);
    if (!(v > 0.0)) {
      c.status = Status::degenerate_latent;
      c.where = j;
      return c;
    }
    seg /= std::sqrt(v);
  }
  // sign: align with the reference weights (bootstrap), else make most loadings positive
  for (int j = 0; j < J; ++j) {
    auto seg = w.segment(sp.start[j], sp.size[j]);
    bool flip;
    if (reference) {
      flip = seg.dot(reference->segment(sp.start[j], sp.size[j])) < 0.0;
    } else {
      VectorXd l = S.block(sp.start[j], sp.start[j], sp.size[j], sp.size[j]) * seg;
      int score = 0;
      for (Index i = 0; i < l.size(); ++i) score += l(i) > 0 ? 1 : (l(i) < 0 ? -1 : 0);
      flip = score < 0;
    }
    if (flip) seg = -seg;
  }
  covariances(w);
  c.R = C;
  c.R.diagonal().setOnes();
  c.cov_xl = G;
  c.w = std::move(w);
  if (!c.converged) c.status = Status::no_convergence;
  return c;
}

struct Inner {
  bool ok = true;
  int where = -1;
  MatrixXd B, se;
  VectorXd r2;
  MatrixXd total;
};

// OLS of each endogenous latent on its predecessors, from the J x J moment matrix R (covariances).
Inner inner_model(const MatrixXd& R, const Spec& sp, bool with_se, double n) {
  Inner in;
  const int J = sp.J;
  in.B = MatrixXd::Zero(J, J);
  in.se = MatrixXd::Zero(J, J);
  in.r2 = VectorXd::Zero(J);
  for (int t : sp.endogenous) {
    const auto& pr = sp.preds[static_cast<std::size_t>(t)];
    const Index q = static_cast<Index>(pr.size());
    MatrixXd A(q, q);
    VectorXd b(q);
    for (Index a = 0; a < q; ++a) {
      b(a) = R(pr[static_cast<std::size_t>(a)], t);
      for (Index e = 0; e < q; ++e) A(a, e) = R(pr[static_cast<std::size_t>(a)], pr[static_cast<std::size_t>(e)]);
    }
    if (sym_rank(A) < q) {
      in.ok = false;
      in.where = t;
      return in;
    }
    Eigen::LDLT<MatrixXd> ldlt(A);
    VectorXd beta = ldlt.solve(b);
    double r2 = b.dot(beta) / R(t, t);
    in.r2(t) = r2;
    for (Index a = 0; a < q; ++a) in.B(t, pr[static_cast<std::size_t>(a)]) = beta(a);
    if (with_se) {
      MatrixXd Ainv = ldlt.solve(MatrixXd::Identity(q, q));
      double s2 = R(t, t) * (1.0 - r2) / (n - static_cast<double>(q) - 1.0);
      for (Index a = 0; a < q; ++a) in.se(t, pr[static_cast<std::size_t>(a)]) = std::sqrt(s2 * Ainv(a, a));
    }
  }
  // B is nilpotent (acyclic), so (I - B)^-1 = I + B + B^2 + ...: exact via a triangular-free LU
  MatrixXd I = MatrixXd::Identity(J, J);
  in.total = (I - in.B).partialPivLu().solve(I) - I;
  return in;
}

// Three significant digits for messages (VIF 25.4, rho_A 1.02).
std::string short_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

inline double square(double x) {
  return x * x;
}

// Treated moment matrix: centred covariances, scaled to correlations when asked.
MatrixXd treat(const MatrixXd& S_raw, bool scaled, const VectorXd& sd) {
  if (!scaled) return S_raw;
  VectorXd inv = sd.cwiseInverse();
  return inv.asDiagonal() * S_raw * inv.asDiagonal();
}

// Splitmix64 (detail/random.hpp): seeds independent streams per resample.
using detail::splitmix64;

// Reachability (transitive closure) of the path graph: reach(to, from).
Eigen::MatrixXi reachability(const Spec& sp) {
  Eigen::MatrixXi r = sp.adj;
  for (int k = 0; k < sp.J; ++k)
    for (int i = 0; i < sp.J; ++i)
      if (r(i, k))
        for (int j = 0; j < sp.J; ++j)
          if (r(k, j)) r(i, j) = 1;
  return r;
}

// Type-7 quantile of sorted values (detail/quantile.hpp).
double quantile7(const std::vector<double>& sorted, double q) {
  return detail::quantile7_sorted(sorted.data(), sorted.size(), q);
}

constexpr Index kChunk = 4096;

// The blocks PLSc corrects as common factors: Mode A, at least two indicators, not named in
// `config.composites` (an unknown name there is a config_error).
std::vector<char> factor_mask(const Spec& sp, const PlsModel& model, const PlsConfig& config) {
  std::vector<char> f(static_cast<std::size_t>(sp.J), 0);
  for (int j = 0; j < sp.J; ++j)
    f[static_cast<std::size_t>(j)] =
        sp.modes[static_cast<std::size_t>(j)] == PlsMode::a && sp.size[static_cast<std::size_t>(j)] >= 2;
  for (std::size_t k = 0; k < config.composites.size(); ++k) {
    const int j = model.index_of(config.composites[k]);
    if (j < 0) {
      std::string known;
      for (const auto& b : model.blocks) known += (known.empty() ? "" : ", ") + b.name;
      throw config_error("composites[" + std::to_string(k) + "]: unknown latent '" + config.composites[k] +
                         "'; latents are: " + known);
    }
    f[static_cast<std::size_t>(j)] = 0;
  }
  return f;
}

// rho_A per block (Dijkstra & Henseler 2015) from the standardised weights ws (ws' K ws = 1 per
// block) and the indicator correlations K: (w'w)^2 w'(K - diag K)w / w'(ww' - diag ww')w.
VectorXd rho_a_of(const Spec& sp, const MatrixXd& K, const VectorXd& ws) {
  VectorXd r(sp.J);
  for (int j = 0; j < sp.J; ++j) {
    const int a = sp.start[j], k = sp.size[j];
    if (k == 1) {
      r(j) = 1.0;
      continue;
    }
    const auto w = ws.segment(a, k);
    const MatrixXd Kj = K.block(a, a, k, k);
    const double ww = w.squaredNorm();
    const double num = w.dot(Kj * w) - w.cwiseAbs2().dot(Kj.diagonal());
    const double den = ww * ww - w.array().square().square().sum();
    r(j) = den > 0.0 ? ww * ww * num / den : kNaN;
  }
  return r;
}

// Consistent PLS: construct correlations disattenuated with sqrt(rho_A) of the common-factor
// blocks, and their loadings sqrt(rho_A) / (w'w) w. A block whose rho_A is not positive cannot be
// corrected: it is left as is and reported.
struct Plsc {
  MatrixXd P;
  VectorXd loadings;
  std::vector<int> rho_above_one, rho_not_positive, loading_above_one;
  std::vector<std::pair<int, int>> corr_above_one;
  bool inadmissible() const {
    return !rho_above_one.empty() || !rho_not_positive.empty() || !loading_above_one.empty() || !corr_above_one.empty();
  }
};

Plsc plsc_correct(const Spec& sp, const std::vector<char>& factor, const MatrixXd& R, const VectorXd& rho_a,
                  const VectorXd& ws, const VectorXd& loadings) {
  Plsc pc;
  const int J = sp.J;
  VectorXd q = VectorXd::Ones(J);
  pc.loadings = loadings;
  for (int j = 0; j < J; ++j) {
    if (!factor[static_cast<std::size_t>(j)]) continue;
    if (!(rho_a(j) > 0.0) || !std::isfinite(rho_a(j))) {
      pc.rho_not_positive.push_back(j);
      continue;
    }
    if (rho_a(j) > 1.0) pc.rho_above_one.push_back(j);
    q(j) = std::sqrt(rho_a(j));
    const auto w = ws.segment(sp.start[j], sp.size[j]);
    pc.loadings.segment(sp.start[j], sp.size[j]) = (q(j) / w.squaredNorm()) * w;
  }
  pc.P = R.array() / (q * q.transpose()).array();
  pc.P.diagonal().setOnes();
  for (int j = 0; j < J; ++j)
    for (int k = j + 1; k < J; ++k)
      if (std::abs(pc.P(j, k)) > 1.0) pc.corr_above_one.emplace_back(j, k);
  for (Index i = 0; i < pc.loadings.size(); ++i)
    if (std::abs(pc.loadings(i)) > 1.0) pc.loading_above_one.push_back(static_cast<int>(i));
  return pc;
}

// R2 of latent t on the latents `pr` from the correlation matrix R (0 without predictors).
double r2_on(const MatrixXd& R, const std::vector<int>& pr, int t) {
  const Index q = static_cast<Index>(pr.size());
  if (q == 0) return 0.0;
  MatrixXd A(q, q);
  VectorXd b(q);
  for (Index a = 0; a < q; ++a) {
    b(a) = R(pr[static_cast<std::size_t>(a)], t);
    for (Index e = 0; e < q; ++e) A(a, e) = R(pr[static_cast<std::size_t>(a)], pr[static_cast<std::size_t>(e)]);
  }
  return b.dot(A.ldlt().solve(b)) / R(t, t);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// fit

namespace {
struct Analysis {
  Core core;
  Inner inner;
  MatrixXd S;
  VectorXd a_raw;
};

// Everything that follows from the population co-moment matrix S_raw and the means: the PLS
// iteration, outer and inner model, reliability, HTMT, indices and IPMA.
Analysis analyse(PlsResult& res, const Spec& sp, const PlsModel& model, const PlsConfig& config, const MatrixXd& S_raw,
                 const VectorXd& mean, double nu) {
  const int J = sp.J, p = sp.p;
  VectorXd sd = S_raw.diagonal().cwiseMax(0.0).cwiseSqrt();
  res.sds = sd;
  for (int i = 0; i < p; ++i)
    // the co-moments are of centred values, so a shift (ratings + 1e7) costs only the rounding of
    // the centring, about eps |mean| per value: a variance below (1000 eps |mean|)^2 is noise
    if (!(S_raw(i, i) > square(1e3 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(mean(i))))))
      throw input_error("column '" + res.indicators[static_cast<std::size_t>(i)] + "' (block '" +
                        res.latents[static_cast<std::size_t>(sp.block_of[static_cast<std::size_t>(i)])] +
                        "'): no variance (every used value is " + detail::format_number(mean(i)) +
                        "); expected a varying indicator");

  const MatrixXd S = treat(S_raw, config.scaled, sd);
  Core core = estimate(S, sp, config, nullptr);
  auto block_columns = [&](int j) {
    std::string s;
    for (int i = sp.start[j]; i < sp.start[j] + sp.size[j]; ++i)
      s += (i > sp.start[j] ? ", " : "") + res.indicators[static_cast<std::size_t>(i)];
    return s;
  };
  switch (core.status) {
    case Status::ok:
    case Status::no_convergence:
      break;
    case Status::singular_block: {
      const int j = core.where;
      MatrixXd K = S.block(sp.start[j], sp.start[j], sp.size[j], sp.size[j]);
      throw input_error("block '" + res.latents[static_cast<std::size_t>(j)] + "' (Mode B): its indicators (" +
                        block_columns(j) + ") are perfectly collinear (rank " + std::to_string(sym_rank(K)) + " of " +
                        std::to_string(sp.size[j]) + "); drop the redundant column(s) or use Mode A");
    }
    case Status::degenerate_latent:
      throw input_error("block '" + res.latents[static_cast<std::size_t>(core.where)] +
                        "': its latent score has no variance (indicators " + block_columns(core.where) +
                        " cancel out)");
    case Status::singular_inner:
      throw input_error("latent '" + res.latents[static_cast<std::size_t>(core.where)] +
                        "': its predecessors' scores are perfectly collinear; the path regression is singular");
    case Status::zero_variance:
    case Status::non_finite:
      throw input_error("PLS iteration produced non-finite weights; check the data for near-constant columns");
  }
  res.iterations = core.iterations;
  res.converged = core.converged;
  if (!core.converged)
    res.warnings.push_back("the PLS iteration did not converge within max_iter = " + std::to_string(config.max_iter) +
                           " iterations (tolerance " + detail::format_number(config.tolerance) + ", rule " +
                           to_string(config.convergence) + "); results are from the last iteration");
  // outer model
  res.weights = core.w;
  res.cross_loadings.resize(p, J);
  for (int i = 0; i < p; ++i) res.cross_loadings.row(i) = core.cov_xl.row(i) / std::sqrt(S(i, i));
  res.loadings.resize(p);
  for (int i = 0; i < p; ++i) res.loadings(i) = res.cross_loadings(i, sp.block_of[static_cast<std::size_t>(i)]);

  // indicator correlations and standardised weights (w' K w = 1 per block): rho_A, PLSc
  const VectorXd sdinv = sd.cwiseInverse();
  const MatrixXd K = sdinv.asDiagonal() * S_raw * sdinv.asDiagonal();
  const VectorXd ws = config.scaled ? core.w : VectorXd(core.w.cwiseProduct(sd));
  res.rho_a = rho_a_of(sp, K, ws);
  MatrixXd Rin = core.R;
  res.consistent = config.consistent;
  const std::vector<char> factor = factor_mask(sp, model, config);
  if (config.consistent) {
    Plsc pc = plsc_correct(sp, factor, core.R, res.rho_a, ws, res.loadings);
    for (int j = 0; j < J; ++j)
      if (factor[static_cast<std::size_t>(j)]) res.factors.push_back(j);
    Rin = pc.P;
    res.loadings = pc.loadings;
    res.inadmissible = pc.inadmissible();
    auto lvs = [&](const std::vector<int>& v) {
      std::string t;
      for (int j : v)
        t += (t.empty() ? "" : ", ") + res.latents[static_cast<std::size_t>(j)] + " " + short_number(res.rho_a(j));
      return t;
    };
    if (!pc.rho_not_positive.empty())
      res.warnings.push_back("consistent PLS: rho_A is not positive for " + lvs(pc.rho_not_positive) +
                             "; these blocks are left uncorrected (inadmissible solution)");
    if (!pc.rho_above_one.empty())
      res.warnings.push_back("consistent PLS: rho_A above 1 for " + lvs(pc.rho_above_one) +
                             " (inadmissible solution); the correction shrinks their correlations");
    if (!pc.corr_above_one.empty()) {
      std::string t;
      for (auto [j, k] : pc.corr_above_one)
        t += (t.empty() ? "" : ", ") + res.latents[static_cast<std::size_t>(j)] + "-" +
             res.latents[static_cast<std::size_t>(k)] + " " + short_number(pc.P(j, k));
      res.warnings.push_back("consistent PLS: corrected construct correlation(s) above 1 in absolute value (" + t +
                             "): inadmissible solution");
    }
    if (!pc.loading_above_one.empty()) {
      std::string t;
      for (int i : pc.loading_above_one)
        t += (t.empty() ? "" : ", ") + res.indicators[static_cast<std::size_t>(i)] + " " + short_number(pc.loadings(i));
      res.warnings.push_back("consistent PLS: corrected loading(s) above 1 (" + t + "): inadmissible solution");
    }
  }
  Inner inner = inner_model(Rin, sp, true, nu);
  if (!inner.ok)
    throw input_error("latent '" + res.latents[static_cast<std::size_t>(inner.where)] + "': its predecessors' " +
                      (config.consistent ? "corrected correlations" : "scores") +
                      " are perfectly collinear; the path regression is singular");
  res.communalities = res.loadings.cwiseAbs2();
  res.redundancies.resize(p);
  for (int i = 0; i < p; ++i)
    res.redundancies(i) = res.communalities(i) * inner.r2(sp.block_of[static_cast<std::size_t>(i)]);

  // inner model
  res.paths = inner.B;
  res.path_se = inner.se;
  res.r2 = inner.r2;
  res.r2_adj = VectorXd::Zero(J);
  res.path_p = MatrixXd::Constant(J, J, kNaN);
  for (int t : sp.endogenous) {
    const auto& pr = sp.preds[static_cast<std::size_t>(t)];
    double q = static_cast<double>(pr.size());
    res.r2_adj(t) = 1.0 - (1.0 - res.r2(t)) * (nu - 1.0) / (nu - q - 1.0);
    // two-sided p of t = estimate / se on n - q - 1 degrees of freedom (R plspm's Pr(>|t|))
    const boost::math::students_t dist(nu - q - 1.0);
    for (int f : pr) {
      const double se = inner.se(t, f), tv = std::abs(inner.B(t, f)) / se;
      res.path_p(t, f) = !(se > 0.0) ? 0.0 : 2.0 * boost::math::cdf(boost::math::complement(dist, tv));
    }
  }
  res.total = inner.total;
  res.indirect = inner.total - inner.B;
  res.latent_correlations = Rin;
  {
    double comm = 0.0, r2 = 0.0;
    int nc = 0;
    for (int i = 0; i < p; ++i)
      if (sp.size[static_cast<std::size_t>(sp.block_of[static_cast<std::size_t>(i)])] > 1) {
        comm += res.communalities(i);
        ++nc;
      }
    if (nc == 0) {  // every block has one indicator: all communalities are 1
      comm = res.communalities.sum();
      nc = p;
    }
    for (int t : sp.endogenous) r2 += res.r2(t);
    res.gof = std::sqrt(comm / nc * r2 / static_cast<double>(sp.endogenous.size()));
  }

  // reliability
  res.alpha.resize(J);
  res.alpha_std.resize(J);
  res.rho.resize(J);
  res.ave.resize(J);
  res.eig1.resize(J);
  res.eig2.resize(J);
  for (int j = 0; j < J; ++j) {
    const int a = sp.start[j], k = sp.size[j];
    res.ave(j) = res.communalities.segment(a, k).mean();
    if (k == 1) {
      res.alpha(j) = res.alpha_std(j) = res.rho(j) = res.eig1(j) = 1.0;
      res.eig2(j) = 0.0;
      continue;
    }
    const double kk = static_cast<double>(k);
    MatrixXd Cj = S_raw.block(a, a, k, k), Kj = K.block(a, a, k, k);
    res.alpha(j) = kk / (kk - 1.0) * (1.0 - Cj.trace() / Cj.sum());
    res.alpha_std(j) = kk / (kk - 1.0) * (1.0 - kk / Kj.sum());
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(Kj);
    res.eig1(j) = es.eigenvalues()(k - 1);
    res.eig2(j) = es.eigenvalues()(k - 2);
    VectorXd lam = es.eigenvectors().col(k - 1) * std::sqrt(std::max(0.0, res.eig1(j)));
    double s = lam.sum();
    double num = s * s;
    res.rho(j) = num / (num + (kk - lam.squaredNorm()));
  }
  res.rho_c.resize(J);
  for (int j = 0; j < J; ++j) {
    const auto l = res.loadings.segment(sp.start[j], sp.size[j]);
    const double s = l.sum();
    res.rho_c(j) = sp.size[j] == 1 ? 1.0 : s * s / (s * s + (static_cast<double>(sp.size[j]) - l.squaredNorm()));
  }
  {
    std::string bad;
    for (int j = 0; j < J; ++j)
      if (!std::isfinite(res.rho_a(j))) bad += (bad.empty() ? "" : ", ") + res.latents[static_cast<std::size_t>(j)];
    if (!bad.empty())
      res.warnings.push_back("rho_A: undefined (NaN) for " + bad + ": a single indicator carries the whole weight");
  }
  res.fornell_larcker = Rin;
  for (int j = 0; j < J; ++j) res.fornell_larcker(j, j) = std::sqrt(res.ave(j));

  // collinearity and effect sizes of the inner model (on the corrected correlations with PLSc)
  res.vif_inner = MatrixXd::Constant(J, J, kNaN);
  res.f2 = MatrixXd::Constant(J, J, kNaN);
  for (int t : sp.endogenous) {
    const auto& pr = sp.preds[static_cast<std::size_t>(t)];
    const Index q = static_cast<Index>(pr.size());
    MatrixXd A(q, q);
    for (Index a = 0; a < q; ++a)
      for (Index e = 0; e < q; ++e) A(a, e) = Rin(pr[static_cast<std::size_t>(a)], pr[static_cast<std::size_t>(e)]);
    const MatrixXd Ainv = A.ldlt().solve(MatrixXd::Identity(q, q));
    std::string high;
    for (Index a = 0; a < q; ++a) {
      const int f = pr[static_cast<std::size_t>(a)];
      res.vif_inner(t, f) = Ainv(a, a) * A(a, a);
      std::vector<int> rest;
      for (int g : pr)
        if (g != f) rest.push_back(g);
      const double r2x = r2_on(Rin, rest, t);
      res.f2(t, f) = res.r2(t) < 1.0 ? (res.r2(t) - r2x) / (1.0 - res.r2(t)) : std::numeric_limits<double>::infinity();
      if (res.vif_inner(t, f) > config.vif_limit)
        high += (high.empty() ? "" : ", ") + res.latents[static_cast<std::size_t>(f)] + " " +
                short_number(res.vif_inner(t, f));
    }
    if (!high.empty())
      res.warnings.push_back("vif: predecessor(s) of '" + res.latents[static_cast<std::size_t>(t)] +
                             "' with VIF above vif_limit = " + detail::format_number(config.vif_limit) + " (" + high +
                             "): collinear constructs; their paths and standard errors are unstable");
  }
  res.vif_outer = VectorXd::Ones(p);
  for (int j = 0; j < J; ++j) {
    const int a = sp.start[j], k = sp.size[j];
    if (k == 1) continue;
    const MatrixXd Kj = K.block(a, a, k, k);
    if (sym_rank(Kj) < k) {
      res.vif_outer.segment(a, k).setConstant(std::numeric_limits<double>::infinity());
    } else {
      res.vif_outer.segment(a, k) = Kj.ldlt().solve(MatrixXd::Identity(k, k)).diagonal();
    }
    if (sp.modes[static_cast<std::size_t>(j)] != PlsMode::b) continue;
    std::string high;
    for (int i = a; i < a + k; ++i)
      if (res.vif_outer(i) > config.vif_limit)
        high += (high.empty() ? "" : ", ") + res.indicators[static_cast<std::size_t>(i)] + " " +
                short_number(res.vif_outer(i));
    if (!high.empty())
      res.warnings.push_back(
          "vif: Mode B block '" + res.latents[static_cast<std::size_t>(j)] +
          "' has indicator(s) with VIF above vif_limit = " + detail::format_number(config.vif_limit) + " (" + high +
          "): collinear indicators; their weights are unstable");
  }
  // HTMT on absolute correlations (Henseler et al. 2015, as seminr and cSEM: a reverse-coded
  // indicator must not lower the ratio), HTMT2 with geometric means (Roemer et al. 2021)
  res.htmt = MatrixXd::Identity(J, J);
  res.htmt2 = MatrixXd::Identity(J, J);
  {
    const MatrixXd A = K.cwiseAbs();
    VectorXd mono(J), mono2(J);
    for (int j = 0; j < J; ++j) {
      const int a = sp.start[j], k = sp.size[j];
      double s = 0.0, ls = 0.0;
      for (int u = 0; u < k; ++u)
        for (int v = u + 1; v < k; ++v) s += A(a + u, a + v), ls += std::log(A(a + u, a + v));
      const double m = k == 1 ? 1.0 : static_cast<double>(k) * (k - 1) / 2.0;
      mono(j) = k == 1 ? 1.0 : s / m;
      mono2(j) = k == 1 ? 1.0 : std::exp(ls / m);
    }
    bool warned = false;
    for (int j = 0; j < J; ++j)
      for (int l = 0; l < J; ++l)
        if (j != l) {
          auto H = A.block(sp.start[j], sp.start[l], sp.size[j], sp.size[l]);
          const double den = mono(j) * mono(l), den2 = mono2(j) * mono2(l);
          if (den > 0 && den2 > 0) {
            res.htmt(j, l) = H.mean() / std::sqrt(den);
            res.htmt2(j, l) = std::exp(H.array().log().mean()) / std::sqrt(den2);
          } else {
            res.htmt(j, l) = den > 0 ? H.mean() / std::sqrt(den) : kNaN;
            res.htmt2(j, l) = kNaN;
            if (!warned)
              res.warnings.push_back(
                  "htmt: a block has a zero within-block correlation; its HTMT2 (and HTMT if all are zero) is NaN");
            warned = true;
          }
        }
  }

  // overall model fit, as cSEM's fit() with calculateSRMR / calculateDL / calculateDG
  {
    std::vector<char> composite(static_cast<std::size_t>(J), 1);
    for (int j : res.factors) composite[static_cast<std::size_t>(j)] = 0;
    auto implied = [&](const MatrixXd& V) {
      MatrixXd Sig(p, p);
      for (int i = 0; i < p; ++i)
        for (int k = 0; k < p; ++k) {
          const int bi = sp.block_of[static_cast<std::size_t>(i)], bk = sp.block_of[static_cast<std::size_t>(k)];
          if (bi == bk && composite[static_cast<std::size_t>(bi)])
            Sig(i, k) = K(i, k);
          else if (i == k)
            Sig(i, k) = res.loadings(i) * res.loadings(i) * V(bi, bi) + 1.0 - res.loadings(i) * res.loadings(i);
          else
            Sig(i, k) = res.loadings(i) * res.loadings(k) * V(bi, bk);
        }
      return Sig;
    };
    // estimated: V = (I - B)^-1 Psi (I - B)^-T, Psi = the exogenous correlations and the endogenous
    // error variances 1 - sum_f b_tf r_tf; the endogenous diagonal set to 1 (as cSEM)
    MatrixXd Psi = MatrixXd::Zero(J, J);
    std::vector<char> exo(static_cast<std::size_t>(J), 1);
    for (int t : sp.endogenous) exo[static_cast<std::size_t>(t)] = 0;
    for (int j = 0; j < J; ++j)
      for (int k = 0; k < J; ++k)
        if (exo[static_cast<std::size_t>(j)] && exo[static_cast<std::size_t>(k)]) Psi(j, k) = Rin(j, k);
    for (int t : sp.endogenous) Psi(t, t) = 1.0 - inner.B.row(t).dot(Rin.row(t));
    const MatrixXd I = MatrixXd::Identity(J, J);
    const MatrixXd Minv = (I - inner.B).partialPivLu().solve(I);
    MatrixXd V = Minv * Psi * Minv.transpose();
    V = (0.5 * (V + V.transpose())).eval();
    for (int t : sp.endogenous) V(t, t) = 1.0;
    res.implied_saturated = implied(Rin);
    res.implied_estimated = implied(V);
    Eigen::LLT<MatrixXd> chol(K);
    const bool s_pd = chol.info() == Eigen::Success;
    auto measures = [&](const MatrixXd& Sig, double& srmr, double& duls, double& dg) {
      const VectorXd d = Sig.diagonal().cwiseMax(0.0).cwiseSqrt().cwiseInverse();
      const MatrixXd diff = K - d.asDiagonal() * Sig * d.asDiagonal();
      double ss = 0.0;
      for (int i = 0; i < p; ++i)
        for (int k = 0; k <= i; ++k) ss += diff(i, k) * diff(i, k);
      srmr = std::sqrt(ss / (static_cast<double>(p) * (p + 1) / 2.0));
      duls = 0.5 * (K - Sig).squaredNorm();
      dg = kNaN;
      if (!s_pd) return;
      // eigenvalues of S^-1 Sigma: those of L^-1 Sigma L^-T with S = L L'
      const MatrixXd A = chol.matrixL().solve(chol.matrixL().solve(Sig).transpose());
      const VectorXd ev =
          Eigen::SelfAdjointEigenSolver<MatrixXd>(0.5 * (A + A.transpose()), Eigen::EigenvaluesOnly).eigenvalues();
      if (!(ev.minCoeff() > 0.0)) return;
      const double lb = std::log(config.dg_log_base);
      dg = 0.0;
      for (Index i = 0; i < ev.size(); ++i) dg += square(std::log(ev(i)) / lb);
      dg *= 0.5;
    };
    measures(res.implied_saturated, res.srmr_saturated, res.d_uls_saturated, res.d_g_saturated);
    measures(res.implied_estimated, res.srmr_estimated, res.d_uls_estimated, res.d_g_estimated);
    if (!s_pd)
      res.warnings.push_back(
          "fit: the indicator correlation matrix is not positive definite (fewer records than indicators, or "
          "collinear indicators); d_G is NaN");
    else if (std::isnan(res.d_g_saturated) || std::isnan(res.d_g_estimated))
      res.warnings.push_back(
          "fit: a model-implied indicator correlation matrix is not positive definite; its d_G is NaN");
    // information criteria per endogenous latent from the PLS scores' R2, as seminr
    res.aic = VectorXd::Constant(J, kNaN);
    res.bic = VectorXd::Constant(J, kNaN);
    for (int t : sp.endogenous) {
      const auto& pr = sp.preds[static_cast<std::size_t>(t)];
      const double q1 = static_cast<double>(pr.size()) + 1.0;
      const double sse = (1.0 - r2_on(core.R, pr, t)) * (nu - 1.0);
      res.aic(t) = nu * std::log(sse / nu) + 2.0 * q1;
      res.bic(t) = nu * std::log(sse / nu) + q1 * std::log(nu);
    }
  }

  // raw (unstandardised) weights: score_j = sum a_i (x_i - mean_i)
  VectorXd a_raw = config.scaled ? VectorXd(core.w.cwiseProduct(sdinv)) : core.w;

  // indices
  const double span = config.scale_max - config.scale_min;
  if (config.indices) {
    res.index_weights.resize(p);
    res.index.resize(J);
    for (int j = 0; j < J; ++j) {
      const int a = sp.start[j], k = sp.size[j];
      VectorXd v = a_raw.segment(a, k);
      std::string bad;
      for (int i = 0; i < k; ++i)
        if (!(v(i) > 0.0)) {
          bad += (bad.empty() ? "" : ", ") + res.indicators[static_cast<std::size_t>(a + i)];
          v(i) = 0.0;
        }
      if (v.sum() <= 0.0) {
        v.setConstant(1.0);
        res.warnings.push_back("index of '" + res.latents[static_cast<std::size_t>(j)] +
                               "': no positive outer weight; equal weights used");
      } else if (!bad.empty()) {
        res.warnings.push_back("index of '" + res.latents[static_cast<std::size_t>(j)] +
                               "': non-positive outer weight(s) for " + bad +
                               " set to 0 and the other weights renormalised to sum 1");
      }
      v /= v.sum();
      res.index_weights.segment(a, k) = v;
      res.index(j) = 100.0 * (v.dot(mean.segment(a, k)) - config.scale_min) / span;
    }
    res.ipma_indicator_performance = 100.0 * (mean.array() - config.scale_min) / span;
    // IPMA: unstandardised paths between the 0-100 latent scores
    int target = -1;
    if (!config.ipma_target.empty()) {
      target = model.index_of(config.ipma_target);
      if (target < 0) throw config_error("ipma_target: unknown latent '" + config.ipma_target + "'");
    } else {
      for (int j = J - 1; j >= 0 && target < 0; --j)
        if (sp.succs[static_cast<std::size_t>(j)].empty()) target = j;
    }
    res.ipma_target = target;
    MatrixXd Wt = MatrixXd::Zero(p, J);
    for (int i = 0; i < p; ++i) Wt(i, sp.block_of[static_cast<std::size_t>(i)]) = res.index_weights(i) * 100.0 / span;
    MatrixXd Cu = Wt.transpose() * S_raw * Wt;
    Inner iu = inner_model(Cu, sp, false, nu);
    res.ipma_importance = VectorXd::Zero(J);
    res.ipma_indicator_importance = VectorXd::Zero(p);
    if (!iu.ok) {
      res.warnings.push_back("ipma: the 0-100 latent scores are collinear; importance set to 0");
    } else {
      res.ipma_importance = iu.total.row(target).transpose();
      for (int i = 0; i < p; ++i)
        res.ipma_indicator_importance(i) =
            res.index_weights(i) * res.ipma_importance(sp.block_of[static_cast<std::size_t>(i)]);
    }
  }

  return Analysis{std::move(core), std::move(inner), S, a_raw};
}
}  // namespace

namespace {
// The columns of records [r0, r0 + m) as contiguous arrays: contiguous columns in place, strided
// ones (a row-major array) copied record by record into a column-major buffer, so every pass
// reads memory in order and does the same arithmetic for any layout.
class Chunk {
 public:
  explicit Chunk(const std::vector<ColumnView>& col) : col_(col), ptr_(col.size()) {
    for (std::size_t i = 0; i < col.size(); ++i)
      if (col[i].stride != 1) strided_.push_back(static_cast<int>(i));
    if (!strided_.empty()) buf_.resize(kChunk, static_cast<Index>(strided_.size()));
  }
  void load(Index r0, Index m) {
    for (std::size_t i = 0; i < col_.size(); ++i) ptr_[i] = col_[i].data + r0;
    const Index q = static_cast<Index>(strided_.size());
    if (q == 0) return;
    // eight records at a time: their values of every strided column are a few cache lines
    std::vector<const double*> src(static_cast<std::size_t>(q));
    std::vector<std::ptrdiff_t> st(static_cast<std::size_t>(q));
    for (Index k = 0; k < q; ++k) {
      const ColumnView& c = col_[static_cast<std::size_t>(strided_[static_cast<std::size_t>(k)])];
      src[static_cast<std::size_t>(k)] = c.data + r0 * c.stride;
      st[static_cast<std::size_t>(k)] = c.stride;
    }
    Index r = 0;
    for (; r + 8 <= m; r += 8)
      for (Index k = 0; k < q; ++k) {
        const double* x = src[static_cast<std::size_t>(k)] + r * st[static_cast<std::size_t>(k)];
        const std::ptrdiff_t d = st[static_cast<std::size_t>(k)];
        double* out = buf_.col(k).data() + r;
        for (int u = 0; u < 8; ++u) out[u] = x[u * d];
      }
    for (; r < m; ++r)
      for (Index k = 0; k < q; ++k) buf_(r, k) = src[static_cast<std::size_t>(k)][r * st[static_cast<std::size_t>(k)]];
    for (Index k = 0; k < q; ++k)
      ptr_[static_cast<std::size_t>(strided_[static_cast<std::size_t>(k)])] = buf_.col(k).data();
  }
  const double* operator[](int i) const { return ptr_[static_cast<std::size_t>(i)]; }

 private:
  const std::vector<ColumnView>& col_;
  std::vector<const double*> ptr_;
  std::vector<int> strided_;
  MatrixXd buf_;
};

// The estimation from indicator columns read in place; `col` is in the model's indicator order.
PlsResult fit_columns(const std::vector<ColumnView>& col, Index n, const PlsModel& model, const PlsConfig& config,
                      int workers) {
  const Spec sp = compile(model);
  const int J = sp.J, p = sp.p;
  PlsResult res;
  for (const auto& b : model.blocks) res.latents.push_back(b.name);
  res.indicators = model.indicators();
  res.block_of = sp.block_of;
  res.modes = sp.modes;
  res.adjacency = sp.adj;
  res.missing = config.missing;
  int pred_max = 0;
  for (int t : sp.endogenous)
    pred_max = std::max(pred_max, static_cast<int>(sp.preds[static_cast<std::size_t>(t)].size()));

  res.n_records = n;
  const Index n_chunks = (n + kChunk - 1) / kChunk;
  const bool listwise = config.missing == PlsMissing::listwise;
  const bool check_scale = config.indices;
  auto bad = [&](double x) {
    return !std::isfinite(x) || (check_scale && (x < config.scale_min || x > config.scale_max));
  };
  // incomplete[r] = 1 when record r has a missing value (filled only in chunks that have one)
  std::vector<std::uint8_t> incomplete(static_cast<std::size_t>(n), 0);
  std::vector<std::uint8_t> chunk_has_missing(static_cast<std::size_t>(n_chunks), 0);

  // pass 1, column by column within a chunk of records: validity, missing counts, sums
  struct Pass1 {
    VectorXd sum_all, sum_complete;
    Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> count;
    std::int64_t complete = 0, incomplete = 0;
  };
  std::vector<Pass1> part(static_cast<std::size_t>(n_chunks));
  detail::parallel_for(n_chunks, workers, 1, [&](std::ptrdiff_t cb, std::ptrdiff_t ce, int) {
    Chunk cv(col);
    for (std::ptrdiff_t ch = cb; ch < ce; ++ch) {
      Pass1& P = part[static_cast<std::size_t>(ch)];
      P.sum_all.resize(p);
      P.count.resize(p);
      const Index r0 = ch * kChunk, m = std::min<Index>(n, r0 + kChunk) - r0;
      cv.load(r0, m);
      bool any_missing = false, any_bad = false;
      for (int i = 0; i < p; ++i) {
        const detail::ColumnStats st = detail::column_stats(cv[i], 1, m);
        P.sum_all(i) = st.sum;
        P.count(i) = st.count;
        any_missing = any_missing || st.count < m;
        any_bad = any_bad || (st.count > 0 && (bad(st.min) || bad(st.max)));
      }
      if (any_bad)  // the first offending value in record order
        for (Index r = r0; r < r0 + m; ++r)
          for (int i = 0; i < p; ++i) {
            const ColumnView& c = col[static_cast<std::size_t>(i)];
            const double x = c.data[r * c.stride];
            if (std::isnan(x) || !bad(x)) continue;
            std::string why = std::isfinite(x) ? "expected a value in [" + detail::format_number(config.scale_min) +
                                                     ", " + detail::format_number(config.scale_max) +
                                                     "] (set scale_min/scale_max to the rating scale, or indices=false)"
                                               : "expected a finite number or NaN for missing";
            throw input_error("column '" + res.indicators[static_cast<std::size_t>(i)] + "', row " + std::to_string(r) +
                              ": value " + detail::format_number(x) + "; " + why);
          }
      if (!any_missing) {
        P.sum_complete = P.sum_all;
        P.complete = m;
        continue;
      }
      chunk_has_missing[static_cast<std::size_t>(ch)] = 1;
      std::uint8_t* inc = incomplete.data() + r0;
      for (int i = 0; i < p; ++i) {
        const double* c = cv[i];
        for (Index r = 0; r < m; ++r) inc[r] |= static_cast<std::uint8_t>(std::isnan(c[r]));
      }
      P.complete = m - std::count(inc, inc + m, std::uint8_t{1});
      P.incomplete = m - P.complete;
      P.sum_complete = VectorXd::Zero(p);
      if (listwise)
        for (int i = 0; i < p; ++i) {
          const double* c = cv[i];
          double s = 0.0;
          for (Index r = 0; r < m; ++r) s += inc[r] ? 0.0 : c[r];
          P.sum_complete(i) = s;
        }
    }
  });
  VectorXd sum_all = VectorXd::Zero(p), sum_complete = VectorXd::Zero(p);
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> count = Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>::Zero(p);
  std::int64_t complete = 0;
  for (const auto& P : part) {
    sum_all += P.sum_all;
    sum_complete += P.sum_complete;
    count += P.count;
    complete += P.complete;
    res.n_incomplete += P.incomplete;
  }
  part.clear();
  res.n_missing = static_cast<std::int64_t>(n) * p - count.sum();
  for (int i = 0; i < p; ++i)
    if (count(i) == 0)
      throw input_error("column '" + res.indicators[static_cast<std::size_t>(i)] +
                        "': every value is missing; expected at least one number");
  res.n_used = listwise ? complete : static_cast<std::int64_t>(n);
  const double nu = static_cast<double>(res.n_used);
  if (res.n_used < pred_max + 2 || res.n_used < 3)
    throw input_error("data: " + std::to_string(res.n_used) + " usable record(s)" +
                      (listwise ? " after listwise deletion" : "") + "; expected at least " +
                      std::to_string(std::max(pred_max + 2, 3)) + " for this model");
  VectorXd mean(p);
  for (int i = 0; i < p; ++i) mean(i) = listwise ? sum_complete(i) / nu : sum_all(i) / static_cast<double>(count(i));
  res.means = mean;

  // Centred (mean-replaced) records of one chunk into a column-major buffer; listwise, the
  // incomplete records are left out. Returns the number of records written.
  auto fill = [&](std::ptrdiff_t ch, MatrixXd& buf, Chunk& cv) -> Index {
    const Index r0 = ch * kChunk, m = std::min<Index>(n, r0 + kChunk) - r0;
    cv.load(r0, m);
    if (!listwise || !chunk_has_missing[static_cast<std::size_t>(ch)]) {
      for (int i = 0; i < p; ++i) detail::centre_column(cv[i], 1, m, mean(i), buf.col(i).data());
      return m;
    }
    const std::uint8_t* inc = incomplete.data() + r0;
    Index k = 0;
    for (int i = 0; i < p; ++i) {
      const double* c = cv[i];
      double* out = buf.col(i).data();
      k = 0;
      for (Index r = 0; r < m; ++r)
        if (!inc[r]) out[k++] = c[r] - mean(i);
    }
    return k;
  };

  // pass 2: co-moments of the centred records (upper triangles), chunk partials summed in order
  std::vector<MatrixXd> cm(static_cast<std::size_t>(n_chunks));
  detail::parallel_for(n_chunks, workers, 1, [&](std::ptrdiff_t cb, std::ptrdiff_t ce, int) {
    MatrixXd buf(kChunk, p);
    Chunk cv(col);
    for (std::ptrdiff_t ch = cb; ch < ce; ++ch) {
      const Index m = fill(ch, buf, cv), m4 = (m + 3) / 4 * 4;
      buf.middleRows(m, m4 - m).setZero();
      MatrixXd& S = cm[static_cast<std::size_t>(ch)];
      S.resize(p, p);
      detail::gram_upper(buf.data(), buf.data(), p, kChunk, m4, S.data());
    }
  });
  MatrixXd S_raw = MatrixXd::Zero(p, p);
  for (const auto& S : cm) S_raw.triangularView<Eigen::Upper>() += S;
  cm.clear();
  S_raw.triangularView<Eigen::StrictlyLower>() = S_raw.transpose();
  S_raw /= nu;
  Analysis an = analyse(res, sp, model, config, S_raw, mean, nu);
  const Core& core = an.core;
  const Inner& inner = an.inner;
  const VectorXd& a_raw = an.a_raw;
  const double span = config.scale_max - config.scale_min;

  // latent scores, column by column over chunks of records
  // Fresh memory: its pages are first touched by the workers that fill them. (Huge pages
  // were tried: faster once warm, but the first fits of a process paid 2x for compaction.)
  res.scores.resize(n, J);
  if (config.indices) res.index_scores.resize(n, J);
  detail::parallel_for(n_chunks, workers, 1, [&](std::ptrdiff_t cb, std::ptrdiff_t ce, int) {
    VectorXd v(kChunk);
    Chunk cv(col);
    for (std::ptrdiff_t ch = cb; ch < ce; ++ch) {
      const Index r0 = ch * kChunk, m = std::min<Index>(n, r0 + kChunk) - r0;
      cv.load(r0, m);
      for (int j = 0; j < J; ++j) {
        auto s = res.scores.col(j).segment(r0, m);
        s.setZero();
        double offset = 0.0;  // sum of index weight x (mean - scale_min): the index of the mean record
        if (config.indices) res.index_scores.col(j).segment(r0, m).setZero();
        for (int i = sp.start[j]; i < sp.start[j] + sp.size[j]; ++i) {
          detail::centre_column(cv[i], 1, m, mean(i), v.data());
          s += a_raw(i) * v.head(m);
          if (!config.indices) continue;
          res.index_scores.col(j).segment(r0, m) += res.index_weights(i) * v.head(m);
          offset += res.index_weights(i) * (mean(i) - config.scale_min);
        }
        if (config.indices) {
          auto t = res.index_scores.col(j).segment(r0, m);
          t = (t.array() + offset) * (100.0 / span);
        }
      }
      if (listwise && chunk_has_missing[static_cast<std::size_t>(ch)])
        for (Index r = 0; r < m; ++r)
          if (incomplete[static_cast<std::size_t>(r0 + r)]) {
            res.scores.row(r0 + r).setConstant(kNaN);
            if (config.indices) res.index_scores.row(r0 + r).setConstant(kNaN);
          }
    }
  });

  // bootstrap
  if (config.bootstrap > 0) {
    PlsBootstrap& bs = res.bootstrap;
    bs.requested = config.bootstrap;
    bs.confidence = config.confidence;
    const Eigen::MatrixXi reach = reachability(sp);
    for (PlsStat k : {PlsStat::weight, PlsStat::loading})
      for (int i = 0; i < p; ++i) {
        bs.kind.push_back(k);
        bs.first.push_back(i);
        bs.second.push_back(sp.block_of[static_cast<std::size_t>(i)]);
      }
    for (auto [f, t] : sp.edges) bs.kind.push_back(PlsStat::path), bs.first.push_back(f), bs.second.push_back(t);
    for (int f = 0; f < J; ++f)
      for (int t = 0; t < J; ++t)
        if (reach(t, f)) bs.kind.push_back(PlsStat::total), bs.first.push_back(f), bs.second.push_back(t);
    for (int t : sp.endogenous) bs.kind.push_back(PlsStat::r2), bs.first.push_back(t), bs.second.push_back(t);
    const Index q = static_cast<Index>(bs.kind.size());
    auto collect = [&](const VectorXd& w, const VectorXd& load, const Inner& in, double* out) {
      Index k = 0;
      for (int i = 0; i < p; ++i) out[k++] = w(i);
      for (int i = 0; i < p; ++i) out[k++] = load(i);
      for (auto [f, t] : sp.edges) out[k++] = in.B(t, f);
      for (int f = 0; f < J; ++f)
        for (int t = 0; t < J; ++t)
          if (reach(t, f)) out[k++] = in.total(t, f);
      for (int t : sp.endogenous) out[k++] = in.r2(t);
    };
    bs.original.resize(q);
    collect(core.w, res.loadings, inner, bs.original.data());

    // centred, mean-replaced data of the records used
    RowMatrixXd X(res.n_used, p);
    {
      MatrixXd buf(kChunk, p);
      Chunk cv(col);
      Index at = 0;
      for (Index ch = 0; ch < n_chunks; ++ch) {
        const Index m = fill(ch, buf, cv);
        X.middleRows(at, m) = buf.topRows(m);
        at += m;
      }
    }
    const Index nb = res.n_used;
    const int B = config.bootstrap;
    RowMatrixXd all(B, q);
    std::vector<char> ok(static_cast<std::size_t>(B), 0);
    const VectorXd ref = core.w;
    const std::vector<char> factor = factor_mask(sp, model, config);
    detail::parallel_for(B, workers, 1, [&](std::ptrdiff_t b0, std::ptrdiff_t b1, int) {
      MatrixXd Xb(nb, p);
      for (std::ptrdiff_t b = b0; b < b1; ++b) {
        detail::check_interrupt();  // Ctrl-C (interrupt.hpp)
        std::uint64_t state = config.seed ^ (0x5851f42d4c957f2dULL * (static_cast<std::uint64_t>(b) + 1));
        splitmix64(state);
        for (Index r = 0; r < nb; ++r) {
          const std::uint64_t u = splitmix64(state);
          const auto idx = static_cast<Index>(u % static_cast<std::uint64_t>(nb));  // bias < n / 2^64
          Xb.row(r) = X.row(idx);
        }
        VectorXd mb = Xb.colwise().mean();
        Xb.rowwise() -= mb.transpose();
        MatrixXd Sb = MatrixXd::Zero(p, p);
        Sb.selfadjointView<Eigen::Lower>().rankUpdate(Xb.transpose(), 1.0 / static_cast<double>(nb));
        Sb.triangularView<Eigen::StrictlyUpper>() = Sb.transpose();
        bool good = true;
        for (int i = 0; i < p && good; ++i) good = Sb(i, i) > 1e-10 * S_raw(i, i);
        if (!good) continue;
        VectorXd sdb = Sb.diagonal().cwiseSqrt();
        MatrixXd Sbt = treat(Sb, config.scaled, sdb);
        Core cb = estimate(Sbt, sp, config, &ref);
        if (cb.status != Status::ok) continue;
        VectorXd lb(p);
        for (int i = 0; i < p; ++i)
          lb(i) = cb.cov_xl(i, sp.block_of[static_cast<std::size_t>(i)]) / std::sqrt(Sbt(i, i));
        MatrixXd Rb = cb.R;
        if (config.consistent) {
          const VectorXd sdi = sdb.cwiseInverse();
          const MatrixXd Kb = sdi.asDiagonal() * Sb * sdi.asDiagonal();
          const VectorXd wsb = config.scaled ? cb.w : VectorXd(cb.w.cwiseProduct(sdb));
          Plsc pc = plsc_correct(sp, factor, cb.R, rho_a_of(sp, Kb, wsb), wsb, lb);
          Rb = std::move(pc.P);
          lb = std::move(pc.loadings);
        }
        Inner ib = inner_model(Rb, sp, false, static_cast<double>(nb));
        if (!ib.ok) continue;
        collect(cb.w, lb, ib, all.row(b).data());
        if (!all.row(b).allFinite()) continue;
        ok[static_cast<std::size_t>(b)] = 1;
      }
    });
    bs.succeeded = static_cast<int>(std::count(ok.begin(), ok.end(), 1));
    bs.failed = B - bs.succeeded;
    bs.samples.resize(bs.succeeded, q);
    for (Index b = 0, m = 0; b < B; ++b)
      if (ok[static_cast<std::size_t>(b)]) bs.samples.row(m++) = all.row(b);
    bs.mean.resize(q);
    bs.se.resize(q);
    bs.t.resize(q);
    bs.lower.resize(q);
    bs.upper.resize(q);
    if (bs.failed > 0)
      res.warnings.push_back("bootstrap: " + std::to_string(bs.failed) + " of " + std::to_string(B) +
                             " resample(s) failed (no variance, singular block or regression, no convergence) and "
                             "were skipped");
    if (bs.succeeded < 2) {
      res.warnings.push_back("bootstrap: fewer than 2 resamples succeeded; standard errors and intervals are NaN");
      bs.mean.setConstant(kNaN);
      bs.se.setConstant(kNaN);
      bs.t.setConstant(kNaN);
      bs.lower.setConstant(kNaN);
      bs.upper.setConstant(kNaN);
    } else {
      const double alpha = (1.0 - config.confidence) / 2.0;
      std::vector<double> v(static_cast<std::size_t>(bs.succeeded));
      for (Index k = 0; k < q; ++k) {
        auto c = bs.samples.col(k);
        bs.mean(k) = c.mean();
        bs.se(k) = std::sqrt((c.array() - bs.mean(k)).square().sum() / (bs.succeeded - 1.0));
        // a statistic fixed by construction (the weight of a one-indicator block) varies by rounding only
        if (bs.se(k) <= 64.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(bs.mean(k))))
          bs.se(k) = 0.0;
        bs.t(k) = bs.se(k) > 0.0          ? bs.original(k) / bs.se(k)
                  : bs.original(k) == 0.0 ? kNaN
                                          : std::copysign(std::numeric_limits<double>::infinity(), bs.original(k));
        for (Index b = 0; b < bs.succeeded; ++b) v[static_cast<std::size_t>(b)] = c(b);
        std::sort(v.begin(), v.end());
        bs.lower(k) = quantile7(v, alpha);
        bs.upper(k) = quantile7(v, 1.0 - alpha);
      }
    }
  }
  return res;
}

// Validate the model and options and find each indicator among the data's columns.
std::vector<Index> locate_columns(const PlsModel& model, const PlsConfig& config,
                                  const std::vector<std::string>& columns, Index n_columns) {
  model.validate();
  config.validate();
  if (static_cast<Index>(columns.size()) != n_columns)
    throw input_error("data: " + std::to_string(n_columns) + " column(s) but " + std::to_string(columns.size()) +
                      " column name(s)");
  std::vector<Index> at;
  for (const auto& b : model.blocks)
    for (const auto& name : b.indicators) {
      auto it = std::find(columns.begin(), columns.end(), name);
      if (it == columns.end()) {
        std::string known;
        for (std::size_t k = 0; k < columns.size() && k < 40; ++k) known += (k ? ", " : "") + columns[k];
        throw config_error("model: block '" + b.name + "' names column '" + name +
                           "', which is not in the data; columns are: " + known);
      }
      at.push_back(it - columns.begin());
    }
  return at;
}
}  // namespace

PlsResult fit_pls(RecordsRef data, const std::vector<std::string>& columns, const PlsModel& model,
                  const PlsConfig& config, int workers) {
  std::vector<ColumnView> all;
  for (Index c = 0; c < data.cols(); ++c)  // no rows: data() may be null (null + c is undefined)
    all.push_back({data.rows() > 0 ? data.data() + c : data.data(), data.outerStride()});
  return fit_pls(all, data.rows(), columns, model, config, workers);
}

PlsResult fit_pls(const std::vector<ColumnView>& data, std::ptrdiff_t rows, const std::vector<std::string>& columns,
                  const PlsModel& model, const PlsConfig& config, int workers) {
  if (rows < 0) throw input_error("data: negative record count " + std::to_string(rows));
  std::vector<ColumnView> col;
  for (Index c : locate_columns(model, config, columns, static_cast<Index>(data.size()))) {
    const ColumnView& v = data[static_cast<std::size_t>(c)];
    if (v.data == nullptr && rows > 0)
      throw input_error("data: column '" + columns[static_cast<std::size_t>(c)] + "' has no values");
    col.push_back(v);
  }
  return fit_columns(col, rows, model, config, workers);
}

PlsResult fit_pls_moments(const Moments& moments, const PlsModel& model, const PlsConfig& config) {
  model.validate();
  config.validate();
  if (config.bootstrap > 0)
    throw config_error("bootstrap: " + std::to_string(config.bootstrap) +
                       " resamples need the records; a fit from moments cannot bootstrap (set bootstrap = 0)");
  if (moments.policy() != MissingPolicy::listwise)
    throw config_error("moments: a PLS fit needs a listwise state (one set of complete records), got " +
                       std::string(to_string(moments.policy())));
  const std::vector<std::string>& names = moments.names();
  if (names.empty())
    throw config_error("moments: the state has no variable names; build it with the indicator column names");
  const Spec sp = compile(model);
  const int J = sp.J, p = sp.p;
  PlsResult res;
  for (const auto& b : model.blocks) res.latents.push_back(b.name);
  res.indicators = model.indicators();
  res.block_of = sp.block_of;
  res.modes = sp.modes;
  res.adjacency = sp.adj;
  res.missing = PlsMissing::listwise;
  std::vector<int> idx(static_cast<std::size_t>(p));
  for (int i = 0; i < p; ++i) {
    const auto& name = res.indicators[static_cast<std::size_t>(i)];
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string known;
      for (std::size_t k = 0; k < names.size() && k < 40; ++k) known += (k ? ", " : "") + names[k];
      throw config_error("model: block '" +
                         res.latents[static_cast<std::size_t>(sp.block_of[static_cast<std::size_t>(i)])] +
                         "' names variable '" + name + "', which is not in the moments; variables are: " + known);
    }
    idx[static_cast<std::size_t>(i)] = static_cast<int>(it - names.begin());
  }
  int pred_max = 0;
  for (int t : sp.endogenous)
    pred_max = std::max(pred_max, static_cast<int>(sp.preds[static_cast<std::size_t>(t)].size()));
  const Moments sub = moments.subset(idx);
  res.n_records = moments.n_rows();
  res.n_used = moments.n_used();
  res.n_incomplete = moments.n_dropped();
  res.n_missing = 0;
  for (int i : idx) res.n_missing += moments.n_missing()(i);
  if (res.n_used < pred_max + 2 || res.n_used < 3)
    throw input_error("moments: " + std::to_string(res.n_used) + " complete record(s); expected at least " +
                      std::to_string(std::max(pred_max + 2, 3)) + " for this model");
  // weighted states: the weight sum plays the part of n (standard errors, adjusted R2)
  const double nu = sub.weighted() ? sub.weight_sum()(0) : static_cast<double>(res.n_used);
  const VectorXd mean = sub.mean();
  const MatrixXd S_raw = sub.covariance(0.0);
  res.means = mean;
  analyse(res, sp, model, config, S_raw, mean, nu);
  res.scores.resize(0, J);
  if (config.indices) res.index_scores.resize(0, J);
  return res;
}

}  // namespace servscore
