// Tests of core/common/format.h: format_number is printf's %.*g, and its default (6 digits) is what
// std::ostream << prints, which builtin targets' messages used before the helper was shared.
#include "core/common/format.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <vector>

namespace ss {
namespace {

TEST(FormatNumber, DefaultIsWhatAnOstreamPrints) {
  for (double v : std::vector<double>{0.25, -3, 1e6, 1234567.0, 1.0 / 3.0, 2e-7, -0.0,
                                      std::numeric_limits<double>::infinity()}) {
    std::ostringstream os;
    os << v;
    EXPECT_EQ(format_number(v), os.str()) << v;
  }
}

TEST(FormatNumber, SignificantDigits) {
  EXPECT_EQ(format_number(60.653065971263, 4), "60.65");
  EXPECT_EQ(format_number(1.0 / 3.0, 2), "0.33");
  EXPECT_EQ(format_number(123456.0, 4), "1.235e+05");
  EXPECT_EQ(format_number(-1, 4), "-1");
}

}  // namespace
}  // namespace ss
