// Small file helpers shared by the runner and the UI: atomic writes, locale-independent number
// formatting for CSV/JSON output, and CSV writers for metric curves and sample sets.
//
// Atomic write: the contents go to "<path>.tmp.<pid>.<counter>" in the same directory, are
// flushed, and the temporary file is renamed over `path` (rename is atomic on POSIX within a file
// system), so a reader or an interrupted program never sees a half-written file under the final
// name.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/types.h"

namespace ss {

/// Writes `contents` to `path` atomically (see above). Throws std::runtime_error naming the path
/// and the OS error on failure; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

/// Reads a whole file. Throws std::runtime_error naming the path on failure.
std::string read_file_text(const std::filesystem::path& path);

/// Shortest text that parses back to exactly `value` (std::to_chars; locale-independent):
/// "0.1", "1e-300", "2000". Non-finite values print as "nan", "inf", "-inf".
std::string format_double(double value);

/// CSV text of a point set: header "x,y" then one row per point, numbers via format_double.
std::string points_csv(const Points& points);

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180); else returns it.
std::string csv_field(std::string_view text);

/// The label as used in "samples_<label>.csv": kept verbatim except '/', '\\', control bytes and
/// DEL, which become '_'; "", "." and ".." become "_", "_.", "_..".
std::string file_safe_label(std::string_view label);

}  // namespace ss
