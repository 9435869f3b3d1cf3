#include "core/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ss {

namespace {
std::atomic<unsigned> temp_counter{0};
}

std::filesystem::path write_temporary_file(const std::filesystem::path& path,
                                           std::string_view contents) {
  const std::filesystem::path temp =
      path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(temp_counter++);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write '" + path.string() + "': " + std::strerror(errno));
  const bool written = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const bool flushed = written && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int saved_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !flushed || !closed) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot write '" + path.string() + "': " + std::strerror(saved_errno));
  }
  return temp;
}

void commit_temporary_file(const std::filesystem::path& temp, const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot write '" + path.string() + "': " + ec.message());
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  commit_temporary_file(write_temporary_file(path, contents), path);
}

std::string read_file_text(const std::filesystem::path& path, std::size_t max_bytes) {
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot read '" + path.string() + "': " + why);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw fail("it is a directory; expected a file");
  if (!S_ISREG(st.st_mode))
    throw fail("not a regular file (a pipe, device or socket); expected a file");
  const auto too_large = [&] {
    return fail("larger than " + std::to_string(max_bytes >> 20) + " MiB (" +
                std::to_string(max_bytes) + " bytes); refusing to read it");
  };
  if (std::uint64_t(st.st_size) > max_bytes) throw too_large();
  // O_NONBLOCK: if the path was swapped for a FIFO since stat, open() does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw fail(std::strerror(errno));
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    ::close(fd);
    throw fail("not a regular file; expected a file");
  }
  std::string out;
  out.resize(std::size_t(opened.st_size));
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(max_bytes + 1, std::max<std::size_t>(4096, out.size() * 2)));
    }
    const ssize_t got = ::read(fd, out.data() + used, out.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      throw fail(std::strerror(saved));
    }
    if (got == 0) break;
    used += std::size_t(got);
  }
  ::close(fd);
  if (used > max_bytes) throw too_large();
  out.resize(used);
  return out;
}

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

std::string points_csv(const Points& points) {
  std::string out = "x,y\n";
  out.reserve(out.size() + static_cast<size_t>(points.rows()) * 44);
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    out += format_double(points(i, 0));
    out += ',';
    out += format_double(points(i, 1));
    out += '\n';
  }
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string printable(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string file_safe_label(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  for (char ch : label) {
    const unsigned char c = static_cast<unsigned char>(ch);
    out += (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) ? '_' : ch;
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

}  // namespace ss
