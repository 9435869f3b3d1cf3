// Experiments for DFT (issue 14): the seed claim of the DFT paper (a one-step DFT sampler against
// SVGD run for 200 steps, on donut and rosenbrock, equal sample counts, several seeds), a sweep of
// DFT configurations over the built-in targets (how the defaults were chosen, docs/methods.md),
// and one method alone for tuning.
//
//   dft_vs_svgd --out DIR [--seeds 3] [--n 1000] [--dft-iters 3000]       the seed claim
//   dft_vs_svgd --sweep --out DIR [--targets a,b,...] [--seeds 3] [--iters 3000] [--every 250]
//               [--n 1000] [--config NAME:k=v,k=v ...] [--final-draws 10] the sweep
//   dft_vs_svgd --single KIND --target T [--iters N] [--every M] [--seed S] [--set k=v]...
//               [--final-draws K]   K more evaluation sets of the final sampler (same weights):
//                                   each one's ratios, then their min / median / max — the
//                                   metrics' own spread at n for one trained sampler
//
// Metrics (every method, every checkpoint, on n fresh evaluation samples — DFT: n latents, one
// network pass; SVGD: its n particles): energy distance to 5000 grid-reference draws (`ed`), the
// IMQ KSD² V- and U-statistics (`ksd_v`, `ksd_u`, core/metrics/ksd.h), mode coverage (`mode_tv`
// and `min_mode_ratio` = min over mode regions of sample fraction / true mass), the sample mean.
// Their i.i.d. lines at the same n from the grid reference (core/metrics/iid_baseline.h, 10 draws):
// `ed_iid` (mean of energy_distance_iid_baseline with m = 5000), `ksd_v_iid` (mean),
// `ksd_u_iid` (root mean square of the U-statistic, its typical size for exact samples).
//
// Outputs.
//  Seed claim, in DIR: claim_runs.csv (one row per method × seed × checkpoint; columns below),
//   claim_summary.csv (per target × method: mean ± sd over seeds of the final metrics and their
//   ratios to the i.i.d. lines, training seconds, sampling seconds per 1000 points),
//   samples_<target>_<method>.csv (seed 0), comparison.png (rows: targets; columns: i.i.d.
//   reference, DFT, SVGD-200 from N(0, I), SVGD-200 from a uniform start).
//  Sweep, in DIR: sweep_runs.csv (same columns as claim_runs.csv, `method` = config name),
//   sweep_summary.csv (per config × target, over seeds: final ed/ed_iid and ksd_u/ksd_u_iid (mean
//   and max), min_mode_ratio (min), mean_x1, the first checkpoint at which ed ≤ 3 ed_iid and
//   ksd_u ≤ 3 ksd_u_iid hold together (`reach_iteration`, `reach_seconds`: max over seeds, −1 if
//   some seed never did), seconds per iteration, and — the acceptance tests' measurement (session 9
//   of issue 14) — per seed the mean ratio over K = --final-draws fresh evaluation sets of n of the
//   final sampler, then its mean and max over seeds (`ed_sets_ratio_mean`, `ed_sets_ratio_max`,
//   `ksd_u_sets_ratio_mean`, `ksd_u_sets_ratio_max`; one set's ratio is too noisy for a 3×
//   criterion)), sweep_<config>.png (final samples of seed 0).
//  Run columns: target,method,seed,iteration,sampler_seconds,gradient_evals,ed,ed_iid,ksd_v,
//   ksd_v_iid,ksd_u,ksd_u_iid,mode_tv,min_mode_ratio,mean_x1,mean_x2,status.
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include "core/metrics/energy_distance.h"
#include "core/metrics/iid_baseline.h"
#include "core/metrics/ksd.h"
#include "core/metrics/mode_coverage.h"
#include "core/samplers/sampler.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"

namespace {

using namespace ss;
using Clock = std::chrono::steady_clock;

// A target with its reference and the i.i.d. lines at sample size n.
struct TargetLines {
  std::string kind;
  std::shared_ptr<const Target> target;
  std::shared_ptr<const GridReference> reference;
  Points ed_reference;  // 5000 exact draws
  double ed_iid = 0, ksd_v_iid = 0, ksd_u_iid = 0;
};

TargetLines make_lines(const std::string& kind, int n) {
  TargetLines l;
  l.kind = kind;
  l.target = make_target(TargetSpec{kind});
  l.reference = GridReference::compute(l.target);
  Rng rng(4242);
  l.reference->sample(5000, rng, l.ed_reference);
  // Energy-distance line: n fresh exact draws against the same kind of 5000-point reference.
  l.ed_iid = energy_distance_iid_baseline(*l.reference, n, 5000, 10, 777).mean;
  const KsdIidBaselines k = ksd_imq_iid_baselines(*l.reference, n, 10, 12345);
  l.ksd_v_iid = k.v.mean;
  l.ksd_u_iid = k.u.rms;
  return l;
}

struct Checkpoint {
  std::int64_t iteration = 0;
  double seconds = 0;
  std::uint64_t evals = 0;
  double ed = NAN, ksd_v = NAN, ksd_u = NAN, mode_tv = NAN, min_mode_ratio = NAN;
  Vec2 mean = Vec2::Constant(NAN), sd = Vec2::Constant(NAN);
  bool diverged = false;
};

Checkpoint measure(Sampler& s, const TargetLines& l, int n, double seconds, Points& x) {
  Checkpoint c;
  c.iteration = s.iteration();
  c.seconds = seconds;
  c.evals = s.counters().gradient_evals();
  c.diverged = s.status().diverged;
  s.evaluation_samples(n, x);
  if (!x.allFinite()) return c;
  Points g;
  l.target->evaluate(x, nullptr, &g, nullptr);
  const KsdStatistics k = ksd_imq(x, g);
  c.ksd_v = k.v;
  c.ksd_u = k.u;
  c.ed = energy_distance(x, l.ed_reference);
  const ModeCoverage m = mode_coverage(*l.reference, x);
  c.mode_tv = m.total_variation;
  c.min_mode_ratio = 1e300;
  for (size_t r = 0; r < m.true_mass.size(); ++r)
    if (m.true_mass[r] > 0)
      c.min_mode_ratio = std::min(c.min_mode_ratio, m.sample_fraction[r] / m.true_mass[r]);
  c.mean = x.colwise().mean().transpose();
  c.sd = ((x.rowwise() - c.mean.transpose()).colwise().squaredNorm() /
          std::max<double>(1.0, double(x.rows() - 1)))
             .cwiseSqrt()
             .transpose();
  return c;
}

// Runs `iters` iterations, measuring at 0, every `every` and at the end.
std::vector<Checkpoint> run(Sampler& s, const TargetLines& l, int iters, int every, int n,
                            bool verbose, const std::string& tag, Points& final_samples) {
  std::vector<Checkpoint> out;
  double secs = 0;
  auto record = [&] {
    out.push_back(measure(s, l, n, secs, final_samples));
    const Checkpoint& c = out.back();
    if (verbose) {
      std::fprintf(stderr,
                   "%s it=%lld t=%.1fs ed=%.3g (%.2fx) ksd_u=%.3g (%.2fx) ksd_v=%.3g min_mode=%.2f "
                   "mean=(%.3f, %.3f) sd=(%.3f, %.3f)",
                   tag.c_str(), (long long)s.iteration(), secs, c.ed, c.ed / l.ed_iid, c.ksd_u,
                   c.ksd_u / l.ksd_u_iid, c.ksd_v, c.min_mode_ratio, c.mean[0], c.mean[1], c.sd[0],
                   c.sd[1]);
      for (auto& [name, v] : s.statistics()) std::fprintf(stderr, " %s=%.4g", name.c_str(), v);
      std::fprintf(stderr, "\n");
    }
  };
  record();
  for (int i = 1; i <= iters && !s.status().diverged; ++i) {
    const auto t0 = Clock::now();
    s.step();
    secs += std::chrono::duration<double>(Clock::now() - t0).count();
    if (i % every == 0 || i == iters || s.status().diverged) record();
  }
  if (s.status().diverged)
    std::fprintf(stderr, "%s DIVERGED: %s\n", tag.c_str(), s.status().reason.c_str());
  return out;
}

void write_run_header(std::ofstream& csv) {
  csv << "target,method,seed,iteration,sampler_seconds,gradient_evals,ed,ed_iid,ksd_v,ksd_v_iid,"
         "ksd_u,ksd_u_iid,mode_tv,min_mode_ratio,mean_x1,mean_x2,status\n";
}

void write_run_rows(std::ofstream& csv, const TargetLines& l, const std::string& method, int seed,
                    const std::vector<Checkpoint>& cs) {
  for (const auto& c : cs)
    csv << l.kind << "," << method << "," << seed << "," << c.iteration << "," << c.seconds << ","
        << c.evals << "," << c.ed << "," << l.ed_iid << "," << c.ksd_v << "," << l.ksd_v_iid << ","
        << c.ksd_u << "," << l.ksd_u_iid << "," << c.mode_tv << "," << c.min_mode_ratio << ","
        << c.mean[0] << "," << c.mean[1] << "," << (c.diverged ? "diverged" : "ok") << "\n";
  csv.flush();
}

// A scatter plot panel (w × w pixels) of points over a box, appended into an RGB image.
void draw_panel(std::vector<unsigned char>& img, int img_w, int x0, int y0, int w, const Box& box,
                const Points& pts, unsigned char r, unsigned char g, unsigned char b) {
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* p = &img[3 * ((y0 + y) * img_w + x0 + x)];
      const bool border = x == 0 || y == 0 || x == w - 1 || y == w - 1;
      p[0] = p[1] = p[2] = border ? 0 : 255;
    }
  const double side = std::max(box.width(), box.height());
  const double cx = 0.5 * (box.xmin + box.xmax), cy = 0.5 * (box.ymin + box.ymax);
  for (Eigen::Index i = 0; i < pts.rows(); ++i) {
    if (!std::isfinite(pts(i, 0)) || !std::isfinite(pts(i, 1))) continue;
    const int px = int((pts(i, 0) - cx) / side * (w - 4) + w / 2);
    const int py = int(-(pts(i, 1) - cy) / side * (w - 4) + w / 2);
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int qx = px + dx, qy = py + dy;
        if (qx < 1 || qy < 1 || qx >= w - 1 || qy >= w - 1) continue;
        unsigned char* p = &img[3 * ((y0 + qy) * img_w + x0 + qx)];
        p[0] = r, p[1] = g, p[2] = b;
      }
  }
}

ParamValues parse_sets(const std::vector<std::string>& sets) {
  ParamValues v;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected name=value, got " + s);
    v[s.substr(0, eq)] = std::stod(s.substr(eq + 1));
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Stat {
  double mean = 0, sd = 0, max = -1e300, min = 1e300;
};
Stat stat_of(const std::vector<double>& v) {
  Stat s;
  for (double a : v) s.mean += a, s.max = std::max(s.max, a), s.min = std::min(s.min, a);
  s.mean /= v.size();
  for (double a : v) s.sd += (a - s.mean) * (a - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / (v.size() - 1)) : 0;
  return s;
}

// The first checkpoint where ed ≤ 3·ed_iid and ksd_u ≤ 3·ksd_u_iid; nullptr if none.
const Checkpoint* first_reach(const std::vector<Checkpoint>& cs, const TargetLines& l) {
  for (const auto& c : cs)
    if (c.ed <= 3 * l.ed_iid && c.ksd_u <= 3 * l.ksd_u_iid) return &c;
  return nullptr;
}

// The final sampler's energy-distance and KSD-U ratios to their i.i.d. lines on `sets` fresh
// evaluation sets of n (same weights; its evaluation stream moves on): how much one set's ratios
// move at this n, and what their mean is.
struct SetRatios {
  std::vector<double> ed, ksd_u;
};
SetRatios final_set_ratios(Sampler& s, const TargetLines& l, int n, int sets) {
  SetRatios r;
  Points x;
  for (int k = 0; k < sets; ++k) {
    const Checkpoint c = measure(s, l, n, 0.0, x);
    r.ed.push_back(c.ed / l.ed_iid);
    r.ksd_u.push_back(c.ksd_u / l.ksd_u_iid);
  }
  return r;
}

struct Config {
  std::string name;
  ParamValues params;
};

int sweep(const std::string& out, const std::vector<std::string>& targets,
          const std::vector<Config>& configs, int seeds, int iters, int every, int n,
          int final_sets) {
  std::filesystem::create_directories(out);
  std::ofstream runs(out + "/sweep_runs.csv");
  write_run_header(runs);
  std::ofstream summary(out + "/sweep_summary.csv");
  summary << "config,target,seeds,iterations,ed_ratio_mean,ed_ratio_max,ksd_u_ratio_mean,"
             "ksd_u_ratio_max,ksd_v_ratio_mean,min_mode_ratio,mean_x1,reach_iteration,"
             "reach_seconds,seconds_per_iteration,diverged,ed_sets_ratio_mean,ed_sets_ratio_max,"
             "ksd_u_sets_ratio_mean,ksd_u_sets_ratio_max\n";
  const int panel = 300;
  for (const auto& cfg : configs) {
    const int img_w = panel * int(targets.size()), img_h = panel;
    std::vector<unsigned char> img(3 * img_w * img_h, 255);
    for (size_t ti = 0; ti < targets.size(); ++ti) {
      const TargetLines l = make_lines(targets[ti], n);
      std::vector<double> ed, ku, kv, mm, mx, secs_per_it, ed_sets, ku_sets;
      double reach_it = 0, reach_s = 0;
      int diverged = 0;
      for (int sd = 0; sd < seeds; ++sd) {
        auto s = make_sampler("dft", l.target, cfg.params, 1000 + sd);
        Points x;
        const auto cs = run(*s, l, iters, every, n, true,
                            cfg.name + "/" + l.kind + "/seed" + std::to_string(sd), x);
        write_run_rows(runs, l, cfg.name, sd, cs);
        const Checkpoint& f = cs.back();
        diverged += f.diverged;
        ed.push_back(f.ed / l.ed_iid);
        ku.push_back(f.ksd_u / l.ksd_u_iid);
        kv.push_back(f.ksd_v / l.ksd_v_iid);
        mm.push_back(f.min_mode_ratio);
        mx.push_back(f.mean[0]);
        secs_per_it.push_back(f.seconds / std::max<double>(1, f.iteration));
        if (final_sets > 0) {
          const SetRatios r = final_set_ratios(*s, l, n, final_sets);
          ed_sets.push_back(stat_of(r.ed).mean);
          ku_sets.push_back(stat_of(r.ksd_u).mean);
        }
        const Checkpoint* r = first_reach(cs, l);
        if (r && reach_it >= 0) {
          reach_it = std::max(reach_it, double(r->iteration));
          reach_s = std::max(reach_s, r->seconds);
        } else {
          reach_it = reach_s = -1;
        }
        if (sd == 0)
          draw_panel(img, img_w, int(ti) * panel, 0, panel, l.target->view_box(), x, 200, 30, 30);
      }
      const Stat e = stat_of(ed), u = stat_of(ku), v = stat_of(kv), m = stat_of(mm),
                 x1 = stat_of(mx), sp = stat_of(secs_per_it), es = stat_of(ed_sets),
                 us = stat_of(ku_sets);
      summary << cfg.name << "," << l.kind << "," << seeds << "," << iters << "," << e.mean << ","
              << e.max << "," << u.mean << "," << u.max << "," << v.mean << "," << m.min << ","
              << x1.mean << "," << reach_it << "," << reach_s << "," << sp.mean << "," << diverged
              << "," << es.mean << "," << es.max << "," << us.mean << "," << us.max << "\n";
      summary.flush();
      std::printf(
          "%-14s %-11s ed %.2fx (max %.2f)  ksd_u %.2fx (max %.2f)  ksd_v %.2fx  min_mode %.2f  "
          "x1 %.3f  reach it %g (%.1f s)  %.1f ms/it  | %d sets: ed %.2fx (max %.2f) ksd_u %.2fx "
          "(max %.2f)\n",
          cfg.name.c_str(), l.kind.c_str(), e.mean, e.max, u.mean, u.max, v.mean, m.min, x1.mean,
          reach_it, reach_s, 1e3 * sp.mean, final_sets, es.mean, es.max, us.mean, us.max);
      std::fflush(stdout);
    }
    stbi_write_png((out + "/sweep_" + cfg.name + ".png").c_str(), img_w, img_h, 3, img.data(),
                   img_w * 3);
  }
  return 0;
}

int claim(const std::string& out, int seeds, int n, int dft_iters) {
  std::filesystem::create_directories(out);
  std::ofstream csv(out + "/claim_runs.csv");
  write_run_header(csv);
  std::ofstream summary(out + "/claim_summary.csv");
  summary
      << "target,method,iterations,ed_mean,ed_sd,ed_ratio,ksd_u_mean,ksd_u_sd,ksd_u_ratio,"
         "ksd_v_mean,ksd_v_sd,ksd_v_ratio,min_mode_ratio,train_seconds,sample_seconds_per_1000\n";
  const std::vector<std::string> targets = {"donut", "rosenbrock"};
  struct Method {
    std::string label, kind;
    ParamValues params;
    int iters;
  };
  const std::vector<Method> methods = {
      {"dft", "dft", {}, dft_iters},
      {"svgd200", "svgd", {{"particles", double(n)}}, 200},
      {"svgd200_uniform_init", "svgd", {{"particles", double(n)}, {"init", 1}}, 200},
  };
  const int panel = 360;
  const int img_w = panel * 4, img_h = panel * int(targets.size());
  std::vector<unsigned char> img(3 * img_w * img_h, 255);
  for (size_t ti = 0; ti < targets.size(); ++ti) {
    const TargetLines l = make_lines(targets[ti], n);
    std::printf("%s: i.i.d. lines at n=%d: ed %.4g, ksd_u (rms) %.4g, ksd_v %.4g\n", l.kind.c_str(),
                n, l.ed_iid, l.ksd_u_iid, l.ksd_v_iid);
    summary << l.kind << ",iid,0," << l.ed_iid << ",0,1," << l.ksd_u_iid << ",0,1," << l.ksd_v_iid
            << ",0,1,1,0,0\n";
    {
      Rng rng(7);
      Points ref;
      l.reference->sample(n, rng, ref);
      draw_panel(img, img_w, 0, int(ti) * panel, panel, l.target->view_box(), ref, 40, 40, 40);
    }
    int col = 1;
    for (const auto& m : methods) {
      std::vector<double> ed, ku, kv, mm, secs, sample_secs;
      for (int sd = 0; sd < seeds; ++sd) {
        auto s = make_sampler(m.kind, l.target, m.params, 1000 + sd);
        Points x;
        const auto cs = run(*s, l, m.iters, m.kind == "svgd" ? 50 : 250, n, true,
                            l.kind + "/" + m.label + "/seed" + std::to_string(sd), x);
        write_run_rows(csv, l, m.label, sd, cs);
        const Checkpoint& f = cs.back();
        ed.push_back(f.ed);
        ku.push_back(f.ksd_u);
        kv.push_back(f.ksd_v);
        mm.push_back(f.min_mode_ratio);
        secs.push_back(f.seconds);
        Points y;
        const auto t0 = Clock::now();
        s->evaluation_samples(n, y);
        sample_secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count() * 1000.0 /
                              n);
        if (sd == 0) {
          std::ofstream sc(out + "/samples_" + l.kind + "_" + m.label + ".csv");
          sc << "x,y\n";
          for (Eigen::Index i = 0; i < x.rows(); ++i) sc << x(i, 0) << "," << x(i, 1) << "\n";
          const unsigned char r = m.kind == "dft" ? 200 : 30, b = m.kind == "dft" ? 30 : 200;
          draw_panel(img, img_w, col++ * panel, int(ti) * panel, panel, l.target->view_box(), x, r,
                     30, b);
        }
      }
      const Stat e = stat_of(ed), u = stat_of(ku), v = stat_of(kv), mmin = stat_of(mm),
                 t = stat_of(secs), smp = stat_of(sample_secs);
      std::printf(
          "  %-22s iters=%5d  ed %.4g ± %.2g (%.2fx)  ksd_u %.4g ± %.2g (%.2fx)  ksd_v %.4g "
          "(%.2fx)  train %.1f s\n",
          m.label.c_str(), m.iters, e.mean, e.sd, e.mean / l.ed_iid, u.mean, u.sd,
          u.mean / l.ksd_u_iid, v.mean, v.mean / l.ksd_v_iid, t.mean);
      summary << l.kind << "," << m.label << "," << m.iters << "," << e.mean << "," << e.sd << ","
              << e.mean / l.ed_iid << "," << u.mean << "," << u.sd << "," << u.mean / l.ksd_u_iid
              << "," << v.mean << "," << v.sd << "," << v.mean / l.ksd_v_iid << "," << mmin.min
              << "," << t.mean << "," << smp.mean << "\n";
      std::fflush(stdout);
    }
  }
  stbi_write_png((out + "/comparison.png").c_str(), img_w, img_h, 3, img.data(), img_w * 3);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string out = "dft_vs_svgd_out", single, target_kind = "donut";
  std::string targets_arg = "donut,rosenbrock,banana,funnel,squiggle,gmm_8ring,gmm_2to1,rings";
  int seeds = 3, n = 1000, dft_iters = 3000, iters = 3000, every = 250, seed = 0, threads = 0;
  int final_draws = 0;
  bool do_sweep = false;
  std::vector<std::string> sets, config_args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--out")
      out = next();
    else if (a == "--seeds")
      seeds = std::stoi(next());
    else if (a == "--n")
      n = std::stoi(next());
    else if (a == "--dft-iters")
      dft_iters = std::stoi(next());
    else if (a == "--single")
      single = next();
    else if (a == "--sweep")
      do_sweep = true;
    else if (a == "--targets")
      targets_arg = next();
    else if (a == "--config")
      config_args.push_back(next());
    else if (a == "--target")
      target_kind = next();
    else if (a == "--iters")
      iters = std::stoi(next());
    else if (a == "--every")
      every = std::stoi(next());
    else if (a == "--seed")
      seed = std::stoi(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--set")
      sets.push_back(next());
    else if (a == "--final-draws")
      final_draws = std::stoi(next());
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  threads);

  if (!single.empty()) {
    const TargetLines l = make_lines(target_kind, n);
    std::fprintf(stderr, "i.i.d. lines at n=%d: ed %.4g, ksd_u (rms) %.4g, ksd_v %.4g\n", n,
                 l.ed_iid, l.ksd_u_iid, l.ksd_v_iid);
    auto s = make_sampler(single, l.target, parse_sets(sets), seed);
    Points x;
    run(*s, l, iters, every, n, true, single, x);
    if (final_draws > 0) {
      const SetRatios r = final_set_ratios(*s, l, n, final_draws);
      const std::vector<double>&ed = r.ed, &ku = r.ksd_u;
      for (int k = 0; k < final_draws; ++k)
        std::fprintf(stderr, "final draw %d: ed %.2fx ksd_u %.2fx\n", k, ed[k], ku[k]);
      auto summary = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const size_t m = v.size();
        const double med = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
        char buf[96];
        std::snprintf(buf, sizeof buf, "min %.2f median %.2f max %.2f", v.front(), med, v.back());
        return std::string(buf);
      };
      std::fprintf(stderr, "final draws (%d x n=%d): ed %s; ksd_u %s\n", final_draws, n,
                   summary(ed).c_str(), summary(ku).c_str());
    }
    if (!out.empty() && out != "dft_vs_svgd_out") {
      std::ofstream sc(out);
      sc << "x,y\n";
      for (Eigen::Index i = 0; i < x.rows(); ++i) sc << x(i, 0) << "," << x(i, 1) << "\n";
    }
    return 0;
  }
  if (do_sweep) {
    std::vector<Config> configs;
    for (const auto& c : config_args) {
      const auto colon = c.find(':');
      Config cfg{c.substr(0, colon), {}};
      if (colon != std::string::npos) cfg.params = parse_sets(split(c.substr(colon + 1), ','));
      configs.push_back(cfg);
    }
    if (configs.empty()) configs.push_back({"defaults", {}});
    return sweep(out, split(targets_arg, ','), configs, seeds, iters, every, n,
                 final_draws > 0 ? final_draws : 10);
  }
  return claim(out, seeds, n, dft_iters);
} catch (const std::exception& e) {
  std::cerr << "dft_vs_svgd: " << e.what() << "\n";
  return 2;
}
