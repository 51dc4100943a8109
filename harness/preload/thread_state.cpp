// Per-thread state of the interposer, the asymmetric fences its hazard and busy protocols use, and
// fork(): the prepare handler closes a gate and waits until no thread is inside a runtime critical
// section (internal_lock.h: any runtime lock held, or glibc's unwinder running), so no runtime lock
// (stack depot, lock-order graph, thread registry, finding list, lock table) can be held by a thread
// that will not exist in the child; the child handler then makes the runtime's view match the child:
// every other thread is gone. A critical section also defers asynchronous signals (hooks_signal.cpp).
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal_lock.h"
#include "interposer.h"
#include "runtime_core.h"
#include "state_request.h"
#include "thread_record.h"

namespace gridlock::preload {

constinit thread_local thread_state* t_state [[gnu::tls_model("initial-exec")]] = nullptr;
std::atomic<std::uint8_t> g_mode{hook_mode::starting};
bool g_have_membarrier = false;

bool pass_through_by_mode(std::uint8_t mode, const void* caller) noexcept {
  return mode == hook_mode::starting || ((mode & hook_mode::nested) != 0 && embedded_scope_active()) ||
         ((mode & hook_mode::beside_allocator) != 0 && g_allocator.contains(caller));
}

namespace {

std::atomic<int> g_fork_gate{0};  // non-zero while a fork is being prepared

std::atomic<thread_state*> g_first{nullptr};
pthread_key_t g_release_key;
bool g_key_ok = false;
constinit thread_local bool t_fork_prepared = false;
constinit thread_local bool t_fork_nested = false;

void after_critical(thread_state& s) noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (s.deferred_count != 0 || s.deferred_merged != 0) deliver_deferred_signals(s);
}

void wait_for_fork_gate() noexcept {
  for (int spins = 0; g_fork_gate.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins > 64) sched_yield();
  }
}

// The critical_observer. `busy` counts nested sections; only the outermost one meets the fork gate
// (the thread preparing a fork passes: it takes the table's lock behind its own gate).
void critical_enter() noexcept {
  thread_state& s = self_state();
  if (const int depth = s.busy.load(std::memory_order_relaxed); depth != 0) {
    s.busy.store(depth + 1, std::memory_order_relaxed);
    return;
  }
  for (;;) {
    s.busy.store(1, std::memory_order_relaxed);
    light_fence();
    if (g_fork_gate.load(std::memory_order_relaxed) == 0 || t_fork_prepared) return;
    s.busy.store(0, std::memory_order_release);
    after_critical(s);
    wait_for_fork_gate();
  }
}

void critical_leave() noexcept {
  thread_state& s = *t_state;  // set by critical_enter
  const int depth = s.busy.load(std::memory_order_relaxed) - 1;
  s.busy.store(depth, std::memory_order_release);
  if (depth == 0) after_critical(s);
}

constexpr critical_observer g_observer{critical_enter, critical_leave};

int current_tid() noexcept { return static_cast<int>(syscall(SYS_gettid)); }

// pthread key destructors run after every thread_local destructor (glibc: __call_tls_dtors, then
// __nptl_deallocate_tsd), so the state outlives whatever the exiting thread still locks.
void release_state(void* p) {
  auto* s = static_cast<thread_state*>(p);
  s->busy.store(0, std::memory_order_relaxed);
  after_critical(*s);
  if (t_state == s) t_state = nullptr;
  s->in_use.store(false, std::memory_order_release);
}

}  // namespace

thread_state* attach_state() noexcept {
  thread_state* s = nullptr;
  for (thread_state* p = g_first.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    bool expected = false;
    if (!p->in_use.load(std::memory_order_relaxed) &&
        p->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      s = p;
      break;
    }
  }
  if (s == nullptr) {
    s = new thread_state;
    s->in_use.store(true, std::memory_order_relaxed);
    thread_state* head = g_first.load(std::memory_order_relaxed);
    do {
      s->next = head;
    } while (!g_first.compare_exchange_weak(head, s, std::memory_order_release, std::memory_order_relaxed));
  }
  for (auto& h : s->hazard) h.store(nullptr, std::memory_order_relaxed);
  s->busy.store(0, std::memory_order_relaxed);
  s->deferred_count = 0;
  s->deferred_merged = 0;
  s->tid = current_tid();
  t_state = s;
  if (g_key_ok) pthread_setspecific(g_release_key, s);
  return s;
}

namespace {

void fork_prepare() {
  if (g_mode.load(std::memory_order_acquire) == hook_mode::starting) return;
  t_fork_prepared = true;
  t_fork_nested = detail::internal_depth != 0;  // fork() from a signal handler that interrupted a hook
  ++detail::internal_depth;
  g_fork_gate.fetch_add(1, std::memory_order_seq_cst);
  heavy_fence();
  const thread_state* me = t_state;
  for (thread_state* s = first_state(); s != nullptr; s = s->next) {
    if (s == me) continue;
    for (int spins = 0; s->busy.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins > 64) sched_yield();
    }
  }
  if (!t_fork_nested) lock_table_lock_for_fork();
}

void fork_parent() {
  if (!t_fork_prepared) return;
  t_fork_prepared = false;
  if (!t_fork_nested) lock_table_unlock_after_fork(false);
  g_fork_gate.fetch_sub(1, std::memory_order_seq_cst);
  --detail::internal_depth;
}

/// A process-shared lock lives in memory the parent shares: the parent's threads that hold it still do,
/// there, and will let go, so the child does not inherit those holds (a private lock's stay held).
void drop_process_shared_holds(thread_record& r) noexcept {
  for (std::uint32_t i = r.held_count.load(std::memory_order_relaxed); i-- > 0;) {
    lock_record* lock = r.held[i].lock.load(std::memory_order_relaxed);
    if (lock == nullptr || !lock->process_shared) continue;
    held_set::remove(r, &r.held[i]);
    if (lock->owner.load(std::memory_order_relaxed) == &r) lock->owner.store(nullptr, std::memory_order_relaxed);
  }
}

void fork_child() {
  if (!t_fork_prepared) return;
  t_fork_prepared = false;
  if (!t_fork_nested) lock_table_unlock_after_fork(true);
  g_fork_gate.store(0, std::memory_order_seq_cst);
  // Only this thread exists in the child. Other threads' states are free again; their records are
  // dead threads now. Their held locks stay held (but process-shared ones): those mutexes are locked
  // for good in the child's memory, so a child that waits for one is told it waits for a thread the
  // fork left behind.
  thread_state* me = t_state;
  for (thread_state* s = first_state(); s != nullptr; s = s->next) {
    if (s == me) continue;
    for (auto& h : s->hazard) h.store(nullptr, std::memory_order_relaxed);
    s->busy.store(0, std::memory_order_relaxed);
    s->deferred_count = 0;  // signals sent to threads that do not exist here
    s->deferred_merged = 0;
    s->in_use.store(false, std::memory_order_relaxed);
  }
  const int tid = current_tid();
  if (me != nullptr) me->tid = tid;
  thread_record* self = threads::current;
  for (thread_record* r = threads::first(); r != nullptr; r = r->next) {
    drop_process_shared_holds(*r);
    if (r == self) continue;
    if (r->alive.load(std::memory_order_relaxed)) {
      r->left_by_fork = true;
      unregister_thread(r);
    }
    const std::uint64_t e = r->wait_epoch.load(std::memory_order_relaxed);
    if (thread_record::wait_state(e) != thread_record::wait_running)
      r->wait_epoch.store(thread_record::next_wait(e), std::memory_order_release);
  }
  if (self != nullptr) {
    self->tid = tid;
    self->is_main = true;  // the child's only thread is its main thread
  }
  answer_state_requests_after_fork();  // a child that hangs is asked for its view as well
  --detail::internal_depth;
}

}  // namespace

thread_state* first_state() noexcept { return g_first.load(std::memory_order_acquire); }

void heavy_fence() noexcept {
  if (g_have_membarrier && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void install_fork_handlers() noexcept {
  // membarrier: the heavy side of the fences. Without it the light side is a full fence.
  const long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
    g_have_membarrier = true;
  g_key_ok = pthread_key_create(&g_release_key, release_state) == 0;
  detail::critical_hooks = &g_observer;
  // Registered before the program's own handlers: our prepare runs last (after theirs took whatever
  // locks they take, through our hooks), our child handler first.
  pthread_atfork(fork_prepare, fork_parent, fork_child);
}

}  // namespace gridlock::preload
