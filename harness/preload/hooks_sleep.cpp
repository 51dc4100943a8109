// Sleeps: nanosleep, clock_nanosleep, usleep and sleep (std::this_thread::sleep_for reaches nanosleep;
// glibc's usleep and sleep reach it inside libc, where no hook sees it). Under controlled a thread that
// sleeps with the turn kept every other thread waiting until it woke: a sleep shorter than the stall
// rule's 2 ms never lost the turn (OpenSSL handshakes beside a thread polling every 1 ms ran 111 s,
// 23 s without the poller). It hands the turn on first, as before a real wait (turns.h), and takes a
// turn again at its next sync point. The sleep itself is the real one, for every strategy.
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "interposer.h"
#include "sync_points.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// `sleep`, the real call, after the turn is handed on (only a strategy that serializes has one). The
/// runtime's own sleeps pass straight through (runtime_sleep.h).
template <class Sleep>
auto sleep_hook(Sleep&& sleep) {
  if (detail::sync_points_on.load(std::memory_order_relaxed) && !bypass()) guarded([] { sync_points::blocking_for_real(); });
  return sleep();
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Before the real functions are resolved (dlsym re-entering on this thread), a sleep says it was
// interrupted at once, which its caller must handle anyway.

GRIDLOCK_HOOK int nanosleep(const timespec* duration, timespec* remaining) {
  if (!resolve_real()) return errno = EINTR, -1;
  return sleep_hook([&] { return real.nanosleep(duration, remaining); });
}

GRIDLOCK_HOOK int clock_nanosleep(clockid_t clock, int flags, const timespec* t, timespec* remaining) {
  if (!resolve_real()) return EINTR;
  return sleep_hook([&] { return real.clock_nanosleep(clock, flags, t, remaining); });
}

GRIDLOCK_HOOK int usleep(useconds_t microseconds) {
  if (!resolve_real()) return errno = EINTR, -1;
  return sleep_hook([&] { return real.usleep(microseconds); });
}

GRIDLOCK_HOOK unsigned sleep(unsigned seconds) {
  if (!resolve_real()) return seconds;
  return sleep_hook([&] { return real.sleep(seconds); });
}
