// EnergyNet: the energy E_θ(x) of a 2-D energy-based model p_θ(x) = exp(−E_θ(x)) / Z_θ, an MLP
// 2 → hidden… → 1 with LeakyReLU (core/nn/mlp.h), working in coordinates normalized by the
// problem's box (u = (x − c) ⊘ s, as the neural samplers do) so one learning rate suits every box.
//
// Training step (flowmc.md §3.1, the sign the reference derives — energy DOWN on data, UP on
// negatives; maximum likelihood):
//   g = mean_i ∇_θE_θ(x_i⁺) − mean_i ∇_θE_θ(x_i⁻) + λ·∇_θ mean_i (E_θ(x_i⁺)² + E_θ(x_i⁻)²)
//   θ ← optimizer(θ, g)
// The gradient of the average log-likelihood is −g (without the penalty), so this ascends it.
//
// Exact metrics (every metric pass; the grid of EbmProblem): log Z_θ = LSE_ij(−E_θ(c_ij)) + log
// (cell area), log p_θ(c_ij) = −E_θ(c_ij) − log Z_θ; a point's log density is −E_θ(x) − log Z_θ.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/ebm/problem.h"
#include "core/nn/mlp.h"
#include "core/nn/optim.h"

namespace ss {

class EnergyNet {
 public:
  /// Builds the network of `settings` for `box` and initializes it from `rng`.
  void build(const EbmSettings& settings, const Box& box, Rng& rng);

  /// E_θ at each row of x (N × 2) into energy (resized).
  void energy(const Points& x, Vec& energy);
  /// E_θ and ∇_x E_θ at each row (grad N × 2, resized). One forward and one input VJP.
  void energy_and_grad(const Points& x, Vec& energy, Points& grad);
  /// E_θ at each row of x into energy (resized) in SINGLE precision (weights and activations as
  /// float, result widened to double), parallel with TBB over fixed blocks of kFloatBlock rows with
  /// their own buffers, so the result is the same for any number of threads. About 2× the
  /// throughput of energy() (float GEMM); the energies differ from energy() by ~1e-6 relative
  /// (≈1e-5 nats at |E| ~ 10), far below anything the metrics resolve. Used by the exact metrics
  /// (16,384 grid cells + the test set per pass); the network's own workspace is not touched.
  void energy_float(const Points& x, Vec& energy) const;
  /// One optimizer step from a positive and a negative batch (the formula above). Returns the
  /// "loss" statistic mean E(x⁺) − mean E(x⁻) (the contrastive divergence; negative of the
  /// log-likelihood gradient's scalar), and stores mean energies for statistics().
  double train_step(const Points& positives, const Points& negatives);
  /// Changes the learning rate (live setting; Adam's moments are kept).
  void set_learning_rate(double lr);
  /// Changes λ of the energy penalty (live setting).
  void set_l2(double l2) { l2_ = l2; }
  double learning_rate() const { return learning_rate_; }
  double l2() const { return l2_; }
  /// Tilt (flowMC-EBM, flowmc.md §3.1): with it on, the model energy is
  ///   E_θ(x) = net_θ(u) + ½‖u‖²,   u = (x − c) ⊘ s   (box normalization),
  /// i.e. p_θ ∝ exp(−net_θ(u))·ρ(x) with ρ the density of x when u ~ N(0, I₂) (the flow's base
  /// in data space; its constant −log(2π s_x s_y) is dropped). energy(), energy_and_grad() (∇_x
  /// adds u ⊘ s) and so every metric include it; it has no θ-gradient, so train_step is unchanged
  /// except that the l2 penalty and the loss statistic see the tilted energies. Off by default.
  void set_tilt(bool on);
  bool tilt() const { return tilt_; }

  int parameter_count() const;
  nn::Mlp& mlp() { return mlp_; }
  const nn::Mlp& mlp() const { return mlp_; }
  const Box& box() const { return box_; }
  /// Mean energies of the last train_step's positives and negatives (statistics).
  double energy_data() const { return energy_data_; }
  double energy_negative() const { return energy_negative_; }
  /// Non-empty once a train_step met a non-finite energy or parameter gradient: that step was
  /// skipped (θ unchanged) and the run must stop as diverged with this reason. build() clears it.
  const std::string& failure() const { return failure_; }

 private:
  /// u = (x − c) ⊘ s of rows [src0, src0 + m) of x into rows [row0, row0 + m) of in_ (grown as
  /// needed, keeping its contents).
  void normalize_into(const Points& x, Eigen::Index src0, Eigen::Index m, Eigen::Index row0);
  /// E at the first n rows of in_ (after forward) into energy (tilt added).
  void read_energies(Eigen::Index n, double* energy) const;
  /// Energies of a large set in blocks of kBlockRows rows (bounded workspace).
  void energy_blocked(const Points& x, Vec& energy);

  static constexpr Eigen::Index kBlockRows = 1024;
  static constexpr Eigen::Index kFloatBlock = 512;
  nn::Mlp mlp_;
  bool tilt_ = false;
  Box box_;
  Vec2 center_ = Vec2::Zero(), scale_ = Vec2::Ones();
  bool adam_on_ = true;
  nn::Adam adam_;
  double learning_rate_ = 0.01, l2_ = 0;
  // Buffers, grown to the largest batch seen and then used through row blocks, so a step at a
  // fixed batch allocates nothing.
  nn::RowMatrix in_, grad_out_, grad_in_;
  double energy_data_ = 0, energy_negative_ = 0;
  std::string failure_;
};

/// The exact 2-D metrics of one EBM (issue 15). Names as written to metrics.csv.
struct EbmMetrics {
  double nll_test = 0;       ///< mean over the test set of −log p_θ(x)
  double nll_true = 0;       ///< mean over the test set of −log p_data(x) (NaN without truth)
  double kl_true_model = 0;  ///< Σ_cells p_data log(p_data / p_θ)·area (NaN without truth)
  std::vector<double>
      mode_weight;     ///< EBM mass per region of the truth (`mode_weight_<k>`, 1-based)
  double mode_tv = 0;  ///< ½ Σ_k |mode_weight_k − true mass_k| (NaN without truth)
  double logp_median_sq_error = 0;  ///< median over cells of (log p_θ − log p_data)² (paper Tab. 1)
  /// max_c log p_θ(x_c) − min_c log p_θ(x_c) over the grid's cells (= max − min of E_θ there;
  /// nats, no truth needed): what the blow-up rule bounds (EbmSettings::max_log_density_range).
  /// NaN when an energy is not finite.
  double log_density_range = 0;
  std::vector<double> log_density;  ///< normalized log p_θ on the grid (grid layout), for
                                    ///< density_<label>.csv and the app's heat map
};
/// Computes them for `net` on `problem` (parallel over cells with TBB; deterministic).
EbmMetrics exact_ebm_metrics(EnergyNet& net, const EbmProblem& problem);

/// The same metrics from energies already evaluated: `grid_energy` at the problem's cell centres
/// (grid layout, grid_n² values) and `test_energy` at the rows of problem.test. Unnormalized
/// energies are fine (any additive constant cancels). Used by exact_ebm_metrics and by tests that
/// feed the energies of a known function (e.g. a Gaussian) to check against closed forms.
/// Non-finite energies make every metric NaN (never an exception).
EbmMetrics ebm_metrics_from_energies(const std::vector<double>& grid_energy, const Vec& test_energy,
                                     const EbmProblem& problem);

/// Cell centres of the problem's grid (grid_n² rows, row-major index iy·grid_n + ix).
Points ebm_grid_points(const Box& box, int grid_n);

}  // namespace ss
