#include "core/samplers/flowmc.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/grid.h"

namespace ss {

const char* const kFlowMcAbout =
    "flowMC runs many MALA chains and, between local blocks, trains a small normalizing flow "
    "(RealNVP) on where the chains have recently been. The flow then serves as a global proposal: "
    "an independence Metropolis-Hastings step can jump a chain straight into another mode that the "
    "flow has learned, with an exact accept/reject test. After a fixed number of training loops "
    "the flow and the step size are frozen, and the production phase is an ordinary, exact MCMC "
    "kernel. The flow only knows the regions the chains have visited, so start chains spread "
    "out; our defensive box component (box_proposal_weight) keeps a small chance of proposing "
    "anywhere in the view box so unvisited modes can still be found.";

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// The flow checks the run's stop request only inside step() and reset(); elsewhere (set_target)
// its passes always complete.
class FlowInterruptScope {
 public:
  FlowInterruptScope(flows::RealNvp& flow, const Interrupt* interrupt) : flow_(flow) {
    flow_.set_interrupt(interrupt);
  }
  ~FlowInterruptScope() { flow_.set_interrupt(nullptr); }
  FlowInterruptScope(const FlowInterruptScope&) = delete;
  FlowInterruptScope& operator=(const FlowInterruptScope&) = delete;

 private:
  flows::RealNvp& flow_;
};
}  // namespace

const ParamTable& FlowMcSampler::table() {
  static const ParamTable t = [] {
    ParamTable t;
    t.push_back(param_def("chains", 100, 1, 20000, "number of parallel chains m", true, true));
    t.push_back(param_def("local_steps", 40, 1, 100000, "MALA steps per local block", true));
    t.push_back(
        param_def("global_steps", 40, 0, 100000, "IMH (flow) steps per global block", true));
    t.push_back(param_def("training_loops", 10, 0, 10000,
                          "loops of local block → flow training → global block before production",
                          true, true));
    t.push_back(param_def(
        "production_loops", 0, 0, 1e9,
        "production loops (local + global, frozen flow); 0 = until the budget ends", true, true));
    t.push_back(param_def("epochs", 20, 1, 10000, "training epochs per training block", true));
    t.push_back(param_def("learning_rate", 3e-3, 1e-6, 1.0, "Adam(W) learning rate of the flow",
                          false, true, true));
    t.push_back(param_def("batch_size", 500, 1, 1000000, "minibatch size of flow training", true));
    t.push_back(param_def("max_examples", 2000, 2, 10000000,
                          "training points drawn (with replacement) from the history window",
                          true));
    t.push_back(param_def("history_window", 100, 1, 100000,
                          "positions per chain kept for training (the last W steps)", true, true));
    t.push_back(param_def("max_grad_norm", 1.0, 1e-6, 1e6,
                          "global gradient-norm clip of flow training", false, true, true));
    t.push_back(param_def("step_size", 0.1, 1e-4, 10,
                          "MALA ε (initial value when adapting): x' = x + (ε²/2)∇log p + ε·N(0, I)",
                          false, false, true));
    ParamDef adapt{"adapt", 1, 0, 1, "tune ε toward target_accept in training local blocks"};
    adapt.choices = {"off", "on"};
    adapt.needs_reset = true;
    t.push_back(adapt);
    t.push_back(
        param_def("target_accept", 0.574, 0.05, 0.95, "MALA acceptance aimed at while adapting"));
    t.push_back(param_def("couplings", 6, 1, 32, "RealNVP coupling layers", true, true));
    t.push_back(param_def("hidden_width", 32, 1, 512, "units per hidden layer of each coupling net",
                          true, true));
    t.push_back(
        param_def("hidden_layers", 2, 0, 6, "hidden layers of each coupling net", true, true));
    t.push_back(
        param_def("box_proposal_weight", 0.05, 0, 1,
                  "w: share of global proposals drawn uniformly over the view box (0 = pure "
                  "flowMC)"));
    t.push_back(
        param_def("trail_chains", 8, 0, 64, "chains whose recent path is drawn", true, true));
    t.push_back(
        param_def("trail_length", 50, 2, 5000, "positions kept per drawn path", true, true));
    append_window_params(t);
    append_init_params(t, InitKind::box, 0.0, 0.0);
    return t;
  }();
  return t;
}

FlowMcSampler::FlowMcSampler(std::shared_ptr<const Target> target) : Sampler(std::move(target)) {
  params_ = default_params(table());
}

void FlowMcSampler::reset(std::uint64_t seed) {
  clear_progress();
  rng_.seed(derive_seed(seed, 0xF10));
  train_rng_.seed(derive_seed(seed, 0xF11));
  Rng init_rng(derive_seed(seed, 0xF12));
  const Eigen::Index m = Eigen::Index(param("chains"));
  safe_resize(states_.x, m, 2);
  draw_initial_points(*target_, init_spec_from(params_), rng_, states_.x);
  target_->evaluate(states_.x, &states_.logp, &states_.grad, nullptr);
  counters_.log_density += std::uint64_t(m);
  counters_.score += std::uint64_t(m);
  stale_.assign(m, 0);

  flows::RealNvpOptions fo;
  fo.num_couplings = int(param("couplings"));
  fo.hidden.assign(int(param("hidden_layers")), int(param("hidden_width")));
  flow_ = flows::RealNvp(fo, init_rng);
  const FlowInterruptScope scope(flow_, interrupt_);  // the passes below: refresh_log_q, field
  // Before the first training the flow is the identity on whitened coordinates: whiten with the
  // initial states so its density is a sensible Gaussian over them.
  flow_.fit_whitening(states_.x);
  flows::FlowTrainOptions to;
  to.epochs = 1;
  to.batch_size = int(param("batch_size"));
  to.max_grad_norm = param("max_grad_norm");
  to.adam.learning_rate = param("learning_rate");
  to.keep_best = false;
  to.fit_whitening = false;
  trainer_ = std::make_unique<flows::RealNvpTrainer>(flow_, to);
  trainer_->set_interrupt(interrupt_);
  safe_resize(best_params_, flow_.num_parameters());

  const int window = int(param("history_window"));
  history_.assign(window, Points::Zero(m, 2));
  history_head_ = history_count_ = 0;
  safe_resize(train_data_, Eigen::Index(param("max_examples")), 2);
  safe_resize(proposal_, m, 2);
  safe_resize(proposal_log_q_flow_, m);
  safe_resize(proposal_log_q_, m);
  safe_resize(proposal_logp_, m);
  safe_resize(log_q_, m);
  stale_rows_.clear();
  stale_rows_.reserve(std::size_t(m));
  safe_resize(stale_x_, m, 2);  // the moved chains' batch: m rows, see refresh_stale_scores
  safe_resize(stale_grad_, m, 2);
  refresh_log_q();

  trails_.configure(int(param("trail_chains")), int(param("trail_length")));
  trails_.push(states_.x);
  configure_window(window_, params_, m);
  window_.record(states_.x, counters_.cost());
  production_ = int(param("training_loops")) == 0;
  loop_ = production_loops_done_ = 0;
  eps_ = param("step_size");
  local_acc_ = local_prop_ = global_acc_ = global_prop_ = 0;
  adapt_t_ = 0;
  best_loss_ = last_loss_ = std::numeric_limits<double>::quiet_NaN();
  start_block(Block::local);
  record_history();
  compute_field();
  if (!states_.grad.allFinite()) mark_diverged("score ∇log p is non-finite at an initial state");
}

void FlowMcSampler::set_target(std::shared_ptr<const Target> target) {
  Sampler::set_target(std::move(target));
  target_->evaluate(states_.x, &states_.logp, &states_.grad, nullptr);
  counters_.log_density += std::uint64_t(states_.x.rows());
  counters_.score += std::uint64_t(states_.x.rows());
  std::fill(stale_.begin(), stale_.end(), 0);
  refresh_log_q();
}

void FlowMcSampler::set_interrupt(const Interrupt* interrupt) {
  Sampler::set_interrupt(interrupt);
  if (trainer_) trainer_->set_interrupt(interrupt);
}

void FlowMcSampler::start_block(Block b) {
  block_ = b;
  block_iter_ = 0;
}

void FlowMcSampler::mixture_log_q(const Points& x, Vec& log_q_flow, Vec& out) const {
  const double w = param("box_proposal_weight");
  const Box box = target_->view_box();
  const double log_box = -std::log(box.width() * box.height());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double a = w < 1 ? std::log1p(-w) + log_q_flow[i] : kNegInf;
    const double b = (w > 0 && box.contains(x(i, 0), x(i, 1))) ? std::log(w) + log_box : kNegInf;
    const double hi = std::max(a, b);
    out[i] = hi == kNegInf ? kNegInf : hi + std::log(std::exp(a - hi) + std::exp(b - hi));
  }
}

void FlowMcSampler::refresh_log_q() {
  // proposal_log_q_flow_ (m rows) is free between global steps: the flow's log q of the states.
  flow_.log_prob(states_.x, proposal_log_q_flow_);
  mixture_log_q(states_.x, proposal_log_q_flow_, log_q_);
}

void FlowMcSampler::refresh_stale_scores() {
  std::vector<Eigen::Index>& rows = stale_rows_;  // reserved for m chains at reset
  rows.clear();
  for (Eigen::Index i = 0; i < Eigen::Index(stale_.size()); ++i)
    if (stale_[i]) rows.push_back(i);
  if (rows.empty()) return;
  // One batch of the moved chains. Its size varies, so the batch arrays keep m rows (sized at
  // reset: no step allocates); rows past the moved chains repeat the first one and are evaluated
  // but neither read nor counted (at most m extra scores per training loop, ≤ 1/local_steps of a
  // loop's score work). Each row's score depends only on its point, so the moved chains' scores
  // are those of an exact-size batch.
  Points& pts = stale_x_;
  Points& grad = stale_grad_;
  if (pts.rows() < Eigen::Index(rows.size())) pts.resize(Eigen::Index(rows.size()), 2);
  for (size_t k = 0; k < rows.size(); ++k) pts.row(k) = states_.x.row(rows[k]);
  for (Eigen::Index k = Eigen::Index(rows.size()); k < pts.rows(); ++k) pts.row(k) = pts.row(0);
  target_->evaluate(pts, nullptr, &grad, nullptr);
  counters_.score += rows.size();
  for (size_t k = 0; k < rows.size(); ++k) {
    states_.grad.row(rows[k]) = grad.row(k);
    stale_[rows[k]] = 0;
  }
}

void FlowMcSampler::record_history() {
  if (history_.empty()) return;
  history_[history_head_] = states_.x;
  history_head_ = (history_head_ + 1) % int(history_.size());
  history_count_ = std::min(history_count_ + 1, int(history_.size()));
}

void FlowMcSampler::local_iteration() {
  if (block_iter_ == 0) refresh_stale_scores();
  const int accepted = mala_step(*target_, states_, eps_, rng_, lws_, counters_);
  const Eigen::Index m = states_.x.rows();
  if (!production_ && int(param("adapt")) == 1) {
    const double rate = 1.0 / std::sqrt(1.0 + double(adapt_t_++));
    eps_ *= std::exp(rate * (double(accepted) / double(m) - param("target_accept")));
    eps_ = std::clamp(eps_, 1e-6, 1e3);
  }
  if (int(param("adapt")) == 0) eps_ = param("step_size");
  local_acc_ += accepted;
  local_prop_ += m;
}

void FlowMcSampler::global_iteration() {
  const Eigen::Index m = states_.x.rows();
  flow_.sample(m, rng_, proposal_, proposal_log_q_flow_);
  const double w = param("box_proposal_weight");
  const Box box = target_->view_box();
  bool any_box = false;
  for (Eigen::Index i = 0; i < m; ++i) {
    if (rng_.uniform() < w) {
      const double u = rng_.uniform(box.xmin, box.xmax), v = rng_.uniform(box.ymin, box.ymax);
      proposal_(i, 0) = u, proposal_(i, 1) = v;
      any_box = true;
    }
  }
  if (any_box) flow_.log_prob(proposal_, proposal_log_q_flow_);
  mixture_log_q(proposal_, proposal_log_q_flow_, proposal_log_q_);
  target_->evaluate(proposal_, &proposal_logp_, nullptr, nullptr);
  counters_.log_density += std::uint64_t(m);
  int accepted = 0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const double u = rng_.uniform();
    const double log_alpha =
        (proposal_logp_[i] - states_.logp[i]) - (proposal_log_q_[i] - log_q_[i]);
    if (std::isfinite(proposal_logp_[i]) && std::isfinite(proposal_log_q_[i]) &&
        std::log(u) < log_alpha) {
      states_.x.row(i) = proposal_.row(i);
      states_.logp[i] = proposal_logp_[i];
      log_q_[i] = proposal_log_q_[i];
      stale_[i] = 1;
      ++accepted;
    }
  }
  global_acc_ += accepted;
  global_prop_ += m;
}

void FlowMcSampler::train_iteration() {
  check_interrupt();  // before the training set's draw (up to 10⁷ rows)
  if (block_iter_ == 0) {
    // Training set: max_examples rows drawn with replacement from the history window.
    const Eigen::Index m = states_.x.rows();
    const std::uint64_t pool = std::uint64_t(history_count_) * std::uint64_t(m);
    for (Eigen::Index k = 0; k < train_data_.rows(); ++k) {
      if ((k & 0xFFFF) == 0xFFFF) check_interrupt();  // redrawn in full when redone
      const std::uint64_t r = train_rng_.index(pool);
      const int slot = int(r / std::uint64_t(m));
      train_data_.row(k) = history_[slot].row(Eigen::Index(r % std::uint64_t(m)));
    }
    flow_.fit_whitening(train_data_);
    best_loss_ = std::numeric_limits<double>::infinity();
  }
  flows::FlowTrainReport& report = train_report_;  // reused: no allocation per epoch
  trainer_->train(train_data_, train_rng_, report);
  last_loss_ = report.epoch_loss.empty() ? std::numeric_limits<double>::quiet_NaN()
                                         : report.epoch_loss.back();
  if (std::isfinite(last_loss_) && last_loss_ < best_loss_) {
    best_loss_ = last_loss_;
    Eigen::Index at = 0;
    for (const auto& span : flow_.parameters()) {
      best_params_.segment(at, span.size) = span.value_map();
      at += span.size;
    }
  }
}

void FlowMcSampler::finish_training() {
  if (std::isfinite(best_loss_)) {
    Eigen::Index at = 0;
    for (const auto& span : flow_.parameters()) {
      span.value_map() = best_params_.segment(at, span.size);
      at += span.size;
    }
    last_loss_ = best_loss_;
  }
  refresh_log_q();
  compute_field();
}

void FlowMcSampler::step() {
  const FlowInterruptScope scope(flow_, interrupt_);
  switch (block_) {
    case Block::local:
      local_iteration();
      break;
    case Block::train:
      train_iteration();
      // The block's last epoch finishes training (best parameters, log q, field) before the step
      // counts, so an interruption there abandons the step like one inside the epoch.
      if (block_iter_ + 1 >= int(param("epochs"))) finish_training();
      break;
    case Block::global:
      global_iteration();
      break;
  }
  ++iteration_;
  ++block_iter_;
  if (block_ != Block::train) {
    record_history();
    trails_.push(states_.x);
    window_.offer(states_.x, counters_.cost());
  }
  // Block transitions.
  if (block_ == Block::local && block_iter_ >= int(param("local_steps"))) {
    if (production_ || int(param("epochs")) == 0) {
      start_block(Block::global);
    } else {
      start_block(Block::train);
    }
  } else if (block_ == Block::train && block_iter_ >= int(param("epochs"))) {
    start_block(Block::global);  // finish_training() ran in the block's last epoch above
  }
  if (block_ == Block::global && block_iter_ >= int(param("global_steps"))) {
    if (!production_) {
      ++loop_;
      if (loop_ >= int(param("training_loops"))) {
        production_ = true;
        local_acc_ = local_prop_ = global_acc_ = global_prop_ = 0;
      }
    } else {
      ++production_loops_done_;
    }
    start_block(Block::local);
  }
  if (!states_.x.allFinite())
    mark_diverged("chain positions became non-finite");
  else if (block_ == Block::train && !std::isfinite(last_loss_) && block_iter_ > 0)
    mark_diverged("flow training loss became non-finite");
}

double FlowMcSampler::accept_local() const {
  return local_prop_ ? double(local_acc_) / double(local_prop_) : 0.0;
}
double FlowMcSampler::accept_global() const {
  return global_prop_ ? double(global_acc_) / double(global_prop_) : 0.0;
}

void FlowMcSampler::evaluation_samples(int n, Points& out) {
  window_.latest(n, out);
}

std::vector<std::pair<std::string, double>> FlowMcSampler::statistics() const {
  const int limit = int(param("production_loops"));
  const double phase =
      !production_ ? 0.0 : (limit > 0 && production_loops_done_ >= limit ? 2.0 : 1.0);
  return {{"accept_local", accept_local()},
          {"accept_global", accept_global()},
          {"loss", last_loss_},
          {"step_size", eps_},
          {"phase", phase},
          {"loop", double(loop_)}};
}

void flow_log_density_field(flows::RealNvp& flow, const Box& b, int n, std::vector<float>& out) {
  FlowFieldWorkspace ws;
  flow_log_density_field(flow, b, n, out, ws);
}

void flow_log_density_field(flows::RealNvp& flow, const Box& b, int n, std::vector<float>& out,
                            FlowFieldWorkspace& ws) {
  const Eigen::Index cells = Eigen::Index(n) * n;
  grid_cell_centres(b, n, ws.grid);
  if (ws.log_q.size() != cells) ws.log_q.resize(cells);
  flow.log_prob(ws.grid, ws.log_q);
  out.resize(std::size_t(cells));
  for (Eigen::Index i = 0; i < cells; ++i) out[std::size_t(i)] = float(ws.log_q[i]);
}

void FlowMcSampler::compute_field() {
  flow_log_density_field(flow_, target_->view_box(), kFieldN, field_, field_ws_);
}

void FlowMcSampler::fill_overlay(SamplerOverlay& out) const {
  trails_.fill(out.trails);
  out.field = field_;
  out.field_n = kFieldN;
  out.field_box = target_->view_box();
}

}  // namespace ss
