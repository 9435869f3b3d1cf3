// The table of the ebm task's negative samplers: kind, display name, about text, knob table and
// factory (trainer.h: ebm_kinds, ebm_param_table, ebm_about, ebm_display_name, make_ebm_trainer).
// Adding a negative sampler means adding one entry here, in UI order.
#include <functional>

#include "core/ebm/flowmc_negatives.h"
#include "core/ebm/generator_negatives.h"
#include "core/ebm/langevin_negatives.h"
#include "core/ebm/trainer.h"

namespace ss {

namespace {

struct EbmEntry {
  std::string kind;
  std::string display_name;
  std::string about;
  std::function<const ParamTable&()> table;
  std::function<std::unique_ptr<NegativeSampler>()> create;
};

const std::vector<EbmEntry>& entries() {
  static const std::vector<EbmEntry> list = {
      {"ula_ebm", "ULA-EBM", kUlaEbmAbout, &LangevinNegatives::ula_table,
       [] { return std::make_unique<LangevinNegatives>(LangevinNegatives::Variant::ula); }},
      {"mala_ebm", "MALA-EBM", kMalaEbmAbout, &LangevinNegatives::mala_table,
       [] { return std::make_unique<LangevinNegatives>(LangevinNegatives::Variant::mala); }},
      {"flowmc_ebm", "flowMC-EBM", kFlowMcEbmAbout, &FlowMcNegatives::table,
       [] { return std::make_unique<FlowMcNegatives>(); }},
      {"steingan", "SteinGAN", kSteinGanAbout,
       []() -> const ParamTable& {
         return GeneratorNegatives::table(GeneratorNegatives::Kind::steingan);
       },
       [] { return std::make_unique<GeneratorNegatives>(GeneratorNegatives::Kind::steingan); }},
      {"dft_ebm", "DFT-EBM", kDftEbmAbout,
       []() -> const ParamTable& {
         return GeneratorNegatives::table(GeneratorNegatives::Kind::dft);
       },
       [] { return std::make_unique<GeneratorNegatives>(GeneratorNegatives::Kind::dft); }},
  };
  return list;
}

const EbmEntry& entry(const std::string& kind) {
  for (const auto& e : entries())
    if (e.kind == kind) return e;
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.kind;
  throw ParamError("kind", "unknown ebm method kind '" + kind + "'; expected one of: " + known);
}

}  // namespace

std::vector<std::string> ebm_kinds() {
  std::vector<std::string> k;
  for (const auto& e : entries()) k.push_back(e.kind);
  return k;
}

const ParamTable& ebm_param_table(const std::string& kind) {
  return entry(kind).table();
}

std::string ebm_about(const std::string& kind) {
  return entry(kind).about;
}

std::string ebm_display_name(const std::string& kind) {
  return entry(kind).display_name;
}

std::unique_ptr<Sampler> make_ebm_trainer(const std::string& kind,
                                          std::shared_ptr<const EbmProblem> problem,
                                          const ParamValues& params, std::uint64_t seed,
                                          const Interrupt* interrupt) {
  const EbmEntry& e = entry(kind);
  if (!problem) throw ParamError("kind", "ebm method '" + kind + "' needs an ebm problem");
  auto trainer = std::make_unique<EbmTrainer>(kind, std::move(problem), e.create());
  trainer->set_params(params);
  trainer->set_interrupt(interrupt);
  trainer->reset(seed);
  return trainer;
}

}  // namespace ss
