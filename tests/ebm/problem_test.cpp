// make_ebm_problem and read_points_csv: data from a target, the deterministic CSV split and the
// messages for bad data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ebm/problem.h"
#include "ebm_test_util.h"

namespace ss {
namespace {

class CsvFile {
 public:
  explicit CsvFile(const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() /
             ("ss_ebm_test_" + std::to_string(counter_++) + "_" +
              std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".csv"))
                .string();
    std::ofstream(path_) << text;
  }
  ~CsvFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string grid_rows(int n, double scale = 1.0) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += std::to_string(scale * ((i % 7) - 3) * 0.25) + "," +
         std::to_string(scale * ((i % 5) - 2) * 0.3) + "\n";
  return s;
}

DataSettings csv_settings(const std::string& path) {
  DataSettings d;
  d.csv = path;
  d.box = Box{-2, 2, -2, 2};
  return d;
}

std::string error_of(const DataSettings& d) {
  try {
    make_ebm_problem(nullptr, d, test_ebm::small_ebm(), 1);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(EbmProblem, TargetDataAreDeterministicAndHaveTheRequestedSizes) {
  const auto t = test_ebm::gaussian(Vec2(0.5, -0.5), 0.7);
  const auto a = make_ebm_problem(t, {1000, 300}, test_ebm::small_ebm(), 11, 64);
  const auto b = make_ebm_problem(t, {1000, 300}, test_ebm::small_ebm(), 11, 64);
  const auto c = make_ebm_problem(t, {1000, 300}, test_ebm::small_ebm(), 12, 64);
  EXPECT_EQ(a->train.rows(), 1000);
  EXPECT_EQ(a->test.rows(), 300);
  EXPECT_TRUE(a->train == b->train && a->test == b->test);
  EXPECT_FALSE(a->train == c->train);
  EXPECT_EQ(a->box, t->view_box());
  ASSERT_TRUE(a->truth);
  EXPECT_EQ(a->true_log_density.size(), 64u * 64u);
  // Sample mean within 4 standard errors of the true mean (sd 0.7, n = 1000: se 0.022).
  EXPECT_NEAR(a->train.col(0).mean(), 0.5, 4 * 0.7 / std::sqrt(1000.0));
  EXPECT_NEAR(a->train.col(1).mean(), -0.5, 4 * 0.7 / std::sqrt(1000.0));
  double mass = 0;
  for (double m : a->true_region_mass) mass += m;
  EXPECT_NEAR(mass, 1.0, 1e-9);
}

TEST(EbmProblem, CsvSplitsEveryFifthRowIntoTheTestSet) {
  CsvFile f("x,y\n" + grid_rows(40));
  const auto p = make_ebm_problem(nullptr, csv_settings(f.path()), test_ebm::small_ebm(), 1);
  const Points all = read_points_csv(f.path());
  ASSERT_EQ(all.rows(), 40);
  EXPECT_EQ(p->train.rows(), 32);
  EXPECT_EQ(p->test.rows(), 8);
  EXPECT_TRUE(p->test.row(0) == all.row(4));
  EXPECT_TRUE(p->test.row(1) == all.row(9));
  EXPECT_TRUE(p->train.row(4) == all.row(5));
  EXPECT_FALSE(p->truth);
  EXPECT_TRUE(std::isnan(p->nll_true));
  EXPECT_EQ(p->box, (Box{-2, 2, -2, 2}));
}

TEST(EbmProblem, CsvWithoutHeaderAndWithCrLfAndSpacesIsRead) {
  CsvFile f(" 1.5 , -2\r\n+0.25,3e-1\r\n\r\n");
  const Points p = read_points_csv(f.path());
  ASSERT_EQ(p.rows(), 2);
  EXPECT_EQ(p(0, 0), 1.5);
  EXPECT_EQ(p(0, 1), -2.0);
  EXPECT_EQ(p(1, 0), 0.25);
  EXPECT_EQ(p(1, 1), 0.3);
}

TEST(EbmProblem, BadCsvDataAreRefusedWithClearMessages) {
  {
    CsvFile f("");
    EXPECT_NE(error_of(csv_settings(f.path())).find("no points (empty file)"), std::string::npos);
  }
  {
    CsvFile f("x,y\n1,2\n3,abc\n");
    const std::string e = error_of(csv_settings(f.path()));
    EXPECT_NE(e.find("line 3"), std::string::npos) << e;
    EXPECT_NE(e.find("3,abc"), std::string::npos) << e;
  }
  {
    CsvFile f("1,2\nnan,0\n");
    EXPECT_NE(error_of(csv_settings(f.path())).find("line 2"), std::string::npos);
  }
  {
    CsvFile f("1,2\n1,inf\n");
    EXPECT_NE(error_of(csv_settings(f.path())).find("two finite numbers"), std::string::npos);
  }
  {
    CsvFile f("1,2,3\n");
    EXPECT_NE(error_of(csv_settings(f.path())).find("line 1"), std::string::npos);
  }
  {
    std::string rows;
    for (int i = 0; i < 30; ++i) rows += "0.5,0.5\n";
    CsvFile f(rows);
    EXPECT_NE(error_of(csv_settings(f.path())).find("identical"), std::string::npos);
  }
  {
    CsvFile f(grid_rows(30) + "5,0\n0,0\n9,9\n");
    const std::string e = error_of(csv_settings(f.path()));
    EXPECT_NE(e.find("2 of 33 points lie outside"), std::string::npos) << e;
    EXPECT_NE(e.find("point 31 (5, 0)"), std::string::npos) << e;
  }
  {
    CsvFile f(grid_rows(18));  // 15 training rows + 3 test rows
    const std::string e = error_of(csv_settings(f.path()));
    EXPECT_NE(e.find("has 18 points; at least 19"), std::string::npos) << e;
    CsvFile ok(grid_rows(19));  // 16 + 3: accepted
    EXPECT_EQ(error_of(csv_settings(ok.path())), "");
  }
  {
    CsvFile f(grid_rows(40));
    DataSettings d = csv_settings(f.path());
    d.box.reset();
    EXPECT_NE(error_of(d).find("data.box: required"), std::string::npos);
    d.box = Box{1, 1, -1, 1};
    EXPECT_NE(error_of(d).find("xmin < xmax"), std::string::npos);
  }
  EXPECT_NE(error_of(csv_settings("/nonexistent/points.csv")).find("no such file"),
            std::string::npos);
  EXPECT_NE(error_of(csv_settings(std::filesystem::temp_directory_path().string()))
                .find("not a regular file"),
            std::string::npos);
}

TEST(EbmProblem, BadSettingsNameTheField) {
  const auto t = test_ebm::gaussian(Vec2::Zero(), 1.0);
  EbmSettings e = test_ebm::small_ebm();
  e.persistent = 10;  // < batch
  try {
    make_ebm_problem(t, {1000, 100}, e, 1, 32);
    FAIL();
  } catch (const ParamError& err) {
    EXPECT_EQ(err.field, "ebm.persistent");
  }
  e = test_ebm::small_ebm();
  e.optimizer = "rmsprop";
  EXPECT_THROW(make_ebm_problem(t, {1000, 100}, e, 1, 32), ParamError);
  EXPECT_THROW(make_ebm_problem(t, {8, 100}, test_ebm::small_ebm(), 1, 32), ParamError);
}

}  // namespace
}  // namespace ss
