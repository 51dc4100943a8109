// What a process under the runner tells it when it crashes: where. The runner sees only the signal in
// the exit status, and a crash of a flaky test then had no stack at all ("gdb was needed"). On a fatal
// signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) the handler writes one line to the runner's stream,
// {"crash": {"signal": S, "tid": T, "stack": [frames]}, "pid": P}, frames located as encode_finding()'s
// are (address, module, offset; symbolized when the report is written), innermost first, the faulting
// instruction's address + 1 first so that it reads as a return address. Then the signal takes its
// default action: the exit status is the one it would have been. Core runtime: the interposer and the
// scenario trials install it; the interposer gives each thread it starts a stack to run it on.
#pragma once

namespace gridlock {

inline constexpr const char* crash_key = "crash";

/// Child side: installs the handler for each of those signals whose disposition is still the default,
/// so a program's own handler (installed before or after) is never displaced. A no-op unless the
/// process has a live runner stream (runner_stream.h). The handler allocates nothing and takes no lock
/// of the runtime's: a crash inside malloc (a heap corruption glibc aborts on) must not hang.
void report_crashes();

/// Gives the calling thread an alternate signal stack for that handler, unmapped when the thread exits:
/// a thread that overflowed its stack has no room left to run a handler on, and it too should say
/// where (in the recursion). A no-op unless report_crashes() installed the handler, or where the
/// thread has an alternate stack already. The process's first thread gets one from report_crashes().
void crash_stack_for_this_thread() noexcept;

}  // namespace gridlock
