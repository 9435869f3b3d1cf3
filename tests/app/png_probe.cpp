// png_probe: checks a PNG written by samplescope, for the Xvfb tests.
//   png_probe FILE [--min-colors N] [--min-stddev S] [--count R G B TOL MIN]
//             [--diff OTHER TOL MAX_FRACTION]...
// --min-colors: at least N distinct colours (a blank or single-colour image fails);
// --min-stddev: standard deviation of the grey level at least S;
// --count: at least MIN pixels within TOL (per channel) of the colour (R, G, B).
// --diff: OTHER has the same size, and at most MAX_FRACTION of the pixels differ from it by more
//         than TOL in some channel.
// Prints what it measured; exit status 0 when every condition holds, 1 otherwise, 2 on bad input.
#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: png_probe FILE [--min-colors N] [--min-stddev S] [--count R G B TOL MIN]...\n");
    return 2;
  }
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(argv[1], &w, &h, &n, 3);
  if (!px) {
    std::fprintf(stderr, "png_probe: cannot read %s\n", argv[1]);
    return 2;
  }
  std::set<unsigned> colors;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < w * h; ++i) {
    const unsigned char* p = px + 3 * i;
    colors.insert((unsigned(p[0]) << 16) | (unsigned(p[1]) << 8) | p[2]);
    const double g = (p[0] + p[1] + p[2]) / 3.0;
    sum += g, sum2 += g * g;
  }
  const double mean = sum / (w * h), sd = std::sqrt(std::max(0.0, sum2 / (w * h) - mean * mean));
  std::printf("%s: %dx%d, %zu colours, grey stddev %.1f\n", argv[1], w, h, colors.size(), sd);
  bool ok = true;
  for (int a = 2; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--min-colors") && a + 1 < argc) {
      const long need = std::atol(argv[++a]);
      if (long(colors.size()) < need)
        std::printf("FAIL: fewer than %ld colours\n", need), ok = false;
    } else if (!std::strcmp(argv[a], "--min-stddev") && a + 1 < argc) {
      const double need = std::atof(argv[++a]);
      if (sd < need) std::printf("FAIL: grey stddev below %.1f\n", need), ok = false;
    } else if (!std::strcmp(argv[a], "--count") && a + 5 < argc) {
      const int r = std::atoi(argv[a + 1]), g = std::atoi(argv[a + 2]), b = std::atoi(argv[a + 3]);
      const int tol = std::atoi(argv[a + 4]);
      const long need = std::atol(argv[a + 5]);
      a += 5;
      long count = 0;
      for (int i = 0; i < w * h; ++i) {
        const unsigned char* p = px + 3 * i;
        if (std::abs(p[0] - r) <= tol && std::abs(p[1] - g) <= tol && std::abs(p[2] - b) <= tol)
          ++count;
      }
      std::printf("colour (%d,%d,%d)+-%d: %ld pixels (need %ld)\n", r, g, b, tol, count, need);
      if (count < need) ok = false;
    } else if (!std::strcmp(argv[a], "--diff") && a + 3 < argc) {
      int w2 = 0, h2 = 0, n2 = 0;
      unsigned char* other = stbi_load(argv[a + 1], &w2, &h2, &n2, 3);
      const int tol = std::atoi(argv[a + 2]);
      const double max_fraction = std::atof(argv[a + 3]);
      a += 3;
      if (!other) {
        std::fprintf(stderr, "png_probe: cannot read %s\n", argv[a - 2]);
        stbi_image_free(px);
        return 2;
      }
      if (w2 != w || h2 != h) {
        std::printf("FAIL: %s is %dx%d\n", argv[a - 2], w2, h2);
        ok = false;
      } else {
        long differ = 0;
        int worst = 0;
        for (int i = 0; i < 3 * w * h; i += 3) {
          int d = 0;
          for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(int(px[i + c]) - int(other[i + c])));
          worst = std::max(worst, d);
          differ += d > tol;
        }
        const double fraction = double(differ) / (double(w) * h);
        std::printf("diff vs %s: %ld pixels (%.4f %%) differ by more than %d, largest %d\n",
                    argv[a - 2], differ, 100 * fraction, tol, worst);
        if (fraction > max_fraction) ok = false;
      }
      stbi_image_free(other);
    } else {
      std::fprintf(stderr, "png_probe: bad argument %s\n", argv[a]);
      stbi_image_free(px);
      return 2;
    }
  }
  stbi_image_free(px);
  return ok ? 0 : 1;
}
