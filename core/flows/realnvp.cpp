#include "core/flows/realnvp.h"

#include <algorithm>
#include <cmath>
#include <istream>
#include <limits>
#include <numbers>
#include <ostream>
#include <stdexcept>
#include <string>

#include "core/nn/binary_io.h"

namespace ss::flows {

using Eigen::Index;
namespace binary = nn::binary;

namespace {
constexpr double kLog2Pi = 1.8378770664093454836;  // log(2π)
using ColMap = Eigen::Map<Eigen::Matrix<double, 2, Eigen::Dynamic>>;
using ConstColMap = Eigen::Map<const Eigen::Matrix<double, 2, Eigen::Dynamic>>;
}  // namespace

void RealNvpOptions::validate() const {
  if (num_couplings < 1 || num_couplings > 1000)
    throw std::invalid_argument("num_couplings: must be in [1, 1000]");
  for (int w : hidden)
    if (w < 1 || w > 100000) throw std::invalid_argument("hidden: every width must be in [1, 1e5]");
  if (!(scale_bound > 0) || !std::isfinite(scale_bound))
    throw std::invalid_argument("scale_bound: must be finite and > 0");
}

RealNvp::RealNvp(const RealNvpOptions& options, Rng& rng) : options_(options) {
  options_.validate();
  std::vector<int> widths;
  widths.push_back(1);
  for (int w : options_.hidden) widths.push_back(w);
  widths.push_back(2);
  nets_.reserve(options_.num_couplings);
  nn::InitOptions init;
  init.scheme = options_.init;
  init.last_layer_scale = 0.0;  // output layer exactly zero: identity flow at start
  for (int k = 0; k < options_.num_couplings; ++k) {
    nets_.emplace_back(widths, options_.activation);
    nets_.back().initialize(rng, init);
  }
}

Index RealNvp::num_parameters() const {
  Index n = 0;
  for (const auto& net : nets_) n += net.num_parameters();
  return n;
}

void RealNvp::set_whitening(const Vec2& mean, const Vec2& std) {
  if (!mean.allFinite()) throw std::invalid_argument("whitening mean: must be finite");
  if (!std.allFinite() || !(std.minCoeff() > 0))
    throw std::invalid_argument("whitening std: must be finite and > 0");
  mean_ = mean;
  std_ = std;
}

void RealNvp::fit_whitening(ConstRowsRef x) {
  if (x.cols() != 2) throw std::invalid_argument("fit_whitening: x must have 2 columns");
  double count = 0;
  Vec2 sum = Vec2::Zero();
  for (Index i = 0; i < x.rows(); ++i) {
    if (!std::isfinite(x(i, 0)) || !std::isfinite(x(i, 1))) continue;
    sum += Vec2(x(i, 0), x(i, 1));
    count += 1;
  }
  if (count < 2) throw std::invalid_argument("fit_whitening: need at least 2 finite rows");
  const Vec2 mean = sum / count;
  Vec2 ss = Vec2::Zero();
  for (Index i = 0; i < x.rows(); ++i) {
    if (!std::isfinite(x(i, 0)) || !std::isfinite(x(i, 1))) continue;
    const Vec2 d(x(i, 0) - mean(0), x(i, 1) - mean(1));
    ss += d.cwiseProduct(d);
  }
  Vec2 sd = (ss / (count - 1)).cwiseSqrt();
  for (int j = 0; j < 2; ++j)
    if (!(sd(j) > 0) || !std::isfinite(sd(j))) sd(j) = 1.0;
  mean_ = mean;
  std_ = sd;
}

void RealNvp::clear_whitening() {
  mean_.setZero();
  std_.setOnes();
}

void RealNvp::ensure_capacity(Index n) {
  if (n <= capacity_ && !h_.empty()) return;
  const int K = num_couplings();
  h_.resize(K + 1);
  // safe_resize: a failed allocation throws and leaves every array valid (capacity_ unchanged).
  for (auto& h : h_) safe_resize(h, 2 * n);
  s_.resize(K);
  dsh_.resize(K);
  for (int k = 0; k < K; ++k) {
    safe_resize(s_[k], n);
    safe_resize(dsh_[k], n);
  }
  safe_resize(u_, n);
  safe_resize(gout_, 2 * n);
  safe_resize(gh_, 2 * n);
  safe_resize(gu_, n);
  safe_resize(log_det_, n);
  for (auto& net : nets_) net.reserve(n);
  capacity_ = n;
}

// Data → latent for n rows of x; fills h_, s_, dsh_ and log_det_ (Σ_k s, without whitening).
void RealNvp::forward_pass(ConstRowsRef x, Index n) {
  if (nets_.empty()) throw std::logic_error("RealNvp: flow has no couplings");
  if (x.cols() != 2) throw std::invalid_argument("RealNvp: x must have 2 columns");
  ensure_capacity(n);
  batch_ = 0;  // set when the pass is complete (an interrupted pass leaves no cache)
  const double c = options_.scale_bound;
  {
    ColMap h0(h_[0].data(), 2, n);
    for (Index i = 0; i < n; ++i) {
      h0(0, i) = (x(i, 0) - mean_(0)) / std_(0);
      h0(1, i) = (x(i, 1) - mean_(1)) / std_(1);
    }
  }
  Eigen::Map<Vec> log_det(log_det_.data(), n);
  log_det.setZero();
  for (int k = 0; k < num_couplings(); ++k) {
    check_interrupt(interrupt_);
    const int kept = k % 2, other = 1 - kept;
    ConstColMap h(h_[k].data(), 2, n);
    ColMap hn(h_[k + 1].data(), 2, n);
    Eigen::Map<Vec> u(u_.data(), n);
    u = h.row(kept).transpose();
    nn::RowsView st = nets_[k].forward(Eigen::Map<const nn::RowMatrix>(u_.data(), n, 1));
    double* s = s_[k].data();
    double* dsh = dsh_[k].data();
    for (Index i = 0; i < n; ++i) {
      const double th = std::tanh(st(i, 0));
      s[i] = c * th;
      dsh[i] = c * (1.0 - th * th);
      hn(kept, i) = h(kept, i);
      hn(other, i) = (h(other, i) + st(i, 1)) * std::exp(s[i]);
      log_det(i) += s[i];
    }
  }
  batch_ = n;
}

void RealNvp::log_prob(ConstRowsRef x, Eigen::Ref<Vec> log_q) {
  const Index n = x.rows();
  if (log_q.size() != n) throw std::invalid_argument("log_prob: log_q must have x.rows() entries");
  forward_pass(x, n);
  const double whiten = std::log(std_(0)) + std::log(std_(1));
  ConstColMap z(h_[num_couplings()].data(), 2, n);
  for (Index i = 0; i < n; ++i)
    log_q(i) = -0.5 * z.col(i).squaredNorm() - kLog2Pi + log_det_[i] - whiten;
}

void RealNvp::to_latent(ConstRowsRef x, RowsRef z, Eigen::Ref<Vec> log_det) {
  const Index n = x.rows();
  if (z.rows() != n || z.cols() != 2 || log_det.size() != n)
    throw std::invalid_argument("to_latent: z must be N x 2 and log_det of size N");
  forward_pass(x, n);
  const double whiten = std::log(std_(0)) + std::log(std_(1));
  ConstColMap zz(h_[num_couplings()].data(), 2, n);
  for (Index i = 0; i < n; ++i) {
    z(i, 0) = zz(0, i);
    z(i, 1) = zz(1, i);
    log_det(i) = log_det_[i] - whiten;
  }
}

void RealNvp::from_latent(ConstRowsRef z, RowsRef x, Eigen::Ref<Vec> log_det) {
  if (nets_.empty()) throw std::logic_error("RealNvp: flow has no couplings");
  const Index n = z.rows();
  if (z.cols() != 2 || x.rows() != n || x.cols() != 2 || log_det.size() != n)
    throw std::invalid_argument("from_latent: z and x must be N x 2 and log_det of size N");
  ensure_capacity(n);
  batch_ = 0;  // the nets' caches no longer match a log_prob pass
  const double c = options_.scale_bound;
  // Work in gh_ (2 × n) as scratch so that z and x may alias.
  ColMap h(gh_.data(), 2, n);
  for (Index i = 0; i < n; ++i) {
    h(0, i) = z(i, 0);
    h(1, i) = z(i, 1);
  }
  Eigen::Map<Vec> ld(log_det_.data(), n);
  ld.setZero();
  for (int k = num_couplings() - 1; k >= 0; --k) {
    check_interrupt(interrupt_);
    const int kept = k % 2, other = 1 - kept;
    Eigen::Map<Vec> u(u_.data(), n);
    u = h.row(kept).transpose();
    nn::RowsView st = nets_[k].forward(Eigen::Map<const nn::RowMatrix>(u_.data(), n, 1));
    for (Index i = 0; i < n; ++i) {
      const double s = c * std::tanh(st(i, 0));
      h(other, i) = h(other, i) * std::exp(-s) - st(i, 1);
      ld(i) -= s;
    }
  }
  const double whiten = std::log(std_(0)) + std::log(std_(1));
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = std_(0) * h(0, i) + mean_(0);
    x(i, 1) = std_(1) * h(1, i) + mean_(1);
    log_det(i) = ld(i) + whiten;
  }
}

void RealNvp::sample(Index n, Rng& rng, RowsRef out, Eigen::Ref<Vec> log_density) {
  if (n < 0 || out.rows() != n || out.cols() != 2 || log_density.size() != n)
    throw std::invalid_argument("sample: out must be n x 2 and log_density of size n");
  for (Index i = 0; i < n; ++i) {
    out(i, 0) = rng.normal();
    out(i, 1) = rng.normal();
  }
  // log ρ(z) first (out still holds z), then map in place.
  for (Index i = 0; i < n; ++i)
    log_density(i) = -0.5 * (out(i, 0) * out(i, 0) + out(i, 1) * out(i, 1)) - kLog2Pi;
  ensure_capacity(n);
  // from_latent needs a separate log-det buffer; use s_[0] as scratch (overwritten by next pass).
  Eigen::Map<Vec> ld(s_[0].data(), n);
  from_latent(out, out, ld);
  log_density -= ld;
}

double RealNvp::nll_and_gradient(ConstRowsRef x) {
  const Index n = x.rows();
  if (n < 1) throw std::invalid_argument("nll_and_gradient: need at least one row");
  ensure_capacity(n);
  Eigen::Map<Vec> lq(gu_.data(), n);  // gu_ is free until backward_nll()
  log_prob(x, lq);
  double sum = 0;
  for (Index i = 0; i < n; ++i) sum += lq(i);
  backward_nll(nullptr);
  return -sum / static_cast<double>(n);
}

void RealNvp::backward_nll(RowsRef* grad_x) {
  const Index n = batch_;
  if (n < 1) throw std::logic_error("backward_nll: call log_prob() on the batch first");
  if (grad_x && (grad_x->rows() != n || grad_x->cols() != 2))
    throw std::invalid_argument("backward_nll: grad_x must be N x 2");
  const double w = 1.0 / static_cast<double>(n);  // mean loss: every per-row term scaled by 1/N
  ColMap g(gh_.data(), 2, n);
  g = w * ConstColMap(h_[num_couplings()].data(), 2, n);  // ∂ℓ/∂z = z
  Eigen::Map<nn::RowMatrix> gout(gout_.data(), n, 2);
  Eigen::Map<nn::RowMatrix> gu(gu_.data(), n, 1);
  for (int k = num_couplings() - 1; k >= 0; --k) {
    check_interrupt(interrupt_);
    const int kept = k % 2, other = 1 - kept;
    ConstColMap hn(h_[k + 1].data(), 2, n);
    const double* s = s_[k].data();
    const double* dsh = dsh_[k].data();
    for (Index i = 0; i < n; ++i) {
      const double es = std::exp(s[i]);
      const double gp = g(other, i);
      const double gv = gp * es;                // ∂ℓ/∂v = ∂ℓ/∂t = g' e^s
      const double gs = gp * hn(other, i) - w;  // ∂ℓ/∂s = g' v' − 1 (scaled)
      gout(i, 0) = gs * dsh[i];                 // ∂ℓ/∂ŝ
      gout(i, 1) = gv;
      g(other, i) = gv;
    }
    nets_[k].backward(gout, gu, nn::GradMode::kOverwrite);
    for (Index i = 0; i < n; ++i) g(kept, i) += gu(i, 0);
  }
  if (grad_x) {
    RowsRef& gx = *grad_x;
    for (Index i = 0; i < n; ++i) {
      gx(i, 0) = g(0, i) / (w * std_(0));
      gx(i, 1) = g(1, i) / (w * std_(1));
    }
  }
}

void RealNvp::log_prob_gradient(ConstRowsRef x, Eigen::Ref<Vec> log_q, RowsRef grad_log_q) {
  log_prob(x, log_q);
  backward_nll(&grad_log_q);
  grad_log_q *= -1.0;
}

std::span<const nn::ParameterSpan> RealNvp::parameters() {
  spans_.clear();
  for (auto& net : nets_) spans_.push_back(net.parameter_span());
  return spans_;
}

void RealNvp::zero_gradients() {
  for (auto& net : nets_) net.zero_gradients();
}

void RealNvp::save(std::ostream& out) const {
  binary::write_magic(out, "SSRNVP01");
  binary::write<std::int32_t>(out, options_.num_couplings);
  binary::write<std::int32_t>(out, static_cast<std::int32_t>(options_.hidden.size()));
  for (int w : options_.hidden) binary::write<std::int32_t>(out, w);
  binary::write<std::int32_t>(out, static_cast<std::int32_t>(options_.activation));
  binary::write<double>(out, options_.scale_bound);
  binary::write<std::int32_t>(out, static_cast<std::int32_t>(options_.init));
  binary::write<double>(out, mean_(0));
  binary::write<double>(out, mean_(1));
  binary::write<double>(out, std_(0));
  binary::write<double>(out, std_(1));
  binary::write_magic(out, "SSPRM001");
  binary::write<std::int64_t>(out, num_parameters());
  for (const auto& net : nets_) {
    auto p = net.parameters();
    binary::write_doubles(out, p.data(), p.size());
  }
}

RealNvp RealNvp::load(std::istream& in) {
  binary::expect_magic(in, "SSRNVP01");
  RealNvpOptions o;
  o.num_couplings = binary::read<std::int32_t>(in, "RealNvp num_couplings");
  const auto nh = binary::read<std::int32_t>(in, "RealNvp hidden count");
  if (nh < 0 || nh > 100) throw std::runtime_error("RealNvp::load: bad hidden layer count");
  o.hidden.resize(nh);
  for (auto& w : o.hidden) w = binary::read<std::int32_t>(in, "RealNvp hidden widths");
  const auto act = binary::read<std::int32_t>(in, "RealNvp activation");
  if (act < 0 || act > static_cast<int>(nn::Activation::kSoftplus))
    throw std::runtime_error("RealNvp::load: bad activation code");
  o.activation = static_cast<nn::Activation>(act);
  o.scale_bound = binary::read<double>(in, "RealNvp scale_bound");
  const auto init = binary::read<std::int32_t>(in, "RealNvp init");
  if (init < 0 || init > static_cast<int>(nn::Init::kGlorotUniform))
    throw std::runtime_error("RealNvp::load: bad init code");
  o.init = static_cast<nn::Init>(init);
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("RealNvp::load: ") + e.what());
  }
  Vec2 mean, sd;
  mean(0) = binary::read<double>(in, "RealNvp whitening mean");
  mean(1) = binary::read<double>(in, "RealNvp whitening mean");
  sd(0) = binary::read<double>(in, "RealNvp whitening std");
  sd(1) = binary::read<double>(in, "RealNvp whitening std");
  Rng rng(0);
  RealNvp flow(o, rng);
  try {
    flow.set_whitening(mean, sd);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("RealNvp::load: ") + e.what());
  }
  nn::load_parameters(in, flow.parameters());
  return flow;
}

void FlowTrainOptions::validate() const {
  if (epochs < 0) throw std::invalid_argument("epochs: must be >= 0");
  if (batch_size < 1) throw std::invalid_argument("batch_size: must be >= 1");
  if (!(max_grad_norm > 0)) throw std::invalid_argument("max_grad_norm: must be > 0");
  adam.validate();
}

RealNvpTrainer::RealNvpTrainer(RealNvp& flow, const FlowTrainOptions& options)
    : flow_(&flow), options_(options) {
  options_.validate();
  adam_ = nn::Adam(flow.num_parameters(), options_.adam);
}

FlowTrainReport RealNvpTrainer::train(ConstRowsRef data, Rng& rng) {
  FlowTrainReport report;
  train(data, rng, report);
  return report;
}

void RealNvpTrainer::train(ConstRowsRef data, Rng& rng, FlowTrainReport& report) {
  if (data.cols() != 2) throw std::invalid_argument("train: data must have 2 columns");
  const Index n = data.rows();
  if (n < 1) throw std::invalid_argument("train: data must have at least one row");
  if (!data.allFinite()) throw std::invalid_argument("train: data must be finite");
  if (options_.fit_whitening && n >= 2) flow_->fit_whitening(data);
  report.epoch_loss.clear();
  report.best_epoch = -1;
  report.last_grad_norm = 0;
  report.skipped_steps = 0;
  const Index batch = std::min<Index>(options_.batch_size, n);
  const Index num_batches = std::max<Index>(1, n / batch);
  batch_.resize(batch, 2);
  order_.resize(n);
  for (Index i = 0; i < n; ++i) order_[i] = i;
  double best = std::numeric_limits<double>::infinity();
  for (int epoch = 0; epoch < options_.epochs; ++epoch) {
    for (Index i = n - 1; i > 0; --i)
      std::swap(order_[i], order_[rng.index(static_cast<std::uint64_t>(i + 1))]);
    double loss = 0;
    for (Index b = 0; b < num_batches; ++b) {
      check_interrupt(interrupt_);
      for (Index r = 0; r < batch; ++r) batch_.row(r) = data.row(order_[b * batch + r]);
      loss = flow_->nll_and_gradient(batch_);
      // A non-finite loss skips the step too (its gradient is clipped, as before, and dropped).
      const double norm =
          std::isfinite(loss)
              ? nn::clip_and_step(adam_, flow_->parameters(), options_.max_grad_norm)
              : nn::clip_global_norm(flow_->parameters(), options_.max_grad_norm);
      report.last_grad_norm = norm;
      if (!std::isfinite(norm) || !std::isfinite(loss)) ++report.skipped_steps;
    }
    report.epoch_loss.push_back(loss);
    if (options_.keep_best && loss < best) {
      best = loss;
      report.best_epoch = epoch;
      best_params_.resize(flow_->num_parameters());
      Index off = 0;
      for (const auto& s : flow_->parameters()) {
        best_params_.segment(off, s.size) = s.value_map();
        off += s.size;
      }
    }
  }
  if (options_.keep_best && report.best_epoch >= 0) {
    Index off = 0;
    for (const auto& s : flow_->parameters()) {
      s.value_map() = best_params_.segment(off, s.size);
      off += s.size;
    }
  } else if (!report.epoch_loss.empty()) {
    report.best_epoch = static_cast<int>(report.epoch_loss.size()) - 1;
  }
}

}  // namespace ss::flows
