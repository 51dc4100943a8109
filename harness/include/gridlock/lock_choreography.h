// The event sequence every gridlock lock runs around its real lock operations, written once so each
// primitive is only its real implementation plus a call here. See events.h for the contract.
#pragma once

#include "gridlock/events.h"
#include "gridlock/turns.h"

namespace gridlock::detail {

/// Runs `op` inside an internal_scope, so an interposer ignores the pthread calls it makes.
template <class Op>
decltype(auto) internally(Op&& op) {
  internal_scope scope;
  return op();
}

/// Each operation is also a sync point (events::at_sync_point): before the attempt, after the release.
/// Under a strategy that runs one thread at a time (turns.h) a busy lock is waited for parked, trying
/// again each time a release wakes the thread, never in the real lock.

/// The blocking acquisition once a first try has failed: announce the block, then wait.
template <class TryOp, class LockOp>
void acquire_contended(lock_record* rec, const void* object, access mode, TryOp&& try_op, LockOp&& lock_op) {
  events::before_lock(rec, mode, attempt::blocking);
  const wait_target target{wait_kind::lock, object, rec, nullptr, mode, false};
  if (under_control()) {
    events::announce_block(target);
    if (park_until(rec, false, [&] { return internally(try_op); }) == park_result::released) internally(lock_op);
  } else {
    events::before_block(target);
    internally(lock_op);
  }
  events::after_wake();
  events::after_lock(rec, mode, attempt::blocking, true);
}

/// A blocking acquisition: try first (the uncontended path is then one event), and announce the
/// block only if the lock is taken.
template <class TryOp, class LockOp>
void acquire(lock_record* rec, const void* object, access mode, TryOp&& try_op, LockOp&& lock_op) {
  events::at_sync_point(sync_point::before_lock);
  if (internally(try_op)) {
    events::acquired(rec, mode);
    return;
  }
  acquire_contended(rec, object, mode, try_op, lock_op);
}

/// A single non-blocking attempt.
template <class TryOp>
bool try_acquire(lock_record* rec, access mode, TryOp&& try_op) {
  events::at_sync_point(sync_point::before_lock);
  events::before_lock(rec, mode, attempt::try_once);
  const bool acquired = !events::try_fails(rec) && internally(try_op);
  events::after_lock(rec, mode, attempt::try_once, acquired);
  return acquired;
}

/// An attempt that gives up after a deadline: it may wait, but is never part of a deadlock.
template <class TryOp, class TimedOp>
bool timed_acquire(lock_record* rec, const void* object, access mode, TryOp&& try_op,
                   TimedOp&& timed_op) {
  events::at_sync_point(sync_point::before_lock);
  events::before_lock(rec, mode, attempt::timed);
  bool acquired = internally(try_op);
  if (!acquired) {
    const wait_target target{wait_kind::lock, object, rec, nullptr, mode, true};
    if (under_control()) {
      // Parked until a release wakes it; when no other thread can run, its time passes for real.
      events::announce_block(target);
      acquired = park_until(rec, true, [&] { return internally(try_op); }) == park_result::woken || internally(timed_op);
    } else {
      events::before_block(target);
      acquired = internally(timed_op);
    }
    events::after_wake();
  }
  events::after_lock(rec, mode, attempt::timed, acquired);
  return acquired;
}

/// A release; skipped (after the finding is reported) when this thread does not hold the lock.
template <class UnlockOp>
void release(lock_record* rec, access mode, UnlockOp&& unlock_op) {
  if (events::before_unlock(rec, mode)) {
    internally(unlock_op);
    events::at_sync_point(sync_point::after_unlock, rec);
  }
}

}  // namespace gridlock::detail
