// Deadline-bounded waits for the engine tests: a bug in the engine makes a test fail (the
// condition is asserted after the wait) instead of hanging the suite. The deadlines are generous
// (ThreadSanitizer builds on a loaded 2-core machine run the worker 10-50x slower); a passing
// test returns as soon as its condition holds.
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "core/engine/session.h"

namespace ss::testing {

inline constexpr double kWaitSeconds = 120;

/// A point in time `seconds` from now, for loops that poll something other than sync().
inline std::chrono::steady_clock::time_point deadline(double seconds = kWaitSeconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(seconds));
}

/// Calls session.sync() (waits for the worker to apply what was posted) until `done(snapshot)`
/// holds or `seconds` pass, sleeping `poll` between calls; returns the last snapshot.
template <class Done>
std::shared_ptr<const Snapshot> sync_until(
    Session& session, Done done, double seconds = kWaitSeconds,
    std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  const auto end = deadline(seconds);
  std::shared_ptr<const Snapshot> snap = session.sync();
  while (!done(*snap) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(poll);
    snap = session.sync();
  }
  return snap;
}

/// Starts the session and waits (up to `seconds`) until every run has finished; the snapshot is
/// expected to say so.
inline std::shared_ptr<const Snapshot> run_to_end(Session& session, double seconds = kWaitSeconds) {
  session.post(cmd::Start{});
  auto snap = session.wait_finished(seconds);
  EXPECT_TRUE(snap->finished);
  return snap;
}

}  // namespace ss::testing
