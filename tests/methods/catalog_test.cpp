// The default method catalog is the two registries: its kinds per task are sampler_kinds() and
// ebm_kinds(), its knob tables are theirs, it builds a working sampler of each sample kind, and
// an unknown kind is a ParamError naming the field "kind" (what scenario validation reports).
#include "core/methods/catalog.h"

#include <gtest/gtest.h>

#include "core/ebm/trainer.h"
#include "core/targets/target.h"

namespace ss {
namespace {

TEST(MethodCatalog, RegistryIsTheSamplerAndEbmRegistries) {
  const MethodCatalog c = MethodCatalog::registry();
  EXPECT_EQ(c.kinds_for(Task::sample), sampler_kinds());
  EXPECT_EQ(c.kinds_for(Task::ebm), ebm_kinds());
  ASSERT_FALSE(c.kinds_for(Task::sample).empty());
  ASSERT_FALSE(c.kinds_for(Task::ebm).empty());
  for (const auto& kind : sampler_kinds())
    EXPECT_EQ(&c.param_table_for(Task::sample, kind), &sampler_param_table(kind)) << kind;
  for (const auto& kind : ebm_kinds())
    EXPECT_EQ(&c.param_table_for(Task::ebm, kind), &ebm_param_table(kind)) << kind;
  EXPECT_EQ(task_name(Task::sample), "sample");
  EXPECT_EQ(task_name(Task::ebm), "ebm");
}

TEST(MethodCatalog, MakesSamplersAndRefusesUnknownKinds) {
  const MethodCatalog c = MethodCatalog::registry();
  TargetSpec spec;
  spec.kind = "donut";
  const auto target = make_target(spec);
  const auto s = c.make("mala", target, {{"chains", 10}}, 3, nullptr);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind(), "mala");
  EXPECT_EQ(s->param("chains"), 10);
  for (Task task : {Task::sample, Task::ebm}) {
    try {
      (void)c.param_table_for(task, "no_such_method");
      ADD_FAILURE() << "an unknown kind was accepted";
    } catch (const ParamError& e) {
      EXPECT_EQ(e.field, "kind");
      EXPECT_NE(std::string(e.what()).find("no_such_method"), std::string::npos) << e.what();
    }
  }
  // A catalog without the ebm functions has no ebm kinds and refuses an ebm kind by name.
  MethodCatalog bare;
  bare.kinds = [] { return std::vector<std::string>{"toy"}; };
  EXPECT_TRUE(bare.kinds_for(Task::ebm).empty());
  EXPECT_THROW((void)bare.param_table_for(Task::ebm, "ula_ebm"), ParamError);
}

}  // namespace
}  // namespace ss
