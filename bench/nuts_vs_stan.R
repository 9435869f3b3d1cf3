# Our NUTS against Stan's (rstan, Debian r-cran-rstan) on a standard and a correlated 2-D Gaussian
# at the same fixed step size and a unit metric: are the distributions of tree depth and of the
# acceptance statistic the same within sampling error? Not part of `make test` (it compiles a Stan
# model). Run through bench/nuts_vs_stan.sh, which first writes our draws with bench/nuts_vs_stan.
# Usage: Rscript nuts_vs_stan.R WORK_DIR  (reads WORK_DIR/ours_<case>.csv, writes
#   WORK_DIR/report.md)
#
# Debian's r-cran-bh ships no include/ folder (Boost comes from libboost-dev), but rstan insists on
# system.file("include", package = "BH"); a private library with a copy of BH whose include/ links
# to /usr/include satisfies it without touching the system.
args <- commandArgs(trailingOnly = TRUE)
work <- if (length(args) >= 1) args[1] else "nuts_vs_stan_out"
shim <- file.path(work, "Rlib")
if (!dir.exists(file.path(shim, "BH", "include"))) {
  dir.create(shim, recursive = TRUE, showWarnings = FALSE)
  file.copy(find.package("BH"), shim, recursive = TRUE)
  file.symlink("/usr/include", file.path(shim, "BH", "include"))
}
.libPaths(c(shim, .libPaths()))
suppressMessages(library(rstan))
rstan_options(auto_write = FALSE)

code <- "
data { vector[2] mu; matrix[2, 2] Sigma; }
parameters { vector[2] x; }
model { x ~ multi_normal(mu, Sigma); }
"
model_file <- file.path(work, "gauss2d.rds")
if (file.exists(model_file)) {
  model <- readRDS(model_file)
} else {
  model <- stan_model(model_code = code, model_name = "gauss2d")
  saveRDS(model, model_file)
}

cases <- list(std = list(rho = 0.0, eps = as.numeric(Sys.getenv("EPS_STD", "0.9"))),
              corr = list(rho = 0.9, eps = as.numeric(Sys.getenv("EPS_CORR", "0.3"))))
chains <- as.integer(Sys.getenv("STAN_CHAINS", "8"))
iter <- as.integer(Sys.getenv("STAN_ITER", "5000"))

# Effective sample size of a statistic's per-chain series (rstan's monitor), for the standard error
# of Stan's means (its transitions are autocorrelated within a chain).
ess_of <- function(mat) {
  rstan::ess_bulk(mat)
}

out <- c("| case | ε | sampler | transitions | mean tree depth | depth 1 / 2 / 3 / 4 / ≥5 (%) | mean accept_stat (± 2 SE) | divergent |",
         "|---|---|---|---|---|---|---|---|")
tests <- c()
for (name in names(cases)) {
  cs <- cases[[name]]
  Sigma <- matrix(c(1, cs$rho, cs$rho, 1), 2, 2)
  stan_file <- file.path(work, paste0("stan_", name, ".csv"))
  if (!file.exists(stan_file)) {
    set.seed(1)
    inits <- lapply(seq_len(chains), function(i) list(x = as.vector(t(chol(Sigma)) %*% rnorm(2))))
    fit <- sampling(model, data = list(mu = c(0, 0), Sigma = Sigma), chains = chains,
                    iter = iter + 100, warmup = 100, seed = 20261207, init = inits, refresh = 0,
                    cores = 1, control = list(adapt_engaged = FALSE, stepsize = cs$eps,
                                              metric = "unit_e", max_treedepth = 10))
    sp <- get_sampler_params(fit, inc_warmup = FALSE)
    st <- do.call(rbind, lapply(seq_along(sp), function(k)
      data.frame(chain = k - 1, iteration = seq_len(nrow(sp[[k]])) - 1,
                 treedepth = sp[[k]][, "treedepth__"], accept_stat = sp[[k]][, "accept_stat__"],
                 n_leapfrog = sp[[k]][, "n_leapfrog__"], divergent = sp[[k]][, "divergent__"],
                 stepsize = sp[[k]][, "stepsize__"])))
    write.csv(st, stan_file, row.names = FALSE)
  }
  st <- read.csv(stan_file)
  stan_depth <- st$treedepth
  stan_acc <- st$accept_stat
  stan_div <- sum(st$divergent)
  nch <- length(unique(st$chain))
  stan_acc_mat <- matrix(st$accept_stat, ncol = nch)
  stan_depth_mat <- matrix(st$treedepth, ncol = nch)
  stan_acc_se <- sd(stan_acc) / sqrt(ess_of(stan_acc_mat))
  stan_depth_ess <- ess_of(stan_depth_mat)

  our_file <- file.path(work, paste0("ours_", name, ".csv"))
  if (!file.exists(our_file)) next  # Stan only (its draws are cached for the comparison)
  ours <- read.csv(our_file)
  # Our chains are many and short (2000 × 30): the ESS of their pooled mean is ≈ the number of
  # transitions; use the same estimator on (iterations × chains).
  our_acc_mat <- matrix(ours$accept_stat, ncol = length(unique(ours$chain)), byrow = TRUE)
  our_acc_se <- sd(ours$accept_stat) / sqrt(ess_of(our_acc_mat))
  hist_row <- function(d) {
    b <- c(sum(d == 1), sum(d == 2), sum(d == 3), sum(d == 4), sum(d >= 5)) / length(d) * 100
    paste(sprintf("%.1f", b), collapse = " / ")
  }
  out <- c(out,
           sprintf("| %s | %.2f | Stan %s (rstan) | %d | %.3f | %s | %.4f ± %.4f | %d |", name, cs$eps,
                   as.character(packageVersion("rstan")), length(stan_depth), mean(stan_depth),
                   hist_row(stan_depth), mean(stan_acc), 2 * stan_acc_se, stan_div),
           sprintf("| %s | %.2f | samplescope | %d | %.3f | %s | %.4f ± %.4f | %d |", name, cs$eps,
                   nrow(ours), mean(ours$treedepth), hist_row(ours$treedepth), mean(ours$accept_stat),
                   2 * our_acc_se, sum(ours$divergent)))
  # Tree depth: chi-square test of homogeneity on the depth counts, with Stan's counts deflated by
  # its ESS/N (autocorrelated transitions), depths ≥ 5 pooled.
  lv <- sort(unique(c(pmin(stan_depth, 5), pmin(ours$treedepth, 5))))
  sc <- table(factor(pmin(stan_depth, 5), levels = lv)) * min(1, stan_depth_ess / length(stan_depth))
  oc <- table(factor(pmin(ours$treedepth, 5), levels = lv))
  keep <- (sc + oc) > 0
  chi <- suppressWarnings(chisq.test(rbind(as.numeric(sc[keep]), as.numeric(oc[keep]))))
  z <- (mean(stan_acc) - mean(ours$accept_stat)) / sqrt(stan_acc_se^2 + our_acc_se^2)
  tests <- c(tests, sprintf("- %s: tree depth χ² = %.2f (df %d), p = %.3f; acceptance statistic difference z = %.2f",
                            name, chi$statistic, chi$parameter, chi$p.value, z))
}
report <- c(out, "", tests)
writeLines(report, file.path(work, "report.md"))
cat(report, sep = "\n")
