// What a Gridlock-aware child tells the watchdog when it runs past its timeout: what each thread it knows
// holds and waits for, which no stack shows. The child announces on its finding stream that it answers
// (a line {"answers_state_requests": SIGNAL, "pid": PID}); on a timeout the watchdog sends it SIGNAL and
// it writes one line {"thread_state": F, "pid": PID}, F an encoded finding (finding_json.h) whose
// threads, waits and locks are Gridlock's view of every live thread. Every process of a run may answer
// (a wrapper and what it started share the stream), hence the pid. Core runtime, not the runner: the
// interposer answers too.
#pragma once

#include <signal.h>

namespace gridlock {

inline constexpr const char* state_announce_key = "answers_state_requests";
inline constexpr const char* state_reply_key = "thread_state";

/// Child side: installs the handler for `signal` and announces it on the stream. Call once, before the
/// code under test starts threads. A no-op unless the process has a live runner stream (runner_stream.h).
/// SIGUSR1 suits scenarios and gridlock::check bodies, which never use it; a program's own handler for
/// the signal would take the request instead (costing only this answer: the program is killed right
/// after).
void answer_state_requests(int signal = SIGUSR1);

/// In a forked child of a process that answers: announces the child too (it has the handler already).
/// Call from the child's side of fork, once only the forking thread exists.
void answer_state_requests_after_fork();

}  // namespace gridlock
