// Tests of core/targets/builtin.cpp's validation messages for user mixtures: the offending value
// is named in the message, formatted as `std::ostream << v` (6 significant digits).
#include "core/targets/builtin.h"

#include <gtest/gtest.h>

#include <string>

#include "core/common/params.h"

namespace ss {
namespace {

std::string mixture_error(std::vector<GaussianComponent> components) {
  try {
    GaussianMixtureTarget t(std::move(components), "gmm", "mixture");
  } catch (const ParamError& e) {
    return e.field + ": " + e.what();
  }
  return "no error";
}

TEST(BuiltinMixture, NegativeWeightIsNamedWithItsValue) {
  GaussianComponent bad;
  bad.weight = -0.1234567;
  const std::string msg = mixture_error({GaussianComponent{}, bad});
  EXPECT_EQ(msg.rfind("components[1].weight: components[1].weight = -0.123457", 0), 0u) << msg;
}

TEST(BuiltinMixture, SingularCovarianceGivesItsDeterminant) {
  GaussianComponent bad;
  bad.cov << 1, 1, 1, 0.5;  // determinant 1 * 0.5 - 1 = -0.5
  const std::string msg = mixture_error({bad});
  EXPECT_NE(msg.find("components[0].cov"), std::string::npos) << msg;
  EXPECT_NE(msg.find("determinant = -0.5"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ss
