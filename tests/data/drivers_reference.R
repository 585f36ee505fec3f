# Reference values for servscore's key-driver metrics (tests/python/test_drivers_reference.py).
# R 4.2.2; relaimpo 2.2-7 and domir 1.2.0 (from CRAN sources, github:cran/relaimpo, github:cran/domir),
# with boot, survey, mitools and corpcor. Data: datasets::swiss and datasets::mtcars, written beside
# this script (drivers_swiss.csv, drivers_mtcars.csv) so that the tests do not need R.
# Run from tests/data: R_LIBS=/work/rlib Rscript drivers_reference.R  (writes drivers_reference.json)
suppressPackageStartupMessages({library(relaimpo); library(domir); library(jsonlite)})
write.csv(swiss, "drivers_swiss.csv")
write.csv(mtcars, "drivers_mtcars.csv")
vals <- function(x) as.list(setNames(as.numeric(x), names(x)))
out <- list(versions = list(relaimpo = as.character(packageVersion("relaimpo")),
                            domir = as.character(packageVersion("domir")), R = R.version.string))
# relaimpo: every metric, no groups; calc.relimp(swiss, type = ..., rela = FALSE)
r <- calc.relimp(swiss, type = c("lmg", "first", "last", "betasq", "pratt", "genizi", "car"), rela = FALSE)
out$swiss <- list(call = "calc.relimp(swiss, type = c('lmg','first','last','betasq','pratt','genizi','car'), rela = FALSE)",
                  r2 = r@R2, lmg = vals(r@lmg), first = vals(r@first), last = vals(r@last),
                  betasq = vals(r@betasq), pratt = vals(r@pratt), genizi = vals(r@genizi), car = vals(r@car))
# groups (relaimpo groups=) and always (relaimpo always=)
g <- calc.relimp(swiss, type = c("lmg", "first", "last"), groups = list(c("Agriculture", "Examination")),
                 groupnames = "AgEx", rela = FALSE)
out$swiss_groups <- list(call = "calc.relimp(swiss, type = c('lmg','first','last'), groups = list(c('Agriculture','Examination')), groupnames = 'AgEx', rela = FALSE)",
                         lmg = vals(g@lmg), first = vals(g@first), last = vals(g@last))
a <- calc.relimp(swiss, type = c("lmg", "first", "last", "betasq", "pratt"), always = "Catholic", rela = FALSE)
out$swiss_always <- list(call = "calc.relimp(swiss, type = c('lmg','first','last','betasq','pratt'), always = 'Catholic', rela = FALSE)",
                         lmg = vals(a@lmg), first = vals(a@first), last = vals(a@last), betasq = vals(a@betasq),
                         pratt = vals(a@pratt))
# bootstrap: boot.relimp + booteval.relimp (percentile and BCa, with differences)
set.seed(2026)
b <- boot.relimp(swiss, b = 4000, type = "lmg", rela = FALSE, diff = TRUE)
ep <- booteval.relimp(b, bty = "perc", level = 0.95)
eb <- booteval.relimp(b, bty = "bca", level = 0.95)
nm <- names(swiss)[-1]
dn <- ep@lmg.diff.lower; dnames <- rownames(dn)
out$swiss_boot <- list(call = "set.seed(2026); boot.relimp(swiss, b = 4000, type = 'lmg', rela = FALSE, diff = TRUE); booteval.relimp(., bty = 'perc' / 'bca', level = 0.95)",
                       b = 4000, names = nm, se = as.numeric(apply(b@boot$t[, 3 + seq_along(nm)], 2, sd)),  # t: variance, R2, R2, lmg, ranks, differences
                       perc_lower = as.numeric(ep@lmg.lower), perc_upper = as.numeric(ep@lmg.upper),
                       bca_lower = as.numeric(eb@lmg.lower), bca_upper = as.numeric(eb@lmg.upper),
                       diff_names = dnames,
                       diff_perc_lower = as.numeric(ep@lmg.diff.lower), diff_perc_upper = as.numeric(ep@lmg.diff.upper),
                       diff_bca_lower = as.numeric(eb@lmg.diff.lower), diff_bca_upper = as.numeric(eb@lmg.diff.upper))
# domir: R2 of lm, then sets and .all; McFadden's and Estrella's pseudo-R2 of glm (binomial)
lm_r2 <- function(fml, data) summary(lm(fml, data = data))$r.squared
dom_list <- function(d) list(value = d$Value, general = vals(d$General_Dominance),
                             conditional = lapply(seq_len(nrow(d$Conditional_Dominance)), function(i) as.numeric(d$Conditional_Dominance[i, ])),
                             conditional_names = rownames(d$Conditional_Dominance),
                             complete = lapply(seq_len(nrow(d$Complete_Dominance)), function(i) as.numeric(d$Complete_Dominance[i, ])),
                             all = if (is.null(d$All_Subset_Value)) NULL else d$All_Subset_Value)
d1 <- domir(mpg ~ am + vs + cyl + carb, lm_r2, data = mtcars)
out$mtcars_lm <- c(list(call = "domir(mpg ~ am + vs + cyl + carb, lm_r2, data = mtcars)"), dom_list(d1))
d2 <- domir(mpg ~ am + vs + cyl + carb + gear + wt, lm_r2, .set = list(trans = ~ am + gear), .all = ~ wt, data = mtcars)
out$mtcars_sets <- c(list(call = "domir(mpg ~ am + vs + cyl + carb + gear + wt, lm_r2, .set = list(trans = ~ am + gear), .all = ~ wt, data = mtcars)"), dom_list(d2))
ll <- function(fml, data) as.numeric(logLik(glm(fml, data = data, family = binomial)))
mcfadden <- function(fml, data) 1 - ll(fml, data) / ll(update(fml, . ~ 1), data)
estrella <- function(fml, data) {
  l1 <- ll(fml, data); l0 <- ll(update(fml, . ~ 1), data)
  1 - (l1 / l0)^(-(2 / nrow(data)) * l0)
}
d3 <- domir(am ~ vs + qsec + drat + carb, mcfadden, data = mtcars)
out$mtcars_mcfadden <- c(list(call = "domir(am ~ vs + qsec + drat + carb, mcfadden, data = mtcars); mcfadden = 1 - logLik(glm) / logLik(null glm)"), dom_list(d3))
d4 <- domir(am ~ vs + qsec + drat + carb, estrella, data = mtcars)
out$mtcars_estrella <- c(list(call = "domir(am ~ vs + qsec + drat + carb, estrella, data = mtcars); estrella = 1 - (LL/LL0)^(-(2/n) LL0)"), dom_list(d4))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "drivers_reference.json")
