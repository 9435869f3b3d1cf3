#include "core/samplers/chain_window.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ss {

void ChainWindow::configure(Eigen::Index chains, int length, int thin) {
  chains_ = chains;
  thin_ = std::max(1, thin);
  ring_.assign(std::max(1, length), Points::Zero(chains, 2));
  costs_.assign(ring_.size(), 0);
  clear();
}

void ChainWindow::record(const Points& x, std::uint64_t cost) {
  if (ring_.empty() || x.rows() != chains_) return;
  ring_[head_] = x;  // same shape: no allocation
  costs_[head_] = cost;
  head_ = (head_ + 1) % int(ring_.size());
  count_ = std::min(count_ + 1, int(ring_.size()));
  offers_ = 0;
}

void ChainWindow::offer(const Points& x, std::uint64_t cost) {
  if (++offers_ >= thin_) record(x, cost);
}

const Points& ChainWindow::record_back(int k) const {
  const int n = int(ring_.size());
  return ring_[((head_ - 1 - k) % n + n) % n];
}

std::uint64_t ChainWindow::cost_back(int k) const {
  const int n = int(costs_.size());
  return costs_[((head_ - 1 - k) % n + n) % n];
}

void ChainWindow::grow(int length) {
  if (length <= capacity()) return;
  std::vector<Points> ring(length, Points::Zero(chains_, 2));
  std::vector<std::uint64_t> costs(length, 0);
  // Oldest first into slots 0..count−1.
  for (int k = 0; k < count_; ++k) {
    ring[k] = record_back(count_ - 1 - k);
    costs[k] = cost_back(count_ - 1 - k);
  }
  ring_ = std::move(ring);
  costs_ = std::move(costs);
  head_ = count_ % length;
}

void ChainWindow::latest(int n, Points& out) {
  if (chains_ <= 0 || count_ == 0) {
    out.resize(0, 2);
    return;
  }
  if (n <= 0) n = int(chains_);
  const int needed = int((Eigen::Index(n) + chains_ - 1) / chains_);
  grow(needed);
  const Eigen::Index available = Eigen::Index(count_) * chains_;
  const Eigen::Index total = std::min<Eigen::Index>(n, available);
  out.resize(total, 2);
  Eigen::Index row = 0;
  for (int k = 0; k < count_ && row < total; ++k) {
    const Points& rec = record_back(k);
    const Eigen::Index take = std::min<Eigen::Index>(chains_, total - row);
    if (take == chains_) {
      out.middleRows(row, take) = rec;
    } else {
      for (Eigen::Index j = 0; j < take; ++j) out.row(row + j) = rec.row(j * chains_ / take);
    }
    row += take;
  }
}

Eigen::MatrixXd ChainWindow::draws(int coordinate, int max_chains) const {
  const Eigen::Index c = std::min<Eigen::Index>(chains_, std::max(1, max_chains));
  Eigen::MatrixXd d(count_, c);
  for (int t = 0; t < count_; ++t) {
    const Points& rec = record_back(count_ - 1 - t);
    for (Eigen::Index j = 0; j < c; ++j) d(t, j) = rec(j * chains_ / c, coordinate);
  }
  return d;
}

WindowDiagnostics window_diagnostics(const ChainWindow& window, int max_chains) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  WindowDiagnostics out;
  out.records = window.size();
  out.chains = int(std::min<Eigen::Index>(window.chains(), max_chains));
  out.rhat = out.ess_bulk = out.ess_tail = nan;
  if (window.size() >= 2 && window.chains() > 0 &&
      window.cost_back(0) >= window.cost_back(window.size() - 1))
    out.window_cost = double(window.cost_back(0) - window.cost_back(window.size() - 1)) *
                      double(out.chains) / double(window.chains());
  if (window.size() < 4) return out;
  double rh = -std::numeric_limits<double>::infinity();
  double bulk = std::numeric_limits<double>::infinity(), tail = bulk;
  for (int c = 0; c < 2; ++c) {
    const Eigen::MatrixXd d = window.draws(c, max_chains);
    const ChainDiagnostics cd = chain_diagnostics(d);
    // NaN (e.g. a constant coordinate) makes the whole result NaN: std::max/min would hide it.
    if (!std::isfinite(cd.rhat) || !std::isfinite(cd.ess_bulk) || !std::isfinite(cd.ess_tail))
      return out;
    rh = std::max(rh, cd.rhat);
    bulk = std::min(bulk, cd.ess_bulk);
    tail = std::min(tail, cd.ess_tail);
  }
  out.rhat = rh;
  out.ess_bulk = bulk;
  out.ess_tail = tail;
  return out;
}

void append_window_params(ParamTable& table, double default_thin, double default_length) {
  ParamDef thin{"window_thin",
                default_thin,
                1,
                10000,
                "k: one recorded chain state every k moves (the window the metrics, the exported "
                "samples and R-hat/ESS use)",
                true};
  thin.needs_reset = true;
  table.push_back(thin);
  ParamDef length{"window_length",
                  default_length,
                  4,
                  10000,
                  "L: recorded states kept per chain for R-hat/ESS (grown to ⌈ksd_samples/chains⌉ "
                  "when the metrics need more points)",
                  true};
  length.needs_reset = true;
  table.push_back(length);
}

void append_follow_param(ParamTable& table) {
  ParamDef follow{"follow_chain",
                  0,
                  0,
                  99999,
                  "the chain whose proposals slow motion shows (clamped to the chain count)",
                  true};
  table.push_back(follow);
}

int followed_chain(const ParamValues& values, Eigen::Index chains) {
  const auto it = values.find("follow_chain");
  const int c = it == values.end() ? 0 : int(it->second);
  return int(std::clamp<Eigen::Index>(c, 0, std::max<Eigen::Index>(chains - 1, 0)));
}

void configure_window(ChainWindow& window, const ParamValues& values, Eigen::Index chains) {
  window.configure(chains, int(values.at("window_length")), int(values.at("window_thin")));
}

}  // namespace ss
