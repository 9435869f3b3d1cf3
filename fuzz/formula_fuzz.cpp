// libFuzzer target over the formula parser, compiler, evaluators and checks
// (core/targets/formula.h). Any input must either compile or throw FormulaError with a message
// and an in-range position; a compiled program must evaluate without crashing, with value() and
// jet().v agreeing, and batched (column-wise) evaluation agreeing with point-wise evaluation.
// Build: cmake --preset fuzz && cmake --build --preset fuzz; run: scripts/run-fuzz.sh BUILD
// SECONDS.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/targets/formula.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "formula_fuzz: %s\n", what);
  std::abort();
}

void check_agree(double v, double jv) {
  // value() and jet().v perform the same operations; only FMA contraction may differ (≤ a few
  // ulps per operation). Compare where both are finite and away from overflow.
  if (std::isfinite(v) && std::isfinite(jv) && std::abs(v) < 1e300 && std::abs(jv) < 1e300) {
    const double scale = std::max({1.0, std::abs(v), std::abs(jv)});
    if (std::abs(v - jv) > 1e-6 * scale) fail("two evaluation paths disagree");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > static_cast<std::size_t>(ss::kFormulaMaxLength) + 16) return 0;  // rejected anyway
  const std::string source(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const ss::FormulaProgram> program;
  try {
    program = ss::FormulaProgram::compile(source);
  } catch (const ss::FormulaError& e) {
    if (e.issue.message.empty() || e.field != "log_density") fail("error without message/field");
    if (e.issue.offset > static_cast<int>(size) || e.issue.offset < -1) fail("offset out of range");
    if (e.issue.offset >= 0 && (e.issue.column < 1 || e.issue.line < 1)) fail("bad line/column");
    return 0;
  }
  if (program->workspace_size() < 1) fail("empty workspace");
  (void)program->listing();

  constexpr double inf = std::numeric_limits<double>::infinity();
  const double points[][2] = {{0, 0},      {1, -1},    {-2.5, 0.3}, {1e-300, -1e-300},
                              {1e300, -7}, {3.7, 1e8}, {-inf, 2},   {std::nan(""), 1}};
  ss::Points batch(8, 2);
  for (int i = 0; i < 8; ++i) {
    const double x = points[i][0], y = points[i][1];
    batch(i, 0) = x, batch(i, 1) = y;
    check_agree(program->value(x, y), program->jet(x, y).v);
  }
  ss::Vec lp;
  ss::Points score;
  ss::Hessians hess;
  program->evaluate(batch, &lp, &score, &hess);
  for (int i = 0; i < 8; ++i) {
    // The block evaluator repeats the point-wise operations lane by lane (up to FMA contraction).
    const ss::Jet j = program->jet(batch(i, 0), batch(i, 1));
    // Values only: derivatives are sums of products where contraction differences can be
    // amplified by cancellation without anything being wrong.
    check_agree(lp(i), j.v);
  }
  // The checks on a small grid (never throw).
  ss::FormulaCheckOptions options;
  options.grid_cells = 8;
  const ss::FormulaCheck check = ss::check_formula(source, ss::Box{-3, 3, -2, 2}, options);
  if (!check.program) fail("check lost the program of a formula that compiles");
  if (check.ok != check.errors.empty()) fail("check.ok inconsistent with errors");
  return 0;
}
