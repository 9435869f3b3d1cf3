// Internal to the formula target (core/targets/formula_*.cpp), not part of its interface: the
// scalar operations shared by constant folding (formula_compile.cpp), the double and Jet
// evaluators (formula_eval.cpp), and the position/message helpers of the compiler and the checks
// (formula_check.cpp). The value part of every Jet operation is computed exactly like the double
// one, so value() and jet().v agree.
#pragma once

#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>
#include <type_traits>

#include "core/targets/formula.h"

namespace ss::formula_detail {

// ---------------------------------------------------------------------------------------------
// Scalar operations shared by constant folding, the double evaluator and the Jet evaluator. The
// value part of every Jet operation is computed exactly like the double one, so value() and
// jet().v agree (up to contraction differences between compilers).

inline double quotient(double a, double b) {
  return a / b;
}
inline Jet quotient(const Jet& a, const Jet& b) {
  // q = a / b  ⇒  a = q b  ⇒  q' = (a' - q b') / b,  q'' = (a'' - 2 q' b' - q b'') / b.
  const double q = a.v / b.v;
  const double qx = (a.gx - q * b.gx) / b.v, qy = (a.gy - q * b.gy) / b.v;
  return {q,
          qx,
          qy,
          (a.hxx - 2 * qx * b.gx - q * b.hxx) / b.v,
          (a.hxy - qx * b.gy - qy * b.gx - q * b.hxy) / b.v,
          (a.hyy - 2 * qy * b.gy - q * b.hyy) / b.v};
}
inline double divide_by_constant(double a, double c) {
  return a / c;
}
inline Jet divide_by_constant(const Jet& a, double c) {
  return {a.v / c, a.gx / c, a.gy / c, a.hxx / c, a.hxy / c, a.hyy / c};
}
inline double constant_divided_by(double c, double a) {
  return c / a;
}
inline Jet constant_divided_by(double c, const Jet& a) {
  const double r = c / a.v, d1 = -r / a.v, d2 = -2 * d1 / a.v;
  return chain(a, r, d1, d2);
}
inline double power_constant(double a, double p) {
  return p == 2 ? a * a : std::pow(a, p);
}
inline Jet power_constant(const Jet& a, double p) {
  return ss::pow(a, p);
}
inline double constant_power(double c, double a) {
  return std::exp(a * std::log(c));
}
inline Jet constant_power(double c, const Jet& a) {
  return ss::exp(a * std::log(c));
}
inline double power(double a, double b) {
  return std::exp(b * std::log(a));
}
inline Jet power(const Jet& a, const Jet& b) {
  return ss::exp(b * ss::log(a));
}

// max/min that propagate NaN from either side and keep the selected branch's derivatives.
template <class S>
inline S maximum(const S& a, const S& b) {
  const double av = value_of(a), bv = value_of(b);
  return (av >= bv || std::isnan(av)) ? a : b;
}
template <class S>
inline S minimum(const S& a, const S& b) {
  const double av = value_of(a), bv = value_of(b);
  return (av <= bv || std::isnan(av)) ? a : b;
}

template <class S>
inline S unary(FormulaOp op, const S& a) {
  using std::abs, std::cos, std::exp, std::log, std::log1p, std::sin, std::sqrt, std::tan,
      std::tanh;
  switch (op) {
    case FormulaOp::Neg:
      return -a;
    case FormulaOp::Square:
      return a * a;
    case FormulaOp::Exp:
      return exp(a);
    case FormulaOp::Log:
      return log(a);
    case FormulaOp::Log1p:
      return log1p(a);
    case FormulaOp::Sqrt:
      return sqrt(a);
    case FormulaOp::Sin:
      return sin(a);
    case FormulaOp::Cos:
      return cos(a);
    case FormulaOp::Tan:
      return tan(a);
    case FormulaOp::Tanh:
      return tanh(a);
    case FormulaOp::Abs:
      return abs(a);
    default:
      return S(kNaN);
  }
}

template <class S>
inline S binary(FormulaOp op, const S& a, const S& b) {
  switch (op) {
    case FormulaOp::Add:
      return a + b;
    case FormulaOp::Sub:
      return a - b;
    case FormulaOp::Mul:
      return a * b;
    case FormulaOp::Div:
      return quotient(a, b);
    case FormulaOp::Pow:
      return power(a, b);
    case FormulaOp::Min:
      return minimum(a, b);
    case FormulaOp::Max:
      return maximum(a, b);
    default:
      return S(kNaN);
  }
}

// Binary operation with one constant operand (the *C instructions).
template <class S>
inline S with_constant(FormulaOp op, const S& a, double c) {
  switch (op) {
    case FormulaOp::AddC:
      return a + S(c);
    case FormulaOp::SubC:
      return a - S(c);
    case FormulaOp::CSub:
      return S(c) - a;
    case FormulaOp::MulC:
      return c * a;
    case FormulaOp::DivC:
      return divide_by_constant(a, c);
    case FormulaOp::CDiv:
      return constant_divided_by(c, a);
    case FormulaOp::PowC:
      return power_constant(a, c);
    case FormulaOp::CPow:
      return constant_power(c, a);
    default:
      return S(kNaN);
  }
}

// Streaming log-sum-exp: the state is (sum, m) with sum = Σ exp(t_i - m) and m the largest term
// so far (m is a constant for differentiation: log(sum) + m has the exact derivatives).
template <class S>
inline void lse_add(S& sum, double& m, const S& t) {
  using std::exp;
  const double tv = value_of(t);
  if (std::isnan(tv)) {
    sum = sum + t;  // poisons the sum
  } else if (tv == -kInf || m == kInf) {
    // contributes nothing / the result is already +inf
  } else if (tv == kInf) {
    m = kInf;
  } else if (tv > m) {
    sum = sum * std::exp(m - tv) + exp(t - S(tv));
    m = tv;
  } else {
    sum = sum + exp(t - S(m));
  }
}
template <class S>
inline S lse_finish(const S& sum, double m) {
  using std::log;
  if (std::isnan(value_of(sum))) return S(kNaN);
  if (m == kInf || m == -kInf) return S(m);
  return log(sum) + S(m);
}

inline bool is_unary(FormulaOp op) {
  return op >= FormulaOp::Neg && op <= FormulaOp::Abs;
}
inline bool is_with_constant(FormulaOp op) {
  return op >= FormulaOp::AddC && op <= FormulaOp::CPow;
}

// ---------------------------------------------------------------------------------------------
// Positions and messages.

inline std::string where(const std::string& src, int offset) {
  const bool multiline = src.find('\n') != std::string::npos;
  int line = 1, line_start = 0;
  for (int i = 0; i < offset && i < static_cast<int>(src.size()); ++i)
    if (src[i] == '\n') ++line, line_start = i + 1;
  const int column = offset - line_start + 1;
  if (multiline) return "line " + std::to_string(line) + ", column " + std::to_string(column);
  return "column " + std::to_string(column);
}

inline FormulaIssue issue_at(const std::string& src, int offset, int length, std::string message) {
  FormulaIssue is;
  is.message = std::move(message);
  is.offset = offset;
  is.length = std::max(1, length);
  int line = 1, line_start = 0;
  for (int i = 0; i < offset && i < static_cast<int>(src.size()); ++i)
    if (src[i] == '\n') ++line, line_start = i + 1;
  is.line = line;
  is.column = offset - line_start + 1;
  return is;
}

}  // namespace ss::formula_detail
