// The table of methods: kind, display name, about text, knob table and factory. Adding a method
// means adding one entry here.
#include <algorithm>
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
                                      const ParamValues& params, std::uint64_t seed,
                                      const Interrupt* interrupt) {
  const SamplerEntry& e = entry(kind);
  std::unique_ptr<Sampler> s = e.create(std::move(target));
  s->set_params(params);
  s->set_interrupt(interrupt);
  s->reset(seed);
  return s;
}

const ParamTable& sampler_param_table(const std::string& kind) {
  return entry(kind).table();
}

double mlp_parameter_count(int in, int width, int layers, int out) {
  if (layers <= 0) return double(in + 1) * out;
  return double(in + 1) * width + double(layers - 1) * double(width + 1) * width +
         double(width + 1) * out;
}

namespace {

constexpr double kDouble = sizeof(double);

double knob(const ParamValues& v, const char* name) {
  const auto it = v.find(name);
  return it == v.end() ? 0.0 : it->second;
}

// The window of recorded chain states (chain_window.h): chains × window_length × 2 doubles.
MemoryEstimate chain_window_memory(const ParamValues& v) {
  return {knob(v, "chains") * knob(v, "window_length") * 2 * kDouble, "chains × window_length"};
}

// flowMC (flowmc.h): the chain window; the training history (history_window × chains points) and
// training set (max_examples points); the RealNVP (couplings nets 1 → hidden… → 2) with six
// copies of its parameters (values, gradient, Adam's two moments, the best checkpoint and the
// trainer's copy); and the activations of every coupling net's hidden layers at the largest batch
// it sees: a training minibatch (forward and backward: 3 arrays) or a forward pass over the chains
// or the 64² overlay grid (2 arrays). Calibrated against the runner's peak RSS (GNU time, donut,
// one flowMC run, minus 15.8 MB for a run without flowMC), estimate / measured:
//   defaults 38 / 27 MB; hidden_width 256, hidden_layers 6, couplings 16: 1.86 / 2.02 GB;
//   width 128, layers 4, couplings 32: 1.15 / 1.24 GB; batch_size 20000: 0.19 / 0.19 GB;
//   chains 20000, history_window 200: 0.22 / 0.21 GB. The width 512, layers 6,
//   couplings 32 (≈ 8 GB observed) is estimated at 8.5 GB.
MemoryEstimate flowmc_memory(const ParamValues& v) {
  const double chains = knob(v, "chains");
  const double K = knob(v, "couplings"), width = knob(v, "hidden_width"),
               layers = knob(v, "hidden_layers");
  const double history = knob(v, "history_window") * chains * 2 * kDouble;
  const double examples = knob(v, "max_examples") * 2 * kDouble;
  const double params = 6 * K * mlp_parameter_count(1, int(width), int(layers), 2) * kDouble;
  const double grid = double(FlowMcSampler::kFieldN) * FlowMcSampler::kFieldN;
  const double rows = std::max(3 * knob(v, "batch_size"), 2 * std::max(chains, grid));
  const double activations = rows * K * std::max(1.0, layers) * width * kDouble;
  const MemoryEstimate window = chain_window_memory(v);
  const std::pair<double, const char*> terms[] = {
      {window.bytes, "chains × window_length"},
      {history, "chains × history_window"},
      {examples, "max_examples"},
      {params, "couplings × hidden_layers × hidden_width²"},
      {activations,
       "couplings × hidden_layers × hidden_width × the largest batch (batch_size, chains or the "
       "64² overlay grid)"}};
  MemoryEstimate e;
  double largest = -1;
  for (const auto& [bytes, what] : terms) {
    e.bytes += bytes;
    if (bytes > largest) largest = bytes, e.dominant = what;
  }
  return e;
}

}  // namespace

MemoryEstimate sampler_memory_estimate(const std::string& kind, const ParamValues& resolved) {
  (void)entry(kind);  // unknown kinds throw like everywhere else
  if (kind == "flowmc") return flowmc_memory(resolved);
  if (kind == "ula" || kind == "mala" || kind == "rwmh" || kind == "adaptive_mh" || kind == "hmc" ||
      kind == "nuts")
    return chain_window_memory(resolved);
  return {};
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
