// Target: an unnormalized 2-D log density with exact score and Hessian, evaluated in batches.
//
// Built-in targets are written once as a template over the scalar type (double or ss::Jet) and
// derive from GenericTarget, which supplies the batched, TBB-parallel evaluate(): log density from
// the double instantiation, score and Hessian from second-order forward-mode AD
// (core/common/jet.h). Every target's derivatives are checked against central finite differences in
// tests/targets/targets_test.cpp, including far in the tails (no NaN or overflow at ‖x‖ = 50).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/common/jet.h"
#include "core/common/params.h"
#include "core/common/types.h"

namespace ss {

/// One component of a Gaussian mixture: weight (normalized over the mixture), mean, covariance.
struct GaussianComponent {
  double weight = 1;
  Vec2 mean = Vec2::Zero();
  Mat2 cov = Mat2::Identity();
};

/// Everything needed to rebuild a target: what scenario files store and make_target() reads.
struct TargetSpec {
  std::string kind;                           ///< "donut", "gmm", "formula", ...
  ParamValues params;                         ///< numeric knobs of built-ins (empty = defaults)
  std::vector<GaussianComponent> components;  ///< kind == "gmm" only
  std::string log_density;                    ///< kind == "formula" only: expression in x, y
  Box box;                                    ///< kind == "formula" only: view box
};

class Target {
 public:
  virtual ~Target() = default;

  /// Lower-case kind used in scenario files ("donut", "gmm_2to1", ...).
  virtual std::string kind() const = 0;
  /// Human-readable name for the UI ("Donut").
  virtual std::string display_name() const = 0;
  /// A box holding at least 99.9 % of the mass (checked by a test on a 3× larger box).
  virtual Box view_box() const = 0;
  /// The numeric knobs of this kind of target (may be empty).
  virtual const ParamTable& param_table() const;
  /// Current values of the knobs.
  virtual ParamValues params() const { return {}; }
  /// Mixture components (weights normalized) for Gaussian mixtures; empty otherwise.
  virtual std::vector<GaussianComponent> components() const { return {}; }
  /// The spec that rebuilds this target.
  virtual TargetSpec spec() const = 0;

  /// Unnormalized log density at one point.
  virtual double log_density_at(double x, double y) const = 0;
  /// Log density, score and Hessian at one point, as a Jet.
  virtual Jet jet_at(double x, double y) const = 0;

  /// Batched evaluation over the rows of `x` (N×2). Each output may be null; non-null outputs are
  /// resized to N rows when needed (no allocation when they already have N rows). Hessian rows
  /// are (h11, h12, h22). Parallel over rows with TBB; the result does not depend on threads.
  void evaluate(const Points& x, Vec* log_density, Points* score, Hessians* hessian) const;

 protected:
  /// Optional whole-batch fast path used by evaluate() (outputs already sized): return true when
  /// done; the default returns false and evaluate() calls jet_at / log_density_at per point.
  /// Formula targets override it with their column-wise evaluator.
  virtual bool evaluate_batch(const Points& x, Vec* log_density, Points* score,
                              Hessians* hessian) const {
    return false;
  }
};

/// CRTP helper: Derived implements `template <class S> S logp(const S& x, const S& y) const`.
template <class Derived>
class GenericTarget : public Target {
 public:
  double log_density_at(double x, double y) const final {
    return static_cast<const Derived&>(*this).template logp<double>(x, y);
  }
  Jet jet_at(double x, double y) const final {
    return static_cast<const Derived&>(*this).template logp<Jet>(Jet::variable_x(x),
                                                                 Jet::variable_y(y));
  }
};

/// Builds a target from its spec. Throws ParamError (field = parameter name, or "kind",
/// "components", "log_density", "box") with a message saying what was expected.
std::shared_ptr<const Target> make_target(const TargetSpec& spec);

/// The built-in kinds, in the order the UI lists them (formula excluded).
std::vector<std::string> builtin_target_kinds();

/// The title the UI shows for a kind ("Donut", "Formula"), read from the built-in registry
/// without building the target; throws ParamError (field "kind") for unknown kinds.
std::string target_display_name(const std::string& kind);

/// Parameter table of a built-in kind (empty for mixtures and formulas); throws for unknown kinds.
const ParamTable& target_param_table(const std::string& kind);

}  // namespace ss
