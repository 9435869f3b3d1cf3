// The checks a formula passes before it becomes a target (check_formula: compile, evaluate on a
// grid over the box for finiteness, mass at the box edge, normalizability and unused
// parameters) and make_formula_target. Compiling is in formula_compile.cpp, evaluation in
// formula_eval.cpp.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/common/format.h"
#include "core/common/grid.h"
#include "core/targets/formula.h"
#include "core/targets/formula_internal.h"

namespace ss {

using namespace formula_detail;

// ---------------------------------------------------------------------------------------------
// Checks

namespace {

bool box_is_valid(const Box& b) {
  return std::isfinite(b.xmin) && std::isfinite(b.xmax) && std::isfinite(b.ymin) &&
         std::isfinite(b.ymax) && b.xmin < b.xmax && b.ymin < b.ymax;
}

std::string point_text(double x, double y) {
  return "(x, y) = (" + format_number(x, 4) + ", " + format_number(y, 4) + ")";
}

FormulaIssue plain_issue(std::string message, std::string field = "log_density") {
  FormulaIssue is;
  is.field = std::move(field);
  is.message = std::move(message);
  return is;
}

}  // namespace

FormulaCheck check_formula(const std::string& expr, const Box& box,
                           const FormulaCheckOptions& options) {
  FormulaCheck check;
  const bool box_ok = box_is_valid(box);
  if (!box_ok)
    check.errors.push_back(
        plain_issue("the box must be finite with xmin < xmax and ymin < ymax (got [" +
                        format_number(box.xmin, 4) + ", " + format_number(box.xmax, 4) + ", " +
                        format_number(box.ymin, 4) + ", " + format_number(box.ymax, 4) + "])",
                    "box"));
  try {
    check.program = FormulaProgram::compile(expr);
  } catch (const FormulaError& e) {
    check.errors.push_back(e.issue);
  }
  if (!check.program || !box_ok) return check;
  const FormulaProgram& prog = *check.program;

  for (const auto& p : prog.parameters())
    if (!p.used) {
      FormulaIssue is =
          issue_at(expr, p.offset, static_cast<int>(p.name.size()),
                   "parameter '" + p.name + "' is never used at " + where(expr, p.offset));
      check.warnings.push_back(is);
    }
  if (prog.is_constant())
    check.warnings.push_back(
        plain_issue("the formula does not depend on x or y: the density is uniform on the box"));

  // Log density on the (n+1)² grid nodes, edges included.
  const int n = std::max(2, options.grid_cells);
  const int m = n + 1;
  const double hx = box.width() / n, hy = box.height() / n;
  auto node_x = [&](int i) { return i == n ? box.xmax : box.xmin + i * hx; };
  auto node_y = [&](int j) { return j == n ? box.ymax : box.ymin + j * hy; };
  std::vector<double> logp(static_cast<std::size_t>(m) * m);
  tbb::parallel_for(tbb::blocked_range<int>(0, m), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j)
      for (int i = 0; i < m; ++i) logp[std::size_t(j) * m + i] = prog.value(node_x(i), node_y(j));
  });

  int bad = 0, first_bad = -1;
  double max_lp = -kInf, edge_max = -kInf;
  int edge_at = -1;
  bool has_pos_inf = false;
  for (int j = 0; j < m; ++j)
    for (int i = 0; i < m; ++i) {
      const int k = j * m + i;
      const double v = logp[k];
      if (std::isnan(v) || v == kInf) {
        if (bad++ == 0) first_bad = k;
        has_pos_inf = has_pos_inf || v == kInf;
        continue;
      }
      if (v > max_lp) max_lp = v;
      const bool edge = i == 0 || j == 0 || i == n || j == n;
      if (edge && v > edge_max) edge_max = v, edge_at = k;
    }
  if (bad > 0) {
    const double v = logp[first_bad];
    check.errors.push_back(plain_issue(
        "the log density is not finite on the box: " + std::string(std::isnan(v) ? "nan" : "+inf") +
        " at " + point_text(node_x(first_bad % m), node_y(first_bad / m)) + " (" +
        std::to_string(bad) + " of " + std::to_string(m * m) + " grid points)"));
  }

  // Trapezoid rule in log space: weights 1 inside, 1/2 on edges, 1/4 at corners.
  double log_z = -kInf;
  if (has_pos_inf) {
    log_z = kInf;
  } else if (max_lp > -kInf) {
    double sum = 0;
    for (int j = 0; j < m; ++j)
      for (int i = 0; i < m; ++i) {
        const double v = logp[std::size_t(j) * m + i];
        if (std::isnan(v)) continue;
        const double w = ((i == 0 || i == n) ? 0.5 : 1.0) * ((j == 0 || j == n) ? 0.5 : 1.0);
        sum += w * std::exp(v - max_lp);
      }
    log_z = max_lp + std::log(sum) + std::log(hx * hy);
  }
  check.log_normalizer = log_z;
  check.max_log_density = max_lp;
  if (!std::isfinite(log_z)) {
    check.errors.push_back(plain_issue(
        std::string("the density is not normalizable on the box: its integral over the grid is ") +
        (log_z == kInf ? "infinite" : "0")));
  }
  if (!check.errors.empty()) return check;

  check.edge_ratio = std::exp(edge_max - max_lp);
  if (check.edge_ratio > options.edge_ratio_warning) {
    check.warnings.push_back(plain_issue(
        "the density at the box edge reaches " + format_number(100 * check.edge_ratio, 4) +
        "% of its maximum, at " + point_text(node_x(edge_at % m), node_y(edge_at / m)) +
        ": the box may cut off mass; enlarge it"));
  }

  // Score at the n² cell centres (not the nodes: a removable singularity exactly on a node, such
  // as the origin of a radial formula, is of no concern to a sampler), where the density is > 0.
  std::vector<char> score_ok(static_cast<std::size_t>(n) * n, 1);
  auto centre_x = [&](int i) { return cell_centre(box.xmin, hx, i); };
  auto centre_y = [&](int j) { return cell_centre(box.ymin, hy, j); };
  tbb::parallel_for(tbb::blocked_range<int>(0, n), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j)
      for (int i = 0; i < n; ++i) {
        const Jet g = prog.jet(centre_x(i), centre_y(j));
        if (g.v == -kInf) continue;
        score_ok[std::size_t(j) * n + i] = std::isfinite(g.gx) && std::isfinite(g.gy);
      }
  });
  int bad_score = 0, first_bad_score = -1;
  for (std::size_t k = 0; k < score_ok.size(); ++k)
    if (!score_ok[k] && bad_score++ == 0) first_bad_score = static_cast<int>(k);
  if (bad_score > 0)
    check.warnings.push_back(
        plain_issue("the score is not finite at " +
                    point_text(centre_x(first_bad_score % n), centre_y(first_bad_score / n)) +
                    " (" + std::to_string(bad_score) + " of " + std::to_string(n * n) +
                    " grid cell centres): gradient-based methods may fail there"));

  check.ok = true;
  return check;
}

std::shared_ptr<const Target> make_formula_target(const FormulaCheck& check, const Box& box) {
  if (!check.ok || !check.program) {
    if (!check.errors.empty()) throw FormulaError(check.errors.front());
    throw FormulaError(plain_issue("the formula has not been checked"));
  }
  return std::make_shared<FormulaTarget>(check.program, box, check.warnings);
}

std::shared_ptr<const Target> make_formula_target(const std::string& expr, const Box& box) {
  return make_formula_target(check_formula(expr, box), box);
}

}  // namespace ss
