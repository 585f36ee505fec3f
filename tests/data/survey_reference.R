# Reference values for servscore's design-based standard errors (tests/python/test_nps_design.py).
# R survey (Debian r-cran-survey), data(api): apistrat (stratified by school type, with fpc) and
# apiclus1 (one-stage cluster sample of school districts, with fpc). Derived survey-style answers:
#   ltr  0-10 "likelihood to recommend" = min(10, max(0, floor((api00 - 300) / 45))), missing when snum %% 13 == 0
#   nps  the NPS score of ltr: 100 promoter (9-10), 0 passive (7-8), -100 detractor (0-6)
#   csat 1-5 = min(5, max(1, ceiling((api99 - 400) / 120))); top = csat >= 4, bottom = csat <= 2
#   ces  1-7 = min(7, 1 + floor(meals / (100 / 7)))
# Run: Rscript tests/data/survey_reference.R  (writes survey_api.csv and survey_reference.json)
suppressPackageStartupMessages(library(survey))
suppressPackageStartupMessages(library(jsonlite))
data(api)
derive <- function(d, sample) {
  ltr <- pmin(10, pmax(0, floor((d$api00 - 300) / 45)))
  ltr[d$snum %% 13 == 0] <- NA
  csat <- pmin(5, pmax(1, ceiling((d$api99 - 400) / 120)))
  ces <- pmin(7, 1 + floor(d$meals / (100 / 7)))
  data.frame(sample = sample, snum = d$snum, stype = as.character(d$stype), dnum = d$dnum, pw = d$pw,
             fpc = d$fpc, ltr = ltr, nps = ifelse(ltr >= 9, 100, ifelse(ltr <= 6, -100, 0)),
             csat = csat, top = as.numeric(csat >= 4), bottom = as.numeric(csat <= 2), ces = ces,
             ces_top = as.numeric(ces >= 5), one = 1)
}
strat <- derive(apistrat, "apistrat")
clus <- derive(apiclus1, "apiclus1")
write.csv(rbind(strat, clus), "survey_api.csv", row.names = FALSE)
designs <- list(
  strat_fpc = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat),
  weights_only = svydesign(id = ~1, weights = ~pw, data = strat),
  clus1_fpc = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus),
  clus1 = svydesign(id = ~dnum, weights = ~pw, data = clus)
)
vars <- c("nps", "top", "bottom", "csat", "ces", "ces_top")
out <- list(package = "survey", version = as.character(packageVersion("survey")),
            r = R.version.string, data = "data(api): apistrat, apiclus1", results = list())
for (name in names(designs)) {
  d <- designs[[name]]
  res <- list(calls = paste0("svymean(~v, ", name, ", na.rm = TRUE) for v in ", paste(vars, collapse = ", ")),
              degf = degf(d))
  for (v in vars) {
    m <- svymean(as.formula(paste0("~", v)), d, na.rm = TRUE)
    res[[v]] <- list(mean = unname(coef(m)), se = as.numeric(SE(m)))
  }
  r <- svyratio(~nps, ~one, subset(d, !is.na(nps)))
  res$ratio_nps <- list(call = "svyratio(~nps, ~one, subset(d, !is.na(nps)))", ratio = unname(coef(r)),
                        se = as.numeric(SE(r)))
  by <- svyby(~nps, ~stype, d, svymean, na.rm = TRUE)
  res$by_stype_nps <- list(call = "svyby(~nps, ~stype, d, svymean, na.rm = TRUE)", stype = as.character(by$stype),
                           mean = unname(by$nps), se = as.numeric(SE(by)))
  byt <- svyby(~top, ~stype, d, svymean)
  res$by_stype_top <- list(call = "svyby(~top, ~stype, d, svymean)", stype = as.character(byt$stype),
                           mean = unname(byt$top), se = as.numeric(SE(byt)))
  out$results[[name]] <- res
}
# paired waves: wave b = min(10, ltr + 1) for every third school (row index %% 3 == 0, 0-based), the
# respondents with an answer in both; d = score(a) - score(b); svymean(~d) in the apistrat design
score <- function(x) ifelse(x >= 9, 100, ifelse(x <= 6, -100, 0))
both <- strat[!is.na(strat$ltr), ]
both$later <- pmin(10, both$ltr + ((seq_len(nrow(both)) - 1) %% 3 == 0))
both$d <- score(both$ltr) - score(both$later)
pd <- svymean(~d, svydesign(id = ~1, strata = ~stype, weights = ~pw, data = both))
out$paired <- list(call = "svymean(~d, svydesign(id = ~1, strata = ~stype, weights = ~pw, data = both))",
                   mean = unname(coef(pd)), se = as.numeric(SE(pd)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "survey_reference.json")
