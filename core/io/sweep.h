// Sweep files: a base scenario plus axes, expanded into cells — ordinary scenarios, each with a
// stable id — for `samplescope-run --sweep` (ARCHITECTURE.md §5 extensions, docs/scenarios.md).
//
//   {"schema": 1, "base": {…a scenario…},
//    "axes":  {"seed": [1, 2, 3], "methods.SVGD.params.particles": [100, 300],
//              "target.params.radius": [2, 3]},
//    "cells": [{"target": {"kind": "banana"}}, {"target": {"kind": "donut"}, "seed": 7}]}
//
// Axes (product form): every combination of one value per axis, the last axis varying fastest.
// Cells (list form): explicit assignments; with both, each listed cell is combined with every
// point of the product (list entries outer, product inner). With neither, the base is the one cell.
//
// An axis path names what it replaces in the base:
//   seed                          the scenario seed
//   name                          the scenario name
//   target                        the whole target object {"kind": …, "params": {…}}
//   target.params.NAME            one target knob
//   methods                       the whole method list (an array of method objects)
//   methods.LABEL.params.NAME     one knob of the method labelled LABEL (labels may hold dots:
//                                 the longest label that matches wins)
//   methods.LABEL.enabled         whether that method runs
//   budget.KIND                   the budget, KIND one of iterations, gradient_evals, seconds
//   metrics.NAME                  one metric setting (ksd_samples, every, …)
// Whole-object axes (target, methods) are applied before the knobs, so a knob axis may refer to a
// label that only a `methods` value defines. Each cell is then checked by the scenario parser
// (parse_scenario): nothing runs unless every cell is a valid scenario.
//
// Cell id: "<axis>=<value>" pieces joined by "_" in axis order (list-form axes by first
// appearance, then the product axes in the file's order), where <axis> is the path's last
// meaningful part (seed, radius, SVGD.particles, target, methods, iterations …), numbers in
// shortest round-trip form, a target by its kind, a method list by its labels joined with "+".
// Characters outside [A-Za-z0-9._=+-] become "-". The id depends only on the cell's own assignments
// — not on its position, the other cells or the base — so adding a value to an axis renames
// nothing. When two cells would get the same readable id (e.g. two gmm targets), or an id would
// exceed 120 bytes, the readable part is followed (or cut at 120 bytes and followed) by "_h" and 8
// hex digits of the FNV-1a hash of the cell's assignments. A sweep with no assignments has the one
// cell "base".
//
// Errors (SweepError, a ScenarioError): they name the file and the JSON pointer of the axis
// (e.g. "/axes/methods.SVG.params.particles") and say what was wrong, including the scenario
// error a value causes ("value 3 of axis … makes /methods/1/params/particles invalid: …").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/io/scenario.h"

namespace ss {

/// The sweep file schema this code reads.
inline constexpr int kSweepSchema = 1;

/// One axis assignment of a cell: the path and its value as compact JSON text (e.g. "300",
/// "\"plain\"", "{\"kind\":\"banana\"}").
struct AxisValue {
  std::string axis;
  std::string value_json;
  bool operator==(const AxisValue&) const = default;
};

/// One cell of a sweep: a complete scenario with its id and the assignments that made it.
struct SweepCell {
  std::string id;         ///< stable, file-system safe (see above)
  std::size_t index = 0;  ///< position in the expansion (0-based)
  std::vector<AxisValue> assignments;
  Scenario scenario;          ///< validated
  std::string scenario_json;  ///< to_json_text(scenario): what the cell folder holds
};

struct Sweep {
  std::string name;               ///< the sweep's "name" (optional, "" by default)
  std::vector<std::string> axes;  ///< every axis path, in id order (list-form ones included)
  std::vector<SweepCell> cells;
};

/// A rejected sweep file (same shape as ScenarioError: file, pointer, message).
struct SweepError : ScenarioError {
  using ScenarioError::ScenarioError;
};

/// Parses and expands sweep JSON text; `source_name` names it in error messages. Every cell is
/// validated; throws SweepError on the first problem. At most 100 000 cells.
Sweep expand_sweep(const std::string& text, const std::string& source_name,
                   const MethodCatalog& catalog = MethodCatalog::registry());

/// Reads a sweep file and expands it (the file's path is the source name). An ebm base's relative
/// data.csv is resolved against the sweep file's folder (cells hold the resolved path).
Sweep load_sweep(const std::filesystem::path& path,
                 const MethodCatalog& catalog = MethodCatalog::registry());

/// A shard "I/N": 0 <= index < count.
struct Shard {
  std::size_t index = 0, count = 1;
};

/// Parses "I/N" (whole numbers, 0 <= I < N <= 1e6); throws std::invalid_argument with a message
/// naming the text otherwise.
Shard parse_shard(const std::string& text);

/// True when cell `cell_index` belongs to `shard`: cells are dealt round-robin (index mod N == I),
/// so the N shards are disjoint, cover every cell, and each gets a mix of every axis.
bool in_shard(std::size_t cell_index, const Shard& shard);

/// The readable text of an axis value (as in ids, before the file-name clean-up): a number in
/// shortest round-trip form, a string as is, a target by its kind, a method list by its labels
/// joined with "+", anything else as compact JSON.
std::string axis_value_text(const std::string& value_json);

/// The axis's short name used in ids and in report column headers: "seed", "radius",
/// "SVGD.particles", "target", "methods", "iterations", "every", …
std::string axis_short_name(const std::string& axis);

}  // namespace ss
