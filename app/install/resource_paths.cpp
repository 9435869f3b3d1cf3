#include "app/install/resource_paths.h"

#include <cstdlib>

namespace ss::install {

namespace fs = std::filesystem;

fs::path executable_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

std::vector<fs::path> data_dir_candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("SAMPLESCOPE_DATA_DIR"); env && *env) out.emplace_back(env);
  if (const fs::path exe = executable_path(); !exe.empty())
    out.push_back((exe.parent_path() / ".." / "share" / "samplescope").lexically_normal());
#ifdef SS_INSTALL_DATA_DIR
  out.emplace_back(SS_INSTALL_DATA_DIR);
#endif
  return out;
}

fs::path data_dir() {
  const std::vector<fs::path> candidates = data_dir_candidates();
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c / "shaders" / "density.frag", ec)) return c;
  }
  return candidates.empty() ? fs::path() : candidates.back();
}

fs::path shader_dir() {
  if (const char* env = std::getenv("SAMPLESCOPE_SHADER_DIR"); env && *env) return env;
  return data_dir() / "shaders";
}

fs::path gallery_dir() {
  return data_dir() / "scenarios";
}

}  // namespace ss::install
