#include "core/samplers/hamiltonian.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ss {

const char* const kHmcAbout =
    "Hamiltonian Monte Carlo gives each chain a random momentum and lets it glide along the "
    "density like a frictionless puck, simulated with a fixed number of leapfrog steps (step "
    "size × steps = path length), then accepts the end point with a Metropolis test on the "
    "change of energy. Long, curved moves make it far better than a random walk on ridges such "
    "as the banana, at one gradient per leapfrog step. It cannot cross low-density barriers: "
    "started in one mode of a mixture it stays there. A too-large step shows up as divergences "
    "(the energy error explodes), typically in the funnel's neck. During warm-up the step size "
    "is tuned by dual averaging toward a target acceptance and then frozen.";

const char* const kNutsAbout =
    "The No-U-Turn sampler is HMC that chooses its own path length: each chain doubles its "
    "trajectory forward or backward in time until it starts to turn back on itself (the "
    "generalized U-turn criterion), then picks a point along the whole trajectory with "
    "probability proportional to its density (multinomial sampling), exactly as Stan does. "
    "Tree depth and the acceptance statistic show how hard it works; transitions whose energy "
    "error explodes are flagged as divergent, the classic warning that the sampler cannot "
    "resolve a region (the funnel's neck). Like HMC it does not jump between separated modes.";

namespace {

double log_sum_exp(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

// Counter-based uniform stream: draw k of stream `key` is SplitMix64(key, k). Cheap to create per
// chain and iteration, independent of the thread that runs the chain.
struct StreamRng {
  std::uint64_t key = 0, counter = 0;
  double uniform() { return double(derive_seed(key, counter++) >> 11) * 0x1.0p-53; }
};

bool no_uturn(const Vec2& p_sharp_minus, const Vec2& p_sharp_plus, const Vec2& rho) {
  return p_sharp_plus.dot(rho) > 0 && p_sharp_minus.dot(rho) > 0;
}

// One NUTS transition of one chain (Stan's base_nuts, described in the header).
struct NutsTree {
  const Target& target;
  Vec2 v;
  double eps = 0, h0 = 0, max_error = 0;
  bool extra_checks = true;
  StreamRng rng;
  int n_leapfrog = 0;
  double sum_metro = 0;
  bool divergent = false;
  // Slow-motion trace of the followed chain (null otherwise).
  ProposalTrace* trace = nullptr;
  int* trace_rows = nullptr;
  int doubling = 0;
  signed char side = 1;

  bool build(int depth, PhasePoint& z, PhasePoint& z_propose, Vec2& p_sharp_beg, Vec2& p_sharp_end,
             Vec2& rho, Vec2& p_beg, Vec2& p_end, double& log_sum_weight) {
    if (depth == 0) {
      leapfrog(target, z, side * eps, v);
      ++n_leapfrog;
      double h = hamiltonian(z, v);
      if (std::isnan(h)) h = kInf;
      if (h - h0 > max_error) divergent = true;
      log_sum_weight = log_sum_exp(log_sum_weight, h0 - h);
      sum_metro += h0 - h > 0 ? 1.0 : std::exp(h0 - h);
      z_propose = z;
      p_sharp_beg = v.cwiseProduct(z.p);
      p_sharp_end = p_sharp_beg;
      rho += z.p;
      p_beg = z.p;
      p_end = p_beg;
      if (trace && *trace_rows < trace->path.rows()) {
        trace->path.row(*trace_rows) = z.x.transpose();
        trace->side[*trace_rows] = side;
        trace->doubling[*trace_rows] = doubling;
        ++*trace_rows;
      }
      return !divergent;
    }
    // The first half of the subtree.
    double lsw_init = -kInf;
    Vec2 p_init_end, p_sharp_init_end, rho_init = Vec2::Zero();
    if (!build(depth - 1, z, z_propose, p_sharp_beg, p_sharp_init_end, rho_init, p_beg, p_init_end,
               lsw_init))
      return false;
    // The second half.
    PhasePoint z_propose_final = z;
    double lsw_final = -kInf;
    Vec2 p_final_beg, p_sharp_final_beg, rho_final = Vec2::Zero();
    if (!build(depth - 1, z, z_propose_final, p_sharp_final_beg, p_sharp_end, rho_final,
               p_final_beg, p_end, lsw_final))
      return false;
    // Multinomial choice between the halves (uniform progressive sampling).
    const double lsw_subtree = log_sum_exp(lsw_init, lsw_final);
    log_sum_weight = log_sum_exp(log_sum_weight, lsw_subtree);
    if (lsw_final > lsw_subtree || rng.uniform() < std::exp(lsw_final - lsw_subtree))
      z_propose = z_propose_final;
    const Vec2 rho_subtree = rho_init + rho_final;
    rho += rho_subtree;
    bool persist = no_uturn(p_sharp_beg, p_sharp_end, rho_subtree);
    if (extra_checks) {
      persist = persist && no_uturn(p_sharp_beg, p_sharp_final_beg, rho_init + p_final_beg);
      persist = persist && no_uturn(p_sharp_init_end, p_sharp_end, rho_final + p_init_end);
    }
    return persist;
  }
};

void add_common(ParamTable& t, bool nuts) {
  t.push_back({"chains", 500, 1, 100000, "number of parallel chains m", true, {}, false, true});
  ParamDef eps{"step_size", nuts ? 0.25 : 0.2, 1e-4, 10,
               "ε: leapfrog step (the initial ε when adapting)"};
  eps.log_scale = true;
  t.push_back(eps);
  ParamDef adapt{"adapt", 1, 0, 1, "tune ε by dual averaging during warm-up, then freeze"};
  adapt.choices = {"off", "on"};
  adapt.needs_reset = true;
  t.push_back(adapt);
  t.push_back({"target_accept", 0.8, 0.05, 0.99,
               "δ: acceptance statistic the dual averaging aims at (Stan: 0.8)"});
  ParamDef warm{"warmup", 300, 0, 1e7, "iterations of adaptation before ε (and v) are frozen",
                true};
  warm.needs_reset = true;
  t.push_back(warm);
  ParamDef metric{"metric", 1.0, 0, 1,
                  "inverse metric v: identity, or diagonal estimated from the chains during "
                  "warm-up (15 %–90 % of it)"};
  metric.choices = {"identity", "diagonal"};
  metric.needs_reset = true;
  t.push_back(metric);
  ParamDef err{"max_energy_error", 1000, 1, 1e6,
               "a transition whose energy error H − H0 exceeds this is divergent (Stan: 1000)"};
  err.log_scale = true;
  t.push_back(err);
  t.push_back(
      {"trail_chains", 8, 0, 64, "chains whose recent path is drawn", true, {}, false, true});
  t.push_back(
      {"trail_length", 50, 2, 5000, "positions kept per drawn path", true, {}, false, true});
  append_follow_param(t);
  append_window_params(t, 2, 40);
  append_init_params(t, InitKind::box, 0.0, 0.0);
}

}  // namespace

void evaluate_point(const Target& target, PhasePoint& z) {
  const Jet j = target.jet_at(z.x.x(), z.x.y());
  z.logp = j.v;
  z.grad = Vec2(j.gx, j.gy);
}

void leapfrog(const Target& target, PhasePoint& z, double eps, const Vec2& v) {
  z.p += (0.5 * eps) * z.grad;
  z.x += eps * v.cwiseProduct(z.p);
  evaluate_point(target, z);
  z.p += (0.5 * eps) * z.grad;
}

double hamiltonian(const PhasePoint& z, const Vec2& v) {
  if (!std::isfinite(z.logp)) return kInf;
  return -z.logp + 0.5 * (v.x() * z.p.x() * z.p.x() + v.y() * z.p.y() * z.p.y());
}

void DualAveraging::restart(double eps0) {
  mu_ = std::log(10 * eps0);
  h_bar_ = 0;
  log_eps_bar_ = 0;
  t_ = 0;
}

double DualAveraging::update(double accept_stat, double delta) {
  constexpr double gamma = 0.05, t0 = 10, kappa = 0.75;
  ++t_;
  const double a = std::isfinite(accept_stat) ? std::min(1.0, accept_stat) : 0.0;
  const double eta = 1.0 / (double(t_) + t0);
  h_bar_ = (1 - eta) * h_bar_ + eta * (delta - a);
  const double log_eps = mu_ - h_bar_ * std::sqrt(double(t_)) / gamma;
  const double w = std::pow(double(t_), -kappa);
  log_eps_bar_ = w * log_eps + (1 - w) * log_eps_bar_;
  return std::exp(log_eps);
}

const ParamTable& HamiltonianSampler::hmc_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t, false);
    ParamDef len{"path_length", 2.0, 1e-3, 1000,
                 "λ: integration time; L = round(λ/ε) leapfrog steps per transition"};
    len.log_scale = true;
    t.push_back(len);
    t.push_back({"max_leapfrog", 1000, 1, 4096, "cap on L (a tiny ε cannot stall the run)", true});
    return t;
  }();
  return t;
}

const ParamTable& HamiltonianSampler::nuts_table() {
  static const ParamTable t = [] {
    ParamTable t;
    add_common(t, true);
    t.push_back({"max_depth", 10, 1, kMaxDepthLimit,
                 "maximum tree depth: at most 2^depth leapfrog steps per transition", true});
    ParamDef uturn{"uturn", 0, 0, 1,
                   "U-turn checks: stan (also across each merge of two subtrees, as Stan does) "
                   "or merged_only (the merged trajectory only, the earlier criterion)"};
    uturn.choices = {"stan", "merged_only"};
    t.push_back(uturn);
    return t;
  }();
  return t;
}

HamiltonianSampler::HamiltonianSampler(std::shared_ptr<const Target> target, Variant variant)
    : Sampler(std::move(target)), variant_(variant) {
  params_ = default_params(param_table());
}

void HamiltonianSampler::refresh_cache() {
  target_->evaluate(states_.x, &states_.logp, &states_.grad, nullptr);
  counters_.log_density += std::uint64_t(states_.x.rows());
  counters_.score += std::uint64_t(states_.x.rows());
}

void HamiltonianSampler::reset(std::uint64_t seed) {
  clear_progress();
  rng_.seed(derive_seed(seed, variant_ == Variant::hmc ? 0x484d43 : 0x4e555453));
  const Eigen::Index m = Eigen::Index(param("chains"));
  states_.x.resize(m, 2);
  draw_initial_points(*target_, init_spec_from(params_), rng_, states_.x);
  refresh_cache();
  momenta_.resize(m, 2);
  start_.resize(m, 2);
  uniforms_.resize(m);
  energy_error_.setZero(m);
  accept_stat_.setZero(m);
  depth_.assign(m, 0);
  n_leapfrog_.assign(m, 0);
  divergent_.assign(m, 0);
  moved_.assign(m, 0);
  inv_metric_ = Vec2::Ones();
  eps_ = param("step_size");
  warmup_ = int(param("adapt")) == 1 ? std::int64_t(param("warmup")) : 0;
  const bool diag = int(param("metric")) == 1 && warmup_ >= 20;
  metric_begin_ = diag ? std::int64_t(0.15 * double(warmup_)) : 0;
  metric_end_ = diag ? std::int64_t(0.9 * double(warmup_)) : 0;
  dual_.restart(eps_);
  welford_n_ = 0;
  welford_mean_.setZero();
  welford_m2_.setZero();
  phase_ = warmup_sums_ = {};
  trails_.configure(int(param("trail_chains")), int(param("trail_length")));
  trails_.push(states_.x);
  configure_window(window_, params_, m);
  window_.record(states_.x, counters_.cost());
  trace_ = {};
  const int capacity = std::max(4096, 1 << kMaxDepthLimit);
  trace_.path.resize(capacity, 2);
  trace_.side.assign(capacity, 0);
  trace_.doubling.assign(capacity, 0);
  trace_rows_ = 0;
  divergence_ring_.resize(kDivergenceRing, 2);
  divergence_count_ = divergence_head_ = 0;
  if (!states_.grad.allFinite()) mark_diverged("score ∇log p is non-finite at an initial state");
}

void HamiltonianSampler::set_target(std::shared_ptr<const Target> target) {
  Sampler::set_target(std::move(target));
  refresh_cache();
}

int HamiltonianSampler::hmc_steps() const {
  const double l = std::round(param("path_length") / eps_);
  return int(std::clamp(std::isfinite(l) ? l : 1.0, 1.0, param("max_leapfrog")));
}

void HamiltonianSampler::hmc_chain(Eigen::Index c, double eps, int steps, bool follow) {
  PhasePoint z;
  z.x = states_.x.row(c).transpose();
  z.grad = states_.grad.row(c).transpose();
  z.logp = states_.logp[c];
  z.p = momenta_.row(c).transpose();
  const double h0 = hamiltonian(z, inv_metric_);
  int done = 0;
  for (int l = 0; l < steps; ++l) {
    leapfrog(*target_, z, eps, inv_metric_);
    ++done;
    if (follow && l < trace_.path.rows()) {
      trace_.path.row(l) = z.x.transpose();
      trace_rows_ = l + 1;
    }
    if (!std::isfinite(z.logp) || !z.grad.allFinite() || !z.x.allFinite()) break;
  }
  double dh = hamiltonian(z, inv_metric_) - h0;
  if (std::isnan(dh) || done < steps) dh = kInf;
  energy_error_[c] = dh;
  accept_stat_[c] = dh <= 0 ? 1.0 : std::exp(-dh);
  n_leapfrog_[c] = done;
  depth_[c] = 0;
  divergent_[c] = dh > param("max_energy_error");
  const bool ok = std::log(uniforms_[c]) < -dh;
  moved_[c] = ok;
  if (ok) {
    states_.x.row(c) = z.x.transpose();
    states_.grad.row(c) = z.grad.transpose();
    states_.logp[c] = z.logp;
  }
}

void HamiltonianSampler::nuts_chain(Eigen::Index c, double eps, std::uint64_t key, bool follow) {
  PhasePoint z0;
  z0.x = states_.x.row(c).transpose();
  z0.grad = states_.grad.row(c).transpose();
  z0.logp = states_.logp[c];
  z0.p = momenta_.row(c).transpose();
  const Vec2& v = inv_metric_;
  NutsTree tree{*target_, v};
  tree.eps = eps;
  tree.h0 = hamiltonian(z0, v);
  tree.max_error = param("max_energy_error");
  tree.extra_checks = int(param("uturn")) == 0;
  tree.rng.key = derive_seed(key, std::uint64_t(c));
  if (follow) {
    tree.trace = &trace_;
    tree.trace_rows = &trace_rows_;
    trace_rows_ = 0;
  }
  PhasePoint z_fwd = z0, z_bck = z0, z_sample = z0, z_propose = z0;
  Vec2 p_fwd_fwd = z0.p, p_sharp_fwd_fwd = v.cwiseProduct(z0.p);
  Vec2 p_fwd_bck = z0.p, p_sharp_fwd_bck = p_sharp_fwd_fwd;
  Vec2 p_bck_fwd = z0.p, p_sharp_bck_fwd = p_sharp_fwd_fwd;
  Vec2 p_bck_bck = z0.p, p_sharp_bck_bck = p_sharp_fwd_fwd;
  Vec2 rho = z0.p;
  double log_sum_weight = 0;  // the initial point has weight exp(0)
  const int max_depth = int(param("max_depth"));
  int depth = 0;
  while (depth < max_depth) {
    Vec2 rho_fwd = Vec2::Zero(), rho_bck = Vec2::Zero();
    double lsw_subtree = -kInf;
    bool valid;
    tree.doubling = depth;
    if (tree.rng.uniform() > 0.5) {
      // The whole trajectory so far becomes the backward part; its forward end is the old one.
      rho_bck = rho;
      p_bck_fwd = p_fwd_fwd;
      p_sharp_bck_fwd = p_sharp_fwd_fwd;
      tree.side = 1;
      valid = tree.build(depth, z_fwd, z_propose, p_sharp_fwd_bck, p_sharp_fwd_fwd, rho_fwd,
                         p_fwd_bck, p_fwd_fwd, lsw_subtree);
    } else {
      rho_fwd = rho;
      p_fwd_bck = p_bck_bck;
      p_sharp_fwd_bck = p_sharp_bck_bck;
      tree.side = -1;
      valid = tree.build(depth, z_bck, z_propose, p_sharp_bck_fwd, p_sharp_bck_bck, rho_bck,
                         p_bck_fwd, p_bck_bck, lsw_subtree);
    }
    if (!valid) break;
    ++depth;
    // Biased progressive sampling toward the new subtree.
    if (lsw_subtree > log_sum_weight || tree.rng.uniform() < std::exp(lsw_subtree - log_sum_weight))
      z_sample = z_propose;
    log_sum_weight = log_sum_exp(log_sum_weight, lsw_subtree);
    rho = rho_bck + rho_fwd;
    bool persist = no_uturn(p_sharp_bck_bck, p_sharp_fwd_fwd, rho);
    if (tree.extra_checks) {
      persist = persist && no_uturn(p_sharp_bck_bck, p_sharp_fwd_bck, rho_bck + p_fwd_bck);
      persist = persist && no_uturn(p_sharp_bck_fwd, p_sharp_fwd_fwd, rho_fwd + p_bck_fwd);
    }
    if (!persist) break;
  }
  n_leapfrog_[c] = tree.n_leapfrog;
  depth_[c] = depth;
  divergent_[c] = tree.divergent;
  accept_stat_[c] = tree.n_leapfrog > 0 ? tree.sum_metro / tree.n_leapfrog : 0.0;
  energy_error_[c] = hamiltonian(z_sample, v) - tree.h0;
  moved_[c] = z_sample.x != z0.x;
  states_.x.row(c) = z_sample.x.transpose();
  states_.grad.row(c) = z_sample.grad.transpose();
  states_.logp[c] = z_sample.logp;
}

void HamiltonianSampler::adapt_after(double mean_accept) {
  const std::int64_t t = iteration_;  // index of the iteration just made
  if (t >= warmup_) return;
  eps_ = std::clamp(dual_.update(mean_accept, param("target_accept")), 1e-8, 1e3);
  if (t >= metric_begin_ && t < metric_end_) {
    const Eigen::Index m = states_.x.rows();
    for (Eigen::Index i = 0; i < m; ++i) {
      const Vec2 x = states_.x.row(i).transpose();
      welford_n_ += 1;
      const Vec2 d = x - welford_mean_;
      welford_mean_ += d / welford_n_;
      welford_m2_ += d.cwiseProduct(x - welford_mean_);
    }
    if (t + 1 == metric_end_ && welford_n_ > 1) {
      const double n = welford_n_;
      const Vec2 var = welford_m2_ / (n - 1);
      Vec2 v = (n / (n + 5)) * var + Vec2::Constant(1e-3 * 5 / (n + 5));
      if (v.allFinite() && (v.array() > 0).all()) inv_metric_ = v;
      dual_.restart(eps_);
    }
  }
  if (t + 1 == warmup_) {
    eps_ = dual_.final_step_size();
    warmup_sums_ = phase_;
    phase_ = {};
  }
}

void HamiltonianSampler::step() {
  const Eigen::Index m = states_.x.rows();
  if (int(param("adapt")) == 0) eps_ = param("step_size");
  const Vec2 sqrt_mass = inv_metric_.cwiseSqrt().cwiseInverse();
  for (Eigen::Index i = 0; i < m; ++i) {
    const double a = rng_.normal(), b = rng_.normal();
    momenta_(i, 0) = a * sqrt_mass.x(), momenta_(i, 1) = b * sqrt_mass.y();
  }
  const std::uint64_t key = rng_.next_u64();
  const bool hmc = variant_ == Variant::hmc;
  if (hmc)
    for (Eigen::Index i = 0; i < m; ++i) uniforms_[i] = rng_.uniform();
  start_ = states_.x;  // same shape: no allocation
  const int follow = followed_chain(params_, m);
  trace_.chain = follow;
  trace_.start = states_.x.row(follow).transpose();
  trace_rows_ = 0;
  const double eps = eps_;
  const int steps = hmc ? hmc_steps() : 0;
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, m, 8),
                    [&](const tbb::blocked_range<Eigen::Index>& r) {
                      for (Eigen::Index c = r.begin(); c != r.end(); ++c) {
                        if (hmc)
                          hmc_chain(c, eps, steps, c == follow);
                        else
                          nuts_chain(c, eps, key, c == follow);
                      }
                    });
  // Serial bookkeeping in chain order (deterministic).
  std::uint64_t leapfrogs = 0;
  double sum_accept = 0;
  for (Eigen::Index c = 0; c < m; ++c) {
    leapfrogs += std::uint64_t(n_leapfrog_[c]);
    sum_accept += accept_stat_[c];
    phase_.leapfrog += n_leapfrog_[c];
    phase_.depth += depth_[c];
    phase_.accepted += moved_[c];
    phase_.max_depth_hits += !hmc && depth_[c] >= int(param("max_depth"));
    if (divergent_[c]) {
      ++phase_.divergences;
      // Marked where the divergent trajectory started (the chain's state before the step).
      divergence_ring_.row(divergence_head_) = start_.row(c);
      divergence_head_ = (divergence_head_ + 1) % kDivergenceRing;
      ++divergence_count_;
    }
  }
  phase_.accept_stat += sum_accept;
  phase_.transitions += m;
  counters_.score += leapfrogs;
  counters_.log_density += leapfrogs;
  trace_.iteration = iteration_ + 1;
  trace_.end = states_.x.row(follow).transpose();
  trace_.accepted = moved_[follow];
  trace_.accept_prob = accept_stat_[follow];
  trace_.divergent = divergent_[follow];
  adapt_after(m > 0 ? sum_accept / double(m) : 0.0);
  ++iteration_;
  trails_.push(states_.x);
  window_.offer(states_.x, counters_.cost());
  if (!states_.x.allFinite()) mark_diverged("chain positions became non-finite");
}

void HamiltonianSampler::evaluation_samples(int n, Points& out) {
  window_.latest(n, out);
}

std::vector<std::pair<std::string, double>> HamiltonianSampler::statistics() const {
  const PhaseSums& p =
      phase_.transitions == 0 && warmup_sums_.transitions > 0 ? warmup_sums_ : phase_;
  const double n = std::max<double>(1, double(p.transitions));
  std::vector<std::pair<std::string, double>> s = {{"accept_stat", p.accept_stat / n},
                                                   {"step_size", eps_},
                                                   {"n_leapfrog", p.leapfrog / n},
                                                   {"divergences", double(p.divergences)}};
  if (variant_ == Variant::hmc) {
    s.emplace_back("accept_local", double(p.accepted) / n);
  } else {
    s.emplace_back("tree_depth", p.depth / n);
    s.emplace_back("max_depth_hits", double(p.max_depth_hits) / n);
  }
  return s;
}

void HamiltonianSampler::fill_overlay(SamplerOverlay& out) const {
  trails_.fill(out.trails);
  out.proposal = trace_;
  out.proposal.path.conservativeResize(trace_rows_, 2);
  out.proposal.side.resize(variant_ == Variant::nuts ? trace_rows_ : 0);
  out.proposal.doubling.resize(variant_ == Variant::nuts ? trace_rows_ : 0);
  const int n = std::min(divergence_count_, kDivergenceRing);
  out.divergences.resize(n, 2);
  for (int k = 0; k < n; ++k)
    out.divergences.row(k) =
        divergence_ring_.row((divergence_head_ - n + k + kDivergenceRing) % kDivergenceRing);
}

}  // namespace ss
