// The watchdog's record of a trial that ran past its timeout, taken before it is killed: every thread's
// name, scheduler state, kernel wait channel and user stack. Stacks come from ptrace through elfutils
// libdwfl, as eu-stack takes them; where ptrace is refused, /proc gives the address each thread blocked
// in a system call will return to. Merged with what a Gridlock-aware child says its threads hold and
// wait for (state_request.h) into one finding of kind "timeout".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gridlock::runner {

struct thread_snapshot {
  pid_t pid = 0;         ///< its process
  pid_t parent = 0;      ///< its process's parent
  pid_t tid = 0;
  std::string name;      ///< /proc/<pid>/task/<tid>/comm
  std::string state;     ///< as /proc shows it: "S (sleeping)", "R (running)", ...
  std::string wchan;     ///< the kernel function it sleeps in; empty when running
  nlohmann::json stack;  ///< frames {address, module, offset} as encode_finding writes them, innermost first
};

/// Every thread of `leader` and of the other processes in its process group (what it started: a
/// wrapper's program, a test driver's tests), each process's main thread first, `leader`'s process
/// first. `leader` must be a child of the calling process (ptrace allows tracing descendants); the
/// threads run on once this returns.
std::vector<thread_snapshot> snapshot_threads(pid_t leader);

/// The processes of `threads` that have not ended, in the order they appear.
std::vector<pid_t> live_processes(const std::vector<thread_snapshot>& threads);

/// The "timeout" finding (encoded, not yet symbolized) for these threads. `states` are the thread_state
/// replies (state_request.h) of the processes that gave one, by process: Gridlock's view of their
/// threads, numbered after one another in the order the processes appear. A thread of a process other
/// than the first one's is named with its process id; one that waits for a child process to end names
/// the run's processes it may be waiting for.
nlohmann::json timeout_finding(const std::vector<thread_snapshot>& threads,
                               const std::map<pid_t, nlohmann::json>& states, std::chrono::milliseconds timeout);

}  // namespace gridlock::runner
