#include "core/targets/builtin.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "core/common/format.h"
#include "core/common/grid.h"
#include "core/targets/formula.h"

namespace ss {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kLog2Pi = 1.8378770664093454836;  // log(2π)
// Mixture terms more than 46 nats below the largest are skipped: e^{−46} ≈ 1e-20 is below the
// rounding of the sum (which holds the term 1 = e^0), so this changes nothing but time.
constexpr double kNegligible = -46.0;

// ‖x‖ with the floor ε (see builtin.h): √(x² + y² + ε²).
template <class S>
S soft_norm(const S& x, const S& y, double eps) {
  using std::sqrt;
  return sqrt(x * x + y * y + S(eps * eps));
}

// Log density of N(y; m, Σ) for the constant 2×2 covariance given by its inverse and log det.
template <class S>
S gaussian2_logpdf(const S& d1, const S& d2, double p11, double p12, double p22, double log_det) {
  return -0.5 * (p11 * d1 * d1 + 2.0 * p12 * d1 * d2 + p22 * d2 * d2) - kLog2Pi - 0.5 * log_det;
}

double value_or(const ParamValues& v, const char* name) {
  return v.at(name);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Donut

const ParamTable& DonutTarget::table() {
  static const ParamTable t = {
      {"radius", 2.6, 0.5, 10.0, "ring radius R"},
      {"sigma2", 0.033, 1e-3, 1.0, "s² in −(‖x‖ − R)²/s² (radial std ≈ √(s²/2))", false, {}, true},
  };
  return t;
}
DonutTarget::DonutTarget(const ParamValues& params) {
  const ParamValues v = resolve_params(table(), params);
  radius_ = value_or(v, "radius");
  sigma2_ = value_or(v, "sigma2");
}
Box DonutTarget::view_box() const {
  const double h = radius_ + 4.0 * std::sqrt(sigma2_ / 2);
  return {-h, h, -h, h};
}
ParamValues DonutTarget::params() const {
  return {{"radius", radius_}, {"sigma2", sigma2_}};
}
TargetSpec DonutTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S DonutTarget::logp(const S& x, const S& y) const {
  const S r = soft_norm(x, y, 1e-9);
  const S d = r - S(radius_);
  return -(d * d) / sigma2_;
}

// ---------------------------------------------------------------------------------------------
// Rosenbrock

const ParamTable& RosenbrockTarget::table() {
  static const ParamTable t = {
      {"a", 1.0, -3.0, 3.0, "location a of the valley's minimum (x₁ = a, x₂ = a²)"},
      {"b", 20.0, 0.1, 200.0, "valley steepness b (x₂ | x₁ has variance T/(2b))", false, {}, true},
      {"temperature", 0.4, 0.01, 20.0, "temperature T (x₁ has variance T/2)", false, {}, true},
  };
  return t;
}
RosenbrockTarget::RosenbrockTarget(const ParamValues& params) {
  const ParamValues v = resolve_params(table(), params);
  a_ = v.at("a");
  b_ = v.at("b");
  temperature_ = v.at("temperature");
}
Box RosenbrockTarget::view_box() const {
  const double s1 = std::sqrt(temperature_ / 2), s2 = std::sqrt(temperature_ / (2 * b_));
  const double lo = a_ - kTailSigmas * s1, hi = a_ + kTailSigmas * s1;
  const double sq_max = std::max(lo * lo, hi * hi);
  const double sq_min = (lo < 0 && hi > 0) ? 0.0 : std::min(lo * lo, hi * hi);
  return {lo, hi, sq_min - kTailSigmas * s2, sq_max + kTailSigmas * s2};
}
ParamValues RosenbrockTarget::params() const {
  return {{"a", a_}, {"b", b_}, {"temperature", temperature_}};
}
TargetSpec RosenbrockTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S RosenbrockTarget::logp(const S& x, const S& y) const {
  const S d1 = S(a_) - x;
  const S d2 = y - x * x;
  return -(d1 * d1 + b_ * (d2 * d2)) / temperature_;
}

// ---------------------------------------------------------------------------------------------
// Banana

namespace {
// N((0, 4), [[1, 0.5], [0.5, 1]]): inverse = (1/0.75)[[1, −0.5], [−0.5, 1]], det = 0.75.
constexpr double kBananaP11 = 1 / 0.75, kBananaP12 = -0.5 / 0.75, kBananaP22 = 1 / 0.75;
const double kBananaLogDet = std::log(0.75);
}  // namespace

const ParamTable& BananaTarget::table() {
  static const ParamTable t = {
      {"a", 2.0, 0.5, 4.0, "stretch a (y₁ = x₁/a, y₂ = a·x₂ + a·b·(x₁² + a²))"},
      {"b", 0.2, 0.0, 1.0, "bend b"},
  };
  return t;
}
BananaTarget::BananaTarget(const ParamValues& params) {
  const ParamValues v = resolve_params(table(), params);
  a_ = v.at("a");
  b_ = v.at("b");
}
Box BananaTarget::view_box() const {
  const double k = kTailSigmas, a2 = a_ * a_;
  return {-k * a_, k * a_, (4 - k) / a_ - b_ * a2 * (k * k + 1), (4 + k) / a_ - b_ * a2};
}
ParamValues BananaTarget::params() const {
  return {{"a", a_}, {"b", b_}};
}
TargetSpec BananaTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S BananaTarget::logp(const S& x, const S& y) const {
  const S y1 = x / a_;
  const S y2 = a_ * y + (a_ * b_) * (x * x + S(a_ * a_));
  return gaussian2_logpdf(y1, y2 - S(4.0), kBananaP11, kBananaP12, kBananaP22, kBananaLogDet);
}

// ---------------------------------------------------------------------------------------------
// Funnel

const ParamTable& FunnelTarget::table() {
  static const ParamTable t = {
      {"v_scale", 3.0, 0.25, 3.0, "σᵥ: std of v = x₂ − 2 (Neal: 3); u = x₁ | v ~ N(0, e^v)"},
  };
  return t;
}
double FunnelTarget::x1_tail_probability(double c, double v_scale) {
  // E_v[erfc(c e^{−v/2}/√2)], v ~ N(0, σᵥ²): midpoint rule over ±10σᵥ with 4000 nodes (the
  // integrand is smooth on the scale of σᵥ/400, so the rule is accurate far below 1e-7).
  const int n = 4000;
  const double lo = -10 * v_scale, h = 20 * v_scale / n;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double v = cell_centre(lo, h, i);
    const double z = v / v_scale;
    sum += std::exp(-0.5 * z * z) * std::erfc(c * std::exp(-0.5 * v) / std::sqrt(2.0));
  }
  return sum * h / (v_scale * std::sqrt(2 * kPi));
}
FunnelTarget::FunnelTarget(const ParamValues& params) {
  const ParamValues v = resolve_params(table(), params);
  v_scale_ = v.at("v_scale");
  // Half-width c of x₁ with P(|x₁| > c) = 5e-4 (bisection on log c); x₂ adds ≤ 1.45e-4.
  double lo = std::log(1e-2), hi = std::log(1e5);
  for (int it = 0; it < 60; ++it) {
    const double mid = 0.5 * (lo + hi);
    (x1_tail_probability(std::exp(mid), v_scale_) > 5e-4 ? lo : hi) = mid;
  }
  const double c = std::exp(hi);
  box_ = {-c, c, 2 - 3.8 * v_scale_, 2 + 3.8 * v_scale_};
}
ParamValues FunnelTarget::params() const {
  return {{"v_scale", v_scale_}};
}
TargetSpec FunnelTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S FunnelTarget::logp(const S& x, const S& y) const {
  using std::exp;
  using std::min;
  const S v = y - S(2.0);
  // e^{−v} with the exponent capped at 700 (only for x₂ < −698) so that u²e^{−v} never becomes
  // 0·inf = NaN; the density there is e^{−(700)²/18}-small anyway.
  const S e = exp(min(-v, S(700.0)));
  return -(v * v) / (2 * v_scale_ * v_scale_) - 0.5 * (x * x) * e - 0.5 * v;
}

// ---------------------------------------------------------------------------------------------
// Squiggle

namespace {
// N(0, [[2, 0.25], [0.25, 0.5]]): det = 0.9375.
constexpr double kSquiggleDet = 2 * 0.5 - 0.25 * 0.25;
constexpr double kSquiggleP11 = 0.5 / kSquiggleDet, kSquiggleP12 = -0.25 / kSquiggleDet,
                 kSquiggleP22 = 2 / kSquiggleDet;
const double kSquiggleLogDet = std::log(kSquiggleDet);
}  // namespace

const ParamTable& SquiggleTarget::table() {
  static const ParamTable t = {
      {"frequency", 5.0, 0.0, 10.0, "ω in y₂ = x₂ + sin(ω x₁)"},
  };
  return t;
}
SquiggleTarget::SquiggleTarget(const ParamValues& params) {
  frequency_ = resolve_params(table(), params).at("frequency");
}
Box SquiggleTarget::view_box() const {
  const double hx = kTailSigmas * std::sqrt(2.0), hy = kTailSigmas * std::sqrt(0.5) + 1;
  return {-hx, hx, -hy, hy};
}
ParamValues SquiggleTarget::params() const {
  return {{"frequency", frequency_}};
}
TargetSpec SquiggleTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S SquiggleTarget::logp(const S& x, const S& y) const {
  using std::sin;
  const S y2 = y + sin(frequency_ * x);
  return gaussian2_logpdf(x, y2, kSquiggleP11, kSquiggleP12, kSquiggleP22, kSquiggleLogDet);
}

// ---------------------------------------------------------------------------------------------
// Rings

const ParamTable& RingsTarget::table() {
  static const ParamTable t = {
      {"rings", 4, 1, 8, "number of rings K (radii 1, 2, …, K; equal weights)", true},
      {"sigma", 0.15, 0.05, 0.5, "radial std σ of each ring"},
  };
  return t;
}
RingsTarget::RingsTarget(const ParamValues& params) {
  const ParamValues v = resolve_params(table(), params);
  count_ = static_cast<int>(v.at("rings"));
  sigma_ = v.at("sigma");
  log_normalizer_ = -std::log(double(count_)) - std::log(sigma_ * std::sqrt(2 * kPi)) - kLog2Pi;
}
Box RingsTarget::view_box() const {
  const double h = count_ + 4 * sigma_;
  return {-h, h, -h, h};
}
ParamValues RingsTarget::params() const {
  return {{"rings", double(count_)}, {"sigma", sigma_}};
}
TargetSpec RingsTarget::spec() const {
  return {kind(), params()};
}
template <class S>
S RingsTarget::logp(const S& x, const S& y) const {
  using std::log;
  const S r = soft_norm(x, y, 1e-6);
  // h(r) = LSE_k(c (r − k)²) as a 1-D function with its first two derivatives (responsibilities
  // γ_k: h' = Σγ_k a_k', h'' = Σγ_k (a_k'' + a_k'²) − h'²), then chained onto r.
  const double rv = value_of(r), c = -0.5 / (sigma_ * sigma_);
  const double nearest = std::clamp(std::round(rv), 1.0, double(count_));
  const double m = c * (rv - nearest) * (rv - nearest);  // the largest term
  double sum = 0, d1 = 0, d2 = 0;
  for (int k = 1; k <= count_; ++k) {
    const double a = c * (rv - k) * (rv - k), da = 2 * c * (rv - k);
    const double e = std::exp(a - m);
    sum += e, d1 += e * da, d2 += e * (2 * c + da * da);
  }
  const double h1 = d1 / sum;
  const double h = m + std::log(sum), h2 = d2 / sum - h1 * h1;
  if constexpr (std::is_same_v<S, double>) {
    return h + log_normalizer_ - log(r);
  } else {
    return chain(r, h, h1, h2) + S(log_normalizer_) - log(r);
  }
}

// ---------------------------------------------------------------------------------------------
// Dual moon

namespace {
// LSE(−½((t − μ)/s)², −½((t + μ)/s)²) and its first two derivatives in t (1-D, doubles).
struct Lse1d {
  double value, d1, d2;
};
Lse1d symmetric_pair_lse(double t, double mu, double s) {
  const double a1 = -0.5 * square((t - mu) / s), a2 = -0.5 * square((t + mu) / s);
  const double da1 = -(t - mu) / (s * s), da2 = -(t + mu) / (s * s), dd = -1 / (s * s);
  const double m = std::max(a1, a2);
  const double e1 = std::exp(a1 - m), e2 = std::exp(a2 - m), sum = e1 + e2;
  const double g1 = e1 / sum, g2 = e2 / sum;
  const double d1 = g1 * da1 + g2 * da2;
  return {m + std::log(sum), d1, g1 * (dd + da1 * da1) + g2 * (dd + da2 * da2) - d1 * d1};
}
}  // namespace

template <class S>
S DualMoonTarget::logp(const S& x, const S& y) const {
  const S r = soft_norm(x, y, 1e-9);
  const S ring = -0.5 * square((r - S(2.0)) / 0.1);
  const Lse1d tx = symmetric_pair_lse(value_of(x), 3.0, 0.8);
  const Lse1d ty = symmetric_pair_lse(value_of(y), 3.0, 0.6);
  if constexpr (std::is_same_v<S, double>) {
    return ring + tx.value + ty.value;
  } else {
    return ring + chain(x, tx.value, tx.d1, tx.d2) + chain(y, ty.value, ty.d1, ty.d2);
  }
}

// ---------------------------------------------------------------------------------------------
// Gaussian mixtures

GaussianMixtureTarget::GaussianMixtureTarget(std::vector<GaussianComponent> components,
                                             std::string kind, std::string display_name)
    : components_(std::move(components)),
      kind_(std::move(kind)),
      display_name_(std::move(display_name)) {
  if (components_.empty())
    throw ParamError("components", "a Gaussian mixture needs at least one component (K ≥ 1)");
  double total = 0;
  for (size_t i = 0; i < components_.size(); ++i) {
    const auto& c = components_[i];
    const std::string at = "components[" + std::to_string(i) + "]";
    if (!std::isfinite(c.weight) || c.weight <= 0)
      throw ParamError(at + ".weight", at + ".weight = " + format_number(c.weight) +
                                           ": expected a finite number > 0");
    if (!c.mean.allFinite())
      throw ParamError(at + ".mean", at + ".mean must be two finite numbers");
    const Mat2& s = c.cov;
    if (!s.allFinite()) throw ParamError(at + ".cov", at + ".cov must hold finite numbers");
    const double scale =
        std::max({std::abs(s(0, 0)), std::abs(s(1, 1)), std::abs(s(0, 1)), 1e-300});
    if (std::abs(s(0, 1) - s(1, 0)) > 1e-12 * scale)
      throw ParamError(at + ".cov", at + ".cov must be symmetric (cov[0][1] == cov[1][0])");
    const double det = s(0, 0) * s(1, 1) - s(0, 1) * s(0, 1);
    if (!(s(0, 0) > 0) || !(det > 0))
      throw ParamError(at + ".cov", at + ".cov must be positive definite (cov[0][0] > 0 and " +
                                        "determinant > 0; determinant = " + format_number(det) +
                                        ")");
    total += c.weight;
  }
  if (!std::isfinite(total)) throw ParamError("components", "the sum of the weights is not finite");
  box_ = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (auto& c : components_) {
    c.weight /= total;
    c.cov(1, 0) = c.cov(0, 1);
    const Mat2& s = c.cov;
    const double det = s(0, 0) * s(1, 1) - s(0, 1) * s(0, 1);
    pre_.push_back({c.mean.x(), c.mean.y(), s(1, 1) / det, -s(0, 1) / det, s(0, 0) / det,
                    std::log(c.weight) - kLog2Pi - 0.5 * std::log(det)});
    const double hx = kTailSigmas * std::sqrt(s(0, 0)), hy = kTailSigmas * std::sqrt(s(1, 1));
    box_.xmin = std::min(box_.xmin, c.mean.x() - hx);
    box_.xmax = std::max(box_.xmax, c.mean.x() + hx);
    box_.ymin = std::min(box_.ymin, c.mean.y() - hy);
    box_.ymax = std::max(box_.ymax, c.mean.y() + hy);
  }
}

TargetSpec GaussianMixtureTarget::spec() const {
  TargetSpec s{kind_};
  if (kind_ == "gmm") s.components = components_;
  return s;
}

int GaussianMixtureTarget::most_responsible(double x, double y) const {
  int best = 0;
  double best_value = -INFINITY;
  for (size_t k = 0; k < pre_.size(); ++k) {
    const auto& c = pre_[k];
    const double d1 = x - c.mx, d2 = y - c.my;
    const double q =
        c.log_coefficient - 0.5 * (c.p11 * d1 * d1 + 2 * c.p12 * d1 * d2 + c.p22 * d2 * d2);
    if (q > best_value) best_value = q, best = static_cast<int>(k);
  }
  return best;
}

template <class S>
S GaussianMixtureTarget::logp(const S& xs, const S& ys) const {
  const double x = value_of(xs), y = value_of(ys);
  // Pass 1: the largest log term (values only).
  double m = -INFINITY;
  for (const auto& c : pre_) {
    const double d1 = x - c.mx, d2 = y - c.my;
    m = std::max(
        m, c.log_coefficient - 0.5 * (c.p11 * d1 * d1 + 2 * c.p12 * d1 * d2 + c.p22 * d2 * d2));
  }
  if constexpr (std::is_same_v<S, double>) {
    double sum = 0;
    for (const auto& c : pre_) {
      const double d1 = x - c.mx, d2 = y - c.my;
      const double q =
          c.log_coefficient - 0.5 * (c.p11 * d1 * d1 + 2 * c.p12 * d1 * d2 + c.p22 * d2 * d2) - m;
      if (q > kNegligible) sum += std::exp(q);
    }
    return m + std::log(sum);
  } else {
    // Pass 2, analytic: with γ_k ∝ exp(q_k − m) and g_k = −P_k d_k,
    // s = Σγ g / Σγ and H = Σγ (g gᵀ − P) / Σγ − s sᵀ (exact for xs, ys being the variables;
    // chained below for general inputs).
    double sw = 0, sgx = 0, sgy = 0, sxx = 0, sxy = 0, syy = 0;
    for (const auto& c : pre_) {
      const double d1 = x - c.mx, d2 = y - c.my;
      const double gx = -(c.p11 * d1 + c.p12 * d2), gy = -(c.p12 * d1 + c.p22 * d2);
      const double q = c.log_coefficient + 0.5 * (gx * d1 + gy * d2);
      if (q - m <= kNegligible) continue;
      const double w = std::exp(q - m);
      sw += w;
      sgx += w * gx, sgy += w * gy;
      sxx += w * (gx * gx - c.p11), sxy += w * (gx * gy - c.p12), syy += w * (gy * gy - c.p22);
    }
    const double inv = 1 / sw;
    const double sx = sgx * inv, sy = sgy * inv;
    const double hxx = sxx * inv - sx * sx, hxy = sxy * inv - sx * sy, hyy = syy * inv - sy * sy;
    const double value = m + std::log(sw);
    // Chain rule from (x, y) to the inputs' own derivatives (identity when they are variables).
    return Jet{value,
               sx * xs.gx + sy * ys.gx,
               sx * xs.gy + sy * ys.gy,
               hxx * xs.gx * xs.gx + 2 * hxy * xs.gx * ys.gx + hyy * ys.gx * ys.gx + sx * xs.hxx +
                   sy * ys.hxx,
               hxx * xs.gx * xs.gy + hxy * (xs.gx * ys.gy + xs.gy * ys.gx) + hyy * ys.gx * ys.gy +
                   sx * xs.hxy + sy * ys.hxy,
               hxx * xs.gy * xs.gy + 2 * hxy * xs.gy * ys.gy + hyy * ys.gy * ys.gy + sx * xs.hyy +
                   sy * ys.hyy};
  }
}

std::vector<GaussianComponent> named_mixture_components(const std::string& kind) {
  const Mat2 I = Mat2::Identity();
  if (kind == "gmm_2to1")
    return {{1.0 / 3, Vec2(-1.5, -1.5), 0.05 * I}, {2.0 / 3, Vec2(1.5, 1.5), 0.1 * I}};
  if (kind == "gmm_8ring") {
    std::vector<GaussianComponent> c;
    for (int i = 0; i < 8; ++i) {
      const double t = 2 * kPi * i / 8;
      c.push_back({1.0 / 8, Vec2(std::cos(t), std::sin(t)), 0.15 * 0.15 * I});
    }
    return c;
  }
  if (kind == "gmm_4line")
    return {{0.1, Vec2(-3, 0), 0.05 * I},
            {0.2, Vec2(-1, 0), 0.05 * I},
            {0.3, Vec2(1, 0), 0.05 * I},
            {0.4, Vec2(3, 0), 0.05 * I}};
  if (kind == "gmm_3mode")
    return {{1.0 / 3, Vec2(-1.5, -1.5), 0.8 * I},
            {1.0 / 3, Vec2(1.5, 1.5), 0.8 * I},
            {1.0 / 3, Vec2(-2, 2), 0.5 * I}};
  throw ParamError("kind", "'" + kind + "' is not a named mixture");
}

std::vector<GaussianComponent> default_gmm_components() {
  Mat2 a, b, c;
  a << 0.6, 0.35, 0.35, 0.4;
  b << 0.3, -0.2, -0.2, 0.5;
  c << 0.8, 0.0, 0.0, 0.15;
  return {{0.5, Vec2(-1.5, 0.5), a}, {0.3, Vec2(1.5, 1.5), b}, {0.2, Vec2(1.0, -1.5), c}};
}

// Explicit instantiations of every logp for both scalar types.
#define SS_INSTANTIATE_LOGP(T)                                         \
  template double T::logp<double>(const double&, const double&) const; \
  template Jet T::logp<Jet>(const Jet&, const Jet&) const;
SS_INSTANTIATE_LOGP(DonutTarget)
SS_INSTANTIATE_LOGP(RosenbrockTarget)
SS_INSTANTIATE_LOGP(BananaTarget)
SS_INSTANTIATE_LOGP(FunnelTarget)
SS_INSTANTIATE_LOGP(SquiggleTarget)
SS_INSTANTIATE_LOGP(RingsTarget)
SS_INSTANTIATE_LOGP(DualMoonTarget)
SS_INSTANTIATE_LOGP(GaussianMixtureTarget)
#undef SS_INSTANTIATE_LOGP

// ---------------------------------------------------------------------------------------------
// Factory

namespace {

// The built-in target registry: the one place a built-in kind is listed. Its order is the order
// the UI lists them; `table` is null for kinds without numeric knobs (dual moon, the mixtures);
// `make` builds the target from validated knob overrides (mixtures: see make_target for "gmm").
struct BuiltinKind {
  const char* kind;
  const char* display_name;
  const ParamTable& (*table)();
  std::shared_ptr<const Target> (*make)(const ParamValues& params);
};

template <class T>
std::shared_ptr<const Target> make_with_params(const ParamValues& params) {
  return std::make_shared<T>(params);
}
std::shared_ptr<const Target> make_dual_moon(const ParamValues&) {
  return std::make_shared<DualMoonTarget>();
}
std::shared_ptr<const Target> make_default_gmm(const ParamValues&) {
  return std::make_shared<GaussianMixtureTarget>(default_gmm_components());
}

constexpr BuiltinKind kBuiltinKinds[] = {
    {"donut", "Donut", &DonutTarget::table, &make_with_params<DonutTarget>},
    {"banana", "Banana", &BananaTarget::table, &make_with_params<BananaTarget>},
    {"rosenbrock", "Rosenbrock", &RosenbrockTarget::table, &make_with_params<RosenbrockTarget>},
    {"funnel", "Neal's funnel", &FunnelTarget::table, &make_with_params<FunnelTarget>},
    {"squiggle", "Squiggle", &SquiggleTarget::table, &make_with_params<SquiggleTarget>},
    {"rings", "Rings", &RingsTarget::table, &make_with_params<RingsTarget>},
    {"dual_moon", "Dual moon", nullptr, &make_dual_moon},
    {"gmm_2to1", "2:1 mixture", nullptr, nullptr},
    {"gmm_8ring", "8 Gaussians", nullptr, nullptr},
    {"gmm_4line", "Four modes on a line", nullptr, nullptr},
    {"gmm_3mode", "Three modes (mcmc-demo)", nullptr, nullptr},
    {"gmm", "Gaussian mixture", nullptr, &make_default_gmm},
};

const BuiltinKind* find_builtin(const std::string& kind) {
  for (const auto& k : kBuiltinKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

std::string known_kinds_text() {
  std::string s;
  for (const auto& k : kBuiltinKinds) s += std::string(s.empty() ? "" : ", ") + k.kind;
  return s + ", formula";
}

[[noreturn]] void unknown_kind(const std::string& kind) {
  throw ParamError("kind", "unknown target kind '" + kind + "'; known: " + known_kinds_text());
}

}  // namespace

std::vector<std::string> builtin_target_kinds() {
  std::vector<std::string> kinds;
  for (const auto& k : kBuiltinKinds) kinds.emplace_back(k.kind);
  return kinds;
}

std::string target_display_name(const std::string& kind) {
  if (kind == "formula") return "Formula";
  if (const BuiltinKind* k = find_builtin(kind)) return k->display_name;
  unknown_kind(kind);
}

const ParamTable& target_param_table(const std::string& kind) {
  static const ParamTable empty;
  if (kind == "formula") return empty;
  const BuiltinKind* k = find_builtin(kind);
  if (!k) unknown_kind(kind);
  return k->table ? k->table() : empty;
}

std::shared_ptr<const Target> make_target(const TargetSpec& spec) {
  const std::string& kind = spec.kind;
  if (kind == "formula") {
    if (!spec.params.empty())
      throw ParamError(
          spec.params.begin()->first,
          "formula targets take no numeric parameters (got '" + spec.params.begin()->first + "')");
    return make_formula_target(spec.log_density, spec.box);
  }
  if (!spec.log_density.empty())
    throw ParamError("log_density",
                     "'log_density' is only allowed for kind 'formula' (kind is '" + kind + "')");
  const BuiltinKind* k = find_builtin(kind);
  if (!k) unknown_kind(kind);
  if (!spec.components.empty() && kind != "gmm")
    throw ParamError("components",
                     "'components' is only allowed for kind 'gmm' (kind is '" + kind + "')");
  if (!k->table && !spec.params.empty())
    throw ParamError(
        spec.params.begin()->first,
        "target kind '" + kind + "' has no parameters (got '" + spec.params.begin()->first + "')");
  if (kind == "gmm" && !spec.components.empty())
    return std::make_shared<GaussianMixtureTarget>(spec.components);
  if (k->make) return k->make(spec.params);
  // The named mixtures (gmm_2to1, …): fixed components, their own kind and title.
  return std::make_shared<GaussianMixtureTarget>(named_mixture_components(kind), kind,
                                                 k->display_name);
}

}  // namespace ss
