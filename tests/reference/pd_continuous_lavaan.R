# Reference numbers from lavaan 0.6-14 for the continuous-scale questionnaire case
# (tests/cli/test_continuous.py): Bollen's Political Democracy without its residual
# covariances (the model of data/pd_continuous_model.yaml), unweighted and with the case
# weights of data/pd_weights.csv (made by weights_lavaan.R). Run from the repository root:
#   Rscript tests/reference/pd_continuous_lavaan.R
# Writes data/pd_basic_lavaan_{params,fit}.csv and data/pd_basic_weighted_lavaan_{params,fit}.csv.
library(lavaan)
here <- "tests/reference/data"
measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "cfi", "tli", "cfi.robust", "tli.robust", "rmsea",
              "rmsea.robust", "srmr", "logl", "aic", "bic")
save_fit <- function(f, name) {
  fm <- fitMeasures(f, intersect(measures, names(fitMeasures(f))))
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(here, paste0(name, "_lavaan_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(f, standardized = TRUE)
  pe <- pe[pe$op %in% c("=~", "~", "~~"), ]
  write.csv(pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
            file.path(here, paste0(name, "_lavaan_params.csv")), row.names = FALSE)
}
model <- '
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
'
d <- read.csv(file.path(here, "pd_data.csv"), row.names = 1)
d$w <- read.csv(file.path(here, "pd_weights.csv"))$w
save_fit(sem(model, data = d), "pd_basic")
save_fit(sem(model, data = d, sampling.weights = "w"), "pd_basic_weighted")
