#include "core/io/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/ebm/trainer.h"
#include "core/io/files.h"
#include "core/targets/formula.h"

namespace ss {

using json = nlohmann::json;

namespace {

// Limits that keep absurd files from exhausting memory or time (documented in docs/scenarios.md).
constexpr int kMaxMethods = 64;
constexpr int kMaxComponents = 256;
constexpr size_t kMaxLabelLength = 200;
constexpr size_t kMaxTextLength = 1 << 16;

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string number_text(double v) {
  return format_double(v);
}

// ---------------------------------------------------------------------------------------------
// Strict SAX parser: builds the document, rejects duplicate keys and remembers the JSON pointer
// of the value being read, so syntax errors and number overflows name the field too.

class StrictSax : public nlohmann::json_sax<json> {
 public:
  json root;
  std::string error_pointer, error_message;

  bool null() override { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) override { return put(json(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return put(json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t&) override { return put(json(v)) != nullptr; }
  bool string(string_t& v) override { return put(json(v)) != nullptr; }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(json::object(), false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(json::array(), true); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    f.key = k;
    ++f.started;
    f.value_done = false;
    if (!f.keys.insert(k).second)
      return fail("duplicate key '" + k + "'; each key may appear once");
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    const auto close_bracket = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && close_bracket != std::string::npos)
      what = what.substr(close_bracket + 2);
    fail(what);
    return false;
  }

  std::string current_pointer() const {
    std::string p;
    // A container's pointer, plus the member being read unless its value is already complete.
    for (const auto& f : frames_) {
      if (f.value_done || f.started == 0) break;
      p += "/" + (f.is_array ? std::to_string(f.started - 1) : escape_pointer_token(f.key));
    }
    return p;
  }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t started = 0;  // members (array elements or object keys) begun so far
    bool value_done = false;  // the latest member's value is complete
    std::string key;
    std::set<std::string> keys;
  };

  bool fail(const std::string& message) {
    if (error_message.empty()) {
      error_pointer = current_pointer();
      error_message = message;
    }
    return false;
  }
  json* put(json value) {
    if (stack_.empty()) {
      root = std::move(value);
      return &root;
    }
    json* parent = stack_.back();
    Frame& f = frames_.back();
    if (parent->is_array()) {
      const bool scalar = !value.is_structured();
      parent->push_back(std::move(value));
      ++f.started;
      f.value_done = scalar;
      return &parent->back();
    }
    json& slot = (*parent)[f.key];
    f.value_done = !value.is_structured();
    slot = std::move(value);
    return &slot;
  }
  bool open(json value, bool is_array) {
    if (frames_.size() >= 64) return fail("nesting deeper than 64 levels");
    json* j = put(std::move(value));
    stack_.push_back(j);
    Frame f;
    f.is_array = is_array;
    frames_.push_back(std::move(f));
    return true;
  }
  bool close() {
    stack_.pop_back();
    frames_.pop_back();
    if (!frames_.empty()) frames_.back().value_done = true;
    return true;
  }

  std::vector<json*> stack_;
  std::vector<Frame> frames_;
};

// ---------------------------------------------------------------------------------------------
// Typed readers: each names the field by its pointer and says what was expected.

const char* json_type_text(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

class Reader {
 public:
  explicit Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    throw ScenarioError(file_, pointer, message);
  }
  [[noreturn]] void wrong_type(const json& j, const std::string& pointer,
                               const std::string& expected) const {
    fail(pointer, "expected " + expected + ", got " + json_type_text(j));
  }

  void object(const json& j, const std::string& pointer) const {
    if (!j.is_object()) wrong_type(j, pointer, "an object");
  }
  void array(const json& j, const std::string& pointer) const {
    if (!j.is_array()) wrong_type(j, pointer, "an array");
  }
  /// Rejects keys outside `allowed`.
  void keys(const json& j, const std::string& pointer,
            const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : j.items()) {
      bool known = false;
      for (const auto& a : allowed) known = known || a == k;
      if (!known)
        fail(pointer + "/" + escape_pointer_token(k),
             "unknown key '" + k + "'; expected one of: " + join(allowed));
    }
  }
  const json& required(const json& j, const std::string& pointer, const std::string& key,
                       const std::string& expected) const {
    auto it = j.find(key);
    if (it == j.end()) fail(pointer + "/" + key, "missing; expected " + expected);
    return *it;
  }
  std::string string(const json& j, const std::string& pointer) const {
    if (!j.is_string()) wrong_type(j, pointer, "a string");
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > kMaxTextLength)
      fail(pointer, "string of " + std::to_string(s.size()) + " bytes; expected at most " +
                        std::to_string(kMaxTextLength));
    return s;
  }
  bool boolean(const json& j, const std::string& pointer) const {
    if (!j.is_boolean()) wrong_type(j, pointer, "true or false");
    return j.get<bool>();
  }
  double number(const json& j, const std::string& pointer) const {
    if (!j.is_number()) wrong_type(j, pointer, "a number");
    const double v = j.get<double>();
    if (!std::isfinite(v)) fail(pointer, "expected a finite number");
    return v;
  }
  /// A whole number in [lo, hi] (integral floats such as 1e3 are accepted).
  double whole(const json& j, const std::string& pointer, double lo, double hi) const {
    const std::string expected =
        "a whole number in [" + number_text(lo) + ", " + number_text(hi) + "]";
    if (!j.is_number()) wrong_type(j, pointer, expected);
    const double v = j.get<double>();
    if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi)
      fail(pointer, number_text(v) + " is out of range; expected " + expected);
    return v;
  }

 private:
  const std::string& file_;
};

// ---------------------------------------------------------------------------------------------

void read_box(const Reader& r, const json& j, const std::string& p, Box& box) {
  r.array(j, p);
  if (j.size() != 4) r.fail(p, "expected an array of 4 numbers [xmin, xmax, ymin, ymax]");
  box.xmin = r.number(j[0], p + "/0");
  box.xmax = r.number(j[1], p + "/1");
  box.ymin = r.number(j[2], p + "/2");
  box.ymax = r.number(j[3], p + "/3");
}

Vec2 read_vec2(const Reader& r, const json& j, const std::string& p) {
  r.array(j, p);
  if (j.size() != 2) r.fail(p, "expected an array of 2 numbers");
  return {r.number(j[0], p + "/0"), r.number(j[1], p + "/1")};
}

TargetSpec read_target(const Reader& r, const json& j, const std::string& p) {
  r.object(j, p);
  r.keys(j, p, {"kind", "params"});
  TargetSpec spec;
  spec.kind = r.string(r.required(j, p, "kind", "a target kind such as \"donut\""), p + "/kind");
  std::vector<std::string> kinds = builtin_target_kinds();
  kinds.push_back("formula");
  bool known = false;
  for (const auto& k : kinds) known = known || k == spec.kind;
  if (!known)
    r.fail(p + "/kind", "unknown target kind '" + spec.kind + "'; expected one of: " + join(kinds));
  const std::string pp = p + "/params";
  auto it = j.find("params");
  if (it == j.end()) return spec;
  const json& params = *it;
  r.object(params, pp);
  if (spec.kind == "gmm") {
    r.keys(params, pp, {"components"});
    const std::string cp = pp + "/components";
    const json& comps = r.required(params, pp, "components", "an array of mixture components");
    r.array(comps, cp);
    if (comps.empty() || comps.size() > size_t(kMaxComponents))
      r.fail(cp, "expected 1 to " + std::to_string(kMaxComponents) + " components, got " +
                     std::to_string(comps.size()));
    for (size_t i = 0; i < comps.size(); ++i) {
      const std::string ip = cp + "/" + std::to_string(i);
      const json& c = comps[i];
      r.object(c, ip);
      r.keys(c, ip, {"weight", "mean", "cov"});
      GaussianComponent g;
      g.weight = r.number(r.required(c, ip, "weight", "a positive number"), ip + "/weight");
      if (!(g.weight > 0) || g.weight > 1e12)
        r.fail(ip + "/weight", number_text(g.weight) +
                                   " is out of range; expected a positive "
                                   "number up to 1e12");
      g.mean = read_vec2(r, r.required(c, ip, "mean", "[mx, my]"), ip + "/mean");
      const std::string vp = ip + "/cov";
      const json& cov = r.required(c, ip, "cov", "[[a, b], [b, c]]");
      r.array(cov, vp);
      if (cov.size() != 2) r.fail(vp, "expected a 2×2 matrix [[a, b], [b, c]]");
      const Vec2 row0 = read_vec2(r, cov[0], vp + "/0"), row1 = read_vec2(r, cov[1], vp + "/1");
      g.cov << row0(0), row0(1), row1(0), row1(1);
      const double scale = std::max(std::abs(g.cov(0, 0)), std::abs(g.cov(1, 1)));
      if (std::abs(g.cov(0, 1) - g.cov(1, 0)) > 1e-12 * std::max(1.0, scale))
        r.fail(vp, "expected a symmetric matrix (cov[0][1] == cov[1][0])");
      if (!(g.cov(0, 0) > 0) || !(g.cov(1, 1) > 0) ||
          !(g.cov(0, 0) * g.cov(1, 1) - g.cov(0, 1) * g.cov(1, 0) > 0))
        r.fail(vp, "expected a positive definite covariance (a > 0, c > 0, a·c − b² > 0)");
      spec.components.push_back(g);
    }
    return spec;
  }
  if (spec.kind == "formula") {
    r.keys(params, pp, {"log_density", "box"});
    spec.log_density = r.string(r.required(params, pp, "log_density", "an expression in x and y"),
                                pp + "/log_density");
    read_box(r, r.required(params, pp, "box", "[xmin, xmax, ymin, ymax]"), pp + "/box", spec.box);
    return spec;
  }
  const ParamTable& table = target_param_table(spec.kind);
  for (const auto& [name, value] : params.items()) {
    const std::string np = pp + "/" + escape_pointer_token(name);
    const ParamDef* def = find_param(table, name);
    if (!def) {
      std::vector<std::string> names;
      for (const auto& d : table) names.push_back(d.name);
      r.fail(np, "unknown parameter '" + name + "' of target '" + spec.kind + "'; expected " +
                     (names.empty() ? std::string("none") : "one of: " + join(names)));
    }
    spec.params[name] = r.number(value, np);
  }
  return spec;
}

double read_knob(const Reader& r, const json& j, const std::string& p, const ParamDef& def) {
  if (!def.choices.empty() && j.is_string()) {
    const std::string s = j.get<std::string>();
    for (size_t i = 0; i < def.choices.size(); ++i)
      if (def.choices[i] == s) return double(i);
    r.fail(p, "unknown choice '" + s + "'; expected one of: " + join(def.choices));
  }
  if (j.is_boolean() && def.integer && def.min <= 0 && def.max >= 1) return j.get<bool>() ? 1 : 0;
  return r.number(j, p);
}

/// Refuses a method kind that the scenario's task does not have, saying which task it belongs to.
void check_kind(const Reader& r, const std::string& pointer, const std::string& kind, Task task,
                const MethodCatalog& catalog) {
  const std::vector<std::string> kinds = catalog.kinds_for(task);
  if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) return;
  const Task other = task == Task::sample ? Task::ebm : Task::sample;
  const std::vector<std::string> others = catalog.kinds_for(other);
  const std::string expected =
      kinds.empty() ? std::string("none (this program has no methods for it)") : join(kinds);
  if (std::find(others.begin(), others.end(), kind) != others.end()) {
    if (task == Task::sample)
      r.fail(pointer, "'" + kind +
                          "' trains an energy-based model; it needs \"task\": \"ebm\" at the "
                          "top level. Methods of a sampling scenario: " +
                          expected);
    r.fail(pointer, "'" + kind +
                        "' is a sampler of the \"sample\" task; the methods of an \"ebm\" "
                        "scenario are negative samplers: " +
                        expected);
  }
  r.fail(pointer, "unknown method kind '" + kind + "'; expected one of: " + expected);
}

MethodConfig read_method(const Reader& r, const json& j, const std::string& p, Task task,
                         const MethodCatalog& catalog) {
  r.object(j, p);
  r.keys(j, p, {"kind", "label", "params", "enabled"});
  MethodConfig m;
  m.kind = r.string(r.required(j, p, "kind", "a method kind such as \"svgd\""), p + "/kind");
  check_kind(r, p + "/kind", m.kind, task, catalog);
  m.label = r.string(r.required(j, p, "label", "a unique, non-empty name"), p + "/label");
  if (auto it = j.find("enabled"); it != j.end()) m.enabled = r.boolean(*it, p + "/enabled");
  if (auto it = j.find("params"); it != j.end()) {
    const std::string pp = p + "/params";
    r.object(*it, pp);
    const ParamTable& table = catalog.param_table_for(task, m.kind);
    for (const auto& [name, value] : it->items()) {
      const std::string np = pp + "/" + escape_pointer_token(name);
      const ParamDef* def = find_param(table, name);
      if (!def) {
        std::vector<std::string> names;
        for (const auto& d : table) names.push_back(d.name);
        r.fail(np, "unknown parameter '" + name + "' of method '" + m.kind + "'; expected " +
                       (names.empty() ? std::string("none") : "one of: " + join(names)));
      }
      m.params[name] = read_knob(r, value, np, *def);
    }
  }
  return m;
}

Budget read_budget(const Reader& r, const json& j, const std::string& p) {
  const std::string expected = "exactly one of: iterations, gradient_evals, seconds";
  r.object(j, p);
  r.keys(j, p, {"iterations", "gradient_evals", "seconds"});
  if (j.size() != 1)
    r.fail(p, (j.empty() ? "empty budget; expected " : "ambiguous budget; expected ") + expected);
  Budget b;
  // Not `*j.items().begin()`: that binds to a temporary iteration proxy (stack-use-after-scope).
  const auto first = j.begin();
  const std::string key = first.key();
  const json& value = first.value();
  const std::string kp = p + "/" + key;
  if (key == "seconds") {
    b.kind = BudgetKind::seconds;
    b.amount = r.number(value, kp);
    const ParamDef& d = budget_amount_def(b.kind);
    if (!(b.amount > d.min) || b.amount > d.max)
      r.fail(kp, number_text(b.amount) + " is out of range; expected a number in (" +
                     number_text(d.min) + ", " + number_text(d.max) + "]");
  } else {
    b.kind = key == "iterations" ? BudgetKind::iterations : BudgetKind::gradient_evals;
    const ParamDef& d = budget_amount_def(b.kind);
    b.amount = r.whole(value, kp, d.min, d.max);
  }
  return b;
}

MetricSettings read_metrics(const Reader& r, const json& j, const std::string& p) {
  r.object(j, p);
  r.keys(j, p, {"ksd_samples", "every", "iid_draws", "energy_distance", "mode_coverage"});
  MetricSettings m;
  for (auto [def, value] :
       {std::pair{&ksd_samples_def(), &m.ksd_samples}, std::pair{&metric_every_def(), &m.every},
        std::pair{&iid_draws_def(), &m.iid_draws}})
    if (auto it = j.find(def->name); it != j.end())
      *value = int(r.whole(*it, p + "/" + def->name, def->min, def->max));
  if (auto it = j.find("energy_distance"); it != j.end())
    m.energy_distance = r.boolean(*it, p + "/energy_distance");
  if (auto it = j.find("mode_coverage"); it != j.end())
    m.mode_coverage = r.boolean(*it, p + "/mode_coverage");
  return m;
}

Task read_task(const Reader& r, const json& j, const std::string& p) {
  const std::string expected = "\"sample\" or \"ebm\"";
  if (!j.is_string()) r.wrong_type(j, p, expected);
  const std::string t = j.get<std::string>();
  if (t == "sample") return Task::sample;
  if (t == "ebm") return Task::ebm;
  r.fail(p, "unknown task '" + t + "'; expected " + expected);
}

/// A box [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax.
void check_box(const Reader& r, const Box& box, const std::string& p) {
  if (!(box.xmin < box.xmax) || !(box.ymin < box.ymax))
    r.fail(p, "expected [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax");
  if (std::max({std::abs(box.xmin), std::abs(box.xmax), std::abs(box.ymin), std::abs(box.ymax)}) >
      1e12)
    r.fail(p, "expected coordinates within ±1e12");
}

DataSettings read_data(const Reader& r, const json& j, const std::string& p) {
  r.object(j, p);
  r.keys(j, p, {"samples", "test_samples", "csv", "box"});
  DataSettings d;
  if (auto it = j.find("csv"); it != j.end()) {
    d.csv = r.string(*it, p + "/csv");
    if (d.csv.empty())
      r.fail(p + "/csv", "empty; expected the path of a file of x,y rows (or leave csv out)");
    for (const char* key : {"samples", "test_samples"})
      if (j.contains(key))
        r.fail(p + "/" + key, std::string("only without data.csv (the file's rows are the data: ") +
                                  "every 5th row is held out as the test set)");
  }
  const double lo = kMinDataSamples, hi = kMaxDataSamples;
  if (auto it = j.find("samples"); it != j.end())
    d.samples = int(r.whole(*it, p + "/samples", lo, hi));
  if (auto it = j.find("test_samples"); it != j.end())
    d.test_samples = int(r.whole(*it, p + "/test_samples", lo, hi));
  if (auto it = j.find("box"); it != j.end()) {
    if (d.csv.empty())
      r.fail(p + "/box",
             "only with data.csv (data drawn from the target use the target's view box)");
    Box box;
    read_box(r, *it, p + "/box", box);
    check_box(r, box, p + "/box");
    d.box = box;
  } else if (!d.csv.empty()) {
    r.fail(p + "/box",
           "missing; data.csv needs the box [xmin, xmax, ymin, ymax] the EBM is normalized on");
  }
  return d;
}

EbmSettings read_ebm(const Reader& r, const json& j, const std::string& p) {
  r.object(j, p);
  r.keys(j, p,
         {"hidden", "leaky_slope", "optimizer", "learning_rate", "batch", "persistent", "l2",
          "max_log_density_range"});
  EbmSettings e;
  if (auto it = j.find("hidden"); it != j.end()) {
    const std::string hp = p + "/hidden";
    r.array(*it, hp);
    if (it->empty() || it->size() > size_t(kMaxEbmLayers))
      r.fail(hp, "expected 1 to " + std::to_string(kMaxEbmLayers) +
                     " hidden layer widths, e.g. [32, 64, 64, 64]; got " +
                     std::to_string(it->size()));
    e.hidden.clear();
    for (size_t i = 0; i < it->size(); ++i)
      e.hidden.push_back(int(r.whole((*it)[i], hp + "/" + std::to_string(i), 1, kMaxEbmWidth)));
  }
  if (auto it = j.find("leaky_slope"); it != j.end()) {
    e.leaky_slope = r.number(*it, p + "/leaky_slope");
    if (!(e.leaky_slope >= 0 && e.leaky_slope < 1))
      r.fail(p + "/leaky_slope",
             number_text(e.leaky_slope) + " is out of range; expected a number in [0, 1)");
  }
  if (auto it = j.find("optimizer"); it != j.end()) {
    e.optimizer = r.string(*it, p + "/optimizer");
    if (e.optimizer != "adam" && e.optimizer != "sgd")
      r.fail(p + "/optimizer",
             "unknown optimizer '" + e.optimizer + "'; expected one of: adam, sgd");
  }
  if (auto it = j.find("learning_rate"); it != j.end()) {
    e.learning_rate = r.number(*it, p + "/learning_rate");
    if (!(e.learning_rate > 0 && e.learning_rate <= 1))
      r.fail(p + "/learning_rate",
             number_text(e.learning_rate) + " is out of range; expected a number in (0, 1]");
  }
  if (auto it = j.find("batch"); it != j.end())
    e.batch = int(r.whole(*it, p + "/batch", 1, kMaxEbmBatch));
  if (auto it = j.find("persistent"); it != j.end())
    e.persistent = int(r.whole(*it, p + "/persistent", 1, kMaxEbmPersistent));
  if (auto it = j.find("l2"); it != j.end()) {
    e.l2 = r.number(*it, p + "/l2");
    if (!(e.l2 >= 0 && e.l2 <= kMaxEbmL2))
      r.fail(p + "/l2", number_text(e.l2) + " is out of range; expected a number in [0, " +
                            number_text(kMaxEbmL2) + "]");
  }
  if (auto it = j.find("max_log_density_range"); it != j.end()) {
    e.max_log_density_range = r.number(*it, p + "/max_log_density_range");
    if (!(e.max_log_density_range >= kMinEbmLogDensityRange &&
          e.max_log_density_range <= kMaxEbmLogDensityRange))
      r.fail(p + "/max_log_density_range", number_text(e.max_log_density_range) +
                                               " is out of range; expected a number in [" +
                                               number_text(kMinEbmLogDensityRange) + ", " +
                                               number_text(kMaxEbmLogDensityRange) + "] (nats)");
  }
  return e;
}

/// The range checks of the data and ebm blocks that an in-memory scenario can get wrong (the
/// readers above check the same while reading, so both paths give the same messages).
void validate_ebm_blocks(const Reader& r, const Scenario& s) {
  const DataSettings& d = s.data;
  const bool csv = !d.csv.empty();
  const DataSettings defaults;
  if (csv && (d.samples != defaults.samples || d.test_samples != defaults.test_samples))
    r.fail("/data/samples", "only without data.csv (the file's rows are the data)");
  if (d.samples < kMinDataSamples || d.samples > kMaxDataSamples)
    r.fail("/data/samples", "expected a whole number in [16, 1000000]");
  if (d.test_samples < kMinDataSamples || d.test_samples > kMaxDataSamples)
    r.fail("/data/test_samples", "expected a whole number in [16, 1000000]");
  if (csv && !d.box)
    r.fail("/data/box",
           "missing; data.csv needs the box [xmin, xmax, ymin, ymax] the EBM is normalized on");
  if (!csv && d.box)
    r.fail("/data/box",
           "only with data.csv (data drawn from the target use the target's view box)");
  if (d.box) check_box(r, *d.box, "/data/box");
  const EbmSettings& e = s.ebm;
  if (e.hidden.empty() || e.hidden.size() > size_t(kMaxEbmLayers))
    r.fail("/ebm/hidden",
           "expected 1 to " + std::to_string(kMaxEbmLayers) + " hidden layer widths");
  for (size_t i = 0; i < e.hidden.size(); ++i)
    if (e.hidden[i] < 1 || e.hidden[i] > kMaxEbmWidth)
      r.fail("/ebm/hidden/" + std::to_string(i),
             "expected a whole number in [1, " + std::to_string(kMaxEbmWidth) + "]");
  if (!(e.leaky_slope >= 0 && e.leaky_slope < 1))
    r.fail("/ebm/leaky_slope", "expected a number in [0, 1)");
  if (e.optimizer != "adam" && e.optimizer != "sgd")
    r.fail("/ebm/optimizer", "unknown optimizer '" + e.optimizer + "'; expected one of: adam, sgd");
  if (!(e.learning_rate > 0 && e.learning_rate <= 1))
    r.fail("/ebm/learning_rate", "expected a number in (0, 1]");
  if (e.batch < 1 || e.batch > kMaxEbmBatch)
    r.fail("/ebm/batch", "expected a whole number in [1, " + std::to_string(kMaxEbmBatch) + "]");
  if (e.persistent < e.batch || e.persistent > kMaxEbmPersistent)
    r.fail("/ebm/persistent",
           std::to_string(e.persistent) + " is out of range; expected a whole number in [batch = " +
               std::to_string(e.batch) + ", " + std::to_string(kMaxEbmPersistent) + "]");
  if (!(e.l2 >= 0 && e.l2 <= kMaxEbmL2))
    r.fail("/ebm/l2", "expected a number in [0, " + number_text(kMaxEbmL2) + "]");
  if (!(e.max_log_density_range >= kMinEbmLogDensityRange &&
        e.max_log_density_range <= kMaxEbmLogDensityRange))
    r.fail("/ebm/max_log_density_range", "expected a number in [" +
                                             number_text(kMinEbmLogDensityRange) + ", " +
                                             number_text(kMaxEbmLogDensityRange) + "] (nats)");
}

/// The target an ebm scenario with data.csv and no "target" gets: uniform on data.box.
TargetSpec uniform_target(const Box& box) {
  TargetSpec t;
  t.kind = "formula";
  t.log_density = "0";
  t.box = box;
  return t;
}

bool same_components(const std::vector<GaussianComponent>& a,
                     const std::vector<GaussianComponent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].weight != b[i].weight || a[i].mean != b[i].mean || a[i].cov != b[i].cov) return false;
  return true;
}

nlohmann::ordered_json number_json(double v, bool integer) {
  if (integer && std::abs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

}  // namespace

// -----------------------------------------------------------------------------------------------

ScenarioError::ScenarioError(std::string f, std::string p, std::string m)
    : std::runtime_error(f + ": " + (p.empty() ? std::string("(document)") : p) + ": " + m),
      file(std::move(f)),
      pointer(std::move(p)),
      message(std::move(m)) {}

std::string budget_key(BudgetKind kind) {
  switch (kind) {
    case BudgetKind::iterations:
      return "iterations";
    case BudgetKind::gradient_evals:
      return "gradient_evals";
    case BudgetKind::seconds:
      return "seconds";
  }
  return "iterations";
}

bool Scenario::operator==(const Scenario& o) const {
  return schema == o.schema && name == o.name && description == o.description && seed == o.seed &&
         target.kind == o.target.kind && target.params == o.target.params &&
         same_components(target.components, o.target.components) &&
         target.log_density == o.target.log_density && target.box == o.target.box &&
         task == o.task && data == o.data && ebm == o.ebm && methods == o.methods &&
         budget == o.budget && metrics == o.metrics;
}

void validate_scenario(const Scenario& s, const std::string& source, const MethodCatalog& catalog) {
  const Reader r(source);
  if (s.schema != kScenarioSchema)
    r.fail("/schema", "unsupported schema " + std::to_string(s.schema) + "; expected " +
                          std::to_string(kScenarioSchema));
  // Target: the numeric knobs against the table, then a full build (formula compilation, mixture
  // checks) so that nothing fails later on the worker.
  if (s.target.kind != "gmm" && s.target.kind != "formula") {
    try {
      const ParamTable& table = target_param_table(s.target.kind);
      for (const auto& [name, value] : s.target.params) {
        const ParamDef* def = find_param(table, name);
        if (!def)
          r.fail("/target/params/" + escape_pointer_token(name),
                 "unknown parameter '" + name + "' of target '" + s.target.kind + "'");
        validate_param(*def, value);
      }
    } catch (const ParamError& e) {
      r.fail(e.field == "kind" ? "/target/kind" : "/target/params/" + escape_pointer_token(e.field),
             e.what());
    }
  }
  try {
    (void)make_target(s.target);
  } catch (const ParamError& e) {
    std::string p = "/target";
    if (e.field == "kind")
      p += "/kind";
    else if (!e.field.empty())
      p += "/params/" + escape_pointer_token(e.field);
    r.fail(p, e.what());
  } catch (const std::exception& e) {
    r.fail("/target", e.what());
  }
  if (s.methods.empty()) r.fail("/methods", "empty; expected at least one method");
  if (s.methods.size() > size_t(kMaxMethods))
    r.fail("/methods", "expected at most " + std::to_string(kMaxMethods) + " methods, got " +
                           std::to_string(s.methods.size()));
  if (s.task == Task::ebm) {
    validate_ebm_blocks(r, s);
  } else {
    if (!(s.data == DataSettings{}))
      r.fail("/data", "only with \"task\": \"ebm\" (this scenario samples its target)");
    if (!(s.ebm == EbmSettings{}))
      r.fail("/ebm", "only with \"task\": \"ebm\" (this scenario samples its target)");
  }
  std::set<std::string> labels;
  for (size_t i = 0; i < s.methods.size(); ++i) {
    const MethodConfig& m = s.methods[i];
    const std::string p = "/methods/" + std::to_string(i);
    check_kind(r, p + "/kind", m.kind, s.task, catalog);
    if (m.label.empty()) r.fail(p + "/label", "empty; expected a unique, non-empty name");
    if (m.label.size() > kMaxLabelLength)
      r.fail(p + "/label", "longer than " + std::to_string(kMaxLabelLength) + " bytes");
    if (!labels.insert(m.label).second)
      r.fail(p + "/label", "duplicate label '" + m.label + "'; labels must be unique");
    ParamValues resolved;
    try {
      resolved = resolve_params(catalog.param_table_for(s.task, m.kind), m.params);
    } catch (const ParamError& e) {
      r.fail(p + "/params/" + escape_pointer_token(e.field), e.what());
    }
    if (catalog.memory && s.task == Task::sample) {
      const MemoryEstimate mem = catalog.memory(m.kind, resolved);
      if (mem.bytes > kMaxMethodMemoryBytes) {
        char gb[32];
        std::snprintf(gb, sizeof gb, "%.1f", mem.bytes / 1e9);
        r.fail(p + "/params",
               std::string("these settings need about ") + gb + " GB of memory, more than the " +
                   std::to_string(int(kMaxMethodMemoryBytes / double(1 << 30))) +
                   " GiB a method may use; mostly " + mem.dominant + ": make those smaller");
      }
    }
  }
  const bool count = s.budget.kind != BudgetKind::seconds;
  const std::string bp = "/budget/" + budget_key(s.budget.kind);
  const ParamDef& amount = budget_amount_def(s.budget.kind);
  if (count && (!(s.budget.amount >= amount.min) || s.budget.amount > amount.max ||
                s.budget.amount != std::floor(s.budget.amount)))
    r.fail(bp, number_text(s.budget.amount) + " is out of range; expected a whole number in [" +
                   number_text(amount.min) + ", " + number_text(amount.max) + "]");
  if (!count && (!(s.budget.amount > amount.min) || s.budget.amount > amount.max))
    r.fail(bp, number_text(s.budget.amount) + " is out of range; expected a number in (" +
                   number_text(amount.min) + ", " + number_text(amount.max) + "]");
  for (auto [def, value] : {std::pair{&ksd_samples_def(), s.metrics.ksd_samples},
                            std::pair{&metric_every_def(), s.metrics.every},
                            std::pair{&iid_draws_def(), s.metrics.iid_draws}})
    if (value < def->min || value > def->max)
      r.fail("/metrics/" + def->name, "expected a whole number in [" + number_text(def->min) +
                                          ", " + number_text(def->max) + "]");
}

const ParamDef& ksd_samples_def() {
  static const ParamDef d =
      param_def("ksd_samples", 1000, 10, 20000,
                "n of the evaluation sample set for KSD (O(n^2)) and the other metrics", true);
  return d;
}

const ParamDef& metric_every_def() {
  static const ParamDef d = param_def(
      "every", 50, 1, 1e9, "a metric pass every this many iterations of each method", true);
  return d;
}

const ParamDef& iid_draws_def() {
  static const ParamDef d =
      param_def("iid_draws", 5, 1, 100, "draws averaged for the i.i.d. KSD baseline", true);
  return d;
}

const ParamDef& budget_amount_def(BudgetKind kind) {
  static const ParamDef iterations =
      param_def("iterations", 2000, 1, kMaxBudgetCount, "iterations of each method", true);
  static const ParamDef gradient_evals =
      param_def("gradient_evals", 2000, 1, kMaxBudgetCount,
                "target gradient evaluations of each method", true);
  static const ParamDef seconds =
      param_def("seconds", 60, 0, kMaxBudgetSeconds, "sampler wall time of each method, seconds");
  switch (kind) {
    case BudgetKind::gradient_evals:
      return gradient_evals;
    case BudgetKind::seconds:
      return seconds;
    case BudgetKind::iterations:
      break;
  }
  return iterations;
}

Scenario parse_scenario(const std::string& text, const std::string& source,
                        const MethodCatalog& catalog) {
  const Reader r(source);
  if (text.size() > kMaxScenarioBytes)
    r.fail("", "larger than " + std::to_string(kMaxScenarioBytes >> 20) +
                   " MiB; a scenario file is a few kilobytes (check that this is the right file)");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    r.fail("", "empty file; expected a scenario JSON object");
  StrictSax sax;
  const bool ok = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true);
  if (!ok || !sax.error_message.empty())
    r.fail(sax.error_pointer, sax.error_message.empty() ? "invalid JSON" : sax.error_message);
  const json& doc = sax.root;
  r.object(doc, "");
  r.keys(doc, "",
         {"schema", "name", "description", "seed", "task", "target", "data", "ebm", "methods",
          "budget", "metrics"});

  Scenario s;
  const double schema = r.whole(r.required(doc, "", "schema", "1"), "/schema", 1, 1e9);
  if (schema != kScenarioSchema)
    r.fail("/schema", "unsupported schema " + number_text(schema) + "; expected " +
                          std::to_string(kScenarioSchema));
  s.schema = kScenarioSchema;
  if (auto it = doc.find("name"); it != doc.end()) s.name = r.string(*it, "/name");
  if (auto it = doc.find("description"); it != doc.end())
    s.description = r.string(*it, "/description");
  if (auto it = doc.find("seed"); it != doc.end()) {
    const std::string expected = "a whole number in [0, 18446744073709551615]";
    if (it->is_number_unsigned())
      s.seed = it->get<std::uint64_t>();
    else if (it->is_number_integer())
      r.fail("/seed",
             std::to_string(it->get<std::int64_t>()) + " is negative; expected " + expected);
    else if (it->is_number_float()) {
      const double v = it->get<double>();
      if (v != std::floor(v) || v < 0 || v >= 9007199254740992.0)
        r.fail("/seed", number_text(v) + " is out of range; expected " + expected +
                            " (integers above 2^53 must be written without a fraction or "
                            "exponent)");
      s.seed = static_cast<std::uint64_t>(v);
    } else
      r.wrong_type(*it, "/seed", expected);
  }
  if (auto it = doc.find("task"); it != doc.end()) s.task = read_task(r, *it, "/task");
  if (s.task == Task::sample) {
    for (const char* key : {"data", "ebm"})
      if (doc.contains(key))
        r.fail(std::string("/") + key,
               "only with \"task\": \"ebm\" (without it the scenario samples its target)");
  } else {
    if (auto it = doc.find("data"); it != doc.end()) s.data = read_data(r, *it, "/data");
    if (auto it = doc.find("ebm"); it != doc.end()) s.ebm = read_ebm(r, *it, "/ebm");
  }
  const std::string target_expected = "an object {\"kind\": ..., \"params\": {...}}";
  if (s.task == Task::ebm && !s.data.csv.empty() && !doc.contains("target"))
    s.target = uniform_target(*s.data.box);
  else
    s.target = read_target(r, r.required(doc, "", "target", target_expected), "/target");
  const json& methods = r.required(doc, "", "methods", "an array of methods");
  r.array(methods, "/methods");
  if (methods.empty()) r.fail("/methods", "empty; expected at least one method");
  if (methods.size() > size_t(kMaxMethods))
    r.fail("/methods", "expected at most " + std::to_string(kMaxMethods) + " methods, got " +
                           std::to_string(methods.size()));
  for (size_t i = 0; i < methods.size(); ++i)
    s.methods.push_back(
        read_method(r, methods[i], "/methods/" + std::to_string(i), s.task, catalog));
  s.budget = read_budget(
      r, r.required(doc, "", "budget", "exactly one of: iterations, gradient_evals, seconds"),
      "/budget");
  if (auto it = doc.find("metrics"); it != doc.end()) s.metrics = read_metrics(r, *it, "/metrics");
  validate_scenario(s, source, catalog);
  return s;
}

Scenario load_scenario(const std::filesystem::path& path, const MethodCatalog& catalog) {
  std::string text;
  try {
    text = read_file_text(path, kMaxScenarioBytes);
  } catch (const std::exception& e) {
    throw ScenarioError(path.string(), "", e.what());
  }
  Scenario s = parse_scenario(text, path.string(), catalog);
  if (s.task == Task::ebm && !s.data.csv.empty()) {
    std::filesystem::path csv(s.data.csv);
    if (csv.is_relative() && !path.parent_path().empty())
      s.data.csv = (path.parent_path() / csv).lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(s.data.csv, ec))
      throw ScenarioError(path.string(), "/data/csv",
                          "'" + s.data.csv + "' " +
                              (std::filesystem::exists(s.data.csv, ec)
                                   ? "is not a regular file"
                                   : "does not exist (a relative path is read from the "
                                     "scenario file's folder)") +
                              "; expected a file of x,y rows");
  }
  return s;
}

std::vector<std::string> scenario_warnings(const Scenario& scenario, const std::string& source) {
  std::vector<std::string> out;
  if (scenario.target.kind != "formula") return out;
  // With data.csv the target is only the canvas background (often the implicit uniform one).
  if (scenario.task == Task::ebm && !scenario.data.csv.empty()) return out;
  std::shared_ptr<const Target> target;
  try {
    target = make_target(scenario.target);
  } catch (const std::exception&) {
    return out;  // an invalid target is validate_scenario's business
  }
  if (const auto* formula = dynamic_cast<const FormulaTarget*>(target.get()))
    for (const FormulaIssue& w : formula->warnings())
      out.push_back(source + ": /target/params/" + w.field + ": " + w.message);
  return out;
}

std::optional<std::uint64_t> parse_seed(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_whole_number(std::string_view text, std::int64_t lo,
                                               std::int64_t hi) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

std::string to_json_text(const Scenario& s) {
  // ordered_json keeps insertion order, so files list fields in the documented order.
  nlohmann::ordered_json out;
  out["schema"] = s.schema;
  out["name"] = s.name;
  if (!s.description.empty()) out["description"] = s.description;
  out["seed"] = s.seed;
  if (s.task != Task::sample) out["task"] = task_name(s.task);
  nlohmann::ordered_json target;
  target["kind"] = s.target.kind;
  nlohmann::ordered_json tparams = nlohmann::ordered_json::object();
  if (s.target.kind == "gmm") {
    nlohmann::ordered_json comps = nlohmann::ordered_json::array();
    for (const auto& c : s.target.components) {
      nlohmann::ordered_json jc;
      jc["weight"] = c.weight;
      jc["mean"] = {c.mean(0), c.mean(1)};
      jc["cov"] = {{c.cov(0, 0), c.cov(0, 1)}, {c.cov(1, 0), c.cov(1, 1)}};
      comps.push_back(jc);
    }
    tparams["components"] = comps;
  } else if (s.target.kind == "formula") {
    tparams["log_density"] = s.target.log_density;
    tparams["box"] = {s.target.box.xmin, s.target.box.xmax, s.target.box.ymin, s.target.box.ymax};
  } else {
    const ParamTable* table = nullptr;
    try {
      table = &target_param_table(s.target.kind);
    } catch (...) {
    }
    for (const auto& [name, value] : s.target.params) {
      const ParamDef* def = table ? find_param(*table, name) : nullptr;
      tparams[name] = number_json(value, def && def->integer);
    }
  }
  target["params"] = tparams;
  out["target"] = target;
  if (s.task == Task::ebm) {
    nlohmann::ordered_json data;
    if (s.data.csv.empty()) {
      data["samples"] = s.data.samples;
      data["test_samples"] = s.data.test_samples;
    } else {
      data["csv"] = s.data.csv;
    }
    if (s.data.box)
      data["box"] = {s.data.box->xmin, s.data.box->xmax, s.data.box->ymin, s.data.box->ymax};
    out["data"] = data;
    nlohmann::ordered_json ebm;
    ebm["hidden"] = s.ebm.hidden;
    ebm["leaky_slope"] = s.ebm.leaky_slope;
    ebm["optimizer"] = s.ebm.optimizer;
    ebm["learning_rate"] = s.ebm.learning_rate;
    ebm["batch"] = s.ebm.batch;
    ebm["persistent"] = s.ebm.persistent;
    ebm["l2"] = s.ebm.l2;
    ebm["max_log_density_range"] = s.ebm.max_log_density_range;
    out["ebm"] = ebm;
  }
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();
  for (const auto& m : s.methods) {
    nlohmann::ordered_json jm;
    jm["kind"] = m.kind;
    jm["label"] = m.label;
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    const ParamTable* table = nullptr;
    try {
      table = s.task == Task::ebm ? &ebm_param_table(m.kind) : &sampler_param_table(m.kind);
    } catch (...) {
    }
    for (const auto& [name, value] : m.params) {
      const ParamDef* def = table ? find_param(*table, name) : nullptr;
      if (def && !def->choices.empty() && value >= 0 && value < double(def->choices.size()) &&
          value == std::floor(value))
        params[name] = def->choices[size_t(value)];
      else
        params[name] = number_json(value, def && def->integer);
    }
    jm["params"] = params;
    if (!m.enabled) jm["enabled"] = false;
    methods.push_back(jm);
  }
  out["methods"] = methods;
  nlohmann::ordered_json budget;
  budget[budget_key(s.budget.kind)] =
      number_json(s.budget.amount, s.budget.kind != BudgetKind::seconds);
  out["budget"] = budget;
  nlohmann::ordered_json metrics;
  metrics["ksd_samples"] = s.metrics.ksd_samples;
  metrics["every"] = s.metrics.every;
  metrics["iid_draws"] = s.metrics.iid_draws;
  metrics["energy_distance"] = s.metrics.energy_distance;
  metrics["mode_coverage"] = s.metrics.mode_coverage;
  out["metrics"] = metrics;
  return out.dump(2) + "\n";
}

void save_scenario(const Scenario& scenario, const std::filesystem::path& path) {
  write_file_atomically(path, to_json_text(scenario));
}

}  // namespace ss
