#include "core/samplers/sampler.h"

namespace ss {

void Sampler::set_param(const std::string& name, double value) {
  const ParamDef* def = find_param(param_table(), name);
  if (!def) throw ParamError(name, "unknown parameter '" + name + "' for method '" + kind() + "'");
  validate_param(*def, value);
  params_[name] = value;
}

void Sampler::set_params(const ParamValues& values) {
  params_ = resolve_params(param_table(), values);
}

}  // namespace ss
