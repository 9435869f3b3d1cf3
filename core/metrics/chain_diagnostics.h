// Chain diagnostics for the MCMC samplers (ULA, MALA, flowMC): rank-normalized split R-hat,
// bulk/tail effective sample size (ESS) exactly as defined by Vehtari, Gelman, Simpson, Carpenter
// & Bürkner (2021), "Rank-normalization, folding, and localization: an improved R-hat", and as
// computed by the posterior R package (rhat(), ess_bulk(), ess_tail()), plus acceptance counters.
//
// Input layout: the draws of ONE scalar quantity as an n×m matrix, rows = iterations, columns =
// chains (posterior's "iterations × chains"). For 2-D samplers use the overloads taking the chain
// states per iteration (std::vector<Points>, one m×2 block per iteration) and read the worst
// coordinate. Definitions (S = total number of draws, after splitting):
//   split chains  each chain's first ⌊n/2⌋ and last ⌊n/2⌋ draws become two chains (odd n: the
//   middle
//                 draw is dropped).
//   z-scale       z = Φ⁻¹((r − 3/8)/(S + 1/4)), r = rank among all draws, ties get average ranks.
//   fold          |x − median(x)| (median over all draws).
//   R̂ basic       sqrt( ((n−1)/n · W + B/n) / W ), W = mean of chain variances (n−1 denominator),
//                 B/n = variance of the chain means (m−1 denominator).
//   R̂ (rhat)      max( R̂ basic(z(split x)), R̂ basic(z(split fold x)) ).
//   ESS basic     m·n / τ̂ with Geyer's initial positive and initial monotone sequences on the
//                 autocorrelations ρ̂_t = 1 − (W − mean_chains acov_t)/var⁺ (acov with 1/n, the
//                 "biased" estimate), τ̂ = −1 + 2 Σ_{t<T} ρ̂_t + ρ̂_T (posterior's improved
//                 truncation), and τ̂ ≥ 1/log10(m·n) (so ESS ≤ m·n·log10(m·n)).
//   ESS bulk      ESS basic of z(split x).
//   ESS tail      min over p ∈ {0.05, 0.95} of ESS basic of split(I[x ≤ q_p]), q_p = R's type-7
//                 quantile over all draws.
// Returns NaN where posterior returns NA: any non-finite draw, all draws equal (|max − min| < ε),
// fewer than 3 iterations per (split) chain for ESS. R-hat needs ≥ 2 draws per chain.
// Autocovariances are direct sums computed lag by lag only as far as Geyer's sequence needs them
// (O(n·T) per chain), so they equal posterior's FFT values up to rounding.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "core/common/types.h"

namespace ss {

/// Rank-normalized split R-hat of one scalar (n iterations × m chains); ≈ 1 when chains agree.
double rhat(const Eigen::MatrixXd& draws);
/// Classic (split by default) R-hat on the raw values, no rank normalization.
double rhat_basic(const Eigen::MatrixXd& draws, bool split = true);
/// Bulk ESS: ESS of the rank-normalized split chains.
double ess_bulk(const Eigen::MatrixXd& draws);
/// Tail ESS: min of the ESS of the 5 % and 95 % quantile indicators.
double ess_tail(const Eigen::MatrixXd& draws);
/// ESS of the indicator I[x ≤ q_prob] on split chains (prob in [0, 1], else invalid_argument).
double ess_quantile(const Eigen::MatrixXd& draws, double prob);
/// ESS of the raw values (split by default): the ESS for estimating the mean.
double ess_basic(const Eigen::MatrixXd& draws, bool split = true);

/// The three numbers the UI shows for one scalar.
struct ChainDiagnostics {
  double rhat = 0, ess_bulk = 0, ess_tail = 0;
};
/// R-hat, bulk ESS and tail ESS of one scalar.
ChainDiagnostics chain_diagnostics(const Eigen::MatrixXd& draws);

/// Diagnostics of 2-D chains per coordinate and the worst of the two.
struct ChainDiagnostics2D {
  ChainDiagnostics x, y;
  double max_rhat = 0, min_ess_bulk = 0, min_ess_tail = 0;
};
/// states[t] holds the m chains' positions (m×2) at iteration t; all blocks must have the same
/// number of rows (std::invalid_argument naming "states" otherwise).
ChainDiagnostics2D chain_diagnostics(const std::vector<Points>& states);
/// The n×m draws matrix of one coordinate (0 = x, 1 = y) from per-iteration chain states.
Eigen::MatrixXd coordinate_draws(const std::vector<Points>& states, int coordinate);

/// Inverse of the standard normal CDF, Φ⁻¹(p) for p in (0, 1) (±inf at 0 and 1, NaN outside);
/// accurate to a few ulp (rational start refined by Halley steps on erfc).
double normal_quantile(double p);

/// Counts accepted/proposed moves (MALA, flowMC's local and global blocks). Not thread-safe: the
/// sampler that owns it records from its own step().
class AcceptanceCounter {
 public:
  /// Records `accepted` acceptances out of `proposed` proposals (accepted ≤ proposed).
  void record(std::uint64_t accepted, std::uint64_t proposed);
  /// Records one proposal.
  void record(bool accepted) { record(accepted ? 1u : 0u, 1u); }
  /// Acceptance rate since construction/reset(); NaN before any proposal.
  double rate() const;
  /// Acceptance rate since the last start_window() (or reset()); NaN if none in the window.
  double window_rate() const;
  /// Starts a new window for window_rate() (e.g. at each metric evaluation).
  void start_window() { window_accepted_ = window_proposed_ = 0; }
  /// Forgets everything.
  void reset() { accepted_ = proposed_ = window_accepted_ = window_proposed_ = 0; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t proposed() const { return proposed_; }

 private:
  std::uint64_t accepted_ = 0, proposed_ = 0, window_accepted_ = 0, window_proposed_ = 0;
};

}  // namespace ss
