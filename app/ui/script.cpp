#include "app/ui/script.h"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <map>
#include <sstream>

#include "core/common/rng.h"

#include "app/gfx/density_renderer.h"
#include "app/plot/canvas_view.h"
#include "app/ui/controls_panel.h"
#include "app/ui/slow_motion.h"

namespace ss::ui {

namespace {

struct VerbSpec {
  int min_args, max_args;
};

const std::map<std::string, VerbSpec>& verbs() {
  static const std::map<std::string, VerbSpec> v = {{"wait", {1, 1}},
                                                    {"idle", {1, 1}},
                                                    {"wait_iterations", {1, 2}},
                                                    {"play", {0, 0}},
                                                    {"pause", {0, 0}},
                                                    {"reset", {0, 0}},
                                                    {"step", {0, 1}},
                                                    {"reseed", {1, 1}},
                                                    {"budget", {2, 2}},
                                                    {"target", {1, 1}},
                                                    {"task", {1, 1}},
                                                    {"heatmap", {1, 1}},
                                                    {"data_csv", {1, 1}},
                                                    {"ebm_setting", {2, 2}},
                                                    {"target_param", {2, 2}},
                                                    {"param", {3, 3}},
                                                    {"add", {1, 1}},
                                                    {"remove", {1, 1}},
                                                    {"open", {1, 1}},
                                                    {"colormap", {1, 1}},
                                                    {"show", {2, 2}},
                                                    {"axis", {1, 1}},
                                                    {"drag", {5, 6}},
                                                    {"key", {1, 1}},
                                                    {"screenshot", {1, 1}},
                                                    {"screenshot_canvas", {2, 2}},
                                                    {"screenshot_plot", {2, 2}},
                                                    {"export_csv", {1, 1}},
                                                    {"export_samples", {1, 1}},
                                                    {"save_scenario", {1, 1}},
                                                    {"live", {1, 1}},
                                                    {"wait_finished", {0, 1}},
                                                    {"wait_samples_fit", {1, 1}},
                                                    {"ui_scale", {1, 1}},
                                                    {"presentation", {1, 1}},
                                                    {"assert_no_clipped_text", {0, 0}},
                                                    {"record", {2, 2}},
                                                    {"record_canvas", {3, 3}},
                                                    {"slow_motion", {2, 4}},
                                                    {"quit", {0, 0}}};
  return v;
}

bool to_number(const std::string& s, double& out) {
  const char* end = s.data() + s.size();
  auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

// Which arguments must be numbers, per verb (indices).
std::vector<int> numeric_args(const std::string& verb) {
  if (verb == "wait" || verb == "wait_iterations" || verb == "step" || verb == "reseed" ||
      verb == "idle" || verb == "wait_finished" || verb == "wait_samples_fit" || verb == "ui_scale")
    return {0, 1};
  if (verb == "record") return {1};
  if (verb == "record_canvas") return {2};
  if (verb == "budget" || verb == "target_param" || verb == "ebm_setting") return {1};
  if (verb == "param") return {2};
  if (verb == "drag") return {1, 2, 3, 4, 5};
  if (verb == "slow_motion") return {2};
  return {};
}

double num(const ScriptAction& a, size_t i, double fallback = 0) {
  double v = fallback;
  if (i < a.args.size()) to_number(a.args[i], v);
  return v;
}

}  // namespace

std::vector<ScriptAction> parse_script(const std::string& text, const std::string& source) {
  std::vector<ScriptAction> out;
  std::istringstream in(text);
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (const auto h = line.find('#'); h != std::string::npos) line.erase(h);
    std::istringstream words(line);
    ScriptAction a;
    a.line = no;
    if (!(words >> a.verb)) continue;
    for (std::string w; words >> w;) a.args.push_back(w);
    const auto it = verbs().find(a.verb);
    auto err = [&](const std::string& m) {
      return ScriptError(source + ":" + std::to_string(no) + ": " + m);
    };
    if (it == verbs().end()) throw err("unknown action '" + a.verb + "'");
    if (int(a.args.size()) < it->second.min_args || int(a.args.size()) > it->second.max_args)
      throw err("'" + a.verb + "' takes " + std::to_string(it->second.min_args) +
                (it->second.max_args != it->second.min_args
                     ? "-" + std::to_string(it->second.max_args)
                     : "") +
                " argument(s), got " + std::to_string(a.args.size()));
    for (int i : numeric_args(a.verb)) {
      double v;
      if (i < int(a.args.size()) && !to_number(a.args[i], v))
        throw err("argument " + std::to_string(i + 1) + " of '" + a.verb +
                  "' must be a number, got '" + a.args[i] + "'");
    }
    if (a.verb == "reseed" && !parse_seed(a.args[0]))
      throw err("'reseed' expects a whole number in [0, 18446744073709551615], got '" + a.args[0] +
                "'");
    if (a.verb == "step" && !a.args.empty() && !parse_whole_number(a.args[0], 1, 1000000000))
      throw err("'step' expects a whole number of iterations in [1, 1e9], got '" + a.args[0] + "'");
    if (a.verb == "show" && a.args[1] != "on" && a.args[1] != "off")
      throw err("'show' expects on or off, got '" + a.args[1] + "'");
    if ((a.verb == "live" || a.verb == "presentation") && a.args[0] != "on" && a.args[0] != "off")
      throw err("'" + a.verb + "' expects on or off, got '" + a.args[0] + "'");
    if (a.verb == "task" && a.args[0] != "sample" && a.args[0] != "ebm")
      throw err("'task' expects sample or ebm, got '" + a.args[0] + "'");
    if (a.verb == "heatmap" && a.args[0] != "learned" && a.args[0] != "data" &&
        a.args[0] != "difference")
      throw err("'heatmap' expects learned, data or difference, got '" + a.args[0] + "'");
    if (a.verb == "slow_motion" && a.args[1] != "on" && a.args[1] != "off")
      throw err("'slow_motion' expects on or off, got '" + a.args[1] + "'");
    if (a.verb == "slow_motion" && a.args.size() > 3 && a.args[3] != "wait" &&
        a.args[3] != "continue")
      throw err("'slow_motion' mode is wait or continue, got '" + a.args[3] + "'");
    out.push_back(std::move(a));
  }
  return out;
}

void ScriptPlayer::fail(AppState& app, const ScriptAction& a, const std::string& why) {
  report_error(app, "script line " + std::to_string(a.line) + " (" + a.verb + "): " + why);
}

bool ScriptPlayer::canvas_rect(AppState& app, const std::string& name,
                               plot::ScreenRect& out) const {
  const auto it = app.rects.find("canvas:" + name);
  if (it == app.rects.end()) return false;
  out = it->second;
  return true;
}

int ScriptPlayer::finish(AppState& app) {
  if (app.session) {
    app.session->sync();  // commands posted by the last actions are applied (or rejected)
    begin_frame(app);     // and their messages reach the UI, where they are counted
  }
  return failures(app);
}

int ScriptPlayer::failures(const AppState& app) const {
  const std::uint64_t since = errors_at_start_ ? *errors_at_start_ : app.errors_reported;
  return int(app.errors_reported - since);
}

std::string ScriptPlayer::samples_misfit(AppState& app) {
  if (!app.snap || !app.snap->reference || !app.snap->target || app.snap->target_pending)
    return "no reference for the current target yet";
  const Snapshot& s = *app.snap;
  // The 1 % quantile of the log density of exact samples, once per reference.
  const std::shared_ptr<const GridReference>& ref = s.reference;
  double& q01 = exact_q01_;
  if (exact_q01_reference_ != ref) {
    exact_q01_reference_ = ref;
    Rng rng(12345);
    Points exact;
    ref->sample(2000, rng, exact);
    std::vector<double> lp(size_t(exact.rows()));
    for (Eigen::Index i = 0; i < exact.rows(); ++i)
      lp[size_t(i)] = s.target->log_density_at(exact(i, 0), exact(i, 1));
    std::sort(lp.begin(), lp.end());
    q01 = lp[lp.size() / 100];
  }
  for (const RunSnapshot& r : s.runs) {
    if (!r.enabled || r.state == RunState::diverged || !r.display_samples) continue;
    const Points& p = *r.display_samples;
    if (p.rows() == 0) return r.label + " shows no samples";
    Eigen::Index low = 0;
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      const double v = s.target->log_density_at(p(i, 0), p(i, 1));
      if (!(v >= q01)) ++low;
    }
    const double frac = double(low) / double(p.rows());
    if (frac > 0.10) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "%s: %.0f %% of its %ld canvas samples lie where the target has less density "
                    "than 99 %% of exact samples (at most 10 %% expected)",
                    r.label.c_str(), 100 * frac, long(p.rows()));
      return buf;
    }
  }
  return "";
}

void ScriptPlayer::feed_input(AppState& app, ImGuiIO& io) {
  if (!errors_at_start_) errors_at_start_ = app.errors_reported;
  if (phase_ == Phase::drag) {
    plot::ScreenRect r;
    if (!canvas_rect(app, drag_canvas_, r)) return;
    const plot::CanvasTransform t = plot::make_transform(app.view, r.min, r.max);
    // Frame 0: hover at the start; 1: press; 2..n+1: move; n+2: release there.
    const double f = std::clamp(double(drag_frame_ - 1) / std::max(1, drag_frames_), 0.0, 1.0);
    const ImVec2 p = t.to_screen(x0_ + f * (x1_ - x0_), y0_ + f * (y1_ - y0_));
    io.MousePos = p;
    io.MouseDown[0] = drag_frame_ >= 1 && drag_frame_ <= drag_frames_ + 1;
  } else {
    if (phase_ == Phase::key) io.KeysDown[key_] = true;
    // Outside drags the mouse is away: where the X server's pointer happens to sit (the middle
    // of an Xvfb screen) must not show hover read-outs in scripted screenshots.
    if (phase_ != Phase::unattended) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
}

void ScriptPlayer::after_frame(AppState& app) {
  if (!errors_at_start_) errors_at_start_ = app.errors_reported;
  const double now = ImGui::GetTime();
  switch (phase_) {
    case Phase::wait_frames:
      if (--frames_left_ > 0) return;
      break;
    case Phase::wait_iterations: {
      bool all = app.snap && app.snap->reference;
      if (all)
        for (const RunSnapshot& r : app.snap->runs)
          if (r.enabled && r.state != RunState::diverged && r.state != RunState::finished &&
              r.iteration < target_iteration_)
            all = false;
      if (!all && now < deadline_) return;
      if (!all) fail(app, actions_[next_ - 1], "timed out waiting for the runs");
      break;
    }
    case Phase::drag:
      if (++drag_frame_ <= drag_frames_ + 3) return;
      break;
    case Phase::key:
      break;
    case Phase::unattended:
      if (!unattended_over_) return;
      break;
    case Phase::wait_finished:
      if (!(app.snap && app.snap->finished && app.snap->reference && !app.snap->target_pending)) {
        if (now < deadline_) return;
        fail(app, actions_[next_ - 1], "timed out waiting for the runs to finish");
      }
      break;
    case Phase::wait_fit: {
      const std::string why = samples_misfit(app);
      if (!why.empty()) {
        if (now < deadline_) return;
        fail(app, actions_[next_ - 1], why);
      }
      break;
    }
    case Phase::recording:
      if (app.record_request || app.recording) return;
      if (app.recording_status.rfind("saved ", 0) != 0)
        fail(app, actions_[next_ - 1], "recording failed: " + app.recording_status);
      break;
    case Phase::idle:
      break;
  }
  phase_ = Phase::idle;
  while (next_ < actions_.size() && phase_ == Phase::idle) {
    const ScriptAction& a = actions_[next_++];
    const std::string& v = a.verb;
    const auto arg = [&](size_t i) -> const std::string& { return a.args[i]; };
    if (v == "wait") {
      frames_left_ = std::max(1, int(num(a, 0)));
      phase_ = Phase::wait_frames;
    } else if (v == "idle") {
      unattended_seconds_ = std::max(0.0, num(a, 0));
      unattended_over_ = false;
      phase_ = Phase::unattended;
    } else if (v == "wait_iterations") {
      target_iteration_ = std::int64_t(num(a, 0));
      deadline_ = now + num(a, 1, 120);
      phase_ = Phase::wait_iterations;
    } else if (v == "play") {
      if (app.session) app.session->post(cmd::Start{});
    } else if (v == "pause") {
      if (app.session) app.session->post(cmd::Pause{});
    } else if (v == "reset") {
      reset_runs(app);
    } else if (v == "step") {
      step_runs(app, std::int64_t(num(a, 0, 1)));
    } else if (v == "reseed") {
      post_change(app, cmd::Reseed{*parse_seed(arg(0))});
    } else if (v == "budget") {
      Budget b;
      if (arg(0) == "iterations")
        b.kind = BudgetKind::iterations;
      else if (arg(0) == "gradient_evals")
        b.kind = BudgetKind::gradient_evals;
      else if (arg(0) == "seconds")
        b.kind = BudgetKind::seconds;
      else {
        fail(app, a, "unknown budget kind '" + arg(0) + "'");
        continue;
      }
      b.amount = num(a, 1);
      post_change(app, cmd::SetBudget{b});
    } else if (v == "task") {
      if (arg(0) != "sample" && arg(0) != "ebm") {
        fail(app, a, "unknown task '" + arg(0) + "' (sample or ebm)");
        continue;
      }
      select_task(app, arg(0) == "ebm");
    } else if (v == "ebm_setting") {
      if (!set_ebm_setting(app, arg(0), num(a, 1)))
        fail(app, a, "EBM setting " + arg(0) + " " + arg(1) + " not applied");
    } else if (v == "data_csv") {
      if (!open_data_csv(app, arg(0) == "target" ? "" : arg(0)))
        fail(app, a, "cannot train on " + arg(0));
    } else if (v == "heatmap") {
      int found = -1;
      for (int i = 0; i < 3; ++i)
        if (arg(0) == kEbmHeatMapNames[i]) found = i;
      if (found < 0)
        fail(app, a, "unknown heat map '" + arg(0) + "' (learned, data or difference)");
      else
        app.display.ebm_heat_map = found;
    } else if (v == "target") {
      select_target(app, arg(0));
    } else if (v == "target_param") {
      set_target_param(app, arg(0), num(a, 1));
    } else if (v == "param" || v == "remove") {
      const RunSnapshot* r = app.snap ? app.snap->find_run(arg(0)) : nullptr;
      if (!r) {
        fail(app, a, "no method labelled '" + arg(0) + "'");
        continue;
      }
      if (v == "param")
        post_param(app, r->id, arg(1), num(a, 2));
      else
        post_change(app, cmd::RemoveRun{r->id});
    } else if (v == "add") {
      try {
        post_change(app, cmd::AddRun{MethodConfig{arg(0), kind_display_name(arg(0)), {}, true}});
      } catch (const std::exception& e) {
        fail(app, a, e.what());
      }
    } else if (v == "open") {
      if (!open_scenario_file(app, arg(0))) fail(app, a, "cannot open " + arg(0));
    } else if (v == "colormap") {
      int found = -1;
      for (int i = 0; i < 5; ++i)
        if (arg(0) == gfx::kColormapNames[i]) found = i;
      if (found < 0)
        fail(app, a, "unknown colour map '" + arg(0) + "'");
      else
        app.display.colormap = found;
    } else if (v == "slow_motion") {
      // slow_motion LABEL on|off [FRAMES] [wait|continue]
      const RunSnapshot* r = app.snap ? app.snap->find_run(arg(0)) : nullptr;
      if (!r) {
        fail(app, a, "no method labelled '" + arg(0) + "'");
      } else if (!slow_motion_supported(r->kind)) {
        fail(app, a, "'" + arg(0) + "' (" + r->kind + ") has no slow motion");
      } else {
        SlowMotionSettings sm = slow_motion_settings(app, r->id);
        sm.on = arg(1) == "on";
        if (a.args.size() > 2) sm.frames = int(num(a, 2, sm.frames));
        if (a.args.size() > 3) sm.hold_run = arg(3) == "wait";
        set_slow_motion(app, r->id, sm);
      }
    } else if (v == "show") {
      const bool on = arg(1) == "on";
      DisplayOptions& d = app.display;
      if (arg(0) == "density")
        d.show_density = on;
      else if (arg(0) == "samples")
        d.show_samples = on;
      else if (arg(0) == "overlays")
        d.show_overlays = on;
      else if (arg(0) == "marginals")
        d.show_marginals = on;
      else if (arg(0) == "contours")
        d.contours = on ? 8 : 0;
      else if (arg(0) == "data")
        d.show_data = on;
      else
        fail(app, a, "unknown layer '" + arg(0) + "'");
    } else if (v == "axis") {
      if (arg(0) == "iterations")
        app.display.cost_axis = CostAxis::iterations;
      else if (arg(0) == "gradient_evals")
        app.display.cost_axis = CostAxis::gradient_evals;
      else if (arg(0) == "seconds")
        app.display.cost_axis = CostAxis::seconds;
      else
        fail(app, a, "unknown axis '" + arg(0) + "'");
    } else if (v == "drag") {
      plot::ScreenRect r;
      if (!canvas_rect(app, arg(0), r)) {
        fail(app, a, "no canvas named '" + arg(0) + "'");
        continue;
      }
      drag_canvas_ = arg(0);
      x0_ = num(a, 1), y0_ = num(a, 2), x1_ = num(a, 3), y1_ = num(a, 4);
      drag_frames_ = std::max(2, int(num(a, 5, 20)));
      drag_frame_ = 0;
      phase_ = Phase::drag;
    } else if (v == "key") {
      if (arg(0) == "space")
        key_ = ImGui::GetIO().KeyMap[ImGuiKey_Space];
      else if (arg(0) == "s")
        key_ = 'S';
      else if (arg(0) == "r")
        key_ = 'R';
      else {
        fail(app, a, "unknown key '" + arg(0) + "'");
        continue;
      }
      if (key_ < 0 || key_ >= 512) key_ = GLFW_KEY_SPACE;
      phase_ = Phase::key;
    } else if (v == "screenshot" || v == "screenshot_canvas" || v == "screenshot_plot") {
      if (app.headless) {
        fail(app, a, "screenshots need a window");
        continue;
      }
      std::string rect;
      if (v == "screenshot_canvas") rect = "canvas:" + arg(0);
      if (v == "screenshot_plot") rect = "plot:" + arg(0);
      if (!rect.empty() && !app.rects.count(rect)) {
        fail(app, a, "nothing named '" + rect + "' on screen");
        continue;
      }
      app.png_requests.push_back(PngRequest{a.args.back(), rect});
      frames_left_ = 1;  // the request is served at the end of the next frame
      phase_ = Phase::wait_frames;
    } else if (v == "export_csv") {
      const std::string err = app.snap ? export_curves_csv(*app.snap, arg(0)) : "no snapshot yet";
      if (!err.empty()) fail(app, a, err);
    } else if (v == "export_samples") {
      const std::string err = app.snap ? export_samples_csv(*app.snap, arg(0)) : "no snapshot yet";
      if (!err.empty()) fail(app, a, err);
    } else if (v == "save_scenario") {
      if (!save_scenario_file(app, arg(0))) fail(app, a, "cannot save " + arg(0));
    } else if (v == "live") {
      app.display.live_restart = arg(0) == "on";
    } else if (v == "wait_finished") {
      deadline_ = now + num(a, 0, 120);
      frames_left_ = 2;
      phase_ = Phase::wait_finished;
    } else if (v == "wait_samples_fit") {
      deadline_ = now + num(a, 0);
      phase_ = Phase::wait_fit;
    } else if (v == "ui_scale") {
      app.display.ui_scale = clamp_ui_scale(float(num(a, 0)));
      frames_left_ = 3;  // the fonts are rebuilt before the next frame; let the layout settle
      phase_ = Phase::wait_frames;
    } else if (v == "presentation") {
      app.presentation = arg(0) == "on";
      frames_left_ = 3;
      phase_ = Phase::wait_frames;
    } else if (v == "assert_no_clipped_text") {
      for (const std::string& c : app.clipped_text) fail(app, a, "clipped text: " + c);
    } else if (v == "record" || v == "record_canvas") {
      if (app.headless) {
        fail(app, a, "recording needs a window");
        continue;
      }
      std::string rect;
      if (v == "record_canvas") {
        rect = "canvas:" + arg(0);
        if (!app.rects.count(rect)) {
          fail(app, a, "no canvas named '" + arg(0) + "'");
          continue;
        }
      }
      app.record_request = AppState::RecordRequest{a.args[a.args.size() - 2], rect,
                                                   std::max(0.1, num(a, a.args.size() - 1))};
      phase_ = Phase::recording;
    } else if (v == "quit") {
      next_ = actions_.size();
    }
  }
}

}  // namespace ss::ui
