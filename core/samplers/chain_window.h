// ChainWindow: a thinned window of recent chain states, kept by every chain method (ULA, MALA,
// flowMC, RWMH, adaptive MH, HMC, NUTS). It serves three readers:
//   - the metric pass and the runner's samples_<label>.csv: the newest n points of the window
//     (n = metrics.ksd_samples), not only the m current states — whole recorded states newest
//     first, the oldest one used contributing an evenly strided subset of its chains;
//   - the live chain diagnostics (split R-hat, bulk/tail ESS; core/metrics/chain_diagnostics) on
//     every recorded state of the window (iterations × chains, at most 1000 chains evenly strided);
//   - "ESS per gradient evaluation": the target work spent between the oldest and the newest
//     recorded state (each recorded state carries the sampler's cost counter when it was taken).
//
// Thinning: offer() is called once per chain move (one step of every chain); every `thin`-th call
// records. The window keeps the last `length` records, grown on demand to ⌈n/m⌉ when the metric
// pass asks for more points than that (grow() allocates; offer() never does).
//
// Knobs (appended to each chain method's table by append_window_params): window_thin (k, default
// 5), window_length (L records, default 40).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "core/common/params.h"
#include "core/common/types.h"
#include "core/metrics/chain_diagnostics.h"

namespace ss {

class ChainWindow {
 public:
  /// m chains, `length` records kept, one record every `thin` offers. Clears the window.
  void configure(Eigen::Index chains, int length, int thin);
  /// One chain move happened: records x (m×2, the same m as configured) every thin-th call, with
  /// the sampler's cost counter `cost` (gradient evaluations). No allocation.
  void offer(const Points& x, std::uint64_t cost);
  /// Records x unconditionally (e.g. the initial states) and restarts the thinning count.
  void record(const Points& x, std::uint64_t cost);
  /// Makes room for at least `length` records, keeping the content (allocates).
  void grow(int length);
  void clear() { count_ = head_ = offers_ = 0; }

  int size() const { return count_; }
  int capacity() const { return int(ring_.size()); }
  int thin() const { return thin_; }
  Eigen::Index chains() const { return chains_; }
  /// The k-th most recent record (0 = newest; k < size()).
  const Points& record_back(int k) const;
  std::uint64_t cost_back(int k) const;

  /// The newest n points (see the file comment); all points when the window holds fewer. Grows
  /// the window first so that it can hold n points once enough records are made.
  void latest(int n, Points& out);
  /// Draws of one coordinate over the whole window, oldest record first: size() × c matrix, c =
  /// min(chains, max_chains) evenly strided chains.
  Eigen::MatrixXd draws(int coordinate, int max_chains = 1000) const;

 private:
  std::vector<Points> ring_;
  std::vector<std::uint64_t> costs_;
  Eigen::Index chains_ = 0;
  int thin_ = 1, count_ = 0, head_ = 0;
  std::int64_t offers_ = 0;
};

/// Diagnostics of a window: the worse coordinate's split R-hat and bulk/tail ESS, and the target
/// work spent across the window (cost of the newest minus the oldest record). NaN where the
/// diagnostics are undefined (fewer than 4 records, constant draws).
struct WindowDiagnostics {
  double rhat = 0, ess_bulk = 0, ess_tail = 0;
  /// Target work (EvalCounters::cost) between the oldest and newest record, scaled to the chains
  /// the diagnostics used (chains/m of the total).
  double window_cost = 0;
  int records = 0, chains = 0;
};
WindowDiagnostics window_diagnostics(const ChainWindow& window, int max_chains = 1000);

/// Appends window_thin and window_length to a chain method's table.
void append_window_params(ParamTable& table, double default_thin = 5, double default_length = 40);
/// Appends follow_chain (the chain the slow motion follows; ProposalTrace::chain).
void append_follow_param(ParamTable& table);
/// follow_chain clamped to [0, chains − 1].
int followed_chain(const ParamValues& values, Eigen::Index chains);

/// Configures `window` from those knobs for m chains.
void configure_window(ChainWindow& window, const ParamValues& values, Eigen::Index chains);

}  // namespace ss
