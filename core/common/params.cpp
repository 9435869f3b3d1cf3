#include "core/common/params.h"

#include <cmath>
#include <sstream>

namespace ss {

namespace {
std::string range_text(const ParamDef& d) {
  std::ostringstream os;
  if (!d.choices.empty()) {
    os << "one of: ";
    for (size_t i = 0; i < d.choices.size(); ++i)
      os << (i ? ", " : "") << i << " (" << d.choices[i] << ")";
    return os.str();
  }
  os << (d.integer ? "an integer" : "a number") << " in [" << d.min << ", " << d.max << "]";
  return os.str();
}
}  // namespace

void validate_param(const ParamDef& def, double value) {
  if (!std::isfinite(value))
    throw ParamError(def.name, "'" + def.name + "' must be finite; expected " + range_text(def));
  if ((def.integer || !def.choices.empty()) && value != std::floor(value))
    throw ParamError(def.name,
                     "'" + def.name + "' must be a whole number; expected " + range_text(def));
  const double lo = def.choices.empty() ? def.min : 0.0;
  const double hi = def.choices.empty() ? def.max : double(def.choices.size() - 1);
  if (value < lo || value > hi) {
    std::ostringstream os;
    os << "'" << def.name << "' = " << value << " is out of range; expected " << range_text(def);
    throw ParamError(def.name, os.str());
  }
}

ParamValues default_params(const ParamTable& table) {
  ParamValues v;
  for (const auto& d : table) v[d.name] = d.default_value;
  return v;
}

ParamValues resolve_params(const ParamTable& table, const ParamValues& overrides) {
  ParamValues v = default_params(table);
  for (const auto& [name, value] : overrides) {
    const ParamDef* d = find_param(table, name);
    if (!d) {
      std::string known;
      for (const auto& t : table) known += (known.empty() ? "" : ", ") + t.name;
      throw ParamError(name, "unknown parameter '" + name + "'; known: " + known);
    }
    validate_param(*d, value);
    v[name] = value;
  }
  return v;
}

}  // namespace ss
