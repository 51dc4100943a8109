#include "cli/checkable_program.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <sstream>

#include "cli/arguments.h"

namespace gridlock::cli {
namespace {

struct elf_facts {
  int elf_class = ELFCLASSNONE;
  GElf_Half machine = EM_NONE;
  bool interpreter = false;  // a PT_INTERP: the dynamic loader starts it
  bool soname = false;       // a DT_SONAME: a shared object (the loader itself has no PT_INTERP)
};

bool has_segment(Elf* elf, GElf_Word type) {
  std::size_t segments = 0;
  if (elf_getphdrnum(elf, &segments) != 0) return false;
  for (std::size_t i = 0; i < segments; ++i) {
    GElf_Phdr segment;
    if (gelf_getphdr(elf, static_cast<int>(i), &segment) != nullptr && segment.p_type == type) return true;
  }
  return false;
}

bool has_dynamic_tag(Elf* elf, GElf_Sxword tag) {
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section != nullptr; section = elf_nextscn(elf, section)) {
    GElf_Shdr sh;
    if (gelf_getshdr(section, &sh) == nullptr || sh.sh_type != SHT_DYNAMIC || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(section, nullptr);
    for (std::size_t j = 0; data != nullptr && j < sh.sh_size / sh.sh_entsize; ++j) {
      GElf_Dyn entry;
      if (gelf_getdyn(data, static_cast<int>(j), &entry) != nullptr && entry.d_tag == tag) return true;
    }
  }
  return false;
}

/// What the file says of itself, or nothing when it is not ELF (or not readable).
std::optional<elf_facts> read_elf(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  std::optional<elf_facts> facts;
  GElf_Ehdr header;
  if (elf != nullptr && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &header) != nullptr)
    facts = elf_facts{gelf_getclass(elf), header.e_machine, has_segment(elf, PT_INTERP),
                      has_dynamic_tag(elf, DT_SONAME)};
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  return facts;
}

/// Why the interposer at `library` cannot be loaded into the program at `program`, or empty.
std::string why_unreachable(const std::string& program, const std::string& library) {
  const std::optional<elf_facts> p = read_elf(program);
  const std::optional<elf_facts> lib = read_elf(library);
  if (!p || !lib) return {};
  if (p->elf_class != lib->elf_class || p->machine != lib->machine)
    return std::string("is built for another ") + (p->elf_class != lib->elf_class ? "word size" : "machine") +
           " than the interposer: the loader would skip it, so nothing would be checked";
  if (!p->interpreter && !p->soname)
    return "is statically linked: LD_PRELOAD cannot reach it, so nothing would be checked (link it dynamically)";
  return {};
}

/// A file we may execute (a directory's x bit only lets one search it).
bool runnable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

/// The file execvp would start for `program` (a path with a '/', or found on PATH); empty if none.
std::string executable(const std::string& program) {
  if (program.find('/') != std::string::npos) return runnable(program) ? program : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (runnable(candidate)) return candidate;
  }
  return {};
}

}  // namespace

void require_checkable_program(const std::string& program, const std::string& library) {
  const std::string file = executable(program);
  if (file.empty()) throw usage_error("'" + program + "' is not an executable program");
  if (const std::string why = why_unreachable(file, library); !why.empty())
    throw usage_error("'" + program + "' " + why);
}

}  // namespace gridlock::cli
