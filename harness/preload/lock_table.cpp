// The interposer's map from a lock's address to its lock_record.
//
// Layout: one open-addressing table, allocated once (mmap) and never resized, so a lookup never meets a
// table that moves. An address lives in one of `probe_window` consecutive slots after its hash; a lookup
// scans that window (stopping at its key) without any lock. Inserting and removing are serialized by
// one spin lock and happen only on first sight of a lock, on destroy/init, and on eviction.
//
// Memory bound: at most `max_live` records (GRIDLOCK_MAX_LOCKS, default 65536) are in the table; the
// table has at least twice as many slots. std::mutex never calls pthread_mutex_destroy, so without a
// rule every mutex a program ever touched would keep its record. When the table is full, a batch of
// about max_live/8 records is evicted: the least recently used ones (a per-slot epoch, bumped every
// max_live/16 insertions and refreshed by lookups) that are neither held (owner or readers) nor pinned
// by a hook in progress; that is announced once on stderr. When only an address's probe window is full
// (a local cluster), the least recently used evictable records of that window go. An evicted record
// leaves the lock-order graph (events::lock_destroyed); the lock gets a new record if it is used again.
// If nothing can be evicted (every candidate held or pinned), the new address is not tracked: its hooks
// pass straight through, announced once on stderr.
//
// Reused memory: std::mutex never calls pthread_mutex_init or _destroy, so a new mutex in a freed one's
// memory (the next object of that size) would keep the old one's record and join the two mutexes'
// lock-order histories: a false cycle between unrelated objects. So a mutex's record leaves its id in
// the mutex itself, in __list (used by glibc only for robust mutexes), which a new std::mutex's
// constructor zeroes; a record whose mark is gone is stale, and replaced like one whose address now
// holds another kind of object.
//
// Safe reclamation: a hook pins the record it uses in a hazard slot of its thread_state and re-checks
// the slot afterwards. A remover clears the slot's key, runs heavy_fence() (membarrier), and then frees
// only records no thread pins and nobody holds; the others are put back (eviction) or kept on the
// retired list until a later pass (destroy).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "internal_lock.h"
#include "interposer.h"
#include "lock_table.h"
#include "runtime_core.h"
#include "thread_record.h"

namespace gridlock::preload {

constinit table_slots g_slots;
std::atomic<std::uint32_t> g_epoch{1};

bool renew_mark(std::uintptr_t key, object_tag tag, const lock_record& rec) noexcept {
  if (rec.in_graph.load(std::memory_order_acquire)) return false;
  __atomic_store_n(mark_of(key, tag), mark_value(rec), __ATOMIC_RELAXED);
  return true;
}

namespace {

constexpr std::size_t retired_batch = 64;   // destroyed records waiting for one fence and hazard scan
constexpr std::size_t retired_cap = 1024;   // past it (all pinned or held: a buggy program), leak

using slot = table_slot;

/// The table beside its slots (g_slots).
struct table {
  std::size_t max_live = 0;
  std::size_t epoch_every = 1;
  // Under `mu`:
  internal_lock mu;
  std::size_t live = 0;
  std::uint64_t inserts = 0;
  lock_record* retired[retired_cap] = {};
  std::size_t retired_count = 0;
  bool warned_evict = false;
  bool warned_untracked = false;
  bool quiet = false;
};

constinit table g_table;

void say_once(bool& flag, const char* text) noexcept {
  if (flag) return;
  flag = true;
  if (!g_table.quiet) (void)!write(STDERR_FILENO, text, std::strlen(text));
}

/// Every record some hook pins or some thread's held set has, sorted: one scan of the threads for a
/// whole batch instead of one per record. Exact after heavy_fence() (a hook stores its held-set entry
/// before it unpins, with release); a heuristic before.
std::vector<lock_record*> in_use_records() {
  std::vector<lock_record*> out;
  for (thread_state* s = first_state(); s != nullptr; s = s->next)
    for (auto& h : s->hazard)
      if (lock_record* r = h.load(std::memory_order_acquire)) out.push_back(r);
  for (thread_record* t = threads::first(); t != nullptr; t = t->next)
    for (std::uint32_t i = t->held_count.load(std::memory_order_acquire); i-- > 0;)
      if (lock_record* r = t->held[i].lock.load(std::memory_order_acquire)) out.push_back(r);  // see held_set::remove
  std::sort(out.begin(), out.end());
  return out;
}

/// Pinned or held: in `in_use` (from in_use_records()), or owned beyond a held set's bound.
bool in_use(const std::vector<lock_record*>& in_use, const lock_record* r) {
  return std::binary_search(in_use.begin(), in_use.end(), r) || r->owner.load(std::memory_order_acquire) != nullptr;
}

lock_kind kind_of(object_tag tag) noexcept {
  switch (tag) {
    case object_tag::recursive_mutex: return lock_kind::recursive;
    case object_tag::rwlock:
    case object_tag::libcxx_shared_mutex:
    case object_tag::libcxx_shared_timed_mutex:
    case object_tag::absl_mutex: return lock_kind::shared;
    default: return lock_kind::plain;
  }
}

/// Whether the pthread lock at `key` was made PTHREAD_PROCESS_SHARED (glibc: the mutex kind's pshared
/// bit, the rwlock's __shared).
bool process_shared(std::uintptr_t key, object_tag tag) noexcept {
  switch (tag) {
    case object_tag::mutex:
    case object_tag::recursive_mutex: return (reinterpret_cast<const pthread_mutex_t*>(key)->__data.__kind & pshared_kind) != 0;
    case object_tag::rwlock: return reinterpret_cast<const pthread_rwlock_t*>(key)->__data.__shared != 0;
    default: return false;
  }
}

/// Whether the pthread mutex at `key` is robust (glibc: the mutex kind's robust bit).
bool robust(std::uintptr_t key, object_tag tag) noexcept {
  return (tag == object_tag::mutex || tag == object_tag::recursive_mutex) &&
         (reinterpret_cast<const pthread_mutex_t*>(key)->__data.__kind & robust_kind) != 0;
}

/// Where the pthread lock at `key` keeps its exclusive holder's OS thread id (glibc: a mutex's __owner,
/// a rwlock's __cur_writer), or null for other objects.
const std::int32_t* os_owner_of(std::uintptr_t key, object_tag tag) noexcept {
  switch (tag) {
    case object_tag::mutex:
    case object_tag::recursive_mutex: return &reinterpret_cast<const pthread_mutex_t*>(key)->__data.__owner;
    case object_tag::rwlock: return &reinterpret_cast<const pthread_rwlock_t*>(key)->__data.__cur_writer;
    default: return nullptr;
  }
}

const char* type_of(object_tag tag) noexcept {
  switch (tag) {
    case object_tag::recursive_mutex: return "pthread_mutex_t (recursive)";
    case object_tag::rwlock: return "pthread_rwlock_t";
    case object_tag::cond: return "pthread_cond_t";
    case object_tag::static_init: return "static initialization";
    case object_tag::once: return "pthread_once_t";
    case object_tag::future: return "std::future";
    case object_tag::semaphore: return "sem_t";
    case object_tag::futex: return "futex word";
    case object_tag::libcxx_shared_mutex: return "std::shared_mutex";
    case object_tag::libcxx_shared_timed_mutex: return "std::shared_timed_mutex";
    case object_tag::spinlock: return "pthread_spinlock_t";
    case object_tag::barrier: return "pthread_barrier_t";
    case object_tag::omp_critical: return "OpenMP critical section";
    case object_tag::omp_lock: return "omp_lock_t";
    case object_tag::absl_mutex: return "absl::Mutex";
    default: return "pthread_mutex_t";
  }
}

/// The slot that holds `key` in its probe window, or null. Under g_table.mu it is the slot; without it,
/// what a reader saw a moment ago (a slot's key is stored with release).
slot* scan(std::uintptr_t key) noexcept {
  std::size_t i = slot_index(key);
  for (int n = 0; n < probe_window; ++n, i = (i + 1) & g_slots.mask)
    if (g_slots.slots[i].key.load(std::memory_order_acquire) == key) return &g_slots.slots[i];
  return nullptr;
}

// ---- under g_table.mu ----

slot* free_slot_locked(std::uintptr_t key) noexcept {
  std::size_t i = slot_index(key);
  for (int n = 0; n < probe_window; ++n, i = (i + 1) & g_slots.mask)
    if (g_slots.slots[i].key.load(std::memory_order_relaxed) == 0 &&
        g_slots.slots[i].rec.load(std::memory_order_relaxed) == nullptr)
      return &g_slots.slots[i];
  return nullptr;
}

/// Frees the retired records nobody pins or holds (after the caller's heavy_fence()).
void drain_retired_locked(const std::vector<lock_record*>& used) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < g_table.retired_count; ++i) {
    lock_record* r = g_table.retired[i];
    if (in_use(used, r))
      g_table.retired[kept++] = r;
    else
      events::lock_destroyed(r);
  }
  g_table.retired_count = kept;
}

void retire_locked(lock_record* r) {
  if (g_table.retired_count == retired_cap) return;  // leak: the list is full of pinned/held records
  g_table.retired[g_table.retired_count++] = r;
  if (g_table.retired_count >= retired_batch) {
    heavy_fence();
    drain_retired_locked(in_use_records());
  }
}

struct victim {
  std::size_t index;
  std::uintptr_t key;
};

/// Takes the victims' keys out of the table (lookups stop finding them), makes that visible to every
/// thread, then frees those that no hook pins and nobody holds; the others get their key back.
/// Returns how many were freed.
std::size_t evict_victims_locked(const std::vector<victim>& victims) {
  for (const victim& v : victims) g_slots.slots[v.index].key.store(0, std::memory_order_relaxed);
  heavy_fence();
  const std::vector<lock_record*> used = in_use_records();
  std::size_t freed = 0;
  for (const victim& v : victims) {
    slot& s = g_slots.slots[v.index];
    lock_record* r = s.rec.load(std::memory_order_relaxed);
    if (in_use(used, r)) {
      s.key.store(v.key, std::memory_order_release);  // in use after all: put it back
      continue;
    }
    s.rec.store(nullptr, std::memory_order_relaxed);
    --g_table.live;
    ++freed;
    events::lock_destroyed(r);
  }
  drain_retired_locked(used);
  return freed;
}

std::uint32_t age_of(const slot& s, std::uint32_t now) noexcept {
  return std::min<std::uint32_t>(63, now - s.epoch.load(std::memory_order_relaxed));
}

/// The table is full: evicts about max_live/8 of the least recently used unheld, unpinned records.
void evict_batch_locked() {
  const std::size_t target = std::max<std::size_t>(1, g_table.max_live / 8);
  const std::uint32_t now = g_epoch.load(std::memory_order_relaxed);
  const std::size_t capacity = g_slots.mask + 1;
  const std::vector<lock_record*> used = in_use_records();  // choosing only: evict_victims_locked re-checks
  std::size_t by_age[64] = {};
  for (std::size_t i = 0; i < capacity; ++i) {
    const slot& s = g_slots.slots[i];
    if (s.key.load(std::memory_order_relaxed) == 0) continue;
    const lock_record* r = s.rec.load(std::memory_order_relaxed);
    if (r != nullptr && !in_use(used, r)) ++by_age[age_of(s, now)];
  }
  std::uint32_t threshold = 0;  // evict ages >= threshold: the oldest first, until the target
  std::size_t count = 0;
  for (std::uint32_t age = 64; age-- > 0;) {
    count += by_age[age];
    threshold = age;
    if (count >= target) break;
  }
  std::vector<victim> victims;
  victims.reserve(count);
  for (std::size_t i = 0; i < capacity; ++i) {
    const slot& s = g_slots.slots[i];
    const std::uintptr_t k = s.key.load(std::memory_order_relaxed);
    const lock_record* r = s.rec.load(std::memory_order_relaxed);
    if (k != 0 && r != nullptr && !in_use(used, r) && age_of(s, now) >= threshold) victims.push_back({i, k});
  }
  evict_victims_locked(victims);
  g_epoch.fetch_add(1, std::memory_order_relaxed);
  say_once(g_table.warned_evict,
           "gridlock: more locks than GRIDLOCK_MAX_LOCKS are in use; the least recently used unheld ones "
           "are evicted (their lock-order history is dropped)\n");
}

/// The probe window of `key` is full (a local cluster; the table itself is not): evicts the least
/// recently used unheld, unpinned records of that window, oldest first, until one is freed.
void evict_window_locked(std::uintptr_t key) {
  const std::uint32_t now = g_epoch.load(std::memory_order_relaxed);
  const std::vector<lock_record*> used = in_use_records();  // choosing only: evict_victims_locked re-checks
  std::vector<std::pair<std::uint32_t, victim>> candidates;  // (age, victim)
  std::size_t i = slot_index(key);
  for (int n = 0; n < probe_window; ++n, i = (i + 1) & g_slots.mask) {
    const slot& s = g_slots.slots[i];
    const std::uintptr_t k = s.key.load(std::memory_order_relaxed);
    const lock_record* r = s.rec.load(std::memory_order_relaxed);
    if (k != 0 && r != nullptr && !in_use(used, r)) candidates.push_back({age_of(s, now), {i, k}});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t from = 0; from < candidates.size(); from += 4) {
    std::vector<victim> victims;
    for (std::size_t j = from; j < std::min(from + 4, candidates.size()); ++j) victims.push_back(candidates[j].second);
    if (evict_victims_locked(victims) > 0) return;
  }
}

}  // namespace

void lock_table_init() noexcept {
  std::size_t max_live = 65536;
  if (const char* v = std::getenv("GRIDLOCK_MAX_LOCKS")) {
    const long long n = std::atoll(v);
    if (n > 0) max_live = static_cast<std::size_t>(n);
  }
  max_live = std::clamp<std::size_t>(max_live, 64, std::size_t{1} << 26);
  std::size_t capacity = 1024;
  while (capacity < 2 * max_live) capacity <<= 1;
  void* p = mmap(nullptr, capacity * sizeof(slot), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    capacity = 1024;
    max_live = 256;
    p = mmap(nullptr, capacity * sizeof(slot), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
  }
  g_slots.slots = static_cast<slot*>(p);  // zero pages are a valid empty table
  g_slots.mask = capacity - 1;
  g_slots.bits = static_cast<unsigned>(__builtin_ctzll(capacity));
  g_table.max_live = max_live;
  g_table.epoch_every = std::max<std::size_t>(1, max_live / 16);
  g_table.quiet = std::getenv("GRIDLOCK_QUIET") != nullptr || std::getenv("GRIDLOCK_STREAM_FD") != nullptr;
}

void lock_table_lock_for_fork() noexcept { g_table.mu.lock(); }

void lock_table_unlock_after_fork(bool) noexcept { g_table.mu.unlock(); }

lock_record* find(const void* address, object_tag tag, thread_state& s, int slot) noexcept {
  return lookup(reinterpret_cast<std::uintptr_t>(address), tag, s, slot);
}

namespace {

/// Whether `key` is the inner std::mutex of one of libc++'s shared mutexes (at the object's own
/// address), which the table tracks as a whole (hooks_libcxx.cpp): the program's inline code takes it
/// itself in shared_timed_mutex's timed tries. Not tracked apart, nor may it replace the object's record.
bool inner_mutex_of_tracked(std::uintptr_t key, object_tag tag) noexcept {
  if (tag != object_tag::mutex) return false;
  const slot* sl = scan(key);
  if (sl == nullptr) return false;
  const object_tag t = sl->tag.load(std::memory_order_relaxed);
  return t == object_tag::libcxx_shared_mutex || t == object_tag::libcxx_shared_timed_mutex;
}

}  // namespace

lock_record* insert(const void* address, object_tag tag, thread_state& s, int hz) noexcept {
  const auto key = reinterpret_cast<std::uintptr_t>(address);
  if (inner_mutex_of_tracked(key, tag)) return nullptr;
  // First sight (or a record being replaced): make the record before taking the table's lock. Its
  // creation stack is its first acquisition's or wait's.
  lock_record* fresh = events::lock_created(address, kind_of(tag), type_of(tag), nullptr, true);
  fresh->process_shared = process_shared(key, tag);
  fresh->robust = robust(key, tag);
  fresh->os_owner = os_owner_of(key, tag);
  lock_record* result = nullptr;
  lock_record* stale = nullptr;
  g_table.mu.lock();
  slot* sl = scan(key);
  if (sl != nullptr && sl->tag.load(std::memory_order_relaxed) == tag &&
      still_marked(key, tag, *sl->rec.load(std::memory_order_relaxed))) {
    result = sl->rec.load(std::memory_order_relaxed);  // another thread inserted it meanwhile
    touch(*sl);
  } else {
    if (sl != nullptr) {  // the memory now holds another object (another kind, or a new mutex): stale
      stale = sl->rec.load(std::memory_order_relaxed);
      sl->key.store(0, std::memory_order_relaxed);
      sl->rec.store(nullptr, std::memory_order_relaxed);
      --g_table.live;
      if (!threads::held_by_any(stale)) {
        retire_locked(stale);
        stale = nullptr;
      }
    }
    if (g_table.live >= g_table.max_live) evict_batch_locked();
    slot* free = free_slot_locked(key);
    if (free == nullptr) {
      evict_window_locked(key);
      free = free_slot_locked(key);
    }
    if (free != nullptr) {
      if (__pthread_internal_list** mark = mark_of(key, tag))
        __atomic_store_n(mark, mark_value(*fresh), __ATOMIC_RELAXED);
      free->rec.store(fresh, std::memory_order_relaxed);
      free->tag.store(tag, std::memory_order_relaxed);
      free->epoch.store(g_epoch.load(std::memory_order_relaxed), std::memory_order_relaxed);
      free->key.store(key, std::memory_order_release);
      ++g_table.live;
      if (++g_table.inserts % g_table.epoch_every == 0) g_epoch.fetch_add(1, std::memory_order_relaxed);
      result = fresh;
      fresh = nullptr;
    } else {
      say_once(g_table.warned_untracked,
               "gridlock: every tracked lock is held; locks seen from now on are not tracked\n");
    }
  }
  if (result != nullptr) s.hazard[hz].store(result, std::memory_order_relaxed);  // before unlock: removers see it
  g_table.mu.unlock();
  if (fresh != nullptr) events::lock_destroyed(fresh);  // never published
  (void)stale;  // held by some thread while its memory was reused: leaked, never freed under it
  return result;
}

lock_record* acquire(const void* address, object_tag tag, thread_state& s, int hz) noexcept {
  return acquire_inline(address, tag, s, hz);
}

void forget_address(const void* address, bool report_if_held) noexcept {
  const auto key = reinterpret_cast<std::uintptr_t>(address);
  lock_record* held = nullptr;
  g_table.mu.lock();
  if (slot* sl = scan(key)) {
    lock_record* r = sl->rec.load(std::memory_order_relaxed);
    sl->key.store(0, std::memory_order_relaxed);
    sl->rec.store(nullptr, std::memory_order_relaxed);
    --g_table.live;
    if (r != nullptr) {
      if (threads::held_by_any(r))
        held = r;  // destroyed while held: report below; the record stays (its holder may unlock it)
      else
        retire_locked(r);
    }
  }
  g_table.mu.unlock();
  if (held != nullptr && report_if_held) events::lock_destroyed(held);
}

}  // namespace gridlock::preload
