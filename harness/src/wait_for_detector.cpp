#include "wait_for_detector.h"

#include <pthread.h>
#include <sched.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "hash.h"
#include "lock_record.h"
#include "os_thread.h"
#include "shared_memory.h"
#include "stack.h"
#include "runtime_core.h"
#include "runtime_sleep.h"

namespace gridlock::wait_for {
namespace {

// Two looks this far apart: a waiting thread that was woken has time to show it even on a loaded
// machine, and a real deadlock is still reported well within 100 ms.
constexpr long confirm_delay_ns = 25'000'000;
constexpr int confirm_looks = 2;
constexpr int leave_looks = 100;  // 1 ms apart: how long threads that ended may take to leave
// How long a look waits for a barrier's waiter on its way to sleep (barrier_look): up to 1000 looks
// 100 us apart, for one that a loaded machine keeps off its core.
constexpr int arrival_looks = 1000;
constexpr long arrival_delay_ns = 100'000;
// How long an ending thread whose look could not tell looks again (after_thread_exit).
constexpr std::chrono::milliseconds exit_looks_for{10};

/// A consistent copy of one thread's published wait.
struct wait_view {
  thread_record* thread = nullptr;
  std::uint64_t epoch = 0;
  wait_kind what = wait_kind::none;
  lock_record* object = nullptr;     // the lock, condition variable, channel or wait group
  thread_record* joined = nullptr;
  std::uint32_t joined_id = 0;  // the joined thread's id: its record may since serve another thread
  access mode = access::exclusive;
  bool timed = false;
  stack_id stack = 0;
  const void* sleeps_on = nullptr;   // a condition wait's pthread_cond_t, the word of a futex-word wait
  std::uint32_t word = 0;            // a futex-word wait: the value it sleeps on
  bool notified = false;             // ended by a notify, for the detectors; the thread may sleep on
  bool asleep = false;               // surely asleep in it (asleep_in_wait)
  bool unwoken = false;              // a futex-word wait asleep though its word changed: no wake came
};

/// The wait `t` has published and not come back from: blocked in it, or notified (v.notified).
bool read_wait(thread_record* t, wait_view& v) {
  const std::uint64_t e = t->wait_epoch.load(std::memory_order_acquire);
  if (thread_record::wait_state(e) == thread_record::wait_running) return false;
  v.thread = t;
  v.epoch = e;
  v.notified = thread_record::wait_state(e) == thread_record::wait_notified;
  v.sleeps_on = t->wait_object.load(std::memory_order_relaxed);
  v.what = t->wait_what.load(std::memory_order_relaxed);
  v.object = t->wait_lock.load(std::memory_order_relaxed);
  v.joined = t->wait_thread.load(std::memory_order_relaxed);
  v.joined_id = t->wait_thread_id.load(std::memory_order_relaxed);
  v.mode = t->wait_access.load(std::memory_order_relaxed);
  v.timed = t->wait_timed.load(std::memory_order_relaxed);
  v.stack = t->wait_stack.load(std::memory_order_relaxed);
  v.word = t->wait_word.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (t->wait_epoch.load(std::memory_order_relaxed) != e) return false;
  if (v.what == wait_kind::thread && v.joined == nullptr) {
    // A join of a thread the runtime did not know when the join began: one started before it (by a
    // library's static constructor, ahead of the interposer's) registers on its first event, so look
    // again by the pthread handle the join names.
    if (thread_record* r = threads::find(reinterpret_cast<unsigned long>(v.sleeps_on))) {
      v.joined = r;
      v.joined_id = r->id;
    }
  }
  return true;
}

/// Whether the wait sleeps on a futex word the kernel can be asked about: a futex-word wait's, or the
/// one inside a barrier.
bool on_a_word(wait_kind k) noexcept { return on_futex_word(k) || k == wait_kind::barrier; }

/// Reads 32 bits of an object another thread waits on, without trusting it to be mapped still (that
/// thread may have returned and freed it). False when it cannot be read.
bool read_of_another(const void* at, std::uint32_t& value) {
  iovec local{&value, sizeof value};
  iovec remote{const_cast<void*>(at), sizeof value};
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == sizeof value;
}

/// Whether a futex-word wait's word still holds the value it sleeps on. Another thread's word is read
/// with read_of_another; when it cannot be read, it is taken to hold.
bool word_holds(const wait_view& v) {
  std::uint32_t value = v.word;
  if (v.thread == threads::current) {
    value = __atomic_load_n(static_cast<const std::uint32_t*>(v.sleeps_on), __ATOMIC_ACQUIRE);
  } else if (!read_of_another(v.sleeps_on, value)) {
    return true;
  }
  return value == v.word;
}

/// The counts a barrier starts with (events.h: wait_target), by their place.
enum barrier_count { arrivals_count = 0, round_start_count = 1, parties_count = 2 };

/// One of the counts of the barrier another thread waits at, read as read_of_another() reads; false
/// when it cannot be read, or for parties of 0.
bool barrier_count_of(const wait_view& v, barrier_count which, std::uint32_t& value) {
  return read_of_another(static_cast<const std::uint32_t*>(v.sleeps_on) + which, value) &&
         (which != parties_count || value != 0);
}

/// Whether the caller's own barrier wait sleeps: its arrival, were it made now, would not complete the
/// round. (Not the count it saw before its look: others may have arrived since.)
bool arrival_sleeps(const wait_view& v) {
  const auto* counts = static_cast<const std::uint32_t*>(v.sleeps_on);
  const std::uint32_t parties = __atomic_load_n(counts + parties_count, __ATOMIC_RELAXED);
  const std::uint32_t arrivals = __atomic_load_n(counts + arrivals_count, __ATOMIC_ACQUIRE);
  return parties != 0 && (arrivals + 1) % parties != 0;
}

/// Whether the caller's own wait on a word sleeps.
bool own_wait_sleeps(const wait_view& v) { return v.what == wait_kind::barrier ? arrival_sleeps(v) : word_holds(v); }

enum class sleep_look : std::uint8_t { asleep, not_asleep, awake };

/// Whether the thread is surely asleep in this wait, not just announced (a notified condition wait, a
/// futex-word wait). The caller has not reached its real wait yet, and will sleep in it: a notify so
/// far came before it joined the condition variable's waiters, and a futex-word wait sleeps while its
/// word holds. For another thread the kernel tells: asleep in a futex inside the pthread_cond_t of a
/// condition wait, on the word of a futex-word wait. A notified condition waiter still asleep was not
/// woken by the notify (it woke another, or came before the thread slept); one that was woken and now
/// retakes its mutex sleeps on the mutex, not in here. One the kernel has awake may be woken, or on its
/// way in, or about to sleep again (glibc wakes condition waiters that then find no signal for them):
/// `awake`, so nobody can tell yet.
sleep_look asleep_in_wait(const wait_view& v) {
  const bool condition = v.what == wait_kind::condition;
  if (v.sleeps_on == nullptr || !(condition || on_a_word(v.what))) return sleep_look::not_asleep;
  if (v.thread == threads::current)
    return condition || own_wait_sleeps(v) ? sleep_look::asleep : sleep_look::not_asleep;
  const auto at = reinterpret_cast<std::uintptr_t>(v.sleeps_on);
  const std::size_t size = condition                         ? sizeof(pthread_cond_t)
                           : v.what == wait_kind::barrier ? sizeof(pthread_barrier_t)
                                                          : sizeof(std::uint32_t);
  switch (os_thread::asleep_on_futex(v.thread->tid, at, at + size)) {
    case os_thread::futex_sleep::on_word: return sleep_look::asleep;
    case os_thread::futex_sleep::awake: return sleep_look::awake;
    default: return sleep_look::not_asleep;
  }
}

/// Whether a round of the barrier a waiter waits at has passed since it counted the arrivals (the
/// barrier's second word: the count at which its current round started).
bool round_passed(const wait_view& v) {
  std::uint32_t round_start = 0;
  return barrier_count_of(v, round_start_count, round_start) && round_start > v.word;
}

/// asleep_in_wait() for a barrier's waiter. One that is awake in a round that passed is on its way out:
/// not asleep. In a round that has not passed, it is on its way to sleep, and is given the time to
/// (arrival_looks): nobody looks after it once it sleeps. Unless it may be waiting for this look to end:
/// one that has not arrived yet (its count of arrivals is the barrier's still) may be making its own
/// look, so of two such waiters that see each other awake, only the later one (by id) waits, and one of
/// them sees the other asleep.
sleep_look barrier_look(const wait_view& v) {
  sleep_look look = asleep_in_wait(v);
  const thread_record* self = threads::current;
  if (look != sleep_look::awake || v.thread == self || self == nullptr) return look;
  if (round_passed(v)) return sleep_look::not_asleep;
  if (word_holds(v) && v.thread->id > self->id) return look;
  for (int n = 0; n < arrival_looks && look == sleep_look::awake; ++n) {
    detail::sleep_for(std::chrono::nanoseconds(arrival_delay_ns));
    if (v.thread->wait_epoch.load(std::memory_order_acquire) != v.epoch) return sleep_look::not_asleep;
    look = asleep_in_wait(v);
  }
  return look;
}

/// Whether the barrier waiters among `waits` that have not arrived yet (the caller, and those whose count
/// of arrivals is still the barrier's) complete a round when they do: they all will, so that is no
/// deadlock. It spares a round's last waiters, announced together, the confirmation pauses.
bool a_round_completes(const std::vector<wait_view>& waits) {
  for (const wait_view& v : waits) {
    std::uint32_t parties = 0, arrivals = 0;
    if (v.what != wait_kind::barrier || !barrier_count_of(v, parties_count, parties) ||
        !barrier_count_of(v, arrivals_count, arrivals))
      continue;
    const auto on_the_way = std::count_if(waits.begin(), waits.end(), [&](const wait_view& w) {
      return w.what == wait_kind::barrier && w.sleeps_on == v.sleeps_on &&
             (w.thread == threads::current || w.word == arrivals);
    });
    if (arrivals % parties + on_the_way >= parties) return true;
  }
  return false;
}

/// Threads that hold `lock` in a way that blocks a waiter asking for `mode`.
std::vector<thread_record*> holders(const lock_record* lock, access mode) {
  std::vector<thread_record*> out;
  if (thread_record* owner = lock->owner.load(std::memory_order_acquire)) out.push_back(owner);
  // Only a reader-writer lock has readers: the scan of every thread is not made for a mutex (1,000
  // threads queued on one made each wait-for check read a million held sets).
  if (mode == access::exclusive && lock->kind == lock_kind::shared) {
    for (thread_record* t = threads::first(); t != nullptr; t = t->next) {
      held_lock* h = t->find_held(lock);
      if (h != nullptr && h->mode.load(std::memory_order_relaxed) == access::shared) out.push_back(t);
    }
  }
  return out;
}

/// The threads a blocked thread waits for; empty when no single thread can release it (a condition
/// variable, a channel) or when the wait is about to end (a free lock, a finished thread).
/// Whether the joined thread is still running: its record alive, and still its (a record is reused once
/// its thread is dead, and then stands for another thread).
bool joined_running(const wait_view& v) {
  return v.joined != nullptr && v.joined->alive.load(std::memory_order_acquire) && v.joined->id == v.joined_id;
}

std::vector<thread_record*> blockers(const wait_view& v) {
  if (v.timed) return {};
  if (v.what == wait_kind::lock && v.object != nullptr) return holders(v.object, v.mode);
  if (v.what == wait_kind::thread && joined_running(v)) return {v.joined};
  return {};
}

/// Whether the wait can end without another thread acting: a timed wait, a free lock, a finished join,
/// a futex-word wait whose word changed (it returns at once, or the change came with a wake: a post, a
/// notify; all_blocked() looks closer at another thread's, which may also never be woken).
bool may_end_by_itself(const wait_view& v) {
  if (v.timed) return true;
  if (v.what == wait_kind::lock) return v.object == nullptr || holders(v.object, v.mode).empty();
  if (v.what == wait_kind::thread) return !joined_running(v);
  if (on_futex_word(v.what)) return !word_holds(v);
  // Another thread's barrier wait is the kernel's to tell (all_blocked): arrivals after its own change
  // the barrier's count either way.
  if (v.what == wait_kind::barrier) return v.thread == threads::current && !arrival_sleeps(v);
  return false;
}

std::string object_label(const lock_record* l) { return l != nullptr ? label(*l) : "?"; }

std::string unwoken(const wait_view& v) { return v.unwoken ? std::string(unwoken_mark) : std::string(); }

/// A barrier wait's round so far, " (1 of 3 arrived)", when the barrier says. The calling thread, when
/// it waits at that barrier, counts too: it looks before it arrives.
std::string arrived(const wait_view& v) {
  std::uint32_t parties = 0, arrivals = 0;
  if (!barrier_count_of(v, parties_count, parties) || !barrier_count_of(v, arrivals_count, arrivals)) return "";
  const thread_record* self = threads::current;
  if (self != nullptr && self->blocked() && self->wait_what.load(std::memory_order_relaxed) == wait_kind::barrier &&
      self->wait_object.load(std::memory_order_relaxed) == v.sleeps_on)
    ++arrivals;
  if (arrivals % parties == 0) return "";
  return " (" + std::to_string(arrivals % parties) + " of " + std::to_string(parties) + " arrived)";
}

/// Why a holder of a lock will never release it, where that is why: it is gone.
std::string holder_gone(const thread_record& holder) {
  if (holder.alive.load()) return "";
  // fork() copies only the forking thread: the others' locks stay locked in the child's memory.
  if (holder.left_by_fork) return " which is not in this forked child (it held the lock when the parent forked)";
  return " which has exited";
}

std::string describe_wait(const wait_view& v) {
  switch (v.what) {
    case wait_kind::lock: {
      std::string s = (v.mode == access::shared ? "read lock of " : "lock ") + object_label(v.object);
      auto hs = holders(v.object, v.mode);
      for (std::size_t i = 0; i < hs.size(); ++i)
        s += (i ? ", " : " held by ") + label(*hs[i]) + holder_gone(*hs[i]);
      // A holder the runtime does not know, as the object names it: another process's thread (the
      // runner's timeout report names it when that process is part of the run). glibc marks an
      // inconsistent or unrecoverable robust mutex with INT_MAX - 1 and INT_MAX: not thread ids.
      std::uint32_t tid = 0;
      if (hs.empty() && v.object != nullptr && v.object->os_owner != nullptr &&
          read_of_another(v.object->os_owner, tid) && tid > 0 &&
          tid < static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max() - 1))
        s += " held by tid " + std::to_string(tid);
      return s;
    }
    case wait_kind::thread:
      return v.joined ? "join of " + label(*v.joined) : std::string("join of a thread");
    case wait_kind::condition: {
      std::string s = "condition variable " + object_label(v.object);
      if (v.notified) s += v.asleep ? " (notified, still asleep)" : " (notified)";
      return s;
    }
    case wait_kind::channel: return "channel " + object_label(v.object);
    case wait_kind::wait_group: return "wait group " + object_label(v.object);
    case wait_kind::future: return "the result of " + object_label(v.object) + unwoken(v);
    case wait_kind::semaphore: return "a post to " + object_label(v.object) + unwoken(v);
    case wait_kind::futex: return "a wake of " + object_label(v.object) + unwoken(v);
    case wait_kind::barrier: return "arrivals at " + object_label(v.object) + arrived(v);
    case wait_kind::none:
      if (const char* why = v.thread->held_back_by.load(std::memory_order_relaxed))
        return std::string("its turn (--strategy ") + why + ")";
      break;
  }
  return "";
}

wait_info to_wait_info(const wait_view& v) {
  wait_info w;
  w.thread = v.thread->id;
  w.waits_for = describe_wait(v);
  if (v.timed) w.waits_for += " (timed)";
  if (v.object != nullptr) w.lock = v.object->id;
  const std::uint32_t n = v.thread->held_count.load(std::memory_order_acquire);
  for (std::uint32_t i = 0; i < n; ++i)
    if (const lock_record* l = v.thread->held[i].lock.load(std::memory_order_relaxed)) w.holds.push_back(l->id);
  w.stack = stack_of(v.stack);
  return w;
}

/// Builds the finding for these waits, naming every thread and every lock they hold or want.
finding make_finding(finding_kind kind, const std::vector<wait_view>& waits, std::string message) {
  finding f;
  f.kind = kind;
  f.message = std::move(message);
  std::vector<std::uint64_t> lock_ids;
  for (const wait_view& v : waits) {
    f.threads.push_back(describe(*v.thread));
    f.waits.push_back(to_wait_info(v));
    auto add_lock = [&](const lock_record* l) {
      if (l != nullptr && std::find(lock_ids.begin(), lock_ids.end(), l->id) == lock_ids.end()) {
        lock_ids.push_back(l->id);
        f.locks.push_back(describe(*l));
      }
    };
    add_lock(v.object);
    const std::uint32_t n = v.thread->held_count.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) add_lock(v.thread->held[i].lock.load(std::memory_order_relaxed));
  }
  // A holder that waits for nothing (it has exited holding the lock) is named too.
  for (const wait_view& v : waits) {
    if (v.what != wait_kind::lock || v.object == nullptr) continue;
    for (thread_record* h : holders(v.object, v.mode)) {
      auto listed = [&](const thread_info& t) { return t.id == h->id; };
      if (std::none_of(f.threads.begin(), f.threads.end(), listed)) f.threads.push_back(describe(*h));
    }
  }
  f.stack = waits.empty() ? raw_stack{} : f.waits.front().stack;
  return f;
}

std::string dedupe_key(const char* what, const std::vector<wait_view>& waits) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ids;
  for (const wait_view& v : waits) ids.emplace_back(v.thread->id, v.epoch);
  std::sort(ids.begin(), ids.end());
  std::string key = what;
  for (auto [id, epoch] : ids) key += ":" + std::to_string(id) + "@" + std::to_string(epoch);
  return key;
}

/// How a search for a cycle ended, besides the cycle it found.
struct search_end {
  bool dead_owner = false;     // at a lock held by a thread that has exited: its waiter never proceeds
  bool owner_leaving = false;  // passed a lock held by a thread still finishing its exit
};

/// Follows "waits for" from self; returns the cycle's waits (self first) or empty. A lock held by an
/// exited thread ends the search too: its waiter can never proceed. Unless the OS still lists that
/// thread: the runtime saw it end, but thread-exit destructors that run after (OpenSSL's, for one) may
/// still take and release locks, and that is not the waiter's end (end.owner_leaving).
std::vector<wait_view> find_cycle(thread_record& self, search_end& end) {
  end = {};
  std::vector<wait_view> path;
  std::vector<std::vector<thread_record*>> pending;
  std::vector<thread_record*> visited;
  wait_view first;
  if (!read_wait(&self, first)) return {};
  path.push_back(first);
  pending.push_back(blockers(first));
  while (!pending.empty()) {
    if (pending.back().empty()) {
      pending.pop_back();
      path.pop_back();
      continue;
    }
    thread_record* next = pending.back().back();
    pending.back().pop_back();
    if (next == &self) return path;
    if (!next->alive.load(std::memory_order_acquire) && path.back().what == wait_kind::lock) {
      // Still its holder now that it is gone? (It may have released the lock and exited after we
      // read the holders: a thread releases before it exits, so a fresh read tells.)
      const std::vector<thread_record*> now = holders(path.back().object, path.back().mode);
      if (std::find(now.begin(), now.end(), next) == now.end()) continue;
      if (os_thread::listed(next->tid)) {
        end.owner_leaving = true;
        continue;
      }
      end.dead_owner = true;
      return path;
    }
    if (std::find(visited.begin(), visited.end(), next) != visited.end()) continue;
    visited.push_back(next);
    wait_view v;
    if (!read_wait(next, v) || v.timed || v.notified) continue;
    path.push_back(v);
    pending.push_back(blockers(v));
  }
  return {};
}

/// Every live known thread's wait, if all are blocked for good and the process has no other thread.
/// `settled`: the waits have held still over the confirmation pauses, so another thread's futex-word
/// wait must be asleep by now; before that it may still be on its way from the announcement to its real
/// wait. The calling thread's own futex-word wait is checked at once (its word, exactly and cheaply):
/// one whose word changed first must not cost the confirmation pauses. Another thread's futex-word
/// wait whose word changed has been woken, or its wake is on the way, or none is coming (a store with no
/// notify): nobody can tell at once. `again`: a look made again after the caller could not tell (its
/// wait's slice ran out, or it is ending and looked once already): such a waiter that the kernel still
/// has asleep on its word has had its wake's time, and counts (unwoken). `unsure`: set when what stopped
/// it was a waiter nobody can tell about yet.
std::vector<wait_view> all_blocked(bool settled, bool again, bool& unsure) {
  std::vector<wait_view> waits;
  for (thread_record* t = threads::first(); t != nullptr; t = t->next) {
    if (!t->alive.load(std::memory_order_acquire)) continue;
    wait_view v;
    if (!read_wait(t, v)) return {};
    if (may_end_by_itself(v)) {
      if (!on_futex_word(v.what) || v.timed || v.thread == threads::current) return {};
      const sleep_look look = again ? asleep_in_wait(v) : sleep_look::awake;
      unsure = look == sleep_look::awake;
      if (look != sleep_look::asleep) return {};
      v.asleep = v.unwoken = true;
    }
    waits.push_back(v);
  }
  if (a_round_completes(waits)) return {};
  // The kernel last, and only now that no thread is known to run: notified waiters still asleep, and
  // futex-word and barrier waiters asleep at all (another thread's once settled, or a barrier's at once
  // when the barrier's count of arrivals moved since it looked: arrived and asleep, or on its way out
  // of a round that passed).
  for (wait_view& v : waits) {
    const bool barrier = v.what == wait_kind::barrier;
    const bool word =
        on_a_word(v.what) && (settled || v.thread == threads::current || (barrier && !word_holds(v)));
    if ((!v.notified && !word) || v.unwoken) continue;
    const sleep_look look = barrier ? barrier_look(v) : asleep_in_wait(v);
    if ((v.asleep = look == sleep_look::asleep)) continue;
    unsure = look == sleep_look::awake;
    return {};
  }
  // The caller's own word once more, after the others' looks: a thread that arrived at its barrier
  // meanwhile may have made it the one to complete the round.
  if (std::any_of(waits.begin(), waits.end(), [](const wait_view& v) {
        return v.thread == threads::current && on_a_word(v.what) && !own_wait_sleeps(v);
      }))
    return {};
  // The memory map, slowest, once settled: a futex word or a condition variable that another process
  // may wake counts for nothing.
  if (settled) {
    std::vector<const void*> wakeable;
    for (const wait_view& v : waits)
      if ((on_a_word(v.what) || v.what == wait_kind::condition) && v.sleeps_on != nullptr)
        wakeable.push_back(v.sleeps_on);
    if (any_in_shared_mapping(wakeable)) return {};
  }
  return waits;
}

bool unchanged(const std::vector<wait_view>& waits) {
  for (const wait_view& v : waits)
    if (v.thread->wait_epoch.load(std::memory_order_acquire) != v.epoch) return false;
  return true;
}

/// Whether these waits stay exactly as they are (same epochs) over the confirmation pauses.
/// Inside check_settled(): no wait can change meanwhile, so there is nothing to confirm.
constinit thread_local bool t_settled [[gnu::tls_model("initial-exec")]] = false;

bool confirmed(const std::vector<wait_view>& waits) {
  if (t_settled) return true;
  for (int look = 0; look < confirm_looks; ++look) {
    detail::sleep_for(std::chrono::nanoseconds(confirm_delay_ns));
    if (!unchanged(waits)) return false;
  }
  return true;
}

std::vector<wait_view> sorted(std::vector<wait_view> waits) {
  std::sort(waits.begin(), waits.end(), [](const wait_view& a, const wait_view& b) { return a.thread->id < b.thread->id; });
  return waits;
}

/// Whether the OS lists just the `known` threads, once threads that ended have left its list too: after
/// the runtime's exit hook, the thread library and the kernel still have work to do. Those are waited
/// for, up to leave_looks ms; without that, a thread that blocks for good while the last others are
/// still leaving is never reported (their own checks came before it blocked). False at once when the OS
/// lists a thread that neither is known nor ended, and, for a caller that is itself ending (`ended`: its
/// end's number), when a thread that ended after it is still leaving: that one's check comes later and
/// waits for this one, so two ending threads never wait for each other.
bool only_known_threads(std::size_t known, std::uint64_t ended) {
  const auto me = static_cast<std::int32_t>(gettid());
  threads::ended_thread ends[threads::ended_kept];
  for (int look = 0; look < leave_looks; ++look) {
    // The leaving first: one that leaves between the two looks lowers the count, never raises it.
    std::size_t leaving = 0;
    for (std::size_t i = 0, n = threads::recent_ends(ends); i < n; ++i) {
      if (ends[i].tid == me || !os_thread::listed(ends[i].tid)) continue;
      if (ended != 0 && ends[i].seq > ended) return false;
      ++leaving;
    }
    const std::size_t listed = os_thread::count();
    if (listed == known) return true;
    if (listed > known + leaving) return false;
    detail::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

/// Reports `cycle`, a wait-for cycle confirmed, as the deadlock.
void report_deadlock(const std::vector<wait_view>& cycle) {
  std::string message = "deadlock:";
  for (std::size_t i = 0; i < cycle.size(); ++i)
    message += (i ? "; " : " ") + label(*cycle[i].thread) + " waits for " + describe_wait(cycle[i]);
  report(make_finding(finding_kind::deadlock, cycle, std::move(message)), dedupe_key("cycle", sorted(cycle)));
}

/// `ended`: the caller is a thread that has just ended (its end's number: it is still listed by the OS),
/// 0 for one about to block; `again`: all_blocked()'s. Returns whether it could not tell: every thread
/// was blocked but for a waiter that may be about to sleep again (or for good) where no thread will look
/// after it.
bool check_all_blocked(std::uint64_t ended, bool again) {
  bool unsure = false;
  std::vector<wait_view> waits = all_blocked(false, again, unsure);
  if (waits.empty()) return unsure;
  // A waiter notified a moment ago that has not run yet looks asleep, and a condition wait's first look
  // is made holding the mutex that waiter may need next: confirming now would keep it from running for
  // the confirmation's pauses. The wait goes on in slices instead (the mutex released), and the look
  // after the first one confirms.
  const thread_record* self = threads::current;
  if (!again && ended == 0 && self != nullptr &&
      self->wait_what.load(std::memory_order_relaxed) == wait_kind::condition &&
      std::any_of(waits.begin(), waits.end(), [](const wait_view& v) { return v.notified; }))
    return true;
  if (!confirmed(waits)) return false;
  // The OS count, then the settled look: a thread that was ending during the first look has gone by
  // now, or soon will, and may have released a lock on its way out (thread-exit destructors).
  if (!only_known_threads(waits.size() + (ended != 0), ended)) return false;
  if (all_blocked(true, again, unsure).size() != waits.size()) return unsure;
  if (!unchanged(waits)) return false;
  // A cycle among them is the deadlock, whichever thread looks first: its own threads' checks may not
  // have run yet (preempted between their announcements and their checks).
  for (const wait_view& v : waits) {
    search_end end;
    if (std::vector<wait_view> cycle = find_cycle(*v.thread, end); !cycle.empty()) {
      report_deadlock(cycle);
      return false;
    }
  }
  waits = sorted(std::move(waits));
  std::string message = "all threads are blocked:";
  for (std::size_t i = 0; i < waits.size(); ++i)
    message += (i ? "; " : " ") + label(*waits[i].thread) + " waits for " + describe_wait(waits[i]);
  // The usual causes of a hang with a notify in it, or one missing. Not where a thread waits for a lock
  // a blocked thread holds: that hold is the cause, and a notify_one marks every waiter as notified, so
  // a correct pool's idle workers (one woken per task) would read as the notify's fault.
  if (std::any_of(waits.begin(), waits.end(), [](const wait_view& v) { return v.notified; }) &&
      std::none_of(waits.begin(), waits.end(), [](const wait_view& v) { return v.what == wait_kind::lock; }))
    message += ". Waiters a notify reached are still asleep: often notify_one where notify_all was needed";
  if (std::any_of(waits.begin(), waits.end(), [](const wait_view& v) { return v.unwoken; }))
    message += unwoken_hint;
  report(make_finding(finding_kind::all_threads_blocked, waits, std::move(message)),
         dedupe_key("all", waits));
  return false;
}

}  // namespace

void announce(thread_record& self, const wait_target& target, std::uintptr_t caller) noexcept {
  // A new count first, so that a reader of the last wait's fields (a notified wait stays readable)
  // cannot take this wait's for them. Only a blocked wait has other writers (notified()).
  const std::uint64_t epoch = thread_record::next_wait(self.wait_epoch.load(std::memory_order_relaxed));
  self.wait_epoch.store(epoch, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  self.wait_what.store(target.kind, std::memory_order_relaxed);
  self.wait_object.store(target.object, std::memory_order_relaxed);
  self.wait_lock.store(target.lock, std::memory_order_relaxed);
  self.wait_thread.store(target.thread, std::memory_order_relaxed);
  self.wait_thread_id.store(target.thread != nullptr ? target.thread->id : 0, std::memory_order_relaxed);
  self.wait_access.store(target.access, std::memory_order_relaxed);
  self.wait_timed.store(target.timed, std::memory_order_relaxed);
  self.wait_word.store(target.word, std::memory_order_relaxed);
  stack_id where = 0;
  if ((target.kind == wait_kind::lock || target.kind == wait_kind::condition || on_a_word(target.kind)) &&
      target.lock != nullptr) {
    // Contention, condition and futex-word waits are common: a wait reuses the stack of this thread's
    // earlier waits on that object from the same call, so only a new (object, call) pair captures one.
    // The ids of all these objects come from one counter. A call is told apart by the stack's depth at
    // it too (this frame's address): one wait function of a library built without frame pointers
    // (absl's per-thread semaphore, a program's futex wrapper) serves many of the program's lines, each
    // reached at its own depth, which would otherwise all show the first one's stack; two lines of one
    // function, at one depth, by the return address above the call, as acquisitions are.
    const auto depth = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    where = self.site_stack(*target.lock, caller, mix64(depth) & ~thread_record::path_bit);
  } else {
    where = capture_stack(2);
  }
  self.wait_stack.store(where, std::memory_order_relaxed);
  self.wait_epoch.store(epoch | thread_record::wait_blocked, std::memory_order_release);
}

void refresh_stack(thread_record& self) noexcept {
  if (self.wait_stack.load(std::memory_order_relaxed) != 0) self.wait_stack.store(capture_stack(), std::memory_order_relaxed);
}

bool check(thread_record& self, bool again) {
  if (self.wait_timed.load(std::memory_order_relaxed)) return false;

  search_end end;
  std::vector<wait_view> cycle = find_cycle(self, end);
  if (!cycle.empty()) {
    if (!end.dead_owner) {
      refresh_stack(self);  // the report names this wait's line: the one line of it worth a capture
      search_end again_end;
      if (!confirmed(cycle) || (cycle = find_cycle(self, again_end)).empty()) cycle.clear();
    }
    if (!cycle.empty()) {
      report_deadlock(cycle);
      return false;
    }
  }
  // A holder still finishing its exit may release, or end holding: look again (a lock wait's slices).
  return check_all_blocked(0, again) || end.owner_leaving;
}

void after_wake(thread_record& self) noexcept {
  // Races only with notified(), which moves a blocked wait to notified.
  std::uint64_t e = self.wait_epoch.load(std::memory_order_relaxed);
  while (thread_record::wait_state(e) != thread_record::wait_running &&
         !self.wait_epoch.compare_exchange_weak(e, thread_record::next_wait(e), std::memory_order_release)) {
  }
}

void notified(const lock_record* object) noexcept {
  for (thread_record* t = threads::first(); t != nullptr; t = t->next) {
    std::uint64_t e = t->wait_epoch.load(std::memory_order_acquire);
    // Which waiter a notify_one wakes is unknown: every waiter counts as notified, and one that stays
    // asleep is found again by asleep_in_wait().
    if (thread_record::wait_state(e) == thread_record::wait_blocked &&
        t->wait_lock.load(std::memory_order_relaxed) == object &&
        t->wait_what.load(std::memory_order_relaxed) != wait_kind::lock)
      t->wait_epoch.compare_exchange_strong(e, e - thread_record::wait_blocked + thread_record::wait_notified,
                                            std::memory_order_release);
  }
}

void after_thread_exit(std::uint64_t ended) {
  // An ending thread has no wait to slice: while it cannot tell, it looks again at once, for a while.
  const auto until = std::chrono::steady_clock::now() + exit_looks_for;
  for (bool again = false; check_all_blocked(ended, again) && std::chrono::steady_clock::now() < until; again = true)
    sched_yield();
}

finding every_thread(finding_kind kind) {
  std::vector<wait_view> waits;
  for (thread_record* t = threads::first(); t != nullptr; t = t->next) {
    if (!t->alive.load(std::memory_order_acquire)) continue;
    wait_view v;
    if (!read_wait(t, v)) v = wait_view{.thread = t};  // running: no wait, its holds still count
    waits.push_back(v);
  }
  return make_finding(kind, waits, {});
}

void check_settled(thread_record& self) {
  t_settled = true;
  try {
    check(self);
  } catch (...) {
    t_settled = false;
    throw;
  }
  t_settled = false;
}

}  // namespace gridlock::wait_for
