#include "core/targets/grid_reference.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "core/common/grid.h"

namespace ss {

namespace {

constexpr double kMinRegionMass = 0.005;  // basins below 0.5 % of the mass are merged
constexpr double kMinBasinDepth = 0.5;    // basins less than 0.5 nats deep are merged (see below)
constexpr double kRefineCurvature = 1.0;  // refine cells where |Δ² log p̃| across a cell exceeds 1
constexpr double kRefineRange = 40.0;  // … and whose estimated maximum is within 40 nats of the top
constexpr int kMaxSplit = 256;         // at most 256 sub-cells per axis
constexpr double kMaxRefineEvaluations = 4e6;  // total sub-cell evaluations

std::string coordinate_text(double x, double y) {
  std::ostringstream os;
  os << "(" << x << ", " << y << ")";
  return os.str();
}

std::string weight_text(double w) {
  std::ostringstream os;
  os.precision(2);
  os << w;
  return os.str();
}

// Per component: mean, inverse covariance and log w − ½ log det Σ, for the most responsible
// component (argmax of log w_k + log N_k(x); the common −log 2π is dropped).
using ComponentScore = std::array<double, 6>;

std::vector<ComponentScore> component_scores(const std::vector<GaussianComponent>& components) {
  std::vector<ComponentScore> out;
  for (const auto& c : components) {
    const double det = c.cov(0, 0) * c.cov(1, 1) - c.cov(0, 1) * c.cov(1, 0);
    out.push_back({c.mean.x(), c.mean.y(), c.cov(1, 1) / det,
                   -0.5 * (c.cov(0, 1) + c.cov(1, 0)) / det, c.cov(0, 0) / det,
                   std::log(c.weight) - 0.5 * std::log(det)});
  }
  return out;
}

int argmax_component(const std::vector<ComponentScore>& scores, double x, double y) {
  int best = 0;
  double best_value = -INFINITY;
  for (size_t k = 0; k < scores.size(); ++k) {
    const auto& c = scores[k];
    const double d1 = x - c[0], d2 = y - c[1];
    const double q = c[5] - 0.5 * (c[2] * d1 * d1 + 2 * c[3] * d1 * d2 + c[4] * d2 * d2);
    if (q > best_value) best_value = q, best = static_cast<int>(k);
  }
  return best;
}

// Which cells need sub-cell integration, and how finely (see grid_reference.h).
struct RefinementPlan {
  std::vector<int> cells;                 // cell indices, increasing
  std::vector<std::array<int, 2>> split;  // sub-cells per axis
};

// 1-D: the largest rise of the parabola through (−1, fm), (0, f0), (1, fp) over t ∈ [−½, ½].
double parabola_gain(double fm, double f0, double fp) {
  if (!std::isfinite(fm) || !std::isfinite(fp)) return 0.0;
  const double b = 0.5 * (fp - fm), a = 0.5 * (fp + fm) - f0;
  auto at = [&](double t) { return b * t + a * t * t; };
  double g = std::max({0.0, at(-0.5), at(0.5)});
  if (a < 0) g = std::max(g, at(std::clamp(-b / (2 * a), -0.5, 0.5)));
  return g;
}

RefinementPlan plan_refinement(const std::vector<double>& logp, int nx, int ny, double max_logp) {
  RefinementPlan plan;
  if (nx < 3 || ny < 3) return plan;
  auto f = [&](int ix, int iy) { return logp[iy * nx + ix]; };
  // Second difference of log p̃ along one axis (at the edge: that of the inner neighbour).
  auto curvature = [&](int ix, int iy, bool along_x) {
    const int n = along_x ? nx : ny;
    int c = along_x ? ix : iy;
    c = std::clamp(c, 1, n - 2);
    const double a = along_x ? f(c - 1, iy) : f(ix, c - 1);
    const double m = along_x ? f(c, iy) : f(ix, c);
    const double p = along_x ? f(c + 1, iy) : f(ix, c + 1);
    const double d2 = a - 2 * m + p;
    return std::isfinite(d2) ? std::abs(d2) : 0.0;
  };
  std::vector<double> estimate, rank;
  for (int iy = 0; iy < ny; ++iy)
    for (int ix = 0; ix < nx; ++ix) {
      const double c = f(ix, iy);
      if (!std::isfinite(c)) continue;
      const double kx = curvature(ix, iy, true), ky = curvature(ix, iy, false);
      if (kx <= kRefineCurvature && ky <= kRefineCurvature) continue;
      const double gx =
          (ix > 0 && ix < nx - 1) ? parabola_gain(f(ix - 1, iy), c, f(ix + 1, iy)) : 0;
      const double gy =
          (iy > 0 && iy < ny - 1) ? parabola_gain(f(ix, iy - 1), c, f(ix, iy + 1)) : 0;
      // Estimated in-cell maximum: c + gx + gy decides whether to keep the cell (it can overshoot
      // when the density is not separable, e.g. the funnel, which only keeps extra cells);
      // c + max(gx, gy), which does not, ranks the cells for the work budget.
      const double est = c + gx + gy;
      rank.push_back(c + std::max(gx, gy));
      plan.cells.push_back(iy * nx + ix);
      // Sub-cell spacing ≤ half the local Gaussian width: m ≥ 2·cell/σ = 2√|Δ²|.
      plan.split.push_back(
          {kx > kRefineCurvature ? static_cast<int>(std::ceil(2 * std::sqrt(kx))) : 1,
           ky > kRefineCurvature ? static_cast<int>(std::ceil(2 * std::sqrt(ky))) : 1});
      estimate.push_back(est);
    }
  // Keep the cells that can matter: estimated maximum within kRefineRange nats of the top. A
  // centre value more than 1e12 below the top makes the estimate meaningless (it is a difference
  // of huge numbers) and the cell irrelevant at any sub-grid we could afford: skipped.
  const double top = max_logp;
  std::vector<size_t> order;
  for (size_t k = 0; k < plan.cells.size(); ++k)
    if (estimate[k] >= top - kRefineRange && logp[plan.cells[k]] > top - 1e12) order.push_back(k);
  // Spend the work budget on the most promising cells first; the rest get coarser sub-grids.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank[a] > rank[b]; });
  double remaining = kMaxRefineEvaluations;
  std::vector<std::pair<int, std::array<int, 2>>> kept;
  for (size_t k : order) {
    std::array<int, 2> sp = {std::min(plan.split[k][0], kMaxSplit),
                             std::min(plan.split[k][1], kMaxSplit)};
    const double cost = double(sp[0]) * sp[1];
    if (cost > remaining) {
      const double f = std::sqrt(std::max(remaining, 1.0) / cost);
      for (int& v : sp) v = std::max(1, static_cast<int>(std::floor(v * f)));
    }
    remaining = std::max(0.0, remaining - double(sp[0]) * sp[1]);
    if (sp[0] * sp[1] > 1) kept.push_back({plan.cells[k], sp});
  }
  std::sort(kept.begin(), kept.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  plan.cells.clear();
  plan.split.clear();
  for (const auto& [cell, sp] : kept) plan.cells.push_back(cell), plan.split.push_back(sp);
  return plan;
}

// Steepest-ascent basins on the grid, then merging (see grid_reference.h):
//  1. every cell points to its highest 8-neighbour if that is higher (ties broken by cell index, so
//     the pointers never cycle); a cell with no higher neighbour is a peak; each cell's basin is
//     the peak its chain of pointers ends at;
//  2. the saddle between two adjacent basins is the highest min(log p̃ᵢ, log p̃ⱼ) over pairs of
//     neighbouring cells i, j on their border; a basin's depth is its peak minus its highest
//     saddle;
//  3. basins shallower than kMinBasinDepth nats (discretization ripples along a ridge, e.g. the
//     donut's circle, which has many tiny grid maxima) are merged, shallowest first, into the
//     neighbour across their highest saddle (the basin they drain into);
//  4. then basins with less than kMinRegionMass of the mass are merged, smallest first, the same
//     way.
// Returns the basin label of every cell (0 … B−1, by decreasing mass) and fills the regions.
std::vector<int> basin_regions(const std::vector<double>& logp, const std::vector<double>& mass,
                               int nx, int ny, const Box& box, std::vector<ModeRegion>& regions) {
  const int n = nx * ny;
  auto higher = [&](int a, int b) {  // key(a) > key(b)
    return logp[a] > logp[b] || (logp[a] == logp[b] && a > b);
  };
  std::vector<int> parent(n);
  tbb::parallel_for(tbb::blocked_range<int>(0, ny), [&](const tbb::blocked_range<int>& r) {
    for (int iy = r.begin(); iy != r.end(); ++iy)
      for (int ix = 0; ix < nx; ++ix) {
        const int i = iy * nx + ix;
        int best = i;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int jx = ix + dx, jy = iy + dy;
            if ((dx == 0 && dy == 0) || jx < 0 || jy < 0 || jx >= nx || jy >= ny) continue;
            const int j = jy * nx + jx;
            if (higher(j, best)) best = j;
          }
        parent[i] = best;
      }
  });
  // Roots with path compression (keys strictly increase along pointers, so chains end).
  std::vector<int> root(n, -1);
  std::vector<int> stack;
  for (int i = 0; i < n; ++i) {
    int j = i;
    while (root[j] < 0 && parent[j] != j) {
      stack.push_back(j);
      j = parent[j];
    }
    const int r = root[j] >= 0 ? root[j] : j;
    root[j] = r;
    for (int k : stack) root[k] = r;
    stack.clear();
  }
  // Basins.
  std::unordered_map<int, int> basin_of_root;
  std::vector<int> peak_cell;
  std::vector<int> label(n);
  for (int i = 0; i < n; ++i) {
    auto [it, inserted] = basin_of_root.try_emplace(root[i], static_cast<int>(peak_cell.size()));
    if (inserted) peak_cell.push_back(root[i]);
    label[i] = it->second;
  }
  const int nb = static_cast<int>(peak_cell.size());
  std::vector<double> basin_mass(nb, 0.0), peak(nb);
  for (int i = 0; i < n; ++i) basin_mass[label[i]] += mass[i];
  for (int b = 0; b < nb; ++b) peak[b] = logp[peak_cell[b]];
  // Saddles between adjacent basins.
  std::vector<std::map<int, double>> adj(nb);
  auto add_saddle = [&](int a, int b, double s) {
    auto [it, inserted] = adj[a].try_emplace(b, s);
    if (!inserted) it->second = std::max(it->second, s);
  };
  for (int iy = 0; iy < ny; ++iy)
    for (int ix = 0; ix < nx; ++ix) {
      const int i = iy * nx + ix;
      const int offsets[4][2] = {{1, 0}, {0, 1}, {1, 1}, {-1, 1}};
      for (const auto& o : offsets) {
        const int jx = ix + o[0], jy = iy + o[1];
        if (jx < 0 || jy >= ny || jx >= nx) continue;
        const int j = jy * nx + jx;
        if (label[i] == label[j]) continue;
        const double s = std::min(logp[i], logp[j]);
        add_saddle(label[i], label[j], s);
        add_saddle(label[j], label[i], s);
      }
    }
  // Merging with a lazily updated priority queue.
  std::vector<int> merged_into(nb, -1);
  std::vector<bool> alive(nb, true);
  auto best_neighbour = [&](int b, double& saddle) {
    int best = -1;
    saddle = -INFINITY;
    for (const auto& [c, s] : adj[b])
      if (best < 0 || s > saddle) best = c, saddle = s;
    return best;
  };
  auto merge = [&](int a, int b) {  // a into b
    alive[a] = false;
    merged_into[a] = b;
    basin_mass[b] += basin_mass[a];
    if (peak[a] > peak[b]) peak[b] = peak[a], peak_cell[b] = peak_cell[a];
    for (const auto& [c, s] : adj[a]) {
      if (c == b) continue;
      add_saddle(b, c, s);
      adj[c].erase(a);
      add_saddle(c, b, s);
    }
    adj[b].erase(a);
    adj[a].clear();
  };
  auto run_phase = [&](auto key_of) {  // key_of(b) → key, or +inf when b should stay
    using Entry = std::pair<double, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    for (int b = 0; b < nb; ++b)
      if (alive[b] && std::isfinite(key_of(b))) queue.push({key_of(b), b});
    while (!queue.empty()) {
      const auto [key, b] = queue.top();
      queue.pop();
      if (!alive[b]) continue;
      const double now = key_of(b);
      if (now != key) {
        if (std::isfinite(now)) queue.push({now, b});
        continue;
      }
      double saddle;
      const int into = best_neighbour(b, saddle);
      if (into < 0) continue;  // the last basin
      merge(b, into);
      if (std::isfinite(key_of(into))) queue.push({key_of(into), into});
      for (const auto& [c, s] : adj[into])
        if (std::isfinite(key_of(c))) queue.push({key_of(c), c});
    }
  };
  run_phase([&](int b) {
    double saddle;
    if (best_neighbour(b, saddle) < 0) return kInf;
    const double depth = peak[b] - saddle;
    return depth < kMinBasinDepth ? depth : kInf;
  });
  run_phase([&](int b) {
    double saddle;
    if (best_neighbour(b, saddle) < 0) return kInf;
    return basin_mass[b] < kMinRegionMass ? basin_mass[b] : kInf;
  });
  // Final labels, regions by decreasing mass.
  std::vector<int> survivors;
  for (int b = 0; b < nb; ++b)
    if (alive[b]) survivors.push_back(b);
  std::stable_sort(survivors.begin(), survivors.end(),
                   [&](int a, int b) { return basin_mass[a] > basin_mass[b]; });
  std::vector<int> region_of_basin(nb, -1);
  const double w = box.width() / nx, h = box.height() / ny;
  regions.clear();
  for (size_t r = 0; r < survivors.size(); ++r) {
    const int b = survivors[r];
    region_of_basin[b] = static_cast<int>(r);
    const int pc = peak_cell[b];
    ModeRegion m;
    m.id = static_cast<int>(r);
    m.true_mass = basin_mass[b];
    m.center = Vec2(cell_centre(box.xmin, w, pc % nx), cell_centre(box.ymin, h, pc / nx));
    m.label = "mode " + std::to_string(r + 1);
    regions.push_back(m);
  }
  for (int b = 0; b < nb; ++b) {
    int r = b;
    while (!alive[r]) r = merged_into[r];
    region_of_basin[b] = region_of_basin[r];
  }
  for (int i = 0; i < n; ++i) label[i] = region_of_basin[label[i]];
  return label;
}

}  // namespace

std::shared_ptr<const GridReference> GridReference::compute(std::shared_ptr<const Target> target,
                                                            int resolution, const Box* box,
                                                            const Interrupt* interrupt) {
  // The parallel passes skip their remaining rows once a stop is requested; the serial check
  // after each pass throws.
  const auto stop = [interrupt] { return interrupt && interrupt->requested(); };
  if (!target) throw std::invalid_argument("grid reference: no target");
  if (resolution < 2 || resolution > 8192)
    throw std::invalid_argument("grid reference: the resolution must be in [2, 8192] cells, got " +
                                std::to_string(resolution));
  auto ref = std::shared_ptr<GridReference>(new GridReference());
  ref->target_ = target;
  ref->box_ = box ? *box : target->view_box();
  const Box& b = ref->box_;
  if (!(std::isfinite(b.xmin) && std::isfinite(b.xmax) && std::isfinite(b.ymin) &&
        std::isfinite(b.ymax) && b.xmin < b.xmax && b.ymin < b.ymax))
    throw std::invalid_argument("grid reference of '" + target->kind() +
                                "': the view box must be finite with xmin < xmax and ymin < ymax");
  const int nx = resolution, ny = resolution, n = nx * ny;
  ref->nx_ = nx;
  ref->ny_ = ny;
  const double w = b.width() / nx, h = b.height() / ny;
  auto cx = [&](int ix) { return cell_centre(b.xmin, w, ix); };
  auto cy = [&](int iy) { return cell_centre(b.ymin, h, iy); };

  // Log density at the cell centres, and each row's maximum.
  ref->logp_.resize(n);
  std::vector<double> row_max(ny);
  tbb::parallel_for(tbb::blocked_range<int>(0, ny), [&](const tbb::blocked_range<int>& r) {
    for (int iy = r.begin(); iy != r.end(); ++iy) {
      if (stop()) return;
      double m = -INFINITY;
      for (int ix = 0; ix < nx; ++ix) {
        const double v = target->log_density_at(cx(ix), cy(iy));
        ref->logp_[iy * nx + ix] = v;
        if (v > m || std::isnan(v)) m = std::isnan(m) ? m : v;
      }
      row_max[iy] = m;
    }
  });
  check_interrupt(interrupt);
  double max_logp = -INFINITY;
  for (int iy = 0; iy < ny; ++iy) {
    if (std::isnan(row_max[iy]) || row_max[iy] == INFINITY) {
      for (int ix = 0; ix < nx; ++ix) {
        const double v = ref->logp_[iy * nx + ix];
        if (std::isnan(v) || v == INFINITY)
          throw std::runtime_error("grid reference of '" + target->kind() +
                                   "': the log density is " + (std::isnan(v) ? "NaN" : "+inf") +
                                   " at " + coordinate_text(cx(ix), cy(iy)) +
                                   ", so the normalizer is not finite");
      }
    }
    max_logp = std::max(max_logp, row_max[iy]);
  }
  if (max_logp == -INFINITY)
    throw std::runtime_error("grid reference of '" + target->kind() +
                             "': the density is zero at every grid cell of the box, so the "
                             "normalizer is zero");

  // Cells too coarse for the density (see grid_reference.h) are integrated on a sub-grid: their
  // log mass per unit area is the log-mean-exp of log p̃ over the sub-cell centres (max-shifted per
  // cell), and the normalized cumulative sub-cell weights are kept for sampling inside the cell.
  const auto plan = plan_refinement(ref->logp_, nx, ny, max_logp);
  const int nr = static_cast<int>(plan.cells.size());
  ref->refined_cells_ = plan.cells;
  ref->refined_split_ = plan.split;
  ref->refined_offset_.assign(nr + 1, 0);
  for (int k = 0; k < nr; ++k)
    ref->refined_offset_[k + 1] = ref->refined_offset_[k] + plan.split[k][0] * plan.split[k][1];
  ref->refined_cdf_.assign(ref->refined_offset_[nr], 0.0f);
  std::vector<double> refined_log_mass(nr);
  tbb::parallel_for(tbb::blocked_range<int>(0, nr), [&](const tbb::blocked_range<int>& r) {
    std::vector<double> values;
    for (int k = r.begin(); k != r.end(); ++k) {
      if (stop()) return;
      const int i = plan.cells[k], ix = i % nx, iy = i / nx;
      const int mx = plan.split[k][0], my = plan.split[k][1];
      values.resize(mx * my);
      double vmax = -kInf;
      for (int sy = 0; sy < my; ++sy)
        for (int sx = 0; sx < mx; ++sx) {
          double v = target->log_density_at(b.xmin + (ix + (sx + 0.5) / mx) * w,
                                            b.ymin + (iy + (sy + 0.5) / my) * h);
          if (!(v < kInf)) v = -kInf;  // NaN/+inf sub-points (centres were checked) count as 0
          values[sy * mx + sx] = v;
          vmax = std::max(vmax, v);
        }
      float* cdf = ref->refined_cdf_.data() + ref->refined_offset_[k];
      double acc = 0;
      for (int j = 0; j < mx * my; ++j) {
        acc += vmax > -kInf ? std::exp(values[j] - vmax) : 0.0;
        cdf[j] = static_cast<float>(acc);
      }
      for (int j = 0; j < mx * my; ++j) cdf[j] = acc > 0 ? cdf[j] / static_cast<float>(acc) : 1.0f;
      refined_log_mass[k] = acc > 0 ? vmax + std::log(acc / (mx * my)) : -kInf;
    }
  });
  check_interrupt(interrupt);

  // Masses: exp(log p̃ − shift) with the log-sum-exp shift = the largest value, summed per row
  // then serially (the result does not depend on the number of threads).
  double shift = max_logp;
  for (double l : refined_log_mass) shift = std::max(shift, l);
  ref->mass_.resize(n);
  std::vector<double> row_sum(ny);
  tbb::parallel_for(tbb::blocked_range<int>(0, ny), [&](const tbb::blocked_range<int>& r) {
    for (int iy = r.begin(); iy != r.end(); ++iy) {
      double s = 0;
      for (int ix = 0; ix < nx; ++ix) {
        const double m = std::exp(ref->logp_[iy * nx + ix] - shift);
        ref->mass_[iy * nx + ix] = m;
        s += m;
      }
      row_sum[iy] = s;
    }
  });
  std::vector<double> refined_mass(nr);
  for (int k = 0; k < nr; ++k) refined_mass[k] = std::exp(refined_log_mass[k] - shift);
  for (int k = 0; k < nr; ++k) {
    const int i = plan.cells[k];
    row_sum[i / nx] += refined_mass[k] - ref->mass_[i];
    ref->mass_[i] = refined_mass[k];
  }
  double total = 0;
  for (double s : row_sum) total += s;
  ref->log_z_ = shift + std::log(total) + std::log(w * h);
  if (!std::isfinite(ref->log_z_) || !(total > 0))
    throw std::runtime_error("grid reference of '" + target->kind() +
                             "': the normalizer is not finite");
  const double inv_total = 1 / total;
  for (double& m : ref->mass_) m *= inv_total;

  // Cumulative masses for inverse-CDF sampling.
  ref->cdf_.resize(n);
  double acc = 0;
  for (int i = 0; i < n; ++i) ref->cdf_[i] = (acc += ref->mass_[i]);

  // Marginals (densities on the bins) and moments of the gridded distribution (cell centres plus
  // the uniform jitter inside a cell: variance w²/12 and h²/12 added on the diagonal).
  ref->marginal_x_.assign(nx, 0.0);
  ref->marginal_y_.assign(ny, 0.0);
  double sx = 0, sy = 0;
  for (int iy = 0; iy < ny; ++iy)
    for (int ix = 0; ix < nx; ++ix) {
      const double m = ref->mass_[iy * nx + ix];
      ref->marginal_x_[ix] += m;
      ref->marginal_y_[iy] += m;
    }
  for (int ix = 0; ix < nx; ++ix) sx += ref->marginal_x_[ix] * cx(ix);
  for (int iy = 0; iy < ny; ++iy) sy += ref->marginal_y_[iy] * cy(iy);
  double sxx = 0, syy = 0, sxy = 0;
  for (int iy = 0; iy < ny; ++iy) {
    const double dy = cy(iy) - sy;
    double row_dx = 0;
    for (int ix = 0; ix < nx; ++ix) row_dx += ref->mass_[iy * nx + ix] * (cx(ix) - sx);
    sxy += row_dx * dy;
    syy += ref->marginal_y_[iy] * dy * dy;
  }
  for (int ix = 0; ix < nx; ++ix) sxx += ref->marginal_x_[ix] * (cx(ix) - sx) * (cx(ix) - sx);
  ref->mean_ = Vec2(sx, sy);
  ref->cov_ << sxx + w * w / 12, sxy, sxy, syy + h * h / 12;
  for (double& m : ref->marginal_x_) m /= w;
  for (double& m : ref->marginal_y_) m /= h;

  // Mode regions.
  ref->components_ = target->components();
  if (!ref->components_.empty()) {
    ref->component_scores_ = component_scores(ref->components_);
    const auto& scores = ref->component_scores_;
    ref->region_grid_.resize(n);
    tbb::parallel_for(tbb::blocked_range<int>(0, ny), [&](const tbb::blocked_range<int>& r) {
      for (int iy = r.begin(); iy != r.end(); ++iy)
        for (int ix = 0; ix < nx; ++ix)
          ref->region_grid_[iy * nx + ix] = argmax_component(scores, cx(ix), cy(iy));
    });
    const int k = static_cast<int>(ref->components_.size());
    ref->regions_.resize(k);
    for (int c = 0; c < k; ++c) {
      ModeRegion& m = ref->regions_[c];
      m.id = c;
      m.center = ref->components_[c].mean;
      m.label =
          "mode " + std::to_string(c + 1) + " (w=" + weight_text(ref->components_[c].weight) + ")";
    }
    for (int i = 0; i < n; ++i) ref->regions_[ref->region_grid_[i]].true_mass += ref->mass_[i];
  } else {
    ref->region_grid_ = basin_regions(ref->logp_, ref->mass_, nx, ny, b, ref->regions_);
  }
  return ref;
}

void GridReference::sample(int n, Rng& rng, Points& out) const {
  out.resize(std::max(n, 0), 2);
  const double w = cell_width(), h = cell_height();
  const double total = cdf_.back();
  for (int s = 0; s < n; ++s) {
    const double u = rng.uniform() * total;
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    if (it == cdf_.end()) --it;
    // upper_bound never lands on a zero-mass cell (its cumulative value equals its predecessor's).
    const int i = static_cast<int>(it - cdf_.begin());
    const int ix = i % nx_, iy = i / nx_;
    const auto r = std::lower_bound(refined_cells_.begin(), refined_cells_.end(), i);
    if (r != refined_cells_.end() && *r == i) {
      // A refined cell: pick a sub-cell by its weight, then jitter inside it.
      const size_t k = r - refined_cells_.begin();
      const int mx = refined_split_[k][0], my = refined_split_[k][1];
      const float* cdf = refined_cdf_.data() + refined_offset_[k];
      const float v = static_cast<float>(rng.uniform());
      const int j =
          std::min(static_cast<int>(std::upper_bound(cdf, cdf + mx * my, v) - cdf), mx * my - 1);
      out(s, 0) = box_.xmin + (ix + (j % mx + rng.uniform()) / mx) * w;
      out(s, 1) = box_.ymin + (iy + (j / mx + rng.uniform()) / my) * h;
      continue;
    }
    out(s, 0) = box_.xmin + (ix + rng.uniform()) * w;
    out(s, 1) = box_.ymin + (iy + rng.uniform()) * h;
  }
}

int GridReference::region_of(double x, double y) const {
  if (!components_.empty()) {
    // Exact: the component with the largest log w_k + log N_k(x, y).
    return argmax_component(component_scores_, x, y);
  }
  // Clamp in floating point before converting (NaN → cell 0; huge values → the edge).
  auto cell = [](double t, int n) {
    const double c = std::floor(t);
    return c >= 0 ? static_cast<int>(std::min(c, double(n - 1))) : 0;
  };
  const int ix = cell((x - box_.xmin) / cell_width(), nx_);
  const int iy = cell((y - box_.ymin) / cell_height(), ny_);
  return region_grid_[iy * nx_ + ix];
}

}  // namespace ss
