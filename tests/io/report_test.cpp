#include "core/io/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/io/files.h"
#include "io/temp_dir.h"

namespace ss {
namespace {

using testing::fresh_temp_dir;

namespace fs = std::filesystem;

const char* kSweep = R"({"schema": 1, "base": {"schema": 1, "seed": 5,
  "target": {"kind": "donut"},
  "methods": [{"kind": "svgd", "label": "SVGD"}, {"kind": "mala", "label": "MALA"}],
  "budget": {"iterations": 10}},
  "axes": {"seed": [1, 2, 3], "target.params.radius": [2, 3]}})";

// The values a fake cell reports: a smooth function of seed and radius, so every group's
// statistics are known exactly.
double ksd_of(int seed, double radius, const std::string& label) {
  return 0.1 * seed + radius + (label == "MALA" ? 10 : 0);
}

// Writes a finished cell the way the runner does (the parts the report reads).
void write_cell(const fs::path& out, const SweepCell& cell, bool mala_diverged) {
  const fs::path dir = out / cell.id;
  fs::create_directories(dir);
  write_file_atomically(dir / "scenario.json", cell.scenario_json);
  nlohmann::ordered_json c;
  c["id"] = cell.id;
  for (const auto& a : cell.assignments)
    c["axes"][a.axis] = nlohmann::ordered_json::parse(a.value_json);
  write_file_atomically(dir / "cell.json", c.dump(2));
  const int seed = int(cell.scenario.seed);
  const double radius = cell.scenario.target.params.at("radius");
  nlohmann::ordered_json s;
  s["scenario"] = "";
  s["seed"] = cell.scenario.seed;
  s["target"] = "donut";
  s["interrupted"] = false;
  for (const std::string label : {"SVGD", "MALA"}) {
    nlohmann::ordered_json m;
    m["label"] = label;
    m["kind"] = label == "SVGD" ? "svgd" : "mala";
    const bool diverged = label == "MALA" && mala_diverged;
    m["status"] = diverged ? "diverged" : "ok";
    if (diverged) m["reason"] = "non-finite samples";
    m["iterations"] = 10;
    m["gradient_evals"] = 1000 * seed;
    m["sampler_seconds"] = 0.5 * seed;
    m["metric_seconds"] = 0.1;
    m["final"]["ksd2_imq"] = ksd_of(seed, radius, label);
    m["final"]["energy_distance"] =
        seed == 3 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(0.01 * seed);
    s["methods"].push_back(m);
  }
  write_file_atomically(dir / "summary.json", s.dump(2));
  write_file_atomically(dir / "metrics.csv",
                        "method,label,iteration,gradient_evals,wall_seconds,metric,value\n"
                        "svgd,SVGD,0,0,0,ksd2_imq,5\n");
}

const SummaryRow* find_row(const Report& r, const std::string& label, const std::string& radius,
                           const std::string& metric) {
  for (const auto& row : r.rows)
    if (row.label == label && row.axis_values == std::vector<std::string>{radius} &&
        row.metric == metric)
      return &row;
  return nullptr;
}

TEST(Report, MergeEqualsADirectComputationAndListsWhatItLeavesOut) {
  const fs::path out = fresh_temp_dir("ss_report_test", "merge");
  write_file_atomically(out / "sweep.json", kSweep);
  const Sweep sweep = expand_sweep(kSweep, "sweep.json");
  ASSERT_EQ(sweep.cells.size(), 6u);  // seed-major: (1,2) (1,3) (2,2) (2,3) (3,2) (3,3)
  // seed=1: both radii finished; seed=2, radius=2: MALA diverged; seed=2, radius=3: failed;
  // seed=3, radius=2: finished; seed=3, radius=3: missing (no folder).
  write_cell(out, sweep.cells[0], false);
  write_cell(out, sweep.cells[1], false);
  write_cell(out, sweep.cells[2], true);
  write_cell(out, sweep.cells[3], false);
  write_file_atomically(out / sweep.cells[3].id / "failed.json",
                        R"({"id": "x", "exit_status": 2, "message": "bad thing"})");
  write_cell(out, sweep.cells[4], false);
  // A second shard's folder holding a copy of a cell: the first copy is kept, with a warning.
  const fs::path shard2 = fresh_temp_dir("ss_report_test", "merge_shard2");
  write_cell(shard2, sweep.cells[0], false);

  const Report r = build_report({out, shard2});
  ASSERT_EQ(r.cells.size(), 6u);
  EXPECT_EQ(r.axes, (std::vector<std::string>{"seed", "target.params.radius"}));
  EXPECT_EQ(r.group_axes, (std::vector<std::string>{"target.params.radius"}));
  EXPECT_EQ(r.warnings.size(), 1u);

  // Direct computation: SVGD at radius 2 has seeds 1, 2, 3 finished.
  {
    const SummaryRow* row = find_row(r, "SVGD", "2", "ksd2_imq");
    ASSERT_NE(row, nullptr);
    const std::vector<double> v = {ksd_of(1, 2, "SVGD"), ksd_of(2, 2, "SVGD"),
                                   ksd_of(3, 2, "SVGD")};
    const double mean = (v[0] + v[1] + v[2]) / 3;
    const double sd = std::sqrt(((v[0] - mean) * (v[0] - mean) + (v[1] - mean) * (v[1] - mean) +
                                 (v[2] - mean) * (v[2] - mean)) /
                                2);
    EXPECT_EQ(row->n, 3u);
    EXPECT_NEAR(row->mean, mean, 1e-12);
    EXPECT_NEAR(row->sd, sd, 1e-12);
    EXPECT_EQ(row->min, v[0]);
    EXPECT_EQ(row->max, v[2]);
  }
  // MALA at radius 2: seed 2 diverged, so only seeds 1 and 3 — never the diverged value.
  {
    const SummaryRow* row = find_row(r, "MALA", "2", "ksd2_imq");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->n, 2u);
    EXPECT_NEAR(row->mean, (ksd_of(1, 2, "MALA") + ksd_of(3, 2, "MALA")) / 2, 1e-12);
  }
  // Radius 3: seed 2 failed and seed 3 missing, so one value and no sd.
  {
    const SummaryRow* row = find_row(r, "SVGD", "3", "ksd2_imq");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->n, 1u);
    EXPECT_EQ(row->mean, ksd_of(1, 3, "SVGD"));
    EXPECT_TRUE(std::isnan(row->sd));
  }
  // A null final value (seed 3's energy distance) is not counted; cost figures are summarized.
  EXPECT_EQ(find_row(r, "SVGD", "2", "energy_distance")->n, 2u);
  EXPECT_NEAR(find_row(r, "SVGD", "2", "energy_distance")->mean, 0.015, 1e-12);
  EXPECT_NEAR(find_row(r, "SVGD", "2", "gradient_evals")->mean, 2000, 1e-9);

  // Every problem is listed.
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].label, "MALA");
  EXPECT_EQ(r.problems[0].status, "diverged");
  EXPECT_EQ(r.problems[1].cell, sweep.cells[3].id);
  EXPECT_EQ(r.problems[1].status, "failed");
  EXPECT_NE(r.problems[1].reason.find("exit status 2: bad thing"), std::string::npos);
  EXPECT_EQ(r.problems[2].cell, sweep.cells[5].id);
  EXPECT_EQ(r.problems[2].status, "missing");

  const std::string summary = summary_csv(r);
  EXPECT_EQ(summary.substr(0, summary.find('\n')),
            "label,target.params.radius,metric,n,mean,sd,min,max");
  EXPECT_NE(summary.find("SVGD,3,ksd2_imq,1,3.1,,3.1,3.1\n"), std::string::npos) << summary;
  const std::string cells = cells_csv(r);
  EXPECT_EQ(cells.substr(0, cells.find('\n')),
            "cell,status,label,kind,target,seed,target.params.radius,metric,value");
  EXPECT_NE(cells.find(sweep.cells[3].id + ",failed,,,,,3,exit status 2: bad thing,\n"),
            std::string::npos)
      << cells;
  const std::string md = report_markdown(r);
  EXPECT_NE(md.find("6 cells: 4 finished, 1 failed, 0 incomplete, 1 missing"), std::string::npos)
      << md;
  EXPECT_NE(md.find("`" + sweep.cells[5].id + "`: missing"), std::string::npos) << md;
  fs::remove_all(out);
  fs::remove_all(shard2);
}

TEST(Report, InterruptedCellsAreIncompleteAndBadInputsAreNamed) {
  const fs::path out = fresh_temp_dir("ss_report_test", "incomplete");
  const Sweep sweep = expand_sweep(kSweep, "sweep.json");
  write_cell(out, sweep.cells[0], false);
  auto text = read_file_text(out / sweep.cells[0].id / "summary.json");
  text.replace(text.find("\"interrupted\": false"), 20, "\"interrupted\": true");
  write_file_atomically(out / sweep.cells[0].id / "summary.json", text);
  const Report r = build_report({out / sweep.cells[0].id});  // a cell folder given directly
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].status, "incomplete");
  EXPECT_TRUE(r.rows.empty());
  try {
    build_report({out / "nope"});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nope: not a folder"), std::string::npos);
  }
  fs::create_directories(out / "empty");
  EXPECT_THROW(build_report({out / "empty"}), std::runtime_error);
  fs::remove_all(out);
}

TEST(Report, ParsesMetricsCsv) {
  const auto rows = parse_metrics_csv(
      "method,label,iteration,gradient_evals,wall_seconds,metric,value\n"
      "svgd,\"a, \"\"b\"\"\",50,1000,0.25,ksd2_imq,1e-3\n"
      "svgd,x,100,2000,0.5,loss,nan\n",
      "m.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].label, "a, \"b\"");
  EXPECT_EQ(rows[0].iteration, 50);
  EXPECT_EQ(rows[0].gradient_evals, 1000u);
  EXPECT_EQ(rows[0].value, 1e-3);
  EXPECT_TRUE(std::isnan(rows[1].value));
  EXPECT_THROW(parse_metrics_csv("a,b\n", "m.csv"), std::runtime_error);
  try {
    parse_metrics_csv(
        "method,label,iteration,gradient_evals,wall_seconds,metric,value\nsvgd,x,1,2,3,k,zz\n",
        "m.csv");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("m.csv: line 2: 'zz' is not a number"), std::string::npos);
  }
}

}  // namespace
}  // namespace ss
