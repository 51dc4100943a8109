// The watchdog's record of a trial that ran past its timeout, taken before it is killed: every thread's
// name, scheduler state, kernel wait channel and user stack. Stacks come from ptrace through elfutils
// libdwfl, as eu-stack takes them; where ptrace is refused, /proc gives the address each thread blocked
// in a system call will return to. Merged with what a Gridlock-aware child says its threads hold and
// wait for (state_request.h) into one finding of kind "timeout".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gridlock::runner {

struct thread_snapshot {
  pid_t tid = 0;
  std::string name;      ///< /proc/<pid>/task/<tid>/comm
  std::string state;     ///< as /proc shows it: "S (sleeping)", "R (running)", ...
  std::string wchan;     ///< the kernel function it sleeps in; empty when running
  nlohmann::json stack;  ///< frames {address, module, offset} as encode_finding writes them, innermost first
};

/// Every thread of `pid`, main thread first. `pid` must be a child of the calling thread's process
/// (ptrace allows a parent to trace its child); the threads run on once this returns.
std::vector<thread_snapshot> snapshot_threads(pid_t pid);

/// The "timeout" finding (encoded, not yet symbolized) for these threads. `state` is the child's
/// thread_state reply (state_request.h), or null when it gave none.
nlohmann::json timeout_finding(const std::vector<thread_snapshot>& threads, const nlohmann::json& state,
                               std::chrono::milliseconds timeout);

}  // namespace gridlock::runner
