#include "core/io/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "core/io/files.h"
#include "engine/toy_sampler.h"

namespace ss {
namespace {

namespace fs = std::filesystem;
using testing::walker_catalog;

fs::path temp_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("ss_io_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Scenario rich_scenario() {
  Scenario s = testing::walker_scenario(2, 300);
  s.name = "rich \"quoted\" name, with comma";
  s.description = "line one\nline two";
  s.seed = 18446744073709551615ULL;              // the largest seed survives the trip
  s.methods[0].params["step_size"] = 0.1 + 0.2;  // not exactly representable in short decimal
  s.methods[1].enabled = false;
  s.budget = {BudgetKind::seconds, 2.5};
  s.metrics = {500, 7, 3, false, true};
  return s;
}

TEST(Scenario, RoundTripThroughText) {
  const Scenario s = rich_scenario();
  const std::string text = to_json_text(s);
  const Scenario back = parse_scenario(text, "mem", walker_catalog());
  EXPECT_TRUE(back == s) << text;
  EXPECT_EQ(to_json_text(back), text);  // and the text is stable
}

TEST(Scenario, RoundTripEveryTargetShape) {
  Scenario s = rich_scenario();
  s.target = {};
  s.target.kind = "formula";
  s.target.log_density = "-(x^2 + y^2)/2 # comment";
  s.target.box = {-3.5, 3.25, -4, 4.125};
  EXPECT_TRUE(parse_scenario(to_json_text(s), "mem", walker_catalog()) == s);
  s.target = {};
  s.target.kind = "donut";
  s.target.params = {{"radius", 3.1}, {"sigma2", 0.05}};
  EXPECT_TRUE(parse_scenario(to_json_text(s), "mem", walker_catalog()) == s);
  s.target = {};
  s.target.kind = "rings";
  s.target.params = {{"rings", 3}};
  const std::string text = to_json_text(s);
  EXPECT_NE(text.find("\"rings\": 3\n"), std::string::npos) << "integer knobs print as integers";
  EXPECT_TRUE(parse_scenario(text, "mem", walker_catalog()) == s);
}

TEST(Scenario, RoundTripThroughFileAndRegistryChoices) {
  // The real registry: enumerations are written by name and read back as indices.
  Scenario s = rich_scenario();
  s.methods = {{"dft", "DFT", {{"variant", 1}, {"batch_size", 128}}, true}};
  const fs::path dir = temp_dir("roundtrip");
  save_scenario(s, dir / "s.json");
  const std::string text = read_file_text(dir / "s.json");
  EXPECT_NE(text.find("\"variant\": \"partial\""), std::string::npos) << text;
  EXPECT_TRUE(load_scenario(dir / "s.json") == s);
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  fs::remove_all(dir);
}

TEST(Scenario, DefaultsForOptionalFields) {
  const std::string text = R"({"schema": 1, "target": {"kind": "banana"},
    "methods": [{"kind": "walker", "label": "a"}], "budget": {"gradient_evals": 1e4}})";
  const Scenario s = parse_scenario(text, "mem", walker_catalog());
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_TRUE(s.metrics == MetricSettings{});
  EXPECT_EQ(s.budget.kind, BudgetKind::gradient_evals);
  EXPECT_EQ(s.budget.amount, 1e4);  // an integral float is accepted as a whole number
  EXPECT_TRUE(s.methods[0].params.empty());
  EXPECT_TRUE(s.methods[0].enabled);
}

TEST(Scenario, ErrorsNameFileAndField) {
  try {
    parse_scenario(R"({"schema": 1, "target": {"kind": "donut"},
      "methods": [{"kind": "walker", "label": "a", "params": {"particles": 0}}],
      "budget": {"iterations": 5}})",
                   "my.json", walker_catalog());
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file, "my.json");
    EXPECT_EQ(e.pointer, "/methods/0/params/particles");
    EXPECT_NE(e.message.find("expected an integer in [1, 100000]"), std::string::npos) << e.message;
    EXPECT_EQ(std::string(e.what()).rfind("my.json: /methods/0/params/particles: ", 0), 0u);
  }
  // Pointer tokens are escaped (RFC 6901): '/' → ~1, '~' → ~0.
  try {
    parse_scenario(R"({"schema": 1, "a/b~c": 1})", "x", walker_catalog());
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/a~1b~0c");
  }
  // A missing file names the path.
  try {
    load_scenario("/nonexistent/dir/s.json", walker_catalog());
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file, "/nonexistent/dir/s.json");
    EXPECT_NE(e.message.find("cannot read"), std::string::npos);
  }
}

// Defect 7 of issue 19: oversized files and texts, directories and FIFOs are refused up front
// with a clear message naming the file (no gigabytes of parsing, no blocking read).
TEST(Scenario, RefusesOversizedFilesDirectoriesAndPipes) {
  const auto message = [](auto&& load) {
    try {
      load();
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string huge(kMaxScenarioBytes + 1, ' ');
  const std::string text_error =
      message([&] { parse_scenario(huge, "<clipboard>", walker_catalog()); });
  EXPECT_NE(text_error.find("<clipboard>: (document): larger than 4 MiB"), std::string::npos)
      << text_error;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ss_scenario_refuse_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "big.json", huge);
  const std::string file_error =
      message([&] { load_scenario(dir / "big.json", walker_catalog()); });
  EXPECT_NE(file_error.find("big.json"), std::string::npos) << file_error;
  EXPECT_NE(file_error.find("larger than 4 MiB"), std::string::npos) << file_error;
  const std::string dir_error = message([&] { load_scenario(dir, walker_catalog()); });
  EXPECT_NE(dir_error.find("is a directory"), std::string::npos) << dir_error;
  EXPECT_EQ(dir_error.find("empty file"), std::string::npos) << dir_error;
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  const std::string fifo_error =
      message([&] { load_scenario(dir / "fifo.json", walker_catalog()); });
  EXPECT_NE(fifo_error.find("not a regular file"), std::string::npos) << fifo_error;
  const std::string zero_error = message([&] { load_scenario("/dev/zero", walker_catalog()); });
  EXPECT_NE(zero_error.find("not a regular file"), std::string::npos) << zero_error;
  std::filesystem::remove_all(dir);
}

TEST(Scenario, ValidateInMemory) {
  Scenario s = testing::walker_scenario(2, 10);
  EXPECT_NO_THROW(validate_scenario(s, "ui", walker_catalog()));
  s.methods[1].label = s.methods[0].label;
  try {
    validate_scenario(s, "ui", walker_catalog());
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/methods/1/label");
  }
  s = testing::walker_scenario(1, 10);
  s.budget.amount = 0.5;
  EXPECT_THROW(validate_scenario(s, "ui", walker_catalog()), ScenarioError);
  s = testing::walker_scenario(1, 10);
  s.target.components[0].cov(0, 1) = 5;  // not symmetric / not positive definite
  EXPECT_THROW(validate_scenario(s, "ui", walker_catalog()), ScenarioError);
}

// Every file in tests/io/broken/ is rejected with the expected pointer and phrase
// (tests/io/broken/expected.tsv), the message names the file, and nothing else is thrown.
TEST(Scenario, BrokenCorpusIsRejectedWithTheField) {
  const fs::path dir = fs::path(SS_SOURCE_DIR) / "tests/io/broken";
  std::ifstream manifest(dir / "expected.tsv");
  ASSERT_TRUE(manifest) << "missing expected.tsv";
  std::string line;
  int checked = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::string file, pointer, phrase;
    std::getline(row, file, '\t');
    std::getline(row, pointer, '\t');
    std::getline(row, phrase, '\t');
    SCOPED_TRACE(file);
    try {
      load_scenario(dir / file);
      ADD_FAILURE() << "accepted";
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.pointer, pointer) << e.what();
      EXPECT_NE(e.message.find(phrase), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
  // Every file of the folder is listed.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".json";
  EXPECT_EQ(files, checked);
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// Every gallery scenario is valid against the real registries, and saving it loses nothing.
TEST(Scenario, GalleryScenariosAreValidAndRoundTrip) {
  const std::filesystem::path dir = std::filesystem::path(SS_SOURCE_DIR) / "assets/scenarios";
  int count = 0;
  bool has_default = false;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().filename().string());
    Scenario s;
    ASSERT_NO_THROW(s = load_scenario(e.path()));
    EXPECT_FALSE(s.name.empty());
    EXPECT_TRUE(parse_scenario(to_json_text(s), "mem") == s);
    if (e.path().filename() == "default.json") {
      has_default = true;
      EXPECT_EQ(s.target.kind, "donut");
      ASSERT_EQ(s.methods.size(), 3u);
      EXPECT_EQ(s.methods[0].kind, "dft");
      EXPECT_EQ(s.methods[1].kind, "svgd");
      EXPECT_EQ(s.methods[2].kind, "flowmc");
    }
    ++count;
  }
  EXPECT_TRUE(has_default);
  EXPECT_GE(count, 14);
}

}  // namespace
}  // namespace ss
