// Where the LD_PRELOAD interposer is: beside the gridlock executable (<prefix>/lib next to
// <prefix>/bin, in the build tree and once installed alike), or GRIDLOCK_PRELOAD if set.
#pragma once

#include <string>

namespace gridlock::cli {

/// The interposer's path; throws usage_error if it is not there.
std::string preload_library();

}  // namespace gridlock::cli
