// sigaction/signal hooks: asynchronous signals are deferred while their thread is inside a runtime
// critical section (internal_lock.h), where it holds one of the runtime's internal locks (the stack
// depot's, the lock-order graph's, the thread registry's, the lock table's) or is in glibc's unwinder.
// A program's handler that takes a lock could otherwise block there, while the thread holding that
// lock waits for the internal one: a hang the program does not have without the interposer. (A
// handler that interrupts a hook outside a critical section runs at once; its own pthread calls pass
// straight through, see bypass().)
//
// How: a handler the program installs for an asynchronous signal is registered with the kernel as a
// wrapper (SA_SIGINFO). Outside a critical section the wrapper calls the program's handler at once, as
// the kernel would have. Inside one it records the siginfo and returns; when the section ends the
// thread re-sends the signal to itself with rt_tgsigqueueinfo (same siginfo), so the program's handler
// runs as a real signal delivery, with its own sa_mask and flags. Synchronous signals (SIGSEGV, SIGBUS,
// SIGFPE, SIGILL, SIGTRAP, SIGSYS) and SIG_DFL/SIG_IGN are installed unchanged. sigaction() reports the
// program's own handler back, never the wrapper; SA_RESETHAND is emulated (the disposition is reset
// when the handler is called).
//
// The wrapper also tells the thread's record that a handler of the program's runs, and the runtime
// which signals have one (signal_handler_locks.h: a lock a handler takes, which a thread that may
// receive its signal takes outside the handler).
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "internal_lock.h"
#include "interposer.h"
#include "signal_handler_locks.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

using sigaction_fn = int (*)(int, const struct sigaction*, struct sigaction*);

sigaction_fn real_sigaction() noexcept {
  static sigaction_fn fn = reinterpret_cast<sigaction_fn>(dlsym(RTLD_NEXT, "sigaction"));
  return fn;
}

/// The program's own disposition of a signal we wrap.
struct user_action {
  std::atomic<bool> wrapped{false};
  std::atomic<void*> handler{nullptr};  // sa_handler or sa_sigaction
  std::atomic<int> flags{0};
  sigset_t mask{};                      // under g_mu
};

user_action g_actions[NSIG];
internal_lock g_mu;  // serializes sigaction() calls

/// Whether the program's own handler of `sig` is the one installed (as our wrapper).
void set_wrapped(user_action& a, int sig, bool wrapped) noexcept {
  a.wrapped.store(wrapped, std::memory_order_release);
  static_assert(NSIG <= 65, "signal_handler_locks' masks have a bit for each of signals 1 to 64");
  const std::uint64_t bit = std::uint64_t{1} << (sig - 1);
  if (wrapped)
    signal_handler_locks::handled.fetch_or(bit, std::memory_order_relaxed);
  else
    signal_handler_locks::handled.fetch_and(~bit, std::memory_order_relaxed);
}

/// A Gridlock runtime's own sigaction() (state_request.cpp, inside an internal_scope): its handler is
/// not the program's, and never wrapped.
bool runtime_call() noexcept {
  return internal_scope::active() ||
         ((g_mode.load(std::memory_order_relaxed) & hook_mode::nested) != 0 && embedded_scope_active());
}

bool synchronous(int sig) noexcept {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP || sig == SIGSYS;
}

/// Writes the program's own registration `a` into `out`, as sigaction() reports a previous action.
void program_handler(const user_action& a, struct sigaction& out) noexcept {
  out.sa_flags = a.flags.load(std::memory_order_relaxed);
  out.sa_mask = a.mask;
  if ((out.sa_flags & SA_SIGINFO) != 0)
    out.sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(a.handler.load());
  else
    out.sa_handler = reinterpret_cast<void (*)(int)>(a.handler.load());
}

bool wrappable(int sig, const struct sigaction* act) noexcept {
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP || synchronous(sig)) return false;
  const void* h = (act->sa_flags & SA_SIGINFO) != 0 ? reinterpret_cast<void*>(act->sa_sigaction)
                                                    : reinterpret_cast<void*>(act->sa_handler);
  return h != reinterpret_cast<void*>(SIG_DFL) && h != reinterpret_cast<void*>(SIG_IGN);
}

void call_program_handler(int sig, siginfo_t* info, void* context) {
  user_action& a = g_actions[sig];
  void* h = a.handler.load(std::memory_order_acquire);
  const int flags = a.flags.load(std::memory_order_relaxed);
  if (h == reinterpret_cast<void*>(SIG_IGN)) return;
  if (h == reinterpret_cast<void*>(SIG_DFL) || h == nullptr) {
    // Changed under us to the default: act as the default would.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    real_sigaction()(sig, &dfl, nullptr);
    set_wrapped(a, sig, false);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
    return;
  }
  if ((flags & SA_RESETHAND) != 0) {  // one-shot: back to the default as the handler starts
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    real_sigaction()(sig, &dfl, nullptr);
    a.handler.store(reinterpret_cast<void*>(SIG_DFL), std::memory_order_release);
    set_wrapped(a, sig, false);
  }
  if ((flags & SA_SIGINFO) != 0)
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(h)(sig, info, context);
  else
    reinterpret_cast<void (*)(int)>(h)(sig);
}

/// call_program_handler() with the thread's record told that the handler runs.
void run_program_handler(int sig, siginfo_t* info, void* context) {
  thread_record* self = threads::current;
  if (self == nullptr) {  // a thread that never made a call the runtime saw: nothing to tell
    call_program_handler(sig, info, context);
    return;
  }
  const bool directed = info != nullptr && info->si_code == SI_TKILL;  // pthread_kill, tgkill, raise
  const signal_handler_locks::context before = signal_handler_locks::handler_starting(*self, sig, directed);
  call_program_handler(sig, info, context);
  signal_handler_locks::handler_ended(*self, before);
}

void wrapper(int sig, siginfo_t* info, void* context) {
  thread_state* s = t_state;
  if (s == nullptr || s->busy.load(std::memory_order_relaxed) == 0) {
    run_program_handler(sig, info, context);
    return;
  }
  const int n = s->deferred_count;
  if (n < thread_state::max_deferred && info != nullptr) {
    s->deferred[n] = *info;
    s->deferred_count = n + 1;
  } else {
    s->deferred_merged = s->deferred_merged | (std::uint64_t{1} << (sig - 1));
  }
}

}  // namespace

void deliver_deferred_signals(thread_state& s) noexcept {
  const int saved_errno = errno;
  siginfo_t pending[thread_state::max_deferred];
  const int n = s.deferred_count;
  const std::uint64_t merged = s.deferred_merged;
  for (int i = 0; i < n; ++i) pending[i] = s.deferred[i];
  s.deferred_count = 0;
  s.deferred_merged = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  const pid_t pid = getpid();
  const long tid = syscall(SYS_gettid);
  for (int i = 0; i < n; ++i) {
    // To itself, a process may send any siginfo: the handler sees the original sender and value.
    if (syscall(SYS_rt_tgsigqueueinfo, pid, tid, pending[i].si_signo, &pending[i]) != 0)
      syscall(SYS_tgkill, pid, tid, pending[i].si_signo);
  }
  for (int sig = 1; sig <= 64 && sig < NSIG; ++sig)
    if ((merged >> (sig - 1)) & 1) syscall(SYS_tgkill, pid, tid, sig);
  errno = saved_errno;
}

bool program_catches_signals() noexcept {
  for (const user_action& a : g_actions)
    if (a.wrapped.load(std::memory_order_acquire)) return true;
  return false;
}

}  // namespace gridlock::preload

using namespace gridlock::preload;

GRIDLOCK_HOOK int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  sigaction_fn real = real_sigaction();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (sig <= 0 || sig >= NSIG || runtime_call()) return real(sig, act, old);
  g_mu.lock();
  user_action& a = g_actions[sig];
  struct sigaction previous {};
  int r = 0;
  if (act != nullptr && wrappable(sig, act)) {
    struct sigaction installed = *act;
    installed.sa_flags = (act->sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
    installed.sa_sigaction = wrapper;
    r = real(sig, &installed, &previous);
    if (r == 0) {
      const bool was_wrapped = a.wrapped.load(std::memory_order_relaxed);
      if (was_wrapped) program_handler(a, previous);  // the program's previous handler, not our wrapper
      a.flags.store(act->sa_flags, std::memory_order_relaxed);
      a.mask = act->sa_mask;
      a.handler.store((act->sa_flags & SA_SIGINFO) != 0 ? reinterpret_cast<void*>(act->sa_sigaction)
                                                        : reinterpret_cast<void*>(act->sa_handler),
                      std::memory_order_release);
      set_wrapped(a, sig, true);
    }
  } else {
    r = real(sig, act, &previous);
    if (r == 0 && a.wrapped.load(std::memory_order_relaxed)) {
      program_handler(a, previous);
      if (act != nullptr) set_wrapped(a, sig, false);
    }
  }
  g_mu.unlock();
  if (r == 0 && old != nullptr) *old = previous;
  return r;
}

GRIDLOCK_HOOK sighandler_t signal(int sig, sighandler_t handler) {
  // glibc's signal() has BSD semantics: the handler stays installed and system calls restart.
  struct sigaction act {};
  struct sigaction old {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (sig > 0 && sig < NSIG) sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;  // sa_handler and sa_sigaction share storage
}
