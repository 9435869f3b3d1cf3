// Scenario: what a person shares — a target, a list of method configurations, a seed, a budget and
// metric settings — and its JSON file format, schema 1 (ARCHITECTURE.md §5, docs/scenarios.md).
//
// Loading is strict: syntax errors, unknown keys, duplicate keys, wrong types, NaN/Infinity or
// out-of-range numbers (checked against the target's and each method's parameter table), unknown
// target or method kinds, an empty method list, duplicate labels, and a missing or ambiguous budget
// are all rejected with a ScenarioError that names the file, the field as a JSON pointer
// (RFC 6901, e.g. "/methods/1/params/particles") and what was expected. Nothing is half-loaded.
//
// Tasks (issue 15): "task": "sample" (the default; files without the key are read as before) or
// "ebm": each method is then the negative sampler of an energy-based model trained on data drawn
// from the target (or read from data.csv), with the "data" and "ebm" blocks (core/ebm/problem.h).
// Method kinds are checked per task: sampler kinds in sample scenarios, ebm kinds (ebm_kinds())
// in ebm scenarios. A sample scenario has neither block, and to_json_text writes neither, so old
// files read and write back byte for byte as before.
//
// Method and target params hold only the values written in the file (overrides); defaults come
// from the parameter tables when samplers and targets are built, so files stay short and
// save_scenario(load_scenario(f)) writes the same scenario back (round trip: equal Scenario).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/params.h"
#include "core/ebm/problem.h"
#include "core/methods/catalog.h"
#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss {

/// The schema version this code reads and writes.
inline constexpr int kScenarioSchema = 1;

/// Largest scenario file or text accepted: 4 MiB. The largest valid scenario (64 methods, 256
/// mixture components, 64 KiB strings) is far below it; parsing costs about 14× the text in
/// memory, so the cap keeps a wrong file from costing gigabytes.
inline constexpr std::size_t kMaxScenarioBytes = std::size_t(4) << 20;

/// Limits of the "ebm" and "data" blocks (docs/scenarios.md).
inline constexpr int kMaxEbmLayers = 8;          ///< hidden layers of E_θ, at least 1
inline constexpr int kMaxEbmWidth = 1024;        ///< width of each hidden layer, at least 1
inline constexpr int kMaxEbmBatch = 4096;        ///< ebm.batch in [1, 4096]
inline constexpr int kMaxEbmPersistent = 65536;  ///< ebm.persistent in [batch, 65536]
inline constexpr double kMaxEbmL2 = 1;           ///< ebm.l2 in [0, 1]
/// ebm.max_log_density_range in [1, 1e15] nats (the blow-up rule, core/ebm/problem.h)
inline constexpr double kMinEbmLogDensityRange = 1, kMaxEbmLogDensityRange = 1e15;
inline constexpr int kMinDataSamples = 16, kMaxDataSamples = 1000000;

/// One method of a scenario (one Run in the engine).
struct MethodConfig {
  std::string kind;     ///< sampler kind, e.g. "svgd", "mala", "flowmc", "dft"
  std::string label;    ///< unique within the scenario; names the run in CSV files and the UI
  ParamValues params;   ///< overrides of the method's parameter table (empty = all defaults);
                        ///< enumerations hold the index of the choice (files may use the name)
  bool enabled = true;  ///< disabled methods are kept in the file but not run
  bool operator==(const MethodConfig&) const = default;
};

/// How long every method runs: exactly one kind, applied to each method separately.
enum class BudgetKind { iterations, gradient_evals, seconds };

/// Largest budget in iterations or gradient evaluations, and in seconds.
inline constexpr double kMaxBudgetCount = 1e12;
inline constexpr double kMaxBudgetSeconds = 1e6;
/// Largest memory one method's settings may need (sampler_memory_estimate): settings that would
/// allocate more are refused at validation, naming the knobs that dominate, instead of failing
/// (or being killed) while the sampler is built. 2 GiB leaves room for several methods on an 8 GB
/// laptop; every method's defaults need less than 64 MB (flowMC's: 38 MB estimated, 27 MB
/// measured).
inline constexpr double kMaxMethodMemoryBytes = double(std::size_t(2) << 30);

struct Budget {
  BudgetKind kind = BudgetKind::iterations;
  /// iterations and gradient_evals: a whole number in [1, 1e12]; seconds: a number in (0, 1e6]
  /// of sampler wall time (time inside the method's steps, metrics excluded).
  double amount = 2000;
  bool operator==(const Budget&) const = default;
};

/// JSON key of a budget kind ("iterations", "gradient_evals", "seconds").
std::string budget_key(BudgetKind kind);

/// Metric settings (ARCHITECTURE.md §4).
struct MetricSettings {
  int ksd_samples = 1000;       ///< n of the evaluation sample set, in [10, 20000]
  int every = 50;               ///< metric pass every this many iterations per run, in [1, 1e9];
                                ///< also one pass at iteration 0 and one when the budget is reached
  int iid_draws = 5;            ///< draws averaged for the i.i.d. KSD baseline, in [1, 100]
  bool energy_distance = true;  ///< compute energy_distance against reference samples
  bool mode_coverage = true;    ///< compute mode_tv, modes_missed and per-region fractions
  bool operator==(const MetricSettings&) const = default;
};

/// The limits of the metric settings and of the budget amount as parameter definitions (name as
/// in files, default, inclusive [min, max], whole numbers, help): validation checks against them
/// and the app's Controls clamp to them and print their ranges, so each limit is written once.
/// ksd_samples [10, 20000] (default 1000), every [1, 1e9] (50), iid_draws [1, 100] (5).
const ParamDef& ksd_samples_def();
const ParamDef& metric_every_def();
const ParamDef& iid_draws_def();
/// iterations and gradient_evals: whole numbers in [1, kMaxBudgetCount]; seconds: a number in
/// (0, kMaxBudgetSeconds] — its min 0 is exclusive (a budget of 0 s is refused); the Controls'
/// smallest seconds budget is 0.1.
const ParamDef& budget_amount_def(BudgetKind kind);

struct Scenario {
  int schema = kScenarioSchema;
  std::string name;         ///< a title, shown in the UI and written to summary.json
  std::string description;  ///< optional: what the scenario shows (free text)
  std::uint64_t seed = 42;  ///< run seeds are derived from it (see core/engine/session.h)
  Task task = Task::sample;
  /// The data distribution of an ebm scenario (without data.csv the data are drawn from it; with
  /// data.csv it is only drawn as the canvas background, and a file may leave it out: then it is
  /// the uniform formula target "0" on data.box).
  TargetSpec target;
  DataSettings data;  ///< task ebm: the "data" block (a sample scenario keeps the defaults)
  EbmSettings ebm;    ///< task ebm: the "ebm" block (a sample scenario keeps the defaults)
  std::vector<MethodConfig> methods;
  Budget budget;
  MetricSettings metrics;
  bool operator==(const Scenario& o) const;
};

/// A rejected scenario. what() reads "<file>: <pointer>: <message>", e.g.
/// "bad.json: /methods/0/params/particles: 'particles' = -5 is out of range; expected an integer
/// in [2, 20000]". `pointer` is "" for the document root (e.g. a syntax error; then the message
/// gives the line and column).
struct ScenarioError : std::runtime_error {
  std::string file;     ///< the source name given to the parser (a path, or e.g. "<clipboard>")
  std::string pointer;  ///< JSON pointer of the offending field
  std::string message;  ///< what was wrong and what was expected
  ScenarioError(std::string file, std::string pointer, std::string message);
};

/// A seed written as text (command line, script): decimal digits only, a whole number in
/// [0, 2^64 − 1]. A sign, fraction, exponent, spaces or overflow give nullopt — never a clamp.
std::optional<std::uint64_t> parse_seed(std::string_view text);

/// A whole number written as decimal digits in [lo, hi] (e.g. --budget-iterations); nullopt
/// for anything else, including overflow (never clamped).
std::optional<std::int64_t> parse_whole_number(std::string_view text, std::int64_t lo,
                                               std::int64_t hi);

/// Reads and validates a scenario file. A relative data.csv is resolved against the file's folder
/// (the Scenario holds the resolved path; a file that is not there is refused with the pointer
/// /data/csv). Throws ScenarioError (also when the file cannot be read,
/// is a directory, a FIFO or device, or is larger than kMaxScenarioBytes: pointer "", message
/// saying so — nothing blocks and nothing is read past the cap).
Scenario load_scenario(const std::filesystem::path& path,
                       const MethodCatalog& catalog = MethodCatalog::registry());

/// Validates scenario JSON text; `source_name` is used in error messages as the file name. Text
/// longer than kMaxScenarioBytes is refused before parsing.
Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const MethodCatalog& catalog = MethodCatalog::registry());

/// Checks an in-memory scenario with the same rules as parsing (e.g. one built by the UI); throws
/// ScenarioError with `source_name` and the pointer of the first bad field.
void validate_scenario(const Scenario& scenario, const std::string& source_name,
                       const MethodCatalog& catalog = MethodCatalog::registry());

/// What a valid scenario may still get wrong, as "<file>: <pointer>: <message>" lines: the checks'
/// warnings of a formula target (mass at the box edge, a density that may not be normalizable
/// like x + y, a non-finite score, an unused parameter). Empty when there is nothing to say.
std::vector<std::string> scenario_warnings(const Scenario& scenario,
                                           const std::string& source_name);

/// The scenario as pretty-printed JSON text (2-space indent, fields in a fixed order, numbers
/// round-trippable and locale-independent); parse_scenario(to_json_text(s)) == s.
std::string to_json_text(const Scenario& scenario);

/// Writes to_json_text(scenario) to `path` atomically (temporary file, then rename). Throws
/// std::runtime_error naming the path on I/O failure.
void save_scenario(const Scenario& scenario, const std::filesystem::path& path);

}  // namespace ss
