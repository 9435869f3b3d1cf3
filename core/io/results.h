// Results: the one writer of a results folder (ARCHITECTURE.md §5, docs/cli.md) — the rows of
// metrics.csv, the samples_<label>.csv names and contents, and the all-or-nothing write of the
// end-of-run files — shared by the headless runner and the GUI's CSV export, so the two write the
// same format, the same row order and the same file names. An EBM run's density_<label>.csv
// (density_file_names, density_csv) joins the same file set through write_file_set().
//
// metrics.csv is streamed: MetricsCsvStream appends each metric pass's rows with one write() and
// no user-space buffering left behind, so a run killed with SIGKILL keeps every pass written
// before the kill, each pass whole. At the end sort_metrics_csv() puts the rows in the canonical
// order — by method (the order given), then iteration, then metric name — which is also the order
// the GUI's export writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/types.h"

namespace ss {

/// The header line of metrics.csv (with its newline).
inline constexpr std::string_view kMetricsCsvHeader =
    "method,label,iteration,gradient_evals,wall_seconds,metric,value\n";

/// One metric pass of one method: its cost counters and every metric value in name order.
struct MetricPass {
  std::int64_t iteration = 0;
  std::uint64_t gradient_evals = 0;
  double wall_seconds = 0;  ///< the method's sampler time at the pass (metric passes excluded)
  std::vector<std::pair<std::string, double>> values;
};

/// Appends the metrics.csv rows of one pass (one row per value, in the order of `values`).
void append_metric_rows(std::string& out, std::string_view kind, std::string_view label,
                        const MetricPass& pass);

/// A failed write: what() names the file and the OS error ("cannot write 'out/metrics.csv': No
/// space left on device").
struct ResultsWriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// metrics.csv written as the run goes (see the header comment). Not thread-safe: one writer.
class MetricsCsvStream {
 public:
  /// Creates or truncates `path` and writes the header. Throws ResultsWriteError.
  explicit MetricsCsvStream(std::filesystem::path path);
  ~MetricsCsvStream();
  MetricsCsvStream(const MetricsCsvStream&) = delete;
  MetricsCsvStream& operator=(const MetricsCsvStream&) = delete;
  /// Appends one pass. After the first failure nothing more is written and error() says why.
  void append(std::string_view kind, std::string_view label, const MetricPass& pass);
  /// "" or the first failure (file and OS error).
  const std::string& error() const { return error_; }
  /// Closes the file (idempotent); a failure to close becomes error().
  void close();
  const std::filesystem::path& path() const { return path_; }

 private:
  void write_all(const std::string& text);
  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;
  std::string error_;
};

/// Rewrites metrics.csv at `path` (as written by MetricsCsvStream) in the canonical order: the
/// rows of labels[0] first, then labels[1], ..., each method's rows kept in the order written
/// (iteration, then metric name); rows of other labels are dropped. One pass over the file per
/// label, memory of one row; written to a temporary file and renamed. Throws ResultsWriteError.
void sort_metrics_csv(const std::filesystem::path& path, const std::vector<std::string>& labels);

/// samples_<label>.csv names for `labels`, in order: file_safe_label() of each, and "_2", "_3",
/// ... added when two labels map to the same name.
std::vector<std::string> samples_file_names(const std::vector<std::string>& labels);

/// density_<label>.csv names for `labels`, in order: the samples_<label>.csv name of the same
/// label (samples_file_names) with "samples_" replaced by "density_", so the two files of a
/// method always pair up.
std::vector<std::string> density_file_names(const std::vector<std::string>& labels);

/// The contents of density_<label>.csv (the ebm task): header "x,y,log_density", then one row per
/// cell of the n × n grid over `box`, at the cell centre (xmin + (ix + ½)·w/n, ymin + (iy +
/// ½)·h/n), rows in the grid layout (iy outer, ix inner: index iy·n + ix of `log_density`), numbers
/// via format_double. `log_density` holds n² values (normalized log density: Σ exp·cell area = 1);
/// empty: the header only (a method that never had a metric pass).
std::string density_csv(const std::vector<float>& log_density, int n, const Box& box);

/// Writes every (name, contents) into `dir` as one set: all contents go to temporary files first
/// (flushed), and only when every one succeeded are they renamed to their names, in order; on a
/// failure the temporaries are removed and no final name changes. Throws ResultsWriteError
/// naming the file and the OS error.
void write_file_set(const std::filesystem::path& dir,
                    const std::vector<std::pair<std::string, std::string>>& files);

/// Removes the result files an earlier run left in `dir`: samples_*.csv, density_*.csv,
/// summary.json and temporary files of an interrupted write ("*.tmp.*"). Returns the names
/// removed. Throws ResultsWriteError when one cannot be removed.
std::vector<std::string> remove_stale_results(const std::filesystem::path& dir);

}  // namespace ss
