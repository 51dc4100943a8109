// What the kernel says about another thread of this process, by its OS thread id: the schedule
// strategies ask it whether a thread that makes no progress is asleep, preempted or spinning
// (docs/injectors.md), the wait-for detector whether a notified waiter still sleeps. The answers are
// snapshots, and safe for a thread that has already gone.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gridlock::os_thread {

/// CPU time the thread has used, in ns; -1 once it is gone.
std::int64_t cpu_ns(std::int32_t tid) noexcept;
/// How many threads the OS lists in this process (/proc/self/task); 0 when it cannot tell.
std::size_t count() noexcept;
/// Whether the OS still lists the thread in this process (/proc/self/task/<tid>).
bool listed(std::int32_t tid) noexcept;
/// The kernel's name for the thread (its comm), NUL-terminated in `out`. False when it cannot tell.
bool name(std::int32_t tid, char* out, std::size_t size) noexcept;
/// The calling thread's own name, as name() gives it, in one system call (prctl) where name() makes
/// three (open, read, close of a /proc path): a new lock-order edge's witness names its thread.
bool own_name(char* out, std::size_t size) noexcept;
/// Whether the kernel has the thread asleep (state S: a futex, a sleep, I/O). False when it cannot tell.
bool sleeping(std::int32_t tid) noexcept;
/// Where the kernel has a thread that waits on a futex word in [low, high).
enum class futex_sleep : std::uint8_t {
  on_word,    // asleep in a futex wait on such a word
  elsewhere,  // in a system call other than a futex wait on such a word (asleep or just woken), or stopped
  awake,      // running or runnable: on its way into a wait, or out of one (woken, not yet run)
  unknown,    // it cannot tell (no /proc/<pid>/task/<tid>/syscall, or the thread is gone)
};
futex_sleep asleep_on_futex(std::int32_t tid, std::uintptr_t low, std::uintptr_t high) noexcept;

}  // namespace gridlock::os_thread
