// The default method catalog: the sampler and ebm registries (catalog.h).
#include "core/methods/catalog.h"

#include "core/ebm/trainer.h"

namespace ss {

std::string task_name(Task task) {
  return task == Task::ebm ? "ebm" : "sample";
}

std::vector<std::string> MethodCatalog::kinds_for(Task task) const {
  if (task == Task::ebm) return ebm_kinds ? ebm_kinds() : std::vector<std::string>{};
  return kinds ? kinds() : std::vector<std::string>{};
}

const ParamTable& MethodCatalog::param_table_for(Task task, const std::string& kind) const {
  if (task == Task::ebm) {
    if (!ebm_param_table) throw ParamError("kind", "no ebm method kind '" + kind + "'");
    return ebm_param_table(kind);
  }
  return param_table(kind);
}

MethodCatalog MethodCatalog::registry() {
  MethodCatalog c;
  c.kinds = [] { return sampler_kinds(); };
  c.param_table = [](const std::string& kind) -> const ParamTable& {
    return sampler_param_table(kind);
  };
  c.make = [](const std::string& kind, std::shared_ptr<const Target> target,
              const ParamValues& params, std::uint64_t seed, const Interrupt* interrupt) {
    return make_sampler(kind, std::move(target), params, seed, interrupt);
  };
  c.memory = [](const std::string& kind, const ParamValues& resolved) {
    return sampler_memory_estimate(kind, resolved);
  };
  c.ebm_kinds = [] { return ss::ebm_kinds(); };
  c.ebm_param_table = [](const std::string& kind) -> const ParamTable& {
    return ss::ebm_param_table(kind);
  };
  c.make_ebm = [](const std::string& kind, std::shared_ptr<const EbmProblem> problem,
                  const ParamValues& params, std::uint64_t seed, const Interrupt* interrupt) {
    return make_ebm_trainer(kind, std::move(problem), params, seed, interrupt);
  };
  c.make_problem = [](std::shared_ptr<const Target> target, const DataSettings& data,
                      const EbmSettings& ebm, std::uint64_t seed) {
    return make_ebm_problem(std::move(target), data, ebm, seed);
  };
  return c;
}

}  // namespace ss
