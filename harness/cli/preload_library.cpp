#include "cli/preload_library.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/arguments.h"

namespace gridlock::cli {

std::string preload_library() {
  if (const char* path = std::getenv("GRIDLOCK_PRELOAD"); path != nullptr && *path != '\0') {
    if (::access(path, R_OK) != 0) throw usage_error(std::string("GRIDLOCK_PRELOAD names no readable file: ") + path);
    return path;
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path lib = exe.parent_path().parent_path() / "lib" / "libgridlock_preload.so";
  if (ec || ::access(lib.c_str(), R_OK) != 0)
    throw usage_error("the interposer " + lib.string() + " is missing (set GRIDLOCK_PRELOAD to its path)");
  return lib.string();
}

}  // namespace gridlock::cli
