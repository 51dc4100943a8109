// A program that links libgridlock.a itself has its own copy of the runtime, with its own
// internal_scope depth: its gridlock::condition_variable, channel and wait_group run std:: internals
// (pthread calls) inside that scope, and the interposer must not report those a second time. The
// executable's copy of gridlock::detail::internal_depth is found through its symbol table (.symtab,
// or .dynsym when exported) and read per thread with __tls_get_addr, the ELF TLS ABI's own accessor.
// A stripped executable cannot be recognized: see docs/interposer.md.
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "interposer.h"

extern "C" {
struct gridlock_tls_index {
  unsigned long module;
  unsigned long offset;
};
void* __tls_get_addr(gridlock_tls_index*);
}

namespace gridlock::preload {
namespace {

constexpr char depth_symbol[] = "_ZN8gridlock6detail14internal_depthE";

gridlock_tls_index g_index{};
constinit thread_local int* t_app_depth [[gnu::tls_model("initial-exec")]] = nullptr;

/// The TLS offset of `depth_symbol` in the ELF image, or -1.
long find_tls_symbol(const unsigned char* image, std::size_t size) {
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_CLASS] != ELFCLASS64)
    return -1;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(image);
  if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
      eh->e_shoff + std::size_t{eh->e_shnum} * sizeof(Elf64_Shdr) > size)
    return -1;
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(image + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM) continue;
    if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym)) continue;
    const Elf64_Shdr& strs = sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > size || strs.sh_offset + strs.sh_size > size) continue;
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(image + sh[i].sh_offset);
    const char* names = reinterpret_cast<const char*>(image + strs.sh_offset);
    const std::size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
    for (std::size_t k = 0; k < count; ++k) {
      if (ELF64_ST_TYPE(syms[k].st_info) != STT_TLS || syms[k].st_shndx == SHN_UNDEF) continue;
      if (syms[k].st_name >= strs.sh_size) continue;
      if (std::strcmp(names + syms[k].st_name, depth_symbol) == 0) return static_cast<long>(syms[k].st_value);
    }
  }
  return -1;
}

int first_object_tls_module(dl_phdr_info* info, std::size_t, void* out) {
  *static_cast<std::size_t*>(out) = info->dlpi_tls_modid;
  return 1;  // the first object is the executable
}

}  // namespace

bool detect_embedded_runtime() noexcept {
  std::size_t module = 0;
  dl_iterate_phdr(first_object_tls_module, &module);
  if (module == 0) return false;  // the executable has no TLS at all
  const int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return false;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* image = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (image == MAP_FAILED) return false;
  const long offset = find_tls_symbol(static_cast<const unsigned char*>(image), size);
  munmap(image, size);
  if (offset < 0) return false;
  g_index = {module, static_cast<unsigned long>(offset)};
  return true;
}

bool embedded_scope_active() noexcept {
  int* depth = t_app_depth;
  if (depth == nullptr) t_app_depth = depth = static_cast<int*>(__tls_get_addr(&g_index));
  return *depth > 0;
}

}  // namespace gridlock::preload
