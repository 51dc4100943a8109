// The wait-for detector: names an *actual* deadlock the moment it forms. A thread about to block
// publishes what it waits for (a lock's holders, a joined thread, a condition variable, a channel, a wait
// group) and follows the "waits for" relation between threads: coming back to itself is a deadlock. A
// lock held by a thread that has exited is a deadlock too. When every live thread is blocked on
// something Gridlock knows (and the process has no thread Gridlock does not know), that is
// all-threads-blocked, as Go's runtime reports it, even with no cycle (a lost wakeup, a channel nobody
// reads). Timed waits end by themselves and never count. A suspected deadlock is confirmed by seeing
// the same waits, unchanged, a short moment later, so a snapshot taken mid-wakeup never reports.
#pragma once

#include <cstdint>
#include <string_view>

#include "gridlock/events.h"
#include "thread_record.h"

namespace gridlock::wait_for {

/// How a futex-word wait whose word changed without a wake is marked in its text, and what the
/// all-threads-blocked message then adds (std_sync_words.h takes both back for a latch or barrier).
inline constexpr std::string_view unwoken_mark = " (changed, never woken)";
inline constexpr std::string_view unwoken_hint =
    ". A waited-on value changed and no wake came: often a store without notify_one/notify_all";

/// Publishes self's wait; `caller` is the return address into the program of the call that waits.
void announce(thread_record& self, const wait_target& target, std::uintptr_t caller) noexcept;
/// Checks self's published wait. May report a fatal finding (and so exit or throw). Returns whether it
/// could not tell: every thread was blocked but for a waiter the kernel had awake (woken, or about to
/// sleep again), or one on a futex word that changed (woken, or its wake on the way, or none coming),
/// where nothing makes another thread look later. The caller should then wait in short slices and
/// check again, with `again`, after each that runs out (interposer.h: announced_wait).
bool check(thread_record& self, bool again = false);
/// Self's wait has lasted: its stack is captured afresh (announce may have reused an earlier wait's
/// from the same call, which names another of the program's lines where a library without frame
/// pointers stands between them). Not for a wait announced without a stack (inside the unwinder).
void refresh_stack(thread_record& self) noexcept;
/// Self's wait is over.
void after_wake(thread_record& self) noexcept;
/// `object` was signalled: its waiters count as running, unless the kernel has them still asleep in the
/// condition variable (a notify_one that woke another waiter, or one that came before they slept).
/// Without this a notified waiter that cannot yet retake its mutex (the notifier holds it while it
/// checks its own wait) would look blocked for good.
void notified(const lock_record* object) noexcept;
/// A thread has exited (its end's number: unregister_thread's): the others may now all be blocked.
void after_thread_exit(std::uint64_t ended);
/// Every live thread with what it holds and waits for (waits_for empty when it waits for nothing), as
/// a finding of `kind`: the watchdog's record of a hung process (state_request.h).
finding every_thread(finding_kind kind);
/// check() for a caller that guarantees no other thread changes a wait meanwhile (a strategy that runs
/// one thread at a time: harness/src/turns.h): what it sees is settled, so it reports at once, without
/// the confirming looks.
void check_settled(thread_record& self);

}  // namespace gridlock::wait_for
