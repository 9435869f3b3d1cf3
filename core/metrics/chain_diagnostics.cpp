#include "core/metrics/chain_diagnostics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

namespace ss {
namespace {

using Matrix = Eigen::MatrixXd;

bool any_non_finite(const Matrix& x) {
  return !x.allFinite();
}

// posterior's is_constant(): |max − min| < machine epsilon (absolute).
bool is_constant(const Matrix& x) {
  return x.size() == 0 || std::abs(x.maxCoeff() - x.minCoeff()) < DBL_EPSILON;
}

bool should_return_nan(const Matrix& x) {
  return any_non_finite(x) || is_constant(x);
}

// Each chain's first ⌊n/2⌋ and last ⌊n/2⌋ draws become two chains (odd n drops the middle draw).
Matrix split_chains(const Matrix& x) {
  const Eigen::Index n = x.rows(), m = x.cols();
  if (n < 2) return x;
  const Eigen::Index half = n / 2;
  Matrix s(half, 2 * m);
  s.leftCols(m) = x.topRows(half);
  s.rightCols(m) = x.bottomRows(half);
  return s;
}

// Ranks of all entries (1-based, ties get the average rank), same shape as x.
Matrix ranks(const Matrix& x) {
  const Eigen::Index total = x.size();
  std::vector<std::pair<double, Eigen::Index>> sorted(static_cast<size_t>(total));
  for (Eigen::Index i = 0; i < total; ++i) sorted[i] = {x.data()[i], i};
  std::sort(sorted.begin(), sorted.end());
  Matrix r(x.rows(), x.cols());
  double* out = r.data();
  for (Eigen::Index i = 0; i < total;) {
    Eigen::Index j = i;
    while (j + 1 < total && sorted[j + 1].first == sorted[i].first) ++j;
    const double average = 0.5 * static_cast<double>(i + j) + 1.0;  // ranks i+1 .. j+1
    for (Eigen::Index k = i; k <= j; ++k) out[sorted[k].second] = average;
    i = j + 1;
  }
  return r;
}

// Rank normalization z = Φ⁻¹((r − 3/8)/(S + 1/4)).
Matrix z_scale(const Matrix& x) {
  Matrix z = ranks(x);
  const double denominator = static_cast<double>(x.size()) + 0.25;
  double* v = z.data();
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, z.size(), 4096),
                    [&](const tbb::blocked_range<Eigen::Index>& r) {
                      for (Eigen::Index i = r.begin(); i != r.end(); ++i)
                        v[i] = normal_quantile((v[i] - 0.375) / denominator);
                    });
  return z;
}

double median_of(const Matrix& x) {
  std::vector<double> v(x.data(), x.data() + x.size());
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + mid));
  return m;
}

Matrix fold(const Matrix& x) {
  return (x.array() - median_of(x)).abs().matrix();
}

// R's default (type 7) quantile over all entries (selection, no full sort).
double quantile_type7(const Matrix& x, double prob) {
  std::vector<double> v(x.data(), x.data() + x.size());
  const double h = (static_cast<double>(v.size()) - 1.0) * prob;
  const size_t lo = static_cast<size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  const double low = v[lo];
  if (lo + 1 >= v.size()) return low;
  const double high = *std::min_element(v.begin() + lo + 1, v.end());
  return low + (h - static_cast<double>(lo)) * (high - low);
}

double sample_variance(const Eigen::VectorXd& v) {
  const double mean = v.mean();
  return (v.array() - mean).square().sum() / static_cast<double>(v.size() - 1);
}

// posterior's .rhat() on already split / normalized draws.
double rhat_of(const Matrix& x) {
  if (should_return_nan(x)) return kNaN;
  const Eigen::Index n = x.rows(), m = x.cols();
  if (n < 2 || m < 2) return kNaN;
  Eigen::VectorXd means(m), vars(m);
  for (Eigen::Index c = 0; c < m; ++c) {
    means(c) = x.col(c).mean();
    vars(c) = sample_variance(x.col(c));
  }
  const double dn = static_cast<double>(n);
  const double between = dn * sample_variance(means), within = vars.mean();
  return std::sqrt((between / within + dn - 1.0) / dn);
}

// posterior's .ess() on already split / normalized draws (Geyer initial positive + monotone).
double ess_of(const Matrix& x) {
  const Eigen::Index n = x.rows(), m = x.cols();
  if (n < 3 || should_return_nan(x)) return kNaN;
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  Matrix centred = x;
  Eigen::VectorXd means(m);
  for (Eigen::Index c = 0; c < m; ++c) {
    means(c) = x.col(c).mean();
    centred.col(c).array() -= means(c);
  }
  // Mean over chains of the biased autocovariance at lag t: (1/n) Σ_i x̃_i x̃_{i+t}.
  auto acov_mean = [&](Eigen::Index t) {
    double total = 0.0;
    for (Eigen::Index c = 0; c < m; ++c)
      total += centred.col(c).head(n - t).dot(centred.col(c).tail(n - t));
    return total / (dn * dm);
  };
  const double mean_var = acov_mean(0) * dn / (dn - 1.0);
  double var_plus = mean_var * (dn - 1.0) / dn;
  if (m > 1) var_plus += sample_variance(means);

  std::vector<double> rho(static_cast<size_t>(n), 0.0);
  Eigen::Index t = 0;
  double even = 1.0;
  rho[0] = even;
  double odd = 1.0 - (mean_var - acov_mean(1)) / var_plus;
  rho[1] = odd;
  while (t < n - 5 && !std::isnan(even + odd) && even + odd > 0) {
    t += 2;
    even = 1.0 - (mean_var - acov_mean(t)) / var_plus;
    odd = 1.0 - (mean_var - acov_mean(t + 1)) / var_plus;
    if (even + odd >= 0) {
      rho[t] = even;
      rho[t + 1] = odd;
    }
  }
  const Eigen::Index max_t = t;
  if (even > 0) rho[max_t] = even;  // used by the improved truncation below
  t = 0;
  while (t <= max_t - 4) {
    t += 2;
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = 0.5 * (rho[t - 2] + rho[t - 1]);
      rho[t + 1] = rho[t];
    }
  }
  const double draws = dn * dm;
  double tau = -1.0 + rho[max_t];
  for (Eigen::Index k = 0; k < max_t; ++k) tau += 2.0 * rho[k];
  tau = std::max(tau, 1.0 / std::log10(draws));
  return draws / tau;
}

void check_draws(const Matrix& draws, const char* function) {
  if (draws.rows() == 0 || draws.cols() == 0)
    throw std::invalid_argument(std::string(function) + ": draws: empty matrix");
}

}  // namespace

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  // Work in the lower tail: q = min(p, 1 − p) (1 − p is exact for p ≥ ½), z ≤ 0.
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;
  // Start: Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4).
  const double t = std::sqrt(-2.0 * std::log(q));
  double z = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  // Halley steps on Φ(z) − q with Φ(z) = ½ erfc(−z/√2), accurate for z ≤ 0.
  const double sqrt_2pi = 2.5066282746310002;
  for (int iteration = 0; iteration < 2; ++iteration) {  // cubic: 4.5e-4 → 1e-10 → ulp
    const double e = 0.5 * std::erfc(-z / std::sqrt(2.0)) - q;
    const double u = e * sqrt_2pi * std::exp(0.5 * z * z);
    z -= u / (1.0 + 0.5 * z * u);
  }
  return upper ? -z : z;
}

double rhat_basic(const Eigen::MatrixXd& draws, bool split) {
  check_draws(draws, "rhat_basic");
  return rhat_of(split ? split_chains(draws) : draws);
}

double rhat(const Eigen::MatrixXd& draws) {
  check_draws(draws, "rhat");
  if (any_non_finite(draws)) return kNaN;
  const double bulk = rhat_of(z_scale(split_chains(draws)));
  const double tail = rhat_of(z_scale(split_chains(fold(draws))));
  if (std::isnan(bulk) || std::isnan(tail)) return kNaN;
  return std::max(bulk, tail);
}

double ess_basic(const Eigen::MatrixXd& draws, bool split) {
  check_draws(draws, "ess_basic");
  return ess_of(split ? split_chains(draws) : draws);
}

double ess_bulk(const Eigen::MatrixXd& draws) {
  check_draws(draws, "ess_bulk");
  if (any_non_finite(draws)) return kNaN;
  return ess_of(z_scale(split_chains(draws)));
}

double ess_quantile(const Eigen::MatrixXd& draws, double prob) {
  check_draws(draws, "ess_quantile");
  if (!(prob >= 0.0 && prob <= 1.0))
    throw std::invalid_argument("ess_quantile: prob: must lie in [0, 1]");
  if (should_return_nan(draws)) return kNaN;
  if (prob == 1.0) {
    const double len = static_cast<double>(draws.size());
    prob = (len - 0.5) / len;
  }
  const double q = quantile_type7(draws, prob);
  const Matrix indicator = (draws.array() <= q).cast<double>().matrix();
  return ess_of(split_chains(indicator));
}

double ess_tail(const Eigen::MatrixXd& draws) {
  const double q05 = ess_quantile(draws, 0.05), q95 = ess_quantile(draws, 0.95);
  if (std::isnan(q05) || std::isnan(q95)) return kNaN;
  return std::min(q05, q95);
}

ChainDiagnostics chain_diagnostics(const Eigen::MatrixXd& draws) {
  check_draws(draws, "chain_diagnostics");
  if (any_non_finite(draws)) return {kNaN, kNaN, kNaN};
  // Same values as rhat(), ess_bulk(), ess_tail(), sharing z(split x) and running in parallel.
  double bulk_rhat = kNaN, tail_rhat = kNaN, bulk_ess = kNaN, tail_ess = kNaN;
  tbb::parallel_invoke(
      [&] {
        const Matrix z = z_scale(split_chains(draws));
        bulk_rhat = rhat_of(z);
        bulk_ess = ess_of(z);
      },
      [&] { tail_rhat = rhat_of(z_scale(split_chains(fold(draws)))); },
      [&] { tail_ess = ess_tail(draws); });
  ChainDiagnostics r;
  r.rhat = (std::isnan(bulk_rhat) || std::isnan(tail_rhat)) ? kNaN : std::max(bulk_rhat, tail_rhat);
  r.ess_bulk = bulk_ess;
  r.ess_tail = tail_ess;
  return r;
}

Eigen::MatrixXd coordinate_draws(const std::vector<Points>& states, int coordinate) {
  if (coordinate != 0 && coordinate != 1)
    throw std::invalid_argument("coordinate_draws: coordinate: must be 0 (x) or 1 (y)");
  if (states.empty()) throw std::invalid_argument("coordinate_draws: states: no iterations");
  const Eigen::Index chains = states.front().rows();
  Eigen::MatrixXd d(static_cast<Eigen::Index>(states.size()), chains);
  for (size_t t = 0; t < states.size(); ++t) {
    if (states[t].rows() != chains)
      throw std::invalid_argument("coordinate_draws: states: iteration " + std::to_string(t) +
                                  " has " + std::to_string(states[t].rows()) +
                                  " chains, expected " + std::to_string(chains));
    d.row(static_cast<Eigen::Index>(t)) = states[t].col(coordinate).transpose();
  }
  return d;
}

ChainDiagnostics2D chain_diagnostics(const std::vector<Points>& states) {
  ChainDiagnostics2D r;
  r.x = chain_diagnostics(coordinate_draws(states, 0));
  r.y = chain_diagnostics(coordinate_draws(states, 1));
  // NaN-propagating worst case: a NaN in either coordinate makes the summary NaN.
  auto worst = [](double a, double b, bool take_max) {
    if (std::isnan(a) || std::isnan(b)) return kNaN;
    return take_max ? std::max(a, b) : std::min(a, b);
  };
  r.max_rhat = worst(r.x.rhat, r.y.rhat, true);
  r.min_ess_bulk = worst(r.x.ess_bulk, r.y.ess_bulk, false);
  r.min_ess_tail = worst(r.x.ess_tail, r.y.ess_tail, false);
  return r;
}

void AcceptanceCounter::record(std::uint64_t accepted, std::uint64_t proposed) {
  if (accepted > proposed)
    throw std::invalid_argument("AcceptanceCounter::record: accepted: more than proposed");
  accepted_ += accepted;
  proposed_ += proposed;
  window_accepted_ += accepted;
  window_proposed_ += proposed;
}

double AcceptanceCounter::rate() const {
  return proposed_ ? static_cast<double>(accepted_) / static_cast<double>(proposed_) : kNaN;
}

double AcceptanceCounter::window_rate() const {
  return window_proposed_ ? static_cast<double>(window_accepted_) / window_proposed_ : kNaN;
}

}  // namespace ss
