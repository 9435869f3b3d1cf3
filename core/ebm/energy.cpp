// EnergyNet and the exact EBM metrics (energy.h).
//
// Network: nn::Mlp 2 → hidden… → 1, LeakyReLU(leaky_slope), He-normal weights, zero biases, drawn
// from the init stream. Inputs u = (x − c) ⊘ s (c the box centre, s its half-extent per axis), so
// ∇_x E = (∂net/∂u) ⊘ s (+ u ⊘ s with the tilt).
//
// train_step: positives and negatives go through the network as ONE batch of B⁺ + B⁻ rows, and
// one backward pass with ∂ℓ/∂E_i = 1/B⁺ (positive rows) or −1/B⁻ (negative rows), plus 2λE_i/B±
// for the penalty λ(mean E⁺² + mean E⁻²), gives g of energy.h. A non-finite energy or gradient
// skips the step and sets failure().
//
// Optimizers: Adam (β = 0.9, 0.999, ε = 1e-8, nn::Adam) or plain SGD θ ← θ − γ g.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "core/common/arrays.h"
#include "core/common/grid.h"
#include "core/ebm/energy.h"

namespace ss {

void EnergyNet::build(const EbmSettings& settings, const Box& box, Rng& rng) {
  std::vector<int> widths;
  widths.push_back(2);
  for (int w : settings.hidden) widths.push_back(w);
  widths.push_back(1);
  mlp_ = nn::Mlp(widths, nn::Activation::kLeakyReLU, settings.leaky_slope);
  mlp_.initialize(rng);
  box_ = box;
  center_ = Vec2(0.5 * (box.xmin + box.xmax), 0.5 * (box.ymin + box.ymax));
  scale_ = Vec2(0.5 * box.width(), 0.5 * box.height());
  adam_on_ = settings.optimizer != "sgd";
  learning_rate_ = settings.learning_rate;
  l2_ = settings.l2;
  nn::AdamOptions o;
  o.learning_rate = learning_rate_;
  adam_ = nn::Adam(mlp_.num_parameters(), o);
  energy_data_ = energy_negative_ = 0;
  failure_.clear();
}

void EnergyNet::set_learning_rate(double lr) {
  learning_rate_ = lr;
  adam_.set_learning_rate(lr);
}

void EnergyNet::set_tilt(bool on) {
  tilt_ = on;
}

int EnergyNet::parameter_count() const {
  return static_cast<int>(mlp_.num_parameters());
}

void EnergyNet::normalize_into(const Points& x, Eigen::Index src0, Eigen::Index m,
                               Eigen::Index row0) {
  const Eigen::Index need = row0 + m;
  if (in_.rows() < need) {
    nn::RowMatrix grown(need, 2);
    // (in_ starts 0 × 0: copying it into a 0 × 2 block trips Eigen's size assertion.)
    if (in_.rows() > 0) grown.topRows(in_.rows()) = in_;
    in_.swap(grown);
  }
  const double ix = 1.0 / scale_(0), iy = 1.0 / scale_(1);
  for (Eigen::Index i = 0; i < m; ++i) {
    in_(row0 + i, 0) = (x(src0 + i, 0) - center_(0)) * ix;
    in_(row0 + i, 1) = (x(src0 + i, 1) - center_(1)) * iy;
  }
}

void EnergyNet::read_energies(Eigen::Index n, double* energy) const {
  const auto y = mlp_.output();
  for (Eigen::Index i = 0; i < n; ++i) {
    double e = y(i, 0);
    if (tilt_) e += 0.5 * (in_(i, 0) * in_(i, 0) + in_(i, 1) * in_(i, 1));
    energy[i] = e;
  }
}

void EnergyNet::energy_blocked(const Points& x, Vec& energy) {
  const Eigen::Index n = x.rows();
  if (energy.size() != n) energy.resize(n);
  for (Eigen::Index r0 = 0; r0 < n; r0 += kBlockRows) {
    const Eigen::Index m = std::min(kBlockRows, n - r0);
    normalize_into(x, r0, m, 0);
    mlp_.forward(in_.topRows(m));
    read_energies(m, energy.data() + r0);
  }
}

void EnergyNet::energy(const Points& x, Vec& energy) {
  if (x.rows() > kBlockRows) return energy_blocked(x, energy);
  const Eigen::Index n = x.rows();
  if (energy.size() != n) energy.resize(n);
  normalize_into(x, 0, n, 0);
  mlp_.forward(in_.topRows(n));
  read_energies(n, energy.data());
}

void EnergyNet::energy_and_grad(const Points& x, Vec& energy, Points& grad) {
  const Eigen::Index n = x.rows();
  if (energy.size() != n) energy.resize(n);
  if (grad.rows() != n) grad.resize(n, 2);
  if (grad_out_.rows() < n) grad_out_.setOnes(std::max<Eigen::Index>(n, grad_out_.rows()), 1);
  if (grad_in_.rows() < n) grad_in_.resize(std::max<Eigen::Index>(n, grad_in_.rows()), 2);
  for (Eigen::Index r0 = 0; r0 < n; r0 += kBlockRows) {
    const Eigen::Index m = std::min(kBlockRows, n - r0);
    normalize_into(x, r0, m, 0);
    mlp_.forward(in_.topRows(m));
    read_energies(m, energy.data() + r0);
    grad_out_.topRows(m).setOnes();
    mlp_.input_vjp(grad_out_.topRows(m), grad_in_.topRows(m));
    const double ix = 1.0 / scale_(0), iy = 1.0 / scale_(1);
    for (Eigen::Index i = 0; i < m; ++i) {
      double gx = grad_in_(i, 0), gy = grad_in_(i, 1);
      if (tilt_) gx += in_(i, 0), gy += in_(i, 1);
      grad(r0 + i, 0) = gx * ix;
      grad(r0 + i, 1) = gy * iy;
    }
  }
}

void EnergyNet::energy_float(const Points& x, Vec& energy) const {
  using MatF = Eigen::MatrixXf;
  const Eigen::Index n = x.rows();
  if (energy.size() != n) energy.resize(n);
  const int layers = mlp_.num_layers();
  std::vector<MatF> w(layers);
  std::vector<Eigen::VectorXf> b(layers);
  for (int l = 0; l < layers; ++l) {
    w[l] = mlp_.weight(l).cast<float>();
    b[l] = mlp_.bias(l).cast<float>();
  }
  const float slope = static_cast<float>(mlp_.leaky_slope());
  const double ix = 1.0 / scale_(0), iy = 1.0 / scale_(1);
  const Eigen::Index blocks = (n + kFloatBlock - 1) / kFloatBlock;
  auto body = [&](Eigen::Index blk) {
    const Eigen::Index r0 = blk * kFloatBlock, m = std::min(kFloatBlock, n - r0);
    MatF a(2, m), z;
    Eigen::VectorXd uu(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      const double u0 = (x(r0 + i, 0) - center_(0)) * ix, u1 = (x(r0 + i, 1) - center_(1)) * iy;
      a(0, i) = static_cast<float>(u0);
      a(1, i) = static_cast<float>(u1);
      uu(i) = 0.5 * (u0 * u0 + u1 * u1);
    }
    for (int l = 0; l < layers; ++l) {
      z.noalias() = w[l] * a;
      z.colwise() += b[l];
      if (l + 1 < layers) {
        a = z.cwiseMax(slope * z);  // LeakyReLU for a slope in [0, 1) (build() checks it)
      } else {
        a.swap(z);
      }
    }
    for (Eigen::Index i = 0; i < m; ++i)
      energy(r0 + i) = static_cast<double>(a(0, i)) + (tilt_ ? uu(i) : 0.0);
  };
  if (blocks <= 1) {
    for (Eigen::Index k = 0; k < blocks; ++k) body(k);
  } else {
    tbb::parallel_for(Eigen::Index(0), blocks, body);
  }
}

double EnergyNet::train_step(const Points& positives, const Points& negatives) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Eigen::Index bp = positives.rows(), bn = negatives.rows(), n = bp + bn;
  if (bp == 0 || bn == 0) {
    failure_ = "an EBM step needs at least one positive and one negative";
    return nan;
  }
  normalize_into(positives, 0, bp, 0);
  normalize_into(negatives, 0, bn, bp);
  mlp_.forward(in_.topRows(n));
  if (grad_out_.rows() < n) grad_out_.resize(n, 1);
  double sp = 0, sn = 0;
  const auto y = mlp_.output();
  for (Eigen::Index i = 0; i < n; ++i) {
    double e = y(i, 0);
    if (tilt_) e += 0.5 * (in_(i, 0) * in_(i, 0) + in_(i, 1) * in_(i, 1));
    if (!std::isfinite(e)) {
      failure_ = std::string("EBM energy became non-finite at a ") +
                 (i < bp ? "data point" : "negative sample");
      return nan;
    }
    const bool pos = i < bp;
    const double inv = pos ? 1.0 / double(bp) : 1.0 / double(bn);
    (pos ? sp : sn) += e;
    grad_out_(i, 0) = (pos ? inv : -inv) + 2.0 * l2_ * e * inv;
  }
  mlp_.backward(grad_out_.topRows(n));
  const nn::ParameterSpan span = mlp_.parameter_span();
  const double norm = nn::global_gradient_norm(span);
  if (!std::isfinite(norm)) {
    failure_ = "EBM parameter gradient became non-finite";
    return nan;
  }
  if (adam_on_) {
    adam_.step(span);
  } else {
    span.value_map() -= learning_rate_ * span.gradient_map();
  }
  energy_data_ = sp / double(bp);
  energy_negative_ = sn / double(bn);
  return energy_data_ - energy_negative_;
}

Points ebm_grid_points(const Box& box, int grid_n) {
  return grid_cell_centres(box, grid_n);
}

EbmMetrics ebm_metrics_from_energies(const std::vector<double>& grid_energy, const Vec& test_energy,
                                     const EbmProblem& problem) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t cells = std::size_t(problem.grid_n) * problem.grid_n;
  if (grid_energy.size() != cells)
    throw std::invalid_argument("ebm_metrics_from_energies: grid_energy has " +
                                std::to_string(grid_energy.size()) + " values, expected " +
                                std::to_string(cells));
  EbmMetrics m;
  const bool truth = problem.truth != nullptr && problem.true_log_density.size() == cells;
  const std::size_t regions = truth ? problem.true_region_mass.size() : 0;
  const double area =
      problem.box.width() / problem.grid_n * (problem.box.height() / problem.grid_n);
  // log Z = LSE(−E) + log area, serial with double accumulation (deterministic).
  const bool finite = all_finite(grid_energy) && all_finite(test_energy);
  double top = -std::numeric_limits<double>::infinity();
  for (double e : grid_energy) top = std::max(top, -e);
  if (!finite) {
    m.nll_test = m.kl_true_model = m.mode_tv = m.logp_median_sq_error = m.log_density_range = nan;
    m.nll_true = truth ? problem.nll_true : nan;
    m.mode_weight.assign(regions, nan);
    m.log_density.assign(cells, nan);
    return m;
  }
  double sum = 0, lowest = std::numeric_limits<double>::infinity();
  for (double e : grid_energy) {
    sum += std::exp(-e - top);
    lowest = std::min(lowest, -e);
  }
  m.log_density_range = top - lowest;
  const double log_z = top + std::log(sum) + std::log(area);
  m.log_density.resize(cells);
  for (std::size_t c = 0; c < cells; ++c) m.log_density[c] = -grid_energy[c] - log_z;
  double nll = 0;
  for (Eigen::Index i = 0; i < test_energy.size(); ++i) nll += test_energy(i) + log_z;
  m.nll_test = test_energy.size() > 0 ? nll / double(test_energy.size()) : nan;
  if (!truth) {
    m.nll_true = m.kl_true_model = m.mode_tv = m.logp_median_sq_error = nan;
    return m;
  }
  m.nll_true = problem.nll_true;
  const std::vector<int>& region = problem.truth->region_grid();
  m.mode_weight.assign(regions, 0.0);
  double kl = 0;
  std::vector<double> sq(cells);
  for (std::size_t c = 0; c < cells; ++c) {
    const double lt = problem.true_log_density[c], lm = m.log_density[c];
    const double pt = std::exp(lt);
    if (pt > 0) kl += pt * area * (lt - lm);
    const int k = region[c];
    if (k >= 0 && std::size_t(k) < regions) m.mode_weight[k] += std::exp(lm) * area;
    sq[c] = (lm - lt) * (lm - lt);
  }
  m.kl_true_model = kl;
  double tv = 0;
  for (std::size_t k = 0; k < regions; ++k)
    tv += std::abs(m.mode_weight[k] - problem.true_region_mass[k]);
  m.mode_tv = 0.5 * tv;
  // Median (mean of the two middle values for an even count).
  const std::size_t mid = cells / 2;
  std::nth_element(sq.begin(), sq.begin() + mid, sq.end());
  double med = sq[mid];
  if (cells % 2 == 0) med = 0.5 * (med + *std::max_element(sq.begin(), sq.begin() + mid));
  m.logp_median_sq_error = med;
  return m;
}

// Energies in single precision (energy_float), parallel over blocks of cells; the reductions
// (log-sum-exp, sums, the median) are serial in double, so the result does not depend on threads.
EbmMetrics exact_ebm_metrics(EnergyNet& net, const EbmProblem& problem) {
  const Points grid = ebm_grid_points(problem.box, problem.grid_n);
  Vec grid_energy, test_energy;
  net.energy_float(grid, grid_energy);
  net.energy_float(problem.test, test_energy);
  const std::vector<double> ge(grid_energy.data(), grid_energy.data() + grid_energy.size());
  return ebm_metrics_from_energies(ge, test_energy, problem);
}

}  // namespace ss
