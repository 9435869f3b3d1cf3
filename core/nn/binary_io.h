// Small helpers for the binary save/load formats of core/nn and core/flows (formats documented in
// core/nn/optim.h). Values are written in host byte order (the project targets little-endian
// x86-64 / arm64); every read checks for truncation and throws std::runtime_error naming `what`.
#pragma once

#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>

namespace ss::nn::binary {

/// Writes the raw bytes of a trivially copyable value.
template <class T>
void write(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
  if (!out) throw std::runtime_error("write failed");
}

/// Reads a trivially copyable value; throws if the stream ends early.
template <class T>
T read(std::istream& in, const char* what) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof(T));
  if (!in) throw std::runtime_error(std::string("truncated stream while reading ") + what);
  return value;
}

/// Writes `count` doubles.
inline void write_doubles(std::ostream& out, const double* data, std::int64_t count) {
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * 8));
  if (!out) throw std::runtime_error("write failed");
}

/// Reads `count` doubles; throws naming `what` on truncation.
inline void read_doubles(std::istream& in, double* data, std::int64_t count, const char* what) {
  in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(count * 8));
  if (!in) throw std::runtime_error(std::string("truncated stream while reading ") + what);
}

/// Writes an 8-character magic tag.
inline void write_magic(std::ostream& out, const char (&magic)[9]) {
  out.write(magic, 8);
  if (!out) throw std::runtime_error("write failed");
}

/// Reads 8 bytes and throws unless they equal `magic`.
inline void expect_magic(std::istream& in, const char (&magic)[9]) {
  char buf[8];
  in.read(buf, 8);
  if (!in || std::memcmp(buf, magic, 8) != 0)
    throw std::runtime_error(std::string("bad or missing header: expected '") + magic + "'");
}

}  // namespace ss::nn::binary
