// Second-order forward-mode automatic differentiation in two variables.
//
// A Jet carries a value f, its gradient (fx, fy) and its Hessian (fxx, fxy, fyy) with respect to
// the two inputs x and y. Functions written once as templates over the scalar type (double or Jet)
// then give log density, score and Hessian exactly, with no finite differences:
//
//   template <class S> S logp(const S& x, const S& y) { return -(x * x + y * y) / 2.0; }
//   Jet j = logp(Jet::variable_x(1.0), Jet::variable_y(2.0));  // j.v, j.gx, j.gy, j.hxx, ...
//
// Rules: for a unary f, (f∘u) has gradient f'(u)∇u and Hessian f'(u)∇²u + f''(u)∇u∇uᵀ; products
// use the Leibniz rule. Everything is inline and allocation-free. Comparisons use values only
// (they select a branch; the derivative of the selected branch is kept), so max/min/abs are
// differentiated almost everywhere, as usual.
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>

namespace ss {

struct Jet {
  double v = 0, gx = 0, gy = 0, hxx = 0, hxy = 0, hyy = 0;

  constexpr Jet() = default;
  constexpr Jet(double value) : v(value) {}  // NOLINT: constants promote implicitly
  constexpr Jet(double value, double dx, double dy, double xx, double xy, double yy)
      : v(value), gx(dx), gy(dy), hxx(xx), hxy(xy), hyy(yy) {}

  static constexpr Jet variable_x(double x) { return {x, 1, 0, 0, 0, 0}; }
  static constexpr Jet variable_y(double y) { return {y, 0, 1, 0, 0, 0}; }

  Jet& operator+=(const Jet& b) { return *this = *this + b; }
  Jet& operator-=(const Jet& b) { return *this = *this - b; }
  Jet& operator*=(const Jet& b) { return *this = *this * b; }
  Jet& operator/=(const Jet& b) { return *this = *this / b; }

  friend constexpr Jet operator+(const Jet& a, const Jet& b) {
    return {a.v + b.v, a.gx + b.gx, a.gy + b.gy, a.hxx + b.hxx, a.hxy + b.hxy, a.hyy + b.hyy};
  }
  friend constexpr Jet operator-(const Jet& a, const Jet& b) {
    return {a.v - b.v, a.gx - b.gx, a.gy - b.gy, a.hxx - b.hxx, a.hxy - b.hxy, a.hyy - b.hyy};
  }
  friend constexpr Jet operator-(const Jet& a) {
    return {-a.v, -a.gx, -a.gy, -a.hxx, -a.hxy, -a.hyy};
  }
  friend constexpr Jet operator*(const Jet& a, const Jet& b) {
    return {a.v * b.v,
            a.gx * b.v + a.v * b.gx,
            a.gy * b.v + a.v * b.gy,
            a.hxx * b.v + 2 * a.gx * b.gx + a.v * b.hxx,
            a.hxy * b.v + a.gx * b.gy + a.gy * b.gx + a.v * b.hxy,
            a.hyy * b.v + 2 * a.gy * b.gy + a.v * b.hyy};
  }
  friend constexpr Jet operator*(double s, const Jet& a) {
    return {s * a.v, s * a.gx, s * a.gy, s * a.hxx, s * a.hxy, s * a.hyy};
  }
  friend constexpr Jet operator*(const Jet& a, double s) { return s * a; }
  friend Jet operator/(const Jet& a, const Jet& b);
  friend constexpr Jet operator/(const Jet& a, double s) { return (1.0 / s) * a; }

  friend constexpr bool operator<(const Jet& a, const Jet& b) { return a.v < b.v; }
  friend constexpr bool operator>(const Jet& a, const Jet& b) { return a.v > b.v; }
  friend constexpr bool operator<=(const Jet& a, const Jet& b) { return a.v <= b.v; }
  friend constexpr bool operator>=(const Jet& a, const Jet& b) { return a.v >= b.v; }
};

/// Applies a scalar function with value f0, first derivative f1 and second derivative f2 at u.v.
inline constexpr Jet chain(const Jet& u, double f0, double f1, double f2) {
  return {f0,
          f1 * u.gx,
          f1 * u.gy,
          f1 * u.hxx + f2 * u.gx * u.gx,
          f1 * u.hxy + f2 * u.gx * u.gy,
          f1 * u.hyy + f2 * u.gy * u.gy};
}

inline double value_of(double a) {
  return a;
}
inline double value_of(const Jet& a) {
  return a.v;
}

inline Jet reciprocal(const Jet& u) {
  const double r = 1.0 / u.v;
  return chain(u, r, -r * r, 2 * r * r * r);
}
inline Jet operator/(const Jet& a, const Jet& b) {
  return a * reciprocal(b);
}

inline Jet exp(const Jet& u) {
  const double e = std::exp(u.v);
  return chain(u, e, e, e);
}
inline Jet log(const Jet& u) {
  return chain(u, std::log(u.v), 1 / u.v, -1 / (u.v * u.v));
}
inline Jet log1p(const Jet& u) {
  const double d = 1 / (1 + u.v);
  return chain(u, std::log1p(u.v), d, -d * d);
}
inline Jet sqrt(const Jet& u) {
  const double s = std::sqrt(u.v);
  return chain(u, s, 0.5 / s, -0.25 / (s * u.v));
}
inline Jet sin(const Jet& u) {
  const double s = std::sin(u.v), c = std::cos(u.v);
  return chain(u, s, c, -s);
}
inline Jet cos(const Jet& u) {
  const double s = std::sin(u.v), c = std::cos(u.v);
  return chain(u, c, -s, -c);
}
inline Jet tan(const Jet& u) {
  const double t = std::tan(u.v), d = 1 + t * t;
  return chain(u, t, d, 2 * t * d);
}
inline Jet tanh(const Jet& u) {
  const double t = std::tanh(u.v), d = 1 - t * t;
  return chain(u, t, d, -2 * t * d);
}
inline Jet abs(const Jet& u) {
  return u.v < 0 ? -u : u;
}
inline Jet pow(const Jet& u, double p) {
  if (p == 0) return Jet(1.0);
  if (p == 1) return u;
  if (p == 2) return u * u;
  const double f0 = std::pow(u.v, p);
  const double f1 = p * std::pow(u.v, p - 1);
  const double f2 = p * (p - 1) * std::pow(u.v, p - 2);
  return chain(u, f0, f1, f2);
}
inline Jet pow(const Jet& u, const Jet& p) {
  return exp(p * log(u));
}
inline Jet pow(double b, const Jet& p) {
  return exp(p * std::log(b));
}
inline Jet max(const Jet& a, const Jet& b) {
  return a.v >= b.v ? a : b;
}
inline Jet min(const Jet& a, const Jet& b) {
  return a.v <= b.v ? a : b;
}

inline bool isfinite(const Jet& u) {
  return std::isfinite(u.v) && std::isfinite(u.gx) && std::isfinite(u.gy) && std::isfinite(u.hxx) &&
         std::isfinite(u.hxy) && std::isfinite(u.hyy);
}

/// x², for either scalar type.
template <class S>
inline S square(const S& a) {
  return a * a;
}

/// Numerically stable log(Σ exp(a_i)) for either scalar type: the maximum is factored out, so no
/// term overflows and at least one term is exactly exp(0). Returns -inf for an empty list or when
/// every term is -inf.
template <class S, class Range>
inline S logsumexp_range(const Range& terms) {
  using std::exp;
  using std::log;
  double m = -std::numeric_limits<double>::infinity();
  for (const S& t : terms) m = std::max(m, value_of(t));
  if (!std::isfinite(m)) return S(m);
  S sum(0.0);
  for (const S& t : terms) sum = sum + exp(t - S(m));
  return log(sum) + S(m);
}

template <class S>
inline S logsumexp(std::initializer_list<S> terms) {
  return logsumexp_range<S>(terms);
}

}  // namespace ss
