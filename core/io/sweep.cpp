#include "core/io/sweep.h"

#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/io/files.h"

namespace ss {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t kMaxCells = 100000;
constexpr std::size_t kMaxReadableId = 120;

std::string escape_token(const std::string& token) {
  std::string out;
  for (char c : token)
    out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// FNV-1a, 64 bits (stable across platforms and runs; std::hash is not).
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

const char* kAxisHelp =
    "expected seed, name, target, target.params.NAME, methods, methods.LABEL.params.NAME, "
    "methods.LABEL.enabled, budget.iterations|gradient_evals|seconds or metrics.NAME";

// Parses JSON keeping key order and rejecting duplicate keys (the scenario parser's rule).
ojson parse_ordered(const std::string& text, const std::string& source) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw SweepError(source, "", "empty file; expected a sweep JSON object");
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int depth, ojson::parse_event_t event, ojson& parsed) {
    if (event == ojson::parse_event_t::object_start) keys.emplace_back();
    if (event == ojson::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == ojson::parse_event_t::key && !keys.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  ojson doc;
  try {
    doc = ojson::parse(text, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const ojson::exception& e) {
    std::string what = e.what();
    if (const auto b = what.find("] "); b != std::string::npos) what = what.substr(b + 2);
    throw SweepError(source, "", what);
  }
  if (!duplicate.empty())
    throw SweepError(source, "", "duplicate key '" + duplicate + "'; each key may appear once");
  return doc;
}

// Applies `path` = `value` to the scenario document `doc`. Returns "" on success, else why the
// path does not apply (unknown shape, no such label).
std::string apply_axis(ojson& doc, const std::string& path, const ojson& value,
                       std::string* scenario_pointer) {
  auto object_at = [](ojson& parent, const std::string& key) -> ojson& {
    ojson& child = parent[key];
    if (!child.is_object()) child = ojson::object();
    return child;
  };
  if (path == "seed" || path == "name" || path == "target" || path == "methods") {
    doc[path] = value;
    *scenario_pointer = "/" + path;
    return "";
  }
  if (starts_with(path, "target.params.") && path.size() > 14) {
    const std::string name = path.substr(14);
    if (!doc["target"].is_object()) return "the scenario's target is not an object";
    object_at(doc["target"], "params")[name] = value;
    *scenario_pointer = "/target/params/" + escape_token(name);
    return "";
  }
  if (starts_with(path, "budget.")) {
    const std::string kind = path.substr(7);
    if (kind != "iterations" && kind != "gradient_evals" && kind != "seconds")
      return "unknown budget kind '" + kind + "'; expected iterations, gradient_evals or seconds";
    doc["budget"] = ojson::object({{kind, value}});
    *scenario_pointer = "/budget";
    return "";
  }
  if (starts_with(path, "metrics.") && path.size() > 8) {
    const std::string name = path.substr(8);
    object_at(doc, "metrics")[name] = value;
    *scenario_pointer = "/metrics/" + escape_token(name);
    return "";
  }
  if (starts_with(path, "methods.")) {
    const std::string rest = path.substr(8);
    ojson& methods = doc["methods"];
    if (!methods.is_array()) return "the scenario's methods are not an array";
    std::vector<std::string> labels;
    std::size_t best = methods.size(), best_len = 0;
    for (std::size_t i = 0; i < methods.size(); ++i) {
      const ojson& m = methods[i];
      if (!m.is_object() || !m.contains("label") || !m["label"].is_string()) continue;
      const std::string label = m["label"].get<std::string>();
      labels.push_back(label);
      if (starts_with(rest, label + ".") && label.size() >= best_len)
        best = i, best_len = label.size();
    }
    if (best == methods.size())
      return "no method labelled as in '" + path +
             "' in the scenario; labels: " + join(labels, ", ");
    const std::string field = rest.substr(best_len + 1);
    const std::string mp = "/methods/" + std::to_string(best);
    if (field == "enabled") {
      methods[best]["enabled"] = value;
      *scenario_pointer = mp + "/enabled";
      return "";
    }
    if (starts_with(field, "params.") && field.size() > 7) {
      const std::string name = field.substr(7);
      object_at(methods[best], "params")[name] = value;
      *scenario_pointer = mp + "/params/" + escape_token(name);
      return "";
    }
    return "unknown method field '" + field + "'; expected params.NAME or enabled";
  }
  return std::string("unknown axis; ") + kAxisHelp;
}

// True for axes that replace whole objects (applied first).
bool whole_object_axis(const std::string& path) {
  return path == "target" || path == "methods";
}

// Shape check of a path that does not depend on the base (labels are checked when applied).
std::string check_axis_shape(const std::string& path) {
  if (path == "seed" || path == "name" || path == "target" || path == "methods") return "";
  if (starts_with(path, "target.params.") && path.size() > 14) return "";
  if (starts_with(path, "metrics.") && path.size() > 8) return "";
  if (starts_with(path, "budget.")) {
    const std::string kind = path.substr(7);
    if (kind == "iterations" || kind == "gradient_evals" || kind == "seconds") return "";
    return "unknown budget kind '" + kind + "'; expected iterations, gradient_evals or seconds";
  }
  if (starts_with(path, "methods.") && path.size() > 8) {
    if (path.size() > 8 + 8 && path.compare(path.size() - 8, 8, ".enabled") == 0) return "";
    if (path.find(".params.", 8) != std::string::npos && path.back() != '.') return "";
    return "expected methods.LABEL.params.NAME or methods.LABEL.enabled";
  }
  return std::string("unknown axis; ") + kAxisHelp;
}

// The readable form of a value in an id.
std::string id_value(const ojson& v) {
  if (v.is_number()) return format_double(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_object() && v.contains("kind") && v["kind"].is_string())
    return v["kind"].get<std::string>();
  if (v.is_array()) {
    std::vector<std::string> labels;
    for (const auto& m : v)
      if (m.is_object() && m.contains("label") && m["label"].is_string())
        labels.push_back(m["label"].get<std::string>());
      else
        labels.push_back(id_value(m));
    return join(labels, "+");
  }
  return v.dump();
}

std::string sanitize_id(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '=' || c == '+' || c == '-';
    out += ok ? char(c) : '-';
  }
  if (out.empty() || out == "." || out == "..") out = "cell" + out;
  return out;
}

std::string hash_suffix(const std::vector<AxisValue>& assignments) {
  std::string text;
  for (const auto& a : assignments) text += a.axis + '\0' + a.value_json + '\0';
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", unsigned(fnv1a(text) & 0xffffffffu));
  return buf;
}

struct Assignment {
  std::string axis;
  const ojson* value;
  std::string location;  // JSON pointer of the value in the sweep file
};

}  // namespace

std::string axis_value_text(const std::string& value_json) {
  return id_value(ojson::parse(value_json));
}

std::string axis_short_name(const std::string& axis) {
  if (starts_with(axis, "target.params.")) return axis.substr(14);
  if (starts_with(axis, "budget.")) return axis.substr(7);
  if (starts_with(axis, "metrics.")) return axis.substr(8);
  if (starts_with(axis, "methods.") && axis.size() > 8) {
    std::string rest = axis.substr(8);
    const auto p = rest.rfind(".params.");
    if (p != std::string::npos) return rest.substr(0, p) + "." + rest.substr(p + 8);
    return rest;
  }
  return axis;
}

Sweep expand_sweep(const std::string& text, const std::string& source,
                   const MethodCatalog& catalog) {
  const ojson doc = parse_ordered(text, source);
  if (!doc.is_object())
    throw SweepError(source, "",
                     "expected a sweep object {\"schema\": 1, \"base\": {…}, \"axes\": {…}}");
  for (const auto& [key, value] : doc.items())
    if (key != "schema" && key != "name" && key != "description" && key != "base" &&
        key != "axes" && key != "cells")
      throw SweepError(source, "/" + escape_token(key),
                       "unknown key '" + key +
                           "'; expected one of: schema, name, description, base, axes, cells");
  if (!doc.contains("schema") || !doc["schema"].is_number() ||
      doc["schema"].get<double>() != kSweepSchema)
    throw SweepError(source, "/schema", "expected 1 (the sweep schema)");
  Sweep sweep;
  if (doc.contains("name")) {
    if (!doc["name"].is_string()) throw SweepError(source, "/name", "expected a string");
    sweep.name = doc["name"].get<std::string>();
  }
  if (!doc.contains("base"))
    throw SweepError(source, "/base", "missing; expected a scenario object");
  const ojson& base = doc["base"];
  if (!base.is_object()) throw SweepError(source, "/base", "expected a scenario object");
  try {
    (void)parse_scenario(base.dump(), source, catalog);
  } catch (const ScenarioError& e) {
    throw SweepError(source, "/base" + e.pointer, e.message);
  }

  // Product axes and list-form cells.
  std::vector<std::pair<std::string, const ojson*>> axes;
  if (doc.contains("axes")) {
    const ojson& a = doc["axes"];
    if (!a.is_object())
      throw SweepError(source, "/axes", "expected an object {\"AXIS\": [values…], …}");
    for (const auto& [path, values] : a.items()) {
      const std::string p = "/axes/" + escape_token(path);
      if (const std::string why = check_axis_shape(path); !why.empty())
        throw SweepError(source, p, "axis '" + path + "': " + why);
      if (!values.is_array() || values.empty())
        throw SweepError(source, p, "axis '" + path + "': expected a non-empty array of values");
      std::set<std::string> seen;
      for (std::size_t k = 0; k < values.size(); ++k)
        if (!seen.insert(values[k].dump()).second)
          throw SweepError(source, p + "/" + std::to_string(k),
                           "axis '" + path + "': value " + values[k].dump() + " appears twice");
      axes.emplace_back(path, &values);
    }
  }
  std::vector<std::vector<Assignment>> listed;
  std::vector<std::string> axis_order;
  auto note_axis = [&](const std::string& path) {
    for (const auto& a : axis_order)
      if (a == path) return;
    axis_order.push_back(path);
  };
  if (doc.contains("cells")) {
    const ojson& c = doc["cells"];
    if (!c.is_array() || c.empty())
      throw SweepError(source, "/cells",
                       "expected a non-empty array of {\"AXIS\": value, …} objects");
    for (std::size_t i = 0; i < c.size(); ++i) {
      const std::string cp = "/cells/" + std::to_string(i);
      if (!c[i].is_object())
        throw SweepError(source, cp, "expected an object {\"AXIS\": value, …}");
      std::vector<Assignment> cell;
      for (const auto& [path, value] : c[i].items()) {
        const std::string p = cp + "/" + escape_token(path);
        if (const std::string why = check_axis_shape(path); !why.empty())
          throw SweepError(source, p, "axis '" + path + "': " + why);
        for (const auto& [ap, av] : axes)
          if (ap == path)
            throw SweepError(source, p,
                             "axis '" + path + "' is both listed here and a product axis");
        cell.push_back({path, &value, p});
        note_axis(path);
      }
      listed.push_back(std::move(cell));
    }
  }
  for (const auto& [path, values] : axes) note_axis(path);
  if (listed.empty()) listed.emplace_back();
  std::size_t product = 1;
  for (const auto& [path, values] : axes) {
    if (values->size() > kMaxCells / product)
      throw SweepError(source, "/axes", "more than " + std::to_string(kMaxCells) + " cells");
    product *= values->size();
  }
  if (listed.size() > kMaxCells / product)
    throw SweepError(source, "", "more than " + std::to_string(kMaxCells) + " cells");
  sweep.axes = axis_order;

  std::vector<std::string> readable;
  for (const auto& list_cell : listed) {
    for (std::size_t flat = 0; flat < product; ++flat) {
      std::vector<Assignment> cell = list_cell;
      std::size_t rem = flat;
      std::vector<Assignment> prod(axes.size());
      for (std::size_t a = axes.size(); a-- > 0;) {
        const std::size_t n = axes[a].second->size(), k = rem % n;
        rem /= n;
        prod[a] = {axes[a].first, &(*axes[a].second)[k],
                   "/axes/" + escape_token(axes[a].first) + "/" + std::to_string(k)};
      }
      cell.insert(cell.end(), prod.begin(), prod.end());
      // Apply: whole objects first, then the rest, each in file order.
      ojson scenario_doc = base;
      std::vector<std::string> pointers(cell.size());
      for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < cell.size(); ++i) {
          if (whole_object_axis(cell[i].axis) != (pass == 0)) continue;
          const std::string why =
              apply_axis(scenario_doc, cell[i].axis, *cell[i].value, &pointers[i]);
          if (!why.empty())
            throw SweepError(source, cell[i].location, "axis '" + cell[i].axis + "': " + why);
        }
      SweepCell out;
      out.index = sweep.cells.size();
      for (const auto& a : cell) out.assignments.push_back({a.axis, a.value->dump()});
      try {
        out.scenario = parse_scenario(scenario_doc.dump(), source, catalog);
      } catch (const ScenarioError& e) {
        // Blame the assignment whose field the error is in (the longest matching pointer).
        std::size_t blame = cell.size(), blame_len = 0;
        for (std::size_t i = 0; i < cell.size(); ++i) {
          const std::string& p = pointers[i];
          const bool inside = e.pointer == p || starts_with(e.pointer, p + "/");
          if (inside && p.size() >= blame_len) blame = i, blame_len = p.size();
        }
        std::vector<std::string> all;
        for (const auto& a : cell) all.push_back(a.axis + " = " + a.value->dump());
        if (blame < cell.size())
          throw SweepError(source, cell[blame].location,
                           "value " + cell[blame].value->dump() + " of axis '" + cell[blame].axis +
                               "' makes the scenario invalid: " + e.pointer + ": " + e.message +
                               " (cell: " + join(all, ", ") + ")");
        throw SweepError(source, cell.empty() ? "/base" : cell.front().location,
                         "the cell " + join(all, ", ") + " is not a valid scenario: " +
                             (e.pointer.empty() ? "" : e.pointer + ": ") + e.message);
      }
      out.scenario_json = to_json_text(out.scenario);
      // Readable id in axis order.
      std::vector<std::string> pieces;
      for (const auto& axis : axis_order)
        for (const auto& a : cell)
          if (a.axis == axis) pieces.push_back(axis_short_name(axis) + "=" + id_value(*a.value));
      readable.push_back(pieces.empty() ? "base" : sanitize_id(join(pieces, "_")));
      sweep.cells.push_back(std::move(out));
    }
  }
  std::map<std::string, int> uses;
  for (const auto& r : readable) ++uses[r];
  std::set<std::string> ids;
  for (std::size_t i = 0; i < sweep.cells.size(); ++i) {
    SweepCell& c = sweep.cells[i];
    std::string id = readable[i];
    if (id.size() > kMaxReadableId)
      id = id.substr(0, kMaxReadableId) + "_h" + hash_suffix(c.assignments);
    else if (uses[readable[i]] > 1)
      id += "_h" + hash_suffix(c.assignments);
    if (!ids.insert(id).second)
      throw SweepError(source, "",
                       "two cells have the same id '" + id + "' (the same assignments twice?)");
    c.id = id;
  }
  return sweep;
}

Sweep load_sweep(const std::filesystem::path& path, const MethodCatalog& catalog) {
  std::string text;
  try {
    text = read_file_text(path);
  } catch (const std::exception& e) {
    throw SweepError(path.string(), "", e.what());
  }
  Sweep sweep = expand_sweep(text, path.string(), catalog);
  // An ebm base's relative data.csv is read from the sweep file's folder, as a scenario file's is
  // from its own; the cell files then hold the resolved path.
  for (SweepCell& c : sweep.cells) {
    DataSettings& data = c.scenario.data;
    if (c.scenario.task != Task::ebm || data.csv.empty() ||
        !std::filesystem::path(data.csv).is_relative() || path.parent_path().empty())
      continue;
    data.csv = (path.parent_path() / data.csv).lexically_normal().string();
    c.scenario_json = to_json_text(c.scenario);
  }
  return sweep;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto whole = [&](const std::string& s) -> std::size_t {
    if (s.empty() || s.size() > 7 || s.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("--shard " + text +
                                  ": expected I/N with whole numbers, 0 <= I < N");
    return std::stoul(s);
  };
  if (slash == std::string::npos)
    throw std::invalid_argument("--shard " + text + ": expected I/N (e.g. 0/4), 0 <= I < N");
  Shard s{whole(text.substr(0, slash)), whole(text.substr(slash + 1))};
  if (s.count < 1 || s.count > 1000000 || s.index >= s.count)
    throw std::invalid_argument("--shard " + text +
                                ": expected 0 <= I < N <= 1000000 (shards are numbered from 0)");
  return s;
}

bool in_shard(std::size_t cell_index, const Shard& shard) {
  return cell_index % shard.count == shard.index;
}

}  // namespace ss
