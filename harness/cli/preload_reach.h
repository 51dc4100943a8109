// Whether LD_PRELOAD can reach a program at all. The loader never sees a statically linked program, and
// skips a library of another ELF class or machine with a warning; either way the program runs unchecked
// and every run would read clean. gridlock exec names such a program as bad input before anything runs.
// Only the program it starts is looked at: a static program that a script or a wrapper starts is not.
#pragma once

#include <string>

namespace gridlock::cli {

/// Why the interposer at `library` cannot be loaded into the program at `program` ("is statically
/// linked: ..."), or empty when it can: a dynamically linked program of the library's class and machine,
/// the dynamic loader itself, or anything that is not ELF (a script, whose interpreter it does reach).
std::string why_preload_cannot_reach(const std::string& program, const std::string& library);

}  // namespace gridlock::cli
