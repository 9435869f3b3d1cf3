// samplescope: the desktop program. Opens a GLFW window with an OpenGL 3.3 core context, starts
// the engine (a Session on the given or default scenario) and draws the Dear ImGui front end.
//
//   samplescope [--scenario FILE] [--screenshot PNG --frames N] [--script FILE] [--perf] [--play]
//
// The loop redraws continuously (capped at 60 frames per second) while runs are active. When
// nothing moves it waits for events, waking 4 times a second, and draws a frame only after input
// (plus a few frames for ImGui to settle), when the engine published a new snapshot, while a text
// field is active, or every 2 s; measured at about 1 % of a core (docs/performance.md). It sleeps
// while the window is iconified. Shutdown stops the engine's worker before the window goes away.
// On a software OpenGL renderer under X11 the back buffer is kept between frames and only the
// windows that changed are drawn and copied to the screen (app/gfx/partial_renderer.h).
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

#include "app/gfx/density_renderer.h"
#include "app/gfx/partial_renderer.h"
#include "app/gfx/present.h"
#include "app/gfx/recorder.h"
#include "app/gfx/retained_renderer.h"
#include "app/gfx/screenshot.h"
#include "app/install/resource_paths.h"
#include "app/plot/markers.h"
#include "app/ui/app_state.h"
#include "app/ui/frame_stats.h"
#include "app/ui/script.h"
#include "app/ui/settings.h"
#include "core/engine/clock.h"
#include "core/io/files.h"

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the whole process (every thread: UI, engine worker, the GL driver's rasterizer
// threads) in milliseconds.
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

// Nearest-texel sampling for ImGui's font atlas. Everything ImGui draws samples that texture (fills
// sample its white texel); text, baked lines and marker sprites are drawn at one texel per pixel,
// so nearest sampling looks the same while it makes each fragment about a fifth cheaper on
// llvmpipe.
void use_nearest_filtering(ImTextureID texture) {
  if (!texture) return;
  GLint last = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last);
  glBindTexture(GL_TEXTURE_2D, GLuint(reinterpret_cast<intptr_t>(texture)));
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindTexture(GL_TEXTURE_2D, GLuint(last));
}

// Input and window events since the loop last looked (GLFW callbacks; ImGui's backend chains to
// the ones installed before it). The idle loop draws a frame only when something happened.
int g_window_events = 0;
void count_event(GLFWwindow*) {
  ++g_window_events;
}
// The window system lost the window's pixels (an expose): the next frame is presented in full.
bool g_present_all = false;
void install_event_counters(GLFWwindow* w) {
  glfwSetCursorPosCallback(w, [](GLFWwindow* x, double, double) { count_event(x); });
  glfwSetMouseButtonCallback(w, [](GLFWwindow* x, int, int, int) { count_event(x); });
  glfwSetScrollCallback(w, [](GLFWwindow* x, double, double) { count_event(x); });
  glfwSetKeyCallback(w, [](GLFWwindow* x, int, int, int, int) { count_event(x); });
  glfwSetCharCallback(w, [](GLFWwindow* x, unsigned) { count_event(x); });
  glfwSetCursorEnterCallback(w, [](GLFWwindow* x, int) { count_event(x); });
  glfwSetWindowFocusCallback(w, [](GLFWwindow* x, int) { count_event(x); });
  glfwSetWindowSizeCallback(w, [](GLFWwindow* x, int, int) { count_event(x); });
  glfwSetFramebufferSizeCallback(w, [](GLFWwindow* x, int, int) { count_event(x); });
  glfwSetWindowRefreshCallback(w, [](GLFWwindow* x) {
    g_present_all = true;
    count_event(x);
  });
  glfwSetWindowIconifyCallback(w, [](GLFWwindow* x, int) { count_event(x); });
  glfwSetDropCallback(w, [](GLFWwindow* x, int, const char**) { count_event(x); });
}

// Chooses the scenario: the file given, else the gallery's default.json, else the built-in one.
// A bad file is reported (in the UI and on stderr) and the default is used instead.
ss::Scenario initial_scenario(const std::string& file, const std::filesystem::path& gallery_dir,
                              std::string& path_used, std::vector<std::string>& errors) {
  if (!file.empty()) {
    try {
      path_used = file;
      return ss::load_scenario(file);
    } catch (const std::exception& e) {
      errors.push_back(std::string("cannot open scenario: ") + e.what() +
                       " (showing the default scenario instead)");
    }
  }
  const std::filesystem::path def = gallery_dir / "default.json";
  std::error_code ec;
  if (std::filesystem::exists(def, ec)) {
    try {
      path_used = def.string();
      return ss::load_scenario(def);
    } catch (const std::exception& e) {
      errors.push_back(std::string("cannot open the default scenario: ") + e.what());
    }
  }
  path_used.clear();
  return ss::ui::builtin_default_scenario();
}

// The framebuffer rectangle (x0, y0, x1, y1) of the named screen rectangle ("" = the window).
void plot_rect_to_pixels(const ss::ui::AppState& app, const std::string& name, float fb_scale,
                         int fb_w, int fb_h, int out[4]) {
  out[0] = 0, out[1] = 0, out[2] = fb_w, out[3] = fb_h;
  if (name.empty()) return;
  const auto it = app.rects.find(name);
  if (it == app.rects.end()) return;
  out[0] = std::clamp(int(it->second.min.x * fb_scale), 0, fb_w);
  out[1] = std::clamp(int(it->second.min.y * fb_scale), 0, fb_h);
  out[2] = std::clamp(int(it->second.max.x * fb_scale + 0.5f), 0, fb_w);
  out[3] = std::clamp(int(it->second.max.y * fb_scale + 0.5f), 0, fb_h);
}

void apply_style(float scale) {
  ImGuiStyle& style = ImGui::GetStyle();
  ImGui::StyleColorsDark();
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.GrabRounding = 3;
  style.ItemSpacing = ImVec2(7, 5);
  style.WindowPadding = ImVec2(8, 8);
  style.ScaleAllSizes(scale);
  // Thick anti-aliased lines as geometry, not from the baked line texture: the font atlas is
  // sampled nearest-texel (see use_nearest_filtering), and the baked lines need bilinear sampling.
  style.AntiAliasedLinesUseTex = false;
}

void load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                              "/usr/share/fonts/TTF/DejaVuSans.ttf"};
  for (const char* f : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec) && io.Fonts->AddFontFromFileTTF(f, 15.0f * scale)) return;
  }
  ImFontConfig cfg;
  cfg.SizePixels = 13.0f * scale;
  io.Fonts->AddFontDefault(&cfg);
}

}  // namespace

int main(int argc, char** argv) {
  // The OpenGL backend re-specifies its vertex and index buffers every frame (glBufferData), and
  // Mesa's software driver then frees and mallocs a buffer of a few hundred KB each time. With
  // glibc's defaults those blocks come and go through mmap/munmap or brk and trim, so every frame
  // page-faults its buffers in afresh (a third of the UI thread's time under llvmpipe). Keeping
  // them on the heap and not trimming it makes the memory reused from frame to frame.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  CLI::App cli{"samplescope: compare samplers on 2-D densities, live"};
  std::string scenario_file, screenshot_file, script_file;
  int frames = 0, width = 1600, height = 1000;
  bool perf = false, play = false, direct_render = false, check_partial = false, no_partial = false;
  cli.add_option("--scenario", scenario_file, "Scenario JSON file to open");
  cli.add_option("--screenshot", screenshot_file,
                 "Render --frames frames, save the window as PNG, exit");
  cli.add_option("--frames", frames, "Frames to render before exiting (screenshot/perf runs)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--script", script_file, "Replay a script of UI actions (see app/ui/script.h)");
  cli.add_flag("--perf", perf, "Print frame-time percentiles at exit");
  cli.add_flag("--play", play, "Start every run at once");
  cli.add_flag("--direct-render", direct_render,
               "Rasterize every window every frame (no kept window images; for comparisons)");
  cli.add_flag("--no-partial-redraw", no_partial,
               "Swap buffers and draw every window every frame, keeping window images (the way "
               "frames are drawn on a GPU; for comparisons)");
  cli.add_flag("--check-partial", check_partial,
               "Draw every partially drawn frame again in full and count differing pixels "
               "(printed with --perf; for tests)");
  cli.add_option("--width", width, "Window width in screen coordinates")
      ->check(CLI::Range(320, 8192));
  cli.add_option("--height", height, "Window height in screen coordinates")
      ->check(CLI::Range(240, 8192));
  CLI11_PARSE(cli, argc, argv);
  if (!screenshot_file.empty() && frames <= 0) frames = 60;
  const bool reproducible = !screenshot_file.empty() || !script_file.empty();

  std::vector<ss::ui::ScriptAction> script_actions;
  if (!script_file.empty()) {
    try {
      script_actions = ss::ui::parse_script(ss::read_file_text(script_file), script_file);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "samplescope: %s\n", e.what());
      return 2;
    }
  }

  if (!glfwInit()) {
    std::fprintf(stderr, "samplescope: cannot initialize GLFW (no display? try xvfb-run)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(width, height, "samplescope", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "samplescope: cannot create an OpenGL 3.3 core window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  float xs = 1, ys = 1;
  glfwGetWindowContentScale(window, &xs, &ys);
  const float dpi = std::max(1.0f, std::max(xs, ys));

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  const std::filesystem::path cfg_dir = ss::ui::config_dir();
  const std::string ini_path = (cfg_dir / "imgui.ini").string();  // outlives the context
  io.IniFilename = reproducible || cfg_dir.empty() ? nullptr : ini_path.c_str();
  ss::ui::AppState app;
  if (!reproducible) app.display = ss::ui::load_display_options(cfg_dir);
  // The UI scale (Ctrl+/Ctrl-/Ctrl+0) multiplies the monitor's content scale; fonts are
  // rasterized again at the new size (never bitmap-scaled), so text stays sharp.
  float applied_scale = ss::ui::clamp_ui_scale(app.display.ui_scale);
  apply_style(dpi * applied_scale);
  load_fonts(dpi * applied_scale);
  if (!ss::plot::add_marker_sprites(io.Fonts))
    std::fprintf(stderr, "samplescope: no room for marker sprites; drawing square points\n");
  install_event_counters(window);  // before the backend, which chains to them
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  app.dpi_scale = dpi * applied_scale;
  app.monitor_scale = dpi;
  // Shaders and gallery: relative to the executable or the install prefix, never the source tree.
  app.gallery_dir = ss::install::gallery_dir().string();
  auto renderer = std::make_unique<ss::gfx::DensityRenderer>(ss::install::shader_dir().string());
  if (renderer->ok())
    app.renderer = renderer.get();
  else
    ss::ui::report_error(app, "no heat map: " + renderer->error());
  // On a software rasterizer under X11 the back buffer is kept between frames and only the
  // fixed windows that changed are drawn again (app/gfx/partial_renderer.h, present.h).
  // Elsewhere the controls and the metrics, which change a few times a second, keep their pixels
  // in images that are rasterized again only when their geometry changes
  // (app/gfx/retained_renderer.h). --direct-render draws everything every frame.
  ss::gfx::Presenter presenter(window, !direct_render && !no_partial);
  std::unique_ptr<ss::gfx::PartialRenderer> partial;
  std::unique_ptr<ss::gfx::RetainedRenderer> retained;
  if (presenter.keeps_back_buffer())
    partial = std::make_unique<ss::gfx::PartialRenderer>(
        std::vector<std::string>{"Canvases", "Controls", "Metrics", "Status"},
        ss::ui::window_clear_color(), &ss::gfx::DensityRenderer::describe_callback,
        &ss::gfx::DensityRenderer::limit_callbacks_to);
  else if (!direct_render)
    retained = std::make_unique<ss::gfx::RetainedRenderer>(
        std::vector<std::string>{"Controls", "Metrics", "Status"}, ss::ui::window_clear_color());
  // --check-partial: frames compared with a full render, and the most pixels that differed.
  long checked_frames = 0, differing_pixels_max = 0, differing_frames = 0;

  std::vector<std::string> errors;
  std::string path_used;
  ss::Scenario scenario = initial_scenario(scenario_file, app.gallery_dir, path_used, errors);
  try {
    app.session = std::make_unique<ss::Session>(std::move(scenario));
    app.scenario_path = path_used;
    const ss::Budget budget = app.session->snapshot()->scenario
                                  ? app.session->snapshot()->scenario->budget
                                  : ss::Budget{};
    if (budget.kind == ss::BudgetKind::gradient_evals)
      app.display.cost_axis = ss::ui::CostAxis::gradient_evals;
  } catch (const std::exception& e) {
    errors.push_back(std::string("cannot start the engine: ") + e.what());
  }
  for (const auto& e : errors) ss::ui::report_error(app, e);
  if (play && app.session) app.session->post(ss::cmd::Start{});

  ss::ui::ScriptPlayer script(std::move(script_actions));
  ss::gfx::Recorder recorder;
  int record_rect[4] = {0, 0, 0, 0};  // framebuffer pixels x0, y0, x1, y1
  std::string record_name;
  double record_until = -1, record_cpu0 = 0;
  ss::ui::FrameStats record_readback_ms;
  ss::ui::FrameStats stats, cpu_stats, vertex_stats, index_stats;
  // The frames that changed pixels (with partial redraw, the others only run the UI).
  ss::ui::FrameStats drawn_stats;
  bool drew = true;
  const auto start = Clock::now();
  auto next_frame = start;
  int frame = 0, exit_code = 0;
  ImTextureID font_texture = nullptr;
  // Whole-process CPU per frame over the frames FrameStats keeps (after the first second).
  double process_cpu_start = -1, process_wall_start = 0;
  int process_frames = 0;
  ss::ui::ThreadGroupCpu threads_start;  // per thread group, from the same moment
  const bool scripted = !script_file.empty();
  // Idle drawing: after input, a few more frames so ImGui settles (hover states, popups opening);
  // and one frame every kIdleHeartbeat seconds so timed things (message expiry) catch up.
  constexpr int kSettleFrames = 3;
  constexpr double kIdleHeartbeat = 2.0;
  int settle_frames = kSettleFrames;
  std::uint64_t drawn_version = 0;
  auto last_draw = Clock::now();
  // `idle SECONDS` in a script: the loop runs as for a person (no forced frames) and the
  // process's CPU use over that time is reported with --perf.
  double idle_cpu_ms = 0, idle_seconds = 0;
  int idle_frames = 0;
  bool idle_phase = false;
  Clock::time_point idle_start;
  double idle_cpu_start = 0;
  while (!glfwWindowShouldClose(window) && !app.quit_requested) {
    const bool script_idle = scripted && script.unattended();
    if (script_idle && !idle_phase) {
      idle_phase = true;
      idle_start = Clock::now();
      idle_cpu_start = process_cpu_ms();
      idle_frames = 0;
    }
    if (idle_phase &&
        (!script_idle ||
         Clock::now() - idle_start >= std::chrono::duration<double>(script.unattended_seconds()))) {
      idle_cpu_ms += process_cpu_ms() - idle_cpu_start;
      idle_seconds += std::chrono::duration<double>(Clock::now() - idle_start).count();
      idle_phase = false;
      script.finish_unattended();
    }
    const bool continuous_always = (reproducible || perf || frames > 0) && !idle_phase;
    // Idle-aware waiting: asleep when iconified, event-driven when nothing moves, capped at 60 Hz.
    if (glfwGetWindowAttrib(window, GLFW_ICONIFIED) && !continuous_always) {
      glfwWaitEventsTimeout(1.0);
      continue;
    }
    const bool busy = continuous_always || ss::ui::wants_continuous_redraw(app);
    if (busy) {
      const double wait = std::chrono::duration<double>(next_frame - Clock::now()).count();
      // Scripts, screenshots and --perf keep the interactive 60 Hz cap too (no frame is
      // skipped): a frame with nothing new to draw costs well under a millisecond with partial
      // redraw, so an uncapped loop would spin through thousands a second, taking the CPU the
      // samplers and the rasterizer need, and a script's `wait N` (frames) would no longer be
      // about N/60 seconds of the engine's time.
      if (wait > 0)
        glfwWaitEventsTimeout(wait);
      else
        glfwPollEvents();
      // For a person (not --perf, scripts or screenshots), a frame that would show the same
      // snapshot with no input is skipped: the engine publishes at most 30 snapshots a second,
      // so this halves the drawing while runs play and leaves the CPU to the samplers.
      if (!continuous_always && g_window_events == 0 && settle_frames == 0 &&
          app.png_requests.empty() && app.drag_component < 0 && !io.WantTextInput && app.session &&
          app.session->snapshot()->version == drawn_version) {
        glfwWaitEventsTimeout(1.0 / 240.0);
        continue;
      }
    } else {
      glfwWaitEventsTimeout(0.25);
      // Draw only when something changed: input, a new engine snapshot, a blinking text cursor.
      const bool new_snapshot = app.session && app.session->snapshot()->version != drawn_version;
      const bool due = Clock::now() - last_draw >= std::chrono::duration<double>(kIdleHeartbeat);
      if (g_window_events == 0 && settle_frames == 0 && !new_snapshot && !io.WantTextInput && !due)
        continue;
    }
    if (g_window_events > 0) settle_frames = kSettleFrames + 1;
    if (settle_frames > 0) --settle_frames;
    g_window_events = 0;
    last_draw = Clock::now();
    if (idle_phase) ++idle_frames;
    const auto t0 = Clock::now();
    // The frame's wall time and the UI thread's CPU time (core/engine/clock.h): with --perf the
    // CPU time tells the UI's own cost apart from waiting for a shared, busy CPU.
    const ss::ScopedWallCpuTimer frame_timer(nullptr, nullptr);
    if (process_cpu_start < 0 && std::chrono::duration<double>(t0 - start).count() >= 1.0) {
      process_cpu_start = process_cpu_ms();
      process_wall_start = std::chrono::duration<double>(t0 - start).count();
      if (perf) threads_start = ss::ui::thread_group_cpu_ms();
    }
    if (process_cpu_start >= 0 && !idle_phase) ++process_frames;
    next_frame = t0 + std::chrono::microseconds(16667);

    bool rescaled = false;
    const float want_scale = ss::ui::clamp_ui_scale(app.display.ui_scale);
    if (want_scale != applied_scale) {
      // New UI scale: style sizes and fonts rebuilt at the new size, then the font texture.
      applied_scale = want_scale;
      app.display.ui_scale = want_scale;
      apply_style(dpi * applied_scale);
      ss::plot::reset_marker_sprites();
      io.Fonts->Clear();
      load_fonts(dpi * applied_scale);
      ss::plot::add_marker_sprites(io.Fonts);
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
      font_texture = nullptr;
      app.dpi_scale = dpi * applied_scale;
      rescaled = true;  // a new font texture: draw everything
    }
    ImGui_ImplOpenGL3_NewFrame();
    if (io.Fonts->TexID != font_texture) {  // created by the backend's first NewFrame
      font_texture = io.Fonts->TexID;
      use_nearest_filtering(font_texture);
    }
    ImGui_ImplGlfw_NewFrame();
    if (scripted) script.feed_input(app, io);
    ImGui::NewFrame();
    ss::ui::begin_frame(app);
    if (app.snap) drawn_version = app.snap->version;
    if (app.renderer) app.renderer->begin_frame();
    ss::ui::draw_app(app, io.DisplaySize);
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    const ImVec4 clear = ss::ui::window_clear_color();
    std::vector<ss::gfx::GlRect> changed = {ss::gfx::GlRect{0, 0, fb_w, fb_h}};
    if (partial) {
      ss::gfx::PartialRenderer::Result r = partial->render(ImGui::GetDrawData(), rescaled);
      changed = std::move(r.changed);
      if (check_partial && !r.full) {
        // The partial frame against the same frame drawn in full over a cleared framebuffer.
        const std::vector<unsigned char> kept =
            ss::gfx::read_back_rgba(fb_w, fb_h, 0, 0, fb_w, fb_h);
        glDisable(GL_SCISSOR_TEST);
        glClearColor(clear.x, clear.y, clear.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        const std::vector<unsigned char> full =
            ss::gfx::read_back_rgba(fb_w, fb_h, 0, 0, fb_w, fb_h);
        long differ = 0;
        for (size_t i = 0; i + 4 <= kept.size() && i + 4 <= full.size(); i += 4)
          differ += std::memcmp(&kept[i], &full[i], 4) != 0;
        ++checked_frames;
        differing_frames += differ > 0;
        differing_pixels_max = std::max(differing_pixels_max, differ);
        changed = {ss::gfx::GlRect{0, 0, fb_w, fb_h}};
      }
    } else {
      glClearColor(clear.x, clear.y, clear.z, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      if (retained)
        retained->render(ImGui::GetDrawData());
      else
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    }
    if (g_present_all) changed = {ss::gfx::GlRect{0, 0, fb_w, fb_h}};
    drew = !changed.empty();
    g_present_all = false;

    const float fb_scale = io.DisplaySize.x > 0 ? fb_w / io.DisplaySize.x : 1.0f;
    // A frame that writes a PNG (glReadPixels + encoding, ~0.2 s) is an export, not an
    // interactive frame: it is left out of the --perf statistics.
    bool exported = !app.png_requests.empty();
    for (const ss::ui::PngRequest& req : app.png_requests) {
      ss::gfx::PixelRect rect;
      if (!req.rect_name.empty()) {
        const auto it = app.rects.find(req.rect_name);
        if (it == app.rects.end()) {
          ss::ui::report_error(app, "cannot save " + req.path + ": nothing named " + req.rect_name);
          continue;
        }
        rect = {it->second.min.x, it->second.min.y, it->second.max.x, it->second.max.y};
      }
      const std::string err = ss::gfx::save_framebuffer_png(req.path, fb_w, fb_h, fb_scale, rect);
      if (err.empty())
        ss::ui::add_message(app, ss::ui::UiMessage::Level::info, "saved " + req.path);
      else
        ss::ui::report_error(app, err);
    }
    app.png_requests.clear();
    if (scripted) app.clipped_text = ss::ui::find_clipped_text(app);
    // Recording: start / stop requests, then one read-back per kept frame (encoded elsewhere).
    // A scripted run (tests, documentation) records on a frame clock instead: every frame drawn
    // is one GIF frame of 1/25 s (identical ones included), and the UI waits for the encoder
    // rather than dropping frames, so the file does not depend on how fast a loaded machine
    // draws; the animation then runs at the pace frames were drawn, not in real time. With
    // --perf it is real time, as for a person.
    const bool frame_clock = scripted && !perf;
    const double now_s = frame_clock ? double(frame) / ss::gfx::Recorder::kMaxFps
                                     : std::chrono::duration<double>(Clock::now() - start).count();
    if (app.record_request) {
      const ss::ui::AppState::RecordRequest req = *app.record_request;
      app.record_request.reset();
      plot_rect_to_pixels(app, req.rect, fb_scale, fb_w, fb_h, record_rect);
      record_name = req.rect;
      const std::string err = recorder.start(req.path, record_rect[2] - record_rect[0],
                                             record_rect[3] - record_rect[1], frame_clock);
      if (err.empty()) {
        record_until = req.seconds > 0 ? now_s + req.seconds : -1;
        record_cpu0 = recorder.encoder_cpu_seconds();
        ss::ui::add_message(app, ss::ui::UiMessage::Level::info, "recording " + req.path);
      } else {
        ss::ui::report_error(app, err);
      }
    }
    if (recorder.active()) {
      if (recorder.wants_frame(now_s)) {
        const auto r0 = Clock::now();
        recorder.add_frame(ss::gfx::read_back_rgba(fb_w, fb_h, record_rect[0], record_rect[1],
                                                   recorder.width(), recorder.height()),
                           now_s, frame_clock);
        record_readback_ms.add(std::chrono::duration<double, std::milli>(Clock::now() - r0).count(),
                               1e9);
      }
      app.recording = true;
      char buf[256];
      std::snprintf(buf, sizeof buf, "recording %s: %d frames written, %d dropped",
                    recorder.path().c_str(), recorder.frames_written(), recorder.frames_dropped());
      app.recording_status = buf;
      if (app.record_stop_request || (record_until > 0 && now_s >= record_until)) {
        const int dropped = recorder.frames_dropped();
        const std::string path = recorder.path();
        const std::string err = recorder.finish();
        std::snprintf(buf, sizeof buf,
                      "saved %s: %d frames (%d dropped while the encoder was busy)", path.c_str(),
                      recorder.frames_written(), dropped);
        app.recording_status = err.empty() ? buf : err;
        if (err.empty())
          ss::ui::add_message(app, ss::ui::UiMessage::Level::info, buf);
        else
          ss::ui::report_error(app, err);
        if (perf)
          std::printf(
              "recording %s frames=%d dropped=%d encoder_cpu_s=%.2f readback_ms_p50=%.2f "
              "p95=%.2f\n",
              path.c_str(), recorder.frames_written(), dropped,
              recorder.encoder_cpu_seconds() - record_cpu0, record_readback_ms.quantile(0.5),
              record_readback_ms.quantile(0.95));
        app.recording = false;
      }
    } else {
      app.recording = false;
    }
    app.record_stop_request = false;
    if (!screenshot_file.empty() && frame + 1 >= frames) {
      exported = true;
      const std::string err = ss::gfx::save_framebuffer_png(screenshot_file, fb_w, fb_h, fb_scale);
      if (!err.empty()) {
        std::fprintf(stderr, "samplescope: %s\n", err.c_str());
        exit_code = 1;
      }
      app.quit_requested = true;
    }
    presenter.present(changed);

    app.frame_ms = 1e3 * frame_timer.wall_elapsed();
    if (!exported && !idle_phase) {
      const double since_start = std::chrono::duration<double>(t0 - start).count();
      stats.add(app.frame_ms, since_start);
      if (drew) drawn_stats.add(app.frame_ms, since_start);
      cpu_stats.add(1e3 * frame_timer.cpu_elapsed(), since_start);
      vertex_stats.add(io.MetricsRenderVertices, since_start);
      index_stats.add(io.MetricsRenderIndices, since_start);
    }
    ++frame;
    if (scripted) {
      script.after_frame(app);
      if (script.done()) app.quit_requested = true;
    }
    if (screenshot_file.empty() && !scripted && frames > 0 && frame >= frames)
      app.quit_requested = true;
  }
  if (scripted) {
    const int failed = script.finish(app);
    if (failed > 0) {
      std::fprintf(stderr, "samplescope: the script reported %d error(s)\n", failed);
      exit_code = 1;
    }
  }
  if (!reproducible) {
    app.display.ui_scale = applied_scale;
    const std::string err = ss::ui::save_display_options(app.display, cfg_dir);
    if (!err.empty()) std::fprintf(stderr, "samplescope: cannot save settings: %s\n", err.c_str());
  }
  if (perf) {
    std::printf("%s\n", stats.summary().c_str());
    std::string cpu = cpu_stats.summary();  // same statistics of the UI thread's CPU time
    std::printf("ui_thread_cpu_%s\n", cpu.c_str());
    if (idle_seconds > 0)
      std::printf("idle_cpu percent_of_one_core=%.2f seconds=%.1f frames=%d\n",
                  100.0 * idle_cpu_ms / (1e3 * idle_seconds), idle_seconds, idle_frames);
    if (process_frames > 0) {  // the idle phases left out
      const double cpu = process_cpu_ms() - process_cpu_start - idle_cpu_ms;
      const double wall = std::chrono::duration<double>(Clock::now() - start).count() -
                          process_wall_start - idle_seconds;
      std::printf("process_cpu ms_per_frame=%.2f cores=%.2f frames=%d\n", cpu / process_frames,
                  wall > 0 ? cpu / (1e3 * wall) : 0.0, process_frames);
      // The same CPU split by thread (idle phases included here): what drawing costs (the UI
      // thread and the software rasterizer's threads) apart from the engine's sampling.
      const ss::ui::ThreadGroupCpu now = ss::ui::thread_group_cpu_ms();
      std::printf("thread_cpu ms_per_frame ui=%.2f llvmpipe=%.2f other=%.2f\n",
                  (now.ui - threads_start.ui) / process_frames,
                  (now.rasterizer - threads_start.rasterizer) / process_frames,
                  (now.other - threads_start.other) / process_frames);
    }
    if (app.snap && !app.snap->runs.empty()) {
      // The samplers' progress over the run (comparable between builds run for the same time).
      std::printf("runs_at_exit seconds=%.1f",
                  std::chrono::duration<double>(Clock::now() - start).count());
      for (const ss::RunSnapshot& r : app.snap->runs)
        std::printf(" %s=%lld", r.label.c_str(), static_cast<long long>(r.iteration));
      std::printf("  (iterations)\n");
    }
    std::printf("draw_vertices p50=%.0f p95=%.0f max=%.0f triangles p50=%.0f p95=%.0f\n",
                vertex_stats.quantile(0.5), vertex_stats.quantile(0.95), vertex_stats.max(),
                index_stats.quantile(0.5) / 3, index_stats.quantile(0.95) / 3);
    std::printf("present %s\n", presenter.description().c_str());
    if (partial) std::printf("drawn_%s\n", drawn_stats.summary().c_str());
    if (partial) {
      const ss::gfx::PartialRenderer::Stats& ps = partial->stats();
      std::printf(
          "partial_redraw full=%ld partial=%ld windows_drawn=%ld windows_kept=%ld "
          "pixels_per_partial_frame=%.0f  (frames drawn in full / partially; fixed windows "
          "drawn again / left as they were)\n",
          ps.full, ps.partial, ps.windows_drawn, ps.windows_kept,
          ps.partial > 0 ? double(ps.pixels_drawn) / double(ps.partial) : 0.0);
    }
    if (check_partial)
      std::printf("check_partial frames=%ld differing_frames=%ld max_differing_pixels=%ld\n",
                  checked_frames, differing_frames, differing_pixels_max);
    if (retained) {
      std::printf("kept_windows");
      for (const auto& [name, st] : retained->stats())
        std::printf(" %s=%ld/%ld", name.c_str(), st.reused, st.reused + st.rendered);
      std::printf("  (frames the window's pixels were reused / frames drawn)\n");
    }
  }

  if (recorder.active()) {
    const std::string err = recorder.finish();
    if (!err.empty()) std::fprintf(stderr, "samplescope: %s\n", err.c_str());
  }
  // Stop the worker first, then the GL objects, then ImGui and the window.
  app.session.reset();
  app.renderer = nullptr;
  renderer.reset();
  retained.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ss::plot::reset_marker_sprites();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
