// The runner's finding stream, as a process under the runner writes it. GRIDLOCK_STREAM_FD=n is a pipe
// the runner reads while the process runs. A program may close n and get the number back for a file of
// its own: daemons close every descriptor, and Python's subprocess closes them in the children it starts,
// which still inherit the variable. A line written to n would then land in that file and never reach the
// runner: a corrupted file and a silent pass. So when the runner also names its pipe
// (GRIDLOCK_STREAM_ID=DEV:INO), a line goes to n only while n is that pipe, and is appended otherwise to
// GRIDLOCK_STREAM_FILE, a file the runner made and reads once the process has ended.
// Not serialized: callers write one line at a time (the reporter's write lock; a hung process's state reply).
#pragma once

#include <string_view>

namespace gridlock::runner_stream {

/// The line {"preloaded": true, "pid": PID} the interposer writes as it starts in a process: the runner
/// counts a run clean only where its program said so (ld.so may refuse the library, and ignores
/// LD_PRELOAD for a set-user-ID program; nothing of such a run was checked).
inline constexpr const char* preloaded_key = "preloaded";

/// Whether this process writes to a runner's stream at all (GRIDLOCK_STREAM_FD set, or use() called).
bool enabled() noexcept;

/// Whether the stream's descriptor is the runner's pipe right now, so that the runner hears a line as it
/// is written: only then can the process answer the watchdog's state requests.
bool live() noexcept;

/// Writes `line` (one JSON line, ending in '\n') whole: to the pipe while it is live, else to the file.
/// Uses write(2) only; gives up silently on an error, as there is nothing better to do from the runtime.
void write_line(std::string_view line) noexcept;

/// From now on lines go to `fd`, unchecked: gridlock::check's forked child, whose parent reads `fd`.
/// Call while no other thread writes.
void use(int fd) noexcept;

}  // namespace gridlock::runner_stream
