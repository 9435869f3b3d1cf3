// Merging sweep results: reads cell folders (written by `samplescope-run --sweep`, or any folder a
// lone `samplescope-run` wrote) and summarizes them over seeds, for `samplescope-report`
// (docs/cli.md). Pure file reading and arithmetic: no plotting here.
//
// Inputs: each path given is either a cell folder (it holds scenario.json) or a sweep output
// folder, whose sub-folders holding scenario.json are the cells and whose sweep.json (a copy of
// the sweep file) says which cells to expect. Several sweep folders (shards, machines) may be
// merged; a cell id seen twice keeps the first finished copy.
//
// A cell is
//   ok          summary.json present and not interrupted (its methods may still have diverged),
//   failed      failed.json present (the runner's exit status and the end of run.log),
//   incomplete  a folder without a finished summary.json (interrupted, or still running),
//   missing     expected by a sweep.json but no folder among the inputs.
// Only ok cells enter the statistics, and within them only methods with status "ok": a diverged
// method, a failed, incomplete or missing cell is listed (Report::problems), never averaged.
//
// Summary statistics, per group (method label × the values of every axis other than "seed") and
// metric, over the group's ok methods whose value is finite: n, mean, sd (sample standard
// deviation, divisor n − 1; NaN when n < 2), min, max. Metrics: every key of the method's "final"
// object in summary.json, plus the cost figures iterations, gradient_evals, sampler_seconds and
// metric_seconds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/io/sweep.h"

namespace ss {

/// One method of one finished cell (from summary.json).
struct MethodResult {
  std::string label, kind;
  std::string status;  ///< "ok" or "diverged"
  std::string reason;  ///< why it diverged ("" when ok)
  /// Final metric values and cost figures, by name (NaN for a null / non-finite final value).
  std::map<std::string, double> values;
};

struct CellResult {
  std::string id;  ///< the folder's name (the sweep's cell id)
  std::filesystem::path dir;
  std::vector<AxisValue> axes;  ///< from cell.json (empty for a lone run's folder)
  std::string status;           ///< ok, failed, incomplete, missing
  std::string reason;           ///< for failed / incomplete / missing
  std::string target;           ///< target kind (summary.json)
  std::uint64_t seed = 0;
  std::vector<MethodResult> methods;
};

/// Something not averaged: a whole cell, or one method of an ok cell (label set).
struct ReportProblem {
  std::string cell, label, status, reason;
};

struct SummaryRow {
  std::string label;
  std::vector<std::string> axis_values;  ///< one per Report::group_axes, as display text
  std::string metric;
  std::size_t n = 0;
  double mean = 0, sd = 0, min = 0, max = 0;
};

struct Report {
  std::vector<CellResult> cells;        ///< in input order, then missing ones
  std::vector<std::string> axes;        ///< every axis seen, in first-seen order
  std::vector<std::string> group_axes;  ///< axes other than "seed" (summary.csv's columns)
  std::vector<SummaryRow> rows;         ///< summary statistics (see above)
  std::vector<ReportProblem> problems;  ///< failed, incomplete, missing cells; diverged methods
  std::vector<std::string> warnings;    ///< e.g. duplicate cells, unreadable sweep.json
};

/// Reads the inputs (see above) and computes the summary. Throws std::runtime_error naming a path
/// that is neither a cell folder nor a folder of cells, or a summary.json that is not valid.
Report build_report(const std::vector<std::filesystem::path>& inputs,
                    const MethodCatalog& catalog = MethodCatalog::registry());

/// The display text of an axis value in tables ("300", "banana", "A+B", or compact JSON when the
/// readable form would merge two different values of that axis).
std::string axis_display(const Report& report, const std::string& axis,
                         const std::string& value_json);

/// cells.csv: long format, header "cell,status,label,kind,target,seed,<every axis but seed>,
/// metric,value"; one row per cell × method × value; a cell or method that is not ok gets one
/// row with its status, the reason in the "metric" column and an empty value.
std::string cells_csv(const Report& report);
/// summary.csv: header "label,<axes but seed>,metric,n,mean,sd,min,max", one row per SummaryRow.
std::string summary_csv(const Report& report);
/// report.md: the cell counts, one table of mean ± sd (n) for the main metrics and the cost,
/// and the list of problems.
std::string report_markdown(const Report& report);

/// One row of a runner's metrics.csv.
struct MetricsRow {
  std::string method, label;
  std::int64_t iteration = 0;
  std::uint64_t gradient_evals = 0;
  double wall_seconds = 0;
  std::string metric;
  double value = 0;
};
/// Parses metrics.csv text (header checked; RFC 4180 quoting; "nan"/"inf" accepted). Throws
/// std::runtime_error naming `source` and the line on malformed input.
std::vector<MetricsRow> parse_metrics_csv(const std::string& text, const std::string& source);

}  // namespace ss
