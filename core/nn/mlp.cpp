#include "core/nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>

#include "core/nn/binary_io.h"
#include "core/nn/optim.h"

namespace ss::nn {

using Eigen::Index;
using MatMap = Eigen::Map<Eigen::MatrixXd>;
using ConstMatMap = Eigen::Map<const Eigen::MatrixXd>;
using ArrMap = Eigen::Map<Eigen::ArrayXd>;

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kSiLU:
      return "silu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kReLU:
      return "relu";
    case Activation::kLeakyReLU:
      return "leaky_relu";
    case Activation::kSoftplus:
      return "softplus";
  }
  return "unknown";
}

Activation activation_from_name(std::string_view name) {
  for (Activation a : {Activation::kSiLU, Activation::kTanh, Activation::kReLU,
                       Activation::kLeakyReLU, Activation::kSoftplus})
    if (name == activation_name(a)) return a;
  throw std::invalid_argument("activation: unknown name '" + std::string(name) +
                              "' (expected silu, tanh, relu, leaky_relu or softplus)");
}

Mlp::Mlp(std::vector<int> widths, Activation activation, double leaky_slope)
    : widths_(std::move(widths)), activation_(activation), leaky_slope_(leaky_slope) {
  if (widths_.size() < 2)
    throw std::invalid_argument("widths: need at least input and output width");
  for (int w : widths_)
    if (w < 1) throw std::invalid_argument("widths: every width must be >= 1");
  if (!std::isfinite(leaky_slope_)) throw std::invalid_argument("leaky_slope: must be finite");
  Index offset = 0;
  offsets_.resize(widths_.size() - 1);
  for (size_t l = 0; l + 1 < widths_.size(); ++l) {
    offsets_[l].weight = offset;
    offset += Index(widths_[l + 1]) * widths_[l];
    offsets_[l].bias = offset;
    offset += widths_[l + 1];
  }
  params_ = Vec::Zero(offset);
  grads_ = Vec::Zero(offset);
}

void Mlp::initialize(Rng& rng, const InitOptions& options) {
  for (int l = 0; l < num_layers(); ++l) {
    const double fan_in = widths_[l], fan_out = widths_[l + 1];
    double stddev = 0, bound = 0;
    bool normal = true;
    switch (options.scheme) {
      case Init::kHeNormal:
        stddev = std::sqrt(2.0 / fan_in);
        break;
      case Init::kHeUniform:
        bound = std::sqrt(6.0 / fan_in);
        normal = false;
        break;
      case Init::kGlorotNormal:
        stddev = std::sqrt(2.0 / (fan_in + fan_out));
        break;
      case Init::kGlorotUniform:
        bound = std::sqrt(6.0 / (fan_in + fan_out));
        normal = false;
        break;
    }
    const double scale = (l + 1 == num_layers()) ? options.last_layer_scale : 1.0;
    auto w = weight(l);
    for (Index j = 0; j < w.cols(); ++j)
      for (Index i = 0; i < w.rows(); ++i)
        w(i, j) = scale * (normal ? stddev * rng.normal() : rng.uniform(-bound, bound));
    bias(l).setConstant(options.bias);
  }
}

Eigen::Map<Eigen::MatrixXd> Mlp::weight(int l) {
  return {params_.data() + offsets_[l].weight, widths_[l + 1], widths_[l]};
}
Eigen::Map<const Eigen::MatrixXd> Mlp::weight(int l) const {
  return {params_.data() + offsets_[l].weight, widths_[l + 1], widths_[l]};
}
Eigen::Map<Vec> Mlp::bias(int l) {
  return {params_.data() + offsets_[l].bias, widths_[l + 1]};
}
Eigen::Map<const Vec> Mlp::bias(int l) const {
  return {params_.data() + offsets_[l].bias, widths_[l + 1]};
}
Eigen::Map<Eigen::MatrixXd> Mlp::weight_gradient(int l) {
  return {grads_.data() + offsets_[l].weight, widths_[l + 1], widths_[l]};
}
Eigen::Map<Vec> Mlp::bias_gradient(int l) {
  return {grads_.data() + offsets_[l].bias, widths_[l + 1]};
}

void Mlp::reserve(Index n) {
  if (n <= capacity_) return;
  if (widths_.empty()) throw std::logic_error("Mlp: network has no layers");
  const int L = num_layers();
  const int max_width = *std::max_element(widths_.begin(), widths_.end());
  act_.resize(L + 1);
  dact_.resize(L);
  for (int l = 0; l <= L; ++l) act_[l].resize(Index(widths_[l]) * n);
  for (int l = 1; l < L; ++l) dact_[l].resize(Index(widths_[l]) * n);
  delta_a_.resize(Index(max_width) * n);
  delta_b_.resize(Index(max_width) * n);
  grad_in_.resize(Index(input_dim()) * n);
  tangent_a_.resize(Index(max_width) * n);
  tangent_b_.resize(Index(max_width) * n);
  capacity_ = n;
}

namespace {

// a = φ(z) in place over `count` entries of z, and d = φ'(z).
void apply_activation(Activation act, double slope, double* z, double* d, Index count) {
  ArrMap zz(z, count), dd(d, count);
  switch (act) {
    case Activation::kSiLU:
      dd = (1.0 + (-zz).exp()).inverse();  // σ(z)
      zz = zz * dd;                        // a = z σ
      dd = dd + zz * (1.0 - dd);           // σ + zσ(1 − σ)
      break;
    case Activation::kTanh:
      zz = zz.tanh();
      dd = 1.0 - zz.square();
      break;
    case Activation::kReLU:
      dd = (zz > 0.0).cast<double>();
      zz = zz * dd;
      break;
    case Activation::kLeakyReLU:
      dd = (zz > 0.0).select(Eigen::ArrayXd::Constant(count, 1.0),
                             Eigen::ArrayXd::Constant(count, slope));
      zz = zz * dd;
      break;
    case Activation::kSoftplus:
      dd = (1.0 + (-zz).exp()).inverse();            // σ(z)
      zz = zz.max(0.0) + (-zz.abs()).exp().log1p();  // log(1 + e^z), no overflow
      break;
  }
}

}  // namespace

RowsView Mlp::forward(ConstRowsRef x) {
  if (widths_.empty()) throw std::logic_error("Mlp::forward: network has no layers");
  if (x.cols() != input_dim())
    throw std::invalid_argument("Mlp::forward: input has " + std::to_string(x.cols()) +
                                " columns, network expects " + std::to_string(input_dim()));
  const Index n = x.rows();
  reserve(n);
  batch_ = n;
  const int L = num_layers();
  MatMap(act_[0].data(), input_dim(), n) = x.transpose();
  for (int l = 0; l < L; ++l) {
    ConstMatMap a_prev(act_[l].data(), widths_[l], n);
    MatMap z(act_[l + 1].data(), widths_[l + 1], n);
    z.noalias() = weight(l) * a_prev;
    z.colwise() += bias(l);
    if (l + 1 < L)
      apply_activation(activation_, leaky_slope_, act_[l + 1].data(), dact_[l + 1].data(),
                       Index(widths_[l + 1]) * n);
  }
  return output();
}

void Mlp::forward(ConstRowsRef x, RowsRef y) {
  if (y.rows() != x.rows() || y.cols() != output_dim())
    throw std::invalid_argument("Mlp::forward: output must be " + std::to_string(x.rows()) + " x " +
                                std::to_string(output_dim()));
  y = forward(x);
}

RowsView Mlp::output() const {
  if (act_.empty()) return RowsView(nullptr, 0, output_dim());
  return RowsView(act_.back().data(), batch_, output_dim());
}

void Mlp::check_forward_done(const char* who, Index rows) const {
  if (act_.empty()) throw std::logic_error(std::string(who) + ": call forward() first");
  if (rows != batch_)
    throw std::invalid_argument(std::string(who) + ": gradient has " + std::to_string(rows) +
                                " rows but the last forward() had " + std::to_string(batch_));
}

void Mlp::backward_impl(ConstRowsRef grad_y, double* grad_x, bool parameter_grads, GradMode mode) {
  const Index n = batch_;
  const int L = num_layers();
  double* cur = delta_a_.data();
  double* other = delta_b_.data();
  MatMap(cur, output_dim(), n) = grad_y.transpose();
  for (int l = L - 1; l >= 0; --l) {
    ConstMatMap delta(cur, widths_[l + 1], n);
    if (parameter_grads) {
      ConstMatMap a_prev(act_[l].data(), widths_[l], n);
      if (mode == GradMode::kOverwrite) {
        weight_gradient(l).noalias() = delta * a_prev.transpose();
        bias_gradient(l) = delta.rowwise().sum();
      } else {
        weight_gradient(l).noalias() += delta * a_prev.transpose();
        bias_gradient(l) += delta.rowwise().sum();
      }
    }
    if (l > 0) {
      MatMap prev(other, widths_[l], n);
      prev.noalias() = weight(l).transpose() * delta;
      prev.array() *= ConstMatMap(dact_[l].data(), widths_[l], n).array();
      std::swap(cur, other);
    } else if (grad_x) {
      MatMap(grad_x, input_dim(), n).noalias() = weight(0).transpose() * delta;
    }
  }
}

void Mlp::backward(ConstRowsRef grad_y, GradMode mode) {
  check_forward_done("Mlp::backward", grad_y.rows());
  if (grad_y.cols() != output_dim())
    throw std::invalid_argument("Mlp::backward: grad_y must have output_dim columns");
  backward_impl(grad_y, nullptr, true, mode);
}

void Mlp::backward(ConstRowsRef grad_y, RowsRef grad_x, GradMode mode) {
  check_forward_done("Mlp::backward", grad_y.rows());
  if (grad_y.cols() != output_dim())
    throw std::invalid_argument("Mlp::backward: grad_y must have output_dim columns");
  if (grad_x.rows() != batch_ || grad_x.cols() != input_dim())
    throw std::invalid_argument("Mlp::backward: grad_x must be N x input_dim");
  backward_impl(grad_y, grad_in_.data(), true, mode);
  grad_x = RowsView(grad_in_.data(), batch_, input_dim());
}

RowsView Mlp::input_vjp(ConstRowsRef grad_y) {
  check_forward_done("Mlp::input_vjp", grad_y.rows());
  if (grad_y.cols() != output_dim())
    throw std::invalid_argument("Mlp::input_vjp: grad_y must have output_dim columns");
  backward_impl(grad_y, grad_in_.data(), false, GradMode::kOverwrite);
  return RowsView(grad_in_.data(), batch_, input_dim());
}

void Mlp::input_vjp(ConstRowsRef grad_y, RowsRef grad_x) {
  if (grad_x.rows() != grad_y.rows() || grad_x.cols() != input_dim())
    throw std::invalid_argument("Mlp::input_vjp: grad_x must be N x input_dim");
  grad_x = input_vjp(grad_y);
}

void Mlp::input_jacobians(RowsRef jac) {
  check_forward_done("Mlp::input_jacobians", jac.rows());
  const Index d_in = input_dim(), d_out = output_dim(), n = batch_;
  if (jac.cols() != d_in * d_out)
    throw std::invalid_argument("Mlp::input_jacobians: jac must be N x (d_out*d_in)");
  const int L = num_layers();
  for (Index k = 0; k < d_in; ++k) {
    double* cur = tangent_a_.data();
    double* other = tangent_b_.data();
    {
      MatMap t(cur, widths_[1], n);
      t = weight(0).col(k).replicate(1, n);
    }
    for (int l = 1; l < L; ++l) {
      MatMap t(cur, widths_[l], n);
      t.array() *= ConstMatMap(dact_[l].data(), widths_[l], n).array();
      MatMap next(other, widths_[l + 1], n);
      next.noalias() = weight(l) * t;
      std::swap(cur, other);
    }
    ConstMatMap t(cur, d_out, n);
    for (Index i = 0; i < n; ++i)
      for (Index o = 0; o < d_out; ++o) jac(i, o * d_in + k) = t(o, i);
  }
}

Eigen::MatrixXd Mlp::input_jacobian(Index row) const {
  if (act_.empty() || row < 0 || row >= batch_)
    throw std::out_of_range("Mlp::input_jacobian: row outside the last forward batch");
  Eigen::MatrixXd j = weight(0);
  for (int l = 1; l < num_layers(); ++l) {
    const Index w = widths_[l];
    Eigen::VectorXd d = Eigen::Map<const Vec>(dact_[l].data() + row * w, w);
    j = weight(l) * (d.asDiagonal() * j);
  }
  return j;
}

void Mlp::save(std::ostream& out) const {
  binary::write_magic(out, "SSMLP001");
  binary::write<std::int32_t>(out, static_cast<std::int32_t>(widths_.size()));
  for (int w : widths_) binary::write<std::int32_t>(out, w);
  binary::write<std::int32_t>(out, static_cast<std::int32_t>(activation_));
  binary::write<double>(out, leaky_slope_);
  binary::write_magic(out, "SSPRM001");
  binary::write<std::int64_t>(out, params_.size());
  binary::write_doubles(out, params_.data(), params_.size());
}

Mlp Mlp::load(std::istream& in) {
  binary::expect_magic(in, "SSMLP001");
  const auto count = binary::read<std::int32_t>(in, "Mlp width count");
  if (count < 2 || count > 1000) throw std::runtime_error("Mlp::load: bad width count");
  std::vector<int> widths(count);
  for (auto& w : widths) {
    w = binary::read<std::int32_t>(in, "Mlp widths");
    if (w < 1 || w > (1 << 20)) throw std::runtime_error("Mlp::load: bad width");
  }
  const auto act = binary::read<std::int32_t>(in, "Mlp activation");
  if (act < 0 || act > static_cast<int>(Activation::kSoftplus))
    throw std::runtime_error("Mlp::load: bad activation code");
  const double slope = binary::read<double>(in, "Mlp leaky slope");
  Mlp net(widths, static_cast<Activation>(act), slope);
  ParameterSpan span = net.parameter_span();
  load_parameters(in, std::span<const ParameterSpan>(&span, 1));
  return net;
}

}  // namespace ss::nn
