#include "app/ui/param_widgets.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "app/plot/plot.h"
#include "app/ui/panel_state.h"

namespace ss::ui {

void item_tooltip(const char* text) {
  if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled) || !text || !*text) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

std::string param_tooltip(const ParamDef& def) {
  std::string t = def.help.empty() ? def.name : def.help;
  if (def.choices.empty())
    t += "\nrange [" + plot::format_value(def.min) + ", " + plot::format_value(def.max) + "]" +
         (def.integer ? ", whole numbers" : "") + "; default " +
         plot::format_value(def.default_value);
  else
    t += "\ndefault: " +
         def.choices[size_t(std::clamp<double>(def.default_value, 0, def.choices.size() - 1))];
  if (def.needs_reset) t += "\nChanging it resets this run.";
  t += "\n(Ctrl+click a slider to type a value.)";
  return t;
}

bool param_widget(ParamEdits& edits, const ParamDef& def, double current, double& committed) {
  ImGui::PushID(def.name.c_str());
  const ImGuiID id = ImGui::GetID("##value");
  bool done = false;
  if (!def.choices.empty()) {
    int idx = std::clamp(int(std::lround(current)), 0, int(def.choices.size()) - 1);
    if (ImGui::BeginCombo(def.name.c_str(), def.choices[idx].c_str())) {
      for (int i = 0; i < int(def.choices.size()); ++i)
        if (ImGui::Selectable(def.choices[i].c_str(), i == idx) && i != idx) {
          committed = i;
          done = true;
        }
      ImGui::EndCombo();
    }
    item_tooltip(param_tooltip(def));
  } else if (def.integer && def.min == 0 && def.max == 1) {
    bool b = current != 0;
    if (ImGui::Checkbox(def.name.c_str(), &b)) {
      committed = b ? 1 : 0;
      done = true;
    }
    item_tooltip(param_tooltip(def));
  } else {
    std::map<ImGuiID, double>& ed = edits.values;
    double v = current;
    if (const auto it = ed.find(id); it != ed.end()) v = it->second;
    const bool log_ok = def.log_scale && def.min > 0;
    ImGuiSliderFlags flags = ImGuiSliderFlags_AlwaysClamp;
    if (log_ok) flags |= ImGuiSliderFlags_Logarithmic;
    const char* fmt = def.integer ? "%.0f" : (std::abs(v) < 0.01 && v != 0 ? "%.3e" : "%.4g");
    double lo = def.min, hi = def.max;
    ImGui::SliderScalar(def.name.c_str(), ImGuiDataType_Double, &v, &lo, &hi, fmt, flags);
    item_tooltip(param_tooltip(def));
    if (ImGui::IsItemActive()) ed[id] = v;
    if (ImGui::IsItemDeactivatedAfterEdit()) {
      ed.erase(id);
      v = std::clamp(def.integer ? std::round(v) : v, def.min, def.max);
      if (v != current) {
        committed = v;
        done = true;
      }
    } else if (!ImGui::IsItemActive()) {
      ed.erase(id);
    }
  }
  ImGui::PopID();
  return done;
}

bool param_table_widgets(ParamEdits& edits, const ParamTable& table, const ParamValues& values,
                         std::string& name, double& value) {
  bool any = false;
  for (const ParamDef& def : table) {
    const auto it = values.find(def.name);
    const double cur = it != values.end() ? it->second : def.default_value;
    double v = 0;
    if (param_widget(edits, def, cur, v) && !any) {
      any = true;
      name = def.name;
      value = v;
    }
  }
  return any;
}

}  // namespace ss::ui
