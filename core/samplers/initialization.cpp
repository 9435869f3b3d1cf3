#include "core/samplers/initialization.h"

#include <algorithm>
#include <limits>

namespace ss {

const std::vector<std::string>& init_kind_names() {
  static const std::vector<std::string> names = {"normal", "box", "point", "mode"};
  return names;
}

void append_init_params(ParamTable& table, InitKind default_kind, double default_scale,
                        double min_scale) {
  ParamDef kind{"init", double(int(default_kind)), 0, 3,
                "initial distribution: normal N(c, s²I), uniform over the view box, one point "
                "c (+ jitter s), or one mode (+ jitter s)"};
  kind.choices = init_kind_names();
  kind.needs_reset = true;
  table.push_back(kind);
  ParamDef scale{"init_scale", default_scale, min_scale, 100,
                 "s: std of the normal start, or of the jitter around the point/mode"};
  scale.needs_reset = true;
  table.push_back(scale);
  ParamDef cx{"init_x", 0, -1e6, 1e6, "c_x: centre of the normal start / the start point"};
  cx.needs_reset = true;
  table.push_back(cx);
  ParamDef cy{"init_y", 0, -1e6, 1e6, "c_y: centre of the normal start / the start point"};
  cy.needs_reset = true;
  table.push_back(cy);
  ParamDef mode{"init_mode",
                0,
                0,
                1000,
                "which mixture component the 'mode' start uses (other targets: the highest "
                "grid point)",
                true};
  mode.needs_reset = true;
  table.push_back(mode);
}

InitSpec init_spec_from(const ParamValues& v) {
  InitSpec s;
  s.kind = InitKind(int(v.at("init")));
  s.scale = v.at("init_scale");
  s.center = Vec2(v.at("init_x"), v.at("init_y"));
  s.mode_index = int(v.at("init_mode"));
  return s;
}

Vec2 init_mode_location(const Target& target, int mode_index) {
  const auto comps = target.components();
  if (!comps.empty()) return comps[std::clamp<int>(mode_index, 0, int(comps.size()) - 1)].mean;
  const Box b = target.view_box();
  constexpr int kGrid = 128;
  double best = -std::numeric_limits<double>::infinity();
  Vec2 at(0.5 * (b.xmin + b.xmax), 0.5 * (b.ymin + b.ymax));
  for (int iy = 0; iy < kGrid; ++iy) {
    for (int ix = 0; ix < kGrid; ++ix) {
      const double x = b.xmin + (ix + 0.5) * b.width() / kGrid;
      const double y = b.ymin + (iy + 0.5) * b.height() / kGrid;
      const double lp = target.log_density_at(x, y);
      if (lp > best) best = lp, at = Vec2(x, y);
    }
  }
  return at;
}

void draw_initial_points(const Target& target, const InitSpec& spec, Rng& rng, Points& out,
                         Eigen::Index from) {
  const Eigen::Index n = out.rows();
  if (from >= n) return;
  switch (spec.kind) {
    case InitKind::normal:
      for (Eigen::Index i = from; i < n; ++i) {
        const double a = rng.normal(), b = rng.normal();
        out(i, 0) = spec.center.x() + spec.scale * a;
        out(i, 1) = spec.center.y() + spec.scale * b;
      }
      break;
    case InitKind::box: {
      const Box b = target.view_box();
      for (Eigen::Index i = from; i < n; ++i) {
        const double u = rng.uniform(b.xmin, b.xmax), v = rng.uniform(b.ymin, b.ymax);
        out(i, 0) = u, out(i, 1) = v;
      }
      break;
    }
    case InitKind::point:
    case InitKind::mode: {
      const Vec2 c =
          spec.kind == InitKind::point ? spec.center : init_mode_location(target, spec.mode_index);
      for (Eigen::Index i = from; i < n; ++i) {
        const double a = rng.normal(), b = rng.normal();
        out(i, 0) = c.x() + spec.scale * a;
        out(i, 1) = c.y() + spec.scale * b;
      }
      break;
    }
  }
}

}  // namespace ss
