// The table of methods: kind, display name, about text, knob table and factory. Adding a method
// means adding one entry here.
#include <functional>

#include "core/samplers/amortized_svgd.h"
#include "core/samplers/dft.h"
#include "core/samplers/flowmc.h"
#include "core/samplers/hamiltonian.h"
#include "core/samplers/kl_ns.h"
#include "core/samplers/langevin.h"
#include "core/samplers/metropolis.h"
#include "core/samplers/sampler.h"
#include "core/samplers/svgd.h"

namespace ss {

namespace {

struct SamplerEntry {
  std::string kind;
  std::string display_name;
  std::string about;
  std::function<const ParamTable&()> table;
  std::function<std::unique_ptr<Sampler>(std::shared_ptr<const Target>)> create;
};

const std::vector<SamplerEntry>& entries() {
  static const std::vector<SamplerEntry> list = {
      // Entries are added by each method's implementation, e.g.
      // {"svgd", "SVGD", kSvgdAbout, &SvgdSampler::table,
      //  [](std::shared_ptr<const Target> t) { return std::make_unique<SvgdSampler>(t); }},
      {"svgd", "SVGD", kSvgdAbout, &SvgdSampler::table,
       [](std::shared_ptr<const Target> t) { return std::make_unique<SvgdSampler>(t); }},
      {"ula", "ULA", kUlaAbout, &LangevinSampler::ula_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<LangevinSampler>(t, LangevinSampler::Variant::ula);
       }},
      {"mala", "MALA", kMalaAbout, &LangevinSampler::mala_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<LangevinSampler>(t, LangevinSampler::Variant::mala);
       }},
      {"rwmh", "Random-walk MH", kRwmhAbout, &MetropolisSampler::rwmh_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<MetropolisSampler>(t, MetropolisSampler::Variant::rwmh);
       }},
      {"adaptive_mh", "Adaptive MH", kAdaptiveMhAbout, &MetropolisSampler::adaptive_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<MetropolisSampler>(t, MetropolisSampler::Variant::adaptive);
       }},
      {"hmc", "HMC", kHmcAbout, &HamiltonianSampler::hmc_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<HamiltonianSampler>(t, HamiltonianSampler::Variant::hmc);
       }},
      {"nuts", "NUTS", kNutsAbout, &HamiltonianSampler::nuts_table,
       [](std::shared_ptr<const Target> t) {
         return std::make_unique<HamiltonianSampler>(t, HamiltonianSampler::Variant::nuts);
       }},
      {"flowmc", "flowMC", kFlowMcAbout, &FlowMcSampler::table,
       [](std::shared_ptr<const Target> t) { return std::make_unique<FlowMcSampler>(t); }},
      {"dft", "DFT", kDftAbout, &DenoisingFisherSampler::table,
       [](std::shared_ptr<const Target> t) { return std::make_unique<DenoisingFisherSampler>(t); }},
      {"amortized_svgd", "Amortized SVGD", kAmortizedSvgdAbout, &AmortizedSvgdSampler::table,
       [](std::shared_ptr<const Target> t) { return std::make_unique<AmortizedSvgdSampler>(t); }},
      {"kl_ns", "KL-NS", kKlNsAbout, &KlNeuralSampler::table,
       [](std::shared_ptr<const Target> t) { return std::make_unique<KlNeuralSampler>(t); }},
  };
  return list;
}

const SamplerEntry& entry(const std::string& kind) {
  for (const auto& e : entries())
    if (e.kind == kind) return e;
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.kind;
  throw ParamError("kind", "unknown method kind '" + kind + "'; expected one of: " + known);
}

}  // namespace

std::unique_ptr<Sampler> make_sampler(const std::string& kind, std::shared_ptr<const Target> target,
                                      const ParamValues& params, std::uint64_t seed) {
  const SamplerEntry& e = entry(kind);
  std::unique_ptr<Sampler> s = e.create(std::move(target));
  s->set_params(params);
  s->reset(seed);
  return s;
}

const ParamTable& sampler_param_table(const std::string& kind) {
  return entry(kind).table();
}

std::vector<std::string> sampler_kinds() {
  std::vector<std::string> kinds;
  for (const auto& e : entries()) kinds.push_back(e.kind);
  return kinds;
}

std::string sampler_about(const std::string& kind) {
  return entry(kind).about;
}
std::string sampler_display_name(const std::string& kind) {
  return entry(kind).display_name;
}

}  // namespace ss
