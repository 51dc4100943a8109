// Whether a program can be checked under the LD_PRELOAD interposer at all, asked before anything runs
// (gridlock exec, and reproduce of an exec run). It must be a file execvp would start. And the loader
// must take the interposer into it: it never sees a statically linked program, and it skips a library
// of another ELF class or machine with a warning; either way the program would run unchecked and every
// run read clean. Only the program named is looked at: a static program that a script or a wrapper
// starts is not.
#pragma once

#include <string>

namespace gridlock::cli {

/// Throws usage_error (one line: the program, and why) unless `program` names a regular executable
/// file, as a path or found on PATH, that the interposer at `library` can be loaded into: a
/// dynamically linked program of the library's class and machine, the dynamic loader itself, or
/// anything that is not ELF (a script, whose interpreter it does reach).
void require_checkable_program(const std::string& program, const std::string& library);

}  // namespace gridlock::cli
