#include "core/samplers/metropolis.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Eigenvalues>

namespace ss {

const char* const kRwmhAbout =
    "Random-walk Metropolis is the oldest MCMC method: each chain proposes a jump to a nearby "
    "point drawn from a Gaussian around its current position and accepts it with probability "
    "min(1, p(new)/p(old)), otherwise stays put. It needs only the density, no gradient. Small "
    "jumps are almost always accepted but crawl; large ones are mostly rejected; during warm-up "
    "the jump size is tuned toward a target acceptance and then frozen. It diffuses, so it is "
    "slow along thin curved ridges such as the banana: the baseline every gradient method beats.";

const char* const kAdaptiveMhAbout =
    "Adaptive Metropolis (Haario, Saksman and Tamminen 2001) is random-walk Metropolis whose "
    "Gaussian proposal learns the shape of the target: after an initial period each chain "
    "proposes with 2.4²/d times the covariance of its own history so far (plus a small ridge), "
    "so on a correlated Gaussian the jumps line up with the ellipse. It still uses only the "
    "density, and still diffuses on curved or multimodal targets where one covariance cannot "
    "describe the shape.";

namespace {

void add_common(ParamTable& t) {
  t.push_back({"chains", 500, 1, 100000, "number of parallel chains m", true, {}, false, true});
  ParamDef sigma{"proposal_scale", 0.5, 1e-4, 100,
                 "σ: proposal x' = x + σ·N(0, I) (the initial σ when adapting; adaptive MH: the "
                 "scale before adapt_start)"};
  sigma.log_scale = true;
  t.push_back(sigma);
  t.push_back(
      {"trail_chains", 8, 0, 64, "chains whose recent path is drawn", true, {}, false, true});
  t.push_back(
      {"trail_length", 50, 2, 5000, "positions kept per drawn path", true, {}, false, true});
  append_follow_param(t);
  append_window_params(t);
  append_init_params(t, InitKind::box, 0.0, 0.0);
}

}  // namespace

const ParamTable& MetropolisSampler::rwmh_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t);
    ParamDef adapt{"adapt", 1, 0, 1, "tune σ toward target_accept during warm-up, then freeze"};
    adapt.choices = {"off", "on"};
    adapt.needs_reset = true;
    t.push_back(adapt);
    t.push_back({"target_accept", 0.35, 0.05, 0.95,
                 "acceptance the warm-up aims at (≈ 0.35 is optimal for a 2-D Gaussian)"});
    ParamDef warm{"warmup", 500, 0, 1e7, "iterations of scale adaptation before the freeze", true};
    warm.needs_reset = true;
    t.push_back(warm);
    t.push_back({"adapt_rate", 1.0, 0.01, 10, "γ: gain of the log-σ update, decays as 1/√(1+t)"});
    return t;
  }();
  return t;
}

const ParamTable& MetropolisSampler::adaptive_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t);
    ParamDef start{"adapt_start",
                   100,
                   1,
                   1e7,
                   "t0: iterations with the fixed proposal σ²I before the covariance is used",
                   true};
    start.needs_reset = true;
    t.push_back(start);
    t.push_back({"scale_factor", 2.88, 0.01, 100,
                 "s_d: proposal covariance s_d·(Cov + ε I); "
                 "2.4²/d = 2.88 in 2-D (Gelman et al.)"});
    ParamDef reg{"regularization", 1e-4, 0, 10, "ε: ridge added to the history covariance"};
    reg.log_scale = false;
    t.push_back(reg);
    ParamDef until{"adapt_until",
                   0,
                   0,
                   1e7,
                   "freeze the covariance after this many iterations (0: adapt forever, as "
                   "Haario et al.)",
                   true};
    until.needs_reset = true;
    t.push_back(until);
    return t;
  }();
  return t;
}

MetropolisSampler::MetropolisSampler(std::shared_ptr<const Target> target, Variant variant)
    : Sampler(std::move(target)), variant_(variant) {
  params_ = default_params(param_table());
}

void MetropolisSampler::reset(std::uint64_t seed) {
  clear_progress();
  rng_.seed(derive_seed(seed, variant_ == Variant::rwmh ? 0x52574d48 : 0x414d48));
  const Eigen::Index m = Eigen::Index(param("chains"));
  x_.resize(m, 2);
  draw_initial_points(*target_, init_spec_from(params_), rng_, x_);
  proposal_.resize(m, 2);
  noise_.resize(m, 2);
  proposal_logp_.resize(m);
  uniforms_.resize(m);
  target_->evaluate(x_, &logp_, nullptr, nullptr);
  counters_.log_density += std::uint64_t(m);
  sigma_ = param("proposal_scale");
  phase_accepted_ = phase_proposed_ = 0;
  last_rate_ = 0;
  mean_ = x_;
  comoment_.setZero(m, 3);
  history_count_ = 1;
  trails_.configure(int(param("trail_chains")), int(param("trail_length")));
  trails_.push(x_);
  configure_window(window_, params_, m);
  window_.record(x_, counters_.cost());
  trace_ = {};
  trace_.path.resize(1, 2);
}

void MetropolisSampler::set_target(std::shared_ptr<const Target> target) {
  Sampler::set_target(std::move(target));
  target_->evaluate(x_, &logp_, nullptr, nullptr);
  counters_.log_density += std::uint64_t(x_.rows());
}

bool MetropolisSampler::adapting() const {
  if (variant_ == Variant::rwmh)
    return int(param("adapt")) == 1 && iteration_ < std::int64_t(param("warmup"));
  const std::int64_t until = std::int64_t(param("adapt_until"));
  return until == 0 || iteration_ < until;
}

Mat2 MetropolisSampler::proposal_covariance(Eigen::Index c) const {
  const double s0 = param("proposal_scale");
  if (variant_ == Variant::rwmh || history_count_ <= std::int64_t(param("adapt_start")) ||
      history_count_ < 2)
    return (variant_ == Variant::rwmh ? sigma_ * sigma_ : s0 * s0) * Mat2::Identity();
  const double inv = 1.0 / double(history_count_);  // Haario et al.: 1/t covariance
  Mat2 cov;
  cov << comoment_(c, 0) * inv, comoment_(c, 1) * inv, comoment_(c, 1) * inv, comoment_(c, 2) * inv;
  return param("scale_factor") * (cov + param("regularization") * Mat2::Identity());
}

void MetropolisSampler::step() {
  const Eigen::Index m = x_.rows();
  if (variant_ == Variant::rwmh && int(param("adapt")) == 0) sigma_ = param("proposal_scale");
  for (Eigen::Index i = 0; i < m; ++i) {
    const double a = rng_.normal(), b = rng_.normal();
    noise_(i, 0) = a, noise_(i, 1) = b;
  }
  for (Eigen::Index i = 0; i < m; ++i) uniforms_[i] = rng_.uniform();
  if (variant_ == Variant::rwmh) {
    proposal_ = x_ + sigma_ * noise_;
  } else {
    for (Eigen::Index i = 0; i < m; ++i) {
      const Mat2 c = proposal_covariance(i);
      // Cholesky of the 2×2 SPD matrix by hand (no allocation).
      const double l11 = std::sqrt(std::max(c(0, 0), 0.0));
      const double l21 = l11 > 0 ? c(1, 0) / l11 : 0.0;
      const double l22 = std::sqrt(std::max(c(1, 1) - l21 * l21, 0.0));
      proposal_(i, 0) = x_(i, 0) + l11 * noise_(i, 0);
      proposal_(i, 1) = x_(i, 1) + l21 * noise_(i, 0) + l22 * noise_(i, 1);
    }
  }
  target_->evaluate(proposal_, &proposal_logp_, nullptr, nullptr);
  counters_.log_density += std::uint64_t(m);
  const int follow = followed_chain(params_, m);
  trace_.chain = follow;
  trace_.start = x_.row(follow).transpose();
  trace_.path.row(0) = proposal_.row(follow);
  int accepted = 0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const double log_alpha = proposal_logp_[i] - logp_[i];
    const bool ok = std::isfinite(proposal_logp_[i]) && std::log(uniforms_[i]) < log_alpha;
    if (i == follow) {
      trace_.accepted = ok;
      trace_.accept_prob = std::isfinite(log_alpha) ? std::min(1.0, std::exp(log_alpha)) : 0.0;
    }
    if (ok) {
      x_.row(i) = proposal_.row(i);
      logp_[i] = proposal_logp_[i];
      ++accepted;
    }
  }
  trace_.end = x_.row(follow).transpose();
  if (variant_ == Variant::rwmh) {
    if (adapting()) {
      const double rate = param("adapt_rate") / std::sqrt(1.0 + double(iteration_));
      sigma_ *= std::exp(rate * (double(accepted) / double(m) - param("target_accept")));
      sigma_ = std::clamp(sigma_, 1e-6, 1e3);
    }
  } else if (adapting()) {
    // Welford update of every chain's running mean and co-moments with its new state.
    ++history_count_;
    const double inv = 1.0 / double(history_count_);
    for (Eigen::Index i = 0; i < m; ++i) {
      const double dx = x_(i, 0) - mean_(i, 0), dy = x_(i, 1) - mean_(i, 1);
      mean_(i, 0) += dx * inv;
      mean_(i, 1) += dy * inv;
      const double ex = x_(i, 0) - mean_(i, 0), ey = x_(i, 1) - mean_(i, 1);
      comoment_(i, 0) += dx * ex;
      comoment_(i, 1) += dx * ey;
      comoment_(i, 2) += dy * ey;
    }
  }
  phase_accepted_ += accepted;
  phase_proposed_ += m;
  last_rate_ = double(accepted) / double(m);
  ++iteration_;
  trace_.iteration = iteration_;
  const std::int64_t freeze = variant_ == Variant::rwmh
                                  ? (int(param("adapt")) == 1 ? std::int64_t(param("warmup")) : 0)
                                  : std::int64_t(param("adapt_until"));
  if (freeze > 0 && iteration_ == freeze) phase_accepted_ = phase_proposed_ = 0;
  trails_.push(x_);
  window_.offer(x_, counters_.cost());
  if (!x_.allFinite()) mark_diverged("chain positions became non-finite");
}

double MetropolisSampler::acceptance() const {
  // Right after the freeze the new phase is empty: report the last iteration's rate.
  return phase_proposed_ ? double(phase_accepted_) / double(phase_proposed_) : last_rate_;
}

void MetropolisSampler::evaluation_samples(int n, Points& out) {
  window_.latest(n, out);
}

std::vector<std::pair<std::string, double>> MetropolisSampler::statistics() const {
  double scale = sigma_;
  if (variant_ == Variant::adaptive) {
    const Eigen::Index m = x_.rows();
    const Eigen::Index stride = std::max<Eigen::Index>(1, m / 64);
    double sum = 0;
    int n = 0;
    for (Eigen::Index i = 0; i < m; i += stride, ++n) {
      const Mat2 c = proposal_covariance(i);
      sum += Eigen::SelfAdjointEigenSolver<Mat2>(c, Eigen::EigenvaluesOnly).eigenvalues()[1];
    }
    scale = std::sqrt(sum / std::max(n, 1));
  }
  return {{"accept_local", acceptance()}, {"step_size", scale}};
}

void MetropolisSampler::fill_overlay(SamplerOverlay& out) const {
  trails_.fill(out.trails);
  out.proposal = trace_;
}

}  // namespace ss
