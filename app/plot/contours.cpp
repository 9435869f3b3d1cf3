#include "app/plot/contours.h"

#include <algorithm>
#include <cmath>

namespace ss::plot {

void iso_segments(std::span<const float> f, int nx, int ny, float level,
                  std::vector<Segment>& out) {
  if (nx < 2 || ny < 2 || f.size() < size_t(nx) * size_t(ny)) return;
  const auto at = [&](int x, int y) { return f[size_t(y) * size_t(nx) + size_t(x)]; };
  // Where the iso-line crosses the edge from p (value a) to q (value b), a and b on either side.
  const auto cross = [level](float a, float b) {
    const float d = b - a;
    return d != 0 ? std::clamp((level - a) / d, 0.0f, 1.0f) : 0.5f;
  };
  for (int y = 0; y + 1 < ny; ++y)
    for (int x = 0; x + 1 < nx; ++x) {
      // Corners counter-clockwise from the origin: v0 (x, y), v1 (x+1, y), v2 (x+1, y+1),
      // v3 (x, y+1).
      const float v0 = at(x, y), v1 = at(x + 1, y), v2 = at(x + 1, y + 1), v3 = at(x, y + 1);
      if (!(std::isfinite(v0) && std::isfinite(v1) && std::isfinite(v2) && std::isfinite(v3)))
        continue;
      const int code = (v0 >= level) | (v1 >= level) << 1 | (v2 >= level) << 2 | (v3 >= level) << 3;
      if (code == 0 || code == 15) continue;
      // Edge points: e0 bottom (v0-v1), e1 right (v1-v2), e2 top (v3-v2), e3 left (v0-v3).
      const float fx = float(x), fy = float(y);
      const float e[4][2] = {{fx + cross(v0, v1), fy},
                             {fx + 1, fy + cross(v1, v2)},
                             {fx + cross(v3, v2), fy + 1},
                             {fx, fy + cross(v0, v3)}};
      // A line through a corner exactly at the level touches the cells around it in a single
      // point: such zero-length pieces are dropped.
      const auto seg = [&](int i, int j) {
        if (e[i][0] != e[j][0] || e[i][1] != e[j][1])
          out.push_back(Segment{e[i][0], e[i][1], e[j][0], e[j][1]});
      };
      switch (code) {
        case 1:
        case 14:
          seg(3, 0);
          break;
        case 2:
        case 13:
          seg(0, 1);
          break;
        case 3:
        case 12:
          seg(3, 1);
          break;
        case 4:
        case 11:
          seg(1, 2);
          break;
        case 6:
        case 9:
          seg(0, 2);
          break;
        case 7:
        case 8:
          seg(3, 2);
          break;
        case 5:
        case 10: {
          // Saddle: v0 and v2 on one side, v1 and v3 on the other. If the centre is on v0's
          // side, v0 and v2 connect through the middle and the lines cut off v1 and v3.
          const bool centre_high = 0.25f * (v0 + v1 + v2 + v3) >= level;
          const bool v0_high = code == 5;
          if (centre_high == v0_high) {
            seg(0, 1);  // around v1
            seg(2, 3);  // around v3
          } else {
            seg(3, 0);  // around v0
            seg(1, 2);  // around v2
          }
          break;
        }
        default:
          break;
      }
    }
}

}  // namespace ss::plot
