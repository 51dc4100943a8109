// Thread hooks. pthread_create wraps the start routine: the new thread announces itself
// (events::thread_started, which also arms the runtime's thread-exit hook) before its body runs, and
// pthread_create returns only once it has, so a join that follows at once finds the thread's record.
// A thread's end (return from the routine or pthread_exit, whose unwinding runs the body's destructors
// first) is seen by that thread-exit hook, which reports lock-held-at-exit. Joins are waits of kind
// thread on events::find_thread(handle); timed and try joins are timed waits. C11's thrd_* go through
// the same hooks, their int results carried in the pthread void* as glibc carries them.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <new>

#include "crash_report.h"
#include "futex.h"
#include "interposer.h"
#include "runtime_core.h"
#include "thread_record.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

struct start_block {
  void* (*routine)(void*);
  void* arg;
  std::uint64_t schedule_key;  // from the creator, so it does not depend on which thread runs first
  std::uint32_t started_at;    // the creator's stack (events::thread_starting)
  std::atomic<std::uint32_t> started{0};  // futex word: 1 once the thread has registered
};

// The thread-exit hook (thread_registry.cpp) is a thread_local destructor armed by thread_started.
// Thread-local destructors run in reverse order of construction, so `enter` (constructed after it)
// runs just before it and `leave` (constructed before it) just after: its runtime work is bracketed
// like a hook's.
//
// Thread-local destructors also run when the *process* exits: exit() runs the calling thread's (main's,
// usually) before the atexit handlers. That is no thread ending with its locks held, and the threads
// still blocked (idle workers waiting for work) are not stuck forever: the process is going away. So
// unless the thread's own end is under way (its start routine returned, or it called pthread_exit),
// `enter` leaves the exit hook unarmed (check_thread_exit); where it is, `enter` arms it, for a main
// thread that called pthread_exit too. A thread running exit() stays registered, running: the static
// destructors and atexit handlers it runs next join and wait like any code, and a wait-for check must
// count it.
constinit thread_local bool t_thread_ending [[gnu::tls_model("initial-exec")]] = false;

// Registered explicitly, one at a time: thread_local objects of one translation unit are all
// constructed (and their destructors registered) together, on first use of any of them.
void exit_leave(void*) { --detail::internal_depth; }

void exit_enter(void*) {
  ++detail::internal_depth;
  check_thread_exit(t_thread_ending);
}

/// The new thread's registration and first sync point, before its start routine. Out of start_thunk
/// (as end_thread is), so that start_thunk has no cleanup and so no personality routine: a forced unwind
/// (pthread_exit, cancellation) passes its frame without calling one. A C++ runtime other than ours
/// (libc++abi) would be the one found, and with LLVM's libunwind it crashes on glibc's unwinder.
[[gnu::noinline]] void begin_thread(start_block* block) noexcept {
  const std::uint64_t key = block->schedule_key;
  {
    hook_scope h;
    register_with_exit_guards(false, block->started_at);
    crash_stack_for_this_thread();
  }
  block->started.store(1, std::memory_order_release);
  detail::futex(&block->started, FUTEX_WAKE, 1);
  // `block` lives on the creator's stack and is gone from here on.
  hook_scope h;
  events::thread_begins(key);  // a thread_start sync point
}

/// The start routine returned.
[[gnu::noinline]] void end_thread() noexcept {
  at_sync_point(sync_point::thread_exit);
  t_thread_ending = true;
}

void* start_thunk(void* p) {
  auto* block = static_cast<start_block*>(p);
  void* (*routine)(void*) = block->routine;
  void* arg = block->arg;
  begin_thread(block);
  void* result = routine(arg);
  end_thread();
  return result;
}

/// `slice`: announced_wait's (nullptr for a timed join).
template <class Join, class Slice>
int join_common(pthread_t thread, bool timed, Join&& join, Slice&& slice) {
  if (pthread_equal(thread, pthread_self())) return join();  // EDEADLK, a defined result
  at_sync_point(sync_point::before_wait);
  hook_scope h;
  wait_target target;
  target.kind = wait_kind::thread;
  target.object = reinterpret_cast<const void*>(thread);
  target.thread = events::find_thread(thread);
  target.timed = timed;
  return announced_wait(target, join, slice);
}

/// The body of the untimed join hook, for pthread_join and C11's thrd_join: `ra` and `fa` are the
/// exported function's GRIDLOCK_PROGRAM_CALL.
[[gnu::always_inline]] inline int join_hook(pthread_t thread, void** result, const void* ra, const void* fa) {
  if (bypass()) return resolve_real() ? real.join(thread, result) : EINVAL;
  const call_site_scope site(ra, fa);
  auto timed_join = [&](const timespec& end) { return real.timedjoin_np(thread, result, &end); };
  return join_common(thread, false, [&] { return real.join(thread, result); },
                     pthread_slice(CLOCK_REALTIME, timed_join));
}

/// A C11 thread's start routine and argument, for c11_start.
struct c11_routine {
  thrd_start_t routine;
  void* arg;
};

/// Runs a C11 thread's routine as a pthread one: its int result in the void* (as glibc keeps it).
void* c11_start(void* p) {
  const c11_routine r = *static_cast<c11_routine*>(p);
  delete static_cast<c11_routine*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(r.routine(r.arg)));
}

}  // namespace

void register_with_exit_guards(bool main_thread, std::uint32_t started_at) noexcept {
  at_thread_exit(exit_leave, nullptr);
  if (main_thread)
    (void)events::current_thread();
  else
    (void)events::thread_started(nullptr, started_at);  // the name, if any, comes from pthread_getname_np
  at_thread_exit(exit_enter, nullptr);
}

}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

GRIDLOCK_HOOK int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                                 void* arg) {
  if (!resolve_real()) return EAGAIN;
  if (bypass()) return real.create(thread, attr, routine, arg);
  start_block block{routine, arg, 0, 0};
  int r;
  {
    hook_scope h;
    block.schedule_key = events::child_schedule_key();
    block.started_at = events::thread_starting();
    r = real.create(thread, attr, start_thunk, &block);
  }
  if (r != 0) return r;
  while (block.started.load(std::memory_order_acquire) == 0)
    detail::futex(&block.started, FUTEX_WAIT, 0);
  return 0;
}

GRIDLOCK_HOOK int pthread_join(pthread_t thread, void** result) {
  return join_hook(thread, result, GRIDLOCK_PROGRAM_CALL);
}

GRIDLOCK_HOOK int pthread_tryjoin_np(pthread_t thread, void** result) {
  if (bypass()) return resolve_real() ? real.tryjoin_np(thread, result) : EINVAL;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  return join_common(thread, true, [&] { return real.tryjoin_np(thread, result); }, nullptr);
}

GRIDLOCK_HOOK int pthread_timedjoin_np(pthread_t thread, void** result, const timespec* abstime) {
  if (bypass()) return resolve_real() ? real.timedjoin_np(thread, result, abstime) : EINVAL;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  return join_common(thread, true, [&] { return real.timedjoin_np(thread, result, abstime); }, nullptr);
}

GRIDLOCK_HOOK int pthread_detach(pthread_t thread) {
  return resolve_real() ? real.detach(thread) : EINVAL;
}

GRIDLOCK_HOOK void pthread_exit(void* value) {
  // The exit itself is seen by the thread-exit hook after pthread_exit's unwinding has run the
  // thread's destructors (which may release locks): nothing to do before it.
  t_thread_ending = true;
  if (!resolve_real()) __builtin_trap();
  real.exit(value);
  __builtin_unreachable();
}

// C11 threads (interposer.h: GRIDLOCK_PROGRAM_CALL says why they need hooks of their own).

GRIDLOCK_HOOK int thrd_create(thrd_t* thread, thrd_start_t routine, void* arg) {
  auto* r = new (std::nothrow) c11_routine{routine, arg};
  if (r == nullptr) return thrd_nomem;
  const int err = pthread_create(thread, nullptr, c11_start, r);
  if (err != 0) delete r;
  return c11_result(err);
}

GRIDLOCK_HOOK int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  const int err = join_hook(thread, &value, GRIDLOCK_PROGRAM_CALL);
  if (err == 0 && result != nullptr) *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return c11_result(err);
}

GRIDLOCK_HOOK int thrd_detach(thrd_t thread) { return c11_result(pthread_detach(thread)); }

GRIDLOCK_HOOK void thrd_exit(int result) { pthread_exit(reinterpret_cast<void*>(static_cast<std::intptr_t>(result))); }
