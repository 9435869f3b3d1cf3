#include "core/common/params.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ss {
namespace {

const ParamTable kTable = {
    {"particles", 500, 2, 10000, "number of particles", true},
    {"step_size", 0.05, 1e-5, 1.0, "step size"},
    {"optimizer", 0, 0, 1, "update rule", false, {"adagrad", "plain"}},
};

TEST(Params, DefaultsAndOverrides) {
  ParamValues v = resolve_params(kTable, {{"particles", 200}});
  EXPECT_EQ(v.at("particles"), 200);
  EXPECT_EQ(v.at("step_size"), 0.05);
}

TEST(Params, RejectsUnknownOutOfRangeNonIntegerAndNonFinite) {
  EXPECT_THROW(resolve_params(kTable, {{"particle", 2}}), ParamError);
  EXPECT_THROW(resolve_params(kTable, {{"particles", 1}}), ParamError);
  EXPECT_THROW(resolve_params(kTable, {{"particles", 2.5}}), ParamError);
  EXPECT_THROW(resolve_params(kTable, {{"optimizer", 2}}), ParamError);
  EXPECT_THROW(resolve_params(kTable, {{"step_size", std::nan("")}}), ParamError);
  try {
    resolve_params(kTable, {{"particles", 0}});
  } catch (const ParamError& e) {
    EXPECT_EQ(e.field, "particles");
    EXPECT_NE(std::string(e.what()).find("an integer in [2, 10000]"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ss
