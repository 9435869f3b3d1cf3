// ULA / MALA negatives (langevin_negatives.h).
#include "core/ebm/langevin_negatives.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/common/arrays.h"

namespace ss {

const char* const kUlaEbmAbout =
    "ULA-EBM: the energy-based model is trained with negatives from persistent unadjusted "
    "Langevin chains (Nijkamp et al. 2020; the baseline of Grenioux et al. 2023). Each iteration "
    "picks a batch of chains at random, moves them a few Langevin steps x <- x + eta*grad log "
    "p(x) + sqrt(2*eta)*noise on the current EBM (reflected at the box's edges: the model is the "
    "EBM on the box) and uses them as negatives. Cheap, but chains rarely cross between modes, so "
    "the EBM's relative mode weights drift.";
const char* const kMalaEbmAbout =
    "MALA-EBM: as ULA-EBM with a Metropolis correction on every Langevin step, so each chain "
    "leaves the current EBM on the box exactly invariant (a proposal outside the box is rejected). "
    "The correction removes the step-size bias, not the slow mixing between modes: the relative "
    "mode weights drift the same way.";

namespace {

/// Reflects v into [lo, hi] across the violated end, once; a step that overshoots the far end too
/// (|step| > box extent) is then clamped to it (header).
inline double reflect_into(double v, double lo, double hi) {
  if (v < lo)
    v = 2 * lo - v;
  else if (v > hi)
    v = 2 * hi - v;
  return std::clamp(v, lo, hi);
}

ParamTable make_table() {
  ParamTable t;
  t.push_back({"steps", 10, 1, 10000, "Langevin steps per draw (per EBM iteration)", true});
  ParamDef eta{"step_size", 0.01, 1e-6, 10,
               "eta: x <- x + eta*grad log p + sqrt(2*eta)*noise (the paper's 2:1 setting: 0.01)"};
  eta.log_scale = true;
  t.push_back(eta);
  ParamDef init{"init", 0, 0, 1,
                "persistent: chains carried across iterations; noise: short-run chains from "
                "uniform noise in the box at every draw"};
  init.choices = {"persistent", "noise"};
  t.push_back(init);
  return t;
}

}  // namespace

const ParamTable& LangevinNegatives::ula_table() {
  static const ParamTable t = make_table();
  return t;
}

const ParamTable& LangevinNegatives::mala_table() {
  static const ParamTable t = make_table();
  return t;
}

void LangevinNegatives::reset(const EbmProblem& problem, const ParamValues& params,
                              std::uint64_t seed) {
  params_ = params;
  box_ = problem.box;
  rng_.seed(seed);
  const int m = problem.ebm.persistent;
  chains_.resize(m, 2);
  for (int i = 0; i < m; ++i) {
    chains_(i, 0) = rng_.uniform(box_.xmin, box_.xmax);
    chains_(i, 1) = rng_.uniform(box_.ymin, box_.ymax);
  }
  indices_.resize(m);
  std::iota(indices_.begin(), indices_.end(), 0);
  batch_.x.resize(0, 2);
  accept_ = 1;
  failure_.clear();
}

void LangevinNegatives::set_problem(const EbmProblem& problem) {
  box_ = problem.box;
  const Eigen::Index m = chains_.rows(), p = problem.ebm.persistent;
  Points next(p, 2);
  const Eigen::Index kept = std::min(m, p);
  next.topRows(kept) = chains_.topRows(kept);
  for (Eigen::Index i = 0; i < kept; ++i) {
    next(i, 0) = std::clamp(next(i, 0), box_.xmin, box_.xmax);
    next(i, 1) = std::clamp(next(i, 1), box_.ymin, box_.ymax);
  }
  for (Eigen::Index i = kept; i < p; ++i) {
    next(i, 0) = rng_.uniform(box_.xmin, box_.xmax);
    next(i, 1) = rng_.uniform(box_.ymin, box_.ymax);
  }
  chains_.swap(next);
  if (p != m) {  // same size: the chain-index order goes on as if nothing happened
    indices_.resize(p);
    std::iota(indices_.begin(), indices_.end(), 0);
  }
}

void LangevinNegatives::draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) {
  const bool noise = params_.at("init") >= 0.5;
  const int steps = static_cast<int>(params_.at("steps"));
  const double eta = params_.at("step_size");
  const double sd = std::sqrt(2 * eta);
  const int m = static_cast<int>(chains_.rows());
  batch = std::max(1, noise ? batch : std::min(batch, m));
  Points& x = batch_.x;
  if (x.rows() != batch) {
    x.resize(batch, 2);
    noise_.resize(batch, 2);
  }
  if (noise) {
    for (int i = 0; i < batch; ++i) {
      x(i, 0) = rng_.uniform(box_.xmin, box_.xmax);
      x(i, 1) = rng_.uniform(box_.ymin, box_.ymax);
    }
  } else {
    // Partial Fisher–Yates: indices_[0, batch) become a uniform random subset.
    for (int i = 0; i < batch; ++i) {
      const int j = i + static_cast<int>(rng_.index(std::uint64_t(m - i)));
      std::swap(indices_[i], indices_[j]);
      x.row(i) = chains_.row(indices_[i]);
    }
  }
  if (variant_ == Variant::ula) {
    for (int s = 0; s < steps; ++s) {
      check_interrupt(interrupt_);
      ebm.evaluate(x, nullptr, &batch_.grad, counters);
      rng_.fill_normal(noise_);
      x += eta * batch_.grad + sd * noise_;
      for (int i = 0; i < batch; ++i) {
        x(i, 0) = reflect_into(x(i, 0), box_.xmin, box_.xmax);
        x(i, 1) = reflect_into(x(i, 1), box_.ymin, box_.ymax);
      }
    }
  } else {
    // MALA on the EBM restricted to B: mala_step in η's convention, proposals outside B rejected.
    ebm.evaluate(x, &batch_.logp, &batch_.grad, counters);
    const LogDensityAndScore eval = [&ebm, &counters](const Points& y, Vec& logp, Points& score) {
      ebm.evaluate(y, &logp, &score, counters);
    };
    const LangevinStep step = LangevinStep::from_eta(eta);
    std::int64_t accepted = 0;
    for (int s = 0; s < steps; ++s) {
      check_interrupt(interrupt_);
      accepted += mala_step(eval, batch_, step, rng_, mala_ws_, &box_);
    }
    accept_ = steps > 0 ? double(accepted) / (double(steps) * batch) : 1.0;
  }
  if (!x.allFinite()) {
    failure_ = "negative chains became non-finite";
  }
  if (!noise)
    for (int i = 0; i < batch; ++i) chains_.row(indices_[i]) = x.row(i);
  out = x;
}

const Points& LangevinNegatives::display_samples() const {
  const bool noise = params_.count("init") && params_.at("init") >= 0.5;
  return noise ? batch_.x : chains_;
}

void LangevinNegatives::evaluation_samples(int n, Points& out) {
  strided_rows(display_samples(), n, out);
}

std::vector<std::pair<std::string, double>> LangevinNegatives::statistics() const {
  if (variant_ == Variant::mala) return {{"accept_local", accept_}};
  return {};
}

}  // namespace ss
