// EbmProblem: what every run of an energy-based-model ("ebm" task) scenario shares — the data
// (training and held-out test points), the box the EBM is normalized on, the exact truth when the
// data come from a known target, the EBM settings and the seed that fixes the EBM's
// initialization and the order of the data. Built once per (target, data settings, EBM settings,
// scenario seed) by the session and shared read-only by all runs, so runs of one scenario differ
// only by their negative sampler (issue 15).
//
// Data: `data.samples` exact i.i.d. training points and `data.test_samples` test points drawn from
// the target through its GridReference (GridReference::sample, serially, from
// Rng(derive_seed(seed, kDataStream))); or the rows of a CSV file of `x,y` points (then `box` is
// required, there is no truth, and a deterministic 1-in-5 split gives the test set: row i is a
// test row when i % 5 == 4).
//
// Grid: `grid_n` × `grid_n` cells over `box`, cell centres c_ij, row-major index iy * grid_n + ix
// (the same layout as GridReference). Every exact metric of an EBM is a sum over these cells.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/types.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"

namespace ss {

/// The scenario's "ebm" block: the energy network E_θ and how it is trained. Shared by all runs.
struct EbmSettings {
  /// Hidden widths of E_θ: 2 → hidden… → 1, LeakyReLU(leaky_slope) between layers (Nijkamp's toy
  /// net 2→32→64→64→64→1 by default: 10,593 parameters).
  std::vector<int> hidden = {32, 64, 64, 64};
  double leaky_slope = 0.05;
  std::string optimizer = "adam";  ///< "adam" (β = 0.9, 0.999) or "sgd"
  double learning_rate = 0.01;     ///< γ_EBM, in (0, 1]
  int batch = 64;                  ///< positives (data) and negatives per EBM step, in [1, 4096]
  int persistent = 1024;           ///< persistent chains (chain samplers), in [batch, 65536]
  /// λ of the energy penalty λ·mean(E(x⁺)² + E(x⁻)²) (0: none; flowmc.md §3.3e uses 1e-4).
  double l2 = 0;
  /// The blow-up rule (docs/methods.md, "The energy blows up"): at every metric pass the range
  /// R = max_c log p_θ(x_c) − min_c log p_θ(x_c) over the grid's cell centres (= max − min of E_θ
  /// there, nats) is measured, and a run whose R exceeds this bound, or is not finite, stops as
  /// diverged with R in its reason. Default 16,384 = n² for the n = 128 grid: the range of the
  /// steepest density the grid resolves, a Gaussian bump of one cell's standard deviation per
  /// axis sitting in a corner, ½[(n cells)² + (n cells)²] to the far corner. Legitimate models
  /// stay far below (the 2:1 mixture's truth spans 78 nats on its grid); blown-up ones pass 1e4 and
  /// go on to 1e13. In [1, 1e15].
  double max_log_density_range = 16384;
  bool operator==(const EbmSettings&) const = default;
};

/// The scenario's "data" block.
struct DataSettings {
  int samples = 16384;      ///< training points drawn from the target, in [16, 1'000'000]
  int test_samples = 4096;  ///< held-out points drawn from the target, in [16, 1'000'000]
  std::string csv;          ///< a file of x,y rows instead of the target ("" = use the target)
  std::optional<Box> box;   ///< required with csv: the box the EBM is normalized and drawn on
  bool operator==(const DataSettings&) const = default;
};

struct EbmProblem {
  Points train, test;  ///< N × 2 data (training) and held-out test points
  Box box;             ///< normalization grid box (the target's view box, or data.box)
  int grid_n = 128;    ///< cells per side of the normalization grid
  /// The data distribution's grid reference on (box, grid_n) when the data come from a target
  /// (regions, true masses, exact normalized density); null for CSV data.
  std::shared_ptr<const GridReference> truth;
  /// With truth: normalized true log density log p_data at the cell centres (grid layout), the
  /// region id of each cell (truth->region_grid()), and the true mass of each region.
  std::vector<double> true_log_density;
  std::vector<double> true_region_mass;
  /// With truth: mean over the test set of −log p_data(x) (the `nll_true` line); NaN without.
  double nll_true = 0;
  EbmSettings ebm;
  /// The scenario seed: E_θ's initialization is drawn from Rng(derive_seed(seed, kInitStream)),
  /// the data order from Rng(derive_seed(seed, kOrderStream)) — the same in every run.
  std::uint64_t seed = 0;
  static constexpr std::uint64_t kDataStream = 0xda7a, kInitStream = 0x1417, kOrderStream = 0x0dde;
};

/// Builds the problem. Data from `target` (csv empty) or from the CSV file. Throws
/// std::runtime_error with a message a person can act on for bad data: an unreadable or empty
/// CSV, a row that is not two finite numbers (naming the line), all points identical, points
/// outside the box (saying how many and the first one), a missing or empty box with csv, too few
/// points (< 16 training rows).
std::shared_ptr<const EbmProblem> make_ebm_problem(std::shared_ptr<const Target> target,
                                                   const DataSettings& data, const EbmSettings& ebm,
                                                   std::uint64_t seed, int grid_n = 128);

/// Reads a CSV of points: an optional header line `x,y`, then one `x,y` row per point. Throws
/// std::runtime_error naming the file and line for anything else (see make_ebm_problem).
Points read_points_csv(const std::string& path);

}  // namespace ss
