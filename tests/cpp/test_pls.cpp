#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "servscore/errors.hpp"
#include "servscore/moments.hpp"
#include "servscore/pls.hpp"

using namespace servscore;
using Catch::Matchers::Contains;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

// tests/data/satisfaction.csv: a quoted header, a row-number column, 27 numbers, gender.
void read_satisfaction(RowMatrixXd& x, std::vector<std::string>& cols) {
  std::ifstream in(std::string(SERVSCORE_TEST_DATA) + "/satisfaction.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  std::stringstream hs(line);
  std::string cell;
  std::getline(hs, cell, ',');  // row number
  cols.clear();
  while (std::getline(hs, cell, ',')) {
    cell.erase(std::remove(cell.begin(), cell.end(), '"'), cell.end());
    if (cell != "gender") cols.push_back(cell);
  }
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::getline(ls, cell, ',');
    std::vector<double> r;
    for (std::size_t k = 0; k < cols.size(); ++k) {
      std::getline(ls, cell, ',');
      r.push_back(std::stod(cell));
    }
    rows.push_back(r);
  }
  x.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t k = 0; k < cols.size(); ++k)
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) = rows[i][k];
}

PlsModel ecsi() {
  PlsModel m;
  auto block = [](const std::string& name, const std::string& stem, int k) {
    PlsBlock b{name, {}, PlsMode::a};
    for (int i = 1; i <= k; ++i) b.indicators.push_back(stem + std::to_string(i));
    return b;
  };
  m.blocks = {block("IMAG", "imag", 5), block("EXPE", "expe", 5), block("QUAL", "qual", 5),
              block("VAL", "val", 4),   block("SAT", "sat", 4),   block("LOY", "loy", 4)};
  m.paths = {{"IMAG", "EXPE"}, {"EXPE", "QUAL"}, {"EXPE", "VAL"}, {"QUAL", "VAL"}, {"IMAG", "SAT"},
             {"EXPE", "SAT"},  {"QUAL", "SAT"},  {"VAL", "SAT"},  {"IMAG", "LOY"}, {"SAT", "LOY"}};
  return m;
}

PlsConfig published() {
  PlsConfig c;
  c.scaled = false;
  c.scale_min = 0.0;
  c.convergence = PlsConvergence::plspm;  // R plspm's stopping rule, as published
  c.tolerance = 1e-6;
  return c;
}
}  // namespace

TEST_CASE("satisfaction.csv reproduces the published R plspm figures to 1e-6", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  REQUIRE(x.rows() == 250);
  PlsModel m = ecsi();
  PlsResult r = fit_pls(x, cols, m, published());
  auto path = [&](const char* f, const char* t) { return r.paths(m.index_of(t), m.index_of(f)); };
  const double tol = 1e-6;
  CHECK(path("IMAG", "EXPE") == Approx(0.5789591).margin(tol));
  CHECK(path("EXPE", "QUAL") == Approx(0.8483444).margin(tol));
  CHECK(path("EXPE", "VAL") == Approx(0.1054776).margin(tol));
  CHECK(path("QUAL", "VAL") == Approx(0.6766555).margin(tol));
  CHECK(path("IMAG", "SAT") == Approx(0.2007242).margin(tol));
  CHECK(path("EXPE", "SAT") == Approx(-0.0027540).margin(tol));
  CHECK(path("QUAL", "SAT") == Approx(0.1221446).margin(tol));
  CHECK(path("VAL", "SAT") == Approx(0.5893307).margin(tol));
  CHECK(path("IMAG", "LOY") == Approx(0.2751496).margin(tol));
  CHECK(path("SAT", "LOY") == Approx(0.4954793).margin(tol));
  CHECK(r.r2(1) == Approx(0.3351937).margin(tol));
  CHECK(r.r2(2) == Approx(0.7196882).margin(tol));
  CHECK(r.r2(3) == Approx(0.5900844).margin(tol));
  CHECK(r.r2(4) == Approx(0.7073209).margin(tol));
  CHECK(r.r2(5) == Approx(0.5099226).margin(tol));
  CHECK(r.r2(0) == 0.0);
  CHECK(r.gof == Approx(0.609741624).margin(tol));
  CHECK(r.alpha_std(0) == Approx(0.8302267).margin(tol));
  CHECK(r.alpha_std(4) == Approx(0.8940109).margin(tol));
  const double raw[] = {0.8218546, 0.8431449, 0.8685179, 0.8319666, 0.8942952, 0.8206386};
  for (int j = 0; j < 6; ++j) CHECK(r.alpha(j) == Approx(raw[j]).margin(tol));
  CHECK(r.rho(0) == Approx(0.8822033).margin(tol));
  CHECK(r.rho(4) == Approx(0.9267006).margin(tol));
  CHECK(r.total(5, 0) == Approx(0.5184156).margin(tol));
  CHECK(r.converged);
  CHECK(r.n_used == 250);
  // total = direct + indirect, and the indirect IMAG -> LOY effect goes through SAT only
  CHECK((r.total - r.paths - r.indirect).cwiseAbs().maxCoeff() < 1e-12);
  // latent scores have unit (population) variance and zero mean
  for (int j = 0; j < 6; ++j) {
    CHECK(r.scores.col(j).mean() == Approx(0.0).margin(1e-12));
    CHECK(r.scores.col(j).squaredNorm() / 250.0 == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("indices follow the published formula and lie in [0, 100]", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  PlsModel m = ecsi();
  PlsResult r = fit_pls(x, cols, m, published());
  for (int j = 0; j < 6; ++j) {
    // hand formula: normalised unstandardised weights (unscaled data: the weights themselves)
    double wsum = 0.0, num = 0.0;
    for (int i = 0; i < static_cast<int>(r.indicators.size()); ++i)
      if (r.block_of[static_cast<std::size_t>(i)] == j) {
        wsum += r.weights(i);
        num += r.weights(i) * x.col(i).mean();
      }
    CHECK(r.index(j) == Approx(100.0 * (num / wsum - 0.0) / 10.0).epsilon(1e-12));
    CHECK(r.index(j) > 0.0);
    CHECK(r.index(j) < 100.0);
    CHECK(r.index_scores.col(j).mean() == Approx(r.index(j)).epsilon(1e-12));
  }
  CHECK(r.ipma_target == 5);  // LOY: the last latent without successors
  CHECK(r.ipma_importance(5) == 0.0);
  CHECK(r.ipma_importance(4) > 0.0);
}

TEST_CASE("bootstrap: identical for any number of workers; seeded", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  PlsConfig c = published();
  c.bootstrap = 40;
  c.seed = 11;
  PlsResult a = fit_pls(x, cols, ecsi(), c, 1);
  PlsResult b = fit_pls(x, cols, ecsi(), c, 3);
  REQUIRE(a.bootstrap.succeeded == 40);
  CHECK(a.bootstrap.failed == 0);
  CHECK(a.bootstrap.samples == b.bootstrap.samples);
  CHECK(a.bootstrap.se == b.bootstrap.se);
  c.seed = 12;
  PlsResult d = fit_pls(x, cols, ecsi(), c, 2);
  CHECK(!(a.bootstrap.samples == d.bootstrap.samples));
  // every interval holds the bootstrap mean; se > 0 for paths
  for (Eigen::Index k = 0; k < a.bootstrap.se.size(); ++k) {
    CHECK(a.bootstrap.lower(k) <= a.bootstrap.mean(k));
    CHECK(a.bootstrap.mean(k) <= a.bootstrap.upper(k));
  }
}

TEST_CASE("model validation: DAG, empty block, unknown latent, missing column", "[pls]") {
  PlsModel m = ecsi();
  m.paths.push_back({"LOY", "IMAG"});
  CHECK_THROWS_WITH(m.validate(), Contains("cycle"));
  m = ecsi();
  m.blocks[2].indicators.clear();
  CHECK_THROWS_AS(m.validate(), config_error);
  CHECK_THROWS_WITH(m.validate(), Contains("'QUAL' is empty"));
  m = ecsi();
  m.paths.push_back({"IMAG", "NOPE"});
  CHECK_THROWS_WITH(m.validate(), Contains("unknown latent 'NOPE'"));
  m = ecsi();
  m.paths.push_back({"SAT", "SAT"});
  CHECK_THROWS_WITH(m.validate(), Contains("self-loop"));
  m = ecsi();
  m.blocks.push_back({"ISO", {"x"}, PlsMode::a});
  CHECK_THROWS_WITH(m.validate(), Contains("connected to no other"));
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  m = ecsi();
  m.blocks[0].indicators[0] = "imag9";
  CHECK_THROWS_AS(fit_pls(x, cols, m, published()), config_error);
  CHECK_THROWS_WITH(fit_pls(x, cols, m, published()), Contains("'imag9'"));
  // JSON round trip
  PlsModel e = ecsi();
  e.blocks[3].mode = PlsMode::b;
  CHECK(pls_model_from_json(to_json(e)) == e);
  PlsConfig c;
  c.scheme = PlsScheme::path;
  c.bootstrap = 10;
  CHECK(pls_config_from_json(to_json(c)) == c);
  CHECK_THROWS_WITH(pls_config_from_json(R"({"scheme": "spiral"})"), Contains("centroid"));
  CHECK_THROWS_WITH(pls_config_from_json(R"({"tolerence": 1})"), Contains("unknown key"));
}

TEST_CASE("degenerate inputs: constant column, collinear Mode B, one-indicator block, scale", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  PlsModel m = ecsi();
  RowMatrixXd y = x;
  y.col(6).setConstant(7.0);  // expe2
  CHECK_THROWS_AS(fit_pls(y, cols, m, published()), input_error);
  CHECK_THROWS_WITH(fit_pls(y, cols, m, published()), Contains("'expe2'") && Contains("no variance"));
  // perfectly collinear indicators in a Mode B block: qual3 = qual1 + qual2 - 5 (stays in range? not needed)
  y = x;
  y.col(12) = (y.col(10) + y.col(11)) / 2.0;
  m.blocks[2].mode = PlsMode::b;
  CHECK_THROWS_WITH(fit_pls(y, cols, m, published()), Contains("'QUAL'") && Contains("collinear"));
  // the same block in Mode A is fine
  m.blocks[2].mode = PlsMode::a;
  CHECK_NOTHROW(fit_pls(y, cols, m, published()));
  // a one-indicator block: weight gives unit variance, loading 1, reliability 1
  m = ecsi();
  m.blocks[3].indicators = {"val1"};
  PlsResult r = fit_pls(x, cols, m, published());
  int v = m.index_of("VAL");
  int i = 0;
  while (r.block_of[static_cast<std::size_t>(i)] != v) ++i;
  CHECK(r.loadings(i) == Approx(1.0));
  CHECK(r.alpha(v) == 1.0);
  CHECK(r.rho(v) == 1.0);
  CHECK(r.eig2(v) == 0.0);
  CHECK(r.weights(i) == Approx(1.0 / r.sds(i)));
  // values outside the scale (default 1-10; the data have zeros)
  y = x;
  y(17, 3) = 11.0;
  CHECK_THROWS_WITH(fit_pls(y, cols, ecsi(), published()), Contains("row 17") && Contains("'imag4'") && Contains("11"));
  PlsConfig noidx = published();
  noidx.indices = false;
  CHECK_NOTHROW(fit_pls(y, cols, ecsi(), noidx));
  y(3, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(fit_pls(y, cols, ecsi(), noidx), Contains("row 3") && Contains("finite"));
}

TEST_CASE("missing values: mean replacement and listwise deletion", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  RowMatrixXd y = x;
  y(0, 0) = NaN;
  y(5, 10) = NaN;
  y(5, 11) = NaN;
  PlsConfig c = published();
  PlsResult a = fit_pls(y, cols, ecsi(), c);
  CHECK(a.n_missing == 3);
  CHECK(a.n_incomplete == 2);
  CHECK(a.n_used == 250);
  // mean replacement equals filling by hand
  RowMatrixXd f = y;
  f(0, 0) = (x.col(0).sum() - x(0, 0)) / 249.0;
  f(5, 10) = (x.col(10).sum() - x(5, 10)) / 249.0;
  f(5, 11) = (x.col(11).sum() - x(5, 11)) / 249.0;
  PlsResult b = fit_pls(f, cols, ecsi(), c);
  CHECK((a.paths - b.paths).cwiseAbs().maxCoeff() < 1e-12);
  c.missing = PlsMissing::listwise;
  PlsResult l = fit_pls(y, cols, ecsi(), c);
  CHECK(l.n_used == 248);
  CHECK(std::isnan(l.scores(0, 0)));
  RowMatrixXd z(248, x.cols());
  for (Eigen::Index r = 0, k = 0; r < 250; ++r)
    if (r != 0 && r != 5) z.row(k++) = x.row(r);
  PlsResult d = fit_pls(z, cols, ecsi(), c);
  CHECK((l.paths - d.paths).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("bootstrap resamples without variance are skipped and counted", "[pls]") {
  // a rare binary indicator: some resamples have it constant
  std::mt19937_64 g(5);
  std::normal_distribution<double> z;
  const int n = 12;
  RowMatrixXd x(n, 4);
  for (int r = 0; r < n; ++r) {
    double f = z(g);
    x(r, 0) = 5 + f + 0.5 * z(g);
    x(r, 1) = r == 0 ? 2.0 : 1.0;  // one record differs
    x(r, 2) = 5 + f + 0.5 * z(g);
    x(r, 3) = 5 + f + 0.5 * z(g);
  }
  PlsModel m;
  m.blocks = {{"X", {"a", "b"}, PlsMode::a}, {"Y", {"c", "d"}, PlsMode::a}};
  m.paths = {{"X", "Y"}};
  PlsConfig c;
  c.bootstrap = 200;
  c.seed = 1;
  PlsResult r = fit_pls(x, {"a", "b", "c", "d"}, m, c, 2);
  // P(record 0 absent from a resample) = (11/12)^12 ~ 0.35
  CHECK(r.bootstrap.failed > 30);
  CHECK(r.bootstrap.failed < 120);
  CHECK(r.bootstrap.succeeded + r.bootstrap.failed == 200);
  CHECK(r.bootstrap.samples.rows() == r.bootstrap.succeeded);
  CHECK(r.bootstrap.se.allFinite());
  CHECK(!r.warnings.empty());
}

TEST_CASE("a fit from merged moments equals the fit from the records", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  Moments a(static_cast<int>(cols.size()), MissingPolicy::listwise, cols);
  Moments b(static_cast<int>(cols.size()), MissingPolicy::listwise, cols);
  a.update(x.topRows(97));
  b.update(x.bottomRows(250 - 97));
  a.merge(b);
  PlsResult m = fit_pls_moments(a, ecsi(), published());
  PlsResult r = fit_pls(x, cols, ecsi(), published());
  CHECK((m.paths - r.paths).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((m.weights - r.weights).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((m.alpha - r.alpha).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((m.index - r.index).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(m.gof == Approx(0.609741624).margin(1e-6));
  CHECK(m.scores.rows() == 0);
  PlsConfig c = published();
  c.bootstrap = 5;
  CHECK_THROWS_AS(fit_pls_moments(a, ecsi(), c), config_error);
  Moments pw(static_cast<int>(cols.size()), MissingPolicy::pairwise, cols);
  pw.update(x);
  CHECK_THROWS_WITH(fit_pls_moments(pw, ecsi(), published()), Contains("listwise"));
}

TEST_CASE("columns read in place: any layout, any workers, several chunks, missing values", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  // 40 copies of the survey with noise: 10,000 records, several chunks of the record passes
  const Eigen::Index reps = 40, n = reps * x.rows(), k = x.cols();
  RowMatrixXd big(n, k);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> noise(-0.5, 0.5);
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index c = 0; c < k; ++c) big(r, c) = std::clamp(x(r % x.rows(), c) + noise(rng), 0.0, 10.0);
  for (Eigen::Index r : {3, 4100, 4101, 8191, 9999}) big(r, (r * 7) % 27) = NaN;
  big(4101, 0) = NaN;
  PlsConfig c = published();
  for (PlsMissing policy : {PlsMissing::mean, PlsMissing::listwise}) {
    c.missing = policy;
    const PlsResult ref = fit_pls(big, cols, ecsi(), c, 1);
    CHECK(ref.n_missing == 6);
    CHECK(ref.n_incomplete == 5);
    // column-major copy, one view per column
    Eigen::MatrixXd cm = big;
    std::vector<ColumnView> views;
    for (Eigen::Index j = 0; j < k; ++j) views.push_back({cm.col(j).data(), 1});
    for (int workers : {1, 2}) {
      const PlsResult r = fit_pls(views, n, cols, ecsi(), c, workers);
      CHECK(r.paths == ref.paths);
      CHECK(r.weights == ref.weights);
      CHECK(r.scores.cwiseEqual(ref.scores).count() + r.scores.array().isNaN().count() == r.scores.size());
      CHECK(r.index_scores.array().isNaN().count() == ref.index_scores.array().isNaN().count());
    }
    // the 0-100 scores equal a direct computation from the mean-replaced indicators
    for (Eigen::Index r : {Eigen::Index{0}, Eigen::Index{4100}, Eigen::Index{9998}}) {
      if (policy == PlsMissing::listwise && big.row(r).hasNaN()) {
        CHECK(std::isnan(ref.index_scores(r, 0)));
        continue;
      }
      for (int j = 0; j < 6; ++j) {
        double t = 0.0, wsum = 0.0;
        for (int i = 0; i < 27; ++i) {
          if (ref.block_of[static_cast<std::size_t>(i)] != j) continue;
          double v = big(r, i);
          if (std::isnan(v)) v = ref.means(i);
          t += ref.index_weights(i) * v;
          wsum += ref.index_weights(i);
        }
        CHECK(wsum == Approx(1.0).epsilon(1e-12));
        CHECK(ref.index_scores(r, j) == Approx(10.0 * t).epsilon(1e-12));  // 100 t / (10 - 0)
      }
    }
    if (policy == PlsMissing::listwise) {
      CHECK(ref.n_used == n - 5);
      CHECK(std::isnan(ref.scores(4101, 0)));
      RowMatrixXd kept(n - 5, k);
      for (Eigen::Index r = 0, m = 0; r < n; ++r)
        if (!big.row(r).array().isNaN().any()) kept.row(m++) = big.row(r);
      const PlsResult d = fit_pls(kept, cols, ecsi(), c, 2);
      CHECK((d.paths - ref.paths).cwiseAbs().maxCoeff() < 1e-12);
    }
  }
  // a value outside the scale in a later chunk is named by its record and column
  Eigen::MatrixXd cm = big;
  cm(6000, 12) = 11.0;
  cm(7000, 2) = -1.0;
  std::vector<ColumnView> views;
  for (Eigen::Index j = 0; j < k; ++j) views.push_back({cm.col(j).data(), 1});
  c.missing = PlsMissing::mean;
  CHECK_THROWS_WITH(fit_pls(views, n, cols, ecsi(), c, 2), Contains("column 'qual3', row 6000: value 11"));
  CHECK_THROWS_AS(fit_pls(views, n, {"a"}, ecsi(), c), input_error);
}

TEST_CASE("validity: HTMT on absolute correlations, rho_A, rho_c, VIF, f2; PLSc; shifted data; infinite t", "[pls]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  PlsConfig c;
  c.scale_min = 0.0;
  c.indices = false;
  const PlsResult base = fit_pls(x, cols, ecsi(), c);
  // reverse-coding imag2 changes the signed correlations but neither HTMT nor HTMT2
  RowMatrixXd y = x;
  y.col(1) = (10.0 - y.col(1).array()).matrix();
  const PlsResult flipped = fit_pls(y, cols, ecsi(), c);
  CHECK((flipped.htmt - base.htmt).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((flipped.htmt2 - base.htmt2).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(base.htmt(0, 4) > 0.0);
  // rho_c from the loadings of SAT (block 4: indicators 19..22), by hand
  const Eigen::VectorXd l = base.loadings.segment(19, 4);
  const double s = l.sum();
  CHECK(base.rho_c(4) == Approx(s * s / (s * s + 4.0 - l.squaredNorm())).epsilon(1e-12));
  for (int j = 0; j < 6; ++j) CHECK(base.fornell_larcker(j, j) == Approx(std::sqrt(base.ave(j))).epsilon(1e-12));
  // a single predictor: VIF 1 and f2 = R2 / (1 - R2)
  CHECK(base.vif_inner(1, 0) == Approx(1.0));
  CHECK(base.f2(1, 0) == Approx(base.r2(1) / (1.0 - base.r2(1))).epsilon(1e-12));
  CHECK(std::isnan(base.f2(0, 1)));
  // shifted ratings: centred before the variance test, same estimates
  RowMatrixXd z = (x.array() + 1e7).matrix();
  const PlsResult sh = fit_pls(z, cols, ecsi(), c);
  CHECK((sh.paths - base.paths).cwiseAbs().maxCoeff() < 1e-6);
  // PLSc: corrected correlations are R / sqrt(rho_A rho_A')
  PlsConfig pc = c;
  pc.consistent = true;
  const PlsResult cr = fit_pls(x, cols, ecsi(), pc);
  CHECK(cr.consistent);
  CHECK(cr.factors.size() == 6);
  CHECK(cr.latent_correlations(4, 0) ==
        Approx(base.latent_correlations(4, 0) / std::sqrt(base.rho_a(4) * base.rho_a(0))).epsilon(1e-12));
  CHECK((cr.weights - base.weights).cwiseAbs().maxCoeff() == 0.0);
  CHECK(pls_config_from_json(to_json(pc)) == pc);
  // a Mode A composite is left uncorrected; an unknown name is a config_error
  pc.composites = {"VAL"};
  const PlsResult cc = fit_pls(x, cols, ecsi(), pc);
  CHECK(cc.factors.size() == 5);
  CHECK(cc.loadings.segment(15, 4).isApprox(base.loadings.segment(15, 4)));
  CHECK(pls_config_from_json(to_json(pc)) == pc);
  pc.composites = {"VAX"};
  CHECK_THROWS_WITH(fit_pls(x, cols, ecsi(), pc), Contains("unknown latent 'VAX'"));
  // a one-indicator block's weight is fixed: its bootstrap t is infinite, not 1e15
  PlsModel m = ecsi();
  m.blocks[3].indicators = {"val1"};
  PlsConfig bc = c;
  bc.bootstrap = 20;
  const PlsResult br = fit_pls(x, cols, m, bc);
  int i = 0;
  while (br.block_of[static_cast<std::size_t>(i)] != 3) ++i;
  CHECK(br.bootstrap.se(i) == 0.0);
  CHECK(std::isinf(br.bootstrap.t(i)));
  CHECK(br.bootstrap.t(i) > 0.0);
}

TEST_CASE("model fit: SRMR, d_ULS, d_G of the saturated Mode B model as ADANCO (shipped with cSEM)", "[pls][fit]") {
  RowMatrixXd x;
  std::vector<std::string> cols;
  read_satisfaction(x, cols);
  PlsModel m = ecsi();
  for (auto& b : m.blocks) b.mode = PlsMode::b;
  PlsConfig c;
  c.scale_min = 0.0;
  c.indices = false;
  // tests/data/pls_adanco_satisfaction_fit.json (ADANCO 2.2.1 stops at 1e-6)
  PlsResult r = fit_pls(x, cols, m, c);
  CHECK(r.srmr_saturated == Approx(0.052504523313134495).margin(1e-6));
  CHECK(r.d_uls_saturated == Approx(1.0420420380322912).margin(1e-6));
  CHECK(r.d_g_saturated == Approx(0.8600474047340422).margin(1e-6));
  // the estimated model restricts the saturated one; SRMR^2 x p(p+1)/2 = d_ULS (unit diagonals)
  CHECK(r.srmr_estimated > r.srmr_saturated);
  const double half = 27.0 * 28.0 / 2.0;
  CHECK(r.srmr_estimated * r.srmr_estimated * half == Approx(r.d_uls_estimated).epsilon(1e-12));
  CHECK(r.implied_saturated.rows() == 27);
  CHECK(std::isnan(r.aic(0)));  // IMAG is exogenous
  c.dg_log_base = 1.0;
  CHECK_THROWS_AS(c.validate(), config_error);
}
