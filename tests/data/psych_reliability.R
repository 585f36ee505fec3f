# Reference values for tests/python/test_reliability_psych.py and tests/cpp/test_reliability.cpp.
# R 4.2.2, psych 2.2.9 and GPArotation 2022.10-2 from Debian (r-cran-psych, r-cran-gparotation).
# Data: psych's `bfi` (25 personality items of 2800 SAPA respondents; Revelle, Wilt and Rosenthal
# 2010; shipped with psych, GPL-2 | GPL-3), exported to tests/data/psych_bfi.csv (NA = missing).
#   Rscript tests/data/psych_reliability.R   (writes tests/data/psych_bfi.csv and psych_reliability.json)
suppressMessages({library(psych); library(jsonlite)})
data(bfi, package = "psych")
items <- bfi[, 1:25]
write.csv(items, "tests/data/psych_bfi.csv", row.names = FALSE, na = "")
out <- list(meta = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                        GPArotation = as.character(packageVersion("GPArotation")),
                        data = "psych::bfi[, 1:25], 2800 rows, pairwise-complete correlations"))
om_list <- function(om) list(
  omega_h = om$omega_h, omega_total = om$omega.tot, omega_limit = om$omega.lim, alpha = om$alpha,
  G6 = om$G6, ECV = unname(om$ECV), key = unname(om$key),
  g = unname(om$schmid$sl[, 1]), h2 = unname(om$schmid$sl[, "h2"]), u2 = unname(om$schmid$sl[, "u2"]),
  gloading = unname(as.vector(om$schmid$gloading)), phi = unname(om$schmid$phi),
  oblique = unname(unclass(om$schmid$oblique)), orthog = unname(unclass(om$schmid$orthog)),
  group_total = unname(om$omega.group$total), group_general = unname(om$omega.group$general),
  group_group = unname(om$omega.group$group))
# omega: psych's defaults (nfactors = 3, fm = "minres", rotate = "oblimin", flip = TRUE)
om <- omega(items, plot = FALSE)
out$omega_bfi25 <- om_list(om)
out$omega_bfi25$call <- "omega(bfi[, 1:25], plot = FALSE)"
om5 <- omega(items, nfactors = 5, plot = FALSE)
out$omega_bfi25_5f <- om_list(om5)
out$omega_bfi25_5f$call <- "omega(bfi[, 1:25], nfactors = 5, plot = FALSE)"
# omega from a given oblique pattern and factor correlations
omp <- omega(unclass(om$schmid$oblique), Phi = om$schmid$phi, plot = FALSE)
out$omega_given <- list(call = "omega(om$schmid$oblique, Phi = om$schmid$phi, plot = FALSE)",
  omega_h = omp$omega_h, omega_total = omp$omega.tot, omega_limit = omp$omega.lim,
  g = unname(omp$schmid$sl[, 1]), u2 = unname(omp$schmid$sl[, "u2"]))
# one factor: McDonald's omega of a one-factor minres model of the 5 agreeableness items (A1 reversed)
xa <- as.matrix(items[, 1:5]); xa[, 1] <- -xa[, 1]
ra <- cor(xa, use = "pairwise")
f1 <- fa(ra, 1, fm = "minres")
om1 <- suppressWarnings(suppressMessages(omega(ra, nfactors = 1, plot = FALSE)))
out$omega1_agree <- list(call = "xa <- bfi[, 1:5] with A1 negated; ra <- cor(xa, use = 'pairwise'); fa(ra, 1); omega(ra, nfactors = 1)",
  loadings = as.vector(f1$loadings), omega = om1$omega_h, omega_total = om1$omega.tot)
# alpha with keys, pairwise (psych's convention: correlations from the pairwise covariance matrix)
for (nm in c("agree", "consc")) {
  cols <- if (nm == "agree") 1:5 else 6:10
  keys <- if (nm == "agree") c("-A1", "A2", "A3", "A4", "A5") else c("C1", "C2", "C3", "-C4", "-C5")
  a <- alpha(items[, cols], keys = keys, warnings = FALSE)
  out[[paste0("alpha_", nm)]] <- list(call = sprintf("alpha(bfi[, %d:%d], keys = c(%s))", min(cols), max(cols),
      paste0('"', keys, '"', collapse = ", ")),
    raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, G6 = a$total$`G6(smc)`,
    average_r = a$total$average_r, ase = a$total$ase, feldt = unname(unlist(a$feldt[c("lower.ci", "upper.ci")])),
    duhachek = c(a$total$raw_alpha - qnorm(0.975) * a$total$ase, a$total$raw_alpha + qnorm(0.975) * a$total$ase),
    raw_alpha_drop = unname(a$alpha.drop$raw_alpha), std_alpha_drop = unname(a$alpha.drop$std.alpha),
    r_drop = unname(a$item.stats$r.drop), n = unname(a$item.stats$n))
}
al <- alpha(items[, 1:5], keys = c("-A1", "A2", "A3", "A4", "A5"), use = "complete.obs", warnings = FALSE)
out$alpha_agree_listwise <- list(call = "alpha(bfi[, 1:5], keys = ..., use = 'complete.obs')",
  raw_alpha = al$total$raw_alpha, std_alpha = al$total$std.alpha, ase = al$total$ase)
# Guttman's lambdas and split halves of the correlation matrix
r10 <- cor(items[, 1:10], use = "pairwise")
k10 <- c(-1, 1, 1, 1, 1, 1, 1, 1, -1, -1)
rk10 <- diag(k10) %*% r10 %*% diag(k10)  # the keyed correlations (guttman(r, key) fails in 2.2.9)
dimnames(rk10) <- dimnames(r10)
g10 <- suppressWarnings(guttman(rk10))
s10 <- splitHalf(rk10, check.keys = FALSE)
out$split_bfi10 <- list(call = "splitHalf(cor(bfi[, 1:10], use = 'pairwise'), keyed as -A1 -C4 -C5: splitHalf(rk, check.keys = FALSE); guttman(rk)",
  keys = k10, max = s10$maxrb, min = s10$minrb, mean = s10$meanr, alpha = s10$alpha,
  lambda2 = s10$lambda2, lambda6 = s10$lambda6, av_r = s10$av.r, med_r = s10$med.r,
  lambda1 = g10$lambda.1, lambda3 = g10$lambda.3, lambda4 = g10$lambda.4, lambda5 = g10$lambda.5,
  lambda5p = g10$lambda.5p, lambda6_g = g10$lambda.6)
r25 <- cor(items, use = "pairwise")
set.seed(42)
s25 <- splitHalf(r25, n.sample = 10000)
out$split_bfi25 <- list(call = "set.seed(42); splitHalf(cor(bfi[, 1:25], use = 'pairwise'), n.sample = 10000) (sampled; check.keys reverses)",
  max = s25$maxrb, min = s25$minrb, mean = s25$meanr, alpha = s25$alpha, lambda2 = s25$lambda2,
  lambda6 = s25$lambda6, av_r = s25$av.r)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/data/psych_reliability.json")
