#include "shared_memory.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace gridlock {

bool in_shared_mapping(const void* address) noexcept {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return true;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  bool shared = true;
  char* line = nullptr;
  std::size_t capacity = 0;
  // "START-END PERMS ...", hex bounds, PERMS like "rw-p" (private) or "rw-s" (shared).
  while (getline(&line, &capacity, maps) > 0) {
    std::uintptr_t start = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end, perms) != 3) continue;
    if (at >= start && at < end) {
      shared = perms[3] != 'p';
      break;
    }
  }
  std::free(line);
  std::fclose(maps);
  return shared;
}

}  // namespace gridlock
