// Where the desktop program finds its read-only data — the GLSL shaders and the gallery of
// scenarios — wherever it was installed or built, never in the source tree.
//
// The data folder ("<prefix>/share/samplescope", holding shaders/ and scenarios/) is the first of:
//   1. $SAMPLESCOPE_DATA_DIR, when set (and $SAMPLESCOPE_SHADER_DIR still overrides the shaders);
//   2. "<executable's folder>/../share/samplescope": the GNU layout relative to the program, so an
//      installed tree works wherever it sits (/usr, /usr/local, ~/.local, a `dpkg -x` root) and a
//      build tree works too (the build copies shaders/ and assets/scenarios/ into
//      "<build>/share/samplescope", beside "<build>/app/samplescope");
//   3. the install prefix compiled in (SS_INSTALL_DATA_DIR, CMAKE_INSTALL_FULL_DATADIR).
// A candidate counts only if it holds shaders/density.frag. When none does, data_dir() returns the
// last candidate and the caller reports the missing shaders (the app then runs without a heat map).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ss::install {

/// The running program's own path (/proc/self/exe), or "" if it cannot be read.
std::filesystem::path executable_path();
/// The candidate data folders in the order above (for messages and tests).
std::vector<std::filesystem::path> data_dir_candidates();
/// The first candidate holding shaders/density.frag (see above).
std::filesystem::path data_dir();
/// data_dir()/shaders, or $SAMPLESCOPE_SHADER_DIR when set.
std::filesystem::path shader_dir();
/// data_dir()/scenarios: the gallery.
std::filesystem::path gallery_dir();

}  // namespace ss::install
