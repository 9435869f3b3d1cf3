#include "core/io/files.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <sys/stat.h>
#include <unistd.h>

namespace ss {
namespace {

namespace fs = std::filesystem;

TEST(Files, FormatDoubleRoundTripsBitExactly) {
  std::mt19937_64 g(1);
  for (int k = 0; k < 20000; ++k) {
    double v;
    const std::uint64_t bits = g();
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    const std::string text = format_double(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(2000), "2000");
  EXPECT_EQ(format_double(-0.0), "-0");
  EXPECT_EQ(format_double(std::nan("")), "nan");
  EXPECT_EQ(format_double(-HUGE_VAL), "-inf");
}

TEST(Files, FormatDoubleIgnoresTheLocale) {
  // A decimal-comma locale must not change the output (skipped when none is installed).
  const char* old = std::setlocale(LC_ALL, nullptr);
  const std::string saved = old ? old : "C";
  if (!std::setlocale(LC_ALL, "de_DE.UTF-8") && !std::setlocale(LC_ALL, "fr_FR.UTF-8"))
    GTEST_SKIP() << "no decimal-comma locale installed";
  EXPECT_EQ(format_double(1.5), "1.5");
  std::setlocale(LC_ALL, saved.c_str());
}

TEST(Files, PointsCsvAndFields) {
  Points p(2, 2);
  p << 1.5, -2, 0.1, 1e-300;
  EXPECT_EQ(points_csv(p), "x,y\n1.5,-2\n0.1,1e-300\n");
  EXPECT_EQ(points_csv(Points(0, 2)), "x,y\n");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(file_safe_label("flowMC"), "flowMC");
  EXPECT_EQ(file_safe_label("SVGD (n=200)"), "SVGD (n=200)");
  EXPECT_EQ(file_safe_label("a/b\\c\n"), "a_b_c_");
  EXPECT_EQ(file_safe_label(""), "_");
  EXPECT_EQ(file_safe_label(".."), "_..");
}

TEST(Files, AtomicWriteReplacesAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / ("ss_files_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file_atomically(dir / "a.txt", "first");
  write_file_atomically(dir / "a.txt", "second");
  EXPECT_EQ(read_file_text(dir / "a.txt"), "second");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += 1, (void)e;
  EXPECT_EQ(files, 1);
  EXPECT_THROW(write_file_atomically(dir / "missing_dir" / "b.txt", "x"), std::runtime_error);
  EXPECT_THROW(read_file_text(dir / "nope.txt"), std::runtime_error);
  fs::remove_all(dir);
}

// Defect 9 of issue 19: control characters cannot reach a terminal raw.
TEST(Files, PrintableEscapesControlCharacters) {
  EXPECT_EQ(printable("SVGD"), "SVGD");
  EXPECT_EQ(printable("a\rb\x1b[2Jc\x07\x7f"), "a\\x0db\\x1b[2Jc\\x07\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept
}

std::string read_error(const fs::path& path, std::size_t max_bytes = kMaxReadBytes) {
  try {
    read_file_text(path, max_bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// Defect 7 of issue 19: a directory, a FIFO, /dev/zero and an oversized file are refused with a
// clear message, before anything blocks or reads without end.
TEST(Files, ReadRefusesDirectoriesPipesDevicesAndLargeFiles) {
  const fs::path dir = fs::temp_directory_path() / ("ss_read_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_NE(read_error(dir).find("is a directory"), std::string::npos) << read_error(dir);
  const fs::path fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(read_error(fifo).find("not a regular file"), std::string::npos) << read_error(fifo);
  EXPECT_NE(read_error("/dev/zero").find("not a regular file"), std::string::npos);
  write_file_atomically(dir / "big.txt", std::string(5000, 'a'));
  EXPECT_EQ(read_file_text(dir / "big.txt", 5000).size(), 5000u);
  const std::string big = read_error(dir / "big.txt", 4999);
  EXPECT_NE(big.find("larger than"), std::string::npos) << big;
  EXPECT_NE(big.find("big.txt"), std::string::npos) << big;
  EXPECT_NE(read_error(dir / "nope.txt").find("No such file"), std::string::npos);
  write_file_atomically(dir / "empty.txt", "");
  EXPECT_EQ(read_file_text(dir / "empty.txt"), "");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ss
