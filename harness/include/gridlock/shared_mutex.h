// gridlock::shared_mutex: a drop-in for std::shared_mutex (SharedLockable, so std::shared_lock works)
// that tells the detectors which side each holder is on: read-read nesting is no deadlock, a reader
// asking for the write side of the same lock is a lock-upgrade.
#pragma once

#include <shared_mutex>

#include "gridlock/lock_choreography.h"

namespace gridlock {

class shared_mutex {
 public:
  explicit shared_mutex(const char* name = nullptr)
      : rec_(events::lock_created(this, lock_kind::shared, "gridlock::shared_mutex", name)) {}
  ~shared_mutex() { events::lock_destroyed(rec_); }
  shared_mutex(const shared_mutex&) = delete;
  shared_mutex& operator=(const shared_mutex&) = delete;

  void lock() { lock_as(access::exclusive); }
  bool try_lock() { return try_lock_as(access::exclusive); }
  void unlock() { unlock_as(access::exclusive); }
  void lock_shared() { lock_as(access::shared); }
  bool try_lock_shared() { return try_lock_as(access::shared); }
  void unlock_shared() { unlock_as(access::shared); }

  lock_record* record() const noexcept { return rec_; }

 private:
  bool try_real(access mode) {
    return mode == access::exclusive ? impl_.try_lock() : impl_.try_lock_shared();
  }
  void lock_as(access mode) {
    detail::acquire(rec_, this, mode, [&] { return try_real(mode); },
                    [&] { mode == access::exclusive ? impl_.lock() : impl_.lock_shared(); });
  }
  bool try_lock_as(access mode) {
    return detail::try_acquire(rec_, mode, [&] { return try_real(mode); });
  }
  void unlock_as(access mode) {
    detail::release(rec_, mode,
                    [&] { mode == access::exclusive ? impl_.unlock() : impl_.unlock_shared(); });
  }

  std::shared_mutex impl_;
  lock_record* rec_;
};

}  // namespace gridlock
