# Reference numbers from lavaan for tests/reference/test_syntax_reference.py: the model YAML's
# measurement models (CFA), residual covariances, fixed parameters, equality constraints and a
# single-item construct that only depends on latents.
# Run from the repository root: Rscript tests/reference/syntax_lavaan.R
# (R 4.2.2, lavaan 0.6-14; ML, lavaan's defaults). Reads data/hs1939.csv (written by
# hs_multigroup_lavaan.R) and data/pd_data.csv; writes data/<case>_lavaan_params.csv (lhs, op,
# rhs, est, se, std.all: every parameter, free or fixed) and data/<case>_lavaan_fit.csv.
library(lavaan)
here <- "tests/reference/data"
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic",
              "npar")
save_fit <- function(f, name) {
  fm <- fitMeasures(f, measures)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(here, paste0(name, "_lavaan_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(f, standardized = TRUE)
  pe <- pe[pe$op %in% c("=~", "~", "~~"), ]
  write.csv(pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
            file.path(here, paste0(name, "_lavaan_params.csv")), row.names = FALSE)
}
hs <- read.csv(file.path(here, "hs1939.csv"))
pd <- read.csv(file.path(here, "pd_data.csv"))

# 1. lavaan's own three-factor CFA of Holzinger & Swineford (the cfa() help page): the
#    latents covary freely (cfa()'s default).
hs_cfa <- '
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
'
save_fit(cfa(hs_cfa, data = hs), "hs_cfa")

# 2. The same with a residual covariance between two items of the speed factor.
save_fit(cfa(paste(hs_cfa, "x7 ~~ x8"), data = hs), "hs_cfa_x7x8")

# 3. The disturbances of two endogenous latents covary (written out: sem() would add it anyway,
#    auto.cov.y), and the covariance of two factors fixed at 0 in a CFA (orthogonal factors).
hs_dist <- '
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ visual
speed ~ visual
textual ~~ speed
'
save_fit(sem(hs_dist, data = hs), "hs_disturbances")
save_fit(cfa(paste(hs_cfa, "visual ~~ 0*speed"), data = hs), "hs_cfa_orthogonal")

# 4. Political Democracy (Bollen 1989) with its six residual covariances, and lavaan's tutorial
#    version with equal loadings across the two waves (labels a, b, c).
pd_cov <- '
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
save_fit(sem(pd_cov, data = pd), "pd_cov")
pd_equal <- '
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
'
save_fit(sem(pd_equal, data = pd), "pd_equal")

# 5. Fixed values: a loading (x2 at 2), a path (ind60 -> dem65 at 0.5) and a residual variance
#    (y5 at 2.5); and two paths held equal (ind60 -> dem60 and dem60 -> dem65 share the
#    label p).
pd_fixed <- '
ind60 =~ x1 + 2*x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ p*ind60
dem65 ~ 0.5*ind60 + p*dem60
y5 ~~ 2.5*y5
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
'
save_fit(sem(pd_fixed, data = pd), "pd_fixed")

# 6. A single-item construct that only depends on latents and predicts nothing: x9 (as one
#    construct's only item) regressed on visual and textual; lavaan keeps 'x9 ~ f' a
#    regression of an observed variable. Its only terminal variable is x9, so sem()'s
#    auto.cov.y adds no covariance. With a bootstrap (R = 2000): the standard deviation of
#    the resampled estimates.
hs_single <- '
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual
x9 ~ visual + textual
'
single_fit <- sem(hs_single, data = hs)
save_fit(single_fit, "hs_single")
boot_fun <- function(f) {
  std <- lavInspect(f, "std")
  c(coef(f), r2_x9 = unname(lavInspect(f, "r2")["x9"]),
    std_x9_visual = std$beta["x9", "visual"], std_x9_textual = std$beta["x9", "textual"])
}
set.seed(20261201)
t_star <- bootstrapLavaan(single_fit, R = 2000L, FUN = boot_fun)
usable <- setdiff(seq_len(nrow(t_star)), attr(t_star, "error.idx"))
est <- boot_fun(single_fit)
write.csv(data.frame(name = names(est), est = unname(est),
                     se_boot = apply(t_star[usable, ], 2, sd, na.rm = TRUE),
                     resamples = nrow(t_star), converged = length(usable),
                     inadmissible = length(attr(t_star, "nonadmissible"))),
          file.path(here, "hs_single_lavaan_bootstrap.csv"), row.names = FALSE)
