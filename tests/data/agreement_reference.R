# Reference values for the agreement tests (tests/python/test_agreement.py, tests/cpp/test_agreement.cpp).
# Run:  R_LIBS=/work/rlib Rscript tests/data/agreement_reference.R > tests/data/agreement_reference.json
# Peers: psych 2.2.9 (Debian r-cran-psych): ICC(x, lmer = FALSE), cohen.kappa(x, w);
#        irr 0.84.1 (CRAN source, R CMD INSTALL): kappa2, kappam.fleiss, kripp.alpha, icc.
# Data: Shrout & Fleiss (1979) table 2 (psych's ICC example); irr's diagnoses, anxiety, video;
#       Krippendorff (2011) "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units
#       example with missing values (irr's kripp.alpha example). The tests read the stored values.
suppressPackageStartupMessages({library(psych); library(irr); library(jsonlite)})
data(diagnoses, anxiety, video, package = "irr")
out <- list(versions = list(psych = as.character(packageVersion("psych")), irr = as.character(packageVersion("irr")),
                            R = R.version.string))
sf <- matrix(c(9,2,5,8, 6,1,3,2, 8,4,6,8, 7,1,2,6, 10,5,6,9, 6,2,4,7), ncol = 4, byrow = TRUE)
icc_tab <- function(x, alpha = 0.05) {
  r <- psych::ICC(x, lmer = FALSE, alpha = alpha)
  res <- r$results
  list(call = sprintf("psych::ICC(x, lmer = FALSE, alpha = %g)", alpha), n = r$n.obs, k = r$n.judge,
       type = res$type, icc = res$ICC, F = res$F, df1 = res$df1, df2 = res$df2, p = res$p,
       lower = res[["lower bound"]], upper = res[["upper bound"]], MSW = r$MSW,
       MS = unname(r$stats[3, ]))
}
out$data <- list(shrout_fleiss = sf, anxiety = as.matrix(anxiety), video = as.matrix(video),
                 diagnoses = as.matrix(data.frame(lapply(diagnoses, as.character))))
out$icc_shrout_fleiss <- icc_tab(sf)
out$icc_shrout_fleiss_90 <- icc_tab(sf, alpha = 0.10)
out$icc_anxiety <- icc_tab(anxiety)
out$icc_video <- icc_tab(video)
# irr::icc, every model on anxiety (the same forms by another implementation)
ii <- list()
for (m in c("oneway", "twoway")) for (t in c("consistency", "agreement")) for (u in c("single", "average")) {
  if (m == "oneway" && t == "agreement") next
  r <- irr::icc(anxiety, model = m, type = t, unit = u)
  ii[[paste(m, t, u, sep = "_")]] <- list(value = r$value, F = r$Fvalue, df1 = r$df1, df2 = r$df2, p = r$p.value,
                                          lower = r$lbound, upper = r$ubound)
}
out$irr_icc_anxiety <- ii
# Cohen's kappa
ck <- function(x, w, wname) {
  r <- if (is.null(w)) psych::cohen.kappa(x) else psych::cohen.kappa(x, w = w)
  list(call = paste0("psych::cohen.kappa(x, w = ", wname, ")"), kappa = r$kappa, weighted_kappa = r$weighted.kappa,
       var_kappa = r$var.kappa, var_weighted = r$var.weighted, confid = unname(r$confid), n = r$n.obs)
}
anx12 <- anxiety[, 1:2]
lev <- sort(unique(c(anx12[, 1], anx12[, 2])))
K <- length(lev)
wlin <- 1 - abs(outer(1:K, 1:K, "-")) / (K - 1)
out$psych_kappa_anxiety_quadratic <- ck(anx12, NULL, "NULL (quadratic)")
out$psych_kappa_anxiety_linear <- ck(anx12, wlin, "1 - |i - j| / (k - 1)")
dg <- data.frame(lapply(diagnoses[, 1:2], as.character), stringsAsFactors = FALSE)
out$psych_kappa_diagnoses <- ck(dg, NULL, "NULL (quadratic)")
cohen <- matrix(c(0.44, 0.07, 0.09, 0.05, 0.20, 0.05, 0.01, 0.03, 0.06), ncol = 3, byrow = TRUE)
r <- psych::cohen.kappa(cohen, n.obs = 200)
out$psych_kappa_cohen_table <- list(call = "psych::cohen.kappa(cohen, n.obs = 200)", table = cohen, kappa = r$kappa,
  weighted_kappa = r$weighted.kappa, var_kappa = r$var.kappa, var_weighted = r$var.weighted, confid = unname(r$confid))
k2 <- function(x, w) { r <- irr::kappa2(x, w); list(call = paste0("irr::kappa2(x, '", w, "')"), value = r$value,
  z = r$statistic, p = r$p.value, n = r$subjects) }
out$irr_kappa2_diagnoses <- k2(diagnoses[, 1:2], "unweighted")
out$irr_kappa2_anxiety <- k2(anx12, "unweighted")
out$irr_kappa2_anxiety_equal <- k2(anx12, "equal")
out$irr_kappa2_anxiety_squared <- k2(anx12, "squared")
# Fleiss
f <- irr::kappam.fleiss(diagnoses, detail = TRUE)
fe <- irr::kappam.fleiss(diagnoses, exact = TRUE)
out$irr_fleiss_diagnoses <- list(call = "irr::kappam.fleiss(diagnoses, detail = TRUE)", value = f$value, z = f$statistic,
  p = f$p.value, detail_kappa_rounded3 = unname(f$detail[, 1]), detail_z_rounded3 = unname(f$detail[, 2]),
  categories = rownames(f$detail), exact = fe$value, n = f$subjects, raters = f$raters)
fa <- irr::kappam.fleiss(anxiety)
out$irr_fleiss_anxiety <- list(call = "irr::kappam.fleiss(anxiety)", value = fa$value, z = fa$statistic, p = fa$p.value)
# Krippendorff (observers x units)
nmm <- matrix(c(1,1,NA,1,2,2,3,2,3,3,3,3,3,3,3,3,2,2,2,2,1,2,3,4,4,4,4,4,
                1,1,2,1,2,2,2,2,NA,5,5,5,NA,NA,1,1,NA,NA,3,NA), nrow = 4)
out$data$krippendorff_2011 <- nmm
ka <- list()
for (m in c("nominal", "ordinal", "interval", "ratio")) {
  r <- irr::kripp.alpha(nmm, m)
  ka[[m]] <- list(value = r$value, cm = r$cm, values = r$data.values)
}
out$irr_kripp_2011 <- ka
# complete data (anxiety, 3 raters): irr's kripp.alpha weights each pair 1 instead of 1/(m_u - 1) when no value
# is missing; stored to document the difference (the tests use the definition there)
out$irr_kripp_anxiety_interval <- irr::kripp.alpha(t(as.matrix(anxiety)), "interval")$value
cat(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE))
