// What the kernel says about another thread of this process, by its OS thread id: the schedule
// strategies ask it whether a thread that makes no progress is asleep, preempted or spinning
// (docs/injectors.md). Both answers are snapshots; both are safe for a thread that has already gone.
#pragma once

#include <cstdint>

namespace gridlock::os_thread {

/// CPU time the thread has used, in ns; -1 once it is gone.
std::int64_t cpu_ns(std::int32_t tid) noexcept;
/// Whether the kernel has the thread asleep (state S: a futex, a sleep, I/O). False when it cannot tell.
bool sleeping(std::int32_t tid) noexcept;

}  // namespace gridlock::os_thread
