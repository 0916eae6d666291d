# Reference numbers from R for vaultkit's statistics (design.md section 5,
# "Statistics: the same numbers as R").
#
# Run from anywhere:  Rscript tests/r/make_reference.R
# Needs only base R (stats) and the Bioconductor package qvalue
# (Debian: apt-get install r-base-core r-bioc-qvalue).
#
# Every input is generated here from a fixed seed and written next to R's
# answers, so the Python tests read plain TSV files and never need R.
#
# Number formats in the output files:
#   - R's results are written with "%.17g", which a correctly rounding
#     reader (Python's float()) reads back as exactly the double R had;
#   - inputs are integers, decimals k / 10^4 (k an integer: see rnd) or, for
#     p-values, 6 significant digits k / 10^e (see rnd_p). Each is the
#     double nearest to a short decimal, since an integer divided by an exact
#     power of ten is correctly rounded, so "%.15g" prints that decimal and
#     Python reads back the same double. (R's own as.numeric() is not always
#     correctly rounded, so the round trip is not checked here.)
#   - NA is written as "NA"; a vector of inputs is one cell, comma-separated.
#
# Files written to tests/fixtures/r_reference/:
#   pearson.tsv   cor.test(x, y, method = "pearson")
#   spearman.tsv  cor.test(x, y, method = "spearman") with R's defaults
#   partial.tsv   partial correlation from lm residuals, p from pt()
#   padjust.tsv   p.adjust(p, "BH") and qvalue::qvalue() q-values, per p
#   qvalue_pi0.tsv  qvalue's pi0 (or its error message) per vector and setting
#   versions.tsv  R and qvalue versions used

suppressPackageStartupMessages(library(qvalue))

script_path <- function() {
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg) == 0) stop("run me with Rscript tests/r/make_reference.R")
  normalizePath(sub("^--file=", "", arg[1]))
}
root <- normalizePath(file.path(dirname(script_path()), "..", ".."))
out_dir <- file.path(root, "tests", "fixtures", "r_reference")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

set.seed(20240611, kind = "Mersenne-Twister", normal.kind = "Inversion",
         sample.kind = "Rejection")

# ---------------------------------------------------------------- helpers --

# One result, full precision (17 significant digits read back exactly).
num <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))

# A vector of inputs as one cell, comma-separated.
vec <- function(v) paste(ifelse(is.na(v), "NA", sprintf("%.15g", v)), collapse = ",")
# Inputs: 4 decimals; p-values: 6 significant digits.
rnd <- function(v) round(v * 1e4) / 1e4
vec_each <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))
rnd_p <- function(p) {
  e <- pmin(22, 5 - floor(log10(p)))
  ifelse(is.na(p) | p == 0, p, round(p * 10^e) / 10^e)
}

# Evaluate expr, returning its value and the messages of any warnings.
with_warnings <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = paste(unique(msgs), collapse = "; "))
}

write_tsv <- function(df, name) {
  path <- file.path(out_dir, name)
  write.table(df, path, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  cat(sprintf("%-16s %5d rows %8d bytes\n", name, nrow(df), file.size(path)))
}

# Correlated pair: y has correlation about rho with x (both normal).
pair <- function(n, rho) {
  x <- rnorm(n)
  y <- rho * x + sqrt(1 - rho^2) * rnorm(n)
  list(x = rnd(x), y = rnd(y))
}

# ------------------------------------------------------------- Pearson ----
# cor.test drops pairs with an NA in x or y (pair-wise complete), then
# r = cor(x, y), t = r sqrt(df / (1 - r^2)), df = n - 2, two-sided p.

pearson_rows <- list()
add_pearson <- function(case, x, y) {
  ct <- with_warnings(cor.test(x, y, method = "pearson"))
  v <- ct$value
  pearson_rows[[length(pearson_rows) + 1]] <<- data.frame(
    case = case, n = sum(complete.cases(x, y)),
    r = num(unname(v$estimate)), p = num(v$p.value),
    t = num(unname(v$statistic)), df = unname(v$parameter),
    warnings = ct$warnings, x = vec(x), y = vec(y))
}

for (n in c(3, 4, 5, 8, 12, 20, 35, 60, 100, 200)) {
  for (rho in c(0, 0.15, 0.5, -0.8, 0.97)) {
    d <- pair(n, rho)
    add_pearson(sprintf("n%d_rho%g", n, rho), d$x, d$y)
  }
}
# Missing values: pair-wise complete samples only.
for (n in c(10, 30, 80)) {
  d <- pair(n, 0.4)
  d$x[sample(n, n %/% 5)] <- NA
  d$y[sample(n, n %/% 6)] <- NA
  add_pearson(sprintf("na_n%d", n), d$x, d$y)
}
# Extreme p: y = x + small noise, p from about 1e-60 down past 1e-300
# (and to 0, where pt underflows).
for (s in c(0.4, 0.2, 0.1, 0.05, 0.04, 0.035, 0.03, 0.025, 0.02, 0.01)) {
  x <- rnd(rnorm(200))
  y <- rnd(x + s * rnorm(200))
  add_pearson(sprintf("extreme_n200_noise%g", s), x, y)
}
# r = +1 and -1 (exactly, or within rounding of it).
add_pearson("perfect_pos_n3", c(1, 2, 3), c(2, 4, 6))
add_pearson("perfect_neg_n3", c(1, 2, 3), c(3, 2, 1))
add_pearson("perfect_pos_n10", 1:10, 2 * (1:10) + 1)
add_pearson("perfect_neg_n10", 1:10, -(1:10))
x <- rnd(rnorm(25))
add_pearson("perfect_pos_n25_affine", x, rnd(3 * x - 1))
add_pearson("r_zero_exact_n4", c(1, 2, 3, 4), c(1, -1, -1, 1))

pearson <- do.call(rbind, pearson_rows)
write_tsv(pearson, "pearson.tsv")

# ------------------------------------------------------------ Spearman ----
# cor.test(method = "spearman"), default exact = NULL. ?cor.test says:
# without ties and n < 1290, p from the null distribution of
# S = sum (rank x - rank y)^2 (algorithm AS 89: exact for small n,
# Edgeworth series otherwise); with ties (R warns "Cannot compute exact
# p-value with ties") or larger n, the t approximation. R 4.2.2 in fact
# still uses the Edgeworth series at n = 1290 (and the t approximation from
# n = 1291 on): the n = 1290 and 1291 cases below show it.
# 'branch' records which of these applies, as R behaves:
#   exact (no ties, n <= 9), edgeworth (no ties, 10 <= n <= 1290), t.

spearman_rows <- list()
add_spearman <- function(case, x, y) {
  ok <- complete.cases(x, y)
  n <- sum(ok)
  ties <- anyDuplicated(x[ok]) > 0 || anyDuplicated(y[ok]) > 0
  branch <- if (ties || n > 1290) "t" else if (n <= 9) "exact" else "edgeworth"
  ct <- with_warnings(cor.test(x, y, method = "spearman"))
  v <- ct$value
  spearman_rows[[length(spearman_rows) + 1]] <<- data.frame(
    case = case, n = n, ties = ties, branch = branch,
    rho = num(unname(v$estimate)), p = num(v$p.value),
    S = num(unname(v$statistic)), warnings = ct$warnings,
    x = vec(x), y = vec(y))
}

# Candidate permutations of 1:n, to reach every (or a spread of) value(s) of
# S = sum (i - perm_i)^2: random ones (S near its mean), and the identity and
# its reverse disturbed by a few swaps of neighbours (S near 0 and its max).
candidates <- function(n, n_random, n_near) {
  near <- function(base) {
    lapply(seq_len(n_near), function(i) {
      p <- base
      for (k in seq_len(sample(0:min(12, 2 * n), 1))) {
        j <- sample(n - 1, 1)
        p[c(j, j + 1)] <- p[c(j + 1, j)]
      }
      p
    })
  }
  c(lapply(seq_len(n_random), function(i) sample(n)), near(1:n), near(n:1))
}
perms_by_S <- function(n, n_random = 20000, n_near = 3000) {
  cand <- candidates(n, n_random, n_near)
  S <- vapply(cand, function(p) sum((seq_len(n) - p)^2), 0)
  keep <- !duplicated(S)
  cand <- cand[keep][order(S[keep])]
  cand
}

# Exact branch: every attainable S for n = 3..9 (x = 1:n, y a permutation).
for (n in 3:9) {
  ps <- perms_by_S(n)
  for (p in ps) add_spearman(sprintf("exact_n%d_S%d", n, sum((seq_len(n) - p)^2)), seq_len(n), p)
}
# Named cases: n = 4 with rho = 1 (p = 1/12) and |rho| = 1 for n = 4..7,
# on real-valued data too.
for (n in 4:7) {
  x <- rnd(rnorm(n))
  add_spearman(sprintf("rho_plus1_n%d", n), x, rnd(exp(x)))
  add_spearman(sprintf("rho_minus1_n%d", n), x, rnd(-x^3 - x))
}
for (n in 5:9) {
  d <- pair(n, 0.5)
  add_spearman(sprintf("exact_real_n%d", n), d$x, d$y)
}

# Edgeworth branch: all attainable S for n = 10; a spread for larger n.
spread <- function(ps, k) ps[unique(round(seq(1, length(ps), length.out = k)))]
for (n in 10) {
  for (p in perms_by_S(n, 40000, 6000)) {
    add_spearman(sprintf("edge_n%d_S%d", n, sum((seq_len(n) - p)^2)), seq_len(n), p)
  }
}
for (n in c(11, 12, 13, 15, 20, 30, 50, 100, 200)) {
  ps <- perms_by_S(n, 4000, 1500)
  k <- if (n <= 30) 60 else if (n <= 50) 30 else 15
  for (p in spread(ps, k)) {
    add_spearman(sprintf("edge_n%d_S%d", n, sum((seq_len(n) - p)^2)), seq_len(n), p)
  }
}
# n = 16 near rho = 1: k disjoint swaps of neighbours give S = 2k. R's p is
# not monotone here: it falls from S = 0 to S = 10, then is 0 (the series
# goes below 0 and is clipped), though the true p rises with S.
for (k in 0:7) {
  p <- 1:16
  for (j in seq_len(k)) p[c(2 * j - 1, 2 * j)] <- p[c(2 * j, 2 * j - 1)]
  add_spearman(sprintf("edge_n16_S%d", 2 * k), 1:16, p)
}
# Larger n: ranks of correlated normals, a few strengths (integer inputs;
# the normals are not rounded first, so there are no ties).
big_rhos <- list(`500` = c(0.999, 0.3, 0.05, -0.6, -0.99), `1289` = c(0.99, 0.02))
for (n in c(500, 1289)) {
  for (rho in big_rhos[[as.character(n)]]) {
    x <- rnorm(n); y <- rho * x + sqrt(1 - rho^2) * rnorm(n)
    add_spearman(sprintf("edge_n%d_rho%g", n, rho), rank(x), rank(y))
  }
  add_spearman(sprintf("edge_n%d_identity", n), seq_len(n), seq_len(n))
  p <- seq_len(n); p[c(1, 2)] <- p[c(2, 1)]
  add_spearman(sprintf("edge_n%d_one_swap", n), seq_len(n), p)
}
# The boundary: n = 1290 still Edgeworth; no ties but n = 1291, the t
# approximation.
x <- rnorm(1290); y <- 0.1 * x + sqrt(1 - 0.1^2) * rnorm(1290)
add_spearman("edge_n1290_rho0.1", rank(x), rank(y))
x <- rnorm(1291); y <- 0.1 * x + sqrt(1 - 0.1^2) * rnorm(1291)
add_spearman("t_noties_n1291_rho0.1", rank(x), rank(y))
# n = 20 on real-valued data, with and without missing values.
for (rho in c(0.8, 0.3, 0, -0.45)) {
  d <- pair(20, rho)
  add_spearman(sprintf("n20_real_rho%g", rho), d$x, d$y)
  d$x[sample(20, 2)] <- NA
  add_spearman(sprintf("n20_real_na_rho%g", rho), d$x, d$y)
}
# Ties: rho of average ranks, p from the t approximation (R warns).
add_spearman("ties_n4_rho1", c(1, 2, 2, 3), c(1, 2, 2, 3))
add_spearman("ties_n4", c(1, 2, 2, 3), c(1, 2, 3, 4))
add_spearman("ties_n5_x_constant_but_one", c(1, 1, 1, 1, 2), c(1, 2, 3, 4, 5))
for (n in c(6, 9, 10, 20, 20, 50, 300)) {
  d <- pair(n, 0.5)
  add_spearman(sprintf("ties_n%d_rounded", n), round(d$x, 1), round(d$y))
}
d <- pair(40, -0.3)
d$x <- round(d$x, 1); d$y[sample(40, 5)] <- NA
add_spearman("ties_n40_na", d$x, d$y)
# Ties only among pairs dropped for NA: no ties in the complete pairs.
add_spearman("ties_only_in_dropped_pairs", c(1, 2, 3, 4, 5, 6, 6),
             c(2, 1, 4, 3, 6, 5, NA))

spearman <- do.call(rbind, spearman_rows)
write_tsv(spearman, "spearman.tsv")

# -------------------------------------------------- partial correlation ----
# As the design says (and as the ppcor package does): keep the samples
# complete in x, y and every covariate; for Spearman, rank x, y and each
# covariate column first (average ranks); take the residuals of x and of y
# after least squares on intercept + covariates; r = cor(residuals);
# k = rank of the covariate columns beyond the intercept;
# df = n - 2 - k; t = r sqrt(df / (1 - r^2)); p = 2 pt(-|t|, df).
# (ppcor is on CRAN only, so this is written out with lm() and pt().)

partial_cor <- function(x, y, Z, method) {
  ok <- complete.cases(x, y, Z)
  x <- x[ok]; y <- y[ok]; Z <- Z[ok, , drop = FALSE]
  if (method == "spearman") {
    x <- rank(x); y <- rank(y)
    Z <- apply(Z, 2, rank)
    if (is.null(dim(Z))) Z <- matrix(Z, nrow = 1)
  }
  n <- length(x)
  rx <- residuals(lm(x ~ Z))
  ry <- residuals(lm(y ~ Z))
  r <- cor(rx, ry)
  k <- qr(cbind(1, Z))$rank - 1
  df <- n - 2 - k
  if (df < 1) return(list(n = n, k = k, df = df, r = NA, p = NA))
  t <- r * sqrt(df / (1 - r^2))
  list(n = n, k = k, df = df, r = r, p = 2 * pt(-abs(t), df))
}

partial_rows <- list()
add_partial <- function(case, x, y, Z) {
  for (method in c("pearson", "spearman")) {
    res <- partial_cor(x, y, Z, method)
    partial_rows[[length(partial_rows) + 1]] <<- data.frame(
      case = case, method = method, n = res$n, k = res$k, df = res$df,
      r = num(res$r), p = num(res$p), x = vec(x), y = vec(y),
      # covariate columns separated by ";"
      covariates = paste(apply(Z, 2, vec), collapse = ";"))
  }
}

for (n in c(6, 10, 25, 60, 150)) {
  for (k in 1:3) {
    Z <- matrix(rnd(rnorm(n * k)), n, k)
    x <- rnd(Z[, 1] + rnorm(n))
    y <- rnd(0.5 * x - Z[, 1] + rnorm(n))
    add_partial(sprintf("n%d_k%d", n, k), x, y, Z)
  }
}
# Age (integer, with ties), gender dummy (0/1), condition (two dummies).
n <- 40
age <- sample(25:80, n, replace = TRUE)
gender <- rbinom(n, 1, 0.5)
cond <- sample(c("a", "b", "c"), n, replace = TRUE)
Z <- cbind(age, gender, cond == "b", cond == "c") * 1
x <- rnd(0.02 * age + rnorm(n)); y <- rnd(0.3 * x + gender + rnorm(n))
add_partial("n40_age_gender_condition", x, y, Z)
# Missing values in x, y and a covariate: complete samples only.
x[c(3, 9)] <- NA; y[17] <- NA; Z[25, 1] <- NA
add_partial("n40_with_na", x, y, Z)
# Rank-deficient covariates (third column = first + second): k = 2.
n <- 30
Z <- matrix(rnd(rnorm(n * 2)), n, 2); Z <- cbind(Z, Z[, 1] + Z[, 2])
x <- rnd(rnorm(n)); y <- rnd(x + rnorm(n))
add_partial("n30_rank_deficient", x, y, Z)
# Smallest df: n = 4, k = 1 gives df = 1; n = 4, k = 2 gives df = 0 (NA).
add_partial("n4_k1_df1", c(1.5, 2.25, 3.0, 5.5), c(2, 1, 4.5, 3), matrix(c(1, 3, 2, 5), 4, 1))
add_partial("n4_k2_df0", c(1.5, 2.25, 3.0, 5.5), c(2, 1, 4.5, 3), matrix(c(1, 3, 2, 5, 0, 1, 1, 0), 4, 2))

partial <- do.call(rbind, partial_rows)
write_tsv(partial, "partial.tsv")

# ---------------------------------------------------- p.adjust / qvalue ----
# Per vector of p-values (one row per p): Benjamini-Hochberg
# p.adjust(p, "BH"), and qvalue::qvalue(p, lambda = L)$qvalues for a single
# lambda L = 0.5, 0.3, 0.8, and with qvalue's default pi0 estimation
# (lambda = seq(0.05, 0.95, 0.05), pi0.method = "smoother"). NA stays NA and
# does not count. Where qvalue stops with an error, q is NA and
# qvalue_pi0.tsv has the error message.

qsettings <- list(
  lambda0.5 = list(lambda = 0.5),
  lambda0.3 = list(lambda = 0.3),
  lambda0.8 = list(lambda = 0.8),
  default = list()
)

pvecs <- list()
pvecs$uniform_m200 <- rnd_p(runif(200))
pvecs$mixture_m300 <- rnd_p(c(runif(210), rbeta(90, 0.3, 6)))
pvecs$mixture_m200 <- rnd_p(c(runif(120), rbeta(80, 0.2, 10)))
pvecs$strong_m100 <- rnd_p(c(runif(20), 10^-runif(80, 2, 12)))
v <- rnd_p(c(runif(150), rbeta(50, 0.3, 5))); v[sample(200, 17)] <- NA
pvecs$with_na_m200 <- v
pvecs$ties_m150 <- round(c(runif(100), rbeta(50, 0.5, 4)) * 100) / 100
# p exactly at lambda, exactly 0 and 1, all equal
pvecs$at_lambda <- c(0.5, 0.5, 0.3, 0.3, 0.8, 0.8, 0.01, 0.2, 0.9, 1, 0, 0.65)
pvecs$all_equal <- rep(0.04, 10)
pvecs$m1 <- 0.03
pvecs$m2 <- c(0.01, 0.6)
pvecs$m5_na <- c(0.01, NA, 0.5, 0.5, 0.7, 0.2)
pvecs$all_small <- c(0.001, 0.01, 0.02, 0.2, 0.25, 0.4)  # nothing above 0.5
pvecs$pi0_above_one <- c(0.9, 0.95, 0.6, 0.7, 0.99, 0.55, 0.01)

padj_rows <- list()
pi0_rows <- list()
for (name in names(pvecs)) {
  p <- pvecs[[name]]
  row <- data.frame(vector = name, i = seq_along(p), p = vec_each(p),
                    bh = num(p.adjust(p, "BH")))
  for (s in names(qsettings)) {
    args <- c(list(p = p), qsettings[[s]])
    res <- tryCatch(with_warnings(do.call(qvalue, args)),
                    error = function(e) conditionMessage(e))
    if (is.character(res)) {
      q <- rep(NA_real_, length(p)); pi0 <- NA; err <- res; warn <- ""
    } else {
      q <- res$value$qvalues; pi0 <- res$value$pi0; err <- ""; warn <- res$warnings
    }
    row[[paste0("q_", s)]] <- num(q)
    pi0_rows[[length(pi0_rows) + 1]] <- data.frame(
      vector = name, setting = s,
      lambda = if (is.null(qsettings[[s]]$lambda)) "seq(0.05,0.95,0.05)" else
        sprintf("%g", qsettings[[s]]$lambda),
      pi0_method = if (is.null(qsettings[[s]]$lambda)) "smoother" else "single lambda",
      m = sum(!is.na(p)), pi0 = num(pi0),
      error = gsub("[\t\n]", " ", err), warnings = gsub("[\t\n]", " ", warn))
  }
  padj_rows[[length(padj_rows) + 1]] <- row
}
write_tsv(do.call(rbind, padj_rows), "padjust.tsv")
write_tsv(do.call(rbind, pi0_rows), "qvalue_pi0.tsv")

write_tsv(data.frame(
  what = c("R", "qvalue", "RNG"),
  version = c(R.version.string, as.character(packageVersion("qvalue")),
              paste(RNGkind(), collapse = "/"))), "versions.tsv")
