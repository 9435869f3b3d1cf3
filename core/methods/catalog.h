// MethodCatalog: the methods a scenario may name, per task — their kinds, knob tables and
// constructors. Scenario validation (core/io/scenario.h) checks method kinds and knobs against it,
// and the engine (core/engine/session.h) builds every run's sampler through it, so neither knows
// the registries: the default catalog is the sampler registry (make_sampler, sampler_param_table,
// sampler_kinds in core/samplers/sampler.h) and the ebm registry (ebm_kinds, ebm_param_table,
// make_ebm_trainer, make_ebm_problem in core/ebm/); tests pass their own catalog to run toy
// samplers through the same validation and engine. A catalog without the ebm functions refuses ebm
// scenarios.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/params.h"
#include "core/ebm/problem.h"
#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss {

/// What the methods of a scenario do.
enum class Task {
  sample,  ///< each method samples the target (the default)
  ebm,     ///< each method is the negative sampler of an EBM trained on data (issue 15)
};
/// "sample" or "ebm", as written in files.
std::string task_name(Task task);

struct MethodCatalog {
  std::function<std::vector<std::string>()> kinds;
  /// Throws ParamError (field "kind") for an unknown kind.
  std::function<const ParamTable&(const std::string& kind)> param_table;
  /// A sampler of `kind` on `target` with knob overrides `params`, reset with `seed`; its
  /// construction checks `interrupt` (may be null; Sampler::set_interrupt before the reset).
  std::function<std::unique_ptr<Sampler>(const std::string& kind, std::shared_ptr<const Target>,
                                         const ParamValues& params, std::uint64_t seed,
                                         const Interrupt* interrupt)>
      make;
  /// The memory a sampler of these resolved knobs would allocate (sampler_memory_estimate);
  /// optional (a catalog without it skips the memory check).
  std::function<MemoryEstimate(const std::string& kind, const ParamValues& resolved)> memory;

  // The ebm task (issue 15).
  std::function<std::vector<std::string>()> ebm_kinds;
  /// Throws ParamError (field "kind") for an unknown kind.
  std::function<const ParamTable&(const std::string& kind)> ebm_param_table;
  /// A trainer of `kind` on `problem` with knob overrides `params`, reset with `seed` (checking
  /// `interrupt`, as `make`).
  std::function<std::unique_ptr<Sampler>(
      const std::string& kind, std::shared_ptr<const EbmProblem> problem, const ParamValues& params,
      std::uint64_t seed, const Interrupt* interrupt)>
      make_ebm;
  /// The shared problem of an ebm scenario (make_ebm_problem); throws std::runtime_error with a
  /// message a person can act on for bad data.
  std::function<std::shared_ptr<const EbmProblem>(std::shared_ptr<const Target> target,
                                                  const DataSettings& data, const EbmSettings& ebm,
                                                  std::uint64_t seed)>
      make_problem;

  /// The kinds a scenario of `task` may name (empty: this catalog has none).
  std::vector<std::string> kinds_for(Task task) const;
  /// The knob table of `kind` in a scenario of `task` (ParamError, field "kind", when unknown).
  const ParamTable& param_table_for(Task task, const std::string& kind) const;

  /// The catalog of the sampler and ebm registries.
  static MethodCatalog registry();
};

}  // namespace ss
