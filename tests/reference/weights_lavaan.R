# Reference numbers from lavaan 0.6-14 for case (sampling) weights in CB-SEM:
# tests/reference/test_weights_reference.py. Run from the repository root:
#   Rscript tests/reference/weights_lavaan.R
# Writes data/pd_weights.csv and data/pd_weighted_*_lavaan_{params,fit}.csv.
#
# lavaan with sampling.weights (lavaan(): "if sampling.weights and estimator ML -> MLR"):
# estimator ML on weighted moments (weights rescaled to sum to N, sampling.weights.
# normalization = "total"), se = "robust.huber.white" with the observed information
# (observed.information = "hessian"), test = "yuan.bentler.mplus". The options are written
# to data/pd_weighted_lavaan_options.csv so that a change of lavaan's defaults shows.
library(lavaan)
here <- "tests/reference/data"
measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
              "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled", "rmsea.robust", "srmr",
              "logl", "unrestricted.logl", "aic", "bic")
save_fit <- function(f, name) {
  fm <- fitMeasures(f, measures)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(here, paste0(name, "_lavaan_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(f, standardized = TRUE)
  pe <- pe[pe$op %in% c("=~", "~", "~~", "~1"), ]
  write.csv(pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
            file.path(here, paste0(name, "_lavaan_params.csv")), row.names = FALSE)
}

pd_model <- '
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
'
d <- read.csv(file.path(here, "pd_data.csv"), row.names = 1)
dm <- read.csv(file.path(here, "pd_data_missing.csv"))
# Non-integer weights between 0.4 and 2.6, one per row of both files (same respondents).
set.seed(20261201)
w <- round(runif(nrow(d), 0.4, 2.6), 3)
write.csv(data.frame(w = w), file.path(here, "pd_weights.csv"), row.names = FALSE)
d$w <- w
dm$w <- w

# 1. Complete data: weighted ML, robust (Huber-White) SEs, Yuan-Bentler (Mplus) test.
complete <- sem(pd_model, data = d, sampling.weights = "w")
save_fit(complete, "pd_weighted")
opt <- lavInspect(complete, "options")
write.csv(data.frame(option = c("estimator", "se", "test", "information",
                                "observed.information", "h1.information",
                                "sampling.weights.normalization"),
                     value = c(opt$estimator, opt$se, opt$test, opt$information[1],
                               opt$observed.information[1], opt$h1.information[1],
                               opt$sampling.weights.normalization)),
          file.path(here, "pd_weighted_lavaan_options.csv"), row.names = FALSE)
# 2. About 8 % of values missing: weighted FIML (missing = "ml").
save_fit(sem(pd_model, data = dm, sampling.weights = "w", missing = "ml"),
         "pd_weighted_fiml")
# 3. The same data, listwise: the 29 complete rows, their weights rescaled to sum to 29.
save_fit(sem(pd_model, data = dm, sampling.weights = "w", missing = "listwise"),
         "pd_weighted_listwise")
