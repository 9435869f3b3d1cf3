// Headless tests of the ebm task's panels (issue 16): the Metrics window draws the EBM plots
// (mode weights, test NLL with the true line, KL, negatives' KSD, flow acceptance, mode TV,
// loss, scoreboard) for a snapshot of the ebm task and the sampling plots otherwise, with no
// text cut off. The snapshots are built by hand with the curve names the engine records for EBM
// runs (core/engine/run.h), so the panels are tested apart from training.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <cmath>
#include <memory>

#include "app/plot/plot.h"
#include "app/ui/app_state.h"
#include "app/ui/metrics_panel.h"

namespace ss::ui {

namespace {

struct HeadlessImGui {
  explicit HeadlessImGui(ImVec2 size = ImVec2(1400, 900)) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = size;
    io.IniFilename = nullptr;
    io.DeltaTime = 1.0f / 60.0f;
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
  // One frame with the Metrics panel alone filling a window of the display's lower half.
  void metrics_frame(AppState& app) {
    ImGui::NewFrame();
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(0, 0.45f * d.y));
    ImGui::SetNextWindowSize(ImVec2(d.x, 0.55f * d.y));
    ImGui::Begin("Metrics", nullptr, ImGuiWindowFlags_NoDecoration);
    const ImVec2 p0 = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    draw_metrics_panel(app, p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
    ImGui::End();
    ImGui::Render();
  }
};

std::shared_ptr<const Curve> curve_of(double (*f)(int), int n = 40) {
  CurvePoints pts;
  for (int i = 0; i < n; ++i) pts.push_back({i * 25, std::uint64_t(i) * 800, 0.01 * i, f(i)});
  return std::make_shared<const Curve>(Curve::from_points(pts));
}

RunSnapshot ebm_run(RunId id, const std::string& label, const std::string& kind) {
  RunSnapshot r;
  r.id = id;
  r.label = label;
  r.kind = kind;
  r.iteration = 975;
  r.display_samples = std::make_shared<const Points>();
  r.overlay = std::make_shared<const SamplerOverlay>();
  r.curves["nll_test"] = curve_of([](int i) { return 3.0 + 2.0 * std::exp(-0.1 * i); });
  r.curves["nll_true"] = curve_of([](int) { return 2.9; });
  r.curves["kl_true_model"] = curve_of([](int i) { return 2.0 * std::exp(-0.1 * i) + 1e-3; });
  r.curves["mode_weight_1"] = curve_of([](int i) { return 0.5 + 0.15 * (1 - std::exp(-0.1 * i)); });
  r.curves["mode_weight_2"] = curve_of([](int i) { return 0.5 - 0.15 * (1 - std::exp(-0.1 * i)); });
  r.curves["mode_tv"] = curve_of([](int i) { return 0.17 * std::exp(-0.1 * i); });
  r.curves["neg_mode_tv"] = curve_of([](int i) { return 0.2 * std::exp(-0.05 * i); });
  r.curves["neg_ksd2"] = curve_of([](int i) { return 0.1 / (1 + i); });
  r.curves["loss"] = curve_of([](int i) { return 0.3 * std::sin(0.3 * i); });
  if (kind == "flowmc_ebm") {
    r.curves["accept_global"] = curve_of([](int i) { return 0.2 + 0.01 * i; });
    r.curves["accept_local"] = curve_of([](int) { return 0.6; });
  }
  for (const auto& [name, c] : r.curves) r.latest.emplace_back(name, c->back().value);
  return r;
}

std::shared_ptr<const Snapshot> ebm_snapshot() {
  auto s = std::make_shared<Snapshot>();
  s->version = 1;
  s->runs.push_back(ebm_run(1, "ULA-EBM", "ula_ebm"));
  s->runs.push_back(ebm_run(2, "flowMC-EBM", "flowmc_ebm"));
  s->runs.push_back(ebm_run(3, "DFT-EBM", "dft_ebm"));
  return s;
}

}  // namespace

TEST(EbmPanels, TaskAndModesAreReadFromTheCurves) {
  const auto s = ebm_snapshot();
  EXPECT_TRUE(is_ebm_task(*s));
  EXPECT_EQ(ebm_mode_count(*s), 2);
  EXPECT_TRUE(std::isnan(ebm_true_mode_weight(*s, 1)));  // no reference: no truth drawn
  Snapshot sampling;
  EXPECT_FALSE(is_ebm_task(sampling));
  EXPECT_EQ(ebm_mode_count(sampling), 0);
}

TEST(EbmPanels, MetricsPanelShowsTheEbmPlotsAndNotTheSamplingOnes) {
  for (const ImVec2 size : {ImVec2(1600, 1000), ImVec2(1280, 720)}) {
    HeadlessImGui imgui(size);
    AppState app;
    app.headless = true;
    app.snap = ebm_snapshot();
    app.plots.snap = app.snap;
    for (int i = 0; i < 3; ++i) {
      app.rects.clear();
      imgui.metrics_frame(app);
    }
    for (const char* name : {"plot:mode_weights", "plot:nll", "plot:kl", "plot:scoreboard",
                             "plot:neg_ksd", "plot:accept", "plot:mode_tv", "plot:loss"}) {
      ASSERT_TRUE(app.rects.count(name)) << name << " at " << size.x << "x" << size.y;
      EXPECT_GT(app.rects.at(name).width(), 100.0f) << name;
      EXPECT_GT(app.rects.at(name).height(), 60.0f) << name;
    }
    EXPECT_FALSE(app.rects.count("plot:ksd"));
    EXPECT_FALSE(app.rects.count("plot:energy"));
    // The mode-weight plot is not overlapped by its neighbour.
    EXPECT_LE(app.rects.at("plot:mode_weights").max.x, app.rects.at("plot:nll").min.x);
    for (const std::string& c : find_clipped_text()) ADD_FAILURE() << c;
  }
}

TEST(EbmPanels, PresentationModeShowsTheFirstRowOnly) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.presentation = true;
  app.snap = ebm_snapshot();
  app.plots.snap = app.snap;
  imgui.metrics_frame(app);
  EXPECT_TRUE(app.rects.count("plot:mode_weights"));
  EXPECT_TRUE(app.rects.count("plot:kl"));
  EXPECT_FALSE(app.rects.count("plot:scoreboard"));
}

}  // namespace ss::ui
