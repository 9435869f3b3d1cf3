#include "core/io/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/common/grid.h"
#include "core/io/files.h"

namespace ss {

namespace {

std::string os_error(const std::filesystem::path& path, int err) {
  return "cannot write '" + path.string() + "': " + std::strerror(err);
}

// Reads one CSV record (up to a newline outside quotes, newline included) into `record` and its
// second field, unquoted, into `label`. Returns false at the end of the file.
bool read_record(std::FILE* f, std::string& record, std::string& label) {
  record.clear();
  label.clear();
  bool quoted = false;
  int field = 0;
  int c;
  while ((c = std::getc(f)) != EOF) {
    record += char(c);
    if (c == '"') {
      quoted = !quoted;
      if (field == 1 && !quoted) {
        const int next = std::getc(f);
        if (next == '"') {  // an escaped quote inside the field
          record += '"';
          label += '"';
          quoted = true;
          continue;
        }
        if (next != EOF) std::ungetc(next, f);
      }
      continue;
    }
    if (!quoted && c == '\n') return true;
    if (!quoted && c == ',') {
      ++field;
      continue;
    }
    if (field == 1) label += char(c);
  }
  return !record.empty();
}

}  // namespace

void append_metric_rows(std::string& out, std::string_view kind, std::string_view label,
                        const MetricPass& pass) {
  std::string prefix = csv_field(kind);
  prefix += ',';
  prefix += csv_field(label);
  prefix += ',';
  prefix += std::to_string(pass.iteration);
  prefix += ',';
  prefix += std::to_string(pass.gradient_evals);
  prefix += ',';
  prefix += format_double(pass.wall_seconds);
  prefix += ',';
  for (const auto& [name, value] : pass.values) {
    out += prefix;
    out += csv_field(name);
    out += ',';
    out += format_double(value);
    out += '\n';
  }
}

MetricsCsvStream::MetricsCsvStream(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw ResultsWriteError(os_error(path_, errno));
  write_all(std::string(kMetricsCsvHeader));
  if (!error_.empty()) throw ResultsWriteError(error_);
}

MetricsCsvStream::~MetricsCsvStream() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsCsvStream::write_all(const std::string& text) {
  if (fd_ < 0 || !error_.empty()) return;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = os_error(path_, errno);
      return;
    }
    done += size_t(n);
  }
}

void MetricsCsvStream::append(std::string_view kind, std::string_view label,
                              const MetricPass& pass) {
  buffer_.clear();
  append_metric_rows(buffer_, kind, label, pass);
  write_all(buffer_);
}

void MetricsCsvStream::close() {
  if (fd_ < 0) return;
  if (::close(fd_) != 0 && error_.empty()) error_ = os_error(path_, errno);
  fd_ = -1;
}

void sort_metrics_csv(const std::filesystem::path& path, const std::vector<std::string>& labels) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) throw ResultsWriteError("cannot read '" + path.string() + "': " + std::strerror(errno));
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid()) + ".sort";
  std::FILE* out = std::fopen(temp.c_str(), "wb");
  if (!out) {
    const int err = errno;
    std::fclose(in);
    throw ResultsWriteError(os_error(path, err));
  }
  bool ok = std::fwrite(kMetricsCsvHeader.data(), 1, kMetricsCsvHeader.size(), out) ==
            kMetricsCsvHeader.size();
  std::string record, label;
  for (const std::string& wanted : labels) {
    std::rewind(in);
    bool header = true;
    while (ok && read_record(in, record, label)) {
      if (header) {
        header = false;
        continue;
      }
      if (label == wanted) ok = std::fwrite(record.data(), 1, record.size(), out) == record.size();
    }
  }
  const bool read_failed = std::ferror(in);
  std::fclose(in);
  ok = ok && std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  const int err = errno;
  ok = std::fclose(out) == 0 && ok;
  if (!ok || read_failed) {
    std::remove(temp.c_str());
    if (read_failed) throw ResultsWriteError("cannot read '" + path.string() + "'");
    throw ResultsWriteError(os_error(path, err));
  }
  try {
    commit_temporary_file(temp, path);
  } catch (const std::exception& e) {
    throw ResultsWriteError(e.what());
  }
}

std::vector<std::string> samples_file_names(const std::vector<std::string>& labels) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const std::string& label : labels) {
    const std::string base = "samples_" + file_safe_label(label);
    std::string name = base + ".csv";
    for (int k = 2; used.count(name); ++k) name = base + "_" + std::to_string(k) + ".csv";
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> density_file_names(const std::vector<std::string>& labels) {
  std::vector<std::string> names = samples_file_names(labels);
  for (std::string& name : names) name.replace(0, std::string_view("samples_").size(), "density_");
  return names;
}

std::string density_csv(const std::vector<float>& log_density, int n, const Box& box) {
  std::string out = "x,y,log_density\n";
  if (n <= 0 || log_density.size() != std::size_t(n) * std::size_t(n)) return out;
  out.reserve(out.size() + log_density.size() * 64);
  const double w = box.width() / n, h = box.height() / n;
  std::vector<std::string> xs(n);
  for (int ix = 0; ix < n; ++ix) xs[ix] = format_double(cell_centre(box.xmin, w, ix));
  for (int iy = 0; iy < n; ++iy) {
    const std::string y = format_double(cell_centre(box.ymin, h, iy));
    for (int ix = 0; ix < n; ++ix) {
      out += xs[ix];
      out += ',';
      out += y;
      out += ',';
      out += format_double(double(log_density[std::size_t(iy) * n + ix]));
      out += '\n';
    }
  }
  return out;
}

void write_file_set(const std::filesystem::path& dir,
                    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::filesystem::path> temps;
  try {
    for (const auto& [name, contents] : files)
      temps.push_back(write_temporary_file(dir / name, contents));
  } catch (const std::exception& e) {
    for (const auto& t : temps) std::remove(t.c_str());
    throw ResultsWriteError(e.what());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      commit_temporary_file(temps[i], dir / files[i].first);
    } catch (const std::exception& e) {
      for (size_t k = i + 1; k < temps.size(); ++k) std::remove(temps[k].c_str());
      throw ResultsWriteError(e.what());
    }
  }
}

std::vector<std::string> remove_stale_results(const std::filesystem::path& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool csv = name.size() > 4 && name.compare(name.size() - 4, 4, ".csv") == 0;
    const bool stale =
        (csv && (name.rfind("samples_", 0) == 0 || name.rfind("density_", 0) == 0)) ||
        name == "summary.json" || name.find(".tmp.") != std::string::npos;
    if (!stale) continue;
    std::error_code rm;
    std::filesystem::remove(entry.path(), rm);
    if (rm)
      throw ResultsWriteError("cannot remove '" + entry.path().string() +
                              "' left by an earlier run: " + rm.message());
    removed.push_back(name);
  }
  if (ec) throw ResultsWriteError("cannot list '" + dir.string() + "': " + ec.message());
  return removed;
}

}  // namespace ss
