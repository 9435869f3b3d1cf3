// EbmTrainer, EnergyView and the live-EBM Target adapter (trainer.h).
//
// Live target (EbmLiveTarget): log density −E_θ(x) (unnormalized), score −∇_x E_θ, both exact
// from the network. Hessian (jet_at, evaluate with a Hessian output): E_θ is a LeakyReLU network,
// piecewise linear in x, plus ½‖u‖² with the tilt, so ∇²log p_θ = −diag(1/s_x², 1/s_y²) with the
// tilt and 0 without — exact everywhere except on the network's kinks (measure zero; a finite
// difference of the score across a kink would give a spike of jump/(2h) instead). Nothing in the
// ebm task uses it; it is there so the adapter is a complete Target. Evaluations lock a mutex the
// trainer also holds during step() and custom_metrics(), so the adapter may be called from any
// thread; once the trainer is destroyed it answers NaN.
#include "core/ebm/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "core/metrics/ksd.h"

namespace ss {

class EbmLiveTarget final : public Target {
 public:
  EbmLiveTarget(EnergyNet* net, const Box& box) : net_(net), box_(box) {}
  std::string kind() const override { return "ebm"; }
  std::string display_name() const override { return "Energy-based model"; }
  Box view_box() const override {
    std::lock_guard lock(box_mutex_);
    return box_;
  }
  TargetSpec spec() const override {
    TargetSpec s;
    s.kind = "ebm";
    s.box = view_box();
    return s;
  }
  /// The problem's box changed (EbmTrainer::set_problem). Its own mutex: view_box() is also
  /// called inside a step, with mutex() held.
  void set_box(const Box& box) {
    std::lock_guard lock(box_mutex_);
    box_ = box;
  }
  double log_density_at(double x, double y) const override {
    std::lock_guard lock(mutex_);
    if (!net_) return std::numeric_limits<double>::quiet_NaN();
    x1_.resize(1, 2);
    x1_ << x, y;
    net_->energy(x1_, e1_);
    return -e1_(0);
  }
  Jet jet_at(double x, double y) const override {
    Points p(1, 2);
    p << x, y;
    Vec lp;
    Points s;
    Hessians h;
    evaluate(p, &lp, &s, &h);
    return Jet(lp(0), s(0, 0), s(0, 1), h(0, 0), h(0, 1), h(0, 2));
  }
  /// Call with the lock held by the owner: detaches from the network.
  void detach() {
    std::lock_guard lock(mutex_);
    net_ = nullptr;
  }
  std::mutex& mutex() const { return mutex_; }

 protected:
  bool evaluate_batch(const Points& x, Vec* log_density, Points* score,
                      Hessians* hessian) const override {
    std::lock_guard lock(mutex_);
    const Eigen::Index n = x.rows();
    if (!net_) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      if (log_density) log_density->setConstant(nan);
      if (score) score->setConstant(nan);
      if (hessian) hessian->setConstant(nan);
      return true;
    }
    if (!score && !hessian) {
      net_->energy(x, e1_);
      *log_density = -e1_;
      return true;
    }
    net_->energy_and_grad(x, e1_, g1_);
    if (log_density) *log_density = -e1_;
    if (score) *score = -g1_;
    if (hessian) {
      // E_θ is piecewise linear in x (LeakyReLU network) plus, with the tilt, ½‖u‖²: its Hessian
      // is diag(1/s_x², 1/s_y²)·[tilt] everywhere except on the kinks (a set of measure zero).
      const Box b = view_box();
      const double sx = 0.5 * b.width(), sy = 0.5 * b.height();
      const bool tilt = net_->tilt();
      for (Eigen::Index i = 0; i < n; ++i) {
        (*hessian)(i, 0) = tilt ? -1.0 / (sx * sx) : 0.0;
        (*hessian)(i, 1) = 0.0;
        (*hessian)(i, 2) = tilt ? -1.0 / (sy * sy) : 0.0;
      }
    }
    return true;
  }

 private:
  EnergyNet* net_;
  Box box_;
  mutable std::mutex mutex_, box_mutex_;
  mutable Points x1_, g1_;
  mutable Vec e1_;
};

std::string blow_up_reason(double range, const EbmProblem& problem) {
  char value[32], bound[32];
  std::snprintf(value, sizeof value, "%.3g", range);
  std::snprintf(bound, sizeof bound, "%.6g", problem.ebm.max_log_density_range);
  const std::string grid = std::to_string(problem.grid_n) + "x" + std::to_string(problem.grid_n);
  if (!std::isfinite(range))
    return "EBM blew up: its energy is not finite on the " + grid + " grid of the box";
  return std::string("EBM blew up: log_density_range (max - min of log p over the ") + grid +
         " grid of the box) is " + value + " nats, above ebm.max_log_density_range = " + bound;
}

void EnergyView::evaluate(const Points& x, Vec* log_density, Points* score,
                          EvalCounters& counters) {
  if (score) {
    net_->energy_and_grad(x, energy_, grad_);
    if (log_density) *log_density = -energy_;
    *score = -grad_;
    counters.score += static_cast<std::uint64_t>(x.rows());
  } else {
    net_->energy(x, energy_);
    if (log_density) *log_density = -energy_;
    counters.log_density += static_cast<std::uint64_t>(x.rows());
  }
}

EbmTrainer::EbmTrainer(std::string kind, std::shared_ptr<const EbmProblem> problem,
                       std::unique_ptr<NegativeSampler> negatives)
    : Sampler(nullptr),
      kind_(std::move(kind)),
      problem_(std::move(problem)),
      negatives_(std::move(negatives)) {
  live_ = std::make_shared<EbmLiveTarget>(&net_, problem_->box);
  target_ = live_;
  params_ = default_params(param_table());
}

EbmTrainer::~EbmTrainer() {
  if (live_) live_->detach();
}

const ParamTable& EbmTrainer::param_table() const {
  return ebm_param_table(kind_);
}

void EbmTrainer::reset(std::uint64_t seed) {
  std::lock_guard lock(live_->mutex());
  clear_progress();
  rng_.seed(seed);
  const EbmProblem& p = *problem_;
  Rng init(derive_seed(p.seed, EbmProblem::kInitStream));
  net_.build(p.ebm, p.box, init);
  net_.set_tilt(negatives_->tilted());
  order_rng_.seed(derive_seed(p.seed, EbmProblem::kOrderStream));
  order_.resize(p.train.rows());
  std::iota(order_.begin(), order_.end(), 0);
  cursor_ = order_.size();  // the first step shuffles
  negatives_->reset(p, params_, seed);
  applied_params_ = params_;
  log_density_.clear();
  loss_ = 0;
  positives_.resize(p.ebm.batch, 2);
}

void EbmTrainer::set_problem(std::shared_ptr<const EbmProblem> problem) {
  if (!problem) throw std::invalid_argument("EbmTrainer::set_problem: no problem");
  const EbmSettings& now = problem_->ebm;
  const EbmSettings& next = problem->ebm;
  if (next.hidden != now.hidden || next.leaky_slope != now.leaky_slope ||
      next.optimizer != now.optimizer)
    throw std::invalid_argument(
        "EbmTrainer::set_problem: the network (hidden, leaky_slope, optimizer) changed; that "
        "needs a reset");
  std::lock_guard lock(live_->mutex());
  if (problem->train.rows() != Eigen::Index(order_.size())) {
    order_.resize(problem->train.rows());
    std::iota(order_.begin(), order_.end(), 0);
    cursor_ = order_.size();  // the next step starts a new epoch
  }
  net_.set_learning_rate(next.learning_rate);
  net_.set_l2(next.l2);
  problem_ = std::move(problem);
  live_->set_box(problem_->box);
  negatives_->set_problem(*problem_);
}

void EbmTrainer::set_interrupt(const Interrupt* interrupt) {
  Sampler::set_interrupt(interrupt);
  negatives_->set_interrupt(interrupt);
}

void EbmTrainer::step() {
  std::lock_guard lock(live_->mutex());
  const EbmProblem& p = *problem_;
  const int batch = p.ebm.batch;
  if (positives_.rows() != batch) positives_.resize(batch, 2);
  for (int i = 0; i < batch; ++i) {
    if (cursor_ >= order_.size()) {  // a new epoch: Fisher–Yates from the order stream
      for (std::size_t k = order_.size(); k > 1; --k)
        std::swap(order_[k - 1], order_[order_rng_.index(k)]);
      cursor_ = 0;
    }
    positives_.row(i) = p.train.row(order_[cursor_++]);
  }
  if (applied_params_ != params_) {
    negatives_->set_params(params_);
    applied_params_ = params_;
  }
  EnergyView view(net_);
  negatives_->draw(view, batch, negatives_batch_, counters_);
  if (std::string f = negatives_->failure(); !f.empty()) {
    mark_diverged(std::move(f));
    return;
  }
  if (mark_if_escaped(negatives_batch_, "negative sample")) return;
  loss_ = net_.train_step(positives_, negatives_batch_);
  if (!net_.failure().empty()) {
    mark_diverged(net_.failure());
    return;
  }
  ++iteration_;
}

void EbmTrainer::evaluation_samples(int n, Points& out) {
  negatives_->evaluation_samples(n, out);
}

const Points& EbmTrainer::display_samples() const {
  return negatives_->display_samples();
}

std::vector<std::pair<std::string, double>> EbmTrainer::statistics() const {
  std::vector<std::pair<std::string, double>> s = {{"loss", loss_},
                                                   {"energy_data", net_.energy_data()},
                                                   {"energy_negative", net_.energy_negative()}};
  for (auto& kv : negatives_->statistics()) s.push_back(std::move(kv));
  return s;
}

void EbmTrainer::fill_overlay(SamplerOverlay& out) const {
  negatives_->fill_overlay(out);
}

bool EbmTrainer::custom_metrics(std::vector<std::pair<std::string, double>>& out) {
  std::lock_guard lock(live_->mutex());
  const EbmProblem& p = *problem_;
  EbmMetrics m = exact_ebm_metrics(net_, p);
  // The blow-up rule (trainer.h): the pass that finds it records nothing and keeps the density of
  // the last good pass; the reason carries the value.
  if (!(m.log_density_range <= p.ebm.max_log_density_range)) {
    mark_diverged(blow_up_reason(m.log_density_range, p));
    return true;
  }
  out.emplace_back("nll_test", m.nll_test);
  out.emplace_back("nll_true", m.nll_true);
  out.emplace_back("kl_true_model", m.kl_true_model);
  for (std::size_t k = 0; k < m.mode_weight.size(); ++k)
    out.emplace_back("mode_weight_" + std::to_string(k + 1), m.mode_weight[k]);
  out.emplace_back("mode_tv", m.mode_tv);
  out.emplace_back("logp_median_sq_error", m.logp_median_sq_error);
  out.emplace_back("log_density_range", m.log_density_range);
  log_density_ = std::move(m.log_density);

  // The negatives against the current EBM: mode weights by the truth's regions, their total
  // variation from the EBM's own mode weights, and KSD² (IMQ, V-statistic) with the EBM's score.
  negatives_->evaluation_samples(kNegativeMetricSamples, eval_);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (p.truth) {
    const std::size_t regions = p.true_region_mass.size();
    std::vector<double> w(regions, 0.0);
    for (Eigen::Index i = 0; i < eval_.rows(); ++i) {
      const int k = p.truth->region_of(eval_(i, 0), eval_(i, 1));
      if (k >= 0 && std::size_t(k) < regions) w[k] += 1;
    }
    double tv = 0;
    for (std::size_t k = 0; k < regions; ++k) {
      w[k] = eval_.rows() > 0 ? w[k] / double(eval_.rows()) : nan;
      out.emplace_back("neg_mode_weight_" + std::to_string(k + 1), w[k]);
      tv += std::abs(w[k] - m.mode_weight[k]);
    }
    out.emplace_back("neg_mode_tv", 0.5 * tv);
  }
  double ksd = nan;
  if (eval_.rows() > 0 && eval_.allFinite()) {
    net_.energy_and_grad(eval_, eval_energy_, eval_score_);
    eval_score_ = -eval_score_;
    ksd = ksd2_imq(eval_, eval_score_);
  }
  out.emplace_back("neg_ksd2", ksd);
  return true;
}

}  // namespace ss
