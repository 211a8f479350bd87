# Multi-group reference numbers from lavaan for tests/reference/test_multigroup_reference.py.
# Run from the repository root: Rscript tests/reference/hs_multigroup_lavaan.R
# (R 4.2.2, lavaan 0.6-14; sem() defaults, ML). Writes beside this script, in data/:
#   hs1939.csv                      lavaan::HolzingerSwineford1939 (id, sex, ageyr, agemo,
#                                   school, grade, x1..x9), 301 rows, as shipped
#   hs1939_missing.csv              the same with about 5 % of x1..x9 set to NA, MCAR:
#                                   set.seed(20261124), runif(301 * 9) < 0.05, column by column
#   hs_multigroup_lavaan_models.csv one row per (case, data, model): chisq, df, logl, npar, cfi
#   hs_multigroup_lavaan_lrt.csv    one row per likelihood-ratio test (lavTestLRT)
#   hs_multigroup_lavaan_means.csv  the scalar model's latent means of group 2 (est, se from
#                                   the observed information)
# Groups by school in lavaan's order (order of appearance): 1 = Pasteur, 2 = Grant-White.
# Two cases, each on the complete data (ML) and on the data with gaps (missing = "ml"):
#   paths         visual, textual, speed (three items each); visual -> textual,
#                 visual -> speed, textual -> speed
#   second_order  ability over visual (x1-x3) and textual (x4-x6); x9 a single-item
#                 construct (memory); speed (x7, x8); ability -> memory, ability -> speed,
#                 memory -> speed. Scalar model as survey.estimators.multigroup sets it: the
#                 dimensions' intercepts 0 in both groups, x9's intercept free in each group
#                 (group.partial; lavaan's default would hold it equal), the means of ability
#                 and speed free in group 2.
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

# Each case: its syntax with optional path labels ("" = free; "b" = c(b, b)*, equal), the
# paths by key, what the scalar model adds, and the latent means reported.
cases <- list(
  paths = list(
    syntax = function(lab = list()) {
      l <- function(k) if (is.null(lab[[k]])) "" else paste0("c(", lab[[k]], ",", lab[[k]], ")*")
      paste0("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n",
             "textual ~ ", l("t_v"), "visual\n",
             "speed ~ ", l("s_v"), "visual + ", l("s_t"), "textual\n")
    },
    paths = c(t_v = "visual -> textual", s_v = "visual -> speed", s_t = "textual -> speed"),
    scalar_syntax = "", partial = "", latents = c("visual", "textual", "speed")),
  second_order = list(
    syntax = function(lab = list()) {
      l <- function(k) if (is.null(lab[[k]])) "" else paste0("c(", lab[[k]], ",", lab[[k]], ")*")
      paste0("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8\n",
             "ability =~ visual + textual\n",
             "x9 ~ ", l("a_m"), "ability\n",
             "speed ~ ", l("a_s"), "ability + ", l("m_s"), "x9\n")
    },
    paths = c(a_m = "ability -> memory", a_s = "ability -> speed", m_s = "memory -> speed"),
    scalar_syntax = "visual ~ c(0, 0)*1\ntextual ~ c(0, 0)*1\n",
    partial = "x9~1", latents = c("ability", "speed")))

models <- list(); tests <- list(); means <- list()
for (case in names(cases)) {
  k <- cases[[case]]
  for (which in c("complete", "missing")) {
    d <- if (which == "complete") hs else hs_na
    fit <- function(model, equal = "", partial = "", information = "expected") {
      if (which == "complete")
        sem(model, data = d, group = "school", group.equal = equal, group.partial = partial,
            information = information)
      else
        sem(model, data = d, group = "school", group.equal = equal, group.partial = partial,
            missing = "ml")
    }
    scalar <- function(information = "expected")
      fit(paste0(k$syntax(), k$scalar_syntax), c("loadings", "intercepts"), k$partial,
          information)
    f <- list(configural = fit(k$syntax()),
              metric = fit(k$syntax(), "loadings"),
              paths_equal = fit(k$syntax(), c("loadings", "regressions")),
              scalar = scalar())
    for (p in names(k$paths)) {
      lab <- list(); lab[[p]] <- "b"
      f[[paste0("path_equal:", k$paths[[p]])]] <- fit(k$syntax(lab), "loadings")
    }
    for (name in names(f)) {
      m <- fitMeasures(f[[name]], c("chisq", "df", "logl", "npar", "cfi"))
      models[[length(models) + 1]] <- data.frame(case = case, data = which, model = name,
        chisq = m[["chisq"]], df = m[["df"]], logl = m[["logl"]], npar = m[["npar"]],
        cfi = m[["cfi"]])
    }
    against <- c(metric = "configural", paths_equal = "metric", scalar = "metric",
                 setNames(rep("metric", length(k$paths)), paste0("path_equal:", k$paths)))
    for (name in names(against)) {
      t <- lavTestLRT(f[[name]], f[[against[[name]]]])
      tests[[length(tests) + 1]] <- data.frame(case = case, data = which, model = name,
        against = against[[name]], chisq_diff = t[["Chisq diff"]][2],
        df_diff = t[["Df diff"]][2], p_value = t[["Pr(>Chisq)"]][2])
    }
    # Standard errors from the observed information (the Hessian), as the Python side;
    # lavaan's default for complete data is the expected information (under missing = "ml"
    # the observed one).
    pe <- parameterEstimates(scalar("observed"))
    pe <- pe[pe$op == "~1" & pe$lhs %in% k$latents & pe$group == 2, ]
    means[[length(means) + 1]] <- data.frame(case = case, data = which, latent = pe$lhs,
                                             est = pe$est, se = pe$se)
  }
}
write.csv(do.call(rbind, models), file.path(here, "hs_multigroup_lavaan_models.csv"),
          row.names = FALSE)
write.csv(do.call(rbind, tests), file.path(here, "hs_multigroup_lavaan_lrt.csv"),
          row.names = FALSE)
write.csv(do.call(rbind, means), file.path(here, "hs_multigroup_lavaan_means.csv"),
          row.names = FALSE)
