// The code of a loaded shared library, for hooks that treat calls from it apart (libc++'s futex polls,
// the program's allocator's locks).
#pragma once

#include <cstdint>

namespace gridlock::preload {

/// Executable code, [low, low + size); empty (size 0) when there is none.
struct code_range {
  std::uintptr_t low = 0;
  std::uintptr_t size = 0;
  bool contains(const void* at) const noexcept { return reinterpret_cast<std::uintptr_t>(at) - low < size; }
};

/// The code of the first loaded library whose file name starts with `name_prefix` ("libc++.so"), or an
/// empty range.
code_range library_code(const char* name_prefix) noexcept;
/// The code segment of the shared library that holds `address`: empty when it lies in the program
/// itself or in no module.
code_range library_code_at(const void* address) noexcept;

}  // namespace gridlock::preload
