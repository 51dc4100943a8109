// Report-time symbolization: raw return addresses (stack.h) to function, file and line, with elfutils
// libdw. Two steps so that another process can do the second one:
//  1. locate(): in THIS process, turn an address into (module file, offset in that file's address
//     space). Cheap; a report carries these.
//  2. symbolizer::resolve(): in any process, read the module file (and its separate debug info, found
//     the standard way: build-id / .gnu_debuglink under /usr/lib/debug) and look the offset up.
// Addresses are treated as RETURN addresses: function, file and line are those of address - 1, the
// call instruction, while the frame keeps the address as given.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gridlock/finding.h"

namespace gridlock {

/// A code address as a report carries it: which file it's in and where, so another process (the
/// runner) can symbolize it after this one is gone.
struct code_location {
  /// Path of the ELF file (the main executable as its real path via /proc/self/exe; shared objects as
  /// the dynamic loader names them). Empty when the address is in no loaded object.
  std::string module;
  /// The address in the module's link-time address space, i.e. the ELF virtual address
  /// (pc - load bias): for ET_DYN objects (PIE executables, shared libraries) pc - load base, for
  /// ET_EXEC (non-PIE) executables the absolute address. This is what symbolizer::resolve needs.
  std::uintptr_t offset = 0;
  /// The address in the process that captured it (informational; resolve doesn't use it).
  std::uintptr_t address = 0;

  friend bool operator==(const code_location&, const code_location&) = default;
};

/// In-process: where an address of THIS process lies (_dl_find_object; the main executable resolves to its real
/// path via /proc/self/exe). Thread-safe. An address in no loaded object gives an empty module and
/// offset == address.
code_location locate(std::uintptr_t address);

/// locate() for a signal handler: allocates nothing and takes no lock (_dl_find_object). The
/// module as the loader names it (a relative dlopen path stays relative; null where none), pointing at
/// the loader's data or at a string kept for the process's life; call locate() once before (it reads
/// the executable's path on first use).
struct raw_location {
  const char* module;
  std::uintptr_t offset;
};
raw_location locate_raw(std::uintptr_t address) noexcept;

/// A symbolized frame. Where the return address lies inside code inlined into the real frame function,
/// function/file/line name the innermost inlined function and its source line.
struct frame {
  code_location where;
  std::string function;  ///< demangled; empty if unknown
  std::string file;      ///< absolute or as in DWARF; empty without debug info
  int line = 0;          ///< 0 without debug info
};

/// Resolves module+offset pairs from module files on disk, caching one Dwfl per module (including the
/// failure to open one). Never throws for a missing or unreadable module: that gives a frame with an
/// empty function. Not thread-safe: use one per thread, or serialize.
class symbolizer {
 public:
  symbolizer();
  ~symbolizer();
  symbolizer(symbolizer&&) noexcept;
  symbolizer& operator=(symbolizer&&) noexcept;
  symbolizer(const symbolizer&) = delete;
  symbolizer& operator=(const symbolizer&) = delete;

  /// `loc` is taken as a return address (looked up at offset - 1).
  frame resolve(const code_location& loc);
  std::vector<frame> resolve(const std::vector<code_location>& locs);
  /// The frames at `loc` with inlining undone: innermost inlined function first, the real function
  /// (whose code contains `loc`) last, each with the source position inside it. One frame when
  /// nothing is inlined there.
  std::vector<frame> resolve_inlined(const code_location& loc);
  /// The variable at `loc` (a data address, not a return address), demangled, with "+N" when `loc` is N
  /// bytes into it: "g_cache_mu", "(anonymous namespace)::accounts+40". Empty for an address in no
  /// variable the module's symbol table names (heap, stack, a stripped module).
  std::string data_symbol(const code_location& loc);
  /// The text of `line` in source `file` as a report shows it (source_lines.h); empty where there is none.
  std::string source_text(const std::string& file, int line);
  /// The file `module` names, symbolic links resolved, else `module` itself: the loader names a library
  /// by the link it found (its soname, /lib/...), /proc/PID/maps by the file, and a report names each
  /// library one way.
  const std::string& module_file(const std::string& module);

 private:
  std::vector<frame> resolve_inlined_uncached(const code_location& loc);

  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Convenience for in-process use: locate + resolve each address (with a fresh symbolizer per call).
std::vector<frame> symbolize_local(const raw_stack& stack);

}  // namespace gridlock
