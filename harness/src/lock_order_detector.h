// The lock-order detector: proves *possible* deadlocks from the order locks are taken in, whether or not
// the inverted paths ever overlap in time (Goodlock, as in lockdep and TSan's deadlock detector, over
// lock instances). Each blocking acquisition adds an edge "held -> acquired" from every held lock; a new
// edge is checked for cycles of any length through it. A cycle is not reported when every edge was taken
// under one common gate lock (held exclusively), or when some lock on it is only ever held and wanted
// for reading (readers do not block readers). Try-locks and timed locks add no edge: they cannot hang.
//
// Hot path: an edge already seen in the same context (same modes, same set of other exclusively held
// locks) is answered from a per-thread cache or a lock-free key set; only something new takes the
// detector's lock, captures a stack or touches the graph.
#pragma once

#include <cstdint>

#include "gridlock/events.h"
#include "hash.h"
#include "lock_record.h"
#include "runtime_core.h"
#include "thread_record.h"

namespace gridlock {

namespace lock_order {

/// The key of edge held -> lock in this thread's current context; never 0.
inline std::uint64_t context_key(const thread_record& self, const held_lock& held, const lock_record& lock,
                                 access mode) noexcept {
  const lock_record* from = held.lock.load(std::memory_order_relaxed);
  const bool from_shared = held.mode.load(std::memory_order_relaxed) == access::shared;
  // Gates are the *other* exclusively held locks: take `from` out of the signature.
  const std::uint64_t gates = self.gate_signature ^ (from_shared ? 0 : from->hash);
  const std::uint64_t ids = (std::uint64_t{from->id} << 32) | lock.id;
  const std::uint64_t modes = (from_shared ? 1u : 0u) | (mode == access::shared ? 2u : 0u);
  // gates is already well mixed (a XOR of mix64 values); one multiply spreads ids and modes into the
  // low bits that index the per-thread cache.
  std::uint64_t k = (ids ^ (modes << 62)) * 0x9e3779b97f4a7c15ull ^ gates;
  return (k ^ (k >> 29)) | 1;
}

/// `key` as known to `self` alone (never 0: the salt is even, the key odd). A context is this kind of
/// key until its edge has as many takes by other threads as it keeps (add_edge): until then each thread
/// comes to the slow path once, so that reports can choose among the threads that took an edge.
inline std::uint64_t thread_key(std::uint64_t key, const thread_record& self) noexcept {
  return key ^ (mix64(self.id) << 1);
}

/// Records a context the cache and key set do not know yet; may report cycles. `caller` is the return
/// address into the program of the call acquiring `lock`. Out of line: slow path.
void add_edge(thread_record& self, const held_lock& held, lock_record& lock, access mode, std::uint64_t key,
              std::uintptr_t caller);
/// Whether the shared key set has `key` (a context's key, or its thread_key).
bool known(std::uint64_t key) noexcept;

/// Before a blocking acquisition of `lock` by `self`, from the call returning to `caller`: one edge from
/// every held lock.
inline void before_acquire(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller) {
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const held_lock& held = self.held[i];
    if (held.lock.load(std::memory_order_relaxed) == &lock) continue;
    const std::uint64_t key = context_key(self, held, lock, mode);
    std::uint64_t& cached = self.edge_cache[key & (thread_record::edge_cache_size - 1)];
    if (cached == key) continue;
    if (!known(thread_key(key, self)) && !known(key)) add_edge(self, held, lock, mode, key, caller);
    cached = key;
  }
}

/// The lock is gone: its node and edges leave the graph.
void forget(lock_record& lock);
/// Forgets which cycles were reported (tests start each case clean).
void reset_reported();

}  // namespace lock_order
}  // namespace gridlock
