// A fresh, empty folder for a test's files: <temp>/<stem>_<name>_<pid>, removed first if it exists.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace ss::testing {

inline std::filesystem::path fresh_temp_dir(const std::string& stem, const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (stem + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace ss::testing
