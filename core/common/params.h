// Parameter tables: the single description of a target's or a method's knobs. The UI builds its
// widgets from them and the scenario loader validates against them, so a knob is declared once.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ss {

/// One knob. Numeric values are doubles; `integer` knobs hold whole numbers; a knob with
/// `choices` is an enumeration whose value is the index of the chosen entry.
struct ParamDef {
  std::string name;  ///< snake_case key used in scenario files, e.g. "particles"
  double default_value = 0;
  double min = 0;    ///< inclusive lower bound
  double max = 0;    ///< inclusive upper bound
  std::string help;  ///< one line, shown as a tooltip
  bool integer = false;
  std::vector<std::string> choices;  ///< non-empty: an enumeration (value = index)
  bool log_scale = false;            ///< hint for the UI slider
  bool needs_reset = false;          ///< change applies only at the next reset (e.g. sizes)
};

/// A knob in one call, for tables written as lists: name, default, [lo, hi], help, then the flags
/// tables set most often (integer, needs_reset, log_scale); `choices` are set on the result.
inline ParamDef param_def(std::string name, double value, double lo, double hi, std::string help,
                          bool integer = false, bool needs_reset = false, bool log_scale = false) {
  ParamDef d{std::move(name), value, lo, hi, std::move(help), integer};
  d.needs_reset = needs_reset;
  d.log_scale = log_scale;
  return d;
}

using ParamTable = std::vector<ParamDef>;
/// Knob values by name. The comparator is transparent, so a lookup by a string literal or
/// std::string_view (param_value) builds no std::string: reading a knob in a sampler's step() never
/// allocates, whatever the length of its name.
using ParamValues = std::map<std::string, double, std::less<>>;

/// The value of knob `name` in `values`; throws std::out_of_range naming it when absent.
inline double param_value(const ParamValues& values, std::string_view name) {
  const auto it = values.find(name);
  if (it == values.end()) throw std::out_of_range("no knob '" + std::string(name) + "'");
  return it->second;
}

/// Error raised for a bad parameter: `field` is the parameter name (callers prefix a path).
struct ParamError : std::runtime_error {
  std::string field;
  ParamError(std::string f, const std::string& what)
      : std::runtime_error(what), field(std::move(f)) {}
};

/// Finds a knob by name, or nullptr. A string_view: a literal name of over 15 characters would
/// otherwise build a std::string (a heap allocation) at every lookup inside a step.
inline const ParamDef* find_param(const ParamTable& table, std::string_view name) {
  for (const auto& d : table)
    if (d.name == name) return &d;
  return nullptr;
}

/// Checks one value against its definition; throws ParamError with a message saying what was
/// expected ("expected an integer in [1, 100000]", "expected one of: adagrad, plain").
void validate_param(const ParamDef& def, double value);

/// Defaults for every knob, overridden by `overrides` after validation (unknown names throw).
ParamValues resolve_params(const ParamTable& table, const ParamValues& overrides);

/// Default values of a table.
ParamValues default_params(const ParamTable& table);

}  // namespace ss
