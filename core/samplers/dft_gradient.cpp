#include "core/samplers/dft_gradient.h"

#include <cmath>
#include <stdexcept>

namespace ss {

void DftGradientWorkspace::resize(Eigen::Index n) {
  if (target_score.rows() == n) return;
  target_score.resize(n, 2);
  net_score.resize(n, 2);
  t.resize(n, 2);
  residual.resize(n, 2);
  vjp.resize(n, 2);
  target_hessian.resize(n, 3);
}

Vec2 apply_abs_hessian_inverse(double h11, double h12, double h22, double lambda, const Vec2& w) {
  // Eigen-decomposition of [[h11, h12], [h12, h22]]: λ± = m ± r, eigenvector of λ+ = (cos, sin).
  const double m = 0.5 * (h11 + h22), d = 0.5 * (h11 - h22);
  const double r = std::hypot(d, h12);
  const double a_plus = 1.0 / (std::abs(m + r) + lambda),
               a_minus = 1.0 / (std::abs(m - r) + lambda);
  if (r == 0) return a_plus * w;  // H = m·I
  // Unit eigenvector of λ+: angle φ with cos 2φ = d/r, sin 2φ = h12/r.
  const double phi = 0.5 * std::atan2(h12, d);
  const double c = std::cos(phi), s = std::sin(phi);
  const double p = c * w[0] + s * w[1];   // component along the λ+ eigenvector
  const double q = -s * w[0] + c * w[1];  // along the λ− eigenvector
  return {a_plus * p * c - a_minus * q * s, a_plus * p * s + a_minus * q * c};
}

double dft_output_gradient(const Target& target, const Points& x_sigma, const Points& eps,
                           double sigma, const DftGradientOptions& options,
                           NoisedScoreModel& score_model, DftGradientWorkspace& ws, Points& v,
                           EvalCounters* counters) {
  if (!(sigma > 0)) throw std::invalid_argument("dft_output_gradient: sigma must be > 0");
  if (eps.rows() != x_sigma.rows())
    throw std::invalid_argument("dft_output_gradient: eps and x_sigma must have equal rows");
  if (!(options.kl_weight >= 0) || !(options.precondition >= 0))
    throw std::invalid_argument("dft_output_gradient: kl_weight and precondition must be ≥ 0");
  const Eigen::Index n = x_sigma.rows();
  ws.resize(n);
  if (v.rows() != n) v.resize(n, 2);
  if (n == 0) return 0.0;

  target.evaluate(x_sigma, nullptr, &ws.target_score, &ws.target_hessian);
  if (counters) counters->hessian += static_cast<std::uint64_t>(n);
  ws.t = -eps / sigma;
  score_model.score(x_sigma, ws.net_score);  // S, or Δ for a residual model

  // Per row: the target term (plain) or −2H_qΔ (residual), the residual S − t for the VJP, and the
  // loss. 2×2 symmetric mat-vecs.
  double loss = 0.0;
  const bool residual = options.residual, full = options.variant == DftVariant::full;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double a0 = ws.target_score(i, 0) - ws.t(i, 0);
    const double a1 = ws.target_score(i, 1) - ws.t(i, 1);
    const double h11 = ws.target_hessian(i, 0), h12 = ws.target_hessian(i, 1),
                 h22 = ws.target_hessian(i, 2);
    double b0, b1;  // S − t
    if (residual) {
      const double d0 = ws.net_score(i, 0), d1 = ws.net_score(i, 1);
      b0 = a0 + d0;
      b1 = a1 + d1;
      if (full) {
        v(i, 0) = -2.0 * (h11 * d0 + h12 * d1);
        v(i, 1) = -2.0 * (h12 * d0 + h22 * d1);
      }
    } else {
      b0 = ws.net_score(i, 0) - ws.t(i, 0);
      b1 = ws.net_score(i, 1) - ws.t(i, 1);
    }
    if (!residual || !full) {
      v(i, 0) = 2.0 * (h11 * a0 + h12 * a1);
      v(i, 1) = 2.0 * (h12 * a0 + h22 * a1);
    }
    ws.residual(i, 0) = b0;
    ws.residual(i, 1) = b1;
    loss += (a0 * a0 + a1 * a1) - (b0 * b0 + b1 * b1);
  }
  if (full) {
    score_model.score_vjp(ws.residual, ws.vjp);
    v.noalias() -= 2.0 * ws.vjp;
  }
  if (options.kl_weight > 0) {
    // S − s_q = Δ (residual) or net − s_q.
    if (residual)
      v.noalias() += options.kl_weight * ws.net_score;
    else
      v.noalias() += options.kl_weight * (ws.net_score - ws.target_score);
  }
  if (options.precondition > 0) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const Vec2 p = apply_abs_hessian_inverse(ws.target_hessian(i, 0), ws.target_hessian(i, 1),
                                               ws.target_hessian(i, 2), options.precondition,
                                               Vec2(v(i, 0), v(i, 1)));
      v(i, 0) = p[0];
      v(i, 1) = p[1];
    }
  }
  return loss / static_cast<double>(n);
}

}  // namespace ss
