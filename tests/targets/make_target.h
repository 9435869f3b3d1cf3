// Helpers shared by the target tests: π and a built-in target by kind (and knobs).
#pragma once

#include <memory>
#include <numbers>
#include <string>
#include <utility>

#include "core/targets/builtin.h"

namespace ss::testing {

inline constexpr double kPi = std::numbers::pi;

inline std::shared_ptr<const Target> make(const std::string& kind, ParamValues params = {}) {
  TargetSpec spec;
  spec.kind = kind;
  spec.params = std::move(params);
  return make_target(spec);
}

}  // namespace ss::testing
