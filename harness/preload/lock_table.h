// The lock table's lock-free lookup (lock_table.cpp describes the table), inline: the lock hooks'
// uncontended path looks a record up on every lock, and a call with its register saves cost as much as
// the lookup itself (about 20 instructions a lock). Only the lookup is here; every change to the table
// stays in lock_table.cpp, under its lock.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hash.h"
#include "interposer.h"
#include "lock_record.h"

namespace gridlock::preload {

/// One slot of the table.
struct table_slot {
  std::atomic<std::uintptr_t> key{0};  // 0 = free
  std::atomic<lock_record*> rec{nullptr};
  std::atomic<std::uint32_t> epoch{0};
  std::atomic<object_tag> tag{object_tag::none};
};
static_assert(sizeof(table_slot) == 24 || sizeof(table_slot) == 32);

/// The slots, allocated once by lock_table_init() and never moved.
struct table_slots {
  table_slot* slots = nullptr;
  std::size_t mask = 0;
  unsigned bits = 0;  // log2(capacity)
};
extern constinit table_slots g_slots [[gnu::visibility("hidden")]];  // hidden: interposer.h says why
/// The table's clock for choosing what to evict: lookups stamp the slots they find with it.
extern std::atomic<std::uint32_t> g_epoch [[gnu::visibility("hidden")]];

/// An address lives in one of this many consecutive slots after its hash.
constexpr int probe_window = 32;

inline std::size_t slot_index(std::uintptr_t key) noexcept { return fibonacci_index(key, g_slots.bits); }

inline void touch(table_slot& s) noexcept {
  const std::uint32_t e = g_epoch.load(std::memory_order_relaxed);
  if (s.epoch.load(std::memory_order_relaxed) != e) s.epoch.store(e, std::memory_order_relaxed);
}

/// glibc's robust, priority-inheritance, priority-protect and process-shared bits of __kind: such
/// mutexes use __list, or live in memory other processes see, and get no mark.
constexpr int robust_kind = 16;
constexpr int pshared_kind = 128;
constexpr int unmarkable_kinds = robust_kind | 32 | 64 | pshared_kind;

/// Where a plain mutex's record leaves its mark, or null for other objects.
inline __pthread_internal_list** mark_of(std::uintptr_t key, object_tag tag) noexcept {
  if (tag != object_tag::mutex && tag != object_tag::recursive_mutex) return nullptr;
  auto* m = reinterpret_cast<pthread_mutex_t*>(key);
  if ((m->__data.__kind & unmarkable_kinds) != 0) return nullptr;
  return &m->__data.__list.__next;
}

inline __pthread_internal_list* mark_value(const lock_record& rec) noexcept {
  return reinterpret_cast<__pthread_internal_list*>(std::uintptr_t{rec.id});
}

/// Whether the object at `key` is still the one `rec` was made for (lock_table.cpp: "Reused memory").
inline bool still_marked(std::uintptr_t key, object_tag tag, const lock_record& rec) noexcept {
  __pthread_internal_list** mark = mark_of(key, tag);
  return mark == nullptr || __atomic_load_n(mark, __ATOMIC_RELAXED) == mark_value(rec);
}

/// A new mutex where one lived that never took part in a lock-order edge: there is no history to keep
/// apart, so it keeps the record (and its first use's stack) and only the mark is renewed, cheaply:
/// objects made and dropped in a loop do this for every new one. False when the record has edges: it
/// must be replaced.
[[gnu::noinline, gnu::cold]] bool renew_mark(std::uintptr_t key, object_tag tag, const lock_record& rec) noexcept;

/// Lock-free: the pinned record for `key` with `tag`, or null (absent, another tag, being removed).
[[gnu::always_inline]] inline lock_record* lookup(std::uintptr_t key, object_tag tag, thread_state& s, int hz) noexcept {
  std::size_t i = slot_index(key);
  for (int n = 0; n < probe_window; ++n, i = (i + 1) & g_slots.mask) {
    table_slot& sl = g_slots.slots[i];
    if (sl.key.load(std::memory_order_acquire) != key) continue;
    lock_record* rec = sl.rec.load(std::memory_order_acquire);
    if (rec == nullptr || sl.tag.load(std::memory_order_relaxed) != tag) return nullptr;
    s.hazard[hz].store(rec, std::memory_order_relaxed);
    light_fence();
    if (sl.key.load(std::memory_order_acquire) == key && sl.rec.load(std::memory_order_relaxed) == rec &&
        (still_marked(key, tag, *rec) || renew_mark(key, tag, *rec))) {
      touch(sl);
      return rec;
    }
    s.hazard[hz].store(nullptr, std::memory_order_relaxed);
    return nullptr;
  }
  return nullptr;
}

/// acquire() for an address lookup() did not find: out of line, so the lookup path stays small.
lock_record* insert(const void* address, object_tag tag, thread_state& s, int hz) noexcept;

/// acquire(), inline: for the lock hooks' uncontended path.
[[gnu::always_inline]] inline lock_record* acquire_inline(const void* address, object_tag tag, thread_state& s,
                                                         int hz) noexcept {
  if (lock_record* r = lookup(reinterpret_cast<std::uintptr_t>(address), tag, s, hz)) [[likely]] return r;
  return insert(address, tag, s, hz);
}

}  // namespace gridlock::preload
