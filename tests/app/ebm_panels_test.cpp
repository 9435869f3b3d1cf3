// Headless tests of the ebm task's panels (issue 16): the Metrics window draws the EBM plots
// (mode weights, test NLL with the true line, KL, negatives' KSD, flow acceptance, mode TV,
// loss, scoreboard) for a snapshot of the ebm task and the sampling plots otherwise, with no
// text cut off. The snapshots are built by hand with the curve names the engine records for EBM
// runs (core/engine/run.h), so the panels are tested apart from training.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "app/plot/plot.h"
#include "app/ui/app_state.h"
#include "app/ui/canvas_panel.h"
#include "app/ui/controls_panel.h"
#include "app/ui/metrics_panel.h"
#include "app/ui/script.h"
#include "headless_imgui.h"

namespace ss::ui {

namespace {

using testing::HeadlessImGui;

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
    for (const std::string& c : find_clipped_text(app)) ADD_FAILURE() << c;
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

// The learned heat map is the normalized density as cell masses (a normalized log density on
// the grid gives masses summing to 1 up to float rounding, 1e-5); the difference map puts equal
// densities at 1/2, ±kEbmDifferenceNats at 1 and 0, and clamps beyond.
TEST(EbmCanvas, HeatValuesAreNormalizedMassesOrAClampedDifference) {
  const int n = 8;
  const double area = 0.25;  // box 4 × 4 over 8 × 8 cells: 0.5 × 0.5 each
  std::vector<float> model(size_t(n * n));
  double z = 0;
  for (int i = 0; i < n * n; ++i) z += std::exp(-0.1 * i) * area;
  for (int i = 0; i < n * n; ++i) model[size_t(i)] = float(-0.1 * i - std::log(z));
  std::vector<float> out;
  float mx = 0;
  ASSERT_TRUE(ebm_heat_values(model, {}, n, area, EbmHeatMap::learned, out, mx));
  double total = 0;
  for (float v : out) total += v;
  EXPECT_NEAR(total, 1.0, 1e-5);
  EXPECT_FLOAT_EQ(mx, out[0]);  // the largest cell is the first
  std::vector<double> truth(size_t(n * n));
  for (int i = 0; i < n * n; ++i) truth[size_t(i)] = model[size_t(i)];
  truth[1] -= 2.0;       // model 2 nats above the data: 1/2 + 2/8
  truth[2] += 100;       // far below: clamped to 0
  truth[3] = -INFINITY;  // the data have no mass there: model infinitely above
  ASSERT_TRUE(ebm_heat_values(model, truth, n, area, EbmHeatMap::difference, out, mx));
  EXPECT_FLOAT_EQ(mx, 1.0f);
  EXPECT_NEAR(out[0], 0.5, 1e-6);
  EXPECT_NEAR(out[1], 0.5 + 2.0 / (2 * kEbmDifferenceNats), 1e-6);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], 1.0f);
  // Sizes that do not match make nothing.
  EXPECT_FALSE(ebm_heat_values(model, {}, n + 1, area, EbmHeatMap::learned, out, mx));
  EXPECT_FALSE(ebm_heat_values(model, {1.0}, n, area, EbmHeatMap::difference, out, mx));
  EXPECT_TRUE(out.empty());
}

// The canvases of an ebm snapshot draw headless (no GL: data, negatives and legend by
// ImDrawList) with the data and one canvas per run, and the legend strip says what is drawn.
TEST(EbmCanvas, CanvasesDrawDataAndNegativesHeadless) {
  HeadlessImGui imgui(ImVec2(1280, 720));
  AppState app;
  app.headless = true;
  auto snap = std::const_pointer_cast<Snapshot>(ebm_snapshot());
  auto problem = std::make_shared<EbmProblem>();
  problem->train = Points::Random(5000, 2);
  problem->box = Box{-2, 2, -2, 2};
  problem->grid_n = 8;
  snap->problem = problem;
  for (RunSnapshot& r : snap->runs) {
    r.display_samples = std::make_shared<const Points>(Points::Random(300, 2));
    r.model_log_density = std::make_shared<const std::vector<float>>(64, float(-std::log(16.0)));
    r.model_grid_n = 8;
    r.model_box = problem->box;
    r.model_iteration = 975;
  }
  app.snap = snap;
  app.plots.snap = snap;
  app.view.fit(problem->box, 1.0);
  for (int i = 0; i < 2; ++i) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(900, 400));
    ImGui::Begin("Canvases", nullptr, ImGuiWindowFlags_NoDecoration);
    const ImVec2 p0 = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    const int before = ImGui::GetWindowDrawList()->VtxBuffer.Size;
    draw_canvas_panel(app, p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
    // 3 canvases × (300 negatives + 500 data markers: a quarter of the 2000 drawn in this
    // ImDrawList path) quads of 4 vertices.
    EXPECT_GT(ImGui::GetWindowDrawList()->VtxBuffer.Size - before, 3 * 4 * 800);
    ImGui::End();
    ImGui::Render();
  }
  for (const RunSnapshot& r : snap->runs) {
    ASSERT_TRUE(app.rects.count("canvas:" + r.label)) << r.label;
    EXPECT_GT(app.rects.at("canvas:" + r.label).width(), 200.0f) << r.label;
  }
  for (const std::string& c : find_clipped_text(app)) ADD_FAILURE() << c;
}

// The task switch on a live Session: `task ebm` (script verb, as the Controls' radio button)
// opens the gallery's 2:1 EBM scenario, a step gives every run its learned density and EBM
// curves, the Metrics window draws the EBM plots, the CSV export writes each run's density
// (normalized: Σ exp(log p)·cell area = 1 within 1e-3, the float rounding of 16384 cells), and
// `task sample` goes back to the default scenario's sampling plots.
TEST(EbmLive, TaskSwitchTrainsAndSwitchesBack) {
  HeadlessImGui imgui(ImVec2(1600, 1000));
  AppState app;
  app.headless = true;
  app.gallery_dir = std::string(SS_SOURCE_DIR) + "/assets/scenarios";
  Scenario sc = load_scenario(app.gallery_dir + "/default.json");
  sc.budget = Budget{BudgetKind::iterations, 5};
  app.session = std::make_unique<Session>(sc);
  const auto frame = [&] {
    ImGui::NewFrame();
    begin_frame(app);
    draw_app(app, ImGui::GetIO().DisplaySize);
    ImGui::Render();
  };
  const auto wait_for = [&](auto done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      app.session->sync();
      frame();
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  app.session->sync();
  frame();
  ScriptPlayer to_ebm(parse_script("task ebm\n", "t.ss"));
  to_ebm.after_frame(app);
  ASSERT_TRUE(wait_for([&] { return app.snap->task == Task::ebm && app.snap->problem; }))
      << "the ebm scenario did not load";
  EXPECT_EQ(app.scenario_path, app.gallery_dir + "/" + kEbmGalleryScenario);
  step_runs(app, 1);
  ASSERT_TRUE(wait_for([&] {
    for (const RunSnapshot& r : app.snap->runs)
      if (!r.model_log_density || !r.curves.count("mode_weight_1")) return false;
    return !app.snap->runs.empty();
  })) << "no learned density after a step";
  app.plots.snap.reset();  // the plots follow the newest snapshot at once
  for (int i = 0; i < 3; ++i) frame();
  EXPECT_TRUE(app.rects.count("plot:mode_weights"));
  EXPECT_TRUE(app.rects.count("plot:nll"));
  EXPECT_FALSE(app.rects.count("plot:ksd"));
  EXPECT_EQ(ebm_mode_count(*app.snap), 2);
  EXPECT_NEAR(ebm_true_mode_weight(*app.snap, 1) + ebm_true_mode_weight(*app.snap, 2), 1.0, 1e-6);

  const auto dir = std::filesystem::temp_directory_path() / "ss_ebm_export";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(export_samples_csv(*app.snap, dir.string()), "");
  const RunSnapshot& r0 = app.snap->runs.front();
  std::ifstream in(dir / ("density_" + r0.label + ".csv"));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "x,y,log_density");  // the runner's format (core/io/results.h density_csv)
  const double cell =
      r0.model_box.width() * r0.model_box.height() / (double(r0.model_grid_n) * r0.model_grid_n);
  double mass = 0;
  int rows = 0;
  for (; std::getline(in, line); ++rows) {
    double x, y, lm;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf,%lf", &x, &y, &lm), 3) << line;
    mass += std::exp(lm) * cell;
  }
  EXPECT_EQ(rows, r0.model_grid_n * r0.model_grid_n);
  EXPECT_NEAR(mass, 1.0, 1e-3);

  // An EBM setting is live (issue 16): the runs keep their iterations and curves and continue;
  // a bad one is refused with the scenario's message.
  ASSERT_TRUE(wait_for([&] {
    for (const RunSnapshot& r : app.snap->runs)
      if (r.iteration < 1) return false;
    return !app.snap->running;
  })) << "the step did not finish";
  std::vector<std::int64_t> iterations;
  for (const RunSnapshot& r : app.snap->runs) iterations.push_back(r.iteration);
  EXPECT_TRUE(set_ebm_setting(app, "learning_rate", 0.002));
  ASSERT_TRUE(wait_for([&] { return app.snap->scenario->ebm.learning_rate == 0.002; }));
  EXPECT_EQ(app.snap->problem->ebm.learning_rate, 0.002);
  for (size_t i = 0; i < app.snap->runs.size(); ++i) {
    EXPECT_EQ(app.snap->runs[i].iteration, iterations[i]) << app.snap->runs[i].label;
    EXPECT_TRUE(app.snap->runs[i].model_log_density) << "curves and density kept";
  }
  const size_t errors = app.errors_reported;
  EXPECT_FALSE(set_ebm_setting(app, "learning_rate", 0));
  EXPECT_GT(app.errors_reported, errors);
  // Dragging a data mode (the canvas's mixture handle): the data are redrawn from the moved
  // mixture and training continues from the same iterations.
  const auto problem = app.snap->problem;
  const auto comps = app.snap->target->components();
  ASSERT_EQ(comps.size(), 2u);
  move_mixture_component(app, 0, comps[0].mean.x() + 0.4, comps[0].mean.y(), true);
  ASSERT_TRUE(wait_for([&] { return app.snap->problem && app.snap->problem != problem; }))
      << "the data were not redrawn";
  EXPECT_FALSE(app.snap->problem->train == problem->train);
  EXPECT_NEAR(app.snap->target->components()[0].mean.x(), comps[0].mean.x() + 0.4, 1e-12);
  for (size_t i = 0; i < app.snap->runs.size(); ++i) {
    EXPECT_EQ(app.snap->runs[i].iteration, iterations[i]) << app.snap->runs[i].label;
    EXPECT_FALSE(run_is_stale(app, app.snap->runs[i])) << "drawn as current, not greyed";
  }
  bool noted = false;
  for (const UiMessage& m : app.messages)
    noted = noted || m.text.find("the EBM runs continue on them") != std::string::npos;
  EXPECT_TRUE(noted) << "the status bar says the data changed";
  // Data from a CSV file: 200 rows, every 5th held out (160 training points); a bad file is
  // reported with its line and changes nothing.
  {
    std::ofstream csv(dir / "points.csv");
    csv << "x,y\n";
    for (int i = 0; i < 200; ++i) csv << std::sin(0.1 * i) << "," << 0.01 * i << "\n";
    std::ofstream bad(dir / "bad.csv");
    bad << "x,y\n1,2\nthree,4\n";
  }
  EXPECT_FALSE(open_data_csv(app, (dir / "bad.csv").string()));
  EXPECT_NE(app.messages.back().text.find("bad.csv"), std::string::npos)
      << app.messages.back().text;
  EXPECT_TRUE(open_data_csv(app, (dir / "points.csv").string()));
  ASSERT_TRUE(wait_for([&] { return app.snap->problem && app.snap->problem->train.rows() == 160; }))
      << "the CSV data were not used";
  EXPECT_FALSE(app.snap->scenario->data.csv.empty());
  EXPECT_TRUE(open_data_csv(app, ""));
  ASSERT_TRUE(wait_for([&] { return app.snap->problem && app.snap->problem->train.rows() > 160; }));

  EXPECT_TRUE(select_task(app, false));
  ASSERT_TRUE(wait_for([&] { return app.snap->task == Task::sample && app.snap->reference; }));
  EXPECT_FALSE(app.snap->problem);
  app.plots.snap.reset();
  app.rects.clear();
  for (int i = 0; i < 3; ++i) frame();
  EXPECT_TRUE(app.rects.count("plot:ksd"));
  EXPECT_FALSE(app.rects.count("plot:mode_weights"));
  app.session.reset();
}

}  // namespace ss::ui
