// Interrupt (core/common/interrupt.h): a request reaches every child, clearing a child keeps its
// parent's request, and check_interrupt throws Interrupted exactly when one is requested.
#include "core/common/interrupt.h"

#include <gtest/gtest.h>

namespace ss {
namespace {

TEST(Interrupt, ParentRequestReachesTheChildAndClearingTheChildKeepsIt) {
  Interrupt parent, child(&parent);
  EXPECT_FALSE(child.requested());
  EXPECT_NO_THROW(check_interrupt(&child));
  EXPECT_NO_THROW(check_interrupt(nullptr));
  child.request();
  EXPECT_TRUE(child.requested());
  EXPECT_FALSE(parent.requested());
  EXPECT_THROW(check_interrupt(&child), Interrupted);
  child.clear();
  EXPECT_FALSE(child.requested());
  parent.request();
  child.clear();
  EXPECT_TRUE(child.requested());
  EXPECT_THROW(check_interrupt(&child), Interrupted);
}

}  // namespace
}  // namespace ss
