// What a process under the runner tells it when it crashes: where. The runner sees only the signal in
// the exit status, and a crash of a flaky test then had no stack at all ("gdb was needed"). On a fatal
// signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) the handler writes one line to the runner's stream,
// {"crash": {"signal": S, "tid": T, "stack": [frames]}, "pid": P}, frames located as encode_finding()'s
// are (address, module, offset; symbolized when the report is written), innermost first, the faulting
// instruction's address + 1 first so that it reads as a return address. Then the signal takes its
// default action: the exit status is the one it would have been. Core runtime: the interposer and the
// scenario trials install it.
#pragma once

namespace gridlock {

inline constexpr const char* crash_key = "crash";

/// Child side: installs the handler for each of those signals whose disposition is still the default,
/// so a program's own handler (installed before or after) is never displaced. A no-op unless the
/// process has a live runner stream (runner_stream.h). The handler allocates nothing and takes no lock
/// of the runtime's: a crash inside malloc (a heap corruption glibc aborts on) must not hang.
void report_crashes();

}  // namespace gridlock
