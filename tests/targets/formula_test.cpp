// Tests of formula targets (core/targets/formula_*.cpp): the language, its error messages, the
// evaluator against direct double code and finite differences, every built-in target re-written
// as a formula, the checks, and the scenario kind "formula".
#include "core/targets/formula.h"

#include <gtest/gtest.h>

#include <Eigen/LU>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/targets/target.h"

namespace ss {
namespace {

std::shared_ptr<const FormulaProgram> compile(const std::string& s) {
  return FormulaProgram::compile(s);
}

std::string error_of(const std::string& s) {
  try {
    FormulaProgram::compile(s);
  } catch (const FormulaError& e) {
    EXPECT_EQ(e.field, "log_density");
    return e.what();
  }
  return "(no error)";
}

// |a − b| ≤ tol · max(|a|, |b|, scale): relative, with `scale` the magnitude of the group the
// number belongs to (a gradient component next to a large one is compared on the gradient's scale).
void expect_close(double a, double b, double scale, double tol, const std::string& what) {
  const double s = std::max({std::abs(a), std::abs(b), scale});
  EXPECT_LE(std::abs(a - b), tol * s) << what << ": " << a << " vs " << b;
}

// `floor`: a minimum scale for every group (for quantities that come from cancelling O(floor)
// terms).
void expect_jets_close(const Jet& a, const Jet& b, double tol, const std::string& what,
                       double floor = 0) {
  const double gs = std::max({std::hypot(a.gx, a.gy), std::hypot(b.gx, b.gy), floor});
  const double hs = std::max({std::abs(a.hxx), std::abs(a.hxy), std::abs(a.hyy), std::abs(b.hxx),
                              std::abs(b.hxy), std::abs(b.hyy), floor});
  expect_close(a.v, b.v, floor, tol, what + " value");
  expect_close(a.gx, b.gx, gs, tol, what + " d/dx");
  expect_close(a.gy, b.gy, gs, tol, what + " d/dy");
  expect_close(a.hxx, b.hxx, hs, tol, what + " d2/dx2");
  expect_close(a.hxy, b.hxy, hs, tol, what + " d2/dxdy");
  expect_close(a.hyy, b.hyy, hs, tol, what + " d2/dy2");
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// ------------------------------------------------------------------------------------------------
// Language

TEST(FormulaLanguage, PrecedenceAndAssociativity) {
  EXPECT_DOUBLE_EQ(compile("-x^2")->value(3, 0), -9);       // -(x^2)
  EXPECT_DOUBLE_EQ(compile("2^3^2")->value(0, 0), 512);     // right-associative
  EXPECT_DOUBLE_EQ(compile("x^-2")->value(2, 0), 0.25);     // unary minus in the exponent
  EXPECT_DOUBLE_EQ(compile("1 - 2 - 3")->value(0, 0), -4);  // left-associative
  EXPECT_DOUBLE_EQ(compile("8 / 4 / 2")->value(0, 0), 1);   // left-associative
  EXPECT_DOUBLE_EQ(compile("1 + 2 * 3 ^ 2")->value(0, 0), 19);
  EXPECT_DOUBLE_EQ(compile("2 * -x")->value(1.5, 0), -3);
  EXPECT_DOUBLE_EQ(compile("--x")->value(1.5, 0), 1.5);
  EXPECT_DOUBLE_EQ(compile("+x")->value(1.5, 0), 1.5);
  EXPECT_DOUBLE_EQ(compile("(-2)^3")->value(0, 0), -8);  // integer powers of negative numbers
  EXPECT_DOUBLE_EQ(compile("-2^2")->value(0, 0), -4);
}

TEST(FormulaLanguage, NumbersConstantsAndComments) {
  EXPECT_DOUBLE_EQ(compile("1e-3")->value(0, 0), 1e-3);
  EXPECT_DOUBLE_EQ(compile("2.5E+2")->value(0, 0), 250);
  EXPECT_DOUBLE_EQ(compile(".5")->value(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(compile("3.")->value(0, 0), 3);
  EXPECT_DOUBLE_EQ(compile("pi")->value(0, 0), M_PI);
  EXPECT_DOUBLE_EQ(compile("e")->value(0, 0), M_E);
  EXPECT_DOUBLE_EQ(compile("# a comment\n x + y # another\n")->value(1, 2), 3);
  EXPECT_DOUBLE_EQ(compile("x;")->value(4, 0), 4);  // a trailing ';' is allowed
}

TEST(FormulaLanguage, ParametersMayUseVariablesAndEarlierParameters) {
  const auto p = compile("a = 2.6; r = sqrt(x^2 + y^2); d = r - a; -d^2 / 0.033");
  const double r = std::hypot(1.0, 2.0);
  EXPECT_DOUBLE_EQ(p->value(1, 2), -(r - 2.6) * (r - 2.6) / 0.033);
  ASSERT_EQ(p->parameters().size(), 3u);
  EXPECT_EQ(p->parameters()[0].name, "a");
  EXPECT_TRUE(p->parameters()[0].constant);
  EXPECT_DOUBLE_EQ(p->parameters()[0].value, 2.6);
  EXPECT_FALSE(p->parameters()[1].constant);
  EXPECT_TRUE(p->parameters()[2].used);
}

TEST(FormulaLanguage, FunctionsMatchTheStandardLibrary) {
  const double x = 0.3, y = -1.7;
  const std::vector<std::pair<std::string, double>> cases = {
      {"exp(x)", std::exp(x)},
      {"log(-y)", std::log(-y)},
      {"log1p(x)", std::log1p(x)},
      {"sqrt(x)", std::sqrt(x)},
      {"sin(y)", std::sin(y)},
      {"cos(y)", std::cos(y)},
      {"tan(x)", std::tan(x)},
      {"tanh(y)", std::tanh(y)},
      {"abs(y)", std::abs(y)},
      {"pow(x, 3)", std::pow(x, 3)},
      {"min(x, y, 0)", y},
      {"max(x, y, 0)", x},
      {"logsumexp(x, y)", std::log(std::exp(x) + std::exp(y))},
      {"logsumexp(x)", x},
  };
  for (const auto& [src, expected] : cases)
    EXPECT_NEAR(compile(src)->value(x, y), expected, 1e-15 * std::max(1.0, std::abs(expected)))
        << src;
}

TEST(FormulaLanguage, LogSumExpIsStableAndHandlesInfinities) {
  // exp(1000) overflows; the max-shifted sum does not.
  EXPECT_DOUBLE_EQ(compile("logsumexp(1000 + x, 1000 + x)")->value(0, 0), 1000 + std::log(2.0));
  EXPECT_DOUBLE_EQ(compile("logsumexp(-1000 + x, -1000 + x)")->value(0, 0), -1000 + std::log(2.0));
  EXPECT_DOUBLE_EQ(compile("logsumexp(log(0*x), x)")->value(1.5, 0), 1.5);  // -inf adds nothing
  EXPECT_EQ(compile("logsumexp(log(0*x), log(0*y))")->value(1, 1), -INFINITY);
  EXPECT_EQ(compile("logsumexp(-log(0*x), y)")->value(1, 1), INFINITY);
  EXPECT_TRUE(std::isnan(compile("logsumexp(x, log(y))")->value(1, -1)));
  // The score of a far-apart pair: all responsibility on the larger term.
  const Jet j = compile("logsumexp(-x^2, -(x-50)^2)")->jet(0.5, 0);
  EXPECT_NEAR(j.gx, -1.0, 1e-12);
  EXPECT_NEAR(j.hxx, -2.0, 1e-12);
}

TEST(FormulaLanguage, MinMaxPropagateNaN) {
  EXPECT_TRUE(std::isnan(compile("max(log(x), y)")->value(-1, 2)));
  EXPECT_TRUE(std::isnan(compile("max(y, log(x))")->value(-1, 2)));
  EXPECT_TRUE(std::isnan(compile("min(log(x), y)")->value(-1, 2)));
  EXPECT_TRUE(std::isnan(compile("min(y, log(x))")->value(-1, 2)));
}

TEST(FormulaCompiler, FoldsConstantsAndUsesImmediateOperands) {
  // 2*pi, log(2*pi) and the parameter fold away; x^2 becomes Square, /c becomes DivC.
  const auto p = compile("s = 0.5; -x^2 / (2 * s) - log(2 * pi)");
  EXPECT_EQ(p->listing(), "X\nSquare\nNeg\nDivC 1\nSubC " + num(std::log(2 * M_PI)) + "\n");
  EXPECT_EQ(compile("1 + 2 * 3")->listing(), "Const 7\n");
  EXPECT_TRUE(compile("a = 3; a * 2")->is_constant());
  EXPECT_FALSE(compile("0 * x")->is_constant());  // not folded: 0·x is NaN at x = inf
  // e^u compiles to Exp(u).
  EXPECT_EQ(compile("e^x")->listing(), "X\nExp\n");
}

TEST(FormulaCompiler, UnneededParametersAreNotEvaluated) {
  const auto p = compile("a = sqrt(x); b = a + 1; y");
  EXPECT_EQ(p->listing(), "Y\n");
  EXPECT_TRUE(p->parameters()[0].used);  // used by b
  EXPECT_FALSE(p->parameters()[1].used);
}

// ------------------------------------------------------------------------------------------------
// Error messages, word for word

TEST(FormulaErrors, MessagesAreSpecificWithColumns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"exp(x) + 2 * sinh(y)", "unknown function 'sinh' at column 14"},
      {"-(sqrt(x^2 + y^2) - 2", "missing ')' at column 22"},
      {"x +", "unexpected end of input"},
      {"x + z", "unknown variable 'z' at column 5"},
      {"pow(x, y, 2)", "wrong number of arguments for 'pow' at column 1 (expected 2, got 3)"},
      {"exp()", "wrong number of arguments for 'exp' at column 1 (expected 1, got 0)"},
      {"max(x)", "wrong number of arguments for 'max' at column 1 (expected at least 2, got 1)"},
      {"logsumexp()",
       "wrong number of arguments for 'logsumexp' at column 1 (expected at least 1, got 0)"},
      {"2x", "missing operator before 'x' at column 2"},
      {"x y", "missing operator before 'y' at column 3"},
      {"x + * y", "unexpected '*' at column 5"},
      {"x)", "unexpected ')' at column 2"},
      {"x @ y", "unexpected character '@' at column 3"},
      {"1e+", "malformed number '1e+' at column 1"},
      {"1e999 * x", "number '1e999' is out of range at column 1"},
      {"exp + 1", "missing '(' after function 'exp' at column 5"},
      {"max(x y)", "missing ')' at column 7"},
      {"pow(x,)", "unexpected ')' at column 7"},
      {"x = 2; x", "cannot assign to reserved name 'x' at column 1"},
      {"pi = 3; x", "cannot assign to reserved name 'pi' at column 1"},
      {"a = 1; a = 2; x", "parameter 'a' is assigned twice at column 8"},
      {"a = 2.6", "missing the final expression after the assignments"},
      {"a = 2.6;", "missing the final expression after the assignments"},
      {"x; y",
       "unexpected 'y' at column 4 (only assignments may come before the final expression)"},
      {"x + y = 2", "unexpected '=' at column 7"},
      {"", "the formula is empty"},
      {"  # only a comment", "the formula is empty"},
      {"a = 1;\nb = 2 +* x;\nb", "unexpected '*' at line 2, column 8"},
      {"f(x)", "unknown function 'f' at column 1"},
      {"x + \xc3\xa9", "unexpected character (byte 0xc3) at column 5"},
  };
  for (const auto& [src, message] : cases) EXPECT_EQ(error_of(src), message) << "input: " << src;
}

TEST(FormulaErrors, PositionsForUnderlining) {
  try {
    compile("exp(x) + 2 * sinh(y)");
    FAIL() << "no error";
  } catch (const FormulaError& e) {
    EXPECT_EQ(e.issue.offset, 13);
    EXPECT_EQ(e.issue.length, 4);
    EXPECT_EQ(e.issue.line, 1);
    EXPECT_EQ(e.issue.column, 14);
  }
  try {
    compile("x +");
    FAIL() << "no error";
  } catch (const FormulaError& e) {
    EXPECT_EQ(e.issue.offset, 3);  // just past the end
    EXPECT_EQ(e.issue.column, 4);
  }
}

TEST(FormulaErrors, GuardsAgainstRunawayInput) {
  std::string deep(kFormulaMaxDepth + 1, '(');
  deep += "x";
  deep += std::string(kFormulaMaxDepth + 1, ')');
  EXPECT_EQ(error_of(deep), "the formula is nested too deeply at column 65 (limit 64 levels)");
  std::string ok_deep(kFormulaMaxDepth - 1, '(');
  ok_deep += "x" + std::string(kFormulaMaxDepth - 1, ')');
  EXPECT_DOUBLE_EQ(compile(ok_deep)->value(2, 0), 2);
  EXPECT_EQ(error_of(std::string(5000, ' ') + "x"),
            "the formula is too long (5001 characters; the limit is 4096)");
  std::string many;
  for (int i = 0; i <= kFormulaMaxParameters; ++i) many += "p" + std::to_string(i) + " = x; ";
  many += "x";
  EXPECT_EQ(error_of(many), "too many parameters at column 567 (limit 64)");
  // A long flat sum is fine (no deep recursion in the parser).
  std::string flat = "x";
  for (int i = 0; i < 1000; ++i) flat += "+x";
  EXPECT_DOUBLE_EQ(compile(flat)->value(1, 0), 1001);
}

// ------------------------------------------------------------------------------------------------
// Evaluator against direct double code and central finite differences

struct DirectCase {
  std::string source;
  std::function<double(double, double)> direct;
};

std::vector<DirectCase> direct_cases() {
  return {
      {"a = 1.3; -(x - a)^2 / 2 - y^4 / 4 + x * y / 3",
       [](double x, double y) {
         return -(x - 1.3) * (x - 1.3) / 2 - std::pow(y, 4) / 4 + x * y / 3;
       }},
      {"exp(-x^2) * sin(3 * y) + cos(x * y) - tanh(x - y)",
       [](double x, double y) {
         return std::exp(-x * x) * std::sin(3 * y) + std::cos(x * y) - std::tanh(x - y);
       }},
      {"log(1 + x^2 + y^2) / sqrt(2 + y^2) + log1p(x^2) - abs(x - 2 * y)",
       [](double x, double y) {
         return std::log(1 + x * x + y * y) / std::sqrt(2 + y * y) + std::log1p(x * x) -
                std::abs(x - 2 * y);
       }},
      {"pow(2 + x^2, y) + 3^x - 1 / (1 + y^2) + tan(x / 4)",
       [](double x, double y) {
         return std::pow(2 + x * x, y) + std::pow(3.0, x) - 1 / (1 + y * y) + std::tan(x / 4);
       }},
      {"logsumexp(-x^2, -(y - 1)^2 / 0.3, x * y - 3) + max(x, y) * min(x, -y)",
       [](double x, double y) {
         const double a = -x * x, b = -(y - 1) * (y - 1) / 0.3, c = x * y - 3;
         const double m = std::max({a, b, c});
         return m + std::log(std::exp(a - m) + std::exp(b - m) + std::exp(c - m)) +
                std::max(x, y) * std::min(x, -y);
       }},
  };
}

TEST(FormulaEvaluator, MatchesDirectDoubleEvaluation) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-2.5, 2.5);
  for (const auto& c : direct_cases()) {
    const auto p = compile(c.source);
    for (int k = 0; k < 200; ++k) {
      const double x = u(rng), y = u(rng);
      const double d = c.direct(x, y);
      // Same operations in a different order (constant folding, pow vs exp·log): ~1e-14 relative.
      expect_close(p->value(x, y), d, 1.0, 1e-13, c.source);
      // jet().v follows the same arithmetic as value().
      expect_close(p->jet(x, y).v, p->value(x, y), 1.0, 1e-15, c.source + " jet value");
    }
  }
}

TEST(FormulaEvaluator, DerivativesMatchCentralFiniteDifferences) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  const double h = 1e-5;
  for (const auto& c : direct_cases()) {
    const auto p = compile(c.source);
    for (int k = 0; k < 50; ++k) {
      const double x = u(rng), y = u(rng);
      // Stay off the kinks of abs/min/max, where the derivative jumps.
      if (std::abs(x - 2 * y) < 1e-3 || std::abs(x - y) < 1e-3 || std::abs(x + y) < 1e-3) continue;
      const Jet j = p->jet(x, y);
      auto f = [&](double a, double b) { return p->value(a, b); };
      auto gx = [&](double a, double b) { return p->jet(a, b).gx; };
      auto gy = [&](double a, double b) { return p->jet(a, b).gy; };
      // Central differences: truncation O(h²·f''') ≈ 1e-10 plus rounding O(ε·f/h) ≈ 1e-11, so
      // 1e-6 relative (to the group's scale, at least 1) is a generous but meaningful bound.
      const double fdx = (f(x + h, y) - f(x - h, y)) / (2 * h);
      const double fdy = (f(x, y + h) - f(x, y - h)) / (2 * h);
      const double fxx = (gx(x + h, y) - gx(x - h, y)) / (2 * h);
      const double fxy = (gx(x, y + h) - gx(x, y - h)) / (2 * h);
      const double fyx = (gy(x + h, y) - gy(x - h, y)) / (2 * h);
      const double fyy = (gy(x, y + h) - gy(x, y - h)) / (2 * h);
      const double gs = std::max(1.0, std::hypot(j.gx, j.gy));
      const double hs = std::max({1.0, std::abs(j.hxx), std::abs(j.hxy), std::abs(j.hyy)});
      expect_close(j.gx, fdx, gs, 1e-6, c.source + " gx");
      expect_close(j.gy, fdy, gs, 1e-6, c.source + " gy");
      expect_close(j.hxx, fxx, hs, 1e-6, c.source + " hxx");
      expect_close(j.hxy, fxy, hs, 1e-6, c.source + " hxy");
      expect_close(j.hxy, fyx, hs, 1e-6, c.source + " hyx");
      expect_close(j.hyy, fyy, hs, 1e-6, c.source + " hyy");
    }
  }
}

TEST(FormulaEvaluator, BatchedEvaluationEqualsPointwise) {
  const auto p = compile(direct_cases()[4].source);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-3, 3);
  Points pts(3000, 2);  // above the parallel threshold; not a multiple of the 64-point block
  for (Eigen::Index i = 0; i < pts.rows(); ++i) pts(i, 0) = u(rng), pts(i, 1) = u(rng);
  Vec lp, lp_only;
  Points score;
  Hessians hess;
  p->evaluate(pts, &lp, &score, &hess);
  p->evaluate(pts, &lp_only, nullptr, nullptr);
  for (Eigen::Index i = 0; i < pts.rows(); ++i) {
    // The block evaluator applies the same scalar operations lane by lane; only the compiler's
    // FMA contraction may differ between the two code paths, i.e. a few ulps of the O(1) terms
    // the mixture's Hessian is made of (it cancels down to ~1e-4 in places): 1e-14 on scale ≥ 1.
    const Jet j = p->jet(pts(i, 0), pts(i, 1));
    const Jet batched{lp(i), score(i, 0), score(i, 1), hess(i, 0), hess(i, 1), hess(i, 2)};
    expect_jets_close(batched, j, 1e-14, "point " + std::to_string(i), 1.0);
    expect_close(lp_only(i), p->value(pts(i, 0), pts(i, 1)), 0, 1e-14, "value-only batch");
  }
  // The batch result does not depend on the thread count: a second run is bitwise identical.
  Vec lp2;
  Points score2;
  Hessians hess2;
  p->evaluate(pts, &lp2, &score2, &hess2);
  EXPECT_EQ(lp, lp2);
  EXPECT_EQ(score, score2);
  EXPECT_EQ(hess, hess2);
}

// ------------------------------------------------------------------------------------------------
// Every built-in target re-written as a formula

std::string gaussian_log_density_text(const GaussianComponent& c) {
  const Mat2 p = c.cov.inverse();
  const double log_coefficient =
      std::log(c.weight) - std::log(2 * M_PI) - 0.5 * std::log(c.cov.determinant());
  const std::string d1 = "(x - " + num(c.mean.x()) + ")", d2 = "(y - " + num(c.mean.y()) + ")";
  return num(log_coefficient) + " - 0.5 * (" + num(p(0, 0)) + " * " + d1 + "^2 + " +
         num(2 * p(0, 1)) + " * " + d1 + " * " + d2 + " + " + num(p(1, 1)) + " * " + d2 + "^2)";
}

std::string mixture_formula(const std::vector<GaussianComponent>& components) {
  std::string s = "logsumexp(";
  for (std::size_t k = 0; k < components.size(); ++k)
    s += (k ? ", " : "") + gaussian_log_density_text(components[k]);
  return s + ")";
}

// The built-ins with their default constants (core/targets/builtin.h, dft.md §7, flowmc.md §4).
std::vector<std::pair<std::string, std::string>> builtin_formulas() {
  return {
      {"donut", "R = 2.6; s2 = 0.033; r = sqrt(x^2 + y^2 + 1e-18); -(r - R)^2 / s2"},
      {"rosenbrock", "a = 1; b = 20; T = 0.4; -((a - x)^2 + b * (y - x^2)^2) / T"},
      {"banana",
       "a = 2; b = 0.2; y1 = x / a; y2 = a * y + a * b * (x^2 + a^2) - 4;\n"
       "-0.5 * (y1^2 - y1 * y2 + y2^2) / 0.75 - log(2 * pi) - 0.5 * log(0.75)"},
      {"funnel", "s = 3; v = y - 2; -v^2 / (2 * s^2) - 0.5 * x^2 * exp(min(-v, 700)) - 0.5 * v"},
      {"squiggle",
       "det = 2 * 0.5 - 0.25^2; u = y + sin(5 * x);\n"
       "-0.5 * (0.5 * x^2 - 0.5 * x * u + 2 * u^2) / det - log(2 * pi) - 0.5 * log(det)"},
      {"rings",
       "s = 0.15; c = -0.5 / s^2; r = sqrt(x^2 + y^2 + 1e-12);\n"
       "logsumexp(c * (r - 1)^2, c * (r - 2)^2, c * (r - 3)^2, c * (r - 4)^2)\n"
       "  - log(4) - log(s * sqrt(2 * pi)) - log(2 * pi) - log(r)"},
      {"dual_moon",
       "r = sqrt(x^2 + y^2 + 1e-18);\n"
       "-0.5 * ((r - 2) / 0.1)^2 + logsumexp(-0.5 * ((x - 3) / 0.8)^2, -0.5 * ((x + 3) / 0.8)^2)\n"
       "  + logsumexp(-0.5 * ((y - 3) / 0.6)^2, -0.5 * ((y + 3) / 0.6)^2)"},
  };
}

void expect_formula_matches(const Target& builtin, const std::string& formula, double tol) {
  const auto p = compile(formula);
  const Box b = builtin.view_box();
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> ux(b.xmin, b.xmax), uy(b.ymin, b.ymax);
  for (int k = 0; k < 500; ++k) {
    const double x = ux(rng), y = uy(rng);
    const std::string at = builtin.kind() + " at (" + num(x) + ", " + num(y) + ")";
    expect_jets_close(p->jet(x, y), builtin.jet_at(x, y), tol, at);
    expect_close(p->value(x, y), builtin.log_density_at(x, y), 0, tol, at + " double");
  }
}

TEST(FormulaBuiltins, EveryBuiltinRewrittenAsAFormulaAgrees) {
  // 1e-10 relative: the formula and the built-in perform the same operations up to reordering
  // and constant folding, so agreement is ~1e-14; 1e-10 leaves room for cancellation in sums
  // of large terms (funnel tails) without hiding a wrong formula (any constant error shows).
  std::vector<std::string> covered;
  for (const auto& [kind, formula] : builtin_formulas()) {
    TargetSpec spec;
    spec.kind = kind;
    expect_formula_matches(*make_target(spec), formula, 1e-10);
    covered.push_back(kind);
  }
  for (const std::string& kind : builtin_target_kinds()) {
    if (kind != "gmm" && kind.rfind("gmm_", 0) != 0) continue;
    TargetSpec spec;
    spec.kind = kind;
    const auto t = make_target(spec);
    expect_formula_matches(*t, mixture_formula(t->components()), 1e-10);
    covered.push_back(kind);
  }
  for (const std::string& kind : builtin_target_kinds())
    EXPECT_NE(std::find(covered.begin(), covered.end(), kind), covered.end())
        << "built-in '" << kind << "' has no formula counterpart in this test";
}

TEST(FormulaBuiltins, BuiltinFormulasPassTheChecksOnTheirViewBoxes) {
  for (const auto& [kind, formula] : builtin_formulas()) {
    TargetSpec spec;
    spec.kind = kind;
    const auto t = make_target(spec);
    const FormulaCheck c = check_formula(formula, t->view_box());
    EXPECT_TRUE(c.ok) << kind << ": " << (c.errors.empty() ? "" : c.errors[0].message);
  }
}

// ------------------------------------------------------------------------------------------------
// Checks

TEST(FormulaChecks, AcceptsAGoodFormulaWithoutWarnings) {
  const FormulaCheck c = check_formula("-(x^2 + y^2) / 2", Box{-7, 7, -7, 7});
  EXPECT_TRUE(c.ok);
  EXPECT_TRUE(c.errors.empty());
  EXPECT_TRUE(c.warnings.empty());
  ASSERT_TRUE(c.program);
  // Trapezoid rule on 256² cells over ±7σ: log(2π) to ~1e-6.
  EXPECT_NEAR(c.log_normalizer, std::log(2 * M_PI), 1e-6);
  EXPECT_NEAR(c.max_log_density, 0.0, 1e-12);
}

TEST(FormulaChecks, ReportsParseErrorsWithPosition) {
  const FormulaCheck c = check_formula("exp(x) + 2 * sinh(y)", Box{-1, 1, -1, 1});
  EXPECT_FALSE(c.ok);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].message, "unknown function 'sinh' at column 14");
  EXPECT_EQ(c.errors[0].offset, 13);
  EXPECT_FALSE(c.program);
}

TEST(FormulaChecks, NonFiniteLogDensityIsAnError) {
  const FormulaCheck c = check_formula("log(x) - y^2", Box{-1, 1, -1, 1});
  EXPECT_FALSE(c.ok);
  ASSERT_FALSE(c.errors.empty());
  // 128 of the 257 node columns have x < 0 → 128 · 257 = 32896 NaN nodes; the first is (-1, -1).
  EXPECT_EQ(c.errors[0].message,
            "the log density is not finite on the box: nan at (x, y) = (-1, -1) "
            "(32896 of 66049 grid points)");
  const FormulaCheck pole = check_formula("1 / x^2", Box{-1, 1, -1, 1});
  EXPECT_FALSE(pole.ok);
  ASSERT_EQ(pole.errors.size(), 2u);
  EXPECT_EQ(pole.errors[0].message,
            "the log density is not finite on the box: +inf at (x, y) = (0, -1) "
            "(257 of 66049 grid points)");
  EXPECT_EQ(pole.errors[1].message,
            "the density is not normalizable on the box: its integral over the grid is infinite");
}

TEST(FormulaChecks, ZeroDensityEverywhereIsNotNormalizable) {
  const FormulaCheck c = check_formula("-exp(1000 + x^2)", Box{-1, 1, -1, 1});
  EXPECT_FALSE(c.ok);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].message,
            "the density is not normalizable on the box: its integral over the grid is 0");
  // -inf in part of the box (zero density there) is allowed.
  EXPECT_TRUE(check_formula("log(max(0, 1 - x^2 - y^2))", Box{-2, 2, -2, 2}).ok);
}

TEST(FormulaChecks, WarnsWhenTheBoxCutsOffMass) {
  const FormulaCheck c = check_formula("-(x^2 + y^2) / 2", Box{-1, 1, -2, 2});
  EXPECT_TRUE(c.ok);
  ASSERT_EQ(c.warnings.size(), 1u);
  // Largest edge density: at (±1, 0) — the first found in row-major order is (-1, 0).
  EXPECT_EQ(c.warnings[0].message,
            "the density at the box edge reaches 60.65% of its maximum, at (x, y) = (-1, 0): "
            "the box may cut off mass; enlarge it");
  EXPECT_NEAR(c.edge_ratio, std::exp(-0.5), 1e-12);
}

TEST(FormulaChecks, OtherWarnings) {
  const FormulaCheck c = check_formula("a = 3; b = 2; -b * (x^2 + y^2)", Box{-5, 5, -5, 5});
  EXPECT_TRUE(c.ok);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].message, "parameter 'a' is never used at column 1");
  const FormulaCheck flat = check_formula("2", Box{-5, 5, -5, 5});
  EXPECT_TRUE(flat.ok);
  ASSERT_EQ(flat.warnings.size(), 2u);
  EXPECT_EQ(flat.warnings[0].message,
            "the formula does not depend on x or y: the density is uniform on the box");
  EXPECT_EQ(flat.warnings[1].message.substr(0, 31), "the density at the box edge rea");
  // |x|^0.5 has an infinite slope at x = 0; with 256 cells over [-1.1, 0.9] one centre column
  // sits at x ≈ -0.0039..., not 0, so use a box whose centre column is exactly x = 0.
  const FormulaCheck cusp = check_formula("-abs(x)^0.5 - y^2", Box{-1.00390625, 0.99609375, -3, 3});
  EXPECT_TRUE(cusp.ok);
  bool found = false;
  for (const auto& w : cusp.warnings)
    found = found || w.message.rfind("the score is not finite at (x, y) = (0, ", 0) == 0;
  EXPECT_TRUE(found);
}

TEST(FormulaChecks, InvalidBoxIsAnErrorOnFieldBox) {
  const FormulaCheck c = check_formula("x", Box{1, 1, -1, 1});
  EXPECT_FALSE(c.ok);
  ASSERT_FALSE(c.errors.empty());
  EXPECT_EQ(c.errors[0].field, "box");
  EXPECT_EQ(c.errors[0].message,
            "the box must be finite with xmin < xmax and ymin < ymax (got [1, 1, -1, 1])");
}

// ------------------------------------------------------------------------------------------------
// Targets and scenario kind "formula"

TEST(FormulaTarget, MakeTargetRoundTripsThroughTheSpec) {
  TargetSpec spec;
  spec.kind = "formula";
  spec.log_density = "a = 2.6; -(sqrt(x^2 + y^2) - a)^2 / 0.033";
  spec.box = Box{-3.5, 3.5, -3.5, 3.5};
  const auto t = make_target(spec);
  EXPECT_EQ(t->kind(), "formula");
  EXPECT_EQ(t->view_box(), spec.box);
  const TargetSpec back = t->spec();
  EXPECT_EQ(back.kind, "formula");
  EXPECT_EQ(back.log_density, spec.log_density);
  EXPECT_EQ(back.box, spec.box);
  EXPECT_TRUE(back.params.empty());
  const double r = std::hypot(0.3, 2.4);
  EXPECT_DOUBLE_EQ(t->log_density_at(0.3, 2.4), -(r - 2.6) * (r - 2.6) / 0.033);
  // Target::evaluate (batched, through jet_at per point) equals the program's own block path up to
  // FMA contraction differences (a few ulps; see BatchedEvaluationEqualsPointwise).
  Points pts(1000, 2);
  // The line misses the origin by 0.0013: there sqrt(x² + y²) has no derivative, and whether
  // -3 + 0.006·500 rounds to exactly 0 depends on FMA contraction (it did under -O1).
  for (int i = 0; i < 1000; ++i) pts(i, 0) = -3 + 0.006 * i, pts(i, 1) = 2.0013 - 0.004 * i;
  Vec a, b;
  Points sa, sb;
  Hessians ha, hb;
  t->evaluate(pts, &a, &sa, &ha);
  dynamic_cast<const FormulaTarget&>(*t).program().evaluate(pts, &b, &sb, &hb);
  for (int i = 0; i < 1000; ++i)
    expect_jets_close(Jet{a(i), sa(i, 0), sa(i, 1), ha(i, 0), ha(i, 1), ha(i, 2)},
                      Jet{b(i), sb(i, 0), sb(i, 1), hb(i, 0), hb(i, 1), hb(i, 2)}, 1e-14,
                      "point " + std::to_string(i), 1.0);
}

TEST(FormulaTarget, BadFormulaOrBoxThrowsParamErrorNamingTheField) {
  TargetSpec spec;
  spec.kind = "formula";
  spec.log_density = "x + z";
  spec.box = Box{-1, 1, -1, 1};
  try {
    make_target(spec);
    FAIL() << "no error";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.field, "log_density");
    EXPECT_EQ(std::string(e.what()), "unknown variable 'z' at column 5");
  }
  spec.log_density = "-x^2 - y^2";
  spec.box = Box{1, -1, -1, 1};
  try {
    make_target(spec);
    FAIL() << "no error";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.field, "box");
  }
  spec.box = Box{-1, 1, -1, 1};
  spec.log_density = "log(x)";
  EXPECT_THROW(make_target(spec), ParamError);
}

TEST(FormulaTarget, KeepsTheCheckWarnings) {
  const auto t = make_formula_target("-(x^2 + y^2) / 2", Box{-1, 1, -1, 1});
  const auto& ft = dynamic_cast<const FormulaTarget&>(*t);
  ASSERT_EQ(ft.warnings().size(), 1u);
  EXPECT_NE(ft.warnings()[0].message.find("box edge"), std::string::npos);
  const FormulaCheck c = check_formula("-(x^2 + y^2) / 2", Box{-5, 5, -5, 5});
  const auto reused = make_formula_target(c, Box{-5, 5, -5, 5});
  EXPECT_EQ(&dynamic_cast<const FormulaTarget&>(*reused).program(), c.program.get());
}

}  // namespace
}  // namespace ss
