// core/io/results.h: the density_<label>.csv of the ebm task (issue 15) — names paired with the
// samples files, cell-centre rows in the grid layout, values that read back exactly.
#include "core/io/results.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace ss {
namespace {

TEST(Results, DensityFileNamesPairWithSamplesFileNames) {
  const std::vector<std::string> labels = {"ULA", "a/b", "a_b", "MALA"};
  const auto samples = samples_file_names(labels);
  const auto density = density_file_names(labels);
  ASSERT_EQ(density.size(), labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    ASSERT_EQ(samples[i].rfind("samples_", 0), 0u);
    EXPECT_EQ(density[i], "density_" + samples[i].substr(8)) << labels[i];
  }
  EXPECT_NE(density[1], density[2]) << "clashing labels stay apart";
}

TEST(Results, DensityCsvHasOneRowPerCellCentre) {
  const int n = 3;
  const Box box{-1, 2, 0, 6};  // cells 1 × 2
  std::vector<float> ld(n * n);
  for (int i = 0; i < n * n; ++i) ld[i] = -0.1f * float(i) - 1.0f / 3.0f;
  const std::string text = density_csv(ld, n, box);
  std::istringstream in(text);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "x,y,log_density");
  int row = 0;
  while (std::getline(in, line)) {
    double x, y, v;
    char c1, c2;
    std::istringstream r(line);
    ASSERT_TRUE(r >> x >> c1 >> y >> c2 >> v) << line;
    const int ix = row % n, iy = row / n;
    EXPECT_EQ(x, -1 + (ix + 0.5) * 1.0) << line;
    EXPECT_EQ(y, 0 + (iy + 0.5) * 2.0) << line;
    EXPECT_EQ(v, double(ld[row])) << "the float value reads back exactly: " << line;
    ++row;
  }
  EXPECT_EQ(row, n * n);
  // No grid (a method without a metric pass): the header only; a wrong size likewise.
  EXPECT_EQ(density_csv({}, 0, box), "x,y,log_density\n");
  EXPECT_EQ(density_csv(ld, 4, box), "x,y,log_density\n");
}

}  // namespace
}  // namespace ss
