// Try-locks that fail on purpose (events::try_fails, docs/injectors.md). A try-lock adds no lock-order
// edge, since it cannot block; but code that blocks on the lock when the try fails ("try, else lock":
// Boost.Log's synchronous sinks) can deadlock through that fallback, and an uncontended test never
// takes it, so the graph never sees its edge. Under a strategy (the user is hunting), such a try fails
// once, as contention would make it: the first time the thread makes it from that call, on that lock,
// holding those locks. C++ allows std::mutex::try_lock to fail spuriously; code that handles a busy
// lock handles this. A try made holding nothing, of a lock the thread holds (a recursive re-entry), or
// by the only thread alive is never failed: its fallback adds no edge, or no other thread could have
// held the lock.
#include <array>
#include <bit>
#include <cstdint>

#include "gridlock/events.h"
#include "hash.h"
#include "lock_record.h"
#include "thread_record.h"

namespace gridlock {
namespace {

// The tries each thread has failed, by a hash of (call, lock, locks held); direct-mapped, so one that
// lost its entry to another fails once more later: harmless, another back-off.
constexpr unsigned failed_bits = 8;
constinit thread_local std::array<std::uint64_t, std::size_t{1} << failed_bits> t_failed{};

}  // namespace

bool detail::try_fails_slow(const lock_record* lock) noexcept {
  thread_record* self = threads::current;
  if (lock == nullptr || self == nullptr || self->held_count.load(std::memory_order_relaxed) == 0 ||
      self->find_held(lock) != nullptr || threads::live_count() < 2)
    return false;
  // The program's call: the hook's, or this function's own caller (a primitive's inlined try_lock).
  const std::uintptr_t call =
      detail::call_site != 0 ? detail::call_site : reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  // gate_signature: the locks held exclusively (the count tells apart read-held ones, roughly). The
  // lock's hash is rotated so that holding X trying G and holding G trying X are two keys.
  const std::uint64_t held = self->gate_signature + self->held_count.load(std::memory_order_relaxed);
  const std::uint64_t key = (mix64(call) ^ std::rotl(lock->hash, 17) ^ held) | 1;
  std::uint64_t& entry = t_failed[fibonacci_index(key, failed_bits)];
  if (entry == key) return false;
  entry = key;
  self->failed_try = lock->id;
  self->failed_try_gates = self->gate_signature;
  return true;
}

}  // namespace gridlock
