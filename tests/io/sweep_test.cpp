#include "core/io/sweep.h"

#include <gtest/gtest.h>

#include <set>

namespace ss {
namespace {

// The smallest form of issue 20, with a complete base scenario.
const char* kBase = R"({"schema": 1, "name": "base", "seed": 5,
  "target": {"kind": "donut", "params": {"radius": 2.6}},
  "methods": [{"kind": "svgd", "label": "SVGD", "params": {"particles": 50}},
              {"kind": "mala", "label": "MALA.v2", "params": {}}],
  "budget": {"iterations": 10}})";

std::string sweep_text(const std::string& rest) {
  return std::string(R"({"schema": 1, "base": )") + kBase + rest + "}";
}

std::string error_of(const std::string& text) {
  try {
    expand_sweep(text, "sweep.json");
  } catch (const SweepError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Sweep, SmallestFormIsAProductWithTheLastAxisFastest) {
  const Sweep s = expand_sweep(sweep_text(R"(, "axes": {"seed": [1, 2, 3],
      "methods.SVGD.params.particles": [100, 300], "target.params.radius": [2, 3]})"),
                               "sweep.json");
  ASSERT_EQ(s.cells.size(), 12u);
  EXPECT_EQ(s.axes, (std::vector<std::string>{"seed", "methods.SVGD.params.particles",
                                              "target.params.radius"}));
  EXPECT_EQ(s.cells[0].id, "seed=1_SVGD.particles=100_radius=2");
  EXPECT_EQ(s.cells[1].id, "seed=1_SVGD.particles=100_radius=3");
  EXPECT_EQ(s.cells[2].id, "seed=1_SVGD.particles=300_radius=2");
  EXPECT_EQ(s.cells[11].id, "seed=3_SVGD.particles=300_radius=3");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < s.cells.size(); ++i) {
    const SweepCell& c = s.cells[i];
    EXPECT_EQ(c.index, i);
    ids.insert(c.id);
    EXPECT_EQ(c.scenario_json, to_json_text(c.scenario));
    EXPECT_EQ(c.scenario.seed, 1 + i / 4);
    EXPECT_EQ(c.scenario.methods[0].params.at("particles"), (i / 2) % 2 ? 300 : 100);
    EXPECT_EQ(c.scenario.target.params.at("radius"), i % 2 ? 3 : 2);
    // Everything the axes do not touch comes from the base.
    EXPECT_EQ(c.scenario.name, "base");
    EXPECT_EQ(c.scenario.methods[1].label, "MALA.v2");
    EXPECT_EQ(c.scenario.budget.amount, 10);
    ASSERT_EQ(c.assignments.size(), 3u);
    EXPECT_EQ(c.assignments[0].axis, "seed");
  }
  EXPECT_EQ(ids.size(), 12u);
}

TEST(Sweep, IdsDependOnlyOnTheCellsOwnValues) {
  const Sweep a = expand_sweep(
      sweep_text(R"(, "axes": {"seed": [1, 2], "target.params.radius": [2]})"), "a.json");
  const Sweep b = expand_sweep(
      sweep_text(R"(, "axes": {"seed": [0, 1, 2, 9], "target.params.radius": [3, 2]})"), "b.json");
  std::map<std::string, std::string> by_id;
  for (const auto& c : b.cells) by_id[c.id] = c.scenario_json;
  for (const auto& c : a.cells) {
    ASSERT_TRUE(by_id.count(c.id)) << c.id;
    EXPECT_EQ(by_id[c.id], c.scenario_json) << c.id;
  }
  // And expanding the same text twice gives the same cells.
  const Sweep a2 = expand_sweep(
      sweep_text(R"(, "axes": {"seed": [1, 2], "target.params.radius": [2]})"), "a.json");
  ASSERT_EQ(a2.cells.size(), a.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) EXPECT_EQ(a2.cells[i].id, a.cells[i].id);
}

TEST(Sweep, ListFormAloneAndCombinedWithAProduct) {
  const Sweep list = expand_sweep(sweep_text(R"(, "cells": [
      {"target": {"kind": "banana"}},
      {"target": {"kind": "donut", "params": {"radius": 4}}, "methods.SVGD.params.optimizer": "plain"}])"),
                                  "list.json");
  ASSERT_EQ(list.cells.size(), 2u);
  EXPECT_EQ(list.cells[0].id, "target=banana");
  EXPECT_EQ(list.cells[0].scenario.target.kind, "banana");
  EXPECT_TRUE(list.cells[0].scenario.target.params.empty());
  EXPECT_EQ(list.cells[1].id, "target=donut_SVGD.optimizer=plain");
  EXPECT_EQ(list.cells[1].scenario.methods[0].params.at("optimizer"), 1);  // the choice's index
  EXPECT_EQ(list.cells[1].scenario.target.params.at("radius"), 4);

  const Sweep both = expand_sweep(sweep_text(R"(, "cells": [{"target": {"kind": "banana"}},
      {"target": {"kind": "rosenbrock"}}], "axes": {"seed": [1, 2, 3]})"),
                                  "both.json");
  ASSERT_EQ(both.cells.size(), 6u);
  EXPECT_EQ(both.cells[0].id, "target=banana_seed=1");
  EXPECT_EQ(both.cells[3].id, "target=rosenbrock_seed=1");
  EXPECT_EQ(both.cells[5].scenario.seed, 3u);
  EXPECT_EQ(both.axes, (std::vector<std::string>{"target", "seed"}));
}

TEST(Sweep, WholeMethodListsAndKnobsOfTheirLabels) {
  // A knob axis may name a label that only the method-list values define; labels with dots
  // resolve to the longest match.
  const Sweep s = expand_sweep(sweep_text(R"(, "axes": {
      "methods": [[{"kind": "svgd", "label": "A", "params": {"particles": 20}},
                   {"kind": "mala", "label": "MALA.v2"}],
                  [{"kind": "ula", "label": "A"}, {"kind": "mala", "label": "MALA.v2"}]],
      "methods.MALA.v2.params.step_size": [0.01, 0.02],
      "budget.gradient_evals": [1000]})"),
                               "m.json");
  ASSERT_EQ(s.cells.size(), 4u);
  // Both method lists read "A+MALA.v2": the ids tell them apart by the hash of the assignments.
  EXPECT_EQ(
      s.cells[0].id.rfind("methods=A+MALA.v2_MALA.v2.step_size=0.01_gradient_evals=1000_h", 0), 0u)
      << s.cells[0].id;
  EXPECT_NE(s.cells[0].id, s.cells[2].id);
  EXPECT_EQ(s.cells[2].scenario.methods[0].kind, "ula");
  EXPECT_EQ(s.cells[3].scenario.methods[1].params.at("step_size"), 0.02);
  EXPECT_EQ(s.cells[3].scenario.budget.kind, BudgetKind::gradient_evals);
}

TEST(Sweep, NoAxesIsTheBaseAlone) {
  const Sweep s = expand_sweep(sweep_text(""), "one.json");
  ASSERT_EQ(s.cells.size(), 1u);
  EXPECT_EQ(s.cells[0].id, "base");
  EXPECT_EQ(s.cells[0].scenario.seed, 5u);
}

TEST(Sweep, EqualReadableIdsGetAHashSuffix) {
  const Sweep s = expand_sweep(sweep_text(R"(, "axes": {"target": [
      {"kind": "gmm", "params": {"components": [{"weight": 1, "mean": [0, 0], "cov": [[1, 0], [0, 1]]}]}},
      {"kind": "gmm", "params": {"components": [{"weight": 1, "mean": [1, 0], "cov": [[1, 0], [0, 1]]}]}}]})"),
                               "g.json");
  ASSERT_EQ(s.cells.size(), 2u);
  EXPECT_NE(s.cells[0].id, s.cells[1].id);
  EXPECT_EQ(s.cells[0].id.rfind("target=gmm_h", 0), 0u) << s.cells[0].id;
  EXPECT_EQ(s.cells[0].id.size(), std::string("target=gmm_h").size() + 8);
}

TEST(Sweep, BadAxesAreRefusedNamingTheAxis) {
  struct Case {
    std::string rest, expected;
  };
  const std::vector<Case> cases = {
      {R"(, "axes": {"sed": [1]})", "sweep.json: /axes/sed: axis 'sed': unknown axis"},
      {R"(, "axes": {"methods.SVG.params.particles": [10]})",
       "/axes/methods.SVG.params.particles/0: axis 'methods.SVG.params.particles': no method "
       "labelled as in 'methods.SVG.params.particles' in the scenario; labels: SVGD, MALA.v2"},
      {R"(, "axes": {"methods.SVGD.particles": [10]})",
       "/axes/methods.SVGD.particles: axis 'methods.SVGD.particles': expected "
       "methods.LABEL.params.NAME"},
      {R"(, "axes": {"target.params.radius": [2, -1]})",
       "/axes/target.params.radius/1: value -1 of axis 'target.params.radius' makes the scenario "
       "invalid: /target/params/radius:"},
      {R"(, "axes": {"methods.SVGD.params.bogus": [1]})",
       "/axes/methods.SVGD.params.bogus/0: value 1 of axis 'methods.SVGD.params.bogus' makes the "
       "scenario invalid: /methods/0/params/bogus: unknown parameter 'bogus'"},
      {R"(, "axes": {"seed": []})", "/axes/seed: axis 'seed': expected a non-empty array"},
      {R"(, "axes": {"seed": 3})", "/axes/seed: axis 'seed': expected a non-empty array"},
      {R"(, "axes": {"seed": [1, 1]})", "/axes/seed/1: axis 'seed': value 1 appears twice"},
      {R"(, "axes": {"seed": [-1]})",
       "/axes/seed/0: value -1 of axis 'seed' makes the scenario invalid"},
      {R"(, "axes": {"budget.steps": [1]})",
       "/axes/budget.steps: axis 'budget.steps': unknown budget kind"},
      {R"(, "axes": {"seed": [1]}, "cells": [{"seed": 2}])",
       "/cells/0/seed: axis 'seed' is both listed here and a product axis"},
      {R"(, "axes": {"seed": [1], "seed": [2]})", "duplicate key 'seed'"},
      {R"(, "axis": {})", "/axis: unknown key 'axis'"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(sweep_text(c.rest));
    EXPECT_NE(e.find(c.expected), std::string::npos)
        << "got: " << e << "\nexpected: " << c.expected;
  }
  EXPECT_NE(error_of(R"({"schema": 2, "base": {}})").find("/schema"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema": 1, "base": {"schema": 1}})").find("sweep.json: /base/target"),
            std::string::npos);
  EXPECT_NE(error_of("").find("empty file"), std::string::npos);
  EXPECT_NE(error_of("{\"schema\": 1,").find("sweep.json: (document)"), std::string::npos);
}

TEST(Sweep, ShardsAreDisjointAndCoverEveryCell) {
  for (std::size_t n = 1; n <= 7; ++n) {
    std::vector<int> owners(23, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < owners.size(); ++c) owners[c] += in_shard(c, {i, n});
    for (std::size_t c = 0; c < owners.size(); ++c)
      EXPECT_EQ(owners[c], 1) << "cell " << c << " of " << n;
  }
  EXPECT_EQ(parse_shard("3/4").index, 3u);
  EXPECT_EQ(parse_shard("3/4").count, 4u);
  for (const char* bad : {"4/4", "1", "/4", "1/0", "-1/4", "a/b", "1/4/5", "1.0/4"})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
  try {
    parse_shard("4/4");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--shard 4/4"), std::string::npos);
  }
}

TEST(Sweep, ShortNames) {
  EXPECT_EQ(axis_short_name("seed"), "seed");
  EXPECT_EQ(axis_short_name("target.params.radius"), "radius");
  EXPECT_EQ(axis_short_name("methods.SVGD.params.particles"), "SVGD.particles");
  EXPECT_EQ(axis_short_name("methods.SVGD.enabled"), "SVGD.enabled");
  EXPECT_EQ(axis_short_name("budget.iterations"), "iterations");
  EXPECT_EQ(axis_short_name("metrics.every"), "every");
}

}  // namespace
}  // namespace ss

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ss {
namespace {

// An ebm base's relative data.csv is read from the sweep file's folder (issue 15), like a
// scenario file's from its own; the cells' scenario files hold the resolved path.
TEST(Sweep, EbmDataCsvIsResolvedAgainstTheSweepFolder) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ss_sweep_csv_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "sweep.json") << R"({"schema": 1, "base": {"schema": 1, "task": "ebm",
    "data": {"csv": "points.csv", "box": [-1, 1, -1, 1]},
    "methods": [{"kind": "ula_ebm", "label": "ULA"}], "budget": {"iterations": 5}},
    "axes": {"seed": [1, 2]}})";
  const Sweep s = load_sweep(dir / "sweep.json");
  ASSERT_EQ(s.cells.size(), 2u);
  for (const SweepCell& c : s.cells) {
    EXPECT_EQ(fs::path(c.scenario.data.csv), dir / "points.csv");
    EXPECT_NE(c.scenario_json.find((dir / "points.csv").string()), std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ss
