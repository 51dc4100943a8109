// Misuse checks' findings: each builds the finding for one broken rule and reports it. They run where
// the rule is broken, before the thread would block or corrupt state (events.cpp decides when).
#pragma once

#include <vector>

#include "gridlock/events.h"
#include "lock_record.h"
#include "thread_record.h"

namespace gridlock::misuse {

/// A non-recursive lock (or a read lock) taken again by the thread that holds it. Fatal: it would hang.
void recursive_lock(thread_record& self, lock_record& lock, access mode);
/// A thread holding the read side asks for the write side of the same lock. Fatal: it would hang.
void lock_upgrade(thread_record& self, lock_record& lock);
/// An unlock by a thread that does not hold the lock (in that mode), or of an unlocked lock.
void unlock_not_owner(thread_record& self, lock_record& lock, access mode);
/// The thread is exiting with locks held.
void held_at_exit(thread_record& self);
/// A lock is destroyed while held.
void destroy_locked(thread_record& self, lock_record& lock);
/// `self` waits on `cond` with `mutex` while `others` wait on it with another mutex.
void cv_different_mutex(thread_record& self, lock_record& cond, lock_record& mutex,
                        const std::vector<thread_record*>& others);
/// A misuse of a condition variable, wait group or channel, reported by the primitive itself.
void on_object(thread_record& self, finding_kind kind, lock_record* object, const char* message);

}  // namespace gridlock::misuse
