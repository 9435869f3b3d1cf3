#include "core/samplers/langevin.h"

#include <algorithm>
#include <cmath>

namespace ss {

const char* const kUlaAbout =
    "The unadjusted Langevin algorithm runs many independent chains, each taking a small step "
    "uphill along the score plus Gaussian noise. There is no accept/reject test, so every step "
    "moves and costs one score evaluation, but the chains sample a slightly wrong distribution: "
    "the larger the step, the wider (and, past a limit, exploding) the cloud. Useful as the "
    "simplest gradient-based baseline and to see discretization bias with your own eyes.";

const char* const kMalaAbout =
    "The Metropolis-adjusted Langevin algorithm makes the same Langevin proposal as ULA but "
    "accepts or rejects it with a Metropolis-Hastings test, so each chain targets the exact "
    "density. During warm-up the step size is tuned toward a target acceptance rate and then "
    "frozen. Chains are excellent at exploring one mode and very slow to cross low-density "
    "barriers between modes: started in one basin, a chain usually stays there, which is the gap "
    "flowMC's global flow proposals fill.";

namespace {

void draw_noise(Rng& rng, Points& noise) {
  for (Eigen::Index i = 0; i < noise.rows(); ++i) {
    const double a = rng.normal(), b = rng.normal();
    noise(i, 0) = a, noise(i, 1) = b;
  }
}

void ensure(LangevinWorkspace& ws, Eigen::Index m) {
  if (ws.noise.rows() != m) {
    ws.noise.resize(m, 2);
    ws.proposal.resize(m, 2);
    ws.proposal_grad.resize(m, 2);
    ws.uniforms.resize(m);
    ws.proposal_logp.resize(m);
    ws.accepted.assign(m, 0);
  }
}

}  // namespace

int mala_step(const Target& target, ChainStates& s, double eps, Rng& rng, LangevinWorkspace& ws,
              EvalCounters& counters) {
  const Eigen::Index m = s.x.rows();
  counters.log_density += std::uint64_t(m);
  counters.score += std::uint64_t(m);
  return mala_step([&target](const Points& x, Vec& logp,
                             Points& score) { target.evaluate(x, &logp, &score, nullptr); },
                   s, eps, rng, ws);
}

int mala_step(const LogDensityAndScore& eval, ChainStates& s, double eps, Rng& rng,
              LangevinWorkspace& ws) {
  return mala_step(eval, s, LangevinStep::from_eps(eps), rng, ws);
}

int mala_step(const LogDensityAndScore& eval, ChainStates& s, const LangevinStep& step, Rng& rng,
              LangevinWorkspace& ws, const Box* box) {
  const Eigen::Index m = s.x.rows();
  ensure(ws, m);
  draw_noise(rng, ws.noise);
  for (Eigen::Index i = 0; i < m; ++i) ws.uniforms[i] = rng.uniform();
  const double h = step.drift;
  ws.proposal = s.x + h * s.grad + step.noise * ws.noise;
  eval(ws.proposal, ws.proposal_logp, ws.proposal_grad);
  // 1/(4h): with h = ε²/2 exactly 1/(2ε²) (scaling by powers of 2 is exact).
  const double inv_4h = 1.0 / (4 * h);
  int accepted = 0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const Vec2 x = s.x.row(i).transpose(), y = ws.proposal.row(i).transpose();
    const Vec2 gx = s.grad.row(i).transpose(), gy = ws.proposal_grad.row(i).transpose();
    const double log_q_forward = -(y - x - h * gx).squaredNorm() * inv_4h;
    const double log_q_backward = -(x - y - h * gy).squaredNorm() * inv_4h;
    const double log_alpha = ws.proposal_logp[i] - s.logp[i] + log_q_backward - log_q_forward;
    const bool ok = (!box || box->contains(y.x(), y.y())) && std::isfinite(ws.proposal_logp[i]) &&
                    gy.allFinite() && std::log(ws.uniforms[i]) < log_alpha;
    ws.accepted[i] = ok;
    if (ok) {
      s.x.row(i) = ws.proposal.row(i);
      s.grad.row(i) = ws.proposal_grad.row(i);
      s.logp[i] = ws.proposal_logp[i];
      ++accepted;
    }
  }
  return accepted;
}

void ula_step(const Target& target, ChainStates& s, double eps, Rng& rng, LangevinWorkspace& ws,
              EvalCounters& counters) {
  const Eigen::Index m = s.x.rows();
  ensure(ws, m);
  draw_noise(rng, ws.noise);
  s.x += (0.5 * eps * eps) * s.grad + eps * ws.noise;
  target.evaluate(s.x, nullptr, &s.grad, nullptr);
  counters.score += std::uint64_t(m);
}

void ChainTrails::configure(int chains, int length) {
  length_ = std::max(length, 1);
  rings_.assign(std::max(chains, 0), Points::Zero(length_, 2));
  count_ = head_ = 0;
}

void ChainTrails::push(const Points& x) {
  if (rings_.empty()) return;
  const int chains = std::min<int>(int(rings_.size()), int(x.rows()));
  for (int c = 0; c < chains; ++c) rings_[c].row(head_) = x.row(c);
  head_ = (head_ + 1) % length_;
  count_ = std::min(count_ + 1, length_);
}

void ChainTrails::fill(std::vector<Points>& out) const {
  out.resize(rings_.size());
  for (size_t c = 0; c < rings_.size(); ++c) {
    out[c].resize(count_, 2);
    const int start = (head_ - count_ + length_) % length_;
    for (int k = 0; k < count_; ++k) out[c].row(k) = rings_[c].row((start + k) % length_);
  }
}

namespace {

void add_common(ParamTable& t, double step) {
  t.push_back({"chains", 500, 1, 100000, "number of parallel chains m", true, {}, false, true});
  ParamDef eps{"step_size", step, 1e-4, 10,
               "ε: proposal x' = x + (ε²/2)∇log p + ε·N(0, I) (the initial ε when adapting)"};
  eps.log_scale = true;
  eps.needs_reset = false;
  t.push_back(eps);
  t.push_back({"trail_chains", 8, 0, 64, "chains whose recent path is drawn", true});
  t.push_back({"trail_length", 50, 2, 5000, "positions kept per drawn path", true});
  for (auto* name : {"trail_chains", "trail_length"}) {
    for (auto& d : t)
      if (d.name == name) d.needs_reset = true;
  }
  append_follow_param(t);
  append_window_params(t);
  append_init_params(t, InitKind::box, 0.0, 0.0);
}

}  // namespace

const ParamTable& LangevinSampler::ula_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t, 0.2);
    return t;
  }();
  return t;
}

const ParamTable& LangevinSampler::mala_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t, 0.5);
    ParamDef adapt{"adapt", 1, 0, 1, "tune ε toward target_accept during warm-up, then freeze"};
    adapt.choices = {"off", "on"};
    adapt.needs_reset = true;
    t.push_back(adapt);
    t.push_back({"target_accept", 0.574, 0.05, 0.95,
                 "acceptance rate the warm-up aims at (0.574 is optimal for MALA in high d)"});
    ParamDef warm{"warmup", 500, 0, 1e7, "iterations of step-size adaptation before the freeze",
                  true};
    warm.needs_reset = true;
    t.push_back(warm);
    t.push_back({"adapt_rate", 1.0, 0.01, 10, "γ: gain of the log-ε update, decays as 1/√(1+t)"});
    return t;
  }();
  return t;
}

LangevinSampler::LangevinSampler(std::shared_ptr<const Target> target, Variant variant)
    : Sampler(std::move(target)), variant_(variant) {
  params_ = default_params(param_table());
}

void LangevinSampler::refresh_cache() {
  if (variant_ == Variant::mala) {
    target_->evaluate(states_.x, &states_.logp, &states_.grad, nullptr);
    counters_.log_density += std::uint64_t(states_.x.rows());
  } else {
    target_->evaluate(states_.x, nullptr, &states_.grad, nullptr);
  }
  counters_.score += std::uint64_t(states_.x.rows());
}

void LangevinSampler::reset(std::uint64_t seed) {
  clear_progress();
  rng_.seed(derive_seed(seed, variant_ == Variant::ula ? 0x554c41 : 0x4d414c41));
  const Eigen::Index m = Eigen::Index(param("chains"));
  states_.x.resize(m, 2);
  draw_initial_points(*target_, init_spec_from(params_), rng_, states_.x);
  states_.logp.setZero(m);
  refresh_cache();
  eps_ = param("step_size");
  phase_accepted_ = phase_proposed_ = 0;
  trails_.configure(int(param("trail_chains")), int(param("trail_length")));
  trails_.push(states_.x);
  configure_window(window_, params_, m);
  window_.record(states_.x, counters_.cost());
  trace_ = {};
  trace_.path.resize(1, 2);
  if (!states_.grad.allFinite()) mark_diverged("score ∇log p is non-finite at an initial state");
}

void LangevinSampler::set_target(std::shared_ptr<const Target> target) {
  Sampler::set_target(std::move(target));
  refresh_cache();
}

void LangevinSampler::step() {
  const Eigen::Index m = states_.x.rows();
  if (variant_ == Variant::ula) {
    eps_ = param("step_size");
    ula_step(*target_, states_, eps_, rng_, ws_, counters_);
    ++iteration_;
    trails_.push(states_.x);
    window_.offer(states_.x, counters_.cost());
    if (!states_.x.allFinite())
      mark_diverged("chain positions became non-finite (step size too large for ULA?)");
    else if (!states_.grad.allFinite())
      mark_diverged("score ∇log p became non-finite at a chain state");
    return;
  }
  const bool adapting = int(param("adapt")) == 1 && !frozen();
  if (int(param("adapt")) == 0) eps_ = param("step_size");
  // Slow motion: the followed chain's state before the move (its α is recomputed below).
  const int follow = followed_chain(params_, m);
  const Vec2 x0 = states_.x.row(follow).transpose(), g0 = states_.grad.row(follow).transpose();
  const double logp0 = states_.logp[follow], eps_used = eps_;
  const int accepted = mala_step(*target_, states_, eps_, rng_, ws_, counters_);
  {
    const Vec2 y = ws_.proposal.row(follow).transpose();
    const Vec2 gy = ws_.proposal_grad.row(follow).transpose();
    const double h = 0.5 * eps_used * eps_used, inv = 1.0 / (2 * eps_used * eps_used);
    const double log_alpha = ws_.proposal_logp[follow] - logp0 -
                             (x0 - y - h * gy).squaredNorm() * inv +
                             (y - x0 - h * g0).squaredNorm() * inv;
    trace_.chain = follow;
    trace_.start = x0;
    trace_.path.row(0) = y.transpose();
    trace_.end = states_.x.row(follow).transpose();
    trace_.accepted = ws_.accepted[follow];
    trace_.accept_prob = std::isfinite(log_alpha) ? std::min(1.0, std::exp(log_alpha)) : 0.0;
    trace_.iteration = iteration_ + 1;
  }
  if (adapting) {
    const double rate = param("adapt_rate") / std::sqrt(1.0 + double(iteration_));
    eps_ *= std::exp(rate * (double(accepted) / double(m) - param("target_accept")));
    eps_ = std::clamp(eps_, 1e-6, 1e3);
  }
  phase_accepted_ += accepted;
  phase_proposed_ += m;
  ++iteration_;
  if (iteration_ == std::int64_t(param("warmup"))) phase_accepted_ = phase_proposed_ = 0;
  trails_.push(states_.x);
  window_.offer(states_.x, counters_.cost());
}

double LangevinSampler::acceptance() const {
  if (variant_ == Variant::ula) return 1.0;
  return phase_proposed_ ? double(phase_accepted_) / double(phase_proposed_) : 0.0;
}

void LangevinSampler::evaluation_samples(int n, Points& out) {
  window_.latest(n, out);
}

std::vector<std::pair<std::string, double>> LangevinSampler::statistics() const {
  if (variant_ == Variant::ula) return {{"step_size", eps_}};
  return {{"accept_local", acceptance()}, {"step_size", eps_}};
}

void LangevinSampler::fill_overlay(SamplerOverlay& out) const {
  trails_.fill(out.trails);
  if (variant_ == Variant::mala) out.proposal = trace_;
}

}  // namespace ss
