#include "shared_memory.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace gridlock {

bool any_in_shared_mapping(std::span<const void* const> addresses) noexcept {
  if (addresses.empty()) return false;
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return true;
  std::size_t found = 0;
  bool shared = false;
  char* line = nullptr;
  std::size_t capacity = 0;
  // "START-END PERMS ...", hex bounds, PERMS like "rw-p" (private) or "rw-s" (shared).
  while (!shared && found < addresses.size() && getline(&line, &capacity, maps) > 0) {
    std::uintptr_t start = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end, perms) != 3) continue;
    for (const void* address : addresses) {
      const auto at = reinterpret_cast<std::uintptr_t>(address);
      if (at < start || at >= end) continue;
      ++found;
      shared = shared || perms[3] != 'p';
    }
  }
  std::free(line);
  std::fclose(maps);
  return shared || found < addresses.size();
}

}  // namespace gridlock
