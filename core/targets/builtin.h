// The built-in targets: classic 2-D test densities from the sampling literature, each written once
// as a template over the scalar type (double or ss::Jet) so that score and Hessian come from
// forward-mode AD. Every formula is the unnormalized log density log p̃(x), x = (x₁, x₂), with its
// source. Build them through make_target() (core/targets/target.h) or directly.
//
// Conventions shared by all of them:
//  - View boxes are computed from the parameters with a union bound: the box is the set where each
//    of two "coordinate" variables (in which the target is Gaussian or nearly so) lies within
//    kTailSigmas = 3.6 standard deviations of its centre, so the mass outside is at most
//    2 · 2(1 − Φ(3.6)) = 6.4e-4 < 1e-3. Radial targets use the analogous radial bound. Each box is
//    checked to hold ≥ 99.9 % of the mass by tests/targets/targets_test.cpp.
//  - ‖x‖ is evaluated as √(x₁² + x₂² + ε²) (ε = 1e-9; rings: 1e-6, see RingsTarget) so that the
//    score and Hessian stay finite at the origin, where ‖x‖ is not differentiable. The change to
//    the density is below ε²/(2‖x‖) in ‖x‖: invisible at double precision except within ~ε of 0.
//  - Mixtures and sums of exponentials use log-sum-exp; nothing exponentiates a large positive
//    number, so log density, score and Hessian are finite at ‖x‖ = 50 and beyond.
#pragma once

#include <Eigen/LU>  // Mat2::inverse()/determinant() for users of GaussianComponent
#include <memory>
#include <string>
#include <vector>

#include "core/common/jet.h"
#include "core/common/params.h"
#include "core/common/types.h"
#include "core/targets/target.h"

namespace ss {

/// Number of standard deviations each coordinate bound of a view box spans (see above).
inline constexpr double kTailSigmas = 3.6;

/// Donut / ring (chi-feng/mcmc-demo, main/MCMC.js; dft.md §7 T1):
///   log p̃ = −(‖x‖ − R)² / s²,  R = `radius` = 2.6, s² = `sigma2` = 0.033.
/// Radial std ≈ √(s²/2) ≈ 0.128. Score (2/s²)(R/r − 1)x; Hessian (2/s²)[(R/r − 1)I − R xxᵀ/r³].
/// Box: the square of half-width R + 4√(s²/2) (the radial density ∝ r·exp(−(r−R)²/s²)).
class DonutTarget final : public GenericTarget<DonutTarget> {
 public:
  explicit DonutTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "donut"; }
  std::string display_name() const override { return "Donut"; }
  Box view_box() const override;
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;

 private:
  double radius_, sigma2_;
};

/// Rosenbrock (Goodman & Weare 2010 form; dft.md §7 T2) with samplescope's default constants:
///   log p̃ = −[(a − x₁)² + b(x₂ − x₁²)²] / T,  a = 1, b = 20, T = 0.4.
/// Exactly: x₁ ~ N(a, T/2) and x₂ | x₁ ~ N(x₁², T/(2b)) (σ₁ = 0.447, σ₂|₁ = 0.1), a curved banana.
/// Why not the classic a = 1, b = 100, T = 20: there σ₁ = 3.2 and x₂ ≈ x₁² spreads over [0, 100+],
/// a box 10× taller than wide. With T = 0.4 the view box below is [−0.61, 2.61] × [−0.36, 7.17],
/// 2.34× as tall as wide (≤ 2.5 as required; tested).
/// Box: x₁ ∈ a ± 3.6σ₁; x₂ ∈ [min x₁² − 3.6σ₂, max x₁² + 3.6σ₂] over that x₁ range.
class RosenbrockTarget final : public GenericTarget<RosenbrockTarget> {
 public:
  explicit RosenbrockTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "rosenbrock"; }
  std::string display_name() const override { return "Rosenbrock"; }
  Box view_box() const override;
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;

 private:
  double a_, b_, temperature_;
};

/// Banana (chi-feng/mcmc-demo, main/MCMC.js; dft.md §7 T3): with y₁ = x₁/a,
/// y₂ = a·x₂ + a·b·(x₁² + a²),  log p̃ = log N(y; (0, 4), [[1, 0.5], [0.5, 1]]), a = 2, b = 0.2.
/// (The Jacobian of x → y is 1, so this is a normalized density.)
/// Box: |y₁| ≤ 3.6 and |y₂ − 4| ≤ 3.6 mapped back: |x₁| ≤ 3.6a,
///   x₂ ∈ [(4 − 3.6)/a − b·a²(3.6² + 1), (4 + 3.6)/a − b·a²].
class BananaTarget final : public GenericTarget<BananaTarget> {
 public:
  explicit BananaTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "banana"; }
  std::string display_name() const override { return "Banana"; }
  Box view_box() const override;
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;

 private:
  double a_, b_;
};

/// Neal's funnel in 2-D as in chi-feng/mcmc-demo (main/MCMC.js; dft.md §7 T4): v = x₂ − 2, u = x₁,
///   log p̃ = −v²/(2σᵥ²) − u²e^{−v}/2 − v/2,  σᵥ = `v_scale` = 3 (Neal's value; v²/18).
/// i.e. v ~ N(0, σᵥ²) and u | v ~ N(0, e^v). The marginal of u is very heavy-tailed: holding 99.9 %
/// of the mass needs |x₁| ≲ 144 for σᵥ = 3 (computed in the constructor by 1-D quadrature of
/// P(|u| > c) = E_v[erfc(c·e^{−v/2}/√2)], bisected to 5e-4), so the default box is very wide; use
/// a smaller v_scale for a compact funnel (σᵥ = 1: |x₁| ≲ 8). x₂ ∈ 2 ± 3.8σᵥ.
/// The neck (u-std e^{v/2} down to e^{−5.7} ≈ 0.003) is far narrower than any grid cell, so a
/// GridReference of the funnel is only approximate there.
class FunnelTarget final : public GenericTarget<FunnelTarget> {
 public:
  explicit FunnelTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "funnel"; }
  std::string display_name() const override { return "Neal's funnel"; }
  Box view_box() const override { return box_; }
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;
  /// P(|x₁| > c) under the funnel with scale σᵥ (1-D quadrature over v; accurate to ~1e-7).
  static double x1_tail_probability(double c, double v_scale);

 private:
  double v_scale_;
  Box box_;
};

/// Squiggle (chi-feng/mcmc-demo, main/MCMC.js; dft.md §7 T6): y = (x₁, x₂ + sin(ω x₁)),
///   log p̃ = log N(y; 0, [[2, 0.25], [0.25, 0.5]]),  ω = `frequency` = 5.
/// Box: |x₁| ≤ 3.6√2, |x₂| ≤ 3.6√0.5 + 1.
class SquiggleTarget final : public GenericTarget<SquiggleTarget> {
 public:
  explicit SquiggleTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "squiggle"; }
  std::string display_name() const override { return "Squiggle"; }
  Box view_box() const override;
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;

 private:
  double frequency_;
};

/// Rings (Grenioux et al. 2023 / Nijkamp's generator; flowmc.md §4.5): x = r(cos φ, sin φ) with
/// φ ~ U[0, 2π) and r ~ (1/K) Σ_{k=1..K} N(k, σ²), K = `rings` = 4, σ = `sigma` = 0.15. Exact
/// Cartesian density p(x) = p_r(‖x‖) / (2π‖x‖):
///   log p = LSE_k(−(r − k)²/(2σ²)) − log K − log(σ√(2π)) − log(2π r).
/// Near r = 0: the 1/r factor is singular but p_r(0) ≈ e^{−1/(2σ²)} ≈ e^{−22} is tiny. We use
/// r = √(x₁² + x₂² + ε²) with ε = 1e-6 (a safe floor): log p, score and Hessian are then finite and
/// smooth everywhere (at the origin log p ≈ −10.6, far below the rings' ≈ −2.2, and the Hessian is
/// ≈ −1/ε² = −1e12), and the density changes only where r ≲ 1e-5, a region of mass < 1e-14.
/// Box: the square of half-width K + 4σ.
class RingsTarget final : public GenericTarget<RingsTarget> {
 public:
  explicit RingsTarget(const ParamValues& params = {});
  static const ParamTable& table();
  std::string kind() const override { return "rings"; }
  std::string display_name() const override { return "Rings"; }
  Box view_box() const override;
  const ParamTable& param_table() const override { return table(); }
  ParamValues params() const override;
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;

 private:
  int count_;
  double sigma_;
  double log_normalizer_;  // −log K − log(σ√(2π)) − log(2π)
};

/// Dual moon (flowMC tutorial, d = 2; flowmc.md §4.1):
///   log p̃ = −½((‖x‖ − 2)/0.1)² + LSE(−½((x₁ − 3)/0.8)², −½((x₁ + 3)/0.8)²)
///                              + LSE(−½((x₂ − 3)/0.6)², −½((x₂ + 3)/0.6)²).
/// Four modes on the ring r ≈ 2.05 at angles ±53.7° and ±126.3° (barriers ≈ 2.5 and 7.4 nats).
/// Box: [−2.6, 2.6]² (the ring's radial std is 0.1; r ≤ 2.6 is 6σ).
class DualMoonTarget final : public GenericTarget<DualMoonTarget> {
 public:
  DualMoonTarget() = default;
  std::string kind() const override { return "dual_moon"; }
  std::string display_name() const override { return "Dual moon"; }
  Box view_box() const override { return {-2.6, 2.6, -2.6, 2.6}; }
  TargetSpec spec() const override { return {"dual_moon"}; }
  template <class S>
  S logp(const S& x, const S& y) const;
};

/// Gaussian mixture with K ≥ 1 components and full covariances:
///   log p = LSE_k( log w_k − log 2π − ½ log det Σ_k − ½ (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k) ),
/// normalized (weights are divided by their sum). Inverse covariances and log-normalizers are
/// precomputed. Score Σ γ_k g_k and Hessian Σ γ_k(−Σ_k⁻¹ + g_k g_kᵀ) − s sᵀ (γ = responsibilities,
/// g_k = −Σ_k⁻¹(x − μ_k); dft.md §7 T5) come from AD of the log-sum-exp.
/// Validation (ParamError, field "components" or "components[i].weight/mean/cov"): K ≥ 1; weights
/// finite and > 0; means finite; covariances finite, symmetric (|Σ₁₂ − Σ₂₁| ≤ 1e-12·scale) and
/// positive definite (Σ₁₁ > 0 and det Σ > 0).
/// Box: the union over components of μ_k ± 3.6·√diag(Σ_k) (so ≥ 99.9 % of every component).
///
/// The named mixtures use this class with their own kind:
///   gmm_2to1  ⅓ N(−1.5·𝟙, 0.05 I) + ⅔ N(1.5·𝟙, 0.1 I)                 (Grenioux et al. 2023 §3.3a)
///   gmm_8ring ⅛ Σ_{i<8} N((cos 2πi/8, sin 2πi/8), 0.15² I)          (8 Gaussians, radius 1)
///   gmm_4line Σ w_i N((x_i, 0), 0.05 I), x = (−3, −1, 1, 3), w = (0.1, 0.2, 0.3, 0.4)  (§3.3b)
///   gmm_3mode ⅓ [N((−1.5, −1.5), 0.8 I) + N((1.5, 1.5), 0.8 I) + N((−2, 2), 0.5 I)]
///             (chi-feng/mcmc-demo "multimodal")
/// and kind "gmm" with no components given uses default_gmm_components().
class GaussianMixtureTarget final : public GenericTarget<GaussianMixtureTarget> {
 public:
  /// Validates and normalizes `components`; `kind` is "gmm" or a named mixture's kind.
  explicit GaussianMixtureTarget(std::vector<GaussianComponent> components,
                                 std::string kind = "gmm",
                                 std::string display_name = "Gaussian mixture");
  std::string kind() const override { return kind_; }
  std::string display_name() const override { return display_name_; }
  Box view_box() const override { return box_; }
  std::vector<GaussianComponent> components() const override { return components_; }
  TargetSpec spec() const override;
  template <class S>
  S logp(const S& x, const S& y) const;
  /// Index of the most responsible component at (x, y) (largest log w_k + log N_k); exact.
  int most_responsible(double x, double y) const;

 private:
  struct Precomputed {
    double mx, my;           // mean
    double p11, p12, p22;    // inverse covariance
    double log_coefficient;  // log w − log 2π − ½ log det Σ
  };
  std::vector<GaussianComponent> components_;
  std::vector<Precomputed> pre_;
  std::string kind_, display_name_;
  Box box_;
};

/// Components of the named mixtures (weights normalized); throws for other names.
std::vector<GaussianComponent> named_mixture_components(const std::string& kind);
/// The mixture used for kind "gmm" when no components are given: three components with full
/// (correlated) covariances, weights 0.5, 0.3, 0.2.
std::vector<GaussianComponent> default_gmm_components();

}  // namespace ss
