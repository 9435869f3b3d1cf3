#include "core/io/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/io/files.h"

namespace ss {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* kCostMetrics[] = {"iterations", "gradient_evals", "sampler_seconds", "metric_seconds"};

double number_or_nan(const json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

bool is_cell_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "scenario.json", ec);
}

// Reads one cell folder into `cell` (id, dir already set).
void read_cell(CellResult& cell) {
  const fs::path& dir = cell.dir;
  std::error_code ec;
  if (fs::is_regular_file(dir / "cell.json", ec)) {
    try {
      const auto j = nlohmann::ordered_json::parse(read_file_text(dir / "cell.json"));
      if (j.contains("axes") && j["axes"].is_object())
        for (const auto& [axis, value] : j["axes"].items())
          cell.axes.push_back({axis, value.dump()});
    } catch (const std::exception& e) {
      throw std::runtime_error((dir / "cell.json").string() + ": not valid JSON: " + e.what());
    }
  }
  if (fs::is_regular_file(dir / "failed.json", ec)) {
    cell.status = "failed";
    try {
      const auto j = json::parse(read_file_text(dir / "failed.json"));
      std::string why = j.contains("exit_status") ? "exit status " + j["exit_status"].dump()
                        : j.contains("signal")    ? "killed by signal " + j["signal"].dump()
                                                  : "failed";
      if (j.contains("message") && j["message"].is_string())
        why += ": " + j["message"].get<std::string>();
      cell.reason = why;
    } catch (const std::exception&) {
      cell.reason = "failed (failed.json unreadable)";
    }
    return;
  }
  if (!fs::is_regular_file(dir / "summary.json", ec)) {
    cell.status = "incomplete";
    cell.reason = "no summary.json (not run to the end, or still running)";
    return;
  }
  json s;
  try {
    s = json::parse(read_file_text(dir / "summary.json"));
  } catch (const std::exception& e) {
    throw std::runtime_error((dir / "summary.json").string() + ": not valid JSON: " + e.what());
  }
  if (!s.is_object() || !s.contains("methods") || !s["methods"].is_array())
    throw std::runtime_error((dir / "summary.json").string() +
                             ": expected an object with \"methods\"");
  if (s.value("interrupted", false)) {
    cell.status = "incomplete";
    cell.reason = "interrupted (summary.json says \"interrupted\": true)";
    return;
  }
  cell.status = "ok";
  cell.target = s.value("target", std::string());
  if (s.contains("seed") && s["seed"].is_number_unsigned())
    cell.seed = s["seed"].get<std::uint64_t>();
  for (const auto& m : s["methods"]) {
    MethodResult r;
    r.label = m.value("label", std::string());
    r.kind = m.value("kind", std::string());
    r.status = m.value("status", std::string("ok"));
    r.reason = m.value("reason", std::string());
    if (m.contains("final") && m["final"].is_object())
      for (const auto& [name, v] : m["final"].items()) r.values[name] = number_or_nan(v);
    for (const char* c : kCostMetrics)
      if (m.contains(c)) r.values[c] = number_or_nan(m[c]);
    cell.methods.push_back(std::move(r));
  }
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

std::string md_number(double v) {
  if (!std::isfinite(v)) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

const std::string* axis_value(const CellResult& c, const std::string& axis) {
  for (const auto& a : c.axes)
    if (a.axis == axis) return &a.value_json;
  return nullptr;
}

}  // namespace

std::string axis_display(const Report& report, const std::string& axis,
                         const std::string& value_json) {
  // Readable text unless two different values of this axis would read the same.
  const std::string text = axis_value_text(value_json);
  for (const auto& c : report.cells)
    if (const std::string* v = axis_value(c, axis);
        v && *v != value_json && axis_value_text(*v) == text)
      return value_json;
  return text;
}

Report build_report(const std::vector<fs::path>& inputs, const MethodCatalog& catalog) {
  Report report;
  std::set<std::string> seen_ids;
  std::vector<std::string> expected;  // from sweep.json files, in order
  std::set<std::string> expected_set;
  auto add_cell = [&](const fs::path& dir) {
    CellResult cell;
    cell.id = dir.filename().string();
    cell.dir = dir;
    read_cell(cell);
    if (seen_ids.count(cell.id)) {
      // Keep the first ok copy: replace an earlier copy that was not ok.
      for (auto& c : report.cells)
        if (c.id == cell.id) {
          if (c.status != "ok" && cell.status == "ok") {
            report.warnings.push_back("cell " + cell.id + ": using " + dir.string() +
                                      " (the copy in " + c.dir.string() + " is " + c.status + ")");
            c = std::move(cell);
          } else {
            report.warnings.push_back("cell " + cell.id + ": ignoring the copy in " + dir.string() +
                                      " (already have " + c.dir.string() + ")");
          }
          break;
        }
      return;
    }
    seen_ids.insert(cell.id);
    report.cells.push_back(std::move(cell));
  };
  for (const auto& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) throw std::runtime_error(in.string() + ": not a folder");
    if (is_cell_folder(in)) {
      add_cell(in);
      continue;
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(in, ec))
      if (e.is_directory() && is_cell_folder(e.path())) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    const bool has_sweep = fs::is_regular_file(in / "sweep.json", ec);
    if (dirs.empty() && !has_sweep)
      throw std::runtime_error(in.string() +
                               ": neither a cell folder (scenario.json) nor a folder of cells");
    if (has_sweep) {
      try {
        const Sweep sweep = load_sweep(in / "sweep.json", catalog);
        for (const auto& c : sweep.cells)
          if (expected_set.insert(c.id).second) expected.push_back(c.id);
        // Cells in sweep order, then any others.
        std::map<std::string, fs::path> by_id;
        for (const auto& d : dirs) by_id[d.filename().string()] = d;
        std::vector<fs::path> ordered;
        for (const auto& c : sweep.cells)
          if (auto it = by_id.find(c.id); it != by_id.end())
            ordered.push_back(it->second), by_id.erase(it);
        for (const auto& [id, d] : by_id) ordered.push_back(d);
        dirs = ordered;
      } catch (const std::exception& e) {
        report.warnings.push_back(
            (in / "sweep.json").string() +
            ": cannot expand it, so missing cells are not listed: " + e.what());
      }
    }
    for (const auto& d : dirs) add_cell(d);
  }
  for (const auto& id : expected)
    if (!seen_ids.count(id)) {
      CellResult c;
      c.id = id;
      c.status = "missing";
      c.reason = "no folder for this cell among the inputs (not run yet, or another shard's)";
      report.cells.push_back(std::move(c));
    }

  for (const auto& c : report.cells)
    for (const auto& a : c.axes)
      if (std::find(report.axes.begin(), report.axes.end(), a.axis) == report.axes.end())
        report.axes.push_back(a.axis);
  for (const auto& a : report.axes)
    if (a != "seed") report.group_axes.push_back(a);

  // Problems, and the groups' values.
  struct Group {
    std::string label;
    std::vector<std::string> values;  // display text per group axis
    std::map<std::string, std::vector<double>> metrics;
    std::vector<std::string> metric_order;
  };
  std::vector<Group> groups;
  for (const auto& c : report.cells) {
    if (c.status != "ok") {
      report.problems.push_back({c.id, "", c.status, c.reason});
      continue;
    }
    std::vector<std::string> values;
    for (const auto& a : report.group_axes) {
      const std::string* v = axis_value(c, a);
      values.push_back(v ? axis_display(report, a, *v) : "");
    }
    for (const auto& m : c.methods) {
      if (m.status != "ok") {
        report.problems.push_back({c.id, m.label, m.status, m.reason});
        continue;
      }
      auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
        return g.label == m.label && g.values == values;
      });
      if (it == groups.end()) {
        groups.push_back({m.label, values, {}, {}});
        it = groups.end() - 1;
      }
      for (const auto& [name, v] : m.values) {
        if (!it->metrics.count(name)) it->metric_order.push_back(name);
        auto& list = it->metrics[name];
        if (std::isfinite(v)) list.push_back(v);
      }
    }
  }
  for (const auto& g : groups) {
    // Final metrics in name order, then the cost figures.
    std::vector<std::string> names;
    for (const auto& n : g.metric_order)
      if (std::find(std::begin(kCostMetrics), std::end(kCostMetrics), n) == std::end(kCostMetrics))
        names.push_back(n);
    std::sort(names.begin(), names.end());
    for (const char* c : kCostMetrics)
      if (g.metrics.count(c)) names.push_back(c);
    for (const auto& name : names) {
      const auto& v = g.metrics.at(name);
      SummaryRow r;
      r.label = g.label;
      r.axis_values = g.values;
      r.metric = name;
      r.n = v.size();
      const double nan = std::numeric_limits<double>::quiet_NaN();
      r.mean = v.empty() ? nan : mean_of(v);
      r.sd = nan;
      if (v.size() >= 2) {
        double ss = 0;
        for (double x : v) ss += (x - r.mean) * (x - r.mean);
        r.sd = std::sqrt(ss / double(v.size() - 1));
      }
      r.min = v.empty() ? nan : *std::min_element(v.begin(), v.end());
      r.max = v.empty() ? nan : *std::max_element(v.begin(), v.end());
      report.rows.push_back(std::move(r));
    }
  }
  return report;
}

std::string cells_csv(const Report& report) {
  std::string out = "cell,status,label,kind,target,seed";
  for (const auto& a : report.axes)
    if (a != "seed") out += "," + csv_field(a);
  out += ",metric,value\n";
  for (const auto& c : report.cells) {
    std::string axes;
    for (const auto& a : report.axes) {
      if (a == "seed") continue;
      const std::string* v = axis_value(c, a);
      axes += "," + csv_field(v ? axis_display(report, a, *v) : "");
    }
    const std::string seed = c.status == "ok" ? std::to_string(c.seed) : "";
    if (c.status != "ok") {
      out += csv_field(c.id) + "," + c.status + ",,," + csv_field(c.target) + "," + seed + axes +
             "," + csv_field(c.reason) + ",\n";
      continue;
    }
    for (const auto& m : c.methods) {
      const std::string head = csv_field(c.id) + "," + m.status + "," + csv_field(m.label) + "," +
                               csv_field(m.kind) + "," + csv_field(c.target) + "," + seed + axes +
                               ",";
      if (m.status != "ok") {
        out += head + csv_field(m.reason) + ",\n";
        continue;
      }
      for (const auto& [name, v] : m.values)
        out += head + csv_field(name) + "," + format_double(v) + "\n";
    }
  }
  return out;
}

std::string summary_csv(const Report& report) {
  std::string out = "label";
  for (const auto& a : report.group_axes) out += "," + csv_field(a);
  out += ",metric,n,mean,sd,min,max\n";
  auto num = [](double v) { return std::isnan(v) ? std::string() : format_double(v); };
  for (const auto& r : report.rows) {
    out += csv_field(r.label);
    for (const auto& v : r.axis_values) out += "," + csv_field(v);
    out += "," + csv_field(r.metric) + "," + std::to_string(r.n) + "," + num(r.mean) + "," +
           num(r.sd) + "," + num(r.min) + "," + num(r.max) + "\n";
  }
  return out;
}

std::string report_markdown(const Report& report) {
  std::map<std::string, int> counts;
  for (const auto& c : report.cells) ++counts[c.status];
  std::string out = "# Sweep report\n\n";
  out += std::to_string(report.cells.size()) + " cells: " + std::to_string(counts["ok"]) +
         " finished, " + std::to_string(counts["failed"]) + " failed, " +
         std::to_string(counts["incomplete"]) + " incomplete, " +
         std::to_string(counts["missing"]) + " missing.";
  std::size_t seeds = 0;
  for (const auto& c : report.cells) seeds += c.status == "ok";
  out +=
      " Statistics are over the seeds of each row's finished cells (n = how many values; mean ± "
      "sample sd); failed, incomplete and missing cells and diverged methods are listed below and "
      "left out.\n\n";
  // The columns: the main metrics present, then cost.
  const std::vector<std::string> wanted = {"ksd2_imq",       "ksd2_imq_iid", "energy_distance",
                                           "mode_tv",        "modes_missed", "gradient_evals",
                                           "sampler_seconds"};
  std::vector<std::string> columns;
  for (const auto& w : wanted)
    for (const auto& r : report.rows)
      if (r.metric == w) {
        columns.push_back(w);
        break;
      }
  out += "| label |";
  for (const auto& a : report.group_axes) out += " " + a + " |";
  for (const auto& c : columns) out += " " + c + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < report.group_axes.size() + columns.size(); ++i) out += "---|";
  out += "\n";
  for (std::size_t i = 0; i < report.rows.size();) {
    const SummaryRow& head = report.rows[i];
    std::size_t j = i;
    std::map<std::string, const SummaryRow*> by_metric;
    while (j < report.rows.size() && report.rows[j].label == head.label &&
           report.rows[j].axis_values == head.axis_values)
      by_metric[report.rows[j].metric] = &report.rows[j], ++j;
    out += "| " + head.label + " |";
    for (const auto& v : head.axis_values) out += " " + v + " |";
    for (const auto& c : columns) {
      auto it = by_metric.find(c);
      if (it == by_metric.end() || it->second->n == 0) {
        out += " — |";
        continue;
      }
      const SummaryRow& r = *it->second;
      out += " " + md_number(r.mean) + (r.n >= 2 ? " ± " + md_number(r.sd) : "") + " (" +
             std::to_string(r.n) + ") |";
    }
    out += "\n";
    i = j;
  }
  out += "\n## Missing, failed or left out\n\n";
  if (report.problems.empty())
    out += "None: every cell finished and every method ran to its budget.\n";
  for (const auto& p : report.problems)
    out += "- `" + p.cell + "`" + (p.label.empty() ? "" : " " + p.label) + ": " + p.status +
           (p.reason.empty() ? "" : " — " + p.reason) + "\n";
  if (!report.warnings.empty()) {
    out += "\n## Warnings\n\n";
    for (const auto& w : report.warnings) out += "- " + w + "\n";
  }
  (void)seeds;
  return out;
}

std::vector<MetricsRow> parse_metrics_csv(const std::string& text, const std::string& source) {
  std::vector<MetricsRow> rows;
  std::size_t pos = 0, line_no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(source + ": line " + std::to_string(line_no) + ": " + why);
  };
  auto to_double = [&](const std::string& s) -> double {
    if (s == "nan" || s == "-nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    double v = 0;  // from_chars: locale-independent, like the writer's to_chars
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
      fail("'" + s + "' is not a number");
    return v;
  };
  while (pos < text.size()) {
    ++line_no;
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (; pos < text.size(); ++pos) {
      const char ch = text[pos];
      if (quoted) {
        if (ch == '"' && pos + 1 < text.size() && text[pos + 1] == '"')
          fields.back() += '"', ++pos;
        else if (ch == '"')
          quoted = false;
        else
          fields.back() += ch;
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        fields.emplace_back();
      } else if (ch == '\n') {
        ++pos;
        break;
      } else if (ch != '\r') {
        fields.back() += ch;
      }
    }
    if (line_no == 1) {
      if (fields != std::vector<std::string>{"method", "label", "iteration", "gradient_evals",
                                             "wall_seconds", "metric", "value"})
        fail("expected the header method,label,iteration,gradient_evals,wall_seconds,metric,value");
      continue;
    }
    if (fields.size() == 1 && fields[0].empty()) continue;
    if (fields.size() != 7) fail("expected 7 fields, got " + std::to_string(fields.size()));
    MetricsRow r;
    r.method = fields[0];
    r.label = fields[1];
    r.iteration = std::int64_t(to_double(fields[2]));
    r.gradient_evals = std::uint64_t(to_double(fields[3]));
    r.wall_seconds = to_double(fields[4]);
    r.metric = fields[5];
    r.value = to_double(fields[6]);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace ss
