// Numbers in user-facing messages, formatted one way across the tree.
#pragma once

#include <cstdio>
#include <string>

namespace ss {

/// `v` as printf's "%.*g" with `significant` digits: "0.25", "1e+06", "inf", "nan". The default,
/// 6, is what `std::ostream << v` prints.
inline std::string format_number(double v, int significant = 6) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

}  // namespace ss
