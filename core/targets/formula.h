// Formula targets: a log density typed by the user, compiled once to a flat stack program and
// evaluated in batches with exact score and Hessian (second-order forward-mode AD, ss::Jet).
//
// Language (EBNF; whitespace and `# comments to the end of a line` are ignored):
//
//   program     = { assignment ";" } expression [ ";" ] ;
//   assignment  = name "=" expression ;                 (a user parameter; may use x, y and
//                                                          earlier parameters; assigned once)
//   expression  = term { ( "+" | "-" ) term } ;
//   term        = unary { ( "*" | "/" ) unary } ;
//   unary       = ( "-" | "+" ) unary | power ;
//   power       = primary [ "^" unary ] ;               (right-associative: 2^3^2 = 2^9;
//                                                          binds tighter than a leading minus:
//                                                          -x^2 = -(x^2); x^-2 = x^(-2))
//   primary     = number | name | name "(" expression { "," expression } ")"
//               | "(" expression ")" ;
//   number      = digits [ "." [ digits ] ] [ exponent ] | "." digits [ exponent ] ;
//   exponent    = ( "e" | "E" ) [ "+" | "-" ] digits ;   (1e-3, 2.5E+4)
//   name        = letter { letter | digit | "_" } ;      (letter includes "_")
//
// Names: the variables `x` and `y`; the constants `pi` and `e`; user parameters; and the functions
//   exp log log1p sqrt sin cos tan tanh abs (one argument), pow(a, b) (= a^b),
//   min(a, b, …) and max(a, b, …) (two or more), logsumexp(a, b, …) (one or more; stable: the
//   largest term is factored out, -inf terms contribute nothing).
// Semantics: IEEE double arithmetic; a^p with a constant p uses pow(a, p) (so (-2)^3 = -8), with
// a non-constant exponent a^b = exp(b·log a). min/max/abs keep the derivative of the selected
// branch. NaN propagates through every function, including min and max.
// Limits (guards against runaway input): at most 4096 characters, nesting depth 64, 64 parameters.
//
// Compilation folds constant sub-expressions and uses immediate-operand instructions (x*2, x^2,
// x/0.033). Errors are ss::FormulaError (a ParamError with field "log_density") whose message names
// the reason and the 1-based column, e.g. "unknown function 'sinh' at column 14"; multi-line input
// says "at line 2, column 5".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/jet.h"
#include "core/common/params.h"
#include "core/common/types.h"
#include "core/targets/target.h"

namespace ss {

/// Hard limits of the formula language (documented above; the fuzzer relies on them).
inline constexpr int kFormulaMaxLength = 4096;
inline constexpr int kFormulaMaxDepth = 64;
inline constexpr int kFormulaMaxParameters = 64;

/// A problem found in a formula or its box. `offset`/`length` locate the offending source bytes
/// for underlining (offset -1 = no position, e.g. a grid check); line/column are 1-based (0 =
/// none).
struct FormulaIssue {
  std::string field = "log_density";  ///< "log_density" or "box"
  std::string message;                ///< full text, e.g. "missing ')' at column 22"
  int offset = -1;
  int length = 0;
  int line = 0;
  int column = 0;
};

/// A parse or check error: a ParamError (field "log_density" or "box") that also carries where.
struct FormulaError : ParamError {
  FormulaIssue issue;
  explicit FormulaError(FormulaIssue i) : ParamError(i.field, i.message), issue(std::move(i)) {}
};

/// Instructions of the compiled stack program. Suffix C: the instruction carries a constant
/// operand `c` (AddC: a + c; SubC: a - c; CSub: c - a; MulC: a·c; DivC: a / c; CDiv: c / a;
/// PowC: a^c; CPow: c^a). Load/Store move a value between the stack and parameter slot `slot`.
/// LseBegin/LseAdd/LseEnd accumulate a streaming, max-shifted log-sum-exp in two stack slots.
enum class FormulaOp : std::uint8_t {
  Const,
  X,
  Y,
  Load,
  Store,
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Min,
  Max,
  AddC,
  SubC,
  CSub,
  MulC,
  DivC,
  CDiv,
  PowC,
  CPow,
  Neg,
  Square,
  Exp,
  Log,
  Log1p,
  Sqrt,
  Sin,
  Cos,
  Tan,
  Tanh,
  Abs,
  LseBegin,
  LseAdd,
  LseEnd,
};

/// One instruction: opcode, constant operand (for Const and the *C forms), parameter slot.
struct FormulaInstruction {
  FormulaOp op = FormulaOp::Const;
  std::int32_t slot = 0;
  double c = 0;
};

/// A user parameter (`a = 2.6;`): its name, where it is assigned, whether anything uses it, and
/// its value when it is a constant (after folding).
struct FormulaParameter {
  std::string name;
  int offset = 0;  ///< byte offset of the name in the source
  bool used = false;
  bool constant = false;
  double value = 0;  ///< when constant
};

/// A compiled formula: immutable and thread-safe; evaluation never throws and never allocates
/// after a thread's first call (each thread keeps one small workspace).
class FormulaProgram {
 public:
  /// Parses and compiles `source`. Throws FormulaError with the reason and the position.
  static std::shared_ptr<const FormulaProgram> compile(const std::string& source);

  /// Log density at one point (plain double arithmetic).
  double value(double x, double y) const;
  /// Log density, gradient and Hessian at one point (same value as value(), up to rounding).
  Jet jet(double x, double y) const;
  /// Batched, TBB-parallel evaluation over the rows of `x` (N×2); same contract as
  /// Target::evaluate (null outputs are skipped; Hessian rows are h11, h12, h22). Column-wise:
  /// each instruction runs over a block of 64 points (4-6× faster than point by point); results
  /// equal jet()/value() up to the compiler's FMA contraction (a few ulps) and do not depend on
  /// the number of threads.
  void evaluate(const Points& x, Vec* log_density, Points* score, Hessians* hessian) const;

  const std::string& source() const { return source_; }
  const std::vector<FormulaInstruction>& instructions() const { return code_; }
  /// Number of workspace slots one evaluation needs (parameters + maximal stack depth).
  int workspace_size() const { return workspace_size_; }
  /// True when the formula does not depend on x or y (after constant folding).
  bool is_constant() const;
  /// The user parameters in the order they were assigned.
  const std::vector<FormulaParameter>& parameters() const { return parameters_; }
  /// A readable listing of the program, one instruction per line (for tests and debugging).
  std::string listing() const;

 private:
  friend class FormulaCompiler;
  std::string source_;
  std::vector<FormulaInstruction> code_;
  int num_parameter_slots_ = 0;
  int workspace_size_ = 0;
  std::vector<FormulaParameter> parameters_;
};

/// Options of check_formula().
struct FormulaCheckOptions {
  int grid_cells = 256;              ///< the check grid has (grid_cells + 1)² nodes over the box
  double edge_ratio_warning = 1e-2;  ///< warn when max density on the edge / max density exceeds it
};

/// Result of check_formula(): ok = no errors. `program` is set whenever the formula parsed, so a
/// caller can reuse it (make_formula_target(check, box)).
struct FormulaCheck {
  bool ok = false;
  std::vector<FormulaIssue> errors;
  std::vector<FormulaIssue> warnings;
  std::shared_ptr<const FormulaProgram> program;
  double log_normalizer = 0;   ///< log ∫ exp(log p̃) over the box (trapezoid rule on the grid)
  double edge_ratio = 0;       ///< max density on the box edge / max density on the grid
  double max_log_density = 0;  ///< max of the log density over the grid
};

/// Compiles `expr` and checks it on `box` before anything runs:
///  - errors: the box is not finite with xmin < xmax, ymin < ymax (field "box"); a parse error
///    (with its position); the log density is NaN or +inf at a grid node (message names the
///    first such point and how many there are); the grid normalizer is zero or not finite
///    ("the density is not normalizable on the box"). -inf (zero density) is allowed.
///  - warnings: the density at the box edge is not small relative to its maximum (the box may
///    cut off mass); the score is not finite at a grid cell centre where the density is positive;
///    the formula does not depend on x and y; a parameter is never used.
/// Never throws for bad input.
FormulaCheck check_formula(const std::string& expr, const Box& box,
                           const FormulaCheckOptions& options = {});

/// The target of kind "formula": log density from a FormulaProgram, view box = the given box.
class FormulaTarget final : public Target {
 public:
  FormulaTarget(std::shared_ptr<const FormulaProgram> program, const Box& box,
                std::vector<FormulaIssue> warnings = {});

  std::string kind() const override { return "formula"; }
  std::string display_name() const override { return "Formula"; }
  Box view_box() const override { return box_; }
  TargetSpec spec() const override;
  double log_density_at(double x, double y) const override { return program_->value(x, y); }
  Jet jet_at(double x, double y) const override { return program_->jet(x, y); }

  const FormulaProgram& program() const { return *program_; }

 protected:
  /// Target::evaluate runs the program's column-wise batch evaluator.
  bool evaluate_batch(const Points& x, Vec* log_density, Points* score,
                      Hessians* hessian) const override {
    program_->evaluate(x, log_density, score, hessian);
    return true;
  }

 public:
  /// Warnings found by the checks when the target was made (for the UI).
  const std::vector<FormulaIssue>& warnings() const { return warnings_; }

 private:
  std::shared_ptr<const FormulaProgram> program_;
  Box box_;
  std::vector<FormulaIssue> warnings_;
};

/// Compiles and checks `expr` on `box` and returns the target. Throws FormulaError (a ParamError
/// with field "log_density" or "box") for the first error check_formula() finds.
std::shared_ptr<const Target> make_formula_target(const std::string& expr, const Box& box);

/// Same, reusing a successful check (its program is not recompiled); throws if !check.ok.
std::shared_ptr<const Target> make_formula_target(const FormulaCheck& check, const Box& box);

}  // namespace ss
