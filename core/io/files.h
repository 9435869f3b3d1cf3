// Small file helpers shared by the runner and the UI: atomic writes, locale-independent number
// formatting for CSV/JSON output, and CSV writers for metric curves and sample sets.
//
// Atomic write: the contents go to "<path>.tmp.<pid>.<counter>" in the same directory, are
// flushed, and the temporary file is renamed over `path` (rename is atomic on POSIX within a file
// system), so a reader or an interrupted program never sees a half-written file under the final
// name.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/types.h"

namespace ss {

/// Writes `contents` to `path` atomically (see above). Throws std::runtime_error naming the path
/// and the OS error on failure; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

/// Default cap of read_file_text(): 16 MiB.
inline constexpr std::size_t kMaxReadBytes = std::size_t(16) << 20;

/// The first half of an atomic write: `contents` in a flushed temporary file next to `path`,
/// whose name is returned. Throws std::runtime_error naming `path` and the OS error (the
/// temporary is removed then).
std::filesystem::path write_temporary_file(const std::filesystem::path& path,
                                           std::string_view contents);
/// The second half: renames `temp` to `path` (atomic within a file system). Throws as above.
void commit_temporary_file(const std::filesystem::path& temp, const std::filesystem::path& path);

/// Reads a whole regular file of at most `max_bytes` bytes. Throws std::runtime_error naming the
/// path and what is wrong: missing or unreadable (with the OS error), a directory, not a regular
/// file (a FIFO, /dev/zero, a socket: refused before opening, so nothing blocks or reads without
/// end), or larger than `max_bytes` (checked before reading and again while reading, so a file
/// that grows is cut off too).
std::string read_file_text(const std::filesystem::path& path,
                           std::size_t max_bytes = kMaxReadBytes);

/// Shortest text that parses back to exactly `value` (std::to_chars; locale-independent):
/// "0.1", "1e-300", "2000". Non-finite values print as "nan", "inf", "-inf".
std::string format_double(double value);

/// CSV text of a point set: header "x,y" then one row per point, numbers via format_double.
std::string points_csv(const Points& points);

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180); else returns it.
std::string csv_field(std::string_view text);

/// `text` safe to print on a terminal: control bytes (< 0x20, DEL) become "\xNN" (so a label
/// cannot move the cursor, clear the line or ring the bell); everything else is kept.
std::string printable(std::string_view text);

/// The label as used in "samples_<label>.csv": kept verbatim except '/', '\\', control bytes and
/// DEL, which become '_'; "", "." and ".." become "_", "_.", "_..".
std::string file_safe_label(std::string_view label);

}  // namespace ss
