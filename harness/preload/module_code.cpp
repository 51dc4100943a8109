// Where a loaded module's code lies (module_code.h), from the program headers dl_iterate_phdr lists.
#include "module_code.h"

#include <link.h>

#include <cstring>

namespace gridlock::preload {
namespace {

/// What is looked for: a library by the start of its file name, or the module holding an address.
struct wanted {
  const char* name_prefix = nullptr;
  std::uintptr_t address = 0;
  code_range found;
};

/// The module's executable segment that holds `at` (any, for at == 0), or an empty range.
code_range code_segment(const dl_phdr_info& info, std::uintptr_t at) {
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    const code_range r{info.dlpi_addr + ph.p_vaddr, ph.p_memsz};
    if (at == 0 || r.contains(reinterpret_cast<const void*>(at))) return r;
  }
  return {};
}

int look(dl_phdr_info* info, std::size_t, void* arg) {
  auto& w = *static_cast<wanted*>(arg);
  if (w.name_prefix != nullptr) {
    const char* slash = info->dlpi_name != nullptr ? std::strrchr(info->dlpi_name, '/') : nullptr;
    if (slash == nullptr || std::strncmp(slash + 1, w.name_prefix, std::strlen(w.name_prefix)) != 0) return 0;
    w.found = code_segment(*info, 0);
    return 1;
  }
  const code_range r = code_segment(*info, w.address);
  if (r.size == 0) return 0;
  // The program itself is no library: its code is the program's calls.
  if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') w.found = r;
  return 1;
}

}  // namespace

code_range library_code(const char* name_prefix) noexcept {
  wanted w;
  w.name_prefix = name_prefix;
  dl_iterate_phdr(look, &w);
  return w.found;
}

code_range library_code_at(const void* address) noexcept {
  wanted w;
  w.address = reinterpret_cast<std::uintptr_t>(address);
  dl_iterate_phdr(look, &w);
  return w.found;
}

}  // namespace gridlock::preload
