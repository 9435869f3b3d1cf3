#include "app/runner/sweep.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "app/install/resource_paths.h"
#include "core/io/files.h"
#include "core/io/sweep.h"

extern char** environ;

namespace ss::runner {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_sweep_signal{0};
extern "C" void on_sweep_signal(int sig) {
  g_sweep_signal.store(sig);
}

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

/// True when `dir` holds a summary.json of a run that reached its end (not interrupted).
bool cell_finished(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "summary.json", ec)) return false;
  try {
    const auto j = nlohmann::json::parse(read_file_text(dir / "summary.json"));
    return j.is_object() && j.value("interrupted", true) == false;
  } catch (const std::exception&) {
    return false;
  }
}

std::string cell_json(const SweepCell& cell, const std::string& sweep_file) {
  nlohmann::ordered_json j;
  j["id"] = cell.id;
  j["index"] = cell.index;
  j["sweep"] = fs::path(sweep_file).filename().string();
  nlohmann::ordered_json axes = nlohmann::ordered_json::object();
  for (const auto& a : cell.assignments) axes[a.axis] = nlohmann::ordered_json::parse(a.value_json);
  j["axes"] = axes;
  return j.dump(2) + "\n";
}

std::string last_lines(const fs::path& file, int n) {
  std::string text;
  try {
    text = read_file_text(file);
  } catch (const std::exception&) {
    return "";
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::size_t start = text.size();
  for (int k = 0; k < n && start > 0; ++k) {
    const std::size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
  }
  if (start < text.size() && text[start] == '\n') ++start;
  return text.substr(start);
}

struct Running {
  pid_t pid;
  std::size_t cell;  // index into the selected cells
  Clock::time_point start;
};

pid_t spawn_cell(const fs::path& exe, const fs::path& dir, int threads) {
  const std::string scenario = (dir / "scenario.json").string(), out = dir.string(),
                    log = (dir / "run.log").string(), threads_text = std::to_string(threads);
  std::vector<std::string> args = {exe.string(), scenario, "--out", out};
  if (threads > 0) args.insert(args.end(), {"--threads", threads_text});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe.string() + ": " + std::strerror(rc));
  return pid;
}

int run_sweep(int argc, char** argv) {
  CLI::App app{"samplescope-run --sweep: run every cell of a sweep file into DIR/<cell id>/"};
  std::string sweep_file, out_dir, shard_text;
  int jobs = 0, threads = -1;
  std::int64_t budget_iterations = 0;
  bool list = false;
  app.add_option("--sweep", sweep_file, "sweep JSON file (docs/scenarios.md)")->required();
  app.add_option("--out", out_dir,
                 "output folder: one sub-folder per cell (required unless --list)");
  app.add_option("--jobs", jobs, "cells at once (0, the default: number of cores)");
  app.add_option("--threads", threads, "inner threads per cell (default 1 when jobs > 1)");
  app.add_option("--shard", shard_text,
                 "run only slice I of N (0 <= I < N): cells with index mod N == I");
  auto* budget_opt =
      app.add_option("--budget-iterations", budget_iterations,
                     "override every cell's budget: this many iterations per method");
  app.add_flag("--list", list, "print the ids of the (shard's) cells and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "samplescope-run: error: " << e.what() << "\n"
              << "usage: samplescope-run --sweep FILE --out DIR [--jobs N] [--threads N] "
                 "[--shard I/N] [--budget-iterations N] [--list]\n";
    return 2;
  }
  if (jobs < 0 || jobs > 1024)
    throw BadInput("--jobs " + std::to_string(jobs) + ": expected 0 (auto) to 1024");
  if (threads < -1 || threads > 1024)
    throw BadInput("--threads " + std::to_string(threads) + ": expected 0 (auto) to 1024");
  if (*budget_opt && (budget_iterations < 1 || budget_iterations > 1000000000000LL))
    throw BadInput("--budget-iterations " + std::to_string(budget_iterations) +
                   ": expected a whole number in [1, 1e12]");
  Shard shard;
  if (!shard_text.empty()) {
    try {
      shard = parse_shard(shard_text);
    } catch (const std::invalid_argument& e) {
      throw BadInput(e.what());
    }
  }

  const std::string sweep_text = [&] {
    try {
      return read_file_text(sweep_file);
    } catch (const std::exception& e) {
      throw SweepError(sweep_file, "", e.what());
    }
  }();
  Sweep sweep = expand_sweep(sweep_text, sweep_file);
  std::vector<SweepCell*> cells;
  for (auto& c : sweep.cells) {
    if (!in_shard(c.index, shard)) continue;
    if (*budget_opt) {
      c.scenario.budget = {BudgetKind::iterations, double(budget_iterations)};
      c.scenario_json = to_json_text(c.scenario);
    }
    cells.push_back(&c);
  }
  if (list) {
    for (const auto* c : cells) std::cout << c->id << "\n";
    return 0;
  }
  if (out_dir.empty()) throw BadInput("--out DIR is required (the folder for the cells)");

  const fs::path out(out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw BadInput("--out " + out_dir + ": cannot create the output folder" +
                   (ec ? ": " + ec.message() : std::string()));
  if (::access(out.c_str(), W_OK) != 0)
    throw BadInput("--out " + out_dir + ": the output folder is not writable");
  const fs::path recorded = out / "sweep.json";
  if (fs::exists(recorded, ec)) {
    if (read_file_text(recorded) != sweep_text)
      throw BadInput("--out " + out_dir + ": holds the results of a different sweep (" +
                     recorded.string() + " differs from " + sweep_file + "); use another folder");
  } else {
    write_file_atomically(recorded, sweep_text);
  }

  // Which cells are finished already; a finished cell must be the same scenario.
  std::vector<std::size_t> pending;
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const fs::path dir = out / cells[i]->id;
    if (cell_finished(dir)) {
      std::string had;
      try {
        had = read_file_text(dir / "scenario.json");
      } catch (const std::exception&) {
      }
      if (had != cells[i]->scenario_json)
        throw BadInput(dir.string() +
                       ": finished with a different scenario.json than the sweep's "
                       "cell (did the sweep file or --budget-iterations change?); remove the "
                       "folder or use another --out");
      ++skipped;
    } else {
      pending.push_back(i);
    }
  }

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int job_count = int(std::max<std::size_t>(
      1, std::min<std::size_t>(jobs > 0 ? jobs : cores, std::max<std::size_t>(1, pending.size()))));
  const int cell_threads = threads >= 0 ? threads : (job_count > 1 ? 1 : 0);
  const fs::path exe = install::executable_path();
  if (exe.empty()) throw std::runtime_error("cannot find this program's path (/proc/self/exe)");

  struct sigaction sa {};
  sa.sa_handler = on_sweep_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::cerr << "samplescope-run: sweep " << sweep_file << ": " << cells.size() << " cells"
            << (shard.count > 1
                    ? " in shard " + shard_text + " of " + std::to_string(sweep.cells.size())
                    : std::string())
            << ", " << skipped << " finished already, " << pending.size() << " to run, "
            << job_count << " at once"
            << (cell_threads > 0 ? ", " + std::to_string(cell_threads) + " thread(s) each" : "")
            << "\n";

  const bool tty = ::isatty(STDERR_FILENO);
  const auto t0 = Clock::now();
  double last_line = -1e9;
  std::vector<Running> running;
  std::vector<std::string> failed;
  std::size_t next = 0, ran = 0, interrupted_cells = 0;
  bool stopping = false;
  auto progress = [&](bool final) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!final && !tty && elapsed - last_line < 5.0) return;
    last_line = elapsed;
    const std::size_t done = skipped + ran;
    const std::size_t remaining = cells.size() - done - failed.size();
    char line[256];
    std::snprintf(
        line, sizeof line,
        "sweep: %zu/%zu cells done (%zu skipped, %zu failed), %zu running, %s elapsed, ETA %s",
        done, cells.size(), skipped, failed.size(), running.size(), duration_text(elapsed).c_str(),
        ran + failed.size() > 0
            ? duration_text(elapsed / double(ran + failed.size()) * double(remaining)).c_str()
            : "-");
    if (tty)
      std::cerr << "\r" << line << "\x1b[K" << (final ? "\n" : "") << std::flush;
    else
      std::cerr << line << "\n";
  };

  while (next < pending.size() || !running.empty()) {
    if (g_sweep_signal.load() && !stopping) {
      stopping = true;
      for (const auto& r : running) ::kill(r.pid, g_sweep_signal.load());
    }
    while (!stopping && next < pending.size() && int(running.size()) < job_count) {
      const SweepCell& cell = *cells[pending[next]];
      const fs::path dir = out / cell.id;
      fs::create_directories(dir);
      fs::remove(dir / "failed.json", ec);
      write_file_atomically(dir / "scenario.json", cell.scenario_json);
      write_file_atomically(dir / "cell.json", cell_json(cell, sweep_file));
      running.push_back({spawn_cell(exe, dir, cell_threads), pending[next], Clock::now()});
      ++next;
    }
    if (stopping && next < pending.size()) next = pending.size();
    bool reaped = false;
    for (std::size_t k = 0; k < running.size();) {
      int status = 0;
      const pid_t r = ::waitpid(running[k].pid, &status, WNOHANG);
      if (r == 0 || (r < 0 && errno == EINTR)) {
        ++k;
        continue;
      }
      reaped = true;
      const SweepCell& cell = *cells[running[k].cell];
      const fs::path dir = out / cell.id;
      const bool exited = r > 0 && WIFEXITED(status);
      const int code = exited ? WEXITSTATUS(status) : -1;
      if (exited && code == 0 && cell_finished(dir)) {
        ++ran;
      } else if (stopping && (code == 130 || (r > 0 && WIFSIGNALED(status)))) {
        ++interrupted_cells;
      } else {
        nlohmann::ordered_json f;
        f["id"] = cell.id;
        if (exited)
          f["exit_status"] = code;
        else if (r > 0 && WIFSIGNALED(status))
          f["signal"] = WTERMSIG(status);
        f["log"] = "run.log";
        f["message"] = last_lines(dir / "run.log", 3);
        write_file_atomically(dir / "failed.json", f.dump(2) + "\n");
        failed.push_back(cell.id);
        const std::string how = exited ? "exit status " + std::to_string(code)
                                : r > 0 && WIFSIGNALED(status)
                                    ? "killed by signal " + std::to_string(WTERMSIG(status))
                                    : std::string("lost");
        const std::string message = f["message"].get<std::string>();
        std::cerr << (tty ? "\r\x1b[K" : "") << "samplescope-run: cell " << cell.id << " failed ("
                  << how << ")" << (message.empty() ? "" : ": " + message) << "\n";
      }
      running.erase(running.begin() + std::ptrdiff_t(k));
    }
    progress(false);
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  progress(true);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  if (stopping) {
    std::cerr << "samplescope-run: interrupted after " << duration_text(elapsed) << ": "
              << skipped + ran << " of " << cells.size()
              << " cells finished; run the same command again to resume (" << interrupted_cells
              << " interrupted cell(s) start over)\n";
    return 130;
  }
  std::cerr << "samplescope-run: sweep finished in " << duration_text(elapsed) << " (" << elapsed
            << " s): ran " << ran << ", skipped " << skipped << ", failed " << failed.size()
            << "; results in " << out_dir << "\n";
  if (!failed.empty()) {
    std::cerr << "samplescope-run: failed cells (see DIR/<id>/run.log; rerunning retries them):";
    for (const auto& f : failed) std::cerr << " " << f;
    std::cerr << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

bool is_sweep_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--sweep") == 0 || std::strncmp(argv[i], "--sweep=", 8) == 0)
      return true;
  return false;
}

int sweep_main(int argc, char** argv) {
  try {
    return run_sweep(argc, argv);
  } catch (const ScenarioError& e) {
    std::cerr << "samplescope-run: error: " << e.what() << "\n";
    return 2;
  } catch (const BadInput& e) {
    std::cerr << "samplescope-run: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "samplescope-run: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ss::runner
