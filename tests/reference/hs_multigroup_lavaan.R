# Multi-group reference numbers from lavaan for tests/reference/test_multigroup_reference.py.
# Run from the repository root: Rscript tests/reference/hs_multigroup_lavaan.R
# (R 4.2.2, lavaan 0.6-14; sem() defaults, ML). Writes beside this script, in data/:
#   hs1939.csv                      lavaan::HolzingerSwineford1939 (id, sex, ageyr, agemo,
#                                   school, grade, x1..x9), 301 rows, as shipped
#   hs1939_missing.csv              the same with about 5 % of x1..x9 set to NA, MCAR:
#                                   set.seed(20261124), runif(301 * 9) < 0.05, column by column
#   hs_multigroup_lavaan_models.csv one row per (data, model): chisq, df, logl, npar, cfi
#   hs_multigroup_lavaan_lrt.csv    one row per likelihood-ratio test (lavTestLRT)
#   hs_multigroup_lavaan_means.csv  the scalar model's latent means of group 2 (est, se from
#                                   the observed information)
# Groups by school in lavaan's order (order of appearance): 1 = Pasteur, 2 = Grant-White.
library(lavaan)
here <- "tests/reference/data"
hs <- HolzingerSwineford1939
write.csv(hs, file.path(here, "hs1939.csv"), row.names = FALSE)
items <- paste0("x", 1:9)
set.seed(20261124)
gaps <- matrix(runif(nrow(hs) * 9) < 0.05, nrow(hs), 9)
hs_na <- hs
for (j in 1:9) hs_na[gaps[, j], items[j]] <- NA
write.csv(hs_na, file.path(here, "hs1939_missing.csv"), row.names = FALSE, na = "")
# Fit what the tests read: the CSV files as written.
hs <- read.csv(file.path(here, "hs1939.csv"))
hs_na <- read.csv(file.path(here, "hs1939_missing.csv"))

base <- '
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
'
structural <- function(labels = c(t_v = "", s_v = "", s_t = "")) {
  lab <- function(k) if (labels[[k]] == "") "" else paste0("c(", labels[[k]], ",", labels[[k]], ")*")
  paste0(base, "textual ~ ", lab("t_v"), "visual\n",
         "speed ~ ", lab("s_v"), "visual + ", lab("s_t"), "textual\n")
}
paths <- c(t_v = "visual -> textual", s_v = "visual -> speed", s_t = "textual -> speed")

models <- list(); tests <- list(); means <- NULL
for (which in c("complete", "missing")) {
  d <- if (which == "complete") hs else hs_na
  fit <- function(model, equal = "") {
    if (which == "complete")
      sem(model, data = d, group = "school", group.equal = equal)
    else
      sem(model, data = d, group = "school", group.equal = equal, missing = "ml")
  }
  f <- list(configural = fit(structural()),
            metric = fit(structural(), "loadings"),
            paths_equal = fit(structural(), c("loadings", "regressions")),
            scalar = fit(structural(), c("loadings", "intercepts")))
  for (k in names(paths)) {
    labels <- c(t_v = "", s_v = "", s_t = "")
    labels[[k]] <- "b"
    f[[paste0("path_equal:", paths[[k]])]] <- fit(structural(labels), "loadings")
  }
  for (name in names(f)) {
    m <- fitMeasures(f[[name]], c("chisq", "df", "logl", "npar", "cfi"))
    models[[length(models) + 1]] <- data.frame(data = which, model = name,
      chisq = m[["chisq"]], df = m[["df"]], logl = m[["logl"]], npar = m[["npar"]],
      cfi = m[["cfi"]])
  }
  against <- c(metric = "configural", paths_equal = "metric", scalar = "metric",
               setNames(rep("metric", 3), paste0("path_equal:", paths)))
  for (name in names(against)) {
    t <- lavTestLRT(f[[name]], f[[against[[name]]]])
    tests[[length(tests) + 1]] <- data.frame(data = which, model = name,
      against = against[[name]], chisq_diff = t[["Chisq diff"]][2],
      df_diff = t[["Df diff"]][2], p_value = t[["Pr(>Chisq)"]][2])
  }
  # Standard errors from the observed information (the Hessian), as the Python side;
  # lavaan's default for complete data is the expected information.
  observed <- if (which == "complete")
    sem(structural(), data = d, group = "school", group.equal = c("loadings", "intercepts"),
        information = "observed")
  else
    sem(structural(), data = d, group = "school", group.equal = c("loadings", "intercepts"),
        missing = "ml", information = "observed")
  pe <- parameterEstimates(observed)
  pe <- pe[pe$op == "~1" & pe$lhs %in% c("visual", "textual", "speed") & pe$group == 2, ]
  means <- rbind(means, data.frame(data = which, latent = pe$lhs, est = pe$est, se = pe$se))
}
write.csv(do.call(rbind, models), file.path(here, "hs_multigroup_lavaan_models.csv"),
          row.names = FALSE)
write.csv(do.call(rbind, tests), file.path(here, "hs_multigroup_lavaan_lrt.csv"),
          row.names = FALSE)
write.csv(means, file.path(here, "hs_multigroup_lavaan_means.csv"), row.names = FALSE)
