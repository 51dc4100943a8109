// The syscall() hook, for the futex waits a program makes itself: libstdc++'s std::atomic::wait, and
// std::latch, std::barrier and std::counting_semaphore built on it, call syscall(SYS_futex) from inline
// code (bits/atomic_wait.h), and so do libraries with locks of their own. A FUTEX_WAIT or
// FUTEX_WAIT_BITSET is a wait on a futex word that no thread owns (wait_kind::futex): untimed, it takes
// part in the all-threads-blocked rule, only once the kernel has the thread asleep on that word (a wait
// whose word changed first returns at once) and only on a word in memory no other process shares
// (libstdc++ 12 does not ask for private futexes: the flag says nothing). A wake marks the word's
// waiters as no longer blocked. Passed straight through: every other system call, the runtime's own
// futex calls (futex.h: inside an internal_scope), and, as for semaphores (hooks_sem.cpp), every wait
// once the program has a signal handler (a handler may store and notify). No sync point at a wake: a
// signal handler may be the caller.
//
// libc++'s std::atomic::wait (its latch and semaphore too) sleeps in FUTEX_WAIT with a
// 2-second timeout, then checks its value and sleeps again: untimed in all but name, so announced as
// untimed (the real call keeps its timeout). Otherwise a hang on one could never be all-threads-blocked.
#include <linux/futex.h>
#include <sys/syscall.h>

#include <cstdarg>

#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// syscall()'s arguments past the number: it reads six, whatever the call (as glibc's own does).
struct arguments {
  long a[6];
  long call(long number) const noexcept { return real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]); }
};

/// libc++'s code: empty when the program does not load libc++.
constinit code_range g_libcxx;

/// A wait that only looks timed: libc++'s poll of an atomic, a relative 2 seconds from libc++'s code.
bool libcxx_poll(const arguments& args, const void* caller) noexcept {
  const auto* timeout = reinterpret_cast<const timespec*>(args.a[3]);
  return g_libcxx.contains(caller) && (static_cast<int>(args.a[1]) & FUTEX_CMD_MASK) == FUTEX_WAIT &&
         timeout != nullptr && timeout->tv_sec == 2 && timeout->tv_nsec == 0;
}

/// A futex call the program made (the runtime's own pass by: futex.h).
long program_futex(const arguments& args, const void* caller, const void* frame) {
  const void* word = reinterpret_cast<const void*>(args.a[0]);
  switch (static_cast<int>(args.a[1]) & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (program_catches_signals()) return args.call(SYS_futex);
      const call_site_scope site(caller, frame);
      at_sync_point(sync_point::before_wait);
      const bool timed = args.a[3] != 0 && !libcxx_poll(args, caller);
      return word_wait(wait_kind::futex, object_tag::futex, word, static_cast<std::uint32_t>(args.a[2]), timed,
                       [&] { return args.call(SYS_futex); }, [&](long ns) -> std::optional<long> {
                         // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's an end on its clock.
                         const int op = static_cast<int>(args.a[1]);
                         timespec end{ns / 1'000'000'000, ns % 1'000'000'000};
                         if ((op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET)
                           end = slice_end((op & FUTEX_CLOCK_REALTIME) != 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, ns);
                         arguments sliced = args;
                         sliced.a[3] = reinterpret_cast<long>(&end);
                         const long r = sliced.call(SYS_futex);
                         if (r == -1 && errno == ETIMEDOUT) return std::nullopt;
                         return r;
                       });
    }
    case FUTEX_WAKE_OP:  // wakes waiters of a second word too
      notify_waiters(reinterpret_cast<const void*>(args.a[4]), object_tag::futex);
      [[fallthrough]];
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
      notify_waiters(word, object_tag::futex);
      break;
    default:
      break;
  }
  return args.call(SYS_futex);
}

}  // namespace

void find_libcxx() noexcept { g_libcxx = library_code("libc++.so"); }

}  // namespace gridlock::preload

using namespace gridlock::preload;

// Unresolved (dlsym re-entering on this thread): nothing can be called, say so.
GRIDLOCK_HOOK long syscall(long number, ...) {
  arguments args;
  va_list ap;
  va_start(ap, number);
  for (long& x : args.a) x = va_arg(ap, long);
  va_end(ap);
  if (!resolve_real()) return (errno = ENOSYS, -1);
  if (number != SYS_futex || pass_through(GRIDLOCK_PROGRAM_CALLER)) return args.call(number);
  return program_futex(args, GRIDLOCK_PROGRAM_CALL);
}
