// Experiment (not in `make test`): our NUTS's per-transition tree depth and acceptance statistic
// on a 2-D Gaussian at a fixed step size and unit metric, written as CSV for
// bench/nuts_vs_stan.R, which runs Stan's NUTS (rstan) on the same model and compares the
// distributions. Usage:
//   nuts_vs_stan {std|corr} STEP_SIZE OUT.csv [chains=2000] [iterations=30] [burn=100]
//                [uturn=stan|merged_only] [seed=1]
// std: N(0, I); corr: N(0, [[1, 0.9], [0.9, 1]]). Chains start at N(0, I) draws and run `burn`
// iterations before `iterations` recorded ones (every chain, every recorded iteration).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <Eigen/LU>

#include "core/samplers/hamiltonian.h"

namespace {

class Gaussian final : public ss::GenericTarget<Gaussian> {
 public:
  explicit Gaussian(double rho) : rho_(rho) {
    ss::Mat2 s;
    s << 1, rho, rho, 1;
    p_ = s.inverse();
  }
  std::string kind() const override { return "gaussian"; }
  std::string display_name() const override { return "Gaussian"; }
  ss::Box view_box() const override { return {-4, 4, -4, 4}; }
  ss::TargetSpec spec() const override { return {}; }
  template <class S>
  S logp(const S& x, const S& y) const {
    return -0.5 * (p_(0, 0) * x * x + 2 * p_(0, 1) * x * y + p_(1, 1) * y * y);
  }

 private:
  double rho_;
  ss::Mat2 p_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s {std|corr} STEP_SIZE OUT.csv [chains] [iterations] [burn] "
                 "[uturn] [seed]\n",
                 argv[0]);
    return 2;
  }
  const std::string which = argv[1];
  const double eps = std::atof(argv[2]);
  const int chains = argc > 4 ? std::atoi(argv[4]) : 2000;
  const int iterations = argc > 5 ? std::atoi(argv[5]) : 30;
  const int burn = argc > 6 ? std::atoi(argv[6]) : 100;
  const bool old_uturn = argc > 7 && std::string(argv[7]) == "merged_only";
  const std::uint64_t seed = argc > 8 ? std::strtoull(argv[8], nullptr, 10) : 1;
  auto target = std::make_shared<Gaussian>(which == "corr" ? 0.9 : 0.0);
  ss::HamiltonianSampler nuts(target, ss::HamiltonianSampler::Variant::nuts);
  nuts.set_params({{"chains", chains},
                   {"adapt", 0},
                   {"metric", 0},
                   {"step_size", eps},
                   {"init", 0},
                   {"init_scale", 1},
                   {"uturn", old_uturn ? 1.0 : 0.0}});
  nuts.reset(seed);
  for (int t = 0; t < burn; ++t) nuts.step();
  std::ofstream out(argv[3]);
  out << "chain,iteration,treedepth,accept_stat,n_leapfrog,divergent\n";
  for (int t = 0; t < iterations; ++t) {
    nuts.step();
    for (int c = 0; c < chains; ++c)
      out << c << ',' << t << ',' << nuts.tree_depths()[c] << ',' << nuts.accept_stats()[c] << ','
          << nuts.leapfrog_counts()[c] << ',' << int(nuts.divergent()[c]) << '\n';
  }
  return out ? 0 : 1;
}
