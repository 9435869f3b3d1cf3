// The text a person is shown for an exception: its what(), except for an allocation failure,
// whose what() ("std::bad_alloc") says nothing to a user of the app or the runner.
#pragma once

#include <exception>
#include <new>
#include <string>

namespace ss {

inline std::string error_text(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return "not enough memory (an allocation failed; smaller settings need less)";
  return e.what();
}

}  // namespace ss
