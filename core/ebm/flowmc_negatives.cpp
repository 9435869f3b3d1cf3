#include "core/ebm/flowmc_negatives.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/arrays.h"
#include "core/samplers/flowmc.h"

namespace ss {

const char* const kFlowMcEbmAbout =
    "flowMC-EBM (Grenioux, Moulines and Gabrie 2023) trains the energy model with negatives from "
    "persistent chains that mix local MALA steps with global moves proposed by a small normalizing "
    "flow. The flow is trained on the negatives themselves, so it follows the model; each global "
    "step (i-SIR: the chain's state competes with 32 flow draws, weighted by model over flow "
    "density) can move a chain straight into another mode. That is what plain Langevin chains "
    "cannot do: they stay in the basin they started in, so the negatives carry the wrong relative "
    "weights of separated modes and the model's mode weights swing during training. Here the "
    "chains cross between modes, the negatives have the right proportions, and the model learns "
    "the right weights. The model is tilted by the flow's Gaussian base (a wide Gaussian over the "
    "box), which makes an untrained flow an exact sampler of an untrained model. It fails when "
    "the flow cannot keep up with the model (flow learning rate too low, a mode the flow never "
    "saw), and then behaves like the MALA chains alone.";

int isir_choose(const double* log_w, int n, double u) {
  double hi = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < n; ++j)
    if (std::isfinite(log_w[j])) hi = std::max(hi, log_w[j]);
  if (!std::isfinite(hi)) return 0;
  double total = 0;
  for (int j = 0; j < n; ++j)
    if (std::isfinite(log_w[j])) total += std::exp(log_w[j] - hi);
  const double target = u * total;
  double acc = 0;
  int last = 0;
  for (int j = 0; j < n; ++j) {
    if (!std::isfinite(log_w[j])) continue;
    acc += std::exp(log_w[j] - hi);
    last = j;
    if (target < acc) return j;
  }
  return last;  // u·total at the rounding edge
}

const ParamTable& FlowMcNegatives::table() {
  static const ParamTable t = [] {
    ParamTable t;
    t.push_back(
        param_def("step_size", 0.01, 1e-6, 10,
                  "MALA Langevin step h in data units: x' = x + h∇log p + √(2h)·N(0, I) (the "
                  "paper's 0.01)",
                  false, false, true));
    t.push_back(param_def("local_before", 4, 0, 1000, "MALA steps before the global steps", true));
    t.push_back(param_def("global_steps", 2, 0, 1000, "global (flow) steps per draw", true));
    t.push_back(param_def("local_after", 4, 0, 1000, "MALA steps after the global steps", true));
    ParamDef global{"global", 0, 0, 1,
                    "global move: i-SIR among isir_particles (the paper's) or independence "
                    "Metropolis-Hastings with one flow proposal"};
    global.choices = {"isir", "imh"};
    t.push_back(global);
    t.push_back(param_def("isir_particles", 32, 2, 4096,
                          "i-SIR particles N: the chain's state and N − 1 flow draws", true));
    t.push_back(
        param_def("flow_learning_rate", 0.01, 1e-6, 1,
                  "Adam learning rate of the flow's maximum-likelihood step on the negatives",
                  false, false, true));
    t.push_back(param_def("max_grad_norm", 1.0, 1e-6, 1e6, "gradient-norm clip of the flow step",
                          false, true, true));
    t.push_back(param_def("couplings", 4, 1, 32, "RealNVP coupling layers", true, true));
    t.push_back(param_def("hidden_width", 16, 1, 512, "units per hidden layer of each coupling net",
                          true, true));
    t.push_back(
        param_def("hidden_layers", 2, 0, 6, "hidden layers of each coupling net", true, true));
    return t;
  }();
  return t;
}

void FlowMcNegatives::reset(const EbmProblem& problem, const ParamValues& params,
                            std::uint64_t seed) {
  params_ = resolve_params(table(), params);
  box_ = field_box_ = problem.box;
  rng_.seed(derive_seed(seed, 0xEF10));
  train_rng_.seed(derive_seed(seed, 0xEF11));
  Rng init_rng(derive_seed(seed, 0xEF12));
  flows::RealNvpOptions fo;
  fo.num_couplings = int(param("couplings"));
  fo.hidden.assign(int(param("hidden_layers")), int(param("hidden_width")));
  flow_ = flows::RealNvp(fo, init_rng);
  // The flow's whitening IS the box normalization of the energy network, so its base N(0, I) in
  // whitened coordinates is the tilt ρ (file header).
  const Vec2 centre(0.5 * (box_.xmin + box_.xmax), 0.5 * (box_.ymin + box_.ymax));
  const Vec2 half(0.5 * box_.width(), 0.5 * box_.height());
  flow_.set_whitening(centre, half);
  flows::FlowTrainOptions to;
  to.epochs = 1;
  to.batch_size = 1 << 30;  // one full-batch step on the negatives
  to.max_grad_norm = param("max_grad_norm");
  to.adam = nn::AdamOptions{param("flow_learning_rate"), 0.9, 0.999, 1e-8, 0.0};
  to.keep_best = false;
  to.fit_whitening = false;
  trainer_ = std::make_unique<flows::RealNvpTrainer>(flow_, to);
  trainer_->set_interrupt(interrupt_);

  // Persistent chains start from the initial flow (= ρ, the initial tilted model's law when the
  // energy network starts flat).
  const Eigen::Index P = problem.ebm.persistent;
  safe_resize(pool_, P, 2);
  Vec lq(P);
  flow_.sample(P, rng_, pool_, lq);
  cursor_ = 0;
  local_acc_ = local_prop_ = global_acc_ = global_prop_ = 0;
  flow_nll_ = std::numeric_limits<double>::quiet_NaN();
  failure_.clear();
  field_stale_ = true;
}

void FlowMcNegatives::set_params(const ParamValues& params) {
  const ParamValues next = resolve_params(table(), params);
  for (const auto& d : table())
    if (!d.needs_reset) params_[d.name] = next.at(d.name);
  if (trainer_) trainer_->optimizer().set_learning_rate(param("flow_learning_rate"));
}

void FlowMcNegatives::set_problem(const EbmProblem& problem) {
  field_box_ = problem.box;
  field_stale_ = true;
  const Eigen::Index m = pool_.rows(), p = problem.ebm.persistent;
  if (p == m) return;
  Points next(p, 2);
  const Eigen::Index kept = std::min(m, p);
  next.topRows(kept) = pool_.topRows(kept);
  if (p > kept) {
    Points fresh(p - kept, 2);
    Vec lq(p - kept);
    flow_.sample(p - kept, rng_, fresh, lq);
    next.bottomRows(p - kept) = fresh;
  }
  pool_.swap(next);
  cursor_ %= p;
}

void FlowMcNegatives::evaluate(EnergyView& ebm, const Points& x, Vec& logp, Points& score,
                               EvalCounters& counters) {
  ebm.evaluate(x, &logp, &score, counters);
}

void FlowMcNegatives::draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) {
  const Eigen::Index P = pool_.rows(), B = std::min<Eigen::Index>(batch, P);
  if (B < 1) throw std::invalid_argument("flowmc_ebm: batch must be >= 1");
  // The next B chains of the pool, cyclically.
  std::vector<Eigen::Index> rows(B);
  for (Eigen::Index i = 0; i < B; ++i) rows[i] = (cursor_ + i) % P;
  cursor_ = (cursor_ + B) % P;
  safe_resize(states_.x, B, 2);
  for (Eigen::Index i = 0; i < B; ++i) states_.x.row(i) = pool_.row(rows[i]);
  evaluate(ebm, states_.x, states_.logp, states_.grad, counters);
  if (!states_.logp.allFinite() || !states_.grad.allFinite()) {
    failure_ = "flowMC-EBM: the model's log density or score is non-finite at the chains";
    out = states_.x;
    return;
  }

  const double h = param("step_size");
  const double eps = std::sqrt(2 * h);
  const auto eval = [&](const Points& x, Vec& logp, Points& score) {
    ebm.evaluate(x, &logp, &score, counters);
  };
  local_acc_ = local_prop_ = global_acc_ = global_prop_ = 0;
  for (int k = 0; k < int(param("local_before")); ++k) {
    check_interrupt(interrupt_);
    local_acc_ += mala_step(eval, states_, eps, rng_, lws_);
    local_prop_ += B;
  }
  const int global_steps = int(param("global_steps"));
  if (global_steps > 0) {
    safe_resize(log_q_, B);
    flow_.log_prob(states_.x, log_q_);
    for (int k = 0; k < global_steps; ++k) {
      check_interrupt(interrupt_);
      if (int(param("global")) == 0)
        global_isir(ebm, counters);
      else
        global_imh(ebm, counters);
    }
    evaluate(ebm, states_.x, states_.logp, states_.grad, counters);
  }
  for (int k = 0; k < int(param("local_after")); ++k) {
    check_interrupt(interrupt_);
    local_acc_ += mala_step(eval, states_, eps, rng_, lws_);
    local_prop_ += B;
  }
  for (Eigen::Index i = 0; i < B; ++i) pool_.row(rows[i]) = states_.x.row(i);
  out = states_.x;
  if (!states_.x.allFinite()) {
    failure_ = "flowMC-EBM chain positions became non-finite";
    return;
  }

  // One maximum-likelihood step of the flow on the negatives.
  const flows::FlowTrainReport report = trainer_->train(states_.x, train_rng_);
  flow_nll_ = report.epoch_loss.empty() ? std::numeric_limits<double>::quiet_NaN()
                                        : report.epoch_loss.back();
  field_stale_ = true;
  if (!std::isfinite(flow_nll_)) {
    failure_ = "flowMC-EBM flow loss (negative log-likelihood of the negatives) became non-finite";
    return;
  }
  for (const auto& span : flow_.parameters())
    if (!span.value_map().allFinite()) {
      failure_ = "flowMC-EBM flow parameters became non-finite";
      return;
    }
}

void FlowMcNegatives::set_interrupt(const Interrupt* interrupt) {
  NegativeSampler::set_interrupt(interrupt);
  if (trainer_) trainer_->set_interrupt(interrupt);
}

void FlowMcNegatives::global_isir(EnergyView& ebm, EvalCounters& counters) {
  const Eigen::Index B = states_.x.rows();
  const int N = int(param("isir_particles"));
  const Eigen::Index M = B * (N - 1);
  safe_resize(proposals_, M, 2);
  safe_resize(proposal_log_q_, M);
  flow_.sample(M, rng_, proposals_, proposal_log_q_);
  ebm.evaluate(proposals_, &proposal_logp_, nullptr, counters);
  safe_resize(log_w_, N);
  for (Eigen::Index i = 0; i < B; ++i) {
    // Particle 0 is the chain's state; particles 1..N−1 are rows i·(N−1) … of the proposals.
    log_w_[0] = states_.logp[i] - log_q_[i];
    for (int j = 1; j < N; ++j) {
      const Eigen::Index r = i * (N - 1) + (j - 1);
      log_w_[j] = proposal_logp_[r] - proposal_log_q_[r];
    }
    const int J = isir_choose(log_w_.data(), N, rng_.uniform());
    if (J != 0) {
      const Eigen::Index r = i * (N - 1) + (J - 1);
      states_.x.row(i) = proposals_.row(r);
      states_.logp[i] = proposal_logp_[r];
      log_q_[i] = proposal_log_q_[r];
      ++global_acc_;
    }
  }
  global_prop_ += B;
}

void FlowMcNegatives::global_imh(EnergyView& ebm, EvalCounters& counters) {
  const Eigen::Index B = states_.x.rows();
  safe_resize(proposals_, B, 2);
  safe_resize(proposal_log_q_, B);
  flow_.sample(B, rng_, proposals_, proposal_log_q_);
  ebm.evaluate(proposals_, &proposal_logp_, nullptr, counters);
  for (Eigen::Index i = 0; i < B; ++i) {
    const double u = rng_.uniform();
    const double log_alpha =
        (proposal_logp_[i] - states_.logp[i]) - (proposal_log_q_[i] - log_q_[i]);
    if (std::isfinite(proposal_logp_[i]) && std::isfinite(proposal_log_q_[i]) &&
        std::log(u) < log_alpha) {
      states_.x.row(i) = proposals_.row(i);
      states_.logp[i] = proposal_logp_[i];
      log_q_[i] = proposal_log_q_[i];
      ++global_acc_;
    }
  }
  global_prop_ += B;
}

double FlowMcNegatives::accept_local() const {
  return local_prop_ ? double(local_acc_) / double(local_prop_) : 0.0;
}
double FlowMcNegatives::accept_global() const {
  return global_prop_ ? double(global_acc_) / double(global_prop_) : 0.0;
}

void FlowMcNegatives::evaluation_samples(int n, Points& out) {
  strided_rows(pool_, n, out);
}

std::vector<std::pair<std::string, double>> FlowMcNegatives::statistics() const {
  return {{"accept_local", accept_local()},
          {"accept_global", accept_global()},
          {"flow_nll", flow_nll_}};
}

void FlowMcNegatives::fill_overlay(SamplerOverlay& out) const {
  if (field_stale_) {
    flow_log_density_field(flow_, field_box_, kFieldN, field_);
    field_stale_ = false;
  }
  out.field = field_;
  out.field_n = kFieldN;
  out.field_box = field_box_;
}

}  // namespace ss
