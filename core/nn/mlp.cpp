#include "core/nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/common/simd_exp.h"
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
    case Activation::kTanhSiLU:
      return "tanh_silu";
  }
  return "unknown";
}

Activation activation_from_name(std::string_view name) {
  for (Activation a : {Activation::kSiLU, Activation::kTanh, Activation::kReLU,
                       Activation::kLeakyReLU, Activation::kSoftplus, Activation::kTanhSiLU})
    if (name == activation_name(a)) return a;
  throw std::invalid_argument("activation: unknown name '" + std::string(name) +
                              "' (expected silu, tanh, relu, leaky_relu, softplus or tanh_silu)");
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
  thin_wt_ = Vec::Zero(offset);
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
  if (n <= capacity_ && !act_.empty()) return;
  if (widths_.empty()) throw std::logic_error("Mlp: network has no layers");
  const int L = num_layers();
  max_width_ = *std::max_element(widths_.begin(), widths_.end());
  const Index max_width = max_width_;
  act_.resize(L + 1);
  dact_.resize(L);
  // safe_resize: a failed allocation (a large batch under a memory limit) throws and leaves the
  // workspace valid; capacity_ is raised only when every array has its new size.
  for (int l = 0; l <= L; ++l) safe_resize(act_[l], Index(widths_[l]) * n);
  for (int l = 1; l < L; ++l) safe_resize(dact_[l], Index(widths_[l]) * n);
  safe_resize(delta_a_, Index(max_width) * n);
  safe_resize(delta_b_, Index(max_width) * n);
  safe_resize(grad_in_, Index(input_dim()) * n);
  safe_resize(tangent_a_, Index(max_width) * n);
  safe_resize(tangent_b_, Index(max_width) * n);
  safe_resize(partial_, params_.size() * num_groups(n));
  capacity_ = n;
}

namespace {

// C = A·B (or C += A·B) computed tile by tile, tiles of at most kTile rows, depth and columns.
// Eigen's GEMM packs its operands into buffers on the stack when they fit under
// EIGEN_STACK_ALLOCATION_LIMIT (128 KiB) and on the heap otherwise; 128 × 128 doubles is exactly
// that limit, so tiling keeps every product allocation-free whatever the widths and batch size.
// Each output entry is summed over depth tiles in a fixed order: results do not depend on how the
// tiles are scheduled.
constexpr Index kTile = 128;
// Products with at most kThin rows, columns or depth are not GEMMs (see below).
constexpr Index kThin = 4;

template <class Dst, class Lhs, class Rhs>
void tiled_product(Dst&& c, const Lhs& a, const Rhs& b, bool accumulate) {
  const Index m = c.rows(), n = c.cols(), k = a.cols();
  if (k == 0 || m == 0 || n == 0) {
    if (!accumulate) c.setZero();
    return;
  }
  // Thin shapes (the 2-D input and output layers) waste most of a GEMM kernel's work; use rank-1
  // updates (tiny depth) or matrix-vector products (few rows or columns) instead.
  if (k <= kThin) {
    for (Index p = 0; p < k; ++p) {
      if (p == 0 && !accumulate)
        c.noalias() = a.col(0) * b.row(0);
      else
        c.noalias() += a.col(p) * b.row(p);
    }
    return;
  }
  if (m <= kThin && k <= 4096 && n <= 4096) {
    for (Index i = 0; i < m; ++i) {
      if (accumulate)
        c.row(i).noalias() += a.row(i) * b;
      else
        c.row(i).noalias() = a.row(i) * b;
    }
    return;
  }
  if (n <= kThin && k <= 4096 && m <= 4096) {
    for (Index j = 0; j < n; ++j) {
      if (accumulate)
        c.col(j).noalias() += a * b.col(j);
      else
        c.col(j).noalias() = a * b.col(j);
    }
    return;
  }
  for (Index j = 0; j < n; j += kTile) {
    const Index nj = std::min(kTile, n - j);
    for (Index i = 0; i < m; i += kTile) {
      const Index mi = std::min(kTile, m - i);
      auto cb = c.block(i, j, mi, nj);
      for (Index p = 0; p < k; p += kTile) {
        const Index kp = std::min(kTile, k - p);
        if (p == 0 && !accumulate)
          cb.noalias() = a.block(i, p, mi, kp) * b.block(p, j, kp, nj);
        else
          cb.noalias() += a.block(i, p, mi, kp) * b.block(p, j, kp, nj);
      }
    }
  }
}

// SiLU a = z·σ(z) in place and d = σ + a(1 − σ), with σ built from e = e^{−|z|} ∈ (0, 1]:
// σ = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0 (no overflow for any z; NaN propagates).
// Vectorized with simd::exp_nonpositive at degree 10 (relative error ≤ 3.1e-13, far below what
// training or the finite-difference tests resolve; SiLU was ~14 % of an MLP training step); the
// tail and non-AVX2 builds use the same formula with std::exp.
void silu_in_place(double* z, double* d, Index len) {
  Index i = 0;
#ifdef SS_HAVE_SIMD_EXP
  const __m256d one = _mm256_set1_pd(1.0), sign = _mm256_set1_pd(-0.0);
  for (; i + 4 <= len; i += 4) {
    const __m256d x = _mm256_loadu_pd(z + i);
    const __m256d e = simd::exp_nonpositive<10>(_mm256_or_pd(x, sign));  // e^{−|x|}
    const __m256d inv = _mm256_div_pd(one, _mm256_add_pd(one, e));
    const __m256d negative = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
    const __m256d sig = _mm256_blendv_pd(inv, _mm256_mul_pd(e, inv), negative);
    const __m256d a = _mm256_mul_pd(x, sig);
    _mm256_storeu_pd(z + i, a);
    _mm256_storeu_pd(d + i, _mm256_fmadd_pd(a, _mm256_sub_pd(one, sig), sig));
  }
#endif
  for (; i < len; ++i) {
    const double x = z[i], e = std::exp(-std::abs(x)), inv = 1.0 / (1.0 + e);
    const double sig = x < 0 ? e * inv : inv;
    z[i] = x * sig;
    d[i] = sig + z[i] * (1.0 - sig);
  }
}

// a = φ(z) in place over `count` entries of z, and d = φ'(z). Works through L1-sized chunks so
// the few array passes per activation stay in cache.
void apply_activation(Activation act, double slope, double* z, double* d, Index count) {
  constexpr Index kChunk = 512;
  for (Index off = 0; off < count; off += kChunk) {
    const Index len = std::min(kChunk, count - off);
    ArrMap zz(z + off, len), dd(d + off, len);
    switch (act) {
      case Activation::kSiLU:
        silu_in_place(z + off, d + off, len);
        break;
      case Activation::kTanh:
        // tanh z = sign(z)·(1 − e^{−2|z|})/(1 + e^{−2|z|}) with Eigen's vectorized exp (its
        // double tanh is scalar and several times slower); absolute error ~1e-16.
        dd = (-2.0 * zz.abs()).exp();
        dd = (1.0 - dd) / (1.0 + dd);
        zz = (zz < 0.0).select(-dd, dd);
        dd = 1.0 - zz.square();
        break;
      case Activation::kReLU:
        dd = (zz > 0.0).cast<double>();
        zz = zz * dd;
        break;
      case Activation::kLeakyReLU:
        dd = (zz > 0.0).select(Eigen::ArrayXd::Constant(len, 1.0),
                               Eigen::ArrayXd::Constant(len, slope));
        zz = zz * dd;
        break;
      case Activation::kSoftplus:
        dd = (1.0 + (-zz).exp()).inverse();            // σ(z)
        zz = zz.max(0.0) + (-zz.abs()).exp().log1p();  // log(1 + e^z), no overflow
        break;
      case Activation::kTanhSiLU:
        break;  // per unit: apply_layer_activation splits each column
    }
  }
}

// φ over a hidden layer's pre-activations z (w × nb, column-major: one column per sample) and
// d = φ'(z). kTanhSiLU: tanh on rows [0, ⌈w/2⌉) of every column, SiLU on the rest.
void apply_layer_activation(Activation act, double slope, double* z, double* d, Index w, Index nb) {
  if (act != Activation::kTanhSiLU) {
    apply_activation(act, slope, z, d, w * nb);
    return;
  }
  const Index half = (w + 1) / 2;
  for (Index j = 0; j < nb; ++j) {
    apply_activation(Activation::kTanh, slope, z + j * w, d + j * w, half);
    if (w > half)
      apply_activation(Activation::kSiLU, slope, z + j * w + half, d + j * w + half, w - half);
  }
}

// Runs body(b) for b in [0, count): in parallel (TBB, in the caller's arena) when `parallel`,
// else in order. Bodies must write disjoint memory, so the result is the same either way.
// static_partitioner gives each thread one contiguous run of indices, the same run for the same
// count, so the backward pass over blocks finds the blocks its thread went through in forward;
// `reverse` walks each run backwards, starting with the blocks forward touched last (still in
// that core's L2). (Measured on 2 cores: fewer slow iterations than simple_partitioner.)
template <class Body>
void for_each_index(Index count, bool parallel, const Body& body, bool reverse = false) {
  if (parallel && count > 1) {
    tbb::parallel_for(
        tbb::blocked_range<Index>(0, count, 1),
        [&](const tbb::blocked_range<Index>& r) {
          if (reverse)
            for (Index b = r.end(); b != r.begin(); --b) body(b - 1);
          else
            for (Index b = r.begin(); b != r.end(); ++b) body(b);
        },
        tbb::static_partitioner());
  } else if (reverse) {
    for (Index b = count; b > 0; --b) body(b - 1);
  } else {
    for (Index b = 0; b < count; ++b) body(b);
  }
}

}  // namespace

Index Mlp::num_blocks(Index n) {
  return (n + kBlock - 1) / kBlock;
}

Index Mlp::num_groups(Index n) {
  return std::min<Index>(num_blocks(n), kMaxGroups);
}

bool Mlp::use_threads(Index n) const {
  if (!threading_ || num_blocks(n) < 2) return false;
  double work = 0;  // multiply-adds of one forward pass
  for (size_t l = 1; l < widths_.size(); ++l) work += double(widths_[l]) * widths_[l - 1];
  return work * double(n) >= 2.0e5;
}

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
  // Each column block goes through every layer (activations stay in cache); columns are
  // independent, so blocks run in any order.
  for_each_index(num_blocks(n), use_threads(n), [&](Index b) {
    const Index j0 = b * kBlock, nb = std::min(kBlock, n - j0);
    for (int l = 0; l < L; ++l) {
      const Index wi = widths_[l], wo = widths_[l + 1];
      ConstMatMap a_prev(act_[l].data() + j0 * wi, wi, nb);
      MatMap z(act_[l + 1].data() + j0 * wo, wo, nb);
      // z = b 𝟙ᵀ then z += W a: no separate zeroing or bias pass. (Column copies: Eigen's
      // replicate() indexes with an integer division per entry.)
      const auto b = bias(l);
      const auto w = weight(l);
      if (wi <= kThin) {
        // Thin input (the 2-D first layer): bias and the wi rank-1 updates column by column, in
        // one pass that stays in L1 (same operations, in the same order, as the general path).
        for (Index j = 0; j < nb; ++j) {
          auto zc = z.col(j);
          zc = b;
          for (Index p = 0; p < wi; ++p) zc.noalias() += a_prev(p, j) * w.col(p);
        }
      } else {
        for (Index j = 0; j < nb; ++j) z.col(j) = b;
        tiled_product(z, w, a_prev, true);
      }
      if (l + 1 < L)
        apply_layer_activation(activation_, leaky_slope_, z.data(), dact_[l + 1].data() + j0 * wo,
                               wo, nb);
    }
  });
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

// δ recursion for the columns [j0, j0 + nb): parameter gradients of these columns go to `grad`
// (a flat vector with the layout of params_; overwritten if !accumulate, else added to), the input
// gradient to grad_x (if non-null).
void Mlp::backward_block(ConstRowsRef grad_y, Index j0, Index nb, double* grad, bool accumulate,
                         double* grad_x) {
  const int L = num_layers();
  const Index d_in = input_dim();
  double* cur = delta_a_.data() + j0 * max_width_;
  double* other = delta_b_.data() + j0 * max_width_;
  MatMap(cur, output_dim(), nb) = grad_y.middleRows(j0, nb).transpose();
  for (int l = L - 1; l >= 0; --l) {
    const Index wi = widths_[l], wo = widths_[l + 1];
    ConstMatMap delta(cur, wo, nb);
    if (grad) {
      ConstMatMap a_prev(act_[l].data() + j0 * wi, wi, nb);
      MatMap gw(grad + offsets_[l].weight, wo, wi);
      Eigen::Map<Vec> gb(grad + offsets_[l].bias, wo);
      tiled_product(gw, delta, a_prev.transpose(), accumulate);
      if (accumulate)
        gb += delta.rowwise().sum();
      else
        gb = delta.rowwise().sum();
    }
    if (l > 0) {
      MatMap prev(other, wi, nb);
      ConstMatMap dact(dact_[l].data() + j0 * wi, wi, nb);
      if (wo <= kThin) {
        // Thin layer (the 2-D output): rank-1 updates with the rows of W_l (copied contiguous by
        // backward_impl) and the φ' product, column by column in one pass.
        ConstMatMap wt(thin_wt_.data() + offsets_[l].weight, wi, wo);
        for (Index j = 0; j < nb; ++j) {
          auto pc = prev.col(j);
          pc.noalias() = delta(0, j) * wt.col(0);
          for (Index p = 1; p < wo; ++p) pc.noalias() += delta(p, j) * wt.col(p);
          pc.array() *= dact.col(j).array();
        }
      } else {
        tiled_product(prev, weight(l).transpose(), delta, false);
        prev.array() *= dact.array();
      }
      std::swap(cur, other);
    } else if (grad_x) {
      tiled_product(MatMap(grad_x + j0 * d_in, d_in, nb), weight(0).transpose(), delta, false);
    }
  }
}

void Mlp::backward_impl(ConstRowsRef grad_y, double* grad_x, bool parameter_grads, GradMode mode) {
  const Index n = batch_;
  // Rows of the thin layers' W_l as contiguous columns (W_lᵀ, stored at the weight's offset), for
  // the fused path of backward_block.
  for (int l = num_layers() - 1; l > 0; --l)
    if (widths_[l + 1] <= kThin)
      MatMap(thin_wt_.data() + offsets_[l].weight, widths_[l], widths_[l + 1]) =
          weight(l).transpose();
  const bool threads = use_threads(n);
  const Index blocks = num_blocks(n);
  if (!parameter_grads) {
    for_each_index(blocks, threads, [&](Index b) {
      backward_block(grad_y, b * kBlock, std::min(kBlock, n - b * kBlock), nullptr, false, grad_x);
    });
    return;
  }
  const bool acc = mode == GradMode::kAccumulate;
  if (n == 0) {
    if (!acc) grads_.setZero();
    return;
  }
  // Blocks are split into a fixed number of groups (a function of n only). Each group sums its
  // blocks in order into its own partial gradient; the partials are then added in group order.
  // The arithmetic is therefore the same for any number of threads.
  const Index groups = num_groups(n);
  if (groups == 1) {
    for (Index b = 0; b < blocks; ++b)
      backward_block(grad_y, b * kBlock, std::min(kBlock, n - b * kBlock), grads_.data(),
                     acc || b > 0, grad_x);
    return;
  }
  const Index P = params_.size();
  for_each_index(
      groups, threads,
      [&](Index g) {
        const Index b0 = g * blocks / groups, b1 = (g + 1) * blocks / groups;
        for (Index b = b0; b < b1; ++b)
          backward_block(grad_y, b * kBlock, std::min(kBlock, n - b * kBlock),
                         partial_.data() + g * P, b > b0, grad_x);
      },
      /*reverse=*/true);
  // Sum of the partials, parallel over parameter ranges (the order per entry is fixed).
  const Index chunks = (P + 4095) / 4096;
  for_each_index(chunks, threads, [&](Index c) {
    const Index i0 = c * 4096, len = std::min<Index>(4096, P - i0);
    auto out = grads_.segment(i0, len);
    if (!acc) out.setZero();
    for (Index g = 0; g < groups; ++g) out += partial_.segment(g * P + i0, len);
  });
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
  for_each_index(num_blocks(n), use_threads(n), [&](Index b) {
    const Index j0 = b * kBlock, nb = std::min(kBlock, n - j0);
    for (Index k = 0; k < d_in; ++k) {
      double* cur = tangent_a_.data() + j0 * max_width_;
      double* other = tangent_b_.data() + j0 * max_width_;
      MatMap t1(cur, widths_[1], nb);
      for (Index j = 0; j < nb; ++j) t1.col(j) = weight(0).col(k);
      for (int l = 1; l < L; ++l) {
        MatMap t(cur, widths_[l], nb);
        t.array() *= ConstMatMap(dact_[l].data() + j0 * widths_[l], widths_[l], nb).array();
        tiled_product(MatMap(other, widths_[l + 1], nb), weight(l), t, false);
        std::swap(cur, other);
      }
      ConstMatMap t(cur, d_out, nb);
      for (Index i = 0; i < nb; ++i)
        for (Index o = 0; o < d_out; ++o) jac(j0 + i, o * d_in + k) = t(o, i);
    }
  });
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
  if (act < 0 || act > static_cast<int>(Activation::kTanhSiLU))
    throw std::runtime_error("Mlp::load: bad activation code");
  const double slope = binary::read<double>(in, "Mlp leaky slope");
  Mlp net(widths, static_cast<Activation>(act), slope);
  ParameterSpan span = net.parameter_span();
  load_parameters(in, std::span<const ParameterSpan>(&span, 1));
  return net;
}

}  // namespace ss::nn
