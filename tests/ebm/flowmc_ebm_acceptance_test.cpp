// The acceptance test of issue 15: under its defaults (and the paper's EBM settings, our
// EbmSettings defaults: Nijkamp's toy net, Adam lr 0.01, batch 64, persistent 1024; 16384 training
// points), flowmc_ebm on gmm_2to1 data ends with the EBM's heavy-mode weight within 0.05 of 2/3.
//
// Budget (docs/methods.md, docs/results.md): 1000 EBM iterations (≈ 4 epochs of the 16384 points).
// "Ends with" is read as the mean of the exact heavy-mode weight over the last 5 metric passes,
// iterations 920, 940, …, 1000: the EBM's own weight moves by ±0.037 (one standard deviation,
// measured every 100 iterations over iterations 600–3000 of seeds 1–3, mean 0.666,
// docs/results.md) from one pass to the next, because Adam at lr 0.01 takes steps of a fixed size
// on a batch of 64 whatever the size of the mode-weight signal; 19 % of single passes fall outside
// the 0.05 band. The mean of 5 passes 20 iterations apart shrinks that spread. Measured: seed 1
// mean 0.685, seed 2 mean 0.704 (passes 0.63–0.76) — seed 2 is 0.013 inside the band. Each seed
// takes 8–9 s of CPU (30–45 s wall on the loaded shared 2-core machine). The weight is the model's
// exact mass in the truth's region of the heavy mode (grid-normalized, core/ebm/energy.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "core/ebm/problem.h"
#include "core/ebm/trainer.h"

namespace ss {
namespace {

double heavy_weight_at_the_end(std::uint64_t seed) {
  TargetSpec spec;
  spec.kind = "gmm_2to1";
  auto problem = make_ebm_problem(make_target(spec), DataSettings{}, EbmSettings{}, seed);
  int heavy = 0;
  for (size_t k = 1; k < problem->true_region_mass.size(); ++k)
    if (problem->true_region_mass[k] > problem->true_region_mass[heavy]) heavy = int(k);
  EXPECT_NEAR(problem->true_region_mass[heavy], 2.0 / 3.0, 0.01);
  const std::string name = "mode_weight_" + std::to_string(heavy + 1);
  auto trainer = make_ebm_trainer("flowmc_ebm", problem, {}, seed);
  double sum = 0, max_range = 0;
  int passes = 0;
  std::vector<std::pair<std::string, double>> m;
  for (int it = 1; it <= 1000; ++it) {
    trainer->step();
    EXPECT_FALSE(trainer->status().diverged) << trainer->status().reason;
    if (trainer->status().diverged) return -1;
    // A metric pass every 50 iterations as in docs/results.md (the blow-up rule runs at each: a
    // healthy run must never be stopped by it), and the acceptance passes at 920…1000.
    const bool last = it > 900 && it % 20 == 0;
    if (it % 50 == 0 || last) {
      m.clear();
      trainer->custom_metrics(m);
      EXPECT_FALSE(trainer->status().diverged) << trainer->status().reason;
      if (trainer->status().diverged) return -1;
      for (const auto& [k, v] : m) {
        if (k == "log_density_range") max_range = std::max(max_range, v);
        if (k == name && last) {
          sum += v;
          ++passes;
          std::printf("seed %d iteration %d: heavy-mode weight %.3f\n", int(seed), it, v);
        }
      }
    }
  }
  std::printf("seed %d: largest log_density_range %.1f nats (bound %.0f)\n", int(seed), max_range,
              problem->ebm.max_log_density_range);
  EXPECT_EQ(passes, 5);
  return sum / passes;
}

TEST(FlowMcEbmSlow, HeavyModeWeightOfTheTwoToOneMixtureSeed1) {
  EXPECT_NEAR(heavy_weight_at_the_end(1), 2.0 / 3.0, 0.05);
}

TEST(FlowMcEbmSlow, HeavyModeWeightOfTheTwoToOneMixtureSeed2) {
  EXPECT_NEAR(heavy_weight_at_the_end(2), 2.0 / 3.0, 0.05);
}

}  // namespace
}  // namespace ss
