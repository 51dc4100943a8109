// What a Gridlock-aware child tells the watchdog when it runs past its timeout: what each thread it knows
// holds and waits for, which no stack shows. The child announces on its finding stream that it answers
// (a line {"answers_state_requests": SIGNAL}); on a timeout the watchdog sends it SIGNAL and it writes
// one line {"thread_state": F}, F an encoded finding (finding_json.h) whose threads, waits and locks are
// Gridlock's view of every live thread.
#pragma once

namespace gridlock::runner {

inline constexpr const char* state_announce_key = "answers_state_requests";
inline constexpr const char* state_reply_key = "thread_state";

/// Child side: installs the signal handler and announces it on the stream. Call once, before the code
/// under test starts threads. A no-op unless GRIDLOCK_STREAM_FD is set.
void answer_state_requests();

}  // namespace gridlock::runner
