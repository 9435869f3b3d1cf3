#include "core/engine/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>

#include "core/common/arrays.h"
#include "core/common/error_text.h"
#include "core/ebm/trainer.h"
#include "core/metrics/energy_distance.h"
#include "core/metrics/ksd.h"
#include "core/metrics/mode_coverage.h"
#include "core/samplers/chain_window.h"
#include "core/targets/escape.h"

namespace ss {

Run::Run(RunId id, MethodConfig config, std::uint64_t seed, std::unique_ptr<Sampler> sampler)
    : id_(id), config_(std::move(config)), seed_(seed), sampler_(std::move(sampler)) {}

void Run::restart(std::unique_ptr<Sampler> sampler, std::uint64_t seed) {
  sampler_ = std::move(sampler);
  seed_ = seed;
  status_ = {};
  sampler_seconds_ = metric_seconds_ = 0;
  metric_evaluations_ = 0;
  last_metric_iteration_ = -1;
  curves_.clear();
  mode_fractions_.clear();
  published_evaluation_.reset();
  model_density_.reset();
  model_grid_n_ = 0;
  model_box_ = {};
  model_iteration_ = -1;
  display_cache_.reset();
  display_cache_iteration_ = -1;
  display_time_ = -1e300;
  display_cost_ = 0;
  overlay_cache_.reset();
  overlay_time_ = -1e300;
  overlay_cost_ = 0;
  overlay_iteration_ = -1;
  ips_anchor_seconds_ = iterations_per_second_ = 0;
  ips_anchor_iteration_ = 0;
  step_until.reset();
  last_error.clear();
}

void Run::mark_diverged(std::string reason) {
  status_.diverged = true;
  status_.iteration = sampler_->iteration();
  status_.reason = std::move(reason);
}

double Run::step(tbb::task_arena& arena) {
  if (status_.diverged) return 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::string failure;
  arena.execute([&] {
    try {
      sampler_->step();
    } catch (const Interrupted&) {
      // Abandoned (Sampler::step): the run is about to be removed or restarted, or the session
      // stops; nothing to record.
    } catch (const std::exception& e) {
      failure = error_text(e);
    } catch (...) {
      failure = "unknown exception";
    }
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sampler_seconds_ += seconds;
  if (!failure.empty()) {
    mark_diverged("step failed: " + failure);
    last_error = status_.reason;
  } else if (sampler_->status().diverged) {
    status_ = sampler_->status();
  }
  return seconds;
}

bool Run::check_display(tbb::task_arena& arena) {
  if (status_.diverged) return false;
  std::string reason;
  arena.execute(
      [&] { reason = escape_reason(sampler_->display_samples(), sampler_->target().view_box()); });
  if (!reason.empty()) mark_diverged(std::move(reason));
  return status_.diverged;
}

bool Run::budget_reached(const Budget& budget) const {
  switch (budget.kind) {
    case BudgetKind::iterations:
      return double(iteration()) >= budget.amount;
    case BudgetKind::gradient_evals:
      return double(gradient_evals()) >= budget.amount;
    case BudgetKind::seconds:
      return sampler_seconds_ >= budget.amount;
  }
  return true;
}

double Run::budget_fraction(const Budget& budget) const {
  double used = 0;
  switch (budget.kind) {
    case BudgetKind::iterations:
      used = double(iteration());
      break;
    case BudgetKind::gradient_evals:
      used = double(gradient_evals());
      break;
    case BudgetKind::seconds:
      used = sampler_seconds_;
      break;
  }
  return budget.amount > 0 ? std::min(1.0, std::max(0.0, used / budget.amount)) : 1.0;
}

bool Run::metric_due(const MetricSettings& settings, const Budget& budget) const {
  if (status_.diverged || iteration() == last_metric_iteration_) return false;
  return iteration() % std::max(1, settings.every) == 0 || budget_reached(budget);
}

void Run::record(const std::string& name, double value, int max_curve_points) {
  CurveData& c = curves_[name];
  last_pass_.values.emplace_back(name, value);
  if (append_decimated(c.points, {iteration(), gradient_evals(), sampler_seconds_, value},
                       max_curve_points, c.thinning))
    c.publisher.invalidate();
  c.dirty = true;
}

void Run::record_chain_diagnostics(const ChainWindow& window, int max_curve_points) {
  // Split R-hat and bulk/tail ESS on the window of recent chain states (undefined, so not
  // recorded, before the window holds 4 records); ESS per gradient evaluation = bulk ESS / the
  // target work spent across the window by the chains the diagnostics used.
  const WindowDiagnostics d = window_diagnostics(window);
  if (std::isfinite(d.rhat)) record("rhat", d.rhat, max_curve_points);
  if (std::isfinite(d.ess_tail)) record("ess_tail", d.ess_tail, max_curve_points);
  if (std::isfinite(d.ess_bulk)) {
    record("ess_bulk", d.ess_bulk, max_curve_points);
    if (d.window_cost > 0) record("ess_per_grad", d.ess_bulk / d.window_cost, max_curve_points);
  }
}

void Run::metric_pass(const MetricContext& ctx, tbb::task_arena& arena) {
  if (status_.diverged) return;
  const auto t0 = std::chrono::steady_clock::now();
  last_metric_iteration_ = iteration();
  last_pass_.iteration = iteration();
  last_pass_.gradient_evals = gradient_evals();
  last_pass_.wall_seconds = sampler_seconds_;
  last_pass_.values.clear();
  const MetricSettings& settings = *ctx.settings;
  std::string failure, escaped;
  bool custom = false;
  arena.execute([&] {
    try {
      custom_values_.clear();
      if (sampler_->custom_metrics(custom_values_)) {
        // A method of another task: its own metrics, and its samples checked and published.
        // No samples is not a failure here: the metrics are the model's, and a negative sampler
        // may have none before its first draw (short-run chains from noise).
        custom = true;
        // The method found itself diverged (an EBM that blew up): nothing of this pass is
        // recorded, the curves and the density stay those of the last good pass.
        if (sampler_->status().diverged) return;
        sampler_->evaluation_samples(settings.ksd_samples, evaluation_samples_);
        escaped =
            escape_reason(evaluation_samples_, sampler_->target().view_box(), "evaluation sample");
        if (!escaped.empty()) return;
        const int mp = ctx.max_curve_points;
        std::set<std::string> names;
        for (const auto& [name, value] : custom_values_)
          if (names.insert(name).second) record(name, value, mp);
        for (const auto& [name, value] : sampler_->statistics())
          if (names.insert(name).second) record(name, value, mp);
        if (const auto* trainer = dynamic_cast<const EbmTrainer*>(sampler_.get())) {
          const std::vector<double>& grid = trainer->log_density_grid();
          if (!grid.empty()) {
            model_density_ = std::make_shared<const std::vector<float>>(grid.begin(), grid.end());
            model_grid_n_ = trainer->problem().grid_n;
            model_box_ = trainer->problem().box;
            model_iteration_ = iteration();
          }
        }
        return;
      }
      sampler_->evaluation_samples(settings.ksd_samples, evaluation_samples_);
      escaped =
          evaluation_samples_.rows() == 0
              ? "the sampler returned no evaluation samples"
              : escape_reason(evaluation_samples_, ctx.target->view_box(), "evaluation sample");
      if (!escaped.empty()) return;
      const int mp = ctx.max_curve_points;
      ctx.target->evaluate(evaluation_samples_, nullptr, &evaluation_scores_, nullptr);
      const KsdStatistics ksd = ksd_imq(evaluation_samples_, evaluation_scores_);
      record("ksd2_imq", ksd.v, mp);
      record("ksd2_imq_u", ksd.u, mp);
      if (std::isfinite(ctx.ksd2_iid_mean)) record("ksd2_imq_iid", ctx.ksd2_iid_mean, mp);
      if (std::isfinite(ctx.ksd2_u_iid_rms)) record("ksd2_imq_u_iid", ctx.ksd2_u_iid_rms, mp);
      if (settings.energy_distance && ctx.reference_samples && ctx.reference_samples->rows() > 0)
        record("energy_distance", energy_distance(evaluation_samples_, *ctx.reference_samples), mp);
      if (settings.mode_coverage && ctx.reference) {
        ModeCoverage coverage = mode_coverage(*ctx.reference, evaluation_samples_);
        mode_fractions_ = std::move(coverage.sample_fraction);
        record("mode_tv", coverage.total_variation, mp);
        record("modes_missed", double(coverage.modes_missed), mp);
        // Per-mode masses, numbered like the app's mode badges and bars (1-based region order).
        if (mode_fractions_.size() > 1)
          for (size_t k = 0; k < mode_fractions_.size(); ++k)
            record("mode_mass_" + std::to_string(k + 1), mode_fractions_[k], mp);
      }
      for (const auto& [name, value] : sampler_->statistics()) record(name, value, mp);
      if (const ChainWindow* window = sampler_->chain_window())
        record_chain_diagnostics(*window, mp);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) {
    last_error = "metric pass failed at iteration " + std::to_string(iteration()) + ": " + failure;
  } else if (custom && sampler_->status().diverged) {
    // e.g. an EBM whose normalizer on the grid is no longer finite.
    status_ = sampler_->status();
  } else if (!escaped.empty()) {
    mark_diverged(std::move(escaped));
  } else if (!custom || evaluation_samples_.rows() > 0) {
    published_evaluation_ = std::make_shared<const Points>(evaluation_samples_);
  }
  std::sort(last_pass_.values.begin(), last_pass_.values.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  metric_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++metric_evaluations_;
}

namespace {

// Seconds past due of a view refresh (see Run::display_overdue): +inf when never made, −inf when
// current, max() when the run is not advancing (make it now), else now − (last + interval) with the
// interval stretched so the view costs at most `fraction` of wall time.
double view_overdue_by(bool made, bool current, bool advancing, double now, double last_time,
                       double cost, double interval, double fraction) {
  if (!made) return std::numeric_limits<double>::infinity();
  if (current) return -std::numeric_limits<double>::infinity();
  if (!advancing) return std::numeric_limits<double>::max();
  const double wait = fraction > 0 ? std::max(interval, cost / fraction) : interval;
  return now - (last_time + wait);
}

}  // namespace

double Run::display_overdue(double now, bool advancing, const ViewSettings& v) const {
  return view_overdue_by(bool(display_cache_), display_cache_iteration_ == iteration(), advancing,
                         now, display_time_, display_cost_, v.display_interval,
                         v.view_time_fraction);
}

double Run::overlay_overdue(double now, bool advancing, const ViewSettings& v) const {
  return view_overdue_by(bool(overlay_cache_), overlay_iteration_ == iteration(), advancing, now,
                         overlay_time_, overlay_cost_, v.overlay_interval, v.view_time_fraction);
}

double Run::view_overdue(double now, bool advancing, const ViewSettings& v) const {
  return std::max(display_overdue(now, advancing, v), overlay_overdue(now, advancing, v));
}

double Run::refresh_view(double now, bool advancing, const ViewSettings& v, tbb::task_arena& arena,
                         bool& diverged_now) {
  diverged_now = false;
  const double display_due = display_overdue(now, advancing, v);
  const double overlay_due = overlay_overdue(now, advancing, v);
  if (display_due < 0 && overlay_due < 0) return 0;
  const auto t0 = std::chrono::steady_clock::now();
  if (display_due >= overlay_due) {
    std::shared_ptr<Points> view;
    std::string escaped;
    arena.execute([&] {
      const Points& all = sampler_->display_samples();
      escaped = escape_reason(all, sampler_->target().view_box());
      view = std::make_shared<Points>();
      strided_rows(all, std::max(1, v.display_points), *view);
    });
    display_cache_ = std::move(view);
    display_cache_iteration_ = iteration();
    display_time_ = now;
    display_cost_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!escaped.empty() && !status_.diverged) {
      mark_diverged(std::move(escaped));
      diverged_now = true;
    }
    return display_cost_;
  }
  auto overlay = std::make_shared<SamplerOverlay>();
  arena.execute([&] {
    try {
      sampler_->fill_overlay(*overlay);
    } catch (const std::exception& e) {
      last_error = std::string("overlay failed: ") + e.what();
    }
  });
  overlay_cache_ = std::move(overlay);
  overlay_time_ = now;
  overlay_iteration_ = iteration();
  overlay_cost_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return overlay_cost_;
}

void Run::fill_snapshot(RunSnapshot& out, RunState state, const Budget& budget) {
  static const auto kNoPoints = std::make_shared<const Points>(0, 2);
  static const auto kNoOverlay = std::make_shared<const SamplerOverlay>();
  out.id = id_;
  out.label = config_.label;
  out.kind = config_.kind;
  out.enabled = config_.enabled;
  out.held = held;
  out.state = state;
  out.params = sampler_->params();
  out.seed = seed_;
  out.status = status_;
  out.iteration = iteration();
  out.counters = sampler_->counters();
  out.sampler_seconds = sampler_seconds_;
  out.metric_seconds = metric_seconds_;
  out.metric_evaluations = metric_evaluations_;
  out.budget_fraction = budget_fraction(budget);

  // Iterations per second over a window of at least 0.5 s of sampler time.
  if (sampler_seconds_ - ips_anchor_seconds_ >= 0.5) {
    iterations_per_second_ =
        double(iteration() - ips_anchor_iteration_) / (sampler_seconds_ - ips_anchor_seconds_);
    ips_anchor_seconds_ = sampler_seconds_;
    ips_anchor_iteration_ = iteration();
  } else if (iterations_per_second_ == 0 && sampler_seconds_ > 0) {
    iterations_per_second_ = double(iteration()) / sampler_seconds_;
  }
  out.iterations_per_second = iterations_per_second_;

  out.display_samples = display_cache_ ? display_cache_ : kNoPoints;
  out.display_iteration = display_cache_ ? display_cache_iteration_ : -1;
  out.overlay = overlay_cache_ ? overlay_cache_ : kNoOverlay;
  out.evaluation_samples = published_evaluation_;

  out.curves.clear();
  out.latest.clear();
  out.latest.reserve(curves_.size());
  for (auto& [name, data] : curves_) {
    if (data.dirty || !data.published) {
      data.published = std::make_shared<const Curve>(data.publisher.publish(data.points));
      data.dirty = false;
    }
    out.curves.emplace_hint(out.curves.end(), name, data.published);
    if (!data.points.empty()) out.latest.emplace_back(name, data.points.back().value);
  }
  out.mode_fractions = mode_fractions_;
  out.model_log_density = model_density_;
  out.model_grid_n = model_grid_n_;
  out.model_box = model_box_;
  out.model_iteration = model_iteration_;
  out.state_target = state_target;
  out.last_error = last_error;
}

}  // namespace ss
