// Energy distance between a sampler's points and exact reference samples of the target: a
// two-sample distance that sees where the mass is (including mixture weights), unlike the
// score-based KSD. No kernel and no bandwidth to choose.
//
// For samples x_1..x_n ~ P and y_1..y_m ~ Q (Székely & Rizzo), with Euclidean distances:
//   D²(P, Q) = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖   (≥ 0, = 0 iff P = Q)
//   V-statistic  E_V = 2/(nm) Σ_ij ‖x_i − y_j‖ − 1/n² Σ_ij ‖x_i − x_j‖ − 1/m² Σ_ij ‖y_i − y_j‖
//   U-statistic  E_U = same with 1/(n(n−1)) and 1/(m(m−1)) for the within-sample sums (i ≠ j)
// The reported metric `energy_distance` is the V-statistic E_V: always ≥ 0, and for two exact
// samples E[E_V] = E‖X − X'‖ (1/n + 1/m), so compare values at equal n and m only (the i.i.d.
// baseline in iid_baseline.h gives that floor). E_U is unbiased for D² and can be negative.
// The value has units of distance (it is not squared again).
//
// Cost: O((n + m)²) distances, O(n + m) memory; TBB-parallel over a fixed tile partition with
// per-tile partial sums added in a fixed order, so the result does not depend on the number of
// threads. Errors: an empty x or y throws std::invalid_argument naming "samples" or "reference";
// non-finite coordinates give NaN statistics.
#pragma once

#include "core/common/types.h"

namespace ss {

/// Energy-distance statistics and the three mean distances they are made of.
struct EnergyStatistics {
  double v = 0;              ///< V-statistic (the reported `energy_distance`)
  double u = 0;              ///< U-statistic (NaN if n < 2 or m < 2)
  double mean_cross = 0;     ///< (1/(nm)) Σ_ij ‖x_i − y_j‖
  double mean_within_x = 0;  ///< (1/(n(n−1))) Σ_{i≠j} ‖x_i − x_j‖ (0 if n < 2)
  double mean_within_y = 0;  ///< (1/(m(m−1))) Σ_{i≠j} ‖y_i − y_j‖ (0 if m < 2)
  int n = 0, m = 0;
};

/// V-statistic energy distance between samples x (N×2) and reference samples y (M×2).
double energy_distance(const Points& x, const Points& reference);

/// All energy-distance statistics between x and reference.
EnergyStatistics energy_statistics(const Points& x, const Points& reference);

}  // namespace ss
