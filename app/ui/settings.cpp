#include "app/ui/settings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/io/files.h"

namespace ss::ui {

std::filesystem::path config_dir() {
  std::filesystem::path dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    dir = std::filesystem::path(x) / "samplescope";
  else if (const char* h = std::getenv("HOME"); h && *h)
    dir = std::filesystem::path(h) / ".config" / "samplescope";
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  return dir;
}

std::string display_options_json(const DisplayOptions& o) {
  nlohmann::json j = {{"colormap", o.colormap},
                      {"log_density", o.log_density},
                      {"contours", o.contours},
                      {"show_density", o.show_density},
                      {"show_samples", o.show_samples},
                      {"show_overlays", o.show_overlays},
                      {"show_marginals", o.show_marginals},
                      {"point_size", o.point_size},
                      {"cost_axis", int(o.cost_axis)},
                      {"log_x", o.log_x},
                      {"ksd_u", o.ksd_u},
                      {"live_restart", o.live_restart},
                      {"show_legend", o.show_legend},
                      {"ebm_heat_map", o.ebm_heat_map},
                      {"show_data", o.show_data},
                      {"ui_scale", o.ui_scale}};
  return j.dump(2) + "\n";
}

DisplayOptions display_options_from_json(const std::string& text) {
  DisplayOptions o;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return o;
  auto get_int = [&](const char* k, int lo, int hi, int& out) {
    if (j.contains(k) && j[k].is_number_integer()) out = std::clamp(j[k].get<int>(), lo, hi);
  };
  auto get_bool = [&](const char* k, bool& out) {
    if (j.contains(k) && j[k].is_boolean()) out = j[k].get<bool>();
  };
  get_int("colormap", 0, 4, o.colormap);
  get_int("contours", 0, 20, o.contours);
  int axis = int(o.cost_axis);
  get_int("cost_axis", 0, 2, axis);
  o.cost_axis = CostAxis(axis);
  get_bool("log_density", o.log_density);
  get_bool("show_density", o.show_density);
  get_bool("show_samples", o.show_samples);
  get_bool("show_overlays", o.show_overlays);
  get_bool("show_marginals", o.show_marginals);
  get_bool("log_x", o.log_x);
  get_bool("ksd_u", o.ksd_u);
  get_bool("live_restart", o.live_restart);
  get_bool("show_legend", o.show_legend);
  get_int("ebm_heat_map", 0, 2, o.ebm_heat_map);
  get_bool("show_data", o.show_data);
  if (j.contains("ui_scale") && j["ui_scale"].is_number())
    o.ui_scale = clamp_ui_scale(j["ui_scale"].get<float>());
  if (j.contains("point_size") && j["point_size"].is_number())
    o.point_size = std::clamp(j["point_size"].get<float>(), 1.0f, 6.0f);
  return o;
}

DisplayOptions load_display_options(const std::filesystem::path& dir) {
  if (dir.empty()) return {};
  try {
    return display_options_from_json(read_file_text(dir / "settings.json"));
  } catch (...) {
    return {};
  }
}

std::string save_display_options(const DisplayOptions& options, const std::filesystem::path& dir) {
  if (dir.empty()) return "no settings folder (neither XDG_CONFIG_HOME nor HOME is set)";
  try {
    write_file_atomically(dir / "settings.json", display_options_json(options));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string next_numbered_path(const std::string& dir, const std::string& prefix,
                               const std::string& ext) {
  for (int i = 1; i < 1000000; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "%s_%06d%s", prefix.c_str(), i, ext.c_str());
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return p.string();
  }
  return (std::filesystem::path(dir) / (prefix + ext)).string();
}

}  // namespace ss::ui
