// Evaluating a compiled formula: the interpreter (one pass over the program per point, for
// doubles and for Jets carrying the score and Hessian), the batched evaluate() over points in
// parallel, and FormulaTarget. Compiling is in formula_compile.cpp, the checks in
// formula_check.cpp.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/targets/formula.h"
#include "core/targets/formula_internal.h"

namespace ss {

using namespace formula_detail;

namespace {

// ---------------------------------------------------------------------------------------------
// The interpreter: one pass over the program per point, with a workspace of parameter slots
// followed by the value stack.

template <class S>
S run_program(const FormulaInstruction* code, std::size_t n, S* slots, S* stack, double x,
              double y) {
  S* sp = stack;  // next free stack entry
  for (std::size_t k = 0; k < n; ++k) {
    const FormulaInstruction& in = code[k];
    switch (in.op) {
      case FormulaOp::Const:
        *sp++ = S(in.c);
        break;
      case FormulaOp::X:
        if constexpr (std::is_same_v<S, Jet>)
          *sp++ = Jet::variable_x(x);
        else
          *sp++ = x;
        break;
      case FormulaOp::Y:
        if constexpr (std::is_same_v<S, Jet>)
          *sp++ = Jet::variable_y(y);
        else
          *sp++ = y;
        break;
      case FormulaOp::Load:
        *sp++ = slots[in.slot];
        break;
      case FormulaOp::Store:
        slots[in.slot] = *--sp;
        break;
      case FormulaOp::Add:
        sp[-2] = sp[-2] + sp[-1], --sp;
        break;
      case FormulaOp::Sub:
        sp[-2] = sp[-2] - sp[-1], --sp;
        break;
      case FormulaOp::Mul:
        sp[-2] = sp[-2] * sp[-1], --sp;
        break;
      case FormulaOp::Div:
      case FormulaOp::Pow:
      case FormulaOp::Min:
      case FormulaOp::Max:
        sp[-2] = binary(in.op, sp[-2], sp[-1]), --sp;
        break;
      case FormulaOp::AddC:
        sp[-1] = sp[-1] + S(in.c);
        break;
      case FormulaOp::SubC:
        sp[-1] = sp[-1] - S(in.c);
        break;
      case FormulaOp::MulC:
        sp[-1] = in.c * sp[-1];
        break;
      case FormulaOp::DivC:
        sp[-1] = divide_by_constant(sp[-1], in.c);
        break;
      case FormulaOp::Square:
        sp[-1] = sp[-1] * sp[-1];
        break;
      case FormulaOp::Neg:
        sp[-1] = -sp[-1];
        break;
      case FormulaOp::CSub:
      case FormulaOp::CDiv:
      case FormulaOp::PowC:
      case FormulaOp::CPow:
        sp[-1] = with_constant(in.op, sp[-1], in.c);
        break;
      case FormulaOp::LseBegin:
        sp[0] = S(0.0);
        sp[1] = S(-kInf);
        sp += 2;
        break;
      case FormulaOp::LseAdd: {
        double m = value_of(sp[-2]);
        lse_add(sp[-3], m, sp[-1]);
        sp[-2] = S(m);
        --sp;
        break;
      }
      case FormulaOp::LseEnd:
        sp[-2] = lse_finish(sp[-2], value_of(sp[-1]));
        --sp;
        break;
      default:
        sp[-1] = unary(in.op, sp[-1]);
        break;
    }
  }
  return sp[-1];
}

// Column-wise interpreter for batches: every stack entry holds a block of up to kBlock points, so
// one instruction dispatch serves kBlock points and the lane loops of the arithmetic vectorize.
// Each lane applies exactly the scalar operations of run_program(), so results are the same.
constexpr int kBlock = 64;

template <class S>
struct Block;
template <>
struct Block<double> {
  double v[kBlock];
  double get(int k) const { return v[k]; }
  void set(int k, double a) { v[k] = a; }
};
template <>
struct Block<Jet> {
  double v[kBlock], gx[kBlock], gy[kBlock], hxx[kBlock], hxy[kBlock], hyy[kBlock];
  Jet get(int k) const { return {v[k], gx[k], gy[k], hxx[k], hxy[k], hyy[k]}; }
  void set(int k, const Jet& a) {
    v[k] = a.v, gx[k] = a.gx, gy[k] = a.gy, hxx[k] = a.hxx, hxy[k] = a.hxy, hyy[k] = a.hyy;
  }
};

template <class S, class F>
inline void lanes(Block<S>& a, int n, F f) {
  for (int k = 0; k < n; ++k) a.set(k, f(a.get(k)));
}
template <class S, class F>
inline void lanes(Block<S>& a, const Block<S>& b, int n, F f) {
  for (int k = 0; k < n; ++k) a.set(k, f(a.get(k), b.get(k)));
}

// Evaluates the program for points xy[2k], xy[2k + 1] (row-major N×2 rows), k < n ≤ kBlock.
// Returns the block holding the results.
template <class S>
const Block<S>& run_block(const FormulaInstruction* code, std::size_t len, Block<S>* slots,
                          Block<S>* stack, const double* xy, int n) {
  Block<S>* sp = stack;
  for (std::size_t i = 0; i < len; ++i) {
    const FormulaInstruction& in = code[i];
    const double c = in.c;
    switch (in.op) {
      case FormulaOp::Const:
        for (int k = 0; k < n; ++k) sp->set(k, S(c));
        ++sp;
        break;
      case FormulaOp::X:
      case FormulaOp::Y: {
        const int col = in.op == FormulaOp::X ? 0 : 1;
        for (int k = 0; k < n; ++k) {
          if constexpr (std::is_same_v<S, Jet>)
            sp->set(k, col == 0 ? Jet::variable_x(xy[2 * k]) : Jet::variable_y(xy[2 * k + 1]));
          else
            sp->set(k, xy[2 * k + col]);
        }
        ++sp;
        break;
      }
      case FormulaOp::Load:
        *sp++ = slots[in.slot];
        break;
      case FormulaOp::Store:
        slots[in.slot] = *--sp;
        break;
      case FormulaOp::Add:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a + b; }), --sp;
        break;
      case FormulaOp::Sub:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a - b; }), --sp;
        break;
      case FormulaOp::Mul:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a * b; }), --sp;
        break;
      case FormulaOp::Div:
      case FormulaOp::Pow:
      case FormulaOp::Min:
      case FormulaOp::Max: {
        const FormulaOp op = in.op;
        lanes(sp[-2], sp[-1], n, [op](const S& a, const S& b) { return binary(op, a, b); });
        --sp;
        break;
      }
      case FormulaOp::AddC:
        lanes(sp[-1], n, [c](const S& a) { return a + S(c); });
        break;
      case FormulaOp::SubC:
        lanes(sp[-1], n, [c](const S& a) { return a - S(c); });
        break;
      case FormulaOp::MulC:
        lanes(sp[-1], n, [c](const S& a) { return c * a; });
        break;
      case FormulaOp::DivC:
        lanes(sp[-1], n, [c](const S& a) { return divide_by_constant(a, c); });
        break;
      case FormulaOp::Square:
        lanes(sp[-1], n, [](const S& a) { return a * a; });
        break;
      case FormulaOp::Neg:
        lanes(sp[-1], n, [](const S& a) { return -a; });
        break;
      case FormulaOp::CSub:
      case FormulaOp::CDiv:
      case FormulaOp::PowC:
      case FormulaOp::CPow: {
        const FormulaOp op = in.op;
        lanes(sp[-1], n, [op, c](const S& a) { return with_constant(op, a, c); });
        break;
      }
      case FormulaOp::LseBegin:
        for (int k = 0; k < n; ++k) sp[0].set(k, S(0.0)), sp[1].set(k, S(-kInf));
        sp += 2;
        break;
      case FormulaOp::LseAdd:
        for (int k = 0; k < n; ++k) {
          S sum = sp[-3].get(k);
          double m = value_of(sp[-2].get(k));
          lse_add(sum, m, sp[-1].get(k));
          sp[-3].set(k, sum);
          sp[-2].set(k, S(m));
        }
        --sp;
        break;
      case FormulaOp::LseEnd:
        for (int k = 0; k < n; ++k)
          sp[-2].set(k, lse_finish(sp[-2].get(k), value_of(sp[-1].get(k))));
        --sp;
        break;
      default: {
        const FormulaOp op = in.op;
        lanes(sp[-1], n, [op](const S& a) { return unary(op, a); });
        break;
      }
    }
  }
  return sp[-1];
}

template <class S>
Block<S>* thread_block_workspace(int size) {
  thread_local std::vector<Block<S>> workspace;
  if (static_cast<int>(workspace.size()) < size) workspace.resize(size);
  return workspace.data();
}

template <class S>
S* thread_workspace(int size) {
  thread_local std::vector<S> workspace;
  if (static_cast<int>(workspace.size()) < size) workspace.resize(size);
  return workspace.data();
}

}  // namespace

double FormulaProgram::value(double x, double y) const {
  double* ws = thread_workspace<double>(workspace_size_);
  return run_program<double>(code_.data(), code_.size(), ws, ws + num_parameter_slots_, x, y);
}

Jet FormulaProgram::jet(double x, double y) const {
  Jet* ws = thread_workspace<Jet>(workspace_size_);
  return run_program<Jet>(code_.data(), code_.size(), ws, ws + num_parameter_slots_, x, y);
}

bool FormulaProgram::is_constant() const {
  for (const auto& in : code_)
    if (in.op == FormulaOp::X || in.op == FormulaOp::Y) return false;
  return true;
}

void FormulaProgram::evaluate(const Points& x, Vec* log_density, Points* score,
                              Hessians* hessian) const {
  const Eigen::Index n = x.rows();
  if (log_density && log_density->size() != n) log_density->resize(n);
  if (score && score->rows() != n) score->resize(n, 2);
  if (hessian && hessian->rows() != n) hessian->resize(n, 3);
  const bool need_jet = score || hessian;
  if (!log_density && !need_jet) return;
  const FormulaInstruction* code = code_.data();
  const std::size_t len = code_.size();
  const double* xy = x.data();  // row-major: x(i, 0), x(i, 1) at xy[2i], xy[2i + 1]
  const int slots = num_parameter_slots_;
  auto body = [&](const tbb::blocked_range<Eigen::Index>& r) {
    if (!need_jet) {
      Block<double>* ws = thread_block_workspace<double>(workspace_size_);
      for (Eigen::Index i0 = r.begin(); i0 < r.end(); i0 += kBlock) {
        const int m = static_cast<int>(std::min<Eigen::Index>(kBlock, r.end() - i0));
        const Block<double>& out = run_block<double>(code, len, ws, ws + slots, xy + 2 * i0, m);
        for (int k = 0; k < m; ++k) (*log_density)(i0 + k) = out.v[k];
      }
      return;
    }
    Block<Jet>* ws = thread_block_workspace<Jet>(workspace_size_);
    for (Eigen::Index i0 = r.begin(); i0 < r.end(); i0 += kBlock) {
      const int m = static_cast<int>(std::min<Eigen::Index>(kBlock, r.end() - i0));
      const Block<Jet>& out = run_block<Jet>(code, len, ws, ws + slots, xy + 2 * i0, m);
      for (int k = 0; k < m; ++k) {
        const Eigen::Index i = i0 + k;
        if (log_density) (*log_density)(i) = out.v[k];
        if (score) (*score)(i, 0) = out.gx[k], (*score)(i, 1) = out.gy[k];
        if (hessian)
          (*hessian)(i, 0) = out.hxx[k], (*hessian)(i, 1) = out.hxy[k],
                        (*hessian)(i, 2) = out.hyy[k];
      }
    }
  };
  if (n < 512)
    body(tbb::blocked_range<Eigen::Index>(0, n));
  else
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, 256), body);
}

// ---------------------------------------------------------------------------------------------
// FormulaTarget

FormulaTarget::FormulaTarget(std::shared_ptr<const FormulaProgram> program, const Box& box,
                             std::vector<FormulaIssue> warnings)
    : program_(std::move(program)), box_(box), warnings_(std::move(warnings)) {}

TargetSpec FormulaTarget::spec() const {
  TargetSpec s;
  s.kind = "formula";
  s.log_density = program_->source();
  s.box = box_;
  return s;
}

}  // namespace ss
