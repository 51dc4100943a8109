// The runtime's record of one lock (or of a channel, wait group or condition variable, which register
// the same way to get a name and a creation stack). Created by events::lock_created, freed by
// events::lock_destroyed.
#pragma once

#include <atomic>
#include <cstdint>

#include "gridlock/events.h"
#include "stack.h"

namespace gridlock {

struct thread_record;
namespace signal_handler_locks {
struct sightings;
}

struct lock_record {
  std::uint32_t id = 0;           // unique for the process's life: ids are never reused
  std::uint64_t hash = 0;         // a well-mixed function of id, for held-set signatures
  lock_kind kind = lock_kind::plain;
  bool process_shared = false;    // a pthread lock made PTHREAD_PROCESS_SHARED: other processes lock it too
  bool robust = false;            // a robust pthread mutex: its holder's end hands it on (EOWNERDEAD)
  // Where the object itself keeps the OS thread id of its exclusive holder (a pthread lock's), or null:
  // names a holder the held sets do not know (another process's thread, for a process-shared lock).
  const std::int32_t* os_owner = nullptr;
  const char* type_name = "";     // static string
  char name[48] = {};             // the user's name, truncated
  const void* address = nullptr;
  std::atomic<stack_id> created_at{0};           // or of first use (events::lock_created's in_use)
  std::atomic<thread_record*> owner{nullptr};   // exclusive holder, or null (readers: threads::held_by_any)
  std::atomic<bool> in_graph{false};            // has lock-order edges: destroy must remove them
  std::atomic<std::uint32_t> cond_mutex{0};     // a condition variable's: the id of its latest wait's mutex

  // What the signal-handler-lock check saw of it (signal_handler_locks.h), made at its first sighting
  // and freed with the record (events::lock_destroyed).
  std::atomic<signal_handler_locks::sightings*> signal_sightings{nullptr};
};

/// A lock registered on first sight gets the stack of its first acquisition or wait as its creation
/// stack (thread_record::site_stack_miss: a lock's first pair is always new).
inline void note_first_use(lock_record& lock, stack_id where) noexcept {
  if (lock.created_at.load(std::memory_order_relaxed) == 0) [[unlikely]]
    lock.created_at.store(where, std::memory_order_relaxed);
}

}  // namespace gridlock
