// samplescope-run: the headless runner. Runs a scenario to its budget and writes metrics.csv,
// samples_<label>.csv and summary.json into --out (ARCHITECTURE.md §5; docs/cli.md); an ebm
// scenario's methods also get density_<label>.csv, the learned normalized log density.
//
// Outputs: metrics.csv is streamed from the worker as metric passes happen (a killed run keeps
// every pass written before the kill) and sorted into its canonical order at the end; the
// samples files and summary.json are written to temporary names and renamed as one set.
//
// Exit status: 0 success; 2 bad input (scenario file, command line, output folder — the message
// names the file and the field or flag) or a failed write (the message names the file and the OS
// error); 1 internal error; 130 interrupted by SIGINT/SIGTERM (the
// outputs are still written, from the state reached, and summary.json says "interrupted": true).
// The signal handler also requests the session's stop (SessionOptions::interrupt): the step in
// progress is abandoned at its next inner check (a flowMC epoch between minibatches, a warm-up
// between DSM steps, the grid reference between rows), so a long step does not delay the exit.
//
// Reproducibility: the runner uses Scheduling::round_robin, metric passes at fixed iterations and
// seeded reference draws, so the same scenario and seed give byte-identical samples files and a
// metrics.csv that differs only in its wall_seconds column (the samplers themselves are
// deterministic for any thread count, see core/samplers/sampler.h).
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/runner/sweep.h"
#include "core/engine/session.h"
#include "core/io/files.h"
#include "core/io/results.h"
#include "core/io/scenario.h"

namespace fs = std::filesystem;
using namespace ss;

namespace {

std::atomic<int> g_signal{0};
Interrupt g_interrupt;  // the session's outside stop request (SessionOptions::interrupt)

extern "C" void on_signal(int sig) {
  g_signal.store(sig);
  g_interrupt.request();  // one lock-free atomic store: async-signal-safe
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::ordered_json summary_json(const Snapshot& snap, const std::vector<std::string>& files,
                                    const std::vector<std::string>& density_files, int threads,
                                    bool interrupted) {
  const Scenario& sc = *snap.scenario;
  nlohmann::ordered_json j;
  j["scenario"] = sc.name;
  j["seed"] = sc.seed;
  j["schema"] = sc.schema;
  j["task"] = task_name(sc.task);
  j["target"] = sc.target.kind;
  nlohmann::ordered_json budget;
  if (sc.budget.kind == BudgetKind::seconds)
    budget[budget_key(sc.budget.kind)] = sc.budget.amount;
  else
    budget[budget_key(sc.budget.kind)] = static_cast<std::int64_t>(sc.budget.amount);
  j["budget"] = budget;
  j["threads"] = threads;
  j["interrupted"] = interrupted;
  if (sc.task == Task::ebm) {
    // The data every method trained on (its final metrics are in each method's "final").
    nlohmann::ordered_json data;
    data["source"] = sc.data.csv.empty() ? "target" : "csv";
    if (!sc.data.csv.empty()) data["csv"] = sc.data.csv;
    if (snap.problem) {
      data["train"] = snap.problem->train.rows();
      data["test"] = snap.problem->test.rows();
      data["box"] = {snap.problem->box.xmin, snap.problem->box.xmax, snap.problem->box.ymin,
                     snap.problem->box.ymax};
      data["grid"] = snap.problem->grid_n;
    }
    j["data"] = data;
  } else {
    j["ksd2_imq_iid"] = {{"mean", snap.ksd2_iid_mean},
                         {"std", snap.ksd2_iid_std},
                         {"n", sc.metrics.ksd_samples},
                         {"draws", sc.metrics.iid_draws}};
    j["ksd2_imq_u_iid"] = {{"rms", snap.ksd2_u_iid_rms},
                           {"mean", snap.ksd2_u_iid_mean},
                           {"std", snap.ksd2_u_iid_std},
                           {"n", sc.metrics.ksd_samples},
                           {"draws", sc.metrics.iid_draws}};
  }
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();
  size_t file_index = 0;
  for (const auto& run : snap.runs) {
    if (!run.enabled) continue;
    nlohmann::ordered_json m;
    m["label"] = run.label;
    m["kind"] = run.kind;
    m["status"] = run.status.diverged ? "diverged" : "ok";
    if (run.status.diverged) {
      m["reason"] = run.status.reason;
      m["diverged_at_iteration"] = run.status.iteration;
    }
    m["iterations"] = run.iteration;
    m["gradient_evals"] = run.counters.gradient_evals();
    m["score_evals"] = run.counters.score;
    m["hessian_evals"] = run.counters.hessian;
    m["log_density_evals"] = run.counters.log_density;
    m["sampler_seconds"] = run.sampler_seconds;
    m["metric_seconds"] = run.metric_seconds;
    m["metric_evaluations"] = run.metric_evaluations;
    m["samples_file"] = files[file_index];
    if (sc.task == Task::ebm) {
      m["density_file"] = density_files[file_index];
      m["density_iteration"] = run.model_iteration;
    }
    ++file_index;
    nlohmann::ordered_json fin = nlohmann::ordered_json::object();
    for (const auto& [name, value] : run.latest) fin[name] = value;  // NaN is written as null
    m["final"] = fin;
    if (!run.last_error.empty()) m["last_error"] = run.last_error;
    methods.push_back(m);
  }
  j["methods"] = methods;
  return j;
}

// The end-of-run files as one set (samples_<label>.csv of every enabled method, in an ebm
// scenario density_<label>.csv too, then summary.json), through the shared writer
// (core/io/results.h).
void write_outputs(const Snapshot& snap, const fs::path& out, int threads, bool interrupted) {
  std::vector<std::string> labels;
  for (const auto& run : snap.runs)
    if (run.enabled) labels.push_back(run.label);
  const std::vector<std::string> files = samples_file_names(labels);
  const bool ebm = snap.scenario->task == Task::ebm;
  const std::vector<std::string> density_files =
      ebm ? density_file_names(labels) : std::vector<std::string>{};
  std::vector<std::pair<std::string, std::string>> set;
  size_t k = 0;
  for (const auto& run : snap.runs) {
    if (!run.enabled) continue;
    const Points empty(0, 2);
    set.emplace_back(files[k],
                     points_csv(run.evaluation_samples ? *run.evaluation_samples : empty));
    if (ebm) {
      static const std::vector<float> kNone;
      set.emplace_back(density_files[k],
                       density_csv(run.model_log_density ? *run.model_log_density : kNone,
                                   run.model_grid_n, run.model_box));
    }
    ++k;
  }
  set.emplace_back("summary.json",
                   summary_json(snap, files, density_files, threads, interrupted).dump(2) + "\n");
  write_file_set(out, set);
}

std::string progress_text(const Snapshot& snap, double elapsed) {
  char head[32];
  std::snprintf(head, sizeof head, "[%6.1f s]", elapsed);
  std::string line = head;
  for (const auto& run : snap.runs) {
    if (!run.enabled) continue;
    char part[64];
    std::snprintf(part, sizeof part, " %3.0f%%", 100.0 * run.budget_fraction);
    line += " | " + printable(run.label) + " it " + std::to_string(run.iteration) + part;
    if (run.status.diverged) line += " DIVERGED";
  }
  return line;
}

int run_main(int argc, char** argv) {
  CLI::App app{
      "samplescope-run: run a scenario headless and write metrics.csv, "
      "samples_<label>.csv and summary.json"};
  std::string scenario_path, out_dir, seed_text, budget_text;
  int threads = 0;
  app.footer(
      "Sweeps: samplescope-run --sweep FILE --out DIR [--jobs N] [--shard I/N] (--sweep --help)");
  app.add_option("scenario", scenario_path, "scenario JSON file (schema 1)")->required();
  app.add_option("--out", out_dir, "output folder (created if missing)")->required();
  // Seed and budget are read as text and parsed strictly: CLI11's integer conversion would clamp
  // -1 or 2^64 to 2^64 - 1 and 1e20 to INT64_MAX instead of refusing them.
  auto* seed_opt =
      app.add_option("--seed", seed_text, "override the scenario seed (0 ... 2^64 - 1)");
  app.add_option("--threads", threads, "threads for inner loops (0: every core)");
  auto* budget_opt = app.add_option("--budget-iterations", budget_text,
                                    "override the budget: this many iterations per method");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "samplescope-run: error: " << e.what() << "\n"
              << "usage: samplescope-run SCENARIO.json --out DIR [--seed N] [--threads N] "
                 "[--budget-iterations N]\n";
    return 2;
  }
  if (threads < 0 || threads > 1024)
    throw BadInput("--threads " + std::to_string(threads) + ": expected 0 (auto) to 1024");
  std::optional<std::uint64_t> seed;
  if (*seed_opt && !(seed = parse_seed(seed_text)))
    throw BadInput("--seed " + printable(seed_text) +
                   ": expected a whole number in [0, 18446744073709551615]");
  std::optional<std::int64_t> budget_iterations;
  if (*budget_opt &&
      !(budget_iterations = parse_whole_number(budget_text, 1, std::int64_t(kMaxBudgetCount))))
    throw BadInput("--budget-iterations " + printable(budget_text) +
                   ": expected a whole number in [1, 1000000000000]");

  Scenario scenario = load_scenario(scenario_path);
  if (seed) scenario.seed = *seed;
  if (budget_iterations) scenario.budget = {BudgetKind::iterations, double(*budget_iterations)};
  validate_scenario(scenario, scenario_path);
  const std::vector<std::string> warnings = scenario_warnings(scenario, scenario_path);
  for (const std::string& w : warnings)
    std::cerr << "samplescope-run: warning: " << printable(w) << "\n";

  const fs::path out(out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw BadInput("--out " + out_dir + ": cannot create the output folder" +
                   (ec ? ": " + ec.message() : std::string()));
  if (::access(out.c_str(), W_OK) != 0)
    throw BadInput("--out " + out_dir + ": the output folder is not writable");
  // Files of an earlier run in the same folder would mix with this one's: they are removed
  // (docs/cli.md). metrics.csv is opened now, so a folder that cannot take it fails here,
  // before the run, with the file and the OS error (exit 2).
  const std::vector<std::string> removed = remove_stale_results(out);
  if (!removed.empty())
    std::cerr << "samplescope-run: removed " << removed.size() << " file(s) of an earlier run from "
              << out_dir << "\n";
  MetricsCsvStream metrics(out / "metrics.csv");
  std::atomic<bool> write_failed{false};

  install_signal_handlers();
  // A batch job uses every core by default (the GUI leaves one to the UI thread; the runner has
  // no UI thread to leave it to).
  const int arena = threads > 0 ? threads : std::max(1, int(std::thread::hardware_concurrency()));
  SessionOptions options;
  options.threads = arena;
  options.scheduling = Scheduling::round_robin;
  // Curves in memory are thinned (bounded); metrics.csv gets every pass, streamed from the worker.
  options.on_metric_pass = [&](const std::string& kind, const std::string& label,
                               const MetricPass& pass) {
    metrics.append(kind, label, pass);
    if (!metrics.error().empty()) write_failed.store(true);
  };
  options.display_points = 64;
  options.overlay_interval = 1e9;
  options.snapshot_interval = 0.1;
  options.interrupt = &g_interrupt;

  auto session_owner = std::make_unique<Session>(scenario, options);
  Session& session = *session_owner;
  session.post(cmd::Start{});
  const bool tty = ::isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  double last_line = -1e9;
  std::shared_ptr<const Snapshot> snap;
  bool interrupted = false;
  for (;;) {
    snap = session.wait_finished(0.2);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!snap->reference_error.empty())
      throw ScenarioError(scenario_path,
                          snap->reference_error_field.empty() ? std::string("/target")
                                                              : snap->reference_error_field,
                          snap->reference_error);
    if (snap->finished || g_signal.load() || write_failed.load()) {
      if (!snap->finished) {
        interrupted = true;
        session.post(cmd::Pause{});
        snap = session.sync();
      }
      break;
    }
    if (tty) {
      std::cerr << "\r" << progress_text(*snap, elapsed) << "\x1b[K" << std::flush;
    } else if (elapsed - last_line >= 5.0) {
      std::cerr << progress_text(*snap, elapsed) << "\n";
      last_line = elapsed;
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << (tty ? "\r" : "") << progress_text(*snap, elapsed) << (tty ? "\x1b[K\n" : "\n");
  session_owner.reset();  // the worker is joined: no more metric passes reach the stream
  metrics.close();
  if (!metrics.error().empty()) throw ResultsWriteError(metrics.error());
  sort_metrics_csv(out / "metrics.csv", [&] {
    std::vector<std::string> labels;
    for (const auto& run : snap->runs)
      if (run.enabled) labels.push_back(run.label);
    return labels;
  }());
  write_outputs(*snap, out, arena, interrupted);
  for (const auto& m : snap->messages)
    if (m.level != SessionMessage::Level::info)
      std::cerr << "samplescope-run: " << printable(m.text) << "\n";
  if (interrupted) {
    std::cerr << "samplescope-run: interrupted; wrote the state reached to " << out_dir << "\n";
    return 130;
  }
  std::cerr << "samplescope-run: wrote metrics.csv, summary.json and "
            << std::count_if(snap->runs.begin(), snap->runs.end(),
                             [](const RunSnapshot& r) { return r.enabled; })
            << (snap->scenario->task == Task::ebm ? " samples and density files" : " samples files")
            << " to " << out_dir << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (ss::runner::is_sweep_command(argc, argv)) return ss::runner::sweep_main(argc, argv);
  try {
    return run_main(argc, argv);
  } catch (const ScenarioError& e) {
    std::cerr << "samplescope-run: error: " << printable(e.what()) << "\n";
    return 2;
  } catch (const ResultsWriteError& e) {
    std::cerr << "samplescope-run: error: " << printable(e.what()) << "\n";
    return 2;
  } catch (const BadInput& e) {
    std::cerr << "samplescope-run: error: " << printable(e.what()) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "samplescope-run: internal error: " << printable(e.what()) << "\n";
    return 1;
  } catch (...) {
    std::cerr << "samplescope-run: internal error\n";
    return 1;
  }
}
