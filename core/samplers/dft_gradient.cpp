#include "core/samplers/dft_gradient.h"

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

double dft_output_gradient(const Target& target, const Points& x_sigma, const Points& eps,
                           double sigma, DftVariant variant, NoisedScoreModel& score_model,
                           DftGradientWorkspace& ws, Points& v, EvalCounters* counters) {
  if (!(sigma > 0)) throw std::invalid_argument("dft_output_gradient: sigma must be > 0");
  if (eps.rows() != x_sigma.rows())
    throw std::invalid_argument("dft_output_gradient: eps and x_sigma must have equal rows");
  const Eigen::Index n = x_sigma.rows();
  ws.resize(n);
  if (v.rows() != n) v.resize(n, 2);
  if (n == 0) return 0.0;

  target.evaluate(x_sigma, nullptr, &ws.target_score, &ws.target_hessian);
  if (counters) counters->hessian += static_cast<std::uint64_t>(n);
  ws.t = -eps / sigma;
  score_model.score(x_sigma, ws.net_score);

  // Target term 2 H_q (s_q − t) and the loss, row by row (2×2 symmetric mat-vec).
  double loss = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double a0 = ws.target_score(i, 0) - ws.t(i, 0);
    const double a1 = ws.target_score(i, 1) - ws.t(i, 1);
    const double b0 = ws.net_score(i, 0) - ws.t(i, 0);
    const double b1 = ws.net_score(i, 1) - ws.t(i, 1);
    const double h11 = ws.target_hessian(i, 0), h12 = ws.target_hessian(i, 1),
                 h22 = ws.target_hessian(i, 2);
    v(i, 0) = 2.0 * (h11 * a0 + h12 * a1);
    v(i, 1) = 2.0 * (h12 * a0 + h22 * a1);
    ws.residual(i, 0) = b0;
    ws.residual(i, 1) = b1;
    loss += (a0 * a0 + a1 * a1) - (b0 * b0 + b1 * b1);
  }
  if (variant == DftVariant::full) {
    score_model.score_vjp(ws.residual, ws.vjp);
    v.noalias() -= 2.0 * ws.vjp;
  }
  return loss / static_cast<double>(n);
}

}  // namespace ss
