#include "core/io/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "core/io/files.h"
#include "engine/toy_sampler.h"
#include "io/temp_dir.h"

namespace ss {
namespace {

using testing::fresh_temp_dir;

namespace fs = std::filesystem;
using testing::walker_catalog;

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
  const fs::path dir = fresh_temp_dir("ss_io_test", "roundtrip");
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

// The metric settings' and budget's limits are parameter definitions (issue 19): their defaults
// are MetricSettings{}'s, and validation (in memory and from text) accepts each limit and refuses
// one step beyond it at the field's pointer, the message quoting the definition's range.
TEST(Scenario, MetricAndBudgetLimitsAreParameterDefinitions) {
  const MetricSettings defaults;
  EXPECT_EQ(ksd_samples_def().default_value, defaults.ksd_samples);
  EXPECT_EQ(metric_every_def().default_value, defaults.every);
  EXPECT_EQ(iid_draws_def().default_value, defaults.iid_draws);
  EXPECT_EQ(budget_amount_def(BudgetKind::iterations).max, kMaxBudgetCount);
  EXPECT_EQ(budget_amount_def(BudgetKind::gradient_evals).max, kMaxBudgetCount);
  EXPECT_EQ(budget_amount_def(BudgetKind::seconds).max, kMaxBudgetSeconds);
  struct Field {
    const ParamDef* def;
    int MetricSettings::*member;
  };
  for (const Field f : {Field{&ksd_samples_def(), &MetricSettings::ksd_samples},
                        Field{&metric_every_def(), &MetricSettings::every},
                        Field{&iid_draws_def(), &MetricSettings::iid_draws}}) {
    SCOPED_TRACE(f.def->name);
    for (double edge : {f.def->min, f.def->max}) {
      Scenario s = testing::walker_scenario(1, 10);
      s.metrics.*f.member = int(edge);
      EXPECT_NO_THROW(validate_scenario(s, "ui", walker_catalog()));
      EXPECT_EQ(parse_scenario(to_json_text(s), "t.json", walker_catalog()), s);
      s.metrics.*f.member = int(edge == f.def->min ? edge - 1 : edge + 1);
      for (int from_text = 0; from_text < 2; ++from_text) {
        try {
          if (from_text)
            (void)parse_scenario(to_json_text(s), "t.json", walker_catalog());
          else
            validate_scenario(s, "ui", walker_catalog());
          ADD_FAILURE() << "accepted " << s.metrics.*f.member;
        } catch (const ScenarioError& e) {
          EXPECT_EQ(e.pointer, "/metrics/" + f.def->name);
          const std::string range =
              format_double(f.def->min) + ", " + format_double(f.def->max) + "]";
          EXPECT_NE(e.message.find(range), std::string::npos) << e.message;
        }
      }
    }
  }
  Scenario s = testing::walker_scenario(1, 10);
  s.budget = {BudgetKind::iterations, kMaxBudgetCount};
  EXPECT_NO_THROW(validate_scenario(s, "ui", walker_catalog()));
  s.budget.amount = 2 * kMaxBudgetCount;
  EXPECT_THROW(validate_scenario(s, "ui", walker_catalog()), ScenarioError);
  s.budget = {BudgetKind::seconds, kMaxBudgetSeconds};
  EXPECT_NO_THROW(validate_scenario(s, "ui", walker_catalog()));
  s.budget.amount = 0;  // the seconds budget's min is exclusive
  EXPECT_THROW(validate_scenario(s, "ui", walker_catalog()), ScenarioError);
}

// ---------------------------------------------------------------------------------------------
// The ebm task (issue 15): "task", "data" and "ebm" blocks, kinds per task, data.csv paths.

using testing::fitter_scenario;
using testing::toy_catalog;

std::string error_pointer(const std::string& text, const MethodCatalog& catalog,
                          std::string* message = nullptr) {
  try {
    parse_scenario(text, "mem", catalog);
  } catch (const ScenarioError& e) {
    if (message) *message = e.message;
    return e.pointer;
  }
  return "(accepted)";
}

TEST(ScenarioEbm, RoundTripThroughText) {
  Scenario s = fitter_scenario(2, 300);
  s.data.samples = 5000;
  s.data.test_samples = 700;
  s.ebm.hidden = {16, 8};
  s.ebm.leaky_slope = 0.2;
  s.ebm.optimizer = "sgd";
  s.ebm.learning_rate = 0.1 + 0.2;  // not exactly representable in short decimal
  s.ebm.batch = 32;
  s.ebm.persistent = 33;
  s.ebm.l2 = 1e-4;
  s.methods[0].params["rate"] = 0.25;
  const std::string text = to_json_text(s);
  EXPECT_NE(text.find("\"task\": \"ebm\""), std::string::npos) << text;
  const Scenario back = parse_scenario(text, "mem", toy_catalog());
  EXPECT_TRUE(back == s) << text;
  EXPECT_EQ(to_json_text(back), text);
  // CSV data with its box.
  s.data = {};
  s.data.csv = "/data/points.csv";
  s.data.box = Box{-3, 3.5, -2, 2.25};
  const Scenario csv = parse_scenario(to_json_text(s), "mem", toy_catalog());
  EXPECT_TRUE(csv == s) << to_json_text(s);
}

TEST(ScenarioEbm, DefaultsAndSampleFilesUnchanged) {
  const Scenario e = parse_scenario(R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a"}], "budget": {"iterations": 10}})",
                                    "mem", toy_catalog());
  EXPECT_EQ(e.task, Task::ebm);
  EXPECT_TRUE(e.data == DataSettings{});
  EXPECT_TRUE(e.ebm == EbmSettings{});
  EXPECT_EQ(e.ebm.hidden, (std::vector<int>{32, 64, 64, 64}));  // Nijkamp's toy net
  // A sample scenario: "task" is optional, and none of the new keys is written back, so an old
  // file's text round trip is unchanged.
  const Scenario s = parse_scenario(R"({"schema": 1, "target": {"kind": "banana"},
    "methods": [{"kind": "walker", "label": "a"}], "budget": {"iterations": 10}})",
                                    "mem", toy_catalog());
  EXPECT_EQ(s.task, Task::sample);
  const std::string text = to_json_text(s);
  for (const char* key : {"\"task\"", "\"data\"", "\"ebm\""})
    EXPECT_EQ(text.find(key), std::string::npos) << key << " in " << text;
  const Scenario explicit_sample = parse_scenario(
      R"({"schema": 1, "task": "sample", "target": {"kind": "banana"},
    "methods": [{"kind": "walker", "label": "a"}], "budget": {"iterations": 10}})",
      "mem", toy_catalog());
  EXPECT_TRUE(explicit_sample == s);
}

TEST(ScenarioEbm, MethodKindsArePerTask) {
  std::string message;
  EXPECT_EQ(error_pointer(R"({"schema": 1, "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a"}], "budget": {"iterations": 10}})",
                          toy_catalog(), &message),
            "/methods/0/kind");
  EXPECT_NE(message.find("needs \"task\": \"ebm\""), std::string::npos) << message;
  EXPECT_EQ(error_pointer(R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a"}, {"kind": "walker", "label": "b"}],
    "budget": {"iterations": 10}})",
                          toy_catalog(), &message),
            "/methods/1/kind");
  EXPECT_NE(message.find("is a sampler of the \"sample\" task"), std::string::npos) << message;
  EXPECT_NE(message.find("fitter"), std::string::npos) << "lists the ebm kinds: " << message;
  // A catalog without ebm methods refuses the task's kinds.
  EXPECT_EQ(error_pointer(R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a"}], "budget": {"iterations": 10}})",
                          walker_catalog(), &message),
            "/methods/0/kind");
  // The knob table is the task's: a fitter knob is accepted, a walker knob is not.
  EXPECT_EQ(error_pointer(R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a", "params": {"rate": 0.5}}],
    "budget": {"iterations": 10}})",
                          toy_catalog()),
            "(accepted)");
  EXPECT_EQ(error_pointer(R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"},
    "methods": [{"kind": "fitter", "label": "a", "params": {"particles": 5}}],
    "budget": {"iterations": 10}})",
                          toy_catalog()),
            "/methods/0/params/particles");
  // The engine's in-memory path gives the same pointer.
  Scenario mixed = fitter_scenario();
  mixed.methods[1].kind = "walker";
  try {
    validate_scenario(mixed, "mem", toy_catalog());
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/methods/1/kind");
  }
}

TEST(ScenarioEbm, BlocksAreValidatedWithTheirPointers) {
  const auto ebm = [](const std::string& blocks) {
    return R"({"schema": 1, "task": "ebm", "target": {"kind": "banana"}, )" + blocks +
           R"(, "methods": [{"kind": "fitter", "label": "a"}], "budget": {"iterations": 10}})";
  };
  const MethodCatalog c = toy_catalog();
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"hidden": [32, 0]})"), c), "/ebm/hidden/1");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"hidden": [1,1,1,1,1,1,1,1,1]})"), c), "/ebm/hidden");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"hidden": 32})"), c), "/ebm/hidden");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"leaky_slope": 1})"), c), "/ebm/leaky_slope");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"optimizer": "rmsprop"})"), c), "/ebm/optimizer");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"learning_rate": 2})"), c), "/ebm/learning_rate");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"batch": 0})"), c), "/ebm/batch");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"batch": 4097})"), c), "/ebm/batch");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"batch": 128, "persistent": 64})"), c), "/ebm/persistent");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"persistent": 65537})"), c), "/ebm/persistent");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"l2": -1e-3})"), c), "/ebm/l2");
  EXPECT_EQ(error_pointer(ebm(R"("ebm": {"momentum": 0.9})"), c), "/ebm/momentum");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"samples": 15})"), c), "/data/samples");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"test_samples": 1000001})"), c), "/data/test_samples");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"box": [-1, 1, -1, 1]})"), c), "/data/box");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"csv": ""})"), c), "/data/csv");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"csv": "p.csv", "box": [1, -1, -1, 1]})"), c),
            "/data/box");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"csv": "p.csv", "box": [-1, 1, -1, 1, 0]})"), c),
            "/data/box");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"csv": "p.csv"})"), c), "/data/box");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"csv": "p.csv", "test_samples": 20,
                                          "box": [-1, 1, -1, 1]})"),
                          c),
            "/data/test_samples");
  EXPECT_EQ(error_pointer(ebm(R"("data": {"samples": 64, "test_samples": 16},
                                 "ebm": {"batch": 8, "persistent": 8, "l2": 1e-4})"),
                          c),
            "(accepted)");
  // Blocks of the ebm task in a sampling scenario, and an unknown task.
  EXPECT_EQ(error_pointer(R"({"schema": 1, "target": {"kind": "banana"}, "data": {},
    "methods": [{"kind": "walker", "label": "a"}], "budget": {"iterations": 10}})",
                          c),
            "/data");
  EXPECT_EQ(error_pointer(R"({"schema": 1, "task": 1, "target": {"kind": "banana"},
    "methods": [{"kind": "walker", "label": "a"}], "budget": {"iterations": 10}})",
                          c),
            "/task");
  // In memory: a sample scenario may not carry ebm settings (they would not be saved).
  Scenario s = testing::walker_scenario();
  s.ebm.learning_rate = 0.5;
  try {
    validate_scenario(s, "mem", c);
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/ebm");
  }
  Scenario f = fitter_scenario();
  f.ebm.persistent = f.ebm.batch - 1;
  try {
    validate_scenario(f, "mem", c);
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/ebm/persistent");
  }
}

TEST(ScenarioEbm, CsvPathIsResolvedAgainstTheScenarioFolder) {
  const fs::path dir = fresh_temp_dir("ss_io_test", "ebm_csv");
  fs::create_directories(dir / "sub");
  { std::ofstream(dir / "sub" / "points.csv") << "x,y\n0,0\n1,1\n"; }
  const std::string text = R"({"schema": 1, "task": "ebm",
    "data": {"csv": "sub/points.csv", "box": [-2, 2, -2, 2]},
    "methods": [{"kind": "fitter", "label": "a"}], "budget": {"iterations": 10}})";
  { std::ofstream(dir / "s.json") << text; }
  const Scenario s = load_scenario(dir / "s.json", toy_catalog());
  EXPECT_EQ(fs::path(s.data.csv), dir / "sub" / "points.csv");
  // No target: the uniform formula target on data.box, which round-trips like any other.
  EXPECT_EQ(s.target.kind, "formula");
  EXPECT_EQ(s.target.log_density, "0");
  EXPECT_TRUE(s.target.box == (Box{-2, 2, -2, 2}));
  EXPECT_TRUE(parse_scenario(to_json_text(s), "mem", toy_catalog()) == s);
  // parse_scenario (no file) keeps the path as written.
  EXPECT_EQ(parse_scenario(text, "mem", toy_catalog()).data.csv, "sub/points.csv");
  // A path that is not a file is named.
  fs::remove(dir / "sub" / "points.csv");
  try {
    load_scenario(dir / "s.json", toy_catalog());
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pointer, "/data/csv");
    EXPECT_NE(e.message.find("does not exist"), std::string::npos) << e.message;
  }
  fs::remove_all(dir);
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
