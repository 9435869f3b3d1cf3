#include "app/ui/canvas_panel.h"

#include <imgui.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>

#include "app/gfx/density_renderer.h"
#include "app/plot/contours.h"
#include "app/plot/markers.h"
#include "app/plot/raster.h"
#include "app/ui/settings.h"
#include "app/ui/slow_motion.h"
#include "core/common/grid.h"
#include "core/io/files.h"

namespace ss::ui {

namespace {

constexpr int kReferenceSlot = 0;
constexpr int kOverlaySlotBase = 1000;  // + run id: flow-density field of that run
constexpr ImU32 kCanvasBackground = IM_COL32(12, 12, 18, 255);
constexpr double kPostInterval = 0.12;  // seconds between ChangeTarget posts while dragging
constexpr int kLayerImageBase = 2000;   // + run id: that run's composited canvas layer
constexpr ImU32 kTrailColor = IM_COL32(255, 255, 255, 100);
constexpr ImU32 kTrueScoreColor = IM_COL32(255, 255, 255, 170);
constexpr int kModelSlotBase = 3000;  // + run id: that run's learned density (ebm task)
constexpr ImU32 kDataColor = IM_COL32(255, 255, 255, 60);  // the ebm task's data, faint
constexpr int kMaxDataPoints = 2000;   // data points drawn per canvas (an even stride)
constexpr int kDivergingColormap = 5;  // shaders/density.frag: blue - white - red

// The canvas panel's state (app/ui/panel_state.h): uploads and reused buffers.
CanvasUploads& cache(AppState& app) {
  return app.panels.canvas.uploads;
}

void upload_reference(AppState& app, const std::shared_ptr<const GridReference>& ref_ptr) {
  CanvasUploads& c = cache(app);
  if (!app.renderer || c.reference == ref_ptr) return;
  const GridReference& ref = *ref_ptr;
  const auto& m = ref.cell_masses();
  c.buffer.assign(m.begin(), m.end());
  double mx = 0;
  for (double v : m) mx = std::max(mx, v);
  c.reference_max = float(mx > 0 ? mx : 1);
  c.reference = ref_ptr;
  c.reference_version = ++c.counter;
  app.renderer->upload(kReferenceSlot, c.reference_version, c.buffer.data(), ref.nx(), ref.ny());
}

bool upload_overlay_field(AppState& app, RunId id,
                          const std::shared_ptr<const SamplerOverlay>& ov_ptr) {
  const SamplerOverlay& ov = *ov_ptr;
  if (!app.renderer || ov.field.empty() || ov.field_n <= 0 ||
      int(ov.field.size()) != ov.field_n * ov.field_n)
    return false;
  CanvasUploads& c = cache(app);
  auto& entry = c.overlays[id];
  if (entry.first != ov_ptr) {
    entry = {ov_ptr, ++c.counter};
    float mx = -INFINITY;
    for (float v : ov.field)
      if (std::isfinite(v)) mx = std::max(mx, v);
    c.overlay_max[id] = std::isfinite(mx) ? mx : 0.0f;
    app.renderer->upload(kOverlaySlotBase + id, entry.second, ov.field.data(), ov.field_n,
                         ov.field_n);
  }
  return true;
}

}  // namespace

bool ebm_heat_values(const std::vector<float>& model_log, const std::vector<double>& true_log,
                     int n, double cell_area, EbmHeatMap view, std::vector<float>& out,
                     float& max) {
  out.clear();
  max = 1;
  const size_t cells = n > 0 ? size_t(n) * size_t(n) : 0;
  if (cells == 0 || model_log.size() != cells) return false;
  if (view == EbmHeatMap::difference) {
    if (true_log.size() != cells) return false;
    out.resize(cells);
    for (size_t i = 0; i < cells; ++i) {
      const double d = double(model_log[i]) - true_log[i];
      out[i] = std::isfinite(d) ? float(std::clamp(0.5 + d / (2 * kEbmDifferenceNats), 0.0, 1.0))
                                : (std::isnan(d) ? 0.5f : (d > 0 ? 1.0f : 0.0f));
    }
    return true;
  }
  out.resize(cells);
  double mx = 0;
  for (size_t i = 0; i < cells; ++i) {
    const double m = std::exp(double(model_log[i])) * cell_area;
    out[i] = std::isfinite(m) ? float(m) : 0.0f;
    mx = std::max(mx, double(out[i]));
  }
  max = float(mx > 0 ? mx : 1);
  return true;
}

namespace {

// The ebm task: uploads run's learned density (or its difference to the data density) for the
// chosen heat map; false when the canvas shows the data density instead (view `data`, no model
// yet, or no truth for the difference).
bool upload_model(AppState& app, const RunSnapshot& run) {
  if (!app.renderer || !run.model_log_density || run.model_grid_n <= 0) return false;
  const EbmHeatMap view = EbmHeatMap(std::clamp(app.display.ebm_heat_map, 0, 2));
  if (view == EbmHeatMap::data) return false;
  const std::shared_ptr<const EbmProblem>& problem = app.snap->problem;
  CanvasUploads& c = cache(app);
  UploadedModel& m = c.models[run.id];
  if (m.grid == run.model_log_density && m.view == int(view) &&
      (view != EbmHeatMap::difference || m.problem == problem))
    return m.ok;
  m.grid = run.model_log_density;
  m.problem = problem;
  m.view = int(view);
  const int n = run.model_grid_n;
  static const std::vector<double> none;
  const std::vector<double>& truth =
      problem && problem->grid_n == n ? problem->true_log_density : none;
  m.ok = ebm_heat_values(*run.model_log_density, truth, n,
                         run.model_box.width() * run.model_box.height() / (double(n) * n), view,
                         c.buffer, m.max);
  if (m.ok) {
    m.version = ++c.counter;
    app.renderer->upload(kModelSlotBase + int(run.id), m.version, c.buffer.data(), n, n);
  }
  return m.ok;
}

// Style of an ebm canvas's heat map, from the canvases' style.
gfx::HeatmapStyle model_style(AppState& app, RunId id, gfx::HeatmapStyle hs) {
  if (EbmHeatMap(app.display.ebm_heat_map) == EbmHeatMap::difference) {
    hs.colormap = kDivergingColormap;
    hs.log_scale = false;
    hs.max_value = 1;
    hs.contours = 0;
  } else {
    hs.max_value = cache(app).models[id].max;
  }
  return hs;
}

// The data drawn faint on the ebm canvases: at most kMaxDataPoints training points, an even
// stride (cached per problem).
std::shared_ptr<const Points> data_points(AppState& app) {
  const std::shared_ptr<const EbmProblem>& problem = app.snap->problem;
  if (!problem || !app.display.show_data) return nullptr;
  CanvasUploads& c = cache(app);
  if (c.data_problem != problem) {
    const Points& train = problem->train;
    const Eigen::Index stride = std::max<Eigen::Index>(1, train.rows() / kMaxDataPoints);
    auto pts = std::make_shared<Points>((train.rows() + stride - 1) / stride, 2);
    for (Eigen::Index i = 0, k = 0; i < train.rows(); i += stride, ++k) pts->row(k) = train.row(i);
    c.data_problem = problem;
    c.data_points = std::move(pts);
  }
  return c.data_points;
}

// The flow-density contours of run `id`, drawn in the colour of canvas k.
gfx::HeatmapStyle field_style(AppState& app, RunId id, ImU32 color) {
  gfx::HeatmapStyle fs;
  fs.mode = 1;
  fs.max_value = cache(app).overlay_max[id];
  fs.decades = 3;
  fs.contours = 6;
  const ImVec4 rc = ImGui::ColorConvertU32ToFloat4(color);
  fs.line_color = ImVec4(rc.x, rc.y, rc.z, 0.9f);
  return fs;
}

// Screen positions of the points inside the canvas, or within `margin` pixels of it, into out.
void screen_points(const Points& p, const plot::CanvasTransform& t, float margin,
                   std::vector<ImVec2>& out) {
  out.clear();
  out.reserve(size_t(p.rows()));
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const ImVec2 q = t.to_screen(p(i, 0), p(i, 1));
    if (q.x < t.min.x - margin || q.x > t.max.x + margin || q.y < t.min.y - margin ||
        q.y > t.max.y + margin)
      continue;
    out.push_back(q);
  }
}

// The cached true-score arrows of run `id` (recomputed when the target or the overlay changes).
const ScoreArrows& score_arrows(AppState& app, RunId id,
                                const std::shared_ptr<const Target>& target_ptr,
                                const std::shared_ptr<const SamplerOverlay>& overlay_ptr) {
  ScoreArrows& sa = cache(app).arrows[id];
  if (sa.target == target_ptr && sa.overlay == overlay_ptr) return sa;
  sa.target = target_ptr;
  sa.overlay = overlay_ptr;
  const Target& target = *target_ptr;
  const SamplerOverlay& ov = *overlay_ptr;
  const Eigen::Index n = ov.arrow_origins.rows();
  sa.truth.resize(size_t(n));
  sa.vmax = 1e-12;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Jet j = target.jet_at(ov.arrow_origins(i, 0), ov.arrow_origins(i, 1));
    sa.truth[size_t(i)] = Vec2(j.gx, j.gy);
    if (std::isfinite(sa.truth[size_t(i)].norm()))
      sa.vmax = std::max(sa.vmax, sa.truth[size_t(i)].norm());
    const double lv = ov.arrow_vectors.row(i).norm();
    if (std::isfinite(lv)) sa.vmax = std::max(sa.vmax, lv);
  }
  return sa;
}

// Turns ImGui's anti-aliasing off for the bulk overlay geometry drawn while it lives. An
// anti-aliased line or triangle carries fringe triangles (2-3 times as many triangles), and on a
// software rasterizer every triangle costs about a microsecond of setup: hundreds of arrows and
// chain-trail segments per canvas would cost milliseconds per frame.
struct NoAntiAliasing {
  explicit NoAntiAliasing(ImDrawList* dl) : dl_(dl), flags_(dl->Flags) {
    dl->Flags &= ~(ImDrawListFlags_AntiAliasedLines | ImDrawListFlags_AntiAliasedFill);
  }
  ~NoAntiAliasing() { dl_->Flags = flags_; }
  NoAntiAliasing(const NoAntiAliasing&) = delete;
  NoAntiAliasing& operator=(const NoAntiAliasing&) = delete;

 private:
  ImDrawList* dl_;
  ImDrawListFlags flags_;
};

// 1-σ ellipse of a covariance as a polyline.
void draw_cov_ellipse(ImDrawList* dl, const plot::CanvasTransform& t, const GaussianComponent& g,
                      ImU32 col, float thickness) {
  Eigen::SelfAdjointEigenSolver<Mat2> es(g.cov);
  const Vec2 ev = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Mat2 vec = es.eigenvectors();
  ImVec2 pts[48];
  for (int k = 0; k < 48; ++k) {
    const double a = 2 * M_PI * k / 48;
    const Vec2 p = g.mean + vec * Vec2(ev(0) * std::cos(a), ev(1) * std::sin(a));
    pts[k] = t.to_screen(p.x(), p.y());
  }
  dl->AddPolyline(pts, 48, col, ImDrawFlags_Closed, thickness);
}

void draw_arrow(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float thickness) {
  dl->AddLine(a, b, col, thickness);
  const float dx = b.x - a.x, dy = b.y - a.y, len = std::sqrt(dx * dx + dy * dy);
  if (len < 3) return;
  const float ux = dx / len, uy = dy / len, hs = std::min(6.0f, 0.35f * len);
  dl->AddTriangleFilled(b, ImVec2(b.x - hs * ux + 0.5f * hs * uy, b.y - hs * uy - 0.5f * hs * ux),
                        ImVec2(b.x - hs * ux - 0.5f * hs * uy, b.y - hs * uy + 0.5f * hs * ux),
                        col);
}

void draw_marginals(AppState& app, ImDrawList* dl, const plot::CanvasTransform& t,
                    const GridReference& ref, const Points& pts, ImU32 col) {
  // Histograms of the samples along the bottom (x) and left (y) edges, scaled so that the true
  // marginal's peak is 18 % of the canvas; the true marginal is a white line on the same scale.
  const Box vis = t.visible_box();
  const int bins = 60;
  const float h = 0.18f * std::min(t.max.x - t.min.x, t.max.y - t.min.y);
  for (int axis = 0; axis < 2; ++axis) {
    const double lo = axis == 0 ? vis.xmin : vis.ymin, hi = axis == 0 ? vis.xmax : vis.ymax;
    std::vector<double> hist(bins, 0.0);
    int inside = 0;
    for (Eigen::Index i = 0; i < pts.rows(); ++i) {
      const double v = pts(i, axis);
      const int b = int(std::floor((v - lo) / (hi - lo) * bins));
      if (b >= 0 && b < bins) hist[b] += 1, ++inside;
    }
    const auto& marg = axis == 0 ? ref.marginal_x() : ref.marginal_y();
    const double c0 = axis == 0 ? ref.box().xmin : ref.box().ymin;
    const double cw = axis == 0 ? ref.cell_width() : ref.cell_height();
    double peak = 0;
    for (double m : marg) peak = std::max(peak, m);
    if (peak <= 0 || pts.rows() == 0) continue;
    const double bw = (hi - lo) / bins;
    // Sample density per bin = count / (n · bw); same units as the true marginal.
    const double n = double(pts.rows());
    for (int b = 0; b < bins; ++b) {
      const double dens = hist[b] / (n * bw);
      const float len = float(std::min(1.5, dens / peak) * h);
      if (len <= 0) continue;
      if (axis == 0) {
        const float x0 = t.min.x + (t.max.x - t.min.x) * b / bins;
        const float x1 = t.min.x + (t.max.x - t.min.x) * (b + 1) / bins;
        dl->AddRectFilled(ImVec2(x0, t.max.y - len), ImVec2(x1 - 1, t.max.y), col);
      } else {
        const float y1 = t.max.y - (t.max.y - t.min.y) * b / bins;
        const float y0 = t.max.y - (t.max.y - t.min.y) * (b + 1) / bins;
        dl->AddRectFilled(ImVec2(t.min.x, y0 + 1), ImVec2(t.min.x + len, y1), col);
      }
    }
    std::vector<ImVec2> line;
    for (size_t k = 0; k < marg.size(); k += 2) {
      const double v = cell_centre(c0, cw, int(k));
      const float len = float(marg[k] / peak * h);
      if (axis == 0) {
        const ImVec2 s = t.to_screen(v, 0);
        line.emplace_back(s.x, t.max.y - len);
      } else {
        const ImVec2 s = t.to_screen(0, v);
        line.emplace_back(t.min.x + len, s.y);
      }
    }
    dl->AddPolyline(line.data(), int(line.size()), IM_COL32(255, 255, 255, 220), 0, 1.5f);
  }
  (void)app;
}

int hovered_component(const TargetSpec& spec, const plot::CanvasTransform& t, ImVec2 mouse,
                      float radius) {
  int best = -1;
  float best_d = radius * radius;
  for (size_t i = 0; i < spec.components.size(); ++i) {
    const ImVec2 p = t.to_screen(spec.components[i].mean.x(), spec.components[i].mean.y());
    const float d = (p.x - mouse.x) * (p.x - mouse.x) + (p.y - mouse.y) * (p.y - mouse.y);
    if (d <= best_d) best_d = d, best = int(i);
  }
  return best;
}

void post_mixture(AppState& app, bool force) {
  if (!app.editing_target || !app.session) return;
  const double now = ImGui::GetTime();
  if (!force && now - app.last_target_post < kPostInterval) return;
  app.last_target_post = now;
  post_target(app, *app.editing_target);
}

// Calls draw(origin, true_tip, learned_tip, has_true, has_learned) in screen coordinates for
// each of the overlay's score arrows: the learned score (run colour) against the true score
// (white) on one length scale, the longest arrow of either field 8 % of the view.
template <class Draw>
void for_each_score_arrow(AppState& app, RunId id, const std::shared_ptr<const Target>& target,
                          const std::shared_ptr<const SamplerOverlay>& overlay,
                          const plot::CanvasTransform& t, const Draw& draw) {
  const SamplerOverlay& ov = *overlay;
  if (ov.arrow_origins.rows() == 0 || ov.arrow_origins.rows() != ov.arrow_vectors.rows()) return;
  const double len = 0.04 * app.view.half_extent * 2;
  const ScoreArrows& sa = score_arrows(app, id, target, overlay);
  for (Eigen::Index i = 0; i < ov.arrow_origins.rows(); ++i) {
    const double x = ov.arrow_origins(i, 0), y = ov.arrow_origins(i, 1);
    const Vec2 tv = sa.truth[size_t(i)] / sa.vmax * len * 2;
    const Vec2 lv = Vec2(ov.arrow_vectors(i, 0), ov.arrow_vectors(i, 1)) / sa.vmax * len * 2;
    draw(t.to_screen(x, y), t.to_screen(x + tv.x(), y + tv.y()),
         t.to_screen(x + lv.x(), y + lv.y()), std::isfinite(tv.norm()), std::isfinite(lv.norm()));
  }
}

// The canvas's busy layer drawn with ImDrawList: heat map, flow-density contours, trails,
// markers and score arrows. Used without a GL renderer (the headless UI tests); with one, the
// software layer below draws the same picture.
void draw_layer_gpu(AppState& app, int k, const RunSnapshot* run, const plot::CanvasTransform& t,
                    const gfx::HeatmapStyle& hs, ImDrawList* dl) {
  const Snapshot& s = *app.snap;
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 a = t.min, b = t.max;
  // The heat map image carries the canvas background (HeatmapStyle::background); without it
  // the background is a plain fill.
  const bool heat_map =
      s.reference && app.display.show_density && app.renderer && app.renderer->has(kReferenceSlot);
  if (run && app.display.show_density && upload_model(app, *run)) {
    const Box& box = run->model_box;
    const int key = kModelSlotBase + int(run->id);
    app.renderer->draw_cached(dl, key, key, a, b, t.to_screen(box.xmin, box.ymax),
                              t.to_screen(box.xmax, box.ymin), model_style(app, run->id, hs),
                              io.DisplayFramebufferScale.x);
  } else if (!heat_map) {
    dl->AddRectFilled(a, b, kCanvasBackground);
  } else {
    const Box& box = s.reference->box();
    app.renderer->draw_cached(dl, kReferenceSlot, kReferenceSlot, a, b,
                              t.to_screen(box.xmin, box.ymax), t.to_screen(box.xmax, box.ymin), hs,
                              io.DisplayFramebufferScale.x);
  }
  if (!run) return;
  if (app.display.show_overlays && run->overlay) {
    const SamplerOverlay& ov = *run->overlay;
    if (upload_overlay_field(app, run->id, run->overlay)) {
      const gfx::HeatmapStyle fs = field_style(app, run->id, method_color(run->kind));
      app.renderer->draw_cached(dl, kOverlaySlotBase + run->id, kOverlaySlotBase + run->id, a, b,
                                t.to_screen(ov.field_box.xmin, ov.field_box.ymax),
                                t.to_screen(ov.field_box.xmax, ov.field_box.ymin), fs,
                                io.DisplayFramebufferScale.x);
    }
    // Trails as plain 1-pixel lines: one quad per segment.
    const NoAntiAliasing plain(dl);
    std::vector<ImVec2>& line = cache(app).line;
    for (const Points& trail : ov.trails) {
      line.clear();
      for (Eigen::Index i = 0; i < trail.rows(); ++i)
        line.push_back(t.to_screen(trail(i, 0), trail(i, 1)));
      if (line.size() >= 2)
        dl->AddPolyline(line.data(), int(line.size()), kTrailColor, 0,
                        std::max(1.0f, std::round(app.dpi_scale)));
    }
  }
  if (const auto data = data_points(app)) {
    // A quarter of the data (≤ 500 points): this path draws into ImGui's 16-bit-indexed draw
    // list, which five canvases of 1024 chains and 2000 data points each would overflow.
    std::vector<ImVec2>& centers = cache(app).centers;
    const float diameter = std::max(1.5f, 0.6f * (app.display.point_size + 1.0f)) * app.dpi_scale;
    screen_points(*data, t, diameter, centers);
    for (size_t i = 0; 4 * i < centers.size(); ++i) centers[i] = centers[4 * i];
    centers.resize((centers.size() + 3) / 4);
    plot::draw_markers(dl, centers, diameter, kDataColor);
  }
  if (app.display.show_samples && run->display_samples) {
    // One sprite quad per point (app/plot/markers.h); points outside the canvas are culled.
    const float diameter = (app.display.point_size + 1.0f) * app.dpi_scale;
    std::vector<ImVec2>& centers = cache(app).centers;
    screen_points(*run->display_samples, t, diameter, centers);
    plot::draw_markers(
        dl, centers, diameter,
        run_is_stale(app, *run) ? IM_COL32(160, 160, 160, 110) : method_color(run->kind, 0.95f));
  }
  if (app.display.show_overlays && run->overlay && s.target) {
    const NoAntiAliasing plain(dl);  // 3 triangles per arrow instead of about 12
    const float thin = std::max(1.0f, std::round(app.dpi_scale));
    for_each_score_arrow(app, run->id, s.target, run->overlay, t,
                         [&](ImVec2 o, ImVec2 truth, ImVec2 learned, bool has_t, bool has_l) {
                           if (has_t) draw_arrow(dl, o, truth, kTrueScoreColor, thin);
                           if (has_l) draw_arrow(dl, o, learned, method_color(run->kind), 2 * thin);
                         });
  }
}

// The overlay's scalar field (flowMC: the flow's log density) as iso-lines in the run's colour:
// levels every 1/6 of 3 decades below the field's maximum, the levels the contour shader draws
// without the software layer. Grid values sit at cell centres, row 0 at the box's bottom.
template <class ToPixels>
void draw_field_contours(const SamplerOverlay& ov, ImU32 color, const plot::CanvasTransform& t,
                         const ToPixels& px, plot::Raster& r, std::vector<plot::Segment>& segs) {
  const int n = ov.field_n;
  if (n < 2 || ov.field.size() != size_t(n) * size_t(n)) return;
  float mx = -INFINITY;
  for (float v : ov.field)
    if (std::isfinite(v)) mx = std::max(mx, v);
  if (!std::isfinite(mx)) return;
  constexpr int kLines = 6;
  constexpr double kDecades = 3;
  const ImU32 col = (color & ~IM_COL32_A_MASK) | (ImU32(230) << IM_COL32_A_SHIFT);
  const float width = 1.25f * ImGui::GetIO().DisplayFramebufferScale.x;
  const Box& box = ov.field_box;
  const double cw = box.width() / n, ch = box.height() / n;
  for (int i = 1; i < kLines; ++i) {
    const float level = float(mx - (1.0 - double(i) / kLines) * kDecades * std::log(10.0));
    segs.clear();
    plot::iso_segments(ov.field, n, n, level, segs);
    for (const plot::Segment& sg : segs)
      r.draw_line(px(t.to_screen(box.xmin + (sg[0] + 0.5) * cw, box.ymin + (sg[1] + 0.5) * ch)),
                  px(t.to_screen(box.xmin + (sg[2] + 0.5) * cw, box.ymin + (sg[3] + 0.5) * ch)),
                  col, width);
  }
}

// The canvas's busy layer composited on the CPU (app/plot/raster.h) and copied to the screen as
// one image: the heat map read back from its cached render, the flow-density contours, trails,
// markers and score arrows. Rebuilt only when its inputs change.
void draw_layer_raster(AppState& app, int k, const RunSnapshot& run, const plot::CanvasTransform& t,
                       const gfx::HeatmapStyle& hs, ImDrawList* dl) {
  const Snapshot& s = *app.snap;
  const float fbs = ImGui::GetIO().DisplayFramebufferScale.x;
  const ImVec2 a = t.min, b = t.max;
  CanvasLayerInputs in;
  in.width = std::max(1, int(std::lround((b.x - a.x) * fbs)));
  in.height = std::max(1, int(std::lround((b.y - a.y) * fbs)));
  in.scale = t.scale, in.center_x = t.center_x, in.center_y = t.center_y;
  const gfx::DensityRenderer::CachedImage* base = nullptr;
  if (app.display.show_density && upload_model(app, run)) {
    const Box& box = run.model_box;
    const int key = kModelSlotBase + int(run.id);
    base = app.renderer->render_cached(key, key, a, b, t.to_screen(box.xmin, box.ymax),
                                       t.to_screen(box.xmax, box.ymin),
                                       model_style(app, run.id, hs), fbs, true);
  } else if (s.reference && app.display.show_density && app.renderer->has(kReferenceSlot)) {
    const Box& box = s.reference->box();
    base = app.renderer->render_cached(kReferenceSlot, kReferenceSlot, a, b,
                                       t.to_screen(box.xmin, box.ymax),
                                       t.to_screen(box.xmax, box.ymin), hs, fbs, true);
  }
  in.base_version = base ? base->version : 0;
  if (app.display.show_samples) in.samples = run.display_samples;
  if (app.display.show_overlays) in.overlay = run.overlay, in.target = s.target;
  in.data = data_points(app);
  in.diameter = (app.display.point_size + 1.0f) * app.dpi_scale;
  in.dpi = app.dpi_scale;
  in.color = run_is_stale(app, run) ? IM_COL32(160, 160, 160, 110) : method_color(run.kind, 0.95f);

  CanvasLayer& layer = app.panels.canvas.layers[run.id];
  if (!(layer.inputs == in)) {
    plot::Raster& r = layer.raster;
    r.resize(in.width, in.height);
    if (base && base->width == in.width && base->height == in.height)
      r.copy(base->pixels.data());
    else
      r.fill(kCanvasBackground);
    // Raster pixels: (screen − canvas corner) · framebuffer scale.
    const auto px = [&](ImVec2 p) { return ImVec2((p.x - a.x) * fbs, (p.y - a.y) * fbs); };
    if (in.overlay) {
      draw_field_contours(*in.overlay, method_color(run.kind), t, px, r, cache(app).segments);
      const float width = std::max(1.0f, std::round(app.dpi_scale)) * fbs;
      for (const Points& trail : in.overlay->trails)
        for (Eigen::Index i = 1; i < trail.rows(); ++i)
          r.draw_line(px(t.to_screen(trail(i - 1, 0), trail(i - 1, 1))),
                      px(t.to_screen(trail(i, 0), trail(i, 1))), kTrailColor, width);
    }
    if (in.data) {
      std::vector<ImVec2>& centers = cache(app).centers;
      const float d = std::max(1.5f, 0.6f * (app.display.point_size + 1.0f)) * app.dpi_scale;
      screen_points(*in.data, t, d, centers);
      for (ImVec2& c : centers) c = px(c);
      r.draw_markers(centers, d * fbs, kDataColor);
    }
    if (in.samples) {
      std::vector<ImVec2>& centers = cache(app).centers;
      screen_points(*in.samples, t, in.diameter, centers);
      for (ImVec2& c : centers) c = px(c);
      r.draw_markers(centers, in.diameter * fbs, in.color);
    }
    if (in.overlay && in.target) {
      const float thin = std::max(1.0f, std::round(app.dpi_scale)) * fbs;
      for_each_score_arrow(app, run.id, in.target, in.overlay, t,
                           [&](ImVec2 o, ImVec2 truth, ImVec2 learned, bool has_t, bool has_l) {
                             if (has_t)
                               r.draw_arrow(px(o), px(truth), kTrueScoreColor, thin, 6.0f * fbs);
                             if (has_l)
                               r.draw_arrow(px(o), px(learned), method_color(run.kind), 2 * thin,
                                            6.0f * fbs);
                           });
    }
    app.renderer->upload_image(kLayerImageBase + run.id, r.data(), r.width(), r.height());
    layer.inputs = std::move(in);
  }
  app.renderer->draw_image(dl, kLayerImageBase + run.id, a, b, fbs);
}

// Mode regions of the reference (when there are several): the boundaries between regions as
// thin lines, from the region grid sampled every few cells (kept per reference in `cached`), and
// each region's number beside its centre, matching the mode-coverage bars.
const ModeRegionLines& region_lines(ModeRegionLines& cached,
                                    const std::shared_ptr<const GridReference>& ref) {
  if (cached.reference == ref) return cached;
  cached.reference = ref;
  cached.segments.clear();
  const auto& g = ref->region_grid();
  const int nx = ref->nx(), ny = ref->ny();
  if (ref->regions().size() < 2 || g.size() != size_t(nx) * size_t(ny)) return cached;
  const int step = std::max(1, std::max(nx, ny) / 96);
  const Box& b = ref->box();
  const double cw = ref->cell_width() * step, ch = ref->cell_height() * step;
  const int mx = nx / step, my = ny / step;
  const auto id = [&](int i, int j) {
    return g[size_t(std::min(ny - 1, j * step + step / 2)) * size_t(nx) +
             size_t(std::min(nx - 1, i * step + step / 2))];
  };
  for (int j = 0; j < my; ++j)
    for (int i = 0; i < mx; ++i) {
      const double x0 = b.xmin + i * cw, y0 = b.ymin + j * ch;
      if (i + 1 < mx && id(i, j) != id(i + 1, j))
        cached.segments.push_back({x0 + cw, y0, x0 + cw, y0 + ch});
      if (j + 1 < my && id(i, j) != id(i, j + 1))
        cached.segments.push_back({x0, y0 + ch, x0 + cw, y0 + ch});
    }
  return cached;
}

void draw_mode_regions(AppState& app, ImDrawList* dl, const plot::CanvasTransform& t,
                       const GridReference& ref) {
  if (ref.regions().size() < 2) return;
  {
    const NoAntiAliasing plain(dl);
    for (const auto& sg :
         region_lines(app.panels.canvas.region_lines, app.snap->reference).segments)
      dl->AddLine(t.to_screen(sg[0], sg[1]), t.to_screen(sg[2], sg[3]), IM_COL32(255, 255, 255, 60),
                  1.0f);
  }
  const float fh = ImGui::GetFontSize();
  for (size_t k = 0; k < ref.regions().size() && k < 24; ++k) {
    const ImVec2 p = t.to_screen(ref.regions()[k].center.x(), ref.regions()[k].center.y());
    const std::string num = std::to_string(k + 1);
    const ImVec2 ts = ImGui::CalcTextSize(num.c_str());
    const float r = 0.5f * std::max(ts.x, ts.y) + 2.0f;
    // Beside the mode's centre (up and right), so that it does not hide the samples there.
    const ImVec2 c(p.x + 0.9f * fh, p.y - 0.9f * fh);
    dl->AddCircleFilled(c, r, IM_COL32(0, 0, 0, 150), 16);
    dl->AddCircle(c, r, IM_COL32(255, 255, 255, 160), 16, 1.0f);
    dl->AddText(ImVec2(c.x - 0.5f * ts.x, c.y - 0.5f * ts.y), IM_COL32(255, 255, 255, 230),
                num.c_str());
  }
}

// What a run's overlays are, for the legend strip under its canvas.
struct LegendEntry {
  int kind;  // 0 arrow, 1 line, 2 circle, 3 dot, 4 colour ramp
  ImU32 color;
  const char* text;
};

std::vector<LegendEntry> overlay_legend_entries(const AppState& app, const RunSnapshot& run) {
  std::vector<LegendEntry> entries;
  if (run.model_log_density) {  // the ebm task
    if (app.display.show_data && app.snap->problem)
      entries.push_back({3, IM_COL32(255, 255, 255, 200), "data (faint)"});
    if (app.display.show_samples)
      entries.push_back({3, method_color(run.kind), "negatives / chains"});
    if (app.display.show_density) {
      const EbmHeatMap v = EbmHeatMap(app.display.ebm_heat_map);
      entries.push_back({4, 0,
                         v == EbmHeatMap::difference
                             ? "log p_model - log p_data: blue < 0 < red (+-4)"
                         : v == EbmHeatMap::data ? "heat map: true data density"
                                                 : "heat map: learned density"});
    }
  }
  if (!run.overlay) return entries;
  const SamplerOverlay& ov = *run.overlay;
  const ImU32 col = method_color(run.kind);
  if (ov.arrow_origins.rows() > 0) {
    entries.push_back({0, kTrueScoreColor, "true score (grad log p)"});
    entries.push_back({0, col, "learned score"});
  }
  if (!ov.field.empty()) entries.push_back({1, col, "flow density contours"});
  if (!ov.trails.empty()) entries.push_back({1, kTrailColor, "recent chain paths"});
  if (ov.kernel_bandwidth > 0 && std::isfinite(ov.kernel_bandwidth))
    entries.push_back(
        {2, IM_COL32(255, 255, 255, 220), "kernel bandwidth h (top right, to scale)"});
  return entries;
}

float legend_entry_width(const LegendEntry& e) {
  const float fh = ImGui::GetFontSize();
  return 1.6f * fh + ImGui::CalcTextSize(e.text).x + 1.2f * fh;
}

/// Lines the legend strip of these entries needs in `width` pixels.
int legend_lines(const std::vector<LegendEntry>& entries, float width) {
  int lines = entries.empty() ? 0 : 1;
  float x = 0;
  for (const LegendEntry& e : entries) {
    const float w = std::min(width, legend_entry_width(e));
    if (x > 0 && x + w > width) ++lines, x = 0;
    x += w;
  }
  return lines;
}

// The legend strip under a canvas (outside its data): what each overlay is. SVGD's kernel
// bandwidth is drawn to scale as a circle in the canvas's top-right corner (an outline, away from
// the marginals along the bottom and left edges).
void draw_overlay_legend(const AppState& app, ImDrawList* dl, const RunSnapshot& run,
                         ImVec2 strip_min, float strip_w) {
  const std::vector<LegendEntry> entries = overlay_legend_entries(app, run);
  const float fh = ImGui::GetFontSize(), row = fh + 4.0f;
  float x = 0, y = 0;
  for (const LegendEntry& e : entries) {
    const float w = std::min(strip_w, legend_entry_width(e));
    if (x > 0 && x + w > strip_w) x = 0, y += row;
    const float cy = strip_min.y + y + 0.5f * row;
    const float x0 = strip_min.x + x + 2.0f, x1 = x0 + 1.3f * fh;
    if (e.kind == 0)
      draw_arrow(dl, ImVec2(x0, cy), ImVec2(x1, cy), e.color,
                 e.color == kTrueScoreColor ? 1.0f : 2.0f);
    else if (e.kind == 1)
      dl->AddLine(ImVec2(x0, cy), ImVec2(x1, cy), e.color, 1.5f);
    else if (e.kind == 3)
      dl->AddCircleFilled(ImVec2(0.5f * (x0 + x1), cy), 0.22f * fh, e.color, 12);
    else if (e.kind == 4) {  // a colour ramp: the diverging map, or a plain box
      const ImU32 lo = e.text[0] == 'l' ? IM_COL32(33, 102, 172, 255) : IM_COL32(68, 1, 84, 255);
      const ImU32 hi = e.text[0] == 'l' ? IM_COL32(178, 24, 43, 255) : IM_COL32(253, 231, 37, 255);
      dl->AddRectFilledMultiColor(ImVec2(x0, cy - 0.3f * fh), ImVec2(x1, cy + 0.3f * fh), lo, hi,
                                  hi, lo);
    } else
      dl->AddCircle(ImVec2(0.5f * (x0 + x1), cy), 0.4f * fh, e.color, 24, 1.5f);
    // An entry wider than the canvas is shortened with "..." (the tooltip-free strip must
    // never run into the next canvas).
    const std::string text = plot::fit_text(e.text, strip_min.x + strip_w - (x1 + 0.3f * fh));
    dl->AddText(ImVec2(x1 + 0.3f * fh, cy - 0.5f * fh), IM_COL32(220, 220, 220, 255), text.c_str());
    x += w;
  }
}

void draw_kernel_circle(ImDrawList* dl, const plot::CanvasTransform& t, const RunSnapshot& run) {
  if (!run.overlay || !(run.overlay->kernel_bandwidth > 0) ||
      !std::isfinite(run.overlay->kernel_bandwidth))
    return;
  const float rad = float(run.overlay->kernel_bandwidth * t.scale);
  const float m = 0.5f * ImGui::GetFontSize();
  dl->AddCircle(ImVec2(t.max.x - rad - m, t.min.y + rad + m), rad, IM_COL32(255, 255, 255, 200), 64,
                1.5f);
}

}  // namespace

int canvas_grid_columns(int n, float w, float h, float box_aspect) {
  if (n <= 1) return 1;
  if (!(box_aspect > 0) || !std::isfinite(box_aspect)) box_aspect = 1;
  int best = 1;
  float best_scale = 0;
  for (int cols = 1; cols <= n; ++cols) {
    const int rows = (n + cols - 1) / cols;
    // Pixels per world unit when a box of aspect box_aspect (height 1) fits one cell.
    const float scale = std::min(w / cols / box_aspect, h / rows);
    if (scale > best_scale * 1.001f + 1e-6f) best_scale = scale, best = cols;
  }
  return best;
}

std::optional<TargetSpec> editable_mixture(const AppState& app) {
  if (app.editing_target) return app.editing_target;
  if (!app.snap || !app.snap->target) return std::nullopt;
  const auto comps = app.snap->target->components();
  if (comps.empty()) return std::nullopt;
  TargetSpec spec;
  spec.kind = "gmm";
  spec.components = comps;
  return spec;
}

void move_mixture_component(AppState& app, int index, double x, double y, bool force) {
  if (!app.editing_target) app.editing_target = editable_mixture(app);
  if (!app.editing_target || index < 0 || index >= int(app.editing_target->components.size()))
    return;
  app.editing_target->components[index].mean = Vec2(x, y);
  post_mixture(app, force);
}

void drop_run_canvas_resources(gfx::DensityRenderer& renderer, RunId id) {
  renderer.drop_image(kLayerImageBase + id);
  renderer.drop_grid(kOverlaySlotBase + id);
  renderer.drop_cached(kOverlaySlotBase + id);
  renderer.drop_grid(kModelSlotBase + id);
  renderer.drop_cached(kModelSlotBase + id);
}

void draw_canvas_panel(AppState& app, ImVec2 min, ImVec2 max) {
  if (!app.snap) return;
  const Snapshot& s = *app.snap;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int n = std::max<int>(1, int(s.runs.size()));
  const float gap = 6.0f * app.dpi_scale;
  const float w = max.x - min.x, h = max.y - min.y;
  // The box the view shows: the reference's box while the view follows it, else what is visible.
  float box_aspect = 1.0f;
  if (s.reference && app.view_auto_fit) {
    const Box& bx = s.reference->box();
    if (bx.height() > 0) box_aspect = float(bx.width() / bx.height());
  }
  const int cols = canvas_grid_columns(n, w, h, box_aspect);
  const int rows = (n + cols - 1) / cols;
  const float cw = (w - gap * (cols - 1)) / cols;
  // A legend strip under every canvas (outside the data) as tall as the longest one needs.
  int strip_lines = 0;
  if (app.display.show_legend && app.display.show_overlays)
    for (const RunSnapshot& r : s.runs)
      strip_lines = std::max(strip_lines, legend_lines(overlay_legend_entries(app, r), cw));
  const float strip_h = strip_lines > 0 ? strip_lines * (ImGui::GetFontSize() + 4.0f) + 2.0f : 0.0f;
  const float ch = (h - gap * (rows - 1)) / rows - strip_h;
  if (cw < 20 || ch < 20) return;
  if (s.reference && app.view_auto_fit) app.view.fit(s.reference->box(), double(cw) / ch);
  if (s.reference) upload_reference(app, s.reference);

  const std::optional<TargetSpec> mixture = editable_mixture(app);
  const ImGuiIO& io = ImGui::GetIO();
  const float handle_r = 9.0f * app.dpi_scale;
  gfx::HeatmapStyle hs;
  hs.colormap = app.display.colormap;
  hs.log_scale = app.display.log_density;
  hs.max_value = cache(app).reference_max;
  hs.contours = app.display.contours;
  hs.background = ImGui::ColorConvertU32ToFloat4(kCanvasBackground);

  for (int k = 0; k < n; ++k) {
    const RunSnapshot* run = k < int(s.runs.size()) ? &s.runs[k] : nullptr;
    const int r = k / cols, c = k % cols;
    const ImVec2 a(min.x + c * (cw + gap), min.y + r * (ch + strip_h + gap));
    const ImVec2 b(a.x + cw, a.y + ch);
    const plot::CanvasTransform t = plot::make_transform(app.view, a, b);
    const std::string name = run ? run->label : std::string("(no methods)");
    app.rects["canvas:" + name] = plot::ScreenRect{a, b};
    if (k == 0) app.rects["canvas:first"] = plot::ScreenRect{a, b};

    ImGui::SetCursorScreenPos(a);
    ImGui::PushID(k);
    ImGui::InvisibleButton("##canvas", ImVec2(cw, ch),
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                               ImGuiButtonFlags_MouseButtonMiddle);
    const bool hovered = ImGui::IsItemHovered();
    const bool active = ImGui::IsItemActive();

    dl->PushClipRect(a, b, true);
    if (run && app.renderer && app.renderer->ok())
      draw_layer_raster(app, k, *run, t, hs, dl);
    else
      draw_layer_gpu(app, k, run, t, hs, dl);
    if (run && app.display.show_samples && app.display.show_marginals && run->display_samples &&
        s.reference)
      draw_marginals(app, dl, t, *s.reference, *run->display_samples,
                     method_color(run->kind, 0.55f));
    if (s.reference && app.display.show_overlays) draw_mode_regions(app, dl, t, *s.reference);
    if (run && app.display.show_overlays) draw_kernel_circle(dl, t, *run);
    if (run) draw_slow_motion_canvas(app, *run, k, t, dl);  // divergences, slow motion
    // Mixture handles: mean marker and 1-sigma ellipse per component.
    int hover_comp = -1;
    if (mixture) {
      hover_comp = hovered ? hovered_component(*mixture, t, io.MousePos, handle_r) : -1;
      for (size_t i = 0; i < mixture->components.size(); ++i) {
        const GaussianComponent& g = mixture->components[i];
        const bool hot = int(i) == hover_comp || int(i) == app.drag_component;
        draw_cov_ellipse(dl, t, g, IM_COL32(255, 255, 255, hot ? 220 : 90), hot ? 2.0f : 1.0f);
        const ImVec2 p = t.to_screen(g.mean.x(), g.mean.y());
        dl->AddCircle(p, handle_r * 0.6f, IM_COL32(255, 255, 255, hot ? 255 : 160), 16, 2.0f);
      }
    }
    // Label and state.
    if (run && run_is_stale(app, *run)) {
      const char* msg = "grey: samples of the previous target (live restart is off; press Reset)";
      dl->AddText(ImVec2(a.x + 6, a.y + ImGui::GetFontSize() + 8), IM_COL32(255, 200, 120, 255),
                  msg);
    }
    if (run) {
      const std::string title = run->label + "  it " + std::to_string(run->iteration);
      dl->AddRectFilled(
          ImVec2(a.x, a.y),
          ImVec2(a.x + ImGui::CalcTextSize(title.c_str()).x + 12, a.y + ImGui::GetFontSize() + 6),
          IM_COL32(0, 0, 0, 150));
      dl->AddText(ImVec2(a.x + 6, a.y + 3), method_color(run->kind), title.c_str());
      if (run->state == RunState::diverged) {
        // Cut to the canvas (the whole reason is in the Controls' method list).
        const std::string msg = plot::fit_text("diverged: " + run->status.reason, b.x - a.x - 12);
        dl->AddText(ImVec2(a.x + 6, a.y + ImGui::GetFontSize() + 8), IM_COL32(255, 90, 90, 255),
                    msg.c_str());
      }
    } else {
      dl->AddText(ImVec2(a.x + 6, a.y + 3), IM_COL32(200, 200, 200, 255),
                  "No methods: add one in the Methods list");
    }
    if (!s.reference)
      dl->AddText(ImVec2(a.x + 6, b.y - ImGui::GetFontSize() - 4), IM_COL32(220, 220, 220, 255),
                  "computing the reference...");
    if (hovered) {
      const Vec2 wp = t.to_world(io.MousePos);
      char buf[96];
      std::snprintf(buf, sizeof buf, "(%.3f, %.3f)", wp.x(), wp.y());
      const ImVec2 ts = ImGui::CalcTextSize(buf);
      dl->AddText(ImVec2(b.x - ts.x - 6, b.y - ts.y - 4), IM_COL32(230, 230, 230, 255), buf);
    }
    dl->PopClipRect();
    if (run && app.display.show_overlays && app.display.show_legend && strip_h > 0)
      draw_overlay_legend(app, dl, *run, ImVec2(a.x, b.y + 2.0f), cw);
    dl->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border));

    // Interaction.
    if (hovered && io.MouseWheel != 0) {
      if (hover_comp >= 0) {
        if (!app.editing_target) app.editing_target = mixture;
        app.editing_target->components[hover_comp].cov *= std::pow(1.15, io.MouseWheel);
        post_mixture(app, true);
      } else {
        plot::zoom_at(app.view, t, io.MousePos, std::pow(1.15, io.MouseWheel));
        app.view_auto_fit = false;
      }
    }
    if (ImGui::IsItemActivated() && ImGui::IsMouseClicked(ImGuiMouseButton_Left) &&
        hover_comp >= 0) {
      app.editing_target = mixture;
      app.drag_component = hover_comp;
    }
    if (active && app.drag_component >= 0 && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      const Vec2 wp = t.to_world(io.MousePos);
      move_mixture_component(app, app.drag_component, wp.x(), wp.y(), false);
    } else if (active && (ImGui::IsMouseDragging(ImGuiMouseButton_Left) ||
                          ImGui::IsMouseDragging(ImGuiMouseButton_Middle))) {
      plot::pan_by(app.view, t, io.MouseDelta);
      app.view_auto_fit = false;
    }
    if (app.drag_component >= 0 && ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
        ImGui::IsItemDeactivated()) {
      post_mixture(app, true);
      app.drag_component = -1;
    }
    if (hovered && mixture && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) &&
        hover_comp < 0) {
      app.editing_target = mixture;
      const Vec2 wp = t.to_world(io.MousePos);
      GaussianComponent g;
      g.weight = 1.0 / double(mixture->components.size() + 1);
      g.mean = wp;
      g.cov = Mat2::Identity() * std::pow(0.08 * app.view.half_extent, 2);
      for (auto& other : app.editing_target->components) other.weight *= 1.0 - g.weight;
      app.editing_target->components.push_back(g);
      post_mixture(app, true);
    }
    if (hovered && hover_comp >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      if (mixture->components.size() > 1) {
        app.editing_target = mixture;
        app.editing_target->components.erase(app.editing_target->components.begin() + hover_comp);
        post_mixture(app, true);
      } else {
        report_error(app, "a mixture needs at least one component");
      }
    } else if (ImGui::BeginPopupContextItem("##canvas_menu")) {
      if (ImGui::MenuItem("Save PNG of this canvas")) {
        if (app.headless)
          report_error(app, "PNG export needs a window (this is a headless run)");
        else
          app.png_requests.push_back(PngRequest{
              next_numbered_path(app.export_dir, "canvas_" + file_safe_label(name), ".png"),
              "canvas:" + name});
      }
      if (!app.recording && ImGui::MenuItem("Record this canvas to GIF"))
        app.record_request = AppState::RecordRequest{
            next_numbered_path(app.export_dir, "canvas_" + file_safe_label(name), ".gif"),
            "canvas:" + name, 0};
      if (ImGui::MenuItem("Fit view")) app.view_auto_fit = true;
      ImGui::EndPopup();
    }
    ImGui::PopID();
  }
}

}  // namespace ss::ui
