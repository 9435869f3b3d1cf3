// Settings: where the app keeps its files and the preferences it remembers between sessions.
//
// Folder: $XDG_CONFIG_HOME/samplescope/, else $HOME/.config/samplescope/ (never the current
// directory). It holds imgui.ini (window layout, written by Dear ImGui), settings.json (display
// options below) and, by default, scenarios saved with Ctrl+S.
#pragma once

#include <filesystem>
#include <string>

#include "app/ui/app_state.h"

namespace ss::ui {

/// The settings folder (created on first use; "" path when neither variable is set).
std::filesystem::path config_dir();
/// Display options as JSON text and back. Unknown keys are ignored, bad values keep the default:
/// a damaged settings file never stops the app.
std::string display_options_json(const DisplayOptions& options);
DisplayOptions display_options_from_json(const std::string& text);
/// Loads settings.json from `dir` (defaults when missing or unreadable).
DisplayOptions load_display_options(const std::filesystem::path& dir);
/// Saves settings.json into `dir`; returns "" or an error sentence.
std::string save_display_options(const DisplayOptions& options, const std::filesystem::path& dir);
/// The first "<dir>/<prefix>_NNNNNN<ext>" (NNNNNN from 000001) that does not exist yet.
std::string next_numbered_path(const std::string& dir, const std::string& prefix,
                               const std::string& ext);

}  // namespace ss::ui
