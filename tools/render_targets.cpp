// render_targets: draws the density of every built-in target from its GridReference into a PNG,
// for docs/targets.md. The picture covers the target's view box padded to a square (equal aspect,
// so the donut is round); when padding was needed, the view box is outlined in grey. Colours:
// viridis (piecewise linear through ten stops of matplotlib's map, as the app's shader does) on a
// linear density scale, or on a log scale over four decades with --log (used for the funnel,
// whose neck is far denser than its body).
//
//   render_targets [--out DIR] [--size N]
// Default DIR is docs/images/targets in the source tree; N = 256. Writes <kind>.png per target
// plus funnel_v1.png (the funnel with v_scale = 1).
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/targets/builtin.h"
#include "core/targets/grid_reference.h"

namespace {

using ss::Box;

// Ten stops of viridis (matplotlib), sampled at 0, 1/9, …, 1.
constexpr std::array<std::array<double, 3>, 10> kViridis = {{{0.267, 0.004, 0.329},
                                                             {0.282, 0.157, 0.471},
                                                             {0.243, 0.286, 0.537},
                                                             {0.192, 0.408, 0.557},
                                                             {0.149, 0.510, 0.557},
                                                             {0.122, 0.620, 0.537},
                                                             {0.208, 0.718, 0.475},
                                                             {0.431, 0.808, 0.345},
                                                             {0.710, 0.871, 0.169},
                                                             {0.992, 0.906, 0.145}}};

std::array<unsigned char, 3> viridis(double t) {
  t = std::clamp(t, 0.0, 1.0) * 9;
  const int i = std::min(static_cast<int>(t), 8);
  const double f = t - i;
  std::array<unsigned char, 3> c;
  for (int k = 0; k < 3; ++k)
    c[k] = static_cast<unsigned char>(
        std::lround(255 * ((1 - f) * kViridis[i][k] + f * kViridis[i + 1][k])));
  return c;
}

// The view box grown to a square about its centre.
Box square_box(const Box& b) {
  const double side = std::max(b.width(), b.height());
  const double cx = 0.5 * (b.xmin + b.xmax), cy = 0.5 * (b.ymin + b.ymax);
  return {cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2};
}

bool render(const std::shared_ptr<const ss::Target>& target, int size, bool log_scale,
            const std::string& path) {
  const Box view = target->view_box();
  const Box box = square_box(view);
  const auto ref = ss::GridReference::compute(target, size, &box);
  const auto& mass = ref->cell_masses();
  const double max_mass = *std::max_element(mass.begin(), mass.end());
  std::vector<unsigned char> rgb(3 * size * size);
  for (int iy = 0; iy < size; ++iy)
    for (int ix = 0; ix < size; ++ix) {
      const double m = mass[iy * size + ix] / max_mass;
      const double t = log_scale ? (m > 0 ? 1 + std::log10(m) / 4 : 0) : m;
      const auto c = viridis(t);
      const int row = size - 1 - iy;  // y up
      std::memcpy(&rgb[3 * (row * size + ix)], c.data(), 3);
    }
  // Outline the view box when the picture had to be padded.
  if (view.width() < box.width() * 0.999 || view.height() < box.height() * 0.999) {
    auto px = [&](double x) {
      return std::clamp(static_cast<int>((x - box.xmin) / box.width() * size), 0, size - 1);
    };
    auto py = [&](double y) {
      return std::clamp(size - 1 - static_cast<int>((y - box.ymin) / box.height() * size), 0,
                        size - 1);
    };
    const int x0 = px(view.xmin), x1 = px(view.xmax), y0 = py(view.ymax), y1 = py(view.ymin);
    auto dot = [&](int x, int y) {
      for (int k = 0; k < 3; ++k) rgb[3 * (y * size + x) + k] = 160;
    };
    for (int x = x0; x <= x1; ++x) dot(x, y0), dot(x, y1);
    for (int y = y0; y <= y1; ++y) dot(x0, y), dot(x1, y);
  }
  return stbi_write_png(path.c_str(), size, size, 3, rgb.data(), 3 * size) != 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = std::string(SS_SOURCE_DIR) + "/docs/images/targets";
  int size = 256;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--size" && i + 1 < argc) {
      size = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: render_targets [--out DIR] [--size N]\n");
      return 2;
    }
  }
  if (size < 16 || size > 4096) {
    std::fprintf(stderr, "render_targets: --size must be in [16, 4096]\n");
    return 2;
  }
  std::filesystem::create_directories(out);
  int failures = 0;
  auto draw = [&](const ss::TargetSpec& spec, const std::string& name, bool log_scale) {
    const std::string path = out + "/" + name + ".png";
    try {
      if (render(ss::make_target(spec), size, log_scale, path)) {
        std::printf("wrote %s\n", path.c_str());
        return;
      }
      std::fprintf(stderr, "render_targets: cannot write %s\n", path.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "render_targets: %s: %s\n", name.c_str(), e.what());
    }
    ++failures;
  };
  for (const auto& kind : ss::builtin_target_kinds()) draw({kind}, kind, kind == "funnel");
  ss::TargetSpec funnel_v1{"funnel"};
  funnel_v1.params = {{"v_scale", 1.0}};
  draw(funnel_v1, "funnel_v1", true);
  return failures == 0 ? 0 : 1;
}
