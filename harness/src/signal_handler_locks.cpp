#include "signal_handler_locks.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bit>
#include <string>

#include "hash.h"
#include "runtime_core.h"

namespace gridlock::signal_handler_locks {

std::atomic<std::uint64_t> handled{0};

namespace {

std::uint64_t bit(int sig) noexcept { return std::uint64_t{1} << (sig - 1); }

/// "SIGTERM", "SIGRTMIN+2".
std::string signal_name(int sig) {
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  return "signal " + std::to_string(sig);
}

/// The signals the calling thread blocks now, as the kernel has them: a shadow kept from
/// pthread_sigmask calls would miss siglongjmp's and setcontext's restores.
std::uint64_t blocked_now() noexcept {
  std::uint64_t mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &mask, sizeof mask);
  return mask;
}

std::uint64_t site(const thread_record& self, stack_id stack, bool writes) noexcept {
  return std::uint64_t{stack} << 32 | std::uint64_t{writes} << 31 | (self.id & 0x7fffffff);
}
std::uint32_t site_thread(std::uint64_t site) noexcept { return static_cast<std::uint32_t>(site & 0x7fffffff); }
bool site_writes(std::uint64_t site) noexcept { return (site >> 31 & 1) != 0; }
stack_id site_stack(std::uint64_t site) noexcept { return static_cast<stack_id>(site >> 32); }

/// The lock's sightings, made on first need.
sightings& sightings_of(lock_record& lock) {
  sightings* known = lock.signal_sightings.load(std::memory_order_acquire);
  if (known != nullptr) return *known;
  auto* made = new sightings;
  if (lock.signal_sightings.compare_exchange_strong(known, made, std::memory_order_acq_rel)) return *made;
  delete made;  // another thread made them first
  return *known;
}

/// Keeps `sighting` in `slot` when the slot is free, or holds its thread's sighting that did not write
/// and this one does. Returns whether the slot is its thread's.
bool keep(std::atomic<std::uint64_t>& slot, std::uint64_t sighting) noexcept {
  std::uint64_t kept = 0;
  if (slot.compare_exchange_strong(kept, sighting)) return true;
  if (site_thread(kept) != site_thread(sighting)) return false;
  if (site_writes(sighting) && !site_writes(kept)) slot.compare_exchange_strong(kept, sighting);
  return true;
}

/// A signal by which the handlers' sightings of `s` and the sighting kept in `open` can hang, or 0.
int risky_signal(const sightings& s, const sightings::open_sighting& open) noexcept {
  const std::uint64_t taken = open.site.load();
  std::uint64_t risky = open.signals.load() & s.handler_any.load();
  if (taken == 0 || risky == 0) return 0;
  if (!site_writes(taken) && !site_writes(s.handler_site.load())) return 0;  // readers do not wait for readers
  // A signal sent to one thread alone interrupts only that thread: it counts where the thread that ran
  // its handler took the lock outside the handler too.
  if (site_thread(taken) != site_thread(s.handler_site.load())) risky &= s.handler_process.load();
  return risky == 0 ? 0 : std::countr_zero(risky) + 1;
}

const thread_record* thread_with_id(std::uint32_t id) noexcept {
  for (const thread_record* t = threads::first(); t != nullptr; t = t->next)
    if (t->id == id) return t;
  return nullptr;  // its record went to a later thread
}

std::string thread_label(std::uint32_t id) {
  const thread_record* t = thread_with_id(id);
  return t != nullptr ? label(*t) : "thread " + std::to_string(id);
}

thread_info thread_described(std::uint32_t id) {
  const thread_record* t = thread_with_id(id);
  return t != nullptr ? describe(*t) : thread_info{id, 0, "", {}};
}

/// Reports `lock`, whose handler sighting and the sighting `open` outside handlers can deadlock by `sig`.
void report_lock(const lock_record& lock, const sightings& s, std::uint64_t open, int sig) {
  const std::uint64_t handler = s.handler_site.load();
  const std::string name = signal_name(sig);
  const std::string what = label(lock);
  const std::string taker = thread_label(site_thread(open));
  // A reader-writer lock's modes decide whether it can hang (readers do not wait for readers): say them.
  const bool rw = lock.kind == lock_kind::shared;
  const bool handler_writes = site_writes(handler);
  const bool taker_writes = site_writes(open);
  finding f;
  f.kind = finding_kind::signal_handler_lock;
  f.message = name + "'s handler " + (rw ? (handler_writes ? "write-locks " : "read-locks ") : "locks ") + what +
              " (in " + thread_label(site_thread(handler)) + "), which " + taker + " takes" +
              (rw ? (taker_writes ? " for writing" : " for reading") : "") + " with " + name +
              " unblocked: if " + name + " arrives while " + taker + " holds " + what +
              ", the handler runs on that thread and waits for " + what + " for ever";
  f.locks.push_back(describe(lock));
  f.threads.push_back(thread_described(site_thread(handler)));
  if (site_thread(open) != site_thread(handler)) f.threads.push_back(thread_described(site_thread(open)));
  // Where the other thread took it, then the handler's call. A fingerprint counts the latter alone (an
  // edge from a lock to itself counts as no place): which thread took the lock first is timing.
  edge_info taken;
  taken.from = taken.to = lock.id;
  taken.from_shared = taken.to_shared = !taker_writes;
  taken.thread = site_thread(open);
  taken.held_stack = stack_of(site_stack(open));
  f.edges.push_back(std::move(taken));
  wait_info in_handler;
  in_handler.thread = site_thread(handler);
  in_handler.lock = lock.id;
  in_handler.waits_for = what + ", in " + name + "'s handler";
  in_handler.stack = stack_of(site_stack(handler));
  f.stack = in_handler.stack;
  f.waits.push_back(std::move(in_handler));
  report(std::move(f));
}

}  // namespace

context handler_starting(thread_record& self, int sig, bool directed) noexcept {
  const context before{self.handler_signals, self.handler_process, self.handler_salt};
  self.handler_signals |= bit(sig);
  if (!directed) self.handler_process |= bit(sig);
  // Never 0 (outside handlers), never with path_bit (acquire_site::caller's flag).
  self.handler_salt = (mix64(self.handler_signals) & ~thread_record::path_bit) | 2;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return before;
}

void handler_ended(thread_record& self, const context& before) noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  self.handler_signals = before.signals;
  self.handler_process = before.process;
  self.handler_salt = before.salt;
}

void handlers_left(thread_record& self) noexcept { handler_ended(self, context{}); }

void first_acquisition(thread_record& self, lock_record& lock, access mode, stack_id stack) {
  if (lock.kind == lock_kind::recursive) return;
  const bool in_handler = self.handler_signals != 0;
  if (in_handler && self.non_blocking_take) return;
  std::uint64_t open = 0;  // outside handlers: the handled signals this thread may receive now
  if (!in_handler) {
    const std::uint64_t handled_now = handled.load(std::memory_order_relaxed);
    if (handled_now == 0) return;
    open = handled_now & ~blocked_now();
    if (open == 0) return;
  }
  sightings& s = sightings_of(lock);
  if (s.reported.load(std::memory_order_relaxed)) return;
  const bool exclusive = mode == access::exclusive;
  // Each side keeps its sighting and then sets its signals; both sides set theirs before they read the
  // other's, so of two sightings made at once at least one sees both.
  if (in_handler) {
    keep(s.handler_site, site(self, stack, exclusive));
    s.handler_process.fetch_or(self.handler_process);
    s.handler_any.fetch_or(self.handler_signals);
  } else {
    for (sightings::open_sighting& o : s.open)
      if (keep(o.site, site(self, stack, exclusive))) {
        o.signals.fetch_or(open);
        break;
      }
  }
  // The handler thread's own sighting first: the plainest case to read.
  const std::uint32_t handler_thread = site_thread(s.handler_site.load());
  for (const bool own : {true, false})
    for (const sightings::open_sighting& o : s.open) {
      if ((site_thread(o.site.load()) == handler_thread) != own) continue;
      if (const int sig = risky_signal(s, o); sig != 0 && !s.reported.exchange(true)) {
        report_lock(lock, s, o.site.load(), sig);
        return;
      }
    }
}

void forget(lock_record& lock) noexcept { delete lock.signal_sightings.exchange(nullptr); }

}  // namespace gridlock::signal_handler_locks
