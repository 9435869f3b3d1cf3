// Interrupt: the one cooperative cancellation mechanism of long computations (issue 19: "every
// long step checks for interruption"). A computation that can run long at the largest settings
// validation allows (flowMC's flow training, the neural samplers' warm-up, the EBM negatives'
// Langevin chains, the grid reference, the i.i.d. baseline) holds a `const Interrupt*` (null:
// never interrupted) and calls check_interrupt() between its inner iterations; when a stop was
// requested that throws Interrupted, which unwinds to whoever started the computation.
//
// Who requests: the engine (core/engine/session.h) when the run being stepped is removed, reset
// or reseeded, a scenario is loaded, or the session stops; and the runner's SIGINT/SIGTERM handler
// (SessionOptions::interrupt). request() is one lock-free atomic store, so a signal handler may
// call it.
//
// What an interrupted computation leaves: each place that checks documents it; for a sampler's
// step() the rule is Sampler::step()'s (core/samplers/sampler.h): the step is abandoned, the
// iteration does not advance and every array stays valid (consistent for display and metrics).
//
// An Interrupt may have a parent: requested() is true when either is, so an engine-wide request
// (the session stops) reaches every step without each step's flag being set, and clearing a
// step's flag never clears the parent's.
#pragma once

#include <atomic>
#include <stdexcept>

namespace ss {

class Interrupt {
 public:
  Interrupt() = default;
  explicit Interrupt(const Interrupt* parent) : parent_(parent) {}
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  /// Asks every computation checking this (or a child of it) to stop. Async-signal-safe.
  void request() noexcept { flag_.store(true, std::memory_order_relaxed); }
  /// Withdraws this object's own request (not the parent's).
  void clear() noexcept { flag_.store(false, std::memory_order_relaxed); }
  /// Whether this object or one of its parents was asked to stop.
  bool requested() const noexcept {
    return flag_.load(std::memory_order_relaxed) || (parent_ && parent_->requested());
  }

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "request() must be signal-safe");
  std::atomic<bool> flag_{false};
  const Interrupt* parent_ = nullptr;
};

/// Thrown by check_interrupt(): a computation stopped because a stop was requested. Not an
/// error: the engine treats it apart from failures (an interrupted step is not a divergence).
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

/// Throws Interrupted when `interrupt` is set and a stop was requested (null: never throws).
inline void check_interrupt(const Interrupt* interrupt) {
  if (interrupt && interrupt->requested()) throw Interrupted();
}

}  // namespace ss
