#include "app/ui/slow_motion.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace ss::ui {

namespace {

constexpr ImU32 kRejected = IM_COL32(150, 150, 150, 255);
constexpr ImU32 kDivergence = IM_COL32(255, 60, 60, 230);
constexpr ImU32 kStart = IM_COL32(255, 255, 255, 240);

// Share of the frames spent drawing the path; the rest shows the outcome.
constexpr double kPathShare = 0.7;

}  // namespace

bool slow_motion_supported(const std::string& kind) {
  return kind == "rwmh" || kind == "adaptive_mh" || kind == "mala" || kind == "hmc" ||
         kind == "nuts";
}

SlowMotionSettings slow_motion_settings(const AppState& app, RunId run) {
  const std::map<RunId, SlowMotionAnimation>& runs = app.panels.slow_motion.runs;
  const auto it = runs.find(run);
  return it == runs.end() ? SlowMotionSettings{} : it->second.settings;
}

void set_slow_motion(AppState& app, RunId run, const SlowMotionSettings& settings) {
  SlowMotionAnimation& a = app.panels.slow_motion.runs[run];
  const bool was_holding = a.settings.on && a.settings.hold_run;
  a.settings = settings;
  a.settings.frames = std::clamp(settings.frames, 2, 1200);
  const bool holding = settings.on && settings.hold_run;
  if (app.session && holding != was_holding) app.session->post(cmd::HoldRun{run, holding});
  if (!settings.on) a.shown = {}, a.frame = 0, a.step_posted = false;
}

TraceFrame trace_frame(const ProposalTrace& trace, double progress) {
  TraceFrame f;
  const double p = std::clamp(progress, 0.0, 1.0);
  const double path = std::min(1.0, p / kPathShare);
  const int rows = int(trace.path.rows());
  f.rows_visible = std::clamp(int(std::ceil(path * rows)), p > 0 ? std::min(rows, 1) : 0, rows);
  f.tip = path;
  f.show_outcome = p >= kPathShare;
  return f;
}

std::string trace_caption(const std::string& kind, const ProposalTrace& tr) {
  char buf[160];
  const char* outcome = tr.accepted ? "accepted" : "rejected";
  const int n = int(tr.path.rows());
  if (kind == "hmc")
    std::snprintf(buf, sizeof buf, "chain %d: %d leapfrog steps, a = %.2f, %s%s", tr.chain, n,
                  tr.accept_prob, outcome, tr.divergent ? ", DIVERGENT" : "");
  else if (kind == "nuts") {
    int depth = 0;
    for (int d : tr.doubling) depth = std::max(depth, d + 1);
    std::snprintf(buf, sizeof buf,
                  "chain %d: tree depth %d, %d leapfrog steps, accept stat %.2f%s%s", tr.chain,
                  depth, n, tr.accept_prob, tr.accepted ? "" : ", stayed",
                  tr.divergent ? ", DIVERGENT" : "");
  } else
    std::snprintf(buf, sizeof buf, "chain %d: a = %.2f, %s", tr.chain, tr.accept_prob, outcome);
  return buf;
}

void draw_slow_motion_controls(AppState& app, const RunSnapshot& run) {
  if (!slow_motion_supported(run.kind)) return;
  SlowMotionSettings s = slow_motion_settings(app, run.id);
  bool changed = ImGui::Checkbox("slow motion", &s.on);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Follow one chain (knob follow_chain) and animate each of its moves.");
  if (s.on) {
    ImGui::SameLine();
    ImGui::PushItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
    changed |=
        ImGui::SliderInt("frames/move", &s.frames, 5, 600, "%d", ImGuiSliderFlags_Logarithmic);
    ImGui::PopItemWidth();
    int mode = s.hold_run ? 0 : 1;
    changed |= ImGui::RadioButton("chains wait", &mode, 0);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("This method advances one iteration per animated move; others run on.");
    ImGui::SameLine();
    changed |= ImGui::RadioButton("chains continue", &mode, 1);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("This method runs at full speed; the newest move is animated.");
    s.hold_run = mode == 0;
  }
  if (changed) set_slow_motion(app, run.id, s);
}

namespace {

void draw_divergences(const SamplerOverlay& ov, const plot::CanvasTransform& t, ImDrawList* dl,
                      float size) {
  for (Eigen::Index i = 0; i < ov.divergences.rows(); ++i) {
    const ImVec2 p = t.to_screen(ov.divergences(i, 0), ov.divergences(i, 1));
    dl->AddLine(ImVec2(p.x - size, p.y - size), ImVec2(p.x + size, p.y + size), kDivergence, 1.5f);
    dl->AddLine(ImVec2(p.x - size, p.y + size), ImVec2(p.x + size, p.y - size), kDivergence, 1.5f);
  }
}

ImVec2 at(const plot::CanvasTransform& t, const Vec2& v) {
  return t.to_screen(v.x(), v.y());
}
ImVec2 row(const plot::CanvasTransform& t, const Points& p, int i) {
  return t.to_screen(p(i, 0), p(i, 1));
}

// A segment with a dark halo so the path stays visible over samples, trails and any colormap.
void halo_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 colour, float unit) {
  dl->AddLine(a, b, IM_COL32(0, 0, 0, 190), 4.5f * unit);
  dl->AddLine(a, b, colour, 2.5f * unit);
}

void dot(ImDrawList* dl, ImVec2 p, ImU32 colour, float r, float unit) {
  dl->AddCircleFilled(p, r + 1.2f * unit, IM_COL32(0, 0, 0, 200));
  dl->AddCircleFilled(p, r, colour);
}

void draw_trace(const std::string& kind, const ProposalTrace& tr, double progress, ImU32 colour,
                const plot::CanvasTransform& t, ImDrawList* dl, float unit) {
  const TraceFrame f = trace_frame(tr, progress);
  const ImU32 path_colour = colour | 0xFF000000;
  const ImVec2 s = at(t, tr.start);
  const int n = int(tr.path.rows());
  if (!tr.side.empty()) {
    // NUTS: the leaves in creation order; each direction is a polyline out of the start point.
    ImVec2 last_fwd = s, last_bck = s;
    for (int i = 0; i < f.rows_visible; ++i) {
      const ImVec2 q = row(t, tr.path, i);
      const bool fwd = tr.side[i] > 0;
      const ImU32 leaf = fwd ? IM_COL32(120, 200, 255, 255) : IM_COL32(255, 190, 90, 255);
      halo_line(dl, fwd ? last_fwd : last_bck, q, leaf, unit);
      (fwd ? last_fwd : last_bck) = q;
    }
    for (int i = 0; i < f.rows_visible; ++i)
      dot(dl, row(t, tr.path, i),
          tr.side[i] > 0 ? IM_COL32(120, 200, 255, 255) : IM_COL32(255, 190, 90, 255), 2.5f * unit,
          unit);
  } else if (kind == "hmc") {
    ImVec2 last = s;
    for (int i = 0; i < f.rows_visible; ++i) {
      const ImVec2 q = row(t, tr.path, i);
      halo_line(dl, last, q, path_colour, unit);
      last = q;
    }
    for (int i = 0; i < f.rows_visible; ++i)
      dot(dl, row(t, tr.path, i), path_colour, 2.5f * unit, unit);
  } else if (n > 0) {
    // RWMH / MALA: the segment grows toward the proposal.
    const ImVec2 q = row(t, tr.path, 0);
    const ImVec2 tip(s.x + float(f.tip) * (q.x - s.x), s.y + float(f.tip) * (q.y - s.y));
    halo_line(dl, s, tip, path_colour, unit);
    if (f.tip >= 1) dl->AddCircle(q, 6.0f * unit, path_colour, 16, 2.0f * unit);
  }
  dl->AddCircle(s, 6.5f * unit, IM_COL32(0, 0, 0, 200), 20, 4.0f * unit);
  dl->AddCircle(s, 6.5f * unit, kStart, 20, 2.0f * unit);
  if (f.show_outcome) {
    // The state the chain moved to (accepted: method colour), or the rejected proposal in grey.
    if (tr.accepted) {
      dot(dl, at(t, tr.end), colour | 0xFF000000, 7.0f * unit, unit);
      dl->AddCircle(at(t, tr.end), 7.0f * unit, kStart, 20, 1.5f * unit);
    } else {
      const ImVec2 q = n > 0 && kind != "nuts" ? row(t, tr.path, n - 1) : s;
      dot(dl, q, kRejected, 7.0f * unit, unit);
    }
    if (tr.divergent) {
      const float r = 8.0f * unit;
      dl->AddLine(ImVec2(s.x - r, s.y - r), ImVec2(s.x + r, s.y + r), kDivergence, 2.5f * unit);
      dl->AddLine(ImVec2(s.x - r, s.y + r), ImVec2(s.x + r, s.y - r), kDivergence, 2.5f * unit);
    }
  }
}

}  // namespace

void draw_slow_motion_canvas(AppState& app, const RunSnapshot& run, int k,
                             const plot::CanvasTransform& t, ImDrawList* dl) {
  const float unit = app.dpi_scale > 0 ? app.dpi_scale : 1.0f;
  if (run.overlay && app.display.show_overlays) draw_divergences(*run.overlay, t, dl, 3.5f * unit);
  std::map<RunId, SlowMotionAnimation>& runs = app.panels.slow_motion.runs;
  const auto it = runs.find(run.id);
  if (it == runs.end() || !it->second.settings.on || !run.overlay) return;
  SlowMotionAnimation& a = it->second;
  const ProposalTrace& latest = run.overlay->proposal;
  const int frames = std::max(2, a.settings.frames);
  const bool done = a.shown.iteration < 0 || a.frame >= frames;
  if (done && latest.iteration >= 0 && latest.iteration != a.shown.iteration) {
    a.shown = latest;  // start animating the newest move
    a.frame = 0;
    a.step_posted = false;
  } else if (done && a.settings.hold_run && !a.step_posted && app.session &&
             run.state != RunState::finished && run.state != RunState::diverged &&
             run.state != RunState::disabled) {
    app.session->post(cmd::StepRun{run.id, 1});  // the held run makes its next move
    a.step_posted = true;
  }
  if (a.shown.iteration < 0) return;
  const double progress = double(std::min(a.frame, frames)) / double(frames);
  draw_trace(run.kind, a.shown, progress, method_color(run.kind), t, dl, unit);
  ++a.frame;
  // Caption at the bottom left, wrapped to the canvas, on a dark box so it stays legible.
  const std::string caption = "slow motion, " + trace_caption(run.kind, a.shown);
  const float wrap = std::max(40.0f, t.max.x - t.min.x - 16);
  const ImVec2 ts = ImGui::CalcTextSize(caption.c_str(), nullptr, false, wrap);
  const ImVec2 p(t.min.x + 6, t.max.y - ts.y - ImGui::GetFontSize() - 8);
  dl->AddRectFilled(ImVec2(p.x - 4, p.y - 2), ImVec2(p.x + ts.x + 4, p.y + ts.y + 2),
                    IM_COL32(0, 0, 0, 170));
  const ImU32 text = a.frame > frames * kPathShare
                         ? (a.shown.accepted ? method_color(run.kind) : kRejected)
                         : IM_COL32(230, 230, 230, 255);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), p, text, caption.c_str(), nullptr, wrap);
}

}  // namespace ss::ui
