#include "app/ui/formula_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

#include "app/ui/app_state.h"
#include "core/common/grid.h"

namespace ss::ui {

namespace {

struct Example {
  const char* name;
  const char* text;
  Box box;
};

const Example kExamples[] = {
    {"Donut", "a = 2.6;  # ring radius\n-(sqrt(x^2 + y^2) - a)^2 / 0.033", {-3.5, 3.5, -3.5, 3.5}},
    {"Banana",
     "a = 2; b = 0.2;\ny1 = x / a;\ny2 = a * y + a * b * (x^2 + a^2) - 4;\n"
     "-(y1^2 - y1 * y2 + y2^2) / 1.5",
     {-7.5, 7.5, -12, 4}},
    {"Three modes (logsumexp)",
     "# equal-weight mixture of three Gaussians\n"
     "logsumexp(-((x + 1.5)^2 + (y + 1.5)^2) / 1.6 - log(0.8),\n"
     "          -((x - 1.5)^2 + (y - 1.5)^2) / 1.6 - log(0.8),\n"
     "          -((x + 2)^2 + (y - 2)^2) / 1.0 - log(0.5))",
     {-5.5, 5, -5.5, 5}},
    {"Rosenbrock", "-((1 - x)^2 + 20 * (y - x^2)^2) / 0.4", {-0.7, 2.7, -0.5, 7.3}},
    {"Squiggle",
     "u = y + sin(5 * x);\n-(0.5 * x^2 - 0.5 * x * u + 2 * u^2) / (2 * 0.9375)",
     {-5.2, 5.2, -3.6, 3.6}},
    {"Two rings",
     "r = sqrt(x^2 + y^2);\nlogsumexp(-(r - 1)^2 / 0.02, -(r - 2.5)^2 / 0.02)",
     {-3, 3, -3, 3}},
};

Box box_of(const FormulaPanelState& s) {
  return Box{s.box[0], s.box[1], s.box[2], s.box[3]};
}

// A compact viridis-like colour ramp for the preview (t in [0, 1]).
ImU32 ramp(float t) {
  static const float stops[5][3] = {{0.267f, 0.005f, 0.329f},
                                    {0.229f, 0.322f, 0.546f},
                                    {0.128f, 0.567f, 0.551f},
                                    {0.369f, 0.789f, 0.383f},
                                    {0.993f, 0.906f, 0.144f}};
  t = std::clamp(t, 0.0f, 1.0f) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const float f = t - i;
  float c[3];
  for (int k = 0; k < 3; ++k) c[k] = stops[i][k] + f * (stops[i + 1][k] - stops[i][k]);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c[0], c[1], c[2], 1));
}

void compute_preview(FormulaPanelState& s) {
  s.preview.clear();
  if (!s.check.program || !s.check.errors.empty()) {
    // Still show where a parsed formula is non-finite (errors after parsing are grid errors).
    bool box_error = false;
    for (const auto& e : s.check.errors) box_error = box_error || e.field == "box";
    if (!s.check.program || box_error) return;
  }
  const int n = std::max(4, s.preview_cells);
  const Box b = s.checked_box;
  std::vector<double> lp(static_cast<size_t>(n) * n);
  double max_lp = -INFINITY;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = cell_centre(b.xmin, b.width() / n, i),
                   y = cell_centre(b.ymin, b.height() / n, j);
      const double v = s.check.program->value(x, y);
      lp[size_t(j) * n + i] = v;
      if (std::isfinite(v)) max_lp = std::max(max_lp, v);
    }
  s.preview.resize(lp.size());
  for (size_t k = 0; k < lp.size(); ++k) {
    const double v = lp[k];
    if (std::isnan(v) || v == INFINITY)
      s.preview[k] = -1;  // non-finite: drawn magenta
    else
      s.preview[k] = std::isfinite(max_lp) ? static_cast<float>(std::exp(v - max_lp)) : 0.0f;
  }
}

// Wavy underline from x0 to x1 at height y.
void underline(ImDrawList* dl, float x0, float x1, float y, ImU32 col) {
  const float step = 3.0f;
  float x = x0;
  bool up = true;
  while (x < x1) {
    const float nx = std::min(x + step, x1);
    dl->AddLine(ImVec2(x, y + (up ? 0 : 2)), ImVec2(nx, y + (up ? 2 : 0)), col, 1.5f);
    x = nx;
    up = !up;
  }
}

// Underlines source bytes [offset, offset + length) of the entry whose frame is [rmin, rmax].
void underline_error(const std::string& text, const FormulaIssue& is, ImVec2 rmin, ImVec2 rmax) {
  if (is.offset < 0) return;
  const int offset = std::min<int>(is.offset, static_cast<int>(text.size()));
  int line_start = offset;
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  int line = 0;
  for (int i = 0; i < line_start; ++i) line += text[i] == '\n';
  const char* base = text.c_str();
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  const float x0 = rmin.x + pad.x + ImGui::CalcTextSize(base + line_start, base + offset).x;
  int end = std::min<int>(offset + std::max(1, is.length), static_cast<int>(text.size()));
  while (end > offset && text[end - 1] == '\n') --end;
  float width = ImGui::CalcTextSize(base + offset, base + end).x;
  if (width < 1) width = ImGui::CalcTextSize("m").x;  // end of input: one character cell
  const float y = rmin.y + pad.y + (line + 1) * ImGui::GetTextLineHeight();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(rmin, rmax, true);
  underline(dl, x0, x0 + width, y, IM_COL32(255, 70, 70, 255));
  dl->PopClipRect();
}

void draw_preview(const FormulaPanelState& s) {
  const int n = std::max(4, s.preview_cells);
  if (static_cast<int>(s.preview.size()) != n * n) return;
  const Box b = s.checked_box;
  const float side = std::min(ImGui::GetContentRegionAvail().x, 14 * ImGui::GetFontSize());
  const float aspect = static_cast<float>(b.height() / b.width());
  float w = side, h = side * aspect;
  if (h > side) h = side, w = side / aspect;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = w / n, ch = h / n;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const float v = s.preview[size_t(j) * n + i];
      const ImU32 col = v < 0 ? IM_COL32(255, 0, 255, 255) : ramp(std::sqrt(v));
      // Row 0 is ymin: draw it at the bottom.
      const ImVec2 a(p0.x + i * cw, p0.y + h - (j + 1) * ch);
      dl->AddRectFilled(a, ImVec2(a.x + cw + 0.5f, a.y + ch + 0.5f), col);
    }
  dl->AddRect(p0, ImVec2(p0.x + w, p0.y + h), ImGui::GetColorU32(ImGuiCol_Border));
  ImGui::Dummy(ImVec2(w, h));
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetMousePos();
    const double x = b.xmin + (m.x - p0.x) / w * b.width();
    const double y = b.ymax - (m.y - p0.y) / h * b.height();
    if (s.check.program)
      ImGui::SetTooltip("(%.3g, %.3g): log density %.6g", x, y, s.check.program->value(x, y));
  }
}

}  // namespace

bool formula_panel_pending(const FormulaPanelState& s) {
  return !s.has_check || s.checked_text != s.text || !(s.checked_box == box_of(s));
}

void refresh_formula_check(FormulaPanelState& s) {
  FormulaCheckOptions options;
  options.grid_cells = s.live_grid_cells;
  s.checked_text = s.text;
  s.checked_box = box_of(s);
  s.check = check_formula(s.text, s.checked_box, options);
  s.has_check = true;
  s.use_error.clear();
  compute_preview(s);
}

bool draw_formula_panel(FormulaPanelState& s, TargetSpec* out) {
  ImGui::PushID(&s);
  bool used = false;
  const double now = ImGui::GetTime();

  if (ImGui::Button("Examples...")) ImGui::OpenPopup("formula_examples");
  if (ImGui::BeginPopup("formula_examples")) {
    for (const Example& ex : kExamples)
      if (ImGui::Selectable(ex.name)) {
        s.text = ex.text;
        s.box[0] = ex.box.xmin, s.box[1] = ex.box.xmax, s.box[2] = ex.box.ymin,
        s.box[3] = ex.box.ymax;
        s.last_edit_time = -1e300;  // check at once
      }
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Log density in x and y. Operators + - * / ^, functions exp log log1p sqrt sin cos tan\n"
        "tanh abs pow min max logsumexp, constants pi e, parameters 'a = 2.6;' before the final\n"
        "expression, '#' comments. Score and Hessian are exact (automatic differentiation).");

  const float lines = 6;
  const ImVec2 size(-FLT_MIN,
                    ImGui::GetTextLineHeight() * lines + 2 * ImGui::GetStyle().FramePadding.y);
  if (ImGui::InputTextMultiline("##formula", &s.text, size, ImGuiInputTextFlags_AllowTabInput))
    s.last_edit_time = now;
  const ImVec2 rmin = ImGui::GetItemRectMin(), rmax = ImGui::GetItemRectMax();

  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  if (ImGui::InputScalarN("x range", ImGuiDataType_Double, s.box, 2, nullptr, nullptr, "%.4g"))
    s.last_edit_time = now;
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  if (ImGui::InputScalarN("y range", ImGuiDataType_Double, s.box + 2, 2, nullptr, nullptr, "%.4g"))
    s.last_edit_time = now;

  const bool pending = formula_panel_pending(s);
  if (pending && now - s.last_edit_time >= s.debounce_seconds) refresh_formula_check(s);

  const bool stale = formula_panel_pending(s);
  if (s.has_check) {
    const FormulaCheck& c = s.check;
    // Underline only while the text is the one checked (positions refer to it).
    if (!c.errors.empty() && s.checked_text == s.text)
      underline_error(s.text, c.errors.front(), rmin, rmax);
    ImGui::PushTextWrapPos(0);
    for (const auto& e : c.errors) {
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 90, 90, 255));
      ImGui::TextWrapped("error%s: %s", e.field == "box" ? " (box)" : "", e.message.c_str());
      ImGui::PopStyleColor();
    }
    for (const auto& w : c.warnings) {
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(240, 200, 80, 255));
      ImGui::TextWrapped("warning: %s", w.message.c_str());
      ImGui::PopStyleColor();
    }
    if (c.ok && c.warnings.empty()) ImGui::TextDisabled("formula OK");
    ImGui::PopTextWrapPos();
  }
  if (stale) ImGui::TextDisabled("checking...");

  draw_preview(s);

  ImGui::BeginDisabled(stale || !s.has_check || !s.check.ok);
  if (ImGui::Button("Use")) {
    // The full check (256-cell grid), as make_target will run it.
    const Box b = box_of(s);
    const FormulaCheck full = check_formula(s.text, b);
    if (full.ok) {
      TargetSpec spec;
      spec.kind = "formula";
      spec.log_density = s.text;
      spec.box = b;
      if (out) *out = spec;
      used = true;
      s.use_error.clear();
    } else {
      s.use_error =
          full.errors.empty() ? "the formula failed its checks" : full.errors.front().message;
    }
  }
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Make this formula the session's target (every method restarts on it).");
  if (!s.use_error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.35f, 0.35f, 1), "%s", s.use_error.c_str());
  }
  ImGui::PopID();
  return used;
}

void draw_formula_panel(AppState& app) {
  FormulaPanelState& s = app.panels.formula.editor;
  // Follow the session's formula when the target changes to one from elsewhere (scenario file).
  std::string& followed = app.panels.formula.followed;
  if (app.snap && app.snap->scenario && app.snap->scenario->target.kind == "formula") {
    const TargetSpec& t = app.snap->scenario->target;
    const std::string key = t.log_density + "|" + std::to_string(t.box.xmin) + "," +
                            std::to_string(t.box.xmax) + "," + std::to_string(t.box.ymin) + "," +
                            std::to_string(t.box.ymax);
    if (key != followed) {
      followed = key;
      s.text = t.log_density;
      s.box[0] = t.box.xmin, s.box[1] = t.box.xmax, s.box[2] = t.box.ymin, s.box[3] = t.box.ymax;
    }
  }
  TargetSpec spec;
  if (draw_formula_panel(s, &spec) && app.session) post_target(app, spec);
}

}  // namespace ss::ui
