#include "core/metrics/iid_baseline.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/common/rng.h"
#include "core/metrics/energy_distance.h"
#include "core/metrics/ksd.h"
#include "core/metrics/mode_coverage.h"

namespace ss {
namespace {

void check_sizes(int n, int repeats, const char* function) {
  if (n < 1) throw std::invalid_argument(std::string(function) + ": n: must be ≥ 1");
  if (repeats < 1) throw std::invalid_argument(std::string(function) + ": repeats: must be ≥ 1");
}

IidBaseline summarize(std::vector<double> values, int n) {
  IidBaseline b;
  b.n = n;
  double sum = 0.0;
  for (double v : values) sum += v;
  b.mean = sum / static_cast<double>(values.size());
  double squares = 0.0;
  for (double v : values) squares += v * v;
  b.rms = std::sqrt(squares / static_cast<double>(values.size()));
  if (values.size() > 1) {
    double sq = 0.0;
    for (double v : values) sq += (v - b.mean) * (v - b.mean);
    b.stddev = std::sqrt(sq / static_cast<double>(values.size() - 1));
  }
  b.values = std::move(values);
  return b;
}

}  // namespace

IidBaseline iid_baseline(const GridReference& reference, int n, int repeats, std::uint64_t seed,
                         const std::function<double(const Points&, const Points&)>& metric,
                         const Interrupt* interrupt) {
  check_sizes(n, repeats, "iid_baseline");
  std::vector<double> values;
  Points x, scores;
  for (int r = 0; r < repeats; ++r) {
    check_interrupt(interrupt);
    Rng rng(derive_seed(seed, static_cast<std::uint64_t>(r)));
    reference.sample(n, rng, x);
    reference.target().evaluate(x, nullptr, &scores, nullptr);
    values.push_back(metric(x, scores));
  }
  return summarize(std::move(values), n);
}

IidBaseline ksd2_imq_iid_baseline(const GridReference& reference, int n, int repeats,
                                  std::uint64_t seed) {
  return iid_baseline(reference, n, repeats, seed,
                      [](const Points& x, const Points& s) { return ksd2_imq(x, s); });
}

KsdIidBaselines ksd_imq_iid_baselines(const GridReference& reference, int n, int repeats,
                                      std::uint64_t seed, const Interrupt* interrupt) {
  if (n < 2) throw std::invalid_argument("ksd_imq_iid_baselines: n: must be ≥ 2");
  std::vector<double> u;
  IidBaseline v = iid_baseline(
      reference, n, repeats, seed,
      [&](const Points& x, const Points& s) {
        const KsdStatistics k = ksd_imq(x, s);
        u.push_back(k.u);
        return k.v;
      },
      interrupt);
  return {std::move(v), summarize(std::move(u), n)};
}

IidBaseline energy_distance_iid_baseline(const GridReference& reference, int n, int m, int repeats,
                                         std::uint64_t seed) {
  check_sizes(n, repeats, "energy_distance_iid_baseline");
  if (m < 1) throw std::invalid_argument("energy_distance_iid_baseline: m: must be ≥ 1");
  std::vector<double> values;
  Points x, y;
  for (int r = 0; r < repeats; ++r) {
    Rng rng(derive_seed(seed, static_cast<std::uint64_t>(r)));
    reference.sample(n, rng, x);
    reference.sample(m, rng, y);
    values.push_back(energy_distance(x, y));
  }
  return summarize(std::move(values), n);
}

IidBaseline mode_tv_iid_baseline(const GridReference& reference, int n, int repeats,
                                 std::uint64_t seed) {
  check_sizes(n, repeats, "mode_tv_iid_baseline");
  std::vector<double> values;
  Points x;
  for (int r = 0; r < repeats; ++r) {
    Rng rng(derive_seed(seed, static_cast<std::uint64_t>(r)));
    reference.sample(n, rng, x);
    values.push_back(mode_coverage(reference, x).total_variation);
  }
  return summarize(std::move(values), n);
}

double rbf_bandwidth_for_reference(const GridReference& reference, std::uint64_t seed) {
  Rng rng(seed);
  Points x;
  reference.sample(1000, rng, x);
  return rbf_bandwidth_from_samples(x, 1000);
}

}  // namespace ss
